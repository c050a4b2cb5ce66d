//! Form parameters: query string, `application/x-www-form-urlencoded` and `multipart/form-data`.
//!
//! Values are decoded leniently (invalid UTF-8 becomes U+FFFD, a stray `%` stays literal), as
//! servlet containers and ServiceStack do, so hostile input reaches the vendor's own validation
//! instead of failing here.

use bytes::Bytes;
use http::HeaderMap;

/// Where a parameter came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Query,
    Body,
}

/// A name or value: a range of the source buffer when it needed no decoding (the common
/// case: no allocation), else the decoded text.
#[derive(Debug, Clone)]
enum Text {
    Span(u32, u32),
    Owned(Box<str>),
}

#[derive(Debug, Clone)]
struct Item {
    name: Text,
    value: Text,
    source: Source,
}

/// Parameters in arrival order, each with its source, decoded once and borrowed from the
/// request's own text wherever no percent-decoding was needed.
#[derive(Debug, Clone, Default)]
pub struct Params {
    query: String,
    body: String,
    items: Vec<Item>,
}

/// The body could not be read as a form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FormError {
    /// `multipart/form-data` without a boundary, or a multipart body that does not parse.
    BadMultipart(String),
}

impl std::fmt::Display for FormError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FormError::BadMultipart(m) => write!(f, "malformed multipart body: {m}"),
        }
    }
}

impl Params {
    /// Query string and body parameters of a request. A body that is neither urlencoded nor
    /// multipart contributes nothing. On a [`FormError`] the query's parameters are still
    /// returned, beside the error.
    pub async fn from_request(
        query: Option<&str>,
        headers: &HeaderMap,
        body: Bytes,
    ) -> (Params, Result<(), FormError>) {
        // Invalid UTF-8 becomes U+FFFD here, once, as the lenient decoding below would make it.
        let query = query.unwrap_or_default().to_string();
        let media = media_type_str(headers);
        let urlencoded_body = !body.is_empty()
            && matches!(
                media.as_deref(),
                Some("application/x-www-form-urlencoded") | None
            );
        let pairs = |b: &[u8]| b.iter().filter(|c| **c == b'&').count() + 1;
        let mut capacity = if query.is_empty() {
            0
        } else {
            pairs(query.as_bytes())
        };
        if urlencoded_body {
            capacity += pairs(&body);
        }
        let mut params = Params {
            items: Vec::with_capacity(capacity),
            query,
            body: String::new(),
        };
        params.push_urlencoded(Source::Query);
        if body.is_empty() {
            return (params, Ok(()));
        }
        let outcome = match media.as_deref() {
            Some("application/x-www-form-urlencoded") | None => {
                params.body = match String::from_utf8(Vec::from(body)) {
                    Ok(text) => text,
                    Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
                };
                params.push_urlencoded(Source::Body);
                Ok(())
            }
            Some("multipart/form-data") => match multipart_fields(headers, body).await {
                Ok(fields) => {
                    for (name, value) in fields {
                        params.items.push(Item {
                            name: Text::Owned(name.into()),
                            value: Text::Owned(value.into()),
                            source: Source::Body,
                        });
                    }
                    Ok(())
                }
                Err(e) => Err(e),
            },
            Some(_) => Ok(()),
        };
        (params, outcome)
    }

    fn push_urlencoded(&mut self, source: Source) {
        let text = match source {
            Source::Query => &self.query,
            Source::Body => &self.body,
        };
        let bytes = text.as_bytes();
        let mut start = 0;
        while start <= bytes.len() {
            let end = bytes[start..]
                .iter()
                .position(|b| *b == b'&')
                .map_or(bytes.len(), |i| start + i);
            if end > start {
                // `&` and `=` are ASCII, so these are character boundaries.
                let pair = &text[start..end];
                let (name, value, value_start) = match pair.bytes().position(|b| b == b'=') {
                    Some(i) => (&pair[..i], &pair[i + 1..], start + i + 1),
                    None => (pair, "", end),
                };
                self.items.push(Item {
                    name: decode(name, start),
                    value: decode(value, value_start),
                    source,
                });
            }
            start = end + 1;
        }
    }

