//! SmarterU API v2: the package endpoint, driven through the real router.

mod common;

#[path = "smarteru/clients.rs"]
mod clients;

#[path = "smarteru/writes.rs"]
mod writes;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::Router;
use common::{assert_golden, assert_xml_schema, demo, send, send_over, Resp};
use membermock::vendor::Scheme;

const ACCOUNT: &str = "demo-account-key";
const OWNER: &str = "owner-user-key";
const ADMIN: &str = "admin-user-key";
const GROUP_MANAGER: &str = "group-manager-key";
const GROUP_USERS: &str = "group-users-key";
const USER_MANAGER: &str = "user-manager-key";
const SUPERVISOR: &str = "supervisor-key";
const LEARNER: &str = "learner-one-key";
const INACTIVE: &str = "inactive-user-key";
const OTHER_ACCOUNT: &str = "other-account-key";
const OTHER_ADMIN: &str = "other-admin-key";

/// A package with plain values.
fn package(account: &str, user: &str, method: &str, params: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<SmarterU>\n  <AccountAPI>{account}</AccountAPI>\n  \
         <UserAPI>{user}</UserAPI>\n  <Method>{method}</Method>\n  <Parameters>{params}</Parameters>\n</SmarterU>"
    )
}

/// A `getUserGroups` package as `user` for the target `<User>` content.
fn gug(user: &str, target: &str) -> String {
    package(
        ACCOUNT,
        user,
        "getUserGroups",
        &format!("<User>{target}</User>"),
    )
}

/// `Package=<xml>` form-urlencoded (spaces as `+`).
fn post_package(xml: &str) -> Request<Body> {
    post_body(&common::form(&[("Package", xml)]))
}

fn post_body(body: &str) -> Request<Body> {
    Request::post("/apiv2/")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::from(body.to_string()))
        .unwrap()
}

/// POST a package over HTTPS and check what every answer shares: HTTP 200, the content type.
async fn call(app: &Router, xml: &str) -> Resp {
    let resp = send_over(app, post_package(xml), Scheme::Https).await;
    assert_envelope_basics(&resp);
    resp
}

fn assert_envelope_basics(resp: &Resp) {
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text());
    assert_eq!(resp.content_type(), "text/xml; charset=UTF-8");
}

/// The ErrorID of a Failed answer, after validating it against the failure schema.
fn failed_code(resp: &Resp) -> String {
    let text = resp.text();
    assert_xml_schema("smarteru/failure.xsd", &text);
    let start = text.find("<ErrorID>").expect("an ErrorID") + "<ErrorID>".len();
    let end = text[start..].find("</ErrorID>").unwrap() + start;
    text[start..end].to_string()
}

async fn expect_code(app: &Router, xml: &str, code: &str) {
    let resp = call(app, xml).await;
    assert_eq!(
        failed_code(&resp),
        code,
        "package:\n{xml}\nanswer:\n{}",
        resp.text()
    );
}

async fn expect_success(app: &Router, xml: &str, schema: &str) -> String {
    assert_xml_schema("smarteru/request.xsd", xml);
    let resp = call(app, xml).await;
    let text = resp.text();
    assert!(text.contains("<Result>Success</Result>"), "{xml}\n{text}");
    assert_xml_schema(&format!("smarteru/{schema}.xsd"), &text);
    text
}

// ---------------------------------------------------------------- getUserGroups

#[tokio::test]
async fn get_user_groups_lists_groups_by_name_with_home_flag_and_permissions() {
    let (app, _) = demo().await;
    let text = expect_success(&app, &gug(ADMIN, "<ID>106</ID>"), "getUserGroups").await;
    assert_golden("smarteru/get_user_groups_learner_one.xml", &text);
}

#[tokio::test]
async fn a_user_in_no_group_has_an_empty_group_list() {
    let (app, _) = demo().await;
    let text = expect_success(
        &app,
        &gug(OWNER, "<Email>no.groups@example.com</Email>"),
        "getUserGroups",
    )
    .await;
    assert_golden("smarteru/get_user_groups_no_groups.xml", &text);
}

#[tokio::test]
async fn a_group_without_identifier_renders_a_self_closed_identifier() {
    let (app, _) = demo().await;
    let text = expect_success(
        &app,
        &gug(OWNER, "<EmployeeID>E-104</EmployeeID>"),
        "getUserGroups",
    )
    .await;
    assert_golden("smarteru/get_user_groups_user_manager.xml", &text);
    assert!(text.contains("<Name><![CDATA[Head Office]]></Name><Identifier/>"));
}

#[tokio::test]
async fn cdata_and_plain_values_give_the_same_answer() {
    let (app, _) = demo().await;
    let plain = call(&app, &gug(ADMIN, "<Email>learner.one@example.com</Email>")).await;
    let cdata_package = format!(
        "<SmarterU><AccountAPI><![CDATA[{ACCOUNT}]]></AccountAPI><UserAPI><![CDATA[{ADMIN}]]></UserAPI>\
         <Method><![CDATA[getUserGroups]]></Method><Parameters><User><Email><![CDATA[learner.one@example.com]]></Email>\
         </User></Parameters></SmarterU>"
    );
    let cdata = call(&app, &cdata_package).await;
    assert!(plain.text().contains("<Result>Success</Result>"));
    assert_eq!(plain.text(), cdata.text());
}

