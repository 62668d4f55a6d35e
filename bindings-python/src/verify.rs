//! `certanchor.Verifier`, `Report` and `Check` (mirrors `certanchor::verify`).
//!
//! The GIL is released while the core verifies; `verify_many` runs the
//! core's parallel path.

use std::sync::Arc;

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};

use crate::convert::{
    bundle_input, datetime_utc, json_text, json_to_py, outcome, repr_list, repr_str, time_arg,
    typed_value_to_py, verdict,
};
use crate::error::IntoPyResult;
use crate::trust::PyTrustStore;

/// Verifies bundles against a trust store (SPEC §8). Thread-safe;
/// picklable: the trust store and every status list the verifier accepted
/// (added with `add_status_list` or learned from verified bundles) travel,
/// and the copy takes the lists in again as of the time it is unpickled
/// (raising `VerifyError` if one is no longer usable); the signature cache
/// does not travel.
#[pyclass(frozen, module = "certanchor", name = "Verifier")]
pub struct PyVerifier {
    inner: Arc<certanchor::Verifier>,
}

/// Bundles verified per GIL release when a progress bar is shown.
const PROGRESS_CHUNK: usize = 2048;

#[pymethods]
impl PyVerifier {
    /// A verifier trusting `trust`, with the built-in kinds' schemas.
    #[new]
    fn new(trust: &PyTrustStore) -> Self {
        Self {
            inner: Arc::new(certanchor::Verifier::new(trust.inner.clone())),
        }
    }

    /// The trust store.
    #[getter]
    fn trust_store(&self) -> PyTrustStore {
        PyTrustStore {
            inner: self.inner.trust_store().clone(),
        }
    }

    /// Verifies one bundle (bytes, `CA1:` text or `Bundle`) at `now`
    /// (`datetime`, `date`, Unix seconds, or `None` for the current time).
    /// A bad bundle is a report with verdict `invalid`, never an exception.
    #[pyo3(signature = (bundle, now = None))]
    fn verify(
        &self,
        py: Python<'_>,
        bundle: &Bound<'_, PyAny>,
        now: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<PyReport> {
        let bytes = bundle_input(bundle)?;
        let now = time_arg(now)?;
        let v = Arc::clone(&self.inner);
        let report = py.detach(|| v.verify(&bytes, now));
        Ok(PyReport {
            inner: report,
            verifier: Arc::clone(&self.inner),
        })
    }

    /// Verifies many bundles (any iterable of bytes / `CA1:` text / `Bundle`,
    /// e.g. a list or a pandas Series) in parallel with the GIL released.
    /// `progress=True` shows a tqdm bar when tqdm is installed.
    #[pyo3(signature = (bundles, now = None, progress = false))]
    fn verify_many(
        &self,
        py: Python<'_>,
        bundles: &Bound<'_, PyAny>,
        now: Option<&Bound<'_, PyAny>>,
        progress: bool,
    ) -> PyResult<Vec<PyReport>> {
        let now = time_arg(now)?;
        let mut items: Vec<Vec<u8>> = Vec::new();
        for item in bundles.try_iter()? {
            items.push(bundle_input(&item?)?);
        }
        let bar = if progress {
            match py.import("tqdm.auto") {
                Ok(m) => {
                    let kwargs = PyDict::new(py);
                    kwargs.set_item("total", items.len())?;
                    kwargs.set_item("unit", "bundle")?;
                    kwargs.set_item("desc", "verifying")?;
                    Some(m.getattr("tqdm")?.call((), Some(&kwargs))?)
                }
                Err(_) => None,
            }
        } else {
            None
        };
        let v = Arc::clone(&self.inner);
        let reports = match &bar {
            None => py.detach(|| v.verify_many(&items, now)),
            Some(bar) => {
                // Every chunk's verdicts rest on the lists all inputs carry,
                // as one call's do, not only on its own chunk's.
                py.detach(|| v.learn_status(&items, now));
                let mut out = Vec::with_capacity(items.len());
                for chunk in items.chunks(PROGRESS_CHUNK) {
                    out.extend(py.detach(|| v.verify_many(chunk, now)));
                    bar.call_method1("update", (chunk.len(),))?;
                }
                bar.call_method0("close")?;
                out
            }
        };
        Ok(reports
            .into_iter()
            .map(|inner| PyReport {
                inner,
                verifier: Arc::clone(&self.inner),
            })
            .collect())
    }

    /// Hands the verifier a status list obtained out of band, as of `now`
    /// (default: the current time); kept if a trusted key valid then signed
    /// it, and it counts for every later verification. Raises `DecodeError`
    /// / `VerifyError`.
    #[pyo3(signature = (data, now = None))]
    fn add_status_list(&self, data: &[u8], now: Option<&Bound<'_, PyAny>>) -> PyResult<()> {
        let now = time_arg(now)?;
        self.inner.add_status_list(data, now).py()
    }

    /// The status lists this verifier has accepted (added with
    /// `add_status_list` or learned from verified bundles), encoded and
    /// sorted: enough to rebuild what it knows with `add_status_list` in
    /// another verifier with the same trust store. Pickling carries them.
    fn status_lists<'py>(&self, py: Python<'py>) -> Vec<Bound<'py, PyBytes>> {
        self.inner
            .status_lists()
            .iter()
            .map(|l| PyBytes::new(py, l))
            .collect()
    }

    /// Bytes held by the verifier's caches and status memory (bounded by the
    /// core; the verified Merkle nodes, bounded separately, are not counted).
    fn memory_bytes(&self) -> usize {
        self.inner.memory_bytes()
    }

    /// Pickles as the trust store and `{"status_lists": status_lists()}`.
    fn __reduce__<'py>(
        slf: &Bound<'py, Self>,
        py: Python<'py>,
    ) -> PyResult<(Bound<'py, PyAny>, (PyTrustStore,), Bound<'py, PyDict>)> {
        let state = PyDict::new(py);
        state.set_item("status_lists", slf.get().status_lists(py))?;
        Ok((slf.get_type().into_any(), (slf.get().trust_store(),), state))
    }

    /// Unpickling: takes in the pickled status lists as of the current
    /// time; raises `VerifyError` (or `DecodeError`) if one is refused, so
    /// that a copy never silently forgets a revocation.
    fn __setstate__(&self, py: Python<'_>, state: &Bound<'_, PyDict>) -> PyResult<()> {
        let Some(lists) = state.get_item("status_lists")? else {
            return Ok(());
        };
        let lists: Vec<Vec<u8>> = lists.extract()?;
        let now = time_arg(None)?;
        let v = Arc::clone(&self.inner);
        py.detach(|| lists.iter().try_for_each(|l| v.add_status_list(l, now)))
            .py()
    }

    fn __repr__(&self) -> String {
        let ids: Vec<&str> = self
            .inner
            .trust_store()
            .issuers()
            .iter()
            .map(|i| i.id.as_str())
            .collect();
        format!("Verifier(trusted={})", repr_list(&ids))
    }
}

