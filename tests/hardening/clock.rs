//! `POST /_mock/clock` never lets the app clock reach a time it cannot represent.

use axum::http::StatusCode;
use serde_json::{json, Value};

use crate::common::{demo, get, post_form, post_json, send};

async fn set_clock(app: &axum::Router, body: Value) -> crate::common::Resp {
    send(app, post_json("/_mock/clock", &body)).await
}

async fn vendor_call_answers(app: &axum::Router) {
    let r = send(
        app,
        post_form(
            "/demo/site/SRConsAPI",
            &[
                ("method", "getUserGroups"),
                ("v", "1.0"),
                ("api_key", "demo-api-key"),
                ("login_name", "apiadmin"),
                ("login_password", "admin-pass"),
                ("cons_id", "1000002"),
                ("response_format", "json"),
            ],
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let clock = send(app, get("/_mock/clock")).await;
    assert_eq!(clock.status, StatusCode::OK, "{}", clock.text());
}

#[tokio::test]
async fn an_advance_past_the_representable_range_is_a_400_naming_the_field() {
    let (app, _) = demo().await;
    for secs in [9_000_000_000_000_i64, -9_000_000_000_000, 400_000_000_000] {
        let r = set_clock(&app, json!({ "advance_seconds": secs })).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{secs}: {}", r.text());
        assert_eq!(r.json()["path"], "advance_seconds", "{}", r.text());
        assert!(r.json()["error"].as_str().unwrap().contains("9999"));
        vendor_call_answers(&app).await;
    }
}

#[tokio::test]
async fn a_frozen_clock_near_the_end_cannot_be_pushed_past_it() {
    let (app, _) = demo().await;
    let r = set_clock(&app, json!({ "now": "9999-12-31T23:00:00Z" })).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let r = set_clock(&app, json!({ "advance_seconds": 7200 })).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text());
    assert_eq!(r.json()["path"], "advance_seconds");
    let now = send(&app, get("/_mock/clock")).await.json();
    assert_eq!(now["now"], "9999-12-31T23:00:00.000Z");
    vendor_call_answers(&app).await;

    // Backwards as far as the epoch, not beyond it.
    let r = set_clock(&app, json!({ "now": "1970-01-01T00:00:10Z" })).await;
    assert_eq!(r.status, StatusCode::OK);
    let r = set_clock(&app, json!({ "advance_seconds": -11 })).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text());
    let r = set_clock(&app, json!({ "advance_seconds": -10 })).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["now"], "1970-01-01T00:00:00.000Z");
    vendor_call_answers(&app).await;
}

#[tokio::test]
async fn a_time_outside_the_range_or_an_unreadable_number_is_a_400() {
    let (app, _) = demo().await;
    for (body, path) in [
        (json!({ "now": "0001-01-01T00:00:00Z" }), "now"),
        (json!({ "now": "1969-12-31T23:59:59Z" }), "now"),
        (json!({ "advance_seconds": 1e300 }), "advance_seconds"),
        (json!({ "advance_seconds": i64::MIN }), "advance_seconds"),
        (json!({ "advance_seconds": u64::MAX }), "advance_seconds"),
    ] {
        let r = set_clock(&app, body.clone()).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{body}: {}", r.text());
        assert_eq!(r.json()["path"], path, "{body}: {}", r.text());
    }
    vendor_call_answers(&app).await;
}

#[tokio::test]
async fn a_real_clock_pushed_to_the_end_stays_readable() {
    let (app, _) = demo().await;
    // As far as the range allows from now: about 7,975 years of seconds, then one more.
    let now = chrono::Utc::now();
    let end = chrono::DateTime::parse_from_rfc3339("9999-12-31T23:59:59Z").unwrap();
    let secs = (end.with_timezone(&chrono::Utc) - now).num_seconds() - 60;
    let r = set_clock(&app, json!({ "advance_seconds": secs })).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let r = set_clock(&app, json!({ "advance_seconds": 3600 })).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text());
    vendor_call_answers(&app).await;
}
