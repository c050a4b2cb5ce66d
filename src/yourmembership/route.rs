//! Route matching, case-insensitively and segment by segment, as ServiceStack does.

use axum::http::Method;

/// A ServiceStack route of spec §1, with the raw path values it captured.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    pub endpoint: Endpoint,
    /// `{ClientID}` as it appears in the path (bound and converted later).
    pub client_id: Option<String>,
    /// `{MemberID}` as it appears in the path.
    pub member_id: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    Authenticate,
    /// `/Ams/{ClientID}/Member/{MemberID}/Groups`
    MemberGroupsOfMember,
    /// `/Ams/{ClientID}/MemberGroups`
    MemberGroups,
    GroupTypes,
    MemberGroupTypes,
    Groups,
    PeopleGroups,
}

/// An operation: a request DTO plus verb.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Authenticate,
    MemberGroupsGet,
    MemberGroupsPost,
    MemberGroupsPut,
    GroupTypes,
    MemberGroupTypes,
    Groups,
    GroupsPost,
    GroupsPut,
    PeopleGroups,
    /// No route matched, or a known route with a verb it does not serve.
    Unknown,
}

impl Op {
    /// Every operation a route serves (not [`Op::Unknown`]).
    pub const ALL: [Op; 10] = [
        Op::Authenticate,
        Op::MemberGroupsGet,
        Op::MemberGroupsPost,
        Op::MemberGroupsPut,
        Op::GroupTypes,
        Op::MemberGroupTypes,
        Op::Groups,
        Op::GroupsPost,
        Op::GroupsPut,
        Op::PeopleGroups,
    ];

    /// The name the journal and fault rules use.
    pub fn name(self) -> &'static str {
        match self {
            Op::Authenticate => "Authenticate",
            Op::MemberGroupsGet => "MemberGroups.GET",
            Op::MemberGroupsPost => "MemberGroups.POST",
            Op::MemberGroupsPut => "MemberGroups.PUT",
            Op::GroupTypes => "GroupTypes.GET",
            Op::MemberGroupTypes => "MemberGroupTypes.GET",
            Op::Groups => "Groups.GET",
            Op::GroupsPost => "Groups.POST",
            Op::GroupsPut => "Groups.PUT",
            Op::PeopleGroups => "PeopleGroups.GET",
            Op::Unknown => "unknown",
        }
    }

    /// The ServiceStack request DTO's type name.
    pub fn dto(self) -> &'static str {
        match self {
            Op::Authenticate => "Authenticate",
            Op::MemberGroupsGet | Op::MemberGroupsPost | Op::MemberGroupsPut => "MemberGroups",
            Op::GroupTypes | Op::MemberGroupTypes => "GroupTypes",
            Op::Groups | Op::GroupsPost | Op::GroupsPut => "Groups",
            Op::PeopleGroups => "PeopleGroups",
            Op::Unknown => "ErrorResponse",
        }
    }
}

impl Endpoint {
    /// The verbs this route serves, in `Allow` order.
    pub fn verbs(self) -> &'static [Method] {
        match self {
            Endpoint::Authenticate => &[Method::POST],
            Endpoint::MemberGroups => &[Method::POST, Method::PUT],
            Endpoint::Groups => &[Method::GET, Method::POST, Method::PUT],
            _ => &[Method::GET],
        }
    }

    pub fn op(self, method: &Method) -> Option<Op> {
        let op = match (self, method.as_str()) {
            (Endpoint::Authenticate, "POST") => Op::Authenticate,
            (Endpoint::MemberGroupsOfMember, "GET") => Op::MemberGroupsGet,
            (Endpoint::MemberGroups, "POST") => Op::MemberGroupsPost,
            (Endpoint::MemberGroups, "PUT") => Op::MemberGroupsPut,
            (Endpoint::GroupTypes, "GET") => Op::GroupTypes,
            (Endpoint::MemberGroupTypes, "GET") => Op::MemberGroupTypes,
            (Endpoint::Groups, "GET") => Op::Groups,
            (Endpoint::Groups, "POST") => Op::GroupsPost,
            (Endpoint::Groups, "PUT") => Op::GroupsPut,
            (Endpoint::PeopleGroups, "GET") => Op::PeopleGroups,
            _ => return None,
        };
        Some(op)
    }

    /// The request DTO named in a 405 answer.
    pub fn dto(self) -> &'static str {
        match self {
            Endpoint::Authenticate => "Authenticate",
            Endpoint::MemberGroupsOfMember | Endpoint::MemberGroups => "MemberGroups",
            Endpoint::GroupTypes | Endpoint::MemberGroupTypes => "GroupTypes",
            Endpoint::Groups => "Groups",
            Endpoint::PeopleGroups => "PeopleGroups",
        }
    }
}

impl Route {
    /// Match a path (its format suffix already removed). Empty segments (`//`, a trailing `/`)
    /// are ignored, as ServiceStack does.
    pub fn parse(path: &str) -> Option<Route> {
        let segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        let is = |i: usize, lit: &str| segs.get(i).is_some_and(|s| s.eq_ignore_ascii_case(lit));
        if !is(0, "ams") {
            return None;
        }
        let route = |endpoint, client: Option<&str>, member: Option<&str>| {
            Some(Route {
                endpoint,
                client_id: client.map(str::to_string),
                member_id: member.map(str::to_string),
            })
        };
        match segs.len() {
            2 if is(1, "authenticate") => route(Endpoint::Authenticate, None, None),
            3 => {
                let endpoint = if is(2, "membergroups") {
                    Endpoint::MemberGroups
                } else if is(2, "grouptypes") {
                    Endpoint::GroupTypes
                } else if is(2, "groups") {
                    Endpoint::Groups
                } else if is(2, "peoplegroups") {
                    Endpoint::PeopleGroups
                } else {
                    return None;
                };
                route(endpoint, Some(segs[1]), None)
            }
            5 if is(2, "member") => {
                let endpoint = if is(4, "groups") {
                    Endpoint::MemberGroupsOfMember
                } else if is(4, "grouptypes") {
                    Endpoint::MemberGroupTypes
                } else {
                    return None;
                };
                route(endpoint, Some(segs[1]), Some(segs[3]))
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_match_in_any_case() {
        let r = Route::parse("/ams/40001/MEMBER/5001/groups").unwrap();
        assert_eq!(r.endpoint, Endpoint::MemberGroupsOfMember);
        assert_eq!(r.client_id.as_deref(), Some("40001"));
        assert_eq!(r.member_id.as_deref(), Some("5001"));
        assert_eq!(
            Route::parse("/AMS/authenticate/").unwrap().endpoint,
            Endpoint::Authenticate
        );
        assert!(Route::parse("/Ams/40001/Nope").is_none());
        assert!(Route::parse("/Ams").is_none());
    }
}

#[cfg(test)]
mod operation_list {
    use super::Op;

    /// No wildcard: a new operation does not compile until this says whether it is listed.
    fn listed(op: Op) -> bool {
        match op {
            Op::Authenticate
            | Op::MemberGroupsGet
            | Op::MemberGroupsPost
            | Op::MemberGroupsPut
            | Op::GroupTypes
            | Op::MemberGroupTypes
            | Op::Groups
            | Op::GroupsPost
            | Op::GroupsPut
            | Op::PeopleGroups => Op::ALL.contains(&op),
            Op::Unknown => !Op::ALL.contains(&op),
        }
    }

    #[test]
    fn all_lists_every_operation_a_route_serves() {
        for op in Op::ALL.into_iter().chain([Op::Unknown]) {
            assert!(listed(op), "{op:?}");
        }
    }
}
