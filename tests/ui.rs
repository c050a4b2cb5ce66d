//! The dashboard (`/_mock/ui`, docs/dashboard.md): its routes driven through the real router
//! in-process, then the whole page in a real headless Chromium (`ui/browser.rs`).

mod common;

#[path = "ui/browser.rs"]
mod browser;

use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::Router;
use common::{demo, get, post_form, post_json, send, send_over, Resp};
use http_body_util::BodyExt;
use membermock::vendor::Scheme;
use serde_json::{json, Value};

const GUG: &[(&str, &str)] = &[
    ("method", "getUserGroups"),
    ("v", "1.0"),
    ("api_key", "demo-api-key"),
    ("login_name", "apiadmin"),
    ("login_password", "admin-pass"),
    ("response_format", "json"),
];

/// Luminate `getUserGroups` for a constituent of the demo site: the group ids it answers.
async fn luminate_groups(app: &Router, cons_id: &str) -> Vec<String> {
    let mut params = GUG.to_vec();
    params.push(("cons_id", cons_id));
    let r = send(app, post_form("/demo/site/SRConsAPI", &params)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let groups = &r.json()["getConsGroupsResponse"]["group"];
    let list = match groups {
        Value::Array(a) => a.clone(),
        Value::Null => Vec::new(),
        one => vec![one.clone()],
    };
    list.iter()
        .map(|g| g["id"].as_str().unwrap().to_string())
        .collect()
}

/// SmarterU `getUserGroups` as the account owner: the group names it answers.
async fn smarteru_groups(app: &Router, user_id: &str) -> Vec<String> {
    let package = format!(
        "<SmarterU><AccountAPI>demo-account-key</AccountAPI><UserAPI>owner-user-key</UserAPI>\
         <Method>getUserGroups</Method><Parameters><User><ID>{user_id}</ID></User></Parameters>\
         </SmarterU>"
    );
    let r = send_over(
        app,
        post_form("/apiv2/", &[("Package", &package)]),
        Scheme::Https,
    )
    .await;
    let text = r.text();
    assert!(text.contains("<Result>Success</Result>"), "{text}");
    text.split("<Name><![CDATA[")
        .skip(1)
        .map(|rest| rest.split("]]>").next().unwrap().to_string())
        .collect()
}

/// YourMembership `Member/{id}/Groups` as the client's admin: the names of the joined groups.
async fn ym_groups(app: &Router, member_id: &str) -> Vec<String> {
    let auth = send(
        app,
        post_json(
            "/Ams/Authenticate",
            &json!({"ClientID": 40001, "UserType": "Admin", "Username": "demo-ym-api-key",
                    "Password": "demo-ym-api-password"}),
        ),
    )
    .await;
    let session = auth.json()["SessionId"].as_str().unwrap().to_string();
    let req = Request::get(format!("/Ams/40001/Member/{member_id}/Groups"))
        .header("X-SS-ID", session)
        .body(Body::empty())
        .unwrap();
    let r = send(app, req).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    r.json()["GroupTypeList"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|t| t["Groups"].as_array().cloned().unwrap_or_default())
        .filter(|g| g["Status"] == "Joined")
        .map(|g| g["Name"].as_str().unwrap().to_string())
        .collect()
}

async fn people(app: &Router, api: &str, tenant: &str) -> Value {
    let r = send(
        app,
        get(&format!(
            "/_mock/ui/people?api={api}&tenant={tenant}&limit=500"
        )),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    r.json()
}

fn person<'a>(page: &'a Value, id: &str) -> &'a Value {
    page["people"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == id)
        .unwrap_or_else(|| panic!("no person {id} in {page}"))
}

