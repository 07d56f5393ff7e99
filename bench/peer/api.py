"""Superset's REST API, and the dashboard of the comparison built through it (nothing else:
no import of Superset's code, no direct write to its metadata database).

``build(url, user, password, databases)`` signs in (``/api/v1/security/login``: an access
token; ``/api/v1/security/csrf_token/``: the CSRF token of the session), then per store: a
database (the DuckDB file, ``access_mode=read_only``), a virtual dataset, three charts (the
country map, the region ranking, the sector mix), a dashboard holding them with a native
filter on the sector, opened to the Public role (DASHBOARD_RBAC), published.
"""

from __future__ import annotations

import http.cookiejar
import json
import re
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

# Superset's bundled Kazakhstan map (country_map, "kazakhstan") is the one before 2018: 16
# features, keyed by the former alphabetic ISO codes; Almaty region and Almaty city share
# KZ-ALA. The regions made since are drawn in the ones they were cut from.
MAP_CODE_OF_NEW = {
    "KZ-10": "KZ-VOS",  # Abai, from East Kazakhstan (2022)
    "KZ-19": "KZ-ALA",  # Almaty region: KZ-ALM, drawn as KZ-ALA on this map
    "KZ-33": "KZ-ALA",  # Zhetysu, from Almaty region (2022)
    "KZ-62": "KZ-KAR",  # Ulytau, from Karaganda (2022)
    "KZ-79": "KZ-YUZ",  # Shymkent, a city of its own since 2018, in South Kazakhstan
}
MAP_REGIONS = 16

SECTOR_FILTER_ID = "NATIVE_FILTER-sector"


def table_name(name: str) -> str:
    """The table Superset reads for the store ``name``: ``dataset_sql()`` made into a table of
    its copy of the store before it starts (``materialise``), as a deployment flattens its data
    for Superset (as a virtual dataset, the same SQL took about 3 s per chart query at 1.5 M
    initiatives). Named per store: Superset's metadata wants table names unique."""
    if not re.fullmatch(r"[a-z][a-z0-9_]*", name):
        raise ValueError(f"not a plain name: {name!r}")
    return f"{name}_initiatives"


PER_100K = "COUNT(DISTINCT initiative_id) * 100000.0 / MAX({col})"


def dataset_sql() -> str:
    """The virtual dataset: one row per initiative and sector it works in (its main sector and
    each further one: the overview's sector filter keeps an initiative whose main or further
    sector is chosen), with its region's name and population, its map region (code, and the
    population summed over the regions drawn in it), its main sector's name (the sector mix)
    and the row's sector's name (the filter). Counted as distinct initiatives: the same
    figures as the overview (initiatives per 100,000 inhabitants, latest population;
    initiatives per main sector)."""
    cases = " ".join(f"WHEN '{new}' THEN '{old}'" for new, old in MAP_CODE_OF_NEW.items())
    return f"""
WITH m AS (
    SELECT r.iso_code, r.name_en AS region_name, p.population,
           CASE r.iso_code {cases} ELSE r.iso_code_former END AS map_code
    FROM regions r JOIN region_population_latest p USING (iso_code)
), mp AS (SELECT map_code, sum(population) AS map_population FROM m GROUP BY map_code),
tagged AS (
    SELECT initiative_id, sector_code FROM initiatives
    UNION SELECT initiative_id, sector_code FROM initiative_sectors
)
SELECT i.initiative_id, i.start_date, m.region_name, m.population, m.map_code,
       mp.map_population, ms.name_en AS main_sector_name, s.name_en AS sector_name
FROM initiatives i
JOIN tagged t ON t.initiative_id = i.initiative_id
JOIN sectors s ON s.code = t.sector_code
JOIN sectors ms ON ms.code = i.sector_code
JOIN m ON m.iso_code = i.region_iso
JOIN mp ON mp.map_code = m.map_code
""".strip()  # noqa: S608 - constants of this module only


def materialise(con: Any, name: str) -> None:
    """Make the table of store ``name`` in the store ``con`` is open on (read-write: Superset's
    own copy)."""
    con.execute(f"CREATE OR REPLACE TABLE {table_name(name)} AS {dataset_sql()}")


def _metric(label: str, sql: str) -> dict[str, Any]:
    return {
        "expressionType": "SQL",
        "sqlExpression": sql,
        "label": label,
        "optionName": "metric_" + label.replace(" ", "_"),
        "hasCustomLabel": True,
    }


