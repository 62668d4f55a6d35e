//! `certanchor.Bundle`: a holder's proof bundle (mirrors `certanchor::bundle`).

use certanchor::Document;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};

use crate::convert::{bundle_input, json_text, json_to_py, repr_list, repr_str};
use crate::error::IntoPyResult;

/// A proof bundle: binary (deterministic CBOR) or `CA1:` text for QR codes.
#[pyclass(frozen, eq, module = "certanchor", name = "Bundle")]
#[derive(PartialEq)]
pub struct PyBundle {
    /// The core bundle.
    pub(crate) inner: certanchor::Bundle,
}

#[pymethods]
impl PyBundle {
    /// Decodes the binary form strictly; raises `DecodeError`.
    #[staticmethod]
    fn from_bytes(data: &[u8]) -> PyResult<Self> {
        Ok(Self {
            inner: certanchor::Bundle::from_slice(data).py()?,
        })
    }

    /// Decodes the `CA1:` text form strictly; raises `DecodeError`.
    #[staticmethod]
    fn from_text(text: &str) -> PyResult<Self> {
        Ok(Self {
            inner: certanchor::Bundle::from_text(text).py()?,
        })
    }

    /// Decodes either form (bytes or `CA1:` text); raises `DecodeError`.
    #[staticmethod]
    fn decode(data: &Bound<'_, PyAny>) -> PyResult<Self> {
        let bytes = bundle_input(data)?;
        Ok(Self {
            inner: certanchor::Bundle::decode_any(&bytes).py()?,
        })
    }

    /// The binary form.
    fn to_bytes<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.inner.to_vec())
    }

    /// The binary form (`bytes(bundle)`).
    fn __bytes__<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        self.to_bytes(py)
    }

    /// The `CA1:` text form (base45 of the zlib-compressed binary form).
    fn to_text(&self) -> String {
        self.inner.to_text()
    }

    /// A smaller bundle disclosing only `names`; raises `IssueError` for a
    /// name this bundle does not disclose.
    fn with_fewer_fields(&self, names: Vec<String>) -> PyResult<Self> {
        Ok(Self {
            inner: self.inner.with_fewer_fields(&names).py()?,
        })
    }

    /// The certificate header: `id`, `kind`, `issuer`, `issued_at`,
    /// `valid_from`, `valid_until` (Unix seconds) and `digest_count`.
    /// Raises `DecodeError` if the header does not decode.
    #[getter]
    fn header<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let h = self.inner.decoded_header().py()?;
        let d = PyDict::new(py);
        d.set_item("id", h.id)?;
        d.set_item("kind", h.kind)?;
        d.set_item("issuer", h.issuer)?;
        d.set_item("issued_at", h.issued_at)?;
        d.set_item("valid_from", h.valid_from)?;
        d.set_item("valid_until", h.valid_until)?;
        d.set_item("digest_count", h.digests.len())?;
        Ok(d)
    }

    /// Names of the disclosed fields, in bundle order (not yet verified).
    #[getter]
    fn disclosed_names(&self) -> Vec<String> {
        self.inner
            .disclosed
            .iter()
            .map(|d| d.name.clone())
            .collect()
    }

    /// The JSON view (hex/base64 for bytes) as Python objects; not a signed form.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        json_to_py(py, &self.inner.to_json())
    }

    /// The JSON view as text; `indent` pretty-prints.
    #[pyo3(signature = (indent = None))]
    fn to_json(&self, indent: Option<usize>) -> String {
        json_text(&self.inner.to_json(), indent)
    }

    fn __reduce__<'py>(
        slf: &Bound<'py, Self>,
        py: Python<'py>,
    ) -> PyResult<(Bound<'py, PyAny>, (Bound<'py, PyBytes>,))> {
        let ctor = slf.get_type().getattr("from_bytes")?;
        Ok((ctor, (slf.get().to_bytes(py),)))
    }

    fn __repr__(&self) -> String {
        let names = self.disclosed_names();
        match self.inner.decoded_header() {
            Ok(h) => format!(
                "Bundle(id={}, kind={}, issuer={}, disclosed={}, bytes={})",
                repr_str(&h.id),
                repr_str(&h.kind),
                repr_str(&h.issuer),
                repr_list(&names),
                self.inner.to_vec().len()
            ),
            Err(_) => format!(
                "Bundle(<undecodable header>, disclosed={})",
                repr_list(&names)
            ),
        }
    }
}
