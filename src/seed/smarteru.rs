//! SmarterU in the seed document: accounts (tenants), their groups and users, the checks serde
//! cannot express, and the way an account goes to the store.

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};

use super::generate::Generate;
use super::{
    err, non_empty, person_err, person_path, unique, validate_rfc3339, At, Batch, FastSet, NameSet,
    Names, Piece, SeedError, Sink, TenantFeed,
};

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
    /// Synthetic users to add after the declared ones (never in a state dump).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generate: Option<Generate>,
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

/// **\[choice\]** Default timezone of a SmarterU user: a display value the public PHP client maps.
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
    let mut section = SectionCheck::default();
    for (ai, acct) in su.accounts.iter().enumerate() {
        section.account(ai, acct)?;
        let mut check = AccountCheck::new(ai, Names::Exact);
        check.known_user_ids(acct.users.iter().map(|u| u.id.clone()));
        check.groups(&acct.groups)?;
        for (ui, u) in acct.users.iter().enumerate() {
            check.user(At::Declared(ui), u)?;
        }
        check.finish()?;
    }
    Ok(())
}

/// What must hold across the accounts of one document.
#[derive(Debug, Default)]
pub(crate) struct SectionCheck {
    keys: HashSet<String>,
    names: HashSet<String>,
}

impl SectionCheck {
    /// An account's own fields (its groups and users are [`AccountCheck`]'s).
    pub(crate) fn account(&mut self, ai: usize, acct: &Account) -> Result<(), SeedError> {
        let p = format!("smarteru.accounts[{ai}]");
        non_empty(&format!("{p}.account_api_key"), &acct.account_api_key)?;
        unique(
            &mut self.keys,
            acct.account_api_key.clone(),
            || format!("{p}.account_api_key"),
            "account_api_key",
        )?;
        if let Some(name) = &acct.name {
            non_empty(&format!("{p}.name"), name)?;
        }
        unique(
            &mut self.names,
            acct.tenant_name(),
            || format!("{p}.name"),
            "account name",
        )?;
        if let Some(g) = &acct.generate {
            g.check(&format!("{p}.generate"))?;
        }
        Ok(())
    }
}

/// One account's groups and users, checked as they come (see `luminate::SiteCheck`): a user's
/// supervisors and groups named before they are known are checked when they are.
#[derive(Debug)]
pub(crate) struct AccountCheck {
    p: String,
    group_names: Option<HashSet<String>>,
    /// Every user id of the account, when known before the users (a parsed document).
    user_ids: Option<HashSet<String>>,
    seen_ids: FastSet<String>,
    emails: NameSet,
    employee_ids: NameSet,
    /// user_api_key → the path of the user who has it.
    user_keys: HashMap<String, String>,
    pending_groups: Vec<(At, usize, String)>,
    pending_supervisors: Vec<(At, usize, String)>,
}

impl AccountCheck {
    pub(crate) fn new(ai: usize, names: Names) -> AccountCheck {
        AccountCheck {
            p: format!("smarteru.accounts[{ai}]"),
            group_names: None,
            user_ids: None,
            seen_ids: FastSet::default(),
            emails: NameSet::new(names),
            employee_ids: NameSet::new(names),
            user_keys: HashMap::new(),
            pending_groups: Vec::new(),
            pending_supervisors: Vec::new(),
        }
    }

    pub(crate) fn known_user_ids(&mut self, ids: impl Iterator<Item = String>) {
        self.user_ids = Some(ids.collect());
    }

    fn user_err(&self, at: At, field: &str, message: impl Into<String>) -> SeedError {
        person_err(&self.p, "users", at, field, message)
    }

