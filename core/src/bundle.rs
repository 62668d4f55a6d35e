//! Proof bundles (SPEC §5): what a holder presents and a verifier takes.
//!
//! ```text
//! Bundle = { "v": 1,
//!            "header":    bstr      dcbor(certificate header), exactly as committed
//!            "disclosed": [ [salt, name, value], ... ]
//!            "proof":     [ tree_size, leaf_index, [ path hashes ] ]   RFC 9162 audit path
//!            "anchor":    bstr      the COSE_Sign anchor
//!            ? "status":  [+ bstr]  COSE_Sign1 status lists covering this batch (one per purpose)
//!            ? "receipt": { "checkpoint": text, "index": uint, "path": [bstr] }
//!            ? "chain":   { "tx": bstr(32), "block": uint, "chain_id": uint, "contract": bstr(20) }
//!          }
//! ```
//!
//! `chain` is the receipt of an anchor recorded on an EVM chain (the
//! `AnchorRegistry` contract): which chain, which contract, the transaction
//! and its block. Unlike a `receipt` it proves nothing by itself; a verifier
//! confirms it by asking the chain (see [`crate::verify::ChainOracle`]).
//!
//! `status` is an array so a bundle can carry both the revocation and the
//! suspension list of its batch (one list per purpose; SPEC §5.1).
//!
//! Binary form: deterministic CBOR, at most [`MAX_BUNDLE_LEN`] bytes. Text
//! form for QR codes: `CA1:` + base45(zlib(binary)) (RFC 9285), inflated with a
//! cap so a small QR code cannot expand into a large allocation, and refused
//! when any byte follows the zlib stream.
//!
//! ```no_run
//! # fn main() -> Result<(), certanchor::Error> {
//! # let bytes: Vec<u8> = vec![];
//! use certanchor::{Bundle, Document};
//! let bundle = Bundle::from_slice(&bytes)?;
//! let smaller = bundle.with_fewer_fields(&["name", "uscc"])?;   // disclose less
//! let qr_text = smaller.to_text();                              // "CA1:..."
//! assert_eq!(Bundle::from_text(&qr_text)?, smaller);
//! # Ok(()) }
//! ```

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;

use crate::Hash;
use crate::cbor::{self, Reader, Writer};
use crate::certificate::{
    CertificateHeader, Disclosure, MAX_FIELDS, MAX_HEADER_LEN, digest_of_encoded,
};
use crate::document::Document;
use crate::error::{DecodeError, IssueError};
use crate::inflate::inflate_exact;
use crate::merkle::{InclusionProof, MAX_PATH};

/// Largest bundle accepted (binary form), bytes.
pub const MAX_BUNDLE_LEN: usize = 64 * 1024;
/// Longest `CA1:` text accepted, bytes.
pub const MAX_TEXT_LEN: usize = 4 + (MAX_BUNDLE_LEN * 3).div_ceil(2) + 8;
/// Longest `CA1:` text accepted before line breaks and tabs are removed
/// (trimmed): room for a text wrapped at any width.
pub const MAX_WRAPPED_TEXT_LEN: usize = 3 * MAX_TEXT_LEN;
/// Prefix of the text form.
pub const TEXT_PREFIX: &str = "CA1:";
/// Most status lists in one bundle.
pub const MAX_STATUS_LISTS: usize = 4;
/// Longest checkpoint text in a receipt, bytes.
pub const MAX_CHECKPOINT_LEN: usize = 8 * 1024;

/// Proof that an anchor is included in a ledger (SPEC §5.4, §9).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerReceipt {
    /// The signed checkpoint (C2SP signed note) the proof leads to.
    pub checkpoint: String,
    /// The anchor's index in the ledger.
    pub index: u64,
    /// RFC 9162 audit path from the anchor's leaf to the checkpoint's root.
    pub path: Vec<Hash>,
}

