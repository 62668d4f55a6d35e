//! Writes `tests/vectors/codes.json`: one case per result code that
//! `Verifier::verify` (offline, bytes in, at a given `now`) can produce,
//! each with the trust store to use (by name, from `trust_stores`), the
//! status lists to hand the verifier first (if any), the time, the input
//! (`bundle`, base64 of the binary form, or `text`, a `CA1:` text) and the
//! expected `verdict`, `check`, `outcome` and `code`. Codes `verify` cannot
//! produce from bytes are either exercised another way (`note_key_errors`:
//! note verifier keys whose parsing fails with that code) or listed in
//! `not_covered` with the reason. The Rust, Python and WASM suites read it;
//! they fail when a code of `ResultCode::ALL` or a check of
//! `CheckCode::ALL` is missing.
//!
//! Deterministic: the salts come from a fixed derivation (the batches are
//! built from their certificates here, then loaded and checked with
//! `IssuedBatch::from_bytes`), the keys from fixed seeds, the times are
//! fixed and Ed25519 signing is deterministic, so two runs write identical
//! bytes (`core/tests/code_vectors.rs` checks the committed file against a
//! fresh run).
//!
//! Run: `cargo run -p certanchor --example gen_code_vectors [OUT]`
//! (`-` as OUT writes to standard output).

// A generator over fixed, known-size data: indexing is checked by construction.
#![allow(clippy::indexing_slicing)]

use certanchor::Document;
use certanchor::time;
use std::collections::BTreeSet;
use std::io::Write as _;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use certanchor::anchor::ANCHOR_CONTENT_TYPE;
use certanchor::bundle::TEXT_PREFIX;
use certanchor::cbor::{Reader, Writer};
use certanchor::certificate::{CertificateHeader, Disclosure};
use certanchor::keys::SigningKey;
use certanchor::merkle::{MerkleTree, leaf_hash};
use certanchor::note::{self, Checkpoint, NoteVerifier};
use certanchor::sample::{self, JAN_1_2024};
use certanchor::status::{StatusList, StatusListBody, StatusPurpose};
use certanchor::trust::{ChainEntry, IssuerEntry, KeyEntry, LedgerEntry, TrustStoreDoc};
use certanchor::{
    Anchor, AnchorBody, Bundle, Certificate, ChainReceipt, Hash, IssuedBatch, Issuer,
    LedgerReceipt, Value, base45,
};
use serde_json::json;

type Res<T> = Result<T, Box<dyn std::error::Error>>;

/// When the batches are issued (2024-05-30T00:00:00Z).
const ISSUED: u64 = JAN_1_2024 + 150 * 86_400;
/// The usual verification time, an hour later.
const NOW: u64 = ISSUED + 3600;
/// The trusted ledger's origin (its note key name).
const ORIGIN: &str = "ledger.example.gov.cn/certanchor";
/// A second trusted ledger origin, with two keys whose note key ids collide.
const TWIN: &str = "twin.example.gov.cn/log";
/// Seeds (`[0x4c; 24]` ‖ big-endian u64) of two Ed25519 keys whose C2SP key
/// ids under the name [`TWIN`] are both `8e4fca6e` (found by a birthday
/// search; the generator checks it).
const TWIN_SEEDS: [u64; 2] = [38_952, 43_718];
/// The trusted chain and its registry contract.
const CHAIN_ID: u64 = 20_200;
const CONTRACT: &str = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
/// When the market regulator's second key was revoked.
const OLD_KEY_REVOKED: u64 = ISSUED + 1800;
/// Freshness of the status lists the batches carry.
const TTL: u64 = 86_400;

fn seeded(tag: u8) -> SigningKey {
    SigningKey::from_seed(&[tag; 32])
}

fn twin_key(i: usize) -> SigningKey {
    let mut seed = [0x4c; 32];
    seed[24..].copy_from_slice(&TWIN_SEEDS[i].to_be_bytes());
    SigningKey::from_seed(&seed)
}

fn authority(id: &str) -> Res<SigningKey> {
    sample::demo_authorities()
        .into_iter()
        .find(|a| a.id == id)
        .map(|a| a.key)
        .ok_or_else(|| format!("no demo authority {id}").into())
}

fn ledger_key() -> SigningKey {
    seeded(0x31)
}

/// The market regulator's second key, revoked at [`OLD_KEY_REVOKED`].
fn old_scjgj_key() -> SigningKey {
    seeded(0x22)
}

/// The library's key (it issues `library_card`, a kind with no schema and
/// no policy).
fn library_key() -> SigningKey {
    seeded(0x23)
}

