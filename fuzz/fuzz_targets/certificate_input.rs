#![no_main]
//! Certificate input (JSONL / CSV): rows read or reported by line; accepted
//! rows survive a JSONL round trip; issuing them gives a batch or a typed error.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| certanchor_fuzz::certificate_input(data));
