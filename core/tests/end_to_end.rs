//! End to end: issue, endorse, disclose, revoke, verify — and make every
//! check of SPEC §8 fail or go indeterminate on purpose.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use certanchor::Document;
use certanchor::keys::SigningKey;
use certanchor::sample::{self, JAN_1_2024, demo_trust_doc};
use certanchor::status::StatusPurpose;
use certanchor::{
    Bundle, Certificate, CheckCode, IssueOptions, IssuedBatch, Issuer, Outcome, Report, Value,
    Verdict,
};
use common::{
    assert_check, assert_check_reason, authority, demo_verifier as verifier, endorse_at_issue,
    verifier_with,
};

const ISSUED: u64 = JAN_1_2024 + 86_400 * 150; // 2024-05-30
const NOW: u64 = ISSUED + 3600;

fn issue(issuer_id: &str, certs: &[Certificate]) -> IssuedBatch {
    Issuer::new(authority(issuer_id), issuer_id)
        .issue(
            "2024-05-30-001",
            certs,
            &IssueOptions {
                issued_at: ISSUED,
                decoys: 3,
            },
        )
        .unwrap()
}

fn licenses(n: u64) -> Vec<Certificate> {
    (0..n).map(sample::business_license).collect()
}

fn titles(n: u64) -> Vec<Certificate> {
    (0..n).map(sample::real_estate_title).collect()
}

fn outcome(r: &Report, c: CheckCode) -> (Outcome, &'static str) {
    let ch = r.check(c).unwrap();
    (ch.outcome, ch.code.as_str())
}

#[test]
fn thousand_licenses_and_hundred_titles_endorsed_disclosed_valid() {
    let v = verifier();
    let mut lic = issue("cn.beijing.scjgj", &licenses(1000));
    endorse_at_issue(&mut lic, "cn.beijing.tax");
    endorse_at_issue(&mut lic, "cn.beijing.gaj");
    let mut tit = issue("cn.beijing.ghzrzyw", &titles(100));
    endorse_at_issue(&mut tit, "cn.beijing.tax");
    endorse_at_issue(&mut tit, "cn.beijing.zjw");

    let mut all = Vec::new();
    for i in 0..lic.len() {
        let b = if i % 2 == 0 {
            lic.bundle(i, Some(&["name", "uscc"])).unwrap()
        } else {
            lic.bundle(i, None).unwrap()
        };
        all.push(b.to_vec());
    }
    for i in 0..tit.len() {
        let b = tit
            .bundle(i, Some(&["location", "right_holders", "building_area_m2"]))
            .unwrap();
        all.push(b.to_text().into_bytes());
    }
    let reports = v.verify_many(&all, NOW);
    for (i, r) in reports.iter().enumerate() {
        assert_eq!(r.verdict, Verdict::Valid, "bundle {i}: {:#?}", r.checks);
    }
    let r0 = &reports[0];
    assert_eq!(r0.disclosed.len(), 2);
    assert_eq!(r0.endorsers.len(), 2);
    assert_eq!(
        r0.issuer.as_ref().unwrap().name.as_deref(),
        Some("北京市市场监督管理局")
    );
    let rt = &reports[1000];
    assert_eq!(rt.disclosed.len(), 3);
    assert!(rt.disclosed.contains_key("location"));
    assert_eq!(rt.certificate.as_ref().unwrap().kind, "real_estate_title");
    // every check is listed, in order
    let order: Vec<_> = rt.checks.iter().map(|c| c.check).collect();
    assert_eq!(order, CheckCode::ALL.to_vec());
}

