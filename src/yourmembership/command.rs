//! From bound fields to a typed [`Command`], once per request: each operation's request DTO
//! decoded and checked as far as the request alone allows (ServiceStack binds the DTO before any
//! filter runs, so these errors come before the session check). Two checks of a write's
//! content, [`relationship_change`] and [`group_write`], are made here too but answered after
//! the session check, as the service does before a change (`methods.rs` calls them).

use super::auth::{self, Login};
use super::binding::Fields;
use super::errors::YmError;
use super::route::Op;
use super::DEFAULT_PAGE_SIZE;
use crate::store::yourmembership::{self as db, RelationshipChange};

/// A decoded request, one variant per operation.
#[derive(Debug, Clone)]
pub enum Command {
    Authenticate(Login),
    MemberGroups(MemberGroupsCmd),
    /// `POST` (`add`) or `PUT` `MemberGroups`.
    ChangeMemberGroups {
        cmd: MemberGroupsCmd,
        add: bool,
    },
    /// `GroupTypes`, or a member's (`member_id`).
    GroupTypes {
        client_id: i32,
        member_id: Option<i32>,
        device: &'static str,
    },
    Groups(GroupsCmd),
    /// `POST` (`create`) or `PUT` `Groups`.
    WriteGroup {
        cmd: GroupsCmd,
        create: bool,
    },
    PeopleGroups {
        client_id: i32,
        id: i32,
        device: &'static str,
    },
}

/// Decode the fields for `op` (never [`Op::Unknown`], which has no request DTO).
pub fn decode(op: Op, f: &Fields) -> Result<Command, YmError> {
    Ok(match op {
        Op::Authenticate => Command::Authenticate(decode_login(f)?),
        Op::MemberGroupsGet => Command::MemberGroups(decode_member_groups(f)?),
        Op::MemberGroupsPost | Op::MemberGroupsPut => Command::ChangeMemberGroups {
            cmd: decode_member_groups(f)?,
            add: op == Op::MemberGroupsPost,
        },
        Op::GroupTypes | Op::MemberGroupTypes => Command::GroupTypes {
            client_id: f.int("ClientID")?.unwrap_or(0),
            member_id: match op {
                Op::MemberGroupTypes => Some(f.int("MemberID")?.unwrap_or(0)),
                _ => None,
            },
            device: device(f)?,
        },
        Op::Groups => Command::Groups(GroupsCmd {
            client_id: f.int("ClientID")?.unwrap_or(0),
            device: device(f)?,
            ..GroupsCmd::default()
        }),
        Op::GroupsPost | Op::GroupsPut => Command::WriteGroup {
            cmd: decode_groups(f)?,
            create: op == Op::GroupsPost,
        },
        Op::PeopleGroups => Command::PeopleGroups {
            client_id: f.int("ClientID")?.unwrap_or(0),
            id: f.int("ID")?.ok_or(YmError::Invalid {
                field: Some("ID"),
                message: "'ID' is required.".into(),
            })?,
            device: device(f)?,
        },
        Op::Unknown => return Err(YmError::RouteNotFound),
    })
}

/// `Status` values of the `MemberGroups` DTO.
pub const GROUP_STATUSES: &[&str] = &["None", "Joined", "Pending", "NotJoined", "JoinedOrPending"];

/// Decode an `Authenticate` request.
fn decode_login(f: &Fields) -> Result<Login, YmError> {
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
    pub device: &'static str,
}

/// `Device`: YM's enum, `Desktop` when the request names none.
fn device(f: &Fields) -> Result<&'static str, YmError> {
    Ok(f.enumeration("Device", super::DEVICES)?
        .unwrap_or(super::DEFAULT_DEVICE))
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
        device: device(f)?,
    })
}

/// The relationship change a POST (`add`) or PUT asks for; 400 when it asks for none.
pub fn relationship_change(
    cmd: &MemberGroupsCmd,
    add: bool,
) -> Result<RelationshipChange, YmError> {
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

/// A decoded `Groups` request (YM's request DTO; every property optional), echoed by the
/// answer of a POST or PUT.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GroupsCmd {
    pub client_id: i32,
    pub group_id: Option<i32>,
    pub group_code: Option<String>,
    pub type_id: Option<i32>,
    pub name: Option<String>,
    pub settings: crate::seed::GroupSettings,
    pub device: &'static str,
}

/// **\[choice\]** Longest `ShortDescription`/`WelcomeContent` (characters): a group's welcome
/// page is HTML (the public OWASP client sends a whole page), longer than other strings.
pub const MAX_CONTENT_CHARS: usize = 100_000;

fn decode_groups(f: &Fields) -> Result<GroupsCmd, YmError> {
    let settings = crate::seed::GroupSettings {
        active: f.bool("Active")?,
        hidden: f.bool("Hidden")?,
        accessibility: f.int("Accessibility")?,
        membership: f.int("Membership")?,
        messaging: f.int("Messaging")?,
        send_newsletter: f.bool("SendNewsletter")?,
        enable_feed: f.bool("EnableFeed")?,
        admin_can_export_members: f.bool("AdminCanExportMembers")?,
        photo_approval: f.bool("PhotoApproval")?,
        email_options_admin: f.int("EmailOptionsAdmin")?,
        email_options_member: f.int("EmailOptionsMember")?,
        short_description: f.string_up_to("ShortDescription", MAX_CONTENT_CHARS)?,
        welcome_content: f.string_up_to("WelcomeContent", MAX_CONTENT_CHARS)?,
    };
    Ok(GroupsCmd {
        client_id: f.int("ClientID")?.unwrap_or(0),
        group_id: f.int("GroupID")?,
        group_code: f.string("GroupCode")?,
        type_id: f.int("TypeID")?,
        name: f.string("Name")?,
        settings,
        device: device(f)?,
    })
}

fn required_field(field: &'static str) -> YmError {
    YmError::Invalid {
        field: Some(field),
        message: format!("'{field}' is required."),
    }
}

/// What a POST (`create`) or PUT asks of the catalogue, checked as far as the request alone
/// allows: **\[choice\]** a new group needs `Name`, `GroupCode` and `TypeID` (YM marks nothing
/// required; a group without them could not be listed or named); a change needs `GroupID`; the
/// option settings take 0, 1 or 2 (the values a public client names).
pub fn group_write(cmd: &GroupsCmd, create: bool) -> Result<db::GroupWrite, YmError> {
    if create {
        for (field, missing) in [
            ("Name", cmd.name.is_none()),
            ("GroupCode", cmd.group_code.is_none()),
            ("TypeID", cmd.type_id.is_none()),
        ] {
            if missing {
                return Err(required_field(field));
            }
        }
    } else if cmd.group_id.is_none() {
        return Err(required_field("GroupID"));
    }
    for (field, value) in cmd.settings.options() {
        if value.is_some_and(|v| !crate::seed::GROUP_OPTION_VALUES.contains(&v)) {
            return Err(YmError::Invalid {
                field: Some(field),
                message: format!("'{field}' must be 0, 1 or 2."),
            });
        }
    }
    Ok(db::GroupWrite {
        code: cmd.group_code.clone(),
        name: cmd.name.clone(),
        type_id: cmd.type_id.map(i64::from),
        settings: cmd.settings.clone(),
    })
}
