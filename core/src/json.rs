//! Compact JSON text, written straight into a `String`.
//!
//! The JSON views ([`crate::Report::to_json_text`], [`crate::Bundle::to_json_text`],
//! [`crate::Value::write_json`]) are written here without building an
//! intermediate `serde_json::Value` tree or pulling in a serializer. A
//! report has some forty strings; building them as a tree first took as long
//! as verifying the bundle. The bindings hand this text to `JSON.parse` (JS)
//! and `json.loads` (Python).
//!
//! Output: no whitespace; strings escape `"` and `\` and write control
//! characters as `\u00XX`, everything else as UTF-8; integers in decimal.

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
    fn control_characters_are_written_as_u00xx() {
        let mut out = String::new();
        write_str(&mut out, "说 \"hi\"\n");
        assert_eq!(out, r#""说 \"hi\"\u000a""#);
    }

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
}
