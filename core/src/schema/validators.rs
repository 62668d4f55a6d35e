//! Domain validators: Chinese identifiers and certanchor's text forms of
//! decimals and dates.
//!
//! | validator | standard |
//! |---|---|
//! | [`validate_uscc`], [`uscc_check_char`] | GB 32100-2015 法人和其他组织统一社会信用代码编码规则 |
//! | [`validate_resident_id`], [`resident_id_check_char`] | GB 11643-1999 公民身份号码; check character ISO 7064:1983 MOD 11-2 |
//! | [`validate_unit_number`] | GB/T 37346-2019 不动产单元设定与代码编制规则 (不动产单元代码) |
//! | [`validate_title_number`] | numbering of the 不动产权证书 (Ministry of Natural Resources certificate format) |
//! | [`validate_decimal`] | certanchor decimal text (SPEC §3.8: no floats, areas and money as text) |
//! | [`validate_date`] | ISO 8601 calendar date, extended format `YYYY-MM-DD` (RFC 3339 `full-date`) |
//! | [`validate_currency`] | ISO 4217 alphabetic code shape |
//!
//! Every `validate_*` function returns `Err` with a short English sentence
//! saying what is wrong; it never panics, whatever the input.
//!
//! ```
//! use certanchor::schema::validators::{uscc_check_char, validate_uscc, validate_resident_id};
//! // Worked example of GB 32100-2015: the check character of 91350100M000100Y4? is `3`.
//! assert_eq!(uscc_check_char("91350100M000100Y4"), Some('3'));
//! assert!(validate_uscc("91350100M000100Y43").is_ok());
//! assert!(validate_uscc("91350100M000100Y4Z").is_err());
//! // Example of GB 11643-1999 Annex A (北京市朝阳区).
//! assert!(validate_resident_id("11010519491231002X").is_ok());
//! ```

/// The 31 characters a unified social credit code may contain, in the order
/// of their values 0..=30 (GB 32100-2015 Table: digits and uppercase Latin
/// letters except I, O, S, V, Z).
pub const USCC_CHARSET: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";

/// Weights of positions 1..=17 of a unified social credit code:
/// `W_i = 3^(i-1) mod 31` (GB 32100-2015).
const USCC_WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

/// Registration-authority codes allowed as the first character of a unified
/// social credit code: GB 32100-2015 Table 1 (`1` 机构编制, `5` 民政,
/// `9` 工商, `Y` 其他) and the codes assigned to further registration
/// authorities since (`2`–`4`, `6`–`8`, `A`, `N`).
pub const USCC_AUTHORITY_CODES: &str = "123456789ANY";

/// Weights of positions 1..=17 of a resident identity number:
/// `W_i = 2^(18-i) mod 11` (ISO 7064 MOD 11-2, GB 11643-1999 §5.2).
const RESIDENT_ID_WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];

/// Check characters of ISO 7064 MOD 11-2 indexed by `sum mod 11`.
const RESIDENT_ID_CHECK: &[u8; 11] = b"10X98765432";

/// Earliest birth year accepted in a resident identity number.
pub const MIN_BIRTH_YEAR: i32 = 1800;

/// Longest accepted decimal text, in bytes (sign, digits and point).
pub const MAX_DECIMAL_LEN: usize = 64;

/// Length of a 不动产单元代码 (GB/T 37346-2019 §8.1).
pub const UNIT_NUMBER_LEN: usize = 28;

/// First letter of the 宗地（宗海）特征码: land ownership (GB/T 37346-2019
/// §8.2): `G` state (国家土地/海域所有权), `J` collective (集体土地所有权),
/// `Z` ownership undetermined or disputed (土地所有权未确定或有争议).
pub const PARCEL_OWNERSHIP_CODES: &str = "GJZ";

