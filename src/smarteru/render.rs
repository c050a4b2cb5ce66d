//! The response envelope (spec §2): `Result`, `Info`, `Errors`, in that order, always HTTP 200.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

/// **[choice]** The live service has sent `text/html;charset=UTF-8`; the mock says what the
/// body is.
pub const CONTENT_TYPE: &str = "text/xml; charset=UTF-8";

/// A small XML writer for `Info` content: free text goes in CDATA, an empty value is a
/// self-closed tag.
#[derive(Debug, Default)]
pub struct Xml {
    out: String,
}

impl Xml {
    /// `<name><![CDATA[value]]></name>`, or `<name/>` when the value is empty.
    pub fn cdata(&mut self, name: &str, value: &str) -> &mut Self {
        if value.is_empty() {
            self.empty(name);
        } else {
            // `]]>` cannot appear inside one CDATA section: split it across two.
            let value = value.replace("]]>", "]]]]><![CDATA[>");
            self.out
                .push_str(&format!("<{name}><![CDATA[{value}]]></{name}>"));
        }
        self
    }

    /// `<name>value</name>` with the value escaped: for flags, counts and codes.
    pub fn plain(&mut self, name: &str, value: &str) -> &mut Self {
        if value.is_empty() {
            self.empty(name);
        } else {
            self.out
                .push_str(&format!("<{name}>{}</{name}>", escape(value)));
        }
        self
    }

    pub fn empty(&mut self, name: &str) -> &mut Self {
        self.out.push_str(&format!("<{name}/>"));
        self
    }

    /// An element with children written by `f`; self-closed when `f` writes nothing.
    pub fn node(&mut self, name: &str, f: impl FnOnce(&mut Xml)) -> &mut Self {
        let mut inner = Xml::default();
        f(&mut inner);
        if inner.out.is_empty() {
            self.empty(name);
        } else {
            self.out
                .push_str(&format!("<{name}>{}</{name}>", inner.out));
        }
        self
    }

    pub fn into_string(self) -> String {
        self.out
    }
}

/// Escape text for an element body (error messages can quote what the client sent).
pub fn escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            // Characters XML 1.0 cannot carry at all.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// A `Success` envelope around `info`.
pub fn success(info: Xml) -> Response {
    envelope(&format!(
        "<Result>Success</Result><Info>{}</Info><Errors/>",
        info.into_string()
    ))
}

/// A `Failed` envelope with one error.
pub fn failure(code: &str, message: &str) -> Response {
    envelope(&format!(
        "<Result>Failed</Result><Info/><Errors><Error><ErrorID>{}</ErrorID><ErrorMessage>{}</ErrorMessage></Error></Errors>",
        escape(code),
        escape(message)
    ))
}

fn envelope(children: &str) -> Response {
    let body =
        format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<SmarterU>{children}</SmarterU>\n");
    let mut response = (StatusCode::OK, body).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE));
    response
}

/// SmarterU's date format: `2015-06-07 17:35:24.987`, from a stored RFC 3339 date.
pub fn date(stored: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(stored)
        .map(|d| {
            d.with_timezone(&chrono::Utc)
                .format("%Y-%m-%d %H:%M:%S%.3f")
                .to_string()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cdata_survives_its_own_terminator_and_empty_values_self_close() {
        let mut x = Xml::default();
        x.cdata("A", "a]]>b").cdata("B", "").node("C", |_| {});
        assert_eq!(
            x.into_string(),
            "<A><![CDATA[a]]]]><![CDATA[>b]]></A><B/><C/>"
        );
    }

    #[test]
    fn dates_render_as_smarteru_does() {
        assert_eq!(date("2015-06-07T17:35:24.987Z"), "2015-06-07 17:35:24.987");
    }
}
