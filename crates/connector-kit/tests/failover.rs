//! Failover's rules, against recording connectors: every error kind with every flag, the
//! settling of unknown outcomes, and the rules table of `docs/routing-and-failover.md`.

use std::sync::Arc;
use std::time::Duration;

use connector_kit::{
    AfterError, BreakerPolicy, CircuitBreaker, ConnectorError, ConnectorMetadata, DeliveryQuery,
    DeliveryReport, ErrorKind, Failover, GENERATED_REFERENCE_LEN, RECORDING_METADATA, Receipt,
    RecordingConnector, SettlePolicy, Settlement, Sleep, SmsConnector, SmsMessage, UsageType,
    async_trait,
};

fn message() -> SmsMessage {
    SmsMessage::verification_code(
        "+8613800138000".parse().unwrap(),
        UsageType::SignIn,
        "123456",
    )
}

fn new(kind: ErrorKind) -> ConnectorError {
    ConnectorError::new(kind, "x")
}

/// Settling as the tests need it: a short wait, tokio's sleep.
fn failover(a: Arc<dyn SmsConnector>, b: Arc<dyn SmsConnector>) -> Failover {
    Failover::new()
        .with_provider("a", a)
        .with_provider("b", b)
        .with_settle(SettlePolicy::new(
            Duration::from_millis(30),
            Duration::from_millis(10),
        ))
        .with_sleep(Sleep::new(tokio::time::sleep))
}

fn recording() -> Arc<RecordingConnector> {
    Arc::new(RecordingConnector::new())
}

/// Sends through its recording connector, then loses the answer: the message went out, the
/// caller gets a timeout.
#[derive(Debug)]
struct LostAnswer(Arc<RecordingConnector>);

#[async_trait]
impl SmsConnector for LostAnswer {
    fn metadata(&self) -> &ConnectorMetadata {
        self.0.metadata()
    }

    async fn send(&self, message: &SmsMessage) -> Result<Receipt, ConnectorError> {
        self.0.send(message).await?;
        Err(ConnectorError::new(
            ErrorKind::Timeout,
            "no answer within 5000 ms",
        ))
    }

    async fn lookup_delivery(
        &self,
        query: &DeliveryQuery,
    ) -> Result<DeliveryReport, ConnectorError> {
        self.0.lookup_delivery(query).await
    }
}

/// Every kind with every combination of flags, failing at the first of two providers: what the
/// caller gets and who was asked follow [`AfterError::of`], and `AfterError::of` follows the
/// error model's predicates.
#[tokio::test]
async fn every_error_at_the_first_provider_follows_the_rules() {
    for kind in ErrorKind::ALL {
        for retryable in [false, true] {
            for unknown in [false, true] {
                let error = new(kind)
                    .with_retryable(retryable)
                    .with_outcome_unknown(unknown);
                if error.contradiction().is_some() {
                    continue;
                }
                let case = format!("{error:?}");
                let (a, b) = (recording(), recording());
                a.fail_next(error.clone());
                let report = failover(a.clone(), b.clone())
                    .send_reporting(&message())
                    .await;
                let rule = AfterError::of(&error);
                match rule {
                    AfterError::Stop => {
                        assert!(!error.may_succeed_elsewhere() && !unknown, "{case}");
                        let err = report.result.unwrap_err();
                        assert_eq!(err.kind(), kind, "{case}");
                        assert!(err.message().starts_with("`a`: x"), "{case}: {err}");
                        assert!(b.attempts().is_empty(), "{case}: the second was asked");
                    }
                    AfterError::TryNext => {
                        assert!(error.may_succeed_elsewhere() && !unknown, "{case}");
                        let receipt = report.result.unwrap();
                        assert_eq!(receipt.provider.as_deref(), Some("b"), "{case}");
                        assert_eq!(receipt.tried_before, [("a".to_owned(), error.clone())]);
                        assert_eq!(report.attempts[0].settlement, None, "{case}");
                    }
                    AfterError::Settle => {
                        assert!(unknown, "{case}");
                        // The recording connector sent nothing: lookups find nothing, and the
                        // second provider sends it.
                        assert_eq!(
                            report.attempts[0].settlement,
                            Some(Settlement::NotSent),
                            "{case}"
                        );
                        let receipt = report.result.unwrap();
                        assert_eq!(receipt.provider.as_deref(), Some("b"), "{case}");
                        let (_, first) = &receipt.tried_before[0];
                        assert!(!first.outcome_unknown(), "{case}: settled as not sent");
                        assert!(
                            first.is_retryable() && first.contradiction().is_none(),
                            "{case}"
                        );
                    }
                    other => panic!("{other:?} is new: give it a test"),
                }
                let sent = a.sent().len() + b.sent().len();
                assert!(sent <= 1, "{case}: sent {sent} times");
            }
        }
    }
}

