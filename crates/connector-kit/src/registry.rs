//! Providers by id: each provider crate exposes a [`ConnectorFactory`], and a [`Registry`] of
//! them builds an `Arc<dyn SmsConnector>` from a provider id and its config JSON, the way a
//! sign-in service stores connectors (an id and a JSON column).

use std::fmt;
use std::sync::Arc;

use schemars::{Schema, SchemaGenerator};

use crate::{ConnectorError, ConnectorMetadata, SmsConnector};

/// A provider's entry in a [`Registry`]: what its connectors are, the JSON Schema of their
/// config, and how to build one from that config.
///
/// A provider crate implements it on a unit struct (`aliyun_sms::AliyunSmsFactory`).
pub trait ConnectorFactory: fmt::Debug + Send + Sync {
    /// What the connectors it builds are: [`ConnectorMetadata::id`] is the id the registry
    /// finds it by.
    fn metadata(&self) -> &ConnectorMetadata;

    /// The JSON Schema of the config [`build`](Self::build) takes, made by `generator` (whose
    /// settings choose the draft and transforms, e.g.
    /// `schemars::generate::SchemaSettings::draft07().into_generator()` for form generators).
    fn config_schema(&self, generator: &mut SchemaGenerator) -> Schema;

    /// A connector from its config JSON (no request is made). A bad config gives the
    /// provider's own error: [`ErrorKind::InvalidConfig`](crate::ErrorKind::InvalidConfig) with
    /// the JSON path of the first problem as its field and every problem in its message.
    fn build(&self, config: &str) -> Result<Arc<dyn SmsConnector>, ConnectorError>;
}

/// Fails to compile if a change makes [`ConnectorFactory`] unusable as a trait object.
const _: fn(&dyn ConnectorFactory) = |_| {};

/// A second factory with an id the registry already holds.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("connector id `{id}` is registered twice")]
#[non_exhaustive]
pub struct DuplicateConnectorId {
    /// The id.
    pub id: &'static str,
}

/// Connector factories by id.
///
/// ```
/// use std::sync::Arc;
/// use connector_kit::{
///     ConnectorError, ConnectorFactory, ConnectorMetadata, ErrorKind, RECORDING_METADATA,
///     RecordingConnector, Registry, SmsConnector,
/// };
/// use schemars::{Schema, SchemaGenerator, json_schema};
///
/// /// Builds a recording connector from `{}`.
/// #[derive(Debug)]
/// struct RecordingFactory;
///
/// impl ConnectorFactory for RecordingFactory {
///     fn metadata(&self) -> &ConnectorMetadata {
///         &RECORDING_METADATA
///     }
///     fn config_schema(&self, _: &mut SchemaGenerator) -> Schema {
///         json_schema!({ "type": "object", "additionalProperties": false })
///     }
///     fn build(&self, config: &str) -> Result<Arc<dyn SmsConnector>, ConnectorError> {
///         match serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(config) {
///             Ok(map) if map.is_empty() => Ok(Arc::new(RecordingConnector::new())),
///             _ => Err(ConnectorError::invalid_config("", "the config must be `{}`")),
///         }
///     }
/// }
///
/// let registry = Registry::new().with(RecordingFactory)?;
/// let sms = registry.build("recording", "{}")?;
/// assert_eq!(sms.metadata().id, "recording");
///
/// let err = registry.build("twilio", "{}").unwrap_err();
/// assert_eq!(err.kind(), ErrorKind::InvalidConfig);
/// assert_eq!(err.message(), "unknown connector `twilio`; known connectors: recording");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct Registry {
    factories: Vec<Arc<dyn ConnectorFactory>>,
}

impl Registry {
    /// No factory.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a factory, builder style.
    ///
    /// # Errors
    ///
    /// [`DuplicateConnectorId`] when a factory with the same id is there already.
    pub fn with(
        mut self,
        factory: impl ConnectorFactory + 'static,
    ) -> Result<Self, DuplicateConnectorId> {
        self.register(factory)?;
        Ok(self)
    }

    /// Adds a factory.
    ///
    /// # Errors
    ///
    /// [`DuplicateConnectorId`] when a factory with the same id is there already (it stays).
    pub fn register(
        &mut self,
        factory: impl ConnectorFactory + 'static,
    ) -> Result<(), DuplicateConnectorId> {
        let id = factory.metadata().id;
        if self.get(id).is_some() {
            return Err(DuplicateConnectorId { id });
        }
        self.factories.push(Arc::new(factory));
        Ok(())
    }

