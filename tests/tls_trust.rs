//! HTTPS that other processes and containers trust: the self-signed certificate names what it is
//! asked to (`--tls-name`) and what this machine answers to, stays the same across restarts with
//! `--db`, and the documented trust recipes (Python `requests`, Node's `NODE_EXTRA_CA_CERTS`,
//! curl) reach SmarterU with the served PEM over a name that is not `localhost`.
//!
//! The recipes run real tools. A missing tool fails its test with the command that installs it,
//! unless the run opts out explicitly: `MEMBERMOCK_TEST_SKIP=python,node,curl`.

#[path = "support/binary.rs"]
mod binary;
mod common;

use std::net::{IpAddr, SocketAddr, ToSocketAddrs};
use std::path::Path;
use std::process::Command;

use binary::{http_get, skipped, Binary};
use common::net;
use membermock::tls::{covers, SELF_SIGNED_NAMES};
use rustls::pki_types::CertificateDer;

/// A name for the mock that is not `localhost` and that no resolver knows: each client maps it
/// to 127.0.0.1 in its own process, so the test needs no hosts entry and sends nothing off the
/// machine, while the TLS check runs against this name exactly as it would for a Compose
/// service name.
const SERVICE_NAME: &str = "membermock.test";

fn served_pem(bin: &Binary) -> String {
    let (status, pem) = http_get(bin.http, "/_mock/tls/cert.pem");
    assert_eq!(status, 200, "{pem}");
    pem
}

fn der(pem: &str) -> CertificateDer<'static> {
    rustls_pemfile::certs(&mut pem.as_bytes())
        .next()
        .expect("a certificate")
        .unwrap()
}

fn this_machines_addresses() -> Vec<IpAddr> {
    if_addrs::get_if_addrs()
        .unwrap()
        .into_iter()
        .map(|i| i.ip())
        .filter(|ip| match ip {
            IpAddr::V4(v4) => !v4.is_loopback(),
            IpAddr::V6(v6) => !v6.is_loopback() && (v6.segments()[0] & 0xffc0) != 0xfe80,
        })
        .collect()
}

fn kernel_hostname() -> Option<String> {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|h| h.trim().to_ascii_lowercase())
        .filter(|h| !h.is_empty() && h != "localhost")
}

/// This machine's host name, when the resolver maps it to loopback addresses only (a hosts
/// entry, as on most Linux machines and CI runners): then a client can use it with no stand-in
/// resolution and without leaving the machine.
fn hostname_on_loopback() -> Option<String> {
    let host = kernel_hostname()?;
    let addrs: Vec<SocketAddr> = (host.as_str(), 443).to_socket_addrs().ok()?.collect();
    (!addrs.is_empty() && addrs.iter().all(|a| a.ip().is_loopback())).then_some(host)
}

#[tokio::test]
async fn the_certificate_names_every_tls_name_and_this_machines_names() {
    let bin = Binary::start(&["--tls-name", "svc.test", "--tls-name", "10.9.8.7"]);
    let pem = served_pem(&bin);
    let cert = der(&pem);
    let mut expected: Vec<String> = SELF_SIGNED_NAMES.iter().map(|s| s.to_string()).collect();
    expected.extend(["svc.test".to_string(), "10.9.8.7".to_string()]);
    expected.extend(kernel_hostname());
    expected.extend(this_machines_addresses().iter().map(|ip| ip.to_string()));
    for name in &expected {
        assert!(
            covers(&cert, name),
            "the certificate is not valid for {name}"
        );
    }
    assert!(!covers(&cert, "not-asked-for.test"));

    // The banner lists them, as plain text.
    let listed = bin.banner["tls_names"].as_str().unwrap().to_string();
    for name in &expected {
        assert!(
            listed.split(',').any(|n| n == name),
            "{name} not in {listed}"
        );
    }

    // A TLS client that trusts the served PEM accepts the listener under an added name.
    let https = bin.https.unwrap();
    net::tls_connect(https, &pem, "svc.test")
        .await
        .expect("valid for svc.test");
    assert!(net::tls_connect(https, &pem, "not-asked-for.test")
        .await
        .is_err());
}

#[tokio::test]
async fn tls_names_also_come_comma_separated_from_the_environment() {
    let mut cmd = binary::command(&[]);
    cmd.env("MEMBERMOCK_TLS_NAME", "one.test,10.1.1.1");
    let bin = Binary::spawn(cmd);
    let cert = der(&served_pem(&bin));
    assert!(covers(&cert, "one.test"));
    assert!(covers(&cert, "10.1.1.1"));
}

#[test]
fn a_tls_name_that_is_no_host_name_stops_the_start_with_a_clear_error() {
    let out = binary::command(&["--tls-name", "not a name"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("--tls-name `not a name` is neither an IP address nor a DNS name"),
        "{stderr}"
    );
}

#[tokio::test]
async fn a_restart_with_a_database_presents_the_same_certificate() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("state.db");
    let db_arg = db.to_str().unwrap();

    let first = Binary::start(&["--db", db_arg, "--tls-name", "svc.test"]);
    let pem = served_pem(&first);
    assert!(
        first.banner["tls_certificate"]
            .as_str()
            .unwrap()
            .contains("made now and kept in"),
        "{}",
        first.banner
    );
    let (status, _) = first.terminate();
    assert!(status.success());

    let cert_file = Path::new(&format!("{db_arg}.tls-cert.pem")).to_path_buf();
    let key_file = Path::new(&format!("{db_arg}.tls-key.pem")).to_path_buf();
    assert_eq!(std::fs::read_to_string(&cert_file).unwrap(), pem);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key_file).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "the key file is readable by others: {mode:o}");
    }

    let second = Binary::start(&["--db", db_arg, "--tls-name", "svc.test"]);
    assert_eq!(
        served_pem(&second),
        pem,
        "a new certificate after a restart"
    );
    assert!(second.banner["tls_certificate"]
        .as_str()
        .unwrap()
        .contains("kept from an earlier start"));
    // A client that saved the PEM before the restart still connects.
    net::tls_connect(second.https.unwrap(), &pem, "svc.test")
        .await
        .expect("the saved PEM is still trusted");
    drop(second);

    // Asking for a name the kept certificate lacks makes a new one.
    let third = Binary::start(&["--db", db_arg, "--tls-name", "other.test"]);
    let renewed = served_pem(&third);
    assert_ne!(renewed, pem);
    assert!(covers(&der(&renewed), "other.test"));
}

