//! The checks, in one run of the suite.

use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use connector_kit::{
    ConnectorError, ConnectorFactory, DeliveryQuery, DeliveryReport, ErrorKind, Receipt, Redactor,
    SmsConnector, SmsMessage, UsageType,
};
use schemars::SchemaGenerator;

use crate::report::{CheckResult, Outcome, Report};
use crate::suite::{Check, Conformance, Delivered, ErrorSource, Prepare};

/// Runs every check of `suite`.
pub(crate) async fn run(suite: Conformance) -> Report {
    let redactor = Redactor::new(suite.secrets.iter().map(String::as_str));
    let mut run = Run {
        suite,
        results: Vec::new(),
        errors: Vec::new(),
        error_case_problems: Vec::new(),
        shown: Vec::new(),
        first_receipt: None,
    };
    for check in Check::ALL {
        let outcome = match run.declared(check) {
            Some(reason) => Outcome::NotApplicable(reason),
            None => run.check(check).await,
        };
        run.results.push(CheckResult { check, outcome });
    }
    Report {
        connector: run.suite.connector.metadata().id,
        checks: run.results,
        errors: run.errors,
        redactor,
    }
}

/// A check's verdict: what was verified, or what went wrong.
type Verdict = Result<String, String>;

/// The state of one run.
struct Run {
    suite: Conformance,
    results: Vec<CheckResult>,
    /// Every error the connector produced, with the case that produced it.
    errors: Vec<(String, ConnectorError)>,
    /// Error cases that did not produce an error.
    error_case_problems: Vec<String>,
    /// `Debug` renderings of receipts and reports, for the secrets check.
    shown: Vec<(String, String)>,
    /// The receipt of the `send` check, for the delivery lookup check.
    first_receipt: Option<Receipt>,
}

/// A reference unique to this run, `len` bytes of ASCII letters and digits.
fn unique_reference(len: usize) -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let unique = format!("{:016x}", nanos as u64);
    if len >= unique.len() {
        format!("{}{unique}", "r".repeat(len - unique.len()))
    } else {
        unique[unique.len() - len..].to_owned()
    }
}

fn digits(text: &str) -> String {
    text.chars().filter(char::is_ascii_digit).collect()
}

impl Run {
    fn declared(&self, check: Check) -> Option<String> {
        self.suite
            .not_applicable
            .iter()
            .find(|(c, _)| *c == check)
            .map(|(_, reason)| reason.clone())
    }

    async fn check(&mut self, check: Check) -> Outcome {
        let verdict = match check {
            Check::Metadata => self.metadata(),
            Check::Factory => match self.suite.factory.clone() {
                Some((factory, config)) => self.factory(factory.as_ref(), &config),
                None => return skipped("call `.factory(factory, config_json)`"),
            },
            Check::Send => self.send().await,
            Check::TemplateFallback => match self.suite.fallback.clone() {
                Some((usage, template)) => self.fallback(usage, template).await,
                None => return skipped("call `.fallback(usage_type_without_template, ...)`"),
            },
            Check::TemplateNotFound => match self.suite.without_generic.clone() {
                Some((connector, usage)) => self.template_not_found(connector, usage).await,
                None => return skipped("call `.without_generic(connector, usage_type)`"),
            },
            Check::ContextNotSent => match self.suite.inbox.is_some() {
                true => self.context_not_sent().await,
                false => return skipped("call `.inbox(...)`: only the stand-in can tell"),
            },
            Check::Reference => self.reference().await,
            Check::DeliveryLookup => self.delivery_lookup().await,
            Check::Deadline => match self.suite.stall.take() {
                Some((deadline, prepare)) => {
                    // The error cases run first: the deadline's stalled send may still land
                    // in the stand-in after the check.
                    self.run_error_cases().await;
                    self.deadline(deadline, prepare).await
                }
                None => return skipped("call `.stall(deadline, make_the_stand_in_stall)`"),
            },
            Check::Errors => {
                self.run_error_cases().await;
                self.errors()
            }
            Check::Secrets => match self.suite.secrets.is_empty() {
                false => self.secrets(),
                true => return skipped("call `.secrets([...])` with the config's secrets"),
            },
        };
        match verdict {
            Ok(detail) => Outcome::Passed(detail),
            Err(problem) => Outcome::Failed(problem),
        }
    }

