//! YM's wire formats: one response tree ([`Node`]) written as JSON, JSV, XML or CSV, chosen by
//! content negotiation ([`Format::negotiate`]).
//!
//! A response is built once as a tree of ServiceStack DTOs (type name, namespace, properties in
//! declared order) and each writer follows its serializer's rules: JSON and JSV leave nulls out,
//! DataContract XML writes them as `i:nil`, orders YM's own members alphabetically and names list
//! items after their type.

use axum::http::{header, HeaderMap, HeaderValue};
use chrono::{DateTime, Datelike, FixedOffset, Timelike};

use crate::wire::xml;

/// YM's own DTO namespace (DataContract XML).
pub const YM_NS: &str = "http://schemas.datacontract.org/2004/07/YM.Web.Services.Ams";
/// ServiceStack's namespace (`ResponseStatus`, `ResponseError`, `ErrorResponse`).
pub const SS_NS: &str = "http://schemas.servicestack.net/types";
const XSI_NS: &str = "http://www.w3.org/2001/XMLSchema-instance";

/// A value of a response DTO.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    Null,
    Bool(bool),
    Int(i64),
    /// A .NET `double`, written as .NET writes it ([`push_double`]).
    Double(f64),
    /// Text; a `&'static str` (enum names, statuses) is borrowed, not copied ([`Node::name`]).
    Str(std::borrow::Cow<'static, str>),
    /// A `DateTime` with its offset (YM's server-local time).
    Date(DateTime<FixedOffset>),
    /// `DateTime.MinValue` (an unset non-nullable date).
    MinDate,
    List(Vec<Node>),
    Obj(Obj),
}

/// A DTO: its .NET type name and namespace, and its properties in declared order.
#[derive(Debug, Clone, PartialEq)]
pub struct Obj {
    pub ty: &'static str,
    pub ns: &'static str,
    pub fields: Vec<(&'static str, Node)>,
}

impl Obj {
    pub fn new(ty: &'static str, ns: &'static str) -> Obj {
        Obj {
            ty,
            ns,
            fields: Vec::with_capacity(8),
        }
    }

    pub fn with(mut self, name: &'static str, value: impl Into<Node>) -> Obj {
        self.fields.push((name, value.into()));
        self
    }
}

impl From<bool> for Node {
    fn from(v: bool) -> Node {
        Node::Bool(v)
    }
}
impl From<i64> for Node {
    fn from(v: i64) -> Node {
        Node::Int(v)
    }
}
impl From<f64> for Node {
    fn from(v: f64) -> Node {
        Node::Double(v)
    }
}
impl From<i32> for Node {
    fn from(v: i32) -> Node {
        Node::Int(v.into())
    }
}
impl From<&str> for Node {
    fn from(v: &str) -> Node {
        Node::Str(v.to_string().into())
    }
}
impl From<String> for Node {
    fn from(v: String) -> Node {
        Node::Str(v.into())
    }
}
impl From<Obj> for Node {
    fn from(v: Obj) -> Node {
        Node::Obj(v)
    }
}
impl<T: Into<Node>> From<Option<T>> for Node {
    fn from(v: Option<T>) -> Node {
        v.map_or(Node::Null, Into::into)
    }
}
impl<T: Into<Node>> From<Vec<T>> for Node {
    fn from(v: Vec<T>) -> Node {
        Node::List(v.into_iter().map(Into::into).collect())
    }
}

impl Node {
    /// A name known at compile time (an enum value, a status): no copy.
    pub fn name(v: &'static str) -> Node {
        Node::Str(std::borrow::Cow::Borrowed(v))
    }
}

/// The formats ServiceStack offers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Format {
    Json,
    /// JSON wrapped in `callback(...)`.
    Jsonp(String),
    Jsv,
    Xml,
    Csv,
}

impl Format {
    fn from_name(name: &str) -> Option<Format> {
        match name.to_ascii_lowercase().as_str() {
            "json" => Some(Format::Json),
            "jsv" => Some(Format::Jsv),
            "xml" => Some(Format::Xml),
            "csv" => Some(Format::Csv),
            _ => None,
        }
    }

