//! From the wire to typed values: the path (org, servlet, the `;jsessionid=` suffix), the
//! response style, the redirect parameters, the credentials and each method's [`Command`].
//! Where each method may be called is the method table's business ([`super::table`]).

use std::sync::Arc;

use axum::http::{HeaderMap, HeaderValue};
use rusqlite::Connection;

use crate::seed::RedirectDigest;
use crate::store::luminate::{self as db, ConsRow};
use crate::wire::form::Params;

use super::errors::LumError;
use super::methods::{
    LIST_PAGE_SIZE_DEFAULT, LIST_PAGE_SIZE_LIMIT, MAX_FIELD_CHARS, MAX_NUMBER_DEFAULT,
    MAX_NUMBER_LIMIT,
};
use super::render::{Format, Style};
use super::sites::Site;
use super::table::{self, Method, MethodRow, Servlet};
use super::Fail;

/// A Luminate request, decoded once: what the fault rules, the handler and the journal read.
#[derive(Debug)]
pub struct LumRequest {
    pub target: Target,
    pub params: Params,
    /// The method's row when the servlet serves the named method.
    pub row: Option<&'static MethodRow>,
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

    /// The row of the named method on this servlet.
    pub fn route(target: &Target, params: &Params) -> Option<&'static MethodRow> {
        table::route(target.servlet?, params.get("method")?)
    }
}

/// What the path says: `/{org}/site/{Servlet}[;jsessionid=...]` or `/site/{Servlet}`, with an
/// optional trailing slash (`CRConsAPI/`, as Flash clients must call it).
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
        let path = path.trim_start_matches('/');
        // G/flash_crossdomain_policy.html: "calls to the API from within Flash must include a
        // trailing slash after the servlet name (e.g. CRConsAPI/?v=1.0, not CRConsAPI?v=1.0)".
        let path = path.strip_suffix('/').unwrap_or(path);
        let mut segments = path.split('/');
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

/// **\[choice\]** `JSESSIONID` is read from the parameter (M/getLoginUrl.html: "Any time the auth
/// token is used, JSESSIONID must be passed as POST data"), then the `JSESSIONID` cookie, then
/// the path's `;jsessionid=` suffix, a servlet container's order (a cookie wins over the URL).
/// The suffix is where clients put the routing id, which names no session.
pub fn jsessionid<'a>(
    params: &'a Params,
    target: &'a Target,
    headers: &'a HeaderMap,
) -> Option<&'a str> {
    non_empty(params, "JSESSIONID")
        .or_else(|| crate::wire::cookie::get(headers, "JSESSIONID").filter(|v| !v.is_empty()))
        .or(target.jsessionid.as_deref())
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

    /// **\[choice\]** `success_redirect` / `error_redirect` win over `redirect` when both apply.
    pub fn target(&self, succeeded: bool) -> Option<&str> {
        let specific = if succeeded {
            &self.success_redirect
        } else {
            &self.error_redirect
        };
        specific.as_deref().or(self.redirect.as_deref())
    }
}

/// **\[choice\]** Signed redirect parameter names: `ts` (unix seconds on the app clock) is
/// appended first, then `sig`: the lower-case hex digest of the URL's query string (after `ts`
/// was appended) immediately followed by the site's secret key.
pub const SIGN_TS_PARAM: &str = "ts";
pub const SIGN_SIG_PARAM: &str = "sig";

/// The site's digest of `input`, in lower-case hex.
pub fn digest_hex(digest: RedirectDigest, input: &str) -> String {
    use sha1::Digest as _;
    match digest {
        RedirectDigest::Md5 => hex::encode(md5::Md5::digest(input.as_bytes())),
        RedirectDigest::Sha1 => hex::encode(sha1::Sha1::digest(input.as_bytes())),
    }
}

pub fn sign_url(url: &str, unix_seconds: i64, secret_key: &str, digest: RedirectDigest) -> String {
    let (base, fragment) = match url.split_once('#') {
        Some((b, f)) => (b, Some(f)),
        None => (url, None),
    };
    let sep = if base.contains('?') { '&' } else { '?' };
    let with_ts = format!("{base}{sep}{SIGN_TS_PARAM}={unix_seconds}");
    let query = with_ts.split_once('?').map(|(_, q)| q).unwrap_or_default();
    let sig = digest_hex(digest, &format!("{query}{secret_key}"));
    let mut out = format!("{with_ts}&{SIGN_SIG_PARAM}={sig}");
    if let Some(f) = fragment {
        out.push('#');
        out.push_str(f);
    }
    out
}