#[tokio::test]
async fn an_unknown_outcome_found_sent_is_a_success_with_no_resend() {
    let (a, b) = (recording(), recording());
    let sms = failover(Arc::new(LostAnswer(a.clone())), b.clone());
    let report = sms.send_reporting(&message()).await;
    let receipt = report.result.clone().unwrap();
    assert_eq!(receipt.provider.as_deref(), Some("a"));
    assert_eq!(receipt.message_id.as_deref(), Some("recorded-1"));
    assert!(receipt.tried_before.is_empty());
    assert!(matches!(
        report.attempts[0].settlement,
        Some(Settlement::Sent(_))
    ));
    assert_eq!(
        report.attempts[0].result.as_ref().unwrap_err().kind(),
        ErrorKind::Timeout
    );
    assert_eq!((a.sent().len(), b.attempts().len()), (1, 0));
}

#[tokio::test]
async fn an_unknown_outcome_that_cannot_be_looked_up_stays_unknown_and_is_never_resent() {
    let blind = RECORDING_METADATA
        .with_capabilities(RECORDING_METADATA.capabilities.with_delivery_lookup(false));
    let a = Arc::new(RecordingConnector::with_metadata(blind));
    let b = recording();
    a.fail_next(new(ErrorKind::OutcomeUnknown));
    let report = failover(a.clone(), b.clone())
        .send_reporting(&message())
        .await;
    let err = report.result.unwrap_err();
    assert!(err.outcome_unknown() && !err.is_retryable(), "{err}");
    assert!(err.message().contains("still unknown"), "{err}");
    assert!(matches!(
        report.attempts[0].settlement,
        Some(Settlement::Unknown(_))
    ));
    assert!(b.attempts().is_empty());
}

#[tokio::test]
async fn a_generated_reference_finds_this_message_and_not_an_earlier_one() {
    let (a, b) = (recording(), recording());
    // An earlier code to the same number went out through the first provider.
    a.send(&message().with_reference("earlier")).await.unwrap();
    a.fail_next(new(ErrorKind::Timeout));
    let report = failover(a.clone(), b.clone())
        .send_reporting(&message())
        .await;
    let reference = report.reference.clone().unwrap();
    assert_eq!(reference.len(), GENERATED_REFERENCE_LEN);
    assert!(reference.bytes().all(|c| c.is_ascii_hexdigit()));
    assert_eq!(report.attempts[0].settlement, Some(Settlement::NotSent));
    assert_eq!(b.sent()[0].reference.as_deref(), Some(reference.as_str()));
    assert_eq!(report.result.unwrap().provider.as_deref(), Some("b"));

    // A caller's own reference is kept.
    let report = failover(a.clone(), b.clone())
        .send_reporting(&message().with_reference("mine"))
        .await;
    assert_eq!(report.reference.as_deref(), Some("mine"));
}

#[tokio::test]
async fn when_every_provider_fails_the_last_one_tried_decides_and_each_is_named() {
    let (a, b) = (recording(), recording());
    a.fail_next(new(ErrorKind::Transport).with_retryable(true));
    b.fail_next(
        ConnectorError::new(ErrorKind::QuotaExceeded, "daily quota used up")
            .with_provider_code("isv.DAY_LIMIT_CONTROL"),
    );
    let err = failover(a, b).send(&message()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::QuotaExceeded);
    assert_eq!(err.provider_code(), Some("isv.DAY_LIMIT_CONTROL"));
    assert_eq!(
        err.message(),
        "`b`: daily quota used up (also tried: `a`: transport: x)"
    );
    assert_eq!(
        std::error::Error::source(&err).unwrap().to_string(),
        "quota_exceeded: daily quota used up (code isv.DAY_LIMIT_CONTROL)"
    );
}

