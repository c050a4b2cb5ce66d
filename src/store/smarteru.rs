//! SmarterU queries: accounts, groups, users, supervisors, group memberships.

use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::{params, Connection, OptionalExtension, Transaction};

/// How dates are stored: RFC 3339 in UTC with milliseconds.
pub fn store_date(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

// ---------------------------------------------------------------- API queries

/// An account as the API sees it.
#[derive(Debug, Clone)]
pub struct AccountRow {
    pub id: i64,
    pub name: String,
    pub account_api_key: String,
    pub supervisor_access: String,
}

/// A user row.
#[derive(Debug, Clone)]
pub struct UserRow {
    pub id: String,
    pub email: Option<String>,
    pub employee_id: Option<String>,
    pub given_name: String,
    pub surname: String,
    pub user_api_key: Option<String>,
    pub timezone: String,
    pub role: String,
    pub status: String,
    pub created_date: String,
    pub modified_date: String,
}

/// How a request names a user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UserRef {
    Id(String),
    Email(String),
    EmployeeId(String),
}

/// How a request names a group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GroupRef {
    Name(String),
    GroupId(String),
}

/// The authenticated caller, and what the account lets supervisors do.
#[derive(Debug, Clone)]
pub struct Caller {
    pub account_id: i64,
    pub user_id: String,
    /// Owners and administrators reach every user and group of the account.
    pub admin: bool,
    /// The account's supervisor access setting lets supervisors view their supervisees.
    pub supervisors_see: bool,
}

/// The columns of a [`UserRow`], as a literal SQL can be built from at compile time.
macro_rules! user_columns {
    () => {
        "u.id, u.email, u.employee_id, u.given_name, u.surname, \
         u.user_api_key, u.timezone, u.role, u.status, u.created_date, u.modified_date"
    };
}

const USER_COLUMNS: &str = user_columns!();

fn user_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<UserRow> {
    Ok(UserRow {
        id: r.get(0)?,
        email: r.get(1)?,
        employee_id: r.get(2)?,
        given_name: r.get(3)?,
        surname: r.get(4)?,
        user_api_key: r.get(5)?,
        timezone: r.get(6)?,
        role: r.get(7)?,
        status: r.get(8)?,
        created_date: r.get(9)?,
        modified_date: r.get(10)?,
    })
}

macro_rules! user_visible {
    () => {
        concat!(
            "(:admin \
             OR EXISTS (SELECT 1 FROM su_user_group h \
               JOIN su_user_group m ON m.account_id = h.account_id AND m.group_id = h.group_id \
               WHERE h.account_id = u.account_id AND h.user_id = u.id AND h.is_home = 1 \
                 AND m.user_id = :caller AND (",
            manages!(),
            ")) \
             OR (:supervisors AND EXISTS (SELECT 1 FROM su_supervisor s \
               WHERE s.account_id = u.account_id AND s.user_id = u.id \
                 AND s.supervisor_id = :caller)))"
        )
    };
}

/// A membership's permissions grant group management (used by `user_visible!` and
/// `group_managed!`); `m` is the caller's membership.
macro_rules! manages {
    () => {
        "instr(' ' || m.permissions || ' ', ' MANAGE_GROUP ') > 0 \
         OR instr(' ' || m.permissions || ' ', ' MANAGE_GROUP_USERS ') > 0 \
         OR instr(' ' || m.permissions || ' ', ' MANAGE_USERS ') > 0"
    };
}

/// **\[choice\]** Which groups a caller reaches: owners and administrators all; others the
/// groups where they hold a management permission. `g` is the group.
macro_rules! group_managed {
    () => {
        concat!(
            "(:admin OR EXISTS (SELECT 1 FROM su_user_group m \
             WHERE m.account_id = g.account_id AND m.group_id = g.group_id \
               AND m.user_id = :caller AND (",
            manages!(),
            ")))"
        )
    };
}

/// **[choice: home groups govern who may see a user]** The one place that says which users a
/// caller reaches: owners and administrators all; holders of MANAGE_GROUP, MANAGE_GROUP_USERS
/// or MANAGE_USERS on a user's home group; supervisors their supervisees when the account's
/// supervisor access allows it. Binds `:caller`, `:admin`, `:supervisors`; `u` is the user.
const USER_VISIBLE: &str = user_visible!();

