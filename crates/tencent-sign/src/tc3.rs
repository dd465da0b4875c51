//! Signature v3 (`TC3-HMAC-SHA256`), one plain function per stage.
//!
//! [`hashed_payload`] and [`canonical_headers`] → [`canonical_request`] →
//! [`hashed_canonical_request`]; [`credential_scope`] → [`string_to_sign`]; [`secret_date`] →
//! [`secret_service`] → [`secret_signing`] → [`signature`] → [`authorization`].
//! [`sign`] does all of it and returns every stage ([`SignedTc3Request`]);
//! [`Tc3Signer`](crate::Tc3Signer) does the same with the day's [`SigningKey`] derived once.

use std::borrow::Cow;
use std::fmt;

use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};

use crate::credentials::Redact;
use crate::{Credentials, Timestamp, UtcDate};

pub(crate) type HmacSha256 = Hmac<Sha256>;

/// The algorithm name: first line of the string to sign and start of `Authorization`.
pub const ALGORITHM: &str = "TC3-HMAC-SHA256";
/// The credential scope's last part, and the message of the last key derivation.
pub const TERMINATOR: &str = "tc3_request";
/// Lower-case hex SHA-256 of an empty payload (a GET).
pub const EMPTY_PAYLOAD_SHA256: &str =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/// What a TC3 signature covers of a request.
///
/// Tencent Cloud API 3.0 calls are `POST /` with a JSON body and no query string
/// ([`Tc3Request::post`]); a GET puts its parameters in `canonical_query_string` instead.
#[derive(Debug, Clone, Copy)]
pub struct Tc3Request<'a> {
    /// HTTP method, as sent (upper case).
    pub method: &'a str,
    /// The canonical URI: `/` for every API 3.0 call.
    pub canonical_uri: &'a str,
    /// The query string after `?`, as sent (already encoded); empty for a POST.
    pub canonical_query_string: &'a str,
    /// The headers to sign, with the values sent: at least `content-type` (exactly as sent,
    /// `; charset=utf-8` included) and `host`. Tencent's SDKs sign just those two; its demo adds
    /// `x-tc-action`. `X-TC-Token`, `X-TC-Timestamp` and the other `X-TC-*` headers are
    /// usually sent unsigned.
    pub headers: &'a [(&'a str, &'a str)],
    /// The exact body bytes sent.
    pub payload: &'a [u8],
}

impl<'a> Tc3Request<'a> {
    /// `POST /`, no query string, `headers` signed, `payload` as the body.
    pub fn post(headers: &'a [(&'a str, &'a str)], payload: &'a [u8]) -> Self {
        Self {
            method: "POST",
            canonical_uri: "/",
            canonical_query_string: "",
            headers,
            payload,
        }
    }
}

/// A signed request, with every stage in turn (what `Authorization` was built from, for
/// explaining an `AuthFailure.SignatureFailure`). Holds no secret: the derived keys stay out.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SignedTc3Request {
    /// The request time; send it as `X-TC-Timestamp` (its `Display`).
    pub timestamp: Timestamp,
    /// Lower-case hex SHA-256 of the payload.
    pub hashed_payload: String,
    /// One `name:value\n` per signed header.
    pub canonical_headers: String,
    /// The signed header names, joined with `;`.
    pub signed_headers: String,
    /// The canonical request.
    pub canonical_request: String,
    /// Lower-case hex SHA-256 of the canonical request.
    pub hashed_canonical_request: String,
    /// `YYYY-MM-DD/<service>/tc3_request`, the date in UTC.
    pub credential_scope: String,
    /// The string to sign.
    pub string_to_sign: String,
    /// Lower-case hex signature.
    pub signature: String,
    /// The `Authorization` header's value.
    pub authorization: String,
}

/// Lower-case hex SHA-256 of the exact payload bytes.
pub fn hashed_payload(payload: &[u8]) -> String {
    Hex64::of(&Sha256::digest(payload)).as_str().to_owned()
}

