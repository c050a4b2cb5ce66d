//! Command line and environment: every flag has a `MEMBERMOCK_*` twin (product.md §1).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Parser, Subcommand, ValueEnum};

/// Largest request body any vendor endpoint reads. **\[choice\]** 4 MiB is far above any real
/// package or form post; beyond it each vendor answers with its own "bad request" error.
pub const MAX_BODY_BYTES: usize = 4 * 1024 * 1024;

/// Default size of the request journal ring.
pub const DEFAULT_JOURNAL_LIMIT: usize = 10_000;

/// Largest control-plane request body (a seed document). **\[choice\]** 512 MiB: any state
/// document `GET /_mock/state` produces for a population of a million people (about 200 MB)
/// posts back whole.
pub const MAX_CONTROL_BODY_BYTES: usize = 512 * 1024 * 1024;

/// Default time a request body has to arrive whole.
pub const DEFAULT_BODY_TIMEOUT: Duration = Duration::from_secs(10);

/// Default time a client has to complete its TLS handshake.
pub const DEFAULT_TLS_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

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
        /// Health URL to probe (default: the plain-HTTP listener that `--listen` or
        /// `MEMBERMOCK_LISTEN` names, an unspecified address such as 0.0.0.0 probed on loopback).
        url: Option<String>,
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

    /// Another DNS name or IP address for the self-signed certificate (repeatable), e.g. a
    /// Compose service name. It always names localhost, the vendors' hosts, this machine's host
    /// name and its interface addresses.
    #[arg(long = "tls-name", env = "MEMBERMOCK_TLS_NAME", value_delimiter = ',')]
    pub tls_names: Vec<String>,

    /// SQLite database file (default: a temporary file, deleted at exit). A new file is seeded;
    /// an existing one is kept.
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

    /// Bytes the request journal keeps at most, all entries together (oldest dropped first):
    /// a number, or with a unit (`64MiB`, `512KiB`, `1GiB`).
    #[arg(long, env = "MEMBERMOCK_JOURNAL_BYTES", default_value = "32MiB")]
    pub journal_bytes: ByteSize,

    /// Time a request body has to arrive whole (`10s`, `500ms`, or seconds); a body still
    /// arriving then gets the vendor's error and its connection is closed.
    #[arg(long, env = "MEMBERMOCK_BODY_TIMEOUT", default_value = "10s")]
    pub body_timeout: Seconds,

    /// Time a client has to complete its TLS handshake (`10s`, `500ms`, or seconds).
    #[arg(long, env = "MEMBERMOCK_TLS_HANDSHAKE_TIMEOUT", default_value = "10s")]
    pub tls_handshake_timeout: Seconds,

    /// Require `Authorization: Bearer TOKEN` on the control plane (all of `/_mock/*` but
    /// health and the certificate). Never logged.
    #[arg(long, env = "MEMBERMOCK_CONTROL_TOKEN", hide_env_values = true)]
    pub control_token: Option<ControlToken>,

    /// Serve the control plane on its own plain-HTTP listener at ADDR instead of on the vendor
    /// listeners, or `off` for no control plane (health and the certificate stay on the vendor
    /// listeners either way).
    #[arg(long, env = "MEMBERMOCK_CONTROL_LISTEN")]
    pub control_listen: Option<ControlListen>,

    /// Another host name the control plane answers to, besides loopback names, IP addresses,
    /// one-label names and the certificate's names (repeatable; `*` for any).
    #[arg(
        long = "allow-host",
        env = "MEMBERMOCK_ALLOW_HOST",
        value_delimiter = ','
    )]
    pub allow_hosts: Vec<String>,
}

/// The control-plane token: compared in constant time, never shown (`Debug` prints `****`).
#[derive(Clone, PartialEq, Eq)]
pub struct ControlToken(String);

