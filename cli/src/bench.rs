//! `bench`: end-to-end figures on generated licenses, each also given as a
//! ratio to this machine's own SHA-256 and Ed25519 limits, so results compare
//! across noisy machines.

use certanchor::Document;
use std::time::{Duration, Instant};

use certanchor::keys::SigningKey;
use certanchor::sample;
use certanchor::{Hash, IssueOptions, Issuer, TrustStore, Verdict, Verifier};
use serde_json::json;

use crate::util::{self, CliError};

/// Runs `f` repeatedly for about `budget`, returning operations per second.
fn rate(budget: Duration, mut f: impl FnMut() -> u64) -> f64 {
    let t = Instant::now();
    let mut ops = 0u64;
    while t.elapsed() < budget {
        ops += f();
    }
    ops as f64 / t.elapsed().as_secs_f64()
}

/// `v.verify_many(bundles)`: bundles per second, and how many were valid.
fn timed_verify_many(v: &Verifier, bundles: &[Vec<u8>], now: u64) -> (f64, usize) {
    let t = Instant::now();
    let reports = v.verify_many(bundles, now);
    let per_s = bundles.len() as f64 / t.elapsed().as_secs_f64();
    let valid = reports
        .iter()
        .filter(|r| r.verdict == Verdict::Valid)
        .count();
    (per_s, valid)
}

/// `v.verify_map(bundles, |r| r.verdict)`, the bulk form that keeps no
/// reports: bundles per second, and how many were valid.
fn timed_verify_map(v: &Verifier, bundles: &[Vec<u8>], now: u64) -> (f64, usize) {
    let t = Instant::now();
    let verdicts = v.verify_map(bundles, now, |r| r.verdict);
    let per_s = bundles.len() as f64 / t.elapsed().as_secs_f64();
    (
        per_s,
        verdicts.iter().filter(|v| **v == Verdict::Valid).count(),
    )
}

