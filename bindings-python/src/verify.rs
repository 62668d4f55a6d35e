//! `certanchor.Verifier`, `Report` and `Check` (mirrors `certanchor::verify`).
//!
//! The GIL is released while the core verifies; `verify_many` runs the
//! core's parallel path.

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use certanchor::ledger::sync::{AnchorRecord, LedgerView};

use certanchor::{Check, CheckCode, Outcome, Report, ResultCode, Verdict};
use pyo3::exceptions::{PyRuntimeError, PyTypeError, PyUserWarning, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyString, PyTuple};

use crate::bulk;
use crate::convert::{
    bundle_input, datetime_utc, json_text, json_to_py, outcome, repr_list, repr_str, time_arg,
    typed_value_to_py, verdict,
};
use crate::error::IntoPyResult;
use crate::mirror::PyMirror;
use crate::trust::PyTrustStore;

/// Bytes of one pickled anchor record: id, index, ledger time (0: none).
const ANCHOR_RECORD: usize = 48;

/// Verifies bundles against a trust store (SPEC §8), and with `mirror=`
/// against a followed ledger (SPEC §9.8). Thread-safe; picklable: the
/// trust store and every status list the verifier accepted (added with
/// `add_status_list`, learned from verified bundles or from the ledger)
/// travel, and the copy takes the lists in again as of the time it is
/// unpickled (raising `VerifyError` if one is no longer usable); a
/// verifier made with `mirror=` also carries the ledger's view (its
/// checkpoint, verified again with the copy's trust store, every anchor
/// and every status list), so the copy needs neither the mirror's
/// directory nor its lock; the signature cache does not travel.
#[pyclass(frozen, module = "certanchor", name = "Verifier")]
pub struct PyVerifier {
    inner: Arc<certanchor::Verifier>,
}

// The signatures of `verify_columns` / `verify_to_arrow` spell the default
// chunk out (a literal shows in their text signature, which stubtest reads).
const _: () = assert!(bulk::DEFAULT_CHUNK == 16384);

/// Bundles verified per GIL release when a progress bar is shown.
const PROGRESS_CHUNK: usize = 2048;

#[pymethods]
impl PyVerifier {
    /// A verifier trusting `trust`, with the built-in kinds' schemas.
    ///
    /// With `mirror` (a `Mirror`, or the path of a mirror's directory,
    /// `str` or `os.PathLike`), it verifies against the ledger the mirror
    /// has verified (SPEC §9.8): every status list in the ledger is taken
    /// in as of `now` (default: the current time; lists the trust store
    /// does not vouch for are skipped), so the newest list of each batch
    /// counts whatever older list a bundle carries; an anchor the ledger
    /// holds passes the `ledger` check without a receipt; and a checkpoint
    /// that is not fresh per the trust store makes that check
    /// indeterminate (`ledger_not_fresh`). The mirror is read once, here:
    /// make a new verifier after a sync. `now` is only for `mirror`.
    /// Raises `LedgerError` (`not_a_mirror` for a directory never synced,
    /// `unknown_ledger`, the signed note's codes) or `VerifyError`
    /// (`untrusted_ledger`).
    #[new]
    #[pyo3(signature = (trust, mirror = None, now = None))]
    fn new(
        py: Python<'_>,
        trust: &PyTrustStore,
        mirror: Option<&Bound<'_, PyAny>>,
        now: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let mut v = certanchor::Verifier::new(trust.inner.clone());
        match mirror.filter(|m| !m.is_none()) {
            Some(m) => {
                let view = if let Ok(pm) = m.cast::<PyMirror>() {
                    pm.get().view(py, &trust.inner)?
                } else if m.is_instance_of::<PyString>() || m.hasattr("__fspath__")? {
                    let dir: PathBuf = m.extract()?;
                    crate::mirror::read_view(py, &dir, &trust.inner)?
                } else {
                    return Err(PyTypeError::new_err(format!(
                        "mirror must be a Mirror or the path of a mirror directory, not {}",
                        m.get_type().name()?
                    )));
                };
                let now = time_arg(now)?;
                py.detach(|| v.use_ledger(view, now)).py()?;
            }
            None if now.is_some_and(|n| !n.is_none()) => {
                return Err(PyValueError::new_err(
                    "now= is the time a mirror's status lists are taken in as of: give it with mirror=",
                ));
            }
            None => {}
        }
        Ok(Self { inner: Arc::new(v) })
    }

