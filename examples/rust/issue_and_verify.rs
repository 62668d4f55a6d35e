//! Issue a batch of Beijing real-estate titles, have the housing commission
//! endorse it, give a holder a bundle disclosing only what a bank needs, and
//! verify it offline against a trust store.
//!
//! Run: `cargo run -p certanchor --example issue_and_verify`

use certanchor::Document;
use certanchor::sample::{self, JAN_1_2024};
use certanchor::{IssueOptions, Issuer, TrustStore, Verdict, Verifier};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let authorities = sample::demo_authorities();
    let key_of = |id: &str| {
        authorities
            .iter()
            .find(|a| a.id == id)
            .map(|a| a.key.clone())
            .ok_or("unknown authority")
    };

    // 1. The land registry issues 50 titles in one batch under one signed root.
    let issuer = Issuer::new(key_of("cn.beijing.ghzrzyw")?, "cn.beijing.ghzrzyw");
    let titles: Vec<_> = (0..50).map(sample::real_estate_title).collect();
    let issued_at = JAN_1_2024 + 150 * 86_400;
    let mut batch = issuer.issue("2024-05-30-001", &titles, &IssueOptions::at(issued_at))?;

    // 2. The housing commission co-signs the same anchor (an endorsement).
    batch.endorse(&key_of("cn.beijing.zjw")?, batch.anchor().body().issued_at)?;

    // 3. The holder of title 7 shows a bank only the location and the holders.
    let bundle = batch.bundle(7, Some(&["location", "right_holders"]))?;
    let qr_text = bundle.to_text();
    println!(
        "bundle: {} bytes binary, {} chars as CA1 text",
        bundle.to_vec().len(),
        qr_text.len()
    );

    // 4. The bank verifies offline with its trust store.
    let trust = TrustStore::from_doc(sample::demo_trust_doc(None))?;
    let verifier = Verifier::new(trust);
    let report = verifier.verify(qr_text.as_bytes(), issued_at + 3600);
    println!("{report}");
    if report.verdict != Verdict::Valid {
        return Err("expected a valid bundle".into());
    }
    Ok(())
}
