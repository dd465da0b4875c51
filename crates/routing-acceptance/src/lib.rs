//! The harness of routing and failover's acceptance tests: providers served by the emulator on
//! loopback, broken on purpose in the ways a provider breaks, their deliveries read back from
//! the emulator's inbox.
//!
//! Each kind of provider is one entry of [`KINDS`] (Aliyun and Tencent): how to start its
//! emulated endpoint, the config of its connector, how to make it fail in its own API's shape.
//! The tests run every ordered pair of kinds ([`pairs`]: each kind with itself, two accounts of
//! it, and each mixed pair both ways), so another provider joins the whole matrix with one
//! entry.
#![forbid(unsafe_code)]

use std::sync::Arc;
use std::time::Duration;

use aliyun_sms::AliyunSmsFactory;
use aliyun_sms_emulator::{
    DEMO_ACCESS_KEY_SECRET, DEMO_TENCENT_SECRET_KEY, Emulator, EmulatorConfig, Fault, Limits,
    Provider, TencentAccount, TencentLimits, demo_connector_config, demo_tencent_connector_config,
    start,
};
use connector_kit::{Registry, Routing, RoutingFactory, Sleep, async_trait};
use serde_json::{Value, json};
use tencent_sms::TencentSmsFactory;

/// Every kind of provider the emulator serves.
pub const KINDS: &[&dyn ProviderKind] = &[&Emulated::Aliyun, &Emulated::Tencent];

/// The recipient of the tests' messages (a mainland number: the demo accounts' mainland
/// templates), as the providers' refusals name it.
pub const TO: &str = "+8613800138000";

/// A connector's timeout in these tests: a send that gets no answer ends after it.
pub const TIMEOUT_MS: u64 = 1000;

/// How long settling looks a send of unknown outcome up (`settle.waitMs`).
pub const SETTLE_WAIT_MS: u64 = 300;

/// What goes wrong with a provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trouble {
    /// Nothing listens at its endpoint: the connection is refused.
    Refused,
    /// Its config has a wrong secret: the signature does not match.
    WrongSecret,
    /// Its config has a sign name the account did not get approved.
    UnapprovedSignName,
    /// The API throttles the request before processing it.
    Throttled,
    /// The daily quota is used up.
    QuotaExhausted,
    /// The account cannot send (suspended).
    AccountSuspended,
    /// The per-number limit is reached.
    NumberLimit,
    /// The provider refuses the number.
    InvalidNumber,
    /// The provider refuses the content for good.
    ContentRejected,
    /// A 4xx answer that is not the provider's JSON (a gateway's error page).
    UnreadableRefusal,
    /// The provider's internal-error answer (Aliyun's HTTP 500, Tencent's `InternalError`)
    /// without sending: the outcome is unknown, and lookups find nothing.
    InternalError,
    /// The connection closes after the request was written, nothing sent.
    ConnectionClosed,
    /// A 200 answer that is not JSON, nothing sent.
    UnreadableAnswer,
    /// The message is sent at once and the answer comes too late: lookups find it.
    AnsweredLate,
    /// The same, and every lookup fails: the outcome stays unknown.
    AnsweredLateLookupsFail,
    /// No answer in time after the request was written (not processed yet), and every lookup
    /// fails: the outcome stays unknown.
    TimeoutLookupsFail,
    /// Every request from now on is held without an answer: a dead provider that still
    /// accepts connections (not in [`Trouble::ALL`], the matrix's list: the breaker's tests).
    Hangs,
}

impl Trouble {
    /// Every trouble, in the order the matrix lists them.
    pub const ALL: [Trouble; 16] = [
        Trouble::Refused,
        Trouble::WrongSecret,
        Trouble::UnapprovedSignName,
        Trouble::Throttled,
        Trouble::QuotaExhausted,
        Trouble::AccountSuspended,
        Trouble::NumberLimit,
        Trouble::InvalidNumber,
        Trouble::ContentRejected,
        Trouble::UnreadableRefusal,
        Trouble::InternalError,
        Trouble::ConnectionClosed,
        Trouble::UnreadableAnswer,
        Trouble::AnsweredLate,
        Trouble::AnsweredLateLookupsFail,
        Trouble::TimeoutLookupsFail,
    ];
}