#[tokio::test]
async fn plus_and_percent_twenty_form_encodings_and_multipart_read_the_same_package() {
    let (app, _) = demo().await;
    let xml = gug(ADMIN, "<ID>107</ID>");
    let plus = send_over(&app, post_package(&xml), Scheme::Https).await;
    let percent_body = common::form(&[("Package", &xml)]).replace('+', "%20");
    assert!(percent_body.contains("%20") && !percent_body.contains('+'));
    let percent = send_over(&app, post_body(&percent_body), Scheme::Https).await;
    let multipart = Request::post("/apiv2")
        .header("content-type", "multipart/form-data; boundary=XyZ")
        .body(Body::from(format!(
            "--XyZ\r\nContent-Disposition: form-data; name=\"Package\"\r\n\r\n{xml}\r\n--XyZ--\r\n"
        )))
        .unwrap();
    let multipart = send_over(&app, multipart, Scheme::Https).await;
    assert!(
        plus.text().contains("<Result>Success</Result>"),
        "{}",
        plus.text()
    );
    assert_eq!(plus.text(), percent.text());
    assert_eq!(plus.text(), multipart.text());
}

#[tokio::test]
async fn each_lookup_key_that_matches_nobody_has_its_own_gug_code() {
    let (app, _) = demo().await;
    expect_code(
        &app,
        &gug(ADMIN, "<Email>nobody@example.com</Email>"),
        "GUG:01",
    )
    .await;
    expect_code(
        &app,
        &gug(ADMIN, "<EmployeeID>E-999</EmployeeID>"),
        "GUG:02",
    )
    .await;
    expect_code(&app, &gug(ADMIN, "<ID>999</ID>"), "GUG:03").await;
    let resp = call(&app, &gug(ADMIN, "<ID>999</ID>")).await;
    assert_golden("smarteru/gug03.xml", &resp.text());
}

/// (caller key, target user id, allowed)
const ACCESS: &[(&str, &str, bool)] = &[
    (OWNER, "109", true),
    (ADMIN, "100", true),
    // MANAGE_GROUP on Retail: users whose home group is Retail.
    (GROUP_MANAGER, "106", true),
    (GROUP_MANAGER, "107", false),
    // MANAGE_GROUP_USERS on Warehouse: 107's home is Warehouse; 106 is only a member there.
    (GROUP_USERS, "107", true),
    (GROUP_USERS, "106", false),
    // MANAGE_USERS on Retail.
    (USER_MANAGER, "106", true),
    (USER_MANAGER, "108", false),
    // The supervisor of 106 and 107, the account allowing supervisors to view.
    (SUPERVISOR, "106", true),
    (SUPERVISOR, "107", true),
    (SUPERVISOR, "104", false),
    // A learner with PROCTOR only reaches nobody, not even themselves.
    (LEARNER, "107", false),
    (LEARNER, "106", false),
];

#[tokio::test]
async fn who_has_access_follows_roles_home_group_permissions_and_supervision() {
    let (app, _) = demo().await;
    for (caller, target, allowed) in ACCESS {
        let resp = call(&app, &gug(caller, &format!("<ID>{target}</ID>"))).await;
        if *allowed {
            assert!(
                resp.text().contains("<Result>Success</Result>"),
                "{caller} -> {target}: {}",
                resp.text()
            );
        } else {
            // Refused exactly as if the user did not exist.
            let missing = call(&app, &gug(caller, "<ID>no-such-user</ID>")).await;
            assert_eq!(resp.text(), missing.text(), "{caller} -> {target}");
            assert_eq!(failed_code(&resp), "GUG:03");
        }
    }
}

#[tokio::test]
async fn supervisors_see_nothing_when_the_account_denies_supervisor_access() {
    let (app, _) = demo().await;
    let state = send(&app, common::get("/_mock/state")).await.json();
    let mut demo_account = state["smarteru"]["accounts"][0].clone();
    assert_eq!(demo_account["name"], "demo");
    demo_account["supervisor_access"] = "none".into();
    let doc = serde_json::json!({ "smarteru": { "accounts": [demo_account] } });
    let seeded = send(&app, common::post_json("/_mock/seed", &doc)).await;
    assert_eq!(seeded.status, StatusCode::OK, "{}", seeded.text());
    expect_code(&app, &gug(SUPERVISOR, "<ID>106</ID>"), "GUG:03").await;
}

#[tokio::test]
async fn another_accounts_admin_cannot_see_this_accounts_users() {
    let (app, _) = demo().await;
    let xml = package(
        OTHER_ACCOUNT,
        OTHER_ADMIN,
        "getUserGroups",
        "<User><Email>learner.one@example.com</Email></User>",
    );
    expect_code(&app, &xml, "GUG:01").await;
}

// ---------------------------------------------------------------- general codes

fn with_root_children(children: &str) -> String {
    format!("<SmarterU>{children}</SmarterU>")
}

