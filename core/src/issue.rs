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

use std::collections::{BTreeSet, HashSet};

use rand_chacha::ChaCha20Rng;
use rand_core::{RngCore as _, SeedableRng as _};
use zeroize::Zeroizing;

use crate::Hash;
use crate::anchor::{Anchor, AnchorBody};
use crate::bundle::Bundle;
use crate::cbor::{self, Reader, Writer};
use crate::certificate::{
    Certificate, CertificateHeader, Disclosure, MAX_DIGESTS, MAX_FIELDS, MAX_NAME_LEN,
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

/// The issuer's private record of one certificate: header bytes and all
/// fields with their salts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedRecord {
    /// dcbor(header), the leaf data.
    pub header: Vec<u8>,
    /// Every field with its salt, sorted by name.
    pub fields: Vec<Disclosure>,
}

impl IssuedRecord {
    /// The certificate id (read from the header).
    #[must_use]
    pub fn id(&self) -> Option<String> {
        CertificateHeader::from_slice(&self.header)
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

/// Certificates per unit of parallel work in [`Issuer::issue`] and
/// [`Issuer::validate`].
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
        let mut seen: HashSet<&str> = HashSet::with_capacity(certs.len());
        let duplicate: Vec<bool> = certs
            .iter()
            .map(|c| !c.id.is_empty() && c.id.len() <= MAX_NAME_LEN && !seen.insert(&c.id))
            .collect();
        drop(seen);
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

        // One OS seed per batch; chunk `k` draws its salts from ChaCha20
        // stream `k` of that key, so chunks run in parallel and never share
        // keystream.
        let seed = os_seed()?;
        let per_chunk = |(chunk, certs): (usize, &[Certificate])| {
            let mut rng = ChaCha20Rng::from_seed(*seed);
            rng.set_stream(chunk as u64);
            certs
                .iter()
                .map(|c| {
                    let record = self.issue_one(c, opts, &mut rng);
                    let leaf = leaf_hash(&record.header);
                    (record, leaf)
                })
                .collect::<Vec<_>>()
        };
        let chunks = chunks_map(certs, per_chunk);
        let mut records = Vec::with_capacity(certs.len());
        let mut leaves = Vec::with_capacity(certs.len());
        for chunk in chunks {
            for (record, leaf) in chunk {
                records.push(record);
                leaves.push(leaf);
            }
        }
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

    /// Salts, digests and encodes one certificate's header.
    fn issue_one(
        &self,
        c: &Certificate,
        opts: &IssueOptions,
        rng: &mut ChaCha20Rng,
    ) -> IssuedRecord {
        let mut fields = Vec::with_capacity(c.fields.len());
        let mut digests = Vec::with_capacity(c.fields.len() + opts.decoys);
        for (name, value) in &c.fields {
            let mut salt = [0u8; 16];
            rng.fill_bytes(&mut salt);
            let d = Disclosure::new(salt, name.clone(), value.clone());
            digests.push(d.digest());
            fields.push(d);
        }
        for _ in 0..opts.decoys {
            let mut h = [0u8; 32];
            rng.fill_bytes(&mut h);
            digests.push(Hash(h));
        }
        digests.sort_unstable();
        digests.dedup();
        let header = CertificateHeader {
            id: c.id.clone(),
            kind: c.kind.clone(),
            issuer: self.id.clone(),
            issued_at: opts.issued_at,
            valid_from: c.valid_from,
            valid_until: c.valid_until,
            digests,
        }
        .to_vec();
        IssuedRecord { header, fields }
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
        let disclosed = match disclose {
            None => rec.fields.clone(),
            Some(names) => {
                for n in names {
                    if !rec.fields.iter().any(|f| f.name == *n) {
                        return Err(IssueError::NoSuchField {
                            field: (*n).to_owned(),
                        });
                    }
                }
                rec.fields
                    .iter()
                    .filter(|f| names.contains(&f.name.as_str()))
                    .cloned()
                    .collect()
            }
        };
        let proof =
            self.tree
                .inclusion_proof(index as u64)
                .map_err(|_| IssueError::NoSuchIndex {
                    index,
                    size: self.records.len(),
                })?;
        Ok(Bundle {
            header: rec.header.clone(),
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
            w.bytes(&r.header);
            w.array(r.fields.len());
            for f in &r.fields {
                f.write(&mut w);
            }
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
                        let header = r.bytes()?.to_vec();
                        let nf = r.array()?;
                        let mut fields = Vec::with_capacity(nf.min(MAX_FIELDS));
                        for _ in 0..nf {
                            fields.push(Disclosure::read(r)?);
                        }
                        r.leave();
                        r.leave();
                        recs.push(IssuedRecord { header, fields });
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
        for (i, rec) in records.iter().enumerate() {
            let h = CertificateHeader::from_slice(&rec.header)?;
            if let Some(f) = rec.fields.iter().find(|f| !h.contains(&f.digest())) {
                return Err(DecodeError::Invalid {
                    what: "batch record",
                    reason: format!("record {i}: field `{}` does not match its header", f.name),
                });
            }
            leaves.push(leaf_hash(&rec.header));
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
