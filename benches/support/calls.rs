//! The calls every benchmark measures, described once: as raw HTTP/1.1 bytes for the load
//! generator, and as an `http::Request` for in-process runs through `membermock::app`.

use axum::body::Body;
use axum::http::Request;

/// One benchmarked call.
pub struct Call {
    /// What the tables print.
    pub name: &'static str,
    /// Short name for `--only` and the instruction driver.
    pub key: &'static str,
    /// SmarterU refuses plain HTTP.
    pub https: bool,
    pub method: &'static str,
    pub path: &'static str,
    pub content_type: Option<&'static str>,
    pub body: fn() -> String,
    /// Sends the `X-SS-ID` of a YourMembership admin session (see [`YM_AUTHENTICATE`]).
    pub session: bool,
    /// A byte string every answer must contain: the call really succeeded.
    pub expect: &'static str,
    /// One of the vendor reads the performance targets cover (health is a reference point).
    pub main: bool,
}

const FORM: &str = "application/x-www-form-urlencoded";

const LUMINATE_ADMIN_GROUPS: &str = "method=getUserGroups&v=1.0&api_key=demo-api-key\
    &login_name=apiadmin&login_password=admin-pass&cons_id=1000002";

fn no_body() -> String {
    String::new()
}

fn smarteru_package() -> String {
    let package = "<SmarterU><AccountAPI>demo-account-key</AccountAPI>\
        <UserAPI>admin-user-key</UserAPI><Method>getUserGroups</Method>\
        <Parameters><User><ID>106</ID></User></Parameters></SmarterU>";
    form_urlencoded::Serializer::new(String::new())
        .append_pair("Package", package)
        .finish()
}

pub fn all() -> Vec<Call> {
    vec![
        Call {
            name: "health",
            key: "health",
            https: false,
            method: "GET",
            path: "/_mock/health",
            content_type: None,
            body: no_body,
            session: false,
            expect: "\"status\":\"ok\"",
            main: false,
        },
        Call {
            name: "luminate getUserGroups (server API, XML)",
            key: "luminate-xml",
            https: false,
            method: "POST",
            path: "/demo/site/SRConsAPI",
            content_type: Some(FORM),
            body: || LUMINATE_ADMIN_GROUPS.to_string(),
            session: false,
            expect: "<getConsGroupsResponse",
            main: true,
        },
        Call {
            name: "luminate getUserGroups (server API, JSON)",
            key: "luminate-json",
            https: false,
            method: "POST",
            path: "/demo/site/SRConsAPI",
            content_type: Some(FORM),
            body: || format!("{LUMINATE_ADMIN_GROUPS}&response_format=json"),
            session: false,
            expect: "\"getConsGroupsResponse\"",
            main: true,
        },
        Call {
            name: "smarteru getUserGroups (HTTPS)",
            key: "smarteru",
            https: true,
            method: "POST",
            path: "/apiv2/",
            content_type: Some(FORM),
            body: smarteru_package,
            session: false,
            expect: "<Result>Success</Result>",
            main: true,
        },
        Call {
            name: "yourmembership MemberGroups.GET (JSON)",
            key: "ym-json",
            https: false,
            method: "GET",
            path: "/Ams/40001/Member/5001/Groups",
            content_type: None,
            body: no_body,
            session: true,
            expect: "\"GroupTypeList\"",
            main: true,
        },
        Call {
            name: "yourmembership MemberGroups.GET (JSV)",
            key: "ym-jsv",
            https: false,
            method: "GET",
            path: "/Ams/40001/Member/5001/Groups.jsv",
            content_type: None,
            body: no_body,
            session: true,
            expect: "{GroupTypeList:",
            main: true,
        },
    ]
}

/// The YourMembership admin sign-in whose `SessionId` the session calls carry.
pub const YM_AUTHENTICATE: Call = Call {
    name: "yourmembership Authenticate (admin)",
    key: "ym-authenticate",
    https: false,
    method: "POST",
    path: "/Ams/Authenticate",
    content_type: Some("application/json"),
    body: || {
        r#"{"ClientID":40001,"UserType":"Admin","Username":"demo-ym-api-key","Password":"demo-ym-api-password"}"#
            .to_string()
    },
    session: false,
    expect: "\"SessionId\"",
    main: false,
};

/// The `SessionId` of an Authenticate answer.
pub fn session_id(answer: &[u8]) -> String {
    let v: serde_json::Value = serde_json::from_slice(answer).expect("Authenticate answers JSON");
    v["SessionId"].as_str().expect("a SessionId").to_string()
}

impl Call {
    /// `--only` matches the key or any part of the name.
    pub fn selected(&self, only: Option<&str>) -> bool {
        only.is_none_or(|o| self.key == o || self.name.contains(o))
    }

    fn headers<'a>(&self, session: Option<&'a str>) -> Vec<(&'static str, &'a str)> {
        let mut headers = Vec::new();
        if let Some(ct) = self.content_type {
            headers.push(("Content-Type", ct));
        }
        if self.session {
            headers.push(("X-SS-ID", session.expect("a YourMembership session id")));
        }
        headers
    }

    /// The request as it goes on the wire (HTTP/1.1, keep-alive).
    pub fn raw(&self, session: Option<&str>) -> Vec<u8> {
        let body = (self.body)();
        let mut r = format!("{} {} HTTP/1.1\r\nHost: bench\r\n", self.method, self.path);
        for (k, v) in self.headers(session) {
            r.push_str(&format!("{k}: {v}\r\n"));
        }
        if !body.is_empty() || self.method != "GET" {
            r.push_str(&format!("Content-Length: {}\r\n", body.len()));
        }
        r.push_str("\r\n");
        r.push_str(&body);
        r.into_bytes()
    }

    /// The request for an in-process call through the router.
    pub fn request(&self, session: Option<&str>) -> Request<Body> {
        let mut builder = Request::builder()
            .method(self.method)
            .uri(self.path)
            .header("host", "bench");
        for (k, v) in self.headers(session) {
            builder = builder.header(k, v);
        }
        builder.body(Body::from((self.body)())).unwrap()
    }

    /// Panics unless `body` is this call's success.
    pub fn check(&self, status: u16, body: &[u8]) {
        assert!(
            status == 200 && contains(body, self.expect.as_bytes()),
            "{}: unexpected answer {status}: {}",
            self.name,
            String::from_utf8_lossy(body)
        );
    }
}

pub fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}
