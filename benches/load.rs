//! The load benchmark: `cargo bench --bench load` (options after `--`: `--seconds N` per run,
//! default 1; `--rounds N`, default 4; `--concurrency N`, default 32; `--only NAME`).
//!
//! Measures membermock against the limit, side by side in one run. The limit is a minimal
//! axum server (this binary re-run with `--serve-limit`) answering each call's exact bytes —
//! status, headers, body, fetched from membermock at the start — from memory, over plain HTTP
//! or HTTPS as the call demands. Three servers, each its own process with the same runtime
//! (tokio multi-thread, one worker per core):
//! - `limit`: the minimal axum server;
//! - `mock`: the release binary as a user runs it (`--log warn`);
//! - `mock, no journal`: the same with `--journal-limit 0`.
//!
//! The load generator runs in this process and drives one server at a time, so all three
//! share the two cores with it the same way. Each call is run `--rounds` times per server,
//! the order reversed every round (limit, mock, no journal; then no journal, mock, limit) so
//! drift falls on all three alike. Reported per call: requests/s, p50/p99 latency, the ratio to
//! the limit (and the lowest and highest of the rounds' ratios, to show the noise), and each
//! server's CPU time per call (user + system, from `/proc`), which swings less with machine
//! noise than requests/s, plus the load generator's own.
//!
//! The load is closed-loop (each connection sends its next request when the answer arrives),
//! so at a fixed concurrency latency follows throughput: p50 ≈ connections / req/s.
//!
//! Then: start-up to the first healthy answer, `POST /_mock/reset` latency, and resident
//! memory idle, with the journal full (10,000 entries), and after the load.

#[path = "support/mod.rs"]
mod support;

/// The limit server runs in this binary (`--serve-limit`): it gets the allocator membermock's
/// binary ships with, so the comparison is allocator against allocator.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::sync::Arc;
use std::time::{Duration, Instant};

use support::calls::{self, Call};
use support::client::{Conn, Target};
use support::process::{
    canned_answers, load_average, own_cpu, serve_limit, spawn_limit, spawn_mock, Process,
};

/// The targets for vendor reads.
const TARGET_THROUGHPUT: f64 = 0.6;
const TARGET_P99: f64 = 2.0;

struct Options {
    seconds: f64,
    rounds: usize,
    concurrency: usize,
    only: Option<String>,
    serve_limit: bool,
}

fn options() -> Options {
    let mut o = Options {
        seconds: 1.0,
        rounds: 4,
        concurrency: 32,
        only: None,
        serve_limit: false,
    };
    let args: Vec<String> = std::env::args().collect();
    let value = |i: usize, what: &str| args.get(i + 1).unwrap_or_else(|| panic!("{what}")).clone();
    let mut i = 1;
    while i < args.len() {
        match args[i].as_str() {
            "--seconds" => {
                o.seconds = value(i, "--seconds N").parse().expect("--seconds N");
                i += 1;
            }
            "--rounds" => {
                o.rounds = value(i, "--rounds N").parse().expect("--rounds N");
                i += 1;
            }
            "--concurrency" => {
                o.concurrency = value(i, "--concurrency N")
                    .parse()
                    .expect("--concurrency N");
                i += 1;
            }
            "--only" => {
                o.only = Some(value(i, "--only NAME"));
                i += 1;
            }
            "--serve-limit" => o.serve_limit = true,
            _ => {} // cargo passes `--bench`
        }
        i += 1;
    }
    o
}

fn main() {
    let o = options();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    if o.serve_limit {
        runtime.block_on(serve_limit());
    } else {
        runtime.block_on(bench(o));
    }
}

// ---------------------------------------------------------------------------------------------
// Load

/// Untimed calls at the start of every run (connections warm, caches filled).
const WARM_UP: Duration = Duration::from_millis(250);

/// What one or more timed runs of a call against one server gave.
#[derive(Default)]
struct Tally {
    requests: usize,
    seconds: f64,
    cpu: Duration,
    /// The load generator's (this process's) CPU time.
    client_cpu: Duration,
    latencies: Vec<Duration>,
    /// Requests/s of each run, in round order.
    runs: Vec<f64>,
}

