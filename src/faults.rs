//! Fault rules (`POST`/`GET`/`DELETE /_mock/faults`, product.md §4).
//!
//! A rule targets an api, optionally one operation and one tenant. When a vendor request matches,
//! the rule fires with its `probability` (a seeded generator makes the sequence repeatable) and
//! at most `times` times. **\[choice\]** Rules are tried in the order they were added and the first
//! that fires decides; a rule that does not fire (probability) does not use up a `times`.

use std::sync::{Arc, Mutex};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};

use std::sync::atomic::{AtomicBool, Ordering};

use crate::vendor::{Api, Label};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultSpec {
    pub api: Api,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant: Option<String>,
    pub effect: Effect,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probability: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub times: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged, try_from = "RawEffect")]
pub enum Effect {
    Latency {
        latency_ms: u64,
    },
    VendorError {
        vendor_error: String,
    },
    HttpStatus {
        http_status: u16,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        retry_after: Option<u64>,
    },
    DropConnection {
        drop_connection: bool,
    },
}

/// The effects, as the error for one that is not says.
const EFFECTS: &str = r#"{"latency_ms":N}, {"vendor_error":"CODE"}, {"http_status":N,"retry_after":N} (retry_after optional) or {"drop_connection":true}"#;

/// An `effect` as sent: every field any effect has, so that a field of the wrong type is named
/// by its path, and a shape that is no effect gets the list of effects (an untagged enum says
/// only "data did not match any variant").
#[derive(Deserialize)]
#[serde(
    expecting = r#"an effect: one of {"latency_ms":N}, {"vendor_error":"CODE"}, {"http_status":N,"retry_after":N} (retry_after optional) or {"drop_connection":true}"#
)]
struct RawEffect {
    latency_ms: Option<u64>,
    vendor_error: Option<String>,
    http_status: Option<u16>,
    retry_after: Option<u64>,
    drop_connection: Option<bool>,
    #[serde(flatten)]
    unknown: serde_json::Map<String, serde_json::Value>,
}

impl TryFrom<RawEffect> for Effect {
    type Error = String;
    fn try_from(raw: RawEffect) -> Result<Effect, String> {
        let effect = match raw {
            RawEffect {
                latency_ms: Some(latency_ms),
                vendor_error: None,
                http_status: None,
                retry_after: None,
                drop_connection: None,
                ref unknown,
            } if unknown.is_empty() => Effect::Latency { latency_ms },
            RawEffect {
                latency_ms: None,
                vendor_error: Some(vendor_error),
                http_status: None,
                retry_after: None,
                drop_connection: None,
                ref unknown,
            } if unknown.is_empty() => Effect::VendorError { vendor_error },
            RawEffect {
                latency_ms: None,
                vendor_error: None,
                http_status: Some(http_status),
                retry_after,
                drop_connection: None,
                ref unknown,
            } if unknown.is_empty() => Effect::HttpStatus {
                http_status,
                retry_after,
            },
            RawEffect {
                latency_ms: None,
                vendor_error: None,
                http_status: None,
                retry_after: None,
                drop_connection: Some(drop_connection),
                ref unknown,
            } if unknown.is_empty() => Effect::DropConnection { drop_connection },
            RawEffect { unknown, .. } => {
                let names: Vec<&str> = unknown.keys().map(String::as_str).collect();
                let what = if names.is_empty() {
                    "not one effect".to_string()
                } else {
                    format!("unknown field `{}`", names.join("`, `"))
                };
                return Err(format!("{what}: an effect is one of {EFFECTS}"));
            }
        };
        Ok(effect)
    }
}

/// The operation names fault rules can match for `api`: the vendor's own, from its method or
/// route table.
pub fn operations(api: Api) -> Vec<&'static str> {
    match api {
        Api::Luminate => crate::luminate::table::METHODS
            .iter()
            .map(|row| row.name)
            .collect(),
        Api::SmarterU => crate::smarteru::command::METHODS.to_vec(),
        Api::YourMembership => crate::yourmembership::route::Op::ALL
            .iter()
            .map(|op| op.name())
            .collect(),
    }
}

