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
//! `/_mock/*` to the [`control`] plane (which first checks who is asking,
//! [`control::guard`]), everything else to the vendor that claims the path. Every vendor
//! request then follows the same pipeline ([`vendor`]): the body is read bounded in bytes and
//! time ([`body`]) and decoded once into the vendor's request, labelled with api, tenant and
//! operation ([`vendor::Label`]); [`faults`] may replace or delay the answer; the vendor's
//! handler authenticates → applies to the [`store`] → renders its wire format; and the
//! [`journal`] records the call.
//!
//! State lives in SQLite ([`store`]), owned by one thread; handlers reach it by message. The
//! [`seed`] document fills it at start and through the control plane. [`clock`] is the one
//! clock that expiry reads. Shared codecs are in [`wire`].

#![forbid(unsafe_code)]
// The crate is an application: its docs are read with `--document-private-items`, where a
// public item linking to a private one is a working link.
#![allow(rustdoc::private_intra_doc_links)]

pub mod body;
pub mod cache;
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

use std::convert::Infallible;

use axum::extract::Request;
use axum::response::{IntoResponse, Response};
use axum::Router;

pub use healthcheck::healthcheck;
pub use server::{run, run_with, ConnInfo, ControlListener, Listeners, ServeOptions};
pub use startup::{serve, Error};
pub use state::AppState;

/// The whole HTTP surface: control plane plus the three vendors, dispatched by path prefix in
/// one decision, with no middleware in front of the vendors.
pub fn app(state: AppState) -> Router {
    let control = control::router().with_state(state.clone());
    let dispatch = tower::service_fn(move |req: Request| {
        let state = state.clone();
        let control = control.clone();
        async move { Ok::<_, Infallible>(dispatch(&state, control, req).await) }
    });
    Router::new().fallback_service(dispatch)
}

async fn dispatch(state: &AppState, control: Router, req: Request) -> Response {
    let path = req.uri().path();
    if path == "/_mock" || path.starts_with("/_mock/") {
        control::serve(state, control, req).await
    } else if req.extensions().get::<server::ControlListener>().is_some() {
        control::only_control_here()
    } else if yourmembership::claims(path) {
        vendor::pipeline::<yourmembership::YourMembership>(state, req).await
    } else if smarteru::claims(path) {
        vendor::pipeline::<smarteru::SmarterU>(state, req).await
    } else if luminate::claims(path) {
        vendor::pipeline::<luminate::Luminate>(state, req).await
    } else {
        no_vendor_route()
    }
}

fn no_vendor_route() -> Response {
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
