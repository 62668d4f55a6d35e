//! Error types: one `#[non_exhaustive]` enum per concern, joined in [`Error`](enum@Error).
//!
//! Every variant says *what* was wrong and *where* (byte offset, field name,
//! check). [`Error::code`] and the per-enum `code()` methods return stable
//! snake_case strings that are identical in Rust, Python, JavaScript and the
//! CLI's `--json` output.
//!
//! A failed verification check is **not** an error: it is data in the
//! [`Report`](crate::Report). Errors are for input that cannot be read at all
//! (decoding), requests that cannot be carried out (issuing), and bad
//! configuration (trust stores, keys).

use thiserror::Error;

use crate::verify::ResultCode;

/// A document could not be decoded: malformed, non-canonical or over a limit.
///
/// Offsets are byte offsets into the document being decoded (for nested
/// documents such as the header inside a bundle, into the nested bytes).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// The input ended in the middle of an item.
    #[error("input truncated at byte {offset}")]
    Truncated {
        /// Offset where more bytes were expected.
        offset: usize,
    },
    /// An integer, length or tag was not encoded in its shortest form (RFC 8949 §4.2.1).
    #[error("non-shortest encoding of an integer or length at byte {offset}")]
    NonShortest {
        /// Offset of the item head.
        offset: usize,
    },
    /// An indefinite-length item or a break code.
    #[error("indefinite length or break code at byte {offset}")]
    Indefinite {
        /// Offset of the item head.
        offset: usize,
    },
    /// A floating-point number: certanchor documents never contain floats.
    #[error("floating-point value at byte {offset}; certanchor documents carry decimals as text")]
    Float {
        /// Offset of the item head.
        offset: usize,
    },
    /// A simple value other than false, true and null, or a reserved head.
    #[error("unsupported simple value or reserved head at byte {offset}")]
    UnsupportedSimple {
        /// Offset of the item head.
        offset: usize,
    },
    /// Map keys not in the bytewise order of their encodings.
    #[error("map keys out of canonical order at byte {offset}")]
    UnsortedKeys {
        /// Offset of the out-of-order key.
        offset: usize,
    },
    /// The same key twice in one map.
    #[error("duplicate map key at byte {offset}")]
    DuplicateKey {
        /// Offset of the repeated key.
        offset: usize,
    },
    /// A tag the format does not allow at this place.
    #[error("unexpected tag {tag} at byte {offset}")]
    UnexpectedTag {
        /// The tag number.
        tag: u64,
        /// Offset of the tag head.
        offset: usize,
    },
    /// Bytes left after the document ended.
    #[error("{remaining} trailing bytes after the document, at byte {offset}")]
    TrailingBytes {
        /// Offset where the document ended.
        offset: usize,
        /// How many bytes were left.
        remaining: usize,
    },
    /// Bytes after the end of a zlib stream (the `CA1:` text form): the
    /// compressed stream must be the whole input.
    #[error(
        "{remaining} bytes after the end of the {what} zlib stream, at byte {offset} of the compressed data"
    )]
    TrailingAfterZlib {
        /// What was being inflated.
        what: &'static str,
        /// Offset in the compressed data where the stream ended.
        offset: usize,
        /// How many bytes were left.
        remaining: usize,
    },
    /// Nesting deeper than [`MAX_DEPTH`](crate::cbor::MAX_DEPTH).
    #[error("nesting deeper than {max} at byte {offset}")]
    TooDeep {
        /// Offset of the item that went too deep.
        offset: usize,
        /// The limit.
        max: usize,
    },
    /// A document, string or collection above its size limit.
    #[error("{what} too large: {found} > {max}")]
    TooLarge {
        /// What was too large.
        what: &'static str,
        /// Size found (bytes or items).
        found: usize,
        /// The limit.
        max: usize,
    },
    /// An item of the wrong type.
    #[error("expected {expected} at byte {offset}")]
    UnexpectedType {
        /// What the format wanted.
        expected: &'static str,
        /// Offset of the item head.
        offset: usize,
    },
    /// A text string that is not valid UTF-8.
    #[error("invalid UTF-8 in text string at byte {offset}")]
    InvalidUtf8 {
        /// Offset of the string's content.
        offset: usize,
    },
    /// An integer outside the range certanchor accepts (i64, or the field's own range).
    #[error("integer out of range at byte {offset}")]
    IntegerOutOfRange {
        /// Offset of the item head.
        offset: usize,
    },
    /// A map key the format does not define.
    #[error("unknown field `{name}` at byte {offset}")]
    UnknownField {
        /// The key.
        name: String,
        /// Offset of the key.
        offset: usize,
    },
    /// A required key is absent.
    #[error("missing field `{field}` in {document}")]
    MissingField {
        /// The missing key.
        field: &'static str,
        /// The document type.
        document: &'static str,
    },
    /// A version this library does not know.
    #[error("unsupported {document} version {found}")]
    UnsupportedVersion {
        /// The document type.
        document: &'static str,
        /// The version found.
        found: u64,
    },
    /// A fixed-size byte string of the wrong length (hash, salt, key).
    #[error("{what} must be {expected} bytes, found {found}")]
    BadLength {
        /// What was being read.
        what: &'static str,
        /// Required length.
        expected: usize,
        /// Length found.
        found: usize,
    },
    /// A value that is well-formed CBOR but not allowed by the format.
    #[error("invalid {what}: {reason}")]
    Invalid {
        /// What was being read.
        what: &'static str,
        /// Why it was refused.
        reason: String,
    },
    /// The `CA1:` text form: bad prefix, bad base45 or bad zlib data.
    #[error("invalid CA1 text: {reason}")]
    Text {
        /// Why it was refused.
        reason: String,
    },
    /// A COSE structure that does not have the shape certanchor requires.
    #[error("invalid COSE {what}: {reason}")]
    Cose {
        /// Which structure.
        what: &'static str,
        /// Why it was refused.
        reason: String,
    },
}

