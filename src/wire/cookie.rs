//! Reading request cookies (RFC 6265 `Cookie` headers), borrowed from the headers.

use http::HeaderMap;

/// The value of the first cookie called `name` (case-sensitive), from any `Cookie` header.
pub fn get<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|c| {
            let (k, v) = c.trim().split_once('=')?;
            (k == name).then_some(v)
        })
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_first_cookie_of_that_name_wins_across_headers() {
        let mut h = http::HeaderMap::new();
        h.append(http::header::COOKIE, "a=1; JSESSIONID=X.y".parse().unwrap());
        h.append(http::header::COOKIE, "JSESSIONID=Z".parse().unwrap());
        assert_eq!(super::get(&h, "JSESSIONID"), Some("X.y"));
        assert_eq!(super::get(&h, "jsessionid"), None);
        assert_eq!(super::get(&h, "b"), None);
    }
}
