//! Client API (`CRConsAPI`): login sessions bound to JSESSIONID, SSO tokens, a constituent's
//! own groups, redirects.

use super::*;

/// What changes from one `loginResponse` to the next.
const LOGIN_VOLATILE: &[&str] = &["timestamp", "signature", "token", "nonce", "JSESSIONID"];

#[tokio::test]
async fn login_opens_a_session_answered_in_json_and_xml() {
    let (app, _) = common::demo().await;
    let r = post(
        &app,
        CR,
        &client(
            "login",
            &[
                ("user_name", "ada"),
                ("password", "ada-pass"),
                ("response_format", "json"),
            ],
        ),
    )
    .await;
    let token = field(&r, "loginResponse", "token");
    let jsession = field(&r, "loginResponse", "JSESSIONID");
    assert!(!token.is_empty() && !field(&r, "loginResponse", "nonce").is_empty());
    expect_volatile(&r, 200, "login.json", LOGIN_VOLATILE);
    assert!(jsession.ends_with(".membermock"));
    let r = post(
        &app,
        CR,
        &client("login", &[("user_name", "ada"), ("password", "ada-pass")]),
    )
    .await;
    expect_volatile(&r, 200, "login.xml", LOGIN_VOLATILE);
}

#[tokio::test]
async fn a_wrong_password_on_login_is_code_202() {
    let (app, _) = common::demo().await;
    let r = post(
        &app,
        CR,
        &client("login", &[("user_name", "ada"), ("password", "nope")]),
    )
    .await;
    expect(&r, 403, "error_202.xml");
    let r = post(
        &app,
        CR,
        &client(
            "login",
            &[
                ("user_name", "nobody"),
                ("password", "ada-pass"),
                ("response_format", "json"),
            ],
        ),
    )
    .await;
    expect(&r, 403, "error_202.json");
}

#[tokio::test]
async fn login_without_user_name_is_code_9() {
    let (app, _) = common::demo().await;
    let r = post(&app, CR, &client("login", &[("password", "x")])).await;
    expect(&r, 403, "error_9_user_name.xml");
}

#[tokio::test]
async fn a_constituent_session_reads_its_own_groups() {
    let (app, _) = common::demo().await;
    let (auth, jsession) = login(&app, "grace", "grace-pass").await;
    let r = post(
        &app,
        CR,
        &client(
            "getUserGroups",
            &[
                ("auth", &auth),
                ("JSESSIONID", &jsession),
                ("response_format", "json"),
            ],
        ),
    )
    .await;
    expect(&r, 200, "groups_several.json");
}

#[tokio::test]
async fn the_jsessionid_may_come_in_the_path_suffix_or_a_cookie() {
    let (app, _) = common::demo().await;
    let (auth, jsession) = login(&app, "ada", "ada-pass").await;
    let p = client(
        "getUserGroups",
        &[("auth", &auth), ("response_format", "json")],
    );
    let r = post(&app, &format!("{CR};jsessionid={jsession}"), &p).await;
    expect(&r, 200, "groups_one.json");
    let req = Request::post(CR)
        .header(
            "content-type",
            "application/x-www-form-urlencoded; charset=UTF-8",
        )
        .header("cookie", format!("other=1; JSESSIONID={jsession}"))
        .body(Body::from(common::form(&p)))
        .unwrap();
    expect(&send(&app, req).await, 200, "groups_one.json");
}

