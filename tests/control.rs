//! Test control a client team builds on: the operation journal, vendor-shaped faults, tenant
//! isolation and reset — exercised through real vendor calls.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::Router;
use common::{demo, get, post_form, post_json, send, send_over, Resp};
use membermock::config::Options;
use membermock::seed::Seed;
use membermock::store::Store;
use membermock::vendor::Scheme;
use membermock::AppState;
use serde_json::{json, Value};

// ------------------------------------------------------------------ one helper per vendor call

async fn luminate_groups(app: &Router, org: &str, api_key: &str, cons_id: &str) -> Resp {
    send(
        app,
        post_form(
            &format!("/{org}/site/SRConsAPI"),
            &[
                ("method", "getUserGroups"),
                ("v", "1.0"),
                ("api_key", api_key),
                ("login_name", "apiadmin"),
                ("login_password", "admin-pass"),
                ("cons_id", cons_id),
                ("response_format", "json"),
            ],
        ),
    )
    .await
}

fn smarteru_package(user_key: &str, email: &str) -> String {
    format!(
        "<SmarterU><AccountAPI>demo-account-key</AccountAPI><UserAPI>{user_key}</UserAPI>\
         <Method>getUserGroups</Method><Parameters><User><Email>{email}</Email></User>\
         </Parameters></SmarterU>"
    )
}

async fn smarteru_groups(app: &Router, email: &str) -> Resp {
    send_over(
        app,
        post_form(
            "/apiv2/",
            &[("Package", &smarteru_package("admin-user-key", email))],
        ),
        Scheme::Https,
    )
    .await
}