/// The one trust store of the cases: the demo store with a trusted ledger,
/// the twin ledger keys, a trusted chain, a revoked second key of the
/// market regulator, a library issuing a kind without schema or policy, and
/// titles requiring fresh status lists and a ledger receipt.
fn trust_doc() -> TrustStoreDoc {
    let mut doc = sample::demo_trust_doc(Some((ORIGIN, &ledger_key().public_key())));
    for i in &mut doc.issuers {
        if i.id == "cn.beijing.scjgj" {
            i.keys.push(KeyEntry {
                public_key: old_scjgj_key().public_key().to_base64(),
                not_before: "2024-01-01T00:00:00Z".into(),
                not_after: None,
                revoked_at: Some(time::format(OLD_KEY_REVOKED)),
            });
        }
    }
    doc.issuers.push(IssuerEntry {
        id: "cn.beijing.library".into(),
        name: "首都图书馆".into(),
        kinds: vec!["library_card".into()],
        keys: vec![KeyEntry {
            public_key: library_key().public_key().to_base64(),
            not_before: "2024-01-01T00:00:00Z".into(),
            not_after: None,
            revoked_at: None,
        }],
    });
    for p in &mut doc.policies {
        if p.kind == "real_estate_title" {
            p.require_status = true;
            p.require_ledger = true;
        }
    }
    for i in 0..2 {
        doc.ledgers.push(LedgerEntry {
            origin: TWIN.into(),
            public_key: twin_key(i).public_key().to_base64(),
            witnesses: Vec::new(),
            quorum: None,
            max_age: None,
            url: None,
        });
    }
    doc.chains.push(ChainEntry {
        chain_id: CHAIN_ID,
        contract: CONTRACT.into(),
        rpc_url: None,
        name: Some("city chain".into()),
    });
    doc
}

/// Issues `certs` as batch `batch` of `issuer` at `issued_at`, with salts
/// derived from the batch name, the certificate's index and the field name
/// instead of the OS generator (so the vectors are reproducible): the
/// private record is built here and read back with
/// [`IssuedBatch::from_bytes`], which checks every salt against its header
/// and the headers against the anchor's root. No schema is checked (the
/// `schema_violation` case needs a bad field).
fn fixed_batch(
    key: &SigningKey,
    issuer: &str,
    batch: &str,
    certs: &[Certificate],
    issued_at: u64,
) -> Res<IssuedBatch> {
    let mut records = Vec::new();
    let mut leaves = Vec::new();
    let mut kinds = BTreeSet::new();
    for (i, c) in certs.iter().enumerate() {
        let mut fields = Writer::new();
        let mut digests = Vec::new();
        for (name, value) in &c.fields {
            let h = Hash::digest(format!("codes.json salt|{batch}|{i}|{name}").as_bytes());
            let mut salt = [0u8; 16];
            salt.copy_from_slice(&h.as_bytes()[..16]);
            digests.push(Disclosure::new(salt, name.clone(), value.clone()).digest());
            fields.array(3);
            fields.bytes(&salt);
            fields.text(name);
            fields.value(value);
        }
        digests.sort_unstable();
        let header = CertificateHeader {
            id: c.id.clone(),
            kind: c.kind.clone(),
            issuer: issuer.into(),
            issued_at,
            valid_from: c.valid_from,
            valid_until: c.valid_until,
            digests,
        }
        .to_vec();
        leaves.push(leaf_hash(&header));
        kinds.insert(c.kind.clone());
        records.push((header, c.fields.len(), fields.into_bytes()));
    }
    let tree = MerkleTree::from_leaf_hashes(leaves);
    let body = AnchorBody {
        issuer: issuer.into(),
        batch: batch.into(),
        tree_size: tree.size(),
        root: tree.root(),
        issued_at,
        kinds: kinds.into_iter().collect(),
    };
    let anchor = Anchor::sign(&body, key)?;
    let mut w = Writer::new();
    w.map(4);
    w.text("v");
    w.uint(1);
    w.text("anchor");
    w.bytes(anchor.as_bytes());
    w.text("status");
    w.array(0);
    w.text("records");
    w.array(records.len());
    for (header, n, fields) in &records {
        w.array(2);
        w.bytes(header);
        w.array(*n);
        w.raw(fields);
    }
    Ok(IssuedBatch::from_slice(&w.into_bytes())?)
}

/// A bundle's top-level map entries, as raw encodings of key and value.
fn entries(bytes: &[u8]) -> Res<Vec<(Vec<u8>, Vec<u8>)>> {
    let mut r = Reader::new(bytes, usize::MAX, "bundle")?;
    let n = r.map()?;
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        let at = r.offset();
        r.key(None)?;
        let key = bytes[at..r.offset()].to_vec();
        out.push((key, r.raw_value()?.to_vec()));
    }
    r.finish()?;
    Ok(out)
}

/// Encodes entries as a map, in the given order.
fn from_entries(entries: &[(Vec<u8>, Vec<u8>)]) -> Vec<u8> {
    let mut w = Writer::new();
    w.map(entries.len());
    for (k, v) in entries {
        w.raw(k);
        w.raw(v);
    }
    w.into_bytes()
}