#[tokio::test]
async fn a_session_answer_sets_the_jsessionid_cookie_a_cookie_jar_sends_back() {
    let (app, _) = common::demo().await;
    let r = post(
        &app,
        CR,
        &client(
            "login",
            &[
                ("user_name", "ada"),
                ("password", "ada-pass"),
                ("response_format", "json"),
            ],
        ),
    )
    .await;
    let auth = field(&r, "loginResponse", "token");
    let jsession = field(&r, "loginResponse", "JSESSIONID");
    assert_eq!(
        r.header("set-cookie"),
        Some(format!("JSESSIONID={jsession}; Path=/; HttpOnly").as_str())
    );
    // What a cookie jar sends back is enough to stay in the session.
    let cookie = r
        .header("set-cookie")
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let req = Request::post(CR)
        .header("content-type", "application/x-www-form-urlencoded")
        .header("cookie", cookie)
        .body(Body::from(common::form(&client(
            "getUserGroups",
            &[("auth", &auth), ("response_format", "json")],
        ))))
        .unwrap();
    expect(&send(&app, req).await, 200, "groups_one.json");
    // Answers that hand out no session set no cookie.
    let r = post(&app, CR, &client("getUserGroups", &[("auth", &auth)])).await;
    assert_eq!(r.header("set-cookie"), None);
}

#[tokio::test]
async fn an_auth_token_without_its_jsessionid_is_code_5() {
    let (app, _) = common::demo().await;
    let (auth, _) = login(&app, "ada", "ada-pass").await;
    let r = post(&app, CR, &client("getUserGroups", &[("auth", &auth)])).await;
    expect(&r, 403, "error_5.xml");
    let (_, other_session) = login(&app, "ada", "ada-pass").await;
    let r = post(
        &app,
        CR,
        &client(
            "getUserGroups",
            &[
                ("auth", &auth),
                ("JSESSIONID", &other_session),
                ("response_format", "json"),
            ],
        ),
    )
    .await;
    expect(&r, 403, "error_5.json");
}

#[tokio::test]
async fn no_credentials_on_the_client_api_is_code_5() {
    let (app, _) = common::demo().await;
    let r = post(&app, CR, &client("getUserGroups", &[])).await;
    expect(&r, 403, "error_5.xml");
    let r = post(
        &app,
        CR,
        &client("getUserGroups", &[("auth", "made-up"), ("JSESSIONID", "X")]),
    )
    .await;
    expect(&r, 403, "error_5.xml");
}

#[tokio::test]
async fn an_auth_token_expires_after_thirty_minutes_on_the_app_clock() {
    let (app, _) = common::demo().await;
    let (auth, jsession) = login(&app, "ada", "ada-pass").await;
    let p = client(
        "getUserGroups",
        &[("auth", &auth), ("JSESSIONID", &jsession)],
    );
    advance(&app, 29 * 60).await;
    expect(&post(&app, CR, &p).await, 200, "groups_one.xml");
    advance(&app, 60).await;
    expect(&post(&app, CR, &p).await, 403, "error_5.xml");
}

#[tokio::test]
async fn another_sites_auth_token_is_code_5() {
    let (app, _) = common::demo().await;
    let (auth, jsession) = login(&app, "ada", "ada-pass").await;
    let other = serde_json::json!({"luminate": {"sites": [{"org": "other", "api_key": "other-key",
        "constituents": [{"cons_id": 1000001, "user_name": "ada", "password": "ada-pass"}]}]}});
    let r = send(&app, common::post_json("/_mock/seed", &other)).await;
    assert!(r.status.is_success(), "{}", r.text());
    let r = post(
        &app,
        "/other/site/CRConsAPI",
        &[
            ("method", "getUserGroups"),
            ("v", "1.0"),
            ("api_key", "other-key"),
            ("auth", &auth),
            ("JSESSIONID", &jsession),
        ],
    )
    .await;
    expect(&r, 403, "error_5.xml");
}

#[tokio::test]
async fn a_constituent_naming_someone_else_is_code_14() {
    let (app, _) = common::demo().await;
    let (auth, jsession) = login(&app, "ada", "ada-pass").await;
    for (key, value) in [
        ("cons_id", "1000002"),
        ("member_id", "M-1002"),
        ("primary_email", "grace@example.org"),
    ] {
        let r = post(
            &app,
            CR,
            &client(
                "getUserGroups",
                &[("auth", &auth), ("JSESSIONID", &jsession), (key, value)],
            ),
        )
        .await;
        expect(&r, 403, "error_14.xml");
    }
}

