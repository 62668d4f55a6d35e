//! FileLedger: proofs, checkpoints, locking, recovery and crash safety.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use certanchor::Document;
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use certanchor::keys::SigningKey;
use certanchor::ledger::{Entry, EntryKind, FileLedger, Ledger, LedgerFormat, anchor_leaf_hashes};
use certanchor::merkle::{self, leaf_hash};
use certanchor::note::{self, NoteVerifier};
use certanchor::sample::{self, JAN_1_2024};
use certanchor::{
    Anchor, AnchorBody, CheckCode, Hash, IssueOptions, Issuer, Outcome, TrustStore, Verdict,
    Verifier,
};

const ORIGIN: &str = "ledger.example.gov.cn/certanchor";

fn ledger_key() -> SigningKey {
    SigningKey::from_seed(&[0x42; 32])
}

fn anchor(tag: &str) -> Vec<u8> {
    let body = AnchorBody {
        issuer: "cn.beijing.scjgj".into(),
        batch: tag.into(),
        tree_size: 1,
        root: Hash::digest(tag.as_bytes()),
        issued_at: JAN_1_2024,
        kinds: vec!["business_license".into()],
    };
    Anchor::sign(&body, &SigningKey::from_seed(&[0x12; 32]))
        .unwrap()
        .as_bytes()
        .to_vec()
}

fn verifier() -> NoteVerifier {
    NoteVerifier::new(ORIGIN, ledger_key().public_key()).unwrap()
}

fn segment(dir: &std::path::Path) -> std::path::PathBuf {
    dir.join("segment-00000000.log")
}

#[test]
fn append_prove_reopen() {
    let tmp = tempdir("basic");
    let mut l = FileLedger::create(&tmp, ORIGIN, ledger_key()).unwrap();
    assert_eq!(l.checkpoint().unwrap_err().code(), "empty");
    let a0 = anchor("a0");
    let r0 = l.append(&a0).unwrap();
    assert_eq!(r0.index, 0);
    let many: Vec<Vec<u8>> = (1..20).map(|i| anchor(&format!("a{i}"))).collect();
    let refs: Vec<&[u8]> = many.iter().map(Vec::as_slice).collect();
    let rs = l.append_many(&refs).unwrap();
    assert_eq!(rs.len(), 19);
    assert_eq!(l.size(), 20);
    // a receipt verifies with the core's merkle and note functions
    let r = &rs[7];
    let cp = note::verify_checkpoint(&r.checkpoint, &[verifier()]).unwrap();
    assert_eq!(cp.tree_size, 20);
    let proof = merkle::InclusionProof {
        tree_size: 20,
        leaf_index: r.index,
        path: r.path.clone(),
    };
    // a format-2 ledger's leaf is the typed entry (SPEC §9.1), not the anchor id
    let typed = anchor_leaf_hashes(&r.anchor_id)[0];
    merkle::verify_inclusion(&typed, &proof, &cp.root).unwrap();
    assert!(
        merkle::verify_inclusion(&leaf_hash(r.anchor_id.as_bytes()), &proof, &cp.root).is_err()
    );
    // the first checkpoint stays provable: consistency 1 -> 20
    let old =
        note::verify_checkpoint(&l.checkpoint_at(1).unwrap().unwrap(), &[verifier()]).unwrap();
    let cproof = l.consistency_proof(1, 20).unwrap();
    merkle::verify_consistency(1, 20, &old.root, &cp.root, &cproof).unwrap();
    assert_eq!(l.checkpoint_sizes().collect::<Vec<_>>(), vec![1, 20]);
    // duplicates refused; garbage refused
    assert_eq!(l.append(&a0).unwrap_err().code(), "duplicate");
    assert_eq!(l.append(b"junk").unwrap_err().code(), "bad_anchor");
    assert_eq!(l.get(3).unwrap(), many[2]);
    drop(l);
    let l = FileLedger::open(&tmp, ledger_key()).unwrap();
    assert_eq!(l.size(), 20);
    assert_eq!(l.checkpoint().unwrap(), rs[0].checkpoint);
    assert_eq!(l.get(0).unwrap(), a0);
    let id = Anchor::from_slice(&a0).unwrap().id();
    let p = l.inclusion_proof(&id, 20).unwrap();
    merkle::verify_inclusion(&anchor_leaf_hashes(&id)[0], &p, &cp.root).unwrap();
    // another key cannot open it
    assert_eq!(
        FileLedger::open(&tmp, SigningKey::from_seed(&[1; 32]))
            .unwrap_err()
            .code(),
        "not_a_ledger"
    );
}

