//! YourMembership's ServiceStack REST API (`/Ams/...`), as spec `yourmembership.md` describes.
//!
//! ## Emulated
//! - `POST /Ams/Authenticate`: Admin (API key + API password) and Member (user name or email +
//!   password) sessions, and their OAuth twins; JSON or form bodies bound the ServiceStack way.
//! - `GET /Ams/{ClientID}/Member/{MemberID}/Groups` with `Status`, `GroupTypeId`, `SearchTerm`,
//!   `PageNumber`, `PageSize`, `OffSet`; `POST`/`PUT /Ams/{ClientID}/MemberGroups` (member with
//!   primary group, administrator, representative with a title created on the fly).
//! - `GET /Ams/{ClientID}/GroupTypes`, `/Ams/{ClientID}/Member/{MemberID}/GroupTypes`,
//!   `/Ams/{ClientID}/Groups`, `/Ams/{ClientID}/PeopleGroups?ID=`; `POST`/`PUT
//!   /Ams/{ClientID}/Groups` (create a group, change one by `GroupID`).
//! - Formats: JSON, JSONP, JSV, DataContract XML, CSV; chosen by route suffix, `?format=`,
//!   `Accept`. Routes match in any case; a wrong verb is 405, an unknown route 404.
//!
//! ## Not emulated
//! Every other YM route; XML/JSV *request* bodies (refused with `SerializationException`);
//! Anonymous sessions; `/Ams/Authenticate/{Token}`; `MemberConfig`/`BrandingConfig` in
//! `AuthResponse`; ServiceStack's HTML pages.
//!
//! ## Layout
//! [`route`] matches paths, [`binding`] fills request DTOs, [`command`] decodes them into one
//! typed command per request, [`auth`] opens and checks sessions, [`methods`] applies a command
//! (session check and query in one store call), [`responses`] builds the response DTOs and
//! [`render`] writes them in the negotiated format, both off the store thread; [`errors`] is the
//! one error type.
//!
//! ## \[choice\]s (each marked where it lives; docs/yourmembership.md gives the reasons)
//! - sessions: 15 minutes absolute ([`SESSION_LIFETIME_SECS`]); an expired session's Message
//!   says "timeout" ([`errors`]) and is remembered for a day
//!   ([`crate::store::yourmembership::SESSION_MEMORY_MS`]); a login sets the `ss-id` cookie
//!   ([`auth::session_cookie`]); OAuth variant = API key and
//!   password as consumer key/secret ([`auth::authenticate`]); `UserId` = MemberID as text;
//!   Anonymous refused like bad credentials; a locked member with a wrong password gets the plain
//!   bad-credentials answer.
//! - dates: fixed -05:00 ([`YM_UTC_OFFSET_SECS`]); `DateCached` = now on the app clock.
//! - errors ([`errors`]): the operation's response DTO with defaults; login refusals carry
//!   `ErrorCode` `None`; 403 `Invalid Role`; 404 `Member not found` / `Group not found`; the
//!   injected-code status map; [`WWW_AUTHENTICATE`].
//! - member groups ([`methods`], [`command`]): admin-/representative-only groups show
//!   `NotJoined`; paging defaults ([`DEFAULT_PAGE_SIZE`]) and `OffSet`; idempotent add/remove;
//!   one title per group; no flag → 400; `PeopleGroups` tags and order; a member's group types;
//!   what a catalogue write requires ([`command::group_write`]), its option values and its
//!   answer.
//! - `ServerID` ([`SERVER_ID`]).
//! - binding ([`binding`]): strings over [`binding::MAX_STRING_CHARS`] refused; XML/JSV request
//!   bodies refused unread.
//! - formats ([`render`]): XML layout; JSV empty string `""`; CSV single-row form; JSONP callback
//!   names; `Accept` order without q-values.

pub mod auth;
pub mod binding;
pub mod command;
pub mod errors;
pub mod methods;
pub mod render;
pub mod responses;
pub mod route;

use axum::body::Bytes;
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, FixedOffset, Utc};

use crate::journal::{self, MASK};
use crate::state::AppState;
use crate::vendor::{Api, Head, Label, Vendor};
use binding::Fields;
use errors::YmError;
use render::Format;
use route::{Op, Route};

/// **\[choice\]** Sessions live 15 minutes from their creation (absolute, not sliding).
pub const SESSION_LIFETIME_SECS: i64 = 15 * 60;

/// Length of a session id (ServiceStack's random session ids are 20 characters).
pub const SESSION_ID_LEN: usize = 20;

/// **\[choice\]** YM's servers answer in US Eastern time; the mock uses its standard offset
/// (-05:00) all year, having no time-zone database.
pub const YM_UTC_OFFSET_SECS: i32 = -5 * 3600;

/// **\[choice\]** Page size when a request leaves `PageSize` unset (0).
pub const DEFAULT_PAGE_SIZE: i32 = 100;

/// **\[choice\]** The `WWW-Authenticate` challenge of a 401 (ServiceStack names its provider and
/// realm; YM's exact value is not public).
pub const WWW_AUTHENTICATE: &str = "credentials realm=\"/Ams/Authenticate\"";

/// `Device` values (YM's enum), and the one a request that names none gets: the enum's first
/// value, which YM's metadata samples show (`Device: Desktop`).
pub const DEVICES: &[&str] = &["Desktop", "IOS", "Android"];
pub const DEFAULT_DEVICE: &str = "Desktop";

/// **\[choice\]** `ServerID` of `BaseDto` responses: YM's name the web server that answered
/// (`WS-5-99-907` in its samples); the mock names itself in the same shape.
pub const SERVER_ID: &str = "WS-MOCK-1";

