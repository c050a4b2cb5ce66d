//! The one YM error type. Each variant knows its `ErrorCode` and HTTP status; [`YmError::render`]
//! writes the envelope: the operation's response DTO with only its defaults and a filled
//! `ResponseStatus` (how ServiceStack answers an exception, and what YM's observed 401 shows).

use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};

use super::render::{Format, Node, Obj, SS_NS};
use super::responses;
use super::route::Op;
use crate::vendor::VendorCode;

/// Why a login was refused (`FailedLoginReason`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginRefusal {
    AccountLockedOut,
    AccountSuspended,
    InvalidClient,
}

impl LoginRefusal {
    pub fn reason(self) -> &'static str {
        match self {
            LoginRefusal::AccountLockedOut => "AccountLockedOut",
            LoginRefusal::AccountSuspended => "AccountSuspended",
            LoginRefusal::InvalidClient => "InvalidClient",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum YmError {
    /// The body is not readable as the content type it claims.
    Deserialize {
        dto: &'static str,
        content_type: String,
    },
    /// A value that does not convert to its property's type.
    Binding {
        dto: &'static str,
        field: &'static str,
        value: String,
    },
    /// A request that binds but makes no sense (no relationship flag, a negative page, ...).
    Invalid {
        field: Option<&'static str>,
        message: String,
    },
    /// Wrong user name, API key or password (the observed YM answer).
    BadCredentials,
    /// Right credentials, but the member or client may not log in.
    LoginRefused(LoginRefusal),
    /// No session, or an unknown one.
    NotAuthenticated,
    /// A session that was issued but has passed its lifetime.
    SessionExpired,
    /// A role or client the route does not allow.
    Forbidden,
    MemberNotFound,
    GroupNotFound,
    /// A `TypeID` naming no group type of the client.
    GroupTypeNotFound,
    RouteNotFound,
    MethodNotAllowed {
        verb: Method,
        dto: &'static str,
        allow: &'static [Method],
    },
    /// The body could not be read (over the size limit).
    BodyTooLarge,
    /// A store failure (already logged).
    Internal,
    /// A fault rule's `vendor_error`.
    Injected(String),
}

impl YmError {
    pub fn code(&self) -> &str {
        match self {
            YmError::Deserialize { .. } | YmError::Binding { .. } | YmError::BodyTooLarge => {
                "SerializationException"
            }
            YmError::Invalid { .. } => "ArgumentException",
            // YM answers refused logins with ErrorCode "None" (observed for bad credentials;
            // **[choice]** the same for the other refusals).
            YmError::BadCredentials | YmError::LoginRefused(_) => "None",
            YmError::NotAuthenticated | YmError::SessionExpired => "Unauthorized",
            YmError::Forbidden => "Forbidden",
            YmError::MemberNotFound
            | YmError::GroupNotFound
            | YmError::GroupTypeNotFound
            | YmError::RouteNotFound => "NotFound",
            YmError::MethodNotAllowed { .. } => "NotImplementedException",
            YmError::Internal => "Exception",
            YmError::Injected(code) => code,
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            YmError::Injected(code) => injected_status(code),
            YmError::Deserialize { .. }
            | YmError::Binding { .. }
            | YmError::Invalid { .. }
            | YmError::BodyTooLarge => StatusCode::BAD_REQUEST,
            YmError::BadCredentials
            | YmError::LoginRefused(_)
            | YmError::NotAuthenticated
            | YmError::SessionExpired => StatusCode::UNAUTHORIZED,
            YmError::Forbidden => StatusCode::FORBIDDEN,
            YmError::MemberNotFound
            | YmError::GroupNotFound
            | YmError::GroupTypeNotFound
            | YmError::RouteNotFound => StatusCode::NOT_FOUND,
            YmError::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            YmError::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn message(&self) -> String {
        match self {
            YmError::Deserialize { dto, content_type } => {
                format!("Could not deserialize '{content_type}' request using {dto}")
            }
            YmError::Binding { dto, .. } => format!("Unable to bind to request '{dto}'"),
            YmError::Invalid { message, .. } => message.clone(),
            YmError::BadCredentials => "Invalid username/password combination.".into(),
            // **[choice]** messages of the other refusals.
            YmError::LoginRefused(LoginRefusal::AccountLockedOut) => {
                "Account is locked out.".into()
            }
            YmError::LoginRefused(LoginRefusal::AccountSuspended) => "Account is suspended.".into(),
            YmError::LoginRefused(LoginRefusal::InvalidClient) => "Invalid client.".into(),
            YmError::NotAuthenticated => "Not Authenticated".into(),
            // **[choice]** YM's text for an expired session is not public; a public client
            // (OWASP PageCreator's `owasp_ym.py`) tells a session timeout by the word
            // "timeout" in this Message, so the answer carries it.
            YmError::SessionExpired => "Session timeout. Please authenticate again.".into(),
            YmError::Forbidden => "Invalid Role".into(),
            YmError::MemberNotFound => "Member not found".into(),
            YmError::GroupNotFound => "Group not found".into(),
            // **[choice]** like the other not-found answers.
            YmError::GroupTypeNotFound => "Group type not found".into(),
            YmError::RouteNotFound => "Handler for Request not found (404)".into(),
            YmError::MethodNotAllowed { verb, dto, .. } => {
                let verb = verb.as_str();
                let pascal = format!("{}{}", &verb[..1], verb[1..].to_ascii_lowercase());
                format!("Could not find method named {pascal}({dto}) or Any({dto}) on Service {dto}Service")
            }
            YmError::BodyTooLarge => "The request body is too large or could not be read.".into(),
            YmError::Internal => "An internal error occurred.".into(),
            YmError::Injected(code) => format!("{code} (injected by a membermock fault rule)"),
        }
    }

    /// `ResponseStatus.Errors`: the field entries of a binding or validation error.
    fn errors(&self) -> Node {
        match self {
            YmError::Binding { field, value, .. } => Node::List(vec![Node::Obj(
                Obj::new("ResponseError", SS_NS)
                    .with("ErrorCode", "SerializationException")
                    .with("FieldName", *field)
                    .with(
                        "Message",
                        format!("'{value}' is an Invalid value for '{field}'"),
                    ),
            )]),
            YmError::Invalid {
                field: Some(field),
                message,
            } => Node::List(vec![Node::Obj(
                Obj::new("ResponseError", SS_NS)
                    .with("ErrorCode", "ArgumentException")
                    .with("FieldName", *field)
                    .with("Message", message.as_str()),
            )]),
            _ => Node::Null,
        }
    }

    fn response_status(&self) -> Obj {
        Obj::new("ResponseStatus", SS_NS)
            .with("ErrorCode", self.code())
            .with("Message", self.message())
            .with("StackTrace", Node::Null)
            .with("Errors", self.errors())
            .with("Meta", Node::Null)
    }

    /// The whole error answer of `op` in `format`.
    pub fn render(&self, op: Op, format: &Format) -> Response {
        let failed_login = match self {
            YmError::LoginRefused(r) => r.reason(),
            _ => "None",
        };
        let dto = responses::error_dto(op, self.response_status(), failed_login);
        let mut response = (
            self.status(),
            [format.content_type_header()],
            format.write(&dto),
        )
            .into_response();
        let headers = response.headers_mut();
        match self {
            YmError::NotAuthenticated | YmError::SessionExpired => {
                headers.insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static(super::WWW_AUTHENTICATE),
                );
            }
            YmError::MethodNotAllowed { allow, .. } => {
                let allow: Vec<&str> = allow.iter().map(Method::as_str).collect();
                if let Ok(v) = HeaderValue::from_str(&allow.join(", ")) {
                    headers.insert(header::ALLOW, v);
                }
            }
            _ => {}
        }
        response
            .extensions_mut()
            .insert(VendorCode(self.code().to_string()));
        response
    }
}

/// **\[choice\]** The status of an injected `vendor_error` code: ServiceStack's mapping for the
/// codes YM uses, 500 for anything else.
fn injected_status(code: &str) -> StatusCode {
    match code {
        "Unauthorized" => StatusCode::UNAUTHORIZED,
        "Forbidden" => StatusCode::FORBIDDEN,
        "NotFound" => StatusCode::NOT_FOUND,
        "SerializationException"
        | "ArgumentException"
        | "ArgumentNullException"
        | "ValidationException"
        | "RequestBindingException" => StatusCode::BAD_REQUEST,
        "NotImplementedException" => StatusCode::METHOD_NOT_ALLOWED,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    }
}
