//! Deterministic CBOR (RFC 8949 §4.2.1, "core deterministic encoding").
//!
//! * [`Writer`] emits shortest-form heads, definite lengths only; callers write
//!   map keys in canonical order (the bytewise order of their encodings, which
//!   for text keys is: shorter first, then bytewise), and [`Value`] sorts its
//!   maps that way.
//! * [`Reader`] is a strict, zero-copy decoder over a byte slice. It rejects
//!   non-shortest integers, lengths and tags, indefinite lengths, floats,
//!   simple values other than false/true/null, unsorted or duplicate map keys,
//!   nesting deeper than [`MAX_DEPTH`], and reports the byte offset of every
//!   problem. [`Reader::finish`] rejects trailing bytes.
//!
//! Typed documents (headers, bundles, anchors…) are decoded with the same
//! reader, key by key, so a document that decodes strictly re-encodes to the
//! identical bytes.
//!
//! ```
//! use certanchor::cbor::{Value, decode_value};
//! let v = Value::Array(vec![Value::Int(1), Value::Text("a".into())]);
//! let bytes = v.to_vec();
//! assert_eq!(bytes, [0x82, 0x01, 0x61, b'a']);
//! assert_eq!(decode_value(&bytes, 1024).unwrap(), v);
//! // A non-shortest integer is refused with its offset:
//! let err = decode_value(&[0x18, 0x01], 1024).unwrap_err();
//! assert_eq!(err.code(), "non_shortest");
//! ```

use std::collections::BTreeMap;

use crate::error::DecodeError;

/// Maximum nesting depth of arrays and maps in any certanchor document.
pub const MAX_DEPTH: usize = 16;

/// Major types of RFC 8949 §3.1.
pub(crate) const MAJOR_UINT: u8 = 0;
pub(crate) const MAJOR_NINT: u8 = 1;
pub(crate) const MAJOR_BYTES: u8 = 2;
pub(crate) const MAJOR_TEXT: u8 = 3;
pub(crate) const MAJOR_ARRAY: u8 = 4;
pub(crate) const MAJOR_MAP: u8 = 5;
pub(crate) const MAJOR_TAG: u8 = 6;
pub(crate) const MAJOR_SIMPLE: u8 = 7;

/// A field value in a certificate: the subset of CBOR that certanchor allows
/// (no floats, no tags, text map keys only).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Value {
    /// CBOR null.
    Null,
    /// CBOR true / false.
    Bool(bool),
    /// A signed 64-bit integer.
    Int(i64),
    /// A byte string.
    Bytes(Vec<u8>),
    /// A UTF-8 text string.
    Text(String),
    /// An array.
    Array(Vec<Value>),
    /// A map with text keys (encoded in canonical key order).
    Map(BTreeMap<String, Value>),
}

impl Value {
    /// Encodes the value as deterministic CBOR.
    #[must_use]
    pub fn to_vec(&self) -> Vec<u8> {
        let mut w = Writer::new();
        w.value(self);
        w.into_bytes()
    }

    /// The text if this is a text value.
    #[must_use]
    pub fn as_text(&self) -> Option<&str> {
        match self {
            Self::Text(s) => Some(s),
            _ => None,
        }
    }

    /// The map if this is a map value.
    #[must_use]
    pub fn as_map(&self) -> Option<&BTreeMap<String, Value>> {
        match self {
            Self::Map(m) => Some(m),
            _ => None,
        }
    }

    /// The array if this is an array value.
    #[must_use]
    pub fn as_array(&self) -> Option<&[Value]> {
        match self {
            Self::Array(a) => Some(a),
            _ => None,
        }
    }

