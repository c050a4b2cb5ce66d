//! The seed document (product.md §3): Rust types, parsing with JSON-path errors, validation of
//! references, and the demo seed compiled into the binary.
//!
//! The same document shape is read by `--seed` and `POST /_mock/seed` and written by
//! `GET /_mock/state`. `schemas/seed.schema.json` describes it for other tools; a test keeps the
//! two in step.
//!
//! **[choice]** A tenant (Luminate site, SmarterU account, YM client) named in a document
//! replaces the stored tenant with the same key whole — its groups, people and sessions — so a
//! test that seeds its own tenant always starts from exactly what it sent. Other tenants are
//! untouched.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// The demo seed, compiled in from `seed/` (product.md §5), applied in this order.
pub const DEMO_SEED: &[(&str, &str)] = &[
    ("seed/luminate.json", include_str!("../seed/luminate.json")),
    ("seed/smarteru.json", include_str!("../seed/smarteru.json")),
    (
        "seed/yourmembership.json",
        include_str!("../seed/yourmembership.json"),
    ),
];

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedDoc {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub luminate: Option<LuminateSeed>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub smarteru: Option<SmarterUSeed>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub yourmembership: Option<YourMembershipSeed>,
}

// ---------------------------------------------------------------- Luminate Online

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
    pub id: i64,
    pub label: String,
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
    /// Ids of the site's groups this constituent belongs to.
    #[serde(default)]
    pub groups: Vec<i64>,
}

// ---------------------------------------------------------------- SmarterU

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmarterUSeed {
    #[serde(default)]
    pub accounts: Vec<Account>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Account {
    /// Name of the account as a tenant (journal, fault targeting). Default: `su-` and the first
    /// 8 hex digits of the SHA-256 of the account key, so the key itself never shows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub account_api_key: String,
    #[serde(default)]
    pub supervisor_access: SupervisorAccess,
    #[serde(default)]
    pub groups: Vec<SmarterUGroup>,
    #[serde(default)]
    pub users: Vec<SmarterUUser>,
}

impl Account {
    pub fn tenant_name(&self) -> String {
        match &self.name {
            Some(name) => name.clone(),
            None => default_account_name(&self.account_api_key),
        }
    }
}

pub fn default_account_name(account_api_key: &str) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(account_api_key.as_bytes());
    format!("su-{}", &hex::encode(digest)[..8])
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SupervisorAccess {
    #[default]
    None,
    View,
    Edit,
}

impl SupervisorAccess {
    pub fn as_str(self) -> &'static str {
        match self {
            SupervisorAccess::None => "none",
            SupervisorAccess::View => "view",
            SupervisorAccess::Edit => "edit",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmarterUGroup {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identifier: Option<String>,
    pub group_id: String,
    #[serde(default)]
    pub status: ActiveStatus,
    /// RFC 3339; default: the app clock when the seed is applied.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_date: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modified_date: Option<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum ActiveStatus {
    #[default]
    Active,
    Inactive,
}

impl ActiveStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ActiveStatus::Active => "Active",
            ActiveStatus::Inactive => "Inactive",
        }
    }
}

/// **[choice]** Default timezone of a SmarterU user: a display value the public PHP client maps.
pub const DEFAULT_SMARTERU_TIMEZONE: &str = "(GMT-5:00) - America/New_York";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmarterUUser {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub employee_id: Option<String>,
    pub given_name: String,
    pub surname: String,
    /// Key for the `UserAPI` element; a user without one cannot call the API.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_api_key: Option<String>,
    #[serde(default = "default_timezone")]
    pub timezone: String,
    #[serde(default)]
    pub role: SmarterURole,
    #[serde(default)]
    pub status: ActiveStatus,
    #[serde(default)]
    pub supervisor_ids: Vec<String>,
    #[serde(default)]
    pub groups: Vec<SmarterUMembership>,
    /// RFC 3339; default: the app clock when the seed is applied.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_date: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modified_date: Option<String>,
}

