"""Deterministic demo data: hubs, initiatives, the programme's sessions and outcomes,
recommendations and indicators. Fixed seed, no clock: the same bytes on every run.

Every row this module makes has ``is_demo = TRUE``. Real facts (regions, populations,
boundaries) are never generated here; they come from data/reference.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd

from creative_dash import geo, vocab
from creative_dash.access import SYSTEM
from creative_dash.store import Store, gateway

SEED = 20250512
# Bump when the generator's output changes, so `init --demo` replaces older demo rows.
GENERATOR_VERSION = 3
DEMO_ACTOR = "demo-generator"
DEMO_STAMP = datetime(2026, 1, 1, 9, 0, 0)
AS_OF = date(2026, 10, 31)  # demo "today": no initiative starts later than this
PROGRAMME_ID = "ckz-2025"
PROGRAMME_END = date(2025, 5, 14)
BASE_INITIATIVES = 1500
BASE_HUBS = 200

HUB_TYPES = vocab.HUB_TYPES
HUB_TYPE_KK = {
    "cluster": "креативті кластері",
    "makerspace": "мейкерспейсі",
    "art_centre": "өнер орталығы",
    "incubator": "бизнес-инкубаторы",
    "cultural_centre": "мәдени орталығы",
}
BRANDS = [
    "Шабыт",
    "Жұлдыз",
    "Тұлпар",
    "Арман",
    "Өрнек",
    "Қазына",
    "Сарыарқа",
    "Дала",
    "Әуен",
    "Нұр",
    "Бәйтерек",
    "Алтын Орда",
    "Көкжиек",
    "Толқын",
    "Жасампаз",
    "Шеберхана",
    "Ұлан",
    "Самұрық",
    "Жібек жолы",
    "Мұра",
    "Ақбұлақ",
    "Кеңістік",
    "Өнер ордасы",
    "Керуен",
]
FUNDING = vocab.FUNDING_SOURCES
TITLE_KINDS_RU = [
    "Фестиваль",
    "Резиденция",
    "Акселератор",
    "Школа",
    "Грантовая программа",
    "Выставка",
    "Лаборатория",
    "Форум",
    "Маркетплейс",
    "Цифровая платформа",
    "Конкурс",
    "Мастерская",
]
TITLE_KINDS_KK = [
    "фестивалі",
    "резиденциясы",
    "акселераторы",
    "мектебі",
    "грант бағдарламасы",
    "көрмесі",
    "зертханасы",
    "форумы",
    "маркетплейсі",
    "цифрлық платформасы",
    "байқауы",
    "шеберханасы",
]
SDG_WEIGHTS = {8: 10, 4: 6, 11: 6, 9: 5, 5: 4, 10: 3, 17: 3, 12: 2, 1: 2, 3: 1, 16: 1, 13: 1}
ROLES = vocab.ROLES
SESSION_KINDS = vocab.SESSION_KINDS
REC_CATEGORIES = vocab.REC_CATEGORIES
REC_STATUSES = vocab.REC_STATUSES
BODIES = vocab.BODIES
REC_TEXT = {
    "financing": (
        "Креативті жобаларға арналған өңірлік грант қорын құру",
        "Создать региональный грантовый фонд для креативных проектов",
    ),
    "tax": (
        "Креативті кәсіпкерлерге салықтық жеңілдіктер беру",
        "Ввести налоговые льготы для креативных предпринимателей",
    ),
    "infrastructure": (
        "Бос ғимараттарды креативті хабтарға беру",
        "Передать пустующие здания под креативные хабы",
    ),
    "education": (
        "Креативті менеджерлерді даярлау бағдарламасын іске қосу",
        "Запустить программу подготовки креативных менеджеров",
    ),
    "regulation": (
        "Креативті индустриялар тізілімін жүргізу тәртібін жеңілдету",
        "Упростить порядок ведения реестра креативных индустрий",
    ),
    "export": (
        "Өңірлік креативті өнімдердің экспортын қолдау",
        "Поддержать экспорт региональной креативной продукции",
    ),
    "ip_rights": (
        "Зияткерлік меншікті тіркеуге көмек көрсету орталығын ашу",
        "Открыть центр помощи в регистрации интеллектуальной собственности",
    ),
}
SESSIONS = [
    # (day offset, HH:MM, kind, kk, ru, en)
    (
        0,
        "10:00",
        "strategic_session",
        "Креативті экономиканың ұлттық басымдықтары",
        "Национальные приоритеты креативной экономики",
        "National priorities of the creative economy",
    ),
    (
        0,
        "14:00",
        "knowledge_sharing",
        "Өңірлердің тәжірибесі: креативті хабтар",
        "Опыт регионов: креативные хабы",
        "Regional experience: creative hubs",
    ),
    (
        0,
        "16:00",
        "workshop",
        "Креативті жобаларды қаржыландыру құралдары",
        "Инструменты финансирования креативных проектов",
        "Financing tools for creative projects",
    ),
    (
        1,
        "10:00",
        "project_work",
        "Өңірлік бастамаларды әзірлеу",
        "Разработка региональных инициатив",
        "Drafting regional initiatives",
    ),
    (
        1,
        "14:00",
        "workshop",
        "Импакт-инвестициялар және БҰҰДБ гранттары",
        "Импакт-инвестиции и гранты ПРООН",
        "Impact investment and UNDP grants",
    ),
    (
        1,
        "16:00",
        "strategic_session",
        "Мемлекеттік қолдау шаралары: ұсыныстар",
        "Меры господдержки: рекомендации",
        "State support measures: recommendations",
    ),
    (
        2,
        "10:00",
        "project_work",
        "Өңірлік командалардың жобаларын қорғау",
        "Защита проектов региональных команд",
        "Regional teams present their projects",
    ),
    (
        2,
        "14:00",
        "knowledge_sharing",
        "Халықаралық тәжірибе және ТДМ",
        "Международный опыт и ЦУР",
        "International practice and the SDGs",
    ),
    (
        2,
        "16:00",
        "strategic_session",
        "Қорытынды: жол картасы",
        "Итоги: дорожная карта",
        "Wrap-up: the road map",
    ),
]


@dataclass(frozen=True)
class DemoData:
    hubs: pd.DataFrame
    hub_sectors: pd.DataFrame
    initiatives: pd.DataFrame
    initiative_sectors: pd.DataFrame
    initiative_sdgs: pd.DataFrame
    programme_sessions: pd.DataFrame
    participants: pd.DataFrame
    assessments: pd.DataFrame
    recommendations: pd.DataFrame
    indicators: pd.DataFrame

    def tables(self) -> dict[str, pd.DataFrame]:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


def _audit_cols(df: pd.DataFrame) -> pd.DataFrame:
    df["is_demo"] = True
    df["created_at"] = DEMO_STAMP
    df["updated_at"] = DEMO_STAMP
    df["updated_by"] = DEMO_ACTOR
    df["version"] = 1
    return df


def _keep_inside_regions(
    hubs: pd.DataFrame, regions: pd.DataFrame, rng: np.random.Generator
) -> None:
    """Move any hub whose jittered position fell outside its own region's outline back inside:
    redraw closer to the administrative centre, which lies inside its region (tested with the
    boundaries)."""
    centres = regions.set_index("iso_code")[["admin_center_lat", "admin_center_lon"]]
    features = {f["id"]: f for f in geo.boundaries()["features"]}
    for i, row in hubs.iterrows():
        feature = features.get(row["region_iso"])
        if feature is None or geo.contains(feature, row["lon"], row["lat"]):
            continue
        lat0, lon0 = centres.loc[row["region_iso"]]
        lat, lon = lat0, lon0
        for attempt in range(1, 21):
            spread = 0.04 / attempt
            cand_lat = round(lat0 + rng.normal() * spread, 5)
            cand_lon = round(lon0 + rng.normal() * spread * 1.4, 5)
            if geo.contains(feature, cand_lon, cand_lat):
                lat, lon = cand_lat, cand_lon
                break
        hubs.at[i, "lat"] = lat
        hubs.at[i, "lon"] = lon


def generate(
    regions: pd.DataFrame,
    sectors: list[str],
    competencies: list[str],
    indicator_codes: list[str],
    scale: int = 1,
) -> DemoData:
    """Build every demo table. ``regions`` needs iso_code, kind, population,
    admin_center_lat/lon, admin_center_kk."""
    rng = np.random.default_rng(SEED)
    regions = regions.sort_values("iso_code").reset_index(drop=True)
    n_reg = len(regions)
    pop = regions["population"].to_numpy(dtype=float)
    is_city = (regions["kind"] == "city").to_numpy()

    # -- hubs: cities are denser in hubs ------------------------------------------------------
    hub_w = pop * np.where(is_city, 3.0, 1.0)
    hub_counts = np.maximum(2, np.round(BASE_HUBS * hub_w / hub_w.sum())).astype(int)
    hub_region = np.repeat(np.arange(n_reg), hub_counts)
    n_hubs = len(hub_region)
    spread = np.where(is_city[hub_region], 0.04, 0.08)
    hub_type = rng.choice(len(HUB_TYPES), n_hubs, p=[0.3, 0.15, 0.2, 0.15, 0.2])
    brand = rng.integers(0, len(BRANDS), n_hubs)
    opened = pd.to_datetime("2015-01-01") + pd.to_timedelta(rng.integers(0, 4200, n_hubs), "D")
    hubs = pd.DataFrame(
        {
            "hub_id": np.arange(1, n_hubs + 1),
            "name": [f"«{BRANDS[b]}» {HUB_TYPE_KK[HUB_TYPES[t]]}" for b, t in zip(brand, hub_type)],
            "region_iso": regions["iso_code"].to_numpy()[hub_region],
            "city": regions["admin_center_kk"].to_numpy()[hub_region],
            "hub_type": np.array(HUB_TYPES)[hub_type],
            "opened_on": opened.date,
            "lat": np.round(
                regions["admin_center_lat"].to_numpy()[hub_region]
                + rng.normal(0, 1, n_hubs) * spread,
                5,
            ),
            "lon": np.round(
                regions["admin_center_lon"].to_numpy()[hub_region]
                + rng.normal(0, 1, n_hubs) * spread * 1.4,
                5,
            ),
            "floor_area_m2": np.round(rng.lognormal(6.3, 0.6, n_hubs), -1),
            "residents": rng.integers(3, 120, n_hubs),
            "status": rng.choice(vocab.HUB_STATUSES, n_hubs, p=[0.82, 0.12, 0.06]),
        }
    )
    _keep_inside_regions(hubs, regions, np.random.default_rng([SEED, 1]))
    hubs = _audit_cols(hubs)
    hs_main = rng.integers(0, len(sectors), n_hubs)
    hs_second = (hs_main + rng.integers(1, len(sectors), n_hubs)) % len(sectors)
    has_second = rng.random(n_hubs) < 0.6
    hub_sectors = (
        pd.concat(
            [
                pd.DataFrame({"hub_id": hubs["hub_id"], "sector_code": np.array(sectors)[hs_main]}),
                pd.DataFrame(
                    {
                        "hub_id": hubs["hub_id"][has_second],
                        "sector_code": np.array(sectors)[hs_second[has_second]],
                    }
                ),
            ]
        )
        .sort_values(["hub_id", "sector_code"])
        .reset_index(drop=True)
    )

    rng = np.random.default_rng([SEED, 2])  # own stream: --scale changes initiatives only
    # -- initiatives: scale with population, funding mix and sectors vary by region ----------
    n_init = BASE_INITIATIVES * scale
    init_w = pop**0.8 * np.where(is_city, 1.5, 1.0)
    region_idx = rng.choice(n_reg, n_init, p=init_w / init_w.sum())
    sector_pref = rng.dirichlet(np.ones(len(sectors)) * 1.5, n_reg)
    funding_pref = rng.dirichlet(np.array([3.0, 4.0, 2.0, 1.0, 1.0]), n_reg)
    u = rng.random(n_init)
    sector_idx = (u[:, None] > np.cumsum(sector_pref[region_idx], axis=1)).sum(axis=1)
    sector_idx = np.minimum(sector_idx, len(sectors) - 1)
    u = rng.random(n_init)
    funding_idx = (u[:, None] > np.cumsum(funding_pref[region_idx], axis=1)).sum(axis=1)
    funding_idx = np.minimum(funding_idx, len(FUNDING) - 1)

    span_days = (AS_OF - date(2019, 1, 1)).days
    # more initiatives in later years: the programme gathered pace
    start_off = (span_days * rng.power(1.6, n_init)).astype(int)
    start = np.datetime64("2019-01-01") + start_off.astype("timedelta64[D]")
    duration = rng.integers(90, 1100, n_init).astype("timedelta64[D]")
    planned_end = start + duration
    as_of = np.datetime64(AS_OF)
    age_days = (as_of - start).astype(int)

    # status depends on where the initiative is in its life
    status = np.empty(n_init, dtype=object)
    r = rng.random(n_init)
    done = planned_end <= as_of
    status[done] = np.where(r[done] < 0.88, "completed", "cancelled")
    running = ~done
    status[running] = np.select(
        [r[running] < 0.1, r[running] < 0.25, r[running] < 0.95],
        ["proposed", "approved", "in_progress"],
        "cancelled",
    )
    # very recent starts are still on paper
    fresh = age_days < 60
    status[fresh & (status == "in_progress")] = "approved"

    end = np.where(
        status == "completed",
        planned_end,
        np.where(
            status == "cancelled",
            start
            + (duration.astype(int) * rng.uniform(0.1, 0.6, n_init))
            .astype(int)
            .astype("timedelta64[D]"),
            planned_end,
        ),
    )
    end = np.minimum(end, np.where(status == "completed", as_of, end))
    end = np.maximum(end, start + np.timedelta64(1, "D"))
    open_ended = (status == "proposed") & (rng.random(n_init) < 0.5)

    planned = np.round(
        rng.lognormal(np.log(25e6), 0.9, n_init) * np.where(is_city[region_idx], 1.4, 1.0), -3
    )
    spent_ratio = np.select(
        [status == "completed", status == "in_progress", status == "cancelled"],
        [
            rng.uniform(0.8, 1.15, n_init),
            rng.uniform(0.1, 0.9, n_init),
            rng.uniform(0.0, 0.3, n_init),
        ],
        0.0,
    )
    spent = np.round(planned * spent_ratio, -3)
    jobs = np.where(
        np.isin(status, ["completed", "in_progress"]),
        np.round(spent / rng.uniform(3e6, 12e6, n_init)),
        0,
    ).astype(int)
    youth = np.round(jobs * rng.uniform(2, 15, n_init)).astype(int)
    women = np.round(youth * rng.uniform(0.3, 0.7, n_init)).astype(int)

    # a hub of the same region for ~40 %
    hubs_by_region = [np.flatnonzero(hub_region == i) + 1 for i in range(n_reg)]
    pick = rng.random(n_init)
    hub_id = (
        np.array(
            [
                hubs_by_region[ri][int(p * len(hubs_by_region[ri]))] if p < 0.4 else 0
                for ri, p in zip(region_idx, pick)
            ]
        )
        if n_init <= 200_000
        else np.where(
            pick < 0.4,
            np.array([h[0] for h in hubs_by_region])[region_idx],
            0,
        )
    )
    from_prog = (start >= np.datetime64(PROGRAMME_END)) & (rng.random(n_init) < 0.35)

    kind_i = rng.integers(0, len(TITLE_KINDS_RU), n_init)
    brand_i = rng.integers(0, len(BRANDS), n_init)
    in_kk = rng.random(n_init) < 0.5
    sector_kk = pd.Series(sectors).map(SECTOR_SHORT_KK).to_numpy()
    sector_ru = pd.Series(sectors).map(SECTOR_SHORT_RU).to_numpy()
    brands = pd.Series(BRANDS).to_numpy()
    title_kk = (
        pd.Series("«" + brands[brand_i] + "» ")
        + sector_kk[sector_idx]
        + " "
        + np.array(TITLE_KINDS_KK)[kind_i]
    )
    title_ru = (
        pd.Series(np.array(TITLE_KINDS_RU)[kind_i])
        + " «"
        + brands[brand_i]
        + "»: "
        + sector_ru[sector_idx]
    )
    titles = np.where(in_kk, title_kk.to_numpy(), title_ru.to_numpy())

    initiatives = pd.DataFrame(
        {
            "initiative_id": np.arange(1, n_init + 1),
            "title": titles,
            "region_iso": regions["iso_code"].to_numpy()[region_idx],
            "sector_code": np.array(sectors)[sector_idx],
            "status": status.astype(str),
            "start_date": start.astype("datetime64[s]").astype(object),
            "end_date": pd.Series(end.astype("datetime64[s]")).where(~open_ended, pd.NaT),
            "budget_planned_kzt": planned.astype("int64"),
            "budget_spent_kzt": spent.astype("int64"),
            "funding_source": np.array(FUNDING)[funding_idx],
            "jobs_created": jobs,
            "beneficiaries_youth": youth,
            "beneficiaries_women": women,
            "hub_id": pd.Series(hub_id).replace(0, pd.NA).astype("Int64"),
            "from_programme": from_prog,
            "programme_id": [PROGRAMME_ID if f else None for f in from_prog],
        }
    )
    initiatives["start_date"] = pd.to_datetime(initiatives["start_date"]).dt.date
    initiatives["end_date"] = pd.to_datetime(initiatives["end_date"]).dt.date
    initiatives = _audit_cols(initiatives)

    second = rng.random(n_init) < 0.3
    sec2 = (sector_idx + rng.integers(1, len(sectors), n_init)) % len(sectors)
    initiative_sectors = pd.DataFrame(
        {
            "initiative_id": initiatives["initiative_id"][second].to_numpy(),
            "sector_code": np.array(sectors)[sec2[second]],
        }
    )
    goals = np.array(list(SDG_WEIGHTS))
    gw = np.array(list(SDG_WEIGHTS.values()), dtype=float)
    g1 = rng.choice(goals, n_init, p=gw / gw.sum())
    g2 = rng.choice(goals, n_init, p=gw / gw.sum())
    has2 = (rng.random(n_init) < 0.6) & (g2 != g1)
    initiative_sdgs = (
        pd.concat(
            [
                pd.DataFrame({"initiative_id": initiatives["initiative_id"], "sdg": g1}),
                pd.DataFrame(
                    {"initiative_id": initiatives["initiative_id"][has2], "sdg": g2[has2]}
                ),
            ]
        )
        .sort_values(["initiative_id", "sdg"])
        .reset_index(drop=True)
    )

    rng = np.random.default_rng([SEED, 3])
    # -- the training programme -----------------------------------------------------------------
    pstart = date(2025, 5, 12)
    programme_sessions = pd.DataFrame(
        [
            {
                "session_id": i + 1,
                "programme_id": PROGRAMME_ID,
                "day": pstart + timedelta(days=d),
                "starts_at": t,
                "kind": k,
                "title_kk": kk,
                "title_ru": ru,
                "title_en": en,
                "is_demo": True,
            }
            for i, (d, t, k, kk, ru, en) in enumerate(SESSIONS)
        ]
    )
    rows = []
    pid = 0
    for iso in regions["iso_code"]:
        n = int(rng.integers(2, 6))
        for j in range(n):
            pid += 1
            rows.append(
                {
                    "participant_id": pid,
                    "programme_id": PROGRAMME_ID,
                    "region_iso": iso,
                    "role": ROLES[0] if j == 0 else ROLES[int(rng.integers(1, len(ROLES)))],
                    "days_attended": int(rng.choice([3, 3, 3, 2, 1])),
                    "satisfaction": None
                    if rng.random() < 0.08
                    else int(rng.choice([3, 4, 4, 5, 5, 5])),
                    "is_demo": True,
                }
            )
    participants = pd.DataFrame(rows)
    participants["satisfaction"] = participants["satisfaction"].astype("Int64")
    a_rows = []
    region_gain = dict(zip(regions["iso_code"], rng.uniform(0.6, 2.6, n_reg)))
    for pid, iso, days in zip(
        participants["participant_id"], participants["region_iso"], participants["days_attended"]
    ):
        for c_i, comp in enumerate(competencies):
            pre = float(np.clip(np.round(rng.normal(4.8 - 0.3 * c_i % 2, 1.1), 1), 1, 9))
            gain = region_gain[iso] * (int(days) / 3) + rng.normal(0, 0.5)
            post = float(np.clip(np.round(pre + gain, 1), 1, 10))
            a_rows.append((pid, comp, "pre", pre, True))
            a_rows.append((pid, comp, "post", post, True))
    assessments = pd.DataFrame(
        a_rows, columns=["participant_id", "competency", "phase", "score", "is_demo"]
    )

    r_rows = []
    rid = 0
    for iso in regions["iso_code"]:
        cats = rng.choice(REC_CATEGORIES, int(rng.integers(3, 7)), replace=False)
        for cat in cats:
            rid += 1
            lang = "kk" if rng.random() < 0.5 else "ru"
            st = str(rng.choice(REC_STATUSES, p=[0.3, 0.2, 0.25, 0.15, 0.1]))
            follow = date(2025, 9, 1) + timedelta(days=int(rng.integers(0, 560)))
            r_rows.append(
                {
                    "recommendation_id": rid,
                    "programme_id": PROGRAMME_ID,
                    "region_iso": iso,
                    "category": str(cat),
                    "text": REC_TEXT[str(cat)][0 if lang == "kk" else 1],
                    "text_lang": lang,
                    "status": st,
                    "responsible_body": str(rng.choice(BODIES, p=[0.45, 0.35, 0.05, 0.15])),
                    "follow_up_date": None if st in ("implemented", "rejected") else follow,
                }
            )
    recommendations = _audit_cols(pd.DataFrame(r_rows))

    # -- indicators: region x year ---------------------------------------------------------------
    # Exports draw from a generator of their own, so adding them left every other value as it was.
    exports_rng = np.random.default_rng((SEED, 3))
    i_rows = []
    for k, iso in enumerate(regions["iso_code"]):
        share = rng.uniform(0.012, 0.03) * (1.6 if is_city[k] else 1.0)
        growth = rng.uniform(0.02, 0.08)
        # the share of creative output sold abroad: larger in the cities
        export_share = exports_rng.uniform(0.005, 0.03) * (1.5 if is_city[k] else 1.0)
        for y in range(2019, 2026):
            emp = pop[k] * share * (1 + growth) ** (y - 2019) * rng.uniform(0.97, 1.03)
            enterprises = emp / rng.uniform(6, 10)
            output = emp * rng.uniform(6, 12)
            vals = {
                "creative_employment": round(emp),
                "creative_enterprises": round(enterprises),
                "creative_output": round(output, 1),
                "creative_exports": round(output * export_share * exports_rng.uniform(0.8, 1.2), 1),
            }
            for code in indicator_codes:
                i_rows.append(
                    {
                        "region_iso": iso,
                        "year": y,
                        "indicator_code": code,
                        "value": float(vals[code]),
                        "source": "Demo data (generated; replace with BNS figures)",
                        "retrieved_on": date(2026, 1, 1),
                        "is_demo": True,
                    }
                )
    indicators = pd.DataFrame(i_rows)

    return DemoData(
        hubs,
        hub_sectors,
        initiatives,
        initiative_sectors,
        initiative_sdgs,
        programme_sessions,
        participants,
        assessments,
        recommendations,
        indicators,
    )


SECTOR_SHORT_KK = {
    "music": "музыка",
    "film_animation": "кино",
    "design": "дизайн",
    "fashion": "сән",
    "crafts": "қолөнер",
    "visual_arts": "бейнелеу өнері",
    "performing_arts": "театр",
    "publishing": "кітап",
    "media_advertising": "медиа",
    "it_games": "ойын индустриясы",
    "architecture": "сәулет",
    "heritage_museums": "мұражай",
    "gastronomy": "гастрономия",
}
SECTOR_SHORT_RU = {
    "music": "музыка",
    "film_animation": "кино и анимация",
    "design": "дизайн",
    "fashion": "мода",
    "crafts": "ремёсла",
    "visual_arts": "современное искусство",
    "performing_arts": "театр",
    "publishing": "книгоиздание",
    "media_advertising": "медиа",
    "it_games": "геймдев",
    "architecture": "архитектура",
    "heritage_museums": "музеи",
    "gastronomy": "гастрономия",
}

# Tables the demo fills, in load order; link tables have no is_demo column and are replaced
# together with their parents.
DEMO_TABLES = [
    "hubs",
    "hub_sectors",
    "initiatives",
    "initiative_sectors",
    "initiative_sdgs",
    "programme_sessions",
    "participants",
    "assessments",
    "recommendations",
    "indicators",
]
_LINKS = {
    "hub_sectors": ("hub_id", "hubs"),
    "initiative_sectors": ("initiative_id", "initiatives"),
    "initiative_sdgs": ("initiative_id", "initiatives"),
}
# Rows of a parent go with their parent: links, and a participant's self-assessments.
_PARENTS = {**_LINKS, "assessments": ("participant_id", "participants")}
_KEYS = {
    "hubs": ("hub_id",),
    "hub_sectors": ("hub_id", "sector_code"),
    "initiatives": ("initiative_id",),
    "initiative_sectors": ("initiative_id", "sector_code"),
    "initiative_sdgs": ("initiative_id", "sdg"),
    "programme_sessions": ("session_id",),
    "participants": ("participant_id",),
    "assessments": ("participant_id", "competency", "phase"),
    "recommendations": ("recommendation_id",),
    "indicators": ("region_iso", "year", "indicator_code"),
}
# Rows a demo (re)load leaves as they are: rows that are not demo (an import or an edit added
# them, or made a demo row its own), rows an import wrote (``import_id``), demo rows edited in the
# browser (their row version went up); each test where the table has the column (a store of an
# older schema, migrated later, may lack them).
_KEPT_TESTS = ("NOT is_demo", "import_id IS NOT NULL", "version > 1")
_KEPT_COLUMNS = {"import_id IS NOT NULL": "import_id", "version > 1": "version"}


def _kept(cur: Any, table: str) -> str:
    """The SQL condition of ``table``'s rows a demo load keeps (constant parts only)."""
    columns = {d[0] for d in cur.execute(f"SELECT * FROM {table} LIMIT 0").description}  # noqa: S608
    tests = [x for x in _KEPT_TESTS if _KEPT_COLUMNS.get(x, "is_demo") in columns]
    return " OR ".join(tests)


