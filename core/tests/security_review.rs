//! Regression tests for the defects an adversarial review of the release
//! found (SECURITY.md §3): each reproduces the attack as a holder of a
//! bundle, or of one compromised and revoked key, would mount it, and
//! asserts that it now fails safe.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use certanchor::Document;
use certanchor::time;
use common::{assert_check, assert_check_reason, authority, cose_sign1, scjgj, verifier_with};

use certanchor::cbor::Writer;
use certanchor::keys::SigningKey;
use certanchor::sample::{self, JAN_1_2024, demo_trust_doc};
use certanchor::status::{MAX_STATUS_BITS, StatusList, StatusListBody, StatusPurpose};
use certanchor::trust::{KeyEntry, TrustStoreDoc};
use certanchor::verify::{MAX_ANCHOR_CACHE_BYTES, MAX_STATUS_CACHE_BYTES, MAX_STATUS_TTL};
use certanchor::{
    Anchor, Bundle, CheckCode, IssueOptions, IssuedBatch, Outcome, TrustStore, Verdict,
};

const ISSUED: u64 = JAN_1_2024 + 86_400 * 150;
const NOW: u64 = ISSUED + 3600;
const TTL: u64 = 86_400;
const LICENSE: usize = 1; // demo_trust_doc's policy for business_license

/// The demo store with a policy that requires status for licenses.
fn status_doc() -> TrustStoreDoc {
    let mut d = demo_trust_doc(None);
    assert_eq!(d.policies[LICENSE].kind, "business_license");
    d.policies[LICENSE].require_status = true;
    d
}

/// Licenses by the market regulator, endorsed by the tax bureau, with both
/// status lists published (all clear).
fn batch(name: &str, n: u64) -> IssuedBatch {
    let certs: Vec<_> = (0..n).map(sample::business_license).collect();
    let mut b = scjgj()
        .issue(name, &certs, &IssueOptions::at(ISSUED))
        .unwrap();
    b.endorse(&authority("cn.beijing.tax"), ISSUED + 60)
        .unwrap();
    for p in [StatusPurpose::Revocation, StatusPurpose::Suspension] {
        set_status(&mut b, p, &[], ISSUED);
    }
    b
}

/// The market regulator publishes `b`'s list of `purpose` with `changes`
/// at `at`, valid for [`TTL`].
fn set_status(b: &mut IssuedBatch, purpose: StatusPurpose, changes: &[(u64, bool)], at: u64) {
    scjgj().update_status(b, purpose, changes, at, TTL).unwrap();
}

fn purpose_of(list: &[u8]) -> StatusPurpose {
    StatusList::from_slice(list).unwrap().body().purpose
}

/// The bundle of `index` without its list of `purpose`.
fn stripped(b: &IssuedBatch, index: usize, purpose: StatusPurpose) -> Vec<u8> {
    let mut bundle = b.bundle(index, None).unwrap();
    let before = bundle.status.len();
    bundle.status.retain(|l| purpose_of(l) != purpose);
    assert_eq!(bundle.status.len(), before - 1);
    bundle.to_vec()
}

// ------------------------------------------------- 1. a stripped status list

/// Defect 1: a revoked title whose revocation list was removed from its
/// bundle (the suspension list kept) verified valid under `require_status`.
#[test]
fn stripping_the_revocation_list_is_not_valid() {
    let mut b = batch("strip-rev", 8);
    set_status(&mut b, StatusPurpose::Revocation, &[(4, true)], ISSUED + 10);
    let full = b.bundle(4, None).unwrap().to_vec();
    let bytes = stripped(&b, 4, StatusPurpose::Revocation);
    let r = verifier_with(status_doc()).verify(&bytes, NOW);
    assert_check_reason(
        &r,
        CheckCode::Status,
        Outcome::Indeterminate,
        "status_missing",
        "revocation",
    );
    assert_eq!(r.verdict, Verdict::Indeterminate);
    // with the list, it is revoked; a verifier that saw it keeps it
    let v = verifier_with(status_doc());
    assert_check(
        &v.verify(&full, NOW),
        CheckCode::Status,
        Outcome::Failed,
        "revoked",
    );
    assert_check(
        &v.verify(&bytes, NOW),
        CheckCode::Status,
        Outcome::Failed,
        "revoked",
    );
    // without require_status, the stripped bundle has no revocation to show
    // and is not indeterminate, exactly as a bundle with no lists at all
    let r = verifier_with(demo_trust_doc(None)).verify(&bytes, NOW);
    assert_eq!(r.verdict, Verdict::Valid, "{:#?}", r.checks);
}

/// The mirror case: a seized (suspended) title without its suspension list.
#[test]
fn stripping_the_suspension_list_is_not_valid() {
    let mut b = batch("strip-susp", 8);
    set_status(&mut b, StatusPurpose::Suspension, &[(3, true)], ISSUED + 10);
    let bytes = stripped(&b, 3, StatusPurpose::Suspension);
    let r = verifier_with(status_doc()).verify(&bytes, NOW);
    assert_check_reason(
        &r,
        CheckCode::Status,
        Outcome::Indeterminate,
        "status_missing",
        "suspension",
    );
    // a policy naming revocation alone (an issuer that publishes no
    // suspension lists) is satisfied by the revocation list
    let mut d = status_doc();
    d.policies[LICENSE].status_purposes = Some(vec!["revocation".into()]);
    let r = verifier_with(d).verify(&bytes, NOW);
    assert_eq!(r.verdict, Verdict::Valid, "{:#?}", r.checks);
    // the full bundle is suspended under either policy
    let r = verifier_with(status_doc()).verify(&b.bundle(3, None).unwrap().to_vec(), NOW);
    assert_check(&r, CheckCode::Status, Outcome::Failed, "suspended");
}