impl DecodeError {
    /// The result code a report carries for this error (its `code()` as a
    /// [`ResultCode`]).
    #[must_use]
    pub fn result_code(&self) -> ResultCode {
        match self {
            Self::Truncated { .. } => ResultCode::Truncated,
            Self::NonShortest { .. } => ResultCode::NonShortest,
            Self::Indefinite { .. } => ResultCode::IndefiniteLength,
            Self::Float { .. } => ResultCode::Float,
            Self::UnsupportedSimple { .. } => ResultCode::UnsupportedSimple,
            Self::UnsortedKeys { .. } => ResultCode::UnsortedKeys,
            Self::DuplicateKey { .. } => ResultCode::DuplicateKey,
            Self::UnexpectedTag { .. } => ResultCode::UnexpectedTag,
            Self::TrailingBytes { .. } => ResultCode::TrailingBytes,
            Self::TrailingAfterZlib { .. } => ResultCode::TrailingAfterZlib,
            Self::TooDeep { .. } => ResultCode::TooDeep,
            Self::TooLarge { .. } => ResultCode::TooLarge,
            Self::UnexpectedType { .. } => ResultCode::UnexpectedType,
            Self::InvalidUtf8 { .. } => ResultCode::InvalidUtf8,
            Self::IntegerOutOfRange { .. } => ResultCode::IntegerOutOfRange,
            Self::UnknownField { .. } => ResultCode::UnknownField,
            Self::MissingField { .. } => ResultCode::MissingField,
            Self::UnsupportedVersion { .. } => ResultCode::UnsupportedVersion,
            Self::BadLength { .. } => ResultCode::BadLength,
            Self::Invalid { .. } => ResultCode::InvalidValue,
            Self::Text { .. } => ResultCode::InvalidTextForm,
            Self::Cose { .. } => ResultCode::InvalidCose,
        }
    }

    /// Stable machine-readable code, shared with the bindings and the CLI.
    #[must_use]
    pub fn code(&self) -> &'static str {
        self.result_code().as_str()
    }
}

/// A key could not be loaded, parsed or written.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum KeyError {
    /// PEM / PKCS#8 / SPKI could not be parsed.
    #[error("invalid {what}: {reason}")]
    Parse {
        /// Which form was expected.
        what: &'static str,
        /// Why it was refused.
        reason: String,
    },
    /// A raw public key that is not 32 bytes or not a valid curve point.
    #[error("invalid Ed25519 public key: {reason}")]
    PublicKey {
        /// Why it was refused.
        reason: String,
    },
    /// The operating system's random number generator failed.
    #[error("OS random number generator failed: {0}")]
    Rng(String),
}

