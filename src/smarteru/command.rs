//! From the package to a typed [`Command`]: each method's `Parameters` decoded and checked.
//!
//! Decoding reports SU:12 (wrong structure, missing parameter) before SU:13 (an element where it
//! must not be): a [`Check`] notes the first unexpected element while decoding goes on, and
//! answers with it only when the structure was otherwise complete.

use chrono::{NaiveDate, NaiveTime};

use crate::store::smarteru::{
    self as q, DateRange, GroupFilter, GroupRef, TextMatch, UserFilter, UserIdentifier, UserRef,
    UserSort,
};

use super::errors::SuError;
use super::package::Node;

/// **\[choice\]** `listUsers` page size when the request gives none, and the largest honoured.
pub const DEFAULT_PAGE_SIZE: i64 = 50;
pub const MAX_PAGE_SIZE: i64 = 1000;

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
        /// `Active` or `Inactive` when the request sets it.
        status: Option<String>,
        users: Vec<(UserRef, Change)>,
    },
    UpdateUser {
        user: UserRef,
        info: InfoChange,
        profile: ProfileChange,
        groups: Vec<(GroupRef, Change)>,
    },
    /// Boxed: the command travels to the store thread by value, and the read commands that
    /// dominate the traffic should not carry the size of a new user.
    CreateUser(Box<NewUser>),
    CreateGroup(Box<NewGroup>),
}

/// A `createUser` request, decoded.
#[derive(Debug, Clone, Default)]
pub struct NewUser {
    /// At least one of the two is set.
    pub email: Option<String>,
    pub employee_id: Option<String>,
    pub given_name: String,
    pub surname: String,
    /// A display value (the provided name mapped, or the default).
    pub timezone: String,
    /// `Active` or `Inactive`.
    pub status: String,
    /// The name of the user's home group.
    pub home_group: String,
    /// Supervisors by email or employee ID.
    pub supervisors: Vec<String>,
    /// `Groups` > `Group`*: the group and the permission codes granted there.
    pub groups: Vec<(GroupRef, Vec<(bool, String)>)>,
}

/// A `createGroup` request, decoded.
#[derive(Debug, Clone, Default)]
pub struct NewGroup {
    pub name: String,
    /// The user-specified identifier, when given.
    pub group_id: Option<String>,
    /// `Active` or `Inactive`.
    pub status: String,
    /// `Users` > `User`*: who joins, home group or not, with which permissions.
    pub users: Vec<(UserRef, Change)>,
}

/// What `updateUser` > `Info` changes among the fields the mock stores; `None` (absent or
/// empty) leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct InfoChange {
    pub email: Option<String>,
    pub employee_id: Option<String>,
    pub given_name: Option<String>,
    pub surname: Option<String>,
    /// Already mapped to the display value `getUser` answers with.
    pub timezone: Option<String>,
}

/// What `updateUser` > `Profile` changes among the fields the mock stores.
#[derive(Debug, Clone, Default)]
pub struct ProfileChange {
    /// `Active` or `Inactive`.
    pub status: Option<String>,
    /// The name of the group to make the user's home group.
    pub home_group: Option<String>,
    /// The whole new list of supervisors (email or employee ID each), when `Supervisors` is sent.
    pub supervisors: Option<Vec<String>>,
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
    "createUser",
    "createGroup",
];

