//! The methods: each is decoded from the parameters into a typed [`Command`], then
//! [`execute`]d against the store for an authenticated [`Caller`], giving an [`Answer`].

use rand::Rng;
use rusqlite::Connection;

use crate::seed::OtherConsLookup;
use crate::store::luminate::{self as db, ConsRow, GroupRow, SessionKind, SessionRow, SiteRow};
use crate::wire::form::Params;

use super::auth::{Caller, Need};
use super::errors::LumError;
use super::render::{Answer, Value};
use super::request::Servlet;
use super::Fail;

/// **[choice]** An auth token (`login`, `getLoginUrl`) lives 30 minutes from its creation on
/// the app clock, not extended by use: Luminate's default session timeout, kept deterministic.
pub const AUTH_TOKEN_TTL_MS: i64 = 30 * 60 * 1000;
/// A single-sign-on token lives 15 minutes (vendor documentation).
pub const SSO_TOKEN_TTL_MS: i64 = 15 * 60 * 1000;
/// **[choice]** The load-balancer route the mock reports (`routing_id`, `JSESSIONID` suffix):
/// the mock is a single node.
pub const ROUTING_ID: &str = "membermock";
/// Group ids below this are Luminate's built-in groups; membership changes refuse them (14).
pub const FIRST_CUSTOM_GROUP_ID: i64 = 1000;
/// `getGroupMembers` `max_number`: at most 1000 (vendor); **[choice]** 100 when absent.
pub const MAX_NUMBER_LIMIT: i64 = 1000;
pub const MAX_NUMBER_DEFAULT: i64 = 100;
/// `listGroups` `list_page_size` default 25 (vendor); **[choice]** at most 1000.
pub const LIST_PAGE_SIZE_DEFAULT: i64 = 25;
pub const LIST_PAGE_SIZE_LIMIT: i64 = 1000;
/// **[choice]** Names written through `update`/`createOrUpdate` are at most 255 characters
/// without control characters (the vendor's field size; longer input is code 9).
pub const MAX_NAME_CHARS: usize = 255;

/// Every method the mock serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Login,
    GetLoginUrl,
    LoginTest,
    Logout,
    GetSingleSignOnToken,
    GetUser,
    GetUserGroups,
    Update,
    CreateOrUpdate,
    GetGroupMembers,
    GetGroupInfo,
    ListGroups,
}

/// Which servlet serves which method, by the vendor's case-sensitive name.
const METHODS: &[(Servlet, &str, Method)] = &[
    (Servlet::CRConsAPI, "login", Method::Login),
    (Servlet::CRConsAPI, "getLoginUrl", Method::GetLoginUrl),
    (Servlet::CRConsAPI, "loginTest", Method::LoginTest),
    (Servlet::CRConsAPI, "logout", Method::Logout),
    (Servlet::CRConsAPI, "getUser", Method::GetUser),
    (Servlet::CRConsAPI, "getUserGroups", Method::GetUserGroups),
    (
        Servlet::SRConsAPI,
        "getSingleSignOnToken",
        Method::GetSingleSignOnToken,
    ),
    (Servlet::SRConsAPI, "getUser", Method::GetUser),
    (Servlet::SRConsAPI, "getUserGroups", Method::GetUserGroups),
    (Servlet::SRConsAPI, "update", Method::Update),
    (Servlet::SRConsAPI, "createOrUpdate", Method::CreateOrUpdate),
    (Servlet::CRGroupAPI, "getGroupInfo", Method::GetGroupInfo),
    (Servlet::CRGroupAPI, "listGroups", Method::ListGroups),
    (
        Servlet::SRGroupAPI,
        "getGroupMembers",
        Method::GetGroupMembers,
    ),
    (Servlet::SRGroupAPI, "getGroupInfo", Method::GetGroupInfo),
    (Servlet::SRGroupAPI, "listGroups", Method::ListGroups),
];

impl Method {
    pub fn of(servlet: Servlet, name: &str) -> Option<Method> {
        METHODS
            .iter()
            .find(|(s, n, _)| *s == servlet && *n == name)
            .map(|(_, _, m)| *m)
    }

