//! Fixtures for `tests-js/security.test.mjs` and the page test: the attacks
//! of `core/tests/security_review.rs`, built with the core, for the Node
//! tests to replay through the WebAssembly `Verifier`.
//!
//! ```text
//! cargo run -p certanchor-wasm --example security_fixture -- DIR
//! ```
//!
//! Writes to DIR (`scripts/test-wasm.sh` uses `<cargo target dir>/wasm-fixtures`
//! and hands it to the tests as `CERTANCHOR_WASM_FIXTURES`):
//!
//! * `security.json`: trust stores, the time to verify at, and bundles and
//!   status lists as lowercase hex, per attack:
//!   - `strip` (defect 1): a revoked licence without its revocation list,
//!     a suspended one without its suspension list, and both in full;
//!   - `sticky` (defect 3): a revoked key's back-dated clean lists (epoch
//!     2^64-1, ttl 2^40) in a bundle of a revoked licence, the genuine newer
//!     lists by the issuer's second key; `future`: a list from the future;
//!   - `order` (defect 6): `old3` (licence 3 with the lists that predate its
//!     revocation) and `new5` (licence 5 with the newer list that revokes 3);
//!   - `forged_title`: a title whose anchor claims the land registry's id
//!     but is signed by an impostor's key;
//!   - `office`: the demo city's offices with keys of their own (not the
//!     demo seeds), their store (status required), and titles (valid,
//!     revoked, suspended, tampered, revoked without its list) and a
//!     licence under it, for the page test's office path.
//! * `junk.bin` (defect 5): 200 bundles, each carrying four well-formed
//!   revocation lists signed by an untrusted key whose bits inflate to
//!   2 MiB each; each bundle's length (little-endian u32) before it, as in
//!   `bench_fixture`'s `bundles.bin`.

use certanchor::Document;
use certanchor::time;
use std::error::Error;
use std::fmt::Write as _;
use std::path::PathBuf;

use certanchor::cbor::Writer;
use certanchor::keys::SigningKey;
use certanchor::sample::{self, JAN_1_2024, demo_authorities, demo_trust_doc};
use certanchor::status::{
    MAX_STATUS_BITS, STATUS_CONTENT_TYPE, StatusList, StatusListBody, StatusPurpose,
};
use certanchor::trust::{KeyEntry, TrustStoreDoc};
use certanchor::{Anchor, IssueOptions, IssuedBatch, Issuer};
use serde_json::json;

type Res<T> = Result<T, Box<dyn Error>>;

const ISSUED: u64 = JAN_1_2024 + 86_400 * 150;
/// The time every fixture is verified at.
const NOW: u64 = ISSUED + 3600;
const TTL: u64 = 86_400;
const JUNK_BUNDLES: u64 = 200;
const JUNK_LISTS: u64 = 4;

fn authority(id: &str) -> Res<SigningKey> {
    demo_authorities()
        .into_iter()
        .find(|a| a.id == id)
        .map(|a| a.key)
        .ok_or_else(|| format!("no demo authority {id}").into())
}

fn scjgj() -> Res<Issuer> {
    Ok(Issuer::new(
        authority("cn.beijing.scjgj")?,
        "cn.beijing.scjgj",
    ))
}

/// The demo store with a policy that requires status for licences.
fn status_doc() -> Res<TrustStoreDoc> {
    let mut d = demo_trust_doc(None);
    let p = d
        .policies
        .iter_mut()
        .find(|p| p.kind == "business_license")
        .ok_or("no licence policy")?;
    p.require_status = true;
    Ok(d)
}

/// [`status_doc`] with the market regulator's first key revoked at
/// `revoked_at` and a second key; the second key.
fn rotated_doc(revoked_at: u64) -> Res<(TrustStoreDoc, SigningKey)> {
    let mut d = status_doc()?;
    let second = SigningKey::from_seed(&[0x5c; 32]);
    let iss = d
        .issuers
        .iter_mut()
        .find(|i| i.id == "cn.beijing.scjgj")
        .ok_or("no market regulator")?;
    iss.keys.first_mut().ok_or("no key")?.revoked_at = Some(time::format(revoked_at));
    iss.keys.push(KeyEntry {
        public_key: second.public_key().to_base64(),
        not_before: time::format(ISSUED),
        not_after: None,
        revoked_at: None,
    });
    Ok((d, second))
}

