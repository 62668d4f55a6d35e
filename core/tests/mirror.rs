//! Following a published ledger into a mirror (SPEC §9.8): sync from
//! tiles, incremental, resumable, and every refusal (rollback, fork,
//! altered or cut tiles, another origin or key) leaving the state intact.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::PathBuf;

use certanchor::keys::SigningKey;
use certanchor::ledger::mirror::Mirror;
use certanchor::ledger::tiles::{self, TileError, TileSource};
use certanchor::ledger::{FileLedger, Ledger};
use certanchor::note::NoteVerifier;
use certanchor::sample::{self, JAN_1_2024};
use certanchor::status::StatusPurpose;
use certanchor::{Anchor, AnchorBody, Document as _, Hash, IssueOptions, Issuer};

const ORIGIN: &str = "ledger.mirror.test/certanchor";

fn tempdir(name: &str) -> PathBuf {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    std::env::temp_dir().join(format!(
        "certanchor-mirror-{name}-{}-{nanos}",
        std::process::id()
    ))
}

fn key(seed: u8) -> SigningKey {
    SigningKey::from_seed(&[seed; 32])
}

fn vkey(seed: u8) -> NoteVerifier {
    NoteVerifier::new(ORIGIN, key(seed).public_key()).unwrap()
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
    Anchor::sign(&body, &key(0x12)).unwrap().as_bytes().to_vec()
}

/// A published ledger held in memory: every file `ledger publish` writes.
/// Counts the paths read; can cut the service after a number of bundles.
#[derive(Default)]
struct Site {
    files: HashMap<String, Vec<u8>>,
    reads: RefCell<Vec<String>>,
    fail_after_bundles: Option<usize>,
}

impl Site {
    fn of(l: &FileLedger) -> Self {
        let size = l.size();
        let mut files = HashMap::new();
        files.insert(
            "checkpoint".to_owned(),
            l.checkpoint().unwrap().into_bytes(),
        );
        for tile in tiles::tiles_for_size(size) {
            files.insert(tile.path(), tiles::tile_data(l.tree(), tile).unwrap());
            if tile.level() == 0 {
                let start = tile.index() * 256;
                let data = l.leaf_data(start, start + u64::from(tile.width())).unwrap();
                files.insert(
                    tile.entries_path(),
                    tiles::entry_bundle(start, &data).unwrap(),
                );
            }
        }
        Self {
            files,
            ..Self::default()
        }
    }

    fn bundles_read(&self) -> Vec<String> {
        self.reads
            .borrow()
            .iter()
            .filter(|p| p.starts_with("tile/entries/"))
            .cloned()
            .collect()
    }
}

impl TileSource for Site {
    fn read(&self, path: &str, max_len: usize) -> Result<Vec<u8>, TileError> {
        self.reads.borrow_mut().push(path.to_owned());
        if let Some(n) = self.fail_after_bundles
            && self.bundles_read().len() > n
        {
            return Err(TileError::Unavailable {
                path: path.into(),
                reason: "the server went away".into(),
            });
        }
        let data = self.files.get(path).ok_or_else(|| TileError::Unavailable {
            path: path.into(),
            reason: "no such file".into(),
        })?;
        assert!(data.len() <= max_len + 1);
        Ok(data.clone())
    }
}

/// A ledger with `n` anchors and, after the first, a status list.
fn ledger(name: &str, seed: u8, n: usize) -> (FileLedger, Vec<u8>) {
    let mut l = FileLedger::create(tempdir(name), ORIGIN, key(seed)).unwrap();
    let auths = sample::demo_authorities();
    let issuer = Issuer::new(auths[1].key.clone(), auths[1].id);
    let mut batch = issuer
        .issue(
            name,
            &(0..4).map(sample::business_license).collect::<Vec<_>>(),
            &IssueOptions::at(JAN_1_2024),
        )
        .unwrap();
    let list = issuer
        .update_status(
            &mut batch,
            StatusPurpose::Revocation,
            &[(1, true)],
            JAN_1_2024,
            86_400,
        )
        .unwrap()
        .as_bytes()
        .to_vec();
    l.append(&anchor(&format!("{name}-0"))).unwrap();
    l.append_status_list(&list).unwrap();
    append(&mut l, name, 1, n);
    (l, list)
}

