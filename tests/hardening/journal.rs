//! The journal under the issue's probes, scaled down to keep the suite fast (a debug build
//! decodes a 4 MiB form in about 300 ms): its bytes stay within the bound whatever the calls
//! carry, and `GET /_mock/requests` streams from a snapshot instead of building the answer in
//! memory. The full-size probes (40 + 40 calls of 4 MiB, 1,000 of 3,000 parameters) are run
//! against the binary for the figures in the issue.

use axum::http::StatusCode;
use http_body_util::BodyExt;
use membermock::config::Options;
use membermock::seed::Seed;
use membermock::store::Store;
use membermock::vendor::Scheme;
use membermock::AppState;
use serde_json::Value;
use tower::ServiceExt;

use crate::common::{get, post_form, send_over};

const FOUR_MIB: usize = 4 * 1024 * 1024;

fn luminate_call(extra: &[(&str, &str)]) -> axum::http::Request<axum::body::Body> {
    let mut pairs = vec![
        ("method", "getUserGroups"),
        ("v", "1.0"),
        ("api_key", "demo-api-key"),
        ("login_name", "apiadmin"),
        ("login_password", "admin-pass"),
        ("cons_id", "1000002"),
        ("response_format", "json"),
    ];
    pairs.extend_from_slice(extra);
    post_form("/demo/site/SRConsAPI", &pairs)
}

#[tokio::test]
async fn the_issues_probes_leave_the_journal_within_its_byte_bound() {
    let bound = 256 * 1024;
    let (store, _) = Store::open(None).unwrap();
    let options = Options {
        journal_bytes: bound,
        ..Options::default()
    };
    let state = AppState::new(store, Seed::demo(), true, options, None)
        .await
        .unwrap();
    let app = membermock::app(state.clone());

    // Luminate calls carrying a value of almost 4 MiB.
    let big = "a".repeat(FOUR_MIB - 1024);
    for _ in 0..3 {
        let r = send_over(&app, luminate_call(&[("junk", &big)]), Scheme::Http).await;
        assert_eq!(r.status, StatusCode::OK);
    }
    assert!(state.journal.bytes() <= bound, "{}", state.journal.bytes());
    assert_eq!(state.journal.len(), 3);

    // SmarterU packages with an element of almost 4 MiB.
    let package = format!(
        "<SmarterU><AccountAPI>demo-account-key</AccountAPI><UserAPI>admin-user-key</UserAPI>\
         <Method>getUserGroups</Method><Parameters><User><Email>ada@example.org</Email>\
         <Junk>{}</Junk></User></Parameters></SmarterU>",
        "b".repeat(FOUR_MIB - 2048)
    );
    for _ in 0..3 {
        let r = send_over(
            &app,
            post_form("/apiv2/", &[("Package", &package)]),
            Scheme::Https,
        )
        .await;
        assert_eq!(r.status, StatusCode::OK);
    }
    assert!(state.journal.bytes() <= bound, "{}", state.journal.bytes());

    // Calls with 3,000 parameters each: more than the bound holds.
    let names: Vec<String> = (0..3000).map(|i| format!("p{i}")).collect();
    let many: Vec<(&str, &str)> = names.iter().map(|n| (n.as_str(), "xxxxxxxx")).collect();
    let body = crate::common::form(&many);
    for _ in 0..60 {
        let req = axum::http::Request::post("/demo/site/SRConsAPI?method=getUserGroups&v=1.0")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(axum::body::Body::from(body.clone()))
            .unwrap();
        send_over(&app, req, Scheme::Http).await;
    }
    assert!(state.journal.bytes() <= bound, "{}", state.journal.bytes());
    let kept = state.journal.len();
    assert!((5..60).contains(&kept), "{kept} entries kept");

    // The whole journal, streamed in pieces of about 64 KiB.
    let response = app.clone().oneshot(get("/_mock/requests")).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "application/json");
    let mut body = response.into_body();
    let (mut pieces, mut largest, mut all) = (0, 0, Vec::new());
    while let Some(frame) = body.frame().await {
        let data = frame.unwrap().into_data().unwrap();
        pieces += 1;
        largest = largest.max(data.len());
        all.extend_from_slice(&data);
    }
    assert!(pieces > 2, "{pieces} pieces");
    assert!(largest < 128 * 1024, "a piece of {largest} bytes");
    let doc: Value = serde_json::from_slice(&all).unwrap();
    assert_eq!(doc["count"].as_u64().unwrap() as usize, state.journal.len());
    let entries = doc["requests"].as_array().unwrap();
    let newest = entries.last().unwrap();
    let newest_id = newest["id"].as_u64().unwrap();
    assert_eq!(newest["params"].as_array().unwrap().last().unwrap()[0], "…");

    // Paging back from the newest.
    let page = send_over(
        &app,
        get(&format!("/_mock/requests?before={newest_id}&limit=2")),
        Scheme::Http,
    )
    .await
    .json();
    let ids: Vec<u64> = page["requests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_u64().unwrap())
        .collect();
    assert_eq!(ids, [newest_id - 2, newest_id - 1]);
}