/// Second letter of the 宗地（宗海）特征码: the kind of parcel or right
/// (GB/T 37346-2019 §8.2):
/// `A` collective land ownership parcel (集体土地所有权宗地, only after `J`),
/// `B` construction-land use right, surface (建设用地使用权宗地（地表）),
/// `S` … above ground (地上), `X` … below ground (地下),
/// `C` rural homestead (宅基地使用权宗地, only after `J`),
/// `D` / `E` / `F` contracted land: arable / forest / grass (土地承包经营权宗地（耕地/林地/草地）),
/// `H` sea area use right (海域使用权宗海), `G` uninhabited island (无居民海岛使用权),
/// `W` use right undetermined or disputed (使用权未确定或有争议),
/// `Y` other use rights (其他使用权).
pub const PARCEL_FEATURE_CODES: &str = "ABSXCDEFHGWY";

/// 定着物特征码 (GB/T 37346-2019 §8.2): `F` buildings and structures
/// (房屋等建筑物、构筑物), `L` forests and trees (森林或林木), `Q` other
/// fixtures (其他类型的定着物), `W` no fixture (无定着物).
pub const FIXTURE_CODES: &str = "FLQW";

/// Provincial abbreviations that open a 不动产权证书 number (both forms where a
/// province has two, e.g. 贵/黔, 云/滇).
const PROVINCE_ABBREVIATIONS: &str =
    "京津沪渝冀晋蒙辽吉黑苏浙皖闽赣鲁豫鄂湘粤桂琼川蜀贵黔云滇藏陕秦甘陇青宁新港澳台";

/// Value of an ASCII digit.
fn digit(c: char) -> Option<u32> {
    c.to_digit(10)
}

/// The number formed by `s` if it is non-empty and all ASCII digits.
fn digits_value(s: &str) -> Option<u32> {
    if s.is_empty() || s.len() > 9 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// Checks that `(year, month, day)` is a real Gregorian calendar date.
fn calendar_date(year: i32, month: u32, day: u32) -> Result<(), String> {
    crate::time::check_date(i64::from(year), month, day)
}

/// Value of each ASCII character in [`USCC_CHARSET`] (`u8::MAX` = not in the set).
// Evaluated at compile time: an index out of range would fail the build.
#[allow(clippy::indexing_slicing)]
const USCC_VALUES: [u8; 128] = {
    let mut t = [u8::MAX; 128];
    let set = USCC_CHARSET.as_bytes();
    let mut i = 0;
    while i < set.len() {
        t[set[i] as usize] = i as u8;
        i += 1;
    }
    t
};

fn uscc_value(c: char) -> Option<u32> {
    let v = *USCC_VALUES.get(usize::try_from(u32::from(c)).ok()?)?;
    (v != u8::MAX).then_some(u32::from(v))
}

/// Computes the GB 32100-2015 check character (18th character) of a unified
/// social credit code from its first 17 characters.
///
/// `C18 = 31 − MOD(Σ Ci × Wi, 31)` with `Wi = 3^(i−1) mod 31`, mapped back
/// through [`USCC_CHARSET`] (a result of 31 becomes 0).
///
/// Returns `None` unless `first17` is exactly 17 characters of [`USCC_CHARSET`].
///
/// ```
/// use certanchor::schema::validators::uscc_check_char;
/// assert_eq!(uscc_check_char("91110000600037341"), Some('L'));
/// assert_eq!(uscc_check_char("9111000060003734"), None); // 16 characters
/// assert_eq!(uscc_check_char("9111000060003734I"), None); // I is not in the character set
/// ```
#[must_use]
pub fn uscc_check_char(first17: &str) -> Option<char> {
    if first17.len() != 17 {
        return None;
    }
    let mut sum = 0u32;
    for (c, w) in first17.chars().zip(USCC_WEIGHTS) {
        sum += uscc_value(c)? * w;
    }
    let value = (31 - sum % 31) % 31;
    USCC_CHARSET
        .as_bytes()
        .get(usize::try_from(value).ok()?)
        .map(|&b| char::from(b))
}

/// Validates a unified social credit code (统一社会信用代码, GB 32100-2015).
///
/// Checks: 18 characters from [`USCC_CHARSET`] (uppercase only); the first
/// (registration authority) in [`USCC_AUTHORITY_CODES`]; the second (entity
/// category) a digit 1–9; characters 3–8 (administrative division of the
/// registering authority, GB/T 2260) digits; the 18th the check character
/// computed by [`uscc_check_char`]. Characters 9–17 (主体标识码) may be any
/// character of the set.
///
/// # Errors
/// A sentence naming the first rule that fails.
///
/// ```
/// use certanchor::schema::validators::validate_uscc;
/// assert!(validate_uscc("91110000600037341L").is_ok());
/// assert!(validate_uscc("91110000600037341N").unwrap_err().contains("check character"));
/// ```
pub fn validate_uscc(s: &str) -> Result<(), String> {
    let n = s.chars().count();
    if n != 18 {
        return Err(format!("must be 18 characters, found {n}"));
    }
    // The 18th character is compared with the computed check character below.
    for (i, c) in s.chars().take(17).enumerate() {
        if uscc_value(c).is_none() {
            let hint = if c.is_ascii_lowercase() {
                "letters must be uppercase"
            } else {
                "allowed are digits and uppercase letters except I, O, S, V, Z"
            };
            return Err(format!(
                "character `{c}` at position {} is not allowed ({hint})",
                i + 1
            ));
        }
    }
    let mut chars = s.chars();
    let authority = chars.next().unwrap_or_default();
    if !USCC_AUTHORITY_CODES.contains(authority) {
        return Err(format!(
            "first character `{authority}` is not a registration-authority code ({USCC_AUTHORITY_CODES})"
        ));
    }
    let category = chars.next().unwrap_or_default();
    if !matches!(category, '1'..='9') {
        return Err(format!(
            "second character `{category}` is not an entity-category code (1-9)"
        ));
    }
    let division = s.get(2..8).unwrap_or_default();
    if !division.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!(
            "characters 3-8 `{division}` must be the digits of an administrative division code"
        ));
    }
    let body = s.get(..17).unwrap_or_default();
    let found = s.chars().nth(17).unwrap_or_default();
    match uscc_check_char(body) {
        Some(expected) if expected == found => Ok(()),
        Some(expected) if found.is_ascii_lowercase() => Err(format!(
            "check character `{found}` must be uppercase (GB 32100-2015 gives `{expected}`)"
        )),
        Some(expected) => Err(format!(
            "check character is `{found}`, GB 32100-2015 gives `{expected}`"
        )),
        None => Err("cannot compute the check character".to_owned()),
    }
}

