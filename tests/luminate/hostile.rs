//! Hostile input gets an errorResponse, never a panic, a 500 or a hang.

use super::*;

#[tokio::test]
async fn megabyte_values_in_every_lookup_key_are_plain_lookups() {
    let (app, _) = common::demo().await;
    let huge = "9".repeat(1024 * 1024);
    let r = post(&app, SR, &admin("getUserGroups", &[("cons_id", &huge)])).await;
    expect(&r, 403, "error_9_cons_id.xml");
    let huge = "m".repeat(1024 * 1024);
    for key in ["member_id", "primary_email"] {
        let r = post(&app, SR, &admin("getUserGroups", &[(key, &huge)])).await;
        expect(&r, 403, "error_16.xml");
    }
    let r = post(&app, SR, &admin(&huge, &[])).await;
    expect(&r, 403, "error_6.xml");
    let mut p = admin("getUserGroups", &[("cons_id", "1000001")]);
    p[2] = ("api_key", &huge);
    expect(&post(&app, SR, &p).await, 403, "error_2.xml");
}

#[tokio::test]
async fn sql_metacharacters_in_every_lookup_key_are_just_text() {
    let (app, _) = common::demo().await;
    for evil in [
        "' OR '1'='1",
        "x'; DROP TABLE lum_cons; --",
        "%",
        "_",
        "\" OR 1=1 --",
    ] {
        for key in ["member_id", "primary_email"] {
            let r = post(&app, SR, &admin("getUserGroups", &[(key, evil)])).await;
            expect(&r, 403, "error_16.xml");
        }
        let r = post(&app, SR, &admin("getUserGroups", &[("cons_id", evil)])).await;
        expect(&r, 403, "error_9_cons_id.xml");
        let r = post(
            &app,
            CR,
            &client("login", &[("user_name", evil), ("password", evil)]),
        )
        .await;
        expect(&r, 403, "error_202.xml");
        let mut p = admin("getUserGroups", &[("cons_id", "1000001")]);
        p[3] = ("login_name", evil);
        expect(&post(&app, SR, &p).await, 403, "error_3_admin.xml");
        let r = post(
            &app,
            CR,
            &client("getUserGroups", &[("auth", evil), ("JSESSIONID", evil)]),
        )
        .await;
        expect(&r, 403, "error_5.xml");
        let r = post(
            &app,
            CR,
            &client("getUserGroups", &[("sso_auth_token", evil)]),
        )
        .await;
        expect(&r, 403, "error_7.xml");
    }
    // The table is still there.
    let r = post(&app, SR, &admin("getUserGroups", &[("cons_id", "1000001")])).await;
    expect(&r, 200, "groups_one.xml");
}

#[tokio::test]
async fn invalid_utf8_and_broken_percent_escapes_reach_validation() {
    let (app, _) = common::demo().await;
    let body = format!(
        "method=getUserGroups&v=1.0&api_key={API_KEY}&login_name=apiadmin\
         &login_password=admin-pass&member_id=%FF%FE%ZZ%"
    );
    let req = Request::post(SR)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::from(body))
        .unwrap();
    expect(&send(&app, req).await, 403, "error_16.xml");
    let mut raw = b"method=getUserGroups&v=1.0&api_key=demo-api-key&login_name=apiadmin\
&login_password=admin-pass&primary_email="
        .to_vec();
    raw.extend_from_slice(&[0xC3, 0x28, 0xFF]);
    let req = Request::post(SR)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::from(raw))
        .unwrap();
    expect(&send(&app, req).await, 403, "error_16.xml");
    let req = Request::post(format!("{SR}?method=get%55serGroups%"))
        .body(Body::empty())
        .unwrap();
    expect(&send(&app, req).await, 403, "error_6.xml");
}

