//! Showing untrusted text to people.
//!
//! Certificate ids, kinds, issuer ids, field names and values come from
//! bundles anyone can write; trust-store names come from a file someone
//! edited; reasons quote both. Printed raw, such a string can move a
//! terminal's cursor, clear the screen, reorder text with bidirectional
//! overrides or start a new line that looks like the program's own output,
//! and so paint `VALID` over a real `INVALID`. The one rule for every such
//! string on a screen or a page is [`escape`] (or [`escape_text`] /
//! [`escape_max`] with another length):
//!
//! * every character that could change how the text around it is shown
//!   ([`is_unsafe`]) becomes a visible escape: `\n`, `\r`, `\t`, or
//!   `\u{1b}`, `\u{202e}` (the code point in lowercase hex);
//! * a backslash is doubled, so a `\` in the output always starts an escape
//!   and a string cannot imitate one;
//! * at most a given number of characters are shown, then `…(+N chars)`
//!   says how many were left out;
//! * everything else, Chinese text included, is shown as it is. A string
//!   that needs none of this is returned borrowed, without copying.
//!
//! Machine-readable output (JSON) needs none of it: it carries the exact
//! values, with JSON's own escaping.
//!
//! [`write_report_body`] renders a [`Report`] for people by these rules; the
//! `Display` of [`Report`] and the command line's report use it.
//!
//! ```
//! use certanchor::display::{escape, escape_max};
//! assert_eq!(escape("京(2024)朝阳区不动产权第0012345号"), "京(2024)朝阳区不动产权第0012345号");
//! assert_eq!(escape("a\u{1b}[2J\ndisclosed:"), "a\\u{1b}[2J\\ndisclosed:");
//! assert_eq!(escape("\u{202e}VALID"), "\\u{202e}VALID");
//! assert_eq!(escape_max("0123456789", 4), "0123…(+6 chars)");
//! ```

use std::borrow::Cow;
use std::fmt::{self, Write as _};

use crate::cbor::Value;
use crate::schema::SchemaRegistry;
use crate::verify::{Outcome, Report};

/// Characters shown of an id, kind, issuer id, field name or display name
/// ([`escape`]).
pub const MAX_NAME_CHARS: usize = 120;

/// Characters shown of a longer text: a check's reason, a field value, an
/// error message ([`escape_text`]). Every text value a built-in schema
/// allows (at most 4096 bytes) fits whole.
pub const MAX_TEXT_CHARS: usize = 4096;

/// Whether `c` is escaped on screen: a control character (C0, DEL, C1), a
/// bidirectional control (U+061C, U+200E, U+200F, U+202A–U+202E,
/// U+2066–U+2069), a line or paragraph separator (U+2028, U+2029), or an
/// invisible format character that can make two different strings look the
/// same (soft hyphen U+00AD, combining grapheme joiner U+034F, zero-width
/// U+200B–U+200D, word joiner and invisible operators U+2060–U+2064, the
/// deprecated format controls U+206A–U+206F, the byte order mark U+FEFF,
/// interlinear annotations U+FFF9–U+FFFB, Hangul and Khmer fillers, musical
/// format controls and tag characters), and every other character of
/// Unicode's format category (Cf): the Arabic, Syriac and Kaithi number
/// signs, the Mongolian vowel separator, shorthand format controls and
/// Egyptian hieroglyph format controls.
///
/// Variation selectors (U+FE00–U+FE0F, U+E0100–U+E01EF) and the Mongolian
/// free variation selectors are left alone: Chinese names written with
/// ideographic variation sequences and Mongolian script need them.
#[must_use]
pub fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{ad}'
                | '\u{34f}'
                | '\u{600}'..='\u{605}'
                | '\u{61c}'
                | '\u{6dd}'
                | '\u{70f}'
                | '\u{890}'..='\u{891}'
                | '\u{8e2}'
                | '\u{180e}'
                | '\u{115f}'
                | '\u{1160}'
                | '\u{17b4}'
                | '\u{17b5}'
                | '\u{200b}'..='\u{200f}'
                | '\u{2028}'..='\u{202e}'
                | '\u{2060}'..='\u{206f}'
                | '\u{3164}'
                | '\u{feff}'
                | '\u{ffa0}'
                | '\u{fff9}'..='\u{fffb}'
                | '\u{110bd}'
                | '\u{110cd}'
                | '\u{13430}'..='\u{1343f}'
                | '\u{1bca0}'..='\u{1bca3}'
                | '\u{1d173}'..='\u{1d17a}'
                | '\u{e0000}'..='\u{e007f}'
        )
}

