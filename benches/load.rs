//! The load benchmark: `cargo bench --bench load` (options after `--`: `--seconds N`,
//! `--concurrency N`, `--only NAME`).
//!
//! Runs the release binary as a user would and reports, on this machine:
//! - start-up time from spawn to the first healthy answer (median and worst of 10 starts);
//! - requests/s and p50/p99 latency of the main calls under concurrency, each over keep-alive
//!   connections (plain HTTP, or HTTPS where the vendor demands it);
//! - the same main calls with the journal off (`--journal-limit 0`);
//! - `POST /_mock/reset` latency;
//! - resident memory idle and after the load.
//!
//! Figures are for comparing runs on the same machine (ratios), not absolute promises.

use std::net::{SocketAddr, TcpListener as StdListener};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

const EXE: &str = env!("CARGO_BIN_EXE_membermock");

struct Options {
    seconds: f64,
    concurrency: usize,
    only: Option<String>,
}

fn options() -> Options {
    let mut o = Options {
        seconds: 3.0,
        concurrency: 32,
        only: None,
    };
    let args: Vec<String> = std::env::args().collect();
    let mut i = 1;
    while i < args.len() {
        match args[i].as_str() {
            "--seconds" => {
                o.seconds = args[i + 1].parse().expect("--seconds N");
                i += 1;
            }
            "--concurrency" => {
                o.concurrency = args[i + 1].parse().expect("--concurrency N");
                i += 1;
            }
            "--only" => {
                o.only = Some(args[i + 1].clone());
                i += 1;
            }
            _ => {} // cargo passes `--bench`
        }
        i += 1;
    }
    o
}

