//! What a loader found: problems (errors) and warnings, each at a JSON path, bounded in number,
//! with every known secret cut out.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::sync::OnceLock;

use aho_corasick::AhoCorasick;
use serde_json::{Map, Value};

use super::fields::{UnknownKeys, join};
use super::json::{DuplicateKey, ParsedJson, PathSegment, parse_json};
use super::read::{DEFAULT_MAX_BYTES, size};
use super::text::{did_you_mean, escape, escape_up_to};
use crate::{ConnectorError, ErrorKind, REDACTED, Redactor};

/// How many problems (and, separately, warnings) are listed by default; the rest are counted.
pub const DEFAULT_MAX_PROBLEMS: usize = 20;

/// Secrets shorter than this are cut out of messages only where a whole value equals them:
/// cutting every occurrence of a 2-letter string would garble the text around it.
const MIN_SECRET_CHARS: usize = 4;

/// How a config is loaded: every connector's loader takes these.
///
/// ```
/// use connector_kit::config::LoadOptions;
///
/// let lenient = LoadOptions::default();
/// assert!(!lenient.strict);
/// let strict = LoadOptions::strict().with_max_bytes(64 * 1024);
/// assert!(strict.strict);
/// assert_eq!(strict.max_bytes, 64 * 1024);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct LoadOptions {
    /// Warnings are problems: a config that would load with a warning is refused.
    pub strict: bool,
    /// The longest config text accepted; a longer one is refused before it is parsed.
    pub max_bytes: usize,
    /// How many problems, and how many warnings, are listed; the rest are only counted.
    pub max_problems: usize,
}

impl Default for LoadOptions {
    /// Lenient, [`DEFAULT_MAX_BYTES`] (1 MiB), [`DEFAULT_MAX_PROBLEMS`].
    fn default() -> Self {
        LoadOptions {
            strict: false,
            max_bytes: DEFAULT_MAX_BYTES,
            max_problems: DEFAULT_MAX_PROBLEMS,
        }
    }
}

impl LoadOptions {
    /// The defaults, in strict mode.
    pub fn strict() -> Self {
        LoadOptions::default().with_strict(true)
    }

    /// Sets strict mode.
    pub fn with_strict(mut self, strict: bool) -> Self {
        self.strict = strict;
        self
    }

    /// Sets the size limit, in bytes.
    pub fn with_max_bytes(mut self, max_bytes: usize) -> Self {
        self.max_bytes = max_bytes;
        self
    }

    /// Sets how many problems (and warnings) are listed; at least one always is.
    pub fn with_max_problems(mut self, max_problems: usize) -> Self {
        self.max_problems = max_problems.max(1);
        self
    }
}

/// One thing wrong with a config (or, as a warning, one thing the loader did about it), at a
/// JSON path such as `templates[1].usageType`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ConfigProblem {
    /// Where: a JSON path like `apiSecret` or `templates[1].usageType`; empty for the
    /// document as a whole. Keys outside the known ones are [escaped](super::escape).
    pub path: String,
    /// What is wrong and what is expected. Never contains a secret.
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
    /// `path: message`, or the message alone for the whole document.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

/// Writes `items` one a line, then `… and K more {what}` when some were left out.
fn write_list(
    f: &mut fmt::Formatter<'_>,
    items: &[ConfigProblem],
    omitted: usize,
    what: &str,
) -> fmt::Result {
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            f.write_str("\n")?;
        }
        write!(f, "{item}")?;
    }
    if omitted > 0 {
        write!(f, "\n… and {omitted} more {what}")?;
    }
    Ok(())
}

/// Everything wrong with a config, so that a form can show every problem at once: the first
/// [`LoadOptions::max_problems`] of them, and how many more there are.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ConfigError {
    /// The problems, in the order they were found; never empty.
    pub problems: Vec<ConfigProblem>,
    /// How many more problems were found and not listed.
    pub omitted: usize,
    /// The warnings found as well: they often explain a problem (a template ignored for its
    /// mis-cased usage type leaves that usage type without one).
    pub warnings: ConfigWarnings,
}

