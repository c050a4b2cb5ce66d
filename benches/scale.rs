//! The scale benchmark: `cargo bench --bench scale` (options after `--`: `--quick` skips the
//! million, `--sizes 10,10000`, `--sources generate,file,db`, `--seconds N` per lookup load,
//! `--exe PATH` to measure another build of the binary).
//!
//! Runs the release binary as a user would, with a Luminate site of N constituents (10, 10k,
//! 1M), each in a few of the site's 20 groups, loaded three ways:
//! - `generate`: `--seed <the site without people> --generate N` (no seed file to parse);
//! - `file`: `--seed <a seed file of N constituents>` the benchmark writes first (~200 bytes
//!   per constituent, the shape of the issue's 198 MB for a million);
//! - `db`: the same seed file into a new `--db` file, stopped, then started again on that
//!   file (what a restart costs).
//!
//! and reports per size and source: time (and CPU time) to the first healthy answer, resident
//! memory after start (and its peak during start), `getUserGroups` lookups/s at 32 keep-alive
//! connections (SRConsAPI, JSON, an API administrator asking for random constituents),
//! `GET /_mock/state` time and peak resident memory while it streams, and `POST /_mock/reset`
//! latency with the worst latency of lookups running during the resets. It drives its own
//! keep-alive connections (as `benches/load.rs` does) and reads `/proc` for memory and CPU.
//!
//! `--exe` measures an older build the same way (`--sources file,db` for one without
//! `--generate`): that is how the baseline in the issue's table was redone.
//!
//! Figures are for comparing runs on the same machine (ratios), not absolute promises.

#[path = "support/mod.rs"]
mod support;

use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

use support::calls::contains;
use support::client::{Conn, Target};
use support::process::{cpu_of, free_port, status_kib};

const GROUPS: i64 = 20;
const FIRST_GROUP: i64 = 1001;
const ADMIN_CONS_ID: i64 = 1;
/// The first constituent of the population, in a seed file as generated (`--generate` numbers
/// people after the site's highest cons_id, from 1000001 on).
const FIRST_CONS_ID: u64 = 1_000_001;
const CONCURRENCY: usize = 32;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Source {
    Generate,
    File,
    Db,
}

impl Source {
    fn name(self) -> &'static str {
        match self {
            Source::Generate => "generate",
            Source::File => "file",
            Source::Db => "db",
        }
    }
}

struct Options {
    sizes: Vec<u64>,
    sources: Vec<Source>,
    seconds: f64,
    exe: PathBuf,
}

fn options() -> Options {
    let mut o = Options {
        sizes: vec![10, 10_000, 1_000_000],
        sources: vec![Source::Generate, Source::File, Source::Db],
        seconds: 3.0,
        exe: PathBuf::from(env!("CARGO_BIN_EXE_membermock")),
    };
    let args: Vec<String> = std::env::args().collect();
    let mut i = 1;
    while i < args.len() {
        let value = || args.get(i + 1).cloned().unwrap_or_default();
        match args[i].as_str() {
            "--quick" => o.sizes.retain(|&n| n < 1_000_000),
            "--sizes" => {
                o.sizes = value()
                    .split(',')
                    .map(|s| s.parse().expect("--sizes 10,10000"))
                    .collect();
                i += 1;
            }
            "--sources" => {
                o.sources = value()
                    .split(',')
                    .map(|s| match s {
                        "generate" => Source::Generate,
                        "file" => Source::File,
                        "db" => Source::Db,
                        _ => panic!("--sources generate,file,db"),
                    })
                    .collect();
                i += 1;
            }
            "--seconds" => {
                o.seconds = value().parse().expect("--seconds N");
                i += 1;
            }
            "--exe" => {
                o.exe = PathBuf::from(value());
                i += 1;
            }
            _ => {} // cargo passes `--bench`
        }
        i += 1;
    }
    o
}

// ------------------------------------------------------------------ the population on disk

fn site_head(out: &mut impl Write) -> std::io::Result<()> {
    write!(
        out,
        r#"{{"luminate":{{"sites":[{{"org":"scale","api_key":"scale-api-key","groups":["#
    )?;
    for g in 0..GROUPS {
        let sep = if g == 0 { "" } else { "," };
        write!(
            out,
            r#"{sep}{{"id":{},"label":"Scale group {}"}}"#,
            FIRST_GROUP + g,
            g + 1
        )?;
    }
    write!(
        out,
        r#"],"constituents":[{{"cons_id":{ADMIN_CONS_ID},"user_name":"apiadmin","password":"admin-pass","api_admin":true}}"#
    )
}

