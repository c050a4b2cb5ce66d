//! Cross-origin calls from browser pages (luminateExtend, angular-luminate-utils): the site's
//! list of allowed domains, the headers an allowed origin gets, and preflights.
//!
//! What the vendor documents: a site lists the domains its JavaScript may call the API from
//! ("Setup -> Site Options -> Open API Configuration ... Allow JavaScript/Flash API from these
//! domains", luminateExtend's README), with `*.` wildcards; "The API supports the Cross-Origin
//! Resource Sharing (CORS) spec ... thanks to the Access-Control-Allow-Origin HTTP response
//! header", and since Q1 2013 "the API will now return the Access-Control-Allow-Credentials
//! response header on pre-flight requests, allowing for sending cookies" (luminateExtend issue
//! 23). A page whose origin is not allowed sees "No 'Access-Control-Allow-Origin' header is
//! present on the requested resource" (issue 72): the answer carries no CORS headers, and the
//! browser keeps it from the page.
//!
//! - An allowed origin gets `Access-Control-Allow-Origin: <its exact origin>` (never `*`: the
//!   clients send credentials) and `Access-Control-Allow-Credentials: true`, on every answer of
//!   a client servlet, errors and redirects included.
//! - **\[choice\]** Only the client servlets (`CRConsAPI`, `CRGroupAPI`) answer browsers: the
//!   setting is the *JavaScript* API's, and the server servlets take administrator passwords
//!   that no page should hold.
//! - **\[choice\]** Domains match as Luminate's own `luminateExtend_server` page matches them
//!   against `CONVIO_API_CROSSDOMAINS_TRUSTED` (convio/luminateExtend): the page's host `h` is
//!   allowed when the list holds `h`, `www.h`, `*.h`, the parent `p` of `h` (what follows its
//!   first dot) or `*.p`; case-insensitive, any scheme. That page compares `host:port`; the
//!   mock lets an entry without a port match any port (pages under development have one), and
//!   an entry with a port only that port.
//! - **\[choice\]** A preflight (`OPTIONS` with `Origin` and `Access-Control-Request-Method`)
//!   from an allowed origin: 200, empty, allowing `GET, POST`, the headers it asked for, for
//!   30 minutes; from any other origin: 403, empty, no CORS headers (what a servlet container's
//!   CORS filter answers).
//! - `Vary: Origin` on every client-servlet answer to a request with an `Origin`, so a cache
//!   never hands one origin's answer to another.
//!
//! Cost: nothing for the server servlets, one header lookup for a client call without
//! `Origin`.

use axum::body::Body;
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::Response;

use super::command::LumRequest;

/// **\[choice\]** How long a browser may cache a preflight answer.
pub const PREFLIGHT_MAX_AGE_SECONDS: &str = "1800";
/// The verbs a preflight allows (the method table decides per method on the real call).
pub const ALLOW_METHODS: &str = "GET, POST";

/// A site's allowed domains, lower-cased.
#[derive(Debug, Clone, Default)]
pub struct CorsDomains(Box<[Box<str>]>);

impl CorsDomains {
    pub fn new(entries: &[String]) -> CorsDomains {
        CorsDomains(
            entries
                .iter()
                .map(|e| e.trim().to_ascii_lowercase().into_boxed_str())
                .filter(|e| !e.is_empty())
                .collect(),
        )
    }

    /// Whether a page of this `Origin` may read the answers.
    pub fn allows(&self, origin: &str) -> bool {
        let Some((host, port)) = origin_host(origin).map(split_port) else {
            return false;
        };
        let parent = host.split_once('.').map_or(host, |(_, p)| p);
        self.0.iter().any(|entry| {
            let (entry, entry_port) = split_port(entry);
            let eq = |a: &str, b: &str| a.eq_ignore_ascii_case(b);
            (entry_port.is_none() || entry_port == port)
                && (eq(entry, host)
                    || eq(entry, parent)
                    || entry.strip_prefix("www.").is_some_and(|e| eq(e, host))
                    || entry
                        .strip_prefix("*.")
                        .is_some_and(|e| eq(e, host) || eq(e, parent)))
        })
    }
}

/// `host` and `port` of `host[:port]` (`[v6]:port` included).
fn split_port(authority: &str) -> (&str, Option<&str>) {
    let colon = match authority.rfind(':') {
        Some(i) if !authority[i..].contains(']') => i,
        _ => return (authority, None),
    };
    let (host, port) = (&authority[..colon], &authority[colon + 1..]);
    if host.contains(':') && !host.starts_with('[') {
        // A bare IPv6 address, not host:port.
        return (authority, None);
    }
    (host, Some(port))
}