# Tables whose rows users delete (edit mode, through the gateway: an audit row each): a demo
# row a user deleted is not brought back by a reload.
_DELETABLE = ("hubs", "initiatives")


@dataclass(frozen=True)
class DemoLoad:
    """What a demo load did: ``loaded`` rows per table; ``kept``: rows an import or an edit
    added or changed, left as they were; ``held``: generated rows not loaded, because a kept row
    holds their key (or their parent's) or a user deleted that row."""

    loaded: dict[str, int]
    kept: dict[str, int]
    held: dict[str, int]


def _taken(cur: Any, table: str) -> set[tuple[Any, ...]]:
    """The keys of ``table``'s rows (after the demo rows were deleted: the kept ones), and of its
    rows a user deleted."""
    cols = ", ".join(_KEYS[table])  # identifiers from the _KEYS allow-list
    taken = {tuple(r) for r in cur.execute(f"SELECT {cols} FROM {table}").fetchall()}  # noqa: S608
    if table in _DELETABLE:
        gone = cur.execute(
            "SELECT DISTINCT row_key FROM audit_log WHERE table_name = $t AND action = 'delete'",
            {"t": table},
        ).fetchall()
        taken |= {(int(k),) for (k,) in gone if str(k).isdigit()}
    return taken


def _not_taken(
    df: pd.DataFrame, table: str, taken: set[tuple[Any, ...]], held: dict[str, set[Any]]
) -> pd.Series:
    """Which generated rows of ``table`` may be loaded: their key is free and their parent was
    loaded."""
    free = pd.Series(True, index=df.index)
    if taken:
        keys = pd.MultiIndex.from_frame(df[list(_KEYS[table])])
        free &= ~keys.isin(list(taken))
    if table in _PARENTS:
        key, parent = _PARENTS[table]
        if held.get(parent):
            free &= ~df[key].isin(held[parent])
    return free