#[tokio::test]
async fn a_constituent_naming_themself_gets_their_groups() {
    let (app, _) = common::demo().await;
    let (auth, jsession) = login(&app, "ada", "ada-pass").await;
    for (key, value) in [
        ("cons_id", "1000001"),
        ("member_id", "M-1001"),
        ("primary_email", "Ada@example.org"),
    ] {
        let r = post(
            &app,
            CR,
            &client(
                "getUserGroups",
                &[
                    ("auth", &auth),
                    ("JSESSIONID", &jsession),
                    (key, value),
                    ("response_format", "json"),
                ],
            ),
        )
        .await;
        expect(&r, 200, "groups_one.json");
    }
}

#[tokio::test]
async fn a_site_may_ignore_a_constituents_lookup_keys() {
    let (app, _) = common::demo().await;
    edit_demo_site(&app, |s| s["other_cons_lookup"] = "ignore".into()).await;
    let (auth, jsession) = login(&app, "ada", "ada-pass").await;
    let r = post(
        &app,
        CR,
        &client(
            "getUserGroups",
            &[
                ("auth", &auth),
                ("JSESSIONID", &jsession),
                ("cons_id", "1000002"),
                ("response_format", "json"),
            ],
        ),
    )
    .await;
    expect(&r, 200, "groups_one.json");
}

#[tokio::test]
async fn an_api_admins_client_session_looks_up_anyone() {
    let (app, _) = common::demo().await;
    let (auth, jsession) = login(&app, "apiadmin", "admin-pass").await;
    let p = client(
        "getUserGroups",
        &[
            ("auth", &auth),
            ("JSESSIONID", &jsession),
            ("member_id", "M-1002"),
            ("response_format", "json"),
        ],
    );
    expect(&post(&app, CR, &p).await, 200, "groups_several.json");
}

// M/getSingleSignOnToken_method.html: a token, "as well as creating a logged in session and
// providing a nonce and routing id"; the token lives 15 minutes.
#[tokio::test]
async fn an_sso_token_reads_its_constituents_groups_for_fifteen_minutes() {
    let (app, _) = common::demo().await;
    let r = post(
        &app,
        SR,
        &admin(
            "getSingleSignOnToken",
            &[("member_id", "M-1001"), ("response_format", "json")],
        ),
    )
    .await;
    let token = field(&r, "getSingleSignOnTokenResponse", "token");
    expect_volatile(&r, 200, "sso.json", &["token", "nonce", "JSESSIONID"]);
    let p = client(
        "getUserGroups",
        &[("sso_auth_token", &token), ("response_format", "json")],
    );
    expect(&post(&app, CR, &p).await, 200, "groups_one.json");
    advance(&app, 15 * 60).await;
    expect(&post(&app, CR, &p).await, 403, "error_7.json");
}

// KB 96585: loginTest with NONCE_TOKEN=<getSingleSignOnToken's nonce> connects the browser to
// the session the server opened; the nonce works once.
#[tokio::test]
async fn an_sso_nonce_joins_the_browser_to_the_logged_in_session_once() {
    let (app, _) = common::demo().await;
    let r = post(
        &app,
        SR,
        &admin(
            "getSingleSignOnToken",
            &[("cons_id", "1000002"), ("response_format", "json")],
        ),
    )
    .await;
    let nonce = field(&r, "getSingleSignOnTokenResponse", "nonce");
    let jsession = field(&r, "getSingleSignOnTokenResponse", "JSESSIONID");
    let p = client(
        "loginTest",
        &[("NONCE_TOKEN", &nonce), ("response_format", "json")],
    );
    let r = post(&app, CR, &p).await;
    assert_eq!(field(&r, "loginResponse", "cons_id"), "1000002");
    assert_eq!(
        r.header("set-cookie"),
        Some(format!("JSESSIONID={jsession}; Path=/; HttpOnly").as_str())
    );
    assert_eq!(error_code(&post(&app, CR, &p).await), "3");
}

