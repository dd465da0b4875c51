//! The suite is real: an in-memory connector passes it as written, and fails it with each
//! deliberate bug (a secret in its `Debug`, a retryable error with an unknown outcome, and
//! more).

use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use connector_kit::{
    Capabilities, ConnectorError, ConnectorMetadata, DeliveryQuery, DeliveryRecord, DeliveryReport,
    DeliveryStatus, ErrorKind, LocalizedText, Receipt, SmsConnector, SmsMessage, TemplateSet,
    UsageType, async_trait,
};
use connector_kit_testing::{Check, Conformance, Delivered, Outcome, Report};

const SECRET: &str = "fixture-api-key-7f3a";
const DEADLINE: Duration = Duration::from_millis(300);

const METADATA: ConnectorMetadata = ConnectorMetadata::new(
    "fixture-sms",
    "fixture",
    LocalizedText(&[("en", "Fixture SMS")]),
    LocalizedText(&[("en", "An in-memory connector for the suite's own tests.")]),
)
.with_capabilities(
    Capabilities::new()
        .with_delivery_lookup(true)
        .with_max_reference_len(32),
);

/// The bugs a fixture can have.
#[derive(Debug, Clone, Copy, Default)]
struct Bugs {
    /// `Debug` prints the API key.
    leaks_secret_in_debug: bool,
    /// A failed send is reported retryable although its outcome is unknown.
    retryable_unknown_outcome: bool,
    /// The caller's IP address is sent as a template parameter.
    sends_the_ip: bool,
    /// A reference longer than the maximum is cut instead of refused.
    cuts_long_references: bool,
    /// A stalled provider is waited for without a deadline.
    ignores_the_deadline: bool,
}

/// The stand-in "provider": what it received, and whether it fails or stalls the next send.
#[derive(Default)]
struct StandIn {
    inbox: Mutex<Vec<Delivered>>,
    fail_next: AtomicBool,
    stall_next: AtomicBool,
}

struct Fixture {
    api_key: String,
    templates: TemplateSet<&'static str>,
    stand_in: Arc<StandIn>,
    bugs: Bugs,
}

impl fmt::Debug for Fixture {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let key = if self.bugs.leaks_secret_in_debug {
            self.api_key.as_str()
        } else {
            connector_kit::REDACTED
        };
        f.debug_struct("Fixture")
            .field("api_key", &key)
            .finish_non_exhaustive()
    }
}

#[async_trait]
impl SmsConnector for Fixture {
    fn metadata(&self) -> &ConnectorMetadata {
        &METADATA
    }

    async fn send(&self, message: &SmsMessage) -> Result<Receipt, ConnectorError> {
        let mut message = message.clone();
        if self.bugs.cuts_long_references {
            if let Some(reference) = &mut message.reference {
                reference.truncate(METADATA.capabilities.max_reference_len);
            }
        }
        METADATA.capabilities.check_message(&message)?;
        let (_, template) = self
            .templates
            .select(message.usage)
            .ok_or_else(|| ConnectorError::template_not_found(message.usage))?;
        if self.stand_in.stall_next.swap(false, Ordering::SeqCst) {
            let stall = tokio::time::sleep(Duration::from_secs(5));
            if self.bugs.ignores_the_deadline {
                stall.await;
            } else if tokio::time::timeout(DEADLINE, stall).await.is_err() {
                return Err(ConnectorError::new(ErrorKind::Timeout, "no answer in time"));
            }
        }
        if self.stand_in.fail_next.swap(false, Ordering::SeqCst) {
            return Err(
                ConnectorError::new(ErrorKind::OutcomeUnknown, "provider failed")
                    .with_retryable(self.bugs.retryable_unknown_outcome),
            );
        }
        let mut params = message.params.clone();
        if let (true, Some(ip)) = (self.bugs.sends_the_ip, message.context.ip) {
            params.insert("ip", ip.to_string());
        }
        let mut inbox = self.stand_in.inbox.lock().unwrap();
        let mut delivered =
            Delivered::new(message.to.digits(), params.to_json()).with_template(*template);
        delivered.reference = message.reference.clone();
        inbox.push(delivered);
        Ok(Receipt::new().with_message_id(inbox.len().to_string()))
    }

    async fn lookup_delivery(
        &self,
        query: &DeliveryQuery,
    ) -> Result<DeliveryReport, ConnectorError> {
        let inbox = self.stand_in.inbox.lock().unwrap();
        let records = inbox
            .iter()
            .enumerate()
            .filter(|(i, d)| {
                d.to == query.to.digits()
                    && (query.reference.is_none() || d.reference == query.reference)
                    && (query.message_id.is_none() || query.message_id == Some((i + 1).to_string()))
            })
            .map(|(i, d)| {
                let mut record = DeliveryRecord::new(DeliveryStatus::Delivered)
                    .with_message_id((i + 1).to_string());
                record.reference = d.reference.clone();
                record
            })
            .collect();
        Ok(DeliveryReport::new(records))
    }
}

fn fixture(stand_in: &Arc<StandIn>, bugs: Bugs, with_generic: bool) -> Fixture {
    let mut entries = vec![
        (UsageType::Register, "TPL_REGISTER"),
        (UsageType::SignIn, "TPL_SIGN_IN"),
        (UsageType::ForgotPassword, "TPL_FORGOT"),
    ];
    if with_generic {
        entries.push((UsageType::Generic, "TPL_GENERIC"));
    }
    Fixture {
        api_key: SECRET.to_owned(),
        templates: TemplateSet::new(entries, &[UsageType::SignIn]).unwrap(),
        stand_in: Arc::clone(stand_in),
        bugs,
    }
}

