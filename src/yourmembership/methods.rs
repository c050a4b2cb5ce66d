//! The operations. Each reads the same way: the decoded [`Command`] → the session check and
//! the change or query, in one store call → the response DTO, built off the store thread.

use axum::http::request::Parts;
use chrono::{DateTime, FixedOffset};
use rusqlite::Connection;

use super::auth::{self, Caller, Login, Need};
use super::command::{self, Command, GroupsCmd, MemberGroupsCmd};
use super::errors::YmError;
use super::render::Obj;
use super::responses::{self, GroupTypeView, GroupView, RelatedGroup};
use super::{internal, ym_time};
use crate::state::AppState;
use crate::store::yourmembership::{self as db, GroupRow};

/// Run one decoded operation.
pub async fn run(state: &AppState, parts: &Parts, command: Command) -> Result<Obj, YmError> {
    match command {
        Command::Authenticate(login) => authenticate(state, login).await,
        Command::MemberGroups(cmd) => member_groups(state, parts, cmd).await,
        Command::ChangeMemberGroups { cmd, add } => {
            change_member_groups(state, parts, cmd, add).await
        }
        Command::GroupTypes {
            client_id,
            member_id,
            device,
        } => group_types(state, parts, client_id, member_id, device).await,
        Command::Groups(cmd) => groups(state, parts, cmd).await,
        Command::WriteGroup { cmd, create } => write_group(state, parts, cmd, create).await,
        Command::PeopleGroups {
            client_id,
            id,
            device,
        } => people_groups(state, parts, client_id, id, device).await,
    }
}

fn now(state: &AppState) -> DateTime<FixedOffset> {
    ym_time(state.clock.now())
}

/// Check the session for `need` on `client_id`, then run `f` as that caller: one store call,
/// in a transaction when `writes`.
async fn as_caller<T: Send + 'static>(
    state: &AppState,
    parts: &Parts,
    client_id: i64,
    need: Need,
    writes: bool,
    f: impl FnOnce(&Connection, Caller) -> Result<T, YmError> + Send + 'static,
) -> Result<T, YmError> {
    let session_id = auth::session_id(parts)?;
    let now_ms = crate::store::unix_ms(state.clock.now());
    let run = move |conn: &Connection| {
        let caller = auth::authorize(conn, &session_id, client_id, need, now_ms)?;
        f(conn, caller)
    };
    let done = if writes {
        state.store.write(move |tx| run(tx)).await
    } else {
        state.store.call(move |conn| Ok(run(conn))).await
    };
    done.map_err(internal)?
}

// ---------------------------------------------------------------- Authenticate

async fn authenticate(state: &AppState, login: Login) -> Result<Obj, YmError> {
    let client_id = login.client_id;
    let now_ms = crate::store::unix_ms(state.clock.now());
    let (member_id, session_id) = state
        .store
        .write(move |tx| auth::authenticate(tx, &login, now_ms))
        .await
        .map_err(internal)??;
    // **[choice]** `UserId` is the MemberID as text ("0" for an admin session).
    let member_id = i32::try_from(member_id).unwrap_or(0);
    Ok(responses::authenticated(
        client_id,
        member_id,
        member_id.to_string(),
        &session_id,
    ))
}

// ---------------------------------------------------------------- MemberGroups

/// The member's status in a group as `Group.Status` shows it. **\[choice\]** a group where the
/// member is only an administrator or a representative shows `NotJoined`.
pub fn group_status(row: &GroupRow) -> &'static str {
    match (row.is_member, row.status.as_str()) {
        (false, _) => "NotJoined",
        (true, "Pending") => "Pending",
        (true, _) => "Joined",
    }
}

/// Filter, page and group the member's groups by type as the request asks.
fn member_group_list(cmd: &MemberGroupsCmd, rows: Vec<GroupRow>) -> Vec<GroupTypeView> {
    let needle = cmd.search_term.as_deref().map(str::to_lowercase);
    let matching = rows.into_iter().filter(|r| {
        let status = group_status(r);
        let status_ok = match cmd.status {
            "Joined" => status == "Joined",
            "Pending" => status == "Pending",
            "NotJoined" => status == "NotJoined",
            "JoinedOrPending" => status != "NotJoined",
            _ => true,
        };
        status_ok
            && (cmd.group_type_id == 0 || r.type_id == i64::from(cmd.group_type_id))
            && needle
                .as_deref()
                .is_none_or(|n| r.name.to_lowercase().contains(n))
    });
    // **[choice]** A non-zero OffSet replaces the page's starting point.
    let skip = if cmd.offset > 0 {
        i64::from(cmd.offset)
    } else {
        (i64::from(cmd.page_number) - 1) * i64::from(cmd.page_size)
    };
    let page = matching
        .skip(usize::try_from(skip).unwrap_or(usize::MAX))
        .take(usize::try_from(cmd.page_size).unwrap_or(0));
    let mut types: Vec<GroupTypeView> = Vec::new();
    // The rows are the store's answer to this call alone: their strings move into the views.
    for r in page {
        let group = GroupView {
            id: r.group_id,
            status: Some(group_status(&r)),
            name: r.name,
            join_option: r.join_option,
        };
        match types.last_mut() {
            Some(t) if t.id == r.type_id => t.groups.get_or_insert_with(Vec::new).push(group),
            _ => types.push(GroupTypeView {
                id: r.type_id,
                name: r.type_name,
                sort_index: r.sort_index,
                groups: Some(vec![group]),
            }),
        }
    }
    types
}