    fn metadata(&self) -> Verdict {
        let m = self.suite.connector.metadata();
        let mut problems = Vec::new();
        let id_ok = !m.id.is_empty()
            && m.id
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !id_ok {
            problems.push(format!(
                "id `{}` is not lower-case letters, digits and dashes",
                m.id
            ));
        }
        if m.target.is_empty() {
            problems.push("the target is empty".to_owned());
        }
        for (what, text) in [("name", m.name), ("description", m.description)] {
            if !text
                .0
                .iter()
                .any(|(locale, t)| *locale == "en" && !t.is_empty())
            {
                problems.push(format!("the {what} has no English text"));
            }
        }
        if m.capabilities.max_recipients == 0 {
            problems.push("max_recipients is 0".to_owned());
        }
        match problems.is_empty() {
            true => Ok(format!("`{}` ({})", m.id, m.name.get("en"))),
            false => Err(problems.join("; ")),
        }
    }

    fn factory(&mut self, factory: &dyn ConnectorFactory, config: &str) -> Verdict {
        let expected = self.suite.connector.metadata();
        if factory.metadata() != expected {
            return Err(format!(
                "the factory's metadata (`{}`) differs from the connector's (`{}`)",
                factory.metadata().id,
                expected.id
            ));
        }
        let built = factory
            .build(config)
            .map_err(|e| format!("the factory refuses the connector's config: {e}"))?;
        self.shown.push((
            "the factory's connector".into(),
            format!("{built:?} {built:#?}"),
        ));
        if built.metadata() != expected {
            return Err("the connector the factory builds has other metadata".to_owned());
        }
        let schema = factory.config_schema(&mut SchemaGenerator::default());
        let is_object = schema.get("type").and_then(|t| t.as_str()) == Some("object")
            || schema.get("properties").is_some();
        if !is_object {
            return Err(format!("the config schema describes no object: {schema:?}"));
        }
        match factory.build("{ not json") {
            Ok(_) => Err("the factory accepts a config that is not JSON".to_owned()),
            Err(error) => {
                let kind = error.kind();
                self.errors
                    .push(("factory: a config that is not JSON".into(), error));
                match kind {
                    ErrorKind::InvalidConfig => Ok(format!(
                        "builds `{}` from its config; an object schema; a bad config is invalid_config",
                        expected.id
                    )),
                    other => Err(format!(
                        "a config that is not JSON gives {other}, not invalid_config"
                    )),
                }
            }
        }
    }

    fn message(&self, usage: UsageType, code: &str) -> SmsMessage {
        SmsMessage::verification_code(self.suite.recipient.clone(), usage, code)
    }

    fn inbox_len(&self) -> Option<usize> {
        self.suite.inbox.as_ref().map(|inbox| inbox().len())
    }

    /// What the stand-in received since it held `before` messages (`None`: no inbox).
    fn delivered_since(&self, before: Option<usize>) -> Option<Vec<Delivered>> {
        let inbox = self.suite.inbox.as_ref()?;
        Some(inbox().into_iter().skip(before.unwrap_or(0)).collect())
    }

    /// Sends on a task of its own, through the trait object, within the send timeout.
    async fn send_through(
        &mut self,
        connector: &Arc<dyn SmsConnector>,
        message: SmsMessage,
    ) -> Result<Result<Receipt, ConnectorError>, String> {
        let connector = Arc::clone(connector);
        let task = tokio::spawn(async move { connector.send(&message).await });
        let result = self.bounded(task).await?;
        if let Ok(receipt) = &result {
            self.shown
                .push(("a receipt".into(), format!("{receipt:?}")));
        }
        Ok(result)
    }

    async fn lookup(
        &mut self,
        query: DeliveryQuery,
    ) -> Result<Result<DeliveryReport, ConnectorError>, String> {
        let connector = Arc::clone(&self.suite.connector);
        let task = tokio::spawn(async move { connector.lookup_delivery(&query).await });
        let result = self.bounded(task).await?;
        if let Ok(report) = &result {
            self.shown
                .push(("a delivery report".into(), format!("{report:?}")));
        }
        Ok(result)
    }

