//! Real public clients of Luminate Online, replayed byte for byte as they build their requests
//! (verb, path suffix, content type, parameter order), against the demo seed.

use super::*;

/// jQuery's `$.ajax` GET: the data string appended to the URL after `?`.
fn get_with(uri: &str, data: &str) -> Request<Body> {
    Request::get(format!("{uri}?{data}"))
        .body(Body::empty())
        .unwrap()
}

/// A POST with the client's own body string and content type (`None`: no header at all).
fn post_raw(uri: &str, content_type: Option<&str>, body: &str) -> Request<Body> {
    let mut req = Request::post(uri);
    if let Some(ct) = content_type {
        req = req.header("content-type", ct);
    }
    req.body(Body::from(body.to_string())).unwrap()
}

const JQ_FORM: &str = "application/x-www-form-urlencoded; charset=UTF-8";

/// A `getLoginUrlResponse` against its golden file, token, session and the URL's nonce
/// redacted.
fn expect_login_url(r: &Resp, golden: &str) {
    let url = field(r, "getLoginUrlResponse", "url");
    let nonce = url.rsplit_once("NONCE_TOKEN=").unwrap().1.to_string();
    let mut secrets = volatile(r, &["token", "JSESSIONID"]);
    secrets.push(("NONCE_TOKEN", nonce));
    let pairs: Vec<(&str, &str)> = secrets.iter().map(|(n, v)| (*n, v.as_str())).collect();
    expect_redacted(r, 200, golden, &pairs);
}

/// luminateExtend 1.8 `getAuth`: `getLoginUrl` as a GET, no `suppress_response_codes`; the
/// client keeps `token`, `routing_id` (as `;jsessionid=` suffix) and `JSESSIONID`.
async fn luminate_extend_get_auth(app: &Router, nonce: Option<&str>) -> (String, String, Resp) {
    let nonce = nonce
        .map(|n| format!("&NONCE_TOKEN={n}"))
        .unwrap_or_default();
    let data = format!(
        "luminateExtend=1.8.2{nonce}&api_key={API_KEY}&method=getLoginUrl&response_format=json&v=1.0"
    );
    let r = send(app, get_with(CR, &data)).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let token = field(&r, "getLoginUrlResponse", "token");
    let jsession = field(&r, "getLoginUrlResponse", "JSESSIONID");
    assert_eq!(field(&r, "getLoginUrlResponse", "routing_id"), "membermock");
    (token, jsession, r)
}

/// luminateExtend 1.8 `sendRequest` (`doRequest` with CORS): always POST to
/// `<servlet>;jsessionid=<routing_id>`, `application/x-www-form-urlencoded; charset=UTF-8`,
/// `luminateExtend=<version>&<data>&api_key&response_format=json&suppress_response_codes=true
/// &v=1.0[&auth=<token>]&JSESSIONID=<id>&ts=<ms>`.
fn luminate_extend_request(
    servlet: &str,
    data: &str,
    auth: Option<&str>,
    jsession: &str,
) -> Request<Body> {
    let auth = auth.map(|t| format!("&auth={t}")).unwrap_or_default();
    let body = format!(
        "luminateExtend=1.8.2&{data}&api_key={API_KEY}&response_format=json\
         &suppress_response_codes=true&v=1.0{auth}&JSESSIONID={jsession}&ts=1767225600000"
    );
    post_raw(
        &format!("/demo/site/{servlet};jsessionid=membermock"),
        Some(JQ_FORM),
        &body,
    )
}

// convio/luminateExtend src/luminateExtend.js (1.8.2): `luminateExtend.api.getAuth` sends
// `getLoginUrl` with `$.ajax` and no `type`, i.e. GET with the data in the query string.
#[tokio::test]
async fn luminate_extend_get_auth_sends_get_login_url_as_a_get() {
    let (app, _) = common::demo().await;
    let (_, _, r) = luminate_extend_get_auth(&app, None).await;
    // The client reads the routing id from `url` when `routing_id` is missing: the text after
    // `CRConsAPI;jsessionid=`, before `?`.
    let url = field(&r, "getLoginUrlResponse", "url");
    let routing = url.split("CRConsAPI;jsessionid=").nth(1).unwrap();
    assert_eq!(routing.split('?').next(), Some("membermock"));
    expect_login_url(&r, "clients/luminate_extend_get_login_url.json");
}

