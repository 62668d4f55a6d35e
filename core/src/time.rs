//! Time, in one place: the clock, the time texts the tools accept, and the
//! RFC 3339 texts every report and file writes. Times are whole Unix
//! seconds (`u64`) everywhere in the library.
//!
//! ```
//! use certanchor::time;
//! assert_eq!(time::parse("2024-01-01", false), Ok(1_704_067_200));
//! assert_eq!(time::parse("2024-01-01", true), Ok(1_704_153_599));
//! assert_eq!(time::parse("2024-01-01T08:00:00+08:00", false), Ok(1_704_067_200));
//! assert_eq!(time::format(1_704_067_200), "2024-01-01T00:00:00Z");
//! assert!(time::parse("yesterday", false).is_err());
//! ```
//!
//! Below them, Gregorian calendar dates and RFC 3339 timestamps.
//!
//! The few date operations the library needs: is `(y, m, d)` a real date,
//! days since 1970-01-01 and back (H. Hinnant's `days_from_civil` /
//! `civil_from_days`, exact over the proleptic Gregorian calendar), and
//! RFC 3339 §5.6 `date-time` text to Unix seconds and back. Written here
//! rather than taken from the `time` crate, which cost the WebAssembly
//! module ~11 KB for these four functions; the unit tests compare every
//! function against `time` (a dev-dependency) over random inputs.

/// Now, in Unix seconds (0 for a clock set before 1970). Not on
/// `wasm32-unknown-unknown`, which has no clock: the page passes the
/// browser's time in.
#[cfg(not(all(target_arch = "wasm32", target_os = "unknown")))]
#[must_use]
pub fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Parses a time as the tools accept it: Unix seconds, RFC 3339, or a
/// `YYYY-MM-DD` date (start of day UTC, or its last second when
/// `end_of_day`).
///
/// # Errors
/// A reason when the text is none of these, or a date before 1970.
pub fn parse(s: &str, end_of_day: bool) -> Result<u64, String> {
    let s = s.trim();
    if let Ok(n) = s.parse::<u64>() {
        return Ok(n);
    }
    if let Some(t) = parse_rfc3339_unix(s) {
        return Ok(t);
    }
    let not_a_date =
        || format!("`{s}` is not a date (YYYY-MM-DD), an RFC 3339 time or Unix seconds");
    let (y, m, d) = parse_full_date(s).ok_or_else(not_a_date)?;
    check_date(y, m, d).map_err(|_| not_a_date())?;
    let secs = days_from_civil(y, m, d) * 86_400;
    let secs = u64::try_from(secs).map_err(|_| format!("`{s}` is before 1970"))?;
    Ok(if end_of_day { secs + 86_399 } else { secs })
}

/// Formats Unix seconds as RFC 3339 UTC (`2024-01-01T00:00:00Z`); past
/// year 9999, as the decimal number of seconds.
#[must_use]
pub fn format(t: u64) -> String {
    let mut out = String::with_capacity(20);
    push(&mut out, t);
    out
}

/// Appends [`format`] to `out`.
pub(crate) fn push(out: &mut String, t: u64) {
    if !push_rfc3339(out, t) {
        out.push_str(&t.to_string());
    }
}

/// Parses an RFC 3339 timestamp into Unix seconds (not before 1970).
pub(crate) fn parse_rfc3339_unix(s: &str) -> Option<u64> {
    u64::try_from(parse_rfc3339(s)?).ok()
}

/// Latest instant representable with a 4-digit year: 9999-12-31T23:59:59Z.
pub(crate) const MAX_SECONDS: i64 = 253_402_300_799;

/// Whether `year` is a Gregorian leap year.
const fn is_leap(year: i64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

/// Number of days in `month` (1–12) of `year`; 0 for a month that does not exist.
pub(crate) const fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(year) => 29,
        2 => 28,
        _ => 0,
    }
}

/// Checks that `(year, month, day)` is a real Gregorian calendar date.
///
/// # Errors
/// A sentence naming the month or date that does not exist.
pub(crate) fn check_date(year: i64, month: u32, day: u32) -> Result<(), String> {
    let dim = days_in_month(year, month);
    if dim == 0 {
        return Err(format!("month {month:02} does not exist"));
    }
    if day == 0 || day > dim {
        return Err(format!(
            "{year:04}-{month:02}-{day:02} is not a calendar date"
        ));
    }
    Ok(())
}

