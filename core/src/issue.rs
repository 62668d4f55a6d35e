//! Issuing: certificates in, an anchor and bundles out (DESIGN §3–§6).
//!
//! An [`Issuer`] (signing key + issuer id + schema registry) validates every
//! certificate against its kind's schema (reporting *all* problems), draws
//! the salts, builds the headers and the RFC 9162 tree, and signs the anchor.
//! The resulting [`IssuedBatch`] is the issuer's private record (salts
//! included): it produces bundles with any subset of fields disclosed,
//! accepts endorsed versions of its anchor, and carries the batch's status
//! lists.
//!
//! ```
//! use std::collections::BTreeMap;
//! use certanchor::{Certificate, Issuer, IssueOptions, Value, keys::SigningKey, status::StatusPurpose};
//! let key = SigningKey::from_seed(&[9; 32]);
//! let issuer = Issuer::new(key, "cn.beijing.example");
//! let mut registry = certanchor::schema::SchemaRegistry::empty();
//! registry.register(certanchor::schema::Schema::builder("library_card")
//!     .required("name", certanchor::schema::FieldType::Text).build().unwrap()).unwrap();
//! let issuer = issuer.with_registry(registry);
//! let cert = Certificate { id: "L-1".into(), kind: "library_card".into(), valid_from: 0,
//!     valid_until: None, fields: BTreeMap::from([("name".into(), Value::from("张三"))]) };
//! let mut batch = issuer.issue("2024-06", &[cert], &IssueOptions::at(1_717_200_000)).unwrap();
//! let bundle = batch.bundle(0, None).unwrap();
//! assert_eq!(bundle.disclosed.len(), 1);
//! issuer.update_status(&mut batch, StatusPurpose::Revocation, &[(0, true)], 1_717_300_000, 86_400).unwrap();
//! assert_eq!(batch.bundle(0, None).unwrap().status.len(), 1);
//! ```

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicU64, Ordering as AtomicOrdering};

use rand_chacha::ChaCha20Rng;
use rand_core::{RngCore as _, SeedableRng as _};
use zeroize::Zeroizing;

use crate::Hash;
use crate::anchor::{Anchor, AnchorBody};
use crate::bundle::Bundle;
use crate::cbor::{self, Reader, Writer};
use crate::certificate::{
    Certificate, CertificateHeader, Disclosure, HeaderRef, MAX_DIGESTS, MAX_FIELDS, MAX_NAME_LEN,
    digest_of_encoded, write_disclosure,
};
use crate::error::{DecodeError, IssueError, KeyError};
use crate::keys::SigningKey;
use crate::merkle::{MerkleTree, leaf_hash};
use crate::schema::SchemaRegistry;
use crate::status::{StatusList, StatusListBody, StatusPurpose};

/// Most certificates in one batch (2^24).
pub const MAX_BATCH_SIZE: usize = 1 << 24;
/// Most decoy digests per certificate.
pub const MAX_DECOYS: usize = 64;

/// Options for [`Issuer::issue`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IssueOptions {
    /// Issue time (Unix seconds), written in every header and the anchor.
    pub issued_at: u64,
    /// Random decoy digests added to every header to hide the field count.
    pub decoys: usize,
}

impl IssueOptions {
    /// Options issuing at `issued_at` with no decoys.
    #[must_use]
    pub fn at(issued_at: u64) -> Self {
        Self {
            issued_at,
            decoys: 0,
        }
    }
}

/// An issuing authority: signing key, issuer id and the kinds it knows.
#[derive(Debug, Clone)]
pub struct Issuer {
    key: SigningKey,
    id: String,
    registry: SchemaRegistry,
}

/// The issuer's private record of one certificate: the header bytes and
/// every field with its salt.
///
/// Kept compactly, as the deterministic CBOR a bundle carries: one buffer
/// holding `dcbor([salt, name, value])` of each field (sorted by name), then
/// `dcbor(header)`. Issuance writes each field's encoding once and hashes it
/// where it lies, so no name or value is cloned. Equality compares in
/// constant time (the salts are secret).
#[derive(Debug, Clone)]
pub struct IssuedRecord {
    /// The fields' encodings, then the header's.
    data: Vec<u8>,
    /// Where the header starts in `data`.
    header_at: usize,
    /// Number of fields encoded before the header.
    field_count: usize,
}

