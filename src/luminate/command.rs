//! From the wire to typed values: the path (org, servlet, the `;jsessionid=` suffix), the
//! method table, the response style, the redirect parameters, the credentials and each
//! method's [`Command`].

use std::sync::Arc;

use axum::http::{HeaderMap, HeaderValue};
use rusqlite::Connection;

use crate::seed::RedirectDigest;
use crate::store::luminate::{self as db, ConsRow};
use crate::wire::form::Params;

use super::auth::Need;
use super::errors::LumError;
use super::methods::{
    LIST_PAGE_SIZE_DEFAULT, LIST_PAGE_SIZE_LIMIT, MAX_NAME_CHARS, MAX_NUMBER_DEFAULT,
    MAX_NUMBER_LIMIT,
};
use super::render::{Format, Style};
use super::sites::Site;
use super::Fail;

/// A Luminate request, decoded once: what the fault rules, the handler and the journal read.
#[derive(Debug)]
pub struct LumRequest {
    pub target: Target,
    pub params: Params,
    /// Whether the body could be read as a form (else code 9).
    pub form_ok: bool,
    /// The site the path names (the default site for `/site/{Servlet}`), when it exists.
    pub site: Option<Arc<Site>>,
    /// Loading the sites failed (answered with code 1).
    pub store_failed: bool,
}

impl LumRequest {
    /// The tenant: the site's org, else the org as the path sent it.
    pub fn tenant(&self) -> Option<&str> {
        match &self.site {
            Some(site) => Some(&site.org),
            None => self.target.org.as_deref(),
        }
    }

    /// The `method` parameter as sent.
    pub fn method_name(&self) -> Option<&str> {
        self.params.get("method")
    }

    /// The method this servlet serves under that name.
    pub fn method(&self) -> Option<Method> {
        Method::of(self.target.servlet?, self.method_name()?)
    }
}

/// The four servlets the mock serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Servlet {
    CRConsAPI,
    SRConsAPI,
    CRGroupAPI,
    SRGroupAPI,
}

impl Servlet {
    fn from_name(name: &str) -> Option<Servlet> {
        match name {
            "CRConsAPI" => Some(Servlet::CRConsAPI),
            "SRConsAPI" => Some(Servlet::SRConsAPI),
            "CRGroupAPI" => Some(Servlet::CRGroupAPI),
            "SRGroupAPI" => Some(Servlet::SRGroupAPI),
            _ => None,
        }
    }

    /// Client (browser/end-user) servlets: auth tokens, SSO tokens, redirects.
    pub fn is_client(self) -> bool {
        matches!(self, Servlet::CRConsAPI | Servlet::CRGroupAPI)
    }
}

/// What the path says: `/{org}/site/{Servlet}[;jsessionid=...]` or `/site/{Servlet}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// `None` for `/site/{Servlet}` (the default site).
    pub org: Option<String>,
    /// `None` for a servlet the mock does not serve (answered with code 6).
    pub servlet: Option<Servlet>,
    pub jsessionid: Option<String>,
}

impl Target {
    pub fn from_path(path: &str) -> Target {
        let mut segments = path.trim_start_matches('/').split('/');
        let (org, servlet) = match (segments.next(), segments.next(), segments.next()) {
            (Some(_), Some(s), None) => (None, s),
            (Some(org), Some(_), Some(s)) if segments.next().is_none() => (Some(org), s),
            _ => (None, ""),
        };
        let mut pieces = servlet.split(';');
        let name = pieces.next().unwrap_or_default();
        let jsessionid = pieces.find_map(|p| {
            let (k, v) = p.split_once('=')?;
            k.eq_ignore_ascii_case("jsessionid").then(|| v.to_string())
        });
        Target {
            org: org.map(str::to_string),
            servlet: Servlet::from_name(name),
            jsessionid,
        }
    }
}

/// `response_format`: XML when absent, `Err` when it names no format.
pub fn response_format(value: Option<&str>) -> Result<Format, LumError> {
    match value {
        None | Some("xml") => Ok(Format::Xml),
        Some("json") => Ok(Format::Json),
        Some(_) => Err(LumError::Param("response_format")),
    }
}

/// The style an answer is sent in, as far as the parameters can be read: an unreadable
/// `response_format` falls back to XML.
pub fn style<'a>(get: impl Fn(&str) -> Option<&'a str>) -> Style {
    Style {
        format: response_format(get("response_format")).unwrap_or(Format::Xml),
        suppress_response_codes: get("suppress_response_codes")
            .is_some_and(|v| v.eq_ignore_ascii_case("true")),
        ..Style::default()
    }
}

