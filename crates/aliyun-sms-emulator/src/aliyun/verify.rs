//! The gateway's checks, in Aliyun's order: required common parameters, the access key, the
//! timestamp window, the signature (V1 or V3, rebuilt with `aliyun-sign` from the request as
//! received), the STS token, the nonce.

use aliyun_sign::{Credentials, rpc, v3};
use chrono::{DateTime, NaiveDateTime, TimeDelta, Utc};

use super::error::ApiError;
use super::nonce::NonceStore;
use super::request::ApiRequest;
use crate::config::EmulatorConfig;

/// How far a request's timestamp may be from the emulator's clock, either way.
pub(crate) const TIMESTAMP_WINDOW: TimeDelta = TimeDelta::minutes(15);

/// Who called what, once the request passed the gateway.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Caller {
    pub access_key_id: String,
    pub action: String,
    pub version: String,
}

/// Run the gateway's checks; on success the nonce is used up.
pub(crate) fn verify(
    config: &EmulatorConfig,
    nonces: &NonceStore,
    now: DateTime<Utc>,
    request: &ApiRequest,
) -> Result<Caller, ApiError> {
    if request.is_v3() {
        verify_v3(config, nonces, now, request)
    } else {
        verify_v1(config, nonces, now, request)
    }
}

fn verify_v1(
    config: &EmulatorConfig,
    nonces: &NonceStore,
    now: DateTime<Utc>,
    request: &ApiRequest,
) -> Result<Caller, ApiError> {
    let required = |name| request.required_param(name);
    let nonce = required("SignatureNonce")?;
    let timestamp = required("Timestamp")?;
    let access_key_id = required("AccessKeyId")?;
    let signature = required("Signature")?;
    let method = required("SignatureMethod")?;
    let version = required("SignatureVersion")?;
    let action = required("Action")?;
    let api_version = required("Version")?;
    if method != rpc::SIGNATURE_METHOD {
        return Err(ApiError::unsupported_signature_method());
    }
    if version != rpc::SIGNATURE_VERSION {
        return Err(ApiError::unsupported_signature_version());
    }

    let account = config
        .find_account(access_key_id)
        .ok_or_else(ApiError::access_key_not_found)?;
    check_timestamp(timestamp, now)?;

    let canonical = rpc::canonicalized_query_string(&request.params());
    let string_to_sign = rpc::string_to_sign(&request.method, &canonical);
    if !rpc::verify_signature(account.access_key_secret(), &string_to_sign, signature) {
        return Err(ApiError::signature_does_not_match(&string_to_sign));
    }

    check_security_token(account, request.param("SecurityToken"))?;
    nonces.remember(access_key_id, nonce, now)?;
    Ok(Caller {
        access_key_id: access_key_id.to_string(),
        action: action.to_string(),
        version: api_version.to_string(),
    })
}

fn verify_v3(
    config: &EmulatorConfig,
    nonces: &NonceStore,
    now: DateTime<Utc>,
    request: &ApiRequest,
) -> Result<Caller, ApiError> {
    let header = |name: &str, code: &str| {
        request
            .header(name)
            .ok_or_else(|| ApiError::missing(code, name))
    };
    let authorization = Authorization::parse(request.header("authorization").unwrap_or(""))?;
    let nonce = header("x-acs-signature-nonce", "SignatureNonce")?;
    let timestamp = header("x-acs-date", "Timestamp")?;
    let access_key_id = authorization
        .credential
        .ok_or_else(|| ApiError::missing("AccessKeyId", "Credential"))?;
    let signature = authorization
        .signature
        .ok_or_else(|| ApiError::missing("Signature", "Signature"))?;
    let signed_headers = authorization
        .signed_headers
        .ok_or_else(|| ApiError::incomplete_signature("SignedHeaders is mandatory."))?;
    let action = header("x-acs-action", "Action")?;
    let api_version = header("x-acs-version", "Version")?;
    let content_sha256 = header("x-acs-content-sha256", "XAcsContentSha256")?;
    let signed: Vec<String> = signed_headers
        .split(';')
        .map(|name| name.trim().to_ascii_lowercase())
        .filter(|name| !name.is_empty())
        .collect();
    check_required_headers_signed(request, &signed)?;

    let account = config
        .find_account(access_key_id)
        .ok_or_else(ApiError::access_key_not_found)?;
    check_timestamp(timestamp, now)?;

    let header_values: Vec<(&str, String)> = signed
        .iter()
        .map(|name| (name.as_str(), joined_header(request, name)))
        .collect();
    let (canonical_headers, signed_headers) = v3::canonical_headers(&header_values);
    let body_sha256 = v3::hashed_payload(&request.body);
    let canonical_request = v3::canonical_request(
        &request.method,
        "/",
        &v3::canonical_query_string(&request.query),
        &canonical_headers,
        &signed_headers,
        &body_sha256,
    );
    let string_to_sign = v3::string_to_sign(&canonical_request);
    if !v3::verify_signature(account.access_key_secret(), &string_to_sign, signature) {
        let mut detail =
            format!("{string_to_sign} server canonical request is:{canonical_request}");
        if !content_sha256.eq_ignore_ascii_case(&body_sha256) {
            detail.push_str(&format!(
                " (x-acs-content-sha256 {content_sha256} is not the SHA-256 of the body received, {body_sha256})"
            ));
        }
        return Err(ApiError::signature_does_not_match(&detail));
    }

    check_security_token(account, request.header("x-acs-security-token"))?;
    nonces.remember(access_key_id, nonce, now)?;
    Ok(Caller {
        access_key_id: access_key_id.to_string(),
        action: action.to_string(),
        version: api_version.to_string(),
    })
}