    fn text<'a>(&'a self, t: &'a Text, source: Source) -> &'a str {
        match t {
            Text::Owned(s) => s,
            Text::Span(start, end) => {
                let text = match source {
                    Source::Query => &self.query,
                    Source::Body => &self.body,
                };
                text.get(*start as usize..*end as usize).unwrap_or_default()
            }
        }
    }

    /// Every parameter as (name, value, source), in arrival order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str, Source)> {
        self.items.iter().map(|i| {
            (
                self.text(&i.name, i.source),
                self.text(&i.value, i.source),
                i.source,
            )
        })
    }

    /// The value of `name` (case-sensitive): a body value wins over a query value; within one
    /// source the first occurrence wins, as a servlet's `getParameter` does.
    pub fn get(&self, name: &str) -> Option<&str> {
        let mut from_query = None;
        for item in &self.items {
            if self.text(&item.name, item.source) == name {
                match item.source {
                    Source::Body => return Some(self.text(&item.value, item.source)),
                    Source::Query => {
                        from_query.get_or_insert(item);
                    }
                }
            }
        }
        from_query.map(|item| self.text(&item.value, item.source))
    }

    /// How many times `name` occurs, in either source.
    pub fn count(&self, name: &str) -> usize {
        self.iter().filter(|(k, _, _)| *k == name).count()
    }
}

/// One name or value of `application/x-www-form-urlencoded` text that starts at byte `at` of
/// its source: `+` is a space, `%XX` a byte (a stray `%` stays literal), and the bytes are read
/// as UTF-8 leniently. Text with nothing to decode is kept as a range of the source.
fn decode(raw: &str, at: usize) -> Text {
    if !raw.bytes().any(|b| b == b'+' || b == b'%') {
        return Text::Span(at as u32, (at + raw.len()) as u32);
    }
    let spaced = raw.replace('+', " ");
    let bytes: Vec<u8> = percent_encoding::percent_decode_str(&spaced).collect();
    Text::Owned(String::from_utf8_lossy(&bytes).into())
}

/// Decode `a=1&b=2` leniently.
pub fn parse_urlencoded(input: &[u8]) -> impl Iterator<Item = (String, String)> + '_ {
    form_urlencoded::parse(input).map(|(k, v)| (k.into_owned(), v.into_owned()))
}

/// The media type of a request (`application/x-www-form-urlencoded`), lower-cased, without
/// parameters.
pub fn media_type(headers: &HeaderMap) -> Option<String> {
    media_type_str(headers).map(std::borrow::Cow::into_owned)
}

/// [`media_type`], borrowed when the header is already lower case (the common case).
pub fn media_type_str(headers: &HeaderMap) -> Option<std::borrow::Cow<'_, str>> {
    let ct = headers.get(http::header::CONTENT_TYPE)?.to_str().ok()?;
    let media = ct.split(';').next()?.trim();
    Some(if media.bytes().any(|b| b.is_ascii_uppercase()) {
        std::borrow::Cow::Owned(media.to_ascii_lowercase())
    } else {
        std::borrow::Cow::Borrowed(media)
    })
}

/// Form fields of a body: urlencoded or multipart; nothing for other content types.
///
/// A body without a content type that looks like `name=value` is read as urlencoded, as
/// servlet containers do for POSTs from minimal clients.
pub async fn body_fields(
    headers: &HeaderMap,
    body: &Bytes,
) -> Result<Vec<(String, String)>, FormError> {
    if body.is_empty() {
        return Ok(Vec::new());
    }
    match media_type(headers).as_deref() {
        Some("application/x-www-form-urlencoded") => Ok(parse_urlencoded(body).collect()),
        Some("multipart/form-data") => multipart_fields(headers, body.clone()).await,
        None => Ok(parse_urlencoded(body).collect()),
        Some(_) => Ok(Vec::new()),
    }
}