impl ConfigError {
    /// An error listing these problems (at least one).
    pub fn new(problems: Vec<ConfigProblem>) -> Self {
        ConfigError {
            problems,
            omitted: 0,
            warnings: ConfigWarnings::default(),
        }
    }

    /// The paths of the problems, in order.
    pub fn paths(&self) -> impl Iterator<Item = &str> {
        self.problems.iter().map(|p| p.path.as_str())
    }
}

impl From<ConfigProblem> for ConfigError {
    fn from(problem: ConfigProblem) -> Self {
        ConfigError::new(vec![problem])
    }
}

impl fmt::Display for ConfigError {
    /// One problem a line, as `path: message`; then `… and K more problems` if some were left
    /// out; then each warning as `warning: path: message`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_list(f, &self.problems, self.omitted, "problems")?;
        for warning in &self.warnings.warnings {
            write!(f, "\nwarning: {warning}")?;
        }
        if self.warnings.omitted > 0 {
            write!(f, "\n… and {} more warnings", self.warnings.omitted)?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigError {}

impl From<ConfigError> for ConnectorError {
    /// [`ErrorKind::InvalidConfig`] at the first problem's path, with every listed problem
    /// and warning in the message (`; `-separated) and the [`ConfigError`] as the source.
    fn from(error: ConfigError) -> Self {
        let field = error.problems.first().map(|p| p.path.clone());
        let mut message = error.to_string().replace('\n', "; ");
        if message.is_empty() {
            message = "the config is invalid".to_owned();
        }
        let converted = ConnectorError::new(ErrorKind::InvalidConfig, message);
        match field {
            Some(field) if !field.is_empty() => converted.with_field(field),
            _ => converted,
        }
        .with_source(error)
    }
}

/// What a loader did that the config's author may not expect (a key ignored, white space
/// removed): the first [`LoadOptions::max_problems`] warnings, and how many more there are.
/// In strict mode each would have been a problem instead.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ConfigWarnings {
    /// The warnings, in the order they were found.
    pub warnings: Vec<ConfigProblem>,
    /// How many more warnings were found and not listed.
    pub omitted: usize,
}

impl ConfigWarnings {
    /// Whether there is no warning at all.
    pub fn is_empty(&self) -> bool {
        self.warnings.is_empty() && self.omitted == 0
    }

    /// How many warnings there are, listed or not.
    pub fn count(&self) -> usize {
        self.warnings.len() + self.omitted
    }

    /// The listed warnings.
    pub fn iter(&self) -> std::slice::Iter<'_, ConfigProblem> {
        self.warnings.iter()
    }
}

impl fmt::Display for ConfigWarnings {
    /// One warning a line, as `path: message`; then `… and K more warnings`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_list(f, &self.warnings, self.omitted, "warnings")
    }
}

/// A loaded config and the warnings about it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Loaded<T> {
    /// The config, checked.
    pub config: T,
    /// What the loader did that the author may not expect; empty for a clean config, and
    /// always empty in strict mode.
    pub warnings: ConfigWarnings,
}