#[tokio::test]
async fn every_general_code_answers_in_the_documented_order() {
    let (app, _) = demo().await;
    let a = format!("<AccountAPI>{ACCOUNT}</AccountAPI>");
    let u = format!("<UserAPI>{ADMIN}</UserAPI>");
    let m = "<Method>getUserGroups</Method>";
    let p = "<Parameters><User><ID>106</ID></User></Parameters>";
    let cases: Vec<(String, &str)> = vec![
        ("<SmarterU><AccountAPI>".into(), "SU:03"),
        (format!("<Package>{a}{u}{m}{p}</Package>"), "SU:04"),
        (with_root_children(&format!("{u}{m}{p}")), "SU:05"),
        (
            with_root_children(&format!("<AccountAPI/>{u}{m}{p}")),
            "SU:05",
        ),
        (with_root_children(&format!("{a}{m}{p}")), "SU:06"),
        (with_root_children(&format!("{a}{u}{p}")), "SU:07"),
        (with_root_children(&format!("{a}{u}{m}")), "SU:08"),
        (
            with_root_children(&format!("{a}{u}{m}<Parameters> </Parameters>")),
            "SU:09",
        ),
        (
            package("wrong", ADMIN, "getUserGroups", "<User><ID>106</ID></User>"),
            "SU:10",
        ),
        (
            package(
                ACCOUNT,
                "wrong",
                "getUserGroups",
                "<User><ID>106</ID></User>",
            ),
            "SU:10",
        ),
        (
            package(
                ACCOUNT,
                INACTIVE,
                "getUserGroups",
                "<User><ID>106</ID></User>",
            ),
            "SU:10",
        ),
        (
            package(
                ACCOUNT,
                OTHER_ADMIN,
                "getUserGroups",
                "<User><ID>106</ID></User>",
            ),
            "SU:10",
        ),
        (
            package(
                OTHER_ACCOUNT,
                ADMIN,
                "getUserGroups",
                "<User><ID>106</ID></User>",
            ),
            "SU:10",
        ),
        // SU:10 comes before SU:11–SU:13.
        (package("wrong", ADMIN, "noSuchMethod", "<X/>"), "SU:10"),
        (
            package(ACCOUNT, ADMIN, "noSuchMethod", "<User><ID>106</ID></User>"),
            "SU:11",
        ),
        (
            package(ACCOUNT, ADMIN, "getuserGroups", "<User><ID>106</ID></User>"),
            "SU:11",
        ),
        (gug(ADMIN, ""), "SU:12"),
        (
            gug(ADMIN, "<ID>106</ID><Email>learner.one@example.com</Email>"),
            "SU:12",
        ),
        (gug(ADMIN, "<Email/>"), "SU:12"),
        (
            package(ACCOUNT, ADMIN, "getUserGroups", "<Group/>"),
            "SU:12",
        ),
        // SU:12 wins over SU:13 anywhere in the package.
        (gug(ADMIN, "<Nickname>x</Nickname>"), "SU:12"),
        (gug(ADMIN, "<ID>106</ID><Nickname>x</Nickname>"), "SU:13"),
        (
            with_root_children(&format!("{a}{u}{m}{p}<Extra/>")),
            "SU:13",
        ),
        (with_root_children(&format!("{a}{a}{u}{m}{p}")), "SU:13"),
    ];
    for (xml, code) in cases {
        expect_code(&app, &xml, code).await;
    }
    let resp = call(
        &app,
        &package(
            ACCOUNT,
            ADMIN,
            "getUserGroups",
            "<User><ID>106</ID><Nickname/></User>",
        ),
    )
    .await;
    assert_golden("smarteru/su13.xml", &resp.text());
    let resp = call(
        &app,
        &package(
            ACCOUNT,
            INACTIVE,
            "getUserGroups",
            "<User><ID>106</ID></User>",
        ),
    )
    .await;
    assert_golden("smarteru/su10.xml", &resp.text());
}

