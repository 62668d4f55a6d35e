//! The verifying department: verify, verify-many, inspect.

use certanchor::Document;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use certanchor::display;
use certanchor::schema::SchemaRegistry;
use certanchor::source::BundleSource;
use certanchor::status::StatusList;
use certanchor::verify::SourceOrSink;
use certanchor::{Anchor, Bundle, IssuedBatch, Outcome, Report, TrustStore, Verdict, Verifier};
use clap::Args;
use serde_json::json;

use crate::util::{self, CliError};

/// `verify` arguments.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The trust store JSON.
    #[arg(long)]
    trust: PathBuf,
    /// Verify as of this time (RFC 3339, date or Unix seconds); default now.
    #[arg(long)]
    at: Option<String>,
    /// A ledger mirror kept by `certanchor sync`: status is the ledger's
    /// newest list, and an anchor in the ledger needs no receipt.
    #[arg(long)]
    mirror: Option<PathBuf>,
    /// Status lists obtained out of band (COSE_Sign1 files).
    #[arg(long)]
    status: Vec<PathBuf>,
    /// Confirm a chain receipt by asking the chain (RPC URL from the trust store's `chains`, or --rpc).
    #[arg(long)]
    online: bool,
    /// JSON-RPC URL to ask (with --online), tried before the trust store's.
    #[arg(long, requires = "online")]
    rpc: Option<String>,
    /// Blocks deep the chain's record must be (with --online).
    #[arg(long, default_value_t = 1, requires = "online")]
    confirmations: u64,
    /// A bundle file (binary or CA1 text), `-` for stdin, or CA1 text itself.
    input: String,
}

/// `verify-many` arguments.
#[derive(Debug, Args)]
pub struct VerifyManyArgs {
    /// The trust store JSON.
    #[arg(long)]
    trust: PathBuf,
    /// Verify as of this time; default now.
    #[arg(long)]
    at: Option<String>,
    /// A ledger mirror kept by `certanchor sync` (as for `verify`).
    #[arg(long)]
    mirror: Option<PathBuf>,
    /// A directory of bundle files, or a JSONL file (each line a JSON string
    /// or `{"bundle": …}` holding CA1 text or base64 binary), `-` for JSONL
    /// on stdin (copied to a temporary file: inputs are read twice, status
    /// lists first, a chunk at a time). A line or file that is not a bundle
    /// is an invalid input, not the end of the run. The text output names
    /// every input that is not valid (its path, or `FILE:LINE` /
    /// `stdin:LINE`) with its verdict and the check that decided it.
    input: PathBuf,
}

pub fn load_verifier(trust: &Path) -> Result<Verifier, CliError> {
    let text = util::read_text(trust)?;
    let store = TrustStore::from_json(&text).map_err(|e| CliError::from(e).at(trust.display()))?;
    Ok(Verifier::new(store))
}

/// A verifier that also checks against the ledger mirror in `mirror`, if
/// one is given (the trust store's ledger of the mirror's origin).
fn load_verifier_with(trust: &Path, mirror: Option<&Path>, now: u64) -> Result<Verifier, CliError> {
    let mut v = load_verifier(trust)?;
    if let Some(dir) = mirror {
        let ledger = crate::sync_cmd::mirror_ledger(v.trust_store(), dir)?;
        let view = certanchor::ledger::mirror::Mirror::read_view(dir, &ledger)
            .map_err(|e| CliError::new(e.code(), e.to_string()).at(dir.display()))?;
        v.use_ledger(view, now)
            .map_err(|e| CliError::from(e).at(dir.display()))?;
    }
    Ok(v)
}

pub fn exit_code(v: Verdict) -> i32 {
    match v {
        Verdict::Valid => 0,
        Verdict::Invalid => 1,
        Verdict::Indeterminate => 3,
    }
}

/// The human report: the verdict banner, then the report's fields with
/// Chinese labels for known fields, every string from the bundle or the
/// trust store escaped and capped ([`certanchor::display`]).
pub fn render_report(r: &Report, registry: &SchemaRegistry) -> String {
    let banner = match r.verdict {
        Verdict::Valid => "VALID 有效",
        Verdict::Invalid => "INVALID 无效",
        Verdict::Indeterminate => "INDETERMINATE 待定",
    };
    let mut out = format!("{banner}\n");
    // Writing to a String cannot fail.
    let _ = display::write_report_body(&mut out, r, Some(registry));
    // The verdict again as the last line: a forged value long enough to
    // wrap can push the first line off the screen, never past this one.
    out.push_str(&format!("verdict: {banner}\n"));
    out
}