fn append(l: &mut FileLedger, name: &str, from: usize, to: usize) {
    let many: Vec<Vec<u8>> = (from..to).map(|i| anchor(&format!("{name}-{i}"))).collect();
    let refs: Vec<&[u8]> = many.iter().map(Vec::as_slice).collect();
    l.append_many(&refs).unwrap();
}

#[test]
fn sync_from_scratch_then_incrementally() {
    let (mut l, list) = ledger("scratch", 0x42, 600);
    let dir = tempdir("scratch-mirror");
    let mut m = Mirror::open(&dir, ORIGIN).unwrap();
    let site = Site::of(&l);
    let mut seen = Vec::new();
    let s = m
        .sync(&site, &vkey(0x42), |d, t| seen.push((d, t)))
        .unwrap();
    assert_eq!(
        (s.old_size, s.new_size, s.anchors, s.status_lists),
        (0, 601, 600, 1)
    );
    assert_eq!(seen.last(), Some(&(601, 601)));
    assert_eq!(site.bundles_read().len(), 3);
    let v = m.view(&vkey(0x42)).unwrap();
    assert_eq!(v.anchor_count(), 600);
    let id = Anchor::from_slice(&anchor("scratch-7")).unwrap().id();
    assert_eq!(v.anchor(&id).unwrap().index, 8);
    assert_eq!(v.status_lists(), &[(1, list)]);
    assert_eq!(v.origin(), ORIGIN);
    assert_eq!(v.checkpoint.tree_size, 601);
    assert!(v.anchor(&Hash::digest(b"never logged")).is_none());

    // 300 more: only the bundles from the old partial one are read
    append(&mut l, "scratch", 600, 900);
    let site = Site::of(&l);
    let s = m.sync(&site, &vkey(0x42), |_, _| {}).unwrap();
    assert_eq!((s.old_size, s.new_size, s.entries_read), (601, 901, 300));
    assert_eq!(
        site.bundles_read(),
        ["tile/entries/002", "tile/entries/003.p/133"]
    );
    // up to date: nothing read but the checkpoint
    let site = Site::of(&l);
    let s = m.sync(&site, &vkey(0x42), |_, _| {}).unwrap();
    assert_eq!(s.entries_read, 0);
    assert_eq!(*site.reads.borrow(), ["checkpoint"]);
    drop(m);
    // reopened: the same view
    let m = Mirror::open(&dir, ORIGIN).unwrap();
    assert_eq!(m.size(), 901);
    assert_eq!(m.view(&vkey(0x42)).unwrap().anchor_count(), 900);
    // another origin's mirror directory
    drop(m);
    assert_eq!(
        Mirror::open(&dir, "other.origin/x").unwrap_err().code(),
        "not_a_mirror"
    );
}

