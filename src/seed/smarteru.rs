//! SmarterU in the seed document: accounts (tenants), their groups and users, and the checks
//! serde cannot express.

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};

use super::{err, non_empty, unique, validate_rfc3339, SeedError};

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

/// Reference and uniqueness checks of the smarteru section.
pub(crate) fn validate(su: &SmarterUSeed) -> Result<(), SeedError> {
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