/// Every general code answers the text SmarterU publishes for it (support page "API Response
/// XML Package"), whole body; what the mock knows beyond the code never reaches ErrorMessage.
#[tokio::test]
async fn every_general_code_answers_the_vendors_published_text() {
    let (app, _) = demo().await;
    let a = format!("<AccountAPI>{ACCOUNT}</AccountAPI>");
    let u = format!("<UserAPI>{ADMIN}</UserAPI>");
    let m = "<Method>getUserGroups</Method>";
    let p = "<Parameters><User><ID>106</ID></User></Parameters>";
    let published = [
        ("SU:01", "No POST data detected."),
        ("SU:02", "Package parameter not found."),
        ("SU:03", "Package data is not properly formatted XML."),
        ("SU:04", "SmarterU root tag not found in Package data."),
        ("SU:05", "AccountAPI tag not found in Package data."),
        ("SU:06", "UserAPI tag not found in Package data."),
        ("SU:07", "Method tag not found in Package data."),
        ("SU:08", "Parameters tag not found in Package data."),
        ("SU:09", "Parameters tag contains no information."),
        ("SU:10", "User and Account API keys are invalid."),
        ("SU:11", "Requested method does not exist."),
        ("SU:12", "Incorrect/Missing Structure/Parameters."),
        (
            "SU:13",
            "Element Nickname was found where it should not exist.",
        ),
        ("SU:9999", "Unknown method call failure."),
    ];
    let packages = [
        None,
        None,
        Some("<SmarterU><AccountAPI>".to_string()),
        Some(format!("<Package>{a}{u}{m}{p}</Package>")),
        Some(with_root_children(&format!("{u}{m}{p}"))),
        Some(with_root_children(&format!("{a}{m}{p}"))),
        Some(with_root_children(&format!("{a}{u}{p}"))),
        Some(with_root_children(&format!("{a}{u}{m}"))),
        Some(with_root_children(&format!("{a}{u}{m}<Parameters/>"))),
        Some(package(
            ACCOUNT,
            "wrong",
            "getUserGroups",
            "<User><ID>106</ID></User>",
        )),
        Some(package(ACCOUNT, ADMIN, "noSuchMethod", "<User/>")),
        Some(gug(
            ADMIN,
            "<ID>106</ID><Email>learner.one@example.com</Email>",
        )),
        Some(gug(ADMIN, "<ID>106</ID><Nickname>Lena</Nickname>")),
        None,
    ];
    let rule =
        serde_json::json!({"api": "smarteru", "effect": {"vendor_error": "SU:9999"}, "times": 1});
    for ((code, message), xml) in published.iter().zip(packages) {
        let resp = match (*code, xml) {
            ("SU:01", _) => send(&app, post_package(&gug(ADMIN, "<ID>106</ID>"))).await,
            ("SU:02", _) => send_over(&app, post_body("Other=1"), Scheme::Https).await,
            ("SU:9999", _) => {
                send(&app, common::post_json("/_mock/faults", &rule)).await;
                send_over(
                    &app,
                    post_package(&gug(ADMIN, "<ID>106</ID>")),
                    Scheme::Https,
                )
                .await
            }
            (_, Some(xml)) => send_over(&app, post_package(&xml), Scheme::Https).await,
            (_, None) => unreachable!(),
        };
        assert_envelope_basics(&resp);
        assert_eq!(&failed_code(&resp), code);
        let text = resp.text();
        assert!(
            text.contains(&format!("<ErrorMessage>{message}</ErrorMessage>")),
            "{text}"
        );
        let name = code.replace(':', "").to_lowercase();
        assert_golden(&format!("smarteru/{name}.xml"), &text);
    }
}

#[tokio::test]
async fn a_plain_http_post_a_get_and_an_empty_post_get_su01() {
    let (app, _) = demo().await;
    let plain = send(&app, post_package(&gug(ADMIN, "<ID>106</ID>"))).await;
    assert_envelope_basics(&plain);
    assert_eq!(failed_code(&plain), "SU:01");
    assert_golden("smarteru/su01.xml", &plain.text());
    let get = send_over(&app, common::get("/apiv2/"), Scheme::Https).await;
    assert_envelope_basics(&get);
    assert_eq!(get.text(), plain.text());
    let empty = send_over(&app, post_body(""), Scheme::Https).await;
    assert_eq!(empty.text(), plain.text());
}

#[tokio::test]
async fn a_body_without_a_package_field_gets_su02() {
    let (app, _) = demo().await;
    let resp = send_over(&app, post_body("package=x&Other=1"), Scheme::Https).await;
    assert_envelope_basics(&resp);
    assert_eq!(failed_code(&resp), "SU:02");
    let xml_body = Request::post("/apiv2/")
        .header("content-type", "text/xml")
        .body(Body::from(gug(ADMIN, "<ID>106</ID>")))
        .unwrap();
    let resp = send_over(&app, xml_body, Scheme::Https).await;
    assert_eq!(failed_code(&resp), "SU:02");
}

#[tokio::test]
async fn forwarded_proto_counts_only_when_the_operator_trusts_it() {
    let forwarded = || {
        let mut req = post_package(&gug(ADMIN, "<ID>106</ID>"));
        req.headers_mut()
            .insert("x-forwarded-proto", "https".parse().unwrap());
        req
    };
    let (app, _) = demo().await;
    assert_eq!(failed_code(&send(&app, forwarded()).await), "SU:01");

    let (store, _) = membermock::store::Store::open(None).unwrap();
    let options = membermock::config::Options {
        trust_forwarded_proto: true,
        ..Default::default()
    };
    let state =
        membermock::AppState::new(store, membermock::seed::Seed::demo(), true, options, None)
            .await
            .unwrap();
    let trusting = membermock::app(state);
    let resp = send(&trusting, forwarded()).await;
    assert!(
        resp.text().contains("<Result>Success</Result>"),
        "{}",
        resp.text()
    );
}

#[tokio::test]
async fn an_injected_vendor_error_uses_the_envelope_and_the_generic_message() {
    let (app, _) = demo().await;
    let rule =
        serde_json::json!({"api": "smarteru", "effect": {"vendor_error": "SU:9999"}, "times": 1});
    let added = send(&app, common::post_json("/_mock/faults", &rule)).await;
    assert!(added.status.is_success(), "{}", added.text());
    let resp = call(&app, &gug(ADMIN, "<ID>106</ID>")).await;
    assert_eq!(failed_code(&resp), "SU:9999");
    assert_golden("smarteru/su9999.xml", &resp.text());
}