    /// The followed ledger when the verifier was made with `mirror=`, else
    /// `None`: `{"origin", "size", "time", "checkpoint", "anchors",
    /// "status_lists"}` (the checkpoint's size, its ledger time in Unix
    /// seconds or `None`, the signed note, the number of anchors and of
    /// status lists in the ledger).
    #[getter]
    fn ledger<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyDict>>> {
        let Some(view) = self.inner.ledger_view() else {
            return Ok(None);
        };
        let d = PyDict::new(py);
        d.set_item("origin", view.origin())?;
        d.set_item("size", view.checkpoint.tree_size)?;
        d.set_item("time", view.time)?;
        d.set_item("checkpoint", &view.note)?;
        d.set_item("anchors", view.anchor_count())?;
        d.set_item("status_lists", view.status_lists().len())?;
        Ok(Some(d))
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

    /// Verifies many bundles in parallel with the GIL released; one report
    /// per input, in order. `bundles`: any iterable of bytes / `CA1:` text
    /// / `Bundle` (a list, a pandas Series; not one `str` or `bytes`), or a
    /// path (`pathlib.Path`) to a directory of bundle files or a JSON Lines
    /// file (read twice, see `verify_columns`).
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
        let report_errors = errors_arg(errors)?;
        let pool = pool_arg(threads)?;
        let now = time_arg(now)?;
        bulk::refuse_single("verify_many", bundles)?;
        let inputs = match bulk::as_path(bundles)? {
            Some(_) => bulk::Inputs::from_py("verify_many", bundles, report_errors)?,
            None => {
                // Inputs are read into memory at once: the reports are kept anyway.
                let mut all = Vec::new();
                for (row, item) in bundles.try_iter()?.enumerate() {
                    all.push(bulk::sourced("verify_many", row, &item?, report_errors)?);
                }
                bulk::Inputs::Owned(all)
            }
        };
        let total = inputs.len(py);
        let bar = if progress {
            progress_bar(py, total)?.map(Bound::unbind)
        } else {
            None
        };
        // One chunk unless a bar is shown or a file is read.
        let chunk = match (&bar, &inputs) {
            (Some(_), _) => PROGRESS_CHUNK,
            (None, bulk::Inputs::Path(_)) => bulk::DEFAULT_CHUNK,
            (None, _) => usize::MAX,
        };
        let mut out = Vec::with_capacity(total.unwrap_or(0));
        bulk::run(
            py,
            &self.inner,
            "verify_many",
            &inputs,
            now,
            report_errors,
            chunk,
            pool.as_ref(),
            |r| r,
            |rows| {
                let n = rows.len();
                out.extend(rows.into_iter().map(|(_, r)| PyReport::new(r)));
                if let Some(bar) = &bar {
                    Python::attach(|py| bar.bind(py).call_method1("update", (n,)).map(drop))?;
                }
                Ok(())
            },
        )?;
        if let Some(bar) = &bar {
            bar.bind(py).call_method0("close")?;
        }
        Ok(out)
    }