/// `ACS3-HMAC-SHA256 Credential=<id>,SignedHeaders=<a;b>,Signature=<hex>`.
#[derive(Debug, Default, PartialEq, Eq)]
struct Authorization<'a> {
    credential: Option<&'a str>,
    signed_headers: Option<&'a str>,
    signature: Option<&'a str>,
}

impl<'a> Authorization<'a> {
    fn parse(value: &'a str) -> Result<Self, ApiError> {
        let value = value.trim();
        let (algorithm, rest) = value.split_once(' ').unwrap_or((value, ""));
        if algorithm != v3::ALGORITHM {
            return Err(ApiError::unsupported_signature_method());
        }
        let mut parsed = Authorization::default();
        for part in rest.split(',') {
            let Some((name, value)) = part.split_once('=') else {
                if part.trim().is_empty() {
                    continue;
                }
                return Err(ApiError::incomplete_signature(format!(
                    "The Authorization header part \"{}\" is not name=value.",
                    part.trim()
                )));
            };
            let value = Some(value.trim()).filter(|v| !v.is_empty());
            match name.trim() {
                "Credential" => parsed.credential = value,
                "SignedHeaders" => parsed.signed_headers = value,
                "Signature" => parsed.signature = value,
                _ => {}
            }
        }
        Ok(parsed)
    }
}

/// `host`, every `x-acs-*` header sent and, with a body, `content-type` must be signed.
fn check_required_headers_signed(request: &ApiRequest, signed: &[String]) -> Result<(), ApiError> {
    let must_sign = request
        .headers
        .iter()
        .map(|(name, _)| name.as_str())
        .filter(|name| {
            *name == "host"
                || name.starts_with("x-acs-")
                || (*name == "content-type" && !request.body.is_empty())
        });
    for name in must_sign {
        if !signed.iter().any(|s| s == name) {
            return Err(ApiError::incomplete_signature(format!(
                "The header \"{name}\" must be in SignedHeaders."
            )));
        }
    }
    Ok(())
}

/// All values of a header, joined with `,` (empty when absent).
fn joined_header(request: &ApiRequest, name: &str) -> String {
    crate::server::joined_header(&request.headers, name)
}

/// `yyyy-MM-ddTHH:mm:ssZ` (fractional seconds allowed), within the window of `now`.
fn check_timestamp(timestamp: &str, now: DateTime<Utc>) -> Result<(), ApiError> {
    let at = parse_timestamp(timestamp).ok_or_else(ApiError::timestamp_format)?;
    if (now - at).abs() > TIMESTAMP_WINDOW {
        return Err(ApiError::timestamp_expired());
    }
    Ok(())
}

fn parse_timestamp(timestamp: &str) -> Option<DateTime<Utc>> {
    NaiveDateTime::parse_from_str(timestamp, "%Y-%m-%dT%H:%M:%S%.fZ")
        .ok()
        .map(|naive| naive.and_utc())
}

/// An STS account's requests must carry its token; other accounts' must carry none.
fn check_security_token(account: &Credentials, received: Option<&str>) -> Result<(), ApiError> {
    if account.security_token() != received {
        return Err(ApiError::security_token_mismatch());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps() {
        let t = parse_timestamp("2024-01-05T06:07:08Z").unwrap();
        assert_eq!(t.to_rfc3339(), "2024-01-05T06:07:08+00:00");
        assert!(parse_timestamp("2024-01-05T06:07:08.123Z").is_some());
        for bad in [
            "2024-01-05 06:07:08",
            "2024-01-05T06:07:08",
            "2024-01-05T06:07:08+08:00",
            "2024-13-05T06:07:08Z",
            "1704434828",
            "",
        ] {
            assert!(parse_timestamp(bad).is_none(), "{bad}");
        }
        assert!(check_timestamp("2024-01-05T06:22:08Z", t).is_ok());
        assert!(check_timestamp("2024-01-05T05:52:08Z", t).is_ok());
        assert_eq!(
            check_timestamp("2024-01-05T06:22:09Z", t).unwrap_err().code,
            "InvalidTimeStamp.Expired"
        );
        assert_eq!(
            check_timestamp("2024-01-05T05:52:07Z", t).unwrap_err().code,
            "InvalidTimeStamp.Expired"
        );
    }

    #[test]
    fn authorization_header() {
        let parsed = Authorization::parse(
            "ACS3-HMAC-SHA256 Credential=testId, SignedHeaders=host;x-acs-date ,Signature=ab",
        )
        .unwrap();
        assert_eq!(parsed.credential, Some("testId"));
        assert_eq!(parsed.signed_headers, Some("host;x-acs-date"));
        assert_eq!(parsed.signature, Some("ab"));
        assert_eq!(
            Authorization::parse("ACS3-HMAC-SM3 Credential=a")
                .unwrap_err()
                .code,
            "InvalidSignatureMethod"
        );
        assert_eq!(
            Authorization::parse("ACS3-HMAC-SHA256 garbage")
                .unwrap_err()
                .code,
            "IncompleteSignature"
        );
    }
}
