//! Every method on every servlet with every verb, against the row of its own page
//! (`open.convio.com/api/apidoc/reference/methods/<method>_method.html`: "Client Servlet |
//! Server Servlet | HTTP Methods Supported | Requires Authentication").
//!
//! The expected rows are written out here, from the pages, independently of the mock's table:
//! one test per row, so a wrong verb, servlet or authentication in the mock fails the row that
//! names it.

use axum::http::Method;

use super::*;

/// A method's row as its page gives it.
struct Row {
    name: &'static str,
    client: Option<&'static str>,
    server: Option<&'static str>,
    /// "HTTP Methods Supported".
    get: bool,
    /// "Requires Authentication": `Yes`, `No` or `Server`.
    auth: &'static str,
}

const SERVLETS: [&str; 4] = ["CRConsAPI", "SRConsAPI", "CRGroupAPI", "SRGroupAPI"];
const VERBS: [Method; 4] = [Method::GET, Method::POST, Method::PUT, Method::DELETE];

/// The common parameters only (no credentials, no method parameters).
fn bare(verb: &Method, servlet: &str, name: &str) -> Request<Body> {
    let query = format!("method={name}&v=1.0&api_key={API_KEY}&response_format=json");
    let uri = format!("/demo/site/{servlet}");
    if *verb == Method::GET {
        Request::get(format!("{uri}?{query}"))
            .body(Body::empty())
            .unwrap()
    } else {
        Request::builder()
            .method(verb.clone())
            .uri(uri)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Body::from(query))
            .unwrap()
    }
}

async fn check(row: Row) {
    let (app, _) = common::demo().await;
    let allow = if row.get { "GET, POST" } else { "POST" };
    for servlet in SERVLETS {
        let served = row.client == Some(servlet) || row.server == Some(servlet);
        for verb in VERBS.iter() {
            let r = send(&app, bare(verb, servlet, row.name)).await;
            let what = format!("{} {verb} on {servlet}", row.name);
            let takes = *verb == Method::POST || (*verb == Method::GET && row.get);
            if served && takes {
                assert_ne!(r.status, 405, "{what}: {}", r.text());
                if r.status != 200 {
                    assert_ne!(error_code(&r), "6", "{what}");
                }
            } else if served {
                // A verb the page does not list: 405 with the page's verbs.
                assert_eq!(r.status, 405, "{what}: {}", r.text());
                assert_eq!(error_code(&r), "405", "{what}");
                assert_eq!(r.header("allow"), Some(allow), "{what}");
            } else if *verb == Method::POST {
                // Not a method of this servlet: code 6.
                assert_eq!(error_code(&r), "6", "{what}: {}", r.text());
            } else {
                // **[choice]** A method the servlet does not serve takes only POST.
                assert_eq!(r.status, 405, "{what}");
                assert_eq!(r.header("allow"), Some("POST"), "{what}");
            }
        }
    }
    // The authentication column, by a POST with no credentials at all.
    if let Some(servlet) = row.server {
        let r = send(&app, bare(&Method::POST, servlet, row.name)).await;
        assert_eq!(
            error_code(&r),
            "3",
            "{} on {servlet}: {}",
            row.name,
            r.text()
        );
    }
    if let Some(servlet) = row.client {
        let r = send(&app, bare(&Method::POST, servlet, row.name)).await;
        let code = if r.status == 200 {
            "none".to_string()
        } else {
            error_code(&r)
        };
        match row.auth {
            "Yes" => assert_eq!(code, "5", "{} on {servlet} needs an auth token", row.name),
            _ => assert_ne!(code, "5", "{} on {servlet} needs no auth token", row.name),
        }
    }
}

macro_rules! rows {
    ($($test:ident: $name:literal, $client:expr, $server:expr, $verbs:literal, $auth:literal;)*) => {
        $(
            #[tokio::test]
            async fn $test() {
                check(Row {
                    name: $name,
                    client: $client,
                    server: $server,
                    get: $verbs == "GET, POST",
                    auth: $auth,
                })
                .await;
            }
        )*
    };
}

const CR_: Option<&str> = Some("CRConsAPI");
const SR_: Option<&str> = Some("SRConsAPI");
const CRG_: Option<&str> = Some("CRGroupAPI");
const SRG_: Option<&str> = Some("SRGroupAPI");

rows! {
    login_row: "login", CR_, SR_, "POST", "Server";
    get_login_url_row: "getLoginUrl", CR_, None, "GET, POST", "No";
    // "2020 Update: This method no longer supports HTTP GET requests."
    login_test_row: "loginTest", CR_, None, "POST", "No";
    logout_row: "logout", CR_, None, "GET, POST", "No";
    get_single_sign_on_token_row: "getSingleSignOnToken", None, SR_, "POST", "Yes";
    get_user_row: "getUser", CR_, SR_, "POST", "Yes";
    get_user_groups_row: "getUserGroups", CR_, SR_, "POST", "Yes";
    update_row: "update", CR_, SR_, "POST", "Yes";
    create_or_update_row: "createOrUpdate", CR_, SR_, "POST", "Yes";
    create_row: "create", CR_, SR_, "POST", "Server";
    // [choice]: isEmailValid's page is not public; served like listUserFields.
    is_email_valid_row: "isEmailValid", CR_, SR_, "GET, POST", "Server";
    list_user_fields_row: "listUserFields", CR_, SR_, "GET, POST", "Server";
    get_user_transactions_row: "getUserTransactions", CR_, SR_, "GET, POST", "Yes";
    get_group_members_row: "getGroupMembers", CR_, SR_, "POST", "Yes";
    get_group_info_row: "getGroupInfo", CRG_, SRG_, "GET, POST", "Yes";
    list_groups_row: "listGroups", CRG_, SRG_, "GET, POST", "Yes";
}

#[tokio::test]
async fn a_method_no_servlet_serves_is_code_6_everywhere() {
    let (app, _) = common::demo().await;
    for servlet in SERVLETS {
        let r = send(&app, bare(&Method::POST, servlet, "getUserInterests")).await;
        assert_eq!(error_code(&r), "6", "{servlet}");
    }
}
