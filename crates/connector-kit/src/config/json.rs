//! A JSON parse that sees repeated keys (a `serde_json::Value` keeps the last one silently).

use std::collections::HashMap;
use std::fmt;
use std::ops::Deref;
use std::sync::Arc;

use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

/// One step of a path into a JSON document.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PathSegment {
    /// A key of an object.
    Key(String),
    /// A position in a list.
    Index(usize),
}

/// The path of a repeated key: its object's path, then the key. It reads as a slice of
/// [`PathSegment`]s; the repeats of one key in one object share one copy of it, so a key
/// repeated many times under a long key keeps that long key once.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct JsonPath(Arc<[PathSegment]>);

impl JsonPath {
    /// The segments, from the document's root.
    pub fn as_slice(&self) -> &[PathSegment] {
        &self.0
    }

    /// Whether both are the same copy (repeats of one key in one object are).
    pub fn ptr_eq(&self, other: &JsonPath) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Deref for JsonPath {
    type Target = [PathSegment];

    fn deref(&self) -> &[PathSegment] {
        &self.0
    }
}

impl fmt::Debug for JsonPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl From<Vec<PathSegment>> for JsonPath {
    fn from(segments: Vec<PathSegment>) -> Self {
        JsonPath(segments.into())
    }
}

impl PartialEq<[PathSegment]> for JsonPath {
    fn eq(&self, other: &[PathSegment]) -> bool {
        *self.0 == *other
    }
}

impl PartialEq<Vec<PathSegment>> for JsonPath {
    fn eq(&self, other: &Vec<PathSegment>) -> bool {
        *self.0 == **other
    }
}

impl<const N: usize> PartialEq<[PathSegment; N]> for JsonPath {
    fn eq(&self, other: &[PathSegment; N]) -> bool {
        *self.0 == *other
    }
}

/// A key given more than once in one object. The value kept is the last one, as `JSON.parse`
/// and most JSON readers keep it.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct DuplicateKey {
    /// Where the key is: its object's path, then the key.
    pub path: JsonPath,
    /// The value a later one replaced (kept so that a secret given twice is known twice).
    pub earlier: Value,
}

/// A parsed document with the keys it repeats.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ParsedJson {
    /// The document; a repeated key holds its last value.
    pub value: Value,
    /// Every repeated key, in document order (a key given three times appears twice).
    pub duplicates: Vec<DuplicateKey>,
}

impl ParsedJson {
    /// Every value the top-level `key` was given: the one kept, then those it replaced.
    pub fn values_of<'a>(&'a self, key: &'a str) -> impl Iterator<Item = &'a Value> + 'a {
        self.value.get(key).into_iter().chain(
            self.duplicates
                .iter()
                .filter(move |d| matches!(&d.path[..], [PathSegment::Key(k)] if k == key))
                .map(|d| &d.earlier),
        )
    }
}

/// How a message names the type of a JSON value: `null`, `a boolean`, `a number`, `a string`,
/// `a list` or `an object` (as in `expected a string, found a number`).
pub fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// How many bytes of paths of repeated keys a parse keeps, at most, per byte of text (beyond
/// [`PATH_BYTES_ALLOWANCE`]). Each repeated key's path is kept once per object; a document
/// that repeats many keys under a long key would otherwise keep that key once per object
/// and key, with the square of its size.
const PATH_BYTES_PER_TEXT_BYTE: usize = 8;
/// The bytes of paths of repeated keys any document may keep, however short.
const PATH_BYTES_ALLOWANCE: usize = 64 * 1024;

/// Parses JSON text as `serde_json` does (same syntax, same nesting limit of 128), recording
/// every repeated key.
///
/// The paths of repeated keys are kept once per object and key; a document whose paths to
/// keep add up to more than 8 times its size (and 64 KiB) is refused with an error of the
/// [data category](serde_json::Error::is_data): it repeats many keys under long keys, which no
/// real config does.
///
/// ```
/// use connector_kit::config::{parse_json, PathSegment};
///
/// let parsed = parse_json(r#"{"a": {"b": 1, "b": 2}}"#).unwrap();
/// assert_eq!(parsed.value["a"]["b"], 2);
/// let key = |k: &str| PathSegment::Key(k.to_owned());
/// assert_eq!(parsed.duplicates[0].path, [key("a"), key("b")]);
/// assert_eq!(parsed.duplicates[0].earlier, 1);
/// ```
pub fn parse_json(text: &str) -> Result<ParsedJson, serde_json::Error> {
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let mut path = Vec::new();
    let mut duplicates = Vec::new();
    let mut path_bytes_left = text
        .len()
        .saturating_mul(PATH_BYTES_PER_TEXT_BYTE)
        .saturating_add(PATH_BYTES_ALLOWANCE);
    let value = ValueSeed {
        path: &mut path,
        duplicates: &mut duplicates,
        path_bytes_left: &mut path_bytes_left,
    }
    .deserialize(&mut deserializer)?;
    deserializer.end()?;
    Ok(ParsedJson { value, duplicates })
}

struct ValueSeed<'p> {
    path: &'p mut Vec<PathSegment>,
    duplicates: &'p mut Vec<DuplicateKey>,
    /// What the paths of repeated keys may still take, in bytes.
    path_bytes_left: &'p mut usize,
}