/// Receipt of an anchor recorded on an EVM chain (the `AnchorRegistry`
/// contract). Bundle key `"chain"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ChainReceipt {
    /// EIP-155 chain id.
    pub chain_id: u64,
    /// Address of the registry contract.
    pub contract: [u8; 20],
    /// Hash of the transaction that recorded the anchor.
    pub tx: Hash,
    /// Number of the block that holds that transaction.
    pub block: u64,
}

impl ChainReceipt {
    /// The contract address as `0x` + 40 lowercase hex digits.
    #[must_use]
    pub fn contract_hex(&self) -> String {
        format!("0x{}", hex::encode(self.contract))
    }

    /// The transaction hash as `0x` + 64 lowercase hex digits.
    #[must_use]
    pub fn tx_hex(&self) -> String {
        format!("0x{}", self.tx.to_hex())
    }

    fn write(&self, w: &mut Writer) {
        // keys in deterministic order: tx, block, chain_id, contract
        w.map(4);
        w.text("tx");
        w.bytes(self.tx.as_bytes());
        w.text("block");
        w.uint(self.block);
        w.text("chain_id");
        w.uint(self.chain_id);
        w.text("contract");
        w.bytes(&self.contract);
    }
}

/// A proof bundle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bundle {
    /// dcbor(certificate header), exactly as committed.
    pub header: Vec<u8>,
    /// Disclosed fields, as presented.
    pub disclosed: Vec<Disclosure>,
    /// Inclusion proof of the header in the anchor's tree.
    pub proof: InclusionProof,
    /// The COSE_Sign anchor bytes.
    pub anchor: Vec<u8>,
    /// Status lists (COSE_Sign1 bytes), at most one per purpose.
    pub status: Vec<Vec<u8>>,
    /// Optional ledger receipt.
    pub receipt: Option<LedgerReceipt>,
    /// Optional receipt of the anchor on an EVM chain.
    pub chain: Option<ChainReceipt>,
}

/// The binary form: deterministic CBOR (SPEC §6). The header, anchor and
/// status lists are carried as bytes and decoded by the verifier; reading
/// refuses anything over [`MAX_BUNDLE_LEN`], non-canonical CBOR, unknown or
/// missing fields, an unknown version and a path over
/// [`MAX_PATH`].
impl Document for Bundle {
    const NAME: &'static str = "bundle";
    const MAX_LEN: usize = MAX_BUNDLE_LEN;

    fn size_hint(&self) -> usize {
        self.header.len()
            + self.anchor.len()
            + 64 * self.disclosed.len()
            + 40 * self.proof.path.len()
            + 64
    }

    fn write(&self, w: &mut Writer) {
        let n = 5
            + usize::from(!self.status.is_empty())
            + usize::from(self.receipt.is_some())
            + usize::from(self.chain.is_some());
        w.map(n);
        w.text("v");
        w.uint(1);
        if let Some(c) = &self.chain {
            w.text("chain");
            c.write(w);
        }
        w.text("proof");
        w.array(3);
        w.uint(self.proof.tree_size);
        w.uint(self.proof.leaf_index);
        w.array(self.proof.path.len());
        for h in &self.proof.path {
            w.bytes(h.as_bytes());
        }
        w.text("anchor");
        w.bytes(&self.anchor);
        w.text("header");
        w.bytes(&self.header);
        if !self.status.is_empty() {
            w.text("status");
            w.array(self.status.len());
            for s in &self.status {
                w.bytes(s);
            }
        }
        if let Some(rc) = &self.receipt {
            w.text("receipt");
            w.map(3);
            w.text("path");
            w.array(rc.path.len());
            for h in &rc.path {
                w.bytes(h.as_bytes());
            }
            w.text("index");
            w.uint(rc.index);
            w.text("checkpoint");
            w.text(&rc.checkpoint);
        }
        w.text("disclosed");
        w.array(self.disclosed.len());
        for d in &self.disclosed {
            d.write(w);
        }
    }

    fn read(r: &mut Reader<'_>, bytes: &[u8]) -> Result<Self, DecodeError> {
        Self::read_fields(r, bytes, None)
    }
}