/// Longest latency a rule may add. **\[choice\]** Two minutes: longer than any client timeout
/// worth testing, short enough that a typo cannot hang a test run for hours.
pub const MAX_LATENCY_MS: u64 = 120_000;

impl FaultSpec {
    /// Checks serde cannot express; the message names the field.
    pub fn validate(&self) -> Result<(), (String, String)> {
        if let Some(operation) = &self.operation {
            let known = operations(self.api);
            if !known.contains(&operation.as_str()) {
                let hint = known
                    .iter()
                    .find(|k| k.eq_ignore_ascii_case(operation))
                    .map(|k| format!(" (did you mean `{k}`?)"))
                    .unwrap_or_default();
                return Err((
                    "operation".into(),
                    format!(
                        "`{operation}` is no {} operation, so the rule could never fire{hint}; \
                         its operations are {}",
                        self.api.name(),
                        known.join(", ")
                    ),
                ));
            }
        }
        if let Some(p) = self.probability {
            if !(0.0..=1.0).contains(&p) {
                return Err(("probability".into(), "must be between 0.0 and 1.0".into()));
            }
        }
        match &self.effect {
            Effect::Latency { latency_ms } if *latency_ms > MAX_LATENCY_MS => Err((
                "effect.latency_ms".into(),
                format!("at most {MAX_LATENCY_MS}"),
            )),
            Effect::VendorError { vendor_error } if vendor_error.trim().is_empty() => {
                Err(("effect.vendor_error".into(), "must not be empty".into()))
            }
            Effect::HttpStatus { http_status, .. } if !(100..=599).contains(http_status) => {
                Err(("effect.http_status".into(), "must be 100..=599".into()))
            }
            Effect::DropConnection { drop_connection } if !drop_connection => {
                Err(("effect.drop_connection".into(), "must be true".into()))
            }
            _ => Ok(()),
        }
    }
}

/// A rule as listed by `GET /_mock/faults`.
#[derive(Debug, Clone, Serialize)]
pub struct RuleView {
    pub id: u64,
    #[serde(flatten)]
    pub spec: FaultSpec,
    pub fired: u64,
}

struct Rule {
    id: u64,
    spec: FaultSpec,
    fired: u64,
    rng: StdRng,
}

impl Rule {
    fn matches(&self, op: Label<'_>) -> bool {
        self.spec.api == op.api
            && self
                .spec
                .operation
                .as_deref()
                .is_none_or(|o| o == op.operation)
            && self
                .spec
                .tenant
                .as_deref()
                .is_none_or(|t| op.tenant == Some(t))
            && self.spec.times.is_none_or(|n| self.fired < n)
    }
}

/// A fault that fired, as the pipeline applies it and the journal marks it.
#[derive(Debug, Clone)]
pub struct Fired {
    pub rule_id: u64,
    pub effect: Effect,
}

#[derive(Default)]
struct Inner {
    rules: Vec<Rule>,
    next_id: u64,
}

#[derive(Clone, Default)]
pub struct Faults {
    inner: Arc<Mutex<Inner>>,
    /// Whether any rule exists; kept in step with `inner.rules` under its lock.
    any: Arc<AtomicBool>,
}

impl Faults {
    pub fn add(&self, spec: FaultSpec) -> RuleView {
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        inner.next_id += 1;
        let rng = match spec.seed {
            Some(seed) => StdRng::seed_from_u64(seed),
            None => StdRng::from_entropy(),
        };
        let rule = Rule {
            id: inner.next_id,
            spec,
            fired: 0,
            rng,
        };
        let view = RuleView {
            id: rule.id,
            spec: rule.spec.clone(),
            fired: 0,
        };
        inner.rules.push(rule);
        self.any.store(true, Ordering::Release);
        view
    }

