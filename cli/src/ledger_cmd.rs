//! `ledger …` and `note …`: the embedded file ledger from the command line.
//!
//! `ledger init` copies the ledger's signing key into the directory
//! (`ledger-key.pem`, mode 0600) so that later commands can sign
//! checkpoints; protect the directory like the key.

use std::path::{Path, PathBuf};

use certanchor::display::escape_text;
use certanchor::ledger::{EntryKind, FileLedger, Ledger, tiles};
use certanchor::note::{self, NoteVerifier};
use certanchor::status::StatusList;
use certanchor::{Anchor, Hash};
use clap::Subcommand;
use serde_json::json;

use crate::util::{self, CliError};

/// The ledger's private key in its directory (`ledger init` and `demo` write it).
pub const KEY_FILE: &str = "ledger-key.pem";

/// Ledger subcommands.
#[derive(Debug, Subcommand)]
pub enum LedgerCommand {
    /// Create a ledger.
    Init {
        /// The directory (created; must be empty).
        dir: PathBuf,
        /// The ledger's signing key (PKCS#8 PEM).
        #[arg(long)]
        key: PathBuf,
        /// Checkpoint origin, e.g. ledger.example.gov.cn/certanchor.
        #[arg(long)]
        origin: String,
    },
    /// Append anchors and status lists; exits 0 only once they are durable.
    Append {
        /// The ledger directory (with --evm: the first anchor file or batch directory).
        dir: PathBuf,
        /// Anchor files (COSE_Sign) and status lists (COSE_Sign1, e.g.
        /// BATCH/status-revocation.cose); with --evm anchors or batch directories.
        anchors: Vec<PathBuf>,
    },
    /// Print the latest signed checkpoint.
    Checkpoint {
        /// The ledger directory.
        dir: PathBuf,
    },
    /// Print the ledger's note verifier key.
    Vkey {
        /// The ledger directory.
        dir: PathBuf,
    },
    /// Inclusion proof of an anchor.
    Prove {
        /// The ledger directory.
        dir: PathBuf,
        /// The anchor file.
        #[arg(long)]
        anchor: PathBuf,
        /// Tree size; default the current size.
        #[arg(long)]
        size: Option<u64>,
    },
    /// Consistency proof between two sizes.
    Consistency {
        /// The ledger directory.
        dir: PathBuf,
        /// Older size.
        #[arg(long)]
        from: u64,
        /// Newer size; default the current size.
        #[arg(long)]
        to: Option<u64>,
    },
    /// Re-read every record, recompute the tree and check every stored checkpoint.
    Verify {
        /// The ledger directory.
        dir: PathBuf,
    },
    /// Publish the ledger as C2SP tlog-tiles static files (SPEC §9.6):
    /// SITE/checkpoint, SITE/tile/<L>/<N>[.p/<W>] and SITE/tile/entries/<N>[.p/<W>].
    /// Incremental: only the tiles new since SITE's checkpoint are written
    /// (full tiles never change; partial ones are added beside the older),
    /// each by a rename, and the checkpoint last, once they are durable.
    Publish {
        /// The ledger directory.
        dir: PathBuf,
        /// The site directory (created if missing).
        #[arg(long)]
        out: PathBuf,
        /// Rewrite every tile and bundle, not only the new ones (existing full
        /// tiles are still compared, never replaced).
        #[arg(long)]
        full: bool,
    },
    /// Write the published ledger (checkpoint, tiles, entry bundles) as one
    /// snapshot file, for verifiers with no network: `certanchor sync --from FILE`
    /// and the clerk's page read it (SPEC §9.9).
    Snapshot {
        /// The ledger directory.
        dir: PathBuf,
        /// The snapshot file to write (replaced atomically).
        #[arg(long)]
        out: PathBuf,
    },
    /// Ask a witness to cosign the latest checkpoint (SPEC §9.7): sends it
    /// with a consistency proof from the size the witness last cosigned,
    /// checks the cosignature, and writes the checkpoint with the
    /// cosignatures gathered for it to DIR/cosigned-checkpoint.
    Witness {
        /// The ledger directory.
        dir: PathBuf,
        /// The witness's URL prefix (`/add-checkpoint` is appended), e.g.
        /// http://127.0.0.1:7380.
        #[arg(long)]
        witness: String,
        /// The witness's cosigner verifier key (`certanchor witness vkey`).
        #[arg(long)]
        witness_vkey: String,
    },
    /// Serve a published site over HTTP (SPEC §9.6, "Serving"); Ctrl-C or SIGTERM stops it.
    ///
    /// Answers GET and HEAD of /checkpoint (text/plain, Cache-Control:
    /// no-cache) and of tile and entry-bundle paths (application/octet-stream,
    /// cached for a year, immutable), with Access-Control-Allow-Origin: *;
    /// any other target is 404, any other method 405. Never follows a
    /// symbolic link or serves anything but a regular file below SITE.
    /// Prints `serving SITE at http://ADDR:PORT/` first.
    Serve(crate::serve::ServeArgs),
    /// Look anchors up: exit 0 when every one is recorded, 1 otherwise.
    Check {
        /// The ledger directory (with --evm: the first anchor file or batch directory).
        dir: PathBuf,
        /// Anchor files (COSE_Sign), or batch directories with --evm.
        anchors: Vec<PathBuf>,
    },
    /// Deploy the AnchorRegistry contract (--evm only; --account-key becomes its owner).
    Deploy {
        /// The solc output `AnchorRegistry.bin` (hex creation code).
        #[arg(long)]
        bytecode: PathBuf,
    },
    /// Authorize an issuer account in the registry (--evm only; --account-key: the owner's).
    Authorize {
        /// The issuer's address (0x…).
        address: String,
        /// Deauthorize instead.
        #[arg(long)]
        revoke: bool,
    },
}

