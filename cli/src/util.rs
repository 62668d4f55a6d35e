//! Shared helpers: errors, atomic writes, keys, times, bundle input.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use certanchor::display;
use certanchor::keys::SigningKey;
use certanchor::{Bundle, DecodeError};

/// A user-facing error: a stable code and one line saying what, where and what to do.
#[derive(Debug)]
pub struct CliError {
    /// Stable snake_case code (the library's codes where they apply).
    pub code: &'static str,
    /// One line for people.
    pub message: String,
}

impl CliError {
    /// A new error.
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }

    /// Prefixes the message with where it happened.
    pub fn at(self, place: impl std::fmt::Display) -> Self {
        Self {
            code: self.code,
            message: format!("{place}: {}", self.message),
        }
    }
}

/// The message for people: escaped and capped, since it may quote input
/// ([`certanchor::display::escape_text`]). `--json` prints `message` exactly.
impl std::fmt::Display for CliError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&display::escape_text(&self.message))
    }
}

macro_rules! from_lib_error {
    ($($t:ty),*) => {$(
        impl From<$t> for CliError {
            fn from(e: $t) -> Self {
                Self::new(e.code(), e.to_string())
            }
        }
    )*};
}
from_lib_error!(
    certanchor::Error,
    certanchor::DecodeError,
    certanchor::IssueError,
    certanchor::KeyError,
    certanchor::TrustError,
    certanchor::LedgerError,
    certanchor::ledger::tiles::TileError,
    certanchor::VerifyError,
    certanchor::note::NoteError,
    certanchor::witness::WitnessError,
    certanchor::freshness::FreshnessError
);

/// An I/O error on `path`.
pub fn io_err<'a>(op: &str, path: &'a Path) -> impl FnOnce(std::io::Error) -> CliError + 'a {
    let op = op.to_owned();
    move |e| CliError::new("io_error", format!("cannot {op} {}: {e}", path.display()))
}

/// Reads a whole file.
pub fn read(path: &Path) -> Result<Vec<u8>, CliError> {
    std::fs::read(path).map_err(io_err("read", path))
}

/// Reads a whole file as UTF-8.
pub fn read_text(path: &Path) -> Result<String, CliError> {
    String::from_utf8(read(path)?).map_err(|_| {
        CliError::new(
            "invalid_utf8",
            format!("{} is not UTF-8 text", path.display()),
        )
    })
}

/// The temporary file `path` is first written as, in the same directory (a
/// rename within one file system is atomic): `.NAME.tmp-PID`.
fn temp_beside(path: &Path) -> std::path::PathBuf {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("out");
    dir.join(format!(".{name}.tmp-{}", std::process::id()))
}

