//! `certanchor sync`: bring a verifier's ledger mirror up to date
//! (SPEC §9.8) from a published directory, a snapshot file or a URL.

use std::path::{Path, PathBuf};

use certanchor::TrustStore;
use certanchor::ledger::mirror::{self, Mirror, MirrorError, SyncSummary};
use certanchor::ledger::snapshot::Snapshot;
use certanchor::ledger::tiles::{DirTileSource, TileSource};
use certanchor::note::NoteVerifier;
use clap::Args;
use serde_json::json;

use crate::util::{self, CliError};

/// Arguments of `certanchor sync`.
#[derive(Args, Debug)]
pub struct SyncArgs {
    /// The trust store: its ledger key verifies every checkpoint.
    #[arg(long)]
    trust: PathBuf,
    /// The mirror directory (created on first use).
    #[arg(long)]
    state: PathBuf,
    /// Where the published ledger is: a directory written by `ledger
    /// publish`, a file written by `ledger snapshot`, or the http:// URL a
    /// `ledger serve` (or any web server) serves such a directory at.
    /// Default: the ledger's `url` in the trust store.
    #[arg(long)]
    from: Option<PathBuf>,
    /// Which of the trust store's ledgers (its origin); needed only when it
    /// trusts several.
    #[arg(long)]
    origin: Option<String>,
}

/// The trust store's ledger to follow (`mirror::pick_ledger`).
pub fn pick_ledger(store: &TrustStore, origin: Option<&str>) -> Result<NoteVerifier, CliError> {
    mirror::pick_ledger(store.ledgers(), origin)
        .cloned()
        .map_err(mirror_err)
}

/// The trust store's ledger a mirror directory follows (its
/// `mirror.json` names the origin).
pub fn mirror_ledger(store: &TrustStore, dir: &Path) -> Result<NoteVerifier, CliError> {
    let origin = Mirror::origin_of(dir).map_err(mirror_err)?;
    pick_ledger(store, Some(&origin))
}

/// Opens `from` as a tile source.
fn source(from: &Path) -> Result<Box<dyn TileSource>, CliError> {
    let text = from.to_string_lossy();
    if text.starts_with("http://") || text.starts_with("https://") {
        let src = certanchor::ledger::http::HttpTileSource::new(&text)?;
        return Ok(Box::new(src));
    }
    let meta = std::fs::metadata(from).map_err(util::io_err("read", from))?;
    if meta.is_dir() {
        Ok(Box::new(DirTileSource::new(from)))
    } else {
        let snap =
            Snapshot::parse(util::read(from)?).map_err(|e| CliError::from(e).at(from.display()))?;
        Ok(Box::new(snap))
    }
}

pub fn run(a: &SyncArgs, json: bool) -> Result<i32, CliError> {
    let store = TrustStore::from_json(&util::read_text(&a.trust)?)
        .map_err(|e| CliError::from(e).at(a.trust.display()))?;
    let ledger = pick_ledger(&store, a.origin.as_deref())?;
    let from = match &a.from {
        Some(f) => f.clone(),
        None => store
            .trusted_ledger(&ledger.name)
            .and_then(|l| l.url.clone())
            .map(PathBuf::from)
            .ok_or_else(|| {
                CliError::new(
                    "usage",
                    format!(
                        "no --from, and the trust store gives no url for ledger `{}` (trust add-ledger --url)",
                        ledger.name
                    ),
                )
            })?,
    };
    let src = source(&from)?;
    let mut mirror = Mirror::open(&a.state, &ledger.name).map_err(mirror_err)?;
    let pb = util::progress(0, "syncing");
    let result = mirror.sync(&*src, &ledger, |done, total| {
        pb.set_length(total);
        pb.set_position(done);
    });
    pb.finish_and_clear();
    let s: SyncSummary = match result {
        Ok(s) => s,
        Err(e) => {
            let evidence = mirror.keep_evidence(&e);
            let mut err = mirror_err(e);
            if let Some(p) = evidence {
                err = CliError::new(
                    err.code,
                    format!(
                        "{}; both signed checkpoints are kept in {}",
                        err.message,
                        p.display()
                    ),
                );
            }
            return Err(err);
        }
    };
    if json {
        util::print_json(&json!({
            "origin": ledger.name.as_str(), "old_size": s.old_size, "new_size": s.new_size,
            "entries_read": s.entries_read, "anchors": s.anchors, "status_lists": s.status_lists,
            "resumed": s.resumed, "state": a.state,
        }));
    } else if s.new_size == s.old_size {
        println!(
            "ledger {}: up to date at {} entries",
            ledger.name.as_str(),
            s.new_size
        );
    } else {
        println!(
            "ledger {}: {} -> {} entries ({} anchors, {} status lists read{}); mirror {}",
            ledger.name.as_str(),
            s.old_size,
            s.new_size,
            s.anchors,
            s.status_lists,
            if s.resumed {
                ", resuming an interrupted sync"
            } else {
                ""
            },
            util::show_path(&a.state)
        );
    }
    Ok(0)
}

fn mirror_err(e: MirrorError) -> CliError {
    CliError::new(e.code(), e.to_string())
}
