//! The methods: a decoded [`Command`] is [`execute`]d against the store, in one store call, for
//! an authenticated [`Caller`], giving a typed [`Reply`] that [`super::render`] writes later,
//! off the store thread.

use rand::Rng;
use rusqlite::Connection;

use crate::seed::OtherConsLookup;
use crate::store::luminate::{
    self as db, ConsRow, GroupInfoRow, GroupRow, NewCons, SessionKind, SessionRow,
};

use super::auth::{Caller, Visit};
use super::command::{self, Changes, Command, ConsKey, FieldAccess, GroupQuery, UpdateMode};
use super::errors::LumError;
use super::sites::Site;
use super::Fail;

/// **\[choice\]** An auth token (`login`, `getLoginUrl`) lives 30 minutes from its creation on
/// the app clock, not extended by use (no write on every read). The vendor's logged-in session
/// times out after 15 minutes *of inactivity* (G/sso_convio_as_master.html), which a fixed
/// lifetime cannot reproduce; 30 minutes keeps a busy test session alive.
pub const AUTH_TOKEN_TTL_MS: i64 = 30 * 60 * 1000;
/// A single-sign-on token lives 15 minutes (vendor documentation).
pub const SSO_TOKEN_TTL_MS: i64 = 15 * 60 * 1000;
/// **\[choice\]** The load-balancer route the mock reports (`routing_id`, `JSESSIONID` suffix):
/// the mock is a single node.
pub const ROUTING_ID: &str = "membermock";
/// Group ids below this are Luminate's built-in groups: membership changes refuse them (14),
/// `listGroups` hides them by default.
pub const FIRST_CUSTOM_GROUP_ID: i64 = 1000;
/// `getGroupMembers` `max_number`: "The maximum number of members to return (up to 1000).
/// Default is 1000."
pub const MAX_NUMBER_LIMIT: i64 = 1000;
pub const MAX_NUMBER_DEFAULT: i64 = 1000;
/// `listGroups` `list_page_size` "Default is 25."; **\[choice\]** at most 1000.
pub const LIST_PAGE_SIZE_DEFAULT: i64 = 25;
pub const LIST_PAGE_SIZE_LIMIT: i64 = 1000;
/// **\[choice\]** Constituent fields written through `create` / `update` / `createOrUpdate` are at
/// most 255 characters (23 beyond) without control characters (35).
pub const MAX_FIELD_CHARS: usize = 255;
/// **\[choice\]** A nonce works once, within 5 minutes (the vendor: "the nonce expires after one
/// use or when the logged in session ends").
pub const NONCE_TTL_MS: i64 = 5 * 60 * 1000;
/// M/logout_method.html's answer: `{"loginResponse":{"message":"User logged out successfully."}}`.
pub const LOGOUT_MESSAGE: &str = "User logged out successfully.";

/// What `execute` needs to know about the request besides the command.
#[derive(Debug, Clone, Default)]
pub struct Ctx {
    pub now_ms: i64,
    /// `https://host[/org]/site`: where this site's servlets are (for the URLs `login`,
    /// `loginTest` and `getLoginUrl` hand out).
    pub site_base: String,
}

/// A `loginResponse` (login, loginTest): M/loginTest_method.html's elements, in its order.
#[derive(Debug, Clone, PartialEq)]
pub struct LoggedIn {
    pub cons_id: i64,
    /// Unix seconds on the app clock.
    pub timestamp: i64,
    pub signature: Option<String>,
    pub token: Option<String>,
    pub login_test_url: String,
    pub nonce: Option<String>,
    pub jsessionid: Option<String>,
    pub routing_id: Option<&'static str>,
    /// The servlet session the browser is now in (set as the `JSESSIONID` cookie).
    pub session: Option<String>,
}

/// A constituent field `listUserFields` describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UserField {
    pub name: &'static str,
    pub label: &'static str,
    pub value_type: &'static str,
    pub max_chars: Option<usize>,
    pub required: bool,
    /// Whether `update` changes it.
    pub modifiable: bool,
    pub group: &'static str,
}

