//! Requests exactly as public YourMembership clients build them: same path casing, headers,
//! body bytes and parameter order, replayed against the demo seed. Each test cites the
//! repository and file the request shape comes from, and asserts what that client reads from
//! the answer.
//!
//! The request shapes were read, not copied: each body below is what the client's own
//! serializer emits for the demo credentials (`json.dumps` puts `", "` and `": "` between
//! items, PHP's `json_encode` and JavaScript's `JSON.stringify` nothing, Dart's `http` package
//! adds `; charset=utf-8` to a body's content type).

use super::*;

/// One request with exactly these headers (in this order) and this body.
fn raw(method: &str, uri: &str, headers: &[(&str, &str)], body: &str) -> Request<Body> {
    let mut b = Request::builder().method(method).uri(uri);
    for (name, value) in headers {
        b = b.header(*name, *value);
    }
    b.body(Body::from(body.to_string())).unwrap()
}

/// The `SessionId` of a successful login, as every client reads it.
fn session_of(r: &Resp) -> String {
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let id = r.json()["SessionId"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert_eq!(id.len(), 20, "{}", r.text());
    id
}

/// A login answer with its random session id masked, against a golden file.
fn check_login(r: &Resp, golden: &str) {
    let session = session_of(r);
    let masked = Resp {
        body: r.text().replace(&session, "{SessionId}").into(),
        ..r.clone()
    };
    check(
        &masked,
        StatusCode::OK,
        JSON,
        Some("auth-response.schema.json"),
        golden,
    );
}

/// What `json.dumps` makes of the OWASP client's login dictionary (insertion order, `", "` and
/// `": "` separators, `ClientID` a string from the environment).
const OWASP_LOGIN_BODY: &str = r#"{"ClientID": "40001", "UserType": "Admin", "Username": "demo-ym-api-key", "Password": "demo-ym-api-password"}"#;

/// `GetHeaders()` of the OWASP client: both JSON headers on every call, the session once known.
fn owasp_headers(session: Option<&str>) -> Vec<(&str, &str)> {
    let mut h = vec![
        ("Accept", "application/json"),
        ("Content-Type", "application/json"),
        ("User-Agent", "python-requests/2.31.0"),
        ("Accept-Encoding", "gzip, deflate"),
        ("Connection", "keep-alive"),
    ];
    if let Some(s) = session {
        h.push(("x-ss-id", s));
    }
    h
}

async fn owasp_login(app: &Router) -> Resp {
    let mut headers = owasp_headers(None);
    let len = OWASP_LOGIN_BODY.len().to_string();
    headers.push(("Content-Length", &len));
    send(
        app,
        raw("POST", "/Ams/Authenticate", &headers, OWASP_LOGIN_BODY),
    )
    .await
}

// OWASP-Foundation/owaspadmin-azurefunctions, SharedCode/owaspym.py: `Login()` posts
// `json.dumps(data)` with `ClientID` taken as a string from `YM_CLIENTID`, then keeps
// `content['SessionId']` when `r.ok`.
#[tokio::test]
async fn owasp_ym_login_with_a_string_client_id_opens_an_admin_session() {
    let (app, _) = app().await;
    let r = owasp_login(&app).await;
    check_login(&r, "authenticate_admin.json");
}

// OWASP-Foundation/owaspadmin-azurefunctions, SharedCode/owaspym.py: `GetGroups()` is a GET
// with `Content-Type: application/json`, no body and `x-ss-id`; it `json.loads` the body when
// `r.ok`.
#[tokio::test]
async fn owasp_ym_get_groups_sends_a_json_content_type_on_a_bodiless_get() {
    let (app, _) = app().await;
    let session = session_of(&owasp_login(&app).await);
    let r = send(
        &app,
        raw(
            "GET",
            "/Ams/40001/Groups",
            &owasp_headers(Some(&session)),
            "",
        ),
    )
    .await;
    check(
        &r,
        StatusCode::OK,
        JSON,
        Some("groups-response.schema.json"),
        "groups.json",
    );
}

// OWASP-Foundation/owaspadmin-azurefunctions, SharedCode/owaspym.py: `GetGroupTypes()`, the
// same request shape on `/Ams/:ClientID/GroupTypes`.
#[tokio::test]
async fn owasp_ym_get_group_types_reads_the_group_type_list() {
    let (app, _) = app().await;
    let session = session_of(&owasp_login(&app).await);
    let r = send(
        &app,
        raw(
            "GET",
            "/Ams/40001/GroupTypes",
            &owasp_headers(Some(&session)),
            "",
        ),
    )
    .await;
    check(
        &r,
        StatusCode::OK,
        JSON,
        Some("group-types-response.schema.json"),
        "group_types.json",
    );
}

/// `CreateSession()` of the MemberJunction connector: `JSON.stringify` of an object literal
/// with `provider`, `UserName` (capital N) and `ClientID: Number(config.ClientID)`.
const MJ_LOGIN_BODY: &str = r#"{"provider":"credentials","UserName":"demo-ym-api-key","Password":"demo-ym-api-password","UserType":"Admin","ClientID":40001}"#;

/// The headers Node's `fetch` sends for the connector: its own two, then undici's defaults.
fn mj_headers<'a>(own: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut h = own.to_vec();
    h.extend([
        ("accept-language", "*"),
        ("sec-fetch-mode", "cors"),
        ("user-agent", "node"),
        ("accept-encoding", "gzip, deflate"),
    ]);
    h
}