fn default_timezone() -> String {
    DEFAULT_SMARTERU_TIMEZONE.to_string()
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SmarterURole {
    Owner,
    Administrator,
    #[default]
    User,
}

impl SmarterURole {
    pub fn as_str(self) -> &'static str {
        match self {
            SmarterURole::Owner => "owner",
            SmarterURole::Administrator => "administrator",
            SmarterURole::User => "user",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmarterUMembership {
    /// Name of a group of the same account.
    pub name: String,
    #[serde(default)]
    pub home: bool,
    #[serde(default)]
    pub permissions: Vec<String>,
}

/// SmarterU's group permission codes (smarteru.md §4).
pub const SMARTERU_PERMISSIONS: &[&str] = &[
    "MANAGE_GROUP",
    "CREATE_COURSE",
    "MANAGE_GROUP_COURSES",
    "MANAGE_USERS",
    "MANAGE_GROUP_USERS",
    "VIEW_LEARNER_RESULTS",
    "PROCTOR",
    "MARKER",
    "INSTRUCTOR",
];

// ---------------------------------------------------------------- YourMembership

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct YourMembershipSeed {
    #[serde(default)]
    pub clients: Vec<Client>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Client {
    pub client_id: i64,
    pub api_key: String,
    pub api_password: String,
    #[serde(default)]
    pub group_types: Vec<GroupType>,
    #[serde(default)]
    pub groups: Vec<YmGroup>,
    /// Representative titles known to the client (titles named by members are added).
    #[serde(default)]
    pub rep_titles: Vec<String>,
    #[serde(default)]
    pub members: Vec<Member>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupType {
    pub id: i64,
    pub name: String,
    #[serde(default)]
    pub sort_index: i64,
}

/// **[choice]** Default `JoinOption` of a YM group.
pub const DEFAULT_JOIN_OPTION: &str = "CanJoin";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct YmGroup {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub type_id: i64,
    #[serde(default = "default_join_option")]
    pub join_option: String,
}

fn default_join_option() -> String {
    DEFAULT_JOIN_OPTION.to_string()
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Member {
    pub member_id: i64,
    pub username: String,
    pub password: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    #[serde(default)]
    pub status: MemberStatus,
    #[serde(default)]
    pub groups: Vec<MemberGroup>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum MemberStatus {
    #[default]
    Active,
    Locked,
    Suspended,
}

impl MemberStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            MemberStatus::Active => "Active",
            MemberStatus::Locked => "Locked",
            MemberStatus::Suspended => "Suspended",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MemberGroup {
    /// Code of a group of the same client.
    pub code: String,
    #[serde(default)]
    pub member: bool,
    #[serde(default)]
    pub primary: bool,
    #[serde(default)]
    pub status: GroupMemberStatus,
    #[serde(default)]
    pub admin: bool,
    #[serde(default)]
    pub rep_title: Option<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum GroupMemberStatus {
    #[default]
    Joined,
    Pending,
}

impl GroupMemberStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            GroupMemberStatus::Joined => "Joined",
            GroupMemberStatus::Pending => "Pending",
        }
    }
}

// ---------------------------------------------------------------- parsing and validation

/// A seed problem, with the JSON path of the first bad field (`luminate.sites[0].groups[1].id`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeedError {
    pub path: String,
    pub message: String,
}

impl fmt::Display for SeedError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            write!(f, "{}", self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

impl std::error::Error for SeedError {}

fn err(path: impl Into<String>, message: impl Into<String>) -> SeedError {
    SeedError {
        path: path.into(),
        message: message.into(),
    }
}

impl SeedDoc {
    /// Parse and validate one document.
    pub fn parse(bytes: &[u8]) -> Result<SeedDoc, SeedError> {
        let de = &mut serde_json::Deserializer::from_slice(bytes);
        let doc: SeedDoc = serde_path_to_error::deserialize(de).map_err(|e| {
            let path = e.path().to_string();
            let path = if path == "." { String::new() } else { path };
            err(path, e.into_inner().to_string())
        })?;
        doc.validate()?;
        Ok(doc)
    }

    /// Reference and uniqueness checks serde cannot express.
    pub fn validate(&self) -> Result<(), SeedError> {
        if let Some(lum) = &self.luminate {
            validate_luminate(lum)?;
        }
        if let Some(su) = &self.smarteru {
            validate_smarteru(su)?;
        }
        if let Some(ym) = &self.yourmembership {
            validate_yourmembership(ym)?;
        }
        Ok(())
    }
}

fn non_empty(path: &str, value: &str) -> Result<(), SeedError> {
    if value.trim().is_empty() {
        return Err(err(path, "must not be empty"));
    }
    Ok(())
}

fn unique<K: std::hash::Hash + Eq>(
    seen: &mut HashSet<K>,
    key: K,
    path: impl FnOnce() -> String,
    what: &str,
) -> Result<(), SeedError> {
    if !seen.insert(key) {
        return Err(err(path(), format!("duplicate {what}")));
    }
    Ok(())
}

fn validate_rfc3339(path: &str, value: &Option<String>) -> Result<(), SeedError> {
    if let Some(v) = value {
        chrono::DateTime::parse_from_rfc3339(v)
            .map_err(|e| err(path, format!("not an RFC 3339 date-time: {e}")))?;
    }
    Ok(())
}

fn validate_luminate(lum: &LuminateSeed) -> Result<(), SeedError> {
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

fn validate_smarteru(su: &SmarterUSeed) -> Result<(), SeedError> {
    let mut keys = HashSet::new();
    let mut names = HashSet::new();
    for (ai, acct) in su.accounts.iter().enumerate() {
        let mut user_keys: HashMap<&str, String> = HashMap::new();
        let p = format!("smarteru.accounts[{ai}]");
        non_empty(&format!("{p}.account_api_key"), &acct.account_api_key)?;
        unique(
            &mut keys,
            acct.account_api_key.as_str(),
            || format!("{p}.account_api_key"),
            "account_api_key",
        )?;
        if let Some(name) = &acct.name {
            non_empty(&format!("{p}.name"), name)?;
        }
        unique(
            &mut names,
            acct.tenant_name(),
            || format!("{p}.name"),
            "account name",
        )?;
        let mut group_names = HashSet::new();
        let mut group_ids = HashSet::new();
        for (gi, g) in acct.groups.iter().enumerate() {
            let gp = format!("{p}.groups[{gi}]");
            non_empty(&format!("{gp}.name"), &g.name)?;
            unique(
                &mut group_names,
                g.name.as_str(),
                || format!("{gp}.name"),
                "group name",
            )?;
            non_empty(&format!("{gp}.group_id"), &g.group_id)?;
            unique(
                &mut group_ids,
                g.group_id.as_str(),
                || format!("{gp}.group_id"),
                "group_id",
            )?;
            validate_rfc3339(&format!("{gp}.created_date"), &g.created_date)?;
            validate_rfc3339(&format!("{gp}.modified_date"), &g.modified_date)?;
        }
        let user_ids: HashSet<&str> = acct.users.iter().map(|u| u.id.as_str()).collect();
        let mut seen_ids = HashSet::new();
        let mut emails = HashSet::new();
        let mut employee_ids = HashSet::new();
        for (ui, u) in acct.users.iter().enumerate() {
            let up = format!("{p}.users[{ui}]");
            non_empty(&format!("{up}.id"), &u.id)?;
            unique(&mut seen_ids, u.id.as_str(), || format!("{up}.id"), "id")?;
            if u.email.is_none() && u.employee_id.is_none() {
                return Err(err(up, "a user needs an email or an employee_id"));
            }
            if let Some(email) = &u.email {
                non_empty(&format!("{up}.email"), email)?;
                unique(
                    &mut emails,
                    email.to_lowercase(),
                    || format!("{up}.email"),
                    "email",
                )?;
            }
            if let Some(eid) = &u.employee_id {
                non_empty(&format!("{up}.employee_id"), eid)?;
                unique(
                    &mut employee_ids,
                    eid.as_str(),
                    || format!("{up}.employee_id"),
                    "employee_id",
                )?;
            }
            if let Some(key) = &u.user_api_key {
                non_empty(&format!("{up}.user_api_key"), key)?;
                if let Some(other) = user_keys.insert(key.as_str(), up.clone()) {
                    return Err(err(
                        format!("{up}.user_api_key"),
                        format!("duplicate user_api_key (also at {other})"),
                    ));
                }
            }
            non_empty(&format!("{up}.timezone"), &u.timezone)?;
            for (si, sid) in u.supervisor_ids.iter().enumerate() {
                let sp = format!("{up}.supervisor_ids[{si}]");
                if !user_ids.contains(sid.as_str()) {
                    return Err(err(sp, format!("no user {sid} in this account")));
                }
                if sid == &u.id {
                    return Err(err(sp, "a user cannot supervise themselves"));
                }
            }
            let mut homes = 0;
            let mut mine = HashSet::new();
            for (gi, m) in u.groups.iter().enumerate() {
                let gp = format!("{up}.groups[{gi}]");
                if !group_names.contains(m.name.as_str()) {
                    return Err(err(
                        format!("{gp}.name"),
                        format!("no group named `{}` in this account", m.name),
                    ));
                }
                unique(&mut mine, m.name.as_str(), || format!("{gp}.name"), "group")?;
                if m.home {
                    homes += 1;
                    if homes > 1 {
                        return Err(err(format!("{gp}.home"), "only one home group per user"));
                    }
                }
                for (pi, perm) in m.permissions.iter().enumerate() {
                    if !SMARTERU_PERMISSIONS.contains(&perm.as_str()) {
                        return Err(err(
                            format!("{gp}.permissions[{pi}]"),
                            format!(
                                "unknown permission `{perm}`; expected one of {}",
                                SMARTERU_PERMISSIONS.join(", ")
                            ),
                        ));
                    }
                }
            }
            validate_rfc3339(&format!("{up}.created_date"), &u.created_date)?;
            validate_rfc3339(&format!("{up}.modified_date"), &u.modified_date)?;
        }
    }
    Ok(())
}

fn validate_yourmembership(ym: &YourMembershipSeed) -> Result<(), SeedError> {
    let mut client_ids = HashSet::new();
    for (ci, c) in ym.clients.iter().enumerate() {
        let p = format!("yourmembership.clients[{ci}]");
        if c.client_id <= 0 {
            return Err(err(format!("{p}.client_id"), "must be positive"));
        }
        unique(
            &mut client_ids,
            c.client_id,
            || format!("{p}.client_id"),
            "client_id",
        )?;
        non_empty(&format!("{p}.api_key"), &c.api_key)?;
        non_empty(&format!("{p}.api_password"), &c.api_password)?;
        let mut type_ids = HashSet::new();
        for (ti, t) in c.group_types.iter().enumerate() {
            unique(
                &mut type_ids,
                t.id,
                || format!("{p}.group_types[{ti}].id"),
                "group type id",
            )?;
            non_empty(&format!("{p}.group_types[{ti}].name"), &t.name)?;
        }
        let mut group_ids = HashSet::new();
        let mut codes = HashSet::new();
        for (gi, g) in c.groups.iter().enumerate() {
            let gp = format!("{p}.groups[{gi}]");
            if g.id <= 0 {
                return Err(err(format!("{gp}.id"), "must be positive"));
            }
            unique(&mut group_ids, g.id, || format!("{gp}.id"), "group id")?;
            non_empty(&format!("{gp}.code"), &g.code)?;
            unique(
                &mut codes,
                g.code.to_lowercase(),
                || format!("{gp}.code"),
                "group code",
            )?;
            if !type_ids.contains(&g.type_id) {
                return Err(err(
                    format!("{gp}.type_id"),
                    format!("no group type {} in this client", g.type_id),
                ));
            }
        }
        let mut titles = HashSet::new();
        for (ti, t) in c.rep_titles.iter().enumerate() {
            non_empty(&format!("{p}.rep_titles[{ti}]"), t)?;
            unique(
                &mut titles,
                t.to_lowercase(),
                || format!("{p}.rep_titles[{ti}]"),
                "title",
            )?;
        }
        let mut member_ids = HashSet::new();
        let mut usernames = HashSet::new();
        for (mi, m) in c.members.iter().enumerate() {
            let mp = format!("{p}.members[{mi}]");
            if m.member_id <= 0 {
                return Err(err(format!("{mp}.member_id"), "must be positive"));
            }
            unique(
                &mut member_ids,
                m.member_id,
                || format!("{mp}.member_id"),
                "member_id",
            )?;
            non_empty(&format!("{mp}.username"), &m.username)?;
            unique(
                &mut usernames,
                m.username.to_lowercase(),
                || format!("{mp}.username"),
                "username",
            )?;
            let mut primaries = 0;
            let mut mine = HashSet::new();
            for (gi, g) in m.groups.iter().enumerate() {
                let gp = format!("{mp}.groups[{gi}]");
                if !codes.contains(&g.code.to_lowercase()) {
                    return Err(err(
                        format!("{gp}.code"),
                        format!("no group with code `{}` in this client", g.code),
                    ));
                }
                unique(
                    &mut mine,
                    g.code.to_lowercase(),
                    || format!("{gp}.code"),
                    "group",
                )?;
                if g.primary {
                    if !g.member {
                        return Err(err(
                            format!("{gp}.primary"),
                            "a primary group needs \"member\": true",
                        ));
                    }
                    primaries += 1;
                    if primaries > 1 {
                        return Err(err(
                            format!("{gp}.primary"),
                            "only one primary group per member",
                        ));
                    }
                }
                if let Some(t) = &g.rep_title {
                    non_empty(&format!("{gp}.rep_title"), t)?;
                }
                if !g.member && !g.admin && g.rep_title.is_none() {
                    return Err(err(
                        gp,
                        "a group relationship needs member, admin or rep_title",
                    ));
                }
            }
        }
    }
    Ok(())
}

// ---------------------------------------------------------------- sources

/// One loaded seed file: where it came from and its bytes (for the health endpoint's digest).
#[derive(Debug, Clone)]
pub struct SeedSource {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// The seed the server starts from: the documents in order, their sources and a digest.
#[derive(Debug, Clone)]
pub struct Seed {
    pub sources: Vec<String>,
    pub sha256: String,
    pub docs: Vec<SeedDoc>,
}

impl Seed {
    pub fn from_sources(sources: Vec<SeedSource>) -> Result<Seed, SeedError> {
        use sha2::{Digest, Sha256};
        let mut hasher = Sha256::new();
        let mut docs = Vec::with_capacity(sources.len());
        for src in &sources {
            hasher.update(&src.bytes);
            let doc = SeedDoc::parse(&src.bytes).map_err(|e| SeedError {
                path: e.path,
                message: format!("{}: {}", src.name, e.message),
            })?;
            docs.push(doc);
        }
        Ok(Seed {
            sources: sources.into_iter().map(|s| s.name).collect(),
            sha256: hex::encode(hasher.finalize()),
            docs,
        })
    }

    /// The demo seed compiled into the binary.
    pub fn demo() -> Seed {
        let sources = DEMO_SEED
            .iter()
            .map(|(name, text)| SeedSource {
                name: format!("builtin:{name}"),
                bytes: text.as_bytes().to_vec(),
            })
            .collect();
        Seed::from_sources(sources).expect("the compiled-in demo seed is valid (tested)")
    }

    /// Load `--seed` paths: files as given, folders as their `*.json` files in name order.
    pub fn load(paths: &[PathBuf]) -> Result<Seed, SeedError> {
        let mut sources = Vec::new();
        for path in paths {
            for file in seed_files(path)? {
                let bytes = std::fs::read(&file)
                    .map_err(|e| err("", format!("cannot read {}: {e}", file.display())))?;
                sources.push(SeedSource {
                    name: file.display().to_string(),
                    bytes,
                });
            }
        }
        Seed::from_sources(sources)
    }
}

fn seed_files(path: &Path) -> Result<Vec<PathBuf>, SeedError> {
    if !path.is_dir() {
        return Ok(vec![path.to_path_buf()]);
    }
    let entries = std::fs::read_dir(path)
        .map_err(|e| err("", format!("cannot read folder {}: {e}", path.display())))?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_seed_parses_and_validates() {
        let seed = Seed::demo();
        assert_eq!(seed.docs.len(), DEMO_SEED.len());
        assert_eq!(seed.sha256.len(), 64);
    }

    #[test]
    fn an_unknown_field_is_named_by_its_path() {
        let e = SeedDoc::parse(br#"{"luminate":{"sites":[{"org":"x","api_key":"k","grups":[]}]}}"#)
            .unwrap_err();
        assert_eq!(e.path, "luminate.sites[0].grups");
        assert!(e.message.contains("unknown field `grups`"), "{}", e.message);
    }

    #[test]
    fn a_dangling_group_reference_is_named_by_its_path() {
        let e = SeedDoc::parse(
            br#"{"luminate":{"sites":[{"org":"x","api_key":"k","groups":[{"id":1001,"label":"A"}],
                "constituents":[{"cons_id":1,"groups":[1001,1002]}]}]}}"#,
        )
        .unwrap_err();
        assert_eq!(e.path, "luminate.sites[0].constituents[0].groups[1]");
    }

    #[test]
    fn a_wrong_type_is_named_by_its_path() {
        let e = SeedDoc::parse(
            br#"{"yourmembership":{"clients":[{"client_id":"x","api_key":"k","api_password":"p"}]}}"#,
        )
        .unwrap_err();
        assert_eq!(e.path, "yourmembership.clients[0].client_id");
    }

    #[test]
    fn the_default_account_name_hides_the_key() {
        let name = default_account_name("secret-key");
        assert!(name.starts_with("su-") && name.len() == 11);
        assert!(!name.contains("secret"));
    }
}
