//! Instructions per call, counted by callgrind: `cargo bench --bench instructions` (options
//! after `--`: `--calls N`, `--only NAME`, `--profile NAME` for the costliest functions of one
//! call). `benches/instructions.sh` wraps it.
//!
//! This binary is also the driver callgrind runs: `--drive NAME --calls N` makes one in-process
//! app on the demo seed, sends the call 200 times to warm up, then N times more through
//! `membermock::app` with `tower::ServiceExt::oneshot` on a current-thread runtime. A marker
//! function runs before and after the N calls, and callgrind dumps its counters each time
//! (`--dump-before`), so start-up, seeding and warm-up land in their own part and cancel out:
//! instructions per call = the middle part's total / N. Every thread is counted (the store
//! thread too), user space only; hyper and the kernel are not part of it. `--limit` drives the
//! minimal axum app answering the same bytes instead, for the ratio.
//!
//! A second view counts whole servers: membermock's release binary and the limit server (this
//! binary re-run with `--serve-limit`), each under callgrind, driven from this process over a
//! keep-alive connection (HTTPS for SmarterU). After the warm-up `callgrind_control --zero`,
//! then N calls, then `callgrind_control --dump`: hyper, rustls, tokio and the app, user space,
//! every thread of the server and nothing of the client.
//!
//! The in-process counts repeat to within 0.2%: compare them between commits as they are. The
//! whole-server counts move by a few percent between runs (under callgrind the threads run one
//! at a time, and whether a tokio worker is woken for a request depends on timing). The system
//! allocator is the one the binary uses (no counting allocator here).

#[path = "support/mod.rs"]
mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use axum::Router;
use membermock::vendor::Scheme;
use membermock::{AppState, ConnInfo};
use support::calls::{self, Call};
use support::client::Conn;
use support::process::{canned_answers, serve_limit, spawn_limit_under, spawn_mock_under};
use support::serve::{self, Canned};
use tower::ServiceExt;

const WARM_UP: usize = 200;

struct Options {
    calls: usize,
    only: Option<String>,
    drive: Option<String>,
    limit: bool,
    profile: Option<String>,
    serve_limit: bool,
}

fn options() -> Options {
    let mut o = Options {
        calls: 1000,
        only: None,
        drive: None,
        limit: false,
        profile: None,
        serve_limit: false,
    };
    let args: Vec<String> = std::env::args().collect();
    let mut i = 1;
    while i < args.len() {
        let value = || args.get(i + 1).cloned().expect("a value");
        match args[i].as_str() {
            "--calls" => {
                o.calls = value().parse().expect("--calls N");
                i += 1;
            }
            "--only" => {
                o.only = Some(value());
                i += 1;
            }
            "--drive" => {
                o.drive = Some(value());
                i += 1;
            }
            "--profile" => {
                o.profile = Some(value());
                i += 1;
            }
            "--limit" => o.limit = true,
            "--serve-limit" => o.serve_limit = true,
            _ => {} // cargo passes `--bench`
        }
        i += 1;
    }
    o
}

fn main() {
    let o = options();
    if o.serve_limit {
        tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(serve_limit());
    } else if let Some(key) = &o.drive {
        drive(key, o.calls, o.limit);
    } else if let Some(key) = &o.profile {
        profile(key, o.calls);
    } else {
        report(&o);
    }
}

// ---------------------------------------------------------------------------------------------
// The driver (runs under callgrind)

/// Callgrind dumps its counters each time this is entered.
#[inline(never)]
fn callgrind_boundary(calls: usize) {
    std::hint::black_box(calls);
}

const BOUNDARY: &str = "*callgrind_boundary*";

fn call_by_key(key: &str) -> Call {
    calls::all()
        .into_iter()
        .find(|c| c.key == key)
        .unwrap_or_else(|| panic!("no call named {key}"))
}

async fn oneshot(
    app: &Router,
    mut request: axum::http::Request<axum::body::Body>,
    scheme: Scheme,
) -> (u16, axum::body::Bytes) {
    request.extensions_mut().insert(ConnInfo {
        scheme,
        peer: "127.0.0.1:50000".parse().unwrap(),
    });
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status().as_u16();
    let body = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    (status, body)
}