/// Every account (for the in-memory copy the API checks).
pub fn accounts(conn: &mut Connection) -> rusqlite::Result<Vec<AccountRow>> {
    conn.prepare_cached(
        "SELECT id, name, account_api_key, supervisor_access FROM su_account ORDER BY id",
    )?
    .query_map([], |r| {
        Ok(AccountRow {
            id: r.get(0)?,
            name: r.get(1)?,
            account_api_key: r.get(2)?,
            supervisor_access: r.get(3)?,
        })
    })?
    .collect()
}

pub fn account_by_key(conn: &Connection, key: &str) -> rusqlite::Result<Option<AccountRow>> {
    conn.prepare_cached(
        "SELECT id, name, account_api_key, supervisor_access FROM su_account \
         WHERE account_api_key = ?1",
    )?
    .query_row([key], |r| {
        Ok(AccountRow {
            id: r.get(0)?,
            name: r.get(1)?,
            account_api_key: r.get(2)?,
            supervisor_access: r.get(3)?,
        })
    })
    .optional()
}

/// The user a user API key names in an account: `(id, role, status)`.
pub fn key_holder(
    conn: &Connection,
    account_id: i64,
    key: &str,
) -> rusqlite::Result<Option<(String, String, String)>> {
    conn.prepare_cached(
        "SELECT id, role, status FROM su_user WHERE account_id = ?1 AND user_api_key = ?2",
    )?
    .query_row(params![account_id, key], |r| {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?))
    })
    .optional()
}

pub fn user_by_key(
    conn: &Connection,
    account_id: i64,
    key: &str,
) -> rusqlite::Result<Option<UserRow>> {
    conn.prepare_cached(concat!(
        "SELECT ",
        user_columns!(),
        " FROM su_user u WHERE u.account_id = ?1 AND u.user_api_key = ?2"
    ))?
    .query_row(params![account_id, key], user_row)
    .optional()
}

pub fn find_user(
    conn: &Connection,
    account_id: i64,
    by: &UserRef,
) -> rusqlite::Result<Option<UserRow>> {
    macro_rules! by {
        ($column:literal) => {
            concat!(
                "SELECT ",
                user_columns!(),
                " FROM su_user u WHERE u.account_id = ?1 AND u.",
                $column,
                " = ?2"
            )
        };
    }
    let (sql, value) = match by {
        UserRef::Id(v) => (by!("id"), v),
        UserRef::Email(v) => (by!("email"), v),
        UserRef::EmployeeId(v) => (by!("employee_id"), v),
    };
    conn.prepare_cached(sql)?
        .query_row(params![account_id, value], user_row)
        .optional()
}

/// The id of the user `by` names, if the caller may see them (one statement).
pub fn visible_user_id(
    conn: &Connection,
    caller: &Caller,
    by: &UserRef,
) -> rusqlite::Result<Option<String>> {
    macro_rules! by {
        ($column:literal) => {
            concat!(
                "SELECT u.id FROM su_user u WHERE u.account_id = :account AND u.",
                $column,
                " = :value AND ",
                user_visible!()
            )
        };
    }
    let (sql, value) = match by {
        UserRef::Id(v) => (by!("id"), v),
        UserRef::Email(v) => (by!("email"), v),
        UserRef::EmployeeId(v) => (by!("employee_id"), v),
    };
    conn.prepare_cached(sql)?
        .query_row(
            rusqlite::named_params! {
                ":account": caller.account_id,
                ":value": value,
                ":caller": caller.user_id,
                ":admin": caller.admin,
                ":supervisors": caller.supervisors_see,
            },
            |r| r.get(0),
        )
        .optional()
}

/// Whether the caller may see (and act on) this user.
pub fn user_visible_to(
    conn: &Connection,
    caller: &Caller,
    user_id: &str,
) -> rusqlite::Result<bool> {
    conn.prepare_cached(concat!(
        "SELECT ",
        user_visible!(),
        " FROM su_user u WHERE u.account_id = :account AND u.id = :user"
    ))?
    .query_row(
        rusqlite::named_params! {
            ":account": caller.account_id,
            ":user": user_id,
            ":caller": caller.user_id,
            ":admin": caller.admin,
            ":supervisors": caller.supervisors_see,
        },
        |r| r.get::<_, bool>(0),
    )
    .optional()
    .map(|v| v.unwrap_or(false))
}

