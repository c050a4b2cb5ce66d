//! YourMembership in the seed document: clients (tenants), their group types, groups and
//! members, the checks serde cannot express, and the way a client goes to the store.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use super::generate::{self, Generate};
use super::{
    err, non_empty, person_err, unique, At, Batch, FastSet, NameSet, Names, Piece, SeedError, Sink,
    TenantFeed,
};

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
    /// Synthetic members to add after the declared ones (never in a state dump).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generate: Option<Generate>,
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

/// **\[choice\]** Default `JoinOption` of a YM group.
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

/// **\[choice\]** The values the option settings take: what the public OWASP client names.
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
    let mut section = SectionCheck::default();
    for (ci, c) in ym.clients.iter().enumerate() {
        section.client(ci, c)?;
        let mut check = ClientCheck::new(ci, Names::Exact);
        check.groups(&c.groups)?;
        for (mi, m) in c.members.iter().enumerate() {
            check.member(At::Declared(mi), m)?;
        }
        check.finish()?;
    }
    Ok(())
}

/// What must hold across the clients of one document.
#[derive(Debug, Default)]
pub(crate) struct SectionCheck {
    client_ids: HashSet<i64>,
}

impl SectionCheck {
    /// A client's own fields, group types, groups and titles (its members are
    /// [`ClientCheck`]'s).
    pub(crate) fn client(&mut self, ci: usize, c: &Client) -> Result<(), SeedError> {
        let p = format!("yourmembership.clients[{ci}]");
        if c.client_id <= 0 {
            return Err(err(format!("{p}.client_id"), "must be positive"));
        }
        unique(
            &mut self.client_ids,
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
        if let Some(g) = &c.generate {
            g.check(&format!("{p}.generate"))?;
        }
        Ok(())
    }
}

/// One client's members, checked as they come (see `luminate::SiteCheck`).
#[derive(Debug)]
pub(crate) struct ClientCheck {
    p: String,
    /// Group codes in lower case.
    codes: Option<HashSet<String>>,
    pending: Vec<(At, usize, String)>,
    member_ids: FastSet<i64>,
    usernames: NameSet,
}

impl ClientCheck {
    pub(crate) fn new(ci: usize, names: Names) -> ClientCheck {
        ClientCheck {
            p: format!("yourmembership.clients[{ci}]"),
            codes: None,
            pending: Vec::new(),
            member_ids: FastSet::default(),
            usernames: NameSet::new(names),
        }
    }

    fn member_err(&self, at: At, field: &str, message: impl Into<String>) -> SeedError {
        person_err(&self.p, "members", at, field, message)
    }

    fn no_group(&self, at: At, gi: usize, code: &str) -> SeedError {
        self.member_err(
            at,
            &format!(".groups[{gi}].code"),
            format!("no group with code `{code}` in this client"),
        )
    }

    /// The groups members may name (checked themselves by [`SectionCheck::client`]).
    pub(crate) fn groups(&mut self, groups: &[YmGroup]) -> Result<(), SeedError> {
        let codes: HashSet<String> = groups.iter().map(|g| g.code.to_lowercase()).collect();
        for (at, gi, code) in std::mem::take(&mut self.pending) {
            if !codes.contains(&code.to_lowercase()) {
                return Err(self.no_group(at, gi, &code));
            }
        }
        self.codes = Some(codes);
        Ok(())
    }

