//! Secrets in answer bodies: what a login hands back (a session id, a token, a nonce, a URL
//! carrying the API key) is as secret as the parameter that later presents it, so every read
//! of a kept answer masks it ([`super::Entry::answer`]).
//!
//! The vendors answer in JSON, XML, JSV and CSV; one pass over the text finds the values of
//! secret-named fields in each of them without parsing the document:
//! - JSON members `"token":"…"`, XML elements `<token>…</token>` (any namespace prefix, CDATA
//!   too), JSV members `{SessionId:…}`, attributes and query or path parameters inside any
//!   value (`?api_key=…&`, `;jsessionid=…`);
//! - CSV (YourMembership's one-object form): the cells under a secret-named header.
//!
//! A value that runs past the end of the text (an answer the journal cut) is masked to the end,
//! so cutting never leaves half a secret behind.
//!
//! Most answers name no secret at all and pay only one pass over their bytes
//! ([`may_name_a_secret`]): every secret name contains one of a dozen three-letter pieces,
//! and an answer with none of them is copied as it is.

use super::{is_secret_name, MASK};

/// Names whose values are secrets in an answer, besides [`is_secret`](super::is_secret)'s: a login's nonce and
/// the signature that vouches for it.
const ANSWER_SECRET_NAMES: &[&str] = &["nonce", "signature"];

/// Whether a field of this name carries a secret in an answer body.
pub fn is_answer_secret(name: &str) -> bool {
    is_answer_secret_name(name.as_bytes())
}

fn is_answer_secret_name(name: &[u8]) -> bool {
    is_secret_name(name)
        || ANSWER_SECRET_NAMES
            .iter()
            .any(|n| name.eq_ignore_ascii_case(n.as_bytes()))
}

/// Pieces one of which every secret name contains, in any case: `key` (api_key, secret_key),
/// `pas` (password), `aut` (auth, sso_auth_token), `tok` (token), `ses` (session ids,
/// JSESSIONID), `ssi`/`ss-`/`ss_` (X-SS-ID), `api` (AccountAPI, UserAPI), `sec` (secrets),
/// `non` (nonce), `sig` (signature). A test keeps this list and the names in step.
const PIECES: [[u8; 3]; 12] = [
    *b"key", *b"pas", *b"aut", *b"tok", *b"ses", *b"ssi", *b"ss-", *b"ss_", *b"api", *b"sec",
    *b"non", *b"sig",
];

/// Bytes a piece starts with, in either case: the only places the scan looks closer.
const STARTS: [bool; 256] = {
    let mut table = [false; 256];
    let mut i = 0;
    while i < PIECES.len() {
        let first = PIECES[i][0];
        table[first as usize] = true;
        table[first.to_ascii_uppercase() as usize] = true;
        i += 1;
    }
    table
};

/// Whether `text` contains any of [`PIECES`] (ASCII case-insensitive): if not, it names no
/// secret and needs no masking.
pub fn may_name_a_secret(text: &[u8]) -> bool {
    let Some(last) = text.len().checked_sub(3) else {
        return false;
    };
    (0..=last).any(|i| {
        STARTS[text[i] as usize] && {
            let piece = [
                text[i].to_ascii_lowercase(),
                text[i + 1].to_ascii_lowercase(),
                text[i + 2].to_ascii_lowercase(),
            ];
            PIECES.contains(&piece)
        }
    })
}

/// Append `text` to `out` with every secret value replaced by [`MASK`].
pub fn mask_into(content_type: Option<&str>, text: &[u8], out: &mut Vec<u8>) {
    if !may_name_a_secret(text) {
        out.extend_from_slice(text);
        return;
    }
    let csv = content_type.is_some_and(|t| {
        t.get(..8)
            .is_some_and(|p| p.eq_ignore_ascii_case("text/csv"))
    });
    match std::str::from_utf8(text) {
        Ok(text) if csv => mask_csv(text, out),
        _ => mask_text(text, out),
    }
}

/// [`mask_into`] as a `String`.
pub fn mask(content_type: Option<&str>, text: &str) -> String {
    let mut out = Vec::with_capacity(text.len());
    mask_into(content_type, text.as_bytes(), &mut out);
    // Only whole characters of `text` and the ASCII mask were written.
    String::from_utf8(out).unwrap_or_default()
}

fn is_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || b == b'.'
}

/// Longest field name looked at; longer runs are no field name of any vendor.
const MAX_NAME: usize = 64;

fn mask_text(b: &[u8], out: &mut Vec<u8>) {
    let mut i = 0;
    let mut copied = 0;
    while i < b.len() {
        let value = match b[i] {
            b'<' => xml_value(b, i),
            b'"' => json_value(b, i),
            c if is_name_byte(c) && (i == 0 || !is_name_byte(b[i - 1])) => bare_value(b, i),
            _ => None,
        };
        match value {
            // Every span starts and ends next to an ASCII delimiter (or at an end): whole
            // characters on both sides.
            Some((start, end)) if start < end => {
                out.extend_from_slice(&b[copied..start]);
                out.extend_from_slice(MASK.as_bytes());
                copied = end;
                i = end;
            }
            _ => i += 1,
        }
    }
    out.extend_from_slice(&b[copied..]);
}

