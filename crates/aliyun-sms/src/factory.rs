//! This connector's entry in a [`Registry`](connector_kit::Registry): built by id
//! (`aliyun-short-message-service`) from Logto's config JSON.

use std::sync::Arc;

use connector_kit::{ConnectorError, ConnectorFactory, ConnectorMetadata, SmsConnector};
use schemars::{Schema, SchemaGenerator};

use crate::{AliyunSmsConfig, AliyunSmsConnector, METADATA};

/// Builds [`AliyunSmsConnector`]s for a [`Registry`](connector_kit::Registry).
///
/// ```
/// use connector_kit::Registry;
/// use aliyun_sms::AliyunSmsFactory;
///
/// let registry = Registry::new().with(AliyunSmsFactory)?;
/// let sms = registry.build("aliyun-short-message-service", r#"{
///     "accessKeyId": "LTAI5tExample",
///     "accessKeySecret": "example-secret",
///     "signName": "Logto",
///     "templates": [
///         { "usageType": "Register", "templateCode": "SMS_REGISTER" },
///         { "usageType": "SignIn", "templateCode": "SMS_SIGN_IN" },
///         { "usageType": "ForgotPassword", "templateCode": "SMS_FORGOT" },
///         { "usageType": "Generic", "templateCode": "SMS_GENERIC" }
///     ]
/// }"#)?;
/// assert_eq!(sms.metadata().target, "aliyun-sms");
///
/// // The provider's own config errors, with the field.
/// let err = registry.build("aliyun-short-message-service", r#"{"signName": ""}"#).unwrap_err();
/// assert!(err.to_string().contains("signName: must not be empty"), "{err}");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct AliyunSmsFactory;

impl ConnectorFactory for AliyunSmsFactory {
    fn metadata(&self) -> &ConnectorMetadata {
        &METADATA
    }

    /// The schema of [`AliyunSmsConfig`].
    fn config_schema(&self, generator: &mut SchemaGenerator) -> Schema {
        generator.root_schema_for::<AliyunSmsConfig>()
    }

    /// [`AliyunSmsConnector::from_json`]: the credentials may also come from the environment,
    /// as there.
    fn build(&self, config: &str) -> Result<Arc<dyn SmsConnector>, ConnectorError> {
        Ok(Arc::new(AliyunSmsConnector::from_json(config)?))
    }
}
