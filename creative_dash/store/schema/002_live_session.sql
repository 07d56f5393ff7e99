-- Schema version 2: presenter decks and audience polls (live session page).

CREATE TABLE decks (
    deck_id     VARCHAR PRIMARY KEY,     -- short random slug used in share links
    title       VARCHAR NOT NULL,
    scenes_json VARCHAR NOT NULL,        -- JSON list of {"scene": name, "params": {...}}
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL,
    updated_by  VARCHAR NOT NULL,
    version     INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE polls (
    poll_id      VARCHAR PRIMARY KEY,    -- short random slug used in the join link
    kind         VARCHAR NOT NULL,       -- choice | rating | region
    question_kk  VARCHAR,
    question_ru  VARCHAR,
    question_en  VARCHAR,
    options_json VARCHAR NOT NULL,       -- JSON list of {"kk":..,"ru":..,"en":..}; [] for rating/region
    status       VARCHAR NOT NULL,       -- draft | open | closed
    created_at   TIMESTAMP NOT NULL,
    opened_at    TIMESTAMP,
    closed_at    TIMESTAMP,
    updated_by   VARCHAR NOT NULL
);

-- One row per device and poll: a changed vote replaces the row.
CREATE TABLE votes (
    poll_id     VARCHAR NOT NULL,
    voter_token VARCHAR NOT NULL,
    answer      VARCHAR NOT NULL,        -- option index, rating 1..5 or region ISO code
    voted_at    TIMESTAMP NOT NULL,
    PRIMARY KEY (poll_id, voter_token)
);
