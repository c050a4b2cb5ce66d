//! The pipeline every vendor request goes through, whatever the vendor:
//!
//! read the body (bounded in bytes and time, [`crate::body`]) → the vendor **decodes** it once into its request type → fault rules
//! read its tenant and operation and may replace or delay the answer → the vendor **handles**
//! the decoded request (auth → one store call → render) → the journal records the call, the
//! vendor writing its parameters straight into the entry.
//!
//! Nothing after decoding reads the body again: the handler, the fault rules and the journal
//! all read the one decoded value. A vendor plugs in by implementing [`Vendor`]; nothing here
//! knows any vendor's wire format.

use std::future::Future;
use std::net::{IpAddr, Ipv4Addr};
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use crate::config::MAX_BODY_BYTES;
use crate::faults::{Effect, Fired};
use crate::journal::{self, Record};
use crate::server::ConnInfo;
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

/// What fault rules match a request on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Label<'a> {
    pub api: Api,
    /// The tenant's name: Luminate org, SmarterU account name, YM ClientID. `None` when the
    /// request names no known tenant.
    pub tenant: Option<&'a str>,
    /// The vendor's operation name (`getUserGroups`, `MemberGroups.POST`, ...), or `unknown`.
    pub operation: &'a str,
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

/// A request's head, with what the connection told about it.
pub struct Head {
    pub parts: Parts,
    pub scheme: Scheme,
    pub peer: IpAddr,
}

impl Head {
    /// The head of `parts`: scheme and peer from the listener's [`ConnInfo`] (plain HTTP from
    /// 127.0.0.1 when the request came in-process), the scheme from `X-Forwarded-Proto` when
    /// the operator trusts the proxy in front.
    pub fn new(parts: Parts, trust_forwarded_proto: bool) -> Head {
        let conn = parts.extensions.get::<ConnInfo>().copied();
        Head {
            scheme: scheme_of(&parts, trust_forwarded_proto),
            peer: conn.map_or(IpAddr::V4(Ipv4Addr::LOCALHOST), |c| c.peer.ip()),
            parts,
        }
    }
}

/// The scheme the client used: the listener's (plain HTTP when the request came in-process),
/// or `X-Forwarded-Proto`'s when the operator trusts the proxy in front and it says one.
pub fn scheme_of(parts: &Parts, trust_forwarded_proto: bool) -> Scheme {
    trust_forwarded_proto
        .then(|| parts.headers.get("x-forwarded-proto"))
        .flatten()
        .and_then(forwarded_scheme)
        .unwrap_or_else(|| {
            parts
                .extensions
                .get::<ConnInfo>()
                .map_or(Scheme::Http, |c| c.scheme)
        })
}

fn forwarded_scheme(value: &HeaderValue) -> Option<Scheme> {
    let first = value.to_str().ok()?.split(',').next()?.trim();
    if first.eq_ignore_ascii_case("https") {
        Some(Scheme::Https)
    } else if first.eq_ignore_ascii_case("http") {
        Some(Scheme::Http)
    } else {
        None
    }
}

/// What each vendor module provides to the shared pipeline.
pub trait Vendor: Send + Sync + 'static {
    const API: Api;

    /// A request decoded once: everything the fault rules, the handler and the journal read.
    /// A request the vendor will refuse is still a value (it carries its refusal).
    type Request: Send + Sync;

    /// Decode the head and body.
    fn decode(
        state: &AppState,
        head: &Head,
        body: Bytes,
    ) -> impl Future<Output = Self::Request> + Send;

    /// The tenant and operation of a decoded request.
    fn label(request: &Self::Request) -> Label<'_>;

    /// Answer the request: check who is asking, apply it to the store, render the answer.
    /// The handler may move what it consumes (the command) out of the request; the label and
    /// the journal's parameters must stay readable afterwards.
    fn handle<'a>(
        state: &'a AppState,
        head: &'a Head,
        request: &'a mut Self::Request,
    ) -> impl Future<Output = Response> + Send + 'a;

    /// Write the request's parameters into its journal entry (the journal masks secrets by
    /// name; a vendor masks what only it can recognise).
    fn journal(head: &Head, request: &Self::Request, params: &mut journal::Params<'_>);

    /// The vendor's own error answer for an injected `vendor_error` code (its envelope and
    /// status).
    fn vendor_error(head: &Head, request: &Self::Request, code: &str) -> Response;

    /// The vendor's own answer to a body that could not be read (over the size limit, or the
    /// connection broke).
    fn unreadable_body(head: &Head) -> Response;
}

