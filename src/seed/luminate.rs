//! Luminate Online in the seed document: sites (tenants), their groups and constituents, and
//! the checks serde cannot express.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use super::{err, non_empty, unique, SeedError};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LuminateSeed {
    #[serde(default)]
    pub sites: Vec<Site>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Site {
    pub org: String,
    /// The site that `/site/{Servlet}` (no org segment) addresses.
    #[serde(default)]
    pub default: bool,
    pub api_key: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secondary_api_key: Option<String>,
    /// Key for `sign_redirects` digests.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_key: Option<String>,
    /// Allowed caller addresses (CIDR or single address); empty allows every caller.
    #[serde(default)]
    pub ip_filter: Vec<String>,
    /// What a constituent's own session gets when it names someone else (luminate.md §4).
    #[serde(default)]
    pub other_cons_lookup: OtherConsLookup,
    /// Content type of JSON answers; `text/plain` reproduces what the live server has sent.
    #[serde(default)]
    pub json_content_type: JsonContentType,
    /// Digest of `sign_redirects`.
    #[serde(default)]
    pub redirect_digest: RedirectDigest,
    /// The site's "Allow JavaScript/Flash API from these domains": browser pages on these
    /// domains may call the client servlets across origins (CORS). Entries as Luminate takes
    /// them: `www.example.org`, `*.example.org`, `localhost:8081` (a port when the page has
    /// one); empty allows no other origin.
    #[serde(default)]
    pub cors_domains: Vec<String>,
    #[serde(default)]
    pub groups: Vec<LuminateGroup>,
    #[serde(default)]
    pub constituents: Vec<Constituent>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OtherConsLookup {
    /// Code 14 (the current vendor page).
    #[default]
    Refuse,
    /// The parameters are silently ignored (an older vendor page).
    Ignore,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum JsonContentType {
    #[default]
    #[serde(rename = "application/json")]
    ApplicationJson,
    #[serde(rename = "text/plain")]
    TextPlain,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RedirectDigest {
    #[default]
    Md5,
    Sha1,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LuminateGroup {
    /// Ids below 1000 are Luminate's built-in groups.
    pub id: i64,
    /// The group's name (`label` in `getUserGroups`, `name` in the Group API).
    pub label: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_type: Option<LuminateGroupType>,
}

/// A group's type (`groupType` in the Group API).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LuminateGroupType {
    pub id: i64,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Constituent {
    pub cons_id: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub member_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary_email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    /// Member of the site's API Administrators group.
    #[serde(default)]
    pub api_admin: bool,
    /// An administrator with Group Management rights (the Group API); absent: the same as
    /// `api_admin`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_management: Option<bool>,
    /// Ids of the site's groups this constituent belongs to.
    #[serde(default)]
    pub groups: Vec<i64>,
}

/// Reference and uniqueness checks of the luminate section.
pub(crate) fn validate(lum: &LuminateSeed) -> Result<(), SeedError> {
    let mut orgs = HashSet::new();
    let mut defaults = 0;
    for (si, site) in lum.sites.iter().enumerate() {
        let p = format!("luminate.sites[{si}]");
        non_empty(&format!("{p}.org"), &site.org)?;
        if !site
            .org
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.')
        {
            return Err(err(
                format!("{p}.org"),
                "must be a URL path segment (letters, digits, - _ .)",
            ));
        }
        unique(&mut orgs, site.org.as_str(), || format!("{p}.org"), "org")?;
        if site.default {
            defaults += 1;
            if defaults > 1 {
                return Err(err(format!("{p}.default"), "only one site can be default"));
            }
        }
        non_empty(&format!("{p}.api_key"), &site.api_key)?;
        for (i, cidr) in site.ip_filter.iter().enumerate() {
            parse_ip_filter(cidr).map_err(|m| err(format!("{p}.ip_filter[{i}]"), m))?;
        }
        for (i, domain) in site.cors_domains.iter().enumerate() {
            check_cors_domain(domain).map_err(|m| err(format!("{p}.cors_domains[{i}]"), m))?;
        }
        let mut group_ids = HashSet::new();
        for (gi, g) in site.groups.iter().enumerate() {
            if g.id <= 0 {
                return Err(err(format!("{p}.groups[{gi}].id"), "must be positive"));
            }
            unique(
                &mut group_ids,
                g.id,
                || format!("{p}.groups[{gi}].id"),
                "group id",
            )?;
        }
        let mut cons_ids = HashSet::new();
        let mut user_names = HashSet::new();
        for (ci, c) in site.constituents.iter().enumerate() {
            let cp = format!("{p}.constituents[{ci}]");
            if c.cons_id <= 0 {
                return Err(err(format!("{cp}.cons_id"), "must be positive"));
            }
            unique(
                &mut cons_ids,
                c.cons_id,
                || format!("{cp}.cons_id"),
                "cons_id",
            )?;
            if let Some(name) = &c.user_name {
                unique(
                    &mut user_names,
                    name.to_lowercase(),
                    || format!("{cp}.user_name"),
                    "user_name",
                )?;
            }
            let mut mine = HashSet::new();
            for (gi, gid) in c.groups.iter().enumerate() {
                let gp = format!("{cp}.groups[{gi}]");
                if !group_ids.contains(gid) {
                    return Err(err(gp, format!("no group {gid} in this site")));
                }
                unique(&mut mine, *gid, || gp.clone(), "group")?;
            }
        }
    }
    Ok(())
}

/// One `cors_domains` entry: a host name or address, optionally `*.`-prefixed, optionally with
/// a port; not a URL.
pub fn check_cors_domain(entry: &str) -> Result<(), String> {
    if entry.contains("://") || entry.contains('/') {
        return Err(format!(
            "`{entry}` is a URL; give the domain as Luminate takes it (www.example.org, \
             *.example.org, localhost:8081)"
        ));
    }
    let host = entry.strip_prefix("*.").unwrap_or(entry);
    let ok = !host.is_empty()
        && host.len() <= 255
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-.:[]_".contains(c))
        && !host.starts_with('.')
        && !host.ends_with('.')
        && !host.contains("..");
    if ok {
        Ok(())
    } else {
        Err(format!(
            "`{entry}` is not a domain (www.example.org, *.example.org, localhost:8081)"
        ))
    }
}

/// Parse one `ip_filter` entry: a CIDR block or a single address.
pub fn parse_ip_filter(entry: &str) -> Result<ipnet::IpNet, String> {
    if let Ok(net) = entry.parse::<ipnet::IpNet>() {
        return Ok(net);
    }
    entry
        .parse::<std::net::IpAddr>()
        .map(ipnet::IpNet::from)
        .map_err(|_| format!("`{entry}` is not a CIDR block or IP address"))
}