#[test]
fn holder_discloses_fewer_fields_and_it_still_verifies() {
    let mut b = issue("cn.beijing.ghzrzyw", &titles(5));
    endorse_at_issue(&mut b, "cn.beijing.zjw");
    let full = b.bundle(3, None).unwrap();
    let small = full.with_fewer_fields(&["location"]).unwrap();
    assert_eq!(small.header, full.header);
    assert_eq!(small.anchor, full.anchor);
    let r = verifier().verify(&small.to_vec(), NOW);
    assert_eq!(r.verdict, Verdict::Valid, "{:#?}", r.checks);
    assert_eq!(r.disclosed.keys().collect::<Vec<_>>(), vec!["location"]);
    assert!(full.with_fewer_fields(&["nonexistent"]).is_err());
    // text and binary forms agree
    assert_eq!(Bundle::from_text(&small.to_text()).unwrap(), small);
}

#[test]
fn wrong_key_fails_issuer_signature() {
    let mut b = Issuer::new(SigningKey::from_seed(&[0x99; 32]), "cn.beijing.scjgj")
        .issue("x", &licenses(3), &IssueOptions::at(ISSUED))
        .unwrap();
    endorse_at_issue(&mut b, "cn.beijing.tax");
    let r = verifier().verify(&b.bundle(0, None).unwrap().to_vec(), NOW);
    assert_eq!(r.verdict, Verdict::Invalid);
    assert_check(
        &r,
        CheckCode::IssuerSignature,
        Outcome::Failed,
        "unknown_key",
    );
    // A trusted key of *another* issuer is refused too.
    let mut b = Issuer::new(authority("cn.beijing.ghzrzyw"), "cn.beijing.scjgj")
        .issue("x", &licenses(3), &IssueOptions::at(ISSUED))
        .unwrap();
    endorse_at_issue(&mut b, "cn.beijing.tax");
    let r = verifier().verify(&b.bundle(0, None).unwrap().to_vec(), NOW);
    assert_check(
        &r,
        CheckCode::IssuerSignature,
        Outcome::Failed,
        "wrong_issuer_key",
    );
}

#[test]
fn key_outside_window_or_revoked_fails() {
    let mut b = issue("cn.beijing.scjgj", &licenses(3));
    endorse_at_issue(&mut b, "cn.beijing.tax");
    let bytes = b.bundle(0, None).unwrap().to_vec();
    for (field, value, code) in [
        ("not_before", "2024-06-01T00:00:00Z", "key_not_valid"),
        ("not_after", "2024-05-01T00:00:00Z", "key_not_valid"),
        ("revoked_at", "2024-05-01T00:00:00Z", "key_not_valid"),
    ] {
        let mut doc = demo_trust_doc(None);
        let iss = doc
            .issuers
            .iter_mut()
            .find(|i| i.id == "cn.beijing.scjgj")
            .unwrap();
        let k = &mut iss.keys[0];
        match field {
            "not_before" => k.not_before = value.into(),
            "not_after" => {
                k.not_before = "2023-01-01T00:00:00Z".into();
                k.not_after = Some(value.into());
            }
            _ => k.revoked_at = Some(value.into()),
        }
        let r = verifier_with(doc).verify(&bytes, NOW);
        assert_check(&r, CheckCode::IssuerSignature, Outcome::Failed, code);
        assert_eq!(r.verdict, Verdict::Invalid);
    }
}

#[test]
fn unauthorized_kind_fails_authorization() {
    let mut doc = demo_trust_doc(None);
    doc.issuers
        .iter_mut()
        .find(|i| i.id == "cn.beijing.scjgj")
        .unwrap()
        .kinds = vec!["real_estate_title".into()];
    let mut b = issue("cn.beijing.scjgj", &licenses(2));
    endorse_at_issue(&mut b, "cn.beijing.tax");
    let r = verifier_with(doc).verify(&b.bundle(1, None).unwrap().to_vec(), NOW);
    assert_check(
        &r,
        CheckCode::Authorization,
        Outcome::Failed,
        "unauthorized_kind",
    );
    assert_check(&r, CheckCode::IssuerSignature, Outcome::Passed, "ok");
}

