//! Who may use the control plane: the checks every `/_mock/*` request passes before its handler.
//!
//! The threat is a web page the developer happens to visit, and anyone who can reach a port
//! the mock publishes (docs/control-plane.md, "Who may use the control plane"):
//!
//! 1. **`Host`** must be one of the mock's names — else `421`. DNS rebinding points a name the
//!    attacker owns at 127.0.0.1, and the browser then sends that name. Accepted: no `Host` at
//!    all, an IP address, a name without a dot (`localhost`, a Compose service, a container's
//!    host name: no attacker can make a browser resolve one), `*.localhost`, the names the HTTPS
//!    certificate covers (the vendors' hosts, `--tls-name`, this machine's names) and
//!    `--allow-host` names.
//! 2. **`Origin`**, when a browser sends one, must be a local page (loopback), the mock itself
//!    (the same host and port as `Host`) or an `--allow-host` name — else `403`. Browsers send
//!    it on every cross-origin POST, including the "simple" ones that need no preflight.
//! 3. **The token** (`--control-token`), when set, must come as `Authorization: Bearer` — else
//!    `401`; health and the certificate stay open (the container's HEALTHCHECK, clients that
//!    must fetch the certificate to trust it), and neither tells a secret. A browser on the
//!    dashboard shows it once and then carries a cookie derived from it instead, good for
//!    writes only from the mock's own pages ([`session`]); the dashboard's page and assets
//!    load without it, so that it can ask.
//! 4. **A write with a body** must be `Content-Type: application/json` — else `415`: the three
//!    content types a page can POST cross-site without a preflight are all refused. A write with
//!    no body (`curl -X POST .../_mock/reset`) needs no type.
//!
//! No response carries CORS headers, so nothing is readable from another origin either.

use axum::http::request::Parts;
use axum::http::{header, HeaderValue, Method, StatusCode};
use std::net::IpAddr;

use super::ui::session;
use super::ControlError;
use crate::state::AppState;

/// Routes anyone who reaches the listener may read: nothing secret, and needed before a
/// client can do anything else.
pub fn is_public(path: &str) -> bool {
    path == "/_mock/health" || path == "/_mock/tls/cert.pem"
}

/// Refuse a request that fails one of the checks, saying which and what to do. `has_body`:
/// whether the request carries a body (a non-empty one, or one of unknown length).
pub fn check(state: &AppState, parts: &Parts, has_body: bool) -> Result<(), ControlError> {
    let host = host_of(parts);
    if let Some(host) = host {
        if !host_allowed(state, host) {
            return Err(refusal(
                StatusCode::MISDIRECTED_REQUEST,
                format!(
                    "the control plane does not answer to the host `{host}` (a defence against \
                     DNS rebinding); if that is this server's name, start it with \
                     --allow-host {} (MEMBERMOCK_ALLOW_HOST)",
                    host_name(host)
                ),
            ));
        }
    }
    if let Some(origin) = parts.headers.get(header::ORIGIN) {
        if !origin_allowed(state, origin, host) {
            let shown = String::from_utf8_lossy(origin.as_bytes()).into_owned();
            return Err(refusal(
                StatusCode::FORBIDDEN,
                format!(
                    "requests from the web page at Origin {shown} are refused: only local pages \
                     (localhost) and --allow-host names may use the control plane"
                ),
            ));
        }
    }
    if let Some(token) = &state.options.control.token {
        let path = parts.uri.path();
        let admitted = is_public(path)
            || session::open_without_token(&parts.method, path)
            || bearer(parts).is_some_and(|t| token.matches(t))
            || session::admits(token, parts, host);
        if !admitted {
            return Err(refusal(
                StatusCode::UNAUTHORIZED,
                "the control plane needs `Authorization: Bearer <token>` with the token given \
                 by --control-token (MEMBERMOCK_CONTROL_TOKEN)"
                    .to_string(),
            ));
        }
    }
    if is_write(&parts.method) && !json_or_no_body(parts, has_body) {
        return Err(refusal(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "a control-plane write must send its body as `Content-Type: application/json`"
                .to_string(),
        ));
    }
    Ok(())
}

fn refusal(status: StatusCode, message: String) -> ControlError {
    tracing::debug!(
        status = status.as_u16(),
        message,
        "control plane request refused"
    );
    ControlError {
        status,
        message,
        path: None,
    }
}

fn host_of(parts: &Parts) -> Option<&str> {
    match parts.headers.get(header::HOST) {
        // A Host that is not text is no name of ours.
        Some(value) => Some(value.to_str().unwrap_or("\u{fffd}")),
        None => parts.uri.authority().map(|a| a.as_str()),
    }
}