fn drive(key: &str, n: usize, limit: bool) {
    // As the load bench runs the binary: `--log warn`.
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new("warn"))
        .with_writer(std::io::stderr)
        .init();
    let call = call_by_key(key);
    let scheme = if call.https {
        Scheme::Https
    } else {
        Scheme::Http
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let mock = membermock::app(AppState::demo().await);
        let session = if call.session {
            let auth = &calls::YM_AUTHENTICATE;
            let (status, body) = oneshot(&mock, auth.request(None), Scheme::Http).await;
            auth.check(status, &body);
            Some(calls::session_id(&body))
        } else {
            None
        };
        let session = session.as_deref();
        let app = if limit {
            let mut request = call.request(session);
            request.extensions_mut().insert(ConnInfo {
                scheme,
                peer: "127.0.0.1:50000".parse().unwrap(),
            });
            let response = mock.clone().oneshot(request).await.unwrap();
            let status = response.status().as_u16();
            let headers = response
                .headers()
                .iter()
                .filter(|(k, _)| *k != "date" && *k != "content-length")
                .map(|(k, v)| (k.to_string(), v.to_str().unwrap().to_string()))
                .collect();
            let body = axum::body::to_bytes(response.into_body(), usize::MAX)
                .await
                .unwrap();
            call.check(status, &body);
            let canned = Canned {
                path: call.path.to_string(),
                https: call.https,
                status,
                headers,
                body: String::from_utf8(body.to_vec()).unwrap(),
            };
            serve::limit_app(&canned)
        } else {
            mock
        };
        for _ in 0..WARM_UP {
            let (status, body) = oneshot(&app, call.request(session), scheme).await;
            call.check(status, &body);
        }
        // Built beforehand, like a request hyper hands over.
        let requests: Vec<_> = (0..n).map(|_| call.request(session)).collect();
        callgrind_boundary(n);
        for request in requests {
            let (status, _) = oneshot(&app, request, scheme).await;
            debug_assert_eq!(status, 200);
        }
        callgrind_boundary(n);
    });
}

// ---------------------------------------------------------------------------------------------
// Running callgrind

