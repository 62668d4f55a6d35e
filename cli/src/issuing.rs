//! The issuing office: keys, issue, endorse, prove, disclose, status.

use certanchor::Document;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use certanchor::display::{escape, escape_text};
use certanchor::input::{InputFormat, read_certificates};
use certanchor::keys::{PublicKey, SigningKey};
use certanchor::ledger::Ledger as _;
use certanchor::note::NoteVerifier;
use certanchor::status::StatusPurpose;
use certanchor::{
    Anchor, Bundle, Hash, IssueError, IssueOptions, IssuedBatch, Issuer, LedgerReceipt,
};
use clap::{Args, ValueEnum};
use serde_json::json;

use crate::util::{self, CliError};

/// `issue` arguments.
#[derive(Debug, Args)]
pub struct IssueArgs {
    /// The issuer's private key (PKCS#8 PEM).
    #[arg(long)]
    key: PathBuf,
    /// The issuer id, e.g. cn.beijing.ghzrzyw.
    #[arg(long)]
    issuer: String,
    /// The batch name (unique per issuer).
    #[arg(long)]
    batch: String,
    /// The certificates' kind, e.g. business_license.
    #[arg(long)]
    kind: String,
    /// JSONL (.jsonl) or CSV (.csv) input.
    #[arg(long)]
    input: PathBuf,
    /// Output directory (must not exist or be empty).
    #[arg(long)]
    out: PathBuf,
    /// Append the anchor to this ledger directory.
    #[arg(long)]
    ledger: Option<PathBuf>,
    /// Random decoy digests per certificate, to hide the field count.
    #[arg(long, default_value_t = 0)]
    decoys: usize,
    /// Issue time (RFC 3339, date or Unix seconds); default now.
    #[arg(long)]
    at: Option<String>,
}

/// `prove` arguments.
#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("which").required(true).args(["index", "id", "all"])))]
pub struct ProveArgs {
    /// The batch directory.
    #[arg(long)]
    batch: PathBuf,
    /// Leaf index.
    #[arg(long)]
    index: Option<usize>,
    /// Certificate id.
    #[arg(long)]
    id: Option<String>,
    /// Every certificate (OUT is a directory).
    #[arg(long)]
    all: bool,
    /// Disclose only these fields (comma separated); default all.
    #[arg(long, value_delimiter = ',')]
    disclose: Option<Vec<String>>,
    /// Write CA1 text instead of binary.
    #[arg(long)]
    text: bool,
    /// Output file (or directory with --all).
    #[arg(long)]
    out: PathBuf,
}

/// What a status update does.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum StatusAction {
    /// Revoke permanently (e.g. a property sold).
    Revoke,
    /// Suspend (e.g. a seizure, 查封).
    Suspend,
    /// Lift a suspension.
    Reinstate,
}

/// `status` arguments.
#[derive(Debug, Args)]
pub struct StatusArgs {
    /// revoke, suspend or reinstate.
    action: StatusAction,
    /// The issuer's private key.
    #[arg(long)]
    key: PathBuf,
    /// The batch directory.
    #[arg(long)]
    batch: PathBuf,
    /// Leaf indices.
    #[arg(long, num_args = 1.., required = true)]
    index: Vec<u64>,
    /// Seconds the new list stays fresh.
    #[arg(long, default_value_t = 86_400)]
    ttl: u64,
    /// Issue time of the list; default now.
    #[arg(long)]
    at: Option<String>,
    /// Append the new list to this ledger (default: the ledger the batch was
    /// anchored in by `issue --ledger`, recorded in BATCH/ledger-dir).
    #[arg(long, conflicts_with = "no_ledger")]
    ledger: Option<PathBuf>,
    /// Do not append the list to any ledger (verifiers that sync the ledger
    /// will not learn of it).
    #[arg(long)]
    no_ledger: bool,
}