/// Computes the ISO 7064 MOD 11-2 check character of a resident identity
/// number (GB 11643-1999) from its first 17 digits: `'0'..='9'` or `'X'` (10).
///
/// Returns `None` unless `first17` is exactly 17 ASCII digits.
///
/// ```
/// use certanchor::schema::validators::resident_id_check_char;
/// assert_eq!(resident_id_check_char("11010519491231002"), Some('X'));
/// assert_eq!(resident_id_check_char("44052418800101001"), Some('4'));
/// assert_eq!(resident_id_check_char("4405241880010100"), None);
/// ```
#[must_use]
pub fn resident_id_check_char(first17: &str) -> Option<char> {
    if first17.len() != 17 {
        return None;
    }
    let mut sum = 0u32;
    for (c, w) in first17.chars().zip(RESIDENT_ID_WEIGHTS) {
        sum += digit(c)? * w;
    }
    let r = usize::try_from(sum % 11).ok()?;
    RESIDENT_ID_CHECK.get(r).map(|&b| char::from(b))
}

/// Validates an 18-character resident identity number (公民身份号码,
/// GB 11643-1999).
///
/// Checks: 17 digits then a digit or an uppercase `X`; the address code
/// (digits 1–6) starts with a region digit 1–8 (GB/T 2260); the birth date
/// (digits 7–14, `YYYYMMDD`) is a real calendar date not before
/// [`MIN_BIRTH_YEAR`]; the check character (ISO 7064 MOD 11-2) matches.
/// Whether the address code is a county that exists, and whether the birth
/// date lies in the past, are not checked (the core has no clock and no
/// division table).
///
/// # Errors
/// A sentence naming the first rule that fails.
///
/// ```
/// use certanchor::schema::validators::validate_resident_id;
/// assert!(validate_resident_id("440524188001010014").is_ok());
/// assert!(validate_resident_id("36042619910102009X").unwrap_err().contains("check character"));
/// assert!(validate_resident_id("360426199113010079").unwrap_err().contains("birth date"));
/// ```
pub fn validate_resident_id(s: &str) -> Result<(), String> {
    let n = s.chars().count();
    if n != 18 {
        return Err(format!("must be 18 characters, found {n}"));
    }
    let body = s.get(..17).unwrap_or_default();
    if body.len() != 17 || !body.bytes().all(|b| b.is_ascii_digit()) {
        return Err("the first 17 characters must be digits".to_owned());
    }
    let found = s.chars().nth(17).unwrap_or_default();
    if found == 'x' {
        return Err("check character must be an uppercase `X`".to_owned());
    }
    if !(found.is_ascii_digit() || found == 'X') {
        return Err(format!("check character `{found}` must be a digit or `X`"));
    }
    if !matches!(body.as_bytes().first(), Some(b'1'..=b'8')) {
        return Err(format!(
            "address code `{}` does not start with a region digit 1-8 (GB/T 2260)",
            body.get(..6).unwrap_or_default()
        ));
    }
    let date = (|| {
        let y = i32::try_from(digits_value(body.get(6..10)?)?).ok()?;
        let m = digits_value(body.get(10..12)?)?;
        let d = digits_value(body.get(12..14)?)?;
        Some((y, m, d))
    })();
    let Some((y, m, d)) = date else {
        return Err("cannot read the birth date".to_owned());
    };
    if let Err(reason) = calendar_date(y, m, d) {
        return Err(format!("birth date (digits 7-14): {reason}"));
    }
    if y < MIN_BIRTH_YEAR {
        return Err(format!(
            "birth date (digits 7-14): year {y} is before {MIN_BIRTH_YEAR}"
        ));
    }
    match resident_id_check_char(body) {
        Some(expected) if expected == found => Ok(()),
        Some(expected) => Err(format!(
            "check character is `{found}`, ISO 7064 MOD 11-2 gives `{expected}`"
        )),
        None => Err("cannot compute the check character".to_owned()),
    }
}