#[test]
fn endorsements_missing_untrusted_or_duplicate() {
    let mut b = issue("cn.beijing.ghzrzyw", &titles(2));
    let r = verifier().verify(&b.bundle(0, None).unwrap().to_vec(), NOW);
    assert_check(
        &r,
        CheckCode::Endorsements,
        Outcome::Failed,
        "endorsements_missing",
    );
    // an endorsement by an untrusted department does not count
    b.endorse(
        &SigningKey::from_seed(&[0x77; 32]),
        b.anchor().body().issued_at,
    )
    .unwrap();
    // nor one by a trusted department not named in the policy
    endorse_at_issue(&mut b, "cn.beijing.gaj");
    let r = verifier().verify(&b.bundle(0, None).unwrap().to_vec(), NOW);
    assert_check_reason(
        &r,
        CheckCode::Endorsements,
        Outcome::Failed,
        "endorsements_missing",
        "untrusted key",
    );
    // policy needing two: the same department twice (two keys) counts once
    let mut doc = demo_trust_doc(None);
    doc.policies[0].endorsements.as_mut().unwrap().at_least = 2;
    let second_tax = SigningKey::from_seed(&[0x23; 32]);
    let tax = doc
        .issuers
        .iter_mut()
        .find(|i| i.id == "cn.beijing.tax")
        .unwrap();
    let mut k2 = tax.keys[0].clone();
    k2.public_key = second_tax.public_key().to_base64();
    tax.keys.push(k2);
    let v = verifier_with(doc);
    let mut b = issue("cn.beijing.ghzrzyw", &titles(2));
    endorse_at_issue(&mut b, "cn.beijing.tax");
    b.endorse(&second_tax, b.anchor().body().issued_at).unwrap();
    let r = v.verify(&b.bundle(0, None).unwrap().to_vec(), NOW);
    assert_check_reason(
        &r,
        CheckCode::Endorsements,
        Outcome::Failed,
        "endorsements_missing",
        "counted once",
    );
    endorse_at_issue(&mut b, "cn.beijing.zjw");
    let r = v.verify(&b.bundle(0, None).unwrap().to_vec(), NOW);
    assert_eq!(r.verdict, Verdict::Valid, "{:#?}", r.checks);
}

#[test]
fn revoked_suspended_reinstated_and_stale() {
    let key = authority("cn.beijing.ghzrzyw");
    let issuer = Issuer::new(key, "cn.beijing.ghzrzyw");
    let mut b = issuer
        .issue("b", &titles(20), &IssueOptions::at(ISSUED))
        .unwrap();
    endorse_at_issue(&mut b, "cn.beijing.tax");
    issuer
        .update_status(
            &mut b,
            StatusPurpose::Revocation,
            &[(3, true)],
            ISSUED,
            86_400,
        )
        .unwrap();
    issuer
        .update_status(
            &mut b,
            StatusPurpose::Suspension,
            &[(5, true)],
            ISSUED,
            86_400,
        )
        .unwrap();
    let v = verifier();
    let r = v.verify(&b.bundle(3, None).unwrap().to_vec(), NOW);
    assert_check(&r, CheckCode::Status, Outcome::Failed, "revoked");
    assert_eq!(r.verdict, Verdict::Invalid);
    let r = v.verify(&b.bundle(5, None).unwrap().to_vec(), NOW);
    assert_check(&r, CheckCode::Status, Outcome::Failed, "suspended");
    let r = v.verify(&b.bundle(4, None).unwrap().to_vec(), NOW);
    assert_check(&r, CheckCode::Status, Outcome::Passed, "ok");
    assert_eq!(r.verdict, Verdict::Valid);
    assert_eq!(r.status.len(), 2);
    // stale: the same lists, checked two days later
    let r = verifier().verify(&b.bundle(4, None).unwrap().to_vec(), NOW + 2 * 86_400);
    assert_check(
        &r,
        CheckCode::Status,
        Outcome::Indeterminate,
        "stale_status",
    );
    assert_eq!(r.verdict, Verdict::Indeterminate);
    // reinstate 5 (lifting the seizure) in a newer suspension list
    let old5 = b.bundle(5, None).unwrap().to_vec();
    issuer
        .update_status(
            &mut b,
            StatusPurpose::Suspension,
            &[(5, false)],
            ISSUED + 60,
            86_400,
        )
        .unwrap();
    let r = v.verify(&b.bundle(5, None).unwrap().to_vec(), NOW);
    assert_eq!(r.verdict, Verdict::Valid, "{:#?}", r.checks);
    // replaying the older (suspended) list after the newer one was seen: newest wins
    let r = v.verify(&old5, NOW);
    assert_eq!(r.verdict, Verdict::Valid, "{:#?}", r.checks);
    assert!(
        r.check(CheckCode::Status)
            .unwrap()
            .reason
            .contains("newer epoch")
    );
}

