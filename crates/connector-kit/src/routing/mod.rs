//! Routing and failover across providers, as plain composition over `Arc<dyn SmsConnector>`
//! with no I/O of its own: a [`Router`] picks the connector by destination, a [`Failover`]
//! moves to the next provider only when nothing was sent, a [`CircuitBreaker`] skips a
//! provider that keeps failing, and [`RoutingFactory`] builds the whole setup from its JSON
//! config through a [`Registry`](crate::Registry). `docs/routing-and-failover.md` has the
//! rules as a table.

mod breaker;
mod config;
mod factory;
mod failover;
mod router;
mod schema;
mod settle;
mod sleep;

pub use breaker::{BreakerPolicy, BreakerState, CircuitBreaker};
pub use factory::{ROUTING_METADATA, Routing, RoutingFactory};
pub use failover::{
    AfterError, Attempt, FAILOVER_METADATA, Failover, FailoverReport, GENERATED_REFERENCE_LEN,
};
pub use router::{ROUTER_METADATA, Router};
pub use settle::{SettlePolicy, Settlement};
pub use sleep::{Sleep, SleepFuture};

use crate::{Capabilities, ConnectorMetadata, TemplateParamStyle};

/// `base` with the capabilities every one of `members` has: international, delivery lookup
/// and the template style only if all have them (a mix of styles is `Named`, the style of
/// [`SmsMessage::params`](crate::SmsMessage::params)), the shortest reference, the fewest
/// recipients. With no member, `base` as it is.
pub(crate) fn common_metadata<'m>(
    base: ConnectorMetadata,
    members: impl IntoIterator<Item = &'m ConnectorMetadata>,
) -> ConnectorMetadata {
    let common = members
        .into_iter()
        .map(|m| m.capabilities)
        .reduce(|a, b| Capabilities {
            international: a.international && b.international,
            delivery_lookup: a.delivery_lookup && b.delivery_lookup,
            template_params: if a.template_params == b.template_params {
                a.template_params
            } else {
                TemplateParamStyle::Named
            },
            max_reference_len: a.max_reference_len.min(b.max_reference_len),
            max_recipients: a.max_recipients.min(b.max_recipients),
        });
    match common {
        Some(capabilities) => base.with_capabilities(capabilities),
        None => base,
    }
}