// convio/luminateExtend src/luminateExtend.js (1.8.2): `sendRequest` for `login`, then
// `apiCallbackHandler` calls `getAuth({useCache: false, nonce: 'NONCE_TOKEN=' +
// loginResponse.nonce})` and uses the token it gets for `requiresAuth` calls (`getUser` is what
// its `luminate:cons` tags ask for; `getUserGroups` is read through `utils.ensureArray`).
#[tokio::test]
async fn luminate_extend_login_then_get_auth_with_the_nonce_reads_the_users_record() {
    let (app, _) = common::demo().await;
    let (_, anon_session, _) = luminate_extend_get_auth(&app, None).await;
    let r = send(
        &app,
        luminate_extend_request(
            "CRConsAPI",
            "method=login&user_name=ada&password=ada-pass",
            None,
            &anon_session,
        ),
    )
    .await;
    let login_token = field(&r, "loginResponse", "token");
    let nonce = field(&r, "loginResponse", "nonce");
    assert_eq!(field(&r, "loginResponse", "JSESSIONID"), anon_session);
    assert!(!login_token.is_empty());
    expect_volatile(
        &r,
        200,
        "clients/luminate_extend_login.json",
        &["timestamp", "signature", "token", "nonce", "JSESSIONID"],
    );

    let (token, jsession, _) = luminate_extend_get_auth(&app, Some(&nonce)).await;
    assert_eq!(
        jsession, anon_session,
        "the nonce names the session that logged in"
    );
    // `api: 'cons'` is expanded by the client to `CRConsAPI`.
    let r = send(
        &app,
        luminate_extend_request("CRConsAPI", "method=getUser", Some(&token), &jsession),
    )
    .await;
    expect(&r, 200, "clients/luminate_extend_get_user.json");
    let r = send(
        &app,
        luminate_extend_request("CRConsAPI", "method=getUserGroups", Some(&token), &jsession),
    )
    .await;
    // ada has one group: a bare object, which the client wraps with `ensureArray`.
    expect(&r, 200, "groups_one.json");

    // A nonce works once.
    let (_, again, _) = luminate_extend_get_auth(&app, Some(&nonce)).await;
    assert_ne!(again, anon_session);
}

// convio/luminateExtend src/luminateExtend.js (1.8.2): errors come back with
// `suppress_response_codes=true`, so HTTP 200 and `errorResponse.code`, which
// `apiCallbackHandler` uses to pick `callback.error`.
#[tokio::test]
async fn luminate_extend_reads_errors_as_http_200_error_responses() {
    let (app, _) = common::demo().await;
    let (token, jsession, _) = luminate_extend_get_auth(&app, None).await;
    let r = send(
        &app,
        luminate_extend_request("CRConsAPI", "method=getUser", Some(&token), &jsession),
    )
    .await;
    assert_eq!(r.status, 200);
    assert_eq!(error_code(&r), "3", "an anonymous session has no user");
    let r = send(
        &app,
        luminate_extend_request(
            "CRConsAPI",
            "method=login&user_name=ada&password=wrong",
            None,
            &jsession,
        ),
    )
    .await;
    expect(&r, 200, "error_202.json");
}

