//! The neighbouring methods of luminate.md §5: getUser, update / createOrUpdate, the Group API.

use super::*;

#[tokio::test]
async fn get_user_returns_one_constituent_in_xml_and_json() {
    let (app, _) = common::demo().await;
    let r = post(&app, SR, &admin("getUser", &[("cons_id", "1000004")])).await;
    expect(&r, 200, "user.xml");
    let r = post(
        &app,
        SR,
        &admin(
            "getUser",
            &[
                ("primary_email", "grace@example.org"),
                ("response_format", "json"),
            ],
        ),
    )
    .await;
    expect(&r, 200, "user.json");
}

#[tokio::test]
async fn get_user_follows_the_lookup_rules() {
    let (app, _) = common::demo().await;
    let r = post(&app, SR, &admin("getUser", &[("member_id", "M-DUP")])).await;
    assert_eq!(error_code(&r), "8");
    let r = post(&app, SR, &admin("getUser", &[("cons_id", "42")])).await;
    assert_eq!(error_code(&r), "16");
    let (auth, jsession) = login(&app, "ada", "ada-pass").await;
    let r = post(
        &app,
        CR,
        &client(
            "getUser",
            &[
                ("auth", &auth),
                ("JSESSIONID", &jsession),
                ("cons_id", "1000002"),
            ],
        ),
    )
    .await;
    assert_eq!(error_code(&r), "14");
    let r = post(
        &app,
        CR,
        &client(
            "getUser",
            &[
                ("auth", &auth),
                ("JSESSIONID", &jsession),
                ("response_format", "json"),
            ],
        ),
    )
    .await;
    assert_eq!(field(&r, "getConsResponse", "cons_id"), "1000001");
}

#[tokio::test]
async fn update_adds_and_removes_groups() {
    let (app, _) = common::demo().await;
    let r = post(
        &app,
        SR,
        &admin(
            "update",
            &[
                ("cons_id", "1000003"),
                ("add_group_ids", "1002, 1004"),
                ("remove_group_ids", "1001"),
            ],
        ),
    )
    .await;
    expect(&r, 200, "update.xml");
    let r = post(
        &app,
        SR,
        &admin(
            "getUserGroups",
            &[("cons_id", "1000003"), ("response_format", "json")],
        ),
    )
    .await;
    expect(&r, 200, "groups_after_update.json");
    let r = post(
        &app,
        SR,
        &admin(
            "update",
            &[
                ("cons_id", "1000003"),
                ("remove_group_ids", "1002,1004"),
                ("response_format", "json"),
            ],
        ),
    )
    .await;
    expect(&r, 200, "update.json");
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
}

#[tokio::test]
async fn update_refuses_built_in_groups_with_code_14_and_changes_nothing() {
    let (app, _) = common::demo().await;
    let r = post(
        &app,
        SR,
        &admin(
            "update",
            &[("cons_id", "1000003"), ("add_group_ids", "1001,999")],
        ),
    )
    .await;
    expect(&r, 403, "error_14.xml");
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
}

#[tokio::test]
async fn update_with_a_malformed_or_unknown_group_id_is_code_9() {
    let (app, _) = common::demo().await;
    let r = post(
        &app,
        SR,
        &admin(
            "update",
            &[
                ("cons_id", "1000003"),
                ("add_group_ids", "1001;DROP TABLE lum_cons"),
                ("response_format", "json"),
            ],
        ),
    )
    .await;
    expect(&r, 403, "error_9_add_group_ids.json");
    let r = post(
        &app,
        SR,
        &admin(
            "update",
            &[
                ("cons_id", "1000003"),
                ("add_group_ids", "5555"),
                ("response_format", "json"),
            ],
        ),
    )
    .await;
    expect(&r, 403, "error_9_add_group_ids.json");
}

#[tokio::test]
async fn update_on_the_server_api_is_for_api_administrators_only() {
    let (app, _) = common::demo().await;
    let mut p = admin(
        "update",
        &[("cons_id", "1000001"), ("add_group_ids", "1002")],
    );
    p[3] = ("login_name", "ada");
    p[4] = ("login_password", "ada-pass");
    assert_eq!(error_code(&post(&app, SR, &p).await), "3");
}