    pub(crate) fn member(&mut self, at: At, m: &Member) -> Result<(), SeedError> {
        if m.member_id <= 0 {
            return Err(self.member_err(at, ".member_id", "must be positive"));
        }
        if !self.member_ids.insert(m.member_id) {
            return Err(self.member_err(at, ".member_id", "duplicate member_id"));
        }
        if m.username.trim().is_empty() {
            return Err(self.member_err(at, ".username", "must not be empty"));
        }
        if !self.usernames.insert(&m.username, true) {
            return Err(self.member_err(at, ".username", "duplicate username"));
        }
        let mut primaries = 0;
        for (gi, g) in m.groups.iter().enumerate() {
            let code = g.code.to_lowercase();
            match &self.codes {
                Some(codes) if !codes.contains(&code) => return Err(self.no_group(at, gi, &g.code)),
                Some(_) => {}
                None => self.pending.push((at, gi, g.code.clone())),
            }
            if m.groups[..gi]
                .iter()
                .any(|other| other.code.to_lowercase() == code)
            {
                return Err(self.member_err(at, &format!(".groups[{gi}].code"), "duplicate group"));
            }
            if g.primary {
                if !g.member {
                    return Err(self.member_err(
                        at,
                        &format!(".groups[{gi}].primary"),
                        "a primary group needs \"member\": true",
                    ));
                }
                primaries += 1;
                if primaries > 1 {
                    return Err(self.member_err(
                        at,
                        &format!(".groups[{gi}].primary"),
                        "only one primary group per member",
                    ));
                }
            }
            if let Some(t) = &g.rep_title {
                if t.trim().is_empty() {
                    return Err(self.member_err(
                        at,
                        &format!(".groups[{gi}].rep_title"),
                        "must not be empty",
                    ));
                }
            }
            if !g.member && !g.admin && g.rep_title.is_none() {
                return Err(self.member_err(
                    at,
                    &format!(".groups[{gi}]"),
                    "a group relationship needs member, admin or rep_title",
                ));
            }
        }
        Ok(())
    }

    /// A generated member: only a clash with a declared one is possible (see
    /// `luminate::SiteCheck::generated`), and generated members are not remembered.
    pub(crate) fn generated(&self, k: u64, m: &Member) -> Result<(), SeedError> {
        let at = At::Generated(k);
        if self.member_ids.contains(&m.member_id) {
            return Err(self.member_err(at, ".member_id", "duplicate member_id"));
        }
        if self.usernames.contains(&m.username, true) {
            return Err(self.member_err(at, ".username", "duplicate username"));
        }
        Ok(())
    }

    /// The end of the client: references to groups never declared fail here.
    pub(crate) fn finish(mut self) -> Result<(), SeedError> {
        if self.codes.is_none() {
            self.groups(&[])?;
        }
        Ok(())
    }
}

/// A client on its way to the store (see `luminate::SiteFeed`).
pub(crate) struct ClientFeed {
    ci: usize,
    client_id: i64,
    check: ClientCheck,
    batch: Batch<Member>,
    max_member_id: i64,
    generate: Option<Generate>,
    codes: Vec<String>,
}

impl ClientFeed {
    /// The client's id and groups must be known: the stored client with the id goes, and
    /// members join groups by code.
    pub(crate) fn open<S: Sink>(
        sink: &mut S,
        ci: usize,
        client_id: i64,
        groups: Vec<YmGroup>,
        generate: Option<Generate>,
        names: Names,
    ) -> Result<ClientFeed, S::Error> {
        let mut check = ClientCheck::new(ci, names);
        check.groups(&groups)?;
        sink.put(Piece::ClientOpen { client_id, groups })?;
        Ok(ClientFeed {
            ci,
            client_id,
            check,
            batch: Batch::new(Piece::Members),
            max_member_id: 0,
            generate,
            codes: Vec::new(),
        })
    }
}

impl TenantFeed for ClientFeed {
    type Head = Client;
    type Person = Member;
    type Section = SectionCheck;

    fn open_from<S: Sink>(
        sink: &mut S,
        index: usize,
        client: &Client,
        generate: Option<Generate>,
        names: Names,
    ) -> Result<ClientFeed, S::Error> {
        ClientFeed::open(
            sink,
            index,
            client.client_id,
            client.groups.clone(),
            generate,
            names,
        )
    }