    pub(crate) fn groups(&mut self, groups: &[SmarterUGroup]) -> Result<(), SeedError> {
        let p = &self.p;
        let mut group_names = HashSet::with_capacity(groups.len());
        let mut group_ids = HashSet::with_capacity(groups.len());
        for (gi, g) in groups.iter().enumerate() {
            let gp = format!("{p}.groups[{gi}]");
            non_empty(&format!("{gp}.name"), &g.name)?;
            unique(
                &mut group_names,
                g.name.clone(),
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
        for (at, gi, name) in std::mem::take(&mut self.pending_groups) {
            if !group_names.contains(&name) {
                return Err(self.no_group(at, gi, &name));
            }
        }
        self.group_names = Some(group_names);
        Ok(())
    }

    fn no_group(&self, at: At, gi: usize, name: &str) -> SeedError {
        self.user_err(
            at,
            &format!(".groups[{gi}].name"),
            format!("no group named `{name}` in this account"),
        )
    }

    fn no_supervisor(&self, at: At, si: usize, sid: &str) -> SeedError {
        self.user_err(
            at,
            &format!(".supervisor_ids[{si}]"),
            format!("no user {sid} in this account"),
        )
    }

    pub(crate) fn user(&mut self, at: At, u: &SmarterUUser) -> Result<(), SeedError> {
        if u.id.trim().is_empty() {
            return Err(self.user_err(at, ".id", "must not be empty"));
        }
        if !self.seen_ids.insert(u.id.clone()) {
            return Err(self.user_err(at, ".id", "duplicate id"));
        }
        if u.email.is_none() && u.employee_id.is_none() {
            return Err(self.user_err(at, "", "a user needs an email or an employee_id"));
        }
        if let Some(email) = &u.email {
            if email.trim().is_empty() {
                return Err(self.user_err(at, ".email", "must not be empty"));
            }
            if !self.emails.insert(email, true) {
                return Err(self.user_err(at, ".email", "duplicate email"));
            }
        }
        if let Some(eid) = &u.employee_id {
            if eid.trim().is_empty() {
                return Err(self.user_err(at, ".employee_id", "must not be empty"));
            }
            if !self.employee_ids.insert(eid, false) {
                return Err(self.user_err(at, ".employee_id", "duplicate employee_id"));
            }
        }
        if let Some(key) = &u.user_api_key {
            if key.trim().is_empty() {
                return Err(self.user_err(at, ".user_api_key", "must not be empty"));
            }
            let here = person_path(&self.p, "users", at);
            if let Some(other) = self.user_keys.get(key) {
                return Err(self.user_err(
                    at,
                    ".user_api_key",
                    format!("duplicate user_api_key (also at {other})"),
                ));
            }
            self.user_keys.insert(key.clone(), here);
        }
        if u.timezone.trim().is_empty() {
            return Err(self.user_err(at, ".timezone", "must not be empty"));
        }
        for (si, sid) in u.supervisor_ids.iter().enumerate() {
            match &self.user_ids {
                Some(ids) if !ids.contains(sid) => return Err(self.no_supervisor(at, si, sid)),
                Some(_) => {}
                None => self.pending_supervisors.push((at, si, sid.clone())),
            }
            if sid == &u.id {
                return Err(self.user_err(
                    at,
                    &format!(".supervisor_ids[{si}]"),
                    "a user cannot supervise themselves",
                ));
            }
        }
        let mut homes = 0;
        for (gi, m) in u.groups.iter().enumerate() {
            match &self.group_names {
                Some(names) if !names.contains(&m.name) => {
                    return Err(self.no_group(at, gi, &m.name))
                }
                Some(_) => {}
                None => self.pending_groups.push((at, gi, m.name.clone())),
            }
            if u.groups[..gi].iter().any(|other| other.name == m.name) {
                return Err(self.user_err(at, &format!(".groups[{gi}].name"), "duplicate group"));
            }
            if m.home {
                homes += 1;
                if homes > 1 {
                    return Err(self.user_err(
                        at,
                        &format!(".groups[{gi}].home"),
                        "only one home group per user",
                    ));
                }
            }
            for (pi, perm) in m.permissions.iter().enumerate() {
                if !SMARTERU_PERMISSIONS.contains(&perm.as_str()) {
                    return Err(self.user_err(
                        at,
                        &format!(".groups[{gi}].permissions[{pi}]"),
                        format!(
                            "unknown permission `{perm}`; expected one of {}",
                            SMARTERU_PERMISSIONS.join(", ")
                        ),
                    ));
                }
            }
        }
        for (field, value) in [
            (".created_date", &u.created_date),
            (".modified_date", &u.modified_date),
        ] {
            if let Some(v) = value {
                if let Err(e) = chrono::DateTime::parse_from_rfc3339(v) {
                    return Err(self.user_err(
                        at,
                        field,
                        format!("not an RFC 3339 date-time: {e}"),
                    ));
                }
            }
        }
        Ok(())
    }

    /// A generated user: only a clash with a declared one is possible (see
    /// `luminate::SiteCheck::generated`), and generated users are not remembered.
    pub(crate) fn generated(&self, k: u64, u: &SmarterUUser) -> Result<(), SeedError> {
        let at = At::Generated(k);
        if self.seen_ids.contains(&u.id) {
            return Err(self.user_err(at, ".id", "duplicate id"));
        }
        if u.email
            .as_ref()
            .is_some_and(|e| self.emails.contains(e, true))
        {
            return Err(self.user_err(at, ".email", "duplicate email"));
        }
        if u.employee_id
            .as_ref()
            .is_some_and(|e| self.employee_ids.contains(e, false))
        {
            return Err(self.user_err(at, ".employee_id", "duplicate employee_id"));
        }
        Ok(())
    }

    /// The end of the account: references to groups or users never declared fail here.
    pub(crate) fn finish(mut self) -> Result<(), SeedError> {
        if self.group_names.is_none() {
            self.groups(&[])?;
        }
        for (at, si, sid) in &self.pending_supervisors {
            if !self.seen_ids.contains(sid) {
                return Err(self.no_supervisor(*at, *si, sid));
            }
        }
        Ok(())
    }
}

/// An account on its way to the store (see `luminate::SiteFeed`).
pub(crate) struct AccountFeed {
    ai: usize,
    key: String,
    check: AccountCheck,
    batch: Batch<SmarterUUser>,
    max_id: i64,
    generate: Option<Generate>,
    group_names: Vec<String>,
}

impl AccountFeed {
    /// The account's key and groups must be known: the stored account with the key goes, and
    /// users join groups by name.
    pub(crate) fn open<S: Sink>(
        sink: &mut S,
        ai: usize,
        key: String,
        groups: Vec<SmarterUGroup>,
        generate: Option<Generate>,
        names: Names,
    ) -> Result<AccountFeed, S::Error> {
        sink.put(Piece::AccountOpen {
            key: key.clone(),
            groups,
        })?;
        Ok(AccountFeed {
            ai,
            key,
            check: AccountCheck::new(ai, names),
            batch: Batch::new(Piece::Users),
            max_id: 0,
            generate,
            group_names: Vec::new(),
        })
    }

    pub(crate) fn known_user_ids(&mut self, ids: impl Iterator<Item = String>) {
        self.check.known_user_ids(ids);
    }
}

impl TenantFeed for AccountFeed {
    type Head = Account;
    type Person = SmarterUUser;
    type Section = SectionCheck;

    fn open_from<S: Sink>(
        sink: &mut S,
        index: usize,
        account: &Account,
        generate: Option<Generate>,
        names: Names,
    ) -> Result<AccountFeed, S::Error> {
        AccountFeed::open(
            sink,
            index,
            account.account_api_key.clone(),
            account.groups.clone(),
            generate,
            names,
        )
    }

    fn head<S: Sink>(
        &mut self,
        sink: &mut S,
        section: &mut SectionCheck,
        mut account: Account,
    ) -> Result<(), S::Error> {
        section.account(self.ai, &account)?;
        if account.account_api_key != self.key {
            return Err(err(
                format!("smarteru.accounts[{}].account_api_key", self.ai),
                "the key changed while the account was read",
            )
            .into());
        }
        if let Some(g) = account.generate.take() {
            self.generate = Some(g);
        }
        // The declared groups are the ones declared users may name (as `validate` says).
        self.check.groups(&account.groups)?;
        if let Some(g) = self.generate {
            let after = account
                .groups
                .iter()
                .filter_map(|g| g.group_id.parse::<i64>().ok())
                .max()
                .unwrap_or(0)
                .max(1000);
            for j in 0..g.groups {
                let next = after + 1 + j as i64;
                account.groups.push(SmarterUGroup {
                    name: Generate::group_label(j),
                    identifier: Some(format!("G-{next}")),
                    group_id: next.to_string(),
                    status: ActiveStatus::Active,
                    created_date: None,
                    modified_date: None,
                });
            }
            // Generated names and ids must not clash with the declared ones.
            AccountCheck::new(self.ai, Names::Exact).groups(&account.groups)?;
        }
        self.group_names = account.groups.iter().map(|g| g.name.clone()).collect();
        account.users = Vec::new();
        sink.put(Piece::AccountHead {
            index: self.ai,
            account: Box::new(account),
        })
    }

    fn person<S: Sink>(&mut self, sink: &mut S, at: At, u: SmarterUUser) -> Result<(), S::Error> {
        self.check.user(at, &u)?;
        if let Ok(id) = u.id.parse::<i64>() {
            self.max_id = self.max_id.max(id);
        }
        self.batch.push(sink, u)
    }

    fn finish<S: Sink>(mut self, sink: &mut S) -> Result<(), S::Error> {
        if let Some(g) = self.generate {
            // Generated ids follow the account's highest numeric id, from 1000001 on.
            let first = self.max_id.max(1_000_000) + 1;
            for k in 0..g.people {
                let u = generated_user(&g, k, first + k as i64, &self.group_names);
                self.check.generated(k, &u)?;
                self.batch.push(sink, u)?;
            }
        }
        self.batch.flush(sink)?;
        self.check.finish()?;
        Ok(())
    }
}

/// User `k` of a population, with its id, in some of the account's groups (the first is home).
pub fn generated_user(g: &Generate, k: u64, id: i64, group_names: &[String]) -> SmarterUUser {
    let mut person = g.person(k);
    let groups = person
        .groups(group_names.len())
        .into_iter()
        .enumerate()
        .map(|(i, at)| SmarterUMembership {
            name: group_names[at].clone(),
            home: i == 0,
            permissions: Vec::new(),
        })
        .collect();
    SmarterUUser {
        id: id.to_string(),
        email: Some(person.email(id)),
        employee_id: Some(format!("E-{id}")),
        given_name: person.first.to_string(),
        surname: person.last.to_string(),
        user_api_key: None,
        timezone: default_timezone(),
        role: SmarterURole::User,
        status: ActiveStatus::Active,
        supervisor_ids: Vec::new(),
        groups,
        created_date: None,
        modified_date: None,
    }
}

/// The section, whole, to the store (a parsed document).
pub(crate) fn feed<S: Sink>(
    su: SmarterUSeed,
    sink: &mut S,
    generate: Option<Generate>,
) -> Result<(), S::Error> {
    let mut section = SectionCheck::default();
    for (ai, mut acct) in su.accounts.into_iter().enumerate() {
        let users = std::mem::take(&mut acct.users);
        let mut feed = AccountFeed::open_from(sink, ai, &acct, generate, Names::Exact)?;
        feed.known_user_ids(users.iter().map(|u| u.id.clone()));
        feed.run(sink, &mut section, acct, users)?;
    }
    Ok(())
}
