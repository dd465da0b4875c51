//! The secrets of a config that a JSON Schema describes: the values at the places it marks
//! `writeOnly`, as [`SecretString`](crate::SecretString)'s schema is. For a loader that holds
//! the configs of other connectors (a routing config holds each provider's) and knows their
//! secrets only by their schemas.

use std::collections::HashSet;

use serde_json::Value;

use super::findings::Findings;
use super::json::PathSegment;

/// How deep secrets are looked for, in steps through the schema and the value together.
const MAX_DEPTH: usize = 64;

impl Findings {
    /// Every string and key of `value` at a place `schema` marks `writeOnly` is a
    /// [secret](Self::add_secrets_in). Follows local `$ref`s, `properties`,
    /// `additionalProperties`, `items`, and every branch of `allOf`, `anyOf` and `oneOf` (a
    /// value is searched with each: hiding too much is safe, too little is not).
    ///
    /// ```
    /// use connector_kit::config::{Findings, LoadOptions, REDACTED};
    /// use serde_json::json;
    ///
    /// let schema = json!({
    ///     "type": "object",
    ///     "properties": { "apiKey": { "type": "string", "writeOnly": true }, "sender": { "type": "string" } }
    /// });
    /// let mut findings = Findings::new(&LoadOptions::default());
    /// findings.add_write_only_secrets(&schema, &json!({"apiKey": "k-3f9a77", "sender": "Acme"}));
    /// assert_eq!(findings.echo("k-3f9a77"), REDACTED);
    /// assert_eq!(findings.echo("Acme"), "`Acme`");
    /// ```
    pub fn add_write_only_secrets(&mut self, schema: &Value, value: &Value) {
        self.add_write_only_secrets_at(schema, &[], value);
    }

    /// As [`add_write_only_secrets`](Self::add_write_only_secrets), for a `value` that stands
    /// at `path` inside a document that `schema` describes: the value a repeated key was given
    /// first ([`DuplicateKey::earlier`](super::DuplicateKey::earlier)), which the parsed
    /// document no longer holds.
    pub fn add_write_only_secrets_at(
        &mut self,
        schema: &Value,
        path: &[PathSegment],
        value: &Value,
    ) {
        let mut search = Search {
            root: schema,
            seen: HashSet::new(),
            found: Vec::new(),
        };
        search.collect(schema, path, value, 0);
        for secret in search.found {
            self.add_secrets_in(secret);
        }
    }
}

/// A search for the `writeOnly` parts of a value.
struct Search<'s, 'v> {
    root: &'s Value,
    /// The places already searched (schema, value, steps of the path left), by address: a
    /// `$ref` back to a schema already searched at the same place adds nothing, and must not
    /// add a search per way of reaching it.
    seen: HashSet<(*const Value, *const Value, usize)>,
    found: Vec<&'v Value>,
}

impl<'s, 'v> Search<'s, 'v> {
    /// Pushes the parts of `value` (standing at `path` below `schema`) that are `writeOnly`.
    fn collect(&mut self, schema: &'s Value, path: &[PathSegment], value: &'v Value, depth: usize) {
        let place = (schema as *const Value, value as *const Value, path.len());
        if depth > MAX_DEPTH || !self.seen.insert(place) {
            return;
        }
        if schema.get("writeOnly") == Some(&Value::Bool(true)) {
            // Whatever stands below a secret is a secret too.
            self.found.push(value);
            return;
        }
        let root = self.root;
        let target = schema
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|reference| reference.strip_prefix('#'))
            .and_then(|pointer| root.pointer(pointer));
        let branches = ["allOf", "anyOf", "oneOf"]
            .into_iter()
            .filter_map(|combinator| schema.get(combinator).and_then(Value::as_array))
            .flatten();
        for sub in target.into_iter().chain(branches) {
            self.collect(sub, path, value, depth + 1);
        }
        match path.split_first() {
            Some((PathSegment::Key(key), rest)) => {
                if let Some(sub) = property(schema, key) {
                    self.collect(sub, rest, value, depth + 1);
                }
            }
            Some((PathSegment::Index(_), rest)) => {
                if let Some(sub) = items(schema) {
                    self.collect(sub, rest, value, depth + 1);
                }
            }
            None => match value {
                Value::Object(fields) => {
                    for (key, field) in fields {
                        if let Some(sub) = property(schema, key) {
                            self.collect(sub, &[], field, depth + 1);
                        }
                    }
                }
                Value::Array(list) => {
                    if let Some(sub) = items(schema) {
                        for item in list {
                            self.collect(sub, &[], item, depth + 1);
                        }
                    }
                }
                _ => {}
            },
        }
    }
}

