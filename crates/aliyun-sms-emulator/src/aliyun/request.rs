//! One API request as the emulator reads it: method, headers, body, and the parameters
//! decoded from the query string and an `application/x-www-form-urlencoded` body.
//! Pure functions, no HTTP crate.

use aliyun_sign::encode::percent_decode;
use bytes::Bytes;

use super::error::ApiError;
use super::response::Format;

/// Decoded `(name, value)` pairs in the order received.
pub(crate) type Pairs = Vec<(String, String)>;

/// A request to the API path `/`.
#[derive(Debug, Clone)]
pub(crate) struct ApiRequest {
    /// As received (`GET`, `POST`).
    pub method: String,
    /// Header names lower-case, in the order received.
    pub headers: Vec<(String, String)>,
    /// The exact body bytes.
    pub body: Bytes,
    /// Parameters from the query string.
    pub query: Pairs,
    /// Parameters from a form body (none unless the content type is
    /// `application/x-www-form-urlencoded`).
    pub form: Pairs,
}

impl ApiRequest {
    /// Decode the query string and, for a form content type, the body.
    pub fn parse(
        method: &str,
        raw_query: Option<&str>,
        headers: Vec<(String, String)>,
        body: Bytes,
    ) -> Result<Self, ApiError> {
        let query = parse_urlencoded(raw_query.unwrap_or(""))?;
        let is_form = headers.iter().any(|(name, value)| {
            name == "content-type"
                && value
                    .split(';')
                    .next()
                    .is_some_and(|mime| mime.trim().eq_ignore_ascii_case(FORM))
        });
        let form = if is_form {
            let text = std::str::from_utf8(&body)
                .map_err(|_| ApiError::invalid_parameter("The form body is not UTF-8."))?;
            parse_urlencoded(text)?
        } else {
            Vec::new()
        };
        Ok(ApiRequest {
            method: method.to_string(),
            headers,
            body,
            query,
            form,
        })
    }

    /// The first value of header `name` (lower-case), if present and not empty.
    pub fn header(&self, name: &str) -> Option<&str> {
        crate::server::first_header(&self.headers, name)
    }

    /// All parameters: the query's, then the form body's.
    pub fn params(&self) -> Pairs {
        self.query.iter().chain(&self.form).cloned().collect()
    }

    /// The first value of parameter `name` (query before body), if present and not empty.
    pub fn param(&self, name: &str) -> Option<&str> {
        get(&self.query, name).or_else(|| get(&self.form, name))
    }

    /// The first value of a required parameter, or `Missing<name>` (400).
    pub fn required_param(&self, name: &str) -> Result<&str, ApiError> {
        self.param(name)
            .ok_or_else(|| ApiError::missing(name, name))
    }

    /// Whether it is signed with V3 (an `Authorization: ACS3-...` header) rather than V1.
    pub fn is_v3(&self) -> bool {
        self.header("authorization")
            .is_some_and(|value| value.trim_start().starts_with("ACS3-"))
    }

    /// How to answer: `Format=XML`/`JSON` (any case) when given; otherwise XML for V1 (the
    /// RPC default) and JSON for V3.
    pub fn format(&self) -> Format {
        match self.param("Format") {
            Some(f) if f.eq_ignore_ascii_case("xml") => Format::Xml,
            Some(_) => Format::Json,
            None if self.is_v3() => Format::Json,
            None => Format::Xml,
        }
    }
}

const FORM: &str = "application/x-www-form-urlencoded";

/// Decode `a=1&b=x%20y&c` into pairs. `+` is a space (form encoding, and what Aliyun's
/// gateway does for query strings too); `%2B` is a plus. A name without `=` has the empty
/// value; empty segments (`a=1&&b=2`) are skipped. Malformed escapes or bytes that are not
/// UTF-8 are an `InvalidParameter` error naming the segment.
pub(crate) fn parse_urlencoded(input: &str) -> Result<Pairs, ApiError> {
    input
        .split('&')
        .filter(|segment| !segment.is_empty())
        .map(|segment| {
            let (name, value) = segment.split_once('=').unwrap_or((segment, ""));
            Ok((decode(name, segment)?, decode(value, segment)?))
        })
        .collect()
}

fn decode(part: &str, segment: &str) -> Result<String, ApiError> {
    percent_decode(&part.replace('+', "%20")).map_err(|_| {
        ApiError::invalid_parameter(format!(
            "The parameter \"{}\" is not valid percent-encoded UTF-8.",
            truncate(segment, 64)
        ))
    })
}

fn truncate(s: &str, max_chars: usize) -> String {
    match s.char_indices().nth(max_chars) {
        Some((cut, _)) => format!("{}…", &s[..cut]),
        None => s.to_string(),
    }
}

/// The first value of `name`, if present and not empty.
pub(crate) fn get<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
        .filter(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Pairs {
        list.iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn decodes_plus_percent_and_bare_names() {
        assert_eq!(
            parse_urlencoded("a=x+y&b=%2B%20%E9%98%BF&&c&d=").unwrap(),
            pairs(&[("a", "x y"), ("b", "+ 阿"), ("c", ""), ("d", "")])
        );
    }

    #[test]
    fn malformed_escape_is_an_error() {
        let err = parse_urlencoded("a=%E9%98").unwrap_err();
        assert_eq!(err.code, "InvalidParameter");
        assert_eq!(err.status, 400);
    }

    #[test]
    fn get_skips_empty_values() {
        let p = pairs(&[("A", "1"), ("A", "2"), ("E", "")]);
        assert_eq!(get(&p, "A"), Some("1"));
        assert_eq!(get(&p, "E"), None);
    }
}