impl Command {
    /// Whether applying the command changes the store.
    pub fn writes(&self) -> bool {
        matches!(
            self,
            Command::UpdateGroup { .. }
                | Command::UpdateUser { .. }
                | Command::CreateUser(_)
                | Command::CreateGroup(_)
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

/// Whether a `Permission` must say `Grant` or `Deny`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Action {
    /// `updateUser` > `GroupPermissions`: the PHP client's grant and revoke send
    /// `Action` + `Code`.
    Required,
    /// `updateGroup`, `createGroup` (the vendor's request packages show `Permission` > `Code`
    /// alone) and `createUser`. **\[choice\]** A `Code` without `Action` is granted, added to
    /// what the user holds; an `Action` when present is honoured.
    Optional,
}

/// `Permissions` > `Permission`* > `Action` (Grant/Deny), `Code`.
fn permissions(
    check: &mut Check,
    node: Option<&Node>,
    action: Action,
) -> Result<Vec<(bool, String)>, SuError> {
    let Some(node) = node else {
        return Ok(Vec::new());
    };
    check.allow(node, &["Permission"], &[]);
    let mut out = Vec::new();
    for p in node.all("Permission") {
        check.allow(p, &["Action", "Code"], &["Action", "Code"]);
        let given = match action {
            Action::Required => Some(required(p, "Action")?),
            Action::Optional => p.child("Action").filter(|a| !a.value().is_empty()),
        };
        let grant = match given.map(Node::value) {
            None | Some("Grant") => true,
            Some("Deny") => false,
            Some(_) => return Err(wrong("Action must be Grant or Deny.")),
        };
        let code = required(p, "Code")?.value();
        if code.is_empty() {
            return Err(wrong("Code is empty."));
        }
        out.push((grant, code.to_string()));
    }
    Ok(out)
}

/// **\[choice\]** `updateGroup` > `Group` children the mock accepts and ignores: group settings it
/// does not store. `Status` is applied; renaming (`Name`, `GroupID`) is not emulated (SU:13).
const GROUP_IGNORED: &[&str] = &[
    "Description",
    "HomeGroupMessage",
    "NotificationEmails",
    "UserHelpOverrideDefault",
    "UserHelpEnabled",
    "UserHelpEmail",
    "UserHelpText",
    "Tags2",
    "UserLimit",
    "DashboardSetID",
];

/// **\[choice\]** `updateUser` > `Info` children accepted and ignored: settings the mock does not
/// store. `Email`, `EmployeeID`, `GivenName`, `Surname` and `Timezone` are applied.
const INFO_IGNORED: &[&str] = &[
    "Password",
    "LearnerNotifications",
    "SupervisorNotifications",
    "SendEmailTo",
    "AlternateEmail",
    "AuthenticationType",
];

/// **\[choice\]** `updateUser` > `Profile` children accepted and ignored: profile fields the mock
/// does not store. `Status`, `HomeGroup` and `Supervisors` are applied.
const PROFILE_IGNORED: &[&str] = &[
    "Organization",
    "Teams",
    "CustomFields",
    "Language",
    "Title",
    "Division",
    "AllowFeedback",
    "PhonePrimary",
    "PhoneAlternate",
    "PhoneMobile",
    "Fax",
    "Website",
    "Address1",
    "Address2",
    "City",
    "Province",
    "Country",
    "PostalCode",
    "SendMailTo",
    "Roles",
    "ReceiveNotifications",
];

/// **\[choice\]** Containers a client must send (the PHP client always does) but whose content the
/// mock does not model: accepted empty, any child is SU:13 rather than a silent success.
fn empty_container(check: &mut Check, parent: &Node, name: &str) {
    if let Some(node) = parent.child(name) {
        check.allow(node, &[], &[]);
    }
}

fn with_ignored<'a>(applied: &[&'a str], ignored: &[&'a str]) -> Vec<&'a str> {
    applied.iter().chain(ignored).copied().collect()
}

fn status_value(parent: &Node, name: &str) -> Result<Option<String>, SuError> {
    match optional_value(parent, name) {
        None => Ok(None),
        Some(v) if v.eq_ignore_ascii_case("active") => Ok(Some("Active".into())),
        Some(v) if v.eq_ignore_ascii_case("inactive") => Ok(Some("Inactive".into())),
        Some(_) => Err(wrong(format!("{name} must be Active or Inactive."))),
    }
}

/// `updateUser` > `Info`.
fn info_change(check: &mut Check, user: &Node) -> Result<InfoChange, SuError> {
    let Some(info) = user.child("Info") else {
        return Ok(InfoChange::default());
    };
    let applied = [
        "Email",
        "EmployeeID",
        "GivenName",
        "Surname",
        "Timezone",
        "TimeZone",
    ];
    let allowed = with_ignored(&applied, INFO_IGNORED);
    check.allow(info, &allowed, &allowed);
    let value = |name: &str| optional_value(info, name).map(str::to_string);
    let timezone = optional_value(info, "Timezone")
        .or_else(|| optional_value(info, "TimeZone"))
        .and_then(super::timezone::display_value);
    Ok(InfoChange {
        email: value("Email"),
        employee_id: value("EmployeeID"),
        given_name: value("GivenName"),
        surname: value("Surname"),
        timezone,
    })
}

/// `updateUser` > `Profile`.
fn profile_change(check: &mut Check, user: &Node) -> Result<ProfileChange, SuError> {
    let Some(profile) = user.child("Profile") else {
        return Ok(ProfileChange::default());
    };
    let applied = ["Status", "HomeGroup", "Supervisors"];
    let allowed = with_ignored(&applied, PROFILE_IGNORED);
    check.allow(profile, &allowed, &allowed);
    let supervisors = match profile.child("Supervisors") {
        None => None,
        Some(list) => {
            check.allow(list, &["Supervisor"], &[]);
            let names = list.all("Supervisor").map(|s| s.value().to_string());
            Some(names.filter(|s| !s.is_empty()).collect())
        }
    };
    Ok(ProfileChange {
        status: status_value(profile, "Status")?,
        home_group: optional_value(profile, "HomeGroup").map(str::to_string),
        supervisors,
    })
}

/// `MatchType` (EXACT or CONTAINS, **\[choice\]** EXACT when absent) and `Value`.
fn text_match(check: &mut Check, node: &Node) -> Result<TextMatch, SuError> {
    check.allow(node, &["MatchType", "Value"], &["MatchType", "Value"]);
    let value = required(node, "Value")?.value().to_string();
    let exact = match optional_value(node, "MatchType").unwrap_or("EXACT") {
        m if m.eq_ignore_ascii_case("EXACT") => true,
        m if m.eq_ignore_ascii_case("CONTAINS") => false,
        _ => return Err(wrong("MatchType must be EXACT or CONTAINS.")),
    };
    Ok(TextMatch { exact, value })
}

/// A `listUsers` `UserIdentifier`: `Email`, `EmployeeID`, `Name`, each a `MatchType`/`Value`
/// pair; a bare value (`<Email>a@b.c</Email>`) is an EXACT match.
fn user_identifier(check: &mut Check, ident: &Node) -> Result<UserIdentifier, SuError> {
    let fields = ["Email", "EmployeeID", "Name"];
    check.allow(ident, &fields, &fields);
    let mut one = |name: &str| -> Result<Option<TextMatch>, SuError> {
        match ident.child(name) {
            None => Ok(None),
            Some(n) if n.children.is_empty() => Ok(Some(TextMatch {
                exact: true,
                value: n.value().to_string(),
            })),
            Some(n) => text_match(check, n).map(Some),
        }
    };
    let found = UserIdentifier {
        email: one("Email")?,
        employee_id: one("EmployeeID")?,
        name: one("Name")?,
    };
    if found.email.is_none() && found.employee_id.is_none() && found.name.is_none() {
        return Err(wrong("UserIdentifier requires Email, EmployeeID or Name."));
    }
    Ok(found)
}

/// **\[choice\]** Dates in a `listUsers` filter: `dd/mm/yyyy` (what the PHP client sends),
/// `dd-Mmm-yyyy` (the vendor's documentation) or `yyyy-mm-dd`; both ends inclusive, in UTC.
fn filter_date(value: &str) -> Result<NaiveDate, SuError> {
    ["%d/%m/%Y", "%d-%b-%Y", "%Y-%m-%d"]
        .iter()
        .find_map(|f| NaiveDate::parse_from_str(value, f).ok())
        .ok_or_else(|| wrong(format!("{value} is not a date.")))
}

/// `CreatedDate` > `CreatedDateFrom`/`CreatedDateTo` (or the `ModifiedDate` pair).
fn date_range(check: &mut Check, filters: &Node, name: &str) -> Result<DateRange, SuError> {
    let Some(node) = filters.child(name) else {
        return Ok(DateRange::default());
    };
    let (from, to) = (format!("{name}From"), format!("{name}To"));
    check.allow(node, &[&from, &to], &[&from, &to]);
    let start = |d: NaiveDate| q::store_date(d.and_time(NaiveTime::MIN).and_utc());
    Ok(DateRange {
        from: optional_value(node, &from)
            .map(filter_date)
            .transpose()?
            .map(start),
        to: optional_value(node, &to)
            .map(filter_date)
            .transpose()?
            .and_then(|d| d.succ_opt())
            .map(start),
    })
}

fn action(node: &Node, name: &str) -> Result<bool, SuError> {
    match required(node, name)?.value() {
        "Add" => Ok(true),
        "Remove" => Ok(false),
        _ => Err(wrong(format!("{name} must be Add or Remove."))),
    }
}

/// `HomeGroup` of a `Users` > `User`: `1` or `0` (absent: `0`).
fn home_flag(user: &Node) -> Result<bool, SuError> {
    match optional_value(user, "HomeGroup").unwrap_or("0") {
        "1" => Ok(true),
        "0" => Ok(false),
        _ => Err(wrong("HomeGroup must be 0 or 1.")),
    }
}

/// `createGroup` > `Group` children that must be present (see the decode).
const CREATE_GROUP_REQUIRED: [&str; 7] = [
    "Name",
    "Status",
    "Description",
    "HomeGroupMessage",
    "NotificationEmails",
    "Users",
    "LearningModules",
];

/// A `0`/`1` flag, when given.
fn flag(parent: &Node, name: &str) -> Result<(), SuError> {
    match optional_value(parent, name) {
        None | Some("0" | "1") => Ok(()),
        Some(_) => Err(wrong(format!("{name} must be 0 or 1."))),
    }
}

/// `createUser` > `Info`: the identity, names and password are required; settings the mock does
/// not store are checked and dropped.
fn new_user_info(check: &mut Check, info: &Node) -> Result<NewUser, SuError> {
    let applied = [
        "Email",
        "EmployeeID",
        "GivenName",
        "Surname",
        "Timezone",
        "TimeZone",
    ];
    let allowed = with_ignored(&applied, INFO_IGNORED);
    check.allow(info, &allowed, &allowed);
    // **[choice]** Both elements must be present, at least one of them with a value: the public
    // PHP client began sending an empty `EmployeeID` after testing against the live API
    // (commit 66f1873, "make employeeId default to '' when creating a user").
    required(info, "Email")?;
    required(info, "EmployeeID")?;
    let email = optional_value(info, "Email").map(str::to_string);
    let employee_id = optional_value(info, "EmployeeID").map(str::to_string);
    if email.is_none() && employee_id.is_none() {
        return Err(wrong("createUser requires an Email or an EmployeeID."));
    }
    if email.as_deref().is_some_and(|e| !plausible_email(e)) {
        return Err(wrong("Email is not an email address."));
    }
    let text = |name: &str| {
        optional_value(info, name)
            .map(str::to_string)
            .ok_or_else(|| wrong(format!("createUser requires Info > {name}.")))
    };
    let (given_name, surname) = (text("GivenName")?, text("Surname")?);
    text("Password")?;
    flag(info, "LearnerNotifications")?;
    flag(info, "SupervisorNotifications")?;
    match optional_value(info, "SendEmailTo") {
        None | Some("Self" | "Supervisor") => {}
        Some("Alternate") => {
            let alternate = optional_value(info, "AlternateEmail")
                .ok_or_else(|| wrong("SendEmailTo Alternate requires AlternateEmail."))?;
            if !plausible_email(alternate) {
                return Err(wrong("AlternateEmail is not an email address."));
            }
        }
        Some(_) => return Err(wrong("SendEmailTo must be Self, Supervisor or Alternate.")),
    }
    // **[choice]** A provided name the mock cannot map leaves the default display value, as
    // `updateUser` ignores it.
    let timezone = optional_value(info, "Timezone")
        .or_else(|| optional_value(info, "TimeZone"))
        .and_then(super::timezone::display_value)
        .unwrap_or_else(|| crate::seed::DEFAULT_SMARTERU_TIMEZONE.to_string());
    Ok(NewUser {
        email,
        employee_id,
        given_name,
        surname,
        timezone,
        ..NewUser::default()
    })
}

/// **\[choice\]** An email address as the mock checks it: one `@` with text on both sides, a dot
/// in the domain, no spaces.
fn plausible_email(value: &str) -> bool {
    match value.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !domain.contains('@')
                && !value.contains(char::is_whitespace)
        }
        None => false,
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
            let fields = ["Page", "PageSize", "SortField", "SortOrder", "Filters"];
            check.allow(user, &fields, &fields);
            let page = positive(user, "Page", 1)?;
            let page_size = positive(user, "PageSize", DEFAULT_PAGE_SIZE)?.min(MAX_PAGE_SIZE);
            let sort = match optional_value(user, "SortField") {
                None => UserSort::Created,
                Some(v) if v.eq_ignore_ascii_case("NAME") => UserSort::Name,
                Some(v) if v.eq_ignore_ascii_case("EMPLOYEE_ID") => UserSort::EmployeeId,
                Some(_) => return Err(wrong("SortField must be NAME or EMPLOYEE_ID.")),
            };
            let descending = match optional_value(user, "SortOrder") {
                None => false,
                Some(v) if v.eq_ignore_ascii_case("ASC") => false,
                Some(v) if v.eq_ignore_ascii_case("DESC") => true,
                Some(_) => return Err(wrong("SortOrder must be ASC or DESC.")),
            };
            let mut filter = UserFilter {
                sort,
                descending,
                ..UserFilter::default()
            };
            if let Some(filters) = user.child("Filters") {
                let fields = [
                    "Users",
                    "HomeGroup",
                    "GroupName",
                    "UserStatus",
                    "CreatedDate",
                    "ModifiedDate",
                    "Teams",
                ];
                check.allow(filters, &fields, &fields);
                filter.group_name = optional_value(filters, "GroupName").map(str::to_string);
                filter.home_group = optional_value(filters, "HomeGroup").map(str::to_string);
                filter.status = status_filter(filters, "UserStatus")?;
                if let Some(users) = filters.child("Users") {
                    check.allow(users, &["UserIdentifier"], &[]);
                    let mut idents = Vec::new();
                    for ident in users.all("UserIdentifier") {
                        idents.push(user_identifier(&mut check, ident)?);
                    }
                    filter.identifiers = Some(idents);
                }
                filter.created = date_range(&mut check, filters, "CreatedDate")?;
                filter.modified = date_range(&mut check, filters, "ModifiedDate")?;
                if let Some(teams) = filters.child("Teams") {
                    check.allow(teams, &["TeamName"], &[]);
                    filter.teams_named = teams.all("TeamName").any(|t| !t.value().is_empty());
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
                let fields = ["GroupName", "GroupStatus", "Tags2"];
                check.allow(filters, &fields, &fields);
                filter.status = status_filter(filters, "GroupStatus")?;
                if let Some(tags) = filters.child("Tags2") {
                    check.allow(tags, &["Tag2"], &[]);
                    for tag in tags.all("Tag2") {
                        let fields = ["TagID", "TagName", "TagValues"];
                        check.allow(tag, &fields, &fields);
                        one_of(tag, &["TagID", "TagName"])?;
                        filter.tags_named = true;
                    }
                }
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
            let applied = [
                "Identifier",
                "Status",
                "Users",
                "LearningModules",
                "SubscriptionVariants",
            ];
            let allowed = with_ignored(&applied, GROUP_IGNORED);
            check.allow(group, &allowed, &allowed);
            let ident = required(group, "Identifier")?;
            check.allow(ident, &["Name", "GroupID"], &[]);
            let target = group_ref(ident)?;
            let status = status_value(group, "Status")?;
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
                    let change = Change {
                        add: action(user, "UserAction")?,
                        home: home_flag(user)?,
                        permissions: permissions(
                            &mut check,
                            user.child("Permissions"),
                            Action::Optional,
                        )?,
                    };
                    users.push((who, change));
                }
            }
            empty_container(&mut check, group, "LearningModules");
            empty_container(&mut check, group, "SubscriptionVariants");
            Command::UpdateGroup {
                group: target,
                status,
                users,
            }
        }
        "updateUser" => {
            check.allow(params, &["User"], &["User"]);
            let user = required(params, "User")?;
            let fields = ["Identifier", "Info", "Profile", "Groups", "Venues", "Wages"];
            check.allow(user, &fields, &fields);
            let ident = required(user, "Identifier")?;
            check.allow(ident, &["Email", "EmployeeID"], &[]);
            let target = user_ref(ident, &["Email", "EmployeeID"])?;
            let info = info_change(&mut check, user)?;
            let profile = profile_change(&mut check, user)?;
            let mut groups = Vec::new();
            if let Some(list) = user.child("Groups") {
                check.allow(list, &["Group"], &[]);
                for group in list.all("Group") {
                    let fields = ["GroupName", "GroupID", "GroupAction", "GroupPermissions"];
                    check.allow(group, &fields, &fields);
                    let (name, value) = one_of(group, &["GroupName", "GroupID"])?;
                    let which = match name {
                        "GroupName" => GroupRef::Name(value),
                        _ => GroupRef::GroupId(value),
                    };
                    let change = Change {
                        add: action(group, "GroupAction")?,
                        home: false,
                        permissions: permissions(
                            &mut check,
                            group.child("GroupPermissions"),
                            Action::Required,
                        )?,
                    };
                    groups.push((which, change));
                }
            }
            empty_container(&mut check, user, "Venues");
            empty_container(&mut check, user, "Wages");
            Command::UpdateUser {
                user: target,
                info,
                profile,
                groups,
            }
        }
        "createUser" => {
            check.allow(params, &["User"], &["User"]);
            let user = required(params, "User")?;
            let fields = ["Info", "Profile", "Groups", "Venues", "Wages"];
            check.allow(user, &fields, &fields);
            let mut new = new_user_info(&mut check, required(user, "Info")?)?;
            let profile = profile_change(&mut check, user)?;
            new.status = profile.status.unwrap_or_else(|| "Active".into());
            new.supervisors = profile.supervisors.unwrap_or_default();
            // **[choice]** Every user has one home group (vendor: "each user must be assigned
            // one – and only one – home group"); both public clients always send it.
            new.home_group = profile
                .home_group
                .ok_or_else(|| wrong("createUser requires Profile > HomeGroup."))?;
            if let Some(list) = user.child("Groups") {
                check.allow(list, &["Group"], &[]);
                for group in list.all("Group") {
                    let fields = ["GroupName", "GroupID", "GroupAction", "GroupPermissions"];
                    check.allow(group, &fields, &fields);
                    let (name, value) = one_of(group, &["GroupName", "GroupID"])?;
                    let which = match name {
                        "GroupName" => GroupRef::Name(value),
                        _ => GroupRef::GroupId(value),
                    };
                    // **[choice]** A `GroupAction`, if sent, can only be `Add` here.
                    if group.child("GroupAction").is_some() && !action(group, "GroupAction")? {
                        return Err(wrong("createUser adds groups: GroupAction must be Add."));
                    }
                    let codes = permissions(
                        &mut check,
                        group.child("GroupPermissions"),
                        Action::Optional,
                    )?;
                    new.groups.push((which, codes));
                }
            }
            empty_container(&mut check, user, "Venues");
            empty_container(&mut check, user, "Wages");
            Command::CreateUser(Box::new(new))
        }
        "createGroup" => {
            check.allow(params, &["Group"], &["Group"]);
            let group = required(params, "Group")?;
            let applied = [
                "Name",
                "GroupID",
                "Status",
                "Users",
                "LearningModules",
                "SubscriptionVariants",
            ];
            let allowed = with_ignored(&applied, GROUP_IGNORED);
            check.allow(group, &allowed, &allowed);
            // **[choice]** Required as the PHP client's README lists them (every element of the
            // vendor's package but GroupID, UserHelp*, Tags2, UserLimit, SubscriptionVariants and
            // DashboardSetID); the texts may be empty.
            for name in CREATE_GROUP_REQUIRED {
                required(group, name)?;
            }
            let name = optional_value(group, "Name")
                .ok_or_else(|| wrong("Name is empty."))?
                .to_string();
            let status = status_value(group, "Status")?.ok_or_else(|| wrong("Status is empty."))?;
            if let Some(emails) = group.child("NotificationEmails") {
                check.allow(emails, &["NotificationEmail"], &[]);
            }
            let mut users = Vec::new();
            if let Some(list) = group.child("Users") {
                check.allow(list, &["User"], &[]);
                for user in list.all("User") {
                    let fields = ["Email", "EmployeeID", "HomeGroup", "Permissions"];
                    check.allow(user, &fields, &["HomeGroup", "Permissions"]);
                    let who = user_ref(user, &["Email", "EmployeeID"])?;
                    let change = Change {
                        add: true,
                        home: home_flag(user)?,
                        permissions: permissions(
                            &mut check,
                            user.child("Permissions"),
                            Action::Optional,
                        )?,
                    };
                    users.push((who, change));
                }
            }
            empty_container(&mut check, group, "LearningModules");
            empty_container(&mut check, group, "SubscriptionVariants");
            Command::CreateGroup(Box::new(NewGroup {
                name,
                group_id: optional_value(group, "GroupID").map(str::to_string),
                status,
                users,
            }))
        }
        _ => return Err(SuError::UnknownMethod),
    };
    check.finish(command)
}

#[cfg(test)]
mod method_names {
    use super::*;

    #[test]
    fn every_listed_method_is_one_decode_knows() {
        let root = super::super::package::parse(b"<SmarterU><Parameters/></SmarterU>").unwrap();
        let params = root.child("Parameters").unwrap();
        for method in METHODS {
            let decoded = decode(method, params, Check::new(None));
            assert!(!matches!(decoded, Err(SuError::UnknownMethod)), "{method}");
        }
        let unknown = decode("getUserGroup", params, Check::new(None));
        assert!(matches!(unknown, Err(SuError::UnknownMethod)));
    }
}
