//! The luminateExtend flow in a real headless Chromium: a page served from another origin logs
//! in and reads its own groups through the client API, so the browser's own CORS rules decide
//! whether the page may read each answer. Wrong CORS headers (a missing or `*` origin, no
//! credentials flag, a failed preflight) make the browser block the reads and this test fail.

use axum::response::Html;
use axum::routing::get;
use serde_json::json;

use super::*;
use common::browser::Browser;

const PAGE: &str = include_str!("../browser/luminate_extend.html");

/// Serve the page on its own loopback port: another origin than the mock's.
async fn serve_page() -> std::net::SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = axum::Router::new().route("/page.html", get(|| async { Html(PAGE) }));
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    addr
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_on_another_origin_logs_in_and_reads_its_groups_as_luminate_extend_does() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let state = membermock::AppState::demo().await;
    let control = membermock::app(state.clone());
    // A site whose allowed domains do not include the page's.
    let closed = serde_json::json!({"luminate": {"sites": [{"org": "closed",
        "api_key": API_KEY, "cors_domains": ["www.example.org"]}]}});
    let r = send(&control, common::post_json("/_mock/seed", &closed)).await;
    assert!(r.status.is_success(), "{}", r.text());
    let server = common::net::start(state, false).await;
    let page = serve_page().await;
    let api = format!("http://127.0.0.1:{}", server.http.port());
    let url = format!(
        "http://127.0.0.1:{}/page.html?api={api}/demo/site/&key={API_KEY}&user=grace\
         &password=grace-pass&closed={api}/closed/site/",
        page.port()
    );
    assert_ne!(page.port(), server.http.port());

    browser.goto(&url).await;
    let out = browser
        .execute_async(
            "const done = arguments[arguments.length - 1]; window.luminateFlow.then(done);",
            json!([]),
        )
        .await;
    browser.quit().await;

    let shown = serde_json::to_string_pretty(&out).unwrap();
    assert_eq!(out["error"], serde_json::Value::Null, "{shown}");
    for step in [
        "getAuth",
        "login",
        "getAuthWithNonce",
        "getUserGroups",
        "preflightedGetUser",
        "logout",
        "getAuthAfterLogout",
    ] {
        assert_eq!(
            out["steps"][step]["blocked"], false,
            "the browser blocked {step}: {shown}"
        );
    }
    assert_eq!(out["steps"]["login"]["cons_id"], "1000002", "{shown}");
    assert_eq!(out["sameSessionAfterLogin"], true, "{shown}");
    assert_eq!(
        out["groups"],
        json!([
            "1001 Puppy Lovers",
            "1002 Monthly Donors",
            "1003 Volunteers & Friends",
            "1004 Gala <2026> Committee"
        ]),
        "{shown}"
    );
    assert_eq!(out["firstName"], "Grace", "{shown}");
    assert_eq!(
        out["steps"]["logout"]["message"], "User logged out successfully.",
        "{shown}"
    );
    // After logout the page's new token is an anonymous session's: not logged in.
    assert_eq!(out["afterLogoutError"], "3", "{shown}");
    assert_eq!(
        out["refusedOriginBlocked"], true,
        "a site that does not list the page's domain must be unreadable: {shown}"
    );

    // The browser really asked first for the request with a custom header.
    let journal = send(&control, common::get("/_mock/requests?api=luminate"))
        .await
        .json();
    let preflights = journal
        .as_array()
        .or_else(|| journal["requests"].as_array())
        .map(|a| a.iter().filter(|e| e["method"] == "OPTIONS").count())
        .unwrap_or(0);
    assert!(preflights >= 1, "no preflight reached the mock: {journal}");
    server.stop().await;
}
