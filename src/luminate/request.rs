//! Decoding the parts of a request every method shares: the path (org, servlet, the
//! `;jsessionid=` suffix), the response style, the redirect parameters, the credentials.

use axum::http::{HeaderMap, HeaderValue};

use crate::seed::RedirectDigest;
use crate::wire::form::Params;

use super::errors::LumError;
use super::render::{Format, Style};

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
        let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        let (org, servlet) = match segments.as_slice() {
            [_, s] => (None, *s),
            [org, _, s] => (Some((*org).to_string()), *s),
            _ => (None, ""),
        };
        let mut pieces = servlet.split(';');
        let name = pieces.next().unwrap_or_default();
        let jsessionid = pieces.find_map(|p| {
            let (k, v) = p.split_once('=')?;
            k.eq_ignore_ascii_case("jsessionid").then(|| v.to_string())
        });
        Target {
            org,
            servlet: Servlet::from_name(name),
            jsessionid,
        }
    }
}

/// `response_format`: `Ok(None)` when absent, `Err` when it names no format.
pub fn response_format(value: Option<&str>) -> Result<Format, LumError> {
    match value {
        None | Some("xml") => Ok(Format::Xml),
        Some("json") => Ok(Format::Json),
        Some(_) => Err(LumError::Param("response_format")),
    }
}

/// The style an answer is sent in, as far as the parameters can be read: an unreadable
/// `response_format` falls back to XML.
pub fn style(get: impl Fn(&str) -> Option<String>) -> Style {
    Style {
        format: response_format(get("response_format").as_deref()).unwrap_or(Format::Xml),
        suppress_response_codes: get("suppress_response_codes")
            .is_some_and(|v| v.eq_ignore_ascii_case("true")),
        ..Style::default()
    }
}

/// Credentials a request may carry.
#[derive(Debug, Clone, Default)]
pub struct Creds {
    pub api_key: Option<String>,
    pub login_name: Option<String>,
    pub login_password: Option<String>,
    pub auth: Option<String>,
    pub jsessionid: Option<String>,
    pub sso_auth_token: Option<String>,
}

impl Creds {
    /// **[choice]** `JSESSIONID` is read from the parameter, then the path's `;jsessionid=`
    /// suffix, then the `JSESSIONID` cookie: real clients use all three.
    pub fn read(params: &Params, target: &Target, headers: &HeaderMap) -> Creds {
        let get = |n: &str| params.get(n).filter(|v| !v.is_empty()).map(str::to_string);
        Creds {
            api_key: get("api_key"),
            login_name: get("login_name"),
            login_password: get("login_password"),
            auth: get("auth"),
            jsessionid: get("JSESSIONID")
                .or_else(|| target.jsessionid.clone())
                .or_else(|| cookie(headers, "JSESSIONID")),
            sso_auth_token: get("sso_auth_token"),
        }
    }
}

fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|c| {
            let (k, v) = c.trim().split_once('=')?;
            (k == name).then(|| v.to_string())
        })
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
