//! Luminate Online sites in and out of the store: applying the seed section, dumping it back.

use rusqlite::{params, Connection, Transaction};

use crate::seed::{Constituent, LuminateGroup, LuminateGroupType, LuminateSeed, Site};

use super::ApplyError;

/// Replace each site of the document whole (tenant-level replace, see `crate::seed`).
pub fn apply_seed(tx: &Transaction<'_>, lum: &LuminateSeed) -> Result<(), ApplyError> {
    for site in &lum.sites {
        tx.execute("DELETE FROM lum_site WHERE org = ?1", [&site.org])?;
        if site.default {
            tx.execute(
                "UPDATE lum_site SET is_default = 0 WHERE is_default = 1",
                [],
            )?;
        }
        tx.execute(
            "INSERT INTO lum_site (org, is_default, api_key, secondary_api_key, secret_key, \
             ip_filter, other_cons_lookup, json_content_type, redirect_digest, cors_domains) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            params![
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
            ],
        )?;
        let mut insert_group = tx.prepare_cached(
            "INSERT INTO lum_group (org, id, label, description, type_id, type_name) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?;
        for g in &site.groups {
            insert_group.execute(params![
                site.org,
                g.id,
                g.label,
                g.description,
                g.group_type.as_ref().map(|t| t.id),
                g.group_type.as_ref().map(|t| t.name.as_str()),
            ])?;
        }
        let mut insert_cons = tx.prepare_cached(
            "INSERT INTO lum_cons (org, cons_id, member_id, primary_email, user_name, password, \
             first_name, last_name, api_admin, group_management) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        )?;
        let mut insert_membership = tx.prepare_cached(
            "INSERT INTO lum_cons_group (org, cons_id, group_id) VALUES (?1, ?2, ?3)",
        )?;
        for c in &site.constituents {
            insert_cons.execute(params![
                site.org,
                c.cons_id,
                c.member_id,
                c.primary_email,
                c.user_name,
                c.password,
                c.first_name,
                c.last_name,
                c.api_admin,
                c.group_management,
            ])?;
            for gid in &c.groups {
                insert_membership.execute(params![site.org, c.cons_id, gid])?;
            }
        }
    }
    Ok(())
}

pub fn dump_seed(conn: &Connection) -> rusqlite::Result<LuminateSeed> {
    let mut sites_stmt = conn.prepare(
        "SELECT org, is_default, api_key, secondary_api_key, secret_key, ip_filter, \
         other_cons_lookup, json_content_type, redirect_digest, cors_domains FROM lum_site \
         ORDER BY org",
    )?;
    let mut sites: Vec<Site> = sites_stmt
        .query_map([], |r| {
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
                constituents: Vec::new(),
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    let mut groups_stmt = conn.prepare(
        "SELECT id, label, description, type_id, type_name FROM lum_group WHERE org = ?1 \
         ORDER BY id",
    )?;
    let mut cons_stmt = conn.prepare(
        "SELECT cons_id, member_id, primary_email, user_name, password, first_name, last_name, \
         api_admin, group_management FROM lum_cons WHERE org = ?1 ORDER BY cons_id",
    )?;
    let mut memberships_stmt = conn.prepare(
        "SELECT group_id FROM lum_cons_group WHERE org = ?1 AND cons_id = ?2 ORDER BY group_id",
    )?;
    for site in &mut sites {
        site.groups = groups_stmt
            .query_map([&site.org], |r| {
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
        let mut constituents: Vec<Constituent> = cons_stmt
            .query_map([&site.org], |r| {
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
        for c in &mut constituents {
            c.groups = memberships_stmt
                .query_map(params![site.org, c.cons_id], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
        }
        site.constituents = constituents;
    }
    Ok(LuminateSeed { sites })
}