/// Credentials a request may carry.
#[derive(Debug, Clone, Default)]
pub struct Creds {
    pub login_name: Option<String>,
    pub login_password: Option<String>,
    pub auth: Option<String>,
    pub jsessionid: Option<String>,
    pub sso_auth_token: Option<String>,
}

/// A non-empty parameter.
pub fn non_empty<'a>(params: &'a Params, name: &str) -> Option<&'a str> {
    params.get(name).filter(|v| !v.is_empty())
}

/// **[choice]** `JSESSIONID` is read from the parameter, then the path's `;jsessionid=`
/// suffix, then the `JSESSIONID` cookie: real clients use all three.
pub fn jsessionid<'a>(
    params: &'a Params,
    target: &'a Target,
    headers: &'a HeaderMap,
) -> Option<&'a str> {
    non_empty(params, "JSESSIONID")
        .or(target.jsessionid.as_deref())
        .or_else(|| crate::wire::cookie::get(headers, "JSESSIONID"))
}

impl Creds {
    pub fn read(params: &Params, target: &Target, headers: &HeaderMap) -> Creds {
        let get = |n: &str| non_empty(params, n).map(str::to_string);
        Creds {
            login_name: get("login_name"),
            login_password: get("login_password"),
            auth: get("auth"),
            jsessionid: jsessionid(params, target, headers).map(str::to_string),
            sso_auth_token: get("sso_auth_token"),
        }
    }
}

/// The client API's redirect parameters, validated.
#[derive(Debug, Clone, Default)]
pub struct Redirects {
    pub redirect: Option<String>,
    pub success_redirect: Option<String>,
    pub error_redirect: Option<String>,
    pub sign: bool,
}

impl Redirects {
    /// Each URL must be absolute http(s) and fit in a `Location` header, else code 9.
    pub fn read(params: &Params) -> Result<Redirects, LumError> {
        let url = |name: &'static str| -> Result<Option<String>, LumError> {
            match params.get(name).filter(|v| !v.is_empty()) {
                None => Ok(None),
                Some(u) => {
                    let lower = u.get(..8).unwrap_or(u).to_ascii_lowercase();
                    let absolute = lower.starts_with("http://") || lower.starts_with("https://");
                    if absolute && HeaderValue::from_str(u).is_ok() {
                        Ok(Some(u.to_string()))
                    } else {
                        Err(LumError::Param(name))
                    }
                }
            }
        };
        Ok(Redirects {
            redirect: url("redirect")?,
            success_redirect: url("success_redirect")?,
            error_redirect: url("error_redirect")?,
            sign: params
                .get("sign_redirects")
                .is_some_and(|v| v.eq_ignore_ascii_case("true")),
        })
    }

    /// **[choice]** `success_redirect` / `error_redirect` win over `redirect` when both apply.
    pub fn target(&self, succeeded: bool) -> Option<&str> {
        let specific = if succeeded {
            &self.success_redirect
        } else {
            &self.error_redirect
        };
        specific.as_deref().or(self.redirect.as_deref())
    }
}

/// **[choice]** Signed redirect parameter names: `ts` (unix seconds on the app clock) is
/// appended first, then `sig`: the lower-case hex digest of the URL's query string (after `ts`
/// was appended) immediately followed by the site's secret key.
pub const SIGN_TS_PARAM: &str = "ts";
pub const SIGN_SIG_PARAM: &str = "sig";

pub fn sign_url(url: &str, unix_seconds: i64, secret_key: &str, digest: RedirectDigest) -> String {
    use sha1::Digest as _;
    let (base, fragment) = match url.split_once('#') {
        Some((b, f)) => (b, Some(f)),
        None => (url, None),
    };
    let sep = if base.contains('?') { '&' } else { '?' };
    let with_ts = format!("{base}{sep}{SIGN_TS_PARAM}={unix_seconds}");
    let query = with_ts.split_once('?').map(|(_, q)| q).unwrap_or_default();
    let input = format!("{query}{secret_key}");
    let sig = match digest {
        RedirectDigest::Md5 => hex::encode(md5::Md5::digest(input.as_bytes())),
        RedirectDigest::Sha1 => hex::encode(sha1::Sha1::digest(input.as_bytes())),
    };
    let mut out = format!("{with_ts}&{SIGN_SIG_PARAM}={sig}");
    if let Some(f) = fragment {
        out.push('#');
        out.push_str(f);
    }
    out
}

