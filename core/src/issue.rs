//! Issuing: certificates in, an anchor and bundles out (SPEC §3–§6).
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
use std::hash::{BuildHasher as _, RandomState};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering as AtomicOrdering};

use rand_chacha::ChaCha20Rng;
use rand_core::{RngCore as _, SeedableRng as _};
use zeroize::Zeroizing;

use crate::Hash;
use crate::anchor::{Anchor, AnchorBody};
use crate::bundle::Bundle;
use crate::cbor::{self, Reader, Writer};
use crate::certificate::{
    Certificate, CertificateHeader, Disclosure, HeaderRef, MAX_DIGESTS, MAX_FIELDS, MAX_NAME_LEN,
    digest_of_encoded, write_digests, write_disclosure,
};
use crate::document::{Document, range_of};
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
/// Kept compactly, as the deterministic CBOR a bundle carries, in one
/// buffer: `dcbor([salt, name, value])` of each field (sorted by name), then
/// `dcbor(header)` *without its digest array* (the bytes before it and the
/// bytes after it), then the header's decoy digests. The field digests are
/// not stored: [`IssuedRecord::header`] recomputes them from the fields
/// (one SHA-256 each), which keeps a million records a third smaller.
/// Equality compares in constant time and `Debug` shows no bytes (the salts
/// are secret).
#[derive(Clone)]
pub struct IssuedRecord {
    /// Fields, header before its digests, header after them, decoys.
    data: Box<[u8]>,
    /// Where the header starts in `data`.
    header_at: usize,
    /// Where the header's bytes after the digest array start.
    post_at: usize,
    /// Where the decoy digests start (32 bytes each, to the end).
    decoys_at: usize,
    /// Number of fields encoded before the header.
    field_count: usize,
}

impl PartialEq for IssuedRecord {
    fn eq(&self, other: &Self) -> bool {
        let same: bool = subtle::ConstantTimeEq::ct_eq(&self.data[..], &other.data[..]).into();
        same & (self.header_at == other.header_at)
            & (self.post_at == other.post_at)
            & (self.decoys_at == other.decoys_at)
            & (self.field_count == other.field_count)
    }
}

impl Eq for IssuedRecord {}

impl std::fmt::Debug for IssuedRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuedRecord")
            .field("id", &self.id_str())
            .field("field_count", &self.field_count)
            .field("decoys", &(self.decoy_bytes().len() / 32))
            .finish_non_exhaustive()
    }
}

impl IssuedRecord {
    /// A record from the fields' encodings, the whole header, where its
    /// digest array lies, and the header's digests that are not the fields'.
    fn new(
        fields: &[u8],
        field_count: usize,
        header: &[u8],
        digest_array: std::ops::Range<usize>,
        decoys: &[Hash],
    ) -> Self {
        let pre = header.get(..digest_array.start).unwrap_or_default();
        let post = header.get(digest_array.end..).unwrap_or_default();
        let mut data =
            Vec::with_capacity(fields.len() + pre.len() + post.len() + 32 * decoys.len());
        data.extend_from_slice(fields);
        data.extend_from_slice(pre);
        data.extend_from_slice(post);
        let decoys_at = data.len();
        for d in decoys {
            data.extend_from_slice(d.as_bytes());
        }
        Self {
            data: data.into_boxed_slice(),
            header_at: fields.len(),
            post_at: fields.len() + pre.len(),
            decoys_at,
            field_count,
        }
    }

    /// dcbor(header), the leaf data: rebuilt from the stored parts, the
    /// fields' digests and the decoys.
    #[must_use]
    pub fn header(&self) -> Vec<u8> {
        let mut digests = Vec::with_capacity(self.field_count + self.decoy_bytes().len() / 32);
        digests.extend(self.encoded_field_items().map(digest_of_encoded));
        digests.extend(
            self.decoy_bytes()
                .chunks_exact(32)
                .filter_map(|c| <[u8; 32]>::try_from(c).ok().map(Hash)),
        );
        digests.sort_unstable();
        digests.dedup();
        let pre = self
            .data
            .get(self.header_at..self.post_at)
            .unwrap_or_default();
        let post = self
            .data
            .get(self.post_at..self.decoys_at)
            .unwrap_or_default();
        let mut w = Writer::with_capacity(pre.len() + post.len() + 3 + 34 * digests.len());
        w.raw(pre);
        write_digests(&mut w, &digests);
        w.raw(post);
        w.into_bytes()
    }