/// The name in `host[:port]`, `[v6]:port`: lower-cased by the caller's comparisons, without a
/// trailing dot.
fn host_name(authority: &str) -> &str {
    let name = if let Some(rest) = authority.strip_prefix('[') {
        rest.split(']').next().unwrap_or(rest)
    } else {
        match authority.rsplit_once(':') {
            Some((name, port)) if port.bytes().all(|b| b.is_ascii_digit()) => name,
            _ => authority,
        }
    };
    name.strip_suffix('.').unwrap_or(name)
}

fn is_loopback_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower == "localhost"
        || lower.ends_with(".localhost")
        || name.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

fn allowed_by_flag(state: &AppState, name: &str) -> bool {
    state
        .options
        .control
        .allow_hosts
        .iter()
        .any(|h| h == "*" || h.eq_ignore_ascii_case(name))
}

fn host_allowed(state: &AppState, authority: &str) -> bool {
    let name = host_name(authority);
    // What a browser sends is ASCII letters, digits, `-`, `.` (and `:` in IPv6); anything else
    // is no name of ours.
    let plausible = !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._:".contains(&b));
    if !plausible {
        return allowed_by_flag(state, "*");
    }
    name.parse::<IpAddr>().is_ok()
        || !name.contains('.')
        || is_loopback_name(name)
        || crate::tls::SELF_SIGNED_NAMES
            .iter()
            .any(|n| n.eq_ignore_ascii_case(name))
        || allowed_by_flag(state, name)
        || covered_by_certificate(state, name)
}

/// Whether the HTTPS certificate (generated or the operator's) is valid for `name`.
fn covered_by_certificate(state: &AppState, name: &str) -> bool {
    let Some(pem) = &state.tls_cert_pem else {
        return false;
    };
    let Some(Ok(cert)) = rustls_pemfile::certs(&mut pem.as_bytes()).next() else {
        return false;
    };
    crate::tls::covers(&cert, &name.to_ascii_lowercase())
}

/// The `host[:port]` of an `Origin` that is a web page's: `http` or `https`, then an authority
/// and nothing after it. `None` for `null` (a sandboxed frame, a file) and anything else.
pub(crate) fn origin_authority(origin: &HeaderValue) -> Option<&str> {
    let (scheme, authority) = origin.to_str().ok()?.split_once("://")?;
    let web = scheme.eq_ignore_ascii_case("http") || scheme.eq_ignore_ascii_case("https");
    (web && !authority.is_empty() && !authority.contains('/')).then_some(authority)
}

fn origin_allowed(state: &AppState, origin: &HeaderValue, host: Option<&str>) -> bool {
    let Some(authority) = origin_authority(origin) else {
        return false;
    };
    let name = host_name(authority);
    is_loopback_name(name)
        || allowed_by_flag(state, name)
        || host.is_some_and(|h| h.eq_ignore_ascii_case(authority))
}

fn bearer(parts: &Parts) -> Option<&[u8]> {
    let value = parts.headers.get(header::AUTHORIZATION)?.as_bytes();
    let (scheme, token) = value.split_at_checked(7)?;
    scheme
        .eq_ignore_ascii_case(b"bearer ")
        .then(|| token.trim_ascii())
}

fn is_write(method: &Method) -> bool {
    !matches!(
        *method,
        Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE
    )
}

/// `application/json` (any parameters), or no type and no body.
fn json_or_no_body(parts: &Parts, has_body: bool) -> bool {
    match parts.headers.get(header::CONTENT_TYPE) {
        Some(value) => value
            .to_str()
            .ok()
            .and_then(|v| v.split(';').next())
            .is_some_and(|media| media.trim().eq_ignore_ascii_case("application/json")),
        None => !has_body,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_names_lose_their_port_and_trailing_dot() {
        assert_eq!(host_name("localhost:8080"), "localhost");
        assert_eq!(host_name("[::1]:8080"), "::1");
        assert_eq!(host_name("[::1]"), "::1");
        assert_eq!(host_name("evil.example.:80"), "evil.example");
        assert_eq!(host_name("membermock"), "membermock");
    }

    #[test]
    fn loopback_names_are_recognised() {
        for name in [
            "localhost",
            "LocalHost",
            "app.localhost",
            "127.0.0.1",
            "127.9.9.9",
            "::1",
        ] {
            assert!(is_loopback_name(name), "{name}");
        }
        for name in ["localhost.evil.example", "10.0.0.1", "evil.example", "::2"] {
            assert!(!is_loopback_name(name), "{name}");
        }
    }
}