impl PartialEq for IssuedRecord {
    fn eq(&self, other: &Self) -> bool {
        let same: bool = subtle::ConstantTimeEq::ct_eq(&self.data[..], &other.data[..]).into();
        same & (self.header_at == other.header_at) & (self.field_count == other.field_count)
    }
}

impl Eq for IssuedRecord {}

impl IssuedRecord {
    /// dcbor(header), the leaf data.
    #[must_use]
    pub fn header(&self) -> &[u8] {
        self.data.get(self.header_at..).unwrap_or_default()
    }

    /// The fields' `dcbor([salt, name, value])` encodings, one after another.
    fn encoded_fields(&self) -> &[u8] {
        self.data.get(..self.header_at).unwrap_or_default()
    }

    /// Number of fields.
    #[must_use]
    pub fn field_count(&self) -> usize {
        self.field_count
    }

    /// Every field with its salt, sorted by name.
    #[must_use]
    pub fn fields(&self) -> Vec<Disclosure> {
        // The encodings were written by `issue` or checked by
        // `IssuedBatch::from_bytes`, so reading them back cannot fail.
        let bytes = self.encoded_fields();
        let Ok(mut r) = Reader::new(bytes, usize::MAX, "batch record") else {
            return Vec::new();
        };
        let mut out = Vec::with_capacity(self.field_count);
        while r.offset() < bytes.len() {
            match Disclosure::read(&mut r) {
                Ok(d) => out.push(d),
                Err(_) => break,
            }
        }
        out
    }

    /// The certificate id (read from the header).
    #[must_use]
    pub fn id(&self) -> Option<String> {
        CertificateHeader::from_slice(self.header())
            .ok()
            .map(|h| h.id)
    }
}

/// An issued batch: the anchor, the private records and the status lists.
#[derive(Debug, Clone)]
pub struct IssuedBatch {
    anchor: Anchor,
    records: Vec<IssuedRecord>,
    status: Vec<StatusList>,
    tree: MerkleTree,
}

fn os_seed() -> Result<Zeroizing<[u8; 32]>, KeyError> {
    let mut seed = Zeroizing::new([0u8; 32]);
    getrandom::getrandom(seed.as_mut()).map_err(|e| KeyError::Rng(e.to_string()))?;
    Ok(seed)
}

/// Certificates per unit of parallel work in [`Issuer::validate`]; units of
/// [`Issuer::issue`] hold at least an eighth of it.
const CHUNK: usize = 2048;

/// `f` over `(chunk number, chunk)` for chunks of [`CHUNK`] items, in
/// parallel with the `parallel` feature; results in chunk order.
fn chunks_map<T: Sync, R: Send>(
    items: &[T],
    f: impl Fn((usize, &[T])) -> R + Sync + Send,
) -> Vec<R> {
    #[cfg(feature = "parallel")]
    {
        use rayon::prelude::*;
        items.par_chunks(CHUNK).enumerate().map(f).collect()
    }
    #[cfg(not(feature = "parallel"))]
    {
        items.chunks(CHUNK).enumerate().map(f).collect()
    }
}

