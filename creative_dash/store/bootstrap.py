"""Bring a store up to date: migrations, reference data and (optionally) demo data."""

from __future__ import annotations

import time
from collections.abc import Callable

from creative_dash.store import Store, demo
from creative_dash.store.rebuild import SET_ASIDE_TABLE
from creative_dash.store.reference import load_reference


def ensure_store(
    store: Store,
    *,
    with_demo: bool,
    scale: int = 1,
    say: Callable[[str], None] = lambda _msg: None,
    wait: float = 600.0,
) -> None:
    """Migrate, load reference data whose content changed, and load demo data if asked.

    Safe to call again: a second call with the same inputs changes nothing. Safe to call from
    two processes at once: on PostgreSQL the second waits (up to ``wait`` seconds) for the
    first to finish (:meth:`Store.init_lock`), then finds nothing left to do."""
    with store.init_lock(say=say, timeout=wait):
        _ensure(store, with_demo=with_demo, scale=scale, say=say)


def _ensure(store: Store, *, with_demo: bool, scale: int, say: Callable[[str], None]) -> None:
    t0 = time.perf_counter()
    before = store.schema_version()
    applied = store.migrate(say=say)
    if applied:
        say(f"schema: migrated {before} -> {applied[-1]} (applied {applied})")
    else:
        say(f"schema: up to date (version {before})")
    waiting = store.table_exists(SET_ASIDE_TABLE) and store.scalar(
        f"SELECT count(*) FROM {SET_ASIDE_TABLE}"  # noqa: S608
    )
    if waiting:
        say(
            f"set aside: {waiting} row(s) that break the store's rules wait in table "
            f"{SET_ASIDE_TABLE} (table, key, rules, the row as JSON): fix and enter them again"
        )
    loaded = load_reference(store)
    say(f"reference data: loaded {', '.join(loaded)}" if loaded else "reference data: unchanged")
    if with_demo:
        done = demo.load_demo(store, scale=scale)
        if done is None:
            say(f"demo data: already loaded (scale {scale}), unchanged")
        else:
            say("demo data: " + _counts(done.loaded))
            if done.kept:
                say(
                    f"demo data: kept {sum(done.kept.values()):,} row(s) that imports or edits "
                    f"added or changed, as they were ({_counts(done.kept)}): a demo load never "
                    "replaces or deletes them"
                )
            if done.held:
                say(
                    f"demo data: left out {sum(done.held.values()):,} generated row(s) whose "
                    f"key a kept row holds or whose row a user deleted ({_counts(done.held)})"
                )
    say(f"done in {time.perf_counter() - t0:.2f} s (data version {store.data_version()})")


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{k} {v:,}" for k, v in counts.items())