pub fn verify(a: &VerifyArgs, json: bool) -> Result<i32, CliError> {
    let now = util::now_or(a.at.as_deref())?;
    let verifier = load_verifier_with(&a.trust, a.mirror.as_deref(), now)?;
    for s in &a.status {
        verifier
            .add_status_list(&util::read(s)?, now)
            .map_err(|e| CliError::from(e).at(s.display()))?;
    }
    let input = util::read_bundle_input(&a.input)?;
    let report = if a.online {
        let oracle = certanchor_ledger_evm::EvmOracle::from_trust_store(
            verifier.trust_store(),
            a.rpc.as_deref(),
            a.confirmations,
        )?;
        verifier.verify_online(&input, now, &oracle)
    } else {
        verifier.verify(&input, now)
    };
    if json {
        util::print_json(&report.to_json());
    } else {
        print!("{}", render_report(&report, verifier.registry()));
    }
    Ok(exit_code(report.verdict))
}

/// The inputs of `verify-many`: a directory, a JSON Lines file, or `-`
/// for JSON Lines on standard input, copied to an unnamed temporary file
/// (bulk verification reads its inputs twice; memory stays bounded).
fn open_source(input: &Path) -> Result<BundleSource, CliError> {
    if input.as_os_str() == "-" {
        let cannot =
            |e: std::io::Error| CliError::new("io_error", format!("cannot spool stdin: {e}"));
        let mut file = tempfile::tempfile().map_err(cannot)?;
        std::io::copy(&mut std::io::stdin().lock(), &mut file).map_err(cannot)?;
        return Ok(BundleSource::Spooled {
            name: "stdin".into(),
            file,
        });
    }
    BundleSource::open(input).map_err(source_error)
}

fn source_error(e: certanchor::source::SourceError) -> CliError {
    CliError::new("io_error", e.to_string())
}

pub fn verify_many(a: &VerifyManyArgs, json: bool) -> Result<i32, CliError> {
    let now = util::now_or(a.at.as_deref())?;
    let verifier = load_verifier_with(&a.trust, a.mirror.as_deref(), now)?;
    let source = open_source(&a.input)?;
    let pb = match source.len_hint() {
        Some(n) => util::progress(n as u64, "verifying"),
        None => util::progress_unknown("verifying"),
    };
    // Per input only its place, verdict and problems are kept, taken from
    // each report on the thread that verified it: a full report is about
    // 4 KB, which a bank's whole portfolio would not fit in.
    // (place, verdict, failed checks, the deciding `check/code`)
    type Summary = (String, Verdict, Vec<String>, Option<String>);
    let mut results: Vec<Summary> = Vec::new();
    let mut by_verdict: BTreeMap<&str, usize> = BTreeMap::new();
    let mut by_code: BTreeMap<String, usize> = BTreeMap::new();
    let code_of = |c: &certanchor::Check| format!("{}/{}", c.check.as_str(), c.code);
    let summarize = |r: Report| {
        let problems: Vec<(bool, String)> = r
            .problems()
            .map(|c| (c.outcome == Outcome::Failed, code_of(c)))
            .collect();
        (r.verdict, problems, r.decided_by().map(code_of))
    };
    let run = verifier.verify_source(&source, now, 1024, summarize, |chunk| {
        pb.inc(chunk.len() as u64);
        for (place, (verdict, problems, deciding)) in chunk {
            *by_verdict.entry(verdict.as_str()).or_default() += 1;
            let mut failed = Vec::new();
            for (is_failure, code) in problems {
                *by_code.entry(code.clone()).or_default() += 1;
                if is_failure {
                    failed.push(code);
                }
            }
            results.push((place, verdict, failed, deciding));
        }
        Ok::<(), std::convert::Infallible>(())
    });
    pb.finish_and_clear();
    match run {
        Ok(()) => {}
        Err(SourceOrSink::Source(e)) => return Err(source_error(e)),
        Err(SourceOrSink::Sink(never)) => match never {},
    }
    let worst = if by_verdict.contains_key("invalid") {
        Verdict::Invalid
    } else if by_verdict.contains_key("indeterminate") {
        Verdict::Indeterminate
    } else {
        Verdict::Valid
    };
    if json {
        util::print_json(&json!({
            "total": results.len(),
            "verdicts": by_verdict,
            "problems": by_code,
            "verifier_memory_bytes": verifier.memory_bytes(),
            "peak_rss_bytes": util::peak_rss(),
            "results": results.iter().map(|(name, verdict, failed, deciding)| json!({
                "input": name, "verdict": verdict.as_str(), "failed": failed, "decided_by": deciding,
            })).collect::<Vec<_>>(),
        }));
    } else {
        println!("{:<16} {:>10}", "verdict", "bundles");
        for v in ["valid", "invalid", "indeterminate"] {
            println!("{v:<16} {:>10}", by_verdict.get(v).copied().unwrap_or(0));
        }
        println!("{:<16} {:>10}", "total", results.len());
        if !by_code.is_empty() {
            println!("\n{:<40} {:>10}", "check/code", "bundles");
            for (code, n) in &by_code {
                let code = display::escape(code);
                println!("{code:<40} {n:>10}");
            }
        }
        let mut not_valid = results
            .iter()
            .filter(|(_, v, _, _)| *v != Verdict::Valid)
            .peekable();
        if not_valid.peek().is_some() {
            println!("\nnot valid (input: verdict, deciding check/code)");
        }
        for (name, verdict, _, deciding) in not_valid {
            println!(
                "{}: {} {}",
                display::escape_text(name),
                verdict.as_str(),
                display::escape(deciding.as_deref().unwrap_or("-"))
            );
        }
    }
    Ok(exit_code(worst))
}

