//! `certanchor.Verifier`, `Report` and `Check` (mirrors `certanchor::verify`).
//!
//! The GIL is released while the core verifies; `verify_many` runs the
//! core's parallel path.

use std::sync::{Arc, OnceLock};

use certanchor::{Check, CheckCode, Outcome, Report, ResultCode, Verdict};
use pyo3::exceptions::{PyRuntimeError, PyTypeError, PyUserWarning, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyBytes, PyDict, PyMemoryView, PyString};

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
        Ok(PyReport { inner: report })
    }

    /// Verifies many bundles (any iterable of bytes / `CA1:` text / `Bundle`,
    /// e.g. a list or a pandas Series, but not one `str` or `bytes`) in
    /// parallel with the GIL released; one report per input, in order.
    ///
    /// `progress=True` shows a tqdm bar, or warns once that tqdm is missing.
    /// `errors`: an input of another type (`None`, NaN, an int) raises
    /// `TypeError` naming its row with `"raise"` (the default); with
    /// `"report"` its report is invalid, its `format` check failed with
    /// code `unexpected_type` and a reason naming the row and the type.
    /// `threads`: the number of threads for this call (default: rayon's
    /// global pool, sized by `RAYON_NUM_THREADS` or the number of cores).
    #[pyo3(signature = (bundles, now = None, progress = false, errors = "raise", threads = None))]
    fn verify_many(
        &self,
        py: Python<'_>,
        bundles: &Bound<'_, PyAny>,
        now: Option<&Bound<'_, PyAny>>,
        progress: bool,
        errors: &str,
        threads: Option<usize>,
    ) -> PyResult<Vec<PyReport>> {
        let report_errors = match errors {
            "raise" => false,
            "report" => true,
            other => {
                return Err(PyValueError::new_err(format!(
                    "errors must be 'raise' or 'report', not {}",
                    repr_str(other)
                )));
            }
        };
        if bundles.is_instance_of::<PyString>()
            || bundles.is_instance_of::<PyBytes>()
            || bundles.is_instance_of::<PyByteArray>()
            || bundles.is_instance_of::<PyMemoryView>()
        {
            return Err(PyTypeError::new_err(format!(
                "verify_many takes an iterable of bundles, not one {}: wrap it in a list \
                 (verify_many([bundle])) or call verify(bundle)",
                bundles.get_type().name()?
            )));
        }
        let pool = match threads {
            None => None,
            Some(0) => return Err(PyValueError::new_err("threads must be at least 1")),
            Some(n) => Some(
                rayon::ThreadPoolBuilder::new()
                    .num_threads(n)
                    .build()
                    .map_err(|e| PyRuntimeError::new_err(format!("thread pool: {e}")))?,
            ),
        };
        let now = time_arg(now)?;
        let mut items: Vec<Vec<u8>> = Vec::new();
        // Rows that are not bundles, with the reason (`errors="report"`).
        let mut bad: Vec<(usize, String)> = Vec::new();
        for (row, item) in bundles.try_iter()?.enumerate() {
            let item = item?;
            match bundle_input(&item) {
                Ok(bytes) => items.push(bytes),
                Err(e) if e.is_instance_of::<PyTypeError>(py) => {
                    let reason = format!("row {row}: {}", e.value(py));
                    if !report_errors {
                        let err = PyTypeError::new_err(format!("verify_many: {reason}"));
                        err.set_cause(py, Some(e));
                        return Err(err);
                    }
                    bad.push((row, reason));
                }
                Err(e) if report_errors && e.is_instance_of::<PyValueError>(py) => {
                    bad.push((row, format!("row {row}: {}", e.value(py))));
                }
                Err(e) => return Err(e),
            }
        }
        let bar = if progress {
            progress_bar(py, items.len())?
        } else {
            None
        };
        let v = Arc::clone(&self.inner);
        let pool = pool.as_ref();
        let reports = match &bar {
            None => py.detach(|| in_pool(pool, || v.verify_many(&items, now))),
            Some(bar) => {
                // Every chunk's verdicts rest on the lists all inputs carry,
                // as one call's do, not only on its own chunk's.
                py.detach(|| in_pool(pool, || v.learn_status(&items, now)));
                let mut out = Vec::with_capacity(items.len());
                for chunk in items.chunks(PROGRESS_CHUNK) {
                    out.extend(py.detach(|| in_pool(pool, || v.verify_many(chunk, now))));
                    bar.call_method1("update", (chunk.len(),))?;
                }
                bar.call_method0("close")?;
                out
            }
        };
        if bad.is_empty() {
            return Ok(reports.into_iter().map(PyReport::new).collect());
        }
        let mut good = reports.into_iter();
        let mut bad = bad.into_iter().peekable();
        let mut out = Vec::with_capacity(items.len() + bad.len());
        for row in 0.. {
            let report = match bad.next_if(|(r, _)| *r == row) {
                Some((_, reason)) => {
                    Report::format_failure(reason, ResultCode::UnexpectedType, now)
                }
                None => match good.next() {
                    Some(r) => r,
                    None => break,
                },
            };
            out.push(PyReport::new(report));
        }
        Ok(out)
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

/// A tqdm bar of `total` bundles, or `None` with one warning when tqdm is
/// not installed.
fn progress_bar(py: Python<'_>, total: usize) -> PyResult<Option<Bound<'_, PyAny>>> {
    match py.import("tqdm.auto") {
        Ok(m) => {
            let kwargs = PyDict::new(py);
            kwargs.set_item("total", total)?;
            kwargs.set_item("unit", "bundle")?;
            kwargs.set_item("desc", "verifying")?;
            Ok(Some(m.getattr("tqdm")?.call((), Some(&kwargs))?))
        }
        Err(_) => {
            PyErr::warn(
                py,
                &py.get_type::<PyUserWarning>(),
                c"progress=True needs tqdm, which is not installed: \
                  pip install certanchor[progress] (verifying without a progress bar)",
                1,
            )?;
            Ok(None)
        }
    }
}

/// Runs `f` in `pool` when there is one, else on rayon's global pool.
fn in_pool<T: Send>(pool: Option<&rayon::ThreadPool>, f: impl FnOnce() -> T + Send) -> T {
    match pool {
        Some(p) => p.install(f),
        None => f(),
    }
}

/// The built-in kinds' schemas, which every Python `Verifier` uses: they
/// type a report's disclosed fields (also of an unpickled report).
fn registry() -> &'static certanchor::schema::SchemaRegistry {
    static REGISTRY: OnceLock<certanchor::schema::SchemaRegistry> = OnceLock::new();
    REGISTRY.get_or_init(certanchor::schema::SchemaRegistry::builtin)
}

/// A name the core gives back as its value, or `ValueError` (bad pickle state).
fn named<T>(what: &str, name: &str, parse: impl Fn(&str) -> Option<T>) -> PyResult<T> {
    parse(name).ok_or_else(|| PyValueError::new_err(format!("unknown {what} {}", repr_str(name))))
}

/// One check of a report: which check, its outcome, a stable code and a
/// reason a clerk can read. Picklable; equal when all four are.
#[pyclass(frozen, eq, module = "certanchor", name = "Check")]
#[derive(PartialEq)]
pub struct PyCheck {
    check: &'static str,
    outcome: &'static str,
    code: &'static str,
    reason: String,
}

impl PyCheck {
    fn from_core(c: &Check) -> Self {
        Self {
            check: c.check.as_str(),
            outcome: c.outcome.as_str(),
            code: c.code.as_str(),
            reason: c.reason.clone(),
        }
    }

    /// The pickled form: `(check, outcome, code, reason)`.
    fn state(&self) -> CheckState {
        (
            self.check.to_owned(),
            self.outcome.to_owned(),
            self.code.to_owned(),
            self.reason.clone(),
        )
    }
}

/// A check as plain values: `(check, outcome, code, reason)`.
type CheckState = (String, String, String, String);

/// The core check of its pickled form.
fn check_from_state((check, outcome, code, reason): CheckState) -> PyResult<Check> {
    Ok(Check {
        check: named("check", &check, CheckCode::from_name)?,
        outcome: named("outcome", &outcome, Outcome::from_name)?,
        code: named("result code", &code, ResultCode::from_name)?,
        reason,
    })
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

    /// Pickles as `(check, outcome, code, reason)`.
    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<(Bound<'py, PyAny>, (CheckState,))> {
        let ctor = slf.get_type().getattr("_from_state")?;
        Ok((ctor, (slf.get().state(),)))
    }

    /// Unpickling: the check of a `__reduce__` state.
    #[staticmethod]
    fn _from_state(state: CheckState) -> PyResult<Self> {
        Ok(Self::from_core(&check_from_state(state)?))
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

/// The result of verifying one bundle. Picklable (every field travels);
/// equal when the core reports are.
#[pyclass(frozen, eq, module = "certanchor", name = "Report")]
#[derive(PartialEq)]
pub struct PyReport {
    inner: Report,
}

impl PyReport {
    fn new(inner: Report) -> Self {
        Self { inner }
    }
}

/// A report as plain values, for pickling: verdict, verified_at, checks,
/// certificate, disclosed fields (name and deterministic CBOR of the
/// value), issuer, endorsers, anchor, status lists, ledger.
type ReportState = (
    String,
    u64,
    Vec<CheckState>,
    Option<(String, String, String, u64, u64, Option<u64>)>,
    Vec<(String, Vec<u8>)>,
    Option<(String, Option<String>)>,
    Vec<(String, Option<String>)>,
    Option<([u8; 32], String, [u8; 32], u64, u64)>,
    Vec<(String, u64, u64, u64, Option<bool>)>,
    Option<(String, u64, u64)>,
);

fn report_state(r: &Report) -> ReportState {
    let party = |p: &certanchor::verify::Party| (p.id.clone(), p.name.clone());
    (
        r.verdict.as_str().to_owned(),
        r.verified_at,
        r.checks
            .iter()
            .map(|c| PyCheck::from_core(c).state())
            .collect(),
        r.certificate.as_ref().map(|c| {
            (
                c.id.clone(),
                c.kind.clone(),
                c.issuer.clone(),
                c.issued_at,
                c.valid_from,
                c.valid_until,
            )
        }),
        r.disclosed
            .iter()
            .map(|(k, v)| (k.clone(), v.to_vec()))
            .collect(),
        r.issuer.as_ref().map(party),
        r.endorsers.iter().map(party).collect(),
        r.anchor
            .as_ref()
            .map(|a| (a.id.0, a.batch.clone(), a.root.0, a.tree_size, a.leaf_index)),
        r.status
            .iter()
            .map(|s| {
                (
                    s.purpose.as_str().to_owned(),
                    s.epoch,
                    s.issued_at,
                    s.fresh_until,
                    s.set,
                )
            })
            .collect(),
        r.ledger
            .as_ref()
            .map(|l| (l.origin.clone(), l.index, l.tree_size)),
    )
}

fn report_from_state(state: ReportState) -> PyResult<Report> {
    let (
        verdict,
        verified_at,
        checks,
        certificate,
        disclosed,
        issuer,
        endorsers,
        anchor,
        status,
        ledger,
    ) = state;
    let party = |(id, name): (String, Option<String>)| certanchor::verify::Party { id, name };
    Ok(Report {
        verdict: named("verdict", &verdict, Verdict::from_name)?,
        checks: checks
            .into_iter()
            .map(check_from_state)
            .collect::<PyResult<_>>()?,
        certificate: certificate.map(|(id, kind, issuer, issued_at, valid_from, valid_until)| {
            certanchor::verify::CertificateInfo {
                id,
                kind,
                issuer,
                issued_at,
                valid_from,
                valid_until,
            }
        }),
        disclosed: disclosed
            .into_iter()
            .map(|(k, v)| {
                certanchor::cbor::decode_value(&v, v.len())
                    .map(|v| (k, v))
                    .map_err(|e| PyValueError::new_err(format!("disclosed field: {e}")))
            })
            .collect::<PyResult<_>>()?,
        issuer: issuer.map(party),
        endorsers: endorsers.into_iter().map(party).collect(),
        anchor: anchor.map(|(id, batch, root, tree_size, leaf_index)| {
            certanchor::verify::AnchorInfo {
                id: certanchor::Hash(id),
                batch,
                root: certanchor::Hash(root),
                tree_size,
                leaf_index,
            }
        }),
        status: status
            .into_iter()
            .map(|(purpose, epoch, issued_at, fresh_until, set)| {
                Ok(certanchor::verify::StatusInfo {
                    purpose: named(
                        "status purpose",
                        &purpose,
                        certanchor::status::StatusPurpose::parse,
                    )?,
                    epoch,
                    issued_at,
                    fresh_until,
                    set,
                })
            })
            .collect::<PyResult<_>>()?,
        ledger: ledger.map(
            |(origin, index, tree_size)| certanchor::verify::LedgerInfo {
                origin,
                index,
                tree_size,
            },
        ),
        verified_at,
    })
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

    /// The checks that failed (the reasons of an invalid verdict).
    fn failures(&self) -> Vec<PyCheck> {
        self.inner.failures().map(PyCheck::from_core).collect()
    }

    /// The checks that failed or could not be decided, in order: the
    /// reasons of any verdict but valid (an indeterminate report has no
    /// failures, only indeterminate checks).
    fn problems(&self) -> Vec<PyCheck> {
        self.inner.problems().map(PyCheck::from_core).collect()
    }

    /// Disclosed fields whose digests matched the header, typed by the kind's
    /// schema: decimals as `decimal.Decimal`, dates as `datetime.date`.
    #[getter]
    fn disclosed<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let schema = self
            .inner
            .certificate
            .as_ref()
            .and_then(|c| registry().get(&c.kind));
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

    /// Pickles as plain values (every field of the core report).
    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<(Bound<'py, PyAny>, (ReportState,))> {
        let ctor = slf.get_type().getattr("_from_state")?;
        Ok((ctor, (report_state(&slf.get().inner),)))
    }

    /// Unpickling: the report of a `__reduce__` state.
    #[staticmethod]
    fn _from_state(state: ReportState) -> PyResult<Self> {
        Ok(Self::new(report_from_state(state)?))
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
