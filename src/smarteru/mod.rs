//! SmarterU API v2: one endpoint, `POST /apiv2/`, taking an XML package in the form field
//! `Package` and answering an XML envelope in HTTP 200 whatever happened.
//!
//! A request goes: HTTPS/POST-only rule (SU:01) → `Package` field ([`package::field`], SU:02)
//! → XML ([`package::parse`], SU:03) → envelope ([`Envelope::read`], SU:04–SU:09) → keys
//! (SU:10) → method and parameters ([`command::decode`], SU:11–SU:13) → the method against the
//! store, in one call ([`methods::read`] / [`methods::write`], giving a [`methods::Reply`]) →
//! its `Info` written off the store thread ([`render::info`]). Every failure is a
//! [`SuError`], rendered by one `IntoResponse`.
//!
//! Emulated: `getUserGroups` with the who-has-access rules, `getUser`, `listUsers` (matchers,
//! sorting, group/home-group/status/date filters), `getGroup`, `listGroups`, `updateGroup`
//! (group membership, home group, permissions in both shapes, status), `updateUser` (email,
//! employee ID, names, timezone, status, home group, supervisors, group membership and
//! permissions), `createUser` (identity, names, timezone, status, home group, groups with
//! permissions, supervisors) and `createGroup` (name, GroupID, status, users with home group and
//! permissions). Not emulated: every other method (SU:11), owners and administrators created
//! through the API, renaming groups, profile fields other than those, learning modules,
//! subscription variants, venues, wages, tags, teams, custom fields.
//!
//! **\[choice\]** decisions, each defined once next to the code it governs:
//! - SU:01 for a GET or an empty POST as well as for plain HTTP ([`served_over_https_post`]);
//! - SU:01 for a body over the 4 MiB limit, as a PHP service whose `post_max_size` is
//!   exceeded sees an empty POST (`SmarterU::unreadable_body`);
//! - a `Package` field sent twice is SU:02 ([`package::Field::Repeated`]);
//! - nesting, element and attribute limits ([`package::MAX_DEPTH`], [`package::MAX_ELEMENTS`],
//!   [`package::MAX_ATTRIBUTES`]);
//! - an empty `AccountAPI`/`UserAPI`/`Method` counts as missing ([`Envelope::read`]);
//! - a repeated envelope element is SU:13 ([`Envelope::read`]);
//! - any path under `/apiv2/` is the endpoint ([`claims`]);
//! - access rules, the user/group lists, page sizes, profile defaults, permission and
//!   home-group codes: see [`crate::store::smarteru`], [`command`], [`methods`] and
//!   [`errors`]; profile defaults in [`render`];
//! - `updateGroup`/`updateUser` settings the mock does not store are accepted and ignored
//!   (`GROUP_IGNORED`, `INFO_IGNORED`, `PROFILE_IGNORED` in [`command`]): the public PHP client
//!   sends them on every call;
//! - `LearningModules`, `SubscriptionVariants`, `Venues`, `Wages` are accepted empty (the PHP
//!   client always sends them) and any content is SU:13 rather than a faked success;
//! - an empty `Info` value changes nothing (the PHP client sends `<EmployeeID/>` for a user
//!   without one); UU:41/UU:42 for an email or employee ID another user has, UU:43 for an
//!   unknown supervisor ([`errors`]);
//! - `Timezone` in `updateUser`: a display value is kept, a known provided name is mapped, any
//!   other name is ignored ([`timezone`]);
//! - `listUsers` dates, matchers, sorting and the `Teams`/`Tags2` filters matching nobody
//!   ([`command`], [`crate::store::smarteru`]);
//! - permissions without `Action` are granted; what `createUser` and `createGroup` require, who
//!   may call them ([`command`], [`methods`]), how new ids are chosen ([`methods`]);
//! - every method-specific code but GU:03 and GG:03, and its text ([`errors`]).

pub mod accounts;
pub mod command;
pub mod errors;
pub mod methods;
pub mod package;
pub mod render;
pub mod timezone;

use std::sync::Arc;

use axum::body::Bytes;
use axum::http::Method;
use axum::response::{IntoResponse, Response};