impl<T> Loaded<T> {
    /// The config, each warning logged once (`tracing`, WARN, target `connector_kit::config`,
    /// with the warning's `path` as a field): `{what}: {message}`, e.g.
    /// `SMS config: unknown field (did you mean `sender`?); ignored`. For a constructor
    /// that has no way to return warnings; [`warnings`](Self::warnings) has them as data.
    pub fn logged(self, what: &str) -> T {
        for warning in self.warnings.iter() {
            tracing::warn!(target: "connector_kit::config", path = %warning.path, "{what}: {}", warning.message);
        }
        if self.warnings.omitted > 0 {
            tracing::warn!(
                target: "connector_kit::config",
                "{what}: … and {} more warnings",
                self.warnings.omitted
            );
        }
        self.config
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Severity {
    Error,
    Warning,
}

/// The findings of one load: a loader reports problems and warnings here as it walks the
/// config, then [`finish`](Self::finish)es with what it built.
///
/// It keeps the lists bounded ([`LoadOptions::max_problems`]; the rest are counted), turns
/// warnings into problems in strict mode, and cuts every [secret](Self::add_secret) out of
/// every path and message, wherever in the input the secret appeared.
///
/// Register the secrets first, right after parsing: [`echo`](Self::echo) can only hide what it
/// knows.
#[derive(Debug)]
pub struct Findings {
    options: LoadOptions,
    /// Secret values (never printed: `Debug` shows how many there are).
    secrets: Secrets,
    problems: Vec<ConfigProblem>,
    omitted_problems: usize,
    warnings: Vec<ConfigProblem>,
    omitted_warnings: usize,
}

/// The secrets of a load: each once, and a matcher of those long enough to be searched for
/// inside other text, so that checking a value costs one pass over it however many secrets a
/// config holds.
#[derive(Default)]
struct Secrets {
    all: HashSet<String>,
    /// Built on first use after a secret was added; `None` if it could not be.
    matcher: OnceLock<Option<AhoCorasick>>,
}

impl Secrets {
    fn add(&mut self, secret: &str) {
        if !secret.is_empty() && !self.all.contains(secret) {
            self.all.insert(secret.to_owned());
            if secret.chars().count() >= MIN_SECRET_CHARS {
                self.matcher = OnceLock::new();
            }
        }
    }

    fn held_by(&self, text: &str) -> bool {
        if self.all.contains(text) {
            return true;
        }
        let matcher = self.matcher.get_or_init(|| {
            let long = self
                .all
                .iter()
                .filter(|s| s.chars().count() >= MIN_SECRET_CHARS);
            AhoCorasick::new(long).ok()
        });
        // `None`: too many to search for (far beyond any config's size); then every text
        // counts as holding one, so none is shown.
        match matcher {
            Some(matcher) => matcher.is_match(text),
            None => true,
        }
    }
}

impl fmt::Debug for Secrets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secrets({} values)", self.all.len())
    }
}

impl Findings {
    /// Empty findings for a load with these options.
    pub fn new(options: &LoadOptions) -> Self {
        Findings {
            options: *options,
            secrets: Secrets::default(),
            problems: Vec::new(),
            omitted_problems: 0,
            warnings: Vec::new(),
            omitted_warnings: 0,
        }
    }

    /// The options of this load.
    pub fn options(&self) -> &LoadOptions {
        &self.options
    }

    /// Checks the size of `text`, then parses it ([`parse_json`]). A problem at the document
    /// when it is too large (nothing is parsed then), not JSON, or refused by [`parse_json`]
    /// (keys repeated under very long keys); a leading byte order mark is skipped with a
    /// warning.
    pub fn parse_json(&mut self, text: &str) -> Option<ParsedJson> {
        if text.len() > self.options.max_bytes {
            self.error(
                "",
                format!(
                    "the config is {} bytes, more than {}, the limit for a config; nothing was parsed",
                    text.len(),
                    size(self.options.max_bytes)
                ),
            );
            return None;
        }
        let text = match text.strip_prefix('\u{feff}') {
            Some(rest) => {
                self.warn("", "a byte order mark (U+FEFF) at the start", "skipped");
                rest
            }
            None => text,
        };
        match parse_json(text) {
            Ok(parsed) => Some(parsed),
            // Valid JSON that `parse_json` refuses to keep (see there).
            Err(error) if error.is_data() => {
                self.error("", format!("the config is refused: {error}"));
                None
            }
            Err(error) => {
                self.error("", format!("the config is not valid JSON: {error}"));
                None
            }
        }
    }