async fn mj_login(app: &Router) -> Resp {
    let headers = mj_headers(&[
        ("Content-Type", "application/json"),
        ("Accept", "application/json"),
    ]);
    send(
        app,
        raw("POST", "/Ams/Authenticate", &headers, MJ_LOGIN_BODY),
    )
    .await
}

// MemberJunction/MJ, packages/Integration/connectors/src/YourMembershipConnector.ts:
// `CreateSession()` fails on `!response.ok`, then on a `ResponseStatus.ErrorCode` other than
// `None`, then on a missing `SessionId`.
#[tokio::test]
async fn memberjunction_connector_create_session_with_provider_and_user_name() {
    let (app, _) = app().await;
    let r = mj_login(&app).await;
    check_login(&r, "authenticate_admin.json");
    assert!(r.json()["ResponseStatus"].get("ErrorCode").is_none());
}

// MemberJunction/MJ, packages/Integration/connectors/src/YourMembershipConnector.ts:
// `FetchGroups()` → `MakeYMRequest(auth, 'Groups')`: a GET with `BuildHeaders()`
// (`X-SS-ID`, `Accept: application/json`), then `GroupTypeList[].{Id, TypeName, SortIndex,
// Groups[].{Id, Name}}` flattened into group records.
#[tokio::test]
async fn memberjunction_connector_fetch_groups_flattens_the_group_type_list() {
    let (app, _) = app().await;
    let session = session_of(&mj_login(&app).await);
    let headers = mj_headers(&[("X-SS-ID", &session), ("Accept", "application/json")]);
    let r = send(&app, raw("GET", "/Ams/40001/Groups", &headers, "")).await;
    check(
        &r,
        StatusCode::OK,
        JSON,
        Some("groups-response.schema.json"),
        "groups.json",
    );
    // What `FlattenGroupRecords` makes of it: every group with its type's name and id.
    let body = r.json();
    let flat: Vec<(i64, String, String, i64)> = body["GroupTypeList"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|t| {
            let (type_name, type_id) = (t["TypeName"].as_str().unwrap(), t["Id"].as_i64().unwrap());
            t["Groups"].as_array().unwrap().iter().map(move |g| {
                (
                    g["Id"].as_i64().unwrap(),
                    g["Name"].as_str().unwrap().to_string(),
                    type_name.to_string(),
                    type_id,
                )
            })
        })
        .collect();
    assert_eq!(flat.len(), 6);
    assert_eq!(
        flat[0],
        (10, "Board of Directors".into(), "Committees".into(), 1)
    );
    // `CheckResponseError` passes: no ErrorCode on success.
    assert!(body["ResponseStatus"].get("ErrorCode").is_none());
}