/// Every method the mock serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Login,
    GetLoginUrl,
    LoginTest,
    Logout,
    GetSingleSignOnToken,
    GetUser,
    GetUserGroups,
    Update,
    CreateOrUpdate,
    GetGroupMembers,
    GetGroupInfo,
    ListGroups,
}

/// The verbs a method takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verbs {
    Post,
    GetPost,
}

impl Verbs {
    pub fn allows(self, verb: &axum::http::Method) -> bool {
        *verb == axum::http::Method::POST
            || (self == Verbs::GetPost && *verb == axum::http::Method::GET)
    }

    /// The `Allow` header of a 405.
    pub fn allow_header(self) -> &'static str {
        match self {
            Verbs::Post => "POST",
            Verbs::GetPost => "GET, POST",
        }
    }
}

/// One row per method and servlet, by the vendor's case-sensitive name: the method table.
///
/// **[choice]** `getUserGroups` is POST-only, as its page documents; every other method also
/// takes GET, because real clients send it (luminateExtend's `getLoginUrl`, and before 1.7
/// every call by default).
const METHODS: &[(Servlet, &str, Method, Verbs)] = &[
    (Servlet::CRConsAPI, "login", Method::Login, Verbs::GetPost),
    (
        Servlet::CRConsAPI,
        "getLoginUrl",
        Method::GetLoginUrl,
        Verbs::GetPost,
    ),
    (
        Servlet::CRConsAPI,
        "loginTest",
        Method::LoginTest,
        Verbs::GetPost,
    ),
    (Servlet::CRConsAPI, "logout", Method::Logout, Verbs::GetPost),
    (
        Servlet::CRConsAPI,
        "getUser",
        Method::GetUser,
        Verbs::GetPost,
    ),
    (
        Servlet::CRConsAPI,
        "getUserGroups",
        Method::GetUserGroups,
        Verbs::Post,
    ),
    (
        Servlet::SRConsAPI,
        "getSingleSignOnToken",
        Method::GetSingleSignOnToken,
        Verbs::GetPost,
    ),
    (
        Servlet::SRConsAPI,
        "getUser",
        Method::GetUser,
        Verbs::GetPost,
    ),
    (
        Servlet::SRConsAPI,
        "getUserGroups",
        Method::GetUserGroups,
        Verbs::Post,
    ),
    (Servlet::SRConsAPI, "update", Method::Update, Verbs::GetPost),
    (
        Servlet::SRConsAPI,
        "createOrUpdate",
        Method::CreateOrUpdate,
        Verbs::GetPost,
    ),
    (
        Servlet::CRGroupAPI,
        "getGroupInfo",
        Method::GetGroupInfo,
        Verbs::GetPost,
    ),
    (
        Servlet::CRGroupAPI,
        "listGroups",
        Method::ListGroups,
        Verbs::GetPost,
    ),
    (
        Servlet::SRGroupAPI,
        "getGroupMembers",
        Method::GetGroupMembers,
        Verbs::GetPost,
    ),
    (
        Servlet::SRGroupAPI,
        "getGroupInfo",
        Method::GetGroupInfo,
        Verbs::GetPost,
    ),
    (
        Servlet::SRGroupAPI,
        "listGroups",
        Method::ListGroups,
        Verbs::GetPost,
    ),
];

impl Method {
    /// Every method name some servlet serves, once each, in table order (what fault rules may
    /// target).
    pub fn names() -> Vec<&'static str> {
        let mut names: Vec<&'static str> = Vec::new();
        for (_, name, _, _) in METHODS {
            if !names.contains(name) {
                names.push(name);
            }
        }
        names
    }

    pub fn of(servlet: Servlet, name: &str) -> Option<Method> {
        METHODS
            .iter()
            .find(|(s, n, _, _)| *s == servlet && *n == name)
            .map(|(_, _, m, _)| *m)
    }

    /// The verbs of `name` on `servlet`; `None` when the servlet has no such method.
    pub fn verbs(servlet: Servlet, name: &str) -> Option<Verbs> {
        METHODS
            .iter()
            .find(|(s, n, _, _)| *s == servlet && *n == name)
            .map(|(_, _, _, v)| *v)
    }

    /// Server servlets always need an API administrator; client methods need what they say.
    pub fn need(self, servlet: Servlet) -> Need {
        if !servlet.is_client() {
            return Need::Admin;
        }
        match self {
            Method::Login | Method::GetLoginUrl => Need::Nothing,
            Method::LoginTest | Method::Logout => Need::Session,
            _ => Need::User,
        }
    }
}

