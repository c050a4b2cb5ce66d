//! The writes beyond the client replays: both `updateGroup` permission shapes, `createUser` and
//! `createGroup` with every refusal, secrets at any depth of a package kept out of the journal,
//! and answers that stay XML whatever a stored value holds.

use super::*;

async fn groups_of(app: &Router, id: &str) -> String {
    expect_success(app, &gug(ADMIN, &format!("<ID>{id}</ID>")), "getUserGroups").await
}

// ---------------------------------------------------------------- updateGroup permissions

/// The vendor's updateGroup request package shows `Permissions` > `Permission` > `Code` with no
/// `Action`: the codes are granted, added to what the user holds there.
#[tokio::test]
async fn update_group_permissions_as_documented_grant_codes_without_an_action() {
    let (app, _) = demo().await;
    let add = package(
        ACCOUNT,
        ADMIN,
        "updateGroup",
        "<Group><Identifier><Name>Retail</Name></Identifier><Users><User>\
         <Email>learner.one@example.com</Email><UserAction>Add</UserAction><HomeGroup>1</HomeGroup>\
         <Permissions><Permission><Code>MARKER</Code></Permission>\
         <Permission><Code>VIEW_LEARNER_RESULTS</Code></Permission></Permissions>\
         </User></Users></Group>",
    );
    expect_success(&app, &add, "updateGroup").await;
    let text = groups_of(&app, "106").await;
    assert_golden("smarteru/update_group_code_only_then_groups.xml", &text);
    // PROCTOR, held before, is kept: Code-only grants, it does not replace the set.
    assert!(
        text.contains(
            "<Permissions><Permission><![CDATA[VIEW_LEARNER_RESULTS]]></Permission>\
             <Permission><![CDATA[PROCTOR]]></Permission><Permission><![CDATA[MARKER]]></Permission></Permissions>"
        ),
        "{text}"
    );
}

/// The shape with `Action` still works, `Deny` included; an empty `Permissions` (what the PHP
/// client sends) changes nothing.
#[tokio::test]
async fn update_group_permissions_with_grant_and_deny_actions_and_empty_permissions() {
    let (app, _) = demo().await;
    let change = |permissions: &str| {
        package(
            ACCOUNT,
            ADMIN,
            "updateGroup",
            &format!(
                "<Group><Identifier><GroupID>7</GroupID></Identifier><Users><User>\
                 <EmployeeID>E-106</EmployeeID><UserAction>Add</UserAction>{permissions}</User></Users></Group>"
            ),
        )
    };
    expect_success(
        &app,
        &change(
            "<Permissions><Permission><Action>Deny</Action><Code>PROCTOR</Code></Permission>\
             <Permission><Action>Grant</Action><Code>INSTRUCTOR</Code></Permission></Permissions>",
        ),
        "updateGroup",
    )
    .await;
    let text = groups_of(&app, "106").await;
    assert!(
        text.contains("<Permissions><Permission><![CDATA[INSTRUCTOR]]></Permission></Permissions>"),
        "{text}"
    );
    expect_success(&app, &change("<Permissions/>"), "updateGroup").await;
    assert_eq!(groups_of(&app, "106").await, text);
    expect_code(
        &app,
        &change("<Permissions><Permission><Action>Maybe</Action><Code>MARKER</Code></Permission></Permissions>"),
        "SU:12",
    )
    .await;
    expect_code(
        &app,
        &change("<Permissions><Permission><Code/></Permission></Permissions>"),
        "SU:12",
    )
    .await;
    expect_code(
        &app,
        &change("<Permissions><Permission><Code>ROOT</Code></Permission></Permissions>"),
        "UG:31",
    )
    .await;
    // updateUser keeps requiring the Action (the PHP client's grant and revoke send it).
    let no_action = package(
        ACCOUNT,
        ADMIN,
        "updateUser",
        "<User><Identifier><Email>learner.one@example.com</Email></Identifier><Groups><Group>\
         <GroupName>Retail</GroupName><GroupAction>Add</GroupAction><GroupPermissions>\
         <Permission><Code>MARKER</Code></Permission></GroupPermissions></Group></Groups></User>",
    );
    expect_code(&app, &no_action, "SU:12").await;
}

// ---------------------------------------------------------------- createUser

