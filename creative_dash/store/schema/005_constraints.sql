-- Schema version 5: the store refuses bad data, whatever path it comes by (a page, an import,
-- hand-run SQL). Every coded column accepts only its codes, every number its range, every end
-- date only a date on or after its start, and every region, sector, competency, indicator and
-- programme must exist in its reference table. The sets and ranges are those of
-- creative_dash/vocab.py (ALLOWED, RANGES, DATE_ORDER, REFERENCES); tests/unit/test_constraints.py
-- checks the store holds exactly those.
--
-- DuckDB cannot add a constraint to an existing table: the tables below are rebuilt by
-- creative_dash/store/rebuild.py, which keeps every row that fits and sets aside (in
-- set_aside_rows, reported by `python -m creative_dash init`) every row that does not.
-- Only reference tables are pointed to by foreign keys: DuckDB cannot delete a parent row in
-- the transaction that deleted its children, which loads and edits of hubs, initiatives and
-- participants need.
-- Expressions stay plain (comparisons, IN, BETWEEN): DuckDB's postgres extension passes CHECK
-- text to PostgreSQL as it is, and functions or typed literals do not survive the trip.
--! rebuild

-- Rows an earlier store held that broke the rules of a later migration, kept whole.
CREATE TABLE set_aside_rows (
    set_aside_id  VARCHAR PRIMARY KEY,
    set_aside_at  TIMESTAMP NOT NULL,
    migration     INTEGER NOT NULL,
    table_name    VARCHAR NOT NULL,
    row_key       VARCHAR NOT NULL,
    rules         VARCHAR NOT NULL,    -- the rules it broke, '; '-separated
    row_json      VARCHAR NOT NULL
);

DROP VIEW IF EXISTS region_population_latest;

-- The population status was free text ("verified, older date, rounded to 0.1k"); it becomes a
-- code (the text is kept in status_note by the next reference load).
UPDATE region_population SET status = CASE
    WHEN lower(status) NOT LIKE 'verified%' THEN 'unverified'
    WHEN lower(status || ' ' || source) LIKE '%rounded%' THEN 'estimate'
    ELSE 'official' END
WHERE status NOT IN ('official', 'estimate', 'unverified');

CREATE TABLE sectors (
    code          VARCHAR PRIMARY KEY,
    name_kk       VARCHAR NOT NULL,
    name_ru       VARCHAR NOT NULL,
    name_en       VARCHAR NOT NULL,
    unctad_group  VARCHAR NOT NULL
        CHECK (unctad_group IN ('heritage', 'arts', 'media', 'functional_creations')),
    sort_order    INTEGER NOT NULL
);

CREATE TABLE indicator_defs (
    code     VARCHAR PRIMARY KEY,
    name_kk  VARCHAR NOT NULL,
    name_ru  VARCHAR NOT NULL,
    name_en  VARCHAR NOT NULL,
    unit     VARCHAR NOT NULL CHECK (unit IN ('persons', 'enterprises', 'mln_kzt'))
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
    source         VARCHAR NOT NULL,
    CHECK (end_date >= start_date)
);

-- A population figure: its date, status (official | estimate | unverified), the source's own
-- words on it, and who put it there (origin reference | import | edit, loaded_by, loaded_at).
-- A reload of the reference CSV replaces only its own rows (origin 'reference').
CREATE TABLE region_population (
    iso_code     VARCHAR NOT NULL REFERENCES regions (iso_code),
    as_of        DATE NOT NULL,
    population   BIGINT NOT NULL CHECK (population >= 0),
    status       VARCHAR NOT NULL CHECK (status IN ('official', 'estimate', 'unverified')),
    source       VARCHAR NOT NULL,
    status_note  VARCHAR,
    origin       VARCHAR NOT NULL DEFAULT 'reference'
        CHECK (origin IN ('reference', 'import', 'edit')),
    loaded_by    VARCHAR NOT NULL DEFAULT 'system',
    loaded_at    TIMESTAMP,
    PRIMARY KEY (iso_code, as_of)
);