/// A user's membership of a group.
#[derive(Debug, Clone)]
pub struct Membership {
    pub group_id: String,
    pub name: String,
    pub identifier: Option<String>,
    pub is_home: bool,
    /// Permission codes, space-separated as stored ([`Membership::permissions`] splits them).
    pub permission_codes: String,
}

impl Membership {
    /// The permission codes the user holds in the group.
    pub fn permissions(&self) -> impl Iterator<Item = &str> {
        self.permission_codes.split_whitespace()
    }
}

/// **\[choice\]** A user's groups, listed by name.
pub fn memberships(
    conn: &Connection,
    account_id: i64,
    user_id: &str,
) -> rusqlite::Result<Vec<Membership>> {
    conn.prepare_cached(
        "SELECT g.group_id, g.name, g.identifier, m.is_home, m.permissions FROM su_user_group m \
         JOIN su_group g ON g.account_id = m.account_id AND g.group_id = m.group_id \
         WHERE m.account_id = ?1 AND m.user_id = ?2",
    )?
    .query_map(params![account_id, user_id], |r| {
        Ok(Membership {
            group_id: r.get(0)?,
            name: r.get(1)?,
            identifier: r.get(2)?,
            is_home: r.get(3)?,
            permission_codes: r.get(4)?,
        })
    })?
    .collect::<rusqlite::Result<Vec<Membership>>>()
    .map(|mut groups| {
        // Sorted here rather than by SQLite's sorter (a user has few groups); names are unique
        // within an account, and this is the byte order `ORDER BY name` gives.
        groups.sort_by(|a, b| a.name.cmp(&b.name));
        groups
    })
}

/// The emails of a user's supervisors (by email, then id when they have none).
pub fn supervisor_emails(
    conn: &Connection,
    account_id: i64,
    user_id: &str,
) -> rusqlite::Result<Vec<String>> {
    conn.prepare_cached(
        "SELECT coalesce(u.email, u.employee_id, u.id) FROM su_supervisor s \
         JOIN su_user u ON u.account_id = s.account_id AND u.id = s.supervisor_id \
         WHERE s.account_id = ?1 AND s.user_id = ?2 ORDER BY 1",
    )?
    .query_map(params![account_id, user_id], |r| r.get(0))?
    .collect()
}

/// `listUsers` filters.
#[derive(Debug, Clone, Default)]
pub struct UserFilter {
    /// Users who belong to the group of this name.
    pub group_name: Option<String>,
    /// Users whose home group has this name.
    pub home_group: Option<String>,
    /// `Active` or `Inactive`; `None` for all.
    pub status: Option<String>,
    /// `Users` > `UserIdentifier`*: a user matches when every matcher of one identifier does.
    pub identifiers: Option<Vec<UserIdentifier>>,
    /// Created on or after / before (exclusive), as stored dates.
    pub created: DateRange,
    pub modified: DateRange,
    /// A `Teams` filter naming a team: the mock's users belong to no team, so nobody matches.
    pub teams_named: bool,
    pub sort: UserSort,
    pub descending: bool,
}

/// One `UserIdentifier` of a `listUsers` filter.
#[derive(Debug, Clone, Default)]
pub struct UserIdentifier {
    pub email: Option<TextMatch>,
    pub employee_id: Option<TextMatch>,
    /// Matched against "GivenName Surname".
    pub name: Option<TextMatch>,
}

/// `MatchType` + `Value`; both kinds compare case-insensitively.
#[derive(Debug, Clone)]
pub struct TextMatch {
    pub exact: bool,
    pub value: String,
}

/// `[from, to)` as stored (RFC 3339) dates; either end open.
#[derive(Debug, Clone, Default)]
pub struct DateRange {
    pub from: Option<String>,
    pub to: Option<String>,
}

/// `listUsers` `SortField`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum UserSort {
    /// **\[choice\]** No `SortField`: the order users were created in.
    #[default]
    Created,
    /// `NAME`: given name, then surname.
    Name,
    /// `EMPLOYEE_ID`.
    EmployeeId,
}

/// A user of a `listUsers` page, with the name of their home group.
#[derive(Debug, Clone)]
pub struct ListedUser {
    pub user: UserRow,
    pub home_group: Option<String>,
}