// ------------------------------------------------------------------ the trust recipes

/// Whether `program args` runs and exits 0.
fn runs(program: &str, args: &[&str]) -> bool {
    Command::new(program)
        .args(args)
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}

/// Fail with how to install `tool`, unless the run skips it explicitly (then `false`).
fn require(tool: &str, present: bool, install: &str) -> bool {
    if present {
        return true;
    }
    if skipped(tool) {
        return false;
    }
    panic!(
        "{tool} is not installed, so this trust recipe cannot run: {install} \
         (or skip it explicitly with MEMBERMOCK_TEST_SKIP={tool})"
    );
}

fn recipe_dir() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/trust"))
}

/// Run a recipe; assert that it reached SmarterU and got a Success envelope.
fn assert_recipe_succeeds(what: &str, cmd: &mut Command) {
    let out = cmd.output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && stdout.contains("<Result>Success</Result>"),
        "{what} failed ({:?})\nstdout:\n{stdout}\nstderr:\n{stderr}",
        out.status
    );
}

/// A mock whose certificate also names [`SERVICE_NAME`], and its served PEM saved to a file.
fn mock_with_service_name(dir: &Path) -> (Binary, std::path::PathBuf) {
    let bin = Binary::start(&["--tls-name", SERVICE_NAME]);
    let pem_path = dir.join("membermock.pem");
    std::fs::write(&pem_path, served_pem(&bin)).unwrap();
    (bin, pem_path)
}

#[test]
fn python_requests_trusts_the_served_certificate_over_a_service_name() {
    let present = runs("python3", &["-c", "import requests"]);
    if !require(
        "python",
        present,
        "install python3 and `python3 -m pip install requests`",
    ) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (bin, pem) = mock_with_service_name(dir.path());
    let port = bin.https.unwrap().port();
    let script = recipe_dir().join("requests_client.py");

    assert_recipe_succeeds(
        "requests via the --tls-name",
        Command::new("python3")
            .arg(&script)
            .arg(format!("https://{SERVICE_NAME}:{port}"))
            .arg(&pem)
            .arg("127.0.0.1"),
    );
    if let Some(host) = hostname_on_loopback() {
        assert_recipe_succeeds(
            "requests via this machine's host name",
            Command::new("python3")
                .arg(&script)
                .arg(format!("https://{host}:{port}"))
                .arg(&pem),
        );
    }
    // Without the PEM, requests refuses the self-signed certificate: the test is not vacuous.
    let out = Command::new("python3")
        .arg("-c")
        .arg(format!(
            "import requests; requests.get('https://127.0.0.1:{port}/_mock/health', timeout=10)"
        ))
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("CERTIFICATE_VERIFY_FAILED"));
}

#[test]
fn node_trusts_the_served_certificate_through_node_extra_ca_certs() {
    let present = runs("node", &["--version"]);
    if !require(
        "node",
        present,
        "install Node.js (Debian/Ubuntu: apt-get install nodejs)",
    ) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (bin, pem) = mock_with_service_name(dir.path());
    let port = bin.https.unwrap().port();
    let script = recipe_dir().join("node_client.js");

    assert_recipe_succeeds(
        "node via the --tls-name",
        Command::new("node")
            .env("NODE_EXTRA_CA_CERTS", &pem)
            .arg(&script)
            .arg(format!("https://{SERVICE_NAME}:{port}"))
            .arg("127.0.0.1"),
    );
    if let Some(host) = hostname_on_loopback() {
        assert_recipe_succeeds(
            "node via this machine's host name",
            Command::new("node")
                .env("NODE_EXTRA_CA_CERTS", &pem)
                .arg(&script)
                .arg(format!("https://{host}:{port}")),
        );
    }
    // Without NODE_EXTRA_CA_CERTS node refuses the certificate.
    let out = Command::new("node")
        .env_remove("NODE_EXTRA_CA_CERTS")
        .arg(&script)
        .arg(format!("https://{SERVICE_NAME}:{port}"))
        .arg("127.0.0.1")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("SELF_SIGNED_CERT"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn curl_trusts_the_served_certificate_with_cacert() {
    let present = runs("curl", &["--version"]);
    if !require("curl", present, "install curl") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (bin, pem) = mock_with_service_name(dir.path());
    let port = bin.https.unwrap().port();
    let package = "Package=<SmarterU><AccountAPI>demo-account-key</AccountAPI><UserAPI>admin-user-key</UserAPI><Method>getUserGroups</Method><Parameters><User><ID>106</ID></User></Parameters></SmarterU>";
    assert_recipe_succeeds(
        "curl --cacert",
        Command::new("curl")
            .args(["-sS", "--cacert"])
            .arg(&pem)
            .arg("--resolve")
            .arg(format!("{SERVICE_NAME}:{port}:127.0.0.1"))
            .arg(format!("https://{SERVICE_NAME}:{port}/apiv2/"))
            .args(["--data-urlencode", package]),
    );
}