/// The site with its API administrator and groups, no other people (for `--generate`).
fn write_site(path: &Path) {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    site_head(&mut out).unwrap();
    out.write_all(b"]}]}}").unwrap();
    out.flush().unwrap();
}

const FIRST_NAMES: &[&str] = &[
    "Ada",
    "Grace",
    "Alan",
    "Edsger",
    "Barbara",
    "Donald",
    "Frances",
    "John",
    "Katherine",
    "Ken",
];
const LAST_NAMES: &[&str] = &[
    "Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Knuth", "Allen", "Backus", "Johnson",
    "Thompson",
];

/// The site and `n` constituents, each in 0–4 groups; returns the file's size.
fn write_population(path: &Path, n: u64) -> u64 {
    let mut out = std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(path).unwrap());
    site_head(&mut out).unwrap();
    for k in 0..n {
        let cons_id = FIRST_CONS_ID + k;
        let h = k.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 17;
        let first = FIRST_NAMES[(h % 10) as usize];
        let last = LAST_NAMES[((h / 10) % 10) as usize];
        write!(
            out,
            r#",{{"cons_id":{cons_id},"member_id":"M-{cons_id}","primary_email":"{}.{}.{cons_id}@example.org","user_name":"{}{cons_id}","password":"pass-{cons_id}","first_name":"{first}","last_name":"{last}","groups":["#,
            first.to_lowercase(),
            last.to_lowercase(),
            first.to_lowercase(),
        )
        .unwrap();
        let count = (h / 100) % 5;
        for j in 0..count {
            let sep = if j == 0 { "" } else { "," };
            let g = FIRST_GROUP + ((h / 500 + j * 7) % GROUPS as u64) as i64;
            write!(out, "{sep}{g}").unwrap();
        }
        out.write_all(b"]}").unwrap();
    }
    out.write_all(b"]}]}}").unwrap();
    out.flush().unwrap();
    std::fs::metadata(path).unwrap().len()
}

// ------------------------------------------------------------------ the process

struct Mock {
    child: Child,
    http: SocketAddr,
}

