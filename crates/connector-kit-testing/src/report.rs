//! What a conformance run found: one outcome per check, and every error the connector made.

use std::fmt;

use connector_kit::{ConnectorError, Redactor};

use crate::Check;

/// How one check ended.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Outcome {
    /// The connector behaved; what was verified.
    Passed(String),
    /// The connector misbehaved; how.
    Failed(String),
    /// The check could not run: the setup it needs was not given (the message says which).
    /// [`Report::assert_passed`] fails on it, so that nothing passes by skipping.
    Skipped(String),
    /// The check does not apply to this connector, as its test declared
    /// ([`Conformance::not_applicable`](crate::Conformance::not_applicable)), with the reason.
    NotApplicable(String),
}

/// One check and its outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CheckResult {
    /// The check.
    pub check: Check,
    /// How it ended.
    pub outcome: Outcome,
}

/// What a conformance run found.
///
/// `Display` lists every check, then the truth table of every error the connector produced
/// (with the secrets it was given cut out, in case one leaked).
#[derive(Debug)]
pub struct Report {
    pub(crate) connector: &'static str,
    pub(crate) checks: Vec<CheckResult>,
    pub(crate) errors: Vec<(String, ConnectorError)>,
    pub(crate) redactor: Redactor,
}

impl Report {
    /// Every check, in the order they ran.
    pub fn checks(&self) -> &[CheckResult] {
        &self.checks
    }

    /// The outcome of `check`.
    pub fn outcome(&self, check: Check) -> Option<&Outcome> {
        self.checks
            .iter()
            .find(|c| c.check == check)
            .map(|c| &c.outcome)
    }

    /// The checks that failed.
    pub fn failed(&self) -> Vec<Check> {
        self.checks
            .iter()
            .filter(|c| matches!(c.outcome, Outcome::Failed(_)))
            .map(|c| c.check)
            .collect()
    }

    /// Every error the connector produced during the run, with the case that produced it.
    pub fn errors(&self) -> &[(String, ConnectorError)] {
        &self.errors
    }

    /// Whether no check failed and none was skipped.
    pub fn passed(&self) -> bool {
        self.checks
            .iter()
            .all(|c| matches!(c.outcome, Outcome::Passed(_) | Outcome::NotApplicable(_)))
    }

    /// Panics with the whole report unless every check passed or was declared not applicable.
    #[track_caller]
    pub fn assert_passed(&self) {
        assert!(self.passed(), "the connector does not conform:\n{self}");
    }
}

fn yes_no(value: bool) -> &'static str {
    if value { "yes" } else { "no" }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut text = format!("conformance of `{}`:\n", self.connector);
        for check in &self.checks {
            let (mark, detail) = match &check.outcome {
                Outcome::Passed(detail) => ("pass", detail),
                Outcome::Failed(detail) => ("FAIL", detail),
                Outcome::Skipped(detail) => ("SKIP", detail),
                Outcome::NotApplicable(detail) => ("n/a ", detail),
            };
            text.push_str(&format!("  {mark} {}: {detail}\n", check.check));
        }
        if !self.errors.is_empty() {
            text.push_str("errors produced:\n");
            for (case, error) in &self.errors {
                let window = match error.retry_after() {
                    Some(after) => format!(", retry after {after:?}"),
                    None => String::new(),
                };
                text.push_str(&format!(
                    "  {case}: {} (retryable: {}, outcome unknown: {}, transient: {}, permanent: {}{window}): {error}\n",
                    error.kind(),
                    yes_no(error.is_retryable()),
                    yes_no(error.outcome_unknown()),
                    yes_no(error.is_transient()),
                    yes_no(error.is_permanent()),
                ));
            }
        }
        f.write_str(&self.redactor.redact(&text))
    }
}
