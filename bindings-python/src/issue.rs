//! The issuing side: `SigningKey`, `Issuer`, `IssuedBatch` (mirrors
//! `certanchor::keys` and `certanchor::issue`).

use certanchor::Document;
use std::collections::BTreeMap;

use certanchor::status::StatusPurpose;
use certanchor::{Certificate, IssueOptions};
use pyo3::exceptions::{PyKeyError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyMapping};

use crate::bundle::PyBundle;
use crate::convert::{py_to_value, repr_str, time_arg, time_value, value_to_py};
use crate::error::IntoPyResult;

/// An Ed25519 signing key of an issuer or endorsing department. Never
/// pickled or printed: export it with `to_pem()` and keep it secret.
#[pyclass(frozen, module = "certanchor", name = "SigningKey")]
pub struct PySigningKey {
    pub(crate) inner: certanchor::keys::SigningKey,
}

#[pymethods]
impl PySigningKey {
    /// A fresh key from the OS random generator; raises `KeyFormatError`.
    #[staticmethod]
    fn generate() -> PyResult<Self> {
        Ok(Self {
            inner: certanchor::keys::SigningKey::generate().py()?,
        })
    }

    /// Reads a PKCS#8 PEM private key (as `openssl genpkey -algorithm
    /// ed25519` writes); raises `KeyFormatError`.
    #[staticmethod]
    fn from_pem(pem: &str) -> PyResult<Self> {
        Ok(Self {
            inner: certanchor::keys::SigningKey::from_pkcs8_pem(pem).py()?,
        })
    }

    /// The private key as PKCS#8 PEM. Secret.
    fn to_pem(&self) -> String {
        self.inner.to_pkcs8_pem().as_str().to_owned()
    }

    /// The public key, raw 32 bytes in base64 (as trust stores hold it).
    #[getter]
    fn public_key(&self) -> String {
        self.inner.public_key().to_base64()
    }

    /// The public key as SPKI PEM.
    #[getter]
    fn public_key_pem(&self) -> String {
        self.inner.public_key().to_spki_pem()
    }

    /// The COSE key id (first 16 bytes of SHA-256 of the public key), hex.
    #[getter]
    fn key_id(&self) -> String {
        self.inner.public_key().key_id().to_hex()
    }

    fn __repr__(&self) -> String {
        format!("SigningKey(key_id={})", repr_str(&self.key_id()))
    }
}

/// An issuing authority: signs batches of certificates under one Merkle root.
#[pyclass(frozen, module = "certanchor", name = "Issuer")]
pub struct PyIssuer {
    inner: certanchor::Issuer,
}

fn certificate_from_py(i: usize, obj: &Bound<'_, PyAny>) -> PyResult<Certificate> {
    let map = obj
        .cast::<PyMapping>()
        .map_err(|_| PyTypeError::new_err(format!("certificate {i}: expected a mapping")))?;
    let get = |key: &str| -> PyResult<Option<Bound<'_, PyAny>>> {
        match map.get_item(key) {
            Ok(v) => Ok(Some(v)),
            Err(e) if e.is_instance_of::<PyKeyError>(obj.py()) => Ok(None),
            Err(e) => Err(e),
        }
    };
    let need = |key: &str| -> PyResult<Bound<'_, PyAny>> {
        get(key)?.ok_or_else(|| PyValueError::new_err(format!("certificate {i}: missing {key:?}")))
    };
    let fields_obj = need("fields")?;
    let fields_map = fields_obj.cast::<PyMapping>().map_err(|_| {
        PyTypeError::new_err(format!("certificate {i}: 'fields' must be a mapping"))
    })?;
    let mut fields = BTreeMap::new();
    for item in fields_map.items()?.try_iter()? {
        let (name, value): (String, Bound<'_, PyAny>) = item?.extract()?;
        let value = py_to_value(&value)
            .map_err(|e| PyTypeError::new_err(format!("certificate {i}, field {name:?}: {e}")))?;
        fields.insert(name, value);
    }
    let valid_until = match get("valid_until")? {
        Some(v) if !v.is_none() => Some(time_value(&v, true)?),
        _ => None,
    };
    Ok(Certificate {
        id: need("id")?.extract()?,
        kind: need("kind")?.extract()?,
        valid_from: time_value(&need("valid_from")?, false)?,
        valid_until,
        fields,
    })
}