    /// The format of a route suffix (`Groups.json`), and the path without it.
    pub fn split_suffix(path: &str) -> (&str, Option<Format>) {
        if let Some(dot) = path.rfind('.') {
            if !path[dot..].contains('/') {
                if let Some(f) = Format::from_name(&path[dot + 1..]) {
                    return (&path[..dot], Some(f));
                }
            }
        }
        (path, None)
    }

    /// Route suffix, then `?format=`, then `Accept`; JSON by default. `?callback=` turns JSON
    /// into JSONP.
    pub fn negotiate(suffix: Option<Format>, query: Option<&str>, headers: &HeaderMap) -> Format {
        let query_value = |name: &str| {
            query.and_then(|q| {
                crate::wire::form::parse_urlencoded(q.as_bytes())
                    .find(|(k, _)| k.eq_ignore_ascii_case(name))
                    .map(|(_, v)| v)
            })
        };
        let format = suffix
            .or_else(|| query_value("format").and_then(|f| Format::from_name(&f)))
            .or_else(|| from_accept(headers))
            .unwrap_or(Format::Json);
        match (format, query_value("callback")) {
            (Format::Json, Some(cb)) if valid_callback(&cb) => Format::Jsonp(cb),
            (f, _) => f,
        }
    }

    pub fn content_type(&self) -> &'static str {
        match self {
            Format::Json => "application/json; charset=utf-8",
            Format::Jsonp(_) => "application/javascript; charset=utf-8",
            Format::Jsv => "text/jsv; charset=utf-8",
            Format::Xml => "application/xml; charset=utf-8",
            Format::Csv => "text/csv; charset=utf-8",
        }
    }

    /// The whole body of `dto` in this format.
    pub fn write(&self, dto: &Obj) -> String {
        let mut out = String::with_capacity(1024);
        match self {
            Format::Json => json_obj(&mut out, dto),
            Format::Jsonp(cb) => {
                out.push_str(cb);
                out.push('(');
                json_obj(&mut out, dto);
                out.push(')');
            }
            Format::Jsv => jsv_obj(&mut out, dto),
            Format::Xml => xml_document(&mut out, dto),
            Format::Csv => csv_row(&mut out, dto),
        }
        out
    }

    pub fn content_type_header(&self) -> (header::HeaderName, HeaderValue) {
        (
            header::CONTENT_TYPE,
            HeaderValue::from_static(self.content_type()),
        )
    }
}

/// The first media type of `Accept` the mock can write (q-values are not weighed).
fn from_accept(headers: &HeaderMap) -> Option<Format> {
    let accept = headers.get(header::ACCEPT)?.to_str().ok()?;
    accept.split(',').find_map(|part| {
        match part.split(';').next()?.trim().to_ascii_lowercase().as_str() {
            "application/json" | "text/json" => Some(Format::Json),
            "application/xml" | "text/xml" => Some(Format::Xml),
            "text/jsv" => Some(Format::Jsv),
            "text/csv" => Some(Format::Csv),
            _ => None,
        }
    })
}

/// **\[choice\]** Only plain JavaScript identifiers (and dotted paths) are honoured as a JSONP
/// callback; anything else is ignored and plain JSON is answered, so `?callback=` cannot inject
/// script.
fn valid_callback(cb: &str) -> bool {
    !cb.is_empty()
        && cb.len() <= 128
        && cb
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$' || c == '.')
}

// ---------------------------------------------------------------- dates

/// JSON and XML dates: ISO 8601 with seven fractional digits and the offset.
fn iso_date(at: &DateTime<FixedOffset>) -> String {
    let mut out = String::with_capacity(33);
    push_iso_date(&mut out, at);
    out
}