#[tokio::test]
async fn an_unknown_sso_token_is_code_7() {
    let (app, _) = common::demo().await;
    let r = post(
        &app,
        CR,
        &client("getUserGroups", &[("sso_auth_token", "forged")]),
    )
    .await;
    expect(&r, 403, "error_7.xml");
}

#[tokio::test]
async fn an_sso_token_in_xml_and_its_lookup_rules() {
    let (app, _) = common::demo().await;
    let r = post(
        &app,
        SR,
        &admin("getSingleSignOnToken", &[("cons_id", "1000002")]),
    )
    .await;
    expect_volatile(&r, 200, "sso.xml", &["token", "nonce", "JSESSIONID"]);
    let r = post(
        &app,
        SR,
        &admin("getSingleSignOnToken", &[("member_id", "M-DUP")]),
    )
    .await;
    assert_eq!(error_code(&r), "8");
}

// M/getSingleSignOnToken_method.html: "This call requires a cons_id or member_id or it fails
// with an "Unable to process request" error." (primary_email is not one of its keys.)
#[tokio::test]
async fn an_sso_token_without_cons_id_or_member_id_is_code_1() {
    let (app, _) = common::demo().await;
    let r = post(&app, SR, &admin("getSingleSignOnToken", &[])).await;
    expect(&r, 403, "error_1.xml");
    let r = post(
        &app,
        SR,
        &admin(
            "getSingleSignOnToken",
            &[
                ("primary_email", "ada@example.org"),
                ("response_format", "json"),
            ],
        ),
    )
    .await;
    expect(&r, 403, "error_1.json");
}

#[tokio::test]
async fn get_login_url_gives_an_anonymous_session_that_is_not_logged_in() {
    let (app, _) = common::demo().await;
    let req = Request::post(CR)
        .header("host", "secure2.convio.net")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::from(common::form(&client(
            "getLoginUrl",
            &[("response_format", "json")],
        ))))
        .unwrap();
    let r = common::send_over(&app, req, membermock::vendor::Scheme::Https).await;
    let token = field(&r, "getLoginUrlResponse", "token");
    let jsession = field(&r, "getLoginUrlResponse", "JSESSIONID");
    // M/getLoginUrl.html: `url` is the servlet, `;jsessionid=<routing_id>`, `?NONCE_TOKEN=`.
    let url = field(&r, "getLoginUrlResponse", "url");
    let nonce = url.rsplit_once("?NONCE_TOKEN=").unwrap().1.to_string();
    assert!(url.starts_with("https://secure2.convio.net/demo/site/CRConsAPI;jsessionid=membermock"));
    expect_redacted(
        &r,
        200,
        "login_url.json",
        &[
            ("token", &token),
            ("JSESSIONID", &jsession),
            ("NONCE_TOKEN", &nonce),
        ],
    );
    let creds = [("auth", token.as_str()), ("JSESSIONID", jsession.as_str())];
    let r = post(&app, CR, &client("loginTest", &creds)).await;
    expect(&r, 403, "error_3_client.xml");
    let r = post(&app, CR, &client("getUserGroups", &creds)).await;
    expect(&r, 403, "error_3_client.xml");
}

#[tokio::test]
async fn get_login_url_in_xml() {
    let (app, _) = common::demo().await;
    let r = post(&app, "/site/CRConsAPI", &client("getLoginUrl", &[])).await;
    let text = r.text();
    let s = text.find("NONCE_TOKEN=").unwrap() + 12;
    let nonce = text[s..s + 16].to_string();
    let mut secrets = volatile(&r, &["token", "JSESSIONID"]);
    secrets.push(("NONCE_TOKEN", nonce));
    let pairs: Vec<(&str, &str)> = secrets.iter().map(|(n, v)| (*n, v.as_str())).collect();
    expect_redacted(&r, 200, "login_url.xml", &pairs);
}

