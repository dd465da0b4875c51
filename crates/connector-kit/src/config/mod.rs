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
//! - [`Fields`]: the one way loaders read values, every problem at its path and worded the
//!   same everywhere: an [object](Fields::object) whose unknown keys are ignored with a warning
//!   and a "did you mean" (a format that must take stray keys, as Logto's configs), or refused
//!   ([`Fields::refusing_unknown_keys`]: a format of our own, where a misspelt key would
//!   silently drop a setting); [required](Fields::required) and [optional](Fields::optional)
//!   keys, [lists](Fields::list) and their [items](Fields::items), [`nullable`] settings;
//!   strings, credentials (used exactly as given, or [from the environment](Fields::credential)),
//!   values [trimmed](Fields::trimmed) with a warning, [whole numbers](Fields::whole_number) in
//!   a range (`1e3` is 1000), [booleans](Fields::boolean), [a name among known
//!   ones](Fields::one_of) (with a "did you mean"), and never a secret in a value
//!   [sent in clear](Fields::sent_in_clear). [`did_you_mean`] compares a name with the known
//!   ones only, so its cost is bounded.
//! - [`Findings::add_write_only_secrets`]: the secrets of a config known only by its JSON Schema
//!   (the values at its `writeOnly` places), for a config that holds other connectors' configs.
//! - [`Loaded::logged`]: the config, its warnings logged once, for a constructor that cannot
//!   return them.
//!
//! A loader for a provider whose config is `{"apiKey": ..., "sender": ...}`:
//!
//! ```
//! use connector_kit::config::{ConfigError, Fields, Findings, LoadOptions, Loaded, PathSegment};
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
//!     let mut fields = Fields::new(&mut findings, "the API key");
//!     let config = fields.object(&parsed.value, "", &["apiKey", "sender"]).and_then(|object| {
//!         let api_key = fields.required(object, "", "apiKey", Fields::exact_string);
//!         let sender = fields.required(object, "", "sender", |f, value, path| {
//!             let sender = f.string(value, path)?;
//!             if sender.parse::<u64>().is_err() {
//!                 let shown = f.findings().echo(sender);
//!                 f.error(path, format!("must be digits, found {shown}"));
//!                 return None;
//!             }
//!             Some(sender.to_owned())
//!         });
//!         Some(Config { api_key: api_key?, sender: sender? })
//!     });
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
mod write_only;

/// What messages show instead of a value that holds a secret (the kit's [`crate::REDACTED`]).
pub use crate::secret::REDACTED;
pub use fields::{Fields, Source, join, nullable};
pub use findings::{
    ConfigError, ConfigProblem, ConfigWarnings, DEFAULT_MAX_PROBLEMS, Findings, LoadOptions, Loaded,
};
pub use json::{DuplicateKey, JsonPath, ParsedJson, PathSegment, parse_json, type_name};
pub use read::{DEFAULT_MAX_BYTES, ReadError, read_capped, read_config, source_name};
pub use text::{
    MAX_ECHO_CHARS, did_you_mean, escape, find_control_or_invisible, is_control_or_invisible,
};