/// The schema of the property `key`: its own, or `additionalProperties`'.
fn property<'s>(schema: &'s Value, key: &str) -> Option<&'s Value> {
    schema
        .get("properties")
        .and_then(|properties| properties.get(key))
        .or_else(|| schema.get("additionalProperties"))
        .filter(|sub| sub.is_object())
}

fn items(schema: &Value) -> Option<&Value> {
    schema.get("items").filter(|sub| sub.is_object())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{LoadOptions, REDACTED};
    use serde_json::json;

    fn key(k: &str) -> PathSegment {
        PathSegment::Key(k.to_owned())
    }

    /// A schema as schemars writes one: a definition behind a `$ref`, a list, a map, a choice.
    fn schema() -> Value {
        json!({
            "type": "object",
            "properties": {
                "credentials": { "$ref": "#/$defs/Credentials" },
                "tokens": { "type": "array", "items": { "type": "string", "writeOnly": true } },
                "headers": { "type": "object", "additionalProperties": { "type": "string", "writeOnly": true } },
                "auth": { "oneOf": [
                    { "type": "object", "properties": { "password": { "type": "string", "writeOnly": true } } },
                    { "type": "string" }
                ] },
                "name": { "type": "string" }
            },
            "$defs": {
                "Credentials": {
                    "type": "object",
                    "properties": { "id": { "type": "string" }, "secret": { "type": "string", "writeOnly": true } }
                }
            }
        })
    }

    #[test]
    fn finds_every_write_only_place() {
        let mut findings = Findings::new(&LoadOptions::default());
        findings.add_write_only_secrets(
            &schema(),
            &json!({
                "credentials": { "id": "key-id-1", "secret": "secret-one" },
                "tokens": ["token-two", "token-three"],
                "headers": { "x-auth": "header-four" },
                "auth": { "password": "password-five" },
                "name": "plain-name",
                "unknown": "not-described"
            }),
        );
        for secret in [
            "secret-one",
            "token-two",
            "token-three",
            "header-four",
            "password-five",
        ] {
            assert_eq!(findings.echo(secret), REDACTED, "{secret}");
        }
        for shown in ["key-id-1", "plain-name", "not-described", "x-auth"] {
            assert_ne!(findings.echo(shown), REDACTED, "{shown}");
        }
    }

    #[test]
    fn a_write_only_value_is_secret_whatever_its_shape() {
        let mut findings = Findings::new(&LoadOptions::default());
        findings.add_write_only_secrets(
            &schema(),
            &json!({ "credentials": { "secret": { "nested-key": ["deep-value"] } } }),
        );
        assert_eq!(findings.echo("nested-key"), REDACTED);
        assert_eq!(findings.echo("deep-value"), REDACTED);
    }

    #[test]
    fn a_value_found_at_a_path_is_read_with_the_schema_there() {
        let mut findings = Findings::new(&LoadOptions::default());
        let schema = schema();
        findings.add_write_only_secrets_at(
            &schema,
            &[key("credentials"), key("secret")],
            &json!("earlier-secret"),
        );
        findings.add_write_only_secrets_at(
            &schema,
            &[key("tokens"), PathSegment::Index(3)],
            &json!("earlier-token"),
        );
        findings.add_write_only_secrets_at(
            &schema,
            &[key("credentials")],
            &json!({"id": "earlier-id", "secret": "earlier-whole"}),
        );
        findings.add_write_only_secrets_at(&schema, &[key("name")], &json!("earlier-name"));
        findings.add_write_only_secrets_at(
            &schema,
            &[key("nowhere"), key("secret")],
            &json!("earlier-nowhere"),
        );
        for secret in ["earlier-secret", "earlier-token", "earlier-whole"] {
            assert_eq!(findings.echo(secret), REDACTED, "{secret}");
        }
        for shown in ["earlier-id", "earlier-name", "earlier-nowhere"] {
            assert_ne!(findings.echo(shown), REDACTED, "{shown}");
        }
    }

    #[test]
    fn a_schema_that_refers_to_itself_ends() {
        let schema = json!({ "$ref": "#", "properties": { "next": { "$ref": "#" }, "s": { "writeOnly": true } } });
        let mut value = json!({ "s": "bottom-secret" });
        for _ in 0..100 {
            value = json!({ "next": value });
        }
        let mut findings = Findings::new(&LoadOptions::default());
        findings.add_write_only_secrets(&schema, &value);
        findings.add_write_only_secrets(&schema, &json!({ "next": { "s": "shallow-secret" } }));
        assert_eq!(findings.echo("shallow-secret"), REDACTED);
    }
}
