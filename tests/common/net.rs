//! End-to-end helpers: a real server on `127.0.0.1:0` (bound first, then spawned: no sleeps)
//! and a minimal HTTP/1.1 client over plain TCP or TLS.

#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::Arc;

use membermock::AppState;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// A running server; `stop()` triggers graceful shutdown and waits for `run` to return.
pub struct Server {
    pub http: SocketAddr,
    pub https: Option<SocketAddr>,
    pub cert_pem: Option<String>,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<()>,
}

impl Server {
    pub async fn stop(mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        tokio::time::timeout(std::time::Duration::from_secs(10), &mut self.task)
            .await
            .expect("server stops within 10 s")
            .unwrap();
    }

    /// Trigger shutdown without waiting.
    pub fn begin_stop(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
    }

    pub async fn join(self) {
        tokio::time::timeout(std::time::Duration::from_secs(10), self.task)
            .await
            .expect("server stops within 10 s")
            .unwrap();
    }
}

/// Start `state`'s app on fresh loopback ports: plain HTTP, plus HTTPS with a self-signed
/// certificate when `tls` is true.
pub async fn start(state: AppState, tls: bool) -> Server {
    start_with(state, tls, membermock::ServeOptions::default()).await
}

/// [`start`] with the accept loops' options.
pub async fn start_with(
    mut state: AppState,
    tls: bool,
    options: membermock::ServeOptions,
) -> Server {
    let http = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let http_addr = http.local_addr().unwrap();
    let (https, https_addr, cert_pem) = if tls {
        let material = membermock::tls::self_signed().unwrap();
        let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = l.local_addr().unwrap();
        (
            Some((l, material.config)),
            Some(addr),
            Some(material.cert_pem),
        )
    } else {
        (None, None, None)
    };
    state.tls_cert_pem = cert_pem.clone().map(Arc::from);
    let (tx, rx) = oneshot::channel::<()>();
    // As the binary does on SIGTERM: live feeds end, so the drain need not wait for them.
    let journal = state.journal.clone();
    let app = membermock::app(state);
    let task = tokio::spawn(membermock::run_with(
        membermock::Listeners { http, https },
        options,
        app,
        async move {
            let _ = rx.await;
            journal.close_feeds();
        },
    ));
    Server {
        http: http_addr,
        https: https_addr,
        cert_pem,
        stop: Some(tx),
        task,
    }
}

/// A raw HTTP/1.1 exchange: send `request` bytes, read until the server closes.
pub async fn exchange<S: AsyncRead + AsyncWrite + Unpin>(stream: &mut S, request: &[u8]) -> String {
    stream.write_all(request).await.unwrap();
    let mut out = Vec::new();
    let _ = stream.read_to_end(&mut out).await;
    String::from_utf8_lossy(&out).into_owned()
}

/// `GET path` over plain TCP with `Connection: close`; the whole answer as text.
pub async fn http_get(addr: SocketAddr, path: &str) -> String {
    let mut s = TcpStream::connect(addr).await.unwrap();
    let req = format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    exchange(&mut s, req.as_bytes()).await
}

/// A TLS connection to `addr` that trusts only `cert_pem`, presenting `server_name` (SNI).
pub async fn tls_connect(
    addr: SocketAddr,
    cert_pem: &str,
    server_name: &str,
) -> Result<tokio_rustls::client::TlsStream<TcpStream>, std::io::Error> {
    let mut roots = rustls::RootCertStore::empty();
    for cert in rustls_pemfile::certs(&mut cert_pem.as_bytes()) {
        roots.add(cert.unwrap()).unwrap();
    }
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(roots)
    .with_no_client_auth();
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let tcp = TcpStream::connect(addr).await?;
    let name = rustls::pki_types::ServerName::try_from(server_name.to_string()).unwrap();
    connector.connect(name, tcp).await
}

/// The body of a raw HTTP answer (after the blank line).
pub fn body_of(answer: &str) -> &str {
    answer.split_once("\r\n\r\n").map(|(_, b)| b).unwrap_or("")
}

/// The status code of a raw HTTP answer.
pub fn status_of(answer: &str) -> u16 {
    answer
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}
