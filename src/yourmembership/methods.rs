//! The operations. Each reads the same way: decode the request DTO → authorize the session →
//! apply to the store → build the response DTO.

use axum::http::request::Parts;
use chrono::{DateTime, FixedOffset};
use rusqlite::Connection;

use super::auth::{self, Caller, Login, Need};
use super::binding::Fields;
use super::errors::YmError;
use super::render::Obj;
use super::responses::{self, GroupTypeView, GroupView, RelatedGroup};
use super::route::Op;
use super::{internal, ym_time, DEFAULT_PAGE_SIZE};
use crate::state::AppState;
use crate::store::yourmembership::{self as db, GroupRow, RelationshipChange};

/// `Status` values of the `MemberGroups` DTO.
pub const GROUP_STATUSES: &[&str] = &["None", "Joined", "Pending", "NotJoined", "JoinedOrPending"];

/// Run one operation (never [`Op::Unknown`]) on the request's bound fields.
pub async fn run(state: &AppState, op: Op, parts: &Parts, fields: &Fields) -> Result<Obj, YmError> {
    match op {
        Op::Authenticate => authenticate(state, fields).await,
        Op::MemberGroupsGet => member_groups(state, parts, fields).await,
        Op::MemberGroupsPost => change_member_groups(state, parts, fields, true).await,
        Op::MemberGroupsPut => change_member_groups(state, parts, fields, false).await,
        Op::GroupTypes | Op::MemberGroupTypes => group_types(state, parts, fields, op).await,
        Op::Groups => groups(state, parts, fields).await,
        Op::PeopleGroups => people_groups(state, parts, fields).await,
        Op::Unknown => Err(YmError::RouteNotFound),
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

/// Decode an `Authenticate` request (also used by `classify` to find the tenant).
pub fn decode_login(f: &Fields) -> Result<Login, YmError> {
    Ok(Login {
        client_id: f.int("ClientID")?.unwrap_or(0),
        user_type: f
            .enumeration("UserType", auth::USER_TYPES)?
            .unwrap_or("Anonymous"),
        // `Username` and `UserName` are the same property to a case-insensitive binder.
        username: f.string("Username")?,
        password: f.string("Password")?,
        email: f.string("EmailAddress")?,
        consumer_key: f.string("ConsumerKey")?,
        consumer_secret: f.string("ConsumerSecret")?,
    })
}

async fn authenticate(state: &AppState, f: &Fields) -> Result<Obj, YmError> {
    let login = decode_login(f)?;
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

/// A decoded `MemberGroups` request (also echoed by the response).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MemberGroupsCmd {
    pub client_id: i32,
    pub member_id: i32,
    pub page_number: i32,
    pub page_size: i32,
    pub offset: i32,
    pub status: &'static str,
    pub group_type_id: i32,
    pub search_term: Option<String>,
    pub add_as_member: Option<bool>,
    pub is_primary_group: Option<bool>,
    pub add_as_group_admin: Option<bool>,
    pub add_group_rep_title: Option<String>,
    pub remove_as_member: Option<bool>,
    pub remove_as_group_admin: Option<bool>,
    pub remove_group_rep_title: Option<String>,
    pub id: Option<i32>,
    pub group_code: Option<String>,
    pub device: Option<String>,
}

fn not_negative(field: &'static str, v: i32) -> Result<i32, YmError> {
    if v < 0 {
        Err(YmError::Invalid {
            field: Some(field),
            message: format!("'{field}' must not be negative."),
        })
    } else {
        Ok(v)
    }
}

fn decode_member_groups(f: &Fields) -> Result<MemberGroupsCmd, YmError> {
    // **[choice]** PageNumber 0 (unset) means page 1; PageSize 0 (unset) means
    // DEFAULT_PAGE_SIZE. Both echo their effective value.
    let page_number = not_negative("PageNumber", f.int("PageNumber")?.unwrap_or(0))?.max(1);
    let page_size = match not_negative("PageSize", f.int("PageSize")?.unwrap_or(0))? {
        0 => DEFAULT_PAGE_SIZE,
        n => n,
    };
    Ok(MemberGroupsCmd {
        client_id: f.int("ClientID")?.unwrap_or(0),
        member_id: f.int("MemberID")?.unwrap_or(0),
        page_number,
        page_size,
        offset: not_negative("OffSet", f.int("OffSet")?.unwrap_or(0))?,
        status: f.enumeration("Status", GROUP_STATUSES)?.unwrap_or("None"),
        group_type_id: f.int("GroupTypeId")?.unwrap_or(0),
        search_term: f.string("SearchTerm")?,
        add_as_member: f.bool("AddAsMember")?,
        is_primary_group: f.bool("IsPrimaryGroup")?,
        add_as_group_admin: f.bool("AddAsGroupAdmin")?,
        add_group_rep_title: f.string("AddGroupRepTitle")?,
        remove_as_member: f.bool("RemoveAsMember")?,
        remove_as_group_admin: f.bool("RemoveAsGroupAdmin")?,
        remove_group_rep_title: f.string("RemoveGroupRepTitle")?,
        id: f.int("ID")?,
        group_code: f.string("GroupCode")?,
        device: f.string("Device")?,
    })
}

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
fn member_group_list(cmd: &MemberGroupsCmd, rows: &[GroupRow]) -> Vec<GroupTypeView> {
    let needle = cmd.search_term.as_deref().map(str::to_lowercase);
    let matching = rows.iter().filter(|r| {
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
    for r in page {
        let group = GroupView {
            id: r.group_id,
            name: r.name.clone(),
            status: Some(group_status(r)),
            join_option: r.join_option.clone(),
        };
        match types.last_mut() {
            Some(t) if t.id == r.type_id => t.groups.get_or_insert_with(Vec::new).push(group),
            _ => types.push(GroupTypeView {
                id: r.type_id,
                name: r.type_name.clone(),
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

async fn member_groups(state: &AppState, parts: &Parts, f: &Fields) -> Result<Obj, YmError> {
    let cmd = decode_member_groups(f)?;
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
        &member_group_list(&cmd, &rows),
        now(state),
    ))
}

/// The relationship change a POST (`add`) or PUT asks for; 400 when it asks for none.
fn relationship_change(cmd: &MemberGroupsCmd, add: bool) -> Result<RelationshipChange, YmError> {
    let yes = |b: Option<bool>| b == Some(true);
    let change = if add {
        RelationshipChange {
            add_member: yes(cmd.add_as_member),
            make_primary: yes(cmd.is_primary_group),
            add_admin: yes(cmd.add_as_group_admin),
            add_title: cmd.add_group_rep_title.clone(),
            ..RelationshipChange::default()
        }
    } else {
        RelationshipChange {
            remove_member: yes(cmd.remove_as_member),
            remove_admin: yes(cmd.remove_as_group_admin),
            remove_title: cmd.remove_group_rep_title.clone(),
            ..RelationshipChange::default()
        }
    };
    let asks = change.add_member
        || change.add_admin
        || change.add_title.is_some()
        || change.remove_member
        || change.remove_admin
        || change.remove_title.is_some();
    if asks {
        Ok(change)
    } else if add {
        Err(YmError::Invalid {
            field: None,
            message: "Specify AddAsMember, AddAsGroupAdmin or AddGroupRepTitle.".into(),
        })
    } else {
        Err(YmError::Invalid {
            field: None,
            message: "Specify RemoveAsMember, RemoveAsGroupAdmin or RemoveGroupRepTitle.".into(),
        })
    }
}

async fn change_member_groups(
    state: &AppState,
    parts: &Parts,
    f: &Fields,
    add: bool,
) -> Result<Obj, YmError> {
    let cmd = decode_member_groups(f)?;
    let (client_id, member_id) = (i64::from(cmd.client_id), i64::from(cmd.member_id));
    // The request's own mistakes are answered after the session check, as before a change.
    let change = relationship_change(&cmd, add);
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
        &member_group_list(&cmd, &rows),
        now(state),
    ))
}

impl From<rusqlite::Error> for YmError {
    fn from(e: rusqlite::Error) -> YmError {
        internal(e.into())
    }
}

// ---------------------------------------------------------------- GroupTypes, Groups

async fn group_types(state: &AppState, parts: &Parts, f: &Fields, op: Op) -> Result<Obj, YmError> {
    let client_id = f.int("ClientID")?.unwrap_or(0);
    let member_id = match op {
        Op::MemberGroupTypes => f.int("MemberID")?.unwrap_or(0),
        _ => 0,
    };
    let (cid, mid) = (i64::from(client_id), i64::from(member_id));
    let types: Vec<GroupTypeView> = if op == Op::MemberGroupTypes {
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
        member_id,
        &types,
        now(state),
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

async fn groups(state: &AppState, parts: &Parts, f: &Fields) -> Result<Obj, YmError> {
    let client_id = f.int("ClientID")?.unwrap_or(0);
    let types = catalogue(state, parts, i64::from(client_id), Need::Admin).await?;
    Ok(responses::groups(client_id, &types, now(state)))
}

// ---------------------------------------------------------------- PeopleGroups

/// **\[choice\]** Relationship tags, in answer order; a tag with no groups is left out.
const RELATIONSHIP_TAGS: [&str; 3] = ["Member", "Administrator", "Representative"];

async fn people_groups(state: &AppState, parts: &Parts, f: &Fields) -> Result<Obj, YmError> {
    let client_id = f.int("ClientID")?.unwrap_or(0);
    let id = f.int("ID")?.ok_or(YmError::Invalid {
        field: Some("ID"),
        message: "'ID' is required.".into(),
    })?;
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
    ))
}
