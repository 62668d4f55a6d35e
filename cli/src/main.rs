//! `certanchor`: what an issuing office and a verifying department run.
//!
//! Exit codes: 0 success / valid, 1 invalid, 3 indeterminate, 2 usage or I/O
//! error. Every command takes `--json` for scripts; errors are then printed as
//! `{"error": {"code": …, "message": …}}` with the same stable codes as the
//! library and the bindings.
//!
//! When stdout is closed early (`certanchor inspect x | head`), a command
//! stops quietly at its next write with exit status 141 (128 + SIGPIPE, what
//! a shell reports for a program killed by SIGPIPE), never 0: a reader that
//! stopped early has not seen a verdict, so a pipeline under `pipefail` must
//! not take it for a valid one.

/// Every `println!`/`print!` of the CLI goes through [`util::write_stdout`],
/// which turns a closed stdout into a quiet exit 141 instead of std's panic.
/// (A `macro_rules!` defined here shadows std's in every module below.)
macro_rules! println {
    () => {
        $crate::util::write_stdout(format_args!("\n"))
    };
    ($($arg:tt)*) => {
        $crate::util::write_stdout(format_args!("{}\n", format_args!($($arg)*)))
    };
}
macro_rules! print {
    ($($arg:tt)*) => {
        $crate::util::write_stdout(format_args!($($arg)*))
    };
}

mod bench;
mod demo;
mod evm_cmd;
mod http_server;
mod issuing;
mod ledger_cmd;
mod qr;
mod serve;
mod sync_cmd;
mod trust_cmd;
mod util;
mod verifying;
mod witness_cmd;

use clap::{Parser, Subcommand};

use crate::util::CliError;