/// One `json_each` row of `:idents` matches the column `expr` on `key` (absent key: no filter).
fn ident_match(key: &str, expr: &str) -> String {
    format!(
        "(json_extract(j.value, '$.{key}') IS NULL OR CASE json_extract(j.value, '$.{key}_exact') \
           WHEN 1 THEN lower(coalesce({expr}, '')) = lower(json_extract(j.value, '$.{key}')) \
           ELSE instr(lower(coalesce({expr}, '')), lower(json_extract(j.value, '$.{key}'))) > 0 END)"
    )
}

fn identifiers_json(idents: &[UserIdentifier]) -> String {
    let list: Vec<serde_json::Value> = idents
        .iter()
        .map(|i| {
            let mut o = serde_json::Map::new();
            for (key, m) in [
                ("email", &i.email),
                ("employee_id", &i.employee_id),
                ("name", &i.name),
            ] {
                if let Some(m) = m {
                    o.insert(key.into(), m.value.clone().into());
                    o.insert(format!("{key}_exact"), i64::from(m.exact).into());
                }
            }
            serde_json::Value::Object(o)
        })
        .collect();
    serde_json::Value::from(list).to_string()
}

/// One page of the users the caller may see, in the requested order (see [`UserSort`]).
pub fn list_users(
    conn: &Connection,
    caller: &Caller,
    filter: &UserFilter,
    offset: i64,
    limit: i64,
) -> rusqlite::Result<Vec<ListedUser>> {
    let idents = filter.identifiers.as_deref().map(identifiers_json);
    let direction = if filter.descending { "DESC" } else { "ASC" };
    // Closed set of column expressions: nothing from the request is formatted into the SQL.
    let order = match filter.sort {
        UserSort::Created => format!("u.rowid {direction}"),
        UserSort::Name => format!(
            "lower(u.given_name) {direction}, lower(u.surname) {direction}, u.rowid {direction}"
        ),
        UserSort::EmployeeId => format!("u.employee_id {direction}, u.rowid {direction}"),
    };
    let sql = format!(
        "SELECT {USER_COLUMNS}, \
           (SELECT g.name FROM su_user_group hm JOIN su_group g \
              ON g.account_id = hm.account_id AND g.group_id = hm.group_id \
            WHERE hm.account_id = u.account_id AND hm.user_id = u.id AND hm.is_home = 1) AS home \
         FROM su_user u \
         WHERE u.account_id = :account \
           AND NOT :teams \
           AND (:status IS NULL OR u.status = :status) \
           AND (:home IS NULL OR home = :home) \
           AND (:created_from IS NULL OR u.created_date >= :created_from) \
           AND (:created_to IS NULL OR u.created_date < :created_to) \
           AND (:modified_from IS NULL OR u.modified_date >= :modified_from) \
           AND (:modified_to IS NULL OR u.modified_date < :modified_to) \
           AND (:idents IS NULL OR EXISTS (SELECT 1 FROM json_each(:idents) j \
                WHERE {} AND {} AND {})) \
           AND (:group IS NULL OR EXISTS (SELECT 1 FROM su_user_group gm JOIN su_group g \
                  ON g.account_id = gm.account_id AND g.group_id = gm.group_id \
                WHERE gm.account_id = u.account_id AND gm.user_id = u.id AND g.name = :group)) \
           AND {} \
         ORDER BY {order} LIMIT :limit OFFSET :offset",
        ident_match("email", "u.email"),
        ident_match("employee_id", "u.employee_id"),
        ident_match("name", "u.given_name || ' ' || u.surname"),
        USER_VISIBLE
    );
    conn.prepare_cached(&sql)?
        .query_map(
            rusqlite::named_params! {
                ":account": caller.account_id,
                ":caller": caller.user_id,
                ":admin": caller.admin,
                ":supervisors": caller.supervisors_see,
                ":teams": filter.teams_named,
                ":status": filter.status,
                ":home": filter.home_group,
                ":created_from": filter.created.from,
                ":created_to": filter.created.to,
                ":modified_from": filter.modified.from,
                ":modified_to": filter.modified.to,
                ":idents": idents,
                ":group": filter.group_name,
                ":limit": limit,
                ":offset": offset,
            },
            |r| {
                Ok(ListedUser {
                    user: user_row(r)?,
                    home_group: r.get(11)?,
                })
            },
        )?
        .collect()
}

