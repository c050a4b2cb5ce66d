//! Allocations per call: `cargo bench --bench allocations` (options after `--`: `--only NAME`,
//! `--calls N`, `--sites NAME` to list where one call allocates).
//!
//! A counting global allocator (the system allocator underneath) counts every allocation and
//! the bytes asked for, on every thread but those marked as the client's. Counts are exact and
//! do not swing with machine noise: compare them between commits as they are. Two views:
//! - **app**: each call sent through `membermock::app(state)` in-process with
//!   `tower::ServiceExt::oneshot` (request built beforehand, answer body read). The app's own
//!   work — routing, middleware, the vendor pipeline, the store thread, the journal — and none
//!   of hyper's connection handling.
//! - **server side of a loopback round trip**: the same call over a keep-alive connection to
//!   an in-process server (the bench's accept loop shaped like `src/server.rs`: hyper HTTP/1.1,
//!   rustls for HTTPS). Only the server runtime's threads and the store thread are counted; the
//!   client runs uncounted on the main thread. The limit — a minimal axum app answering the
//!   same bytes — is measured the same way, for the ratio.
//!
//! Each figure is the median over `--calls` calls after 200 warm-up calls. A reallocation
//! counts as an allocation (of its new size).

#[path = "support/mod.rs"]
mod support;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use std::sync::Mutex;

use axum::Router;
use membermock::vendor::Scheme;
use membermock::{AppState, ConnInfo};
use support::calls::{self, Call};
use support::client::{Conn, Target};
use support::serve::{self, Canned};
use tower::ServiceExt;

// ---------------------------------------------------------------------------------------------
// The counting allocator

struct Counting;

static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);
static BYTES: AtomicU64 = AtomicU64::new(0);
/// While set, counted allocations also record a backtrace in `SITES`.
static RECORD_SITES: AtomicBool = AtomicBool::new(false);
static SITES: Mutex<Vec<(usize, std::backtrace::Backtrace)>> = Mutex::new(Vec::new());

thread_local! {
    /// Set on the client's threads: their allocations are not the server's.
    static UNCOUNTED: Cell<bool> = const { Cell::new(false) };
    /// Set while recording a site (recording allocates).
    static RECORDING: Cell<bool> = const { Cell::new(false) };
}

fn count(size: usize) {
    if UNCOUNTED.try_with(Cell::get).unwrap_or(true) {
        return;
    }
    ALLOCATIONS.fetch_add(1, Relaxed);
    BYTES.fetch_add(size as u64, Relaxed);
    if RECORD_SITES.load(Relaxed) && !RECORDING.try_with(Cell::get).unwrap_or(true) {
        RECORDING.set(true);
        let trace = std::backtrace::Backtrace::force_capture();
        SITES.lock().unwrap().push((size, trace));
        RECORDING.set(false);
    }
}

// SAFETY: every method hands the call to the system allocator unchanged; counting touches
// only atomics and `const` thread-locals, which do not allocate.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count(layout.size());
        System.alloc(layout)
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count(layout.size());
        System.alloc_zeroed(layout)
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count(new_size);
        System.realloc(ptr, layout, new_size)
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout)
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Counts {
    allocations: u64,
    bytes: u64,
}

fn counts() -> Counts {
    Counts {
        allocations: ALLOCATIONS.load(Relaxed),
        bytes: BYTES.load(Relaxed),
    }
}

/// Median allocations and median bytes (each on its own).
fn median(mut samples: Vec<Counts>) -> Counts {
    let mid = samples.len() / 2;
    samples.sort_by_key(|c| c.allocations);
    let allocations = samples[mid].allocations;
    samples.sort_by_key(|c| c.bytes);
    Counts {
        allocations,
        bytes: samples[mid].bytes,
    }
}

// ---------------------------------------------------------------------------------------------

struct Options {
    calls: usize,
    only: Option<String>,
    sites: Option<String>,
}

fn options() -> Options {
    let mut o = Options {
        calls: 1001,
        only: None,
        sites: None,
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
            "--sites" => {
                o.sites = Some(value());
                i += 1;
            }
            _ => {} // cargo passes `--bench`
        }
        i += 1;
    }
    o
}

const WARM_UP: usize = 200;

/// A YourMembership admin session id, signed in through `app`.
async fn sign_in(app: &Router) -> String {
    let auth = &calls::YM_AUTHENTICATE;
    let (status, body) = oneshot(app, auth.request(None), Scheme::Http).await;
    auth.check(status, &body);
    calls::session_id(&body)
}

