//! Browser pages on another origin (luminateExtend): the site's `cors_domains`, the headers an
//! allowed origin gets on every client-servlet answer, preflights, and the refusal.

use axum::http::Method;

use super::*;

const PAGE: &str = "http://localhost:8081";

fn with_origin(mut req: Request<Body>, origin: &str) -> Request<Body> {
    req.headers_mut().insert("origin", origin.parse().unwrap());
    req
}

fn preflight(uri: &str, origin: &str, headers: Option<&str>) -> Request<Body> {
    let mut req = Request::builder()
        .method(Method::OPTIONS)
        .uri(uri)
        .header("origin", origin)
        .header("access-control-request-method", "POST");
    if let Some(h) = headers {
        req = req.header("access-control-request-headers", h);
    }
    req.body(Body::empty()).unwrap()
}

fn assert_allowed(r: &common::Resp, origin: &str) {
    assert_eq!(r.header("access-control-allow-origin"), Some(origin));
    assert_eq!(r.header("access-control-allow-credentials"), Some("true"));
    assert!(
        r.headers
            .get_all("vary")
            .iter()
            .any(|v| v.to_str().unwrap().contains("Origin")),
        "Vary: Origin"
    );
}

fn assert_no_cors(r: &common::Resp) {
    for h in [
        "access-control-allow-origin",
        "access-control-allow-credentials",
        "access-control-allow-methods",
    ] {
        assert_eq!(r.header(h), None, "{h}");
    }
}

// luminateExtend's getAuth: a credentialed GET of getLoginUrl from the page's origin.
#[tokio::test]
async fn an_allowed_origin_gets_its_own_origin_back_with_credentials() {
    let (app, _) = common::demo().await;
    let uri = format!(
        "{CR}?luminateExtend=1.9.0&api_key={API_KEY}&method=getLoginUrl&response_format=json&v=1.0"
    );
    let r = send(
        &app,
        with_origin(Request::get(&uri).body(Body::empty()).unwrap(), PAGE),
    )
    .await;
    assert_eq!(r.status, 200);
    assert_allowed(&r, PAGE);
    // The exact origin, never `*` (the clients send credentials), for any port of a listed
    // host.
    let other = "http://127.0.0.1:45678";
    let r = send(
        &app,
        with_origin(Request::get(&uri).body(Body::empty()).unwrap(), other),
    )
    .await;
    assert_allowed(&r, other);
}

#[tokio::test]
async fn errors_and_redirects_to_an_allowed_origin_carry_the_headers_too() {
    let (app, _) = common::demo().await;
    let p = client(
        "getUserGroups",
        &[
            ("suppress_response_codes", "true"),
            ("response_format", "json"),
        ],
    );
    let r = send(&app, with_origin(common::post_form(CR, &p), PAGE)).await;
    assert_eq!(error_code(&r), "5");
    assert_allowed(&r, PAGE);
    let r = send(
        &app,
        with_origin(common::post_form(CR, &client("getUserGroups", &[])), PAGE),
    )
    .await;
    assert_eq!(r.status, 403);
    assert_allowed(&r, PAGE);
    let p = client(
        "login",
        &[
            ("user_name", "ada"),
            ("password", "ada-pass"),
            ("success_redirect", "https://client.example/ok"),
        ],
    );
    let r = send(&app, with_origin(common::post_form(CR, &p), PAGE)).await;
    assert_eq!(r.status, 302);
    assert_allowed(&r, PAGE);
    let r = send(
        &app,
        with_origin(
            Request::put(format!("{CR}?method=getLoginUrl"))
                .body(Body::empty())
                .unwrap(),
            PAGE,
        ),
    )
    .await;
    assert_eq!(r.status, 405);
    assert_allowed(&r, PAGE);
}

#[tokio::test]
async fn an_injected_fault_answers_an_allowed_origin_with_the_headers() {
    let (app, _) = common::demo().await;
    let rule = serde_json::json!({"api": "luminate", "effect": {"vendor_error": "1"}, "times": 1});
    let r = send(&app, common::post_json("/_mock/faults", &rule)).await;
    assert!(r.status.is_success(), "{}", r.text());
    let r = send(
        &app,
        with_origin(common::post_form(CR, &client("getLoginUrl", &[])), PAGE),
    )
    .await;
    assert_eq!(error_code(&r), "1");
    assert_allowed(&r, PAGE);
}

