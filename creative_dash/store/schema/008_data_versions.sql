-- Schema version 8: no hot row (issue 17). The one data_version row that every write bumped
-- made every two concurrent writers collide (on PostgreSQL, two replicas: "could not serialize
-- access due to concurrent update"). Now each topic of data has its own version row, bumped by
-- the writes of that topic only (an import and a poll being opened do not meet), and votes bump
-- none: a poll's votes are versioned by the votes themselves (their count plus the sum of their
-- revisions, which grows by one with every vote recorded or changed), so no two votes ever
-- write the same row. See creative_dash.store.core (TOPICS, Store.versions).

CREATE TABLE data_versions (
    topic       VARCHAR PRIMARY KEY,
    version     BIGINT NOT NULL,
    changed_at  TIMESTAMP NOT NULL
);
-- the old version goes on in the 'data' topic, so the total never goes back
INSERT INTO data_versions SELECT 'data', version, changed_at FROM data_version WHERE id = 1;
INSERT INTO data_versions VALUES ('reference', 0, CURRENT_TIMESTAMP);
INSERT INTO data_versions VALUES ('live', 0, CURRENT_TIMESTAMP);
INSERT INTO data_versions VALUES ('accounts', 0, CURRENT_TIMESTAMP);
INSERT INTO data_versions VALUES ('audit', 0, CURRENT_TIMESTAMP);
DROP TABLE data_version;
-- What readers of the old table (the About page) see: the total of every topic.
CREATE VIEW data_version AS
SELECT 1 AS id, CAST(sum(version) AS BIGINT) AS version, max(changed_at) AS changed_at
FROM data_versions;

-- Each change of a device's answer adds one (see live.writes.vote).
ALTER TABLE votes ADD COLUMN revision INTEGER DEFAULT 0;