// M/loginTest_method.html: no authentication, POST only since 2020; the answer is a
// `loginResponse` with cons_id, timestamp, signature, login_test_url and nil session fields.
// M/logout_method.html: no authentication; `{"loginResponse":{"message":"User logged out
// successfully."}}`.
#[tokio::test]
async fn login_test_names_the_logged_in_constituent_and_logout_ends_the_session() {
    let (app, _) = common::demo().await;
    let (auth, jsession) = login(&app, "grace", "grace-pass").await;
    let creds = [
        ("auth", auth.as_str()),
        ("JSESSIONID", jsession.as_str()),
        ("response_format", "json"),
    ];
    let r = post(&app, CR, &client("loginTest", &creds)).await;
    expect_volatile(&r, 200, "login_test.json", &["timestamp", "signature"]);
    // The session alone is enough: no auth token needed.
    let r = post(&app, CR, &client("loginTest", &creds[1..])).await;
    assert_eq!(field(&r, "loginResponse", "cons_id"), "1000002");
    let r = post(&app, CR, &client("logout", &creds[1..])).await;
    expect(&r, 200, "logout.json");
    let r = post(&app, CR, &client("loginTest", &creds)).await;
    expect(&r, 403, "error_3_client.json");
    let r = post(&app, CR, &client("getUserGroups", &creds)).await;
    expect(&r, 403, "error_5.json");
    // Logging out without a session is still a success.
    let r = post(&app, CR, &client("logout", &[])).await;
    expect(&r, 200, "logout.xml");
}

#[tokio::test]
async fn login_test_signs_cons_id_and_timestamp_with_the_secret_key() {
    use md5::Digest as _;
    let (app, _) = common::demo().await;
    let (auth, jsession) = login(&app, "ada", "ada-pass").await;
    let r = post(
        &app,
        CR,
        &client("loginTest", &[("auth", &auth), ("JSESSIONID", &jsession)]),
    )
    .await;
    let v = volatile(&r, &["timestamp", "signature", "login_test_url"]);
    let expected = hex::encode(md5::Md5::digest(
        format!("1000001{}demo-secret-key", v[0].1).as_bytes(),
    ));
    assert_eq!(v[1].1, expected);
    assert_eq!(
        v[2].1,
        "http://localhost/demo/site/CRConsAPI?v=1.0&amp;api_key=demo-api-key&amp;method=loginTest"
    );
    expect_volatile(&r, 200, "login_test.xml", &["timestamp", "signature"]);
}

#[tokio::test]
async fn logout_in_xml() {
    let (app, _) = common::demo().await;
    let (auth, jsession) = login(&app, "ada", "ada-pass").await;
    let r = post(
        &app,
        CR,
        &client("logout", &[("auth", &auth), ("JSESSIONID", &jsession)]),
    )
    .await;
    expect(&r, 200, "logout.xml");
}

#[tokio::test]
async fn success_redirect_sends_a_302_on_success_only() {
    let (app, _) = common::demo().await;
    let p = client(
        "login",
        &[
            ("user_name", "ada"),
            ("password", "ada-pass"),
            ("success_redirect", "https://client.example/ok?x=1"),
        ],
    );
    let r = post(&app, CR, &p).await;
    assert_eq!(r.status, 302);
    assert_eq!(r.header("location"), Some("https://client.example/ok?x=1"));
    assert!(r.body.is_empty());
    let mut bad = p.clone();
    bad[4] = ("password", "wrong");
    let r = post(&app, CR, &bad).await;
    expect(&r, 403, "error_202.xml");
}

#[tokio::test]
async fn error_redirect_sends_a_302_on_error_only_and_the_journal_keeps_the_code() {
    let (app, _) = common::demo().await;
    let p = client(
        "login",
        &[
            ("user_name", "ada"),
            ("password", "wrong"),
            ("error_redirect", "https://client.example/failed"),
        ],
    );
    let r = post(&app, CR, &p).await;
    assert_eq!(r.status, 302);
    assert_eq!(r.header("location"), Some("https://client.example/failed"));
    let j = send(&app, common::get("/_mock/requests?operation=login"))
        .await
        .json();
    assert_eq!(j["requests"][0]["vendor_code"], "202", "{j}");
    let mut good = p.clone();
    good[4] = ("password", "ada-pass");
    good.push(("response_format", "json"));
    let r = post(&app, CR, &good).await;
    assert_eq!(r.status, 200);
}