#[tokio::test]
async fn a_reference_longer_than_every_provider_echoes_is_refused_before_any_is_tried() {
    let short = RECORDING_METADATA
        .with_capabilities(RECORDING_METADATA.capabilities.with_max_reference_len(8));
    let (a, b) = (
        recording(),
        Arc::new(RecordingConnector::with_metadata(short)),
    );
    let sms = failover(a.clone(), b.clone());
    // Its capabilities are what every provider can do.
    assert_eq!(sms.metadata().capabilities.max_reference_len, 8);
    assert_eq!(sms.metadata().id, "failover");
    let report = sms
        .send_reporting(&message().with_reference("a-reference-of-many-bytes"))
        .await;
    let refused = report.result.unwrap_err();
    assert_eq!(
        (refused.kind(), refused.field()),
        (ErrorKind::InvalidRequest, Some("reference"))
    );
    assert!(report.attempts.is_empty());
    assert!(a.attempts().is_empty() && b.attempts().is_empty());
    // At the limit, the first provider sends it.
    let receipt = sms
        .send(&message().with_reference("8-bytes!"))
        .await
        .unwrap();
    assert_eq!(receipt.provider.as_deref(), Some("a"));
}

#[tokio::test]
async fn a_dead_first_provider_costs_a_few_attempts_behind_its_breaker() {
    let (a, b) = (recording(), recording());
    a.fail_always(Some(new(ErrorKind::Transport).with_retryable(true)));
    let breaker = Arc::new(CircuitBreaker::new(
        "a",
        a.clone(),
        BreakerPolicy::new(3, Duration::from_secs(600)),
    ));
    let sms = failover(breaker.clone(), b.clone());
    for _ in 0..100 {
        assert_eq!(
            sms.send(&message()).await.unwrap().provider.as_deref(),
            Some("b")
        );
    }
    assert_eq!(a.attempts().len(), 3);
    assert_eq!(b.sent().len(), 100);
    let skipped = sms.send(&message()).await.unwrap();
    assert_eq!(skipped.tried_before[0].1.kind(), ErrorKind::Unavailable);
}

#[tokio::test]
async fn when_every_provider_is_cooling_down_the_error_says_when_to_come_back() {
    let a = recording();
    a.fail_always(Some(new(ErrorKind::Transport).with_retryable(true)));
    let breaker = |name: &str| -> Arc<dyn SmsConnector> {
        Arc::new(CircuitBreaker::new(
            name,
            a.clone(),
            BreakerPolicy::new(1, Duration::from_secs(60)),
        ))
    };
    let sms = failover(breaker("a"), breaker("b"));
    assert_eq!(
        sms.send(&message()).await.unwrap_err().kind(),
        ErrorKind::Transport
    );
    let err = sms.send(&message()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unavailable);
    assert!(
        err.retry_after()
            .is_some_and(|d| d <= Duration::from_secs(60))
    );
    assert!(err.is_transient() && !err.outcome_unknown());
}

#[tokio::test]
async fn a_lookup_asks_every_provider_that_can() {
    let (a, b) = (recording(), recording());
    let sms = failover(a.clone(), b.clone());
    a.fail_next(new(ErrorKind::Transport).with_retryable(true));
    sms.send(&message().with_reference("r1")).await.unwrap();
    let query = DeliveryQuery::for_message(
        &message().with_reference("r1"),
        std::time::SystemTime::now(),
    );
    let report = sms.lookup_delivery(&query).await.unwrap();
    assert_eq!(report.records.len(), 1);
}