/// Validates the structure of a 28-character 不动产单元代码 (real-estate unit
/// number, GB/T 37346-2019 §8.1–8.2).
///
/// ```text
/// 110105 003012 GB 00123 F 00031201
/// │      │      │  │     │ └ 定着物单元编号: 8 digits (F/L/Q: not all 0; W: 00000000)
/// │      │      │  │     └ 定着物特征码: F, L, Q or W
/// │      │      │  └ 宗地（宗海）顺序号: 5 digits, 00001-99999
/// │      │      └ 宗地（宗海）特征码: ownership G/J/Z + parcel type A B S X C D E F H G W Y
/// │      └ 地籍区 (3 digits) + 地籍子区 (3 digits)
/// └ county-level administrative division code (GB/T 2260), first digit 1-8
/// ```
///
/// Combination rules checked: `A` (collective land ownership) and `C`
/// (homestead) only under `J` (collective land); `H` (sea area) and `G`
/// (uninhabited island) only under `G` (sea areas and islands are owned by
/// the State, 海域使用管理法 Art. 3 / 海岛保护法 Art. 4). Whether the division,
/// cadastral zone and parcel actually exist is not checked. Transitional
/// codes (§8.3) that do not follow this structure are refused.
///
/// # Errors
/// A sentence naming the first part that fails.
///
/// ```
/// use certanchor::schema::validators::validate_unit_number;
/// assert!(validate_unit_number("110105003012GB00123F00031201").is_ok());
/// assert!(validate_unit_number("110105003012GB00123W00000000").is_ok());
/// assert!(validate_unit_number("110105003012GB00123W00000001").is_err()); // W needs 8 zeros
/// ```
pub fn validate_unit_number(s: &str) -> Result<(), String> {
    let n = s.chars().count();
    if n != UNIT_NUMBER_LEN {
        return Err(format!("must be {UNIT_NUMBER_LEN} characters, found {n}"));
    }
    if !s.is_ascii() {
        return Err("must contain only ASCII digits and uppercase letters".to_owned());
    }
    let part = |a: usize, b: usize| s.get(a..b).unwrap_or_default();
    let all_digits = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
    let letter = |i: usize| char::from(s.as_bytes().get(i).copied().unwrap_or_default());

    let division = part(0, 6);
    if !all_digits(division) {
        return Err(format!(
            "characters 1-6 `{division}` must be a 6-digit administrative division code"
        ));
    }
    if !matches!(division.as_bytes().first(), Some(b'1'..=b'8')) {
        return Err(format!(
            "administrative division code `{division}` must start with a region digit 1-8"
        ));
    }
    let zone = part(6, 12);
    if !all_digits(zone) {
        return Err(format!(
            "characters 7-12 `{zone}` must be the 3-digit cadastral zone and 3-digit subzone"
        ));
    }
    let ownership = letter(12);
    if !PARCEL_OWNERSHIP_CODES.contains(ownership) {
        return Err(format!(
            "character 13 `{ownership}` must be a land ownership code (G, J or Z)"
        ));
    }
    let feature = letter(13);
    if !PARCEL_FEATURE_CODES.contains(feature) {
        return Err(format!(
            "character 14 `{feature}` must be a parcel feature code ({PARCEL_FEATURE_CODES})"
        ));
    }
    match (ownership, feature) {
        ('G' | 'Z', 'A') => {
            return Err(format!(
                "parcel feature `A` (collective land ownership) requires ownership `J`, found `{ownership}`"
            ));
        }
        ('G' | 'Z', 'C') => {
            return Err(format!(
                "parcel feature `C` (homestead) requires ownership `J`, found `{ownership}`"
            ));
        }
        ('J' | 'Z', 'H' | 'G') => {
            return Err(format!(
                "parcel feature `{feature}` (sea area or island) requires ownership `G`, found `{ownership}`"
            ));
        }
        _ => {}
    }
    let parcel = part(14, 19);
    if !all_digits(parcel) {
        return Err(format!(
            "characters 15-19 `{parcel}` must be the 5-digit parcel sequence number"
        ));
    }
    if parcel == "00000" {
        return Err("parcel sequence number 00000 is not allowed (00001-99999)".to_owned());
    }
    let fixture = letter(19);
    if !FIXTURE_CODES.contains(fixture) {
        return Err(format!(
            "character 20 `{fixture}` must be a fixture code (F, L, Q or W)"
        ));
    }
    let unit = part(20, 28);
    if !all_digits(unit) || unit.len() != 8 {
        return Err(format!(
            "characters 21-28 `{unit}` must be the 8-digit fixture unit number"
        ));
    }
    match (fixture, unit == "00000000") {
        ('W', false) => Err(format!(
            "fixture code `W` (no fixture) must be followed by 00000000, found `{unit}`"
        )),
        ('F' | 'L' | 'Q', true) => Err(format!(
            "fixture code `{fixture}` needs a fixture unit number other than 00000000"
        )),
        _ => Ok(()),
    }
}

