//! The native side of the WebAssembly benchmark (`bindings-wasm/bench/verify.mjs`).
//!
//! ```text
//! cargo run --release -p certanchor-wasm --example bench_fixture -- write DIR [N]
//! cargo run --release -p certanchor-wasm --example bench_fixture -- measure DIR [--rounds R] [--seconds S] [--cold C]
//! ```
//!
//! `write` issues N (default 5,000) generated 12-field business licences in
//! one batch (market regulator, endorsed by the tax bureau, issued 2024-01-02)
//! and writes to DIR: `bundles.bin` (each bundle's binary form after its
//! length as a little-endian u32), `trust.json` (the demo trust store) and
//! `meta.json` (`n`, the time to verify at, bundle sizes).
//!
//! `measure` reads that fixture back and prints, as one JSON object, the
//! rates of the core's `Verifier` on one thread, measured the way the Node
//! script measures the wasm build: warm (one verifier, best of R rounds of
//! about S seconds cycling through the bundles, after an untimed pass and
//! second), warm plus the report's JSON view (what the binding converts to a
//! JavaScript object), and cold (a fresh verifier from the trust store JSON
//! per bundle, C bundles a round, best of R rounds after an untimed one).
//!
//! Built as part of `certanchor-wasm` on the host, the core has the same
//! features as in the wasm module (none of `parallel`, `batch`, `ledger`),
//! so both sides run the same code.

use certanchor::Document;
use std::error::Error;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use certanchor::sample;
use certanchor::{IssueOptions, Issuer, TrustStore, Verdict, Verifier};
use serde_json::json;

type Res<T> = Result<T, Box<dyn Error>>;

/// The verification time of the fixture: the day after issuance.
const NOW: u64 = sample::JAN_1_2024 + 2 * 86_400;

fn write(dir: &Path, n: usize) -> Res<()> {
    let auths = sample::demo_authorities();
    let (Some(market), Some(tax)) = (auths.get(1), auths.get(2)) else {
        return Err("demo authorities missing".into());
    };
    let certs: Vec<_> = (0..n as u64).map(sample::business_license).collect();
    let issuer = Issuer::new(market.key.clone(), market.id);
    let mut batch = issuer.issue(
        "wasm-bench",
        &certs,
        &IssueOptions::at(sample::JAN_1_2024 + 86_400),
    )?;
    batch.endorse(&tax.key, batch.anchor().body().issued_at)?;
    let mut out = Vec::new();
    let (mut min, mut max, mut total) = (usize::MAX, 0, 0);
    for i in 0..batch.len() {
        let b = batch.bundle(i, None)?.to_vec();
        out.extend_from_slice(&u32::try_from(b.len())?.to_le_bytes());
        out.extend_from_slice(&b);
        (min, max, total) = (min.min(b.len()), max.max(b.len()), total + b.len());
    }
    std::fs::create_dir_all(dir)?;
    std::fs::write(dir.join("bundles.bin"), out)?;
    let trust = serde_json::to_string_pretty(&sample::demo_trust_doc(None))?;
    std::fs::write(dir.join("trust.json"), trust)?;
    let meta = json!({
        "n": n, "now": NOW,
        "bundle_bytes": { "min": min, "max": max, "mean": total as f64 / n.max(1) as f64 },
    });
    std::fs::write(dir.join("meta.json"), serde_json::to_string_pretty(&meta)?)?;
    eprintln!("wrote {n} bundles to {}", dir.display());
    Ok(())
}

/// The bundles of `bundles.bin`.
fn read_bundles(dir: &Path) -> Res<Vec<Vec<u8>>> {
    let data = std::fs::read(dir.join("bundles.bin"))?;
    let mut rest = data.as_slice();
    let mut out = Vec::new();
    while let Some((len, tail)) = rest.split_first_chunk::<4>() {
        let len = u32::from_le_bytes(*len) as usize;
        let (b, tail) = tail
            .split_at_checked(len)
            .ok_or("bundles.bin is truncated")?;
        out.push(b.to_vec());
        rest = tail;
    }
    if !rest.is_empty() || out.is_empty() {
        return Err("bundles.bin is truncated or empty".into());
    }
    Ok(out)
}

