//! The dashboard in a real headless Chromium, used as a person would: open the page, watch a
//! call made elsewhere arrive in the live journal without reloading, add a membership and see
//! the vendor answer it, create a fault and see the next call fail with it, move the clock.
//!
//! Each step saves a screenshot under `target/ui-screenshots/` for review. Any step the page
//! does not complete in time fails the test (with a screenshot of what it showed instead).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use serde_json::{json, Value};

use super::common;
use common::browser::Browser;

/// Where the screenshots go: `target/ui-screenshots/`.
fn screenshot_dir() -> PathBuf {
    std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .unwrap()
        .join("ui-screenshots")
}

/// How long the page may take for each step.
const STEP: Duration = Duration::from_secs(10);

/// A vendor call from outside the page: `POST path` with a form body over a fresh connection;
/// (status, body).
async fn post_form(addr: SocketAddr, path: &str, pairs: &[(&str, &str)]) -> (u16, String) {
    let body = common::form(pairs);
    let request = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/x-www-form-urlencoded\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let answer = common::net::exchange(&mut stream, request.as_bytes()).await;
    (
        common::net::status_of(&answer),
        common::net::body_of(&answer).to_string(),
    )
}

/// Luminate `getUserGroups` for `cons_id` by the demo API admin.
async fn get_user_groups(addr: SocketAddr, cons_id: &str) -> (u16, String) {
    post_form(
        addr,
        "/demo/site/SRConsAPI",
        &[
            ("method", "getUserGroups"),
            ("v", "1.0"),
            ("api_key", "demo-api-key"),
            ("login_name", "apiadmin"),
            ("login_password", "admin-pass"),
            ("cons_id", cons_id),
            ("response_format", "json"),
        ],
    )
    .await
}

