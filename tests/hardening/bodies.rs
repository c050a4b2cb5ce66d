//! Request bodies bounded in time and bytes; large bodies answered, not reset; TLS handshakes
//! bounded in time.

use std::time::{Duration, Instant};

use membermock::config::Options;
use membermock::seed::Seed;
use membermock::store::Store;
use membermock::AppState;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::common::net;

async fn state_with(options: Options) -> AppState {
    let (store, _) = Store::open(None).unwrap();
    AppState::new(store, Seed::demo(), true, options, None)
        .await
        .unwrap()
}

/// Read until the peer closes (or `within` runs out: then `None`).
async fn read_to_close<S: AsyncRead + Unpin>(s: &mut S, within: Duration) -> Option<String> {
    let mut out = Vec::new();
    let read = tokio::time::timeout(within, async {
        let mut buf = [0u8; 8192];
        loop {
            match s.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => out.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await;
    read.ok()
        .map(|()| String::from_utf8_lossy(&out).into_owned())
}

/// Send a chunked body one byte at a time, every `every`, until the server answers or stops
/// reading; what it answered.
async fn dribble<S: AsyncRead + AsyncWrite + Unpin>(
    s: &mut S,
    head: &str,
    every: Duration,
) -> String {
    s.write_all(head.as_bytes()).await.unwrap();
    let started = Instant::now();
    let mut answer = Vec::new();
    let mut buf = [0u8; 8192];
    while started.elapsed() < Duration::from_secs(5) {
        if s.write_all(b"1\r\na\r\n").await.is_err() {
            break;
        }
        match tokio::time::timeout(every, s.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => break,
            Ok(Ok(n)) => answer.extend_from_slice(&buf[..n]),
            Err(_) => {}
        }
    }
    if let Some(rest) = read_to_close(s, Duration::from_secs(2)).await {
        answer.extend_from_slice(rest.as_bytes());
    }
    String::from_utf8_lossy(&answer).into_owned()
}

#[tokio::test]
async fn a_dribbling_body_gets_the_vendors_error_then_the_connection_closes() {
    let state = state_with(Options {
        body_timeout: Duration::from_millis(300),
        ..Options::default()
    })
    .await;
    let server = net::start(state, true).await;
    let started = Instant::now();

    let mut plain = TcpStream::connect(server.http).await.unwrap();
    let answer = dribble(
        &mut plain,
        "POST /demo/site/SRConsAPI?response_format=json HTTP/1.1\r\nHost: localhost\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\r\n",
        Duration::from_millis(40),
    )
    .await;
    assert!(answer.contains("errorResponse"), "{answer}");
    assert!(answer.contains(r#""code":"9""#), "{answer}");
    assert!(
        answer.to_ascii_lowercase().contains("connection: close"),
        "{answer}"
    );

    let mut tls = net::tls_connect(
        server.https.unwrap(),
        server.cert_pem.as_deref().unwrap(),
        "localhost",
    )
    .await
    .unwrap();
    let answer = dribble(
        &mut tls,
        "POST /apiv2/ HTTP/1.1\r\nHost: localhost\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\r\n",
        Duration::from_millis(40),
    )
    .await;
    assert_eq!(net::status_of(&answer), 200, "{answer}");
    assert!(answer.contains("SU:01"), "{answer}");
    assert!(started.elapsed() < Duration::from_secs(8));
    server.stop().await;
}

/// A client that writes its whole body before it reads (as most do).
async fn post_then_read<S: AsyncRead + AsyncWrite + Unpin>(
    s: &mut S,
    head: &str,
    len: usize,
) -> Result<String, String> {
    s.write_all(head.as_bytes())
        .await
        .map_err(|e| e.to_string())?;
    let chunk = vec![b'a'; 64 * 1024];
    let mut sent = 0;
    while sent < len {
        let n = chunk.len().min(len - sent);
        s.write_all(&chunk[..n])
            .await
            .map_err(|e| format!("writing after {sent} bytes: {e}"))?;
        sent += n;
    }
    s.flush().await.map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    match tokio::time::timeout(Duration::from_secs(20), s.read_to_end(&mut out)).await {
        Ok(Ok(_)) => Ok(String::from_utf8_lossy(&out).into_owned()),
        // A reset after the answer arrived still counts as answered.
        Ok(Err(e)) if out.is_empty() => Err(format!("reading: {e}")),
        Ok(Err(_)) => Ok(String::from_utf8_lossy(&out).into_owned()),
        Err(_) => Err("no answer within 20 s".into()),
    }
}

#[tokio::test]
async fn a_large_smarteru_post_over_tls_gets_su01_not_a_reset() {
    let server = net::start(AppState::demo().await, true).await;
    let len = 48 * 1024 * 1024;
    let head = format!(
        "POST /apiv2/ HTTP/1.1\r\nHost: api.smarteru.com\r\nConnection: close\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {len}\r\n\r\n"
    );
    for attempt in 0..3 {
        let mut tls = net::tls_connect(
            server.https.unwrap(),
            server.cert_pem.as_deref().unwrap(),
            "api.smarteru.com",
        )
        .await
        .unwrap();
        let answer = post_then_read(&mut tls, &head, len).await;
        let answer = answer.unwrap_or_else(|e| panic!("attempt {attempt}: {e}"));
        assert_eq!(net::status_of(&answer), 200, "{answer}");
        assert!(answer.contains("SU:01"), "{answer}");
    }
    // The same over plain HTTP for Luminate (its own error), the body sent in chunks.
    let mut plain = TcpStream::connect(server.http).await.unwrap();
    let head = format!(
        "POST /demo/site/SRConsAPI HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {len}\r\n\r\n"
    );
    let answer = post_then_read(&mut plain, &head, len).await.unwrap();
    assert!(answer.contains("<code>9</code>"), "{answer}");
    server.stop().await;
}

#[tokio::test]
async fn an_over_limit_body_drained_to_its_end_keeps_the_connection() {
    let server = net::start(AppState::demo().await, false).await;
    let mut s = TcpStream::connect(server.http).await.unwrap();
    let len = 5 * 1024 * 1024;
    let head = format!(
        "POST /demo/site/SRConsAPI HTTP/1.1\r\nHost: localhost\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {len}\r\n\r\n"
    );
    s.write_all(head.as_bytes()).await.unwrap();
    s.write_all(&vec![b'a'; len]).await.unwrap();
    s.write_all(b"GET /_mock/health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let answer = read_to_close(&mut s, Duration::from_secs(10))
        .await
        .unwrap();
    assert_eq!(answer.matches("HTTP/1.1 ").count(), 2, "{answer}");
    assert!(answer.contains("\"status\":\"ok\""), "{answer}");
    server.stop().await;
}

#[tokio::test]
async fn a_truncated_client_hello_is_dropped_after_the_handshake_timeout() {
    let options = membermock::ServeOptions {
        tls_handshake_timeout: Duration::from_millis(200),
        ..Default::default()
    };
    let server = net::start_with(AppState::demo().await, true, options).await;
    let mut s = TcpStream::connect(server.https.unwrap()).await.unwrap();
    // The first bytes of a TLS record header for a ClientHello, then nothing.
    s.write_all(&[0x16, 0x03, 0x01, 0x02]).await.unwrap();
    let started = Instant::now();
    let closed = read_to_close(&mut s, Duration::from_secs(5)).await;
    assert!(closed.is_some(), "still open after 5 s");
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    server.stop().await;
}
