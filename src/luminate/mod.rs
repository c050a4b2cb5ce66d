//! # Luminate Online Constituent API (`CRConsAPI` / `SRConsAPI`, `CRGroupAPI` / `SRGroupAPI`)
//!
//! Emulated: `POST` (and `GET` where a method's page lists it) on `/{org}/site/{Servlet}` and
//! `/site/{Servlet}` (the default site), tolerant of the `;jsessionid=` suffix and a trailing
//! slash; parameters from the query string, urlencoded and multipart bodies (a body value
//! wins). Methods, each on exactly the servlets and verbs of its own page ([`table`]):
//! `login`, `getLoginUrl`, `loginTest`, `logout`, `getSingleSignOnToken`; `getUser`,
//! `getUserGroups`, `update`, `createOrUpdate`, `create`, `isEmailValid`, `listUserFields`,
//! `getUserTransactions`, `getGroupMembers`; the Group API's `getGroupInfo` and `listGroups`.
//! XML (default) and JSON with the vendor's quirks; `errorResponse` with the error-codes
//! pages' codes and texts, 403 / 405 / `suppress_response_codes`; client-API redirects,
//! optionally signed; CORS for browser pages on the site's allowed domains ([`cors`]).
//!
//! Not emulated: the rest of the Constituent API (interests, surveys, interactions...) and the
//! other APIs, transactions (always none), `center_id`/`source`/`sub_source` effects (only
//! journaled), the pages behind `getLoginUrl`'s URL, `EstablishSession`, and constituent
//! fields beyond name, email, member id, user name and password.
//!
//! Every request runs the same steps in the order of luminate.md §4: verb (405) → `method` (6)
//! → `v` / `response_format` / redirect parameters (9) → `api_key` (2) → IP filter (4) →
//! credentials (3/5/7) → rights (3/14) → method parameters (9, 10, 22, 23, 25, 35, 50) →
//! lookup (16/8/14/15) → the store → the answer (with its CORS headers).
//!
//! **\[choice\]** decisions (each lives in one constant or commented function; docs/luminate.md
//! lists them all):
//! - a method the servlet does not serve takes only POST; an unknown servlet answers code 6,
//!   an unknown org code 2 — `verbs_of`, `run`, `call`;
//! - error messages are the first sentence of each code's text — [`errors::message_for`];
//!   `login` failure is code 202 — [`errors::BAD_LOGIN_CODE`]; the Group API refuses with 3
//!   — [`errors::LumError::NoRight`];
//! - content types, XML layout, element orders and values the pages do not show (`groupInfo`,
//!   `isEmailValid`, `listUserFields`) — [`render`];
//! - redirect precedence, `ts`/`sig`, `JSESSIONID` precedence, field limits, list criteria,
//!   transaction filters — [`command`];
//! - token lifetimes and shapes, routing id, page sizes, `loginTest`'s signature, `create`'s
//!   duplicate rule — [`methods`];
//! - CORS: client servlets only, Luminate's domain matching, preflight answers — [`cors`];
//! - answers that hand out a session also set the `JSESSIONID` cookie — `session_cookie`;
//! - a servlet session is its `JSESSIONID`: `login` / `getLoginUrl` presenting a live one stay
//!   in it, `logout` ends all of it — [`methods::execute`];
//! - a nonce (`login`, `getLoginUrl`, `getSingleSignOnToken`) given back as `NONCE_TOKEN`
//!   reaches its session once, for 5 minutes — [`methods::NONCE_TTL_MS`].

pub mod auth;
pub mod command;
pub mod cors;
pub mod errors;
pub mod methods;
pub mod render;
pub mod sites;
pub mod table;

use axum::body::Bytes;
use axum::http::HeaderValue;
use axum::response::Response;

use crate::journal;
use crate::state::AppState;
use crate::vendor::{Api, Head, Label, Scheme, Vendor};
use crate::wire::form::Params;

use auth::{Caller, Need};
use command::{Command, Creds, LumRequest, Redirects, Target};
use errors::LumError;
use methods::{Ctx, Reply};
use table::{Method, MethodRow, Servlet, Verbs};

/// Whether a path belongs to Luminate: `/site/{Servlet}` or `/{org}/site/{Servlet}`.
pub fn claims(path: &str) -> bool {
    let mut segments = path.trim_start_matches('/').split('/');
    match (
        segments.next(),
        segments.next(),
        segments.next(),
        segments.next(),
    ) {
        // A trailing slash after the servlet is a Flash client's (`CRConsAPI/?v=1.0`).
        (Some("site"), Some(s), None | Some(""), None) => !s.is_empty(),
        (Some(_), Some("site"), Some(s), None) => !s.is_empty(),
        (Some(_), Some("site"), Some(s), Some("")) => !s.is_empty() && segments.next().is_none(),
        _ => false,
    }
}