    /// A short name of the value's type, for error messages.
    #[must_use]
    pub fn type_name(&self) -> &'static str {
        match self {
            Self::Null => "null",
            Self::Bool(_) => "bool",
            Self::Int(_) => "integer",
            Self::Bytes(_) => "bytes",
            Self::Text(_) => "text",
            Self::Array(_) => "array",
            Self::Map(_) => "map",
        }
    }

    /// Converts from JSON (numbers must be integers; objects become maps).
    ///
    /// # Errors
    /// A float or out-of-range number is refused with [`DecodeError::Invalid`].
    pub fn from_json(json: &serde_json::Value) -> Result<Self, DecodeError> {
        Ok(match json {
            serde_json::Value::Null => Self::Null,
            serde_json::Value::Bool(b) => Self::Bool(*b),
            serde_json::Value::Number(n) => {
                Self::Int(n.as_i64().ok_or_else(|| DecodeError::Invalid {
                    what: "number",
                    reason: format!(
                        "{n} is not a 64-bit integer; write decimals as text such as \"89.50\""
                    ),
                })?)
            }
            serde_json::Value::String(s) => Self::Text(s.clone()),
            serde_json::Value::Array(a) => {
                Self::Array(a.iter().map(Self::from_json).collect::<Result<_, _>>()?)
            }
            serde_json::Value::Object(o) => Self::Map(
                o.iter()
                    .map(|(k, v)| Ok((k.clone(), Self::from_json(v)?)))
                    .collect::<Result<_, DecodeError>>()?,
            ),
        })
    }

    /// Converts to JSON for display (bytes become lowercase hex strings).
    #[must_use]
    pub fn to_json(&self) -> serde_json::Value {
        let mut text = String::new();
        self.write_json(&mut text);
        crate::json::read_own(&text)
    }

    /// Appends the JSON view ([`Value::to_json`]) as compact JSON text.
    pub fn write_json(&self, out: &mut String) {
        match self {
            Self::Null => out.push_str("null"),
            Self::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Self::Int(i) => {
                // Writing to a String cannot fail.
                let _ = std::fmt::Write::write_fmt(out, format_args!("{i}"));
            }
            Self::Bytes(b) => {
                out.push('"');
                out.push_str(&hex::encode(b));
                out.push('"');
            }
            Self::Text(s) => crate::json::write_str(out, s),
            Self::Array(a) => {
                let mut arr = crate::json::Array::open(out);
                for v in a {
                    v.write_json(arr.item());
                }
                arr.close();
            }
            Self::Map(m) => {
                let mut obj = crate::json::Object::open(out);
                for (k, v) in m {
                    v.write_json(obj.key(k));
                }
                obj.close();
            }
        }
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Self::Text(s.to_owned())
    }
}
impl From<String> for Value {
    fn from(s: String) -> Self {
        Self::Text(s)
    }
}
impl From<i64> for Value {
    fn from(i: i64) -> Self {
        Self::Int(i)
    }
}
impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Self::Bool(b)
    }
}

/// Canonical order of two text keys: the bytewise order of their encodings.
pub(crate) fn key_order(a: &str, b: &str) -> std::cmp::Ordering {
    a.len()
        .cmp(&b.len())
        .then_with(|| a.as_bytes().cmp(b.as_bytes()))
}

/// Decodes one strict deterministic CBOR [`Value`] that must fill `bytes`.
///
/// # Errors
/// Any [`DecodeError`] the strict reader raises, [`DecodeError::TooLarge`]
/// above `max_len`, [`DecodeError::TrailingBytes`] if bytes remain.
pub fn decode_value(bytes: &[u8], max_len: usize) -> Result<Value, DecodeError> {
    let mut r = Reader::new(bytes, max_len, "document")?;
    let v = r.value()?;
    r.finish()?;
    Ok(v)
}

/// A deterministic CBOR encoder into a growable buffer.
#[derive(Debug, Default, Clone)]
pub struct Writer {
    buf: Vec<u8>,
}

impl Writer {
    /// An empty writer.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty writer with capacity.
    #[must_use]
    pub fn with_capacity(n: usize) -> Self {
        Self {
            buf: Vec::with_capacity(n),
        }
    }

    /// Empties the writer, keeping its buffer for reuse.
    pub fn clear(&mut self) {
        self.buf.clear();
    }

    /// Number of bytes written so far.
    #[must_use]
    pub fn len(&self) -> usize {
        self.buf.len()
    }

    /// True if nothing has been written.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    /// The bytes written so far.
    #[must_use]
    pub fn as_bytes(&self) -> &[u8] {
        &self.buf
    }

    /// The bytes written so far.
    #[must_use]
    pub fn into_bytes(self) -> Vec<u8> {
        self.buf
    }

    /// Writes a head in its shortest form.
    pub fn head(&mut self, major: u8, arg: u64) {
        let m = major << 5;
        if arg < 24 {
            self.buf.push(m | arg as u8);
        } else if let Ok(a) = u8::try_from(arg) {
            self.buf.extend_from_slice(&[m | 24, a]);
        } else if let Ok(a) = u16::try_from(arg) {
            self.buf.push(m | 25);
            self.buf.extend_from_slice(&a.to_be_bytes());
        } else if let Ok(a) = u32::try_from(arg) {
            self.buf.push(m | 26);
            self.buf.extend_from_slice(&a.to_be_bytes());
        } else {
            self.buf.push(m | 27);
            self.buf.extend_from_slice(&arg.to_be_bytes());
        }
    }

