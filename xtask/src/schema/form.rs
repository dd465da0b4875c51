//! The config schema shaped for form generators (react-jsonschema-form, JSON Forms), which render
//! it with no UI schema, and written with its properties in the order an admin fills them.
//!
//! What the form libraries need, and schemars does not emit on its own:
//! - a choice (a Rust enum) inlined at its property, with its `type`: both libraries render an
//!   `allOf: [{$ref}]` wrapper around a `oneOf` of constants as an unsupported field, or not at
//!   all;
//! - a deprecated property out of `properties` (so no form shows it) but still accepted, through
//!   `dependencies` and `propertyNames`;
//! - the credentials that the loader may read from the environment required, since a console
//!   form has no environment to fall back on;
//! - plain-text titles and descriptions (forms show Markdown backticks literally);
//! - properties in declaration order, where schemars sorts them by name (see [`write()`]).

use std::collections::BTreeSet;

use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};
use serde_json::{Map, Value, json};

/// The internal keyword that carries an object schema's property order from [`shape`] to
/// [`write()`], which leaves it out of the file.
pub const ORDER: &str = "x-order";

/// The declaration order of the fields of one struct, by the name of its definition (`""` for
/// the root).
pub type FieldOrder = (&'static str, Vec<&'static str>);

/// Shapes `schema` (a draft-07 schema from schemars, Markdown in its descriptions) for forms:
/// see the module docs. `required` are properties the form requires although the loader does
/// not; `orders` are the declaration orders of the structs whose properties are not all
/// required (the order of `required` is the declaration order).
pub fn shape(schema: &mut Value, required: &[&str], orders: &[FieldOrder]) -> Result<(), String> {
    inline_references(schema)?;
    choices_with_type(schema);
    deprecated_out_of_the_form(schema);
    require(schema, required, orders)?;
    plain_text(schema);
    annotate_orders(schema, "", orders)
}

/// Replaces each `allOf: [{$ref}]` (schemars' way of adding a title or a description to a
/// reference) and each `$ref` to a choice by the definition itself; the referring schema's own
/// keywords win. Definitions no longer referred to are dropped.
fn inline_references(schema: &mut Value) -> Result<(), String> {
    let definitions = schema
        .get("definitions")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let mut error = None;
    inline_in(schema, &definitions, &mut error);
    if let Some(error) = error {
        return Err(error);
    }
    let mut referred = BTreeSet::new();
    references(schema, &mut referred);
    if let Some(Value::Object(definitions)) = schema.get_mut("definitions") {
        definitions.retain(|name, _| referred.contains(name));
        if definitions.is_empty() {
            schema
                .as_object_mut()
                .map(|root| root.remove("definitions"));
        }
    }
    Ok(())
}

fn inline_in(node: &mut Value, definitions: &Map<String, Value>, error: &mut Option<String>) {
    match node {
        Value::Object(object) => {
            let wrapped = match object.get("allOf").and_then(Value::as_array) {
                Some(all) if all.len() == 1 && all[0].as_object().is_some_and(|o| o.len() == 1) => {
                    all[0]
                        .get("$ref")
                        .and_then(Value::as_str)
                        .map(str::to_owned)
                }
                _ => None,
            };
            let target = match (&wrapped, object.get("$ref").and_then(Value::as_str)) {
                (Some(reference), _) => Some(reference.clone()),
                (None, Some(reference)) => {
                    let definition = definition(definitions, reference);
                    definition
                        .is_some_and(is_choice)
                        .then(|| reference.to_owned())
                }
                (None, None) => None,
            };
            if let Some(reference) = target {
                match definition(definitions, &reference) {
                    None => *error = Some(format!("unresolved reference {reference}")),
                    Some(definition) => {
                        object.remove("allOf");
                        object.remove("$ref");
                        for (key, value) in definition.as_object().into_iter().flatten() {
                            if !object.contains_key(key) {
                                object.insert(key.clone(), value.clone());
                            }
                        }
                    }
                }
            }
            for (key, value) in object.iter_mut() {
                if key != "definitions" {
                    inline_in(value, definitions, error);
                }
            }
            if let Some(Value::Object(nested)) = object.get_mut("definitions") {
                for value in nested.values_mut() {
                    inline_in(value, definitions, error);
                }
            }
        }
        Value::Array(items) => items
            .iter_mut()
            .for_each(|item| inline_in(item, definitions, error)),
        _ => {}
    }
}

fn definition<'d>(definitions: &'d Map<String, Value>, reference: &str) -> Option<&'d Value> {
    definitions.get(reference.strip_prefix("#/definitions/")?)
}

/// A `oneOf` of constants, or an `enum`: what a form shows as a list of choices.
fn is_choice(schema: &Value) -> bool {
    schema
        .as_object()
        .is_some_and(|object| object.contains_key("enum") || constants(object).is_some())
}

/// The constants of a `oneOf` whose every entry is one.
fn constants(schema: &Map<String, Value>) -> Option<Vec<&Value>> {
    let choices = schema.get("oneOf")?.as_array()?;
    choices.iter().map(|choice| choice.get("const")).collect()
}

