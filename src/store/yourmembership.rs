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

/// **\[choice\]** How long an expired session is remembered, so that using it is answered as a
/// timeout rather than as an unknown session: a day.
pub const SESSION_MEMORY_MS: i64 = 24 * 60 * 60 * 1000;

/// Store a new session, dropping sessions expired more than [`SESSION_MEMORY_MS`] ago so the
/// table stays small.
pub fn insert_session(
    tx: &Connection,
    session_id: &str,
    s: &Session,
    now_ms: i64,
) -> rusqlite::Result<()> {
    tx.prepare_cached("DELETE FROM ym_session WHERE expires_at <= ?1")?
        .execute([now_ms - SESSION_MEMORY_MS])?;
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
#[derive(Debug, Clone, PartialEq)]
pub struct GroupRow {
    pub type_id: i64,
    pub type_name: String,
    pub sort_index: f64,
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
            a.sort_index
                .total_cmp(&b.sort_index)
                .then(a.type_id.cmp(&b.type_id))
                .then_with(|| nocase(&a.name).cmp(nocase(&b.name)))
                .then(a.group_id.cmp(&b.group_id))
        });
        rows
    })
}

/// A group type and one of its groups (`None` for a type without groups).
#[derive(Debug, Clone, PartialEq)]
pub struct CatalogueRow {
    pub type_id: i64,
    pub type_name: String,
    pub sort_index: f64,
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

/// A group's catalogue entry as `POST`/`PUT /Ams/{ClientID}/Groups` write it: `None` leaves a
/// field as it is (on create: unset).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GroupWrite {
    pub code: Option<String>,
    pub name: Option<String>,
    pub type_id: Option<i64>,
    pub settings: crate::seed::GroupSettings,
}

pub fn group_type_exists(
    conn: &Connection,
    client_id: i64,
    type_id: i64,
) -> rusqlite::Result<bool> {
    conn.prepare_cached("SELECT 1 FROM ym_group_type WHERE client_id = ?1 AND id = ?2")?
        .exists(params![client_id, type_id])
}

/// Whether another group of the client (not `except`) has this code (in any case).
pub fn group_code_taken(
    conn: &Connection,
    client_id: i64,
    code: &str,
    except: Option<i64>,
) -> rusqlite::Result<bool> {
    conn.prepare_cached(
        "SELECT 1 FROM ym_group WHERE client_id = ?1 AND code = ?2 AND id IS NOT ?3",
    )?
    .exists(params![client_id, code, except])
}

/// What [`insert_group`] and [`update_group`] bind, as their `?1` to `?18`.
fn group_values<'a>(
    client_id: &'a i64,
    id: &'a i64,
    g: &'a GroupWrite,
) -> [&'a dyn rusqlite::ToSql; 18] {
    let s = &g.settings;
    [
        client_id,
        id,
        &g.code,
        &g.name,
        &g.type_id,
        &s.active,
        &s.hidden,
        &s.accessibility,
        &s.membership,
        &s.messaging,
        &s.send_newsletter,
        &s.enable_feed,
        &s.admin_can_export_members,
        &s.photo_approval,
        &s.email_options_admin,
        &s.email_options_member,
        &s.short_description,
        &s.welcome_content,
    ]
}

/// Add a group with the next free id of the client; returns the id.
pub fn insert_group(conn: &Connection, client_id: i64, g: &GroupWrite) -> rusqlite::Result<i64> {
    let id: i64 = conn
        .prepare_cached("SELECT coalesce(max(id), 0) + 1 FROM ym_group WHERE client_id = ?1")?
        .query_row([client_id], |r| r.get(0))?;
    conn.prepare_cached(
        "INSERT INTO ym_group (client_id, id, code, name, type_id, active, hidden, accessibility, \
         membership, messaging, send_newsletter, enable_feed, admin_can_export_members, \
         photo_approval, email_options_admin, email_options_member, short_description, \
         welcome_content) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)",
    )?
    .execute(group_values(&client_id, &id, g).as_slice())?;
    Ok(id)
}

/// Change the fields `g` gives of group `id`; false when the client has no such group.
pub fn update_group(
    conn: &Connection,
    client_id: i64,
    id: i64,
    g: &GroupWrite,
) -> rusqlite::Result<bool> {
    let changed = conn
        .prepare_cached(
            "UPDATE ym_group SET code = coalesce(?3, code), name = coalesce(?4, name), \
             type_id = coalesce(?5, type_id), active = coalesce(?6, active), \
             hidden = coalesce(?7, hidden), accessibility = coalesce(?8, accessibility), \
             membership = coalesce(?9, membership), messaging = coalesce(?10, messaging), \
             send_newsletter = coalesce(?11, send_newsletter), \
             enable_feed = coalesce(?12, enable_feed), \
             admin_can_export_members = coalesce(?13, admin_can_export_members), \
             photo_approval = coalesce(?14, photo_approval), \
             email_options_admin = coalesce(?15, email_options_admin), \
             email_options_member = coalesce(?16, email_options_member), \
             short_description = coalesce(?17, short_description), \
             welcome_content = coalesce(?18, welcome_content) \
             WHERE client_id = ?1 AND id = ?2",
        )?
        .execute(group_values(&client_id, &id, g).as_slice())?;
    Ok(changed > 0)
}

/// A name as SQLite's `COLLATE NOCASE` orders it (ASCII letters folded to lower case).
fn nocase(s: &str) -> impl Iterator<Item = u8> + '_ {
    s.bytes().map(|b| b.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use rusqlite::Connection;

    /// The migration that makes `SortIndex` a double keeps every stored whole number.
    #[test]
    fn the_sort_index_migration_keeps_existing_integers() {
        let conn = Connection::open_in_memory().unwrap();
        let before = super::super::MIGRATIONS
            .iter()
            .position(|m| m.sql.contains("sort_index_real"))
            .expect("the SortIndex migration");
        for m in &super::super::MIGRATIONS[..before] {
            conn.execute_batch(m.sql).unwrap();
        }
        conn.pragma_update(None, "user_version", before).unwrap();
        conn.execute_batch(
            "INSERT INTO ym_client VALUES (1, 'k', 'p');
             INSERT INTO ym_group_type (client_id, id, name, sort_index) VALUES (1, 1, 'A', 3), (1, 2, 'B', 0);
             INSERT INTO ym_group (client_id, id, code, name, type_id) VALUES (1, 10, 'X', 'X', 1);",
        )
        .unwrap();
        super::super::migrate(&conn, std::path::Path::new(":memory:")).unwrap();
        let rows: Vec<(i64, f64, String)> = conn
            .prepare("SELECT id, sort_index, typeof(sort_index) FROM ym_group_type ORDER BY id")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert_eq!(rows, [(1, 3.0, "real".into()), (2, 0.0, "real".into())]);
        // The group survived, and a fractional index is kept as such.
        let groups: i64 = conn
            .query_row("SELECT count(*) FROM ym_group", [], |r| r.get(0))
            .unwrap();
        assert_eq!(groups, 1);
        conn.execute("UPDATE ym_group_type SET sort_index = 1.5 WHERE id = 2", [])
            .unwrap();
        let v: f64 = conn
            .query_row(
                "SELECT sort_index FROM ym_group_type WHERE id = 2",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(v, 1.5);
    }
}
