//! Luminate Online queries: sites, groups, constituents, sessions.

use rusqlite::{params, Connection, OptionalExtension};

use crate::seed::{JsonContentType, OtherConsLookup, RedirectDigest};

/// The org that `/site/{Servlet}` addresses: the site marked default, else the only site.
pub fn default_org(conn: &Connection) -> rusqlite::Result<Option<String>> {
    let marked: Option<String> = conn
        .prepare_cached("SELECT org FROM lum_site WHERE is_default = 1 LIMIT 1")?
        .query_row([], |r| r.get(0))
        .optional()?;
    if marked.is_some() {
        return Ok(marked);
    }
    let mut stmt = conn.prepare_cached("SELECT org FROM lum_site LIMIT 2")?;
    let orgs: Vec<String> = stmt
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(if orgs.len() == 1 {
        orgs.into_iter().next()
    } else {
        None
    })
}

// ---------------------------------------------------------------- API queries

/// A site as the API sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct SiteRow {
    pub org: String,
    pub api_key: String,
    pub secondary_api_key: Option<String>,
    pub secret_key: Option<String>,
    pub ip_filter: Vec<String>,
    pub other_cons_lookup: OtherConsLookup,
    pub json_content_type: JsonContentType,
    pub redirect_digest: RedirectDigest,
    pub cors_domains: Vec<String>,
}

/// A constituent record, without its password.
#[derive(Debug, Clone, PartialEq)]
pub struct ConsRow {
    pub cons_id: i64,
    pub member_id: Option<String>,
    pub primary_email: Option<String>,
    pub user_name: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub api_admin: bool,
    /// Group Management rights (the seed's value, else `api_admin`).
    pub group_management: bool,
}

/// A group as `getUserGroups` lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupRow {
    pub id: i64,
    pub label: String,
}

/// A group as `getGroupInfo` and `listGroups` describe it.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupInfoRow {
    pub id: i64,
    pub name: String,
    pub description: Option<String>,
    /// Group type id and name.
    pub group_type: Option<(i64, String)>,
    pub members: i64,
    /// Members with a primary e-mail address.
    pub sendable: i64,
}

/// An auth token (`login`, `getLoginUrl`) or a single-sign-on token.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionRow {
    pub token: String,
    pub org: String,
    pub kind: SessionKind,
    pub jsessionid: Option<String>,
    pub cons_id: Option<i64>,
    pub created_at: i64,
    pub expires_at: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionKind {
    Auth,
    Sso,
    /// A `loginResponse.nonce`: `getLoginUrl` with `NONCE_TOKEN` reaches the session it names.
    Nonce,
}

impl SessionKind {
    fn as_str(self) -> &'static str {
        match self {
            SessionKind::Auth => "auth",
            SessionKind::Sso => "sso",
            SessionKind::Nonce => "nonce",
        }
    }
}

const SITE_COLUMNS: &str = "org, api_key, secondary_api_key, secret_key, ip_filter, \
     other_cons_lookup, json_content_type, redirect_digest, cors_domains";

fn site_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<SiteRow> {
    let ip_filter: String = r.get(4)?;
    let cors_domains: String = r.get(8)?;
    Ok(SiteRow {
        org: r.get(0)?,
        api_key: r.get(1)?,
        secondary_api_key: r.get(2)?,
        secret_key: r.get(3)?,
        ip_filter: serde_json::from_str(&ip_filter).unwrap_or_default(),
        other_cons_lookup: r.get(5)?,
        json_content_type: r.get(6)?,
        redirect_digest: r.get(7)?,
        cors_domains: serde_json::from_str(&cors_domains).unwrap_or_default(),
    })
}

pub fn site(conn: &Connection, org: &str) -> rusqlite::Result<Option<SiteRow>> {
    conn.prepare_cached(&format!(
        "SELECT {SITE_COLUMNS} FROM lum_site WHERE org = ?1"
    ))?
    .query_row([org], site_row)
    .optional()
}

/// Every site (for the in-memory copy the API checks).
pub fn sites(conn: &Connection) -> rusqlite::Result<Vec<SiteRow>> {
    conn.prepare_cached(&format!("SELECT {SITE_COLUMNS} FROM lum_site ORDER BY org"))?
        .query_map([], site_row)?
        .collect()
}

macro_rules! cons_columns {
    () => {
        "cons_id, member_id, primary_email, user_name, first_name, last_name, api_admin, \
         coalesce(group_management, api_admin)"
    };
}