fn references(node: &Value, found: &mut BTreeSet<String>) {
    match node {
        Value::Object(object) => {
            if let Some(name) = object
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(|r| r.strip_prefix("#/definitions/"))
            {
                found.insert(name.to_owned());
            }
            object.values().for_each(|value| references(value, found));
        }
        Value::Array(items) => items.iter().for_each(|item| references(item, found)),
        _ => {}
    }
}

/// Gives each `oneOf` of constants the `type` they share: react-jsonschema-form renders a
/// choice without one as "Unsupported field schema".
fn choices_with_type(node: &mut Value) {
    match node {
        Value::Object(object) => {
            let shared = constants(object).and_then(|values| {
                let types: BTreeSet<&str> = values.into_iter().map(json_type).collect();
                (types.len() == 1)
                    .then(|| types.into_iter().next())
                    .flatten()
            });
            if let (Some(ty), false) = (shared, object.contains_key("type")) {
                object.insert("type".into(), ty.into());
            }
            object.values_mut().for_each(choices_with_type);
        }
        Value::Array(items) => items.iter_mut().for_each(choices_with_type),
        _ => {}
    }
}

fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Moves each property marked `deprecated` out of `properties`, which is what both form
/// libraries render, into `dependencies` (a deprecated key, when present, must still hold a
/// valid value); `additionalProperties: false` becomes `propertyNames`, so the key stays allowed.
fn deprecated_out_of_the_form(node: &mut Value) {
    match node {
        Value::Object(object) => {
            let deprecated: Vec<String> = object
                .get("properties")
                .and_then(Value::as_object)
                .map(|properties| {
                    properties
                        .iter()
                        .filter(|(_, p)| p["deprecated"] == true)
                        .map(|(name, _)| name.clone())
                        .collect()
                })
                .unwrap_or_default();
            if !deprecated.is_empty() {
                let names: Vec<Value> = object["properties"]
                    .as_object()
                    .map(|p| p.keys().cloned().map(Value::from).collect())
                    .unwrap_or_default();
                let mut dependencies = Map::new();
                for name in deprecated {
                    let property = object["properties"]
                        .as_object_mut()
                        .and_then(|p| p.remove(&name))
                        .unwrap_or_default();
                    dependencies.insert(
                        name.clone(),
                        json!({ "properties": { name.clone(): property } }),
                    );
                }
                object.insert("dependencies".into(), dependencies.into());
                if object.get("additionalProperties") == Some(&Value::Bool(false)) {
                    object.remove("additionalProperties");
                    object.insert("propertyNames".into(), json!({ "enum": names }));
                }
            }
            // Not into `dependencies`, where the deprecated properties stay.
            object
                .iter_mut()
                .filter(|(key, _)| *key != "dependencies")
                .for_each(|(_, value)| deprecated_out_of_the_form(value));
        }
        Value::Array(items) => items.iter_mut().for_each(deprecated_out_of_the_form),
        _ => {}
    }
}

/// Adds `names` to the root's `required`, which stays in declaration order.
fn require(schema: &mut Value, names: &[&str], orders: &[FieldOrder]) -> Result<(), String> {
    if names.is_empty() {
        return Ok(());
    }
    let order = orders
        .iter()
        .find(|(name, _)| name.is_empty())
        .map(|(_, order)| order)
        .ok_or("no field order for the root")?;
    let root = schema
        .as_object_mut()
        .ok_or("the schema is not an object")?;
    let mut required: Vec<String> = root
        .get("required")
        .map(|r| strings(r).into_iter().map(str::to_owned).collect())
        .unwrap_or_default();
    for name in names {
        if root["properties"].get(*name).is_none() {
            return Err(format!("`{name}` is not a property of the config"));
        }
        if !required.iter().any(|r| r == name) {
            required.push((*name).to_owned());
        }
    }
    required.sort_by_key(|name| order.iter().position(|field| field == name));
    root.insert("required".into(), required.into());
    Ok(())
}

