//! The ledger at scale, end to end (SPEC §9.6–§9.9): builds a file ledger
//! of `--n` real signed anchors, then times the release CLI doing what an
//! issuing office and a verifying department do with it, each beside a
//! limit measured in the same run. A measurement, not a test: nothing is
//! asserted but that every step succeeded and every bundle verified.
//!
//! ```sh
//! cargo build --release -p certanchor-cli --bin certanchor --example ledger_sync_scale
//! target/release/examples/ledger_sync_scale --n 1000000 --rounds 3
//! ```
//!
//! Options: `--n` entries (default 1,000,000), `--add` entries per
//! incremental round (1,000), `--rounds` (3), `--bundles` licences verified
//! with and without the mirror (50,000) in `--verify-rounds` pairs (7),
//! `--bin` the `certanchor` binary
//! (default: beside this example's directory), `--dir` the work directory
//! (default: a new one in the temporary directory, removed at the end unless
//! `--keep`), `--json` (one JSON object on stdout at the end).
//!
//! Steps and their limits:
//! * **build**: `append_many` of `--n` anchors in groups of 50,000, signed
//!   on all cores (one signature per anchor, each of its own batch name);
//!   a batch of `--bundles` licences is anchored in the middle (entry n/2),
//!   its bundles carry that receipt. Not a figure: setup.
//! * **publish**: `certanchor ledger publish` into a new site, each round,
//!   alternating with `cp -r` of the published site to a new directory and
//!   `sync -f` (the same files written and made durable), and against
//!   rebuilding the tree on one core (a leaf hash per entry and its nodes:
//!   what opening the ledger rehashes); beside it, `certanchor ledger
//!   checkpoint` (opening the ledger and nothing else) shows how much of a
//!   publish is recovery.
//! * **snapshot**: `certanchor ledger snapshot`, against writing the same
//!   bytes (`cp` of the snapshot file and `sync -f`).
//! * **sync**: `certanchor sync` into a new mirror from `certanchor ledger
//!   serve` on 127.0.0.1, from the site directory and from the snapshot
//!   file, each round; wall time and peak resident memory of the `sync`
//!   process (`wait4`'s `ru_maxrss`). Limits: the same leaves and nodes
//!   hashed on one core (a `Frontier` fed every entry's leaf hash), and
//!   every entry bundle fetched over loopback from the same server (the
//!   same HTTP client, nothing verified).
//! * **incremental**: `--add` anchors appended (one `append_many`), then
//!   `ledger publish` and `sync` from the server and from the directory into
//!   the mirrors synced above; wall time of each command.
//! * **verify**: the `--bundles` licences verified one at a time on one
//!   core by a warm verifier with and without `Verifier::use_ledger` (the
//!   view of the served mirror: every anchor of the ledger), a pass of
//!   each in turn, the order alternating; the figure is the median of the
//!   pairs' ratios. Bundles with the ledger receipt and without.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use certanchor::keys::SigningKey;
use certanchor::ledger::http::HttpTileSource;
use certanchor::ledger::mirror::Mirror;
use certanchor::ledger::sync::Frontier;
use certanchor::ledger::tiles::{self, TileSource};
use certanchor::ledger::{FileLedger, Ledger};
use certanchor::merkle::leaf_hash;
use certanchor::note::NoteVerifier;
use certanchor::{Anchor, AnchorBody, Hash, IssueOptions, Issuer, TrustStore, Verdict, Verifier};
use certanchor::{Document as _, sample};
use rayon::prelude::*;
use serde_json::json;

const ORIGIN: &str = "ledger.scale.test/certanchor";
const GROUP: u64 = 50_000;
/// The ledger's clock while the example appends: after the licences were
/// issued (`JAN_1_2024 + 1 day`) and before they are verified (`NOW`), so
/// the mirror's checkpoint is neither from the future nor stale.
const LEDGER_TIME: u64 = sample::JAN_1_2024 + 86_400 + 3_600;
const NOW: u64 = sample::JAN_1_2024 + 2 * 86_400;

fn ledger_clock() -> u64 {
    LEDGER_TIME
}

