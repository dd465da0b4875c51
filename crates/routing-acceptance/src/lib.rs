//! The harness of routing and failover's acceptance tests: providers served by the emulator on
//! loopback, broken on purpose in the ways a provider breaks, their deliveries read back from
//! the emulator's inbox.
//!
//! Each kind of provider is one entry of [`KINDS`]: how to start its emulated endpoint, the
//! config of its connector, how to make it fail. The tests run every pair of kinds (with one
//! kind, two accounts of it), so a second provider (Tencent, once the emulator serves it) joins
//! the whole matrix with one entry.
#![forbid(unsafe_code)]

use std::sync::Arc;
use std::time::Duration;

use aliyun_sms::AliyunSmsFactory;
use aliyun_sms_emulator::{Emulator, EmulatorConfig, Fault, Limits, demo_connector_config, start};
use connector_kit::{Registry, Routing, RoutingFactory, Sleep, async_trait};
use serde_json::{Value, json};

/// Every kind of provider the emulator serves.
pub const KINDS: &[&dyn ProviderKind] = &[&Aliyun];

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
    /// An internal error (HTTP 500) without sending: the outcome is unknown, and lookups find
    /// nothing.
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

/// Aliyun SMS, by the emulator's demo account.
#[derive(Debug)]
pub struct Aliyun;

#[async_trait]
impl ProviderKind for Aliyun {
    fn name(&self) -> &'static str {
        "aliyun"
    }

    fn register(&self, registry: Registry) -> Registry {
        registry.with(AliyunSmsFactory).expect("registered once")
    }

    async fn start(&self) -> Arc<dyn Gateway> {
        let emulator = start(EmulatorConfig::demo().limits(Limits::off()))
            .await
            .expect("the emulator starts on loopback");
        Arc::new(AliyunGateway { emulator })
    }
}

/// The secret of [`Trouble::WrongSecret`]'s Aliyun config.
const WRONG_ALIYUN_SECRET: &str = "NotTheDemoSecretAtAll";

struct AliyunGateway {
    emulator: Emulator,
}

/// A port on 127.0.0.1 with nothing listening.
fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    listener.local_addr().expect("its address").port()
}

fn aliyun_answer(code: &str, message: &str) -> Fault {
    let body = json!({"RequestId": "F655A8D5-B967-440B-8683-DAD6FF8DE990", "Code": code, "Message": message});
    Fault::respond(200, "application/json;charset=utf-8", body.to_string())
}

impl Gateway for AliyunGateway {
    fn connector_id(&self) -> &'static str {
        aliyun_sms::METADATA.id
    }

    fn config(&self, trouble: Option<Trouble>) -> Value {
        let mut config = demo_connector_config(&self.emulator.endpoint());
        config["timeoutMs"] = json!(TIMEOUT_MS);
        config["connectTimeoutMs"] = json!(TIMEOUT_MS);
        config["maxAttempts"] = json!(1);
        match trouble {
            Some(Trouble::Refused) => {
                config["endpoint"] = json!(format!("http://127.0.0.1:{}", closed_port()));
            }
            Some(Trouble::WrongSecret) => config["accessKeySecret"] = json!(WRONG_ALIYUN_SECRET),
            Some(Trouble::UnapprovedSignName) => config["signName"] = json!("Unapproved"),
            _ => {}
        }
        config
    }

    fn inject(&self, trouble: Trouble) {
        let lookups_fail = || self.emulator.inject_times(Fault::CloseConnection, 1000);
        match trouble {
            Trouble::Refused | Trouble::WrongSecret | Trouble::UnapprovedSignName => {}
            Trouble::Throttled => self.emulator.inject(Fault::Throttle),
            Trouble::QuotaExhausted => self
                .emulator
                .inject(aliyun_answer("isv.DAY_LIMIT_CONTROL", "触发日发送限额")),
            Trouble::AccountSuspended => self
                .emulator
                .inject(aliyun_answer("isv.ACCOUNT_ABNORMAL", "账户异常")),
            Trouble::NumberLimit => self.emulator.inject(aliyun_answer(
                "isv.BUSINESS_LIMIT_CONTROL",
                "触发分钟级流控Permits:1",
            )),
            Trouble::InvalidNumber => self
                .emulator
                .inject(aliyun_answer("isv.MOBILE_NUMBER_ILLEGAL", "非法手机号")),
            Trouble::ContentRejected => self
                .emulator
                .inject(aliyun_answer("isv.BLACK_KEY_CONTROL_LIMIT", "黑名单管控")),
            Trouble::UnreadableRefusal => self.emulator.inject(Fault::respond(
                403,
                "text/html",
                "<html><body>403 Forbidden</body></html>",
            )),
            Trouble::InternalError => self.emulator.inject(Fault::respond(
                500,
                "application/json;charset=utf-8",
                json!({"RequestId": "5E0B2E6A", "Code": "InternalError", "Message": "The request processing has failed due to some unknown error."}).to_string(),
            )),
            Trouble::ConnectionClosed => self.emulator.inject(Fault::CloseConnection),
            Trouble::UnreadableAnswer => self.emulator.inject(Fault::MalformedJson),
            Trouble::AnsweredLate => self
                .emulator
                .inject(Fault::LateAnswer(Duration::from_secs(60))),
            Trouble::AnsweredLateLookupsFail => {
                self.emulator
                    .inject(Fault::LateAnswer(Duration::from_secs(60)));
                lookups_fail();
            }
            Trouble::TimeoutLookupsFail => {
                self.emulator.inject(Fault::Delay(Duration::from_secs(60)));
                lookups_fail();
            }
            Trouble::Hangs => self
                .emulator
                .inject_times(Fault::Delay(Duration::from_secs(60)), 1000),
        }
    }

    fn reset(&self) {
        self.emulator.clear_faults();
    }

    fn deliveries(&self) -> Vec<Delivery> {
        self.emulator
            .inbox()
            .into_iter()
            .map(|m| Delivery {
                to: m
                    .phone_number
                    .chars()
                    .filter(char::is_ascii_digit)
                    .collect(),
                code: m.params.get("code").cloned().unwrap_or_default(),
                text: format!("{} {:?}", m.content, m.params),
                reference: m.out_id,
            })
            .collect()
    }

    fn requests_seen(&self) -> u64 {
        self.emulator.requests_seen()
    }

    fn secrets(&self) -> Vec<String> {
        vec![
            aliyun_sms_emulator::DEMO_ACCESS_KEY_SECRET.to_owned(),
            WRONG_ALIYUN_SECRET.to_owned(),
        ]
    }
}

/// A registry of every kind's connector.
pub fn providers() -> Registry {
    KINDS
        .iter()
        .fold(Registry::new(), |registry, kind| kind.register(registry))
}

/// The routing factory over [`providers`], settling with tokio's sleep.
pub fn routing_factory() -> RoutingFactory {
    RoutingFactory::new(providers()).with_sleep(Sleep::new(tokio::time::sleep))
}

/// The pairs of kinds the matrix runs: each kind as first and as second provider; with a
/// single kind, two accounts of it.
pub fn pairs() -> Vec<(&'static dyn ProviderKind, &'static dyn ProviderKind)> {
    match KINDS {
        [only] => vec![(*only, *only)],
        kinds => kinds
            .iter()
            .flat_map(|a| kinds.iter().map(move |b| (*a, *b)))
            .filter(|(a, b)| a.name() != b.name())
            .collect(),
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
        let routing = routing_factory()
            .build_routing(&config.to_string())
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
