//! Seeding at scale: seed files streamed at start-up, synthetic populations (`--generate`, a
//! tenant's `"generate"` section), an existing database left alone, counts kept by the store.

#[path = "support/binary.rs"]
mod binary;
mod common;

use std::path::{Path, PathBuf};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::Router;
use binary::{http_json, Binary};
use clap::Parser;
use common::{get, post_form, post_json, send, Resp};
use membermock::config::{Cli, Options};
use membermock::seed::{Generate, Seed, SeedDoc, SeedPlan, DEMO_SEED};
use membermock::state::Origin;
use membermock::store::{Opened, Store};
use membermock::AppState;
use serde_json::{json, Value};

// ------------------------------------------------------------------ helpers

async fn start(plan: SeedPlan) -> (Router, AppState) {
    let (store, _) = Store::open(None).unwrap();
    let state = AppState::start(store, plan, true, Options::default(), None)
        .await
        .unwrap();
    (membermock::app(state.clone()), state)
}

async fn start_error(plan: SeedPlan) -> membermock::Error {
    let (store, _) = Store::open(None).unwrap();
    match AppState::start(store, plan, true, Options::default(), None).await {
        Ok(_) => panic!("the seed was accepted"),
        Err(e) => e,
    }
}

async fn state_doc(app: &Router) -> Value {
    let r = send(app, get("/_mock/state")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.content_type().starts_with("application/json"));
    r.json()
}

async fn health(app: &Router) -> Value {
    let r = send(app, get("/_mock/health")).await;
    assert_eq!(r.status, StatusCode::OK);
    r.json()
}

fn write(dir: &Path, name: &str, doc: &Value) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, doc.to_string()).unwrap();
    path
}

/// The demo seed's files, written out as seed files.
fn demo_files(dir: &Path) -> Vec<PathBuf> {
    DEMO_SEED
        .iter()
        .map(|(name, text)| {
            let path = dir.join(Path::new(name).file_name().unwrap());
            std::fs::write(&path, text).unwrap();
            path
        })
        .collect()
}

/// `getUserGroups` as the demo site's API administrator: the answer's group ids.
async fn luminate_group_ids(app: &Router, org: &str, api_key: &str, cons_id: i64) -> Vec<i64> {
    let r: Resp = send(
        app,
        post_form(
            &format!("/{org}/site/SRConsAPI"),
            &[
                ("method", "getUserGroups"),
                ("v", "1.0"),
                ("api_key", api_key),
                ("login_name", "apiadmin"),
                ("login_password", "admin-pass"),
                ("cons_id", &cons_id.to_string()),
                ("response_format", "json"),
            ],
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let groups = &r.json()["getConsGroupsResponse"]["group"];
    let ids = match groups {
        Value::Array(list) => list.iter().collect(),
        Value::Object(_) => vec![groups],
        _ => vec![],
    };
    ids.iter()
        .map(|g| g["id"].as_str().unwrap().parse().unwrap())
        .collect()
}

/// The demo seed's tenants and declared people of one vendor: (tenants, people).
fn demo_counts(api: &str, list: &str, people: &str) -> (usize, usize) {
    let mut counts = (0, 0);
    for (_, text) in DEMO_SEED {
        let doc: Value = serde_json::from_str(text).unwrap();
        for tenant in doc[api][list].as_array().into_iter().flatten() {
            counts.0 += 1;
            counts.1 += tenant[people].as_array().map_or(0, Vec::len);
        }
    }
    counts
}

/// Declared plus `generated` per tenant, for one vendor of the demo seed.
fn demo_people_with(api: &str, generated: usize) -> usize {
    let (list, people) = match api {
        "luminate" => ("sites", "constituents"),
        "smarteru" => ("accounts", "users"),
        _ => ("clients", "members"),
    };
    let (tenants, declared) = demo_counts(api, list, people);
    declared + tenants * generated
}

fn site<'a>(doc: &'a Value, org: &str) -> &'a Value {
    doc["luminate"]["sites"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["org"] == org)
        .unwrap_or_else(|| panic!("no site {org}"))
}