/// mimalloc rather than glibc's allocator: a verification allocates some
/// fifty small blocks (decoded fields, the report) and issuance one record
/// per certificate, from both cores at once. Measured on `bench --n 1000000`
/// (BENCHMARKS.md, 2026-11-27, `b476ac1`): `verify_many` 1.6x faster, bundles produced 2x
/// faster, peak memory 13.5 GB -> 7.7 GB.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Anchor electronic certificates under signed Merkle roots and verify proof bundles offline.
#[derive(Debug, Parser)]
#[command(name = "certanchor", version, about)]
struct Cli {
    /// Machine-readable JSON output (and JSON errors).
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Generate an Ed25519 key (PKCS#8 PEM, mode 0600; never overwrites).
    Keygen {
        /// Where to write the private key.
        #[arg(long)]
        out: std::path::PathBuf,
    },
    /// Print a key's public key (base64 raw), or its signed-note verifier key.
    Pubkey {
        /// Private key PEM (or SPKI public key PEM).
        key: std::path::PathBuf,
        /// Print the C2SP note verifier key for this key name instead.
        #[arg(long)]
        note_name: Option<String>,
    },
    /// Issue a batch of certificates from JSONL or CSV.
    Issue(issuing::IssueArgs),
    /// Add a department's endorsement signature to an anchor, in place.
    Endorse {
        /// The department's key.
        #[arg(long)]
        key: std::path::PathBuf,
        /// The department's issuer id (checked against nothing; recorded in the output).
        #[arg(long)]
        issuer: String,
        /// The anchor file (`anchor.cose` of a batch).
        anchor: std::path::PathBuf,
        /// The endorsement's time, which it signs (RFC 3339, date or Unix
        /// seconds); default now. Verifiers count it only if the key was
        /// valid then and is not revoked when they verify.
        #[arg(long)]
        at: Option<String>,
    },
    /// Produce bundles from a batch.
    Prove(issuing::ProveArgs),
    /// Derive a smaller bundle disclosing fewer fields (as a holder).
    Disclose {
        /// The bundle (binary or CA1 text).
        bundle: std::path::PathBuf,
        /// Fields to keep, comma separated.
        #[arg(long, value_delimiter = ',')]
        fields: Vec<String>,
        /// Write CA1 text instead of binary.
        #[arg(long)]
        text: bool,
        /// Output file.
        #[arg(long)]
        out: std::path::PathBuf,
    },
    /// Publish a new status list: revoke, suspend or reinstate certificates.
    Status(issuing::StatusArgs),
    /// Bring a ledger mirror up to date: verify the ledger's newest
    /// checkpoint, refuse a rollback or a fork, read and prove the new
    /// entries (anchors and status lists) from a published directory or a
    /// snapshot file.
    Sync(sync_cmd::SyncArgs),
    /// Verify one bundle: exit 0 valid, 1 invalid, 3 indeterminate.
    Verify(verifying::VerifyArgs),
    /// Verify many bundles in parallel with a summary.
    VerifyMany(verifying::VerifyManyArgs),
    /// Edit a trust store without hand-editing JSON.
    Trust {
        #[command(subcommand)]
        command: trust_cmd::TrustCommand,
    },
    /// The embedded file ledger, or with --evm an anchor registry on an EVM chain.
    Ledger {
        #[command(flatten)]
        evm: evm_cmd::EvmArgs,
        #[command(subcommand)]
        command: ledger_cmd::LedgerCommand,
    },
    /// A witness for ledgers: its key, and the `add-checkpoint` HTTP server.
    Witness {
        #[command(subcommand)]
        command: witness_cmd::WitnessCommand,
    },
    /// C2SP signed notes.
    Note {
        #[command(subcommand)]
        command: ledger_cmd::NoteCommand,
    },
    /// Show any certanchor object (bundle, anchor, status list, batch, checkpoint, trust store).
    Inspect {
        /// The file.
        file: std::path::PathBuf,
    },
    /// Render a bundle as a QR code (PNG or SVG file, or on the terminal).
    Qr {
        /// The bundle (binary or CA1 text).
        bundle: std::path::PathBuf,
        /// Output `.png` or `.svg`; omitted: print to the terminal.
        #[arg(long)]
        out: Option<std::path::PathBuf>,
    },
    /// End-to-end benchmark on generated licenses, with ratios to this machine's SHA-256 and Ed25519 rates.
    Bench {
        /// Number of certificates.
        #[arg(long, default_value_t = 100_000)]
        n: usize,
    },
    /// The main job on embedded sample data: issue, endorse, anchor, disclose, revoke, verify.
    Demo {
        /// Keep the files here instead of a temporary directory.
        #[arg(long)]
        out: Option<std::path::PathBuf>,
    },
}

fn run(cli: Cli) -> Result<i32, CliError> {
    let json = cli.json;
    match cli.command {
        Command::Keygen { out } => issuing::keygen(&out, json),
        Command::Pubkey { key, note_name } => issuing::pubkey(&key, note_name.as_deref(), json),
        Command::Issue(a) => issuing::issue(&a, json),
        Command::Endorse {
            key,
            issuer,
            anchor,
            at,
        } => issuing::endorse(&key, &issuer, &anchor, at.as_deref(), json),
        Command::Prove(a) => issuing::prove(&a, json),
        Command::Disclose {
            bundle,
            fields,
            text,
            out,
        } => issuing::disclose(&bundle, &fields, text, &out, json),
        Command::Status(a) => issuing::status(&a, json),
        Command::Sync(a) => sync_cmd::run(&a, json),
        Command::Verify(a) => verifying::verify(&a, json),
        Command::VerifyMany(a) => verifying::verify_many(&a, json),
        Command::Trust { command } => trust_cmd::run(command, json),
        Command::Ledger { evm, command } => match evm.evm.clone() {
            Some(url) => evm_cmd::run(&evm, &url, command, json),
            None => ledger_cmd::run(command, json),
        },
        Command::Note { command } => ledger_cmd::run_note(command, json),
        Command::Witness { command } => witness_cmd::run(command, json),
        Command::Inspect { file } => verifying::inspect(&file, json),
        Command::Qr { bundle, out } => qr::qr(&bundle, out.as_deref(), json),
        Command::Demo { out } => demo::demo(out.as_deref(), json),
        Command::Bench { n } => bench::bench(n, json),
    }
}

fn main() {
    let cli = Cli::parse();
    let json = cli.json;
    let code = match run(cli) {
        Ok(code) => code,
        Err(e) => {
            if json {
                println!(
                    "{}",
                    serde_json::json!({"error": {"code": e.code, "message": e.message}})
                );
            } else {
                eprintln!("error: {e}");
            }
            2
        }
    };
    util::flush_stdout();
    std::process::exit(code);
}