/// One message as a provider's endpoint delivered it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    /// The recipient's digits.
    pub to: String,
    /// The verification code it carried.
    pub code: String,
    /// Everything the phone and the provider got that could carry text.
    pub text: String,
    /// The caller's reference it was sent with.
    pub reference: Option<String>,
}

/// A kind of provider the emulator serves.
#[async_trait]
pub trait ProviderKind: Sync {
    /// Its name in test output.
    fn name(&self) -> &'static str;

    /// Adds its connector's factory.
    fn register(&self, registry: Registry) -> Registry;

    /// Starts an emulated endpoint with one account, no per-number limits.
    async fn start(&self) -> Arc<dyn Gateway>;
}

/// A provider's emulated endpoint.
pub trait Gateway: Send + Sync {
    /// The id of its connector in the registry.
    fn connector_id(&self) -> &'static str;

    /// Its connector's config (timeout [`TIMEOUT_MS`], one attempt a send), broken as
    /// `trouble` says where the trouble is in the config.
    fn config(&self, trouble: Option<Trouble>) -> Value;

    /// Makes the next request go wrong as `trouble` says (and the lookups after it, for the
    /// troubles whose lookups fail).
    fn inject(&self, trouble: Trouble);

    /// Drops every fault not used yet.
    fn reset(&self);

    /// Everything it delivered.
    fn deliveries(&self) -> Vec<Delivery>;

    /// The requests it received (sends and lookups).
    fn requests_seen(&self) -> u64;

    /// The secrets of its configs (the good one and the wrong one), which nothing may show.
    fn secrets(&self) -> Vec<String>;
}

/// A provider the emulator serves, by its demo account (without per-number limits).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Emulated {
    /// Aliyun SMS.
    Aliyun,
    /// Tencent Cloud SMS.
    Tencent,
}

impl Emulated {
    /// The provider its deliveries are recorded for in the emulator's inbox.
    fn provider(self) -> Provider {
        match self {
            Emulated::Aliyun => Provider::Aliyun,
            Emulated::Tencent => Provider::Tencent,
        }
    }
}

#[async_trait]
impl ProviderKind for Emulated {
    fn name(&self) -> &'static str {
        self.provider().as_str()
    }

    fn register(&self, registry: Registry) -> Registry {
        match self {
            Emulated::Aliyun => registry.with(AliyunSmsFactory),
            Emulated::Tencent => registry.with(TencentSmsFactory),
        }
        .expect("registered once")
    }

    async fn start(&self) -> Arc<dyn Gateway> {
        let config = EmulatorConfig::demo()
            .limits(Limits::off())
            .tencent(TencentAccount::demo().limits(TencentLimits::off()));
        let emulator = start(config)
            .await
            .expect("the emulator starts on loopback");
        Arc::new(EmulatedGateway {
            emulator,
            account: *self,
        })
    }
}

/// The secret of [`Trouble::WrongSecret`]'s Aliyun config.
const WRONG_ALIYUN_SECRET: &str = "NotTheDemoSecretAtAll";
/// The secret of [`Trouble::WrongSecret`]'s Tencent config.
const WRONG_TENCENT_SECRET: &str = "NotTheDemoTencentSecretKeyAtAll";

/// One emulator serving one provider's demo account; its connector's config and its faults in
/// that provider's shape.
struct EmulatedGateway {
    emulator: Emulator,
    account: Emulated,
}

impl EmulatedGateway {
    /// The provider's refusal of the send, as its API answers it.
    fn refusal(&self, trouble: Trouble) -> Fault {
        match self.account {
            Emulated::Tencent => tencent_refusal(trouble),
            Emulated::Aliyun => aliyun_refusal(trouble),
        }
    }
}

/// A port on 127.0.0.1 with nothing listening.
fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    listener.local_addr().expect("its address").port()
}

