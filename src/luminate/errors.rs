//! The one Luminate error type. Each variant knows its vendor code, message and HTTP status;
//! [`crate::luminate::render`] turns it into the `errorResponse` envelope.

use axum::http::StatusCode;

/// Every way a Luminate call can fail, in the vendor's own codes (luminate.md §3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LumError {
    /// 1: an internal failure (logged where it happened; never for bad input).
    Internal,
    /// 2: `api_key` wrong or missing, or the org names no site.
    ApiKey,
    /// 3 (server API): `login_name`/`login_password` wrong, or not an API administrator.
    AdminLogin,
    /// 3 (client API): the method needs a logged-in user and the session has none.
    NotLoggedIn,
    /// 4: the caller's address is outside the site's allowed list.
    IpDenied,
    /// 5: `auth` missing, unknown, expired, or not bound to the presented `JSESSIONID`.
    AuthToken,
    /// 6: `method` missing or not a method of this servlet.
    UnknownMethod,
    /// 7: `sso_auth_token` unknown or expired.
    SsoToken,
    /// 8: a one-constituent lookup matched several.
    Ambiguous,
    /// 9: a required parameter is missing or malformed (the parameter's name, never its value).
    Param(&'static str),
    /// 14: the caller may not do this (someone else's record, a built-in group).
    NotAllowed,
    /// 16: no constituent record matches.
    NoMatch,
    /// `login` with a wrong user name or password.
    BadLogin,
    /// 405: a verb other than POST.
    WrongVerb,
    /// A code injected by a fault rule (`{"vendor_error":"1"}`).
    Injected(String),
}

/// **[choice]** `login` failures answer code 202, the code Luminate's login documentation
/// gives for a wrong user name or password (it is not one of the general codes).
pub const BAD_LOGIN_CODE: &str = "202";

impl LumError {
    pub fn code(&self) -> &str {
        match self {
            LumError::Internal => "1",
            LumError::ApiKey => "2",
            LumError::AdminLogin | LumError::NotLoggedIn => "3",
            LumError::IpDenied => "4",
            LumError::AuthToken => "5",
            LumError::UnknownMethod => "6",
            LumError::SsoToken => "7",
            LumError::Ambiguous => "8",
            LumError::Param(_) => "9",
            LumError::NotAllowed => "14",
            LumError::NoMatch => "16",
            LumError::BadLogin => BAD_LOGIN_CODE,
            LumError::WrongVerb => "405",
            LumError::Injected(code) => code,
        }
    }

    pub fn message(&self) -> String {
        match self {
            LumError::Param(name) => format!("Missing or invalid parameter: {name}."),
            LumError::AdminLogin => {
                "Login failed: incorrect login_name or login_password, or the account is not an \
                 API administrator."
                    .into()
            }
            LumError::NotLoggedIn => "The method requires a logged-in user.".into(),
            other => message_for(other.code()).into(),
        }
    }

    /// 405 for a wrong verb (and an injected `"405"`), 403 for every API error.
    pub fn status(&self) -> StatusCode {
        if self.code() == "405" {
            StatusCode::METHOD_NOT_ALLOWED
        } else {
            StatusCode::FORBIDDEN
        }
    }
}

/// **[choice]** The message of each code; Luminate's wording is not published for all of them.
/// Unknown codes (only reachable through fault injection) get a generic message.
pub fn message_for(code: &str) -> &'static str {
    match code {
        "1" => "An unexpected error occurred.",
        "2" => "Incorrect API key.",
        "3" => "Login failed.",
        "4" => "The caller's IP address is not allowed for this site.",
        "5" => "Invalid or expired auth token.",
        "6" => "Unknown method.",
        "7" => "Invalid or expired single sign-on token.",
        "8" => "More than one constituent record matches.",
        "9" => "Missing or invalid parameter.",
        "14" => "The caller is not allowed to use this method for this record.",
        "16" => "No constituent record matches.",
        BAD_LOGIN_CODE => "Invalid user name or password.",
        "405" => "HTTP method not allowed: use POST.",
        _ => "The request could not be processed.",
    }
}