/// Run one request of vendor `V` through the pipeline.
pub async fn pipeline<V: Vendor>(state: &AppState, req: Request) -> Response {
    let started = Instant::now();
    let at = state.clock.now();
    let (parts, body) = req.into_parts();
    let head = Head::new(parts, state.options.trust_forwarded_proto);
    let body = match crate::body::read(body, MAX_BODY_BYTES, state.options.body_timeout).await {
        Ok(b) => b,
        Err(unreadable) => {
            let mut response = V::unreadable_body(&head);
            if unreadable.must_close() {
                crate::body::close_after(&mut response);
            }
            let label = Label {
                api: V::API,
                tenant: None,
                operation: "unknown",
            };
            record(
                state,
                &head,
                label,
                &mut response,
                None,
                started,
                at,
                |_| {},
            );
            return response;
        }
    };
    let mut request = V::decode(state, &head, body).await;
    let fired = {
        let label = V::label(&request);
        tracing::debug!(
            api = V::API.name(),
            operation = label.operation,
            tenant = label.tenant,
            "request"
        );
        state.faults.fire(label)
    };
    let mut response = match fired.as_ref().map(|f| &f.effect) {
        None => V::handle(state, &head, &mut request).await,
        Some(Effect::Latency { latency_ms }) => {
            tokio::time::sleep(Duration::from_millis(*latency_ms)).await;
            V::handle(state, &head, &mut request).await
        }
        Some(Effect::VendorError { vendor_error }) => {
            V::vendor_error(&head, &request, vendor_error)
        }
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
            response
        }
        Some(Effect::DropConnection { .. }) => {
            let mut response = StatusCode::BAD_GATEWAY.into_response();
            response.extensions_mut().insert(DropConnection);
            response
        }
    };
    record(
        state,
        &head,
        V::label(&request),
        &mut response,
        fired,
        started,
        at,
        |p| V::journal(&head, &request, p),
    );
    response
}

#[allow(clippy::too_many_arguments)]
fn record(
    state: &AppState,
    head: &Head,
    label: Label<'_>,
    response: &mut Response,
    fired: Option<Fired>,
    started: Instant,
    at: chrono::DateTime<chrono::Utc>,
    params: impl FnOnce(&mut journal::Params<'_>),
) {
    if !state.journal.enabled() {
        return;
    }
    let body = take_whole_body(response);
    let dropped = response.extensions().get::<DropConnection>().is_some();
    let vendor_code = response
        .extensions()
        .get::<VendorCode>()
        .map(|c| c.0.as_str());
    state.journal.record(
        Record {
            at,
            api: label.api,
            tenant: label.tenant,
            operation: label.operation,
            method: head.parts.method.as_str(),
            path: head.parts.uri.path(),
            // A dropped connection answers nothing: the journal says 0.
            status: if dropped {
                0
            } else {
                response.status().as_u16()
            },
            vendor_code,
            fault: fired,
            duration_ms: started.elapsed().as_secs_f64() * 1000.0,
            answer: body.as_ref().map(|body| {
                let content_type = response
                    .headers()
                    .get(axum::http::header::CONTENT_TYPE)
                    .and_then(|v| v.to_str().ok());
                journal::Answer::new(content_type, body)
            }),
        },
        params,
    );
    if let Some(body) = body {
        *response.body_mut() = Body::from(body);
    }
}

/// The answer's body for the journal, when it is already whole in memory — every vendor
/// renders into one buffer, so taking it costs no copy, only a new box for the body put back
/// after. A body that would have to be waited for stays where it is, untouched.
fn take_whole_body(response: &mut Response) -> Option<Bytes> {
    use axum::body::HttpBody as _;
    use futures_util::{FutureExt as _, StreamExt as _};
    use http_body_util::BodyExt as _;

    let exact = response.body().size_hint().exact()?;
    if exact == 0 {
        return Some(Bytes::new());
    }
    let mut body = std::mem::take(response.body_mut());
    let polled = body.frame().now_or_never();
    match polled {
        Some(Some(Ok(frame))) => match frame.into_data() {
            Ok(data) if data.len() as u64 == exact && body.is_end_stream() => Some(data),
            // More than one piece after all: put the body back whole, journal no answer.
            Ok(data) => {
                let rest = body.into_data_stream();
                let whole = futures_util::stream::once(async move { Ok::<_, axum::Error>(data) })
                    .chain(rest);
                *response.body_mut() = Body::from_stream(whole);
                None
            }
            Err(_trailers) => None,
        },
        // Not ready (a body that streams): untouched.
        None => {
            *response.body_mut() = body;
            None
        }
        Some(Some(Err(e))) => {
            let failed = futures_util::stream::once(async move { Err::<Bytes, _>(e) });
            *response.body_mut() = Body::from_stream(failed);
            None
        }
        Some(None) => None,
    }
}
