-- Schema version 4: who may change what (users bound to a role and region), sign-in attempts
-- for rate limiting, and the voter tokens the server issued. Rules: creative_dash/access.py;
-- the one write path that applies them: creative_dash/store/gateway.py.
-- (Version 3 may be another branch's migration: migrate() applies files in order, gaps allowed.)

-- An account: a local pilot account (password_hash set) and/or one bound to an identity
-- provider (oidc_subject, or email until the subject is known). The role and region are read
-- from here on every write, never from what a browser sends.
CREATE TABLE users (
    user_id          VARCHAR PRIMARY KEY,          -- u-<random hex>; what audit_log.actor holds
    login            VARCHAR NOT NULL UNIQUE,      -- lower case, [a-z0-9._@-]
    display_name     VARCHAR NOT NULL,
    role             VARCHAR NOT NULL CHECK (role IN ('region_editor', 'presenter', 'admin')),
    region_iso       VARCHAR REFERENCES regions (iso_code),
    password_hash    VARCHAR,                      -- Argon2id (argon2-cffi); NULL: no password
    oidc_subject     VARCHAR UNIQUE,               -- the identity provider's "sub"
    email            VARCHAR,                      -- lower case; matched when no subject is bound
    disabled         BOOLEAN NOT NULL DEFAULT FALSE,
    created_at       TIMESTAMP NOT NULL,
    created_by       VARCHAR NOT NULL,
    updated_at       TIMESTAMP NOT NULL,
    updated_by       VARCHAR NOT NULL,
    role_changed_at  TIMESTAMP NOT NULL,
    password_set_at  TIMESTAMP,
    version          INTEGER NOT NULL DEFAULT 1,
    -- a region editor is bound to exactly one region; the other roles to none
    CHECK ((role = 'region_editor') = (region_iso IS NOT NULL))
);

-- Every sign-in attempt with a password, kept for rate limiting and as the sign-in log.
-- outcome: ok | bad (unknown login or wrong password: told apart here, never to the caller) |
-- disabled | throttled (refused unchecked: too many recent failures of the login or client) |
-- locked (this failure started a delay on the login).
CREATE TABLE sign_in_attempts (
    attempt_id  VARCHAR PRIMARY KEY,
    login       VARCHAR NOT NULL,                  -- as typed, lower-cased (may be unknown)
    client      VARCHAR NOT NULL,                  -- the client's address, as the UI reports it
    attempted_at TIMESTAMP NOT NULL,
    ok          BOOLEAN NOT NULL,
    outcome     VARCHAR NOT NULL
);

-- Voter tokens the server handed out, one per device and poll: a vote with any other is refused.
CREATE TABLE voter_tokens (
    token      VARCHAR PRIMARY KEY,
    poll_id    VARCHAR NOT NULL,
    issued_at  TIMESTAMP NOT NULL
);
