//! YourMembership clients in and out of the store: applying the seed section, dumping it back.

use std::collections::HashMap;

use rusqlite::{params, Connection};

use crate::seed::{Client, GroupType, Member, MemberGroup, YmGroup, YourMembershipSeed};

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
        "INSERT INTO ym_group (client_id, id, code, name, type_id, join_option)",
        &c.client_id,
        5,
        &c.groups,
        |stmt, at, g| {
            stmt.raw_bind_parameter(at, g.id)?;
            stmt.raw_bind_parameter(at + 1, &g.code)?;
            stmt.raw_bind_parameter(at + 2, &g.name)?;
            stmt.raw_bind_parameter(at + 3, g.type_id)?;
            stmt.raw_bind_parameter(at + 4, &g.join_option)
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

pub fn dump_seed(conn: &Connection) -> rusqlite::Result<YourMembershipSeed> {
    let mut clients_stmt =
        conn.prepare("SELECT client_id, api_key, api_password FROM ym_client ORDER BY client_id")?;
    let mut clients: Vec<Client> = clients_stmt
        .query_map([], |r| {
            Ok(Client {
                client_id: r.get(0)?,
                api_key: r.get(1)?,
                api_password: r.get(2)?,
                group_types: Vec::new(),
                groups: Vec::new(),
                rep_titles: Vec::new(),
                generate: None,
                members: Vec::new(),
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    let mut types_stmt = conn.prepare(
        "SELECT id, name, sort_index FROM ym_group_type WHERE client_id = ?1 ORDER BY id",
    )?;
    let mut groups_stmt = conn.prepare(
        "SELECT id, code, name, type_id, join_option FROM ym_group WHERE client_id = ?1 ORDER BY id",
    )?;
    let mut titles_stmt =
        conn.prepare("SELECT title FROM ym_rep_title WHERE client_id = ?1 ORDER BY title")?;
    let mut members_stmt = conn.prepare(
        "SELECT member_id, username, password, email, first_name, last_name, status FROM ym_member \
         WHERE client_id = ?1 ORDER BY member_id",
    )?;
    let mut relationships_stmt = conn.prepare(
        "SELECT g.code, r.is_member, r.is_primary, r.status, r.is_admin, r.rep_title \
         FROM ym_member_group r JOIN ym_group g ON g.client_id = r.client_id AND g.id = r.group_id \
         WHERE r.client_id = ?1 AND r.member_id = ?2 ORDER BY g.id",
    )?;
    for c in &mut clients {
        c.group_types = types_stmt
            .query_map([c.client_id], |r| {
                Ok(GroupType {
                    id: r.get(0)?,
                    name: r.get(1)?,
                    sort_index: r.get(2)?,
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        c.groups = groups_stmt
            .query_map([c.client_id], |r| {
                Ok(YmGroup {
                    id: r.get(0)?,
                    code: r.get(1)?,
                    name: r.get(2)?,
                    type_id: r.get(3)?,
                    join_option: r.get(4)?,
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        c.rep_titles = titles_stmt
            .query_map([c.client_id], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        let mut members: Vec<Member> = members_stmt
            .query_map([c.client_id], |r| {
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
        for m in &mut members {
            m.groups = relationships_stmt
                .query_map(params![c.client_id, m.member_id], |r| {
                    Ok(MemberGroup {
                        code: r.get(0)?,
                        member: r.get(1)?,
                        primary: r.get(2)?,
                        status: r.get(3)?,
                        admin: r.get(4)?,
                        rep_title: r.get(5)?,
                    })
                })?
                .collect::<rusqlite::Result<_>>()?;
        }
        c.members = members;
    }
    Ok(YourMembershipSeed { clients })
}