#[test]
fn status_purposes_are_checked_when_the_store_loads() {
    for (purposes, require, ok) in [
        (Some(vec!["revocation".to_owned()]), true, true),
        (
            Some(vec!["suspension".to_owned(), "revocation".to_owned()]),
            true,
            true,
        ),
        (Some(vec![]), true, false),
        (
            Some(vec!["revocation".to_owned(), "revocation".to_owned()]),
            true,
            false,
        ),
        (Some(vec!["seizure".to_owned()]), true, false),
        (Some(vec!["revocation".to_owned()]), false, false),
    ] {
        let mut d = demo_trust_doc(None);
        d.policies[LICENSE].require_status = require;
        d.policies[LICENSE].status_purposes = purposes.clone();
        let r = TrustStore::from_doc(d);
        assert_eq!(r.is_ok(), ok, "{purposes:?} {require}");
        if let Err(e) = r {
            assert_eq!(e.code(), "invalid_policy");
        }
    }
    for (ttl, ok) in [
        (Some(1), true),
        (Some(MAX_STATUS_TTL), true),
        (Some(0), false),
        (Some(MAX_STATUS_TTL + 1), false),
    ] {
        let mut d = demo_trust_doc(None);
        d.policies[LICENSE].max_status_ttl = ttl;
        assert_eq!(TrustStore::from_doc(d).is_ok(), ok, "{ttl:?}");
    }
}

// ------------------------------------------------- 3. sticky status lists

/// The market regulator's first key, revoked (stolen), and its second key.
fn rotated_doc(revoked_at: u64) -> (TrustStoreDoc, SigningKey) {
    let mut d = status_doc();
    let second = SigningKey::from_seed(&[0x5c; 32]);
    let iss = d
        .issuers
        .iter_mut()
        .find(|i| i.id == "cn.beijing.scjgj")
        .unwrap();
    iss.keys[0].revoked_at = Some(time::format(revoked_at));
    iss.keys.push(KeyEntry {
        public_key: second.public_key().to_base64(),
        not_before: time::format(ISSUED),
        not_after: None,
        revoked_at: None,
    });
    (d, second)
}

fn list(
    b: &IssuedBatch,
    purpose: StatusPurpose,
    epoch: u64,
    at: u64,
    ttl: u64,
    set: &[u64],
    key: &SigningKey,
) -> Vec<u8> {
    let a = b.anchor().body();
    let mut body = StatusListBody::new(
        &a.issuer,
        &a.batch,
        a.root,
        purpose,
        epoch,
        at,
        ttl,
        a.tree_size,
    );
    for i in set {
        body.set(*i, true).unwrap();
    }
    StatusList::sign(&body, key).unwrap().as_bytes().to_vec()
}

fn with_lists(b: &IssuedBatch, index: usize, lists: &[Vec<u8>]) -> Vec<u8> {
    let mut bundle = b.bundle(index, None).unwrap();
    bundle.status = lists.to_vec();
    bundle.to_vec()
}

/// Defect 3: a key revoked at T signs a clean list dated before T with the
/// largest epoch and a ttl of 2^40 s. It must not override the genuine,
/// newer list, whether that list comes out of band or in another bundle,
/// and must not make a revoked title valid by itself.
#[test]
fn a_revoked_keys_backdated_list_does_not_stick() {
    let b = batch("sticky", 8);
    let revoked_at = ISSUED + 100;
    let (d, second) = rotated_doc(revoked_at);
    let stolen = authority("cn.beijing.scjgj");
    let forged_rev = list(
        &b,
        StatusPurpose::Revocation,
        u64::MAX,
        ISSUED + 50,
        1 << 40,
        &[],
        &stolen,
    );
    let forged_susp = list(
        &b,
        StatusPurpose::Suspension,
        u64::MAX,
        ISSUED + 50,
        1 << 40,
        &[],
        &stolen,
    );
    let genuine_rev = list(
        &b,
        StatusPurpose::Revocation,
        2,
        ISSUED + 200,
        TTL,
        &[1],
        &second,
    );
    let genuine_susp = list(
        &b,
        StatusPurpose::Suspension,
        2,
        ISSUED + 200,
        TTL,
        &[],
        &second,
    );
    let attack = with_lists(&b, 1, &[forged_rev.clone(), forged_susp.clone()]);

    // alone: the forged lists are not used (their key is revoked now)
    let v = verifier_with(d.clone());
    let r = v.verify(&attack, NOW);
    assert_ne!(r.verdict, Verdict::Valid, "{:#?}", r.checks);
    assert_check(
        &r,
        CheckCode::Status,
        Outcome::Indeterminate,
        "status_key_not_valid",
    );
    assert_eq!(
        v.add_status_list(&forged_rev, NOW).unwrap_err().code(),
        "untrusted_status_list"
    );
    // the genuine list handed in out of band (`verify --status`) wins
    let v = verifier_with(d.clone());
    v.add_status_list(&genuine_rev, NOW).unwrap();
    assert_check(
        &v.verify(&attack, NOW),
        CheckCode::Status,
        Outcome::Failed,
        "revoked",
    );
    // in a bulk run, another holder's bundle with the genuine lists revokes
    // title 1 everywhere, and the forged bundles change nothing for others
    let honest = with_lists(&b, 2, &[genuine_rev.clone(), genuine_susp.clone()]);
    let mut inputs = vec![attack.clone(); 300];
    inputs.insert(150, honest.clone());
    let reports = verifier_with(d.clone()).verify_many(&inputs, NOW);
    for (i, r) in reports.iter().enumerate() {
        if i == 150 {
            assert_eq!(r.verdict, Verdict::Valid, "{:#?}", r.checks);
        } else {
            assert_check(r, CheckCode::Status, Outcome::Failed, "revoked");
        }
    }
    // before the revocation of the key, its list was genuine and is used
    let r = verifier_with(d).verify(&attack, ISSUED + 60);
    assert_check(&r, CheckCode::Status, Outcome::Passed, "ok");
}

