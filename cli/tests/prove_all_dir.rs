//! `prove --all` builds a new output directory beside it and renames it
//! into place (util::Staging); into a directory that exists (empty or not)
//! it writes each bundle through its own temporary file, so the directory
//! keeps its mode, owner and mount.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::path::Path;

use common::{Office, Setup, run_json};

const N: u64 = 5;

fn office() -> Office {
    Office::with(Setup {
        titles: N,
        ..Setup::default()
    })
}

fn prove_all(o: &Office, out: &str, text: bool) {
    let batch = o.p("batch");
    let mut args = vec!["prove", "--batch", &batch, "--all", "--out", out];
    if text {
        args.push("--text");
    }
    assert_eq!(run_json(&args)["written"], N);
}

fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    v.sort();
    v
}

fn bundle_names(ext: &str) -> Vec<String> {
    let mut v: Vec<String> = (0..N).map(|i| format!("{i}.{ext}")).collect();
    v.sort();
    v
}

/// A fresh `out`, even under directories that do not exist yet, gets every
/// bundle, and no staging directory stays beside it.
#[test]
fn fresh_out_gets_every_bundle_and_no_staging_dir_lingers() {
    let o = office();
    for (text, ext) in [(false, "cab"), (true, "txt")] {
        let out = o.file(&format!("new/{ext}/all"));
        prove_all(&o, out.to_str().unwrap(), text);
        assert_eq!(names(&out), bundle_names(ext));
        assert_eq!(names(out.parent().unwrap()), vec!["all".to_owned()]);
    }
}

/// An existing empty `out` is written in place: the directory an operator
/// made private stays the same directory, with its mode.
#[test]
fn empty_out_gets_every_bundle_and_keeps_its_mode() {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let o = office();
    let out = o.file("empty");
    std::fs::create_dir(&out).unwrap();
    std::fs::set_permissions(&out, std::fs::Permissions::from_mode(0o700)).unwrap();
    let before = std::fs::metadata(&out).unwrap();
    prove_all(&o, out.to_str().unwrap(), false);
    assert_eq!(names(&out), bundle_names("cab"));
    let after = std::fs::metadata(&out).unwrap();
    assert_eq!(after.ino(), before.ino(), "the same directory");
    assert_eq!(after.mode() & 0o777, 0o700);
    assert_eq!(
        names(&o.file(""))
            .iter()
            .filter(|n| n.starts_with(".empty.tmp-"))
            .count(),
        0
    );
}

/// Into an `out` that has files, each bundle is rewritten in place and the
/// other files are left alone, with no temporary file left.
#[test]
fn out_with_files_is_refreshed_in_place() {
    let o = office();
    let fresh = o.file("fresh");
    prove_all(&o, fresh.to_str().unwrap(), false);
    let out = o.file("old");
    std::fs::create_dir(&out).unwrap();
    std::fs::write(out.join("notes.txt"), b"keep me").unwrap();
    std::fs::write(out.join("0.cab"), b"stale").unwrap();
    prove_all(&o, out.to_str().unwrap(), false);
    let mut want = bundle_names("cab");
    want.push("notes.txt".to_owned());
    want.sort();
    assert_eq!(names(&out), want, "no temporary files left");
    assert_eq!(std::fs::read(out.join("notes.txt")).unwrap(), b"keep me");
    for i in 0..N {
        let name = format!("{i}.cab");
        assert_eq!(
            std::fs::read(out.join(&name)).unwrap(),
            std::fs::read(fresh.join(&name)).unwrap(),
            "{name}"
        );
    }
}

/// A staging directory a crashed run left behind (another process id, a
/// bundle cut short) neither breaks a new run nor reaches `out`.
#[test]
fn stale_staging_dir_does_not_break_a_rerun() {
    let o = office();
    // pid_max is at most 2^22: no process has this id, the run is dead
    let stale = o.file(".all.tmp-4194305");
    std::fs::create_dir(&stale).unwrap();
    std::fs::write(stale.join("0.cab"), b"cut sh").unwrap();
    // a live process's staging directory (this test's) is left alone
    let live = o.file(&format!(".all.tmp-{}", std::process::id()));
    std::fs::create_dir(&live).unwrap();
    let out = o.file("all");
    prove_all(&o, out.to_str().unwrap(), false);
    assert_eq!(names(&out), bundle_names("cab"));
    assert!(
        !stale.exists(),
        "the dead run's staging directory is removed"
    );
    assert!(live.exists(), "a running process's is not");
    let fresh = o.file("fresh");
    prove_all(&o, fresh.to_str().unwrap(), false);
    assert_eq!(
        std::fs::read(out.join("0.cab")).unwrap(),
        std::fs::read(fresh.join("0.cab")).unwrap()
    );
}
