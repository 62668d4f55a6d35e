#![no_main]
//! `CA1:` text form (base45 + zlib, inflation capped): never panics; an
//! accepted text decodes to a bundle that survives text -> bundle again; the
//! base45 decoder on its own round-trips what it accepts.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| certanchor_fuzz::bundle_text(data));