    /// Server servlets always need an API administrator; client methods need what they say.
    pub fn need(self, servlet: Servlet) -> Need {
        if !servlet.is_client() {
            return Need::Admin;
        }
        match self {
            Method::Login | Method::GetLoginUrl => Need::Nothing,
            Method::LoginTest | Method::Logout => Need::Session,
            _ => Need::User,
        }
    }
}

/// How a method names one constituent. Only the highest-precedence key present is kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConsKey {
    ConsId(i64),
    MemberId(String),
    PrimaryEmail(String),
}

impl ConsKey {
    /// cons_id, then member_id, then primary_email (luminate.md §4); **[choice]** an empty
    /// value counts as absent.
    fn read(params: &Params, with_email: bool) -> Result<Option<ConsKey>, LumError> {
        let get = |n: &str| params.get(n).filter(|v| !v.is_empty());
        if let Some(id) = get("cons_id") {
            return id
                .trim()
                .parse::<i64>()
                .map(|id| Some(ConsKey::ConsId(id)))
                .map_err(|_| LumError::Param("cons_id"));
        }
        if let Some(m) = get("member_id") {
            return Ok(Some(ConsKey::MemberId(m.to_string())));
        }
        if with_email {
            if let Some(e) = get("primary_email") {
                return Ok(Some(ConsKey::PrimaryEmail(e.to_string())));
            }
        }
        Ok(None)
    }

    fn names(&self, me: &ConsRow) -> bool {
        match self {
            ConsKey::ConsId(id) => *id == me.cons_id,
            ConsKey::MemberId(m) => me.member_id.as_deref() == Some(m.as_str()),
            ConsKey::PrimaryEmail(e) => me
                .primary_email
                .as_deref()
                .is_some_and(|mine| mine.eq_ignore_ascii_case(e)),
        }
    }

    /// The one constituent this key names: 16 for none, 8 for several.
    fn find(&self, conn: &Connection, org: &str) -> Result<i64, Fail> {
        let ids = match self {
            ConsKey::ConsId(id) => db::cons(conn, org, *id)?
                .map(|c| vec![c.cons_id])
                .unwrap_or_default(),
            ConsKey::MemberId(m) => db::cons_ids_by_member_id(conn, org, m)?,
            ConsKey::PrimaryEmail(e) => db::cons_ids_by_email(conn, org, e)?,
        };
        match ids.as_slice() {
            [] => Err(LumError::NoMatch.into()),
            [one] => Ok(*one),
            _ => Err(LumError::Ambiguous.into()),
        }
    }
}

/// Membership and name changes of `update` / `createOrUpdate`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Changes {
    pub add_group_ids: Vec<i64>,
    pub remove_group_ids: Vec<i64>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub member_id: Option<String>,
    pub primary_email: Option<String>,
}

/// A decoded method call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Login {
        user_name: String,
        password: String,
    },
    /// `NONCE_TOKEN`: a `loginResponse.nonce`, naming the session that logged in.
    GetLoginUrl {
        nonce: Option<String>,
    },
    LoginTest,
    Logout,
    GetSingleSignOnToken(ConsKey),
    GetUser(Option<ConsKey>),
    GetUserGroups(Option<ConsKey>),
    Update {
        key: Option<ConsKey>,
        changes: Changes,
        create: bool,
    },
    GetGroupMembers {
        group_id: i64,
        max_number: i64,
    },
    GetGroupInfo {
        group_id: i64,
    },
    ListGroups {
        page_size: i64,
        page_offset: i64,
    },
}

