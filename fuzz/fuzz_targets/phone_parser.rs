//! See `src/targets/phone_parser.rs` for what this target checks, and docs/fuzzing.md.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| fuzz_support::targets::phone_parser::run(data));