// M/update_method.html lists CRConsAPI: a logged-in constituent updates their own record;
// "add_group_ids ... Only available when called using an administrator account."
#[tokio::test]
async fn update_on_the_client_api_changes_the_logged_in_constituents_own_record() {
    let (app, _) = common::demo().await;
    let r = post(&app, CR, &client("update", &[("name.first", "Ada")])).await;
    assert_eq!(error_code(&r), "5");
    let (auth, jsession) = login(&app, "ada", "ada-pass").await;
    let me = |extra: &[(&'static str, &'static str)]| {
        let mut p = vec![("auth", auth.clone()), ("JSESSIONID", jsession.clone())];
        p.extend(extra.iter().map(|(k, v)| (*k, v.to_string())));
        p
    };
    let call = |method: &'static str, p: Vec<(&'static str, String)>| {
        let app = app.clone();
        async move {
            let pairs: Vec<(&str, &str)> = p.iter().map(|(k, v)| (*k, v.as_str())).collect();
            post(&app, CR, &client(method, &pairs)).await
        }
    };
    let r = call(
        "update",
        me(&[
            ("name.last", "King"),
            ("email.primary_address", "ada.king@example.org"),
            ("response_format", "json"),
        ]),
    )
    .await;
    expect(&r, 200, "update_client.json");
    let r = call("getUser", me(&[("response_format", "json")])).await;
    expect(&r, 200, "user_after_client_update.json");
    let r = call("update", me(&[("add_group_ids", "1002")])).await;
    expect(&r, 403, "error_14.xml");
    let r = call("update", me(&[("cons_id", "1000002"), ("name.first", "X")])).await;
    assert_eq!(error_code(&r), "14");
    // createOrUpdate for a constituent is update on their own record.
    let r = call(
        "createOrUpdate",
        me(&[("name.first", "Augusta"), ("response_format", "json")]),
    )
    .await;
    assert_eq!(
        field(&r, "createOrUpdateConsResponse", "cons_id"),
        "1000001"
    );
    let r = call("update", me(&[("email.primary_address", "not-an-address")])).await;
    assert_eq!(error_code(&r), "22");
}

#[tokio::test]
async fn create_or_update_creates_a_constituent_when_the_email_is_new() {
    let (app, _) = common::demo().await;
    let r = post(
        &app,
        SR,
        &admin(
            "createOrUpdate",
            &[
                ("primary_email", "new@example.org"),
                ("name.first", "New"),
                ("add_group_ids", "1003"),
                ("response_format", "json"),
            ],
        ),
    )
    .await;
    expect(&r, 200, "create.json");
    let r = post(&app, SR, &admin("getUser", &[("cons_id", "1000008")])).await;
    expect(&r, 200, "user_created.xml");
    let r = post(
        &app,
        SR,
        &admin(
            "createOrUpdate",
            &[
                ("primary_email", "NEW@example.org"),
                ("name.last", "Person"),
            ],
        ),
    )
    .await;
    expect(&r, 200, "create_updated.xml");
}

#[tokio::test]
async fn create_or_update_needs_an_email_and_refuses_ambiguous_or_bad_names() {
    let (app, _) = common::demo().await;
    // The old createOrUpdate page: "primary_email — Required to create a record"; code 10 "One
    // or more required constituent fields are missing."
    let r = post(&app, SR, &admin("createOrUpdate", &[("name.first", "X")])).await;
    expect(&r, 403, "error_10.xml");
    let r = post(
        &app,
        SR,
        &admin(
            "createOrUpdate",
            &[("member_id", "M-NEW"), ("name.first", "X")],
        ),
    )
    .await;
    assert_eq!(error_code(&r), "10");
    // Code 15: "Update failed: matched multiple records."
    let r = post(
        &app,
        SR,
        &admin("createOrUpdate", &[("primary_email", "shared@example.org")]),
    )
    .await;
    expect(&r, 403, "error_15.xml");
    let long = "x".repeat(256);
    let r = post(
        &app,
        SR,
        &admin(
            "createOrUpdate",
            &[("primary_email", "a@example.org"), ("name.first", &long)],
        ),
    )
    .await;
    // 23 "Input size error."
    assert_eq!(error_code(&r), "23");
    let r = post(
        &app,
        SR,
        &admin(
            "createOrUpdate",
            &[
                ("primary_email", "a@example.org"),
                ("name.last", "bell\u{7}"),
            ],
        ),
    )
    .await;
    // 35 "Input contains invalid characters."
    assert_eq!(error_code(&r), "35");
}

#[tokio::test]
async fn created_constituents_survive_a_state_dump_and_reseed() {
    let (app, _) = common::demo().await;
    post(
        &app,
        SR,
        &admin(
            "createOrUpdate",
            &[
                ("primary_email", "kept@example.org"),
                ("add_group_ids", "1001"),
            ],
        ),
    )
    .await;
    let before = send(&app, common::get("/_mock/state")).await.json();
    send(
        &app,
        common::post_json("/_mock/reset", &serde_json::json!({})),
    )
    .await;
    let r = send(&app, common::post_json("/_mock/seed", &before)).await;
    assert!(r.status.is_success(), "{}", r.text());
    let after = send(&app, common::get("/_mock/state")).await.json();
    assert_eq!(before["luminate"], after["luminate"]);
    let r = post(
        &app,
        SR,
        &admin("getUserGroups", &[("primary_email", "kept@example.org")]),
    )
    .await;
    expect(&r, 200, "groups_one.xml");
}