impl Tally {
    fn per_second(&self) -> f64 {
        self.requests as f64 / self.seconds
    }

    /// The lowest and highest of the rounds' ratios `self / limit`: how far the noise reached.
    fn spread(&self, limit: &Tally) -> String {
        let ratios = self.runs.iter().zip(&limit.runs).map(|(s, l)| s / l);
        let low = ratios.clone().fold(f64::INFINITY, f64::min);
        let high = ratios.fold(0.0, f64::max);
        format!("{low:.2}–{high:.2}")
    }

    fn percentile(&mut self, p: f64) -> Duration {
        self.latencies.sort_unstable();
        let i = ((self.latencies.len() as f64 * p) as usize).min(self.latencies.len() - 1);
        self.latencies[i]
    }

    fn cpu_per_call(&self) -> Duration {
        self.cpu / self.requests.max(1) as u32
    }

    fn client_cpu_per_call(&self) -> Duration {
        self.client_cpu / self.requests.max(1) as u32
    }
}

/// `concurrency` keep-alive connections calling as fast as answers come, for `seconds` after
/// the warm-up; the server's CPU time is read at the window's edges.
async fn run_load(
    target: &Target,
    request: &Arc<Vec<u8>>,
    call: &'static Call,
    server: &Process,
    o: &Options,
    tally: &mut Tally,
) {
    let mut conns = Vec::new();
    for _ in 0..o.concurrency {
        conns.push(Conn::open(target).await.unwrap());
    }
    let start = Instant::now() + WARM_UP;
    let end = start + Duration::from_secs_f64(o.seconds);
    let mut tasks = Vec::new();
    for mut conn in conns {
        let request = request.clone();
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::with_capacity(64 * 1024);
            loop {
                let t = Instant::now();
                if t >= end {
                    break;
                }
                let answer = conn.call(&request).await.unwrap();
                let done = Instant::now();
                if answer.status != 200 || !calls::contains(answer.body, call.expect.as_bytes()) {
                    call.check(answer.status, answer.body);
                }
                if t >= start && done <= end {
                    latencies.push(done - t);
                }
            }
            latencies
        }));
    }
    tokio::time::sleep_until(start.into()).await;
    let (cpu_before, client_before) = (server.cpu(), own_cpu());
    tokio::time::sleep_until(end.into()).await;
    let (cpu_after, client_after) = (server.cpu(), own_cpu());
    let mut requests = 0;
    for t in tasks {
        let latencies = t.await.unwrap();
        requests += latencies.len();
        tally.latencies.extend(latencies);
    }
    tally.requests += requests;
    tally.runs.push(requests as f64 / o.seconds);
    tally.seconds += o.seconds;
    tally.cpu += cpu_after - cpu_before;
    tally.client_cpu += client_after - client_before;
}

fn ms(d: Duration) -> String {
    format!("{:.3}", d.as_secs_f64() * 1000.0)
}

fn us(d: Duration) -> String {
    format!("{:.1}", d.as_secs_f64() * 1e6)
}

fn mib(kib: u64) -> String {
    format!("{:.1} MiB", kib as f64 / 1024.0)
}

