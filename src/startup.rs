//! Start-up: open the store, load and apply the seed, build the TLS material, bind the
//! listeners, serve until SIGTERM or Ctrl-C, flush. What `main` calls; tests build
//! [`crate::AppState`] and call [`crate::run`] themselves.

use std::fmt;
use std::future::Future;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::config::{self, ControlListen, LogFormat, ServeArgs, TlsListen};
use crate::seed::{Generate, SeedPlan};
use crate::server::{run_with, Listeners, ServeOptions};
use crate::state::AppState;
use crate::store::{self, Opened, Store};
use crate::{app, seed, tls};

/// Why the server could not start.
#[derive(Debug)]
pub enum Error {
    Store(store::StoreError),
    Seed(seed::SeedError),
    Tls(String),
    /// A listener could not bind its address.
    Bind(SocketAddr, std::io::Error),
    Io(std::io::Error),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Store(e) => write!(f, "database: {e}"),
            Error::Seed(e) => write!(f, "seed: {e}"),
            Error::Tls(e) => write!(f, "tls: {e}"),
            Error::Bind(addr, e) => write!(f, "cannot listen on {addr}: {e}"),
            Error::Io(e) => write!(f, "{e}"),
        }
    }
}

impl Error {
    /// What to do about it, when the error alone does not say: which user needs write access
    /// to the database folder, which flag moves a listener.
    pub fn hint(&self, db: Option<&Path>) -> Option<String> {
        match self {
            Error::Store(
                store::StoreError::Sqlite(rusqlite::Error::SqliteFailure(
                    rusqlite::ffi::Error {
                        code:
                            rusqlite::ErrorCode::CannotOpen
                            | rusqlite::ErrorCode::ReadOnly
                            | rusqlite::ErrorCode::PermissionDenied,
                        ..
                    },
                    _,
                ))
                | store::StoreError::Refused {
                    why: store::Refusal::ReadOnly { .. },
                    ..
                },
            ) => {
                let db = db?;
                let folder = match db.parent() {
                    Some(p) if !p.as_os_str().is_empty() => p.display().to_string(),
                    _ => ".".to_string(),
                };
                let (uid, gid) = process_owner().unwrap_or((65532, 65532));
                Some(format!(
                    "UID {uid} (GID {gid}), the user membermock runs as, needs write access to \
                     {folder} and the files in it (the database {} and its -wal and -shm files). \
                     For a bind mount in Docker (-v /host/dir:{folder}): `chown {uid}:{gid} \
                     /host/dir` on the host, or run the container with --user \"$(id -u):$(id -g)\"; \
                     a named volume (-v mmdata:{folder}) needs nothing.",
                    db.display()
                ))
            }
            Error::Bind(addr, e) if e.kind() == std::io::ErrorKind::AddrInUse => Some(format!(
                "another process listens on {addr}: stop it, or choose other ports with \
                 --listen / --tls-listen (MEMBERMOCK_LISTEN / MEMBERMOCK_TLS_LISTEN)"
            )),
            _ => None,
        }
    }
}

/// The user and group this process runs as, read without `libc` from `/proc/self`'s owner.
fn process_owner() -> Option<(u32, u32)> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let meta = std::fs::metadata("/proc/self").ok()?;
        Some((meta.uid(), meta.gid()))
    }
    #[cfg(not(unix))]
    None
}

impl std::error::Error for Error {}

impl From<store::StoreError> for Error {
    fn from(e: store::StoreError) -> Self {
        Error::Store(e)
    }
}

impl From<seed::SeedError> for Error {
    fn from(e: seed::SeedError) -> Self {
        Error::Seed(e)
    }
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Error::Io(e)
    }
}

impl From<store::seed::ApplyError> for Error {
    fn from(e: store::seed::ApplyError) -> Self {
        match e {
            store::seed::ApplyError::Seed(e) => Error::Seed(e),
            store::seed::ApplyError::Sqlite(e) => Error::Store(e.into()),
        }
    }
}