/// Validates a 不动产权证书 number: `省简称(YYYY)市县名不动产权第NNNNNNN号`, e.g.
/// `京(2024)朝阳区不动产权第0012345号`.
///
/// Checks: a provincial abbreviation; the year in ASCII `()` or full-width
/// `（）` parentheses; a non-empty city or county name; the literal
/// `不动产权第`, exactly 7 digits and `号`.
///
/// # Errors
/// A sentence saying which part does not match.
///
/// ```
/// use certanchor::schema::validators::validate_title_number;
/// assert!(validate_title_number("京(2024)朝阳区不动产权第0012345号").is_ok());
/// assert!(validate_title_number("京（2024）朝阳区不动产权第0012345号").is_ok());
/// assert!(validate_title_number("京(2024)朝阳区不动产权第12345号").is_err());
/// ```
pub fn validate_title_number(s: &str) -> Result<(), String> {
    const SHAPE: &str = "expected the shape 京(2024)朝阳区不动产权第0012345号";
    let mut chars = s.chars();
    let province = chars.next().unwrap_or_default();
    if !PROVINCE_ABBREVIATIONS.contains(province) || province.is_ascii() {
        return Err(format!(
            "must start with a provincial abbreviation such as 京; {SHAPE}"
        ));
    }
    let rest = chars.as_str();
    let Some(rest) = rest.strip_prefix('(').or_else(|| rest.strip_prefix('（')) else {
        return Err(format!("missing `(` before the year; {SHAPE}"));
    };
    let year = rest.get(..4).unwrap_or_default();
    if digits_value(year).is_none() || year.len() != 4 {
        return Err(format!("the year must be 4 digits; {SHAPE}"));
    }
    let rest = rest.get(4..).unwrap_or_default();
    let Some(rest) = rest.strip_prefix(')').or_else(|| rest.strip_prefix('）')) else {
        return Err(format!("missing `)` after the year; {SHAPE}"));
    };
    let Some(rest) = rest.strip_suffix('号') else {
        return Err(format!("must end with 号; {SHAPE}"));
    };
    let Some((place, serial)) = rest.rsplit_once("不动产权第") else {
        return Err(format!("missing 不动产权第; {SHAPE}"));
    };
    if place.trim().is_empty() {
        return Err(format!("missing the city or county name; {SHAPE}"));
    }
    if serial.len() != 7 || !serial.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!(
            "the serial number must be exactly 7 digits, found `{serial}`; {SHAPE}"
        ));
    }
    Ok(())
}

