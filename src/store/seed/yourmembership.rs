//! YourMembership clients in and out of the store: applying the seed section, dumping it back.

use rusqlite::{params, Connection, Transaction};

use crate::seed::{
    Client, GroupSettings, GroupType, Member, MemberGroup, YmGroup, YourMembershipSeed,
};

use super::ApplyError;

/// Replace each client of the document whole (tenant-level replace, see `crate::seed`).
pub fn apply_seed(tx: &Transaction<'_>, ym: &YourMembershipSeed) -> Result<(), ApplyError> {
    for c in &ym.clients {
        tx.execute("DELETE FROM ym_client WHERE client_id = ?1", [c.client_id])?;
        tx.execute(
            "INSERT INTO ym_client (client_id, api_key, api_password) VALUES (?1, ?2, ?3)",
            params![c.client_id, c.api_key, c.api_password],
        )?;
        let mut insert_type = tx.prepare_cached(
            "INSERT INTO ym_group_type (client_id, id, name, sort_index) VALUES (?1, ?2, ?3, ?4)",
        )?;
        for t in &c.group_types {
            insert_type.execute(params![c.client_id, t.id, t.name, t.sort_index])?;
        }
        let mut insert_group = tx.prepare_cached(
            "INSERT INTO ym_group (client_id, id, code, name, type_id, join_option, active, \
             hidden, accessibility, membership, messaging, send_newsletter, enable_feed, \
             admin_can_export_members, photo_approval, email_options_admin, \
             email_options_member, short_description, welcome_content) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, \
             ?18, ?19)",
        )?;
        for g in &c.groups {
            let s = &g.settings;
            insert_group.execute(params![
                c.client_id,
                g.id,
                g.code,
                g.name,
                g.type_id,
                g.join_option,
                s.active,
                s.hidden,
                s.accessibility,
                s.membership,
                s.messaging,
                s.send_newsletter,
                s.enable_feed,
                s.admin_can_export_members,
                s.photo_approval,
                s.email_options_admin,
                s.email_options_member,
                s.short_description,
                s.welcome_content
            ])?;
        }
        let mut insert_title = tx.prepare_cached(
            "INSERT OR IGNORE INTO ym_rep_title (client_id, title) VALUES (?1, ?2)",
        )?;
        for t in &c.rep_titles {
            insert_title.execute(params![c.client_id, t])?;
        }
        let mut insert_member = tx.prepare_cached(
            "INSERT INTO ym_member (client_id, member_id, username, password, email, first_name, \
             last_name, status) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        )?;
        let mut insert_relationship = tx.prepare_cached(
            "INSERT INTO ym_member_group (client_id, member_id, group_id, is_member, is_primary, \
             status, is_admin, rep_title) \
             SELECT ?1, ?2, id, ?4, ?5, ?6, ?7, ?8 FROM ym_group WHERE client_id = ?1 AND code = ?3",
        )?;
        for m in &c.members {
            insert_member.execute(params![
                c.client_id,
                m.member_id,
                m.username,
                m.password,
                m.email,
                m.first_name,
                m.last_name,
                m.status
            ])?;
            for g in &m.groups {
                insert_relationship.execute(params![
                    c.client_id,
                    m.member_id,
                    g.code,
                    g.member,
                    g.primary,
                    g.status,
                    g.admin,
                    g.rep_title
                ])?;
                if let Some(t) = &g.rep_title {
                    insert_title.execute(params![c.client_id, t])?;
                }
            }
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
                members: Vec::new(),
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    let mut types_stmt = conn.prepare(
        "SELECT id, name, sort_index FROM ym_group_type WHERE client_id = ?1 ORDER BY id",
    )?;
    let mut groups_stmt = conn.prepare(
        "SELECT id, code, name, type_id, join_option, active, hidden, accessibility, membership, \
         messaging, send_newsletter, enable_feed, admin_can_export_members, photo_approval, \
         email_options_admin, email_options_member, short_description, welcome_content \
         FROM ym_group WHERE client_id = ?1 ORDER BY id",
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