fn valgrind_found() -> bool {
    Command::new("valgrind")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

fn out_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("membermock-callgrind-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Run the driver under callgrind; returns the dump of the N calls.
fn callgrind(dir: &Path, key: &str, n: usize, limit: bool) -> PathBuf {
    let base = dir.join(format!("{key}{}.out", if limit { ".limit" } else { "" }));
    let exe = std::env::current_exe().unwrap();
    let mut command = Command::new("valgrind");
    command
        .arg("--tool=callgrind")
        .arg("--compress-strings=no")
        .arg(format!("--callgrind-out-file={}", base.display()))
        .arg(format!("--dump-before={BOUNDARY}"))
        .arg(exe)
        .args(["--drive", key, "--calls", &n.to_string()]);
    if limit {
        command.arg("--limit");
    }
    let out = command.output().expect("run valgrind");
    assert!(
        out.status.success(),
        "callgrind failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Dumps: .1 (start-up and warm-up), .2 (the N calls), then the final one (shutdown).
    PathBuf::from(format!("{}.2", base.display()))
}

/// The instruction total of a callgrind dump.
fn total(dump: &Path) -> u64 {
    let text = std::fs::read_to_string(dump).unwrap_or_else(|e| panic!("{}: {e}", dump.display()));
    text.lines()
        .find_map(|l| {
            l.strip_prefix("totals:")
                .or_else(|| l.strip_prefix("summary:"))
        })
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("{}: no totals line", dump.display()))
}

fn report(o: &Options) {
    if !valgrind_found() {
        println!("instructions per call: skipped, valgrind not found (apt-get install valgrind)");
        return;
    }
    let dir = out_dir();
    let all = calls::all();
    let selected: Vec<&Call> = all
        .iter()
        .filter(|c| c.selected(o.only.as_deref()))
        .collect();
    println!(
        "membermock instructions per call (callgrind, user space): {} calls after {WARM_UP} \
         warm-up calls",
        o.calls
    );
    let mut apps = Vec::new();
    for call in &selected {
        let mock = total(&callgrind(&dir, call.key, o.calls, false)) / o.calls as u64;
        let limit = total(&callgrind(&dir, call.key, o.calls, true)) / o.calls as u64;
        apps.push((limit, mock));
    }
    let servers = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(whole_servers(&dir, &selected, o.calls));
    println!(
        "\n{:<42} {:>10} {:>10} {:>7} {:>13} {:>13} {:>7}",
        "call", "limit app", "mock app", "×limit", "limit server", "mock server", "×limit"
    );
    for (i, call) in selected.iter().enumerate() {
        let (la, ma) = apps[i];
        let (ls, ms) = servers[i];
        println!(
            "{:<42} {:>10} {:>10} {:>7.1} {:>13} {:>13} {:>7.1}",
            call.name,
            la,
            ma,
            ma as f64 / la as f64,
            ls,
            ms,
            ms as f64 / ls as f64
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
    println!(
        "\napp: through membermock::app (and the limit's axum app) in-process, every thread. \
         server: the whole server process over a keep-alive connection (hyper, rustls, tokio, \
         app), every thread.\nIssue 9's goal for a Luminate JSON lookup: under 60,000 \
         instructions."
    );
}

/// Instructions per call of the limit server and the mock, each a process under callgrind.
async fn whole_servers(dir: &Path, selected: &[&Call], n: usize) -> Vec<(u64, u64)> {
    let valgrind = |name: &str| {
        vec![
            "valgrind".to_string(),
            "-q".to_string(),
            "--tool=callgrind".to_string(),
            format!("--callgrind-out-file={}", dir.join(name).display()),
        ]
    };
    let mock_wrapper = valgrind("mock.out");
    let limit_wrapper = valgrind("limit.out");
    let mock_wrapper: Vec<&str> = mock_wrapper.iter().map(String::as_str).collect();
    let limit_wrapper: Vec<&str> = limit_wrapper.iter().map(String::as_str).collect();
    let (mock, _) = spawn_mock_under(&mock_wrapper, &[]).await;
    let canned = canned_answers(&mock, selected).await;
    let limit = spawn_limit_under(&limit_wrapper, &canned);
    let mut dumps = [0, 0];
    let mut figures = Vec::new();
    for (i, call) in selected.iter().enumerate() {
        let request = mock.request(call).await;
        let mut per_call = [0, 0];
        for (s, (target, pid, name)) in [
            (
                limit.targets[i].clone(),
                limit.process.child.id(),
                "limit.out",
            ),
            (mock.target(call), mock.process.child.id(), "mock.out"),
        ]
        .into_iter()
        .enumerate()
        {
            let mut conn = Conn::open(&target).await.unwrap();
            for _ in 0..WARM_UP {
                let answer = conn.call(&request).await.unwrap();
                call.check(answer.status, answer.body);
            }
            callgrind_control("--zero", pid);
            for _ in 0..n {
                let answer = conn.call(&request).await.unwrap();
                debug_assert_eq!(answer.status, 200);
            }
            callgrind_control("--dump", pid);
            dumps[s] += 1;
            let dump = dir.join(format!("{name}.{}", dumps[s]));
            per_call[s] = total(&dump) / n as u64;
        }
        figures.push((per_call[0], per_call[1]));
    }
    figures
}

/// Ask the callgrind running `pid` to zero or dump its counters; returns once it has.
fn callgrind_control(what: &str, pid: u32) {
    let out = Command::new("callgrind_control")
        .arg(what)
        .arg(pid.to_string())
        .output()
        .expect("run callgrind_control");
    assert!(
        out.status.success() && String::from_utf8_lossy(&out.stdout).contains("OK"),
        "callgrind_control {what} {pid}: {}",
        String::from_utf8_lossy(&out.stdout)
    );
}

/// Where one call's instructions go: self cost by component and the costliest functions,
/// from the dump of the N calls.
fn profile(key: &str, n: usize) {
    assert!(
        valgrind_found(),
        "valgrind not found (apt-get install valgrind)"
    );
    let dir = out_dir();
    let dump = callgrind(&dir, key, n, false);
    let text = std::fs::read_to_string(&dump).unwrap();
    let costs = self_costs(&text);
    let total: u64 = costs.values().sum();
    println!(
        "{}: {} instructions per call (self cost, {n} calls)\n",
        call_by_key(key).name,
        total / n as u64
    );
    let mut by_part: std::collections::HashMap<&str, u64> = Default::default();
    for ((object, function), cost) in &costs {
        *by_part.entry(component(object, function)).or_default() += cost;
    }
    let mut parts: Vec<_> = by_part.into_iter().collect();
    parts.sort_by_key(|(_, c)| std::cmp::Reverse(*c));
    println!("{:>9} {:>6}  component", "per call", "share");
    for (part, cost) in parts {
        println!(
            "{:>9} {:>5.1}%  {part}",
            cost / n as u64,
            cost as f64 * 100.0 / total as f64
        );
    }
    let mut functions: Vec<_> = costs.into_iter().collect();
    functions.sort_by_key(|(_, c)| std::cmp::Reverse(*c));
    println!("\n{:>9} {:>6}  function (self cost)", "per call", "share");
    for ((_, function), cost) in functions.into_iter().take(40) {
        println!(
            "{:>9} {:>5.1}%  {}",
            cost / n as u64,
            cost as f64 * 100.0 / total as f64,
            function
        );
    }
    println!(
        "\ncallgrind dump kept for callgrind_annotate or kcachegrind: {}",
        dump.display()
    );
}

/// Self cost per (object, function) of a callgrind dump written with `--compress-strings=no`:
/// a cost line adds to the current function unless it follows `calls=` (then it is the
/// callee's inclusive cost).
fn self_costs(text: &str) -> std::collections::HashMap<(String, String), u64> {
    let mut costs = std::collections::HashMap::new();
    let (mut object, mut function) = (String::new(), String::new());
    let mut call_cost_next = false;
    for line in text.lines() {
        if let Some(o) = line.strip_prefix("ob=") {
            object = o.to_string();
        } else if let Some(f) = line.strip_prefix("fn=") {
            function = f.to_string();
        } else if line.starts_with("calls=") {
            call_cost_next = true;
        } else if line.starts_with(|c: char| c.is_ascii_digit() || "+-*".contains(c)) {
            if std::mem::take(&mut call_cost_next) {
                continue;
            }
            let cost: u64 = line
                .split_whitespace()
                .last()
                .and_then(|c| c.parse().ok())
                .unwrap_or(0);
            *costs.entry((object.clone(), function.clone())).or_default() += cost;
        }
    }
    costs
}

/// A coarse name for where a function belongs.
fn component(object: &str, function: &str) -> &'static str {
    let f = function.trim_start_matches(['<', '&']);
    let f = f.strip_prefix("mut ").unwrap_or(f);
    if object.contains("libc.so") || object.contains("ld-linux") {
        let allocator = [
            "malloc", "free", "realloc", "calloc", "_int_", "tcache", "arena",
        ];
        return if allocator.iter().any(|a| function.contains(a)) {
            "malloc/free (libc)"
        } else if function.starts_with("__mem") || function.starts_with("mem") {
            "memcpy/memmove/memset (libc)"
        } else {
            "other libc (locks, syscalls, ...)"
        };
    }
    if !function.contains("::") {
        // C in the binary: the bundled SQLite.
        return "SQLite (C)";
    }
    let krate = f.split("::").next().unwrap_or("");
    match krate {
        "membermock" => "membermock",
        "rusqlite" => "rusqlite",
        "serde_json" | "serde" | "serde_core" | "serde_path_to_error" => "serde/serde_json",
        "quick_xml" => "quick-xml",
        "axum" | "axum_core" | "matchit" => "axum (routing, extractors)",
        "tower" | "tower_http" | "tower_layer" | "tower_service" => "tower/tower-http",
        "hyper" | "hyper_util" | "http" | "http_body" | "http_body_util" | "httparse" | "bytes" => {
            "http/hyper/bytes"
        }
        "tokio" | "futures_util" | "futures_core" | "futures_channel" => "tokio/futures",
        "tracing" | "tracing_core" | "tracing_subscriber" => "tracing",
        "chrono" => "chrono",
        "core" | "alloc" | "std" | "hashbrown" | "indexmap" => {
            "Rust std (core, alloc, collections)"
        }
        "form_urlencoded" | "percent_encoding" => "form/percent decoding",
        _ => "other crates",
    }
}
