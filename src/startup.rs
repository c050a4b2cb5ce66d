//! Start-up: open the store, load and apply the seed, build the TLS material, bind the
//! listeners, serve until SIGTERM or Ctrl-C, flush. What `main` calls; tests build
//! [`AppState`](crate::AppState) and call [`crate::run`] themselves.

use std::fmt;
use std::time::Instant;

use crate::config::{self, ServeArgs, TlsListen};
use crate::seed::{Generate, SeedPlan};
use crate::server::{run, Listeners};
use crate::state::AppState;
use crate::store::{self, Opened, Store};
use crate::{app, seed, tls};

/// Why the server could not start.
#[derive(Debug)]
pub enum Error {
    Store(store::StoreError),
    Seed(seed::SeedError),
    Tls(String),
    Io(std::io::Error),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Store(e) => write!(f, "database: {e}"),
            Error::Seed(e) => write!(f, "seed: {e}"),
            Error::Tls(e) => write!(f, "tls: {e}"),
            Error::Io(e) => write!(f, "{e}"),
        }
    }
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
            let material = match (&args.tls_cert, &args.tls_key) {
                (Some(cert), Some(key)) => tls::from_files(cert, key)?,
                _ => tls::self_signed()?,
            };
            Some((addr, material))
        }
    };
    let http = tokio::net::TcpListener::bind(args.listen).await?;
    let (https, cert_pem) = match tls {
        Some((addr, material)) => {
            let listener = tokio::net::TcpListener::bind(addr).await?;
            (Some((listener, material.config)), Some(material.cert_pem))
        }
        None => (None, None),
    };
    let options = config::Options {
        trust_forwarded_proto: args.trust_forwarded_proto,
        journal_limit: args.journal_limit,
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

    tracing::info!(
        http = %http.local_addr()?,
        https = ?https.as_ref().and_then(|(l, _)| l.local_addr().ok()),
        db = ?args.db,
        seeded = apply_seed,
        startup_ms = started.elapsed().as_secs_f64() * 1000.0,
        "membermock ready"
    );
    run(Listeners { http, https }, app(state), shutdown_signal()).await;
    tracing::info!("membermock stopped");
    store.flush().await?;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}