// MemberJunction/MJ, packages/Integration/connectors/src/YourMembershipConnector.ts:
// `MakeHTTPRequest` answers a 401 by re-authenticating and retrying, so an expired session
// must be a 401 (not a 200 with an error, nor a 403).
#[tokio::test]
async fn memberjunction_connector_sees_an_expired_session_as_a_401_and_logs_in_again() {
    let (app, state) = app().await;
    let session = session_of(&mj_login(&app).await);
    state.clock.advance(chrono::Duration::minutes(15));
    let headers = mj_headers(&[("X-SS-ID", &session), ("Accept", "application/json")]);
    let r = send(&app, raw("GET", "/Ams/40001/Groups", &headers, "")).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.text());
    let fresh = session_of(&mj_login(&app).await);
    let headers = mj_headers(&[("X-SS-ID", &fresh), ("Accept", "application/json")]);
    let r = send(&app, raw("GET", "/Ams/40001/Groups", &headers, "")).await;
    assert_eq!(r.status, StatusCode::OK);
}

/// FlutterFlow's `AuthenticateCall`: a JSON template with every value quoted (so `ClientID`
/// is a string), two-space indentation and newlines, `UserType` chosen by the app.
const FLUTTERFLOW_LOGIN_BODY: &str = "{\n  \"ClientID\": \"40001\",\n  \"UserType\": \"Member\",\n  \"Username\": \"ada\",\n  \"Password\": \"ada-pass\"\n}";

async fn flutterflow_login(app: &Router) -> Resp {
    send(
        app,
        raw(
            "POST",
            "/Ams/Authenticate",
            &[
                ("Accept", "application/json"),
                // Dart's `http` adds the charset when it encodes a string body.
                ("Content-Type", "application/json; charset=utf-8"),
                ("user-agent", "Dart/3.3 (dart:io)"),
                ("accept-encoding", "gzip"),
            ],
            FLUTTERFLOW_LOGIN_BODY,
        ),
    )
    .await
}

/// FlutterFlow's `GroupDataCall` headers: its JSON pair, the session, and the CORS response
/// headers the app (mistakenly) sends as request headers, in declaration order.
fn flutterflow_group_headers(session: &str) -> Vec<(&str, &str)> {
    vec![
        ("Accept", "application/json"),
        ("Content-Type", "application/json"),
        ("x-ss-id", session),
        ("Access-Control-Allow-Headers", "*"),
        ("Cache-Control", "no-cache"),
        (
            "Access-Control-Allow-Credentials",
            "true, // Required for cookies, authorization headers with HTTPS",
        ),
        ("Access-Control-Allow-Methods", "POST, GET, OPTIONS"),
        ("user-agent", "Dart/3.3 (dart:io)"),
    ]
}

// A FlutterFlow app's generated `lib/backend/api_requests/api_calls.dart` (`YourMembershipGroup`,
// `AuthenticateCall`; found by the code index, repository not named): a Member login whose
// answer is read with `$.MemberID` and `$.SessionId`.
#[tokio::test]
async fn flutterflow_app_member_login_with_a_quoted_client_id_and_an_indented_body() {
    let (app, _) = app().await;
    let r = flutterflow_login(&app).await;
    session_of(&r);
    assert_eq!(r.json()["MemberID"], 5001);
    assert_eq!(r.json()["FailedLoginReason"], "None");
}

// The same FlutterFlow `api_calls.dart`, `GroupDataCall`: GET
// `/Ams/{ClientID}/Member/$memberid/Groups` with every call parameter in the query string
// (`memberid`, `sessionid`, `Status`, `PageSize`, in that order, via `asQueryParams`), read
// with `$.GroupTypeList[:].Groups[:].Name`. The session in the query is ignored; the header
// carries it.
#[tokio::test]
async fn flutterflow_app_group_data_call_reads_the_members_own_joined_groups() {
    let (app, _) = app().await;
    let session = session_of(&flutterflow_login(&app).await);
    let uri = format!(
        "/Ams/40001/Member/5001/Groups?memberid=5001&sessionid={session}&Status=Joined&PageSize=50"
    );
    let r = send(
        &app,
        raw("GET", &uri, &flutterflow_group_headers(&session), ""),
    )
    .await;
    check(
        &r,
        StatusCode::OK,
        JSON,
        Some("member-groups-response.schema.json"),
        "clients/flutterflow_group_data_joined.json",
    );
    assert_eq!(
        group_names(&r),
        ["Board of Directors", "Finance Committee"],
        "`$.GroupTypeList[:].Groups[:].Name`"
    );
}