/// One row of the rules table: its first column and errors that fit it.
fn rows() -> Vec<(&'static str, Vec<ConnectorError>)> {
    use ErrorKind::*;
    let window = Duration::from_secs(60);
    vec![
        (
            "`Transport`, retryable: no connection was made (refused, DNS, TLS)",
            vec![new(Transport).with_retryable(true)],
        ),
        (
            "`Transport`, outcome known (e.g. a proxy refused the credentials)",
            vec![new(Transport)],
        ),
        (
            "`Timeout`, outcome known (no connection in time)",
            vec![
                new(Timeout).with_outcome_unknown(false),
                new(Timeout)
                    .with_outcome_unknown(false)
                    .with_retryable(true),
            ],
        ),
        (
            "`RateLimited`, retryable: throttled before processing",
            vec![new(RateLimited).with_retryable(true)],
        ),
        (
            "`RateLimited`: a per-number or per-account limit",
            vec![new(RateLimited), new(RateLimited).with_retry_after(window)],
        ),
        (
            "`QuotaExceeded`: a daily or monthly quota, the balance",
            vec![
                new(QuotaExceeded),
                new(QuotaExceeded).with_retry_after(window),
            ],
        ),
        (
            "`Credentials`: key, secret, signature, permission",
            vec![new(Credentials), new(Credentials).with_retryable(true)],
        ),
        ("`Account`: subscription, suspension", vec![new(Account)]),
        (
            "`InvalidConfig`: the provider refused its sign name or template",
            vec![new(InvalidConfig)],
        ),
        (
            "`TemplateNotFound`: no template for this usage type",
            vec![new(TemplateNotFound)],
        ),
        (
            "`Unsupported`: a capability the provider lacks",
            vec![new(Unsupported)],
        ),
        (
            "`Unavailable`: skipped by its circuit breaker",
            vec![new(Unavailable).with_retry_after(window)],
        ),
        (
            "`InvalidResponse`, outcome known: an unreadable refusal (4xx)",
            vec![new(InvalidResponse)],
        ),
        (
            "`Rejected`, retryable: refused before processing (a reused nonce)",
            vec![new(Rejected).with_retryable(true)],
        ),
        (
            "`InvalidRequest`: the number, the parameters, the reference",
            vec![new(InvalidRequest)],
        ),
        ("`Rejected`: the content, for good", vec![new(Rejected)]),
        (
            "`Blocked`: the caller's own policy (a send guard)",
            vec![new(Blocked), new(Blocked).with_retry_after(window)],
        ),
        (
            "`Timeout`: no answer after the request was written",
            vec![new(Timeout)],
        ),
        (
            "`OutcomeUnknown`: a 5xx, a connection lost after writing",
            vec![
                new(OutcomeUnknown),
                new(Transport).with_outcome_unknown(true),
            ],
        ),
        (
            "`InvalidResponse`, outcome unknown: an unreadable 2xx or 5xx",
            vec![new(InvalidResponse).with_outcome_unknown(true)],
        ),
    ]
}

fn rule_row(label: &str, error: &ConnectorError) -> String {
    let next = match AfterError::of(error) {
        AfterError::TryNext => "the next provider",
        AfterError::Stop => "returned, no other provider",
        AfterError::Settle => "settled first (below)",
        _ => "?",
    };
    let health = if CircuitBreaker::is_failure(error) {
        "yes"
    } else {
        "no"
    };
    format!("| {label} | {next} | {health} |")
}

fn documented_rows(path: &str, header: &str) -> Vec<String> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    text.lines()
        .skip_while(|line| !line.starts_with(header))
        .skip(2)
        .take_while(|line| line.starts_with('|'))
        .map(str::to_owned)
        .collect()
}

#[test]
fn the_rules_table_of_the_docs_is_what_the_code_does() {
    let expected: Vec<String> = rows()
        .iter()
        .map(|(label, errors)| {
            let row = rule_row(label, &errors[0]);
            for error in &errors[1..] {
                assert_eq!(rule_row(label, error), row, "{error:?}");
            }
            row
        })
        .collect();
    let docs = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/");
    let english = documented_rows(&format!("{docs}routing-and-failover.md"), "| Error |");
    assert_eq!(english, expected);

    // The Chinese page: the same rows, the same kinds, the same answers in its words.
    let chinese = documented_rows(&format!("{docs}routing-and-failover.zh-CN.md"), "| 错误 |");
    assert_eq!(chinese.len(), english.len(), "{chinese:#?}");
    let translate = |cell: &str| match cell.trim() {
        "下一个服务商" => "the next provider",
        "直接返回，不再尝试其他服务商" => "returned, no other provider",
        "先核实（见下文）" => "settled first (below)",
        "是" => "yes",
        "否" => "no",
        other => panic!("an unknown answer in the Chinese table: {other}"),
    };
    for (en, zh) in english.iter().zip(&chinese) {
        let (en, zh): (Vec<&str>, Vec<&str>) = (en.split('|').collect(), zh.split('|').collect());
        let kind = |cell: &str| cell.split('`').nth(1).map(str::to_owned);
        assert_eq!(kind(en[1]), kind(zh[1]), "{zh:?}");
        assert_eq!(
            (en[2].trim(), en[3].trim()),
            (translate(zh[2]), translate(zh[3])),
            "{zh:?}"
        );
        let flags = |cell: &str, words: [&str; 3]| words.map(|w| cell.contains(w));
        assert_eq!(
            flags(en[1], ["retryable", "outcome known", "outcome unknown"]),
            flags(zh[1], ["可重试", "结果已知", "结果未知"]),
            "{zh:?}"
        );
    }
    // Every kind has a row.
    for kind in ErrorKind::ALL {
        assert!(
            rows()
                .iter()
                .any(|(_, errors)| errors.iter().any(|e| e.kind() == kind)),
            "{kind} has no row"
        );
    }
}