fn json_answer(body: &Value) -> Fault {
    Fault::respond(200, "application/json;charset=utf-8", body.to_string())
}

/// Aliyun's answer (HTTP 200, `Code`) to a send it refuses for `trouble`.
fn aliyun_refusal(trouble: Trouble) -> Fault {
    let (code, message) = match trouble {
        Trouble::QuotaExhausted => ("isv.DAY_LIMIT_CONTROL", "触发日发送限额"),
        Trouble::AccountSuspended => ("isv.ACCOUNT_ABNORMAL", "账户异常"),
        Trouble::NumberLimit => ("isv.BUSINESS_LIMIT_CONTROL", "触发分钟级流控Permits:1"),
        Trouble::InvalidNumber => ("isv.MOBILE_NUMBER_ILLEGAL", "非法手机号"),
        Trouble::ContentRejected => ("isv.BLACK_KEY_CONTROL_LIMIT", "黑名单管控"),
        other => unreachable!("{other:?} is not a refusal"),
    };
    json_answer(&json!({
        "RequestId": "F655A8D5-B967-440B-8683-DAD6FF8DE990",
        "Code": code,
        "Message": message,
    }))
}

/// Tencent's answer (HTTP 200) to a send it refuses for `trouble`: the whole request refused
/// (`Response.Error`), or the number's `SendStatusSet` entry, as Tencent reports each code.
fn tencent_refusal(trouble: Trouble) -> Fault {
    let request_id = "5f2e7d9a-1c3b-4e8f-9a6d-2b7c4e1f8a30";
    let (code, message, per_number) = match trouble {
        Trouble::QuotaExhausted => (
            "LimitExceeded.AppDailyLimit",
            "The daily sending limit of the application is exceeded.",
            true,
        ),
        Trouble::AccountSuspended => (
            "UnauthorizedOperation.SdkAppIdIsDisabled",
            "The SdkAppId is disabled.",
            false,
        ),
        Trouble::NumberLimit => (
            "LimitExceeded.PhoneNumberThirtySecondLimit",
            "The number of SMS messages sent to a single number within 30 seconds exceeds the limit.",
            true,
        ),
        Trouble::InvalidNumber => (
            "InvalidParameterValue.IncorrectPhoneNumber",
            "The phone number format is incorrect.",
            true,
        ),
        Trouble::ContentRejected => (
            "FailedOperation.ContainSensitiveWord",
            "The content contains sensitive words.",
            false,
        ),
        other => unreachable!("{other:?} is not a refusal"),
    };
    let response = if per_number {
        json!({
            "SendStatusSet": [{
                "SerialNo": "", "PhoneNumber": TO, "Fee": 0, "SessionContext": "",
                "Code": code, "Message": message, "IsoCode": "CN",
            }],
            "RequestId": request_id,
        })
    } else {
        json!({"Error": {"Code": code, "Message": message}, "RequestId": request_id})
    };
    json_answer(&json!({ "Response": response }))
}

