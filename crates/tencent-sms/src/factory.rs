//! This connector's entry in a [`Registry`](connector_kit::Registry): built by id
//! (`tencent-short-message-service`, Logto's) from Logto's config JSON.

use std::sync::Arc;

use connector_kit::{ConnectorError, ConnectorFactory, ConnectorMetadata, SmsConnector};
use schemars::{Schema, SchemaGenerator};

use crate::{METADATA, TencentSmsConfig, TencentSmsConnector};

/// Builds [`TencentSmsConnector`]s for a [`Registry`](connector_kit::Registry).
///
/// ```
/// use connector_kit::Registry;
/// use tencent_sms::TencentSmsFactory;
///
/// let registry = Registry::new().with(TencentSmsFactory)?;
/// let sms = registry.build("tencent-short-message-service", r#"{
///     "accessKeyId": "AKIDexample",
///     "accessKeySecret": "example-key",
///     "signName": "腾讯云",
///     "sdkAppId": "1400006666",
///     "region": "ap-guangzhou",
///     "templates": [
///         { "usageType": "Register", "templateCode": "100001" },
///         { "usageType": "SignIn", "templateCode": "100002" },
///         { "usageType": "ForgotPassword", "templateCode": "100003" },
///         { "usageType": "Generic", "templateCode": "100004" }
///     ]
/// }"#)?;
/// assert_eq!(sms.metadata().target, "tencent-sms");
///
/// // The provider's own config errors, with the field.
/// let err = registry.build("tencent-short-message-service", r#"{"signName": "腾讯云"}"#).unwrap_err();
/// assert!(err.to_string().contains("sdkAppId"), "{err}");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct TencentSmsFactory;

impl ConnectorFactory for TencentSmsFactory {
    fn metadata(&self) -> &ConnectorMetadata {
        &METADATA
    }

    /// The schema of [`TencentSmsConfig`].
    fn config_schema(&self, generator: &mut SchemaGenerator) -> Schema {
        generator.root_schema_for::<TencentSmsConfig>()
    }

    /// [`TencentSmsConnector::from_json`]: the credentials may also come from the environment,
    /// as there.
    fn build(&self, config: &str) -> Result<Arc<dyn SmsConnector>, ConnectorError> {
        Ok(Arc::new(TencentSmsConnector::from_json(config)?))
    }
}