/// Whether a path belongs to YourMembership: `/Ams` and below, in any case (ServiceStack).
pub fn claims(path: &str) -> bool {
    let head = path.get(..4).unwrap_or_default();
    head.eq_ignore_ascii_case("/ams") && matches!(path.as_bytes().get(4), None | Some(b'/'))
}

/// A time on YM's clock and offset.
pub fn ym_time(at: DateTime<Utc>) -> DateTime<FixedOffset> {
    let offset = FixedOffset::east_opt(YM_UTC_OFFSET_SECS).expect("a valid offset");
    at.with_timezone(&offset)
}

/// Log a store failure once; the caller answers YM's generic error.
pub fn internal(e: crate::store::StoreError) -> YmError {
    tracing::error!(error = %e, "yourmembership: store failure");
    YmError::Internal
}

/// What a request is, before it is handled: its format, route and operation.
struct Target {
    format: Format,
    route: Option<Route>,
    op: Op,
}

fn target(parts: &Parts) -> Target {
    let (path, suffix) = Format::split_suffix(parts.uri.path());
    let format = Format::negotiate(suffix, parts.uri.query(), &parts.headers);
    let route = Route::parse(path);
    let op = route
        .as_ref()
        .and_then(|r| r.endpoint.op(&parts.method))
        .unwrap_or(Op::Unknown);
    Target { format, route, op }
}

/// A YM request, decoded once: its route, operation, format and bound fields.
#[derive(Debug)]
pub struct YmRequest {
    format: Format,
    route: Option<Route>,
    op: Op,
    /// The request DTO's fields, or why they could not be bound (the journal reads them).
    fields: Result<Fields, YmError>,
    /// The operation's command decoded from the fields; taken by the handler.
    command: Option<Result<command::Command, YmError>>,
    /// The ClientID the request names (path, or the body of `Authenticate`).
    tenant: Option<String>,
}

async fn handle(state: &AppState, head: &Head, request: &mut YmRequest) -> Response {
    let (format, op) = (&request.format, request.op);
    let result = match (&request.route, op, &request.fields) {
        (None, _, _) => Err(YmError::RouteNotFound),
        (Some(r), Op::Unknown, _) => Err(YmError::MethodNotAllowed {
            verb: head.parts.method.clone(),
            dto: r.endpoint.dto(),
            allow: r.endpoint.verbs(),
        }),
        (Some(_), _, Err(e)) => Err(e.clone()),
        (Some(_), _, Ok(_)) => match request.command.take() {
            Some(Ok(command)) => methods::run(state, &head.parts, command).await,
            Some(Err(e)) => Err(e),
            None => Err(YmError::Internal),
        },
    };
    match result {
        Ok(dto) => {
            let mut response = (
                StatusCode::OK,
                [format.content_type_header()],
                format.write(&dto),
            )
                .into_response();
            if op == Op::Authenticate {
                if let Some(cookie) = auth::session_cookie(&dto) {
                    response
                        .headers_mut()
                        .insert(axum::http::header::SET_COOKIE, cookie);
                }
            }
            response
        }
        Err(e) => e.render(op, format),
    }
}

#[derive(Clone)]
pub struct YourMembership;

impl Vendor for YourMembership {
    const API: Api = Api::YourMembership;
    type Request = YmRequest;

    async fn decode(_state: &AppState, head: &Head, body: Bytes) -> YmRequest {
        let Target { format, route, op } = target(&head.parts);
        let fields = Fields::read(op.dto(), route.as_ref(), &head.parts, &body).await;
        let command = match (&route, op, &fields) {
            (Some(_), op, Ok(f)) if op != Op::Unknown => Some(command::decode(op, f)),
            _ => None,
        };
        // The tenant is the ClientID: the path's, or for Authenticate the body's.
        let tenant = fields
            .as_ref()
            .ok()
            .and_then(|f| f.int("ClientID").ok().flatten())
            .map(|c| c.to_string());
        YmRequest {
            format,
            route,
            op,
            fields,
            command,
            tenant,
        }
    }

    fn label(request: &YmRequest) -> Label<'_> {
        Label {
            api: Api::YourMembership,
            tenant: request.tenant.as_deref(),
            operation: request.op.name(),
        }
    }

    async fn handle(state: &AppState, head: &Head, request: &mut YmRequest) -> Response {
        handle(state, head, request).await
    }

    fn journal(_head: &Head, request: &YmRequest, params: &mut journal::Params<'_>) {
        let Ok(fields) = &request.fields else {
            return;
        };
        // An Admin login's `Username` is the API key; `ConsumerKey` is too (OAuth variant).
        let admin_login = request.op == Op::Authenticate
            && fields
                .enumeration("UserType", auth::USER_TYPES)
                .ok()
                .flatten()
                == Some("Admin");
        fields.visit(|name, value| {
            let secret = name.eq_ignore_ascii_case("ConsumerKey")
                || (admin_login && name.eq_ignore_ascii_case("Username"));
            params.push(name, if secret { MASK } else { value });
        });
    }

    fn vendor_error(head: &Head, _request: &YmRequest, code: &str) -> Response {
        let t = target(&head.parts);
        YmError::Injected(code.to_string()).render(t.op, &t.format)
    }

    fn unreadable_body(head: &Head) -> Response {
        let t = target(&head.parts);
        YmError::BodyTooLarge.render(t.op, &t.format)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn ams_and_below_are_claimed_in_any_case() {
        for path in ["/Ams", "/ams/", "/AMS/Authenticate", "/aMs/40001/Groups"] {
            assert!(super::claims(path), "{path}");
        }
        for path in ["/amsterdam", "/am", "/", "/x/Ams", "/Amsx/y", "/é"] {
            assert!(!super::claims(path), "{path}");
        }
    }
}
