//! What Logto does with the usage types of a connector's `templates` list, so that every config
//! Logto accepts loads here too, with a warning for what Logto would do silently.
//!
//! Logto's connectors read `usageType` as any string (`z.string()` in their config guards) and
//! pick a template with `templates.find(({ usageType }) => usageType === type)`. So:
//! - a usage type that is not one of Logto's (mis-cased, padded, or the deprecated `Test` that
//!   connector-kit 5.1.1 still lists in `VerificationCodeType`) names a template that is never
//!   used: ignored, with a warning;
//! - a usage type given twice: the first template is used, the later one ignored;
//! - `Register`, `SignIn`, `ForgotPassword` and `Generic` must each have a template, in Logto's
//!   words: `UsageType (X, Y) should be provided in templates.`
//!
//! Every connector with Logto's `templates` list (Aliyun's, Tencent's) reads it with [`read`]:
//! the usage types here ([`usage_types`]), the rest of each entry by the connector.

use connector_kit::UsageType;
use connector_kit::config::{Fields, Findings, REDACTED, did_you_mean, type_name};
use serde_json::Value;

/// The usage type Logto's connector-kit deprecated in favour of `Generic`.
pub const DEPRECATED_TEST: &str = "Test";

/// What became of one entry of the `templates` list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Usage {
    /// The template is used for this usage type.
    Use(UsageType),
    /// Logto would never use the template: ignored, with a warning.
    Ignored,
    /// No usable `usageType` (left out, or not a string), or the entry is not an object: a
    /// problem. (An entry that is not an object is the caller's to report.)
    Invalid,
}

/// The usage type of each entry of `items` (the list at `path`), reporting to `findings`: a
/// problem for a missing or non-string `usageType`, a warning for each ignored entry, and a
/// problem at `path` for the required usage types no entry names.
pub fn usage_types(items: &[Value], path: &str, findings: &mut Findings) -> Vec<Usage> {
    let mut first: Vec<(UsageType, usize)> = Vec::new();
    let mut usages = Vec::with_capacity(items.len());
    for (index, item) in items.iter().enumerate() {
        let at = format!("{path}[{index}].usageType");
        let usage = match item.as_object().map(|entry| entry.get("usageType")) {
            None => Usage::Invalid,
            Some(None) => {
                findings.error(at, "is required");
                Usage::Invalid
            }
            Some(Some(Value::String(name))) => match name.parse::<UsageType>() {
                Ok(usage) => match first.iter().find(|(u, _)| *u == usage) {
                    Some(&(_, earlier)) => {
                        findings.warn(
                            at,
                            format!("{usage} already has a template ({path}[{earlier}])"),
                            "this one is ignored, as Logto uses the first",
                        );
                        Usage::Ignored
                    }
                    None => {
                        first.push((usage, index));
                        Usage::Use(usage)
                    }
                },
                Err(_) => {
                    let what = ignored_usage_type(name, findings);
                    findings.warn(at, what, "this template is ignored, as Logto ignores it");
                    Usage::Ignored
                }
            },
            Some(Some(other)) => {
                findings.error(
                    at,
                    format!(
                        "expected a usage type name such as \"SignIn\", found {}",
                        type_name(other)
                    ),
                );
                Usage::Invalid
            }
        };
        usages.push(usage);
    }
    let missing: Vec<&str> = UsageType::REQUIRED
        .iter()
        .filter(|required| !first.iter().any(|(u, _)| u == *required))
        .map(|u| u.as_str())
        .collect();
    if !missing.is_empty() {
        findings.error(
            path,
            format!(
                "UsageType ({}) should be provided in templates.",
                missing.join(", ")
            ),
        );
    }
    usages
}

