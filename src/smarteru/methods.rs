//! The methods: a decoded [`Command`] applied to the store as the authenticated caller, in one
//! store call, giving a typed [`Reply`] that [`super::render`] writes off the store thread.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, Transaction};

use crate::seed::SMARTERU_PERMISSIONS;
use crate::store::smarteru::{
    self as q, Caller, GroupRef, GroupRow, ListedUser, Membership, UserRef, UserRow,
};

use super::command::{Change, Command, NewGroup, NewUser};
use super::errors::{Prefix, SuError};

/// What a method answers, before rendering.
#[derive(Debug)]
pub enum Reply {
    /// `getUserGroups`
    UserGroups(Vec<Membership>),
    /// `getUser`: the user, their home group's name and their supervisors.
    User {
        user: UserRow,
        home_group: Option<String>,
        supervisors: Vec<String>,
    },
    /// `listUsers`
    Users(Vec<ListedUser>),
    /// `getGroup`
    Group(GroupRow),
    /// `listGroups`: (name, group id)
    Groups(Vec<(String, String)>),
    /// `updateGroup`, `createGroup`: the group's name and id.
    GroupWritten { name: String, group_id: String },
    /// `updateUser`, `createUser`: the user's identifiers after the write.
    UserWritten {
        email: Option<String>,
        employee_id: Option<String>,
    },
}

/// Run a read-only command.
pub fn read(conn: &Connection, caller: &Caller, command: Command) -> Result<Reply, SuError> {
    Ok(match command {
        Command::GetUserGroups(target) => {
            let not_found = match &target {
                UserRef::Email(_) => SuError::GugEmail,
                UserRef::EmployeeId(_) => SuError::GugEmployeeId,
                UserRef::Id(_) => SuError::GugId,
            };
            let user_id = q::visible_user_id(conn, caller, &target)?.ok_or(not_found)?;
            Reply::UserGroups(q::memberships(conn, caller.account_id, &user_id)?)
        }
        Command::GetUser(target) => {
            let user = visible_user(conn, caller, &target)?.ok_or(SuError::UserNotFound)?;
            let groups = q::memberships(conn, caller.account_id, &user.id)?;
            let home_group = groups.into_iter().find(|g| g.is_home).map(|g| g.name);
            let supervisors = q::supervisor_emails(conn, caller.account_id, &user.id)?;
            Reply::User {
                user,
                home_group,
                supervisors,
            }
        }
        Command::ListUsers {
            page,
            page_size,
            filter,
        } => {
            let offset = (page - 1).saturating_mul(page_size);
            Reply::Users(q::list_users(conn, caller, &filter, offset, page_size)?)
        }
        Command::GetGroup(target) => Reply::Group(
            q::find_managed_group(conn, caller, &target)?.ok_or(SuError::GroupNotFound)?,
        ),
        Command::ListGroups(filter) => Reply::Groups(q::list_groups(conn, caller, &filter)?),
        Command::UpdateGroup { .. }
        | Command::UpdateUser { .. }
        | Command::CreateUser(_)
        | Command::CreateGroup(_) => {
            // The endpoint sends writes to `write`; reaching here is a bug, not bad input.
            tracing::error!("smarteru: a write command reached the read-only path");
            return Err(SuError::Internal);
        }
    })
}