/// How a method names one constituent. Only the highest-precedence key present is kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConsKey {
    ConsId(i64),
    MemberId(String),
    PrimaryEmail(String),
}

impl ConsKey {
    /// cons_id, then member_id, then primary_email (luminate.md §4); **\[choice\]** an empty
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

/// The constituent fields `create`, `update` and `createOrUpdate` write.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Changes {
    pub add_group_ids: Vec<i64>,
    pub remove_group_ids: Vec<i64>,
    /// `name.first`, `name.last`.
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    /// `email.primary_address` (the field's name in `listUserFields`).
    pub email: Option<String>,
    /// A new record's `member_id` and `primary_email` (the lookup keys of an update).
    pub member_id: Option<String>,
    pub primary_email: Option<String>,
    /// A new record's `user_name` and `user_password`.
    pub user_name: Option<String>,
    pub password: Option<String>,
}

impl Changes {
    /// The address a new record gets: `primary_email`, else `email.primary_address`.
    pub fn new_email(&self) -> Option<&str> {
        self.primary_email.as_deref().or(self.email.as_deref())
    }
}

/// `update` or `createOrUpdate`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpdateMode {
    Update,
    CreateOrUpdate,
}

/// `listUserFields`' `access`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldAccess {
    View,
    Update,
}

/// `listGroups`' criteria.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupQuery {
    pub page_size: i64,
    /// The first record (from `list_record_offset`, or `list_page_offset` pages).
    pub offset: i64,
    /// Whether built-in groups (ids below 1000) are listed.
    pub built_in: bool,
    /// `list_filter_text`.
    pub filter: Option<String>,
}

/// A decoded method call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Login {
        user_name: String,
        password: String,
    },
    /// `NONCE_TOKEN`: a nonce naming a session (`loginResponse.nonce`, or the one in a
    /// `getLoginUrl` URL).
    GetLoginUrl {
        nonce: Option<String>,
    },
    LoginTest {
        nonce: Option<String>,
    },
    Logout,
    GetSingleSignOnToken(ConsKey),
    GetUser(Option<ConsKey>),
    GetUserGroups(Option<ConsKey>),
    Update {
        key: Option<ConsKey>,
        changes: Changes,
        mode: UpdateMode,
    },
    Create(Changes),
    IsEmailValid(String),
    ListUserFields {
        access: FieldAccess,
        by_group: bool,
    },
    GetUserTransactions(Option<ConsKey>),
    GetGroupMembers {
        group_id: i64,
        max_number: i64,
    },
    GetGroupInfo {
        group_id: i64,
    },
    ListGroups(GroupQuery),
}

impl Command {
    /// Whether applying the command writes to the store (sessions included).
    pub fn writes(&self) -> bool {
        !matches!(
            self,
            Command::GetUser(_)
                | Command::GetUserGroups(_)
                | Command::IsEmailValid(_)
                | Command::ListUserFields { .. }
                | Command::GetUserTransactions(_)
                | Command::GetGroupMembers { .. }
                | Command::GetGroupInfo { .. }
                | Command::ListGroups(_)
        )
    }

