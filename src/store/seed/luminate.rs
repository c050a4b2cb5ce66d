//! Luminate Online sites in and out of the store: applying the seed section, dumping it back.

use rusqlite::{params, Connection, OptionalExtension};

use crate::seed::{Constituent, LuminateGroup, LuminateGroupType, Site};

use super::insert_rows;

/// Drop the stored site with this org and everything of it (explicitly, table by table, so it
/// also works while foreign keys are off for a bulk load).
pub(crate) fn delete_site(conn: &Connection, org: &str) -> rusqlite::Result<()> {
    for table in [
        "lum_cons_group",
        "lum_cons",
        "lum_group",
        "lum_session",
        "lum_site",
    ] {
        conn.prepare_cached(&format!("DELETE FROM {table} WHERE org = ?1"))?
            .execute([org])?;
    }
    Ok(())
}

/// The site's own row and its groups (a default site takes the mark from any other).
pub(crate) fn insert_site(conn: &Connection, site: &Site) -> rusqlite::Result<()> {
    if site.default {
        conn.prepare_cached("UPDATE lum_site SET is_default = 0 WHERE is_default = 1")?
            .execute([])?;
    }
    conn.prepare_cached(
        "INSERT INTO lum_site (org, is_default, api_key, secondary_api_key, secret_key, \
         ip_filter, other_cons_lookup, json_content_type, redirect_digest, cors_domains) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )?
    .execute(params![
        site.org,
        site.default,
        site.api_key,
        site.secondary_api_key,
        site.secret_key,
        serde_json::to_string(&site.ip_filter).unwrap_or_else(|_| "[]".into()),
        site.other_cons_lookup,
        site.json_content_type,
        site.redirect_digest,
        serde_json::to_string(&site.cors_domains).unwrap_or_else(|_| "[]".into()),
    ])?;
    insert_rows(
        conn,
        "INSERT INTO lum_group (org, id, label, description, type_id, type_name)",
        &site.org,
        5,
        &site.groups,
        |stmt, at, g| {
            stmt.raw_bind_parameter(at, g.id)?;
            stmt.raw_bind_parameter(at + 1, &g.label)?;
            stmt.raw_bind_parameter(at + 2, &g.description)?;
            stmt.raw_bind_parameter(at + 3, g.group_type.as_ref().map(|t| t.id))?;
            stmt.raw_bind_parameter(at + 4, g.group_type.as_ref().map(|t| t.name.as_str()))
        },
    )
}

/// A batch of the site's constituents and their group memberships.
pub(crate) fn insert_constituents(
    conn: &Connection,
    org: &str,
    constituents: &[Constituent],
) -> rusqlite::Result<()> {
    insert_rows(
        conn,
        "INSERT INTO lum_cons (org, cons_id, member_id, primary_email, user_name, password, \
         first_name, last_name, api_admin, group_management)",
        &org,
        9,
        constituents,
        |stmt, at, c| {
            stmt.raw_bind_parameter(at, c.cons_id)?;
            stmt.raw_bind_parameter(at + 1, &c.member_id)?;
            stmt.raw_bind_parameter(at + 2, &c.primary_email)?;
            stmt.raw_bind_parameter(at + 3, &c.user_name)?;
            stmt.raw_bind_parameter(at + 4, &c.password)?;
            stmt.raw_bind_parameter(at + 5, &c.first_name)?;
            stmt.raw_bind_parameter(at + 6, &c.last_name)?;
            stmt.raw_bind_parameter(at + 7, c.api_admin)?;
            stmt.raw_bind_parameter(at + 8, c.group_management)
        },
    )?;
    let memberships: Vec<(i64, i64)> = constituents
        .iter()
        .flat_map(|c| c.groups.iter().map(|g| (c.cons_id, *g)))
        .collect();
    insert_rows(
        conn,
        "INSERT INTO lum_cons_group (org, cons_id, group_id)",
        &org,
        2,
        &memberships,
        |stmt, at, (cons_id, group_id)| {
            stmt.raw_bind_parameter(at, cons_id)?;
            stmt.raw_bind_parameter(at + 1, group_id)
        },
    )
}

/// Every site's org, in the order a state document lists them.
pub(crate) fn orgs(conn: &Connection) -> rusqlite::Result<Vec<String>> {
    conn.prepare_cached("SELECT org FROM lum_site ORDER BY org")?
        .query_map([], |r| r.get(0))?
        .collect()
}

/// A site's own fields and groups (its constituents come by [`constituents_after`]).
pub(crate) fn site(conn: &Connection, org: &str) -> rusqlite::Result<Option<Site>> {
    let site = conn
        .prepare_cached(
            "SELECT org, is_default, api_key, secondary_api_key, secret_key, ip_filter, \
             other_cons_lookup, json_content_type, redirect_digest, cors_domains FROM lum_site \
             WHERE org = ?1",
        )?
        .query_row([org], |r| {
            let ip_filter: String = r.get(5)?;
            let cors_domains: String = r.get(9)?;
            Ok(Site {
                org: r.get(0)?,
                default: r.get(1)?,
                api_key: r.get(2)?,
                secondary_api_key: r.get(3)?,
                secret_key: r.get(4)?,
                ip_filter: serde_json::from_str(&ip_filter).unwrap_or_default(),
                other_cons_lookup: r.get(6)?,
                json_content_type: r.get(7)?,
                redirect_digest: r.get(8)?,
                cors_domains: serde_json::from_str(&cors_domains).unwrap_or_default(),
                groups: Vec::new(),
                generate: None,
                constituents: Vec::new(),
            })
        })
        .optional()?;
    let Some(mut site) = site else {
        return Ok(None);
    };
    site.groups = conn
        .prepare_cached(
            "SELECT id, label, description, type_id, type_name FROM lum_group WHERE org = ?1 \
             ORDER BY id",
        )?
        .query_map([org], |r| {
            let type_id: Option<i64> = r.get(3)?;
            let type_name: Option<String> = r.get(4)?;
            Ok(LuminateGroup {
                id: r.get(0)?,
                label: r.get(1)?,
                description: r.get(2)?,
                group_type: type_id
                    .zip(type_name)
                    .map(|(id, name)| LuminateGroupType { id, name }),
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok(Some(site))
}

/// Up to `limit` of the site's constituents after cons_id `after`, in cons_id order, with
/// their groups.
pub(crate) fn constituents_after(
    conn: &Connection,
    org: &str,
    after: i64,
    limit: usize,
) -> rusqlite::Result<Vec<Constituent>> {
    let mut people: Vec<Constituent> = conn
        .prepare_cached(
            "SELECT cons_id, member_id, primary_email, user_name, password, first_name, \
             last_name, api_admin, group_management FROM lum_cons \
             WHERE org = ?1 AND cons_id > ?2 ORDER BY cons_id LIMIT ?3",
        )?
        .query_map(params![org, after, limit as i64], |r| {
            Ok(Constituent {
                cons_id: r.get(0)?,
                member_id: r.get(1)?,
                primary_email: r.get(2)?,
                user_name: r.get(3)?,
                password: r.get(4)?,
                first_name: r.get(5)?,
                last_name: r.get(6)?,
                api_admin: r.get(7)?,
                group_management: r.get(8)?,
                groups: Vec::new(),
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    let (Some(first), Some(last)) = (people.first(), people.last()) else {
        return Ok(people);
    };
    let (first, last) = (first.cons_id, last.cons_id);
    let mut stmt = conn.prepare_cached(
        "SELECT cons_id, group_id FROM lum_cons_group \
         WHERE org = ?1 AND cons_id >= ?2 AND cons_id <= ?3 ORDER BY cons_id, group_id",
    )?;
    let mut rows = stmt.query(params![org, first, last])?;
    let mut at = 0;
    while let Some(row) = rows.next()? {
        let cons_id: i64 = row.get(0)?;
        if let Some(c) = super::person_at(&mut people, &mut at, cons_id, |c| c.cons_id) {
            c.groups.push(row.get(1)?);
        }
    }
    Ok(people)
}
