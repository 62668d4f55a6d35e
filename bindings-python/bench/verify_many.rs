//! Rust side of the Python `verify_many` benchmark (`bench/bench_verify.py`):
//! verifies the bundles of a file (one `CA1:` text per line) with the core's
//! `verify_many` and prints bundles per second as JSON.
//!
//! Run: `cargo run --release -p certanchor-python --example verify_many_bench -- FILE NOW [ROUNDS [TRUST]]`
//! (`TRUST`: a trust store JSON file; default the demo store).

use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let path = args
        .next()
        .ok_or("usage: verify_many_bench FILE NOW [ROUNDS [TRUST]]")?;
    let now: u64 = args.next().ok_or("missing NOW")?.parse()?;
    let rounds: usize = args.next().map_or(Ok(5), |s| s.parse())?;
    let text = std::fs::read_to_string(path)?;
    let bundles: Vec<&str> = text.lines().filter(|l| !l.is_empty()).collect();
    let store = match args.next() {
        Some(path) => certanchor::TrustStore::from_json(&std::fs::read_to_string(path)?)?,
        None => certanchor::TrustStore::from_doc(certanchor::sample::demo_trust_doc(None))?,
    };
    let mut best_many = f64::INFINITY;
    let mut best_one = f64::INFINITY;
    for _ in 0..rounds {
        // A fresh verifier each round: the anchor cache starts cold, as in Python.
        let verifier = certanchor::Verifier::new(store.clone());
        let t = Instant::now();
        let reports = verifier.verify_many(&bundles, now);
        best_many = best_many.min(t.elapsed().as_secs_f64());
        if reports
            .iter()
            .any(|r| r.verdict != certanchor::Verdict::Valid)
        {
            return Err("a benchmark bundle did not verify".into());
        }
        let t = Instant::now();
        for b in &bundles {
            let _ = verifier.verify(b.as_bytes(), now);
        }
        best_one = best_one.min(t.elapsed().as_secs_f64());
    }
    let n = bundles.len() as f64;
    println!(
        "{{\"bundles\": {}, \"verify_many_per_s\": {:.1}, \"verify_us\": {:.2}}}",
        bundles.len(),
        n / best_many,
        best_one / n * 1e6
    );
    Ok(())
}
