//! The foundation: control plane, seed format, listeners, shutdown, persistence.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use clap::Parser;
use common::net;
use common::{demo, get, post_json, send};
use membermock::config::{Cli, TlsListen};
use membermock::seed::Seed;
use membermock::store::{Opened, Store};
use membermock::AppState;
use serde_json::{json, Value};

fn post_raw(uri: &str, body: &str) -> Request<Body> {
    Request::post(uri)
        .header("content-type", "application/json")
        .body(Body::from(body.to_string()))
        .unwrap()
}

async fn state_doc(app: &axum::Router) -> Value {
    let r = send(app, get("/_mock/state")).await;
    assert_eq!(r.status, StatusCode::OK);
    r.json()
}

// ------------------------------------------------------------------ seed format and schema

#[test]
fn every_demo_seed_file_validates_against_the_seed_schema() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("seed");
    let mut n = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|x| x == "json") {
            let doc: Value =
                serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
            common::assert_json_schema("seed.schema.json", &doc);
            n += 1;
        }
    }
    assert!(n >= 3, "expected the three vendor seed files, found {n}");
}

#[test]
fn the_seed_schema_rejects_what_the_loader_rejects() {
    let bad = [
        json!({"luminate": {"sites": [{"org": "x", "api_key": "k", "grups": []}]}}),
        json!({"luminate": {"sites": [{"org": "x"}]}}),
        json!({"luminate": {"sites": [{"org": "x y", "api_key": "k"}]}}),
        json!({"luminate": {"sites": [{"org": "x", "api_key": "k", "other_cons_lookup": "maybe"}]}}),
        json!({"luminate": {"sites": [{"org": "x", "api_key": "k", "groups": [{"id": "1001", "label": "A"}]}]}}),
        json!({"smarteru": {"accounts": [{"account_api_key": "k", "supervisor_access": "all"}]}}),
        json!({"smarteru": {"accounts": [{"account_api_key": "k", "users": [
            {"id": "1", "given_name": "A", "surname": "B"}]}]}}),
        json!({"smarteru": {"accounts": [{"account_api_key": "k", "groups": [{"name": "G", "group_id": "1"}],
            "users": [{"id": "1", "email": "a@b", "given_name": "A", "surname": "B",
                       "groups": [{"name": "G", "permissions": ["MANAGE_EVERYTHING"]}]}]}]}}),
        json!({"yourmembership": {"clients": [{"client_id": 0, "api_key": "k", "api_password": "p"}]}}),
        json!({"yourmembership": {"clients": [{"client_id": 1, "api_key": "k", "api_password": "p",
            "members": [{"member_id": 1, "username": "u", "password": "p", "status": "Banned"}]}]}}),
        json!({"yourmembership": {"clients": [{"client_id": 1, "api_key": "", "api_password": "p"}]}}),
        json!({"zoho": {}}),
    ];
    for doc in bad {
        let loader = membermock::seed::SeedDoc::parse(doc.to_string().as_bytes());
        assert!(loader.is_err(), "the loader accepted {doc}");
        assert!(
            !common::json_schema_accepts("seed.schema.json", &doc),
            "the schema accepted {doc}"
        );
    }
}

#[tokio::test]
async fn the_state_document_validates_against_the_seed_schema() {
    let (app, _) = demo().await;
    common::assert_json_schema("seed.schema.json", &state_doc(&app).await);
}

// ------------------------------------------------------------------ control plane

