//! Exit codes and how errors are printed.

use connector_kit::ConnectorError;
use serde_json::json;

/// The message was sent, or the config is valid.
pub const EXIT_OK: u8 = 0;
/// The provider (or emulator) refused the message, or the send failed.
pub const EXIT_SEND_FAILED: u8 = 1;
/// The input is wrong: a bad config, a bad number, a bad argument.
pub const EXIT_BAD_INPUT: u8 = 2;
/// Something on this machine failed (cannot bind a port, cannot read a file).
pub const EXIT_INTERNAL: u8 = 3;

/// The error as JSON, for scripts.
pub fn error_json(error: &ConnectorError) -> serde_json::Value {
    json!({
        "ok": false,
        "error": {
            "kind": error.kind().as_str(),
            "logtoCode": logto_compat::LogtoErrorCode::of(error).as_str(),
            "code": error.provider_code(),
            "message": error.message(),
            "field": error.field(),
            "requestId": error.request_id(),
            "httpStatus": error.http_status(),
            "retryable": error.is_retryable(),
            "outcomeUnknown": error.outcome_unknown(),
        }
    })
}

/// Prints a connector error (text to stderr, or JSON to stdout) and gives its exit code.
pub fn report_error(error: &ConnectorError, json: bool) -> u8 {
    if json {
        println!("{}", error_json(error));
    } else {
        eprintln!("error: {}", error.message());
        eprintln!("  kind        {}", error.kind());
        if let Some(code) = error.provider_code() {
            eprintln!("  code        {code}");
        }
        if let Some(field) = error.field() {
            eprintln!("  field       {field}");
        }
        if let Some(status) = error.http_status() {
            eprintln!("  http status {status}");
        }
        if let Some(id) = error.request_id() {
            eprintln!("  request id  {id}");
        }
        if error.outcome_unknown() {
            eprintln!("  the message may have been sent: check delivery before sending it again");
        } else if error.is_retryable() {
            eprintln!("  nothing was sent; it is safe to try again later");
        }
    }
    match error.kind() {
        connector_kit::ErrorKind::InvalidConfig
        | connector_kit::ErrorKind::InvalidRequest
        | connector_kit::ErrorKind::TemplateNotFound => EXIT_BAD_INPUT,
        _ => EXIT_SEND_FAILED,
    }
}

/// Prints a plain failure (text to stderr, or JSON to stdout) and gives the exit code back.
pub fn report_failure(message: &str, json: bool, exit: u8) -> u8 {
    if json {
        println!(
            "{}",
            json!({ "ok": false, "error": { "message": message } })
        );
    } else {
        eprintln!("error: {message}");
    }
    exit
}
