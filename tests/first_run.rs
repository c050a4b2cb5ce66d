//! A newcomer's first run and first error, on the real binary: the start-up banner (pretty and
//! JSON), colour only on a terminal, one report per fatal error with a hint that says what to do,
//! and a healthcheck that follows `MEMBERMOCK_LISTEN` as the container image sets it.

#[path = "support/binary.rs"]
mod binary;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use binary::{command, http_get, Binary};

#[test]
fn the_json_banner_gives_listeners_certificate_state_and_tenants_as_plain_fields() {
    let bin = Binary::start(&[]);
    let b = &bin.banner;
    let line = b.to_string();
    assert!(
        !line.contains("Some("),
        "debug strings in the banner: {line}"
    );
    assert_eq!(b["http"], format!("http://{}", bin.http));
    assert_eq!(b["https"], format!("https://{}", bin.https.unwrap()));
    let cert_url = b["tls_cert_url"].as_str().unwrap();
    assert_eq!(cert_url, format!("http://{}/_mock/tls/cert.pem", bin.http));
    let (status, pem) = http_get(bin.http, "/_mock/tls/cert.pem");
    assert_eq!(status, 200);
    assert!(pem.starts_with("-----BEGIN CERTIFICATE-----"));
    assert_eq!(
        b["tls_certificate"],
        "self-signed, new at every start without --db"
    );
    assert!(b["tls_names"]
        .as_str()
        .unwrap()
        .starts_with("localhost,127.0.0.1,::1,"));
    assert!(b["state"]
        .as_str()
        .unwrap()
        .starts_with("in memory, seeded from builtin:seed/"));
    assert_eq!(
        b["seed_sources"],
        "builtin:seed/luminate.json,builtin:seed/smarteru.json,builtin:seed/yourmembership.json"
    );
    assert_eq!(b["luminate_sites"], 2);
    assert_eq!(b["smarteru_accounts"], 2);
    assert_eq!(b["yourmembership_clients"], 2);
    assert_eq!(b["demo_credentials"], "README.md#demo-credentials");
    assert!(b.get("db").is_none(), "no database, no field: {line}");
    assert!(b["startup_ms"].as_f64().unwrap() > 0.0);
}

#[test]
fn with_https_off_the_banner_has_no_certificate_fields() {
    let bin = Binary::start(&["--tls-listen", "off"]);
    for field in ["https", "tls_cert_url", "tls_certificate", "tls_names"] {
        assert!(bin.banner.get(field).is_none(), "{field}: {}", bin.banner);
    }
}

/// Start with pretty logs on a pipe (not a terminal); the banner's lines as printed.
fn pretty_banner() -> String {
    let mut child = command(&["--log-format", "pretty"])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut text = Vec::new();
    while Instant::now() < deadline {
        let line = match rx.recv_timeout(Duration::from_secs(1)) {
            Ok(line) => line,
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => continue,
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => break,
        };
        let last = line.contains("demo seed");
        text.push(line);
        if last {
            break;
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    text.join("\n")
}

#[test]
fn the_pretty_banner_is_plain_text_that_names_what_a_newcomer_needs() {
    let text = pretty_banner();
    assert!(!text.contains('\u{1b}'), "colour codes on a pipe:\n{text}");
    for needle in [
        "membermock 0.1.0 ready in",
        "http         http://127.0.0.1:",
        "https        https://127.0.0.1:",
        "/_mock/tls/cert.pem (self-signed, new at every start without --db)",
        "valid for    localhost, 127.0.0.1, ::1, secure2.convio.net",
        "state        in memory, seeded from builtin:seed/luminate.json",
        "tenants      Luminate 2 sites, SmarterU 2 accounts, YourMembership 2 clients",
        "demo seed    credentials in README.md#demo-credentials",
    ] {
        assert!(text.contains(needle), "`{needle}` missing from:\n{text}");
    }
}

/// Run to a start-up failure; (exit code, stderr).
fn fails(args: &[&str]) -> (i32, String) {
    let out = command(args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_port_in_use_is_reported_once_with_the_flag_that_moves_it() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let (code, stderr) = fails(&["--listen", &addr, "--log-format", "pretty"]);
    assert_eq!(code, 1);
    assert_eq!(
        stderr.matches("cannot listen on").count(),
        1,
        "reported more than once:\n{stderr}"
    );
    assert!(stderr.contains(&format!("membermock failed: cannot listen on {addr}")));
    assert!(
        stderr.contains("hint: another process listens on"),
        "{stderr}"
    );
    assert!(stderr.contains("--listen / --tls-listen"), "{stderr}");

    // JSON: one event, the error and the hint as fields; shown even with logging turned off.
    let (code, stderr) = fails(&["--listen", &addr, "--log", "off"]);
    assert_eq!(code, 1);
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "{stderr}");
    let event: serde_json::Value = serde_json::from_str(lines[0]).unwrap();
    assert_eq!(event["level"], "ERROR");
    assert_eq!(event["message"], "membermock failed");
    assert!(event["error"]
        .as_str()
        .unwrap()
        .starts_with("cannot listen on"));
    assert!(event["hint"].as_str().unwrap().contains("--listen"));
}

#[cfg(unix)]
#[test]
fn a_database_it_cannot_create_names_the_uid_that_needs_write_access() {
    use std::os::unix::fs::MetadataExt;
    let uid = std::fs::metadata("/proc/self").unwrap().uid();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("no-such-folder").join("state.db");
    let (code, stderr) = fails(&["--db", db.to_str().unwrap(), "--log-format", "pretty"]);
    assert_eq!(code, 1);
    assert!(stderr.contains("unable to open database file"), "{stderr}");
    assert!(
        stderr.contains(&format!("hint: UID {uid} (GID ")),
        "the hint does not name UID {uid}:\n{stderr}"
    );
    assert!(stderr.contains("needs write access to"), "{stderr}");
    assert_eq!(stderr.matches("unable to open database file").count(), 1);
}

#[test]
fn the_healthcheck_probes_the_listener_that_membermock_listen_names() {
    let bin = Binary::start(&["--tls-listen", "off"]);
    let healthcheck = |listen: String| {
        Command::new(env!("CARGO_BIN_EXE_membermock"))
            .arg("healthcheck")
            .env("MEMBERMOCK_LISTEN", listen)
            .output()
            .unwrap()
    };
    // 0.0.0.0 is what the image listens on; the probe goes to loopback.
    let ok = healthcheck(format!("0.0.0.0:{}", bin.http.port()));
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let ok = healthcheck(bin.http.to_string());
    assert!(ok.status.success());

    let nothing = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let free = nothing.local_addr().unwrap();
    drop(nothing);
    let down = healthcheck(free.to_string());
    assert!(!down.status.success());
    assert!(String::from_utf8_lossy(&down.stderr).contains(&free.to_string()));
}
