-- The schema every migration in migrations/ makes, given whole to a new database
-- (and laid out in empty.db). GENERATED from a migrated database by
-- `UPDATE_SCHEMA=1 cargo test --lib store::tests::the_whole_schema`: never edit it; add a migration.

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
, cors_domains TEXT NOT NULL DEFAULT '[]');
CREATE TABLE lum_group (
    org   TEXT NOT NULL REFERENCES lum_site(org) ON DELETE CASCADE,
    id    INTEGER NOT NULL,
    label TEXT NOT NULL, description TEXT, type_id INTEGER, type_name TEXT,
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
    api_admin     INTEGER NOT NULL DEFAULT 0, group_management INTEGER,
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
CREATE TABLE su_account (
    id                INTEGER PRIMARY KEY,
    name              TEXT NOT NULL UNIQUE,
    account_api_key   TEXT NOT NULL UNIQUE,
    supervisor_access TEXT NOT NULL DEFAULT 'none'     -- none | view | edit
);
CREATE TABLE su_group (
    account_id    INTEGER NOT NULL REFERENCES su_account(id) ON DELETE CASCADE,
    group_id      TEXT NOT NULL,
    name          TEXT NOT NULL,
    identifier    TEXT,
    status        TEXT NOT NULL DEFAULT 'Active',
    created_date  TEXT NOT NULL,                       -- RFC 3339, UTC
    modified_date TEXT NOT NULL,
    PRIMARY KEY (account_id, group_id),
    UNIQUE (account_id, name)
);
CREATE TABLE su_user (
    account_id    INTEGER NOT NULL REFERENCES su_account(id) ON DELETE CASCADE,
    id            TEXT NOT NULL,
    email         TEXT COLLATE NOCASE,
    employee_id   TEXT,
    given_name    TEXT NOT NULL,
    surname       TEXT NOT NULL,
    user_api_key  TEXT,
    timezone      TEXT NOT NULL,
    role          TEXT NOT NULL DEFAULT 'user',        -- owner | administrator | user
    status        TEXT NOT NULL DEFAULT 'Active',      -- Active | Inactive
    created_date  TEXT NOT NULL,
    modified_date TEXT NOT NULL,
    PRIMARY KEY (account_id, id),
    UNIQUE (account_id, user_api_key)
);
CREATE INDEX su_user_by_email ON su_user(account_id, email);
CREATE INDEX su_user_by_employee_id ON su_user(account_id, employee_id);
CREATE TABLE su_supervisor (
    account_id    INTEGER NOT NULL,
    user_id       TEXT NOT NULL,
    supervisor_id TEXT NOT NULL,
    PRIMARY KEY (account_id, user_id, supervisor_id),
    FOREIGN KEY (account_id, user_id) REFERENCES su_user(account_id, id) ON DELETE CASCADE,
    FOREIGN KEY (account_id, supervisor_id) REFERENCES su_user(account_id, id) ON DELETE CASCADE
) WITHOUT ROWID;
CREATE INDEX su_supervisor_by_supervisor ON su_supervisor(account_id, supervisor_id, user_id);
CREATE TABLE su_user_group (
    account_id  INTEGER NOT NULL,
    user_id     TEXT NOT NULL,
    group_id    TEXT NOT NULL,
    is_home     INTEGER NOT NULL DEFAULT 0,
    permissions TEXT NOT NULL DEFAULT '',               -- space-separated permission codes
    PRIMARY KEY (account_id, user_id, group_id),
    FOREIGN KEY (account_id, user_id) REFERENCES su_user(account_id, id) ON DELETE CASCADE,
    FOREIGN KEY (account_id, group_id) REFERENCES su_group(account_id, group_id) ON DELETE CASCADE
) WITHOUT ROWID;
CREATE INDEX su_user_group_by_group ON su_user_group(account_id, group_id, user_id);
CREATE TABLE ym_client (
    client_id    INTEGER PRIMARY KEY,
    api_key      TEXT NOT NULL,
    api_password TEXT NOT NULL
);
CREATE TABLE ym_group_type (
    client_id  INTEGER NOT NULL REFERENCES ym_client(client_id) ON DELETE CASCADE,
    id         INTEGER NOT NULL,
    name       TEXT NOT NULL,
    sort_index REAL NOT NULL DEFAULT 0,
    PRIMARY KEY (client_id, id)
) WITHOUT ROWID;
CREATE TABLE ym_group (
    client_id   INTEGER NOT NULL REFERENCES ym_client(client_id) ON DELETE CASCADE,
    id          INTEGER NOT NULL,
    code        TEXT NOT NULL COLLATE NOCASE,
    name        TEXT NOT NULL,
    type_id     INTEGER NOT NULL,
    join_option TEXT NOT NULL DEFAULT 'CanJoin', active INTEGER, hidden INTEGER, accessibility INTEGER, membership INTEGER, messaging INTEGER, send_newsletter INTEGER, enable_feed INTEGER, admin_can_export_members INTEGER, photo_approval INTEGER, email_options_admin INTEGER, email_options_member INTEGER, short_description TEXT, welcome_content TEXT,
    PRIMARY KEY (client_id, id),
    UNIQUE (client_id, code),
    FOREIGN KEY (client_id, type_id) REFERENCES ym_group_type(client_id, id) ON DELETE CASCADE
) WITHOUT ROWID;
CREATE INDEX ym_group_by_type ON ym_group(client_id, type_id);
CREATE TABLE ym_rep_title (
    client_id INTEGER NOT NULL REFERENCES ym_client(client_id) ON DELETE CASCADE,
    title     TEXT NOT NULL COLLATE NOCASE,
    PRIMARY KEY (client_id, title)
) WITHOUT ROWID;
CREATE TABLE ym_member (
    client_id  INTEGER NOT NULL REFERENCES ym_client(client_id) ON DELETE CASCADE,
    member_id  INTEGER NOT NULL,
    username   TEXT NOT NULL COLLATE NOCASE,
    password   TEXT NOT NULL,
    email      TEXT COLLATE NOCASE,
    first_name TEXT,
    last_name  TEXT,
    status     TEXT NOT NULL DEFAULT 'Active',          -- Active | Locked | Suspended
    PRIMARY KEY (client_id, member_id),
    UNIQUE (client_id, username)
) WITHOUT ROWID;
CREATE INDEX ym_member_by_email ON ym_member(client_id, email);
CREATE TABLE ym_member_group (
    client_id  INTEGER NOT NULL,
    member_id  INTEGER NOT NULL,
    group_id   INTEGER NOT NULL,
    is_member  INTEGER NOT NULL DEFAULT 0,
    is_primary INTEGER NOT NULL DEFAULT 0,
    status     TEXT NOT NULL DEFAULT 'Joined',          -- Joined | Pending
    is_admin   INTEGER NOT NULL DEFAULT 0,
    rep_title  TEXT,
    PRIMARY KEY (client_id, member_id, group_id),
    FOREIGN KEY (client_id, member_id) REFERENCES ym_member(client_id, member_id) ON DELETE CASCADE,
    FOREIGN KEY (client_id, group_id) REFERENCES ym_group(client_id, id) ON DELETE CASCADE
) WITHOUT ROWID;
CREATE INDEX ym_member_group_by_group ON ym_member_group(client_id, group_id, member_id);
CREATE TABLE ym_session (
    session_id TEXT PRIMARY KEY,
    client_id  INTEGER NOT NULL REFERENCES ym_client(client_id) ON DELETE CASCADE,
    member_id  INTEGER NOT NULL DEFAULT 0,                -- 0 for an admin session
    user_type  TEXT NOT NULL,                             -- Admin | Member
    oauth      INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX ym_session_by_client ON ym_session(client_id);
CREATE INDEX ym_session_by_expiry ON ym_session(expires_at);
CREATE TABLE mm_meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE mm_count (
    name TEXT PRIMARY KEY,
    n    INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TRIGGER mm_lum_site_insert AFTER INSERT ON lum_site BEGIN
    UPDATE mm_count SET n = n + 1 WHERE name IN ('lum_site', 'generation');
END;
CREATE TRIGGER mm_lum_site_delete AFTER DELETE ON lum_site BEGIN
    UPDATE mm_count SET n = n + iif(name = 'generation', 1, -1) WHERE name IN ('lum_site', 'generation');
END;
CREATE TRIGGER mm_lum_site_update AFTER UPDATE ON lum_site BEGIN
    UPDATE mm_count SET n = n + 1 WHERE name = 'generation';
END;
CREATE TRIGGER mm_lum_group_insert AFTER INSERT ON lum_group BEGIN
    UPDATE mm_count SET n = n + 1 WHERE name IN ('lum_group', 'generation');
END;
CREATE TRIGGER mm_lum_group_delete AFTER DELETE ON lum_group BEGIN
    UPDATE mm_count SET n = n + iif(name = 'generation', 1, -1) WHERE name IN ('lum_group', 'generation');
END;
CREATE TRIGGER mm_lum_group_update AFTER UPDATE ON lum_group BEGIN
    UPDATE mm_count SET n = n + 1 WHERE name = 'generation';
END;
CREATE TRIGGER mm_lum_cons_insert AFTER INSERT ON lum_cons BEGIN
    UPDATE mm_count SET n = n + 1 WHERE name IN ('lum_cons', 'generation');
END;
CREATE TRIGGER mm_lum_cons_delete AFTER DELETE ON lum_cons BEGIN
    UPDATE mm_count SET n = n + iif(name = 'generation', 1, -1) WHERE name IN ('lum_cons', 'generation');
END;
CREATE TRIGGER mm_lum_cons_update AFTER UPDATE ON lum_cons BEGIN
    UPDATE mm_count SET n = n + 1 WHERE name = 'generation';
END;
CREATE TRIGGER mm_su_account_insert AFTER INSERT ON su_account BEGIN
    UPDATE mm_count SET n = n + 1 WHERE name IN ('su_account', 'generation');
END;
CREATE TRIGGER mm_su_account_delete AFTER DELETE ON su_account BEGIN
    UPDATE mm_count SET n = n + iif(name = 'generation', 1, -1) WHERE name IN ('su_account', 'generation');
END;
CREATE TRIGGER mm_su_account_update AFTER UPDATE ON su_account BEGIN
    UPDATE mm_count SET n = n + 1 WHERE name = 'generation';
END;
CREATE TRIGGER mm_su_group_insert AFTER INSERT ON su_group BEGIN
    UPDATE mm_count SET n = n + 1 WHERE name IN ('su_group', 'generation');
END;
CREATE TRIGGER mm_su_group_delete AFTER DELETE ON su_group BEGIN
    UPDATE mm_count SET n = n + iif(name = 'generation', 1, -1) WHERE name IN ('su_group', 'generation');
END;
CREATE TRIGGER mm_su_group_update AFTER UPDATE ON su_group BEGIN
    UPDATE mm_count SET n = n + 1 WHERE name = 'generation';
END;
CREATE TRIGGER mm_su_user_insert AFTER INSERT ON su_user BEGIN
    UPDATE mm_count SET n = n + 1 WHERE name IN ('su_user', 'generation');
END;
CREATE TRIGGER mm_su_user_delete AFTER DELETE ON su_user BEGIN
    UPDATE mm_count SET n = n + iif(name = 'generation', 1, -1) WHERE name IN ('su_user', 'generation');
END;
CREATE TRIGGER mm_su_user_update AFTER UPDATE ON su_user BEGIN
    UPDATE mm_count SET n = n + 1 WHERE name = 'generation';
END;
CREATE TRIGGER mm_ym_client_insert AFTER INSERT ON ym_client BEGIN
    UPDATE mm_count SET n = n + 1 WHERE name IN ('ym_client', 'generation');
END;
CREATE TRIGGER mm_ym_client_delete AFTER DELETE ON ym_client BEGIN
    UPDATE mm_count SET n = n + iif(name = 'generation', 1, -1) WHERE name IN ('ym_client', 'generation');
END;
CREATE TRIGGER mm_ym_client_update AFTER UPDATE ON ym_client BEGIN
    UPDATE mm_count SET n = n + 1 WHERE name = 'generation';
END;
CREATE TRIGGER mm_ym_group_insert AFTER INSERT ON ym_group BEGIN
    UPDATE mm_count SET n = n + 1 WHERE name IN ('ym_group', 'generation');
END;
CREATE TRIGGER mm_ym_group_delete AFTER DELETE ON ym_group BEGIN
    UPDATE mm_count SET n = n + iif(name = 'generation', 1, -1) WHERE name IN ('ym_group', 'generation');
END;
CREATE TRIGGER mm_ym_group_update AFTER UPDATE ON ym_group BEGIN
    UPDATE mm_count SET n = n + 1 WHERE name = 'generation';
END;
CREATE TRIGGER mm_ym_member_insert AFTER INSERT ON ym_member BEGIN
    UPDATE mm_count SET n = n + 1 WHERE name IN ('ym_member', 'generation');
END;
CREATE TRIGGER mm_ym_member_delete AFTER DELETE ON ym_member BEGIN
    UPDATE mm_count SET n = n + iif(name = 'generation', 1, -1) WHERE name IN ('ym_member', 'generation');
END;
CREATE TRIGGER mm_ym_member_update AFTER UPDATE ON ym_member BEGIN
    UPDATE mm_count SET n = n + 1 WHERE name = 'generation';
END;
CREATE TRIGGER mm_lum_session_insert AFTER INSERT ON lum_session BEGIN
    UPDATE mm_count SET n = n + 1 WHERE name = 'lum_session';
END;
CREATE TRIGGER mm_lum_session_delete AFTER DELETE ON lum_session BEGIN
    UPDATE mm_count SET n = n - 1 WHERE name = 'lum_session';
END;
CREATE TRIGGER mm_ym_session_insert AFTER INSERT ON ym_session BEGIN
    UPDATE mm_count SET n = n + 1 WHERE name = 'ym_session';
END;
CREATE TRIGGER mm_ym_session_delete AFTER DELETE ON ym_session BEGIN
    UPDATE mm_count SET n = n - 1 WHERE name = 'ym_session';
END;
CREATE TRIGGER mm_lum_cons_group_insert AFTER INSERT ON lum_cons_group BEGIN
    UPDATE mm_count SET n = n + 1 WHERE name = 'generation';
END;
CREATE TRIGGER mm_lum_cons_group_delete AFTER DELETE ON lum_cons_group BEGIN
    UPDATE mm_count SET n = n + 1 WHERE name = 'generation';
END;
CREATE TRIGGER mm_lum_cons_group_update AFTER UPDATE ON lum_cons_group BEGIN
    UPDATE mm_count SET n = n + 1 WHERE name = 'generation';
END;
CREATE TRIGGER mm_su_supervisor_insert AFTER INSERT ON su_supervisor BEGIN
    UPDATE mm_count SET n = n + 1 WHERE name = 'generation';
END;
CREATE TRIGGER mm_su_supervisor_delete AFTER DELETE ON su_supervisor BEGIN
    UPDATE mm_count SET n = n + 1 WHERE name = 'generation';
END;
CREATE TRIGGER mm_su_supervisor_update AFTER UPDATE ON su_supervisor BEGIN
    UPDATE mm_count SET n = n + 1 WHERE name = 'generation';
END;
CREATE TRIGGER mm_su_user_group_insert AFTER INSERT ON su_user_group BEGIN
    UPDATE mm_count SET n = n + 1 WHERE name = 'generation';
END;
CREATE TRIGGER mm_su_user_group_delete AFTER DELETE ON su_user_group BEGIN
    UPDATE mm_count SET n = n + 1 WHERE name = 'generation';
END;
CREATE TRIGGER mm_su_user_group_update AFTER UPDATE ON su_user_group BEGIN
    UPDATE mm_count SET n = n + 1 WHERE name = 'generation';
END;
CREATE TRIGGER mm_ym_group_type_insert AFTER INSERT ON ym_group_type BEGIN
    UPDATE mm_count SET n = n + 1 WHERE name = 'generation';
END;
CREATE TRIGGER mm_ym_group_type_delete AFTER DELETE ON ym_group_type BEGIN
    UPDATE mm_count SET n = n + 1 WHERE name = 'generation';
END;
CREATE TRIGGER mm_ym_group_type_update AFTER UPDATE ON ym_group_type BEGIN
    UPDATE mm_count SET n = n + 1 WHERE name = 'generation';
END;
CREATE TRIGGER mm_ym_rep_title_insert AFTER INSERT ON ym_rep_title BEGIN
    UPDATE mm_count SET n = n + 1 WHERE name = 'generation';
END;
CREATE TRIGGER mm_ym_rep_title_delete AFTER DELETE ON ym_rep_title BEGIN
    UPDATE mm_count SET n = n + 1 WHERE name = 'generation';
END;
CREATE TRIGGER mm_ym_rep_title_update AFTER UPDATE ON ym_rep_title BEGIN
    UPDATE mm_count SET n = n + 1 WHERE name = 'generation';
END;
CREATE TRIGGER mm_ym_member_group_insert AFTER INSERT ON ym_member_group BEGIN
    UPDATE mm_count SET n = n + 1 WHERE name = 'generation';
END;
CREATE TRIGGER mm_ym_member_group_delete AFTER DELETE ON ym_member_group BEGIN
    UPDATE mm_count SET n = n + 1 WHERE name = 'generation';
END;
CREATE TRIGGER mm_ym_member_group_update AFTER UPDATE ON ym_member_group BEGIN
    UPDATE mm_count SET n = n + 1 WHERE name = 'generation';
END;
INSERT INTO "mm_count" VALUES
    ('generation', 0),
    ('lum_cons', 0),
    ('lum_group', 0),
    ('lum_session', 0),
    ('lum_site', 0),
    ('su_account', 0),
    ('su_group', 0),
    ('su_user', 0),
    ('ym_client', 0),
    ('ym_group', 0),
    ('ym_member', 0),
    ('ym_session', 0);
