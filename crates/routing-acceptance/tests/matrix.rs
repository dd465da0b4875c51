//! Each error class × the position of the failing provider (first, second, all) × each pair
//! of providers (Aliyun and Tencent, each with itself and with the other, both ways), against
//! the emulator, through a routing setup built from its JSON config: what the caller gets, and
//! that each message is delivered at most once across all providers, read from the emulators'
//! inboxes. Every scenario has emulators of its own, so they run concurrently.

use std::sync::Arc;
use std::time::Instant;

use connector_kit::{ErrorKind, SmsConnector, SmsMessage, UsageType};
use routing_acceptance::{KINDS, Pair, ProviderKind, TO, Trouble, for_each_pair, pairs};
use serde_json::json;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

/// Scenarios in flight at once: enough to overlap their waits (timeouts, settling), few enough
/// that an answer on a loaded 2-core machine stays well inside the connectors' timeout.
const CONCURRENT_SCENARIOS: usize = 16;

/// What the caller gets.
#[derive(Debug, Clone, Copy)]
enum Expect {
    /// Sent by this provider, once, after the providers of `tried_before` failed with these
    /// kinds (their outcome known).
    SentBy {
        provider: &'static str,
        tried_before: &'static [(&'static str, ErrorKind)],
    },
    /// Failed with this kind and outcome; `asked_b`: whether the second provider was tried;
    /// `delivered_by_a`: whether the first provider delivered it anyway (an outcome left
    /// unknown, rightly).
    Failed {
        kind: ErrorKind,
        outcome_unknown: bool,
        asked_b: bool,
        delivered_by_a: bool,
    },
}

use ErrorKind::*;
use Expect::*;

/// Sent by `b` after `a` failed with `kind`.
const fn by_b_after(kind: &'static [(&'static str, ErrorKind)]) -> Expect {
    SentBy {
        provider: "b",
        tried_before: kind,
    }
}

/// Both providers failed with `kind`, nothing sent.
const fn both_failed(kind: ErrorKind) -> Expect {
    Failed {
        kind,
        outcome_unknown: false,
        asked_b: true,
        delivered_by_a: false,
    }
}

/// The first provider's error came back at once, the second untried.
const fn stopped(kind: ErrorKind, outcome_unknown: bool, delivered_by_a: bool) -> Expect {
    Failed {
        kind,
        outcome_unknown,
        asked_b: false,
        delivered_by_a,
    }
}