#[test]
fn second_writer_is_locked_out() {
    let tmp = tempdir("lock");
    let _l = FileLedger::create(&tmp, ORIGIN, ledger_key()).unwrap();
    let e = FileLedger::open(&tmp, ledger_key()).unwrap_err();
    assert_eq!(e.code(), "locked");
    assert!(e.to_string().contains("locked"));
}

#[test]
fn torn_tail_at_every_offset_recovers_all_acknowledged() {
    let tmp = tempdir("torn");
    let mut l = FileLedger::create(&tmp, ORIGIN, ledger_key()).unwrap();
    for i in 0..5 {
        l.append(&anchor(&format!("t{i}"))).unwrap();
    }
    drop(l);
    let seg = segment(&tmp);
    let good = std::fs::read(&seg).unwrap();
    // the record an interrupted append would have written
    let extra = anchor("torn");
    let id = Anchor::from_slice(&extra).unwrap().id();
    let mut payload = id.as_bytes().to_vec();
    payload.push(EntryKind::Anchor.byte());
    payload.extend_from_slice(&extra);
    let len = (payload.len() as u32).to_le_bytes();
    let mut rec = len.to_vec();
    rec.extend_from_slice(&crc32c::crc32c(&len).to_le_bytes());
    rec.extend_from_slice(&crc32c::crc32c(&payload).to_le_bytes());
    rec.extend_from_slice(&payload);
    for cut in 0..rec.len() {
        let mut torn = good.clone();
        torn.extend_from_slice(&rec[..cut]);
        std::fs::write(&seg, &torn).unwrap();
        let l = FileLedger::open(&tmp, ledger_key()).unwrap_or_else(|e| panic!("cut {cut}: {e}"));
        assert_eq!(l.size(), 5, "cut {cut}");
        drop(l);
        assert_eq!(
            std::fs::read(&seg).unwrap(),
            good,
            "cut {cut}: tail truncated"
        );
    }
    // zero-filled tail (a file extended but never written)
    let mut zeros = good.clone();
    zeros.extend_from_slice(&[0u8; 100]);
    std::fs::write(&seg, &zeros).unwrap();
    assert_eq!(FileLedger::open(&tmp, ledger_key()).unwrap().size(), 5);
    // a complete but unacknowledged record (crash before its checkpoint) is kept and checkpointed
    let mut whole = good.clone();
    whole.extend_from_slice(&rec);
    std::fs::write(&seg, &whole).unwrap();
    let l = FileLedger::open(&tmp, ledger_key()).unwrap();
    assert_eq!(l.size(), 6);
    assert_eq!(
        note::verify_checkpoint(&l.checkpoint().unwrap(), &[verifier()])
            .unwrap()
            .tree_size,
        6
    );
}

#[test]
fn damage_to_acknowledged_records_is_a_typed_error() {
    let tmp = tempdir("corrupt");
    let mut l = FileLedger::create(&tmp, ORIGIN, ledger_key()).unwrap();
    for i in 0..4 {
        l.append(&anchor(&format!("c{i}"))).unwrap();
    }
    drop(l);
    let seg = segment(&tmp);
    let good = std::fs::read(&seg).unwrap();
    let first_record_end = {
        let len = u32::from_le_bytes(good[8..12].try_into().unwrap()) as usize;
        8 + 12 + len
    };
    // every byte of the first (old) record
    for i in 8..first_record_end {
        let mut bad = good.clone();
        bad[i] ^= 0x40;
        std::fs::write(&seg, &bad).unwrap();
        let e = FileLedger::open(&tmp, ledger_key()).unwrap_err();
        assert_eq!(e.code(), "corrupt", "byte {i}: {e}");
        assert!(e.to_string().contains("segment-00000000.log"), "{e}");
        assert!(e.to_string().contains("at byte 8"), "{e}");
    }
    // cutting into the last acknowledged record is not a silent truncation either
    std::fs::write(&seg, &good[..good.len() - 3]).unwrap();
    assert_eq!(
        FileLedger::open(&tmp, ledger_key()).unwrap_err().code(),
        "corrupt"
    );
    std::fs::write(&seg, &good).unwrap();
    assert_eq!(FileLedger::open(&tmp, ledger_key()).unwrap().size(), 4);
}

