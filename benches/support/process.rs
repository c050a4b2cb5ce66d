//! Server processes: membermock's release binary, and the limit (the running bench binary
//! re-run with `--serve-limit`), each optionally under a wrapper such as valgrind.

use std::io::{BufRead, Read, Seek, SeekFrom, Write};
use std::net::SocketAddr;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::time::{Duration, Instant};

use super::calls::{self, Call};
use super::client::{Conn, Target};
use super::serve::{self, Canned};

const EXE: &str = env!("CARGO_BIN_EXE_membermock");

/// A server process, stopped on drop.
pub struct Process {
    pub child: Child,
    /// Kept open: the limit server exits when it closes.
    _stdin: Option<ChildStdin>,
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Process {
    pub fn rss_kib(&self) -> u64 {
        status_kib(self.child.id(), "VmRSS:")
    }

    /// User + system CPU time of all its threads so far.
    pub fn cpu(&self) -> Duration {
        cpu_of(self.child.id())
    }
}

/// A KiB figure of `/proc/<pid>/status` (`field` with its colon: `VmRSS:`, `VmHWM:`,
/// `RssAnon:`); 0 when the process is gone.
pub fn status_kib(pid: u32, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// User + system CPU time of all a process's threads so far.
pub fn cpu_of(pid: u32) -> Duration {
    cpu_time(&std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default())
}

/// This process's user + system CPU time so far (the load generator's).
pub fn own_cpu() -> Duration {
    cpu_time(&std::fs::read_to_string("/proc/self/stat").unwrap_or_default())
}

/// The user + system time of a `/proc/<pid>/stat` line.
fn cpu_time(stat: &str) -> Duration {
    // Fields after the command name (which may hold spaces): utime and stime are the 12th and
    // 13th, in clock ticks.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    let ticks: u64 = fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap();
    Duration::from_secs_f64(ticks as f64 / clock_ticks_per_second())
}

/// The machine's load averages (1, 5, 15 minutes), as `/proc/loadavg` gives them.
pub fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .unwrap_or_default()
        .split_whitespace()
        .take(3)
        .collect::<Vec<_>>()
        .join(" ")
}

fn clock_ticks_per_second() -> f64 {
    static TICKS: std::sync::OnceLock<f64> = std::sync::OnceLock::new();
    *TICKS.get_or_init(|| {
        Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .ok()
            .and_then(|o| String::from_utf8(o.stdout).ok())
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(100.0)
    })
}

/// A port free now (the caller binds it soon after; a race another process may win).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A membermock process on fresh ports.
pub struct Mock {
    pub process: Process,
    pub http: SocketAddr,
    pub https: Target,
}

impl Mock {
    pub fn target(&self, call: &Call) -> Target {
        if call.https {
            self.https.clone()
        } else {
            Target::plain(self.http)
        }
    }

    /// One call on a fresh connection.
    pub async fn ask(&self, call: &Call, request: &[u8]) -> (u16, Vec<u8>) {
        let mut conn = Conn::open(&self.target(call)).await.unwrap();
        let answer = conn.call(request).await.unwrap();
        (answer.status, answer.body.to_vec())
    }