    /// The fields' `dcbor([salt, name, value])` encodings, one after another.
    fn encoded_fields(&self) -> &[u8] {
        self.data.get(..self.header_at).unwrap_or_default()
    }

    /// Each field's `dcbor([salt, name, value])`.
    fn encoded_field_items(&self) -> impl Iterator<Item = &[u8]> {
        // The encodings were written by `issue` or checked by
        // `IssuedBatch::from_slice`, so reading them back cannot fail.
        let bytes = self.encoded_fields();
        let mut r = Reader::new(bytes, usize::MAX, "batch record").ok();
        std::iter::from_fn(move || {
            let r = r.as_mut()?;
            if r.offset() >= bytes.len() {
                return None;
            }
            r.raw_value().ok()
        })
    }

    /// The decoy digests, 32 bytes each.
    fn decoy_bytes(&self) -> &[u8] {
        self.data.get(self.decoys_at..).unwrap_or_default()
    }

    /// Number of fields.
    #[must_use]
    pub fn field_count(&self) -> usize {
        self.field_count
    }

    /// Every field with its salt, sorted by name.
    #[must_use]
    pub fn fields(&self) -> Vec<Disclosure> {
        self.encoded_field_items()
            .filter_map(|item| {
                let mut r = Reader::new(item, usize::MAX, "batch record").ok()?;
                Disclosure::read(&mut r).ok()
            })
            .collect()
    }

    /// The certificate id, read from the header's first entries
    /// (`{"v": 1, "id": …`) without rebuilding it.
    fn id_str(&self) -> Option<&str> {
        let pre = self.data.get(self.header_at..self.post_at)?;
        let mut r = Reader::new(pre, usize::MAX, "certificate header").ok()?;
        r.map().ok()?;
        (r.text().ok()? == "v").then_some(())?;
        r.uint().ok()?;
        (r.text().ok()? == "id").then_some(())?;
        r.text().ok()
    }

