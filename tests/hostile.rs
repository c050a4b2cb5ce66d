//! Random hostile requests against all three vendors: whatever arrives, the answer is the
//! vendor's own error shape — never a 5xx, never an empty body. Seeded, so a failure repeats.

mod common;

use axum::body::Body;
use axum::http::Request;
use common::{demo, send, send_over};
use membermock::vendor::Scheme;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const CONTENT_TYPES: &[Option<&str>] = &[
    None,
    Some("application/x-www-form-urlencoded"),
    Some("application/x-www-form-urlencoded; charset=UTF-8"),
    Some("multipart/form-data; boundary=XyZ"),
    Some("multipart/form-data"),
    Some("application/json"),
    Some("text/xml"),
    Some("text/jsv"),
    Some("application/octet-stream"),
];

/// Bytes that hit parsers where they are weakest: form and XML syntax, JSON, escapes, NULs,
/// invalid UTF-8, SQL.
const PIECES: &[&[u8]] = &[
    b"method=getUserGroups",
    b"&v=1.0",
    b"&api_key=demo-api-key",
    b"&cons_id=",
    b"' OR 1=1 --",
    b"Package=",
    b"<SmarterU>",
    b"</SmarterU>",
    b"<!DOCTYPE x [<!ENTITY a \"aaaa\">]>",
    b"&a;",
    b"<![CDATA[",
    b"]]>",
    b"{\"ClientID\":",
    b"40001",
    b"\"UserType\":\"Admin\"",
    b"[[[[[[[[",
    b"}}}}",
    b"%FF%FE",
    b"%",
    b"\xff\xfe\x00",
    b"--XyZ\r\nContent-Disposition: form-data; name=\"Package\"\r\n\r\n",
    b"\r\n--XyZ--\r\n",
    b"+",
    b"=",
];

fn random_body(rng: &mut StdRng) -> Vec<u8> {
    let mut body = Vec::new();
    for _ in 0..rng.gen_range(0..24) {
        if rng.gen_bool(0.8) {
            body.extend_from_slice(PIECES[rng.gen_range(0..PIECES.len())]);
        } else {
            let n = rng.gen_range(1..16);
            body.extend((0..n).map(|_| rng.gen::<u8>()));
        }
    }
    body
}

fn random_query(rng: &mut StdRng) -> String {
    let options = [
        "",
        "?method=getUserGroups",
        "?format=jsv",
        "?format=xml&callback=x",
        "?v=1.0&method=login&response_format=json",
        "?PageSize=-1",
        "?PageSize=99999999999999999999",
        "?Status=Bogus",
        "?SearchTerm=%27%3B%20DROP%20TABLE%20ym_member%3B--",
        "?%ZZ=%",
        "?method=getUserGroups&method=getUser",
    ];
    options[rng.gen_range(0..options.len())].to_string()
}

fn request(rng: &mut StdRng, paths: &[&str]) -> Request<Body> {
    let verbs = ["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"];
    let path = paths[rng.gen_range(0..paths.len())];
    let mut builder = Request::builder()
        .method(verbs[rng.gen_range(0..verbs.len())])
        .uri(format!("{path}{}", random_query(rng)));
    if let Some(ct) = CONTENT_TYPES[rng.gen_range(0..CONTENT_TYPES.len())] {
        builder = builder.header("content-type", ct);
    }
    if rng.gen_bool(0.3) {
        builder = builder.header("x-ss-id", "not-a-session");
    }
    builder.body(Body::from(random_body(rng))).unwrap()
}

#[tokio::test]
async fn random_luminate_requests_get_an_error_response_never_a_5xx() {
    let (app, _) = demo().await;
    let mut rng = StdRng::seed_from_u64(3);
    let paths = [
        "/demo/site/SRConsAPI",
        "/demo/site/CRConsAPI;jsessionid=X",
        "/site/SRGroupAPI",
        "/nope/site/CRGroupAPI",
        "/demo/site/Unknown",
    ];
    let mut codes = std::collections::BTreeSet::new();
    for i in 0..400 {
        let r = send(&app, request(&mut rng, &paths)).await;
        let text = String::from_utf8_lossy(&r.body).into_owned();
        assert!(r.status.as_u16() < 500, "#{i}: {} {text}", r.status);
        assert!(
            text.contains("Response") || r.status.is_redirection(),
            "#{i}: not a Luminate answer: {text}"
        );
        codes.insert(between(&text, "<code>", "</code>"));
    }
    // The random requests reach past the first checks, not just the verb test.
    assert!(codes.len() >= 4, "only {codes:?}");
}