#[tokio::test]
async fn health_reports_the_apis_the_seed_and_the_counts() {
    let (app, state) = demo().await;
    let r = send(&app, get("/_mock/health")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.content_type().starts_with("application/json"));
    let h = r.json();
    assert_eq!(h["status"], "ok");
    assert_eq!(h["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(h["apis"], json!(["luminate", "smarteru", "yourmembership"]));
    assert_eq!(h["seed"]["sha256"], state.seed.sha256);
    assert_eq!(h["seed"]["sources"].as_array().unwrap().len(), 3);
    let doc = state_doc(&app).await;
    let sites = doc["luminate"]["sites"].as_array().unwrap();
    let constituents: usize = sites
        .iter()
        .map(|s| s["constituents"].as_array().unwrap().len())
        .sum();
    assert_eq!(h["counts"]["luminate"]["sites"], sites.len());
    assert_eq!(h["counts"]["luminate"]["constituents"], constituents);
    assert_eq!(
        h["counts"]["yourmembership"]["clients"],
        doc["yourmembership"]["clients"].as_array().unwrap().len()
    );
}

#[tokio::test]
async fn seeding_a_tenant_adds_it_and_reset_restores_the_startup_state() {
    let (app, _) = demo().await;
    let before = state_doc(&app).await;
    let doc = json!({"yourmembership": {"clients": [{
        "client_id": 777, "api_key": "k777", "api_password": "p777",
        "group_types": [{"id": 1, "name": "T"}],
        "groups": [{"id": 5, "code": "G5", "name": "Five", "type_id": 1}],
        "members": [{"member_id": 9, "username": "nine", "password": "x",
                     "groups": [{"code": "g5", "member": true, "primary": true}]}]}]}});
    let r = send(&app, post_json("/_mock/seed", &doc)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["tenants"]["yourmembership"], json!([777]));
    let after = state_doc(&app).await;
    let clients = after["yourmembership"]["clients"].as_array().unwrap();
    let added = clients.iter().find(|c| c["client_id"] == 777).unwrap();
    assert_eq!(added["members"][0]["groups"][0]["code"], "G5");
    assert_eq!(added["members"][0]["groups"][0]["primary"], true);

    let r = send(
        &app,
        Request::post("/_mock/reset").body(Body::empty()).unwrap(),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(state_doc(&app).await, before);
}

#[tokio::test]
async fn reset_then_seeding_the_state_document_reproduces_the_state() {
    let (app, _) = demo().await;
    let extra = json!({"luminate": {"sites": [{"org": "extra", "api_key": "k",
        "groups": [{"id": 1500, "label": "Extra"}],
        "constituents": [{"cons_id": 42, "primary_email": "x@example.org", "groups": [1500]}]}]}});
    assert_eq!(
        send(&app, post_json("/_mock/seed", &extra)).await.status,
        StatusCode::OK
    );
    let wanted = state_doc(&app).await;
    send(
        &app,
        Request::post("/_mock/reset").body(Body::empty()).unwrap(),
    )
    .await;
    assert_ne!(state_doc(&app).await, wanted);
    let r = send(&app, post_json("/_mock/seed", &wanted)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(state_doc(&app).await, wanted);
}

#[tokio::test]
async fn a_bad_seed_names_the_path_of_the_first_bad_field_and_changes_nothing() {
    let (app, _) = demo().await;
    let before = state_doc(&app).await;
    let doc = json!({"luminate": {"sites": [
        {"org": "fine", "api_key": "k"},
        {"org": "broken", "api_key": "k", "groups": [{"id": 1001, "label": "A"}],
         "constituents": [{"cons_id": 1, "groups": [1001, 9999]}]}]}});
    let r = send(&app, post_json("/_mock/seed", &doc)).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        r.json()["path"],
        "luminate.sites[1].constituents[0].groups[1]"
    );
    assert_eq!(state_doc(&app).await, before);

    let r = send(&app, post_raw("/_mock/seed", "{\"luminate\": [")).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.json()["error"].is_string());
    assert_eq!(state_doc(&app).await, before);
}

#[tokio::test]
async fn a_seed_that_conflicts_with_another_stored_tenant_is_refused_whole() {
    let (app, _) = demo().await;
    let before = state_doc(&app).await;
    // A new account key reusing the demo account's name.
    let doc = json!({"smarteru": {"accounts": [
        {"name": "fresh", "account_api_key": "fresh-key"},
        {"name": "demo", "account_api_key": "another-key"}]}});
    let r = send(&app, post_json("/_mock/seed", &doc)).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.json()["path"], "smarteru.accounts[1].name");
    assert_eq!(state_doc(&app).await, before);
}

#[tokio::test]
async fn the_clock_can_be_frozen_advanced_and_made_real() {
    let (app, state) = demo().await;
    let r = send(
        &app,
        post_json("/_mock/clock", &json!({"now": "2025-01-15T08:00:00Z"})),
    )
    .await;
    assert_eq!(
        r.json(),
        json!({"now": "2025-01-15T08:00:00.000Z", "real": false})
    );
    let r = send(
        &app,
        post_json("/_mock/clock", &json!({"advance_seconds": 901})),
    )
    .await;
    assert_eq!(r.json()["now"], "2025-01-15T08:15:01.000Z");
    assert_eq!(state.clock.now().to_rfc3339(), "2025-01-15T08:15:01+00:00");
    let r = send(&app, post_json("/_mock/clock", &json!({"real": true}))).await;
    assert_eq!(r.json()["real"], true);
    for bad in [
        json!({}),
        json!({"advance_seconds": 1, "real": true}),
        json!({"now": "yesterday"}),
        json!({"advance_seconds": "ten"}),
    ] {
        let r = send(&app, post_json("/_mock/clock", &bad)).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{bad}");
    }
}

#[tokio::test]
async fn reset_makes_the_clock_real_again() {
    let (app, state) = demo().await;
    send(
        &app,
        post_json("/_mock/clock", &json!({"advance_seconds": 3600})),
    )
    .await;
    assert!(!state.clock.is_real());
    send(
        &app,
        Request::post("/_mock/reset").body(Body::empty()).unwrap(),
    )
    .await;
    assert!(state.clock.is_real());
}

#[tokio::test]
async fn unknown_routes_get_a_json_404() {
    let (app, _) = demo().await;
    let r = send(&app, get("/_mock/nope")).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(r.json()["error"].is_string());
    let r = send(&app, get("/definitely/not/a/vendor")).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(r.json()["error"].is_string());
}

#[tokio::test]
async fn the_certificate_route_says_when_https_is_off() {
    let (app, _) = demo().await;
    let r = send(&app, get("/_mock/tls/cert.pem")).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

// ------------------------------------------------------------------ CLI

#[test]
fn every_flag_parses_and_tls_can_be_turned_off() {
    let cli = Cli::try_parse_from([
        "membermock",
        "--listen",
        "0.0.0.0:9000",
        "--tls-listen",
        "off",
        "--db",
        "/tmp/x.db",
        "--reset",
        "--seed",
        "a.json",
        "--seed",
        "dir",
        "--trust-forwarded-proto",
        "--log-format",
        "json",
        "--log",
        "debug",
        "--journal-limit",
        "5",
    ])
    .unwrap();
    let s = cli.serve;
    assert_eq!(s.listen.to_string(), "0.0.0.0:9000");
    assert_eq!(s.tls_listen, TlsListen::Off);
    assert!(s.reset && s.trust_forwarded_proto);
    assert_eq!(s.seeds.len(), 2);
    assert_eq!(s.journal_limit, 5);
    assert!(Cli::try_parse_from(["membermock", "--tls-listen", "nowhere"]).is_err());
    assert!(Cli::try_parse_from(["membermock", "--tls-cert", "c.pem"]).is_err());
}

#[test]
fn the_defaults_are_the_documented_ports() {
    let s = Cli::try_parse_from(["membermock"]).unwrap().serve;
    assert_eq!(s.listen.to_string(), "127.0.0.1:8080");
    assert_eq!(
        s.tls_listen,
        TlsListen::On("127.0.0.1:8443".parse().unwrap())
    );
    assert!(s.db.is_none() && s.seeds.is_empty());
}

#[test]
fn a_seed_folder_loads_its_json_files_in_name_order() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("b.json"),
        r#"{"luminate":{"sites":[{"org":"x","api_key":"second"}]}}"#,
    )
    .unwrap();
    std::fs::write(
        dir.path().join("a.json"),
        r#"{"luminate":{"sites":[{"org":"x","api_key":"first"}]}}"#,
    )
    .unwrap();
    std::fs::write(dir.path().join("notes.txt"), "ignored").unwrap();
    let seed = Seed::load(&[dir.path().to_path_buf()]).unwrap();
    assert_eq!(seed.docs.len(), 2);
    assert!(seed.sources[0].ends_with("a.json") && seed.sources[1].ends_with("b.json"));
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, r#"{"luminate":{"sites":[{"org":"x"}]}}"#).unwrap();
    let e = Seed::load(&[bad]).unwrap_err();
    assert!(e.message.contains("bad.json"), "{e}");
}

