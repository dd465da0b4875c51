//! Acme SMS against a stand-in of its API on loopback: the kit's conformance suite, and the
//! registry. `docs/writing-a-connector.md` shows this file whole.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use acme_sms::{AcmeSmsConnector, AcmeSmsFactory};
use connector_kit::{Registry, SmsMessage, UsageType};
use connector_kit_testing::{Conformance, Delivered};
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const API_KEY: &str = "acme-test-key-7f3a";
const WRONG_KEY: &str = "acme-wrong-key-0b1c";
const TIMEOUT_MS: u64 = 1500;

/// A message Acme accepted.
#[derive(Clone)]
struct Stored {
    id: String,
    to: String,
    template: String,
    params: Value,
    reference: Option<String>,
}

/// What goes wrong with the next send.
enum Fault {
    /// Refused before processing: nothing is stored.
    Refuse(ResponseTemplate),
    /// Processed (stored), then this answer: a 500, an unreadable body, a long delay.
    AfterSending(ResponseTemplate),
}

/// Acme's API: checks the key, remembers what it sent, fails as told.
#[derive(Clone, Default)]
struct StandIn {
    sent: Arc<Mutex<Vec<Stored>>>,
    faults: Arc<Mutex<VecDeque<Fault>>>,
}

fn acme_error(status: u16, code: &str) -> ResponseTemplate {
    ResponseTemplate::new(status)
        .set_body_json(json!({"error": {"code": code, "message": format!("Acme says {code}")}}))
}

impl StandIn {
    async fn mount(&self, server: &MockServer) {
        Mock::given(method("POST"))
            .and(path("/v1/messages"))
            .respond_with(Sends(self.clone()))
            .mount(server)
            .await;
        Mock::given(method("GET"))
            .and(path("/v1/messages"))
            .respond_with(Lookups(self.clone()))
            .mount(server)
            .await;
    }

    fn fail_next(&self, fault: Fault) {
        self.faults.lock().unwrap().push_back(fault);
    }

    /// What Acme sent, as the suite reads it.
    fn delivered(&self) -> Vec<Delivered> {
        let sent = self.sent.lock().unwrap();
        sent.iter()
            .map(|m| {
                let delivered =
                    Delivered::new(&m.to, m.params.to_string()).with_template(&m.template);
                match &m.reference {
                    Some(reference) => delivered.with_reference(reference),
                    None => delivered,
                }
            })
            .collect()
    }
}

fn authorized(request: &Request) -> bool {
    let expected = format!("Bearer {API_KEY}");
    request
        .headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        == Some(expected.as_str())
}

/// `POST /v1/messages`.
struct Sends(StandIn);

impl Respond for Sends {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        if !authorized(request) {
            return acme_error(401, "unauthorized");
        }
        let after_sending = match self.0.faults.lock().unwrap().pop_front() {
            Some(Fault::Refuse(answer)) => return answer,
            Some(Fault::AfterSending(answer)) => Some(answer),
            None => None,
        };
        let Ok(body) = serde_json::from_slice::<Value>(&request.body) else {
            return acme_error(400, "invalid_json");
        };
        let mut sent = self.0.sent.lock().unwrap();
        let id = format!("msg_{}", sent.len() + 1);
        sent.push(Stored {
            id: id.clone(),
            to: body["to"].as_str().unwrap_or_default().to_owned(),
            template: body["template"].as_str().unwrap_or_default().to_owned(),
            params: body["params"].clone(),
            reference: body["reference"].as_str().map(String::from),
        });
        after_sending.unwrap_or_else(|| ResponseTemplate::new(200).set_body_json(json!({"id": id})))
    }
}

/// `GET /v1/messages`.
struct Lookups(StandIn);

impl Respond for Lookups {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        if !authorized(request) {
            return acme_error(401, "unauthorized");
        }
        let query: Vec<(String, String)> = request.url.query_pairs().into_owned().collect();
        let wanted = |name: &str| {
            query
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.as_str())
        };
        let sent = self.0.sent.lock().unwrap();
        let messages: Vec<Value> = sent
            .iter()
            .filter(|m| Some(m.to.as_str()) == wanted("to"))
            .filter(|m| wanted("reference").is_none_or(|r| m.reference.as_deref() == Some(r)))
            .filter(|m| wanted("id").is_none_or(|id| m.id == id))
            .map(|m| json!({"id": m.id, "status": "delivered", "reference": m.reference}))
            .collect();
        ResponseTemplate::new(200).set_body_json(json!({ "messages": messages }))
    }
}

