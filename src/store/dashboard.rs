//! The dashboard's own reads (`/_mock/ui`): the tenants with their counts, and one page of a
//! tenant's people, searched. Which groups a person belongs to is **not** answered here: the
//! dashboard asks the vendors' own queries (`luminate::cons_groups`,
//! `smarteru::memberships`, `yourmembership::member_groups`), so it shows what the APIs answer.
//!
//! No secret is read: keys and passwords stay in the database; a tenant says only which of
//! them it has.

use rusqlite::{params, Connection, OptionalExtension};

/// A Luminate site, SmarterU account or YM client, with what the dashboard shows of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TenantRow {
    /// The tenant's name as the journal and fault rules use it.
    pub tenant: String,
    pub people: i64,
    pub groups: i64,
    /// Sessions not yet expired at the app clock's `now`, and those expired but still stored.
    pub live_sessions: i64,
    pub expired_sessions: i64,
    /// Settings worth seeing, as (name, value); never a key or a password.
    pub settings: Vec<(&'static str, String)>,
}

/// Every Luminate site, by org.
pub fn luminate_sites(conn: &Connection, now_ms: i64) -> rusqlite::Result<Vec<TenantRow>> {
    conn.prepare_cached(
        "SELECT s.org, s.is_default, s.secondary_api_key IS NOT NULL, s.secret_key IS NOT NULL, \
           s.ip_filter, s.cors_domains, s.other_cons_lookup, \
           (SELECT count(*) FROM lum_cons c WHERE c.org = s.org), \
           (SELECT count(*) FROM lum_group g WHERE g.org = s.org), \
           (SELECT count(*) FROM lum_session x WHERE x.org = s.org AND x.expires_at > ?1), \
           (SELECT count(*) FROM lum_session x WHERE x.org = s.org AND x.expires_at <= ?1) \
         FROM lum_site s ORDER BY s.org",
    )?
    .query_map([now_ms], |r| {
        let yes_no = |b: bool| if b { "yes" } else { "no" }.to_string();
        Ok(TenantRow {
            tenant: r.get(0)?,
            people: r.get(7)?,
            groups: r.get(8)?,
            live_sessions: r.get(9)?,
            expired_sessions: r.get(10)?,
            settings: vec![
                ("default site", yes_no(r.get(1)?)),
                ("secondary API key", yes_no(r.get(2)?)),
                ("secret key", yes_no(r.get(3)?)),
                ("IP filter", list_or(r.get::<_, String>(4)?, "every caller")),
                ("CORS domains", list_or(r.get::<_, String>(5)?, "none")),
                ("other constituent lookup", r.get(6)?),
            ],
        })
    })?
    .collect()
}

/// Every SmarterU account, by name.
pub fn smarteru_accounts(conn: &Connection) -> rusqlite::Result<Vec<TenantRow>> {
    conn.prepare_cached(
        "SELECT a.name, a.supervisor_access, \
           (SELECT count(*) FROM su_user u WHERE u.account_id = a.id), \
           (SELECT count(*) FROM su_group g WHERE g.account_id = a.id) \
         FROM su_account a ORDER BY a.name",
    )?
    .query_map([], |r| {
        Ok(TenantRow {
            tenant: r.get(0)?,
            people: r.get(2)?,
            groups: r.get(3)?,
            live_sessions: 0,
            expired_sessions: 0,
            settings: vec![("supervisor access", r.get(1)?)],
        })
    })?
    .collect()
}

/// Every YourMembership client, by ClientID.
pub fn ym_clients(conn: &Connection, now_ms: i64) -> rusqlite::Result<Vec<TenantRow>> {
    conn.prepare_cached(
        "SELECT c.client_id, \
           (SELECT count(*) FROM ym_member m WHERE m.client_id = c.client_id), \
           (SELECT count(*) FROM ym_group g WHERE g.client_id = c.client_id), \
           (SELECT count(*) FROM ym_session x WHERE x.client_id = c.client_id \
              AND x.expires_at > ?1), \
           (SELECT count(*) FROM ym_session x WHERE x.client_id = c.client_id \
              AND x.expires_at <= ?1) \
         FROM ym_client c ORDER BY c.client_id",
    )?
    .query_map([now_ms], |r| {
        Ok(TenantRow {
            tenant: r.get::<_, i64>(0)?.to_string(),
            people: r.get(1)?,
            groups: r.get(2)?,
            live_sessions: r.get(3)?,
            expired_sessions: r.get(4)?,
            settings: Vec::new(),
        })
    })?
    .collect()
}

/// A JSON list stored as text, shown comma-separated, or `empty` when it has nothing.
fn list_or(json: String, empty: &str) -> String {
    let items: Vec<String> = serde_json::from_str(&json).unwrap_or_default();
    if items.is_empty() {
        empty.to_string()
    } else {
        items.join(", ")
    }
}

/// One person as the dashboard lists them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonRow {
    /// The vendor's id: cons_id, SmarterU user id, YM member id.
    pub id: String,
    pub name: String,
    pub email: Option<String>,
    /// User name, employee ID: what else a client may look the person up by.
    pub login: Option<String>,
    /// Role or status, as the vendor names it (`api admin`, `administrator`, `Locked`).
    pub tags: Vec<String>,
}

/// A page of people: `limit` of them after `offset`, and whether more follow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T> {
    pub rows: Vec<T>,
    pub more: bool,
}

fn page<T>(mut rows: Vec<T>, limit: i64) -> Page<T> {
    let more = rows.len() as i64 > limit;
    rows.truncate(usize::try_from(limit).unwrap_or(0));
    Page { rows, more }
}

