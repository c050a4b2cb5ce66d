//! YourMembership clients in and out of the store: applying the seed section, dumping it back.

use std::collections::HashMap;

use rusqlite::{params, Connection, OptionalExtension};

use crate::seed::{Client, GroupSettings, GroupType, Member, MemberGroup, YmGroup};

use super::insert_rows;

/// Drop the stored client with this id and everything of it (table by table, as
/// `luminate::delete_site`).
pub(crate) fn delete_client(conn: &Connection, client_id: i64) -> rusqlite::Result<()> {
    for table in [
        "ym_member_group",
        "ym_member",
        "ym_rep_title",
        "ym_group",
        "ym_group_type",
        "ym_session",
        "ym_client",
    ] {
        conn.prepare_cached(&format!("DELETE FROM {table} WHERE client_id = ?1"))?
            .execute([client_id])?;
    }
    Ok(())
}

/// The client's own row, group types, groups and representative titles.
pub(crate) fn insert_client(conn: &Connection, c: &Client) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO ym_client (client_id, api_key, api_password) VALUES (?1, ?2, ?3)",
    )?
    .execute(params![c.client_id, c.api_key, c.api_password])?;
    insert_rows(
        conn,
        "INSERT INTO ym_group_type (client_id, id, name, sort_index)",
        &c.client_id,
        3,
        &c.group_types,
        |stmt, at, t| {
            stmt.raw_bind_parameter(at, t.id)?;
            stmt.raw_bind_parameter(at + 1, &t.name)?;
            stmt.raw_bind_parameter(at + 2, t.sort_index)
        },
    )?;
    insert_rows(
        conn,
        "INSERT INTO ym_group (client_id, id, code, name, type_id, join_option, active, hidden, \
         accessibility, membership, messaging, send_newsletter, enable_feed, \
         admin_can_export_members, photo_approval, email_options_admin, email_options_member, \
         short_description, welcome_content)",
        &c.client_id,
        18,
        &c.groups,
        |stmt, at, g| {
            let s = &g.settings;
            stmt.raw_bind_parameter(at, g.id)?;
            stmt.raw_bind_parameter(at + 1, &g.code)?;
            stmt.raw_bind_parameter(at + 2, &g.name)?;
            stmt.raw_bind_parameter(at + 3, g.type_id)?;
            stmt.raw_bind_parameter(at + 4, &g.join_option)?;
            stmt.raw_bind_parameter(at + 5, s.active)?;
            stmt.raw_bind_parameter(at + 6, s.hidden)?;
            stmt.raw_bind_parameter(at + 7, s.accessibility)?;
            stmt.raw_bind_parameter(at + 8, s.membership)?;
            stmt.raw_bind_parameter(at + 9, s.messaging)?;
            stmt.raw_bind_parameter(at + 10, s.send_newsletter)?;
            stmt.raw_bind_parameter(at + 11, s.enable_feed)?;
            stmt.raw_bind_parameter(at + 12, s.admin_can_export_members)?;
            stmt.raw_bind_parameter(at + 13, s.photo_approval)?;
            stmt.raw_bind_parameter(at + 14, s.email_options_admin)?;
            stmt.raw_bind_parameter(at + 15, s.email_options_member)?;
            stmt.raw_bind_parameter(at + 16, &s.short_description)?;
            stmt.raw_bind_parameter(at + 17, &s.welcome_content)
        },
    )?;
    let mut insert_title = conn
        .prepare_cached("INSERT OR IGNORE INTO ym_rep_title (client_id, title) VALUES (?1, ?2)")?;
    for t in &c.rep_titles {
        insert_title.execute(params![c.client_id, t])?;
    }
    Ok(())
}

/// A batch of the client's members and their group relationships (`group_ids`: the client's
/// group ids by code in lower case).
pub(crate) fn insert_members(
    conn: &Connection,
    client_id: i64,
    group_ids: &HashMap<String, i64>,
    members: &[Member],
) -> rusqlite::Result<()> {
    insert_rows(
        conn,
        "INSERT INTO ym_member (client_id, member_id, username, password, email, first_name, \
         last_name, status)",
        &client_id,
        7,
        members,
        |stmt, at, m| {
            stmt.raw_bind_parameter(at, m.member_id)?;
            stmt.raw_bind_parameter(at + 1, &m.username)?;
            stmt.raw_bind_parameter(at + 2, &m.password)?;
            stmt.raw_bind_parameter(at + 3, &m.email)?;
            stmt.raw_bind_parameter(at + 4, &m.first_name)?;
            stmt.raw_bind_parameter(at + 5, &m.last_name)?;
            stmt.raw_bind_parameter(at + 6, m.status)
        },
    )?;
    let relationships: Vec<(i64, i64, &MemberGroup)> = members
        .iter()
        .flat_map(|m| {
            m.groups.iter().filter_map(|g| {
                group_ids
                    .get(&g.code.to_lowercase())
                    .map(|id| (m.member_id, *id, g))
            })
        })
        .collect();
    insert_rows(
        conn,
        "INSERT INTO ym_member_group (client_id, member_id, group_id, is_member, is_primary, \
         status, is_admin, rep_title)",
        &client_id,
        7,
        &relationships,
        |stmt, at, (member_id, group_id, g)| {
            stmt.raw_bind_parameter(at, member_id)?;
            stmt.raw_bind_parameter(at + 1, group_id)?;
            stmt.raw_bind_parameter(at + 2, g.member)?;
            stmt.raw_bind_parameter(at + 3, g.primary)?;
            stmt.raw_bind_parameter(at + 4, g.status)?;
            stmt.raw_bind_parameter(at + 5, g.admin)?;
            stmt.raw_bind_parameter(at + 6, &g.rep_title)
        },
    )?;
    let mut insert_title = conn
        .prepare_cached("INSERT OR IGNORE INTO ym_rep_title (client_id, title) VALUES (?1, ?2)")?;
    for (_, _, g) in &relationships {
        if let Some(t) = &g.rep_title {
            insert_title.execute(params![client_id, t])?;
        }
    }
    Ok(())
}

