//! Bundles to verify in bulk, read from a directory or from JSON Lines.
//!
//! * **A directory**: every regular file directly in it is one bundle, binary
//!   or `CA1:` text, taken in the order of their names. Its place is the
//!   file's path.
//! * **JSON Lines**: every non-blank line is a JSON string, or an object
//!   whose `bundle` member is one, holding `CA1:` text or the binary form in
//!   base64. Its place is `SOURCE:LINE` (1-based).
//!
//! Reading streams: a source holds its list of files, never their bytes, so
//! it can be read twice (once to take in the status lists every input
//! carries, once to verify; [`crate::Verifier::verify_source`]) with memory
//! bounded by one chunk. An input that is not a bundle (a line that is not
//! JSON, a file too large to be one) is an [`Sourced`] with an error naming
//! its place, which verification turns into an invalid report; only a
//! source that cannot be read at all is a [`SourceError`].
//!
//! ```
//! use certanchor::source::jsonl_bundles;
//! let text = "\"CA1:abc\"\n\n{\"bundle\": \"AAEC\"}\n[1]\n";
//! let rows: Vec<_> = jsonl_bundles(text.as_bytes(), "rows.jsonl").collect::<Result<_, _>>()?;
//! assert_eq!(rows.len(), 3);
//! assert_eq!(rows[0].place, "rows.jsonl:1");
//! assert_eq!(rows[0].bundle.as_deref(), Ok(&b"CA1:abc"[..]));
//! assert_eq!(rows[1].bundle.as_deref(), Ok(&[0u8, 1, 2][..]));
//! assert_eq!(rows[2].place, "rows.jsonl:4");
//! let why = rows[2].bundle.as_ref().unwrap_err();
//! assert_eq!(why.code, certanchor::ResultCode::UnexpectedType);
//! assert!(why.reason.starts_with("rows.jsonl:4: not a bundle"));
//! # Ok::<(), certanchor::source::SourceError>(())
//! ```

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use base64::Engine as _;

use crate::ResultCode;
use crate::bundle::{MAX_WRAPPED_TEXT_LEN, TEXT_PREFIX};

/// Longest JSON Lines line read, bytes: the longest (wrapped) `CA1:` text
/// the decoder accepts, with room for an object around it. Longer lines
/// are refused unread.
pub const MAX_JSONL_LINE: usize = MAX_WRAPPED_TEXT_LEN + 4096;

/// Largest file of a directory source read, bytes: the longest (wrapped)
/// `CA1:` text the decoder accepts, with room for surrounding whitespace.
/// A larger file is refused unread.
pub const MAX_FILE_LEN: u64 = MAX_WRAPPED_TEXT_LEN as u64 + 4096;

/// One input of a source: where it came from, and its bytes or why it is not
/// a bundle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sourced {
    /// The file's path, or `SOURCE:LINE` for JSON Lines.
    pub place: String,
    /// The bundle's bytes (binary or `CA1:` text, not yet decoded), or why
    /// the input is not one.
    pub bundle: Result<Vec<u8>, NotABundle>,
}

/// Why an input of a source is not a bundle: the `format` code its report
/// carries (`too_large`, `unexpected_type` or `invalid_text_form`) and a
/// reason naming its place.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{reason}")]
pub struct NotABundle {
    /// The result code of the input's failed `format` check.
    pub code: ResultCode,
    /// What is wrong, starting with the input's place.
    pub reason: String,
}

/// A source that cannot be read (a missing file, an unreadable directory, a
/// read error mid-file).
#[derive(Debug, thiserror::Error)]
#[error("{place}: cannot {action}: {source}")]
pub struct SourceError {
    /// The path (or `SOURCE:LINE`) concerned.
    pub place: String,
    /// What was being done: `open`, `list`, `read`.
    pub action: &'static str,
    /// The I/O error.
    #[source]
    pub source: std::io::Error,
}

impl SourceError {
    fn new(place: impl Into<String>, action: &'static str, source: std::io::Error) -> Self {
        Self {
            place: place.into(),
            action,
            source,
        }
    }
}

/// A directory of bundle files or a JSON Lines file, readable more than once.
#[derive(Debug)]
pub enum BundleSource {
    /// The regular files of a directory, sorted by name.
    Dir(Vec<PathBuf>),
    /// A JSON Lines file.
    Jsonl(PathBuf),
    /// JSON Lines in an open regular file (e.g. standard input copied to a
    /// temporary file), read from its start each time, with the name its
    /// places use.
    Spooled {
        /// The name places start with (`stdin`).
        name: String,
        /// The file.
        file: std::fs::File,
    },
}