    /// The certificate id (read from the header).
    #[must_use]
    pub fn id(&self) -> Option<String> {
        self.id_str().map(str::to_owned)
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

/// The hash [`duplicates_among`] sorts by: SipHash with keys drawn per
/// batch, so ids made to collide cannot make comparing a run quadratic.
fn id_hash(keys: &RandomState, id: &str) -> u64 {
    keys.hash_one(id)
}

/// Per certificate, whether an earlier one has the same id (only ids of a
/// valid length count).
fn duplicate_ids(certs: &[Certificate]) -> Vec<bool> {
    let keys = RandomState::new();
    #[cfg(feature = "parallel")]
    let hashes: Vec<u64> = {
        use rayon::prelude::*;
        certs.par_iter().map(|c| id_hash(&keys, &c.id)).collect()
    };
    #[cfg(not(feature = "parallel"))]
    let hashes: Vec<u64> = certs.iter().map(|c| id_hash(&keys, &c.id)).collect();
    duplicates_among(certs, &hashes)
}

/// [`duplicate_ids`] given each id's [`id_hash`]: by sorting `(hash of id,
/// index)` pairs rather than filling a hash set of a million strings, so the
/// sort runs in parallel and stays in cache.
fn duplicates_among(certs: &[Certificate], hashes: &[u64]) -> Vec<bool> {
    let keyed = hashes.iter().copied().zip(0..certs.len());
    #[cfg(feature = "parallel")]
    let keyed = {
        use rayon::prelude::*;
        let mut keyed: Vec<(u64, usize)> = keyed.collect();
        keyed.par_sort_unstable();
        keyed
    };
    #[cfg(not(feature = "parallel"))]
    let keyed = {
        let mut keyed: Vec<(u64, usize)> = keyed.collect();
        keyed.sort_unstable();
        keyed
    };
    let mut duplicate = vec![false; certs.len()];
    let id = |i: usize| {
        certs
            .get(i)
            .map(|c| c.id.as_str())
            .filter(|id| !id.is_empty() && id.len() <= MAX_NAME_LEN)
    };
    // Within a run of equal hashes the indices ascend: an id is a duplicate
    // when an earlier member of its run has the same text.
    for run in keyed
        .chunk_by(|a, b| a.0 == b.0)
        .filter(|run| run.len() > 1)
    {
        for (k, &(_, i)) in run.iter().enumerate().skip(1) {
            let earlier = run.get(..k).unwrap_or_default();
            if id(i).is_some()
                && earlier.iter().any(|&(_, j)| id(j) == id(i))
                && let Some(d) = duplicate.get_mut(i)
            {
                *d = true;
            }
        }
    }
    duplicate
}

/// What one unit of parallel issuing work reuses from certificate to
/// certificate.
struct Unit<'a> {
    /// Its own ChaCha20 stream of the batch's seed.
    rng: ChaCha20Rng,
    /// Fields' and header's encoding.
    scratch: Writer,
    /// Digests as drawn, and sorted.
    digests: (Vec<Hash>, Vec<Hash>),
    /// Kinds already added to the batch's set.
    kinds: Vec<&'a str>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
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

    fn duplicate(index: usize, c: Option<&Certificate>) -> IssueError {
        IssueError::Certificate {
            index,
            id: c.map(|c| c.id.clone()).unwrap_or_default(),
            reason: "duplicate id in batch".into(),
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
            problems.push(Self::duplicate(index, Some(c)));
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
    pub fn issue<'c>(
        &self,
        batch: &str,
        certs: &'c [Certificate],
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
        // Every rule is checked in the pass that salts and digests, so the
        // input (usually far larger than the caches) is read once; the pass
        // also hashes the ids, and duplicates are found after it. `validate`
        // checks the same rules.
        // One OS seed per batch; every unit of parallel work draws its salts
        // from its own ChaCha20 stream of that key (numbered by a counter),
        // so units never share keystream.
        let seed = os_seed()?;
        let next_stream = AtomicU64::new(0);
        // Problems by certificate; the kinds seen (each unit of work keeps
        // the few it has met, and adds a new one to the batch's set).
        let rejected: Mutex<Vec<(usize, Vec<IssueError>)>> = Mutex::new(Vec::new());
        let refused = AtomicBool::new(false);
        let id_keys = RandomState::new();
        let kinds: Mutex<BTreeSet<&'c str>> = Mutex::new(BTreeSet::new());
        let init = || {
            let mut rng = ChaCha20Rng::from_seed(*seed);
            rng.set_stream(next_stream.fetch_add(1, AtomicOrdering::Relaxed));
            Unit {
                rng,
                scratch: Writer::with_capacity(4096),
                digests: (
                    Vec::with_capacity(MAX_DIGESTS),
                    Vec::with_capacity(MAX_DIGESTS),
                ),
                kinds: Vec::new(),
            }
        };
        let one = |unit: &mut Unit<'c>, (index, c): (usize, &'c Certificate)| {
            let mut problems = Vec::new();
            self.validate_one(index, c, false, &mut problems);
            if !problems.is_empty() {
                refused.store(true, AtomicOrdering::Relaxed);
                lock(&rejected).push((index, problems));
            }
            if !unit.kinds.contains(&c.kind.as_str()) {
                unit.kinds.push(c.kind.as_str());
                lock(&kinds).insert(c.kind.as_str());
            }
            // Once a certificate is refused the batch is: only validate.
            let (record, leaf) = if refused.load(AtomicOrdering::Relaxed) {
                (IssuedRecord::new(&[], 0, &[], 0..0, &[]), Hash([0; 32]))
            } else {
                self.issue_one(c, opts, unit)
            };
            (record, (leaf, id_hash(&id_keys, &c.id)))
        };
        // Records, leaves and id hashes go straight into their final vectors.
        #[cfg(feature = "parallel")]
        let (records, (leaves, ids)): (Vec<IssuedRecord>, (Vec<Hash>, Vec<u64>)) = {
            use rayon::prelude::*;
            certs
                .par_iter()
                .enumerate()
                .with_min_len(CHUNK / 8)
                .map_init(init, one)
                .unzip()
        };
        #[cfg(not(feature = "parallel"))]
        let (records, (leaves, ids)): (Vec<IssuedRecord>, (Vec<Hash>, Vec<u64>)) = {
            let mut unit = init();
            certs.iter().enumerate().map(|c| one(&mut unit, c)).unzip()
        };
        let mut rejected = rejected
            .into_inner()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut duplicates = duplicates_among(certs, &ids)
            .into_iter()
            .enumerate()
            .filter_map(|(index, d)| d.then_some(index))
            .peekable();
        if !rejected.is_empty() || duplicates.peek().is_some() {
            drop((records, leaves));
            // Merged in index order; a duplicate id is its certificate's
            // first problem, as in `validate`.
            rejected.sort_by_key(|(index, _)| *index);
            let duplicate = |d: usize| Self::duplicate(d, certs.get(d));
            let mut problems = Vec::new();
            for (index, rest) in rejected {
                while let Some(d) = duplicates.next_if(|&d| d <= index) {
                    problems.push(duplicate(d));
                }
                problems.extend(rest);
            }
            problems.extend(duplicates.map(duplicate));
            return Err(IssueError::Rejected { problems });
        }
        let kinds = kinds
            .into_inner()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let tree = MerkleTree::from_leaf_hashes(leaves);
        let body = AnchorBody {
            issuer: self.id.clone(),
            batch: batch.to_owned(),
            tree_size: tree.size(),
            root: tree.root(),
            issued_at: opts.issued_at,
            kinds: kinds.into_iter().map(str::to_owned).collect(),
        };
        let anchor = Anchor::sign(&body, &self.key)?;
        Ok(IssuedBatch {
            anchor,
            records,
            status: Vec::new(),
            tree,
        })
    }

    /// Salts, digests and encodes one certificate's fields and header;
    /// returns its record and leaf hash. `scratch` and the two digest
    /// vectors (as drawn, sorted) are buffers reused across a chunk.
    fn issue_one(
        &self,
        c: &Certificate,
        opts: &IssueOptions,
        unit: &mut Unit<'_>,
    ) -> (IssuedRecord, Hash) {
        let Unit {
            rng,
            scratch,
            digests: (digests, sorted),
            ..
        } = unit;
        scratch.clear();
        digests.clear();
        sorted.clear();
        for (name, value) in &c.fields {
            let mut salt = [0u8; 16];
            rng.fill_bytes(&mut salt);
            digests.push(write_disclosure(scratch, &salt, name, value));
        }
        let field_count = digests.len();
        for _ in 0..opts.decoys {
            let mut h = [0u8; 32];
            rng.fill_bytes(&mut h);
            digests.push(Hash(h));
        }
        // decoys kept sorted, as a record read back from its file has them
        digests
            .get_mut(field_count..)
            .unwrap_or_default()
            .sort_unstable();
        sorted.extend_from_slice(digests);
        sorted.sort_unstable();
        sorted.dedup();
        let header_at = scratch.len();
        let mut array = 0..0;
        HeaderRef {
            id: &c.id,
            kind: &c.kind,
            issuer: &self.id,
            issued_at: opts.issued_at,
            valid_from: c.valid_from,
            valid_until: c.valid_until,
            digests: sorted,
        }
        .write_fields(scratch, range_of("digests", &mut array));
        let bytes = scratch.as_bytes();
        let header = bytes.get(header_at..).unwrap_or_default();
        let leaf = leaf_hash(header);
        let record = IssuedRecord::new(
            bytes.get(..header_at).unwrap_or_default(),
            field_count,
            header,
            (array.start - header_at)..(array.end - header_at),
            digests.get(field_count..).unwrap_or_default(),
        );
        (record, leaf)
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

/// Most bytes of a batch record accepted by [`IssuedBatch::from_slice`].
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
        self.records.iter().position(|r| r.id_str() == Some(id))
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

    /// Adds a department's endorsement, made at `at` (Unix seconds), to the
    /// batch's anchor.
    ///
    /// # Errors
    /// As [`Anchor::endorse`].
    pub fn endorse(&mut self, key: &SigningKey, at: u64) -> Result<(), IssueError> {
        self.anchor = self.anchor.endorse(key, at)?;
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
            header: rec.header(),
            disclosed,
            proof,
            anchor: self.anchor.as_bytes().to_vec(),
            status: self.status.iter().map(|s| s.as_bytes().to_vec()).collect(),
            receipt: None,
            chain: None,
        })
    }
}

