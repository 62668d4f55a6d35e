//! Demo data from `certanchor::sample`: realistic certificates, the demo
//! authorities' keys and trust store. Demo keys are public: never use them
//! for real.

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::convert::value_to_py;
use crate::error::IntoPyResult;
use crate::issue::PySigningKey;

fn certificate_dict<'py>(
    py: Python<'py>,
    c: &certanchor::Certificate,
) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("id", &c.id)?;
    d.set_item("kind", &c.kind)?;
    d.set_item("valid_from", c.valid_from)?;
    d.set_item("valid_until", c.valid_until)?;
    let fields = PyDict::new(py);
    for (k, v) in &c.fields {
        fields.set_item(k, value_to_py(py, v)?)?;
    }
    d.set_item("fields", fields)?;
    Ok(d)
}

/// Demo business license number `i`, as `Issuer.issue` takes it.
#[pyfunction]
pub(crate) fn sample_business_license(py: Python<'_>, i: u64) -> PyResult<Bound<'_, PyDict>> {
    certificate_dict(py, &certanchor::sample::business_license(i))
}

/// Demo real-estate title number `i`, as `Issuer.issue` takes it.
#[pyfunction]
pub(crate) fn sample_real_estate_title(py: Python<'_>, i: u64) -> PyResult<Bound<'_, PyDict>> {
    certificate_dict(py, &certanchor::sample::real_estate_title(i))
}

/// The demo authorities: `id`, `name` and the `kinds` each issues.
#[pyfunction]
pub(crate) fn sample_authorities(py: Python<'_>) -> PyResult<Vec<Bound<'_, PyDict>>> {
    certanchor::sample::demo_authorities()
        .iter()
        .map(|a| {
            let d = PyDict::new(py);
            d.set_item("id", a.id)?;
            d.set_item("name", a.name)?;
            d.set_item("kinds", a.kinds.to_vec())?;
            Ok(d)
        })
        .collect()
}

/// The demo signing key of authority `issuer_id` (public knowledge: demo only).
#[pyfunction]
pub(crate) fn sample_key(issuer_id: &str) -> PyResult<PySigningKey> {
    certanchor::sample::demo_authorities()
        .into_iter()
        .find(|a| a.id == issuer_id)
        .map(|a| PySigningKey { inner: a.key })
        .ok_or_else(|| PyValueError::new_err(format!("no demo authority {issuer_id:?}")))
}

/// The demo trust store JSON (every demo authority, endorsement policies).
#[pyfunction]
pub(crate) fn sample_trust_json() -> PyResult<String> {
    let store = certanchor::TrustStore::from_doc(certanchor::sample::demo_trust_doc(None)).py()?;
    Ok(store.to_json())
}