/// Signs exactly the headers given: names and values lower-cased (ASCII) and trimmed, sorted by
/// name, as Tencent's signing guide says. Returns `(canonical_headers, signed_headers)`: each
/// header as `name:value\n`, and the names joined with `;`. A name given more than once is
/// signed once, its values joined with `,` in the order given (the guide is silent on repeated
/// names; this is the rule of the signatures TC3 follows).
pub fn canonical_headers<K: AsRef<str>, V: AsRef<str>>(headers: &[(K, V)]) -> (String, String) {
    let mut lowered: Vec<(Cow<'_, str>, Cow<'_, str>)> = headers
        .iter()
        .map(|(k, v)| {
            (
                ascii_lowercase(k.as_ref().trim_ascii()),
                ascii_lowercase(v.as_ref().trim_ascii()),
            )
        })
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

/// `METHOD\nURI\nQUERY\nHEADERS\nSIGNED_HEADERS\nHASHED_PAYLOAD`; `canonical_headers` already
/// ends with `\n`, so an empty line follows it.
pub fn canonical_request(
    method: &str,
    canonical_uri: &str,
    canonical_query_string: &str,
    canonical_headers: &str,
    signed_headers: &str,
    hashed_payload: &str,
) -> String {
    concat(&canonical_request_parts(
        method,
        canonical_uri,
        canonical_query_string,
        canonical_headers,
        signed_headers,
        hashed_payload,
    ))
}

/// Lower-case hex SHA-256 of the canonical request.
pub fn hashed_canonical_request(canonical_request: &str) -> String {
    Hex64::of(&Sha256::digest(canonical_request.as_bytes()))
        .as_str()
        .to_owned()
}

/// `<date>/<service>/tc3_request`, `date` being the UTC date of the request's timestamp as
/// `YYYY-MM-DD` ([`UtcDate`]).
pub fn credential_scope(date: &str, service: &str) -> String {
    concat(&[date, "/", service, "/", TERMINATOR])
}

/// `TC3-HMAC-SHA256\n<timestamp>\n<credential scope>\n` + lower-case hex SHA-256 of the
/// canonical request; `timestamp` in Unix seconds.
pub fn string_to_sign(timestamp: u64, credential_scope: &str, canonical_request: &str) -> String {
    let timestamp = timestamp.to_string();
    let hashed = Hex64::of(&Sha256::digest(canonical_request.as_bytes()));
    concat(&string_to_sign_parts(
        &timestamp,
        credential_scope,
        hashed.as_str(),
    ))
}

/// The first derived key: HMAC-SHA256(key = `"TC3"` + SecretKey, the scope's date).
pub fn secret_date(secret_key: &str, date: &str) -> DerivedKey {
    let mut mac =
        <HmacSha256 as KeyInit>::new_from_slice(&concat(&["TC3", secret_key]).into_bytes())
            .expect("HMAC accepts a key of any length");
    mac.update(date.as_bytes());
    DerivedKey(mac.finalize().into_bytes().into())
}

/// The second derived key: HMAC-SHA256(key = [`secret_date`], service), e.g. `sms`.
pub fn secret_service(secret_date: &DerivedKey, service: &str) -> DerivedKey {
    secret_date.hmac(service.as_bytes())
}

/// The signing key: HMAC-SHA256(key = [`secret_service`], `tc3_request`).
pub fn secret_signing(secret_service: &DerivedKey) -> DerivedKey {
    secret_service.hmac(TERMINATOR.as_bytes())
}

/// Lower-case hex HMAC-SHA256(key = [`secret_signing`], string to sign).
pub fn signature(secret_signing: &DerivedKey, string_to_sign: &str) -> String {
    let mut mac = secret_signing.keyed_mac();
    mac.update(string_to_sign.as_bytes());
    finish_hex(mac).as_str().to_owned()
}

/// `TC3-HMAC-SHA256 Credential=<SecretId>/<credential scope>, SignedHeaders=<names>,
/// Signature=<signature>` (comma and space between the parts).
pub fn authorization(
    secret_id: &str,
    credential_scope: &str,
    signed_headers: &str,
    signature: &str,
) -> String {
    concat(&authorization_parts(
        secret_id,
        credential_scope,
        signed_headers,
        signature,
    ))
}

/// Signs `request` for `service` (e.g. `sms`) at `timestamp` and returns every stage. Derives the
/// day's key on each call; [`Tc3Signer`](crate::Tc3Signer) derives it once a day.
pub fn sign(
    request: &Tc3Request<'_>,
    credentials: &Credentials,
    service: &str,
    timestamp: Timestamp,
) -> SignedTc3Request {
    let key = SigningKey::derive(credentials.secret_key(), timestamp.date(), service);
    key.sign_stages(credentials.secret_id(), request, timestamp)
}

/// A key derived from the SecretKey ([`secret_date`], [`secret_service`], [`secret_signing`]).
/// `Debug` prints `** redacted **`; [`expose_secret`](Self::expose_secret) gives the bytes.
#[derive(Clone, PartialEq, Eq)]
pub struct DerivedKey([u8; 32]);

impl DerivedKey {
    /// The key's bytes. Anyone holding the signing key can sign for its day and service.
    pub fn expose_secret(&self) -> &[u8; 32] {
        &self.0
    }

    fn keyed_mac(&self) -> HmacSha256 {
        <HmacSha256 as KeyInit>::new_from_slice(&self.0).expect("HMAC accepts a key of any length")
    }

    fn hmac(&self, message: &[u8]) -> DerivedKey {
        let mut mac = self.keyed_mac();
        mac.update(message);
        DerivedKey(mac.finalize().into_bytes().into())
    }
}

impl fmt::Debug for DerivedKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("DerivedKey").field(&Redact).finish()
    }
}