fn cons_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<ConsRow> {
    Ok(ConsRow {
        cons_id: r.get(0)?,
        member_id: r.get(1)?,
        primary_email: r.get(2)?,
        user_name: r.get(3)?,
        first_name: r.get(4)?,
        last_name: r.get(5)?,
        api_admin: r.get(6)?,
        group_management: r.get(7)?,
    })
}

pub fn cons(conn: &Connection, org: &str, cons_id: i64) -> rusqlite::Result<Option<ConsRow>> {
    conn.prepare_cached(concat!(
        "SELECT ",
        cons_columns!(),
        " FROM lum_cons WHERE org = ?1 AND cons_id = ?2"
    ))?
    .query_row(params![org, cons_id], cons_row)
    .optional()
}

/// Whether the site has a constituent with this cons_id.
pub fn cons_exists(conn: &Connection, org: &str, cons_id: i64) -> rusqlite::Result<bool> {
    conn.prepare_cached("SELECT 1 FROM lum_cons WHERE org = ?1 AND cons_id = ?2")?
        .query_row(params![org, cons_id], |_| Ok(()))
        .optional()
        .map(|r| r.is_some())
}

/// A constituent by user name (case-insensitive, as the vendor's login is), with the stored
/// password.
pub fn cons_by_user_name(
    conn: &Connection,
    org: &str,
    user_name: &str,
) -> rusqlite::Result<Option<(ConsRow, Option<String>)>> {
    conn.prepare_cached(concat!(
        "SELECT ",
        cons_columns!(),
        ", password FROM lum_cons WHERE org = ?1 AND user_name = ?2"
    ))?
    .query_row(params![org, user_name], |r| Ok((cons_row(r)?, r.get(8)?)))
    .optional()
}

/// Up to two cons_ids with this member_id (two are enough to tell "several").
pub fn cons_ids_by_member_id(
    conn: &Connection,
    org: &str,
    member_id: &str,
) -> rusqlite::Result<Vec<i64>> {
    conn.prepare_cached(
        "SELECT cons_id FROM lum_cons WHERE org = ?1 AND member_id = ?2 ORDER BY cons_id LIMIT 2",
    )?
    .query_map(params![org, member_id], |r| r.get(0))?
    .collect()
}

/// Up to two cons_ids with this primary email (compared case-insensitively).
pub fn cons_ids_by_email(conn: &Connection, org: &str, email: &str) -> rusqlite::Result<Vec<i64>> {
    conn.prepare_cached(
        "SELECT cons_id FROM lum_cons WHERE org = ?1 AND primary_email = ?2 \
         ORDER BY cons_id LIMIT 2",
    )?
    .query_map(params![org, email], |r| r.get(0))?
    .collect()
}

/// A constituent's groups, in ascending id order; `None` when the site has no such
/// constituent (one statement answers both).
pub fn cons_groups_if_exists(
    conn: &Connection,
    org: &str,
    cons_id: i64,
) -> rusqlite::Result<Option<Vec<GroupRow>>> {
    let mut stmt = conn.prepare_cached(
        "SELECT g.id, g.label FROM lum_cons c \
         LEFT JOIN lum_cons_group m ON m.org = c.org AND m.cons_id = c.cons_id \
         LEFT JOIN lum_group g ON g.org = m.org AND g.id = m.group_id \
         WHERE c.org = ?1 AND c.cons_id = ?2 ORDER BY m.group_id",
    )?;
    let mut rows = stmt.query(params![org, cons_id])?;
    let mut groups = Vec::new();
    let mut exists = false;
    while let Some(r) = rows.next()? {
        exists = true;
        if let Some(id) = r.get::<_, Option<i64>>(0)? {
            groups.push(GroupRow {
                id,
                label: r.get(1)?,
            });
        }
    }
    Ok(exists.then_some(groups))
}

/// A constituent's groups, in ascending id order.
pub fn cons_groups(conn: &Connection, org: &str, cons_id: i64) -> rusqlite::Result<Vec<GroupRow>> {
    conn.prepare_cached(
        "SELECT g.id, g.label FROM lum_cons_group m JOIN lum_group g \
         ON g.org = m.org AND g.id = m.group_id \
         WHERE m.org = ?1 AND m.cons_id = ?2 ORDER BY g.id",
    )?
    .query_map(params![org, cons_id], |r| {
        Ok(GroupRow {
            id: r.get(0)?,
            label: r.get(1)?,
        })
    })?
    .collect()
}

/// The columns of a [`GroupInfoRow`], member counts included.
const GROUP_INFO: &str = "SELECT g.id, g.label, g.description, g.type_id, g.type_name, \
     (SELECT count(*) FROM lum_cons_group m WHERE m.org = g.org AND m.group_id = g.id), \
     (SELECT count(*) FROM lum_cons_group m JOIN lum_cons c \
      ON c.org = m.org AND c.cons_id = m.cons_id \
      WHERE m.org = g.org AND m.group_id = g.id AND c.primary_email IS NOT NULL) \
     FROM lum_group g";

