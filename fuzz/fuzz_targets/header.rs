#![no_main]
//! Certificate header (the Merkle leaf data): strict decode, byte-identical
//! re-encoding.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| certanchor_fuzz::header(data));