/// One check of a report: which check, its outcome, a stable code and a
/// reason a clerk can read.
#[pyclass(frozen, module = "certanchor", name = "Check")]
pub struct PyCheck {
    check: &'static str,
    outcome: &'static str,
    code: &'static str,
    reason: String,
}

impl PyCheck {
    fn from_core(c: &certanchor::Check) -> Self {
        Self {
            check: c.check.as_str(),
            outcome: c.outcome.as_str(),
            code: c.code.as_str(),
            reason: c.reason.clone(),
        }
    }
}

#[pymethods]
impl PyCheck {
    /// Which check: `format`, `integrity`, `inclusion`, `issuer_signature`,
    /// `authorization`, `endorsements`, `status`, `validity`, `schema`, `ledger`.
    #[getter]
    fn check(&self) -> &'static str {
        self.check
    }

    /// The outcome, a `certanchor.Outcome`.
    #[getter]
    fn outcome<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        outcome(py, self.outcome)
    }

    /// Stable machine code of the result (`ok`, `bad_signature`, `revoked`, …).
    #[getter]
    fn code(&self) -> &'static str {
        self.code
    }

    /// Plain-language reason.
    #[getter]
    fn reason(&self) -> &str {
        &self.reason
    }

    /// True when the check passed.
    #[getter]
    fn passed(&self) -> bool {
        self.outcome == "passed"
    }

    fn __repr__(&self) -> String {
        format!(
            "Check(check={}, outcome={}, code={}, reason={})",
            repr_str(self.check),
            repr_str(self.outcome),
            repr_str(self.code),
            repr_str(&self.reason)
        )
    }
}

/// The result of verifying one bundle.
#[pyclass(frozen, module = "certanchor", name = "Report")]
pub struct PyReport {
    inner: certanchor::Report,
    verifier: Arc<certanchor::Verifier>,
}