#[tokio::test]
async fn the_journal_names_tenant_operation_and_code_and_masks_both_keys() {
    let (app, _) = demo().await;
    call(&app, &gug(ADMIN, "<Email>nobody@example.com</Email>")).await;
    let journal = send(&app, common::get("/_mock/requests?api=smarteru"))
        .await
        .json();
    let entry = journal
        .as_array()
        .or_else(|| journal["requests"].as_array())
        .and_then(|a| a.last())
        .cloned()
        .unwrap_or_else(|| panic!("no entry: {journal}"));
    assert_eq!(entry["tenant"], "demo");
    assert_eq!(entry["operation"], "getUserGroups");
    assert_eq!(entry["vendor_code"], "GUG:01");
    let text = entry.to_string();
    assert!(!text.contains(ACCOUNT) && !text.contains(ADMIN), "{text}");
    assert!(
        text.contains("Parameters.User.Email") && text.contains("nobody@example.com"),
        "{text}"
    );
}

// ---------------------------------------------------------------- hostile packages

#[tokio::test]
async fn hostile_packages_get_a_failed_envelope_never_a_crash() {
    let (app, _) = demo().await;
    let bomb = format!(
        "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\">\
         <!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\
         <!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">]>\
         <SmarterU><AccountAPI>{ACCOUNT}</AccountAPI><UserAPI>{ADMIN}</UserAPI><Method>getUserGroups</Method>\
         <Parameters><User><Email>&lol3;</Email></User></Parameters></SmarterU>"
    );
    expect_code(&app, &bomb, "SU:03").await;
    let external =
        "<!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><SmarterU>&e;</SmarterU>";
    expect_code(&app, external, "SU:03").await;
    expect_code(
        &app,
        "<SmarterU><AccountAPI>k</AccountAPI><UserAPI>",
        "SU:03",
    )
    .await;
    expect_code(&app, "<SmarterU><A></B></SmarterU>", "SU:03").await;
    expect_code(&app, "not xml at all", "SU:03").await;
    // Deeply nested but under the body limit: refused by the depth limit, quickly.
    let deep = "<a>".repeat(100_000) + &"</a>".repeat(100_000);
    expect_code(&app, &deep, "SU:03").await;
    // Too many elements.
    let wide = format!(
        "<SmarterU><Parameters>{}</Parameters></SmarterU>",
        "<x/>".repeat(20_000)
    );
    expect_code(&app, &wide, "SU:03").await;

    // Invalid UTF-8 inside the Package value.
    let resp = send_over(
        &app,
        post_body("Package=%3CSmarterU%3E%FF%3C%2FSmarterU%3E"),
        Scheme::Https,
    )
    .await;
    assert_eq!(failed_code(&resp), "SU:03");
    // Package sent twice.
    let xml = gug(ADMIN, "<ID>106</ID>");
    let twice = common::form(&[("Package", &xml), ("Package", &xml)]);
    let resp = send_over(&app, post_body(&twice), Scheme::Https).await;
    assert_eq!(failed_code(&resp), "SU:02");
    assert_golden("smarteru/repeated_package.xml", &resp.text());
}

/// A 4 MiB package whose cost would be quadratic in its size if the parser compared every
/// attribute with every other (quick-xml's duplicate check): 50,000 attributes on one element
/// took 18 s before the bound. The bounds make it linear; the limit below is generous for a
/// debug build on a busy machine, yet far below the quadratic cost of these packages.
#[tokio::test]
async fn four_megabyte_packages_of_attributes_or_elements_are_refused_fast() {
    let (app, _) = demo().await;
    let limit = std::time::Duration::from_secs(2);
    let body_limit = membermock::config::MAX_BODY_BYTES;
    // Raw in the form value: the mock's field reader splits on `&` and the first `=` only.
    let attributes = |per_element: usize, elements: usize| {
        let mut xml = String::from("Package=<SmarterU>");
        'outer: for e in 0..elements {
            xml.push_str("<e");
            for a in 0..per_element {
                xml.push_str(&format!(" a{a}=''"));
                if xml.len() > body_limit - 64 {
                    xml.push_str("/>");
                    break 'outer;
                }
            }
            xml.push_str("/>");
            if e == elements - 1 || xml.len() > body_limit - 64 {
                break;
            }
        }
        xml.push_str("</SmarterU>");
        xml
    };
    let cases = [
        ("one element, every attribute", attributes(usize::MAX, 1)),
        (
            "many elements at the attribute bound",
            attributes(32, usize::MAX),
        ),
        (
            "many elements",
            format!(
                "Package=<SmarterU>{}</SmarterU>",
                "<x/>".repeat((body_limit - 64) / 4)
            ),
        ),
    ];
    for (what, body) in cases {
        assert!(
            body.len() <= body_limit && body.len() > body_limit - 1024,
            "{what}"
        );
        let started = std::time::Instant::now();
        let resp = send_over(&app, post_body(&body), Scheme::Https).await;
        let took = started.elapsed();
        assert_envelope_basics(&resp);
        assert_eq!(failed_code(&resp), "SU:03", "{what}");
        assert!(took < limit, "{what}: {took:?}");
    }
}

