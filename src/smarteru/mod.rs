//! SmarterU API v2: one endpoint, `POST /apiv2/`, taking an XML package in the form field
//! `Package` and answering an XML envelope in HTTP 200 whatever happened.
//!
//! A request goes: HTTPS/POST-only rule (SU:01) → `Package` field ([`package::field`], SU:02)
//! → XML ([`package::parse`], SU:03) → envelope ([`Envelope::read`], SU:04–SU:09) → keys
//! (SU:10) → method and parameters ([`methods::decode`], SU:11–SU:13) → the method against the
//! store ([`methods::read`] / [`methods::write`]) → [`render`]. Every failure is a
//! [`SuError`], rendered by one `IntoResponse`.
//!
//! Emulated: `getUserGroups` with the who-has-access rules, `getUser`, `listUsers` (matchers,
//! sorting, group/home-group/status/date filters), `getGroup`, `listGroups`, `updateGroup`
//! (group membership, home group, permissions, status) and `updateUser` (email, employee ID,
//! names, timezone, status, home group, supervisors, group membership and permissions). Not
//! emulated: every other method (SU:11), creating users or groups, renaming groups, profile
//! fields other than those, learning modules, subscription variants, venues, wages, tags,
//! teams, custom fields.
//!
//! **[choice]** decisions, each defined once next to the code it governs:
//! - SU:01 for a GET or an empty POST as well as for plain HTTP ([`served_over_https_post`]);
//! - SU:01 for a body over the 4 MiB limit, as a PHP service whose `post_max_size` is
//!   exceeded sees an empty POST ([`SmarterU::unreadable_body`]);
//! - a `Package` field sent twice is SU:02 ([`package::Field::Repeated`]);
//! - nesting and element limits ([`package::MAX_DEPTH`], [`package::MAX_ELEMENTS`]);
//! - an empty `AccountAPI`/`UserAPI`/`Method` counts as missing ([`Envelope::read`]);
//! - a repeated envelope element is SU:13 ([`Envelope::read`]);
//! - any path under `/apiv2/` is the endpoint ([`router`]);
//! - access rules, the user/group lists, page sizes, profile defaults, permission and
//!   home-group codes: see [`crate::store::smarteru`], [`methods`] and [`errors`];
//! - `updateGroup`/`updateUser` settings the mock does not store are accepted and ignored
//!   (`GROUP_IGNORED`, `INFO_IGNORED`, `PROFILE_IGNORED` in [`methods`]): the public PHP client
//!   sends them on every call;
//! - `LearningModules`, `SubscriptionVariants`, `Venues`, `Wages` are accepted empty (the PHP
//!   client always sends them) and any content is SU:13 rather than a faked success;
//! - an empty `Info` value changes nothing (the PHP client sends `<EmployeeID/>` for a user
//!   without one); UU:41/UU:42 for an email or employee ID another user has, UU:43 for an
//!   unknown supervisor ([`errors`]);
//! - `Timezone` in `updateUser`: a display value is kept, a known provided name is mapped, any
//!   other name is ignored ([`timezone`]);
//! - `listUsers` dates, matchers, sorting and the `Teams`/`Tags2` filters matching nobody
//!   ([`methods`], [`crate::store::smarteru`]).

pub mod errors;
pub mod methods;
pub mod package;
pub mod render;
pub mod timezone;

use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::request::Parts;
use axum::http::Method;
use axum::response::{IntoResponse, Response};
use axum::Router;

use crate::config::MAX_BODY_BYTES;
use crate::state::AppState;
use crate::store::smarteru::{self as q, Caller};
use crate::vendor::{Api, Operation, Scheme, Vendor};

pub use errors::SuError;
use methods::{Check, Command};
use package::Node;

/// Whether a path belongs to SmarterU: `/apiv2` and below.
pub fn claims(path: &str) -> bool {
    path == "/apiv2" || path.starts_with("/apiv2/")
}

/// **[choice]** Every path under `/apiv2/` reaches the endpoint: the vendor serves one script
/// there, and the package, not the path, names the method.
pub fn router(state: AppState) -> Router<AppState> {
    crate::vendor::layer(Router::new().fallback(endpoint), state, SmarterU)
}

/// The pipeline hooks.
#[derive(Debug, Clone, Copy)]
pub struct SmarterU;

impl Vendor for SmarterU {
    const API: Api = Api::SmarterU;

    async fn classify(&self, state: &AppState, parts: &Parts, body: &Bytes) -> Operation {
        let mut op = Operation {
            api: Api::SmarterU,
            tenant: None,
            operation: "unknown".into(),
            params: Vec::new(),
        };
        let package::Field::Found(bytes) = package::field(&parts.headers, body).await else {
            return op;
        };
        let Ok(root) = package::parse(&bytes) else {
            return op;
        };
        if let Some(method) = root.child("Method").map(Node::value) {
            if !method.is_empty() {
                op.operation = method.to_string();
            }
        }
        if let Some(key) = root.child("AccountAPI").map(|n| n.value().to_string()) {
            if let Ok(Some(account)) = state
                .store
                .call(move |conn| q::account_by_key(conn, &key))
                .await
            {
                op.tenant = Some(account.name);
            }
        }
        // `AccountAPI` and `UserAPI` are masked by the journal by name.
        op.params = root.flatten();
        op
    }