/// **\[choice\]** The constituent fields the mock keeps, as `listUserFields` describes them:
/// names are the parameters that set them (M/listUserFields_method.html: "the name of the HTTP
/// parameter to use to set the field in a request to create or update a constituent"), types
/// `TEXT`, widths the mock's own limit, groups named by the mock.
pub const USER_FIELDS: &[UserField] = &[
    UserField {
        name: "email.primary_address",
        label: "Email",
        value_type: "TEXT",
        max_chars: Some(MAX_FIELD_CHARS),
        required: true,
        modifiable: true,
        group: "Email",
    },
    UserField {
        name: "member_id",
        label: "Member ID",
        value_type: "TEXT",
        max_chars: Some(MAX_FIELD_CHARS),
        required: false,
        modifiable: false,
        group: "Account",
    },
    UserField {
        name: "name.first",
        label: "First Name",
        value_type: "TEXT",
        max_chars: Some(MAX_FIELD_CHARS),
        required: false,
        modifiable: true,
        group: "Name",
    },
    UserField {
        name: "name.last",
        label: "Last Name",
        value_type: "TEXT",
        max_chars: Some(MAX_FIELD_CHARS),
        required: false,
        modifiable: true,
        group: "Name",
    },
    UserField {
        name: "user_name",
        label: "User Name",
        value_type: "TEXT",
        max_chars: Some(MAX_FIELD_CHARS),
        required: false,
        modifiable: false,
        group: "Account",
    },
];

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
        nonce: String,
        jsessionid: String,
    },
    User(ConsRow),
    UserGroups(Vec<GroupRow>),
    /// `create`, `update`, `createOrUpdate`: the answer's root, the record, whether it is new.
    Saved {
        root: &'static str,
        cons_id: i64,
        created: bool,
    },
    EmailValid(bool),
    UserFields(Vec<&'static UserField>),
    /// `getUserTransactions`: the mock records no transactions.
    Transactions,
    GroupMembers(Vec<ConsRow>),
    GroupInfo(GroupInfoRow),
    Groups(Vec<GroupInfoRow>),
}