/// For each certificate: does an earlier one in `certs` have the same (valid)
/// id? By sorting `(hash of id, index)` pairs rather than filling a hash set
/// of a million strings: the sort runs in parallel and stays in cache.
fn duplicate_ids(certs: &[Certificate]) -> Vec<bool> {
    use std::hash::{BuildHasher as _, BuildHasherDefault, DefaultHasher};
    let hasher = BuildHasherDefault::<DefaultHasher>::default();
    let key = |(i, c): (usize, &Certificate)| {
        (!c.id.is_empty() && c.id.len() <= MAX_NAME_LEN).then(|| (hasher.hash_one(&c.id), i))
    };
    #[cfg(feature = "parallel")]
    let keyed = {
        use rayon::prelude::*;
        let mut keyed: Vec<(u64, usize)> = certs.par_iter().enumerate().filter_map(key).collect();
        keyed.par_sort_unstable();
        keyed
    };
    #[cfg(not(feature = "parallel"))]
    let keyed = {
        let mut keyed: Vec<(u64, usize)> = certs.iter().enumerate().filter_map(key).collect();
        keyed.sort_unstable();
        keyed
    };
    let mut duplicate = vec![false; certs.len()];
    let id = |i: usize| certs.get(i).map(|c| c.id.as_str());
    // Within a run of equal hashes the indices ascend: an id is a duplicate
    // when an earlier member of its run has the same text.
    for run in keyed
        .chunk_by(|a, b| a.0 == b.0)
        .filter(|run| run.len() > 1)
    {
        for (k, &(_, i)) in run.iter().enumerate().skip(1) {
            let earlier = run.get(..k).unwrap_or_default();
            if earlier.iter().any(|&(_, j)| id(j) == id(i))
                && let Some(d) = duplicate.get_mut(i)
            {
                *d = true;
            }
        }
    }
    duplicate
}

impl Issuer {
    /// An issuer with the built-in kinds.
    #[must_use]
    pub fn new(key: SigningKey, id: impl Into<String>) -> Self {
        Self {
            key,
            id: id.into(),
            registry: SchemaRegistry::builtin(),
        }
    }

    /// Replaces the kinds this issuer knows.
    #[must_use]
    pub fn with_registry(mut self, registry: SchemaRegistry) -> Self {
        self.registry = registry;
        self
    }

    /// The issuer id.
    #[must_use]
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The signing key.
    #[must_use]
    pub fn key(&self) -> &SigningKey {
        &self.key
    }