    fn vendor_error(&self, code: &str, _parts: &Parts, _body: &Bytes) -> Response {
        SuError::Injected(code.to_string()).into_response()
    }

    /// **[choice]** SU:01: a PHP service whose `post_max_size` is exceeded sees an empty POST.
    fn unreadable_body(&self, _parts: &Parts) -> Response {
        SuError::NoPostData.into_response()
    }
}

async fn endpoint(State(state): State<AppState>, req: Request) -> Response {
    match handle(&state, req).await {
        Ok(response) => response,
        Err(e) => e.into_response(),
    }
}

/// **[choice]** Only a non-empty POST that reached the service over HTTPS has "POST data": a
/// GET or an empty POST is SU:01 like a plain-HTTP POST (vendor notice, June 2022).
fn served_over_https_post(parts: &Parts, body: &Bytes) -> bool {
    parts.method == Method::POST
        && parts.extensions.get::<Scheme>() == Some(&Scheme::Https)
        && !body.is_empty()
}

async fn handle(state: &AppState, req: Request) -> Result<Response, SuError> {
    let (parts, body) = req.into_parts();
    let body = axum::body::to_bytes(body, MAX_BODY_BYTES)
        .await
        .map_err(|_| SuError::NoPostData)?;
    if !served_over_https_post(&parts, &body) {
        return Err(SuError::NoPostData);
    }
    let bytes = match package::field(&parts.headers, &body).await {
        package::Field::Missing => return Err(SuError::NoPackage),
        package::Field::Repeated => return Err(SuError::RepeatedPackage),
        package::Field::Found(bytes) => bytes,
    };
    let root = package::parse(&bytes)?;
    let envelope = Envelope::read(&root)?;
    // Decoded now, answered after the keys were checked (SU:10 comes before SU:11–SU:13).
    let command = methods::decode(
        &envelope.method,
        &envelope.parameters,
        Check::new(envelope.unexpected.clone()),
    );
    let (account_key, user_key) = (envelope.account_api, envelope.user_api);
    let now = state.clock.now();
    let writes = command.as_ref().is_ok_and(Command::writes);
    let info = if writes {
        state
            .store
            .write(move |tx| {
                let caller = authenticate(tx, &account_key, &user_key)?;
                methods::write(tx, &caller, command?, now)
            })
            .await??
    } else {
        state
            .store
            .call(move |conn| {
                Ok((|| {
                    let caller = authenticate(conn, &account_key, &user_key)?;
                    methods::read(conn, &caller, command?)
                })())
            })
            .await??
    };
    Ok(render::success(info))
}

/// SU:10 unless the account key and the user key name an active user of that account.
fn authenticate(
    conn: &rusqlite::Connection,
    account_key: &str,
    user_key: &str,
) -> Result<Caller, SuError> {
    let account = q::account_by_key(conn, account_key)?
        .filter(|a| crate::wire::secret_eq(account_key, &a.account_api_key))
        .ok_or(SuError::InvalidKeys)?;
    let user = q::user_by_key(conn, account.id, user_key)?
        .filter(|u| {
            u.user_api_key
                .as_deref()
                .is_some_and(|k| crate::wire::secret_eq(user_key, k))
        })
        .filter(|u| u.status == "Active")
        .ok_or(SuError::InvalidKeys)?;
    Ok(Caller {
        account_id: account.id,
        admin: matches!(user.role.as_str(), "owner" | "administrator"),
        user_id: user.id,
        supervisors_see: matches!(account.supervisor_access.as_str(), "view" | "edit"),
    })
}

/// The request envelope (spec §2), checked SU:04 to SU:09.
#[derive(Debug)]
pub struct Envelope {
    pub account_api: String,
    pub user_api: String,
    pub method: String,
    pub parameters: Node,
    /// The first element of the envelope that must not be there (answered as SU:13 later).
    pub unexpected: Option<String>,
}

impl Envelope {
    /// **[choice]** An empty `AccountAPI`, `UserAPI` or `Method` counts as missing; a repeated
    /// one is SU:13 (the first copy is what the earlier checks read).
    pub fn read(root: &Node) -> Result<Envelope, SuError> {
        if root.name != "SmarterU" {
            return Err(SuError::NotSmarterU);
        }
        let value = |name: &str, missing: SuError| {
            root.child(name)
                .map(|n| n.value().to_string())
                .filter(|v| !v.is_empty())
                .ok_or(missing)
        };
        let account_api = value("AccountAPI", SuError::MissingAccountApi)?;
        let user_api = value("UserAPI", SuError::MissingUserApi)?;
        let method = value("Method", SuError::MissingMethod)?;
        let parameters = root
            .child("Parameters")
            .ok_or(SuError::MissingParameters)?
            .clone();
        if parameters.children.is_empty() {
            return Err(SuError::EmptyParameters);
        }
        let known = ["AccountAPI", "UserAPI", "Method", "Parameters"];
        let mut seen: Vec<&str> = Vec::new();
        let mut unexpected = None;
        for c in &root.children {
            if !known.contains(&c.name.as_str()) || seen.contains(&c.name.as_str()) {
                unexpected.get_or_insert_with(|| c.name.clone());
            }
            seen.push(&c.name);
        }
        Ok(Envelope {
            account_api,
            user_api,
            method,
            parameters,
            unexpected,
        })
    }
}
