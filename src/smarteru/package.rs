//! The request package: the `Package` form field, parsed into a small element tree.
//!
//! The field is decoded from the raw body bytes (not through the lenient shared form codec)
//! so that invalid UTF-8 is seen and refused rather than silently replaced. The XML reader
//! refuses anything that could make it expand or recurse: DOCTYPE (and with it every entity
//! declaration), references to entities other than the five predefined ones, nesting deeper
//! than [`MAX_DEPTH`], more than [`MAX_ELEMENTS`] elements and more than [`MAX_ATTRIBUTES`]
//! attributes on one element, so parsing costs time linear in the package's size.

use axum::body::Bytes;
use http::HeaderMap;
use quick_xml::events::Event;
use quick_xml::Reader;

use super::errors::SuError;

/// **\[choice\]** Deepest element nesting accepted in a package (the deepest real package,
/// `updateUser` > `Groups` > `Group` > `GroupPermissions` > `Permission` > `Code`, needs 7).
pub const MAX_DEPTH: usize = 32;

/// **\[choice\]** Most elements accepted in one package: far above any real call, far below
/// what could hurt.
pub const MAX_ELEMENTS: usize = 10_000;

/// The name of the form field that carries the package (case-sensitive, as PHP's `$_POST`).
pub const FIELD: &str = "Package";

/// What the body holds under [`FIELD`].
#[derive(Debug)]
pub enum Field {
    Missing,
    /// **\[choice\]** The field was sent more than once: refused with SU:02 rather than guessing
    /// which copy the client meant.
    Repeated,
    Found(Vec<u8>),
}

/// The raw bytes of the `Package` field of an urlencoded or multipart body.
pub async fn field(headers: &HeaderMap, body: &Bytes) -> Field {
    let values: Vec<Vec<u8>> = match crate::wire::form::media_type(headers).as_deref() {
        Some("multipart/form-data") => multipart_values(headers, body.clone()).await,
        Some("application/x-www-form-urlencoded") | None => urlencoded_values(body),
        Some(_) => Vec::new(),
    };
    let mut values = values.into_iter();
    match (values.next(), values.next()) {
        (None, _) => Field::Missing,
        (Some(v), None) => Field::Found(v),
        (Some(_), Some(_)) => Field::Repeated,
    }
}

fn urlencoded_values(body: &[u8]) -> Vec<Vec<u8>> {
    body.split(|b| *b == b'&')
        .filter_map(|pair| {
            let (name, value) = match pair.iter().position(|b| *b == b'=') {
                Some(i) => (&pair[..i], &pair[i + 1..]),
                None => (pair, &b""[..]),
            };
            (percent_decode(name) == FIELD.as_bytes()).then(|| percent_decode(value))
        })
        .collect()
}

/// `+` and `%20` both become a space; a stray `%` stays literal. The bytes are kept as sent:
/// invalid UTF-8 is the XML parser's to refuse (SU:03), not replaced here.
fn percent_decode(input: &[u8]) -> Vec<u8> {
    let spaced: std::borrow::Cow<'_, [u8]> = if input.contains(&b'+') {
        input
            .iter()
            .map(|b| if *b == b'+' { b' ' } else { *b })
            .collect::<Vec<u8>>()
            .into()
    } else {
        input.into()
    };
    std::borrow::Cow::from(percent_encoding::percent_decode(&spaced)).into_owned()
}

async fn multipart_values(headers: &HeaderMap, body: Bytes) -> Vec<Vec<u8>> {
    let Some(boundary) = headers
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|ct| multer::parse_boundary(ct).ok())
    else {
        return Vec::new();
    };
    let stream = futures_util::stream::once(async move { Ok::<_, std::io::Error>(body) });
    let mut multipart = multer::Multipart::new(stream, boundary);
    let mut values = Vec::new();
    // A broken multipart body yields the fields read so far: usually none, hence SU:02.
    while let Ok(Some(part)) = multipart.next_field().await {
        let is_package = part.name() == Some(FIELD);
        match part.bytes().await {
            Ok(bytes) if is_package => values.push(bytes.to_vec()),
            Ok(_) => {}
            Err(_) => break,
        }
    }
    values
}

/// One element of the package: its name, its text (plain and CDATA pieces joined, entity
/// references of the five predefined entities resolved) and its child elements.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Node {
    pub name: String,
    pub text: String,
    pub children: Vec<Node>,
}

