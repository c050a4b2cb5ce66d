//! The one Luminate error type. Each variant knows its vendor code and HTTP status; the message
//! of every code lives in [`message_for`]; [`crate::luminate::render`] writes the
//! `errorResponse` envelope.

use axum::http::StatusCode;

/// Every way a Luminate call can fail, in the vendor's own codes: the general codes of the
/// error-codes page (`apidoc/general/error_codes.html`, "may be returned by any API call") and
/// the Constituent API codes (`developer.blackbaud.com/.../errorcodes/constituent`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LumError {
    /// 1: an internal failure (logged where it happened; never for bad input).
    Internal,
    /// 1: input the vendor documents as failing with "Unable to process request"
    /// (`getSingleSignOnToken` without `cons_id` or `member_id`).
    Unprocessable,
    /// 2: `api_key` wrong or missing, or the org names no site.
    ApiKey,
    /// 3 (server API): `login_name`/`login_password` wrong, or not an API administrator.
    AdminLogin,
    /// 3 (client API): the method needs a logged-in user and the session has none; or `create`
    /// from a session that is already logged in.
    NotLoggedIn,
    /// 3: logged in, but without the right the method needs (the Group API's Group
    /// Management right) **[choice: the Group API publishes no codes; 3 is the general
    /// "Authorization failed"]**.
    NoRight,
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
    /// 9: a required parameter is missing or malformed. The name is for the log only: the
    /// vendor's message does not name the parameter.
    Param(&'static str),
    /// 10: a constituent field needed to create a record is missing (`primary_email`).
    FieldsMissing,
    /// 11: `create` found a record it would duplicate.
    Duplicate,
    /// 12: the user name is taken.
    DuplicateUserName,
    /// 14: the caller may not do this (someone else's record, a built-in group, an
    /// administrator-only parameter or method).
    NotAllowed,
    /// 15: an update's lookup matched several records.
    UpdateAmbiguous,
    /// 16: no constituent record matches.
    NoMatch,
    /// 22: a field value does not validate (an e-mail address that is not one).
    Validation(&'static str),
    /// 23: a field value is too long.
    InputSize(&'static str),
    /// 25: `begin_date` after `end_date`.
    DateRange,
    /// 35: a field value has characters the vendor refuses (control characters).
    InvalidChars(&'static str),
    /// 50: `list_*` or `selection_mode` parameters that are not valid list criteria.
    ListCriteria(&'static str),
    /// `login` with a wrong user name or password.
    BadLogin,
    /// 405: a verb the method does not take.
    WrongVerb,
    /// A code injected by a fault rule (`{"vendor_error":"1"}`).
    Injected(String),
}

/// **\[choice\]** `login` failures answer code 202: no vendor page gives the code, and public
/// participant-centre clients treat 200, 201, 202 and 204 after `login` as a wrong user name
/// or password.
pub const BAD_LOGIN_CODE: &str = "202";

impl LumError {
    pub fn code(&self) -> &str {
        match self {
            LumError::Internal | LumError::Unprocessable => "1",
            LumError::ApiKey => "2",
            LumError::AdminLogin | LumError::NotLoggedIn | LumError::NoRight => "3",
            LumError::IpDenied => "4",
            LumError::AuthToken => "5",
            LumError::UnknownMethod => "6",
            LumError::SsoToken => "7",
            LumError::Ambiguous => "8",
            LumError::Param(_) => "9",
            LumError::FieldsMissing => "10",
            LumError::Duplicate => "11",
            LumError::DuplicateUserName => "12",
            LumError::NotAllowed => "14",
            LumError::UpdateAmbiguous => "15",
            LumError::NoMatch => "16",
            LumError::Validation(_) => "22",
            LumError::InputSize(_) => "23",
            LumError::DateRange => "25",
            LumError::InvalidChars(_) => "35",
            LumError::ListCriteria(_) => "50",
            LumError::BadLogin => BAD_LOGIN_CODE,
            LumError::WrongVerb => "405",
            LumError::Injected(code) => code,
        }
    }

    pub fn message(&self) -> &'static str {
        message_for(self.code())
    }

    /// The parameter an error is about, for the log (never in the answer).
    pub fn parameter(&self) -> Option<&'static str> {
        match self {
            LumError::Param(p)
            | LumError::Validation(p)
            | LumError::InputSize(p)
            | LumError::InvalidChars(p)
            | LumError::ListCriteria(p) => Some(p),
            _ => None,
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

/// The message of each code: the first sentence of the code's text on the vendor's
/// error-codes pages. **\[choice\]** The pages give descriptions, not literal messages; the two
/// messages seen from live servers ("Unable to process request." for 1, "Incorrect API key."
/// for 2) are exactly the first sentences of theirs, so every code follows that rule. 202 and
/// 405 are not on the pages (their texts are the mock's and the older pages'). Unknown codes
/// (only reachable through fault injection) get code 1's message.
pub fn message_for(code: &str) -> &'static str {
    match code {
        "1" => "Unable to process request.",
        "2" => "Incorrect API key.",
        "3" => "Authorization failed.",
        "4" => "Request not allowed from source IP address.",
        "5" => "Method is restricted; the API requires an auth token.",
        "6" => "No method specified or the method specified is invalid.",
        "7" => "Single SignOn failed.",
        "8" => {
            "A request that should apply to a single constituent matched more than one \
             constituent."
        }
        "9" => "One or more required parameters were missing from the request.",
        "10" => "One or more required constituent fields are missing.",
        "11" => "Add failed: duplicate.",
        "12" => "Update failed: duplicate user name.",
        "13" => "Update failed: duplicate e-mail address.",
        "14" => "Method not allowed.",
        "15" => "Update failed: matched multiple records.",
        "16" => "Constituent record not found.",
        "17" => "(Deprecated) No method was specified.",
        "18" => "Attempt to access a user field did not match any records.",
        "19" => "Error returning group membership.",
        "20" => "Invalid password.",
        "21" => "Change password error: the old password is required.",
        "22" => "Validation error.",
        "23" => "Input size error.",
        "24" => "Address correction service error.",
        "25" => "Invalid date range.",
        "26" => "Invalid interaction type.",
        "27" => "Invalid interaction.",
        "28" => "Interaction logging failed.",
        "29" => "Invalid cateogry ID.",
        "30" => "Interaction body too large.",
        "31" => "Maximum number of interactions exceeded.",
        "32" => "Invalid constituent ID for interactions.",
        "33" => "No fields are configured to support authentication.",
        "34" => "UK Address Lookup Error.",
        "35" => "Input contains invalid characters.",
        "36" => "Usernames that are email addresses are not checked.",
        "50" => "The specified list criteria are invalid.",
        BAD_LOGIN_CODE => "Invalid user name or password.",
        "405" => "Bad HTTP method.",
        _ => "Unable to process request.",
    }
}
