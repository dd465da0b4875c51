//! Secrets that never print (access key secrets, tokens, API keys), and the one helper that cuts
//! them out of text that came from elsewhere.

use std::borrow::Cow;
use std::collections::HashSet;
use std::fmt;

use aho_corasick::AhoCorasick;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Deserialize, Deserializer};

/// What [`SecretString`] and [`Redactor`] print instead of a secret.
pub const REDACTED: &str = "** redacted **";

/// Every byte but RFC 3986's unreserved ones (`A-Z a-z 0-9 - _ . ~`): how form bodies, query
/// strings and signing inputs (Aliyun's, Tencent's, AWS's) percent-encode a value.
const RFC3986: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// A secret string: `Debug` and `Display` print `** redacted **`.
///
/// Deserializes from a JSON string; it has no `Serialize` implementation, so a secret cannot be
/// written out by accident. [`expose_secret`](Self::expose_secret) is the one way to read it
/// (to sign a request, or to write a config back on purpose). Its JSON Schema is a password
/// field (`writeOnly`, `format: password`), which config forms mask.
///
/// ```
/// use connector_kit::SecretString;
///
/// let secret = SecretString::new("testsecret");
/// assert_eq!(format!("{secret:?} {secret}"), "** redacted ** ** redacted **");
/// assert_eq!(secret.expose_secret(), "testsecret");
/// ```
#[derive(Clone, PartialEq, Eq, Default)]
pub struct SecretString(Box<str>);

impl SecretString {
    /// Wraps a secret.
    pub fn new(secret: impl Into<String>) -> Self {
        SecretString(secret.into().into_boxed_str())
    }

    /// The secret itself. Every call site is a place where the secret leaves this type.
    pub fn expose_secret(&self) -> &str {
        &self.0
    }

    /// Whether the secret is the empty string.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl From<String> for SecretString {
    fn from(secret: String) -> Self {
        SecretString::new(secret)
    }
}

impl From<&str> for SecretString {
    fn from(secret: &str) -> Self {
        SecretString::new(secret)
    }
}

impl fmt::Debug for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

impl fmt::Display for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

impl<'de> Deserialize<'de> for SecretString {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(SecretString::from)
    }
}

impl JsonSchema for SecretString {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        "SecretString".into()
    }

    /// A string that forms should mask, as a password field (`writeOnly`, `format: password`).
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({ "type": "string", "writeOnly": true, "format": "password" })
    }
}

/// Cuts secrets out of text that came from elsewhere (a provider's answer, a proxy's error)
/// before it goes into an error or a log line.
///
/// Each secret is cut as it is, percent-encoded once (as in a form body or a query string) and
/// twice (as in a signed string-to-sign), and JSON-escaped (as inside a JSON answer). Where
/// secrets overlap, the whole stretch they cover is cut. One pass over the text finds them
/// all, so a redactor of thousands of secrets costs about what one of a single secret does.
/// `Debug` prints how many strings it holds, never them.
///
/// ```
/// use connector_kit::Redactor;
///
/// let redactor = Redactor::new(["se+cr/et"]);
/// assert_eq!(redactor.redact("SignatureDoesNotMatch: key se%2Bcr%2Fet&"), "SignatureDoesNotMatch: key ** redacted **&");
/// assert_eq!(redactor.redact("nothing to cut"), "nothing to cut");
/// ```
#[derive(Clone, Default)]
pub struct Redactor {
    /// How many strings it cuts.
    needles: usize,
    /// The strings, or `Err` when they were too many to search for (then every text is cut
    /// whole: never a secret shown).
    matcher: Option<Result<AhoCorasick, ()>>,
}

