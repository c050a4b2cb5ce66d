//! YM's response DTOs as [`Obj`] trees, properties in the order YM's OpenAPI declares them.
//!
//! Value-type properties (`int`, `bool`, non-nullable enums, `DateTime`) are always present, as
//! ServiceStack writes them; nullable ones are `Null` unless known, so JSON and JSV leave them
//! out.

use chrono::{DateTime, FixedOffset};

use super::command::{GroupsCmd, MemberGroupsCmd};
use super::render::{Node, Obj, SS_NS, YM_NS};
use super::route::Op;
use super::DEFAULT_DEVICE;

/// A successful call's `ResponseStatus`: every member null, so JSON shows `{}`.
pub fn ok_status() -> Obj {
    Obj::new("ResponseStatus", SS_NS)
        .with("ErrorCode", Node::Null)
        .with("Message", Node::Null)
        .with("StackTrace", Node::Null)
        .with("Errors", Node::Null)
        .with("Meta", Node::Null)
}

/// A group as listed inside a group type.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupView {
    pub id: i64,
    pub name: String,
    /// The member's status in it; `None` in the catalogue.
    pub status: Option<&'static str>,
    pub join_option: String,
}

/// A group type with the groups listed under it.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupTypeView {
    pub id: i64,
    pub name: String,
    /// YM's `double?` (always known here).
    pub sort_index: f64,
    /// `None` where the type is listed without its groups (`GroupTypes`).
    pub groups: Option<Vec<GroupView>>,
}

fn group_type_list(types: Option<Vec<GroupTypeView>>) -> Node {
    let Some(types) = types else {
        return Node::Null;
    };
    Node::List(
        types
            .into_iter()
            .map(|t| {
                Node::Obj(
                    Obj::new("GroupType", YM_NS)
                        .with("Id", t.id)
                        .with("TypeName", t.name)
                        .with("SortIndex", t.sort_index)
                        .with(
                            "Groups",
                            t.groups.map(|gs| {
                                gs.into_iter()
                                    .map(|g| {
                                        Obj::new("Group", YM_NS)
                                            .with("Id", g.id)
                                            .with("Name", g.name)
                                            .with("Status", g.status.map(Node::name))
                                            .with("JoinOption", g.join_option)
                                    })
                                    .collect::<Vec<_>>()
                            }),
                        ),
                )
            })
            .collect(),
    )
}

/// The tail every YM service response carries (`BaseSharedDto`'s members after `ClientID`).
/// `Device` is a non-nullable enum: always written, `Desktop` unless the request said otherwise
/// (YM's metadata samples show `Device: Desktop`).
fn cache_fields(
    o: Obj,
    status: Obj,
    now: Option<DateTime<FixedOffset>>,
    device: &'static str,
) -> Obj {
    o.with("ResponseStatus", status)
        .with("BypassCache", false)
        .with("DateCached", now.map_or(Node::MinDate, Node::Date))
        .with("Device", Node::name(device))
}

/// `BaseDto`'s members (`Groups`, `PeopleGroups`), before `ClientID`: values YM's servers fill
/// in (every metadata sample shows `UsingRedis: True` and a server name).
fn base_dto_fields(o: Obj, now: Option<DateTime<FixedOffset>>) -> Obj {
    o.with("UsingRedis", true)
        .with("AppInitTime", now.map_or(Node::MinDate, Node::Date))
        .with("ServerID", super::SERVER_ID)
}

/// `MemberGroupsResponse`: the request echoed, the member's groups by type.
pub fn member_groups(
    cmd: &MemberGroupsCmd,
    types: Vec<GroupTypeView>,
    now: DateTime<FixedOffset>,
) -> Obj {
    member_groups_dto(cmd, Some(types), ok_status(), Some(now))
}