pub fn keygen(out: &Path, json: bool) -> Result<i32, CliError> {
    if out.exists() {
        return Err(CliError::new(
            "exists",
            format!("{} exists; refusing to overwrite a key", out.display()),
        ));
    }
    let key = SigningKey::generate()?;
    util::write_atomic(out, key.to_pkcs8_pem().as_bytes(), true)?;
    let pk = key.public_key();
    if json {
        util::print_json(
            &json!({"path": out, "public_key": pk.to_base64(), "key_id": pk.key_id().to_hex()}),
        );
    } else {
        println!("wrote {} (public key {})", out.display(), pk.to_base64());
    }
    Ok(0)
}

pub fn pubkey(path: &Path, note_name: Option<&str>, json: bool) -> Result<i32, CliError> {
    let text = util::read_text(path)?;
    let pk = match SigningKey::from_pkcs8_pem(&text) {
        Ok(k) => k.public_key(),
        Err(_) => {
            PublicKey::from_spki_pem(&text).map_err(|e| CliError::from(e).at(path.display()))?
        }
    };
    let out = match note_name {
        Some(name) => NoteVerifier::new(name, pk)?.to_verifier_key(),
        None => pk.to_base64(),
    };
    if json {
        util::print_json(
            &json!({"public_key": pk.to_base64(), "key_id": pk.key_id().to_hex(), "output": out}),
        );
    } else {
        println!("{out}");
    }
    Ok(0)
}

fn ensure_empty_dir(dir: &Path) -> Result<(), CliError> {
    if dir.exists() {
        let mut it = std::fs::read_dir(dir).map_err(util::io_err("list", dir))?;
        if it.next().is_some() {
            return Err(CliError::new(
                "exists",
                format!(
                    "{} is not empty; choose a new output directory",
                    dir.display()
                ),
            ));
        }
    }
    Ok(())
}

pub fn issue(a: &IssueArgs, json: bool) -> Result<i32, CliError> {
    let key = util::load_key(&a.key)?;
    let issued_at = util::now_or(a.at.as_deref())?;
    let format = InputFormat::from_path(&a.input).ok_or_else(|| {
        CliError::new(
            "usage",
            format!("{}: use a .jsonl or .csv file", a.input.display()),
        )
    })?;
    ensure_empty_dir(&a.out)?;
    let issuer = Issuer::new(key, a.issuer.clone());
    let registry = certanchor::schema::SchemaRegistry::builtin();
    let file = std::fs::File::open(&a.input).map_err(util::io_err("open", &a.input))?;
    let rows = match read_certificates(
        std::io::BufReader::new(file),
        format,
        &a.kind,
        registry.get(&a.kind),
    ) {
        Ok(r) => r,
        Err(problems) => {
            return Err(report_problems(
                &a.input,
                problems
                    .iter()
                    .map(|p| (p.line, p.field.clone(), p.reason.clone()))
                    .collect(),
                json,
            ));
        }
    };
    // one copy of the input: line numbers aside, the certificates themselves
    let (lines, certs): (Vec<usize>, Vec<_>) =
        rows.into_iter().map(|r| (r.line, r.certificate)).unzip();
    if let Err(problems) = issuer.validate(&certs) {
        let found = problems
            .into_iter()
            .map(|p| match p {
                IssueError::Schema {
                    index,
                    field,
                    reason,
                    ..
                } => (lines.get(index).copied().unwrap_or(0), Some(field), reason),
                IssueError::Certificate { index, reason, .. } => {
                    (lines.get(index).copied().unwrap_or(0), None, reason)
                }
                IssueError::UnknownKind { index, kind, .. } => (
                    lines.get(index).copied().unwrap_or(0),
                    None,
                    format!("unknown kind `{kind}`"),
                ),
                other => (0, None, other.to_string()),
            })
            .collect();
        return Err(report_problems(&a.input, found, json));
    }
    let batch = issuer.issue(
        &a.batch,
        &certs,
        &IssueOptions {
            issued_at,
            decoys: a.decoys,
        },
    )?;
    drop(certs); // the batch now holds the fields with their salts
    std::fs::create_dir_all(a.out.join("bundles")).map_err(util::io_err("create", &a.out))?;
    util::write_atomic(&a.out.join("batch.cbor"), &batch.to_vec(), true)?;
    util::write_atomic(&a.out.join("anchor.cose"), batch.anchor().as_bytes(), false)?;
    let receipt = match &a.ledger {
        Some(dir) => {
            let mut ledger = crate::ledger_cmd::open_ledger(dir)?;
            let r = ledger.append(batch.anchor().as_bytes())?;
            let rc = r.to_bundle_receipt();
            save_receipt(&a.out, &rc)?;
            save_ledger_dir(&a.out, dir)?;
            Some(rc)
        }
        None => None,
    };
    let pb = util::progress(batch.len() as u64, "writing bundles");
    for i in 0..batch.len() {
        let mut b = batch.bundle(i, None)?;
        b.receipt.clone_from(&receipt);
        let path = util::bundle_path(&a.out, i);
        std::fs::write(&path, b.to_vec()).map_err(util::io_err("write", &path))?;
        pb.inc(1);
    }
    pb.finish_and_clear();
    let body = batch.anchor().body();
    if json {
        util::print_json(&json!({
            "batch": body.batch, "issuer": body.issuer, "tree_size": body.tree_size,
            "root": body.root.to_hex(), "anchor_id": batch.anchor().id().to_hex(),
            "out": a.out, "ledger_index": receipt.as_ref().map(|r| r.index),
        }));
    } else {
        println!(
            "issued {} certificates in batch `{}`\n  root      {}\n  anchor id {}\n  files     {}/anchor.cose, batch.cbor (private, 0600), bundles/0..{}.cab",
            body.tree_size,
            escape(&body.batch),
            body.root,
            batch.anchor().id(),
            util::show_path(&a.out),
            batch.len().saturating_sub(1)
        );
        if let Some(r) = &receipt {
            println!("  ledger    entry {}", r.index);
        }
    }
    Ok(0)
}