/// A `createUser` package as the vendor documents it, with `info`, `profile` and `groups`
/// spliced in.
fn create_user(caller: &str, info: &str, profile: &str, groups: &str) -> String {
    package(
        ACCOUNT,
        caller,
        "createUser",
        &format!("<User><Info>{info}</Info><Profile>{profile}</Profile><Groups>{groups}</Groups><Venues/><Wages/></User>"),
    )
}

const NEW_INFO: &str = "<Email>new@example.com</Email><EmployeeID>E-300</EmployeeID>\
    <GivenName>Ned</GivenName><Surname>New</Surname><Password>pw-123456</Password>";

#[tokio::test]
async fn create_user_by_employee_id_alone_grants_permissions_and_reads_show_it() {
    let (app, _) = demo().await;
    let xml = create_user(
        ADMIN,
        "<Email/><EmployeeID>E-301</EmployeeID><GivenName>Eve</GivenName><Surname>Employee</Surname>\
         <Password>pw</Password><Timezone>(GMT+5:30) - Asia/Kolkata</Timezone>",
        "<Status>Inactive</Status><HomeGroup>Retail</HomeGroup>",
        "<Group><GroupName>Warehouse</GroupName><GroupPermissions><Permission><Code>MARKER</Code>\
         </Permission></GroupPermissions></Group>",
    );
    let text = expect_success(&app, &xml, "createUser").await;
    assert_golden("smarteru/create_user_employee_id.xml", &text);
    let get = package(
        ACCOUNT,
        ADMIN,
        "getUser",
        "<User><EmployeeID>E-301</EmployeeID></User>",
    );
    let user = expect_success(&app, &get, "getUser").await;
    for part in [
        "<ID><![CDATA[202]]></ID><Email/><EmployeeID><![CDATA[E-301]]></EmployeeID>",
        "<Status>Inactive</Status>",
        "<Timezone><![CDATA[(GMT+5:30) - Asia/Kolkata]]></Timezone>",
        "<HomeGroup><![CDATA[Retail]]></HomeGroup>",
    ] {
        assert!(user.contains(part), "{part}\n{user}");
    }
    let groups = groups_of(&app, "202").await;
    assert_golden("smarteru/create_user_employee_id_then_groups.xml", &groups);
    // Who manages the home group now reaches the new user.
    expect_success(&app, &gug(GROUP_MANAGER, "<ID>202</ID>"), "getUserGroups").await;
    // No user API key: the new user appears in the state without one.
    let state = send(&app, common::get("/_mock/state")).await.json();
    let created = state["smarteru"]["accounts"][0]["users"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["id"] == "202")
        .cloned()
        .unwrap();
    assert!(created.get("user_api_key").is_none(), "{created}");
    assert_eq!(created["role"], "user");
}