    /// Checks every certificate and returns every problem found.
    ///
    /// # Errors
    /// The list of problems (unknown kind, schema violations with dotted field
    /// paths, empty or duplicate ids, inverted validity windows).
    pub fn validate(&self, certs: &[Certificate]) -> Result<(), Vec<IssueError>> {
        // Duplicate ids need the whole batch; every other rule is per
        // certificate and runs in parallel, keeping the problems in order.
        let duplicate = duplicate_ids(certs);
        let per_chunk = |(chunk, certs): (usize, &[Certificate])| {
            let mut problems = Vec::new();
            for (i, c) in certs.iter().enumerate() {
                let index = chunk * CHUNK + i;
                self.validate_one(index, c, duplicate.get(index) == Some(&true), &mut problems);
            }
            problems
        };
        let problems: Vec<IssueError> =
            chunks_map(certs, per_chunk).into_iter().flatten().collect();
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems)
        }
    }

    fn validate_one(
        &self,
        index: usize,
        c: &Certificate,
        duplicate: bool,
        problems: &mut Vec<IssueError>,
    ) {
        let cert_err = |reason: String| IssueError::Certificate {
            index,
            id: c.id.clone(),
            reason,
        };
        if c.id.is_empty() || c.id.len() > MAX_NAME_LEN {
            problems.push(cert_err(format!("id must be 1..={MAX_NAME_LEN} bytes")));
        } else if duplicate {
            problems.push(cert_err("duplicate id in batch".into()));
        }
        if c.valid_until.is_some_and(|u| u < c.valid_from) {
            problems.push(cert_err("valid_until is before valid_from".into()));
        }
        if c.fields.len() > MAX_FIELDS {
            problems.push(cert_err(format!("more than {MAX_FIELDS} fields")));
        }
        if let Some(n) = c
            .fields
            .keys()
            .find(|n| n.is_empty() || n.len() > MAX_NAME_LEN)
        {
            problems.push(IssueError::Schema {
                index,
                id: c.id.clone(),
                field: n.clone(),
                reason: format!("field names must be 1..={MAX_NAME_LEN} bytes"),
            });
        }
        match self.registry.get(&c.kind) {
            None => problems.push(IssueError::UnknownKind {
                index,
                id: c.id.clone(),
                kind: c.kind.clone(),
            }),
            Some(schema) => {
                if let Err(vs) = schema.validate_all(&c.fields) {
                    problems.extend(vs.into_iter().map(|v| IssueError::Schema {
                        index,
                        id: c.id.clone(),
                        field: v.field,
                        reason: v.reason,
                    }));
                }
            }
        }
    }

    /// Issues a batch: validates, salts, builds headers and tree, signs the anchor.
    ///
    /// # Errors
    /// [`IssueError::Rejected`] listing every problem when any certificate is
    /// invalid; [`IssueError::Batch`] for an empty or oversized batch or bad name.
    pub fn issue(
        &self,
        batch: &str,
        certs: &[Certificate],
        opts: &IssueOptions,
    ) -> Result<IssuedBatch, IssueError> {
        if batch.is_empty() || batch.len() > MAX_NAME_LEN {
            return Err(IssueError::Batch {
                reason: format!("batch name must be 1..={MAX_NAME_LEN} bytes"),
            });
        }
        if self.id.is_empty() || self.id.len() > MAX_NAME_LEN {
            return Err(IssueError::Batch {
                reason: format!("issuer id must be 1..={MAX_NAME_LEN} bytes"),
            });
        }
        if certs.is_empty() || certs.len() > MAX_BATCH_SIZE {
            return Err(IssueError::Batch {
                reason: format!(
                    "a batch holds 1..={MAX_BATCH_SIZE} certificates, got {}",
                    certs.len()
                ),
            });
        }
        if opts.decoys > MAX_DECOYS {
            return Err(IssueError::Batch {
                reason: format!("at most {MAX_DECOYS} decoys"),
            });
        }
        if let Some((index, c)) = certs
            .iter()
            .enumerate()
            .find(|(_, c)| c.fields.len() + opts.decoys > MAX_DIGESTS)
        {
            return Err(IssueError::Certificate {
                index,
                id: c.id.clone(),
                reason: format!("fields + decoys exceed {MAX_DIGESTS}"),
            });
        }
        self.validate(certs)
            .map_err(|problems| IssueError::Rejected { problems })?;

        // One OS seed per batch; every unit of parallel work draws its salts
        // from its own ChaCha20 stream of that key (numbered by a counter),
        // so units never share keystream.
        let seed = os_seed()?;
        let next_stream = AtomicU64::new(0);
        let init = || {
            let mut rng = ChaCha20Rng::from_seed(*seed);
            rng.set_stream(next_stream.fetch_add(1, AtomicOrdering::Relaxed));
            (
                rng,
                Writer::with_capacity(4096),
                Vec::with_capacity(MAX_DIGESTS),
            )
        };
        let one = |(rng, scratch, digests): &mut (ChaCha20Rng, Writer, Vec<Hash>),
                   c: &Certificate| {
            let record = self.issue_one(c, opts, rng, scratch, digests);
            let leaf = leaf_hash(record.header());
            (record, leaf)
        };
        // Records and leaves are written straight into their final vectors.
        #[cfg(feature = "parallel")]
        let (records, leaves): (Vec<IssuedRecord>, Vec<Hash>) = {
            use rayon::prelude::*;
            certs
                .par_iter()
                .with_min_len(CHUNK / 8)
                .map_init(init, one)
                .unzip()
        };
        #[cfg(not(feature = "parallel"))]
        let (records, leaves): (Vec<IssuedRecord>, Vec<Hash>) = {
            let mut state = init();
            certs.iter().map(|c| one(&mut state, c)).unzip()
        };
        let mut kinds = BTreeSet::new();
        for c in certs {
            if !kinds.contains(c.kind.as_str()) {
                kinds.insert(c.kind.clone());
            }
        }
        let tree = MerkleTree::from_leaf_hashes(leaves);
        let body = AnchorBody {
            issuer: self.id.clone(),
            batch: batch.to_owned(),
            tree_size: tree.size(),
            root: tree.root(),
            issued_at: opts.issued_at,
            kinds: kinds.into_iter().collect(),
        };
        let anchor = Anchor::sign(&body, &self.key)?;
        Ok(IssuedBatch {
            anchor,
            records,
            status: Vec::new(),
            tree,
        })
    }

    /// Salts, digests and encodes one certificate's fields and header.
    /// `scratch` and `digests` are buffers reused across a chunk.
    fn issue_one(
        &self,
        c: &Certificate,
        opts: &IssueOptions,
        rng: &mut ChaCha20Rng,
        scratch: &mut Writer,
        digests: &mut Vec<Hash>,
    ) -> IssuedRecord {
        scratch.clear();
        digests.clear();
        for (name, value) in &c.fields {
            let mut salt = [0u8; 16];
            rng.fill_bytes(&mut salt);
            digests.push(write_disclosure(scratch, &salt, name, value));
        }
        for _ in 0..opts.decoys {
            let mut h = [0u8; 32];
            rng.fill_bytes(&mut h);
            digests.push(Hash(h));
        }
        digests.sort_unstable();
        digests.dedup();
        let header_at = scratch.len();
        HeaderRef {
            id: &c.id,
            kind: &c.kind,
            issuer: &self.id,
            issued_at: opts.issued_at,
            valid_from: c.valid_from,
            valid_until: c.valid_until,
            digests,
        }
        .write(scratch);
        // One exact-size allocation per record.
        IssuedRecord {
            data: scratch.as_bytes().to_vec(),
            header_at,
            field_count: c.fields.len(),
        }
    }

    /// Publishes a new status list for `purpose` in `batch`: starts from the
    /// newest list of that purpose (or all clear), applies `changes`
    /// (`(leaf index, set)`), bumps the epoch and signs.
    ///
    /// # Errors
    /// [`IssueError::NoSuchIndex`] for an index outside the batch;
    /// [`IssueError::Batch`] if this issuer did not issue the batch.
    pub fn update_status<'b>(
        &self,
        batch: &'b mut IssuedBatch,
        purpose: StatusPurpose,
        changes: &[(u64, bool)],
        now: u64,
        ttl: u64,
    ) -> Result<&'b StatusList, IssueError> {
        let a = batch.anchor.body().clone();
        if a.issuer != self.id {
            return Err(IssueError::Batch {
                reason: format!("batch was issued by `{}`, not `{}`", a.issuer, self.id),
            });
        }
        let mut body = match batch.status_list(purpose) {
            Some(prev) => {
                let mut b = prev.body().clone();
                b.epoch = b.epoch.saturating_add(1);
                b.issued_at = now;
                b.ttl = ttl;
                b
            }
            None => StatusListBody::new(
                &a.issuer,
                &a.batch,
                a.root,
                purpose,
                1,
                now,
                ttl,
                a.tree_size,
            ),
        };
        for &(index, on) in changes {
            if index >= a.tree_size {
                return Err(IssueError::NoSuchIndex {
                    index: usize::try_from(index).unwrap_or(usize::MAX),
                    size: batch.len(),
                });
            }
            body.set(index, on)?;
        }
        let list = StatusList::sign(&body, &self.key)?;
        batch.status.retain(|s| s.body().purpose != purpose);
        batch.status.push(list);
        batch.status.sort_by_key(|s| s.body().purpose);
        batch
            .status
            .iter()
            .find(|s| s.body().purpose == purpose)
            .ok_or(IssueError::Batch {
                reason: "status list vanished".into(),
            })
    }
}

