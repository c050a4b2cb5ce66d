//! The methods: each decodes its `Parameters` into a typed command, applies it to the store as
//! the authenticated caller, and writes its `Info`.
//!
//! Decoding reports SU:12 (wrong structure, missing parameter) before SU:13 (an element where it
//! must not be): a [`Check`] notes the first unexpected element while decoding goes on, and
//! answers with it only when the structure was otherwise complete.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, Transaction};

use crate::seed::SMARTERU_PERMISSIONS;
use crate::store::smarteru::{
    self as q, Caller, GroupFilter, GroupRef, GroupRow, UserFilter, UserRef, UserRow,
};

use super::errors::{Prefix, SuError};
use super::package::Node;
use super::render::{date, Xml};

/// **[choice]** `listUsers` page size when the request gives none, and the largest honoured.
pub const DEFAULT_PAGE_SIZE: i64 = 50;
pub const MAX_PAGE_SIZE: i64 = 1000;

/// **[choice]** What `getUser` says for profile fields the mock does not store.
mod profile_defaults {
    pub const LANGUAGE: &str = "English";
    pub const ALLOW_FEEDBACK: &str = "1";
    pub const AUTHENTICATION_TYPE: &str = "SmarterU";
    pub const SEND_MAIL_TO: &str = "Personal";
    pub const SEND_EMAIL_TO: &str = "Self";
    pub const SEND_WEEKLY_TASK_REMINDER: &str = "0";
    pub const SEND_WEEKLY_PROGRESS_SUMMARY: &str = "0";
}

/// A decoded request.
#[derive(Debug, Clone)]
pub enum Command {
    GetUserGroups(UserRef),
    GetUser(UserRef),
    ListUsers {
        page: i64,
        page_size: i64,
        filter: UserFilter,
    },
    GetGroup(GroupRef),
    ListGroups(GroupFilter),
    UpdateGroup {
        group: GroupRef,
        users: Vec<(UserRef, Change)>,
    },
    UpdateUser {
        user: UserRef,
        groups: Vec<(String, Change)>,
    },
}

/// A change of one user's membership of one group.
#[derive(Debug, Clone)]
pub struct Change {
    pub add: bool,
    pub home: bool,
    /// `(grant, code)`: Grant when true, Deny when false.
    pub permissions: Vec<(bool, String)>,
}

/// The method names the mock answers.
pub const METHODS: &[&str] = &[
    "getUserGroups",
    "getUser",
    "listUsers",
    "getGroup",
    "listGroups",
    "updateGroup",
    "updateUser",
];

impl Command {
    /// Whether applying the command changes the store.
    pub fn writes(&self) -> bool {
        matches!(
            self,
            Command::UpdateGroup { .. } | Command::UpdateUser { .. }
        )
    }
}

/// Records the first element found where it must not be (SU:13), answered only after every
/// structural check (SU:12) passed.
#[derive(Debug, Default)]
pub struct Check {
    unexpected: Option<String>,
}

impl Check {
    /// Start with an unexpected element already seen (in the envelope).
    pub fn new(unexpected: Option<String>) -> Check {
        Check { unexpected }
    }

    fn note(&mut self, name: &str) {
        if self.unexpected.is_none() {
            self.unexpected = Some(name.to_string());
        }
    }

    /// Note any child outside `allowed`, and any repeat of a child named in `single`.
    fn allow(&mut self, node: &Node, allowed: &[&str], single: &[&str]) {
        let mut seen: Vec<&str> = Vec::new();
        for c in &node.children {
            if !allowed.contains(&c.name.as_str()) {
                self.note(&c.name);
            } else if single.contains(&c.name.as_str()) {
                if seen.contains(&c.name.as_str()) {
                    self.note(&c.name);
                }
                seen.push(&c.name);
            }
        }
    }

    fn finish<T>(self, value: T) -> Result<T, SuError> {
        match self.unexpected {
            Some(name) => Err(SuError::UnexpectedElement(name)),
            None => Ok(value),
        }
    }
}

fn wrong(what: impl Into<String>) -> SuError {
    SuError::WrongStructure(what.into())
}

fn required<'a>(parent: &'a Node, name: &str) -> Result<&'a Node, SuError> {
    parent
        .child(name)
        .ok_or_else(|| wrong(format!("{} requires {name}.", parent.name)))
}