fn group_field(person: &Value, field: &str) -> Vec<String> {
    person["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g[field].as_str().unwrap().to_string())
        .collect()
}

async fn change(app: &Router, body: Value) -> Resp {
    send(app, post_json("/_mock/ui/membership", &body)).await
}

// ---------------------------------------------------------------- the page

#[tokio::test]
async fn the_page_and_its_assets_are_served_compiled_in_with_a_strict_policy() {
    let (app, _) = demo().await;
    let page = send(&app, get("/_mock/ui")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.content_type(), "text/html; charset=utf-8");
    let csp = page.header("content-security-policy").unwrap();
    for directive in [
        "default-src 'none'",
        "script-src 'self'",
        "frame-ancestors 'none'",
        "connect-src 'self'",
    ] {
        assert!(csp.contains(directive), "{csp}");
    }
    assert_eq!(page.header("x-frame-options"), Some("DENY"));
    assert_eq!(page.header("referrer-policy"), Some("no-referrer"));
    assert!(page.text().contains("/_mock/ui/app.js"));
    // No inline script for the policy to allow.
    assert!(!page.text().contains("<script>"));

    for (path, kind) in [
        ("/_mock/ui/app.js", "text/javascript; charset=utf-8"),
        ("/_mock/ui/app.css", "text/css; charset=utf-8"),
    ] {
        let r = send(&app, get(path)).await;
        assert_eq!(r.status, StatusCode::OK, "{path}");
        assert_eq!(r.content_type(), kind);
        let etag = r.header("etag").unwrap().to_string();
        let again = Request::get(path)
            .header("if-none-match", &etag)
            .body(Body::empty())
            .unwrap();
        assert_eq!(send(&app, again).await.status, StatusCode::NOT_MODIFIED);
    }
}

#[tokio::test]
async fn the_assets_stay_small() {
    let (app, _) = demo().await;
    let mut total = 0;
    for path in ["/_mock/ui", "/_mock/ui/app.js", "/_mock/ui/app.css"] {
        total += send(&app, get(path)).await.body.len();
    }
    assert!(
        total < 64 * 1024,
        "the dashboard's assets take {total} bytes"
    );
}

// ---------------------------------------------------------------- tenants and people

#[tokio::test]
async fn tenants_list_every_site_account_and_client_with_counts() {
    let (app, _) = demo().await;
    let r = send(&app, get("/_mock/ui/tenants")).await;
    assert_eq!(r.status, StatusCode::OK);
    let tenants = r.json()["tenants"].as_array().unwrap().clone();
    let names: Vec<String> = tenants
        .iter()
        .map(|t| {
            format!(
                "{}/{}",
                t["api"].as_str().unwrap(),
                t["tenant"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        names,
        [
            "luminate/demo",
            "luminate/filtered",
            "smarteru/demo",
            "smarteru/other",
            "yourmembership/40001",
            "yourmembership/40002"
        ]
    );
    let demo = &tenants[0];
    assert_eq!(demo["people"], 9);
    assert!(demo["groups"].as_i64().unwrap() >= 4, "{demo}");

    // The fault form's suggestions: each vendor's operation names, as fault rules match them.
    let operations = &r.json()["operations"];
    for (api, op) in [
        ("luminate", "getUserGroups"),
        ("smarteru", "getUserGroups"),
        ("yourmembership", "MemberGroups.GET"),
    ] {
        let names = operations[api].as_array().unwrap();
        assert!(names.contains(&json!(op)), "{api}: {names:?}");
    }
}

#[tokio::test]
async fn a_tenants_group_list_in_the_page_stops_at_1000_groups_for_every_vendor() {
    let (app, _) = demo().await;
    let many = json!({"people": 0, "groups": 1005});
    let seed = json!({
        "luminate": {"sites": [{"org": "many", "api_key": "k", "generate": many}]},
        "smarteru": {"accounts": [{"name": "many", "account_api_key": "many-key",
                                   "groups": [], "generate": many}]},
        "yourmembership": {"clients": [{"client_id": 49999, "api_key": "k",
                                        "api_password": "p", "generate": many}]}
    });
    let r = send(&app, post_json("/_mock/seed", &seed)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    for (api, tenant) in [
        ("luminate", "many"),
        ("smarteru", "many"),
        ("yourmembership", "49999"),
    ] {
        let page = people(&app, api, tenant).await;
        let catalogue = page["catalogue"].as_array().unwrap();
        assert_eq!(catalogue.len(), 1000, "{api}");
    }
}

/// Every key, password and user key the demo seed holds.
async fn seed_secrets(app: &Router) -> Vec<String> {
    fn walk(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::Object(map) => {
                for (k, v) in map {
                    if membermock::journal::is_answer_secret(k)
                        || k.ends_with("api_key")
                        || k == "api_password"
                    {
                        if let Some(s) = v.as_str() {
                            out.push(s.to_string());
                        }
                    }
                    walk(v, out);
                }
            }
            Value::Array(a) => a.iter().for_each(|v| walk(v, out)),
            _ => {}
        }
    }
    let state = send(app, get("/_mock/state")).await.json();
    let mut secrets = Vec::new();
    walk(&state, &mut secrets);
    secrets
}

#[tokio::test]
async fn no_key_or_password_reaches_the_dashboard() {
    let (app, _) = demo().await;
    let secrets = seed_secrets(&app).await;
    assert!(secrets.len() > 20, "{secrets:?}");
    assert!(secrets.contains(&"demo-api-key".to_string()));
    assert!(secrets.contains(&"owner-user-key".to_string()));
    let mut shown = send(&app, get("/_mock/ui/tenants")).await.text();
    for (api, tenant) in [
        ("luminate", "demo"),
        ("luminate", "filtered"),
        ("smarteru", "demo"),
        ("smarteru", "other"),
        ("yourmembership", "40001"),
        ("yourmembership", "40002"),
    ] {
        shown.push_str(&people(&app, api, tenant).await.to_string());
    }
    for secret in &secrets {
        assert!(!shown.contains(secret.as_str()), "`{secret}` is shown");
    }
}

#[tokio::test]
async fn each_person_shows_the_groups_their_vendor_answers() {
    let (app, _) = demo().await;
    let lum = people(&app, "luminate", "demo").await;
    for cons_id in ["1000001", "1000002", "1000003"] {
        assert_eq!(
            group_field(person(&lum, cons_id), "id"),
            luminate_groups(&app, cons_id).await,
            "{cons_id}"
        );
    }
    let su = people(&app, "smarteru", "demo").await;
    for user in ["100", "102", "108"] {
        assert_eq!(
            group_field(person(&su, user), "name"),
            smarteru_groups(&app, user).await,
            "{user}"
        );
    }
    let ym = people(&app, "yourmembership", "40001").await;
    for member in ["5001", "5002", "5003"] {
        let joined: Vec<String> = person(&ym, member)["groups"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|g| g["notes"][0] == "Joined")
            .map(|g| g["name"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(joined, ym_groups(&app, member).await, "{member}");
    }
}

#[tokio::test]
async fn a_search_finds_people_by_any_part_of_their_name_email_or_id() {
    let (app, _) = demo().await;
    let found = |q: &str| {
        let app = app.clone();
        let q = q.to_string();
        async move {
            let r = send(
                &app,
                get(&format!("/_mock/ui/people?api=luminate&tenant=demo&q={q}")),
            )
            .await
            .json();
            r["people"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p["id"].as_str().unwrap().to_string())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(found("GRACE").await, ["1000002"]);
    assert_eq!(found("1000003").await, ["1000003"]);
    assert_eq!(found("shared%40example.org").await, ["1000006", "1000007"]);
    assert!(found("nobody-at-all").await.is_empty());
    let page = send(
        &app,
        get("/_mock/ui/people?api=luminate&tenant=demo&limit=2&offset=1"),
    )
    .await
    .json();
    assert_eq!(page["people"].as_array().unwrap().len(), 2);
    assert_eq!(page["more"], true);
    let unknown = send(&app, get("/_mock/ui/people?api=luminate&tenant=nope")).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert_eq!(unknown.json()["path"], "tenant");
}

// ---------------------------------------------------------------- changing memberships

#[tokio::test]
async fn a_luminate_membership_added_in_the_dashboard_is_what_get_user_groups_answers_next() {
    let (app, _) = demo().await;
    assert!(luminate_groups(&app, "1000003").await.is_empty());
    let add =
        json!({"api":"luminate","tenant":"demo","person":"1000003","group":"1003","member":true});
    let r = change(&app, add).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["groups"][0]["id"], "1003");
    assert_eq!(luminate_groups(&app, "1000003").await, ["1003"]);
    let remove =
        json!({"api":"luminate","tenant":"demo","person":"1000003","group":"1003","member":false});
    assert_eq!(change(&app, remove).await.status, StatusCode::OK);
    assert!(luminate_groups(&app, "1000003").await.is_empty());
}

#[tokio::test]
async fn a_smarteru_membership_added_in_the_dashboard_is_what_get_user_groups_answers_next() {
    let (app, _) = demo().await;
    assert!(smarteru_groups(&app, "108").await.is_empty());
    let catalogue = people(&app, "smarteru", "demo").await["catalogue"].clone();
    let warehouse = catalogue
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["name"] == "Warehouse")
        .unwrap()["id"]
        .clone();
    let add =
        json!({"api":"smarteru","tenant":"demo","person":"108","group":warehouse,"member":true});
    let r = change(&app, add.clone()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(smarteru_groups(&app, "108").await, ["Warehouse"]);
    // Adding again keeps what the membership has.
    assert_eq!(change(&app, add).await.status, StatusCode::OK);
    let mut remove = json!({"api":"smarteru","tenant":"demo","person":"108","member":false});
    remove["group"] = warehouse;
    assert_eq!(change(&app, remove).await.status, StatusCode::OK);
    assert!(smarteru_groups(&app, "108").await.is_empty());
}

#[tokio::test]
async fn a_yourmembership_membership_added_in_the_dashboard_is_what_member_groups_answers_next() {
    let (app, _) = demo().await;
    assert!(ym_groups(&app, "5003").await.is_empty());
    let catalogue = people(&app, "yourmembership", "40001").await["catalogue"].clone();
    let first = catalogue[0].clone();
    let add = json!({"api":"yourmembership","tenant":"40001","person":"5003","group":first["id"],"member":true});
    let r = change(&app, add).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(
        ym_groups(&app, "5003").await,
        [first["name"].as_str().unwrap()]
    );
    let remove = json!({"api":"yourmembership","tenant":"40001","person":"5003","group":first["id"],"member":false});
    assert_eq!(change(&app, remove).await.status, StatusCode::OK);
    assert!(ym_groups(&app, "5003").await.is_empty());
}

#[tokio::test]
async fn a_membership_change_that_names_nothing_says_which_field() {
    let (app, _) = demo().await;
    for (body, path) in [
        (
            json!({"api":"luminate","tenant":"nope","person":"1","group":"1","member":true}),
            "tenant",
        ),
        (
            json!({"api":"luminate","tenant":"demo","person":"42","group":"1001","member":true}),
            "person",
        ),
        (
            json!({"api":"luminate","tenant":"demo","person":"1000003","group":"x","member":true}),
            "group",
        ),
        (
            json!({"api":"smarteru","tenant":"demo","person":"108","group":"nope","member":true}),
            "group",
        ),
        (
            json!({"api":"yourmembership","tenant":"40001","person":"9","group":"10","member":true}),
            "person",
        ),
        (
            json!({"api":"workday","tenant":"x","person":"1","group":"1","member":true}),
            "api",
        ),
        (
            json!({"api":"luminate","tenant":"demo","person":"1","group":"1","member":true,"x":1}),
            "x",
        ),
    ] {
        let r = change(&app, body.clone()).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{body}: {}", r.text());
        assert!(
            r.json()["path"].as_str().unwrap_or("").contains(path),
            "{body}: {}",
            r.text()
        );
    }
}

#[tokio::test]
async fn the_pulse_moves_with_every_change_and_every_reset() {
    let (app, _) = demo().await;
    let version = |app: Router| async move {
        send(&app, get("/_mock/ui/pulse")).await.json()["version"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let start = version(app.clone()).await;
    let add =
        json!({"api":"luminate","tenant":"demo","person":"1000003","group":"1003","member":true});
    change(&app, add).await;
    let changed = version(app.clone()).await;
    assert_ne!(changed, start);
    send(
        &app,
        Request::post("/_mock/reset").body(Body::empty()).unwrap(),
    )
    .await;
    let reset = version(app.clone()).await;
    assert_ne!(reset, changed);
    assert_ne!(
        reset, start,
        "a reset is a change too, even back to the same data"
    );

    send(
        &app,
        post_json("/_mock/clock", &json!({"now":"2030-01-01T00:00:00Z"})),
    )
    .await;
    let pulse = send(&app, get("/_mock/ui/pulse")).await.json();
    assert_eq!(pulse["clock"]["now"], "2030-01-01T00:00:00.000Z");
    assert_eq!(pulse["clock"]["frozen"], true);
    assert_eq!(pulse["clock"]["real"], false);
}

// ---------------------------------------------------------------- the journal's answers

/// The newest journal entry with its answer.
async fn last_entry(app: &Router) -> Value {
    let list = send(app, get("/_mock/requests?limit=1")).await.json();
    let id = list["requests"][0]["id"].as_u64().unwrap();
    let r = send(app, get(&format!("/_mock/requests/{id}"))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    r.json()
}

#[tokio::test]
async fn a_journal_entry_keeps_the_answer_with_its_secrets_masked() {
    let (app, _) = demo().await;
    let login = send(
        &app,
        post_form(
            "/demo/site/CRConsAPI",
            &[
                ("method", "login"),
                ("v", "1.0"),
                ("api_key", "demo-api-key"),
                ("user_name", "grace"),
                ("password", "grace-pass"),
                ("response_format", "json"),
            ],
        ),
    )
    .await;
    let answer = login.json()["loginResponse"].clone();
    let entry = last_entry(&app).await;
    let kept = &entry["answer"];
    assert_eq!(kept["bytes"], login.body.len());
    assert_eq!(kept["truncated"], false);
    assert!(kept["content_type"]
        .as_str()
        .unwrap()
        .starts_with("application/json"));
    let body = kept["body"].as_str().unwrap();
    let masked: Value = serde_json::from_str(body).unwrap();
    assert_eq!(masked["loginResponse"]["cons_id"], "1000002");
    for secret in ["token", "nonce", "JSESSIONID", "signature"] {
        assert_eq!(masked["loginResponse"][secret], "****", "{secret}");
        assert!(!body.contains(answer[secret].as_str().unwrap()), "{secret}");
    }
    assert!(!body.contains("demo-api-key"), "{body}");

    // YM's session id, in each format it answers.
    for format in ["json", "xml", "jsv", "csv"] {
        let r = send(
            &app,
            post_json(
                &format!("/Ams/Authenticate?format={format}"),
                &json!({"ClientID": 40001, "UserType": "Member", "Username": "ada",
                        "Password": "ada-pass"}),
            ),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{format}: {}", r.text());
        let text = r.text();
        let entry = last_entry(&app).await;
        let body = entry["answer"]["body"].as_str().unwrap();
        assert!(body.contains("****"), "{format}: {body}");
        // The session id is the only 20-character token in the answer.
        let id = text
            .split(|c: char| !c.is_ascii_alphanumeric())
            .find(|w| w.len() == 20)
            .unwrap_or_else(|| panic!("{format}: {text}"));
        assert!(!body.contains(id), "{format}: {body}");
    }
}

#[tokio::test]
async fn a_long_answer_is_kept_cut_with_its_length() {
    let (app, _) = demo().await;
    let groups: Vec<Value> = (1..=300)
        .map(|i| json!({"id": 5000 + i, "label": format!("A group with a long enough name {i}")}))
        .collect();
    let seed = json!({"luminate": {"sites": [{"org": "big", "api_key": "k",
        "groups": groups,
        "constituents": [{"cons_id": 1, "user_name": "admin", "password": "pw", "api_admin": true}]}]}});
    assert_eq!(
        send(&app, post_json("/_mock/seed", &seed)).await.status,
        StatusCode::OK
    );
    let r = send(
        &app,
        post_form(
            "/big/site/SRGroupAPI",
            &[
                ("method", "listGroups"),
                ("v", "1.0"),
                ("api_key", "k"),
                ("login_name", "admin"),
                ("login_password", "pw"),
                ("list_page_size", "300"),
            ],
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert!(r.body.len() > membermock::journal::MAX_ANSWER_BYTES);
    let kept = last_entry(&app).await["answer"].clone();
    assert_eq!(kept["truncated"], true);
    assert_eq!(kept["bytes"], r.body.len());
    let body = kept["body"].as_str().unwrap();
    assert!(body.len() <= membermock::journal::MAX_ANSWER_BYTES);
    assert!(r.text().starts_with(body));
}

#[tokio::test]
async fn an_injected_failure_is_kept_as_answered() {
    let (app, _) = demo().await;
    let fault = json!({"api":"luminate","effect":{"http_status":503,"retry_after":2}});
    send(&app, post_json("/_mock/faults", &fault)).await;
    let mut params = GUG.to_vec();
    params.push(("cons_id", "1000002"));
    let r = send(&app, post_form("/demo/site/SRConsAPI", &params)).await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
    let entry = last_entry(&app).await;
    assert_eq!(entry["fault"]["rule"], 1);
    assert_eq!(entry["answer"]["bytes"], 0);
    assert_eq!(entry["answer"]["body"], "");
    let missing = send(&app, get("/_mock/requests/999")).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(
        send(&app, get("/_mock/requests/x")).await.status,
        StatusCode::NOT_FOUND
    );
}

// ---------------------------------------------------------------- the live feed

/// The server-sent events of one feed, read as they come.
struct Feed {
    body: Body,
    buffered: String,
}

impl Feed {
    async fn open(app: &Router, last_event_id: Option<&str>) -> Feed {
        let mut req = Request::get("/_mock/ui/events");
        if let Some(id) = last_event_id {
            req = req.header("last-event-id", id);
        }
        let response = tower::ServiceExt::oneshot(app.clone(), req.body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(
            response.headers()["content-type"],
            "text/event-stream",
            "{:?}",
            response.headers()
        );
        Feed {
            body: response.into_body(),
            buffered: String::new(),
        }
    }

    /// The next event as (name, data), skipping keep-alive comments; `None` when the feed ends.
    async fn next(&mut self) -> Option<(String, String)> {
        loop {
            if let Some(end) = self.buffered.find("\n\n") {
                let block: String = self.buffered.drain(..end + 2).collect();
                let mut name = String::from("message");
                let mut data = String::new();
                for line in block.lines() {
                    if let Some(v) = line.strip_prefix("event: ") {
                        name = v.to_string();
                    } else if let Some(v) = line.strip_prefix("data: ") {
                        data.push_str(v);
                    }
                }
                if !data.is_empty() {
                    return Some((name, data));
                }
                continue;
            }
            let frame = tokio::time::timeout(Duration::from_secs(5), self.body.frame())
                .await
                .expect("an event within 5 s")?
                .ok()?;
            if let Ok(data) = frame.into_data() {
                self.buffered.push_str(&String::from_utf8_lossy(&data));
            }
        }
    }
}

#[tokio::test]
async fn the_live_feed_sends_each_call_as_it_happens_and_says_when_the_journal_is_cleared() {
    let (app, state) = demo().await;
    let mut params = GUG.to_vec();
    params.push(("cons_id", "1000001"));
    send(&app, post_form("/demo/site/SRConsAPI", &params)).await;

    let mut feed = Feed::open(&app, None).await;
    // What was there first.
    let (name, data) = feed.next().await.unwrap();
    assert_eq!(name, "call");
    let first: Value = serde_json::from_str(&data).unwrap();
    assert_eq!(first["operation"], "getUserGroups");
    assert_eq!(first["params"][2], json!(["api_key", "****"]));

    // Then each call as it happens.
    params.pop();
    params.push(("cons_id", "1000002"));
    send(&app, post_form("/demo/site/SRConsAPI", &params)).await;
    let (name, data) = feed.next().await.unwrap();
    assert_eq!(name, "call");
    let entry: Value = serde_json::from_str(&data).unwrap();
    assert_eq!(entry["id"], first["id"].as_u64().unwrap() + 1);
    assert_eq!(entry["tenant"], "demo");
    assert_eq!(entry["status"], 200);

    send(
        &app,
        Request::delete("/_mock/requests")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(feed.next().await.unwrap().0, "cleared");

    // A stopping server ends every feed.
    state.journal.close_feeds();
    assert_eq!(feed.next().await, None);
}

#[tokio::test]
async fn a_feed_resumes_after_the_last_event_it_saw() {
    let (app, _) = demo().await;
    let mut params = GUG.to_vec();
    params.push(("cons_id", "1000001"));
    for _ in 0..3 {
        send(&app, post_form("/demo/site/SRConsAPI", &params)).await;
    }
    let mut feed = Feed::open(&app, Some("2")).await;
    let (_, data) = feed.next().await.unwrap();
    let entry: Value = serde_json::from_str(&data).unwrap();
    assert_eq!(entry["id"], 3);
}

#[tokio::test]
async fn a_new_feed_starts_with_the_newest_200_calls_and_a_resumed_one_says_what_it_missed() {
    let (app, _) = demo().await;
    let mut params = GUG.to_vec();
    params.push(("cons_id", "1000001"));
    for _ in 0..205 {
        send(&app, post_form("/demo/site/SRConsAPI", &params)).await;
    }
    // A page that asks for no position gets the newest 200: the 5 older are no burst.
    let mut fresh = Feed::open(&app, None).await;
    let (name, data) = fresh.next().await.unwrap();
    assert_eq!(name, "call", "{data}");
    assert_eq!(serde_json::from_str::<Value>(&data).unwrap()["id"], 6);

    // One that saw call 1 and comes back missed 4 of the 204 after it.
    let mut resumed = Feed::open(&app, Some("1")).await;
    let (name, data) = resumed.next().await.unwrap();
    assert_eq!(
        (name.as_str(), data.as_str()),
        ("skipped", r#"{"count":4}"#)
    );
    let (name, data) = resumed.next().await.unwrap();
    assert_eq!(name, "call");
    assert_eq!(serde_json::from_str::<Value>(&data).unwrap()["id"], 6);
}

// ---------------------------------------------------------------- with a control token

const TOKEN: &str = "s3cret-token";

/// The demo state with `--control-token`.
pub async fn state_with_token() -> membermock::AppState {
    let (store, _) = membermock::store::Store::open(None).unwrap();
    let options = membermock::config::Options {
        control: membermock::config::ControlOptions {
            token: Some(membermock::config::ControlToken::new(TOKEN).unwrap()),
            ..Default::default()
        },
        ..Default::default()
    };
    membermock::AppState::new(store, membermock::seed::Seed::demo(), true, options, None)
        .await
        .unwrap()
}

fn with_headers(method: &str, uri: &str, headers: &[(&str, &str)], body: &str) -> Request<Body> {
    let mut req = Request::builder().method(method).uri(uri);
    for (name, value) in headers {
        req = req.header(*name, *value);
    }
    req.body(Body::from(body.to_string())).unwrap()
}

/// The `name=value` of a `Set-Cookie`.
fn cookie_pair(r: &Resp) -> String {
    r.header("set-cookie")
        .unwrap_or_else(|| panic!("no cookie: {:?}", r.headers))
        .split(';')
        .next()
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn with_a_token_the_page_loads_and_asks_and_its_cookie_stands_in_for_the_token() {
    let app = membermock::app(state_with_token().await);
    let host = [("host", "localhost:8080")];
    // The page and its assets hold nothing secret: they load, so that the page can ask.
    for path in ["/_mock/ui", "/_mock/ui/app.js", "/_mock/ui/app.css"] {
        let r = send(&app, with_headers("GET", path, &host, "")).await;
        assert_eq!(r.status, StatusCode::OK, "{path}");
    }
    // Its data does not.
    for path in [
        "/_mock/ui/tenants",
        "/_mock/ui/pulse",
        "/_mock/ui/events",
        "/_mock/ui/people?api=luminate&tenant=demo",
    ] {
        let r = send(&app, with_headers("GET", path, &host, "")).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{path}");
    }

    // A wrong token gets no cookie; the right one a cookie that is not the token.
    let login = |token: &str| {
        with_headers(
            "POST",
            "/_mock/ui/session",
            &[
                ("host", "localhost:8080"),
                ("content-type", "application/json"),
            ],
            &json!({ "token": token }).to_string(),
        )
    };
    let wrong = send(&app, login("s3cret-tokeN")).await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert_eq!(wrong.json()["path"], "token");
    assert!(wrong.header("set-cookie").is_none());
    let right = send(&app, login(TOKEN)).await;
    assert_eq!(right.status, StatusCode::OK, "{}", right.text());
    let set = right.header("set-cookie").unwrap().to_string();
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/_mock"] {
        assert!(set.contains(attribute), "{set}");
    }
    assert!(!set.contains(TOKEN), "{set}");
    let cookie = cookie_pair(&right);

    // Reads with the cookie, as the page and its EventSource make them.
    for path in ["/_mock/ui/tenants", "/_mock/ui/pulse", "/_mock/requests"] {
        let r = send(
            &app,
            with_headers(
                "GET",
                path,
                &[("host", "localhost:8080"), ("cookie", &cookie)],
                "",
            ),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{path}");
    }

    // Writes with the cookie only from the mock's own pages.
    let fault = json!({"api": "luminate", "effect": {"latency_ms": 1}}).to_string();
    let write = |origin: Option<&'static str>| {
        let mut headers = vec![
            ("host", "localhost:8080"),
            ("content-type", "application/json"),
            ("cookie", cookie.as_str()),
        ];
        if let Some(origin) = origin {
            headers.push(("origin", origin));
        }
        with_headers("POST", "/_mock/faults", &headers, &fault)
    };
    // No Origin (not a browser's fetch), or another page on localhost (same site, other port).
    for origin in [None, Some("http://localhost:3000")] {
        let r = send(&app, write(origin)).await;
        assert_eq!(
            r.status,
            StatusCode::UNAUTHORIZED,
            "{origin:?}: {}",
            r.text()
        );
    }
    let r = send(&app, write(Some("http://localhost:8080"))).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());

    // A forged cookie is nothing.
    let forged = format!("membermock_ui={}", "0".repeat(64));
    let r = send(
        &app,
        with_headers(
            "GET",
            "/_mock/ui/tenants",
            &[("host", "localhost:8080"), ("cookie", &forged)],
            "",
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);

    // The bearer token still works, and forgetting the session clears the cookie.
    let auth = format!("Bearer {TOKEN}");
    let r = send(
        &app,
        with_headers(
            "GET",
            "/_mock/ui/tenants",
            &[("host", "localhost:8080"), ("authorization", &auth)],
            "",
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    let r = send(&app, with_headers("DELETE", "/_mock/ui/session", &host, "")).await;
    assert!(r.header("set-cookie").unwrap().contains("Max-Age=0"));
}

#[tokio::test]
async fn a_token_in_the_address_is_exchanged_for_the_cookie_and_leaves_the_address() {
    let app = membermock::app(state_with_token().await);
    let r = send(
        &app,
        with_headers(
            "GET",
            &format!("/_mock/ui?token={TOKEN}"),
            &[("host", "127.0.0.1:8080")],
            "",
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.header("location"), Some("/_mock/ui"));
    assert_eq!(r.header("referrer-policy"), Some("no-referrer"));
    let cookie = cookie_pair(&r);
    let data = send(
        &app,
        with_headers(
            "GET",
            "/_mock/ui/tenants",
            &[("host", "127.0.0.1:8080"), ("cookie", &cookie)],
            "",
        ),
    )
    .await;
    assert_eq!(data.status, StatusCode::OK);
    let wrong = send(&app, with_headers("GET", "/_mock/ui?token=nope", &[], "")).await;
    assert_eq!(wrong.status, StatusCode::SEE_OTHER);
    assert!(wrong.header("set-cookie").is_none());
}

#[tokio::test]
async fn without_a_token_the_page_never_needs_one() {
    let (app, _) = demo().await;
    let r = send(
        &app,
        post_json("/_mock/ui/session", &json!({"token": "anything"})),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["token_required"], false);
    assert!(r.header("set-cookie").is_none());
}