/// Writes a file atomically (temp file in the same directory, fsync, rename).
/// `private` files get mode 0600.
pub fn write_atomic(path: &Path, data: &[u8], private: bool) -> Result<(), CliError> {
    let tmp = temp_beside(path);
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        opts.mode(if private { 0o600 } else { 0o644 });
    }
    let result = (|| {
        let mut f = opts.open(&tmp)?;
        f.write_all(data)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.map_err(io_err("write", path))
}

/// Writes `data` to `path` through a temporary file and a rename, like
/// [`write_atomic`] but without the fsync: for many files in one directory,
/// which [`sync_written`] then makes durable all together. Until then a
/// crash leaves each file whole, old or new, or absent, never cut short;
/// after [`sync_written`] returns, every file is durable.
pub fn write_unsynced(path: &Path, data: &[u8]) -> Result<(), CliError> {
    let tmp = temp_beside(path);
    let result = std::fs::write(&tmp, data).and_then(|()| std::fs::rename(&tmp, path));
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.map_err(io_err("write", path))
}

/// Creates `path` with `data` and no fsync: for a file in a [`Staging`]
/// directory, where no reader looks until [`Staging::publish`] has made it
/// durable. Fails if `path` exists.
pub fn write_new(path: &Path, data: &[u8]) -> Result<(), CliError> {
    std::fs::File::create_new(path)
        .and_then(|mut f| f.write_all(data))
        .map_err(io_err("write", path))
}

/// Makes the files [`write_unsynced`] wrote into `dir` durable, with the
/// renames that put them there.
///
/// On Linux one `syncfs` of `dir`'s filesystem does it for all of them (it
/// reports a failed writeback as an error, Linux 5.8 on); elsewhere each file
/// and then the directory get an fsync. An fsync per file is what made
/// `prove --all` slow: on 20k binary bundles, interleaved in one run, this
/// took 0.21 of the time of an fsync per file (medians 17.0 s and 82.8 s;
/// BENCHMARKS.md, appendix, "2026-12-07, `prove --all` at 20k").
pub fn sync_written(dir: &Path, paths: &[PathBuf]) -> Result<(), CliError> {
    #[cfg(target_os = "linux")]
    {
        let _ = paths;
        let d = std::fs::File::open(dir).map_err(io_err("open", dir))?;
        rustix::fs::syncfs(&d).map_err(|e| io_err("sync", dir)(e.into()))
    }
    #[cfg(not(target_os = "linux"))]
    {
        use rayon::prelude::*;
        paths.par_iter().try_for_each(|p| {
            std::fs::File::open(p)
                .and_then(|f| f.sync_all())
                .map_err(io_err("sync", p))
        })?;
        std::fs::File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(io_err("sync", dir))
    }
}

/// A directory that `prove --all` builds whole beside its final place and
/// renames into it at the end ([`Staging::publish`]), so that a reader, or a
/// crash, sees all of its files or none of them, and each file is written
/// once under its final name, with no temporary file and rename of its own.
///
/// On 100k binary bundles this took 0.63 and 0.77 of the time of a
/// temporary file and a rename per file (medians of two interleaved runs at
/// load 5 and 7; BENCHMARKS.md, "Issuance and bundle production").
/// Renames `from` to `to` unless `to` exists (an empty directory made by
/// someone else meanwhile stays theirs).
fn rename_noreplace(from: &Path, to: &Path) -> std::io::Result<()> {
    #[cfg(target_os = "linux")]
    {
        use rustix::fs::{CWD, RenameFlags, renameat_with};
        renameat_with(CWD, from, CWD, to, RenameFlags::NOREPLACE).map_err(std::io::Error::from)
    }
    #[cfg(not(target_os = "linux"))]
    {
        if std::fs::symlink_metadata(to).is_ok() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::AlreadyExists,
                "it exists",
            ));
        }
        std::fs::rename(from, to)
    }
}