impl Bundle {
    /// Strictly decodes the binary form (as [`Document::from_slice`]),
    /// pushing onto `digests` (when given) the field digest of each
    /// disclosed field.
    fn read_with(bytes: &[u8], digests: Option<&mut Vec<Hash>>) -> Result<Self, DecodeError> {
        let mut r = Reader::new(bytes, MAX_BUNDLE_LEN, Self::NAME)?;
        let bundle = Self::read_fields(&mut r, bytes, digests)?;
        r.finish()?;
        Ok(bundle)
    }

    /// The bundle's map, as [`Document::read`], also pushing onto `digests`
    /// (when given) the field digest of each disclosed `[salt, name, value]`
    /// as its bytes lie in `bytes`: strict decoding has checked they are the
    /// canonical encoding, so this is the digest of the decoded field,
    /// without encoding it again.
    fn read_fields(
        r: &mut Reader<'_>,
        bytes: &[u8],
        mut digests: Option<&mut Vec<Hash>>,
    ) -> Result<Self, DecodeError> {
        const DOC: &str = "bundle";
        let (mut v, mut proof, mut anchor, mut header) = (None, None, None, None);
        let (mut status, mut receipt, mut disclosed) = (None, None, None);
        let mut chain = None;
        cbor::read_map(r, |k, r| {
            match k {
                "v" => v = Some(cbor::read_version(r, DOC)?),
                "proof" => proof = Some(read_proof(r)?),
                "anchor" => anchor = Some(r.bytes()?.to_vec()),
                "header" => {
                    let h = r.bytes()?;
                    if h.len() > MAX_HEADER_LEN {
                        return Err(DecodeError::TooLarge {
                            what: "header",
                            found: h.len(),
                            max: MAX_HEADER_LEN,
                        });
                    }
                    header = Some(h.to_vec());
                }
                "status" => {
                    let n = r.array()?;
                    if n == 0 || n > MAX_STATUS_LISTS {
                        return Err(DecodeError::Invalid {
                            what: "status",
                            reason: format!("must hold 1..={MAX_STATUS_LISTS} lists, found {n}"),
                        });
                    }
                    let mut lists = Vec::with_capacity(n);
                    for _ in 0..n {
                        lists.push(r.bytes()?.to_vec());
                    }
                    r.leave();
                    status = Some(lists);
                }
                "receipt" => receipt = Some(read_receipt(r)?),
                "chain" => chain = Some(read_chain_receipt(r)?),
                "disclosed" => {
                    let n = r.array()?;
                    if n > MAX_FIELDS {
                        return Err(DecodeError::TooLarge {
                            what: "disclosed fields",
                            found: n,
                            max: MAX_FIELDS,
                        });
                    }
                    let mut ds = Vec::with_capacity(n);
                    for _ in 0..n {
                        let at = r.offset();
                        ds.push(Disclosure::read(r)?);
                        if let Some(out) = digests.as_deref_mut() {
                            let triple = bytes.get(at..r.offset()).unwrap_or_default();
                            out.push(digest_of_encoded(triple));
                        }
                    }
                    r.leave();
                    disclosed = Some(ds);
                }
                _ => return Ok(false),
            }
            Ok(true)
        })?;
        cbor::required(v, "v", DOC)?;
        Ok(Self {
            header: cbor::required(header, "header", DOC)?,
            disclosed: cbor::required(disclosed, "disclosed", DOC)?,
            proof: cbor::required(proof, "proof", DOC)?,
            anchor: cbor::required(anchor, "anchor", DOC)?,
            status: status.unwrap_or_default(),
            receipt,
            chain,
        })
    }

    /// Text form: `CA1:` + base45(zlib(binary)).
    #[must_use]
    pub fn to_text(&self) -> String {
        let compressed = crate::deflate::compress(&self.to_vec());
        format!("{TEXT_PREFIX}{}", crate::base45::encode(&compressed))
    }

