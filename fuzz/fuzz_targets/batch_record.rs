#![no_main]
//! Issued-batch record (the issuer's private store): strict decode,
//! byte-identical re-encoding, and every bundle of it can be derived.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| certanchor_fuzz::batch_record(data));