/// A list from the future is refused, in a bundle and out of band.
#[test]
fn a_list_from_the_future_is_refused() {
    let b = batch("future-list", 4);
    let key = authority("cn.beijing.scjgj");
    let future = list(&b, StatusPurpose::Revocation, 9, NOW + 3600, TTL, &[], &key);
    let r =
        verifier_with(status_doc()).verify(&with_lists(&b, 0, std::slice::from_ref(&future)), NOW);
    assert_check(&r, CheckCode::Status, Outcome::Failed, "status_future");
    assert_eq!(
        verifier_with(status_doc())
            .add_status_list(&future, NOW)
            .unwrap_err()
            .code(),
        "untrusted_status_list"
    );
    // within the clock skew it is accepted
    let soon = list(&b, StatusPurpose::Revocation, 9, NOW + 60, TTL, &[], &key);
    let soon_s = list(&b, StatusPurpose::Suspension, 9, NOW + 60, TTL, &[], &key);
    let r = verifier_with(status_doc()).verify(&with_lists(&b, 0, &[soon, soon_s]), NOW);
    assert_eq!(r.verdict, Verdict::Valid, "{:#?}", r.checks);
}

/// A list's ttl counts up to the library's cap, or the policy's lower one.
#[test]
fn ttl_is_capped() {
    let b = batch("ttl-cap", 4);
    let key = authority("cn.beijing.scjgj");
    let lists = [
        list(&b, StatusPurpose::Revocation, 5, ISSUED, 1 << 40, &[], &key),
        list(&b, StatusPurpose::Suspension, 5, ISSUED, 1 << 40, &[], &key),
    ];
    let bytes = with_lists(&b, 0, &lists);
    let fresh = verifier_with(status_doc()).verify(&bytes, ISSUED + MAX_STATUS_TTL);
    assert_check(&fresh, CheckCode::Status, Outcome::Passed, "ok");
    assert_eq!(fresh.status[0].fresh_until, ISSUED + MAX_STATUS_TTL);
    let r = verifier_with(status_doc()).verify(&bytes, ISSUED + MAX_STATUS_TTL + 1);
    assert_check(
        &r,
        CheckCode::Status,
        Outcome::Indeterminate,
        "stale_status",
    );
    let mut d = status_doc();
    d.policies[LICENSE].max_status_ttl = Some(3600);
    let r = verifier_with(d).verify(&bytes, ISSUED + 3601);
    assert_check(
        &r,
        CheckCode::Status,
        Outcome::Indeterminate,
        "stale_status",
    );
}

/// An epoch is an order among lists of one time, not a jump: a list with
/// the largest epoch and an earlier time is older than a later list.
#[test]
fn the_later_list_wins_whatever_its_epoch() {
    let b = batch("epoch-order", 4);
    let key = authority("cn.beijing.scjgj");
    let early_huge = list(
        &b,
        StatusPurpose::Suspension,
        u64::MAX,
        ISSUED + 10,
        TTL,
        &[1],
        &key,
    );
    let later = list(
        &b,
        StatusPurpose::Suspension,
        3,
        ISSUED + 20,
        TTL,
        &[],
        &key,
    );
    for order in [[&early_huge, &later], [&later, &early_huge]] {
        let v = verifier_with(demo_trust_doc(None));
        for l in order {
            v.add_status_list(l, NOW).unwrap();
        }
        let r = v.verify(&with_lists(&b, 1, &[]), NOW);
        assert_check(&r, CheckCode::Status, Outcome::Passed, "ok");
        assert_eq!(r.status[0].epoch, 3);
    }
}