fn arg<T: std::str::FromStr>(args: &[String], name: &str, default: T) -> T {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .map_or(default, |v| v.parse().ok().expect("a number"))
}

/// What a child process took: wall seconds, peak resident bytes (0 when
/// unknown), stdout.
struct Run {
    secs: f64,
    peak_rss: u64,
    stdout: String,
}

/// GNU time, which reports a child's peak resident memory (`wait4`'s
/// `ru_maxrss`, `%M`); the workspace forbids the `unsafe` a direct `wait4`
/// would take.
const GNU_TIME: &str = "/usr/bin/time";

/// Runs `program args` to its end, under GNU time when there is one.
fn run(program: &Path, args: &[&str]) -> Run {
    let rss_file =
        std::env::temp_dir().join(format!("certanchor-ledger-sync-rss-{}", std::process::id()));
    let mut cmd = if Path::new(GNU_TIME).exists() {
        let mut c = Command::new(GNU_TIME);
        c.args(["-f", "%M", "-o"]).arg(&rss_file).arg(program);
        c
    } else {
        Command::new(program)
    };
    let t = Instant::now();
    let out = cmd.args(args).stdin(Stdio::null()).output().unwrap();
    let secs = t.elapsed().as_secs_f64();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{program:?} {args:?} failed: {stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let peak_rss = std::fs::read_to_string(&rss_file)
        .ok()
        .and_then(|s| s.lines().last()?.trim().parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024);
    let _ = std::fs::remove_file(&rss_file);
    Run {
        secs,
        peak_rss,
        stdout,
    }
}

fn sh(script: &str) -> f64 {
    run(Path::new("/bin/sh"), &["-c", script]).secs
}

fn dir_bytes(dir: &Path) -> u64 {
    let mut total = 0;
    for e in std::fs::read_dir(dir).unwrap() {
        let e = e.unwrap();
        let m = e.metadata().unwrap();
        total += if m.is_dir() {
            dir_bytes(&e.path())
        } else {
            m.len()
        };
    }
    total
}

fn median(v: &[f64]) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    s.get(s.len() / 2).copied().unwrap_or(0.0)
}

fn best(v: &[f64]) -> f64 {
    v.iter().copied().fold(f64::INFINITY, f64::min)
}

fn mib(b: u64) -> f64 {
    b as f64 / 1_048_576.0
}

/// Anchors `from..to` of the scale ledger, each of its own batch, signed on
/// all cores.
fn anchors(key: &SigningKey, from: u64, to: u64) -> Vec<Vec<u8>> {
    (from..to)
        .into_par_iter()
        .map(|j| {
            let body = AnchorBody {
                issuer: "cn.beijing.scjgj".into(),
                batch: format!("scale-{j}"),
                tree_size: 1000,
                root: Hash::digest(&j.to_be_bytes()),
                issued_at: sample::JAN_1_2024,
                kinds: vec!["business_license".into()],
            };
            Anchor::sign(&body, key).unwrap().as_bytes().to_vec()
        })
        .collect()
}

/// Appends `anchors` in one `append_many`; returns the leaf data of each
/// (`0x01 ‖ anchor id`, SPEC §9.1).
fn append(ledger: &mut FileLedger, anchors: &[Vec<u8>]) -> Vec<[u8; 33]> {
    let refs: Vec<&[u8]> = anchors.iter().map(Vec::as_slice).collect();
    ledger
        .append_many(&refs)
        .unwrap()
        .iter()
        .map(|r| {
            let mut d = [1u8; 33];
            d[1..].copy_from_slice(r.anchor_id.as_bytes());
            d
        })
        .collect()
}

/// One core: every leaf hashed and pushed into a frontier (its node
/// hashes), as a sync does; returns the seconds and checks the root.
fn hash_limit(leaves: &[[u8; 33]], root: &Hash) -> f64 {
    let t = Instant::now();
    let mut f = Frontier::new();
    for l in leaves {
        f.push(leaf_hash(l));
    }
    let r = f.root();
    let secs = t.elapsed().as_secs_f64();
    assert_eq!(r.as_ref(), Some(root), "frontier root");
    secs
}