// The same FlutterFlow `GroupDataCall` when the app leaves `status` at its default `''` and
// passes no `pageSize`: Dart's `toString()` of null puts `PageSize=null` in the URL. An empty
// value is skipped by ServiceStack's query binding, but `null` does not parse as an `int`:
// the real service answers 400 `SerializationException`, and so must the mock.
#[tokio::test]
async fn flutterflow_app_group_data_call_without_a_page_size_sends_null_and_gets_a_400() {
    let (app, _) = app().await;
    let session = session_of(&flutterflow_login(&app).await);
    let uri = format!(
        "/Ams/40001/Member/5001/Groups?memberid=5001&sessionid={session}&Status=&PageSize=null"
    );
    let r = send(
        &app,
        raw("GET", &uri, &flutterflow_group_headers(&session), ""),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text());
    assert_eq!(error_code(&r), "SerializationException");
    assert_eq!(
        r.json()["ResponseStatus"]["Errors"][0]["FieldName"],
        "PageSize"
    );
    let uri = format!("/Ams/40001/Member/5001/Groups?memberid=5001&sessionid={session}&Status=");
    let r = send(
        &app,
        raw("GET", &uri, &flutterflow_group_headers(&session), ""),
    )
    .await;
    check(
        &r,
        StatusCode::OK,
        JSON,
        Some("member-groups-response.schema.json"),
        "member_groups_ada.json",
    );
}

/// The Drupal `ymapi` module's login: `json_encode($payload)` of a PHP array whose `ClientID`
/// is the configured account id (a string).
const DRUPAL_LOGIN_BODY: &str = r#"{"ClientID":"40001","Username":"demo-ym-api-key","Password":"demo-ym-api-password","UserType":"Admin"}"#;

// A Drupal module `ymapi`, src/Plugin/ApiTools/Client.php (found by the code index, repository
// not named): `ensureAccessToken()` posts with `Authorization: Bearer Token`, `Accept: */*`,
// gzip/br and keep-alive headers, and keeps the session only when `SessionId` is non-empty
// AND `FailedLoginReason === 'None'`.
#[tokio::test]
async fn drupal_ymapi_login_with_a_stray_bearer_header_and_accept_anything() {
    let (app, _) = app().await;
    let r = send(
        &app,
        raw(
            "POST",
            "/Ams/Authenticate",
            &[
                ("User-Agent", "GuzzleHttp/7"),
                ("Authorization", "Bearer Token"),
                ("Content-Type", "application/json"),
                ("Accept", "*/*"),
                ("Accept-Encoding", "gzip, deflate, br"),
                ("Connection", "keep-alive"),
            ],
            DRUPAL_LOGIN_BODY,
        ),
    )
    .await;
    check_login(&r, "authenticate_admin.json");
    assert_eq!(r.json()["FailedLoginReason"], "None");
}

// The same Drupal `ymapi` Client.php: `get()` → `auth()` sets only `x-ss-id`, `request()` adds
// `Accept: */*` and `Connection: keep-alive`; `postRequest()` JSON-decodes the body.
#[tokio::test]
async fn drupal_ymapi_get_with_accept_anything_gets_json() {
    let (app, _) = app().await;
    let session = admin(&app).await;
    let r = send(
        &app,
        raw(
            "GET",
            "/Ams/40001/Groups",
            &[
                ("User-Agent", "GuzzleHttp/7"),
                ("x-ss-id", &session),
                ("Accept", "*/*"),
                ("Connection", "keep-alive"),
            ],
            "",
        ),
    )
    .await;
    check(
        &r,
        StatusCode::OK,
        JSON,
        Some("groups-response.schema.json"),
        "groups.json",
    );
}

