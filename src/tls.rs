//! The HTTPS listener's certificate: the operator's (`--tls-cert`/`--tls-key`) or a self-signed
//! one that the mock makes for the local names, the vendors' host names, `--tls-name` entries and
//! the names this machine answers to.
//!
//! With `--db`, the generated key and certificate are kept beside the database file
//! (`<db>.tls-cert.pem`, `<db>.tls-key.pem`, the key readable by its owner only), so a restart
//! presents the certificate a client already trusts. A kept certificate is replaced when it does
//! not cover a name that was asked for (the fixed names and `--tls-name`); names this machine
//! happens to have (hostname, interface addresses) are added to a new certificate but never force
//! a new one: a recreated container gets a new hostname and address, and replacing the
//! certificate every time would break every client that saved the old one.

use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::client::danger::ServerCertVerifier;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::ServerConfig;

/// Names every generated certificate is valid for: loopback and the vendors' host names (so a
/// client can point its real base URL at the mock through a hosts entry).
pub const SELF_SIGNED_NAMES: &[&str] = &[
    "localhost",
    "127.0.0.1",
    "::1",
    "secure2.convio.net",
    "api.smarteru.com",
    "ws.yourmembership.com",
];

/// A certificate and key ready for rustls, plus the PEM served at `/_mock/tls/cert.pem`.
pub struct TlsMaterial {
    pub config: Arc<ServerConfig>,
    pub cert_pem: String,
    /// Where the certificate came from, for the start-up banner.
    pub source: CertSource,
    /// The names a generated certificate was made for (empty for the operator's).
    pub names: Vec<String>,
}

/// Where the HTTPS listener's certificate came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CertSource {
    /// `--tls-cert`: the operator's file.
    Operator(PathBuf),
    /// Self-signed, made at this start and kept only in memory.
    Generated,
    /// Self-signed, made at this start and saved at this path (beside the database).
    GeneratedAndSaved(PathBuf),
    /// Self-signed, made at an earlier start and read back from this path.
    Kept(PathBuf),
}

impl std::fmt::Display for CertSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CertSource::Operator(p) => write!(f, "from {}", p.display()),
            CertSource::Generated => write!(f, "self-signed, new at every start without --db"),
            CertSource::GeneratedAndSaved(p) => {
                write!(f, "self-signed, made now and kept in {}", p.display())
            }
            CertSource::Kept(p) => write!(
                f,
                "self-signed, kept from an earlier start in {}",
                p.display()
            ),
        }
    }
}

/// The names a generated certificate is made for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CertNames {
    /// [`SELF_SIGNED_NAMES`] and `--tls-name` entries: a kept certificate must cover all of them.
    pub required: Vec<String>,
    /// What this machine answers to (hostname, interface addresses, a container's gateway):
    /// put into a new certificate, but not a reason to replace a kept one.
    pub detected: Vec<String>,
}

impl CertNames {
    /// The fixed names, `extra` (from `--tls-name`) and, when `detect` is set, this machine's.
    pub fn new(extra: &[String], detect: bool) -> Result<CertNames, crate::Error> {
        let mut names = CertNames::default();
        for name in SELF_SIGNED_NAMES.iter().map(|s| s.to_string()) {
            push_unique(&mut names.required, name);
        }
        for name in extra {
            let name = name.trim();
            if name.is_empty() {
                continue;
            }
            check_name(name)?;
            push_unique(&mut names.required, name.to_string());
        }
        if detect {
            for name in detected_names() {
                if !names.required.contains(&name) {
                    push_unique(&mut names.detected, name);
                }
            }
        }
        Ok(names)
    }

    /// Every name, required first.
    pub fn all(&self) -> Vec<String> {
        self.required
            .iter()
            .chain(&self.detected)
            .cloned()
            .collect()
    }
}

fn push_unique(list: &mut Vec<String>, name: String) {
    if !list.contains(&name) {
        list.push(name);
    }
}