    /// Writes an unsigned integer.
    pub fn uint(&mut self, v: u64) {
        self.head(MAJOR_UINT, v);
    }

    /// Writes a signed integer.
    pub fn int(&mut self, v: i64) {
        if v >= 0 {
            self.head(MAJOR_UINT, v.unsigned_abs());
        } else {
            // -1 - n  ==>  n = -1 - v = !v as unsigned
            self.head(MAJOR_NINT, (!v) as u64);
        }
    }

    /// Writes a byte string.
    pub fn bytes(&mut self, b: &[u8]) {
        self.head(MAJOR_BYTES, b.len() as u64);
        self.buf.extend_from_slice(b);
    }

    /// Writes a text string.
    pub fn text(&mut self, s: &str) {
        self.head(MAJOR_TEXT, s.len() as u64);
        self.buf.extend_from_slice(s.as_bytes());
    }

    /// Starts an array of `len` items.
    pub fn array(&mut self, len: usize) {
        self.head(MAJOR_ARRAY, len as u64);
    }

    /// Starts a map of `len` entries (the caller writes keys in canonical order).
    pub fn map(&mut self, len: usize) {
        self.head(MAJOR_MAP, len as u64);
    }

    /// Writes a tag.
    pub fn tag(&mut self, tag: u64) {
        self.head(MAJOR_TAG, tag);
    }

    /// Writes null.
    pub fn null(&mut self) {
        self.buf.push(0xf6);
    }

    /// Writes a boolean.
    pub fn bool(&mut self, b: bool) {
        self.buf.push(if b { 0xf5 } else { 0xf4 });
    }

    /// Appends bytes that are already a deterministic CBOR item.
    pub fn raw(&mut self, item: &[u8]) {
        self.buf.extend_from_slice(item);
    }

    /// Writes a [`Value`], sorting map keys canonically.
    pub fn value(&mut self, v: &Value) {
        match v {
            Value::Null => self.null(),
            Value::Bool(b) => self.bool(*b),
            Value::Int(i) => self.int(*i),
            Value::Bytes(b) => self.bytes(b),
            Value::Text(s) => self.text(s),
            Value::Array(a) => {
                self.array(a.len());
                for x in a {
                    self.value(x);
                }
            }
            Value::Map(m) => {
                self.map(m.len());
                let mut entries: Vec<(&String, &Value)> = m.iter().collect();
                entries.sort_by(|a, b| key_order(a.0, b.0));
                for (k, x) in entries {
                    self.text(k);
                    self.value(x);
                }
            }
        }
    }
}

/// A strict zero-copy deterministic CBOR reader over a byte slice.
#[derive(Debug, Clone)]
pub struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
    depth: usize,
}

impl<'a> Reader<'a> {
    /// A reader over `buf`, refusing input longer than `max_len`.
    ///
    /// # Errors
    /// [`DecodeError::TooLarge`] when `buf` is longer than `max_len`.
    pub fn new(buf: &'a [u8], max_len: usize, what: &'static str) -> Result<Self, DecodeError> {
        if buf.len() > max_len {
            return Err(DecodeError::TooLarge {
                what,
                found: buf.len(),
                max: max_len,
            });
        }
        Ok(Self {
            buf,
            pos: 0,
            depth: 0,
        })
    }

    /// The current byte offset.
    #[must_use]
    pub fn offset(&self) -> usize {
        self.pos
    }

