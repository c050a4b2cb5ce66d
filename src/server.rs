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

/// Marks a request that came in on the control plane's own listener (`--control-listen ADDR`).
#[derive(Debug, Clone, Copy)]
pub struct ControlListener;

/// Already-bound listeners (tests bind port 0 first, then run: no sleeps).
pub struct Listeners {
    pub http: TcpListener,
    pub https: Option<(TcpListener, Arc<rustls::ServerConfig>)>,
}

/// Longest a slow client may take to send its request head.
const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(30);

/// Longest shutdown waits for in-flight requests.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(30);

/// How the accept loops treat their connections.
#[derive(Debug)]
pub struct ServeOptions {
    /// Longest a client may take to complete its TLS handshake: a truncated ClientHello holds
    /// a task and a socket until then.
    pub tls_handshake_timeout: Duration,
    /// The control plane's own plain-HTTP listener (`--control-listen ADDR`); its requests are
    /// marked [`ControlListener`].
    pub control: Option<TcpListener>,
}

impl Default for ServeOptions {
    fn default() -> Self {
        ServeOptions {
            tls_handshake_timeout: crate::config::DEFAULT_TLS_HANDSHAKE_TIMEOUT,
            control: None,
        }
    }
}

/// Serve `app` on the listeners until `shutdown` resolves, then drain in-flight requests.
pub async fn run(listeners: Listeners, app: Router, shutdown: impl Future<Output = ()>) {
    run_with(listeners, ServeOptions::default(), app, shutdown).await
}

/// [`run`] with options.
pub async fn run_with(
    listeners: Listeners,
    options: ServeOptions,
    app: Router,
    shutdown: impl Future<Output = ()>,
) {
    let graceful = GracefulShutdown::new();
    let (https, acceptor) = match listeners.https {
        Some((l, config)) => (Some(l), Some(TlsAcceptor::from(config))),
        None => (None, None),
    };
    let handshake_timeout = options.tls_handshake_timeout;
    let control = options.control;
    let mut backoff = AcceptBackoff::default();
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            accepted = listeners.http.accept() => {
                match accepted {
                    Ok((stream, peer)) => {
                        backoff.reset();
                        spawn_plain(stream, peer, false, &app, &graceful);
                    }
                    Err(e) => if backoff.wait(e, &mut shutdown).await { break },
                }
            }
            accepted = accept_opt(https.as_ref()) => {
                match (accepted, acceptor.clone()) {
                    (Ok((stream, peer)), Some(acceptor)) => {
                        backoff.reset();
                        let _ = stream.set_nodelay(true);
                        let info = ConnInfo { scheme: Scheme::Https, peer };
                        let watcher = graceful.watcher();
                        let app = app.clone();
                        tokio::spawn(async move {
                            let handshake = tokio::time::timeout(handshake_timeout, acceptor.accept(stream));
                            if let Ok(Ok(tls)) = handshake.await {
                                serve_connection(TokioIo::new(tls), info, false, app, watcher).await;
                            }
                        });
                    }
                    (Err(e), _) => if backoff.wait(e, &mut shutdown).await { break },
                    (Ok(_), None) => {}
                }
            }
            accepted = accept_opt(control.as_ref()) => {
                match accepted {
                    Ok((stream, peer)) => {
                        backoff.reset();
                        spawn_plain(stream, peer, true, &app, &graceful);
                    }
                    Err(e) => if backoff.wait(e, &mut shutdown).await { break },
                }
            }
            _ = &mut shutdown => break,
        }
    }
    drop(listeners.http);
    drop(https);
    drop(control);
    let _ = tokio::time::timeout(DRAIN_TIMEOUT, graceful.shutdown()).await;
}

/// What the accept loop does when `accept` fails. A failure of one incoming connection (reset
/// before it was accepted) is skipped. Anything else — most often EMFILE, no file descriptor
/// left — would fail again at once: the loop waits (10 ms, doubling to 100 ms while failures
/// go on) instead of spinning, and logs at most one warning every 10 s, with a count.
#[derive(Default)]
struct AcceptBackoff {
    failures: u32,
    last_log: Option<std::time::Instant>,
    unlogged: u64,
}

impl AcceptBackoff {
    const FIRST: Duration = Duration::from_millis(10);
    const MAX: Duration = Duration::from_millis(100);
    const LOG_EVERY: Duration = Duration::from_secs(10);

    fn reset(&mut self) {
        self.failures = 0;
    }

    /// The pause after the `failures`-th failure in a row.
    fn delay(failures: u32) -> Duration {
        Self::FIRST
            .saturating_mul(1 << failures.saturating_sub(1).min(4))
            .min(Self::MAX)
    }

    /// Pause after a failed `accept`; true when `shutdown` completed meanwhile (it must not be
    /// polled again).
    async fn wait(
        &mut self,
        e: std::io::Error,
        shutdown: &mut (impl Future<Output = ()> + Unpin),
    ) -> bool {
        use std::io::ErrorKind::*;
        if matches!(
            e.kind(),
            ConnectionAborted | ConnectionReset | ConnectionRefused | Interrupted
        ) {
            return false;
        }
        self.failures = self.failures.saturating_add(1);
        self.unlogged += 1;
        let now = std::time::Instant::now();
        if self.last_log.is_none_or(|at| now - at >= Self::LOG_EVERY) {
            let hint = if e.raw_os_error() == Some(24) || e.raw_os_error() == Some(23) {
                " (out of file descriptors: raise the limit, e.g. `ulimit -n`, or hold fewer \
                 connections open)"
            } else {
                ""
            };
            tracing::warn!(
                error = %e,
                failures = self.unlogged,
                "cannot accept connections; retrying with a pause{hint}"
            );
            self.last_log = Some(now);
            self.unlogged = 0;
        }
        tokio::select! {
            _ = tokio::time::sleep(Self::delay(self.failures)) => {}
            _ = &mut *shutdown => return true,
        }
        false
    }
}

async fn accept_opt(
    listener: Option<&TcpListener>,
) -> std::io::Result<(tokio::net::TcpStream, SocketAddr)> {
    match listener {
        Some(l) => l.accept().await,
        None => std::future::pending().await,
    }
}

/// Serve one plain-HTTP connection (of the vendor listener, or of the control plane's own).
fn spawn_plain(
    stream: tokio::net::TcpStream,
    peer: std::net::SocketAddr,
    control_listener: bool,
    app: &Router,
    graceful: &GracefulShutdown,
) {
    let _ = stream.set_nodelay(true);
    let info = ConnInfo {
        scheme: Scheme::Http,
        peer,
    };
    let watcher = graceful.watcher();
    let app = app.clone();
    tokio::spawn(async move {
        serve_connection(TokioIo::new(stream), info, control_listener, app, watcher).await;
    });
}

async fn serve_connection<IO>(
    io: TokioIo<IO>,
    info: ConnInfo,
    control_listener: bool,
    app: Router,
    watcher: hyper_util::server::graceful::Watcher,
) where
    IO: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let kill = Arc::new(Notify::new());
    let kill_in_service = kill.clone();
    let service = hyper::service::service_fn(move |mut req: hyper::Request<Incoming>| {
        req.extensions_mut().insert(info);
        if control_listener {
            req.extensions_mut().insert(ControlListener);
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_failures_back_off_from_10_to_100_ms() {
        let delays: Vec<u64> = (1..=7)
            .map(|n| AcceptBackoff::delay(n).as_millis() as u64)
            .collect();
        assert_eq!(delays, [10, 20, 40, 80, 100, 100, 100]);
    }
}