fn state_files(dir: &std::path::Path) -> Vec<(String, Vec<u8>)> {
    let mut v: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.file_name() != "LOCK")
        .map(|e| {
            (
                e.file_name().into_string().unwrap(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    v.sort();
    v
}

#[test]
fn rollback_fork_and_bad_tiles_are_refused_and_change_nothing() {
    let (mut l, _) = ledger("refuse", 0x42, 300);
    let old_site = Site::of(&l);
    append(&mut l, "refuse", 300, 400);
    let dir = tempdir("refuse-mirror");
    let mut m = Mirror::open(&dir, ORIGIN).unwrap();
    m.sync(&Site::of(&l), &vkey(0x42), |_, _| {}).unwrap();
    let before = state_files(&dir);
    let new_note = l.checkpoint().unwrap();

    // rollback: an older checkpoint of the same ledger
    let e = m.sync(&old_site, &vkey(0x42), |_, _| {}).unwrap_err();
    assert_eq!(e.code(), "rollback");
    match e {
        certanchor::ledger::mirror::MirrorError::Sync(
            certanchor::ledger::sync::SyncError::Rollback {
                old_note,
                new_note: shown,
                ..
            },
        ) => {
            assert_eq!(old_note, new_note);
            assert_eq!(shown.as_bytes(), old_site.files["checkpoint"].as_slice());
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(state_files(&dir), before);

    // a fork: the same key and origin, other entries; same size and larger
    let (mut other, _) = ledger("fork", 0x42, 400);
    let e = m
        .sync(&Site::of(&other), &vkey(0x42), |_, _| {})
        .unwrap_err();
    assert_eq!(e.code(), "fork", "{e}");
    append(&mut other, "fork", 400, 450);
    let e = m
        .sync(&Site::of(&other), &vkey(0x42), |_, _| {})
        .unwrap_err();
    assert_eq!(e.code(), "fork", "{e}");
    assert!(e.to_string().contains("at size 401"), "{e}");
    assert_eq!(state_files(&dir), before);

    // altered, cut, missing entry bundles of a genuine larger checkpoint
    append(&mut l, "refuse", 400, 700);
    let good = Site::of(&l);
    let bundle = "tile/entries/001".to_owned();
    for (what, code, change) in [
        ("one byte flipped", "tile_root_mismatch", 0usize),
        ("cut short", "bad_entry_bundle", 1),
        ("missing", "tile_unavailable", 2),
        ("an entry swapped for another", "tile_root_mismatch", 3),
    ] {
        let mut bad = Site::of(&l);
        let data = bad.files.get_mut(&bundle).unwrap();
        match change {
            0 => *data.last_mut().unwrap() ^= 1,
            1 => data.truncate(data.len() - 5),
            2 => {
                bad.files.remove(&bundle);
            }
            _ => {
                // entries 512 and 513 exchanged: same bytes, another order
                let entries: Vec<Vec<u8>> =
                    tiles::parse_entry_bundle(tiles::Tile::new(0, 2, 256).unwrap(), data)
                        .unwrap()
                        .into_iter()
                        .map(<[u8]>::to_vec)
                        .collect();
                let mut swapped = entries.clone();
                swapped.swap(200, 201);
                *data = tiles::entry_bundle(256, &swapped).unwrap();
            }
        }
        let e = m.sync(&bad, &vkey(0x42), |_, _| {}).unwrap_err();
        assert_eq!(e.code(), code, "{what}: {e}");
        assert_eq!(state_files(&dir), before, "{what}");
    }
    // another key, or a note of another origin
    let e = m.sync(&good, &vkey(0x43), |_, _| {}).unwrap_err();
    assert_eq!(e.code(), "unknown_signer", "{e}");
    assert_eq!(state_files(&dir), before);
    // and the genuine site still syncs afterwards
    let s = m.sync(&good, &vkey(0x42), |_, _| {}).unwrap();
    assert_eq!(s.new_size, 701);
}

#[test]
fn an_interrupted_sync_resumes_and_nothing_unproven_is_used() {
    let (l, _) = ledger("resume", 0x42, 2000);
    let dir = tempdir("resume-mirror");
    let mut m = Mirror::open(&dir, ORIGIN).unwrap();
    m.set_commit_every(2);
    let mut cut = Site::of(&l);
    cut.fail_after_bundles = Some(5);
    let e = m.sync(&cut, &vkey(0x42), |_, _| {}).unwrap_err();
    assert_eq!(e.code(), "tile_unavailable");
    // nothing verified yet, the progress up to bundle 4 kept as pending
    assert_eq!(m.size(), 0);
    assert_eq!(m.pending_size(), Some(1024));
    assert!(m.view(&vkey(0x42)).is_err());
    // an altered bundle after the pending point drops the pending progress
    let mut bad = Site::of(&l);
    *bad.files
        .get_mut("tile/entries/005")
        .unwrap()
        .last_mut()
        .unwrap() ^= 1;
    let e = m.sync(&bad, &vkey(0x42), |_, _| {}).unwrap_err();
    assert_eq!(e.code(), "tile_root_mismatch");
    assert_eq!(m.pending_size(), None);
    drop(m);

    // killed mid-sync: progress recorded as pending, torn bytes after it
    let mut m = Mirror::open(&dir, ORIGIN).unwrap();
    m.set_commit_every(2);
    let mut cut = Site::of(&l);
    cut.fail_after_bundles = Some(5);
    // simulate a kill: a handler that stops the process is a panic here
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        m.sync(&cut, &vkey(0x42), |done, _| {
            assert!(done < 1024, "killed");
        })
    }));
    assert!(r.is_err());
    std::mem::forget(m); // no destructor ran in a killed process either
    let mut anchors = std::fs::OpenOptions::new()
        .append(true)
        .open(dir.join("anchors.log"))
        .unwrap();
    std::io::Write::write_all(&mut anchors, &[0xee; 30]).unwrap();
    drop(anchors);
    std::fs::remove_file(dir.join("LOCK")).ok();
    let mut m = Mirror::open(&dir, ORIGIN).unwrap();
    assert_eq!(m.size(), 0);
    // progress was recorded after bundle 2 (the kill came in bundle 4's)
    assert_eq!(m.pending_size(), Some(512));
    let site = Site::of(&l);
    let s = m.sync(&site, &vkey(0x42), |_, _| {}).unwrap();
    assert!(s.resumed);
    assert_eq!(s.new_size, 2001);
    // only the bundles after the pending point were read
    assert_eq!(site.bundles_read().len(), 6);
    let v = m.view(&vkey(0x42)).unwrap();
    assert_eq!(v.anchor_count(), 2000);
    for i in [0usize, 1022, 1023, 1999] {
        let id = Anchor::from_slice(&anchor(&format!("resume-{i}")))
            .unwrap()
            .id();
        let want = if i == 0 { 0 } else { i as u64 + 1 };
        assert_eq!(v.anchor(&id).unwrap().index, want, "anchor {i}");
    }
}

/// Unix time the ledger of `verifying_with_a_view…` signs at.
const LOGGED: u64 = JAN_1_2024 + 86_400 + 100;

fn logged_clock() -> u64 {
    LOGGED
}

#[test]
fn verifying_with_a_view_checks_freshness_and_back_dating() {
    use certanchor::ledger::sync::LedgerView;
    use certanchor::{CheckCode, Outcome, TrustStore, Verdict, Verifier};
    let auths = sample::demo_authorities();
    let issuer = Issuer::new(auths[1].key.clone(), auths[1].id);
    let issued = JAN_1_2024 + 86_400;
    let mut batch = issuer
        .issue(
            "view",
            &(0..4).map(sample::business_license).collect::<Vec<_>>(),
            &IssueOptions::at(issued),
        )
        .unwrap();
    batch.endorse(&auths[2].key, issued).unwrap();
    let mut l = FileLedger::create(tempdir("view"), ORIGIN, key(0x42)).unwrap();
    l.set_clock(logged_clock);
    l.append(batch.anchor().as_bytes()).unwrap();
    let view = LedgerView::from_source(&Site::of(&l), &vkey(0x42)).unwrap();
    assert_eq!(view.time, Some(LOGGED));
    assert_eq!(
        view.anchor(&batch.anchor().id()).unwrap().ledger_time,
        Some(LOGGED)
    );
    // a bundle without any receipt
    let bundle = batch.bundle(2, Some(&["name"])).unwrap().to_vec();
    let doc = || {
        let mut d = sample::demo_trust_doc(Some((ORIGIN, &key(0x42).public_key())));
        d.ledgers[0].max_age = Some(3600);
        d
    };
    let verifier = |d| {
        let mut v = Verifier::new(TrustStore::from_doc(d).unwrap());
        v.use_ledger(view.clone(), LOGGED + 10).unwrap();
        v
    };
    let v = verifier(doc());
    let r = v.verify(&bundle, LOGGED + 10);
    assert_eq!(r.verdict, Verdict::Valid, "{r}");
    let c = r.check(CheckCode::Ledger).unwrap();
    assert_eq!(c.outcome, Outcome::Passed);
    assert!(c.reason.contains("logged by"), "{}", c.reason);
    // two hours later the checkpoint is older than max_age: never valid
    let r = v.verify(&bundle, LOGGED + 7200);
    assert_eq!(r.verdict, Verdict::Indeterminate, "{r}");
    assert_eq!(r.check(CheckCode::Ledger).unwrap().code, "ledger_not_fresh");
    // a checkpoint dated after `now` (beyond the skew) is not fresh either
    let r = v.verify(&bundle, LOGGED - 3600);
    assert_eq!(r.check(CheckCode::Ledger).unwrap().code, "ledger_not_fresh");
    // the issuer's key revoked after the anchor's own date but before it
    // was logged: a back-dated signature
    let mut d = doc();
    let issuer_entry = d.issuers.iter_mut().find(|i| i.id == auths[1].id).unwrap();
    issuer_entry.keys[0].revoked_at = Some(certanchor::time::format(LOGGED - 50));
    let r = verifier(d).verify(&bundle, LOGGED + 10);
    assert_eq!(r.verdict, Verdict::Invalid, "{r}");
    let c = r.check(CheckCode::Ledger).unwrap();
    assert_eq!(
        (c.outcome, c.code.as_str()),
        (Outcome::Failed, "key_not_valid")
    );
    assert!(c.reason.contains("back-dated"), "{}", c.reason);
    // revoked after it was logged: the anchor stands
    let mut d = doc();
    let issuer_entry = d.issuers.iter_mut().find(|i| i.id == auths[1].id).unwrap();
    issuer_entry.keys[0].revoked_at = Some(certanchor::time::format(LOGGED + 5));
    let r = verifier(d).verify(&bundle, LOGGED + 10);
    assert_eq!(
        r.check(CheckCode::Ledger).unwrap().outcome,
        Outcome::Passed,
        "{r}"
    );
    // a view of a ledger the trust store does not trust
    let mut untrusted = Verifier::new(TrustStore::from_doc(sample::demo_trust_doc(None)).unwrap());
    assert_eq!(
        untrusted.use_ledger(view, LOGGED).unwrap_err().code(),
        "untrusted_ledger"
    );
}

#[test]
fn the_ledger_is_picked_by_origin_and_a_rollback_leaves_evidence() {
    use certanchor::ledger::mirror::pick_ledger;
    let other = NoteVerifier::new("ledger.other.test/x", key(0x43).public_key()).unwrap();
    let one = [vkey(0x44)];
    let two = [vkey(0x44), other.clone()];
    assert_eq!(pick_ledger(&one, None).unwrap().name, ORIGIN);
    assert_eq!(
        pick_ledger(&two, Some("ledger.other.test/x")).unwrap(),
        &other
    );
    assert_eq!(
        pick_ledger(&two, None).unwrap_err().code(),
        "ambiguous_ledger"
    );
    assert_eq!(
        pick_ledger(&one, Some("nope")).unwrap_err().code(),
        "unknown_ledger"
    );
    assert_eq!(pick_ledger(&[], None).unwrap_err().code(), "unknown_ledger");

    let (mut l, _) = ledger("evidence", 0x44, 3);
    let old_site = Site::of(&l);
    append(&mut l, "evidence", 3, 5);
    let dir = tempdir("evidence-mirror");
    assert_eq!(Mirror::origin_of(&dir).unwrap_err().code(), "not_a_mirror");
    let mut m = Mirror::open(&dir, ORIGIN).unwrap();
    assert_eq!((m.origin(), m.dir()), (ORIGIN, dir.as_path()));
    m.sync(&Site::of(&l), &vkey(0x44), |_, _| {}).unwrap();
    assert_eq!(Mirror::origin_of(&dir).unwrap(), ORIGIN);
    let e = m.sync(&old_site, &vkey(0x44), |_, _| {}).unwrap_err();
    assert_eq!(e.code(), "rollback");
    let path = m.keep_evidence(&e).unwrap();
    assert_eq!(path.parent().unwrap(), dir.join("evidence"));
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains(&l.checkpoint().unwrap()), "{text}");
    assert!(text.contains(std::str::from_utf8(&old_site.files["checkpoint"]).unwrap()));
    // only a rollback or a fork is evidence
    let not = certanchor::ledger::mirror::MirrorError::Locked { path: "x".into() };
    assert_eq!(m.keep_evidence(&not), None);
}

/// One verifier with a mirror, asked at several times: the view's
/// checkpoint and its witnesses' cosignatures are verified once
/// (`use_ledger`), and whether each cosignature counts is decided at each
/// `now`, in any order.
#[test]
fn a_views_witnesses_count_at_each_verification_time() {
    use certanchor::ledger::sync::LedgerView;
    use certanchor::note::{self, Checkpoint, CosignatureSigner};
    use certanchor::trust::WitnessEntry;
    use certanchor::{CheckCode, TrustStore, Verdict, Verifier};
    let auths = sample::demo_authorities();
    let issued = JAN_1_2024 + 86_400;
    let mut batch = Issuer::new(auths[1].key.clone(), auths[1].id)
        .issue(
            "witnessed",
            &(0..4).map(sample::business_license).collect::<Vec<_>>(),
            &IssueOptions::at(issued),
        )
        .unwrap();
    batch.endorse(&auths[2].key, issued).unwrap();
    let mut l = FileLedger::create(tempdir("witnessed"), ORIGIN, key(0x42)).unwrap();
    l.set_clock(logged_clock);
    l.append(batch.anchor().as_bytes()).unwrap();
    let view = LedgerView::from_source(&Site::of(&l), &vkey(0x42)).unwrap();
    let bundle = batch.bundle(1, Some(&["name"])).unwrap().to_vec();
    let witness = CosignatureSigner::new("witness.mirror.test/w1", key(0x77)).unwrap();
    let mut doc = sample::demo_trust_doc(Some((ORIGIN, &key(0x42).public_key())));
    doc.ledgers[0].witnesses = vec![WitnessEntry {
        name: "witness.mirror.test/w1".into(),
        public_key: key(0x77).public_key().to_base64(),
    }];
    doc.ledgers[0].quorum = Some(1);
    let store = TrustStore::from_doc(doc).unwrap();
    let with_view = |note: String| {
        let mut v = view.clone();
        v.note = note;
        let mut verifier = Verifier::new(store.clone());
        verifier.use_ledger(v, LOGGED).unwrap();
        verifier
    };
    let at = |v: &Verifier, now: u64| {
        let r = v.verify(&bundle, now);
        let c = r.check(CheckCode::Ledger).unwrap();
        (r.verdict, c.code.as_str(), c.reason.clone())
    };
    // the witness cosigned 1,000 s after the ledger signed: its line counts
    // from 300 s before that time (the clock skew allowed), not earlier
    let cosigned = LOGGED + 1_000;
    let v = with_view(note::add_cosignature(&view.note, &witness, cosigned).unwrap());
    for _ in 0..2 {
        for (now, verdict, code) in [
            (cosigned + 600, Verdict::Valid, "ok"),
            (cosigned - 301, Verdict::Indeterminate, "ledger_not_fresh"),
            (cosigned - 300, Verdict::Valid, "ok"),
            (cosigned - 900, Verdict::Indeterminate, "ledger_not_fresh"),
        ] {
            let (got, c, reason) = at(&v, now);
            assert_eq!((got, c), (verdict, code), "at {now}: {reason}");
        }
    }
    assert!(at(&v, cosigned - 301).2.contains("witness"));
    // no cosignature: never fresh
    let bare = with_view(view.note.clone());
    assert_eq!(at(&bare, cosigned).1, "ledger_not_fresh");
    // a line in the witness's name and key id that does not verify (its
    // cosignature of another checkpoint) rejects the note at every time
    let other = note::sign_checkpoint(
        &Checkpoint {
            origin: ORIGIN.into(),
            tree_size: 9,
            root: Hash::digest(b"other"),
            extensions: vec![],
        },
        &key(0x42),
    )
    .unwrap();
    let line = witness.cosign_note(&other, cosigned).unwrap();
    let forged = with_view(note::merge_signatures(&view.note, &line).unwrap());
    for now in [cosigned - 301, cosigned, cosigned + 600] {
        let (got, c, reason) = at(&forged, now);
        assert_eq!(
            (got, c),
            (Verdict::Indeterminate, "ledger_not_fresh"),
            "{reason}"
        );
        assert!(reason.contains("signature"), "{reason}");
    }
}

/// A mirror whose status-list log lost bytes is refused, never read as a
/// mirror without those lists (a dropped list would hide a revocation).
#[test]
fn a_cut_status_list_log_is_refused_not_read_short() {
    let (l, _) = ledger("cut-lists", 0x42, 3);
    let dir = tempdir("cut-lists-mirror");
    let mut m = Mirror::open(&dir, ORIGIN).unwrap();
    m.sync(&Site::of(&l), &vkey(0x42), |_, _| {}).unwrap();
    assert_eq!(m.view(&vkey(0x42)).unwrap().status_lists().len(), 1);
    drop(m);
    let lists = dir.join("lists.log");
    let len = std::fs::metadata(&lists).unwrap().len();
    let f = std::fs::OpenOptions::new()
        .write(true)
        .open(&lists)
        .unwrap();
    f.set_len(len - 3).unwrap();
    let e = Mirror::read_view(&dir, &vkey(0x42)).unwrap_err();
    assert_eq!(e.code(), "not_a_mirror", "{e}");
}
