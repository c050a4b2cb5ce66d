//! The control plane, `/_mock/*` (product.md §2): JSON in, JSON out, on both listeners.
//!
//! Errors are `{"error": message, "path": json-path?}` with a 4xx status.

use std::time::Instant;

use axum::body::{Body, Bytes, HttpBody as _};
use axum::extract::{DefaultBodyLimit, Path, RawQuery, Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::{json, Value};
use tower::ServiceExt;

pub mod guard;

use crate::body::Unreadable;
use crate::clock::OutOfRange;
use crate::config::ControlListen;
use crate::faults::FaultSpec;
use crate::journal::Filter;
use crate::seed::{SeedDoc, SeedError, SeedInfo};
use crate::server::ControlListener;
use crate::state::AppState;
use crate::store::seed::ApplyError;
use crate::vendor::Api;

pub mod ui;

/// Serve one control-plane request: its body read whole (bounded in bytes and time), then the
/// router; whatever fails answers in the control plane's JSON.
pub async fn serve(state: &AppState, control: Router, req: Request) -> Response {
    let path = crate::journal::mask_path(req.uri().path()).into_owned();
    let method = req.method().clone();
    let (parts, body) = req.into_parts();
    let limit = state.options.control_body_limit;
    let has_body = !body.is_end_stream() && body.size_hint().upper() != Some(0);
    let admitted = where_served(state, &parts).and_then(|()| guard::check(state, &parts, has_body));
    let response = match admitted {
        Err(refused) => {
            let mut response = refused.into_response();
            // The body, if any, is not read: the connection cannot carry another request.
            if has_body {
                crate::body::close_after(&mut response);
            }
            response
        }
        Ok(()) => match crate::body::read(body, limit, state.options.body_timeout).await {
            Ok(body) => {
                let req = Request::from_parts(parts, Body::from(body));
                control.oneshot(req).await.unwrap_or_else(|e| match e {})
            }
            Err(unreadable) => {
                let mut response = unreadable_body(unreadable, limit, state).into_response();
                if unreadable.must_close() {
                    crate::body::close_after(&mut response);
                }
                response
            }
        },
    };
    tracing::debug!(%method, path, status = response.status().as_u16(), "control plane");
    response
}

/// Whether this listener serves this route: health and the certificate everywhere; the rest
/// where `--control-listen` says.
fn where_served(state: &AppState, parts: &axum::http::request::Parts) -> Result<(), ControlError> {
    if guard::is_public(parts.uri.path()) {
        return Ok(());
    }
    let on_control_listener = parts.extensions.get::<ControlListener>().is_some();
    let message = match state.options.control.listen {
        ControlListen::Shared => return Ok(()),
        ControlListen::Own(_) if on_control_listener => return Ok(()),
        ControlListen::Own(_) => {
            "the control plane is served on its own listener (--control-listen)"
        }
        ControlListen::Off => "the control plane is off (--control-listen off)",
    };
    Err(ControlError {
        status: StatusCode::NOT_FOUND,
        message: message.into(),
        path: None,
    })
}

/// What the control listener answers to a vendor path.
pub fn only_control_here() -> Response {
    ControlError {
        status: StatusCode::NOT_FOUND,
        message: "this listener serves only the control plane (/_mock/*); the vendor APIs are on \
                  the other listeners"
            .into(),
        path: None,
    }
    .into_response()
}

fn unreadable_body(unreadable: Unreadable, limit: usize, state: &AppState) -> ControlError {
    let (status, message) = match unreadable {
        Unreadable::TooLarge { .. } => (
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("the body is longer than the control plane's limit of {limit} bytes"),
        ),
        Unreadable::TimedOut => (
            StatusCode::REQUEST_TIMEOUT,
            format!(
                "the body did not arrive within {:?} (--body-timeout)",
                state.options.body_timeout
            ),
        ),
        Unreadable::Broken => (
            StatusCode::BAD_REQUEST,
            "the body could not be read (connection or chunked encoding broken)".into(),
        ),
    };
    ControlError {
        status,
        message,
        path: None,
    }
}

/// Any error answer that is not yet the control plane's JSON becomes it: axum's own rejections
/// (a verb the route does not serve, a path that does not parse) answer in text or not at all.
async fn json_errors(req: Request, next: Next) -> Response {
    let method = req.method().clone();
    let uri_path = req.uri().path().to_string();
    let response = next.run(req).await;
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let text = axum::body::to_bytes(body, 64 * 1024)
        .await
        .unwrap_or_default();
    let message = if status == StatusCode::METHOD_NOT_ALLOWED {
        let allow = parts
            .headers
            .get(header::ALLOW)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        format!("{method} is not served at {uri_path}; it takes {allow}")
    } else if text.is_empty() {
        status.canonical_reason().unwrap_or("error").to_string()
    } else {
        String::from_utf8_lossy(&text).into_owned()
    };
    parts.headers.remove(header::CONTENT_TYPE);
    parts.headers.remove(header::CONTENT_LENGTH);
    let mut json = ControlError {
        status,
        message,
        path: None,
    }
    .into_response();
    for (name, value) in parts.headers.iter() {
        json.headers_mut().insert(name.clone(), value.clone());
    }
    json
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/_mock/health", get(health))
        .route("/_mock/reset", post(reset))
        .route("/_mock/seed", post(seed))
        .route("/_mock/state", get(state))
        .route("/_mock/requests", get(requests).delete(clear_requests))
        .route("/_mock/requests/{id}", get(request_detail))
        .route(
            "/_mock/faults",
            get(list_faults).post(add_fault).delete(clear_faults),
        )
        .route("/_mock/faults/{id}", delete(remove_fault))
        .route("/_mock/clock", get(get_clock).post(set_clock))
        .route("/_mock/tls/cert.pem", get(cert))
        .merge(ui::router())
        .fallback(not_found)
        // `serve` has read the body within the control plane's own limit.
        .layer(DefaultBodyLimit::disable())
        .layer(axum::middleware::from_fn(json_errors))
}

/// A control-plane error answer.
#[derive(Debug)]
pub struct ControlError {
    status: StatusCode,
    message: String,
    path: Option<String>,
}

impl ControlError {
    fn bad_request(message: impl Into<String>, path: Option<String>) -> Self {
        ControlError {
            status: StatusCode::BAD_REQUEST,
            message: message.into(),
            path,
        }
    }

    fn internal(e: impl std::fmt::Display) -> Self {
        tracing::error!(error = %e, "control plane failure");
        ControlError {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            message: "internal error (logged)".into(),
            path: None,
        }
    }
}

impl From<crate::store::StoreError> for ControlError {
    fn from(e: crate::store::StoreError) -> Self {
        ControlError::internal(e)
    }
}

impl From<SeedError> for ControlError {
    fn from(e: SeedError) -> Self {
        let path = (!e.path.is_empty()).then_some(e.path);
        ControlError::bad_request(e.message, path)
    }
}

impl IntoResponse for ControlError {
    fn into_response(self) -> Response {
        let mut body = json!({ "error": self.message });
        if let Some(path) = self.path {
            body["path"] = Value::String(path);
        }
        let mut response = (self.status, Json(body)).into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                header::HeaderValue::from_static("Bearer realm=\"membermock control plane\""),
            );
        }
        response
    }
}