/// Days from 1970-01-01 to `(year, month, day)` (negative before it). The
/// date must be valid (see [`check_date`]).
pub(crate) const fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400; // [0, 399]
    let mp = (month as i64 + 9) % 12; // March = 0
    let doy = (153 * mp + 2) / 5 + day as i64 - 1; // [0, 365]
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy; // [0, 146096]
    era * 146_097 + doe - 719_468
}

/// The date `days` after 1970-01-01: `(year, month, day)`.
pub(crate) const fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097; // [0, 146096]
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365; // [0, 399]
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // [0, 365]
    let mp = (5 * doy + 2) / 153; // [0, 11]
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32; // [1, 31]
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32; // [1, 12]
    let year = yoe + era * 400 + if month <= 2 { 1 } else { 0 };
    (year, month, day)
}

/// Reads the ASCII digits `s[at..at + n]` as a number.
fn digits(s: &[u8], at: usize, n: usize) -> Option<u32> {
    let part = s.get(at..at.checked_add(n)?)?;
    part.iter().try_fold(0u32, |acc, &c| {
        c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
    })
}

/// Parses a `full-date` (`YYYY-MM-DD`, RFC 3339 §5.6) into `(year, month,
/// day)` if it has that exact shape; the date itself is not checked.
pub(crate) fn parse_full_date(s: &str) -> Option<(i64, u32, u32)> {
    let b = s.as_bytes();
    if b.len() != 10 || b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
        return None;
    }
    Some((
        i64::from(digits(b, 0, 4)?),
        digits(b, 5, 2)?,
        digits(b, 8, 2)?,
    ))
}

/// Parses an RFC 3339 §5.6 `date-time` into Unix seconds (fractions of a
/// second truncated toward the past).
///
/// Accepted: `YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)` with `T`/`Z` in either
/// case or a space for the `T` (the readability variant §5.6 allows; the
/// `time` crate, used before, took any byte there), a real date, hours ≤ 23, minutes ≤ 59, seconds ≤ 59 (a leap second
/// `:60` is accepted only at 23:59:60 UTC on the last day of a month and
/// read as `:59`, as the `time` crate does), offsets up to ±23:59, and a
/// UTC instant no later than year 9999. Anything else is `None`.
pub(crate) fn parse_rfc3339(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    let (year, month, day) = parse_full_date(s.get(..10)?)?;
    check_date(year, month, day).ok()?;
    if !matches!(b.get(10), Some(b'T' | b't' | b' '))
        || b.get(13) != Some(&b':')
        || b.get(16) != Some(&b':')
    {
        return None;
    }
    let (hour, minute, second) = (digits(b, 11, 2)?, digits(b, 14, 2)?, digits(b, 17, 2)?);
    if hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let mut rest = b.get(19..)?;
    if let Some((b'.', frac)) = rest.split_first() {
        let n = frac.iter().take_while(|c| c.is_ascii_digit()).count();
        if n == 0 {
            return None;
        }
        rest = frac.get(n..)?;
    }
    let offset_minutes: i64 = match rest {
        [b'Z' | b'z'] => 0,
        [sign @ (b'+' | b'-'), _, _, b':', _, _] => {
            let (oh, om) = (digits(rest, 1, 2)?, digits(rest, 4, 2)?);
            if oh > 23 || om > 59 {
                return None;
            }
            let m = i64::from(oh * 60 + om);
            if *sign == b'-' { -m } else { m }
        }
        _ => return None,
    };
    let local = days_from_civil(year, month, day) * 86_400
        + i64::from(hour * 3600 + minute * 60 + second.min(59));
    let utc = local - offset_minutes * 60;
    if second == 60 {
        // Only where a leap second can be: 23:59:60 UTC, last day of a month.
        let (uy, um, ud) = civil_from_days(utc.div_euclid(86_400));
        if utc.rem_euclid(86_400) != 86_399 || ud != days_in_month(uy, um) {
            return None;
        }
    }
    (utc <= MAX_SECONDS).then_some(utc)
}

