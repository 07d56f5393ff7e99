-- Schema version 1: reference data, hubs, initiatives, the training programme, indicators, audit.
-- Plain SQL that DuckDB runs on its own file and on a PostgreSQL database attached through
-- DuckDB's postgres extension: no sequences (ids are given by the writer), no DuckDB-only types.

CREATE TABLE regions (
    iso_code              VARCHAR PRIMARY KEY,   -- ISO 3166-2:KZ, e.g. KZ-71
    iso_code_former       VARCHAR,               -- alpha code before 2022-11-29, if any
    kato_prefix           VARCHAR NOT NULL,
    kind                  VARCHAR NOT NULL,      -- oblast | city
    name_kk               VARCHAR NOT NULL,
    name_ru               VARCHAR NOT NULL,
    name_en               VARCHAR NOT NULL,
    name_ru_bns           VARCHAR,
    name_en_aliases       VARCHAR,               -- '; '-separated spellings met in data
    admin_center_kk       VARCHAR NOT NULL,
    admin_center_ru       VARCHAR NOT NULL,
    admin_center_en       VARCHAR NOT NULL,
    admin_center_lat      DOUBLE NOT NULL,
    admin_center_lon      DOUBLE NOT NULL,
    area_km2              DOUBLE,
    area_source           VARCHAR,
    area_km2_boundaries   DOUBLE,
    notes                 VARCHAR
);

-- Population figures keep their date, status and source: figures of different dates are never
-- compared silently. The latest figure per region is the view region_population_latest.
CREATE TABLE region_population (
    iso_code     VARCHAR NOT NULL,
    as_of        DATE NOT NULL,
    population   BIGINT NOT NULL,
    status       VARCHAR NOT NULL,
    source       VARCHAR NOT NULL,
    PRIMARY KEY (iso_code, as_of)
);

CREATE TABLE region_neighbours (
    iso_code            VARCHAR NOT NULL,
    neighbour_iso_code  VARCHAR NOT NULL,
    PRIMARY KEY (iso_code, neighbour_iso_code)
);

CREATE TABLE sectors (
    code          VARCHAR PRIMARY KEY,
    name_kk       VARCHAR NOT NULL,
    name_ru       VARCHAR NOT NULL,
    name_en       VARCHAR NOT NULL,
    unctad_group  VARCHAR NOT NULL,   -- heritage | arts | media | functional_creations
    sort_order    INTEGER NOT NULL
);