pub fn inspect(path: &Path, json: bool) -> Result<i32, CliError> {
    let bytes = util::read(path)?;
    let registry = SchemaRegistry::builtin();
    let (kind, value) = if let Ok(b) = Bundle::decode_any(&bytes) {
        let mut j = b.to_json();
        if let Ok(h) = b.decoded_header()
            && let Some(schema) = registry.get(&h.kind)
            && let Some(arr) = j
                .get_mut("disclosed")
                .and_then(serde_json::Value::as_array_mut)
        {
            for d in arr {
                let label = d["name"]
                    .as_str()
                    .and_then(|n| schema.field(n))
                    .and_then(|f| f.label_zh.clone());
                if let Some(obj) = d.as_object_mut() {
                    obj.insert("label_zh".into(), json!(label));
                }
            }
        }
        ("bundle", j)
    } else if let Ok(a) = Anchor::from_slice(&bytes) {
        let b = a.body();
        (
            "anchor",
            json!({"id": a.id().to_hex(), "issuer": b.issuer, "batch": b.batch, "tree_size": b.tree_size,
            "root": b.root.to_hex(), "issued_at": certanchor::time::format(b.issued_at), "kinds": b.kinds,
            "signer_key_ids": a.signer_key_ids().iter().map(|k| k.to_hex()).collect::<Vec<_>>()}),
        )
    } else if let Ok(s) = StatusList::from_slice(&bytes) {
        let b = s.body();
        (
            "status list",
            json!({"issuer": b.issuer, "batch": b.batch, "purpose": b.purpose.as_str(), "epoch": b.epoch,
            "issued_at": certanchor::time::format(b.issued_at), "ttl": b.ttl, "root": b.root.to_hex(),
            "set": b.set_indices().collect::<Vec<_>>(), "signer_key_id": s.signer_key_id().to_hex()}),
        )
    } else if let Ok(batch) = IssuedBatch::from_slice(&bytes) {
        let b = batch.anchor().body();
        (
            "batch record (private)",
            json!({"issuer": b.issuer, "batch": b.batch, "certificates": batch.len(),
            "root": b.root.to_hex(), "status_lists": batch.status_lists().len()}),
        )
    } else if let Ok(text) = std::str::from_utf8(&bytes) {
        if let Ok(parsed) = certanchor::note::parse_note(text) {
            let cp = certanchor::note::Checkpoint::from_text(&parsed.text).ok();
            (
                "signed note",
                json!({"text": parsed.text, "signatures": parsed.signatures.len(),
                "checkpoint": cp.map(|c| json!({"origin": c.origin, "tree_size": c.tree_size, "root": c.root.to_hex()}))}),
            )
        } else if let Ok(t) = TrustStore::from_json(text) {
            (
                "trust store",
                json!({"issuers": t.issuers().iter().map(|i| json!({"id": i.id, "name": i.name, "kinds": i.kinds, "keys": i.keys.len()})).collect::<Vec<_>>(),
                "policies": t.doc().policies, "ledgers": t.doc().ledgers}),
            )
        } else {
            return Err(CliError::new(
                "unknown_format",
                format!("{}: not a certanchor object", path.display()),
            ));
        }
    } else {
        return Err(CliError::new(
            "unknown_format",
            format!("{}: not a certanchor object", path.display()),
        ));
    };
    if json {
        util::print_json(&json!({"type": kind, "value": value}));
    } else {
        println!("{kind}: {}", util::show_path(path));
        println!("{}", util::human_json(&value));
    }
    Ok(0)
}
