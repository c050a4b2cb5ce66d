//! The dashboard, `/_mock/ui` (docs/dashboard.md): a page for demos and debugging, served by
//! the binary itself.
//!
//! - **Assets**: one HTML page, one script, one style sheet, compiled in (plain HTML and vanilla
//!   JavaScript: no library, no build step). A strict Content-Security-Policy allows only them,
//!   and no other site may frame the page.
//! - **Reads**: [`tenants()`] (every Luminate site, SmarterU account and YM client), [`people`]
//!   (a page of one tenant's people, searched, each with their groups **as the vendor's own
//!   store query answers them**), [`pulse`] (the clock, the fault rules and the store's data
//!   version, polled).
//! - **Live journal**: [`events`], server-sent events from the journal (`call`, `cleared`,
//!   `skipped`); an entry's parameters and answer come from `GET /_mock/requests/{id}`.
//! - **Writes**: [`membership`] adds or removes one membership through the vendors' own store
//!   functions (so the next vendor call answers it). Faults, the clock, reset and seeding go to
//!   the control plane's public routes, with their validation.
//!
//! Everything here sits under `/_mock/`, so every request passes the control plane's checks.

pub mod session;
mod tenants;

use std::convert::Infallible;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

use super::{parse_json, ControlError};
use crate::journal::{Journal, Subscription};
use crate::state::AppState;
use crate::vendor::Api;

/// The page and its assets, compiled in.
const INDEX_HTML: Asset = Asset::new(
    include_str!("assets/index.html"),
    "text/html; charset=utf-8",
);
const APP_JS: Asset = Asset::new(
    include_str!("assets/app.js"),
    "text/javascript; charset=utf-8",
);
const APP_CSS: Asset = Asset::new(include_str!("assets/app.css"), "text/css; charset=utf-8");

/// **\[choice\]** Entries a live feed sends first (the newest), and at most per wake-up: a burst
/// beyond it is announced as `skipped` instead of flooding the page.
const BACKLOG: usize = 200;

/// How often an idle feed sends a comment, so proxies and the browser keep it open.
const KEEP_ALIVE: Duration = Duration::from_secs(15);

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/_mock/ui", get(page))
        .route("/_mock/ui/", get(page))
        .route("/_mock/ui/app.js", get(script))
        .route("/_mock/ui/app.css", get(style))
        .route("/_mock/ui/events", get(events))
        .route("/_mock/ui/tenants", get(tenants))
        .route("/_mock/ui/people", get(people))
        .route("/_mock/ui/pulse", get(pulse))
        .route("/_mock/ui/membership", post(membership))
        .route(
            "/_mock/ui/session",
            post(session::create).delete(session::forget),
        )
}

/// What the page may load and do: its own script, style and API, nothing else; no site may
/// frame it (a framed dashboard could be clicked by a page on another site).
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
     connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; \
     frame-ancestors 'none'";

async fn page(State(state): State<AppState>, parts: Parts) -> Response {
    let token = parts.uri.query().and_then(|q| {
        form_urlencoded::parse(q.as_bytes())
            .find(|(name, _)| name == "token")
            .map(|(_, value)| value.into_owned())
    });
    if let Some(token) = token {
        return session::exchange_in_url(&state, &parts, &token);
    }
    let mut response = INDEX_HTML.answer(&parts.headers);
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    response
}

async fn script(headers: HeaderMap) -> Response {
    APP_JS.answer(&headers)
}

async fn style(headers: HeaderMap) -> Response {
    APP_CSS.answer(&headers)
}

/// A compiled-in asset, with its hash computed at compile time.
struct Asset {
    body: &'static str,
    content_type: &'static str,
    hash: u64,
}

impl Asset {
    const fn new(body: &'static str, content_type: &'static str) -> Asset {
        Asset {
            body,
            content_type,
            hash: fnv1a(body.as_bytes()),
        }
    }

    /// The asset, revalidated by its hash (`304` when the browser has it).
    fn answer(&self, headers: &HeaderMap) -> Response {
        let etag = format!("\"{:016x}\"", self.hash);
        let cached = headers
            .get(header::IF_NONE_MATCH)
            .is_some_and(|v| v.as_bytes() == etag.as_bytes());
        let mut response = if cached {
            StatusCode::NOT_MODIFIED.into_response()
        } else {
            ([(header::CONTENT_TYPE, self.content_type)], self.body).into_response()
        };
        let h = response.headers_mut();
        if let Ok(etag) = HeaderValue::from_str(&etag) {
            h.insert(header::ETAG, etag);
        }
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
        h.insert(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        );
        response
    }
}

const fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut i = 0;
    while i < bytes.len() {
        h = (h ^ bytes[i] as u64).wrapping_mul(0x0100_0000_01b3);
        i += 1;
    }
    h
}

// ---------------------------------------------------------------- the live journal

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EventsQuery {
    /// Send entries newer than this id (the browser's `Last-Event-ID` takes precedence).
    after: Option<u64>,
}

/// `GET /_mock/ui/events`: the journal as server-sent events. First the newest entries (at most
/// [`BACKLOG`]) after `after`, then each entry as it is recorded (`event: call`, `id:` its id,
/// `data:` the entry as `GET /_mock/requests` lists it), `event: cleared` when the journal is
/// cleared, `event: skipped` when a burst outran the feed. It ends when the server stops.
async fn events(
    State(state): State<AppState>,
    Query(query): Query<EventsQuery>,
    headers: HeaderMap,
) -> Sse<impl futures_util::Stream<Item = Result<Event, Infallible>>> {
    let resume = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    let after = resume.or(query.after).unwrap_or(0);
    // Subscribe before the first read: nothing recorded in between is missed.
    let feed = Feed {
        subscription: state.journal.subscribe(),
        journal: state.journal.clone(),
        after,
        clears: None,
        pending: std::collections::VecDeque::new(),
    };
    let stream = futures_util::stream::unfold(feed, |mut feed| async move {
        feed.next().await.map(|event| (Ok(event), feed))
    });
    Sse::new(stream).keep_alive(KeepAlive::new().interval(KEEP_ALIVE))
}

