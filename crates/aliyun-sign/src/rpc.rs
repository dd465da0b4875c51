//! RPC signature V1 (`SignatureMethod=HMAC-SHA1`, `SignatureVersion=1.0`), the scheme SendSms has
//! always accepted (Alibaba's newer docs call it the "V2 request syntax").
//!
//! The stages, each a plain function so a verifier can rebuild and compare any of them:
//! [`canonicalized_query_string`] → [`string_to_sign`] → [`signature`]. [`sign`] and
//! [`RpcSigner::sign`] do all of it, common parameters included.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use hmac::{Hmac, KeyInit, Mac};
use sha1::Sha1;

use crate::Credentials;
use crate::credentials::{Redact, without_token};
use crate::encode::{
    Param, encoded_len, percent_decode, percent_encode, percent_encode_into,
    query_and_string_to_sign, query_string, sort_params,
};

type HmacSha1 = Hmac<Sha1>;

/// The `SignatureMethod` parameter's value.
pub const SIGNATURE_METHOD: &str = "HMAC-SHA1";
/// The `SignatureVersion` parameter's value.
pub const SIGNATURE_VERSION: &str = "1.0";

/// The parameter that carries the signature; never part of what is signed.
const SIGNATURE_PARAM: &str = "Signature";

/// The canonicalized query string: parameters sorted by name (byte order, case-sensitive, stable
/// for repeated names), name and value percent-encoded separately, joined as `name=value` with
/// `&`. A parameter named `Signature` is skipped. An empty value is kept as `name=`.
///
/// For a POST, pass the query and form-body parameters together.
pub fn canonicalized_query_string<K: AsRef<str>, V: AsRef<str>>(params: &[(K, V)]) -> String {
    let mut params: Vec<Param<'_>> = params
        .iter()
        .map(|(k, v)| (k.as_ref(), v.as_ref()))
        .filter(|&(k, _)| k != SIGNATURE_PARAM)
        .map(|(k, v)| Param::new(k, v))
        .collect();
    sort_params(&mut params);
    query_string(&params)
}

/// `METHOD&%2F&` + percent-encode(canonicalized query string).
pub fn string_to_sign(method: &str, canonicalized_query_string: &str) -> String {
    let mut out = String::with_capacity(method.len() + 5 + encoded_len(canonicalized_query_string));
    out.push_str(method);
    out.push_str("&%2F&");
    percent_encode_into(canonicalized_query_string, &mut out);
    out
}

/// Base64(HMAC-SHA1(key = `access_key_secret` + `&`, `string_to_sign`)), not percent-encoded.
pub fn signature(access_key_secret: &str, string_to_sign: &str) -> String {
    sign_string(keyed_mac(access_key_secret), string_to_sign)
}

/// Checks a received Base64 `signature` against `string_to_sign`, in constant time.
/// A signature that is not Base64 is simply wrong.
pub fn verify_signature(access_key_secret: &str, string_to_sign: &str, signature: &str) -> bool {
    let Ok(received) = BASE64.decode(signature) else {
        return false;
    };
    let mut mac = keyed_mac(access_key_secret);
    mac.update(string_to_sign.as_bytes());
    mac.verify_slice(&received).is_ok()
}

/// Signs one request: adds the common parameters `AccessKeyId`, `SignatureMethod`,
/// `SignatureVersion`, `SignatureNonce` (= `nonce`), `Timestamp` (= `timestamp`, UTC
/// `yyyy-MM-ddTHH:mm:ssZ`) and, for STS credentials, `SecurityToken` to `action_params`
/// (`Action`, `Version`, `Format`, `RegionId` and the API's own parameters). A given parameter
/// with one of those names is replaced; one named `Signature` is dropped.
///
/// Keys the HMAC afresh each call; [`RpcSigner`] keys it once.
pub fn sign<K: AsRef<str>, V: AsRef<str>>(
    method: &str,
    action_params: &[(K, V)],
    credentials: &Credentials,
    timestamp: &str,
    nonce: &str,
) -> SignedRpcRequest {
    let params = signed_params(action_params, credentials, timestamp, nonce);
    sign_params(keyed_mac(credentials.access_key_secret()), method, params)
}