impl ValueSeed<'_> {
    fn nested(&mut self) -> ValueSeed<'_> {
        ValueSeed {
            path: self.path,
            duplicates: self.duplicates,
            path_bytes_left: self.path_bytes_left,
        }
    }

    /// The current path, then `key`: a new copy, paid from the paths' budget.
    fn path_to<E: serde::de::Error>(&mut self, key: &str) -> Result<JsonPath, E> {
        let segment_bytes = |segment: &PathSegment| {
            std::mem::size_of::<PathSegment>()
                + match segment {
                    PathSegment::Key(key) => key.len(),
                    PathSegment::Index(_) => 0,
                }
        };
        let bytes = self.path.iter().map(segment_bytes).sum::<usize>()
            + std::mem::size_of::<PathSegment>()
            + key.len();
        let Some(left) = self.path_bytes_left.checked_sub(bytes) else {
            return Err(E::custom(
                "it repeats keys under keys so long that their paths would take more than 8 times its size; give each key once",
            ));
        };
        *self.path_bytes_left = left;
        let mut path = Vec::with_capacity(self.path.len() + 1);
        path.extend_from_slice(self.path);
        path.push(PathSegment::Key(key.to_owned()));
        Ok(JsonPath::from(path))
    }
}

impl<'de> DeserializeSeed<'de> for ValueSeed<'_> {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ValueSeed<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Number::from_f64(v).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(mut self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        loop {
            self.path.push(PathSegment::Index(items.len()));
            let item = seq.next_element_seed(self.nested());
            self.path.pop();
            match item? {
                Some(item) => items.push(item),
                None => return Ok(Value::Array(items)),
            }
        }
    }

    fn visit_map<A: MapAccess<'de>>(mut self, mut map: A) -> Result<Value, A::Error> {
        let mut object = Map::new();
        // The path of each key this object repeats, made once and shared by its repeats.
        let mut repeated: HashMap<String, JsonPath> = HashMap::new();
        while let Some(key) = map.next_key::<String>()? {
            self.path.push(PathSegment::Key(key));
            let value = map.next_value_seed(self.nested());
            let Some(PathSegment::Key(key)) = self.path.pop() else {
                unreachable!("the key pushed above")
            };
            let value = value?;
            if let Some(earlier) = object.get_mut(&key) {
                let earlier = std::mem::replace(earlier, value);
                let path = match repeated.get(&key) {
                    Some(path) => path.clone(),
                    None => {
                        let path = self.path_to::<A::Error>(&key)?;
                        repeated.insert(key, path.clone());
                        path
                    }
                };
                self.duplicates.push(DuplicateKey { path, earlier });
            } else {
                object.insert(key, value);
            }
        }
        Ok(Value::Object(object))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn key(k: &str) -> PathSegment {
        PathSegment::Key(k.to_owned())
    }

    #[test]
    fn parses_like_serde_json() {
        for text in [
            "null",
            "true",
            "-12",
            "18446744073709551615",
            "1e3",
            "2.5",
            r#""a\u0000b""#,
            r#"[1, [2, {"x": []}], {}]"#,
            r#"{"a": {"b": [1, 2, {"c": null}]}, "d": "é"}"#,
        ] {
            let parsed = parse_json(text).unwrap();
            assert_eq!(parsed.value, serde_json::from_str::<Value>(text).unwrap());
            assert!(parsed.duplicates.is_empty());
        }
        for text in ["", "{", "[1,]", "{\"a\" 1}", "1 2", "\"\u{0}\"", "1e400"] {
            assert_eq!(
                parse_json(text).unwrap_err().to_string(),
                serde_json::from_str::<Value>(text).unwrap_err().to_string()
            );
        }
        let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
        assert!(
            parse_json(&deep)
                .unwrap_err()
                .to_string()
                .contains("recursion limit")
        );
    }

    #[test]
    fn records_every_repeated_key_with_its_path() {
        let parsed = parse_json(
            r#"{"s": "one", "t": [{"u": 1, "u": 2, "u": 3}], "s": "two", "x": {"s": 0}}"#,
        )
        .unwrap();
        assert_eq!(
            parsed.value,
            json!({"s": "two", "t": [{"u": 3}], "x": {"s": 0}})
        );
        let found: Vec<_> = parsed
            .duplicates
            .iter()
            .map(|d| (d.path.to_vec(), d.earlier.clone()))
            .collect();
        assert_eq!(
            found,
            [
                (vec![key("t"), PathSegment::Index(0), key("u")], json!(1)),
                (vec![key("t"), PathSegment::Index(0), key("u")], json!(2)),
                (vec![key("s")], json!("one")),
            ]
        );
        // The repeats of one key in one object share their path; another object has its own.
        assert!(parsed.duplicates[0].path.ptr_eq(&parsed.duplicates[1].path));
        assert!(!parsed.duplicates[0].path.ptr_eq(&parsed.duplicates[2].path));
        let s: Vec<_> = parsed.values_of("s").collect();
        assert_eq!(s, [&json!("two"), &json!("one")]);
        assert_eq!(parsed.values_of("nope").count(), 0);
    }
}