impl BundleSource {
    /// A directory (its regular files are listed now, sorted) or a JSON
    /// Lines file (a regular file: it is read twice, which a pipe, a FIFO
    /// or a device cannot be; copy those to a file first, or use
    /// [`Self::Spooled`]).
    ///
    /// # Errors
    /// [`SourceError`] when the path cannot be listed or opened, or is
    /// neither a directory nor a regular file (`action` `use`).
    pub fn open(path: &Path) -> Result<Self, SourceError> {
        let place = || place_of(path);
        let meta = std::fs::metadata(path).map_err(|e| SourceError::new(place(), "open", e))?;
        if meta.is_file() {
            return Ok(Self::Jsonl(path.to_owned()));
        }
        if !meta.is_dir() {
            return Err(SourceError::new(
                place(),
                "use",
                std::io::Error::new(
                    std::io::ErrorKind::InvalidInput,
                    "not a directory or a regular file (a pipe or device cannot be read twice: \
                     save it to a file, or give `-` for standard input)",
                ),
            ));
        }
        let mut files = Vec::new();
        for entry in std::fs::read_dir(path).map_err(|e| SourceError::new(place(), "list", e))? {
            let entry = entry.map_err(|e| SourceError::new(place(), "list", e))?;
            // `file_type` does not follow links; a link to a file counts.
            let p = entry.path();
            if p.is_file() {
                files.push(p);
            }
        }
        files.sort();
        Ok(Self::Dir(files))
    }

    /// The number of inputs when known without reading (a directory's).
    #[must_use]
    pub fn len_hint(&self) -> Option<usize> {
        match self {
            Self::Dir(files) => Some(files.len()),
            Self::Jsonl(_) | Self::Spooled { .. } => None,
        }
    }

    /// Reads the inputs, in order. Each call reads the source afresh.
    ///
    /// # Errors
    /// [`SourceError`] when a JSON Lines file cannot be opened; the
    /// iterator yields one when a read fails later.
    pub fn read(
        &self,
    ) -> Result<Box<dyn Iterator<Item = Result<Sourced, SourceError>> + '_>, SourceError> {
        match self {
            Self::Dir(files) => Ok(Box::new(files.iter().map(|p| read_file(p)))),
            Self::Jsonl(path) => {
                let name = place_of(path);
                let f =
                    std::fs::File::open(path).map_err(|e| SourceError::new(&name, "open", e))?;
                Ok(Box::new(jsonl_bundles(BufReader::new(f), &name)))
            }
            Self::Spooled { name, file } => {
                let mut f = file;
                std::io::Seek::rewind(&mut f).map_err(|e| SourceError::new(name, "read", e))?;
                Ok(Box::new(jsonl_bundles(BufReader::new(f), name)))
            }
        }
    }
}

/// A path as a place: its text, or its escaped form when it is not UTF-8
/// (so two such names never print alike).
fn place_of(path: &Path) -> String {
    match path.to_str() {
        Some(s) => s.to_owned(),
        None => format!("{path:?}"),
    }
}

/// Opens a file without waiting: a FIFO put in a regular file's place
/// after listing would otherwise block `open` until a writer comes.
fn open_nonblocking(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::custom_flags(&mut options, libc::O_NONBLOCK);
    options.open(path)
}

impl BundleSource {
    /// The inputs in chunks of at most `chunk` (at least 1), in order, for
    /// one pass of bulk verification ([`crate::Verifier::verify_chunks`]).
    ///
    /// # Errors
    /// As [`Self::read`]; the iterator yields the first read error.
    pub fn chunks(
        &self,
        chunk: usize,
    ) -> Result<impl Iterator<Item = Result<Vec<Sourced>, SourceError>> + '_, SourceError> {
        let chunk = chunk.max(1);
        let mut inputs = self.read()?;
        Ok(std::iter::from_fn(move || {
            // a huge `chunk` must not reserve memory it will not fill
            let mut out = Vec::with_capacity(chunk.min(4096));
            for item in inputs.by_ref().take(chunk) {
                match item {
                    Ok(s) => out.push(s),
                    Err(e) => return Some(Err(e)),
                }
            }
            (!out.is_empty()).then_some(Ok(out))
        }))
    }
}

