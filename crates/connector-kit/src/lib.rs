#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![warn(missing_docs, unreachable_pub, missing_debug_implementations)]

pub mod config;
mod connector;
mod delivery;
mod error;
mod message;
mod phone;
mod recording;
mod registry;
mod retry;
mod routing;
mod secret;
mod template;
mod usage;

pub use connector::{
    Capabilities, ConnectorMetadata, LocalizedText, Receipt, SmsConnector, TemplateParamStyle,
};
pub use delivery::{DeliveryQuery, DeliveryRecord, DeliveryReport, DeliveryStatus};
pub use error::{ConnectorError, ErrorKind};
pub use message::{CODE_PARAM, MessageContext, SmsMessage, TemplateParams};
pub use phone::{MAX_DIGITS, MIN_DIGITS, PhoneNumber, PhoneNumberError};
pub use recording::{RECORDING_METADATA, RecordingConnector};
pub use registry::{ConnectorFactory, DuplicateConnectorId, Registry};
pub use retry::{Backoff, RetryPolicy};
pub use routing::{
    AfterError, Attempt, BreakerPolicy, BreakerState, CircuitBreaker, FAILOVER_METADATA, Failover,
    FailoverReport, GENERATED_REFERENCE_LEN, ROUTER_METADATA, ROUTING_METADATA, Router, Routing,
    RoutingFactory, SettlePolicy, Settlement, Sleep, SleepFuture,
};
pub use secret::{REDACTED, Redactor, SecretString};
pub use template::{DuplicateUsageType, TemplateSet, TemplateSetError};
pub use usage::{UnknownUsageType, UsageType};

/// The attribute every [`SmsConnector`] implementation carries (`#[connector_kit::async_trait]`),
/// re-exported so that an implementer needs no dependency of its own.
pub use async_trait::async_trait;