impl ControlToken {
    pub fn new(token: impl Into<String>) -> Result<ControlToken, String> {
        let token = token.into();
        if token.trim().is_empty() {
            return Err("the control token must not be empty".into());
        }
        if token.bytes().any(|b| !(0x21..=0x7e).contains(&b)) {
            return Err(
                "the control token must be printable ASCII without spaces (it travels in an \
                 Authorization header)"
                    .into(),
            );
        }
        Ok(ControlToken(token))
    }

    /// Whether `presented` is the token, in time that does not depend on where they differ.
    pub fn matches(&self, presented: &[u8]) -> bool {
        use subtle::ConstantTimeEq;
        self.0.as_bytes().ct_eq(presented).into()
    }

    /// A value derived from the token for one `purpose` (hex SHA-256 of both): what the
    /// dashboard's cookie carries instead of the token itself.
    pub fn derive(&self, purpose: &str) -> String {
        use sha2::{Digest, Sha256};
        let mut hash = Sha256::new();
        hash.update(purpose.as_bytes());
        hash.update([0]);
        hash.update(self.0.as_bytes());
        hex::encode(hash.finalize())
    }
}

impl std::fmt::Debug for ControlToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ControlToken(****)")
    }
}

impl std::str::FromStr for ControlToken {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ControlToken::new(s)
    }
}

/// Where the control plane is served.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ControlListen {
    /// On the vendor listeners, plain HTTP and HTTPS (the default).
    #[default]
    Shared,
    /// On its own plain-HTTP listener only.
    Own(SocketAddr),
    /// Nowhere.
    Off,
}

impl std::str::FromStr for ControlListen {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.eq_ignore_ascii_case("off") {
            return Ok(ControlListen::Off);
        }
        s.parse()
            .map(ControlListen::Own)
            .map_err(|e| format!("expected an address like 127.0.0.1:8081 or `off`: {e}"))
    }
}

/// The name in `name`, `name:port`, `[v6]` or `[v6]:port`, without a trailing dot: a port is
/// not part of the name (`membermock:8080` means `membermock`).
fn host_without_port(h: &str) -> &str {
    let name = if let Some(rest) = h.strip_prefix('[') {
        rest.split(']').next().unwrap_or(rest)
    } else {
        match h.rsplit_once(':') {
            Some((name, port))
                if !name.contains(':') && port.bytes().all(|b| b.is_ascii_digit()) =>
            {
                name
            }
            _ => h,
        }
    };
    name.trim_end_matches('.')
}

/// Who may use the control plane, and where.
#[derive(Debug, Clone, Default)]
pub struct ControlOptions {
    pub listen: ControlListen,
    pub token: Option<ControlToken>,
    /// Host names added with `--allow-host`, lower-cased (`*`: any).
    pub allow_hosts: Vec<String>,
}

impl ControlOptions {
    pub fn from_args(args: &ServeArgs) -> ControlOptions {
        ControlOptions {
            listen: args.control_listen.unwrap_or_default(),
            token: args.control_token.clone(),
            allow_hosts: args
                .allow_hosts
                .iter()
                .map(|h| host_without_port(h.trim()).to_ascii_lowercase())
                .filter(|h| !h.is_empty())
                .collect(),
        }
    }
}

/// A byte count on the command line: `1048576`, `64KiB`, `32MiB`, `1GiB` (also `KB`, `MB`,
/// `GB`, `K`, `M`, `G`, all meaning powers of 1024).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ByteSize(pub usize);

impl std::str::FromStr for ByteSize {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
        let (digits, unit) = s.split_at(split);
        let n: usize = digits
            .parse()
            .map_err(|_| format!("expected a byte count like 33554432 or 32MiB, got `{s}`"))?;
        let shift = match unit.trim().to_ascii_lowercase().as_str() {
            "" | "b" => 0,
            "k" | "kb" | "kib" => 10,
            "m" | "mb" | "mib" => 20,
            "g" | "gb" | "gib" => 30,
            other => return Err(format!("unknown unit `{other}`: use KiB, MiB or GiB")),
        };
        n.checked_mul(1usize << shift)
            .map(ByteSize)
            .ok_or_else(|| format!("`{s}` is too large"))
    }
}

