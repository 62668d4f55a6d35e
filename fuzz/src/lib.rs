//! Fixed fixtures shared by the fuzz targets and the seed-corpus generator:
//! the demo trust store (plus a trusted ledger), one endorsed batch with a
//! revocation list, a ledger template with three anchors.
//!
//! The body of every fuzz target lives here too (`fuzz_targets/*.rs` are
//! one-liners), so `core/tests/fuzz_crashers.rs` replays crash files through
//! exactly the code that found them ([`run`]).
//!
//! Everything is deterministic (demo keys are fixed seeds), so a crash input
//! replays the same way in `core/tests/fuzz_crashers.rs`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use certanchor::Document;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

use certanchor::cbor::{check_strict, decode_value};
use certanchor::keys::SigningKey;
use certanchor::ledger::{FileLedger, Ledger};
use certanchor::note::NoteVerifier;
use certanchor::note::{Checkpoint, open_note, parse_note, verify_checkpoint};
use certanchor::sample::{self, JAN_1_2024, demo_authorities, demo_trust_doc};
use certanchor::status::StatusPurpose;
use certanchor::status::{StatusList, StatusListBody};
use certanchor::{
    Anchor, AnchorBody, Bundle, CertificateHeader, IssueOptions, IssuedBatch, Issuer, TrustStore,
    Verdict, Verifier,
};

/// When the fixture batch is issued.
pub const ISSUED: u64 = JAN_1_2024 + 86_400 * 150;
/// The "now" every target verifies at (an hour after issuance).
pub const NOW: u64 = ISSUED + 3600;
/// Origin of the fixture ledger.
pub const LEDGER_ORIGIN: &str = "ledger.example.gov.cn/certanchor";

/// The ledger's signing key.
#[must_use]
pub fn ledger_key() -> SigningKey {
    SigningKey::from_seed(&[0x31; 32])
}

fn authority(id: &str) -> SigningKey {
    demo_authorities()
        .into_iter()
        .find(|a| a.id == id)
        .expect("demo authority")
        .key
}

/// The trust store every target uses: the demo store plus the fixture ledger.
pub fn trust_store() -> &'static TrustStore {
    static T: OnceLock<TrustStore> = OnceLock::new();
    T.get_or_init(|| {
        let pk = ledger_key().public_key();
        TrustStore::from_doc(demo_trust_doc(Some((LEDGER_ORIGIN, &pk)))).expect("trust store")
    })
}

/// A fresh verifier (no status lists or anchors remembered), so each input
/// is judged on its own.
#[must_use]
pub fn verifier() -> Verifier {
    Verifier::new(trust_store().clone())
}

/// The ledger verifier for checkpoint targets.
pub fn ledger_verifiers() -> &'static [NoteVerifier] {
    static V: OnceLock<Vec<NoteVerifier>> = OnceLock::new();
    V.get_or_init(|| {
        vec![NoteVerifier::new(LEDGER_ORIGIN, ledger_key().public_key()).expect("verifier")]
    })
}

/// Four business licenses issued by the market regulator, endorsed by the
/// tax bureau, with a revocation list revoking leaf 2.
pub fn batch() -> &'static IssuedBatch {
    static B: OnceLock<IssuedBatch> = OnceLock::new();
    B.get_or_init(|| {
        let issuer = Issuer::new(authority("cn.beijing.scjgj"), "cn.beijing.scjgj");
        let certs: Vec<_> = (0..4).map(sample::business_license).collect();
        let mut b = issuer
            .issue(
                "fuzz-001",
                &certs,
                &IssueOptions {
                    issued_at: ISSUED,
                    decoys: 2,
                },
            )
            .expect("issue");
        b.endorse(&authority("cn.beijing.tax"), b.anchor().body().issued_at)
            .expect("endorse");
        issuer
            .update_status(
                &mut b,
                StatusPurpose::Revocation,
                &[(2, true)],
                ISSUED,
                86_400,
            )
            .expect("status");
        b
    })
}

/// A valid bundle of leaf 1 disclosing two fields, with its status list.
pub fn bundle() -> &'static Bundle {
    static B: OnceLock<Bundle> = OnceLock::new();
    B.get_or_init(|| batch().bundle(1, Some(&["name", "uscc"])).expect("bundle"))
}

