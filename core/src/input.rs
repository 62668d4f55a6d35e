//! Reading certificates to issue from JSON Lines or CSV, with every bad row
//! reported by line number.
//!
//! * **JSONL**: one object per line:
//!   `{"id": …, "valid_from": "2024-01-01" | "2024-01-01T08:00:00+08:00" | 1704067200,
//!     "valid_until": null | date | time | seconds, "fields": {…}}`.
//!   Empty lines are skipped; unknown keys are errors; a key repeated in one
//!   object, at any depth (the row, `fields`, a record inside a field), is an
//!   error rather than "the last one wins".
//! * **CSV**: header `id,valid_from,valid_until,<field>,…`, each name once. An
//!   empty cell is null; a cell starting with `[` or `{` is JSON (for lists and
//!   records, with the same rule on repeated keys); cells of `Int` / `Bool`
//!   schema fields are parsed as such; anything else is text.
//!
//! A plain date as `valid_from` means 00:00:00 UTC of that day; as
//! `valid_until` (inclusive) it means 23:59:59 UTC of that day. Give an
//! RFC 3339 time to choose another zone.
//!
//! Rows stream: the input is read line by line and only the certificates are kept.
//!
//! ```
//! use certanchor::input::{InputFormat, read_certificates};
//! let jsonl = r#"{"id": "L-1", "valid_from": "2024-01-01", "valid_until": null, "fields": {"name": "张三"}}
//! {"id": "L-2", "valid_from": 1704067200, "valid_until": "2024-12-31", "fields": {"name": "李四"}}
//! "#;
//! let rows = read_certificates(jsonl.as_bytes(), InputFormat::Jsonl, "library_card", None).unwrap();
//! assert_eq!(rows.len(), 2);
//! assert_eq!(rows[1].line, 2);
//! assert_eq!(rows[1].certificate.valid_until, Some(1_735_689_599));
//! ```

use std::collections::BTreeMap;
use std::io::BufRead;

use crate::Certificate;
use crate::cbor::Value;
use crate::schema::{FieldType, Schema};

/// Longest input line accepted, bytes.
pub const MAX_LINE_LEN: usize = 1024 * 1024;

/// The input format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputFormat {
    /// JSON Lines.
    Jsonl,
    /// CSV with a header row.
    Csv,
}

impl InputFormat {
    /// Chooses by file extension: `.jsonl`/`.ndjson`/`.json` or `.csv`.
    #[must_use]
    pub fn from_path(path: &std::path::Path) -> Option<Self> {
        match path.extension()?.to_str()?.to_ascii_lowercase().as_str() {
            "jsonl" | "ndjson" | "json" => Some(Self::Jsonl),
            "csv" => Some(Self::Csv),
            _ => None,
        }
    }
}

/// One certificate read from the input, with its line number (1-based).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputRow {
    /// Line in the input.
    pub line: usize,
    /// The certificate.
    pub certificate: Certificate,
}

/// A problem with one input row.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}{}: {reason}", field.as_ref().map(|f| format!(", field `{f}`")).unwrap_or_default())]
pub struct InputProblem {
    /// Line in the input (1-based).
    pub line: usize,
    /// The field concerned, if any.
    pub field: Option<String>,
    /// What is wrong.
    pub reason: String,
}

fn problem(line: usize, field: Option<&str>, reason: impl Into<String>) -> InputProblem {
    InputProblem {
        line,
        field: field.map(str::to_owned),
        reason: reason.into(),
    }
}

fn json_time(v: &serde_json::Value, end_of_day: bool) -> Result<Option<u64>, String> {
    match v {
        serde_json::Value::Null => Ok(None),
        serde_json::Value::Number(n) => n
            .as_u64()
            .map(Some)
            .ok_or_else(|| format!("{n} is not a non-negative integer")),
        serde_json::Value::String(s) => crate::time::parse(s, end_of_day).map(Some),
        other => Err(format!(
            "expected a date, time or Unix seconds, found {other}"
        )),
    }
}

/// Reads certificates of `kind`. `schema` (when given) guides CSV cell types.
///
/// # Errors
/// Every problem found, by line, when any row is bad (nothing is returned then).
pub fn read_certificates<R: BufRead>(
    input: R,
    format: InputFormat,
    kind: &str,
    schema: Option<&Schema>,
) -> Result<Vec<InputRow>, Vec<InputProblem>> {
    match format {
        InputFormat::Jsonl => read_jsonl(input, kind),
        InputFormat::Csv => read_csv(input, kind, schema),
    }
}

