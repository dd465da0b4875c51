//! The config's JSON Schema, from the Rust types, in the shape the connectors' schemas have:
//! draft-07 (what form generators handle best), descriptions as paragraphs, a title on every
//! choice, no Rust-only number formats.

use schemars::Schema;
use schemars::generate::SchemaSettings;
use schemars::transform::RecursiveTransform;
use serde_json::Value;

use crate::GuardConfig;

/// Where the checked-in schema lives, from the workspace root.
pub const SCHEMA_PATH: &str = "docs/schema/send-guard-config.schema.json";

const SCHEMA_NOTE: &str = "Generated from the Rust config types (crates/send-guard/src/config.rs) by `cargo xtask schema`; do not edit.";

/// The JSON Schema (draft-07) of [`GuardConfig`].
pub fn config_schema() -> Value {
    SchemaSettings::draft07()
        .with_transform(RecursiveTransform(polish))
        .into_generator()
        .into_root_schema_for::<GuardConfig>()
        .to_value()
}

/// The schema file as checked in at [`SCHEMA_PATH`]: a `$comment` that it is generated, then
/// the schema, pretty-printed, with a final newline.
pub fn config_schema_file() -> String {
    let text = serde_json::to_string_pretty(&config_schema()).expect("a schema always serializes");
    let rest = text.strip_prefix("{\n").expect("a schema is an object");
    format!(
        "{{\n  \"$comment\": {},\n{rest}\n",
        Value::from(SCHEMA_NOTE)
    )
}

/// Descriptions as plain paragraphs (doc comments are wrapped), a title on each `const`
/// choice, and no `uint8`/`uint32` formats (strict validators reject unknown formats).
fn polish(schema: &mut Schema) {
    if let Some(Value::String(description)) = schema.get_mut("description") {
        *description = description
            .split("\n\n")
            .map(|p| p.lines().map(str::trim).collect::<Vec<_>>().join(" "))
            .collect::<Vec<_>>()
            .join("\n\n");
    }
    if let (Some(Value::String(value)), None) = (schema.get("const"), schema.get("title")) {
        let title = value.clone();
        schema.insert("title".into(), title.into());
    }
    if let Some(Value::String(format)) = schema.get("format") {
        if format.starts_with("int") || format.starts_with("uint") {
            schema.remove("format");
        }
    }
}