/// Titles and descriptions as plain text: Markdown code spans lose their backticks.
fn plain_text(node: &mut Value) {
    match node {
        Value::Object(object) => {
            for (key, value) in object.iter_mut() {
                match value {
                    Value::String(text) if key == "title" || key == "description" => {
                        *text = text.replace('`', "");
                    }
                    _ => plain_text(value),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(plain_text),
        _ => {}
    }
}

/// Puts [`ORDER`] on every schema with `properties`: the declaration order from `orders` (by
/// definition name, `""` for the root), else the order of `required` when it names every
/// property.
fn annotate_orders(node: &mut Value, pointer: &str, orders: &[FieldOrder]) -> Result<(), String> {
    match node {
        Value::Object(object) => {
            if let Some(Value::Object(properties)) = object.get("properties") {
                let name = match pointer.strip_prefix("/definitions/") {
                    Some(name) => Some(name),
                    None if pointer.is_empty() => Some(""),
                    None => None,
                };
                let declared = orders
                    .iter()
                    .find(|(n, _)| Some(*n) == name)
                    .map(|(_, order)| order.clone());
                let required = object.get("required").map(strings).unwrap_or_default();
                let order: Vec<&str> = match declared {
                    Some(order) => order
                        .into_iter()
                        .filter(|field| properties.contains_key(*field))
                        .collect(),
                    None => required,
                };
                let mut sorted = order.clone();
                sorted.sort_unstable();
                let keys: Vec<&str> = properties.keys().map(String::as_str).collect();
                if sorted != keys && keys.len() > 1 {
                    let at = if pointer.is_empty() { "/" } else { pointer };
                    return Err(format!(
                        "cannot tell the declaration order of the properties at {at} ({keys:?}): \
                         not all of them are required, so give the struct's field order \
                         (`field_order::<T>()`) in the provider's field orders"
                    ));
                }
                let order = if keys.len() > 1 { order } else { keys.clone() };
                let order: Vec<Value> = order.into_iter().map(Value::from).collect();
                object.insert(ORDER.into(), order.into());
            }
            for (key, value) in object.iter_mut() {
                if key != ORDER {
                    annotate_orders(value, &format!("{pointer}/{key}"), orders)?;
                }
            }
            Ok(())
        }
        Value::Array(items) => items
            .iter_mut()
            .enumerate()
            .try_for_each(|(i, item)| annotate_orders(item, &format!("{pointer}/{i}"), orders)),
        _ => Ok(()),
    }
}

fn strings(value: &Value) -> Vec<&str> {
    value
        .as_array()
        .map(|values| values.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

/// The schema as pretty JSON: each schema's keywords in a readable order (as schemars writes
/// them: `$comment`, `$schema`, `title`, `description`, `type`, `format`, `properties` first,
/// `definitions` last), and each `properties` in its [`ORDER`], which is left out.
///
/// JSON objects have no order, but form libraries render properties in the order the file lists
/// them (JavaScript keeps the order of keys). `serde_json`'s `preserve_order` would do this too,
/// but as a feature it is unified into every crate that the workspace builds together with the
/// xtask, changing how their JSON objects iterate in some builds and not in others.
pub fn write(schema: &Value) -> Result<String, String> {
    let mut text =
        serde_json::to_string_pretty(&Ordered::schema(schema)).map_err(|e| e.to_string())?;
    text.push('\n');
    Ok(text)
}

/// What a value in a schema is, for the order of its keys.
#[derive(Clone, Copy)]
enum Kind {
    /// A schema, or an array of schemas.
    Schema,
    /// A map of schemas by name (`definitions`, `dependencies`, `patternProperties`).
    Named,
    /// `properties`: named schemas in a given order.
    Properties,
    /// Plain data (`default`, `examples`, `const`, `enum`): keys sorted.
    Data,
}

struct Ordered<'a> {
    value: &'a Value,
    kind: Kind,
    /// For [`Kind::Properties`]: the order of the keys.
    order: Option<&'a Value>,
}

impl<'a> Ordered<'a> {
    fn schema(value: &'a Value) -> Self {
        Ordered {
            value,
            kind: Kind::Schema,
            order: None,
        }
    }
}

/// Keywords written first, in this order; then the others by name; then [`LAST`].
const FIRST: [&str; 8] = [
    "$comment",
    "$schema",
    "title",
    "description",
    "type",
    "format",
    "properties",
    "required",
];
const LAST: [&str; 1] = ["definitions"];

impl Serialize for Ordered<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match (self.value, self.kind) {
            (Value::Array(items), Kind::Schema) => {
                let mut seq = serializer.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(&Ordered::schema(item))?;
                }
                seq.end()
            }
            (Value::Object(object), Kind::Schema) => {
                let keys = FIRST
                    .iter()
                    .copied()
                    .filter(|key| object.contains_key(*key))
                    .chain(
                        object
                            .keys()
                            .map(String::as_str)
                            .filter(|key| !FIRST.contains(key) && !LAST.contains(key))
                            .filter(|key| *key != ORDER),
                    )
                    .chain(LAST.iter().copied().filter(|key| object.contains_key(*key)));
                let mut map = serializer.serialize_map(None)?;
                for key in keys {
                    let kind = match key {
                        "properties" => Kind::Properties,
                        "definitions" | "dependencies" | "patternProperties" => Kind::Named,
                        "default" | "examples" | "const" | "enum" => Kind::Data,
                        _ => Kind::Schema,
                    };
                    let value = Ordered {
                        value: &object[key],
                        kind,
                        order: object.get(ORDER),
                    };
                    map.serialize_entry(key, &value)?;
                }
                map.end()
            }
            (Value::Object(object), Kind::Named | Kind::Properties) => {
                let first: Vec<&str> = match (self.kind, self.order) {
                    (Kind::Properties, Some(order)) => strings(order),
                    _ => Vec::new(),
                };
                let rest = object
                    .keys()
                    .map(String::as_str)
                    .filter(|k| !first.contains(k));
                let mut map = serializer.serialize_map(Some(object.len()))?;
                for key in first.iter().copied().chain(rest) {
                    if let Some(value) = object.get(key) {
                        map.serialize_entry(key, &Ordered::schema(value))?;
                    }
                }
                map.end()
            }
            (value, _) => value.serialize(serializer),
        }
    }
}