/// Removes the staging directories `.NAME.tmp-PID` in `parent` whose
/// process no longer runs (Linux: no `/proc/PID`); elsewhere, none. Best
/// effort: what cannot be removed stays.
fn remove_dead_staging(parent: &Path, name: &str) {
    if !Path::new("/proc/self").exists() {
        return;
    }
    let prefix = format!(".{name}.tmp-");
    let Ok(entries) = std::fs::read_dir(parent) else {
        return;
    };
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let Some(pid) = file_name.to_str().and_then(|n| n.strip_prefix(&prefix)) else {
            continue;
        };
        let is_dir = entry.file_type().is_ok_and(|t| t.is_dir());
        if is_dir && pid.parse::<u32>().is_ok() && !Path::new("/proc").join(pid).exists() {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

pub struct Staging {
    /// Where the files are written: `.NAME.tmp-PID` beside `out`.
    pub dir: PathBuf,
    out: PathBuf,
}

impl Staging {
    /// A staging directory for `out` if `out` does not exist, with a final
    /// component to stage beside; `None` when files are written into `out`
    /// one at a time ([`write_unsynced`]). An existing directory, even an
    /// empty one, keeps its mode, owner and mount: it is written in place.
    /// Staging directories of `out` left by runs that crashed (their process
    /// is gone, seen in `/proc` on Linux) are removed first.
    pub fn for_new_dir(out: &Path) -> Result<Option<Self>, CliError> {
        let Some(name) = out.file_name() else {
            return Ok(None);
        };
        match std::fs::symlink_metadata(out) {
            Ok(_) => return Ok(None),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(io_err("inspect", out)(e)),
        }
        let dir = temp_beside(out);
        let parent = dir.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(parent).map_err(io_err("create", parent))?;
        remove_dead_staging(parent, name.to_str().unwrap_or("out"));
        match std::fs::remove_dir_all(&dir) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                return Err(io_err("remove", &dir)(e));
            }
            _ => {}
        }
        std::fs::create_dir(&dir).map_err(io_err("create", &dir))?;
        Ok(Some(Self {
            dir,
            out: out.to_owned(),
        }))
    }

    /// Makes every file written into the staging directory durable
    /// ([`sync_written`]), then renames the directory to `out`, never over
    /// anything (on Linux; elsewhere a rename does not replace a directory
    /// that has files), and makes the rename durable. On error the staging
    /// directory is removed.
    pub fn publish(self, paths: &[PathBuf]) -> Result<(), CliError> {
        let result = sync_written(&self.dir, paths).and_then(|()| {
            rename_noreplace(&self.dir, &self.out)
                .map_err(io_err("rename into place", &self.out))?;
            let parent = self
                .out
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or(Path::new("."));
            sync_dir(parent)
        });
        if result.is_err() {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
        result
    }

    /// Removes the staging directory, after an error.
    pub fn discard(self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// An fsync of a directory, making the entries made in it durable.
fn sync_dir(dir: &Path) -> Result<(), CliError> {
    #[cfg(unix)]
    {
        std::fs::File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(io_err("sync", dir))
    }
    #[cfg(not(unix))]
    {
        let _ = dir; // directories cannot be opened for an fsync here
        Ok(())
    }
}

/// Loads a PKCS#8 PEM private key (as `openssl genpkey -algorithm ed25519` writes).
pub fn load_key(path: &Path) -> Result<SigningKey, CliError> {
    let pem = read_text(path)?;
    SigningKey::from_pkcs8_pem(&pem).map_err(|e| CliError::from(e).at(path.display()))
}

/// Parses `--at`: RFC 3339, a date or Unix seconds.
pub fn parse_at(s: &str) -> Result<u64, CliError> {
    certanchor::time::parse(s, false)
        .map_err(|e| CliError::new("invalid_time", format!("--at: {e}")))
}

/// Now, or `--at`.
pub fn now_or(at: Option<&str>) -> Result<u64, CliError> {
    match at {
        Some(s) => parse_at(s),
        None => Ok(certanchor::time::now()),
    }
}

/// Reads bundle input: a file path, `-` for stdin, or `CA1:` text given directly.
pub fn read_bundle_input(arg: &str) -> Result<Vec<u8>, CliError> {
    if arg.starts_with(certanchor::bundle::TEXT_PREFIX) {
        return Ok(arg.as_bytes().to_vec());
    }
    if arg == "-" {
        let mut buf = Vec::new();
        std::io::stdin()
            .take(certanchor::bundle::MAX_TEXT_LEN as u64 + 1)
            .read_to_end(&mut buf)
            .map_err(|e| CliError::new("io_error", format!("cannot read stdin: {e}")))?;
        return Ok(buf);
    }
    read(Path::new(arg))
}

/// Decodes a bundle file (binary or CA1 text).
pub fn load_bundle(path: &Path) -> Result<Bundle, CliError> {
    Bundle::decode_any(&read(path)?).map_err(|e: DecodeError| CliError::from(e).at(path.display()))
}

/// Exit status when stdout was closed early: 128 + SIGPIPE, as a shell
/// reports for a program the signal killed.
pub const EXIT_BROKEN_PIPE: i32 = 141;

fn stdout_failed(e: &std::io::Error) -> ! {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        std::process::exit(EXIT_BROKEN_PIPE);
    }
    eprintln!("error: cannot write to stdout: {e}");
    std::process::exit(2);
}

/// Writes to stdout (what the CLI's `print!`/`println!` expand to): a
/// closed stdout ends the process quietly with [`EXIT_BROKEN_PIPE`], any
/// other write error with status 2, instead of std's panic.
pub fn write_stdout(args: std::fmt::Arguments<'_>) {
    if let Err(e) = std::io::stdout().lock().write_fmt(args) {
        stdout_failed(&e);
    }
}

/// Flushes stdout before exiting, with [`write_stdout`]'s handling of errors.
pub fn flush_stdout() {
    if let Err(e) = std::io::stdout().lock().flush() {
        stdout_failed(&e);
    }
}

/// Prints JSON.
pub fn print_json(v: &serde_json::Value) {
    println!("{}", serde_json::to_string_pretty(v).unwrap_or_default());
}

/// A path for people: escaped like any untrusted text (a file name can hold
/// control characters), but not capped short.
pub fn show_path(p: &Path) -> String {
    display::escape_text(&p.to_string_lossy()).into_owned()
}

/// A JSON value for people, laid out as `serde_json::to_string_pretty` does,
/// but every key through [`display::escape`] and every string through
/// [`display::escape_text`]: a value with clean strings reads exactly as its
/// pretty JSON. `--json` output never goes through this.
pub fn human_json(v: &serde_json::Value) -> String {
    fn quoted(out: &mut String, escaped: &str) {
        // Writing to a String cannot fail.
        let _ = display::write_quoted(out, escaped);
    }
    fn pad(out: &mut String, depth: usize) {
        out.extend(std::iter::repeat_n("  ", depth));
    }
    fn write(out: &mut String, v: &serde_json::Value, depth: usize) {
        use serde_json::Value as J;
        match v {
            J::Null | J::Bool(_) | J::Number(_) => out.push_str(&v.to_string()),
            J::String(s) => quoted(out, &display::escape_text(s)),
            J::Array(a) if a.is_empty() => out.push_str("[]"),
            J::Object(o) if o.is_empty() => out.push_str("{}"),
            J::Array(a) => {
                out.push_str("[\n");
                for (i, item) in a.iter().enumerate() {
                    if i > 0 {
                        out.push_str(",\n");
                    }
                    pad(out, depth + 1);
                    write(out, item, depth + 1);
                }
                out.push('\n');
                pad(out, depth);
                out.push(']');
            }
            J::Object(o) => {
                out.push_str("{\n");
                for (i, (k, item)) in o.iter().enumerate() {
                    if i > 0 {
                        out.push_str(",\n");
                    }
                    pad(out, depth + 1);
                    quoted(out, &display::escape(k));
                    out.push_str(": ");
                    write(out, item, depth + 1);
                }
                out.push('\n');
                pad(out, depth);
                out.push('}');
            }
        }
    }
    let mut out = String::new();
    write(&mut out, v, 0);
    out
}

/// A progress bar on stderr (hidden when stderr is not a terminal).
/// A progress counter on stderr for work of unknown length (JSON Lines).
pub fn progress_unknown(what: &str) -> indicatif::ProgressBar {
    let pb =
        indicatif::ProgressBar::with_draw_target(None, indicatif::ProgressDrawTarget::stderr());
    if let Ok(style) = indicatif::ProgressStyle::with_template("{msg} {pos} ({per_sec})") {
        pb.set_style(style);
    }
    pb.set_message(what.to_owned());
    pb
}

pub fn progress(len: u64, what: &str) -> indicatif::ProgressBar {
    let pb = indicatif::ProgressBar::with_draw_target(
        Some(len),
        indicatif::ProgressDrawTarget::stderr(),
    );
    if let Ok(style) =
        indicatif::ProgressStyle::with_template("{msg} {bar:40} {pos}/{len} ({per_sec}, eta {eta})")
    {
        pb.set_style(style);
    }
    pb.set_message(what.to_owned());
    pb
}

/// `DIR/bundles/<n>.cab`.
pub fn bundle_path(dir: &Path, n: usize) -> PathBuf {
    dir.join("bundles").join(format!("{n}.cab"))
}

/// Peak resident set size in bytes (Linux `VmHWM`), 0 where unknown.
pub fn peak_rss() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| {
                l.split_whitespace()
                    .nth(1)
                    .and_then(|kb| kb.parse::<u64>().ok())
            })
        })
        .map_or(0, |kb| kb * 1024)
}