/// The one non-empty value of exactly one of `names` among `parent`'s children.
fn one_of<'a>(parent: &'a Node, names: &[&str]) -> Result<(&'a str, String), SuError> {
    let found: Vec<&Node> = parent
        .children
        .iter()
        .filter(|c| names.contains(&c.name.as_str()))
        .collect();
    let list = names.join(", ");
    match found.as_slice() {
        [one] if !one.value().is_empty() => Ok((one.name.as_str(), one.value().to_string())),
        [one] => Err(wrong(format!("{} is empty.", one.name))),
        [] => Err(wrong(format!("{} requires one of {list}.", parent.name))),
        _ => Err(wrong(format!("{} takes only one of {list}.", parent.name))),
    }
}

fn user_ref(parent: &Node, names: &[&str]) -> Result<UserRef, SuError> {
    let (name, value) = one_of(parent, names)?;
    Ok(match name {
        "ID" => UserRef::Id(value),
        "Email" => UserRef::Email(value),
        _ => UserRef::EmployeeId(value),
    })
}

fn group_ref(parent: &Node) -> Result<GroupRef, SuError> {
    let (name, value) = one_of(parent, &["Name", "GroupID"])?;
    Ok(match name {
        "Name" => GroupRef::Name(value),
        _ => GroupRef::GroupId(value),
    })
}

fn optional_value<'a>(parent: &'a Node, name: &str) -> Option<&'a str> {
    parent
        .child(name)
        .map(Node::value)
        .filter(|v| !v.is_empty())
}

fn positive(parent: &Node, name: &str, default: i64) -> Result<i64, SuError> {
    match optional_value(parent, name) {
        None => Ok(default),
        Some(v) => v
            .parse::<i64>()
            .ok()
            .filter(|n| *n > 0)
            .ok_or_else(|| wrong(format!("{name} must be a positive whole number."))),
    }
}

/// `Active`, `Inactive` or `All` (`None`).
fn status_filter(parent: &Node, name: &str) -> Result<Option<String>, SuError> {
    match optional_value(parent, name) {
        None => Ok(None),
        Some(v) if v.eq_ignore_ascii_case("all") => Ok(None),
        Some(v) if v.eq_ignore_ascii_case("active") => Ok(Some("Active".into())),
        Some(v) if v.eq_ignore_ascii_case("inactive") => Ok(Some("Inactive".into())),
        Some(_) => Err(wrong(format!("{name} must be Active, Inactive or All."))),
    }
}

/// `Permissions` > `Permission`* > `Action` (Grant/Deny), `Code`.
fn permissions(check: &mut Check, node: Option<&Node>) -> Result<Vec<(bool, String)>, SuError> {
    let Some(node) = node else {
        return Ok(Vec::new());
    };
    check.allow(node, &["Permission"], &[]);
    let mut out = Vec::new();
    for p in node.all("Permission") {
        check.allow(p, &["Action", "Code"], &["Action", "Code"]);
        let grant = match required(p, "Action")?.value() {
            "Grant" => true,
            "Deny" => false,
            _ => return Err(wrong("Action must be Grant or Deny.")),
        };
        let code = required(p, "Code")?.value().to_string();
        out.push((grant, code));
    }
    Ok(out)
}

fn action(node: &Node, name: &str) -> Result<bool, SuError> {
    match required(node, name)?.value() {
        "Add" => Ok(true),
        "Remove" => Ok(false),
        _ => Err(wrong(format!("{name} must be Add or Remove."))),
    }
}

