//! The real `membermock` binary on ports the kernel picks (`127.0.0.1:0`), learnt from its JSON
//! start-up banner: no port races, no sleeps. Stopped with SIGTERM; killed on drop.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::Duration;

pub struct Binary {
    child: Child,
    lines: mpsc::Receiver<String>,
    /// The `membermock ready` event, as JSON.
    pub banner: serde_json::Value,
    pub http: SocketAddr,
    pub https: Option<SocketAddr>,
}

impl Drop for Binary {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A command for the binary with JSON logs and loopback listeners on free ports, set through
/// the environment twins so that `args` can override them. No other `MEMBERMOCK_*` setting of
/// the caller's environment reaches it.
pub fn command(args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_membermock"));
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("MEMBERMOCK_") {
            cmd.env_remove(name);
        }
    }
    cmd.args(args)
        .env("MEMBERMOCK_LISTEN", "127.0.0.1:0")
        .env("MEMBERMOCK_TLS_LISTEN", "127.0.0.1:0")
        .env("MEMBERMOCK_LOG_FORMAT", "json")
        .env_remove("NO_COLOR")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    cmd
}

fn addr_of(banner: &serde_json::Value, field: &str) -> Option<SocketAddr> {
    let url = banner[field].as_str()?;
    let rest = url.split("://").nth(1)?;
    rest.parse().ok()
}

impl Binary {
    /// Start `membermock ARGS` and wait (at most 30 s) for its `membermock ready` line.
    pub fn start(args: &[&str]) -> Binary {
        Binary::spawn(command(args))
    }

    pub fn spawn(mut cmd: Command) -> Binary {
        let mut child = cmd.spawn().expect("the membermock binary starts");
        let stderr = child.stderr.take().unwrap();
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut seen = Vec::new();
        loop {
            match lines.recv_timeout(Duration::from_secs(30)) {
                Ok(line) => {
                    if let Ok(event) = serde_json::from_str::<serde_json::Value>(&line) {
                        if event["message"] == "membermock ready" {
                            let http = addr_of(&event, "http").expect("the banner names http");
                            let https = addr_of(&event, "https");
                            return Binary {
                                child,
                                lines,
                                banner: event,
                                http,
                                https,
                            };
                        }
                    }
                    seen.push(line);
                }
                Err(_) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    panic!(
                        "membermock exited or did not log `membermock ready` within 30 s; it \
                         logged:\n{}",
                        seen.join("\n")
                    );
                }
            }
        }
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// What it logged since the banner (or the last call), without waiting.
    pub fn logged(&self) -> Vec<String> {
        self.lines.try_iter().collect()
    }

    /// SIGTERM, then the exit status and what it logged after the banner.
    pub fn terminate(mut self) -> (ExitStatus, Vec<String>) {
        let pid = self.child.id().to_string();
        let killed = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        assert!(killed.success());
        let status = self.child.wait().unwrap();
        let rest = self.lines.try_iter().collect();
        (status, rest)
    }
}

/// `GET path` over plain HTTP; the status code and body.
pub fn http_get(addr: SocketAddr, path: &str) -> (u16, String) {
    http_json(addr, "GET", path, "")
}

/// `METHOD path` with a JSON body (none when empty) over plain HTTP; the status code and body.
pub fn http_json(addr: SocketAddr, method: &str, path: &str, body: &str) -> (u16, String) {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let content = if body.is_empty() {
        String::new()
    } else {
        format!(
            "Content-Type: application/json\r\nContent-Length: {}\r\n",
            body.len()
        )
    };
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: localhost\r\n{content}Connection: close\r\n\r\n{body}"
    )
    .unwrap();
    let mut answer = String::new();
    s.read_to_string(&mut answer).unwrap();
    let status = answer
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = answer
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}

/// Whether an external tool the tests drive is missing and the run explicitly skips it
/// (`MEMBERMOCK_TEST_SKIP=node,python,...`). Outside that list a missing tool fails its test.
pub fn skipped(tool: &str) -> bool {
    std::env::var("MEMBERMOCK_TEST_SKIP")
        .map(|list| list.split(',').any(|t| t.trim() == tool))
        .unwrap_or(false)
}
