//! Compact JSON text, written straight into a `String`.
//!
//! The JSON views ([`crate::Report::to_json_text`], and through
//! [`write_value`] any `serde_json::Value`) are written here without building
//! an intermediate `serde_json::Value` tree or pulling in a serializer. A
//! report has some forty strings; building them as a tree first took as long
//! as verifying the bundle. The bindings hand this text to `JSON.parse` (JS)
//! and `json.loads` (Python).
//!
//! Output: no whitespace; strings escape `"` and `\` and write control
//! characters as `\u00XX`, everything else as UTF-8; integers in decimal.
//!
//! ```
//! let mut out = String::new();
//! certanchor::json::write_str(&mut out, "说 \"hi\"\n");
//! assert_eq!(out, r#""说 \"hi\"\u000a""#);
//! ```

use std::fmt::Write;

/// Appends `s` as a JSON string literal.
pub fn write_str(out: &mut String, s: &str) {
    out.push('"');
    let mut rest = s;
    while let Some(i) = rest.find(|c: char| c == '"' || c == '\\' || c < ' ') {
        let (plain, tail) = rest.split_at(i);
        out.push_str(plain);
        let mut chars = tail.chars();
        match chars.next() {
            Some('"') => out.push_str("\\\""),
            Some('\\') => out.push_str("\\\\"),
            Some(c) => {
                let c = u32::from(c);
                out.push_str("\\u00");
                out.extend(char::from_digit(c >> 4, 16));
                out.extend(char::from_digit(c & 0xf, 16));
            }
            None => {}
        }
        rest = chars.as_str();
    }
    out.push_str(rest);
    out.push('"');
}

/// Appends `v` as compact JSON text (object keys in the map's order).
pub fn write_value(out: &mut String, v: &serde_json::Value) {
    use serde_json::Value;
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => {
            // Writing to a String cannot fail.
            let _ = match (n.as_u64(), n.as_i64(), n.as_f64()) {
                (Some(u), _, _) => write!(out, "{u}"),
                (None, Some(i), _) => write!(out, "{i}"),
                // Display gives the shortest digits that read back as the
                // same double; serde_json numbers are always finite
                (None, None, Some(f)) if f.is_finite() => write!(out, "{f}"),
                _ => write!(out, "null"),
            };
        }
        Value::String(s) => write_str(out, s),
        Value::Array(items) => {
            let mut a = Array::open(out);
            for item in items {
                write_value(a.item(), item);
            }
            a.close();
        }
        Value::Object(map) => {
            let mut o = Object::open(out);
            for (k, item) in map {
                write_value(o.key(k), item);
            }
            o.close();
        }
    }
}

/// `value` serialized by serde_json in this module's format: compact, and
/// control characters as `\u00XX` (serde_json's own formatter writes `\n`,
/// `\t`, … as two-character escapes).
pub fn to_text<T: serde::Serialize + ?Sized>(value: &T) -> String {
    let mut buf = Vec::with_capacity(2048);
    let mut ser = serde_json::Serializer::with_formatter(&mut buf, Compact);
    if value.serialize(&mut ser).is_err() {
        return String::new();
    }
    String::from_utf8(buf).unwrap_or_default()
}

/// serde_json's compact formatter, escaping control characters as
/// [`write_str`] does.
struct Compact;

impl serde_json::ser::Formatter for Compact {
    fn write_char_escape<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        escape: serde_json::ser::CharEscape,
    ) -> std::io::Result<()> {
        use serde_json::ser::CharEscape as E;
        let c = match escape {
            E::Quote => return w.write_all(b"\\\""),
            E::ReverseSolidus => return w.write_all(b"\\\\"),
            E::Solidus => return w.write_all(b"/"),
            E::Backspace => 0x08,
            E::FormFeed => 0x0c,
            E::LineFeed => b'\n',
            E::CarriageReturn => b'\r',
            E::Tab => b'\t',
            E::AsciiControl(c) => c,
        };
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let hi = HEX.get(usize::from(c >> 4)).copied().unwrap_or(b'0');
        let lo = HEX.get(usize::from(c & 0xf)).copied().unwrap_or(b'0');
        w.write_all(&[b'\\', b'u', b'0', b'0', hi, lo])
    }
}

