//! zlib writers (RFC 1950 around RFC 1951 DEFLATE) for the compressed parts
//! of documents; `inflate.rs` reads what both write.
//!
//! * [`compress`]: the zlib stream inside a `CA1:` text ([`crate::Bundle::to_text`]),
//!   from a small encoder of our own, in every build (CLI, Python, the
//!   WebAssembly module and its page), so all of them write the same text for
//!   a bundle. It uses greedy LZ77 matching (hash chains over the 32 KiB
//!   window) and the fixed Huffman codes (one block), falling back to stored
//!   blocks when that would be longer.
//!
//!   Our own rather than `miniz_oxide`'s compressor for `CA1:` texts: two
//!   builds of the WebAssembly module in one run gave 382,078 B with it and
//!   394,081 B with `miniz_oxide` level 9 in its place (budget 400,000 B), for
//!   texts 1.1 % longer over the bundles of `tests/vectors` (38,243 vs
//!   37,831 characters), written at 4.8–5.6 % of the speed of SHA-256 over
//!   the same bytes against 2.2–2.7 % (criterion `ca1_zlib`, two runs).
//! * [`best`]: `miniz_oxide` at level 9, for status-list bitstrings (the
//!   bytes `flate2`'s `Compression::best` wrote before, checked equal on
//!   bitstrings and bundles when `flate2` left the workspace).
//!
//! Any valid zlib stream of a bundle is a valid `CA1:` text: the decoder
//! inflates whatever it is given, so texts written by `miniz_oxide` (by
//! earlier versions of the CLI) still decode to the same bundle.

/// Base match length of length codes 257..=285.
const LEN_BASE: [u16; 29] = [
    3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131,
    163, 195, 227, 258,
];
/// Extra bits of length codes 257..=285.
const LEN_EXTRA: [u8; 29] = [
    0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0,
];
/// Base distance of distance codes 0..=29.
const DIST_BASE: [u16; 30] = [
    1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537,
    2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577,
];
/// Extra bits of distance codes 0..=29.
const DIST_EXTRA: [u8; 30] = [
    0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13,
    13,
];

const WINDOW: usize = 32 * 1024;
const MIN_MATCH: usize = 3;
const MAX_MATCH: usize = 258;
const HASH_BITS: u32 = 13;
/// How many earlier positions with the same hash are tried per position.
const MAX_CHAIN: usize = 256;
/// No position: the end of a hash chain.
const NONE: u32 = u32::MAX;
/// Largest stored block.
const STORED_MAX: usize = 0xffff;

/// An LSB-first bit writer (DEFLATE's bit order).
struct Bits {
    out: Vec<u8>,
    acc: u64,
    n: u32,
}

impl Bits {
    fn put(&mut self, value: u32, n: u32) {
        self.acc |= u64::from(value) << self.n;
        self.n += n;
        while self.n >= 8 {
            self.out.push(self.acc.to_le_bytes()[0]);
            self.acc >>= 8;
            self.n -= 8;
        }
    }

    /// A Huffman code of `len` bits: sent most significant bit first.
    fn code(&mut self, code: u32, len: u32) {
        self.put(code.reverse_bits() >> (32 - len), len);
    }

    /// A literal/length symbol (0..=287) in the fixed code (RFC 1951 §3.2.6).
    fn symbol(&mut self, sym: u32) {
        match sym {
            0..=143 => self.code(0x30 + sym, 8),
            144..=255 => self.code(0x190 + sym - 144, 9),
            256..=279 => self.code(sym - 256, 7),
            _ => self.code(0xc0 + sym - 280, 8),
        }
    }

    /// A match: `len` in 3..=258, `dist` in 1..=32768.
    fn copy(&mut self, len: usize, dist: usize) {
        let (i, base, extra) = bucket(&LEN_BASE, &LEN_EXTRA, len);
        self.symbol(257 + i);
        self.put(small(len - base), extra);
        let (j, base, extra) = bucket(&DIST_BASE, &DIST_EXTRA, dist);
        self.code(j, 5);
        self.put(small(dist - base), extra);
    }

    fn finish(self) -> Vec<u8> {
        let mut out = self.out;
        if self.n > 0 {
            out.push(self.acc.to_le_bytes()[0]);
        }
        out
    }
}

/// Values here are below 2^16.
fn small(v: usize) -> u32 {
    u32::try_from(v).unwrap_or(0)
}