impl Redactor {
    /// Secrets shorter than 4 characters are ignored (cutting them would garble any text, and
    /// no real credential is that short).
    pub fn new<'a>(secrets: impl IntoIterator<Item = &'a str>) -> Self {
        let mut needles = HashSet::new();
        for secret in secrets.into_iter().filter(|s| s.chars().count() >= 4) {
            let once = utf8_percent_encode(secret, RFC3986).to_string();
            let twice = utf8_percent_encode(&once, RFC3986).to_string();
            let json = serde_json::to_string(secret).expect("a string always serializes");
            let json = json[1..json.len() - 1].to_owned();
            needles.extend([secret.to_owned(), once, twice, json]);
        }
        if needles.is_empty() {
            return Redactor::default();
        }
        Redactor {
            needles: needles.len(),
            matcher: Some(AhoCorasick::new(&needles).map_err(|_| ())),
        }
    }

    /// `text` with every secret replaced by `** redacted **`.
    pub fn redact<'t>(&self, text: &'t str) -> Cow<'t, str> {
        let matcher = match &self.matcher {
            None => return Cow::Borrowed(text),
            Some(Err(())) => return Cow::Borrowed(REDACTED),
            Some(Ok(matcher)) => matcher,
        };
        // The stretches the secrets cover, overlapping ones joined (secrets that only touch
        // are cut one by one).
        let mut found: Vec<(usize, usize)> = matcher
            .find_overlapping_iter(text)
            .map(|m| (m.start(), m.end()))
            .collect();
        if found.is_empty() {
            return Cow::Borrowed(text);
        }
        found.sort_unstable();
        let mut cut = String::with_capacity(text.len());
        let mut shown = 0;
        let mut stretch = found[0];
        for &(start, end) in &found[1..] {
            if start < stretch.1 {
                stretch.1 = stretch.1.max(end);
                continue;
            }
            cut.push_str(&text[shown..stretch.0]);
            cut.push_str(REDACTED);
            shown = stretch.1;
            stretch = (start, end);
        }
        cut.push_str(&text[shown..stretch.0]);
        cut.push_str(REDACTED);
        cut.push_str(&text[stretch.1..]);
        Cow::Owned(cut)
    }

    /// Whether `text` holds any of the secrets, in any of the forms [`redact`](Self::redact)
    /// cuts (for tests that prove nothing leaks).
    pub fn finds_secret_in(&self, text: &str) -> bool {
        match &self.matcher {
            None => false,
            Some(Err(())) => true,
            Some(Ok(matcher)) => matcher.is_match(text),
        }
    }
}

impl fmt::Debug for Redactor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Redactor({} strings)", self.needles)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_prints_its_value() {
        let secret = SecretString::new("canary-7f3a");
        let printed = format!("{secret} {secret:?} {secret:#?} {:?}", Some(&secret));
        assert!(!printed.contains("canary"), "{printed}");
        assert_eq!(secret.expose_secret(), "canary-7f3a");
    }

    #[test]
    fn redactor_cuts_secrets_in_every_encoding() {
        let redactor = Redactor::new(["se+cr/et", "tok"]);
        for text in ["x se+cr/et y", "x se%2Bcr%2Fet y", "x se%252Bcr%252Fet y"] {
            assert_eq!(redactor.redact(text), "x ** redacted ** y", "{text}");
            assert!(redactor.finds_secret_in(text), "{text}");
        }
        assert_eq!(
            redactor.redact("tok is too short to cut"),
            "tok is too short to cut"
        );
        assert!(!redactor.finds_secret_in("tok is too short to cut"));
        assert!(!format!("{redactor:?}").contains("se"));
    }

    #[test]
    fn redactor_cuts_the_whole_stretch_of_overlapping_secrets() {
        let redactor = Redactor::new(["xABC", "ABCDE", "KLMN", "OPQR"]);
        // Cutting one secret and then the other would leave an end of either.
        assert_eq!(redactor.redact("[xABCDEy]"), "[** redacted **y]");
        // Secrets side by side are cut one by one.
        assert_eq!(
            redactor.redact("KLMNOPQR KLMN"),
            "** redacted **** redacted ** ** redacted **"
        );
        assert_eq!(Redactor::new(["abc"]).redact("abc"), "abc");
        assert_eq!(format!("{:?}", Redactor::default()), "Redactor(0 strings)");
    }

    #[test]
    fn redactor_cuts_a_json_escaped_secret() {
        let redactor = Redactor::new(["a\"b\\c"]);
        let answer = r#"{"Message":"bad key a\"b\\c"}"#;
        assert_eq!(
            redactor.redact(answer),
            r#"{"Message":"bad key ** redacted **"}"#
        );
    }

    #[test]
    fn encodes_as_rfc_3986_unreserved() {
        let redactor = Redactor::new(["a b~c*"]);
        assert_eq!(redactor.redact("[a%20b~c%2A]"), "[** redacted **]");
    }

    #[test]
    fn deserializes_from_a_string_and_describes_itself_as_one() {
        let secret: SecretString = serde_json::from_str("\"abc\"").unwrap();
        assert_eq!(secret.expose_secret(), "abc");
        assert!(serde_json::from_str::<SecretString>("12").is_err());
        let schema = serde_json::to_value(schemars::schema_for!(SecretString)).unwrap();
        assert_eq!(schema["type"], "string");
        assert_eq!(schema["writeOnly"], true);
        assert_eq!(schema["format"], "password");
    }
}