/// A `--tls-name` must be an IP address or a DNS name (a leading `*.` wildcard allowed).
fn check_name(name: &str) -> Result<(), crate::Error> {
    if name.parse::<IpAddr>().is_ok() {
        return Ok(());
    }
    let host = name.strip_prefix("*.").unwrap_or(name);
    let valid = !host.is_empty()
        && host.len() <= 253
        && host.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        });
    if valid {
        Ok(())
    } else {
        Err(crate::Error::Tls(format!(
            "--tls-name `{name}` is neither an IP address nor a DNS name"
        )))
    }
}

/// What this machine answers to: its hostname, the addresses of its interfaces (not loopback,
/// not IPv6 link-local, which need a zone and no client uses in a URL), and — inside a
/// container — the default gateway, which is the address a client in a neighbouring container
/// (Testcontainers run inside a CI container, for one) uses to reach a published port.
pub fn detected_names() -> Vec<String> {
    let mut names = Vec::new();
    if let Some(host) = hostname() {
        if check_name(&host).is_ok() {
            names.push(host);
        }
    }
    if let Ok(interfaces) = if_addrs::get_if_addrs() {
        for interface in interfaces {
            let ip = interface.ip();
            let link_local_v6 =
                matches!(ip, IpAddr::V6(v6) if (v6.segments()[0] & 0xffc0) == 0xfe80);
            if !ip.is_loopback() && !ip.is_unspecified() && !link_local_v6 {
                push_unique(&mut names, ip.to_string());
            }
        }
    }
    if in_container() {
        for gateway in default_gateways() {
            push_unique(&mut names, gateway.to_string());
        }
    }
    names
}

/// The machine's host name: the kernel's on Linux, else the usual environment variables.
fn hostname() -> Option<String> {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .or_else(|| std::env::var("COMPUTERNAME").ok())
        .map(|h| h.trim().to_ascii_lowercase())
        .filter(|h| !h.is_empty() && h != "localhost")
}

fn in_container() -> bool {
    Path::new("/.dockerenv").exists() || Path::new("/run/.containerenv").exists()
}

/// IPv4 default gateways from `/proc/net/route` (Linux; nothing elsewhere).
fn default_gateways() -> Vec<IpAddr> {
    let Ok(table) = std::fs::read_to_string("/proc/net/route") else {
        return Vec::new();
    };
    table
        .lines()
        .skip(1)
        .filter_map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            // Iface Destination Gateway Flags ...: a default route has destination 0.
            if fields.len() < 3 || fields[1] != "00000000" {
                return None;
            }
            let raw = u32::from_str_radix(fields[2], 16).ok()?;
            // The kernel prints the address in host byte order of a little-endian u32.
            let ip = std::net::Ipv4Addr::from(raw.swap_bytes());
            (!ip.is_unspecified()).then_some(IpAddr::V4(ip))
        })
        .collect()
}

fn tls_error(context: impl std::fmt::Display, e: impl std::fmt::Display) -> crate::Error {
    crate::Error::Tls(format!("{context}: {e}"))
}

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

fn server_config(
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
) -> Result<Arc<ServerConfig>, crate::Error> {
    let mut config = ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| crate::Error::Tls(e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|e| crate::Error::Tls(e.to_string()))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// Make a self-signed certificate for [`SELF_SIGNED_NAMES`] only (what tests use).
pub fn self_signed() -> Result<TlsMaterial, crate::Error> {
    let names: Vec<String> = SELF_SIGNED_NAMES.iter().map(|s| s.to_string()).collect();
    let (cert_pem, key_pem) = generate_pem(&names)?;
    material(&cert_pem, &key_pem, CertSource::Generated, names)
}

/// A new key pair and a self-signed certificate for `names`, both as PEM.
fn generate_pem(names: &[String]) -> Result<(String, String), crate::Error> {
    let mut params = rcgen::CertificateParams::new(names.to_vec())
        .map_err(|e| tls_error("certificate names", e))?;
    params.distinguished_name = rcgen::DistinguishedName::new();
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "membermock self-signed");
    let key = rcgen::KeyPair::generate().map_err(|e| tls_error("key", e))?;
    let cert = params
        .self_signed(&key)
        .map_err(|e| tls_error("certificate", e))?;
    Ok((cert.pem(), key.serialize_pem()))
}