async fn ym_admin_session(app: &Router) -> String {
    let r = send(
        app,
        post_json(
            "/Ams/Authenticate",
            &json!({"ClientID": 40001, "UserType": "Admin",
                    "Username": "demo-ym-api-key", "Password": "demo-ym-api-password"}),
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    r.json()["SessionId"].as_str().unwrap().to_string()
}

async fn ym_groups(app: &Router, session: &str, member: i64) -> Resp {
    send(
        app,
        Request::get(format!("/Ams/40001/Member/{member}/Groups"))
            .header("X-SS-ID", session)
            .body(Body::empty())
            .unwrap(),
    )
    .await
}

async fn journal(app: &Router, query: &str) -> Value {
    let r = send(app, get(&format!("/_mock/requests{query}"))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    r.json()
}

async fn add_fault(app: &Router, rule: Value) -> Value {
    let r = send(app, post_json("/_mock/faults", &rule)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    r.json()
}

fn post_empty(uri: &str) -> Request<Body> {
    Request::post(uri).body(Body::empty()).unwrap()
}

// ------------------------------------------------------------------ journal

#[tokio::test]
async fn every_vendor_call_is_journaled_with_its_operation_tenant_status_and_code() {
    let (app, _) = demo().await;
    assert_eq!(
        luminate_groups(&app, "demo", "demo-api-key", "1000002")
            .await
            .status,
        StatusCode::OK
    );
    let r = luminate_groups(&app, "demo", "wrong-key", "1000002").await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    smarteru_groups(&app, "learner.one@example.com").await;
    let session = ym_admin_session(&app).await;
    ym_groups(&app, &session, 5001).await;

    let j = journal(&app, "").await;
    let entries = j["requests"].as_array().unwrap();
    let summary: Vec<(String, String, String, u64, Value)> = entries
        .iter()
        .map(|e| {
            (
                e["api"].as_str().unwrap().to_string(),
                e["tenant"].as_str().unwrap_or("").to_string(),
                e["operation"].as_str().unwrap().to_string(),
                e["status"].as_u64().unwrap(),
                e["vendor_code"].clone(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            (
                "luminate".into(),
                "demo".into(),
                "getUserGroups".into(),
                200,
                Value::Null
            ),
            (
                "luminate".into(),
                "demo".into(),
                "getUserGroups".into(),
                403,
                json!("2")
            ),
            (
                "smarteru".into(),
                "demo".into(),
                "getUserGroups".into(),
                200,
                Value::Null
            ),
            (
                "yourmembership".into(),
                "40001".into(),
                "Authenticate".into(),
                200,
                Value::Null
            ),
            (
                "yourmembership".into(),
                "40001".into(),
                "MemberGroups.GET".into(),
                200,
                Value::Null
            ),
        ]
    );
    let first = &entries[0];
    assert_eq!(first["method"], "POST");
    assert_eq!(first["path"], "/demo/site/SRConsAPI");
    assert!(first["duration_ms"].as_f64().unwrap() >= 0.0);
    assert!(first["fault"].is_null());
    assert!(first["params"]
        .as_array()
        .unwrap()
        .contains(&json!(["cons_id", "1000002"])));
}

#[tokio::test]
async fn secrets_never_appear_in_the_journal() {
    let (app, _) = demo().await;
    luminate_groups(&app, "demo", "demo-api-key", "1000001").await;
    // Client API with a login, then the auth token and session id.
    let login = send(
        &app,
        post_form(
            "/demo/site/CRConsAPI",
            &[
                ("method", "login"),
                ("v", "1.0"),
                ("api_key", "demo-api-key"),
                ("user_name", "ada"),
                ("password", "ada-pass"),
                ("response_format", "json"),
            ],
        ),
    )
    .await;
    assert_eq!(login.status, StatusCode::OK, "{}", login.text());
    let login = login.json();
    let token = login["loginResponse"]["token"]
        .as_str()
        .unwrap()
        .to_string();
    let jsession = login["loginResponse"]["JSESSIONID"]
        .as_str()
        .unwrap()
        .to_string();
    send(
        &app,
        post_form(
            "/demo/site/CRConsAPI",
            &[
                ("method", "getUserGroups"),
                ("v", "1.0"),
                ("api_key", "demo-api-key"),
                ("auth", &token),
                ("JSESSIONID", &jsession),
            ],
        ),
    )
    .await;
    smarteru_groups(&app, "learner.one@example.com").await;
    let session = ym_admin_session(&app).await;
    ym_groups(&app, &session, 5001).await;
    let member = send(
        &app,
        post_json(
            "/Ams/Authenticate",
            &json!({"ClientID": 40001, "UserType": "Member", "Username": "ada", "Password": "ada-pass"}),
        ),
    )
    .await;
    assert_eq!(member.status, StatusCode::OK);

    let text = journal(&app, "").await.to_string();
    for secret in [
        "demo-api-key",
        "admin-pass",
        "ada-pass",
        token.as_str(),
        jsession.as_str(),
        "demo-account-key",
        "admin-user-key",
        "demo-ym-api-key",
        "demo-ym-api-password",
        session.as_str(),
    ] {
        assert!(
            !text.contains(secret),
            "the journal shows `{secret}`: {text}"
        );
    }
    assert!(text.contains(membermock::journal::MASK));
}

#[tokio::test]
async fn the_journal_filters_by_api_operation_tenant_since_and_limit() {
    let (app, _) = demo().await;
    send(
        &app,
        post_json("/_mock/clock", &json!({"now": "2025-01-01T00:00:00Z"})),
    )
    .await;
    luminate_groups(&app, "demo", "demo-api-key", "1000001").await;
    send(
        &app,
        post_json("/_mock/clock", &json!({"now": "2025-01-02T00:00:00Z"})),
    )
    .await;
    luminate_groups(&app, "demo", "demo-api-key", "1000002").await;
    luminate_groups(&app, "filtered", "filtered-api-key", "2000001").await;
    smarteru_groups(&app, "learner.one@example.com").await;

    let all = journal(&app, "").await;
    assert_eq!(all["requests"][0]["time"], "2025-01-01T00:00:00.000Z");
    assert_eq!(all["requests"][1]["time"], "2025-01-02T00:00:00.000Z");
    assert_eq!(journal(&app, "?api=smarteru").await["count"], 1);
    assert_eq!(
        journal(&app, "?api=luminate&tenant=filtered").await["count"],
        1
    );
    assert_eq!(journal(&app, "?operation=getUserGroups").await["count"], 4);
    assert_eq!(
        journal(&app, "?since=2025-01-01T12:00:00Z").await["count"],
        3
    );
    let last = journal(&app, "?api=luminate&limit=1").await;
    assert_eq!(last["count"], 1);
    assert_eq!(last["requests"][0]["tenant"], "filtered");
    let r = send(&app, get("/_mock/requests?since=yesterday")).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let r = send(&app, get("/_mock/requests?colour=blue")).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);

    let r = send(
        &app,
        Request::delete("/_mock/requests")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(journal(&app, "").await["count"], 0);
}

#[tokio::test]
async fn the_journal_ring_stays_bounded_under_100k_calls() {
    let (store, _) = Store::open(None).unwrap();
    let options = Options {
        journal_limit: 500,
        ..Options::default()
    };
    let state = AppState::new(store, Seed::demo(), true, options, None)
        .await
        .unwrap();
    let app = membermock::app(state.clone());
    let mut tasks = Vec::new();
    for t in 0..4 {
        let app = app.clone();
        tasks.push(tokio::spawn(async move {
            for i in 0..25_000 {
                // An unknown method: the cheapest complete vendor call.
                let req = post_form(
                    "/demo/site/SRConsAPI",
                    &[("method", &format!("noSuchMethod{t}_{i}")), ("v", "1.0")],
                );
                let r = send(&app, req).await;
                assert_eq!(r.status, StatusCode::FORBIDDEN);
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    assert_eq!(state.journal.len(), 500);
    let j = journal(&app, "").await;
    assert_eq!(j["count"], 500);
    let ids: Vec<u64> = j["requests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_u64().unwrap())
        .collect();
    assert_eq!(ids.first(), Some(&99_501));
    assert_eq!(ids.last(), Some(&100_000));
}

// ------------------------------------------------------------------ faults

#[tokio::test]
async fn a_vendor_error_fault_fires_exactly_times_times_in_each_vendors_envelope() {
    let (app, _) = demo().await;
    add_fault(
        &app,
        json!({"api": "luminate", "operation": "getUserGroups", "effect": {"vendor_error": "1"}, "times": 2}),
    )
    .await;
    add_fault(
        &app,
        json!({"api": "smarteru", "tenant": "demo", "effect": {"vendor_error": "SU:9999"}, "times": 2}),
    )
    .await;
    add_fault(
        &app,
        json!({"api": "yourmembership", "operation": "MemberGroups.GET", "effect": {"vendor_error": "Unauthorized"}, "times": 2}),
    )
    .await;
    let session = ym_admin_session(&app).await;
    for round in 0..3 {
        let faulted = round < 2;

        let r = luminate_groups(&app, "demo", "demo-api-key", "1000002").await;
        if faulted {
            assert_eq!(r.status, StatusCode::FORBIDDEN);
            assert_eq!(r.json()["errorResponse"]["code"], "1", "{}", r.text());
        } else {
            assert_eq!(r.status, StatusCode::OK);
            assert!(r.json()["getConsGroupsResponse"].is_object());
        }

        let r = smarteru_groups(&app, "learner.one@example.com").await;
        assert_eq!(r.status, StatusCode::OK);
        let body = r.text();
        if faulted {
            assert!(body.contains("<Result>Failed</Result>"), "{body}");
            assert!(body.contains("<ErrorID>SU:9999</ErrorID>"), "{body}");
        } else {
            assert!(body.contains("<Result>Success</Result>"), "{body}");
        }

        let r = ym_groups(&app, &session, 5001).await;
        if faulted {
            assert_eq!(r.status, StatusCode::UNAUTHORIZED);
            assert_eq!(r.json()["ResponseStatus"]["ErrorCode"], "Unauthorized");
        } else {
            assert_eq!(r.status, StatusCode::OK, "{}", r.text());
            assert!(r.json()["GroupTypeList"].is_array());
        }
    }
    let rules = send(&app, get("/_mock/faults")).await.json();
    let fired: Vec<u64> = rules["faults"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["fired"].as_u64().unwrap())
        .collect();
    assert_eq!(fired, [2, 2, 2]);
    let marked = journal(&app, "?api=luminate").await;
    let faults: Vec<bool> = marked["requests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| !e["fault"].is_null())
        .collect();
    assert_eq!(faults, [true, true, false]);
    assert_eq!(marked["requests"][0]["vendor_code"], "1");
}

#[tokio::test]
async fn an_http_status_fault_answers_that_status_with_retry_after() {
    let (app, _) = demo().await;
    add_fault(
        &app,
        json!({"api": "luminate", "tenant": "demo", "effect": {"http_status": 503, "retry_after": 7}, "times": 1}),
    )
    .await;
    let r = luminate_groups(&app, "demo", "demo-api-key", "1000002").await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(r.header("retry-after"), Some("7"));
    let r = luminate_groups(&app, "demo", "demo-api-key", "1000002").await;
    assert_eq!(r.status, StatusCode::OK);
    let e = &journal(&app, "").await["requests"][0];
    assert_eq!(e["status"], 503);
    assert_eq!(
        e["fault"]["effect"],
        json!({"http_status": 503, "retry_after": 7})
    );
}

#[tokio::test]
async fn a_latency_fault_delays_the_real_answer() {
    let (app, _) = demo().await;
    add_fault(
        &app,
        json!({"api": "luminate", "effect": {"latency_ms": 120}, "times": 1}),
    )
    .await;
    let started = std::time::Instant::now();
    let r = luminate_groups(&app, "demo", "demo-api-key", "1000002").await;
    assert!(started.elapsed() >= std::time::Duration::from_millis(120));
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.json()["getConsGroupsResponse"]["group"].is_array());
    let e = &journal(&app, "").await["requests"][0];
    assert!(e["duration_ms"].as_f64().unwrap() >= 120.0);
}

#[tokio::test]
async fn the_same_fault_seed_gives_the_same_sequence_through_the_api() {
    async fn statuses() -> Vec<u16> {
        let (app, _) = demo().await;
        add_fault(
            &app,
            json!({"api": "luminate", "effect": {"http_status": 500}, "probability": 0.5, "seed": 7}),
        )
        .await;
        let mut out = Vec::new();
        for _ in 0..40 {
            out.push(
                luminate_groups(&app, "demo", "demo-api-key", "1000001")
                    .await
                    .status
                    .as_u16(),
            );
        }
        out
    }
    let a = statuses().await;
    assert_eq!(a, statuses().await);
    assert!(a.contains(&500) && a.contains(&200), "{a:?}");
}

#[tokio::test]
async fn fault_rules_are_validated_listed_and_removed() {
    let (app, _) = demo().await;
    for bad in [
        json!({"api": "zoho", "effect": {"latency_ms": 1}}),
        json!({"api": "luminate", "effect": {"latency": 1}}),
        json!({"api": "luminate", "effect": {"latency_ms": 1}, "probability": 2.0}),
        json!({"api": "luminate", "effect": {"drop_connection": false}}),
        json!({"api": "luminate", "effect": {"http_status": 1000}}),
    ] {
        let r = send(&app, post_json("/_mock/faults", &bad)).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{bad}");
    }
    let rule = add_fault(
        &app,
        json!({"api": "luminate", "effect": {"latency_ms": 1}}),
    )
    .await;
    let id = rule["id"].as_u64().unwrap();
    assert_eq!(
        send(&app, get("/_mock/faults")).await.json()["faults"][0]["id"],
        id
    );
    let r = send(
        &app,
        Request::delete(format!("/_mock/faults/{id}"))
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    let r = send(
        &app,
        Request::delete(format!("/_mock/faults/{id}"))
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_drop_connection_fault_closes_the_socket_without_an_answer() {
    let server = common::net::start(AppState::demo().await, false).await;
    let rule =
        json!({"api": "luminate", "effect": {"drop_connection": true}, "times": 1}).to_string();
    let add = format!(
        "POST /_mock/faults HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{rule}",
        rule.len()
    );
    let mut s = tokio::net::TcpStream::connect(server.http).await.unwrap();
    assert_eq!(
        common::net::status_of(&common::net::exchange(&mut s, add.as_bytes()).await),
        201
    );

    let body = common::form(&[
        ("method", "getUserGroups"),
        ("v", "1.0"),
        ("api_key", "demo-api-key"),
        ("login_name", "apiadmin"),
        ("login_password", "admin-pass"),
        ("cons_id", "1000001"),
    ]);
    let call = format!(
        "POST /demo/site/SRConsAPI HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    let mut s = tokio::net::TcpStream::connect(server.http).await.unwrap();
    let answer = common::net::exchange(&mut s, call.as_bytes()).await;
    assert_eq!(answer, "", "a dropped connection answers nothing");
    // The rule fired once; the next call is answered.
    let mut s = tokio::net::TcpStream::connect(server.http).await.unwrap();
    let answer = tokio::time::timeout(std::time::Duration::from_secs(5), async {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        s.write_all(call.as_bytes()).await.unwrap();
        let mut buf = vec![0; 4096];
        let n = s.read(&mut buf).await.unwrap();
        String::from_utf8_lossy(&buf[..n]).into_owned()
    })
    .await
    .unwrap();
    assert_eq!(common::net::status_of(&answer), 200, "{answer}");
    server.stop().await;
}

// ------------------------------------------------------------------ isolation and reset

fn tenant_seed(i: usize) -> Value {
    json!({"luminate": {"sites": [{
        "org": format!("t{i}"), "api_key": format!("key-{i}"),
        "groups": [{"id": 1000 + i, "label": format!("Group of t{i}")}],
        "constituents": [
            {"cons_id": 1, "user_name": "apiadmin", "password": "admin-pass", "api_admin": true},
            {"cons_id": 2, "primary_email": "same@example.org", "groups": [1000 + i]}]}]}})
}

#[tokio::test]
async fn concurrent_tests_in_separate_tenants_do_not_see_each_other() {
    let (app, _) = demo().await;
    let mut tasks = Vec::new();
    for i in 0..16 {
        let app = app.clone();
        tasks.push(tokio::spawn(async move {
            let r = send(&app, post_json("/_mock/seed", &tenant_seed(i))).await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.text());
            for _ in 0..5 {
                let r = luminate_groups(&app, &format!("t{i}"), &format!("key-{i}"), "2").await;
                assert_eq!(r.status, StatusCode::OK, "{}", r.text());
                let g = &r.json()["getConsGroupsResponse"]["group"];
                assert_eq!(g["label"], format!("Group of t{i}"), "{g}");
                // Another tenant's key on this tenant's org is refused.
                let other = (i + 1) % 16;
                let r = luminate_groups(&app, &format!("t{i}"), &format!("key-{other}"), "2").await;
                assert_eq!(r.status, StatusCode::FORBIDDEN);
                assert_eq!(r.json()["errorResponse"]["code"], "2");
            }
            let mine = journal(&app, &format!("?tenant=t{i}")).await;
            assert_eq!(mine["count"], 10);
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
}

#[tokio::test]
async fn reset_restores_the_startup_state_and_clears_journal_faults_and_sessions() {
    let (app, _) = demo().await;
    let before = send(&app, get("/_mock/state")).await.json();
    let session = ym_admin_session(&app).await;
    send(&app, post_json("/_mock/seed", &tenant_seed(1))).await;
    add_fault(
        &app,
        json!({"api": "smarteru", "effect": {"latency_ms": 1}}),
    )
    .await;
    luminate_groups(&app, "demo", "demo-api-key", "1000001").await;

    let r = send(&app, post_empty("/_mock/reset")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(send(&app, get("/_mock/state")).await.json(), before);
    assert_eq!(
        send(&app, get("/_mock/faults")).await.json()["faults"],
        json!([])
    );
    // The old session is gone: the call is refused, and that refusal is the only entry.
    let r = ym_groups(&app, &session, 5001).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(journal(&app, "").await["count"], 1);
}
