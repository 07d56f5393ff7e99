-- Schema version 7: imports of CSV/XLSX files (creative_dash/imports, store/importer.py).
-- (Versions 5 and 6 may be other branches' migrations: migrate() applies files in order, gaps
-- allowed.)

-- One row per applied import: who, when, which file (name and SHA-256), what it changed. Written
-- by the write gateway in the import's own transaction, with an audit row.
CREATE TABLE IF NOT EXISTS imports (
    import_id     VARCHAR PRIMARY KEY,
    imported_at   TIMESTAMP NOT NULL,
    actor         VARCHAR NOT NULL,
    table_name    VARCHAR NOT NULL,
    file_name     VARCHAR NOT NULL,
    file_sha256   VARCHAR NOT NULL,
    file_bytes    BIGINT NOT NULL,
    rows_in_file  INTEGER NOT NULL,
    inserted      INTEGER NOT NULL,
    updated       INTEGER NOT NULL,
    unchanged     INTEGER NOT NULL
);

-- The import that last wrote a row (NULL: never imported). A reload of reference or demo data
-- leaves rows with an import_id alone: they are the ministry's and the regions' own.
ALTER TABLE region_population ADD COLUMN IF NOT EXISTS import_id VARCHAR;
ALTER TABLE indicators ADD COLUMN IF NOT EXISTS import_id VARCHAR;
ALTER TABLE initiatives ADD COLUMN IF NOT EXISTS import_id VARCHAR;
ALTER TABLE hubs ADD COLUMN IF NOT EXISTS import_id VARCHAR;
ALTER TABLE recommendations ADD COLUMN IF NOT EXISTS import_id VARCHAR;

-- Recommendations' follow-up: what was done (the status and date exist since version 1).
ALTER TABLE recommendations ADD COLUMN IF NOT EXISTS follow_up_note VARCHAR;