/// Start everything the CLI asked for and serve until SIGTERM or Ctrl-C.
pub async fn serve(args: ServeArgs) -> Result<(), Error> {
    let started = Instant::now();
    // Without --db the certificate is new and depends on nothing else: it is made (a key, the
    // machine's names) on another thread while this one opens and seeds the store. With --db it
    // is read from, or written beside, the file: only once the store holds the file's lock.
    let early_tls = match (args.tls_listen, &args.db) {
        (TlsListen::On(_), None) => {
            let args = args.clone();
            Some(std::thread::spawn(move || tls_material(&args)))
        }
        _ => None,
    };
    let (store, opened) = Store::open(args.db.as_deref())?;
    let apply_seed = opened == Opened::New || args.reset;
    if !apply_seed && (!args.seeds.is_empty() || args.generate.is_some()) {
        tracing::warn!(
            db = ?args.db,
            "the database file exists, so --seed and --generate are not applied \
             (--reset applies them again)"
        );
    }
    let plan = if args.seeds.is_empty() {
        SeedPlan::demo()
    } else {
        SeedPlan::files(&args.seeds)?
    }
    .with_generate(
        args.generate
            .map(|people| Generate::people(people, args.generate_seed)),
    );

    let tls = match args.tls_listen {
        TlsListen::Off => None,
        TlsListen::On(addr) => {
            let material = match early_tls {
                Some(thread) => thread
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))?,
                None => tls_material(&args)?,
            };
            Some((addr, material))
        }
    };
    let http = tokio::net::TcpListener::bind(args.listen)
        .await
        .map_err(|e| Error::Bind(args.listen, e))?;
    let (https, cert_pem, cert) = match tls {
        Some((addr, material)) => {
            let listener = tokio::net::TcpListener::bind(addr)
                .await
                .map_err(|e| Error::Bind(addr, e))?;
            let cert = (material.source, material.names);
            (
                Some((listener, material.config)),
                Some(material.cert_pem),
                Some(cert),
            )
        }
        None => (None, None, None),
    };
    let control = match args.control_listen {
        Some(ControlListen::Own(addr)) => Some(
            tokio::net::TcpListener::bind(addr)
                .await
                .map_err(|e| Error::Bind(addr, e))?,
        ),
        _ => None,
    };
    let options = config::Options {
        trust_forwarded_proto: args.trust_forwarded_proto,
        journal_limit: args.journal_limit,
        journal_bytes: args.journal_bytes.0,
        body_timeout: args.body_timeout.0,
        control: config::ControlOptions::from_args(&args),
        ..config::Options::default()
    };
    let state = match AppState::start(store.clone(), plan, apply_seed, options, cert_pem).await {
        Ok(state) => state,
        Err(e) => {
            // A database file this start created holds nothing useful: without it, the next
            // start seeds again instead of finding an empty "existing" file.
            if let (Some(db), Opened::New) = (&args.db, opened) {
                drop(store);
                for suffix in ["", "-wal", "-shm"] {
                    let mut path = db.clone().into_os_string();
                    path.push(suffix);
                    let _ = std::fs::remove_file(path);
                }
            }
            return Err(e);
        }
    };

    let banner = Banner {
        http: http.local_addr()?,
        https: https.as_ref().and_then(|(l, _)| l.local_addr().ok()),
        cert,
        db: args.db.clone(),
        state_from: match (&args.db, apply_seed) {
            (None, _) => StateFrom::Memory,
            (Some(_), true) if opened == Opened::New => StateFrom::NewFile,
            (Some(_), true) => StateFrom::Reset,
            (Some(_), false) => StateFrom::ExistingFile,
        },
        seed_sources: state.seed.sources.clone(),
        demo_seed: args.seeds.is_empty(),
        counts: store.call(|conn| store::seed::counts(conn)).await?,
        startup_ms: started.elapsed().as_secs_f64() * 1000.0,
        control: ControlBanner {
            listen: match (&args.control_listen, &control) {
                (Some(ControlListen::Off), _) => None,
                (Some(ControlListen::Own(_)), Some(l)) => Some(l.local_addr()?),
                _ => Some(http.local_addr()?),
            },
            own_listener: matches!(args.control_listen, Some(ControlListen::Own(_))),
            token: args.control_token.is_some(),
        },
    };
    let stop = shutdown_signal();
    banner.log(args.log_format);
    let serve_options = ServeOptions {
        tls_handshake_timeout: args.tls_handshake_timeout.0,
        control,
    };
    let journal = state.journal.clone();
    let shutdown = async move {
        stop.await;
        // Live feeds (the dashboard's) would hold the drain open: they end now.
        journal.close_feeds();
    };
    run_with(
        Listeners { http, https },
        serve_options,
        app(state),
        shutdown,
    )
    .await;
    tracing::info!("membermock stopped");
    store.flush().await?;
    Ok(())
}

