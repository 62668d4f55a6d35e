#![no_main]
//! Status lists (COSE_Sign1, tag 18, zlib bits capped): decode, body round
//! trip (decode(encode(x)) == x), handing it to a verifier out of band, and
//! verifying the fixture bundle with the input as its status list.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| certanchor_fuzz::status_list(data));