CREATE TABLE hubs (
    hub_id          INTEGER PRIMARY KEY,
    name            VARCHAR NOT NULL,
    region_iso      VARCHAR NOT NULL,
    city            VARCHAR NOT NULL,
    hub_type        VARCHAR NOT NULL,   -- cluster | makerspace | art_centre | incubator | cultural_centre
    opened_on       DATE,
    lat             DOUBLE,
    lon             DOUBLE,
    floor_area_m2   DOUBLE,
    residents       INTEGER,
    status          VARCHAR NOT NULL,   -- planned | operating | closed
    is_demo         BOOLEAN NOT NULL DEFAULT FALSE,
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL,
    updated_by      VARCHAR NOT NULL,
    version         INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE hub_sectors (
    hub_id       INTEGER NOT NULL,
    sector_code  VARCHAR NOT NULL,
    PRIMARY KEY (hub_id, sector_code)
);

CREATE TABLE programmes (
    programme_id   VARCHAR PRIMARY KEY,
    title_kk       VARCHAR NOT NULL,
    title_ru       VARCHAR NOT NULL,
    title_en       VARCHAR NOT NULL,
    organisers_kk  VARCHAR NOT NULL,
    organisers_ru  VARCHAR NOT NULL,
    organisers_en  VARCHAR NOT NULL,
    venue_kk       VARCHAR NOT NULL,
    venue_ru       VARCHAR NOT NULL,
    venue_en       VARCHAR NOT NULL,
    start_date     DATE NOT NULL,
    end_date       DATE NOT NULL,
    source         VARCHAR NOT NULL
);

CREATE TABLE programme_sessions (
    session_id     INTEGER PRIMARY KEY,
    programme_id   VARCHAR NOT NULL,
    day            DATE NOT NULL,
    starts_at      VARCHAR NOT NULL,   -- HH:MM local time
    kind           VARCHAR NOT NULL,   -- strategic_session | project_work | workshop | knowledge_sharing
    title_kk       VARCHAR NOT NULL,
    title_ru       VARCHAR NOT NULL,
    title_en       VARCHAR NOT NULL,
    is_demo        BOOLEAN NOT NULL DEFAULT FALSE
);

-- One row per participant (no personal names): region team member and role.
CREATE TABLE participants (
    participant_id  INTEGER PRIMARY KEY,
    programme_id    VARCHAR NOT NULL,
    region_iso      VARCHAR NOT NULL,
    role            VARCHAR NOT NULL,   -- head_of_department | deputy | specialist | akimat_advisor
    days_attended   INTEGER NOT NULL,
    satisfaction    INTEGER,            -- 1..5, NULL when not answered
    is_demo         BOOLEAN NOT NULL DEFAULT FALSE
);

CREATE TABLE competencies (
    code        VARCHAR PRIMARY KEY,
    name_kk     VARCHAR NOT NULL,
    name_ru     VARCHAR NOT NULL,
    name_en     VARCHAR NOT NULL,
    sort_order  INTEGER NOT NULL
);

-- Self-assessment scores 1..10 before (pre) and after (post) the programme.
CREATE TABLE assessments (
    participant_id  INTEGER NOT NULL,
    competency      VARCHAR NOT NULL,
    phase           VARCHAR NOT NULL,   -- pre | post
    score           DOUBLE NOT NULL,
    is_demo         BOOLEAN NOT NULL DEFAULT FALSE,
    PRIMARY KEY (participant_id, competency, phase)
);

CREATE TABLE recommendations (
    recommendation_id  INTEGER PRIMARY KEY,
    programme_id       VARCHAR NOT NULL,
    region_iso         VARCHAR NOT NULL,
    category           VARCHAR NOT NULL,  -- financing | tax | infrastructure | education | regulation | export | ip_rights
    text               VARCHAR NOT NULL,
    text_lang          VARCHAR NOT NULL,  -- language the region wrote it in
    status             VARCHAR NOT NULL,  -- proposed | accepted | in_progress | implemented | rejected
    responsible_body   VARCHAR NOT NULL,  -- ministry | akimat | parliament | development_institution
    follow_up_date     DATE,
    is_demo            BOOLEAN NOT NULL DEFAULT FALSE,
    created_at         TIMESTAMP NOT NULL,
    updated_at         TIMESTAMP NOT NULL,
    updated_by         VARCHAR NOT NULL,
    version            INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE initiatives (
    initiative_id        INTEGER PRIMARY KEY,
    title                VARCHAR NOT NULL,
    region_iso           VARCHAR NOT NULL,
    sector_code          VARCHAR NOT NULL,   -- main sector
    status               VARCHAR NOT NULL,   -- proposed | approved | in_progress | completed | cancelled
    start_date           DATE NOT NULL,
    end_date             DATE,               -- NULL while open-ended
    budget_planned_kzt   BIGINT NOT NULL,
    budget_spent_kzt     BIGINT NOT NULL,
    funding_source       VARCHAR NOT NULL,   -- republican | local | private | impact | grant
    jobs_created         INTEGER NOT NULL,
    beneficiaries_youth  INTEGER NOT NULL,
    beneficiaries_women  INTEGER NOT NULL,
    hub_id               INTEGER,
    from_programme       BOOLEAN NOT NULL DEFAULT FALSE,
    programme_id         VARCHAR,
    is_demo              BOOLEAN NOT NULL DEFAULT FALSE,
    created_at           TIMESTAMP NOT NULL,
    updated_at           TIMESTAMP NOT NULL,
    updated_by           VARCHAR NOT NULL,
    version              INTEGER NOT NULL DEFAULT 1
);

-- Further sectors of an initiative besides its main one.
CREATE TABLE initiative_sectors (
    initiative_id  INTEGER NOT NULL,
    sector_code    VARCHAR NOT NULL,
    PRIMARY KEY (initiative_id, sector_code)
);

CREATE TABLE initiative_sdgs (
    initiative_id  INTEGER NOT NULL,
    sdg            INTEGER NOT NULL CHECK (sdg BETWEEN 1 AND 17),
    PRIMARY KEY (initiative_id, sdg)
);

CREATE TABLE indicator_defs (
    code     VARCHAR PRIMARY KEY,
    name_kk  VARCHAR NOT NULL,
    name_ru  VARCHAR NOT NULL,
    name_en  VARCHAR NOT NULL,
    unit     VARCHAR NOT NULL      -- persons | enterprises | mln_kzt
);

CREATE TABLE indicators (
    region_iso      VARCHAR NOT NULL,
    year            INTEGER NOT NULL,
    indicator_code  VARCHAR NOT NULL,
    value           DOUBLE NOT NULL,
    source          VARCHAR NOT NULL,
    retrieved_on    DATE NOT NULL,
    is_demo         BOOLEAN NOT NULL DEFAULT FALSE,
    PRIMARY KEY (region_iso, year, indicator_code)
);

-- Append-only: a write calls creative_dash.store.audit() in its transaction, which leaves a row
-- here (polls and decks: live/writes.py). Bulk loads (reference, demo) are in dataset_loads.
CREATE TABLE audit_log (
    audit_id    VARCHAR PRIMARY KEY,
    logged_at   TIMESTAMP NOT NULL,
    actor       VARCHAR NOT NULL,
    table_name  VARCHAR NOT NULL,
    row_key     VARCHAR NOT NULL,
    action      VARCHAR NOT NULL,    -- insert | update | delete | load
    before_json VARCHAR,
    after_json  VARCHAR
);

-- What was loaded, from where, when: the About page and the demo badge read this.
CREATE TABLE dataset_loads (
    dataset     VARCHAR NOT NULL,
    loaded_at   TIMESTAMP NOT NULL,
    source      VARCHAR NOT NULL,
    is_demo     BOOLEAN NOT NULL,
    row_count   BIGINT NOT NULL,
    content_sha256 VARCHAR NOT NULL,   -- what was loaded, so a reload of the same content is skipped
    PRIMARY KEY (dataset, loaded_at)
);

-- A single row whose version changes on every write, so caches can key on it.
CREATE TABLE data_version (
    id          INTEGER PRIMARY KEY,
    version     BIGINT NOT NULL,
    changed_at  TIMESTAMP NOT NULL
);
INSERT INTO data_version VALUES (1, 1, CURRENT_TIMESTAMP);

CREATE VIEW region_population_latest AS
SELECT iso_code, population, as_of, status, source
FROM (
    SELECT *, row_number() OVER (PARTITION BY iso_code ORDER BY as_of DESC) AS rn
    FROM region_population
) AS ranked WHERE rn = 1;
