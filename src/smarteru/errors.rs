//! Every error the SmarterU emulation answers with: one enum, each variant knowing its code and
//! message, one function rendering the `Failed` envelope (always HTTP 200).
//!
//! The general codes (SU:01 to SU:13, SU:9999) answer the vendor's published texts verbatim
//! (support page "API Response XML Package"); clients compare them. What the mock knows beyond
//! the code (which field is wrong, why the XML was refused) is a *hint*: it goes to the log
//! (`tracing`, target `membermock::smarteru::errors`), never into `ErrorMessage`.
//!
//! Method-specific codes: SmarterU's method pages end with error tables no public copy shows.
//! Where a public source shows a text it is used exactly, with the source next to it; every
//! other method code is a **\[choice\]** listed in `docs/smarteru.md`.

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
    /// `createUser`
    Cu,
    /// `createGroup`
    Cg,
}

impl Prefix {
    fn as_str(self) -> &'static str {
        match self {
            Prefix::Ug => "UG",
            Prefix::Uu => "UU",
            Prefix::Cu => "CU",
            Prefix::Cg => "CG",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SuError {
    /// SU:01 — plain-HTTP POST, GET, empty or unreadable body.
    NoPostData,
    /// SU:02 — no `Package` field.
    NoPackage,
    /// SU:02 **\[choice\]** — the `Package` field sent more than once.
    RepeatedPackage,
    /// SU:03 — not well-formed XML, DOCTYPE, invalid UTF-8, over the size limits; the reason is
    /// a hint for the log.
    NotWellFormed(&'static str),
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
    /// SU:12 — what is wrong is a hint for the log.
    WrongStructure(String),
    /// SU:13 — names the element.
    UnexpectedElement(String),
    /// SU:9999
    Internal,
    /// GUG:01 **\[choice\]**
    GugEmail,
    /// GUG:02 **\[choice\]**
    GugEmployeeId,
    /// GUG:03 **\[choice\]**
    GugId,
    /// GU:03 — also what `updateUser`/`updateGroup`/`createGroup` say for a user they cannot
    /// find.
    UserNotFound,
    /// GG:03 — also what the writes say for a group they cannot find.
    GroupNotFound,
    /// UU:69 **\[choice\]** — owners and administrators are not changed through `updateUser`.
    UserNotUpdatable,
    /// UG:31 / UU:31 / CU:31 / CG:31 **\[choice\]** — a permission code SmarterU does not define.
    InvalidPermission(Prefix, String),
    /// UG:40 / UU:40 **\[choice\]** — removing a user from their home group.
    HomeGroupRemoval(Prefix),
    /// UU:41 / CU:41 **\[choice\]** — the email belongs to another user of the account.
    EmailTaken(Prefix),
    /// UU:42 / CU:42 **\[choice\]** — the employee ID belongs to another user of the account.
    EmployeeIdTaken(Prefix),
    /// UU:43 / CU:43 **\[choice\]** — a `Supervisor` names no other user.
    SupervisorNotFound(Prefix, String),
    /// CG:41 **\[choice\]** — `createGroup` with the name of an existing group.
    GroupNameTaken,
    /// CG:42 **\[choice\]** — `createGroup` with the `GroupID` of an existing group.
    GroupIdTaken,
    /// CG:50 **\[choice\]** — `createGroup` by a user who may not create groups.
    GroupCreationDenied,
    /// A code injected by a fault rule; the message comes from this table when known.
    Injected(String),
}

/// SU:9999's published text, also the message of an injected code this table does not know.
const UNKNOWN_FAILURE: &str = "Unknown method call failure.";

impl SuError {
    pub fn code(&self) -> String {
        match self {
            SuError::NoPostData => "SU:01".into(),
            SuError::NoPackage | SuError::RepeatedPackage => "SU:02".into(),
            SuError::NotWellFormed(_) => "SU:03".into(),
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
            SuError::EmailTaken(p) => format!("{}:41", p.as_str()),
            SuError::EmployeeIdTaken(p) => format!("{}:42", p.as_str()),
            SuError::SupervisorNotFound(p, _) => format!("{}:43", p.as_str()),
            SuError::GroupNameTaken => "CG:41".into(),
            SuError::GroupIdTaken => "CG:42".into(),
            SuError::GroupCreationDenied => "CG:50".into(),
            SuError::Injected(code) => code.clone(),
        }
    }

    pub fn message(&self) -> String {
        match self {
            // The general codes: the vendor's published texts, verbatim ("API Response XML
            // Package"). SU:10 is the page's text; a 2015 live recording (Ruby gem `smarteru`,
            // `test/vcr/invalid_api_keys.yml`) lacked the final period.
            SuError::NoPostData => "No POST data detected.".into(),
            SuError::NoPackage | SuError::RepeatedPackage => "Package parameter not found.".into(),
            SuError::NotWellFormed(_) => "Package data is not properly formatted XML.".into(),
            SuError::NotSmarterU => "SmarterU root tag not found in Package data.".into(),
            SuError::MissingAccountApi => "AccountAPI tag not found in Package data.".into(),
            SuError::MissingUserApi => "UserAPI tag not found in Package data.".into(),
            SuError::MissingMethod => "Method tag not found in Package data.".into(),
            SuError::MissingParameters => "Parameters tag not found in Package data.".into(),
            SuError::EmptyParameters => "Parameters tag contains no information.".into(),
            SuError::InvalidKeys => "User and Account API keys are invalid.".into(),
            SuError::UnknownMethod => "Requested method does not exist.".into(),
            SuError::WrongStructure(_) => "Incorrect/Missing Structure/Parameters.".into(),
            SuError::UnexpectedElement(name) => {
                format!("Element {name} was found where it should not exist.")
            }
            SuError::Internal => UNKNOWN_FAILURE.into(),
            // **[choice]** No public source shows the GUG texts.
            SuError::GugEmail => "The email address provided is not valid.".into(),
            SuError::GugEmployeeId => "The employee ID provided is not valid.".into(),
            SuError::GugId => "The user ID provided is not valid.".into(),
            // Live answer recorded in 2015 (Ruby gem `smarteru`,
            // `test/vcr/get_nonexistant_user.yml`), without a final period.
            SuError::UserNotFound => "The user requested does not exist".into(),
            // The public PHP client's text (`cbs-software/smarteru-php-client`, its first
            // `readGroup*` and their tests); no live recording shows it.
            SuError::GroupNotFound => "The requested group does not exist.".into(),
            // **[choice]** from here on: no public source shows these codes or texts.
            SuError::UserNotUpdatable => "The requested user cannot be updated via the API.".into(),
            SuError::InvalidPermission(_, code) => {
                format!("The permission {code} is not valid.")
            }
            SuError::HomeGroupRemoval(_) => {
                "A user cannot be removed from their home group.".into()
            }
            // The createUser wording is the vendor's web UI message for the same case
            // (support page "Troubleshooting User Accounts").
            SuError::EmailTaken(Prefix::Cu) | SuError::EmployeeIdTaken(Prefix::Cu) => {
                "User already exists in this account.".into()
            }
            SuError::EmailTaken(_) => "The email address is already used by another user.".into(),
            SuError::EmployeeIdTaken(_) => {
                "The employee ID is already used by another user.".into()
            }
            SuError::SupervisorNotFound(_, name) => {
                format!("The supervisor {name} does not exist.")
            }
            SuError::GroupNameTaken => "A group with this name already exists.".into(),
            SuError::GroupIdTaken => "A group with this GroupID already exists.".into(),
            SuError::GroupCreationDenied => "You do not have permission to create groups.".into(),
            SuError::Injected(code) => message_for_code(code),
        }
    }

    /// What the mock knows beyond the code, for the log.
    pub fn hint(&self) -> Option<String> {
        match self {
            SuError::RepeatedPackage => Some("the Package field was sent more than once".into()),
            SuError::NotWellFormed(why) => Some((*why).into()),
            SuError::WrongStructure(what) => Some(what.clone()),
            _ => None,
        }
    }
}

/// The message this table gives a code (for injected faults), SU:9999's when unknown.
fn message_for_code(code: &str) -> String {
    let known = [
        SuError::NoPostData,
        SuError::NoPackage,
        SuError::NotWellFormed(""),
        SuError::NotSmarterU,
        SuError::MissingAccountApi,
        SuError::MissingUserApi,
        SuError::MissingMethod,
        SuError::MissingParameters,
        SuError::EmptyParameters,
        SuError::InvalidKeys,
        SuError::UnknownMethod,
        SuError::WrongStructure(String::new()),
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
        .unwrap_or_else(|| UNKNOWN_FAILURE.into())
}

impl IntoResponse for SuError {
    fn into_response(self) -> Response {
        let code = self.code();
        if let Some(hint) = self.hint() {
            tracing::debug!(code = %code, hint = %hint, "smarteru: refused");
        }
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