    /// The request bytes for `call` against this process (its own YourMembership session).
    pub async fn request(&self, call: &Call) -> Vec<u8> {
        let session = if call.session {
            let auth = &calls::YM_AUTHENTICATE;
            let (status, body) = self.ask(auth, &auth.raw(None)).await;
            auth.check(status, &body);
            Some(calls::session_id(&body))
        } else {
            None
        };
        call.raw(session.as_deref())
    }
}

/// `program` run under `wrapper` (a command and its arguments), if any.
fn command(wrapper: &[&str], program: &str) -> Command {
    match wrapper.split_first() {
        None => Command::new(program),
        Some((first, rest)) => {
            let mut c = Command::new(first);
            c.args(rest).arg(program);
            c
        }
    }
}

/// Spawn the binary and wait for its first healthy answer; returns it and the time that took.
pub async fn spawn_mock(extra: &[&str]) -> (Mock, Duration) {
    spawn_mock_under(&[], extra).await
}

/// [`spawn_mock`] under a wrapper command (e.g. valgrind).
pub async fn spawn_mock_under(wrapper: &[&str], extra: &[&str]) -> (Mock, Duration) {
    // A port picked free may be taken before the mock binds it: then try others.
    for _ in 0..3 {
        if let Some(spawned) = try_spawn_mock(wrapper, extra).await {
            return spawned;
        }
    }
    panic!("membermock would not start (see its errors above)");
}

async fn try_spawn_mock(wrapper: &[&str], extra: &[&str]) -> Option<(Mock, Duration)> {
    let http: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
    let https: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
    let patience = if wrapper.is_empty() { 20 } else { 120 };
    // Its errors go to a file: read if it stops, never a pipe that could fill under load.
    let mut errors = tempfile::tempfile().unwrap();
    let started = Instant::now();
    let child = command(wrapper, EXE)
        .args(["--listen", &http.to_string()])
        .args(["--tls-listen", &https.to_string()])
        .args(["--log", "warn"])
        .args(extra)
        .stdout(Stdio::null())
        .stderr(errors.try_clone().unwrap())
        .spawn()
        .expect("spawn membermock");
    // From here on, Drop stops the process whatever happens.
    let mut process = Process {
        child,
        _stdin: None,
    };
    let health = b"GET /_mock/health HTTP/1.1\r\nHost: bench\r\n\r\n";
    loop {
        if let Ok(mut conn) = Conn::open(&Target::plain(http)).await {
            if let Ok(answer) = conn.call(health).await {
                if answer.status == 200 && calls::contains(answer.body, b"\"status\":\"ok\"") {
                    break;
                }
            }
        }
        if let Ok(Some(status)) = process.child.try_wait() {
            let mut text = String::new();
            errors.seek(SeekFrom::Start(0)).unwrap();
            errors.read_to_string(&mut text).unwrap();
            eprintln!("membermock exited ({status}): {text}");
            return None;
        }
        assert!(
            started.elapsed() < Duration::from_secs(patience),
            "no healthy answer in {patience} s"
        );
        tokio::time::sleep(Duration::from_micros(200)).await;
    }
    let ready = started.elapsed();
    let mut conn = Conn::open(&Target::plain(http)).await.unwrap();
    let pem = conn
        .call(b"GET /_mock/tls/cert.pem HTTP/1.1\r\nHost: bench\r\n\r\n")
        .await
        .unwrap();
    let https = Target::tls(https, std::str::from_utf8(pem.body).unwrap());
    Some((
        Mock {
            process,
            http,
            https,
        },
        ready,
    ))
}

/// The limit server process: one listener per call.
pub struct Limit {
    pub process: Process,
    pub targets: Vec<Target>,
}

/// What the limit server tells its parent once it listens.
#[derive(serde::Serialize, serde::Deserialize)]
struct LimitReady {
    ports: Vec<u16>,
    cert_pem: String,
}

/// Start the limit serving `canned`: this bench binary re-run with `--serve-limit`, which its
/// `main` hands to [`serve_limit`].
pub fn spawn_limit(canned: &[Canned]) -> Limit {
    spawn_limit_under(&[], canned)
}

/// [`spawn_limit`] under a wrapper command (e.g. valgrind).
pub fn spawn_limit_under(wrapper: &[&str], canned: &[Canned]) -> Limit {
    let exe = std::env::current_exe().unwrap();
    let mut child = command(wrapper, exe.to_str().unwrap())
        .arg("--serve-limit")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn the limit server");
    let mut stdin = child.stdin.take().unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut process = Process {
        child,
        _stdin: None,
    };
    serde_json::to_writer(&mut stdin, canned).unwrap();
    stdin.write_all(b"\n").unwrap();
    stdin.flush().unwrap();
    let mut line = String::new();
    std::io::BufReader::new(stdout)
        .read_line(&mut line)
        .unwrap();
    let ready: LimitReady = serde_json::from_str(&line).expect("the limit server's ports");
    let targets = canned
        .iter()
        .zip(&ready.ports)
        .map(|(c, &port)| {
            let addr = SocketAddr::from(([127, 0, 0, 1], port));
            if c.https {
                Target::tls(addr, &ready.cert_pem)
            } else {
                Target::plain(addr)
            }
        })
        .collect();
    process._stdin = Some(stdin);
    Limit { process, targets }
}

/// `--serve-limit`: read the canned answers (one JSON line on stdin), listen on a fresh port
/// for each, print the ports, serve until stdin closes.
pub async fn serve_limit() {
    let mut line = String::new();
    std::io::stdin().read_line(&mut line).unwrap();
    let canned: Vec<Canned> = serde_json::from_str(&line).expect("canned answers");
    let (tls, cert_pem) = super::tls::self_signed();
    let mut ports = Vec::new();
    for c in &canned {
        let (listener, addr) = serve::bind().await;
        ports.push(addr.port());
        let tls = c.https.then(|| tls.clone());
        tokio::spawn(serve::serve(listener, tls, serve::limit_app(c), None));
    }
    println!(
        "{}",
        serde_json::to_string(&LimitReady { ports, cert_pem }).unwrap()
    );
    std::io::stdout().flush().unwrap();
    // The parent holds stdin open while it needs us.
    tokio::task::spawn_blocking(|| {
        let mut rest = String::new();
        while std::io::stdin().read_line(&mut rest).unwrap_or(0) > 0 {}
    })
    .await
    .unwrap();
}

pub async fn canned_answers(mock: &Mock, selected: &[&Call]) -> Vec<Canned> {
    let mut canned = Vec::new();
    for call in selected {
        let request = mock.request(call).await;
        let mut conn = Conn::open(&mock.target(call)).await.unwrap();
        let answer = conn.call(&request).await.unwrap();
        call.check(answer.status, answer.body);
        let headers = answer
            .headers()
            .into_iter()
            .filter(|(k, _)| k != "date" && k != "content-length")
            .collect();
        canned.push(Canned {
            path: call.path.to_string(),
            https: call.https,
            status: answer.status,
            headers,
            body: String::from_utf8(answer.body.to_vec()).unwrap(),
        });
    }
    canned
}