def chart_params(kind: str, dataset_id: int) -> dict[str, Any]:
    """The form data of each chart (``kind``: map, ranking, sectors)."""
    common = {"datasource": f"{dataset_id}__table", "adhoc_filters": [], "row_limit": 1000}
    if kind == "map":
        return {
            **common,
            "viz_type": "country_map",
            "select_country": "kazakhstan",
            "entity": "map_code",
            "metric": _metric("initiatives per 100k", PER_100K.format(col="map_population")),
            "linear_color_scheme": "blue_white_yellow",
            "number_format": ",.1f",
        }
    if kind == "ranking":
        metric = _metric("initiatives per 100k", PER_100K.format(col="population"))
        x = "region_name"
    else:
        metric = _metric("initiatives", "COUNT(DISTINCT initiative_id)")
        x = "main_sector_name"
    return {
        **common,
        "viz_type": "echarts_timeseries_bar",
        "x_axis": x,
        "metrics": [metric],
        "groupby": [],
        "orientation": "horizontal",
        "x_axis_sort": metric["label"],
        "x_axis_sort_asc": True,
        "show_value": True,
        "y_axis_format": ",.1f" if kind == "ranking" else ",d",
        "show_legend": False,
    }


VIZ = {
    "map": "country_map",
    "ranking": "echarts_timeseries_bar",
    "sectors": "echarts_timeseries_bar",
}
TITLES = {
    "map": "Initiatives per 100,000 inhabitants",
    "ranking": "Regions ranked",
    "sectors": "Initiatives by sector",
}


def position_json(title: str, charts: dict[str, int]) -> dict[str, Any]:
    """Map and ranking side by side, the sector mix below: all three in a 1366x900 window."""
    pos: dict[str, Any] = {
        "DASHBOARD_VERSION_KEY": "v2",
        "ROOT_ID": {"type": "ROOT", "id": "ROOT_ID", "children": ["GRID_ID"]},
        "GRID_ID": {
            "type": "GRID",
            "id": "GRID_ID",
            "children": ["ROW-1", "ROW-2"],
            "parents": ["ROOT_ID"],
        },
        "HEADER_ID": {"id": "HEADER_ID", "type": "HEADER", "meta": {"text": title}},
    }
    rows = {"ROW-1": [("map", 6, 50), ("ranking", 6, 50)], "ROW-2": [("sectors", 12, 40)]}
    for row, cells in rows.items():
        pos[row] = {
            "type": "ROW",
            "id": row,
            "children": [f"CHART-{k}" for k, _, _ in cells],
            "parents": ["ROOT_ID", "GRID_ID"],
            "meta": {"background": "BACKGROUND_TRANSPARENT"},
        }
        for kind, width, height in cells:
            pos[f"CHART-{kind}"] = {
                "type": "CHART",
                "id": f"CHART-{kind}",
                "children": [],
                "parents": ["ROOT_ID", "GRID_ID", row],
                "meta": {
                    "width": width,
                    "height": height,
                    "chartId": charts[kind],
                    "sliceName": TITLES[kind],
                },
            }
    return pos


def json_metadata(dataset_id: int, charts: dict[str, int]) -> dict[str, Any]:
    """The native filter on the sector (a multiple choice, empty = every sector) over the three
    charts."""
    return {
        "native_filter_configuration": [
            {
                "id": SECTOR_FILTER_ID,
                "name": "Sector",
                "filterType": "filter_select",
                "type": "NATIVE_FILTER",
                "targets": [{"datasetId": dataset_id, "column": {"name": "sector_name"}}],
                "defaultDataMask": {"extraFormData": {}, "filterState": {}, "ownState": {}},
                "controlValues": {
                    "enableEmptyFilter": False,
                    "defaultToFirstItem": False,
                    "multiSelect": True,
                    "searchAllOptions": False,
                    "inverseSelection": False,
                },
                "cascadeParentIds": [],
                "scope": {"rootPath": ["ROOT_ID"], "excluded": []},
                "chartsInScope": sorted(charts.values()),
                "tabsInScope": [],
                "description": "",
            }
        ],
        "chart_configuration": {},
        "global_chart_configuration": {
            "scope": {"rootPath": ["ROOT_ID"], "excluded": []},
            "chartsInScope": sorted(charts.values()),
        },
        "cross_filters_enabled": False,
        "refresh_frequency": 0,
        "color_scheme": "",
        "label_colors": {},
    }


