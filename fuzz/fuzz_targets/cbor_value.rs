#![no_main]
//! Strict deterministic CBOR: any accepted item re-encodes byte-identically;
//! `check_strict` (used before COSE parsing) agrees it is one strict item.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| certanchor_fuzz::cbor_value(data));
