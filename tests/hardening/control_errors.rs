//! Every control-plane error is `{"error","path"?}` JSON with the right status, and the seed
//! body limit admits what `GET /_mock/state` produces.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use membermock::config::Options;
use membermock::seed::Seed;
use membermock::store::Store;
use membermock::AppState;
use serde_json::{json, Value};

use crate::common::{demo, get, post_json, send, Resp};

fn assert_json_error(r: &Resp, status: StatusCode) -> Value {
    assert_eq!(r.status, status, "{}", String::from_utf8_lossy(&r.body));
    assert!(
        r.content_type().starts_with("application/json"),
        "{:?}: {}",
        r.content_type(),
        String::from_utf8_lossy(&r.body)
    );
    let body = r.json();
    assert!(
        body["error"].as_str().is_some_and(|e| !e.is_empty()),
        "{body}"
    );
    body
}

#[tokio::test]
async fn a_wrong_verb_is_a_405_in_json_with_allow() {
    let (app, _) = demo().await;
    for (verb, uri, allow) in [
        ("GET", "/_mock/reset", "POST"),
        ("PUT", "/_mock/seed", "POST"),
        ("POST", "/_mock/state", "GET,HEAD"),
        ("PATCH", "/_mock/faults", "GET,HEAD,POST,DELETE"),
        ("GET", "/_mock/faults/1", "DELETE"),
    ] {
        let req = Request::builder()
            .method(verb)
            .uri(uri)
            .body(Body::empty())
            .unwrap();
        let r = send(&app, req).await;
        let body = assert_json_error(&r, StatusCode::METHOD_NOT_ALLOWED);
        let got: Vec<String> = r
            .header("allow")
            .unwrap_or("")
            .split(',')
            .map(|m| m.trim().to_string())
            .collect();
        let want: Vec<String> = allow.split(',').map(str::to_string).collect();
        let mut got_sorted = got.clone();
        got_sorted.sort();
        let mut want_sorted = want.clone();
        want_sorted.sort();
        assert_eq!(got_sorted, want_sorted, "{verb} {uri}");
        assert!(body["error"].as_str().unwrap().contains(verb), "{body}");
    }
}

#[tokio::test]
async fn a_bad_journal_filter_is_a_400_naming_it() {
    let (app, _) = demo().await;
    for (query, path) in [
        ("limit=abc", "limit"),
        ("limit=-1", "limit"),
        ("since=yesterday", "since"),
        ("colour=red", "colour"),
        ("limit=1&limit=2", "limit"),
    ] {
        let r = send(&app, get(&format!("/_mock/requests?{query}"))).await;
        let body = assert_json_error(&r, StatusCode::BAD_REQUEST);
        assert_eq!(body["path"], path, "{query}: {body}");
    }
    let r = send(&app, get("/_mock/requests?limit=5&api=luminate")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
}

#[tokio::test]
async fn a_fault_id_that_is_no_number_is_a_400_in_json() {
    let (app, _) = demo().await;
    let req = Request::delete("/_mock/faults/abc")
        .body(Body::empty())
        .unwrap();
    let body = assert_json_error(&send(&app, req).await, StatusCode::BAD_REQUEST);
    assert_eq!(body["path"], "id");
    let req = Request::delete("/_mock/faults/99")
        .body(Body::empty())
        .unwrap();
    assert_json_error(&send(&app, req).await, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_seed_over_the_body_limit_is_a_413_in_json() {
    let (store, _) = Store::open(None).unwrap();
    let options = Options {
        control_body_limit: 1024,
        ..Options::default()
    };
    let state = AppState::new(store, Seed::demo(), true, options, None)
        .await
        .unwrap();
    let app = membermock::app(state);
    let padding = "x".repeat(2048);
    let doc = json!({"luminate": {"sites": [{"org": "big", "api_key": padding}]}});
    let body = assert_json_error(
        &send(&app, post_json("/_mock/seed", &doc)).await,
        StatusCode::PAYLOAD_TOO_LARGE,
    );
    assert!(body["error"].as_str().unwrap().contains("1024"), "{body}");
}

/// A Luminate site with `n` constituents, each in a group: about 190 bytes a person.
fn population(org: &str, n: usize) -> Value {
    let constituents: Vec<Value> = (1..=n)
        .map(|i| {
            json!({
                "cons_id": i, "member_id": format!("M-{i}"),
                "primary_email": format!("person{i}@example.org"), "user_name": format!("person{i}"),
                "first_name": "Generated", "last_name": format!("Person {i}"), "groups": [1]
            })
        })
        .collect();
    json!({"luminate": {"sites": [{
        "org": org, "api_key": "k", "groups": [{"id": 1, "label": "Everyone"}],
        "constituents": constituents
    }]}})
}

#[tokio::test]
async fn a_state_document_of_several_megabytes_posts_back_whole() {
    let (app, _) = demo().await;
    let doc = population("big", 14_000);
    let r = send(&app, post_json("/_mock/seed", &doc)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let state = send(&app, get("/_mock/state")).await;
    assert_eq!(state.status, StatusCode::OK);
    assert!(
        state.body.len() > 2 * 1024 * 1024,
        "{} bytes",
        state.body.len()
    );
    let reset = Request::post("/_mock/reset").body(Body::empty()).unwrap();
    assert_eq!(send(&app, reset).await.status, StatusCode::OK);
    let posted = Request::post("/_mock/seed")
        .header("content-type", "application/json")
        .body(Body::from(state.body.clone()))
        .unwrap();
    let r = send(&app, posted).await;
    assert_eq!(
        r.status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&r.body)
    );
    let again = send(&app, get("/_mock/state")).await;
    assert_eq!(again.body, state.body);
}

#[tokio::test]
async fn a_seed_body_that_never_ends_is_a_408_in_json_and_closes() {
    let (store, _) = Store::open(None).unwrap();
    let options = Options {
        body_timeout: std::time::Duration::from_millis(100),
        ..Options::default()
    };
    let state = AppState::new(store, Seed::demo(), true, options, None)
        .await
        .unwrap();
    let app = membermock::app(state);
    let first = futures_util::stream::once(async { Ok::<_, std::io::Error>("{\"lum") });
    let body = Body::from_stream(futures_util::StreamExt::chain(
        first,
        futures_util::stream::pending(),
    ));
    let req = Request::post("/_mock/seed")
        .header("content-type", "application/json")
        .body(body)
        .unwrap();
    let r = send(&app, req).await;
    assert_json_error(&r, StatusCode::REQUEST_TIMEOUT);
    assert_eq!(r.header("connection"), Some("close"));
}
