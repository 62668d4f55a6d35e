//! Conversions between Python objects and core values: field values,
//! times, JSON views and bundle inputs. No certanchor rule lives here; the
//! schema's field types only decide which Python type shows a value.

use certanchor::Document;

use certanchor::Value;
use certanchor::schema::FieldType;
use pyo3::IntoPyObjectExt;
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{
    PyBool, PyByteArray, PyBytes, PyDict, PyFloat, PyInt, PyList, PyMapping, PyString, PyTuple,
    PyType,
};

static DECIMAL: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static DATE: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static DATETIME: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static TIMEZONE: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static VERDICT: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static OUTCOME: PyOnceLock<Py<PyType>> = PyOnceLock::new();

fn decimal_type(py: Python<'_>) -> PyResult<&Bound<'_, PyType>> {
    DECIMAL.import(py, "decimal", "Decimal")
}
fn date_type(py: Python<'_>) -> PyResult<&Bound<'_, PyType>> {
    DATE.import(py, "datetime", "date")
}
fn datetime_type(py: Python<'_>) -> PyResult<&Bound<'_, PyType>> {
    DATETIME.import(py, "datetime", "datetime")
}

/// `certanchor.Verdict(value)`.
pub(crate) fn verdict<'py>(py: Python<'py>, value: &str) -> PyResult<Bound<'py, PyAny>> {
    VERDICT
        .import(py, "certanchor._enums", "Verdict")?
        .call1((value,))
}

/// `certanchor.Outcome(value)`.
pub(crate) fn outcome<'py>(py: Python<'py>, value: &str) -> PyResult<Bound<'py, PyAny>> {
    OUTCOME
        .import(py, "certanchor._enums", "Outcome")?
        .call1((value,))
}

/// A Python field value → a core [`Value`]: `None`, `bool`, `int`, `str`,
/// `bytes`, lists/tuples, mappings with `str` keys; `decimal.Decimal` as its
/// decimal text and `datetime.date` as `YYYY-MM-DD` text. Floats and
/// datetimes are refused (certanchor documents carry neither).
pub(crate) fn py_to_value(obj: &Bound<'_, PyAny>) -> PyResult<Value> {
    to_value(obj, 0)
}

fn to_value(obj: &Bound<'_, PyAny>, depth: usize) -> PyResult<Value> {
    let py = obj.py();
    if depth > certanchor::cbor::MAX_DEPTH {
        return Err(PyValueError::new_err("field value nested too deeply"));
    }
    if obj.is_none() {
        return Ok(Value::Null);
    }
    if obj.is_instance_of::<PyBool>() {
        return Ok(Value::Bool(obj.extract()?));
    }
    if obj.is_instance_of::<PyInt>() {
        return Ok(Value::Int(obj.extract()?));
    }
    if obj.is_instance_of::<PyString>() {
        return Ok(Value::Text(obj.extract()?));
    }
    if obj.is_instance_of::<PyBytes>() || obj.is_instance_of::<PyByteArray>() {
        return Ok(Value::Bytes(obj.extract()?));
    }
    if obj.is_instance_of::<PyFloat>() {
        return Err(PyTypeError::new_err(
            "floats are not allowed in certificates: use decimal.Decimal or a decimal string",
        ));
    }
    if obj.is_instance(decimal_type(py)?)? {
        return Ok(Value::Text(obj.str()?.extract()?));
    }
    if obj.is_instance(datetime_type(py)?)? {
        return Err(PyTypeError::new_err(
            "datetime is not a field value: use datetime.date or Unix seconds",
        ));
    }
    if obj.is_instance(date_type(py)?)? {
        return Ok(Value::Text(obj.call_method0("isoformat")?.extract()?));
    }
    if obj.is_instance_of::<PyList>() || obj.is_instance_of::<PyTuple>() {
        let mut out = Vec::new();
        for item in obj.try_iter()? {
            out.push(to_value(&item?, depth + 1)?);
        }
        return Ok(Value::Array(out));
    }
    if let Ok(map) = obj.cast::<PyMapping>() {
        let mut out = std::collections::BTreeMap::new();
        for item in map.items()?.try_iter()? {
            let (k, v): (String, Bound<'_, PyAny>) = item?.extract()?;
            out.insert(k, to_value(&v, depth + 1)?);
        }
        return Ok(Value::Map(out));
    }
    Err(PyTypeError::new_err(format!(
        "unsupported field value type: {}",
        obj.get_type().name()?
    )))
}

/// A core [`Value`] → plain Python (`str`, `int`, `bool`, `None`, `bytes`,
/// `list`, `dict`).
pub(crate) fn value_to_py<'py>(py: Python<'py>, v: &Value) -> PyResult<Bound<'py, PyAny>> {
    match v {
        Value::Null => Ok(py.None().into_bound(py)),
        Value::Bool(b) => b.into_bound_py_any(py),
        Value::Int(i) => i.into_bound_py_any(py),
        Value::Bytes(b) => PyBytes::new(py, b).into_bound_py_any(py),
        Value::Text(s) => s.into_bound_py_any(py),
        Value::Array(items) => {
            let list = PyList::empty(py);
            for item in items {
                list.append(value_to_py(py, item)?)?;
            }
            list.into_bound_py_any(py)
        }
        Value::Map(map) => {
            let dict = PyDict::new(py);
            for (k, item) in map {
                dict.set_item(k, value_to_py(py, item)?)?;
            }
            dict.into_bound_py_any(py)
        }
    }
}

