//! The result codes a report's checks carry: one variant per outcome, each
//! with a stable snake_case name ([`ResultCode::as_str`]) that the CLI's
//! `--json`, the bindings and the vectors use. Presenters give each one a
//! sentence ([`ResultCode::ALL`] lists them; the clerk's page has a test that
//! fails when one lacks a sentence).

/// Defines [`ResultCode`] from one table: variant, doc, name.
macro_rules! result_codes {
    ($( $(#[doc = $doc:literal])* $variant:ident = $name:literal, )*) => {
        /// The machine code of a check's result.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum ResultCode {
            $( $(#[doc = $doc])* $variant, )*
        }

        impl ResultCode {
            /// Every code, in the order of the checks that emit them.
            pub const ALL: &'static [Self] = &[ $(Self::$variant,)* ];

            /// The stable snake_case name (`ok`, `revoked`, `truncated`, …).
            #[must_use]
            pub const fn as_str(self) -> &'static str {
                match self {
                    $( Self::$variant => $name, )*
                }
            }

            /// The code of a snake_case name; `None` for a name that is not one.
            #[must_use]
            pub fn from_name(name: &str) -> Option<Self> {
                match name {
                    $( $name => Some(Self::$variant), )*
                    _ => None,
                }
            }
        }
    };
}

result_codes! {
    /// The check passed.
    Ok = "ok",
    /// Not run: an earlier check failed.
    NotChecked = "not_checked",
    /// The data ends early (a declared length runs past the input).
    Truncated = "truncated",
    /// An integer or length is not in its shortest CBOR form.
    NonShortest = "non_shortest",
    /// An indefinite-length CBOR item.
    IndefiniteLength = "indefinite_length",
    /// A CBOR floating-point number, which no format uses.
    Float = "float",
    /// A CBOR simple value other than false, true and null.
    UnsupportedSimple = "unsupported_simple",
    /// CBOR map keys out of deterministic order.
    UnsortedKeys = "unsorted_keys",
    /// A CBOR map key given twice.
    DuplicateKey = "duplicate_key",
    /// A CBOR tag where none (or another) belongs.
    UnexpectedTag = "unexpected_tag",
    /// Bytes after the end of a document.
    TrailingBytes = "trailing_bytes",
    /// Bytes after the end of a zlib stream.
    TrailingAfterZlib = "trailing_after_zlib",
    /// CBOR nested deeper than the limit.
    TooDeep = "too_deep",
    /// A document, string, list or inflated stream over its limit.
    TooLarge = "too_large",
    /// A CBOR item of the wrong major type.
    UnexpectedType = "unexpected_type",
    /// A text string that is not UTF-8.
    InvalidUtf8 = "invalid_utf8",
    /// An integer outside the range its field allows.
    IntegerOutOfRange = "integer_out_of_range",
    /// A map key the format does not define.
    UnknownField = "unknown_field",
    /// A required map key is absent.
    MissingField = "missing_field",
    /// A `v` the implementation does not know.
    UnsupportedVersion = "unsupported_version",
    /// A byte string of the wrong length (a hash, salt or key).
    BadLength = "bad_length",
    /// A value the format does not allow.
    InvalidValue = "invalid_value",
    /// Not a valid `CA1:` text (prefix, base45 or zlib).
    InvalidTextForm = "invalid_text_form",
    /// A malformed COSE structure.
    InvalidCose = "invalid_cose",
    /// A disclosed field's digest is not in the header: altered.
    DigestMismatch = "digest_mismatch",
    /// The same field is disclosed twice.
    DisclosedTwice = "disclosed_twice",
    /// The proof's leaf index is past the tree.
    IndexOutOfRange = "index_out_of_range",
    /// The audit path is longer than any tree allows.
    PathTooLong = "path_too_long",
    /// The audit path's length does not fit the tree size.
    WrongPathLength = "wrong_path_length",
    /// The proof does not lead to the anchor's root.
    RootMismatch = "root_mismatch",
    /// The tree sizes of a proof are impossible.
    InvalidSizes = "invalid_sizes",
    /// The proof's tree size differs from the anchor's.
    TreeSizeMismatch = "tree_size_mismatch",
    /// The anchor carries no issuer signature.
    NoSignature = "no_signature",
    /// The anchor's key is not in the trust store.
    UnknownKey = "unknown_key",
    /// The anchor's key belongs to another issuer than the one it names.
    WrongIssuerKey = "wrong_issuer_key",
    /// The key was outside its validity window (or revoked) when it signed.
    KeyNotValid = "key_not_valid",
    /// A signature does not verify.
    BadSignature = "bad_signature",
    /// The anchor is dated after the verification time (beyond the clock skew).
    IssuedInFuture = "issued_in_future",
    /// The issuer is not in the trust store.
    UntrustedIssuer = "untrusted_issuer",
    /// The issuer may not issue this kind.
    UnauthorizedKind = "unauthorized_kind",
    /// The header's issuer differs from the anchor's.
    IssuerMismatch = "issuer_mismatch",
    /// The header's kind is not among the anchor's kinds.
    KindNotAnchored = "kind_not_anchored",
    /// No endorsement policy for the kind (not applicable).
    NoPolicy = "no_policy",
    /// Fewer valid endorsements than the policy requires.
    EndorsementsMissing = "endorsements_missing",
    /// No status list, and the policy requires none (not applicable).
    NoStatus = "no_status",
    /// A purpose the policy requires has no usable list.
    StatusMissing = "status_missing",
    /// The newest usable list is past its freshness.
    StaleStatus = "stale_status",
    /// A status list is dated after the verification time.
    StatusFuture = "status_future",
    /// The newest list's key is not valid now (or was not at its time).
    StatusKeyNotValid = "status_key_not_valid",
    /// A status list's signature does not verify under its issuer's keys.
    StatusBadSignature = "status_bad_signature",
    /// A status list of another batch or issuer.
    StatusWrongBatch = "status_wrong_batch",
    /// The status list has no bit for this leaf.
    StatusNotCovering = "status_not_covering",
    /// The certificate is revoked.
    Revoked = "revoked",
    /// The certificate is suspended (seized).
    Suspended = "suspended",
    /// Past the certificate's validity.
    Expired = "expired",
    /// Before the certificate's validity.
    NotYetValid = "not_yet_valid",
    /// No schema for the kind (not applicable).
    UnknownKind = "unknown_kind",
    /// Disclosed fields break the kind's schema.
    SchemaViolation = "schema_violation",
    /// No ledger receipt, and the policy requires none (not applicable).
    NoReceipt = "no_receipt",
    /// The policy requires a ledger receipt and there is none.
    ReceiptMissing = "receipt_missing",
    /// The anchor is not proven in the receipt's checkpoint.
    NotInLedger = "not_in_ledger",
    /// A checkpoint note over its size limit.
    NoteTooLarge = "note_too_large",
    /// A checkpoint note with too many signature lines.
    TooManySignatures = "too_many_signatures",
    /// A checkpoint note that does not parse.
    MalformedNote = "malformed_note",
    /// A note key name that is not allowed.
    BadKeyName = "bad_key_name",
    /// A malformed note verifier key.
    BadNoteKey = "bad_note_key",
    /// Two trusted note keys share a name and hash.
    AmbiguousKey = "ambiguous_key",
    /// No trusted ledger key signed the checkpoint.
    UnknownSigner = "unknown_signer",
    /// The checkpoint's origin is not signed by a trusted key of that name.
    OriginNotSigned = "origin_not_signed",
    /// A checkpoint body that does not parse.
    BadCheckpoint = "bad_checkpoint",
    /// The chain receipt names a chain or registry the trust store does not list.
    UnknownChain = "unknown_chain",
    /// A chain receipt, not checked offline.
    ChainNotChecked = "chain_not_checked",
    /// The chain could not be asked.
    ChainUnreachable = "chain_unreachable",
    /// The registry holds no record of the anchor.
    NotOnChain = "not_on_chain",
    /// The registry's record differs from the anchor (root or tree size).
    ChainMismatch = "chain_mismatch",
    /// The registry's record differs from the receipt (block or transaction).
    ChainReceiptMismatch = "chain_receipt_mismatch",
    /// The followed ledger's checkpoint is not fresh: older than the trust
    /// store's `max_age`, without its ledger time, dated in the future, or
    /// cosigned by fewer trusted witnesses than the quorum (SPEC §9.7).
    LedgerNotFresh = "ledger_not_fresh",
}

impl std::fmt::Display for ResultCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `code == "revoked"` reads as the name, so tests and callers that compare
/// names keep working.
impl PartialEq<str> for ResultCode {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for ResultCode {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

#[cfg(test)]
mod tests {
    use super::ResultCode;

    /// Names are distinct, snake_case, and read back as their code.
    #[test]
    fn names_are_distinct_and_read_back() {
        let mut seen = std::collections::BTreeSet::new();
        for &c in ResultCode::ALL {
            let name = c.as_str();
            assert!(seen.insert(name), "{name} twice");
            assert!(
                name.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'),
                "{name}"
            );
            assert_eq!(ResultCode::from_name(name), Some(c));
            assert_eq!(c.to_string(), name);
            assert!(c == name);
        }
        assert_eq!(ResultCode::from_name("no such code"), None);
    }
}
