//! The pipeline every vendor request goes through, whatever the vendor:
//!
//! read the body (bounded) → the vendor classifies it into an [`Operation`] (api, tenant,
//! operation, parameters) → fault rules may replace or delay the answer → the vendor's handler
//! runs → the journal records the call.
//!
//! A vendor plugs in by implementing [`Vendor`] and wrapping its router with [`layer`]; nothing
//! here knows any vendor's wire format.

use std::future::Future;
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use crate::config::MAX_BODY_BYTES;
use crate::faults::{Effect, Fired};
use crate::journal::Record;
use crate::state::AppState;

/// The emulated vendors, by the names the control plane uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Api {
    #[serde(rename = "luminate")]
    Luminate,
    #[serde(rename = "smarteru")]
    SmarterU,
    #[serde(rename = "yourmembership")]
    YourMembership,
}

impl Api {
    pub const ALL: [Api; 3] = [Api::Luminate, Api::SmarterU, Api::YourMembership];

    pub fn name(self) -> &'static str {
        match self {
            Api::Luminate => "luminate",
            Api::SmarterU => "smarteru",
            Api::YourMembership => "yourmembership",
        }
    }
}

/// A vendor request decoded far enough to name it, before it is handled. Available to the
/// handler as a request extension.
#[derive(Debug, Clone, PartialEq)]
pub struct Operation {
    pub api: Api,
    /// The tenant's name: Luminate org, SmarterU account name, YM ClientID. `None` when the
    /// request names no known tenant.
    pub tenant: Option<String>,
    /// The vendor's operation name (`getUserGroups`, `MemberGroups.POST`, ...), or `unknown`.
    pub operation: String,
    /// Request parameters as sent; the journal masks secrets by name.
    pub params: Vec<(String, String)>,
}

/// The vendor error code of a response, set by the vendor's error rendering so the journal can
/// show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VendorCode(pub String);

/// Marks a response whose connection must be dropped without an answer (fault
/// `drop_connection`); the server loop sees it and closes the socket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DropConnection;

/// The effective scheme of a request: the listener's, or `X-Forwarded-Proto` when trusted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    Http,
    Https,
}

/// What each vendor module provides to the shared pipeline.
pub trait Vendor: Clone + Send + Sync + 'static {
    const API: Api;

    /// Name the request's tenant and operation. Never fails: a request that cannot be decoded is
    /// operation `unknown` (its handler then answers with the vendor's error).
    fn classify(
        &self,
        state: &AppState,
        parts: &Parts,
        body: &Bytes,
    ) -> impl Future<Output = Operation> + Send;

    /// The vendor's own error answer for an injected `vendor_error` code (its envelope and
    /// status).
    fn vendor_error(&self, code: &str, parts: &Parts, body: &Bytes) -> Response;

    /// The vendor's own answer to a body that could not be read (over the size limit, or the
    /// connection broke).
    fn unreadable_body(&self, parts: &Parts) -> Response;
}

/// Wrap a vendor router with the shared pipeline.
pub fn layer<V: Vendor>(
    router: axum::Router<AppState>,
    state: AppState,
    vendor: V,
) -> axum::Router<AppState> {
    router.layer(axum::middleware::from_fn_with_state(
        (state, vendor),
        pipeline::<V>,
    ))
}

async fn pipeline<V: Vendor>(
    State((state, vendor)): State<(AppState, V)>,
    req: Request,
    next: Next,
) -> Response {
    let started = Instant::now();
    let at = state.clock.now();
    let (mut parts, body) = req.into_parts();
    let body = match axum::body::to_bytes(body, MAX_BODY_BYTES).await {
        Ok(b) => b,
        Err(_) => {
            let response = vendor.unreadable_body(&parts);
            let op = Operation {
                api: V::API,
                tenant: None,
                operation: "unknown".into(),
                params: Vec::new(),
            };
            let call = Call::of(&state, &parts, op);
            record(&state, call, &response, None, started, at);
            return response;
        }
    };
    let op = vendor.classify(&state, &parts, &body).await;
    tracing::Span::current().record("operation", op.operation.as_str());
    let fired = state.faults.fire(&op);
    let (response, call) = match fired.as_ref().map(|f| &f.effect) {
        None | Some(Effect::Latency { .. }) => {
            if let Some(Effect::Latency { latency_ms }) = fired.as_ref().map(|f| &f.effect) {
                tokio::time::sleep(Duration::from_millis(*latency_ms)).await;
            }
            // The journal's copy is taken before the request moves on to the handler.
            let call = Call::of(&state, &parts, op.clone());
            parts.extensions.insert(op);
            let response = next.run(Request::from_parts(parts, Body::from(body))).await;
            (response, call)
        }
        Some(Effect::VendorError { vendor_error }) => (
            vendor.vendor_error(vendor_error, &parts, &body),
            Call::of(&state, &parts, op),
        ),
        Some(Effect::HttpStatus {
            http_status,
            retry_after,
        }) => {
            let status =
                StatusCode::from_u16(*http_status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
            let mut response = status.into_response();
            if let Some(secs) = retry_after {
                response
                    .headers_mut()
                    .insert(axum::http::header::RETRY_AFTER, HeaderValue::from(*secs));
            }
            (response, Call::of(&state, &parts, op))
        }
        Some(Effect::DropConnection { .. }) => {
            let mut response = StatusCode::BAD_GATEWAY.into_response();
            response.extensions_mut().insert(DropConnection);
            (response, Call::of(&state, &parts, op))
        }
    };
    record(&state, call, &response, fired, started, at);
    response
}

/// What the journal keeps of a request; nothing at all when the journal is off.
struct Call(Option<(Operation, String, String)>);

impl Call {
    fn of(state: &AppState, parts: &Parts, op: Operation) -> Call {
        Call(state.journal.enabled().then(|| {
            let path = crate::journal::mask_path(parts.uri.path()).into_owned();
            (op, parts.method.to_string(), path)
        }))
    }
}

fn record(
    state: &AppState,
    call: Call,
    response: &Response,
    fired: Option<Fired>,
    started: Instant,
    at: chrono::DateTime<chrono::Utc>,
) {
    let Some((op, method, path)) = call.0 else {
        return;
    };
    let dropped = response.extensions().get::<DropConnection>().is_some();
    state.journal.record(Record {
        at,
        api: op.api,
        tenant: op.tenant,
        operation: op.operation,
        method,
        path,
        params: op.params,
        // A dropped connection answers nothing: the journal says 0.
        status: if dropped {
            0
        } else {
            response.status().as_u16()
        },
        vendor_code: response
            .extensions()
            .get::<VendorCode>()
            .map(|c| c.0.clone()),
        fault: fired.map(|f| serde_json::json!({ "rule": f.rule_id, "effect": f.effect })),
        duration_ms: started.elapsed().as_secs_f64() * 1000.0,
    });
}
