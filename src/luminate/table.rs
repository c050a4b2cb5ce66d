//! The method table: every method the mock serves, with the servlets, verbs and authentication
//! its own page lists in the vendor's table "Client Servlet | Server Servlet | HTTP Methods
//! Supported | Requires Authentication"
//! (`open.convio.com/api/apidoc/reference/methods/<method>_method.html`). Everything about
//! *where* and *how* a method may be called is read from here, and nowhere else.

use super::auth::Need;

/// The four servlets the mock serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Servlet {
    CRConsAPI,
    SRConsAPI,
    CRGroupAPI,
    SRGroupAPI,
}

impl Servlet {
    pub fn from_name(name: &str) -> Option<Servlet> {
        match name {
            "CRConsAPI" => Some(Servlet::CRConsAPI),
            "SRConsAPI" => Some(Servlet::SRConsAPI),
            "CRGroupAPI" => Some(Servlet::CRGroupAPI),
            "SRGroupAPI" => Some(Servlet::SRGroupAPI),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Servlet::CRConsAPI => "CRConsAPI",
            Servlet::SRConsAPI => "SRConsAPI",
            Servlet::CRGroupAPI => "CRGroupAPI",
            Servlet::SRGroupAPI => "SRGroupAPI",
        }
    }

    /// Client (browser/end-user) servlets: auth tokens, SSO tokens, redirects, CORS.
    pub fn is_client(self) -> bool {
        matches!(self, Servlet::CRConsAPI | Servlet::CRGroupAPI)
    }
}

/// The verbs a method takes ("HTTP Methods Supported").
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

/// The vendor's "Requires Authentication" column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Auth {
    /// "Yes.": a logged-in user on the client servlet (`auth` + `JSESSIONID`, or
    /// `sso_auth_token`), an API administrator on the server servlet.
    Yes,
    /// "No.": anyone holding the API key.
    No,
    /// "Server.": the server servlet needs an API administrator; the client servlet does not
    /// authenticate its caller.
    Server,
}

/// What the caller must be allowed to do once authenticated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Right {
    None,
    /// An administrator ("only available for administrative users having the appropriate
    /// permission to review member lists": `getGroupMembers`).
    Admin,
    /// Group Management rights ("Client API callers must be logged in and must be
    /// administrator users with appropriate Group Management rights. Server API callers must
    /// have "Group Management/Use Luminate Online Groups API" permission": the Group API).
    GroupManagement,
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
    Create,
    IsEmailValid,
    ListUserFields,
    GetUserTransactions,
    GetGroupMembers,
    GetGroupInfo,
    ListGroups,
}

/// One method as its page describes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MethodRow {
    /// The `method` value (case-sensitive).
    pub name: &'static str,
    pub method: Method,
    /// "Client Servlet" (`None.` on the page: `None`).
    pub client: Option<Servlet>,
    /// "Server Servlet".
    pub server: Option<Servlet>,
    /// "HTTP Methods Supported".
    pub verbs: Verbs,
    /// "Requires Authentication".
    pub auth: Auth,
    /// What the page's usage notes require of the caller beyond authentication.
    pub right: Right,
}

impl MethodRow {
    pub fn serves(&self, servlet: Servlet) -> bool {
        self.client == Some(servlet) || self.server == Some(servlet)
    }

    /// What the method needs from its caller on `servlet` (one it serves).
    pub fn need(&self, servlet: Servlet) -> Need {
        match (servlet.is_client(), self.auth) {
            (false, _) => Need::Admin,
            (true, Auth::Yes) => Need::User,
            (true, Auth::No | Auth::Server) => Need::Visitor,
        }
    }
}

const fn row(
    name: &'static str,
    method: Method,
    client: Option<Servlet>,
    server: Option<Servlet>,
    verbs: Verbs,
    auth: Auth,
    right: Right,
) -> MethodRow {
    MethodRow {
        name,
        method,
        client,
        server,
        verbs,
        auth,
        right,
    }
}

use Auth::{No, Server, Yes};
use Servlet::{CRConsAPI, CRGroupAPI, SRConsAPI, SRGroupAPI};
use Verbs::{GetPost, Post};

const CR: Option<Servlet> = Some(CRConsAPI);
const SR: Option<Servlet> = Some(SRConsAPI);
const NONE: Option<Servlet> = None;

