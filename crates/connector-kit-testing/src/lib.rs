//! The conformance suite every SMS connector on `connector-kit` runs, against its own stand-in
//! endpoint (an emulator, a mock server), so that callers can swap providers without surprises.
//!
//! [`Conformance`] is set up with the connector, a recipient, and what the stand-in can show
//! and do; [`Conformance::run`] goes through every [`Check`] and gives a [`Report`]:
//!
//! - `metadata`, `factory`: what the connector and its registry entry say of themselves;
//! - `send`, `template_fallback`, `template_not_found`: a code goes out, a usage type without
//!   a template of its own uses `Generic`'s, and with no `Generic` it is refused with nothing
//!   sent;
//! - `context_not_sent`, `reference`: the caller's IP and locale stay with the caller; the
//!   caller's reference goes out whole and comes back, and one too long is refused;
//! - `delivery_lookup`: the lookup does what the capability says;
//! - `deadline`: a send to a stand-in that does not answer ends within its deadline, with an
//!   unknown outcome;
//! - `errors`: every error the connector produced (by the checks, by your error cases) agrees
//!   with itself: never retryable with an unknown outcome, never an unknown outcome on a kind
//!   that sends nothing ([`ConnectorError::contradiction`](connector_kit::ConnectorError::contradiction));
//! - `secrets`: no secret in any `Debug`, `Display` or error.
//!
//! [`guides`] checks that a connector's user guides show its compiled examples.
//!
//! Every send runs on a tokio task of its own through an `Arc<dyn SmsConnector>`: the trait
//! object is what is tested, its futures must be `Send`, and a panic is a failure.
//!
//! Here the suite runs on the kit's recording test double, whose "stand-in" is its own list of
//! accepted messages:
//!
//! ```
//! use std::sync::Arc;
//! use connector_kit::{RecordingConnector, UsageType};
//! use connector_kit_testing::{Check, Conformance, Delivered};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let sms = Arc::new(RecordingConnector::new());
//! let recorded = Arc::clone(&sms);
//! let report = Conformance::from_arc(sms, "+8613800138000".parse().unwrap())
//!     .inbox(move || {
//!         recorded.sent().into_iter().map(|m| {
//!             let delivered = Delivered::new(m.to.to_string(), m.params.to_json());
//!             match m.reference {
//!                 Some(reference) => delivered.with_reference(reference),
//!                 None => delivered,
//!             }
//!         }).collect()
//!     })
//!     .fallback(UsageType::BindMfa, None)
//!     .not_applicable(Check::Factory, "the kit has no factory for its test double")
//!     .not_applicable(Check::TemplateNotFound, "it has no templates: any usage type is sent")
//!     .not_applicable(Check::Deadline, "it answers at once, with no network")
//!     .not_applicable(Check::Secrets, "it has no secret")
//!     .run()
//!     .await;
//! report.assert_passed();
//! # }
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs, unreachable_pub, missing_debug_implementations)]

mod checks;
pub mod guides;
mod report;
mod suite;

pub use report::{CheckResult, Outcome, Report};
pub use suite::{Check, Conformance, Delivered};
