//! Command line and environment: every flag has a `MEMBERMOCK_*` twin (product.md §1).

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

/// Largest request body any vendor endpoint reads. **[choice]** 4 MiB is far above any real
/// package or form post; beyond it each vendor answers with its own "bad request" error.
pub const MAX_BODY_BYTES: usize = 4 * 1024 * 1024;

/// Default size of the request journal ring.
pub const DEFAULT_JOURNAL_LIMIT: usize = 10_000;

#[derive(Debug, Clone, Parser)]
#[command(
    name = "membermock",
    version,
    about = "Local emulator of the Luminate Online, SmarterU and YourMembership membership APIs"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    #[command(flatten)]
    pub serve: ServeArgs,
}

#[derive(Debug, Clone, Subcommand)]
pub enum Command {
    /// Exit 0 when the health endpoint answers `{"status":"ok"}` (for Docker's HEALTHCHECK).
    Healthcheck {
        /// Health URL to probe.
        #[arg(default_value = "http://127.0.0.1:8080/_mock/health")]
        url: String,
    },
}

#[derive(Debug, Clone, clap::Args)]
pub struct ServeArgs {
    /// Plain-HTTP listen address.
    #[arg(long, env = "MEMBERMOCK_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,

    /// HTTPS listen address, or `off` to disable the HTTPS listener.
    #[arg(long, env = "MEMBERMOCK_TLS_LISTEN", default_value = "127.0.0.1:8443")]
    pub tls_listen: TlsListen,

    /// PEM certificate chain for HTTPS (default: a self-signed certificate made at start).
    #[arg(long, env = "MEMBERMOCK_TLS_CERT", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,

    /// PEM private key for `--tls-cert`.
    #[arg(long, env = "MEMBERMOCK_TLS_KEY", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,

    /// SQLite database file (default: in memory). A new file is seeded; an existing one is kept.
    #[arg(long, env = "MEMBERMOCK_DB")]
    pub db: Option<PathBuf>,

    /// With `--db`: wipe the file's data and apply the seed again.
    #[arg(long, env = "MEMBERMOCK_RESET")]
    pub reset: bool,

    /// Seed file, or folder of `*.json` loaded in name order (repeatable; default: the demo seed).
    #[arg(long = "seed", env = "MEMBERMOCK_SEED", value_delimiter = ',')]
    pub seeds: Vec<PathBuf>,

    /// Add N generated people to every tenant of the seed that has no `"generate"` section of
    /// its own (names, emails, ids and group memberships; the same seed number gives the same
    /// people). Applied with the seed: not to an existing `--db` file.
    #[arg(long, env = "MEMBERMOCK_GENERATE", value_name = "N")]
    pub generate: Option<u64>,

    /// Seed number of `--generate`.
    #[arg(
        long,
        env = "MEMBERMOCK_GENERATE_SEED",
        value_name = "S",
        default_value_t = crate::seed::generate::DEFAULT_SEED
    )]
    pub generate_seed: u64,

    /// Believe `X-Forwarded-Proto` (behind a TLS-terminating proxy).
    #[arg(long, env = "MEMBERMOCK_TRUST_FORWARDED_PROTO")]
    pub trust_forwarded_proto: bool,

    /// Log output format.
    #[arg(long, env = "MEMBERMOCK_LOG_FORMAT", value_enum, default_value_t = LogFormat::Pretty)]
    pub log_format: LogFormat,

    /// Log filter in tracing `EnvFilter` syntax.
    #[arg(long, env = "MEMBERMOCK_LOG", default_value = "info")]
    pub log: String,

    /// Entries kept in the request journal (oldest dropped first); 0 turns the journal off.
    #[arg(long, env = "MEMBERMOCK_JOURNAL_LIMIT", default_value_t = DEFAULT_JOURNAL_LIMIT)]
    pub journal_limit: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsListen {
    Off,
    On(SocketAddr),
}

impl std::str::FromStr for TlsListen {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.eq_ignore_ascii_case("off") {
            return Ok(TlsListen::Off);
        }
        s.parse()
            .map(TlsListen::On)
            .map_err(|e| format!("expected an address like 127.0.0.1:8443 or `off`: {e}"))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Pretty,
    Json,
}

/// What the running app needs to know of its configuration.
#[derive(Debug, Clone)]
pub struct Options {
    pub trust_forwarded_proto: bool,
    pub journal_limit: usize,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            trust_forwarded_proto: false,
            journal_limit: DEFAULT_JOURNAL_LIMIT,
        }
    }
}
