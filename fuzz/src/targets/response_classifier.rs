//! The response classifier and the `SignatureDoesNotMatch` diagnosis.
//!
//! Input: 2 bytes HTTP status (big-endian), then the body. The body up to its first 0xFF byte is
//! also "Aliyun's answer" and what follows it "our string-to-sign".
//!
//! - `classify(status, body)` never panics; `Ok` only for a JSON object (up to bytes that are not
//!   UTF-8 in values it skips) whose `Code` is `"OK"`,
//!   with `BizId` as the message id; an error carries the status, a message, and the flags'
//!   rules (`InvalidResponse` is outcome-unknown exactly for 2xx and 5xx; only `RateLimited` or
//!   `Rejected` is retryable);
//! - `classify_with` (our string-to-sign, a template field, a redactor holding a secret and a
//!   token) agrees with `classify` on the outcome, and its message never contains the secret or
//!   the token, whatever the answer says;
//! - `signature_mismatch(answer, Some(ours))` and `(answer, None)` never panic and say something.

use crate::{SEPARATOR, text_of};
use aliyun_sms::Redactor;
use aliyun_sms::diagnose::signature_mismatch;
use aliyun_sms::response::{ClassifyContext, classify, classify_with};
use connector_kit::{ConnectorError, ErrorKind, Receipt};
use serde_json::Value;

/// Secrets for the redaction check. Alphanumeric (as real AccessKey secrets are) and starting
/// with an upper-case letter, so that neither the fixed advice texts nor `Debug` escapes
/// (`\n`, `\u{..}`, always after a backslash and lower case) can form them by accident.
const SECRET: &str = "Kx9SecretCanary42";
const TOKEN: &str = "Kx9TokenCanary77";

fn check(status: u16, body: &[u8], result: &Result<Receipt, ConnectorError>) {
    match result {
        Ok(receipt) => {
            // Lossy: serde_json does not check UTF-8 inside values it skips, so an answer with
            // `"Code":"OK"` and bytes that are not UTF-8 in an unknown field is a success
            // (fuzz/regressions/response_classifier/ok-with-invalid-utf8-in-unknown-field).
            let text = String::from_utf8_lossy(body);
            let value: Value = serde_json::from_str(&text)
                .unwrap_or_else(|e| panic!("Ok for a body that is not JSON: {e}"));
            let object = value
                .as_object()
                .expect("Ok for JSON that is not an object");
            assert_eq!(object.get("Code").and_then(Value::as_str), Some("OK"));
            assert_eq!(
                receipt.message_id.as_deref(),
                object.get("BizId").and_then(Value::as_str)
            );
            assert_eq!(
                receipt.request_id.as_deref(),
                object.get("RequestId").and_then(Value::as_str)
            );
        }
        Err(error) => {
            assert_eq!(error.http_status(), Some(status));
            assert!(!error.message().is_empty());
            assert!(!(error.is_retryable() && error.outcome_unknown()));
            if error.kind() == ErrorKind::InvalidResponse {
                let unknown = (200..300).contains(&status) || status >= 500;
                assert_eq!(error.outcome_unknown(), unknown, "status {status}");
                assert!(error.provider_code().is_none());
            } else {
                assert!(
                    error.provider_code().is_some(),
                    "a classified error without Code"
                );
                assert_ne!(error.provider_code(), Some("OK"));
            }
            if error.is_retryable() {
                assert!(
                    matches!(error.kind(), ErrorKind::RateLimited | ErrorKind::Rejected),
                    "{:?} is retryable",
                    error.kind()
                );
            }
            let _ = error.to_string();
            let _ = format!("{error:?}");
        }
    }
}

/// Checks one input; panics on a failed check.
pub fn run(data: &[u8]) {
    let Some((status, body)) = data.split_first_chunk::<2>() else {
        return;
    };
    let status = u16::from_be_bytes(*status);

    let plain = classify(status, body);
    check(status, body, &plain);

    let (answer, ours) = match body.iter().position(|&b| b == SEPARATOR) {
        Some(at) => (&body[..at], &body[at + 1..]),
        None => (body, &[][..]),
    };
    let ours = text_of(ours);
    let redactor = Redactor::new([SECRET, TOKEN]);
    let context = ClassifyContext {
        string_to_sign: Some(&ours),
        template_field: Some("templates[3].templateCode.china"),
        redactor: Some(&redactor),
    };
    let with_context = classify_with(status, answer, &context);
    check(status, answer, &with_context);
    if answer == body {
        assert_eq!(plain.is_ok(), with_context.is_ok());
        if let (Err(a), Err(b)) = (&plain, &with_context) {
            assert_eq!(a.kind(), b.kind());
            assert_eq!(a.is_retryable(), b.is_retryable());
            assert_eq!(a.outcome_unknown(), b.outcome_unknown());
        }
    }
    if let Err(error) = &with_context {
        for secret in [SECRET, TOKEN] {
            assert!(
                !error.message().contains(secret),
                "a secret in the error message: {:?}",
                error.message()
            );
        }
    }

    let answer = text_of(answer);
    let with_ours = signature_mismatch(&answer, Some(&ours));
    let without = signature_mismatch(&answer, None);
    assert!(!with_ours.is_empty() && !without.is_empty());
    if !answer
        .to_ascii_lowercase()
        .contains("server string to sign is:")
    {
        assert!(
            with_ours.contains("did not say what it signed"),
            "{with_ours}"
        );
    }
}
