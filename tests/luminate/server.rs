//! Server API (`SRConsAPI`): getUserGroups for an API administrator, the lookup rules and the
//! validation order.

use super::*;

#[tokio::test]
async fn admin_gets_several_groups_in_xml_by_default_with_escaped_labels() {
    let (app, _) = common::demo().await;
    let r = post(&app, SR, &admin("getUserGroups", &[("cons_id", "1000002")])).await;
    expect(&r, 200, "groups_several.xml");
}

#[tokio::test]
async fn admin_gets_several_groups_in_json_as_an_array_of_strings() {
    let (app, _) = common::demo().await;
    let r = post(
        &app,
        SR,
        &admin(
            "getUserGroups",
            &[("cons_id", "1000002"), ("response_format", "json")],
        ),
    )
    .await;
    expect(&r, 200, "groups_several.json");
}

#[tokio::test]
async fn exactly_one_group_is_a_bare_object_in_json() {
    let (app, _) = common::demo().await;
    let r = post(
        &app,
        SR,
        &admin(
            "getUserGroups",
            &[("cons_id", "1000001"), ("response_format", "json")],
        ),
    )
    .await;
    expect(&r, 200, "groups_one.json");
    let r = post(&app, SR, &admin("getUserGroups", &[("cons_id", "1000001")])).await;
    expect(&r, 200, "groups_one.xml");
}

#[tokio::test]
async fn no_groups_is_an_empty_object_in_json_and_an_empty_root_in_xml() {
    let (app, _) = common::demo().await;
    let r = post(
        &app,
        SR,
        &admin(
            "getUserGroups",
            &[("cons_id", "1000003"), ("response_format", "json")],
        ),
    )
    .await;
    expect(&r, 200, "groups_none.json");
    let r = post(&app, SR, &admin("getUserGroups", &[("cons_id", "1000003")])).await;
    expect(&r, 200, "groups_none.xml");
}

#[tokio::test]
async fn admin_lookup_prefers_cons_id_over_member_id_and_email() {
    let (app, _) = common::demo().await;
    let r = post(
        &app,
        SR,
        &admin(
            "getUserGroups",
            &[
                ("primary_email", "grace@example.org"),
                ("member_id", "M-DUP"),
                ("cons_id", "1000001"),
                ("response_format", "json"),
            ],
        ),
    )
    .await;
    expect(&r, 200, "groups_one.json");
}

#[tokio::test]
async fn admin_lookup_prefers_member_id_over_email_and_ignores_the_email() {
    let (app, _) = common::demo().await;
    // The email alone would be ambiguous (code 8); member_id wins and is unique.
    let r = post(
        &app,
        SR,
        &admin(
            "getUserGroups",
            &[
                ("primary_email", "shared@example.org"),
                ("member_id", "M-1002"),
                ("response_format", "json"),
            ],
        ),
    )
    .await;
    expect(&r, 200, "groups_several.json");
}

#[tokio::test]
async fn admin_lookup_by_email_ignores_case_and_an_empty_cons_id_counts_as_absent() {
    let (app, _) = common::demo().await;
    let r = post(
        &app,
        SR,
        &admin(
            "getUserGroups",
            &[
                ("cons_id", ""),
                ("primary_email", "ADA@Example.org"),
                ("response_format", "json"),
            ],
        ),
    )
    .await;
    expect(&r, 200, "groups_one.json");
}

#[tokio::test]
async fn a_duplicate_member_id_is_code_8() {
    let (app, _) = common::demo().await;
    let r = post(&app, SR, &admin("getUserGroups", &[("member_id", "M-DUP")])).await;
    expect(&r, 403, "error_8.xml");
}

#[tokio::test]
async fn a_duplicate_primary_email_is_code_8_in_json_too() {
    let (app, _) = common::demo().await;
    let r = post(
        &app,
        SR,
        &admin(
            "getUserGroups",
            &[
                ("primary_email", "shared@example.org"),
                ("response_format", "json"),
            ],
        ),
    )
    .await;
    expect(&r, 403, "error_8.json");
}

