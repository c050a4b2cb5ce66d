-- SmarterU: one row in su_account per account (tenant); people and groups hang off its id.
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
