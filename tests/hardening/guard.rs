//! A web page the developer visits cannot drive the control plane: writes must be JSON, a
//! foreign `Origin` is refused, `Host` must be one of the mock's names (DNS rebinding), nothing
//! is readable cross-origin, and an optional token guards it all but health and the certificate.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::Router;
use serde_json::json;

use crate::common::{demo, send, Resp};

const SEED: &str = r#"{"luminate":{"sites":[{"org":"evil","api_key":"k"}]}}"#;

fn request(method: &str, uri: &str, headers: &[(&str, &str)], body: &str) -> Request<Body> {
    let mut req = Request::builder().method(method).uri(uri);
    for (name, value) in headers {
        req = req.header(*name, *value);
    }
    req.body(Body::from(body.to_string())).unwrap()
}

async fn evil_site_exists(app: &Router) -> bool {
    let state = send(app, request("GET", "/_mock/state", &[], ""))
        .await
        .json();
    state["luminate"]["sites"]
        .as_array()
        .unwrap()
        .iter()
        .any(|s| s["org"] == "evil")
}

fn assert_refused(r: &Resp, status: StatusCode, words: &str) {
    assert_eq!(r.status, status, "{}", String::from_utf8_lossy(&r.body));
    assert!(r.content_type().starts_with("application/json"));
    let error = r.json()["error"].as_str().unwrap().to_string();
    assert!(error.contains(words), "{error}");
    assert!(r.header("access-control-allow-origin").is_none());
}

#[tokio::test]
async fn a_cross_site_form_post_cannot_reseed() {
    let (app, _) = demo().await;
    // What a page on any site can send without asking: a "simple" cross-origin POST.
    for content_type in [
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
    ] {
        let r = send(
            &app,
            request(
                "POST",
                "/_mock/seed",
                &[
                    ("host", "localhost:8080"),
                    ("origin", "http://evil.example"),
                    ("content-type", content_type),
                ],
                SEED,
            ),
        )
        .await;
        assert_refused(&r, StatusCode::FORBIDDEN, "http://evil.example");
    }
    let r = send(
        &app,
        request(
            "POST",
            "/_mock/reset",
            &[
                ("host", "127.0.0.1:8080"),
                ("origin", "https://evil.example"),
            ],
            "",
        ),
    )
    .await;
    assert_refused(&r, StatusCode::FORBIDDEN, "Origin");
    assert!(!evil_site_exists(&app).await);
}