/// Revocation is permanent for a verifier: a later clean list signed by a
/// valid key does not lift it; suspension follows the newest list.
#[test]
fn revocations_are_monotonic_suspensions_are_not() {
    let b = batch("monotonic", 4);
    let key = authority("cn.beijing.scjgj");
    let revokes = list(
        &b,
        StatusPurpose::Revocation,
        2,
        ISSUED + 10,
        TTL,
        &[1],
        &key,
    );
    let clean = list(
        &b,
        StatusPurpose::Revocation,
        3,
        ISSUED + 20,
        TTL,
        &[],
        &key,
    );
    let suspends = list(
        &b,
        StatusPurpose::Suspension,
        2,
        ISSUED + 10,
        TTL,
        &[1],
        &key,
    );
    let lifts = list(
        &b,
        StatusPurpose::Suspension,
        3,
        ISSUED + 20,
        TTL,
        &[],
        &key,
    );
    let v = verifier_with(demo_trust_doc(None));
    for l in [&revokes, &clean] {
        v.add_status_list(l, NOW).unwrap();
    }
    let r = v.verify(&with_lists(&b, 1, std::slice::from_ref(&clean)), NOW);
    assert_check(&r, CheckCode::Status, Outcome::Failed, "revoked");
    let v = verifier_with(demo_trust_doc(None));
    for l in [&suspends, &lifts] {
        v.add_status_list(l, NOW).unwrap();
    }
    let r = v.verify(&with_lists(&b, 1, &[]), NOW);
    assert_check(&r, CheckCode::Status, Outcome::Passed, "ok");
}

// ------------------------------------------------- 4. late endorsements

/// Defect 4: `endorse` run today with a tax key revoked last year, on last
/// year's anchor. The endorsement signs today's time (or a back-dated one);
/// neither counts once the key is revoked.
#[test]
fn an_endorsement_by_a_revoked_key_does_not_count() {
    let certs: Vec<_> = (0..4).map(sample::business_license).collect();
    let mut b = scjgj()
        .issue("late-endorse", &certs, &IssueOptions::at(ISSUED))
        .unwrap();
    let tax = authority("cn.beijing.tax");
    let revoked_at = ISSUED + 86_400 * 30;
    let mut d = demo_trust_doc(None);
    d.issuers
        .iter_mut()
        .find(|i| i.id == "cn.beijing.tax")
        .unwrap()
        .keys[0]
        .revoked_at = Some(time::format(revoked_at));
    let today = revoked_at + 86_400 * 300;
    for at in [today, ISSUED + 60] {
        let mut late = b.clone();
        late.endorse(&tax, at).unwrap();
        let r = verifier_with(d.clone()).verify(&late.bundle(0, None).unwrap().to_vec(), today);
        assert_check(
            &r,
            CheckCode::Endorsements,
            Outcome::Failed,
            "endorsements_missing",
        );
        assert!(r.endorsers.is_empty());
    }
    // dated after the revocation, it does not count even before it was known
    let mut late = b.clone();
    late.endorse(&tax, today).unwrap();
    let r = verifier_with(d.clone()).verify(&late.bundle(0, None).unwrap().to_vec(), today);
    assert!(
        r.check(CheckCode::Endorsements)
            .unwrap()
            .reason
            .contains("revoked")
    );
    // an endorsement made in time counts until the revocation
    b.endorse(&tax, ISSUED + 60).unwrap();
    let bytes = b.bundle(0, None).unwrap().to_vec();
    let v = verifier_with(d);
    assert_check(
        &v.verify(&bytes, revoked_at - 1),
        CheckCode::Endorsements,
        Outcome::Passed,
        "ok",
    );
    assert_check(
        &v.verify(&bytes, revoked_at),
        CheckCode::Endorsements,
        Outcome::Failed,
        "endorsements_missing",
    );
    assert_check(
        &v.verify(&bytes, revoked_at - 1),
        CheckCode::Endorsements,
        Outcome::Passed,
        "ok",
    );
}

/// An endorsement dated in the future does not count before its time.
#[test]
fn an_endorsement_from_the_future_does_not_count_yet() {
    let certs: Vec<_> = (0..2).map(sample::business_license).collect();
    let mut b = scjgj()
        .issue("future-endorse", &certs, &IssueOptions::at(ISSUED))
        .unwrap();
    b.endorse(&authority("cn.beijing.tax"), NOW + 86_400)
        .unwrap();
    let bytes = b.bundle(0, None).unwrap().to_vec();
    let v = verifier_with(demo_trust_doc(None));
    let r = v.verify(&bytes, NOW);
    assert_check_reason(
        &r,
        CheckCode::Endorsements,
        Outcome::Failed,
        "endorsements_missing",
        "in the future",
    );
    assert_eq!(v.verify(&bytes, NOW + 86_400).verdict, Verdict::Valid);
    // an endorsement can never predate its anchor
    assert!(
        b.clone()
            .endorse(&authority("cn.beijing.gaj"), ISSUED - 1)
            .is_err()
    );
}

// ------------------------------------------------- 5. status-cache memory