/// Note subcommands.
#[derive(Debug, Subcommand)]
pub enum NoteCommand {
    /// Verify a signed note with a verifier key.
    Verify {
        /// Verifier key (`name+hash+base64`).
        #[arg(long)]
        vkey: String,
        /// The note file.
        file: PathBuf,
    },
}

/// Opens a ledger created by `ledger init` (its key is in the directory).
pub fn open_ledger(dir: &Path) -> Result<FileLedger, CliError> {
    let key = util::load_key(&dir.join(KEY_FILE))?;
    FileLedger::open(dir, key).map_err(|e| CliError::from(e).at(dir.display()))
}

fn hexes(v: &[Hash]) -> Vec<String> {
    v.iter().map(Hash::to_hex).collect()
}

pub fn run(cmd: LedgerCommand, json: bool) -> Result<i32, CliError> {
    match cmd {
        LedgerCommand::Init { dir, key, origin } => {
            let k = util::load_key(&key)?;
            let ledger = FileLedger::create(&dir, &origin, k.clone())?;
            util::write_atomic(&dir.join(KEY_FILE), k.to_pkcs8_pem().as_bytes(), true)?;
            if json {
                util::print_json(
                    &json!({"dir": dir, "origin": origin, "vkey": ledger.verifier_key()}),
                );
            } else {
                println!(
                    "created ledger {} (origin {origin})\nverifier key: {}",
                    dir.display(),
                    ledger.verifier_key()
                );
            }
            Ok(0)
        }
        LedgerCommand::Append { dir, anchors } => {
            if anchors.is_empty() {
                return Err(CliError::new(
                    "usage",
                    "ledger append DIR ANCHOR…: no anchor given",
                ));
            }
            let mut ledger = open_ledger(&dir)?;
            // Anchors (COSE_Sign) go in with one fsync; status lists
            // (COSE_Sign1, format-2 ledgers) one by one after them.
            let mut anchor_bytes: Vec<(Vec<u8>, &PathBuf)> = Vec::new();
            let mut lists: Vec<(Vec<u8>, &PathBuf)> = Vec::new();
            for p in &anchors {
                let bytes = util::read(p)?;
                match Anchor::from_slice(&bytes) {
                    Ok(_) => anchor_bytes.push((bytes, p)),
                    Err(_) if StatusList::from_slice(&bytes).is_ok() => lists.push((bytes, p)),
                    Err(e) => return Err(CliError::from(e).at(p.display())),
                }
            }
            let refs: Vec<&[u8]> = anchor_bytes.iter().map(|(b, _)| b.as_slice()).collect();
            let receipts = ledger.append_many(&refs)?;
            let mut rows = Vec::new();
            for (r, (_, p)) in receipts.iter().zip(&anchor_bytes) {
                rows.push((p, "anchor", r.index));
            }
            for (bytes, p) in &lists {
                let r = ledger
                    .append_status_list(bytes)
                    .map_err(|e| CliError::from(e).at(p.display()))?;
                rows.push((p, "status_list", r.index));
            }
            if json {
                util::print_json(&json!(
                    rows.iter()
                        .map(|(p, kind, index)| json!({
                            "file": p, "kind": kind, "index": index, "tree_size": ledger.size(),
                        }))
                        .collect::<Vec<_>>()
                ));
            } else {
                for (p, kind, index) in &rows {
                    println!("{} -> entry {index} ({kind})", p.display());
                }
            }
            Ok(0)
        }
        LedgerCommand::Checkpoint { dir } => {
            let ledger = open_ledger(&dir)?;
            let cp = ledger.checkpoint()?;
            if json {
                util::print_json(&json!({"checkpoint": cp, "tree_size": ledger.size()}));
            } else {
                print!("{cp}");
            }
            Ok(0)
        }
        LedgerCommand::Vkey { dir } => {
            let ledger = open_ledger(&dir)?;
            if json {
                util::print_json(
                    &json!({"vkey": ledger.verifier_key(), "origin": ledger.origin()}),
                );
            } else {
                println!("{}", ledger.verifier_key());
            }
            Ok(0)
        }
        LedgerCommand::Prove { dir, anchor, size } => {
            let ledger = open_ledger(&dir)?;
            let a = Anchor::from_slice(&util::read(&anchor)?)
                .map_err(|e| CliError::from(e).at(anchor.display()))?;
            let size = size.unwrap_or_else(|| ledger.size());
            let p = ledger.inclusion_proof(&a.id(), size)?;
            let out = json!({"index": p.leaf_index, "tree_size": p.tree_size,
                "leaf_hash": ledger.tree().leaf(p.leaf_index).map(|h| h.to_hex()), "path": hexes(&p.path)});
            if json {
                util::print_json(&out);
            } else {
                println!(
                    "entry {} of {}; audit path (leaf up):",
                    p.leaf_index, p.tree_size
                );
                for h in &p.path {
                    println!("  {h}");
                }
            }
            Ok(0)
        }
        LedgerCommand::Consistency { dir, from, to } => {
            let ledger = open_ledger(&dir)?;
            let to = to.unwrap_or_else(|| ledger.size());
            let p = ledger.consistency_proof(from, to)?;
            if json {
                util::print_json(&json!({"old_size": from, "new_size": to, "path": hexes(&p)}));
            } else {
                println!("consistency {from} -> {to}:");
                for h in &p {
                    println!("  {h}");
                }
            }
            Ok(0)
        }
        LedgerCommand::Verify { dir } => {
            // Opening recovers and checks every stored checkpoint's root against
            // the rebuilt tree; then every entry is re-read and re-parsed.
            let ledger = open_ledger(&dir)?;
            let verifier = NoteVerifier::from_verifier_key(&ledger.verifier_key())?;
            let (mut anchors, mut lists) = (0u64, 0u64);
            for i in 0..ledger.size() {
                let entry = ledger.entry(i)?;
                match entry.kind() {
                    EntryKind::Anchor => anchors += 1,
                    EntryKind::StatusList => lists += 1,
                }
                if ledger.index_of(&entry.key()) != Some(i) {
                    return Err(CliError::new(
                        "inconsistent",
                        format!("entry {i}: its key does not match the index"),
                    ));
                }
            }
            let sizes: Vec<u64> = ledger.checkpoint_sizes().collect();
            for w in sizes.windows(2) {
                if let [a, b] = w {
                    let (Some(na), Some(nb)) =
                        (ledger.checkpoint_at(*a)?, ledger.checkpoint_at(*b)?)
                    else {
                        continue;
                    };
                    let ca = note::verify_checkpoint(&na, std::slice::from_ref(&verifier))?;
                    let cb = note::verify_checkpoint(&nb, std::slice::from_ref(&verifier))?;
                    let proof = ledger.consistency_proof(*a, *b)?;
                    certanchor::merkle::verify_consistency(*a, *b, &ca.root, &cb.root, &proof)
                        .map_err(|e| {
                            CliError::new("inconsistent", format!("checkpoints {a} -> {b}: {e}"))
                        })?;
                }
            }
            if json {
                util::print_json(&json!({"entries": ledger.size(), "anchors": anchors,
                    "status_lists": lists, "checkpoints": sizes.len(),
                    "format": ledger.format().version(), "ok": true}));
            } else {
                println!(
                    "ok: {} entries ({anchors} anchors, {lists} status lists), {} checkpoints, all consistent (ledger format {})",
                    ledger.size(),
                    sizes.len(),
                    ledger.format().version()
                );
            }
            Ok(0)
        }
        LedgerCommand::Check { dir, anchors } => check(&dir, &anchors, json),
        LedgerCommand::Witness {
            dir,
            witness,
            witness_vkey,
        } => crate::witness_cmd::ledger_witness(&open_ledger(&dir)?, &witness, &witness_vkey, json),
        LedgerCommand::Publish { dir, out, full } => publish(&dir, &out, full, json),
        LedgerCommand::Snapshot { dir, out } => snapshot(&dir, &out, json),
        LedgerCommand::Serve(args) => crate::serve::serve(&args, json),
        LedgerCommand::Deploy { .. } | LedgerCommand::Authorize { .. } => Err(CliError::new(
            "usage",
            "deploy and authorize need --evm RPC_URL",
        )),
    }
}