def login_form_token(html: str) -> str:
    """The CSRF token of Superset's login page (its hidden ``csrf_token`` input)."""
    m = re.search(r'<input[^>]*name="csrf_token"[^>]*>', html, re.S)
    value = re.search(r'value="([^"]*)"', m.group(0)) if m else None
    if value is None:
        raise ApiError("no csrf_token on the login page")
    return value.group(1)


class ApiError(RuntimeError):
    """Superset refused a call (the message has the method, path, status and its answer)."""


@dataclass
class Client:
    """A signed-in session on Superset's REST API: bearer token, session cookie, CSRF token."""

    url: str
    token: str = ""
    csrf: str = ""

    def __post_init__(self) -> None:
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )

    def call(self, method: str, path: str, body: Any = None) -> Any:
        headers = {"Content-Type": "application/json", "Referer": self.url + "/"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        if self.csrf:
            headers["X-CSRFToken"] = self.csrf
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.url + path, data=data, headers=headers, method=method)
        try:
            with self.opener.open(req, timeout=120) as resp:
                raw = resp.read()
        except urllib.error.HTTPError as exc:
            raise ApiError(f"{method} {path}: HTTP {exc.code}: {exc.read()[:800]!r}") from None
        return json.loads(raw) if raw else None

    def login(self, user: str, password: str) -> None:
        out = self.call(
            "POST",
            "/api/v1/security/login",
            {"username": user, "password": password, "provider": "db", "refresh": True},
        )
        self.token = out["access_token"]
        # Superset 6.1.0 authorises the calls by the token, but its write commands take their
        # owner from the web session, which a token leaves anonymous (a dashboard's creation
        # fails with "'AnonymousUserMixin' object has no attribute '_sa_instance_state'"): sign
        # the session in through the login form as well.
        with self.opener.open(self.url + "/login/", timeout=60) as resp:
            form_token = login_form_token(resp.read().decode("utf-8", "replace"))
        form = urllib.parse.urlencode(
            {"csrf_token": form_token, "username": user, "password": password}
        ).encode()
        with self.opener.open(urllib.request.Request(self.url + "/login/", data=form), timeout=60):
            pass
        me = self.call("GET", "/api/v1/me/")["result"]
        if me.get("is_anonymous", True):
            raise ApiError("the login form did not sign the session in")
        self.csrf = self.call("GET", "/api/v1/security/csrf_token/")["result"]


def build_one(api: Client, name: str, db_path: str, public_role: int) -> dict[str, Any]:
    """One store's database, dataset (``table_name``), charts and dashboard; returns their ids."""
    db = api.call(
        "POST",
        "/api/v1/database/",
        {
            "database_name": name,
            "sqlalchemy_uri": f"duckdb:///{db_path}?access_mode=read_only",
            "expose_in_sqllab": True,
        },
    )["id"]
    ds = api.call(
        "POST",
        "/api/v1/dataset/",
        {
            "database": db,
            "schema": "main",
            "table_name": table_name(name),
        },
    )["id"]
    title = f"Creative industries ({name})"
    dash = api.call("POST", "/api/v1/dashboard/", {"dashboard_title": title})["id"]
    charts: dict[str, int] = {}
    for kind in ("map", "ranking", "sectors"):
        charts[kind] = api.call(
            "POST",
            "/api/v1/chart/",
            {
                "slice_name": TITLES[kind],
                "viz_type": VIZ[kind],
                "datasource_id": ds,
                "datasource_type": "table",
                "params": json.dumps(chart_params(kind, ds)),
                "dashboards": [dash],
            },
        )["id"]
    api.call(
        "PUT",
        f"/api/v1/dashboard/{dash}",
        {
            "position_json": json.dumps(position_json(title, charts)),
            "json_metadata": json.dumps(json_metadata(ds, charts)),
            "published": True,
            "roles": [public_role],
        },
    )
    return {"database": db, "dataset": ds, "dashboard": dash, "charts": charts}


def public_role_id(api: Client) -> int:
    q = "(filters:!((col:name,opr:eq,value:Public)))"
    found = api.call("GET", f"/api/v1/security/roles/search/?q={q}")
    for role in found.get("roles", found.get("result", [])):
        if role.get("name") == "Public":
            return int(role["id"])
    raise ApiError(f"no Public role in {found}")


def build(url: str, user: str, password: str, databases: dict[str, str]) -> dict[str, Any]:
    """Every store's dashboard ({name: DuckDB path} -> {name: ids})."""
    api = Client(url)
    api.login(user, password)
    role = public_role_id(api)
    return {name: build_one(api, name, path, role) for name, path in databases.items()}