    /// Verifies many bundles as `verify_many` does, keeping only `columns`
    /// of each report (default: `input`, `verdict`, `check`, `code`,
    /// `reason`) and the disclosed `fields` named, as `{name: list}` (one
    /// item per input, in order; `pandas.DataFrame(...)` takes it).
    ///
    /// Columns: `row` (position, from 0), `input` (`row N`, the file's
    /// path, or `FILE:LINE`), `verdict`, `check` / `code` / `reason` of the
    /// check that decided a verdict other than valid (the first failed
    /// check, else the first indeterminate one; `None` when valid),
    /// `certificate_id`, `kind`, `issuer`, `batch`, `anchor_id`, `issued_at`
    /// / `valid_from` / `valid_until` (aware UTC `datetime`), `endorsers`
    /// (list). A field is typed as in `Report.disclosed`, `None` where not
    /// disclosed.
    ///
    /// `bundles` as for `verify_many`; a path or a sequence is read twice
    /// (once for the status lists every input carries, once to verify), a
    /// chunk of `chunk_size` inputs at a time, so memory is bounded by a
    /// chunk and the columns; a one-shot iterator is read into memory first.
    /// In a directory or JSON Lines file, an input that is not a bundle
    /// gets an invalid row naming its place whatever `errors` says.
    #[pyo3(signature = (bundles, columns = None, fields = None, now = None, progress = false, errors = "raise", threads = None, chunk_size = 16384))]
    #[allow(clippy::too_many_arguments)]
    fn verify_columns<'py>(
        &self,
        py: Python<'py>,
        bundles: &Bound<'py, PyAny>,
        columns: Option<Vec<String>>,
        fields: Option<Vec<String>>,
        now: Option<&Bound<'py, PyAny>>,
        progress: bool,
        errors: &str,
        threads: Option<usize>,
        chunk_size: usize,
    ) -> PyResult<Bound<'py, PyDict>> {
        let spec = bulk::Spec::new(columns, fields)?;
        let out = PyDict::new(py);
        for name in spec.names() {
            out.set_item(name, pyo3::types::PyList::empty(py))?;
        }
        let outer = out.clone().unbind();
        self.columns_into(
            py,
            "verify_columns",
            bundles,
            &spec,
            now,
            progress,
            errors,
            threads,
            chunk_size,
            move |py, cols| {
                let out = outer.bind(py);
                for (k, v) in cols.iter() {
                    out.get_item(&k)?
                        .ok_or_else(|| PyRuntimeError::new_err("column missing"))?
                        .call_method1("extend", (v,))?;
                }
                Ok(())
            },
        )?;
        Ok(out)
    }

    /// `verify_columns` into a `pyarrow.Table`, one column per name (a
    /// chunked array per column, converted chunk by chunk, so no Python
    /// object outlives its chunk). Needs pyarrow
    /// (`pip install certanchor[arrow]`); `.to_pandas()` and
    /// `polars.from_arrow` take the table. A field whose values have
    /// different types in different chunks (two kinds sharing a name) is
    /// returned as text.
    #[pyo3(signature = (bundles, columns = None, fields = None, now = None, progress = false, errors = "raise", threads = None, chunk_size = 16384))]
    #[allow(clippy::too_many_arguments)]
    fn verify_to_arrow<'py>(
        &self,
        py: Python<'py>,
        bundles: &Bound<'py, PyAny>,
        columns: Option<Vec<String>>,
        fields: Option<Vec<String>>,
        now: Option<&Bound<'py, PyAny>>,
        progress: bool,
        errors: &str,
        threads: Option<usize>,
        chunk_size: usize,
    ) -> PyResult<Bound<'py, PyAny>> {
        let arrow = py.import("certanchor._arrow")?;
        arrow.call_method0("require")?;
        let spec = bulk::Spec::new(columns, fields)?;
        let chunks = pyo3::types::PyList::empty(py);
        let (to_arrays, held) = (arrow.getattr("arrays")?.unbind(), chunks.clone().unbind());
        self.columns_into(
            py,
            "verify_to_arrow",
            bundles,
            &spec,
            now,
            progress,
            errors,
            threads,
            chunk_size,
            move |py, cols| held.bind(py).append(to_arrays.bind(py).call1((cols,))?),
        )?;
        arrow.call_method1("table", (spec.names(), chunks))
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

    /// Pickles as the trust store and `{"status_lists": status_lists()}`;
    /// a verifier made with `mirror=` also carries the ledger's view
    /// (checkpoint, anchors, status lists), rebuilt by `_with_ledger`.
    fn __reduce__<'py>(
        slf: &Bound<'py, Self>,
        py: Python<'py>,
    ) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyTuple>, Bound<'py, PyDict>)> {
        let this = slf.get();
        let state = PyDict::new(py);
        state.set_item("status_lists", this.status_lists(py))?;
        let trust = this.trust_store().into_pyobject(py)?.into_any();
        let Some(view) = this.inner.ledger_view() else {
            let args = PyTuple::new(py, [trust])?;
            return Ok((slf.get_type().into_any(), args, state));
        };
        let mut anchors = Vec::with_capacity(view.anchor_count() * ANCHOR_RECORD);
        for (id, r) in view.anchors() {
            anchors.extend_from_slice(id.as_bytes());
            anchors.extend_from_slice(&r.index.to_be_bytes());
            anchors.extend_from_slice(&r.ledger_time.unwrap_or(0).to_be_bytes());
        }
        let lists: Vec<(u64, Bound<'py, PyBytes>)> = view
            .status_lists()
            .iter()
            .map(|(i, b)| (*i, PyBytes::new(py, b)))
            .collect();
        let args = (
            trust,
            view.origin(),
            &view.note,
            PyBytes::new(py, &anchors),
            lists,
        )
            .into_pyobject(py)?;
        Ok((slf.get_type().getattr("_with_ledger")?, args, state))
    }

    /// Unpickling a verifier made with `mirror=`: the trust store's ledger
    /// of `origin` verifies `note` again, and the view of `anchors` (48-byte
    /// records: id, index and ledger time, big-endian) and `lists` is
    /// used as of the current time.
    #[staticmethod]
    fn _with_ledger(
        py: Python<'_>,
        trust: &PyTrustStore,
        origin: &str,
        note: String,
        anchors: &[u8],
        lists: Vec<(u64, Vec<u8>)>,
    ) -> PyResult<Self> {
        let ledger = certanchor::ledger::mirror::pick_ledger(trust.inner.ledgers(), Some(origin))
            .map_err(|e| crate::mirror::mirror_err(&e))?;
        let timed = certanchor::note::verify_checkpoint_time(&note, ledger)
            .map_err(|e| crate::error::ledger_err(e.code(), format!("checkpoint: {e}")))?;
        if !anchors.len().is_multiple_of(ANCHOR_RECORD) {
            return Err(PyValueError::new_err(
                "bad pickled ledger: anchor records cut short",
            ));
        }
        let mut view = LedgerView::new(note, timed.checkpoint, timed.time);
        for r in anchors.chunks_exact(ANCHOR_RECORD) {
            let (id, rest) = r.split_at(32);
            let (index, time) = rest.split_at(8);
            let num = |b: &[u8]| u64::from_be_bytes(b.try_into().unwrap_or_default());
            let t = num(time);
            view.insert_anchor(
                certanchor::Hash::from_slice(id).unwrap_or_default(),
                AnchorRecord {
                    index: num(index),
                    ledger_time: (t != 0).then_some(t),
                },
            );
        }
        for (index, bytes) in lists {
            view.insert_list(index, bytes);
        }
        let mut v = certanchor::Verifier::new(trust.inner.clone());
        let now = time_arg(None)?;
        py.detach(|| v.use_ledger(view, now)).py()?;
        Ok(Self { inner: Arc::new(v) })
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
        match self.inner.ledger_view() {
            Some(l) => format!(
                "Verifier(trusted={}, ledger={}, size={})",
                repr_list(&ids),
                repr_str(l.origin()),
                l.checkpoint.tree_size
            ),
            None => format!("Verifier(trusted={})", repr_list(&ids)),
        }
    }
}

