//! `demo`: the main job on embedded sample data, told as a story.

use certanchor::Document;
use std::path::{Path, PathBuf};
use std::time::Instant;

use certanchor::keys::SigningKey;
use certanchor::ledger::{FileLedger, Ledger};
use certanchor::sample;
use certanchor::schema::SchemaRegistry;
use certanchor::status::StatusPurpose;
use certanchor::trust::{
    EndorsementPolicy, IssuerEntry, KeyEntry, LedgerEntry, PolicyEntry, TrustStoreDoc,
};
use certanchor::{
    Bundle, IssueOptions, IssuedBatch, Issuer, Report, TrustStore, Value, Verdict, Verifier,
};
use serde_json::json;

use crate::util::{self, CliError};
use crate::verifying::render_report;

const ORIGIN: &str = "ledger.demo.beijing.gov.cn/certanchor";
/// The tax bureau's witness (SPEC §9.7).
const WITNESS: &str = "witness.tax.demo.beijing.gov.cn";
/// A ledger checkpoint older than this is not fresh (trust store `max_age`).
const LEDGER_MAX_AGE: u64 = 3600;
const TTL: u64 = 86_400;

struct Office {
    id: &'static str,
    name: &'static str,
    kinds: &'static [&'static str],
    key: SigningKey,
}

fn offices() -> Result<Vec<Office>, CliError> {
    let list: [(&str, &str, &[&str]); 5] = [
        (
            "cn.beijing.ghzrzyw",
            "北京市规划和自然资源委员会",
            &["real_estate_title"],
        ),
        (
            "cn.beijing.scjgj",
            "北京市市场监督管理局",
            &["business_license"],
        ),
        ("cn.beijing.tax", "国家税务总局北京市税务局", &[]),
        ("cn.beijing.zjw", "北京市住房和城乡建设委员会", &[]),
        ("cn.beijing.gaj", "北京市公安局", &[]),
    ];
    list.into_iter()
        .map(|(id, name, kinds)| {
            Ok(Office {
                id,
                name,
                kinds,
                key: SigningKey::generate()?,
            })
        })
        .collect()
}

fn office<'a>(o: &'a [Office], id: &str) -> Result<&'a Office, CliError> {
    o.iter()
        .find(|x| x.id == id)
        .ok_or_else(|| CliError::new("internal", format!("no office {id}")))
}

fn write_batch(dir: &Path, batch: &IssuedBatch) -> Result<(), CliError> {
    std::fs::create_dir_all(dir.join("bundles")).map_err(util::io_err("create", dir))?;
    util::write_atomic(&dir.join("batch.cbor"), &batch.to_vec(), true)?;
    // the published status lists, as `certanchor status` writes them (the
    // clerk's page loads these files)
    for list in batch.status_lists() {
        let name = format!("status-{}.cose", list.body().purpose.as_str());
        util::write_atomic(&dir.join(name), list.as_bytes(), false)?;
    }
    util::write_atomic(&dir.join("anchor.cose"), batch.anchor().as_bytes(), false)
}

fn line(r: &Report, check: &str) -> String {
    r.checks
        .iter()
        .find(|c| c.check.as_str() == check)
        .map(|c| {
            format!(
                "{} — {} [{}]",
                c.outcome.as_str(),
                certanchor::display::escape_text(&c.reason),
                c.code
            )
        })
        .unwrap_or_default()
}

fn verdict_word(v: Verdict) -> &'static str {
    match v {
        Verdict::Valid => "VALID (有效)",
        Verdict::Invalid => "INVALID (无效)",
        Verdict::Indeterminate => "INDETERMINATE (待定)",
    }
}

