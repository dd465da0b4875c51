//! Signature V3 (`ACS3-HMAC-SHA256`).
//!
//! The stages, each a plain function: [`hashed_payload`], [`canonical_query_string`] and
//! [`canonical_headers`] → [`canonical_request`] → [`string_to_sign`] → [`signature`] →
//! [`authorization`]. [`sign`] builds the standard headers and does all of it.

use std::borrow::Cow;

use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};

use crate::Credentials;
use crate::credentials::without_token;
use crate::encode::{Param, query_string, sort_params};

type HmacSha256 = Hmac<Sha256>;

/// The algorithm name, first line of the string to sign and start of `Authorization`.
pub const ALGORITHM: &str = "ACS3-HMAC-SHA256";
/// Lower-case hex SHA-256 of an empty body.
pub const EMPTY_BODY_SHA256: &str =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/// Lower-case hex SHA-256 of the exact body bytes (the `x-acs-content-sha256` header).
pub fn hashed_payload(body: &[u8]) -> String {
    hex(&Sha256::digest(body))
}

/// The canonical query string: the same encoding and sort as V1's
/// [`canonicalized_query_string`](crate::rpc::canonicalized_query_string), except that no
/// parameter name is skipped (V3 has no `Signature` parameter).
pub fn canonical_query_string<K: AsRef<str>, V: AsRef<str>>(query: &[(K, V)]) -> String {
    let mut params: Vec<Param<'_>> = query
        .iter()
        .map(|(k, v)| Param::new(k.as_ref(), v.as_ref()))
        .collect();
    sort_params(&mut params);
    query_string(&params)
}

/// Signs exactly the headers given: names lower-cased (ASCII), values trimmed, sorted by name.
/// Returns `(canonical_headers, signed_headers)`: each header as `name:value\n`, and the names
/// joined with `;`. A name given more than once is signed once, its values joined with `,` in
/// the order given.
pub fn canonical_headers<K: AsRef<str>, V: AsRef<str>>(headers: &[(K, V)]) -> (String, String) {
    let mut lowered: Vec<(Cow<'_, str>, &str)> = headers
        .iter()
        .map(|(k, v)| (ascii_lowercase(k.as_ref()), v.as_ref().trim()))
        .collect();
    lowered.sort_by(|a, b| a.0.cmp(&b.0));

    let mut canonical =
        String::with_capacity(lowered.iter().map(|(k, v)| k.len() + v.len() + 2).sum());
    let mut signed = String::with_capacity(lowered.iter().map(|(k, _)| k.len() + 1).sum());
    let mut previous: Option<&str> = None;
    for (name, value) in &lowered {
        if previous == Some(name) {
            canonical.pop(); // the previous value's '\n'
            canonical.push(',');
        } else {
            if previous.is_some() {
                signed.push(';');
            }
            signed.push_str(name);
            canonical.push_str(name);
            canonical.push(':');
        }
        canonical.push_str(value);
        canonical.push('\n');
        previous = Some(name);
    }
    (canonical, signed)
}

/// `METHOD\nURI\nQUERY\nHEADERS\nSIGNED_HEADERS\nHASHED_PAYLOAD`; `canonical_headers` already ends
/// with `\n`, so an empty line follows it.
pub fn canonical_request(
    method: &str,
    canonical_uri: &str,
    canonical_query_string: &str,
    canonical_headers: &str,
    signed_headers: &str,
    hashed_payload: &str,
) -> String {
    let parts = [
        method,
        canonical_uri,
        canonical_query_string,
        canonical_headers,
        signed_headers,
        hashed_payload,
    ];
    let mut out = String::with_capacity(parts.iter().map(|p| p.len() + 1).sum());
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(part);
    }
    out
}

/// `ACS3-HMAC-SHA256\n` + lower-case hex SHA-256 of the canonical request.
pub fn string_to_sign(canonical_request: &str) -> String {
    let mut out = String::with_capacity(ALGORITHM.len() + 1 + 64);
    out.push_str(ALGORITHM);
    out.push('\n');
    hex_into(&Sha256::digest(canonical_request.as_bytes()), &mut out);
    out
}

/// Lower-case hex HMAC-SHA256(key = `access_key_secret`, `string_to_sign`); no `&` in the key,
/// unlike V1.
pub fn signature(access_key_secret: &str, string_to_sign: &str) -> String {
    let mut mac = keyed_mac(access_key_secret);
    mac.update(string_to_sign.as_bytes());
    hex(&mac.finalize().into_bytes())
}

/// Checks a received hex `signature` (either case) against `string_to_sign`, in constant time.
/// A signature that is not hex is simply wrong.
pub fn verify_signature(access_key_secret: &str, string_to_sign: &str, signature: &str) -> bool {
    let Some(received) = unhex(signature) else {
        return false;
    };
    let mut mac = keyed_mac(access_key_secret);
    mac.update(string_to_sign.as_bytes());
    mac.verify_slice(&received).is_ok()
}

/// `ACS3-HMAC-SHA256 Credential=<id>,SignedHeaders=<signed headers>,Signature=<signature>`.
pub fn authorization(access_key_id: &str, signed_headers: &str, signature: &str) -> String {
    format!(
        "{ALGORITHM} Credential={access_key_id},SignedHeaders={signed_headers},Signature={signature}"
    )
}