    pub fn list(&self) -> Vec<RuleView> {
        let inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        inner
            .rules
            .iter()
            .map(|r| RuleView {
                id: r.id,
                spec: r.spec.clone(),
                fired: r.fired,
            })
            .collect()
    }

    pub fn clear(&self) {
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        inner.rules.clear();
        self.any.store(false, Ordering::Release);
    }

    /// Remove one rule; false if there is none with that id.
    pub fn remove(&self, id: u64) -> bool {
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let before = inner.rules.len();
        inner.rules.retain(|r| r.id != id);
        self.any.store(!inner.rules.is_empty(), Ordering::Release);
        inner.rules.len() != before
    }

    /// The fault to apply to this request, if a rule fires.
    pub fn fire(&self, op: Label<'_>) -> Option<Fired> {
        // The common case, no rules at all, takes no lock.
        if !self.any.load(Ordering::Acquire) {
            return None;
        }
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        for rule in inner.rules.iter_mut() {
            if !rule.matches(op) {
                continue;
            }
            let fires = match rule.spec.probability {
                Some(p) => rule.rng.gen_bool(p),
                None => true,
            };
            if fires {
                rule.fired += 1;
                return Some(Fired {
                    rule_id: rule.id,
                    effect: rule.spec.effect.clone(),
                });
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn op<'a>(operation: &'a str, tenant: &'a str) -> Label<'a> {
        Label {
            api: Api::Luminate,
            tenant: Some(tenant),
            operation,
        }
    }

    fn spec(json: &str) -> FaultSpec {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn a_rule_fires_exactly_times_times() {
        let f = Faults::default();
        f.add(spec(
            r#"{"api":"luminate","operation":"getUserGroups","effect":{"vendor_error":"1"},"times":2}"#,
        ));
        let fired: Vec<bool> = (0..5)
            .map(|_| f.fire(op("getUserGroups", "demo")).is_some())
            .collect();
        assert_eq!(fired, [true, true, false, false, false]);
        assert!(f.fire(op("getUser", "demo")).is_none());
    }

    #[test]
    fn the_same_seed_gives_the_same_sequence() {
        let run = || {
            let f = Faults::default();
            f.add(spec(
                r#"{"api":"luminate","effect":{"latency_ms":5},"probability":0.5,"seed":42}"#,
            ));
            (0..64)
                .map(|_| f.fire(op("getUserGroups", "demo")).is_some())
                .collect::<Vec<_>>()
        };
        let a = run();
        assert_eq!(a, run());
        assert!(a.contains(&true) && a.contains(&false));
    }

    #[test]
    fn tenant_and_api_narrow_the_target() {
        let f = Faults::default();
        f.add(spec(
            r#"{"api":"luminate","tenant":"other","effect":{"http_status":503,"retry_after":2}}"#,
        ));
        assert!(f.fire(op("getUserGroups", "demo")).is_none());
        assert!(f.fire(op("getUserGroups", "other")).is_some());
        let mut ym = op("getUserGroups", "other");
        ym.api = Api::YourMembership;
        assert!(f.fire(ym).is_none());
    }

    #[test]
    fn effects_parse_from_the_contract_shapes() {
        for (json, ok) in [
            (r#"{"latency_ms":10}"#, true),
            (r#"{"vendor_error":"SU:9999"}"#, true),
            (r#"{"http_status":503,"retry_after":5}"#, true),
            (r#"{"drop_connection":true}"#, true),
            (r#"{"latency":10}"#, false),
        ] {
            assert_eq!(serde_json::from_str::<Effect>(json).is_ok(), ok, "{json}");
        }
        let bad = spec(r#"{"api":"luminate","effect":{"latency_ms":10},"probability":1.5}"#);
        assert_eq!(bad.validate().unwrap_err().0, "probability");
    }
}