    /// A value that must never be shown: from now on, a value or key that holds it is echoed
    /// as [`REDACTED`] ([`echo`](Self::echo), [`key_path`](Self::key_path)), and every message
    /// has it cut out when the load finishes.
    pub fn add_secret(&mut self, secret: &str) {
        self.secrets.add(secret);
    }

    /// Every string and key inside `value` as a secret (a secret field given as an object or a
    /// list still holds a secret), and the text with white space trimmed.
    pub fn add_secrets_in(&mut self, value: &Value) {
        match value {
            Value::String(text) => {
                self.add_secret(text);
                self.add_secret(text.trim());
            }
            Value::Array(items) => items.iter().for_each(|item| self.add_secrets_in(item)),
            Value::Object(object) => {
                for (key, item) in object {
                    self.add_secret(key);
                    self.add_secrets_in(item);
                }
            }
            Value::Null | Value::Bool(_) | Value::Number(_) => {}
        }
    }

    /// Whether `text` is a secret or holds one (secrets of fewer than 4 characters only when
    /// `text` is exactly the secret): such a value is never echoed, and a loader should refuse
    /// it in any field that is sent in clear.
    pub fn holds_secret(&self, text: &str) -> bool {
        self.secrets.held_by(text)
    }

    /// `value` as a message shows it: [escaped](super::escape) and in backticks, or
    /// [`REDACTED`] when it holds a secret.
    pub fn echo(&self, value: &str) -> String {
        if self.holds_secret(value) {
            REDACTED.to_owned()
        } else {
            format!("`{}`", escape(value))
        }
    }

    /// `path.key`, with the key [escaped](super::escape) (or [`REDACTED`] when it holds a
    /// secret): for keys that are not one of the known ones.
    pub fn key_path(&self, path: &str, key: &str) -> String {
        let key = if self.holds_secret(key) {
            REDACTED.to_owned()
        } else {
            escape(key)
        };
        join(path, &key)
    }

    /// A path from its segments, each key as [`key_path`](Self::key_path) writes it.
    pub fn path_of(&self, segments: &[PathSegment]) -> String {
        let mut path = String::new();
        for segment in segments {
            match segment {
                PathSegment::Key(key) => path = self.key_path(&path, key),
                PathSegment::Index(index) => path.push_str(&format!("[{index}]")),
            }
        }
        path
    }

    /// Records a problem.
    pub fn error(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.record(Severity::Error, |_| (path.into(), message.into()));
    }

    /// Records a warning: `what` was found, and `done` is what the loader does about it
    /// (`ignored`, `the first one is used`); the message is `{what}; {done}`. In strict mode it
    /// is a problem instead: `{what}; refused in strict mode`.
    pub fn warn(&mut self, path: impl Into<String>, what: impl Into<String>, done: &str) {
        self.record(Severity::Warning, |findings| {
            (path.into(), findings.warning_message(what.into(), done))
        });
    }

    fn warning_message(&self, what: String, done: &str) -> String {
        if self.options.strict {
            format!("{what}; refused in strict mode")
        } else {
            format!("{what}; {done}")
        }
    }

    /// Records a finding, building its path and message only if the list it goes to has room.
    fn record(&mut self, severity: Severity, build: impl FnOnce(&Self) -> (String, String)) {
        let severity = if self.options.strict {
            Severity::Error
        } else {
            severity
        };
        let listed = match severity {
            Severity::Error => self.problems.len(),
            Severity::Warning => self.warnings.len(),
        };
        if listed >= self.options.max_problems {
            match severity {
                Severity::Error => self.omitted_problems += 1,
                Severity::Warning => self.omitted_warnings += 1,
            }
            return;
        }
        let (path, message) = build(self);
        let finding = ConfigProblem { path, message };
        match severity {
            Severity::Error => self.problems.push(finding),
            Severity::Warning => self.warnings.push(finding),
        }
    }