#[tokio::test]
async fn no_matching_constituent_is_code_16() {
    let (app, _) = common::demo().await;
    let r = post(&app, SR, &admin("getUserGroups", &[("cons_id", "999")])).await;
    expect(&r, 403, "error_16.xml");
    let r = post(
        &app,
        SR,
        &admin(
            "getUserGroups",
            &[("member_id", "M-NOPE"), ("response_format", "json")],
        ),
    )
    .await;
    expect(&r, 403, "error_16.json");
}

#[tokio::test]
async fn another_sites_cons_id_is_not_found() {
    let (app, _) = common::demo().await;
    // 2000001 belongs to the `filtered` site.
    let r = post(&app, SR, &admin("getUserGroups", &[("cons_id", "2000001")])).await;
    assert_eq!(error_code(&r), "16");
}

#[tokio::test]
async fn an_admin_without_a_lookup_key_gets_code_9() {
    let (app, _) = common::demo().await;
    let r = post(&app, SR, &admin("getUserGroups", &[])).await;
    expect(&r, 403, "error_9_cons_id.xml");
}

#[tokio::test]
async fn a_non_numeric_cons_id_is_code_9() {
    let (app, _) = common::demo().await;
    let r = post(
        &app,
        SR,
        &admin(
            "getUserGroups",
            &[("cons_id", "12abc"), ("response_format", "json")],
        ),
    )
    .await;
    expect(&r, 403, "error_9_cons_id.json");
}

