//! # Luminate Online Constituent API (`CRConsAPI` / `SRConsAPI`, `CRGroupAPI` / `SRGroupAPI`)
//!
//! Emulated: `POST /{org}/site/{Servlet}` and `/site/{Servlet}` (the default site), tolerant of
//! the `;jsessionid=` suffix; parameters from the query string, urlencoded and multipart
//! bodies (a body value wins). Methods: `getUserGroups` and `getUser` for API administrators
//! and for logged-in constituents; `login`, `getLoginUrl`, `loginTest`, `logout`,
//! `getSingleSignOnToken`; `update` / `createOrUpdate` (group membership, names);
//! `getGroupMembers`, `getGroupInfo`, `listGroups`. XML (default) and JSON with the vendor's
//! quirks; `errorResponse` with 403 / 405 / `suppress_response_codes`; client-API redirects,
//! optionally signed.
//!
//! Not emulated: the rest of the Constituent API (interests, transactions, surveys...),
//! `center_id`/`source`/`sub_source` effects (they are only journaled), the login *page*
//! behind `getLoginUrl`'s URL, and constituent fields beyond name, email, member id and user
//! name.
//!
//! Every request runs the same steps in the order of luminate.md §4: verb (405) → `method` (6)
//! → `v` / `response_format` / redirect parameters (9) → `api_key` (2) → IP filter (4) →
//! credentials (3/5/7) → method parameters (9) → lookup (16/8/14) → the store → the answer.
//!
//! **[choice]** decisions (each lives in one constant or commented function):
//! - `getUserGroups` is POST-only (405 + `Allow: POST`); every other method also takes GET,
//!   because luminateExtend sends `getLoginUrl` (and, before 1.7, every call) as GET — `verb_allowed`;
//! - a servlet the mock does not serve and an unknown org answer code 6 and code 2 — `run`;
//! - error messages — [`errors::message_for`]; `login` failure is code 202 — [`errors::BAD_LOGIN_CODE`];
//! - content types, XML layout — [`render`]; redirect precedence, `ts`/`sig` — [`request`];
//! - token lifetimes, shapes, routing id, page sizes, name limits, `groupInfo` fields, logout
//!   message — [`methods`];
//! - answers that hand out a session also set the `JSESSIONID` cookie — `session_cookie`;
//! - a servlet session is its `JSESSIONID`: `login` / `getLoginUrl` presenting a live one stay in
//!   it, `logout` ends all of it (angular-luminate-utils re-asks `getLoginUrl` with its first
//!   JSESSIONID after `login`) — [`methods::execute`];
//! - `getLoginUrl` with `NONCE_TOKEN=<loginResponse.nonce>` reaches the session that logged in,
//!   once, for 5 minutes (luminateExtend's step after `login`) — [`methods::NONCE_TTL_MS`].

pub mod auth;
pub mod errors;
pub mod methods;
pub mod render;
pub mod request;

use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, Method as Verb};
use axum::response::Response;
use axum::Router;

use crate::state::AppState;
use crate::store::luminate::SiteRow;
use crate::vendor::{Api, Operation, Scheme, Vendor};
use crate::wire::form::{self, Params};

use errors::LumError;
use methods::{Command, Ctx, Method};
use render::Answer;
use request::{Creds, Redirects, Target};

/// Whether a path belongs to Luminate: `/site/{Servlet}` or `/{org}/site/{Servlet}`.
pub fn claims(path: &str) -> bool {
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    matches!(segments.as_slice(), ["site", s] | [_, "site", s] if !s.is_empty())
}

pub fn router(state: AppState) -> Router<AppState> {
    crate::vendor::layer(Router::new().fallback(handle), state, Luminate)
}

/// The Luminate side of the shared pipeline.
#[derive(Debug, Clone, Copy)]
pub struct Luminate;

impl Vendor for Luminate {
    const API: Api = Api::Luminate;

    async fn classify(&self, state: &AppState, parts: &Parts, body: &Bytes) -> Operation {
        let target = Target::from_path(parts.uri.path());
        // An org in the path is the tenant as sent (the handler answers code 2 when no site
        // has it); only `/site/...` needs the store to name the default site.
        let tenant = match &target.org {
            Some(org) => Some(org.clone()),
            None => state
                .store
                .call(|conn| crate::store::luminate::default_org(conn))
                .await
                .unwrap_or_else(|e| {
                    tracing::error!(error = %e, "luminate: resolving the default org failed");
                    None
                }),
        };
        let params = match Params::from_request(parts.uri.query(), &parts.headers, body).await {
            Ok(p) => p,
            Err(_) => Params::from_request(parts.uri.query(), &Default::default(), &Bytes::new())
                .await
                .unwrap_or_default(),
        };
        let mut pairs = params.pairs();
        if target.jsessionid.is_some() {
            // The path suffix is a session id too: journal it (masked by its name).
            pairs.push(("JSESSIONID".into(), crate::journal::MASK.into()));
        }
        Operation {
            api: Api::Luminate,
            tenant,
            operation: params.get("method").unwrap_or("unknown").to_string(),
            params: pairs,
        }
    }