impl Node {
    /// The first child of this name.
    pub fn child(&self, name: &str) -> Option<&Node> {
        self.children.iter().find(|c| c.name == name)
    }

    /// Every child of this name.
    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Node> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// The text of the element, trimmed.
    pub fn value(&self) -> &str {
        self.text.trim()
    }

    /// Leaves as `Parent.Child` = value pairs (the root's name left out), for the journal.
    pub fn flatten(&self) -> Vec<(String, String)> {
        fn walk(node: &Node, prefix: &str, out: &mut Vec<(String, String)>) {
            for c in &node.children {
                let path = if prefix.is_empty() {
                    c.name.clone()
                } else {
                    format!("{prefix}.{}", c.name)
                };
                if c.children.is_empty() {
                    out.push((path, c.value().to_string()));
                } else {
                    walk(c, &path, out);
                }
            }
        }
        let mut out = Vec::new();
        walk(self, "", &mut out);
        out
    }
}

/// **\[choice\]** Most attributes accepted on one element. SmarterU packages carry none; the bound
/// keeps the duplicate-attribute check (quadratic in the count) from ever costing more than a
/// few thousand comparisons per element.
pub const MAX_ATTRIBUTES: usize = 32;

/// Packages up to this size are parsed on the async worker that received them (well under a
/// millisecond); bigger ones on the blocking pool, so a 4 MiB package never stalls the other
/// requests a worker serves.
pub const INLINE_PARSE_BYTES: usize = 64 * 1024;

/// [`parse`], off the async workers when the package is big.
pub async fn parse_bytes(bytes: Vec<u8>) -> Result<Node, SuError> {
    if bytes.len() <= INLINE_PARSE_BYTES {
        return parse(&bytes);
    }
    tokio::task::spawn_blocking(move || parse(&bytes))
        .await
        .unwrap_or_else(|e| {
            tracing::error!(error = %e, "smarteru: the package parser failed");
            Err(SuError::Internal)
        })
}

/// Parse a package. Every refusal is SU:03, with the reason as a hint for the log. The cost is
/// linear in the package's size: element count, depth and attributes per element are bounded.
pub fn parse(bytes: &[u8]) -> Result<Node, SuError> {
    use SuError::NotWellFormed as Bad;
    let text = std::str::from_utf8(bytes).map_err(|_| Bad("invalid UTF-8"))?;
    let mut reader = Reader::from_str(text);
    let config = reader.config_mut();
    config.check_end_names = true;
    config.check_comments = true;
    config.trim_text(false);

    let mut stack: Vec<Node> = Vec::new();
    let mut root: Option<Node> = None;
    let mut elements = 0usize;
    let mut open = |stack: &Vec<Node>, e: &quick_xml::events::BytesStart<'_>| {
        elements += 1;
        if elements > MAX_ELEMENTS {
            return Err(Bad("too many elements"));
        }
        if stack.len() >= MAX_DEPTH {
            return Err(Bad("nested too deep"));
        }
        element(e)
    };
    loop {
        let event = reader.read_event().map_err(|_| Bad("not well-formed"))?;
        match event {
            Event::Decl(_) | Event::Comment(_) | Event::PI(_) => {}
            Event::DocType(_) => return Err(Bad("DOCTYPE is refused")),
            Event::Start(_) | Event::Empty(_) if root.is_some() => {
                return Err(Bad("a second root element"))
            }
            Event::Start(e) => {
                let node = open(&stack, &e)?;
                stack.push(node);
            }
            Event::Empty(e) => {
                let node = open(&stack, &e)?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(node),
                    None => root = Some(node),
                }
            }
            Event::End(_) => {
                let node = stack.pop().ok_or(Bad("an end tag without a start"))?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(node),
                    None => root = Some(node),
                }
            }
            Event::Text(t) => {
                // Only the predefined entities and character references resolve; any other
                // reference (`&lol;`) is an error, never an expansion.
                let value = t
                    .unescape()
                    .map_err(|_| Bad("an unknown entity reference"))?;
                match stack.last_mut() {
                    Some(node) => node.text.push_str(&value),
                    None if value.trim().is_empty() => {}
                    None => return Err(Bad("text outside the root element")),
                }
            }
            Event::CData(c) => {
                let value = std::str::from_utf8(&c).map_err(|_| Bad("invalid UTF-8"))?;
                match stack.last_mut() {
                    Some(node) => node.text.push_str(value),
                    None => return Err(Bad("CDATA outside the root element")),
                }
            }
            Event::Eof => break,
        }
    }
    if !stack.is_empty() {
        return Err(Bad("an element is not closed"));
    }
    root.ok_or(Bad("no root element"))
}