/// The Luminate side of the shared pipeline.
#[derive(Debug, Clone, Copy)]
pub struct Luminate;

impl Vendor for Luminate {
    const API: Api = Api::Luminate;
    type Request = LumRequest;

    async fn decode(state: &AppState, head: &Head, body: Bytes) -> LumRequest {
        let target = Target::from_path(head.parts.uri.path());
        let (params, form) =
            Params::from_request(head.parts.uri.query(), &head.parts.headers, body).await;
        // The org the path names (the default site's for `/site/...`), from the in-memory copy.
        let (site, store_failed) = match state
            .luminate
            .get(&state.store, target.org.as_deref())
            .await
        {
            Ok(site) => (site, false),
            Err(e) => {
                tracing::error!(error = %e, "luminate: loading the sites failed");
                (None, true)
            }
        };
        LumRequest {
            row: LumRequest::route(&target, &params),
            target,
            params,
            form_ok: form.is_ok(),
            site,
            store_failed,
        }
    }

    fn label(request: &LumRequest) -> Label<'_> {
        Label {
            api: Api::Luminate,
            tenant: request.tenant(),
            operation: request.method_name().unwrap_or("unknown"),
        }
    }

    async fn handle(state: &AppState, head: &Head, request: &mut LumRequest) -> Response {
        handle(state, head, request).await
    }

    fn journal(_head: &Head, request: &LumRequest, params: &mut journal::Params<'_>) {
        for (name, value, _) in request.params.iter() {
            // Secrets only Luminate has: a new constituent's password and SSO nonces.
            if name == "user_password" || name == "nonce" {
                params.push_raw(name, journal::MASK);
            } else {
                params.push(name, value);
            }
        }
        if request.target.jsessionid.is_some() {
            // The path suffix is a session id too: journaled, masked by its name.
            params.push("JSESSIONID", journal::MASK);
        }
    }

    fn vendor_error(head: &Head, request: &LumRequest, code: &str) -> Response {
        let mut response = render::error(
            command::style(|n| request.params.get(n)),
            &LumError::Injected(code.to_string()),
        );
        cors::decorate(request, &head.parts.headers, &mut response);
        response
    }

    fn unreadable_body(head: &Head) -> Response {
        let query: Vec<(String, String)> = head
            .parts
            .uri
            .query()
            .map(|q| crate::wire::form::parse_urlencoded(q.as_bytes()).collect())
            .unwrap_or_default();
        let style = command::style(|name| {
            query
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
        });
        render::error(style, &LumError::Param("body"))
    }
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
    redirects: Option<Redirects>,
    result: Result<Reply, LumError>,
}

impl Outcome {
    fn early(e: LumError) -> Outcome {
        Outcome {
            redirects: None,
            result: Err(e),
        }
    }
}

/// Every Luminate request: a CORS preflight is answered at once; anything else is run, then
/// answered in the requested style (or redirected), with the CORS headers its origin gets.
async fn handle(state: &AppState, head: &Head, request: &LumRequest) -> Response {
    if let Some(response) = cors::preflight(request, &head.parts.headers, &head.parts.method) {
        return response;
    }
    let mut response = answer(state, head, request).await;
    cors::decorate(request, &head.parts.headers, &mut response);
    response
}