async fn multipart_fields(
    headers: &HeaderMap,
    body: Bytes,
) -> Result<Vec<(String, String)>, FormError> {
    let ct = headers
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let boundary =
        multer::parse_boundary(ct).map_err(|e| FormError::BadMultipart(e.to_string()))?;
    let stream = futures_util::stream::once(async move { Ok::<_, std::io::Error>(body) });
    let mut multipart = multer::Multipart::new(stream, boundary);
    let mut fields = Vec::new();
    loop {
        match multipart.next_field().await {
            Ok(Some(field)) => {
                let name = field.name().unwrap_or_default().to_string();
                let bytes = field
                    .bytes()
                    .await
                    .map_err(|e| FormError::BadMultipart(e.to_string()))?;
                fields.push((name, String::from_utf8_lossy(&bytes).into_owned()));
            }
            Ok(None) => return Ok(fields),
            Err(e) => return Err(FormError::BadMultipart(e.to_string())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(ct: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(http::header::CONTENT_TYPE, ct.parse().unwrap());
        h
    }

    #[tokio::test]
    async fn a_body_value_wins_over_the_query_and_the_first_occurrence_wins() {
        let body = Bytes::from_static(b"method=fromBody&method=second");
        let (p, ok) = Params::from_request(
            Some("method=fromQuery&v=1.0"),
            &headers("application/x-www-form-urlencoded; charset=UTF-8"),
            body,
        )
        .await;
        assert!(ok.is_ok());
        assert_eq!(p.get("method"), Some("fromBody"));
        assert_eq!(p.get("v"), Some("1.0"));
        assert_eq!(p.count("method"), 3);
    }

    #[tokio::test]
    async fn plus_and_percent_twenty_both_decode_to_a_space_and_bad_escapes_survive() {
        let body = Bytes::from_static(b"a=x+y&b=x%20y&c=%ZZ%&d=%FF");
        let (p, _) =
            Params::from_request(None, &headers("application/x-www-form-urlencoded"), body).await;
        assert_eq!(p.get("a"), Some("x y"));
        assert_eq!(p.get("b"), Some("x y"));
        assert_eq!(p.get("c"), Some("%ZZ%"));
        assert_eq!(p.get("d"), Some("\u{FFFD}"));
    }

    #[tokio::test]
    async fn empty_names_and_values_and_escapes_mix_with_borrowed_ones() {
        let body = Bytes::from_static(b"&a=&=b&&c=%41+1&d=plain&=");
        let (p, _) = Params::from_request(
            Some("q=1&"),
            &headers("application/x-www-form-urlencoded"),
            body,
        )
        .await;
        let all: Vec<_> = p.iter().map(|(k, v, _)| (k, v)).collect();
        assert_eq!(
            all,
            [
                ("q", "1"),
                ("a", ""),
                ("", "b"),
                ("c", "A 1"),
                ("d", "plain"),
                ("", "")
            ]
        );
    }

    #[tokio::test]
    async fn multipart_fields_are_read() {
        let body = Bytes::from_static(
            b"--XyZ\r\nContent-Disposition: form-data; name=\"Package\"\r\n\r\n<SmarterU/>\r\n--XyZ--\r\n",
        );
        let (p, ok) =
            Params::from_request(None, &headers("multipart/form-data; boundary=XyZ"), body).await;
        assert!(ok.is_ok());
        assert_eq!(p.get("Package"), Some("<SmarterU/>"));
    }

    #[tokio::test]
    async fn a_broken_multipart_body_is_an_error_not_a_panic() {
        let body = Bytes::from_static(
            b"--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nunterminated",
        );
        let (_, r) = Params::from_request(
            Some("a=1"),
            &headers("multipart/form-data; boundary=XyZ"),
            body.clone(),
        )
        .await;
        assert!(r.is_err());
        let (p, r) = Params::from_request(Some("a=1"), &headers("multipart/form-data"), body).await;
        assert!(r.is_err());
        assert_eq!(p.get("a"), Some("1"), "the query survives a broken body");
    }
}
