//! The truth table of the error predicates, row by row, against the table in `ConnectorError`'s
//! documentation (so that the documentation cannot drift from the code), and the invariants
//! that hold whatever the flags.

use std::time::Duration;

use connector_kit::{ConnectorError, ErrorKind};

fn new(kind: ErrorKind) -> ConnectorError {
    ConnectorError::new(kind, "x")
}

/// Each row of the documented table: its first column, and errors that fit it.
fn rows() -> Vec<(&'static str, Vec<ConnectorError>)> {
    use ErrorKind::*;
    let window = Duration::from_secs(60);
    vec![
        (
            "`InvalidConfig`, `InvalidRequest`, `TemplateNotFound`",
            vec![
                new(InvalidConfig),
                new(InvalidRequest),
                new(TemplateNotFound),
            ],
        ),
        (
            "`Credentials`, `Account`, `Rejected`, `Unsupported`",
            vec![
                new(Credentials),
                new(Account),
                new(Rejected),
                new(Unsupported),
            ],
        ),
        (
            "`QuotaExceeded`, `Blocked`",
            vec![new(QuotaExceeded), new(Blocked)],
        ),
        (
            "`QuotaExceeded`, `Blocked` with `retry_after`",
            vec![
                new(QuotaExceeded).with_retry_after(window),
                new(Blocked).with_retry_after(window),
            ],
        ),
        (
            "`RateLimited` (a per-number or per-account limit)",
            vec![new(RateLimited), new(RateLimited).with_retry_after(window)],
        ),
        (
            "`RateLimited`, retryable (throttled before processing)",
            vec![new(RateLimited).with_retryable(true)],
        ),
        (
            "`Unavailable` (a circuit breaker's cool-down)",
            vec![new(Unavailable), new(Unavailable).with_retry_after(window)],
        ),
        (
            "`Rejected`, retryable (e.g. a reused nonce)",
            vec![new(Rejected).with_retryable(true)],
        ),
        (
            "`Credentials`, retryable (e.g. a clock to re-sign with)",
            vec![new(Credentials).with_retryable(true)],
        ),
        ("`Transport`", vec![new(Transport)]),
        (
            "`Transport`, retryable (nothing was sent)",
            vec![new(Transport).with_retryable(true)],
        ),
        ("`Timeout`", vec![new(Timeout)]),
        (
            "`Timeout`, outcome known (e.g. a lookup, or before connecting)",
            vec![new(Timeout).with_outcome_unknown(false)],
        ),
        (
            "`Timeout`, outcome known, retryable",
            vec![
                new(Timeout)
                    .with_outcome_unknown(false)
                    .with_retryable(true),
            ],
        ),
        (
            "`InvalidResponse`, outcome known (a 4xx)",
            vec![new(InvalidResponse)],
        ),
        (
            "`InvalidResponse`, outcome unknown (a 2xx or 5xx)",
            vec![new(InvalidResponse).with_outcome_unknown(true)],
        ),
        ("`OutcomeUnknown`", vec![new(OutcomeUnknown)]),
    ]
}

fn yes_no(value: bool) -> &'static str {
    if value { "yes" } else { "no" }
}

fn table_row(label: &str, error: &ConnectorError) -> String {
    format!(
        "| {label} | {} | {} | {} | {} |",
        yes_no(error.is_retryable()),
        yes_no(error.outcome_unknown()),
        yes_no(error.is_transient()),
        yes_no(error.is_permanent()),
    )
}

/// The table in `ConnectorError`'s doc comment, one `String` a row, header excluded.
fn documented_rows() -> Vec<String> {
    let source = include_str!("../src/error.rs");
    let doc = &source[source
        .find("/// The one error type of every SMS connector.")
        .expect("ConnectorError's doc comment")..];
    doc.lines()
        .map_while(|line| line.strip_prefix("///"))
        .map(str::trim)
        .skip_while(|line| !line.starts_with("| error |"))
        .skip(2)
        .take_while(|line| line.starts_with('|'))
        .map(str::to_owned)
        .collect()
}

#[test]
fn the_documented_truth_table_is_what_the_predicates_answer() {
    let expected: Vec<String> = rows()
        .iter()
        .map(|(label, errors)| {
            let row = table_row(label, &errors[0]);
            for error in &errors[1..] {
                assert_eq!(table_row(label, error), row, "{error:?}");
            }
            row
        })
        .collect();
    assert_eq!(documented_rows(), expected);
}

#[test]
fn every_kind_appears_in_the_table() {
    let covered: Vec<ErrorKind> = rows()
        .into_iter()
        .flat_map(|(_, errors)| errors)
        .map(|e| e.kind())
        .collect();
    for kind in ErrorKind::ALL {
        assert!(covered.contains(&kind), "{kind} has no row");
    }
}

#[test]
fn invariants_hold_for_every_kind_and_flag_combination() {
    for kind in ErrorKind::ALL {
        for retryable in [false, true] {
            for unknown in [false, true] {
                for window in [None, Some(Duration::from_secs(1))] {
                    let mut error = new(kind)
                        .with_retryable(retryable)
                        .with_outcome_unknown(unknown);
                    if let Some(window) = window {
                        error = error.with_retry_after(window);
                    }
                    let case = format!("{error:?}");
                    if error.is_retryable() {
                        assert!(!error.outcome_unknown() && error.is_transient(), "{case}");
                    }
                    if error.is_permanent() {
                        assert!(!error.is_transient() && !error.outcome_unknown(), "{case}");
                    }
                    assert!(
                        error.is_permanent() || error.is_transient() || error.outcome_unknown(),
                        "{case}: every error is permanent, transient or of unknown outcome"
                    );
                    let contradicts = (unknown && (retryable || kind.proves_nothing_sent()))
                        || (retryable && kind.needs_change());
                    assert_eq!(error.contradiction().is_some(), contradicts, "{case}");
                }
            }
        }
    }
}