/// Wait for the page to show something (see [`Browser::wait_for`]); a screenshot on failure.
async fn wait(browser: &Browser, what: &str, expression: &str) -> Value {
    browser
        .wait_for(what, expression, STEP, &screenshot_dir())
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_person_watches_calls_arrive_changes_a_membership_and_injects_a_fault() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let dir = screenshot_dir();
    let state = membermock::AppState::demo().await;
    let server = common::net::start(state.clone(), false).await;
    let addr = server.http;
    let base = format!("http://{addr}/_mock/ui");
    browser.window_size(1440, 1000).await;

    // 1. Open the page: tenants, people and their groups, the feed live.
    browser.goto(&base).await;
    wait(
        &browser,
        "a ready page",
        "document.body.dataset.ready === 'true'",
    )
    .await;
    wait(
        &browser,
        "the live feed connected",
        "document.querySelector('#live').dataset.state === 'live'",
    )
    .await;
    let timing = browser
        .execute(
            "const n = performance.getEntriesByType('navigation')[0]; \
             const r = performance.getEntriesByName('membermock-ready')[0]; \
             return {load: n.loadEventEnd - n.startTime, ready: r.startTime, \
                     transfer: performance.getEntriesByType('resource') \
                       .filter(e => /app\\.(js|css)$/.test(e.name)) \
                       .map(e => e.responseEnd - e.startTime)};",
            json!([]),
        )
        .await;
    eprintln!("dashboard timing (ms): {timing}");
    assert!(
        timing["ready"].as_f64().unwrap() < 2000.0,
        "the page took {timing} ms to show its data"
    );
    let tenants = browser
        .execute(
            "return [...document.querySelectorAll('#tenant-list .tenant')] \
             .map(b => b.dataset.api + '/' + b.dataset.tenant);",
            json!([]),
        )
        .await;
    assert_eq!(
        tenants,
        json!([
            "luminate/demo",
            "luminate/filtered",
            "smarteru/demo",
            "smarteru/other",
            "yourmembership/40001",
            "yourmembership/40002"
        ])
    );
    wait(
        &browser,
        "Grace's four groups",
        "document.querySelectorAll('tr[data-person=\"1000002\"] .chip').length === 4",
    )
    .await;
    browser
        .execute("window.notReloaded = true;", json!([]))
        .await;
    browser.screenshot(&dir, "01-opened").await;

    // 2. A call made elsewhere shows in the live journal, without a reload.
    let (status, _) = get_user_groups(addr, "1000003").await;
    assert_eq!(status, 200);
    wait(
        &browser,
        "the call in the live journal",
        "document.querySelector('#journal tr.call[data-operation=\"getUserGroups\"]')",
    )
    .await;
    assert_eq!(
        browser
            .execute("return window.notReloaded;", json!([]))
            .await,
        true
    );
    let row = browser
        .execute(
            "return [...document.querySelector('#journal tr.call').cells].map(c => c.textContent);",
            json!([]),
        )
        .await;
    assert_eq!(row[1], "Luminate Online", "{row}");
    assert_eq!(row[2], "demo", "{row}");
    assert_eq!(row[3], "getUserGroups", "{row}");
    assert_eq!(row[4], "200", "{row}");
    browser.screenshot(&dir, "02-call-arrived").await;

    // Its parameters (secrets masked) and its answer.
    browser.click("#journal tr.call").await;
    wait(
        &browser,
        "the call's answer",
        "!document.querySelector('#detail').hidden && \
         document.querySelector('#detail-answer').textContent.includes('getConsGroupsResponse')",
    )
    .await;
    let params = browser
        .execute(
            "return Object.fromEntries([...document.querySelectorAll('#detail-params tr')] \
             .map(r => [r.cells[0].textContent, r.cells[1].textContent]));",
            json!([]),
        )
        .await;
    assert_eq!(params["api_key"], "****", "{params}");
    assert_eq!(params["login_password"], "****", "{params}");
    assert_eq!(params["cons_id"], "1000003", "{params}");
    let page_text = browser
        .execute("return document.body.innerText;", json!([]))
        .await;
    for secret in ["demo-api-key", "admin-pass"] {
        assert!(
            !page_text.as_str().unwrap().contains(secret),
            "the page shows `{secret}`"
        );
    }
    browser.screenshot(&dir, "03-call-detail").await;
    browser.click("#detail-close").await;

    // 3. Add Alan (no groups) to Volunteers & Friends in the page; getUserGroups answers it.
    browser
        .click("tr[data-person=\"1000003\"] td.groups select")
        .await;
    browser
        .click("tr[data-person=\"1000003\"] td.groups select option[value=\"1003\"]")
        .await;
    wait(
        &browser,
        "Alan's new group",
        "document.querySelector('tr[data-person=\"1000003\"] .chip[data-group=\"1003\"]')",
    )
    .await;
    browser.screenshot(&dir, "04-membership-added").await;
    let (status, body) = get_user_groups(addr, "1000003").await;
    assert_eq!(status, 200, "{body}");
    let answer: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        answer["getConsGroupsResponse"]["group"]["id"], "1003",
        "{body}"
    );

    // 4. A fault rule made in the page, with the API's own validation. The form suggests the
    // vendor's operation names.
    wait(
        &browser,
        "getUserGroups among the suggested operations",
        "document.querySelector('#operations option[value=getUserGroups]')",
    )
    .await;
    browser
        .type_into("#fault-form input[name=operation]", "getUserGroups")
        .await;
    browser
        .type_into("#fault-form input[name=value]", "1")
        .await;
    browser
        .type_into("#fault-form input[name=probability]", "2")
        .await;
    browser.click("#fault-form button[type=submit]").await;
    let refused = wait(
        &browser,
        "the API's refusal of a probability of 2",
        "!document.querySelector('#fault-error').hidden && \
         document.querySelector('#fault-error').textContent",
    )
    .await;
    assert!(
        refused.as_str().unwrap().contains("probability"),
        "{refused}"
    );
    browser.clear("#fault-form input[name=probability]").await;
    browser
        .type_into("#fault-form input[name=tenant]", "demo")
        .await;
    browser
        .type_into("#fault-form input[name=times]", "1")
        .await;
    browser.click("#fault-form button[type=submit]").await;
    wait(
        &browser,
        "the new fault rule",
        "document.querySelector('#faults tr[data-rule]')",
    )
    .await;
    browser.screenshot(&dir, "05-fault-created").await;
    let rules = state.faults.list();
    assert_eq!(rules.len(), 1, "{rules:?}");

    // The next call fails with it, and the page shows it did.
    let (status, body) = get_user_groups(addr, "1000002").await;
    assert_eq!(status, 403, "{body}");
    assert!(body.contains("\"code\":\"1\""), "{body}");
    wait(
        &browser,
        "the faulted call in the journal",
        "document.querySelector('#journal tr.call.faulted')",
    )
    .await;
    wait(
        &browser,
        "the rule's fired count",
        "document.querySelector('#faults td.fired').textContent === '1'",
    )
    .await;
    browser.screenshot(&dir, "06-fault-fired").await;

    // 5. The clock: a YourMembership session opened elsewhere expires after +15 minutes, and
    // the page shows both.
    let (status, body) = post_form(
        addr,
        "/Ams/Authenticate",
        &[
            ("ClientID", "40001"),
            ("UserType", "Admin"),
            ("Username", "demo-ym-api-key"),
            ("Password", "demo-ym-api-password"),
        ],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    browser
        .click("#tenant-list .tenant[data-api=\"yourmembership\"][data-tenant=\"40001\"]")
        .await;
    wait(
        &browser,
        "the YM session, live",
        "document.querySelector('#tenant-detail').textContent.includes('1 live, 0 expired')",
    )
    .await;
    wait(
        &browser,
        "Ada's YM relationships",
        "document.querySelectorAll('tr[data-person=\"5001\"] .chip').length > 0",
    )
    .await;
    browser.screenshot(&dir, "07-ym-session-live").await;
    browser.click("[data-advance=\"900\"]").await;
    wait(
        &browser,
        "the clock 15 minutes ahead",
        "document.querySelector('#clock-mode').textContent === '+15 min'",
    )
    .await;
    wait(
        &browser,
        "the YM session, expired",
        "document.querySelector('#tenant-detail').textContent.includes('0 live, 1 expired')",
    )
    .await;
    assert!(!state.clock.is_real());
    browser
        .screenshot(&dir, "08-clock-moved-session-expired")
        .await;

    browser.quit().await;
    server.stop().await;
    eprintln!("screenshots in {}", dir.display());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_a_control_token_the_page_asks_for_it_once_then_reads_and_writes() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let dir = screenshot_dir();
    let state = super::state_with_token().await;
    let server = common::net::start(state.clone(), false).await;
    let addr = server.http;
    browser.window_size(1440, 1000).await;

    browser.goto(&format!("http://{addr}/_mock/ui")).await;
    wait(
        &browser,
        "the dialog asking for the token",
        "document.querySelector('#login').open",
    )
    .await;
    browser.screenshot(&dir, "token-1-asked").await;
    browser.type_into("#login-token", "not-the-token").await;
    browser.click("#login-form button[type=submit]").await;
    wait(
        &browser,
        "the refusal of a wrong token",
        "!document.querySelector('#login-error').hidden",
    )
    .await;
    browser.clear("#login-token").await;
    browser.type_into("#login-token", super::TOKEN).await;
    browser.click("#login-form button[type=submit]").await;
    wait(
        &browser,
        "a ready page",
        "document.body.dataset.ready === 'true'",
    )
    .await;
    wait(
        &browser,
        "the live feed connected with the cookie",
        "document.querySelector('#live').dataset.state === 'live'",
    )
    .await;
    // The cookie is the browser's, not the page's: no script can read it.
    assert_eq!(
        browser.execute("return document.cookie;", json!([])).await,
        ""
    );
    let (status, _) = get_user_groups(addr, "1000002").await;
    assert_eq!(status, 200);
    wait(
        &browser,
        "the call in the live journal",
        "document.querySelector('#journal tr.call[data-operation=\"getUserGroups\"]')",
    )
    .await;
    // A write with the cookie, from the page itself.
    browser.click("[data-advance=\"3600\"]").await;
    wait(
        &browser,
        "the clock an hour ahead",
        "document.querySelector('#clock-mode').textContent === '+60 min'",
    )
    .await;
    assert!(!state.clock.is_real());
    browser.screenshot(&dir, "token-2-working").await;
    browser.quit().await;
    server.stop().await;
}