// convio/luminateExtend luminateExtend.js (1.3.1) and src/luminateExtend.js (1.6):
// `requestType` defaults to GET, the data string goes in the query, and `getAuth`'s session
// (`getLoginUrlResponse.url.split(';')[1]`) is appended to the servlet as `;jsessionid=...`.
// Against the method pages' verbs, only methods that list GET answer: `login` and
// `getUserGroups` (POST only) are refused with 405, `getGroupInfo` (GET, POST) answers; the
// browser's cookie jar carries the session.
#[tokio::test]
async fn luminate_extend_1_6_get_requests_work_only_for_methods_whose_page_lists_get() {
    let (app, _) = common::demo().await;
    let (_, _, r) = luminate_extend_get_auth(&app, None).await;
    let url = field(&r, "getLoginUrlResponse", "url");
    let session_suffix = url.split(';').nth(1).unwrap().to_string();
    assert!(session_suffix.starts_with("jsessionid=membermock?NONCE_TOKEN="));
    let login = format!(
        "luminateExtend=1.6&method=login&user_name=groups&password=groups-pass\
         &api_key={API_KEY}&response_format=json&suppress_response_codes=true&v=1.0\
         &ts=1767225600000"
    );
    let r = send(&app, get_with(&format!("{CR};{session_suffix}"), &login)).await;
    assert_eq!((r.status.as_u16(), error_code(&r)), (200, "405".into()));
    // Logged in the way the login page allows (POST), the cookie jar holds the session.
    let r = post(
        &app,
        CR,
        &client(
            "login",
            &[
                ("user_name", "groups"),
                ("password", "groups-pass"),
                ("response_format", "json"),
            ],
        ),
    )
    .await;
    let token = field(&r, "loginResponse", "token");
    let cookie = r
        .header("set-cookie")
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let get_in_session = |servlet: &str, data: &str| {
        let mut req = get_with(&format!("{servlet};{session_suffix}"), data);
        req.headers_mut().insert("cookie", cookie.parse().unwrap());
        req
    };
    let data = format!(
        "luminateExtend=1.6&method=getGroupInfo&group_id=1003&api_key={API_KEY}\
         &response_format=json&suppress_response_codes=true&v=1.0&auth={token}&ts=1767225600001"
    );
    expect(
        &send(&app, get_in_session(CRG, &data)).await,
        200,
        "group_info.json",
    );
    let data = format!(
        "luminateExtend=1.6&method=getUserGroups&api_key={API_KEY}&response_format=json\
         &suppress_response_codes=true&v=1.0&auth={token}&ts=1767225600002"
    );
    let r = send(&app, get_in_session(CR, &data)).await;
    assert_eq!((r.status.as_u16(), error_code(&r)), (200, "405".into()));
    let r = send(
        &app,
        Request::put(format!("{CR}?method=getLoginUrl&v=1.0&api_key={API_KEY}"))
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, 405);
    assert_eq!(r.header("allow"), Some("GET, POST"));
}

/// angular-luminate-utils `$luminateRest.request`: always POST, `v=1.0&response_format=json
/// &suppress_response_codes=true&<data>&api_key=<key>[&auth=<token>][&JSESSIONID=<id>]
/// &ng_luminate_utils=<version>&ts=<ms>`, the servlet suffixed `;jsessionid=<routing_id>` once
/// known.
fn angular_request(
    data: &str,
    routing: Option<&str>,
    auth: Option<&str>,
    jsession: Option<&str>,
) -> Request<Body> {
    let mut body =
        format!("v=1.0&response_format=json&suppress_response_codes=true&{data}&api_key={API_KEY}");
    if let Some(t) = auth {
        body.push_str(&format!("&auth={t}"));
    }
    if let Some(j) = jsession {
        body.push_str(&format!("&JSESSIONID={j}"));
    }
    body.push_str("&ng_luminate_utils=1.7.0&ts=1767225600000");
    let uri = match routing {
        Some(r) => format!("{CR};jsessionid={r}"),
        None => CR.to_string(),
    };
    post_raw(&uri, Some(JQ_FORM), &body)
}

// convio/angular-luminate-utils src/coffee/service/luminate-rest.coffee: `getAuthToken` posts
// `method=getLoginUrl`, keeps `routing_id`, `JSESSIONID`, `token`; after `login` it calls
// `getAuthToken(true)` again with the JSESSIONID of its first session and uses the new token.
#[tokio::test]
async fn angular_luminate_utils_login_then_new_auth_token_reads_the_users_groups() {
    let (app, _) = common::demo().await;
    let r = send(
        &app,
        angular_request("method=getLoginUrl", None, None, None),
    )
    .await;
    let token = field(&r, "getLoginUrlResponse", "token");
    let routing = field(&r, "getLoginUrlResponse", "routing_id");
    let jsession = field(&r, "getLoginUrlResponse", "JSESSIONID");
    expect_login_url(&r, "clients/luminate_extend_get_login_url.json");
    let r = send(
        &app,
        angular_request(
            "method=login&user_name=grace&password=grace-pass",
            Some(&routing),
            Some(&token),
            Some(&jsession),
        ),
    )
    .await;
    assert_eq!(field(&r, "loginResponse", "cons_id"), "1000002");
    let r = send(
        &app,
        angular_request("method=getLoginUrl", Some(&routing), None, Some(&jsession)),
    )
    .await;
    let token = field(&r, "getLoginUrlResponse", "token");
    assert_eq!(field(&r, "getLoginUrlResponse", "JSESSIONID"), jsession);
    let r = send(
        &app,
        angular_request(
            "method=getUserGroups",
            Some(&routing),
            Some(&token),
            Some(&jsession),
        ),
    )
    .await;
    expect(&r, 200, "groups_several.json");

    // logout ends the servlet session: the next getAuthToken(true) is anonymous again.
    let r = send(
        &app,
        angular_request(
            "method=logout",
            Some(&routing),
            Some(&token),
            Some(&jsession),
        ),
    )
    .await;
    expect(&r, 200, "logout.json");
    let r = send(
        &app,
        angular_request("method=getLoginUrl", Some(&routing), None, Some(&jsession)),
    )
    .await;
    let fresh = field(&r, "getLoginUrlResponse", "JSESSIONID");
    let token = field(&r, "getLoginUrlResponse", "token");
    assert_ne!(fresh, jsession);
    let r = send(
        &app,
        angular_request(
            "method=getUserGroups",
            Some(&routing),
            Some(&token),
            Some(&fresh),
        ),
    )
    .await;
    assert_eq!((r.status.as_u16(), error_code(&r)), (200, "3".to_string()));
}

