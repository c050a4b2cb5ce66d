//! Sessions: `POST /Ams/Authenticate` opens one; every other route finds it through the
//! `X-SS-ID` header or the `ss-id` cookie and checks its role, client and member.

use axum::http::request::Parts;
use axum::http::HeaderValue;
use rand::distributions::Alphanumeric;
use rand::Rng;

use rusqlite::Connection;

use super::errors::{LoginRefusal, YmError};
use super::render::{Node, Obj};
use super::{SESSION_ID_LEN, SESSION_LIFETIME_SECS};
use crate::store::yourmembership as db;
use crate::wire::secret_eq;

/// `UserType` of an `Authenticate` request.
pub const USER_TYPES: &[&str] = &["Anonymous", "Admin", "Member"];

/// A decoded `Authenticate` request.
#[derive(Debug, Clone, Default)]
pub struct Login {
    pub client_id: i32,
    pub user_type: &'static str,
    pub username: Option<String>,
    pub password: Option<String>,
    pub email: Option<String>,
    pub consumer_key: Option<String>,
    pub consumer_secret: Option<String>,
}

/// A session's role (ServiceStack roles as YM names them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Admin,
    OAuthAdmin,
    Member,
    OAuthMember,
}

impl Role {
    fn is_admin(self) -> bool {
        matches!(self, Role::Admin | Role::OAuthAdmin)
    }
}

/// Who is calling, once the session checked out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Caller {
    pub client_id: i64,
    pub member_id: i64,
    pub role: Role,
}

/// What a route requires of its caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// Any session of the route's client.
    AnyRole,
    /// An admin session, or the member's own session.
    AdminOrSelf(i64),
    /// An admin session.
    Admin,
}

/// Check the credentials and open a session: `(MemberID, SessionId)`. Runs on the store
/// thread, inside the call's one transaction.
pub fn authenticate(
    conn: &Connection,
    login: &Login,
    now_ms: i64,
) -> Result<(i64, String), YmError> {
    let client_id = i64::from(login.client_id);
    let Some(client) = db::client(conn, client_id)? else {
        return Err(YmError::LoginRefused(LoginRefusal::InvalidClient));
    };
    let who = login.username.as_deref().or(login.email.as_deref());
    let members = match who {
        Some(who) if login.user_type == "Member" => db::login_candidates(conn, client_id, who)?,
        _ => Vec::new(),
    };

    // **[choice]** The OAuth variant: `ConsumerKey`/`ConsumerSecret` are the client's API key and
    // API password; with them an Admin login gets `oauthadmin`, a Member login (which still
    // names the member's own credentials) `oauthmember`.
    let oauth = login.consumer_key.is_some() || login.consumer_secret.is_some();
    if oauth {
        let key_ok = secret_eq(login.consumer_key.as_deref().unwrap_or(""), &client.api_key);
        let secret_ok = secret_eq(
            login.consumer_secret.as_deref().unwrap_or(""),
            &client.api_password,
        );
        if !(key_ok & secret_ok) {
            return Err(YmError::BadCredentials);
        }
    }
    let password = login.password.as_deref().unwrap_or("");
    let (member_id, role) = match login.user_type {
        "Admin" if oauth => (0, Role::OAuthAdmin),
        "Admin" => {
            let key_ok = secret_eq(login.username.as_deref().unwrap_or(""), &client.api_key);
            let password_ok = secret_eq(password, &client.api_password);
            if !(key_ok & password_ok) {
                return Err(YmError::BadCredentials);
            }
            (0, Role::Admin)
        }
        "Member" => {
            // A member with the wrong password learns nothing about the account's state.
            let member = members
                .iter()
                .find(|m| secret_eq(password, &m.password))
                .ok_or(YmError::BadCredentials)?;
            match member.status.as_str() {
                "Locked" => return Err(YmError::LoginRefused(LoginRefusal::AccountLockedOut)),
                "Suspended" => return Err(YmError::LoginRefused(LoginRefusal::AccountSuspended)),
                _ => {}
            }
            let role = if oauth {
                Role::OAuthMember
            } else {
                Role::Member
            };
            (member.member_id, role)
        }
        // **[choice]** Anonymous sessions are not emulated: refused like bad credentials.
        _ => return Err(YmError::BadCredentials),
    };

    let session_id: String = rand::thread_rng()
        .sample_iter(&Alphanumeric)
        .take(SESSION_ID_LEN)
        .map(char::from)
        .collect();
    let session = db::Session {
        client_id,
        member_id,
        user_type: if role.is_admin() { "Admin" } else { "Member" }.to_string(),
        oauth: matches!(role, Role::OAuthAdmin | Role::OAuthMember),
        expires_at: now_ms + SESSION_LIFETIME_SECS * 1000,
    };
    db::insert_session(conn, &session_id, &session, now_ms)?;
    Ok((member_id, session_id))
}

/// **\[choice\]** The cookie a successful `Authenticate` sets: ServiceStack's `SessionFeature`
/// hands the session id out as the temporary `ss-id` cookie (the `SessionId` of the answer), so a
/// client with a cookie jar is authenticated without copying it into `X-SS-ID`. The attributes
/// (`path=/`, `HttpOnly`, no expiry) are ServiceStack's defaults; YM's exact ones are not public,
/// and the permanent `ss-pid` tracking cookie is not modeled.
pub fn session_cookie(dto: &Obj) -> Option<HeaderValue> {
    let id = dto.fields.iter().find_map(|(name, value)| match value {
        Node::Str(id) if *name == "SessionId" => Some(id),
        _ => None,
    })?;
    HeaderValue::from_str(&format!("ss-id={id}; path=/; HttpOnly")).ok()
}

/// The session id a request carries: `X-SS-ID` (header names are case-insensitive), else the
/// `ss-id` cookie. `?SessionId=` is deliberately not read. Missing, empty or absurdly long: 401.
pub fn session_id(parts: &Parts) -> Result<String, YmError> {
    let id = match parts.headers.get("x-ss-id").and_then(|v| v.to_str().ok()) {
        Some(v) => v.trim(),
        None => crate::wire::cookie::get(&parts.headers, "ss-id")
            .map(str::trim)
            .ok_or(YmError::NotAuthenticated)?,
    };
    if id.is_empty() || id.len() > 256 {
        return Err(YmError::NotAuthenticated);
    }
    Ok(id.to_string())
}

/// The caller of a route of `client_id`, if its session allows `need`. Runs on the store
/// thread, in the same call as the operation it guards.
pub fn authorize(
    conn: &Connection,
    session_id: &str,
    client_id: i64,
    need: Need,
    now_ms: i64,
) -> Result<Caller, YmError> {
    let session = db::session(conn, session_id)?.ok_or(YmError::NotAuthenticated)?;
    if session.expires_at <= now_ms {
        // Remembered for a while after it expired (`db::SESSION_MEMORY_MS`): a timeout.
        return Err(YmError::SessionExpired);
    }
    let role = match (session.user_type.as_str(), session.oauth) {
        ("Admin", false) => Role::Admin,
        ("Admin", true) => Role::OAuthAdmin,
        (_, false) => Role::Member,
        (_, true) => Role::OAuthMember,
    };
    if session.client_id != client_id {
        return Err(YmError::Forbidden);
    }
    let allowed = match need {
        Need::AnyRole => true,
        Need::Admin => role.is_admin(),
        Need::AdminOrSelf(member_id) => role.is_admin() || session.member_id == member_id,
    };
    if !allowed {
        return Err(YmError::Forbidden);
    }
    Ok(Caller {
        client_id,
        member_id: session.member_id,
        role,
    })
}