fn report_problems(
    input: &Path,
    problems: Vec<(usize, Option<String>, String)>,
    json: bool,
) -> CliError {
    if json {
        util::print_json(&json!({"problems": problems.iter().map(|(l, f, r)| json!({
            "line": l, "field": f, "reason": r})).collect::<Vec<_>>()}));
    } else {
        let place = util::show_path(input);
        for (line, field, reason) in &problems {
            let reason = escape_text(reason);
            match field {
                Some(f) => eprintln!("{place}:{line}: field `{}`: {reason}", escape(f)),
                None => eprintln!("{place}:{line}: {reason}"),
            }
        }
    }
    CliError::new(
        "rejected",
        format!(
            "{} problem(s) in {}; nothing was written",
            problems.len(),
            input.display()
        ),
    )
}

/// The file in a batch directory naming the ledger it was anchored in.
pub const LEDGER_DIR_FILE: &str = "ledger-dir";

/// Records in `BATCH/ledger-dir` the ledger the batch was anchored in, so
/// that `status` appends its lists there.
pub fn save_ledger_dir(batch: &Path, ledger: &Path) -> Result<(), CliError> {
    let abs = std::fs::canonicalize(ledger).map_err(util::io_err("resolve", ledger))?;
    let text = abs.to_str().ok_or_else(|| {
        CliError::new(
            "usage",
            format!("the ledger path {} is not UTF-8", abs.display()),
        )
    })?;
    util::write_atomic(
        &batch.join(LEDGER_DIR_FILE),
        format!("{text}\n").as_bytes(),
        false,
    )
}