/// Formats Unix seconds as RFC 3339 UTC, `YYYY-MM-DDTHH:MM:SSZ`; `None`
/// past year 9999.
#[cfg(test)]
pub(crate) fn format_rfc3339(t: u64) -> Option<String> {
    let mut out = String::with_capacity(20);
    push_rfc3339(&mut out, t).then_some(out)
}

/// Appends [`format_rfc3339`] to `out`; `false`, and `out` unchanged, past
/// year 9999.
pub(crate) fn push_rfc3339(out: &mut String, t: u64) -> bool {
    match rfc3339_bytes(t).as_ref().map(|b| std::str::from_utf8(b)) {
        Some(Ok(text)) => {
            out.push_str(text);
            true
        }
        _ => false,
    }
}

/// The 20 ASCII bytes of [`format_rfc3339`].
fn rfc3339_bytes(t: u64) -> Option<[u8; 20]> {
    let t = i64::try_from(t).ok().filter(|&t| t <= MAX_SECONDS)?;
    let (year, month, day) = civil_from_days(t / 86_400);
    let s = t % 86_400;
    // Written digit by digit: reports format two times per verification,
    // and `format!` was most of that cost.
    let mut out = [0u8; 20];
    let mut put = |at: usize, v: i64, width: u32| {
        for k in 0..width {
            let digit = (v / 10_i64.pow(width - 1 - k)) % 10;
            if let Some(slot) = out.get_mut(at + k as usize) {
                *slot = b'0' + u8::try_from(digit).unwrap_or(0);
            }
        }
    };
    put(0, year, 4);
    put(5, i64::from(month), 2);
    put(8, i64::from(day), 2);
    put(11, s / 3600, 2);
    put(14, s / 60 % 60, 2);
    put(17, s % 60, 2);
    for (at, c) in [
        (4, b'-'),
        (7, b'-'),
        (10, b'T'),
        (13, b':'),
        (16, b':'),
        (19, b'Z'),
    ] {
        if let Some(slot) = out.get_mut(at) {
            *slot = c;
        }
    }
    Some(out)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::panic)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::format_description::well_known::Rfc3339;
    use time::{Date, Month, OffsetDateTime};

    /// The `time` crate's reading of the same text (the reference).
    fn reference(s: &str) -> Option<i64> {
        OffsetDateTime::parse(s, &Rfc3339)
            .ok()
            .map(OffsetDateTime::unix_timestamp)
    }

    #[test]
    fn known_instants() {
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse_rfc3339("1970-01-01 00:00:01Z"), Some(1));
        assert_eq!(
            parse_rfc3339("2024-01-01T08:00:00+08:00"),
            Some(1_704_067_200)
        );
        assert_eq!(
            parse_rfc3339("2024-01-01t00:00:00.999z"),
            Some(1_704_067_200)
        );
        assert_eq!(parse_rfc3339("1969-12-31T23:59:59.5Z"), Some(-1));
        assert_eq!(parse_rfc3339("9999-12-31T23:59:59Z"), Some(MAX_SECONDS));
        // RFC 3339 §5.8 examples.
        assert_eq!(parse_rfc3339("1985-04-12T23:20:50.52Z"), Some(482_196_050));
        assert_eq!(
            parse_rfc3339("1996-12-19T16:39:57-08:00"),
            Some(851_042_397)
        );
        assert_eq!(parse_rfc3339("1990-12-31T23:59:60Z"), Some(662_687_999));
        assert_eq!(
            parse_rfc3339("1990-12-31T15:59:60-08:00"),
            Some(662_687_999)
        );
        assert_eq!(format_rfc3339(0).as_deref(), Some("1970-01-01T00:00:00Z"));
        assert_eq!(
            format_rfc3339(1_709_164_800).as_deref(),
            Some("2024-02-29T00:00:00Z")
        );
        assert_eq!(format_rfc3339(MAX_SECONDS as u64 + 1), None);
    }

    #[test]
    fn rejects_what_rfc3339_does_not_allow() {
        for bad in [
            "",
            "2024-01-01",
            "2024-01-01T00:00:00",
            "2024-02-30T00:00:00Z",
            "2024-13-01T00:00:00Z",
            "2024-01-01T24:00:00Z",
            "2024-01-01T00:60:00Z",
            "2024-01-01T00:00:61Z",
            "2024-01-01T12:00:60Z",
            "2024-01-01T00:00:00.Z",
            "2024-01-01T00:00:00+24:00",
            "2024-01-01T00:00:00+08",
            "2024-01-01T00:00:00+0800",
            "2024-01-01T00:00:00ZZ",
            "+2024-01-01T00:00:00Z",
            "２０２４-01-01T00:00:00Z",
        ] {
            assert_eq!(parse_rfc3339(bad), None, "{bad}");
            assert_eq!(reference(bad), None, "the reference disagrees on {bad}");
        }
        // Stricter than the reference, which takes any byte between date and
        // time: RFC 3339 allows `T`, `t` and (§5.6 note) a space.
        assert_eq!(parse_rfc3339("2024-01-01_00:00:00Z"), None);
        assert!(reference("2024-01-01_00:00:00Z").is_some());
        // And past 9999-12-31T23:59:59Z, which has no 4-digit-year UTC form.
        assert_eq!(parse_rfc3339("9999-12-31T23:59:59-00:01"), None);
    }

    #[test]
    fn day_numbers_agree_with_the_time_crate_on_every_day_of_years_0_to_9999() {
        let epoch = Date::from_calendar_date(1970, Month::January, 1).unwrap();
        let mut d = Date::from_calendar_date(0, Month::January, 1).unwrap();
        let last = Date::from_calendar_date(9999, Month::December, 31).unwrap();
        loop {
            let (y, m, day) = (
                i64::from(d.year()),
                u32::from(u8::from(d.month())),
                u32::from(d.day()),
            );
            let n = (d - epoch).whole_days();
            assert_eq!(days_from_civil(y, m, day), n, "{d}");
            assert_eq!(civil_from_days(n), (y, m, day), "{d}");
            assert!(check_date(y, m, day).is_ok(), "{d}");
            assert_eq!(days_in_month(y, m), u32::from(d.month().length(d.year())));
            if d == last {
                break;
            }
            d = d.next_day().unwrap();
        }
    }

    proptest! {
        #[test]
        fn parse_agrees_with_the_time_crate(
            y in 0u32..10_000, mo in 0u32..14, d in 0u32..33,
            h in 0u32..25, mi in 0u32..61, s in 0u32..62,
            frac in proptest::option::of("[0-9]{1,12}"),
            t in prop_oneof![Just('T'), Just('t'), Just(' ')],
            off in prop_oneof![
                Just("Z".to_owned()), Just("z".to_owned()),
                (any::<bool>(), 0u32..25, 0u32..61).prop_map(|(neg, oh, om)| {
                    format!("{}{oh:02}:{om:02}", if neg { '-' } else { '+' })
                }),
            ],
        ) {
            let frac = frac.map(|f| format!(".{f}")).unwrap_or_default();
            let text = format!("{y:04}-{mo:02}-{d:02}{t}{h:02}:{mi:02}:{s:02}{frac}{off}");
            let want = reference(&text).filter(|&t| t <= MAX_SECONDS);
            prop_assert_eq!(parse_rfc3339(&text), want, "{}", text);
        }

        #[test]
        fn arbitrary_text_parses_as_the_time_crate_does(text in "[0-9T:.+Zz -]{0,40}") {
            let separator_ok = matches!(text.as_bytes().get(10), Some(b'T' | b't' | b' '));
            let want = reference(&text).filter(|&t| separator_ok && t <= MAX_SECONDS);
            prop_assert_eq!(parse_rfc3339(&text), want);
        }

        #[test]
        fn format_agrees_with_the_time_crate_and_round_trips(t in 0u64..=MAX_SECONDS as u64) {
            let ours = format_rfc3339(t).unwrap();
            let theirs = OffsetDateTime::from_unix_timestamp(t as i64).unwrap().format(&Rfc3339).unwrap();
            prop_assert_eq!(&ours, &theirs);
            prop_assert_eq!(parse_rfc3339(&ours), Some(t as i64));
        }
    }
}