#[tokio::test]
async fn get_group_members_lists_members_with_the_one_versus_many_rule() {
    let (app, _) = common::demo().await;
    let r = post(
        &app,
        SR,
        &admin(
            "getGroupMembers",
            &[("group_id", "1001"), ("response_format", "json")],
        ),
    )
    .await;
    expect(&r, 200, "members.json");
    let r = post(
        &app,
        SR,
        &admin(
            "getGroupMembers",
            &[
                ("group_id", "1001"),
                ("max_number", "1"),
                ("response_format", "json"),
            ],
        ),
    )
    .await;
    expect(&r, 200, "members_one.json");
    let r = post(&app, SR, &admin("getGroupMembers", &[("group_id", "1004")])).await;
    expect(&r, 200, "members.xml");
}

#[tokio::test]
async fn get_group_members_validates_group_id_and_max_number() {
    let (app, _) = common::demo().await;
    for extra in [
        [("group_id", "1001"), ("max_number", "1001")],
        [("group_id", "1001"), ("max_number", "0")],
    ] {
        let r = post(&app, SR, &admin("getGroupMembers", &extra)).await;
        expect(&r, 403, "error_9_max_number.xml");
    }
    for gid in ["", "abc", "2001", "7777"] {
        let r = post(&app, SR, &admin("getGroupMembers", &[("group_id", gid)])).await;
        expect(&r, 403, "error_9_group_id.xml");
    }
}

#[tokio::test]
async fn get_group_info_describes_one_group() {
    let (app, _) = common::demo().await;
    let r = post(&app, SRG, &admin("getGroupInfo", &[("group_id", "1003")])).await;
    expect(&r, 200, "group_info.xml");
    let r = post(
        &app,
        SRG,
        &admin(
            "getGroupInfo",
            &[("group_id", "1003"), ("response_format", "json")],
        ),
    )
    .await;
    expect(&r, 200, "group_info.json");
}

// M/listGroups_method.html: list_page_size (default 25), list_page_offset (pages),
// list_record_offset (records), bad criteria are code 50.
#[tokio::test]
async fn list_groups_pages_through_the_catalogue() {
    let (app, _) = common::demo().await;
    let r = post(&app, SRG, &admin("listGroups", &[])).await;
    expect(&r, 200, "groups_list.xml");
    let r = post(
        &app,
        SRG,
        &admin(
            "listGroups",
            &[
                ("list_page_size", "3"),
                ("list_page_offset", "1"),
                ("response_format", "json"),
            ],
        ),
    )
    .await;
    expect(&r, 200, "groups_list_page2.json");
    let r = post(
        &app,
        SRG,
        &admin(
            "listGroups",
            &[
                ("list_page_size", "1"),
                ("list_record_offset", "3"),
                ("list_page_offset", "0"),
                ("response_format", "json"),
            ],
        ),
    )
    .await;
    expect(&r, 200, "groups_list_page2.json");
    let r = post(
        &app,
        SRG,
        &admin(
            "listGroups",
            &[("list_page_offset", "9"), ("response_format", "json")],
        ),
    )
    .await;
    expect(&r, 200, "groups_list_empty.json");
    for bad in [
        ("list_page_size", "-1"),
        ("list_page_size", "x"),
        ("list_page_offset", "-1"),
        ("list_record_offset", "-3"),
        ("selection_mode", "ALL"),
        ("selection_mode", "not_built_in"),
    ] {
        let r = post(&app, SRG, &admin("listGroups", &[bad])).await;
        expect(&r, 403, "error_50.xml");
    }
}

// "selection_mode ... Default is NOT_BUILT_IN": built-in groups (ids below 1000) are listed
// only in another mode.
#[tokio::test]
async fn list_groups_hides_built_in_groups_unless_another_selection_mode_is_asked() {
    let (app, _) = common::demo().await;
    let ids = |r: &common::Resp| -> Vec<String> {
        let json = r.json();
        let g = &json["listGroupsResponse"]["groupInfo"];
        match g.as_array() {
            Some(a) => a
                .iter()
                .map(|g| g["id"].as_str().unwrap().to_string())
                .collect(),
            None => g["id"]
                .as_str()
                .map(|s| vec![s.to_string()])
                .unwrap_or_default(),
        }
    };
    let json = [("response_format", "json")];
    let r = post(&app, SRG, &admin("listGroups", &json)).await;
    assert_eq!(ids(&r), ["1001", "1002", "1003", "1004"]);
    let r = post(
        &app,
        SRG,
        &admin("listGroups", &[("selection_mode", "NOT_BUILT_IN"), json[0]]),
    )
    .await;
    assert_eq!(ids(&r), ["1001", "1002", "1003", "1004"]);
    for mode in [
        "EMAIL",
        "ADMIN_SECURITY",
        "MEMBERSHIP",
        "HEIRARCHY",
        "REPORTWRITER_SHAREES",
        "STATES",
    ] {
        let r = post(
            &app,
            SRG,
            &admin("listGroups", &[("selection_mode", mode), json[0]]),
        )
        .await;
        assert_eq!(ids(&r), ["101", "1001", "1002", "1003", "1004"], "{mode}");
    }
}

