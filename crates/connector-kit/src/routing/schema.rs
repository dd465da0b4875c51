//! The routing config's JSON Schema: each provider entry a choice among the registry's
//! connectors, with that connector's own schema.

use schemars::{Schema, SchemaGenerator};
use serde_json::{Map, Value, json};

use crate::Registry;
use crate::routing::{BreakerPolicy, SettlePolicy};

/// The schema of the config: see [`RoutingFactory`].
pub(crate) fn config_schema(registry: &Registry, generator: &mut SchemaGenerator) -> Schema {
    let pointer = generator
        .settings()
        .definitions_path
        .trim_start_matches('#')
        .trim_end_matches('/')
        .to_owned();
    let meta_schema = generator.settings().meta_schema.clone();
    let name = json!({
        "type": "string",
        "title": "Name",
        "description": "The provider's name in routes, receipts and errors: letters, digits, `.`, `_` or `-`.",
        "pattern": "^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$",
    });
    let mut definitions = Map::new();
    let mut choices = Vec::new();
    for factory in registry.factories() {
        let metadata = factory.metadata();
        let mut schema = factory.config_schema(generator).to_value();
        if let Some(object) = schema.as_object_mut() {
            object.remove("$schema");
            hoist_definitions(object, &pointer, metadata.id, &mut definitions);
        }
        choices.push(json!({
            "title": metadata.name.get("en"),
            "description": metadata.description.get("en"),
            "type": "object",
            "properties": {
                "name": name,
                "connector": {
                    "title": "Connector",
                    "description": "The connector's id.",
                    "const": metadata.id,
                    "default": metadata.id,
                },
                "config": schema,
            },
            "required": ["name", "connector", "config"],
            "additionalProperties": false,
        }));
    }
    let names = json!({
        "type": "array",
        "items": { "type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$" },
        "minItems": 1,
        "uniqueItems": true,
    });
    let whole = |title: &str, description: &str, min: u64, max: u64, default: u64| {
        json!({
            "title": title,
            "description": description,
            "type": "integer",
            "minimum": min,
            "maximum": max,
            "default": default,
        })
    };
    let breaker = BreakerPolicy::default();
    let settle = SettlePolicy::default();
    let mut root = json!({
        "title": "RoutingConfig",
        "description": "Routes each message by its destination through providers in order, failing over only when nothing was sent (docs/routing-and-failover.md).",
        "type": "object",
        "properties": {
            "providers": {
                "title": "Providers",
                "description": "Each provider: a name, the id of its connector, and that connector's own config.",
                "type": "array",
                "items": { "oneOf": choices },
                "minItems": 1,
            },
            "routes": {
                "title": "Routes",
                "description": "Rules in order: numbers starting with one of the prefixes go through the route's providers, in order.",
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "prefixes": {
                            "title": "Prefixes",
                            "description": "Country calling codes such as `86`, or longer prefixes (`1876`).",
                            "type": "array",
                            "items": { "type": "string", "pattern": "^\\+?(00)?[1-9][0-9]{0,14}$" },
                            "minItems": 1,
                        },
                        "providers": merge(&names, json!({
                            "title": "Providers",
                            "description": "The route's providers by name, tried in this order.",
                        })),
                    },
                    "required": ["prefixes", "providers"],
                    "additionalProperties": false,
                },
            },
            "default": merge(&names, json!({
                "title": "Default route",
                "description": "The providers of numbers no route matches, by name, tried in this order.",
            })),
            "nationalCallingCode": {
                "title": "National calling code",
                "description": "The country calling code of numbers written without `+` or `00`; without it, such numbers are read as starting with their country code, as Logto stores them.",
                "type": "string",
                "pattern": "^\\+?(00)?[1-9][0-9]{0,14}$",
            },
            "circuitBreaker": {
                "title": "Circuit breaker",
                "description": "A provider that fails this many sends in a row is skipped for the cool-down.",
                "type": "object",
                "properties": {
                    "failureThreshold": whole("Failures in a row", "Failures in a row that take the provider out.", 1, 1_000, u64::from(breaker.failure_threshold)),
                    "coolDownMs": whole("Cool-down (ms)", "How long the provider is skipped before one send probes it.", 0, 86_400_000, breaker.cool_down.as_millis() as u64),
                },
                "additionalProperties": false,
            },
            "settle": {
                "title": "Settling unknown outcomes",
                "description": "How long delivery lookups may find nothing before a send of unknown outcome counts as not sent.",
                "type": "object",
                "properties": {
                    "waitMs": whole("Wait (ms)", "How long lookups may find nothing before the message counts as not sent.", 0, 600_000, settle.wait.as_millis() as u64),
                    "intervalMs": whole("Interval (ms)", "The pause between lookups.", 1, 60_000, settle.interval.as_millis() as u64),
                },
                "additionalProperties": false,
            },
        },
        "required": ["providers"],
        "anyOf": [
            { "required": ["routes"], "properties": { "routes": { "minItems": 1 } } },
            { "required": ["default"] },
        ],
        "additionalProperties": false,
    });
    if let Some(object) = root.as_object_mut() {
        if let Some(meta_schema) = meta_schema {
            object.insert("$schema".into(), Value::String(meta_schema.into_owned()));
        }
        if !definitions.is_empty() {
            insert_at(object, &pointer, definitions);
        }
    }
    Schema::try_from(root).unwrap_or_default()
}