#[tokio::test]
async fn create_user_refusals_have_their_codes_and_change_nothing() {
    let (app, _) = demo().await;
    let home = "<HomeGroup>Retail</HomeGroup>";
    let info = |replace: &str, with: &str| NEW_INFO.replace(replace, with);
    let cases: Vec<(String, &str)> = vec![
        // Duplicates in the account.
        (
            create_user(ADMIN, &info("new@example.com", "LEARNER.ONE@example.com"), home, ""),
            "CU:41",
        ),
        (create_user(ADMIN, &info("E-300", "E-106"), home, ""), "CU:42"),
        // Home group: missing, unknown, or one the caller does not manage.
        (create_user(ADMIN, NEW_INFO, "", ""), "SU:12"),
        (create_user(ADMIN, NEW_INFO, "<HomeGroup/>", ""), "SU:12"),
        (create_user(ADMIN, NEW_INFO, "<HomeGroup>Nope</HomeGroup>", ""), "GG:03"),
        (create_user(GROUP_MANAGER, NEW_INFO, "<HomeGroup>Warehouse</HomeGroup>", ""), "GG:03"),
        (create_user(LEARNER, NEW_INFO, home, ""), "GG:03"),
        // Groups: unknown, an unknown permission code, a GroupAction other than Add.
        (
            create_user(ADMIN, NEW_INFO, home, "<Group><GroupName>Nope</GroupName></Group>"),
            "GG:03",
        ),
        (
            create_user(
                ADMIN,
                NEW_INFO,
                home,
                "<Group><GroupID>8</GroupID><GroupPermissions><Permission><Code>ROOT</Code>\
                 </Permission></GroupPermissions></Group>",
            ),
            "CU:31",
        ),
        (
            create_user(
                ADMIN,
                NEW_INFO,
                home,
                "<Group><GroupID>8</GroupID><GroupAction>Remove</GroupAction></Group>",
            ),
            "SU:12",
        ),
        // Supervisors naming nobody.
        (
            create_user(
                ADMIN,
                NEW_INFO,
                "<Supervisors><Supervisor>ghost@example.com</Supervisor></Supervisors><HomeGroup>Retail</HomeGroup>",
                "",
            ),
            "CU:43",
        ),
        // Required Info: both identity elements, one of them with a value, names, password.
        (create_user(ADMIN, &info("<EmployeeID>E-300</EmployeeID>", ""), home, ""), "SU:12"),
        (
            create_user(
                ADMIN,
                &info("<Email>new@example.com</Email><EmployeeID>E-300</EmployeeID>", "<Email/><EmployeeID/>"),
                home,
                "",
            ),
            "SU:12",
        ),
        (create_user(ADMIN, &info("<Surname>New</Surname>", ""), home, ""), "SU:12"),
        (create_user(ADMIN, &info("<Password>pw-123456</Password>", "<Password/>"), home, ""), "SU:12"),
        // Invalid values.
        (create_user(ADMIN, &info("new@example.com", "not-an-email"), home, ""), "SU:12"),
        (
            create_user(ADMIN, &format!("{NEW_INFO}<LearnerNotifications>yes</LearnerNotifications>"), home, ""),
            "SU:12",
        ),
        (create_user(ADMIN, &format!("{NEW_INFO}<SendEmailTo>Boss</SendEmailTo>"), home, ""), "SU:12"),
        (create_user(ADMIN, &format!("{NEW_INFO}<SendEmailTo>Alternate</SendEmailTo>"), home, ""), "SU:12"),
        (create_user(ADMIN, NEW_INFO, "<Status>Maybe</Status><HomeGroup>Retail</HomeGroup>", ""), "SU:12"),
        // Structure.
        (package(ACCOUNT, ADMIN, "createUser", "<User><Profile/></User>"), "SU:12"),
        (create_user(ADMIN, &format!("{NEW_INFO}<Nickname>N</Nickname>"), home, ""), "SU:13"),
        (create_user(ADMIN, NEW_INFO, home, "<Group><GroupName>Retail</GroupName><Nickname/></Group>"), "SU:13"),
        (
            package(
                ACCOUNT,
                ADMIN,
                "createUser",
                &format!("<User><Info>{NEW_INFO}</Info><Profile>{home}</Profile><Venues><Venue/></Venues></User>"),
            ),
            "SU:13",
        ),
    ];
    for (xml, code) in cases {
        expect_code(&app, &xml, code).await;
    }
    let resp = call(&app, &create_user(ADMIN, &info("E-300", "E-106"), home, "")).await;
    assert_golden("smarteru/cu42.xml", &resp.text());
    // Nothing was created by any of them.
    let list = package(
        ACCOUNT,
        ADMIN,
        "listUsers",
        "<User><PageSize>1000</PageSize></User>",
    );
    let text = expect_success(&app, &list, "listUsers").await;
    assert_eq!(text.matches("<User>").count(), 10, "{text}");
    // And the same package with nothing wrong succeeds, as a manager of the home group.
    expect_success(
        &app,
        &create_user(GROUP_MANAGER, NEW_INFO, home, ""),
        "createUser",
    )
    .await;
}

// ---------------------------------------------------------------- createGroup

/// A `createGroup` package with every required element, `extra` spliced in before `Users`.
fn create_group(caller: &str, name: &str, extra: &str, users: &str) -> String {
    package(
        ACCOUNT,
        caller,
        "createGroup",
        &format!(
            "<Group><Name>{name}</Name>{extra}<Status>Active</Status><Description/><HomeGroupMessage/>\
             <NotificationEmails/><Users>{users}</Users><LearningModules/></Group>"
        ),
    )
}

