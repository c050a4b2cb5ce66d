//! # membermock
//!
//! A local server that emulates three vendors' membership APIs closely enough that a client
//! written against the mock works unchanged against the real service:
//!
//! - [`luminate`] — Luminate Online (Blackbaud/Convio) `CRConsAPI`/`SRConsAPI` and Group API.
//! - [`smarteru`] — SmarterU API v2: an XML package POSTed to `/apiv2/`.
//! - [`yourmembership`] — YourMembership's ServiceStack REST API under `/Ams/...`.
//!
//! ## A guided tour
//!
//! A request enters through [`server`] (plain HTTP or HTTPS listener; each request learns its
//! [`vendor::Scheme`] and peer), passes [`app`]'s router, and is dispatched by path prefix:
//! `/_mock/*` to the [`control`] plane, everything else to the vendor that claims the path.
//! Every vendor request then follows the same pipeline ([`vendor`]): the body is read with a
//! size limit, the vendor classifies it into an [`vendor::Operation`] (api, tenant, operation),
//! [`faults`] may replace or delay the answer, the vendor's handler decodes → authenticates →
//! applies to the [`store`] → renders its wire format, and the [`journal`] records the call.
//!
//! State lives in SQLite ([`store`]), owned by one thread; handlers reach it by message. The
//! [`seed`] document fills it at start and through the control plane. [`clock`] is the one
//! clock that expiry reads. Shared codecs are in [`wire`].

#![forbid(unsafe_code)]

pub mod clock;
pub mod config;
pub mod control;
pub mod faults;
pub mod healthcheck;
pub mod journal;
pub mod luminate;
pub mod seed;
pub mod server;
pub mod smarteru;
pub mod startup;
pub mod state;
pub mod store;
pub mod tls;
pub mod vendor;
pub mod wire;
pub mod yourmembership;

use axum::extract::Request;
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Router;
use tower::ServiceExt;

pub use healthcheck::healthcheck;
pub use server::{run, ConnInfo, Listeners};
pub use startup::{serve, Error};
pub use state::AppState;

use vendor::Scheme;

/// The whole HTTP surface: control plane plus the three vendors, dispatched by path.
pub fn app(state: AppState) -> Router {
    let luminate = luminate::router(state.clone()).with_state(state.clone());
    let smarteru = smarteru::router(state.clone()).with_state(state.clone());
    let yourmembership = yourmembership::router(state.clone()).with_state(state.clone());
    let trust_forwarded_proto = state.options.trust_forwarded_proto;

    let dispatch = tower::service_fn(move |req: Request| {
        let path = req.uri().path();
        let target = if yourmembership::claims(path) {
            Some(yourmembership.clone())
        } else if smarteru::claims(path) {
            Some(smarteru.clone())
        } else if luminate::claims(path) {
            Some(luminate.clone())
        } else {
            None
        };
        async move {
            match target {
                Some(router) => router.oneshot(req).await,
                None => Ok(no_vendor_route().await),
            }
        }
    });

    Router::new()
        .merge(control::router())
        .with_state(state)
        .fallback_service(dispatch)
        .layer(axum::middleware::from_fn(move |req, next| {
            connection_facts(req, next, trust_forwarded_proto)
        }))
        .layer(
            tower_http::trace::TraceLayer::new_for_http()
                .make_span_with(|req: &Request| {
                    tracing::info_span!(
                        "request",
                        method = %req.method(),
                        path = %journal::mask_path(req.uri().path()),
                        operation = tracing::field::Empty,
                    )
                })
                // A 5xx here is a vendor answer or an injected fault, not a mock failure
                // (internal failures are logged where they happen).
                .on_failure(
                    tower_http::trace::DefaultOnFailure::new().level(tracing::Level::DEBUG),
                ),
        )
}

async fn no_vendor_route() -> Response {
    (
        axum::http::StatusCode::NOT_FOUND,
        axum::Json(serde_json::json!({
            "error": "no vendor API at this path",
            "apis": {
                "luminate": "/{org}/site/{CRConsAPI|SRConsAPI|CRGroupAPI|SRGroupAPI}",
                "smarteru": "/apiv2/",
                "yourmembership": "/Ams/...",
                "control": "/_mock/health",
            }
        })),
    )
        .into_response()
}

/// Put the effective [`Scheme`] on every request: the listener's, or `X-Forwarded-Proto` when
/// the operator trusts the proxy in front.
async fn connection_facts(mut req: Request, next: Next, trust_forwarded_proto: bool) -> Response {
    let listener = req
        .extensions()
        .get::<ConnInfo>()
        .map(|c| c.scheme)
        .unwrap_or(Scheme::Http);
    let forwarded = trust_forwarded_proto
        .then(|| req.headers().get("x-forwarded-proto"))
        .flatten()
        .and_then(forwarded_scheme);
    req.extensions_mut().insert(forwarded.unwrap_or(listener));
    next.run(req).await
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

/// The peer address of a request (127.0.0.1 when it came in-process, as in tests).
pub fn peer_ip(extensions: &axum::http::Extensions) -> std::net::IpAddr {
    extensions
        .get::<ConnInfo>()
        .map(|c| c.peer.ip())
        .unwrap_or(std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST))
}