/// One call through the router, as if it came over `scheme`'s listener.
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

fn scheme(call: &Call) -> Scheme {
    if call.https {
        Scheme::Https
    } else {
        Scheme::Http
    }
}

/// Allocations of one in-process call, median of `n` after the warm-up.
async fn app_counts(app: &Router, call: &Call, session: &str, n: usize) -> Counts {
    let mut samples = Vec::with_capacity(n);
    for i in 0..WARM_UP + n {
        let request = call.request(Some(session));
        let before = counts();
        let (status, body) = oneshot(app, request, scheme(call)).await;
        drop(body);
        let after = counts();
        assert_eq!(status, 200, "{}", call.name);
        if i >= WARM_UP {
            samples.push(Counts {
                allocations: after.allocations - before.allocations,
                bytes: after.bytes - before.bytes,
            });
        }
    }
    median(samples)
}

/// Server-side allocations of one call over a keep-alive connection, median of `n`: each
/// sample is the count between two answers' arrivals (one whole request cycle).
async fn round_trip_counts(target: &Target, request: &[u8], call: &Call, n: usize) -> Counts {
    let mut conn = Conn::open(target).await.unwrap();
    let mut samples = Vec::with_capacity(n);
    let mut before = counts();
    for i in 0..WARM_UP + n {
        let answer = conn.call(request).await.unwrap();
        let after = counts();
        call.check(answer.status, answer.body);
        if i >= WARM_UP {
            samples.push(Counts {
                allocations: after.allocations - before.allocations,
                bytes: after.bytes - before.bytes,
            });
        }
        before = after;
    }
    median(samples)
}

fn main() {
    let o = options();
    let all = calls::all();
    let selected: Vec<&Call> = all
        .iter()
        .filter(|c| c.selected(o.only.as_deref()))
        .collect();

    // The in-process view: everything on this thread and the store's.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let state = runtime.block_on(AppState::demo());
    let app = membermock::app(state);
    let session = runtime.block_on(sign_in(&app));

    if let Some(key) = &o.sites {
        let call = all
            .iter()
            .find(|c| c.key == key.as_str())
            .expect("--sites takes a call's key (luminate-json, smarteru, ...)");
        runtime.block_on(app_counts(&app, call, &session, 1));
        runtime.block_on(sites(&app, call, &session));
        return;
    }

    println!(
        "membermock allocations per call: median of {} calls after {WARM_UP} warm-up calls",
        o.calls
    );
    let mut app_only = Vec::new();
    for call in &selected {
        app_only.push(runtime.block_on(app_counts(&app, call, &session, o.calls)));
    }
    drop(runtime);

    // The round-trip view: servers on their own runtime, counted; the client here, not.
    let servers = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let client = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    UNCOUNTED.set(true);
    let (tls, cert_pem) = support::tls::self_signed();
    let (mock, mock_http, mock_https) = servers.block_on(async {
        let app = membermock::app(AppState::demo().await);
        let (http, http_addr) = serve::bind().await;
        let (https, https_addr) = serve::bind().await;
        tokio::spawn(serve::serve(http, None, app.clone(), Some(Scheme::Http)));
        tokio::spawn(serve::serve(
            https,
            Some(tls.clone()),
            app.clone(),
            Some(Scheme::Https),
        ));
        (app, http_addr, https_addr)
    });
    let session = client.block_on(sign_in(&mock));
    let mut round_trip = Vec::new();
    for call in &selected {
        let request = call.raw(Some(&session));
        let target = if call.https {
            Target::tls(mock_https, &cert_pem)
        } else {
            Target::plain(mock_http)
        };
        let mock_counts = client.block_on(round_trip_counts(&target, &request, call, o.calls));
        // The limit answers what the mock answered.
        let canned = client.block_on(async {
            let mut conn = Conn::open(&target).await.unwrap();
            let answer = conn.call(&request).await.unwrap();
            Canned {
                path: call.path.to_string(),
                https: call.https,
                status: answer.status,
                headers: answer
                    .headers()
                    .into_iter()
                    .filter(|(k, _)| k != "date" && k != "content-length")
                    .collect(),
                body: String::from_utf8(answer.body.to_vec()).unwrap(),
            }
        });
        let limit_addr = servers.block_on(async {
            let (listener, addr) = serve::bind().await;
            let tls = call.https.then(|| tls.clone());
            tokio::spawn(serve::serve(listener, tls, serve::limit_app(&canned), None));
            addr
        });
        let limit_target = if call.https {
            Target::tls(limit_addr, &cert_pem)
        } else {
            Target::plain(limit_addr)
        };
        let limit_counts =
            client.block_on(round_trip_counts(&limit_target, &request, call, o.calls));
        round_trip.push((limit_counts, mock_counts));
    }

    println!(
        "\n{:<42} {:>15} {:>26} {:>26} {:>7}",
        "", "app (oneshot)", "round trip, limit server", "round trip, mock server", ""
    );
    println!(
        "{:<42} {:>6} {:>8} {:>16} {:>9} {:>16} {:>9} {:>7}",
        "call", "allocs", "bytes", "allocs", "bytes", "allocs", "bytes", "×limit"
    );
    for (i, call) in selected.iter().enumerate() {
        let (limit, mock) = round_trip[i];
        println!(
            "{:<42} {:>6} {:>8} {:>16} {:>9} {:>16} {:>9} {:>7.1}",
            call.name,
            app_only[i].allocations,
            app_only[i].bytes,
            limit.allocations,
            limit.bytes,
            mock.allocations,
            mock.bytes,
            mock.allocations as f64 / limit.allocations.max(1) as f64,
        );
    }
    println!(
        "\napp: the router's work only (no hyper). round trip: server side (hyper, rustls, app, \
         store thread), client not counted.\nIssue 9's goal for a Luminate JSON lookup: under 40 \
         allocations."
    );
}