#[test]
fn every_flipped_checkpoint_byte_is_rejected() {
    let tmp = tempdir("cpflip");
    let mut l = FileLedger::create(&tmp, ORIGIN, ledger_key()).unwrap();
    l.append(&anchor("x")).unwrap();
    let cp = l.checkpoint().unwrap();
    let v = [verifier()];
    assert!(note::verify_checkpoint(&cp, &v).is_ok());
    let bytes = cp.as_bytes();
    // The last line is the ledger's timestamp (SPEC §9.7): note verification
    // ignores it like any line of another key, but a flip there never
    // yields a ledger time.
    let time_line = cp[..cp.len() - 1].rfind('\n').unwrap() + 1;
    for i in 0..bytes.len() {
        let mut b = bytes.to_vec();
        b[i] ^= 0x01;
        if let Ok(s) = String::from_utf8(b) {
            if (time_line..bytes.len() - 1).contains(&i) {
                let t = note::verify_checkpoint_time(&s, &v[0]);
                assert!(t.is_err() || t.is_ok_and(|t| t.time.is_none()), "byte {i}");
            } else {
                assert!(note::verify_checkpoint(&s, &v).is_err(), "byte {i}");
            }
        }
    }
}

static CLOCK: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1_700_000_000);

fn test_clock() -> u64 {
    CLOCK.load(std::sync::atomic::Ordering::SeqCst)
}

/// Every checkpoint the ledger signs carries its time, from the ledger's
/// clock; a checkpoint written before ledgers timestamped them still opens
/// (with no time), and the ledger reopens with both kinds in its file.
#[test]
fn checkpoints_carry_the_ledger_time() {
    let tmp = tempdir("cptime");
    // A checkpoint as older ledgers wrote it: the note signature only.
    let old = {
        let mut l = FileLedger::create(&tmp, ORIGIN, ledger_key()).unwrap();
        l.set_clock(test_clock);
        l.append(&anchor("t0")).unwrap();
        let cp = l.checkpoint().unwrap();
        let text = note::parse_note(&cp).unwrap().text;
        note::sign_note(&text, ORIGIN, &ledger_key()).unwrap()
    };
    let t = note::verify_checkpoint_time(&old, &verifier()).unwrap();
    assert_eq!((t.checkpoint.tree_size, t.time), (1, None));
    // Put it in the checkpoint file in place of the timestamped one.
    let len = (old.len() as u32).to_le_bytes();
    let mut file = certanchor::ledger::file::CHECKPOINT_MAGIC.to_vec();
    file.extend_from_slice(&len);
    file.extend_from_slice(&crc32c::crc32c(&len).to_le_bytes());
    file.extend_from_slice(&crc32c::crc32c(old.as_bytes()).to_le_bytes());
    file.extend_from_slice(old.as_bytes());
    std::fs::write(tmp.join("checkpoints.log"), file).unwrap();

    let mut l = FileLedger::open(&tmp, ledger_key()).unwrap();
    l.set_clock(test_clock);
    assert_eq!(l.checkpoint().unwrap(), old);
    assert_eq!(
        note::verify_checkpoint_time(&l.checkpoint_at(1).unwrap().unwrap(), &verifier())
            .unwrap()
            .time,
        None
    );
    CLOCK.store(1_700_000_600, std::sync::atomic::Ordering::SeqCst);
    let r = l.append(&anchor("t1")).unwrap();
    let t = note::verify_checkpoint_time(&r.checkpoint, &verifier()).unwrap();
    assert_eq!((t.checkpoint.tree_size, t.time), (2, Some(1_700_000_600)));
    // Two signature lines: the note signature, then the timestamp, whose key
    // id is the cosignature key id of the ledger's key.
    let sigs = note::parse_note(&r.checkpoint).unwrap().signatures;
    assert_eq!(sigs.len(), 2);
    assert_eq!(sigs[0].key_id, verifier().key_id());
    assert_eq!(
        sigs[1].key_id,
        note::cosignature_key_id(ORIGIN, &ledger_key().public_key())
    );
    assert_eq!(sigs[1].unverified_time(), Some(1_700_000_600));
    drop(l);
    let l = FileLedger::open(&tmp, ledger_key()).unwrap();
    assert_eq!(l.checkpoint().unwrap(), r.checkpoint);
    assert_eq!(l.checkpoint_at(1).unwrap().unwrap(), old);
    assert_eq!(l.checkpoint_at(2).unwrap().unwrap(), r.checkpoint);
}