#[tokio::test]
async fn ten_megabytes_of_nested_elements_are_refused_with_su01() {
    let (app, _) = demo().await;
    let nested = "<a>".repeat(1_750_000) + &"</a>".repeat(1_750_000);
    assert!(nested.len() > 10_000_000);
    let resp = send_over(&app, post_body(&format!("Package={nested}")), Scheme::Https).await;
    assert_envelope_basics(&resp);
    assert_eq!(failed_code(&resp), "SU:01");
}

#[tokio::test]
async fn sql_metacharacters_in_every_identifier_are_just_values() {
    let (app, _) = demo().await;
    let evil = "x' OR '1'='1'; DROP TABLE su_user; --";
    for target in [
        format!("<ID>{evil}</ID>"),
        format!("<Email>{evil}</Email>"),
        format!("<EmployeeID>{evil}</EmployeeID>"),
    ] {
        let resp = call(&app, &gug(ADMIN, &target)).await;
        assert!(failed_code(&resp).starts_with("GUG:0"));
    }
    expect_code(
        &app,
        &package(evil, ADMIN, "getUserGroups", "<User><ID>106</ID></User>"),
        "SU:10",
    )
    .await;
    expect_code(
        &app,
        &package(ACCOUNT, evil, "getUserGroups", "<User><ID>106</ID></User>"),
        "SU:10",
    )
    .await;
    expect_code(
        &app,
        &package(ACCOUNT, ADMIN, evil, "<User><ID>106</ID></User>"),
        "SU:11",
    )
    .await;
    expect_code(
        &app,
        &package(
            ACCOUNT,
            ADMIN,
            "getGroup",
            &format!("<Group><Name>{evil}</Name></Group>"),
        ),
        "GG:03",
    )
    .await;
    expect_code(
        &app,
        &package(
            ACCOUNT,
            ADMIN,
            "getGroup",
            &format!("<Group><GroupID>{evil}</GroupID></Group>"),
        ),
        "GG:03",
    )
    .await;
    let list = format!(
        "<User><Filters><GroupName>{evil}</GroupName><Users><UserIdentifier><Email>{evil}</Email></UserIdentifier></Users></Filters></User>"
    );
    let text = expect_success(
        &app,
        &package(ACCOUNT, ADMIN, "listUsers", &list),
        "listUsers",
    )
    .await;
    assert!(text.contains("<Users/>"));
    // And the users are all still there.
    let resp = call(&app, &gug(ADMIN, "<ID>106</ID>")).await;
    assert!(resp.text().contains("<Result>Success</Result>"));
}

// ---------------------------------------------------------------- neighbouring methods

#[tokio::test]
async fn get_user_answers_every_field_in_the_vendors_order() {
    let (app, _) = demo().await;
    let xml = package(
        ACCOUNT,
        ADMIN,
        "getUser",
        "<User><Email>learner.one@example.com</Email></User>",
    );
    let text = expect_success(&app, &xml, "getUser").await;
    assert_golden("smarteru/get_user.xml", &text);
    let xml = package(
        ACCOUNT,
        GROUP_MANAGER,
        "getUser",
        "<User><ID>107</ID></User>",
    );
    expect_code(&app, &xml, "GU:03").await;
    let resp = call(
        &app,
        &package(ACCOUNT, ADMIN, "getUser", "<User><ID>999</ID></User>"),
    )
    .await;
    assert_golden("smarteru/gu03.xml", &resp.text());
}

#[tokio::test]
async fn list_users_pages_filters_and_shows_only_users_the_caller_reaches() {
    let (app, _) = demo().await;
    let all = package(
        ACCOUNT,
        ADMIN,
        "listUsers",
        "<User><Page>1</Page><PageSize>3</PageSize></User>",
    );
    assert_golden(
        "smarteru/list_users_page1.xml",
        &expect_success(&app, &all, "listUsers").await,
    );
    let filtered = package(
        ACCOUNT,
        ADMIN,
        "listUsers",
        "<User><Filters><GroupName>Warehouse</GroupName><UserStatus>Active</UserStatus></Filters></User>",
    );
    assert_golden(
        "smarteru/list_users_warehouse.xml",
        &expect_success(&app, &filtered, "listUsers").await,
    );
    let by_email = package(
        ACCOUNT,
        ADMIN,
        "listUsers",
        "<User><Filters><Users><UserIdentifier><Email>INACTIVE@example.com</Email></UserIdentifier></Users></Filters></User>",
    );
    let text = expect_success(&app, &by_email, "listUsers").await;
    assert!(
        text.contains("<ID><![CDATA[109]]></ID>") && text.matches("<User>").count() == 1,
        "{text}"
    );
    let supervised = package(
        ACCOUNT,
        SUPERVISOR,
        "listUsers",
        "<User><Page>1</Page></User>",
    );
    let text = expect_success(&app, &supervised, "listUsers").await;
    assert_eq!(text.matches("<User>").count(), 2, "{text}");
    let bad_page = package(
        ACCOUNT,
        ADMIN,
        "listUsers",
        "<User><Page>zero</Page></User>",
    );
    expect_code(&app, &bad_page, "SU:12").await;
}