impl Gateway for EmulatedGateway {
    fn connector_id(&self) -> &'static str {
        match self.account {
            Emulated::Tencent => tencent_sms::METADATA.id,
            Emulated::Aliyun => aliyun_sms::METADATA.id,
        }
    }

    fn config(&self, trouble: Option<Trouble>) -> Value {
        let endpoint = self.emulator.endpoint();
        let (mut config, wrong_secret) = match self.account {
            Emulated::Tencent => (
                demo_tencent_connector_config(&endpoint),
                WRONG_TENCENT_SECRET,
            ),
            Emulated::Aliyun => (demo_connector_config(&endpoint), WRONG_ALIYUN_SECRET),
        };
        config["timeoutMs"] = json!(TIMEOUT_MS);
        config["connectTimeoutMs"] = json!(TIMEOUT_MS);
        config["maxAttempts"] = json!(1);
        match trouble {
            Some(Trouble::Refused) => {
                config["endpoint"] = json!(format!("http://127.0.0.1:{}", closed_port()));
            }
            Some(Trouble::WrongSecret) => config["accessKeySecret"] = json!(wrong_secret),
            Some(Trouble::UnapprovedSignName) => config["signName"] = json!("Unapproved"),
            _ => {}
        }
        config
    }

    fn inject(&self, trouble: Trouble) {
        let emulator = &self.emulator;
        let lookups_fail = || emulator.inject_times(Fault::CloseConnection, 1000);
        match trouble {
            Trouble::Refused | Trouble::WrongSecret | Trouble::UnapprovedSignName => {}
            Trouble::Throttled => emulator.inject(Fault::Throttle),
            Trouble::QuotaExhausted
            | Trouble::AccountSuspended
            | Trouble::NumberLimit
            | Trouble::InvalidNumber
            | Trouble::ContentRejected => emulator.inject(self.refusal(trouble)),
            Trouble::UnreadableRefusal => emulator.inject(Fault::respond(
                403,
                "text/html",
                "<html><body>403 Forbidden</body></html>",
            )),
            Trouble::InternalError => emulator.inject(Fault::InternalError),
            Trouble::ConnectionClosed => emulator.inject(Fault::CloseConnection),
            Trouble::UnreadableAnswer => emulator.inject(Fault::MalformedJson),
            Trouble::AnsweredLate => emulator.inject(Fault::LateAnswer(Duration::from_secs(60))),
            Trouble::AnsweredLateLookupsFail => {
                emulator.inject(Fault::LateAnswer(Duration::from_secs(60)));
                lookups_fail();
            }
            Trouble::TimeoutLookupsFail => {
                emulator.inject(Fault::Delay(Duration::from_secs(60)));
                lookups_fail();
            }
            Trouble::Hangs => emulator.inject_times(Fault::Delay(Duration::from_secs(60)), 1000),
        }
    }

    fn reset(&self) {
        self.emulator.clear_faults();
    }

    fn deliveries(&self) -> Vec<Delivery> {
        // Aliyun's template names the code `code`; Tencent's takes it as its first value.
        let code_param = match self.account {
            Emulated::Tencent => "1",
            Emulated::Aliyun => "code",
        };
        self.emulator
            .inbox()
            .into_iter()
            .filter(|m| m.provider == self.account.provider())
            .map(|m| Delivery {
                to: m
                    .phone_number
                    .chars()
                    .filter(char::is_ascii_digit)
                    .collect(),
                code: m.params.get(code_param).cloned().unwrap_or_default(),
                text: format!("{} {:?}", m.content, m.params),
                reference: m.out_id,
            })
            .collect()
    }

    fn requests_seen(&self) -> u64 {
        self.emulator.requests_seen()
    }

    fn secrets(&self) -> Vec<String> {
        match self.account {
            Emulated::Tencent => [DEMO_TENCENT_SECRET_KEY, WRONG_TENCENT_SECRET],
            Emulated::Aliyun => [DEMO_ACCESS_KEY_SECRET, WRONG_ALIYUN_SECRET],
        }
        .map(str::to_owned)
        .to_vec()
    }
}

/// A registry of every kind's connector.
pub fn providers() -> Registry {
    KINDS
        .iter()
        .fold(Registry::new(), |registry, kind| kind.register(registry))
}

/// The routing factory over the connectors of `kinds` only, settling with tokio's sleep: its
/// metadata (the capabilities every connector of its registry has) is that of a setup of
/// these kinds.
pub fn routing_factory_for(
    (first, second): (&dyn ProviderKind, &dyn ProviderKind),
) -> RoutingFactory {
    let registry = first.register(Registry::new());
    let registry = match first.name() == second.name() {
        true => registry,
        false => second.register(registry),
    };
    RoutingFactory::new(registry).with_sleep(Sleep::new(tokio::time::sleep))
}

/// The pairs of kinds the tests run, first provider then second: every kind with every kind,
/// itself included (two accounts of it).
pub fn pairs() -> Vec<(&'static dyn ProviderKind, &'static dyn ProviderKind)> {
    KINDS
        .iter()
        .flat_map(|a| KINDS.iter().map(move |b| (*a, *b)))
        .collect()
}