/// Where one in-process call allocates, grouped by the innermost membermock function on the
/// stack and the function that asked for the memory.
async fn sites(app: &Router, call: &Call, session: &str) {
    let request = call.request(Some(session));
    SITES.lock().unwrap().clear();
    RECORD_SITES.store(true, Relaxed);
    let (status, body) = oneshot(app, request, scheme(call)).await;
    RECORD_SITES.store(false, Relaxed);
    drop(body);
    assert_eq!(status, 200);
    let recorded = std::mem::take(&mut *SITES.lock().unwrap());
    let mut groups: std::collections::BTreeMap<(String, String), (u64, u64)> = Default::default();
    for (size, trace) in &recorded {
        let frames = symbols(&trace.to_string());
        // Skip the allocator's own frames, then name what asked and which membermock code
        // it served.
        let asked = frames
            .iter()
            .find(|f| !is_allocator_frame(f))
            .cloned()
            .unwrap_or_default();
        let ours = frames
            .iter()
            .find(|f| f.starts_with("membermock::") || f.starts_with("<membermock::"))
            .cloned()
            .unwrap_or_else(|| "(outside membermock)".into());
        let g = groups.entry((ours, asked)).or_default();
        g.0 += 1;
        g.1 += *size as u64;
    }
    let mut rows: Vec<_> = groups.into_iter().collect();
    rows.sort_by_key(|(_, (n, _))| std::cmp::Reverse(*n));
    println!(
        "{}: {} allocations, {} bytes in one in-process call, by site\n",
        call.name,
        recorded.len(),
        recorded.iter().map(|(s, _)| *s as u64).sum::<u64>()
    );
    println!(
        "{:>6} {:>7}  innermost membermock function  ←  what allocated",
        "allocs", "bytes"
    );
    for ((ours, asked), (n, bytes)) in rows {
        println!("{n:>6} {bytes:>7}  {ours}  ←  {asked}");
    }
    println!(
        "\n(Inlined functions are attributed to their callers; build with \
         CARGO_PROFILE_BENCH_DEBUG=line-tables-only for sharper names.)"
    );
}

/// The function names of a formatted backtrace, hash suffixes dropped.
fn symbols(trace: &str) -> Vec<String> {
    trace
        .lines()
        .filter_map(|l| {
            let l = l.trim_start();
            let (n, rest) = l.split_once(": ")?;
            n.parse::<usize>().ok()?;
            let name = rest.trim();
            let name = match name.rsplit_once("::h") {
                Some((head, hash)) if hash.len() == 16 => head,
                _ => name,
            };
            Some(name.to_string())
        })
        .collect()
}

fn is_allocator_frame(f: &str) -> bool {
    f.starts_with("std::backtrace")
        || f.starts_with("allocations::")
        || f.starts_with("<allocations::")
        || f.starts_with("__rust")
        || f.starts_with("__rdl")
        || f.starts_with("alloc::alloc::")
        || f.starts_with("alloc::raw_vec::")
        || f.starts_with("<alloc::raw_vec::")
        || f.contains("RawVecInner")
        || f.contains("finish_grow")
        || f.contains("grow_one")
        || f.contains("do_reserve_and_handle")
}
