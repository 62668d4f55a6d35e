//! `certanchor.TrustStore` (mirrors `certanchor::trust`).

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyString};

use crate::convert::repr_list;
use crate::error::IntoPyResult;

/// The verifier's trust store: trusted issuers, their keys and kinds,
/// endorsement policies and trusted ledgers (SPEC §7). Picklable.
#[pyclass(frozen, module = "certanchor", name = "TrustStore")]
pub struct PyTrustStore {
    /// The compiled core trust store.
    pub(crate) inner: certanchor::TrustStore,
}

#[pymethods]
impl PyTrustStore {
    /// Parses and checks a trust store: JSON text (`str` or `bytes`) or a
    /// path (`os.PathLike`) to a JSON file. Raises `TrustStoreError`.
    #[staticmethod]
    fn from_json(source: &Bound<'_, PyAny>) -> PyResult<Self> {
        let text = if let Ok(s) = source.cast::<PyString>() {
            s.to_cow()?.into_owned()
        } else if let Ok(b) = source.cast::<PyBytes>() {
            String::from_utf8(b.as_bytes().to_vec()).map_err(|e| {
                crate::error::TrustStoreError::new_err(format!("trust store is not UTF-8: {e}"))
            })?
        } else if source.hasattr("__fspath__")? {
            let path: std::path::PathBuf = source.extract()?;
            std::fs::read_to_string(&path)?
        } else {
            return Err(PyTypeError::new_err(
                "from_json takes JSON text (str or bytes) or an os.PathLike",
            ));
        };
        let parsed = certanchor::TrustStore::from_json(&text).py();
        // a short one-line str that is not JSON: most likely a file name
        let looks_like_a_name = text.len() <= 1024
            && !text.contains('\n')
            && !text.trim_start().starts_with(['{', '[', '\u{feff}']);
        if let (Err(e), Ok(s)) = (&parsed, source.cast::<PyString>())
            && looks_like_a_name
        {
            // `from_json("trust.json")`: a file name given as `str`
            let py = source.py();
            let hint = format!(
                "{}; a str is JSON text: to read a file, pass pathlib.Path({})",
                e.value(py),
                crate::convert::repr_str(&s.to_cow()?)
            );
            let err = crate::error::TrustStoreError::new_err(hint);
            err.value(py)
                .setattr("code", e.value(py).getattr("code")?)?;
            return Err(err);
        }
        Ok(Self { inner: parsed? })
    }

    /// The trust store as canonical JSON text (what pickling stores).
    fn to_json(&self) -> String {
        self.inner.to_json()
    }

    /// Ids of the trusted issuers and departments.
    #[getter]
    fn issuer_ids(&self) -> Vec<String> {
        self.inner.issuers().iter().map(|i| i.id.clone()).collect()
    }

    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<(Bound<'py, PyAny>, (String,))> {
        Ok((slf.get_type().getattr("from_json")?, (slf.get().to_json(),)))
    }

    fn __repr__(&self) -> String {
        let doc = self.inner.doc();
        format!(
            "TrustStore(issuers={}, policies={}, ledgers={})",
            repr_list(&self.issuer_ids()),
            doc.policies.len(),
            doc.ledgers.len()
        )
    }
}