/// A core [`Value`] → Python, shown as the schema's field type says:
/// `Decimal` fields as `decimal.Decimal`, `Date` fields as `datetime.date`,
/// through nullable, list, record and checked types. A value that does not
/// have its type's shape (the schema check reports it) stays plain.
pub(crate) fn typed_value_to_py<'py>(
    py: Python<'py>,
    v: &Value,
    ty: Option<&FieldType>,
) -> PyResult<Bound<'py, PyAny>> {
    let Some(ty) = ty else {
        return value_to_py(py, v);
    };
    match (ty, v) {
        (FieldType::Decimal, Value::Text(s)) => decimal_type(py)?
            .call1((s.as_str(),))
            .or_else(|_| value_to_py(py, v)),
        (FieldType::Date, Value::Text(s)) => date_type(py)?
            .call_method1("fromisoformat", (s.as_str(),))
            .or_else(|_| value_to_py(py, v)),
        (FieldType::Nullable(inner), _) => typed_value_to_py(py, v, Some(inner)),
        (FieldType::Checked { base, .. }, _) => typed_value_to_py(py, v, Some(base)),
        (FieldType::List(inner), Value::Array(items)) => {
            let list = PyList::empty(py);
            for item in items {
                list.append(typed_value_to_py(py, item, Some(inner))?)?;
            }
            list.into_bound_py_any(py)
        }
        (FieldType::Record(specs), Value::Map(map)) => {
            let dict = PyDict::new(py);
            for (k, item) in map {
                let spec = specs.iter().find(|s| s.name == *k).map(|s| &s.ty);
                dict.set_item(k, typed_value_to_py(py, item, spec)?)?;
            }
            dict.into_bound_py_any(py)
        }
        _ => value_to_py(py, v),
    }
}

/// A JSON view → Python (`dict`, `list`, `str`, `int`, `float`, `bool`, `None`).
pub(crate) fn json_to_py<'py>(
    py: Python<'py>,
    v: &serde_json::Value,
) -> PyResult<Bound<'py, PyAny>> {
    use serde_json::Value as J;
    match v {
        J::Null => Ok(py.None().into_bound(py)),
        J::Bool(b) => b.into_bound_py_any(py),
        J::Number(n) => {
            if let Some(i) = n.as_u64() {
                i.into_bound_py_any(py)
            } else if let Some(i) = n.as_i64() {
                i.into_bound_py_any(py)
            } else {
                n.as_f64().unwrap_or(f64::NAN).into_bound_py_any(py)
            }
        }
        J::String(s) => s.into_bound_py_any(py),
        J::Array(items) => {
            let list = PyList::empty(py);
            for item in items {
                list.append(json_to_py(py, item)?)?;
            }
            list.into_bound_py_any(py)
        }
        J::Object(map) => {
            let dict = PyDict::new(py);
            for (k, item) in map {
                dict.set_item(k, json_to_py(py, item)?)?;
            }
            dict.into_bound_py_any(py)
        }
    }
}

/// A JSON view as text, compact or indented.
pub(crate) fn json_text(v: &serde_json::Value, indent: Option<usize>) -> String {
    match indent {
        None => v.to_string(),
        Some(n) => {
            let pad = " ".repeat(n);
            let fmt = serde_json::ser::PrettyFormatter::with_indent(pad.as_bytes());
            let mut out = Vec::new();
            let mut ser = serde_json::Serializer::with_formatter(&mut out, fmt);
            match serde::Serialize::serialize(v, &mut ser) {
                Ok(()) => String::from_utf8(out).unwrap_or_else(|_| v.to_string()),
                Err(_) => v.to_string(),
            }
        }
    }
}

/// A time argument → Unix seconds: `None` (now), a non-negative `int`, an
/// aware `datetime` or a naive one taken as UTC, or a `date` (its midnight UTC).
pub(crate) fn time_arg(obj: Option<&Bound<'_, PyAny>>) -> PyResult<u64> {
    let Some(obj) = obj.filter(|o| !o.is_none()) else {
        return Ok(certanchor::time::now());
    };
    time_value(obj, false)
}