/// Validates decimal text such as `"89.50"`: `-?(0|[1-9][0-9]*)(\.[0-9]+)?`.
///
/// No exponent, no leading `+`, no leading zeros in the integer part (`"0.5"`
/// is fine, `"01.5"` is not), no bare point (`".5"`, `"5."`), no negative zero
/// (`"-0"`, `"-0.00"`), at most [`MAX_DECIMAL_LEN`] bytes. Trailing zeros in
/// the fraction are kept as written (`"89.50"` is valid and distinct from
/// `"89.5"`).
///
/// # Errors
/// A sentence saying what is wrong.
///
/// ```
/// use certanchor::schema::validators::validate_decimal;
/// for ok in ["0", "89.50", "-12.5", "0.01", "1000000"] { assert!(validate_decimal(ok).is_ok(), "{ok}"); }
/// for bad in ["", "1e5", "+1", "01.5", ".5", "5.", "1,5", "-0", " 1"] { assert!(validate_decimal(bad).is_err(), "{bad}"); }
/// ```
pub fn validate_decimal(s: &str) -> Result<(), String> {
    if s.is_empty() {
        return Err("empty decimal".to_owned());
    }
    if s.len() > MAX_DECIMAL_LEN {
        return Err(format!(
            "decimal longer than {MAX_DECIMAL_LEN} bytes ({} bytes)",
            s.len()
        ));
    }
    let (negative, unsigned) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s),
    };
    if unsigned.starts_with('+') || unsigned.starts_with('-') {
        return Err(format!(
            "`{s}` is not a decimal: only one leading `-` sign is allowed"
        ));
    }
    let (int, frac) = match unsigned.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (unsigned, None),
    };
    let is_digits = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
    if !is_digits(int) {
        return Err(format!(
            "`{s}` is not a decimal: expected digits before the point, such as \"89.50\""
        ));
    }
    if frac.is_some_and(|f| !is_digits(f)) {
        return Err(format!(
            "`{s}` is not a decimal: expected digits after the point, such as \"89.50\""
        ));
    }
    if int.len() > 1 && int.starts_with('0') {
        return Err(format!("`{s}` has a leading zero"));
    }
    let zero = int == "0" && frac.is_none_or(|f| f.bytes().all(|b| b == b'0'));
    if negative && zero {
        return Err(format!("`{s}` is a negative zero; write it without `-`"));
    }
    Ok(())
}

/// Validates a calendar date written `YYYY-MM-DD` (ISO 8601 extended
/// format; RFC 3339 `full-date`): 4-digit year 0001–9999, and a day that
/// exists in that month (leap years per the Gregorian calendar).
///
/// # Errors
/// A sentence saying what is wrong.
///
/// ```
/// use certanchor::schema::validators::validate_date;
/// assert!(validate_date("2024-02-29").is_ok());
/// assert!(validate_date("2023-02-29").is_err());
/// assert!(validate_date("2024-2-9").is_err());
/// ```
pub fn validate_date(s: &str) -> Result<(), String> {
    let Some((y, m, d)) = crate::time::parse_full_date(s) else {
        return Err(format!("`{s}` is not a date of the form YYYY-MM-DD"));
    };
    if y == 0 {
        return Err("year 0000 is not allowed".to_owned());
    }
    crate::time::check_date(y, m, d)
}

