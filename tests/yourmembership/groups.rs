//! The group catalogue's writes (`POST`/`PUT /Ams/{ClientID}/Groups`), fractional
//! `SortIndex`es, and how an expired session is told from an unknown one.

use super::*;

const GROUPS: &str = "/Ams/40001/Groups";

async fn write(app: &Router, method: &str, session: &str, body: Value) -> Resp {
    send(app, with_session(method, GROUPS, session, Some(body))).await
}

fn field_error(r: &Resp) -> (String, String) {
    let body = r.json();
    (
        body["ResponseStatus"]["ErrorCode"]
            .as_str()
            .unwrap_or_default()
            .into(),
        body["ResponseStatus"]["Errors"][0]["FieldName"]
            .as_str()
            .unwrap_or_default()
            .into(),
    )
}

// ---------------------------------------------------------------- POST, PUT

#[tokio::test]
async fn an_admin_creates_a_group_and_every_read_shows_it() {
    let (app, _) = app().await;
    let s = admin(&app).await;
    let r = write(
        &app,
        "POST",
        &s,
        json!({"TypeID": "1", "Name": "Audit Committee", "GroupCode": "AUDIT"}),
    )
    .await;
    check(
        &r,
        StatusCode::OK,
        JSON,
        Some("groups-response.schema.json"),
        "groups_created.json",
    );
    let r = get_as(&app, GROUPS, &s).await;
    let committees: Vec<String> = r.json()["GroupTypeList"][0]["Groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["Name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        committees,
        ["Audit Committee", "Board of Directors", "Finance Committee"]
    );
    // Members can join it by its code at once.
    let r = change(
        &app,
        "POST",
        &s,
        json!({"MemberID": 5003, "GroupCode": "audit", "AddAsMember": true}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let r = get_as(&app, "/Ams/40001/Member/5003/Groups", &s).await;
    assert_eq!(group_names(&r), ["Audit Committee"]);
}

#[tokio::test]
async fn a_put_changes_only_the_fields_it_names_and_reads_follow() {
    let (app, _) = app().await;
    let s = admin(&app).await;
    // Rename Ada's board, move it to another type, set a few settings.
    let r = write(
        &app,
        "PUT",
        &s,
        json!({"GroupID": 10, "Name": "Board of Trustees", "TypeID": 2, "Active": false,
               "Messaging": 1}),
    )
    .await;
    check(
        &r,
        StatusCode::OK,
        JSON,
        Some("groups-response.schema.json"),
        "groups_updated.json",
    );
    let r = get_as(&app, ADA_GROUPS, &s).await;
    let types: Vec<(String, Vec<String>)> = r.json()["GroupTypeList"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["TypeName"].as_str().unwrap().to_string(),
                t["Groups"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|g| g["Name"].as_str().unwrap().to_string())
                    .collect(),
            )
        })
        .collect();
    assert_eq!(types[1].0, "Chapters");
    assert!(
        types[1].1.contains(&"Board of Trustees".to_string()),
        "{types:?}"
    );
    // Omitted fields were left alone: the code still names the group.
    let state = send(&app, get("/_mock/state")).await.json();
    let board = state["yourmembership"]["clients"][0]["groups"][0].clone();
    assert_eq!(
        board,
        json!({"id": 10, "code": "BOARD", "name": "Board of Trustees", "type_id": 2,
               "join_option": "CanJoin", "active": false, "messaging": 1})
    );
    // A second PUT keeps the first one's settings.
    let r = write(&app, "PUT", &s, json!({"GroupID": 10, "Hidden": true})).await;
    assert_eq!(r.status, StatusCode::OK);
    let state = send(&app, get("/_mock/state")).await.json();
    let board = &state["yourmembership"]["clients"][0]["groups"][0];
    assert_eq!(
        (board["active"].clone(), board["hidden"].clone()),
        (json!(false), json!(true))
    );
}