/// `s` for people, at most [`MAX_NAME_CHARS`] characters: for ids, kinds,
/// issuer ids, field names and display names. See the [module](self).
#[must_use]
pub fn escape(s: &str) -> Cow<'_, str> {
    escape_max(s, MAX_NAME_CHARS)
}

/// `s` for people, at most [`MAX_TEXT_CHARS`] characters: for reasons, field
/// values and messages. See the [module](self).
#[must_use]
pub fn escape_text(s: &str) -> Cow<'_, str> {
    escape_max(s, MAX_TEXT_CHARS)
}

/// `s` for people: [`is_unsafe`] characters as visible escapes, backslashes
/// doubled, and at most `max_chars` characters of that (an escape is never
/// cut), followed by `…(+N chars)` when `N` characters of `s` are left out.
/// Borrowed when `s` is returned unchanged.
#[must_use]
pub fn escape_max(s: &str, max_chars: usize) -> Cow<'_, str> {
    let mut count = 0usize;
    let clean = s.chars().all(|c| {
        count += 1;
        count <= max_chars && c != '\\' && !is_unsafe(c)
    });
    if clean {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len().min(max_chars.saturating_mul(4)) + 16);
    let mut shown = 0usize;
    for (i, c) in s.chars().enumerate() {
        let len = escaped_len(c);
        if shown + len > max_chars {
            let elided = s.chars().count() - i;
            let unit = if elided == 1 { "char" } else { "chars" };
            // Writing to a String cannot fail.
            let _ = write!(out, "…(+{elided} {unit})");
            return Cow::Owned(out);
        }
        push_escaped(&mut out, c);
        shown += len;
    }
    Cow::Owned(out)
}

/// Characters `c` takes once escaped.
fn escaped_len(c: char) -> usize {
    match c {
        '\n' | '\r' | '\t' | '\\' => 2,
        // `\u{` + hex digits + `}`
        c if is_unsafe(c) => 4 + hex_digits(u32::from(c)),
        _ => 1,
    }
}

fn hex_digits(n: u32) -> usize {
    let bits = 32 - n.leading_zeros() as usize;
    bits.div_ceil(4).max(1)
}

fn push_escaped(out: &mut String, c: char) {
    match c {
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        '\\' => out.push_str("\\\\"),
        c if is_unsafe(c) => {
            let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
        }
        c => out.push(c),
    }
}

/// Writes a disclosed value for people: compact JSON syntax as in
/// [`Value::to_json`] (bytes as a hex string), with every text and map key
/// through [`escape_text`] / [`escape`] and `"` inside quotes written `\"`.
/// A value of clean text reads exactly as its JSON.
///
/// # Errors
/// Only those of `out`.
pub fn write_value(out: &mut impl fmt::Write, v: &Value) -> fmt::Result {
    match v {
        Value::Null => out.write_str("null"),
        Value::Bool(b) => out.write_str(if *b { "true" } else { "false" }),
        Value::Int(i) => write!(out, "{i}"),
        Value::Bytes(b) => write!(out, "\"{}\"", hex::encode(b)),
        Value::Text(s) => write_quoted(out, &escape_text(s)),
        Value::Array(a) => {
            out.write_char('[')?;
            for (i, item) in a.iter().enumerate() {
                if i > 0 {
                    out.write_char(',')?;
                }
                write_value(out, item)?;
            }
            out.write_char(']')
        }
        Value::Map(m) => {
            out.write_char('{')?;
            for (i, (k, item)) in m.iter().enumerate() {
                if i > 0 {
                    out.write_char(',')?;
                }
                write_quoted(out, &escape(k))?;
                out.write_char(':')?;
                write_value(out, item)?;
            }
            out.write_char('}')
        }
    }
}