#[tokio::test]
async fn a_write_that_is_not_json_is_a_415() {
    let (app, _) = demo().await;
    for content_type in [
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
        Some("application/jsonx"),
        None,
    ] {
        let mut headers = vec![("host", "localhost:8080")];
        if let Some(ct) = content_type {
            headers.push(("content-type", ct));
        }
        let r = send(&app, request("POST", "/_mock/seed", &headers, SEED)).await;
        assert_refused(&r, StatusCode::UNSUPPORTED_MEDIA_TYPE, "application/json");
    }
    assert!(!evil_site_exists(&app).await);
    for ct in [
        "application/json",
        "application/json; charset=utf-8",
        "Application/JSON",
    ] {
        let r = send(
            &app,
            request("POST", "/_mock/seed", &[("content-type", ct)], SEED),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{ct}: {}", r.text());
    }
    // A write without a body needs no type: `curl -X POST .../_mock/reset`.
    let r = send(&app, request("POST", "/_mock/reset", &[], "")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let r = send(&app, request("DELETE", "/_mock/faults", &[], "")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
}

#[tokio::test]
async fn a_host_that_is_not_one_of_the_mocks_names_is_a_421() {
    let (app, _) = demo().await;
    // DNS rebinding: the attacker's name, resolving to 127.0.0.1, in Host.
    for host in [
        "evil.example",
        "evil.example:8080",
        "rebind.attacker.test.",
        "a.b",
        "bad host",
        "ex\u{e4}mple",
    ] {
        for (method, uri) in [
            ("GET", "/_mock/state"),
            ("GET", "/_mock/requests"),
            ("POST", "/_mock/reset"),
            ("GET", "/_mock/health"),
        ] {
            let r = send(&app, request(method, uri, &[("host", host)], "")).await;
            assert_refused(&r, StatusCode::MISDIRECTED_REQUEST, "--allow-host");
        }
    }
    for host in [
        "localhost",
        "localhost:8080",
        "LOCALHOST:8080",
        "127.0.0.1:8080",
        "127.0.0.2",
        "[::1]:8080",
        "192.168.1.20:8080",
        "membermock:8080",
        "app.localhost:3000",
        "api.smarteru.com",
        "secure2.convio.net:443",
    ] {
        let r = send(&app, request("GET", "/_mock/state", &[("host", host)], "")).await;
        assert_eq!(r.status, StatusCode::OK, "{host}: {}", r.text());
    }
    // Vendors answer whatever the Host: a client may reach them by any name.
    let r = send(
        &app,
        request("GET", "/Ams/40001/Groups", &[("host", "evil.example")], ""),
    )
    .await;
    assert_ne!(r.status, StatusCode::MISDIRECTED_REQUEST);
}

#[tokio::test]
async fn a_local_page_may_use_it_and_nothing_is_readable_cross_origin() {
    let (app, _) = demo().await;
    for origin in [
        "http://localhost:3000",
        "http://127.0.0.1:5173",
        "http://[::1]:8000",
        "http://membermock:8080",
    ] {
        let host = if origin == "http://membermock:8080" {
            "membermock:8080"
        } else {
            "localhost:8080"
        };
        let r = send(
            &app,
            request(
                "POST",
                "/_mock/clock",
                &[
                    ("host", host),
                    ("origin", origin),
                    ("content-type", "application/json"),
                ],
                &json!({"advance_seconds": 1}).to_string(),
            ),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{origin}: {}", r.text());
        assert!(r.header("access-control-allow-origin").is_none());
    }
    for origin in [
        "null",
        "http://evil.example",
        "http://192.168.1.7:3000",
        "garbage",
    ] {
        let r = send(
            &app,
            request(
                "GET",
                "/_mock/state",
                &[("host", "localhost:8080"), ("origin", origin)],
                "",
            ),
        )
        .await;
        assert_refused(&r, StatusCode::FORBIDDEN, "Origin");
    }
    // A preflight gets no permission either.
    let r = send(
        &app,
        request(
            "OPTIONS",
            "/_mock/seed",
            &[
                ("host", "localhost:8080"),
                ("origin", "http://localhost:3000"),
                ("access-control-request-method", "POST"),
            ],
            "",
        ),
    )
    .await;
    assert!(r.status.is_client_error(), "{}", r.status);
    assert!(r.header("access-control-allow-origin").is_none());
    assert!(r.header("access-control-allow-methods").is_none());
}

async fn app_with(control: membermock::config::ControlOptions, tls_names: &[&str]) -> Router {
    let (store, _) = membermock::store::Store::open(None).unwrap();
    let options = membermock::config::Options {
        control,
        ..Default::default()
    };
    let cert_pem = if tls_names.is_empty() {
        None
    } else {
        let names: Vec<String> = tls_names.iter().map(|s| s.to_string()).collect();
        let names = membermock::tls::CertNames::new(&names, false).unwrap();
        Some(membermock::tls::generated(&names, None).unwrap().cert_pem)
    };
    let state = membermock::AppState::new(
        store,
        membermock::seed::Seed::demo(),
        true,
        options,
        cert_pem,
    )
    .await
    .unwrap();
    membermock::app(state)
}

#[tokio::test]
async fn names_the_operator_adds_or_the_certificate_covers_are_accepted() {
    let control = membermock::config::ControlOptions {
        allow_hosts: vec!["mock.ci.example".into()],
        ..Default::default()
    };
    let app = app_with(control, &["membermock.internal.example", "*.svc.example"]).await;
    for host in [
        "mock.ci.example:8080",
        "MOCK.CI.EXAMPLE",
        "membermock.internal.example:8080",
        "membermock.svc.example",
    ] {
        let r = send(
            &app,
            request("GET", "/_mock/requests", &[("host", host)], ""),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{host}: {}", r.text());
    }
    let r = send(
        &app,
        request("GET", "/_mock/requests", &[("host", "a.b.svc.example")], ""),
    )
    .await;
    assert_refused(&r, StatusCode::MISDIRECTED_REQUEST, "a.b.svc.example");
    // An --allow-host name may also be a page's origin.
    let r = send(
        &app,
        request(
            "GET",
            "/_mock/requests",
            &[
                ("host", "mock.ci.example"),
                ("origin", "https://mock.ci.example:3000"),
            ],
            "",
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());

    let any = membermock::config::ControlOptions {
        allow_hosts: vec!["*".into()],
        ..Default::default()
    };
    let app = app_with(any, &[]).await;
    let r = send(
        &app,
        request("GET", "/_mock/requests", &[("host", "evil.example")], ""),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
}

#[tokio::test]
async fn with_a_token_everything_but_health_and_the_certificate_needs_it() {
    let control = membermock::config::ControlOptions {
        token: Some(membermock::config::ControlToken::new("s3cret-token").unwrap()),
        ..Default::default()
    };
    let app = app_with(control, &["localhost"]).await;
    for (method, uri) in [
        ("GET", "/_mock/state"),
        ("GET", "/_mock/requests"),
        ("POST", "/_mock/reset"),
        ("DELETE", "/_mock/faults"),
        ("GET", "/_mock/clock"),
        ("GET", "/_mock/nowhere"),
    ] {
        for auth in [
            None,
            Some("Bearer wrong"),
            Some("Basic czNjcmV0LXRva2Vu"),
            Some("Bearer s3cret-token2"),
        ] {
            let mut headers = vec![];
            if let Some(auth) = auth {
                headers.push(("authorization", auth));
            }
            let r = send(&app, request(method, uri, &headers, "")).await;
            assert_refused(&r, StatusCode::UNAUTHORIZED, "Bearer");
            assert!(r.header("www-authenticate").unwrap().starts_with("Bearer"));
            assert!(!r.text().contains("s3cret"));
        }
        let r = send(
            &app,
            request(
                method,
                uri,
                &[("authorization", "bearer  s3cret-token ")],
                "",
            ),
        )
        .await;
        assert_ne!(r.status, StatusCode::UNAUTHORIZED, "{method} {uri}");
    }
    for uri in ["/_mock/health", "/_mock/tls/cert.pem"] {
        let r = send(&app, request("GET", uri, &[], "")).await;
        assert_eq!(r.status, StatusCode::OK, "{uri}");
    }
    // The vendors do not care.
    let call = crate::common::post_form(
        "/demo/site/SRConsAPI",
        &[
            ("method", "getUserGroups"),
            ("v", "1.0"),
            ("api_key", "demo-api-key"),
            ("login_name", "apiadmin"),
            ("login_password", "admin-pass"),
            ("cons_id", "1000002"),
        ],
    );
    assert_eq!(send(&app, call).await.status, StatusCode::OK);
}
