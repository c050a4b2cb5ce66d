-- YourMembership: one row in ym_client per client (tenant), keyed by ClientID.
CREATE TABLE ym_client (
    client_id    INTEGER PRIMARY KEY,
    api_key      TEXT NOT NULL,
    api_password TEXT NOT NULL
);

CREATE TABLE ym_group_type (
    client_id  INTEGER NOT NULL REFERENCES ym_client(client_id) ON DELETE CASCADE,
    id         INTEGER NOT NULL,
    name       TEXT NOT NULL,
    sort_index INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (client_id, id)
) WITHOUT ROWID;

CREATE TABLE ym_group (
    client_id   INTEGER NOT NULL REFERENCES ym_client(client_id) ON DELETE CASCADE,
    id          INTEGER NOT NULL,
    code        TEXT NOT NULL COLLATE NOCASE,
    name        TEXT NOT NULL,
    type_id     INTEGER NOT NULL,
    join_option TEXT NOT NULL DEFAULT 'CanJoin',
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

-- Sessions from /Ams/Authenticate; times are unix milliseconds on the app clock.
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
