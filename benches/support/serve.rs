//! The bench's own accept loop, shaped like membermock's `src/server.rs` (one task per
//! connection, hyper HTTP/1.1 with the same header-read timeout, rustls for HTTPS), and the
//! limit: a minimal axum app answering one call's canned bytes from memory.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::AppendHeaders;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use membermock::vendor::Scheme;
use membermock::ConnInfo;
use serde::{Deserialize, Serialize};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;
use tower::ServiceExt;

/// One call's answer as membermock gave it, to be served again verbatim.
#[derive(Serialize, Deserialize, Clone, Debug)]
pub struct Canned {
    pub path: String,
    pub https: bool,
    pub status: u16,
    /// Every header but those hyper writes itself (`date`, `content-length`).
    pub headers: Vec<(String, String)>,
    pub body: String,
}

/// The limit for one call: the least an axum app can do to give the same answer (route the
/// path, read the request body, answer the bytes).
pub fn limit_app(canned: &Canned) -> Router {
    let status = StatusCode::from_u16(canned.status).unwrap();
    let headers: Vec<(HeaderName, HeaderValue)> = canned
        .headers
        .iter()
        .map(|(k, v)| (k.parse().unwrap(), v.parse().unwrap()))
        .collect();
    let body = Bytes::from(canned.body.clone());
    Router::new().route(
        &canned.path,
        axum::routing::any(move |_request: Bytes| {
            let answer = (status, AppendHeaders(headers.clone()), body.clone());
            std::future::ready(answer)
        }),
    )
}

const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(30);

/// Serve `app` on `listener` for ever. With `scheme`, each request carries a [`ConnInfo`] as
/// membermock's listeners give it (the limit needs none).
pub async fn serve(
    listener: TcpListener,
    tls: Option<Arc<rustls::ServerConfig>>,
    app: Router,
    scheme: Option<Scheme>,
) {
    let acceptor = tls.map(tokio_rustls::TlsAcceptor::from);
    loop {
        let Ok((stream, peer)) = listener.accept().await else {
            continue;
        };
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        let info = scheme.map(|scheme| ConnInfo { scheme, peer });
        let acceptor = acceptor.clone();
        tokio::spawn(async move {
            match acceptor {
                None => connection(stream, app, info).await,
                Some(acceptor) => {
                    if let Ok(tls) = acceptor.accept(stream).await {
                        connection(tls, app, info).await;
                    }
                }
            }
        });
    }
}

async fn connection<IO>(io: IO, app: Router, info: Option<ConnInfo>)
where
    IO: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let service = hyper::service::service_fn(move |mut req: hyper::Request<Incoming>| {
        if let Some(info) = info {
            req.extensions_mut().insert(info);
        }
        app.clone().oneshot(req.map(Body::new))
    });
    let _ = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(HEADER_READ_TIMEOUT)
        .serve_connection(TokioIo::new(io), service)
        .await;
}

/// A loopback listener on a fresh port.
pub async fn bind() -> (TcpListener, SocketAddr) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    (listener, addr)
}