// ------------------------------------------------------------------ real listeners

#[tokio::test]
async fn both_listeners_answer_and_https_presents_the_served_certificate() {
    let server = net::start(AppState::demo().await, true).await;
    let answer = net::http_get(server.http, "/_mock/tls/cert.pem").await;
    assert_eq!(net::status_of(&answer), 200);
    let pem = net::body_of(&answer).to_string();
    assert_eq!(pem, server.cert_pem.clone().unwrap());
    for name in [
        "localhost",
        "api.smarteru.com",
        "secure2.convio.net",
        "ws.yourmembership.com",
    ] {
        let mut tls = net::tls_connect(server.https.unwrap(), &pem, name)
            .await
            .unwrap_or_else(|e| panic!("TLS as {name}: {e}"));
        let answer = net::exchange(
            &mut tls,
            b"GET /_mock/health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
        )
        .await;
        assert_eq!(net::status_of(&answer), 200, "{answer}");
        assert!(net::body_of(&answer).contains("\"status\":\"ok\""));
    }
    // The certificate is for our names only.
    assert!(net::tls_connect(server.https.unwrap(), &pem, "example.com")
        .await
        .is_err());
    server.stop().await;
}

#[tokio::test]
async fn shutdown_finishes_the_request_in_flight_then_stops_accepting() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut server = net::start(AppState::demo().await, false).await;
    let addr = server.http;
    let body = r#"{"luminate":{"sites":[{"org":"late","api_key":"k"}]}}"#;
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "POST /_mock/seed HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(&body.as_bytes()[..10]).await.unwrap();
    // Let the server start reading the request, then ask it to stop.
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    server.begin_stop();
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    stream.write_all(&body.as_bytes()[10..]).await.unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.unwrap();
    assert_eq!(net::status_of(&answer), 200, "{answer}");
    server.join().await;
    assert!(tokio::net::TcpStream::connect(addr).await.is_err());
}