fn group_info_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<GroupInfoRow> {
    let type_id: Option<i64> = r.get(3)?;
    let type_name: Option<String> = r.get(4)?;
    Ok(GroupInfoRow {
        id: r.get(0)?,
        name: r.get(1)?,
        description: r.get(2)?,
        group_type: type_id.zip(type_name),
        members: r.get(5)?,
        sendable: r.get(6)?,
    })
}

/// One group, described.
pub fn group_info(conn: &Connection, org: &str, id: i64) -> rusqlite::Result<Option<GroupInfoRow>> {
    conn.prepare_cached(&format!("{GROUP_INFO} WHERE g.org = ?1 AND g.id = ?2"))?
        .query_row(params![org, id], group_info_row)
        .optional()
}

/// One page of the site's groups (ascending id), described: built-in groups (ids below
/// `first_custom`) only when asked, and only names containing `filter` (ASCII case-insensitive)
/// when given.
pub fn list_groups(
    conn: &Connection,
    org: &str,
    built_in: bool,
    first_custom: i64,
    filter: Option<&str>,
    limit: i64,
    offset: i64,
) -> rusqlite::Result<Vec<GroupInfoRow>> {
    conn.prepare_cached(&format!(
        "{GROUP_INFO} WHERE g.org = ?1 AND (?2 OR g.id >= ?3) \
         AND (?4 IS NULL OR instr(lower(g.label), lower(?4)) > 0) \
         ORDER BY g.id LIMIT ?5 OFFSET ?6"
    ))?
    .query_map(
        params![org, built_in, first_custom, filter, limit, offset],
        group_info_row,
    )?
    .collect()
}

/// Members of a group, in ascending cons_id order.
pub fn group_members(
    conn: &Connection,
    org: &str,
    group_id: i64,
    limit: i64,
) -> rusqlite::Result<Vec<ConsRow>> {
    conn.prepare_cached(
        "SELECT c.cons_id, c.member_id, c.primary_email, c.user_name, c.first_name, \
         c.last_name, c.api_admin, coalesce(c.group_management, c.api_admin) \
         FROM lum_cons_group m JOIN lum_cons c \
         ON c.org = m.org AND c.cons_id = m.cons_id \
         WHERE m.org = ?1 AND m.group_id = ?2 ORDER BY c.cons_id LIMIT ?3",
    )?
    .query_map(params![org, group_id, limit], cons_row)?
    .collect()
}

pub fn add_membership(
    conn: &Connection,
    org: &str,
    cons_id: i64,
    group_id: i64,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT OR IGNORE INTO lum_cons_group (org, cons_id, group_id) VALUES (?1, ?2, ?3)",
    )?
    .execute(params![org, cons_id, group_id])?;
    Ok(())
}

pub fn remove_membership(
    conn: &Connection,
    org: &str,
    cons_id: i64,
    group_id: i64,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "DELETE FROM lum_cons_group WHERE org = ?1 AND cons_id = ?2 AND group_id = ?3",
    )?
    .execute(params![org, cons_id, group_id])?;
    Ok(())
}

/// Set the given name parts (`None` leaves a part unchanged).
pub fn update_name(
    conn: &Connection,
    org: &str,
    cons_id: i64,
    first: Option<&str>,
    last: Option<&str>,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "UPDATE lum_cons SET first_name = coalesce(?3, first_name), \
         last_name = coalesce(?4, last_name) WHERE org = ?1 AND cons_id = ?2",
    )?
    .execute(params![org, cons_id, first, last])?;
    Ok(())
}

/// Set a constituent's primary e-mail address.
pub fn update_email(
    conn: &Connection,
    org: &str,
    cons_id: i64,
    email: &str,
) -> rusqlite::Result<()> {
    conn.prepare_cached("UPDATE lum_cons SET primary_email = ?3 WHERE org = ?1 AND cons_id = ?2")?
        .execute(params![org, cons_id, email])?;
    Ok(())
}

/// Whether a user name is taken on the site (case-insensitive, as log-ins compare).
pub fn user_name_taken(conn: &Connection, org: &str, user_name: &str) -> rusqlite::Result<bool> {
    conn.prepare_cached("SELECT 1 FROM lum_cons WHERE org = ?1 AND user_name = ?2 LIMIT 1")?
        .query_row(params![org, user_name], |_| Ok(()))
        .optional()
        .map(|r| r.is_some())
}