fn between(text: &str, open: &str, close: &str) -> String {
    text.split_once(open)
        .and_then(|(_, rest)| rest.split_once(close))
        .map(|(v, _)| v.to_string())
        .unwrap_or_default()
}

/// A well-formed form post whose `Package` is a random mix of package pieces.
fn package_request(rng: &mut StdRng) -> Request<Body> {
    const XML: &[&str] = &[
        "<?xml version=\"1.0\"?>",
        "<SmarterU>",
        "</SmarterU>",
        "<AccountAPI>demo-account-key</AccountAPI>",
        "<UserAPI>admin-user-key</UserAPI>",
        "<UserAPI>' OR 1=1 --</UserAPI>",
        "<Method>getUserGroups</Method>",
        "<Method>updateGroup</Method>",
        "<Parameters>",
        "</Parameters>",
        "<User><Email>learner.one@example.com</Email></User>",
        "<User><ID>106</ID><EmployeeID>E-1</EmployeeID></User>",
        "<Group><Identifier><Name>Retail</Name></Identifier><Users><User><Email>x</Email>",
        "<UserAction>Add</UserAction></User></Users></Group>",
        "<!DOCTYPE x [<!ENTITY a \"aaaa\">]>",
        "&a;",
        "<![CDATA[<]]>",
        "<Unknown/>",
        "<",
    ];
    let mut package = String::new();
    for _ in 0..rng.gen_range(1..12) {
        package.push_str(XML[rng.gen_range(0..XML.len())]);
    }
    Request::post("/apiv2/")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::from(common::form(&[("Package", &package)])))
        .unwrap()
}

#[tokio::test]
async fn random_smarteru_requests_get_a_failed_envelope_in_http_200() {
    let (app, _) = demo().await;
    let mut rng = StdRng::seed_from_u64(4);
    let paths = ["/apiv2/", "/apiv2", "/apiv2/anything"];
    let mut codes = std::collections::BTreeSet::new();
    for i in 0..400 {
        let scheme = if rng.gen_bool(0.5) {
            Scheme::Https
        } else {
            Scheme::Http
        };
        let req = if rng.gen_bool(0.7) {
            package_request(&mut rng)
        } else {
            request(&mut rng, &paths)
        };
        let r = send_over(&app, req, scheme).await;
        let text = String::from_utf8_lossy(&r.body).into_owned();
        assert_eq!(r.status.as_u16(), 200, "#{i}: {text}");
        assert!(
            text.contains("<Result>Failed</Result>") || text.contains("<Result>Success</Result>"),
            "#{i}: not a SmarterU envelope: {text}"
        );
        codes.insert(between(&text, "<ErrorID>", "</ErrorID>"));
    }
    assert!(codes.len() >= 4, "only {codes:?}");
}

#[tokio::test]
async fn random_yourmembership_requests_get_a_response_status_never_a_5xx() {
    let (app, _) = demo().await;
    let mut rng = StdRng::seed_from_u64(5);
    let paths = [
        "/Ams/Authenticate",
        "/ams/authenticate.json",
        "/Ams/40001/Member/5001/Groups",
        "/Ams/40001/Member/abc/Groups.jsv",
        "/Ams/40001/MemberGroups",
        "/Ams/40001/GroupTypes.xml",
        "/Ams/40001/PeopleGroups",
        "/Ams/nope",
    ];
    let mut statuses = std::collections::BTreeSet::new();
    for i in 0..400 {
        let r = send(&app, request(&mut rng, &paths)).await;
        let text = String::from_utf8_lossy(&r.body).into_owned();
        assert!(r.status.as_u16() < 500, "#{i}: {} {text}", r.status);
        assert!(!text.is_empty(), "#{i}: empty answer with {}", r.status);
        statuses.insert(r.status.as_u16());
    }
    assert!(statuses.len() >= 4, "only {statuses:?}");
}