use crate::journal;
use crate::state::AppState;
use crate::store::smarteru::{self as q, AccountRow, Caller};
use crate::vendor::{Api, Head, Label, Scheme, Vendor};

use command::{Check, Command};
pub use errors::SuError;
use package::Node;

/// Whether a path belongs to SmarterU: `/apiv2` and below. **\[choice\]** Every path under
/// `/apiv2/` reaches the endpoint: the vendor serves one script there, and the package, not the
/// path, names the method.
pub fn claims(path: &str) -> bool {
    path == "/apiv2" || path.starts_with("/apiv2/")
}

/// A SmarterU request, decoded once: the package's tree (for the journal), the account its key
/// names, and either the refusal to answer or the command to run.
#[derive(Debug)]
pub struct SuRequest {
    /// The package's root element, when the field was there and parsed.
    root: Option<Node>,
    account: Option<Arc<AccountRow>>,
    step: Result<Ready, SuError>,
}

/// A request that passed SU:01 to SU:09.
#[derive(Debug)]
struct Ready {
    user_api: String,
    /// SU:11 to SU:13 are answered only after the keys were checked (SU:10).
    command: Option<Result<Command, SuError>>,
}

/// The pipeline hooks.
#[derive(Debug, Clone, Copy)]
pub struct SmarterU;

impl Vendor for SmarterU {
    const API: Api = Api::SmarterU;
    type Request = SuRequest;

    async fn decode(state: &AppState, head: &Head, body: Bytes) -> SuRequest {
        let field = package::field(&head.parts.headers, &body).await;
        let root = match field {
            package::Field::Found(bytes) => package::parse_bytes(bytes).await,
            package::Field::Missing => Err(SuError::NoPackage),
            package::Field::Repeated => Err(SuError::RepeatedPackage),
        };
        let account_key = root
            .as_ref()
            .ok()
            .and_then(|r| r.child("AccountAPI"))
            .map(Node::value)
            .filter(|k| !k.is_empty());
        let account = match account_key {
            Some(key) => match state.smarteru.get(&state.store, key).await {
                Ok(found) => found,
                Err(e) => {
                    tracing::error!(error = %e, "smarteru: loading the accounts failed");
                    None
                }
            },
            None => None,
        };
        let step = if !served_over_https_post(head, &body) {
            Err(SuError::NoPostData)
        } else {
            match &root {
                Err(e) => Err(e.clone()),
                Ok(root) => Envelope::read(root).map(|envelope| Ready {
                    user_api: envelope.user_api.to_string(),
                    command: Some(command::decode(
                        envelope.method,
                        envelope.parameters,
                        Check::new(envelope.unexpected.map(str::to_string)),
                    )),
                }),
            }
        };
        SuRequest {
            root: root.ok(),
            account,
            step,
        }
    }

    fn label(request: &SuRequest) -> Label<'_> {
        let method = request
            .root
            .as_ref()
            .and_then(|r| r.child("Method"))
            .map(Node::value)
            .filter(|m| !m.is_empty());
        Label {
            api: Api::SmarterU,
            tenant: request.account.as_ref().map(|a| a.name.as_str()),
            operation: method.unwrap_or("unknown"),
        }
    }

    async fn handle(state: &AppState, _head: &Head, request: &mut SuRequest) -> Response {
        match handle(state, request).await {
            Ok(response) => response,
            Err(e) => e.into_response(),
        }
    }

    /// Every leaf of the package as `Parent.Child` = value (the root's name left out);
    /// `AccountAPI`, `UserAPI` and password elements at any depth are masked by name.
    fn journal(_head: &Head, request: &SuRequest, params: &mut journal::Params<'_>) {
        fn walk(node: &Node, path: &mut String, params: &mut journal::Params<'_>) {
            for c in &node.children {
                let len = path.len();
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(&c.name);
                if c.children.is_empty() {
                    params.push(path, c.value());
                } else {
                    walk(c, path, params);
                }
                path.truncate(len);
            }
        }
        if let Some(root) = &request.root {
            walk(root, &mut String::new(), params);
        }
    }

    fn vendor_error(_head: &Head, _request: &SuRequest, code: &str) -> Response {
        SuError::Injected(code.to_string()).into_response()
    }

    /// **\[choice\]** SU:01: a PHP service whose `post_max_size` is exceeded sees an empty POST.
    fn unreadable_body(_head: &Head) -> Response {
        SuError::NoPostData.into_response()
    }
}