/// SHA-256 of a 64-byte message on one core, per second (as `certanchor bench`).
fn sha256_rate() -> f64 {
    let msg = [7u8; 64];
    let t = Instant::now();
    let mut n = 0u64;
    while t.elapsed() < Duration::from_millis(300) {
        for _ in 0..1000 {
            std::hint::black_box(Hash::digest(std::hint::black_box(&msg)));
        }
        n += 1000;
    }
    n as f64 / t.elapsed().as_secs_f64()
}

/// Fetches the checkpoint and every entry bundle of `size` over HTTP, as a
/// sync does, verifying nothing; returns the seconds and bytes.
fn fetch_limit(url: &str, size: u64) -> (f64, u64) {
    let src = HttpTileSource::new(url).unwrap();
    let t = Instant::now();
    let mut bytes = src.checkpoint().unwrap().len() as u64;
    for tile in tiles::tiles_for_size(size)
        .into_iter()
        .filter(|t| t.level() == 0)
    {
        bytes += src
            .read(&tile.entries_path(), tiles::MAX_BUNDLE_LEN)
            .unwrap()
            .len() as u64;
    }
    (t.elapsed().as_secs_f64(), bytes)
}

/// Warm verification on one core: bundles per second, all valid.
fn verify_rate(v: &Verifier, bundles: &[Vec<u8>]) -> f64 {
    let first = v.verify(&bundles[0], NOW);
    assert_eq!(first.verdict, Verdict::Valid, "{first}");
    let t = Instant::now();
    let mut valid = 0usize;
    for b in bundles {
        valid += usize::from(v.verify(b, NOW).verdict == Verdict::Valid);
    }
    let rate = bundles.len() as f64 / t.elapsed().as_secs_f64();
    assert_eq!(valid, bundles.len(), "every bundle verifies");
    rate
}