/// The tenant objects of a document with every key in reverse order: people before the
/// tenant's key and groups.
fn reversed(doc: &Value) -> Value {
    fn flip(v: &Value) -> Value {
        match v {
            Value::Object(map) => {
                let mut out = serde_json::Map::new();
                for (k, v) in map.iter().rev() {
                    out.insert(k.clone(), flip(v));
                }
                Value::Object(out)
            }
            Value::Array(list) => Value::Array(list.iter().map(flip).collect()),
            other => other.clone(),
        }
    }
    flip(doc)
}

// ------------------------------------------------------------------ seed files at start-up

#[tokio::test]
async fn seed_files_streamed_at_start_give_the_state_the_parsed_seed_gives() {
    let dir = tempfile::tempdir().unwrap();
    let files = demo_files(dir.path());
    let (streamed, _) = start(SeedPlan::files(&files).unwrap()).await;
    let (parsed, _) = start(Seed::load(&files).unwrap().into()).await;
    let (builtin, _) = common::demo().await;
    let want = state_doc(&parsed).await;
    assert_eq!(state_doc(&streamed).await, want);
    assert_eq!(state_doc(&builtin).await, want);
    assert_eq!(
        health(&streamed).await["seed"]["sha256"],
        json!(Seed::load(&files).unwrap().sha256)
    );
}

#[tokio::test]
async fn tenants_load_the_same_whatever_the_order_of_their_fields() {
    let dir = tempfile::tempdir().unwrap();
    let docs: Vec<PathBuf> = DEMO_SEED
        .iter()
        .enumerate()
        .map(|(i, (_, text))| {
            let doc: Value = serde_json::from_str(text).unwrap();
            write(dir.path(), &format!("{i}.json"), &reversed(&doc))
        })
        .collect();
    let (reversed_app, _) = start(SeedPlan::files(&docs).unwrap()).await;
    let (demo, _) = common::demo().await;
    assert_eq!(state_doc(&reversed_app).await, state_doc(&demo).await);
}

#[tokio::test]
async fn a_bad_seed_file_is_refused_at_start_with_the_path_the_parser_names() {
    let dir = tempfile::tempdir().unwrap();
    let bad = [
        json!({"luminate": {"sites": [{"org": "x", "api_key": "k", "grups": []}]}}),
        json!({"luminate": {"sites": [{"org": "x"}]}}),
        json!({"luminate": {"sites": [{"org": "x", "api_key": "k",
            "constituents": [{"cons_id": 1, "groups": [1001]}],
            "groups": [{"id": 1002, "label": "B"}]}]}}),
        json!({"luminate": {"sites": [{"org": "x", "api_key": "k",
            "constituents": [{"cons_id": 1}, {"cons_id": 1}]}]}}),
        json!({"luminate": {"sites": [{"org": "x", "api_key": "k",
            "constituents": [{"cons_id": 1, "grups": []}]}]}}),
        json!({"smarteru": {"accounts": [{"account_api_key": "k",
            "groups": [{"name": "G", "group_id": "1"}],
            "users": [{"id": "1", "email": "a@b", "given_name": "A", "surname": "B",
                       "supervisor_ids": ["9"]}]}]}}),
        json!({"smarteru": {"accounts": [{"account_api_key": "k", "groups": [],
            "users": [{"id": "1", "email": "a@b", "given_name": "A", "surname": "B"},
                      {"id": "2", "email": "A@B", "given_name": "A", "surname": "B"}]}]}}),
        json!({"yourmembership": {"clients": [{"client_id": 1, "api_key": "k",
            "api_password": "p", "groups": [],
            "members": [{"member_id": 1, "username": "u", "password": "p",
                         "groups": [{"code": "NOPE", "member": true}]}]}]}}),
        json!({"luminate": {"sites": [{"org": "x", "api_key": "k",
            "generate": {"people": 5, "sead": 1}}]}}),
        json!({"zoho": {}}),
    ];
    let mut texts: Vec<String> = bad.iter().map(Value::to_string).collect();
    // Duplicate keys cannot be built with json!.
    texts.push(
        r#"{"yourmembership":{"clients":[{"client_id":1,"api_key":"k","api_password":"p","members":[],"members":[]}]}}"#
            .into(),
    );
    texts.push(r#"{"luminate":{"sites":[{"org":"x","org":"y","api_key":"k"}]}}"#.into());
    for (i, text) in texts.iter().enumerate() {
        let path = dir.path().join(format!("bad{i}.json"));
        std::fs::write(&path, text).unwrap();
        let parsed = SeedDoc::parse(text.as_bytes()).unwrap_err();
        match start_error(SeedPlan::files(std::slice::from_ref(&path)).unwrap()).await {
            membermock::Error::Seed(e) => {
                assert_eq!(e.path, parsed.path, "{text}");
                assert_eq!(
                    e.message,
                    format!("{}: {}", path.display(), parsed.message),
                    "{text}"
                );
            }
            other => panic!("{text}: {other}"),
        }
    }
}

#[tokio::test]
async fn a_failed_start_leaves_the_store_empty_and_usable() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "late-error.json",
        &json!({"luminate": {"sites": [
            {"org": "first", "api_key": "k", "constituents": [{"cons_id": 1}]},
            {"org": "second", "api_key": "k", "constituents": [{"cons_id": 1, "groups": [5]}]}]}}),
    );
    let (store, _) = Store::open(None).unwrap();
    let started = AppState::start(
        store.clone(),
        SeedPlan::files(&[path]).unwrap(),
        true,
        Options::default(),
        None,
    )
    .await;
    assert!(started.is_err());
    let sites: i64 = store
        .call(|c| c.query_row("SELECT count(*) FROM lum_site", [], |r| r.get(0)))
        .await
        .unwrap();
    assert_eq!(sites, 0);
    let state = AppState::start(store, SeedPlan::demo(), true, Options::default(), None)
        .await
        .unwrap();
    let app = membermock::app(state);
    assert_eq!(health(&app).await["counts"]["luminate"]["sites"], 2);
}