impl Command {
    pub fn decode(method: Method, params: &Params) -> Result<Command, LumError> {
        let required = |n: &'static str| {
            params
                .get(n)
                .filter(|v| !v.is_empty())
                .map(str::to_string)
                .ok_or(LumError::Param(n))
        };
        Ok(match method {
            Method::Login => Command::Login {
                user_name: required("user_name")?,
                password: required("password")?,
            },
            Method::GetLoginUrl => Command::GetLoginUrl {
                nonce: params
                    .get("NONCE_TOKEN")
                    .filter(|v| !v.is_empty())
                    .map(str::to_string),
            },
            Method::LoginTest => Command::LoginTest,
            Method::Logout => Command::Logout,
            Method::GetSingleSignOnToken => Command::GetSingleSignOnToken(
                ConsKey::read(params, false)?.ok_or(LumError::Param("cons_id"))?,
            ),
            Method::GetUser => Command::GetUser(ConsKey::read(params, true)?),
            Method::GetUserGroups => Command::GetUserGroups(ConsKey::read(params, true)?),
            Method::Update | Method::CreateOrUpdate => Command::Update {
                key: ConsKey::read(params, true)?,
                changes: Changes {
                    add_group_ids: group_ids(params, "add_group_ids")?,
                    remove_group_ids: group_ids(params, "remove_group_ids")?,
                    first_name: name(params, "name.first")?,
                    last_name: name(params, "name.last")?,
                    member_id: name(params, "member_id")?,
                    primary_email: name(params, "primary_email")?,
                },
                create: method == Method::CreateOrUpdate,
            },
            Method::GetGroupMembers => Command::GetGroupMembers {
                group_id: number(params, "group_id", None, 1, i64::MAX)?,
                max_number: number(
                    params,
                    "max_number",
                    Some(MAX_NUMBER_DEFAULT),
                    1,
                    MAX_NUMBER_LIMIT,
                )?,
            },
            Method::GetGroupInfo => Command::GetGroupInfo {
                group_id: number(params, "group_id", None, 1, i64::MAX)?,
            },
            Method::ListGroups => Command::ListGroups {
                page_size: number(
                    params,
                    "list_page_size",
                    Some(LIST_PAGE_SIZE_DEFAULT),
                    1,
                    LIST_PAGE_SIZE_LIMIT,
                )?,
                page_offset: number(params, "list_page_offset", Some(0), 0, i64::MAX / 2000)?,
            },
        })
    }
}

/// An integer parameter within `min..=max`; `default` when absent (required when `None`).
fn number(
    params: &Params,
    name: &'static str,
    default: Option<i64>,
    min: i64,
    max: i64,
) -> Result<i64, LumError> {
    match params.get(name).filter(|v| !v.is_empty()) {
        None => default.ok_or(LumError::Param(name)),
        Some(v) => v
            .trim()
            .parse::<i64>()
            .ok()
            .filter(|n| (min..=max).contains(n))
            .ok_or(LumError::Param(name)),
    }
}

/// A comma-separated list of group ids (empty items skipped).
fn group_ids(params: &Params, name: &'static str) -> Result<Vec<i64>, LumError> {
    let Some(list) = params.get(name) else {
        return Ok(Vec::new());
    };
    list.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.parse::<i64>().map_err(|_| LumError::Param(name)))
        .collect()
}

fn name(params: &Params, param: &'static str) -> Result<Option<String>, LumError> {
    match params.get(param).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) if v.chars().count() > MAX_NAME_CHARS || v.chars().any(char::is_control) => {
            Err(LumError::Param(param))
        }
        Some(v) => Ok(Some(v.to_string())),
    }
}

/// What `execute` needs to know about the request besides the command.
#[derive(Debug, Clone)]
pub struct Ctx {
    pub now_ms: i64,
    /// `https://host[/org]/site`: where this site's pages are, for `getLoginUrl`.
    pub site_base: String,
    /// The `JSESSIONID` the request presents (parameter, path suffix or cookie), if any.
    pub jsessionid: Option<String>,
}