/// Every client's id, in the order a state document lists them.
pub(crate) fn client_ids(conn: &Connection) -> rusqlite::Result<Vec<i64>> {
    conn.prepare_cached("SELECT client_id FROM ym_client ORDER BY client_id")?
        .query_map([], |r| r.get(0))?
        .collect()
}

/// A client's own fields, group types, groups and titles (its members come by
/// [`members_after`]).
pub(crate) fn client(conn: &Connection, client_id: i64) -> rusqlite::Result<Option<Client>> {
    let client = conn
        .prepare_cached("SELECT api_key, api_password FROM ym_client WHERE client_id = ?1")?
        .query_row([client_id], |r| {
            Ok(Client {
                client_id,
                api_key: r.get(0)?,
                api_password: r.get(1)?,
                group_types: Vec::new(),
                groups: Vec::new(),
                rep_titles: Vec::new(),
                generate: None,
                members: Vec::new(),
            })
        })
        .optional()?;
    let Some(mut client) = client else {
        return Ok(None);
    };
    client.group_types = conn
        .prepare_cached(
            "SELECT id, name, sort_index FROM ym_group_type WHERE client_id = ?1 ORDER BY id",
        )?
        .query_map([client_id], |r| {
            Ok(GroupType {
                id: r.get(0)?,
                name: r.get(1)?,
                sort_index: r.get(2)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    client.groups = conn
        .prepare_cached(
            "SELECT id, code, name, type_id, join_option, active, hidden, accessibility, \
             membership, messaging, send_newsletter, enable_feed, admin_can_export_members, \
             photo_approval, email_options_admin, email_options_member, short_description, \
             welcome_content FROM ym_group WHERE client_id = ?1 ORDER BY id",
        )?
        .query_map([client_id], |r| {
            Ok(YmGroup {
                id: r.get(0)?,
                code: r.get(1)?,
                name: r.get(2)?,
                type_id: r.get(3)?,
                join_option: r.get(4)?,
                settings: GroupSettings {
                    active: r.get(5)?,
                    hidden: r.get(6)?,
                    accessibility: r.get(7)?,
                    membership: r.get(8)?,
                    messaging: r.get(9)?,
                    send_newsletter: r.get(10)?,
                    enable_feed: r.get(11)?,
                    admin_can_export_members: r.get(12)?,
                    photo_approval: r.get(13)?,
                    email_options_admin: r.get(14)?,
                    email_options_member: r.get(15)?,
                    short_description: r.get(16)?,
                    welcome_content: r.get(17)?,
                },
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    client.rep_titles = conn
        .prepare_cached("SELECT title FROM ym_rep_title WHERE client_id = ?1 ORDER BY title")?
        .query_map([client_id], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(Some(client))
}

/// Up to `limit` of the client's members after member id `after`, in member id order, with
/// their group relationships.
pub(crate) fn members_after(
    conn: &Connection,
    client_id: i64,
    after: i64,
    limit: usize,
) -> rusqlite::Result<Vec<Member>> {
    let mut members: Vec<Member> = conn
        .prepare_cached(
            "SELECT member_id, username, password, email, first_name, last_name, status \
             FROM ym_member WHERE client_id = ?1 AND member_id > ?2 ORDER BY member_id LIMIT ?3",
        )?
        .query_map(params![client_id, after, limit as i64], |r| {
            Ok(Member {
                member_id: r.get(0)?,
                username: r.get(1)?,
                password: r.get(2)?,
                email: r.get(3)?,
                first_name: r.get(4)?,
                last_name: r.get(5)?,
                status: r.get(6)?,
                groups: Vec::new(),
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    let (Some(first), Some(last)) = (members.first(), members.last()) else {
        return Ok(members);
    };
    let (first, last) = (first.member_id, last.member_id);
    let mut stmt = conn.prepare_cached(
        "SELECT r.member_id, g.code, r.is_member, r.is_primary, r.status, r.is_admin, \
         r.rep_title FROM ym_member_group r \
         JOIN ym_group g ON g.client_id = r.client_id AND g.id = r.group_id \
         WHERE r.client_id = ?1 AND r.member_id >= ?2 AND r.member_id <= ?3 \
         ORDER BY r.member_id, g.id",
    )?;
    let mut rows = stmt.query(params![client_id, first, last])?;
    let mut at = 0;
    while let Some(row) = rows.next()? {
        let member_id: i64 = row.get(0)?;
        if let Some(m) = super::person_at(&mut members, &mut at, member_id, |m| m.member_id) {
            m.groups.push(MemberGroup {
                code: row.get(1)?,
                member: row.get(2)?,
                primary: row.get(3)?,
                status: row.get(4)?,
                admin: row.get(5)?,
                rep_title: row.get(6)?,
            });
        }
    }
    Ok(members)
}