/// A group row with its member count.
#[derive(Debug, Clone)]
pub struct GroupRow {
    pub group_id: String,
    pub name: String,
    pub identifier: Option<String>,
    pub status: String,
    pub created_date: String,
    pub modified_date: String,
    pub user_count: i64,
}

/// A group the caller manages (see `group_managed!`); `None` when it does not exist or the
/// caller does not reach it.
pub fn find_managed_group(
    conn: &Connection,
    caller: &Caller,
    by: &GroupRef,
) -> rusqlite::Result<Option<GroupRow>> {
    macro_rules! by {
        ($column:literal) => {
            concat!(
                "SELECT g.group_id, g.name, g.identifier, g.status, g.created_date, \
                   g.modified_date, (SELECT count(*) FROM su_user_group c \
                    WHERE c.account_id = g.account_id AND c.group_id = g.group_id) \
                 FROM su_group g WHERE g.account_id = :account AND g.",
                $column,
                " = :value AND ",
                group_managed!()
            )
        };
    }
    let (sql, value) = match by {
        GroupRef::Name(v) => (by!("name"), v),
        GroupRef::GroupId(v) => (by!("group_id"), v),
    };
    conn.prepare_cached(sql)?
        .query_row(
            rusqlite::named_params! {
                ":account": caller.account_id,
                ":value": value,
                ":caller": caller.user_id,
                ":admin": caller.admin,
            },
            |r| {
                Ok(GroupRow {
                    group_id: r.get(0)?,
                    name: r.get(1)?,
                    identifier: r.get(2)?,
                    status: r.get(3)?,
                    created_date: r.get(4)?,
                    modified_date: r.get(5)?,
                    user_count: r.get(6)?,
                })
            },
        )
        .optional()
}

/// `listGroups` filters.
#[derive(Debug, Clone, Default)]
pub struct GroupFilter {
    /// Exact name (case-insensitive).
    pub name_exact: Option<String>,
    /// Part of the name (case-insensitive).
    pub name_contains: Option<String>,
    /// `Active` or `Inactive`; `None` for all.
    pub status: Option<String>,
    /// A `Tags2` filter naming a tag: the mock's groups carry no tags, so none matches.
    pub tags_named: bool,
}

