//! The methods public clients call besides the group lookups: create, isEmailValid,
//! listUserFields, getUserTransactions.

use super::*;

// M/create_method.html: CRConsAPI | SRConsAPI | POST | Server. The answer is
// `createConsResponse` with the new cons_id; code 11 "Add failed: duplicate".
#[tokio::test]
async fn create_adds_a_constituent_who_can_then_log_in() {
    let (app, _) = common::demo().await;
    let r = post(
        &app,
        SR,
        &admin(
            "create",
            &[
                ("primary_email", "hedy@example.org"),
                ("user_name", "hedy"),
                ("user_password", "hedy-pass"),
                ("name.first", "Hedy"),
                ("name.last", "Lamarr"),
                ("add_group_ids", "1002"),
            ],
        ),
    )
    .await;
    expect(&r, 200, "create_cons.xml");
    let r = post(
        &app,
        SR,
        &admin(
            "getUserGroups",
            &[("cons_id", "1000008"), ("response_format", "json")],
        ),
    )
    .await;
    assert_eq!(r.json()["getConsGroupsResponse"]["group"]["id"], "1002");
    let (auth, jsession) = login(&app, "hedy", "hedy-pass").await;
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
    expect(&r, 200, "user_hedy.json");
}

#[tokio::test]
async fn create_refuses_duplicates_missing_or_bad_fields_and_built_in_groups() {
    let (app, _) = common::demo().await;
    let cases: [(&[(&str, &str)], &str); 6] = [
        (&[("primary_email", "ADA@example.org")], "11"),
        (
            &[("primary_email", "x@example.org"), ("user_name", "Grace")],
            "12",
        ),
        (&[("name.first", "Nobody")], "10"),
        (&[("primary_email", "not an address")], "22"),
        (
            &[("primary_email", "y@example.org"), ("add_group_ids", "101")],
            "14",
        ),
        (
            &[
                ("primary_email", "z@example.org"),
                ("add_group_ids", "4242"),
            ],
            "9",
        ),
    ];
    for (extra, code) in cases {
        let r = post(&app, SR, &admin("create", extra)).await;
        assert_eq!(error_code(&r), code, "{extra:?}: {}", r.text());
    }
    let r = post(
        &app,
        SR,
        &admin("create", &[("primary_email", "ada@example.org")]),
    )
    .await;
    expect(&r, 403, "error_11.xml");
    // Nothing was created on the way.
    let r = post(
        &app,
        SR,
        &admin(
            "getUser",
            &[("cons_id", "1000008"), ("response_format", "json")],
        ),
    )
    .await;
    expect(&r, 403, "error_16.json");
}

// "The Client API version of this method does not require authentication of the caller";
// code 3 "... if creating a new user that it is valid only if not already logged in".
#[tokio::test]
async fn create_on_the_client_api_is_for_visitors_who_are_not_logged_in() {
    let (app, _) = common::demo().await;
    let r = post(
        &app,
        CR,
        &client(
            "create",
            &[
                ("primary_email", "visitor@example.org"),
                ("response_format", "json"),
            ],
        ),
    )
    .await;
    expect(&r, 200, "create_cons.json");
    let r = post(
        &app,
        CR,
        &client(
            "create",
            &[
                ("primary_email", "v2@example.org"),
                ("add_group_ids", "1001"),
            ],
        ),
    )
    .await;
    assert_eq!(error_code(&r), "14");
    let (auth, jsession) = login(&app, "ada", "ada-pass").await;
    let r = post(
        &app,
        CR,
        &client(
            "create",
            &[
                ("auth", &auth),
                ("JSESSIONID", &jsession),
                ("primary_email", "v3@example.org"),
            ],
        ),
    )
    .await;
    expect(&r, 403, "error_3_client.xml");
}