#[pymethods]
impl PyReport {
    /// `Verdict.VALID`, `Verdict.INVALID` or `Verdict.INDETERMINATE`.
    #[getter]
    fn verdict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        verdict(py, self.inner.verdict.as_str())
    }

    /// True when the verdict is valid.
    #[getter]
    fn is_valid(&self) -> bool {
        self.inner.verdict == certanchor::Verdict::Valid
    }

    /// The ten checks, in order.
    #[getter]
    fn checks(&self) -> Vec<PyCheck> {
        self.inner.checks.iter().map(PyCheck::from_core).collect()
    }

    /// The check named `name` (e.g. `"status"`), or `None`.
    fn check(&self, name: &str) -> Option<PyCheck> {
        self.inner
            .checks
            .iter()
            .find(|c| c.check.as_str() == name)
            .map(PyCheck::from_core)
    }

    /// The checks that failed.
    fn failures(&self) -> Vec<PyCheck> {
        self.inner.failures().map(PyCheck::from_core).collect()
    }

    /// Disclosed fields whose digests matched the header, typed by the kind's
    /// schema: decimals as `decimal.Decimal`, dates as `datetime.date`.
    #[getter]
    fn disclosed<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let schema = self
            .inner
            .certificate
            .as_ref()
            .and_then(|c| self.verifier.registry().get(&c.kind));
        let d = PyDict::new(py);
        for (name, value) in &self.inner.disclosed {
            let ty = schema.and_then(|s| s.field(name)).map(|f| &f.ty);
            d.set_item(name, typed_value_to_py(py, value, ty)?)?;
        }
        Ok(d)
    }

    /// Header facts (`id`, `kind`, `issuer`, `issued_at`, `valid_from`,
    /// `valid_until`; times in Unix seconds), or `None` if it did not decode.
    #[getter]
    fn certificate<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyDict>>> {
        let Some(c) = &self.inner.certificate else {
            return Ok(None);
        };
        let d = PyDict::new(py);
        d.set_item("id", &c.id)?;
        d.set_item("kind", &c.kind)?;
        d.set_item("issuer", &c.issuer)?;
        d.set_item("issued_at", c.issued_at)?;
        d.set_item("valid_from", c.valid_from)?;
        d.set_item("valid_until", c.valid_until)?;
        Ok(Some(d))
    }

    /// The issuing authority's id, when known.
    #[getter]
    fn issuer(&self) -> Option<String> {
        self.inner.issuer.as_ref().map(|p| p.id.clone())
    }

    /// Ids of the departments whose endorsements verified.
    #[getter]
    fn endorsers(&self) -> Vec<String> {
        self.inner.endorsers.iter().map(|p| p.id.clone()).collect()
    }

    /// The anchor id (hex SHA-256 of the anchor payload), when known.
    #[getter]
    fn anchor_id(&self) -> Option<String> {
        self.inner.anchor.as_ref().map(|a| a.id.to_string())
    }

    /// The batch name, when known.
    #[getter]
    fn batch(&self) -> Option<String> {
        self.inner.anchor.as_ref().map(|a| a.batch.clone())
    }

    /// Whether the claims are genuine (decoded, fields match the header, in
    /// the signed batch, signed by a trusted key of an issuer authorized for
    /// the kind); a revoked or expired certificate can have genuine claims.
    #[getter]
    fn authentic(&self) -> bool {
        self.inner.authentic()
    }

    /// The time the bundle was verified at, an aware UTC `datetime`.
    #[getter]
    fn verified_at<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        datetime_utc(py, self.inner.verified_at)
    }

    /// The JSON view (stable keys, as the CLI prints) as Python objects.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        json_to_py(py, &self.inner.to_json())
    }

    /// The JSON view as text; `indent` pretty-prints (keys then sorted).
    #[pyo3(signature = (indent = None))]
    fn to_json(&self, indent: Option<usize>) -> String {
        match indent {
            None => self.inner.to_json_text(),
            Some(_) => json_text(&self.inner.to_json(), indent),
        }
    }

    fn __str__(&self) -> String {
        self.inner.to_string()
    }

    fn __repr__(&self) -> String {
        let failed: Vec<String> = self
            .inner
            .failures()
            .map(|c| format!("{}:{}", c.check.as_str(), c.code))
            .collect();
        let id = self
            .inner
            .certificate
            .as_ref()
            .map_or("?", |c| c.id.as_str());
        format!(
            "Report(verdict={}, id={}, failures={})",
            repr_str(self.inner.verdict.as_str()),
            repr_str(id),
            repr_list(&failed)
        )
    }
}