/// Reads back JSON text this module wrote, as a `serde_json::Value` (without
/// serde_json's nesting limit of 128: a `Value` an embedder builds may be
/// deeper). Our writer's output always parses; the tests check it.
pub(crate) fn read_own(text: &str) -> serde_json::Value {
    use serde::Deserialize;
    let mut de = serde_json::Deserializer::from_str(text);
    de.disable_recursion_limit();
    serde_json::Value::deserialize(&mut de).unwrap_or(serde_json::Value::Null)
}

/// An array being written: `item` before each element, then `close`. An
/// [`Object`] is one too, between braces, with a key before each value.
pub(crate) struct Array<'a> {
    out: &'a mut String,
    first: bool,
    end: char,
}

impl<'a> Array<'a> {
    pub(crate) fn open(out: &'a mut String) -> Self {
        Self::between(out, '[', ']')
    }

    fn between(out: &'a mut String, start: char, end: char) -> Self {
        out.push(start);
        Self {
            out,
            first: true,
            end,
        }
    }

    /// The output for the next element (after a comma unless first).
    pub(crate) fn item(&mut self) -> &mut String {
        if !std::mem::take(&mut self.first) {
            self.out.push(',');
        }
        self.out
    }

    pub(crate) fn close(self) {
        self.out.push(self.end);
    }
}

/// An object being written: `key` before each member's value, then `close`.
pub(crate) struct Object<'a>(Array<'a>);

impl<'a> Object<'a> {
    pub(crate) fn open(out: &'a mut String) -> Self {
        Self(Array::between(out, '{', '}'))
    }

    /// Writes `"key":` (after a comma unless first) and returns the output
    /// for the value.
    pub(crate) fn key(&mut self, key: &str) -> &mut String {
        let out = self.0.item();
        write_str(out, key);
        out.push(':');
        out
    }

    pub(crate) fn null(&mut self, key: &str) {
        self.key(key).push_str("null");
    }

    pub(crate) fn str(&mut self, key: &str, value: &str) {
        write_str(self.key(key), value);
    }

    pub(crate) fn opt_str(&mut self, key: &str, value: Option<&str>) {
        match value {
            Some(v) => self.str(key, v),
            None => self.null(key),
        }
    }

    pub(crate) fn uint(&mut self, key: &str, value: u64) {
        // Writing to a String cannot fail.
        let _ = write!(self.key(key), "{value}");
    }

    pub(crate) fn opt_uint(&mut self, key: &str, value: Option<u64>) {
        match value {
            Some(v) => self.uint(key, v),
            None => self.null(key),
        }
    }

    pub(crate) fn close(self) {
        self.0.close();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_read_back_as_themselves() {
        for s in [
            "",
            "plain",
            "说明 \"q\" \\ / \u{7f}",
            "\u{0}\u{1f}\n\t",
            "😀",
        ] {
            let mut out = String::new();
            write_str(&mut out, s);
            assert_eq!(serde_json::from_str::<String>(&out).unwrap(), s, "{out}");
        }
    }

    #[test]
    fn the_bindings_samples_read_back_as_themselves() {
        let samples = [
            serde_json::json!(null),
            serde_json::json!({
                "verdict": "valid", "n": 0, "max": u64::MAX, "min": i64::MIN, "neg": -1,
                "f": [0.1, -2.5e-7, 1e300, -0.0, 123_456.789],
                "s": ["", "plain", "营业执照", "q\"uote", "back\\slash", "\u{0}\u{1f}\n\t\r\u{7f}", "\u{2028}😀"],
                "nested": { "a": [true, false, null, [], {}], "__proto__": { "x": 1 } },
            }),
        ];
        for v in samples {
            let mut text = String::new();
            write_value(&mut text, &v);
            let back: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
            assert_eq!(back, v, "{text}");
        }
    }
}
