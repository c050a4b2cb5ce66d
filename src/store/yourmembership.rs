//! YourMembership queries: clients, group types, groups, members, relationships, sessions.

use rusqlite::{params, Connection, OptionalExtension};

// ---------------------------------------------------------------- the API's queries

/// A client's API credentials.
#[derive(Debug, Clone)]
pub struct ClientSecrets {
    pub api_key: String,
    pub api_password: String,
}

pub fn client(conn: &Connection, client_id: i64) -> rusqlite::Result<Option<ClientSecrets>> {
    conn.prepare_cached("SELECT api_key, api_password FROM ym_client WHERE client_id = ?1")?
        .query_row([client_id], |r| {
            Ok(ClientSecrets {
                api_key: r.get(0)?,
                api_password: r.get(1)?,
            })
        })
        .optional()
}

/// A member who may be logging in.
#[derive(Debug, Clone)]
pub struct LoginCandidate {
    pub member_id: i64,
    pub password: String,
    /// `Active | Locked | Suspended`
    pub status: String,
}

/// The member whose user name is `login`, else the members whose email is `login` (case-
/// insensitive; at most two, enough to tell an ambiguous email).
pub fn login_candidates(
    conn: &Connection,
    client_id: i64,
    login: &str,
) -> rusqlite::Result<Vec<LoginCandidate>> {
    let row = |r: &rusqlite::Row<'_>| {
        Ok(LoginCandidate {
            member_id: r.get(0)?,
            password: r.get(1)?,
            status: r.get(2)?,
        })
    };
    let by_name: Vec<LoginCandidate> = conn
        .prepare_cached(
            "SELECT member_id, password, status FROM ym_member \
             WHERE client_id = ?1 AND username = ?2",
        )?
        .query_map(params![client_id, login], row)?
        .collect::<rusqlite::Result<_>>()?;
    if !by_name.is_empty() {
        return Ok(by_name);
    }
    conn.prepare_cached(
        "SELECT member_id, password, status FROM ym_member \
         WHERE client_id = ?1 AND email = ?2 ORDER BY member_id LIMIT 2",
    )?
    .query_map(params![client_id, login], row)?
    .collect()
}

/// An open session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub client_id: i64,
    /// 0 for an admin session.
    pub member_id: i64,
    /// `Admin | Member`
    pub user_type: String,
    pub oauth: bool,
    pub expires_at: i64,
}

/// Store a new session, dropping the expired ones so the table stays small.
pub fn insert_session(
    tx: &Connection,
    session_id: &str,
    s: &Session,
    now_ms: i64,
) -> rusqlite::Result<()> {
    tx.prepare_cached("DELETE FROM ym_session WHERE expires_at <= ?1")?
        .execute([now_ms])?;
    tx.prepare_cached(
        "INSERT INTO ym_session (session_id, client_id, member_id, user_type, oauth, created_at, \
         expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        session_id,
        s.client_id,
        s.member_id,
        s.user_type,
        s.oauth,
        now_ms,
        s.expires_at
    ])?;
    Ok(())
}

pub fn session(conn: &Connection, session_id: &str) -> rusqlite::Result<Option<Session>> {
    conn.prepare_cached(
        "SELECT client_id, member_id, user_type, oauth, expires_at FROM ym_session \
         WHERE session_id = ?1",
    )?
    .query_row([session_id], |r| {
        Ok(Session {
            client_id: r.get(0)?,
            member_id: r.get(1)?,
            user_type: r.get(2)?,
            oauth: r.get(3)?,
            expires_at: r.get(4)?,
        })
    })
    .optional()
}

pub fn member_exists(conn: &Connection, client_id: i64, member_id: i64) -> rusqlite::Result<bool> {
    conn.prepare_cached("SELECT 1 FROM ym_member WHERE client_id = ?1 AND member_id = ?2")?
        .exists(params![client_id, member_id])
}