/// The templates Logto would use, from the list at `path`: the usage types read here, the rest
/// of each entry by `entry` (given the entry, its path and its usage type, `None` when that is
/// wrong and reported, so that every problem is found at once). An entry Logto would ignore is
/// left out, with a warning; `None` when the list or any entry is wrong.
pub fn read<T>(
    fields: &mut Fields<'_>,
    value: &Value,
    path: &str,
    mut entry: impl FnMut(&mut Fields<'_>, &Value, &str, Option<UsageType>) -> Option<T>,
) -> Option<Vec<T>> {
    let items = fields.list(value, path, "templates")?;
    let usages = usage_types(items, path, fields.findings());
    let mut templates = Vec::with_capacity(items.len());
    let mut complete = true;
    for (index, (item, usage)) in items.iter().zip(usages).enumerate() {
        let usage = match usage {
            Usage::Ignored => continue,
            Usage::Use(usage) => Some(usage),
            Usage::Invalid => None,
        };
        match entry(fields, item, &format!("{path}[{index}]"), usage) {
            Some(template) => templates.push(template),
            None => complete = false,
        }
    }
    complete.then_some(templates)
}

/// Why a template with this usage type is ignored, with a "did you mean" for a near miss and
/// the valid names.
fn ignored_usage_type(name: &str, findings: &Findings) -> String {
    let valid = UsageType::ALL.map(UsageType::as_str).join(", ");
    if name == DEPRECATED_TEST {
        return format!(
            "`Test` is a deprecated usage type: Logto sends its test messages as Generic (valid usage types: {valid})"
        );
    }
    let shown = findings.echo(name);
    let hint = did_you_mean(name, &UsageType::ALL.map(UsageType::as_str))
        .filter(|_| shown != REDACTED)
        .map(|meant| format!("; did you mean `{meant}`?"))
        .unwrap_or_default();
    format!("unknown usage type {shown}{hint} (valid usage types: {valid})")
}

#[cfg(test)]
mod tests {
    use super::*;
    use connector_kit::config::LoadOptions;
    use serde_json::json;

    fn run(items: Value) -> (Vec<Usage>, String) {
        let mut findings = Findings::new(&LoadOptions::default());
        let usages = usage_types(items.as_array().unwrap(), "templates", &mut findings);
        let report = match findings.finish(Some(())) {
            Ok(loaded) => loaded.warnings.to_string(),
            Err(error) => format!("ERROR {error}"),
        };
        (usages, report)
    }

    #[test]
    fn what_logto_ignores_is_ignored_with_a_warning() {
        let (usages, report) = run(json!([
            {"usageType": "Register"}, {"usageType": "Test"}, {"usageType": "SignIn"},
            {"usageType": "signIn"}, {"usageType": "SignIn"}, {"usageType": "ForgotPassword"},
            {"usageType": "Generic "}, {"usageType": "Generic"}, {"usageType": ""},
        ]));
        use Usage::*;
        assert_eq!(
            usages,
            [
                Use(UsageType::Register),
                Ignored,
                Use(UsageType::SignIn),
                Ignored,
                Ignored,
                Use(UsageType::ForgotPassword),
                Ignored,
                Use(UsageType::Generic),
                Ignored,
            ]
        );
        let lines: Vec<&str> = report.lines().collect();
        let valid = UsageType::ALL.map(UsageType::as_str).join(", ");
        assert_eq!(
            lines[0],
            format!(
                "templates[1].usageType: `Test` is a deprecated usage type: Logto sends its test messages as Generic (valid usage types: {valid}); this template is ignored, as Logto ignores it"
            )
        );
        assert_eq!(
            lines[1],
            format!(
                "templates[3].usageType: unknown usage type `signIn`; did you mean `SignIn`? (valid usage types: {valid}); this template is ignored, as Logto ignores it"
            )
        );
        assert_eq!(
            lines[2],
            "templates[4].usageType: SignIn already has a template (templates[2]); this one is ignored, as Logto uses the first"
        );
        assert!(
            lines[3].starts_with(
                "templates[6].usageType: unknown usage type `Generic `; did you mean `Generic`?"
            ),
            "{report}"
        );
        assert!(
            lines[4].starts_with("templates[8].usageType: unknown usage type `` (valid"),
            "{report}"
        );
        assert_eq!(lines.len(), 5);
    }

    #[test]
    fn missing_and_malformed_usage_types_are_problems() {
        let (usages, report) = run(json!([
            {"templateCode": "x"}, {"usageType": 7}, "SMS_1", {"usageType": "Test"}
        ]));
        assert_eq!(
            usages,
            [
                Usage::Invalid,
                Usage::Invalid,
                Usage::Invalid,
                Usage::Ignored
            ]
        );
        assert_eq!(
            report,
            "ERROR templates[0].usageType: is required\n\
             templates[1].usageType: expected a usage type name such as \"SignIn\", found a number\n\
             templates: UsageType (Register, SignIn, ForgotPassword, Generic) should be provided in templates.\n\
             warning: templates[3].usageType: `Test` is a deprecated usage type: Logto sends its test messages as Generic (valid usage types: Register, SignIn, ForgotPassword, Generic, OrganizationInvitation, UserPermissionValidation, BindNewIdentifier, MfaVerification, BindMfa); this template is ignored, as Logto ignores it"
        );
    }
}