#[tokio::test]
async fn get_group_and_list_groups_answer_for_groups_the_caller_manages() {
    let (app, _) = demo().await;
    let xml = package(
        ACCOUNT,
        ADMIN,
        "getGroup",
        "<Group><Name>Retail</Name></Group>",
    );
    assert_golden(
        "smarteru/get_group_retail.xml",
        &expect_success(&app, &xml, "getGroup").await,
    );
    let xml = package(
        ACCOUNT,
        GROUP_MANAGER,
        "getGroup",
        "<Group><GroupID>7</GroupID></Group>",
    );
    expect_success(&app, &xml, "getGroup").await;
    let xml = package(
        ACCOUNT,
        GROUP_MANAGER,
        "getGroup",
        "<Group><Name>Warehouse</Name></Group>",
    );
    expect_code(&app, &xml, "GG:03").await;
    let resp = call(
        &app,
        &package(
            ACCOUNT,
            ADMIN,
            "getGroup",
            "<Group><Name>Nope</Name></Group>",
        ),
    )
    .await;
    assert_golden("smarteru/gg03.xml", &resp.text());

    let xml = package(ACCOUNT, ADMIN, "listGroups", "<Groups/>");
    expect_code(&app, &xml, "SU:12").await;
    let xml = package(ACCOUNT, ADMIN, "listGroups", "<Group><Filters/></Group>");
    assert_golden(
        "smarteru/list_groups_all.xml",
        &expect_success(&app, &xml, "listGroups").await,
    );
    let xml = package(
        ACCOUNT,
        ADMIN,
        "listGroups",
        "<Group><Filters><GroupName><MatchType>CONTAINS</MatchType><Value>ouse</Value></GroupName></Filters></Group>",
    );
    let text = expect_success(&app, &xml, "listGroups").await;
    assert!(
        text.contains("Warehouse") && !text.contains("Retail"),
        "{text}"
    );
    let xml = package(
        ACCOUNT,
        USER_MANAGER,
        "listGroups",
        "<Group><Filters/></Group>",
    );
    let text = expect_success(&app, &xml, "listGroups").await;
    assert_eq!(text.matches("<Group>").count(), 1, "{text}");
}

#[tokio::test]
async fn update_group_adds_users_with_home_group_and_permissions_and_reads_show_it() {
    let (app, _) = demo().await;
    let add = package(
        ACCOUNT,
        ADMIN,
        "updateGroup",
        "<Group><Identifier><Name>Warehouse</Name></Identifier><Users><User>\
         <Email>no.groups@example.com</Email><UserAction>Add</UserAction><HomeGroup>1</HomeGroup>\
         <Permissions><Permission><Action>Grant</Action><Code>MARKER</Code></Permission>\
         <Permission><Action>Grant</Action><Code>MANAGE_USERS</Code></Permission></Permissions>\
         </User></Users></Group>",
    );
    assert_golden(
        "smarteru/update_group.xml",
        &expect_success(&app, &add, "updateGroup").await,
    );
    let text = expect_success(&app, &gug(ADMIN, "<ID>108</ID>"), "getUserGroups").await;
    assert_golden("smarteru/get_user_groups_after_update_group.xml", &text);
    // Now in Warehouse, 108 is visible to the MANAGE_GROUP_USERS holder there.
    expect_success(&app, &gug(GROUP_USERS, "<ID>108</ID>"), "getUserGroups").await;

    let home_removal = package(
        ACCOUNT,
        ADMIN,
        "updateGroup",
        "<Group><Identifier><GroupID>8</GroupID></Identifier><Users><User><EmployeeID>E-107</EmployeeID>\
         <UserAction>Remove</UserAction></User></Users></Group>",
    );
    expect_code(&app, &home_removal, "UG:40").await;
    let remove = package(
        ACCOUNT,
        ADMIN,
        "updateGroup",
        "<Group><Identifier><Name>Warehouse</Name></Identifier><Users><User><Email>learner.one@example.com</Email>\
         <UserAction>Remove</UserAction></User></Users></Group>",
    );
    expect_success(&app, &remove, "updateGroup").await;
    let text = expect_success(&app, &gug(ADMIN, "<ID>106</ID>"), "getUserGroups").await;
    assert!(!text.contains("Warehouse"), "{text}");

    let bad_code = package(
        ACCOUNT,
        ADMIN,
        "updateGroup",
        "<Group><Identifier><Name>Retail</Name></Identifier><Users><User><Email>no.groups@example.com</Email>\
         <UserAction>Add</UserAction><Permissions><Permission><Action>Grant</Action><Code>GOD_MODE</Code>\
         </Permission></Permissions></User></Users></Group>",
    );
    expect_code(&app, &bad_code, "UG:31").await;
    // All or nothing: the refused call added nobody to Retail.
    let text = expect_success(&app, &gug(ADMIN, "<ID>108</ID>"), "getUserGroups").await;
    assert!(!text.contains("Retail"), "{text}");

    let refused = package(
        ACCOUNT,
        GROUP_MANAGER,
        "updateGroup",
        "<Group><Identifier><Name>Warehouse</Name></Identifier><Users><User><Email>learner.one@example.com</Email>\
         <UserAction>Add</UserAction></User></Users></Group>",
    );
    expect_code(&app, &refused, "GG:03").await;
}

