//! Loading a connector's config safely: the provider-neutral pieces every connector's loader
//! is built from, so that each loader refuses, reports and hides things the same way.
//!
//! - [`read_config`]: a file, or standard input for `-`, read with a cap ([`DEFAULT_MAX_BYTES`],
//!   1 MiB) so that `/dev/zero` costs 1 MiB and stops.
//! - [`Findings::parse_json`]: the size checked before parsing, then a parse that sees repeated
//!   keys ([`parse_json`], [`DuplicateKey`]) where `serde_json::Value` keeps the last silently;
//!   [`Findings::duplicate_keys`] reports them, as problems where the loader says so.
//! - [`Findings`]: problems and warnings, each at a JSON path; at most
//!   [`LoadOptions::max_problems`] of each are listed and the rest counted (`… and K more`);
//!   in strict mode ([`LoadOptions::strict`]) every warning is a problem.
//! - Secrets: [`Findings::add_secret`] once the secret fields are parsed; from then on a value
//!   holding a secret is shown as [`REDACTED`], and when the load finishes every path and
//!   message has each secret cut out, wherever in the input it appeared (as a key, as another
//!   field's value).
//! - Echoed values are [`escape`]d (`\u{200b}`, `S\u{456}gnIn`), so invisible and look-alike
//!   characters show; [`find_control_or_invisible`] finds those that must not reach a request.
//! - [`did_you_mean`] compares an unknown key with the known ones only, so its cost is bounded.
//!   [`Findings::unknown_keys`] ignores an unknown key with a warning (a format that must take
//!   stray keys, as Logto's configs); [`Findings::refuse_unknown_keys`] refuses it (a format of
//!   our own, where a misspelt key would silently drop a setting).
//! - Values read with one wording everywhere: [`Findings::object`], [`Findings::required`],
//!   [`Findings::list`], [`Findings::string`], [`Findings::whole_number`] (`1e3` is 1000) and
//!   [`Findings::one_of`] (a name among known ones, with a "did you mean").
//! - [`Findings::add_write_only_secrets`]: the secrets of a config known only by its JSON Schema
//!   (the values at its `writeOnly` places), for a config that holds other connectors' configs.
//! - [`Loaded::logged`]: the config, its warnings logged once, for a constructor that cannot
//!   return them.
//! - [`Fields`] reads the usual kinds of settings onto the findings: credentials (used exactly as
//!   given, or from the environment), values trimmed with a warning, whole numbers in a range
//!   (`1e3` included), booleans, and never a secret in a value sent in clear.
//!
//! A loader for a provider whose config is `{"apiKey": ..., "sender": ...}`:
//!
//! ```
//! use connector_kit::config::{ConfigError, Findings, LoadOptions, Loaded, PathSegment};
//!
//! #[derive(Debug)]
//! struct Config {
//!     api_key: String,
//!     sender: String,
//! }
//!
//! fn load(text: &str, options: &LoadOptions) -> Result<Loaded<Config>, ConfigError> {
//!     let mut findings = Findings::new(options);
//!     let Some(parsed) = findings.parse_json(text) else {
//!         return findings.finish(None);
//!     };
//!     // Secrets first, every value they were given: nothing may echo them from now on.
//!     for value in parsed.values_of("apiKey") {
//!         findings.add_secrets_in(value);
//!     }
//!     // The key given twice is refused; anything else given twice is a warning.
//!     findings.duplicate_keys(&parsed.duplicates, |path| {
//!         path.first() == Some(&PathSegment::Key("apiKey".into()))
//!     });
//!     let Some(object) = parsed.value.as_object() else {
//!         findings.error("", "the config must be an object");
//!         return findings.finish(None);
//!     };
//!     findings.unknown_keys(object, "", &["apiKey", "sender"]);
//!     let mut text = |key: &str| match object.get(key).and_then(|v| v.as_str()) {
//!         Some(text) => Some(text.to_owned()),
//!         None => {
//!             findings.error(key, "expected a string");
//!             None
//!         }
//!     };
//!     let (api_key, sender) = (text("apiKey"), text("sender"));
//!     if let Some(sender) = &sender {
//!         if sender.parse::<u64>().is_err() {
//!             let shown = findings.echo(sender);
//!             findings.error("sender", format!("must be digits, found {shown}"));
//!         }
//!     }
//!     let config = api_key.zip(sender).map(|(api_key, sender)| Config { api_key, sender });
//!     findings.finish(config)
//! }
//!
//! // A stray key is ignored with a warning; strict mode refuses it.
//! let text = r#"{"apiKey": "k-3f9a77", "sender": "10690", "sendr": 1}"#;
//! let loaded = load(text, &LoadOptions::default()).unwrap();
//! assert_eq!(loaded.config.sender, "10690");
//! assert_eq!(loaded.warnings.to_string(), "sendr: unknown field (did you mean `sender`?); ignored");
//! assert!(load(text, &LoadOptions::strict()).is_err());
//!
//! // The secret never shows, even where it is not the secret field; look-alikes show.
//! let text = "{\"apiKey\": \"k-3f9a77\", \"sender\": \"k-3f9a77\", \"k-3f9a77\": 1, \"apiKey\": \"k\"}";
//! let err = load(text, &LoadOptions::default()).unwrap_err();
//! assert!(!err.to_string().contains("3f9a77"), "{err}");
//! assert!(err.to_string().contains("apiKey: is given 2 times"));
//! let err = load(r#"{"apiKey": "k-3f9a77", "sender": "1069О"}"#, &LoadOptions::default()).unwrap_err();
//! assert_eq!(err.to_string(), r"sender: must be digits, found `1069\u{41e}`");
//! ```

mod fields;
mod findings;
mod json;
mod read;
mod text;
mod values;
mod write_only;

/// What messages show instead of a value that holds a secret (the kit's [`crate::REDACTED`]).
pub use crate::secret::REDACTED;
pub use fields::{Fields, Source, join};
pub use findings::{
    ConfigError, ConfigProblem, ConfigWarnings, DEFAULT_MAX_PROBLEMS, Findings, LoadOptions, Loaded,
};
pub use json::{DuplicateKey, ParsedJson, PathSegment, parse_json, type_name};
pub use read::{DEFAULT_MAX_BYTES, ReadError, read_capped, read_config, source_name};
pub use text::{
    MAX_ECHO_CHARS, did_you_mean, escape, find_control_or_invisible, is_control_or_invisible,
};