/// Convio's PHP library (`ConvioOpenAPI::__getPostData`): `http_build_query` of v, api_key,
/// response_format, login_name, login_password, method, then `&` and the method's parameters
/// (an empty list leaves a trailing `&`). cURL sends it urlencoded; the fopen fallback sends
/// no content type.
fn php_body(method: &str, params: &str) -> String {
    format!(
        "v=1.0&api_key={API_KEY}&response_format=json&login_name=apiadmin\
         &login_password=admin-pass&method={method}&{params}"
    )
}

const CURL_FORM: &str = "application/x-www-form-urlencoded";

// ConvioOpenAPI.php (Convio Open API Library 0.1, Nick Bartkowiak), `call('SRConsAPI_getUserGroups',
// ['primary_email' => ...])` over cURL.
#[tokio::test]
async fn php_client_get_user_groups_by_primary_email() {
    let (app, _) = common::demo().await;
    let body = php_body("getUserGroups", "primary_email=grace%40example.org");
    let r = send(&app, post_raw(SR, Some(CURL_FORM), &body)).await;
    expect(&r, 200, "groups_several.json");
    // The fopen fallback: same body, no Content-Type header.
    let r = send(&app, post_raw(SR, None, &body)).await;
    expect(&r, 200, "groups_several.json");
}

// A WordPress plugin on ConvioOpenAPI (`add_to_group`: `call('SRConsAPI_createOrUpdate',
// ['add_group_ids' => $group_id, 'primary_email' => $email])`), then the groups read back.
#[tokio::test]
async fn php_client_create_or_update_adds_a_group_by_primary_email() {
    let (app, _) = common::demo().await;
    let body = php_body(
        "createOrUpdate",
        "add_group_ids=1002&primary_email=ada%40example.org",
    );
    let r = send(&app, post_raw(SR, Some(CURL_FORM), &body)).await;
    expect(&r, 200, "clients/php_create_or_update_add_group.json");
    let body = php_body("getUserGroups", "cons_id=1000001");
    let r = send(&app, post_raw(SR, Some(CURL_FORM), &body)).await;
    expect(&r, 200, "clients/php_groups_after_add.json");
}

// ConvioOpenAPI.php: `call('SRConsAPI_getSingleSignOnToken', ['cons_id' => ...])`, and with no
// parameters at all (a WordPress plugin's credential check), which leaves a trailing `&`.
#[tokio::test]
async fn php_client_get_single_sign_on_token() {
    let (app, _) = common::demo().await;
    let body = php_body("getSingleSignOnToken", "cons_id=1000001");
    let r = send(&app, post_raw(SR, Some(CURL_FORM), &body)).await;
    expect_volatile(&r, 200, "sso.json", &["token", "nonce", "JSESSIONID"]);
    let body = php_body("getSingleSignOnToken", "");
    assert!(body.ends_with('&'));
    let r = send(&app, post_raw(SR, Some(CURL_FORM), &body)).await;
    expect(&r, 403, "error_1.json");
}

// A Ruby gem (`Luminate::Base.send_request`, lib/luminate/base.rb): `Net::HTTP::Post` with
// `set_form_data(params.merge(response_format, v, api_key, login_name, login_password))`, the
// method's parameters first; `Luminate::Constituent.get_user(cons_id: ...)`.
#[tokio::test]
async fn ruby_gem_constituent_get_user() {
    let (app, _) = common::demo().await;
    let body = format!(
        "cons_id=1000002&method=getUser&response_format=json&v=1.0&api_key={API_KEY}\
         &login_name=apiadmin&login_password=admin-pass"
    );
    let r = send(&app, post_raw(SR, Some(CURL_FORM), &body)).await;
    expect(&r, 200, "user.json");
}