/// How a method names one constituent. Only the highest-precedence key present is kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConsKey {
    ConsId(i64),
    MemberId(String),
    PrimaryEmail(String),
}

impl ConsKey {
    /// cons_id, then member_id, then primary_email (luminate.md §4); **[choice]** an empty
    /// value counts as absent.
    pub fn read(params: &Params, with_email: bool) -> Result<Option<ConsKey>, LumError> {
        let get = |n: &str| params.get(n).filter(|v| !v.is_empty());
        if let Some(id) = get("cons_id") {
            return id
                .trim()
                .parse::<i64>()
                .map(|id| Some(ConsKey::ConsId(id)))
                .map_err(|_| LumError::Param("cons_id"));
        }
        if let Some(m) = get("member_id") {
            return Ok(Some(ConsKey::MemberId(m.to_string())));
        }
        if with_email {
            if let Some(e) = get("primary_email") {
                return Ok(Some(ConsKey::PrimaryEmail(e.to_string())));
            }
        }
        Ok(None)
    }

    pub fn names(&self, me: &ConsRow) -> bool {
        match self {
            ConsKey::ConsId(id) => *id == me.cons_id,
            ConsKey::MemberId(m) => me.member_id.as_deref() == Some(m.as_str()),
            ConsKey::PrimaryEmail(e) => me
                .primary_email
                .as_deref()
                .is_some_and(|mine| mine.eq_ignore_ascii_case(e)),
        }
    }

    /// The one constituent this key names: 16 for none, 8 for several.
    pub fn find(&self, conn: &Connection, org: &str) -> Result<i64, Fail> {
        let ids = match self {
            ConsKey::ConsId(id) => {
                return if db::cons_exists(conn, org, *id)? {
                    Ok(*id)
                } else {
                    Err(LumError::NoMatch.into())
                };
            }
            ConsKey::MemberId(m) => db::cons_ids_by_member_id(conn, org, m)?,
            ConsKey::PrimaryEmail(e) => db::cons_ids_by_email(conn, org, e)?,
        };
        match ids.as_slice() {
            [] => Err(LumError::NoMatch.into()),
            [one] => Ok(*one),
            _ => Err(LumError::Ambiguous.into()),
        }
    }
}

/// Membership and name changes of `update` / `createOrUpdate`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Changes {
    pub add_group_ids: Vec<i64>,
    pub remove_group_ids: Vec<i64>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub member_id: Option<String>,
    pub primary_email: Option<String>,
}

/// A decoded method call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Login {
        user_name: String,
        password: String,
    },
    /// `NONCE_TOKEN`: a `loginResponse.nonce`, naming the session that logged in.
    GetLoginUrl {
        nonce: Option<String>,
    },
    LoginTest,
    Logout,
    GetSingleSignOnToken(ConsKey),
    GetUser(Option<ConsKey>),
    GetUserGroups(Option<ConsKey>),
    Update {
        key: Option<ConsKey>,
        changes: Changes,
        create: bool,
    },
    GetGroupMembers {
        group_id: i64,
        max_number: i64,
    },
    GetGroupInfo {
        group_id: i64,
    },
    ListGroups {
        page_size: i64,
        page_offset: i64,
    },
}

impl Command {
    /// Whether applying the command writes to the store (sessions included).
    pub fn writes(&self) -> bool {
        !matches!(
            self,
            Command::GetUser(_)
                | Command::GetUserGroups(_)
                | Command::GetGroupMembers { .. }
                | Command::GetGroupInfo { .. }
                | Command::ListGroups { .. }
        )
    }

