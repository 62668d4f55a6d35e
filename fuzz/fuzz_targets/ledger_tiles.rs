#![no_main]
//! Ledger entries, entry bundles, tile paths and snapshots: decode without
//! panic, round trips, and a snapshot followed into a verified view.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| certanchor_fuzz::ledger_tiles(data));