fn read_jsonl<R: BufRead>(input: R, kind: &str) -> Result<Vec<InputRow>, Vec<InputProblem>> {
    let mut rows = Vec::new();
    let mut problems = Vec::new();
    for (i, line) in input.lines().enumerate() {
        let n = i + 1;
        let line = match line {
            Ok(l) => l,
            Err(e) => {
                problems.push(problem(n, None, format!("cannot read: {e}")));
                break;
            }
        };
        if line.trim().is_empty() {
            continue;
        }
        if line.len() > MAX_LINE_LEN {
            problems.push(problem(
                n,
                None,
                format!("line longer than {MAX_LINE_LEN} bytes"),
            ));
            continue;
        }
        let obj = match parse_json(&line) {
            Ok(serde_json::Value::Object(o)) => o,
            Ok(other) => {
                problems.push(problem(
                    n,
                    None,
                    format!("not a JSON object: found {}", json_type(&other)),
                ));
                continue;
            }
            Err(JsonProblem::Syntax(e)) => {
                problems.push(problem(n, None, format!("not a JSON object: {e}")));
                continue;
            }
            Err(JsonProblem::Duplicate { path, key, column }) => {
                // a certificate field is named as elsewhere: without `fields.`
                let (field, place) = match path.split_first() {
                    None => (key.clone(), "in the row".to_owned()),
                    Some((PathSeg::Key(f), [])) if f == "fields" => {
                        (key.clone(), "in `fields`".to_owned())
                    }
                    Some((PathSeg::Key(f), rest)) if f == "fields" => (
                        format!("{}.{key}", dotted(rest)),
                        format!("in `{}`", dotted(rest)),
                    ),
                    Some(_) => (
                        format!("{}.{key}", dotted(&path)),
                        format!("in `{}`", dotted(&path)),
                    ),
                };
                problems.push(problem(
                    n,
                    Some(&field),
                    format!(
                        "key `{key}` appears twice {place} (column {column}); \
                         give each key once"
                    ),
                ));
                continue;
            }
        };
        match row_from_json(&obj, kind) {
            Ok(c) => rows.push(InputRow {
                line: n,
                certificate: c,
            }),
            Err((field, reason)) => problems.push(problem(n, field.as_deref(), reason)),
        }
    }
    if problems.is_empty() {
        Ok(rows)
    } else {
        Err(problems)
    }
}

fn row_from_json(
    obj: &serde_json::Map<String, serde_json::Value>,
    kind: &str,
) -> Result<Certificate, (Option<String>, String)> {
    if let Some(k) = obj
        .keys()
        .find(|k| !matches!(k.as_str(), "id" | "valid_from" | "valid_until" | "fields"))
    {
        return Err((
            Some(k.clone()),
            "unknown key (expected id, valid_from, valid_until, fields)".into(),
        ));
    }
    let field = |f: &str| Some(f.to_owned());
    let id = obj
        .get("id")
        .and_then(serde_json::Value::as_str)
        .ok_or((field("id"), "missing or not text".to_owned()))?;
    let valid_from = json_time(
        obj.get("valid_from").unwrap_or(&serde_json::Value::Null),
        false,
    )
    .map_err(|e| (field("valid_from"), e))?
    .ok_or((field("valid_from"), "missing".to_owned()))?;
    let valid_until = json_time(
        obj.get("valid_until").unwrap_or(&serde_json::Value::Null),
        true,
    )
    .map_err(|e| (field("valid_until"), e))?;
    let fields = match obj.get("fields") {
        Some(serde_json::Value::Object(m)) => m
            .iter()
            .map(|(k, v)| {
                Value::from_json(v)
                    .map(|v| (k.clone(), v))
                    .map_err(|e| (Some(k.clone()), e.to_string()))
            })
            .collect::<Result<BTreeMap<_, _>, _>>()?,
        _ => return Err((field("fields"), "missing or not an object".into())),
    };
    Ok(Certificate {
        id: id.to_owned(),
        kind: kind.to_owned(),
        valid_from,
        valid_until,
        fields,
    })
}

/// Why a JSON text was refused.
enum JsonProblem {
    /// Not JSON (serde_json's message, with line and column).
    Syntax(serde_json::Error),
    /// A key repeated in one object: the object's path from the top, the
    /// key, and the column where serde_json stopped (just after the key).
    Duplicate {
        path: Vec<PathSeg>,
        key: String,
        column: usize,
    },
}

