#![no_main]
//! Anchors (COSE_Sign, tag 98): decode, body round trip, and verification of
//! the fixture bundle with its anchor replaced by the input.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| certanchor_fuzz::anchor(data));