    fn vendor_error(&self, code: &str, parts: &Parts, body: &Bytes) -> Response {
        let query = query_pairs(parts);
        let body: Vec<(String, String)> = match form::media_type(&parts.headers).as_deref() {
            Some("application/x-www-form-urlencoded") | None => {
                form::parse_urlencoded(body).collect()
            }
            Some(_) => Vec::new(),
        };
        let style = request::style(|name| {
            body.iter()
                .chain(&query)
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        });
        render::error(style, &LumError::Injected(code.to_string()))
    }

    fn unreadable_body(&self, parts: &Parts) -> Response {
        let query = query_pairs(parts);
        let style = request::style(|name| {
            query
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        });
        render::error(style, &LumError::Param("body"))
    }
}

/// The query string's parameters, for the answers rendered before the handler runs.
fn query_pairs(parts: &Parts) -> Vec<(String, String)> {
    parts
        .uri
        .query()
        .map(|q| form::parse_urlencoded(q.as_bytes()).collect())
        .unwrap_or_default()
}

/// An operation's failure: the vendor's own error, or a store failure (answered with code 1).
#[derive(Debug)]
pub enum Fail {
    Lum(LumError),
    Db(rusqlite::Error),
}

impl From<LumError> for Fail {
    fn from(e: LumError) -> Fail {
        Fail::Lum(e)
    }
}

impl From<rusqlite::Error> for Fail {
    fn from(e: rusqlite::Error) -> Fail {
        Fail::Db(e)
    }
}

/// The outcome of one call, before rendering.
struct Outcome {
    site: Option<SiteRow>,
    redirects: Option<Redirects>,
    result: Result<Answer, LumError>,
}

impl Outcome {
    fn early(e: LumError) -> Outcome {
        Outcome {
            site: None,
            redirects: None,
            result: Err(e),
        }
    }
}

/// Every Luminate request: run it, then answer in the requested style (or redirect).
async fn handle(State(state): State<AppState>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let body = axum::body::to_bytes(body, crate::config::MAX_BODY_BYTES)
        .await
        .unwrap_or_default();
    let target = Target::from_path(parts.uri.path());
    let (params, form_ok) =
        match Params::from_request(parts.uri.query(), &parts.headers, &body).await {
            Ok(p) => (p, true),
            Err(_) => (
                Params::from_request(parts.uri.query(), &Default::default(), &Bytes::new())
                    .await
                    .unwrap_or_default(),
                false,
            ),
        };
    let mut style = request::style(|n| params.get(n).map(str::to_string));
    let outcome = run(&state, &parts, &target, &params, form_ok).await;
    if let Some(site) = &outcome.site {
        style.json_content_type = site.json_content_type;
    }
    let redirect_to = outcome
        .redirects
        .as_ref()
        .and_then(|r| Some((r.target(outcome.result.is_ok())?, r.sign)));
    if let Some((url, sign)) = redirect_to {
        let url = match (sign, &outcome.site) {
            (true, Some(site)) if site.secret_key.is_some() => request::sign_url(
                url,
                state.clock.now().timestamp(),
                site.secret_key.as_deref().unwrap_or_default(),
                site.redirect_digest,
            ),
            // **[choice]** A site without a secret key sends its redirects unsigned.
            _ => url.to_string(),
        };
        if let Ok(location) = HeaderValue::from_str(&url) {
            return render::redirect(location, outcome.result.as_ref().err());
        }
    }
    match &outcome.result {
        Ok(answer) => {
            let mut response = render::success(style, answer);
            if let Some(cookie) = session_cookie(answer) {
                response
                    .headers_mut()
                    .append(axum::http::header::SET_COOKIE, cookie);
            }
            response
        }
        Err(e) => {
            let mut response = render::error(style, e);
            if *e == LumError::WrongVerb && get_allowed(&target, &params) {
                response.headers_mut().insert(
                    axum::http::header::ALLOW,
                    HeaderValue::from_static("GET, POST"),
                );
            }
            response
        }
    }
}

/// **[choice]** An answer that hands out a servlet session (`login`, `getLoginUrl`,
/// `loginTest`) also sets it as the `JSESSIONID` cookie, as the vendor's servlet container
/// does, so cookie-jar clients stay in their session; attributes are the container defaults
/// (`Path=/; HttpOnly`).
fn session_cookie(answer: &Answer) -> Option<HeaderValue> {
    let jsessionid = answer.fields.iter().find_map(|(name, value)| match value {
        render::Value::Text(v) if *name == "JSESSIONID" && !v.is_empty() => Some(v),
        _ => None,
    })?;
    HeaderValue::from_str(&format!("JSESSIONID={jsessionid}; Path=/; HttpOnly")).ok()
}