// luminateExtend issue 72: a page whose origin is not allowed sees "No
// 'Access-Control-Allow-Origin' header is present on the requested resource."
#[tokio::test]
async fn an_origin_the_site_does_not_list_gets_no_cors_headers() {
    let (app, _) = common::demo().await;
    for origin in [
        "https://evil.example",
        "null",
        "http://localhost.evil.example:8081",
        "not an origin",
    ] {
        let r = send(
            &app,
            with_origin(common::post_form(CR, &client("getLoginUrl", &[])), origin),
        )
        .await;
        assert_eq!(r.status, 200, "{origin}: the call itself is answered");
        assert_no_cors(&r);
        let r = send(&app, preflight(CR, origin, None)).await;
        assert_eq!(r.status, 403, "{origin}");
        assert_no_cors(&r);
        assert!(r.body.is_empty());
    }
    // Another site's list does not count.
    let filtered = "/filtered/site/CRConsAPI";
    let r = send(
        &app,
        with_origin(
            common::post_form(filtered, &client("getLoginUrl", &[])),
            PAGE,
        ),
    )
    .await;
    assert_no_cors(&r);
}

// [choice] Only the client servlets answer browsers.
#[tokio::test]
async fn the_server_servlets_never_answer_a_browser() {
    let (app, _) = common::demo().await;
    for uri in [SR, SRG] {
        let r = send(
            &app,
            with_origin(
                common::post_form(uri, &admin("getUserGroups", &[("cons_id", "1000001")])),
                PAGE,
            ),
        )
        .await;
        assert_no_cors(&r);
        let r = send(&app, preflight(uri, PAGE, None)).await;
        assert_eq!(r.status, 403);
        assert_no_cors(&r);
    }
    // Nor does a servlet the mock does not serve, nor an unknown org.
    for uri in ["/demo/site/CRDonationAPI", "/nosuch/site/CRConsAPI"] {
        let r = send(&app, preflight(uri, PAGE, None)).await;
        assert_eq!(r.status, 403, "{uri}");
        assert_no_cors(&r);
    }
}

// luminateExtend issue 23: "the API will now return the Access-Control-Allow-Credentials
// response header on pre-flight requests".
#[tokio::test]
async fn a_preflight_from_an_allowed_origin_is_answered() {
    let (app, _) = common::demo().await;
    for uri in [CR, CRG, "/site/CRConsAPI;jsessionid=membermock"] {
        let r = send(
            &app,
            preflight(uri, PAGE, Some("content-type,x-requested-with")),
        )
        .await;
        assert_eq!(r.status, 200, "{uri}");
        assert!(r.body.is_empty());
        assert_allowed(&r, PAGE);
        assert_eq!(r.header("access-control-allow-methods"), Some("GET, POST"));
        assert_eq!(
            r.header("access-control-allow-headers"),
            Some("content-type,x-requested-with")
        );
        assert_eq!(r.header("access-control-max-age"), Some("1800"));
    }
    // An OPTIONS that is no preflight is a verb the API does not take.
    let r = send(
        &app,
        Request::builder()
            .method(Method::OPTIONS)
            .uri(CR)
            .header("origin", PAGE)
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, 405);
    assert_allowed(&r, PAGE);
}

#[tokio::test]
async fn without_an_origin_nothing_is_added() {
    let (app, _) = common::demo().await;
    let r = post(&app, CR, &client("getLoginUrl", &[])).await;
    assert_no_cors(&r);
    assert_eq!(r.header("vary"), None);
}

#[tokio::test]
async fn cors_domains_follow_luminates_wildcards_and_are_changed_by_the_seed() {
    let (app, _) = common::demo().await;
    edit_demo_site(&app, |site| {
        site["cors_domains"] = serde_json::json!(["*.example.org", "partner.test:8443"]);
    })
    .await;
    for (origin, allowed) in [
        ("https://example.org", true),
        ("https://www.example.org", true),
        ("https://a.b.example.org", false),
        ("https://partner.test:8443", true),
        ("https://partner.test", false),
        (PAGE, false),
    ] {
        let r = send(&app, preflight(CR, origin, None)).await;
        assert_eq!(r.status == 200, allowed, "{origin}");
    }
}

#[tokio::test]
async fn a_cors_domain_that_is_a_url_is_refused_by_the_seed() {
    let (app, _) = common::demo().await;
    let doc = serde_json::json!({"luminate": {"sites": [{"org": "t", "api_key": "k",
        "cors_domains": ["localhost", "https://www.example.org"]}]}});
    let r = send(&app, common::post_json("/_mock/seed", &doc)).await;
    assert_eq!(r.status, 400);
    assert!(
        r.text().contains("luminate.sites[0].cors_domains[1]"),
        "{}",
        r.text()
    );
}