/// Parse a JSON body into `T`, naming the JSON path of the first bad field.
fn parse_json<T: serde::de::DeserializeOwned>(body: &Bytes) -> Result<T, ControlError> {
    let de = &mut serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        ControlError::bad_request(e.into_inner().to_string(), (path != ".").then_some(path))
    })
}

async fn not_found() -> ControlError {
    ControlError {
        status: StatusCode::NOT_FOUND,
        message: "no such control-plane route".into(),
        path: None,
    }
}

async fn health(State(state): State<AppState>) -> Result<Json<Value>, ControlError> {
    let counts = state
        .store
        .call(|conn| crate::store::seed::counts(conn))
        .await?;
    Ok(Json(json!({
        "status": "ok",
        "version": env!("CARGO_PKG_VERSION"),
        "apis": Api::ALL.iter().map(|a| a.name()).collect::<Vec<_>>(),
        "state": state.origin,
        "seed": seed_info(&state.seed),
        "counts": counts,
    })))
}

/// The health endpoint's `seed`: sources, digest (`null` when unknown) and `generate`.
fn seed_info(seed: &SeedInfo) -> Value {
    let mut info = json!({
        "sources": seed.sources,
        "sha256": (!seed.sha256.is_empty()).then_some(&seed.sha256),
    });
    if let Some(g) = &seed.generate {
        info["generate"] = json!(g);
    }
    info
}

