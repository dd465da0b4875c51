//! Reading typed values out of a parsed config: each problem recorded at its path, and worded
//! the same way by every loader.

use std::fmt::Display;
use std::ops::RangeInclusive;

use serde_json::{Map, Number, Value};

use super::findings::Findings;
use super::json::type_name;
use super::text::did_you_mean;

impl Findings {
    /// `value` as an object, or a problem at `path`: `expected an object, found a list` (for
    /// the document itself, at the empty path: `the config must be an object, found a list`).
    /// Its keys are not checked: see [`unknown_keys`](Self::unknown_keys) and
    /// [`refuse_unknown_keys`](Self::refuse_unknown_keys).
    pub fn object<'v>(&mut self, value: &'v Value, path: &str) -> Option<&'v Map<String, Value>> {
        let object = value.as_object();
        if object.is_none() {
            let subject = if path.is_empty() {
                "the config must be"
            } else {
                "expected"
            };
            self.error(
                path,
                format!("{subject} an object, found {}", type_name(value)),
            );
        }
        object
    }

    /// The value of `key` in `object` (at `path`), or a problem at `path.key`: `is required`.
    pub fn required<'v>(
        &mut self,
        object: &'v Map<String, Value>,
        path: &str,
        key: &str,
    ) -> Option<&'v Value> {
        let value = object.get(key);
        if value.is_none() {
            let path = if path.is_empty() {
                key.to_owned()
            } else {
                format!("{path}.{key}")
            };
            self.error(path, "is required");
        }
        value
    }

    /// `value` as a list, or a problem at `path`: `expected a list, found a string`.
    pub fn list<'v>(&mut self, value: &'v Value, path: &str) -> Option<&'v [Value]> {
        let list = value.as_array().map(Vec::as_slice);
        if list.is_none() {
            self.error(
                path,
                format!("expected a list, found {}", type_name(value)),
            );
        }
        list
    }

    /// `value` as a string, or a problem at `path`: `expected a string, found a number`.
    pub fn string<'v>(&mut self, value: &'v Value, path: &str) -> Option<&'v str> {
        let text = value.as_str();
        if text.is_none() {
            self.error(
                path,
                format!("expected a string, found {}", type_name(value)),
            );
        }
        text
    }

    /// `value` as a whole number in `range`, or a problem at `path`. A number written `1e3` or
    /// `1000.0` is the whole number 1000, as it is to JSON Schema and JavaScript, and messages
    /// speak of whole numbers, never of floats.
    ///
    /// ```
    /// use connector_kit::config::{Findings, LoadOptions};
    /// use serde_json::json;
    ///
    /// let mut findings = Findings::new(&LoadOptions::default());
    /// assert_eq!(findings.whole_number(&json!(1e3), "timeoutMs", 1u32..=5000), Some(1000));
    /// assert_eq!(findings.whole_number(&json!(1e4), "timeoutMs", 1u32..=5000), None);
    /// assert_eq!(findings.whole_number(&json!(2.5), "maxAttempts", 1u8..=5), None);
    /// assert_eq!(findings.whole_number(&json!("3"), "maxAttempts", 1u8..=5), None);
    /// assert_eq!(
    ///     findings.finish(Some(())).unwrap_err().to_string(),
    ///     "timeoutMs: must be a whole number from 1 to 5000, found 10000\n\
    ///      maxAttempts: must be a whole number from 1 to 5, found 2.5\n\
    ///      maxAttempts: expected a whole number from 1 to 5, found a string"
    /// );
    /// ```
    pub fn whole_number<T>(
        &mut self,
        value: &Value,
        path: &str,
        range: RangeInclusive<T>,
    ) -> Option<T>
    where
        T: Copy + PartialOrd + Display + TryFrom<u64>,
    {
        let (min, max) = (*range.start(), *range.end());
        let Value::Number(number) = value else {
            self.error(
                path,
                format!(
                    "expected a whole number from {min} to {max}, found {}",
                    type_name(value)
                ),
            );
            return None;
        };
        let found = whole(number)
            .and_then(|n| T::try_from(n).ok())
            .filter(|n| range.contains(n));
        if found.is_none() {
            self.error(
                path,
                format!(
                    "must be a whole number from {min} to {max}, found {}",
                    shown(number)
                ),
            );
        }
        found
    }

    /// The position in `names` of the string `value`, or a problem at `path` that calls the
    /// value a `what` and shows it [escaped](Self::echo), with a "did you mean" for a near
    /// miss or else the list of `names`.
    ///
    /// ```
    /// use connector_kit::config::{Findings, LoadOptions};
    /// use serde_json::json;
    ///
    /// let scopes = ["number", "country", "global"];
    /// let mut findings = Findings::new(&LoadOptions::default());
    /// assert_eq!(findings.one_of(&json!("country"), "scope", "scope", &scopes), Some(1));
    /// assert_eq!(findings.one_of(&json!("planet"), "scope", "scope", &scopes), None);
    /// assert_eq!(findings.one_of(&json!("Nu\u{200b}mber"), "scope", "scope", &scopes), None);
    /// assert_eq!(findings.one_of(&json!(1), "scope", "scope", &scopes), None);
    /// assert_eq!(
    ///     findings.finish(Some(())).unwrap_err().to_string(),
    ///     "scope: unknown scope `planet`; expected one of: number, country, global\n\
    ///      scope: unknown scope `Nu\\u{200b}mber`; did you mean `number`?\n\
    ///      scope: expected a string, one of: number, country, global; found a number"
    /// );
    /// ```
    pub fn one_of(
        &mut self,
        value: &Value,
        path: &str,
        what: &str,
        names: &[&str],
    ) -> Option<usize> {
        let Value::String(name) = value else {
            self.error(
                path,
                format!(
                    "expected a string, one of: {}; found {}",
                    names.join(", "),
                    type_name(value)
                ),
            );
            return None;
        };
        if let Some(at) = names.iter().position(|n| n == name) {
            return Some(at);
        }
        let hint = match did_you_mean(name, names).filter(|_| !self.holds_secret(name)) {
            Some(meant) => format!("did you mean `{meant}`?"),
            None => format!("expected one of: {}", names.join(", ")),
        };
        let shown = self.echo(name);
        self.error(path, format!("unknown {what} {shown}; {hint}"));
        None
    }
}