/// `"` + `escaped` with its quotes written `\"` + `"`. The text is already
/// escaped (backslashes doubled), so the result stays unambiguous.
///
/// # Errors
/// Only those of `out`.
pub fn write_quoted(out: &mut impl fmt::Write, escaped: &str) -> fmt::Result {
    out.write_char('"')?;
    let mut rest = escaped;
    while let Some(i) = rest.find('"') {
        let (head, tail) = rest.split_at(i);
        out.write_str(head)?;
        out.write_str("\\\"")?;
        rest = tail.get(1..).unwrap_or_default();
    }
    out.write_str(rest)?;
    out.write_char('"')
}

/// Writes everything of a report for people but its verdict line, each
/// string from the bundle or the trust store through [`escape`] or
/// [`escape_text`], one item per line:
///
/// ```text
/// certificate: <id> (<kind>)
/// issuer: <name or (untrusted)> [<issuer id>]
/// endorsed by: <name> [<id>], …
///   [ok  ] format           <reason>      (ok, FAIL, ??, -- for passed, failed,
///   …                                       indeterminate, skipped; all ten checks)
/// disclosed:
///   <field>[ <Chinese label>]: <value>
/// ```
///
/// Labels come from `schemas` (the schema of the certificate's kind), when
/// given. The `Display` of [`Report`] is a `verdict: VALID` line (`INVALID`,
/// `INDETERMINATE`) followed by this, without labels.
///
/// # Errors
/// Only those of `out`.
pub fn write_report_body(
    out: &mut impl fmt::Write,
    report: &Report,
    schemas: Option<&SchemaRegistry>,
) -> fmt::Result {
    if let Some(c) = &report.certificate {
        writeln!(out, "certificate: {} ({})", escape(&c.id), escape(&c.kind))?;
    }
    if let Some(i) = &report.issuer {
        writeln!(
            out,
            "issuer: {} [{}]",
            i.name
                .as_deref()
                .map_or(Cow::Borrowed("(untrusted)"), escape),
            escape(&i.id)
        )?;
    }
    if !report.endorsers.is_empty() {
        out.write_str("endorsed by: ")?;
        for (n, p) in report.endorsers.iter().enumerate() {
            if n > 0 {
                out.write_str(", ")?;
            }
            write!(
                out,
                "{} [{}]",
                p.name.as_deref().map_or(Cow::Borrowed("?"), escape),
                escape(&p.id)
            )?;
        }
        out.write_char('\n')?;
    }
    for c in &report.checks {
        let mark = match c.outcome {
            Outcome::Passed => "ok  ",
            Outcome::Failed => "FAIL",
            Outcome::Indeterminate => "??  ",
            Outcome::Skipped => "--  ",
        };
        writeln!(
            out,
            "  [{mark}] {:<16} {}",
            c.check.as_str(),
            escape_text(&c.reason)
        )?;
    }
    if !report.disclosed.is_empty() {
        out.write_str("disclosed:\n")?;
        let schema = schemas
            .zip(report.certificate.as_ref())
            .and_then(|(s, c)| s.get(&c.kind));
        for (k, v) in &report.disclosed {
            write!(out, "  {}", escape(k))?;
            if let Some(label) = schema
                .and_then(|s| s.field(k))
                .and_then(|f| f.label_zh.as_deref())
            {
                write!(out, " {}", escape(label))?;
            }
            out.write_str(": ")?;
            write_value(out, v)?;
            out.write_char('\n')?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

    use std::collections::BTreeMap;

    use proptest::prelude::*;

    use super::*;
    use crate::document::Document;
    use crate::verify::{CertificateInfo, Check, CheckCode, Party, Verdict};

    fn suffix_len(elided: usize) -> usize {
        let unit = if elided == 1 { "char" } else { "chars" };
        format!("…(+{elided} {unit})").chars().count()
    }

    #[test]
    fn clean_text_is_borrowed_and_unchanged() {
        for s in [
            "",
            "cn.beijing.ghzrzyw",
            "京(2024)朝阳区不动产权第0012345号",
            "北京市规划和自然资源委员会",
            "Ünïcödé — “quoted” 😀",
        ] {
            assert!(matches!(escape(s), Cow::Borrowed(_)), "{s}");
            assert_eq!(escape(s), s);
        }
    }

    #[test]
    fn controls_bidi_and_invisible_characters_are_escaped() {
        let cases = [
            ("\u{1b}[2J", "\\u{1b}[2J"),
            ("a\nb\rc\td", "a\\nb\\rc\\td"),
            ("\0\u{7f}\u{85}\u{9b}", "\\u{0}\\u{7f}\\u{85}\\u{9b}"),
            ("\u{202e}abc\u{202c}", "\\u{202e}abc\\u{202c}"),
            (
                "\u{61c}\u{200e}\u{200f}\u{202a}\u{202b}\u{202d}",
                "\\u{61c}\\u{200e}\\u{200f}\\u{202a}\\u{202b}\\u{202d}",
            ),
            (
                "\u{2066}\u{2067}\u{2068}\u{2069}",
                "\\u{2066}\\u{2067}\\u{2068}\\u{2069}",
            ),
            ("x\u{2028}y\u{2029}z", "x\\u{2028}y\\u{2029}z"),
            (
                "\u{200b}\u{200c}\u{200d}\u{feff}\u{ad}",
                "\\u{200b}\\u{200c}\\u{200d}\\u{feff}\\u{ad}",
            ),
            ("\u{e0041}", "\\u{e0041}"),
            ("a\\nb", "a\\\\nb"),
        ];
        for (input, want) in cases {
            assert_eq!(escape(input), want, "{input:?}");
        }
        // Chinese text next to an escape stays as it is
        assert_eq!(escape("有效\u{1b}[1A无效"), "有效\\u{1b}[1A无效");
        // variation selectors stay (ideographic variation sequences)
        assert_eq!(escape("葛\u{e0100}"), "葛\u{e0100}");
    }

    #[test]
    fn long_text_is_capped_with_the_count_left_out() {
        let s = "x".repeat(182);
        assert_eq!(escape(&s), format!("{}…(+62 chars)", "x".repeat(120)));
        assert_eq!(escape_max("abc", 2), "ab…(+1 char)");
        assert_eq!(escape_max("abc", 0), "…(+3 chars)");
        assert_eq!(escape_max("abc", 3), "abc");
        // an escape is never cut: `\u{1b}` takes 6 of the 7 characters
        assert_eq!(escape_max("a\u{1b}b", 6), "a…(+2 chars)");
        assert_eq!(escape_max("a\u{1b}b", 7), "a\\u{1b}…(+1 char)");
        let cjk = "京".repeat(130);
        assert_eq!(escape(&cjk), format!("{}…(+10 chars)", "京".repeat(120)));
        assert_eq!(
            escape_text(&"y".repeat(MAX_TEXT_CHARS)).len(),
            MAX_TEXT_CHARS
        );
    }

    #[test]
    fn values_read_as_their_json_when_clean() {
        let v = Value::Map(BTreeMap::from([
            (
                "a".to_owned(),
                Value::Array(vec![Value::Int(-1), Value::Null]),
            ),
            ("b".to_owned(), Value::Bytes(vec![0, 0xff])),
            ("c".to_owned(), Value::Text("引号 \" 反斜杠".into())),
            ("d".to_owned(), Value::Bool(true)),
        ]));
        let mut out = String::new();
        write_value(&mut out, &v).unwrap();
        assert_eq!(out, v.to_json().to_string());
        let mut out = String::new();
        write_value(&mut out, &Value::Text("a\u{1b}\"\\\u{202e}".into())).unwrap();
        assert_eq!(out, "\"a\\u{1b}\\\"\\\\\\u{202e}\"");
    }

    /// The forged id of the adversarial review: 182 bytes that clear the
    /// screen, move the cursor, reverse the text and fake the end of the
    /// check list and a `VALID` banner.
    fn forged_id() -> String {
        let mut id = String::from("\u{1b}[2J\u{1b}[H\u{1b}[1A\r\u{202e}京(2024)0001\u{202c}");
        id.push_str("\ndisclosed:\nVALID 有效\n\u{1b}[32m  [ok  ] format all good\u{1b}[0m");
        while id.len() < 182 {
            id.push(' ');
        }
        id
    }

    fn forged_report() -> Report {
        let id = forged_id();
        assert_eq!(id.len(), 182);
        Report {
            verdict: Verdict::Invalid,
            checks: CheckCode::ALL
                .iter()
                .map(|c| Check {
                    check: *c,
                    outcome: Outcome::Failed,
                    code: crate::ResultCode::UnknownKey,
                    reason: format!("issuer `{id}` is not in the trust store"),
                })
                .collect(),
            certificate: Some(CertificateInfo {
                id: id.clone(),
                kind: "real_estate_title\u{1b}[8m".into(),
                issuer: "cn.x\u{2067}".into(),
                issued_at: 0,
                valid_from: 0,
                valid_until: None,
            }),
            disclosed: BTreeMap::from([
                ("location".to_owned(), Value::Text(format!("{id}顺义区"))),
                (format!("x{id}"), Value::Int(1)),
            ]),
            issuer: Some(Party {
                id: "cn.x\u{2067}".into(),
                name: Some("名\u{1b}[2K\rVALID".into()),
            }),
            endorsers: vec![Party {
                id: "cn.tax\n".into(),
                name: None,
            }],
            anchor: None,
            status: Vec::new(),
            ledger: None,
            verified_at: 0,
        }
    }

    #[test]
    fn report_display_escapes_every_untrusted_string() {
        let r = forged_report();
        let text = r.to_string();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "verdict: INVALID");
        assert!(lines[1].starts_with("certificate: \\u{1b}[2J"), "{text}");
        let shown = lines[1]
            .strip_prefix("certificate: ")
            .and_then(|l| l.strip_suffix(" (real_estate_title\\u{1b}[8m)"))
            .and_then(|l| l.rsplit_once("…(+"))
            .unwrap();
        assert_eq!(shown.0.chars().count(), MAX_NAME_CHARS, "{text}");
        assert_eq!(lines[2], "issuer: 名\\u{1b}[2K\\rVALID [cn.x\\u{2067}]");
        assert_eq!(lines[3], "endorsed by: ? [cn.tax\\n]");
        for (line, c) in lines[4..14].iter().zip(CheckCode::ALL) {
            assert!(
                line.starts_with(&format!("  [FAIL] {:<16} issuer `", c.as_str())),
                "{line}"
            );
        }
        assert_eq!(lines[14], "disclosed:");
        assert!(lines[15].starts_with("  location: \"\\u{1b}[2J"), "{text}");
        assert!(lines[15].ends_with("顺义区\""), "{text}");
        assert!(lines[16].starts_with("  x\\u{1b}[2J"), "{text}");
        assert_eq!(lines.len(), 17, "{text}");
        assert!(!text.chars().any(|c| c != '\n' && is_unsafe(c)), "{text:?}");
        assert_eq!(lines.iter().filter(|l| **l == "disclosed:").count(), 1);
        assert!(
            !lines[1..]
                .iter()
                .any(|l| l.starts_with("VALID") || l.starts_with("verdict"))
        );
    }

    #[test]
    fn report_body_has_chinese_labels_with_a_registry() {
        let mut r = forged_report();
        r.certificate = r.certificate.map(|mut c| {
            c.kind = "real_estate_title".into();
            c
        });
        let mut out = String::new();
        write_report_body(&mut out, &r, Some(&SchemaRegistry::builtin())).unwrap();
        assert!(out.contains("\n  location 坐落: \""), "{out}");
        let mut plain = String::new();
        write_report_body(&mut plain, &r, None).unwrap();
        assert!(plain.contains("\n  location: \""), "{plain}");
        assert_eq!(
            r.to_string(),
            format!("verdict: INVALID\n{plain}"),
            "Display is the verdict line and the body without labels"
        );
    }

    #[test]
    fn a_real_report_reads_as_before() {
        use crate::{IssueOptions, Issuer, TrustStore, Verifier, sample};
        let land = sample::demo_authorities().remove(0);
        let batch = Issuer::new(land.key.clone(), land.id)
            .issue(
                "b",
                &[sample::real_estate_title(1)],
                &IssueOptions::at(sample::JAN_1_2024),
            )
            .unwrap();
        let bundle = batch.bundle(0, Some(&["location"])).unwrap();
        let trust = TrustStore::from_doc(sample::demo_trust_doc(None)).unwrap();
        let r = Verifier::new(trust).verify(&bundle.to_vec(), sample::JAN_1_2024 + 60);
        let text = r.to_string();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "verdict: INVALID", "{text}");
        assert!(lines[1].starts_with("certificate: 京("), "{text}");
        assert!(lines[1].ends_with("号 (real_estate_title)"), "{text}");
        assert_eq!(
            lines[2],
            "issuer: 北京市规划和自然资源委员会 [cn.beijing.ghzrzyw]"
        );
        assert!(lines[3].starts_with("  [ok  ] format           "), "{text}");
        assert!(lines[8].starts_with("  [FAIL] endorsements     "), "{text}");
        assert_eq!(lines[13], "disclosed:");
        let location = r.disclosed["location"].to_json().to_string();
        assert_eq!(lines[14], format!("  location: {location}"));
    }

    proptest! {
        #[test]
        fn output_is_safe_and_bounded(
            s in proptest::collection::vec(
                prop_oneof![
                    any::<char>(),
                    prop::sample::select(vec![
                        '\u{1b}', '\n', '\r', '\\', '\u{202e}', '\u{2066}', '\u{200b}',
                        '\u{feff}', '\u{85}', '\u{7f}', '京', '有', '效',
                    ]),
                ],
                0..300,
            ).prop_map(|v| v.into_iter().collect::<String>()),
            max in 0usize..200,
        ) {
            let out = escape_max(&s, max);
            prop_assert!(!out.chars().any(is_unsafe), "{:?}", out);
            let n = s.chars().count();
            let cap = max + suffix_len(n);
            prop_assert!(out.chars().count() <= cap, "{} > {}: {:?}", out.chars().count(), cap, out);
            if let Some((shown, _)) = out.rsplit_once("…(+") {
                prop_assert!(shown.chars().count() <= max);
            }
            // clean and short: unchanged and borrowed
            if n <= max && !s.chars().any(|c| c == '\\' || is_unsafe(c)) {
                prop_assert!(matches!(out, Cow::Borrowed(_)));
                prop_assert_eq!(out.as_ref(), s.as_str());
            }
            // whole: unescaping gives the input back
            if !out.contains("…(+") {
                prop_assert_eq!(unescape(&out), s);
            }
        }
    }

    /// The inverse of the escapes, for the property test.
    fn unescape(s: &str) -> String {
        let mut out = String::new();
        let mut it = s.chars();
        while let Some(c) = it.next() {
            if c != '\\' {
                out.push(c);
                continue;
            }
            match it.next() {
                Some('n') => out.push('\n'),
                Some('r') => out.push('\r'),
                Some('t') => out.push('\t'),
                Some('\\') => out.push('\\'),
                Some('u') => {
                    let hex: String = it.by_ref().skip(1).take_while(|c| *c != '}').collect();
                    out.push(char::from_u32(u32::from_str_radix(&hex, 16).unwrap()).unwrap());
                }
                other => panic!("bad escape {other:?}"),
            }
        }
        out
    }
}