#[tokio::test]
async fn an_acknowledged_write_survives_a_restart_with_a_database_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mm.db");
    {
        let (store, opened) = Store::open(Some(&path)).unwrap();
        assert_eq!(opened, Opened::New);
        let state = AppState::new(store.clone(), Seed::demo(), true, Default::default(), None)
            .await
            .unwrap();
        let app = membermock::app(state);
        let doc = json!({"luminate": {"sites": [{"org": "kept", "api_key": "k"}]}});
        assert_eq!(
            send(&app, post_json("/_mock/seed", &doc)).await.status,
            StatusCode::OK
        );
        store.flush().await.unwrap();
    }
    let (store, opened) = Store::open(Some(&path)).unwrap();
    assert_eq!(opened, Opened::Existing);
    // An existing file is not seeded again: the added site is still there.
    let state = AppState::new(store, Seed::demo(), false, Default::default(), None)
        .await
        .unwrap();
    let app = membermock::app(state);
    let doc = state_doc(&app).await;
    let orgs: Vec<&str> = doc["luminate"]["sites"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["org"].as_str().unwrap())
        .collect();
    assert!(orgs.contains(&"kept") && orgs.contains(&"demo"), "{orgs:?}");
    // Reset returns to the state the file had at this start, including the added site.
    send(
        &app,
        Request::post("/_mock/reset").body(Body::empty()).unwrap(),
    )
    .await;
    let again = state_doc(&app).await;
    assert_eq!(again, doc);
}