/// A group with its type, and a member's relationship to it when asked for one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupRow {
    pub type_id: i64,
    pub type_name: String,
    pub sort_index: i64,
    pub group_id: i64,
    pub code: String,
    pub name: String,
    pub join_option: String,
    pub is_member: bool,
    pub is_primary: bool,
    /// `Joined | Pending`
    pub status: String,
    pub is_admin: bool,
    pub rep_title: Option<String>,
}

/// Every group a member has any relationship with, by type order (`SortIndex`, `Id`), then by
/// group name.
pub fn member_groups(
    conn: &Connection,
    client_id: i64,
    member_id: i64,
) -> rusqlite::Result<Vec<GroupRow>> {
    conn.prepare_cached(
        "SELECT t.id, t.name, t.sort_index, g.id, g.code, g.name, g.join_option, \
                r.is_member, r.is_primary, r.status, r.is_admin, r.rep_title \
         FROM ym_member_group r \
         JOIN ym_group g ON g.client_id = r.client_id AND g.id = r.group_id \
         JOIN ym_group_type t ON t.client_id = g.client_id AND t.id = g.type_id \
         WHERE r.client_id = ?1 AND r.member_id = ?2",
    )?
    .query_map(params![client_id, member_id], |r| {
        Ok(GroupRow {
            type_id: r.get(0)?,
            type_name: r.get(1)?,
            sort_index: r.get(2)?,
            group_id: r.get(3)?,
            code: r.get(4)?,
            name: r.get(5)?,
            join_option: r.get(6)?,
            is_member: r.get(7)?,
            is_primary: r.get(8)?,
            status: r.get(9)?,
            is_admin: r.get(10)?,
            rep_title: r.get(11)?,
        })
    })?
    .collect::<rusqlite::Result<Vec<GroupRow>>>()
    .map(|mut rows| {
        // Sorted here rather than by SQLite's sorter: a member has few groups.
        rows.sort_by(|a, b| {
            (a.sort_index, a.type_id)
                .cmp(&(b.sort_index, b.type_id))
                .then_with(|| nocase(&a.name).cmp(nocase(&b.name)))
                .then(a.group_id.cmp(&b.group_id))
        });
        rows
    })
}

/// A group type and one of its groups (`None` for a type without groups).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogueRow {
    pub type_id: i64,
    pub type_name: String,
    pub sort_index: i64,
    /// `(id, name, join_option)`
    pub group: Option<(i64, String, String)>,
}

/// The client's group types with their groups, in the same order as [`member_groups`].
pub fn catalogue(conn: &Connection, client_id: i64) -> rusqlite::Result<Vec<CatalogueRow>> {
    conn.prepare_cached(
        "SELECT t.id, t.name, t.sort_index, g.id, g.name, g.join_option \
         FROM ym_group_type t \
         LEFT JOIN ym_group g ON g.client_id = t.client_id AND g.type_id = t.id \
         WHERE t.client_id = ?1 \
         ORDER BY t.sort_index, t.id, g.name COLLATE NOCASE, g.id",
    )?
    .query_map([client_id], |r| {
        let group_id: Option<i64> = r.get(3)?;
        Ok(CatalogueRow {
            type_id: r.get(0)?,
            type_name: r.get(1)?,
            sort_index: r.get(2)?,
            group: match group_id {
                Some(id) => Some((id, r.get(4)?, r.get(5)?)),
                None => None,
            },
        })
    })?
    .collect()
}

/// The id of a client's group named by code (any case) or by id.
pub fn find_group(
    conn: &Connection,
    client_id: i64,
    code: Option<&str>,
    id: Option<i64>,
) -> rusqlite::Result<Option<i64>> {
    match (code, id) {
        (Some(code), _) => conn
            .prepare_cached("SELECT id FROM ym_group WHERE client_id = ?1 AND code = ?2")?
            .query_row(params![client_id, code], |r| r.get(0))
            .optional(),
        (None, Some(id)) => conn
            .prepare_cached("SELECT id FROM ym_group WHERE client_id = ?1 AND id = ?2")?
            .query_row(params![client_id, id], |r| r.get(0))
            .optional(),
        (None, None) => Ok(None),
    }
}