/// The signing key of one UTC date and one service, its HMAC keyed once: good for every request
/// of that day. [`Tc3Signer`](crate::Tc3Signer) keeps the current one.
///
/// `Debug` shows the date and the service, never the key.
///
/// ```
/// use tencent_sign::{Timestamp, tc3::SigningKey};
///
/// let date = Timestamp::from_unix_seconds(1_700_000_000).unwrap().date();
/// let key = SigningKey::derive("secret-key", date, "sms");
/// assert_eq!(key.credential_scope(), "2023-11-14/sms/tc3_request");
/// assert!(!format!("{key:?}").contains("secret-key"));
/// ```
#[derive(Clone)]
pub struct SigningKey {
    date: UtcDate,
    service: String,
    credential_scope: String,
    mac: HmacSha256,
}

impl SigningKey {
    /// Derives the signing key of `date` and `service` from `secret_key`.
    pub fn derive(secret_key: &str, date: UtcDate, service: &str) -> Self {
        let secret_signing = secret_signing(&secret_service(
            &secret_date(secret_key, date.as_str()),
            service,
        ));
        Self {
            date,
            service: service.to_owned(),
            credential_scope: credential_scope(date.as_str(), service),
            mac: secret_signing.keyed_mac(),
        }
    }

    /// The UTC date this key signs for.
    pub fn date(&self) -> UtcDate {
        self.date
    }

    /// The service this key signs for.
    pub fn service(&self) -> &str {
        &self.service
    }

    /// `<date>/<service>/tc3_request`.
    pub fn credential_scope(&self) -> &str {
        &self.credential_scope
    }

    /// Same as [`signature`](fn@signature) with this key.
    pub fn signature(&self, string_to_sign: &str) -> String {
        let mut mac = self.mac.clone();
        mac.update(string_to_sign.as_bytes());
        finish_hex(mac).as_str().to_owned()
    }

    /// Checks a received hex `signature` (either case) of `string_to_sign`, in constant time. A
    /// signature that is not 64 hex digits is simply wrong.
    pub fn verify_signature(&self, string_to_sign: &str, signature: &str) -> bool {
        let mut mac = self.mac.clone();
        mac.update(string_to_sign.as_bytes());
        verify_hex(mac, signature)
    }

    /// Every stage, built by the public stage functions. The caller makes sure `timestamp` falls
    /// on this key's date.
    pub(crate) fn sign_stages(
        &self,
        secret_id: &str,
        request: &Tc3Request<'_>,
        timestamp: Timestamp,
    ) -> SignedTc3Request {
        let hashed_payload = hashed_payload(request.payload);
        let (canonical_headers, signed_headers) = canonical_headers(request.headers);
        let canonical_request = canonical_request(
            request.method,
            request.canonical_uri,
            request.canonical_query_string,
            &canonical_headers,
            &signed_headers,
            &hashed_payload,
        );
        let hashed_canonical_request = hashed_canonical_request(&canonical_request);
        let credential_scope = self.credential_scope.clone();
        let string_to_sign = string_to_sign(
            timestamp.unix_seconds(),
            &credential_scope,
            &canonical_request,
        );
        let signature = self.signature(&string_to_sign);
        let authorization =
            authorization(secret_id, &credential_scope, &signed_headers, &signature);
        SignedTc3Request {
            timestamp,
            hashed_payload,
            canonical_headers,
            signed_headers,
            canonical_request,
            hashed_canonical_request,
            credential_scope,
            string_to_sign,
            signature,
            authorization,
        }
    }