#[tokio::test]
async fn reset_on_an_existing_file_reapplies_the_seed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mm.db");
    {
        let (store, _) = Store::open(Some(&path)).unwrap();
        let state = AppState::new(store.clone(), Seed::demo(), true, Default::default(), None)
            .await
            .unwrap();
        let app = membermock::app(state);
        let doc = json!({"luminate": {"sites": [{"org": "gone", "api_key": "k"}]}});
        send(&app, post_json("/_mock/seed", &doc)).await;
        store.flush().await.unwrap();
    }
    let (store, opened) = Store::open(Some(&path)).unwrap();
    assert_eq!(opened, Opened::Existing);
    let state = AppState::new(store, Seed::demo(), true, Default::default(), None)
        .await
        .unwrap();
    let doc = state_doc(&membermock::app(state)).await;
    assert!(!doc.to_string().contains("\"gone\""));
}

#[tokio::test]
async fn the_healthcheck_command_passes_on_a_running_server_and_fails_without_one() {
    let server = net::start(AppState::demo().await, false).await;
    let url = format!("http://{}/_mock/health", server.http);
    assert_eq!(membermock::healthcheck(&url).await, Ok(()));
    let addr = server.http;
    server.stop().await;
    assert!(
        membermock::healthcheck(&format!("http://{addr}/_mock/health"))
            .await
            .is_err()
    );
    assert!(membermock::healthcheck("https://localhost/").await.is_err());
}

// ------------------------------------------------------------------ the binary itself

/// The real binary on fresh loopback ports, stopped with SIGTERM.
struct Binary {
    child: std::process::Child,
    http: std::net::SocketAddr,
}

fn free_addr() -> std::net::SocketAddr {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
}

impl Drop for Binary {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Binary {
    async fn start(db: &std::path::Path) -> Binary {
        let http = free_addr();
        let child = std::process::Command::new(env!("CARGO_BIN_EXE_membermock"))
            .args([
                "--listen",
                &http.to_string(),
                "--tls-listen",
                "off",
                "--log",
                "warn",
            ])
            .arg("--db")
            .arg(db)
            .spawn()
            .unwrap();
        // From here on, Drop reaps the process whatever happens.
        let bin = Binary { child, http };
        for _ in 0..500 {
            if membermock::healthcheck(&format!("http://{http}/_mock/health"))
                .await
                .is_ok()
            {
                return bin;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        panic!("the binary did not become healthy");
    }

    /// SIGTERM, then the exit status.
    fn terminate(&mut self) -> std::process::ExitStatus {
        let pid = self.child.id().to_string();
        let killed = std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap();
        assert!(killed.success());
        self.child.wait().unwrap()
    }
}

#[cfg(unix)]
#[tokio::test]
async fn the_binary_exits_zero_on_sigterm_and_keeps_acknowledged_writes_in_its_database() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("state.db");
    let mut bin = Binary::start(&db).await;
    let doc = r#"{"luminate":{"sites":[{"org":"persisted","api_key":"k"}]}}"#;
    let request = format!(
        "POST /_mock/seed HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{doc}",
        doc.len()
    );
    let mut s = tokio::net::TcpStream::connect(bin.http).await.unwrap();
    assert_eq!(
        net::status_of(&net::exchange(&mut s, request.as_bytes()).await),
        200
    );
    let status = bin.terminate();
    assert!(status.success(), "exit status {status:?}");

    let mut bin = Binary::start(&db).await;
    let state = net::http_get(bin.http, "/_mock/state").await;
    assert!(
        net::body_of(&state).contains("\"org\":\"persisted\""),
        "{state}"
    );
    assert!(bin.terminate().success());
}
