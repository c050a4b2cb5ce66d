//! SmarterU accounts in and out of the store: applying the seed section, dumping it back.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension};

use crate::seed::{Account, SeedError, SmarterUGroup, SmarterUMembership, SmarterUUser};
use crate::store::smarteru::store_date;

use super::{insert_rows, ApplyError};

fn normalise_date(value: &Option<String>, now: &str) -> String {
    value
        .as_deref()
        .and_then(|v| DateTime::parse_from_rfc3339(v).ok())
        .map(|d| store_date(d.with_timezone(&Utc)))
        .unwrap_or_else(|| now.to_string())
}

/// Drop the stored account with this key and everything of it (table by table, as
/// `luminate::delete_site`), and choose the id the account gets now.
pub(crate) fn open_account(conn: &Connection, key: &str) -> rusqlite::Result<i64> {
    let old: Option<i64> = conn
        .prepare_cached("SELECT id FROM su_account WHERE account_api_key = ?1")?
        .query_row([key], |r| r.get(0))
        .optional()?;
    if let Some(id) = old {
        for table in ["su_user_group", "su_supervisor", "su_user", "su_group"] {
            conn.prepare_cached(&format!("DELETE FROM {table} WHERE account_id = ?1"))?
                .execute([id])?;
        }
        conn.prepare_cached("DELETE FROM su_account WHERE id = ?1")?
            .execute([id])?;
    }
    conn.prepare_cached("SELECT coalesce(max(id), 0) + 1 FROM su_account")?
        .query_row([], |r| r.get(0))
}

/// The account's own row (with the id [`open_account`] chose) and its groups. `index` names
/// the account in an error.
pub(crate) fn insert_account(
    conn: &Connection,
    index: usize,
    id: i64,
    acct: &Account,
    now: &str,
) -> Result<(), ApplyError> {
    let name = acct.tenant_name();
    let taken: Option<i64> = conn
        .prepare_cached("SELECT id FROM su_account WHERE name = ?1")?
        .query_row([&name], |r| r.get(0))
        .optional()?;
    if taken.is_some() {
        return Err(ApplyError::Seed(SeedError {
            path: format!("smarteru.accounts[{index}].name"),
            message: format!("the name `{name}` belongs to another stored account"),
        }));
    }
    conn.prepare_cached(
        "INSERT INTO su_account (id, name, account_api_key, supervisor_access) \
         VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![
        id,
        name,
        acct.account_api_key,
        acct.supervisor_access
    ])?;
    insert_rows(
        conn,
        "INSERT INTO su_group (account_id, group_id, name, identifier, status, created_date, \
         modified_date)",
        &id,
        6,
        &acct.groups,
        |stmt, at, g| {
            stmt.raw_bind_parameter(at, &g.group_id)?;
            stmt.raw_bind_parameter(at + 1, &g.name)?;
            stmt.raw_bind_parameter(at + 2, &g.identifier)?;
            stmt.raw_bind_parameter(at + 3, g.status)?;
            stmt.raw_bind_parameter(at + 4, normalise_date(&g.created_date, now))?;
            stmt.raw_bind_parameter(at + 5, normalise_date(&g.modified_date, now))
        },
    )?;
    Ok(())
}

/// A batch of the account's users, their supervisors and their groups (`group_ids`: the
/// account's group ids by group name).
pub(crate) fn insert_users(
    conn: &Connection,
    account_id: i64,
    group_ids: &HashMap<String, String>,
    users: &[SmarterUUser],
    now: &str,
) -> rusqlite::Result<()> {
    insert_rows(
        conn,
        "INSERT INTO su_user (account_id, id, email, employee_id, given_name, surname, \
         user_api_key, timezone, role, status, created_date, modified_date)",
        &account_id,
        11,
        users,
        |stmt, at, u| {
            stmt.raw_bind_parameter(at, &u.id)?;
            stmt.raw_bind_parameter(at + 1, &u.email)?;
            stmt.raw_bind_parameter(at + 2, &u.employee_id)?;
            stmt.raw_bind_parameter(at + 3, &u.given_name)?;
            stmt.raw_bind_parameter(at + 4, &u.surname)?;
            stmt.raw_bind_parameter(at + 5, &u.user_api_key)?;
            stmt.raw_bind_parameter(at + 6, &u.timezone)?;
            stmt.raw_bind_parameter(at + 7, u.role)?;
            stmt.raw_bind_parameter(at + 8, u.status)?;
            stmt.raw_bind_parameter(at + 9, normalise_date(&u.created_date, now))?;
            stmt.raw_bind_parameter(at + 10, normalise_date(&u.modified_date, now))
        },
    )?;
    let supervisors: Vec<(&str, &str)> = users
        .iter()
        .flat_map(|u| u.supervisor_ids.iter().map(|s| (u.id.as_str(), s.as_str())))
        .collect();
    insert_rows(
        conn,
        "INSERT INTO su_supervisor (account_id, user_id, supervisor_id)",
        &account_id,
        2,
        &supervisors,
        |stmt, at, (user, supervisor)| {
            stmt.raw_bind_parameter(at, user)?;
            stmt.raw_bind_parameter(at + 1, supervisor)
        },
    )?;
    let memberships: Vec<(&str, &str, &SmarterUMembership)> = users
        .iter()
        .flat_map(|u| {
            u.groups.iter().filter_map(|m| {
                group_ids
                    .get(&m.name)
                    .map(|group_id| (u.id.as_str(), group_id.as_str(), m))
            })
        })
        .collect();
    insert_rows(
        conn,
        "INSERT INTO su_user_group (account_id, user_id, group_id, is_home, permissions)",
        &account_id,
        4,
        &memberships,
        |stmt, at, (user, group_id, m)| {
            stmt.raw_bind_parameter(at, user)?;
            stmt.raw_bind_parameter(at + 1, group_id)?;
            stmt.raw_bind_parameter(at + 2, m.home)?;
            stmt.raw_bind_parameter(at + 3, m.permissions.join(" "))
        },
    )
}