/// `n` licences by the market regulator, endorsed by the tax bureau, with
/// both status lists published (all clear).
fn batch(name: &str, n: u64) -> Res<IssuedBatch> {
    let certs: Vec<_> = (0..n).map(sample::business_license).collect();
    let mut b = scjgj()?.issue(name, &certs, &IssueOptions::at(ISSUED))?;
    b.endorse(&authority("cn.beijing.tax")?, ISSUED + 60)?;
    for p in [StatusPurpose::Revocation, StatusPurpose::Suspension] {
        scjgj()?.update_status(&mut b, p, &[], ISSUED, TTL)?;
    }
    Ok(b)
}

/// A list for `b`'s batch signed by `key`, with the bits of `set` on.
fn list(
    b: &IssuedBatch,
    purpose: StatusPurpose,
    (epoch, at, ttl): (u64, u64, u64),
    set: &[u64],
    key: &SigningKey,
) -> Res<Vec<u8>> {
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
        body.set(*i, true)?;
    }
    Ok(StatusList::sign(&body, key)?.as_bytes().to_vec())
}

/// The bundle of leaf `index` carrying `lists` instead of the batch's.
fn with_lists(b: &IssuedBatch, index: usize, lists: &[Vec<u8>]) -> Res<Vec<u8>> {
    let mut bundle = b.bundle(index, None)?;
    bundle.status = lists.to_vec();
    Ok(bundle.to_vec())
}

/// The bundle of leaf `index` without its list of `purpose`.
fn stripped(b: &IssuedBatch, index: usize, purpose: StatusPurpose) -> Res<Vec<u8>> {
    let mut bundle = b.bundle(index, None)?;
    let before = bundle.status.len();
    bundle
        .status
        .retain(|l| StatusList::from_slice(l).map_or(true, |s| s.body().purpose != purpose));
    if bundle.status.len() + 1 != before {
        return Err("the bundle did not carry exactly one such list".into());
    }
    Ok(bundle.to_vec())
}