/// The files a generated certificate and its key are kept in, beside the database file.
pub fn kept_paths(db: &Path) -> (PathBuf, PathBuf) {
    let mut cert = db.as_os_str().to_owned();
    cert.push(".tls-cert.pem");
    let mut key = db.as_os_str().to_owned();
    key.push(".tls-key.pem");
    (PathBuf::from(cert), PathBuf::from(key))
}

/// A self-signed certificate for `names`. With `keep_beside` (the database file), reuse the one
/// kept there when it covers every required name, else make one and keep it there.
pub fn generated(
    names: &CertNames,
    keep_beside: Option<&Path>,
) -> Result<TlsMaterial, crate::Error> {
    let all = names.all();
    let Some(db) = keep_beside else {
        let (cert_pem, key_pem) = generate_pem(&all)?;
        return material(&cert_pem, &key_pem, CertSource::Generated, all);
    };
    let (cert_path, key_path) = kept_paths(db);
    if cert_path.exists() || key_path.exists() {
        match read_kept(&cert_path, &key_path, names) {
            Ok(kept) => return Ok(kept),
            Err(why) => tracing::info!(
                certificate = %cert_path.display(),
                reason = %why,
                "making a new self-signed certificate"
            ),
        }
    }
    let (cert_pem, key_pem) = generate_pem(&all)?;
    write_private(&key_path, key_pem.as_bytes())?;
    write_file(&cert_path, cert_pem.as_bytes())?;
    material(
        &cert_pem,
        &key_pem,
        CertSource::GeneratedAndSaved(cert_path),
        all,
    )
}

/// A kept certificate and key, if both read, match, and cover every required name.
fn read_kept(cert_path: &Path, key_path: &Path, names: &CertNames) -> Result<TlsMaterial, String> {
    let cert_pem = std::fs::read_to_string(cert_path)
        .map_err(|e| format!("cannot read {}: {e}", cert_path.display()))?;
    let key_pem = std::fs::read_to_string(key_path)
        .map_err(|e| format!("cannot read {}: {e}", key_path.display()))?;
    let kept = material(
        &cert_pem,
        &key_pem,
        CertSource::Kept(cert_path.into()),
        Vec::new(),
    )
    .map_err(|e| e.to_string())?;
    let der = first_cert(cert_pem.as_bytes()).map_err(|e| e.to_string())?;
    let missing: Vec<&String> = names
        .required
        .iter()
        .filter(|name| !covers(&der, name))
        .collect();
    if !missing.is_empty() {
        let missing: Vec<&str> = missing.iter().map(|s| s.as_str()).collect();
        return Err(format!(
            "the kept one is not valid for {}",
            missing.join(", ")
        ));
    }
    let uncovered: Vec<&str> = names
        .detected
        .iter()
        .filter(|name| !covers(&der, name))
        .map(String::as_str)
        .collect();
    if !uncovered.is_empty() {
        tracing::info!(
            certificate = %cert_path.display(),
            not_covered = %uncovered.join(", "),
            "kept the certificate of an earlier start; it does not name this machine's current \
             host name or addresses (add them with --tls-name, or delete the file to make a new one)"
        );
    }
    let covered: Vec<String> = names
        .all()
        .into_iter()
        .filter(|name| covers(&der, name))
        .collect();
    Ok(TlsMaterial {
        names: covered,
        ..kept
    })
}

