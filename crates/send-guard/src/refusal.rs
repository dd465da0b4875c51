//! Why the guard refused a message: the typed detail behind an
//! [`ErrorKind::Blocked`](connector_kit::ErrorKind::Blocked) error.

use std::fmt;
use std::time::Duration;

use connector_kit::{ConnectorError, ErrorKind};

use crate::config::{NumberType, Scope};
use crate::store::StoreError;

/// Why the guard refused a message. It is the [`source`](std::error::Error::source) of the
/// [`ErrorKind::Blocked`] error the guard returns; [`GuardRefusal::of`] finds it.
///
/// ```
/// # use connector_kit::ConnectorError;
/// # use send_guard::GuardRefusal;
/// fn explain(error: &ConnectorError) -> String {
///     match GuardRefusal::of(error) {
///         Some(GuardRefusal::Budgets(full)) => format!("try again in {:?}", full[0].retry_after),
///         Some(refusal) => refusal.to_string(),
///         None => error.to_string(),
///     }
/// }
/// ```
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum GuardRefusal {
    /// Budgets with no room left, the one that frees up last first.
    #[error("{}", budgets_text(.0))]
    Budgets(Vec<BudgetRefusal>),
    /// The destination country is not allowed.
    #[error("send guard: messages to {} are not allowed", country_text(.country.as_deref()))]
    Country {
        /// ISO 3166-1 alpha-2; `None` for a number with no country.
        country: Option<String>,
    },
    /// The number's type is not allowed.
    #[error("send guard: messages to {number_type} numbers are not allowed")]
    NumberType {
        /// What libphonenumber's metadata says the number is.
        number_type: NumberType,
    },
    /// The store could not be reached and the guard is set to fail closed.
    #[error("send guard: the budget store is unavailable and the guard fails closed: {0}")]
    StoreUnavailable(StoreError),
}

/// A budget with no room left.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct BudgetRefusal {
    /// The budget's name in the config.
    pub budget: String,
    /// What it counts per.
    pub scope: Scope,
    /// Its limit (in the local fallback: the cut limit).
    pub limit: u32,
    /// Its window.
    pub window: Duration,
    /// How long until it has room again.
    pub retry_after: Duration,
}

impl GuardRefusal {
    /// The guard's refusal behind `error`, if the guard refused it.
    pub fn of(error: &ConnectorError) -> Option<&GuardRefusal> {
        std::error::Error::source(error)?.downcast_ref()
    }

    /// How long until the message may pass: for budgets, until the last of them frees up.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            GuardRefusal::Budgets(full) => full.iter().map(|b| b.retry_after).max(),
            _ => None,
        }
    }

    /// The [`ErrorKind::Blocked`] error that carries this refusal.
    pub(crate) fn into_error(self) -> ConnectorError {
        let error = ConnectorError::new(ErrorKind::Blocked, self.to_string());
        let error = match self.retry_after() {
            Some(after) => error.with_retry_after(after),
            None => error,
        };
        error.with_source(self)
    }
}

fn budgets_text(full: &[BudgetRefusal]) -> String {
    let each: Vec<String> = full
        .iter()
        .map(|b| {
            format!(
                "budget `{}` ({}) allows {} per {}; it frees up in {}",
                b.budget,
                b.scope,
                b.limit,
                Seconds(b.window),
                Seconds(b.retry_after)
            )
        })
        .collect();
    format!("send guard: {}", each.join("; "))
}

fn country_text(country: Option<&str>) -> String {
    match country {
        Some(code) => code.to_owned(),
        None => "numbers with no country (non-geographic or unknown codes)".to_owned(),
    }
}

/// A duration in whole seconds, rounded up: `1 s`, `600 s`.
struct Seconds(Duration);

impl fmt::Display for Seconds {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let seconds = self.0.as_millis().div_ceil(1000);
        write!(f, "{seconds} s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_budget_refusal_names_budget_limit_window_and_when_it_frees_up() {
        let refusal = GuardRefusal::Budgets(vec![BudgetRefusal {
            budget: "per-number".into(),
            scope: Scope::Number,
            limit: 5,
            window: Duration::from_secs(600),
            retry_after: Duration::from_millis(41_200),
        }]);
        let error = refusal.into_error();
        assert_eq!(error.kind(), ErrorKind::Blocked);
        assert!(!error.outcome_unknown() && !error.is_retryable());
        assert_eq!(error.retry_after(), Some(Duration::from_millis(41_200)));
        assert!(
            error.to_string().starts_with(
                "blocked: send guard: budget `per-number` (number) allows 5 per 600 s; it frees up in 42 s"
            ),
            "{error}"
        );
        let Some(GuardRefusal::Budgets(full)) = GuardRefusal::of(&error) else {
            panic!("the refusal is the error's source")
        };
        assert_eq!(full[0].limit, 5);
    }

    #[test]
    fn other_refusals_have_no_retry_after() {
        let error = GuardRefusal::Country { country: None }.into_error();
        assert_eq!(error.retry_after(), None);
        assert!(error.to_string().contains("no country"), "{error}");
        let error = GuardRefusal::NumberType {
            number_type: NumberType::PremiumRate,
        }
        .into_error();
        assert!(error.to_string().contains("premiumRate numbers"), "{error}");
        assert!(GuardRefusal::of(&ConnectorError::new(ErrorKind::Timeout, "x")).is_none());
    }
}
