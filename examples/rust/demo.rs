//! The main job on the embedded default data: issue realistic batches,
//! endorse, disclose, verify, suspend, revoke, and print the reports.
//!
//! Run: `cargo run --release -p certanchor --example demo`

use std::time::Instant;

use certanchor::sample::{self, JAN_1_2024};
use certanchor::status::StatusPurpose;
use certanchor::{Bundle, IssueOptions, Issuer, TrustStore, Value, Verdict, Verifier};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let authorities = sample::demo_authorities();
    let auth = |id: &str| {
        authorities
            .iter()
            .find(|a| a.id == id)
            .ok_or("unknown authority")
    };
    let now = JAN_1_2024 + 150 * 86_400;
    println!(
        "certanchor demo — Beijing, {}\n",
        certanchor::trust::format_time(now)
    );

    // Business licenses from the market regulator, endorsed by tax and public security.
    let scjgj = auth("cn.beijing.scjgj")?;
    let issuer = Issuer::new(scjgj.key.clone(), scjgj.id);
    let t = Instant::now();
    let licenses: Vec<_> = (0..1000).map(sample::business_license).collect();
    let mut lic = issuer.issue(
        "2024-05-30-001",
        &licenses,
        &IssueOptions {
            issued_at: now,
            decoys: 4,
        },
    )?;
    println!(
        "1. {} issued {} business licenses in {:?}\n   root {}\n   anchor id {}",
        scjgj.name,
        lic.len(),
        t.elapsed(),
        lic.anchor().body().root,
        lic.anchor().id()
    );
    for dept in ["cn.beijing.tax", "cn.beijing.gaj"] {
        lic.endorse(&auth(dept)?.key)?;
        println!("   endorsed by {}", auth(dept)?.name);
    }

    // Real-estate titles from the land registry, endorsed by the housing commission.
    let ghz = auth("cn.beijing.ghzrzyw")?;
    let land = Issuer::new(ghz.key.clone(), ghz.id);
    let titles: Vec<_> = (0..200).map(sample::real_estate_title).collect();
    let mut tit = land.issue("2024-05-30-T01", &titles, &IssueOptions::at(now))?;
    tit.endorse(&auth("cn.beijing.zjw")?.key)?;
    land.update_status(&mut tit, StatusPurpose::Revocation, &[], now, 86_400)?;
    land.update_status(&mut tit, StatusPurpose::Suspension, &[], now, 86_400)?;
    println!(
        "2. {} issued {} real-estate titles, endorsed by {}",
        ghz.name,
        tit.len(),
        auth("cn.beijing.zjw")?.name
    );

    let verifier = Verifier::new(TrustStore::from_doc(sample::demo_trust_doc(None))?);

    // A holder shows a bank only the location, holders and area.
    let full = tit.bundle(17, None)?;
    let shown = full.with_fewer_fields(&["location", "right_holders", "building_area_m2"])?;
    let text = shown.to_text();
    println!(
        "\n3. Holder of {} discloses 3 of {} fields: {} bytes, {} chars as a CA1 QR text",
        full.decoded_header()?.id,
        full.disclosed.len(),
        shown.to_bytes().len(),
        text.len()
    );
    println!("{}", verifier.verify(text.as_bytes(), now + 60));

    // Seizure (查封): the registry suspends title 17.
    land.update_status(
        &mut tit,
        StatusPurpose::Suspension,
        &[(17, true)],
        now + 120,
        86_400,
    )?;
    let r = verifier.verify(&tit.bundle(17, Some(&["location"]))?.to_bytes(), now + 180);
    println!(
        "4. After a seizure: {} — {}",
        r.verdict.as_str(),
        reason(&r, "status")
    );

    // Sale: title 42 is revoked.
    land.update_status(
        &mut tit,
        StatusPurpose::Revocation,
        &[(42, true)],
        now + 240,
        86_400,
    )?;
    let r = verifier.verify(&tit.bundle(42, None)?.to_bytes(), now + 300);
    println!(
        "5. After a sale:    {} — {}",
        r.verdict.as_str(),
        reason(&r, "status")
    );

    // A forged bundle: the company name changed after issue.
    let mut forged: Bundle = lic.bundle(3, Some(&["name", "uscc"]))?;
    if let Some(d) = forged.disclosed.iter_mut().find(|d| d.name == "name") {
        d.value = Value::from("北京伪造科技有限公司");
    }
    let r = verifier.verify(&forged.to_bytes(), now + 300);
    println!(
        "6. A forged name:   {} — {}",
        r.verdict.as_str(),
        reason(&r, "integrity")
    );

    // A bank re-verifies every bundle in bulk.
    let all: Vec<Vec<u8>> = (0..lic.len())
        .map(|i| lic.bundle(i, None).map(|b| b.to_bytes()))
        .chain((0..tit.len()).map(|i| tit.bundle(i, None).map(|b| b.to_bytes())))
        .collect::<Result<_, _>>()?;
    let t = Instant::now();
    let reports = verifier.verify_many(&all, now + 300);
    let elapsed = t.elapsed();
    let count = |v: Verdict| reports.iter().filter(|r| r.verdict == v).count();
    println!(
        "7. verify_many: {} bundles in {:?}: {} valid, {} invalid, {} indeterminate",
        all.len(),
        elapsed,
        count(Verdict::Valid),
        count(Verdict::Invalid),
        count(Verdict::Indeterminate)
    );
    if count(Verdict::Invalid) != 2 || count(Verdict::Valid) != all.len() - 2 {
        return Err("unexpected verdicts in bulk verification".into());
    }
    Ok(())
}

fn reason(r: &certanchor::Report, check: &str) -> String {
    r.checks
        .iter()
        .find(|c| c.check.as_str() == check)
        .map(|c| format!("{} ({})", c.reason, c.code))
        .unwrap_or_default()
}
