//! The gateway's checks before any action: method and path, the `Authorization` header, the
//! 5-minute timestamp window, the SecretId, the TC3 signature (rebuilt with `tencent-sign` from
//! the request as received), the temporary key's token, then version, action and region.

use chrono::{DateTime, Utc};
use tencent_sign::tc3::Tc3Request;
use tencent_sign::{Authorization, Tc3Signer, Timestamp};

use super::account::TENCENT_REGIONS;
use super::answer::TcError;
use crate::server::HttpRequest;

/// The one API version the emulator serves.
pub(crate) const API_VERSION: &str = "2021-01-11";
/// The service a request to the SMS API is signed for.
pub(crate) const SERVICE: &str = "sms";
/// How far `X-TC-Timestamp` may be from the emulator's clock, either way.
pub(crate) const TIMESTAMP_WINDOW_SECONDS: i64 = 300;
/// The actions served.
pub(crate) const ACTIONS: [&str; 2] = ["SendSms", "PullSmsSendStatusByPhoneNumber"];

/// A request that passed the gateway: its action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Caller<'r> {
    pub action: &'r str,
}

/// Run the gateway's checks with the account's signers (one per key).
pub(crate) fn verify<'r>(
    signers: &[Tc3Signer],
    now: DateTime<Utc>,
    request: &'r HttpRequest,
) -> Result<Caller<'r>, TcError> {
    if request.method != "POST" {
        return Err(TcError::because(
            "UnsupportedOperation",
            "The request method is not supported.",
            format!(
                "it serves POST with a JSON body, as Tencent's SDKs send, not {}",
                request.method
            ),
        ));
    }
    if request.path != "/" {
        return Err(TcError::because(
            "InvalidAction",
            "The action requested does not exist.",
            format!("the API is served at /, not {}", request.path),
        ));
    }
    let header = request.header("authorization").unwrap_or("");
    let authorization = Authorization::parse(header.trim()).map_err(|error| {
        TcError::because(
            "AuthFailure.InvalidAuthorization",
            "The Authorization header is not valid.",
            error,
        )
    })?;
    let raw_timestamp = request
        .header("x-tc-timestamp")
        .ok_or_else(|| TcError::missing("X-TC-Timestamp"))?
        .trim();
    let timestamp = raw_timestamp.parse::<Timestamp>().map_err(|error| {
        TcError::invalid("X-TC-Timestamp", format!("{raw_timestamp:?}: {error}"))
    })?;
    let skew = now.timestamp() - i64::try_from(timestamp.unix_seconds()).unwrap_or(i64::MAX);
    if skew.abs() > TIMESTAMP_WINDOW_SECONDS {
        return Err(TcError::because(
            "AuthFailure.SignatureExpire",
            format!(
                "Signature expired. Timestamp:{raw_timestamp}, current server time is {}.",
                now.timestamp()
            ),
            format!(
                "its clock and X-TC-Timestamp are {} seconds apart; Tencent allows 300",
                skew.abs()
            ),
        ));
    }
    let signer = signers
        .iter()
        .find(|s| s.credentials().secret_id() == authorization.secret_id)
        .ok_or_else(|| {
            TcError::because(
                "AuthFailure.SecretIdNotFound",
                "The SecretId is not found, please ensure that your SecretId is correct.",
                format!("the account has no SecretId {:?}", authorization.secret_id),
            )
        })?;
    check_scope(&authorization, timestamp)?;
    check_signature(signer, &authorization, timestamp, request)?;
    let token = request.header("x-tc-token");
    if signer.credentials().token() != token {
        let because = match (signer.credentials().token(), token) {
            (Some(_), None) => "this temporary key's requests must carry its token in X-TC-Token",
            (None, Some(_)) => "this key is not a temporary key, yet X-TC-Token was sent",
            _ => "X-TC-Token is not this temporary key's token",
        };
        return Err(TcError::because(
            "AuthFailure.TokenFailure",
            "Token verification failed.",
            because,
        ));
    }

    let version = request
        .header("x-tc-version")
        .ok_or_else(|| TcError::missing("X-TC-Version"))?;
    if version.trim() != API_VERSION {
        return Err(TcError::because(
            "NoSuchVersion",
            "The API version does not exist.",
            format!("it serves SMS {API_VERSION}, not {version:?}"),
        ));
    }
    let action = request
        .header("x-tc-action")
        .ok_or_else(|| TcError::missing("X-TC-Action"))?
        .trim();
    if !ACTIONS.contains(&action) {
        return Err(TcError::because(
            "InvalidAction",
            format!("The action `{action}` does not exist."),
            format!("it serves {}", ACTIONS.join(" and ")),
        ));
    }
    let region = request
        .header("x-tc-region")
        .ok_or_else(|| TcError::missing("X-TC-Region"))?
        .trim();
    if !TENCENT_REGIONS.contains(&region) {
        return Err(TcError::because(
            "UnsupportedRegion",
            "The action does not support this region.",
            format!(
                "X-TC-Region {region:?} is not one of {}",
                TENCENT_REGIONS.join(", ")
            ),
        ));
    }
    let content_type = request.header("content-type").unwrap_or("");
    let mime = content_type.split(';').next().unwrap_or("").trim();
    if !mime.eq_ignore_ascii_case("application/json") {
        return Err(TcError::invalid(
            "Content-Type",
            format!("a TC3 POST takes application/json, not {content_type:?}"),
        ));
    }
    Ok(Caller { action })
}