/// The validation order of luminate.md §4, then the method itself on the store thread.
async fn run(
    state: &AppState,
    parts: &Parts,
    target: &Target,
    params: &Params,
    form_ok: bool,
) -> Outcome {
    if !verb_allowed(&parts.method, target, params) {
        return Outcome::early(LumError::WrongVerb);
    }
    // **[choice]** A servlet the mock does not serve has no methods: code 6.
    let Some(servlet) = target.servlet else {
        return Outcome::early(LumError::UnknownMethod);
    };
    let Some(method) = params.get("method").and_then(|m| Method::of(servlet, m)) else {
        return Outcome::early(LumError::UnknownMethod);
    };
    if params.get("v") != Some("1.0") {
        return Outcome::early(LumError::Param("v"));
    }
    if let Err(e) = request::response_format(params.get("response_format")) {
        return Outcome::early(e);
    }
    if !form_ok {
        return Outcome::early(LumError::Param("body"));
    }
    let redirects = if servlet.is_client() {
        match Redirects::read(params) {
            Ok(r) => Some(r),
            Err(e) => return Outcome::early(e),
        }
    } else {
        None
    };

    let command = Command::decode(method, params);
    let need = method.need(servlet);
    let creds = Creds::read(params, target, &parts.headers);
    let peer = crate::peer_ip(&parts.extensions);
    // **[choice]** An org that names no site answers code 2 (no API key can match it).
    let org = parts
        .extensions
        .get::<Operation>()
        .and_then(|o| o.tenant.clone());
    let ctx = Ctx {
        now_ms: crate::store::unix_ms(state.clock.now()),
        site_base: site_base(parts, target),
        jsessionid: creds.jsessionid.clone(),
    };

    let done = state
        .store
        .write(
            move |tx| -> rusqlite::Result<(Option<SiteRow>, Result<Answer, LumError>)> {
                let Some(org) = org else {
                    return Ok((None, Err(LumError::ApiKey)));
                };
                let Some(site) = crate::store::luminate::site(tx, &org)? else {
                    return Ok((None, Err(LumError::ApiKey)));
                };
                let result = (|| -> Result<Answer, Fail> {
                    auth::check_api_key(&site, creds.api_key.as_deref())?;
                    auth::check_ip(&site, peer)?;
                    let caller = auth::authenticate(tx, &site, need, &creds, ctx.now_ms)?;
                    methods::execute(tx, &site, &caller, command?, &ctx)
                })();
                match result {
                    Ok(answer) => Ok((Some(site), Ok(answer))),
                    Err(Fail::Lum(e)) => Ok((Some(site), Err(e))),
                    Err(Fail::Db(e)) => Err(e),
                }
            },
        )
        .await;
    let (site, result) = match done {
        Ok(Ok(v)) => v,
        Ok(Err(e)) => {
            tracing::error!(error = %e, "luminate: store failure");
            (None, Err(LumError::Internal))
        }
        Err(e) => {
            tracing::error!(error = %e, "luminate: store unavailable");
            (None, Err(LumError::Internal))
        }
    };
    Outcome {
        site,
        redirects,
        result,
    }
}

/// **[choice]** POST always; GET for every method the mock serves except `getUserGroups`,
/// the one method documented as POST-only. Real clients send GET: luminateExtend's
/// `getLoginUrl` (and, before 1.7, every call by default). A GET naming no method the
/// servlet serves is still refused with 405, so the verb stays the first check.
fn verb_allowed(verb: &Verb, target: &Target, params: &Params) -> bool {
    if *verb == Verb::POST {
        return true;
    }
    *verb == Verb::GET && get_allowed(target, params)
}

fn get_allowed(target: &Target, params: &Params) -> bool {
    let method = target
        .servlet
        .zip(params.get("method"))
        .and_then(|(servlet, name)| Method::of(servlet, name));
    matches!(method, Some(m) if m != Method::GetUserGroups)
}

/// `scheme://host[/org]/site` of this request, for URLs the answer hands out.
fn site_base(parts: &Parts, target: &Target) -> String {
    let scheme = match parts.extensions.get::<Scheme>() {
        Some(Scheme::Https) => "https",
        _ => "http",
    };
    // A Host header with anything but host-name characters is not echoed back.
    let host = parts
        .headers
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            !h.is_empty()
                && h.chars()
                    .all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c))
        })
        .unwrap_or("localhost");
    match &target.org {
        Some(org) => format!("{scheme}://{host}/{org}/site"),
        None => format!("{scheme}://{host}/site"),
    }
}