impl KeyError {
    /// Stable machine-readable code.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Self::Parse { .. } => "invalid_key",
            Self::PublicKey { .. } => "invalid_public_key",
            Self::Rng(_) => "rng_failure",
        }
    }
}

/// A certificate or batch could not be issued.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum IssueError {
    /// The certificate's kind is not registered.
    #[error("certificate {index} (`{id}`): unknown kind `{kind}`")]
    UnknownKind {
        /// Position in the input.
        index: usize,
        /// Certificate id.
        id: String,
        /// The kind named.
        kind: String,
    },
    /// A field failed its kind's schema.
    #[error("certificate {index} (`{id}`): field `{field}`: {reason}")]
    Schema {
        /// Position in the input.
        index: usize,
        /// Certificate id.
        id: String,
        /// Field name (dotted path for nested values).
        field: String,
        /// Why it was refused.
        reason: String,
    },
    /// A certificate-level rule failed (empty id, bad validity window, duplicate id…).
    #[error("certificate {index} (`{id}`): {reason}")]
    Certificate {
        /// Position in the input.
        index: usize,
        /// Certificate id.
        id: String,
        /// Why it was refused.
        reason: String,
    },
    /// The batch as a whole cannot be issued (empty, too large, bad name).
    #[error("batch: {reason}")]
    Batch {
        /// Why it was refused.
        reason: String,
    },
    /// The leaf index asked for is not in the batch.
    #[error("no certificate at index {index} (batch has {size})")]
    NoSuchIndex {
        /// Index asked for.
        index: usize,
        /// Batch size.
        size: usize,
    },
    /// A field asked to be disclosed does not exist in the certificate.
    #[error("certificate has no field `{field}`")]
    NoSuchField {
        /// The field name.
        field: String,
    },
    /// Validation found problems; every one is listed (CLI and bindings show them all).
    #[error("{} problem(s) in the batch; first: {}", problems.len(),
        problems.first().map(ToString::to_string).unwrap_or_default())]
    Rejected {
        /// Every problem found.
        problems: Vec<IssueError>,
    },
    /// The anchor given to `endorse` or to a batch is malformed.
    #[error(transparent)]
    Decode(#[from] DecodeError),
    /// Randomness could not be obtained.
    #[error(transparent)]
    Key(#[from] KeyError),
}

impl IssueError {
    /// Stable machine-readable code.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Self::UnknownKind { .. } => "unknown_kind",
            Self::Schema { .. } => "schema_violation",
            Self::Certificate { .. } => "invalid_certificate",
            Self::Batch { .. } => "invalid_batch",
            Self::NoSuchIndex { .. } => "no_such_index",
            Self::NoSuchField { .. } => "no_such_field",
            Self::Rejected { .. } => "rejected",
            Self::Decode(e) => e.code(),
            Self::Key(e) => e.code(),
        }
    }
}

/// The trust store JSON is invalid.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum TrustError {
    /// Not valid JSON, or unknown / missing fields (line and column from the parser).
    #[error("trust store JSON: {0}")]
    Json(String),
    /// A version this library does not know.
    #[error("unsupported trust store version {0}")]
    UnsupportedVersion(u64),
    /// Two issuers with the same id.
    #[error("duplicate issuer id `{0}`")]
    DuplicateIssuer(String),
    /// A key that does not parse.
    #[error("issuer `{issuer}` key {index}: {reason}")]
    BadKey {
        /// Issuer id.
        issuer: String,
        /// Position in the issuer's key list.
        index: usize,
        /// Why it was refused.
        reason: String,
    },
    /// A timestamp that is not RFC 3339.
    #[error("{field}: not an RFC 3339 timestamp: `{value}`")]
    BadTime {
        /// Where it was.
        field: String,
        /// The text found.
        value: String,
    },
    /// A policy that cannot be satisfied or is ambiguous.
    #[error("policy for kind `{kind}`: {reason}")]
    BadPolicy {
        /// Policy kind.
        kind: String,
        /// Why it was refused.
        reason: String,
    },
    /// A ledger entry with a bad key or origin.
    #[error("ledger `{origin}`: {reason}")]
    BadLedger {
        /// Ledger origin.
        origin: String,
        /// Why it was refused.
        reason: String,
    },
    /// A chain entry with a bad contract address or RPC URL, or listed twice.
    #[error("chain {chain_id}: {reason}")]
    BadChain {
        /// The chain id.
        chain_id: u64,
        /// Why it was refused.
        reason: String,
    },
}