/// The operator's certificate, or a self-signed one for the asked-for and detected names (kept
/// beside `--db` when there is one).
fn tls_material(args: &ServeArgs) -> Result<tls::TlsMaterial, Error> {
    match (&args.tls_cert, &args.tls_key) {
        (Some(cert), Some(key)) => {
            if !args.tls_names.is_empty() {
                tracing::warn!(
                    tls_names = %args.tls_names.join(","),
                    "--tls-name only applies to the self-signed certificate; ignored with --tls-cert"
                );
            }
            tls::from_files(cert, key)
        }
        _ => {
            let names = tls::CertNames::new(&args.tls_names, true)?;
            tls::generated(&names, args.db.as_deref())
        }
    }
}

// ------------------------------------------------------------------ the start-up banner

/// Where the state the server starts with came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum StateFrom {
    Memory,
    NewFile,
    ExistingFile,
    Reset,
}

/// What a newcomer needs to see once the server is ready: where it listens, how to trust its
/// certificate, where its state came from, and where the demo credentials are.
struct Banner {
    http: SocketAddr,
    https: Option<SocketAddr>,
    cert: Option<(tls::CertSource, Vec<String>)>,
    db: Option<PathBuf>,
    state_from: StateFrom,
    seed_sources: Vec<String>,
    demo_seed: bool,
    counts: serde_json::Value,
    startup_ms: f64,
    control: ControlBanner,
}

/// Where the control plane is, and whether it wants a token (never the token itself).
struct ControlBanner {
    /// The plain-HTTP address it answers on; `None` when off.
    listen: Option<SocketAddr>,
    own_listener: bool,
    token: bool,
}

impl ControlBanner {
    fn url(&self) -> Option<String> {
        self.listen
            .map(|addr| format!("{}/_mock/", url("http", addr)))
    }

    /// The dashboard's address (docs/dashboard.md), where the control plane is.
    fn dashboard_url(&self) -> Option<String> {
        self.listen
            .map(|addr| format!("{}/_mock/ui", url("http", addr)))
    }

    fn dashboard_text(&self) -> String {
        match self.dashboard_url() {
            Some(url) if self.token => format!("{url} (asks for the control token once)"),
            Some(url) => url,
            None => "off (with the control plane)".into(),
        }
    }

    fn text(&self) -> String {
        let Some(url) = self.url() else {
            return "off (--control-listen off; /_mock/health stays on the vendor listeners)"
                .into();
        };
        let mut text = url;
        if self.own_listener {
            text.push_str(" (its own listener)");
        }
        if self.token {
            text.push_str(", Authorization: Bearer token required");
        }
        text
    }
}

/// `http://addr`, with an unspecified address (0.0.0.0, ::) shown as loopback: a URL to click.
fn url(scheme: &str, addr: SocketAddr) -> String {
    let mut shown = addr;
    if addr.ip().is_unspecified() {
        shown.set_ip(match addr {
            SocketAddr::V4(_) => std::net::Ipv4Addr::LOCALHOST.into(),
            SocketAddr::V6(_) => std::net::Ipv6Addr::LOCALHOST.into(),
        });
    }
    format!("{scheme}://{shown}")
}

const DEMO_CREDENTIALS: &str = "README.md#demo-credentials";

impl Banner {
    fn count(&self, api: &str, what: &str) -> u64 {
        self.counts[api][what].as_u64().unwrap_or(0)
    }

    fn state(&self) -> String {
        let db = self
            .db
            .as_ref()
            .map(|p| p.display().to_string())
            .unwrap_or_default();
        let sources = self.seed_sources.join(", ");
        match self.state_from {
            StateFrom::Memory => format!("in memory, seeded from {sources}"),
            StateFrom::NewFile => format!("new database {db}, seeded from {sources}"),
            StateFrom::Reset => format!("database {db}, wiped (--reset) and seeded from {sources}"),
            StateFrom::ExistingFile => {
                format!("database {db}, as an earlier run left it (no seed applied; --reset applies it)")
            }
        }
    }