impl PyVerifier {
    /// The common part of `verify_columns` and `verify_to_arrow`: arguments,
    /// progress bar, and the run, handing `sink` each chunk's columns.
    #[allow(clippy::too_many_arguments)]
    fn columns_into(
        &self,
        py: Python<'_>,
        what: &str,
        bundles: &Bound<'_, PyAny>,
        spec: &bulk::Spec,
        now: Option<&Bound<'_, PyAny>>,
        progress: bool,
        errors: &str,
        threads: Option<usize>,
        chunk_size: usize,
        mut sink: impl FnMut(Python<'_>, &Bound<'_, PyDict>) -> PyResult<()> + Send,
    ) -> PyResult<()> {
        let report_errors = errors_arg(errors)?;
        let pool = pool_arg(threads)?;
        let now = time_arg(now)?;
        if chunk_size == 0 {
            return Err(PyValueError::new_err("chunk_size must be at least 1"));
        }
        let inputs = bulk::Inputs::from_py(what, bundles, report_errors)?;
        let bar = if progress {
            progress_bar(py, inputs.len(py))?.map(Bound::unbind)
        } else {
            None
        };
        bulk::run_columns(
            py,
            &self.inner,
            what,
            &inputs,
            spec,
            now,
            report_errors,
            chunk_size,
            pool.as_ref(),
            |py, cols, n| {
                sink(py, &cols)?;
                if let Some(bar) = &bar {
                    bar.bind(py).call_method1("update", (n,))?;
                }
                Ok(())
            },
        )?;
        if let Some(bar) = &bar {
            bar.bind(py).call_method0("close")?;
        }
        Ok(())
    }
}