async fn reset(State(state): State<AppState>) -> Result<Json<Value>, ControlError> {
    let started = Instant::now();
    state.store.restore_startup_state().await?;
    state.invalidate_caches();
    state
        .store
        .call(|conn| crate::store::seed::clear_sessions(conn))
        .await?;
    state.journal.clear();
    state.faults.clear();
    state.clock.set_real();
    Ok(Json(json!({
        "status": "ok",
        "duration_ms": started.elapsed().as_secs_f64() * 1000.0,
    })))
}

async fn seed(State(state): State<AppState>, body: Bytes) -> Result<Json<Value>, ControlError> {
    let doc = SeedDoc::parse(&body)?;
    let tenants = json!({
        "luminate": doc.luminate.iter().flat_map(|l| l.sites.iter().map(|s| s.org.clone())).collect::<Vec<_>>(),
        "smarteru": doc.smarteru.iter().flat_map(|s| s.accounts.iter().map(|a| a.tenant_name())).collect::<Vec<_>>(),
        "yourmembership": doc.yourmembership.iter().flat_map(|y| y.clients.iter().map(|c| c.client_id)).collect::<Vec<_>>(),
    });
    let now = state.clock.now();
    let applied = state
        .store
        .write(move |tx| crate::store::seed::apply(tx, vec![doc], now))
        .await?;
    state.invalidate_caches();
    match applied {
        Ok(()) => Ok(Json(json!({ "status": "ok", "tenants": tenants }))),
        Err(ApplyError::Seed(e)) => Err(e.into()),
        Err(ApplyError::Sqlite(e)) => Err(ControlError::bad_request(
            format!("the document conflicts with stored data: {e}"),
            None,
        )),
    }
}

/// The whole state as a seed document, streamed as it is read (see `store::seed::dump`).
///
/// **\[choice\]** A state of up to [`STATE_IN_ONE_PIECE`] bytes is answered whole, with a
/// `Content-Length`, as it always was; a bigger one streams (chunked), so memory stays flat.
async fn state(State(state): State<AppState>) -> Result<Response, ControlError> {
    use futures_util::{StreamExt, TryStreamExt};
    let mut chunks = Box::pin(crate::store::seed::dump::stream(state.store.clone()));
    // Failures before the answer starts are still error answers; later, the answer is cut off.
    let mut head = Vec::new();
    while head.len() <= STATE_IN_ONE_PIECE {
        match chunks.next().await {
            Some(chunk) => head.extend_from_slice(&chunk?),
            None => return Ok(([(header::CONTENT_TYPE, "application/json")], head).into_response()),
        }
    }
    let rest = chunks.inspect_err(|e| tracing::warn!(error = %e, "GET /_mock/state cut off"));
    let body = axum::body::Body::from_stream(
        futures_util::stream::once(
            async move { Ok::<_, crate::store::StoreError>(Bytes::from(head)) },
        )
        .chain(rest),
    );
    Ok(([(header::CONTENT_TYPE, "application/json")], body).into_response())
}

/// The largest state `GET /_mock/state` answers in one piece.
const STATE_IN_ONE_PIECE: usize = 1 << 20;

/// The journal, streamed from a snapshot: memory stays flat however long it is.
async fn requests(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
) -> Result<Response, ControlError> {
    let filter = Filter::from_query(query.as_deref().unwrap_or(""))
        .map_err(|bad| ControlError::bad_request(bad.message, Some(bad.name)))?;
    let entries = state.journal.query(&filter);
    let pieces = crate::journal::json_pieces(entries, state.journal.limit());
    let body = Body::from_stream(futures_util::stream::iter(
        pieces.map(Ok::<_, std::convert::Infallible>),
    ));
    Ok(([(header::CONTENT_TYPE, "application/json")], body).into_response())
}