/// The file name of the published checkpoint in a site.
pub const SITE_CHECKPOINT: &str = tiles::CHECKPOINT_PATH;

fn site_mismatch(site: &Path, reason: impl std::fmt::Display) -> CliError {
    CliError::new(
        "site_mismatch",
        format!(
            "{} holds another log or is damaged: {reason}; publish to an empty directory",
            site.display()
        ),
    )
}

/// The tree size `site` was last published at (0 when it has no
/// checkpoint), after checking that its checkpoint is this ledger's and
/// agrees with the ledger's tree.
fn published_size(ledger: &FileLedger, site: &Path) -> Result<u64, CliError> {
    let path = site.join(SITE_CHECKPOINT);
    let text = match std::fs::read(&path) {
        Ok(bytes) => {
            String::from_utf8(bytes).map_err(|_| site_mismatch(site, "checkpoint is not UTF-8"))?
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(util::io_err("read", &path)(e)),
    };
    let verifier = NoteVerifier::from_verifier_key(&ledger.verifier_key())?;
    let cp = note::verify_checkpoint(&text, std::slice::from_ref(&verifier))
        .map_err(|e| site_mismatch(site, format!("checkpoint: {e}")))?;
    if cp.origin != ledger.origin() {
        return Err(site_mismatch(
            site,
            format!("checkpoint origin {}", cp.origin),
        ));
    }
    if ledger.tree().root_at(cp.tree_size) != Some(cp.root) {
        return Err(site_mismatch(
            site,
            format!(
                "its checkpoint of size {} is not a state of this ledger of {}",
                cp.tree_size,
                ledger.size()
            ),
        ));
    }
    Ok(cp.tree_size)
}

/// What `publish` did.
#[derive(Default)]
struct Written {
    paths: Vec<PathBuf>,
    tiles: usize,
    bundles: usize,
    unchanged: usize,
}

/// Writes `data` at `site/rel` by a temporary file and a rename. A full tile
/// or bundle already there must have exactly these bytes (it is immutable)
/// and is left alone; a partial one is replaced.
fn put(site: &Path, rel: &str, data: &[u8], full: bool, w: &mut Written) -> Result<bool, CliError> {
    let path = site.join(rel);
    if let Ok(old) = std::fs::read(&path) {
        if old == data {
            w.unchanged += 1;
            return Ok(false);
        }
        if full {
            return Err(site_mismatch(
                site,
                format!("{rel} differs from this ledger's"),
            ));
        }
    }
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(util::io_err("create directory", parent))?;
    }
    util::write_unsynced(&path, data)?;
    w.paths.push(path);
    Ok(true)
}