#[pymethods]
impl PyIssuer {
    /// An issuer `issuer_id` signing with `key`, with the built-in kinds' schemas.
    #[new]
    fn new(key: &PySigningKey, issuer_id: &str) -> Self {
        Self {
            inner: certanchor::Issuer::new(key.inner.clone(), issuer_id),
        }
    }

    /// The issuer id.
    #[getter]
    fn id(&self) -> &str {
        self.inner.id()
    }

    /// Issues a batch. Each certificate is a mapping with `id`, `kind`,
    /// `valid_from`, optional `valid_until` (times as Unix seconds, `date` or
    /// `datetime`; a `date` as `valid_until` means its last second, as in
    /// the core's CSV/JSONL input) and `fields` (values: `str`, `int`, `bool`, `None`,
    /// `bytes`, `Decimal`, `date`, lists, mappings). Raises `IssueError`
    /// listing every problem.
    #[pyo3(signature = (certificates, batch, issued_at = None, decoys = 0))]
    fn issue(
        &self,
        py: Python<'_>,
        certificates: &Bound<'_, PyAny>,
        batch: &str,
        issued_at: Option<&Bound<'_, PyAny>>,
        decoys: usize,
    ) -> PyResult<PyIssuedBatch> {
        let mut certs = Vec::new();
        for (i, item) in certificates.try_iter()?.enumerate() {
            certs.push(certificate_from_py(i, &item?)?);
        }
        let opts = IssueOptions {
            issued_at: time_arg(issued_at)?,
            decoys,
        };
        let issued = py.detach(|| self.inner.issue(batch, &certs, &opts)).py()?;
        Ok(PyIssuedBatch { inner: issued })
    }

    /// Publishes a new status list for `batch`: `purpose` is `"revocation"`
    /// or `"suspension"`, `changes` maps leaf indices to set (`True`) or
    /// clear (`False`), or is an iterable of indices to set. Returns the
    /// signed list (COSE_Sign1 bytes); later bundles of the batch carry it.
    #[pyo3(signature = (batch, purpose, changes, now = None, ttl = 86_400))]
    fn update_status<'py>(
        &self,
        py: Python<'py>,
        mut batch: PyRefMut<'_, PyIssuedBatch>,
        purpose: &str,
        changes: &Bound<'py, PyAny>,
        now: Option<&Bound<'py, PyAny>>,
        ttl: u64,
    ) -> PyResult<Bound<'py, PyBytes>> {
        let purpose = StatusPurpose::parse(purpose)
            .ok_or_else(|| PyValueError::new_err("purpose must be 'revocation' or 'suspension'"))?;
        let mut list: Vec<(u64, bool)> = Vec::new();
        if let Ok(d) = changes.cast::<PyDict>() {
            for (k, v) in d.iter() {
                list.push((k.extract()?, v.extract()?));
            }
        } else {
            for item in changes.try_iter()? {
                list.push((item?.extract()?, true));
            }
        }
        let now = time_arg(now)?;
        let signed = self
            .inner
            .update_status(&mut batch.inner, purpose, &list, now, ttl)
            .py()?;
        Ok(PyBytes::new(py, signed.as_bytes()))
    }

    fn __repr__(&self) -> String {
        format!(
            "Issuer(id={}, key_id={})",
            repr_str(self.inner.id()),
            repr_str(&self.inner.key().public_key().key_id().to_hex())
        )
    }
}

/// An issued batch: the signed anchor, the private records (salts: keep
/// secret) and the batch's status lists. Hands out bundles.
#[pyclass(module = "certanchor", name = "IssuedBatch")]
pub struct PyIssuedBatch {
    pub(crate) inner: certanchor::IssuedBatch,
}

#[pymethods]
impl PyIssuedBatch {
    /// Reads a batch saved with `to_bytes`; raises `DecodeError`.
    #[staticmethod]
    fn from_bytes(data: &[u8]) -> PyResult<Self> {
        Ok(Self {
            inner: certanchor::IssuedBatch::from_slice(data).py()?,
        })
    }

