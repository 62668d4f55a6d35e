//! One encoding pattern for the CBOR documents (SPEC §3): the anchor body,
//! the status list payload, the certificate header, the bundle and the
//! private batch record.
//!
//! Each is a [`Document`]: it writes itself into the deterministic-CBOR
//! writer and reads itself from the strict reader, and the trait provides
//! [`Document::to_vec`] (owned bytes) and [`Document::from_slice`] (strict
//! decoding, refusing bytes after the document). The signed envelopes around
//! two of them ([`Anchor`](crate::Anchor), [`StatusList`](crate::status::StatusList))
//! keep the exact bytes they were decoded from and lend them with
//! `as_bytes`.
//!
//! The map-shaped documents whose fields are all required declare their
//! fields once, in a table (`document_map!`): each row names the CBOR key,
//! the struct field and its codec; the writer, the reader and the
//! missing-field errors all come from that one table.

use std::ops::Range;

use crate::cbor::{Reader, Writer};
use crate::error::DecodeError;

/// A CBOR document with one deterministic encoding and a strict decoder.
///
/// Bring it into scope (`use certanchor::Document;`) to call
/// [`to_vec`](Document::to_vec) and [`from_slice`](Document::from_slice) on
/// a [`Bundle`](crate::Bundle), [`AnchorBody`](crate::AnchorBody),
/// [`StatusListBody`](crate::status::StatusListBody),
/// [`CertificateHeader`](crate::CertificateHeader) or
/// [`IssuedBatch`](crate::IssuedBatch).
pub trait Document: Sized {
    /// What errors call the document (`"bundle"`, `"anchor body"`, …).
    const NAME: &'static str;
    /// The longest encoding [`Document::from_slice`] accepts.
    const MAX_LEN: usize;

    /// Appends the document's encoding to `w`.
    #[doc(hidden)]
    fn write(&self, w: &mut Writer);