/// Defect 5: bundles carrying unsigned lists whose bits inflate to 2 MiB
/// each drove a verifier to gigabytes. Untrusted lists are never inflated,
/// and every cache is bounded in bytes.
#[test]
fn junk_status_lists_cost_their_bytes_only() {
    let b = batch("junk", 4);
    let junk_key = SigningKey::from_seed(&[0x99; 32]);
    let a = b.anchor().body();
    // 2 MiB of zeros, compressed once (about 2 KB)
    let bits = miniz_oxide::deflate::compress_to_vec_zlib(&vec![0u8; MAX_STATUS_BITS], 9);
    let inputs: Vec<Vec<u8>> = (0..200u64)
        .map(|i| {
            let lists = (0..4u64)
                .map(|j| {
                    let mut w = Writer::new();
                    w.map(9);
                    w.text("v");
                    w.uint(1);
                    w.text("ttl");
                    w.uint(TTL);
                    w.text("bits");
                    w.bytes(&bits);
                    w.text("root");
                    w.bytes(a.root.as_bytes());
                    w.text("batch");
                    w.text(&a.batch);
                    w.text("epoch");
                    w.uint(i * 4 + j);
                    w.text("issuer");
                    w.text(&a.issuer);
                    w.text("purpose");
                    w.text("revocation");
                    w.text("issued_at");
                    w.uint(ISSUED);
                    cose_sign1(&w.into_bytes(), &junk_key)
                })
                .collect::<Vec<_>>();
            with_lists(&b, 0, &lists)
        })
        .collect();
    // each is a well-formed list that inflates to 2 MiB
    let one = StatusList::from_slice(&Bundle::from_slice(&inputs[0]).unwrap().status[0]).unwrap();
    assert_eq!(one.body().bits.len(), MAX_STATUS_BITS);
    let v = verifier_with(status_doc());
    for r in v.verify_many(&inputs, NOW) {
        assert_check(
            &r,
            CheckCode::Status,
            Outcome::Failed,
            "status_bad_signature",
        );
    }
    // 800 lists that would inflate to 1.6 GiB: held as their encodings only
    let held = v.memory_bytes();
    let encoded: usize = inputs.iter().map(Vec::len).sum();
    assert!(
        held < 4 * encoded,
        "{held} bytes held for {encoded} bytes of input"
    );
    assert!(held <= MAX_ANCHOR_CACHE_BYTES + MAX_STATUS_CACHE_BYTES);
    assert!(v.status_lists().is_empty());
}

// ------------------------------------------------- 6. order and threads

/// Defect 6: `[old3]*N + [new5] + [old3]*N`, where `new5` carries the newer
/// list that revokes title 3: every `old3` is revoked, in any order and on
/// any number of threads.
#[test]
fn verdicts_do_not_depend_on_order_or_threads() {
    let mut b = batch("order", 8);
    let old3 = b.bundle(3, None).unwrap().to_vec();
    set_status(&mut b, StatusPurpose::Revocation, &[(3, true)], ISSUED + 30);
    let new5 = b.bundle(5, None).unwrap().to_vec();
    let n = 1500;
    let mut inputs = vec![old3.clone(); 2 * n];
    inputs.insert(n, new5.clone());
    let orders: Vec<Vec<Vec<u8>>> = vec![
        inputs.clone(),
        inputs.iter().rev().cloned().collect(),
        std::iter::once(new5.clone())
            .chain(vec![old3.clone(); 2 * n])
            .collect(),
        vec![old3.clone(); 2 * n]
            .into_iter()
            .chain(std::iter::once(new5.clone()))
            .collect(),
    ];
    for threads in [1, 2, 4] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        for input in &orders {
            let v = verifier_with(status_doc());
            let verdicts = pool
                .install(|| v.verify_map(input, NOW, |r| (r.verdict, r.certificate.map(|c| c.id))));
            for (verdict, id) in verdicts {
                let expect = if id == Some(sample::business_license(5).id) {
                    Verdict::Valid
                } else {
                    Verdict::Invalid
                };
                assert_eq!(verdict, expect, "{threads} threads");
            }
        }
    }
}