/// **\[choice\]** Only a non-empty POST that reached the service over HTTPS has "POST data": a
/// GET or an empty POST is SU:01 like a plain-HTTP POST (vendor notice, June 2022).
fn served_over_https_post(head: &Head, body: &Bytes) -> bool {
    head.parts.method == Method::POST && head.scheme == Scheme::Https && !body.is_empty()
}

/// The keys (SU:10), then the command, in one store call.
async fn handle(state: &AppState, request: &mut SuRequest) -> Result<Response, SuError> {
    let ready = request.step.as_mut().map_err(|e| e.clone())?;
    let account = request.account.clone().ok_or(SuError::InvalidKeys)?;
    let user_key = std::mem::take(&mut ready.user_api);
    let command = ready.command.take().unwrap_or(Err(SuError::Internal));
    let now = state.clock.now();
    let reply = if command.as_ref().is_ok_and(Command::writes) {
        state
            .store
            .write(move |tx| {
                let caller = authenticate(tx, &account, &user_key)?;
                methods::write(tx, &caller, command?, now)
            })
            .await??
    } else {
        state
            .store
            .call(move |conn| {
                Ok((|| {
                    let caller = authenticate(conn, &account, &user_key)?;
                    methods::read(conn, &caller, command?)
                })())
            })
            .await??
    };
    Ok(render::success(render::info(&reply)))
}

/// SU:10 unless the user key names an active user of the account the account key named.
fn authenticate(
    conn: &rusqlite::Connection,
    account: &AccountRow,
    user_key: &str,
) -> Result<Caller, SuError> {
    // The key is the lookup's own index: a user found has exactly this key.
    let (user_id, role, status) =
        q::key_holder(conn, account.id, user_key)?.ok_or(SuError::InvalidKeys)?;
    if status != "Active" {
        return Err(SuError::InvalidKeys);
    }
    Ok(Caller {
        account_id: account.id,
        admin: matches!(role.as_str(), "owner" | "administrator"),
        user_id,
        supervisors_see: matches!(account.supervisor_access.as_str(), "view" | "edit"),
    })
}

/// The request envelope (spec §2), checked SU:04 to SU:09.
#[derive(Debug)]
pub struct Envelope<'a> {
    pub account_api: &'a str,
    pub user_api: &'a str,
    pub method: &'a str,
    pub parameters: &'a Node,
    /// The first element of the envelope that must not be there (answered as SU:13 later).
    pub unexpected: Option<&'a str>,
}

impl<'a> Envelope<'a> {
    /// **\[choice\]** An empty `AccountAPI`, `UserAPI` or `Method` counts as missing; a repeated
    /// one is SU:13 (the first copy is what the earlier checks read).
    pub fn read(root: &'a Node) -> Result<Envelope<'a>, SuError> {
        if root.name != "SmarterU" {
            return Err(SuError::NotSmarterU);
        }
        let value = |name: &str, missing: SuError| {
            root.child(name)
                .map(Node::value)
                .filter(|v| !v.is_empty())
                .ok_or(missing)
        };
        let account_api = value("AccountAPI", SuError::MissingAccountApi)?;
        let user_api = value("UserAPI", SuError::MissingUserApi)?;
        let method = value("Method", SuError::MissingMethod)?;
        let parameters = root.child("Parameters").ok_or(SuError::MissingParameters)?;
        if parameters.children.is_empty() {
            return Err(SuError::EmptyParameters);
        }
        let known = ["AccountAPI", "UserAPI", "Method", "Parameters"];
        let mut seen: Vec<&str> = Vec::new();
        let mut unexpected = None;
        for c in &root.children {
            if !known.contains(&c.name.as_str()) || seen.contains(&c.name.as_str()) {
                unexpected.get_or_insert(c.name.as_str());
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