// braceyourself/yourmembership, src/Clients/Client.php: `createSession()` posts
// `getAuthData()` through Laravel's HTTP client (`asJson()->acceptJson()`), `ClientID` from
// `env('YOURMEMBERSHIP_CLIENT_ID')` (a string); src/Http/Response.php reads `SessionId`, and
// `ensureSessionIdPresent()` reads `UserId`.
#[tokio::test]
async fn laravel_package_create_session_reads_session_id_and_user_id() {
    let (app, _) = app().await;
    let r = send(
        &app,
        raw(
            "POST",
            "/Ams/Authenticate",
            &[
                ("User-Agent", "GuzzleHttp/7"),
                ("Content-Type", "application/json"),
                ("Accept", "application/json"),
            ],
            r#"{"ClientID":"40001","UserType":"Admin","Username":"demo-ym-api-key","Password":"demo-ym-api-password"}"#,
        ),
    )
    .await;
    check_login(&r, "authenticate_admin.json");
    assert_eq!(r.json()["UserId"], "0");
    // src/Http/BaseResponse.php `hasErrors()`: any non-empty ErrorCode is an error.
    assert!(r.json()["ResponseStatus"].get("ErrorCode").is_none());
}

// braceyourself/yourmembership, src/Http/BaseResponse.php: on a refused login the package
// throws with `getErrorAsString()` (`ErrorCode` and `Message`); the refusal must carry both.
#[tokio::test]
async fn laravel_package_refused_login_carries_error_code_and_message() {
    let (app, _) = app().await;
    let r = send(
        &app,
        raw(
            "POST",
            "/Ams/Authenticate",
            &[
                ("User-Agent", "GuzzleHttp/7"),
                ("Content-Type", "application/json"),
                ("Accept", "application/json"),
            ],
            r#"{"ClientID":"40001","UserType":"Admin","Username":"demo-ym-api-key","Password":"wrong"}"#,
        ),
    )
    .await;
    check(
        &r,
        StatusCode::UNAUTHORIZED,
        JSON,
        Some("auth-response.schema.json"),
        "authenticate_bad_credentials.json",
    );
    assert!(r.json().get("SessionId").is_none());
}

// A public Python export script (`ym_request()` / `authenticate()`, found by the code index,
// repository not named): `requests.post(data=body)` form-encodes the dict with a lowercase
// `password` key and `Accept: application/json`; the script reads `SessionId` on a 200.
#[tokio::test]
async fn python_export_script_form_login_with_a_lowercase_password_key() {
    let (app, _) = app().await;
    let body =
        "ClientID=40001&UserType=Admin&Username=demo-ym-api-key&password=demo-ym-api-password";
    let len = body.len().to_string();
    let r = send(
        &app,
        raw(
            "POST",
            "/ams/Authenticate",
            &[
                ("User-Agent", "python-requests/2.31.0"),
                ("Accept-Encoding", "gzip, deflate"),
                ("Accept", "application/json"),
                ("Connection", "keep-alive"),
                ("Content-Type", "application/x-www-form-urlencoded"),
                ("Content-Length", &len),
            ],
            body,
        ),
    )
    .await;
    check_login(&r, "authenticate_admin.json");
}

// The same Python export script, `ym_get_request()`: every GET carries
// `Content-Type: application/x-www-form-urlencoded` with no body, plus `x-ss-id`. The script
// reads `PeopleIDs` and `People` (not emulated); the same shape on an emulated route.
#[tokio::test]
async fn python_export_script_get_with_a_form_content_type_and_no_body() {
    let (app, _) = app().await;
    let session = admin(&app).await;
    let r = send(
        &app,
        raw(
            "GET",
            "/Ams/40001/GroupTypes",
            &[
                ("User-Agent", "python-requests/2.31.0"),
                ("Accept-Encoding", "gzip, deflate"),
                ("Accept", "application/json"),
                ("Connection", "keep-alive"),
                ("Content-Type", "application/x-www-form-urlencoded"),
                ("x-ss-id", &session),
            ],
            "",
        ),
    )
    .await;
    check(
        &r,
        StatusCode::OK,
        JSON,
        Some("group-types-response.schema.json"),
        "group_types.json",
    );
}