/// The ledger a status list goes to: `--ledger`, else the batch's recorded
/// one, else none. A recorded ledger that cannot be opened is an error (a
/// list silently left out of the ledger would stay unseen by verifiers).
fn status_ledger(a: &StatusArgs) -> Result<Option<PathBuf>, CliError> {
    if a.no_ledger {
        return Ok(None);
    }
    if let Some(d) = &a.ledger {
        return Ok(Some(d.clone()));
    }
    let rec = a.batch.join(LEDGER_DIR_FILE);
    match std::fs::read_to_string(&rec) {
        Ok(t) => Ok(Some(PathBuf::from(t.trim_end_matches('\n')))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(util::io_err("read", &rec)(e)),
    }
}

/// Writes `DIR/receipt.json`, which `prove` puts into every bundle.
pub fn save_receipt(dir: &Path, r: &LedgerReceipt) -> Result<(), CliError> {
    let j = json!({"checkpoint": r.checkpoint, "index": r.index, "path": r.path.iter().map(Hash::to_hex).collect::<Vec<_>>()});
    util::write_atomic(&dir.join("receipt.json"), j.to_string().as_bytes(), false)
}

fn load_receipt(dir: &Path) -> Result<Option<LedgerReceipt>, CliError> {
    let p = dir.join("receipt.json");
    if !p.exists() {
        return Ok(None);
    }
    let bad = || CliError::new("invalid_receipt", format!("{} is malformed", p.display()));
    let j: serde_json::Value = serde_json::from_slice(&util::read(&p)?).map_err(|_| bad())?;
    let path = j
        .get("path")
        .and_then(serde_json::Value::as_array)
        .ok_or_else(bad)?
        .iter()
        .map(|h| h.as_str().and_then(Hash::from_hex).ok_or_else(bad))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Some(LedgerReceipt {
        checkpoint: j
            .get("checkpoint")
            .and_then(serde_json::Value::as_str)
            .ok_or_else(bad)?
            .to_owned(),
        index: j
            .get("index")
            .and_then(serde_json::Value::as_u64)
            .ok_or_else(bad)?,
        path,
    }))
}

/// Loads a batch directory: the private record, the newest endorsed anchor, the receipt.
pub fn load_batch(dir: &Path) -> Result<(IssuedBatch, Option<LedgerReceipt>), CliError> {
    let path = dir.join("batch.cbor");
    let mut batch = IssuedBatch::from_slice(&util::read(&path)?)
        .map_err(|e| CliError::from(e).at(path.display()))?;
    let anchor_path = dir.join("anchor.cose");
    if anchor_path.exists() {
        let anchor = Anchor::from_slice(&util::read(&anchor_path)?)
            .map_err(|e| CliError::from(e).at(anchor_path.display()))?;
        batch
            .set_anchor(anchor)
            .map_err(|e| CliError::from(e).at(anchor_path.display()))?;
    }
    Ok((batch, load_receipt(dir)?))
}

pub fn endorse(
    key: &Path,
    issuer: &str,
    anchor_path: &Path,
    at: Option<&str>,
    json: bool,
) -> Result<i32, CliError> {
    let key = util::load_key(key)?;
    let anchor = Anchor::from_slice(&util::read(anchor_path)?)
        .map_err(|e| CliError::from(e).at(anchor_path.display()))?;
    let endorsed = anchor.endorse(&key, util::now_or(at)?)?;
    util::write_atomic(anchor_path, endorsed.as_bytes(), false)?;
    let refreshed = refresh_bundles(anchor_path, &endorsed)?;
    if json {
        util::print_json(&json!({
            "anchor": anchor_path, "endorser": issuer,
            "signatures": endorsed.signer_key_ids().len(),
            "bundles_refreshed": refreshed,
        }));
    } else {
        println!(
            "{} endorsed {} ({} signatures)",
            escape(issuer),
            util::show_path(anchor_path),
            endorsed.signer_key_ids().len()
        );
        if refreshed > 0 {
            println!("  refreshed {refreshed} bundle(s) in bundles/ with the endorsed anchor");
        }
    }
    Ok(0)
}