/// The code of `v` in a base/extra-bits table: (code, base, extra bits).
fn bucket(bases: &[u16], extras: &[u8], v: usize) -> (u32, usize, u32) {
    let i = bases
        .iter()
        .rposition(|&b| usize::from(b) <= v)
        .unwrap_or(0);
    let base = bases.get(i).map_or(0, |&b| usize::from(b));
    let extra = extras.get(i).map_or(0, |&e| u32::from(e));
    (small(i), base, extra)
}

fn hash(data: &[u8], i: usize) -> Option<usize> {
    let w = data.get(i..i + MIN_MATCH)?;
    let (a, b, c) = (
        u32::from(*w.first()?),
        u32::from(*w.get(1)?),
        u32::from(*w.get(2)?),
    );
    let h = ((a << 16) | (b << 8) | c).wrapping_mul(0x9e37_79b1) >> (32 - HASH_BITS);
    usize::try_from(h).ok()
}

fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    a.iter()
        .zip(b)
        .take(MAX_MATCH)
        .take_while(|(x, y)| x == y)
        .count()
}

/// One final fixed-Huffman block with greedy LZ77 matches.
fn fixed_block(data: &[u8]) -> Vec<u8> {
    let mut bits = Bits {
        out: Vec::with_capacity(data.len() + 16),
        acc: 0,
        n: 0,
    };
    bits.put(1, 1); // BFINAL
    bits.put(1, 2); // BTYPE 01: fixed Huffman codes
    // head[h]: the latest position with hash h; prev[i]: the position
    // before i with the same hash (hash chains).
    let mut head = vec![NONE; 1 << HASH_BITS];
    let mut prev = vec![NONE; data.len()];
    let mut i = 0;
    while i < data.len() {
        let (mut best_len, mut best_dist) = (0, 0);
        if let Some(h) = hash(data, i) {
            let mut cand = head.get(h).copied().unwrap_or(NONE);
            let rest = data.get(i..).unwrap_or_default();
            for _ in 0..MAX_CHAIN {
                let Ok(c) = usize::try_from(cand) else { break };
                if cand == NONE || i - c > WINDOW {
                    break;
                }
                let l = common_prefix(data.get(c..).unwrap_or_default(), rest);
                if l > best_len {
                    (best_len, best_dist) = (l, i - c);
                    if l == MAX_MATCH {
                        break;
                    }
                }
                cand = prev.get(c).copied().unwrap_or(NONE);
            }
        }
        let step = if best_len >= MIN_MATCH {
            bits.copy(best_len, best_dist);
            best_len
        } else {
            bits.symbol(data.get(i).map_or(0, |&b| u32::from(b)));
            1
        };
        for k in i..i + step {
            if let (Some(h), Ok(pos)) = (hash(data, k), u32::try_from(k))
                && let (Some(slot), Some(p)) = (head.get_mut(h), prev.get_mut(k))
            {
                *p = *slot;
                *slot = pos;
            }
        }
        i += step;
    }
    bits.symbol(256); // end of block
    bits.finish()
}

/// Stored (uncompressed) blocks.
fn stored_blocks(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() + 5 * (data.len() / STORED_MAX + 1));
    let mut chunks = data.chunks(STORED_MAX).peekable();
    if chunks.peek().is_none() {
        out.extend_from_slice(&[1, 0, 0, 0xff, 0xff]);
    }
    while let Some(chunk) = chunks.next() {
        // BFINAL in bit 0, BTYPE 00, then padding to the byte boundary.
        out.push(u8::from(chunks.peek().is_none()));
        let len = u16::try_from(chunk.len()).unwrap_or(u16::MAX);
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&(!len).to_le_bytes());
        out.extend_from_slice(chunk);
    }
    out
}

fn adler32(data: &[u8]) -> u32 {
    const MOD: u32 = 65521;
    let (mut a, mut b) = (1u32, 0u32);
    // 5552 bytes keep the sums below 2^32 between reductions (zlib's NMAX).
    for chunk in data.chunks(5552) {
        for &x in chunk {
            a += u32::from(x);
            b += a;
        }
        a %= MOD;
        b %= MOD;
    }
    (b << 16) | a
}