fn text_key(k: &str) -> Vec<u8> {
    let mut w = Writer::new();
    w.text(k);
    w.into_bytes()
}

/// `bytes` with the value of top-level key `key` replaced by `raw`.
fn with_value(bytes: &[u8], key: &str, raw: &[u8]) -> Res<Vec<u8>> {
    let mut es = entries(bytes)?;
    let k = text_key(key);
    let slot = es
        .iter_mut()
        .find(|(ek, _)| *ek == k)
        .ok_or_else(|| format!("no key {key}"))?;
    slot.1 = raw.to_vec();
    Ok(from_entries(&es))
}

fn encoded(f: impl FnOnce(&mut Writer)) -> Vec<u8> {
    let mut w = Writer::new();
    f(&mut w);
    w.into_bytes()
}

fn zlib(data: &[u8]) -> Res<Vec<u8>> {
    Ok(certanchor::deflate::best(data))
}

/// A checkpoint note: `text` signed by `key` under the key name `name`.
fn note_of(text: &str, name: &str, key: &SigningKey) -> Res<String> {
    Ok(note::sign_note(text, name, key)?)
}

fn checkpoint(origin: &str, root: Hash) -> Checkpoint {
    Checkpoint {
        origin: origin.into(),
        tree_size: 1,
        root,
        extensions: Vec::new(),
    }
}

fn with_receipt(b: &Bundle, checkpoint: String) -> Bundle {
    let mut t = b.clone();
    t.receipt = Some(LedgerReceipt {
        checkpoint,
        index: 0,
        path: Vec::new(),
    });
    t
}

/// One vector: where its input comes from and what it must give.
struct Case {
    name: &'static str,
    input: Input,
    now: u64,
    add_status: Vec<Vec<u8>>,
    verdict: &'static str,
    check: &'static str,
    outcome: &'static str,
    code: &'static str,
}

enum Input {
    Binary(Vec<u8>),
    Text(String),
}

impl Case {
    fn new(name: &'static str, input: Input, expect: [&'static str; 4]) -> Self {
        let [verdict, check, outcome, code] = expect;
        Self {
            name,
            input,
            now: NOW,
            add_status: Vec::new(),
            verdict,
            check,
            outcome,
            code,
        }
    }

    fn at(mut self, now: u64) -> Self {
        self.now = now;
        self
    }

    fn json(&self) -> serde_json::Value {
        let mut o = json!({
            "name": self.name,
            "trust_store": "main",
            "now": self.now,
            "verdict": self.verdict,
            "check": self.check,
            "outcome": self.outcome,
            "code": self.code,
        });
        match &self.input {
            Input::Binary(b) => o["bundle"] = json!(B64.encode(b)),
            Input::Text(t) => o["text"] = json!(t),
        }
        if !self.add_status.is_empty() {
            o["add_status"] = json!(
                self.add_status
                    .iter()
                    .map(|s| B64.encode(s))
                    .collect::<Vec<_>>()
            );
        }
        o
    }
}

fn bin(b: &Bundle) -> Input {
    Input::Binary(b.to_vec())
}

/// Expectations: `[verdict, check, outcome, code]`.
const fn failed(check: &'static str, code: &'static str) -> [&'static str; 4] {
    ["invalid", check, "failed", code]
}
const fn format(code: &'static str) -> [&'static str; 4] {
    failed("format", code)
}
const fn unsure(check: &'static str, code: &'static str) -> [&'static str; 4] {
    ["indeterminate", check, "indeterminate", code]
}
const fn skipped_valid(check: &'static str, code: &'static str) -> [&'static str; 4] {
    ["valid", check, "skipped", code]
}