/// A tile's bytes and, for a level-0 tile, its entry bundle's.
fn tile_files(
    ledger: &FileLedger,
    tile: tiles::Tile,
) -> Result<(Vec<u8>, Option<Vec<u8>>), CliError> {
    let data = tiles::tile_data(ledger.tree(), tile)?;
    if tile.level() != 0 {
        return Ok((data, None));
    }
    let start = tile.index() * u64::from(tiles::TILE_WIDTH);
    let entries = ledger.leaf_data(start, start + u64::from(tile.width()))?;
    Ok((data, Some(tiles::entry_bundle(start, &entries)?)))
}

/// The snapshot (SPEC §9.9) of a ledger at its current size, and the
/// number of files in it.
pub fn snapshot_bytes(ledger: &FileLedger) -> Result<(Vec<u8>, usize), CliError> {
    let size = ledger.size();
    let checkpoint = crate::witness_cmd::published_checkpoint(ledger, size)?.ok_or_else(|| {
        CliError::new(
            "empty",
            format!(
                "{}: no entry yet, nothing to snapshot",
                ledger.dir().display()
            ),
        )
    })?;
    let mut files: Vec<(String, Vec<u8>)> = vec![(SITE_CHECKPOINT.into(), checkpoint.into_bytes())];
    let all = tiles::tiles_for_size(size);
    let pb = util::progress(all.len() as u64, "snapshot");
    for tile in all {
        let (data, bundle) = tile_files(ledger, tile)?;
        files.push((tile.path(), data));
        if let Some(b) = bundle {
            files.push((tile.entries_path(), b));
        }
        pb.inc(1);
    }
    pb.finish_and_clear();
    let bytes =
        certanchor::ledger::snapshot::write(files.iter().map(|(p, d)| (p.as_str(), d.as_slice())))?;
    Ok((bytes, files.len()))
}

