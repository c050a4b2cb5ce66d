//! A real headless Chromium driven over WebDriver (chromedriver), for tests that need a
//! browser's own rules (CORS, cookies) rather than a client's idea of them.
//!
//! Why a small WebDriver client of its own: the W3C WebDriver protocol is a few JSON-over-HTTP
//! calls (new session, navigate, execute script, delete session), and speaking it over a plain
//! TCP stream keeps a WebDriver crate's dependency tree (and its build time) out of the test
//! suite.
//!
//! Finding the browser: `MEMBERMOCK_CHROMEDRIVER` / `MEMBERMOCK_CHROMIUM`, else `chromedriver`
//! and `chromium` (or `chromium-browser`, `google-chrome`) on the `PATH` (Debian: `apt-get
//! install chromium chromium-driver`). Missing, the test fails with that hint unless the run
//! opts out explicitly: `MEMBERMOCK_TEST_SKIP=chromium` ([`Browser::start`] then returns
//! `None`).
//!
//! ```ignore
//! let Some(mut browser) = Browser::start().await else { return };
//! browser.goto("http://127.0.0.1:1234/page.html").await;
//! let result = browser.execute_async("arguments[0](document.title)", json!([])).await;
//! browser.quit().await;
//! ```

#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// The flags Chromium runs with: headless, no sandbox (CI containers run as root), and nothing
/// that reaches off the machine on its own.
pub const CHROMIUM_FLAGS: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
];

/// The key of an element reference in WebDriver answers.
const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

/// How long a page's asynchronous script may take.
const SCRIPT_TIMEOUT: Duration = Duration::from_secs(15);

/// A chromedriver process and one browser session in it.
pub struct Browser {
    driver: Child,
    addr: SocketAddr,
    session: String,
    /// The browser's profile, deleted with it.
    _profile: tempfile::TempDir,
}

/// Whether the run explicitly goes without `tool` (`MEMBERMOCK_TEST_SKIP=chromium,...`).
pub fn skip_requested(tool: &str) -> bool {
    std::env::var("MEMBERMOCK_TEST_SKIP")
        .map(|list| list.split(',').any(|t| t.trim() == tool))
        .unwrap_or(false)
}

/// The first of `names` on the `PATH`, or the path an environment variable names.
fn find(env: &str, names: &[&str]) -> Option<PathBuf> {
    if let Some(p) = std::env::var_os(env).filter(|p| !p.is_empty()) {
        let p = PathBuf::from(p);
        return is_executable(&p).then_some(p);
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| names.iter().map(move |n| dir.join(n)))
        .find(|p| is_executable(p))
}

fn is_executable(p: &Path) -> bool {
    p.metadata().map(|m| m.is_file()).unwrap_or(false)
}