/// The same through [`Verifier::verify_source`], one input per chunk, the
/// revoking bundle last: from a directory and from JSON Lines every `old3`
/// is still revoked (the source is read once for status lists first), and
/// lines that are not bundles are invalid rows named by place.
#[test]
fn verify_source_verdicts_do_not_depend_on_chunking() {
    use base64::Engine as _;
    use certanchor::source::BundleSource;
    let mut b = batch("source", 8);
    let old3 = b.bundle(3, None).unwrap().to_vec();
    set_status(&mut b, StatusPurpose::Revocation, &[(3, true)], ISSUED + 30);
    let new5 = b.bundle(5, None).unwrap().to_vec();
    let dir = std::env::temp_dir().join(format!("ca-verify-source-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("files")).unwrap();
    let b64 = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(b);
    let mut jsonl = String::new();
    for i in 0..5 {
        std::fs::write(dir.join(format!("files/{i}.cab")), &old3).unwrap();
        jsonl.push_str(&format!("{{\"bundle\": \"{}\"}}\n", b64(&old3)));
    }
    std::fs::write(dir.join("files/9.cab"), &new5).unwrap();
    jsonl.push_str("[]\n");
    jsonl.push_str(&format!("\"{}\"\n", b64(&new5)));
    std::fs::write(dir.join("rows.jsonl"), jsonl).unwrap();
    for (path, expect_places) in [
        (
            dir.join("files"),
            vec!["0.cab", "1.cab", "2.cab", "3.cab", "4.cab", "9.cab"],
        ),
        (
            dir.join("rows.jsonl"),
            vec![
                "jsonl:1", "jsonl:2", "jsonl:3", "jsonl:4", "jsonl:5", "jsonl:6", "jsonl:7",
            ],
        ),
    ] {
        let source = BundleSource::open(&path).unwrap();
        for chunk in [1, 2, 1000] {
            let v = verifier_with(status_doc());
            let mut rows = Vec::new();
            v.verify_source(
                &source,
                NOW,
                chunk,
                |r| (r.verdict, r.decided_by().map(|c| c.code)),
                |c| {
                    rows.extend(c);
                    Ok::<(), ()>(())
                },
            )
            .unwrap();
            let places: Vec<&str> = rows.iter().map(|(p, _)| p.as_str()).collect();
            assert_eq!(places.len(), expect_places.len());
            for (p, e) in places.iter().zip(&expect_places) {
                assert!(p.ends_with(e), "{p} vs {e}");
            }
            let last = rows.len() - 1;
            for (i, (place, (verdict, code))) in rows.iter().enumerate() {
                let expect = if i == last {
                    (Verdict::Valid, None)
                } else if place.ends_with(":6") {
                    (
                        Verdict::Invalid,
                        Some(certanchor::ResultCode::UnexpectedType),
                    )
                } else {
                    (Verdict::Invalid, Some(certanchor::ResultCode::Revoked))
                };
                assert_eq!((*verdict, *code), expect, "{place}, chunk {chunk}");
            }
        }
    }
    // a sink error stops the run and comes back
    let source = BundleSource::open(&dir.join("files")).unwrap();
    let v = verifier_with(status_doc());
    let mut calls = 0;
    let r = v.verify_source(
        &source,
        NOW,
        2,
        |r| r.verdict,
        |_| {
            calls += 1;
            Err("stop")
        },
    );
    assert!(matches!(
        r,
        Err(certanchor::verify::SourceOrSink::Sink("stop"))
    ));
    assert_eq!(calls, 1);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Receipts: the same bundles, with genuine checkpoint notes and forged
/// ones (another key, altered tree size or root, extra signature lines)
/// mixed, in several orders and on 1, 2 and 4 threads, through
/// `verify_many` and one by one, give every bundle the report a fresh
/// verifier gives it alone: the checkpoint-note cache changes no verdict.
#[test]
#[cfg(feature = "ledger")]
fn receipt_verdicts_do_not_depend_on_order_or_threads() {
    const ORIGIN: &str = "ledger.example.gov.cn/review";
    let key = SigningKey::from_seed(&[0x51; 32]);
    let doc = || demo_trust_doc(Some((ORIGIN, &key.public_key())));
    let genuine = common::receipt_bundles("order-receipts", 4, ISSUED, ORIGIN, &key);
    let notes: Vec<String> = [0, 4]
        .iter()
        .map(|&i| genuine[i].receipt.as_ref().unwrap().checkpoint.clone())
        .collect();
    let mut distinct: Vec<Bundle> = genuine.clone();
    for (n, other) in [(0, 1), (1, 0)] {
        let mut variants = common::forged_notes(&notes[n], &notes[other], ORIGIN, &key);
        variants.push(("witnessed", common::witnessed(&notes[n]), "ok"));
        for (_, note, _) in variants {
            for b in &genuine[n * 4..n * 4 + 4] {
                let mut t = b.clone();
                t.receipt.as_mut().unwrap().checkpoint.clone_from(&note);
                distinct.push(t);
            }
        }
    }
    let distinct: Vec<Vec<u8>> = distinct.iter().map(Bundle::to_vec).collect();
    let expected: Vec<_> = distinct
        .iter()
        .map(|b| verifier_with(doc()).verify(b, NOW))
        .collect();
    let valid = expected
        .iter()
        .filter(|r| r.verdict == Verdict::Valid)
        .count();
    assert_eq!(valid, 16, "8 genuine, 8 witnessed");
    // 9 copies of each: 576 inputs, three chunks of `verify_many`
    let indices: Vec<usize> = (0..9).flat_map(|_| 0..distinct.len()).collect();
    let mut shuffled = indices.clone();
    let mut x = 0x2545_f491_4f6c_dd1d_u64;
    for i in (1..shuffled.len()).rev() {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        shuffled.swap(i, (x % (i as u64 + 1)) as usize);
    }
    let orders = [
        indices.clone(),
        indices.iter().rev().copied().collect(),
        shuffled.clone(),
        shuffled.iter().rev().copied().collect(),
    ];
    for threads in [1, 2, 4] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        for (o, order) in orders.iter().enumerate() {
            let inputs: Vec<&[u8]> = order.iter().map(|&i| distinct[i].as_slice()).collect();
            let v = verifier_with(doc());
            let reports = pool.install(|| v.verify_many(&inputs, NOW));
            for (&i, r) in order.iter().zip(&reports) {
                assert_eq!(*r, expected[i], "{threads} threads, order {o}, bundle {i}");
            }
            // the same verifier, warm, one by one in this order
            for &i in order.iter().take(distinct.len()) {
                assert_eq!(v.verify(&distinct[i], NOW), expected[i], "order {o}");
            }
        }
    }
}

// ------------------------------------------------- also refused

/// An anchor that claims to be issued in the future fails its signature check.
#[test]
fn an_anchor_from_the_future_is_refused() {
    let certs: Vec<_> = (0..2).map(sample::business_license).collect();
    let mut b = scjgj()
        .issue("future-anchor", &certs, &IssueOptions::at(NOW + 3600))
        .unwrap();
    b.endorse(&authority("cn.beijing.tax"), NOW + 3600).unwrap();
    let bytes = b.bundle(0, None).unwrap().to_vec();
    let r = verifier_with(demo_trust_doc(None)).verify(&bytes, NOW);
    assert_check(
        &r,
        CheckCode::IssuerSignature,
        Outcome::Failed,
        "issued_in_future",
    );
    let r = verifier_with(demo_trust_doc(None)).verify(&bytes, NOW + 3600 - 200);
    assert_eq!(r.verdict, Verdict::Valid, "{:#?}", r.checks);
}

/// A report names a trusted issuer only when its signature verified;
/// otherwise the claimed id stands alone, unverified.
#[test]
fn issuer_name_only_for_a_verified_signature() {
    let b = batch("name", 2);
    let genuine =
        verifier_with(demo_trust_doc(None)).verify(&b.bundle(0, None).unwrap().to_vec(), NOW);
    assert!(genuine.issuer.as_ref().unwrap().name.is_some());
    // the same anchor payload signed by an impostor who claims the id
    let impostor = SigningKey::from_seed(&[0x42; 32]);
    let forged = Anchor::sign(b.anchor().body(), &impostor).unwrap();
    let mut bundle: Bundle = b.bundle(0, None).unwrap();
    bundle.anchor = forged.as_bytes().to_vec();
    let r = verifier_with(demo_trust_doc(None)).verify(&bundle.to_vec(), NOW);
    assert_check(
        &r,
        CheckCode::IssuerSignature,
        Outcome::Failed,
        "unknown_key",
    );
    let issuer = r.issuer.unwrap();
    assert_eq!(issuer.id, "cn.beijing.scjgj");
    assert_eq!(issuer.name, None);
}

/// Pickling's core: a verifier's accepted lists, exported and added to a
/// fresh verifier, give the same verdicts.
#[test]
fn status_lists_export_and_rebuild() {
    let mut b = batch("export", 8);
    let key = authority("cn.beijing.scjgj");
    let revokes = list(
        &b,
        StatusPurpose::Revocation,
        2,
        ISSUED + 10,
        TTL,
        &[1],
        &key,
    );
    let clean_later = list(
        &b,
        StatusPurpose::Revocation,
        3,
        ISSUED + 20,
        TTL,
        &[],
        &key,
    );
    set_status(&mut b, StatusPurpose::Suspension, &[(2, true)], ISSUED + 5);
    let v = verifier_with(status_doc());
    v.add_status_list(&revokes, NOW).unwrap();
    v.add_status_list(&clean_later, NOW).unwrap();
    let _ = v.verify(&b.bundle(0, None).unwrap().to_vec(), NOW);
    let exported = v.status_lists();
    // the newest revocation list, the older one whose revocation it lacks,
    // and the newest suspension list
    assert_eq!(exported.len(), 3);
    let copy = verifier_with(status_doc());
    for l in &exported {
        copy.add_status_list(l, NOW).unwrap();
    }
    assert_eq!(copy.status_lists(), exported);
    for i in 0..8 {
        let bare = with_lists(&b, i, &[]);
        assert_eq!(v.verify(&bare, NOW), copy.verify(&bare, NOW), "leaf {i}");
    }
}

// ------------------------------------------------- found by the review of the fixes

/// Two genuine suspension lists of one `(issued_at, epoch)` that disagree:
/// a conflict, settled by suspending what either suspends, whatever order
/// a bulk call sees them in.
#[test]
fn equal_order_lists_are_a_conflict_settled_the_same_in_any_order() {
    let b = batch("tie", 8);
    let key = authority("cn.beijing.scjgj");
    let rev = list(
        &b,
        StatusPurpose::Revocation,
        2,
        ISSUED + 20,
        TTL,
        &[],
        &key,
    );
    let susp = list(
        &b,
        StatusPurpose::Suspension,
        2,
        ISSUED + 20,
        TTL,
        &[3],
        &key,
    );
    let clean = list(
        &b,
        StatusPurpose::Suspension,
        2,
        ISSUED + 20,
        TTL,
        &[],
        &key,
    );
    let a = with_lists(&b, 3, &[rev.clone(), susp]);
    let c = with_lists(&b, 3, &[rev, clean]);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    let v1 = verifier_with(status_doc());
    let r1 = pool.install(|| v1.verify_many(&[a.clone(), c.clone()], NOW));
    let v2 = verifier_with(status_doc());
    let r2 = pool.install(|| v2.verify_many(&[c, a], NOW));
    let verdicts1: Vec<_> = r1.iter().map(|r| r.verdict).collect();
    let verdicts2: Vec<_> = r2.iter().map(|r| r.verdict).collect();
    // same inputs (reversed) must give the same verdicts (reversed): suspended
    assert_eq!(verdicts1, vec![Verdict::Invalid, Verdict::Invalid]);
    assert_eq!(verdicts1, verdicts2.into_iter().rev().collect::<Vec<_>>());
}

/// anyone can fill MAX_STATUS_BYTES with genuine, public lists of other
/// batches (in inputs that need not even verify); the verifier then never
/// remembers the batch of interest, and a replayed older clean list that is
/// still fresh makes a revoked title VALID in the same bulk call in which
/// the revoking list is seen.
#[test]
fn public_lists_cannot_fill_the_status_memory() {
    let mut b = batch("target", 8);
    let old3 = b.bundle(3, None).unwrap().to_vec();
    set_status(&mut b, StatusPurpose::Revocation, &[(3, true)], ISSUED + 30);
    let new5 = b.bundle(5, None).unwrap().to_vec();
    // control: without filler, old3 is revoked
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    let v = verifier_with(status_doc());
    let r = pool.install(|| v.verify_many(&[new5.clone(), old3.clone()], NOW));
    assert_eq!(r[1].verdict, Verdict::Invalid);
    // filler: the regulator's genuine clean lists of 40 other (large) batches
    let key = authority("cn.beijing.scjgj");
    let sizes: Vec<u64> = std::iter::repeat_n(16u64 << 20, 40)
        .chain(std::iter::repeat_n(1 << 19, 40))
        .chain(std::iter::repeat_n(1 << 14, 40))
        .chain(std::iter::repeat_n(8, 800))
        .collect();
    let filler: Vec<Vec<u8>> = sizes
        .iter()
        .enumerate()
        .map(|(i, leaves)| {
            let body = StatusListBody::new(
                "cn.beijing.scjgj",
                &format!("{i}"),
                certanchor::Hash::digest(&(i as u64).to_be_bytes()),
                StatusPurpose::Revocation,
                1,
                ISSUED,
                TTL,
                *leaves,
            );
            StatusList::sign(&body, &key).unwrap().as_bytes().to_vec()
        })
        .collect();
    let mut inputs: Vec<Vec<u8>> = filler.chunks(4).map(|c| with_lists(&b, 0, c)).collect();
    inputs.push(new5);
    inputs.push(old3);
    let v = verifier_with(status_doc());
    let r = pool.install(|| v.verify_many(&inputs, NOW));
    let last = r.last().unwrap();
    assert!(v.memory_bytes() < 16 << 20, "{} bytes", v.memory_bytes());
    assert_eq!(r[r.len() - 2].verdict, Verdict::Valid);
    assert_eq!(
        last.verdict,
        Verdict::Invalid,
        "revoked title verified valid after the flood"
    );
}

/// a remembered newer suspension list whose key is no longer valid at
/// `now` (rotated by expiry) is skipped, and an older, clean, still-fresh
/// list signed by the other key is used instead.
#[test]
fn an_older_list_is_not_used_when_the_newest_key_expired() {
    let mut d = status_doc();
    let second = SigningKey::from_seed(&[0x5c; 32]);
    let iss = d
        .issuers
        .iter_mut()
        .find(|i| i.id == "cn.beijing.scjgj")
        .unwrap();
    iss.keys[0].not_after = Some(time::format(NOW - 60));
    iss.keys.push(KeyEntry {
        public_key: second.public_key().to_base64(),
        not_before: time::format(ISSUED),
        not_after: None,
        revoked_at: None,
    });
    let b = batch("rot", 8);
    let first = authority("cn.beijing.scjgj");
    let rev = list(
        &b,
        StatusPurpose::Revocation,
        3,
        ISSUED + 5,
        TTL,
        &[],
        &second,
    );
    let old_clean = list(
        &b,
        StatusPurpose::Suspension,
        3,
        ISSUED + 5,
        TTL,
        &[],
        &second,
    );
    let new_susp = list(
        &b,
        StatusPurpose::Suspension,
        4,
        ISSUED + 20,
        TTL,
        &[3],
        &first,
    );
    let v = verifier_with(d);
    v.add_status_list(&new_susp, ISSUED + 30).unwrap();
    let bundle = with_lists(&b, 3, &[rev, old_clean]);
    let r = v.verify(&bundle, NOW);
    // the accepted suspension still counts; an older list never replaces it
    assert_check(&r, CheckCode::Status, Outcome::Failed, "suspended");
    assert_ne!(
        r.verdict,
        Verdict::Valid,
        "suspended title valid after the suspending key's expiry"
    );
}

/// invisible format characters (Cf) that `is_unsafe` misses.
#[test]
fn every_invisible_format_character_is_escaped() {
    let missed: Vec<char> = [
        '\u{180e}',
        '\u{1bca0}',
        '\u{1bca3}',
        '\u{13430}',
        '\u{600}',
        '\u{6dd}',
        '\u{70f}',
        '\u{8e2}',
        '\u{110bd}',
    ]
    .into_iter()
    .filter(|c| !certanchor::display::is_unsafe(*c))
    .collect();
    assert!(missed.is_empty(), "not escaped: {missed:?}");
}