    /// Reports every key of `object` (at `path`) that is not in `known`, as `policy` says:
    /// with a "did you mean" when one is close, or the list of known keys. Suggestions are
    /// computed for listed findings only.
    pub(super) fn unknown_keys(
        &mut self,
        object: &Map<String, Value>,
        path: &str,
        known: &[&str],
        policy: UnknownKeys,
    ) {
        let severity = match policy {
            UnknownKeys::Warn => Severity::Warning,
            UnknownKeys::Refuse => Severity::Error,
        };
        for key in object.keys() {
            if known.contains(&key.as_str()) {
                continue;
            }
            self.record(severity, |findings| {
                let suggestion = did_you_mean(key, known).filter(|_| !findings.holds_secret(key));
                let what = match suggestion {
                    Some(meant) => format!("unknown field (did you mean `{meant}`?)"),
                    None => format!("unknown field (expected one of: {})", known.join(", ")),
                };
                let message = match severity {
                    Severity::Warning => findings.warning_message(what, "ignored"),
                    Severity::Error => what,
                };
                (findings.key_path(path, key), message)
            });
        }
    }

    /// Reports each repeated key once, with how many times it was given: a problem where
    /// `is_error` says so (a credential given twice: which one is meant?), else a warning that
    /// the last value is used.
    pub fn duplicate_keys(
        &mut self,
        duplicates: &[DuplicateKey],
        is_error: impl Fn(&[PathSegment]) -> bool,
    ) {
        // (path, times given), in document order. The repeats of one key in one object share
        // their path: each copy is compared by address, and only the first of each by value
        // (a path may be long; a key repeated many times is not hashed many times).
        let mut counts: Vec<(&[PathSegment], usize)> = Vec::new();
        let mut by_address: HashMap<*const PathSegment, usize> = HashMap::new();
        let mut by_value: HashMap<&[PathSegment], usize> = HashMap::new();
        for duplicate in duplicates {
            let path = duplicate.path.as_slice();
            let at = *by_address.entry(path.as_ptr()).or_insert_with(|| {
                *by_value.entry(path).or_insert_with(|| {
                    counts.push((path, 1));
                    counts.len() - 1
                })
            });
            counts[at].1 += 1;
        }
        for (path, times) in counts {
            if is_error(path) {
                self.record(Severity::Error, |findings| {
                    let message = format!(
                        "is given {times} times; which one is meant is unclear, so the config is refused: keep one"
                    );
                    (findings.path_of(path), message)
                });
            } else {
                self.record(Severity::Warning, |findings| {
                    let what = format!("is given {times} times");
                    let done = "the last one is used, as JSON.parse does";
                    (findings.path_of(path), findings.warning_message(what, done))
                });
            }
        }
    }

    /// Whether a problem has been recorded.
    pub fn has_problems(&self) -> bool {
        !self.problems.is_empty()
    }

