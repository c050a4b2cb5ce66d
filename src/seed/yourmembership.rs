//! YourMembership in the seed document: clients (tenants), their group types, groups and
//! members, and the checks serde cannot express.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use super::{err, non_empty, unique, SeedError};

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

/// Reference and uniqueness checks of the yourmembership section.
pub(crate) fn validate(ym: &YourMembershipSeed) -> Result<(), SeedError> {
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