/// [`iso_date`] written into `out`: digit by digit for the dates a store holds (a call's answer
/// has dozens of them; chrono's formatter cost three allocations and ~1,000 instructions each),
/// through chrono for the rest (years outside 0–9999, leap seconds, offsets with seconds).
fn push_iso_date(out: &mut String, at: &DateTime<FixedOffset>) {
    let offset = at.offset().local_minus_utc();
    if !(0..=9999).contains(&at.year()) || at.nanosecond() >= 1_000_000_000 || offset % 60 != 0 {
        use std::fmt::Write;
        let _ = write!(
            out,
            "{}.{:07}{}",
            at.format("%Y-%m-%dT%H:%M:%S"),
            at.nanosecond() % 1_000_000_000 / 100,
            at.format("%:z")
        );
        return;
    }
    fn digits(out: &mut String, n: u32, width: u32) {
        for k in (0..width).rev() {
            out.push(char::from(b'0' + (n / 10u32.pow(k) % 10) as u8));
        }
    }
    digits(out, at.year() as u32, 4);
    out.push('-');
    digits(out, at.month(), 2);
    out.push('-');
    digits(out, at.day(), 2);
    out.push('T');
    digits(out, at.hour(), 2);
    out.push(':');
    digits(out, at.minute(), 2);
    out.push(':');
    digits(out, at.second(), 2);
    out.push('.');
    digits(out, at.nanosecond() / 100, 7);
    out.push(if offset < 0 { '-' } else { '+' });
    let minutes = offset.unsigned_abs() / 60;
    digits(out, minutes / 60, 2);
    out.push(':');
    digits(out, minutes % 60, 2);
}

/// JSV dates: ServiceStack's shortest XSD form for a local time (date only at midnight, no
/// fraction when whole seconds).
fn shortest_date(at: &DateTime<FixedOffset>) -> String {
    let ticks = at.nanosecond() % 1_000_000_000 / 100;
    if at.time() == chrono::NaiveTime::MIN {
        at.format("%Y-%m-%d").to_string()
    } else if ticks == 0 {
        at.format("%Y-%m-%dT%H:%M:%S%:z").to_string()
    } else {
        iso_date(at)
    }
}

const MIN_DATE_ISO: &str = "0001-01-01T00:00:00.0000000";
const MIN_DATE_SHORT: &str = "0001-01-01";

// ---------------------------------------------------------------- numbers

/// A `double` as .NET writes it, in JSON and JSV (`double.ToString()`, ServiceStack.Text) and
/// in DataContract XML (`XmlConvert.ToString`, the round-trip format): the shortest text that
/// reads back the same, whole numbers without `.0` (`1`, `1.5`), scientific notation from 1E+15
/// and below 1E-05 (`1E+15`, `1E-07`), as .NET Core prints them.
pub fn push_double(out: &mut String, v: f64) {
    use std::fmt::Write;
    if !v.is_finite() {
        // Not representable in a seed or a request; .NET's own spellings, for completeness.
        out.push_str(if v.is_nan() {
            "NaN"
        } else if v > 0.0 {
            "Infinity"
        } else {
            "-Infinity"
        });
    } else if v.fract() == 0.0 && v.abs() < 1e15 {
        // Whole and within ±10^15: exact as an i64; `-0` stays `-0` as .NET Core writes it.
        if v == 0.0 && v.is_sign_negative() {
            out.push_str("-0");
        } else {
            out.push_str(itoa::Buffer::new().format(v as i64));
        }
    } else {
        let sci = format!("{v:e}");
        let (mantissa, exponent) = sci.split_once('e').unwrap_or((&sci, "0"));
        let exponent: i32 = exponent.parse().unwrap_or(0);
        if (-4..15).contains(&exponent) {
            let _ = write!(out, "{v}");
        } else {
            let sign = if exponent < 0 { '-' } else { '+' };
            let _ = write!(out, "{mantissa}E{sign}{:02}", exponent.abs());
        }
    }
}

// ---------------------------------------------------------------- JSON

fn json_obj(out: &mut String, o: &Obj) {
    out.push('{');
    let mut first = true;
    for (name, value) in &o.fields {
        if *value == Node::Null {
            continue;
        }
        if !first {
            out.push(',');
        }
        first = false;
        json_str(out, name);
        out.push(':');
        json_node(out, value);
    }
    out.push('}');
}