/// zlib-compresses `data` (RFC 1950) with the small encoder: the stream
/// inside every `CA1:` text.
#[must_use]
pub fn compress(data: &[u8]) -> Vec<u8> {
    let fixed = fixed_block(data);
    let stored_len = data.len() + 5 * data.len().div_ceil(STORED_MAX).max(1);
    let body = if fixed.len() <= stored_len {
        fixed
    } else {
        stored_blocks(data)
    };
    // CMF 0x78: deflate, 32 KiB window; FLG 0xda: "maximum compression",
    // no dictionary, check bits making the pair a multiple of 31.
    let mut out = Vec::with_capacity(body.len() + 6);
    out.extend_from_slice(&[0x78, 0xda]);
    out.extend_from_slice(&body);
    out.extend_from_slice(&adler32(data).to_be_bytes());
    out
}

/// zlib at `miniz_oxide`'s level 9 (the level `flate2`'s `Compression::best`
/// names, with the same bytes).
#[must_use]
pub fn best(data: &[u8]) -> Vec<u8> {
    miniz_oxide::deflate::compress_to_vec_zlib(data, 9)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
mod tests {
    use super::{best, compress};
    use crate::Document;

    /// Our inflater (over `miniz_oxide`), exact and capped: a stream either
    /// encoder writes must be the whole input.
    fn inflate(z: &[u8]) -> Vec<u8> {
        crate::inflate::inflate_exact(z, 1 << 24, "test").expect("valid zlib")
    }

    /// xorshift64: reproducible pseudo-random bytes.
    fn noise(n: usize, mut s: u64) -> Vec<u8> {
        (0..n)
            .map(|_| {
                s ^= s << 13;
                s ^= s >> 7;
                s ^= s << 17;
                s.to_le_bytes()[0]
            })
            .collect()
    }

    #[test]
    fn round_trips() {
        let mut cases: Vec<Vec<u8>> = vec![
            vec![],
            vec![0],
            b"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".to_vec(),
            b"abcabcabcabcabd".repeat(100),
            vec![7; 70_000],
            noise(1, 1),
            noise(300, 2),
            noise(65_535, 3),
            noise(65_536, 4),
            noise(140_000, 5),
        ];
        // structured data with matches at every distance up to the window
        let mut mixed = noise(40_000, 6);
        for k in 0..2_000 {
            let at = (k * 37) % 39_000;
            let piece = mixed[at..at + 3 + k % 300].to_vec();
            mixed.extend_from_slice(&piece);
        }
        cases.push(mixed);
        for data in &cases {
            let z = compress(data);
            assert_eq!(inflate(&z), *data, "round trip of {} bytes", data.len());
            assert_eq!(inflate(&best(data)), *data, "{} bytes", data.len());
            // never much worse than storing the data
            assert!(
                z.len() <= data.len() + 11 + 5 * (data.len() / 65_535),
                "{}",
                data.len()
            );
        }
        assert!(compress(&vec![7; 70_000]).len() < 1_000);
    }

    /// The small encoder against `miniz_oxide`'s best level on the bundles
    /// of `tests/vectors`: both decode to the bundle, and ours is at most
    /// 5 % longer (at most 1.5 % over all of them).
    #[test]
    fn close_to_the_best_level_on_the_vector_bundles() {
        let text = include_str!("../../tests/vectors/bundles.json");
        let vectors: serde_json::Value = serde_json::from_str(text).unwrap();
        let (mut n, mut ours, mut theirs) = (0, 0, 0);
        for case in vectors["cases"].as_array().unwrap() {
            let Some(t) = case["text"].as_str() else {
                continue;
            };
            let bundle = crate::Bundle::from_text(t).unwrap();
            let bytes = bundle.to_vec();
            let z = compress(&bytes);
            let m = best(&bytes);
            assert_eq!(inflate(&z), bytes);
            assert!(z.len() < bytes.len(), "{}: no compression", case["name"]);
            assert!(
                z.len() * 100 <= m.len() * 105,
                "{}: {} vs {}",
                case["name"],
                z.len(),
                m.len()
            );
            for stream in [&z, &m] {
                let text = format!(
                    "{}{}",
                    crate::bundle::TEXT_PREFIX,
                    crate::base45::encode(stream)
                );
                assert_eq!(crate::Bundle::from_text(&text).unwrap(), bundle);
            }
            assert_eq!(
                bundle.to_text(),
                format!(
                    "{}{}",
                    crate::bundle::TEXT_PREFIX,
                    crate::base45::encode(&z)
                )
            );
            (ours, theirs) = (ours + z.len(), theirs + m.len());
            n += 1;
        }
        assert!(n > 5, "too few text vectors: {n}");
        assert!(ours * 1000 <= theirs * 1015, "{ours} vs {theirs}");
    }
}