pub fn bench(n: usize, json: bool) -> Result<i32, CliError> {
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let say = |s: String| {
        if !json {
            eprintln!("{s}");
        }
    };
    // This machine's limits, one core.
    let msg = [7u8; 64];
    let sha256_per_s = rate(Duration::from_millis(300), || {
        for _ in 0..1000 {
            std::hint::black_box(Hash::digest(std::hint::black_box(&msg)));
        }
        1000
    });
    let k = SigningKey::from_seed(&[1; 32]);
    let sig = k.sign(&msg);
    let pk = k.public_key();
    let ed_per_s = rate(Duration::from_millis(300), || {
        for _ in 0..50 {
            std::hint::black_box(pk.verify(&msg, &sig));
        }
        50
    });
    say(format!(
        "limits (1 core): SHA-256(64 B) {sha256_per_s:.0}/s, Ed25519 verify {ed_per_s:.0}/s; batch verification {}",
        if certanchor::keys::BATCH_VERIFICATION {
            "on"
        } else {
            "off"
        }
    ));

    // Issue.
    let auths = sample::demo_authorities();
    let (market, tax) = match (auths.get(1), auths.get(2)) {
        (Some(m), Some(t)) => (m, t),
        _ => return Err(CliError::new("internal", "demo authorities missing")),
    };
    let pb = util::progress(n as u64, "generating input");
    let certs: Vec<_> = (0..n as u64)
        .map(|i| {
            pb.inc(1);
            sample::business_license(i)
        })
        .collect();
    pb.finish_and_clear();
    // peak memory of the generated input alone (issuance adds to it)
    let input_rss = util::peak_rss();
    let issuer = Issuer::new(market.key.clone(), market.id);
    let options = IssueOptions::at(sample::JAN_1_2024 + 86_400);
    let t = Instant::now();
    let first_batch = issuer.issue("bench", &certs, &options)?;
    let issue_s = t.elapsed().as_secs_f64();
    // The same batch again, into memory the process has already touched: a
    // long-running issuing service's case. The first batch also pays for
    // faulting in fresh memory, which costs far more on a VM than on bare
    // metal (BENCHMARKS.md, 2026-11-27, b476ac1).
    drop(first_batch);
    let t = Instant::now();
    let mut batch = issuer.issue("bench", &certs, &options)?;
    let issue_repeat_s = t.elapsed().as_secs_f64();
    // peak memory up to here: generating the input and issuing (no disk)
    let issue_rss = util::peak_rss();
    batch.endorse(&tax.key, batch.anchor().body().issued_at)?;
    drop(certs);
    say(format!(
        "issue: {n} certificates in {issue_s:.2} s ({:.0}/s); again in the same process {issue_repeat_s:.2} s ({:.0}/s)",
        n as f64 / issue_s,
        n as f64 / issue_repeat_s
    ));

    let t = Instant::now();
    let bundles: Vec<Vec<u8>> = {
        use rayon::prelude::*;
        (0..batch.len())
            .into_par_iter()
            .map(|i| batch.bundle(i, None).map(|b| b.to_vec()))
            .collect::<Result<_, _>>()?
    };
    let bundle_s = t.elapsed().as_secs_f64();
    say(format!("bundles: {n} in {bundle_s:.2} s on {cores} cores"));
    // a cold verification checks each of the anchor's signatures
    let signatures = batch.anchor().signer_key_ids().len();

    let trust = TrustStore::from_doc(sample::demo_trust_doc(None))?;
    let now = sample::JAN_1_2024 + 2 * 86_400;
    // warm, one core: the anchor's signatures are checked once
    let v = Verifier::new(trust.clone());
    let t = Instant::now();
    let sample_n = bundles.len().min(200_000);
    let mut valid = 0usize;
    for b in bundles.iter().take(sample_n) {
        valid += usize::from(v.verify(b, now).verdict == Verdict::Valid);
    }
    let warm = sample_n as f64 / t.elapsed().as_secs_f64();
    // cold, one core: a fresh verifier per bundle checks both signatures each time
    let cold_n = bundles.len().min(2_000);
    let t = Instant::now();
    for b in bundles.iter().take(cold_n) {
        valid += usize::from(Verifier::new(trust.clone()).verify(b, now).verdict == Verdict::Valid);
    }
    let cold = cold_n as f64 / t.elapsed().as_secs_f64();
    // verify_many on one core, then on all cores
    let one_core = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .map_err(|e| CliError::new("internal", e.to_string()))?;
    // An untimed round first: the first one in a process also faults in the
    // memory its reports take, which would be charged to the one-core
    // figure alone and inflate the scaling.
    let (_, ok) = timed_verify_many(&Verifier::new(trust.clone()), &bundles, now);
    valid += ok;
    let (many_1, ok) =
        one_core.install(|| timed_verify_many(&Verifier::new(trust.clone()), &bundles, now));
    valid += ok;
    let (many, ok) = timed_verify_many(&Verifier::new(trust.clone()), &bundles, now);
    valid += ok;
    // the bulk form that keeps only each verdict: memory is reused on the
    // thread that verified, so this scaling is the verifier's own, not the
    // kernel's page faults for a million reports
    let (map_1, ok) =
        one_core.install(|| timed_verify_map(&Verifier::new(trust.clone()), &bundles, now));
    valid += ok;
    let (map, ok) = timed_verify_map(&Verifier::new(trust.clone()), &bundles, now);
    valid += ok;
    // the pass verify_many and verify_map make first, taking in every
    // status list the inputs carry (so no verdict depends on input order)
    let learn_v = Verifier::new(trust.clone());
    let t = Instant::now();
    learn_v.learn_status(&bundles, now);
    let learn = bundles.len() as f64 / t.elapsed().as_secs_f64();
    drop(learn_v);
    // bundles of many different anchors (batches of 4): verify_many checks
    // their signatures in Ed25519 batches
    let small = (n / 4).clamp(1, 2_000);
    let pb = util::progress(small as u64, "issuing small batches");
    let mut mixed = Vec::with_capacity(small * 4);
    for k in 0..small as u64 {
        let certs: Vec<_> = (0..4)
            .map(|i| sample::business_license(k * 4 + i))
            .collect();
        let mut b = issuer.issue(
            &format!("bench-{k}"),
            &certs,
            &IssueOptions::at(sample::JAN_1_2024 + 86_400),
        )?;
        b.endorse(&tax.key, b.anchor().body().issued_at)?;
        for i in 0..4 {
            mixed.push(b.bundle(i, Some(&["name", "uscc"]))?.to_vec());
        }
        pb.inc(1);
    }
    pb.finish_and_clear();
    // A fresh verifier each round (every anchor new to it), best of three:
    // one round takes a fraction of a second, so a single one was the
    // noisiest figure of the bench.
    let mut many_anchors = 0.0_f64;
    for _ in 0..3 {
        let (rate, ok) = timed_verify_many(&Verifier::new(trust.clone()), &mixed, now);
        many_anchors = many_anchors.max(rate);
        valid += ok;
    }
    let many_anchors = many_anchors / cores as f64;
    // sizes: the full bundle, and the QR text of six disclosed fields
    let full_len = bundles.first().map_or(0, Vec::len);
    let first = sample::business_license(0);
    let six: Vec<&str> = first.fields.keys().take(6).map(String::as_str).collect();
    let qr_text = batch.bundle(0, Some(&six))?.to_text();
    let qr_version =
        qrcode::QrCode::with_error_correction_level(qr_text.as_bytes(), qrcode::EcLevel::M)
            .ok()
            .and_then(|c| match c.version() {
                qrcode::Version::Normal(v) => Some(v),
                qrcode::Version::Micro(_) => None,
            });
    if valid != sample_n + cold_n + 5 * bundles.len() + 3 * mixed.len() {
        return Err(CliError::new(
            "bench_failed",
            "some benchmark bundles did not verify",
        ));
    }
    let rss = util::peak_rss();
    say(format!(
        "verify: warm {warm:.0}/s/core ({:.1}% of SHA-256 rate), cold {cold:.0}/s/core ({:.2}x Ed25519 verify rate; {signatures} signatures each: {:.2}x per signature), all {cores} cores {many:.0}/s",
        100.0 * warm / sha256_per_s,
        cold / ed_per_s,
        cold * signatures as f64 / ed_per_s
    ));
    say(format!(
        "verify_many: 1 core {many_1:.0}/s, {cores} cores {many:.0}/s ({:.2}x); many anchors {many_anchors:.0}/s/core ({:.2}x Ed25519 verify rate)",
        many / many_1,
        many_anchors / ed_per_s
    ));
    say(format!(
        "verify_map (verdicts only): 1 core {map_1:.0}/s, {cores} cores {map:.0}/s ({:.2}x)",
        map / map_1
    ));
    say(format!(
        "learn_status (verify_map's first pass): {cores} cores {learn:.0}/s, {:.1}% of a verify_map call's time",
        100.0 * map / learn
    ));
    say(format!(
        "bundle: {full_len} bytes with all fields; CA1 text with 6 fields: {} characters, QR version {} at level M",
        qr_text.len(),
        qr_version.map_or_else(|| "?".to_owned(), |v| v.to_string())
    ));
    say(format!(
        "peak RSS after issuing: {:.0} MiB ({:.0} MiB of it the generated input)",
        issue_rss as f64 / (1024.0 * 1024.0),
        input_rss as f64 / (1024.0 * 1024.0)
    ));
    say(format!(
        "peak RSS: {:.0} MiB",
        rss as f64 / (1024.0 * 1024.0)
    ));
    let out = json!({
        "n": n, "cores": cores,
        "issue_seconds": issue_s, "issue_per_s": n as f64 / issue_s,
        "issue_repeat_seconds": issue_repeat_s,
        "bundle_seconds": bundle_s,
        "verify_warm_per_s_core": warm, "verify_cold_per_s_core": cold, "verify_many_per_s": many,
        "verify_cold_signatures_per_bundle": signatures,
        "verify_many_1core_per_s": many_1, "verify_many_scaling": many / many_1,
        "verify_map_1core_per_s": map_1, "verify_map_per_s": map,
        "verify_map_scaling": map / map_1,
        "learn_status_per_s": learn, "learn_status_share_of_verify_map": map / learn,
        "verify_many_anchors_per_s_core": many_anchors,
        "bundle_bytes": full_len, "qr_text_chars_6_fields": qr_text.len(), "qr_version_6_fields_m": qr_version,
        "peak_rss_bytes": rss, "issue_peak_rss_bytes": issue_rss, "input_peak_rss_bytes": input_rss,
        "sha256_per_s_core": sha256_per_s, "ed25519_verify_per_s_core": ed_per_s,
        "ed25519_batch": certanchor::keys::BATCH_VERIFICATION,
        "ratios": {
            "issue_per_s_over_sha256": n as f64 / issue_s / sha256_per_s,
            "issue_repeat_per_s_over_sha256": n as f64 / issue_repeat_s / sha256_per_s,
            "verify_warm_over_sha256": warm / sha256_per_s,
            "verify_cold_over_ed25519": cold / ed_per_s,
            "verify_cold_signatures_over_ed25519": cold * signatures as f64 / ed_per_s,
            "verify_many_anchors_over_ed25519": many_anchors / ed_per_s,
        },
    });
    if json {
        util::print_json(&out);
    }
    Ok(0)
}