#[tokio::test]
async fn a_verb_other_than_post_is_405_with_allow_post() {
    let (app, _) = common::demo().await;
    let uri = format!("{SR}?method=getUserGroups&v=1.0&api_key={API_KEY}");
    let r = send(&app, common::get(&uri)).await;
    expect(&r, 405, "error_405.xml");
    assert_eq!(r.header("allow"), Some("POST"));
    let r = send(
        &app,
        Request::put(format!("{uri}&response_format=json"))
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    expect(&r, 405, "error_405.json");
    assert_eq!(r.header("allow"), Some("POST"));
}

#[tokio::test]
async fn the_verb_is_checked_before_the_method() {
    let (app, _) = common::demo().await;
    let r = send(&app, common::get(&format!("{SR}?method=nope"))).await;
    assert_eq!(error_code(&r), "405");
}

#[tokio::test]
async fn a_missing_method_is_code_6() {
    let (app, _) = common::demo().await;
    let r = post(&app, SR, &[("v", "1.0"), ("api_key", API_KEY)]).await;
    expect(&r, 403, "error_6.xml");
}

#[tokio::test]
async fn method_names_are_case_sensitive_and_per_servlet() {
    let (app, _) = common::demo().await;
    for (uri, method) in [
        (SR, "getusergroups"),
        (SRG, "getGroupMembers"),
        (SR, "listGroups"),
        (CR, "getSingleSignOnToken"),
        (CRG, "getGroupMembers"),
    ] {
        let r = post(
            &app,
            uri,
            &admin(
                method,
                &[("cons_id", "1000001"), ("response_format", "json")],
            ),
        )
        .await;
        expect(&r, 403, "error_6.json");
    }
}

#[tokio::test]
async fn a_servlet_the_mock_does_not_serve_is_code_6() {
    let (app, _) = common::demo().await;
    let r = post(&app, "/demo/site/CRDonationAPI", &admin("donate", &[])).await;
    expect(&r, 403, "error_6.xml");
}

#[tokio::test]
async fn method_is_checked_before_v_and_v_before_the_api_key() {
    let (app, _) = common::demo().await;
    let r = post(&app, SR, &[("method", "nope"), ("api_key", "wrong")]).await;
    assert_eq!(error_code(&r), "6");
    let r = post(
        &app,
        SR,
        &[("method", "getUserGroups"), ("api_key", "wrong")],
    )
    .await;
    expect(&r, 403, "error_9_v.xml");
    let r = post(
        &app,
        SR,
        &[
            ("method", "getUserGroups"),
            ("v", "2.0"),
            ("response_format", "json"),
        ],
    )
    .await;
    expect(&r, 403, "error_9_v.json");
}

#[tokio::test]
async fn an_unknown_response_format_is_code_9_rendered_in_xml() {
    let (app, _) = common::demo().await;
    let r = post(
        &app,
        SR,
        &admin(
            "getUserGroups",
            &[("cons_id", "1000001"), ("response_format", "yaml")],
        ),
    )
    .await;
    expect(&r, 403, "error_9_response_format.xml");
}

#[tokio::test]
async fn a_wrong_or_missing_api_key_is_code_2() {
    let (app, _) = common::demo().await;
    let mut p = admin("getUserGroups", &[("cons_id", "1000001")]);
    p[2] = ("api_key", "not-the-key");
    let r = post(&app, SR, &p).await;
    expect(&r, 403, "error_2.xml");
    p.remove(2);
    p.push(("response_format", "json"));
    let r = post(&app, SR, &p).await;
    expect(&r, 403, "error_2.json");
}

#[tokio::test]
async fn another_sites_api_key_is_code_2() {
    let (app, _) = common::demo().await;
    let mut p = admin("getUserGroups", &[("cons_id", "1000001")]);
    p[2] = ("api_key", "filtered-api-key");
    assert_eq!(error_code(&post(&app, SR, &p).await), "2");
}

#[tokio::test]
async fn the_secondary_api_key_is_accepted() {
    let (app, _) = common::demo().await;
    let mut p = admin(
        "getUserGroups",
        &[("cons_id", "1000001"), ("response_format", "json")],
    );
    p[2] = ("api_key", "demo-api-key-secondary");
    expect(&post(&app, SR, &p).await, 200, "groups_one.json");
}

#[tokio::test]
async fn an_unknown_org_is_code_2() {
    let (app, _) = common::demo().await;
    let r = post(
        &app,
        "/nosuchorg/site/SRConsAPI",
        &admin("getUserGroups", &[("cons_id", "1000001")]),
    )
    .await;
    expect(&r, 403, "error_2.xml");
}

#[tokio::test]
async fn the_default_site_answers_without_an_org_in_the_path() {
    let (app, _) = common::demo().await;
    let r = post(
        &app,
        "/site/SRConsAPI",
        &admin(
            "getUserGroups",
            &[("cons_id", "1000001"), ("response_format", "json")],
        ),
    )
    .await;
    expect(&r, 200, "groups_one.json");
}

#[tokio::test]
async fn a_caller_outside_the_sites_ip_filter_is_code_4() {
    let (app, _) = common::demo().await;
    let p = [
        ("method", "getUserGroups"),
        ("v", "1.0"),
        ("api_key", "filtered-api-key"),
        ("login_name", "filteredadmin"),
        ("login_password", "admin-pass"),
        ("cons_id", "2000001"),
    ];
    let r = post(&app, "/filtered/site/SRConsAPI", &p).await;
    expect(&r, 403, "error_4.xml");
    // The API key is checked first: a wrong key is still code 2 there.
    let mut q = p.to_vec();
    q[2] = ("api_key", "wrong");
    assert_eq!(
        error_code(&post(&app, "/filtered/site/SRConsAPI", &q).await),
        "2"
    );
    // The IP filter comes before credentials: a wrong password is still code 4 there.
    let mut q = p.to_vec();
    q[4] = ("login_password", "wrong");
    assert_eq!(
        error_code(&post(&app, "/filtered/site/SRConsAPI", &q).await),
        "4"
    );
}

#[tokio::test]
async fn the_ip_filter_lets_an_allowed_caller_through() {
    let (app, _) = common::demo().await;
    edit_demo_site(&app, |s| {
        s["ip_filter"] = serde_json::json!(["127.0.0.0/8"])
    })
    .await;
    let r = post(
        &app,
        SR,
        &admin(
            "getUserGroups",
            &[("cons_id", "1000001"), ("response_format", "json")],
        ),
    )
    .await;
    expect(&r, 200, "groups_one.json");
    edit_demo_site(&app, |s| s["ip_filter"] = serde_json::json!(["192.0.2.1"])).await;
    let r = post(&app, SR, &admin("getUserGroups", &[("cons_id", "1000001")])).await;
    assert_eq!(error_code(&r), "4");
}

#[tokio::test]
async fn a_wrong_admin_password_is_code_3() {
    let (app, _) = common::demo().await;
    let mut p = admin("getUserGroups", &[("cons_id", "1000001")]);
    p[4] = ("login_password", "guess");
    expect(&post(&app, SR, &p).await, 403, "error_3_admin.xml");
    p.push(("response_format", "json"));
    expect(&post(&app, SR, &p).await, 403, "error_3_admin.json");
}

#[tokio::test]
async fn a_constituent_who_is_not_an_api_admin_is_code_3_on_the_server_api() {
    let (app, _) = common::demo().await;
    let mut p = admin("getUserGroups", &[("cons_id", "1000001")]);
    p[3] = ("login_name", "ada");
    p[4] = ("login_password", "ada-pass");
    expect(&post(&app, SR, &p).await, 403, "error_3_admin.xml");
}

#[tokio::test]
async fn no_credentials_on_the_server_api_is_code_3() {
    let (app, _) = common::demo().await;
    let r = post(
        &app,
        SR,
        &client("getUserGroups", &[("cons_id", "1000001")]),
    )
    .await;
    expect(&r, 403, "error_3_admin.xml");
}

#[tokio::test]
async fn credentials_are_checked_before_method_parameters() {
    let (app, _) = common::demo().await;
    let mut p = admin("getUserGroups", &[("cons_id", "abc")]);
    p[4] = ("login_password", "guess");
    assert_eq!(error_code(&post(&app, SR, &p).await), "3");
}

#[tokio::test]
async fn suppress_response_codes_answers_errors_with_http_200() {
    let (app, _) = common::demo().await;
    let r = post(
        &app,
        SR,
        &admin(
            "getUserGroups",
            &[
                ("cons_id", "999"),
                ("suppress_response_codes", "true"),
                ("response_format", "json"),
            ],
        ),
    )
    .await;
    expect(&r, 200, "error_16.json");
    let uri = format!("{SR}?method=getUserGroups&suppress_response_codes=true");
    let r = send(&app, common::get(&uri)).await;
    expect(&r, 200, "error_405.xml");
}

#[tokio::test]
async fn a_site_can_send_json_as_text_plain() {
    let (app, _) = common::demo().await;
    edit_demo_site(&app, |s| s["json_content_type"] = "text/plain".into()).await;
    let r = post(
        &app,
        SR,
        &admin(
            "getUserGroups",
            &[("cons_id", "1000001"), ("response_format", "json")],
        ),
    )
    .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.content_type(), "text/plain;charset=UTF-8");
    common::assert_golden("luminate/groups_one.json", &r.text());
}