/// Decode `Parameters` for `method`: SU:11, then SU:12, then SU:13.
pub fn decode(method: &str, params: &Node, mut check: Check) -> Result<Command, SuError> {
    let command = match method {
        "getUserGroups" | "getUser" => {
            check.allow(params, &["User"], &["User"]);
            let user = required(params, "User")?;
            check.allow(user, &["ID", "Email", "EmployeeID"], &[]);
            let target = user_ref(user, &["ID", "Email", "EmployeeID"])?;
            if method == "getUser" {
                Command::GetUser(target)
            } else {
                Command::GetUserGroups(target)
            }
        }
        "listUsers" => {
            check.allow(params, &["User"], &["User"]);
            let user = required(params, "User")?;
            check.allow(
                user,
                &["Page", "PageSize", "Filters"],
                &["Page", "PageSize", "Filters"],
            );
            let page = positive(user, "Page", 1)?;
            let page_size = positive(user, "PageSize", DEFAULT_PAGE_SIZE)?.min(MAX_PAGE_SIZE);
            let mut filter = UserFilter::default();
            if let Some(filters) = user.child("Filters") {
                check.allow(
                    filters,
                    &["GroupName", "UserStatus", "Users"],
                    &["GroupName", "UserStatus", "Users"],
                );
                filter.group_name = optional_value(filters, "GroupName").map(str::to_string);
                filter.status = status_filter(filters, "UserStatus")?;
                if let Some(users) = filters.child("Users") {
                    check.allow(users, &["UserIdentifier"], &[]);
                    let mut emails = Vec::new();
                    for ident in users.all("UserIdentifier") {
                        check.allow(ident, &["Email"], &["Email"]);
                        emails.push(required(ident, "Email")?.value().to_string());
                    }
                    filter.emails = Some(emails);
                }
            }
            Command::ListUsers {
                page,
                page_size,
                filter,
            }
        }
        "getGroup" => {
            check.allow(params, &["Group"], &["Group"]);
            let group = required(params, "Group")?;
            check.allow(group, &["Name", "GroupID"], &[]);
            Command::GetGroup(group_ref(group)?)
        }
        "listGroups" => {
            check.allow(params, &["Group"], &["Group"]);
            let group = required(params, "Group")?;
            check.allow(group, &["Filters"], &["Filters"]);
            let mut filter = GroupFilter::default();
            if let Some(filters) = group.child("Filters") {
                check.allow(
                    filters,
                    &["GroupName", "GroupStatus"],
                    &["GroupName", "GroupStatus"],
                );
                filter.status = status_filter(filters, "GroupStatus")?;
                if let Some(name) = filters.child("GroupName") {
                    check.allow(name, &["MatchType", "Value"], &["MatchType", "Value"]);
                    let value = required(name, "Value")?.value().to_string();
                    // **[choice]** MatchType defaults to EXACT; both compare case-insensitively.
                    match optional_value(name, "MatchType").unwrap_or("EXACT") {
                        "EXACT" => filter.name_exact = Some(value),
                        "CONTAINS" => filter.name_contains = Some(value),
                        _ => return Err(wrong("MatchType must be EXACT or CONTAINS.")),
                    }
                }
            }
            Command::ListGroups(filter)
        }
        "updateGroup" => {
            check.allow(params, &["Group"], &["Group"]);
            let group = required(params, "Group")?;
            check.allow(group, &["Identifier", "Users"], &["Identifier", "Users"]);
            let ident = required(group, "Identifier")?;
            check.allow(ident, &["Name", "GroupID"], &[]);
            let target = group_ref(ident)?;
            let mut users = Vec::new();
            if let Some(list) = group.child("Users") {
                check.allow(list, &["User"], &[]);
                for user in list.all("User") {
                    let fields = [
                        "Email",
                        "EmployeeID",
                        "UserAction",
                        "HomeGroup",
                        "Permissions",
                    ];
                    check.allow(user, &fields, &["UserAction", "HomeGroup", "Permissions"]);
                    let who = user_ref(user, &["Email", "EmployeeID"])?;
                    let home = match optional_value(user, "HomeGroup").unwrap_or("0") {
                        "1" => true,
                        "0" => false,
                        _ => return Err(wrong("HomeGroup must be 0 or 1.")),
                    };
                    let change = Change {
                        add: action(user, "UserAction")?,
                        home,
                        permissions: permissions(&mut check, user.child("Permissions"))?,
                    };
                    users.push((who, change));
                }
            }
            Command::UpdateGroup {
                group: target,
                users,
            }
        }
        "updateUser" => {
            check.allow(params, &["User"], &["User"]);
            let user = required(params, "User")?;
            check.allow(user, &["Identifier", "Groups"], &["Identifier", "Groups"]);
            let ident = required(user, "Identifier")?;
            check.allow(ident, &["Email", "EmployeeID"], &[]);
            let target = user_ref(ident, &["Email", "EmployeeID"])?;
            let mut groups = Vec::new();
            if let Some(list) = user.child("Groups") {
                check.allow(list, &["Group"], &[]);
                for group in list.all("Group") {
                    let fields = ["GroupName", "GroupAction", "GroupPermissions"];
                    check.allow(group, &fields, &fields);
                    let name = required(group, "GroupName")?.value().to_string();
                    if name.is_empty() {
                        return Err(wrong("GroupName is empty."));
                    }
                    let change = Change {
                        add: action(group, "GroupAction")?,
                        home: false,
                        permissions: permissions(&mut check, group.child("GroupPermissions"))?,
                    };
                    groups.push((name, change));
                }
            }
            Command::UpdateUser {
                user: target,
                groups,
            }
        }
        _ => return Err(SuError::UnknownMethod),
    };
    check.finish(command)
}