async fn answer(state: &AppState, head: &Head, request: &LumRequest) -> Response {
    let mut style = command::style(|n| request.params.get(n));
    let outcome = run(state, head, request).await;
    if let Some(site) = &request.site {
        style.json_content_type = site.json_content_type;
    }
    let redirect_to = outcome
        .redirects
        .as_ref()
        .and_then(|r| Some((r.target(outcome.result.is_ok())?, r.sign)));
    if let Some((url, sign)) = redirect_to {
        let url = match (sign, &request.site) {
            (true, Some(site)) if site.secret_key.is_some() => command::sign_url(
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
        Ok(reply) => {
            let mut response = render::success(style, reply);
            if let Some(cookie) = reply.jsessionid().and_then(session_cookie) {
                response
                    .headers_mut()
                    .append(axum::http::header::SET_COOKIE, cookie);
            }
            response
        }
        Err(e) => {
            let mut response = render::error(style, e);
            if *e == LumError::WrongVerb {
                response.headers_mut().insert(
                    axum::http::header::ALLOW,
                    HeaderValue::from_static(verbs_of(request).allow_header()),
                );
            }
            response
        }
    }
}

/// **\[choice\]** An answer that hands out a servlet session (`login`, `getLoginUrl`,
/// `loginTest`) also sets it as the `JSESSIONID` cookie, as the vendor's servlet container
/// does, so cookie-jar clients stay in their session; attributes are the container defaults
/// (`Path=/; HttpOnly`).
fn session_cookie(jsessionid: &str) -> Option<HeaderValue> {
    HeaderValue::from_str(&format!("JSESSIONID={jsessionid}; Path=/; HttpOnly")).ok()
}

/// The verbs the named method takes on this servlet; **\[choice\]** a method the servlet does
/// not serve takes only POST (so a GET naming no method of the servlet is 405).
fn verbs_of(request: &LumRequest) -> Verbs {
    request.row.map_or(Verbs::Post, |r| r.verbs)
}

/// The validation order: verb (405) → `method` (6) → `v` / `response_format` / redirect
/// parameters (9) → `api_key` (2) → IP filter (4) → credentials (3/5/7) → rights (3/14) →
/// method parameters (9 and the method's own codes) → lookup (16/8/14); then the method
/// itself, in one store call.
async fn run(state: &AppState, head: &Head, request: &LumRequest) -> Outcome {
    let params = &request.params;
    // A verb a method does not take is refused first, even before the method is checked.
    if !verbs_of(request).allows(&head.parts.method) {
        return Outcome::early(LumError::WrongVerb);
    }
    // **[choice]** A servlet the mock does not serve has no methods: code 6.
    let (Some(servlet), Some(row)) = (request.target.servlet, request.row) else {
        return Outcome::early(LumError::UnknownMethod);
    };
    if params.get("v") != Some("1.0") {
        return Outcome::early(LumError::Param("v"));
    }
    if let Err(e) = command::response_format(params.get("response_format")) {
        return Outcome::early(e);
    }
    if !request.form_ok {
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
    let result = call(state, head, request, servlet, row).await;
    Outcome { redirects, result }
}

/// Site checks, credentials and the method, with at most one store call.
async fn call(
    state: &AppState,
    head: &Head,
    request: &LumRequest,
    servlet: Servlet,
    row: &'static MethodRow,
) -> Result<Reply, LumError> {
    if request.store_failed {
        return Err(LumError::Internal);
    }
    // **[choice]** An org that names no site answers code 2 (no API key can match it).
    let site = request.site.clone().ok_or(LumError::ApiKey)?;
    auth::check_api_key(&site, command::non_empty(&request.params, "api_key"))?;
    auth::check_ip(&site, head.peer)?;
    let method = row.method;
    let right = row.right;
    let command = Command::decode(method, &request.params);
    let need = row.need(servlet);
    // An API administrator who logged in before is known without the store.
    let known_admin = match (
        need,
        command::non_empty(&request.params, "login_name"),
        command::non_empty(&request.params, "login_password"),
    ) {
        (Need::Admin, Some(name), Some(password)) => match site.known_admin(name, password) {
            Some(Ok(admin)) => Some(admin),
            Some(Err(())) => return Err(LumError::AdminLogin),
            None => None,
        },
        _ => None,
    };
    let creds = if known_admin.is_some() {
        Creds::default()
    } else {
        Creds::read(&request.params, &request.target, &head.parts.headers)
    };
    let ctx = Ctx {
        now_ms: crate::store::unix_ms(state.clock.now()),
        site_base: match method {
            Method::GetLoginUrl | Method::Login | Method::LoginTest => {
                site_base(head, &request.target)
            }
            _ => String::new(),
        },
    };
    let writes = command.as_ref().is_ok_and(Command::writes);
    let apply = move |conn: &rusqlite::Connection| -> rusqlite::Result<Result<Reply, LumError>> {
        let result = (|| -> Result<Reply, Fail> {
            let caller = match known_admin {
                Some(admin) => Caller::Admin(admin),
                None => auth::authenticate(conn, &site, need, &creds, ctx.now_ms)?,
            };
            auth::require(&caller, right)?;
            methods::execute(conn, &site, &caller, command?, &ctx)
        })();
        match result {
            Ok(reply) => Ok(Ok(reply)),
            Err(Fail::Lum(e)) => Ok(Err(e)),
            Err(Fail::Db(e)) => Err(e),
        }
    };
    let done = if writes {
        state
            .store
            .write(move |tx| apply(tx))
            .await
            .and_then(|r| Ok(r?))
    } else {
        state.store.call(move |conn| apply(conn)).await
    };
    match done {
        Ok(result) => result,
        Err(e) => {
            tracing::error!(error = %e, "luminate: store failure");
            Err(LumError::Internal)
        }
    }
}

/// `scheme://host[/org]/site` of this request, for URLs the answer hands out.
fn site_base(head: &Head, target: &Target) -> String {
    let scheme = match head.scheme {
        Scheme::Https => "https",
        Scheme::Http => "http",
    };
    // A Host header with anything but host-name characters is not echoed back.
    let host = head
        .parts
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