/// Run a command that changes the store, inside one transaction: all or nothing.
pub fn write(
    tx: &Transaction<'_>,
    caller: &Caller,
    command: Command,
    now: DateTime<Utc>,
) -> Result<Reply, SuError> {
    Ok(match command {
        Command::UpdateGroup {
            group,
            status,
            users,
        } => {
            let group = q::find_managed_group(tx, caller, &group)?.ok_or(SuError::GroupNotFound)?;
            if let Some(status) = &status {
                q::set_group_status(tx, caller.account_id, &group.group_id, status)?;
            }
            for (who, change) in &users {
                let user = visible_user(tx, caller, who)?.ok_or(SuError::UserNotFound)?;
                apply_change(tx, caller, &user, &group.group_id, change, Prefix::Ug, now)?;
            }
            q::touch_group(tx, caller.account_id, &group.group_id, now)?;
            Reply::GroupWritten {
                name: group.name,
                group_id: group.group_id,
            }
        }
        Command::UpdateUser {
            user,
            info: fields,
            profile,
            groups,
        } => {
            let user = visible_user(tx, caller, &user)?.ok_or(SuError::UserNotFound)?;
            if user.role != "user" {
                return Err(SuError::UserNotUpdatable);
            }
            let account = caller.account_id;
            if let Some(email) = &fields.email {
                if q::identity_taken(tx, account, &user.id, &UserRef::Email(email.clone()))? {
                    return Err(SuError::EmailTaken(Prefix::Uu));
                }
            }
            if let Some(id) = &fields.employee_id {
                if q::identity_taken(tx, account, &user.id, &UserRef::EmployeeId(id.clone()))? {
                    return Err(SuError::EmployeeIdTaken(Prefix::Uu));
                }
            }
            q::update_user_info(
                tx,
                account,
                &user.id,
                fields.email.as_deref(),
                fields.employee_id.as_deref(),
                fields.given_name.as_deref(),
                fields.surname.as_deref(),
                fields.timezone.as_deref(),
                profile.status.as_deref(),
            )?;
            if let Some(names) = &profile.supervisors {
                let mut ids = Vec::new();
                for name in names {
                    ids.push(supervisor_id(tx, account, &user.id, name, Prefix::Uu)?);
                }
                q::set_supervisors(tx, account, &user.id, &ids)?;
            }
            if let Some(name) = &profile.home_group {
                let group = q::find_managed_group(tx, caller, &GroupRef::Name(name.clone()))?
                    .ok_or(SuError::GroupNotFound)?;
                let home = Change {
                    add: true,
                    home: true,
                    permissions: Vec::new(),
                };
                apply_change(tx, caller, &user, &group.group_id, &home, Prefix::Uu, now)?;
            }
            for (which, change) in &groups {
                let group =
                    q::find_managed_group(tx, caller, which)?.ok_or(SuError::GroupNotFound)?;
                apply_change(tx, caller, &user, &group.group_id, change, Prefix::Uu, now)?;
            }
            q::touch_user(tx, account, &user.id, now)?;
            // The answer carries the identifiers as they are after the update (live recording).
            let user = q::find_user(tx, account, &UserRef::Id(user.id.clone()))?
                .ok_or(SuError::Internal)?;
            Reply::UserWritten {
                email: user.email,
                employee_id: user.employee_id,
            }
        }
        Command::CreateUser(new) => {
            let user_id = create_user(tx, caller, &new, now)?;
            let user = q::find_user(tx, caller.account_id, &UserRef::Id(user_id))?
                .ok_or(SuError::Internal)?;
            // The live answer (2015 recording): the new user's Email and EmployeeID, no ID.
            Reply::UserWritten {
                email: user.email,
                employee_id: user.employee_id,
            }
        }
        Command::CreateGroup(new) => {
            let group_id = create_group(tx, caller, &new, now)?;
            // The shape the PHP client reads: the name as `Group`'s text, and `GroupID`.
            Reply::GroupWritten {
                name: new.name,
                group_id,
            }
        }
        other => return read(tx, caller, other),
    })
}