// A public serverless member sync (`getMembers()`, node-fetch, found by the code index,
// repository not named): POST to the all-lowercase `/ams/authenticate` with only
// `Content-Type` set (node-fetch adds `Accept: */*`), `ClientID` from `process.env` (a
// string); the next URL is built from the answer's `data.ClientID`.
#[tokio::test]
async fn node_lambda_lowercase_path_login_builds_the_next_url_from_client_id() {
    let (app, _) = app().await;
    let body = r#"{"UserType":"Admin","ClientID":"40001","Username":"demo-ym-api-key","Password":"demo-ym-api-password"}"#;
    let len = body.len().to_string();
    let r = send(
        &app,
        raw(
            "POST",
            "/ams/authenticate",
            &[
                ("Content-Type", "application/json"),
                ("Accept", "*/*"),
                ("Content-Length", &len),
                (
                    "User-Agent",
                    "node-fetch/1.0 (+https://github.com/bitinn/node-fetch)",
                ),
                ("Accept-Encoding", "gzip,deflate"),
                ("Connection", "close"),
            ],
            body,
        ),
    )
    .await;
    check_login(&r, "authenticate_admin.json");
    // `/ams/${data.ClientID}/...`: a number that prints as the client id.
    assert_eq!(r.json()["ClientID"], json!(40001));
}

