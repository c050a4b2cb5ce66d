//! Luminate Online Constituent API: the wire format, the validation order and every rule of
//! luminate.md §3–§5, driven through the real router in-process.

mod common;

#[path = "luminate/browser.rs"]
mod browser;
#[path = "luminate/client.rs"]
mod client;
#[path = "luminate/clients.rs"]
mod clients;
#[path = "luminate/cors.rs"]
mod cors;
#[path = "luminate/hostile.rs"]
mod hostile;
#[path = "luminate/methods.rs"]
mod methods;
#[path = "luminate/profile.rs"]
mod profile;
#[path = "luminate/server.rs"]
mod server;
#[path = "luminate/table.rs"]
mod table;

use axum::body::Body;
use axum::http::Request;
use axum::Router;
use common::Resp;

pub const SR: &str = "/demo/site/SRConsAPI";
pub const CR: &str = "/demo/site/CRConsAPI";
pub const SRG: &str = "/demo/site/SRGroupAPI";
pub const CRG: &str = "/demo/site/CRGroupAPI";
pub const API_KEY: &str = "demo-api-key";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fmt {
    Xml,
    Json,
}

/// Common parameters of a server-API call by the demo API administrator.
pub fn admin<'a>(method: &'a str, extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut p = vec![
        ("method", method),
        ("v", "1.0"),
        ("api_key", API_KEY),
        ("login_name", "apiadmin"),
        ("login_password", "admin-pass"),
    ];
    p.extend_from_slice(extra);
    p
}

/// Common parameters of a client-API call (credentials are added by the caller).
pub fn client<'a>(method: &'a str, extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut p = vec![("method", method), ("v", "1.0"), ("api_key", API_KEY)];
    p.extend_from_slice(extra);
    p
}

pub async fn post(app: &Router, uri: &str, pairs: &[(&str, &str)]) -> Resp {
    common::send(app, common::post_form(uri, pairs)).await
}

pub async fn send(app: &Router, req: Request<Body>) -> Resp {
    common::send(app, req).await
}

/// The whole answer: status, content type, body (golden file `luminate/<golden>`), schema of
/// its root element.
pub fn expect(resp: &Resp, status: u16, golden: &str) {
    expect_redacted(resp, status, golden, &[]);
}

/// As [`expect`], with random values (tokens, nonces) replaced by their names first.
pub fn expect_redacted(resp: &Resp, status: u16, golden: &str, secrets: &[(&str, &str)]) {
    assert_eq!(
        resp.status.as_u16(),
        status,
        "status; body: {}",
        resp.text()
    );
    let fmt = if golden.ends_with(".json") {
        Fmt::Json
    } else {
        Fmt::Xml
    };
    let text = resp.text();
    match fmt {
        Fmt::Xml => {
            assert_eq!(resp.content_type(), "text/xml;charset=UTF-8");
            let root = xml_root(&text);
            common::assert_xml_schema(&format!("luminate/{root}.xsd"), &text);
        }
        Fmt::Json => {
            assert_eq!(resp.content_type(), "application/json;charset=UTF-8");
            let json = resp.json();
            let root = json.as_object().unwrap().keys().next().unwrap().clone();
            common::assert_json_schema(&format!("luminate/{root}.schema.json"), &json);
        }
    }
    let mut redacted = text;
    for (name, value) in secrets {
        assert!(!value.is_empty());
        redacted = redacted.replace(value, &format!("{{{name}}}"));
    }
    common::assert_golden(&format!("luminate/{golden}"), &redacted);
}

/// The values of fields that change from run to run (tokens, nonces, times), read from a JSON
/// (`"name":"value"`) or XML (`<name>value</name>`) body: the first occurrence of each.
pub fn volatile(resp: &Resp, names: &[&'static str]) -> Vec<(&'static str, String)> {
    let text = resp.text();
    names
        .iter()
        .filter_map(|name| {
            let (open, close) = if text.starts_with('{') {
                (format!("\"{name}\":\""), "\"".to_string())
            } else {
                (format!("<{name}>"), format!("</{name}>"))
            };
            let start = text.find(&open)? + open.len();
            let end = start + text[start..].find(&close)?;
            Some((*name, text[start..end].to_string()))
        })
        .collect()
}

/// As [`expect`], with the values of the named volatile fields replaced by their names.
pub fn expect_volatile(resp: &Resp, status: u16, golden: &str, names: &[&'static str]) {
    let found = volatile(resp, names);
    let pairs: Vec<(&str, &str)> = found.iter().map(|(n, v)| (*n, v.as_str())).collect();
    expect_redacted(resp, status, golden, &pairs);
}

fn xml_root(xml: &str) -> String {
    let start = xml.find("?>\n<").expect("XML declaration then the root") + 4;
    xml[start..].split([' ', '>']).next().unwrap().to_string()
}

/// The vendor error code and HTTP status of an errorResponse, in either format.
pub fn error_code(resp: &Resp) -> String {
    let text = resp.text();
    if text.starts_with('{') {
        resp.json()["errorResponse"]["code"]
            .as_str()
            .expect("an errorResponse")
            .to_string()
    } else {
        let start = text.find("<code>").expect("an errorResponse") + 6;
        let end = text.find("</code>").unwrap();
        text[start..end].to_string()
    }
}

/// A JSON string field of a response (`root.field`).
pub fn field(resp: &Resp, root: &str, name: &str) -> String {
    resp.json()[root][name]
        .as_str()
        .unwrap_or_else(|| panic!("{root}.{name} missing in {}", resp.text()))
        .to_string()
}

/// A logged-in client session: (auth token, JSESSIONID).
pub async fn login(app: &Router, user: &str, password: &str) -> (String, String) {
    let r = post(
        app,
        CR,
        &client(
            "login",
            &[
                ("user_name", user),
                ("password", password),
                ("response_format", "json"),
            ],
        ),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    (
        field(&r, "loginResponse", "token"),
        field(&r, "loginResponse", "JSESSIONID"),
    )
}

/// Move the app clock.
pub async fn advance(app: &Router, seconds: i64) {
    let r = common::send(
        app,
        common::post_json(
            "/_mock/clock",
            &serde_json::json!({ "advance_seconds": seconds }),
        ),
    )
    .await;
    assert!(r.status.is_success(), "{}", r.text());
}

/// Change the demo site (`luminate.sites[0]`) through the control plane.
pub async fn edit_demo_site(app: &Router, edit: impl FnOnce(&mut serde_json::Value)) {
    let state = common::send(app, common::get("/_mock/state")).await.json();
    let mut site = state["luminate"]["sites"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["org"] == "demo")
        .unwrap()
        .clone();
    edit(&mut site);
    let doc = serde_json::json!({ "luminate": { "sites": [site] } });
    let r = common::send(app, common::post_json("/_mock/seed", &doc)).await;
    assert!(r.status.is_success(), "{}", r.text());
}