/// One journal entry with the start of its answer (secrets masked).
async fn request_detail(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ControlError> {
    let entry = id.parse::<u64>().ok().and_then(|id| state.journal.get(id));
    match entry {
        Some(entry) => Ok(Json(entry.detail())),
        None => Err(ControlError {
            status: StatusCode::NOT_FOUND,
            message: format!("no journal entry `{id}` (the journal keeps the newest entries only)"),
            path: None,
        }),
    }
}

async fn clear_requests(State(state): State<AppState>) -> Json<Value> {
    state.journal.clear();
    Json(json!({ "status": "ok" }))
}

async fn list_faults(State(state): State<AppState>) -> Json<Value> {
    Json(json!({ "faults": state.faults.list() }))
}

async fn add_fault(
    State(state): State<AppState>,
    body: Bytes,
) -> Result<(StatusCode, Json<Value>), ControlError> {
    let spec: FaultSpec = parse_json(&body)?;
    spec.validate()
        .map_err(|(path, message)| ControlError::bad_request(message, Some(path)))?;
    let view = state.faults.add(spec);
    Ok((StatusCode::CREATED, Json(json!(view))))
}

async fn clear_faults(State(state): State<AppState>) -> Json<Value> {
    state.faults.clear();
    Json(json!({ "status": "ok" }))
}

async fn remove_fault(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ControlError> {
    let id: u64 = id.parse().map_err(|_| {
        ControlError::bad_request(
            format!("`{id}` is not a fault rule id (ids are numbers)"),
            Some("id".into()),
        )
    })?;
    if state.faults.remove(id) {
        Ok(Json(json!({ "status": "ok" })))
    } else {
        Err(ControlError {
            status: StatusCode::NOT_FOUND,
            message: format!("no fault rule {id}"),
            path: None,
        })
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ClockRequest {
    advance_seconds: Option<i64>,
    now: Option<String>,
    real: Option<bool>,
}

fn clock_view(state: &AppState) -> Json<Value> {
    Json(json!({
        "now": state.clock.now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        "real": state.clock.is_real(),
    }))
}

async fn get_clock(State(state): State<AppState>) -> Json<Value> {
    clock_view(&state)
}

async fn set_clock(
    State(state): State<AppState>,
    body: Bytes,
) -> Result<Json<Value>, ControlError> {
    let req: ClockRequest = parse_json(&body)?;
    match (req.advance_seconds, req.now, req.real) {
        (Some(secs), None, None) => {
            let out_of_range = |e: OutOfRange| {
                ControlError::bad_request(e.to_string(), Some("advance_seconds".into()))
            };
            let by = chrono::Duration::try_seconds(secs).ok_or_else(|| out_of_range(OutOfRange))?;
            state.clock.try_advance(by).map_err(out_of_range)?;
        }
        (None, Some(now), None) => {
            let at = DateTime::parse_from_rfc3339(&now).map_err(|e| {
                ControlError::bad_request(
                    format!("not an RFC 3339 date-time: {e}"),
                    Some("now".into()),
                )
            })?;
            state
                .clock
                .try_set(at.with_timezone(&Utc))
                .map_err(|e| ControlError::bad_request(e.to_string(), Some("now".into())))?;
        }
        (None, None, Some(true)) => state.clock.set_real(),
        _ => {
            return Err(ControlError::bad_request(
                "expected exactly one of {\"advance_seconds\":N}, {\"now\":\"RFC3339\"}, {\"real\":true}",
                None,
            ))
        }
    }
    Ok(clock_view(&state))
}

async fn cert(State(state): State<AppState>) -> Result<Response, ControlError> {
    match &state.tls_cert_pem {
        Some(pem) => Ok((
            [(header::CONTENT_TYPE, "application/x-pem-file")],
            pem.to_string(),
        )
            .into_response()),
        None => Err(ControlError {
            status: StatusCode::NOT_FOUND,
            message: "the HTTPS listener is off".into(),
            path: None,
        }),
    }
}
