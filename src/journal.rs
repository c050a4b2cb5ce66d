//! The request journal (`GET`/`DELETE /_mock/requests`): one entry per vendor call, newest
//! last, in a bounded ring so memory stays flat however long the mock runs.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;

use crate::vendor::Api;

/// What replaces a secret value in the journal.
pub const MASK: &str = "****";

/// Parameter names (compared case-insensitively, `-` and `_` ignored) whose values are secrets.
const SECRET_NAMES: &[&str] = &[
    "apikey",
    "secondaryapikey",
    "secretkey",
    "password",
    "loginpassword",
    "apipassword",
    "auth",
    "ssoauthtoken",
    "token",
    "jsessionid",
    "accountapi",
    "userapi",
    "xssid",
    "ssid",
    "sessionid",
    "consumersecret",
    "accesstoken",
    "noncetoken",
];

/// Whether a parameter of this name carries a secret.
pub fn is_secret(name: &str) -> bool {
    let norm: String = name
        .chars()
        .filter(|c| *c != '-' && *c != '_')
        .flat_map(char::to_lowercase)
        .collect();
    SECRET_NAMES.contains(&norm.as_str())
}

/// A request path with its session-id path parameters (`;jsessionid=...`, as servlet clients
/// send) masked, for the journal and logs.
pub fn mask_path(path: &str) -> std::borrow::Cow<'_, str> {
    if !path.contains(';') {
        return std::borrow::Cow::Borrowed(path);
    }
    let masked: Vec<String> = path
        .split('/')
        .map(|segment| {
            let mut pieces = segment.split(';');
            let mut out = pieces.next().unwrap_or_default().to_string();
            for p in pieces {
                out.push(';');
                match p.split_once('=') {
                    Some((k, _)) if is_secret(k) => {
                        out.push_str(k);
                        out.push('=');
                        out.push_str(MASK);
                    }
                    _ => out.push_str(p),
                }
            }
            out
        })
        .collect();
    std::borrow::Cow::Owned(masked.join("/"))
}

fn rfc3339_millis<S: serde::Serializer>(at: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(&at.to_rfc3339_opts(SecondsFormat::Millis, true))
}

#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    pub id: u64,
    /// Formatted only when the journal is read (RFC 3339, milliseconds, UTC).
    #[serde(rename = "time", serialize_with = "rfc3339_millis")]
    pub at: DateTime<Utc>,
    pub api: Api,
    pub tenant: Option<String>,
    pub operation: String,
    pub method: String,
    pub path: String,
    pub params: Vec<(String, String)>,
    pub status: u16,
    pub vendor_code: Option<String>,
    pub fault: Option<serde_json::Value>,
    pub duration_ms: f64,
}

/// What the pipeline knows of a finished call.
pub struct Record {
    pub at: DateTime<Utc>,
    pub api: Api,
    pub tenant: Option<String>,
    pub operation: String,
    pub method: String,
    pub path: String,
    pub params: Vec<(String, String)>,
    pub status: u16,
    pub vendor_code: Option<String>,
    pub fault: Option<serde_json::Value>,
    pub duration_ms: f64,
}

#[derive(Default)]
struct Ring {
    entries: VecDeque<Entry>,
    next_id: u64,
}

#[derive(Clone)]
pub struct Journal {
    limit: usize,
    ring: Arc<Mutex<Ring>>,
}

/// Filters of `GET /_mock/requests`.
#[derive(Debug, Default, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Filter {
    pub api: Option<String>,
    pub operation: Option<String>,
    pub tenant: Option<String>,
    /// RFC 3339: entries at or after this instant.
    pub since: Option<String>,
    /// The newest N matching entries.
    pub limit: Option<usize>,
}

impl Journal {
    pub fn new(limit: usize) -> Journal {
        Journal {
            limit,
            ring: Arc::new(Mutex::new(Ring::default())),
        }
    }

    pub fn enabled(&self) -> bool {
        self.limit > 0
    }

    pub fn limit(&self) -> usize {
        self.limit
    }