    fn head<S: Sink>(
        &mut self,
        sink: &mut S,
        section: &mut SectionCheck,
        mut client: Client,
    ) -> Result<(), S::Error> {
        section.client(self.ci, &client)?;
        if client.client_id != self.client_id {
            return Err(err(
                format!("yourmembership.clients[{}].client_id", self.ci),
                "the client_id changed while the client was read",
            )
            .into());
        }
        if let Some(g) = client.generate.take() {
            self.generate = Some(g);
        }
        if let Some(g) = self.generate.filter(|g| g.groups > 0) {
            let type_id = client.group_types.iter().map(|t| t.id).max().unwrap_or(0) + 1;
            // After the client's own types, in whole numbers.
            let sort_index = client
                .group_types
                .iter()
                .map(|t| t.sort_index)
                .fold(0.0, f64::max)
                .floor()
                + 1.0;
            client.group_types.push(GroupType {
                id: type_id,
                name: "Generated".into(),
                sort_index,
            });
            let after = client
                .groups
                .iter()
                .map(|g| g.id)
                .max()
                .unwrap_or(0)
                .max(1000);
            for j in 0..g.groups {
                let next = after + 1 + j as i64;
                client.groups.push(YmGroup {
                    id: next,
                    code: format!("G{next}"),
                    name: Generate::group_label(j),
                    type_id,
                    join_option: default_join_option(),
                    settings: GroupSettings::default(),
                });
            }
            section_recheck_generated(&client, self.ci)?;
        }
        // Members name the declared groups only, which `open` gave the check (as `validate`
        // says).
        self.codes = client.groups.iter().map(|g| g.code.clone()).collect();
        client.members = Vec::new();
        sink.put(Piece::ClientHead(Box::new(client)))
    }

    fn person<S: Sink>(&mut self, sink: &mut S, at: At, m: Member) -> Result<(), S::Error> {
        self.check.member(at, &m)?;
        self.max_member_id = self.max_member_id.max(m.member_id);
        self.batch.push(sink, m)
    }

    fn finish<S: Sink>(mut self, sink: &mut S) -> Result<(), S::Error> {
        if let Some(g) = self.generate {
            // Generated member ids follow the client's highest, from 1000001 on.
            let first = self.max_member_id.max(1_000_000) + 1;
            for k in 0..g.people {
                let m = generated_member(&g, k, first + k as i64, &self.codes);
                self.check.generated(k, &m)?;
                self.batch.push(sink, m)?;
            }
        }
        self.batch.flush(sink)?;
        self.check.finish()?;
        Ok(())
    }
}

/// Generated groups get codes `G<id>`: they must not clash with the client's own codes.
fn section_recheck_generated(client: &Client, ci: usize) -> Result<(), SeedError> {
    let mut codes = HashSet::new();
    for (gi, g) in client.groups.iter().enumerate() {
        if !codes.insert(g.code.to_lowercase()) {
            return Err(err(
                format!("yourmembership.clients[{ci}].generate"),
                format!("generated group code `{}` is taken (groups[{gi}])", g.code),
            ));
        }
    }
    Ok(())
}

/// Member `k` of a population, with its member id, in some of the client's groups (the first
/// is primary).
pub fn generated_member(g: &Generate, k: u64, member_id: i64, codes: &[String]) -> Member {
    let mut person = g.person(k);
    let groups = person
        .groups(codes.len())
        .into_iter()
        .enumerate()
        .map(|(i, at)| MemberGroup {
            code: codes[at].clone(),
            member: true,
            primary: i == 0,
            status: GroupMemberStatus::Joined,
            admin: false,
            rep_title: None,
        })
        .collect();
    Member {
        member_id,
        username: person.handle(member_id),
        password: generate::PASSWORD.to_string(),
        email: Some(person.email(member_id)),
        first_name: Some(person.first.to_string()),
        last_name: Some(person.last.to_string()),
        status: MemberStatus::Active,
        groups,
    }
}

/// The section, whole, to the store (a parsed document).
pub(crate) fn feed<S: Sink>(
    ym: YourMembershipSeed,
    sink: &mut S,
    generate: Option<Generate>,
) -> Result<(), S::Error> {
    let mut section = SectionCheck::default();
    for (ci, mut client) in ym.clients.into_iter().enumerate() {
        let members = std::mem::take(&mut client.members);
        let feed = ClientFeed::open_from(sink, ci, &client, generate, Names::Exact)?;
        feed.run(sink, &mut section, client, members)?;
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