/// Most bytes of a batch record accepted by [`IssuedBatch::from_bytes`].
pub const MAX_BATCH_RECORD_LEN: usize = usize::MAX;

impl IssuedBatch {
    /// The anchor (with whatever endorsements were added).
    #[must_use]
    pub fn anchor(&self) -> &Anchor {
        &self.anchor
    }

    /// Number of certificates.
    #[must_use]
    pub fn len(&self) -> usize {
        self.records.len()
    }

    /// True if the batch is empty (never, for an issued batch).
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// The private records.
    #[must_use]
    pub fn records(&self) -> &[IssuedRecord] {
        &self.records
    }

    /// The newest status list of a purpose.
    #[must_use]
    pub fn status_list(&self, purpose: StatusPurpose) -> Option<&StatusList> {
        self.status.iter().find(|s| s.body().purpose == purpose)
    }

    /// All status lists (newest per purpose).
    #[must_use]
    pub fn status_lists(&self) -> &[StatusList] {
        &self.status
    }

    /// The leaf index of a certificate id.
    #[must_use]
    pub fn index_of(&self, id: &str) -> Option<usize> {
        self.records
            .iter()
            .position(|r| r.id().as_deref() == Some(id))
    }

    /// Replaces the anchor with an endorsed version of it.
    ///
    /// # Errors
    /// [`IssueError::Batch`] if `anchor` is not the same payload.
    pub fn set_anchor(&mut self, anchor: Anchor) -> Result<(), IssueError> {
        if anchor.id() != self.anchor.id() {
            return Err(IssueError::Batch {
                reason: "anchor payload differs from this batch's anchor".into(),
            });
        }
        self.anchor = anchor;
        Ok(())
    }