#[tokio::test]
async fn create_group_with_users_home_groups_and_permissions() {
    let (app, _) = demo().await;
    let xml = create_group(
        GROUP_USERS,
        "Loading Dock",
        "",
        "<User><EmployeeID>E-107</EmployeeID><HomeGroup>1</HomeGroup><Permissions><Permission>\
         <Code>MANAGE_GROUP_USERS</Code></Permission></Permissions></User>",
    );
    let text = expect_success(&app, &xml, "createGroup").await;
    // No GroupID given: the next free number.
    assert_golden("smarteru/create_group_numbered.xml", &text);
    let groups = groups_of(&app, "107").await;
    assert_golden("smarteru/create_group_numbered_then_groups.xml", &groups);
    let get = package(
        ACCOUNT,
        ADMIN,
        "getGroup",
        "<Group><Name>Loading Dock</Name></Group>",
    );
    let group = expect_success(&app, &get, "getGroup").await;
    assert!(
        group.contains("<GroupID><![CDATA[10]]></GroupID>")
            && group.contains("<UserCount>1</UserCount>"),
        "{group}"
    );
}

#[tokio::test]
async fn create_group_refusals_have_their_codes_and_change_nothing() {
    let (app, _) = demo().await;
    let user = |who: &str, extra: &str| format!("<User>{who}{extra}</User>");
    let cases: Vec<(String, &str)> = vec![
        (create_group(ADMIN, "retail", "", ""), "CG:41"),
        (
            create_group(ADMIN, "New", "<GroupID>7</GroupID>", ""),
            "CG:42",
        ),
        (
            create_group(ADMIN, "New", "<GroupID>G-3039</GroupID>", ""),
            "CG:42",
        ),
        (create_group(LEARNER, "New", "", ""), "CG:50"),
        (create_group(USER_MANAGER, "New", "", ""), "CG:50"),
        (
            create_group(
                ADMIN,
                "New",
                "",
                &user("<Email>ghost@example.com</Email>", ""),
            ),
            "GU:03",
        ),
        (
            create_group(
                ADMIN,
                "New",
                "",
                &user(
                    "<Email>learner.one@example.com</Email>",
                    "<Permissions><Permission><Code>ROOT</Code></Permission></Permissions>",
                ),
            ),
            "CG:31",
        ),
        (
            create_group(
                ADMIN,
                "New",
                "",
                &user(
                    "<Email>learner.one@example.com</Email>",
                    "<HomeGroup>2</HomeGroup>",
                ),
            ),
            "SU:12",
        ),
        (
            create_group(
                ADMIN,
                "New",
                "",
                &user(
                    "<Email>learner.one@example.com</Email>",
                    "<UserAction>Add</UserAction>",
                ),
            ),
            "SU:13",
        ),
        (create_group(ADMIN, "", "", ""), "SU:12"),
        (
            create_group(ADMIN, "New", "", "")
                .replace("<Status>Active</Status>", "<Status>Dormant</Status>"),
            "SU:12",
        ),
        (
            create_group(ADMIN, "New", "", "").replace("<Description/>", ""),
            "SU:12",
        ),
        (
            create_group(ADMIN, "New", "", "").replace("<LearningModules/>", ""),
            "SU:12",
        ),
        (
            create_group(ADMIN, "New", "", "").replace(
                "<LearningModules/>",
                "<LearningModules><LearningModule><ID>1</ID></LearningModule></LearningModules>",
            ),
            "SU:13",
        ),
        (create_group(ADMIN, "New", "<Identifier/>", ""), "SU:13"),
        (package(ACCOUNT, ADMIN, "createGroup", "<Groups/>"), "SU:12"),
    ];
    for (xml, code) in cases {
        expect_code(&app, &xml, code).await;
    }
    let resp = call(&app, &create_group(ADMIN, "Retail", "", "")).await;
    assert_golden("smarteru/cg41.xml", &resp.text());
    let list = package(ACCOUNT, ADMIN, "listGroups", "<Group><Filters/></Group>");
    assert_golden(
        "smarteru/list_groups_all.xml",
        &expect_success(&app, &list, "listGroups").await,
    );
}

// ---------------------------------------------------------------- hostile writes