#[tokio::test]
async fn update_user_changes_groups_and_permissions_but_never_admins() {
    let (app, _) = demo().await;
    let grant = package(
        ACCOUNT,
        ADMIN,
        "updateUser",
        "<User><Identifier><Email>learner.two@example.com</Email></Identifier><Groups><Group>\
         <GroupName>Retail</GroupName><GroupAction>Add</GroupAction><GroupPermissions>\
         <Permission><Action>Grant</Action><Code>INSTRUCTOR</Code></Permission></GroupPermissions>\
         </Group></Groups></User>",
    );
    assert_golden(
        "smarteru/update_user.xml",
        &expect_success(&app, &grant, "updateUser").await,
    );
    let deny = package(
        ACCOUNT,
        ADMIN,
        "updateUser",
        "<User><Identifier><EmployeeID>E-106</EmployeeID></Identifier><Groups><Group>\
         <GroupName>Retail</GroupName><GroupAction>Add</GroupAction><GroupPermissions>\
         <Permission><Action>Deny</Action><Code>PROCTOR</Code></Permission></GroupPermissions>\
         </Group></Groups></User>",
    );
    expect_success(&app, &deny, "updateUser").await;
    let text = expect_success(&app, &gug(ADMIN, "<ID>107</ID>"), "getUserGroups").await;
    assert!(
        text.contains("<Permission><![CDATA[INSTRUCTOR]]></Permission>"),
        "{text}"
    );
    let text = expect_success(&app, &gug(ADMIN, "<ID>106</ID>"), "getUserGroups").await;
    assert!(!text.contains("PROCTOR"), "{text}");

    let admin = package(
        ACCOUNT,
        OWNER,
        "updateUser",
        "<User><Identifier><Email>admin@example.com</Email></Identifier><Groups><Group>\
         <GroupName>Retail</GroupName><GroupAction>Add</GroupAction></Group></Groups></User>",
    );
    expect_code(&app, &admin, "UU:69").await;
    let no_group = package(
        ACCOUNT,
        ADMIN,
        "updateUser",
        "<User><Identifier><Email>learner.two@example.com</Email></Identifier><Groups><Group>\
         <GroupName>Nope</GroupName><GroupAction>Add</GroupAction></Group></Groups></User>",
    );
    expect_code(&app, &no_group, "GG:03").await;
    let nobody = package(
        ACCOUNT,
        ADMIN,
        "updateUser",
        "<User><Identifier><Email>nobody@example.com</Email></Identifier></User>",
    );
    expect_code(&app, &nobody, "GU:03").await;
    let home = package(
        ACCOUNT,
        ADMIN,
        "updateUser",
        "<User><Identifier><Email>learner.two@example.com</Email></Identifier><Groups><Group>\
         <GroupName>Warehouse</GroupName><GroupAction>Remove</GroupAction></Group></Groups></User>",
    );
    expect_code(&app, &home, "UU:40").await;
}

#[tokio::test]
async fn writes_survive_a_state_dump_and_reseed() {
    let (app, _) = demo().await;
    let grant = package(
        ACCOUNT,
        ADMIN,
        "updateUser",
        "<User><Identifier><Email>learner.two@example.com</Email></Identifier><Groups><Group>\
         <GroupName>Retail</GroupName><GroupAction>Add</GroupAction></Group></Groups></User>",
    );
    expect_success(&app, &grant, "updateUser").await;
    let before = call(&app, &gug(ADMIN, "<ID>107</ID>")).await.text();
    let state = send(&app, common::get("/_mock/state")).await.json();
    send(
        &app,
        Request::post("/_mock/reset").body(Body::empty()).unwrap(),
    )
    .await;
    let seeded = send(&app, common::post_json("/_mock/seed", &state)).await;
    assert_eq!(seeded.status, StatusCode::OK, "{}", seeded.text());
    assert_eq!(call(&app, &gug(ADMIN, "<ID>107</ID>")).await.text(), before);
}

// ---------------------------------------------------------------- over a real listener

#[tokio::test]
async fn the_plain_http_listener_refuses_a_valid_package_with_su01() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let state = membermock::AppState::demo().await;
    let http = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = http.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(membermock::run(
        membermock::Listeners { http, https: None },
        membermock::app(state),
        async {
            let _ = stopped.await;
        },
    ));
    let body = common::form(&[("Package", &gug(ADMIN, "<ID>106</ID>"))]);
    let request = format!(
        "POST /apiv2/ HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/x-www-form-urlencoded\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await.unwrap();
    let answer = String::from_utf8(answer).unwrap();
    let (head, body) = answer.split_once("\r\n\r\n").unwrap();
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    assert!(
        head.to_ascii_lowercase()
            .contains("content-type: text/xml; charset=utf-8"),
        "{head}"
    );
    assert_golden("smarteru/su01.xml", body);
    let _ = stop.send(());
    server.await.unwrap();
}
