//! The response classifier and the `SignatureDoesNotMatch` diagnosis.
//!
//! Input: 2 bytes HTTP status (big-endian), then the body. The body up to its first 0xFF byte is
//! also "Aliyun's answer" and what follows it "our string-to-sign".
//!
//! - `classify(status, body)` never panics; `Ok` only for a 2xx whose body is a JSON object (up
//!   to bytes that are not UTF-8 in values it skips) whose `Code` is `"OK"`,
//!   with `BizId` as the message id; an error carries the status, a message, and the flags'
//!   rules (`InvalidResponse` is outcome-unknown exactly for 2xx and 5xx; only `RateLimited` or
//!   `Rejected` is retryable);
//! - `signature_mismatch(answer, Some(ours))` and `(answer, None)` never panic and say something.
//!
//! (The classifier with the connector's context, redaction included, is crate-private since
//! issue 12; a property test in `crates/aliyun-sms/src/response.rs` checks its redaction.)

use crate::{SEPARATOR, text_of};
use aliyun_sms::{classify, signature_mismatch};
use connector_kit::{ConnectorError, ErrorKind, Receipt};
use serde_json::Value;

fn check(status: u16, body: &[u8], result: &Result<Receipt, ConnectorError>) {
    match result {
        Ok(receipt) => {
            assert!((200..300).contains(&status), "a success on HTTP {status}");
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
