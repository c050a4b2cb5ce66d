//! Who is calling: the site's API key, its IP filter, then the caller's credentials
//! (server API: API-administrator login; client API: auth token bound to `JSESSIONID`, an SSO
//! token, or just the browser's servlet session), then the rights the method needs.

use std::net::IpAddr;

use rusqlite::Connection;

use crate::store::luminate::{self as db, ConsRow, SessionKind};
use crate::wire::secret_eq;

use super::command::Creds;
use super::errors::LumError;
use super::sites::Site;
use super::table::Right;
use super::Fail;

/// What a method needs from its caller (derived from the method table's "Requires
/// Authentication" column, [`super::table::MethodRow::need`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// Client API, no authentication: the browser's servlet session, if it presents one, is
    /// looked up (`login`, `getLoginUrl`, `loginTest`, `logout`, `create`, ...).
    Visitor,
    /// Client API: a logged-in constituent, by auth token or SSO token.
    User,
    /// Server API: API-administrator credentials.
    Admin,
}

/// An administrator: an API administrator on the server API, or a client session of one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Admin {
    pub cons_id: i64,
    pub group_management: bool,
}

/// The servlet session a browser presents (its `JSESSIONID`, else its auth token's).
#[derive(Debug, Clone, PartialEq)]
pub struct Visit {
    pub jsessionid: String,
    /// The logged-in constituent, `None` while anonymous.
    pub cons_id: Option<i64>,
}

/// The authenticated caller.
#[derive(Debug, Clone)]
pub enum Caller {
    /// A client-API caller of a method without authentication, with the servlet session it
    /// presents, if that session is live.
    Visitor(Option<Visit>),
    /// An administrator: may look up anyone of the site.
    Admin(Admin),
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
        Need::Visitor => Ok(Caller::Visitor(visit(conn, site, creds, now_ms)?)),
        Need::Admin => admin(conn, site, creds).map(Caller::Admin),
        Need::User => {
            // **[choice]** An SSO token may be used any number of times while it lives.
            let cons_id = if let Some(token) = &creds.sso_auth_token {
                db::session(conn, &site.org, SessionKind::Sso, token, now_ms)?
                    .and_then(|s| s.cons_id)
                    .ok_or(LumError::SsoToken)?
            } else {
                auth_session(conn, site, creds, now_ms)?.ok_or(LumError::NotLoggedIn)?
            };
            let cons = db::cons(conn, &site.org, cons_id)?.ok_or(LumError::NotLoggedIn)?;
            Ok(if cons.api_admin {
                Caller::Admin(Admin {
                    cons_id: cons.cons_id,
                    group_management: cons.group_management,
                })
            } else {
                Caller::Cons(cons)
            })
        }
    }
}

/// The right a method needs beyond authentication: Group Management (3 without it), or an
/// administrator (14 for a constituent).
pub fn require(caller: &Caller, right: Right) -> Result<(), LumError> {
    match (right, caller) {
        (Right::None, _) => Ok(()),
        (Right::Admin, Caller::Admin(_)) => Ok(()),
        (Right::Admin, _) => Err(LumError::NotAllowed),
        (Right::GroupManagement, Caller::Admin(a)) if a.group_management => Ok(()),
        (Right::GroupManagement, Caller::Cons(c)) if c.group_management => Ok(()),
        (Right::GroupManagement, _) => Err(LumError::NoRight),
    }
}

/// Server API: an account of the site's API Administrators group, by user name and password.
/// A confirmed log-in is remembered in the site's in-memory copy ([`Site::known_admin`]).
fn admin(conn: &Connection, site: &Site, creds: &Creds) -> Result<Admin, Fail> {
    let (Some(name), Some(password)) = (&creds.login_name, &creds.login_password) else {
        return Err(LumError::AdminLogin.into());
    };
    match db::cons_by_user_name(conn, &site.org, name)? {
        Some((cons, Some(stored))) if secret_eq(password, &stored) && cons.api_admin => {
            let admin = Admin {
                cons_id: cons.cons_id,
                group_management: cons.group_management,
            };
            site.remember_admin(name, password, admin);
            Ok(admin)
        }
        _ => Err(LumError::AdminLogin.into()),
    }
}

/// The user of a live auth token of this site whose session is the presented `JSESSIONID`
/// (`None` while the session is anonymous); else code 5.
fn auth_session(
    conn: &Connection,
    site: &Site,
    creds: &Creds,
    now_ms: i64,
) -> Result<Option<i64>, Fail> {
    let token = creds.auth.as_deref().ok_or(LumError::AuthToken)?;
    let session = db::session(conn, &site.org, SessionKind::Auth, token, now_ms)?
        .ok_or(LumError::AuthToken)?;
    let bound = match (&session.jsessionid, &creds.jsessionid) {
        (Some(stored), Some(presented)) => secret_eq(presented, stored),
        (None, _) => true,
        (Some(_), None) => false,
    };
    if bound {
        Ok(session.cons_id)
    } else {
        Err(LumError::AuthToken.into())
    }
}

/// The live servlet session a browser presents: its `JSESSIONID`, else the session of its auth
/// token. Nothing presented, or nothing live, is no session (never an error: these methods
/// need no authentication).
fn visit(
    conn: &Connection,
    site: &Site,
    creds: &Creds,
    now_ms: i64,
) -> Result<Option<Visit>, Fail> {
    if let Some(j) = &creds.jsessionid {
        if let Some(cons_id) = db::servlet_session(conn, &site.org, j, now_ms)? {
            return Ok(Some(Visit {
                jsessionid: j.clone(),
                cons_id,
            }));
        }
    }
    if let Some(token) = &creds.auth {
        if let Some(s) = db::session(conn, &site.org, SessionKind::Auth, token, now_ms)? {
            if let Some(jsessionid) = s.jsessionid {
                return Ok(Some(Visit {
                    jsessionid,
                    cons_id: s.cons_id,
                }));
            }
        }
    }
    Ok(None)
}
