//! `--control-listen` and `--control-token` on the real binary: where the control plane
//! answers, a health check that works with a token set, and a token that is never logged.

use std::process::Command;

use crate::binary::{self, http_get, Binary};

fn addr_of(banner: &serde_json::Value, field: &str) -> std::net::SocketAddr {
    let url = banner[field].as_str().unwrap();
    url.split("://")
        .nth(1)
        .unwrap()
        .trim_end_matches("/_mock/")
        .parse()
        .unwrap()
}

#[test]
fn the_control_plane_on_its_own_listener_leaves_only_health_on_the_vendor_ones() {
    let bin = Binary::start(&["--control-listen", "127.0.0.1:0", "--tls-listen", "off"]);
    let control = addr_of(&bin.banner, "control");
    assert_ne!(control, bin.http);
    let (status, body) = http_get(bin.http, "/_mock/state");
    assert_eq!(status, 404, "{body}");
    assert!(body.contains("its own listener"), "{body}");
    assert_eq!(http_get(bin.http, "/_mock/health").0, 200);
    let (status, body) = http_get(control, "/_mock/state");
    assert_eq!(status, 200);
    assert!(body.contains("\"luminate\""));
    let (status, body) = http_get(control, "/Ams/40001/Groups");
    assert_eq!(status, 404, "{body}");
    assert!(body.contains("only the control plane"), "{body}");
}

#[test]
fn with_the_control_plane_off_health_still_answers() {
    let bin = Binary::start(&["--control-listen", "off", "--tls-listen", "off"]);
    assert!(bin.banner["control"].is_null(), "{}", bin.banner);
    for path in ["/_mock/state", "/_mock/reset", "/_mock/requests"] {
        let (status, body) = http_get(bin.http, path);
        assert_eq!(status, 404, "{path}: {body}");
        assert!(body.contains("control plane is off"), "{body}");
    }
    assert_eq!(http_get(bin.http, "/_mock/health").0, 200);
}

#[test]
fn with_a_token_the_healthcheck_passes_and_the_token_is_never_logged() {
    let token = "tok-7d1f0c9e4b";
    let mut cmd = binary::command(&["--tls-listen", "off", "--log", "debug"]);
    cmd.env("MEMBERMOCK_CONTROL_TOKEN", token);
    let bin = Binary::spawn(cmd);
    assert_eq!(bin.banner["control_token"], true);
    assert_eq!(http_get(bin.http, "/_mock/state").0, 401);
    let health = Command::new(env!("CARGO_BIN_EXE_membermock"))
        .args(["healthcheck", &format!("http://{}/_mock/health", bin.http)])
        .env("MEMBERMOCK_CONTROL_TOKEN", token)
        .output()
        .unwrap();
    assert!(health.status.success(), "{health:?}");
    // A request that presents it, then everything the process logged.
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(bin.http).unwrap();
    write!(
        s,
        "GET /_mock/state HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {token}\r\n\
         Connection: close\r\n\r\n"
    )
    .unwrap();
    let mut answer = String::new();
    s.read_to_string(&mut answer).unwrap();
    assert!(
        answer.starts_with("HTTP/1.1 200"),
        "{}",
        &answer[..100.min(answer.len())]
    );
    let help = Command::new(env!("CARGO_BIN_EXE_membermock"))
        .arg("--help")
        .env("MEMBERMOCK_CONTROL_TOKEN", token)
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&help.stdout).contains(token));
    let (_, logged) = bin.terminate();
    let logged = logged.join("\n");
    assert!(!logged.contains(token), "{logged}");
}