/// Whether a client that trusts `cert` accepts it for `name`: the check every TLS client makes.
pub fn covers(cert: &CertificateDer<'static>, name: &str) -> bool {
    // A wildcard covers one label: test it with a concrete name under it.
    let probe = match name.strip_prefix("*.") {
        Some(rest) => format!("membermock-probe.{rest}"),
        None => name.to_string(),
    };
    let Ok(server_name) = ServerName::try_from(probe) else {
        return false;
    };
    let mut roots = rustls::RootCertStore::empty();
    if roots.add(cert.clone()).is_err() {
        return false;
    }
    let Ok(verifier) =
        rustls::client::WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider())
            .build()
    else {
        return false;
    };
    verifier
        .verify_server_cert(cert, &[], &server_name, &[], UnixTime::now())
        .is_ok()
}

fn first_cert(pem: &[u8]) -> Result<CertificateDer<'static>, crate::Error> {
    rustls_pemfile::certs(&mut &pem[..])
        .next()
        .ok_or_else(|| crate::Error::Tls("no certificate found".into()))?
        .map_err(|e| crate::Error::Tls(e.to_string()))
}

fn material(
    cert_pem: &str,
    key_pem: &str,
    source: CertSource,
    names: Vec<String>,
) -> Result<TlsMaterial, crate::Error> {
    let chain: Vec<CertificateDer<'static>> = rustls_pemfile::certs(&mut cert_pem.as_bytes())
        .collect::<Result<_, _>>()
        .map_err(|e| crate::Error::Tls(e.to_string()))?;
    if chain.is_empty() {
        return Err(crate::Error::Tls("no certificate found".into()));
    }
    let key = rustls_pemfile::private_key(&mut key_pem.as_bytes())
        .map_err(|e| crate::Error::Tls(e.to_string()))?
        .ok_or_else(|| crate::Error::Tls("no private key found".into()))?;
    Ok(TlsMaterial {
        config: server_config(chain, key)?,
        cert_pem: cert_pem.to_string(),
        source,
        names,
    })
}

/// Write via a temporary file and a rename, so a crash never leaves half a file.
fn write_file(path: &Path, bytes: &[u8]) -> Result<(), crate::Error> {
    write_with_mode(path, bytes, 0o644)
}

/// As [`write_file`], readable and writable by the owner only.
fn write_private(path: &Path, bytes: &[u8]) -> Result<(), crate::Error> {
    write_with_mode(path, bytes, 0o600)
}

fn write_with_mode(path: &Path, bytes: &[u8], mode: u32) -> Result<(), crate::Error> {
    use std::io::Write;
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    let fail = |e: std::io::Error| tls_error(format!("cannot write {}", path.display()), e);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(mode);
    }
    #[cfg(not(unix))]
    let _ = mode;
    let mut file = options.open(&tmp).map_err(fail)?;
    #[cfg(unix)]
    {
        // `mode` applies only to a new file: a stale temporary one keeps its own.
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(std::fs::Permissions::from_mode(mode))
            .map_err(fail)?;
    }
    file.write_all(bytes).map_err(fail)?;
    file.sync_all().map_err(fail)?;
    std::fs::rename(&tmp, path).map_err(fail)
}