/// The run of name bytes at `i`, if it is short enough to be a field name.
fn name_at(b: &[u8], i: usize) -> Option<(&[u8], usize)> {
    let end = b[i..]
        .iter()
        .position(|c| !is_name_byte(*c))
        .map_or(b.len(), |n| i + n);
    if end == i || end - i > MAX_NAME {
        return None;
    }
    Some((&b[i..end], end))
}

/// `<name …>value<` → the value's span when `name` (after any `prefix:`) is secret.
fn xml_value(b: &[u8], lt: usize) -> Option<(usize, usize)> {
    let mut i = lt + 1;
    let mut local = None;
    while let Some((name, end)) = b.get(i).and_then(|_| name_at(b, i)) {
        local = Some(name);
        i = end;
        if b.get(i) != Some(&b':') {
            break;
        }
        i += 1;
    }
    if !local.is_some_and(is_answer_secret_name) {
        return None;
    }
    let gt = i + b[i..].iter().position(|c| *c == b'>')?;
    if b[gt - 1] == b'/' {
        return None;
    }
    let start = gt + 1;
    const CDATA: &[u8] = b"<![CDATA[";
    if b[start..].starts_with(CDATA) {
        let from = start + CDATA.len();
        let end = find(&b[from..], b"]]>").map_or(b.len(), |n| from + n);
        return Some((from, end));
    }
    let end = b[start..]
        .iter()
        .position(|c| *c == b'<')
        .map_or(b.len(), |n| start + n);
    Some((start, end))
}

/// `"name" : value` → the value's span (inside its quotes) when `name` is secret.
fn json_value(b: &[u8], quote: usize) -> Option<(usize, usize)> {
    let (name, end) = name_at(b, quote + 1)?;
    if b.get(end) != Some(&b'"') || !is_answer_secret_name(name) {
        return None;
    }
    let mut i = skip_spaces(b, end + 1);
    if b.get(i) != Some(&b':') {
        return None;
    }
    i = skip_spaces(b, i + 1);
    match b.get(i)? {
        b'"' => {
            let start = i + 1;
            let mut j = start;
            while j < b.len() && b[j] != b'"' {
                j += if b[j] == b'\\' { 2 } else { 1 };
            }
            Some((start, j.min(b.len())))
        }
        b'{' | b'[' => None,
        _ => {
            let end = b[i..]
                .iter()
                .position(|c| matches!(c, b',' | b'}' | b']') || c.is_ascii_whitespace())
                .map_or(b.len(), |n| i + n);
            (&b[i..end] != b"null").then_some((i, end))
        }
    }
}

/// `name=value` (a query, path or attribute parameter) or `{name:value` / `,name:value` (a JSV
/// member) → the value's span when `name` is secret.
fn bare_value(b: &[u8], i: usize) -> Option<(usize, usize)> {
    let (name, end) = name_at(b, i)?;
    let jsv = match b.get(end) {
        Some(b'=') => false,
        Some(b':') if i > 0 && matches!(b[i - 1], b'{' | b',') => true,
        _ => return None,
    };
    if !is_answer_secret_name(name) {
        return None;
    }
    let start = end + 1;
    match b.get(start) {
        Some(q @ (b'"' | b'\'')) => {
            // JSV doubles a quote inside a quoted value.
            let mut j = start + 1;
            while j < b.len() {
                if b[j] == *q {
                    if jsv && b.get(j + 1) == Some(q) {
                        j += 2;
                        continue;
                    }
                    break;
                }
                j += 1;
            }
            Some((start + 1, j.min(b.len())))
        }
        _ => {
            let stop: &[u8] = if jsv { b",}" } else { b"&;#?\"'<>,)}]\\" };
            let end = b[start..]
                .iter()
                .position(|c| stop.contains(c) || c.is_ascii_whitespace())
                .map_or(b.len(), |n| start + n);
            Some((start, end))
        }
    }
}