/// `number` as a whole number, if it is one (`1e3` and `1000.0` are).
fn whole(number: &Number) -> Option<u64> {
    number.as_u64().or_else(|| {
        number
            .as_f64()
            // 2^64 (what `u64::MAX as f64` rounds to) is one past the largest u64.
            .filter(|f| f.fract() == 0.0 && (0.0..u64::MAX as f64).contains(f))
            .map(|f| f as u64)
    })
}

/// `number` as a message shows it: a whole one without a fraction (`1e3` as `1000`).
fn shown(number: &Number) -> String {
    match number.as_f64() {
        Some(f) if number.is_f64() && f.fract() == 0.0 && f.abs() < 1e15 => format!("{f:.0}"),
        _ => number.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::LoadOptions;
    use serde_json::json;

    fn problems(read: impl FnOnce(&mut Findings)) -> Vec<String> {
        let mut findings = Findings::new(&LoadOptions::default());
        read(&mut findings);
        match findings.finish(Some(())) {
            Ok(_) => Vec::new(),
            Err(error) => error.problems.iter().map(ToString::to_string).collect(),
        }
    }

    #[test]
    fn shapes_name_what_they_found() {
        let found = problems(|f| {
            assert!(f.object(&json!({}), "").is_some());
            assert!(f.object(&json!([]), "").is_none());
            assert!(f.object(&json!("x"), "a[0]").is_none());
            assert_eq!(f.string(&json!("x"), "b"), Some("x"));
            assert_eq!(f.string(&json!(null), "b"), None);
            assert_eq!(f.list(&json!([1]), "c"), Some(&[json!(1)][..]));
            assert_eq!(f.list(&json!({}), "c"), None);
            let object = json!({"d": 1});
            let object = object.as_object().unwrap();
            assert_eq!(f.required(object, "", "d"), Some(&json!(1)));
            assert_eq!(f.required(object, "", "e"), None);
            assert_eq!(f.required(object, "x[0]", "e"), None);
        });
        assert_eq!(
            found,
            [
                "the config must be an object, found a list",
                "a[0]: expected an object, found a string",
                "b: expected a string, found null",
                "c: expected a list, found an object",
                "e: is required",
                "x[0].e: is required",
            ]
        );
    }

    #[test]
    fn whole_numbers_in_every_spelling() {
        let found = problems(|f| {
            for (value, expected) in [
                (json!(7), Some(7)),
                (json!(7.0), Some(7)),
                (json!(7e0), Some(7)),
                (json!(0), Some(0)),
                (json!(-0.0), Some(0)),
                (json!(255), Some(255)),
                (json!(256), None),
                (json!(-1), None),
                (json!(1e20), None),
                (json!(0.5), None),
                (json!(true), None),
            ] {
                assert_eq!(f.whole_number(&value, "n", 0u8..=255), expected, "{value}");
            }
            assert_eq!(
                f.whole_number(&json!(u64::MAX), "big", 0..=u64::MAX),
                Some(u64::MAX)
            );
            assert_eq!(
                f.whole_number(&json!(1.8446744073709552e19), "big", 0..=u64::MAX),
                None
            );
        });
        assert_eq!(
            found,
            [
                "n: must be a whole number from 0 to 255, found 256",
                "n: must be a whole number from 0 to 255, found -1",
                "n: must be a whole number from 0 to 255, found 1e+20",
                "n: must be a whole number from 0 to 255, found 0.5",
                "n: expected a whole number from 0 to 255, found a boolean",
                "big: must be a whole number from 0 to 18446744073709551615, found 1.8446744073709552e+19",
            ]
        );
    }

    #[test]
    fn a_choice_never_shows_a_secret_nor_suggests_from_one() {
        let mut findings = Findings::new(&LoadOptions::default());
        findings.add_secret("monitor-secret-1");
        assert_eq!(
            findings.one_of(
                &json!("monitor-secret-1"),
                "mode",
                "mode",
                &["enforce", "monitor"]
            ),
            None
        );
        let err = findings.finish(Some(())).unwrap_err();
        assert_eq!(
            err.to_string(),
            "mode: unknown mode ** redacted **; expected one of: enforce, monitor"
        );
    }
}