fn read_file(path: &Path) -> Result<Sourced, SourceError> {
    let place = place_of(path);
    let f = open_nonblocking(path).map_err(|e| SourceError::new(&place, "open", e))?;
    // listed as a regular file, but it may have been swapped since
    let regular = f
        .metadata()
        .map_err(|e| SourceError::new(&place, "read", e))?
        .is_file();
    if !regular {
        let reason = format!("{place}: not a bundle: no longer a regular file");
        return Ok(Sourced {
            place,
            bundle: Err(NotABundle {
                code: ResultCode::UnexpectedType,
                reason,
            }),
        });
    }
    let mut bytes = Vec::new();
    f.take(MAX_FILE_LEN + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| SourceError::new(&place, "read", e))?;
    let bundle = if bytes.len() as u64 > MAX_FILE_LEN {
        Err(NotABundle {
            code: ResultCode::TooLarge,
            reason: format!("{place}: not a bundle: larger than {MAX_FILE_LEN} bytes"),
        })
    } else {
        Ok(bytes)
    };
    Ok(Sourced { place, bundle })
}

/// The bundles of JSON Lines text read from `input`, named `source` in
/// places. Blank lines are skipped; a UTF-8 byte order mark before the
/// first line and a `\r` before each `\n` are ignored; a line longer than [`MAX_JSONL_LINE`]
/// is skipped unread and reported.
pub fn jsonl_bundles<R: BufRead>(
    input: R,
    source: &str,
) -> impl Iterator<Item = Result<Sourced, SourceError>> + use<R> {
    let mut input = input;
    let source = source.to_owned();
    let mut line_no = 0usize;
    let mut buf = Vec::new();
    std::iter::from_fn(move || {
        loop {
            line_no += 1;
            buf.clear();
            let place = format!("{source}:{line_no}");
            // one byte more than the cap: a CRLF line's `\r` does not count
            let mut too_long = match read_line_capped(&mut input, &mut buf, MAX_JSONL_LINE + 1) {
                Ok(None) => return None,
                Ok(Some(too_long)) => too_long,
                Err(e) => return Some(Err(SourceError::new(place, "read", e))),
            };
            if buf.last() == Some(&b'\r') {
                buf.pop();
            }
            if line_no == 1 && buf.starts_with(UTF8_BOM) {
                buf.drain(..UTF8_BOM.len());
            }
            too_long |= buf.len() > MAX_JSONL_LINE;
            if too_long {
                let bundle = Err(NotABundle {
                    code: ResultCode::TooLarge,
                    reason: format!(
                        "{place}: not a bundle: line longer than {MAX_JSONL_LINE} bytes"
                    ),
                });
                return Some(Ok(Sourced { place, bundle }));
            }
            if buf.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            let bundle = jsonl_line(&buf).map_err(|(code, why)| NotABundle {
                code,
                reason: format!("{place}: not a bundle: {why}"),
            });
            return Some(Ok(Sourced { place, bundle }));
        }
    })
}

