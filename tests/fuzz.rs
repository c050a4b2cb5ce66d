//! Fuzz targets for the three request decoders and the seed loader, run on stable inside
//! `cargo test` with arbtest: each case takes a request from the corpus in `tests/fuzz/corpus/`
//! and mutates it (bytes inserted, deleted, duplicated, replaced, pieces of the vendor's syntax
//! spliced in; the path and query too), then sends it through the real router. The property:
//! never a panic, never a 5xx, always the vendor's own envelope (the control plane's JSON for
//! seeds).
//!
//! Each target runs for `MEMBERMOCK_FUZZ_MS` milliseconds (default 1500; `.ci/run` gives each
//! 15 s). A failure prints arbtest's seed: `MEMBERMOCK_FUZZ_SEED=0x... cargo test --test fuzz
//! NAME` replays exactly that case. A case worth keeping goes into the corpus as a file.
//!
//! Corpus files: the request line (`METHOD /path?query`), header lines, a blank line, the body
//! (one final newline dropped; a multipart body's lines end in CRLF). `{SESSION}` in a header
//! becomes a live YourMembership admin session.

mod common;

use std::path::Path;

use arbtest::arbitrary::{self, Unstructured};
use axum::body::Body;
use axum::http::Request;
use axum::Router;
use common::{send_over, Resp};
use membermock::vendor::Scheme;

struct Case {
    method: String,
    target: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

fn corpus(target: &str) -> Vec<Vec<u8>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fuzz/corpus")
        .join(target);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    let inputs: Vec<Vec<u8>> = files.iter().map(|f| std::fs::read(f).unwrap()).collect();
    assert!(!inputs.is_empty(), "no corpus in {}", dir.display());
    inputs
}

fn parse_case(raw: &[u8]) -> Case {
    let text = String::from_utf8_lossy(raw);
    let (head, body) = text.split_once("\n\n").unwrap_or((&text, ""));
    let mut lines = head.lines();
    let (method, target) = lines
        .next()
        .and_then(|l| l.split_once(' '))
        .expect("a request line");
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    let mut body = body.strip_suffix('\n').unwrap_or(body).to_string();
    if headers
        .iter()
        .any(|(k, v)| k.eq_ignore_ascii_case("content-type") && v.starts_with("multipart/"))
    {
        body = body.replace('\n', "\r\n");
    }
    Case {
        method: method.to_string(),
        target: target.to_string(),
        headers,
        body: body.into_bytes(),
    }
}

/// Apply a few random edits to `input`, splicing in pieces of `dictionary`.
fn mutate(
    u: &mut Unstructured<'_>,
    input: &[u8],
    dictionary: &[&[u8]],
) -> arbitrary::Result<Vec<u8>> {
    let mut out = input.to_vec();
    for _ in 0..u.int_in_range(0..=6)? {
        let len = out.len();
        let at = u.int_in_range(0..=len)?;
        match u.int_in_range(0..=6)? {
            0 => {
                let n = u.int_in_range(1..=16)?;
                let bytes = u.bytes(n.min(u.len()))?;
                out.splice(at..at, bytes.iter().copied());
            }
            1 => {
                let end = u.int_in_range(at..=len.min(at + 64))?;
                out.drain(at..end);
            }
            2 | 3 => {
                let piece = u.choose(dictionary)?;
                out.splice(at..at, piece.iter().copied());
            }
            4 => {
                let end = u.int_in_range(at..=len.min(at + 64))?;
                let copy = out[at..end].to_vec();
                out.splice(end..end, copy);
            }
            5 if at < len => out[at] = u.arbitrary()?,
            _ => out.truncate(at),
        }
    }
    Ok(out)
}

const FORM: &[&[u8]] = &[
    b"&",
    b"=",
    b"%",
    b"%FF",
    b"%00",
    b"+",
    b";",
    b"&method=getUserGroups",
    b"&method=update",
    b"&v=1.0",
    b"&v=2",
    b"&response_format=json",
    b"&response_format=xml",
    b"&cons_id=",
    b"&cons_id=-1",
    b"&cons_id=99999999999999999999",
    b"&member_id=M-DUP",
    b"&primary_email=shared%40example.org",
    b"&api_key=",
    b"&login_name=apiadmin",
    b"&add_group_ids=1001,x",
    b"&max_number=0",
    b"&start_index=-5",
    b"&sign_redirects=true",
    b"&suppress_response_codes=true",
    b"&error_redirect=javascript:x",
    b"\r\n--XyZ\r\n",
    b"Content-Disposition: form-data; name=\"",
    b"' OR 1=1 --",
    b"\xff\xfe",
];