#[test]
fn bundle_receipt_is_checked_by_the_verifier() {
    let tmp = tempdir("receipt");
    let mut l = FileLedger::create(&tmp, ORIGIN, ledger_key()).unwrap();
    let auths = sample::demo_authorities();
    let issuer = Issuer::new(auths[1].key.clone(), auths[1].id);
    let now = JAN_1_2024 + 86_400;
    let mut batch = issuer
        .issue(
            "with-receipt",
            &(0..4).map(sample::business_license).collect::<Vec<_>>(),
            &IssueOptions::at(now),
        )
        .unwrap();
    batch
        .endorse(&auths[2].key, batch.anchor().body().issued_at)
        .unwrap();
    l.append(&anchor("before")).unwrap();
    let receipt = l.append(batch.anchor().as_bytes()).unwrap();
    l.append(&anchor("after")).unwrap();
    let mut bundle = batch.bundle(2, Some(&["name"])).unwrap();
    bundle.receipt = Some(receipt.to_bundle_receipt());
    let trust = TrustStore::from_doc(sample::demo_trust_doc(Some((
        ORIGIN,
        &ledger_key().public_key(),
    ))))
    .unwrap();
    let v = Verifier::new(trust);
    let r = v.verify(&bundle.to_vec(), now + 60);
    assert_eq!(r.verdict, Verdict::Valid, "{r}");
    assert_eq!(r.check(CheckCode::Ledger).unwrap().outcome, Outcome::Passed);
    assert_eq!(r.ledger.as_ref().unwrap().index, 1);
    // a receipt from a ledger the verifier does not trust
    let untrusted = Verifier::new(TrustStore::from_doc(sample::demo_trust_doc(None)).unwrap());
    assert_eq!(
        untrusted
            .verify(&bundle.to_vec(), now)
            .check(CheckCode::Ledger)
            .unwrap()
            .outcome,
        Outcome::Failed
    );
    // a wrong index
    let mut b2 = bundle.clone();
    b2.receipt.as_mut().unwrap().index = 0;
    let r = v.verify(&b2.to_vec(), now);
    assert_eq!(r.check(CheckCode::Ledger).unwrap().code, "not_in_ledger");
    // a receipt for another anchor (same ledger, other entry)
    let mut b3 = bundle.clone();
    let other = l
        .inclusion_proof(&Anchor::from_slice(&anchor("after")).unwrap().id(), 3)
        .unwrap();
    b3.receipt = Some(certanchor::LedgerReceipt {
        checkpoint: l.checkpoint().unwrap(),
        index: 2,
        path: other.path,
    });
    assert_eq!(v.verify(&b3.to_vec(), now).verdict, Verdict::Invalid);
    // policy requires a receipt
    let mut doc = sample::demo_trust_doc(Some((ORIGIN, &ledger_key().public_key())));
    doc.policies[1].require_ledger = true;
    let strict = Verifier::new(TrustStore::from_doc(doc).unwrap());
    let mut b4 = bundle.clone();
    b4.receipt = None;
    assert_eq!(
        strict.verify(&b4.to_vec(), now).verdict,
        Verdict::Indeterminate
    );
}