#[test]
fn status_required_but_missing_is_indeterminate() {
    let mut doc = demo_trust_doc(None);
    doc.policies[1].require_status = true;
    let mut b = issue("cn.beijing.scjgj", &licenses(2));
    endorse_at_issue(&mut b, "cn.beijing.tax");
    let r = verifier_with(doc).verify(&b.bundle(0, None).unwrap().to_vec(), NOW);
    assert_check(
        &r,
        CheckCode::Status,
        Outcome::Indeterminate,
        "status_missing",
    );
    assert_eq!(r.verdict, Verdict::Indeterminate);
}

#[test]
fn status_list_of_another_batch_fails() {
    let issuer = Issuer::new(authority("cn.beijing.scjgj"), "cn.beijing.scjgj");
    let mut a = issuer
        .issue("a", &licenses(4), &IssueOptions::at(ISSUED))
        .unwrap();
    let mut other = issuer
        .issue("other", &licenses(4), &IssueOptions::at(ISSUED))
        .unwrap();
    endorse_at_issue(&mut a, "cn.beijing.tax");
    let list = issuer
        .update_status(&mut other, StatusPurpose::Revocation, &[], ISSUED, 86_400)
        .unwrap()
        .as_bytes()
        .to_vec();
    let mut bundle = a.bundle(0, None).unwrap();
    bundle.status = vec![list];
    let r = verifier().verify(&bundle.to_vec(), NOW);
    assert_check(&r, CheckCode::Status, Outcome::Failed, "status_wrong_batch");
}

#[test]
fn expired_and_not_yet_valid() {
    let mut certs = licenses(2);
    certs[0].valid_until = Some(ISSUED + 10);
    certs[1].valid_from = NOW + 1000;
    let mut b = issue("cn.beijing.scjgj", &certs);
    endorse_at_issue(&mut b, "cn.beijing.tax");
    let r = verifier().verify(&b.bundle(0, None).unwrap().to_vec(), NOW);
    assert_check(&r, CheckCode::Validity, Outcome::Failed, "expired");
    let r = verifier().verify(&b.bundle(1, None).unwrap().to_vec(), NOW);
    assert_check(&r, CheckCode::Validity, Outcome::Failed, "not_yet_valid");
}

#[test]
fn schema_violation_at_verify_time() {
    // An issuer with a lax schema registry issues a bad USCC; a verifier with
    // the built-in schema refuses it.
    let mut lax = certanchor::schema::SchemaRegistry::empty();
    lax.register(
        certanchor::schema::Schema::builder("business_license")
            .allow_extra(true)
            .build()
            .unwrap(),
    )
    .unwrap();
    let mut certs = licenses(1);
    certs[0]
        .fields
        .insert("uscc".into(), Value::from("91110105MA00000000"));
    let mut b = Issuer::new(authority("cn.beijing.scjgj"), "cn.beijing.scjgj")
        .with_registry(lax)
        .issue("x", &certs, &IssueOptions::at(ISSUED))
        .unwrap();
    endorse_at_issue(&mut b, "cn.beijing.tax");
    let r = verifier().verify(&b.bundle(0, Some(&["uscc"])).unwrap().to_vec(), NOW);
    assert_check_reason(
        &r,
        CheckCode::Schema,
        Outcome::Failed,
        "schema_violation",
        "uscc",
    );
}