/// Every account's id, in the order a state document lists them.
pub(crate) fn account_ids(conn: &Connection) -> rusqlite::Result<Vec<i64>> {
    conn.prepare_cached("SELECT id FROM su_account ORDER BY id")?
        .query_map([], |r| r.get(0))?
        .collect()
}

/// An account's own fields and groups (its users come by [`users_after`]).
pub(crate) fn account(conn: &Connection, id: i64) -> rusqlite::Result<Option<Account>> {
    let account = conn
        .prepare_cached(
            "SELECT name, account_api_key, supervisor_access FROM su_account WHERE id = ?1",
        )?
        .query_row([id], |r| {
            Ok(Account {
                name: Some(r.get(0)?),
                account_api_key: r.get(1)?,
                supervisor_access: r.get(2)?,
                groups: Vec::new(),
                generate: None,
                users: Vec::new(),
            })
        })
        .optional()?;
    let Some(mut account) = account else {
        return Ok(None);
    };
    account.groups = conn
        .prepare_cached(
            "SELECT name, identifier, group_id, status, created_date, modified_date \
             FROM su_group WHERE account_id = ?1 ORDER BY name",
        )?
        .query_map([id], |r| {
            Ok(SmarterUGroup {
                name: r.get(0)?,
                identifier: r.get(1)?,
                group_id: r.get(2)?,
                status: r.get(3)?,
                created_date: Some(r.get(4)?),
                modified_date: Some(r.get(5)?),
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok(Some(account))
}

/// Up to `limit` of the account's users after row `after`, in the order they were stored,
/// with their supervisors and groups; each with its row number, to go on from.
pub(crate) fn users_after(
    conn: &Connection,
    account_id: i64,
    after: i64,
    limit: usize,
) -> rusqlite::Result<Vec<(i64, SmarterUUser)>> {
    let mut users: Vec<(i64, SmarterUUser)> = conn
        .prepare_cached(
            "SELECT rowid, id, email, employee_id, given_name, surname, user_api_key, timezone, \
             role, status, created_date, modified_date FROM su_user \
             WHERE account_id = ?1 AND rowid > ?2 ORDER BY rowid LIMIT ?3",
        )?
        .query_map(params![account_id, after, limit as i64], |r| {
            Ok((
                r.get(0)?,
                SmarterUUser {
                    id: r.get(1)?,
                    email: r.get(2)?,
                    employee_id: r.get(3)?,
                    given_name: r.get(4)?,
                    surname: r.get(5)?,
                    user_api_key: r.get(6)?,
                    timezone: r.get(7)?,
                    role: r.get(8)?,
                    status: r.get(9)?,
                    supervisor_ids: Vec::new(),
                    groups: Vec::new(),
                    created_date: Some(r.get(10)?),
                    modified_date: Some(r.get(11)?),
                },
            ))
        })?
        .collect::<rusqlite::Result<_>>()?;
    let (Some(&(first, _)), Some(&(last, _))) = (users.first(), users.last()) else {
        return Ok(users);
    };
    let range = params![account_id, first, last];
    let mut stmt = conn.prepare_cached(
        "SELECT u.rowid, s.supervisor_id FROM su_user u JOIN su_supervisor s \
         ON s.account_id = u.account_id AND s.user_id = u.id \
         WHERE u.account_id = ?1 AND u.rowid >= ?2 AND u.rowid <= ?3 \
         ORDER BY u.rowid, s.supervisor_id",
    )?;
    let mut rows = stmt.query(range)?;
    let mut at = 0;
    while let Some(row) = rows.next()? {
        let rowid: i64 = row.get(0)?;
        if let Some((_, u)) = super::person_at(&mut users, &mut at, rowid, |(r, _)| *r) {
            u.supervisor_ids.push(row.get(1)?);
        }
    }
    let mut stmt = conn.prepare_cached(
        "SELECT u.rowid, g.name, m.is_home, m.permissions FROM su_user u \
         JOIN su_user_group m ON m.account_id = u.account_id AND m.user_id = u.id \
         JOIN su_group g ON g.account_id = m.account_id AND g.group_id = m.group_id \
         WHERE u.account_id = ?1 AND u.rowid >= ?2 AND u.rowid <= ?3 ORDER BY u.rowid, g.name",
    )?;
    let mut rows = stmt.query(range)?;
    let mut at = 0;
    while let Some(row) = rows.next()? {
        let rowid: i64 = row.get(0)?;
        if let Some((_, u)) = super::person_at(&mut users, &mut at, rowid, |(r, _)| *r) {
            let permissions: String = row.get(3)?;
            u.groups.push(SmarterUMembership {
                name: row.get(1)?,
                home: row.get(2)?,
                permissions: permissions.split_whitespace().map(str::to_string).collect(),
            });
        }
    }
    Ok(users)
}