/// **\[choice\]** The groups the caller manages, by name: `(name, group_id)`.
pub fn list_groups(
    conn: &Connection,
    caller: &Caller,
    filter: &GroupFilter,
) -> rusqlite::Result<Vec<(String, String)>> {
    conn.prepare_cached(concat!(
        "SELECT g.name, g.group_id FROM su_group g WHERE g.account_id = :account \
           AND NOT :tags \
           AND (:status IS NULL OR g.status = :status) \
           AND (:exact IS NULL OR lower(g.name) = lower(:exact)) \
           AND (:contains IS NULL OR instr(lower(g.name), lower(:contains)) > 0) \
           AND ",
        group_managed!(),
        " ORDER BY g.name"
    ))?
    .query_map(
        rusqlite::named_params! {
            ":account": caller.account_id,
            ":caller": caller.user_id,
            ":admin": caller.admin,
            ":tags": filter.tags_named,
            ":status": filter.status,
            ":exact": filter.name_exact,
            ":contains": filter.name_contains,
        },
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?
    .collect()
}

/// A user's membership of one group: `(is_home, permissions)`.
pub fn membership(
    conn: &Connection,
    account_id: i64,
    user_id: &str,
    group_id: &str,
) -> rusqlite::Result<Option<(bool, Vec<String>)>> {
    conn.prepare_cached(
        "SELECT is_home, permissions FROM su_user_group \
         WHERE account_id = ?1 AND user_id = ?2 AND group_id = ?3",
    )?
    .query_row(params![account_id, user_id, group_id], |r| {
        let permissions: String = r.get(1)?;
        Ok((
            r.get(0)?,
            permissions.split_whitespace().map(str::to_string).collect(),
        ))
    })
    .optional()
}

/// Add the membership, or replace its permissions.
pub fn put_membership(
    tx: &Transaction<'_>,
    account_id: i64,
    user_id: &str,
    group_id: &str,
    permissions: &[String],
) -> rusqlite::Result<()> {
    tx.prepare_cached(
        "INSERT INTO su_user_group (account_id, user_id, group_id, is_home, permissions) \
         VALUES (?1, ?2, ?3, 0, ?4) \
         ON CONFLICT (account_id, user_id, group_id) DO UPDATE SET permissions = excluded.permissions",
    )?
    .execute(params![account_id, user_id, group_id, permissions.join(" ")])?;
    Ok(())
}

pub fn remove_membership(
    tx: &Transaction<'_>,
    account_id: i64,
    user_id: &str,
    group_id: &str,
) -> rusqlite::Result<()> {
    tx.prepare_cached(
        "DELETE FROM su_user_group WHERE account_id = ?1 AND user_id = ?2 AND group_id = ?3",
    )?
    .execute(params![account_id, user_id, group_id])?;
    Ok(())
}

/// Make `group_id` the user's one home group.
pub fn set_home_group(
    tx: &Transaction<'_>,
    account_id: i64,
    user_id: &str,
    group_id: &str,
) -> rusqlite::Result<()> {
    tx.prepare_cached(
        "UPDATE su_user_group SET is_home = (group_id = ?3) WHERE account_id = ?1 AND user_id = ?2",
    )?
    .execute(params![account_id, user_id, group_id])?;
    Ok(())
}

pub fn touch_user(
    tx: &Transaction<'_>,
    account_id: i64,
    user_id: &str,
    now: DateTime<Utc>,
) -> rusqlite::Result<()> {
    tx.prepare_cached("UPDATE su_user SET modified_date = ?3 WHERE account_id = ?1 AND id = ?2")?
        .execute(params![account_id, user_id, store_date(now)])?;
    Ok(())
}

pub fn touch_group(
    tx: &Transaction<'_>,
    account_id: i64,
    group_id: &str,
    now: DateTime<Utc>,
) -> rusqlite::Result<()> {
    tx.prepare_cached(
        "UPDATE su_group SET modified_date = ?3 WHERE account_id = ?1 AND group_id = ?2",
    )?
    .execute(params![account_id, group_id, store_date(now)])?;
    Ok(())
}

/// The id of another user of the account who already has this email (case-insensitive, as the
/// column) or employee ID.
pub fn identity_taken(
    conn: &Connection,
    account_id: i64,
    user_id: &str,
    by: &UserRef,
) -> rusqlite::Result<bool> {
    Ok(find_user(conn, account_id, by)?.is_some_and(|u| u.id != user_id))
}

/// Write the `Info` fields `updateUser` changes; `None` keeps a field.
#[allow(clippy::too_many_arguments)]
pub fn update_user_info(
    tx: &Transaction<'_>,
    account_id: i64,
    user_id: &str,
    email: Option<&str>,
    employee_id: Option<&str>,
    given_name: Option<&str>,
    surname: Option<&str>,
    timezone: Option<&str>,
    status: Option<&str>,
) -> rusqlite::Result<()> {
    tx.prepare_cached(
        "UPDATE su_user SET email = coalesce(?3, email), employee_id = coalesce(?4, employee_id), \
         given_name = coalesce(?5, given_name), surname = coalesce(?6, surname), \
         timezone = coalesce(?7, timezone), status = coalesce(?8, status) \
         WHERE account_id = ?1 AND id = ?2",
    )?
    .execute(params![
        account_id,
        user_id,
        email,
        employee_id,
        given_name,
        surname,
        timezone,
        status
    ])?;
    Ok(())
}

/// Replace a user's supervisors.
pub fn set_supervisors(
    tx: &Transaction<'_>,
    account_id: i64,
    user_id: &str,
    supervisor_ids: &[String],
) -> rusqlite::Result<()> {
    tx.prepare_cached("DELETE FROM su_supervisor WHERE account_id = ?1 AND user_id = ?2")?
        .execute(params![account_id, user_id])?;
    let mut insert = tx.prepare_cached(
        "INSERT OR IGNORE INTO su_supervisor (account_id, user_id, supervisor_id) VALUES (?1, ?2, ?3)",
    )?;
    for sid in supervisor_ids {
        insert.execute(params![account_id, user_id, sid])?;
    }
    Ok(())
}

pub fn set_group_status(
    tx: &Transaction<'_>,
    account_id: i64,
    group_id: &str,
    status: &str,
) -> rusqlite::Result<()> {
    tx.prepare_cached("UPDATE su_group SET status = ?3 WHERE account_id = ?1 AND group_id = ?2")?
        .execute(params![account_id, group_id, status])?;
    Ok(())
}

/// The next free user id: users get numeric ids, unique across accounts as the vendor's
/// system-generated ids are.
pub fn next_user_id(conn: &Connection) -> rusqlite::Result<String> {
    conn.prepare_cached(
        "SELECT coalesce(max(CAST(id AS INTEGER)), 0) + 1 FROM su_user \
         WHERE id <> '' AND id NOT GLOB '*[^0-9]*' AND length(id) < 19",
    )?
    .query_row([], |r| r.get::<_, i64>(0))
    .map(|n| n.to_string())
}

/// A user `createUser` adds.
#[derive(Debug)]
pub struct NewUserRow<'a> {
    pub id: &'a str,
    pub email: Option<&'a str>,
    pub employee_id: Option<&'a str>,
    pub given_name: &'a str,
    pub surname: &'a str,
    pub timezone: &'a str,
    pub status: &'a str,
    pub now: DateTime<Utc>,
}