fn free_port() -> u16 {
    StdListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A membermock process on fresh ports.
struct Mock {
    child: Child,
    http: SocketAddr,
    https: SocketAddr,
    cert_pem: String,
}

impl Drop for Mock {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Mock {
    fn rss_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .unwrap_or_default();
        status
            .lines()
            .find(|l| l.starts_with("VmRSS:"))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    }
}

/// Spawn the binary and wait for its first healthy answer; returns it and the time that took.
async fn spawn_mock(extra: &[&str]) -> (Mock, Duration) {
    let http: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
    let https: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
    let started = Instant::now();
    let child = Command::new(EXE)
        .args([
            "--listen",
            &http.to_string(),
            "--tls-listen",
            &https.to_string(),
        ])
        .args(["--log", "warn"])
        .args(extra)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn membermock");
    // From here on, Drop stops the process whatever happens.
    let mut mock = Mock {
        child,
        http,
        https,
        cert_pem: String::new(),
    };
    loop {
        if let Ok(mut s) = TcpStream::connect(http).await {
            let req = b"GET /_mock/health HTTP/1.1\r\nHost: bench\r\n\r\n";
            if let Ok((200, body)) = roundtrip(&mut s, req).await {
                if contains(&body, b"\"status\":\"ok\"") {
                    break;
                }
            }
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "no healthy answer in 20 s"
        );
        tokio::time::sleep(Duration::from_micros(200)).await;
    }
    let ready = started.elapsed();
    let mut s = TcpStream::connect(http).await.unwrap();
    let (_, pem) = roundtrip(
        &mut s,
        b"GET /_mock/tls/cert.pem HTTP/1.1\r\nHost: bench\r\n\r\n",
    )
    .await
    .unwrap();
    mock.cert_pem = String::from_utf8(pem).unwrap();
    (mock, ready)
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// One request/response on a keep-alive connection: (status, body).
async fn roundtrip<S: AsyncRead + AsyncWrite + Unpin>(
    stream: &mut S,
    request: &[u8],
) -> std::io::Result<(u16, Vec<u8>)> {
    stream.write_all(request).await?;
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    reader.read_line(&mut line).await?;
    let status: u16 = line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| std::io::Error::other(format!("bad status line {line:?}")))?;
    let mut length = None;
    let mut chunked = false;
    loop {
        line.clear();
        reader.read_line(&mut line).await?;
        let l = line.trim_end();
        if l.is_empty() {
            break;
        }
        if let Some((k, v)) = l.split_once(':') {
            if k.eq_ignore_ascii_case("content-length") {
                length = v.trim().parse::<usize>().ok();
            } else if k.eq_ignore_ascii_case("transfer-encoding") && v.contains("chunked") {
                chunked = true;
            }
        }
    }
    let mut body = Vec::new();
    if chunked {
        loop {
            line.clear();
            reader.read_line(&mut line).await?;
            let size = usize::from_str_radix(line.trim(), 16).map_err(std::io::Error::other)?;
            let mut chunk = vec![0; size + 2];
            reader.read_exact(&mut chunk).await?;
            if size == 0 {
                break;
            }
            body.extend_from_slice(&chunk[..size]);
        }
    } else if let Some(n) = length {
        body.resize(n, 0);
        reader.read_exact(&mut body).await?;
    }
    Ok((status, body))
}

trait Conn: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Conn for T {}

async fn connect(mock: &Mock, https: bool) -> Box<dyn Conn> {
    let addr = if https { mock.https } else { mock.http };
    let tcp = TcpStream::connect(addr).await.unwrap();
    tcp.set_nodelay(true).unwrap();
    if !https {
        return Box::new(tcp);
    }
    let mut roots = rustls::RootCertStore::empty();
    for cert in rustls_pemfile::certs(&mut mock.cert_pem.as_bytes()) {
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
    let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
    Box::new(connector.connect(name, tcp).await.unwrap())
}

/// One benchmarked call. `setup` runs once before the load (e.g. to open a session); its
/// answer's body is handed to `request` to build the request bytes.
struct Scenario {
    name: &'static str,
    https: bool,
    /// Expected status of every answer.
    status: u16,
    /// A byte string every answer's body must contain (checks the call really succeeded).
    expect: &'static str,
    setup: Option<fn() -> Vec<u8>>,
    request: fn(&str) -> Vec<u8>,
    /// Part of the journal on/off comparison.
    main: bool,
}

fn http_request(method: &str, path: &str, headers: &[(&str, &str)], body: &str) -> Vec<u8> {
    let mut r = format!("{method} {path} HTTP/1.1\r\nHost: bench\r\n");
    for (k, v) in headers {
        r.push_str(&format!("{k}: {v}\r\n"));
    }
    if !body.is_empty() || method != "GET" {
        r.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    r.push_str("\r\n");
    r.push_str(body);
    r.into_bytes()
}

const FORM: (&str, &str) = ("Content-Type", "application/x-www-form-urlencoded");

fn smarteru_get_user_groups(_: &str) -> Vec<u8> {
    let package = "<SmarterU><AccountAPI>demo-account-key</AccountAPI>\
        <UserAPI>admin-user-key</UserAPI><Method>getUserGroups</Method>\
        <Parameters><User><ID>106</ID></User></Parameters></SmarterU>";
    let body: String = form_urlencoded::Serializer::new(String::new())
        .append_pair("Package", package)
        .finish();
    http_request("POST", "/apiv2/", &[FORM], &body)
}

fn ym_admin_authenticate() -> Vec<u8> {
    http_request(
        "POST",
        "/Ams/Authenticate",
        &[("Content-Type", "application/json")],
        r#"{"ClientID":40001,"UserType":"Admin","Username":"demo-ym-api-key","Password":"demo-ym-api-password"}"#,
    )
}

/// The `SessionId` of an Authenticate answer.
fn session_id(answer: &str) -> String {
    let v: serde_json::Value = serde_json::from_str(answer).expect("Authenticate answers JSON");
    v["SessionId"].as_str().expect("a SessionId").to_string()
}

const LUMINATE_ADMIN_GROUPS: &str = "method=getUserGroups&v=1.0&api_key=demo-api-key\
    &login_name=apiadmin&login_password=admin-pass&cons_id=1000002";

fn scenarios() -> Vec<Scenario> {
    vec![
        Scenario {
            name: "health",
            https: false,
            status: 200,
            expect: "\"status\":\"ok\"",
            setup: None,
            request: |_| http_request("GET", "/_mock/health", &[], ""),
            main: true,
        },
        Scenario {
            name: "luminate getUserGroups (server API, XML)",
            https: false,
            status: 200,
            expect: "<getConsGroupsResponse",
            setup: None,
            request: |_| {
                http_request(
                    "POST",
                    "/demo/site/SRConsAPI",
                    &[FORM],
                    LUMINATE_ADMIN_GROUPS,
                )
            },
            main: true,
        },
        Scenario {
            name: "luminate getUserGroups (server API, JSON)",
            https: false,
            status: 200,
            expect: "\"getConsGroupsResponse\"",
            setup: None,
            request: |_| {
                let body = format!("{LUMINATE_ADMIN_GROUPS}&response_format=json");
                http_request("POST", "/demo/site/SRConsAPI", &[FORM], &body)
            },
            main: true,
        },
        Scenario {
            name: "smarteru getUserGroups (HTTPS)",
            https: true,
            status: 200,
            expect: "<Result>Success</Result>",
            setup: None,
            request: smarteru_get_user_groups,
            main: true,
        },
        Scenario {
            name: "yourmembership MemberGroups.GET (JSON)",
            https: false,
            status: 200,
            expect: "\"GroupTypeList\"",
            setup: Some(ym_admin_authenticate),
            request: |answer| {
                let sid = session_id(answer);
                http_request(
                    "GET",
                    "/Ams/40001/Member/5001/Groups",
                    &[("X-SS-ID", &sid)],
                    "",
                )
            },
            main: true,
        },
        Scenario {
            name: "yourmembership MemberGroups.GET (JSV)",
            https: false,
            status: 200,
            expect: "{GroupTypeList:",
            setup: Some(ym_admin_authenticate),
            request: |answer| {
                let sid = session_id(answer);
                http_request(
                    "GET",
                    "/Ams/40001/Member/5001/Groups.jsv",
                    &[("X-SS-ID", &sid)],
                    "",
                )
            },
            main: false,
        },
    ]
}

/// The journal's own cost per call, measured in-process where the VM's scheduling noise
/// does not reach: what the pipeline hands it for a typical Luminate call, into a full ring.
fn journal_record_ns() -> f64 {
    use membermock::journal::{Journal, Record};
    use membermock::vendor::Api;
    let journal = Journal::new(10_000);
    let params = [
        ("method", "getUserGroups"),
        ("v", "1.0"),
        ("api_key", "demo-api-key"),
        ("login_name", "apiadmin"),
        ("login_password", "admin-pass"),
        ("cons_id", "1000002"),
        ("response_format", "json"),
    ];
    let call = || {
        journal.record(
            Record {
                at: chrono::Utc::now(),
                api: Api::Luminate,
                tenant: Some("demo"),
                operation: "getUserGroups",
                method: "POST",
                path: "/demo/site/SRConsAPI",
                status: 200,
                vendor_code: None,
                fault: None,
                duration_ms: 0.5,
            },
            |p| {
                for (k, v) in params {
                    p.push(k, v);
                }
            },
        )
    };
    for _ in 0..10_000 {
        call();
    }
    let n = 200_000;
    let started = Instant::now();
    for _ in 0..n {
        call();
    }
    started.elapsed().as_nanos() as f64 / n as f64
}

struct Figures {
    requests: usize,
    per_second: f64,
    p50: Duration,
    p99: Duration,
}

async fn run_load(mock: &Mock, s: &Scenario, o: &Options) -> Figures {
    let context = match s.setup {
        Some(setup) => {
            let mut c = connect(mock, s.https).await;
            let (_, body) = roundtrip(&mut c, &setup()).await.unwrap();
            String::from_utf8_lossy(&body).into_owned()
        }
        None => String::new(),
    };
    let request = Arc::new((s.request)(&context));
    let deadline = Instant::now() + Duration::from_secs_f64(o.seconds);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..o.concurrency {
        let mut conn = connect(mock, s.https).await;
        let request = request.clone();
        let (status, expect) = (s.status, s.expect.as_bytes());
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::with_capacity(4096);
            while Instant::now() < deadline {
                let t = Instant::now();
                let (got, body) = roundtrip(&mut conn, &request).await.unwrap();
                latencies.push(t.elapsed());
                assert_eq!(got, status, "{}", String::from_utf8_lossy(&body));
                assert!(
                    contains(&body, expect),
                    "unexpected answer: {}",
                    String::from_utf8_lossy(&body)
                );
            }
            latencies
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    let elapsed = started.elapsed();
    all.sort();
    let pct = |p: f64| all[((all.len() as f64 * p) as usize).min(all.len() - 1)];
    Figures {
        requests: all.len(),
        per_second: all.len() as f64 / elapsed.as_secs_f64(),
        p50: pct(0.50),
        p99: pct(0.99),
    }
}

fn ms(d: Duration) -> String {
    format!("{:.3}", d.as_secs_f64() * 1000.0)
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let o = options();
    println!(
        "membermock load benchmark: {} s per call, {} connections",
        o.seconds, o.concurrency
    );

    let mut startups = Vec::new();
    for _ in 0..10 {
        let (mock, ready) = spawn_mock(&[]).await;
        startups.push(ready);
        drop(mock);
    }
    startups.sort();
    println!(
        "\nstart-up to first healthy answer: median {} ms, worst {} ms (10 starts)",
        ms(startups[5]),
        ms(startups[9])
    );

    let selected: Vec<Scenario> = scenarios()
        .into_iter()
        .filter(|s| o.only.as_deref().is_none_or(|n| s.name.contains(n)))
        .collect();

    let (mock, _) = spawn_mock(&[]).await;
    let idle = mock.rss_kib();
    println!(
        "\n{:<44} {:>10} {:>12} {:>10} {:>10}",
        "call (journal on)", "requests", "req/s", "p50 ms", "p99 ms"
    );
    for s in &selected {
        let f = run_load(&mock, s, &o).await;
        println!(
            "{:<44} {:>10} {:>12.0} {:>10} {:>10}",
            s.name,
            f.requests,
            f.per_second,
            ms(f.p50),
            ms(f.p99)
        );
    }
    let loaded = mock.rss_kib();

    let mut resets = Vec::new();
    let mut c = connect(&mock, false).await;
    let reset = http_request("POST", "/_mock/reset", &[], "");
    for _ in 0..200 {
        let t = Instant::now();
        let (status, _) = roundtrip(&mut c, &reset).await.unwrap();
        resets.push(t.elapsed());
        assert_eq!(status, 200);
    }
    resets.sort();
    drop(mock);

    let (quiet, _) = spawn_mock(&["--journal-limit", "0"]).await;
    println!(
        "\n{:<44} {:>10} {:>12} {:>10} {:>10}",
        "call (journal off)", "requests", "req/s", "p50 ms", "p99 ms"
    );
    for s in selected.iter().filter(|s| s.main) {
        let f = run_load(&quiet, s, &o).await;
        println!(
            "{:<44} {:>10} {:>12.0} {:>10} {:>10}",
            s.name,
            f.requests,
            f.per_second,
            ms(f.p50),
            ms(f.p99)
        );
    }
    drop(quiet);

    println!(
        "\njournal, in-process: {:.0} ns to record one call with 7 parameters (the ring at its limit)",
        journal_record_ns()
    );
    println!(
        "POST /_mock/reset: p50 {} ms, p99 {} ms (200 sequential)",
        ms(resets[100]),
        ms(resets[197])
    );
    println!(
        "resident memory: idle {} KiB, after load {} KiB",
        idle, loaded
    );
}