/// Like [`time_arg`], for a value that must be present. A plain `date` is
/// read by the core's [`certanchor::time::parse`]: its midnight
/// UTC, or its last second when `end_of_day` (an inclusive `valid_until`).
pub(crate) fn time_value(obj: &Bound<'_, PyAny>, end_of_day: bool) -> PyResult<u64> {
    let py = obj.py();
    if obj.is_instance_of::<PyBool>() {
        return Err(PyTypeError::new_err(
            "a time must be an int, datetime or date",
        ));
    }
    if obj.is_instance_of::<PyInt>() {
        return obj
            .extract::<u64>()
            .map_err(|_| PyValueError::new_err("a time must be non-negative Unix seconds"));
    }
    let dt = if obj.is_instance(datetime_type(py)?)? {
        obj.clone()
    } else if obj.is_instance(date_type(py)?)? {
        let iso: String = obj.call_method0("isoformat")?.extract()?;
        return certanchor::time::parse(&iso, end_of_day).map_err(PyValueError::new_err);
    } else {
        return Err(PyTypeError::new_err(format!(
            "a time must be an int, datetime or date, not {}",
            obj.get_type().name()?
        )));
    };
    let dt = if dt.getattr("tzinfo")?.is_none() {
        let utc = TIMEZONE
            .import(py, "datetime", "timezone")?
            .getattr("utc")?;
        let kwargs = PyDict::new(py);
        kwargs.set_item("tzinfo", utc)?;
        dt.call_method("replace", (), Some(&kwargs))?
    } else {
        dt
    };
    let ts: f64 = dt.call_method0("timestamp")?.extract()?;
    if !ts.is_finite() || ts < 0.0 {
        return Err(PyValueError::new_err("a time must not be before 1970"));
    }
    // Finite, non-negative and below 2^38 for any `datetime` (year <= 9999):
    // the conversion is exact after `floor`.
    Ok(ts.floor() as u64)
}

/// Unix seconds → an aware UTC `datetime`.
pub(crate) fn datetime_utc(py: Python<'_>, t: u64) -> PyResult<Bound<'_, PyAny>> {
    let utc = TIMEZONE
        .import(py, "datetime", "timezone")?
        .getattr("utc")?;
    datetime_type(py)?.call_method1("fromtimestamp", (t, utc))
}

/// A bundle argument → its bytes: `bytes`, `bytearray`, `memoryview`, `str`
/// (CA1 text, or whatever the core's decoder makes of it), a `Bundle`, or an
/// Arrow scalar holding text or bytes (a null one is not a bundle).
pub(crate) fn bundle_input(obj: &Bound<'_, PyAny>) -> PyResult<Vec<u8>> {
    if let Ok(s) = obj.cast::<PyString>() {
        return Ok(s.to_cow()?.as_bytes().to_vec());
    }
    if let Ok(b) = obj.cast::<PyBytes>() {
        return Ok(b.as_bytes().to_vec());
    }
    if let Ok(b) = obj.cast::<crate::bundle::PyBundle>() {
        return Ok(b.get().inner.to_vec());
    }
    // an Arrow scalar (iterating a `pyarrow` array or column yields them)
    if obj.hasattr("as_py")?
        && let Ok(v) = obj.call_method0("as_py")
        && (v.is_instance_of::<PyString>() || v.is_instance_of::<PyBytes>())
    {
        return bundle_input(&v);
    }
    obj.extract::<Vec<u8>>().map_err(|_| {
        PyTypeError::new_err(format!(
            "a bundle must be bytes, CA1 text (str) or a Bundle, not {}",
            obj.get_type()
                .name()
                .map(|n| n.to_string())
                .unwrap_or_default()
        ))
    })
}

/// A string as Python's `repr` shows it (single quotes), for `__repr__`s.
pub(crate) fn repr_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('\'');
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\x{:02x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

/// A list of strings as Python's `repr` shows it.
pub(crate) fn repr_list<S: AsRef<str>>(items: &[S]) -> String {
    let parts: Vec<String> = items.iter().map(|s| repr_str(s.as_ref())).collect();
    format!("[{}]", parts.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reprs_look_like_python() {
        assert_eq!(repr_str("a'b\\c\n"), r"'a\'b\\c\n'");
        assert_eq!(repr_str("京(2024)"), "'京(2024)'");
        assert_eq!(repr_list(&["x", "y"]), "['x', 'y']");
        assert_eq!(repr_list::<&str>(&[]), "[]");
    }

    #[test]
    fn json_text_indents_on_request() {
        let v = serde_json::json!({"a": [1, 2]});
        assert_eq!(json_text(&v, None), r#"{"a":[1,2]}"#);
        assert_eq!(json_text(&v, Some(1)), "{\n \"a\": [\n  1,\n  2\n ]\n}");
    }
}
