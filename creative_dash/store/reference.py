"""Reference data (real facts, with sources) loaded from the CSV files in data/reference."""

from __future__ import annotations

import hashlib
from datetime import datetime

import duckdb
import pandas as pd

from creative_dash import vocab
from creative_dash.access import SYSTEM
from creative_dash.settings import DATA_DIR
from creative_dash.store import Store, gateway
from creative_dash.store.gateway import ActorRef

REFERENCE_DIR = DATA_DIR / "reference"
BOUNDARIES_DIR = DATA_DIR / "boundaries"


def _read(name: str) -> pd.DataFrame:
    return pd.read_csv(REFERENCE_DIR / name, dtype=str, keep_default_na=False)


def regions_frame() -> pd.DataFrame:
    raw = _read("regions.csv")
    df = pd.DataFrame(
        {
            "iso_code": raw["iso_code"],
            "iso_code_former": raw["iso_code_former"].replace("", None),
            "kato_prefix": raw["kato_prefix"],
            "kind": raw["kind"],
            "name_kk": raw["name_kk"],
            "name_ru": raw["name_ru"],
            "name_en": raw["name_en"],
            "name_ru_bns": raw["name_ru_bns_usage"].replace("", None),
            "name_en_aliases": raw["name_en_aliases"].replace("", None),
            "admin_center_kk": raw["admin_center_kk"],
            "admin_center_ru": raw["admin_center_ru"],
            "admin_center_en": raw["admin_center_en"],
            "admin_center_lat": raw["admin_center_lat"].astype(float),
            "admin_center_lon": raw["admin_center_lon"].astype(float),
            "area_km2": pd.to_numeric(raw["area_km2"], errors="coerce"),
            "area_source": raw["area_source"].replace("", None),
            "area_km2_boundaries": pd.to_numeric(
                raw["area_km2_computed_from_boundaries"], errors="coerce"
            ),
            "notes": raw["notes"].replace("", None),
        }
    )
    return df


def population_frame() -> pd.DataFrame:
    """The reference population figures: status is a code of ``vocab.POPULATION_STATUSES``
    (the store refuses any other), ``status_note`` the source's own words on the figure."""
    raw = _read("regions.csv")
    return pd.DataFrame(
        {
            "iso_code": raw["iso_code"],
            "as_of": pd.to_datetime(raw["population_date"]).dt.date,
            "population": raw["population"].astype("int64"),
            "status": raw["population_status"],
            "source": raw["population_source"],
            "status_note": raw["population_status_note"].replace("", None),
            "origin": vocab.REFERENCE,
            "loaded_by": SYSTEM.name,
        }
    )


def neighbours_frame() -> pd.DataFrame:
    path = BOUNDARIES_DIR / "region_neighbours.csv"
    return pd.read_csv(path, dtype=str)[["iso_code", "neighbour_iso_code"]]


def _simple(name: str) -> pd.DataFrame:
    df = _read(name)
    if "sort_order" in df:
        df["sort_order"] = df["sort_order"].astype(int)
    return df


def programme_frame() -> pd.DataFrame:
    df = _read("programme.csv")
    for col in ("start_date", "end_date"):
        df[col] = pd.to_datetime(df[col]).dt.date
    return df


# dataset name -> (table, frame builder, source description)
DATASETS: dict[str, tuple[str, object, str]] = {
    "regions": ("regions", regions_frame, "data/reference/regions.csv (sources per column)"),
    "region_population": (
        "region_population",
        population_frame,
        "data/reference/regions.csv population_* columns (source per row)",
    ),
    "region_neighbours": (
        "region_neighbours",
        neighbours_frame,
        "data/boundaries/region_neighbours.csv (derived from the boundaries)",
    ),
    "sectors": ("sectors", lambda: _simple("sectors.csv"), "data/reference/sectors.csv"),
    "competencies": (
        "competencies",
        lambda: _simple("competencies.csv"),
        "data/reference/competencies.csv",
    ),
    "indicator_defs": (
        "indicator_defs",
        lambda: _simple("indicator_defs.csv"),
        "data/reference/indicator_defs.csv",
    ),
    "programmes": ("programmes", programme_frame, "data/reference/programme.csv"),
}


def frame_sha256(df: pd.DataFrame) -> str:
    return hashlib.sha256(df.to_csv(index=False).encode("utf-8")).hexdigest()