    async fn bounded<T>(&self, task: tokio::task::JoinHandle<T>) -> Result<T, String> {
        let limit = self.suite.send_timeout;
        let abort = task.abort_handle();
        match tokio::time::timeout(limit, task).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(error)) if error.is_panic() => {
                let panic = error.into_panic();
                let text = panic
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_default();
                Err(format!("the connector panicked: {text}"))
            }
            Ok(Err(error)) => Err(format!("the task failed: {error}")),
            Err(_) => {
                abort.abort();
                Err(format!("no answer within {limit:?}"))
            }
        }
    }

    /// Sends `message`, which must succeed and reach the stand-in (when there is an inbox) as
    /// one message to the recipient carrying `code`: that message.
    async fn send_one(
        &mut self,
        case: &str,
        message: SmsMessage,
    ) -> Result<(Receipt, Option<Delivered>), String> {
        let code = message
            .params
            .verification_code()
            .unwrap_or_default()
            .to_owned();
        let before = self.inbox_len();
        let connector = Arc::clone(&self.suite.connector);
        let receipt = match self.send_through(&connector, message).await? {
            Ok(receipt) => receipt,
            Err(error) => {
                let text = format!("{case}: the send failed: {error}");
                self.errors.push((case.to_owned(), error));
                return Err(text);
            }
        };
        let Some(new) = self.delivered_since(before) else {
            return Ok((receipt, None));
        };
        let [delivered] = new.as_slice() else {
            return Err(format!(
                "{case}: the stand-in received {} messages, not 1",
                new.len()
            ));
        };
        let (got, want) = (digits(&delivered.to), self.suite.recipient.digits());
        if !(got.ends_with(want) || want.ends_with(&got)) || got.is_empty() {
            return Err(format!(
                "{case}: the stand-in got a message to {}, not to {want}",
                delivered.to
            ));
        }
        if !delivered.text.contains(&code) {
            return Err(format!(
                "{case}: the message the stand-in got does not carry the code {code}"
            ));
        }
        Ok((receipt, Some(delivered.clone())))
    }

    async fn send(&mut self) -> Verdict {
        let message = self.message(UsageType::SignIn, "135791");
        let (receipt, delivered) = self.send_one("send", message).await?;
        let id = receipt.message_id.clone().unwrap_or_else(|| "none".into());
        self.first_receipt = Some(receipt);
        Ok(format!(
            "SignIn sent, message id {id}{}",
            if delivered.is_some() {
                "; the stand-in got it with the code"
            } else {
                ""
            }
        ))
    }

    async fn fallback(&mut self, usage: UsageType, generic: Option<String>) -> Verdict {
        let (_, delivered) = self
            .send_one("fallback", self.message(usage, "246802"))
            .await?;
        match (delivered.and_then(|d| d.template), generic) {
            (Some(got), Some(want)) if got != want => Err(format!(
                "{usage} went out with template {got}, not Generic's {want}"
            )),
            (Some(got), Some(_)) => Ok(format!("{usage} went out with Generic's template {got}")),
            _ => Ok(format!("{usage} was sent")),
        }
    }

    async fn template_not_found(
        &mut self,
        connector: Arc<dyn SmsConnector>,
        usage: UsageType,
    ) -> Verdict {
        let before = self.inbox_len();
        let result = self
            .send_through(&connector, self.message(usage, "111111"))
            .await?;
        let error = match result {
            Ok(_) => {
                return Err(format!(
                    "{usage} with no template and no Generic one was sent"
                ));
            }
            Err(error) => error,
        };
        let (kind, unknown) = (error.kind(), error.outcome_unknown());
        self.errors.push(("template_not_found".into(), error));
        if kind != ErrorKind::TemplateNotFound || unknown {
            return Err(format!(
                "gave {kind} (outcome unknown: {unknown}), not template_not_found with nothing sent"
            ));
        }
        match self.delivered_since(before) {
            Some(new) if !new.is_empty() => {
                Err("refused, yet the stand-in received a message".into())
            }
            _ => Ok(format!(
                "{usage} refused with template_not_found, nothing sent"
            )),
        }
    }

    async fn context_not_sent(&mut self) -> Verdict {
        let ip = IpAddr::V4(Ipv4Addr::new(203, 0, 113, 77));
        let locale = "en-US";
        let message = self
            .message(UsageType::SignIn, "314159")
            .with_ip(ip)
            .with_locale(locale);
        let (_, delivered) = self.send_one("context", message).await?;
        let delivered = delivered.ok_or("no inbox")?;
        for leaked in [ip.to_string(), locale.to_owned()] {
            if delivered.text.contains(&leaked) {
                return Err(format!(
                    "the caller's context ({leaked}) reached the provider"
                ));
            }
        }
        Ok("the IP address and the locale stayed with the caller".into())
    }

    async fn reference(&mut self) -> Verdict {
        let capabilities = self.suite.connector.metadata().capabilities;
        let max = capabilities.max_reference_len;
        let mut verified = Vec::new();

        // One byte too many: refused before anything is sent.
        let too_long = self
            .message(UsageType::SignIn, "161803")
            .with_reference(unique_reference(max + 1));
        let before = self.inbox_len();
        let connector = Arc::clone(&self.suite.connector);
        match self.send_through(&connector, too_long).await? {
            Ok(_) => {
                return Err(format!(
                    "a reference of {} bytes was sent (max_reference_len is {max})",
                    max + 1
                ));
            }
            Err(error) => {
                let (kind, field, unknown) = (
                    error.kind(),
                    error.field().map(String::from),
                    error.outcome_unknown(),
                );
                self.errors
                    .push(("reference: one byte too long".into(), error));
                if kind != ErrorKind::InvalidRequest
                    || field.as_deref() != Some("reference")
                    || unknown
                {
                    return Err(format!(
                        "a reference of {} bytes gave {kind} at {field:?}, not invalid_request at `reference`",
                        max + 1
                    ));
                }
            }
        }
        if self
            .delivered_since(before)
            .is_some_and(|new| !new.is_empty())
        {
            return Err("a refused reference still reached the stand-in".into());
        }
        verified.push(format!("{} bytes refused", max + 1));
        if max == 0 {
            return Ok(format!("no reference is echoed; {}", verified.join("; ")));
        }

        // The longest: goes out, and comes back.
        let reference = unique_reference(max);
        let message = self
            .message(UsageType::SignIn, "271828")
            .with_reference(reference.clone());
        let sent_at = SystemTime::now();
        let (receipt, delivered) = self.send_one("reference", message.clone()).await?;
        verified.push(format!("{max} bytes sent"));
        if let Some(delivered) = delivered {
            if delivered.reference.as_deref() != Some(reference.as_str()) {
                return Err(format!(
                    "the stand-in got reference {:?}, not the one sent",
                    delivered.reference
                ));
            }
            verified.push("the stand-in got it whole".into());
        }
        if capabilities.delivery_lookup {
            let mut query = DeliveryQuery::for_message(&message, sent_at);
            if let Some(id) = receipt.message_id {
                query = query.with_message_id(id);
            }
            let report = self.look_until_found(query).await?;
            if !report
                .records
                .iter()
                .all(|r| r.reference.as_deref() == Some(reference.as_str()))
            {
                return Err("a delivery lookup by reference answered other references".into());
            }
            verified.push("a delivery lookup gives it back".into());
        }
        Ok(verified.join("; "))
    }

    /// Looks `query` up until a record comes back (providers list a message a little after
    /// accepting it): at most 10 tries, 200 ms apart.
    async fn look_until_found(&mut self, query: DeliveryQuery) -> Result<DeliveryReport, String> {
        for _ in 0..10 {
            match self.lookup(query.clone()).await? {
                Ok(report) if report.was_sent() => return Ok(report),
                Ok(_) => tokio::time::sleep(Duration::from_millis(200)).await,
                Err(error) => {
                    let text = format!("the delivery lookup failed: {error}");
                    self.errors.push(("delivery lookup".into(), error));
                    return Err(text);
                }
            }
        }
        Err("a delivery lookup did not find a message that was sent".into())
    }

    async fn delivery_lookup(&mut self) -> Verdict {
        let supported = self.suite.connector.metadata().capabilities.delivery_lookup;
        let never_sent = DeliveryQuery::new(self.suite.recipient.clone(), SystemTime::now())
            .with_reference(format!("never-{}", unique_reference(12)));
        if !supported {
            return match self.lookup(never_sent).await? {
                Ok(_) => {
                    Err("answered a delivery lookup without the delivery_lookup capability".into())
                }
                Err(error) => {
                    let (kind, unknown) = (error.kind(), error.outcome_unknown());
                    self.errors
                        .push(("delivery lookup (unsupported)".into(), error));
                    match kind == ErrorKind::Unsupported && !unknown {
                        true => Ok("unsupported, as the capability says".into()),
                        false => Err(format!(
                            "a delivery lookup without the capability gave {kind}, not unsupported"
                        )),
                    }
                }
            };
        }
        let mut verified = Vec::new();
        if let Some(id) = self
            .first_receipt
            .as_ref()
            .and_then(|r| r.message_id.clone())
        {
            let query = DeliveryQuery::new(self.suite.recipient.clone(), SystemTime::now())
                .with_message_id(id.clone());
            self.look_until_found(query).await?;
            verified.push(format!("message {id} found by its id"));
        }
        match self.lookup(never_sent).await? {
            // A record with another reference is a message that is not the one asked about; a
            // record without one (a provider that does not always echo references) may be it,
            // which is what a caller settling an unknown outcome must be told.
            Ok(report) if report.records.iter().any(|r| r.reference.is_some()) => {
                return Err("a lookup for a reference never sent found messages".into());
            }
            Ok(report) if report.was_sent() => verified.push(format!(
                "for a reference never sent, only {} record(s) without a reference (may be it)",
                report.records.len()
            )),
            Ok(_) => verified.push("nothing found for a reference never sent".into()),
            Err(error) => {
                let text = format!("a lookup that finds nothing failed: {error}");
                self.errors
                    .push(("delivery lookup (nothing to find)".into(), error));
                return Err(text);
            }
        }
        Ok(verified.join("; "))
    }

    async fn run_error_cases(&mut self) {
        for (name, source) in std::mem::take(&mut self.suite.error_cases) {
            let connector = match source {
                ErrorSource::Made(error) => {
                    self.errors.push((name, error));
                    continue;
                }
                ErrorSource::Prepare(prepare) => {
                    prepare();
                    Arc::clone(&self.suite.connector)
                }
                ErrorSource::Connector(connector) => connector,
            };
            match self
                .send_through(&connector, self.message(UsageType::SignIn, "999000"))
                .await
            {
                Ok(Err(error)) => self.errors.push((name, error)),
                Ok(Ok(_)) => self.error_case_problems.push(format!(
                    "case `{name}` sent the message: it must make the send fail"
                )),
                Err(problem) => self
                    .error_case_problems
                    .push(format!("case `{name}`: {problem}")),
            }
        }
    }

    async fn deadline(&mut self, deadline: Duration, prepare: Prepare) -> Verdict {
        prepare();
        let slack = Duration::from_millis(250) + deadline / 4;
        let started = tokio::time::Instant::now();
        let connector = Arc::clone(&self.suite.connector);
        let result = self
            .send_through(&connector, self.message(UsageType::SignIn, "424242"))
            .await?;
        let elapsed = started.elapsed();
        let error = match result {
            Ok(_) => return Err("the stalled send succeeded: the stall did not stall".into()),
            Err(error) => error,
        };
        let unknown = error.outcome_unknown();
        self.errors.push(("deadline: a stalled send".into(), error));
        if elapsed > deadline + slack {
            return Err(format!(
                "the send took {elapsed:?}, past its deadline of {deadline:?}"
            ));
        }
        if !unknown {
            return Err(
                "the stand-in received the request, yet the error says nothing was sent".into(),
            );
        }
        Ok(format!(
            "returned after {elapsed:?} (deadline {deadline:?}) with an unknown outcome"
        ))
    }

    fn errors(&self) -> Verdict {
        let mut problems = self.error_case_problems.clone();
        for (case, error) in &self.errors {
            if let Some(contradiction) = error.contradiction() {
                problems.push(format!("{case}: {} error {contradiction}", error.kind()));
            }
            if error.message().is_empty() {
                problems.push(format!("{case}: a {} error with no message", error.kind()));
            }
        }
        match problems.is_empty() {
            true => Ok(format!("{} errors, each consistent", self.errors.len())),
            false => Err(problems.join("; ")),
        }
    }

    fn secrets(&self) -> Verdict {
        let redactor = Redactor::new(self.suite.secrets.iter().map(String::as_str));
        let mut texts: Vec<(String, String)> = vec![(
            "the connector's Debug".into(),
            format!("{:?} {:#?}", self.suite.connector, self.suite.connector),
        )];
        if let Some((connector, _)) = &self.suite.without_generic {
            texts.push((
                "the Debug of the connector without Generic".into(),
                format!("{connector:?} {connector:#?}"),
            ));
        }
        for (name, shown) in self.suite.inspected.iter().chain(&self.shown) {
            texts.push((format!("the Debug of {name}"), shown.clone()));
        }
        for (case, error) in &self.errors {
            let mut text = format!("{error} {error:?} {error:#?}");
            let mut source = std::error::Error::source(error);
            while let Some(inner) = source {
                text.push_str(&format!(" {inner} {inner:?}"));
                source = inner.source();
            }
            texts.push((format!("the error of {case}"), text));
        }
        let leaks: Vec<_> = texts
            .iter()
            .filter(|(_, text)| redactor.finds_secret_in(text))
            .map(|(name, _)| name.as_str())
            .collect();
        match leaks.is_empty() {
            true => Ok(format!("no secret in {} texts", texts.len())),
            false => Err(format!("a secret appears in {}", leaks.join(", "))),
        }
    }
}

fn skipped(what: &str) -> Outcome {
    Outcome::Skipped(format!("not set up: {what}, or declare it not applicable"))
}