/// The table, one row per method, each row from the method's own page (`M/` =
/// `open.convio.com/api/apidoc/reference/methods/`).
pub const METHODS: &[MethodRow] = &[
    // M/login_method.html: CRConsAPI | SRConsAPI | POST | Server.
    row("login", Method::Login, CR, SR, Post, Server, Right::None),
    // M/getLoginUrl.html: CRConsAPI | None. | GET, POST | No.
    row(
        "getLoginUrl",
        Method::GetLoginUrl,
        CR,
        NONE,
        GetPost,
        No,
        Right::None,
    ),
    // M/loginTest_method.html: CRConsAPI | None. | GET, POST | No. — and "2020 Update: This
    // method no longer supports HTTP GET requests."
    row(
        "loginTest",
        Method::LoginTest,
        CR,
        NONE,
        Post,
        No,
        Right::None,
    ),
    // M/logout_method.html: CRConsAPI | None. | GET, POST | No.
    row("logout", Method::Logout, CR, NONE, GetPost, No, Right::None),
    // M/getSingleSignOnToken_method.html: None. | SRConsAPI | POST | Yes.
    row(
        "getSingleSignOnToken",
        Method::GetSingleSignOnToken,
        NONE,
        SR,
        Post,
        Yes,
        Right::None,
    ),
    // M/getUser_method.html: CRConsAPI | SRConsAPI | POST | Yes.
    row("getUser", Method::GetUser, CR, SR, Post, Yes, Right::None),
    // M/getUserGroups_method.html: CRConsAPI | SRConsAPI | POST | Yes.
    row(
        "getUserGroups",
        Method::GetUserGroups,
        CR,
        SR,
        Post,
        Yes,
        Right::None,
    ),
    // M/update_method.html: CRConsAPI | SRConsAPI | POST | Yes.
    row("update", Method::Update, CR, SR, Post, Yes, Right::None),
    // M/createOrUpdate_method.html: CRConsAPI | SRConsAPI | POST | Yes.
    row(
        "createOrUpdate",
        Method::CreateOrUpdate,
        CR,
        SR,
        Post,
        Yes,
        Right::None,
    ),
    // M/create_method.html: CRConsAPI | SRConsAPI | POST | Server.
    row("create", Method::Create, CR, SR, Post, Server, Right::None),
    // **[choice]** isEmailValid's page is not public any more (only its table-of-contents
    // entry is): served like its neighbour listUserFields.
    row(
        "isEmailValid",
        Method::IsEmailValid,
        CR,
        SR,
        GetPost,
        Server,
        Right::None,
    ),
    // M/listUserFields_method.html: CRConsAPI | SRConsAPI | GET, POST | Server.
    row(
        "listUserFields",
        Method::ListUserFields,
        CR,
        SR,
        GetPost,
        Server,
        Right::None,
    ),
    // M/getUserTransactions_method.html: CRConsAPI | SRConsAPI | GET, POST | Yes.
    row(
        "getUserTransactions",
        Method::GetUserTransactions,
        CR,
        SR,
        GetPost,
        Yes,
        Right::None,
    ),
    // M/getGroupMembers_method.html: CRConsAPI | SRConsAPI | POST | Yes — a Constituent API
    // method, for administrators only.
    row(
        "getGroupMembers",
        Method::GetGroupMembers,
        CR,
        SR,
        Post,
        Yes,
        Right::Admin,
    ),
    // M/getGroupInfo_method.html: CRGroupAPI | SRGroupAPI | GET, POST | Yes.
    row(
        "getGroupInfo",
        Method::GetGroupInfo,
        Some(CRGroupAPI),
        Some(SRGroupAPI),
        GetPost,
        Yes,
        Right::GroupManagement,
    ),
    // M/listGroups_method.html: CRGroupAPI | SRGroupAPI | GET, POST | Yes.
    row(
        "listGroups",
        Method::ListGroups,
        Some(CRGroupAPI),
        Some(SRGroupAPI),
        GetPost,
        Yes,
        Right::GroupManagement,
    ),
];

/// The row of a method name (case-sensitive), whatever the servlet.
pub fn by_name(name: &str) -> Option<&'static MethodRow> {
    METHODS.iter().find(|r| r.name == name)
}

/// The row of `name` when `servlet` serves it.
pub fn route(servlet: Servlet, name: &str) -> Option<&'static MethodRow> {
    by_name(name).filter(|r| r.serves(servlet))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_method_has_one_row_and_at_least_one_servlet() {
        for (i, r) in METHODS.iter().enumerate() {
            assert!(r.client.is_some() || r.server.is_some(), "{}", r.name);
            assert!(r.client.is_none_or(Servlet::is_client), "{}", r.name);
            assert!(r.server.is_none_or(|s| !s.is_client()), "{}", r.name);
            assert!(
                METHODS[i + 1..]
                    .iter()
                    .all(|o| o.name != r.name && o.method != r.method),
                "{} twice",
                r.name
            );
        }
    }
}