/// The member's groups after a check that the member exists.
fn load_member_groups(
    conn: &Connection,
    client_id: i64,
    member_id: i64,
) -> Result<Vec<GroupRow>, YmError> {
    if !db::member_exists(conn, client_id, member_id)? {
        return Err(YmError::MemberNotFound);
    }
    Ok(db::member_groups(conn, client_id, member_id)?)
}

async fn member_groups(
    state: &AppState,
    parts: &Parts,
    cmd: MemberGroupsCmd,
) -> Result<Obj, YmError> {
    let (client_id, member_id) = (i64::from(cmd.client_id), i64::from(cmd.member_id));
    let rows = as_caller(
        state,
        parts,
        client_id,
        Need::AdminOrSelf(member_id),
        false,
        move |conn, _| load_member_groups(conn, client_id, member_id),
    )
    .await?;
    Ok(responses::member_groups(
        &cmd,
        member_group_list(&cmd, rows),
        now(state),
    ))
}

async fn change_member_groups(
    state: &AppState,
    parts: &Parts,
    cmd: MemberGroupsCmd,
    add: bool,
) -> Result<Obj, YmError> {
    let (client_id, member_id) = (i64::from(cmd.client_id), i64::from(cmd.member_id));
    // The request's own mistakes are answered after the session check, as before a change.
    let change = command::relationship_change(&cmd, add);
    let group_named = cmd.group_code.is_some() || cmd.id.is_some();
    let code = cmd.group_code.clone();
    let id = cmd.id.map(i64::from);
    let rows = as_caller(
        state,
        parts,
        client_id,
        Need::AdminOrSelf(member_id),
        true,
        move |tx, _| {
            let change = change?;
            if !group_named {
                return Err(YmError::Invalid {
                    field: Some("GroupCode"),
                    message: "Specify GroupCode or ID.".into(),
                });
            }
            if !db::member_exists(tx, client_id, member_id)? {
                return Err(YmError::MemberNotFound);
            }
            let group = db::find_group(tx, client_id, code.as_deref(), id)?
                .ok_or(YmError::GroupNotFound)?;
            db::change_relationship(tx, client_id, member_id, group, &change)?;
            Ok(db::member_groups(tx, client_id, member_id)?)
        },
    )
    .await?;
    Ok(responses::member_groups(
        &cmd,
        member_group_list(&cmd, rows),
        now(state),
    ))
}

impl From<rusqlite::Error> for YmError {
    fn from(e: rusqlite::Error) -> YmError {
        internal(e.into())
    }
}

// ---------------------------------------------------------------- GroupTypes, Groups

async fn group_types(
    state: &AppState,
    parts: &Parts,
    client_id: i32,
    member_id: Option<i32>,
    device: &'static str,
) -> Result<Obj, YmError> {
    let (cid, mid) = (i64::from(client_id), i64::from(member_id.unwrap_or(0)));
    let types: Vec<GroupTypeView> = if member_id.is_some() {
        // **[choice]** A member's group types are the types of the groups it relates to.
        let rows = as_caller(
            state,
            parts,
            cid,
            Need::AdminOrSelf(mid),
            false,
            move |c, _| load_member_groups(c, cid, mid),
        )
        .await?;
        let mut types: Vec<GroupTypeView> = Vec::new();
        for r in rows {
            if types.last().is_none_or(|t| t.id != r.type_id) {
                types.push(GroupTypeView {
                    id: r.type_id,
                    name: r.type_name,
                    sort_index: r.sort_index,
                    groups: None,
                });
            }
        }
        types
    } else {
        catalogue(state, parts, cid, Need::AnyRole)
            .await?
            .into_iter()
            .map(|t| GroupTypeView { groups: None, ..t })
            .collect()
    };
    Ok(responses::group_types(
        client_id,
        member_id.unwrap_or(0),
        types,
        now(state),
        device,
    ))
}