fn json_node(out: &mut String, n: &Node) {
    match n {
        Node::Null => out.push_str("null"),
        Node::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Node::Int(i) => out.push_str(itoa::Buffer::new().format(*i)),
        Node::Double(d) => push_double(out, *d),
        Node::Str(s) => json_str(out, s),
        Node::Date(d) => {
            // Digits, signs and separators only: nothing to escape.
            out.push('"');
            push_iso_date(out, d);
            out.push('"');
        }
        Node::MinDate => json_str(out, MIN_DATE_ISO),
        Node::List(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                json_node(out, item);
            }
            out.push(']');
        }
        Node::Obj(o) => json_obj(out, o),
    }
}

fn json_str(out: &mut String, s: &str) {
    crate::wire::json::push_str(out, s);
}

// ---------------------------------------------------------------- JSV

fn jsv_obj(out: &mut String, o: &Obj) {
    out.push('{');
    let mut first = true;
    for (name, value) in &o.fields {
        if *value == Node::Null {
            continue;
        }
        if !first {
            out.push(',');
        }
        first = false;
        out.push_str(name);
        out.push(':');
        jsv_node(out, value);
    }
    out.push('}');
}

fn jsv_node(out: &mut String, n: &Node) {
    match n {
        Node::Null => {}
        Node::Bool(b) => out.push_str(if *b { "True" } else { "False" }),
        Node::Int(i) => out.push_str(itoa::Buffer::new().format(*i)),
        Node::Double(d) => push_double(out, *d),
        Node::Str(s) => jsv_str(out, s),
        Node::Date(d) => out.push_str(&shortest_date(d)),
        Node::MinDate => out.push_str(MIN_DATE_SHORT),
        Node::List(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                jsv_node(out, item);
            }
            out.push(']');
        }
        Node::Obj(o) => jsv_obj(out, o),
    }
}