/// For each trouble: what the caller gets when the first provider has it, and when both have
/// it. When only the second has it, the first sends and the second is never asked.
const ROWS: &[(Trouble, Expect, Expect)] = &[
    (
        Trouble::Refused,
        by_b_after(&[("a", Transport)]),
        both_failed(Transport),
    ),
    (
        Trouble::WrongSecret,
        by_b_after(&[("a", Credentials)]),
        both_failed(Credentials),
    ),
    (
        Trouble::UnapprovedSignName,
        by_b_after(&[("a", InvalidConfig)]),
        both_failed(InvalidConfig),
    ),
    (
        Trouble::Throttled,
        by_b_after(&[("a", RateLimited)]),
        both_failed(RateLimited),
    ),
    (
        Trouble::QuotaExhausted,
        by_b_after(&[("a", QuotaExceeded)]),
        both_failed(QuotaExceeded),
    ),
    (
        Trouble::AccountSuspended,
        by_b_after(&[("a", Account)]),
        both_failed(Account),
    ),
    (
        Trouble::NumberLimit,
        by_b_after(&[("a", RateLimited)]),
        both_failed(RateLimited),
    ),
    (
        Trouble::InvalidNumber,
        stopped(InvalidRequest, false, false),
        stopped(InvalidRequest, false, false),
    ),
    (
        Trouble::ContentRejected,
        stopped(Rejected, false, false),
        stopped(Rejected, false, false),
    ),
    (
        Trouble::UnreadableRefusal,
        by_b_after(&[("a", InvalidResponse)]),
        both_failed(InvalidResponse),
    ),
    // Unknown outcomes settled as not sent: the next provider sends it.
    (
        Trouble::InternalError,
        by_b_after(&[("a", OutcomeUnknown)]),
        both_failed(OutcomeUnknown),
    ),
    (
        Trouble::ConnectionClosed,
        by_b_after(&[("a", OutcomeUnknown)]),
        both_failed(OutcomeUnknown),
    ),
    (
        Trouble::UnreadableAnswer,
        by_b_after(&[("a", InvalidResponse)]),
        both_failed(InvalidResponse),
    ),
    // Settled as sent: no resend, anywhere.
    (
        Trouble::AnsweredLate,
        SentBy {
            provider: "a",
            tried_before: &[],
        },
        SentBy {
            provider: "a",
            tried_before: &[],
        },
    ),
    // Still unknown: returned as such, never resent.
    (
        Trouble::AnsweredLateLookupsFail,
        stopped(Timeout, true, true),
        stopped(Timeout, true, true),
    ),
    (
        Trouble::TimeoutLookupsFail,
        stopped(Timeout, true, false),
        stopped(Timeout, true, false),
    ),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Position {
    First,
    Second,
    All,
}

/// One scenario: starts the pair, breaks it, sends one code, checks everything; the problems
/// found, and a line for the table.
async fn scenario(
    kinds: (&'static dyn ProviderKind, &'static dyn ProviderKind),
    trouble: Trouble,
    position: Position,
    expect: Expect,
    code: &str,
) -> (Vec<String>, String) {
    let troubles = match position {
        Position::First => (Some(trouble), None),
        Position::Second => (None, Some(trouble)),
        Position::All => (Some(trouble), Some(trouble)),
    };
    let pair = Pair::start(kinds, troubles, json!({})).await;
    if let Some(trouble) = troubles.0 {
        pair.a.inject(trouble);
    }
    if let Some(trouble) = troubles.1 {
        pair.b.inject(trouble);
    }
    let message = SmsMessage::verification_code(TO.parse().unwrap(), UsageType::SignIn, code);
    let result = pair.routing.send(&message).await;
    let (by_a, by_b) = pair.delivered(TO, code);
    let b_requests = pair.b.requests_seen();

    let case = format!(
        "{}+{} {trouble:?} at {position:?}",
        kinds.0.name(),
        kinds.1.name()
    );
    let mut problems = Vec::new();
    if by_a + by_b > 1 {
        problems.push(format!("{case}: delivered {} times", by_a + by_b));
    }
    let outcome = match &result {
        Ok(receipt) => format!(
            "sent by {} (tried before: {})",
            receipt.provider.as_deref().unwrap_or("?"),
            receipt
                .tried_before
                .iter()
                .map(|(p, e)| format!("{p}: {}", e.kind()))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Err(error) => format!(
            "{}{}",
            error.kind(),
            if error.outcome_unknown() {
                ", outcome unknown"
            } else {
                ""
            }
        ),
    };
    match (expect, &result) {
        (
            SentBy {
                provider,
                tried_before,
            },
            Ok(receipt),
        ) => {
            if receipt.provider.as_deref() != Some(provider) {
                problems.push(format!(
                    "{case}: sent by {:?}, not {provider}",
                    receipt.provider
                ));
            }
            let tried: Vec<(&str, ErrorKind)> = receipt
                .tried_before
                .iter()
                .map(|(p, e)| (p.as_str(), e.kind()))
                .collect();
            if tried != tried_before {
                problems.push(format!(
                    "{case}: tried before {tried:?}, not {tried_before:?}"
                ));
            }
            if receipt
                .tried_before
                .iter()
                .any(|(_, e)| e.outcome_unknown())
            {
                problems.push(format!(
                    "{case}: a provider failed over with an unknown outcome"
                ));
            }
            if provider == "a" && b_requests != 0 {
                problems.push(format!(
                    "{case}: the second provider got {b_requests} requests"
                ));
            }
            let delivered = if provider == "a" { (1, 0) } else { (0, 1) };
            if (by_a, by_b) != delivered {
                problems.push(format!("{case}: delivered {by_a} by a, {by_b} by b"));
            }
        }
        (
            Failed {
                kind,
                outcome_unknown,
                asked_b,
                delivered_by_a,
            },
            Err(error),
        ) => {
            if (error.kind(), error.outcome_unknown()) != (kind, outcome_unknown) {
                problems.push(format!(
                    "{case}: got {error}, not {kind} (unknown: {outcome_unknown})"
                ));
            }
            let named_b = error.message().contains("`b`");
            if named_b != asked_b {
                problems.push(format!(
                    "{case}: the second provider asked: {named_b}: {error}"
                ));
            }
            if !asked_b && b_requests != 0 {
                problems.push(format!(
                    "{case}: the second provider got {b_requests} requests"
                ));
            }
            if (by_a, by_b) != (usize::from(delivered_by_a), 0) {
                problems.push(format!("{case}: delivered {by_a} by a, {by_b} by b"));
            }
        }
        (expect, result) => problems.push(format!("{case}: expected {expect:?}, got {result:?}")),
    }
    let line = format!(
        "| {}+{} | {trouble:?} | {position:?} | {outcome} | {by_a} | {by_b} |",
        kinds.0.name(),
        kinds.1.name()
    );
    (problems, line)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_error_class_at_each_position_delivers_at_most_once() {
    assert_eq!(
        ROWS.iter().map(|(t, _, _)| *t).collect::<Vec<_>>(),
        Trouble::ALL,
        "every trouble has a row"
    );
    let pairs = pairs();
    let names: Vec<String> = pairs
        .iter()
        .map(|(a, b)| format!("{}+{}", a.name(), b.name()))
        .collect();
    for wanted in [
        "aliyun+aliyun",
        "aliyun+tencent",
        "tencent+aliyun",
        "tencent+tencent",
    ] {
        assert!(names.iter().any(|n| n == wanted), "{wanted} in {names:?}");
    }

    let started = Instant::now();
    let permits = Arc::new(Semaphore::new(CONCURRENT_SCENARIOS));
    let mut scenarios = JoinSet::new();
    let mut number = 100_000;
    for kinds in pairs {
        for &(trouble, first, all) in ROWS {
            let second = SentBy {
                provider: "a",
                tried_before: &[],
            };
            for (position, expect) in [
                (Position::First, first),
                (Position::Second, second),
                (Position::All, all),
            ] {
                number += 1;
                let (index, code) = (number, number.to_string());
                let permits = Arc::clone(&permits);
                scenarios.spawn(async move {
                    let _permit = permits.acquire_owned().await.expect("never closed");
                    let (found, line) = scenario(kinds, trouble, position, expect, &code).await;
                    (index, found, line)
                });
            }
        }
    }
    let mut results = scenarios.join_all().await;
    let elapsed = started.elapsed();
    results.sort_by_key(|(index, _, _)| *index);

    let mut problems = Vec::new();
    let mut table = vec![
        "| providers | trouble | failing | the caller gets | delivered by a | by b |".to_owned(),
        "|---|---|---|---|---|---|".to_owned(),
    ];
    for (_, found, line) in &results {
        problems.extend(found.iter().cloned());
        table.push(line.clone());
    }
    println!("{}", table.join("\n"));
    println!(
        "{} scenarios ({} pairs of {} kinds x {} troubles x 3 positions) in {elapsed:?}",
        results.len(),
        KINDS.len() * KINDS.len(),
        KINDS.len(),
        ROWS.len()
    );
    assert_eq!(results.len(), KINDS.len() * KINDS.len() * ROWS.len() * 3);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The provider's own number check, not a fault: a number the emulator refuses is refused by
/// the first provider and never tried at the second.
#[tokio::test]
async fn a_number_the_provider_refuses_is_not_tried_elsewhere() {
    for_each_pair(|kinds| async move {
        let pair = Pair::start(kinds, (None, None), json!({})).await;
        let message = SmsMessage::verification_code(
            "+999 1234 5678".parse().unwrap(),
            UsageType::SignIn,
            "1",
        );
        let error = pair.routing.send(&message).await.unwrap_err();
        assert_eq!(error.kind(), InvalidRequest, "{error}");
        assert!(error.message().starts_with("`a`:"), "{error}");
        assert_eq!(pair.b.requests_seen(), 0);
        assert!(pair.a.deliveries().is_empty() && pair.b.deliveries().is_empty());
    })
    .await;
}
