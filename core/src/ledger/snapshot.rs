//! A published ledger in one file (SPEC §9.9), for sites with no network:
//! `certanchor ledger snapshot` writes it, `certanchor sync --from FILE`
//! and the clerk's page read it as they would read the published files.
//!
//! ```text
//! snapshot = magic record* end
//! magic    = "certanchor-snapshot/v1\n"                  (23 bytes)
//! record   = path_len: u16 BE ‖ path (UTF-8) ‖ data_len: u32 BE ‖ data
//! end      = 00 03 "end" 00 00 00 20 ‖ SHA-256(every byte before `end`)
//! ```
//!
//! The records are the published files (SPEC §9.6) under their paths:
//! `checkpoint` first, then every tile and entry bundle of its tree size.
//! A reader refuses a file without the magic, with a record cut short, a
//! path twice, bytes after `end`, or a digest that does not match
//! (`bad_snapshot`), so a snapshot cut short is never read as a smaller
//! ledger. Nothing in it is trusted: the checkpoint is verified with the
//! ledger's key and every entry against the checkpoint, as from a server.

use std::collections::HashMap;

use sha2::{Digest as _, Sha256};

use super::tiles::{TileError, TileSource};

/// The first bytes of a snapshot.
pub const MAGIC: &[u8] = b"certanchor-snapshot/v1\n";
/// Longest path in a snapshot.
pub const MAX_PATH_LEN: usize = 256;
/// Path of the closing record.
pub const END: &str = "end";

fn bad(reason: impl Into<String>) -> TileError {
    TileError::BadSnapshot {
        reason: reason.into(),
    }
}

/// Builds a snapshot in memory from (path, data) pairs (the checkpoint
/// first).
///
/// # Errors
/// [`TileError::BadSnapshot`] for a path over [`MAX_PATH_LEN`] bytes, named
/// `end`, or data over 4 GiB.
pub fn write<'a>(
    files: impl IntoIterator<Item = (&'a str, &'a [u8])>,
) -> Result<Vec<u8>, TileError> {
    let mut out = MAGIC.to_vec();
    for (path, data) in files {
        if path == END || path.len() > MAX_PATH_LEN {
            return Err(bad(format!("path `{path}` cannot be in a snapshot")));
        }
        let plen = u16::try_from(path.len()).map_err(|_| bad("path too long"))?;
        let dlen = u32::try_from(data.len()).map_err(|_| bad("file over 4 GiB"))?;
        out.extend_from_slice(&plen.to_be_bytes());
        out.extend_from_slice(path.as_bytes());
        out.extend_from_slice(&dlen.to_be_bytes());
        out.extend_from_slice(data);
    }
    let digest = Sha256::digest(&out);
    out.extend_from_slice(&3u16.to_be_bytes());
    out.extend_from_slice(END.as_bytes());
    out.extend_from_slice(&32u32.to_be_bytes());
    out.extend_from_slice(&digest);
    Ok(out)
}

/// A snapshot read into memory and checked whole: a [`TileSource`].
#[derive(Debug, Clone)]
pub struct Snapshot {
    data: Vec<u8>,
    index: HashMap<String, (usize, usize)>,
}

impl Snapshot {
    /// Parses and checks a snapshot (its digest covers every record).
    ///
    /// # Errors
    /// [`TileError::BadSnapshot`] naming what is wrong and where.
    pub fn parse(data: Vec<u8>) -> Result<Self, TileError> {
        let body = data
            .strip_prefix(MAGIC)
            .ok_or_else(|| bad("not a certanchor snapshot (no magic line)"))?;
        let mut index = HashMap::new();
        let mut pos = MAGIC.len();
        let mut rest = body;
        loop {
            let at = pos;
            let (plen, r) = rest
                .split_first_chunk::<2>()
                .ok_or_else(|| bad(format!("cut short at byte {at}: no `end` record")))?;
            let plen = usize::from(u16::from_be_bytes(*plen));
            let (path, r) = r
                .split_at_checked(plen)
                .ok_or_else(|| bad(format!("record at byte {at}: path cut short")))?;
            let path = std::str::from_utf8(path)
                .map_err(|_| bad(format!("record at byte {at}: path is not UTF-8")))?;
            let (dlen, r) = r
                .split_first_chunk::<4>()
                .ok_or_else(|| bad(format!("record `{path}` at byte {at}: length cut short")))?;
            let dlen = u32::from_be_bytes(*dlen) as usize;
            let start = at + 2 + plen + 4;
            let (file, r) = r.split_at_checked(dlen).ok_or_else(|| {
                bad(format!(
                    "record `{path}` at byte {at}: {dlen} bytes announced, {} left",
                    r.len()
                ))
            })?;
            if path == END {
                if !r.is_empty() {
                    return Err(bad(format!("{} bytes after the `end` record", r.len())));
                }
                let covered = data.get(..at).unwrap_or_default();
                if file != Sha256::digest(covered).as_slice() {
                    return Err(bad("the digest in `end` does not match the contents"));
                }
                break;
            }
            if plen > MAX_PATH_LEN || index.insert(path.to_owned(), (start, dlen)).is_some() {
                return Err(bad(format!(
                    "record at byte {at}: bad or repeated path `{path}`"
                )));
            }
            pos = start + dlen;
            rest = r;
        }
        Ok(Self { data, index })
    }

    /// Number of files in it.
    #[must_use]
    pub fn len(&self) -> usize {
        self.index.len()
    }

    /// Whether it holds no file.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.index.is_empty()
    }
}

impl TileSource for Snapshot {
    fn read(&self, path: &str, max_len: usize) -> Result<Vec<u8>, TileError> {
        let &(start, len) = self
            .index
            .get(path)
            .ok_or_else(|| bad(format!("`{path}` is not in the snapshot")))?;
        if len > max_len {
            return Err(bad(format!(
                "`{path}` is {len} bytes, at most {max_len} expected"
            )));
        }
        self.data
            .get(start..start + len)
            .map(<[u8]>::to_vec)
            .ok_or_else(|| bad(format!("`{path}` out of bounds")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_every_cut_is_refused() {
        let files: Vec<(&str, &[u8])> = vec![
            ("checkpoint", b"origin\n1\nroot\n\nsig\n"),
            ("tile/0/000.p/1", &[7u8; 32]),
            ("tile/entries/000.p/1", &[0, 2, 1, 2]),
        ];
        let snap = write(files.iter().copied()).unwrap();
        let s = Snapshot::parse(snap.clone()).unwrap();
        assert_eq!(s.len(), 3);
        for (p, d) in &files {
            assert_eq!(s.read(p, 1000).unwrap(), *d);
        }
        assert_eq!(
            s.read("tile/0/000.p/1", 31).unwrap_err().code(),
            "bad_snapshot"
        );
        assert_eq!(s.read("nope", 100).unwrap_err().code(), "bad_snapshot");
        for cut in 0..snap.len() {
            let e = Snapshot::parse(snap[..cut].to_vec()).unwrap_err();
            assert_eq!(e.code(), "bad_snapshot", "cut at {cut}");
        }
        let mut longer = snap.clone();
        longer.push(0);
        assert!(Snapshot::parse(longer).is_err());
        for i in MAGIC.len()..snap.len() {
            let mut flipped = snap.clone();
            flipped[i] ^= 0x40;
            assert!(Snapshot::parse(flipped).is_err(), "flip at {i}");
        }
        let twice = write([("a", &b"1"[..]), ("a", &b"2"[..])]).unwrap();
        assert!(Snapshot::parse(twice).is_err());
        assert!(write([("end", &b""[..])]).is_err());
    }
}