#[test]
fn integrity_and_inclusion_failures() {
    let mut b = issue("cn.beijing.scjgj", &licenses(9));
    endorse_at_issue(&mut b, "cn.beijing.tax");
    let good = b.bundle(4, None).unwrap();
    // altered value
    let mut t = good.clone();
    t.disclosed[0].value = Value::from("北京伪造科技有限公司");
    assert_check(
        &verifier().verify(&t.to_vec(), NOW),
        CheckCode::Integrity,
        Outcome::Failed,
        "digest_mismatch",
    );
    // disclosed twice
    let mut t = good.clone();
    t.disclosed.push(t.disclosed[0].clone());
    assert_check(
        &verifier().verify(&t.to_vec(), NOW),
        CheckCode::Integrity,
        Outcome::Failed,
        "disclosed_twice",
    );
    // Unicode normalization: NFC vs NFD of the same visible text differ
    let mut t = good.clone();
    let d = t.disclosed.iter_mut().find(|d| d.name == "name").unwrap();
    d.value = Value::from(format!("{}e\u{301}", d.value.as_text().unwrap()));
    assert_check(
        &verifier().verify(&t.to_vec(), NOW),
        CheckCode::Integrity,
        Outcome::Failed,
        "digest_mismatch",
    );
    // a header of another certificate with this proof
    let mut t = good.clone();
    t.header = b.bundle(5, None).unwrap().header;
    t.disclosed.clear();
    let r = verifier().verify(&t.to_vec(), NOW);
    assert_eq!(outcome(&r, CheckCode::Inclusion).0, Outcome::Failed);
    // proof for a different tree size
    let mut t = good.clone();
    t.proof.tree_size = 8;
    assert_check(
        &verifier().verify(&t.to_vec(), NOW),
        CheckCode::Inclusion,
        Outcome::Failed,
        "tree_size_mismatch",
    );
    // index past the tree
    let mut t = good.clone();
    t.proof.leaf_index = 9;
    assert_eq!(
        outcome(&verifier().verify(&t.to_vec(), NOW), CheckCode::Inclusion).0,
        Outcome::Failed
    );
}

