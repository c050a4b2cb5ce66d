//! Who is calling: the site's API key, its IP filter, then the caller's credentials
//! (server API: API-administrator login; client API: auth token bound to `JSESSIONID`, or an
//! SSO token).

use std::net::IpAddr;

use rusqlite::Connection;

use crate::store::luminate::{self as db, ConsRow, SessionKind, SessionRow};
use crate::wire::secret_eq;

use super::command::Creds;
use super::errors::LumError;
use super::sites::Site;
use super::Fail;

/// What a method needs from its caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// Only the API key (`login`, `getLoginUrl`).
    Nothing,
    /// An auth token, anonymous or not (`loginTest`, `logout`).
    Session,
    /// A logged-in constituent: auth token or SSO token.
    User,
    /// Server API: API-administrator credentials.
    Admin,
}

/// The authenticated caller.
#[derive(Debug, Clone)]
pub enum Caller {
    Nobody,
    /// An auth token's session, with its user when logged in.
    Session {
        session: SessionRow,
        cons: Option<ConsRow>,
    },
    /// An API administrator (their cons_id): may look up anyone of the site.
    Admin(i64),
    /// A constituent: may see only their own record.
    Cons(ConsRow),
}

/// Code 2 unless the key is the site's key or its secondary key.
pub fn check_api_key(site: &Site, presented: Option<&str>) -> Result<(), LumError> {
    let presented = presented.ok_or(LumError::ApiKey)?;
    let primary = secret_eq(presented, &site.api_key);
    let secondary = site
        .secondary_api_key
        .as_deref()
        .is_some_and(|k| secret_eq(presented, k));
    if primary || secondary {
        Ok(())
    } else {
        Err(LumError::ApiKey)
    }
}

/// Code 4 when the site lists allowed addresses and the caller is outside all of them.
pub fn check_ip(site: &Site, peer: IpAddr) -> Result<(), LumError> {
    if site.ip_filter.is_empty() {
        return Ok(());
    }
    let peer = peer.to_canonical();
    let allowed = site.ip_filter.iter().any(|net| net.contains(&peer));
    if allowed {
        Ok(())
    } else {
        Err(LumError::IpDenied)
    }
}

pub fn authenticate(
    conn: &Connection,
    site: &Site,
    need: Need,
    creds: &Creds,
    now_ms: i64,
) -> Result<Caller, Fail> {
    match need {
        Need::Nothing => Ok(Caller::Nobody),
        Need::Admin => admin(conn, site, creds),
        Need::Session => {
            let session = auth_session(conn, site, creds, now_ms)?;
            let cons = match session.cons_id {
                Some(id) => db::cons(conn, &site.org, id)?,
                None => None,
            };
            Ok(Caller::Session { session, cons })
        }
        Need::User => {
            // **[choice]** An SSO token may be used any number of times while it lives.
            let cons_id = if let Some(token) = &creds.sso_auth_token {
                db::session(conn, &site.org, SessionKind::Sso, token, now_ms)?
                    .and_then(|s| s.cons_id)
                    .ok_or(LumError::SsoToken)?
            } else {
                auth_session(conn, site, creds, now_ms)?
                    .cons_id
                    .ok_or(LumError::NotLoggedIn)?
            };
            let cons = db::cons(conn, &site.org, cons_id)?.ok_or(LumError::NotLoggedIn)?;
            Ok(if cons.api_admin {
                Caller::Admin(cons.cons_id)
            } else {
                Caller::Cons(cons)
            })
        }
    }
}

/// Server API: an account of the site's API Administrators group, by user name and password.
/// A confirmed log-in is remembered in the site's in-memory copy ([`Site::known_admin`]).
fn admin(conn: &Connection, site: &Site, creds: &Creds) -> Result<Caller, Fail> {
    let (Some(name), Some(password)) = (&creds.login_name, &creds.login_password) else {
        return Err(LumError::AdminLogin.into());
    };
    match db::cons_by_user_name(conn, &site.org, name)? {
        Some((cons, Some(stored))) if secret_eq(password, &stored) && cons.api_admin => {
            site.remember_admin(name, password, cons.cons_id);
            Ok(Caller::Admin(cons.cons_id))
        }
        _ => Err(LumError::AdminLogin.into()),
    }
}

/// A live auth token of this site whose session is the presented `JSESSIONID`; else code 5.
fn auth_session(
    conn: &Connection,
    site: &Site,
    creds: &Creds,
    now_ms: i64,
) -> Result<SessionRow, Fail> {
    let token = creds.auth.as_deref().ok_or(LumError::AuthToken)?;
    let session = db::session(conn, &site.org, SessionKind::Auth, token, now_ms)?
        .ok_or(LumError::AuthToken)?;
    let bound = match (&session.jsessionid, &creds.jsessionid) {
        (Some(stored), Some(presented)) => secret_eq(presented, stored),
        (None, _) => true,
        (Some(_), None) => false,
    };
    if bound {
        Ok(session)
    } else {
        Err(LumError::AuthToken.into())
    }
}
