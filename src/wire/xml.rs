//! Writing XML text, the same way for all three vendors: whatever a stored value holds, the
//! document stays well-formed.
//!
//! Characters XML 1.0 cannot carry at all (C0 controls other than tab, newline and carriage
//! return; U+FFFE; U+FFFF) become U+FFFD, in text and in CDATA alike. In text, `&`, `<` and `>`
//! are escaped; inside CDATA, a `]]>` is split across two sections.

/// Whether XML 1.0 can carry `c` (Rust's `char` already excludes surrogates).
pub fn is_xml_char(c: char) -> bool {
    !matches!(c, '\u{0}'..='\u{8}' | '\u{B}' | '\u{C}' | '\u{E}'..='\u{1F}' | '\u{FFFE}' | '\u{FFFF}')
}

/// Append the start tag `<name>` (`name` is one of the vendor's own element names).
pub fn push_open(out: &mut String, name: &str) {
    out.push('<');
    out.push_str(name);
    out.push('>');
}

/// Append the end tag `</name>`.
pub fn push_close(out: &mut String, name: &str) {
    out.push_str("</");
    out.push_str(name);
    out.push('>');
}

/// Append `text` escaped for an element body.
pub fn push_text(out: &mut String, text: &str) {
    let mut rest = text;
    while let Some(i) = rest.find(|c: char| matches!(c, '&' | '<' | '>') || !is_xml_char(c)) {
        out.push_str(&rest[..i]);
        let c = rest[i..].chars().next().unwrap_or_default();
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            _ => out.push('\u{FFFD}'),
        }
        rest = &rest[i + c.len_utf8()..];
    }
    out.push_str(rest);
}

/// Append `text` escaped for a double-quoted attribute value.
pub fn push_attr(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c if !is_xml_char(c) => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
}

/// Append `text` as one CDATA section (or several, where it holds `]]>`).
pub fn push_cdata(out: &mut String, text: &str) {
    out.push_str("<![CDATA[");
    let mut rest = text;
    while let Some(i) = rest.find(|c: char| c == ']' || !is_xml_char(c)) {
        out.push_str(&rest[..i]);
        if rest[i..].starts_with("]]>") {
            out.push_str("]]]]><![CDATA[>");
            rest = &rest[i + 3..];
        } else if rest[i..].starts_with(']') {
            out.push(']');
            rest = &rest[i + 1..];
        } else {
            let c = rest[i..].chars().next().unwrap_or_default();
            out.push('\u{FFFD}');
            rest = &rest[i + c.len_utf8()..];
        }
    }
    out.push_str(rest);
    out.push_str("]]>");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(s: &str) -> String {
        let mut out = String::new();
        push_text(&mut out, s);
        out
    }

    fn cdata(s: &str) -> String {
        let mut out = String::new();
        push_cdata(&mut out, s);
        out
    }

    #[test]
    fn text_escapes_markup_and_replaces_what_xml_cannot_carry() {
        assert_eq!(text("A & <B> \"q\""), "A &amp; &lt;B&gt; \"q\"");
        assert_eq!(
            text("a\u{0}b\u{1b}c\u{FFFF}"),
            "a\u{FFFD}b\u{FFFD}c\u{FFFD}"
        );
        assert_eq!(text("tab\tnl\ncr\r"), "tab\tnl\ncr\r");
        assert_eq!(text("héllo ✓"), "héllo ✓");
    }

    #[test]
    fn cdata_splits_its_terminator_and_replaces_what_xml_cannot_carry() {
        assert_eq!(cdata("a]]>b"), "<![CDATA[a]]]]><![CDATA[>b]]>");
        assert_eq!(cdata("]]]>"), "<![CDATA[]]]]]><![CDATA[>]]>");
        assert_eq!(cdata("x\u{1}y"), "<![CDATA[x\u{FFFD}y]]>");
        assert_eq!(cdata("a]b]]c"), "<![CDATA[a]b]]c]]>");
    }

    /// Random strings (control characters, markup, `]]>` pieces, any Unicode) always give a
    /// document an XML parser accepts, and the text it reads back is the input with only the
    /// characters XML cannot carry replaced.
    #[test]
    fn any_string_gives_well_formed_xml_that_reads_back() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        let pieces = [
            "]]>", "]", "]]", ">", "<", "&", "&amp;", "\u{0}", "\u{1}", "\t", "\r\n",
        ];
        for _ in 0..3000 {
            let mut s = String::new();
            for _ in 0..rng.gen_range(0..12) {
                if rng.gen_bool(0.5) {
                    s.push_str(pieces[rng.gen_range(0..pieces.len())]);
                } else {
                    s.push(rng.gen::<char>());
                }
            }
            let expected: String = s
                .chars()
                .map(|c| if is_xml_char(c) { c } else { '\u{FFFD}' })
                .collect::<String>()
                .replace("\r\n", "\n")
                .replace('\r', "\n");
            for (doc, how) in [
                (format!("<a>{}</a>", text(&s)), "text"),
                (format!("<a>{}</a>", cdata(&s)), "cdata"),
            ] {
                assert_eq!(read_back(&doc), expected, "{how} of {s:?}: {doc:?}");
            }
        }
    }

    /// The text content of `<a>` as a conforming parser reports it.
    fn read_back(doc: &str) -> String {
        use quick_xml::events::Event;
        let mut reader = quick_xml::Reader::from_str(doc);
        reader.config_mut().check_end_names = true;
        let mut out = String::new();
        loop {
            match reader
                .read_event()
                .unwrap_or_else(|e| panic!("{e}: {doc:?}"))
            {
                Event::Text(t) => out.push_str(&t.unescape().unwrap()),
                Event::CData(c) => out.push_str(std::str::from_utf8(&c).unwrap()),
                Event::Eof => break,
                _ => {}
            }
        }
        // Line-end normalisation (XML 1.0 §2.11) is the parser's job; quick-xml leaves it.
        out.replace("\r\n", "\n").replace('\r', "\n")
    }
}