pub fn execute(
    conn: &Connection,
    site: &SiteRow,
    caller: &Caller,
    command: Command,
    ctx: &Ctx,
) -> Result<Answer, Fail> {
    let org = site.org.as_str();
    match command {
        Command::Login {
            user_name,
            password,
        } => {
            let cons = match db::cons_by_user_name(conn, org, &user_name)? {
                Some((cons, Some(stored))) if crate::wire::secret_eq(&password, &stored) => cons,
                _ => return Err(LumError::BadLogin.into()),
            };
            // **[choice]** Logging in inside a live servlet session (its JSESSIONID presented)
            // logs that session in, as a servlet container does; otherwise a new one opens.
            let jsessionid = live_jsessionid(conn, org, ctx)?;
            if let Some(j) = &jsessionid {
                db::set_servlet_session_user(conn, org, j, cons.cons_id)?;
            }
            let session = open_session(
                conn,
                org,
                SessionKind::Auth,
                Some(cons.cons_id),
                jsessionid,
                ctx,
            )?;
            login_answer(conn, cons.cons_id, &session, ctx)
        }
        Command::GetLoginUrl { nonce } => {
            // A token of the session the request is in: the one a login nonce names
            // (luminateExtend), else the presented JSESSIONID's (angular-luminate-utils), else
            // a new anonymous session.
            let from_nonce = match nonce {
                Some(n) => take_nonce(conn, org, &n, ctx)?,
                None => None,
            };
            let (jsessionid, cons_id) = match from_nonce {
                Some(found) => found,
                None => match live_jsessionid(conn, org, ctx)? {
                    Some(j) => {
                        let cons_id = db::servlet_session(conn, org, &j, ctx.now_ms)?.flatten();
                        (Some(j), cons_id)
                    }
                    None => (None, None),
                },
            };
            let session = open_session(conn, org, SessionKind::Auth, cons_id, jsessionid, ctx)?;
            let jsessionid = session.jsessionid.clone().unwrap_or_default();
            Ok(Answer {
                root: "getLoginUrlResponse",
                fields: vec![
                    (
                        "url",
                        Value::Text(format!(
                            "{}/UserLogin;jsessionid={jsessionid}",
                            ctx.site_base
                        )),
                    ),
                    ("token", Value::text(&session.token)),
                    ("routing_id", Value::text(ROUTING_ID)),
                    ("JSESSIONID", Value::Text(jsessionid)),
                ],
            })
        }
        Command::LoginTest => match caller {
            Caller::Session {
                session,
                cons: Some(cons),
            } => login_answer(conn, cons.cons_id, session, ctx),
            _ => Err(LumError::NotLoggedIn.into()),
        },
        Command::Logout => {
            // Logging out ends the servlet session: every token of its JSESSIONID.
            if let Caller::Session { session, .. } = caller {
                match &session.jsessionid {
                    Some(j) => db::delete_servlet_session(conn, org, j)?,
                    None => db::delete_session(conn, &session.token)?,
                }
            }
            Ok(Answer {
                root: "logoutResponse",
                fields: vec![("message", Value::text(LOGOUT_MESSAGE))],
            })
        }
        Command::GetSingleSignOnToken(key) => {
            let cons_id = key.find(conn, org)?;
            let session = open_session(conn, org, SessionKind::Sso, Some(cons_id), None, ctx)?;
            Ok(Answer {
                root: "getSingleSignOnTokenResponse",
                fields: vec![
                    ("token", Value::text(&session.token)),
                    ("cons_id", Value::text(cons_id)),
                ],
            })
        }
        Command::GetUser(key) => {
            let cons_id = subject(conn, site, caller, key)?;
            let cons = db::cons(conn, org, cons_id)?.ok_or(LumError::NoMatch)?;
            Ok(Answer {
                root: "getConsResponse",
                fields: cons_fields(&cons, true),
            })
        }
        Command::GetUserGroups(key) => {
            let cons_id = subject(conn, site, caller, key)?;
            let groups = db::cons_groups(conn, org, cons_id)?;
            Ok(Answer {
                root: "getConsGroupsResponse",
                fields: vec![(
                    "group",
                    Value::List(groups.iter().map(group_value).collect()),
                )],
            })
        }
        Command::Update {
            key,
            changes,
            create,
        } => update(conn, site, key, changes, create),
        Command::GetGroupMembers {
            group_id,
            max_number,
        } => {
            // **[choice]** A group_id that names no group of this site is code 9.
            db::group(conn, org, group_id)?.ok_or(LumError::Param("group_id"))?;
            let members = db::group_members(conn, org, group_id, max_number)?;
            Ok(Answer {
                root: "getGroupMembersResponse",
                fields: vec![(
                    "member",
                    Value::List(
                        members
                            .iter()
                            .map(|c| Value::Object(cons_fields(c, false)))
                            .collect(),
                    ),
                )],
            })
        }
        Command::GetGroupInfo { group_id } => {
            let (group, count) =
                db::group(conn, org, group_id)?.ok_or(LumError::Param("group_id"))?;
            Ok(Answer {
                root: "getGroupInfoResponse",
                fields: vec![("groupInfo", group_info(&group, count))],
            })
        }
        Command::ListGroups {
            page_size,
            page_offset,
        } => {
            // **[choice]** `list_page_offset` counts pages (0 = first), as Luminate's list_*
            // parameters do elsewhere.
            let groups = db::list_groups(conn, org, page_size, page_offset * page_size)?;
            Ok(Answer {
                root: "listGroupsResponse",
                fields: vec![(
                    "groupInfo",
                    Value::List(groups.iter().map(|(g, n)| group_info(g, *n)).collect()),
                )],
            })
        }
    }
}

