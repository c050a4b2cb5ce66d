//! YourMembership REST API: sessions, roles, member groups and their relationships, the other
//! group routes, formats, and hostile input — all through the real router.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::Router;
use common::{demo, get, post_form, post_json, send, Resp};
use membermock::AppState;
use serde_json::{json, Value};

const CLIENT: &str = "40001";
const JSON: &str = "application/json; charset=utf-8";
const JSV: &str = "text/jsv; charset=utf-8";
const XML: &str = "application/xml; charset=utf-8";

// ---------------------------------------------------------------- helpers

/// A demo app with the clock frozen, so `DateCached` is stable in golden files.
async fn app() -> (Router, AppState) {
    let (app, state) = demo().await;
    state
        .clock
        .set("2025-01-15T13:52:24.0974701Z".parse().unwrap());
    (app, state)
}

async fn authenticate(app: &Router, body: Value) -> Resp {
    send(app, post_json("/Ams/Authenticate", &body)).await
}

async fn admin_session(app: &Router, client: i64, key: &str, password: &str) -> String {
    let r = authenticate(
        app,
        json!({"ClientID": client, "UserType": "Admin", "Username": key, "Password": password}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    r.json()["SessionId"].as_str().unwrap().to_string()
}

async fn admin(app: &Router) -> String {
    admin_session(app, 40001, "demo-ym-api-key", "demo-ym-api-password").await
}

async fn member(app: &Router, username: &str) -> String {
    let r = authenticate(
        app,
        json!({"ClientID": 40001, "UserType": "Member", "Username": username,
               "Password": format!("{username}-pass")}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    r.json()["SessionId"].as_str().unwrap().to_string()
}

fn with_session(method: &str, uri: &str, session: &str, body: Option<Value>) -> Request<Body> {
    let b = Request::builder()
        .method(method)
        .uri(uri)
        .header("X-SS-ID", session);
    match body {
        Some(v) => b
            .header("content-type", "application/json")
            .body(Body::from(v.to_string()))
            .unwrap(),
        None => b.body(Body::empty()).unwrap(),
    }
}

async fn get_as(app: &Router, uri: &str, session: &str) -> Resp {
    send(app, with_session("GET", uri, session, None)).await
}

async fn change(app: &Router, method: &str, session: &str, body: Value) -> Resp {
    let uri = format!("/Ams/{CLIENT}/MemberGroups");
    send(app, with_session(method, &uri, session, Some(body))).await
}

/// Status, content type, schema (for JSON) and golden body of one answer.
fn check(r: &Resp, status: StatusCode, content_type: &str, schema: Option<&str>, golden: &str) {
    assert_eq!(r.status, status, "{}", r.text());
    assert_eq!(r.content_type(), content_type);
    if let Some(schema) = schema {
        common::assert_json_schema(&format!("yourmembership/{schema}"), &r.json());
    }
    common::assert_golden(&format!("yourmembership/{golden}"), &r.text());
}

fn error_code(r: &Resp) -> String {
    r.json()["ResponseStatus"]["ErrorCode"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

fn group_names(r: &Resp) -> Vec<String> {
    r.json()["GroupTypeList"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|t| t["Groups"].as_array().unwrap().clone())
        .map(|g| g["Name"].as_str().unwrap().to_string())
        .collect()
}

const ADA_GROUPS: &str = "/Ams/40001/Member/5001/Groups";

// ---------------------------------------------------------------- Authenticate

#[tokio::test]
async fn an_admin_authenticates_with_the_api_key_and_password() {
    let (app, _) = app().await;
    let r = authenticate(
        &app,
        json!({"ClientID": 40001, "UserType": "Admin", "Username": "demo-ym-api-key",
               "Password": "demo-ym-api-password", "provider": "credentials"}),
    )
    .await;
    let session = r.json()["SessionId"].as_str().unwrap().to_string();
    assert_eq!(session.len(), 20);
    let masked = Resp {
        body: r.text().replace(&session, "{SessionId}").into(),
        ..r.clone()
    };
    check(
        &masked,
        StatusCode::OK,
        JSON,
        Some("auth-response.schema.json"),
        "authenticate_admin.json",
    );
}

#[tokio::test]
async fn a_member_authenticates_with_a_form_body_and_property_names_in_any_case() {
    let (app, _) = app().await;
    let r = send(
        &app,
        post_form(
            "/ams/authenticate",
            &[
                ("clientid", "40001"),
                ("usertype", "member"),
                ("USERNAME", "ada"),
                ("password", "ada-pass"),
            ],
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let body = r.json();
    assert_eq!(body["MemberID"], 5001);
    assert_eq!(body["ClientID"], 40001);
    assert_eq!(body["UserId"], "5001");
    assert_eq!(body["FailedLoginReason"], "None");
    assert_eq!(body["ResponseStatus"], json!({}));
}

#[tokio::test]
async fn a_member_may_log_in_with_the_email_address_and_a_string_client_id() {
    let (app, _) = app().await;
    let r = authenticate(
        &app,
        json!({"ClientID": "40001", "UserType": "Member", "EmailAddress": "BOB@example.org",
               "Password": "bob-pass"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["MemberID"], 5002);
}

#[tokio::test]
async fn bad_credentials_get_the_observed_401_body() {
    let (app, _) = app().await;
    for body in [
        json!({"ClientID": 40001, "UserType": "Member", "Username": "ada", "Password": "nope"}),
        json!({"ClientID": 40001, "UserType": "Member", "Username": "nobody", "Password": "x"}),
        json!({"ClientID": 40001, "UserType": "Admin", "Username": "demo-ym-api-key", "Password": "x"}),
        json!({"ClientID": 40001, "UserType": "Admin", "Username": "other-ym-api-key",
               "Password": "other-ym-api-password"}),
        // A locked member with the wrong password learns nothing about the lock.
        json!({"ClientID": 40001, "UserType": "Member", "Username": "dave", "Password": "x"}),
    ] {
        let r = authenticate(&app, body).await;
        check(
            &r,
            StatusCode::UNAUTHORIZED,
            JSON,
            Some("auth-response.schema.json"),
            "authenticate_bad_credentials.json",
        );
    }
}

#[tokio::test]
async fn locked_suspended_and_unknown_client_logins_name_the_reason() {
    let (app, _) = app().await;
    for (body, reason) in [
        (
            json!({"ClientID": 40001, "UserType": "Member", "Username": "dave", "Password": "dave-pass"}),
            "AccountLockedOut",
        ),
        (
            json!({"ClientID": 40001, "UserType": "Member", "Username": "erin", "Password": "erin-pass"}),
            "AccountSuspended",
        ),
        (
            json!({"ClientID": 49999, "UserType": "Admin", "Username": "demo-ym-api-key",
                   "Password": "demo-ym-api-password"}),
            "InvalidClient",
        ),
    ] {
        let r = authenticate(&app, body).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
        assert_eq!(r.json()["FailedLoginReason"], reason);
        common::assert_json_schema("yourmembership/auth-response.schema.json", &r.json());
    }
}

#[tokio::test]
async fn the_oauth_variant_opens_a_session_with_the_consumer_key_and_secret() {
    let (app, _) = app().await;
    let r = authenticate(
        &app,
        json!({"ClientID": 40001, "UserType": "Admin", "ConsumerKey": "demo-ym-api-key",
               "ConsumerSecret": "demo-ym-api-password"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let session = r.json()["SessionId"].as_str().unwrap().to_string();
    let r = get_as(&app, "/Ams/40001/Groups", &session).await;
    assert_eq!(
        r.status,
        StatusCode::OK,
        "an oauthadmin may read the catalogue"
    );

    let r = authenticate(
        &app,
        json!({"ClientID": 40001, "UserType": "Member", "ConsumerKey": "demo-ym-api-key",
               "ConsumerSecret": "demo-ym-api-password", "Username": "bob", "Password": "bob-pass"}),
    )
    .await;
    let session = r.json()["SessionId"].as_str().unwrap().to_string();
    let r = get_as(&app, "/Ams/40001/Member/5002/Groups", &session).await;
    assert_eq!(r.status, StatusCode::OK);
    let r = get_as(&app, "/Ams/40001/Groups", &session).await;
    assert_eq!(
        r.status,
        StatusCode::FORBIDDEN,
        "an oauthmember is no admin"
    );

    let r = authenticate(
        &app,
        json!({"ClientID": 40001, "UserType": "Admin", "ConsumerKey": "demo-ym-api-key",
               "ConsumerSecret": "wrong"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
}

// ---------------------------------------------------------------- sessions and roles

#[tokio::test]
async fn a_call_without_a_session_is_refused_with_a_challenge() {
    let (app, _) = app().await;
    let r = send(&app, get(ADA_GROUPS)).await;
    check(
        &r,
        StatusCode::UNAUTHORIZED,
        JSON,
        Some("error-response.schema.json"),
        "not_authenticated.json",
    );
    assert_eq!(
        r.header("www-authenticate"),
        Some("credentials realm=\"/Ams/Authenticate\"")
    );
    let r = get_as(&app, ADA_GROUPS, "not-a-session").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_session_travels_in_the_header_in_any_case_or_the_cookie_but_not_the_query() {
    let (app, _) = app().await;
    let session = admin(&app).await;
    let r = send(
        &app,
        Request::get(ADA_GROUPS)
            .header("x-ss-id", &session)
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    let r = send(
        &app,
        Request::get(ADA_GROUPS)
            .header("cookie", format!("ss-pid=x; ss-id={session}; other=1"))
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    let r = send(&app, get(&format!("{ADA_GROUPS}?SessionId={session}"))).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(error_code(&r), "Unauthorized");
}

#[tokio::test]
async fn a_session_expires_fifteen_minutes_after_it_was_created() {
    let (app, state) = app().await;
    let session = member(&app, "ada").await;
    state.clock.advance(chrono::Duration::seconds(14 * 60 + 59));
    assert_eq!(
        get_as(&app, ADA_GROUPS, &session).await.status,
        StatusCode::OK
    );
    // Using the session does not extend it (absolute expiry).
    state.clock.advance(chrono::Duration::seconds(1));
    let r = get_as(&app, ADA_GROUPS, &session).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(error_code(&r), "Unauthorized");
}

#[tokio::test]
async fn the_control_plane_clock_expires_sessions_too() {
    let (app, _) = app().await;
    let session = admin(&app).await;
    let r = send(
        &app,
        post_json("/_mock/clock", &json!({"advance_seconds": 900})),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        get_as(&app, ADA_GROUPS, &session).await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn a_member_reads_its_own_groups_but_nobody_elses() {
    let (app, _) = app().await;
    let session = member(&app, "bob").await;
    let r = get_as(&app, "/Ams/40001/Member/5002/Groups", &session).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(group_names(&r), ["West Chapter"]);
    let r = get_as(&app, ADA_GROUPS, &session).await;
    check(
        &r,
        StatusCode::FORBIDDEN,
        JSON,
        Some("error-response.schema.json"),
        "forbidden.json",
    );
    let r = get_as(&app, "/Ams/40001/Member/5001/GroupTypes", &session).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // ...nor change anyone else's.
    let r = change(
        &app,
        "POST",
        &session,
        json!({"MemberID": 5001, "GroupCode": "RUST", "AddAsMember": true}),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn admin_only_routes_refuse_member_sessions() {
    let (app, _) = app().await;
    let session = member(&app, "ada").await;
    for uri in ["/Ams/40001/Groups", "/Ams/40001/PeopleGroups?ID=5001"] {
        let r = get_as(&app, uri, &session).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{uri}");
        assert_eq!(error_code(&r), "Forbidden");
    }
    // Client-wide group types are open to any session of the client.
    let r = get_as(&app, "/Ams/40001/GroupTypes", &session).await;
    assert_eq!(r.status, StatusCode::OK);
}

#[tokio::test]
async fn a_session_of_one_client_is_refused_on_another_clients_routes() {
    let (app, _) = app().await;
    let other = admin_session(&app, 40002, "other-ym-api-key", "other-ym-api-password").await;
    for uri in [
        ADA_GROUPS,
        "/Ams/40001/GroupTypes",
        "/Ams/40001/Groups",
        "/Ams/40001/PeopleGroups?ID=5001",
    ] {
        let r = get_as(&app, uri, &other).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{uri}");
    }
    let olga = {
        let r = authenticate(
            &app,
            json!({"ClientID": 40002, "UserType": "Member", "Username": "olga", "Password": "olga-pass"}),
        )
        .await;
        r.json()["SessionId"].as_str().unwrap().to_string()
    };
    // Olga's MemberID does not exist in 40001, and her session is not 40001's anyway.
    let r = get_as(&app, "/Ams/40001/Member/6001/Groups", &olga).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = get_as(&app, "/Ams/40002/Member/6001/Groups", &olga).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(group_names(&r), ["Other Board"]);
}

// ---------------------------------------------------------------- member groups, formats

#[tokio::test]
async fn member_groups_come_by_type_in_json() {
    let (app, _) = app().await;
    let session = admin(&app).await;
    let r = get_as(&app, ADA_GROUPS, &session).await;
    check(
        &r,
        StatusCode::OK,
        JSON,
        Some("member-groups-response.schema.json"),
        "member_groups_ada.json",
    );
    let openapi = common::json_schema_accepts(
        "yourmembership/member-groups-response.schema.json",
        &json!({"GroupTypeList": "not a list"}),
    );
    assert!(!openapi, "the schema must be able to reject");
}

#[tokio::test]
async fn the_same_member_groups_in_jsv_and_xml() {
    let (app, _) = app().await;
    let session = admin(&app).await;
    let r = get_as(&app, &format!("{ADA_GROUPS}.jsv"), &session).await;
    check(&r, StatusCode::OK, JSV, None, "member_groups_ada.jsv");
    let r = get_as(&app, &format!("{ADA_GROUPS}?format=xml"), &session).await;
    check(&r, StatusCode::OK, XML, None, "member_groups_ada.xml");
    common::assert_xml_schema("yourmembership/member-groups-response.xsd", &r.text());
}

#[tokio::test]
async fn the_accept_header_and_jsonp_callback_select_the_format() {
    let (app, _) = app().await;
    let session = admin(&app).await;
    let r = send(
        &app,
        Request::get(ADA_GROUPS)
            .header("x-ss-id", &session)
            .header("accept", "text/html, text/jsv;q=0.9")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(r.content_type(), JSV);
    let r = send(
        &app,
        Request::get(ADA_GROUPS)
            .header("x-ss-id", &session)
            .header("accept", "application/xml")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(r.content_type(), XML);
    let json = get_as(&app, ADA_GROUPS, &session).await.text();
    let r = get_as(&app, &format!("{ADA_GROUPS}?callback=handle"), &session).await;
    assert_eq!(r.content_type(), "application/javascript; charset=utf-8");
    assert_eq!(r.text(), format!("handle({json})"));
    // The route suffix beats ?format= and Accept.
    let r = get_as(&app, &format!("{ADA_GROUPS}.JSON?format=xml"), &session).await;
    assert_eq!(r.content_type(), JSON);
}

#[tokio::test]
async fn csv_is_one_header_row_and_one_data_row() {
    let (app, _) = app().await;
    let session = admin(&app).await;
    let r = get_as(&app, "/Ams/40001/GroupTypes.csv", &session).await;
    check(
        &r,
        StatusCode::OK,
        "text/csv; charset=utf-8",
        None,
        "group_types.csv",
    );
}

#[tokio::test]
async fn a_get_may_carry_a_json_content_type_with_an_empty_body() {
    let (app, _) = app().await;
    let session = admin(&app).await;
    let r = send(
        &app,
        Request::get(ADA_GROUPS)
            .header("x-ss-id", &session)
            .header("content-type", "application/json")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(group_names(&r).len(), 4);
}

#[tokio::test]
async fn errors_come_in_the_negotiated_format_too() {
    let (app, _) = app().await;
    let r = send(&app, get(&format!("{ADA_GROUPS}.xml"))).await;
    check(
        &r,
        StatusCode::UNAUTHORIZED,
        XML,
        None,
        "not_authenticated.xml",
    );
    let r = send(&app, get(&format!("{ADA_GROUPS}.jsv"))).await;
    check(
        &r,
        StatusCode::UNAUTHORIZED,
        JSV,
        None,
        "not_authenticated.jsv",
    );
}

#[tokio::test]
async fn member_groups_filter_by_status_type_and_search_term() {
    let (app, _) = app().await;
    let s = admin(&app).await;
    let names = |q: &'static str| {
        let app = app.clone();
        let s = s.clone();
        async move {
            let r = get_as(&app, &format!("{ADA_GROUPS}?{q}"), &s).await;
            assert_eq!(r.status, StatusCode::OK, "{q}: {}", r.text());
            group_names(&r)
        }
    };
    assert_eq!(
        names("Status=None").await,
        [
            "Board of Directors",
            "Finance Committee",
            "Northeast Chapter",
            "AI in Associations"
        ]
    );
    assert_eq!(names("Status=Pending").await, ["AI in Associations"]);
    assert_eq!(
        names("status=joined").await,
        ["Board of Directors", "Finance Committee"]
    );
    assert_eq!(names("Status=NotJoined").await, ["Northeast Chapter"]);
    assert_eq!(
        names("Status=JoinedOrPending").await,
        [
            "Board of Directors",
            "Finance Committee",
            "AI in Associations"
        ]
    );
    assert_eq!(
        names("GroupTypeId=1").await,
        ["Board of Directors", "Finance Committee"]
    );
    assert_eq!(names("SearchTerm=CHAPTER").await, ["Northeast Chapter"]);
    assert_eq!(names("SearchTerm=zzz").await, Vec::<String>::new());
}

#[tokio::test]
async fn member_groups_page_across_types() {
    let (app, _) = app().await;
    let s = admin(&app).await;
    let r = get_as(&app, &format!("{ADA_GROUPS}?PageSize=2&PageNumber=2"), &s).await;
    assert_eq!(group_names(&r), ["Northeast Chapter", "AI in Associations"]);
    assert_eq!(r.json()["PageNumber"], 2);
    assert_eq!(r.json()["PageSize"], 2);
    let r = get_as(&app, &format!("{ADA_GROUPS}?PageSize=3&PageNumber=9"), &s).await;
    assert_eq!(r.json()["GroupTypeList"], json!([]));
    let r = get_as(&app, &format!("{ADA_GROUPS}?PageSize=1&OffSet=3"), &s).await;
    assert_eq!(group_names(&r), ["AI in Associations"]);
}

#[tokio::test]
async fn a_member_with_no_groups_gets_an_empty_list_and_an_unknown_member_a_404() {
    let (app, _) = app().await;
    let s = admin(&app).await;
    let r = get_as(&app, "/Ams/40001/Member/5003/Groups", &s).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["GroupTypeList"], json!([]));
    let r = get_as(&app, "/Ams/40001/Member/5999/Groups", &s).await;
    check(
        &r,
        StatusCode::NOT_FOUND,
        JSON,
        Some("error-response.schema.json"),
        "member_not_found.json",
    );
}

// ---------------------------------------------------------------- add / remove relationships

#[tokio::test]
async fn adding_a_member_with_a_primary_group_moves_the_primary_flag() {
    let (app, _) = app().await;
    let s = admin(&app).await;
    let r = change(
        &app,
        "POST",
        &s,
        json!({"MemberID": 5001, "GroupCode": "rust", "AddAsMember": "true", "IsPrimaryGroup": true}),
    )
    .await;
    check(
        &r,
        StatusCode::OK,
        JSON,
        Some("member-groups-response.schema.json"),
        "add_member_primary.json",
    );
    let r = get_as(&app, "/Ams/40001/PeopleGroups?ID=5001", &s).await;
    let members = &r.json()["Relationships"][0];
    assert_eq!(members["RelationshipTag"], "Member");
    let primaries: Vec<&str> = members["Groups"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|g| g["Primary"] == true)
        .map(|g| g["Code"].as_str().unwrap())
        .collect();
    assert_eq!(primaries, ["RUST"]);
}

#[tokio::test]
async fn adding_is_idempotent_and_removing_what_is_not_there_changes_nothing() {
    let (app, _) = app().await;
    let s = admin(&app).await;
    let add = json!({"MemberID": 5003, "ID": 31, "AddAsMember": true});
    let first = change(&app, "POST", &s, add.clone()).await;
    let second = change(&app, "POST", &s, add).await;
    assert_eq!(first.status, StatusCode::OK);
    assert_eq!(first.text(), second.text());
    assert_eq!(group_names(&first), ["Rustaceans"]);

    let remove = json!({"MemberID": 5003, "GroupCode": "RUST", "RemoveAsMember": true});
    let r = change(&app, "PUT", &s, remove.clone()).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["GroupTypeList"], json!([]));
    let again = change(&app, "PUT", &s, remove).await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(r.text(), again.text());
}

#[tokio::test]
async fn a_representative_title_that_does_not_exist_is_created() {
    let (app, _) = app().await;
    let s = admin(&app).await;
    let r = change(
        &app,
        "POST",
        &s,
        json!({"MemberID": 5002, "GroupCode": "NE", "AddGroupRepTitle": "Observer",
               "AddAsGroupAdmin": true}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let state = send(&app, get("/_mock/state")).await.json();
    assert_eq!(
        state["yourmembership"]["clients"][0]["rep_titles"],
        json!(["Alternate", "Delegate", "Observer"])
    );
    let r = get_as(&app, "/Ams/40001/PeopleGroups?ID=5002", &s).await;
    check(
        &r,
        StatusCode::OK,
        JSON,
        Some("people-groups-response.schema.json"),
        "people_groups_bob_after_adding.json",
    );

    // Removing the title and the admin role leaves no relationship with NE.
    let r = change(
        &app,
        "PUT",
        &s,
        json!({"MemberID": 5002, "GroupCode": "NE", "RemoveGroupRepTitle": "observer",
               "RemoveAsGroupAdmin": true}),
    )
    .await;
    assert_eq!(group_names(&r), ["West Chapter"]);
}

#[tokio::test]
async fn a_member_may_change_its_own_relationships_with_a_form_body() {
    let (app, _) = app().await;
    let s = member(&app, "carol").await;
    let r = send(
        &app,
        Request::post("/Ams/40001/MemberGroups")
            .header("X-SS-ID", &s)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Body::from(
                "MemberID=5003&GroupCode=AI&AddAsMember=True&provider=ignored",
            ))
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(group_names(&r), ["AI in Associations"]);
}

#[tokio::test]
async fn unknown_groups_and_members_are_404_and_a_request_without_a_flag_is_400() {
    let (app, _) = app().await;
    let s = admin(&app).await;
    let r = change(
        &app,
        "POST",
        &s,
        json!({"MemberID": 5001, "GroupCode": "NOPE", "AddAsMember": true}),
    )
    .await;
    check(
        &r,
        StatusCode::NOT_FOUND,
        JSON,
        Some("error-response.schema.json"),
        "group_not_found.json",
    );
    let r = change(
        &app,
        "POST",
        &s,
        json!({"MemberID": 5999, "GroupCode": "FIN", "AddAsMember": true}),
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.json()["ResponseStatus"]["Message"], "Member not found");
    // Another client's group code is unknown here.
    let r = change(
        &app,
        "PUT",
        &s,
        json!({"MemberID": 5001, "ID": 99, "RemoveAsMember": true}),
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = change(
        &app,
        "POST",
        &s,
        json!({"MemberID": 5001, "GroupCode": "FIN", "AddAsMember": false}),
    )
    .await;
    check(
        &r,
        StatusCode::BAD_REQUEST,
        JSON,
        Some("error-response.schema.json"),
        "no_relationship_flag.json",
    );
}

#[tokio::test]
async fn an_unconvertible_value_is_a_serialization_exception_naming_the_field() {
    let (app, _) = app().await;
    let s = admin(&app).await;
    let r = change(
        &app,
        "POST",
        &s,
        json!({"MemberID": "abc", "GroupCode": "FIN", "AddAsMember": true}),
    )
    .await;
    check(
        &r,
        StatusCode::BAD_REQUEST,
        JSON,
        Some("error-response.schema.json"),
        "member_id_not_a_number.json",
    );
    let r = change(
        &app,
        "POST",
        &s,
        json!({"MemberID": 5001, "GroupCode": "FIN", "AddAsMember": "maybe"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        r.json()["ResponseStatus"]["Errors"][0]["FieldName"],
        "AddAsMember"
    );
}

#[tokio::test]
async fn add_and_remove_round_trip_through_the_state_dump() {
    let (app, _) = app().await;
    let s = admin(&app).await;
    let before = send(&app, get("/_mock/state")).await.json();
    change(
        &app,
        "POST",
        &s,
        json!({"MemberID": 5004, "GroupCode": "WEST", "AddAsMember": true, "AddAsGroupAdmin": true,
               "AddGroupRepTitle": "Delegate"}),
    )
    .await;
    let changed = send(&app, get("/_mock/state")).await.json();
    assert_ne!(before, changed);
    // reset + seed with the dump reproduces the changed state.
    assert_eq!(
        send(&app, post_json("/_mock/reset", &json!({})))
            .await
            .status,
        StatusCode::OK
    );
    let r = send(&app, post_json("/_mock/seed", &changed)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(send(&app, get("/_mock/state")).await.json(), changed);
    // Removing all three relationships gives the seed back.
    let s = admin(&app).await;
    let r = change(
        &app,
        "PUT",
        &s,
        json!({"MemberID": 5004, "GroupCode": "WEST", "RemoveAsMember": true,
               "RemoveAsGroupAdmin": true, "RemoveGroupRepTitle": "Delegate"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(send(&app, get("/_mock/state")).await.json(), before);
}

// ---------------------------------------------------------------- the other routes

#[tokio::test]
async fn group_types_of_the_client_and_of_a_member() {
    let (app, _) = app().await;
    let s = admin(&app).await;
    let r = get_as(&app, "/Ams/40001/GroupTypes", &s).await;
    check(
        &r,
        StatusCode::OK,
        JSON,
        Some("group-types-response.schema.json"),
        "group_types.json",
    );
    let r = get_as(&app, "/Ams/40001/Member/5002/GroupTypes", &s).await;
    check(
        &r,
        StatusCode::OK,
        JSON,
        Some("group-types-response.schema.json"),
        "group_types_bob.json",
    );
}

#[tokio::test]
async fn the_group_catalogue_lists_every_group_under_its_type() {
    let (app, _) = app().await;
    let s = admin(&app).await;
    let r = get_as(&app, "/Ams/40001/Groups", &s).await;
    check(
        &r,
        StatusCode::OK,
        JSON,
        Some("groups-response.schema.json"),
        "groups.json",
    );
}

#[tokio::test]
async fn people_groups_lists_relationships_by_tag() {
    let (app, _) = app().await;
    let s = admin(&app).await;
    let r = get_as(&app, "/Ams/40001/PeopleGroups?ID=5001", &s).await;
    check(
        &r,
        StatusCode::OK,
        JSON,
        Some("people-groups-response.schema.json"),
        "people_groups_ada.json",
    );
    let r = get_as(&app, "/Ams/40001/PeopleGroups", &s).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.json()["ResponseStatus"]["Errors"][0]["FieldName"], "ID");
    let r = get_as(&app, "/Ams/40001/PeopleGroups?ID=6001", &s).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

// ---------------------------------------------------------------- routing

#[tokio::test]
async fn routes_match_in_any_case() {
    let (app, _) = app().await;
    let s = admin(&app).await;
    let r = get_as(&app, "/AMS/40001/member/5001/GROUPS/", &s).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(group_names(&r).len(), 4);
}

#[tokio::test]
async fn a_wrong_verb_is_405_and_an_unknown_route_404() {
    let (app, _) = app().await;
    let r = send(
        &app,
        Request::delete(ADA_GROUPS).body(Body::empty()).unwrap(),
    )
    .await;
    check(
        &r,
        StatusCode::METHOD_NOT_ALLOWED,
        JSON,
        Some("error-response.schema.json"),
        "wrong_verb.json",
    );
    assert_eq!(r.header("allow"), Some("GET"));
    let r = send(&app, get("/Ams/40001/MemberGroups")).await;
    assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(r.header("allow"), Some("POST, PUT"));
    let r = send(&app, post_json("/Ams/Authenticate/some-token", &json!({}))).await;
    assert_eq!(
        r.status,
        StatusCode::NOT_FOUND,
        "the token variant is not emulated"
    );
    let r = send(&app, get("/Ams/Authenticate")).await;
    assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED);
    let r = send(&app, get("/Ams/40001/Nope")).await;
    check(
        &r,
        StatusCode::NOT_FOUND,
        JSON,
        Some("error-response.schema.json"),
        "unknown_route.json",
    );
    let r = send(&app, get("/ams")).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(error_code(&r), "NotFound");
}

// ---------------------------------------------------------------- journal and faults

#[tokio::test]
async fn the_journal_names_tenant_and_operation_and_masks_the_api_key() {
    let (app, _) = app().await;
    let s = admin(&app).await;
    get_as(&app, ADA_GROUPS, &s).await;
    authenticate(
        &app,
        json!({"ClientID": 40001, "UserType": "Member", "Username": "ada", "Password": "x"}),
    )
    .await;
    let journal = send(&app, get("/_mock/requests?api=yourmembership")).await;
    let text = journal.text();
    assert!(!text.contains("demo-ym-api-key"), "{text}");
    assert!(!text.contains("demo-ym-api-password"), "{text}");
    let entries = journal.json();
    let entries = entries
        .as_array()
        .or(entries["requests"].as_array())
        .unwrap()
        .clone();
    let ops: Vec<(&str, &str, u64)> = entries
        .iter()
        .map(|e| {
            (
                e["operation"].as_str().unwrap(),
                e["tenant"].as_str().unwrap_or(""),
                e["status"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        ops,
        [
            ("Authenticate", "40001", 200),
            ("MemberGroups.GET", "40001", 200),
            ("Authenticate", "40001", 401)
        ]
    );
    assert_eq!(entries[2]["vendor_code"], "None");
    // The OAuth variant's consumer key is the API key: masked too.
    send(
        &app,
        Request::delete("/_mock/requests")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    authenticate(
        &app,
        json!({"ClientID": 40001, "UserType": "Admin", "ConsumerKey": "demo-ym-api-key",
               "ConsumerSecret": "demo-ym-api-password"}),
    )
    .await;
    let after = send(&app, get("/_mock/requests?api=yourmembership"))
        .await
        .text();
    assert!(!after.contains("demo-ym-api"), "{after}");
    // A member login's user name is no secret.
    assert!(text.contains("\"ada\""), "{text}");
}

#[tokio::test]
async fn an_injected_vendor_error_uses_the_servicestack_envelope() {
    let (app, _) = app().await;
    let s = admin(&app).await;
    let r = send(
        &app,
        post_json(
            "/_mock/faults",
            &json!({"api": "yourmembership", "operation": "MemberGroups.GET",
                    "effect": {"vendor_error": "Forbidden"}, "times": 1}),
        ),
    )
    .await;
    assert!(r.status.is_success(), "{}", r.text());
    let r = get_as(&app, ADA_GROUPS, &s).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(error_code(&r), "Forbidden");
    common::assert_json_schema("yourmembership/error-response.schema.json", &r.json());
    assert_eq!(get_as(&app, ADA_GROUPS, &s).await.status, StatusCode::OK);
}

#[path = "yourmembership/hostile.rs"]
mod hostile;

#[path = "yourmembership/clients.rs"]
mod clients;

#[path = "yourmembership/groups.rs"]
mod groups;