/// Fetch each call's answer once, as the limit will serve it.
async fn bench(o: Options) {
    println!(
        "membermock load benchmark: {} connections, {} s per run after {} ms warm-up, {} rounds",
        o.concurrency,
        o.seconds,
        WARM_UP.as_millis(),
        o.rounds
    );
    println!(
        "machine: {} cores, load average {} (anything else running skews req/s, less so CPU/call)",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        load_average()
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

    let all: &'static [Call] = calls::all().leak();
    let selected: Vec<&'static Call> = all
        .iter()
        .filter(|c| c.selected(o.only.as_deref()))
        .collect();

    let (mock, _) = spawn_mock(&[]).await;
    let (quiet, _) = spawn_mock(&["--journal-limit", "0"]).await;
    let canned = canned_answers(&mock, &selected).await;
    let limit = spawn_limit(&canned);

    // Who is measured, and the request bytes each gets per call (the limit gets the mock's:
    // the same bytes on the wire).
    struct Contender<'a> {
        process: &'a Process,
        targets: Vec<Target>,
        requests: Vec<Arc<Vec<u8>>>,
    }
    let mut mock_requests = Vec::new();
    let mut quiet_requests = Vec::new();
    for call in &selected {
        mock_requests.push(Arc::new(mock.request(call).await));
        quiet_requests.push(Arc::new(quiet.request(call).await));
    }
    let contenders = [
        Contender {
            process: &limit.process,
            targets: limit.targets.clone(),
            requests: mock_requests.clone(),
        },
        Contender {
            process: &mock.process,
            targets: selected.iter().map(|c| mock.target(c)).collect(),
            requests: mock_requests,
        },
        Contender {
            process: &quiet.process,
            targets: selected.iter().map(|c| quiet.target(c)).collect(),
            requests: quiet_requests,
        },
    ];

    // Check the limit answers what the mock answered before timing anything.
    for (i, call) in selected.iter().enumerate() {
        let mut conn = Conn::open(&limit.targets[i]).await.unwrap();
        let answer = conn.call(&contenders[0].requests[i]).await.unwrap();
        assert_eq!(answer.status, canned[i].status);
        assert_eq!(answer.body, canned[i].body.as_bytes(), "{}", call.name);
    }

    let mut tallies: Vec<[Tally; 3]> = selected.iter().map(|_| Default::default()).collect();
    for (i, call) in selected.iter().enumerate() {
        for round in 0..o.rounds {
            let mut order = [0, 1, 2];
            if round % 2 == 1 {
                order.reverse();
            }
            for c in order {
                let who = &contenders[c];
                run_load(
                    &who.targets[i],
                    &who.requests[i],
                    call,
                    who.process,
                    &o,
                    &mut tallies[i][c],
                )
                .await;
            }
        }
        eprint!(".");
    }
    eprintln!();

    println!(
        "\nthroughput, requests/s (×limit: the mock's share of the limit's, target ≥ {TARGET_THROUGHPUT}; \
         rounds: lowest–highest of the rounds' shares)"
    );
    println!(
        "{:<42} {:>9} {:>9} {:>7} {:>11} {:>12} {:>7}",
        "call", "limit", "mock", "×limit", "rounds", "no journal", "×limit"
    );
    for (i, call) in selected.iter().enumerate() {
        let [l, m, q] = &tallies[i];
        println!(
            "{:<42} {:>9.0} {:>9.0} {:>7.2} {:>11} {:>12.0} {:>7.2}",
            call.name,
            l.per_second(),
            m.per_second(),
            m.per_second() / l.per_second(),
            m.spread(l),
            q.per_second(),
            q.per_second() / l.per_second(),
        );
    }

    println!("\nlatency, ms (×limit: the mock's p99 over the limit's; target ≤ {TARGET_P99})");
    println!(
        "{:<42} {:>9} {:>9} {:>9} {:>9} {:>7} {:>12}",
        "call", "limit p50", "limit p99", "mock p50", "mock p99", "×limit", "no jrnl p99"
    );
    for (i, call) in selected.iter().enumerate() {
        let [l, m, q] = &mut tallies[i];
        let (l99, m99) = (l.percentile(0.99), m.percentile(0.99));
        println!(
            "{:<42} {:>9} {:>9} {:>9} {:>9} {:>7.2} {:>12}",
            call.name,
            ms(l.percentile(0.5)),
            ms(l99),
            ms(m.percentile(0.5)),
            ms(m99),
            m99.as_secs_f64() / l99.as_secs_f64(),
            ms(q.percentile(0.99)),
        );
    }

    println!(
        "\nCPU time per call, µs (user + system, all threads; ×limit: mock over limit; client: \
         the load generator, in the limit's runs and the mock's)"
    );
    println!(
        "{:<42} {:>9} {:>9} {:>7} {:>12} {:>14}",
        "call", "limit", "mock", "×limit", "no journal", "client l / m"
    );
    for (i, call) in selected.iter().enumerate() {
        let [l, m, q] = &tallies[i];
        println!(
            "{:<42} {:>9} {:>9} {:>7.2} {:>12} {:>14}",
            call.name,
            us(l.cpu_per_call()),
            us(m.cpu_per_call()),
            m.cpu_per_call().as_secs_f64() / l.cpu_per_call().as_secs_f64(),
            us(q.cpu_per_call()),
            format!(
                "{} / {}",
                us(l.client_cpu_per_call()),
                us(m.client_cpu_per_call())
            ),
        );
    }

    let verdicts: Vec<String> = selected
        .iter()
        .enumerate()
        .filter(|(_, c)| c.main)
        .map(|(i, call)| {
            let [l, m, _] = &mut tallies[i];
            let share = m.per_second() / l.per_second();
            let p99 = m.percentile(0.99).as_secs_f64() / l.percentile(0.99).as_secs_f64();
            let met = share >= TARGET_THROUGHPUT && p99 <= TARGET_P99;
            format!(
                "  {:<40} {:.2}× the limit, p99 {:.2}× — {}",
                call.key,
                share,
                p99,
                if met { "met" } else { "not met" }
            )
        })
        .collect();
    if !verdicts.is_empty() {
        println!("\ntargets (vendor reads ≥ {TARGET_THROUGHPUT}× the limit, p99 ≤ {TARGET_P99}× the limit's):");
        for v in verdicts {
            println!("{v}");
        }
    }

    let loaded = mock.process.rss_kib();
    let mut resets = Vec::new();
    let mut conn = Conn::open(&Target::plain(mock.http)).await.unwrap();
    let reset = b"POST /_mock/reset HTTP/1.1\r\nHost: bench\r\nContent-Length: 0\r\n\r\n";
    for _ in 0..200 {
        let t = Instant::now();
        let answer = conn.call(reset).await.unwrap();
        resets.push(t.elapsed());
        assert_eq!(answer.status, 200);
    }
    resets.sort();
    drop((mock, quiet, limit));

    let (idle, full) = rss_with_journal_full(all).await;

    println!(
        "\nPOST /_mock/reset: p50 {} ms, p99 {} ms (200 sequential)",
        ms(resets[100]),
        ms(resets[197])
    );
    println!(
        "resident memory: idle {}, journal full {} (filled by {JOURNAL_FILL} vendor reads, one \
         connection per call), after the load {}",
        mib(idle),
        mib(full),
        mib(loaded)
    );
}