#[tokio::test]
async fn redirect_applies_always_and_the_specific_redirects_win() {
    let (app, _) = common::demo().await;
    let r = post(
        &app,
        CR,
        &client(
            "getUserGroups",
            &[("redirect", "http://client.example/any")],
        ),
    )
    .await;
    assert_eq!(r.status, 302);
    assert_eq!(r.header("location"), Some("http://client.example/any"));
    let r = post(
        &app,
        CR,
        &client(
            "getUserGroups",
            &[
                ("redirect", "http://client.example/any"),
                ("error_redirect", "http://client.example/err"),
            ],
        ),
    )
    .await;
    assert_eq!(r.header("location"), Some("http://client.example/err"));
}

#[tokio::test]
async fn signed_redirects_carry_ts_and_an_md5_or_sha1_digest_with_the_secret_key() {
    use sha1::Digest as _;
    let (app, _) = common::demo().await;
    let at = serde_json::json!({"now": "2026-01-02T03:04:05Z"});
    send(&app, common::post_json("/_mock/clock", &at)).await;
    let p = client(
        "login",
        &[
            ("user_name", "ada"),
            ("password", "ada-pass"),
            ("success_redirect", "https://client.example/ok?x=1"),
            ("sign_redirects", "true"),
        ],
    );
    let r = post(&app, CR, &p).await;
    let md5 = hex::encode(md5::Md5::digest(b"x=1&ts=1767323045demo-secret-key"));
    assert_eq!(
        r.header("location").unwrap(),
        format!("https://client.example/ok?x=1&ts=1767323045&sig={md5}")
    );
    edit_demo_site(&app, |s| s["redirect_digest"] = "sha1".into()).await;
    let r = post(&app, CR, &p).await;
    let sha1 = hex::encode(sha1::Sha1::digest(b"x=1&ts=1767323045demo-secret-key"));
    assert_eq!(
        r.header("location").unwrap(),
        format!("https://client.example/ok?x=1&ts=1767323045&sig={sha1}")
    );
}

#[tokio::test]
async fn a_redirect_that_is_not_an_absolute_http_url_is_code_9() {
    let (app, _) = common::demo().await;
    for url in [
        "javascript:alert(1)",
        "/relative",
        "https://x.example/\r\nSet-Cookie: a=b",
    ] {
        let r = post(
            &app,
            CR,
            &client(
                "getLoginUrl",
                &[("redirect", url), ("response_format", "json")],
            ),
        )
        .await;
        expect(&r, 403, "error_9_redirect.json");
    }
}

#[tokio::test]
async fn the_server_api_ignores_redirect_parameters() {
    let (app, _) = common::demo().await;
    let r = post(
        &app,
        SR,
        &admin(
            "getUserGroups",
            &[
                ("cons_id", "1000001"),
                ("redirect", "https://client.example/"),
            ],
        ),
    )
    .await;
    expect(&r, 200, "groups_one.xml");
}

#[tokio::test]
async fn the_journal_masks_the_session_in_params_and_in_the_path_suffix() {
    let (app, _) = common::demo().await;
    let (auth, jsession) = login(&app, "ada", "ada-pass").await;
    post(
        &app,
        &format!("{CR};jsessionid={jsession}"),
        &client("getUserGroups", &[("auth", &auth)]),
    )
    .await;
    let j = send(&app, common::get("/_mock/requests?operation=getUserGroups"))
        .await
        .text();
    assert!(j.contains("CRConsAPI;jsessionid=****"), "{j}");
    assert!(!j.contains(&jsession) && !j.contains(&auth), "{j}");
}