fn hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .fold(String::with_capacity(2 * bytes.len()), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

/// Defect 1: stripped lists.
fn strip() -> Res<serde_json::Value> {
    let mut b = batch("strip", 8)?;
    scjgj()?.update_status(
        &mut b,
        StatusPurpose::Revocation,
        &[(4, true)],
        ISSUED + 10,
        TTL,
    )?;
    scjgj()?.update_status(
        &mut b,
        StatusPurpose::Suspension,
        &[(3, true)],
        ISSUED + 10,
        TTL,
    )?;
    Ok(json!({
        "revoked_leaf": 4,
        "revoked_full": hex(&b.bundle(4, None)?.to_vec()),
        "revoked_stripped": hex(&stripped(&b, 4, StatusPurpose::Revocation)?),
        "suspended_leaf": 3,
        "suspended_full": hex(&b.bundle(3, None)?.to_vec()),
        "suspended_stripped": hex(&stripped(&b, 3, StatusPurpose::Suspension)?),
    }))
}

/// Defect 3: a revoked key's back-dated sticky lists, and a future list.
fn sticky() -> Res<serde_json::Value> {
    let b = batch("sticky", 8)?;
    let revoked_at = ISSUED + 100;
    let (doc, second) = rotated_doc(revoked_at)?;
    let stolen = authority("cn.beijing.scjgj")?;
    let forged = (u64::MAX, ISSUED + 50, 1 << 40);
    let genuine = (2, ISSUED + 200, TTL);
    let forged_rev = list(&b, StatusPurpose::Revocation, forged, &[], &stolen)?;
    let forged_susp = list(&b, StatusPurpose::Suspension, forged, &[], &stolen)?;
    let genuine_rev = list(&b, StatusPurpose::Revocation, genuine, &[1], &second)?;
    let genuine_susp = list(&b, StatusPurpose::Suspension, genuine, &[], &second)?;
    Ok(json!({
        "trust": doc,
        "revoked_at": revoked_at,
        "revoked_leaf": 1,
        "attack": hex(&with_lists(&b, 1, &[forged_rev.clone(), forged_susp])?),
        "forged_rev": hex(&forged_rev),
        "genuine_rev": hex(&genuine_rev),
        "genuine_susp": hex(&genuine_susp),
        "honest": hex(&with_lists(&b, 2, &[genuine_rev, genuine_susp])?),
    }))
}

/// A list dated an hour after the verification time (under the status
/// trust store).
fn future() -> Res<serde_json::Value> {
    let b = batch("future-list", 4)?;
    let key = authority("cn.beijing.scjgj")?;
    let future = list(
        &b,
        StatusPurpose::Revocation,
        (9, NOW + 3600, TTL),
        &[],
        &key,
    )?;
    Ok(json!({
        "issued_at": NOW + 3600,
        "list": hex(&future),
        "bundle": hex(&with_lists(&b, 0, &[future])?),
    }))
}

/// Defect 6: a bundle of leaf 3 from before its revocation, and one of leaf
/// 5 carrying the list that revokes 3.
fn order() -> Res<serde_json::Value> {
    let mut b = batch("order", 8)?;
    let old3 = b.bundle(3, None)?.to_vec();
    scjgj()?.update_status(
        &mut b,
        StatusPurpose::Revocation,
        &[(3, true)],
        ISSUED + 30,
        TTL,
    )?;
    Ok(json!({
        "old3": hex(&old3),
        "new5": hex(&b.bundle(5, None)?.to_vec()),
        "id3": sample::business_license(3).id,
        "id5": sample::business_license(5).id,
    }))
}

/// A title whose anchor claims the land registry but an impostor signed.
fn forged_title() -> Res<serde_json::Value> {
    let land = authority("cn.beijing.ghzrzyw")?;
    let titles: Vec<_> = (0..2).map(sample::real_estate_title).collect();
    let b = Issuer::new(land, "cn.beijing.ghzrzyw").issue(
        "forged-title",
        &titles,
        &IssueOptions::at(ISSUED),
    )?;
    let impostor = SigningKey::from_seed(&[0x42; 32]);
    let mut bundle = b.bundle(0, None)?;
    bundle.anchor = Anchor::sign(b.anchor().body(), &impostor)?
        .as_bytes()
        .to_vec();
    Ok(json!({ "claimed_issuer": "cn.beijing.ghzrzyw", "bundle": hex(&bundle.to_vec()) }))
}

/// A COSE_Sign1 status list signed by `key`, built by hand (the core signs
/// only well-formed lists with trusted keys' bodies; this one is junk).
fn cose_sign1(payload: &[u8], key: &SigningKey) -> Vec<u8> {
    let mut p = Writer::new();
    p.map(3);
    p.uint(1);
    p.int(-8);
    p.uint(3);
    p.text(STATUS_CONTENT_TYPE);
    p.uint(4);
    p.bytes(key.public_key().key_id().as_bytes());
    let protected = p.into_bytes();
    let mut tbs = Writer::new();
    tbs.array(4);
    tbs.text("Signature1");
    tbs.bytes(&protected);
    tbs.bytes(&[]);
    tbs.bytes(payload);
    let sig = key.sign(&tbs.into_bytes());
    let mut w = Writer::new();
    w.tag(18);
    w.array(4);
    w.bytes(&protected);
    w.map(0);
    w.bytes(payload);
    w.bytes(&sig);
    w.into_bytes()
}

/// Defect 5: bundles with junk lists, length-prefixed.
fn junk() -> Res<Vec<u8>> {
    let b = batch("junk", 4)?;
    let junk_key = SigningKey::from_seed(&[0x99; 32]);
    let a = b.anchor().body();
    let bits = miniz_oxide::deflate::compress_to_vec_zlib(&vec![0u8; MAX_STATUS_BITS], 9);
    let mut out = Vec::new();
    for i in 0..JUNK_BUNDLES {
        let lists = (0..JUNK_LISTS)
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
                w.uint(i * JUNK_LISTS + j);
                w.text("issuer");
                w.text(&a.issuer);
                w.text("purpose");
                w.text("revocation");
                w.text("issued_at");
                w.uint(ISSUED);
                cose_sign1(&w.into_bytes(), &junk_key)
            })
            .collect::<Vec<_>>();
        let bundle = with_lists(&b, 0, &lists)?;
        out.extend_from_slice(&u32::try_from(bundle.len())?.to_le_bytes());
        out.extend_from_slice(&bundle);
    }
    Ok(out)
}