impl Drop for Mock {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Mock {
    /// Spawn the binary and wait for its first healthy answer; returns it and the time that took.
    async fn spawn(exe: &Path, args: &[String]) -> (Mock, Duration) {
        let http: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
        let started = Instant::now();
        let child = Command::new(exe)
            .args(["--listen", &http.to_string(), "--tls-listen", "off"])
            .args(["--log", "warn"])
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn membermock");
        let mut mock = Mock { child, http };
        loop {
            if let Ok(mut conn) = Conn::open(&Target::plain(http)).await {
                let req = b"GET /_mock/health HTTP/1.1\r\nHost: bench\r\n\r\n";
                if let Ok(answer) = conn.call(req).await {
                    if answer.status == 200 && contains(answer.body, b"\"status\":\"ok\"") {
                        break;
                    }
                }
            }
            if let Ok(Some(status)) = mock.child.try_wait() {
                panic!("membermock exited with {status} before it was healthy");
            }
            assert!(
                started.elapsed() < Duration::from_secs(300),
                "no healthy answer in 300 s"
            );
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        (mock, started.elapsed())
    }

    /// `VmRSS` and `VmHWM` (peak), in KiB.
    fn memory(&self) -> (u64, u64) {
        let pid = self.child.id();
        (status_kib(pid, "VmRSS:"), status_kib(pid, "VmHWM:"))
    }

    /// SIGTERM and wait for the exit.
    fn terminate(mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let _ = self.child.wait();
    }
}

/// Read one answer, counting its body bytes without keeping them (for the state dump).
async fn roundtrip_counting(stream: &mut TcpStream, request: &[u8]) -> (u16, u64) {
    stream.write_all(request).await.unwrap();
    let mut reader = BufReader::with_capacity(1 << 16, stream);
    let mut line = String::new();
    reader.read_line(&mut line).await.unwrap();
    let status: u16 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
    let (mut length, mut chunked) = (None, false);
    loop {
        line.clear();
        reader.read_line(&mut line).await.unwrap();
        let l = line.trim_end();
        if l.is_empty() {
            break;
        }
        if let Some((k, v)) = l.split_once(':') {
            if k.eq_ignore_ascii_case("content-length") {
                length = v.trim().parse::<u64>().ok();
            } else if k.eq_ignore_ascii_case("transfer-encoding") && v.contains("chunked") {
                chunked = true;
            }
        }
    }
    let mut total = 0;
    let mut sink = vec![0; 1 << 16];
    if chunked {
        loop {
            line.clear();
            reader.read_line(&mut line).await.unwrap();
            let mut size = u64::from_str_radix(line.trim(), 16).unwrap();
            total += size;
            let last = size == 0;
            size += 2;
            while size > 0 {
                let n = reader
                    .read(&mut sink[..size.min(1 << 16) as usize])
                    .await
                    .unwrap();
                assert!(n > 0, "connection closed inside a chunk");
                size -= n as u64;
            }
            if last {
                break;
            }
        }
    } else {
        let mut left = length.expect("a length or chunks");
        total = left;
        while left > 0 {
            let n = reader
                .read(&mut sink[..left.min(1 << 16) as usize])
                .await
                .unwrap();
            assert!(n > 0, "connection closed inside the body");
            left -= n as u64;
        }
    }
    (status, total)
}

fn http_request(method: &str, path: &str, content_type: Option<&str>, body: &str) -> Vec<u8> {
    let mut r = format!("{method} {path} HTTP/1.1\r\nHost: bench\r\n");
    if let Some(ct) = content_type {
        r.push_str(&format!("Content-Type: {ct}\r\n"));
    }
    if !body.is_empty() || method != "GET" {
        r.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    r.push_str("\r\n");
    r.push_str(body);
    r.into_bytes()
}

fn lookup_request(cons_id: u64) -> Vec<u8> {
    let body = format!(
        "method=getUserGroups&v=1.0&api_key=scale-api-key&login_name=apiadmin\
         &login_password=admin-pass&cons_id={cons_id}&response_format=json"
    );
    http_request(
        "POST",
        "/scale/site/SRConsAPI",
        Some("application/x-www-form-urlencoded"),
        &body,
    )
}

/// A small deterministic generator of constituent ids to look up.
struct Picker(u64);

impl Picker {
    fn next(&mut self, people: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        FIRST_CONS_ID + self.0 % people
    }
}

struct Load {
    requests: u64,
    per_second: f64,
    worst: Duration,
    /// Worst latency of the lookups that overlapped a marked window (e.g. a reset).
    worst_in_window: Duration,
}

/// `CONCURRENCY` keep-alive connections asking random constituents' groups until `stop`.
async fn lookups(
    http: SocketAddr,
    people: u64,
    seconds: Option<f64>,
    stop: Arc<AtomicBool>,
    window: Arc<AtomicU64>,
) -> Load {
    let started = Instant::now();
    let deadline = seconds.map(|s| started + Duration::from_secs_f64(s));
    let mut tasks = Vec::new();
    for c in 0..CONCURRENCY {
        let mut conn = Conn::open(&Target::plain(http)).await.unwrap();
        let (stop, window) = (stop.clone(), window.clone());
        tasks.push(tokio::spawn(async move {
            let mut picker = Picker(0x2545_F491_4F6C_DD1D ^ ((c as u64 + 1) * 0x9E37_79B9));
            let (mut n, mut worst, mut worst_in_window) = (0u64, Duration::ZERO, Duration::ZERO);
            while !stop.load(Ordering::Relaxed) && deadline.is_none_or(|d| Instant::now() < d) {
                let request = lookup_request(picker.next(people));
                let t = Instant::now();
                let in_window_before = window.load(Ordering::Relaxed);
                let answer = conn.call(&request).await.unwrap();
                let (status, body) = (answer.status, answer.body);
                let took = t.elapsed();
                let in_window_after = window.load(Ordering::Relaxed);
                assert_eq!(status, 200, "{}", String::from_utf8_lossy(body));
                assert!(
                    contains(body, b"getConsGroupsResponse"),
                    "unexpected answer: {}",
                    String::from_utf8_lossy(body)
                );
                n += 1;
                worst = worst.max(took);
                // A window is open while its counter is odd; a call overlapped one when the
                // counter was odd at its start or changed during it.
                if in_window_before % 2 == 1 || in_window_after != in_window_before {
                    worst_in_window = worst_in_window.max(took);
                }
            }
            (n, worst, worst_in_window)
        }));
    }
    let mut load = Load {
        requests: 0,
        per_second: 0.0,
        worst: Duration::ZERO,
        worst_in_window: Duration::ZERO,
    };
    for t in tasks {
        let (n, worst, in_window) = t.await.unwrap();
        load.requests += n;
        load.worst = load.worst.max(worst);
        load.worst_in_window = load.worst_in_window.max(in_window);
    }
    load.per_second = load.requests as f64 / started.elapsed().as_secs_f64();
    load
}

/// Sample a process's resident memory until `stop`; the highest samples of RSS and of
/// RssAnon, in KiB.
fn sample_rss(pid: u32, stop: Arc<AtomicBool>) -> std::thread::JoinHandle<(u64, u64)> {
    std::thread::spawn(move || {
        let (mut rss, mut anon) = (0, 0);
        loop {
            rss = rss.max(status_kib(pid, "VmRSS:"));
            anon = anon.max(status_kib(pid, "RssAnon:"));
            if stop.load(Ordering::Relaxed) {
                return (rss, anon);
            }
            std::thread::sleep(Duration::from_millis(2));
        }
    })
}

// ------------------------------------------------------------------ one measurement

struct Row {
    people: u64,
    source: Source,
    file_bytes: Option<u64>,
    ready: Duration,
    ready_cpu: f64,
    rss_kib: u64,
    peak_start_kib: u64,
    lookups: Load,
    state: Duration,
    state_bytes: u64,
    state_peak_kib: u64,
    state_peak_anon_kib: u64,
    reset_p50: Duration,
    reset_max: Duration,
    /// The reset's own duration, as the server reports it (`duration_ms`), median.
    reset_server_p50: Duration,
    lookups_during_reset: Load,
}

async fn measure(o: &Options, dir: &Path, people: u64, source: Source) -> Row {
    let seed = dir.join(format!("scale-{people}.json"));
    let site = dir.join("scale-site.json");
    let mut file_bytes = None;
    let args: Vec<String> = match source {
        Source::Generate => {
            write_site(&site);
            vec![
                "--seed".into(),
                site.display().to_string(),
                "--generate".into(),
                people.to_string(),
            ]
        }
        Source::File | Source::Db => {
            if !seed.exists() {
                write_population(&seed, people);
            }
            file_bytes = Some(std::fs::metadata(&seed).unwrap().len());
            vec!["--seed".into(), seed.display().to_string()]
        }
    };
    let (mock, ready) = if source == Source::Db {
        let db = dir.join(format!("scale-{people}.db"));
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
        }
        let mut with_db = args.clone();
        with_db.extend(["--db".into(), db.display().to_string()]);
        let (first, _) = Mock::spawn(&o.exe, &with_db).await;
        first.terminate();
        Mock::spawn(&o.exe, &with_db).await
    } else {
        Mock::spawn(&o.exe, &args).await
    };
    let (rss_kib, peak_start_kib) = mock.memory();
    let ready_cpu = cpu_of(mock.child.id()).as_secs_f64();
    let never = Arc::new(AtomicU64::new(0));

    // Warm-up, then the measured lookups.
    lookups(
        mock.http,
        people,
        Some(0.5),
        Arc::new(AtomicBool::new(false)),
        never.clone(),
    )
    .await;
    let load = lookups(
        mock.http,
        people,
        Some(o.seconds),
        Arc::new(AtomicBool::new(false)),
        never.clone(),
    )
    .await;

    // The whole state, read as it streams, with the process's memory sampled meanwhile.
    let stop = Arc::new(AtomicBool::new(false));
    let sampler = sample_rss(mock.child.id(), stop.clone());
    let mut conn = TcpStream::connect(mock.http).await.unwrap();
    let t = Instant::now();
    let (status, state_bytes) =
        roundtrip_counting(&mut conn, &http_request("GET", "/_mock/state", None, "")).await;
    let state = t.elapsed();
    stop.store(true, Ordering::Relaxed);
    let (state_peak_kib, state_peak_anon_kib) = sampler.join().unwrap();
    assert_eq!(status, 200);

    // Resets, each after a write, while lookups run.
    let stop = Arc::new(AtomicBool::new(false));
    let window = Arc::new(AtomicU64::new(0));
    let background = tokio::spawn(lookups(
        mock.http,
        people,
        None,
        stop.clone(),
        window.clone(),
    ));
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut resets = Vec::new();
    let mut server_resets = Vec::new();
    let write = http_request(
        "POST",
        "/_mock/seed",
        Some("application/json"),
        r#"{"luminate":{"sites":[{"org":"extra","api_key":"k"}]}}"#,
    );
    let reset = http_request("POST", "/_mock/reset", None, "");
    let mut control = Conn::open(&Target::plain(mock.http)).await.unwrap();
    for _ in 0..10 {
        assert_eq!(control.call(&write).await.unwrap().status, 200);
        window.fetch_add(1, Ordering::Relaxed);
        let t = Instant::now();
        let answer = control.call(&reset).await.unwrap();
        resets.push(t.elapsed());
        window.fetch_add(1, Ordering::Relaxed);
        assert_eq!(answer.status, 200);
        let answer: serde_json::Value = serde_json::from_slice(answer.body).unwrap();
        server_resets.push(Duration::from_secs_f64(
            answer["duration_ms"].as_f64().unwrap_or(0.0) / 1000.0,
        ));
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    stop.store(true, Ordering::Relaxed);
    let lookups_during_reset = background.await.unwrap();
    resets.sort();
    server_resets.sort();
    mock.terminate();

    Row {
        people,
        source,
        file_bytes,
        ready,
        ready_cpu,
        rss_kib,
        peak_start_kib,
        lookups: load,
        state,
        state_bytes,
        state_peak_kib,
        state_peak_anon_kib,
        reset_p50: resets[resets.len() / 2],
        reset_max: resets[resets.len() - 1],
        reset_server_p50: server_resets[server_resets.len() / 2],
        lookups_during_reset,
    }
}

fn ms(d: Duration) -> String {
    let ms = d.as_secs_f64() * 1000.0;
    if ms >= 100.0 {
        format!("{ms:.0}")
    } else {
        format!("{ms:.1}")
    }
}

fn mib(kib: u64) -> String {
    format!("{:.0}", kib as f64 / 1024.0)
}

fn print_header() {
    println!(
        "\n{:>9} {:<8} {:>9} {:>9} {:>7} {:>8} {:>9} {:>10} {:>9} {:>9} {:>9} {:>10} {:>6} {:>9} {:>7} {:>9} {:>12}",
        "people",
        "source",
        "seed MB",
        "ready ms",
        "CPU s",
        "RSS MB",
        "peak MB",
        "lookup/s",
        "worst ms",
        "state ms",
        "state MB",
        "state peak",
        "anon",
        "reset p50",
        "server",
        "reset max",
        "lookup max*"
    );
}

fn print_row(r: &Row) {
    println!(
        "{:>9} {:<8} {:>9} {:>9} {:>7.2} {:>8} {:>9} {:>10.0} {:>9} {:>9} {:>9} {:>10} {:>6} {:>9} {:>7} {:>9} {:>12}",
        r.people,
        r.source.name(),
        r.file_bytes
            .map(|b| format!("{:.1}", b as f64 / 1e6))
            .unwrap_or_else(|| "-".into()),
        ms(r.ready),
        r.ready_cpu,
        mib(r.rss_kib),
        mib(r.peak_start_kib),
        r.lookups.per_second,
        ms(r.lookups.worst),
        ms(r.state),
        format!("{:.1}", r.state_bytes as f64 / 1e6),
        mib(r.state_peak_kib),
        mib(r.state_peak_anon_kib),
        ms(r.reset_p50),
        ms(r.reset_server_p50),
        ms(r.reset_max),
        ms(r.lookups_during_reset.worst_in_window),
    );
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let o = options();
    let dir = std::env::temp_dir().join(format!("membermock-scale-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    println!(
        "membermock scale benchmark: {} ({} s of lookups at c={CONCURRENCY} per row)",
        o.exe.display(),
        o.seconds
    );
    print_header();
    let mut rows = Vec::new();
    for &people in &o.sizes {
        for &source in &o.sources {
            let row = measure(&o, &dir, people, source).await;
            print_row(&row);
            rows.push(row);
        }
        let _ = std::fs::remove_file(dir.join(format!("scale-{people}.json")));
    }
    let _ = std::fs::remove_dir_all(&dir);

    println!();
    for line in [
        "ready: spawn to the first healthy answer (db: the second start, on the file the first",
        "  made); CPU: the process's CPU time by then (less noisy than wall time on a busy machine)",
        "RSS: after start; peak: the highest during start",
        "lookup/s: getUserGroups of random constituents at c=32; worst: its slowest call",
        "state: GET /_mock/state read whole; state peak: the highest RSS meanwhile; anon: of it,",
        "  the process's private memory (the rest is the database file's pages it maps)",
        "reset: POST /_mock/reset after a write (10 times), as the client saw it; server: as the",
        "  server timed it; lookup max*: the worst lookup latency overlapping a reset",
    ] {
        println!("{line}");
    }
    for source in &o.sources {
        let at = |people| {
            rows.iter()
                .find(|r| r.people == people && r.source == *source)
        };
        if let (Some(small), Some(big)) = (at(10), at(1_000_000)) {
            println!(
                "lookups at 1M / at 10 ({}): {:.2}",
                source.name(),
                big.lookups.per_second / small.lookups.per_second
            );
        }
    }
}
