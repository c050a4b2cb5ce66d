//! Reading a request body whole, bounded in bytes and in time — for every vendor call and every
//! control-plane write.
//!
//! - **Bytes.** At most `limit` bytes are kept, copied into one buffer as they arrive: a body
//!   sent as many tiny chunks costs its length, not one of the server's read buffers per chunk
//!   (keeping the chunks pinned those buffers: 20 dribbling connections held 600 MiB).
//! - **Time.** The whole body must arrive before `timeout` runs out, counted from when the read
//!   starts (right after the request head): a body that dribbles a byte every few seconds is cut
//!   off there.
//! - **Over the limit.** The rest of the body is read and thrown away (up to [`MAX_DRAIN_BYTES`],
//!   within the same time) before the caller answers. A client that writes its whole body before
//!   it reads the answer then gets the answer; a server that closes with unread data in its
//!   receive buffer sends a TCP reset instead, which over TLS often destroyed the answer.
//!
//! A body not read to its end leaves the connection unusable for another request: the caller
//! answers, and [`close_after`] makes that the last answer on the connection.

use std::time::Duration;

use axum::body::HttpBody as _;
use axum::body::{Body, Bytes};
use axum::http::{header, HeaderValue};
use axum::response::Response;
use http_body_util::BodyExt;

/// **\[choice\]** Most bytes of an over-limit body read and thrown away so that its sender gets
/// the answer; a sender of more gets the answer and a closed connection. 1 GiB at loopback or
/// container-network speed takes about a second.
pub const MAX_DRAIN_BYTES: u64 = 1024 * 1024 * 1024;

/// Why a body could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unreadable {
    /// Longer than the limit. `drained` when the rest was read to its end (the connection can
    /// carry another request).
    TooLarge { drained: bool },
    /// Not complete before the timeout.
    TimedOut,
    /// The connection broke, or the framing (chunked encoding) was invalid.
    Broken,
}

impl Unreadable {
    /// Whether the connection must close after the answer: the body was not read to its end.
    pub fn must_close(self) -> bool {
        !matches!(self, Unreadable::TooLarge { drained: true })
    }
}

/// The whole body, at most `limit` bytes, arrived within `timeout`.
pub async fn read(mut body: Body, limit: usize, timeout: Duration) -> Result<Bytes, Unreadable> {
    if body.is_end_stream() {
        return Ok(Bytes::new());
    }
    let hint = body.size_hint();
    if hint.lower() > limit as u64 {
        // Content-Length says so already; nothing of it needs keeping.
        return Err(drain(body, timeout).await);
    }
    let deadline = tokio::time::Instant::now() + timeout;
    let expired = tokio::time::sleep_until(deadline);
    tokio::pin!(expired);
    let mut buf: Vec<u8> = Vec::new();
    loop {
        let frame = tokio::select! {
            biased;
            frame = body.frame() => frame,
            _ = &mut expired => return Err(Unreadable::TimedOut),
        };
        let data = match frame {
            None => return Ok(Bytes::from(buf)),
            Some(Err(_)) => return Err(Unreadable::Broken),
            Some(Ok(frame)) => match frame.into_data() {
                Ok(data) => data,
                Err(_trailers) => continue,
            },
        };
        if buf.len() + data.len() > limit {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            return Err(drain(body, left).await);
        }
        if buf.is_empty() && body.is_end_stream() {
            // The whole body in one piece: no copy.
            return Ok(data);
        }
        if buf.capacity() == 0 {
            let expected = hint.upper().unwrap_or(hint.lower()).min(limit as u64);
            buf.reserve(expected.max(data.len() as u64) as usize);
        }
        // Copied, so that the frame (and the read buffer it is a view of) is freed now.
        buf.extend_from_slice(&data);
    }
}

/// Read the rest of an over-limit body and throw it away, for at most `timeout` and
/// [`MAX_DRAIN_BYTES`].
async fn drain(mut body: Body, timeout: Duration) -> Unreadable {
    let mut drained = 0u64;
    let read_all = async {
        while let Some(frame) = body.frame().await {
            let Ok(frame) = frame else { return false };
            if let Some(data) = frame.data_ref() {
                drained += data.len() as u64;
                if drained > MAX_DRAIN_BYTES {
                    return false;
                }
            }
        }
        true
    };
    let drained = tokio::time::timeout(timeout, read_all)
        .await
        .unwrap_or(false);
    Unreadable::TooLarge { drained }
}

/// Make `response` the last answer on its connection.
pub fn close_after(response: &mut Response) {
    response
        .headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::stream;

    fn chunked(chunks: Vec<&'static [u8]>) -> Body {
        let frames = chunks
            .into_iter()
            .map(|c| Ok::<_, std::io::Error>(Bytes::from_static(c)));
        Body::from_stream(stream::iter(frames))
    }

    #[tokio::test]
    async fn pieces_are_joined_and_a_single_piece_is_kept_as_is() {
        let body = chunked(vec![b"ab", b"", b"cd"]);
        let got = read(body, 10, Duration::from_secs(5)).await.unwrap();
        assert_eq!(&got[..], b"abcd");
        let one = read(Body::from("whole"), 10, Duration::from_secs(5))
            .await
            .unwrap();
        assert_eq!(&one[..], b"whole");
        let empty = read(Body::empty(), 0, Duration::from_secs(5))
            .await
            .unwrap();
        assert!(empty.is_empty());
    }

    #[tokio::test]
    async fn a_body_over_the_limit_is_drained_to_its_end() {
        let body = chunked(vec![b"0123456789", b"0123456789", b"x"]);
        assert_eq!(
            read(body, 15, Duration::from_secs(5)).await,
            Err(Unreadable::TooLarge { drained: true })
        );
        assert_eq!(
            read(Body::from("0123456789"), 9, Duration::from_secs(5)).await,
            Err(Unreadable::TooLarge { drained: true })
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_body_that_never_ends_times_out() {
        let (tx, rx) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(1);
        tx.send(Ok(Bytes::from_static(b"a"))).await.unwrap();
        let body = Body::from_stream(tokio_stream(rx));
        let started = tokio::time::Instant::now();
        assert_eq!(
            read(body, 100, Duration::from_secs(10)).await,
            Err(Unreadable::TimedOut)
        );
        assert_eq!(started.elapsed(), Duration::from_secs(10));
        drop(tx);
    }

    fn tokio_stream(
        mut rx: tokio::sync::mpsc::Receiver<Result<Bytes, std::io::Error>>,
    ) -> impl futures_util::Stream<Item = Result<Bytes, std::io::Error>> {
        stream::poll_fn(move |cx| rx.poll_recv(cx))
    }
}
