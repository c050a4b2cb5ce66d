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
pub mod journal;
pub mod luminate;
pub mod seed;
pub mod server;
pub mod smarteru;
pub mod state;
pub mod store;
pub mod tls;
pub mod vendor;
pub mod wire;
pub mod yourmembership;

use std::fmt;
use std::time::{Duration, Instant};

use axum::extract::Request;
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Router;
use tower::ServiceExt;

pub use server::{run, ConnInfo, Listeners};
pub use state::AppState;

use config::{ServeArgs, TlsListen};
use seed::Seed;
use store::{Opened, Store};
use vendor::Scheme;

/// Why the server could not start.
#[derive(Debug)]
pub enum Error {
    Store(store::StoreError),
    Seed(seed::SeedError),
    Tls(String),
    Io(std::io::Error),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Store(e) => write!(f, "database: {e}"),
            Error::Seed(e) => write!(f, "seed: {e}"),
            Error::Tls(e) => write!(f, "tls: {e}"),
            Error::Io(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for Error {}

impl From<store::StoreError> for Error {
    fn from(e: store::StoreError) -> Self {
        Error::Store(e)
    }
}

impl From<seed::SeedError> for Error {
    fn from(e: seed::SeedError) -> Self {
        Error::Seed(e)
    }
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Error::Io(e)
    }
}

impl From<store::seed::ApplyError> for Error {
    fn from(e: store::seed::ApplyError) -> Self {
        match e {
            store::seed::ApplyError::Seed(e) => Error::Seed(e),
            store::seed::ApplyError::Sqlite(e) => Error::Store(e.into()),
        }
    }
}

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

/// Start everything the CLI asked for and serve until SIGTERM or Ctrl-C.
pub async fn serve(args: ServeArgs) -> Result<(), Error> {
    let started = Instant::now();
    let seed = if args.seeds.is_empty() {
        Seed::demo()
    } else {
        Seed::load(&args.seeds)?
    };
    let (store, opened) = Store::open(args.db.as_deref())?;
    let apply_seed = opened == Opened::New || args.reset;

    let tls = match args.tls_listen {
        TlsListen::Off => None,
        TlsListen::On(addr) => {
            let material = match (&args.tls_cert, &args.tls_key) {
                (Some(cert), Some(key)) => tls::from_files(cert, key)?,
                _ => tls::self_signed()?,
            };
            Some((addr, material))
        }
    };
    let http = tokio::net::TcpListener::bind(args.listen).await?;
    let (https, cert_pem) = match tls {
        Some((addr, material)) => {
            let listener = tokio::net::TcpListener::bind(addr).await?;
            (Some((listener, material.config)), Some(material.cert_pem))
        }
        None => (None, None),
    };
    let options = config::Options {
        trust_forwarded_proto: args.trust_forwarded_proto,
        journal_limit: args.journal_limit,
    };
    let state = AppState::new(store.clone(), seed, apply_seed, options, cert_pem).await?;

    tracing::info!(
        http = %http.local_addr()?,
        https = ?https.as_ref().and_then(|(l, _)| l.local_addr().ok()),
        db = ?args.db,
        seeded = apply_seed,
        startup_ms = started.elapsed().as_secs_f64() * 1000.0,
        "membermock ready"
    );
    run(Listeners { http, https }, app(state), shutdown_signal()).await;
    tracing::info!("membermock stopped");
    store.flush().await?;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}

/// `membermock healthcheck URL`: Ok when the URL answers 200 with `"status":"ok"`.
/// Plain HTTP only, no dependencies: for Docker's HEALTHCHECK in an image without curl.
pub async fn healthcheck(url: &str) -> Result<(), String> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let rest = url
        .strip_prefix("http://")
        .ok_or_else(|| format!("{url}: only http:// URLs are supported"))?;
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/_mock/health"),
    };
    let check = async {
        let mut stream = tokio::net::TcpStream::connect(authority)
            .await
            .map_err(|e| format!("{authority}: {e}"))?;
        let request =
            format!("GET {path} HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\n\r\n");
        stream
            .write_all(request.as_bytes())
            .await
            .map_err(|e| e.to_string())?;
        let mut answer = Vec::new();
        stream
            .take(1024 * 1024)
            .read_to_end(&mut answer)
            .await
            .map_err(|e| e.to_string())?;
        let text = String::from_utf8_lossy(&answer);
        let status_ok = text.starts_with("HTTP/1.1 200") || text.starts_with("HTTP/1.0 200");
        if status_ok && text.contains("\"status\":\"ok\"") {
            Ok(())
        } else {
            Err(format!(
                "unhealthy answer: {}",
                text.lines().next().unwrap_or("")
            ))
        }
    };
    tokio::time::timeout(Duration::from_secs(5), check)
        .await
        .map_err(|_| format!("{url}: no answer within 5 s"))?
}