fn merge(base: &Value, extra: Value) -> Value {
    let mut merged = base.clone();
    if let (Some(merged), Value::Object(extra)) = (merged.as_object_mut(), extra) {
        merged.extend(extra);
    }
    merged
}

/// Moves the definitions of a provider's root schema to `definitions`; a name already taken
/// by another schema is renamed `{id}.{name}`, with the references to it.
fn hoist_definitions(
    schema: &mut Map<String, Value>,
    pointer: &str,
    id: &str,
    definitions: &mut Map<String, Value>,
) {
    let Some(own) = take_at(schema, pointer) else {
        return;
    };
    let mut renames = Vec::new();
    for (name, definition) in own {
        match definitions.get(&name) {
            Some(existing) if *existing != definition => {
                let renamed = format!("{id}.{name}");
                renames.push((
                    format!("#{pointer}/{name}"),
                    format!("#{pointer}/{renamed}"),
                ));
                definitions.insert(renamed, definition);
            }
            _ => {
                definitions.insert(name, definition);
            }
        }
    }
    for (from, to) in &renames {
        let mut value = Value::Object(std::mem::take(schema));
        rename_refs(&mut value, from, to);
        for (_, definition) in definitions.iter_mut() {
            rename_refs(definition, from, to);
        }
        if let Value::Object(object) = value {
            *schema = object;
        }
    }
}

fn rename_refs(value: &mut Value, from: &str, to: &str) {
    match value {
        Value::Object(object) => {
            for (key, child) in object.iter_mut() {
                match child {
                    Value::String(target) if key == "$ref" && target == from => {
                        *target = to.to_owned();
                    }
                    child => rename_refs(child, from, to),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| rename_refs(v, from, to)),
        _ => {}
    }
}

/// Removes and returns the object at a JSON pointer such as `/$defs`.
fn take_at(object: &mut Map<String, Value>, pointer: &str) -> Option<Map<String, Value>> {
    let mut keys: Vec<&str> = pointer.split('/').filter(|k| !k.is_empty()).collect();
    let last = keys.pop()?;
    let mut current = object;
    for key in keys {
        current = current.get_mut(key)?.as_object_mut()?;
    }
    match current.remove(last)? {
        Value::Object(taken) => Some(taken),
        _ => None,
    }
}

fn insert_at(object: &mut Map<String, Value>, pointer: &str, value: Map<String, Value>) {
    let mut keys: Vec<&str> = pointer.split('/').filter(|k| !k.is_empty()).collect();
    let Some(last) = keys.pop() else {
        return;
    };
    let mut current = object;
    for key in keys {
        let entry = current
            .entry(key.to_owned())
            .or_insert_with(|| Value::Object(Map::new()));
        let Some(next) = entry.as_object_mut() else {
            return;
        };
        current = next;
    }
    current.insert(last.to_owned(), Value::Object(value));
}