    /// Decodes the text form, inflating at most [`MAX_BUNDLE_LEN`] bytes.
    /// Line breaks and tabs inside the text are ignored (a text wrapped by a
    /// mail or chat app decodes as the unwrapped one).
    ///
    /// # Errors
    /// [`DecodeError::Text`] for a bad prefix, base45 or zlib data;
    /// [`DecodeError::TooLarge`] for a decompression bomb;
    /// [`DecodeError::TrailingAfterZlib`] for bytes after the zlib stream;
    /// then any binary-form error.
    pub fn from_text(text: &str) -> Result<Self, DecodeError> {
        Self::from_slice(&Self::inflate_text(text)?)
    }

    /// The binary form inside a `CA1:` text.
    ///
    /// Line breaks and tabs anywhere are ignored (none is in the base45
    /// alphabet): mail and chat apps wrap long texts, often every 76
    /// characters. Spaces are base45 digits and count.
    fn inflate_text(text: &str) -> Result<Vec<u8>, DecodeError> {
        let t = text.trim();
        // bounded before anything is copied: at most one CR LF pair per
        // character of the longest text
        if t.len() > MAX_WRAPPED_TEXT_LEN {
            return Err(DecodeError::TooLarge {
                what: "CA1 text",
                found: t.len(),
                max: MAX_TEXT_LEN,
            });
        }
        let is_wrap = |b: &u8| matches!(b, b'\r' | b'\n' | b'\t');
        let unwrapped: Vec<u8>;
        let t = if t.bytes().any(|b| is_wrap(&b)) {
            unwrapped = t.bytes().filter(|b| !is_wrap(b)).collect();
            // removing ASCII bytes from UTF-8 leaves UTF-8
            std::str::from_utf8(&unwrapped).map_err(|_| DecodeError::Text {
                reason: "not UTF-8".into(),
            })?
        } else {
            t
        };
        if t.len() > MAX_TEXT_LEN {
            return Err(DecodeError::TooLarge {
                what: "CA1 text",
                found: t.len(),
                max: MAX_TEXT_LEN,
            });
        }
        let body = t
            .strip_prefix(TEXT_PREFIX)
            .ok_or_else(|| DecodeError::Text {
                reason: format!("must start with `{TEXT_PREFIX}`"),
            })?;
        let compressed = crate::base45::decode(body).map_err(|e| DecodeError::Text {
            reason: format!("bad base45 after `{TEXT_PREFIX}`: {e}"),
        })?;
        inflate_exact(&compressed, MAX_BUNDLE_LEN, "bundle").map_err(|e| match e {
            DecodeError::Invalid { reason, .. } => DecodeError::Text { reason },
            e => e,
        })
    }

    /// Decodes either form: text if it starts with `CA1:` (after any
    /// whitespace or a UTF-8 byte order mark), binary otherwise.
    ///
    /// # Errors
    /// As [`Bundle::from_text`] / [`Document::from_slice`].
    pub fn decode_any(input: &[u8]) -> Result<Self, DecodeError> {
        Self::decode_any_into(input, None)
    }

    /// [`Bundle::decode_any`] with the disclosed fields' digests, taken
    /// from the bytes as read (see `Bundle::read_fields`), in disclosure order.
    pub(crate) fn decode_with_digests(input: &[u8]) -> Result<(Self, Vec<Hash>), DecodeError> {
        let mut digests = Vec::with_capacity(16);
        let bundle = Self::decode_any_into(input, Some(&mut digests))?;
        Ok((bundle, digests))
    }

    fn decode_any_into(input: &[u8], digests: Option<&mut Vec<Hash>>) -> Result<Self, DecodeError> {
        // a `.txt` file saved by an editor may begin with a UTF-8 byte order
        // mark; a binary bundle never does (it starts with a CBOR map)
        let text = input.strip_prefix(b"\xef\xbb\xbf").unwrap_or(input);
        let trimmed = trim_ascii(text);
        if trimmed.starts_with(TEXT_PREFIX.as_bytes()) {
            let s = std::str::from_utf8(trimmed).map_err(|_| DecodeError::Text {
                reason: "not UTF-8".into(),
            })?;
            Self::read_with(&Self::inflate_text(s)?, digests)
        } else {
            Self::read_with(input, digests)
        }
    }