/// One step of a path into a JSON value.
enum PathSeg {
    Key(String),
    Index(usize),
}

/// `a.b[0].c` (segments from the top).
fn dotted(path: &[PathSeg]) -> String {
    let mut out = String::new();
    for seg in path {
        match seg {
            PathSeg::Key(k) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(k);
            }
            PathSeg::Index(i) => out.push_str(&format!("[{i}]")),
        }
    }
    out
}

fn json_type(v: &serde_json::Value) -> &'static str {
    match v {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}

/// Parses one JSON text, refusing a key repeated in any object.
///
/// serde_json keeps the last of repeated keys and has no setting to refuse
/// them, so the value is built by our own `DeserializeSeed`, which checks each
/// object's keys as they are read (serde_json still does the parsing and
/// its nesting limit).
fn parse_json(text: &str) -> Result<serde_json::Value, JsonProblem> {
    use serde::de::DeserializeSeed as _;
    let mut dup = None;
    let mut de = serde_json::Deserializer::from_str(text);
    let parsed = StrictJson { dup: &mut dup }
        .deserialize(&mut de)
        .and_then(|v| de.end().map(|()| v));
    match (parsed, dup) {
        (Ok(v), _) => Ok(v),
        (Err(e), Some((mut path, key))) => {
            path.reverse();
            Err(JsonProblem::Duplicate {
                path,
                key,
                column: e.column(),
            })
        }
        (Err(e), None) => Err(JsonProblem::Syntax(e)),
    }
}

/// Builds a `serde_json::Value`, failing on a repeated object key. On that
/// failure `dup` holds the key and the path to its object, innermost step
/// first (each level adds its step as the error passes through it).
struct StrictJson<'a> {
    dup: &'a mut Option<(Vec<PathSeg>, String)>,
}

impl StrictJson<'_> {
    /// Adds `seg` to the path of a duplicate found below, then passes `e` on.
    fn through<E>(&mut self, seg: PathSeg, e: E) -> E {
        if let Some((path, _)) = self.dup.as_mut() {
            path.push(seg);
        }
        e
    }
}