    pub fn decode(method: Method, params: &Params) -> Result<Command, LumError> {
        let required = |n: &'static str| {
            non_empty(params, n)
                .map(str::to_string)
                .ok_or(LumError::Param(n))
        };
        let nonce = || non_empty(params, "NONCE_TOKEN").map(str::to_string);
        Ok(match method {
            Method::Login => Command::Login {
                user_name: required("user_name")?,
                password: required("password")?,
            },
            Method::GetLoginUrl => Command::GetLoginUrl { nonce: nonce() },
            Method::LoginTest => Command::LoginTest { nonce: nonce() },
            Method::Logout => Command::Logout,
            // M/getSingleSignOnToken_method.html: "This call requires a cons_id or member_id or
            // it fails with an "Unable to process request" error."
            Method::GetSingleSignOnToken => Command::GetSingleSignOnToken(
                ConsKey::read(params, false)?.ok_or(LumError::Unprocessable)?,
            ),
            Method::GetUser => Command::GetUser(ConsKey::read(params, true)?),
            Method::GetUserGroups => Command::GetUserGroups(ConsKey::read(params, true)?),
            Method::Update | Method::CreateOrUpdate => Command::Update {
                key: ConsKey::read(params, true)?,
                changes: changes(params)?,
                mode: if method == Method::Update {
                    UpdateMode::Update
                } else {
                    UpdateMode::CreateOrUpdate
                },
            },
            Method::Create => Command::Create(changes(params)?),
            // **[choice]** The address to check is `email`.
            Method::IsEmailValid => Command::IsEmailValid(required("email")?),
            Method::ListUserFields => Command::ListUserFields {
                access: match params.get("access").filter(|v| !v.is_empty()) {
                    None | Some("view") => FieldAccess::View,
                    Some("update") => FieldAccess::Update,
                    Some(_) => return Err(LumError::Param("access")),
                },
                by_group: match params.get("sort_order").filter(|v| !v.is_empty()) {
                    None | Some("field") => false,
                    Some("group") => true,
                    Some(_) => return Err(LumError::Param("sort_order")),
                },
            },
            Method::GetUserTransactions => {
                transaction_criteria(params)?;
                Command::GetUserTransactions(ConsKey::read(params, true)?)
            }
            Method::GetGroupMembers => Command::GetGroupMembers {
                group_id: number(params, "group_id", None, 0, i64::MAX)?,
                max_number: number(
                    params,
                    "max_number",
                    Some(MAX_NUMBER_DEFAULT),
                    1,
                    MAX_NUMBER_LIMIT,
                )?,
            },
            Method::GetGroupInfo => Command::GetGroupInfo {
                group_id: number(params, "group_id", None, 0, i64::MAX)?,
            },
            Method::ListGroups => Command::ListGroups(group_query(params)?),
        })
    }
}

/// `listGroups`' paging and selection (M/listGroups_method.html): a bad value is code 50,
/// "The specified list criteria are invalid."
fn group_query(params: &Params) -> Result<GroupQuery, LumError> {
    let list = |e: LumError| match e {
        LumError::Param(p) => LumError::ListCriteria(p),
        other => other,
    };
    let page_size = number(
        params,
        "list_page_size",
        Some(LIST_PAGE_SIZE_DEFAULT),
        1,
        LIST_PAGE_SIZE_LIMIT,
    )
    .map_err(list)?;
    let page = number(params, "list_page_offset", Some(0), 0, i64::MAX / 2000).map_err(list)?;
    // **[choice]** Both offsets given ("Only one ... should be used"): the record offset wins.
    let offset = match params.get("list_record_offset").filter(|v| !v.is_empty()) {
        Some(_) => number(params, "list_record_offset", None, 0, i64::MAX / 2).map_err(list)?,
        None => page * page_size,
    };
    // "Default is NOT_BUILT_IN." **[choice]** Every other documented mode lists every group
    // (the mock has no interests, administrator security groups or states to tell apart).
    let built_in = match params.get("selection_mode").filter(|v| !v.is_empty()) {
        None | Some("NOT_BUILT_IN") => false,
        Some(
            "EMAIL"
            | "ADMIN_SECURITY"
            | "MEMBERSHIP"
            | "HEIRARCHY"
            | "REPORTWRITER_SHAREES"
            | "STATES",
        ) => true,
        Some(_) => return Err(LumError::ListCriteria("selection_mode")),
    };
    Ok(GroupQuery {
        page_size,
        offset,
        built_in,
        filter: params
            .get("list_filter_text")
            .filter(|v| !v.is_empty())
            .map(str::to_string),
    })
}

/// The transaction types M/getUserTransactions_method.html lists.
pub const TRANSACTION_TYPES: &[&str] = &[
    "DONATION",
    "PLEDGE",
    "RECURRING_GIFT",
    "TICKET",
    "DONATION_PENDING",
    "DONATION_PENDING_ACCEPTED",
    "DONATION_PENDING_REJECTED",
    "DONATION_PENDING_ACCEPTED_FAILED",
    "DONATION_PENDING_REJECTED_FAILED",
    "DONATION_ACCEPTED_FAILED",
    "DONATION_REJECTED_FAILED",
    "DONATION_SETTLED",
    "DONATION_REJECTED",
    "F2F_REGISTRATION",
    "TRIBUTES_REGISTRATION",
    "ECOMMERCE_PURCHASE",
    "REFUND",
    "FAILED_RECURRING_DONATION_DECLINED",
    "FAILED_RECURRING_DONATION_FRAUD",
];