/// How fast the page loads from a running membermock (a release build, say):
/// `MEMBERMOCK_UI_URL=http://127.0.0.1:8080/_mock/ui cargo test --test ui page_load -- --ignored --nocapture`.
/// Ten loads; for each, the navigation's `load` event and the moment the page has shown its
/// data (`membermock-ready`), in milliseconds from the start of the navigation.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a measurement: needs MEMBERMOCK_UI_URL"]
async fn page_load() {
    let url = std::env::var("MEMBERMOCK_UI_URL").expect("MEMBERMOCK_UI_URL");
    let Some(browser) = Browser::start().await else {
        return;
    };
    browser.window_size(1440, 1000).await;
    let mut loads = Vec::new();
    let mut readies = Vec::new();
    for i in 0..11 {
        browser.goto(&url).await;
        wait(
            &browser,
            "a ready page",
            "document.body.dataset.ready === 'true'",
        )
        .await;
        let t = browser
            .execute(
                "const n = performance.getEntriesByType('navigation')[0]; \
                 return [n.loadEventEnd - n.startTime, \
                         performance.getEntriesByName('membermock-ready')[0].startTime];",
                json!([]),
            )
            .await;
        // The first load fills the browser's cache and connections: not counted.
        if i > 0 {
            loads.push(t[0].as_f64().unwrap());
            readies.push(t[1].as_f64().unwrap());
        }
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    println!(
        "page load: load event median {:.1} ms (max {:.1}), data shown median {:.1} ms (max {:.1})",
        median(&mut loads),
        loads.last().unwrap(),
        median(&mut readies),
        readies.last().unwrap()
    );
    browser.quit().await;
}