# Tables other tables point to with a foreign key (vocab.REFERENCES: users, initiatives, hubs
# ... -> regions, sectors, competencies, indicator_defs, programmes): their rows are updated in
# place by key, and only rows gone from the source are deleted (deleting a region or sector a
# row still points to fails, with the database's message).
UPSERT_KEYS: dict[str, tuple[str, ...]] = {
    "regions": ("iso_code",),
    "sectors": ("code",),
    "competencies": ("code",),
    "indicator_defs": ("code",),
    "programmes": ("programme_id",),
}

# Tables that hold reference rows beside rows of imports and edits (told apart by ``origin``,
# vocab.ORIGINS): a reload deletes and inserts only its own rows, and never a row whose key an
# imported or edited row already holds.
SHARED_KEYS: dict[str, tuple[str, ...]] = {"region_population": ("iso_code", "as_of")}


def replace_table(
    store: Store,
    table: str,
    df: pd.DataFrame,
    *,
    dataset: str,
    source: str,
    is_demo: bool,
    where_demo_only: bool = False,
    actor: ActorRef = SYSTEM,
) -> bool:
    """Replace a table's rows (or only its demo rows) with ``df`` unless the same content is
    already loaded. ``table`` comes from this module's allow-lists, never from a user.

    Goes through the write gateway as ``actor`` (the system user for reference loads), which
    leaves a ``load`` audit row in the same transaction."""
    sha = frame_sha256(df)
    last = store.scalar(
        "SELECT content_sha256 FROM dataset_loads WHERE dataset = $d ORDER BY loaded_at DESC "
        "LIMIT 1",
        {"d": dataset},
    )
    if last == sha:
        return False
    with gateway.load(store, actor, dataset, [table]) as job:
        cur = job.cur
        cur.register("incoming", df)
        cols = ", ".join(df.columns)
        key = UPSERT_KEYS.get(table)
        shared = SHARED_KEYS.get(table)
        kept = None
        # table and columns come from DATASETS, UPSERT_KEYS and our own frames, never a user
        if shared and not where_demo_only:
            kept = _replace_own_rows(cur, table, df, shared)
        elif key and not where_demo_only:
            keys = ", ".join(key)
            sets = ", ".join(f"{c} = excluded.{c}" for c in df.columns if c not in key)
            cur.execute(
                f"DELETE FROM {table} WHERE ({keys}) NOT IN (SELECT {keys} FROM incoming)"  # noqa: S608
            )
            cur.execute(
                f"INSERT INTO {table} ({cols}) SELECT {cols} FROM incoming "  # noqa: S608
                f"ON CONFLICT ({keys}) DO UPDATE SET {sets}"
            )
        else:
            cur.execute(f"DELETE FROM {table}" + (" WHERE is_demo" if where_demo_only else ""))  # noqa: S608
            cur.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM incoming")  # noqa: S608
        cur.unregister("incoming")
        cur.execute(
            "INSERT INTO dataset_loads VALUES ($d, $at, $src, $demo, $n, $sha)",
            {
                "d": dataset,
                "at": datetime.now(),
                "src": source,
                "demo": is_demo,
                "n": len(df),
                "sha": sha,
            },
        )
        info: dict[str, object] = {"rows": len(df), "source": source}
        if kept is not None:
            info["kept_other_origins"] = kept
        job.loaded(table, **info, content_sha256=sha, previous_sha256=last)
    return True


def _replace_own_rows(
    cur: duckdb.DuckDBPyConnection, table: str, df: pd.DataFrame, key: tuple[str, ...]
) -> int:
    """Replace the reference rows of a table shared with imports and edits; returns how many
    rows of other origins were kept (and so won over a reference row of the same key)."""
    cols = ", ".join(df.columns)
    match = " AND ".join(f"t.{k} = i.{k}" for k in key)
    # identifiers from SHARED_KEYS and our own frames; the origin is bound
    cur.execute(f"DELETE FROM {table} WHERE origin = $o", {"o": vocab.REFERENCE})  # noqa: S608
    cur.execute(
        f"INSERT INTO {table} ({cols}, loaded_at) "  # noqa: S608
        f"SELECT {cols}, $at FROM incoming i "
        f"WHERE NOT EXISTS (SELECT 1 FROM {table} t WHERE {match})",
        {"at": datetime.now()},
    )
    row = cur.execute(
        f"SELECT count(*) FROM {table} WHERE origin <> $o",  # noqa: S608
        {"o": vocab.REFERENCE},
    ).fetchone()
    return int(row[0]) if row else 0


def load_reference(store: Store) -> list[str]:
    """Load every reference dataset whose content changed; returns the names loaded."""
    loaded = []
    for name, (table, build, source) in DATASETS.items():
        if replace_table(store, table, build(), dataset=name, source=source, is_demo=False):  # type: ignore[operator]
            loaded.append(name)
    return loaded