    /// Hands `f` each status list a bundle (binary or `CA1:` text) carries,
    /// reading nothing else but the structure around them: what
    /// [`crate::Verifier::learn_status`] needs before it verifies.
    ///
    /// # Errors
    /// Any [`DecodeError`] met on the way (the lists handed over before it
    /// came from the same, possibly malformed, bundle).
    pub(crate) fn for_each_status(
        input: &[u8],
        mut f: impl FnMut(&[u8]),
    ) -> Result<(), DecodeError> {
        let trimmed = trim_ascii(input);
        let inflated;
        let bytes = if trimmed.starts_with(TEXT_PREFIX.as_bytes()) {
            let s = std::str::from_utf8(trimmed).map_err(|_| DecodeError::Text {
                reason: "not UTF-8".into(),
            })?;
            inflated = Self::inflate_text(s)?;
            inflated.as_slice()
        } else {
            input
        };
        let mut r = Reader::new(bytes, MAX_BUNDLE_LEN, "bundle")?;
        // Keys come in canonical order (shorter first, then bytewise), so
        // the walk stops at `status` or the first key after it, before the
        // disclosed fields: a tenth of the cost of reading the whole bundle.
        let n = r.map()?;
        let mut prev = None;
        for _ in 0..n {
            let k = r.key(prev)?;
            if (k.len(), k) > ("status".len(), "status") {
                break;
            }
            if k == "status" {
                let n = r.array()?.min(MAX_STATUS_LISTS);
                for _ in 0..n {
                    f(r.bytes()?);
                }
                break;
            }
            r.raw_value()?;
            prev = Some(k);
        }
        Ok(())
    }

    /// The decoded certificate header.
    ///
    /// # Errors
    /// Any [`DecodeError`] of [`CertificateHeader::from_slice`].
    pub fn decoded_header(&self) -> Result<CertificateHeader, DecodeError> {
        CertificateHeader::from_slice(&self.header)
    }

    /// A smaller bundle disclosing only `names` (a holder's selective disclosure).
    /// Nothing else changes.
    ///
    /// # Errors
    /// [`IssueError::NoSuchField`] if a name is not disclosed in this bundle.
    pub fn with_fewer_fields<S: AsRef<str>>(&self, names: &[S]) -> Result<Self, IssueError> {
        for n in names {
            if !self.disclosed.iter().any(|d| d.name == n.as_ref()) {
                return Err(IssueError::NoSuchField {
                    field: n.as_ref().to_owned(),
                });
            }
        }
        let mut out = self.clone();
        out.disclosed
            .retain(|d| names.iter().any(|n| n.as_ref() == d.name));
        Ok(out)
    }

    /// A JSON view for people and logs (bytes as base64, hashes as hex).
    /// Never a signed form. The text of [`Bundle::to_json_text`], read back.
    #[must_use]
    pub fn to_json(&self) -> serde_json::Value {
        crate::json::read_own(&self.to_json_text())
    }

