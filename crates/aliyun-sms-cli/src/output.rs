//! Exit codes and how errors are printed.

use std::error::Error as _;

use connector_kit::{ConnectorError, ErrorKind};
use serde_json::json;

/// Done: the message was sent, the lookup answered, the config is valid.
pub const EXIT_OK: u8 = 0;
/// The request failed or its outcome is unknown: no connection, no answer in time, an answer
/// that could not be read. After a send, check delivery (`status`) before sending again.
pub const EXIT_SEND_FAILED: u8 = 1;
/// The input given here is wrong: an argument, the config, a phone number, a code. Nothing was
/// sent.
pub const EXIT_BAD_INPUT: u8 = 2;
/// Something on this machine failed: a file that cannot be read, a port that cannot be bound.
pub const EXIT_INTERNAL: u8 = 3;
/// The provider (or the emulator) answered and refused: credentials, sign name, template,
/// number, per-number limits, account; or the send guard refused it. Nothing was sent.
pub const EXIT_REFUSED: u8 = 4;

/// The exit codes, as `--help` and the guide show them.
pub const EXIT_CODES_HELP: &str = "\
Exit codes:
  0  done: sent, found, valid
  1  the request failed or its outcome is unknown (no connection, no answer in time, an
     answer that could not be read); after a send, check delivery with `status` first
  2  bad input here: an argument, the config, a phone number, a code (nothing was sent)
  3  a local failure: a file that cannot be read, a port that cannot be bound
  4  refused by the provider or the emulator: credentials, sign name, template, number,
     limits, account; or by the send guard (--guard): a budget, country or number
     type (nothing was sent)";

/// Who answered, for errors: the embedded or a served emulator is not the provider.
#[derive(Clone, Copy)]
pub enum Origin<'a> {
    /// The emulator embedded in this command, at this endpoint, standing in for this provider
    /// (`Aliyun`).
    EmbeddedEmulator(&'a str, &'a str),
    /// A configured endpoint: its host (and port), and the provider it is configured for.
    Endpoint(&'a str, &'a str),
    /// The send guard in front of the connector (`send --guard`).
    Guard,
}

impl Origin<'_> {
    fn describe(self) -> String {
        match self {
            Origin::EmbeddedEmulator(endpoint, provider) => {
                format!("the embedded emulator at {endpoint}, not {provider}")
            }
            Origin::Endpoint(host, provider) if is_loopback(host) => {
                format!("{host}, a local endpoint (an emulator), not {provider}")
            }
            Origin::Endpoint(host, _) => host.to_owned(),
            Origin::Guard => "the send guard (--guard), before any provider".to_owned(),
        }
    }

    fn label(self) -> &'static str {
        match self {
            Origin::EmbeddedEmulator(..) => "emulator",
            Origin::Endpoint(host, _) if is_loopback(host) => "local endpoint",
            Origin::Endpoint(..) => "provider",
            Origin::Guard => "guard",
        }
    }
}