/// Sends for real, then loses the answer (outcome unknown); its delivery lookups fail.
#[derive(Debug, Default)]
struct SentButLookupsFail {
    delivered: std::sync::Mutex<Vec<SmsMessage>>,
}

#[async_trait]
impl SmsConnector for SentButLookupsFail {
    fn metadata(&self) -> &ConnectorMetadata {
        &RECORDING_METADATA
    }

    async fn send(&self, message: &SmsMessage) -> Result<Receipt, ConnectorError> {
        self.delivered.lock().unwrap().push(message.clone());
        Err(ConnectorError::new(
            ErrorKind::Timeout,
            "no answer after the request was written",
        )
        .with_outcome_unknown(true))
    }

    async fn lookup_delivery(&self, _: &DeliveryQuery) -> Result<DeliveryReport, ConnectorError> {
        Err(
            ConnectorError::new(ErrorKind::Transport, "lookup: connection refused")
                .with_retryable(true),
        )
    }
}

/// A Failover nested in a Failover: the inner one's lookup must not hide that its first
/// provider's lookup failed, or the outer one settles "not sent" and sends a second code.
#[tokio::test]
async fn nested_failover_never_sends_twice_when_a_lookup_fails() {
    let lost = Arc::new(SentButLookupsFail::default());
    let (idle, third) = (recording(), recording());
    let inner = failover(lost.clone(), idle.clone());
    let outer = failover(Arc::new(inner), third.clone());
    let result = outer.send(&message()).await;
    let deliveries = lost.delivered.lock().unwrap().len() + third.sent().len() + idle.sent().len();
    assert_eq!(
        deliveries, 1,
        "the code went out {deliveries} times; the outer failover got {result:?}"
    );
    assert!(result.unwrap_err().outcome_unknown());
}

/// The Failover hands an unknown outcome back to the caller; the caller's own lookup through
/// the same Failover cannot say "nothing found" while the provider that may have sent it could
/// not be asked.
#[tokio::test]
async fn a_failover_lookup_that_could_not_ask_the_sender_is_not_an_empty_answer() {
    let lost = Arc::new(SentButLookupsFail::default());
    let sms = failover(lost.clone(), recording());
    let report = sms.send_reporting(&message()).await;
    assert!(report.result.as_ref().unwrap_err().outcome_unknown());
    let query = DeliveryQuery::for_message(
        &message().with_reference(report.reference.clone().unwrap()),
        std::time::SystemTime::now(),
    );
    let looked_up = sms.lookup_delivery(&query).await;
    assert!(
        looked_up.is_err(),
        "the message went out through `a`, whose lookup failed; the failover answered {looked_up:?}"
    );
    let error = looked_up.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Transport);
    assert!(error.message().starts_with("`a`: "), "{error}");
}

/// A provider that cannot look delivery up may have sent the message: nothing found elsewhere
/// is `Unsupported`, not an empty report; a record found elsewhere is the answer.
#[tokio::test]
async fn a_failover_lookup_with_a_provider_that_cannot_look_finds_or_is_unsupported() {
    let blind = Arc::new(RecordingConnector::with_metadata(
        RECORDING_METADATA.with_capabilities(connector_kit::Capabilities::new()),
    ));
    let seeing = recording();
    let sms = failover(blind, seeing.clone());
    let query = DeliveryQuery::for_message(
        &message().with_reference("r1"),
        std::time::SystemTime::now(),
    );
    let error = sms.lookup_delivery(&query).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Unsupported);
    assert!(
        error.message().contains("`a` cannot look delivery up"),
        "{error}"
    );
    seeing.send(&message().with_reference("r1")).await.unwrap();
    assert_eq!(sms.lookup_delivery(&query).await.unwrap().records.len(), 1);
}

/// A settle wait of `Duration::MAX` ("look until found") neither panics nor ends the lookups.
#[tokio::test]
async fn a_long_settle_wait_does_not_panic() {
    let sms = Failover::new()
        .with_provider("lost", Arc::new(SentButLookupsFail::default()))
        .with_settle(SettlePolicy::new(Duration::MAX, Duration::from_millis(10)))
        .with_sleep(Sleep::new(tokio::time::sleep));
    let outcome = tokio::spawn(async move {
        tokio::time::timeout(Duration::from_millis(100), sms.send(&message())).await
    })
    .await;
    assert!(outcome.is_ok(), "the send panicked: {outcome:?}");
    assert!(outcome.unwrap().is_err(), "still looking up after 100 ms");
}