    /// Adds a department's endorsement to the batch's anchor.
    ///
    /// # Errors
    /// As [`Anchor::endorse`].
    pub fn endorse(&mut self, key: &SigningKey) -> Result<(), IssueError> {
        self.anchor = self.anchor.endorse(key)?;
        Ok(())
    }

    /// A bundle for certificate `index`, disclosing `disclose` (all fields when `None`).
    ///
    /// # Errors
    /// [`IssueError::NoSuchIndex`]; [`IssueError::NoSuchField`] for a name the
    /// certificate does not have.
    pub fn bundle(&self, index: usize, disclose: Option<&[&str]>) -> Result<Bundle, IssueError> {
        let rec = self.records.get(index).ok_or(IssueError::NoSuchIndex {
            index,
            size: self.records.len(),
        })?;
        let mut disclosed = rec.fields();
        if let Some(names) = disclose {
            if let Some(n) = names
                .iter()
                .find(|n| !disclosed.iter().any(|f| f.name == **n))
            {
                return Err(IssueError::NoSuchField {
                    field: (*n).to_owned(),
                });
            }
            disclosed.retain(|f| names.contains(&f.name.as_str()));
        }
        let proof =
            self.tree
                .inclusion_proof(index as u64)
                .map_err(|_| IssueError::NoSuchIndex {
                    index,
                    size: self.records.len(),
                })?;
        Ok(Bundle {
            header: rec.header().to_vec(),
            disclosed,
            proof,
            anchor: self.anchor.to_bytes().to_vec(),
            status: self.status.iter().map(|s| s.to_bytes().to_vec()).collect(),
            receipt: None,
            chain: None,
        })
    }

    /// The private record as deterministic CBOR (salts included: keep it secret).
    #[must_use]
    pub fn to_bytes(&self) -> Vec<u8> {
        // keys: v, anchor, status, records
        let mut w = Writer::with_capacity(self.records.len() * 512 + 1024);
        w.map(4);
        w.text("v");
        w.uint(1);
        w.text("anchor");
        w.bytes(self.anchor.to_bytes());
        w.text("status");
        w.array(self.status.len());
        for s in &self.status {
            w.bytes(s.to_bytes());
        }
        w.text("records");
        w.array(self.records.len());
        for r in &self.records {
            w.array(2);
            w.bytes(r.header());
            w.array(r.field_count);
            w.raw(r.encoded_fields());
        }
        w.into_bytes()
    }

