-- Luminate Online: one row in lum_site per site (tenant), keyed by its org.
CREATE TABLE lum_site (
    org               TEXT PRIMARY KEY,
    is_default        INTEGER NOT NULL DEFAULT 0,
    api_key           TEXT NOT NULL,
    secondary_api_key TEXT,
    secret_key        TEXT,
    ip_filter         TEXT NOT NULL DEFAULT '[]',          -- JSON array of CIDR strings
    other_cons_lookup TEXT NOT NULL DEFAULT 'refuse',      -- refuse | ignore
    json_content_type TEXT NOT NULL DEFAULT 'application/json',
    redirect_digest   TEXT NOT NULL DEFAULT 'md5'          -- md5 | sha1
);

CREATE TABLE lum_group (
    org   TEXT NOT NULL REFERENCES lum_site(org) ON DELETE CASCADE,
    id    INTEGER NOT NULL,
    label TEXT NOT NULL,
    PRIMARY KEY (org, id)
) WITHOUT ROWID;

CREATE TABLE lum_cons (
    org           TEXT NOT NULL REFERENCES lum_site(org) ON DELETE CASCADE,
    cons_id       INTEGER NOT NULL,
    member_id     TEXT,
    primary_email TEXT COLLATE NOCASE,
    user_name     TEXT COLLATE NOCASE,
    password      TEXT,
    first_name    TEXT,
    last_name     TEXT,
    api_admin     INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (org, cons_id)
);
CREATE INDEX lum_cons_by_member_id ON lum_cons(org, member_id);
CREATE INDEX lum_cons_by_email ON lum_cons(org, primary_email);
CREATE INDEX lum_cons_by_user_name ON lum_cons(org, user_name);

CREATE TABLE lum_cons_group (
    org      TEXT NOT NULL,
    cons_id  INTEGER NOT NULL,
    group_id INTEGER NOT NULL,
    PRIMARY KEY (org, cons_id, group_id),
    FOREIGN KEY (org, cons_id) REFERENCES lum_cons(org, cons_id) ON DELETE CASCADE,
    FOREIGN KEY (org, group_id) REFERENCES lum_group(org, id) ON DELETE CASCADE
) WITHOUT ROWID;
CREATE INDEX lum_cons_group_by_group ON lum_cons_group(org, group_id, cons_id);

-- Auth tokens (login, getLoginUrl) and single-sign-on tokens; times are unix milliseconds
-- on the app clock.
CREATE TABLE lum_session (
    token      TEXT PRIMARY KEY,
    org        TEXT NOT NULL REFERENCES lum_site(org) ON DELETE CASCADE,
    kind       TEXT NOT NULL,                 -- auth | sso
    jsessionid TEXT,
    cons_id    INTEGER,                       -- NULL for an anonymous session
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX lum_session_by_expiry ON lum_session(expires_at);