    /// The ids, in the order the factories were added.
    pub fn ids(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.factories.iter().map(|f| f.metadata().id)
    }

    /// The factories, in the order they were added.
    pub fn factories(&self) -> impl Iterator<Item = &dyn ConnectorFactory> {
        self.factories.iter().map(|f| f.as_ref())
    }

    /// The factory with this id, if any.
    pub fn get(&self, id: &str) -> Option<&dyn ConnectorFactory> {
        self.factories().find(|factory| factory.metadata().id == id)
    }

    /// The factory with this id.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidConfig`](crate::ErrorKind::InvalidConfig) at field `connector` for
    /// an unknown id; the message lists the known ids (and names the id meant when `id` is a
    /// provider's [`target`](ConnectorMetadata::target) instead).
    pub fn factory(&self, id: &str) -> Result<&dyn ConnectorFactory, ConnectorError> {
        self.get(id).ok_or_else(|| self.unknown(id))
    }

    /// A connector of provider `id` from its config JSON.
    ///
    /// # Errors
    ///
    /// As [`factory`](Self::factory) for an unknown id; else the provider's own config errors
    /// ([`ConnectorFactory::build`]).
    pub fn build(&self, id: &str, config: &str) -> Result<Arc<dyn SmsConnector>, ConnectorError> {
        self.factory(id)?.build(config)
    }

    fn unknown(&self, id: &str) -> ConnectorError {
        let known: Vec<_> = self.ids().collect();
        let mut message = match known.as_slice() {
            [] => format!("unknown connector `{id}`; no connector is registered"),
            known => format!(
                "unknown connector `{id}`; known connectors: {}",
                known.join(", ")
            ),
        };
        if let Some(meant) = self.factories().find(|f| f.metadata().target == id) {
            message.push_str(&format!(
                "; did you mean `{}` (whose target is `{id}`)?",
                meant.metadata().id
            ));
        }
        ConnectorError::invalid_config("connector", message)
    }
}

#[cfg(test)]
mod tests {
    use schemars::json_schema;

    use super::*;
    use crate::{RECORDING_METADATA, RecordingConnector};

    #[derive(Debug)]
    struct Recording(ConnectorMetadata);

    impl ConnectorFactory for Recording {
        fn metadata(&self) -> &ConnectorMetadata {
            &self.0
        }
        fn config_schema(&self, _: &mut SchemaGenerator) -> Schema {
            json_schema!({ "type": "object" })
        }
        fn build(&self, config: &str) -> Result<Arc<dyn SmsConnector>, ConnectorError> {
            match config {
                "{}" => Ok(Arc::new(RecordingConnector::with_metadata(self.0))),
                _ => Err(ConnectorError::invalid_config("", "not `{}`")),
            }
        }
    }

    #[test]
    fn builds_by_id_and_refuses_unknown_ids_naming_the_known_ones() {
        let other = ConnectorMetadata {
            id: "other-sms",
            target: "other",
            ..RECORDING_METADATA
        };
        let registry = Registry::new()
            .with(Recording(RECORDING_METADATA))
            .unwrap()
            .with(Recording(other))
            .unwrap();
        assert_eq!(
            registry.ids().collect::<Vec<_>>(),
            ["recording", "other-sms"]
        );
        assert_eq!(
            registry.build("other-sms", "{}").unwrap().metadata().id,
            "other-sms"
        );
        assert_eq!(
            registry.build("other-sms", "[]").unwrap_err().message(),
            "not `{}`"
        );

        let err = registry.build("tencent-sms", "{}").unwrap_err();
        assert_eq!(err.field(), Some("connector"));
        assert_eq!(
            err.message(),
            "unknown connector `tencent-sms`; known connectors: recording, other-sms"
        );
        let err = registry.factory("other").unwrap_err();
        assert!(
            err.message()
                .ends_with("did you mean `other-sms` (whose target is `other`)?"),
            "{err}"
        );
        let err = Registry::new().factory("x").unwrap_err();
        assert!(
            err.message().contains("no connector is registered"),
            "{err}"
        );
    }

    #[test]
    fn refuses_a_second_factory_with_the_same_id() {
        let mut registry = Registry::new();
        registry.register(Recording(RECORDING_METADATA)).unwrap();
        assert_eq!(
            registry.register(Recording(RECORDING_METADATA)),
            Err(DuplicateConnectorId { id: "recording" })
        );
        assert_eq!(registry.ids().count(), 1);
    }
}