impl Reply {
    /// The servlet session this answer puts the browser in, if any (set as the `JSESSIONID`
    /// cookie).
    pub fn jsessionid(&self) -> Option<&str> {
        match self {
            Reply::Login(l) => l.session.as_deref(),
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
            let jsessionid = visit(caller).map(|v| v.jsessionid.clone());
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
            let nonce = new_nonce(conn, &session, Some(cons.cons_id), ctx)?;
            let mut answer = login_answer(site, cons.cons_id, ctx);
            answer.token = Some(session.token);
            answer.nonce = Some(nonce);
            answer.jsessionid.clone_from(&session.jsessionid);
            answer.session = session.jsessionid;
            answer.routing_id = Some(ROUTING_ID);
            Ok(Reply::Login(answer))
        }
        Command::GetLoginUrl { nonce } => {
            // A token of the session the request is in: the one a nonce names
            // (luminateExtend after `login`), else the presented one (angular-luminate-utils),
            // else a new anonymous session.
            let from_nonce = match nonce {
                Some(n) => take_nonce(conn, org, &n, ctx)?,
                None => None,
            };
            let (jsessionid, cons_id) = match (from_nonce, visit(caller)) {
                (Some(found), _) => (Some(found.jsessionid), found.cons_id),
                (None, Some(v)) => (Some(v.jsessionid.clone()), v.cons_id),
                (None, None) => (None, None),
            };
            let session = open_session(conn, org, SessionKind::Auth, cons_id, jsessionid, ctx)?;
            let nonce = new_nonce(conn, &session, cons_id, ctx)?;
            let jsessionid = session.jsessionid.unwrap_or_default();
            // M/getLoginUrl.html: "url":"https://secure3.convio.net/organization/site/
            // CRConsAPI;jsessionid=00000000.appb?NONCE_TOKEN=8888...".
            Ok(Reply::LoginUrl {
                url: format!(
                    "{}/CRConsAPI;jsessionid={ROUTING_ID}?NONCE_TOKEN={nonce}",
                    ctx.site_base
                ),
                token: session.token,
                jsessionid,
            })
        }
        Command::LoginTest { nonce } => {
            // KB 96585: loginTest with NONCE_TOKEN (a getSingleSignOnToken nonce) joins the
            // browser to the session it names.
            let from_nonce = match nonce {
                Some(n) => take_nonce(conn, org, &n, ctx)?,
                None => None,
            };
            let joined = from_nonce.as_ref().map(|v| v.jsessionid.clone());
            let cons_id = from_nonce
                .as_ref()
                .or(visit(caller))
                .and_then(|v| v.cons_id)
                // **[choice]** Nobody logged in: code 3 (the page shows no such answer; code
                // 3's text: "the API is valid only for logged in users").
                .ok_or(LumError::NotLoggedIn)?;
            let mut answer = login_answer(site, cons_id, ctx);
            answer.session = joined;
            Ok(Reply::Login(answer))
        }
        Command::Logout => {
            // Logging out ends the servlet session: every token of its JSESSIONID.
            if let Some(v) = visit(caller) {
                db::delete_servlet_session(conn, org, &v.jsessionid)?;
            }
            Ok(Reply::Logout)
        }
        Command::GetSingleSignOnToken(key) => {
            // "returns a single sign-on token ... as well as creating a logged in session and
            // providing a nonce and routing id which can be passed together in a URL".
            let cons_id = key.find(conn, org)?;
            let sso = open_session(conn, org, SessionKind::Sso, Some(cons_id), None, ctx)?;
            let session = open_session(conn, org, SessionKind::Auth, Some(cons_id), None, ctx)?;
            let nonce = new_nonce(conn, &session, Some(cons_id), ctx)?;
            Ok(Reply::SingleSignOnToken {
                token: sso.token,
                cons_id,
                nonce,
                jsessionid: session.jsessionid.unwrap_or_default(),
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
        Command::Update { key, changes, mode } => {
            let root = match mode {
                UpdateMode::Update => "updateConsResponse",
                UpdateMode::CreateOrUpdate => "createOrUpdateConsResponse",
            };
            let (cons_id, created) = match caller {
                Caller::Admin(_) => {
                    admin_update(conn, org, key, &changes, mode == UpdateMode::CreateOrUpdate)?
                }
                // M/createOrUpdate_method.html: "If the Client API operates on behalf of a
                // logged-in non-administrative user ..., it has the same effect as the update
                // method operating on the logged-in user's record."
                Caller::Cons(_) => {
                    // "add_group_ids ... Only available when called using an administrator
                    // account."
                    if !changes.add_group_ids.is_empty() || !changes.remove_group_ids.is_empty() {
                        return Err(LumError::NotAllowed.into());
                    }
                    let me = subject(conn, site, caller, key)?;
                    write_fields(conn, org, me, &changes)?;
                    (me, false)
                }
                Caller::Visitor(_) => return Err(LumError::NotLoggedIn.into()),
            };
            Ok(Reply::Saved {
                root,
                cons_id,
                created,
            })
        }
        Command::Create(changes) => {
            match caller {
                // Code 3: "if creating a new user that it is valid only if not already logged
                // in".
                Caller::Visitor(Some(Visit {
                    cons_id: Some(_), ..
                })) => return Err(LumError::NotLoggedIn.into()),
                Caller::Visitor(_) if !changes.add_group_ids.is_empty() => {
                    return Err(LumError::NotAllowed.into())
                }
                _ => {}
            }
            let email = changes.new_email().ok_or(LumError::FieldsMissing)?;
            // **[choice]** `create` finds a duplicate by primary e-mail address.
            if !db::cons_ids_by_email(conn, org, email)?.is_empty() {
                return Err(LumError::Duplicate.into());
            }
            let cons_id = insert(conn, org, &changes)?;
            Ok(Reply::Saved {
                root: "createConsResponse",
                cons_id,
                created: true,
            })
        }
        Command::IsEmailValid(email) => Ok(Reply::EmailValid(command::is_email(&email))),
        Command::ListUserFields { access, by_group } => {
            let mut fields: Vec<&'static UserField> = USER_FIELDS
                .iter()
                .filter(|f| access == FieldAccess::View || f.modifiable)
                .collect();
            if by_group {
                fields.sort_by_key(|f| (f.group, f.name));
            }
            Ok(Reply::UserFields(fields))
        }
        Command::GetUserTransactions(key) => {
            subject(conn, site, caller, key)?;
            Ok(Reply::Transactions)
        }
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
            // **[choice]** A group_id that names no group of this site is code 9.
            let group = db::group_info(conn, org, group_id)?.ok_or(LumError::Param("group_id"))?;
            Ok(Reply::GroupInfo(group))
        }
        Command::ListGroups(GroupQuery {
            page_size,
            offset,
            built_in,
            filter,
        }) => {
            // **[choice]** `list_filter_text` keeps the groups whose name contains it (ASCII
            // case-insensitive); groups come in ascending id order.
            let groups = db::list_groups(
                conn,
                org,
                built_in,
                FIRST_CUSTOM_GROUP_ID,
                filter.as_deref(),
                page_size,
                offset,
            )?;
            Ok(Reply::Groups(groups))
        }
    }
}

/// The servlet session a client-API caller presents.
fn visit(caller: &Caller) -> Option<&Visit> {
    match caller {
        Caller::Visitor(v) => v.as_ref(),
        _ => None,
    }
}

/// What a query value escapes (everything but RFC 3986's unreserved characters).
const QUERY_VALUE: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// A `loginResponse` for `cons_id` without session fields: `timestamp`, its `signature` and
/// the `login_test_url`.
///
/// **\[choice\]** `signature` is the site's `sign_redirects` digest (MD5 by default, 32 hex
/// digits as in the page's example) of the cons_id, the timestamp and the site's secret key,
/// concatenated; nil when the site has no secret key. `login_test_url` carries the site's API
/// key, as in the page's example.
fn login_answer(site: &Site, cons_id: i64, ctx: &Ctx) -> LoggedIn {
    let timestamp = ctx.now_ms.div_euclid(1000);
    let signature = site.secret_key.as_deref().map(|secret| {
        command::digest_hex(
            site.redirect_digest,
            &format!("{cons_id}{timestamp}{secret}"),
        )
    });
    let key = percent_encoding::utf8_percent_encode(&site.api_key, QUERY_VALUE);
    LoggedIn {
        cons_id,
        timestamp,
        signature,
        token: None,
        login_test_url: format!(
            "{}/CRConsAPI?v=1.0&api_key={key}&method=loginTest",
            ctx.site_base
        ),
        nonce: None,
        jsessionid: None,
        routing_id: None,
        session: None,
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
        Caller::Visitor(_) => Err(LumError::NotLoggedIn.into()),
    }
}

/// An administrator's `update` / `createOrUpdate`: (cons_id, created).
fn admin_update(
    conn: &Connection,
    org: &str,
    key: Option<ConsKey>,
    changes: &Changes,
    create: bool,
) -> Result<(i64, bool), Fail> {
    let found = match key {
        Some(key) => match key.find(conn, org) {
            Ok(id) => Some(id),
            // createOrUpdate creates a record when a member_id / email lookup finds none.
            Err(Fail::Lum(LumError::NoMatch)) if create && !matches!(key, ConsKey::ConsId(_)) => {
                None
            }
            // Code 15: "Update failed: matched multiple records."
            Err(Fail::Lum(LumError::Ambiguous)) => return Err(LumError::UpdateAmbiguous.into()),
            Err(e) => return Err(e),
        },
        None if create => None,
        None => return Err(LumError::Param("cons_id").into()),
    };
    match found {
        Some(id) => {
            check_groups(conn, org, changes)?;
            write_fields(conn, org, id, changes)?;
            memberships(conn, org, id, changes)?;
            Ok((id, false))
        }
        None => Ok((insert(conn, org, changes)?, true)),
    }
}

/// A new record from `changes` (its groups included): 10 without an address, 22 for an address
/// that is not one, 12 for a user name that is taken.
fn insert(conn: &Connection, org: &str, changes: &Changes) -> Result<i64, Fail> {
    // The old createOrUpdate page: "primary_email — Required to create a record."
    let email = changes.new_email().ok_or(LumError::FieldsMissing)?;
    if !command::is_email(email) {
        return Err(LumError::Validation("primary_email").into());
    }
    if let Some(name) = &changes.user_name {
        if db::user_name_taken(conn, org, name)? {
            return Err(LumError::DuplicateUserName.into());
        }
    }
    check_groups(conn, org, changes)?;
    let cons_id = db::insert_cons(
        conn,
        org,
        NewCons {
            member_id: changes.member_id.as_deref(),
            primary_email: email,
            user_name: changes.user_name.as_deref(),
            password: changes.password.as_deref(),
            first_name: changes.first_name.as_deref(),
            last_name: changes.last_name.as_deref(),
        },
    )?;
    memberships(conn, org, cons_id, changes)?;
    Ok(cons_id)
}

/// Group ids below 1000 are refused (14: "Cannot be used for pre-defined groups (those with
/// IDs less than 1000)"); **\[choice\]** an unknown group to add is 9.
fn check_groups(conn: &Connection, org: &str, changes: &Changes) -> Result<(), Fail> {
    let all = changes
        .add_group_ids
        .iter()
        .chain(&changes.remove_group_ids);
    if all.clone().any(|id| *id < FIRST_CUSTOM_GROUP_ID) {
        return Err(LumError::NotAllowed.into());
    }
    for id in &changes.add_group_ids {
        if !db::group_exists(conn, org, *id)? {
            return Err(LumError::Param("add_group_ids").into());
        }
    }
    Ok(())
}

fn memberships(conn: &Connection, org: &str, cons_id: i64, changes: &Changes) -> Result<(), Fail> {
    for gid in &changes.add_group_ids {
        db::add_membership(conn, org, cons_id, *gid)?;
    }
    for gid in &changes.remove_group_ids {
        db::remove_membership(conn, org, cons_id, *gid)?;
    }
    Ok(())
}

/// The fields an update changes: names and `email.primary_address`.
fn write_fields(conn: &Connection, org: &str, cons_id: i64, changes: &Changes) -> Result<(), Fail> {
    db::update_name(
        conn,
        org,
        cons_id,
        changes.first_name.as_deref(),
        changes.last_name.as_deref(),
    )?;
    if let Some(email) = &changes.email {
        db::update_email(conn, org, cons_id, email)?;
    }
    Ok(())
}

/// A nonce naming `session`'s servlet session, so that `getLoginUrl` / `loginTest` with
/// `NONCE_TOKEN=<nonce>` reach it (luminateExtend does that right after `login`).
fn new_nonce(
    conn: &Connection,
    session: &SessionRow,
    cons_id: Option<i64>,
    ctx: &Ctx,
) -> Result<String, Fail> {
    let nonce = random_hex(8);
    db::insert_session(
        conn,
        &SessionRow {
            token: nonce.clone(),
            org: session.org.clone(),
            kind: SessionKind::Nonce,
            jsessionid: session.jsessionid.clone(),
            cons_id,
            created_at: ctx.now_ms,
            expires_at: ctx.now_ms + NONCE_TTL_MS,
        },
    )?;
    Ok(nonce)
}

/// The live servlet session a nonce names; the nonce is used up.
fn take_nonce(conn: &Connection, org: &str, nonce: &str, ctx: &Ctx) -> Result<Option<Visit>, Fail> {
    let Some(row) = db::session(conn, org, SessionKind::Nonce, nonce, ctx.now_ms)? else {
        return Ok(None);
    };
    db::delete_session(conn, &row.token)?;
    // The session it names must still be live (a logout ends it); its user now, not when the
    // nonce was made.
    let Some(jsessionid) = row.jsessionid else {
        return Ok(None);
    };
    Ok(
        db::servlet_session(conn, org, &jsessionid, ctx.now_ms)?.map(|cons_id| Visit {
            jsessionid,
            cons_id,
        }),
    )
}

/// **\[choice\]** Token shapes: auth and SSO tokens are 40 random lower-case hex digits; a
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