fn member_groups_dto(
    cmd: &MemberGroupsCmd,
    types: Option<Vec<GroupTypeView>>,
    status: Obj,
    now: Option<DateTime<FixedOffset>>,
) -> Obj {
    let o = Obj::new("MemberGroupsResponse", YM_NS)
        .with("GroupTypeList", group_type_list(types))
        .with("PageNumber", cmd.page_number)
        .with("PageSize", cmd.page_size)
        .with("OffSet", cmd.offset)
        .with("Status", Node::name(cmd.status))
        .with("GroupTypeId", cmd.group_type_id)
        .with("SearchTerm", cmd.search_term.clone())
        .with("AddAsMember", cmd.add_as_member)
        .with("IsPrimaryGroup", cmd.is_primary_group)
        .with("AddAsGroupAdmin", cmd.add_as_group_admin)
        .with("AddGroupRepTitle", cmd.add_group_rep_title.clone())
        .with("RemoveAsMember", cmd.remove_as_member)
        .with("RemoveAsGroupAdmin", cmd.remove_as_group_admin)
        .with("RemoveGroupRepTitle", cmd.remove_group_rep_title.clone())
        .with("ID", cmd.id)
        .with("GroupCode", cmd.group_code.clone())
        .with("MemberID", cmd.member_id)
        .with("ClientID", cmd.client_id);
    cache_fields(o, status, now, cmd.device)
}

/// `GroupTypesResponse` (client and member routes).
pub fn group_types(
    client_id: i32,
    member_id: i32,
    types: Vec<GroupTypeView>,
    now: DateTime<FixedOffset>,
    device: &'static str,
) -> Obj {
    group_types_dto(
        client_id,
        member_id,
        Some(types),
        ok_status(),
        Some(now),
        device,
    )
}

fn group_types_dto(
    client_id: i32,
    member_id: i32,
    types: Option<Vec<GroupTypeView>>,
    status: Obj,
    now: Option<DateTime<FixedOffset>>,
    device: &'static str,
) -> Obj {
    let o = Obj::new("GroupTypesResponse", YM_NS)
        .with("GroupTypeList", group_type_list(types))
        .with("Status", Node::name("None"))
        .with("MemberID", member_id)
        .with("ClientID", client_id);
    cache_fields(o, status, now, device)
}

/// `GroupsResponse`: on GET the catalogue, every group under its type; on POST and PUT the
/// request echoed with the group's `GroupID` (**\[choice\]**: YM says only that POST returns
/// "the newly created GroupID"; `GroupTypeList` is left out).
pub fn groups(
    cmd: &GroupsCmd,
    types: Option<Vec<GroupTypeView>>,
    now: DateTime<FixedOffset>,
) -> Obj {
    groups_dto(cmd, types, ok_status(), Some(now))
}

fn groups_dto(
    cmd: &GroupsCmd,
    types: Option<Vec<GroupTypeView>>,
    status: Obj,
    now: Option<DateTime<FixedOffset>>,
) -> Obj {
    let s = &cmd.settings;
    let o = Obj::new("GroupsResponse", YM_NS)
        .with("GroupTypeList", group_type_list(types))
        .with("GroupID", cmd.group_id)
        .with("GroupCode", cmd.group_code.clone())
        .with("TypeID", cmd.type_id)
        .with("Name", cmd.name.clone())
        .with("Active", s.active)
        .with("Hidden", s.hidden)
        .with("Accessibility", s.accessibility)
        .with("Membership", s.membership)
        .with("Messaging", s.messaging)
        .with("SendNewsletter", s.send_newsletter)
        .with("EnableFeed", s.enable_feed)
        .with("AdminCanExportMembers", s.admin_can_export_members)
        .with("PhotoApproval", s.photo_approval)
        .with("EmailOptionsAdmin", s.email_options_admin)
        .with("EmailOptionsMember", s.email_options_member)
        .with("ShortDescription", s.short_description.clone())
        .with("WelcomeContent", s.welcome_content.clone());
    let o = base_dto_fields(o, now).with("ClientID", cmd.client_id);
    cache_fields(o, status, now, cmd.device)
}

/// One group of a `PeopleGroups` relationship.
#[derive(Debug, Clone, PartialEq)]
pub struct RelatedGroup {
    pub group_id: i64,
    pub code: String,
    pub name: String,
    pub title: Option<String>,
    pub primary: bool,
}