    pub fn decode(method: Method, params: &Params) -> Result<Command, LumError> {
        let required = |n: &'static str| {
            params
                .get(n)
                .filter(|v| !v.is_empty())
                .map(str::to_string)
                .ok_or(LumError::Param(n))
        };
        Ok(match method {
            Method::Login => Command::Login {
                user_name: required("user_name")?,
                password: required("password")?,
            },
            Method::GetLoginUrl => Command::GetLoginUrl {
                nonce: params
                    .get("NONCE_TOKEN")
                    .filter(|v| !v.is_empty())
                    .map(str::to_string),
            },
            Method::LoginTest => Command::LoginTest,
            Method::Logout => Command::Logout,
            Method::GetSingleSignOnToken => Command::GetSingleSignOnToken(
                ConsKey::read(params, false)?.ok_or(LumError::Param("cons_id"))?,
            ),
            Method::GetUser => Command::GetUser(ConsKey::read(params, true)?),
            Method::GetUserGroups => Command::GetUserGroups(ConsKey::read(params, true)?),
            Method::Update | Method::CreateOrUpdate => Command::Update {
                key: ConsKey::read(params, true)?,
                changes: Changes {
                    add_group_ids: group_ids(params, "add_group_ids")?,
                    remove_group_ids: group_ids(params, "remove_group_ids")?,
                    first_name: name(params, "name.first")?,
                    last_name: name(params, "name.last")?,
                    member_id: name(params, "member_id")?,
                    primary_email: name(params, "primary_email")?,
                },
                create: method == Method::CreateOrUpdate,
            },
            Method::GetGroupMembers => Command::GetGroupMembers {
                group_id: number(params, "group_id", None, 1, i64::MAX)?,
                max_number: number(
                    params,
                    "max_number",
                    Some(MAX_NUMBER_DEFAULT),
                    1,
                    MAX_NUMBER_LIMIT,
                )?,
            },
            Method::GetGroupInfo => Command::GetGroupInfo {
                group_id: number(params, "group_id", None, 1, i64::MAX)?,
            },
            Method::ListGroups => Command::ListGroups {
                page_size: number(
                    params,
                    "list_page_size",
                    Some(LIST_PAGE_SIZE_DEFAULT),
                    1,
                    LIST_PAGE_SIZE_LIMIT,
                )?,
                page_offset: number(params, "list_page_offset", Some(0), 0, i64::MAX / 2000)?,
            },
        })
    }
}

/// An integer parameter within `min..=max`; `default` when absent (required when `None`).
fn number(
    params: &Params,
    name: &'static str,
    default: Option<i64>,
    min: i64,
    max: i64,
) -> Result<i64, LumError> {
    match params.get(name).filter(|v| !v.is_empty()) {
        None => default.ok_or(LumError::Param(name)),
        Some(v) => v
            .trim()
            .parse::<i64>()
            .ok()
            .filter(|n| (min..=max).contains(n))
            .ok_or(LumError::Param(name)),
    }
}

/// A comma-separated list of group ids (empty items skipped).
fn group_ids(params: &Params, name: &'static str) -> Result<Vec<i64>, LumError> {
    let Some(list) = params.get(name) else {
        return Ok(Vec::new());
    };
    list.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.parse::<i64>().map_err(|_| LumError::Param(name)))
        .collect()
}

fn name(params: &Params, param: &'static str) -> Result<Option<String>, LumError> {
    match params.get(param).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) if v.chars().count() > MAX_NAME_CHARS || v.chars().any(char::is_control) => {
            Err(LumError::Param(param))
        }
        Some(v) => Ok(Some(v.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_path_names_org_servlet_and_jsessionid() {
        let t = Target::from_path("/demo/site/CRConsAPI;jsessionid=ABC.app1");
        assert_eq!(t.org.as_deref(), Some("demo"));
        assert_eq!(t.servlet, Some(Servlet::CRConsAPI));
        assert_eq!(t.jsessionid.as_deref(), Some("ABC.app1"));
        let t = Target::from_path("/site/SRGroupAPI");
        assert_eq!((t.org, t.servlet), (None, Some(Servlet::SRGroupAPI)));
        assert_eq!(Target::from_path("/x/site/Nope").servlet, None);
    }

    #[test]
    fn signing_appends_ts_then_the_digest_of_the_query_and_secret() {
        use sha1::Digest as _;
        let signed = sign_url(
            "https://x.org/done?a=1#top",
            1700000000,
            "k",
            RedirectDigest::Md5,
        );
        let expected = hex::encode(md5::Md5::digest(b"a=1&ts=1700000000k"));
        assert_eq!(
            signed,
            format!("https://x.org/done?a=1&ts=1700000000&sig={expected}#top")
        );
        let signed = sign_url("https://x.org/", 5, "k", RedirectDigest::Sha1);
        let expected = hex::encode(sha1::Sha1::digest(b"ts=5k"));
        assert_eq!(signed, format!("https://x.org/?ts=5&sig={expected}"));
    }
}
