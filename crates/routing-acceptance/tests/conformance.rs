//! A routing setup built from its JSON config is a connector like any other: the kit's
//! conformance suite, against two providers served by the emulator.

use std::sync::Arc;
use std::time::Duration;

use connector_kit::{ErrorKind, UsageType};
use connector_kit_testing::{Check, Conformance, Delivered};
use routing_acceptance::{
    Gateway, Pair, SETTLE_WAIT_MS, TIMEOUT_MS, Trouble, for_each_pair, routing_config,
    routing_factory_for,
};
use serde_json::json;

/// Both providers have `trouble` on their next request, and nothing else left over.
fn at_both(pair: &Pair, trouble: Trouble) -> impl FnOnce() + Send + 'static {
    let (a, b) = (Arc::clone(&pair.a), Arc::clone(&pair.b));
    move || {
        for gateway in [&a, &b] {
            gateway.reset();
            gateway.inject(trouble);
        }
    }
}

/// Nothing left over from the case before.
fn reset(pair: &Pair) -> impl FnOnce() + Send + 'static {
    let (a, b) = (Arc::clone(&pair.a), Arc::clone(&pair.b));
    move || {
        a.reset();
        b.reset();
    }
}

#[tokio::test]
async fn a_routing_setup_conforms() {
    for_each_pair(|kinds| async move {
        let pair = Pair::start(kinds, (None, None), json!({})).await;
        let gateways: (&dyn Gateway, &dyn Gateway) = (pair.a.as_ref(), pair.b.as_ref());
        let json = pair.config.to_string();
        let factory = || routing_factory_for(kinds);
        let routing = factory().build_routing(&json).unwrap();
        let broken = |trouble| {
            factory()
                .build_routing(
                    &routing_config(gateways, (Some(trouble), Some(trouble)), json!({}))
                        .to_string(),
                )
                .unwrap()
        };
        let mut secrets = pair.a.secrets();
        secrets.extend(pair.b.secrets());
        let mut bad_config = pair.config.clone();
        bad_config["default"] = json!([pair.a.secrets()[0]]);
        let bad_config = factory()
            .build_routing(&bad_config.to_string())
            .expect_err("a default route naming no provider");
        let inbox = (Arc::clone(&pair.a), Arc::clone(&pair.b));
        let stalled = (Arc::clone(&pair.a), Arc::clone(&pair.b));
        // A stalled send: the first provider's timeout, then one lookup's (it outlasts the
        // settle wait).
        let deadline = Duration::from_millis(2 * TIMEOUT_MS + SETTLE_WAIT_MS);

        let report = Conformance::new(routing, "+86 138 0013 8000".parse().unwrap())
            .secrets(secrets)
            .inbox(move || {
                [&inbox.0, &inbox.1]
                    .iter()
                    .flat_map(|g| g.deliveries())
                    .map(|d| {
                        let delivered = Delivered::new(d.to, d.text);
                        match d.reference {
                            Some(reference) => delivered.with_reference(reference),
                            None => delivered,
                        }
                    })
                    .collect()
            })
            .fallback(UsageType::MfaVerification, None)
            .not_applicable(
                Check::TemplateNotFound,
                "the providers' configs (Logto's) require a Generic template",
            )
            .factory(factory(), &json)
            .error_case("throttled at both", at_both(&pair, Trouble::Throttled))
            .error_case(
                "quota used up at both",
                at_both(&pair, Trouble::QuotaExhausted),
            )
            .error_case("content refused", at_both(&pair, Trouble::ContentRejected))
            .error_case(
                "an internal error at both",
                at_both(&pair, Trouble::InternalError),
            )
            .error_case(
                "answered late at both, lookups failing",
                at_both(&pair, Trouble::AnsweredLateLookupsFail),
            )
            .error_case("the first provider refuses the number", {
                let reset = reset(&pair);
                let fail_once = Arc::clone(&pair.a);
                move || {
                    reset();
                    fail_once.inject(Trouble::InvalidNumber);
                }
            })
            .error_case_with("a wrong secret at both", broken(Trouble::WrongSecret))
            .error_case_with("nothing listening at both", broken(Trouble::Refused))
            .error("a secret where a provider's name goes", bad_config)
            .stall(deadline, move || {
                for gateway in [&stalled.0, &stalled.1] {
                    gateway.reset();
                    gateway.inject(Trouble::Hangs);
                }
            })
            .run()
            .await;
        println!("{report}");
        report.assert_passed();
        let kinds_seen: Vec<ErrorKind> = report.errors().iter().map(|(_, e)| e.kind()).collect();
        assert!(
            kinds_seen.contains(&ErrorKind::Credentials),
            "{kinds_seen:?}"
        );
    })
    .await;
}