/// `PeopleGroupsResponse`: the person's relationships by tag.
pub fn people_groups(
    client_id: i32,
    id: i32,
    relationships: &[(&'static str, Vec<RelatedGroup>)],
    now: DateTime<FixedOffset>,
    device: &'static str,
) -> Obj {
    people_groups_dto(
        client_id,
        id,
        Some(relationships),
        ok_status(),
        Some(now),
        device,
    )
}

fn people_groups_dto(
    client_id: i32,
    id: i32,
    relationships: Option<&[(&'static str, Vec<RelatedGroup>)]>,
    status: Obj,
    now: Option<DateTime<FixedOffset>>,
    device: &'static str,
) -> Obj {
    let list: Option<Vec<Obj>> = relationships.map(|relationships| {
        relationships
            .iter()
            .map(|(tag, groups)| {
                // The item types' names as YM's metadata gives them: `Relationship`, `PeopleGroup`.
                Obj::new("Relationship", YM_NS)
                    .with("RelationshipTag", Node::name(tag))
                    .with(
                        "Groups",
                        groups
                            .iter()
                            .map(|g| {
                                Obj::new("PeopleGroup", YM_NS)
                                    .with("GroupID", g.group_id)
                                    .with("Code", g.code.as_str())
                                    .with("Name", g.name.as_str())
                                    .with("Title", g.title.clone())
                                    .with("Primary", g.primary)
                            })
                            .collect::<Vec<_>>(),
                    )
            })
            .collect()
    });
    let o = Obj::new("PeopleGroupsResponse", YM_NS)
        .with("Relationships", list)
        .with("ID", id);
    let o = base_dto_fields(o, now).with("ClientID", client_id);
    cache_fields(o, status, now, device)
}

/// A successful `AuthResponse`.
pub fn authenticated(client_id: i32, member_id: i32, user_id: String, session_id: &str) -> Obj {
    auth_response(client_id, member_id, "None", ok_status())
        .with_value("UserId", user_id.into())
        .with_value("SessionId", session_id.into())
}

fn auth_response(client_id: i32, member_id: i32, failed: &'static str, status: Obj) -> Obj {
    Obj::new("AuthResponse", YM_NS)
        .with("ClientID", client_id)
        .with("MemberID", member_id)
        .with("FailedLoginReason", Node::name(failed))
        .with("MemberConfig", Node::Null)
        .with("BrandingConfig", Node::Null)
        .with("ExchangeToken", Node::Null)
        .with("UserId", Node::Null)
        .with("SessionId", Node::Null)
        .with("UserName", Node::Null)
        .with("DisplayName", Node::Null)
        .with("ReferrerUrl", Node::Null)
        .with("BearerToken", Node::Null)
        .with("RefreshToken", Node::Null)
        .with("ResponseStatus", status)
        .with("Meta", Node::Null)
}

impl Obj {
    /// Set an already declared property.
    fn with_value(mut self, name: &str, value: Node) -> Obj {
        if let Some(slot) = self.fields.iter_mut().find(|(n, _)| *n == name) {
            slot.1 = value;
        }
        self
    }
}

/// The error body of `op`: its response DTO with defaults only, and the error's status.
pub fn error_dto(op: Op, status: Obj, failed_login: &'static str) -> Obj {
    match op {
        Op::Authenticate => auth_response(0, 0, failed_login, status),
        Op::MemberGroupsGet | Op::MemberGroupsPost | Op::MemberGroupsPut => {
            let defaults = MemberGroupsCmd {
                status: "None",
                device: DEFAULT_DEVICE,
                ..MemberGroupsCmd::default()
            };
            member_groups_dto(&defaults, None, status, None)
        }
        Op::GroupTypes | Op::MemberGroupTypes => {
            group_types_dto(0, 0, None, status, None, DEFAULT_DEVICE)
        }
        Op::Groups | Op::GroupsPost | Op::GroupsPut => {
            let defaults = GroupsCmd {
                device: DEFAULT_DEVICE,
                ..GroupsCmd::default()
            };
            groups_dto(&defaults, None, status, None)
        }
        Op::PeopleGroups => people_groups_dto(0, 0, None, status, None, DEFAULT_DEVICE),
        Op::Unknown => Obj::new("ErrorResponse", SS_NS).with("ResponseStatus", status),
    }
}
