//! The fuzz targets' checks (`targets::*::run`, called by `fuzz_targets/*.rs` under libFuzzer
//! and by `tests/replay.rs` on the committed seeds and regressions, on stable Rust), and the
//! helpers they share. See `docs/fuzzing.md`.

pub mod targets {
    //! One module per fuzz target; each `run(data)` panics when a check fails.
    pub mod config_loader;
    pub mod phone_parser;
    pub mod response_classifier;
    pub mod signer;
    pub mod template_params;
}

use std::borrow::Cow;
use std::fmt;

use aliyun_sign::encode::percent_decode;
use chrono::{DateTime, TimeZone, Utc};
use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};

/// The fixed request time of the request-building checks (Logto's captured example).
pub fn fixed_time() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 5, 1, 8, 9, 10).unwrap()
}

/// The fixed nonce of the request-building checks (Logto's captured example).
pub const FIXED_NONCE: &str = "c1b2c332-4cfb-4a0f-b8cc-ebe622aa0a5c";

/// The input as text: as it is when it is UTF-8, else lossily.
pub fn text_of(data: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(data) {
        Ok(text) => Cow::Borrowed(text),
        Err(_) => String::from_utf8_lossy(data),
    }
}

/// The byte that separates fields in the structured targets' inputs. It never occurs in UTF-8,
/// so every string can be written as a field, and seeds stay readable
/// (`printf 'code\xff123456'`).
pub const SEPARATOR: u8 = 0xFF;

/// Splits `data` at [`SEPARATOR`] into text fields (each lossily UTF-8); none when `data` is
/// empty.
pub fn fields(data: &[u8]) -> Vec<Cow<'_, str>> {
    if data.is_empty() {
        return Vec::new();
    }
    data.split(|&b| b == SEPARATOR).map(text_of).collect()
}

/// Decodes an Aliyun-encoded `name=value&...` form body (every reserved byte is escaped, so
/// splitting on `&` and `=` is exact). Panics on a piece that does not decode: the builders
/// only ever produce well-formed bodies.
pub fn decode_form(body: &str) -> Vec<(String, String)> {
    if body.is_empty() {
        return Vec::new();
    }
    body.split('&')
        .map(|pair| {
            let (name, value) = pair
                .split_once('=')
                .unwrap_or_else(|| panic!("form pair without `=`: {pair:?}"));
            let name = percent_decode(name).unwrap_or_else(|e| panic!("name {name:?}: {e}"));
            let value = percent_decode(value).unwrap_or_else(|e| panic!("value {value:?}: {e}"));
            (name, value)
        })
        .collect()
}

/// A JSON object read as its `(key, string value)` entries, in document order and with
/// repeated keys kept (a `serde_json::Value` would sort and merge them).
#[derive(Debug, PartialEq, Eq)]
pub struct OrderedStringMap(pub Vec<(String, String)>);

impl<'de> Deserialize<'de> for OrderedStringMap {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = OrderedStringMap;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object of strings")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut entries = Vec::new();
                while let Some(entry) = map.next_entry::<String, String>()? {
                    entries.push(entry);
                }
                Ok(OrderedStringMap(entries))
            }
        }
        deserializer.deserialize_map(V)
    }
}