    /// The hot path: the same canonical request and string to sign as the stage functions (the
    /// same `*_parts`), fed straight into SHA-256 and the HMAC instead of into strings. Returns
    /// the HMAC over the string to sign, not yet finalized, and the signed header names.
    pub(crate) fn string_to_sign_mac(
        &self,
        request: &Tc3Request<'_>,
        timestamp: Timestamp,
    ) -> (HmacSha256, String) {
        let hashed_payload = Hex64::of(&Sha256::digest(request.payload));
        let (canonical_headers, signed_headers) = canonical_headers(request.headers);
        let mut hasher = Sha256::new();
        for part in canonical_request_parts(
            request.method,
            request.canonical_uri,
            request.canonical_query_string,
            &canonical_headers,
            &signed_headers,
            hashed_payload.as_str(),
        ) {
            hasher.update(part.as_bytes());
        }
        let hashed_canonical_request = Hex64::of(&hasher.finalize());
        let mut decimal = [0; 20];
        let mut mac = self.mac.clone();
        for part in string_to_sign_parts(
            timestamp.decimal(&mut decimal),
            &self.credential_scope,
            hashed_canonical_request.as_str(),
        ) {
            mac.update(part.as_bytes());
        }
        (mac, signed_headers)
    }
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("date", &self.date)
            .field("service", &self.service)
            .field("key", &Redact)
            .finish()
    }
}

// Each format is written once, as its parts: the stage functions join them into strings, the hot
// path feeds them to the hashes.

fn canonical_request_parts<'a>(
    method: &'a str,
    canonical_uri: &'a str,
    canonical_query_string: &'a str,
    canonical_headers: &'a str,
    signed_headers: &'a str,
    hashed_payload: &'a str,
) -> [&'a str; 11] {
    [
        method,
        "\n",
        canonical_uri,
        "\n",
        canonical_query_string,
        "\n",
        canonical_headers,
        "\n",
        signed_headers,
        "\n",
        hashed_payload,
    ]
}

fn string_to_sign_parts<'a>(
    timestamp: &'a str,
    credential_scope: &'a str,
    hashed_canonical_request: &'a str,
) -> [&'a str; 7] {
    [
        ALGORITHM,
        "\n",
        timestamp,
        "\n",
        credential_scope,
        "\n",
        hashed_canonical_request,
    ]
}

pub(crate) fn authorization_parts<'a>(
    secret_id: &'a str,
    credential_scope: &'a str,
    signed_headers: &'a str,
    signature: &'a str,
) -> [&'a str; 9] {
    [
        ALGORITHM,
        " Credential=",
        secret_id,
        "/",
        credential_scope,
        ", SignedHeaders=",
        signed_headers,
        ", Signature=",
        signature,
    ]
}

/// The parts joined, in one allocation of the exact size.
pub(crate) fn concat(parts: &[&str]) -> String {
    let mut out = String::with_capacity(parts.iter().map(|p| p.len()).sum());
    for part in parts {
        out.push_str(part);
    }
    out
}

/// Finishes `mac`: the signature, in lower-case hex.
pub(crate) fn finish_hex(mac: HmacSha256) -> Hex64 {
    Hex64::of(&mac.finalize().into_bytes())
}

/// Finishes `mac` and compares it with a hex signature, in constant time.
pub(crate) fn verify_hex(mac: HmacSha256, signature: &str) -> bool {
    let mut received = [0; 32];
    hex::decode_to_slice(signature, &mut received).is_ok() && mac.verify_slice(&received).is_ok()
}

/// Lower-case hex of a 32-byte digest, on the stack.
pub(crate) struct Hex64([u8; 64]);

impl Hex64 {
    pub(crate) fn of(digest: &[u8]) -> Self {
        let mut out = [b'0'; 64];
        // A SHA-256 digest is 32 bytes, so this always fits; a wrong size would leave zeros.
        let _ = hex::encode_to_slice(digest, &mut out);
        Self(out)
    }

    pub(crate) fn as_str(&self) -> &str {
        // ASCII hex digits by construction; the fallback is never taken.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }
}

fn ascii_lowercase(s: &str) -> Cow<'_, str> {
    if s.bytes().any(|b| b.is_ascii_uppercase()) {
        Cow::Owned(s.to_ascii_lowercase())
    } else {
        Cow::Borrowed(s)
    }
}