impl TrustError {
    /// Stable machine-readable code.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Self::Json(_) => "trust_store_json",
            Self::UnsupportedVersion(_) => "unsupported_version",
            Self::DuplicateIssuer(_) => "duplicate_issuer",
            Self::BadKey { .. } => "invalid_key",
            Self::BadTime { .. } => "invalid_time",
            Self::BadPolicy { .. } => "invalid_policy",
            Self::BadLedger { .. } => "invalid_ledger",
            Self::BadChain { .. } => "invalid_chain",
        }
    }
}

/// A verifier could not take a document it was handed out of band
/// (a failed check of a *bundle* is a [`Report`](crate::Report), not an error).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum VerifyError {
    /// The document could not be decoded.
    #[error(transparent)]
    Decode(#[from] DecodeError),
    /// A status list not signed by a trusted key of its batch's issuer.
    #[error("status list refused: {reason}")]
    UntrustedStatusList {
        /// Why it was refused.
        reason: String,
    },
    /// A ledger view of a ledger the trust store does not trust.
    #[error("ledger `{origin}` refused: {reason}")]
    UntrustedLedger {
        /// The view's origin.
        origin: String,
        /// Why.
        reason: String,
    },
}

impl VerifyError {
    /// Stable machine-readable code.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Self::Decode(e) => e.code(),
            Self::UntrustedStatusList { .. } => "untrusted_status_list",
            Self::UntrustedLedger { .. } => "untrusted_ledger",
        }
    }
}

/// The ledger could not carry out a request.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum LedgerError {
    /// An operating-system I/O error.
    #[error("{op} {path}: {reason}")]
    Io {
        /// What was being done.
        op: &'static str,
        /// The file or directory.
        path: String,
        /// The OS error.
        reason: String,
    },
    /// Another writer holds the ledger directory.
    #[error("ledger {path} is locked by another writer")]
    Locked {
        /// The directory.
        path: String,
    },
    /// The directory is not a certanchor ledger, or the key does not match it.
    #[error("{path}: {reason}")]
    NotALedger {
        /// The directory or file.
        path: String,
        /// Why.
        reason: String,
    },
    /// A damaged record in the middle of the log: never silently truncated.
    #[error("corrupted record in {file} at byte {offset}: {reason}")]
    Corrupt {
        /// Segment or checkpoint file.
        file: String,
        /// Byte offset of the record.
        offset: u64,
        /// What was wrong.
        reason: String,
    },
    /// The recovered log disagrees with a checkpoint it signed.
    #[error("log inconsistent with its checkpoints: {reason}")]
    Inconsistent {
        /// What disagreed.
        reason: String,
    },
    /// The entry is not a valid anchor.
    #[error("not a valid anchor: {0}")]
    BadAnchor(#[from] DecodeError),
    /// The anchor is already in the log.
    #[error("anchor {anchor_id} is already entry {index}")]
    Duplicate {
        /// Anchor id (hex).
        anchor_id: String,
        /// Its index.
        index: u64,
    },
    /// No entry with that anchor id.
    #[error("anchor {anchor_id} is not in the log")]
    NotFound {
        /// Anchor id (hex).
        anchor_id: String,
    },
    /// No entry at that index, or not within the requested tree size.
    #[error("no entry {index} in a log of {size}")]
    NoSuchEntry {
        /// Index asked for.
        index: u64,
        /// Log (or tree) size.
        size: u64,
    },
    /// Tree sizes out of range.
    #[error("bad tree sizes {old_size}..{new_size} for a log of {size}")]
    BadRange {
        /// Older size.
        old_size: u64,
        /// Newer size.
        new_size: u64,
        /// Log size.
        size: u64,
    },
    /// The log has no entry yet.
    #[error("the log is empty")]
    Empty,
    /// An earlier write failed; reopen the ledger to recover.
    #[error("an earlier write failed; reopen the ledger to recover")]
    Poisoned,
    /// Signing or parsing a checkpoint failed.
    #[error("checkpoint: {0}")]
    Checkpoint(String),
    /// The ledger refused the account that signs appends (an EVM registry:
    /// not an authorized issuer).
    #[error("account {account} is not authorized to append to this ledger")]
    Unauthorized {
        /// The account (e.g. an EVM address).
        account: String,
    },
    /// The ledger refused the append for another stated reason (an EVM
    /// transaction reverted).
    #[error("append refused: {reason}")]
    Rejected {
        /// Why.
        reason: String,
    },
    /// The ledger could not be reached (node down, network error) after
    /// retries; nothing was submitted.
    #[error("ledger unavailable: {reason}")]
    Unavailable {
        /// The last error.
        reason: String,
    },
    /// An append was submitted but its confirmation was not seen (node lost,
    /// timeout). It is not acknowledged: it may or may not be recorded; look
    /// it up before submitting it again.
    #[error(
        "append of anchor {anchor_id} not confirmed ({reason}); it may still be recorded: check before retrying"
    )]
    Unconfirmed {
        /// Anchor id (hex).
        anchor_id: String,
        /// What happened, with the transaction id when there is one.
        reason: String,
    },
    /// The same status list is already an entry.
    #[error("this status list is already entry {index}")]
    DuplicateStatusList {
        /// Its index.
        index: u64,
    },
    /// An entry that is not what its type byte says, of an unknown type, or
    /// too long for a ledger entry (SPEC §9.1).
    #[error("bad ledger entry: {reason}")]
    BadEntry {
        /// What was wrong.
        reason: String,
    },
    /// This ledger cannot do that (e.g. an EVM registry stores anchor ids,
    /// not anchor bytes, and has no checkpoints).
    #[error("not supported by this ledger: {op}")]
    Unsupported {
        /// The operation.
        op: &'static str,
    },
}

