//! Tencent Cloud API 3.0 request signatures (`TC3-HMAC-SHA256`) as pure functions, every stage
//! public.
//!
//! The request's signed headers and body, [`Credentials`], the service and a [`Timestamp`] go in;
//! the hashed payload, canonical request, credential scope (with the **UTC** date), string to
//! sign, derived keys, signature and `Authorization` header come out. No I/O, no clock, no
//! randomness: the caller passes the time, so every result is reproducible.
//!
//! - [`tc3`]: one function per stage, and [`tc3::sign`], which returns them all
//!   ([`tc3::SignedTc3Request`], what a `sign` command prints to explain a signature).
//! - [`Tc3Signer`]: the hot path. It derives the signing key once per UTC date (a
//!   [`tc3::SigningKey`]), not once per request, and hashes the canonical request and the string
//!   to sign as it goes instead of building them as strings; [`Tc3Signer::verify`] and
//!   [`Authorization::parse`] serve the receiving side.
//! - Secrets (the SecretKey, the token, derived keys) never appear in `Debug` output.
//!
//! # Tencent's worked example
//!
//! The example of Tencent's signing guide (CVM `DescribeInstances`, `x-tc-action` signed too):
//!
//! ```
//! use tencent_sign::{Credentials, Tc3Signer, Timestamp, tc3};
//!
//! let credentials = Credentials::new(
//!     "AKIDz8krbsJ5yKBZQpn74WFkmLPx3*******",
//!     "Gu5t9xGARNpq86cd98joQYCN3*******",
//! );
//! let headers = [
//!     ("content-type", "application/json; charset=utf-8"),
//!     ("host", "cvm.tencentcloudapi.com"),
//!     ("x-tc-action", "DescribeInstances"),
//! ];
//! let payload =
//!     r#"{"Limit": 1, "Filters": [{"Values": ["\u672a\u547d\u540d"], "Name": "instance-name"}]}"#;
//! let request = tc3::Tc3Request::post(&headers, payload.as_bytes());
//! let timestamp = Timestamp::from_unix_seconds(1_551_113_065)?;
//!
//! let signed = tc3::sign(&request, &credentials, "cvm", timestamp);
//! assert_eq!(
//!     signed.canonical_request,
//!     "POST\n/\n\n\
//!      content-type:application/json; charset=utf-8\n\
//!      host:cvm.tencentcloudapi.com\n\
//!      x-tc-action:describeinstances\n\n\
//!      content-type;host;x-tc-action\n\
//!      35e9c5b0e3ae67532d3c9f17ead6c90222632e5b1ff7f6e89887f1398934f064"
//! );
//! assert_eq!(signed.credential_scope, "2019-02-25/cvm/tc3_request");
//! assert_eq!(
//!     signed.string_to_sign,
//!     "TC3-HMAC-SHA256\n1551113065\n2019-02-25/cvm/tc3_request\n\
//!      7019a55be8395899b900fb5564e4200d984910f34794a27cb3fb7d10ff6a1e84"
//! );
//! assert_eq!(
//!     signed.signature,
//!     "be4f67d323c78ab9acb7395e43c0dbcf822a9cfac32fea2449a7bc7726b770a3"
//! );
//! assert_eq!(
//!     signed.authorization,
//!     "TC3-HMAC-SHA256 Credential=AKIDz8krbsJ5yKBZQpn74WFkmLPx3*******/2019-02-25/cvm/tc3_request, \
//!      SignedHeaders=content-type;host;x-tc-action, \
//!      Signature=be4f67d323c78ab9acb7395e43c0dbcf822a9cfac32fea2449a7bc7726b770a3"
//! );
//!
//! // The same, stage by stage:
//! let (canonical_headers, signed_headers) = tc3::canonical_headers(&headers);
//! let canonical_request = tc3::canonical_request(
//!     "POST",
//!     "/",
//!     "",
//!     &canonical_headers,
//!     &signed_headers,
//!     &tc3::hashed_payload(payload.as_bytes()),
//! );
//! let scope = tc3::credential_scope(timestamp.date().as_str(), "cvm");
//! let string_to_sign = tc3::string_to_sign(1_551_113_065, &scope, &canonical_request);
//! let secret_date = tc3::secret_date(credentials.secret_key(), "2019-02-25");
//! let secret_signing = tc3::secret_signing(&tc3::secret_service(&secret_date, "cvm"));
//! assert_eq!(tc3::signature(&secret_signing, &string_to_sign), signed.signature);
//!
//! // Many requests: the key of the day is derived once.
//! let signer = Tc3Signer::new(credentials, "cvm");
//! assert_eq!(signer.authorization(&request, timestamp), signed.authorization);
//! # Ok::<(), tencent_sign::TimestampError>(())
//! ```
//!
//! # Sending the signed request
//!
//! Send the body signed, `Authorization`, the signed headers with the values signed, and
//! `X-TC-Action`, `X-TC-Version`, `X-TC-Timestamp` (the [`Timestamp`]'s `Display`),
//! `X-TC-Region` and, for temporary credentials, `X-TC-Token` ([`Credentials::token`]); those
//! are not signed unless listed in the request's headers. Tencent refuses a timestamp more than
//! five minutes from its own clock.
#![forbid(unsafe_code)]
#![warn(missing_docs, unreachable_pub, missing_debug_implementations)]

mod authorization;
mod credentials;
mod signer;
pub mod tc3;
mod time;

pub use authorization::{Authorization, AuthorizationError};
pub use credentials::Credentials;
pub use signer::Tc3Signer;
pub use time::{Timestamp, TimestampError, UtcDate};