// ------------------------------------------------------------------ synthetic populations

fn generated_site(people: u64, seed: u64) -> Value {
    json!({"luminate": {"sites": [{
        "org": "gen", "api_key": "gen-key",
        "groups": (0..6).map(|i| json!({"id": 2001 + i, "label": format!("G{i}")})).collect::<Vec<_>>(),
        "generate": {"people": people, "seed": seed},
        "constituents": [{"cons_id": 7, "user_name": "apiadmin", "password": "admin-pass",
                          "api_admin": true}]}]}})
}

#[tokio::test]
async fn the_same_seed_number_gives_the_same_people_and_another_number_others() {
    let dir = tempfile::tempdir().unwrap();
    let a = write(dir.path(), "a.json", &generated_site(300, 7));
    let b = write(dir.path(), "b.json", &generated_site(300, 8));
    let (one, _) = start(SeedPlan::files(std::slice::from_ref(&a)).unwrap()).await;
    let (two, _) = start(SeedPlan::files(std::slice::from_ref(&a)).unwrap()).await;
    let (other, _) = start(SeedPlan::files(&[b]).unwrap()).await;
    let doc = state_doc(&one).await;
    assert_eq!(doc, state_doc(&two).await);
    assert_ne!(doc, state_doc(&other).await);
    // The same people whether the document is streamed or parsed first.
    let (parsed, _) = start(Seed::load(&[a]).unwrap().into()).await;
    assert_eq!(doc, state_doc(&parsed).await);
}

#[tokio::test]
async fn generated_people_follow_the_declared_ones_with_names_emails_and_a_spread_of_groups() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "gen.json", &generated_site(2000, 1));
    let (app, _) = start(SeedPlan::files(&[file]).unwrap()).await;
    let doc = state_doc(&app).await;
    let people = site(&doc, "gen")["constituents"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(people.len(), 2001);
    assert_eq!(people[1]["cons_id"], 1_000_001);
    assert_eq!(people[2000]["cons_id"], 1_002_000);
    let mut by_count = [0usize; 7];
    for p in &people[1..] {
        let id = p["cons_id"].as_i64().unwrap();
        let email = p["primary_email"].as_str().unwrap();
        assert!(
            email.ends_with(&format!(".{id}@example.org"))
                || email.ends_with(&format!(".{id}@example.com"))
                || email.ends_with(&format!(".{id}@example.net")),
            "{email}"
        );
        assert_eq!(p["member_id"], format!("M-{id}"));
        assert!(p["first_name"].is_string() && p["last_name"].is_string());
        by_count[p["groups"].as_array().unwrap().len()] += 1;
    }
    assert!(by_count[0] > 100, "some in no group: {by_count:?}");
    assert!(
        by_count[1] + by_count[2] + by_count[3] > 1400,
        "most in 1-3: {by_count:?}"
    );
    assert!(
        by_count[4..].iter().sum::<usize>() > 50,
        "a few in many: {by_count:?}"
    );
    let h = health(&app).await;
    assert_eq!(h["counts"]["luminate"]["constituents"], 2001);
}