    /// The private record (salts included: keep it secret).
    fn to_bytes<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.inner.to_vec())
    }

    /// The batch name.
    #[getter]
    fn batch(&self) -> String {
        self.inner.anchor().body().batch.clone()
    }

    /// The issuer id.
    #[getter]
    fn issuer(&self) -> String {
        self.inner.anchor().body().issuer.clone()
    }

    /// The signed anchor (COSE_Sign bytes).
    #[getter]
    fn anchor<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, self.inner.anchor().as_bytes())
    }

    /// The anchor id: hex SHA-256 of the anchor payload.
    #[getter]
    fn anchor_id(&self) -> String {
        self.inner.anchor().id().to_string()
    }

    /// The batch's current status lists (COSE_Sign1 bytes).
    #[getter]
    fn status_lists<'py>(&self, py: Python<'py>) -> Vec<Bound<'py, PyBytes>> {
        self.inner
            .status_lists()
            .iter()
            .map(|s| PyBytes::new(py, s.as_bytes()))
            .collect()
    }

    /// Ids of the certificates, in batch order.
    #[getter]
    fn ids(&self) -> Vec<Option<String>> {
        self.inner.records().iter().map(|r| r.id()).collect()
    }

    /// The fields of certificate `index` as issued (plain values).
    fn fields<'py>(&self, py: Python<'py>, index: usize) -> PyResult<Bound<'py, PyDict>> {
        let rec = self.inner.records().get(index).ok_or_else(|| {
            crate::error::to_py_err(certanchor::IssueError::NoSuchIndex {
                index,
                size: self.inner.len(),
            })
        })?;
        let d = PyDict::new(py);
        for f in rec.fields() {
            d.set_item(&f.name, value_to_py(py, &f.value)?)?;
        }
        Ok(d)
    }

    /// Leaf index of certificate `id`, or `None`.
    fn index_of(&self, id: &str) -> Option<usize> {
        self.inner.index_of(id)
    }

    /// Adds a department's endorsement (a co-signature on the anchor) made
    /// at `at` (`datetime`, `date`, Unix seconds, or `None` for the current
    /// time), which it signs; raises `IssueError`. Bundles made afterwards
    /// carry it.
    #[pyo3(signature = (key, at = None))]
    fn endorse(&mut self, key: &PySigningKey, at: Option<&Bound<'_, PyAny>>) -> PyResult<()> {
        let at = crate::convert::time_arg(at)?;
        self.inner.endorse(&key.inner, at).py()
    }

    /// The bundle of certificate `index`, disclosing `disclose` (all fields
    /// when `None`); raises `IssueError` for a bad index or field name.
    #[pyo3(signature = (index, disclose = None))]
    fn bundle(&self, index: usize, disclose: Option<Vec<String>>) -> PyResult<PyBundle> {
        let names: Option<Vec<&str>> = disclose
            .as_ref()
            .map(|v| v.iter().map(String::as_str).collect());
        Ok(PyBundle {
            inner: self.inner.bundle(index, names.as_deref()).py()?,
        })
    }

    /// Bundles of every certificate, disclosing `disclose` (all when `None`),
    /// built with the GIL released.
    #[pyo3(signature = (disclose = None))]
    fn bundles(&self, py: Python<'_>, disclose: Option<Vec<String>>) -> PyResult<Vec<PyBundle>> {
        let names: Option<Vec<&str>> = disclose
            .as_ref()
            .map(|v| v.iter().map(String::as_str).collect());
        let out = py
            .detach(|| {
                (0..self.inner.len())
                    .map(|i| self.inner.bundle(i, names.as_deref()))
                    .collect::<Result<Vec<_>, _>>()
            })
            .py()?;
        Ok(out.into_iter().map(|inner| PyBundle { inner }).collect())
    }

    fn __len__(&self) -> usize {
        self.inner.len()
    }

    fn __repr__(&self) -> String {
        let a = self.inner.anchor();
        format!(
            "IssuedBatch(issuer={}, batch={}, size={}, signatures={}, anchor_id={})",
            repr_str(&a.body().issuer),
            repr_str(&a.body().batch),
            self.inner.len(),
            a.signer_key_ids().len(),
            repr_str(&a.id().to_string())
        )
    }
}
