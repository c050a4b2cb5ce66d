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
    /// YM's `double?`: any number (`1.5`); written back as an integer when whole, so a seed of
    /// whole numbers dumps as it was loaded.
    #[serde(default, serialize_with = "whole_as_integer")]
    pub sort_index: f64,
}

fn whole_as_integer<S: serde::Serializer>(v: &f64, s: S) -> Result<S::Ok, S::Error> {
    // Within ±2^53 every whole double is an exact i64.
    if v.fract() == 0.0 && v.abs() < 9_007_199_254_740_992.0 {
        s.serialize_i64(*v as i64)
    } else {
        s.serialize_f64(*v)
    }
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
    /// The settings `POST`/`PUT /Ams/{ClientID}/Groups` write (YM's `Groups` request DTO);
    /// absent until set. `accessibility`, `membership`, `messaging`, `email_options_*`: 0, 1 or
    /// 2.
    #[serde(flatten)]
    pub settings: GroupSettings,
}

/// A YM group's settings as the `Groups` DTO names them; each `None` until written.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct GroupSettings {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hidden: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accessibility: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub membership: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub messaging: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub send_newsletter: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enable_feed: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub admin_can_export_members: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub photo_approval: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email_options_admin: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email_options_member: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub short_description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub welcome_content: Option<String>,
}

impl GroupSettings {
    /// The settings that take 0, 1 or 2 (YM's `int?`; the known values are a public client's
    /// constants), by their DTO names.
    pub fn options(&self) -> [(&'static str, Option<i32>); 5] {
        [
            ("Accessibility", self.accessibility),
            ("Membership", self.membership),
            ("Messaging", self.messaging),
            ("EmailOptionsAdmin", self.email_options_admin),
            ("EmailOptionsMember", self.email_options_member),
        ]
    }
}

/// **[choice]** The values the option settings take: what the public OWASP client names.
pub const GROUP_OPTION_VALUES: std::ops::RangeInclusive<i32> = 0..=2;

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

/// `EmailOptionsAdmin` as the seed names it: `email_options_admin`.
fn snake(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            out.push('_');
        }
        out.push(c.to_ascii_lowercase());
    }
    out
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
            for (name, value) in g.settings.options() {
                if value.is_some_and(|v| !GROUP_OPTION_VALUES.contains(&v)) {
                    return Err(err(format!("{gp}.{}", snake(name)), "must be 0, 1 or 2"));
                }
            }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn group_settings_are_read_and_unknown_group_fields_refused() {
        let g: YmGroup = serde_json::from_str(
            r#"{"id":1,"code":"A","name":"A","type_id":1,"active":false,"messaging":2}"#,
        )
        .unwrap();
        assert_eq!(g.settings.active, Some(false));
        assert_eq!(g.settings.messaging, Some(2));
        let typo = serde_json::from_str::<YmGroup>(
            r#"{"id":1,"code":"A","name":"A","type_id":1,"activ":false}"#,
        );
        assert!(typo.is_err());
    }

    #[test]
    fn sort_indexes_take_any_number_and_dump_whole_ones_as_integers() {
        let t: GroupType = serde_json::from_str(r#"{"id":1,"name":"T","sort_index":1.5}"#).unwrap();
        assert_eq!(t.sort_index, 1.5);
        assert_eq!(
            serde_json::to_string(&t).unwrap(),
            r#"{"id":1,"name":"T","sort_index":1.5}"#
        );
        let t: GroupType = serde_json::from_str(r#"{"id":1,"name":"T","sort_index":2}"#).unwrap();
        assert_eq!(
            serde_json::to_string(&t).unwrap(),
            r#"{"id":1,"name":"T","sort_index":2}"#
        );
    }
}