    /// Fails with [`DecodeError::TrailingBytes`] unless all input was consumed.
    ///
    /// # Errors
    /// When bytes remain.
    pub fn finish(&self) -> Result<(), DecodeError> {
        if self.pos == self.buf.len() {
            Ok(())
        } else {
            Err(DecodeError::TrailingBytes {
                offset: self.pos,
                remaining: self.buf.len() - self.pos,
            })
        }
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], DecodeError> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|&e| e <= self.buf.len())
            .ok_or(DecodeError::Truncated { offset: self.pos })?;
        let s = self
            .buf
            .get(self.pos..end)
            .ok_or(DecodeError::Truncated { offset: self.pos })?;
        self.pos = end;
        Ok(s)
    }

    /// Peeks the major type of the next item without consuming it.
    ///
    /// # Errors
    /// [`DecodeError::Truncated`] at end of input.
    pub fn peek_major(&self) -> Result<u8, DecodeError> {
        self.buf
            .get(self.pos)
            .map(|b| b >> 5)
            .ok_or(DecodeError::Truncated { offset: self.pos })
    }

    /// True if the next item is null.
    #[must_use]
    pub fn peek_null(&self) -> bool {
        self.buf.get(self.pos) == Some(&0xf6)
    }

    /// Reads one head, enforcing shortest form and definite lengths.
    /// Returns `(major, argument, head_offset)`.
    ///
    /// # Errors
    /// Truncation, non-shortest argument, indefinite length, float, reserved values.
    pub fn head(&mut self) -> Result<(u8, u64, usize), DecodeError> {
        let at = self.pos;
        let ib = *self
            .take(1)?
            .first()
            .ok_or(DecodeError::Truncated { offset: at })?;
        let major = ib >> 5;
        let info = ib & 0x1f;
        if major == MAJOR_SIMPLE {
            return match info {
                20..=22 => Ok((major, u64::from(info), at)),
                25..=27 => Err(DecodeError::Float { offset: at }),
                31 => Err(DecodeError::Indefinite { offset: at }),
                _ => Err(DecodeError::UnsupportedSimple { offset: at }),
            };
        }
        let arg = match info {
            0..=23 => u64::from(info),
            24 => {
                let v = u64::from(self.byte()?);
                if v < 24 {
                    return Err(DecodeError::NonShortest { offset: at });
                }
                v
            }
            25 => {
                let v = u64::from(u16::from_be_bytes(self.array_n::<2>()?));
                if v <= u64::from(u8::MAX) {
                    return Err(DecodeError::NonShortest { offset: at });
                }
                v
            }
            26 => {
                let v = u64::from(u32::from_be_bytes(self.array_n::<4>()?));
                if v <= u64::from(u16::MAX) {
                    return Err(DecodeError::NonShortest { offset: at });
                }
                v
            }
            27 => {
                let v = u64::from_be_bytes(self.array_n::<8>()?);
                if v <= u64::from(u32::MAX) {
                    return Err(DecodeError::NonShortest { offset: at });
                }
                v
            }
            31 => return Err(DecodeError::Indefinite { offset: at }),
            _ => return Err(DecodeError::UnsupportedSimple { offset: at }),
        };
        Ok((major, arg, at))
    }

    fn byte(&mut self) -> Result<u8, DecodeError> {
        let at = self.pos;
        self.take(1)?
            .first()
            .copied()
            .ok_or(DecodeError::Truncated { offset: at })
    }

    fn array_n<const N: usize>(&mut self) -> Result<[u8; N], DecodeError> {
        let at = self.pos;
        self.take(N)?
            .try_into()
            .map_err(|_| DecodeError::Truncated { offset: at })
    }

    fn expect(&mut self, major: u8, expected: &'static str) -> Result<(u64, usize), DecodeError> {
        let (m, arg, at) = self.head()?;
        if m != major {
            return Err(DecodeError::UnexpectedType {
                expected,
                offset: at,
            });
        }
        Ok((arg, at))
    }

    fn len_of(&self, arg: u64, at: usize) -> Result<usize, DecodeError> {
        let n = usize::try_from(arg).map_err(|_| DecodeError::Truncated { offset: at })?;
        if n > self.buf.len() - self.pos {
            return Err(DecodeError::Truncated { offset: at });
        }
        Ok(n)
    }

    /// Reads an unsigned integer.
    ///
    /// # Errors
    /// Wrong type or malformed head.
    pub fn uint(&mut self) -> Result<u64, DecodeError> {
        Ok(self.expect(MAJOR_UINT, "unsigned integer")?.0)
    }

    /// Reads a signed integer that fits in i64.
    ///
    /// # Errors
    /// Wrong type, malformed head, or out of i64 range.
    pub fn int(&mut self) -> Result<i64, DecodeError> {
        let (m, arg, at) = self.head()?;
        match m {
            MAJOR_UINT => {
                i64::try_from(arg).map_err(|_| DecodeError::IntegerOutOfRange { offset: at })
            }
            MAJOR_NINT => i64::try_from(arg)
                .map(|n| -1 - n)
                .map_err(|_| DecodeError::IntegerOutOfRange { offset: at }),
            _ => Err(DecodeError::UnexpectedType {
                expected: "integer",
                offset: at,
            }),
        }
    }

    /// Reads a byte string (borrowed).
    ///
    /// # Errors
    /// Wrong type, malformed head, truncation.
    pub fn bytes(&mut self) -> Result<&'a [u8], DecodeError> {
        let (arg, at) = self.expect(MAJOR_BYTES, "byte string")?;
        let n = self.len_of(arg, at)?;
        self.take(n)
    }

    /// Reads a byte string of exactly `N` bytes.
    ///
    /// # Errors
    /// Wrong type or [`DecodeError::BadLength`].
    pub fn bytes_n<const N: usize>(&mut self, what: &'static str) -> Result<[u8; N], DecodeError> {
        let b = self.bytes()?;
        b.try_into().map_err(|_| DecodeError::BadLength {
            what,
            expected: N,
            found: b.len(),
        })
    }

    /// Reads a text string (borrowed).
    ///
    /// # Errors
    /// Wrong type, malformed head, truncation, invalid UTF-8.
    pub fn text(&mut self) -> Result<&'a str, DecodeError> {
        let (arg, at) = self.expect(MAJOR_TEXT, "text string")?;
        let n = self.len_of(arg, at)?;
        let start = self.pos;
        let b = self.take(n)?;
        std::str::from_utf8(b).map_err(|_| DecodeError::InvalidUtf8 { offset: start })
    }

    /// Reads an array head and enters it (depth-checked). Returns the length.
    ///
    /// # Errors
    /// Wrong type, too deep, length beyond the remaining input.
    pub fn array(&mut self) -> Result<usize, DecodeError> {
        let (arg, at) = self.expect(MAJOR_ARRAY, "array")?;
        self.enter(at)?;
        // every item takes at least one byte
        self.len_of(arg, at)
    }

    /// Reads a map head and enters it (depth-checked). Returns the number of entries.
    ///
    /// # Errors
    /// Wrong type, too deep, length beyond the remaining input.
    pub fn map(&mut self) -> Result<usize, DecodeError> {
        let (arg, at) = self.expect(MAJOR_MAP, "map")?;
        self.enter(at)?;
        let n = usize::try_from(arg).map_err(|_| DecodeError::Truncated { offset: at })?;
        if n > (self.buf.len() - self.pos) / 2 {
            return Err(DecodeError::Truncated { offset: at });
        }
        Ok(n)
    }

    /// Leaves an array or map entered with [`Reader::array`] / [`Reader::map`].
    pub fn leave(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }

    fn enter(&mut self, at: usize) -> Result<(), DecodeError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(DecodeError::TooDeep {
                offset: at,
                max: MAX_DEPTH,
            });
        }
        Ok(())
    }

    /// Reads a tag and checks it is `tag`.
    ///
    /// # Errors
    /// No tag, or another tag ([`DecodeError::UnexpectedTag`]).
    pub fn tag(&mut self, tag: u64) -> Result<(), DecodeError> {
        let (arg, at) = self.expect(MAJOR_TAG, "tag")?;
        if arg != tag {
            return Err(DecodeError::UnexpectedTag {
                tag: arg,
                offset: at,
            });
        }
        Ok(())
    }

    /// Reads null or a value with `f`.
    ///
    /// # Errors
    /// Whatever `f` returns.
    pub fn nullable<T>(
        &mut self,
        f: impl FnOnce(&mut Self) -> Result<T, DecodeError>,
    ) -> Result<Option<T>, DecodeError> {
        if self.peek_null() {
            self.pos += 1;
            Ok(None)
        } else {
            f(self).map(Some)
        }
    }

    /// Reads a map key (text) and checks it sorts strictly after `prev`
    /// (the previous key's text, `None` for the first key).
    ///
    /// # Errors
    /// Non-text key, unsorted or duplicate key.
    pub fn key(&mut self, prev: Option<&str>) -> Result<&'a str, DecodeError> {
        let at = self.pos;
        let k = self.text().map_err(|e| match e {
            DecodeError::UnexpectedType { offset, .. } => DecodeError::UnexpectedType {
                expected: "text map key",
                offset,
            },
            e => e,
        })?;
        if let Some(p) = prev {
            match key_order(p, k) {
                std::cmp::Ordering::Less => {}
                std::cmp::Ordering::Equal => return Err(DecodeError::DuplicateKey { offset: at }),
                std::cmp::Ordering::Greater => {
                    return Err(DecodeError::UnsortedKeys { offset: at });
                }
            }
        }
        Ok(k)
    }

    /// Reads any item and returns its raw bytes (still strictly validated).
    ///
    /// # Errors
    /// Any strict-decoding error inside the item.
    pub fn raw_value(&mut self) -> Result<&'a [u8], DecodeError> {
        let start = self.pos;
        self.skip_any()?;
        self.buf
            .get(start..self.pos)
            .ok_or(DecodeError::Truncated { offset: start })
    }

    fn skip_any(&mut self) -> Result<(), DecodeError> {
        let (m, arg, at) = self.head()?;
        match m {
            MAJOR_UINT | MAJOR_NINT | MAJOR_SIMPLE => Ok(()),
            MAJOR_BYTES => {
                let n = self.len_of(arg, at)?;
                self.take(n).map(|_| ())
            }
            MAJOR_TEXT => {
                let n = self.len_of(arg, at)?;
                let start = self.pos;
                let b = self.take(n)?;
                std::str::from_utf8(b)
                    .map(|_| ())
                    .map_err(|_| DecodeError::InvalidUtf8 { offset: start })
            }
            MAJOR_ARRAY => {
                self.enter(at)?;
                let n = self.len_of(arg, at)?;
                for _ in 0..n {
                    self.skip_any()?;
                }
                self.leave();
                Ok(())
            }
            MAJOR_MAP => {
                self.enter(at)?;
                let n = self.len_of(arg, at)?;
                let mut prev: Option<&[u8]> = None;
                for _ in 0..n {
                    let kat = self.pos;
                    self.skip_any()?;
                    let k = self.buf.get(kat..self.pos).unwrap_or_default();
                    if let Some(p) = prev {
                        match p.cmp(k) {
                            std::cmp::Ordering::Less => {}
                            std::cmp::Ordering::Equal => {
                                return Err(DecodeError::DuplicateKey { offset: kat });
                            }
                            std::cmp::Ordering::Greater => {
                                return Err(DecodeError::UnsortedKeys { offset: kat });
                            }
                        }
                    }
                    prev = Some(k);
                    self.skip_any()?;
                }
                self.leave();
                Ok(())
            }
            _ => Err(DecodeError::UnexpectedTag {
                tag: arg,
                offset: at,
            }),
        }
    }

    /// Reads a [`Value`] (no tags, no floats, text map keys only).
    ///
    /// # Errors
    /// Any strict-decoding error.
    pub fn value(&mut self) -> Result<Value, DecodeError> {
        let (m, arg, at) = self.head()?;
        Ok(match m {
            MAJOR_UINT => Value::Int(
                i64::try_from(arg).map_err(|_| DecodeError::IntegerOutOfRange { offset: at })?,
            ),
            MAJOR_NINT => Value::Int(
                i64::try_from(arg)
                    .map(|n| -1 - n)
                    .map_err(|_| DecodeError::IntegerOutOfRange { offset: at })?,
            ),
            MAJOR_BYTES => {
                let n = self.len_of(arg, at)?;
                Value::Bytes(self.take(n)?.to_vec())
            }
            MAJOR_TEXT => {
                let n = self.len_of(arg, at)?;
                let start = self.pos;
                let b = self.take(n)?;
                Value::Text(
                    std::str::from_utf8(b)
                        .map_err(|_| DecodeError::InvalidUtf8 { offset: start })?
                        .to_owned(),
                )
            }
            MAJOR_ARRAY => {
                self.enter(at)?;
                let n = self.len_of(arg, at)?;
                let mut v = Vec::with_capacity(n.min(1024));
                for _ in 0..n {
                    v.push(self.value()?);
                }
                self.leave();
                Value::Array(v)
            }
            MAJOR_MAP => {
                self.enter(at)?;
                let n = self.len_of(arg, at)?;
                let mut map = BTreeMap::new();
                let mut prev: Option<&str> = None;
                for _ in 0..n {
                    let k = self.key(prev)?;
                    let v = self.value()?;
                    map.insert(k.to_owned(), v);
                    prev = Some(k);
                }
                self.leave();
                Value::Map(map)
            }
            MAJOR_TAG => {
                return Err(DecodeError::UnexpectedTag {
                    tag: arg,
                    offset: at,
                });
            }
            _ => match arg {
                20 => Value::Bool(false),
                21 => Value::Bool(true),
                _ => Value::Null,
            },
        })
    }

    /// Checks the next item is a valid deterministic CBOR item of any kind,
    /// allowing only the tags in `tags`, and returns its raw bytes.
    ///
    /// # Errors
    /// Any strict-decoding error.
    pub fn raw_tagged(&mut self, tags: &[u64]) -> Result<&'a [u8], DecodeError> {
        let start = self.pos;
        loop {
            let save = self.pos;
            let (m, arg, at) = self.head()?;
            if m == MAJOR_TAG {
                if !tags.contains(&arg) {
                    return Err(DecodeError::UnexpectedTag {
                        tag: arg,
                        offset: at,
                    });
                }
                continue;
            }
            self.pos = save;
            break;
        }
        self.skip_any()?;
        self.buf
            .get(start..self.pos)
            .ok_or(DecodeError::Truncated { offset: start })
    }
}

