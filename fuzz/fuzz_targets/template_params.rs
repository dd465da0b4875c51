//! See `src/targets/template_params.rs` for what this target checks, and docs/fuzzing.md.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| fuzz_support::targets::template_params::run(data));