/// The clock of the fixture ledgers: 2024-01-01T00:00:00Z, always.
pub fn fixture_clock() -> u64 {
    JAN_1_2024
}

/// Files of a ledger holding three anchors: (file name, bytes), including
/// `ledger.json`, the segment and the checkpoint log.
pub fn ledger_template() -> &'static [(String, Vec<u8>)] {
    static L: OnceLock<Vec<(String, Vec<u8>)>> = OnceLock::new();
    L.get_or_init(|| {
        let dir = scratch_dir("template");
        {
            let mut l = FileLedger::create(&dir, LEDGER_ORIGIN, ledger_key()).expect("create");
            // a fixed time in the checkpoints' timestamp lines: the template
            // is the same bytes on every run
            l.set_clock(fixture_clock);
            for a in ledger_anchors() {
                l.append(a).expect("append");
            }
        }
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .expect("list")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .filter(|n| n != "LOCK")
            .map(|n| {
                let bytes = std::fs::read(dir.join(&n)).expect("read");
                (n, bytes)
            })
            .collect();
        files.sort();
        let _ = std::fs::remove_dir_all(&dir);
        files
    })
}

/// A snapshot (SPEC §9.9) of a ledger with the three anchors and a status
/// list: checkpoint, tiles and entry bundles.
pub fn ledger_snapshot() -> &'static [u8] {
    static S: OnceLock<Vec<u8>> = OnceLock::new();
    S.get_or_init(|| {
        use certanchor::ledger::{snapshot, tiles};
        let dir = scratch_dir("snapshot");
        let mut l = FileLedger::create(&dir, LEDGER_ORIGIN, ledger_key()).expect("create");
        l.set_clock(fixture_clock);
        for a in ledger_anchors() {
            l.append(a).expect("append");
        }
        l.append_status_list(batch().status_lists()[0].as_bytes())
            .expect("list");
        let size = l.size();
        let mut files = vec![(
            "checkpoint".to_owned(),
            l.checkpoint().expect("cp").into_bytes(),
        )];
        for t in tiles::tiles_for_size(size) {
            files.push((t.path(), tiles::tile_data(l.tree(), t).expect("tile")));
            if t.level() == 0 {
                let start = t.index() * 256;
                let e = l
                    .leaf_data(start, start + u64::from(t.width()))
                    .expect("entries");
                files.push((
                    t.entries_path(),
                    tiles::entry_bundle(start, &e).expect("bundle"),
                ));
            }
        }
        drop(l);
        let _ = std::fs::remove_dir_all(&dir);
        snapshot::write(files.iter().map(|(p, d)| (p.as_str(), d.as_slice()))).expect("snapshot")
    })
}

/// Three distinct signed anchors (three one-certificate batches).
pub fn ledger_anchors() -> &'static [Vec<u8>] {
    static A: OnceLock<Vec<Vec<u8>>> = OnceLock::new();
    A.get_or_init(|| {
        let issuer = Issuer::new(authority("cn.beijing.scjgj"), "cn.beijing.scjgj");
        (0..3u64)
            .map(|i| {
                issuer
                    .issue(
                        &format!("ledger-{i}"),
                        &[sample::business_license(10 + i)],
                        &IssueOptions {
                            issued_at: ISSUED + i,
                            decoys: 0,
                        },
                    )
                    .expect("issue")
                    .anchor()
                    .as_bytes()
                    .to_vec()
            })
            .collect()
    })
}