#[tokio::test]
async fn repeated_parameters_take_the_first_body_value_over_the_query() {
    let (app, _) = common::demo().await;
    let body = common::form(&admin(
        "getUserGroups",
        &[
            ("cons_id", "1000001"),
            ("cons_id", "1000002"),
            ("response_format", "json"),
        ],
    ));
    let req = Request::post(format!("{SR}?cons_id=1000003&method=nope"))
        .header(
            "content-type",
            "application/x-www-form-urlencoded; charset=UTF-8",
        )
        .body(Body::from(body))
        .unwrap();
    expect(&send(&app, req).await, 200, "groups_one.json");
}

#[tokio::test]
async fn parameters_in_the_query_string_alone_are_enough() {
    let (app, _) = common::demo().await;
    let q = common::form(&admin(
        "getUserGroups",
        &[("cons_id", "1000001"), ("response_format", "json")],
    ));
    let req = Request::post(format!("{SR}?{q}"))
        .body(Body::empty())
        .unwrap();
    expect(&send(&app, req).await, 200, "groups_one.json");
}

#[tokio::test]
async fn a_multipart_body_is_read_and_a_broken_one_is_code_9() {
    let (app, _) = common::demo().await;
    let mut body = String::new();
    for (k, v) in admin(
        "getUserGroups",
        &[("cons_id", "1000001"), ("response_format", "json")],
    ) {
        body.push_str(&format!(
            "--B0UND\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n"
        ));
    }
    let good = format!("{body}--B0UND--\r\n");
    let req = Request::post(SR)
        .header("content-type", "multipart/form-data; boundary=B0UND")
        .body(Body::from(good))
        .unwrap();
    expect(&send(&app, req).await, 200, "groups_one.json");
    let req = Request::post(format!(
        "{SR}?method=getUserGroups&v=1.0&response_format=json"
    ))
    .header("content-type", "multipart/form-data; boundary=B0UND")
    .body(Body::from(body))
    .unwrap();
    expect(&send(&app, req).await, 403, "error_9_body.json");
}

#[tokio::test]
async fn an_xml_body_with_a_doctype_is_not_read_at_all() {
    let (app, _) = common::demo().await;
    let xml =
        r#"<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>"#;
    let req = Request::post(SR)
        .header("content-type", "text/xml")
        .body(Body::from(xml))
        .unwrap();
    expect(&send(&app, req).await, 403, "error_6.xml");
}