/// Where the digest array lies in a (strictly decoded) header: it follows
/// the `"digests"` key, and `"issued_at"` follows it.
fn digest_array(header: &[u8]) -> Result<std::ops::Range<usize>, DecodeError> {
    let mut r = Reader::new(header, usize::MAX, "certificate header")?;
    r.map()?;
    let mut prev = None;
    loop {
        let key = r.key(prev)?;
        let start = r.offset();
        r.raw_value()?;
        if key == "digests" {
            return Ok(start..r.offset());
        }
        prev = Some(key);
    }
}

/// The private record of a batch (salts included: keep it secret), as
/// deterministic CBOR. Reading it checks that the headers give the anchor's
/// root and that every field matches its header
/// ([`DecodeError::Invalid`] otherwise).
impl Document for IssuedBatch {
    const NAME: &'static str = "batch record";
    const MAX_LEN: usize = MAX_BATCH_RECORD_LEN;

    fn size_hint(&self) -> usize {
        self.records.len() * 512 + 1024
    }

    fn write(&self, w: &mut Writer) {
        // keys: v, anchor, status, records
        w.map(4);
        w.text("v");
        w.uint(1);
        w.text("anchor");
        w.bytes(self.anchor.as_bytes());
        w.text("status");
        w.array(self.status.len());
        for s in &self.status {
            w.bytes(s.as_bytes());
        }
        w.text("records");
        w.array(self.records.len());
        for r in &self.records {
            w.array(2);
            w.bytes(&r.header());
            w.array(r.field_count);
            w.raw(r.encoded_fields());
        }
    }