/// A fresh, unique, empty-to-be directory on tmpfs when there is one.
#[must_use]
pub fn scratch_dir(tag: &str) -> PathBuf {
    static N: AtomicU64 = AtomicU64::new(0);
    let base = if Path::new("/dev/shm").is_dir() {
        PathBuf::from("/dev/shm")
    } else {
        std::env::temp_dir()
    };
    base.join(format!(
        "certanchor-fuzz-{tag}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ))
}

/// The segment file name of the template ledger.
pub const SEGMENT: &str = "segment-00000000.log";
/// The checkpoint log of the template ledger.
pub const CHECKPOINTS: &str = "checkpoints.log";

/// Ledger-recovery input: byte 0 selects what the rest replaces —
/// bit 0: the checkpoint log (1) or the segment (0); bit 1: also write the
/// rest as a second segment; bit 2: keep the file's magic and append the rest
/// after the template's records instead of replacing the file.
/// Opens the ledger: `Ok` or a typed `Err`; on `Ok`, appends one more anchor
/// and reopens. Never panics (that is the property fuzzed).
pub fn ledger_recovery(data: &[u8]) {
    let Some((&sel, rest)) = data.split_first() else {
        return;
    };
    let dir = scratch_dir("recovery");
    std::fs::create_dir_all(&dir).expect("mkdir");
    let target = if sel & 1 == 1 { CHECKPOINTS } else { SEGMENT };
    for (name, bytes) in ledger_template() {
        let content = if name == target {
            if sel & 4 == 4 {
                let mut c = bytes.clone();
                c.extend_from_slice(rest);
                c
            } else {
                rest.to_vec()
            }
        } else {
            bytes.clone()
        };
        std::fs::write(dir.join(name), content).expect("write");
    }
    if sel & 2 == 2 {
        std::fs::write(dir.join("segment-00000001.log"), rest).expect("write");
    }
    if let Ok(mut l) = FileLedger::open(&dir, ledger_key()) {
        let size = l.size();
        if let Ok(cp) = l.checkpoint() {
            assert!(
                certanchor::note::verify_checkpoint(&cp, ledger_verifiers()).is_ok(),
                "recovered ledger's checkpoint does not verify"
            );
        }
        if size > 0 {
            let _ = l.consistency_proof(1, size);
            let _ = l.get(size - 1);
        }
        let appended = l.append(fresh_anchor()).is_ok();
        drop(l);
        if appended {
            let l = FileLedger::open(&dir, ledger_key());
            assert!(l.is_ok(), "reopen after append failed: {l:?}");
            let l = l.unwrap();
            assert_eq!(l.size(), size + 1, "append lost on reopen");
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

fn fresh_anchor() -> &'static [u8] {
    static A: OnceLock<Vec<u8>> = OnceLock::new();
    A.get_or_init(|| batch().anchor().as_bytes().to_vec())
}

/// Every fuzz target, by name.
pub const TARGETS: [&str; 13] = [
    "cbor_value",
    "bundle_binary",
    "bundle_text",
    "anchor",
    "status_list",
    "trust_store_json",
    "checkpoint_note",
    "header",
    "batch_record",
    "ledger_recovery",
    "verify_bytes",
    "certificate_input",
    "ledger_tiles",
];

/// Runs target `name` on `data` (panics where the fuzz target would crash).
/// Returns `false` for an unknown target name.
pub fn run(name: &str, data: &[u8]) -> bool {
    match name {
        "cbor_value" => cbor_value(data),
        "bundle_binary" => bundle_binary(data),
        "bundle_text" => bundle_text(data),
        "anchor" => anchor(data),
        "status_list" => status_list(data),
        "trust_store_json" => trust_store_json(data),
        "checkpoint_note" => checkpoint_note(data),
        "header" => header(data),
        "batch_record" => batch_record(data),
        "ledger_recovery" => ledger_recovery(data),
        "verify_bytes" => verify_bytes(data),
        "certificate_input" => certificate_input(data),
        "ledger_tiles" => ledger_tiles(data),
        _ => return false,
    }
    true
}

const MAX: usize = 64 * 1024;

/// Strict deterministic CBOR: any accepted item re-encodes byte-identically;
/// `check_strict` (used before COSE parsing) agrees it is one strict item.
pub fn cbor_value(data: &[u8]) {
    let decoded = decode_value(data, MAX);
    let strict = check_strict(data, MAX, "fuzz", &[]);
    let _ = check_strict(data, MAX, "fuzz", &[18, 98]);
    if let Ok(v) = decoded {
        assert_eq!(v.to_vec(), data, "decode -> encode changed the bytes");
        assert_eq!(decode_value(&v.to_vec(), MAX).as_ref(), Ok(&v));
        assert!(
            strict.is_ok(),
            "decode_value accepted, check_strict refused: {strict:?}"
        );
        let _ = v.to_json();
    }
}

/// Bundle binary form: accepted input re-encodes byte-identically.
pub fn bundle_binary(data: &[u8]) {
    if let Ok(b) = Bundle::from_slice(data) {
        assert_eq!(b.to_vec(), data, "decode -> encode changed the bytes");
        assert_eq!(Bundle::from_slice(&b.to_vec()).as_ref(), Ok(&b));
        let _ = b.decoded_header();
        let _ = b.to_json();
    }
}

/// `CA1:` text form (base45 + zlib, inflation capped): never panics; an
/// accepted text decodes to a bundle that survives text -> bundle again.
/// The base45 decoder on its own: text it accepts is exactly what encoding
/// its bytes gives (strict: one text per byte string).
pub fn bundle_text(data: &[u8]) {
    let _ = Bundle::decode_any(data);
    if let Ok(s) = std::str::from_utf8(data)
        && let Ok(bytes) = certanchor::base45::decode(s.strip_prefix("CA1:").unwrap_or(s))
    {
        assert_eq!(
            certanchor::base45::encode(&bytes),
            s.strip_prefix("CA1:").unwrap_or(s)
        );
    }
    if let Ok(s) = std::str::from_utf8(data)
        && let Ok(b) = Bundle::from_text(s)
    {
        assert_eq!(Bundle::from_text(&b.to_text()).as_ref(), Ok(&b));
        assert_eq!(Bundle::decode_any(&b.to_vec()).as_ref(), Ok(&b));
    }
}

/// Anchors (COSE_Sign, tag 98): decode, body round trip, and verification of
/// the fixture bundle with its anchor replaced by the input.
pub fn anchor(data: &[u8]) {
    if let Ok(a) = Anchor::from_slice(data) {
        assert_eq!(a.as_bytes(), data);
        let body = a.body().to_vec();
        assert_eq!(AnchorBody::from_slice(&body).as_ref(), Ok(a.body()));
        let _ = a.id();
        for i in 0..a.signer_key_ids().len() + 1 {
            let _ = a.verify_signature(i, &trust_store().issuers()[0].keys[0].key);
        }
    }
    if let Ok(b) = AnchorBody::from_slice(data) {
        assert_eq!(b.to_vec(), data, "anchor body re-encodes differently");
    }
    let mut b = bundle().clone();
    b.anchor = data.to_vec();
    let r = verifier().verify_bundle(&b, NOW);
    assert_eq!(r.checks.len(), 10);
    if data != bundle().anchor.as_slice() {
        // A different anchor can only be valid if it is a genuine anchor of
        // the same tree (e.g. re-endorsed); it must at least decode.
        if r.verdict == Verdict::Valid {
            let a = Anchor::from_slice(data).unwrap();
            assert_eq!(
                a.body(),
                Anchor::from_slice(&bundle().anchor).unwrap().body()
            );
        }
    }
}

/// Status lists (COSE_Sign1, tag 18, zlib bits capped): decode, body round
/// trip (decode(encode(x)) == x), handing it to a verifier out of band, and
/// verifying the fixture bundle with the input as its status list.
pub fn status_list(data: &[u8]) {
    if let Ok(l) = StatusList::from_slice(data) {
        let body = l.body();
        assert_eq!(
            StatusListBody::from_slice(&body.to_vec()).as_ref(),
            Ok(body)
        );
        let _ = body.get(0);
        let _ = body.get(u64::MAX);
        let _ = l.signer_key_id();
    }
    if let Ok(body) = StatusListBody::from_slice(data) {
        assert_eq!(
            StatusListBody::from_slice(&body.to_vec()).as_ref(),
            Ok(&body)
        );
    }
    let v = verifier();
    let _ = v.add_status_list(data, NOW);
    let mut b = bundle().clone();
    b.status = vec![data.to_vec()];
    let r = v.verify_bundle(&b, NOW);
    assert_eq!(r.checks.len(), 10);
}

/// Trust store JSON: Ok or a typed error; an accepted store re-serializes to
/// JSON that is accepted again and means the same.
pub fn trust_store_json(data: &[u8]) {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    match TrustStore::from_json(s) {
        Ok(t) => {
            let again = TrustStore::from_json(&t.to_json());
            assert!(again.is_ok(), "to_json output refused: {again:?}");
            assert_eq!(again.unwrap().doc(), t.doc());
        }
        Err(e) => {
            let _ = e.code();
        }
    }
}

/// C2SP signed notes and tlog checkpoints: parse, open with the fixture
/// ledger's verifier, verify as a checkpoint; checkpoint text round trip.
pub fn checkpoint_note(data: &[u8]) {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    let _ = parse_note(s);
    let _ = open_note(s, ledger_verifiers());
    if let Ok(cp) = verify_checkpoint(s, ledger_verifiers()) {
        assert_eq!(Checkpoint::from_text(&cp.to_text()).as_ref(), Ok(&cp));
    }
    if let Ok(cp) = Checkpoint::from_text(s) {
        assert_eq!(cp.to_text(), s, "checkpoint text re-encodes differently");
    }
    // Timestamped cosignatures (SPEC §9.7): the ledger's own time line and a
    // witness's lines, merged notes, and the witness's request parser.
    let Some(ledger) = ledger_verifiers().first() else {
        return;
    };
    if let Ok(t) = certanchor::note::verify_checkpoint_time(s, ledger) {
        assert!(
            t.time
                .is_none_or(|x| x <= certanchor::note::MAX_COSIGNATURE_TIME)
        );
    }
    let time_key = certanchor::note::ledger_time_key(ledger);
    let _ = certanchor::note::verify_cosignatures(s, std::slice::from_ref(&time_key));
    if let Ok(lines) = certanchor::note::parse_signature_lines(s) {
        assert!(!lines.is_empty());
    }
    if let Ok(p) = parse_note(s) {
        let own: String = p.signatures.iter().map(|x| x.to_line()).collect();
        let merged =
            certanchor::note::merge_signatures(s, &own).expect("a note merges its own lines");
        assert!(parse_note(&merged).is_ok(), "a merged note does not parse");
    }
    if let Ok(req) = certanchor::witness::AddCheckpointRequest::from_body(data) {
        assert_eq!(
            req.to_body().as_bytes(),
            data,
            "request re-encodes differently"
        );
    }
}

/// Certificate header (the Merkle leaf data): strict decode, byte-identical
/// re-encoding.
pub fn header(data: &[u8]) {
    if let Ok(h) = CertificateHeader::from_slice(data) {
        assert_eq!(h.to_vec(), data, "decode -> encode changed the bytes");
    }
}

/// Issued-batch record (the issuer's private store): strict decode,
/// byte-identical re-encoding, and every bundle of it can be derived.
pub fn batch_record(data: &[u8]) {
    if let Ok(b) = IssuedBatch::from_slice(data) {
        assert_eq!(b.to_vec(), data, "decode -> encode changed the bytes");
        for i in 0..b.len().min(8) {
            let _ = b.bundle(i, None);
        }
        let _ = b.bundle(b.len(), None);
    }
}

/// `Verifier::verify` on arbitrary bytes (binary or `CA1:` text): a report
/// with all ten checks, never a panic.
pub fn verify_bytes(data: &[u8]) {
    let r = verifier().verify(data, NOW);
    assert_eq!(r.checks.len(), 10);
    if r.verdict == Verdict::Valid {
        assert!(
            r.checks
                .iter()
                .all(|c| c.outcome != certanchor::Outcome::Failed)
        );
    }
    let _ = r.to_json();
    // a bulk call's verdicts do not depend on the order of its inputs
    let fixture = bundle().to_vec();
    let forward = verifier().verify_map(&[data, &fixture[..]], NOW, |r| r.verdict);
    let backward = verifier().verify_map(&[&fixture[..], data], NOW, |r| r.verdict);
    assert_eq!(
        forward,
        [backward[1], backward[0]],
        "verdicts depend on order"
    );
}

/// Certificate input (JSONL or CSV, chosen by the first byte): every row is
/// read or reported; accepted rows carry increasing line numbers, survive a
/// JSONL write → read round trip unchanged, and issuing them gives a batch or
/// a typed error.
pub fn certificate_input(data: &[u8]) {
    use certanchor::input::{InputFormat, read_certificates};
    let Some((&selector, text)) = data.split_first() else {
        return;
    };
    let (format, kind) = match selector % 4 {
        0 => (InputFormat::Jsonl, "business_license"),
        1 => (InputFormat::Csv, "business_license"),
        2 => (InputFormat::Jsonl, "real_estate_title"),
        _ => (InputFormat::Csv, "real_estate_title"),
    };
    let registry = certanchor::schema::SchemaRegistry::builtin();
    let rows = match read_certificates(text, format, kind, registry.get(kind)) {
        Ok(rows) => rows,
        Err(problems) => {
            assert!(!problems.is_empty(), "an error without a problem");
            for p in &problems {
                let _ = p.to_string();
            }
            return;
        }
    };
    assert!(
        rows.windows(2).all(|w| w[0].line < w[1].line),
        "line numbers not increasing"
    );
    // JSONL round trip (input values never hold bytes, so to_json is exact).
    let mut jsonl = String::new();
    for r in &rows {
        let c = &r.certificate;
        let line = serde_json::json!({
            "id": c.id,
            "valid_from": c.valid_from,
            "valid_until": c.valid_until,
            "fields": c.fields.iter().map(|(k, v)| (k.clone(), v.to_json())).collect::<serde_json::Map<_, _>>(),
        });
        jsonl.push_str(&line.to_string());
        jsonl.push('\n');
    }
    let again = read_certificates(jsonl.as_bytes(), InputFormat::Jsonl, kind, None)
        .expect("our own JSONL refused");
    let before: Vec<_> = rows.iter().map(|r| &r.certificate).collect();
    let after: Vec<_> = again.iter().map(|r| &r.certificate).collect();
    assert_eq!(before, after, "JSONL round trip changed a certificate");
    if rows.is_empty() || rows.len() > 64 {
        return;
    }
    let issuer_id = if kind == "business_license" {
        "cn.beijing.scjgj"
    } else {
        "cn.beijing.ghzrzyw"
    };
    let issuer = Issuer::new(authority(issuer_id), issuer_id);
    let certs: Vec<_> = rows.into_iter().map(|r| r.certificate).collect();
    match issuer.issue(
        "fuzz-input",
        &certs,
        &IssueOptions {
            issued_at: ISSUED,
            decoys: 1,
        },
    ) {
        Ok(b) => {
            let bundle = b.bundle(0, None).expect("bundle of an issued batch");
            let report = verifier().verify(&bundle.to_vec(), NOW);
            let _ = report.verdict;
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
}

/// Ledger entries, entry bundles, tile paths and snapshots (SPEC §9.1,
/// §9.6, §9.9): no panic; an accepted tile path or entry bundle re-encodes
/// byte for byte; a snapshot that parses is followed into a view whose
/// checkpoint verified with the fixture ledger's key and whose entries
/// gave its root.
pub fn ledger_tiles(data: &[u8]) {
    use certanchor::ledger::Entry;
    use certanchor::ledger::snapshot::Snapshot;
    use certanchor::ledger::sync::LedgerView;
    use certanchor::ledger::tiles::{self, Tile};
    if let Ok(e) = Entry::decode(data) {
        assert!(data.len() <= 65_535);
        let _ = e.key();
    }
    if let Ok(text) = std::str::from_utf8(data)
        && let Ok((tile, entries)) = Tile::parse_path(text)
    {
        let again = if entries {
            tile.entries_path()
        } else {
            tile.path()
        };
        assert_eq!(again, text, "tile path does not round-trip");
    }
    if let Some((&w, rest)) = data.split_first() {
        let width = if w == 0 { 256 } else { u16::from(w) };
        if let Ok(tile) = Tile::new(0, 7, width)
            && let Ok(entries) = tiles::parse_entry_bundle(tile, rest)
        {
            assert_eq!(entries.len(), usize::from(width));
            let again = tiles::entry_bundle(7 * 256, &entries).expect("re-encode");
            assert_eq!(again, rest, "entry bundle does not round-trip");
        }
    }
    if let Ok(snap) = Snapshot::parse(data.to_vec())
        && let Ok(view) = LedgerView::from_source(&snap, &ledger_verifiers()[0])
    {
        assert!(view.anchor_count() as u64 <= view.checkpoint.tree_size);
        verify_checkpoint(&view.note, ledger_verifiers()).expect("the view's checkpoint verifies");
    }
}