    /// [`Bundle::to_json`] as compact text, written directly (the WebAssembly
    /// binding hands it to `JSON.parse`; building a `serde_json` tree there
    /// cost about 6 KB of the module). Keys: `v`, `header` (or `null` when
    /// it does not decode), `header_bytes`, `disclosed`, `proof`, `anchor`,
    /// `status`, `receipt`, `chain`.
    #[must_use]
    pub fn to_json_text(&self) -> String {
        use crate::json::{Array, Object};
        fn hashes(out: &mut String, hs: &[Hash]) {
            let mut a = Array::open(out);
            for h in hs {
                crate::json::write_str(a.item(), &h.to_hex());
            }
            a.close();
        }
        let mut out = String::with_capacity(1024 + 2 * self.anchor.len());
        let mut o = Object::open(&mut out);
        o.uint("v", 1);
        match self.decoded_header() {
            Ok(h) => {
                let mut ho = Object::open(o.key("header"));
                ho.str("id", &h.id);
                ho.str("kind", &h.kind);
                ho.str("issuer", &h.issuer);
                ho.uint("issued_at", h.issued_at);
                ho.uint("valid_from", h.valid_from);
                ho.opt_uint("valid_until", h.valid_until);
                hashes(ho.key("digests"), &h.digests);
                ho.close();
            }
            Err(_) => o.null("header"),
        }
        o.str("header_bytes", &B64.encode(&self.header));
        let mut disclosed = Array::open(o.key("disclosed"));
        for d in &self.disclosed {
            let mut dobj = Object::open(disclosed.item());
            dobj.str("salt", &hex::encode(d.salt));
            dobj.str("name", &d.name);
            d.value.write_json(dobj.key("value"));
            dobj.close();
        }
        disclosed.close();
        let mut proof = Object::open(o.key("proof"));
        proof.uint("tree_size", self.proof.tree_size);
        proof.uint("leaf_index", self.proof.leaf_index);
        hashes(proof.key("path"), &self.proof.path);
        proof.close();
        o.str("anchor", &B64.encode(&self.anchor));
        let mut status = Array::open(o.key("status"));
        for s in &self.status {
            crate::json::write_str(status.item(), &B64.encode(s));
        }
        status.close();
        match &self.receipt {
            Some(r) => {
                let mut ro = Object::open(o.key("receipt"));
                ro.str("checkpoint", &r.checkpoint);
                ro.uint("index", r.index);
                hashes(ro.key("path"), &r.path);
                ro.close();
            }
            None => o.null("receipt"),
        }
        match &self.chain {
            Some(c) => {
                let mut co = Object::open(o.key("chain"));
                co.uint("chain_id", c.chain_id);
                co.str("contract", &c.contract_hex());
                co.str("tx", &c.tx_hex());
                co.uint("block", c.block);
                co.close();
            }
            None => o.null("chain"),
        }
        o.close();
        out
    }
}

fn trim_ascii(b: &[u8]) -> &[u8] {
    let start = b
        .iter()
        .position(|c| !c.is_ascii_whitespace())
        .unwrap_or(b.len());
    let end = b
        .iter()
        .rposition(|c| !c.is_ascii_whitespace())
        .map_or(start, |e| e + 1);
    b.get(start..end).unwrap_or_default()
}

fn read_path(r: &mut Reader<'_>) -> Result<Vec<Hash>, DecodeError> {
    let n = r.array()?;
    if n > MAX_PATH {
        return Err(DecodeError::TooLarge {
            what: "audit path",
            found: n,
            max: MAX_PATH,
        });
    }
    let mut path = Vec::with_capacity(n);
    for _ in 0..n {
        path.push(Hash(r.bytes_n::<32>("path hash")?));
    }
    r.leave();
    Ok(path)
}

fn read_proof(r: &mut Reader<'_>) -> Result<InclusionProof, DecodeError> {
    let at = r.offset();
    let n = r.array()?;
    if n != 3 {
        return Err(DecodeError::Invalid {
            what: "proof",
            reason: format!("must be [tree_size, leaf_index, path], found {n} items at byte {at}"),
        });
    }
    let tree_size = r.uint()?;
    let leaf_index = r.uint()?;
    let path = read_path(r)?;
    r.leave();
    Ok(InclusionProof {
        tree_size,
        leaf_index,
        path,
    })
}