/// The document, as written: pretty JSON with a final newline.
///
/// # Errors
/// When a step of the construction fails (it never should).
pub fn generate() -> Res<String> {
    let scjgj = authority("cn.beijing.scjgj")?;
    let tax = authority("cn.beijing.tax")?;
    let gaj = authority("cn.beijing.gaj")?;
    let market = Issuer::new(scjgj.clone(), "cn.beijing.scjgj");

    // Licenses: 0 valid, 1 revoked, 2 suspended, 3 expired, 4 not yet valid.
    let mut certs: Vec<Certificate> = (0..5).map(sample::business_license).collect();
    certs[3].valid_until = Some(ISSUED + 60);
    certs[4].valid_from = NOW + 86_400;
    let mut lic = fixed_batch(&scjgj, "cn.beijing.scjgj", "codes-licenses", &certs, ISSUED)?;
    lic.endorse(&tax, ISSUED + 600)?;
    market.update_status(
        &mut lic,
        StatusPurpose::Revocation,
        &[(1, true)],
        ISSUED + 10,
        TTL,
    )?;
    market.update_status(
        &mut lic,
        StatusPurpose::Suspension,
        &[(2, true)],
        ISSUED + 10,
        TTL,
    )?;
    let good = lic.bundle(0, Some(&["name"]))?;
    let good_bytes = good.to_vec();
    let lic_body = lic.anchor().body().clone();
    let revocation = lic
        .status_list(StatusPurpose::Revocation)
        .ok_or("no revocation list")?
        .as_bytes()
        .to_vec();
    let list = |purpose, epoch, issued_at, size: u64, key: &SigningKey| -> Res<Vec<u8>> {
        let body = StatusListBody::new(
            &lic_body.issuer,
            &lic_body.batch,
            lic_body.root,
            purpose,
            epoch,
            issued_at,
            TTL,
            size,
        );
        Ok(StatusList::sign(&body, key)?.as_bytes().to_vec())
    };
    let carrying = |lists: Vec<Vec<u8>>| {
        let mut t = good.clone();
        t.status = lists;
        t
    };

    let unendorsed = fixed_batch(
        &scjgj,
        "cn.beijing.scjgj",
        "codes-unendorsed",
        &certs[..2],
        ISSUED,
    )?;
    let endorsed = |key: &SigningKey,
                    issuer: &str,
                    batch: &str,
                    certs: &[Certificate],
                    at: u64|
     -> Res<Bundle> {
        let mut b = fixed_batch(key, issuer, batch, certs, at)?;
        // the tax bureau cannot endorse its own batch: public security does
        b.endorse(
            if issuer == "cn.beijing.tax" {
                &gaj
            } else {
                &tax
            },
            at,
        )?;
        Ok(b.bundle(0, Some(&["name"]))?)
    };
    let other_batch = {
        let mut b = unendorsed.clone();
        market.update_status(&mut b, StatusPurpose::Revocation, &[], ISSUED + 10, TTL)?;
        b.status_list(StatusPurpose::Revocation)
            .ok_or("no list")?
            .as_bytes()
            .to_vec()
    };

    let mut titles = fixed_batch(
        &authority("cn.beijing.ghzrzyw")?,
        "cn.beijing.ghzrzyw",
        "codes-titles",
        &[sample::real_estate_title(0), sample::real_estate_title(1)],
        ISSUED,
    )?;
    titles.endorse(&authority("cn.beijing.zjw")?, ISSUED + 600)?;
    let title = titles.bundle(0, Some(&["location"]))?;

    let card = Certificate {
        id: "TSG-2024-000001".into(),
        kind: "library_card".into(),
        valid_from: JAN_1_2024,
        valid_until: None,
        fields: [
            ("card_no".to_owned(), Value::from("000001")),
            ("holder".to_owned(), Value::from("张三")),
        ]
        .into_iter()
        .collect(),
    };
    let library = fixed_batch(
        &library_key(),
        "cn.beijing.library",
        "codes-library",
        &[card],
        ISSUED,
    )?
    .bundle(0, None)?;

    // The anchor re-signed with another body over the same root.
    let resigned = |key: &SigningKey, issuer: &str, kinds: &[&str]| -> Res<Bundle> {
        let mut body = lic_body.clone();
        body.issuer = issuer.into();
        body.kinds = kinds.iter().map(|k| (*k).to_owned()).collect();
        let anchor = Anchor::sign(&body, key)?.endorse(&tax, ISSUED + 600)?;
        let mut t = good.clone();
        t.anchor = anchor.as_bytes().to_vec();
        t.status.clear();
        Ok(t)
    };

    let mut cases = Vec::new();
    let mut add = |c: Case| cases.push(c);

    // ---------------------------------------------------------------- format
    add(Case::new(
        "valid_license",
        bin(&good),
        ["valid", "format", "passed", "ok"],
    ));
    let truncated = good_bytes[..good_bytes.len() / 2].to_vec();
    add(Case::new(
        "later_checks_not_run",
        Input::Binary(truncated.clone()),
        ["invalid", "integrity", "skipped", "not_checked"],
    ));
    add(Case::new(
        "truncated",
        Input::Binary(truncated),
        format("truncated"),
    ));
    let v = |raw: &[u8]| with_value(&good_bytes, "v", raw).map(Input::Binary);
    add(Case::new(
        "version_non_shortest",
        v(&[0x18, 0x01])?,
        format("non_shortest"),
    ));
    let mut indefinite = vec![0x9f];
    for d in &good.disclosed {
        indefinite.extend(encoded(|w| {
            w.array(3);
            w.bytes(&d.salt);
            w.text(&d.name);
            w.value(&d.value);
        }));
    }
    indefinite.push(0xff);
    add(Case::new(
        "disclosed_indefinite_length",
        Input::Binary(with_value(&good_bytes, "disclosed", &indefinite)?),
        format("indefinite_length"),
    ));
    add(Case::new(
        "version_float",
        v(&[0xf9, 0x3c, 0x00])?,
        format("float"),
    ));
    add(Case::new(
        "version_undefined",
        v(&[0xf7])?,
        format("unsupported_simple"),
    ));
    let mut es = entries(&good_bytes)?;
    es.swap(1, 2); // proof after anchor
    add(Case::new(
        "keys_unsorted",
        Input::Binary(from_entries(&es)),
        format("unsorted_keys"),
    ));
    let mut es = entries(&good_bytes)?;
    es.insert(0, es[0].clone());
    add(Case::new(
        "version_twice",
        Input::Binary(from_entries(&es)),
        format("duplicate_key"),
    ));
    let mut t = good.clone();
    t.anchor = [&[0xd2][..], &t.anchor[2..]].concat(); // tag 18 (COSE_Sign1) instead of 98
    add(Case::new(
        "anchor_wrong_tag",
        bin(&t),
        format("unexpected_tag"),
    ));
    let mut trailing = good_bytes.clone();
    trailing.push(0);
    add(Case::new(
        "trailing_bytes",
        Input::Binary(trailing),
        format("trailing_bytes"),
    ));
    let mut z = zlib(&good_bytes)?;
    z.push(0);
    add(Case::new(
        "text_bytes_after_zlib",
        Input::Text(format!("{TEXT_PREFIX}{}", base45::encode(&z))),
        format("trailing_after_zlib"),
    ));
    let mut t = good.clone();
    let mut deep = Value::Null;
    for _ in 0..20 {
        deep = Value::Array(vec![deep]);
    }
    t.disclosed[0].value = deep;
    add(Case::new(
        "disclosed_value_too_deep",
        bin(&t),
        format("too_deep"),
    ));
    let mut t = good.clone();
    t.proof.path = vec![Hash::from_bytes([7; 32]); certanchor::merkle::MAX_PATH + 1];
    add(Case::new(
        "audit_path_too_long",
        bin(&t),
        format("too_large"),
    ));
    add(Case::new(
        "version_as_text",
        v(&encoded(|w| w.text("1")))?,
        format("unexpected_type"),
    ));
    let disclosed_raw = |name: &[u8], value: &[u8]| {
        let mut w = Writer::new();
        w.array(1);
        w.array(3);
        w.bytes(&good.disclosed[0].salt);
        w.raw(name);
        w.raw(value);
        w.into_bytes()
    };
    add(Case::new(
        "field_name_not_utf8",
        Input::Binary(with_value(
            &good_bytes,
            "disclosed",
            &disclosed_raw(&[0x62, 0xc3, 0x28], &[0x01]),
        )?),
        format("invalid_utf8"),
    ));
    add(Case::new(
        "field_value_past_i64",
        Input::Binary(with_value(
            &good_bytes,
            "disclosed",
            &disclosed_raw(&encoded(|w| w.text("name")), &encoded(|w| w.uint(u64::MAX))),
        )?),
        format("integer_out_of_range"),
    ));
    let mut es = entries(&good_bytes)?;
    es.insert(1, (text_key("extra"), encoded(|w| w.uint(0))));
    add(Case::new(
        "unknown_key",
        Input::Binary(from_entries(&es)),
        format("unknown_field"),
    ));
    let mut es = entries(&good_bytes)?;
    es.retain(|(k, _)| *k != text_key("header"));
    add(Case::new(
        "header_missing",
        Input::Binary(from_entries(&es)),
        format("missing_field"),
    ));
    add(Case::new(
        "version_2",
        v(&[0x02])?,
        format("unsupported_version"),
    ));
    let proof = |f: &dyn Fn(&mut Writer)| encoded(f);
    add(Case::new(
        "path_hash_31_bytes",
        Input::Binary(with_value(
            &good_bytes,
            "proof",
            &proof(&|w| {
                w.array(3);
                w.uint(good.proof.tree_size);
                w.uint(good.proof.leaf_index);
                w.array(1);
                w.bytes(&[7; 31]);
            }),
        )?),
        format("bad_length"),
    ));
    add(Case::new(
        "proof_of_two_items",
        Input::Binary(with_value(
            &good_bytes,
            "proof",
            &proof(&|w| {
                w.array(2);
                w.uint(good.proof.tree_size);
                w.uint(good.proof.leaf_index);
            }),
        )?),
        format("invalid_value"),
    ));
    add(Case::new(
        "text_bad_base45",
        Input::Text(format!("{TEXT_PREFIX}not base45")),
        format("invalid_text_form"),
    ));
    let mut t = good.clone();
    t.anchor = encoded(|w| {
        let protected = encoded(|p| {
            p.map(1);
            p.uint(3);
            p.text(ANCHOR_CONTENT_TYPE);
        });
        w.tag(98);
        w.array(4);
        w.bytes(&protected);
        w.map(0);
        w.bytes(&lic_body.to_vec());
        w.array(0);
    });
    add(Case::new(
        "anchor_without_signatures",
        bin(&t),
        format("invalid_cose"),
    ));

    // ------------------------------------------------------------- integrity
    let mut t = good.clone();
    t.disclosed[0].value = Value::from("北京伪造科技有限公司");
    add(Case::new(
        "tampered_value",
        bin(&t),
        failed("integrity", "digest_mismatch"),
    ));
    let mut t = good.clone();
    t.disclosed.push(t.disclosed[0].clone());
    add(Case::new(
        "field_disclosed_twice",
        bin(&t),
        failed("integrity", "disclosed_twice"),
    ));

    // ------------------------------------------------------------- inclusion
    let mut t = good.clone();
    t.proof.leaf_index = t.proof.tree_size;
    add(Case::new(
        "leaf_index_past_the_tree",
        bin(&t),
        failed("inclusion", "index_out_of_range"),
    ));
    let mut t = good.clone();
    t.proof.path.push(Hash::from_bytes([7; 32]));
    add(Case::new(
        "audit_path_one_hash_long",
        bin(&t),
        failed("inclusion", "wrong_path_length"),
    ));
    let mut t = good.clone();
    t.proof.leaf_index = 1;
    add(Case::new(
        "wrong_leaf_index",
        bin(&t),
        failed("inclusion", "root_mismatch"),
    ));
    let mut t = good.clone();
    t.proof.tree_size -= 1;
    add(Case::new(
        "tree_size_mismatch",
        bin(&t),
        failed("inclusion", "tree_size_mismatch"),
    ));

    // ------------------------------------------------------ issuer signature
    let rogue = seeded(0x66);
    add(Case::new(
        "signed_by_unknown_key",
        bin(&endorsed(
            &rogue,
            "cn.beijing.scjgj",
            "codes-rogue",
            &certs[..2],
            ISSUED,
        )?),
        failed("issuer_signature", "unknown_key"),
    ));
    add(Case::new(
        "signed_with_another_issuers_key",
        bin(&endorsed(
            &authority("cn.beijing.ghzrzyw")?,
            "cn.beijing.scjgj",
            "codes-wrong-key",
            &certs[..2],
            ISSUED,
        )?),
        failed("issuer_signature", "wrong_issuer_key"),
    ));
    add(Case::new(
        "signed_after_key_revocation",
        bin(&endorsed(
            &old_scjgj_key(),
            "cn.beijing.scjgj",
            "codes-revoked-key",
            &certs[..2],
            OLD_KEY_REVOKED + 200,
        )?),
        failed("issuer_signature", "key_not_valid"),
    ));
    let mut t = unendorsed.bundle(0, Some(&["name"]))?;
    if let Some(last) = t.anchor.last_mut() {
        *last ^= 1; // the last byte of the issuer's (only) signature
    }
    add(Case::new(
        "issuer_signature_altered",
        bin(&t),
        failed("issuer_signature", "bad_signature"),
    ));
    add(Case::new(
        "anchor_from_the_future",
        bin(&endorsed(
            &scjgj,
            "cn.beijing.scjgj",
            "codes-future",
            &certs[..2],
            NOW + 86_400,
        )?),
        failed("issuer_signature", "issued_in_future"),
    ));

    // --------------------------------------------------------- authorization
    add(Case::new(
        "issuer_not_in_store",
        bin(&endorsed(
            &rogue,
            "cn.example.rogue",
            "codes-untrusted",
            &certs[..2],
            ISSUED,
        )?),
        failed("authorization", "untrusted_issuer"),
    ));
    add(Case::new(
        "tax_bureau_issues_licenses",
        bin(&endorsed(
            &tax,
            "cn.beijing.tax",
            "codes-tax",
            &certs[..2],
            ISSUED,
        )?),
        failed("authorization", "unauthorized_kind"),
    ));
    add(Case::new(
        "anchor_of_another_issuer",
        bin(&resigned(
            &authority("cn.beijing.ghzrzyw")?,
            "cn.beijing.ghzrzyw",
            &["business_license"],
        )?),
        failed("authorization", "issuer_mismatch"),
    ));
    add(Case::new(
        "kind_not_in_anchor",
        bin(&resigned(
            &scjgj,
            "cn.beijing.scjgj",
            &["real_estate_title"],
        )?),
        failed("authorization", "kind_not_anchored"),
    ));

    // ---------------------------------------------------------- endorsements
    add(Case::new(
        "kind_without_policy",
        bin(&library),
        skipped_valid("endorsements", "no_policy"),
    ));
    add(Case::new(
        "not_endorsed",
        bin(&unendorsed.bundle(0, Some(&["name"]))?),
        failed("endorsements", "endorsements_missing"),
    ));

    // ---------------------------------------------------------------- status
    add(Case::new(
        "no_status_list",
        bin(&library),
        skipped_valid("status", "no_status"),
    ));
    add(Case::new(
        "required_status_list_missing",
        bin(&title),
        unsure("status", "status_missing"),
    ));
    add(
        Case::new("stale_status", bin(&good), unsure("status", "stale_status"))
            .at(ISSUED + 2 * 86_400),
    );
    add(Case::new(
        "status_list_from_the_future",
        bin(&carrying(vec![list(
            StatusPurpose::Revocation,
            9,
            NOW + 3600,
            lic_body.tree_size,
            &scjgj,
        )?])),
        failed("status", "status_future"),
    ));
    add(Case::new(
        "status_list_by_revoked_key",
        bin(&carrying(vec![list(
            StatusPurpose::Revocation,
            9,
            ISSUED + 10,
            lic_body.tree_size,
            &old_scjgj_key(),
        )?])),
        unsure("status", "status_key_not_valid"),
    ));
    add(Case::new(
        "status_list_by_unknown_key",
        bin(&carrying(vec![list(
            StatusPurpose::Revocation,
            9,
            ISSUED + 10,
            lic_body.tree_size,
            &seeded(0x55),
        )?])),
        failed("status", "status_bad_signature"),
    ));
    add(Case::new(
        "status_list_of_another_batch",
        bin(&carrying(vec![other_batch])),
        failed("status", "status_wrong_batch"),
    ));
    add(Case::new(
        "status_list_not_covering",
        bin(&carrying(vec![list(
            StatusPurpose::Revocation,
            9,
            ISSUED + 10,
            0,
            &scjgj,
        )?])),
        unsure("status", "status_not_covering"),
    ));
    let mut t = lic.bundle(1, Some(&["name"]))?;
    t.status.clear();
    let mut c = Case::new(
        "revoked_per_list_added_first",
        bin(&t),
        failed("status", "revoked"),
    );
    c.add_status = vec![revocation];
    add(c);
    add(Case::new(
        "suspended",
        bin(&lic.bundle(2, Some(&["name"]))?),
        failed("status", "suspended"),
    ));

    // -------------------------------------------------------------- validity
    add(Case::new(
        "expired",
        bin(&lic.bundle(3, Some(&["name"]))?),
        failed("validity", "expired"),
    ));
    add(Case::new(
        "not_yet_valid",
        bin(&lic.bundle(4, Some(&["name"]))?),
        failed("validity", "not_yet_valid"),
    ));

    // ---------------------------------------------------------------- schema
    add(Case::new(
        "kind_without_schema",
        bin(&library),
        skipped_valid("schema", "unknown_kind"),
    ));
    let mut bad = certs[0].clone();
    bad.fields
        .insert("uscc".into(), Value::from("91110105MA00000000"));
    let mut b = fixed_batch(&scjgj, "cn.beijing.scjgj", "codes-bad-uscc", &[bad], ISSUED)?;
    b.endorse(&tax, ISSUED)?;
    add(Case::new(
        "bad_uscc",
        bin(&b.bundle(0, Some(&["uscc"]))?),
        failed("schema", "schema_violation"),
    ));

    // ---------------------------------------------------------------- ledger
    add(Case::new(
        "no_receipt",
        bin(&good),
        skipped_valid("ledger", "no_receipt"),
    ));
    add(Case::new(
        "required_receipt_missing",
        bin(&title),
        unsure("ledger", "receipt_missing"),
    ));
    let lk = ledger_key();
    let elsewhere = Hash::digest(b"another log's root");
    add(Case::new(
        "anchor_not_in_checkpoint",
        bin(&with_receipt(
            &good,
            note::sign_checkpoint(&checkpoint(ORIGIN, elsewhere), &lk)?,
        )),
        failed("ledger", "not_in_ledger"),
    ));
    let mut crowded = note::sign_checkpoint(&checkpoint(ORIGIN, elsewhere), &lk)?;
    let text = checkpoint(ORIGIN, elsewhere).to_text();
    for i in 0..note::MAX_SIGNATURES {
        let witness = note_of(&text, &format!("witness-{i}"), &seeded(0x40 + i as u8))?;
        let line = witness.lines().last().ok_or("no signature line")?;
        crowded.push_str(line);
        crowded.push('\n');
    }
    add(Case::new(
        "checkpoint_with_17_signatures",
        bin(&with_receipt(&good, crowded)),
        failed("ledger", "too_many_signatures"),
    ));
    add(Case::new(
        "checkpoint_not_a_note",
        bin(&with_receipt(&good, "not a signed note".into())),
        failed("ledger", "malformed_note"),
    ));
    let twins = [twin_key(0), twin_key(1)];
    let ids: Vec<[u8; 4]> = twins
        .iter()
        .map(|k| note::key_id(TWIN, &k.public_key()))
        .collect();
    if ids[0] != ids[1] {
        return Err("the twin keys' note key ids differ".into());
    }
    add(Case::new(
        "checkpoint_key_id_of_two_trusted_keys",
        bin(&with_receipt(
            &good,
            note::sign_checkpoint(&checkpoint(TWIN, elsewhere), &twins[0])?,
        )),
        failed("ledger", "ambiguous_key"),
    ));
    add(Case::new(
        "checkpoint_by_unknown_key",
        bin(&with_receipt(
            &good,
            note::sign_checkpoint(&checkpoint(ORIGIN, elsewhere), &seeded(0x77))?,
        )),
        failed("ledger", "unknown_signer"),
    ));
    add(Case::new(
        "checkpoint_of_another_origin",
        bin(&with_receipt(
            &good,
            note_of(
                &checkpoint("other.example/log", elsewhere).to_text(),
                ORIGIN,
                &lk,
            )?,
        )),
        failed("ledger", "origin_not_signed"),
    ));
    add(Case::new(
        "signed_note_not_a_checkpoint",
        bin(&with_receipt(
            &good,
            note_of("hello, ledger\n", ORIGIN, &lk)?,
        )),
        failed("ledger", "bad_checkpoint"),
    ));
    let chain = |chain_id| {
        let mut t = good.clone();
        t.chain = Some(ChainReceipt {
            chain_id,
            contract: certanchor::trust::parse_evm_address(CONTRACT).unwrap_or_default(),
            tx: Hash::digest(b"transaction"),
            block: 1234,
        });
        t
    };
    add(Case::new(
        "chain_not_in_store",
        bin(&chain(1)),
        failed("ledger", "unknown_chain"),
    ));
    add(Case::new(
        "chain_receipt_offline",
        bin(&chain(CHAIN_ID)),
        unsure("ledger", "chain_not_checked"),
    ));

    // Note verifier keys (not read from bundles or trust stores).
    let vkey = NoteVerifier::new(ORIGIN, lk.public_key())?.to_verifier_key();
    let (_, tail) = vkey.split_once('+').ok_or("no + in a verifier key")?;
    let note_key_errors = json!([
        {"name": "name_with_space", "verifier_key": format!("ledger example+{tail}"), "code": "bad_key_name"},
        {"name": "key_id_of_another_name", "verifier_key": format!("ledger.example.gov.cn/other+{tail}"), "code": "bad_note_key"},
    ]);

    let not_covered = json!({
        "no_signature": "an anchor without signatures fails decoding (format: invalid_cose, see anchor_without_signatures) before the issuer_signature check could say so",
        "path_too_long": "a bundle's audit path over 64 hashes fails decoding (format: too_large, see audit_path_too_long) before the inclusion check",
        "invalid_sizes": "only a consistency proof between two tree sizes gives it; verification checks inclusion proofs",
        "note_too_large": "a receipt's checkpoint over 8 KiB fails decoding (format: too_large) and the note limit is 16 KiB, so the ledger check never meets a note over it",
        "chain_unreachable": "online only: Verifier::verify_online when the chain oracle cannot be asked",
        "not_on_chain": "online only: Verifier::verify_online when the registry holds no record of the anchor",
        "chain_mismatch": "online only: Verifier::verify_online when the registry's root or tree size differs from the anchor's",
        "chain_receipt_mismatch": "online only: Verifier::verify_online when the registry's block differs from the receipt's",
        "ledger_not_fresh": "with a ledger mirror only (Verifier::use_ledger): core/tests/mirror.rs checks it",
    });

    let doc = json!({
        "description": "certanchor result-code vectors: for each case, a verifier over trust_stores[trust_store], handed the add_status lists (base64 COSE_Sign1) at `now` first, verifies the input (bundle: base64 binary form; text: CA1 text form) at `now`; expect `verdict`, and `check` to come out `outcome` with `code`. Every result code is the code of a case, of a note_key_errors entry (a note verifier key whose parsing fails with it), or listed in not_covered with the reason.",
        "generator": "examples/rust/gen_code_vectors.rs",
        "trust_stores": {"main": serde_json::to_value(trust_doc())?},
        "cases": cases.iter().map(Case::json).collect::<Vec<_>>(),
        "note_key_errors": note_key_errors,
        "not_covered": not_covered,
    });
    Ok(serde_json::to_string_pretty(&doc)? + "\n")
}

fn main() -> Res<()> {
    let out = std::env::args().nth(1).unwrap_or_else(|| {
        concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/vectors/codes.json").to_owned()
    });
    let text = generate()?;
    if out == "-" {
        std::io::stdout().write_all(text.as_bytes())?;
    } else {
        std::fs::write(&out, text)?;
        eprintln!("wrote {out}");
    }
    Ok(())
}