def load_demo(store: Store, scale: int = 1) -> DemoLoad | None:
    """Load demo data unless the same demo is already loaded; None when it is.

    A (re)load replaces only the demo's own untouched rows: rows an import or an edit added or
    changed stay as they are (:func:`_kept`), generated rows whose key they hold are not loaded,
    nor are demo rows a user deleted; :class:`DemoLoad` says how many of each."""
    regions = store.query(
        "SELECT r.iso_code, r.kind, r.admin_center_lat, r.admin_center_lon, r.admin_center_kk, "
        "p.population FROM regions r JOIN region_population_latest p USING (iso_code)"
    )
    sectors = store.query("SELECT code FROM sectors ORDER BY sort_order")["code"].tolist()
    comps = store.query("SELECT code FROM competencies ORDER BY sort_order")["code"].tolist()
    inds = store.query("SELECT code FROM indicator_defs ORDER BY code")["code"].tolist()
    marker = f"demo v{GENERATOR_VERSION} seed={SEED} scale={scale}"
    last = store.scalar(
        "SELECT content_sha256 FROM dataset_loads WHERE dataset = 'demo' "
        "ORDER BY loaded_at DESC LIMIT 1"
    )
    if last == marker:
        return None
    data = generate(regions, sectors, comps, inds, scale=scale)
    counts, kept, held_n = {}, {}, {}
    held: dict[str, set[Any]] = {}
    # Through the write gateway as the system user: one "load" audit row per table.
    with gateway.load(store, SYSTEM, "demo", DEMO_TABLES) as job:
        cur = job.cur
        for table in reversed(DEMO_TABLES):  # identifiers from the allow-lists above
            if table in _LINKS:
                key, parent = _LINKS[table]
                cur.execute(
                    f"DELETE FROM {table} WHERE {key} IN "  # noqa: S608
                    f"(SELECT {key} FROM {parent} WHERE is_demo AND NOT ({_kept(cur, parent)}))"
                )
            else:
                kept_sql = _kept(cur, table)
                cur.execute(f"DELETE FROM {table} WHERE is_demo AND NOT ({kept_sql})")  # noqa: S608
                row = cur.execute(f"SELECT count(*) FROM {table}").fetchone()  # noqa: S608
                if row and row[0]:
                    kept[table] = int(row[0])
        for table in DEMO_TABLES:
            df = data.tables()[table]
            free = _not_taken(df, table, _taken(cur, table), held)
            if not free.all():
                held_n[table] = int((~free).sum())
                held[table] = set(df.loc[~free, _KEYS[table][0]])
                df = df[free]
            cur.register("incoming", df)
            cols = ", ".join(df.columns)
            cur.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM incoming")  # noqa: S608
            cur.unregister("incoming")
            counts[table] = len(df)
            job.loaded(table, rows=len(df), source=marker)
        cur.execute(
            "INSERT INTO dataset_loads VALUES ('demo', $at, $src, TRUE, $n, $marker)",
            {
                "at": datetime.now(),
                "src": f"creative_dash.store.demo (seed {SEED}, scale {scale})",
                "n": sum(counts.values()),
                "marker": marker,
            },
        )
    kept = {t: kept[t] for t in DEMO_TABLES if t in kept}  # in load order
    return DemoLoad(counts, kept, held_n)
