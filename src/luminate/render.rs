//! Luminate's wire format: one value tree rendered as XML (the default) or JSON.
//!
//! A method builds an [`Answer`] (root element name + fields); this module owns every byte
//! rule of luminate.md §3: the XML declaration, namespace and `xsi:schemaLocation`,
//! string-typed JSON scalars, `xsi:nil` ↔ `null`, and the one-object-versus-array rule for
//! every list.

use axum::body::Body;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::Response;
use serde_json::{Map, Value as Json};

use crate::seed::JsonContentType;
use crate::vendor::VendorCode;

use super::errors::LumError;

pub const NAMESPACE: &str = "http://convio.com/crm/v1.0";
pub const XSI: &str = "http://www.w3.org/2001/XMLSchema-instance";
pub const SCHEMA_LOCATION: &str =
    "http://convio.com/crm/v1.0 http://service.convio.net/xmlschema/crm.public.v1.xsd";

/// **[choice]** Content types (the live server's are not pinned down by its docs); JSON's
/// media type can be switched to `text/plain` per site.
pub const XML_CONTENT_TYPE: &str = "text/xml;charset=UTF-8";
pub const JSON_CHARSET: &str = ";charset=UTF-8";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Xml,
    Json,
}

/// A node of a response.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Text(String),
    /// `xsi:nil="true"` in XML, `null` in JSON.
    Nil,
    Object(Vec<(&'static str, Value)>),
    /// Repeated elements in XML; in JSON absent (none), a bare object (one) or an array.
    List(Vec<Value>),
}

impl Value {
    pub fn text(s: impl ToString) -> Value {
        Value::Text(s.to_string())
    }

    pub fn opt(s: Option<&str>) -> Value {
        s.map_or(Value::Nil, Value::text)
    }
}

/// A successful answer: the root element and its fields.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    pub root: &'static str,
    pub fields: Vec<(&'static str, Value)>,
}

/// The error envelope as an answer.
pub fn error_answer(e: &LumError) -> Answer {
    Answer {
        root: "errorResponse",
        fields: vec![
            ("code", Value::text(e.code())),
            ("message", Value::Text(e.message())),
        ],
    }
}

// ------------------------------------------------------------------ XML

pub fn to_xml(answer: &Answer) -> String {
    let mut out = String::with_capacity(512);
    out.push_str(r#"<?xml version="1.0" encoding="UTF-8"?>"#);
    out.push('\n');
    out.push('<');
    out.push_str(answer.root);
    out.push_str(&format!(
        r#" xmlns="{NAMESPACE}" xmlns:xsi="{XSI}" xsi:schemaLocation="{SCHEMA_LOCATION}">"#
    ));
    for (name, value) in &answer.fields {
        write_xml(&mut out, name, value);
    }
    out.push_str("</");
    out.push_str(answer.root);
    out.push('>');
    out
}

fn write_xml(out: &mut String, name: &str, value: &Value) {
    match value {
        Value::List(items) => {
            for item in items {
                write_xml(out, name, item);
            }
        }
        Value::Nil => {
            out.push('<');
            out.push_str(name);
            out.push_str(r#" xsi:nil="true"/>"#);
        }
        Value::Text(text) => {
            out.push('<');
            out.push_str(name);
            out.push('>');
            escape_xml_text(out, text);
            out.push_str("</");
            out.push_str(name);
            out.push('>');
        }
        Value::Object(fields) => {
            out.push('<');
            out.push_str(name);
            out.push('>');
            for (n, v) in fields {
                write_xml(out, n, v);
            }
            out.push_str("</");
            out.push_str(name);
            out.push('>');
        }
    }
}

/// Escape text content; characters XML 1.0 cannot carry at all become U+FFFD so a stored value
/// can never make the document ill-formed.
fn escape_xml_text(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
}

// ------------------------------------------------------------------ JSON

pub fn to_json(answer: &Answer) -> String {
    let mut inner = Map::new();
    for (name, value) in &answer.fields {
        put_json(&mut inner, name, value);
    }
    let mut outer = Map::new();
    outer.insert(answer.root.to_string(), Json::Object(inner));
    Json::Object(outer).to_string()
}

fn put_json(map: &mut Map<String, Json>, name: &str, value: &Value) {
    match value {
        // The vendor's list rule: no key for none, a bare object for one, an array otherwise.
        Value::List(items) => match items.as_slice() {
            [] => {}
            [one] => {
                map.insert(name.to_string(), json_of(one));
            }
            many => {
                map.insert(
                    name.to_string(),
                    Json::Array(many.iter().map(json_of).collect()),
                );
            }
        },
        other => {
            map.insert(name.to_string(), json_of(other));
        }
    }
}

fn json_of(value: &Value) -> Json {
    match value {
        Value::Text(t) => Json::String(t.clone()),
        Value::Nil => Json::Null,
        Value::Object(fields) => {
            let mut m = Map::new();
            for (n, v) in fields {
                put_json(&mut m, n, v);
            }
            Json::Object(m)
        }
        // A list directly inside a list does not occur in Luminate's responses.
        Value::List(items) => Json::Array(items.iter().map(json_of).collect()),
    }
}

// ------------------------------------------------------------------ HTTP

/// How to send an answer: format, the site's JSON content type, and whether errors must be
/// answered with HTTP 200 (`suppress_response_codes=true`).
#[derive(Debug, Clone, Copy)]
pub struct Style {
    pub format: Format,
    pub json_content_type: JsonContentType,
    pub suppress_response_codes: bool,
}

impl Default for Style {
    fn default() -> Style {
        Style {
            format: Format::Xml,
            json_content_type: JsonContentType::ApplicationJson,
            suppress_response_codes: false,
        }
    }
}

pub fn success(style: Style, answer: &Answer) -> Response {
    body_response(style, StatusCode::OK, answer)
}

/// The `errorResponse` envelope for `e`, carrying its vendor code for the journal.
pub fn error(style: Style, e: &LumError) -> Response {
    let status = if style.suppress_response_codes {
        StatusCode::OK
    } else {
        e.status()
    };
    let mut response = body_response(style, status, &error_answer(e));
    if *e == LumError::WrongVerb {
        response
            .headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("POST"));
    }
    response
        .extensions_mut()
        .insert(VendorCode(e.code().to_string()));
    response
}

fn body_response(style: Style, status: StatusCode, answer: &Answer) -> Response {
    let (body, content_type) = match style.format {
        Format::Xml => (to_xml(answer), XML_CONTENT_TYPE.to_string()),
        Format::Json => {
            let media = match style.json_content_type {
                JsonContentType::ApplicationJson => "application/json",
                JsonContentType::TextPlain => "text/plain",
            };
            (to_json(answer), format!("{media}{JSON_CHARSET}"))
        }
    };
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(&content_type).expect("content types are ASCII"),
    );
    response
}

/// HTTP 302 to `location` (already validated as a header value).
pub fn redirect(location: HeaderValue, error: Option<&LumError>) -> Response {
    let mut response = Response::new(Body::empty());
    *response.status_mut() = StatusCode::FOUND;
    response.headers_mut().insert(header::LOCATION, location);
    if let Some(e) = error {
        response
            .extensions_mut()
            .insert(VendorCode(e.code().to_string()));
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn groups(n: usize) -> Answer {
        Answer {
            root: "getConsGroupsResponse",
            fields: vec![(
                "group",
                Value::List(
                    (0..n)
                        .map(|i| {
                            Value::Object(vec![
                                ("id", Value::text(1001 + i)),
                                ("label", Value::text("A & <B>")),
                            ])
                        })
                        .collect(),
                ),
            )],
        }
    }

    #[test]
    fn json_lists_are_absent_for_none_an_object_for_one_and_an_array_for_more() {
        assert_eq!(to_json(&groups(0)), r#"{"getConsGroupsResponse":{}}"#);
        assert_eq!(
            to_json(&groups(1)),
            r#"{"getConsGroupsResponse":{"group":{"id":"1001","label":"A & <B>"}}}"#
        );
        assert!(to_json(&groups(2)).contains(r#""group":[{"id":"1001""#));
    }

    #[test]
    fn xml_escapes_text_and_replaces_characters_xml_cannot_carry() {
        let xml = to_xml(&groups(1));
        assert!(xml.contains("<label>A &amp; &lt;B&gt;</label>"));
        let mut out = String::new();
        escape_xml_text(&mut out, "a\u{0}b\u{1b}c");
        assert_eq!(out, "a\u{FFFD}b\u{FFFD}c");
    }

    #[test]
    fn nil_is_xsi_nil_in_xml_and_null_in_json() {
        let a = Answer {
            root: "r",
            fields: vec![("member_id", Value::Nil)],
        };
        assert!(to_xml(&a).contains(r#"<member_id xsi:nil="true"/>"#));
        assert_eq!(to_json(&a), r#"{"r":{"member_id":null}}"#);
    }
}