pub fn demo(out: Option<&Path>, json: bool) -> Result<i32, CliError> {
    let dir: PathBuf = match out {
        Some(p) => p.to_path_buf(),
        None => std::env::temp_dir().join(format!("certanchor-demo-{}", std::process::id())),
    };
    if dir.exists()
        && std::fs::read_dir(&dir)
            .map(|mut d| d.next().is_some())
            .unwrap_or(true)
    {
        return Err(CliError::new(
            "exists",
            format!("{} is not empty; choose another --out", dir.display()),
        ));
    }
    std::fs::create_dir_all(dir.join("keys")).map_err(util::io_err("create", &dir))?;
    let now = util::now_or(None)?;
    let mut summary = Vec::new();
    let say = |s: String| {
        if !json {
            println!("{s}");
        }
    };
    say(format!(
        "certanchor demo — Beijing, {}\nfiles: {}\n",
        certanchor::time::format(now),
        util::show_path(&dir)
    ));

    // 1. Keys and the trust store every department shares.
    let offices = offices()?;
    for o in &offices {
        util::write_atomic(
            &dir.join("keys").join(format!("{}.pem", o.id)),
            o.key.to_pkcs8_pem().as_bytes(),
            true,
        )?;
    }
    let ledger_key = SigningKey::generate()?;
    // the tax bureau runs a witness that cosigns the ledger's checkpoints
    let witness_key = SigningKey::generate()?;
    let doc = TrustStoreDoc {
        version: 1,
        issuers: offices
            .iter()
            .map(|o| IssuerEntry {
                id: o.id.into(),
                name: o.name.into(),
                kinds: o.kinds.iter().map(|k| (*k).to_owned()).collect(),
                keys: vec![KeyEntry {
                    public_key: o.key.public_key().to_base64(),
                    not_before: certanchor::time::format(now - 3600),
                    not_after: None,
                    revoked_at: None,
                }],
            })
            .collect(),
        policies: vec![
            PolicyEntry {
                kind: "real_estate_title".into(),
                endorsements: Some(EndorsementPolicy {
                    from: vec!["cn.beijing.tax".into(), "cn.beijing.zjw".into()],
                    at_least: 2,
                }),
                require_status: true,
                status_purposes: None,
                max_status_ttl: None,
                require_ledger: true,
            },
            PolicyEntry {
                kind: "business_license".into(),
                endorsements: Some(EndorsementPolicy {
                    from: vec!["cn.beijing.tax".into(), "cn.beijing.gaj".into()],
                    at_least: 1,
                }),
                require_status: false,
                status_purposes: None,
                max_status_ttl: None,
                require_ledger: true,
            },
        ],
        ledgers: vec![LedgerEntry {
            origin: ORIGIN.into(),
            public_key: ledger_key.public_key().to_base64(),
            witnesses: vec![certanchor::trust::WitnessEntry {
                name: WITNESS.into(),
                public_key: witness_key.public_key().to_base64(),
            }],
            quorum: Some(1),
            max_age: Some(LEDGER_MAX_AGE),
            url: None,
        }],
        chains: vec![],
    };
    let trust = TrustStore::from_doc(doc)?;
    util::write_atomic(
        &dir.join("trust.json"),
        (trust.to_json() + "\n").as_bytes(),
        false,
    )?;
    say("1. Five offices made keys; trust.json trusts them, requires 2 endorsements (tax + housing) for titles,\n   1 (tax or public security) for licenses, fresh revocation and suspension lists for titles, and a ledger receipt;\n   a department following the ledger needs a checkpoint under an hour old, cosigned by the tax bureau's witness.".into());

    // 2. Issue.
    let scjgj = office(&offices, "cn.beijing.scjgj")?;
    let ghz = office(&offices, "cn.beijing.ghzrzyw")?;
    let t = Instant::now();
    let licenses: Vec<_> = (0..1000).map(sample::business_license).collect();
    let market = Issuer::new(scjgj.key.clone(), scjgj.id);
    let mut lic = market.issue(
        "2024-BL-0001",
        &licenses,
        &IssueOptions {
            issued_at: now,
            decoys: 4,
        },
    )?;
    let titles: Vec<_> = (0..200).map(sample::real_estate_title).collect();
    let land = Issuer::new(ghz.key.clone(), ghz.id);
    let mut tit = land.issue(
        "2024-RE-0001",
        &titles,
        &IssueOptions {
            issued_at: now,
            decoys: 2,
        },
    )?;
    say(format!(
        "2. {} issued {} business licenses, {} issued {} real-estate titles ({:.0?}).\n   Each batch is one signed Merkle root: licenses {}…, titles {}….",
        scjgj.name,
        lic.len(),
        ghz.name,
        tit.len(),
        t.elapsed(),
        &lic.anchor().body().root.to_hex()[..16],
        &tit.anchor().body().root.to_hex()[..16]
    ));

    // 3. Endorse.
    lic.endorse(&office(&offices, "cn.beijing.tax")?.key, now)?;
    lic.endorse(&office(&offices, "cn.beijing.gaj")?.key, now)?;
    tit.endorse(&office(&offices, "cn.beijing.tax")?.key, now)?;
    tit.endorse(&office(&offices, "cn.beijing.zjw")?.key, now)?;
    land.update_status(&mut tit, StatusPurpose::Revocation, &[], now, TTL)?;
    land.update_status(&mut tit, StatusPurpose::Suspension, &[], now, TTL)?;
    say("3. Tax and public security co-signed the license anchor; tax and housing co-signed the title anchor.".into());

    // 4. Anchor in the ledger.
    let mut ledger = FileLedger::create(dir.join("ledger"), ORIGIN, ledger_key.clone())?;
    // as `ledger init` leaves it: `ledger vkey`, `ledger append` and
    // `issue --ledger` work on it in a follow-up job
    util::write_atomic(
        &dir.join("ledger").join(crate::ledger_cmd::KEY_FILE),
        ledger_key.to_pkcs8_pem().as_bytes(),
        true,
    )?;
    util::write_atomic(
        &dir.join("ledger.vkey"),
        format!("{}\n", ledger.verifier_key()).as_bytes(),
        false,
    )?;
    let receipts = ledger.append_many(&[lic.anchor().as_bytes(), tit.anchor().as_bytes()])?;
    let (lic_rc, tit_rc) = match receipts.as_slice() {
        [a, b] => (a.to_bundle_receipt(), b.to_bundle_receipt()),
        _ => return Err(CliError::new("internal", "ledger returned no receipts")),
    };
    // the titles' first status lists are ledger entries too, as `status` logs
    // every list of a batch anchored with `issue --ledger`
    for l in tit.status_lists() {
        ledger.append_status_list(l.as_bytes())?;
    }
    say(format!(
        "4. Both anchors are entries {} and {} of the ledger {ORIGIN}, the titles' status lists entries 2 and 3; signed checkpoint:\n{}",
        lic_rc.index,
        tit_rc.index,
        ledger
            .checkpoint()?
            .lines()
            .map(|l| format!("     {l}"))
            .collect::<Vec<_>>()
            .join("\n")
    ));

    let verifier = Verifier::new(trust.clone());
    let registry = SchemaRegistry::builtin();
    let bundle = |b: &IssuedBatch,
                  rc: &certanchor::LedgerReceipt,
                  i: usize,
                  d: Option<&[&str]>|
     -> Result<Bundle, CliError> {
        let mut x = b.bundle(i, d)?;
        x.receipt = Some(rc.clone());
        Ok(x)
    };

    // 5. A holder shows the bank only three fields.
    let full = bundle(&tit, &tit_rc, 17, None)?;
    let shown = full.with_fewer_fields(&["location", "right_holders", "building_area_m2"])?;
    util::write_atomic(&dir.join("title-17-full.cab"), &full.to_vec(), false)?;
    util::write_atomic(
        &dir.join("title-17-for-bank.txt"),
        shown.to_text().as_bytes(),
        false,
    )?;
    let r = verifier.verify(shown.to_text().as_bytes(), now + 60);
    say(format!(
        "\n5. The holder of title 17 gives the bank a QR text with 3 of {} fields ({} chars). The bank verifies offline:\n",
        full.disclosed.len(),
        shown.to_text().len()
    ));
    say(render_report(&r, &registry));
    summary.push(json!({"case": "partial disclosure to a bank", "verdict": r.verdict.as_str()}));
    let r_full = verifier.verify(&full.to_vec(), now + 60);
    say(format!(
        "   The full bundle of title 17 (all {} fields): {}",
        full.disclosed.len(),
        verdict_word(r_full.verdict)
    ));
    summary.push(json!({"case": "full bundle", "verdict": r_full.verdict.as_str()}));

    // what the seller of title 42 keeps from before the sale
    let before_sale = bundle(&tit, &tit_rc, 42, None)?;
    util::write_atomic(
        &dir.join("title-42-before-sale.cab"),
        &before_sale.to_vec(),
        false,
    )?;

    // 6. Sale: revoke title 42; seizure: suspend title 17.
    land.update_status(
        &mut tit,
        StatusPurpose::Revocation,
        &[(42, true)],
        now + 120,
        TTL,
    )?;
    land.update_status(
        &mut tit,
        StatusPurpose::Suspension,
        &[(17, true)],
        now + 120,
        TTL,
    )?;
    for l in tit.status_lists() {
        ledger.append_status_list(l.as_bytes())?;
    }
    let r = verifier.verify(&bundle(&tit, &tit_rc, 42, None)?.to_vec(), now + 180);
    say(format!(
        "\n6. Title 42 was sold and revoked: {}\n   status: {}",
        verdict_word(r.verdict),
        line(&r, "status")
    ));
    summary.push(json!({"case": "revoked after sale", "verdict": r.verdict.as_str()}));
    let r = verifier.verify(
        &bundle(&tit, &tit_rc, 17, Some(&["location"]))?.to_vec(),
        now + 180,
    );
    say(format!(
        "   Title 17 was seized (查封) and suspended: {}\n   status: {}",
        verdict_word(r.verdict),
        line(&r, "status")
    ));
    summary.push(json!({"case": "suspended on seizure", "verdict": r.verdict.as_str()}));
    // the seller strips the revocation list from title 42's bundle (keeping
    // the suspension list and the ledger receipt) and shows it at another bank
    let mut stripped = bundle(&tit, &tit_rc, 42, None)?;
    stripped.status.retain(|l| {
        certanchor::status::StatusList::from_slice(l)
            .is_ok_and(|s| s.body().purpose != StatusPurpose::Revocation)
    });
    let r = Verifier::new(trust.clone()).verify(&stripped.to_vec(), now + 180);
    say(format!(
        "   The seller strips the revocation list from title 42's bundle and shows it at another bank: {}\n   status: {}",
        verdict_word(r.verdict),
        line(&r, "status")
    ));
    summary.push(json!({"case": "revocation list stripped", "verdict": r.verdict.as_str()}));
    if r.verdict == Verdict::Valid {
        return Err(CliError::new(
            "demo_failed",
            "a sold title without its revocation list verified valid",
        ));
    }
    // the holder replays the old bundle (with the older, clean status list)
    let r = verifier.verify(&full.to_vec(), now + 200);
    say(format!(
        "   The holder replays the old bundle of title 17: {} (the verifier keeps the newest list)",
        verdict_word(r.verdict)
    ));
    summary.push(json!({"case": "replayed older status", "verdict": r.verdict.as_str()}));

    // 6b. The old bundle at a department that has not seen the new list,
    // then at one that follows the ledger (a snapshot, as offline sites get).
    let r = Verifier::new(trust.clone()).verify(&before_sale.to_vec(), now + 240);
    say(format!(
        "\n   The seller shows title 42's bundle from before the sale (its lists still fresh) at a department that has not seen the new list: {}",
        verdict_word(r.verdict)
    ));
    summary.push(
        json!({"case": "old bundle, verifier without the ledger", "verdict": r.verdict.as_str()}),
    );
    // the tax bureau's witness cosigns the ledger's newest checkpoint (the
    // same request `ledger witness` sends over HTTP), which the snapshot then
    // carries; trust.json asks for 1 witness and a checkpoint under an hour old
    let ledger_vkey = certanchor::note::NoteVerifier::new(ORIGIN, ledger_key.public_key())?;
    let witness = certanchor::witness::Witness::open(
        dir.join("witness-state"),
        certanchor::note::CosignatureSigner::new(WITNESS, witness_key)?,
        vec![ledger_vkey.clone()],
    )
    .map_err(|e| CliError::new(e.code(), e.to_string()))?;
    let latest = ledger.checkpoint()?;
    let lines = witness
        .add_checkpoint(&certanchor::witness::AddCheckpointRequest::new(
            0,
            Vec::new(),
            &latest,
        ))
        .map_err(|e| CliError::new(e.code(), e.to_string()))?;
    let cosigned = certanchor::note::merge_signatures(&latest, &lines)?;
    util::write_atomic(
        &dir.join("ledger")
            .join(crate::witness_cmd::COSIGNED_CHECKPOINT),
        cosigned.as_bytes(),
        false,
    )?;
    let (snap, _) = crate::ledger_cmd::snapshot_bytes(&ledger)?;
    util::write_atomic(&dir.join("ledger-snapshot.bin"), &snap, false)?;
    let mirror_err =
        |e: certanchor::ledger::mirror::MirrorError| CliError::new(e.code(), e.to_string());
    let mut mirror =
        certanchor::ledger::mirror::Mirror::open(dir.join("mirror"), ORIGIN).map_err(mirror_err)?;
    let synced = mirror
        .sync(
            &certanchor::ledger::snapshot::Snapshot::parse(snap)?,
            &ledger_vkey,
            |_, _| {},
        )
        .map_err(mirror_err)?;
    let view = mirror.view(&ledger_vkey).map_err(mirror_err)?;
    drop(mirror);
    let mut synced_verifier = Verifier::new(trust.clone());
    synced_verifier.use_ledger(view, now + 240)?;
    let r = synced_verifier.verify(&before_sale.to_vec(), now + 240);
    say(format!(
        "   The same bundle at a department whose mirror synced the ledger (a snapshot of {} entries, anchors and every status list, its checkpoint cosigned by the tax bureau's witness): {}\n   status: {}\n   ledger: {}",
        synced.new_size,
        verdict_word(r.verdict),
        line(&r, "status"),
        line(&r, "ledger")
    ));
    summary.push(
        json!({"case": "old bundle, verifier synced to the ledger", "verdict": r.verdict.as_str()}),
    );
    if r.verdict != Verdict::Invalid {
        return Err(CliError::new(
            "demo_failed",
            "a sold title's old bundle was not refused by a synced verifier",
        ));
    }
    let late = now + 240 + LEDGER_MAX_AGE + 600;
    let r = synced_verifier.verify(&bundle(&tit, &tit_rc, 5, None)?.to_vec(), late);
    say(format!(
        "   Title 5 at that department after its mirror went unsynced for over an hour: {}\n   ledger: {}",
        verdict_word(r.verdict),
        line(&r, "ledger")
    ));
    summary.push(json!({"case": "mirror not synced for too long", "verdict": r.verdict.as_str()}));
    if r.verdict == Verdict::Valid {
        return Err(CliError::new(
            "demo_failed",
            "a verifier whose ledger mirror is stale said valid",
        ));
    }

    // 7. Forgery and staleness.
    let mut forged = bundle(&lic, &lic_rc, 3, Some(&["name", "uscc"]))?;
    if let Some(d) = forged.disclosed.iter_mut().find(|d| d.name == "name") {
        d.value = Value::from("北京伪造科技有限公司");
    }
    let r = verifier.verify(&forged.to_vec(), now + 300);
    say(format!(
        "\n7. A license whose company name was altered: {}\n   integrity: {}",
        verdict_word(r.verdict),
        line(&r, "integrity")
    ));
    summary.push(json!({"case": "tampered name", "verdict": r.verdict.as_str()}));
    let stale_at = now + TTL + 3600;
    let r =
        Verifier::new(trust.clone()).verify(&bundle(&tit, &tit_rc, 5, None)?.to_vec(), stale_at);
    say(format!(
        "   Title 5 checked a day later with no newer status list: {}\n   status: {}",
        verdict_word(r.verdict),
        line(&r, "status")
    ));
    summary.push(json!({"case": "stale status list", "verdict": r.verdict.as_str()}));

    // 8. Bulk verification, as a bank's back office would.
    let mut all = Vec::with_capacity(lic.len() + tit.len());
    for i in 0..lic.len() {
        all.push(bundle(&lic, &lic_rc, i, None)?.to_vec());
    }
    for i in 0..tit.len() {
        all.push(bundle(&tit, &tit_rc, i, None)?.to_vec());
    }
    // every bundle of both batches, with its ledger receipt, as `issue` and
    // `prove --all` write them; receipt.json, so `prove` adds it too; and
    // ledger-dir, as `issue --ledger` leaves it
    let (lic_bundles, tit_bundles) = all.split_at(lic.len());
    for (name, batch, rc, bundles) in [
        ("licenses", &lic, &lic_rc, lic_bundles),
        ("titles", &tit, &tit_rc, tit_bundles),
    ] {
        let d = dir.join(name);
        write_batch(&d, batch)?;
        crate::issuing::save_receipt(&d, rc)?;
        // so that `certanchor status --batch DIR …` logs its lists there
        crate::issuing::save_ledger_dir(&d, &dir.join("ledger"))?;
        let paths: Vec<PathBuf> = (0..bundles.len())
            .map(|i| util::bundle_path(&d, i))
            .collect();
        for (p, b) in paths.iter().zip(bundles) {
            util::write_unsynced(p, b)?;
        }
        util::sync_written(&d.join("bundles"), &paths)?;
    }
    // The bank's back office gets the applicants' bundles as JSON Lines
    // (one `CA1:` text per line), one line garbled in transit, and
    // verifies the file in bulk: each line not valid is named with the
    // check that decided it.
    let applications = dir.join("bank-applications.jsonl");
    let mut jsonl = String::new();
    for (i, b) in all.iter().enumerate() {
        if i == 3 {
            jsonl.push_str("\"CA1:(photo of a screen, unreadable)\"\n");
        }
        let text = Bundle::from_slice(b)
            .map_err(|e| CliError::new("internal", e.to_string()))?
            .to_text();
        jsonl.push_str(&serde_json::Value::String(text).to_string());
        jsonl.push('\n');
    }
    util::write_atomic(&applications, jsonl.as_bytes(), false)?;
    let source = certanchor::source::BundleSource::open(&applications)
        .map_err(|e| CliError::new("io_error", e.to_string()))?;
    let t = Instant::now();
    let mut rows: Vec<(String, Verdict, Option<String>)> = Vec::new();
    let verifier = Verifier::new(trust);
    let run = verifier.verify_source(
        &source,
        now + 300,
        1024,
        |r| {
            let id = r.certificate.as_ref().map(|c| c.id.clone());
            let decided = r
                .decided_by()
                .map(|c| format!("{}/{}", c.check.as_str(), c.code));
            (r.verdict, decided.map(|d| (d, id)))
        },
        |chunk| {
            for (place, (verdict, decided)) in chunk {
                let decided = decided.map(|(d, id)| match id {
                    Some(id) => format!("{d} (certificate {id})"),
                    None => d,
                });
                rows.push((place, verdict, decided));
            }
            Ok::<(), std::convert::Infallible>(())
        },
    );
    if let Err(certanchor::verify::SourceOrSink::Source(e)) = run {
        return Err(CliError::new("io_error", e.to_string()));
    }
    let count = |v: Verdict| rows.iter().filter(|r| r.1 == v).count();
    say(format!(
        "\n8. Bulk: a bank's back office verifies {} applications from a JSON Lines file in {:.0?} on all cores:\n   {} valid, {} invalid, {} indeterminate. Not valid, by line:",
        rows.len(),
        t.elapsed(),
        count(Verdict::Valid),
        count(Verdict::Invalid),
        count(Verdict::Indeterminate)
    ));
    for (place, verdict, decided) in rows.iter().filter(|r| r.1 != Verdict::Valid) {
        let line = place.rsplit(':').next().unwrap_or(place);
        say(format!(
            "   line {line}: {} {}",
            verdict.as_str(),
            certanchor::display::escape(decided.as_deref().unwrap_or("-"))
        ));
    }
    summary.push(
        json!({"case": "bulk", "valid": count(Verdict::Valid), "invalid": count(Verdict::Invalid),
        "indeterminate": count(Verdict::Indeterminate),
        "not_valid": rows.iter().filter(|r| r.1 != Verdict::Valid)
            .map(|(p, v, d)| json!({"input": p, "verdict": v.as_str(), "decided_by": d})).collect::<Vec<_>>()}),
    );
    let trust_file = dir.join("trust.json");
    let fp = certanchor::TrustStore::fingerprint(&util::read(&trust_file)?);
    say(format!(
        "\n9. At the registration counter the clerk's page (bindings-wasm/www/index.html, offline) verifies nothing\n   until the office's trust.json is loaded; it keeps it and shows its fingerprint in every verdict:\n   {} (certanchor trust fingerprint). The clerk loads titles/status-*.cose so a stripped title is refused.",
        certanchor::TrustStore::short_fingerprint(&fp)
    ));
    summary.push(json!({"case": "clerk_page", "trust_fingerprint": fp}));
    let shown_dir = util::show_path(&dir);
    say(format!(
        "\nFiles: {shown_dir}\n  keys/*.pem (0600), trust.json, ledger/ (with its key, 0600), ledger.vkey (the ledger's verifier key),\n  licenses/ and titles/ (anchor.cose, batch.cbor 0600, status-*.cose, receipt.json, bundles/*.cab: every bundle),\n  title-17-full.cab, title-17-for-bank.txt, title-42-before-sale.cab, bank-applications.jsonl,\n  ledger-snapshot.bin (the published ledger in one file), mirror/ (a department's synced copy)\nTry: certanchor verify --trust {shown_dir}/trust.json {shown_dir}/title-17-for-bank.txt\n     certanchor verify --trust {shown_dir}/trust.json --mirror {shown_dir}/mirror {shown_dir}/title-42-before-sale.cab\n     certanchor sync --trust {shown_dir}/trust.json --state {shown_dir}/mirror --from {shown_dir}/ledger-snapshot.bin\n     certanchor verify-many --trust {shown_dir}/trust.json {shown_dir}/licenses/bundles\n     certanchor verify-many --trust {shown_dir}/trust.json {shown_dir}/bank-applications.jsonl\n     python: certanchor.Verifier(store).verify_to_arrow(Path(\"{shown_dir}/bank-applications.jsonl\"), fields=[\"name\"])",
    ));
    if json {
        util::print_json(&json!({"dir": dir, "cases": summary}));
    }
    // title 42 revoked, title 17 suspended, and the garbled line
    let expected_invalid = 3;
    if count(Verdict::Invalid) != expected_invalid
        || count(Verdict::Valid) != all.len() + 1 - expected_invalid
    {
        return Err(CliError::new(
            "demo_failed",
            "unexpected verdicts in bulk verification",
        ));
    }
    Ok(0)
}