#[tokio::test]
async fn a_generated_person_answers_through_the_vendor_apis() {
    let plan = SeedPlan::demo().with_generate(Some(Generate::people(500, 3)));
    let (app, _) = start(plan).await;
    let doc = state_doc(&app).await;
    let demo = site(&doc, "demo");
    let person = demo["constituents"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["cons_id"] == 1_000_250)
        .unwrap();
    let want: Vec<i64> = person["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g.as_i64().unwrap())
        .collect();
    let got = luminate_group_ids(&app, "demo", "demo-api-key", 1_000_250).await;
    assert_eq!(got, want);
    // Every tenant of the seed got its 500.
    let h = health(&app).await;
    let declared = health(&common::demo().await.0).await;
    for (api, people) in [
        ("luminate", "constituents"),
        ("smarteru", "users"),
        ("yourmembership", "members"),
    ] {
        let tenants = declared["counts"][api][if api == "luminate" {
            "sites"
        } else if api == "smarteru" {
            "accounts"
        } else {
            "clients"
        }]
        .as_i64()
        .unwrap();
        assert_eq!(
            h["counts"][api][people].as_i64().unwrap(),
            declared["counts"][api][people].as_i64().unwrap() + 500 * tenants,
            "{api}"
        );
    }
    assert_eq!(
        h["seed"]["generate"],
        json!({"people": 500, "seed": 3, "groups": 0})
    );
    // A generated YourMembership member's groups, through the API.
    let r = send(
        &app,
        post_json(
            "/Ams/Authenticate",
            &json!({"ClientID": 40001, "UserType": "Admin",
                    "Username": "demo-ym-api-key", "Password": "demo-ym-api-password"}),
        ),
    )
    .await;
    let session = r.json()["SessionId"].as_str().unwrap().to_string();
    let r = send(
        &app,
        Request::get("/Ams/40001/Member/1000007/Groups")
            .header("X-SS-ID", session)
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
}

#[tokio::test]
async fn a_generate_section_posted_at_run_time_adds_people_and_groups() {
    let (app, _) = common::demo().await;
    let doc = json!({"smarteru": {"accounts": [{"name": "gen", "account_api_key": "gen-key",
        "groups": [{"name": "Own", "group_id": "1"}],
        "generate": {"people": 40, "seed": 2, "groups": 3}}]},
        "yourmembership": {"clients": [{"client_id": 777, "api_key": "k", "api_password": "p",
        "generate": {"people": 25, "groups": 2}}]}});
    let r = send(&app, post_json("/_mock/seed", &doc)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let state = state_doc(&app).await;
    let account = state["smarteru"]["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["name"] == "gen")
        .unwrap();
    assert_eq!(account["users"].as_array().unwrap().len(), 40);
    assert_eq!(account["groups"].as_array().unwrap().len(), 4);
    for u in account["users"].as_array().unwrap() {
        let homes = u["groups"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|g| g["home"] == true)
            .count();
        assert!(homes <= 1);
        assert_eq!(u["employee_id"], format!("E-{}", u["id"].as_str().unwrap()));
    }
    let client = state["yourmembership"]["clients"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["client_id"] == 777)
        .unwrap();
    assert_eq!(client["members"].as_array().unwrap().len(), 25);
    assert_eq!(client["groups"].as_array().unwrap().len(), 2);
    assert_eq!(client["group_types"][0]["name"], "Generated");
    // The state document is a seed: it reproduces the state, people materialised.
    common::assert_json_schema("seed.schema.json", &state);
    assert!(!state.to_string().contains("\"generate\""));
}

#[tokio::test]
async fn a_generated_person_clashing_with_a_declared_one_is_named() {
    let doc = json!({"luminate": {"sites": [{"org": "x", "api_key": "k",
        "generate": {"people": 3},
        "constituents": [{"cons_id": 1, "user_name": "placeholder"}]}]}});
    // Find the user name generated person 1 gets, then declare it.
    let (app, _) = common::demo().await;
    let r = send(&app, post_json("/_mock/seed", &doc)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let state = state_doc(&app).await;
    let taken = site(&state, "x")["constituents"][2]["user_name"]
        .as_str()
        .unwrap()
        .to_uppercase();
    let clash = json!({"luminate": {"sites": [{"org": "x", "api_key": "k",
        "generate": {"people": 3},
        "constituents": [{"cons_id": 1, "user_name": taken}]}]}});
    let r = send(&app, post_json("/_mock/seed", &clash)).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text());
    assert_eq!(r.json()["path"], "luminate.sites[0].generate");
    assert!(
        r.json()["error"]
            .as_str()
            .unwrap()
            .starts_with("generated person 1, user_name: duplicate user_name"),
        "{}",
        r.text()
    );
}

#[tokio::test]
async fn declared_people_name_declared_groups_only_streamed_or_parsed() {
    let dir = tempfile::tempdir().unwrap();
    let generate = json!({"people": 0, "groups": 2});
    let label = Generate::group_label(0);
    let cases = [
        (
            json!({"luminate": {"sites": [{"org": "g", "api_key": "k", "generate": generate,
                "constituents": [{"cons_id": 1, "groups": [1001]}]}]}}),
            "luminate.sites[0].constituents[0].groups[0]",
        ),
        (
            json!({"smarteru": {"accounts": [{"name": "g", "account_api_key": "k",
                "groups": [], "generate": generate,
                "users": [{"id": "1", "email": "a@example.org", "given_name": "A",
                           "surname": "B", "groups": [{"name": label}]}]}]}}),
            "smarteru.accounts[0].users[0].groups[0]",
        ),
        (
            json!({"yourmembership": {"clients": [{"client_id": 1, "api_key": "k",
                "api_password": "p",
                "members": [{"member_id": 1, "username": "u", "password": "p",
                             "groups": [{"code": "G1001"}]}],
                "groups": [], "generate": generate}]}}),
            "yourmembership.clients[0].members[0].groups[0]",
        ),
    ];
    for (i, (doc, says)) in cases.into_iter().enumerate() {
        let file = write(dir.path(), &format!("{i}.json"), &doc);
        let streamed = start_error(SeedPlan::files(std::slice::from_ref(&file)).unwrap()).await;
        let parsed = Seed::load(&[file]).map(|_| ()).unwrap_err().to_string();
        for error in [streamed.to_string(), parsed] {
            assert!(
                error.contains(says) && error.contains("no group"),
                "{says}: {error}"
            );
        }
    }
}

#[test]
fn generate_has_a_flag_and_an_environment_twin() {
    let s = Cli::try_parse_from(["membermock", "--generate", "100000", "--generate-seed", "9"])
        .unwrap()
        .serve;
    assert_eq!((s.generate, s.generate_seed), (Some(100_000), 9));
    // The twins and defaults as declared (parsing without flags would read this process's
    // environment).
    let cli = <Cli as clap::CommandFactory>::command();
    let arg = |id: &str| {
        cli.get_arguments()
            .find(|a| a.get_id() == id)
            .unwrap_or_else(|| panic!("no argument {id}"))
    };
    let generate = arg("generate");
    assert_eq!(generate.get_env().unwrap(), "MEMBERMOCK_GENERATE");
    assert!(generate.get_default_values().is_empty());
    let seed = arg("generate_seed");
    assert_eq!(seed.get_env().unwrap(), "MEMBERMOCK_GENERATE_SEED");
    assert_eq!(seed.get_default_values(), ["1"]);
}

// ------------------------------------------------------------------ an existing database

#[tokio::test]
async fn an_existing_database_is_used_as_it_is_and_health_says_where_the_state_came_from() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kept.db");
    {
        let (store, opened) = Store::open(Some(&path)).unwrap();
        assert_eq!(opened, Opened::New);
        let plan = SeedPlan::demo().with_generate(Some(Generate::people(10, 1)));
        let state = AppState::start(store.clone(), plan, true, Options::default(), None)
            .await
            .unwrap();
        assert_eq!(state.origin, Origin::Seed);
        let h = health(&membermock::app(state)).await;
        assert_eq!(h["state"], "seed");
        store.flush().await.unwrap();
    }
    let (store, opened) = Store::open(Some(&path)).unwrap();
    assert_eq!(opened, Opened::Existing);
    // The seed is not read at all: a file that does not exist does no harm.
    let missing = SeedPlan::files(&[dir.path().join("missing.json")]).unwrap();
    let state = AppState::start(store, missing, false, Options::default(), None)
        .await
        .unwrap();
    let app = membermock::app(state);
    let h = health(&app).await;
    assert_eq!(h["state"], "existing-db");
    assert_eq!(h["seed"]["sources"].as_array().unwrap().len(), 3);
    assert_eq!(h["seed"]["generate"]["people"], 10);
    assert_eq!(
        h["counts"]["luminate"]["constituents"],
        demo_people_with("luminate", 10)
    );
}

// ------------------------------------------------------------------ counts and reset

async fn counted(state: &AppState) -> Value {
    state
        .store
        .call(|c| {
            let n = |t: &str| -> rusqlite::Result<i64> {
                c.query_row(&format!("SELECT count(*) FROM {t}"), [], |r| r.get(0))
            };
            Ok(json!({
                "luminate": {"sites": n("lum_site")?, "groups": n("lum_group")?,
                             "constituents": n("lum_cons")?, "sessions": n("lum_session")?},
                "smarteru": {"accounts": n("su_account")?, "groups": n("su_group")?,
                             "users": n("su_user")?},
                "yourmembership": {"clients": n("ym_client")?, "groups": n("ym_group")?,
                                   "members": n("ym_member")?, "sessions": n("ym_session")?},
            }))
        })
        .await
        .unwrap()
}

#[tokio::test]
async fn health_counts_follow_seeds_logins_and_resets() {
    let plan = SeedPlan::demo().with_generate(Some(Generate::people(50, 1)));
    let (app, state) = start(plan).await;
    assert_eq!(health(&app).await["counts"], counted(&state).await);
    // Replace a tenant (its generated people go), add one, log in (a session), reset.
    let doc = json!({"luminate": {"sites": [{"org": "demo", "api_key": "k2"},
                                            {"org": "more", "api_key": "k3"}]}});
    assert_eq!(
        send(&app, post_json("/_mock/seed", &doc)).await.status,
        StatusCode::OK
    );
    assert_eq!(health(&app).await["counts"], counted(&state).await);
    let r = send(
        &app,
        post_json(
            "/Ams/Authenticate",
            &json!({"ClientID": 40001, "UserType": "Admin",
                    "Username": "demo-ym-api-key", "Password": "demo-ym-api-password"}),
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    let h = health(&app).await;
    assert_eq!(h["counts"], counted(&state).await);
    assert_eq!(h["counts"]["yourmembership"]["sessions"], 1);
    let r = send(
        &app,
        Request::post("/_mock/reset").body(Body::empty()).unwrap(),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    let h = health(&app).await;
    assert_eq!(h["counts"], counted(&state).await);
    assert_eq!(h["counts"]["yourmembership"]["sessions"], 0);
    assert_eq!(
        h["counts"]["luminate"]["constituents"],
        demo_people_with("luminate", 50)
    );
}

#[tokio::test]
async fn reset_drops_every_write_since_start_and_only_those() {
    let plan = SeedPlan::demo().with_generate(Some(Generate::people(200, 5)));
    let (app, _) = start(plan).await;
    let before = state_doc(&app).await;
    for i in 0..20 {
        let doc = json!({"yourmembership": {"clients": [{"client_id": 900 + i,
            "api_key": "k", "api_password": "p", "generate": {"people": 20}}]}});
        assert_eq!(
            send(&app, post_json("/_mock/seed", &doc)).await.status,
            StatusCode::OK
        );
    }
    assert_ne!(state_doc(&app).await, before);
    for _ in 0..3 {
        let r = send(
            &app,
            Request::post("/_mock/reset").body(Body::empty()).unwrap(),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(state_doc(&app).await, before);
    }
}

// ------------------------------------------------------------------ the state, streamed

async fn big_app() -> Router {
    let plan = SeedPlan::demo().with_generate(Some(Generate::people(2500, 4)));
    start(plan).await.0
}

#[tokio::test]
async fn the_streamed_state_is_the_bytes_serde_writes_for_it() {
    let app = big_app().await;
    let r = send(&app, get("/_mock/state")).await;
    assert_eq!(r.status, StatusCode::OK);
    let doc = SeedDoc::parse(&r.body).unwrap();
    assert_eq!(
        r.body.as_ref(),
        serde_json::to_vec(&doc).unwrap().as_slice(),
        "the stream writes what serde writes"
    );
    let people = |api: &str, list: &str, people: &str| -> usize {
        let v: Value = serde_json::from_slice(&r.body).unwrap();
        v[api][list]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t[people].as_array().unwrap().len())
            .sum()
    };
    assert_eq!(
        people("luminate", "sites", "constituents"),
        demo_people_with("luminate", 2500)
    );
    assert_eq!(
        people("smarteru", "accounts", "users"),
        demo_people_with("smarteru", 2500)
    );
    assert_eq!(
        people("yourmembership", "clients", "members"),
        demo_people_with("yourmembership", 2500)
    );
}

/// The state's answer, its first chunk read; the rest to be read by [`rest`].
async fn begin_state(app: &Router) -> axum::body::Body {
    use http_body_util::BodyExt;
    use tower::ServiceExt;
    let response = app.clone().oneshot(get("/_mock/state")).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let mut body = response.into_body();
    let first = body.frame().await.unwrap().unwrap();
    assert!(first.is_data());
    body
}

/// Whether the rest of the answer reads to its end.
async fn rest(body: axum::body::Body) -> Result<usize, String> {
    use http_body_util::BodyExt;
    body.collect()
        .await
        .map(|b| b.to_bytes().len())
        .map_err(|e| e.to_string())
}

#[tokio::test]
async fn a_change_while_the_state_streams_cuts_the_answer_off_instead_of_mixing_states() {
    let app = big_app().await;
    let body = begin_state(&app).await;
    let doc = json!({"luminate": {"sites": [{"org": "late", "api_key": "k"}]}});
    assert_eq!(
        send(&app, post_json("/_mock/seed", &doc)).await.status,
        StatusCode::OK
    );
    assert!(rest(body).await.is_err());

    let body = begin_state(&app).await;
    let r = send(
        &app,
        Request::post("/_mock/reset").body(Body::empty()).unwrap(),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(rest(body).await.is_err());
}

#[tokio::test]
async fn sessions_opened_while_the_state_streams_do_not_disturb_it() {
    let app = big_app().await;
    let body = begin_state(&app).await;
    let r = send(
        &app,
        post_json(
            "/Ams/Authenticate",
            &json!({"ClientID": 40001, "UserType": "Admin",
                    "Username": "demo-ym-api-key", "Password": "demo-ym-api-password"}),
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(rest(body).await.unwrap() > 1_000_000);
}

// ------------------------------------------------------------------ the binary, killed

#[cfg(unix)]
#[test]
fn acknowledged_writes_survive_kill_9_and_reset_returns_to_the_state_at_this_start() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("killed.db");
    let on_db = |extra: &[&str]| {
        let mut args = vec!["--db", db.to_str().unwrap(), "--tls-listen", "off"];
        args.extend_from_slice(extra);
        Binary::start(&args)
    };
    let first = on_db(&["--generate", "20"]);
    let doc = r#"{"luminate":{"sites":[{"org":"acknowledged","api_key":"k"}]}}"#;
    let (status, answer) = http_json(first.http, "POST", "/_mock/seed", doc);
    assert_eq!(status, 200, "{answer}");
    drop(first); // SIGKILL: no checkpoint, no clean close

    let second = on_db(&["--seed", "/nonexistent.json"]);
    let (_, state) = http_json(second.http, "GET", "/_mock/state", "");
    assert!(state.contains(r#""org":"acknowledged""#), "{state}");
    let (_, health) = http_json(second.http, "GET", "/_mock/health", "");
    assert!(health.contains(r#""state":"existing-db""#), "{health}");
    let doc = r#"{"luminate":{"sites":[{"org":"after-restart","api_key":"k"}]}}"#;
    let (status, answer) = http_json(second.http, "POST", "/_mock/seed", doc);
    assert_eq!(status, 200, "{answer}");
    let (status, answer) = http_json(second.http, "POST", "/_mock/reset", "");
    assert_eq!(status, 200, "{answer}");
    let (_, state) = http_json(second.http, "GET", "/_mock/state", "");
    assert!(state.contains(r#""org":"acknowledged""#), "{state}");
    assert!(!state.contains(r#""org":"after-restart""#), "{state}");
}
