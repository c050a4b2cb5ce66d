//! Every acknowledged write survives a SIGKILL: concurrent writers through two vendors' APIs,
//! the binary killed mid-load, restarted on the same `--db`.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::binary::{http_get, Binary};

/// One request on its own connection; the status and body, or `None` if the server is gone.
fn exchange(addr: SocketAddr, request: &str) -> Option<(u16, String)> {
    let mut s = TcpStream::connect(addr).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(10))).ok()?;
    s.write_all(request.as_bytes()).ok()?;
    let mut answer = String::new();
    s.read_to_string(&mut answer).ok()?;
    let status = answer.split(' ').nth(1)?.parse().ok()?;
    let body = answer.split_once("\r\n\r\n")?.1.to_string();
    Some((status, body))
}

fn post(
    addr: SocketAddr,
    path: &str,
    content_type: &str,
    extra: &str,
    body: &str,
) -> Option<(u16, String)> {
    exchange(
        addr,
        &format!(
            "POST {path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: {content_type}\r\n{extra}\
             Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        ),
    )
}

#[test]
fn every_acknowledged_write_survives_a_sigkill_mid_load() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("mm.db");
    let db_arg = db.to_str().unwrap().to_string();
    let bin = Binary::start(&["--db", &db_arg, "--tls-listen", "off"]);
    let addr = bin.http;

    // Luminate: three writers create constituents; each acknowledged one is kept with its id.
    let created: Arc<Mutex<BTreeMap<String, String>>> = Arc::default();
    let stop = Arc::new(AtomicBool::new(false));
    let mut writers = Vec::new();
    for w in 0..3 {
        let (created, stop) = (created.clone(), stop.clone());
        writers.push(std::thread::spawn(move || {
            for n in 0.. {
                if stop.load(Ordering::Relaxed) {
                    break;
                }
                let email = format!("w{w}-{n}@example.org");
                let body = format!(
                    "method=createOrUpdate&v=1.0&api_key=demo-api-key&login_name=apiadmin\
                     &login_password=admin-pass&primary_email={}&add_group_ids=1001\
                     &response_format=json",
                    email.replace('@', "%40")
                );
                let Some((200, answer)) = post(
                    addr,
                    "/demo/site/SRConsAPI",
                    "application/x-www-form-urlencoded",
                    "",
                    &body,
                ) else {
                    break;
                };
                let json: serde_json::Value = serde_json::from_str(&answer).unwrap();
                let cons_id = json["createOrUpdateConsResponse"]["cons_id"]
                    .as_str()
                    .unwrap()
                    .to_string();
                created.lock().unwrap().insert(email, cons_id);
            }
        }));
    }
    // YourMembership: one writer gives carol (5003, in no group) one group after another.
    let joined: Arc<Mutex<Vec<String>>> = Arc::default();
    {
        let (joined, stop) = (joined.clone(), stop.clone());
        writers.push(std::thread::spawn(move || {
            let auth = r#"{"ClientID":40001,"UserType":"Admin","Username":"demo-ym-api-key","Password":"demo-ym-api-password"}"#;
            let (_, answer) = post(addr, "/Ams/Authenticate", "application/json", "", auth).unwrap();
            let session: serde_json::Value = serde_json::from_str(&answer).unwrap();
            let session = session["SessionId"].as_str().unwrap().to_string();
            for code in ["BOARD", "FIN", "NE", "WEST", "AI", "RUST"].iter().cycle() {
                if stop.load(Ordering::Relaxed) {
                    break;
                }
                let body = format!(r#"{{"MemberID":5003,"GroupCode":"{code}","AddAsMember":true}}"#);
                let header = format!("X-SS-ID: {session}\r\n");
                match post(addr, "/Ams/40001/MemberGroups", "application/json", &header, &body) {
                    Some((200, _)) => joined.lock().unwrap().push(code.to_string()),
                    Some(_) => {}
                    None => break,
                }
            }
        }));
    }

    // Kill it mid-load, once a good number of writes were acknowledged.
    let deadline = Instant::now() + Duration::from_secs(20);
    while (created.lock().unwrap().len() < 150 || joined.lock().unwrap().len() < 6)
        && Instant::now() < deadline
    {
        std::thread::sleep(Duration::from_millis(10));
    }
    let killed = std::process::Command::new("kill")
        .args(["-KILL", &bin.pid().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    stop.store(true, Ordering::Relaxed);
    for w in writers {
        w.join().unwrap();
    }
    drop(bin);
    let created = created.lock().unwrap().clone();
    let joined = joined.lock().unwrap().clone();
    assert!(
        created.len() >= 60,
        "only {} writes acknowledged",
        created.len()
    );

    // Restarted on the same file: every acknowledged write is there.
    let again = Binary::start(&["--db", &db_arg, "--tls-listen", "off"]);
    let (status, state) = http_get(again.http, "/_mock/state");
    assert_eq!(status, 200);
    let state: serde_json::Value = serde_json::from_str(&state).unwrap();
    let demo = state["luminate"]["sites"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["org"] == "demo")
        .unwrap();
    let stored: BTreeMap<String, (String, serde_json::Value)> = demo["constituents"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| {
            let email = c["primary_email"].as_str()?.to_string();
            Some((email, (c["cons_id"].to_string(), c["groups"].clone())))
        })
        .collect();
    for (email, cons_id) in &created {
        let (id, groups) = stored
            .get(email)
            .unwrap_or_else(|| panic!("acknowledged {email} ({cons_id}) is lost"));
        assert_eq!(id, cons_id, "{email}");
        assert_eq!(groups, &serde_json::json!([1001]), "{email}");
    }
    let carol = state["yourmembership"]["clients"][0]["members"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["member_id"] == 5003)
        .unwrap();
    for code in &joined {
        assert!(
            carol["groups"]
                .as_array()
                .unwrap()
                .iter()
                .any(|g| g["code"] == code.as_str() && g["member"] == true),
            "acknowledged membership {code} is lost: {carol}"
        );
    }
}