const PACKAGE: &[&[u8]] = &[
    b"<",
    b">",
    b"</",
    b"/>",
    b"&amp;",
    b"&a;",
    b"%3C",
    b"%3E",
    b"%26",
    b"<![CDATA[",
    b"]]>",
    b"<!DOCTYPE x [<!ENTITY a \"aaaa\">]>",
    b"<?xml version=\"1.0\"?>",
    b"<Method>getUser</Method>",
    b"<Method>updateUser</Method>",
    b"<Method>listUsers</Method>",
    b"<Parameters>",
    b"</Parameters>",
    b"<User>",
    b"</User>",
    b"<Email>admin@example.com</Email>",
    b"<ID>106</ID>",
    b"<EmployeeID>E-101</EmployeeID>",
    b"<Page>-1</Page>",
    b"<PageSize>999999</PageSize>",
    b"<Filters>",
    b"</Filters>",
    b"<Group>",
    b"</Group>",
    b"<Name>Retail</Name>",
    b"<UserAction>Remove</UserAction>",
    b"<Permissions><Permission><Action>Deny</Action><Code>X</Code></Permission></Permissions>",
    b"&Package=",
    b"\xff",
];

const JSON: &[&[u8]] = &[
    b"{",
    b"}",
    b"[",
    b"]",
    b",",
    b":",
    b"\"",
    b"\\u0000",
    b"null",
    b"true",
    b"-1",
    b"1e999",
    b"99999999999999999999",
    b"\"MemberID\":",
    b"\"GroupCode\":\"BOARD\"",
    b"\"ClientID\":40002",
    b"\"UserType\":\"Member\"",
    b"\"AddAsPrimary\":true",
    b"\"RemoveAsMember\":true",
    b"\"RepTitle\":null",
    b"{MemberID:",
    b"format=jsv",
    b"format=csv",
    b"?PageSize=-1",
    b"&PageNumber=0",
    b".xml",
    b".jsv",
    b"/Groups",
    b"\xff",
];

const SEED: &[&[u8]] = &[
    b"{",
    b"}",
    b"[",
    b"]",
    b",",
    b":",
    b"\"",
    b"null",
    b"true",
    b"0",
    b"-1",
    b"1e400",
    b"\"groups\":[1001]",
    b"\"groups\":[]",
    b"\"cons_id\":1",
    b"\"member_id\":5001",
    b"\"supervisor_ids\":[\"100\"]",
    b"\"permissions\":[\"MANAGE_USERS\"]",
    b"\"status\":\"Locked\"",
    b"\"role\":\"owner\"",
    b"\"default\":true",
    b"\"ip_filter\":[\"10.0.0.0/33\"]",
    b"\"code\":\"BOARD\"",
    b"\"type_id\":9",
    b"\"rep_title\":\"Delegate\"",
    b"\\u0000",
    b"\"org\":\"a b\"",
    b"\xff",
];