/// Best and all per-round rates (operations per second) of `rounds` runs of `round`.
fn best_of(rounds: usize, mut round: impl FnMut() -> Res<f64>) -> Res<(f64, Vec<f64>)> {
    let all = (0..rounds).map(|_| round()).collect::<Res<Vec<f64>>>()?;
    Ok((all.iter().copied().fold(0.0, f64::max), all))
}

/// Verifies bundles in turn, cycling, for about `budget`: bundles per second.
fn cycle(bundles: &[Vec<u8>], budget: Duration, mut verify: impl FnMut(&[u8]) -> bool) -> Res<f64> {
    let t = Instant::now();
    let mut count = 0u64;
    while t.elapsed() < budget {
        for b in bundles {
            if !verify(b) {
                return Err("a bundle did not verify as valid".into());
            }
            count += 1;
            if count.is_multiple_of(64) && t.elapsed() >= budget {
                break;
            }
        }
    }
    Ok(count as f64 / t.elapsed().as_secs_f64())
}

fn measure(dir: &Path, rounds: usize, seconds: f64, cold_n: usize) -> Res<()> {
    let bundles = read_bundles(dir)?;
    let trust_json = std::fs::read_to_string(dir.join("trust.json"))?;
    let budget = Duration::from_secs_f64(seconds);
    let v = Verifier::new(TrustStore::from_json(&trust_json)?);
    // warm-up, untimed, as on the Node side: a pass, which also checks every
    // bundle, then a second of cycling
    cycle(&bundles, Duration::ZERO, |b| {
        v.verify(b, NOW).verdict == Verdict::Valid
    })?;
    cycle(&bundles, Duration::from_secs(1), |b| {
        v.verify(b, NOW).verdict == Verdict::Valid
    })?;
    let (warm, warm_rounds) = best_of(rounds, || {
        cycle(&bundles, budget, |b| {
            std::hint::black_box(v.verify(b, NOW)).verdict == Verdict::Valid
        })
    })?;
    let (warm_json, warm_json_rounds) = best_of(rounds, || {
        cycle(&bundles, budget, |b| {
            let r = v.verify(b, NOW);
            std::hint::black_box(r.to_json_text());
            r.verdict == Verdict::Valid
        })
    })?;
    let cold_set = bundles.get(..cold_n.min(bundles.len())).unwrap_or(&[]);
    let cold_round = || -> Res<f64> {
        let t = Instant::now();
        for b in cold_set {
            let fresh = Verifier::new(TrustStore::from_json(&trust_json)?);
            if std::hint::black_box(fresh.verify(b, NOW)).verdict != Verdict::Valid {
                return Err("a bundle did not verify as valid".into());
            }
        }
        Ok(cold_set.len() as f64 / t.elapsed().as_secs_f64())
    };
    cold_round()?; // untimed, as on the Node side
    let (cold, cold_rounds) = best_of(rounds, cold_round)?;
    let out = json!({
        "runtime": "native",
        "n": bundles.len(), "rounds": rounds, "seconds": seconds, "cold_n": cold_set.len(),
        "warm_per_s": warm, "warm_rounds_per_s": warm_rounds,
        "warm_to_json_per_s": warm_json, "warm_to_json_rounds_per_s": warm_json_rounds,
        "cold_per_s": cold, "cold_rounds_per_s": cold_rounds,
    });
    println!("{}", serde_json::to_string_pretty(&out)?);
    Ok(())
}

fn usage<T>() -> Res<T> {
    Err(
        "usage: bench_fixture write DIR [N] | measure DIR [--rounds R] [--seconds S] [--cold C]"
            .into(),
    )
}

fn main() -> Res<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.as_slice() {
        [cmd, dir] if cmd == "write" => write(&PathBuf::from(dir), 5_000),
        [cmd, dir, n] if cmd == "write" => write(&PathBuf::from(dir), n.parse()?),
        [cmd, dir, opts @ ..] if cmd == "measure" => {
            let (mut rounds, mut seconds, mut cold) = (3usize, 2.0f64, 300usize);
            for pair in opts.chunks(2) {
                match pair {
                    [k, v] if k == "--rounds" => rounds = v.parse()?,
                    [k, v] if k == "--seconds" => seconds = v.parse()?,
                    [k, v] if k == "--cold" => cold = v.parse()?,
                    _ => return usage(),
                }
            }
            measure(&PathBuf::from(dir), rounds.max(1), seconds, cold)
        }
        _ => usage(),
    }
}