    /// The config and its warnings, or every problem. `None` with no problem recorded is a
    /// loader that gave up without saying why: reported as an incomplete config.
    pub fn finish<T>(mut self, config: Option<T>) -> Result<Loaded<T>, ConfigError> {
        // Paths hold user text only where `key_path` wrote it, redacted already; messages may
        // hold anything, so every secret is cut out of them here: as it is, in the kit's
        // encodings, and as `escape` writes it.
        let redactor = Redactor::new(
            self.secrets
                .all
                .iter()
                .flat_map(|s| [s.clone(), escape_up_to(s, None)])
                .collect::<Vec<_>>()
                .iter()
                .map(String::as_str),
        );
        let redact = |findings: Vec<ConfigProblem>| -> Vec<ConfigProblem> {
            findings
                .into_iter()
                .map(|p| ConfigProblem {
                    message: redactor.redact(&p.message).into_owned(),
                    path: p.path,
                })
                .collect()
        };
        if config.is_none() && self.problems.is_empty() {
            self.error("", "the config is incomplete");
        }
        let warnings = ConfigWarnings {
            warnings: redact(self.warnings),
            omitted: self.omitted_warnings,
        };
        match config {
            Some(config) if self.problems.is_empty() => Ok(Loaded { config, warnings }),
            _ => Err(ConfigError {
                problems: redact(self.problems),
                omitted: self.omitted_problems,
                warnings,
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn lists_are_bounded_and_count_the_rest() {
        let mut findings = Findings::new(&LoadOptions::default().with_max_problems(2));
        for i in 0..5 {
            findings.error(format!("e{i}"), "bad");
            findings.warn(format!("w{i}"), "odd", "ignored");
        }
        let err = findings.finish(Some(())).unwrap_err();
        assert_eq!(err.paths().collect::<Vec<_>>(), ["e0", "e1"]);
        assert_eq!(err.omitted, 3);
        assert_eq!(err.warnings.count(), 5);
        assert_eq!(
            err.to_string(),
            "e0: bad\ne1: bad\n… and 3 more problems\n\
             warning: w0: odd; ignored\nwarning: w1: odd; ignored\n… and 3 more warnings"
        );
        let converted = ConnectorError::from(err);
        assert_eq!(
            converted.message(),
            "e0: bad; e1: bad; … and 3 more problems; warning: w0: odd; ignored; warning: w1: odd; ignored; … and 3 more warnings"
        );
        assert_eq!(converted.field(), Some("e0"));
    }

    #[test]
    fn warnings_come_back_as_data_or_as_problems_in_strict_mode() {
        let mut findings = Findings::new(&LoadOptions::default());
        findings.warn("a", "a stray key", "ignored");
        let loaded = findings.finish(Some(7)).unwrap();
        assert_eq!(loaded.config, 7);
        assert_eq!(loaded.warnings.to_string(), "a: a stray key; ignored");
        assert_eq!(loaded.warnings.count(), 1);

        let mut findings = Findings::new(&LoadOptions::strict());
        findings.warn("a", "a stray key", "ignored");
        assert!(findings.has_problems());
        let err = findings.finish(Some(7)).unwrap_err();
        assert_eq!(err.to_string(), "a: a stray key; refused in strict mode");

        let err = Findings::new(&LoadOptions::default())
            .finish::<()>(None)
            .unwrap_err();
        assert_eq!(err.to_string(), "the config is incomplete");
    }

    #[test]
    fn secrets_are_cut_wherever_they_appear() {
        let mut findings = Findings::new(&LoadOptions::default());
        findings.add_secrets_in(&json!(" CanarySecret9 "));
        findings.add_secrets_in(&json!({"k3y": ["Zw\u{200b}Secret5", "tok"]}));
        assert_eq!(findings.echo("CanarySecret9"), REDACTED);
        assert_eq!(findings.echo("xx CanarySecret9 yy"), REDACTED);
        assert_eq!(findings.echo("Zw\u{200b}Secret5"), REDACTED);
        // Keys inside a secret field hold a secret too.
        assert_eq!(findings.echo("k3y"), REDACTED);
        assert_eq!(findings.echo("tok"), REDACTED);
        assert_eq!(findings.echo("token"), "`token`");
        assert_eq!(findings.key_path("a", "CanarySecret9"), "a.** redacted **");
        // What a message says without echo: the secret as it is, or as `escape` writes it.
        let path = findings.key_path("x", "CanarySecret9");
        findings.warn(path, "CanarySecret9 and Zw\\u{200b}Secret5", "tok");
        let loaded = findings.finish(Some(())).unwrap();
        assert_eq!(
            loaded.warnings.to_string(),
            "x.** redacted **: ** redacted ** and ** redacted **; tok"
        );
        assert!(!format!("{:?}", Findings::new(&LoadOptions::default())).contains("Canary"));
    }

    #[test]
    fn unknown_keys_are_warnings_with_suggestions_for_listed_ones_only() {
        let known = ["sender", "templates"];
        let mut object = Map::new();
        object.insert("sendr".into(), json!(1));
        object.insert("templates".into(), json!([]));
        object.insert("\u{202e}x".into(), json!(1));
        for i in 0..1000 {
            object.insert(format!("k{i:04}"), json!(i));
        }
        let mut findings = Findings::new(&LoadOptions::default().with_max_problems(3));
        findings.unknown_keys(&object, "", &known, UnknownKeys::Warn);
        let loaded = findings.finish(Some(())).unwrap();
        assert_eq!(loaded.warnings.count(), 1002);
        assert_eq!(
            loaded.warnings.to_string(),
            "k0000: unknown field (expected one of: sender, templates); ignored\n\
             k0001: unknown field (expected one of: sender, templates); ignored\n\
             k0002: unknown field (expected one of: sender, templates); ignored\n\
             … and 999 more warnings"
        );
        let mut findings = Findings::new(&LoadOptions::strict());
        let object = json!({"sendr": 1, "\u{202e}x": 2});
        findings.unknown_keys(
            object.as_object().unwrap(),
            "t[0]",
            &known,
            UnknownKeys::Warn,
        );
        let err = findings.finish(Some(())).unwrap_err();
        assert_eq!(
            err.to_string(),
            "t[0].sendr: unknown field (did you mean `sender`?); refused in strict mode\n\
             t[0].\\u{202e}x: unknown field (expected one of: sender, templates); refused in strict mode"
        );
    }

    #[test]
    fn repeated_keys_are_counted_once_each() {
        let parsed = parse_json(
            r#"{"secret": "a", "secret": "b", "secret": "c", "name": 1, "name": 2, "t": [{"x": 1, "x": 2}]}"#,
        )
        .unwrap();
        let mut findings = Findings::new(&LoadOptions::default());
        findings.duplicate_keys(&parsed.duplicates, |path| {
            path.first() == Some(&PathSegment::Key("secret".into()))
        });
        let err = findings.finish(Some(())).unwrap_err();
        assert_eq!(
            err.to_string(),
            "secret: is given 3 times; which one is meant is unclear, so the config is refused: keep one\n\
             warning: name: is given 2 times; the last one is used, as JSON.parse does\n\
             warning: t[0].x: is given 2 times; the last one is used, as JSON.parse does"
        );
        let mut findings = Findings::new(&LoadOptions::default());
        findings.duplicate_keys(&parsed.duplicates, |_| false);
        let warnings = findings.finish(Some(())).unwrap().warnings;
        let paths: Vec<_> = warnings.iter().map(|w| w.path.as_str()).collect();
        assert_eq!(paths, ["secret", "name", "t[0].x"]);
        assert_eq!(
            warnings.warnings[1].message,
            "is given 2 times; the last one is used, as JSON.parse does"
        );
    }

    #[test]
    fn parse_refuses_oversized_text_before_parsing_and_skips_a_bom() {
        let mut findings = Findings::new(&LoadOptions::default().with_max_bytes(8));
        assert!(findings.parse_json("[1, 2, 3, 4]").is_none());
        let err = findings.finish::<()>(None).unwrap_err();
        assert_eq!(
            err.to_string(),
            "the config is 12 bytes, more than 8 bytes, the limit for a config; nothing was parsed"
        );

        let mut findings = Findings::new(&LoadOptions::default());
        let parsed = findings.parse_json("\u{feff}{}").unwrap();
        assert_eq!(parsed.value, json!({}));
        let loaded = findings.finish(Some(())).unwrap();
        assert!(loaded.warnings.to_string().contains("byte order mark"));

        let mut findings = Findings::new(&LoadOptions::default());
        assert!(findings.parse_json("{").is_none());
        assert!(
            findings
                .finish::<()>(None)
                .unwrap_err()
                .to_string()
                .starts_with("the config is not valid JSON: EOF")
        );
    }
}