/// `errors=`: whether rows that are not bundles are reported (`"report"`)
/// rather than raised (`"raise"`).
fn errors_arg(errors: &str) -> PyResult<bool> {
    match errors {
        "raise" => Ok(false),
        "report" => Ok(true),
        other => Err(PyValueError::new_err(format!(
            "errors must be 'raise' or 'report', not {}",
            repr_str(other)
        ))),
    }
}

/// Most threads one call may ask for: more only adds memory and switching.
const MAX_THREADS: usize = 256;

/// `threads=`: a pool of that many threads, or `None` for rayon's global pool.
fn pool_arg(threads: Option<usize>) -> PyResult<Option<rayon::ThreadPool>> {
    match threads {
        None => Ok(None),
        Some(0) => Err(PyValueError::new_err("threads must be at least 1")),
        Some(n) if n > MAX_THREADS => Err(PyValueError::new_err(format!(
            "threads must be at most {MAX_THREADS}, not {n}"
        ))),
        Some(n) => rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build()
            .map(Some)
            .map_err(|e| PyRuntimeError::new_err(format!("thread pool: {e}"))),
    }
}

/// A tqdm bar of `total` bundles, or `None` with one warning when tqdm is
/// not installed.
fn progress_bar(py: Python<'_>, total: Option<usize>) -> PyResult<Option<Bound<'_, PyAny>>> {
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
                  pip install tqdm (verifying without a progress bar)",
                1,
            )?;
            Ok(None)
        }
    }
}

/// Runs `f` in `pool` when there is one, else on rayon's global pool.
pub(crate) fn in_pool<T: Send>(
    pool: Option<&rayon::ThreadPool>,
    f: impl FnOnce() -> T + Send,
) -> T {
    match pool {
        Some(p) => p.install(f),
        None => f(),
    }
}

/// The built-in kinds' schemas, which every Python `Verifier` uses: they
/// type a report's disclosed fields (also of an unpickled report).
pub(crate) fn registry() -> &'static certanchor::schema::SchemaRegistry {
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

    /// The check that decided a verdict other than valid: the first failed
    /// check, else the first indeterminate one; `None` when valid.
    #[getter]
    fn decided_by(&self) -> Option<PyCheck> {
        self.inner.decided_by().map(PyCheck::from_core)
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
