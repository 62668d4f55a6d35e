#![no_main]

//! File-ledger recovery on arbitrary segment / checkpoint bytes: Ok or a
//! typed error, never a panic; see `certanchor_fuzz::ledger_recovery`.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| certanchor_fuzz::ledger_recovery(data));