/// A bundle carries its anchor's bytes, so the bundles `issue` wrote into
/// `bundles/` beside the anchor would keep the anchor without the new
/// endorsement. Each bundle there of the same anchor (same id) gets the
/// endorsed anchor, in its own form (binary or CA1 text), keeping its
/// disclosed fields and receipts; other files are left alone. Bundles
/// elsewhere (`prove --out`, a holder's copy) are not touched: `prove` again.
/// Returns how many were refreshed.
fn refresh_bundles(anchor_path: &Path, endorsed: &Anchor) -> Result<usize, CliError> {
    use rayon::prelude::*;
    let dir = anchor_path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .join("bundles");
    if !dir.is_dir() {
        return Ok(0);
    }
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map_err(util::io_err("list", &dir))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.is_file()
                && !p
                    .file_name()
                    .is_some_and(|n| n.as_encoded_bytes().starts_with(b"."))
        })
        .collect();
    paths.sort();
    let refreshed: Vec<Option<PathBuf>> = paths
        .par_iter()
        .map(|p| -> Result<Option<PathBuf>, CliError> {
            let bytes = util::read(p)?;
            let Ok(mut b) = Bundle::decode_any(&bytes) else {
                return Ok(None);
            };
            if b.anchor == endorsed.as_bytes()
                || Anchor::from_slice(&b.anchor).map(|a| a.id()).ok() != Some(endorsed.id())
            {
                return Ok(None);
            }
            endorsed.as_bytes().clone_into(&mut b.anchor);
            let out = if bytes.starts_with(certanchor::bundle::TEXT_PREFIX.as_bytes()) {
                b.to_text().into_bytes()
            } else {
                b.to_vec()
            };
            util::write_unsynced(p, &out)?;
            Ok(Some(p.clone()))
        })
        .collect::<Result<_, _>>()?;
    let refreshed: Vec<PathBuf> = refreshed.into_iter().flatten().collect();
    if !refreshed.is_empty() {
        util::sync_written(&dir, &refreshed)?;
    }
    Ok(refreshed.len())
}

fn write_bundle(b: &Bundle, text: bool, out: &Path) -> Result<(), CliError> {
    if text {
        util::write_atomic(out, b.to_text().as_bytes(), false)
    } else {
        util::write_atomic(out, &b.to_vec(), false)
    }
}

pub fn prove(a: &ProveArgs, json: bool) -> Result<i32, CliError> {
    let (batch, receipt) = load_batch(&a.batch)?;
    let names: Option<Vec<&str>> = a
        .disclose
        .as_ref()
        .map(|v| v.iter().map(String::as_str).collect());
    let chain = crate::evm_cmd::load_chain_receipt(&a.batch)?;
    let make = |i: usize| -> Result<Bundle, CliError> {
        let mut b = batch.bundle(i, names.as_deref())?;
        b.receipt.clone_from(&receipt);
        b.chain = chain;
        Ok(b)
    };
    let indices: Vec<usize> = if a.all {
        (0..batch.len()).collect()
    } else if let Some(i) = a.index {
        vec![i]
    } else {
        let id = a.id.as_deref().unwrap_or_default();
        vec![batch.index_of(id).ok_or_else(|| {
            CliError::new("not_found", format!("no certificate `{id}` in the batch"))
        })?]
    };
    if a.all {
        use rayon::prelude::*;
        // A new `out` is built whole beside it and renamed in
        // (util::Staging); otherwise each file is replaced through its own
        // temporary file. Two threads write no faster than one here (creates
        // in one directory serialize on its lock: 100k binary bundles, 9.4,
        // 9.8, 9.8 s against 9.2, 10.1, 10.1 s), but production is parallel.
        // A background `syncfs` every 0.5 s while writing, to overlap the
        // writeback, did not help either (medians 9.92 s with, 9.94 s without).
        let staging = util::Staging::for_new_dir(&a.out)?;
        let dir = match &staging {
            Some(s) => s.dir.clone(),
            None => {
                std::fs::create_dir_all(&a.out).map_err(util::io_err("create", &a.out))?;
                a.out.clone()
            }
        };
        let ext = if a.text { "txt" } else { "cab" };
        let paths: Vec<PathBuf> = indices
            .iter()
            .map(|i| dir.join(format!("{i}.{ext}")))
            .collect();
        // every file written, then all made durable at once (one `syncfs`),
        // not one fsync per write
        let written = indices.par_iter().zip(&paths).try_for_each(|(&i, path)| {
            let b = make(i)?;
            let bytes = if a.text {
                b.to_text().into_bytes()
            } else {
                b.to_vec()
            };
            if staging.is_some() {
                util::write_new(path, &bytes)
            } else {
                util::write_unsynced(path, &bytes)
            }
        });
        match (staging, written) {
            (Some(s), Ok(())) => s.publish(&paths)?,
            (Some(s), Err(e)) => {
                s.discard();
                return Err(e);
            }
            (None, written) => {
                written?;
                util::sync_written(&a.out, &paths)?;
            }
        }
    } else if let Some(&i) = indices.first() {
        write_bundle(&make(i)?, a.text, &a.out)?;
    }
    if json {
        util::print_json(&json!({"written": indices.len(), "out": a.out}));
    } else {
        println!("wrote {} bundle(s) to {}", indices.len(), a.out.display());
    }
    Ok(0)
}