/// The demo city's offices with keys of their own (not the demo seeds):
/// the office store a clerk loads, and bundles under it. The page refuses
/// to show a plain 有效 under a store holding a demo key, so every test of
/// the office path needs these.
fn office() -> Res<serde_json::Value> {
    let key_of = |i: usize| SigningKey::from_seed(&[0xa0 + u8::try_from(i).unwrap_or(0); 32]);
    let mut doc = demo_trust_doc(None);
    let mut keys = std::collections::BTreeMap::new();
    for (i, iss) in doc.issuers.iter_mut().enumerate() {
        let k = key_of(i);
        for e in &mut iss.keys {
            e.public_key = k.public_key().to_base64();
        }
        keys.insert(iss.id.clone(), k);
    }
    for p in &mut doc.policies {
        p.require_status = true;
    }
    let key = |id: &str| -> Res<SigningKey> {
        keys.get(id)
            .cloned()
            .ok_or_else(|| format!("no office {id}").into())
    };
    let land = Issuer::new(key("cn.beijing.ghzrzyw")?, "cn.beijing.ghzrzyw");
    let certs: Vec<_> = (0..6).map(sample::real_estate_title).collect();
    let mut titles = land.issue("office-titles", &certs, &IssueOptions::at(ISSUED))?;
    titles.endorse(&key("cn.beijing.zjw")?, ISSUED + 60)?;
    land.update_status(
        &mut titles,
        StatusPurpose::Revocation,
        &[(4, true)],
        ISSUED,
        TTL,
    )?;
    land.update_status(
        &mut titles,
        StatusPurpose::Suspension,
        &[(3, true)],
        ISSUED,
        TTL,
    )?;
    let market = Issuer::new(key("cn.beijing.scjgj")?, "cn.beijing.scjgj");
    let certs: Vec<_> = (0..2).map(sample::business_license).collect();
    let mut licenses = market.issue("office-licenses", &certs, &IssueOptions::at(ISSUED))?;
    licenses.endorse(&key("cn.beijing.tax")?, ISSUED + 60)?;
    for p in [StatusPurpose::Revocation, StatusPurpose::Suspension] {
        market.update_status(&mut licenses, p, &[], ISSUED, TTL)?;
    }
    let text = |b: &IssuedBatch, i: usize| -> Res<String> { Ok(b.bundle(i, None)?.to_text()) };
    let mut tampered = titles.bundle(0, None)?;
    let d = tampered
        .disclosed
        .iter_mut()
        .find(|d| d.name == "location")
        .ok_or("no location")?;
    d.value = certanchor::Value::Text("西城区金融大街1号".into());
    let lists: Vec<String> = titles
        .status_lists()
        .iter()
        .map(|l| hex(l.as_bytes()))
        .collect();
    Ok(json!({
        "trust": doc,
        "valid_title": text(&titles, 0)?,
        "revoked_title": text(&titles, 4)?,
        "suspended_title": text(&titles, 3)?,
        "tampered_title": tampered.to_text(),
        "revoked_stripped": hex(&stripped(&titles, 4, StatusPurpose::Revocation)?),
        "title_lists": lists,
        "valid_license": text(&licenses, 0)?,
        "license_no_lists": hex(&with_lists(&licenses, 1, &[])?),
        "title_revocation_only": hex(&stripped(&titles, 0, StatusPurpose::Suspension)?),
        "stale_now": ISSUED + TTL + 3600,
    }))
}

fn main() -> Res<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [dir] = args.as_slice() else {
        return Err("usage: security_fixture DIR".into());
    };
    let dir = PathBuf::from(dir);
    std::fs::create_dir_all(&dir)?;
    let junk = junk()?;
    let fixture = json!({
        "now": NOW,
        "trust": { "demo": demo_trust_doc(None), "status": status_doc()? },
        "strip": strip()?,
        "sticky": sticky()?,
        "future": future()?,
        "order": order()?,
        "forged_title": forged_title()?,
        "office": office()?,
        "junk": {
            "bundles": JUNK_BUNDLES, "lists_per_bundle": JUNK_LISTS,
            "inflated_bytes": MAX_STATUS_BITS, "file_bytes": junk.len(),
        },
    });
    std::fs::write(dir.join("junk.bin"), junk)?;
    std::fs::write(
        dir.join("security.json"),
        serde_json::to_string_pretty(&fixture)?,
    )?;
    eprintln!("wrote security.json and junk.bin to {}", dir.display());
    Ok(())
}