/// Valid write packages, mutated at random (pieces cut out, elements repeated, hostile values
/// spliced in): every answer is the vendor's envelope in HTTP 200, never SU:9999. Seeded, so a
/// failure repeats.
#[tokio::test]
async fn mutated_write_packages_get_the_vendors_envelope_never_an_internal_failure() {
    use rand::{Rng, SeedableRng};
    let (app, _) = demo().await;
    let valid = [
        create_user(ADMIN, NEW_INFO, "<HomeGroup>Retail</HomeGroup>", "<Group><GroupName>Retail</GroupName><GroupPermissions><Permission><Code>MARKER</Code></Permission></GroupPermissions></Group>"),
        create_group(ADMIN, "Mutant", "<GroupID>M-1</GroupID>", "<User><Email>learner.one@example.com</Email><HomeGroup>0</HomeGroup><Permissions><Permission><Code>PROCTOR</Code></Permission></Permissions></User>"),
        package(ACCOUNT, ADMIN, "updateGroup", "<Group><Identifier><Name>Retail</Name></Identifier><Users><User><Email>no.groups@example.com</Email><UserAction>Add</UserAction><HomeGroup>1</HomeGroup><Permissions><Permission><Code>MARKER</Code></Permission></Permissions></User></Users></Group>"),
    ];
    let pieces = [
        "]]>",
        "<![CDATA[",
        "&#0;",
        "&amp;",
        "&bogus;",
        "\u{1}",
        "' OR 1=1 --",
        "<X/>",
        "</Group>",
        "<User>",
        "Remove",
        "Deny",
        "0",
        "1",
        "",
        "\u{FFFF}",
        "é✓",
    ];
    let mut rng = rand::rngs::StdRng::seed_from_u64(11);
    for round in 0..300 {
        let mut xml = valid[round % valid.len()].clone();
        for _ in 0..rng.gen_range(1..4) {
            let at = |rng: &mut rand::rngs::StdRng, xml: &str| {
                let mut i = rng.gen_range(0..=xml.len());
                while !xml.is_char_boundary(i) {
                    i -= 1;
                }
                i
            };
            match rng.gen_range(0..4) {
                0 => {
                    let start = at(&mut rng, &xml);
                    let mut end = (start + rng.gen_range(1..40)).min(xml.len());
                    while !xml.is_char_boundary(end) {
                        end -= 1;
                    }
                    xml.replace_range(start..end, "");
                }
                1 => {
                    let i = at(&mut rng, &xml);
                    xml.insert_str(i, pieces[rng.gen_range(0..pieces.len())]);
                }
                2 => {
                    // Repeat one element.
                    let names = [
                        "Email",
                        "Code",
                        "Permission",
                        "User",
                        "Group",
                        "HomeGroup",
                        "Status",
                    ];
                    let name = names[rng.gen_range(0..names.len())];
                    let (open, close) = (format!("<{name}>"), format!("</{name}>"));
                    if let (Some(a), Some(b)) = (xml.find(&open), xml.find(&close)) {
                        if a < b {
                            let element = xml[a..b + close.len()].to_string();
                            xml.insert_str(a, &element);
                        }
                    }
                }
                _ => {
                    let i = at(&mut rng, &xml);
                    xml.insert_str(i, &"x".repeat(rng.gen_range(1..5000)));
                }
            }
        }
        let resp = send_over(&app, post_package(&xml), Scheme::Https).await;
        assert_envelope_basics(&resp);
        let text = resp.text();
        assert!(
            text.contains("<Result>Success</Result>") || text.contains("<Result>Failed</Result>"),
            "{xml}\n{text}"
        );
        assert!(!text.contains("SU:9999"), "{xml}\n{text}");
    }
}

// ---------------------------------------------------------------- secrets and stored values

/// `Parameters.User.Info.Password` is a password at any depth: never in the journal.
#[tokio::test]
async fn nested_passwords_never_reach_the_journal() {
    let (app, _) = demo().await;
    let secret = "Sup3r-Secret-Pa55";
    let update = package(
        ACCOUNT,
        ADMIN,
        "updateUser",
        &format!(
            "<User><Identifier><Email>learner.two@example.com</Email></Identifier>\
             <Info><Password>{secret}</Password></Info></User>"
        ),
    );
    expect_success(&app, &update, "updateUser").await;
    let create = create_user(
        ADMIN,
        &NEW_INFO.replace("pw-123456", secret),
        "<HomeGroup>Retail</HomeGroup>",
        "",
    );
    expect_success(&app, &create, "createUser").await;
    let journal = send(&app, common::get("/_mock/requests?api=smarteru")).await;
    let text = journal.text();
    assert!(!text.contains(secret), "{text}");
    assert!(!text.contains(ACCOUNT) && !text.contains(ADMIN), "{text}");
    assert_eq!(
        text.matches("Parameters.User.Info.Password").count(),
        2,
        "{text}"
    );
}