// ServiceStack's own clients keep the session in a cookie jar: docs.servicestack.net
// `auth/sessions` (the `SessionFeature` hands out the temporary `ss-id` cookie) and
// `auth/client-auth` (`@servicestack/client`'s `JsonServiceClient` "will utilize the browser's
// authenticated cookies"); `requests.Session()` or Guzzle's cookie jar behave alike. Such a
// client posts the login, keeps `Set-Cookie`, and sends only `Cookie: ss-id=...` afterwards.
#[tokio::test]
async fn servicestack_cookie_jar_client_reuses_the_ss_id_cookie_of_the_login() {
    let (app, _) = app().await;
    let r = mj_login(&app).await;
    let session = session_of(&r);
    let cookie = r
        .header("set-cookie")
        .expect("a login sets the ss-id cookie");
    assert_eq!(cookie, format!("ss-id={session}; path=/; HttpOnly"));
    // The jar sends back `name=value` only.
    let jar = cookie.split(';').next().unwrap().to_string();
    let r = send(
        &app,
        raw(
            "GET",
            "/Ams/40001/Groups",
            &[("Accept", "application/json"), ("Cookie", &jar)],
            "",
        ),
    )
    .await;
    check(
        &r,
        StatusCode::OK,
        JSON,
        Some("groups-response.schema.json"),
        "groups.json",
    );
    // A refused login hands out no cookie.
    let r = send(
        &app,
        raw(
            "POST",
            "/Ams/Authenticate",
            &[("Content-Type", "application/json")],
            r#"{"ClientID":40001,"UserType":"Admin","UserName":"demo-ym-api-key","Password":"x"}"#,
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(r.header("set-cookie").is_none());
}

/// What `json.dumps` makes of OWASP PageCreator's `CreateGroup` dictionary: its 16 keys in
/// insertion order, `TypeID` a number, `GroupCode` the name lower-cased with `_` for spaces.
const OWASP_CREATE_GROUP_BODY: &str = concat!(
    r#"{"TypeID": 3, "Name": "OWASP Rust Project", "ShortDescription": "Memory-safe tools", "#,
    r#""WelcomeContent": "<h1>Welcome</h1>\n<p>Join the <em>Rust</em> project &amp; help.</p>", "#,
    r#""GroupCode": "owasp_rust_project", "Active": false, "Hidden": false, "Accessibility": 2, "#,
    r#""Membership": 0, "Messaging": 2, "SendNewsletter": false, "EnableFeed": true, "#,
    r#""AdminCanExportMembers": false, "PhotoApproval": true, "EmailOptionsAdmin": 2, "#,
    r#""EmailOptionsMember": 2}"#
);

// OWASP/PageCreator, owasp_ym.py: `CreateGroup()` POSTs `json.dumps(data)` with its 16 fields
// to `/Ams/:ClientID/Groups` with the JSON headers and `x-ss-id`, and returns the decoded body
// when `r.ok`; `SetGroupActive()` (HEAD b87f2702) PUTs `{"GroupID": id, "Active": bool}`.
#[tokio::test]
async fn owasp_page_creator_creates_a_group_then_sets_it_active() {
    let (app, _) = app().await;
    let session = session_of(&owasp_login(&app).await);
    let headers = owasp_headers(Some(&session));
    let r = send(
        &app,
        raw(
            "POST",
            "/Ams/40001/Groups",
            &headers,
            OWASP_CREATE_GROUP_BODY,
        ),
    )
    .await;
    check(
        &r,
        StatusCode::OK,
        JSON,
        Some("groups-response.schema.json"),
        "clients/owasp_create_group.json",
    );
    let id = r.json()["GroupID"].as_i64().unwrap();
    assert_eq!(id, 32);
    let put = format!(r#"{{"GroupID": {id}, "Active": true}}"#);
    let r = send(&app, raw("PUT", "/Ams/40001/Groups", &headers, &put)).await;
    check(
        &r,
        StatusCode::OK,
        JSON,
        Some("groups-response.schema.json"),
        "clients/owasp_set_group_active.json",
    );
    // The catalogue lists the new group under its type, and the state keeps every setting.
    let r = send(&app, raw("GET", "/Ams/40001/Groups", &headers, "")).await;
    let listed = r.json()["GroupTypeList"][2]["Groups"].clone();
    assert!(
        listed
            .as_array()
            .unwrap()
            .iter()
            .any(|g| g["Id"] == id && g["Name"] == "OWASP Rust Project"),
        "{listed}"
    );
    let state = send(&app, get("/_mock/state")).await.json();
    let group = state["yourmembership"]["clients"][0]["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["id"] == id)
        .cloned()
        .unwrap();
    assert_eq!(
        group,
        json!({"id": 32, "code": "owasp_rust_project", "name": "OWASP Rust Project", "type_id": 3,
               "join_option": "CanJoin", "active": true, "hidden": false, "accessibility": 2,
               "membership": 0, "messaging": 2, "send_newsletter": false, "enable_feed": true,
               "admin_can_export_members": false, "photo_approval": true,
               "email_options_admin": 2, "email_options_member": 2,
               "short_description": "Memory-safe tools",
               "welcome_content": "<h1>Welcome</h1>\n<p>Join the <em>Rust</em> project &amp; help.</p>"})
    );
}

// OWASP/PageCreator, owasp_ym.py: when a write is refused, `CreateGroup()` json-decodes the body
// and raises `OWASPYMSessionTimeoutException` when `ResponseStatus.Message` contains "timeout".
// An expired session must say so; an unknown one is the plain 401.
#[tokio::test]
async fn owasp_page_creator_tells_a_session_timeout_from_the_message() {
    let (app, state) = app().await;
    let session = session_of(&owasp_login(&app).await);
    state.clock.advance(chrono::Duration::minutes(16));
    let timed_out = |r: &Resp| {
        let body = r.json();
        body["ResponseStatus"]["Message"]
            .as_str()
            .is_some_and(|m| m.to_lowercase().contains("timeout"))
    };
    let r = send(
        &app,
        raw(
            "POST",
            "/Ams/40001/Groups",
            &owasp_headers(Some(&session)),
            OWASP_CREATE_GROUP_BODY,
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(timed_out(&r), "{}", r.text());
    let r = send(
        &app,
        raw(
            "POST",
            "/Ams/40001/Groups",
            &owasp_headers(Some("never-issued-session")),
            OWASP_CREATE_GROUP_BODY,
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(!timed_out(&r), "{}", r.text());
}
