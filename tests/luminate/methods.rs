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
async fn update_is_for_api_administrators_only() {
    let (app, _) = common::demo().await;
    let mut p = admin(
        "update",
        &[("cons_id", "1000001"), ("add_group_ids", "1002")],
    );
    p[3] = ("login_name", "ada");
    p[4] = ("login_password", "ada-pass");
    assert_eq!(error_code(&post(&app, SR, &p).await), "3");
    let r = post(&app, CR, &client("update", &[("cons_id", "1000001")])).await;
    assert_eq!(error_code(&r), "6");
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
    let r = post(&app, SR, &admin("createOrUpdate", &[("name.first", "X")])).await;
    expect(&r, 403, "error_9_primary_email.xml");
    let r = post(
        &app,
        SR,
        &admin("createOrUpdate", &[("primary_email", "shared@example.org")]),
    )
    .await;
    assert_eq!(error_code(&r), "8");
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
    assert_eq!(error_code(&r), "9");
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
    assert_eq!(error_code(&r), "9");
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
        SRG,
        &admin(
            "getGroupMembers",
            &[("group_id", "1001"), ("response_format", "json")],
        ),
    )
    .await;
    expect(&r, 200, "members.json");
    let r = post(
        &app,
        SRG,
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
    let r = post(
        &app,
        SRG,
        &admin("getGroupMembers", &[("group_id", "1004")]),
    )
    .await;
    expect(&r, 200, "members.xml");
}

#[tokio::test]
async fn get_group_members_validates_group_id_and_max_number() {
    let (app, _) = common::demo().await;
    for extra in [
        [("group_id", "1001"), ("max_number", "1001")],
        [("group_id", "1001"), ("max_number", "0")],
    ] {
        let r = post(&app, SRG, &admin("getGroupMembers", &extra)).await;
        expect(&r, 403, "error_9_max_number.xml");
    }
    for gid in ["", "abc", "2001", "7777"] {
        let r = post(&app, SRG, &admin("getGroupMembers", &[("group_id", gid)])).await;
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
            &[("list_page_offset", "9"), ("response_format", "json")],
        ),
    )
    .await;
    expect(&r, 200, "groups_list_empty.json");
    let r = post(&app, SRG, &admin("listGroups", &[("list_page_size", "-1")])).await;
    assert_eq!(error_code(&r), "9");
}

#[tokio::test]
async fn the_client_group_api_needs_a_logged_in_user() {
    let (app, _) = common::demo().await;
    let r = post(&app, CRG, &client("listGroups", &[])).await;
    assert_eq!(error_code(&r), "5");
    let (auth, jsession) = login(&app, "ada", "ada-pass").await;
    let r = post(
        &app,
        CRG,
        &client("listGroups", &[("auth", &auth), ("JSESSIONID", &jsession)]),
    )
    .await;
    expect(&r, 200, "groups_list.xml");
}