#[tokio::test]
async fn catalogue_writes_are_for_admin_sessions_only() {
    let (app, _) = app().await;
    let body = json!({"TypeID": 1, "Name": "X", "GroupCode": "X"});
    let r = send(&app, post_json(GROUPS, &body)).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let m = member(&app, "ada").await;
    for method in ["POST", "PUT"] {
        let r = write(&app, method, &m, json!({"GroupID": 10, "Name": "Mine"})).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{method}: {}", r.text());
    }
    // Another client's admin session.
    let other = admin_session(&app, 40002, "other-ym-api-key", "other-ym-api-password").await;
    let r = write(&app, "POST", &other, body.clone()).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // The OAuth admin role is allowed.
    let r = authenticate(
        &app,
        json!({"ClientID": 40001, "UserType": "Admin", "ConsumerKey": "demo-ym-api-key",
               "ConsumerSecret": "demo-ym-api-password"}),
    )
    .await;
    let oauth = r.json()["SessionId"].as_str().unwrap().to_string();
    let r = write(&app, "POST", &oauth, body).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
}

#[tokio::test]
async fn catalogue_write_refusals_name_the_field_and_change_nothing() {
    let (app, _) = app().await;
    let s = admin(&app).await;
    let before = send(&app, get("/_mock/state")).await.json();
    let cases = [
        (
            "POST",
            json!({"Name": "X", "GroupCode": "X"}),
            StatusCode::BAD_REQUEST,
            "ArgumentException",
            "TypeID",
        ),
        (
            "POST",
            json!({"TypeID": 1, "GroupCode": "X"}),
            StatusCode::BAD_REQUEST,
            "ArgumentException",
            "Name",
        ),
        (
            "POST",
            json!({"TypeID": 1, "Name": "X", "GroupCode": ""}),
            StatusCode::BAD_REQUEST,
            "ArgumentException",
            "GroupCode",
        ),
        (
            "POST",
            json!({"TypeID": 1, "Name": "X", "GroupCode": "board"}),
            StatusCode::BAD_REQUEST,
            "ArgumentException",
            "GroupCode",
        ),
        (
            "POST",
            json!({"TypeID": 1, "Name": "X", "GroupCode": "X", "Accessibility": 3}),
            StatusCode::BAD_REQUEST,
            "ArgumentException",
            "Accessibility",
        ),
        (
            "POST",
            json!({"TypeID": 1, "Name": "X", "GroupCode": "X", "EmailOptionsMember": -1}),
            StatusCode::BAD_REQUEST,
            "ArgumentException",
            "EmailOptionsMember",
        ),
        (
            "POST",
            json!({"TypeID": 1, "Name": "X", "GroupCode": "X", "Active": "maybe"}),
            StatusCode::BAD_REQUEST,
            "SerializationException",
            "Active",
        ),
        (
            "POST",
            json!({"TypeID": 99, "Name": "X", "GroupCode": "X"}),
            StatusCode::NOT_FOUND,
            "NotFound",
            "",
        ),
        (
            "PUT",
            json!({"Name": "X"}),
            StatusCode::BAD_REQUEST,
            "ArgumentException",
            "GroupID",
        ),
        (
            "PUT",
            json!({"GroupID": 999, "Name": "X"}),
            StatusCode::NOT_FOUND,
            "NotFound",
            "",
        ),
        (
            "PUT",
            json!({"GroupID": 10, "TypeID": 99}),
            StatusCode::NOT_FOUND,
            "NotFound",
            "",
        ),
        (
            "PUT",
            json!({"GroupID": 10, "GroupCode": "fin"}),
            StatusCode::BAD_REQUEST,
            "ArgumentException",
            "GroupCode",
        ),
        (
            "PUT",
            json!({"GroupID": "ten"}),
            StatusCode::BAD_REQUEST,
            "SerializationException",
            "GroupID",
        ),
    ];
    for (method, body, status, code, field) in cases {
        let r = write(&app, method, &s, body.clone()).await;
        assert_eq!(r.status, status, "{method} {body}: {}", r.text());
        assert_eq!(
            field_error(&r),
            (code.to_string(), field.to_string()),
            "{method} {body}"
        );
        common::assert_json_schema("yourmembership/groups-response.schema.json", &r.json());
    }
    let r = write(
        &app,
        "POST",
        &s,
        json!({"TypeID": 99, "Name": "X", "GroupCode": "X"}),
    )
    .await;
    check(
        &r,
        StatusCode::NOT_FOUND,
        JSON,
        None,
        "group_type_not_found.json",
    );
    // A PUT may keep its own code.
    let r = write(
        &app,
        "PUT",
        &s,
        json!({"GroupID": 10, "GroupCode": "board"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let after = send(&app, get("/_mock/state")).await.json();
    assert_eq!(
        after["yourmembership"]["clients"][0]["groups"][0]["code"],
        "board"
    );
    let mut expected = before.clone();
    expected["yourmembership"]["clients"][0]["groups"][0]["code"] = "board".into();
    // The seed names relationships by code.
    expected["yourmembership"]["clients"][0]["members"][0]["groups"][0]["code"] = "board".into();
    assert_eq!(after, expected);
}

#[tokio::test]
async fn the_groups_route_answers_get_post_and_put_and_405_names_them() {
    let (app, _) = app().await;
    let s = admin(&app).await;
    let r = send(&app, with_session("DELETE", GROUPS, &s, None)).await;
    assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(r.header("allow"), Some("GET, POST, PUT"));
    assert_eq!(
        r.json()["ResponseStatus"]["Message"],
        "Could not find method named Delete(Groups) or Any(Groups) on Service GroupsService"
    );
    // The journal names each verb's operation.
    write(
        &app,
        "POST",
        &s,
        json!({"TypeID": 1, "Name": "J", "GroupCode": "J"}),
    )
    .await;
    write(&app, "PUT", &s, json!({"GroupID": 32, "Hidden": true})).await;
    let journal = send(&app, get("/_mock/requests?api=yourmembership"))
        .await
        .json();
    let ops: Vec<String> = journal
        .as_array()
        .or(journal["requests"].as_array())
        .unwrap()
        .iter()
        .map(|e| e["operation"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        ops,
        ["Authenticate", "unknown", "Groups.POST", "Groups.PUT"]
    );
}

#[tokio::test]
async fn catalogue_writes_answer_in_jsv_and_xml_too() {
    let (app, _) = app().await;
    let s = admin(&app).await;
    let body =
        json!({"TypeID": 2, "Name": "South, \"Chapter\"", "GroupCode": "SOUTH", "Active": true});
    let r = send(
        &app,
        with_session("POST", &format!("{GROUPS}.jsv"), &s, Some(body)),
    )
    .await;
    check(&r, StatusCode::OK, JSV, None, "groups_created.jsv");
    let r = send(
        &app,
        with_session(
            "PUT",
            &format!("{GROUPS}?format=xml"),
            &s,
            Some(json!({"GroupID": 32, "Name": "South <&>"})),
        ),
    )
    .await;
    check(&r, StatusCode::OK, XML, None, "groups_updated.xml");
}

#[tokio::test]
async fn written_groups_survive_a_state_dump_and_reseed() {
    let (app, _) = app().await;
    let s = admin(&app).await;
    let r = write(
        &app,
        "POST",
        &s,
        json!({"TypeID": 3, "Name": "Zig", "GroupCode": "ZIG", "Hidden": true, "Membership": 1,
               "WelcomeContent": "<p>Hi</p>"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let before = get_as(&app, GROUPS, &s).await.json()["GroupTypeList"].clone();
    let state = send(&app, get("/_mock/state")).await.json();
    send(
        &app,
        Request::post("/_mock/reset").body(Body::empty()).unwrap(),
    )
    .await;
    let seeded = send(&app, post_json("/_mock/seed", &state)).await;
    assert_eq!(seeded.status, StatusCode::OK, "{}", seeded.text());
    assert_eq!(send(&app, get("/_mock/state")).await.json(), state);
    let s = admin(&app).await;
    // (`reset` puts the real clock back: only the catalogue is compared.)
    assert_eq!(
        get_as(&app, GROUPS, &s).await.json()["GroupTypeList"],
        before
    );
}

// ---------------------------------------------------------------- SortIndex

#[tokio::test]
async fn a_fractional_sort_index_orders_and_renders_as_ym_does() {
    let (app, _) = app().await;
    let state = send(&app, get("/_mock/state")).await.json();
    let mut client = state["yourmembership"]["clients"][0].clone();
    client["group_types"][2]["sort_index"] = json!(1.5);
    let doc = json!({"yourmembership": {"clients": [client]}});
    let seeded = send(&app, post_json("/_mock/seed", &doc)).await;
    assert_eq!(seeded.status, StatusCode::OK, "{}", seeded.text());
    let s = admin(&app).await;
    let r = get_as(&app, "/Ams/40001/GroupTypes", &s).await;
    check(
        &r,
        StatusCode::OK,
        JSON,
        Some("group-types-response.schema.json"),
        "group_types_fractional.json",
    );
    assert!(r.text().contains(r#""SortIndex":1}"#) && r.text().contains(r#""SortIndex":1.5}"#));
    let r = get_as(&app, &format!("{ADA_GROUPS}.jsv"), &s).await;
    assert!(
        r.text().contains("SortIndex:1.5,") && r.text().contains("SortIndex:1,"),
        "{}",
        r.text()
    );
    let r = get_as(&app, &format!("{ADA_GROUPS}.xml"), &s).await;
    common::assert_xml_schema("yourmembership/member-groups-response.xsd", &r.text());
    assert!(
        r.text().contains("<SortIndex>1.5</SortIndex>")
            && r.text().contains("<SortIndex>1</SortIndex>"),
        "{}",
        r.text()
    );
    // The state dump keeps 1.5, and whole indexes as integers.
    let state = send(&app, get("/_mock/state")).await.json();
    let types = &state["yourmembership"]["clients"][0]["group_types"];
    assert_eq!(types[2]["sort_index"], json!(1.5));
    assert_eq!(types[0]["sort_index"].to_string(), "1");
}

// ---------------------------------------------------------------- session expiry

/// **[choice]** YM's text for an expired session is not public; a public client looks for the
/// word "timeout" in the Message, so an expired session says it. A session never issued gets
/// ServiceStack's plain "Not Authenticated".
#[tokio::test]
async fn an_expired_session_says_timeout_and_an_unknown_one_is_not_authenticated() {
    let (app, state) = app().await;
    let session = member(&app, "ada").await;
    state.clock.advance(chrono::Duration::minutes(15));
    let r = get_as(&app, ADA_GROUPS, &session).await;
    check(
        &r,
        StatusCode::UNAUTHORIZED,
        JSON,
        Some("error-response.schema.json"),
        "session_timeout.json",
    );
    assert_eq!(
        r.header("www-authenticate"),
        Some("credentials realm=\"/Ams/Authenticate\"")
    );
    // Another login (which sweeps old sessions) does not make it unknown.
    admin(&app).await;
    let r = get_as(&app, ADA_GROUPS, &session).await;
    assert!(r.text().contains("timeout"), "{}", r.text());
    let r = get_as(&app, ADA_GROUPS, "never-issued").await;
    check(
        &r,
        StatusCode::UNAUTHORIZED,
        JSON,
        Some("error-response.schema.json"),
        "not_authenticated.json",
    );
    // A day after it expired the mock forgets it: then it is unknown.
    state.clock.advance(chrono::Duration::hours(25));
    admin(&app).await;
    let r = get_as(&app, ADA_GROUPS, &session).await;
    assert_eq!(r.json()["ResponseStatus"]["Message"], "Not Authenticated");
}