impl Browser {
    /// Start chromedriver and a headless Chromium session. `None` only when Chromium is
    /// missing and the run skips it explicitly; missing otherwise is a loud failure.
    pub async fn start() -> Option<Browser> {
        let driver_bin = find("MEMBERMOCK_CHROMEDRIVER", &["chromedriver"]);
        let chromium = find(
            "MEMBERMOCK_CHROMIUM",
            &[
                "chromium",
                "chromium-browser",
                "google-chrome",
                "google-chrome-stable",
            ],
        );
        let (Some(driver_bin), Some(chromium)) = (driver_bin, chromium) else {
            if skip_requested("chromium") {
                eprintln!("chromium or chromedriver missing: skipped (MEMBERMOCK_TEST_SKIP)");
                return None;
            }
            panic!(
                "this test drives a real Chromium through chromedriver, and one of them is not \
                 installed: install them (Debian/Ubuntu: apt-get install chromium \
                 chromium-driver; or name them with MEMBERMOCK_CHROMIUM and \
                 MEMBERMOCK_CHROMEDRIVER), or skip the browser tests explicitly with \
                 MEMBERMOCK_TEST_SKIP=chromium"
            );
        };
        let port = free_port();
        let driver = Command::new(&driver_bin)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("starting {}: {e}", driver_bin.display()));
        let addr: SocketAddr = ([127, 0, 0, 1], port).into();
        let mut browser = Browser {
            driver,
            addr,
            session: String::new(),
            _profile: tempfile::tempdir().unwrap(),
        };
        browser.wait_ready().await;
        let mut args: Vec<String> = CHROMIUM_FLAGS.iter().map(|f| f.to_string()).collect();
        args.push(format!(
            "--user-data-dir={}",
            browser._profile.path().display()
        ));
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {"binary": chromium, "args": args},
        }}});
        let created = browser.call("POST", "/session", Some(caps)).await;
        browser.session = created["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no WebDriver session: {created}"))
            .to_string();
        let timeouts = json!({"script": SCRIPT_TIMEOUT.as_millis() as u64, "pageLoad": 15000});
        browser
            .session_call("POST", "/timeouts", Some(timeouts))
            .await;
        Some(browser)
    }

    /// chromedriver answers `/status` once it listens (it cannot be told to use port 0).
    async fn wait_ready(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            if let Ok(Ok(status)) = tokio::time::timeout(
                Duration::from_secs(2),
                http(self.addr, "GET", "/status", None),
            )
            .await
            {
                if status["value"]["ready"] == true {
                    return;
                }
            }
            if let Ok(Some(exit)) = self.driver.try_wait() {
                panic!("chromedriver exited before it was ready: {exit}");
            }
            assert!(Instant::now() < deadline, "chromedriver not ready in 15 s");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// One WebDriver command; its `value`.
    async fn call(&self, verb: &str, path: &str, body: Option<Value>) -> Value {
        let answer = http(self.addr, verb, path, body)
            .await
            .unwrap_or_else(|e| panic!("WebDriver {verb} {path}: {e}"));
        let value = answer["value"].clone();
        if let Some(error) = value.get("error") {
            panic!("WebDriver {verb} {path}: {error}: {}", value["message"]);
        }
        value
    }

    async fn session_call(&self, verb: &str, path: &str, body: Option<Value>) -> Value {
        let path = format!("/session/{}{path}", self.session);
        self.call(verb, &path, body).await
    }

    /// Load `url` and wait for its `load` event.
    pub async fn goto(&self, url: &str) {
        self.session_call("POST", "/url", Some(json!({ "url": url })))
            .await;
    }

    /// Run `script` in the page; it answers by calling its last argument.
    pub async fn execute_async(&self, script: &str, args: Value) -> Value {
        self.session_call(
            "POST",
            "/execute/async",
            Some(json!({ "script": script, "args": args })),
        )
        .await
    }

    /// Run `script` in the page; its `return` value.
    pub async fn execute(&self, script: &str, args: Value) -> Value {
        self.session_call(
            "POST",
            "/execute/sync",
            Some(json!({ "script": script, "args": args })),
        )
        .await
    }

    /// Resize the window (screenshots are of the viewport).
    pub async fn window_size(&self, width: u32, height: u32) {
        self.session_call(
            "POST",
            "/window/rect",
            Some(json!({ "width": width, "height": height })),
        )
        .await;
    }

    /// The viewport as a PNG.
    pub async fn screenshot_png(&self) -> Vec<u8> {
        use base64::Engine as _;
        let encoded = self.session_call("GET", "/screenshot", None).await;
        base64::engine::general_purpose::STANDARD
            .decode(encoded.as_str().unwrap_or_default())
            .expect("WebDriver screenshots are base64")
    }

    /// Save the viewport as `dir/name.png`; the path.
    pub async fn screenshot(&self, dir: &Path, name: &str) -> PathBuf {
        std::fs::create_dir_all(dir).unwrap();
        let path = dir.join(format!("{name}.png"));
        std::fs::write(&path, self.screenshot_png().await).unwrap();
        path
    }

    /// The first element matching `css`, as WebDriver names it; panics when there is none.
    pub async fn find(&self, css: &str) -> String {
        let found = self
            .session_call(
                "POST",
                "/element",
                Some(json!({ "using": "css selector", "value": css })),
            )
            .await;
        found[ELEMENT_KEY]
            .as_str()
            .unwrap_or_else(|| panic!("no element {css}: {found}"))
            .to_string()
    }

    /// Click the first element matching `css`, as a person would (WebDriver scrolls it into
    /// view and refuses when something covers it).
    pub async fn click(&self, css: &str) {
        let id = self.find(css).await;
        self.session_call("POST", &format!("/element/{id}/click"), Some(json!({})))
            .await;
    }

    /// Type `text` into the first element matching `css` (after what it holds).
    pub async fn type_into(&self, css: &str, text: &str) {
        let id = self.find(css).await;
        self.session_call(
            "POST",
            &format!("/element/{id}/value"),
            Some(json!({ "text": text })),
        )
        .await;
    }

    /// Clear the first input matching `css`.
    pub async fn clear(&self, css: &str) {
        let id = self.find(css).await;
        self.session_call("POST", &format!("/element/{id}/clear"), Some(json!({})))
            .await;
    }

    /// Wait until `expression` (JavaScript) is truthy in the page; its value. Panics after
    /// `timeout`, saying what it waited for, with a screenshot of what the page showed saved
    /// as `failed.png` in `shots`.
    pub async fn wait_for(
        &self,
        what: &str,
        expression: &str,
        timeout: Duration,
        shots: &Path,
    ) -> Value {
        let deadline = Instant::now() + timeout;
        let script = format!("return ({expression});");
        loop {
            let value = self.execute(&script, json!([])).await;
            let truthy = !matches!(value, Value::Null | Value::Bool(false))
                && value != json!("")
                && value != json!(0);
            if truthy {
                return value;
            }
            if Instant::now() >= deadline {
                let shot = self.screenshot(shots, "failed").await;
                panic!(
                    "the page did not show {what} within {timeout:?} (`{expression}` is \
                     {value}); what it showed: {}",
                    shot.display()
                );
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// End the session (the browser exits) and chromedriver.
    pub async fn quit(mut self) {
        if !self.session.is_empty() {
            let path = format!("/session/{}", self.session);
            let _ = tokio::time::timeout(
                Duration::from_secs(5),
                http(self.addr, "DELETE", &path, None),
            )
            .await;
            self.session.clear();
        }
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // The chromedriver this helper started, by its own handle; it takes its browsers along.
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

/// A one-shot HTTP/1.1 exchange with chromedriver: JSON in, JSON out.
async fn http(
    addr: SocketAddr,
    verb: &str,
    path: &str,
    body: Option<Value>,
) -> Result<Value, String> {
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    let request = format!(
        "{verb} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json; \
         charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let mut stream = TcpStream::connect(addr).await.map_err(|e| e.to_string())?;
    stream
        .write_all(request.as_bytes())
        .await
        .map_err(|e| e.to_string())?;
    // chromedriver keeps the connection open whatever the request says: read the head, then
    // exactly the body it announces.
    let mut raw = Vec::new();
    let mut buf = [0u8; 8192];
    loop {
        if let Some(split) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&raw[..split]).to_ascii_lowercase();
            let body = &raw[split + 4..];
            let length = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse::<usize>().ok());
            let done = match length {
                Some(n) => body.len() >= n,
                None if head.contains("transfer-encoding: chunked") => {
                    body.windows(5).any(|w| w == b"0\r\n\r\n")
                }
                None => false,
            };
            if done {
                let body = match length {
                    Some(n) => body[..n].to_vec(),
                    None => dechunk(body),
                };
                return serde_json::from_slice(&body)
                    .map_err(|e| format!("{e}: {}", String::from_utf8_lossy(&body)));
            }
        }
        let n = stream.read(&mut buf).await.map_err(|e| e.to_string())?;
        if n == 0 {
            return Err(format!(
                "connection closed: {}",
                String::from_utf8_lossy(&raw)
            ));
        }
        raw.extend_from_slice(&buf[..n]);
    }
}

fn dechunk(mut body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(eol) = body.windows(2).position(|w| w == b"\r\n") {
        let size = String::from_utf8_lossy(&body[..eol]);
        let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        let rest = &body[eol + 2..];
        if n == 0 || rest.len() < n {
            break;
        }
        out.extend_from_slice(&rest[..n]);
        body = rest[n..].strip_prefix(b"\r\n").unwrap_or(&rest[n..]);
    }
    out
}
