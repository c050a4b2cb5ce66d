//! Hostile input: every answer is a ServiceStack-shaped error (or a plain success), never a
//! panic, a 500 or a hang.

use super::*;

/// A 4xx with a `ResponseStatus` carrying an `ErrorCode`, valid against the error schema.
fn assert_servicestack_error(r: &Resp, status: StatusCode, code: &str) {
    assert_eq!(r.status, status, "{}", r.text());
    assert_eq!(r.content_type(), JSON);
    common::assert_json_schema("yourmembership/error-response.schema.json", &r.json());
    assert_eq!(error_code(r), code, "{}", r.text());
}

#[tokio::test]
async fn a_one_megabyte_json_body_is_refused_as_too_long_not_crashed_on() {
    let (app, _) = app().await;
    let s = admin(&app).await;
    let big = "x".repeat(1024 * 1024);
    let r = change(
        &app,
        "POST",
        &s,
        json!({"MemberID": 5001, "GroupCode": big, "AddAsMember": true}),
    )
    .await;
    assert_servicestack_error(&r, StatusCode::BAD_REQUEST, "ArgumentException");
    assert_eq!(
        r.json()["ResponseStatus"]["Errors"][0]["FieldName"],
        "GroupCode"
    );
    let r = authenticate(
        &app,
        json!({"ClientID": 40001, "UserType": "Member", "Username": big, "Password": "x"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_body_over_the_size_limit_is_a_400() {
    let (app, _) = app().await;
    let r = send(
        &app,
        Request::post("/Ams/Authenticate")
            .header("content-type", "application/json")
            .body(Body::from(vec![b' '; 5 * 1024 * 1024]))
            .unwrap(),
    )
    .await;
    assert_servicestack_error(&r, StatusCode::BAD_REQUEST, "SerializationException");
}

#[tokio::test]
async fn deeply_nested_and_malformed_json_is_a_serialization_exception() {
    let (app, _) = app().await;
    let s = admin(&app).await;
    let deep = format!(
        "{{\"MemberID\":{}1{}}}",
        "[".repeat(200_000),
        "]".repeat(200_000)
    );
    for body in [
        deep,
        "{\"MemberID\":".to_string(),
        "[1,2,3]".to_string(),
        "\"just a string\"".to_string(),
    ] {
        let r = send(
            &app,
            Request::post("/Ams/40001/MemberGroups")
                .header("x-ss-id", &s)
                .header("content-type", "application/json")
                .body(Body::from(body))
                .unwrap(),
        )
        .await;
        assert_servicestack_error(&r, StatusCode::BAD_REQUEST, "SerializationException");
    }
}

#[tokio::test]
async fn invalid_utf8_bodies_are_refused_or_read_leniently() {
    let (app, _) = app().await;
    let r = send(
        &app,
        Request::post("/Ams/Authenticate")
            .header("content-type", "application/json")
            .body(Body::from(b"{\"ClientID\":\"\xff\xfe\"}".to_vec()))
            .unwrap(),
    )
    .await;
    assert_servicestack_error(&r, StatusCode::BAD_REQUEST, "SerializationException");
    let r = send(
        &app,
        Request::post("/Ams/Authenticate")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Body::from(
                b"ClientID=40001&UserType=Member&Username=%FF\xff&Password=x".to_vec(),
            ))
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(r.json()["FailedLoginReason"], "None");
}

#[tokio::test]
async fn xml_bodies_with_a_doctype_are_refused_unread() {
    let (app, _) = app().await;
    let r = send(
        &app,
        Request::post("/Ams/Authenticate")
            .header("content-type", "application/xml")
            .body(Body::from(
                r#"<!DOCTYPE a [<!ENTITY x SYSTEM "file:///etc/passwd">]><Authenticate><Username>&x;</Username></Authenticate>"#,
            ))
            .unwrap(),
    )
    .await;
    assert_servicestack_error(&r, StatusCode::BAD_REQUEST, "SerializationException");
    assert!(!r.text().contains("root:"));
}

#[tokio::test]
async fn wrong_types_in_every_field_name_the_field() {
    let (app, _) = app().await;
    let s = admin(&app).await;
    let valid = json!({"MemberID": 5001, "GroupCode": "FIN", "AddAsMember": true});
    let fields = [
        "PageNumber",
        "PageSize",
        "OffSet",
        "Status",
        "GroupTypeId",
        "SearchTerm",
        "AddAsMember",
        "IsPrimaryGroup",
        "AddAsGroupAdmin",
        "AddGroupRepTitle",
        "RemoveAsMember",
        "RemoveAsGroupAdmin",
        "RemoveGroupRepTitle",
        "ID",
        "GroupCode",
        "MemberID",
        "Device",
    ];
    for field in fields {
        for wrong in [json!({"nested": true}), json!([1, 2]), json!("not-a-value")] {
            let is_string_field = matches!(
                field,
                "SearchTerm" | "AddGroupRepTitle" | "RemoveGroupRepTitle" | "GroupCode" | "Device"
            );
            if is_string_field && wrong.is_string() {
                continue; // a string is the right type for these
            }
            let mut body = valid.clone();
            body[field] = wrong.clone();
            let r = change(&app, "POST", &s, body).await;
            assert_servicestack_error(&r, StatusCode::BAD_REQUEST, "SerializationException");
            assert_eq!(
                r.json()["ResponseStatus"]["Errors"][0]["FieldName"],
                field,
                "{field} = {wrong}"
            );
        }
    }
    // Authenticate's fields too.
    for (field, wrong) in [
        ("ClientID", json!("forty")),
        ("UserType", json!("Root")),
        ("Password", json!({"a": 1})),
        ("Username", json!([1])),
    ] {
        let mut body = json!({"ClientID": 40001, "UserType": "Member", "Username": "ada",
                              "Password": "ada-pass"});
        body[field] = wrong;
        let r = authenticate(&app, body).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{field}");
        assert_eq!(r.json()["ResponseStatus"]["Errors"][0]["FieldName"], field);
    }
}

#[tokio::test]
async fn huge_and_negative_page_values_never_fail_the_server() {
    let (app, _) = app().await;
    let s = admin(&app).await;
    let r = get_as(
        &app,
        &format!("{ADA_GROUPS}?PageSize=2147483647&PageNumber=2147483647"),
        &s,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["GroupTypeList"], json!([]));
    let r = get_as(&app, &format!("{ADA_GROUPS}?PageSize=2147483647"), &s).await;
    assert_eq!(group_names(&r).len(), 4);
    let r = get_as(
        &app,
        &format!("{ADA_GROUPS}?PageSize=99999999999999999999"),
        &s,
    )
    .await;
    assert_servicestack_error(&r, StatusCode::BAD_REQUEST, "SerializationException");
    let r = get_as(&app, &format!("{ADA_GROUPS}?PageNumber=-1"), &s).await;
    assert_servicestack_error(&r, StatusCode::BAD_REQUEST, "ArgumentException");
    assert_eq!(
        r.json()["ResponseStatus"]["Errors"][0]["FieldName"],
        "PageNumber"
    );
}

#[tokio::test]
async fn negative_and_out_of_range_ids_are_ordinary_refusals() {
    let (app, _) = app().await;
    let s = admin(&app).await;
    let r = get_as(&app, "/Ams/40001/Member/-5001/Groups", &s).await;
    assert_servicestack_error(&r, StatusCode::NOT_FOUND, "NotFound");
    let r = get_as(&app, "/Ams/-40001/Member/5001/Groups", &s).await;
    assert_servicestack_error(&r, StatusCode::FORBIDDEN, "Forbidden");
    let r = get_as(&app, "/Ams/40001/Member/abc/Groups", &s).await;
    assert_servicestack_error(&r, StatusCode::BAD_REQUEST, "SerializationException");
    let r = get_as(&app, "/Ams/40001/Member/99999999999/Groups", &s).await;
    assert_servicestack_error(&r, StatusCode::BAD_REQUEST, "SerializationException");
    let r = change(
        &app,
        "POST",
        &s,
        json!({"MemberID": 5001, "ID": -10, "AddAsMember": true}),
    )
    .await;
    assert_servicestack_error(&r, StatusCode::NOT_FOUND, "NotFound");
    let r = authenticate(
        &app,
        json!({"ClientID": -1, "UserType": "Admin", "Username": "k", "Password": "p"}),
    )
    .await;
    assert_eq!(r.json()["FailedLoginReason"], "InvalidClient");
}

#[tokio::test]
async fn sql_metacharacters_in_group_code_and_search_term_are_plain_text() {
    let (app, _) = app().await;
    let s = admin(&app).await;
    for code in ["FIN' OR '1'='1", "%", "_", "FIN\"; DROP TABLE ym_group; --"] {
        let r = change(
            &app,
            "POST",
            &s,
            json!({"MemberID": 5001, "GroupCode": code, "AddAsMember": true}),
        )
        .await;
        assert_servicestack_error(&r, StatusCode::NOT_FOUND, "NotFound");
    }
    for term in ["%", "_", "' OR 1=1 --", "\"; DROP TABLE ym_group; --", "\0"] {
        let q: String = form_urlencoded::Serializer::new(String::new())
            .append_pair("SearchTerm", term)
            .finish();
        let r = get_as(&app, &format!("{ADA_GROUPS}?{q}"), &s).await;
        assert_eq!(r.status, StatusCode::OK, "{term}");
        assert_eq!(r.json()["GroupTypeList"], json!([]), "{term}");
        assert_eq!(r.json()["SearchTerm"], term);
        // The hostile term is echoed safely in every format.
        let r = get_as(&app, &format!("{ADA_GROUPS}.xml?{q}"), &s).await;
        assert_eq!(r.status, StatusCode::OK);
        common::assert_xml_schema("yourmembership/member-groups-response.xsd", &r.text());
    }
    // The catalogue is intact.
    let r = get_as(&app, "/Ams/40001/Groups", &s).await;
    assert_eq!(group_names(&r).len(), 6);
}

#[tokio::test]
async fn a_hostile_session_header_is_just_not_authenticated() {
    let (app, _) = app().await;
    for id in ["' OR 1=1 --", &"a".repeat(10_000), ""] {
        let r = get_as(&app, ADA_GROUPS, id).await;
        assert_servicestack_error(&r, StatusCode::UNAUTHORIZED, "Unauthorized");
    }
}

#[tokio::test]
async fn hostile_catalogue_writes_are_ordinary_refusals_and_stored_text_stays_text() {
    let (app, _) = app().await;
    let s = admin(&app).await;
    let groups = "/Ams/40001/Groups";
    let post = |body: Value| send(&app, with_session("POST", groups, &s, Some(body)));
    let valid = json!({"TypeID": 1, "Name": "X", "GroupCode": "X"});
    // Wrong types in every field of the Groups DTO name the field.
    let fields = [
        ("GroupID", false),
        ("GroupCode", true),
        ("TypeID", false),
        ("Name", true),
        ("Active", false),
        ("Hidden", false),
        ("Accessibility", false),
        ("Membership", false),
        ("Messaging", false),
        ("SendNewsletter", false),
        ("EnableFeed", false),
        ("AdminCanExportMembers", false),
        ("PhotoApproval", false),
        ("EmailOptionsAdmin", false),
        ("EmailOptionsMember", false),
        ("ShortDescription", true),
        ("WelcomeContent", true),
        ("Device", false),
    ];
    for (field, is_string) in fields {
        for wrong in [json!({"nested": true}), json!([1, 2]), json!("not-a-value")] {
            if is_string && wrong.is_string() {
                continue;
            }
            let mut body = valid.clone();
            body[field] = wrong.clone();
            let r = post(body).await;
            assert_servicestack_error(&r, StatusCode::BAD_REQUEST, "SerializationException");
            assert_eq!(
                r.json()["ResponseStatus"]["Errors"][0]["FieldName"],
                field,
                "{field} = {wrong}"
            );
        }
    }
    // Out-of-range numbers, negative and unknown ids, over-long texts.
    let r = post(json!({"TypeID": 99999999999i64, "Name": "X", "GroupCode": "X"})).await;
    assert_servicestack_error(&r, StatusCode::BAD_REQUEST, "SerializationException");
    let r = post(json!({"TypeID": -1, "Name": "X", "GroupCode": "X"})).await;
    assert_servicestack_error(&r, StatusCode::NOT_FOUND, "NotFound");
    let r =
        post(json!({"TypeID": 1, "Name": "X", "GroupCode": "X", "Messaging": 2147483647})).await;
    assert_servicestack_error(&r, StatusCode::BAD_REQUEST, "ArgumentException");
    let r = post(json!({"TypeID": 1, "Name": "X", "GroupCode": "X",
                        "WelcomeContent": "x".repeat(100_001)}))
    .await;
    assert_servicestack_error(&r, StatusCode::BAD_REQUEST, "ArgumentException");
    assert_eq!(
        r.json()["ResponseStatus"]["Errors"][0]["FieldName"],
        "WelcomeContent"
    );
    let r = send(
        &app,
        with_session(
            "PUT",
            groups,
            &s,
            Some(json!({"GroupID": -10, "Name": "X"})),
        ),
    )
    .await;
    assert_servicestack_error(&r, StatusCode::NOT_FOUND, "NotFound");
    // SQL and markup are plain text, stored and answered as given, in every format.
    let evil = "x' OR '1'='1\"; DROP TABLE ym_group; -- <b>&amp;</b> \u{1}";
    let r =
        post(json!({"TypeID": 1, "Name": evil, "GroupCode": evil, "WelcomeContent": evil})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["Name"], evil);
    let r = get_as(&app, &format!("{groups}.xml"), &s).await;
    assert_eq!(r.status, StatusCode::OK);
    let text = r.text();
    let mut reader = quick_xml::Reader::from_str(&text);
    loop {
        match reader.read_event() {
            Ok(quick_xml::events::Event::Eof) => break,
            Ok(_) => {}
            Err(e) => panic!("not XML ({e}): {text}"),
        }
    }
    let r = get_as(&app, groups, &s).await;
    assert_eq!(group_names(&r).len(), 7);
    // Nested and malformed JSON bodies.
    let deep = format!(
        "{{\"Name\":{}1{}}}",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    let r = send(
        &app,
        Request::post(groups)
            .header("X-SS-ID", &s)
            .header("content-type", "application/json")
            .body(Body::from(deep))
            .unwrap(),
    )
    .await;
    assert_servicestack_error(&r, StatusCode::BAD_REQUEST, "SerializationException");
}