/// What a search matches: any part of the id, name, email or login, in any case (ASCII).
fn needle(q: Option<&str>) -> Option<String> {
    q.map(str::trim)
        .filter(|q| !q.is_empty())
        .map(str::to_lowercase)
}

fn full_name(first: Option<String>, last: Option<String>) -> String {
    [first, last]
        .into_iter()
        .flatten()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// A site's constituents, by cons_id.
pub fn luminate_people(
    conn: &Connection,
    org: &str,
    q: Option<&str>,
    limit: i64,
    offset: i64,
) -> rusqlite::Result<Page<PersonRow>> {
    let rows = conn
        .prepare_cached(
            "SELECT cons_id, first_name, last_name, primary_email, user_name, member_id, \
               api_admin, coalesce(group_management, api_admin) \
             FROM lum_cons WHERE org = ?1 AND (?2 IS NULL OR instr(lower( \
               cons_id || ' ' || coalesce(first_name, '') || ' ' || coalesce(last_name, '') \
               || ' ' || coalesce(primary_email, '') || ' ' || coalesce(user_name, '') \
               || ' ' || coalesce(member_id, '')), ?2) > 0) \
             ORDER BY cons_id LIMIT ?3 OFFSET ?4",
        )?
        .query_map(params![org, needle(q), limit + 1, offset], |r| {
            let mut tags = Vec::new();
            if r.get::<_, bool>(6)? {
                tags.push("API admin".to_string());
            } else if r.get::<_, bool>(7)? {
                tags.push("group management".to_string());
            }
            if let Some(member_id) = r.get::<_, Option<String>>(5)? {
                tags.push(format!("member_id {member_id}"));
            }
            Ok(PersonRow {
                id: r.get::<_, i64>(0)?.to_string(),
                name: full_name(r.get(1)?, r.get(2)?),
                email: r.get(3)?,
                login: r.get(4)?,
                tags,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(page(rows, limit))
}

/// The id of the SmarterU account with this name.
pub fn smarteru_account_id(conn: &Connection, name: &str) -> rusqlite::Result<Option<i64>> {
    conn.prepare_cached("SELECT id FROM su_account WHERE name = ?1")?
        .query_row([name], |r| r.get(0))
        .optional()
}

/// An account's users, by id (numerically when ids are numbers).
pub fn smarteru_people(
    conn: &Connection,
    account_id: i64,
    q: Option<&str>,
    limit: i64,
    offset: i64,
) -> rusqlite::Result<Page<PersonRow>> {
    let rows = conn
        .prepare_cached(
            "SELECT id, given_name, surname, email, employee_id, role, status FROM su_user \
             WHERE account_id = ?1 AND (?2 IS NULL OR instr(lower( \
               id || ' ' || given_name || ' ' || surname || ' ' || coalesce(email, '') \
               || ' ' || coalesce(employee_id, '')), ?2) > 0) \
             ORDER BY length(id), id LIMIT ?3 OFFSET ?4",
        )?
        .query_map(params![account_id, needle(q), limit + 1, offset], |r| {
            let role: String = r.get(5)?;
            let status: String = r.get(6)?;
            let mut tags = Vec::new();
            if role != "user" {
                tags.push(role);
            }
            if status != "Active" {
                tags.push(status);
            }
            Ok(PersonRow {
                id: r.get(0)?,
                name: full_name(r.get(1)?, r.get(2)?),
                email: r.get(3)?,
                login: r
                    .get::<_, Option<String>>(4)?
                    .map(|e| format!("employee {e}")),
                tags,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(page(rows, limit))
}

/// A client's members, by member id.
pub fn ym_people(
    conn: &Connection,
    client_id: i64,
    q: Option<&str>,
    limit: i64,
    offset: i64,
) -> rusqlite::Result<Page<PersonRow>> {
    let rows = conn
        .prepare_cached(
            "SELECT member_id, first_name, last_name, email, username, status FROM ym_member \
             WHERE client_id = ?1 AND (?2 IS NULL OR instr(lower( \
               member_id || ' ' || coalesce(first_name, '') || ' ' || coalesce(last_name, '') \
               || ' ' || coalesce(email, '') || ' ' || username), ?2) > 0) \
             ORDER BY member_id LIMIT ?3 OFFSET ?4",
        )?
        .query_map(params![client_id, needle(q), limit + 1, offset], |r| {
            let status: String = r.get(5)?;
            Ok(PersonRow {
                id: r.get::<_, i64>(0)?.to_string(),
                name: full_name(r.get(1)?, r.get(2)?),
                email: r.get(3)?,
                login: r.get(4)?,
                tags: if status == "Active" {
                    Vec::new()
                } else {
                    vec![status]
                },
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(page(rows, limit))
}

/// Whether the SmarterU account has a user with this id.
pub fn smarteru_user_exists(
    conn: &Connection,
    account_id: i64,
    user_id: &str,
) -> rusqlite::Result<bool> {
    conn.prepare_cached("SELECT 1 FROM su_user WHERE account_id = ?1 AND id = ?2")?
        .exists(params![account_id, user_id])
}

/// A number that moves with every change of vendor data (sessions excepted); with the store's
/// epoch (which moves at every `reset`), it tells the dashboard when to read again.
pub fn generation(conn: &Connection) -> rusqlite::Result<i64> {
    conn.prepare_cached("SELECT n FROM mm_count WHERE name = 'generation'")?
        .query_row([], |r| r.get(0))
}