fn skip_spaces(b: &[u8], mut i: usize) -> usize {
    while b.get(i).is_some_and(u8::is_ascii_whitespace) {
        i += 1;
    }
    i
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// CSV: the cells under a secret-named header are masked; every cell is also masked as text
/// (a URL in a cell).
fn mask_csv(text: &str, out: &mut Vec<u8>) {
    let mut lines = text.split_inclusive('\n');
    let Some(header) = lines.next() else {
        return;
    };
    let secret: Vec<bool> = csv_cells(header)
        .map(|cell| is_answer_secret(cell.trim_matches(|c: char| c == '"' || c.is_whitespace())))
        .collect();
    mask_text(header.as_bytes(), out);
    for line in lines {
        let body = line.trim_end_matches(['\r', '\n']);
        for (n, cell) in csv_cells(body).enumerate() {
            if n > 0 {
                out.push(b',');
            }
            if secret.get(n).copied().unwrap_or(false) && !cell.is_empty() {
                out.extend_from_slice(MASK.as_bytes());
            } else {
                mask_text(cell.as_bytes(), out);
            }
        }
        out.extend_from_slice(&line.as_bytes()[body.len()..]);
    }
}

/// The cells of one CSV line, quotes kept (a quoted cell may hold commas).
fn csv_cells(line: &str) -> impl Iterator<Item = &str> {
    let b = line.as_bytes();
    let mut start = 0;
    let mut done = false;
    std::iter::from_fn(move || {
        if done {
            return None;
        }
        let mut quoted = false;
        let mut i = start;
        while i < b.len() {
            match b[i] {
                b'"' => quoted = !quoted,
                b',' if !quoted => break,
                _ => {}
            }
            i += 1;
        }
        let cell = &line[start..i];
        if i >= b.len() {
            done = true;
        } else {
            start = i + 1;
        }
        Some(cell)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(text: &str) -> String {
        mask(None, text)
    }

    #[test]
    fn json_members_with_secret_names_are_masked() {
        assert_eq!(
            m(
                r#"{"loginResponse":{"cons_id":"1000001","token":"abc\"def","nonce":"n1","JSESSIONID":"J","routing_id":"membermock"}}"#
            ),
            r#"{"loginResponse":{"cons_id":"1000001","token":"****","nonce":"****","JSESSIONID":"****","routing_id":"membermock"}}"#
        );
        assert_eq!(m(r#"{"SessionId" : null}"#), r#"{"SessionId" : null}"#);
        assert_eq!(m(r#"{"SessionId":12345}"#), r#"{"SessionId":****}"#);
    }

    #[test]
    fn xml_elements_with_secret_names_are_masked_whatever_their_prefix() {
        assert_eq!(
            m("<r xmlns:a=\"x\"><token>t0k</token><cons_id>1</cons_id><a:SessionId>s</a:SessionId><nonce/><JSESSIONID><![CDATA[j<j]]></JSESSIONID></r>"),
            "<r xmlns:a=\"x\"><token>****</token><cons_id>1</cons_id><a:SessionId>****</a:SessionId><nonce/><JSESSIONID><![CDATA[****]]></JSESSIONID></r>"
        );
    }

    #[test]
    fn parameters_inside_values_are_masked() {
        assert_eq!(
            m(
                r#"{"url":"https://h/demo/site/CRConsAPI;jsessionid=ab.c1?NONCE_TOKEN=xyz&v=1","t":"http://l/x?v=1.0&api_key=demo-api-key&method=loginTest"}"#
            ),
            r#"{"url":"https://h/demo/site/CRConsAPI;jsessionid=****?NONCE_TOKEN=****&v=1","t":"http://l/x?v=1.0&api_key=****&method=loginTest"}"#
        );
        assert_eq!(m("<a token='x y'/>"), "<a token='****'/>");
    }

    #[test]
    fn jsv_members_are_masked() {
        assert_eq!(
            m(r#"{SessionId:3f2a,ResponseStatus:{},Password:"a,""b",MemberId:1}"#),
            r#"{SessionId:****,ResponseStatus:{},Password:"****",MemberId:1}"#
        );
    }

    #[test]
    fn csv_cells_under_secret_headers_are_masked() {
        assert_eq!(
            mask(
                Some("text/csv; charset=utf-8"),
                "SessionId,ClientId\r\nabc,40001\r\n"
            ),
            "SessionId,ClientId\r\n****,40001\r\n"
        );
    }

    #[test]
    fn every_secret_name_contains_a_piece_so_no_secret_skips_the_masking() {
        for name in super::super::SECRET_NAMES
            .iter()
            .chain(ANSWER_SECRET_NAMES)
            .chain(&[
                "X-SS-ID",
                "X_SS_ID",
                "JSESSIONID",
                "sso_auth_token",
                "UserAPI",
            ])
        {
            assert!(may_name_a_secret(name.as_bytes()), "{name}");
            assert!(may_name_a_secret(name.to_uppercase().as_bytes()), "{name}");
        }
        assert!(!may_name_a_secret(
            br#"{"getConsGroupsResponse":{"group":[{"id":"1001","name":"Puppy Lovers"}]}}"#
        ));
    }

    #[test]
    fn a_value_cut_short_is_masked_to_the_end_and_text_without_secrets_is_unchanged() {
        assert_eq!(m(r#"{"token":"abcd"#), r#"{"token":"****"#);
        assert_eq!(m("<token>abc"), "<token>****");
        let plain = r#"<?xml version="1.0"?><getUserGroupsResponse><group><id>1001</id><name>Puppy Lovers é</name></group></getUserGroupsResponse>"#;
        assert_eq!(m(plain), plain);
        assert_eq!(m("time 10:30, tokens: 3"), "time 10:30, tokens: 3");
    }
}