fn config(endpoint: &str, api_key: &str, with_generic: bool) -> String {
    let mut templates = vec![
        json!({"usageType": "Register", "template": "TPL_REGISTER"}),
        json!({"usageType": "SignIn", "template": "TPL_SIGN_IN"}),
        json!({"usageType": "ForgotPassword", "template": "TPL_FORGOT"}),
    ];
    if with_generic {
        templates.push(json!({"usageType": "Generic", "template": "TPL_GENERIC"}));
    }
    json!({"apiKey": api_key, "endpoint": endpoint, "templates": templates, "timeoutMs": TIMEOUT_MS})
        .to_string()
}

fn connector(json: &str) -> AcmeSmsConnector {
    AcmeSmsConnector::from_json(json).unwrap_or_else(|e| panic!("{e}"))
}

#[tokio::test]
async fn acme_sms_conforms() {
    let acme = MockServer::start().await;
    let stand_in = StandIn::default();
    stand_in.mount(&acme).await;
    let json = config(&acme.uri(), API_KEY, true);
    let fail = |fault: Fault| {
        let stand_in = stand_in.clone();
        move || stand_in.fail_next(fault)
    };
    let inbox = stand_in.clone();

    let report = Conformance::new(connector(&json), "+8613800138000".parse().unwrap())
        .secrets([API_KEY, WRONG_KEY])
        .inbox(move || inbox.delivered())
        .fallback(UsageType::MfaVerification, Some("TPL_GENERIC"))
        .without_generic(
            connector(&config(&acme.uri(), API_KEY, false)),
            UsageType::BindMfa,
        )
        .factory(AcmeSmsFactory, &json)
        .error_case(
            "throttled for 30 s",
            fail(Fault::Refuse(
                acme_error(429, "rate_limited").insert_header("retry-after", "30"),
            )),
        )
        .error_case(
            "out of quota",
            fail(Fault::Refuse(acme_error(402, "quota_exceeded"))),
        )
        .error_case(
            "a bad number",
            fail(Fault::Refuse(acme_error(400, "invalid_number"))),
        )
        .error_case(
            "a 500 after sending",
            fail(Fault::AfterSending(ResponseTemplate::new(500))),
        )
        .error_case(
            "an unreadable answer",
            fail(Fault::AfterSending(
                ResponseTemplate::new(200).set_body_string("<html>"),
            )),
        )
        .error_case_with(
            "a wrong API key",
            connector(&config(&acme.uri(), WRONG_KEY, true)),
        )
        .error(
            "the API key where a number goes",
            AcmeSmsConnector::from_json(&format!(
                r#"{{"apiKey": "{API_KEY}", "timeoutMs": "{API_KEY}"}}"#
            ))
            .unwrap_err(),
        )
        .stall(
            Duration::from_millis(TIMEOUT_MS),
            fail(Fault::AfterSending(
                ResponseTemplate::new(200).set_delay(Duration::from_secs(10)),
            )),
        )
        .run()
        .await;
    println!("{report}");
    report.assert_passed();
}

#[tokio::test]
async fn acme_sms_is_built_by_id_from_a_registry() {
    let acme = MockServer::start().await;
    let stand_in = StandIn::default();
    stand_in.mount(&acme).await;
    let registry = Registry::new().with(AcmeSmsFactory).unwrap();

    let sms = registry
        .build("acme-sms", &config(&acme.uri(), API_KEY, true))
        .unwrap();
    let message =
        SmsMessage::verification_code("+8613800138000".parse().unwrap(), UsageType::SignIn, "4321");
    let receipt = sms.send(&message).await.unwrap();
    assert_eq!(receipt.message_id.as_deref(), Some("msg_1"));

    let err = registry.build("acme", "{}").unwrap_err();
    assert_eq!(
        err.message(),
        "unknown connector `acme`; known connectors: acme-sms; did you mean `acme-sms` (whose target is `acme`)?"
    );
}