CREATE TABLE hubs (
    hub_id          INTEGER PRIMARY KEY,
    name            VARCHAR NOT NULL,
    region_iso      VARCHAR NOT NULL REFERENCES regions (iso_code),
    city            VARCHAR NOT NULL,
    hub_type        VARCHAR NOT NULL
        CHECK (hub_type IN ('cluster', 'makerspace', 'art_centre', 'incubator', 'cultural_centre')),
    opened_on       DATE,
    lat             DOUBLE CHECK (lat BETWEEN 40 AND 56),
    lon             DOUBLE CHECK (lon BETWEEN 46 AND 88),
    floor_area_m2   DOUBLE CHECK (floor_area_m2 >= 0),
    residents       INTEGER CHECK (residents >= 0),
    status          VARCHAR NOT NULL CHECK (status IN ('operating', 'planned', 'closed')),
    is_demo         BOOLEAN NOT NULL DEFAULT FALSE,
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL,
    updated_by      VARCHAR NOT NULL,
    version         INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE hub_sectors (
    hub_id       INTEGER NOT NULL,
    sector_code  VARCHAR NOT NULL REFERENCES sectors (code),
    PRIMARY KEY (hub_id, sector_code)
);

CREATE TABLE programme_sessions (
    session_id     INTEGER PRIMARY KEY,
    programme_id   VARCHAR NOT NULL REFERENCES programmes (programme_id),
    day            DATE NOT NULL,
    starts_at      VARCHAR NOT NULL,
    kind           VARCHAR NOT NULL CHECK (kind IN ('strategic_session', 'project_work',
                                                    'workshop', 'knowledge_sharing')),
    title_kk       VARCHAR NOT NULL,
    title_ru       VARCHAR NOT NULL,
    title_en       VARCHAR NOT NULL,
    is_demo        BOOLEAN NOT NULL DEFAULT FALSE
);

CREATE TABLE participants (
    participant_id  INTEGER PRIMARY KEY,
    programme_id    VARCHAR NOT NULL REFERENCES programmes (programme_id),
    region_iso      VARCHAR NOT NULL REFERENCES regions (iso_code),
    role            VARCHAR NOT NULL CHECK (role IN ('head_of_department', 'deputy',
                                                    'specialist', 'akimat_advisor')),
    days_attended   INTEGER NOT NULL CHECK (days_attended >= 0),
    satisfaction    INTEGER CHECK (satisfaction BETWEEN 1 AND 5),
    is_demo         BOOLEAN NOT NULL DEFAULT FALSE
);

CREATE TABLE assessments (
    participant_id  INTEGER NOT NULL,
    competency      VARCHAR NOT NULL REFERENCES competencies (code),
    phase           VARCHAR NOT NULL CHECK (phase IN ('pre', 'post')),
    score           DOUBLE NOT NULL CHECK (score BETWEEN 1 AND 10),
    is_demo         BOOLEAN NOT NULL DEFAULT FALSE,
    PRIMARY KEY (participant_id, competency, phase)
);

CREATE TABLE recommendations (
    recommendation_id  INTEGER PRIMARY KEY,
    programme_id       VARCHAR NOT NULL REFERENCES programmes (programme_id),
    region_iso         VARCHAR NOT NULL REFERENCES regions (iso_code),
    category           VARCHAR NOT NULL CHECK (category IN ('financing', 'tax', 'infrastructure',
                                                            'education', 'regulation', 'export',
                                                            'ip_rights')),
    text               VARCHAR NOT NULL,
    text_lang          VARCHAR NOT NULL CHECK (text_lang IN ('kk', 'ru', 'en')),
    status             VARCHAR NOT NULL CHECK (status IN ('proposed', 'accepted', 'in_progress',
                                                          'implemented', 'rejected')),
    responsible_body   VARCHAR NOT NULL CHECK (responsible_body IN ('ministry', 'akimat',
                                                                    'parliament',
                                                                    'development_institution')),
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
    region_iso           VARCHAR NOT NULL REFERENCES regions (iso_code),
    sector_code          VARCHAR NOT NULL REFERENCES sectors (code),
    status               VARCHAR NOT NULL CHECK (status IN ('proposed', 'approved', 'in_progress',
                                                            'completed', 'cancelled')),
    start_date           DATE NOT NULL,
    end_date             DATE,
    budget_planned_kzt   BIGINT NOT NULL CHECK (budget_planned_kzt >= 0),
    budget_spent_kzt     BIGINT NOT NULL CHECK (budget_spent_kzt >= 0),
    funding_source       VARCHAR NOT NULL CHECK (funding_source IN ('republican', 'local',
                                                                    'private', 'impact', 'grant')),
    jobs_created         INTEGER NOT NULL CHECK (jobs_created >= 0),
    beneficiaries_youth  INTEGER NOT NULL CHECK (beneficiaries_youth >= 0),
    beneficiaries_women  INTEGER NOT NULL CHECK (beneficiaries_women >= 0),
    hub_id               INTEGER,
    from_programme       BOOLEAN NOT NULL DEFAULT FALSE,
    programme_id         VARCHAR REFERENCES programmes (programme_id),
    is_demo              BOOLEAN NOT NULL DEFAULT FALSE,
    created_at           TIMESTAMP NOT NULL,
    updated_at           TIMESTAMP NOT NULL,
    updated_by           VARCHAR NOT NULL,
    version              INTEGER NOT NULL DEFAULT 1,
    CHECK (end_date >= start_date)
);

CREATE TABLE initiative_sectors (
    initiative_id  INTEGER NOT NULL,
    sector_code    VARCHAR NOT NULL REFERENCES sectors (code),
    PRIMARY KEY (initiative_id, sector_code)
);

CREATE TABLE initiative_sdgs (
    initiative_id  INTEGER NOT NULL,
    sdg            INTEGER NOT NULL CHECK (sdg BETWEEN 1 AND 17),
    PRIMARY KEY (initiative_id, sdg)
);

CREATE TABLE indicators (
    region_iso      VARCHAR NOT NULL REFERENCES regions (iso_code),
    year            INTEGER NOT NULL CHECK (year BETWEEN 1991 AND 2100),
    indicator_code  VARCHAR NOT NULL REFERENCES indicator_defs (code),
    value           DOUBLE NOT NULL CHECK (value >= 0),
    source          VARCHAR NOT NULL,
    retrieved_on    DATE NOT NULL,
    is_demo         BOOLEAN NOT NULL DEFAULT FALSE,
    PRIMARY KEY (region_iso, year, indicator_code)
);

CREATE TABLE polls (
    poll_id      VARCHAR PRIMARY KEY,
    kind         VARCHAR NOT NULL CHECK (kind IN ('choice', 'rating', 'region')),
    question_kk  VARCHAR,
    question_ru  VARCHAR,
    question_en  VARCHAR,
    options_json VARCHAR NOT NULL,
    status       VARCHAR NOT NULL CHECK (status IN ('draft', 'open', 'closed')),
    created_at   TIMESTAMP NOT NULL,
    opened_at    TIMESTAMP,
    closed_at    TIMESTAMP,
    updated_by   VARCHAR NOT NULL
);

CREATE VIEW region_population_latest AS
SELECT iso_code, population, as_of, status, source, status_note, origin, loaded_by, loaded_at
FROM (
    SELECT *, row_number() OVER (PARTITION BY iso_code ORDER BY as_of DESC) AS rn
    FROM region_population
) AS ranked WHERE rn = 1;