/// Budget per target: `MEMBERMOCK_FUZZ_MS`, default 1.5 s.
fn budget_ms() -> u64 {
    std::env::var("MEMBERMOCK_FUZZ_MS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1500)
}

/// Run `property` on mutated corpus inputs for the budget (or on the one case
/// `MEMBERMOCK_FUZZ_SEED` names).
fn fuzz(mut property: impl FnMut(&mut Unstructured<'_>) -> arbitrary::Result<()>) {
    let mut cases = 0u64;
    let started = std::time::Instant::now();
    let counted = |u: &mut Unstructured<'_>| {
        cases += 1;
        property(u)
    };
    let test = arbtest::arbtest(counted).size_max(16 * 1024);
    match std::env::var("MEMBERMOCK_FUZZ_SEED") {
        Ok(seed) => {
            let seed = u64::from_str_radix(seed.trim_start_matches("0x"), 16)
                .expect("MEMBERMOCK_FUZZ_SEED is arbtest's hex seed");
            test.seed(seed).run();
        }
        Err(_) => test.budget_ms(budget_ms()).run(),
    }
    eprintln!("{cases} cases in {:.1} s", started.elapsed().as_secs_f64());
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// Which vendor the router hands a path to, as `membermock::app` decides.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Vendor {
    Luminate,
    SmarterU,
    YourMembership,
}

fn claimed_by(path: &str) -> Option<Vendor> {
    if membermock::yourmembership::claims(path) {
        Some(Vendor::YourMembership)
    } else if membermock::smarteru::claims(path) {
        Some(Vendor::SmarterU)
    } else if membermock::luminate::claims(path) {
        Some(Vendor::Luminate)
    } else {
        None
    }
}

/// A mutated corpus request: body always, the request target sometimes (kept only while the
/// same vendor still claims it: the property is about that vendor's decoder).
fn mutated_request(
    u: &mut Unstructured<'_>,
    corpus: &[Vec<u8>],
    dictionary: &[&[u8]],
    session: &str,
) -> arbitrary::Result<Request<Body>> {
    let case = parse_case(u.choose(corpus)?);
    let body = mutate(u, &case.body, dictionary)?;
    let mut target = case.target.clone();
    if u.ratio(1, 4)? {
        let bytes = mutate(u, case.target.as_bytes(), dictionary)?;
        let candidate = String::from_utf8_lossy(&bytes).into_owned();
        let vendor = |t: &str| {
            t.parse::<axum::http::Uri>()
                .ok()
                .and_then(|uri| claimed_by(uri.path()))
        };
        if candidate.starts_with('/') && vendor(&candidate) == vendor(&case.target) {
            target = candidate;
        }
    }
    let verbs = ["GET", "POST", "PUT", "DELETE", "PATCH"];
    let method = if u.ratio(1, 10)? {
        u.choose(&verbs)?.to_string()
    } else {
        case.method
    };
    let mut req = Request::builder().method(method.as_str()).uri(target);
    for (name, value) in &case.headers {
        let value = value.replace("{SESSION}", session);
        if name.eq_ignore_ascii_case("content-type") && u.ratio(1, 8)? {
            let types = [
                "application/json",
                "text/xml",
                "text/jsv",
                "application/x-www-form-urlencoded",
                "multipart/form-data; boundary=XyZ",
                "text/plain",
            ];
            req = req.header("content-type", *u.choose(&types)?);
            continue;
        }
        req = req.header(name.as_str(), value);
    }
    Ok(req.body(Body::from(body)).unwrap())
}

fn text(r: &Resp) -> String {
    String::from_utf8_lossy(&r.body).into_owned()
}

#[test]
fn luminate_parameters_never_panic_and_always_answer_in_luminate_form() {
    let rt = runtime();
    let (app, _) = rt.block_on(common::demo());
    let inputs = corpus("luminate");
    fuzz(|u| {
        let req = mutated_request(u, &inputs, FORM, "")?;
        let r = rt.block_on(send_over(&app, req, Scheme::Http));
        let body = text(&r);
        assert!(r.status.as_u16() < 500, "{}: {body}", r.status);
        assert!(
            body.contains("Response") || r.status.is_redirection(),
            "not a Luminate answer ({}): {body}",
            r.status
        );
        Ok(())
    });
}

#[test]
fn smarteru_packages_never_panic_and_always_answer_in_the_smarteru_envelope() {
    let rt = runtime();
    let (app, _) = rt.block_on(common::demo());
    let inputs = corpus("smarteru");
    fuzz(|u| {
        let req = mutated_request(u, &inputs, PACKAGE, "")?;
        let scheme = if u.ratio(9, 10)? {
            Scheme::Https
        } else {
            Scheme::Http
        };
        let r = rt.block_on(send_over(&app, req, scheme));
        let body = text(&r);
        assert_eq!(r.status.as_u16(), 200, "{body}");
        assert!(
            body.contains("<Result>Failed</Result>") || body.contains("<Result>Success</Result>"),
            "not a SmarterU envelope: {body}"
        );
        Ok(())
    });
}

async fn ym_session(app: &Router) -> String {
    let r = common::send(
        app,
        common::post_json(
            "/Ams/Authenticate",
            &serde_json::json!({"ClientID": 40001, "UserType": "Admin",
                "Username": "demo-ym-api-key", "Password": "demo-ym-api-password"}),
        ),
    )
    .await;
    r.json()["SessionId"].as_str().unwrap().to_string()
}

#[test]
fn yourmembership_bindings_never_panic_and_errors_carry_a_response_status() {
    let rt = runtime();
    let (app, _) = rt.block_on(common::demo());
    let session = rt.block_on(ym_session(&app));
    let inputs = corpus("yourmembership");
    fuzz(|u| {
        let req = mutated_request(u, &inputs, JSON, &session)?;
        let r = rt.block_on(send_over(&app, req, Scheme::Http));
        let body = text(&r);
        assert!(r.status.as_u16() < 500, "{}: {body}", r.status);
        assert!(!body.is_empty(), "an empty {} answer", r.status);
        if r.status.is_client_error() {
            assert!(
                body.contains("ResponseStatus") || body.contains("ErrorCode"),
                "not a ServiceStack error ({}): {body}",
                r.status
            );
        }
        Ok(())
    });
}

#[test]
fn seed_documents_never_panic_and_answer_ok_or_a_json_error() {
    let rt = runtime();
    let (app, _) = rt.block_on(common::demo());
    let inputs = corpus("seed");
    fuzz(|u| {
        let original = u.choose(&inputs)?;
        let doc = mutate(u, original, SEED)?;
        // The loader itself, as `--seed` files reach it, then through the control plane.
        let _ = membermock::seed::SeedDoc::parse(&doc);
        let req = Request::post("/_mock/seed")
            .header("content-type", "application/json")
            .body(Body::from(doc))
            .unwrap();
        let r = rt.block_on(send_over(&app, req, Scheme::Http));
        let json: serde_json::Value = serde_json::from_slice(&r.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", text(&r)));
        match r.status.as_u16() {
            200 => assert_eq!(json["status"], "ok"),
            400 => assert!(json["error"].is_string(), "{json}"),
            other => panic!("{other}: {json}"),
        }
        Ok(())
    });
}