// "list_filter_text: The text that will be used to filter results."
#[tokio::test]
async fn list_groups_filters_by_name_text() {
    let (app, _) = common::demo().await;
    let r = post(
        &app,
        SRG,
        &admin(
            "listGroups",
            &[("list_filter_text", "LOVERS"), ("response_format", "json")],
        ),
    )
    .await;
    expect(&r, 200, "groups_list_filtered.json");
    let r = post(
        &app,
        SRG,
        &admin(
            "listGroups",
            &[("list_filter_text", "%"), ("response_format", "json")],
        ),
    )
    .await;
    expect(&r, 200, "groups_list_empty.json");
}

// M/getGroupInfo_method.html and M/listGroups_method.html: "Client API callers must be logged
// in and must be administrator users with appropriate Group Management rights. Server API
// callers must have "Group Management/Use Luminate Online Groups API" permission."
#[tokio::test]
async fn the_client_group_api_needs_a_logged_in_group_manager() {
    let (app, _) = common::demo().await;
    let r = post(&app, CRG, &client("listGroups", &[])).await;
    assert_eq!(error_code(&r), "5");
    let (auth, jsession) = login(&app, "ada", "ada-pass").await;
    let creds = [("auth", auth.as_str()), ("JSESSIONID", jsession.as_str())];
    let r = post(&app, CRG, &client("listGroups", &creds)).await;
    expect(&r, 403, "error_3_group_api.xml");
    let r = post(
        &app,
        CRG,
        &client("getGroupInfo", &[creds[0], creds[1], ("group_id", "1001")]),
    )
    .await;
    assert_eq!(error_code(&r), "3");
    for (user, password) in [("groups", "groups-pass"), ("apiadmin", "admin-pass")] {
        let (auth, jsession) = login(&app, user, password).await;
        let r = post(
            &app,
            CRG,
            &client("listGroups", &[("auth", &auth), ("JSESSIONID", &jsession)]),
        )
        .await;
        expect(&r, 200, "groups_list.xml");
    }
}

#[tokio::test]
async fn the_server_group_api_needs_group_management_rights() {
    let (app, _) = common::demo().await;
    // The group manager is no API administrator: no server API.
    let mut p = admin("listGroups", &[]);
    p[3] = ("login_name", "groups");
    p[4] = ("login_password", "groups-pass");
    assert_eq!(error_code(&post(&app, SRG, &p).await), "3");
    // An API administrator without Group Management rights.
    edit_demo_site(&app, |site| {
        site["constituents"][1]["group_management"] = serde_json::json!(false);
    })
    .await;
    let r = post(&app, SRG, &admin("listGroups", &[])).await;
    expect(&r, 403, "error_3_group_api.xml");
    let r = post(&app, SR, &admin("getUserGroups", &[("cons_id", "1000001")])).await;
    assert_eq!(r.status, 200);
}

// M/getGroupMembers_method.html: "only available for administrative users ... If this method
// is called as a Client API, the administrator must be logged in and an authentication token
// must be provided".
#[tokio::test]
async fn get_group_members_on_the_client_api_is_for_a_logged_in_administrator() {
    let (app, _) = common::demo().await;
    let (auth, jsession) = login(&app, "ada", "ada-pass").await;
    let r = post(
        &app,
        CR,
        &client(
            "getGroupMembers",
            &[
                ("auth", &auth),
                ("JSESSIONID", &jsession),
                ("group_id", "1001"),
            ],
        ),
    )
    .await;
    expect(&r, 403, "error_14.xml");
    let (auth, jsession) = login(&app, "apiadmin", "admin-pass").await;
    let r = post(
        &app,
        CR,
        &client(
            "getGroupMembers",
            &[
                ("auth", &auth),
                ("JSESSIONID", &jsession),
                ("group_id", "1001"),
                ("response_format", "json"),
            ],
        ),
    )
    .await;
    expect(&r, 200, "members.json");
}
