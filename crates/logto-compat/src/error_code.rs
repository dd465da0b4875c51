use std::fmt;

use connector_kit::{ConnectorError, ErrorKind};

/// Logto's connector error codes (`ConnectorErrorCodes` of `@logto/connector-kit`) that SMS
/// connectors use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum LogtoErrorCode {
    /// `general`: anything without a code of its own.
    General,
    /// `invalid_config`.
    InvalidConfig,
    /// `invalid_request_parameters`.
    InvalidRequestParameters,
    /// `invalid_response`.
    InvalidResponse,
    /// `template_not_found`.
    TemplateNotFound,
    /// `rate_limit_exceeded` (Logto answers the end user with HTTP 429).
    RateLimitExceeded,
    /// `usage_limit_exceeded`: a quota or the balance is used up.
    UsageLimitExceeded,
    /// `not_implemented`.
    NotImplemented,
}

impl LogtoErrorCode {
    /// The code of `error`, by its kind:
    ///
    /// | kind | code |
    /// |---|---|
    /// | `invalid_config` | `invalid_config` |
    /// | `invalid_request` | `invalid_request_parameters` |
    /// | `template_not_found` | `template_not_found` |
    /// | `rate_limited`, `blocked` | `rate_limit_exceeded` |
    /// | `quota_exceeded` | `usage_limit_exceeded` |
    /// | `unsupported` | `not_implemented` |
    /// | `invalid_response` | `invalid_response` |
    /// | any other | `general` |
    ///
    /// A message refused by the caller's own policy (a send guard's budget) is reported as
    /// Logto reports its own per-recipient limit: `rate_limit_exceeded`.
    pub fn of(error: &ConnectorError) -> Self {
        match error.kind() {
            ErrorKind::InvalidConfig => LogtoErrorCode::InvalidConfig,
            ErrorKind::InvalidRequest => LogtoErrorCode::InvalidRequestParameters,
            ErrorKind::TemplateNotFound => LogtoErrorCode::TemplateNotFound,
            ErrorKind::RateLimited | ErrorKind::Blocked => LogtoErrorCode::RateLimitExceeded,
            ErrorKind::QuotaExceeded => LogtoErrorCode::UsageLimitExceeded,
            ErrorKind::Unsupported => LogtoErrorCode::NotImplemented,
            ErrorKind::InvalidResponse => LogtoErrorCode::InvalidResponse,
            _ => LogtoErrorCode::General,
        }
    }

    /// The code as Logto writes it, e.g. `rate_limit_exceeded`.
    pub const fn as_str(self) -> &'static str {
        match self {
            LogtoErrorCode::General => "general",
            LogtoErrorCode::InvalidConfig => "invalid_config",
            LogtoErrorCode::InvalidRequestParameters => "invalid_request_parameters",
            LogtoErrorCode::InvalidResponse => "invalid_response",
            LogtoErrorCode::TemplateNotFound => "template_not_found",
            LogtoErrorCode::RateLimitExceeded => "rate_limit_exceeded",
            LogtoErrorCode::UsageLimitExceeded => "usage_limit_exceeded",
            LogtoErrorCode::NotImplemented => "not_implemented",
        }
    }
}

impl fmt::Display for LogtoErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<&ConnectorError> for LogtoErrorCode {
    fn from(error: &ConnectorError) -> Self {
        LogtoErrorCode::of(error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_its_logto_code() {
        for kind in ErrorKind::ALL {
            let expected = match kind {
                ErrorKind::InvalidConfig => "invalid_config",
                ErrorKind::InvalidRequest => "invalid_request_parameters",
                ErrorKind::TemplateNotFound => "template_not_found",
                ErrorKind::RateLimited | ErrorKind::Blocked => "rate_limit_exceeded",
                ErrorKind::QuotaExceeded => "usage_limit_exceeded",
                ErrorKind::Unsupported => "not_implemented",
                ErrorKind::InvalidResponse => "invalid_response",
                ErrorKind::Credentials
                | ErrorKind::Account
                | ErrorKind::Rejected
                | ErrorKind::Timeout
                | ErrorKind::Transport
                | ErrorKind::OutcomeUnknown
                | ErrorKind::Unavailable => "general",
                other => panic!("{other} is new: give it a Logto code"),
            };
            let error = ConnectorError::new(kind, "x");
            assert_eq!(LogtoErrorCode::of(&error).as_str(), expected, "{kind}");
            assert_eq!(LogtoErrorCode::from(&error).to_string(), expected);
        }
    }
}