/// **[choice]** The message of `logoutResponse` (no public source shows one).
pub const LOGOUT_MESSAGE: &str = "The user has been logged out.";

/// Whose record a lookup method reads (luminate.md §4).
fn subject(
    conn: &Connection,
    site: &SiteRow,
    caller: &Caller,
    key: Option<ConsKey>,
) -> Result<i64, Fail> {
    match caller {
        Caller::Admin(_) => key.ok_or(LumError::Param("cons_id"))?.find(conn, &site.org),
        Caller::Cons(me) => match key {
            Some(k) if !k.names(me) && site.other_cons_lookup == OtherConsLookup::Refuse => {
                Err(LumError::NotAllowed.into())
            }
            _ => Ok(me.cons_id),
        },
        Caller::Nobody | Caller::Session { .. } => Err(LumError::NotLoggedIn.into()),
    }
}

fn update(
    conn: &Connection,
    site: &SiteRow,
    key: Option<ConsKey>,
    changes: Changes,
    create: bool,
) -> Result<Answer, Fail> {
    let org = site.org.as_str();
    let key = key.ok_or(LumError::Param(if create {
        "primary_email"
    } else {
        "cons_id"
    }))?;
    let found = match key.find(conn, org) {
        Ok(id) => Some(id),
        // createOrUpdate creates a record when a member_id / email lookup finds none.
        Err(Fail::Lum(LumError::NoMatch)) if create && !matches!(key, ConsKey::ConsId(_)) => None,
        Err(e) => return Err(e),
    };
    for id in changes
        .add_group_ids
        .iter()
        .chain(&changes.remove_group_ids)
    {
        if *id < FIRST_CUSTOM_GROUP_ID {
            return Err(LumError::NotAllowed.into());
        }
    }
    for id in &changes.add_group_ids {
        if !db::group_exists(conn, org, *id)? {
            return Err(LumError::Param("add_group_ids").into());
        }
    }
    let (cons_id, message) = match found {
        Some(id) => {
            db::update_name(
                conn,
                org,
                id,
                changes.first_name.as_deref(),
                changes.last_name.as_deref(),
            )?;
            (id, "User updated.")
        }
        None => {
            let email = changes
                .primary_email
                .as_deref()
                .ok_or(LumError::Param("primary_email"))?;
            let id = db::insert_cons(
                conn,
                org,
                changes.member_id.as_deref(),
                email,
                changes.first_name.as_deref(),
                changes.last_name.as_deref(),
            )?;
            (id, "User created.")
        }
    };
    for gid in &changes.add_group_ids {
        db::add_membership(conn, org, cons_id, *gid)?;
    }
    for gid in &changes.remove_group_ids {
        db::remove_membership(conn, org, cons_id, *gid)?;
    }
    Ok(Answer {
        root: if create {
            "createOrUpdateConsResponse"
        } else {
            "updateConsResponse"
        },
        fields: vec![
            ("cons_id", Value::text(cons_id)),
            ("message", Value::text(message)),
        ],
    })
}

/// A `loginResponse`; its `nonce` is kept so that `getLoginUrl` with `NONCE_TOKEN=<nonce>`
/// reaches this session (luminateExtend does that right after `login`).
fn login_answer(
    conn: &Connection,
    cons_id: i64,
    session: &SessionRow,
    ctx: &Ctx,
) -> Result<Answer, Fail> {
    let nonce = random_hex(8);
    db::insert_session(
        conn,
        &SessionRow {
            token: nonce.clone(),
            org: session.org.clone(),
            kind: SessionKind::Nonce,
            jsessionid: session.jsessionid.clone(),
            cons_id: Some(cons_id),
            created_at: ctx.now_ms,
            expires_at: ctx.now_ms + NONCE_TTL_MS,
        },
    )?;
    Ok(Answer {
        root: "loginResponse",
        fields: vec![
            ("cons_id", Value::text(cons_id)),
            ("token", Value::text(&session.token)),
            ("JSESSIONID", Value::opt(session.jsessionid.as_deref())),
            ("nonce", Value::Text(nonce)),
            ("routing_id", Value::text(ROUTING_ID)),
        ],
    })
}