/// What `POST`/`PUT /MemberGroups` asks to add or remove.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RelationshipChange {
    pub add_member: bool,
    pub make_primary: bool,
    pub add_admin: bool,
    pub add_title: Option<String>,
    pub remove_member: bool,
    pub remove_admin: bool,
    pub remove_title: Option<String>,
}

/// Apply a change to one member's relationship with one group. Adding what exists and removing
/// what does not are no-ops; a relationship left with no role is deleted.
pub fn change_relationship(
    tx: &Connection,
    client_id: i64,
    member_id: i64,
    group_id: i64,
    change: &RelationshipChange,
) -> rusqlite::Result<()> {
    let current: Option<(bool, bool, String, bool, Option<String>)> = tx
        .prepare_cached(
            "SELECT is_member, is_primary, status, is_admin, rep_title FROM ym_member_group \
             WHERE client_id = ?1 AND member_id = ?2 AND group_id = ?3",
        )?
        .query_row(params![client_id, member_id, group_id], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })
        .optional()?;
    let (mut is_member, mut is_primary, mut status, mut is_admin, mut rep_title) =
        current.unwrap_or((false, false, "Joined".to_string(), false, None));

    if change.add_member {
        if !is_member {
            status = "Joined".to_string();
        }
        is_member = true;
        if change.make_primary {
            tx.prepare_cached(
                "UPDATE ym_member_group SET is_primary = 0 \
                 WHERE client_id = ?1 AND member_id = ?2 AND group_id <> ?3",
            )?
            .execute(params![client_id, member_id, group_id])?;
            is_primary = true;
        }
    }
    if change.add_admin {
        is_admin = true;
    }
    if let Some(title) = &change.add_title {
        tx.prepare_cached("INSERT OR IGNORE INTO ym_rep_title (client_id, title) VALUES (?1, ?2)")?
            .execute(params![client_id, title])?;
        // The catalogue's spelling of the title (titles match in any case).
        let stored: String = tx
            .prepare_cached("SELECT title FROM ym_rep_title WHERE client_id = ?1 AND title = ?2")?
            .query_row(params![client_id, title], |r| r.get(0))?;
        rep_title = Some(stored);
    }
    if change.remove_member {
        is_member = false;
        is_primary = false;
        status = "Joined".to_string();
    }
    if change.remove_admin {
        is_admin = false;
    }
    if let Some(title) = &change.remove_title {
        if rep_title
            .as_deref()
            .is_some_and(|t| t.to_lowercase() == title.to_lowercase())
        {
            rep_title = None;
        }
    }

    if !is_member && !is_admin && rep_title.is_none() {
        tx.prepare_cached(
            "DELETE FROM ym_member_group WHERE client_id = ?1 AND member_id = ?2 AND group_id = ?3",
        )?
        .execute(params![client_id, member_id, group_id])?;
    } else {
        tx.prepare_cached(
            "INSERT INTO ym_member_group (client_id, member_id, group_id, is_member, is_primary, \
             status, is_admin, rep_title) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) \
             ON CONFLICT (client_id, member_id, group_id) DO UPDATE SET \
             is_member = excluded.is_member, is_primary = excluded.is_primary, \
             status = excluded.status, is_admin = excluded.is_admin, rep_title = excluded.rep_title",
        )?
        .execute(params![
            client_id, member_id, group_id, is_member, is_primary, status, is_admin, rep_title
        ])?;
    }
    Ok(())
}

/// A name as SQLite's `COLLATE NOCASE` orders it (ASCII letters folded to lower case).
fn nocase(s: &str) -> impl Iterator<Item = u8> + '_ {
    s.bytes().map(|b| b.to_ascii_lowercase())
}