pub fn disclose(
    bundle: &Path,
    fields: &[String],
    text: bool,
    out: &Path,
    json: bool,
) -> Result<i32, CliError> {
    let b = util::load_bundle(bundle)?;
    let smaller = b.with_fewer_fields(fields)?;
    write_bundle(&smaller, text, out)?;
    if json {
        util::print_json(
            &json!({"out": out, "disclosed": smaller.disclosed.iter().map(|d| &d.name).collect::<Vec<_>>()}),
        );
    } else {
        println!(
            "wrote {} disclosing {}",
            util::show_path(out),
            escape_text(&fields.join(", "))
        );
    }
    Ok(0)
}

pub fn status(a: &StatusArgs, json: bool) -> Result<i32, CliError> {
    let key = util::load_key(&a.key)?;
    let now = util::now_or(a.at.as_deref())?;
    let (mut batch, _) = load_batch(&a.batch)?;
    // Opened before the list is made: a ledger that is missing or locked
    // stops the command before anything changes.
    let mut ledger = match status_ledger(a)? {
        Some(d) => Some((
            crate::ledger_cmd::open_ledger(&d).map_err(|e| {
                e.at(format!(
                    "ledger {} (the batch's ledger; --ledger DIR or --no-ledger to choose)",
                    d.display()
                ))
            })?,
            d,
        )),
        None => None,
    };
    let issuer = Issuer::new(key, batch.anchor().body().issuer.clone());
    let (purpose, on) = match a.action {
        StatusAction::Revoke => (StatusPurpose::Revocation, true),
        StatusAction::Suspend => (StatusPurpose::Suspension, true),
        StatusAction::Reinstate => (StatusPurpose::Suspension, false),
    };
    let changes: Vec<(u64, bool)> = a.index.iter().map(|i| (*i, on)).collect();
    let list = issuer
        .update_status(&mut batch, purpose, &changes, now, a.ttl)?
        .clone();
    util::write_atomic(&a.batch.join("batch.cbor"), &batch.to_vec(), true)?;
    let published = a.batch.join(format!("status-{}.cose", purpose.as_str()));
    util::write_atomic(&published, list.as_bytes(), false)?;
    // Last: the list is saved before it is logged, so a failed append can be
    // retried with `ledger append LEDGER BATCH/status-<purpose>.cose`.
    let logged = match &mut ledger {
        Some((l, d)) => Some((l.append_status_list(list.as_bytes())?, d.clone())),
        None => None,
    };
    let b = list.body();
    if json {
        util::print_json(
            &json!({"purpose": purpose.as_str(), "epoch": b.epoch, "set": b.set_indices().collect::<Vec<_>>(),
            "file": published, "cose_base64": base64::engine::general_purpose::STANDARD.encode(list.as_bytes()),
            "ledger_index": logged.as_ref().map(|(r, _)| r.index)}),
        );
    } else {
        println!(
            "{} list epoch {} written to {} ({} set)",
            purpose.as_str(),
            b.epoch,
            published.display(),
            b.set_indices().count()
        );
        if let Some((r, d)) = &logged {
            println!(
                "  ledger    entry {} of {} in {}",
                r.index,
                r.tree_size,
                util::show_path(d)
            );
        }
    }
    Ok(0)
}