fn is_loopback(host: &str) -> bool {
    let name = match host.rsplit_once(':') {
        Some((name, port)) if port.bytes().all(|b| b.is_ascii_digit()) => name,
        _ => host,
    };
    let name = name.trim_start_matches('[').trim_end_matches(']');
    name.eq_ignore_ascii_case("localhost")
        || name
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// The exit code of an error: bad input here, a refusal there, or a failed or unknown request.
pub fn exit_code(error: &ConnectorError) -> u8 {
    let answered = error.provider_code().is_some();
    match error.kind() {
        ErrorKind::InvalidConfig | ErrorKind::InvalidRequest | ErrorKind::TemplateNotFound
            if !answered =>
        {
            EXIT_BAD_INPUT
        }
        ErrorKind::InvalidConfig
        | ErrorKind::InvalidRequest
        | ErrorKind::TemplateNotFound
        | ErrorKind::RateLimited
        | ErrorKind::QuotaExceeded
        | ErrorKind::Blocked
        | ErrorKind::Credentials
        | ErrorKind::Account
        | ErrorKind::Rejected => EXIT_REFUSED,
        _ => EXIT_SEND_FAILED,
    }
}

/// What lies under the error: each source's message, outermost first, repeats dropped
/// (HTTP stacks often wrap an error in one that says the same).
pub fn causes(error: &ConnectorError) -> Vec<String> {
    let mut causes: Vec<String> = Vec::new();
    let mut next = error.source();
    while let Some(cause) = next {
        let text = cause.to_string();
        let repeated = causes.last().is_some_and(|last| last.contains(&text))
            || error.message().contains(&text);
        if !repeated && !text.is_empty() {
            causes.push(text);
        }
        next = cause.source();
    }
    causes
}

/// The error as JSON, for scripts.
pub fn error_json(error: &ConnectorError, from: Option<Origin<'_>>) -> serde_json::Value {
    json!({
        "ok": false,
        "error": {
            "kind": error.kind().as_str(),
            "logtoCode": logto_compat::LogtoErrorCode::of(error).as_str(),
            "code": error.provider_code(),
            "message": error.message(),
            "causes": causes(error),
            "field": error.field(),
            "requestId": error.request_id(),
            "httpStatus": error.http_status(),
            "retryable": error.is_retryable(),
            "outcomeUnknown": error.outcome_unknown(),
            "from": from.map(Origin::label),
        },
        "exitCode": exit_code(error),
    })
}

/// Prints a connector error (text to stderr, or JSON to stdout) and gives its exit code.
pub fn report_error(error: &ConnectorError, json: bool, from: Option<Origin<'_>>) -> u8 {
    if json {
        println!("{}", error_json(error, from));
        return exit_code(error);
    }
    eprintln!("error: {}", error.message());
    for cause in causes(error) {
        eprintln!("  cause       {cause}");
    }
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
    if let Some(from) = from {
        eprintln!("  from        {}", from.describe());
    }
    if error.outcome_unknown() {
        eprintln!(
            "  the message may have been sent: check delivery (aliyun-sms status) before sending it again"
        );
    } else if error.is_retryable() {
        eprintln!("  nothing was sent; it is safe to try again later");
    }
    exit_code(error)
}

/// Prints a plain failure (text to stderr, or JSON to stdout) and gives the exit code back.
pub fn report_failure(message: &str, json: bool, exit: u8) -> u8 {
    if json {
        println!(
            "{}",
            json!({ "ok": false, "error": { "message": message }, "exitCode": exit })
        );
    } else {
        eprintln!("error: {message}");
    }
    exit
}

/// Bad input named by its field (a command-line option), as a connector error.
pub fn bad_input(field: &str, message: impl Into<String>) -> ConnectorError {
    ConnectorError::new(ErrorKind::InvalidRequest, message).with_field(field)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_bad_input_refusals_and_failures_have_their_own_codes() {
        let local = ConnectorError::new(ErrorKind::InvalidRequest, "bad number");
        assert_eq!(exit_code(&local), EXIT_BAD_INPUT);
        let config = ConnectorError::invalid_config("signName", "must not be empty");
        assert_eq!(exit_code(&config), EXIT_BAD_INPUT);
        let answered = local
            .clone()
            .with_provider_code("isv.MOBILE_NUMBER_ILLEGAL");
        assert_eq!(exit_code(&answered), EXIT_REFUSED);
        let template = config.with_provider_code("isv.SMS_TEMPLATE_ILLEGAL");
        assert_eq!(exit_code(&template), EXIT_REFUSED);
        let limited = ConnectorError::new(ErrorKind::RateLimited, "slow down");
        assert_eq!(exit_code(&limited), EXIT_REFUSED);
        let quota = ConnectorError::new(ErrorKind::QuotaExceeded, "daily quota used up");
        assert_eq!(exit_code(&quota), EXIT_REFUSED);
        for kind in [
            ErrorKind::Timeout,
            ErrorKind::Transport,
            ErrorKind::OutcomeUnknown,
            ErrorKind::InvalidResponse,
        ] {
            let failed = ConnectorError::new(kind, "no answer");
            assert_eq!(exit_code(&failed), EXIT_SEND_FAILED, "{kind}");
        }
    }

    #[test]
    fn causes_are_listed_outermost_first_without_repeats() {
        let io = std::io::Error::other("Temporary failure in name resolution");
        #[derive(Debug)]
        struct Wrapper(std::io::Error);
        impl std::fmt::Display for Wrapper {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("dns error")
            }
        }
        impl std::error::Error for Wrapper {
            fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
                Some(&self.0)
            }
        }
        let error = ConnectorError::new(ErrorKind::Transport, "could not connect to h")
            .with_source(Wrapper(io));
        assert_eq!(
            causes(&error),
            ["dns error", "Temporary failure in name resolution"]
        );
    }

    #[test]
    fn loopback_hosts() {
        for host in ["127.0.0.1:8787", "localhost:1", "[::1]:9", "127.0.0.1"] {
            assert!(is_loopback(host), "{host}");
        }
        for host in ["dysmsapi.aliyuncs.com", "10.0.0.1:80"] {
            assert!(!is_loopback(host), "{host}");
        }
    }
}