fn read_receipt(r: &mut Reader<'_>) -> Result<LedgerReceipt, DecodeError> {
    const DOC: &str = "receipt";
    let (mut path, mut index, mut checkpoint) = (None, None, None);
    cbor::read_map(r, |k, r| {
        match k {
            "path" => path = Some(read_path(r)?),
            "index" => index = Some(r.uint()?),
            "checkpoint" => {
                let t = r.text()?;
                if t.len() > MAX_CHECKPOINT_LEN {
                    return Err(DecodeError::TooLarge {
                        what: "checkpoint",
                        found: t.len(),
                        max: MAX_CHECKPOINT_LEN,
                    });
                }
                checkpoint = Some(t.to_owned());
            }
            _ => return Ok(false),
        }
        Ok(true)
    })?;
    Ok(LedgerReceipt {
        checkpoint: cbor::required(checkpoint, "checkpoint", DOC)?,
        index: cbor::required(index, "index", DOC)?,
        path: cbor::required(path, "path", DOC)?,
    })
}

fn read_chain_receipt(r: &mut Reader<'_>) -> Result<ChainReceipt, DecodeError> {
    const DOC: &str = "chain receipt";
    let (mut tx, mut block, mut chain_id, mut contract) = (None, None, None, None);
    cbor::read_map(r, |k, r| {
        match k {
            "tx" => tx = Some(Hash(r.bytes_n::<32>("transaction hash")?)),
            "block" => block = Some(r.uint()?),
            "chain_id" => chain_id = Some(r.uint()?),
            "contract" => contract = Some(r.bytes_n::<20>("contract address")?),
            _ => return Ok(false),
        }
        Ok(true)
    })?;
    Ok(ChainReceipt {
        chain_id: cbor::required(chain_id, "chain_id", DOC)?,
        contract: cbor::required(contract, "contract", DOC)?,
        tx: cbor::required(tx, "tx", DOC)?,
        block: cbor::required(block, "block", DOC)?,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    /// The digests taken from the bytes as read are those of the decoded
    /// fields, for the binary and the text form.
    #[test]
    fn digests_read_from_the_bytes_match_the_decoded_fields() {
        let auths = crate::sample::demo_authorities();
        let a = &auths[0];
        let certs: Vec<_> = (0..3).map(crate::sample::real_estate_title).collect();
        let batch = crate::Issuer::new(a.key.clone(), a.id)
            .issue(
                "spans",
                &certs,
                &crate::IssueOptions::at(crate::sample::JAN_1_2024),
            )
            .unwrap();
        let bundle = batch.bundle(2, None).unwrap();
        assert!(bundle.disclosed.len() > 3);
        let expected: Vec<Hash> = bundle.disclosed.iter().map(Disclosure::digest).collect();
        for input in [bundle.to_vec(), bundle.to_text().into_bytes()] {
            let (back, digests) = Bundle::decode_with_digests(&input).unwrap();
            assert_eq!(back, bundle);
            assert_eq!(digests, expected);
        }
    }

    /// A text wrapped by a mail or chat app (CR LF or LF every 76
    /// characters, a tab) decodes as the unwrapped one; a space is a base45
    /// digit, so a space inserted changes the text and is refused.
    #[test]
    fn wrapped_texts_decode_and_inserted_spaces_do_not() {
        let auths = crate::sample::demo_authorities();
        let a = &auths[0];
        let certs: Vec<_> = (0..2).map(crate::sample::real_estate_title).collect();
        let batch = crate::Issuer::new(a.key.clone(), a.id)
            .issue(
                "wrap",
                &certs,
                &crate::IssueOptions::at(crate::sample::JAN_1_2024),
            )
            .unwrap();
        let bundle = batch.bundle(1, None).unwrap();
        let text = bundle.to_text();
        let chars: Vec<char> = text.chars().collect();
        for sep in ["\r\n", "\n", "\t"] {
            let wrapped = chars
                .chunks(76)
                .map(|c| c.iter().collect::<String>())
                .collect::<Vec<_>>()
                .join(sep);
            assert_ne!(wrapped, text);
            assert_eq!(Bundle::from_text(&wrapped).as_ref(), Ok(&bundle), "{sep:?}");
            assert_eq!(
                Bundle::decode_any(format!("\n{wrapped}\r\n").as_bytes()).as_ref(),
                Ok(&bundle)
            );
        }
        // a `.txt` file with a UTF-8 byte order mark
        let mut bom = b"\xef\xbb\xbf".to_vec();
        bom.extend_from_slice(text.as_bytes());
        assert_eq!(Bundle::decode_any(&bom).as_ref(), Ok(&bundle));
        let spaced = format!("{} {}", &text[..80], &text[80..]);
        assert!(Bundle::from_text(&spaced).is_err());
        // bounded before copying: a text of line breaks past three times
        // the longest text is refused as too large
        let huge = format!("CA1:{}AB", "\n".repeat(3 * MAX_TEXT_LEN));
        assert_eq!(Bundle::from_text(&huge).unwrap_err().code(), "too_large");
    }

    /// The JSON view as the core built it before the text writer (a tree of
    /// `serde_json::json!`): the oracle for [`Bundle::to_json_text`].
    fn reference(b: &Bundle) -> serde_json::Value {
        let header = b
            .decoded_header()
            .map(|h| {
                serde_json::json!({
                    "id": h.id, "kind": h.kind, "issuer": h.issuer, "issued_at": h.issued_at,
                    "valid_from": h.valid_from, "valid_until": h.valid_until,
                    "digests": h.digests.iter().map(Hash::to_hex).collect::<Vec<_>>(),
                })
            })
            .unwrap_or(serde_json::Value::Null);
        serde_json::json!({
            "v": 1,
            "header": header,
            "header_bytes": B64.encode(&b.header),
            "disclosed": b.disclosed.iter().map(|d| serde_json::json!({
                "salt": hex::encode(d.salt), "name": d.name, "value": d.value.to_json(),
            })).collect::<Vec<_>>(),
            "proof": {
                "tree_size": b.proof.tree_size,
                "leaf_index": b.proof.leaf_index,
                "path": b.proof.path.iter().map(Hash::to_hex).collect::<Vec<_>>(),
            },
            "anchor": B64.encode(&b.anchor),
            "status": b.status.iter().map(|s| B64.encode(s)).collect::<Vec<_>>(),
            "receipt": b.receipt.as_ref().map(|r| serde_json::json!({
                "checkpoint": r.checkpoint, "index": r.index,
                "path": r.path.iter().map(Hash::to_hex).collect::<Vec<_>>(),
            })),
            "chain": b.chain.map(|c| serde_json::json!({
                "chain_id": c.chain_id, "contract": c.contract_hex(),
                "tx": c.tx_hex(), "block": c.block,
            })),
        })
    }

    /// The text view is the tree view, for bundles with and without status
    /// lists, receipts, chain receipts, and with a header that does not
    /// decode.
    #[test]
    fn the_json_text_is_the_reference_tree() {
        let auths = crate::sample::demo_authorities();
        let a = &auths[0];
        let certs: Vec<_> = (0..3).map(crate::sample::real_estate_title).collect();
        let batch = crate::Issuer::new(a.key.clone(), a.id)
            .issue(
                "json",
                &certs,
                &crate::IssueOptions::at(crate::sample::JAN_1_2024),
            )
            .unwrap();
        let plain = batch.bundle(0, None).unwrap();
        let mut rich = batch.bundle(2, None).unwrap();
        rich.status = vec![vec![1, 2, 3], vec![]];
        rich.receipt = Some(LedgerReceipt {
            checkpoint: "log.example\n1\nAAAA\n\n— log.example sig\n".into(),
            index: u64::MAX,
            path: vec![Hash([7; 32])],
        });
        rich.chain = Some(ChainReceipt {
            chain_id: u64::MAX,
            contract: [0xab; 20],
            tx: Hash([9; 32]),
            block: 1,
        });
        let mut broken = plain.clone();
        broken.header = vec![0xff, 0x00];
        for b in [plain, rich, broken] {
            let text = b.to_json_text();
            let tree: serde_json::Value = serde_json::from_str(&text).unwrap();
            assert_eq!(tree, reference(&b), "{text}");
            assert_eq!(b.to_json(), reference(&b));
        }
    }
}