/// A JSV string is quoted only when it holds one of `[ ] { } , "` (inner quotes doubled).
/// **\[choice\]** the empty string is written `""` so that it stays distinct from a null.
fn jsv_str(out: &mut String, s: &str) {
    if s.is_empty() {
        out.push_str("\"\"");
    } else if s.contains(['[', ']', '{', '}', ',', '"']) {
        out.push('"');
        out.push_str(&s.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(s);
    }
}

// ---------------------------------------------------------------- XML (DataContract)

fn xml_document(out: &mut String, root: &Obj) {
    out.push_str(r#"<?xml version="1.0" encoding="utf-8"?>"#);
    push_start(
        out,
        root.ty,
        &format!(r#" xmlns:i="{XSI_NS}" xmlns="{}""#, root.ns),
    );
    xml_members(out, root, "", 1);
    xml::push_close(out, root.ty);
}

/// The members of `o`, each element in `o`'s namespace (`prefix` is how that namespace is
/// spelled at this depth). YM's contracts carry no member order, so DataContract writes them
/// alphabetically; ServiceStack's types declare theirs.
fn xml_members(out: &mut String, o: &Obj, prefix: &str, depth: usize) {
    let mut fields: Vec<&(&'static str, Node)> = o.fields.iter().collect();
    if o.ns == YM_NS {
        fields.sort_by(|a, b| a.0.cmp(b.0));
    }
    for (name, value) in fields {
        let tag = format!("{prefix}{name}");
        xml_element(out, &tag, value, o.ns, depth);
    }
}

fn xml_element(out: &mut String, tag: &str, value: &Node, parent_ns: &str, depth: usize) {
    match value {
        Node::Null => {
            out.push('<');
            out.push_str(tag);
            out.push_str(r#" i:nil="true"/>"#);
        }
        Node::Obj(o) => {
            let (decl, prefix) = child_namespace(o.ns, parent_ns, depth);
            push_start(out, tag, &decl);
            xml_members(out, o, &prefix, depth + 1);
            xml::push_close(out, tag);
        }
        Node::List(items) => {
            let item_ns = items
                .iter()
                .find_map(|i| match i {
                    Node::Obj(o) => Some(o.ns),
                    _ => None,
                })
                .unwrap_or(parent_ns);
            let (decl, prefix) = child_namespace(item_ns, parent_ns, depth);
            push_start(out, tag, &decl);
            for item in items {
                let item_tag = match item {
                    Node::Obj(o) => format!("{prefix}{}", o.ty),
                    _ => format!("{prefix}string"),
                };
                xml_element(out, &item_tag, item, item_ns, depth + 1);
            }
            xml::push_close(out, tag);
        }
        scalar => {
            xml::push_open(out, tag);
            push_scalar_text(out, scalar);
            xml::push_close(out, tag);
        }
    }
}

/// `<tag` and its namespace attributes (`attrs`, each with its leading space), then `>`.
fn push_start(out: &mut String, tag: &str, attrs: &str) {
    out.push('<');
    out.push_str(tag);
    out.push_str(attrs);
    out.push('>');
}

/// A nested contract in another namespace gets a `d{depth}p1` prefix, as DataContract does.
fn child_namespace(ns: &str, parent_ns: &str, depth: usize) -> (String, String) {
    if ns == parent_ns {
        (String::new(), String::new())
    } else {
        let p = format!("d{}p1", depth + 1);
        (format!(r#" xmlns:{p}="{ns}""#), format!("{p}:"))
    }
}

/// A scalar's text in an XML element, escaped by the shared writer (whatever a stored value
/// holds, the document stays well-formed).
fn push_scalar_text(out: &mut String, n: &Node) {
    match n {
        Node::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Node::Int(i) => out.push_str(itoa::Buffer::new().format(*i)),
        Node::Double(d) => push_double(out, *d),
        Node::Str(s) => xml::push_text(out, s),
        Node::Date(d) => push_iso_date(out, d),
        Node::MinDate => out.push_str("0001-01-01T00:00:00"),
        Node::Null | Node::List(_) | Node::Obj(_) => {}
    }
}

// ---------------------------------------------------------------- CSV

/// **\[choice\]** A response DTO as CSV is ServiceStack's single-object form: a header row of
/// the non-null properties and one data row, nested values written as JSV.
fn csv_row(out: &mut String, o: &Obj) {
    let present: Vec<&(&'static str, Node)> =
        o.fields.iter().filter(|(_, v)| *v != Node::Null).collect();
    let header: Vec<String> = present.iter().map(|(n, _)| csv_cell(n)).collect();
    let row: Vec<String> = present
        .iter()
        .map(|(_, v)| {
            let mut s = String::new();
            match v {
                Node::Str(text) => s.push_str(text),
                other => jsv_node(&mut s, other),
            }
            csv_cell(&s)
        })
        .collect();
    out.push_str(&header.join(","));
    out.push_str("\r\n");
    out.push_str(&row.join(","));
    out.push_str("\r\n");
}

fn csv_cell(s: &str) -> String {
    if s.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(s).unwrap()
    }

    #[test]
    fn json_dates_have_seven_fractional_digits_and_the_offset() {
        assert_eq!(
            iso_date(&at("2025-01-15T08:52:24.0974701-05:00")),
            "2025-01-15T08:52:24.0974701-05:00"
        );
        assert_eq!(
            iso_date(&at("2025-01-15T08:52:24-05:00")),
            "2025-01-15T08:52:24.0000000-05:00"
        );
    }

    #[test]
    fn the_date_digit_writer_writes_what_chrono_writes() {
        use chrono::TimeZone;
        use rand::{Rng, SeedableRng};
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        for _ in 0..5000 {
            let offset = FixedOffset::east_opt(rng.gen_range(-14 * 60..=14 * 60) * 60).unwrap();
            let secs = rng.gen_range(-62_135_596_800i64..253_402_300_799);
            let at = offset
                .timestamp_opt(secs, rng.gen_range(0..1_000_000_000))
                .unwrap();
            let chrono = format!(
                "{}.{:07}{}",
                at.format("%Y-%m-%dT%H:%M:%S"),
                at.nanosecond() / 100,
                at.format("%:z")
            );
            assert_eq!(iso_date(&at), chrono);
        }
    }

    #[test]
    fn jsv_dates_take_the_shortest_xsd_form() {
        assert_eq!(
            shortest_date(&at("2025-01-15T00:00:00-05:00")),
            "2025-01-15"
        );
        assert_eq!(
            shortest_date(&at("2025-01-15T08:52:24-05:00")),
            "2025-01-15T08:52:24-05:00"
        );
        assert_eq!(
            shortest_date(&at("2025-01-15T08:52:24.5-05:00")),
            "2025-01-15T08:52:24.5000000-05:00"
        );
    }

    #[test]
    fn jsv_quotes_only_strings_with_structural_characters() {
        let o = Obj::new("T", YM_NS)
            .with("A", "plain text: ok")
            .with("B", "a,b")
            .with("C", "say \"hi\"")
            .with("D", Node::Null)
            .with("E", true)
            .with("F", "");
        let mut s = String::new();
        jsv_obj(&mut s, &o);
        assert_eq!(
            s,
            r#"{A:plain text: ok,B:"a,b",C:"say ""hi""",E:True,F:""}"#
        );
    }

    #[test]
    fn xml_writes_nil_for_nulls_and_sorts_ym_members() {
        let o = Obj::new("R", YM_NS)
            .with("Zeta", 1)
            .with("Alpha", Node::Null)
            .with(
                "ResponseStatus",
                Obj::new("ResponseStatus", SS_NS)
                    .with("ErrorCode", "X")
                    .with("Message", Node::Null),
            );
        assert_eq!(
            Format::Xml.write(&o),
            format!(
                r#"<?xml version="1.0" encoding="utf-8"?><R xmlns:i="{XSI_NS}" xmlns="{YM_NS}"><Alpha i:nil="true"/><ResponseStatus xmlns:d2p1="{SS_NS}"><d2p1:ErrorCode>X</d2p1:ErrorCode><d2p1:Message i:nil="true"/></ResponseStatus><Zeta>1</Zeta></R>"#
            )
        );
    }

    #[test]
    fn doubles_are_written_as_dotnet_writes_them() {
        let cases = [
            (1.5, "1.5"),
            (1.0, "1"),
            (0.0, "0"),
            (-2.0, "-2"),
            (0.1, "0.1"),
            (123456.789, "123456.789"),
            (1e15, "1E+15"),
            (1.5e20, "1.5E+20"),
            (0.00001, "1E-05"),
            (0.0001, "0.0001"),
            (-1.25e-7, "-1.25E-07"),
        ];
        for (v, text) in cases {
            let mut out = String::new();
            push_double(&mut out, v);
            assert_eq!(out, text, "{v:e}");
        }
    }

    #[test]
    fn xml_text_goes_through_the_shared_writer() {
        let o = Obj::new("R", YM_NS).with("A", "x\u{1}]]><&");
        assert!(Format::Xml
            .write(&o)
            .contains("<A>x\u{FFFD}]]&gt;&lt;&amp;</A>"));
    }

    #[test]
    fn suffixes_select_the_format_only_on_the_last_segment() {
        assert_eq!(
            Format::split_suffix("/Ams/1/Groups.JSV"),
            ("/Ams/1/Groups", Some(Format::Jsv))
        );
        assert_eq!(
            Format::split_suffix("/Ams/a.json/Groups"),
            ("/Ams/a.json/Groups", None)
        );
    }

    #[test]
    fn hostile_callbacks_are_ignored() {
        let h = HeaderMap::new();
        assert_eq!(
            Format::negotiate(None, Some("callback=cb.x"), &h),
            Format::Jsonp("cb.x".into())
        );
        assert_eq!(
            Format::negotiate(None, Some("callback=alert(1)//"), &h),
            Format::Json
        );
    }
}
