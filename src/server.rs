//! The accept loops: plain HTTP and HTTPS from one process, one app.
//!
//! Each connection's requests carry a [`ConnInfo`] (the listener's scheme and the peer address).
//! A response marked [`DropConnection`] closes its connection without an answer. On shutdown the
//! loops stop accepting and in-flight requests finish (hyper's graceful shutdown).

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::Notify;
use tokio_rustls::TlsAcceptor;
use tower::ServiceExt;

use crate::vendor::{DropConnection, Scheme};

/// How the connection that carried a request was made.
#[derive(Debug, Clone, Copy)]
pub struct ConnInfo {
    pub scheme: Scheme,
    pub peer: SocketAddr,
}

/// Already-bound listeners (tests bind port 0 first, then run: no sleeps).
pub struct Listeners {
    pub http: TcpListener,
    pub https: Option<(TcpListener, Arc<rustls::ServerConfig>)>,
}

/// Longest a slow client may take to send its request head.
const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(30);

/// Longest shutdown waits for in-flight requests.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(30);

/// Serve `app` on the listeners until `shutdown` resolves, then drain in-flight requests.
pub async fn run(listeners: Listeners, app: Router, shutdown: impl Future<Output = ()>) {
    let graceful = GracefulShutdown::new();
    let (https, acceptor) = match listeners.https {
        Some((l, config)) => (Some(l), Some(TlsAcceptor::from(config))),
        None => (None, None),
    };
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            accepted = listeners.http.accept() => {
                if let Ok((stream, peer)) = accepted {
                    let _ = stream.set_nodelay(true);
                    let info = ConnInfo { scheme: Scheme::Http, peer };
                    let watcher = graceful.watcher();
                    let app = app.clone();
                    tokio::spawn(async move {
                        serve_connection(TokioIo::new(stream), info, app, watcher).await;
                    });
                }
            }
            accepted = accept_opt(https.as_ref()) => {
                if let (Ok((stream, peer)), Some(acceptor)) = (accepted, acceptor.clone()) {
                    let _ = stream.set_nodelay(true);
                    let info = ConnInfo { scheme: Scheme::Https, peer };
                    let watcher = graceful.watcher();
                    let app = app.clone();
                    tokio::spawn(async move {
                        let handshake = tokio::time::timeout(HEADER_READ_TIMEOUT, acceptor.accept(stream));
                        if let Ok(Ok(tls)) = handshake.await {
                            serve_connection(TokioIo::new(tls), info, app, watcher).await;
                        }
                    });
                }
            }
            _ = &mut shutdown => break,
        }
    }
    drop(listeners.http);
    drop(https);
    let _ = tokio::time::timeout(DRAIN_TIMEOUT, graceful.shutdown()).await;
}

async fn accept_opt(
    listener: Option<&TcpListener>,
) -> std::io::Result<(tokio::net::TcpStream, SocketAddr)> {
    match listener {
        Some(l) => l.accept().await,
        None => std::future::pending().await,
    }
}

async fn serve_connection<IO>(
    io: TokioIo<IO>,
    info: ConnInfo,
    app: Router,
    watcher: hyper_util::server::graceful::Watcher,
) where
    IO: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let kill = Arc::new(Notify::new());
    let kill_in_service = kill.clone();
    let service = hyper::service::service_fn(move |mut req: hyper::Request<Incoming>| {
        req.extensions_mut().insert(info);
        let app = app.clone();
        let kill = kill_in_service.clone();
        async move {
            let response = app
                .oneshot(req.map(Body::new))
                .await
                .unwrap_or_else(|never| match never {});
            if response.extensions().get::<DropConnection>().is_some() {
                kill.notify_one();
                std::future::pending::<()>().await;
            }
            Ok::<_, std::convert::Infallible>(response)
        }
    });
    let conn = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(HEADER_READ_TIMEOUT)
        .serve_connection(io, service);
    let conn = watcher.watch(conn);
    tokio::select! {
        _ = conn => {}
        // Dropping the connection future closes the socket with no answer.
        _ = kill.notified() => {}
    }
}
