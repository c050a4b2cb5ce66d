//! A minimal HTTP/1.1 keep-alive client, plain or TLS. It is the load generator, so it shares
//! the cores with the server it measures: one buffer per connection, reused, and no parsing
//! beyond the status and the body's length.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;

trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

/// Where to connect: an address, and the certificate to trust when it speaks TLS.
#[derive(Clone)]
pub struct Target {
    pub addr: SocketAddr,
    pub tls: Option<Arc<rustls::ClientConfig>>,
}

impl Target {
    pub fn plain(addr: SocketAddr) -> Target {
        Target { addr, tls: None }
    }

    pub fn tls(addr: SocketAddr, cert_pem: &str) -> Target {
        Target {
            addr,
            tls: Some(super::tls::client_config(cert_pem)),
        }
    }
}

pub struct Conn {
    io: Box<dyn Io>,
    buf: Vec<u8>,
    head: usize,
}

/// One answer: status, and the body (borrowed from the connection's buffer).
pub struct Answer<'a> {
    pub status: u16,
    pub body: &'a [u8],
    head: &'a [u8],
}

impl Answer<'_> {
    /// Header lines as (lower-case name, value).
    pub fn headers(&self) -> Vec<(String, String)> {
        String::from_utf8_lossy(self.head)
            .split("\r\n")
            .skip(1)
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
            .collect()
    }
}

impl Conn {
    pub async fn open(target: &Target) -> io::Result<Conn> {
        let tcp = TcpStream::connect(target.addr).await?;
        tcp.set_nodelay(true)?;
        let io: Box<dyn Io> = match &target.tls {
            None => Box::new(tcp),
            Some(config) => {
                let connector = tokio_rustls::TlsConnector::from(config.clone());
                let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
                Box::new(connector.connect(name, tcp).await?)
            }
        };
        Ok(Conn {
            io,
            buf: Vec::with_capacity(16 * 1024),
            head: 0,
        })
    }

    /// Send one request and read its whole answer.
    pub async fn call(&mut self, request: &[u8]) -> io::Result<Answer<'_>> {
        self.io.write_all(request).await?;
        self.buf.clear();
        let (status, head, length) = loop {
            if self.io.read_buf(&mut self.buf).await? == 0 {
                return Err(io::ErrorKind::UnexpectedEof.into());
            }
            if let Some(parsed) = parse_head(&self.buf)? {
                break parsed;
            }
        };
        self.head = head;
        let body = match length {
            Length::Exactly(n) => {
                while self.buf.len() < head + n {
                    if self.io.read_buf(&mut self.buf).await? == 0 {
                        return Err(io::ErrorKind::UnexpectedEof.into());
                    }
                }
                head..head + n
            }
            Length::Chunked => {
                let decoded = loop {
                    if let Some(decoded) = dechunk(&self.buf[head..])? {
                        break decoded;
                    }
                    if self.io.read_buf(&mut self.buf).await? == 0 {
                        return Err(io::ErrorKind::UnexpectedEof.into());
                    }
                };
                let start = self.buf.len();
                self.buf.extend_from_slice(&decoded);
                start..self.buf.len()
            }
        };
        Ok(Answer {
            status,
            body: &self.buf[body],
            head: &self.buf[..self.head],
        })
    }
}

enum Length {
    Exactly(usize),
    Chunked,
}

fn bad(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, what.to_string())
}

/// (status, head length including the blank line, body length) once the head is complete.
fn parse_head(buf: &[u8]) -> io::Result<Option<(u16, usize, Length)>> {
    let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") else {
        return Ok(None);
    };
    let head = &buf[..end];
    let mut lines = head.split(|&b| b == b'\n');
    let status_line = lines.next().unwrap_or_default();
    let status = status_line
        .get(9..12)
        .and_then(|s| std::str::from_utf8(s).ok())
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| bad("bad status line"))?;
    let mut length = Length::Exactly(0);
    for line in lines {
        let Some(colon) = line.iter().position(|&b| b == b':') else {
            continue;
        };
        let (name, value) = (&line[..colon], line[colon + 1..].trim_ascii());
        if name.eq_ignore_ascii_case(b"content-length") {
            let n = std::str::from_utf8(value)
                .ok()
                .and_then(|v| v.parse().ok())
                .ok_or_else(|| bad("bad content-length"))?;
            length = Length::Exactly(n);
        } else if name.eq_ignore_ascii_case(b"transfer-encoding") {
            length = Length::Chunked;
        }
    }
    Ok(Some((status, end + 4, length)))
}

/// The decoded body, or `None` while the last chunk has not arrived.
fn dechunk(mut data: &[u8]) -> io::Result<Option<Vec<u8>>> {
    let mut out = Vec::new();
    loop {
        let Some(eol) = data.windows(2).position(|w| w == b"\r\n") else {
            return Ok(None);
        };
        let size = std::str::from_utf8(&data[..eol])
            .ok()
            .and_then(|s| usize::from_str_radix(s.trim(), 16).ok())
            .ok_or_else(|| bad("bad chunk size"))?;
        if size == 0 {
            // The last chunk, then (no trailers) the blank line.
            return Ok(data[eol + 2..].starts_with(b"\r\n").then_some(out));
        }
        let Some(chunk) = data.get(eol + 2..eol + 2 + size + 2) else {
            return Ok(None);
        };
        out.extend_from_slice(&chunk[..size]);
        data = &data[eol + 2 + size + 2..];
    }
}