/// Checks that `bytes` is one strict deterministic CBOR item, allowing the
/// given tags anywhere before it (used for COSE structures before handing them
/// to `coset`, which is lenient).
///
/// # Errors
/// Any strict-decoding error.
pub fn check_strict(
    bytes: &[u8],
    max_len: usize,
    what: &'static str,
    tags: &[u64],
) -> Result<(), DecodeError> {
    let mut r = Reader::new(bytes, max_len, what)?;
    r.raw_tagged(tags)?;
    r.finish()
}

/// Reads a map whose keys are text in canonical order, handing each key and
/// the reader to `f`; `f` returns `false` for a key it does not know, which is
/// refused with [`DecodeError::UnknownField`].
pub(crate) fn read_map<'a>(
    r: &mut Reader<'a>,
    mut f: impl FnMut(&'a str, &mut Reader<'a>) -> Result<bool, DecodeError>,
) -> Result<(), DecodeError> {
    let n = r.map()?;
    let mut prev = None;
    for _ in 0..n {
        let at = r.offset();
        let k = r.key(prev)?;
        if !f(k, r)? {
            return Err(DecodeError::UnknownField {
                name: k.chars().take(64).collect(),
                offset: at,
            });
        }
        prev = Some(k);
    }
    r.leave();
    Ok(())
}

