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

/// Parameters in arrival order, each with its source.
#[derive(Debug, Clone, Default)]
pub struct Params {
    pub items: Vec<(String, String, Source)>,
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
    /// multipart contributes nothing.
    pub async fn from_request(
        query: Option<&str>,
        headers: &HeaderMap,
        body: &Bytes,
    ) -> Result<Params, FormError> {
        let mut items: Vec<(String, String, Source)> = query
            .map(|q| {
                parse_urlencoded(q.as_bytes())
                    .map(|(k, v)| (k, v, Source::Query))
                    .collect()
            })
            .unwrap_or_default();
        for (k, v) in body_fields(headers, body).await? {
            items.push((k, v, Source::Body));
        }
        Ok(Params { items })
    }

    /// The value of `name` (case-sensitive): a body value wins over a query value; within one
    /// source the first occurrence wins, as a servlet's `getParameter` does.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.first_from(name, Source::Body)
            .or_else(|| self.first_from(name, Source::Query))
    }

    fn first_from(&self, name: &str, source: Source) -> Option<&str> {
        self.items
            .iter()
            .find(|(k, _, s)| *s == source && k == name)
            .map(|(_, v, _)| v.as_str())
    }

    /// The value of `name` matched case-insensitively (ServiceStack binding).
    pub fn get_ignore_case(&self, name: &str) -> Option<&str> {
        self.items
            .iter()
            .filter(|(_, _, s)| *s == Source::Body)
            .chain(self.items.iter().filter(|(_, _, s)| *s == Source::Query))
            .find(|(k, _, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v, _)| v.as_str())
    }

    /// How many times `name` occurs, in either source.
    pub fn count(&self, name: &str) -> usize {
        self.items.iter().filter(|(k, _, _)| k == name).count()
    }

    /// Name/value pairs, for the request journal.
    pub fn pairs(&self) -> Vec<(String, String)> {
        self.items
            .iter()
            .map(|(k, v, _)| (k.clone(), v.clone()))
            .collect()
    }
}

/// Decode `a=1&b=2` leniently.
pub fn parse_urlencoded(input: &[u8]) -> impl Iterator<Item = (String, String)> + '_ {
    form_urlencoded::parse(input).map(|(k, v)| (k.into_owned(), v.into_owned()))
}

/// The media type of a request (`application/x-www-form-urlencoded`), lower-cased, without
/// parameters.
pub fn media_type(headers: &HeaderMap) -> Option<String> {
    let ct = headers.get(http::header::CONTENT_TYPE)?.to_str().ok()?;
    Some(ct.split(';').next()?.trim().to_ascii_lowercase())
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
        let p = Params::from_request(
            Some("method=fromQuery&v=1.0"),
            &headers("application/x-www-form-urlencoded; charset=UTF-8"),
            &body,
        )
        .await
        .unwrap();
        assert_eq!(p.get("method"), Some("fromBody"));
        assert_eq!(p.get("v"), Some("1.0"));
        assert_eq!(p.count("method"), 3);
    }

    #[tokio::test]
    async fn plus_and_percent_twenty_both_decode_to_a_space_and_bad_escapes_survive() {
        let body = Bytes::from_static(b"a=x+y&b=x%20y&c=%ZZ%&d=%FF");
        let p = Params::from_request(None, &headers("application/x-www-form-urlencoded"), &body)
            .await
            .unwrap();
        assert_eq!(p.get("a"), Some("x y"));
        assert_eq!(p.get("b"), Some("x y"));
        assert_eq!(p.get("c"), Some("%ZZ%"));
        assert_eq!(p.get("d"), Some("\u{FFFD}"));
    }

    #[tokio::test]
    async fn multipart_fields_are_read() {
        let body = Bytes::from_static(
            b"--XyZ\r\nContent-Disposition: form-data; name=\"Package\"\r\n\r\n<SmarterU/>\r\n--XyZ--\r\n",
        );
        let p = Params::from_request(None, &headers("multipart/form-data; boundary=XyZ"), &body)
            .await
            .unwrap();
        assert_eq!(p.get("Package"), Some("<SmarterU/>"));
    }

    #[tokio::test]
    async fn a_broken_multipart_body_is_an_error_not_a_panic() {
        let body = Bytes::from_static(
            b"--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nunterminated",
        );
        let r =
            Params::from_request(None, &headers("multipart/form-data; boundary=XyZ"), &body).await;
        assert!(r.is_err());
        let r = Params::from_request(None, &headers("multipart/form-data"), &body).await;
        assert!(r.is_err());
    }
}