async fn run(bugs: Bugs) -> Report {
    let stand_in = Arc::new(StandIn::default());
    let inbox = Arc::clone(&stand_in);
    let fail = Arc::clone(&stand_in);
    let stall = Arc::clone(&stand_in);
    Conformance::new(
        fixture(&stand_in, bugs, true),
        "+8613800138000".parse().unwrap(),
    )
    .secrets([SECRET])
    .inbox(move || inbox.inbox.lock().unwrap().clone())
    .fallback(UsageType::MfaVerification, Some("TPL_GENERIC"))
    .without_generic(fixture(&stand_in, bugs, false), UsageType::BindMfa)
    .error_case("the provider fails", move || {
        fail.fail_next.store(true, Ordering::SeqCst)
    })
    .error(
        "a bad config",
        ConnectorError::invalid_config("apiKey", "must not be empty"),
    )
    .stall(DEADLINE, move || {
        stall.stall_next.store(true, Ordering::SeqCst)
    })
    .not_applicable(Check::Factory, "the fixture has no factory")
    .send_timeout(Duration::from_secs(2))
    .run()
    .await
}

#[tokio::test]
async fn a_conforming_connector_passes_every_check() {
    let report = run(Bugs::default()).await;
    println!("{report}");
    report.assert_passed();
    for check in Check::ALL {
        let outcome = report.outcome(check).unwrap();
        let applies = check != Check::Factory;
        assert_eq!(
            matches!(outcome, Outcome::Passed(_)),
            applies,
            "{check}: {outcome:?}"
        );
    }
    // The run saw the errors it provoked: template not found, a reference too long, the
    // provider's failure, the config error, the stall.
    let cases: Vec<_> = report
        .errors()
        .iter()
        .map(|(case, _)| case.as_str())
        .collect();
    assert_eq!(
        cases,
        [
            "template_not_found",
            "reference: one byte too long",
            "the provider fails",
            "a bad config",
            "deadline: a stalled send"
        ]
    );
}

/// The report fails exactly `checks`, and never prints the secret.
fn assert_fails(report: &Report, checks: &[Check]) {
    assert!(!report.passed());
    assert_eq!(report.failed(), checks, "{report}");
    let text = report.to_string();
    assert!(text.contains("FAIL"), "{text}");
    assert!(
        !text.contains(SECRET),
        "the report repeats the secret: {text}"
    );
}

#[tokio::test]
async fn a_secret_in_debug_fails_the_secrets_check() {
    let report = run(Bugs {
        leaks_secret_in_debug: true,
        ..Bugs::default()
    })
    .await;
    assert_fails(&report, &[Check::Secrets]);
    let Some(Outcome::Failed(why)) = report.outcome(Check::Secrets) else {
        unreachable!()
    };
    assert!(why.contains("the connector's Debug"), "{why}");
}

#[tokio::test]
async fn a_retryable_error_with_an_unknown_outcome_fails_the_errors_check() {
    let report = run(Bugs {
        retryable_unknown_outcome: true,
        ..Bugs::default()
    })
    .await;
    assert_fails(&report, &[Check::Errors]);
    let Some(Outcome::Failed(why)) = report.outcome(Check::Errors) else {
        unreachable!()
    };
    assert!(
        why.contains("the provider fails: outcome_unknown error marked retryable"),
        "{why}"
    );
}

#[tokio::test]
async fn the_callers_ip_in_the_request_fails_the_context_check() {
    let report = run(Bugs {
        sends_the_ip: true,
        ..Bugs::default()
    })
    .await;
    assert_fails(&report, &[Check::ContextNotSent]);
}

#[tokio::test]
async fn a_cut_reference_fails_the_reference_check() {
    let report = run(Bugs {
        cuts_long_references: true,
        ..Bugs::default()
    })
    .await;
    assert_fails(&report, &[Check::Reference]);
}

#[tokio::test]
async fn a_send_past_its_deadline_fails_the_deadline_check() {
    let report = run(Bugs {
        ignores_the_deadline: true,
        ..Bugs::default()
    })
    .await;
    assert_fails(&report, &[Check::Deadline]);
}

#[tokio::test]
async fn a_check_without_its_setup_is_skipped_and_does_not_pass() {
    let stand_in = Arc::new(StandIn::default());
    let report = Conformance::new(
        fixture(&stand_in, Bugs::default(), true),
        "13800138000".parse().unwrap(),
    )
    .run()
    .await;
    assert!(report.failed().is_empty(), "{report}");
    assert!(!report.passed());
    let skipped: Vec<_> = report
        .checks()
        .iter()
        .filter(|c| matches!(c.outcome, Outcome::Skipped(_)))
        .map(|c| c.check)
        .collect();
    assert_eq!(
        skipped,
        [
            Check::Factory,
            Check::TemplateFallback,
            Check::TemplateNotFound,
            Check::ContextNotSent,
            Check::Deadline,
            Check::Secrets
        ]
    );
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| report.assert_passed()));
    assert!(
        result.is_err(),
        "assert_passed must fail on a skipped check"
    );
}