/// `getUserTransactions`' filters and paging, checked (the mock records no transactions, so
/// they select nothing): **\[choice\]** dates are `YYYY-MM-DD` (else 9), `begin_date` after
/// `end_date` is 25, `transaction_type` is one of the documented types (comma-separated,
/// else 9), bad `list_*` values are 50.
fn transaction_criteria(params: &Params) -> Result<(), LumError> {
    let date = |name: &'static str| -> Result<Option<chrono::NaiveDate>, LumError> {
        match params.get(name).filter(|v| !v.is_empty()) {
            None => Ok(None),
            Some(v) => chrono::NaiveDate::parse_from_str(v.trim(), "%Y-%m-%d")
                .map(Some)
                .map_err(|_| LumError::Param(name)),
        }
    };
    if let (Some(begin), Some(end)) = (date("begin_date")?, date("end_date")?) {
        if begin > end {
            return Err(LumError::DateRange);
        }
    }
    if let Some(types) = params.get("transaction_type").filter(|v| !v.is_empty()) {
        let known = types
            .split(',')
            .map(str::trim)
            .all(|t| TRANSACTION_TYPES.contains(&t));
        if !known {
            return Err(LumError::Param("transaction_type"));
        }
    }
    let list = |e: LumError| match e {
        LumError::Param(p) => LumError::ListCriteria(p),
        other => other,
    };
    number(params, "list_page_size", Some(25), 1, LIST_PAGE_SIZE_LIMIT).map_err(list)?;
    number(params, "list_page_offset", Some(0), 0, i64::MAX / 2000).map_err(list)?;
    number(params, "list_record_offset", Some(0), 0, i64::MAX / 2).map_err(list)?;
    Ok(())
}

/// The fields of `create` / `update` / `createOrUpdate`.
fn changes(params: &Params) -> Result<Changes, LumError> {
    let email = field(params, "email.primary_address")?;
    if let Some(e) = &email {
        if !is_email(e) {
            return Err(LumError::Validation("email.primary_address"));
        }
    }
    Ok(Changes {
        add_group_ids: group_ids(params, "add_group_ids")?,
        remove_group_ids: group_ids(params, "remove_group_ids")?,
        first_name: field(params, "name.first")?,
        last_name: field(params, "name.last")?,
        email,
        member_id: field(params, "member_id")?,
        primary_email: field(params, "primary_email")?,
        user_name: field(params, "user_name")?,
        password: field(params, "user_password")?,
    })
}

/// **\[choice\]** Whether an address is one: `local@domain`, one `@`, no spaces or control
/// characters, a domain with a dot that neither starts nor ends the domain, at most 255
/// characters. (Used by `isEmailValid` and for the address a record gets.)
pub fn is_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    s.len() <= MAX_FIELD_CHARS
        && !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains("..")
        && !s.chars().any(|c| c.is_whitespace() || c.is_control())
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

/// A constituent field's value: **\[choice\]** at most 255 characters (23, "Input size error")
/// and no control characters (35, "Input contains invalid characters").
fn field(params: &Params, param: &'static str) -> Result<Option<String>, LumError> {
    match params.get(param).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) if v.chars().count() > MAX_FIELD_CHARS => Err(LumError::InputSize(param)),
        Some(v) if v.chars().any(char::is_control) => Err(LumError::InvalidChars(param)),
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
        let t = Target::from_path("/demo/site/CRConsAPI/");
        assert_eq!(t.servlet, Some(Servlet::CRConsAPI));
    }

    #[test]
    fn an_email_has_one_at_and_a_dotted_domain() {
        for ok in ["a@b.org", "first.last+tag@sub.example.co.uk"] {
            assert!(is_email(ok), "{ok}");
        }
        for bad in [
            "",
            "a",
            "@b.org",
            "a@",
            "a@b",
            "a@@b.org",
            "a@.b.org",
            "a@b.org.",
            "a b@c.org",
            "a@b..org",
        ] {
            assert!(!is_email(bad), "{bad}");
        }
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
