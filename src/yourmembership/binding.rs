//! ServiceStack request binding: one request DTO filled from the path, the query string, a form
//! body and a JSON body, property names matched case-insensitively, unknown properties ignored.
//!
//! Precedence follows ServiceStack's `RestHandler`: path values over form/query values over the
//! JSON body. A value that does not convert to the property's type is a
//! `SerializationException` naming the field.

use std::borrow::Cow;

use axum::body::Bytes;
use axum::http::request::Parts;

use super::errors::YmError;
use super::route::Route;
use crate::wire::form;

/// **\[choice\]** Longest string a field may carry (characters). YM's columns are bounded; the mock
/// refuses longer values with a validation error instead of truncating them silently.
pub const MAX_STRING_CHARS: usize = 4000;

/// Longest value the journal keeps of a parameter (characters).
const JOURNAL_VALUE_CHARS: usize = 256;

#[derive(Debug, Clone, PartialEq)]
enum Value {
    Text(String),
    Json(serde_json::Value),
}

/// The request's fields, highest precedence first.
#[derive(Debug, Clone)]
pub struct Fields {
    dto: &'static str,
    items: Vec<(String, Value)>,
}

impl Fields {
    /// Gather the fields of a request for the DTO named `dto`.
    pub async fn read(
        dto: &'static str,
        route: Option<&Route>,
        parts: &Parts,
        body: &Bytes,
    ) -> Result<Fields, YmError> {
        let mut items = Vec::new();
        if let Some(r) = route {
            if let Some(c) = &r.client_id {
                items.push(("ClientID".to_string(), Value::Text(c.clone())));
            }
            if let Some(m) = &r.member_id {
                items.push(("MemberID".to_string(), Value::Text(m.clone())));
            }
        }
        let unreadable = |ct: &str| YmError::Deserialize {
            dto,
            content_type: ct.to_string(),
        };
        let media = form::media_type(&parts.headers);
        let is_json = media
            .as_deref()
            .is_some_and(|m| m == "application/json" || m == "text/json" || m.ends_with("+json"));
        let mut json_fields = Vec::new();
        if is_json {
            if !body.iter().all(u8::is_ascii_whitespace) {
                match serde_json::from_slice::<serde_json::Value>(body) {
                    Ok(serde_json::Value::Object(map)) => {
                        json_fields = map.into_iter().map(|(k, v)| (k, Value::Json(v))).collect();
                    }
                    _ => return Err(unreadable("application/json")),
                }
            }
        } else {
            match media.as_deref() {
                None | Some("application/x-www-form-urlencoded") | Some("multipart/form-data") => {
                    let fields = form::body_fields(&parts.headers, body)
                        .await
                        .map_err(|_| unreadable(media.as_deref().unwrap_or("")))?;
                    items.extend(fields.into_iter().map(|(k, v)| (k, Value::Text(v))));
                }
                // **[choice]** XML and JSV request bodies are not emulated: refused, never parsed
                // (so no DOCTYPE or entity is ever expanded).
                Some(other) if !body.is_empty() => return Err(unreadable(other)),
                Some(_) => {}
            }
        }
        if let Some(q) = parts.uri.query() {
            items.extend(form::parse_urlencoded(q.as_bytes()).map(|(k, v)| (k, Value::Text(v))));
        }
        items.extend(json_fields);
        Ok(Fields { dto, items })
    }

    /// An empty set of fields (for a request that could not be read).
    pub fn empty(dto: &'static str) -> Fields {
        Fields {
            dto,
            items: Vec::new(),
        }
    }

    fn find(&self, name: &str) -> Option<&Value> {
        self.items
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    }

    fn invalid(&self, field: &'static str, value: &Value) -> YmError {
        let shown = match value {
            Value::Text(t) => t.clone(),
            Value::Json(serde_json::Value::String(s)) => s.clone(),
            Value::Json(j) => j.to_string(),
        };
        YmError::Binding {
            dto: self.dto,
            field,
            value: shorten(&shown, 100),
        }
    }