/// The default journal limit.
const JOURNAL_FILL: usize = 10_000;

/// A fresh mock's resident memory idle, then once its journal holds `JOURNAL_FILL` entries
/// (the vendor reads in turn, sequentially: the journal's memory, not a crowd's buffers).
async fn rss_with_journal_full(all: &'static [Call]) -> (u64, u64) {
    let (mock, _) = spawn_mock(&[]).await;
    let idle = mock.process.rss_kib();
    let reads: Vec<&Call> = all.iter().filter(|c| c.main).collect();
    let mut work = Vec::new();
    for call in &reads {
        let request = mock.request(call).await;
        work.push((Conn::open(&mock.target(call)).await.unwrap(), request));
    }
    // The sessions' sign-ins are journal entries too.
    let signed_in = reads.iter().filter(|c| c.session).count();
    for i in 0..JOURNAL_FILL - signed_in {
        let k = i % reads.len();
        let (conn, request) = &mut work[k];
        let answer = conn.call(request).await.unwrap();
        reads[k].check(answer.status, answer.body);
    }
    let full = mock.process.rss_kib();
    let mut conn = Conn::open(&Target::plain(mock.http)).await.unwrap();
    let newest = conn
        .call(b"GET /_mock/requests?limit=1 HTTP/1.1\r\nHost: bench\r\n\r\n")
        .await
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(newest.body).unwrap();
    assert_eq!(v["limit"], JOURNAL_FILL, "the journal's default limit");
    assert_eq!(
        v["requests"][0]["id"], JOURNAL_FILL,
        "the journal holds {JOURNAL_FILL} entries"
    );
    (idle, full)
}