#[test]
fn issue_reports_every_bad_row() {
    let mut certs = licenses(5);
    certs[1]
        .fields
        .insert("uscc".into(), Value::from("91110105MA00000000"));
    certs[3].fields.remove("name");
    certs[4].id = certs[0].id.clone();
    // a duplicate with a problem of its own: the duplicate comes first
    certs[2].id = certs[0].id.clone();
    certs[2].valid_until = Some(1);
    let mut unknown = licenses(1).remove(0);
    unknown.kind = "fishing_permit".into();
    unknown.id = "F-1".into();
    certs.push(unknown);
    let issuer = Issuer::new(authority("cn.beijing.scjgj"), "cn.beijing.scjgj");
    let e = issuer
        .issue("x", &certs, &IssueOptions::at(ISSUED))
        .unwrap_err();
    let certanchor::IssueError::Rejected { problems } = e else {
        panic!("{e}")
    };
    let codes: Vec<_> = problems.iter().map(|p| p.code()).collect();
    assert!(codes.contains(&"schema_violation"));
    assert!(codes.contains(&"invalid_certificate"));
    assert!(codes.contains(&"unknown_kind"));
    let said: Vec<String> = problems.iter().map(ToString::to_string).collect();
    assert!(
        said[1].contains("2") && said[1].contains("duplicate"),
        "{said:#?}"
    );
    assert!(
        said[2].contains("2") && said[2].contains("valid_until"),
        "{said:#?}"
    );
    // `issue` checks while it salts; `validate` alone says exactly the same
    let alone: Vec<String> = issuer
        .validate(&certs)
        .unwrap_err()
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(said, alone);
    assert_eq!(problems.len(), 6, "{said:#?}");
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(48))]
    /// Whatever mix of duplicate ids (copied from any earlier row), bad
    /// validity windows, missing fields and empty ids a batch has, `issue`
    /// refuses it with exactly the problems `validate` lists, in order.
    #[test]
    fn issue_says_what_validate_says(
        plan in proptest::collection::vec((0u8..5, 0usize..12, proptest::bool::ANY), 1..12)
    ) {
        let mut certs = licenses(plan.len() as u64);
        for (i, &(what, from, window)) in plan.iter().enumerate() {
            match what {
                1 if i > 0 => certs[i].id = certs[from % i].id.clone(),
                2 => {
                    certs[i].fields.remove("name");
                }
                3 => certs[i].id = String::new(),
                _ => {}
            }
            if window {
                certs[i].valid_until = Some(1);
            }
        }
        let issuer = Issuer::new(authority("cn.beijing.scjgj"), "cn.beijing.scjgj");
        let said = |problems: &[certanchor::IssueError]| {
            problems.iter().map(ToString::to_string).collect::<Vec<_>>()
        };
        match (issuer.validate(&certs), issuer.issue("p", &certs, &IssueOptions::at(ISSUED))) {
            (Ok(()), Ok(b)) => proptest::prop_assert_eq!(b.len(), certs.len()),
            (Err(alone), Err(certanchor::IssueError::Rejected { problems })) => {
                proptest::prop_assert_eq!(said(&problems), said(&alone));
            }
            (v, i) => proptest::prop_assert!(false, "validate {v:?}, issue {:?}", i.err()),
        }
    }
}

#[test]
fn batch_record_round_trip() {
    let issuer = Issuer::new(authority("cn.beijing.ghzrzyw"), "cn.beijing.ghzrzyw");
    let mut b = issuer
        .issue("rt", &titles(7), &IssueOptions::at(ISSUED))
        .unwrap();
    endorse_at_issue(&mut b, "cn.beijing.tax");
    issuer
        .update_status(&mut b, StatusPurpose::Revocation, &[(2, true)], ISSUED, 600)
        .unwrap();
    let bytes = b.to_vec();
    let back = IssuedBatch::from_slice(&bytes).unwrap();
    assert_eq!(back.to_vec(), bytes);
    assert_eq!(back.bundle(6, None).unwrap(), b.bundle(6, None).unwrap());
    assert_eq!(back.index_of(&b.records()[6].id().unwrap()), Some(6));
    let mut bad = bytes.clone();
    let n = bad.len();
    bad[n - 3] ^= 1;
    assert!(IssuedBatch::from_slice(&bad).is_err());
}

#[test]
fn every_bit_flip_is_never_valid_and_never_panics() {
    let mut b = issue("cn.beijing.scjgj", &licenses(3));
    endorse_at_issue(&mut b, "cn.beijing.tax");
    let bundle = b.bundle(1, Some(&["name", "uscc"])).unwrap().to_vec();
    let v = verifier();
    assert_eq!(v.verify(&bundle, NOW).verdict, Verdict::Valid);
    let mut flipped = bundle.clone();
    for i in 0..bundle.len() {
        for bit in 0..8 {
            flipped[i] ^= 1 << bit;
            let r = v.verify(&flipped, NOW);
            assert_ne!(r.verdict, Verdict::Valid, "byte {i} bit {bit}");
            flipped[i] ^= 1 << bit;
        }
    }
}