/// The credential scope must be the timestamp's UTC date, for `sms`.
fn check_scope(authorization: &Authorization<'_>, timestamp: Timestamp) -> Result<(), TcError> {
    let because = if authorization.service != SERVICE {
        format!(
            "the credential scope names service {:?}; SMS requests are signed for \"sms\"",
            authorization.service
        )
    } else if authorization.date != timestamp.date().as_str() {
        format!(
            "the credential scope's date {} is not the UTC date of X-TC-Timestamp {timestamp}, {}",
            authorization.date,
            timestamp.date()
        )
    } else {
        return Ok(());
    };
    Err(signature_failure(because))
}

/// Rebuilds the canonical request from the headers the client says it signed, as received,
/// and checks the signature; `content-type` and `host` must be signed.
fn check_signature(
    signer: &Tc3Signer,
    authorization: &Authorization<'_>,
    timestamp: Timestamp,
    request: &HttpRequest,
) -> Result<(), TcError> {
    let names: Vec<String> = authorization
        .signed_header_names()
        .map(|name| name.trim().to_ascii_lowercase())
        .collect();
    for required in ["content-type", "host"] {
        if !names.iter().any(|name| name == required) {
            return Err(signature_failure(format!(
                "SignedHeaders must include content-type and host; it is {:?}",
                authorization.signed_headers
            )));
        }
    }
    let values: Vec<(String, String)> = names
        .iter()
        .map(|name| (name.clone(), request.joined_header(name)))
        .collect();
    let headers: Vec<(&str, &str)> = values
        .iter()
        .map(|(name, value)| (name.as_str(), value.as_str()))
        .collect();
    let signed = Tc3Request {
        method: &request.method,
        canonical_uri: "/",
        canonical_query_string: request.query.as_deref().unwrap_or(""),
        headers: &headers,
        payload: &request.body,
    };
    if signer.verify(&signed, timestamp, authorization.signature) {
        return Ok(());
    }
    let stages = signer.sign(&signed, timestamp);
    Err(signature_failure(format!(
        "the canonical request it computed from the request received is {:?}, and the string \
         to sign {:?}",
        stages.canonical_request, stages.string_to_sign
    )))
}

fn signature_failure(because: String) -> TcError {
    TcError::because(
        "AuthFailure.SignatureFailure",
        "The provided credentials could not be validated. Please check your signature is correct.",
        because,
    )
}
