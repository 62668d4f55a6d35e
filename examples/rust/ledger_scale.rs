//! Ledger at scale: append N anchors in `append_many` groups of 1,000, then
//! measure inclusion-proof latency and the time to reopen (recover) the log.
//!
//! Run: `cargo run --release -p certanchor --example ledger_scale -- 1000000`

use std::time::Instant;

use certanchor::keys::SigningKey;
use certanchor::ledger::{FileLedger, Ledger};
use certanchor::{Anchor, AnchorBody, Hash};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let n: u64 = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(100_000);
    let dir = std::env::temp_dir().join(format!("certanchor-ledger-scale-{}", std::process::id()));
    let key = SigningKey::from_seed(&[0x42; 32]);
    let issuer = SigningKey::from_seed(&[0x12; 32]);
    let mut ledger = FileLedger::create(&dir, "scale.example/log", key.clone())?;
    let (mut sign_s, mut append_s) = (0.0, 0.0);
    let mut ids = Vec::new();
    let mut i = 0u64;
    while i < n {
        let t = Instant::now();
        let group: Vec<Vec<u8>> = (i..(i + 1000).min(n))
            .map(|j| {
                let body = AnchorBody {
                    issuer: "cn.beijing.scjgj".into(),
                    batch: format!("batch-{j}"),
                    tree_size: 1000,
                    root: Hash::digest(&j.to_be_bytes()),
                    issued_at: 1_704_067_200,
                    kinds: vec!["business_license".into()],
                };
                Anchor::sign(&body, &issuer).map(|a| a.as_bytes().to_vec())
            })
            .collect::<Result<_, _>>()?;
        sign_s += t.elapsed().as_secs_f64();
        let refs: Vec<&[u8]> = group.iter().map(Vec::as_slice).collect();
        let t = Instant::now();
        let receipts = ledger.append_many(&refs)?;
        append_s += t.elapsed().as_secs_f64();
        if let Some(r) = receipts.first() {
            ids.push(r.anchor_id);
        }
        i += group.len() as u64;
    }
    println!(
        "appended {n} anchors in groups of 1000: {:.0} appends/s (ledger only; signing the test anchors took {sign_s:.1} s)",
        n as f64 / append_s
    );
    let size = ledger.size();
    let t = Instant::now();
    let mut path_len = 0;
    for id in &ids {
        path_len += ledger.inclusion_proof(id, size)?.path.len();
    }
    println!(
        "inclusion proof at {size} entries: {:.1} µs mean over {} proofs (path {} hashes)",
        t.elapsed().as_secs_f64() * 1e6 / ids.len() as f64,
        ids.len(),
        path_len / ids.len().max(1)
    );
    drop(ledger);
    let t = Instant::now();
    let reopened = FileLedger::open(&dir, key)?;
    println!(
        "recovery (open, rescan, rebuild tree, check every checkpoint) of {} entries: {:.2} s",
        reopened.size(),
        t.elapsed().as_secs_f64()
    );
    let bytes: u64 = std::fs::read_dir(&dir)?
        .filter_map(|e| e.ok()?.metadata().ok())
        .map(|m| m.len())
        .sum();
    println!("on disk: {:.0} MiB", bytes as f64 / 1048576.0);
    drop(reopened);
    std::fs::remove_dir_all(&dir)?;
    Ok(())
}