/// `host[:port]` of a serialized origin `scheme://host[:port]`; `None` for `null` and
/// anything else.
fn origin_host(origin: &str) -> Option<&str> {
    let (scheme, host) = origin.split_once("://")?;
    let scheme_ok = !scheme.is_empty()
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c));
    (scheme_ok && !host.is_empty() && !host.contains(['/', '?', '#', '@'])).then_some(host)
}

/// The `Origin` of a request to a client servlet of a known site, and whether the site allows
/// it.
fn checked<'a>(request: &LumRequest, headers: &'a HeaderMap) -> Option<(&'a HeaderValue, bool)> {
    if !request.target.servlet?.is_client() {
        return None;
    }
    let origin = headers.get(header::ORIGIN)?;
    let allowed = match (&request.site, origin.to_str()) {
        (Some(site), Ok(o)) => site.cors.allows(o),
        _ => false,
    };
    Some((origin, allowed))
}

/// The answer to a CORS preflight, or `None` when the request is not one.
pub fn preflight(request: &LumRequest, headers: &HeaderMap, verb: &Method) -> Option<Response> {
    if verb != Method::OPTIONS
        || !headers.contains_key(header::ORIGIN)
        || !headers.contains_key(header::ACCESS_CONTROL_REQUEST_METHOD)
    {
        return None;
    }
    let mut response = Response::new(Body::empty());
    let out = response.headers_mut();
    out.insert(
        header::VARY,
        HeaderValue::from_static(
            "Origin, Access-Control-Request-Method, Access-Control-Request-Headers",
        ),
    );
    match checked(request, headers) {
        Some((origin, true)) => {
            out.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin.clone());
            out.insert(
                header::ACCESS_CONTROL_ALLOW_CREDENTIALS,
                HeaderValue::from_static("true"),
            );
            out.insert(
                header::ACCESS_CONTROL_ALLOW_METHODS,
                HeaderValue::from_static(ALLOW_METHODS),
            );
            if let Some(asked) = headers.get(header::ACCESS_CONTROL_REQUEST_HEADERS) {
                out.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, asked.clone());
            }
            out.insert(
                header::ACCESS_CONTROL_MAX_AGE,
                HeaderValue::from_static(PREFLIGHT_MAX_AGE_SECONDS),
            );
        }
        _ => *response.status_mut() = StatusCode::FORBIDDEN,
    }
    Some(response)
}

/// Add the CORS headers an answer to this request carries.
pub fn decorate(request: &LumRequest, headers: &HeaderMap, response: &mut Response) {
    let Some((origin, allowed)) = checked(request, headers) else {
        return;
    };
    let out = response.headers_mut();
    out.append(header::VARY, HeaderValue::from_static("Origin"));
    if allowed {
        out.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin.clone());
        out.insert(
            header::ACCESS_CONTROL_ALLOW_CREDENTIALS,
            HeaderValue::from_static("true"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn domains(list: &[&str]) -> CorsDomains {
        CorsDomains::new(&list.iter().map(|s| s.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn a_domain_allows_itself_and_its_direct_subdomains_as_luminate_matches_them() {
        let d = domains(&["example.org"]);
        assert!(d.allows("https://example.org"));
        assert!(d.allows("http://WWW.Example.org"));
        assert!(d.allows("https://shop.example.org"));
        assert!(!d.allows("https://a.b.example.org"));
        assert!(!d.allows("https://example.org.evil.com"));
        assert!(!d.allows("https://notexample.org"));
    }

    #[test]
    fn a_wildcard_allows_the_domain_and_its_direct_subdomains() {
        let d = domains(&["*.example.org"]);
        assert!(d.allows("https://example.org"));
        assert!(d.allows("https://www.example.org"));
        assert!(!d.allows("https://evil.org"));
    }

    #[test]
    fn www_entries_allow_the_bare_domain_and_a_port_in_an_entry_must_match() {
        let d = domains(&["www.example.org", "localhost:8081", "[::1]"]);
        assert!(d.allows("https://example.org"));
        assert!(d.allows("http://localhost:8081"));
        assert!(!d.allows("http://localhost:8082"));
        assert!(!d.allows("http://localhost"));
        assert!(d.allows("http://[::1]:3000"));
    }

    #[test]
    fn an_entry_without_a_port_matches_every_port() {
        let d = domains(&["127.0.0.1"]);
        assert!(d.allows("http://127.0.0.1:41234"));
        assert!(d.allows("http://127.0.0.1"));
        assert!(!d.allows("http://127.0.0.2:41234"));
    }

    #[test]
    fn opaque_and_malformed_origins_are_never_allowed() {
        let d = domains(&["example.org", "null"]);
        for origin in [
            "null",
            "",
            "example.org",
            "https://",
            "https://example.org/path",
        ] {
            assert!(!d.allows(origin), "{origin}");
        }
        assert!(!CorsDomains::default().allows("https://example.org"));
    }
}