#[allow(clippy::too_many_lines)]
fn main() {
    let args: Vec<String> = std::env::args().collect();
    let n: u64 = arg(&args, "--n", 1_000_000);
    let add: u64 = arg(&args, "--add", 1_000);
    let rounds: usize = arg(&args, "--rounds", 3).max(1);
    let nbundles: u64 = arg(&args, "--bundles", 50_000).max(1);
    let verify_rounds: usize = arg(&args, "--verify-rounds", 7).max(1);
    let json_out = args.iter().any(|a| a == "--json");
    let keep = args.iter().any(|a| a == "--keep");
    let exe = std::env::current_exe().unwrap();
    let bin: PathBuf = args
        .iter()
        .position(|a| a == "--bin")
        .and_then(|i| args.get(i + 1))
        .map_or_else(
            || exe.parent().unwrap().parent().unwrap().join("certanchor"),
            PathBuf::from,
        );
    assert!(
        bin.exists(),
        "{} is missing: build it first (cargo build --release -p certanchor-cli --bin certanchor), or pass --bin",
        bin.display()
    );
    let work: PathBuf = args
        .iter()
        .position(|a| a == "--dir")
        .and_then(|i| args.get(i + 1))
        .map_or_else(
            || std::env::temp_dir().join(format!("certanchor-ledger-sync-{}", std::process::id())),
            PathBuf::from,
        );
    let say = |s: String| {
        if json_out {
            eprintln!("{s}");
        } else {
            println!("{s}");
        }
    };
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work).unwrap();
    say(format!(
        "ledger_sync_scale: {} ({}), {n} entries, work dir {}",
        bin.display(),
        if cfg!(debug_assertions) {
            "debug build of the example: its own figures are not representative"
        } else {
            "release"
        },
        work.display()
    ));
    let sha256_per_s = sha256_rate();
    say(format!(
        "limit: SHA-256(64 B) {sha256_per_s:.0}/s on one core"
    ));

    // --- build -----------------------------------------------------------
    let ledger_key = SigningKey::from_seed(&[0x42; 32]);
    let issuer_key = SigningKey::from_seed(&[0x12; 32]);
    let ledger_dir = work.join("ledger");
    let mut ledger = FileLedger::create(&ledger_dir, ORIGIN, ledger_key.clone()).unwrap();
    ledger.set_clock(ledger_clock);
    std::fs::write(
        ledger_dir.join("ledger-key.pem"),
        ledger_key.to_pkcs8_pem().as_bytes(),
    )
    .unwrap();
    // the licences verified at the end, anchored at entry n / 2
    let auths = sample::demo_authorities();
    let (market, tax) = (&auths[1], &auths[2]);
    let certs: Vec<_> = (0..nbundles).map(sample::business_license).collect();
    let mut batch = Issuer::new(market.key.clone(), market.id)
        .issue(
            "scale-licences",
            &certs,
            &IssueOptions::at(sample::JAN_1_2024 + 86_400),
        )
        .unwrap();
    batch
        .endorse(&tax.key, batch.anchor().body().issued_at)
        .unwrap();
    drop(certs);
    let t = Instant::now();
    let (mut sign_s, mut append_s) = (0.0, 0.0);
    let mut leaves: Vec<[u8; 33]> = Vec::with_capacity(usize::try_from(n + 1).unwrap());
    let mut receipt = None;
    let mut i = 0u64;
    while i < n {
        let end = (i + GROUP).min(n);
        if receipt.is_none() && end > n / 2 {
            let end = n / 2;
            let ts = Instant::now();
            let group = anchors(&issuer_key, i, end);
            sign_s += ts.elapsed().as_secs_f64();
            let ta = Instant::now();
            leaves.extend(append(&mut ledger, &group));
            let r = ledger.append(batch.anchor().as_bytes()).unwrap();
            append_s += ta.elapsed().as_secs_f64();
            let mut d = [1u8; 33];
            d[1..].copy_from_slice(r.anchor_id.as_bytes());
            leaves.push(d);
            receipt = Some(r.to_bundle_receipt());
            i = end;
            continue;
        }
        let ts = Instant::now();
        let group = anchors(&issuer_key, i, end);
        sign_s += ts.elapsed().as_secs_f64();
        let ta = Instant::now();
        leaves.extend(append(&mut ledger, &group));
        append_s += ta.elapsed().as_secs_f64();
        i = end;
    }
    let size = ledger.size();
    let root = ledger.tree().root_at(size).unwrap();
    let vkey = ledger.verifier_key();
    drop(ledger);
    say(format!(
        "build: {size} entries in {:.1} s (signing {sign_s:.1} s on all cores, append_many {append_s:.1} s); ledger {:.0} MiB",
        t.elapsed().as_secs_f64(),
        mib(dir_bytes(&ledger_dir))
    ));
    let receipt = receipt.unwrap();
    let trust = TrustStore::from_doc(sample::demo_trust_doc(Some((
        ORIGIN,
        &ledger_key.public_key(),
    ))))
    .unwrap();
    let trust_path = work.join("trust.json");
    std::fs::write(&trust_path, trust.to_json()).unwrap();
    let ledger_verifier = NoteVerifier::from_verifier_key(&vkey).unwrap();

    // --- publish ---------------------------------------------------------
    let ledger_s = ledger_dir.to_str().unwrap();
    let site = work.join("site");
    let (mut publish, mut cp_r, mut hash_s) = (Vec::new(), Vec::new(), Vec::new());
    let mut open_s = Vec::new();
    let mut publish_rss = 0;
    for r in 0..rounds {
        let out = work.join(format!("site-{r}"));
        let copy = work.join(format!("site-{r}-copy"));
        let p = run(
            &bin,
            &[
                "ledger",
                "publish",
                ledger_s,
                "--out",
                out.to_str().unwrap(),
                "--json",
            ],
        );
        publish.push(p.secs);
        publish_rss = publish_rss.max(p.peak_rss);
        cp_r.push(sh(&format!(
            "cp -r '{}' '{}' && sync -f '{}'",
            out.display(),
            copy.display(),
            copy.display()
        )));
        hash_s.push(hash_limit(&leaves, &root));
        // what publishing pays before it writes anything: opening the
        // ledger (reading every segment, rebuilding the tree, checking
        // every checkpoint), as any command that opens it does
        open_s.push(run(&bin, &["ledger", "checkpoint", ledger_s]).secs);
        std::fs::remove_dir_all(&copy).unwrap();
        if r + 1 == rounds {
            std::fs::rename(&out, &site).unwrap();
        } else {
            std::fs::remove_dir_all(&out).unwrap();
        }
        say(format!(
            "publish round {}: {:.2} s (peak RSS {:.0} MiB); cp -r + sync -f {:.2} s; tree hashing, 1 core {:.2} s; opening the ledger (ledger checkpoint) {:.2} s",
            r + 1,
            p.secs,
            mib(p.peak_rss),
            cp_r[r],
            hash_s[r],
            open_s[r]
        ));
    }
    let site_bytes = dir_bytes(&site);
    let site_files = tiles::tiles_for_size(size).len() + size.div_ceil(256) as usize + 1;
    say(format!(
        "publish: median {:.2} s, {:.2} x cp -r (median {:.2} s), {:.2} x tree hashing (median {:.2} s); opening the ledger median {:.2} s; site {:.1} MiB in {site_files} files",
        median(&publish),
        median(&publish) / median(&cp_r),
        median(&cp_r),
        median(&publish) / median(&hash_s),
        median(&hash_s),
        median(&open_s),
        mib(site_bytes)
    ));

    // --- snapshot --------------------------------------------------------
    let snap = work.join("ledger.snapshot");
    let (mut snapshot, mut snap_cp) = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        let p = run(
            &bin,
            &[
                "ledger",
                "snapshot",
                ledger_s,
                "--out",
                snap.to_str().unwrap(),
            ],
        );
        snapshot.push(p.secs);
        snap_cp.push(sh(&format!(
            "cp '{0}' '{0}.copy' && sync -f '{0}.copy' && rm '{0}.copy'",
            snap.display()
        )));
    }
    let snap_bytes = std::fs::metadata(&snap).unwrap().len();
    say(format!(
        "snapshot: median {:.2} s ({:.1} MiB), {:.2} x cp + sync -f of the file (median {:.2} s)",
        median(&snapshot),
        mib(snap_bytes),
        median(&snapshot) / median(&snap_cp),
        median(&snap_cp)
    ));

    // --- serve and sync --------------------------------------------------
    let mut server = Command::new(&bin)
        .args(["ledger", "serve"])
        .arg(&site)
        .args(["--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(server.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    let url = first
        .split(" at ")
        .last()
        .map(|u| u.trim().to_owned())
        .filter(|u| u.starts_with("http://"))
        .unwrap_or_else(|| panic!("unexpected first line {first:?}"));
    let sync = |from: &str, state: &Path| -> Run {
        run(
            &bin,
            &[
                "sync",
                "--trust",
                trust_path.to_str().unwrap(),
                "--state",
                state.to_str().unwrap(),
                "--from",
                from,
                "--json",
            ],
        )
    };
    let site_s = site.to_str().unwrap().to_owned();
    let snap_s = snap.to_str().unwrap().to_owned();
    let (mut http, mut dir, mut file) = (Vec::new(), Vec::new(), Vec::new());
    let (mut fetch, mut hash2) = (Vec::new(), Vec::new());
    let mut rss = [0u64; 3];
    let mut fetched = 0;
    let mirror_http = work.join("mirror-http");
    let mirror_dir = work.join("mirror-dir");
    for r in 0..rounds {
        let (f, b) = fetch_limit(&url, size);
        fetch.push(f);
        fetched = b;
        hash2.push(hash_limit(&leaves, &root));
        for (k, from, times) in [
            (0, url.as_str(), &mut http),
            (1, site_s.as_str(), &mut dir),
            (2, snap_s.as_str(), &mut file),
        ] {
            let state = work.join(format!("mirror-{r}-{k}"));
            let s = sync(from, &state);
            let summary: serde_json::Value = serde_json::from_str(&s.stdout).unwrap();
            assert_eq!(summary["new_size"], size, "{}", s.stdout);
            times.push(s.secs);
            rss[k] = rss[k].max(s.peak_rss);
            if r + 1 == rounds && k < 2 {
                std::fs::rename(&state, if k == 0 { &mirror_http } else { &mirror_dir }).unwrap();
            } else {
                std::fs::remove_dir_all(&state).unwrap();
            }
        }
        say(format!(
            "sync round {}: from the server {:.2} s, the directory {:.2} s, the snapshot {:.2} s; fetching every bundle {:.2} s; hashing, 1 core {:.2} s",
            r + 1,
            http[r],
            dir[r],
            file[r],
            fetch[r],
            hash2[r]
        ));
    }
    let (h, f) = (median(&hash2), median(&fetch));
    for (what, times, peak) in [
        ("the server", &http, rss[0]),
        ("the directory", &dir, rss[1]),
        ("the snapshot", &file, rss[2]),
    ] {
        say(format!(
            "sync from {what}: median {:.2} s, peak RSS {:.0} MiB; {:.2} x hashing ({h:.2} s), {:.2} x fetching over loopback ({f:.2} s, {:.1} MiB)",
            median(times),
            mib(peak),
            median(times) / h,
            median(times) / f,
            mib(fetched)
        ));
    }

    // --- incremental -----------------------------------------------------
    let (mut inc_publish, mut inc_http, mut inc_dir) = (Vec::new(), Vec::new(), Vec::new());
    let mut next = n;
    let mut final_size = size;
    for r in 0..rounds {
        let mut ledger = FileLedger::open(&ledger_dir, ledger_key.clone()).unwrap();
        ledger.set_clock(ledger_clock);
        leaves.extend(append(&mut ledger, &anchors(&issuer_key, next, next + add)));
        next += add;
        final_size = ledger.size();
        drop(ledger);
        let p = run(
            &bin,
            &["ledger", "publish", ledger_s, "--out", &site_s, "--json"],
        );
        inc_publish.push(p.secs);
        let s = sync(&url, &mirror_http);
        let summary: serde_json::Value = serde_json::from_str(&s.stdout).unwrap();
        assert_eq!(summary["new_size"], final_size, "{}", s.stdout);
        inc_http.push(s.secs);
        inc_dir.push(sync(&site_s, &mirror_dir).secs);
        say(format!(
            "incremental round {} (+{add} to {final_size}): publish {:.3} s, sync from the server {:.3} s, from the directory {:.3} s",
            r + 1,
            p.secs,
            s.secs,
            inc_dir[r]
        ));
    }
    let noop = best(
        &(0..rounds)
            .map(|_| sync(&url, &mirror_http).secs)
            .collect::<Vec<_>>(),
    );
    say(format!(
        "incremental: publish median {:.3} s; sync from the server median {:.3} s, from the directory {:.3} s; a sync with nothing new (best of {rounds}) {noop:.3} s",
        median(&inc_publish),
        median(&inc_http),
        median(&inc_dir)
    ));
    let _ = server.kill();
    let _ = server.wait();

    // --- verify with and without the mirror ------------------------------
    let t = Instant::now();
    let view = Mirror::read_view(&mirror_http, &ledger_verifier).unwrap();
    let view_s = t.elapsed().as_secs_f64();
    let anchors_in_view = view.anchor_count();
    let plain: Vec<Vec<u8>> = (0..batch.len())
        .map(|i| batch.bundle(i, None).unwrap().to_vec())
        .collect();
    let with: Vec<Vec<u8>> = (0..batch.len())
        .map(|i| {
            let mut b = batch.bundle(i, None).unwrap();
            b.receipt = Some(receipt.clone());
            b.to_vec()
        })
        .collect();
    let without_mirror = Verifier::new(trust.clone());
    let mut with_mirror = Verifier::new(trust.clone());
    with_mirror.use_ledger(view, NOW).unwrap();
    let ledger_check = with_mirror.verify(&plain[0], NOW);
    // the mirror answers check 10 for a bundle without a receipt
    assert_eq!(
        ledger_check.ledger.as_ref().map(|l| l.tree_size),
        Some(final_size),
        "{ledger_check}"
    );
    // Pairs of passes over the same bundles, with and without the mirror,
    // in alternating order, so each pair shares the machine's load; the
    // figure is the median of the pairs' ratios.
    let mut rates = [Vec::new(), Vec::new(), Vec::new(), Vec::new()];
    for r in 0..verify_rounds {
        for (k, bundles) in [(0, &with), (2, &plain)] {
            let (a, b) = if r % 2 == 0 {
                let a = verify_rate(&without_mirror, bundles);
                (a, verify_rate(&with_mirror, bundles))
            } else {
                let b = verify_rate(&with_mirror, bundles);
                (verify_rate(&without_mirror, bundles), b)
            };
            rates[k].push(a);
            rates[k + 1].push(b);
        }
    }
    let pair_ratios = |k: usize| -> Vec<f64> {
        rates[k]
            .iter()
            .zip(&rates[k + 1])
            .map(|(without, with)| with / without)
            .collect()
    };
    let (receipt_ratios, plain_ratios) = (pair_ratios(0), pair_ratios(2));
    say(format!(
        "verify ({} bundles, 1 core, {verify_rounds} pairs; view of {anchors_in_view} anchors loaded in {view_s:.2} s): with receipts {:.0}/s without the mirror, {:.0}/s with it (medians; pairs' ratios {}, median {:.2}); without receipts {:.0}/s, {:.0}/s (ratios {}, median {:.2}); warm verify {:.4} x SHA-256",
        plain.len(),
        median(&rates[0]),
        median(&rates[1]),
        receipt_ratios
            .iter()
            .map(|r| format!("{r:.2}"))
            .collect::<Vec<_>>()
            .join(", "),
        median(&receipt_ratios),
        median(&rates[2]),
        median(&rates[3]),
        plain_ratios
            .iter()
            .map(|r| format!("{r:.2}"))
            .collect::<Vec<_>>()
            .join(", "),
        median(&plain_ratios),
        median(&rates[0]) / sha256_per_s
    ));

    let ratios = json!({
        "publish_over_cp_r": median(&publish) / median(&cp_r),
        "publish_over_tree_hash": median(&publish) / median(&hash_s),
        "snapshot_over_cp": median(&snapshot) / median(&snap_cp),
        "sync_http_over_hash": median(&http) / h,
        "sync_http_over_fetch": median(&http) / f,
        "sync_dir_over_hash": median(&dir) / h,
        "sync_snapshot_over_hash": median(&file) / h,
        "verify_mirror_over_warm_receipt": median(&receipt_ratios),
        "verify_mirror_over_warm_plain": median(&plain_ratios),
        "verify_mirror_over_warm_receipt_pairs": receipt_ratios,
        "verify_mirror_over_warm_plain_pairs": plain_ratios,
        "verify_warm_over_sha256": median(&rates[0]) / sha256_per_s,
    });
    let out = json!({
        "n": size, "final_size": final_size, "rounds": rounds, "add": add,
        "sha256_per_s_core": sha256_per_s,
        "publish_seconds": publish, "publish_peak_rss_bytes": publish_rss,
        "cp_r_sync_seconds": cp_r, "tree_hash_seconds": hash_s, "open_ledger_seconds": open_s,
        "site_bytes": site_bytes, "site_files": site_files,
        "snapshot_seconds": snapshot, "snapshot_cp_sync_seconds": snap_cp, "snapshot_bytes": snap_bytes,
        "sync_http_seconds": http, "sync_dir_seconds": dir, "sync_snapshot_seconds": file,
        "sync_peak_rss_bytes": {"http": rss[0], "dir": rss[1], "snapshot": rss[2]},
        "fetch_seconds": fetch, "fetch_bytes": fetched, "sync_hash_seconds": hash2,
        "incremental_publish_seconds": inc_publish, "incremental_sync_http_seconds": inc_http,
        "incremental_sync_dir_seconds": inc_dir, "noop_sync_seconds": noop,
        "view_load_seconds": view_s, "view_anchors": anchors_in_view,
        "verify_bundles": plain.len(),
        "verify_per_s": {
            "receipt_without_mirror": rates[0], "receipt_with_mirror": rates[1],
            "plain_without_mirror": rates[2], "plain_with_mirror": rates[3],
        },
        "ratios": ratios,
    });
    if json_out {
        println!("{out}");
    }
    if keep {
        say(format!("kept {}", work.display()));
    } else {
        std::fs::remove_dir_all(&work).unwrap();
    }
}
