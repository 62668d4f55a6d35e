#![no_main]
//! C2SP signed notes and tlog checkpoints: parse, open with the fixture
//! ledger's verifier, verify as a checkpoint; checkpoint text round trip.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| certanchor_fuzz::checkpoint_note(data));