    fn read(r: &mut Reader<'_>, bytes: &[u8]) -> Result<Self, DecodeError> {
        const DOC: &str = "batch record";
        let (mut v, mut anchor, mut status, mut records) = (None, None, None, None);
        cbor::read_map(r, |k, r| {
            match k {
                "v" => v = Some(cbor::read_version(r, DOC)?),
                "anchor" => anchor = Some(Anchor::from_slice(r.bytes()?)?),
                "status" => {
                    let n = r.array()?;
                    let mut lists = Vec::with_capacity(n.min(8));
                    for _ in 0..n {
                        lists.push(StatusList::from_slice(r.bytes()?)?);
                    }
                    r.leave();
                    status = Some(lists);
                }
                "records" => {
                    let n = r.array()?;
                    let mut recs = Vec::with_capacity(n.min(MAX_BATCH_SIZE));
                    let mut leaves = Vec::with_capacity(n.min(MAX_BATCH_SIZE));
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
                        let mut field_digests = Vec::with_capacity(field_count.min(MAX_FIELDS));
                        let mut prev: Option<String> = None;
                        for _ in 0..field_count {
                            let at = r.offset();
                            let f = Disclosure::read(r)?;
                            if prev.as_ref().is_some_and(|p| p.as_str() >= f.name.as_str()) {
                                return Err(DecodeError::Invalid {
                                    what: "batch record",
                                    reason: format!(
                                        "record {}: field `{}` is out of name order or repeated",
                                        recs.len(),
                                        f.name
                                    ),
                                });
                            }
                            // strict decoding: these bytes are the canonical encoding
                            let triple = bytes.get(at..r.offset()).unwrap_or_default();
                            let digest = digest_of_encoded(triple);
                            if !h.contains(&digest) {
                                return Err(DecodeError::Invalid {
                                    what: "batch record",
                                    reason: format!(
                                        "record {}: field `{}` does not match its header",
                                        recs.len(),
                                        f.name
                                    ),
                                });
                            }
                            field_digests.push(digest);
                            prev = Some(f.name);
                        }
                        let fields = bytes.get(start..r.offset()).unwrap_or_default();
                        r.leave();
                        r.leave();
                        let decoys: Vec<Hash> = h
                            .digests
                            .iter()
                            .filter(|d| !field_digests.contains(d))
                            .copied()
                            .collect();
                        let rec = IssuedRecord::new(
                            fields,
                            field_count,
                            header,
                            digest_array(header)?,
                            &decoys,
                        );
                        // The header's digests are sorted and unique, each
                        // a field's or a decoy, so the parts give it back.
                        debug_assert!(rec.header() == header);
                        recs.push(rec);
                        leaves.push(leaf_hash(header));
                    }
                    r.leave();
                    records = Some((recs, leaves));
                }
                _ => return Ok(false),
            }
            Ok(true)
        })?;
        cbor::required(v, "v", DOC)?;
        let anchor = cbor::required(anchor, "anchor", DOC)?;
        let (records, leaves) = cbor::required(records, "records", DOC)?;
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

