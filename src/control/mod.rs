//! The control plane, `/_mock/*` (product.md §2): JSON in, JSON out, on both listeners.
//!
//! Errors are `{"error": message, "path": json-path?}` with a 4xx status.

use std::time::Instant;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::faults::FaultSpec;
use crate::journal::Filter;
use crate::seed::{SeedDoc, SeedError};
use crate::state::AppState;
use crate::store::seed::ApplyError;
use crate::vendor::Api;

pub mod ui;

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
}

/// A control-plane error answer.
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
        (self.status, Json(body)).into_response()
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
        "seed": { "sources": state.seed.sources, "sha256": state.seed.sha256 },
        "counts": counts,
    })))
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
        .write(move |tx| crate::store::seed::apply(tx, std::slice::from_ref(&doc), now))
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

async fn state(State(state): State<AppState>) -> Result<Json<SeedDoc>, ControlError> {
    let doc = state
        .store
        .call(|conn| crate::store::seed::dump(conn))
        .await?;
    Ok(Json(doc))
}

async fn requests(
    State(state): State<AppState>,
    Query(filter): Query<Filter>,
) -> Result<Json<Value>, ControlError> {
    let since = match filter.since.as_deref() {
        Some(s) => Some(
            DateTime::parse_from_rfc3339(s)
                .map_err(|e| {
                    ControlError::bad_request(
                        format!("since: not an RFC 3339 date-time: {e}"),
                        Some("since".into()),
                    )
                })?
                .with_timezone(&Utc),
        ),
        None => None,
    };
    let entries = state.journal.query(&filter, since);
    Ok(Json(json!({
        "count": entries.len(),
        "limit": state.journal.limit(),
        "requests": entries,
    })))
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
    Path(id): Path<u64>,
) -> Result<Json<Value>, ControlError> {
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
            let by = chrono::Duration::try_seconds(secs).ok_or_else(|| {
                ControlError::bad_request("out of range", Some("advance_seconds".into()))
            })?;
            state.clock.advance(by);
        }
        (None, Some(now), None) => {
            let at = DateTime::parse_from_rfc3339(&now).map_err(|e| {
                ControlError::bad_request(
                    format!("not an RFC 3339 date-time: {e}"),
                    Some("now".into()),
                )
            })?;
            state.clock.set(at.with_timezone(&Utc));
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
