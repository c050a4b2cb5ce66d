//! `membermock healthcheck URL`: the health client for Docker's HEALTHCHECK.

use std::time::Duration;

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