/// One live feed's position.
struct Feed {
    subscription: Subscription,
    journal: Journal,
    /// The newest id sent.
    after: u64,
    /// The journal's clear count when the feed last looked; `None` before the first look.
    clears: Option<u64>,
    pending: std::collections::VecDeque<Event>,
}

impl Feed {
    /// The next event to send; `None` when the feed ends.
    async fn next(&mut self) -> Option<Event> {
        loop {
            if let Some(event) = self.pending.pop_front() {
                return Some(event);
            }
            let tip = self.subscription.tip();
            if tip.closed {
                return None;
            }
            // A page that asks for no position wants the newest entries, not the older ones it
            // never had: those are no burst to announce.
            let whole_history = self.clears.is_none() && self.after == 0;
            match self.clears {
                Some(seen) if seen != tip.clears => {
                    self.clears = Some(tip.clears);
                    // Entries recorded after the clear follow in the next round.
                    self.pending
                        .push_back(Event::default().event("cleared").data("{}"));
                    continue;
                }
                None => self.clears = Some(tip.clears),
                _ => {}
            }
            let (entries, skipped) = self.journal.newer_than(self.after, BACKLOG);
            if skipped > 0 && !whole_history {
                self.pending.push_back(
                    Event::default()
                        .event("skipped")
                        .data(json!({ "count": skipped }).to_string()),
                );
            }
            for entry in &entries {
                self.after = entry.id;
                let data = serde_json::to_string(entry).unwrap_or_default();
                self.pending.push_back(
                    Event::default()
                        .event("call")
                        .id(entry.id.to_string())
                        .data(data),
                );
            }
            if self.pending.is_empty() {
                self.subscription.changed().await;
            }
        }
    }
}

// ---------------------------------------------------------------- reads

/// `GET /_mock/ui/tenants`: every tenant of every vendor with its counts, settings (never a
/// key or password) and sessions at the app clock's now; and each vendor's operation names,
/// which the fault form suggests.
async fn tenants(State(state): State<AppState>) -> Result<Json<Value>, ControlError> {
    let now = state.clock.now();
    let list = state
        .store
        .call(move |conn| tenants::all(conn, now))
        .await?;
    let operations: serde_json::Map<String, Value> = Api::ALL
        .into_iter()
        .map(|api| (api.name().to_owned(), json!(crate::faults::operations(api))))
        .collect();
    Ok(Json(json!({ "tenants": list, "operations": operations })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PeopleQuery {
    api: Api,
    tenant: String,
    q: Option<String>,
    offset: Option<i64>,
    limit: Option<i64>,
}

/// **\[choice\]** People per page, and at most.
const PAGE: i64 = 50;
const MAX_PAGE: i64 = 500;

/// `GET /_mock/ui/people?api=&tenant=&q=&offset=&limit=`: one page of a tenant's people, each
/// with their groups as the vendor answers them, and the tenant's group catalogue.
async fn people(
    State(state): State<AppState>,
    Query(query): Query<PeopleQuery>,
) -> Result<Json<Value>, ControlError> {
    let limit = query.limit.unwrap_or(PAGE).clamp(1, MAX_PAGE);
    let offset = query.offset.unwrap_or(0).max(0);
    let (api, tenant, q) = (query.api, query.tenant.clone(), query.q.clone());
    let found = state
        .store
        .call(move |conn| tenants::people(conn, api, &tenant, q.as_deref(), limit, offset))
        .await?;
    match found {
        Some(people) => Ok(Json(people)),
        None => Err(ControlError {
            status: StatusCode::NOT_FOUND,
            message: format!("no {} tenant `{}`", query.api.name(), query.tenant),
            path: Some("tenant".into()),
        }),
    }
}

/// `GET /_mock/ui/pulse`: what the page polls to stay current — the clock, the fault rules
/// with how often each fired, and a version of the stored data that moves with every change
/// (by a vendor call, a seed, the dashboard) and every reset.
async fn pulse(State(state): State<AppState>) -> Result<Json<Value>, ControlError> {
    let (epoch, generation) = state
        .store
        .run(|thread| {
            let epoch = thread.epoch();
            let generation = crate::store::dashboard::generation(thread.conn())?;
            Ok((epoch, generation))
        })
        .await?;
    Ok(Json(json!({
        "version": format!("{epoch}.{generation}"),
        "clock": {
            "now": state.clock.now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            "real": state.clock.is_real(),
            "frozen": state.clock.is_frozen(),
        },
        "faults": state.faults.list(),
        "journal": { "limit": state.journal.limit(), "entries": state.journal.len() },
    })))
}

// ---------------------------------------------------------------- writes

/// `POST /_mock/ui/membership`: `{"api","tenant","person","group","member":true|false}`.
async fn membership(
    State(state): State<AppState>,
    body: Bytes,
) -> Result<Json<Value>, ControlError> {
    let change: tenants::MembershipChange = parse_json(&body)?;
    let now = state.clock.now();
    let applied = state
        .store
        .write(move |tx| tenants::change_membership(tx, &change, now))
        .await?;
    match applied {
        Ok(groups) => Ok(Json(json!({ "status": "ok", "groups": groups }))),
        Err(tenants::ChangeError::Sqlite(e)) => Err(ControlError::internal(e)),
        Err(tenants::ChangeError::Unknown { path, message }) => {
            Err(ControlError::bad_request(message, Some(path.into())))
        }
    }
}
