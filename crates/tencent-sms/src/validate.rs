//! INTERIM loader (until issue 17's `connector_kit::config` lands): plain serde, the
//! environment for credentials left out, and the checks the request builder needs.

use std::fmt;

use serde_json::Value;

use crate::config::{ENV_SECRET_ID, ENV_SECRET_KEY, TencentSmsConfig};

/// One thing wrong with a config, at a JSON path.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ConfigProblem {
    /// Where.
    pub path: String,
    /// What.
    pub message: String,
}

impl ConfigProblem {
    /// A problem at `path`.
    pub fn new(path: impl Into<String>, message: impl Into<String>) -> Self {
        ConfigProblem {
            path: path.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for ConfigProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

/// Everything wrong with a config.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// The problems.
    pub problems: Vec<ConfigProblem>,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let lines: Vec<String> = self.problems.iter().map(ToString::to_string).collect();
        f.write_str(&lines.join("\n"))
    }
}

impl std::error::Error for ConfigError {}

impl From<ConfigProblem> for ConfigError {
    fn from(problem: ConfigProblem) -> Self {
        ConfigError {
            problems: vec![problem],
        }
    }
}

impl From<ConfigError> for connector_kit::ConnectorError {
    fn from(error: ConfigError) -> Self {
        let field = error.problems.first().map(|p| p.path.clone());
        let message = error
            .problems
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("; ");
        let converted =
            connector_kit::ConnectorError::new(connector_kit::ErrorKind::InvalidConfig, message);
        match field {
            Some(field) if !field.is_empty() => converted.with_field(field),
            _ => converted,
        }
        .with_source(error)
    }
}

/// Warnings.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConfigWarnings(Vec<ConfigProblem>);

impl ConfigWarnings {
    /// None.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Options.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct LoadOptions {
    /// Strict.
    pub strict: bool,
}

impl LoadOptions {
    /// Strict.
    pub fn strict() -> Self {
        LoadOptions { strict: true }
    }
}

/// A loaded config.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Loaded<T> {
    /// The config.
    pub config: T,
    /// Warnings.
    pub warnings: ConfigWarnings,
}

pub(crate) fn load(
    json: &str,
    _options: &LoadOptions,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Loaded<TencentSmsConfig>, ConfigError> {
    let mut value: Value = serde_json::from_str(json)
        .map_err(|e| ConfigProblem::new("", format!("the config is not valid JSON: {e}")))?;
    if let Some(object) = value.as_object_mut() {
        for (key, variable) in [
            ("accessKeyId", ENV_SECRET_ID),
            ("accessKeySecret", ENV_SECRET_KEY),
        ] {
            if !object.contains_key(key) {
                if let Some(v) = env(variable) {
                    object.insert(key.into(), v.into());
                }
            }
        }
    }
    let config: TencentSmsConfig =
        serde_json::from_value(value).map_err(|e| ConfigProblem::new("", format!("{e}")))?;
    let mut problems = Vec::new();
    for (path, text) in [
        ("accessKeyId", config.access_key_id.as_str()),
        ("accessKeySecret", config.access_key_secret.expose_secret()),
        ("sdkAppId", config.sdk_app_id.as_str()),
    ] {
        if text.trim().is_empty() {
            problems.push(ConfigProblem::new(path, "must not be empty"));
        }
    }
    if let Err(message) =
        connector_http::Endpoint::parse(&config.endpoint, crate::config::DEFAULT_ENDPOINT)
    {
        problems.push(ConfigProblem::new("endpoint", message));
    }
    if let Err(error) = connector_kit::TemplateSet::new(
        config.templates.iter().map(|t| (t.usage_type, ())),
        &connector_kit::UsageType::REQUIRED,
    ) {
        problems.push(ConfigProblem::new("templates", error.to_string()));
    }
    if problems.is_empty() {
        Ok(Loaded {
            config,
            warnings: ConfigWarnings::default(),
        })
    } else {
        Err(ConfigError { problems })
    }
}

/// The config of a loader that returns no warnings: each is logged (`tracing`, WARN) once.
pub(crate) fn logged(loaded: Loaded<TencentSmsConfig>) -> TencentSmsConfig {
    for warning in &loaded.warnings.0 {
        tracing::warn!(path = %warning.path, "Tencent SMS config: {}", warning.message);
    }
    loaded.config
}