/// Issuance runs in parallel, each unit of work drawing salts from its own
/// ChaCha20 stream: across a batch of 5,000 (several units) every
/// salt and decoy is distinct, two issuances of the same input differ, every
/// bundle verifies, and problems are still reported in input order (a
/// duplicate id in a later chunk included).
#[test]
fn parallel_issuance_keeps_salts_distinct_and_problems_in_order() {
    let certs = licenses(5_000);
    let issuer = Issuer::new(authority("cn.beijing.scjgj"), "cn.beijing.scjgj");
    let opts = IssueOptions {
        issued_at: ISSUED,
        decoys: 2,
    };
    let mut a = issuer.issue("par-a", &certs, &opts).unwrap();
    endorse_at_issue(&mut a, "cn.beijing.tax");
    let b = issuer.issue("par-b", &certs, &opts).unwrap();
    let mut salts = std::collections::HashSet::new();
    for r in a.records() {
        for f in r.fields() {
            assert!(salts.insert(f.salt), "salt repeated");
        }
    }
    assert_eq!(salts.len(), 5_000 * certs[0].fields.len());
    assert_ne!(
        a.records()[4_999].fields()[0].salt,
        b.records()[4_999].fields()[0].salt
    );
    assert_ne!(a.anchor().body().root, b.anchor().body().root);
    let v = verifier();
    let bundles: Vec<Vec<u8>> = [0, 2_047, 2_048, 4_095, 4_096, 4_999]
        .iter()
        .map(|&i| a.bundle(i, Some(&["name"])).unwrap().to_vec())
        .collect();
    for r in v.verify_many(&bundles, NOW) {
        assert_eq!(r.verdict, Verdict::Valid, "{r}");
    }

    let mut bad = certs;
    bad[10].valid_until = Some(1);
    bad[4_500].id = bad[3].id.clone();
    bad[2_100].id = String::new();
    let Err(certanchor::IssueError::Rejected { problems }) = issuer.issue("par-c", &bad, &opts)
    else {
        panic!("bad batch issued");
    };
    let order: Vec<String> = problems.iter().map(ToString::to_string).collect();
    assert_eq!(problems.len(), 3, "{order:#?}");
    assert!(
        order[0].contains("10") && order[0].contains("valid_until"),
        "{order:#?}"
    );
    assert!(order[1].contains("2100"), "{order:#?}");
    assert!(
        order[2].contains("4500") && order[2].contains("duplicate"),
        "{order:#?}"
    );
}

/// `verify_many` checks the signatures of all new anchors of a chunk in one
/// Ed25519 batch; one bad endorsement among twenty anchors makes the batch
/// fail, and the one-by-one fallback pins it on the right anchor: the same
/// verdicts as `verify` bundle by bundle.
#[test]
fn batched_anchor_signatures_agree_with_one_by_one() {
    let certs = licenses(60);
    let issuer = Issuer::new(authority("cn.beijing.scjgj"), "cn.beijing.scjgj");
    let mut bundles = Vec::new();
    for k in 0..20 {
        let mut b = issuer
            .issue(
                &format!("many-{k}"),
                &certs[k * 3..k * 3 + 3],
                &IssueOptions::at(ISSUED),
            )
            .unwrap();
        endorse_at_issue(&mut b, "cn.beijing.tax");
        for i in 0..3 {
            let mut bundle = b.bundle(i, Some(&["name"])).unwrap();
            if k == 7 {
                *bundle.anchor.last_mut().unwrap() ^= 1; // the endorsement's signature
            }
            bundles.push(bundle.to_vec());
        }
    }
    let reports = verifier().verify_many(&bundles, NOW);
    for (i, r) in reports.iter().enumerate() {
        let one = verifier().verify(&bundles[i], NOW);
        assert_eq!(r.verdict, one.verdict, "bundle {i}");
        if i / 3 == 7 {
            assert_eq!(r.verdict, Verdict::Invalid, "{r}");
            assert_check(r, CheckCode::IssuerSignature, Outcome::Passed, "ok");
            assert_check(
                r,
                CheckCode::Endorsements,
                Outcome::Failed,
                "endorsements_missing",
            );
            let reason = &r.checks[5].reason;
            assert!(reason.contains("does not verify"), "{reason}");
        } else {
            assert_eq!(r.verdict, Verdict::Valid, "{r}");
        }
    }
}