fn element(e: &quick_xml::events::BytesStart<'_>) -> Result<Node, SuError> {
    use SuError::NotWellFormed as Bad;
    let name = std::str::from_utf8(e.name().as_ref())
        .map_err(|_| Bad("invalid UTF-8"))?
        .to_string();
    // Attributes carry nothing in SmarterU packages, but they must be well-formed. Counted
    // first without quick-xml's duplicate check, which compares every pair.
    if e.attributes()
        .with_checks(false)
        .take(MAX_ATTRIBUTES + 1)
        .count()
        > MAX_ATTRIBUTES
    {
        return Err(Bad("too many attributes"));
    }
    for attribute in e.attributes().with_checks(true) {
        let attribute = attribute.map_err(|_| Bad("a malformed attribute"))?;
        attribute
            .unescape_value()
            .map_err(|_| Bad("an unknown entity reference"))?;
    }
    Ok(Node {
        name,
        ..Node::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_and_cdata_values_read_the_same() {
        let plain = parse(b"<?xml version=\"1.0\"?><A><B> x &amp; y </B></A>").unwrap();
        let cdata = parse(b"<A>\n  <B><![CDATA[x & y]]></B>\n</A>").unwrap();
        assert_eq!(plain.child("B").unwrap().value(), "x & y");
        assert_eq!(cdata.child("B").unwrap().value(), "x & y");
    }

    #[test]
    fn doctype_custom_entities_and_unclosed_tags_are_refused() {
        let bomb = b"<?xml version=\"1.0\"?><!DOCTYPE l [<!ENTITY a \"aaaa\">]><A>&a;</A>";
        assert!(parse(bomb).is_err());
        assert!(parse(b"<A>&a;</A>").is_err());
        assert!(parse(b"<A><B></A>").is_err());
        assert!(parse(b"<A><B>").is_err());
        assert!(parse(b"<A/><B/>").is_err());
        assert!(parse(b"<A>\xff</A>").is_err());
        assert!(parse(b"").is_err());
        assert!(parse(b"<A>&#0;</A>").is_err());
        assert!(parse(b"<A x=\"&bogus;\"/>").is_err());
        assert!(parse(b"<A x=\"1\" x=\"2\"/>").is_err());
        assert!(parse(b"<A>text</A>tail").is_err());
    }

    #[test]
    fn depth_is_limited() {
        let deep = "<a>".repeat(MAX_DEPTH + 1) + &"</a>".repeat(MAX_DEPTH + 1);
        assert!(parse(deep.as_bytes()).is_err());
        let ok = "<a>".repeat(MAX_DEPTH) + &"</a>".repeat(MAX_DEPTH);
        assert!(parse(ok.as_bytes()).is_ok());
    }

    #[test]
    fn attributes_per_element_are_bounded() {
        let attrs = |n: usize| (0..n).map(|i| format!(" a{i}='x'")).collect::<String>();
        assert!(parse(format!("<A{}/>", attrs(MAX_ATTRIBUTES)).as_bytes()).is_ok());
        assert_eq!(
            parse(format!("<A><B{}/></A>", attrs(MAX_ATTRIBUTES + 1)).as_bytes()),
            Err(SuError::NotWellFormed("too many attributes"))
        );
    }

    #[test]
    fn form_values_decode_plus_and_percent_twenty_alike() {
        assert_eq!(
            urlencoded_values(b"Package=a+b%20c&x=1"),
            vec![b"a b c".to_vec()]
        );
        assert_eq!(urlencoded_values(b"Package=%ff%"), vec![vec![0xff, b'%']]);
        assert_eq!(urlencoded_values(b"Package=1&Package=2").len(), 2);
    }

    #[test]
    fn flatten_names_leaves_by_path() {
        let n = parse(b"<S><M>x</M><P><U><E>e</E></U></P></S>").unwrap();
        assert_eq!(
            n.flatten(),
            vec![
                ("M".to_string(), "x".to_string()),
                ("P.U.E".to_string(), "e".to_string())
            ]
        );
    }
}