/// Runs `test` for every pair of [`pairs`] at once, on this thread (each starts emulators of
/// its own), then fails with every pair's panic, named, if any panicked.
pub async fn for_each_pair<F, Fut>(test: F)
where
    F: Fn((&'static dyn ProviderKind, &'static dyn ProviderKind)) -> Fut,
    Fut: Future<Output = ()> + 'static,
{
    let local = tokio::task::LocalSet::new();
    let failures = local
        .run_until(async {
            let tests: Vec<_> = pairs()
                .into_iter()
                .map(|kinds| {
                    let name = format!("{}+{}", kinds.0.name(), kinds.1.name());
                    (name, tokio::task::spawn_local(test(kinds)))
                })
                .collect();
            let mut failures = Vec::new();
            for (name, test) in tests {
                if let Err(error) = test.await {
                    failures.push(format!("{name}: {}", panic_message(error)));
                }
            }
            failures
        })
        .await;
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// What a test task's panic said.
fn panic_message(error: tokio::task::JoinError) -> String {
    match error.try_into_panic() {
        Ok(panic) => panic
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
            .unwrap_or_else(|| "a panic without a message".to_owned()),
        Err(error) => error.to_string(),
    }
}

/// The routing config of two providers, `a` then `b` (`default: ["a", "b"]`), each
/// provider's config broken as its trouble needs; `extra` merged in.
pub fn routing_config(
    (a, b): (&dyn Gateway, &dyn Gateway),
    (trouble_a, trouble_b): (Option<Trouble>, Option<Trouble>),
    extra: Value,
) -> Value {
    let mut config = json!({
        "providers": [
            {"name": "a", "connector": a.connector_id(), "config": a.config(trouble_a)},
            {"name": "b", "connector": b.connector_id(), "config": b.config(trouble_b)},
        ],
        "default": ["a", "b"],
        "settle": {"waitMs": SETTLE_WAIT_MS, "intervalMs": 100},
    });
    if let (Some(config), Value::Object(extra)) = (config.as_object_mut(), extra) {
        config.extend(extra);
    }
    config
}

/// Two providers, `a` then `b`, behind one routing setup built from its JSON config.
pub struct Pair {
    /// The first provider's endpoint.
    pub a: Arc<dyn Gateway>,
    /// The second provider's endpoint.
    pub b: Arc<dyn Gateway>,
    /// The setup's config ([`routing_config`]).
    pub config: Value,
    /// The setup.
    pub routing: Routing,
}

impl Pair {
    /// Starts both endpoints and builds the setup, each provider's config broken as its
    /// trouble needs (the faults are not injected yet); `extra` is merged into the routing
    /// config.
    pub async fn start(
        (first, second): (&dyn ProviderKind, &dyn ProviderKind),
        troubles: (Option<Trouble>, Option<Trouble>),
        extra: Value,
    ) -> Pair {
        let (a, b) = (first.start().await, second.start().await);
        let config = routing_config((a.as_ref(), b.as_ref()), troubles, extra);
        // Building a connector builds its HTTP client, which reads the trusted roots: tens of
        // milliseconds of CPU in a debug build, kept off the runtime's workers so that the
        // sends of concurrent tests keep within their timeouts.
        let json = config.to_string();
        let factory = routing_factory_for((first, second));
        let routing = tokio::task::spawn_blocking(move || factory.build_routing(&json))
            .await
            .expect("building the routing does not panic")
            .unwrap_or_else(|e| panic!("the routing config is refused: {e}"));
        Pair {
            a,
            b,
            config,
            routing,
        }
    }

    /// How many times `code` was delivered to `to`, by each provider.
    pub fn delivered(&self, to: &str, code: &str) -> (usize, usize) {
        let to: String = to.chars().filter(char::is_ascii_digit).collect();
        let count = |gateway: &dyn Gateway| {
            gateway
                .deliveries()
                .iter()
                .filter(|d| d.to == to && d.code == code)
                .count()
        };
        (count(self.a.as_ref()), count(self.b.as_ref()))
    }
}
