#![no_main]
//! Trust store JSON: Ok or a typed error; an accepted store re-serializes to
//! JSON that is accepted again and means the same.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| certanchor_fuzz::trust_store_json(data));