    fn tenants(&self) -> String {
        format!(
            "Luminate {} sites, SmarterU {} accounts, YourMembership {} clients",
            self.count("luminate", "sites"),
            self.count("smarteru", "accounts"),
            self.count("yourmembership", "clients"),
        )
    }

    fn cert_url(&self) -> Option<String> {
        self.https
            .map(|_| format!("{}/_mock/tls/cert.pem", url("http", self.http)))
    }

    fn text(&self) -> String {
        let mut lines = vec![format!(
            "membermock {} ready in {:.0} ms",
            env!("CARGO_PKG_VERSION"),
            self.startup_ms
        )];
        let bound = |addr: SocketAddr| {
            if addr.ip().is_unspecified() {
                format!(" (listening on {addr})")
            } else {
                String::new()
            }
        };
        lines.push(format!(
            "  http         {}{}",
            url("http", self.http),
            bound(self.http)
        ));
        match (self.https, &self.cert) {
            (Some(addr), Some((source, names))) => {
                lines.push(format!(
                    "  https        {}{} (SmarterU answers only here)",
                    url("https", addr),
                    bound(addr)
                ));
                lines.push(format!(
                    "  certificate  {} ({source})",
                    self.cert_url().unwrap_or_default()
                ));
                if !names.is_empty() {
                    lines.push(format!("  valid for    {}", names.join(", ")));
                }
            }
            _ => lines.push("  https        off".to_string()),
        }
        lines.push(format!("  control      {}", self.control.text()));
        lines.push(format!("  dashboard    {}", self.control.dashboard_text()));
        lines.push(format!("  state        {}", self.state()));
        lines.push(format!("  tenants      {}", self.tenants()));
        if self.demo_seed && self.state_from != StateFrom::ExistingFile {
            lines.push(format!("  demo seed    credentials in {DEMO_CREDENTIALS}"));
        }
        lines.join("\n")
    }

    fn log(&self, format: LogFormat) {
        match format {
            LogFormat::Pretty => tracing::info!("{}", self.text()),
            LogFormat::Json => {
                let (certificate, names) = match &self.cert {
                    Some((source, names)) => (Some(source.to_string()), Some(names.join(","))),
                    None => (None, None),
                };
                tracing::info!(
                    version = env!("CARGO_PKG_VERSION"),
                    http = %url("http", self.http),
                    https = self.https.map(|a| url("https", a)),
                    tls_cert_url = self.cert_url(),
                    tls_certificate = certificate,
                    tls_names = names.filter(|n| !n.is_empty()),
                    db = self.db.as_ref().map(|p| p.display().to_string()),
                    state = %self.state(),
                    seed_sources = %self.seed_sources.join(","),
                    luminate_sites = self.count("luminate", "sites"),
                    smarteru_accounts = self.count("smarteru", "accounts"),
                    yourmembership_clients = self.count("yourmembership", "clients"),
                    demo_credentials = self.demo_seed.then_some(DEMO_CREDENTIALS),
                    startup_ms = self.startup_ms,
                    control = self.control.url(),
                    dashboard = self.control.dashboard_url(),
                    control_token = self.control.token,
                    "membermock ready"
                );
            }
        }
    }
}

/// SIGTERM or SIGINT (Ctrl-C). The handlers are installed when this is called, not when the
/// future is first polled: called before the banner says "ready", so that a stop sent the moment
/// the mock is ready is a graceful stop, not the signal's default (death, exit code 143).
fn shutdown_signal() -> impl Future<Output = ()> + Send {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, Signal, SignalKind};
        async fn received(signal: Option<Signal>) {
            match signal {
                Some(mut s) => {
                    s.recv().await;
                }
                None => std::future::pending::<()>().await,
            }
        }
        let term = signal(SignalKind::terminate()).ok();
        let interrupt = signal(SignalKind::interrupt()).ok();
        async move {
            tokio::select! {
                _ = received(term) => {},
                _ = received(interrupt) => {},
            }
        }
    }
    #[cfg(not(unix))]
    async {
        let _ = tokio::signal::ctrl_c().await;
    }
}
