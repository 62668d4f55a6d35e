#![no_main]
//! Bundle binary form: accepted input re-encodes byte-identically.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| certanchor_fuzz::bundle_binary(data));
