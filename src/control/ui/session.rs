//! How a browser passes the control plane's token check (`--control-token`).
//!
//! A page cannot add `Authorization: Bearer` to what it loads itself, and `EventSource` cannot
//! add a header at all, so the dashboard exchanges the token once for a cookie:
//!
//! - the page and its two assets load without the token (they hold no state and no secret),
//!   and the page asks for the token when a call answers `401`;
//! - `POST /_mock/ui/session` `{"token":".."}` (or opening `/_mock/ui?token=..`, which then
//!   redirects to `/_mock/ui`, out of the address bar) checks it in constant time and sets
//!   `membermock_ui` — `HttpOnly` (no script reads it), `SameSite=Strict` (no other site's
//!   page sends it), `Path=/_mock`, `Secure` over HTTPS. Its value is derived from the token
//!   ([`crate::config::ControlToken::derive`]), so the browser never stores the token itself;
//! - the guard admits a request carrying that cookie as it admits the bearer token ([`admits`]),
//!   but a **write** only when its `Origin` is the mock itself: the cookie rides along on
//!   every request the browser makes, so a page on another port of localhost (same site, other
//!   origin) must not be able to use it;
//! - `DELETE /_mock/ui/session` forgets it.
//!
//! Without `--control-token` there is nothing to exchange, and the page never asks.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::request::Parts;
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;

use super::super::guard::origin_authority;
use super::super::{parse_json, ControlError};
use crate::config::ControlToken;
use crate::state::AppState;
use crate::vendor::Scheme;

/// The cookie's name.
pub const COOKIE: &str = "membermock_ui";

/// What [`ControlToken::derive`] derives the cookie's value for.
const PURPOSE: &str = "membermock dashboard session";

/// Routes that need no token: the page and its assets (nothing secret, and the page must load
/// to ask for the token), and the exchange itself.
pub fn open_without_token(method: &Method, path: &str) -> bool {
    matches!(
        path,
        "/_mock/ui" | "/_mock/ui/" | "/_mock/ui/app.js" | "/_mock/ui/app.css"
    ) || (path == "/_mock/ui/session" && (*method == Method::POST || *method == Method::DELETE))
}

/// Whether the request carries the dashboard's cookie for `token` — and, for a write, comes
/// from a page of the mock itself (`Origin` has the same host and port as `Host`).
pub fn admits(token: &ControlToken, parts: &Parts, host: Option<&str>) -> bool {
    let Some(presented) = cookie(parts) else {
        return false;
    };
    let expected = token.derive(PURPOSE);
    let matches: bool = subtle::ConstantTimeEq::ct_eq(expected.as_bytes(), presented).into();
    if !matches {
        return false;
    }
    if matches!(parts.method, Method::GET | Method::HEAD) {
        return true;
    }
    let origin = parts.headers.get(header::ORIGIN).and_then(origin_authority);
    matches!((origin, host), (Some(o), Some(h)) if o.eq_ignore_ascii_case(h))
}

/// The value of the dashboard's cookie, if the request has it.
fn cookie(parts: &Parts) -> Option<&[u8]> {
    parts
        .headers
        .get_all(header::COOKIE)
        .iter()
        .flat_map(|v| v.as_bytes().split(|b| *b == b';'))
        .find_map(|pair| {
            let pair = pair.trim_ascii();
            let (name, value) = pair.split_at_checked(COOKIE.len())?;
            (name == COOKIE.as_bytes())
                .then_some(value)
                .and_then(|v| v.strip_prefix(b"="))
        })
}

/// `Set-Cookie` for a session (or, with `None`, one that forgets it).
fn set_cookie(value: Option<&str>, https: bool) -> Option<HeaderValue> {
    let secure = if https { "; Secure" } else { "" };
    let cookie = match value {
        Some(v) => format!("{COOKIE}={v}; Path=/_mock; HttpOnly; SameSite=Strict{secure}"),
        None => format!("{COOKIE}=; Path=/_mock; HttpOnly; SameSite=Strict; Max-Age=0{secure}"),
    };
    HeaderValue::from_str(&cookie).ok()
}

/// Whether the browser reached the mock over HTTPS (the scheme a vendor call would see): then
/// the cookie is `Secure`.
fn over_https(parts: &Parts, state: &AppState) -> bool {
    crate::vendor::scheme_of(parts, state.options.trust_forwarded_proto) == Scheme::Https
}

/// The cookie for a token that matches; `None` when none is configured or it does not match.
fn session_cookie(state: &AppState, parts: &Parts, presented: &str) -> Option<HeaderValue> {
    let token = state.options.control.token.as_ref()?;
    if !token.matches(presented.as_bytes()) {
        return None;
    }
    set_cookie(Some(&token.derive(PURPOSE)), over_https(parts, state))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Login {
    token: String,
}

/// `POST /_mock/ui/session` `{"token":".."}`.
pub async fn create(
    State(state): State<AppState>,
    parts: Parts,
    body: Bytes,
) -> Result<Response, ControlError> {
    let login: Login = parse_json(&body)?;
    if state.options.control.token.is_none() {
        return Ok(axum::Json(json!({"status": "ok", "token_required": false})).into_response());
    }
    match session_cookie(&state, &parts, &login.token) {
        Some(cookie) => {
            let mut response =
                axum::Json(json!({"status": "ok", "token_required": true})).into_response();
            response.headers_mut().insert(header::SET_COOKIE, cookie);
            Ok(response)
        }
        None => Err(ControlError {
            status: StatusCode::UNAUTHORIZED,
            message: "that is not the control token (--control-token)".into(),
            path: Some("token".into()),
        }),
    }
}

/// `DELETE /_mock/ui/session`.
pub async fn forget(State(state): State<AppState>, parts: Parts) -> Response {
    let mut response = axum::Json(json!({"status": "ok"})).into_response();
    if let Some(cookie) = set_cookie(None, over_https(&parts, &state)) {
        response.headers_mut().insert(header::SET_COOKIE, cookie);
    }
    response
}

/// `GET /_mock/ui?token=..`: the token exchanged for the cookie, then the page without the
/// token in its address (a `303` either way; a wrong token simply gets no cookie, and the page
/// asks).
pub fn exchange_in_url(state: &AppState, parts: &Parts, token: &str) -> Response {
    let mut response = (StatusCode::SEE_OTHER, [(header::LOCATION, "/_mock/ui")]).into_response();
    let h = response.headers_mut();
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Some(cookie) = session_cookie(state, parts, token) {
        h.insert(header::SET_COOKIE, cookie);
    }
    response
}