impl<'de> serde::de::DeserializeSeed<'de> for StrictJson<'_> {
    type Value = serde_json::Value;

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for StrictJson<'_> {
    type Value = serde_json::Value;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Self::Value, E> {
        Ok(serde_json::Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
        Ok(serde_json::Value::from(v))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
        Ok(serde_json::Value::from(v))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
        Ok(serde_json::Number::from_f64(v).map_or(serde_json::Value::Null, Into::into))
    }

    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(serde_json::Value::String(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
        Ok(serde_json::Value::String(v))
    }

    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(serde_json::Value::Null)
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(
        mut self,
        mut seq: A,
    ) -> Result<Self::Value, A::Error> {
        let mut items = Vec::new();
        loop {
            let seed = StrictJson {
                dup: &mut *self.dup,
            };
            match seq.next_element_seed(seed) {
                Ok(Some(v)) => items.push(v),
                Ok(None) => return Ok(serde_json::Value::Array(items)),
                Err(e) => return Err(self.through(PathSeg::Index(items.len()), e)),
            }
        }
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(
        mut self,
        mut map: A,
    ) -> Result<Self::Value, A::Error> {
        let mut obj = serde_json::Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if obj.contains_key(&key) {
                let msg = format!("key `{key}` appears twice");
                *self.dup = Some((Vec::new(), key));
                return Err(serde::de::Error::custom(msg));
            }
            let seed = StrictJson {
                dup: &mut *self.dup,
            };
            match map.next_value_seed(seed) {
                Ok(v) => {
                    obj.insert(key, v);
                }
                Err(e) => return Err(self.through(PathSeg::Key(key), e)),
            }
        }
        Ok(serde_json::Value::Object(obj))
    }
}

fn base_type(t: &FieldType) -> &FieldType {
    match t {
        FieldType::Nullable(inner) => base_type(inner),
        FieldType::Checked { base, .. } => base_type(base),
        other => other,
    }
}

fn cell_value(cell: &str, ty: Option<&FieldType>) -> Result<Value, String> {
    if cell.is_empty() {
        return Ok(Value::Null);
    }
    if cell.starts_with('[') || cell.starts_with('{') {
        let j = parse_json(cell).map_err(|e| match e {
            JsonProblem::Syntax(e) => format!("bad JSON in cell: {e}"),
            JsonProblem::Duplicate { path, key, column } => {
                let place = if path.is_empty() {
                    String::new()
                } else {
                    format!(" in `{}`", dotted(&path))
                };
                format!(
                    "bad JSON in cell: key `{key}` appears twice{place} (column {column}); \
                     give each key once"
                )
            }
        })?;
        return Value::from_json(&j).map_err(|e| e.to_string());
    }
    match ty.map(base_type) {
        Some(FieldType::Int) => cell
            .trim()
            .parse::<i64>()
            .map(Value::Int)
            .map_err(|_| format!("`{cell}` is not an integer")),
        Some(FieldType::Bool) => match cell.trim() {
            "true" => Ok(Value::Bool(true)),
            "false" => Ok(Value::Bool(false)),
            _ => Err(format!("`{cell}` is not true or false")),
        },
        _ => Ok(Value::Text(cell.to_owned())),
    }
}

fn read_csv<R: BufRead>(
    input: R,
    kind: &str,
    schema: Option<&Schema>,
) -> Result<Vec<InputRow>, Vec<InputProblem>> {
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .from_reader(input);
    let headers = match rdr.headers() {
        Ok(h) => h.clone(),
        Err(e) => return Err(vec![problem(1, None, format!("bad header: {e}"))]),
    };
    let cols: Vec<&str> = headers.iter().collect();
    if cols.first() != Some(&"id")
        || cols.get(1) != Some(&"valid_from")
        || cols.get(2) != Some(&"valid_until")
    {
        return Err(vec![problem(
            1,
            None,
            "header must start with id,valid_from,valid_until",
        )]);
    }
    let mut first_at: BTreeMap<&str, usize> = BTreeMap::new();
    let repeated: Vec<InputProblem> = cols
        .iter()
        .enumerate()
        .filter_map(|(i, name)| {
            let first = *first_at.entry(name).or_insert(i);
            (first != i).then(|| {
                problem(
                    1,
                    Some(name),
                    format!(
                        "column {} repeats the name of column {}; give each column once",
                        i + 1,
                        first + 1
                    ),
                )
            })
        })
        .collect();
    if !repeated.is_empty() {
        return Err(repeated);
    }
    let mut rows = Vec::new();
    let mut problems = Vec::new();
    // The CSV reader counts `\n` only; records ended by a bare `\r` (old
    // Mac files) would all get its line. Each record gets at least the line
    // after the previous one, as an editor shows them; the header is line 1.
    let mut last_line = 1usize;
    let mut next_line = |reported: Option<&csv::Position>| {
        let line = reported
            .map_or(0, |p| usize::try_from(p.line()).unwrap_or(usize::MAX))
            .max(last_line.saturating_add(1));
        last_line = line;
        line
    };
    for rec in rdr.records() {
        let rec = match rec {
            Ok(r) => r,
            Err(e) => {
                let line = next_line(e.position());
                problems.push(problem(line, None, e.to_string()));
                continue;
            }
        };
        let line = next_line(rec.position());
        let cell = |i: usize| rec.get(i).unwrap_or_default();
        let mut bad = |f: &str, r: String| problems.push(problem(line, Some(f), r));
        let id = cell(0);
        if id.is_empty() {
            bad("id", "empty".into());
            continue;
        }
        let valid_from = match crate::time::parse(cell(1), false) {
            Ok(t) => t,
            Err(e) => {
                bad("valid_from", e);
                continue;
            }
        };
        let valid_until = if cell(2).trim().is_empty() || cell(2).trim() == "null" {
            None
        } else {
            match crate::time::parse(cell(2), true) {
                Ok(t) => Some(t),
                Err(e) => {
                    bad("valid_until", e);
                    continue;
                }
            }
        };
        let mut fields = BTreeMap::new();
        let mut ok = true;
        for (i, name) in cols.iter().enumerate().skip(3) {
            let ty = schema.and_then(|s| s.field(name)).map(|f| &f.ty);
            match cell_value(cell(i), ty) {
                Ok(v) => {
                    fields.insert((*name).to_owned(), v);
                }
                Err(e) => {
                    bad(name, e);
                    ok = false;
                }
            }
        }
        if ok {
            rows.push(InputRow {
                line,
                certificate: Certificate {
                    id: id.to_owned(),
                    kind: kind.to_owned(),
                    valid_from,
                    valid_until,
                    fields,
                },
            });
        }
    }
    if problems.is_empty() {
        Ok(rows)
    } else {
        Err(problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_times() {
        assert_eq!(crate::time::parse("2024-01-01", false), Ok(1_704_067_200));
        assert_eq!(
            crate::time::parse("2024-01-01", true),
            Ok(1_704_067_200 + 86_399)
        );
        assert_eq!(crate::time::parse("1704067200", false), Ok(1_704_067_200));
        assert_eq!(
            crate::time::parse("2024-01-01T08:00:00+08:00", false),
            Ok(1_704_067_200)
        );
        assert!(crate::time::parse("2024-02-30", false).is_err());
        assert!(crate::time::parse("yesterday", false).is_err());
    }

    #[test]
    fn jsonl_reports_every_bad_line() {
        let input = "{\"id\":\"a\",\"valid_from\":\"2024-01-01\",\"fields\":{}}\n\
                     not json\n\
                     {\"id\":\"b\",\"valid_from\":\"2024-13-01\",\"fields\":{}}\n\
                     {\"id\":\"c\",\"valid_from\":0,\"fields\":{},\"extra\":1}\n\
                     {\"id\":\"d\",\"valid_from\":0,\"fields\":{\"x\":1.5}}\n";
        let e = read_certificates(input.as_bytes(), InputFormat::Jsonl, "k", None).unwrap_err();
        let lines: Vec<_> = e.iter().map(|p| p.line).collect();
        assert_eq!(lines, vec![2, 3, 4, 5]);
        assert_eq!(e[1].field.as_deref(), Some("valid_from"));
        assert!(e[3].to_string().contains("line 5, field `x`"));
    }

    #[test]
    fn csv_cells() {
        let input = "id,valid_from,valid_until,name,holders,count\n\
                     L-1,2024-01-01,,张三,\"[{\"\"name\"\":\"\"李四\"\"}]\",7\n";
        let schema = crate::schema::Schema::builder("k")
            .required("name", FieldType::Text)
            .required("holders", FieldType::Any)
            .required("count", FieldType::Int)
            .build()
            .unwrap();
        let rows =
            read_certificates(input.as_bytes(), InputFormat::Csv, "k", Some(&schema)).unwrap();
        let c = &rows[0].certificate;
        assert_eq!(rows[0].line, 2);
        assert_eq!(c.valid_until, None);
        assert_eq!(c.fields["count"], Value::Int(7));
        assert!(matches!(c.fields["holders"], Value::Array(_)));
        let bad = "id,valid_from,valid_until,count\nL-1,2024-01-01,,seven\n";
        let e =
            read_certificates(bad.as_bytes(), InputFormat::Csv, "k", Some(&schema)).unwrap_err();
        assert_eq!((e[0].line, e[0].field.as_deref()), (2, Some("count")));
        let e = read_certificates("a,b\n".as_bytes(), InputFormat::Csv, "k", None).unwrap_err();
        assert_eq!(e[0].line, 1);
    }

    /// Records ended by a bare `\r` (which the CSV reader does not count as
    /// lines) get increasing lines, as an editor shows them; a quoted cell
    /// over two lines still moves the next record down (found by the
    /// `certificate_input` fuzz target).
    #[test]
    fn csv_lines_increase_with_bare_cr_line_ends() {
        let input = "id,valid_from,valid_until,name\rA,2024-01-01,,x\rB,2024-01-01,,y\rC,bad,,z\r";
        let e = read_certificates(input.as_bytes(), InputFormat::Csv, "k", None).unwrap_err();
        assert_eq!(e[0].line, 4, "{e:?}");
        let ok = "id,valid_from,valid_until,name\rA,2024-01-01,,x\rB,2024-01-01,,y\r";
        let rows = read_certificates(ok.as_bytes(), InputFormat::Csv, "k", None).unwrap();
        assert_eq!(rows.iter().map(|r| r.line).collect::<Vec<_>>(), [2, 3]);
        let wrapped =
            "id,valid_from,valid_until,name\nA,2024-01-01,,\"two\nlines\"\nB,2024-01-01,,y\n";
        let rows = read_certificates(wrapped.as_bytes(), InputFormat::Csv, "k", None).unwrap();
        assert_eq!(rows.iter().map(|r| r.line).collect::<Vec<_>>(), [2, 4]);
    }
}