    /// Reads the document from `r`, which holds exactly `bytes` (for
    /// documents that hash parts of their own encoding).
    ///
    /// # Errors
    /// Any [`DecodeError`].
    #[doc(hidden)]
    fn read(r: &mut Reader<'_>, bytes: &[u8]) -> Result<Self, DecodeError>;

    /// A first guess at the encoded length, to size the output once.
    #[doc(hidden)]
    fn size_hint(&self) -> usize {
        128
    }

    /// The deterministic CBOR encoding.
    #[must_use]
    fn to_vec(&self) -> Vec<u8> {
        let mut w = Writer::with_capacity(self.size_hint());
        self.write(&mut w);
        w.into_bytes()
    }

    /// Strictly decodes `bytes`: deterministic CBOR only, every field
    /// known, every required field present, nothing after the document, at
    /// most [`Document::MAX_LEN`] bytes.
    ///
    /// # Errors
    /// Any [`DecodeError`], naming what was wrong and where.
    fn from_slice(bytes: &[u8]) -> Result<Self, DecodeError> {
        let mut r = Reader::new(bytes, Self::MAX_LEN, Self::NAME)?;
        let doc = Self::read(&mut r, bytes)?;
        r.finish()?;
        Ok(doc)
    }
}

/// How one field is written and read: a row of a document's table.
pub(crate) trait Codec {
    /// What the writer borrows.
    type Value: ?Sized;
    /// What the reader returns.
    type Owned;
    /// Appends the field's value.
    fn write(v: &Self::Value, w: &mut Writer);
    /// Reads the field's value; `key` names it in errors.
    fn read(r: &mut Reader<'_>, key: &'static str) -> Result<Self::Owned, DecodeError>;
}

/// An unsigned integer.
pub(crate) struct Uint;
impl Codec for Uint {
    type Value = u64;
    type Owned = u64;
    fn write(v: &u64, w: &mut Writer) {
        w.uint(*v);
    }
    fn read(r: &mut Reader<'_>, _: &'static str) -> Result<u64, DecodeError> {
        r.uint()
    }
}

/// An unsigned integer or null (`None`).
pub(crate) struct NullableUint;
impl Codec for NullableUint {
    type Value = Option<u64>;
    type Owned = Option<u64>;
    fn write(v: &Option<u64>, w: &mut Writer) {
        match v {
            Some(t) => w.uint(*t),
            None => w.null(),
        }
    }
    fn read(r: &mut Reader<'_>, _: &'static str) -> Result<Option<u64>, DecodeError> {
        r.nullable(|r| r.uint())
    }
}

/// A name: non-empty text of at most
/// [`MAX_NAME_LEN`](crate::certificate::MAX_NAME_LEN) bytes.
pub(crate) struct Name;
impl Codec for Name {
    type Value = str;
    type Owned = String;
    fn write(v: &str, w: &mut Writer) {
        w.text(v);
    }
    fn read(r: &mut Reader<'_>, key: &'static str) -> Result<String, DecodeError> {
        crate::certificate::read_name(r, key)
    }
}

/// A 32-byte hash.
pub(crate) struct Hash32;
impl Codec for Hash32 {
    type Value = crate::Hash;
    type Owned = crate::Hash;
    fn write(v: &crate::Hash, w: &mut Writer) {
        w.bytes(v.as_bytes());
    }
    fn read(r: &mut Reader<'_>, key: &'static str) -> Result<crate::Hash, DecodeError> {
        Ok(crate::Hash(r.bytes_n::<32>(key)?))
    }
}

/// A byte string.
pub(crate) struct Bytes;
impl Codec for Bytes {
    type Value = [u8];
    type Owned = Vec<u8>;
    fn write(v: &[u8], w: &mut Writer) {
        w.bytes(v);
    }
    fn read(r: &mut Reader<'_>, _: &'static str) -> Result<Vec<u8>, DecodeError> {
        Ok(r.bytes()?.to_vec())
    }
}

/// Counts table rows (a constant expression).
macro_rules! count_rows {
    () => { 0usize };
    ($head:tt $($tail:tt)*) => { 1usize + $crate::document::count_rows!($($tail)*) };
}
pub(crate) use count_rows;

/// Declares a map-shaped document from one table of fields.
///
/// ```ignore
/// document_map! {
///     AnchorBody, "anchor body", MAX_ANCHOR_LEN;
///     "root" => root: Hash32,
///     …
/// }
/// ```
///
/// The map always starts with `"v": 1`; the rows follow in canonical key
/// order (shorter keys first, then bytewise), which the reader enforces, so
/// a table out of order fails every round-trip test. It implements
/// [`Document`] for the type, and `write_fields` on the type or, with
/// `write via View = method`, on a borrowed twin the issuer fills without
/// copying (`method` borrows the type as that twin): `write_fields` hands
/// each field's key and the range its value took in the writer to a
/// callback.
macro_rules! document_map {
    (
        $ty:ty, $name:literal, $max:expr;
        $( $key:literal => $field:ident : $codec:ty ),+ $(,)?
    ) => {
        $crate::document::document_map!(@impl $ty, $name, $max, $ty, (); $( $key => $field : $codec ),+);
    };
    (
        $ty:ty, $name:literal, $max:expr, write via $view:ty = $method:ident;
        $( $key:literal => $field:ident : $codec:ty ),+ $(,)?
    ) => {
        $crate::document::document_map!(@impl $ty, $name, $max, $view, (.$method()); $( $key => $field : $codec ),+);
    };
    (
        @impl $ty:ty, $name:literal, $max:expr, $view:ty, ($($getter:tt)*);
        $( $key:literal => $field:ident : $codec:ty ),+
    ) => {
        impl $view {
            /// Appends the document's map to `w`, handing `on_field` each
            /// key and the range its value took in `w`.
            pub(crate) fn write_fields(
                &self,
                w: &mut $crate::cbor::Writer,
                mut on_field: impl FnMut(&'static str, ::std::ops::Range<usize>),
            ) {
                w.map(1 + $crate::document::count_rows!($($key)+));
                w.text("v");
                w.uint(1);
                $(
                    w.text($key);
                    let start = w.len();
                    <$codec as $crate::document::Codec>::write(&self.$field, w);
                    on_field($key, start..w.len());
                )+
            }
        }

        impl $crate::document::Document for $ty {
            const NAME: &'static str = $name;
            const MAX_LEN: usize = $max;

            fn write(&self, w: &mut $crate::cbor::Writer) {
                self $($getter)* .write_fields(w, |_, _| {});
            }

            fn read(
                r: &mut $crate::cbor::Reader<'_>,
                _: &[u8],
            ) -> Result<Self, $crate::error::DecodeError> {
                let mut v = None;
                $( let mut $field = None; )+
                $crate::cbor::read_map(r, |k, r| {
                    match k {
                        "v" => v = Some($crate::cbor::read_version(r, $name)?),
                        $( $key => $field = Some(<$codec as $crate::document::Codec>::read(r, $key)?), )+
                        _ => return Ok(false),
                    }
                    Ok(true)
                })?;
                $crate::cbor::required(v, "v", $name)?;
                Ok(Self {
                    $( $field: $crate::cbor::required($field, $key, $name)?, )+
                })
            }
        }
    };
}
pub(crate) use document_map;

/// The range `key`'s value took, from a `write_fields` callback.
pub(crate) fn range_of<'a>(
    key: &'static str,
    found: &'a mut Range<usize>,
) -> impl FnMut(&'static str, Range<usize>) + 'a {
    move |k, r| {
        if k == key {
            *found = r;
        }
    }
}