/// A new constituent's fields.
#[derive(Debug, Clone, Copy, Default)]
pub struct NewCons<'a> {
    pub member_id: Option<&'a str>,
    pub primary_email: &'a str,
    pub user_name: Option<&'a str>,
    pub password: Option<&'a str>,
    pub first_name: Option<&'a str>,
    pub last_name: Option<&'a str>,
}

/// Create a constituent with the next free cons_id of the site; returns it.
pub fn insert_cons(conn: &Connection, org: &str, new: NewCons<'_>) -> rusqlite::Result<i64> {
    let cons_id: i64 = conn
        .prepare_cached("SELECT coalesce(max(cons_id), 0) + 1 FROM lum_cons WHERE org = ?1")?
        .query_row([org], |r| r.get(0))?;
    conn.prepare_cached(
        "INSERT INTO lum_cons (org, cons_id, member_id, primary_email, user_name, password, \
         first_name, last_name) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?
    .execute(params![
        org,
        cons_id,
        new.member_id,
        new.primary_email,
        new.user_name,
        new.password,
        new.first_name,
        new.last_name
    ])?;
    Ok(cons_id)
}

pub fn group_exists(conn: &Connection, org: &str, id: i64) -> rusqlite::Result<bool> {
    conn.prepare_cached("SELECT 1 FROM lum_group WHERE org = ?1 AND id = ?2")?
        .query_row(params![org, id], |_| Ok(()))
        .optional()
        .map(|r| r.is_some())
}

pub fn insert_session(conn: &Connection, s: &SessionRow) -> rusqlite::Result<()> {
    // Expired tokens go when new ones come, so the table stays as small as the live sessions.
    conn.prepare_cached("DELETE FROM lum_session WHERE expires_at <= ?1")?
        .execute([s.created_at])?;
    conn.prepare_cached(
        "INSERT INTO lum_session (token, org, kind, jsessionid, cons_id, created_at, expires_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        s.token,
        s.org,
        s.kind.as_str(),
        s.jsessionid,
        s.cons_id,
        s.created_at,
        s.expires_at
    ])?;
    Ok(())
}

/// A live (unexpired at `now_ms`) token of this site and kind.
pub fn session(
    conn: &Connection,
    org: &str,
    kind: SessionKind,
    token: &str,
    now_ms: i64,
) -> rusqlite::Result<Option<SessionRow>> {
    conn.prepare_cached(
        "SELECT token, org, jsessionid, cons_id, created_at, expires_at FROM lum_session \
         WHERE token = ?1 AND org = ?2 AND kind = ?3 AND expires_at > ?4",
    )?
    .query_row(params![token, org, kind.as_str(), now_ms], |r| {
        Ok(SessionRow {
            token: r.get(0)?,
            org: r.get(1)?,
            kind,
            jsessionid: r.get(2)?,
            cons_id: r.get(3)?,
            created_at: r.get(4)?,
            expires_at: r.get(5)?,
        })
    })
    .optional()
}

pub fn delete_session(conn: &Connection, token: &str) -> rusqlite::Result<()> {
    conn.prepare_cached("DELETE FROM lum_session WHERE token = ?1")?
        .execute([token])?;
    Ok(())
}

/// The servlet session a `JSESSIONID` names on this site: `Some(cons_id)` (`None` inside when
/// anonymous) while one of its auth tokens lives.
pub fn servlet_session(
    conn: &Connection,
    org: &str,
    jsessionid: &str,
    now_ms: i64,
) -> rusqlite::Result<Option<Option<i64>>> {
    conn.prepare_cached(
        "SELECT cons_id FROM lum_session WHERE org = ?1 AND kind = 'auth' AND jsessionid = ?2 \
         AND expires_at > ?3 ORDER BY created_at DESC LIMIT 1",
    )?
    .query_row(params![org, jsessionid, now_ms], |r| r.get(0))
    .optional()
}

/// Log a servlet session in (or switch its user): every token of the session follows.
pub fn set_servlet_session_user(
    conn: &Connection,
    org: &str,
    jsessionid: &str,
    cons_id: i64,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "UPDATE lum_session SET cons_id = ?3 WHERE org = ?1 AND jsessionid = ?2 AND kind = 'auth'",
    )?
    .execute(params![org, jsessionid, cons_id])?;
    Ok(())
}

/// End a servlet session: its auth tokens and login nonces.
pub fn delete_servlet_session(
    conn: &Connection,
    org: &str,
    jsessionid: &str,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "DELETE FROM lum_session WHERE org = ?1 AND jsessionid = ?2 AND kind IN ('auth', 'nonce')",
    )?
    .execute(params![org, jsessionid])?;
    Ok(())
}