    /// Reads a private record written by [`IssuedBatch::to_bytes`], checking
    /// that the headers give the anchor's root.
    ///
    /// # Errors
    /// Any [`DecodeError`]; [`DecodeError::Invalid`] when the records do not
    /// match the anchor or a salt does not match its header.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, DecodeError> {
        const DOC: &str = "batch record";
        let mut r = Reader::new(bytes, MAX_BATCH_RECORD_LEN, DOC)?;
        let (mut v, mut anchor, mut status, mut records) = (None, None, None, None);
        cbor::read_map(&mut r, |k, r| {
            match k {
                "v" => v = Some(cbor::read_version(r, DOC)?),
                "anchor" => anchor = Some(Anchor::from_bytes(r.bytes()?)?),
                "status" => {
                    let n = r.array()?;
                    let mut lists = Vec::with_capacity(n.min(8));
                    for _ in 0..n {
                        lists.push(StatusList::from_bytes(r.bytes()?)?);
                    }
                    r.leave();
                    status = Some(lists);
                }
                "records" => {
                    let n = r.array()?;
                    let mut recs = Vec::with_capacity(n.min(MAX_BATCH_SIZE));
                    for _ in 0..n {
                        let at = r.offset();
                        if r.array()? != 2 {
                            return Err(DecodeError::Invalid {
                                what: "batch record",
                                reason: format!("record at byte {at} must be [header, fields]"),
                            });
                        }
                        let header = r.bytes()?;
                        let h = CertificateHeader::from_slice(header)?;
                        let field_count = r.array()?;
                        let start = r.offset();
                        for _ in 0..field_count {
                            let at = r.offset();
                            let f = Disclosure::read(r)?;
                            // strict decoding: these bytes are the canonical encoding
                            let triple = bytes.get(at..r.offset()).unwrap_or_default();
                            if !h.contains(&digest_of_encoded(triple)) {
                                return Err(DecodeError::Invalid {
                                    what: "batch record",
                                    reason: format!(
                                        "record {}: field `{}` does not match its header",
                                        recs.len(),
                                        f.name
                                    ),
                                });
                            }
                        }
                        let fields = bytes.get(start..r.offset()).unwrap_or_default();
                        r.leave();
                        r.leave();
                        let mut data = Vec::with_capacity(fields.len() + header.len());
                        data.extend_from_slice(fields);
                        data.extend_from_slice(header);
                        recs.push(IssuedRecord {
                            data,
                            header_at: fields.len(),
                            field_count,
                        });
                    }
                    r.leave();
                    records = Some(recs);
                }
                _ => return Ok(false),
            }
            Ok(true)
        })?;
        r.finish()?;
        cbor::required(v, "v", DOC)?;
        let anchor = cbor::required(anchor, "anchor", DOC)?;
        let records: Vec<IssuedRecord> = cbor::required(records, "records", DOC)?;
        let mut leaves = Vec::with_capacity(records.len());
        for rec in &records {
            leaves.push(leaf_hash(rec.header()));
        }
        let tree = MerkleTree::from_leaf_hashes(leaves);
        if tree.root() != anchor.body().root || tree.size() != anchor.body().tree_size {
            return Err(DecodeError::Invalid {
                what: "batch record",
                reason: "records do not give the anchor's root".into(),
            });
        }
        Ok(Self {
            anchor,
            records,
            status: cbor::required(status, "status", DOC)?,
            tree,
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn cert(id: String) -> Certificate {
        Certificate {
            id,
            kind: "k".into(),
            valid_from: 0,
            valid_until: None,
            fields: std::collections::BTreeMap::new(),
        }
    }

    /// The plain definition: a later certificate with a valid id seen before.
    fn reference(certs: &[Certificate]) -> Vec<bool> {
        let mut seen = std::collections::HashSet::new();
        certs
            .iter()
            .map(|c| !c.id.is_empty() && c.id.len() <= MAX_NAME_LEN && !seen.insert(&c.id))
            .collect()
    }

    proptest! {
        #[test]
        fn duplicate_ids_match_the_hash_set_definition(
            ids in proptest::collection::vec(prop_oneof![
                "[a-c]{0,2}",
                Just("x".repeat(MAX_NAME_LEN + 1)),
            ], 0..200)
        ) {
            let certs: Vec<_> = ids.into_iter().map(cert).collect();
            prop_assert_eq!(duplicate_ids(&certs), reference(&certs));
        }
    }

    #[test]
    fn duplicate_ids_across_many_chunks() {
        let mut certs: Vec<_> = (0..3 * CHUNK).map(|i| cert(format!("id-{i}"))).collect();
        certs.push(cert("id-5".into()));
        certs.push(cert("id-5".into()));
        certs.push(cert(format!("id-{}", 2 * CHUNK + 7)));
        let flags = duplicate_ids(&certs);
        assert_eq!(flags, reference(&certs));
        assert_eq!(flags.iter().filter(|&&d| d).count(), 3);
        assert!(!flags[5] && flags[3 * CHUNK] && flags[3 * CHUNK + 1] && flags[3 * CHUNK + 2]);
    }
}