/// `ledger snapshot`: the published files of the ledger's current size in
/// one file (SPEC §9.9), written atomically.
fn snapshot(dir: &Path, out: &Path, json: bool) -> Result<i32, CliError> {
    let ledger = open_ledger(dir)?;
    let size = ledger.size();
    let (bytes, nfiles) = snapshot_bytes(&ledger)?;
    util::write_atomic(out, &bytes, false)?;
    if json {
        util::print_json(
            &json!({"out": out, "tree_size": size, "files": nfiles, "bytes": bytes.len()}),
        );
    } else {
        println!(
            "wrote {} ({} entries, {} files, {} bytes)",
            util::show_path(out),
            size,
            nfiles,
            bytes.len()
        );
    }
    Ok(0)
}

fn publish(dir: &Path, site: &Path, full: bool, json: bool) -> Result<i32, CliError> {
    let ledger = open_ledger(dir)?;
    let size = ledger.size();
    let checkpoint = crate::witness_cmd::published_checkpoint(&ledger, size)?.ok_or_else(|| {
        CliError::new(
            "empty",
            format!("{}: no entry yet, nothing to publish", dir.display()),
        )
    })?;
    std::fs::create_dir_all(site).map_err(util::io_err("create directory", site))?;
    let previous = published_size(&ledger, site)?;
    let from = if full { 0 } else { previous };
    let mut w = Written::default();
    for tile in tiles::new_tiles(from, size) {
        let (data, bundle) = tile_files(&ledger, tile)?;
        if put(site, &tile.path(), &data, tile.is_full(), &mut w)? {
            w.tiles += 1;
        }
        if let Some(bundle) = bundle
            && put(site, &tile.entries_path(), &bundle, tile.is_full(), &mut w)?
        {
            w.bundles += 1;
        }
    }
    // every tile durable before the checkpoint that needs it is visible
    util::sync_written(site, &w.paths)?;
    let cp_path = site.join(SITE_CHECKPOINT);
    util::write_atomic(&cp_path, checkpoint.as_bytes(), false)?;
    util::sync_written(site, &[cp_path])?;
    if json {
        util::print_json(&json!({
            "site": site, "tree_size": size, "previous_size": previous,
            "tiles_written": w.tiles, "bundles_written": w.bundles, "unchanged": w.unchanged,
        }));
    } else {
        println!(
            "published {} entries to {} (was {previous}): {} tiles and {} entry bundles written, {} unchanged",
            size,
            site.display(),
            w.tiles,
            w.bundles,
            w.unchanged
        );
    }
    Ok(0)
}

fn check(dir: &Path, anchors: &[PathBuf], json: bool) -> Result<i32, CliError> {
    let ledger = open_ledger(dir)?;
    let mut all = true;
    let mut out = Vec::new();
    for p in anchors {
        let a =
            Anchor::from_slice(&util::read(p)?).map_err(|e| CliError::from(e).at(p.display()))?;
        let index = ledger.index_of(&a.id());
        all &= index.is_some();
        if json {
            out.push(json!({"anchor": p, "anchor_id": a.id().to_hex(), "index": index}));
        } else {
            match index {
                Some(i) => println!("{}: entry {i}", p.display()),
                None => println!("{}: not recorded", p.display()),
            }
        }
    }
    if json {
        util::print_json(&json!(out));
    }
    Ok(if all { 0 } else { 1 })
}

pub fn run_note(cmd: NoteCommand, json: bool) -> Result<i32, CliError> {
    match cmd {
        NoteCommand::Verify { vkey, file } => {
            let v = NoteVerifier::from_verifier_key(&vkey)?;
            let text = util::read_text(&file)?;
            let opened =
                note::open_note(&text, &[v]).map_err(|e| CliError::from(e).at(file.display()))?;
            if json {
                util::print_json(&json!({"text": opened.text, "verified_by": opened.verified_by}));
            } else {
                // the note's lines, each escaped: a note may hold bidi controls
                for line in opened.text.lines() {
                    println!("{}", escape_text(line));
                }
                eprintln!(
                    "verified by {}",
                    escape_text(&opened.verified_by.join(", "))
                );
            }
            Ok(0)
        }
    }
}
