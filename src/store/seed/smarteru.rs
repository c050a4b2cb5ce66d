//! SmarterU accounts in and out of the store: applying the seed section, dumping it back.

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension, Transaction};

use crate::seed::{
    Account, SeedError, SmarterUGroup, SmarterUMembership, SmarterUSeed, SmarterUUser,
};
use crate::store::smarteru::store_date;

use super::ApplyError;

fn normalise_date(value: &Option<String>, now: &str) -> String {
    value
        .as_deref()
        .and_then(|v| DateTime::parse_from_rfc3339(v).ok())
        .map(|d| store_date(d.with_timezone(&Utc)))
        .unwrap_or_else(|| now.to_string())
}

/// Replace each account of the document whole (tenant-level replace, see `crate::seed`).
pub fn apply_seed(
    tx: &Transaction<'_>,
    su: &SmarterUSeed,
    now: DateTime<Utc>,
) -> Result<(), ApplyError> {
    let now = store_date(now);
    for (ai, acct) in su.accounts.iter().enumerate() {
        let name = acct.tenant_name();
        tx.execute(
            "DELETE FROM su_account WHERE account_api_key = ?1",
            [&acct.account_api_key],
        )?;
        let taken: Option<i64> = tx
            .query_row("SELECT id FROM su_account WHERE name = ?1", [&name], |r| {
                r.get(0)
            })
            .optional()?;
        if taken.is_some() {
            return Err(ApplyError::Seed(SeedError {
                path: format!("smarteru.accounts[{ai}].name"),
                message: format!("the name `{name}` belongs to another stored account"),
            }));
        }
        tx.execute(
            "INSERT INTO su_account (name, account_api_key, supervisor_access) VALUES (?1, ?2, ?3)",
            params![name, acct.account_api_key, acct.supervisor_access],
        )?;
        let account_id = tx.last_insert_rowid();
        let mut insert_group = tx.prepare_cached(
            "INSERT INTO su_group (account_id, group_id, name, identifier, status, created_date, \
             modified_date) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )?;
        for g in &acct.groups {
            insert_group.execute(params![
                account_id,
                g.group_id,
                g.name,
                g.identifier,
                g.status,
                normalise_date(&g.created_date, &now),
                normalise_date(&g.modified_date, &now),
            ])?;
        }
        let mut insert_user = tx.prepare_cached(
            "INSERT INTO su_user (account_id, id, email, employee_id, given_name, surname, \
             user_api_key, timezone, role, status, created_date, modified_date) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
        )?;
        for u in &acct.users {
            insert_user.execute(params![
                account_id,
                u.id,
                u.email,
                u.employee_id,
                u.given_name,
                u.surname,
                u.user_api_key,
                u.timezone,
                u.role,
                u.status,
                normalise_date(&u.created_date, &now),
                normalise_date(&u.modified_date, &now),
            ])?;
        }
        let mut insert_supervisor = tx.prepare_cached(
            "INSERT INTO su_supervisor (account_id, user_id, supervisor_id) VALUES (?1, ?2, ?3)",
        )?;
        let mut insert_membership = tx.prepare_cached(
            "INSERT INTO su_user_group (account_id, user_id, group_id, is_home, permissions) \
             SELECT ?1, ?2, group_id, ?4, ?5 FROM su_group WHERE account_id = ?1 AND name = ?3",
        )?;
        for u in &acct.users {
            for sid in &u.supervisor_ids {
                insert_supervisor.execute(params![account_id, u.id, sid])?;
            }
            for m in &u.groups {
                insert_membership.execute(params![
                    account_id,
                    u.id,
                    m.name,
                    m.home,
                    m.permissions.join(" ")
                ])?;
            }
        }
    }
    Ok(())
}

pub fn dump_seed(conn: &Connection) -> rusqlite::Result<SmarterUSeed> {
    let mut accounts_stmt = conn.prepare(
        "SELECT id, name, account_api_key, supervisor_access FROM su_account ORDER BY id",
    )?;
    let accounts: Vec<(i64, Account)> = accounts_stmt
        .query_map([], |r| {
            Ok((
                r.get(0)?,
                Account {
                    name: Some(r.get(1)?),
                    account_api_key: r.get(2)?,
                    supervisor_access: r.get(3)?,
                    groups: Vec::new(),
                    users: Vec::new(),
                },
            ))
        })?
        .collect::<rusqlite::Result<_>>()?;
    let mut groups_stmt = conn.prepare(
        "SELECT name, identifier, group_id, status, created_date, modified_date FROM su_group \
         WHERE account_id = ?1 ORDER BY name",
    )?;
    let mut users_stmt = conn.prepare(
        "SELECT id, email, employee_id, given_name, surname, user_api_key, timezone, role, status, \
         created_date, modified_date FROM su_user WHERE account_id = ?1 ORDER BY rowid",
    )?;
    let mut supervisors_stmt = conn.prepare(
        "SELECT supervisor_id FROM su_supervisor WHERE account_id = ?1 AND user_id = ?2 \
         ORDER BY supervisor_id",
    )?;
    let mut memberships_stmt = conn.prepare(
        "SELECT g.name, m.is_home, m.permissions FROM su_user_group m \
         JOIN su_group g ON g.account_id = m.account_id AND g.group_id = m.group_id \
         WHERE m.account_id = ?1 AND m.user_id = ?2 ORDER BY g.name",
    )?;
    let mut out = Vec::with_capacity(accounts.len());
    for (id, mut acct) in accounts {
        acct.groups = groups_stmt
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
        let mut users: Vec<SmarterUUser> = users_stmt
            .query_map([id], |r| {
                Ok(SmarterUUser {
                    id: r.get(0)?,
                    email: r.get(1)?,
                    employee_id: r.get(2)?,
                    given_name: r.get(3)?,
                    surname: r.get(4)?,
                    user_api_key: r.get(5)?,
                    timezone: r.get(6)?,
                    role: r.get(7)?,
                    status: r.get(8)?,
                    supervisor_ids: Vec::new(),
                    groups: Vec::new(),
                    created_date: Some(r.get(9)?),
                    modified_date: Some(r.get(10)?),
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        for u in &mut users {
            u.supervisor_ids = supervisors_stmt
                .query_map(params![id, u.id], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            u.groups = memberships_stmt
                .query_map(params![id, u.id], |r| {
                    let perms: String = r.get(2)?;
                    Ok(SmarterUMembership {
                        name: r.get(0)?,
                        home: r.get(1)?,
                        permissions: perms.split_whitespace().map(str::to_string).collect(),
                    })
                })?
                .collect::<rusqlite::Result<_>>()?;
        }
        acct.users = users;
        out.push(acct);
    }
    Ok(SmarterUSeed { accounts: out })
}