/// Child side of the crash test: appends forever, printing each acknowledged entry.
#[test]
fn crash_child() {
    let Ok(dir) = std::env::var("CERTANCHOR_CRASH_CHILD") else {
        return;
    };
    let mut l = FileLedger::open(&dir, ledger_key()).unwrap();
    let out = std::io::stdout();
    let nonce = std::process::id();
    for i in 0u64.. {
        let a = anchor(&format!("crash-{nonce}-{i}"));
        let r = if i % 3 == 0 {
            let b = anchor(&format!("crash-{nonce}-{i}-b"));
            l.append_many(&[&a, &b]).unwrap()
        } else {
            vec![l.append(&a).unwrap()]
        };
        let mut o = out.lock();
        for x in r {
            writeln!(o, "ACK {} {}", x.index, x.anchor_id).unwrap();
        }
        o.flush().unwrap();
    }
}

#[test]
fn sigkill_at_random_moments_never_loses_an_acknowledged_entry() {
    let cycles: u64 = std::env::var("CERTANCHOR_CRASH_CYCLES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(50);
    let tmp = tempdir("crash");
    drop(FileLedger::create(&tmp, ORIGIN, ledger_key()).unwrap());
    let exe = std::env::current_exe().unwrap();
    let mut acked: Vec<(u64, String)> = Vec::new();
    let mut seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
        ^ 0x9e37_79b9;
    let t0 = Instant::now();
    for cycle in 0..cycles {
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        let delay = Duration::from_millis(5 + (seed >> 33) % 60);
        let mut child = Command::new(&exe)
            .args(["--exact", "crash_child", "--nocapture", "--test-threads=1"])
            .env("CERTANCHOR_CRASH_CHILD", &tmp)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let reader = std::thread::spawn(move || {
            BufReader::new(stdout)
                .lines()
                .map_while(Result::ok)
                .filter_map(|l| {
                    let mut p = l.strip_prefix("ACK ")?.split(' ');
                    Some((p.next()?.parse::<u64>().ok()?, p.next()?.to_owned()))
                })
                .collect::<Vec<_>>()
        });
        std::thread::sleep(delay);
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        acked.extend(reader.join().unwrap());
        let l =
            FileLedger::open(&tmp, ledger_key()).unwrap_or_else(|e| panic!("cycle {cycle}: {e}"));
        let mut leaves = Vec::new();
        for i in 0..l.size() {
            let id = Anchor::from_slice(&l.get(i).unwrap()).unwrap().id();
            leaves.push(anchor_leaf_hashes(&id)[0]);
        }
        for (index, id) in &acked {
            let got = Anchor::from_slice(
                &l.get(*index)
                    .unwrap_or_else(|e| panic!("cycle {cycle}: acked {index} lost: {e}")),
            )
            .unwrap()
            .id();
            assert_eq!(&got.to_hex(), id, "cycle {cycle}: entry {index} changed");
        }
        if l.size() == 0 {
            // killed before its first append: nothing acknowledged, nothing to check
            assert!(acked.is_empty());
            continue;
        }
        let cp = note::verify_checkpoint(&l.checkpoint().unwrap(), &[verifier()]).unwrap();
        assert_eq!(cp.tree_size, l.size());
        assert_eq!(merkle::mth(&leaves), cp.root, "cycle {cycle}: root");
    }
    eprintln!(
        "crash test: {cycles} cycles, {} acknowledged entries, {:?}",
        acked.len(),
        t0.elapsed()
    );
    assert!(!acked.is_empty());
}

fn tempdir(name: &str) -> std::path::PathBuf {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let p = std::env::temp_dir().join(format!(
        "certanchor-test-{name}-{}-{nanos}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&p);
    p
}

/// A batch of four licenses with an empty revocation list, for status entries.
fn batch_with_list() -> (certanchor::IssuedBatch, Issuer) {
    let auths = sample::demo_authorities();
    let issuer = Issuer::new(auths[1].key.clone(), auths[1].id);
    let mut batch = issuer
        .issue(
            "status-entries",
            &(0..4).map(sample::business_license).collect::<Vec<_>>(),
            &IssueOptions::at(JAN_1_2024),
        )
        .unwrap();
    issuer
        .update_status(
            &mut batch,
            certanchor::status::StatusPurpose::Revocation,
            &[],
            JAN_1_2024,
            86_400,
        )
        .unwrap();
    (batch, issuer)
}

#[test]
fn status_lists_are_typed_entries() {
    let tmp = tempdir("status-entries");
    let mut l = FileLedger::create(&tmp, ORIGIN, ledger_key()).unwrap();
    assert_eq!(l.format(), LedgerFormat::TypedEntries);
    let (mut batch, issuer) = batch_with_list();
    l.append(batch.anchor().as_bytes()).unwrap();
    let first = batch.status_lists()[0].as_bytes().to_vec();
    let r = l.append_status_list(&first).unwrap();
    assert_eq!((r.index, r.tree_size), (1, 2));
    let cp = note::verify_checkpoint(&r.checkpoint, &[verifier()]).unwrap();
    assert_eq!(cp.tree_size, 2);
    // the same list again, an anchor where a list belongs, garbage
    assert_eq!(
        l.append_status_list(&first).unwrap_err().code(),
        "duplicate"
    );
    assert_eq!(
        l.append_status_list(batch.anchor().as_bytes())
            .unwrap_err()
            .code(),
        "bad_entry"
    );
    assert_eq!(
        l.append_status_list(b"junk").unwrap_err().code(),
        "bad_entry"
    );
    assert_eq!(l.append(&first).unwrap_err().code(), "bad_anchor");
    // a newer epoch is a new entry
    issuer
        .update_status(
            &mut batch,
            certanchor::status::StatusPurpose::Revocation,
            &[(2, true)],
            JAN_1_2024 + 60,
            86_400,
        )
        .unwrap();
    let second = batch.status_lists()[0].as_bytes().to_vec();
    assert_eq!(l.append_status_list(&second).unwrap().index, 2);
    drop(l);

    // reopened: the leaf data are typed, and the tree commits to them
    let l = FileLedger::open(&tmp, ledger_key()).unwrap();
    let data = l.leaf_data(0, 3).unwrap();
    assert_eq!(data[0].len(), 33);
    assert_eq!(data[0][0], 0x01);
    assert_eq!(&data[0][1..], batch.anchor().id().as_bytes());
    assert_eq!(data[1][0], 0x02);
    assert_eq!(&data[1][1..], first.as_slice());
    assert_eq!(&data[2][1..], second.as_slice());
    for (i, d) in data.iter().enumerate() {
        assert_eq!(l.tree().leaf(i as u64), Some(leaf_hash(d)), "leaf {i}");
        let e = Entry::decode(d).unwrap();
        assert_eq!(e, l.entry(i as u64).unwrap());
        assert_eq!(l.index_of(&e.key()), Some(i as u64));
    }
    assert_eq!(l.entry(1).unwrap().kind(), EntryKind::StatusList);
    assert_eq!(l.get(1).unwrap(), first);

    // a receipt that points at a status-list entry proves no anchor
    let p = l.tree().inclusion_proof(1, 3).unwrap();
    let cp = note::verify_checkpoint(&l.checkpoint().unwrap(), &[verifier()]).unwrap();
    for leaf in anchor_leaf_hashes(&batch.anchor().id()) {
        assert!(merkle::verify_inclusion(&leaf, &p, &cp.root).is_err());
    }
    merkle::verify_inclusion(&leaf_hash(&data[1]), &p, &cp.root).unwrap();
}

#[test]
fn entry_decoding_refuses_what_is_not_an_entry() {
    let (batch, _) = batch_with_list();
    let list = batch.status_lists()[0].as_bytes();
    let id = batch.anchor().id();
    let mut typed_list = vec![0x02];
    typed_list.extend_from_slice(list);
    let mut typed_anchor = vec![0x01];
    typed_anchor.extend_from_slice(id.as_bytes());
    assert_eq!(Entry::decode(id.as_bytes()).unwrap(), Entry::Anchor(id));
    assert_eq!(Entry::decode(&typed_anchor).unwrap(), Entry::Anchor(id));
    assert_eq!(
        Entry::decode(&typed_list).unwrap().kind(),
        EntryKind::StatusList
    );
    let mut anchor_bytes = vec![0x01];
    anchor_bytes.extend_from_slice(batch.anchor().as_bytes());
    let mut cut = typed_list.clone();
    cut.truncate(typed_list.len() - 1);
    let mut wrong_type = typed_list.clone();
    wrong_type[0] = 0x01;
    let mut unknown = typed_list.clone();
    unknown[0] = 0x03;
    let huge = vec![0x02; 70_000];
    for (what, bad) in [
        ("empty", &[][..]),
        ("type byte alone", &[0x02][..]),
        ("anchor bytes instead of its id", &anchor_bytes[..]),
        ("anchor id cut short", &typed_anchor[..20]),
        ("status list cut short", &cut[..]),
        ("a list labelled an anchor", &wrong_type[..]),
        ("unknown type", &unknown[..]),
        ("over 65535 bytes", &huge[..]),
    ] {
        let e = Entry::decode(bad).unwrap_err();
        assert_eq!(e.code(), "bad_entry", "{what}: {e}");
    }
}

/// Copies the committed format-1 ledger (tests/vectors/ledger-format-1), so
/// that tests never change it.
fn format_1_copy(name: &str) -> std::path::PathBuf {
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/vectors/ledger-format-1/ledger");
    let dst = tempdir(name);
    std::fs::create_dir_all(&dst).unwrap();
    for f in std::fs::read_dir(&src).unwrap() {
        let f = f.unwrap();
        std::fs::copy(f.path(), dst.join(f.file_name())).unwrap();
    }
    dst
}

fn format_1_key(dir: &std::path::Path) -> SigningKey {
    SigningKey::from_pkcs8_pem(&std::fs::read_to_string(dir.join("ledger-key.pem")).unwrap())
        .unwrap()
}

#[test]
fn a_format_1_ledger_stays_readable() {
    let vectors =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/vectors/ledger-format-1");
    let dir = format_1_copy("format-1");
    let key = format_1_key(&dir);
    let mut l = FileLedger::open(&dir, key.clone()).unwrap();
    assert_eq!(l.format(), LedgerFormat::AnchorIds);
    assert_eq!(l.size(), 2);
    // its leaves are the anchor ids
    let titles =
        Anchor::from_slice(&std::fs::read(vectors.join("titles-anchor.cose")).unwrap()).unwrap();
    assert_eq!(l.index_of(&titles.id()), Some(1));
    assert_eq!(
        l.leaf_data(1, 2).unwrap(),
        vec![titles.id().as_bytes().to_vec()]
    );
    assert_eq!(l.tree().leaf(1), Some(anchor_leaf_hashes(&titles.id())[1]));
    assert_eq!(l.entry(1).unwrap(), Entry::Anchor(titles.id()));
    // it takes anchors, not status lists
    l.append(&anchor("after the upgrade")).unwrap();
    let (batch, _) = batch_with_list();
    assert_eq!(
        l.append_status_list(batch.status_lists()[0].as_bytes())
            .unwrap_err()
            .code(),
        "unsupported"
    );
    drop(l);
    let l = FileLedger::open(&dir, key).unwrap();
    assert_eq!(l.size(), 3);
    assert_eq!(l.format(), LedgerFormat::AnchorIds);
    // and the bundle it gave title 17 still verifies, receipt included
    let trust =
        TrustStore::from_json(&std::fs::read_to_string(vectors.join("trust.json")).unwrap())
            .unwrap();
    let at = 1_796_702_400; // 2026-12-08T04:00:00Z, within the lists' 24 h
    let r = Verifier::new(trust).verify(
        &std::fs::read(vectors.join("title-17-full.cab")).unwrap(),
        at,
    );
    assert_eq!(r.verdict, Verdict::Valid, "{r}");
    assert_eq!(r.check(CheckCode::Ledger).unwrap().outcome, Outcome::Passed);
}