#[tokio::test]
async fn a_body_over_the_size_limit_is_code_9() {
    let (app, _) = common::demo().await;
    let req = Request::post(format!("{SR}?response_format=json"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::from(vec![b'a'; 5 * 1024 * 1024]))
        .unwrap();
    expect(&send(&app, req).await, 403, "error_9_body.json");
}

#[tokio::test]
async fn odd_paths_under_site_are_answered_in_the_vendors_format() {
    let (app, _) = common::demo().await;
    for path in [
        "/demo/site/;jsessionid=x",
        "/demo/site/srconsapi",
        "/a%00b/site/SRConsAPI",
    ] {
        let r = post(
            &app,
            path,
            &admin("getUserGroups", &[("cons_id", "1000001")]),
        )
        .await;
        assert_eq!(r.status.as_u16(), 403, "{path}: {}", r.text());
        assert!(["2", "6"].contains(&error_code(&r).as_str()), "{path}");
    }
}

#[tokio::test]
async fn megabyte_and_metacharacter_values_in_the_newer_methods_get_the_vendors_codes() {
    let (app, _) = common::demo().await;
    let huge = "x".repeat(1024 * 1024);
    let huge_email = format!("{huge}@example.org");
    for (method, extra, code) in [
        ("create", vec![("primary_email", huge_email.as_str())], "23"),
        (
            "create",
            vec![("primary_email", "a@b.org"), ("name.first", &huge)],
            "23",
        ),
        (
            "create",
            vec![("primary_email", "a@b.org"), ("user_password", &huge)],
            "23",
        ),
        (
            "update",
            vec![("cons_id", "1000001"), ("email.primary_address", &huge)],
            "23",
        ),
        ("create", vec![("primary_email", "a\0@b.org")], "35"),
        ("isEmailValid", vec![("email", &huge)], "none"),
        (
            "getUserTransactions",
            vec![("cons_id", "1000001"), ("begin_date", &huge)],
            "9",
        ),
        (
            "getUserTransactions",
            vec![("cons_id", "1000001"), ("transaction_type", &huge)],
            "9",
        ),
        (
            "getUserTransactions",
            vec![("cons_id", "1000001"), ("list_page_size", &huge)],
            "50",
        ),
        ("listUserFields", vec![("access", &huge)], "9"),
        ("getGroupMembers", vec![("group_id", &huge)], "9"),
        ("getSingleSignOnToken", vec![("member_id", &huge)], "16"),
    ] {
        let r = post(&app, SR, &admin(method, &extra)).await;
        let got = if r.status == 200 {
            "none".into()
        } else {
            error_code(&r)
        };
        assert_eq!(got, code, "{method}");
    }
    for (extra, code) in [
        (vec![("selection_mode", huge.as_str())], "50"),
        (vec![("list_filter_text", huge.as_str())], "none"),
        (vec![("list_filter_text", "' OR 1=1 --")], "none"),
        (vec![("list_record_offset", "99999999999999999999")], "50"),
        (
            vec![
                ("list_page_size", "1000"),
                ("list_page_offset", "4611686018427387"),
            ],
            "none",
        ),
    ] {
        let r = post(&app, SRG, &admin("listGroups", &extra)).await;
        let got = if r.status == 200 {
            "none".into()
        } else {
            error_code(&r)
        };
        assert_eq!(got, code, "{extra:?}");
    }
    let r = post(&app, SRG, &admin("getGroupInfo", &[("group_id", "-1")])).await;
    assert_eq!(error_code(&r), "9");
    // Evil sessions and nonces are no sessions.
    for evil in ["' OR '1'='1", "%", &huge] {
        let r = post(
            &app,
            CR,
            &client("loginTest", &[("JSESSIONID", evil), ("NONCE_TOKEN", evil)]),
        )
        .await;
        assert_eq!(error_code(&r), "3");
        let r = post(
            &app,
            CR,
            &client("logout", &[("JSESSIONID", evil), ("auth", evil)]),
        )
        .await;
        assert_eq!(r.status, 200);
        let r = post(&app, CR, &client("getLoginUrl", &[("NONCE_TOKEN", evil)])).await;
        assert_eq!(r.status, 200);
    }
}

#[tokio::test]
async fn hostile_origins_and_preflight_headers_are_never_echoed_wrongly() {
    let (app, _) = common::demo().await;
    let huge = format!("http://{}.evil.example", "a".repeat(100_000));
    let raw: Vec<u8> = b"http://localhost\xff\xfe".to_vec();
    let origins = [
        axum::http::HeaderValue::from_str(&huge).unwrap(),
        axum::http::HeaderValue::from_bytes(&raw).unwrap(),
        axum::http::HeaderValue::from_static("http://localhost, http://evil.example"),
        axum::http::HeaderValue::from_static("http://@localhost"),
        axum::http::HeaderValue::from_static("javascript://localhost/x"),
    ];
    for origin in origins {
        for req in [
            common::post_form(CR, &client("getLoginUrl", &[])),
            Request::builder()
                .method("OPTIONS")
                .uri(CR)
                .header("access-control-request-method", "POST")
                .header(
                    "access-control-request-headers",
                    axum::http::HeaderValue::from_bytes(b"\xffx").unwrap(),
                )
                .body(Body::empty())
                .unwrap(),
        ] {
            let mut req = req;
            req.headers_mut().insert("origin", origin.clone());
            let r = send(&app, req).await;
            assert!(r.status == 200 || r.status == 403, "{}", r.status);
            let shown = &origin.as_bytes()[..origin.len().min(40)];
            assert_eq!(r.header("access-control-allow-origin"), None, "{shown:?}");
        }
    }
}