#[tokio::test]
async fn an_injected_vendor_error_uses_the_envelope_and_the_requested_format() {
    let (app, _) = common::demo().await;
    let rule = serde_json::json!({"api":"luminate","operation":"getUserGroups",
        "effect":{"vendor_error":"1"},"times":1});
    let r = send(&app, common::post_json("/_mock/faults", &rule)).await;
    assert!(r.status.is_success(), "{}", r.text());
    let r = post(
        &app,
        SR,
        &admin(
            "getUserGroups",
            &[("cons_id", "1000001"), ("response_format", "json")],
        ),
    )
    .await;
    expect(&r, 403, "error_1.json");
    let journal = send(&app, common::get("/_mock/requests?api=luminate"))
        .await
        .json();
    let entry = &journal["requests"][0];
    assert_eq!(entry["vendor_code"], "1", "{journal}");
    assert!(entry["fault"].is_object(), "{journal}");
}

#[tokio::test]
async fn the_journal_names_tenant_operation_and_code_and_masks_secrets() {
    let (app, _) = common::demo().await;
    post(&app, SR, &admin("getUserGroups", &[("member_id", "M-DUP")])).await;
    let j = send(&app, common::get("/_mock/requests?api=luminate"))
        .await
        .text();
    assert!(j.contains(r#""tenant":"demo""#), "{j}");
    assert!(j.contains(r#""operation":"getUserGroups""#), "{j}");
    assert!(j.contains(r#""vendor_code":"8""#), "{j}");
    assert!(!j.contains("admin-pass") && !j.contains(API_KEY), "{j}");
}