/// Run a read-only command.
pub fn read(conn: &Connection, caller: &Caller, command: Command) -> Result<Xml, SuError> {
    let mut info = Xml::default();
    match command {
        Command::GetUserGroups(target) => {
            let not_found = match &target {
                UserRef::Email(_) => SuError::GugEmail,
                UserRef::EmployeeId(_) => SuError::GugEmployeeId,
                UserRef::Id(_) => SuError::GugId,
            };
            let user = visible_user(conn, caller, &target)?.ok_or(not_found)?;
            let groups = q::memberships(conn, caller.account_id, &user.id)?;
            info.node("UserGroups", |x| {
                for g in &groups {
                    x.node("Group", |x| {
                        x.cdata("Name", &g.name)
                            .cdata("Identifier", g.identifier.as_deref().unwrap_or(""))
                            .plain("IsHomeGroup", if g.is_home { "Yes" } else { "No" });
                        // Always present (`<Permissions/>` when empty): the PHP client walks it unconditionally.
                        x.node("Permissions", |x| {
                            for p in &g.permissions {
                                x.cdata("Permission", p);
                            }
                        });
                    });
                }
            });
        }
        Command::GetUser(target) => {
            let user = visible_user(conn, caller, &target)?.ok_or(SuError::UserNotFound)?;
            let groups = q::memberships(conn, caller.account_id, &user.id)?;
            let home = groups.iter().find(|g| g.is_home).map(|g| g.name.as_str());
            let supervisors = q::supervisor_emails(conn, caller.account_id, &user.id)?;
            write_user(
                &mut info,
                &user,
                home.unwrap_or(""),
                &supervisors.join(", "),
            );
        }
        Command::ListUsers {
            page,
            page_size,
            filter,
        } => {
            let offset = (page - 1).saturating_mul(page_size);
            let users = q::list_users(conn, caller, &filter, offset, page_size)?;
            info.node("Users", |x| {
                for listed in &users {
                    let u = &listed.user;
                    x.node("User", |x| {
                        x.cdata("ID", &u.id)
                            .cdata("Email", u.email.as_deref().unwrap_or(""))
                            .cdata("EmployeeID", u.employee_id.as_deref().unwrap_or(""))
                            .cdata("GivenName", &u.given_name)
                            .cdata("Surname", &u.surname)
                            .plain("Status", &u.status)
                            .cdata("HomeGroup", listed.home_group.as_deref().unwrap_or(""));
                    });
                }
            });
        }
        Command::GetGroup(target) => {
            let group =
                q::find_managed_group(conn, caller, &target)?.ok_or(SuError::GroupNotFound)?;
            write_group(&mut info, &group);
        }
        Command::ListGroups(filter) => {
            let groups = q::list_groups(conn, caller, &filter)?;
            info.node("Groups", |x| {
                for (name, id) in &groups {
                    x.node("Group", |x| {
                        x.cdata("Name", name).cdata("GroupID", id);
                    });
                }
            });
        }
        Command::UpdateGroup { .. } | Command::UpdateUser { .. } => {
            // The endpoint sends writes to `write`; reaching here is a bug, not bad input.
            tracing::error!("smarteru: a write command reached the read-only path");
            return Err(SuError::Internal);
        }
    }
    Ok(info)
}

/// Run a command that changes the store, inside one transaction: all or nothing.
pub fn write(
    tx: &Transaction<'_>,
    caller: &Caller,
    command: Command,
    now: DateTime<Utc>,
) -> Result<Xml, SuError> {
    let mut info = Xml::default();
    match command {
        Command::UpdateGroup { group, users } => {
            let group = q::find_managed_group(tx, caller, &group)?.ok_or(SuError::GroupNotFound)?;
            for (who, change) in &users {
                let user = visible_user(tx, caller, who)?.ok_or(SuError::UserNotFound)?;
                apply_change(tx, caller, &user, &group.group_id, change, Prefix::Ug, now)?;
            }
            q::touch_group(tx, caller.account_id, &group.group_id, now)?;
            info.cdata("Group", &group.name)
                .cdata("GroupID", &group.group_id);
        }
        Command::UpdateUser { user, groups } => {
            let user = visible_user(tx, caller, &user)?.ok_or(SuError::UserNotFound)?;
            if user.role != "user" {
                return Err(SuError::UserNotUpdatable);
            }
            for (name, change) in &groups {
                let group = q::find_managed_group(tx, caller, &GroupRef::Name(name.clone()))?
                    .ok_or(SuError::GroupNotFound)?;
                apply_change(tx, caller, &user, &group.group_id, change, Prefix::Uu, now)?;
            }
            info.cdata("Email", user.email.as_deref().unwrap_or(""))
                .cdata("EmployeeID", user.employee_id.as_deref().unwrap_or(""));
        }
        other => return read(tx, caller, other),
    }
    Ok(info)
}