/// A V1 signer with its HMAC keyed once, for signing many requests with the same credentials.
///
/// Gives the same result as [`sign`]. `Debug` prints the AccessKey ID only.
///
/// ```
/// use aliyun_sign::{Credentials, rpc::RpcSigner};
///
/// let signer = RpcSigner::new(&Credentials::new("testid", "testsecret"));
/// let params = [("Action", "DescribeRegions"), ("Format", "XML"), ("Version", "2014-05-26")];
/// let signed = signer.sign("GET", &params, "2016-02-23T12:46:24Z", "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf");
/// assert_eq!(signed.signature, "OLeaidS1JvxuMvnyHOwuJ+uX5qY=");
/// ```
#[derive(Clone)]
pub struct RpcSigner {
    credentials: Credentials,
    mac: HmacSha1,
}

impl RpcSigner {
    /// Keys an HMAC-SHA1 with `credentials`' secret + `&`.
    pub fn new(credentials: &Credentials) -> Self {
        Self {
            mac: keyed_mac(credentials.access_key_secret()),
            credentials: credentials.clone(),
        }
    }

    /// Same as [`sign`](fn@sign) with this signer's credentials.
    pub fn sign<K: AsRef<str>, V: AsRef<str>>(
        &self,
        method: &str,
        action_params: &[(K, V)],
        timestamp: &str,
        nonce: &str,
    ) -> SignedRpcRequest {
        let params = signed_params(action_params, &self.credentials, timestamp, nonce);
        sign_params(self.mac.clone(), method, params)
    }

    /// Like [`sign`](Self::sign) without building the owned parameter list: the hot path for
    /// a caller that only needs the form body (and the string-to-sign for diagnostics).
    pub fn sign_form<K: AsRef<str>, V: AsRef<str>>(
        &self,
        method: &str,
        action_params: &[(K, V)],
        timestamp: &str,
        nonce: &str,
    ) -> SignedRpcForm {
        let params = signed_params(action_params, &self.credentials, timestamp, nonce);
        sign_form_params(self.mac.clone(), method, &params)
    }

    /// Same as [`signature`] with this signer's secret.
    pub fn signature(&self, string_to_sign: &str) -> String {
        sign_string(self.mac.clone(), string_to_sign)
    }

    /// The credentials this signer signs with.
    pub fn credentials(&self) -> &Credentials {
        &self.credentials
    }
}

impl fmt::Debug for RpcSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RpcSigner")
            .field("credentials", &self.credentials)
            .field("mac", &Redact)
            .finish()
    }
}

/// A signed V1 request, with every intermediate stage (handy for explaining a
/// `SignatureDoesNotMatch`, whose message carries the server's StringToSign).
///
/// `Debug` hides the `SecurityToken` wherever it appears.
#[derive(Clone, PartialEq, Eq)]
pub struct SignedRpcRequest {
    /// Every signed parameter, sorted by name, without `Signature`.
    pub params: Vec<(String, String)>,
    /// The canonicalized query string.
    pub canonicalized_query_string: String,
    /// The string to sign.
    pub string_to_sign: String,
    /// The Base64 signature, not percent-encoded.
    pub signature: String,
}

impl SignedRpcRequest {
    /// The signature as it goes on the wire: percent-encoded like any value.
    pub fn signature_percent_encoded(&self) -> String {
        percent_encode(&self.signature)
    }

    /// The canonicalized query string + `&Signature=` + the percent-encoded signature: usable as
    /// an `application/x-www-form-urlencoded` body or as a query string.
    pub fn to_form_body(&self) -> String {
        form_body(&self.canonicalized_query_string, &self.signature)
    }
}

/// A signed V1 request without the parameter list ([`RpcSigner::sign_form`]).
///
/// `Debug` hides the `SecurityToken` wherever it appears.
#[derive(Clone, PartialEq, Eq)]
pub struct SignedRpcForm {
    /// The canonicalized query string.
    pub canonicalized_query_string: String,
    /// The string to sign.
    pub string_to_sign: String,
    /// The Base64 signature, not percent-encoded.
    pub signature: String,
}

impl SignedRpcForm {
    /// Same as [`SignedRpcRequest::to_form_body`].
    pub fn to_form_body(&self) -> String {
        form_body(&self.canonicalized_query_string, &self.signature)
    }
}

impl fmt::Debug for SignedRpcRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let token = self
            .params
            .iter()
            .find(|(name, _)| name == "SecurityToken")
            .map(|(_, value)| value.as_str());
        let params: Vec<(&str, String)> = self
            .params
            .iter()
            .map(|(name, value)| (name.as_str(), without_token(value, token)))
            .collect();
        let mut out = f.debug_struct("SignedRpcRequest");
        out.field("params", &params);
        debug_signed(
            out,
            &self.canonicalized_query_string,
            &self.string_to_sign,
            &self.signature,
            token,
        )
    }
}

