//! The methods: a decoded [`Command`] is [`execute`]d against the store, in one store call, for
//! an authenticated [`Caller`], giving a typed [`Reply`] that [`super::render`] writes later,
//! off the store thread.

use rand::Rng;
use rusqlite::Connection;

use crate::seed::OtherConsLookup;
use crate::store::luminate::{self as db, ConsRow, GroupRow, SessionKind, SessionRow};

use super::auth::Caller;
use super::command::{Changes, Command, ConsKey};
use super::errors::LumError;
use super::sites::Site;
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
/// **[choice]** A login nonce works once, within 5 minutes.
pub const NONCE_TTL_MS: i64 = 5 * 60 * 1000;
/// **[choice]** The message of `logoutResponse` (no public source shows one).
pub const LOGOUT_MESSAGE: &str = "The user has been logged out.";

/// What `execute` needs to know about the request besides the command.
#[derive(Debug, Clone, Default)]
pub struct Ctx {
    pub now_ms: i64,
    /// `https://host[/org]/site`: where this site's pages are (only `getLoginUrl` needs it).
    pub site_base: String,
    /// The `JSESSIONID` the request presents (parameter, path suffix or cookie), if any.
    pub jsessionid: Option<String>,
}

/// A session handed out: `loginResponse` (login, loginTest).
#[derive(Debug, Clone, PartialEq)]
pub struct LoggedIn {
    pub cons_id: i64,
    pub token: String,
    pub jsessionid: Option<String>,
    pub nonce: String,
}

/// What a method answers, before rendering.
#[derive(Debug, Clone, PartialEq)]
pub enum Reply {
    Login(LoggedIn),
    LoginUrl {
        url: String,
        token: String,
        jsessionid: String,
    },
    Logout,
    SingleSignOnToken {
        token: String,
        cons_id: i64,
    },
    User(ConsRow),
    UserGroups(Vec<GroupRow>),
    Updated {
        cons_id: i64,
        created: bool,
        /// `createOrUpdateConsResponse` rather than `updateConsResponse`.
        create: bool,
    },
    GroupMembers(Vec<ConsRow>),
    GroupInfo(GroupRow, i64),
    Groups(Vec<(GroupRow, i64)>),
}

impl Reply {
    /// The servlet session this answer hands out, if any (set as the `JSESSIONID` cookie).
    pub fn jsessionid(&self) -> Option<&str> {
        match self {
            Reply::Login(l) => l.jsessionid.as_deref(),
            Reply::LoginUrl { jsessionid, .. } => Some(jsessionid.as_str()),
            _ => None,
        }
        .filter(|j| !j.is_empty())
    }
}

pub fn execute(
    conn: &Connection,
    site: &Site,
    caller: &Caller,
    command: Command,
    ctx: &Ctx,
) -> Result<Reply, Fail> {
    let org: &str = &site.org;
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
            logged_in(conn, cons.cons_id, session, ctx)
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
            let jsessionid = session.jsessionid.unwrap_or_default();
            Ok(Reply::LoginUrl {
                url: format!("{}/UserLogin;jsessionid={jsessionid}", ctx.site_base),
                token: session.token,
                jsessionid,
            })
        }
        Command::LoginTest => match caller {
            Caller::Session {
                session,
                cons: Some(cons),
            } => logged_in(conn, cons.cons_id, session.clone(), ctx),
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
            Ok(Reply::Logout)
        }
        Command::GetSingleSignOnToken(key) => {
            let cons_id = key.find(conn, org)?;
            let session = open_session(conn, org, SessionKind::Sso, Some(cons_id), None, ctx)?;
            Ok(Reply::SingleSignOnToken {
                token: session.token,
                cons_id,
            })
        }
        Command::GetUser(key) => {
            let cons_id = subject(conn, site, caller, key)?;
            let cons = db::cons(conn, org, cons_id)?.ok_or(LumError::NoMatch)?;
            Ok(Reply::User(cons))
        }
        Command::GetUserGroups(key) => {
            // An administrator's lookup by cons_id is the hot path: one statement both finds
            // the constituent and reads their groups.
            if let (Caller::Admin(_), Some(ConsKey::ConsId(cons_id))) = (caller, &key) {
                return db::cons_groups_if_exists(conn, org, *cons_id)?
                    .map(Reply::UserGroups)
                    .ok_or(LumError::NoMatch.into());
            }
            let cons_id = subject(conn, site, caller, key)?;
            Ok(Reply::UserGroups(db::cons_groups(conn, org, cons_id)?))
        }
        Command::Update {
            key,
            changes,
            create,
        } => update(conn, org, key, changes, create),
        Command::GetGroupMembers {
            group_id,
            max_number,
        } => {
            // **[choice]** A group_id that names no group of this site is code 9.
            if !db::group_exists(conn, org, group_id)? {
                return Err(LumError::Param("group_id").into());
            }
            Ok(Reply::GroupMembers(db::group_members(
                conn, org, group_id, max_number,
            )?))
        }
        Command::GetGroupInfo { group_id } => {
            let (group, count) =
                db::group(conn, org, group_id)?.ok_or(LumError::Param("group_id"))?;
            Ok(Reply::GroupInfo(group, count))
        }
        Command::ListGroups {
            page_size,
            page_offset,
        } => {
            // **[choice]** `list_page_offset` counts pages (0 = first), as Luminate's list_*
            // parameters do elsewhere.
            let groups = db::list_groups(conn, org, page_size, page_offset * page_size)?;
            Ok(Reply::Groups(groups))
        }
    }
}

/// Whose record a lookup method reads (an administrator names anyone; a constituent only
/// themselves).
fn subject(
    conn: &Connection,
    site: &Site,
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
    org: &str,
    key: Option<ConsKey>,
    changes: Changes,
    create: bool,
) -> Result<Reply, Fail> {
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
    let (cons_id, created) = match found {
        Some(id) => {
            db::update_name(
                conn,
                org,
                id,
                changes.first_name.as_deref(),
                changes.last_name.as_deref(),
            )?;
            (id, false)
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
            (id, true)
        }
    };
    for gid in &changes.add_group_ids {
        db::add_membership(conn, org, cons_id, *gid)?;
    }
    for gid in &changes.remove_group_ids {
        db::remove_membership(conn, org, cons_id, *gid)?;
    }
    Ok(Reply::Updated {
        cons_id,
        created,
        create,
    })
}

/// A `loginResponse`; its `nonce` is kept so that `getLoginUrl` with `NONCE_TOKEN=<nonce>`
/// reaches this session (luminateExtend does that right after `login`).
fn logged_in(
    conn: &Connection,
    cons_id: i64,
    session: SessionRow,
    ctx: &Ctx,
) -> Result<Reply, Fail> {
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
    Ok(Reply::Login(LoggedIn {
        cons_id,
        token: session.token,
        jsessionid: session.jsessionid,
        nonce,
    }))
}

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