/// What [`sign`] needs to know about a request.
#[derive(Debug, Clone, Copy)]
pub struct V3Request<'a> {
    /// HTTP method, as sent (upper case).
    pub method: &'a str,
    /// The `host` header, e.g. `dysmsapi.aliyuncs.com`.
    pub host: &'a str,
    /// The canonical URI: `/` for RPC-style APIs such as SendSms.
    pub canonical_uri: &'a str,
    /// The `x-acs-action` header, e.g. `SendSms`.
    pub action: &'a str,
    /// The `x-acs-version` header, e.g. `2017-05-25`.
    pub version: &'a str,
    /// Query parameters, unencoded.
    pub query: &'a [(&'a str, &'a str)],
    /// The exact body bytes (empty for none).
    pub body: &'a [u8],
    /// The `content-type` header, signed when `Some`.
    pub content_type: Option<&'a str>,
}

/// Signs `request`: builds the headers `host`, `x-acs-action`, `x-acs-version`, `x-acs-date`
/// (= `timestamp`, UTC `yyyy-MM-ddTHH:mm:ssZ`), `x-acs-signature-nonce` (= `nonce`),
/// `x-acs-content-sha256`, `x-acs-security-token` (STS credentials) and `content-type` (when
/// `Some`), signs them all, and returns them with `authorization` added.
pub fn sign(
    request: &V3Request<'_>,
    credentials: &Credentials,
    timestamp: &str,
    nonce: &str,
) -> SignedV3Request {
    let hashed_payload = hashed_payload(request.body);
    let mut headers: Vec<(&str, &str)> = Vec::with_capacity(9);
    headers.extend([
        ("host", request.host),
        ("x-acs-action", request.action),
        ("x-acs-version", request.version),
        ("x-acs-date", timestamp),
        ("x-acs-signature-nonce", nonce),
        ("x-acs-content-sha256", hashed_payload.as_str()),
    ]);
    if let Some(token) = credentials.security_token() {
        headers.push(("x-acs-security-token", token));
    }
    if let Some(content_type) = request.content_type {
        headers.push(("content-type", content_type));
    }
    headers.sort_by(|a, b| a.0.cmp(b.0));

    let canonical_query_string = canonical_query_string(request.query);
    let (canonical_headers, signed_headers) = canonical_headers(&headers);
    let canonical_request = canonical_request(
        request.method,
        request.canonical_uri,
        &canonical_query_string,
        &canonical_headers,
        &signed_headers,
        &hashed_payload,
    );
    let string_to_sign = string_to_sign(&canonical_request);
    let signature = signature(credentials.access_key_secret(), &string_to_sign);
    let authorization = authorization(credentials.access_key_id(), &signed_headers, &signature);

    let mut sent: Vec<(String, String)> = Vec::with_capacity(headers.len() + 1);
    sent.extend(
        headers
            .iter()
            .map(|&(name, value)| (name.to_owned(), value.trim().to_owned())),
    );
    sent.push(("authorization".to_owned(), authorization.clone()));
    SignedV3Request {
        headers: sent,
        canonical_query_string,
        canonical_request,
        string_to_sign,
        signature,
        authorization,
        signed_headers,
    }
}

/// A signed V3 request, with every intermediate stage.
///
/// `Debug` hides the `x-acs-security-token` wherever it appears.
#[derive(Clone, PartialEq, Eq)]
pub struct SignedV3Request {
    /// The headers to send, names lower-case, sorted, `authorization` last. Values are trimmed as
    /// they were signed.
    pub headers: Vec<(String, String)>,
    /// The canonical query string: also the query string to send (after `?`, when not empty).
    pub canonical_query_string: String,
    /// The canonical request.
    pub canonical_request: String,
    /// The string to sign.
    pub string_to_sign: String,
    /// Lower-case hex signature.
    pub signature: String,
    /// The `Authorization` header's value.
    pub authorization: String,
    /// The signed header names, joined with `;`.
    pub signed_headers: String,
}

impl std::fmt::Debug for SignedV3Request {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let token = self
            .headers
            .iter()
            .find(|(name, _)| name == "x-acs-security-token")
            .map(|(_, value)| value.as_str());
        let headers: Vec<(&str, String)> = self
            .headers
            .iter()
            .map(|(name, value)| (name.as_str(), without_token(value, token)))
            .collect();
        f.debug_struct("SignedV3Request")
            .field("headers", &headers)
            .field("canonical_query_string", &self.canonical_query_string)
            .field(
                "canonical_request",
                &without_token(&self.canonical_request, token),
            )
            .field("string_to_sign", &self.string_to_sign)
            .field("signature", &self.signature)
            .field("authorization", &self.authorization)
            .field("signed_headers", &self.signed_headers)
            .finish()
    }
}

fn keyed_mac(access_key_secret: &str) -> HmacSha256 {
    HmacSha256::new_from_slice(access_key_secret.as_bytes())
        .expect("HMAC accepts a key of any length")
}

fn ascii_lowercase(s: &str) -> Cow<'_, str> {
    if s.bytes().any(|b| b.is_ascii_uppercase()) {
        Cow::Owned(s.to_ascii_lowercase())
    } else {
        Cow::Borrowed(s)
    }
}

const HEX_DIGITS: &[u8; 16] = b"0123456789abcdef";

fn hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    hex_into(bytes, &mut out);
    out
}

fn hex_into(bytes: &[u8], out: &mut String) {
    for &b in bytes {
        out.push(char::from(HEX_DIGITS[usize::from(b >> 4)]));
        out.push(char::from(HEX_DIGITS[usize::from(b & 0x0f)]));
    }
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    fn nibble(c: u8) -> Option<u8> {
        char::from(c)
            .to_digit(16)
            .and_then(|d| u8::try_from(d).ok())
    }
    let bytes = s.as_bytes();
    if bytes.len() % 2 != 0 {
        return None;
    }
    bytes
        .chunks_exact(2)
        .map(|pair| Some(nibble(pair[0])? << 4 | nibble(pair[1])?))
        .collect()
}