/// Validates the shape of an ISO 4217 alphabetic currency code: exactly three
/// ASCII uppercase letters (`"CNY"`, `"USD"`). The code list itself is not
/// checked.
///
/// # Errors
/// A sentence saying what is wrong.
///
/// ```
/// use certanchor::schema::validators::validate_currency;
/// assert!(validate_currency("CNY").is_ok());
/// assert!(validate_currency("cny").is_err());
/// assert!(validate_currency("RMB¥").is_err());
/// ```
pub fn validate_currency(s: &str) -> Result<(), String> {
    if s.len() == 3 && s.bytes().all(|b| b.is_ascii_uppercase()) {
        Ok(())
    } else {
        Err(format!(
            "`{s}` is not an ISO 4217 currency code (three uppercase letters such as CNY)"
        ))
    }
}

/// Validates a decimal (see [`validate_decimal`]) that is not negative, as
/// areas and amounts must be.
///
/// # Errors
/// As [`validate_decimal`], or a sentence if the value is negative.
///
/// ```
/// use certanchor::schema::validators::validate_non_negative_decimal;
/// assert!(validate_non_negative_decimal("89.50").is_ok());
/// assert!(validate_non_negative_decimal("-1").is_err());
/// ```
pub fn validate_non_negative_decimal(s: &str) -> Result<(), String> {
    validate_decimal(s)?;
    if s.starts_with('-') {
        return Err(format!("`{s}` is negative"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weights_follow_their_formulas() {
        let mut w = 1u32;
        for expected in USCC_WEIGHTS {
            assert_eq!(w, expected);
            w = w * 3 % 31;
        }
        for (i, expected) in RESIDENT_ID_WEIGHTS.iter().enumerate() {
            let exp = 17 - u32::try_from(i).unwrap();
            assert_eq!(2u32.pow(exp) % 11, *expected);
        }
        assert_eq!(USCC_CHARSET.len(), 31);
        for c in ['I', 'O', 'S', 'V', 'Z'] {
            assert!(!USCC_CHARSET.contains(c));
        }
    }

    #[test]
    fn uscc_check_char_rejects_bad_input() {
        assert_eq!(uscc_check_char(""), None);
        assert_eq!(uscc_check_char("9135010OM000100Y4"), None); // letter O
        assert_eq!(uscc_check_char("91350100m000100Y4"), None); // lowercase
        assert_eq!(uscc_check_char("9135010０M000100Y"), None); // full-width digit
    }

    #[test]
    fn resident_id_check_char_rejects_bad_input() {
        assert_eq!(resident_id_check_char("1101051949123100X"), None);
        assert_eq!(resident_id_check_char("110105194912310021"), None);
    }

    #[test]
    fn calendar_date_edges() {
        assert!(calendar_date(2024, 2, 29).is_ok());
        assert!(calendar_date(2023, 2, 29).is_err());
        assert!(calendar_date(2000, 2, 29).is_ok());
        assert!(calendar_date(1900, 2, 29).is_err());
        assert!(calendar_date(2024, 0, 1).is_err());
        assert!(calendar_date(2024, 13, 1).is_err());
        assert!(calendar_date(2024, 4, 31).is_err());
        assert!(calendar_date(2024, 1, 0).is_err());
        assert!(calendar_date(2024, 1, 300).is_err());
    }

    #[test]
    fn decimal_edge_cases() {
        for ok in [
            "0",
            "0.0",
            "0.05",
            "10",
            "89.50",
            "-1",
            "-0.5",
            "123456789.123456789",
        ] {
            assert!(validate_decimal(ok).is_ok(), "{ok}");
        }
        for bad in [
            "", "-", ".", "1e5", "1E5", "+1", "01.5", "00", "-01", ".5", "5.", "1.2.3", "--1",
            "-+1", "1 ", "１", "0x10", "-0", "-0.0", "-0.000", "NaN", "inf",
        ] {
            assert!(validate_decimal(bad).is_err(), "{bad}");
        }
        assert!(validate_decimal(&"9".repeat(MAX_DECIMAL_LEN)).is_ok());
        assert!(validate_decimal(&"9".repeat(MAX_DECIMAL_LEN + 1)).is_err());
    }

    #[test]
    fn date_edge_cases() {
        for ok in [
            "2024-02-29",
            "2000-02-29",
            "1949-10-01",
            "9999-12-31",
            "0001-01-01",
        ] {
            assert!(validate_date(ok).is_ok(), "{ok}");
        }
        for bad in [
            "2024-02-30",
            "2023-02-29",
            "1900-02-29",
            "2024-04-31",
            "2024-13-01",
            "2024-00-10",
            "2024-01-00",
            "0000-01-01",
            "2024-1-01",
            "2024/01/01",
            "20240101",
            "2024-01-01T00:00",
            " 2024-01-01",
            "２０２４-01-01",
            "",
            "+024-01-01",
        ] {
            assert!(validate_date(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn unit_number_parts() {
        // Shape from GB/T 37346-2019 Annex A.2.1 (宗地代码 340123 002004 GB00011) with a house fixture.
        assert!(validate_unit_number("340123002004GB00011F00010001").is_ok());
        assert!(validate_unit_number("340123002004JA00001W00000000").is_ok());
        assert!(validate_unit_number("340123002004JC00007F00010001").is_ok());
        assert!(validate_unit_number("340123002004GH00003Q00000001").is_ok());
        assert!(validate_unit_number("340123002004GE00022L00000012").is_ok());
        assert!(validate_unit_number("340123002004ZW00001W00000000").is_ok());

        let err = |s: &str| validate_unit_number(s).unwrap_err();
        assert!(err("340123002004GB00011F0001000").contains("28 characters"));
        assert!(err("340123002004GB00011F000100011").contains("28 characters"));
        assert!(err("34012300200４GB00011F00010001").contains("ASCII"));
        assert!(err("040123002004GB00011F00010001").contains("region digit"));
        assert!(err("34012300200AGB00011F00010001").contains("cadastral zone"));
        assert!(err("340123002004KB00011F00010001").contains("ownership code"));
        assert!(err("340123002004gB00011F00010001").contains("ownership code"));
        assert!(err("340123002004GI00011F00010001").contains("parcel feature code"));
        assert!(err("340123002004GA00011W00000000").contains("requires ownership `J`"));
        assert!(err("340123002004GC00011F00010001").contains("requires ownership `J`"));
        assert!(err("340123002004JH00011W00000000").contains("requires ownership `G`"));
        assert!(err("340123002004GB0001AF00010001").contains("parcel sequence"));
        assert!(err("340123002004GB00000F00010001").contains("00000"));
        assert!(err("340123002004GB00011X00010001").contains("fixture code"));
        assert!(err("340123002004GB00011F0001000A").contains("fixture unit number"));
        assert!(err("340123002004GB00011W00010001").contains("00000000"));
        assert!(err("340123002004GB00011F00000000").contains("other than 00000000"));
    }

    #[test]
    fn title_number_shapes() {
        assert!(validate_title_number("京(2024)朝阳区不动产权第0012345号").is_ok());
        assert!(validate_title_number("沪（2019）浦东新区不动产权第0000001号").is_ok());
        assert!(validate_title_number("黔(2018)贵阳市不动产权第1234567号").is_ok());
        for bad in [
            "",
            "京2024朝阳区不动产权第0012345号",
            "X(2024)朝阳区不动产权第0012345号",
            "京(24)朝阳区不动产权第0012345号",
            "京(2024)不动产权第0012345号",
            "京(2024)朝阳区不动产权第0012345",
            "京(2024)朝阳区不动产证明第0012345号",
            "京(2024)朝阳区不动产权第00123456号",
            "京(2024)朝阳区不动产权第00123a5号",
        ] {
            assert!(validate_title_number(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn currency_and_non_negative() {
        assert!(validate_currency("USD").is_ok());
        for bad in ["", "CN", "CNYY", "Cny", "C1Y", "人民币"] {
            assert!(validate_currency(bad).is_err(), "{bad}");
        }
        assert!(validate_non_negative_decimal("0").is_ok());
        assert!(validate_non_negative_decimal("-0.01").is_err());
        assert!(validate_non_negative_decimal("1e3").is_err());
    }
}