/// The client's group types with their groups, for a caller the session allows `need`.
async fn catalogue(
    state: &AppState,
    parts: &Parts,
    client_id: i64,
    need: Need,
) -> Result<Vec<GroupTypeView>, YmError> {
    let rows = as_caller(state, parts, client_id, need, false, move |conn, _| {
        Ok(db::catalogue(conn, client_id)?)
    })
    .await?;
    let mut types: Vec<GroupTypeView> = Vec::new();
    for r in rows {
        if types.last().is_none_or(|t| t.id != r.type_id) {
            types.push(GroupTypeView {
                id: r.type_id,
                name: r.type_name,
                sort_index: r.sort_index,
                groups: Some(Vec::new()),
            });
        }
        if let (Some((id, name, join_option)), Some(t)) = (r.group, types.last_mut()) {
            t.groups.get_or_insert_with(Vec::new).push(GroupView {
                id,
                name,
                status: None,
                join_option,
            });
        }
    }
    Ok(types)
}

async fn groups(state: &AppState, parts: &Parts, cmd: GroupsCmd) -> Result<Obj, YmError> {
    let types = catalogue(state, parts, i64::from(cmd.client_id), Need::Admin).await?;
    Ok(responses::groups(&cmd, Some(types), now(state)))
}

/// `POST` (create) or `PUT` (change; omitted fields are left as they are) of a catalogue group,
/// for admin sessions. Later reads (`Groups`, member groups, the state) show the change.
async fn write_group(
    state: &AppState,
    parts: &Parts,
    mut cmd: GroupsCmd,
    create: bool,
) -> Result<Obj, YmError> {
    let client_id = i64::from(cmd.client_id);
    // The request's own mistakes are answered after the session check.
    let write = command::group_write(&cmd, create);
    let existing = cmd.group_id.map(i64::from);
    let id = as_caller(state, parts, client_id, Need::Admin, true, move |tx, _| {
        let write = write?;
        if let Some(type_id) = write.type_id {
            if !db::group_type_exists(tx, client_id, type_id)? {
                return Err(YmError::GroupTypeNotFound);
            }
        }
        let except = if create { None } else { existing };
        if let Some(code) = &write.code {
            if db::group_code_taken(tx, client_id, code, except)? {
                return Err(YmError::Invalid {
                    field: Some("GroupCode"),
                    message: format!("A group with GroupCode '{code}' already exists."),
                });
            }
        }
        match existing {
            Some(id) if !create => {
                if db::update_group(tx, client_id, id, &write)? {
                    Ok(id)
                } else {
                    Err(YmError::GroupNotFound)
                }
            }
            // **[choice]** A GroupID sent with a POST is ignored: the new group gets the next
            // free id of the client.
            _ => Ok(db::insert_group(tx, client_id, &write)?),
        }
    })
    .await?;
    cmd.group_id = i32::try_from(id).ok();
    Ok(responses::groups(&cmd, None, now(state)))
}

// ---------------------------------------------------------------- PeopleGroups

/// **\[choice\]** Relationship tags, in answer order; a tag with no groups is left out.
const RELATIONSHIP_TAGS: [&str; 3] = ["Member", "Administrator", "Representative"];

async fn people_groups(
    state: &AppState,
    parts: &Parts,
    client_id: i32,
    id: i32,
    device: &'static str,
) -> Result<Obj, YmError> {
    let (cid, mid) = (i64::from(client_id), i64::from(id));
    let mut rows = as_caller(state, parts, cid, Need::Admin, false, move |conn, _| {
        load_member_groups(conn, cid, mid)
    })
    .await?;
    rows.sort_by(|a, b| {
        a.name
            .to_lowercase()
            .cmp(&b.name.to_lowercase())
            .then(a.group_id.cmp(&b.group_id))
    });
    let related = |r: &GroupRow, title: Option<String>, primary: bool| RelatedGroup {
        group_id: r.group_id,
        code: r.code.clone(),
        name: r.name.clone(),
        title,
        primary,
    };
    let relationships: Vec<(&'static str, Vec<RelatedGroup>)> = RELATIONSHIP_TAGS
        .iter()
        .map(|tag| {
            let groups = rows
                .iter()
                .filter_map(|r| match *tag {
                    "Member" if r.is_member => Some(related(r, None, r.is_primary)),
                    "Administrator" if r.is_admin => Some(related(r, None, false)),
                    "Representative" => r
                        .rep_title
                        .clone()
                        .map(|title| related(r, Some(title), false)),
                    _ => None,
                })
                .collect::<Vec<_>>();
            (*tag, groups)
        })
        .filter(|(_, groups)| !groups.is_empty())
        .collect();
    Ok(responses::people_groups(
        client_id,
        id,
        &relationships,
        now(state),
        device,
    ))
}