/// Reads the `"v"` version field and checks it is 1.
pub(crate) fn read_version(r: &mut Reader<'_>, document: &'static str) -> Result<(), DecodeError> {
    let v = r.uint()?;
    if v == 1 {
        Ok(())
    } else {
        Err(DecodeError::UnsupportedVersion { document, found: v })
    }
}

/// Unwraps a required field or reports it missing.
pub(crate) fn required<T>(
    v: Option<T>,
    field: &'static str,
    document: &'static str,
) -> Result<T, DecodeError> {
    v.ok_or(DecodeError::MissingField { field, document })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn dec(b: &[u8]) -> Result<Value, DecodeError> {
        decode_value(b, 1 << 20)
    }

    #[test]
    fn rfc8949_appendix_a_examples() {
        // (hex, value) pairs from RFC 8949 Appendix A that are deterministic.
        let cases: Vec<(&str, Value)> = vec![
            ("00", Value::Int(0)),
            ("17", Value::Int(23)),
            ("1818", Value::Int(24)),
            ("1903e8", Value::Int(1000)),
            ("1a000f4240", Value::Int(1_000_000)),
            ("1b000000e8d4a51000", Value::Int(1_000_000_000_000)),
            ("20", Value::Int(-1)),
            ("3863", Value::Int(-100)),
            ("3903e7", Value::Int(-1000)),
            ("f4", Value::Bool(false)),
            ("f5", Value::Bool(true)),
            ("f6", Value::Null),
            ("40", Value::Bytes(vec![])),
            ("4401020304", Value::Bytes(vec![1, 2, 3, 4])),
            ("60", Value::Text(String::new())),
            ("6449455446", Value::Text("IETF".into())),
            ("62225c", Value::Text("\"\\".into())),
            ("63e6b0b4", Value::Text("水".into())),
            ("80", Value::Array(vec![])),
            ("a0", Value::Map(BTreeMap::new())),
        ];
        for (h, v) in cases {
            let b = hex::decode(h).unwrap();
            assert_eq!(dec(&b).unwrap(), v, "{h}");
            assert_eq!(v.to_vec(), b, "{h}");
        }
        let b = hex::decode("a26161016162820203").unwrap();
        let v = dec(&b).unwrap();
        assert_eq!(v.to_vec(), b);
    }

    #[test]
    fn rejects_each_non_deterministic_form_with_offset() {
        let cases: &[(&str, &str)] = &[
            ("1817", "non_shortest"),       // 23 in two bytes
            ("190017", "non_shortest"),     // 23 in three bytes
            ("1a0000ffff", "non_shortest"), // u16 in five bytes
            ("1b00000000ffffffff", "non_shortest"),
            ("5801ff", "non_shortest"),        // byte string length
            ("5fff", "indefinite_length"),     // indefinite bytes
            ("9f01ff", "indefinite_length"),   // indefinite array
            ("bf6161ff", "indefinite_length"), // indefinite map
            ("f93c00", "float"),               // half float 1.0
            ("fb3ff0000000000000", "float"),
            ("f7", "unsupported_simple"), // undefined
            ("a2616201616101", "unsorted_keys"),
            ("a2626161016162", "unsorted_keys"), // "aa" before "b": longer first
            ("a2616101616102", "duplicate_key"),
            ("c11a514b67b0", "unexpected_tag"),
            ("0000", "trailing_bytes"),
            ("62c328", "invalid_utf8"),
            ("43010203ff", "trailing_bytes"),
            ("4301", "truncated"),
            ("1bffffffffffffffff", "integer_out_of_range"),
        ];
        for (h, code) in cases {
            let b = hex::decode(h).unwrap();
            let e = dec(&b).unwrap_err();
            assert_eq!(e.code(), *code, "{h}: {e}");
        }
        // Offsets point at the culprit.
        assert_eq!(
            dec(&hex::decode("820118ff").unwrap()).unwrap(),
            Value::Array(vec![Value::Int(1), Value::Int(255)])
        );
        let e = dec(&hex::decode("82011817").unwrap()).unwrap_err();
        assert_eq!(e, DecodeError::NonShortest { offset: 2 });
    }

    #[test]
    fn nesting_limit() {
        let mut b = vec![0x81; MAX_DEPTH];
        b.push(0x00);
        assert!(dec(&b).is_ok());
        let mut b = vec![0x81; MAX_DEPTH + 1];
        b.push(0x00);
        assert_eq!(dec(&b).unwrap_err().code(), "too_deep");
    }

    #[test]
    fn size_limit_and_huge_lengths() {
        assert_eq!(
            decode_value(&[0x00; 10], 5).unwrap_err().code(),
            "too_large"
        );
        // A claimed length beyond the input is truncation, not an allocation.
        assert_eq!(
            dec(&hex::decode("9b00000001ffffffff").unwrap())
                .unwrap_err()
                .code(),
            "truncated"
        );
        assert_eq!(
            dec(&hex::decode("5b00000001ffffffff").unwrap())
                .unwrap_err()
                .code(),
            "truncated"
        );
    }

    /// `ciborium` is this module's test reference (a dev-dependency): no
    /// production code in the core uses it, since every format is read and
    /// written here (a grep of `core/src` finds it in this test module
    /// only); coset, which does use it, still brings it into every build.
    #[test]
    fn agrees_with_ciborium() {
        let v = Value::Map(BTreeMap::from([
            ("b".to_string(), Value::Int(-5)),
            (
                "aa".to_string(),
                Value::Array(vec![Value::Bytes(vec![1]), Value::Null]),
            ),
        ]));
        let ours = v.to_vec();
        let theirs: ciborium::Value = ciborium::de::from_reader(&ours[..]).unwrap();
        let mut again = Vec::new();
        ciborium::ser::into_writer(&theirs, &mut again).unwrap();
        assert_eq!(again, ours);
    }

    fn arb_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::Int),
            proptest::collection::vec(any::<u8>(), 0..40).prop_map(Value::Bytes),
            ".{0,20}".prop_map(Value::Text),
        ];
        leaf.prop_recursive(4, 64, 8, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..8).prop_map(Value::Array),
                proptest::collection::btree_map(".{0,8}", inner, 0..8).prop_map(Value::Map),
            ]
        })
    }

    proptest! {
        #[test]
        fn round_trip(v in arb_value()) {
            let b = v.to_vec();
            let back = dec(&b).unwrap();
            prop_assert_eq!(&back, &v);
            prop_assert_eq!(back.to_vec(), b.clone());
            // every strict item is also accepted by the raw skipper
            prop_assert!(check_strict(&b, 1 << 20, "doc", &[]).is_ok());
            // ciborium reads the same bytes and re-encodes them identically
            let theirs: ciborium::Value = ciborium::de::from_reader(&b[..]).unwrap();
            let mut again = Vec::new();
            ciborium::ser::into_writer(&theirs, &mut again).unwrap();
            prop_assert_eq!(again, b);
        }

        #[test]
        fn never_panics(b in proptest::collection::vec(any::<u8>(), 0..64)) {
            let _ = dec(&b);
            let _ = check_strict(&b, 1024, "doc", &[18, 98]);
        }
    }
}