/// `createUser`: checks, then one new user with their groups and supervisors. Returns the new
/// user's id. The user has no user API key: they can call nothing.
fn create_user(
    tx: &Transaction<'_>,
    caller: &Caller,
    new: &NewUser,
    now: DateTime<Utc>,
) -> Result<String, SuError> {
    let account = caller.account_id;
    if let Some(email) = &new.email {
        if q::find_user(tx, account, &UserRef::Email(email.clone()))?.is_some() {
            return Err(SuError::EmailTaken(Prefix::Cu));
        }
    }
    if let Some(id) = &new.employee_id {
        if q::find_user(tx, account, &UserRef::EmployeeId(id.clone()))?.is_some() {
            return Err(SuError::EmployeeIdTaken(Prefix::Cu));
        }
    }
    // **[choice]** The caller must manage the home group and every group named (owners and
    // administrators manage all): the same rule as `updateUser`'s groups, else GG:03.
    let home = q::find_managed_group(tx, caller, &GroupRef::Name(new.home_group.clone()))?
        .ok_or(SuError::GroupNotFound)?;
    let mut memberships: Vec<(String, Vec<String>)> = vec![(home.group_id.clone(), Vec::new())];
    for (which, codes) in &new.groups {
        let group = q::find_managed_group(tx, caller, which)?.ok_or(SuError::GroupNotFound)?;
        if let Some((_, code)) = codes
            .iter()
            .find(|(_, code)| !SMARTERU_PERMISSIONS.contains(&code.as_str()))
        {
            return Err(SuError::InvalidPermission(Prefix::Cu, code.clone()));
        }
        // **[choice]** The home group may be named again in `Groups` (both clients do): one
        // membership, with the permissions granted there.
        let slot = match memberships.iter().position(|(g, _)| *g == group.group_id) {
            Some(i) => i,
            None => {
                memberships.push((group.group_id.clone(), Vec::new()));
                memberships.len() - 1
            }
        };
        let held = &mut memberships[slot].1;
        for (grant, code) in codes {
            held.retain(|p| p != code);
            if *grant {
                held.push(code.clone());
            }
        }
    }
    let user_id = q::next_user_id(tx)?;
    let mut supervisor_ids = Vec::new();
    for name in &new.supervisors {
        supervisor_ids.push(supervisor_id(tx, account, &user_id, name, Prefix::Cu)?);
    }
    q::insert_user(
        tx,
        account,
        &q::NewUserRow {
            id: &user_id,
            email: new.email.as_deref(),
            employee_id: new.employee_id.as_deref(),
            given_name: &new.given_name,
            surname: &new.surname,
            timezone: &new.timezone,
            status: &new.status,
            now,
        },
    )?;
    for (group_id, mut held) in memberships {
        held.sort_by_key(|p| SMARTERU_PERMISSIONS.iter().position(|k| k == p));
        q::put_membership(tx, account, &user_id, &group_id, &held)?;
    }
    q::set_home_group(tx, account, &user_id, &home.group_id)?;
    q::set_supervisors(tx, account, &user_id, &supervisor_ids)?;
    Ok(user_id)
}

/// `createGroup`: checks, then the new group and the users it names. Returns its `GroupID`.
fn create_group(
    tx: &Transaction<'_>,
    caller: &Caller,
    new: &NewGroup,
    now: DateTime<Utc>,
) -> Result<String, SuError> {
    let account = caller.account_id;
    // **[choice]** Owners, administrators and holders of MANAGE_GROUP, MANAGE_GROUP_COURSES or
    // MANAGE_GROUP_USERS on some group (the vendor's list; the "Create New Group" account
    // permission is not modelled); others get CG:50.
    if !q::may_create_groups(tx, caller)? {
        return Err(SuError::GroupCreationDenied);
    }
    if q::group_name_taken(tx, account, &new.name)? {
        return Err(SuError::GroupNameTaken);
    }
    // **[choice]** The GroupID given is the group's user-specified identifier (what getGroup
    // answers as GroupID and getUserGroups as Identifier); without one the group gets the next
    // free number as its GroupID and no Identifier.
    let group_id = match &new.group_id {
        Some(id) if q::group_id_taken(tx, account, id)? => return Err(SuError::GroupIdTaken),
        Some(id) => id.clone(),
        None => q::next_group_id(tx, account)?,
    };
    q::insert_group(
        tx,
        account,
        &group_id,
        &new.name,
        new.group_id.as_deref(),
        &new.status,
        now,
    )?;
    for (who, change) in &new.users {
        let user = visible_user(tx, caller, who)?.ok_or(SuError::UserNotFound)?;
        apply_change(tx, caller, &user, &group_id, change, Prefix::Cg, now)?;
    }
    Ok(group_id)
}

/// The id of the user a `Supervisor` value names: their email, else their employee ID. A user
/// cannot supervise themselves.
fn supervisor_id(
    conn: &Connection,
    account_id: i64,
    user_id: &str,
    name: &str,
    prefix: Prefix,
) -> Result<String, SuError> {
    let found = match q::find_user(conn, account_id, &UserRef::Email(name.to_string()))? {
        Some(u) => Some(u),
        None => q::find_user(conn, account_id, &UserRef::EmployeeId(name.to_string()))?,
    };
    found
        .map(|u| u.id)
        .filter(|id| id != user_id)
        .ok_or_else(|| SuError::SupervisorNotFound(prefix, name.to_string()))
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