impl LedgerError {
    /// Stable machine-readable code.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Self::Io { .. } => "io_error",
            Self::Locked { .. } => "locked",
            Self::NotALedger { .. } => "not_a_ledger",
            Self::Corrupt { .. } => "corrupt",
            Self::Inconsistent { .. } => "inconsistent",
            Self::BadAnchor(_) => "bad_anchor",
            Self::Duplicate { .. } => "duplicate",
            Self::NotFound { .. } => "not_found",
            Self::NoSuchEntry { .. } => "no_such_entry",
            Self::BadRange { .. } => "bad_range",
            Self::Empty => "empty",
            Self::Poisoned => "poisoned",
            Self::Checkpoint(_) => "checkpoint_error",
            Self::Unauthorized { .. } => "unauthorized",
            Self::Rejected { .. } => "rejected",
            Self::Unavailable { .. } => "unavailable",
            Self::Unconfirmed { .. } => "unconfirmed",
            Self::Unsupported { .. } => "unsupported",
            Self::BadEntry { .. } => "bad_entry",
            Self::DuplicateStatusList { .. } => "duplicate",
        }
    }
}

/// Any certanchor error.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum Error {
    /// Decoding failed.
    #[error(transparent)]
    Decode(#[from] DecodeError),
    /// Key handling failed.
    #[error(transparent)]
    Key(#[from] KeyError),
    /// Issuing failed.
    #[error(transparent)]
    Issue(#[from] IssueError),
    /// The trust store is invalid.
    #[error(transparent)]
    Trust(#[from] TrustError),
    /// A verifier refused an out-of-band document.
    #[error(transparent)]
    Verify(#[from] VerifyError),
    /// A ledger operation failed.
    #[error(transparent)]
    Ledger(#[from] LedgerError),
}

impl Error {
    /// Stable machine-readable code.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Self::Decode(e) => e.code(),
            Self::Key(e) => e.code(),
            Self::Issue(e) => e.code(),
            Self::Trust(e) => e.code(),
            Self::Verify(e) => e.code(),
            Self::Ledger(e) => e.code(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_stable_and_messages_name_the_place() {
        let e = DecodeError::NonShortest { offset: 7 };
        assert_eq!(e.code(), "non_shortest");
        assert!(e.to_string().contains("byte 7"));
        let e: Error = IssueError::Schema {
            index: 3,
            id: "X".into(),
            field: "uscc".into(),
            reason: "bad check character".into(),
        }
        .into();
        assert_eq!(e.code(), "schema_violation");
        assert!(e.to_string().contains("uscc"));
    }
}