/// **[choice]** A login nonce works once, within 5 minutes.
pub const NONCE_TTL_MS: i64 = 5 * 60 * 1000;

/// A servlet session: its JSESSIONID and its user (`None`: anonymous).
type ServletSession = (Option<String>, Option<i64>);

/// The servlet session a live nonce names; the nonce is used up.
fn take_nonce(
    conn: &Connection,
    org: &str,
    nonce: &str,
    ctx: &Ctx,
) -> Result<Option<ServletSession>, Fail> {
    let Some(row) = db::session(conn, org, SessionKind::Nonce, nonce, ctx.now_ms)? else {
        return Ok(None);
    };
    db::delete_session(conn, &row.token)?;
    // The session it names must still be live (a logout ends it).
    let live = match &row.jsessionid {
        Some(j) => db::servlet_session(conn, org, j, ctx.now_ms)?.is_some(),
        None => false,
    };
    Ok(live.then_some((row.jsessionid, row.cons_id)))
}

/// The presented JSESSIONID when it names a live servlet session of this site.
fn live_jsessionid(conn: &Connection, org: &str, ctx: &Ctx) -> Result<Option<String>, Fail> {
    let Some(j) = &ctx.jsessionid else {
        return Ok(None);
    };
    Ok(db::servlet_session(conn, org, j, ctx.now_ms)?.map(|_| j.clone()))
}

fn cons_fields(c: &ConsRow, with_user_name: bool) -> Vec<(&'static str, Value)> {
    let mut fields = vec![
        ("cons_id", Value::text(c.cons_id)),
        ("member_id", Value::opt(c.member_id.as_deref())),
    ];
    if with_user_name {
        fields.push(("user_name", Value::opt(c.user_name.as_deref())));
    }
    fields.push((
        "name",
        Value::Object(vec![
            ("first", Value::opt(c.first_name.as_deref())),
            ("last", Value::opt(c.last_name.as_deref())),
        ]),
    ));
    fields.push((
        "email",
        Value::Object(vec![(
            "primary_address",
            Value::opt(c.primary_email.as_deref()),
        )]),
    ));
    fields
}

fn group_value(g: &GroupRow) -> Value {
    Value::Object(vec![
        ("id", Value::text(g.id)),
        ("label", Value::text(&g.label)),
    ])
}

/// **[choice]** `groupInfo` carries `id`, `label` and `member_count`.
fn group_info(g: &GroupRow, member_count: i64) -> Value {
    Value::Object(vec![
        ("id", Value::text(g.id)),
        ("label", Value::text(&g.label)),
        ("member_count", Value::text(member_count)),
    ])
}

/// **[choice]** Token shapes: auth and SSO tokens are 40 random lower-case hex digits; a
/// JSESSIONID is 32 upper-case hex digits plus `.` and the routing id, like a servlet
/// container's.
/// A new token; an auth token joins `jsessionid` when given, else opens a new servlet session.
fn open_session(
    conn: &Connection,
    org: &str,
    kind: SessionKind,
    cons_id: Option<i64>,
    jsessionid: Option<String>,
    ctx: &Ctx,
) -> Result<SessionRow, Fail> {
    let ttl = match kind {
        SessionKind::Auth => AUTH_TOKEN_TTL_MS,
        SessionKind::Sso => SSO_TOKEN_TTL_MS,
        SessionKind::Nonce => NONCE_TTL_MS,
    };
    let session = SessionRow {
        token: random_hex(20),
        org: org.to_string(),
        kind,
        jsessionid: (kind == SessionKind::Auth).then(|| {
            jsessionid
                .unwrap_or_else(|| format!("{}.{ROUTING_ID}", random_hex(16).to_ascii_uppercase()))
        }),
        cons_id,
        created_at: ctx.now_ms,
        expires_at: ctx.now_ms + ttl,
    };
    db::insert_session(conn, &session)?;
    Ok(session)
}

fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::thread_rng().fill(buf.as_mut_slice());
    hex::encode(buf)
}