/// Load a PEM certificate chain and private key.
pub fn from_files(cert: &Path, key: &Path) -> Result<TlsMaterial, crate::Error> {
    let read = |p: &Path| {
        std::fs::read(p).map_err(|e| crate::Error::Tls(format!("cannot read {}: {e}", p.display())))
    };
    let cert_bytes = read(cert)?;
    let key_bytes = read(key)?;
    let chain: Vec<CertificateDer<'static>> = rustls_pemfile::certs(&mut cert_bytes.as_slice())
        .collect::<Result<_, _>>()
        .map_err(|e| crate::Error::Tls(format!("{}: {e}", cert.display())))?;
    if chain.is_empty() {
        return Err(crate::Error::Tls(format!(
            "{}: no certificate found",
            cert.display()
        )));
    }
    let key_der = rustls_pemfile::private_key(&mut key_bytes.as_slice())
        .map_err(|e| crate::Error::Tls(format!("{}: {e}", key.display())))?
        .ok_or_else(|| crate::Error::Tls(format!("{}: no private key found", key.display())))?;
    let config = server_config(chain, key_der)?;
    Ok(TlsMaterial {
        config,
        cert_pem: String::from_utf8_lossy(&cert_bytes).into_owned(),
        source: CertSource::Operator(cert.to_path_buf()),
        names: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(extra: &[&str]) -> CertNames {
        let extra: Vec<String> = extra.iter().map(|s| s.to_string()).collect();
        CertNames::new(&extra, false).unwrap()
    }

    fn der(material: &TlsMaterial) -> CertificateDer<'static> {
        first_cert(material.cert_pem.as_bytes()).unwrap()
    }

    #[test]
    fn a_generated_certificate_covers_the_fixed_names_and_the_tls_names() {
        let m = generated(&names(&["membermock", "10.1.2.3", "*.svc.test"]), None).unwrap();
        let cert = der(&m);
        for name in SELF_SIGNED_NAMES
            .iter()
            .chain(&["membermock", "10.1.2.3", "a.svc.test"])
        {
            assert!(covers(&cert, name), "not valid for {name}");
        }
        assert!(!covers(&cert, "example.com"));
        assert!(!covers(&cert, "10.1.2.4"));
        assert_eq!(m.source, CertSource::Generated);
    }

    #[test]
    fn tls_names_that_are_neither_hosts_nor_addresses_are_refused() {
        for bad in ["has space", "-lead.example", "a..b", "ü.example"] {
            let err = CertNames::new(&[bad.to_string()], false).unwrap_err();
            assert!(err.to_string().contains(bad), "{err}");
        }
    }

    #[test]
    fn the_default_names_include_this_machines_host_name_and_addresses() {
        let with = CertNames::new(&[], true).unwrap();
        if let Some(host) = hostname() {
            assert!(with.all().contains(&host), "{with:?} lacks {host}");
        }
        let addresses: Vec<IpAddr> = if_addrs::get_if_addrs()
            .unwrap()
            .into_iter()
            .map(|i| i.ip())
            .filter(|ip| {
                !ip.is_loopback()
                    && !matches!(ip, IpAddr::V6(v6) if (v6.segments()[0] & 0xffc0) == 0xfe80)
            })
            .collect();
        for ip in addresses {
            assert!(
                with.detected.contains(&ip.to_string()),
                "{with:?} lacks {ip}"
            );
        }
    }

    #[test]
    fn with_a_database_the_certificate_is_kept_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("mm.db");
        let first = generated(&names(&["svc"]), Some(&db)).unwrap();
        let (cert_path, key_path) = kept_paths(&db);
        assert_eq!(
            first.source,
            CertSource::GeneratedAndSaved(cert_path.clone())
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&key_path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600, "key file mode {mode:o}");
        }
        let second = generated(&names(&["svc"]), Some(&db)).unwrap();
        assert_eq!(second.cert_pem, first.cert_pem);
        assert_eq!(second.source, CertSource::Kept(cert_path.clone()));

        // Fewer names: the kept certificate still covers them.
        let third = generated(&names(&[]), Some(&db)).unwrap();
        assert_eq!(third.cert_pem, first.cert_pem);

        // A name it does not cover: a new certificate, kept in its place.
        let fourth = generated(&names(&["other"]), Some(&db)).unwrap();
        assert_ne!(fourth.cert_pem, first.cert_pem);
        assert!(covers(&der(&fourth), "other"));
        assert_eq!(
            std::fs::read_to_string(&cert_path).unwrap(),
            fourth.cert_pem
        );
    }

    #[test]
    fn a_broken_kept_pair_is_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("mm.db");
        let first = generated(&names(&[]), Some(&db)).unwrap();
        let (_, key_path) = kept_paths(&db);
        let other = rcgen::KeyPair::generate().unwrap().serialize_pem();
        std::fs::write(&key_path, other).unwrap();
        let second = generated(&names(&[]), Some(&db)).unwrap();
        assert_ne!(second.cert_pem, first.cert_pem);
        assert!(matches!(second.source, CertSource::GeneratedAndSaved(_)));
    }
}