// **[choice]** isEmailValid: `email` in, `isEmailValidResponse` {valid} out.
#[tokio::test]
async fn is_email_valid_says_whether_an_address_is_one() {
    let (app, _) = common::demo().await;
    let r = send(
        &app,
        Request::get(format!(
            "{CR}?method=isEmailValid&v=1.0&api_key={API_KEY}&email=ada%40example.org"
        ))
        .body(Body::empty())
        .unwrap(),
    )
    .await;
    expect(&r, 200, "email_valid.xml");
    let r = post(
        &app,
        SR,
        &admin(
            "isEmailValid",
            &[("email", "ada@example"), ("response_format", "json")],
        ),
    )
    .await;
    expect(&r, 200, "email_invalid.json");
    let r = post(&app, CR, &client("isEmailValid", &[])).await;
    assert_eq!(error_code(&r), "9");
}

// M/listUserFields_method.html: CRConsAPI | SRConsAPI | GET, POST | Server; `access` view
// (default) or update, `sort_order` field (default) or group; `listConsFieldsResponse` >
// `field` (luminateExtend's own test suite asserts that root).
#[tokio::test]
async fn list_user_fields_describes_the_fields_the_mock_keeps() {
    let (app, _) = common::demo().await;
    let r = post(
        &app,
        CR,
        &client("listUserFields", &[("response_format", "json")]),
    )
    .await;
    expect(&r, 200, "user_fields.json");
    let r = send(
        &app,
        Request::get(format!(
            "{CR}?method=listUserFields&v=1.0&api_key={API_KEY}&access=update&sort_order=group"
        ))
        .body(Body::empty())
        .unwrap(),
    )
    .await;
    expect(&r, 200, "user_fields_update.xml");
    let r = post(&app, CR, &client("listUserFields", &[("access", "edit")])).await;
    assert_eq!(error_code(&r), "9");
    let r = post(&app, SR, &admin("listUserFields", &[])).await;
    assert_eq!(r.status, 200);
    let r = post(&app, SR, &client("listUserFields", &[])).await;
    assert_eq!(error_code(&r), "3");
}

// M/getUserTransactions_method.html: CRConsAPI | SRConsAPI | GET, POST | Yes;
// `getConsTransactionsResponse` > `transaction`, none → `{}` in JSON. The mock records no
// transactions: every lookup that finds its constituent answers an empty list.
#[tokio::test]
async fn get_user_transactions_answers_an_empty_list_for_a_real_constituent() {
    let (app, _) = common::demo().await;
    let (auth, jsession) = login(&app, "grace", "grace-pass").await;
    let r = post(
        &app,
        CR,
        &client(
            "getUserTransactions",
            &[
                ("auth", &auth),
                ("JSESSIONID", &jsession),
                ("response_format", "json"),
            ],
        ),
    )
    .await;
    expect(&r, 200, "transactions_none.json");
    let r = post(
        &app,
        SR,
        &admin(
            "getUserTransactions",
            &[
                ("member_id", "M-1001"),
                ("transaction_type", "DONATION,REFUND"),
                ("begin_date", "2025-01-01"),
                ("end_date", "2025-12-31"),
            ],
        ),
    )
    .await;
    expect(&r, 200, "transactions_none.xml");
    for (extra, code) in [
        (&[("cons_id", "42")][..], "16"),
        (&[("member_id", "M-DUP")][..], "8"),
        (&[][..], "9"),
        (
            &[
                ("cons_id", "1000001"),
                ("begin_date", "2025-02-01"),
                ("end_date", "2025-01-01"),
            ][..],
            "25",
        ),
        (
            &[("cons_id", "1000001"), ("begin_date", "yesterday")][..],
            "9",
        ),
        (
            &[("cons_id", "1000001"), ("transaction_type", "GIFT")][..],
            "9",
        ),
        (&[("cons_id", "1000001"), ("list_page_size", "0")][..], "50"),
    ] {
        let r = post(&app, SR, &admin("getUserTransactions", extra)).await;
        assert_eq!(error_code(&r), code, "{extra:?}");
    }
}
