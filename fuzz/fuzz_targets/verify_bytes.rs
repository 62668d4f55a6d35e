#![no_main]
//! `Verifier::verify` on arbitrary bytes (binary or `CA1:` text): a report
//! with all ten checks, never a panic.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| certanchor_fuzz::verify_bytes(data));
