//! One report's JSON text: the hand-written writer (`Report::to_json_text`)
//! against `#[derive(Serialize)]` (`certanchor::json::to_text`, and plain
//! `serde_json::to_string`), each as a ratio to one warm verify of the same
//! bundle, timed in interleaved rounds so that the machine's load moves
//! every figure of a round alike. Run:
//! `cargo bench -p certanchor --bench report_json [-- ROUNDS]`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    missing_docs
)]

use std::hint::black_box;
use std::time::Instant;

use certanchor::sample::{self, JAN_1_2024};
use certanchor::{Document, Hash, IssueOptions, Issuer, TrustStore, Verifier};

/// Nanoseconds per call of `f`, over `n` calls.
fn per_call<R>(n: u32, mut f: impl FnMut() -> R) -> f64 {
    let t = Instant::now();
    for _ in 0..n {
        black_box(f());
    }
    t.elapsed().as_nanos() as f64 / f64::from(n)
}

fn quartiles(mut v: Vec<f64>) -> (f64, f64, f64) {
    v.sort_by(f64::total_cmp);
    let at = |q: f64| v[((v.len() - 1) as f64 * q).round() as usize];
    (at(0.25), at(0.5), at(0.75))
}

fn main() {
    let rounds: usize = std::env::args()
        .filter_map(|a| a.parse().ok())
        .next()
        .unwrap_or(41);
    let auths = sample::demo_authorities();
    let certs: Vec<_> = (0..100).map(sample::business_license).collect();
    let mut batch = Issuer::new(auths[1].key.clone(), auths[1].id)
        .issue("bench", &certs, &IssueOptions::at(JAN_1_2024))
        .unwrap();
    batch
        .endorse(&auths[2].key, batch.anchor().body().issued_at)
        .unwrap();
    let bytes = batch.bundle(5, None).unwrap().to_vec();
    let trust = TrustStore::from_doc(sample::demo_trust_doc(None)).unwrap();
    let now = JAN_1_2024 + 60;
    let warm = Verifier::new(trust);
    let report = warm.verify(&bytes, now);
    let text = report.to_json_text();
    assert_eq!(certanchor::json::to_text(&report), text);
    assert_eq!(serde_json::to_string(&report).unwrap(), text);
    println!(
        "report: {} B of JSON, verdict {}",
        text.len(),
        report.verdict.as_str()
    );
    let block = [7u8; 64];
    // [sha256, verify, writer, serde derive, serde_json::to_string]
    let mut ns: Vec<Vec<f64>> = vec![Vec::new(); 5];
    for round in 0..rounds {
        let mut row = [0.0; 5];
        for k in 0..5 {
            let which = (k + round) % 5;
            row[which] = match which {
                0 => per_call(100_000, || Hash::digest(black_box(&block))),
                1 => per_call(1_000, || warm.verify(black_box(&bytes), now)),
                2 => per_call(1_500, || black_box(&report).to_json_text()),
                3 => per_call(1_500, || certanchor::json::to_text(black_box(&report))),
                _ => per_call(1_500, || serde_json::to_string(black_box(&report)).unwrap()),
            };
        }
        for (all, x) in ns.iter_mut().zip(row) {
            all.push(x);
        }
    }
    let ratio =
        |a: usize, b: usize| -> Vec<f64> { ns[a].iter().zip(&ns[b]).map(|(x, y)| x / y).collect() };
    // the fastest block of each: the least disturbed by other processes
    let best: Vec<f64> = ns
        .iter()
        .map(|v| v.iter().copied().fold(f64::INFINITY, f64::min))
        .collect();
    let (_, sha, _) = quartiles(ns[0].clone());
    let (_, verify, _) = quartiles(ns[1].clone());
    println!(
        "medians: SHA-256(64 B) {sha:.0} ns, warm verify {verify:.0} ns ({rounds} rounds); \
         fastest blocks (ns): {best:.0?}"
    );
    for (name, r, b) in [
        (
            "warm verify rate / SHA-256 rate",
            ratio(0, 1),
            best[0] / best[1],
        ),
        ("writer / warm verify", ratio(2, 1), best[2] / best[1]),
        ("serde derive / warm verify", ratio(3, 1), best[3] / best[1]),
        (
            "serde_json::to_string / warm verify",
            ratio(4, 1),
            best[4] / best[1],
        ),
        ("serde derive / writer", ratio(3, 2), best[3] / best[2]),
        (
            "serde_json::to_string / writer",
            ratio(4, 2),
            best[4] / best[2],
        ),
    ] {
        let (q1, m, q3) = quartiles(r);
        println!("{name}: median {m:.4} (quartiles {q1:.4}–{q3:.4}), fastest blocks {b:.4}");
    }
}