/// A duration on the command line: `10s`, `500ms`, or a number of seconds (`2.5`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Seconds(pub Duration);

impl std::str::FromStr for Seconds {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        let (number, scale) = if let Some(ms) = t.strip_suffix("ms") {
            (ms, 0.001)
        } else if let Some(secs) = t.strip_suffix('s') {
            (secs, 1.0)
        } else {
            (t, 1.0)
        };
        let n: f64 = number
            .trim()
            .parse()
            .map_err(|_| format!("expected a duration like 10s, 500ms or 2.5, got `{s}`"))?;
        Duration::try_from_secs_f64(n * scale)
            .ok()
            .filter(|d| !d.is_zero())
            .map(Seconds)
            .ok_or_else(|| format!("`{s}` must be a positive duration"))
    }
}

/// The health URL of a server listening on `listen`: an unspecified address (0.0.0.0, ::) is
/// reached on the loopback address of its family.
pub fn health_url(listen: SocketAddr) -> String {
    let mut addr = listen;
    if addr.ip().is_unspecified() {
        addr.set_ip(match addr {
            SocketAddr::V4(_) => std::net::Ipv4Addr::LOCALHOST.into(),
            SocketAddr::V6(_) => std::net::Ipv6Addr::LOCALHOST.into(),
        });
    }
    format!("http://{addr}/_mock/health")
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
    /// Bytes the journal keeps at most.
    pub journal_bytes: usize,
    /// Time a request body has to arrive whole.
    pub body_timeout: Duration,
    /// Largest control-plane request body.
    pub control_body_limit: usize,
    /// Who may use the control plane, and where.
    pub control: ControlOptions,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            trust_forwarded_proto: false,
            journal_limit: DEFAULT_JOURNAL_LIMIT,
            journal_bytes: crate::journal::DEFAULT_MAX_BYTES,
            body_timeout: DEFAULT_BODY_TIMEOUT,
            control_body_limit: MAX_CONTROL_BODY_BYTES,
            control: ControlOptions::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_sizes_and_durations_read_as_people_write_them() {
        let b = |s: &str| s.parse::<ByteSize>().map(|b| b.0);
        assert_eq!(b("33554432"), Ok(32 << 20));
        assert_eq!(b("32MiB"), Ok(32 << 20));
        assert_eq!(b("512 KiB"), Ok(512 << 10));
        assert_eq!(b("1g"), Ok(1 << 30));
        assert!(b("12 parsecs").is_err() && b("").is_err() && b("MiB").is_err());
        let d = |s: &str| s.parse::<Seconds>().map(|d| d.0);
        assert_eq!(d("10s"), Ok(Duration::from_secs(10)));
        assert_eq!(d("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(d("2.5"), Ok(Duration::from_millis(2500)));
        assert!(d("0").is_err() && d("-1s").is_err() && d("soon").is_err() && d("1e300").is_err());
    }

    #[test]
    fn allowed_hosts_lose_their_port_and_case() {
        let cli = Cli::parse_from([
            "membermock",
            "--allow-host",
            "Membermock:8080,[::1]:9,x.example.,*",
            "--allow-host",
            "fe80::1",
        ]);
        let control = ControlOptions::from_args(&cli.serve);
        assert_eq!(
            control.allow_hosts,
            ["membermock", "::1", "x.example", "*", "fe80::1"]
        );
    }

    #[test]
    fn the_control_token_is_never_shown_and_compares_whole() {
        let token = ControlToken::new("s3cret-token").unwrap();
        assert_eq!(format!("{token:?}"), "ControlToken(****)");
        assert!(token.matches(b"s3cret-token"));
        assert!(!token.matches(b"s3cret-toke"));
        assert!(!token.matches(b"s3cret-tokenX"));
        assert!(ControlToken::new("").is_err());
        assert!(ControlToken::new("two words").is_err());
    }
}