    /// A value as text when it is a scalar; `None` when absent, null or empty.
    fn text(&self, name: &'static str) -> Result<Option<(Cow<'_, str>, &Value)>, YmError> {
        let Some(v) = self.find(name) else {
            return Ok(None);
        };
        let text: Cow<'_, str> = match v {
            Value::Text(t) => t.into(),
            Value::Json(serde_json::Value::Null) => return Ok(None),
            Value::Json(serde_json::Value::String(s)) => s.into(),
            Value::Json(serde_json::Value::Number(n)) => n.to_string().into(),
            Value::Json(serde_json::Value::Bool(b)) => b.to_string().into(),
            Value::Json(_) => return Err(self.invalid(name, v)),
        };
        Ok(Some((text, v)))
    }

    /// An `int` property: a JSON number or a string holding one.
    pub fn int(&self, name: &'static str) -> Result<Option<i32>, YmError> {
        match self.text(name)? {
            None => Ok(None),
            Some((t, _)) if t.trim().is_empty() => Ok(None),
            Some((t, v)) => t
                .trim()
                .parse::<i32>()
                .map(Some)
                .map_err(|_| self.invalid(name, v)),
        }
    }

    /// A `bool` property: `true`/`false` in any case (or `1`/`0`).
    pub fn bool(&self, name: &'static str) -> Result<Option<bool>, YmError> {
        match self.text(name)? {
            None => Ok(None),
            Some((t, _)) if t.trim().is_empty() => Ok(None),
            Some((t, v)) => match t.trim() {
                t if t.eq_ignore_ascii_case("true") || t == "1" => Ok(Some(true)),
                t if t.eq_ignore_ascii_case("false") || t == "0" => Ok(Some(false)),
                _ => Err(self.invalid(name, v)),
            },
        }
    }

    /// A `string` property; empty counts as absent.
    pub fn string(&self, name: &'static str) -> Result<Option<String>, YmError> {
        self.string_up_to(name, MAX_STRING_CHARS)
    }

    /// A `string` property of at most `max` characters; empty counts as absent.
    pub fn string_up_to(&self, name: &'static str, max: usize) -> Result<Option<String>, YmError> {
        match self.text(name)? {
            None => Ok(None),
            Some((t, _)) if t.is_empty() => Ok(None),
            Some((t, _)) if t.chars().count() > max => Err(YmError::Invalid {
                field: Some(name),
                message: format!("'{name}' must be at most {max} characters."),
            }),
            Some((t, _)) => Ok(Some(t.into_owned())),
        }
    }

    /// An enum property, by name in any case.
    pub fn enumeration(
        &self,
        name: &'static str,
        names: &[&'static str],
    ) -> Result<Option<&'static str>, YmError> {
        match self.text(name)? {
            None => Ok(None),
            Some((t, _)) if t.trim().is_empty() => Ok(None),
            Some((t, v)) => names
                .iter()
                .find(|n| n.eq_ignore_ascii_case(t.trim()))
                .copied()
                .map(Some)
                .ok_or_else(|| self.invalid(name, v)),
        }
    }

    /// Name/value pairs for the journal, values shortened.
    /// Every field as name and text, for the journal (long values shortened).
    pub fn visit(&self, mut f: impl FnMut(&str, &str)) {
        for (k, v) in &self.items {
            let text: std::borrow::Cow<'_, str> = match v {
                Value::Text(t) => t.into(),
                Value::Json(serde_json::Value::String(s)) => s.into(),
                Value::Json(j) => j.to_string().into(),
            };
            if text.chars().nth(JOURNAL_VALUE_CHARS).is_some() {
                f(k, &shorten(&text, JOURNAL_VALUE_CHARS));
            } else {
                f(k, &text);
            }
        }
    }

    /// Every field as (name, text), for the journal.
    pub fn pairs(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        self.visit(|k, v| out.push((k.to_string(), v.to_string())));
        out
    }
}

fn shorten(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(max).collect();
        t.push('…');
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::Request;

    async fn fields(uri: &str, ct: &str, body: &str) -> Result<Fields, YmError> {
        let (parts, _) = Request::post(uri)
            .header("content-type", ct)
            .body(())
            .unwrap()
            .into_parts();
        let route = Route::parse(parts.uri.path());
        Fields::read(
            "MemberGroups",
            route.as_ref(),
            &parts,
            &Bytes::from(body.to_string()),
        )
        .await
    }

    #[tokio::test]
    async fn numbers_bind_from_json_numbers_and_strings_in_any_case() {
        let f = fields(
            "/Ams/40001/MemberGroups",
            "application/json",
            r#"{"memberid":"5001","GROUPTYPEID":3,"provider":"x"}"#,
        )
        .await
        .unwrap();
        assert_eq!(f.int("MemberID").unwrap(), Some(5001));
        assert_eq!(f.int("GroupTypeId").unwrap(), Some(3));
        assert_eq!(f.int("ClientID").unwrap(), Some(40001));
    }

    #[tokio::test]
    async fn the_path_wins_over_the_query_and_the_query_over_the_json_body() {
        let f = fields(
            "/Ams/40001/MemberGroups?ClientID=1&PageSize=5",
            "application/json",
            r#"{"ClientID":2,"PageSize":7}"#,
        )
        .await
        .unwrap();
        assert_eq!(f.int("ClientID").unwrap(), Some(40001));
        assert_eq!(f.int("PageSize").unwrap(), Some(5));
    }

    #[tokio::test]
    async fn unconvertible_values_name_their_field() {
        let f = fields(
            "/Ams/40001/MemberGroups",
            "application/x-www-form-urlencoded",
            "MemberID=abc&AddAsMember=maybe&ID=99999999999&SearchTerm=%5B%5D",
        )
        .await
        .unwrap();
        for (field, r) in [
            ("MemberID", f.int("MemberID").err()),
            ("AddAsMember", f.bool("AddAsMember").err()),
            ("ID", f.int("ID").err()),
        ] {
            match r {
                Some(YmError::Binding { field: got, .. }) => assert_eq!(got, field),
                other => panic!("{field}: {other:?}"),
            }
        }
        let f = fields(
            "/Ams/40001/MemberGroups",
            "application/json",
            r#"{"MemberID":{"a":1}}"#,
        )
        .await
        .unwrap();
        assert!(matches!(f.int("MemberID"), Err(YmError::Binding { .. })));
    }

    #[tokio::test]
    async fn deeply_nested_or_broken_json_is_a_serialization_error() {
        let deep = "[".repeat(100_000);
        let r = fields(
            "/Ams/40001/MemberGroups",
            "application/json",
            &format!(r#"{{"a":{deep}}}"#),
        )
        .await;
        assert!(matches!(r, Err(YmError::Deserialize { .. })));
    }
}