fn visible_user(
    conn: &Connection,
    caller: &Caller,
    target: &UserRef,
) -> Result<Option<UserRow>, SuError> {
    let Some(user) = q::find_user(conn, caller.account_id, target)? else {
        return Ok(None);
    };
    Ok(q::user_visible_to(conn, caller, &user.id)?.then_some(user))
}

fn apply_change(
    tx: &Transaction<'_>,
    caller: &Caller,
    user: &UserRow,
    group_id: &str,
    change: &Change,
    prefix: Prefix,
    now: DateTime<Utc>,
) -> Result<(), SuError> {
    if let Some((_, code)) = change
        .permissions
        .iter()
        .find(|(_, code)| !SMARTERU_PERMISSIONS.contains(&code.as_str()))
    {
        return Err(SuError::InvalidPermission(prefix, code.clone()));
    }
    let account = caller.account_id;
    let current = q::membership(tx, account, &user.id, group_id)?;
    if change.add {
        let mut held = current.map(|(_, p)| p).unwrap_or_default();
        for (grant, code) in &change.permissions {
            held.retain(|p| p != code);
            if *grant {
                held.push(code.clone());
            }
        }
        // Stored in the vendor's list order, so answers do not depend on request order.
        held.sort_by_key(|p| SMARTERU_PERMISSIONS.iter().position(|k| k == p));
        q::put_membership(tx, account, &user.id, group_id, &held)?;
        // **[choice]** HomeGroup 0 never unsets a home group: a user keeps exactly one.
        if change.home {
            q::set_home_group(tx, account, &user.id, group_id)?;
        }
    } else {
        match current {
            Some((true, _)) => return Err(SuError::HomeGroupRemoval(prefix)),
            Some((false, _)) => q::remove_membership(tx, account, &user.id, group_id)?,
            // **[choice]** Removing a user from a group they are not in changes nothing.
            None => {}
        }
    }
    q::touch_user(tx, account, &user.id, now)?;
    Ok(())
}

fn write_user(x: &mut Xml, u: &UserRow, home_group: &str, supervisors: &str) {
    use profile_defaults as d;
    x.node("User", |x| {
        x.cdata("ID", &u.id)
            .cdata("Email", u.email.as_deref().unwrap_or(""))
            .cdata("EmployeeID", u.employee_id.as_deref().unwrap_or(""))
            .plain("CreatedDate", &date(&u.created_date))
            .plain("ModifiedDate", &date(&u.modified_date))
            .cdata("GivenName", &u.given_name)
            .cdata("Surname", &u.surname)
            .cdata("Language", d::LANGUAGE)
            .plain("AllowFeedback", d::ALLOW_FEEDBACK)
            .plain("Status", &u.status)
            .cdata("AuthenticationType", d::AUTHENTICATION_TYPE)
            .cdata("Timezone", &u.timezone)
            .empty("AlternateEmail")
            .cdata("HomeGroup", home_group)
            .empty("Organization")
            .empty("Title")
            .empty("Division")
            .cdata("Supervisor", supervisors)
            .empty("Birthdate")
            .empty("HireDate")
            .empty("TerminationDate")
            .empty("PhonePrimary")
            .empty("PhoneAlternate")
            .empty("PhoneMobile")
            .cdata("SendMailTo", d::SEND_MAIL_TO)
            .cdata("SendEmailTo", d::SEND_EMAIL_TO)
            .empty("Fax")
            .empty("Address1")
            .empty("Address2")
            .empty("City")
            .empty("PostalCode")
            .empty("Province")
            .empty("Country")
            .plain("SendWeeklyTaskReminder", d::SEND_WEEKLY_TASK_REMINDER)
            .plain("SendWeeklyProgressSummary", d::SEND_WEEKLY_PROGRESS_SUMMARY)
            .empty("Roles")
            .empty("CustomFields");
    });
}

fn write_group(x: &mut Xml, g: &GroupRow) {
    x.node("Group", |x| {
        x.cdata("Name", &g.name)
            .cdata("GroupID", &g.group_id)
            .plain("Status", &g.status)
            .plain("UserCount", &g.user_count.to_string())
            .plain("CreatedDate", &date(&g.created_date))
            .plain("ModifiedDate", &date(&g.modified_date));
    });
}