/// The byte order mark some editors put at the start of UTF-8 text.
const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// Reads one line (without its `\n`) into `buf`, keeping at most `cap`
/// bytes. `None` at the end of input, else whether the line was longer.
fn read_line_capped<R: BufRead>(
    input: &mut R,
    buf: &mut Vec<u8>,
    cap: usize,
) -> std::io::Result<Option<bool>> {
    let mut seen_any = false;
    let mut too_long = false;
    loop {
        let chunk = match input.fill_buf() {
            Ok(c) => c,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if chunk.is_empty() {
            return Ok(seen_any.then_some(too_long));
        }
        seen_any = true;
        let (part, done) = match chunk.iter().position(|&b| b == b'\n') {
            Some(i) => (chunk.get(..i).unwrap_or(chunk), Some(i + 1)),
            None => (chunk, None),
        };
        if !too_long {
            if buf.len() + part.len() > cap {
                too_long = true;
                buf.clear();
            } else {
                buf.extend_from_slice(part);
            }
        }
        let used = done.unwrap_or(chunk.len());
        input.consume(used);
        if done.is_some() {
            return Ok(Some(too_long));
        }
    }
}

/// The bundle bytes of one JSON Lines line, or why there are none.
fn jsonl_line(line: &[u8]) -> Result<Vec<u8>, (ResultCode, String)> {
    let wrong = |why: &str| (ResultCode::UnexpectedType, why.to_owned());
    let value: serde_json::Value = serde_json::from_slice(line)
        .map_err(|e| (ResultCode::InvalidTextForm, format!("not JSON: {e}")))?;
    let text = match &value {
        serde_json::Value::String(s) => s.as_str(),
        serde_json::Value::Object(o) => match o.get("bundle") {
            Some(serde_json::Value::String(s)) => s.as_str(),
            Some(_) => return Err(wrong("its `bundle` member is not a string")),
            None => return Err(wrong("an object without a `bundle` member")),
        },
        _ => {
            return Err(wrong(
                "expected a JSON string or an object with a `bundle` member",
            ));
        }
    };
    let text = text.trim();
    if text.starts_with(TEXT_PREFIX) {
        return Ok(text.as_bytes().to_vec());
    }
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .map_err(|_| {
            (
                ResultCode::InvalidTextForm,
                format!("expected `{TEXT_PREFIX}` text or base64"),
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(text: &[u8]) -> Vec<Sourced> {
        jsonl_bundles(text, "in").collect::<Result<_, _>>().unwrap()
    }

    #[test]
    fn every_line_is_named_and_bad_lines_say_why() {
        let r = rows(b"\"CA1:x\"\n{\"bundle\":1}\n{\"id\":\"a\"}\nnot json\n\"%%%\"\n  \r\n{\"bundle\":\"CA1:y\"}");
        let places: Vec<_> = r.iter().map(|s| s.place.as_str()).collect();
        assert_eq!(places, ["in:1", "in:2", "in:3", "in:4", "in:5", "in:7"]);
        assert_eq!(r[0].bundle.as_deref(), Ok(&b"CA1:x"[..]));
        assert!(
            r[1].bundle
                .as_ref()
                .unwrap_err()
                .reason
                .contains("`bundle` member is not a string")
        );
        assert!(
            r[2].bundle
                .as_ref()
                .unwrap_err()
                .reason
                .contains("without a `bundle`")
        );
        assert!(
            r[3].bundle
                .as_ref()
                .unwrap_err()
                .reason
                .starts_with("in:4: not a bundle: not JSON")
        );
        let codes: Vec<_> = r
            .iter()
            .map(|s| s.bundle.as_ref().err().map(|e| e.code))
            .collect();
        use ResultCode::{InvalidTextForm, UnexpectedType};
        assert_eq!(
            codes,
            [
                None,
                Some(UnexpectedType),
                Some(UnexpectedType),
                Some(InvalidTextForm),
                Some(InvalidTextForm),
                None
            ]
        );
        assert!(r[4].bundle.as_ref().unwrap_err().reason.contains("base64"));
        assert_eq!(r[5].bundle.as_deref(), Ok(&b"CA1:y"[..]));
    }

    #[test]
    fn a_huge_line_is_refused_without_holding_it() {
        let mut text = b"\"".to_vec();
        text.extend(std::iter::repeat_n(b'A', MAX_JSONL_LINE + 10));
        text.extend_from_slice(b"\"\n\"CA1:z\"\n");
        // a reader with a small buffer: the line arrives in many pieces
        let r: Vec<Sourced> =
            jsonl_bundles(std::io::BufReader::with_capacity(64, &text[..]), "big")
                .collect::<Result<_, _>>()
                .unwrap();
        assert_eq!(r.len(), 2);
        assert!(
            r[0].bundle
                .as_ref()
                .unwrap_err()
                .reason
                .contains("line longer than")
        );
        assert_eq!(r[1].place, "big:2");
        assert_eq!(r[1].bundle.as_deref(), Ok(&b"CA1:z"[..]));
    }

    #[test]
    fn a_line_of_exactly_the_cap_is_read() {
        let body = "A".repeat(MAX_JSONL_LINE - 6);
        let text = format!("\"CA1:{body}\"\n");
        assert_eq!(text.len(), MAX_JSONL_LINE + 1);
        let r = rows(text.as_bytes());
        // read whole (not a valid bundle, which decoding will say)
        assert_eq!(r[0].bundle.as_ref().map(Vec::len), Ok(MAX_JSONL_LINE - 2));
    }

    #[test]
    fn a_directory_lists_files_sorted_and_caps_their_size() {
        let dir = std::env::temp_dir().join(format!("ca-source-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("sub")).unwrap();
        std::fs::write(dir.join("b.cab"), b"two").unwrap();
        std::fs::write(dir.join("a.cab"), b"one").unwrap();
        std::fs::write(dir.join("c.cab"), vec![0u8; MAX_FILE_LEN as usize + 1]).unwrap();
        let src = BundleSource::open(&dir).unwrap();
        assert_eq!(src.len_hint(), Some(3));
        for _ in 0..2 {
            let r: Vec<Sourced> = src.read().unwrap().collect::<Result<_, _>>().unwrap();
            assert_eq!(r[0].bundle.as_deref(), Ok(&b"one"[..]));
            assert_eq!(r[1].bundle.as_deref(), Ok(&b"two"[..]));
            assert!(
                r[2].bundle
                    .as_ref()
                    .unwrap_err()
                    .reason
                    .contains("larger than")
            );
            assert!(r[2].place.ends_with("c.cab"));
        }
        let missing = BundleSource::open(&dir.join("nope.jsonl")).unwrap_err();
        assert_eq!(missing.action, "open");
        assert!(missing.to_string().contains("nope.jsonl"));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_bom_and_crlf_are_ignored_and_crlf_does_not_count_against_the_cap() {
        let body = "A".repeat(MAX_JSONL_LINE - 6);
        let text = format!("\u{feff}\"CA1:x\"\r\n\"CA1:{body}\"\r\n\"CA1:{body}A\"\r\n");
        let r = rows(text.as_bytes());
        assert_eq!(r[0].bundle.as_deref(), Ok(&b"CA1:x"[..]));
        assert_eq!(r[1].bundle.as_ref().map(Vec::len), Ok(MAX_JSONL_LINE - 2));
        assert_eq!(r[2].bundle.as_ref().unwrap_err().code, ResultCode::TooLarge);
    }

    #[test]
    fn a_spooled_file_reads_twice() {
        use std::io::Write as _;
        let mut f = tempfile_in_target();
        f.write_all(b"\"CA1:a\"\n\"CA1:b\"\n").unwrap();
        let src = BundleSource::Spooled {
            name: "stdin".into(),
            file: f,
        };
        for _ in 0..2 {
            let r: Vec<Sourced> = src.read().unwrap().collect::<Result<_, _>>().unwrap();
            assert_eq!(r.len(), 2);
            assert_eq!(r[1].place, "stdin:2");
        }
        let chunks: Vec<Vec<Sourced>> = src.chunks(1).unwrap().collect::<Result<_, _>>().unwrap();
        assert_eq!(chunks.len(), 2);
        // a huge chunk reserves nothing it does not fill
        assert_eq!(src.chunks(usize::MAX).unwrap().count(), 1);
    }

    fn tempfile_in_target() -> std::fs::File {
        let path = std::env::temp_dir().join(format!(
            "ca-spool-{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        ));
        let f = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(true)
            .open(&path)
            .unwrap();
        std::fs::remove_file(&path).unwrap();
        f
    }

    #[cfg(unix)]
    #[test]
    fn fifos_neither_hang_nor_count() {
        use std::os::unix::ffi::OsStrExt as _;
        let dir = std::env::temp_dir().join(format!("ca-source-fifo-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let fifo = dir.join("swapped.cab");
        let ok = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success();
        assert!(ok, "mkfifo");
        // a FIFO given as the source: refused, not opened
        let e = BundleSource::open(&fifo).unwrap_err();
        assert_eq!(e.action, "use");
        assert!(
            e.to_string().contains("not a directory or a regular file"),
            "{e}"
        );
        // a FIFO where a listed file was: an invalid input, at once
        let src = BundleSource::Dir(vec![fifo.clone()]);
        let r: Vec<Sourced> = src.read().unwrap().collect::<Result<_, _>>().unwrap();
        let why = r[0].bundle.as_ref().unwrap_err();
        assert_eq!(why.code, ResultCode::UnexpectedType);
        assert!(
            why.reason.contains("no longer a regular file"),
            "{}",
            why.reason
        );
        // listing skips it; two names that are not UTF-8 print apart
        let a = dir.join(std::ffi::OsStr::from_bytes(b"\xff.cab"));
        let b = dir.join(std::ffi::OsStr::from_bytes(b"\xfe.cab"));
        std::fs::write(&a, b"x").unwrap();
        std::fs::write(&b, b"y").unwrap();
        let src = BundleSource::open(&dir).unwrap();
        assert_eq!(src.len_hint(), Some(2));
        let r: Vec<Sourced> = src.read().unwrap().collect::<Result<_, _>>().unwrap();
        assert_ne!(r[0].place, r[1].place);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