/// A stored name holding a character XML cannot carry (U+0001) and the CDATA terminator still
/// gives an answer an XML parser accepts.
#[tokio::test]
async fn any_stored_value_gives_well_formed_xml() {
    let (app, _) = demo().await;
    let state = send(&app, common::get("/_mock/state")).await.json();
    let mut account = state["smarteru"]["accounts"][0].clone();
    let nasty = "Lena\u{1} ]]> <&> \u{FFFF}";
    for u in account["users"].as_array_mut().unwrap() {
        if u["id"] == "106" {
            u["given_name"] = nasty.into();
        }
    }
    for g in account["groups"].as_array_mut().unwrap() {
        if g["name"] == "Retail" {
            g["identifier"] = "G]]>3039\u{1}".into();
        }
    }
    let doc = serde_json::json!({ "smarteru": { "accounts": [account] } });
    let seeded = send(&app, common::post_json("/_mock/seed", &doc)).await;
    assert_eq!(seeded.status, StatusCode::OK, "{}", seeded.text());
    for xml in [
        package(ACCOUNT, ADMIN, "getUser", "<User><ID>106</ID></User>"),
        gug(ADMIN, "<ID>106</ID>"),
        package(ACCOUNT, ADMIN, "listUsers", "<User><Page>1</Page></User>"),
    ] {
        let resp = call(&app, &xml).await;
        let text = resp.text();
        assert!(text.contains("<Result>Success</Result>"), "{text}");
        let mut reader = quick_xml::Reader::from_str(&text);
        reader.config_mut().check_end_names = true;
        let mut read = String::new();
        loop {
            match reader.read_event() {
                Ok(quick_xml::events::Event::Eof) => break,
                Ok(quick_xml::events::Event::CData(c)) => {
                    read.push_str(std::str::from_utf8(&c).unwrap())
                }
                Ok(_) => {}
                Err(e) => panic!("not XML ({e}): {text}"),
            }
        }
        assert!(
            !text.contains('\u{1}') && !text.contains('\u{FFFF}'),
            "{text}"
        );
        // What a parser reads back is the value with only the impossible characters replaced.
        assert!(
            read.contains("Lena\u{FFFD} ]]> <&> \u{FFFD}") || read.contains("G]]>3039\u{FFFD}"),
            "{read}"
        );
    }
}

/// Created users and groups survive `GET /_mock/state` → reset → `POST /_mock/seed`.
#[tokio::test]
async fn created_users_and_groups_survive_a_state_dump_and_reseed() {
    let (app, _) = demo().await;
    expect_success(
        &app,
        &create_group(ADMIN, "Dock", "<GroupID>D-1</GroupID>", ""),
        "createGroup",
    )
    .await;
    expect_success(
        &app,
        &create_user(
            ADMIN,
            NEW_INFO,
            "<HomeGroup>Dock</HomeGroup>",
            "<Group><GroupName>Retail</GroupName><GroupPermissions><Permission><Code>MARKER</Code>\
             </Permission></GroupPermissions></Group>",
        ),
        "createUser",
    )
    .await;
    let reads = [
        package(
            ACCOUNT,
            ADMIN,
            "getUser",
            "<User><EmployeeID>E-300</EmployeeID></User>",
        ),
        gug(ADMIN, "<Email>new@example.com</Email>"),
        package(
            ACCOUNT,
            ADMIN,
            "getGroup",
            "<Group><GroupID>D-1</GroupID></Group>",
        ),
    ];
    let mut before = Vec::new();
    for xml in &reads {
        before.push(call(&app, xml).await.text());
    }
    let state = send(&app, common::get("/_mock/state")).await.json();
    send(
        &app,
        Request::post("/_mock/reset").body(Body::empty()).unwrap(),
    )
    .await;
    let seeded = send(&app, common::post_json("/_mock/seed", &state)).await;
    assert_eq!(seeded.status, StatusCode::OK, "{}", seeded.text());
    for (xml, expected) in reads.iter().zip(before) {
        assert!(expected.contains("<Result>Success</Result>"), "{expected}");
        assert_eq!(call(&app, xml).await.text(), expected);
    }
}