    pub fn record(&self, r: Record) {
        if self.limit == 0 {
            return;
        }
        let params = r
            .params
            .into_iter()
            .map(|(k, v)| {
                let v = if is_secret(&k) { MASK.to_string() } else { v };
                (k, v)
            })
            .collect();
        let mut ring = self.ring.lock().unwrap_or_else(|e| e.into_inner());
        ring.next_id += 1;
        let entry = Entry {
            id: ring.next_id,
            at: r.at,
            api: r.api,
            tenant: r.tenant,
            operation: r.operation,
            method: r.method,
            path: r.path,
            params,
            status: r.status,
            vendor_code: r.vendor_code,
            fault: r.fault,
            duration_ms: r.duration_ms,
        };
        if ring.entries.len() >= self.limit {
            ring.entries.pop_front();
        }
        ring.entries.push_back(entry);
    }

    pub fn clear(&self) {
        self.ring
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entries
            .clear();
    }

    pub fn len(&self) -> usize {
        self.ring
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entries
            .len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Matching entries, oldest first.
    pub fn query(&self, filter: &Filter, since: Option<DateTime<Utc>>) -> Vec<Entry> {
        let ring = self.ring.lock().unwrap_or_else(|e| e.into_inner());
        let matching = ring.entries.iter().filter(|e| {
            filter.api.as_deref().is_none_or(|a| e.api.name() == a)
                && filter.operation.as_deref().is_none_or(|o| e.operation == o)
                && filter
                    .tenant
                    .as_deref()
                    .is_none_or(|t| e.tenant.as_deref() == Some(t))
                && since.is_none_or(|s| e.at >= s)
        });
        let mut out: Vec<Entry> = match filter.limit {
            Some(n) => {
                let mut newest: Vec<Entry> = matching.rev().take(n).cloned().collect();
                newest.reverse();
                newest
            }
            None => matching.cloned().collect(),
        };
        out.shrink_to_fit();
        out
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn session_ids_in_path_parameters_are_masked() {
        assert_eq!(
            super::mask_path("/demo/site/CRConsAPI;jsessionid=ABC.app1"),
            "/demo/site/CRConsAPI;jsessionid=****"
        );
        assert_eq!(
            super::mask_path("/demo/site/SRConsAPI"),
            "/demo/site/SRConsAPI"
        );
    }

    use super::*;

    fn record(op: &str, params: Vec<(&str, &str)>) -> Record {
        Record {
            at: Utc::now(),
            api: Api::Luminate,
            tenant: Some("demo".into()),
            operation: op.into(),
            method: "POST".into(),
            path: "/demo/site/SRConsAPI".into(),
            params: params
                .into_iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            status: 200,
            vendor_code: None,
            fault: None,
            duration_ms: 0.1,
        }
    }

    #[test]
    fn secrets_are_masked_whatever_their_spelling() {
        for name in [
            "api_key",
            "login_password",
            "AccountAPI",
            "UserAPI",
            "X-SS-ID",
            "sso_auth_token",
            "JSESSIONID",
            "Password",
            "NONCE_TOKEN",
        ] {
            assert!(is_secret(name), "{name}");
        }
        assert!(!is_secret("cons_id"));
        let j = Journal::new(10);
        j.record(record(
            "getUserGroups",
            vec![("api_key", "s3cret"), ("cons_id", "1")],
        ));
        let e = &j.query(&Filter::default(), None)[0];
        assert_eq!(e.params[0], ("api_key".to_string(), MASK.to_string()));
        assert_eq!(e.params[1].1, "1");
    }

    #[test]
    fn the_ring_keeps_only_the_newest_entries() {
        let j = Journal::new(3);
        for i in 0..10 {
            j.record(record(&format!("op{i}"), vec![]));
        }
        let ops: Vec<String> = j
            .query(&Filter::default(), None)
            .into_iter()
            .map(|e| e.operation)
            .collect();
        assert_eq!(ops, ["op7", "op8", "op9"]);
        let last = j.query(
            &Filter {
                limit: Some(1),
                ..Filter::default()
            },
            None,
        );
        assert_eq!(last[0].operation, "op9");
    }

    #[test]
    fn a_zero_limit_turns_the_journal_off() {
        let j = Journal::new(0);
        j.record(record("x", vec![]));
        assert!(j.is_empty());
    }
}
