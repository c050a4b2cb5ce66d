//! Luminate Online in the seed document: sites (tenants), their groups and constituents, the
//! checks serde cannot express, and the way a site goes to the store.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use super::generate::{self, Generate};
use super::{
    err, non_empty, person_err, unique, At, Batch, FastSet, NameSet, Names, Piece, SeedError, Sink,
    TenantFeed,
};

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
    /// Synthetic constituents to add after the declared ones (never in a state dump: they are
    /// constituents like any other once applied).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generate: Option<Generate>,
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
    let mut section = SectionCheck::default();
    for (si, site) in lum.sites.iter().enumerate() {
        section.site(si, site)?;
        let mut check = SiteCheck::new(si, Names::Exact);
        check.groups(&site.groups)?;
        for (ci, c) in site.constituents.iter().enumerate() {
            check.constituent(At::Declared(ci), c)?;
        }
        check.finish()?;
    }
    Ok(())
}

/// What must hold across the sites of one document.
#[derive(Debug, Default)]
pub(crate) struct SectionCheck {
    orgs: HashSet<String>,
    defaults: usize,
}

impl SectionCheck {
    /// A site's own fields (its groups and constituents are [`SiteCheck`]'s).
    pub(crate) fn site(&mut self, si: usize, site: &Site) -> Result<(), SeedError> {
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
        unique(
            &mut self.orgs,
            site.org.clone(),
            || format!("{p}.org"),
            "org",
        )?;
        if site.default {
            self.defaults += 1;
            if self.defaults > 1 {
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
        if let Some(g) = &site.generate {
            g.check(&format!("{p}.generate"))?;
        }
        Ok(())
    }
}

/// One site's groups and constituents, checked as they come: all at once from a parsed
/// document, or one by one from a stream (where constituents may come before the groups they
/// name; those references are checked when the groups arrive).
#[derive(Debug)]
pub(crate) struct SiteCheck {
    p: String,
    group_ids: Option<HashSet<i64>>,
    /// References made before the groups were known: (who, position in their list, group).
    pending: Vec<(At, usize, i64)>,
    cons_ids: FastSet<i64>,
    user_names: NameSet,
}

impl SiteCheck {
    pub(crate) fn new(si: usize, names: Names) -> SiteCheck {
        SiteCheck {
            p: format!("luminate.sites[{si}]"),
            group_ids: None,
            pending: Vec::new(),
            cons_ids: FastSet::default(),
            user_names: NameSet::new(names),
        }
    }

    pub(crate) fn groups(&mut self, groups: &[LuminateGroup]) -> Result<(), SeedError> {
        let p = &self.p;
        let mut group_ids = HashSet::with_capacity(groups.len());
        for (gi, g) in groups.iter().enumerate() {
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
        for (at, gi, gid) in std::mem::take(&mut self.pending) {
            if !group_ids.contains(&gid) {
                return Err(self.no_group(at, gi, gid));
            }
        }
        self.group_ids = Some(group_ids);
        Ok(())
    }

    fn no_group(&self, at: At, gi: usize, gid: i64) -> SeedError {
        person_err(
            &self.p,
            "constituents",
            at,
            &format!(".groups[{gi}]"),
            format!("no group {gid} in this site"),
        )
    }

    pub(crate) fn constituent(&mut self, at: At, c: &Constituent) -> Result<(), SeedError> {
        if c.cons_id <= 0 {
            return Err(person_err(
                &self.p,
                "constituents",
                at,
                ".cons_id",
                "must be positive",
            ));
        }
        if !self.cons_ids.insert(c.cons_id) {
            return Err(person_err(
                &self.p,
                "constituents",
                at,
                ".cons_id",
                "duplicate cons_id",
            ));
        }
        if let Some(name) = &c.user_name {
            if !self.user_names.insert(name, true) {
                return Err(person_err(
                    &self.p,
                    "constituents",
                    at,
                    ".user_name",
                    "duplicate user_name",
                ));
            }
        }
        for (gi, gid) in c.groups.iter().enumerate() {
            match &self.group_ids {
                Some(ids) if !ids.contains(gid) => return Err(self.no_group(at, gi, *gid)),
                Some(_) => {}
                None => self.pending.push((at, gi, *gid)),
            }
            if c.groups[..gi].contains(gid) {
                return Err(person_err(
                    &self.p,
                    "constituents",
                    at,
                    &format!(".groups[{gi}]"),
                    "duplicate group",
                ));
            }
        }
        Ok(())
    }

    /// A generated constituent: generated people differ from each other by construction (ids
    /// after the declared ones, the id in the user name), so only a clash with a declared one
    /// is possible, and they are not remembered.
    pub(crate) fn generated(&self, k: u64, c: &Constituent) -> Result<(), SeedError> {
        let at = At::Generated(k);
        if self.cons_ids.contains(&c.cons_id) {
            return Err(person_err(
                &self.p,
                "constituents",
                at,
                ".cons_id",
                "duplicate cons_id",
            ));
        }
        if let Some(name) = &c.user_name {
            if self.user_names.contains(name, true) {
                return Err(person_err(
                    &self.p,
                    "constituents",
                    at,
                    ".user_name",
                    "duplicate user_name",
                ));
            }
        }
        Ok(())
    }

    /// The end of the site: references to groups never declared fail here.
    pub(crate) fn finish(mut self) -> Result<(), SeedError> {
        if self.group_ids.is_none() {
            self.groups(&[])?;
        }
        Ok(())
    }
}

/// A site on its way to the store: [`Piece::SiteOpen`], then its head and constituents in
/// either order, then the generated constituents. Every record is checked as it passes.
pub(crate) struct SiteFeed {
    si: usize,
    org: String,
    check: SiteCheck,
    batch: Batch<Constituent>,
    max_cons_id: i64,
    /// `--generate`, unless the site has its own section; then the site's groups to join.
    generate: Option<Generate>,
    group_ids: Vec<i64>,
}

impl SiteFeed {
    pub(crate) fn open<S: Sink>(
        sink: &mut S,
        si: usize,
        org: String,
        generate: Option<Generate>,
        names: Names,
    ) -> Result<SiteFeed, S::Error> {
        sink.put(Piece::SiteOpen { org: org.clone() })?;
        Ok(SiteFeed {
            si,
            org,
            check: SiteCheck::new(si, names),
            batch: Batch::new(Piece::Constituents),
            max_cons_id: 0,
            generate,
            group_ids: Vec::new(),
        })
    }
}

impl TenantFeed for SiteFeed {
    type Head = Site;
    type Person = Constituent;
    type Section = SectionCheck;

    fn open_from<S: Sink>(
        sink: &mut S,
        index: usize,
        site: &Site,
        generate: Option<Generate>,
        names: Names,
    ) -> Result<SiteFeed, S::Error> {
        SiteFeed::open(sink, index, site.org.clone(), generate, names)
    }

    /// The site's own fields and groups (its `constituents` are ignored: they come one by one).
    fn head<S: Sink>(
        &mut self,
        sink: &mut S,
        section: &mut SectionCheck,
        mut site: Site,
    ) -> Result<(), S::Error> {
        section.site(self.si, &site)?;
        if site.org != self.org {
            return Err(err(
                format!("luminate.sites[{}].org", self.si),
                "the org changed while the site was read",
            )
            .into());
        }
        if let Some(g) = site.generate.take() {
            self.generate = Some(g);
        }
        // The declared groups are the ones declared people may name (as `validate` says);
        // generated ids follow them, so they stay unique.
        self.check.groups(&site.groups)?;
        if let Some(g) = self.generate {
            let after = site
                .groups
                .iter()
                .map(|g| g.id)
                .max()
                .unwrap_or(0)
                .max(1000);
            for j in 0..g.groups {
                site.groups.push(LuminateGroup {
                    id: after + 1 + j as i64,
                    label: Generate::group_label(j),
                    description: None,
                    group_type: None,
                });
            }
        }
        self.group_ids = site.groups.iter().map(|g| g.id).collect();
        site.constituents = Vec::new();
        sink.put(Piece::SiteHead(Box::new(site)))
    }

    fn person<S: Sink>(&mut self, sink: &mut S, at: At, c: Constituent) -> Result<(), S::Error> {
        self.check.constituent(at, &c)?;
        self.max_cons_id = self.max_cons_id.max(c.cons_id);
        self.batch.push(sink, c)
    }

    /// After the head and every declared constituent: the generated ones, then the last checks.
    fn finish<S: Sink>(mut self, sink: &mut S) -> Result<(), S::Error> {
        if let Some(g) = self.generate {
            // **[choice]** Generated cons_ids follow the site's highest, from 1000001 on.
            let first = self.max_cons_id.max(1_000_000) + 1;
            for k in 0..g.people {
                let c = generated_constituent(&g, k, first + k as i64, &self.group_ids);
                self.check.generated(k, &c)?;
                self.batch.push(sink, c)?;
            }
        }
        self.batch.flush(sink)?;
        self.check.finish()?;
        Ok(())
    }
}

/// Constituent `k` of a population, with its cons_id, in some of the site's groups.
pub fn generated_constituent(g: &Generate, k: u64, cons_id: i64, group_ids: &[i64]) -> Constituent {
    let mut person = g.person(k);
    let groups = person
        .groups(group_ids.len())
        .into_iter()
        .map(|at| group_ids[at])
        .collect();
    Constituent {
        cons_id,
        member_id: Some(format!("M-{cons_id}")),
        primary_email: Some(person.email(cons_id)),
        user_name: Some(person.handle(cons_id)),
        password: Some(generate::PASSWORD.to_string()),
        first_name: Some(person.first.to_string()),
        last_name: Some(person.last.to_string()),
        api_admin: false,
        group_management: None,
        groups,
    }
}

/// The section, whole, to the store (a parsed document).
pub(crate) fn feed<S: Sink>(
    lum: LuminateSeed,
    sink: &mut S,
    generate: Option<Generate>,
) -> Result<(), S::Error> {
    let mut section = SectionCheck::default();
    for (si, mut site) in lum.sites.into_iter().enumerate() {
        let constituents = std::mem::take(&mut site.constituents);
        let feed = SiteFeed::open_from(sink, si, &site, generate, Names::Exact)?;
        feed.run(sink, &mut section, site, constituents)?;
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