/// Add a user of role `user` without a user API key.
pub fn insert_user(
    tx: &Transaction<'_>,
    account_id: i64,
    u: &NewUserRow<'_>,
) -> rusqlite::Result<()> {
    let now = store_date(u.now);
    tx.prepare_cached(
        "INSERT INTO su_user (account_id, id, email, employee_id, given_name, surname, \
         user_api_key, timezone, role, status, created_date, modified_date) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, NULL, ?7, 'user', ?8, ?9, ?9)",
    )?
    .execute(params![
        account_id,
        u.id,
        u.email,
        u.employee_id,
        u.given_name,
        u.surname,
        u.timezone,
        u.status,
        now
    ])?;
    Ok(())
}

/// Whether the caller may create groups: owners and administrators, and holders of
/// MANAGE_GROUP, MANAGE_GROUP_COURSES or MANAGE_GROUP_USERS on some group.
pub fn may_create_groups(conn: &Connection, caller: &Caller) -> rusqlite::Result<bool> {
    if caller.admin {
        return Ok(true);
    }
    conn.prepare_cached(
        "SELECT 1 FROM su_user_group m WHERE m.account_id = ?1 AND m.user_id = ?2 AND ( \
           instr(' ' || m.permissions || ' ', ' MANAGE_GROUP ') > 0 \
           OR instr(' ' || m.permissions || ' ', ' MANAGE_GROUP_COURSES ') > 0 \
           OR instr(' ' || m.permissions || ' ', ' MANAGE_GROUP_USERS ') > 0)",
    )?
    .exists(params![caller.account_id, caller.user_id])
}

/// Whether a group of the account has this name (in any case, as `listGroups` matches names).
pub fn group_name_taken(conn: &Connection, account_id: i64, name: &str) -> rusqlite::Result<bool> {
    conn.prepare_cached("SELECT 1 FROM su_group WHERE account_id = ?1 AND lower(name) = lower(?2)")?
        .exists(params![account_id, name])
}

/// Whether a group of the account has this GroupID or identifier.
pub fn group_id_taken(conn: &Connection, account_id: i64, id: &str) -> rusqlite::Result<bool> {
    conn.prepare_cached(
        "SELECT 1 FROM su_group WHERE account_id = ?1 AND (group_id = ?2 OR identifier = ?2)",
    )?
    .exists(params![account_id, id])
}

/// The next free numeric GroupID of the account.
pub fn next_group_id(conn: &Connection, account_id: i64) -> rusqlite::Result<String> {
    conn.prepare_cached(
        "SELECT coalesce(max(CAST(group_id AS INTEGER)), 0) + 1 FROM su_group \
         WHERE account_id = ?1 AND group_id <> '' AND group_id NOT GLOB '*[^0-9]*' \
           AND length(group_id) < 19",
    )?
    .query_row([account_id], |r| r.get::<_, i64>(0))
    .map(|n| n.to_string())
}

/// Add a group.
pub fn insert_group(
    tx: &Transaction<'_>,
    account_id: i64,
    group_id: &str,
    name: &str,
    identifier: Option<&str>,
    status: &str,
    now: DateTime<Utc>,
) -> rusqlite::Result<()> {
    let now = store_date(now);
    tx.prepare_cached(
        "INSERT INTO su_group (account_id, group_id, name, identifier, status, created_date, \
         modified_date) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)",
    )?
    .execute(params![account_id, group_id, name, identifier, status, now])?;
    Ok(())
}
