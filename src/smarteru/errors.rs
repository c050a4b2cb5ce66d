//! Every error the SmarterU emulation answers with: one enum, each variant knowing its code and
//! message, one function rendering the `Failed` envelope (always HTTP 200).

use axum::response::{IntoResponse, Response};

use crate::vendor::VendorCode;

use super::render;

/// Which method a method-specific code belongs to (codes use the method's initials).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Prefix {
    /// `updateGroup`
    Ug,
    /// `updateUser`
    Uu,
}

impl Prefix {
    fn as_str(self) -> &'static str {
        match self {
            Prefix::Ug => "UG",
            Prefix::Uu => "UU",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SuError {
    /// SU:01 — plain-HTTP POST, GET, empty or unreadable body.
    NoPostData,
    /// SU:02 — no `Package` field.
    NoPackage,
    /// SU:02 — the `Package` field sent more than once.
    RepeatedPackage,
    /// SU:03 — not well-formed XML, DOCTYPE, invalid UTF-8, over the size limits.
    NotWellFormed,
    /// SU:04
    NotSmarterU,
    /// SU:05
    MissingAccountApi,
    /// SU:06
    MissingUserApi,
    /// SU:07
    MissingMethod,
    /// SU:08
    MissingParameters,
    /// SU:09
    EmptyParameters,
    /// SU:10 — unknown keys, an inactive user, a user key of another account.
    InvalidKeys,
    /// SU:11
    UnknownMethod,
    /// SU:12 — says what is wrong.
    WrongStructure(String),
    /// SU:13 — names the element.
    UnexpectedElement(String),
    /// SU:9999
    Internal,
    /// GUG:01
    GugEmail,
    /// GUG:02
    GugEmployeeId,
    /// GUG:03
    GugId,
    /// GU:03 — also what `updateUser`/`updateGroup` say for a user they cannot find.
    UserNotFound,
    /// GG:03
    GroupNotFound,
    /// UU:69 — owners and administrators are not changed through `updateUser`.
    UserNotUpdatable,
    /// UG:31 / UU:31 **[choice]** — a permission code SmarterU does not define.
    InvalidPermission(Prefix, String),
    /// UG:40 / UU:40 **[choice]** — removing a user from their home group.
    HomeGroupRemoval(Prefix),
    /// UU:41 **[choice]** — `Info` > `Email` belongs to another user of the account.
    EmailTaken,
    /// UU:42 **[choice]** — `Info` > `EmployeeID` belongs to another user of the account.
    EmployeeIdTaken,
    /// UU:43 **[choice]** — a `Profile` > `Supervisors` > `Supervisor` names no other user.
    SupervisorNotFound(String),
    /// A code injected by a fault rule; the message comes from this table when known.
    Injected(String),
}

/// **[choice for wording]** Messages of the general codes; SU:01 and SU:10 are the vendor's.
const GENERIC: &str = "An unexpected error has occurred.";

impl SuError {
    pub fn code(&self) -> String {
        match self {
            SuError::NoPostData => "SU:01".into(),
            SuError::NoPackage | SuError::RepeatedPackage => "SU:02".into(),
            SuError::NotWellFormed => "SU:03".into(),
            SuError::NotSmarterU => "SU:04".into(),
            SuError::MissingAccountApi => "SU:05".into(),
            SuError::MissingUserApi => "SU:06".into(),
            SuError::MissingMethod => "SU:07".into(),
            SuError::MissingParameters => "SU:08".into(),
            SuError::EmptyParameters => "SU:09".into(),
            SuError::InvalidKeys => "SU:10".into(),
            SuError::UnknownMethod => "SU:11".into(),
            SuError::WrongStructure(_) => "SU:12".into(),
            SuError::UnexpectedElement(_) => "SU:13".into(),
            SuError::Internal => "SU:9999".into(),
            SuError::GugEmail => "GUG:01".into(),
            SuError::GugEmployeeId => "GUG:02".into(),
            SuError::GugId => "GUG:03".into(),
            SuError::UserNotFound => "GU:03".into(),
            SuError::GroupNotFound => "GG:03".into(),
            SuError::UserNotUpdatable => "UU:69".into(),
            SuError::InvalidPermission(p, _) => format!("{}:31", p.as_str()),
            SuError::HomeGroupRemoval(p) => format!("{}:40", p.as_str()),
            SuError::EmailTaken => "UU:41".into(),
            SuError::EmployeeIdTaken => "UU:42".into(),
            SuError::SupervisorNotFound(_) => "UU:43".into(),
            SuError::Injected(code) => code.clone(),
        }
    }

    pub fn message(&self) -> String {
        match self {
            SuError::NoPostData => "No POST data detected.".into(),
            SuError::NoPackage => "The Package parameter was not found.".into(),
            SuError::RepeatedPackage => "The Package parameter was sent more than once.".into(),
            SuError::NotWellFormed => "The Package parameter is not well-formed XML.".into(),
            SuError::NotSmarterU => "The root element of the package must be SmarterU.".into(),
            SuError::MissingAccountApi => "The AccountAPI element was not found.".into(),
            SuError::MissingUserApi => "The UserAPI element was not found.".into(),
            SuError::MissingMethod => "The Method element was not found.".into(),
            SuError::MissingParameters => "The Parameters element was not found.".into(),
            SuError::EmptyParameters => "The Parameters element is empty.".into(),
            SuError::InvalidKeys => "User and Account API keys are invalid".into(),
            SuError::UnknownMethod => "The method requested is not valid.".into(),
            SuError::WrongStructure(what) => format!("The parameters are not valid: {what}"),
            SuError::UnexpectedElement(name) => {
                format!("The element {name} is not allowed here.")
            }
            SuError::Internal => GENERIC.into(),
            SuError::GugEmail => "The email address provided is not valid.".into(),
            SuError::GugEmployeeId => "The employee ID provided is not valid.".into(),
            SuError::GugId => "The user ID provided is not valid.".into(),
            SuError::UserNotFound => "The user requested does not exist".into(),
            SuError::GroupNotFound => "The requested group does not exist.".into(),
            SuError::UserNotUpdatable => "The requested user cannot be updated via the API.".into(),
            SuError::InvalidPermission(_, code) => {
                format!("The permission {code} is not valid.")
            }
            SuError::HomeGroupRemoval(_) => {
                "A user cannot be removed from their home group.".into()
            }
            SuError::EmailTaken => "The email address is already used by another user.".into(),
            SuError::EmployeeIdTaken => "The employee ID is already used by another user.".into(),
            SuError::SupervisorNotFound(name) => {
                format!("The supervisor {name} does not exist.")
            }
            SuError::Injected(code) => message_for_code(code),
        }
    }
}

/// The message this table gives a code (for injected faults), generic when unknown.
fn message_for_code(code: &str) -> String {
    let known = [
        SuError::NoPostData,
        SuError::NoPackage,
        SuError::NotWellFormed,
        SuError::NotSmarterU,
        SuError::MissingAccountApi,
        SuError::MissingUserApi,
        SuError::MissingMethod,
        SuError::MissingParameters,
        SuError::EmptyParameters,
        SuError::InvalidKeys,
        SuError::UnknownMethod,
        SuError::GugEmail,
        SuError::GugEmployeeId,
        SuError::GugId,
        SuError::UserNotFound,
        SuError::GroupNotFound,
        SuError::UserNotUpdatable,
    ];
    known
        .iter()
        .find(|e| e.code() == code)
        .map(SuError::message)
        .unwrap_or_else(|| GENERIC.into())
}

impl IntoResponse for SuError {
    fn into_response(self) -> Response {
        let code = self.code();
        let mut response = render::failure(&code, &self.message());
        response.extensions_mut().insert(VendorCode(code));
        response
    }
}

impl From<crate::store::StoreError> for SuError {
    fn from(e: crate::store::StoreError) -> Self {
        tracing::error!(error = %e, "smarteru: store failure");
        SuError::Internal
    }
}

impl From<rusqlite::Error> for SuError {
    fn from(e: rusqlite::Error) -> Self {
        tracing::error!(error = %e, "smarteru: query failure");
        SuError::Internal
    }
}