impl fmt::Debug for SignedRpcForm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Only the encoded form is at hand here: decode it, so every form of it is hidden.
        let token = self
            .canonicalized_query_string
            .split('&')
            .find_map(|pair| pair.strip_prefix("SecurityToken="))
            .map(|encoded| percent_decode(encoded).unwrap_or_else(|_| encoded.to_owned()));
        let out = f.debug_struct("SignedRpcForm");
        debug_signed(
            out,
            &self.canonicalized_query_string,
            &self.string_to_sign,
            &self.signature,
            token.as_deref(),
        )
    }
}

/// The fields both signed V1 shapes share, with the security token hidden.
fn debug_signed(
    mut out: fmt::DebugStruct<'_, '_>,
    canonicalized_query_string: &str,
    string_to_sign: &str,
    signature: &str,
    token: Option<&str>,
) -> fmt::Result {
    out.field(
        "canonicalized_query_string",
        &without_token(canonicalized_query_string, token),
    )
    .field("string_to_sign", &without_token(string_to_sign, token))
    .field("signature", &signature)
    .finish()
}

fn form_body(canonicalized_query_string: &str, signature: &str) -> String {
    let cqs = canonicalized_query_string;
    let mut out = String::with_capacity(cqs.len() + 11 + encoded_len(signature));
    out.push_str(cqs);
    if !cqs.is_empty() {
        out.push('&');
    }
    out.push_str("Signature=");
    percent_encode_into(signature, &mut out);
    out
}

fn keyed_mac(access_key_secret: &str) -> HmacSha1 {
    let mut key = String::with_capacity(access_key_secret.len() + 1);
    key.push_str(access_key_secret);
    key.push('&');
    HmacSha1::new_from_slice(key.as_bytes()).expect("HMAC accepts a key of any length")
}

fn sign_string(mut mac: HmacSha1, string_to_sign: &str) -> String {
    mac.update(string_to_sign.as_bytes());
    BASE64.encode(mac.finalize().into_bytes())
}

/// The action's parameters, less those the common ones replace, plus the common ones; sorted.
fn signed_params<'a, K: AsRef<str>, V: AsRef<str>>(
    action_params: &'a [(K, V)],
    credentials: &'a Credentials,
    timestamp: &'a str,
    nonce: &'a str,
) -> Vec<Param<'a>> {
    let token = credentials.security_token();
    let replaced = |name: &str| {
        matches!(
            name,
            "AccessKeyId"
                | "SignatureMethod"
                | "SignatureVersion"
                | "SignatureNonce"
                | "Timestamp"
                | SIGNATURE_PARAM
        ) || (token.is_some() && name == "SecurityToken")
    };
    let common = [
        ("AccessKeyId", credentials.access_key_id()),
        ("SignatureMethod", SIGNATURE_METHOD),
        ("SignatureVersion", SIGNATURE_VERSION),
        ("SignatureNonce", nonce),
        ("Timestamp", timestamp),
    ];
    let mut params = Vec::with_capacity(action_params.len() + common.len() + 1);
    params.extend(
        action_params
            .iter()
            .map(|(name, value)| (name.as_ref(), value.as_ref()))
            .filter(|&(name, _)| !replaced(name))
            .map(|(name, value)| Param::new(name, value)),
    );
    params.extend(common.iter().map(|&(name, value)| Param::new(name, value)));
    if let Some(token) = token {
        params.push(Param::new("SecurityToken", token));
    }
    sort_params(&mut params);
    params
}

fn sign_form_params(mac: HmacSha1, method: &str, params: &[Param<'_>]) -> SignedRpcForm {
    let (canonicalized_query_string, string_to_sign) = query_and_string_to_sign(method, params);
    let signature = sign_string(mac, &string_to_sign);
    SignedRpcForm {
        canonicalized_query_string,
        string_to_sign,
        signature,
    }
}

fn sign_params(mac: HmacSha1, method: &str, params: Vec<Param<'_>>) -> SignedRpcRequest {
    let SignedRpcForm {
        canonicalized_query_string,
        string_to_sign,
        signature,
    } = sign_form_params(mac, method, &params);
    let params = params
        .iter()
        .map(|p| (p.name().to_owned(), p.value().to_owned()))
        .collect();
    SignedRpcRequest {
        params,
        canonicalized_query_string,
        string_to_sign,
        signature,
    }
}