    fn sample_batch(decoys: usize) -> IssuedBatch {
        let auths = crate::sample::demo_authorities();
        let a = &auths[1];
        let certs: Vec<_> = (0..5).map(crate::sample::business_license).collect();
        let opts = IssueOptions {
            issued_at: crate::sample::JAN_1_2024,
            decoys,
        };
        Issuer::new(a.key.clone(), a.id)
            .issue("records", &certs, &opts)
            .unwrap()
    }

    /// A record keeps the header without its digests; the rebuilt header is
    /// the leaf the tree holds, decoys included, and reads back the same.
    #[test]
    fn records_rebuild_their_headers_decoys_included() {
        for decoys in [0, 3] {
            let b = sample_batch(decoys);
            for (i, rec) in b.records().iter().enumerate() {
                let header = rec.header();
                let h = CertificateHeader::from_slice(&header).unwrap();
                assert_eq!(h.digests.len(), rec.field_count() + decoys);
                assert_eq!(h.to_vec(), header);
                assert_eq!(rec.id().as_deref(), Some(h.id.as_str()));
                assert_eq!(b.index_of(&h.id), Some(i));
                let proof = b.tree.inclusion_proof(i as u64).unwrap();
                assert_eq!(proof.leaf_index, i as u64);
                assert_eq!(b.tree.leaf(i as u64), Some(leaf_hash(&header)));
                let shown = format!("{rec:?}");
                assert!(shown.contains(&h.id) && shown.len() < 120, "{shown}");
                // the digests are not stored: the record is smaller than its header
                assert!(rec.data.len() < rec.encoded_fields().len() + header.len());
            }
            let back = IssuedBatch::from_slice(&b.to_vec()).unwrap();
            assert_eq!(back.records(), b.records());
        }
    }

    /// A record file whose fields are out of name order is refused by name.
    #[test]
    fn batch_record_fields_out_of_order_are_refused() {
        let b = sample_batch(0);
        let rec = &b.records()[0];
        let items: Vec<&[u8]> = rec.encoded_field_items().collect();
        let mut w = Writer::new();
        w.map(4);
        w.text("v");
        w.uint(1);
        w.text("anchor");
        w.bytes(b.anchor().as_bytes());
        w.text("status");
        w.array(0);
        w.text("records");
        w.array(b.len());
        for (k, r) in b.records().iter().enumerate() {
            w.array(2);
            w.bytes(&r.header());
            w.array(r.field_count());
            if k == 0 {
                w.raw(items[1]);
                w.raw(items[0]);
                for item in &items[2..] {
                    w.raw(item);
                }
            } else {
                w.raw(r.encoded_fields());
            }
        }
        let err = IssuedBatch::from_slice(w.as_bytes())
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("record 0") && err.contains("out of name order"),
            "{err}"
        );
    }
}
