//! Schemas of the built-in kinds and the domain validators, on published
//! examples and realistic certificates.

use std::collections::BTreeMap;

use certanchor::cbor::Value;
use certanchor::schema::validators::{
    USCC_CHARSET, resident_id_check_char, uscc_check_char, validate_date, validate_decimal,
    validate_resident_id, validate_unit_number, validate_uscc,
};
use certanchor::schema::{
    BUSINESS_LICENSE, FieldSpec, FieldType, REAL_ESTATE_TITLE, Schema, SchemaError, SchemaRegistry,
    SchemaViolation,
};
use proptest::prelude::*;

fn text(s: &str) -> Value {
    Value::from(s)
}

fn record(pairs: &[(&str, Value)]) -> Value {
    Value::Map(
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect(),
    )
}

fn fields(pairs: &[(&str, Value)]) -> BTreeMap<String, Value> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), v.clone()))
        .collect()
}

fn paths(violations: &[SchemaViolation]) -> Vec<&str> {
    violations.iter().map(|v| v.field.as_str()).collect()
}

// ---------------------------------------------------------------- USCC

/// Valid codes.
/// * `91350100M000100Y43`: the worked example of GB 32100-2015's check-character
///   calculation (sum 1640, 1640 mod 31 = 28, C18 = 31 − 28 = 3), as reproduced at
///   https://wddqw.com/doc/53f79e6a996648d7c1c708a1284ac850ad020467.html and
///   https://renrendoc.com/p-47802332.html ("统一社会信用代码唯一性校验规则").
/// * The others: python-stdnum `stdnum/cn/uscc.py` module doctest
///   (`91110000600037341L`) and `tests/test_cn_uscc.doctest` ("found online and
///   should all be valid numbers"), github.com/arthurdejong/python-stdnum.
const VALID_USCC: &[&str] = &[
    "91350100M000100Y43",
    "91110000600037341L",
    "121200004013590816",
    "91110000710926094P",
    "91310115MA1K3BTP2B",
    "9131012056010553X5",
    "9144030071526726XG",
    "91340600MA2PBP2120",
    "91620105L015101280",
    "92340603MA2PBQ16XJ",
    "92340621MA2UK3PJXE",
];

#[test]
fn uscc_published_examples_are_valid() {
    for code in VALID_USCC {
        assert_eq!(validate_uscc(code), Ok(()), "{code}");
        let (body, check) = code.split_at(17);
        assert_eq!(
            uscc_check_char(body).map(String::from).as_deref(),
            Some(check),
            "{code}"
        );
    }
}

#[test]
fn uscc_wrong_check_characters_are_refused() {
    // GB 32100-2015 worked example: "91350100M000100Y4Z" is not a valid code (check is 3).
    let e = validate_uscc("91350100M000100Y4Z").unwrap_err();
    assert!(e.contains("`Z`") && e.contains("`3`"), "{e}");
    // python-stdnum tests/test_cn_uscc.doctest: InvalidChecksum.
    assert!(
        validate_uscc("91110000600037341N")
            .unwrap_err()
            .contains("check character")
    );
    // Every other check character of every valid example is refused.
    for code in VALID_USCC {
        let (body, check) = code.split_at(17);
        for c in USCC_CHARSET.chars().filter(|c| !check.starts_with(*c)) {
            assert!(validate_uscc(&format!("{body}{c}")).is_err(), "{body}{c}");
        }
    }
}

#[test]
fn uscc_format_errors() {
    // python-stdnum tests/test_cn_uscc.doctest: InvalidLength, InvalidFormat.
    assert!(
        validate_uscc("12345")
            .unwrap_err()
            .contains("18 characters")
    );
    assert!(
        validate_uscc("9111000060003IOZSV")
            .unwrap_err()
            .contains("not allowed")
    );
    // stdnum refuses `A1110000600037341L` as a format error; `A` is a registration-authority
    // code assigned after 2015, so here it is the check character that fails (it would be K).
    assert!(
        validate_uscc("A1110000600037341L")
            .unwrap_err()
            .contains("check character")
    );
    assert!(
        validate_uscc("91110000600037341l")
            .unwrap_err()
            .contains("uppercase")
    );
    assert!(validate_uscc(" 91110000600037341L").is_err());
    assert!(
        validate_uscc("91 110000 600037341L").is_err(),
        "no separators"
    );
    assert!(
        validate_uscc("B1110000600037341L")
            .unwrap_err()
            .contains("registration-authority")
    );
    assert!(
        validate_uscc("9A110000600037341L")
            .unwrap_err()
            .contains("entity-category")
    );
    assert!(
        validate_uscc("90110000600037341L")
            .unwrap_err()
            .contains("entity-category")
    );
    assert!(
        validate_uscc("911100A0600037341L")
            .unwrap_err()
            .contains("administrative division")
    );
    assert!(
        validate_uscc("９1110000600037341L").is_err(),
        "full-width digit"
    );
    assert!(validate_uscc("").is_err());
}

// ---------------------------------------------------------------- resident ID

/// Valid numbers.
/// * `11010519491231002X` (北京市朝阳区) and `440524188001010014` (广东省汕头市):
///   the examples of GB 11643-1999 Annex A, as reproduced at
///   https://download.csdn.net/download/kudy21/2033732 and
///   http://8miu.fun/bangzhuzhongxin/2146.html.
/// * `360426199101010071`, `44011320141005001X`: python-stdnum
///   `stdnum/cn/ric.py` doctest and `tests/test_cn_ric.doctest`.
/// * The rest are synthetic (check characters computed independently).
const VALID_RESIDENT_IDS: &[&str] = &[
    "11010519491231002X",
    "440524188001010014",
    "360426199101010071",
    "44011320141005001X",
    "110105200002290013", // 29 February of a leap year divisible by 400
    "110105198506120034",
];

#[test]
fn resident_id_published_examples_are_valid() {
    for id in VALID_RESIDENT_IDS {
        assert_eq!(validate_resident_id(id), Ok(()), "{id}");
        let (body, check) = id.split_at(17);
        assert_eq!(
            resident_id_check_char(body).map(String::from).as_deref(),
            Some(check)
        );
    }
}

#[test]
fn resident_id_wrong_check_characters_are_refused() {
    // python-stdnum tests/test_cn_ric.doctest: InvalidChecksum (the check is 3).
    assert!(
        validate_resident_id("36042619910102009X")
            .unwrap_err()
            .contains("`3`")
    );
    for id in VALID_RESIDENT_IDS {
        let (body, check) = id.split_at(17);
        for c in "0123456789X".chars().filter(|c| !check.starts_with(*c)) {
            assert!(
                validate_resident_id(&format!("{body}{c}")).is_err(),
                "{body}{c}"
            );
        }
    }
}

#[test]
fn resident_id_bad_birth_dates_are_refused() {
    // Each has a correct MOD 11-2 check character, so only the date can fail.
    // python-stdnum tests/test_cn_ric.doctest: month 13 (InvalidComponent).
    for id in [
        "360426199113010079", // 1991-13-01
        "110105190002290017", // 1900-02-29: 1900 is not a leap year
        "110105202302290014", // 2023-02-29
    ] {
        let body = id.get(..17).unwrap();
        assert_eq!(
            resident_id_check_char(body),
            id.chars().last(),
            "fixture {id}"
        );
        let e = validate_resident_id(id).unwrap_err();
        assert!(e.contains("birth date"), "{id}: {e}");
    }
    let id = format!(
        "11010517990101001{}",
        resident_id_check_char("11010517990101001").unwrap()
    );
    assert!(
        validate_resident_id(&id)
            .unwrap_err()
            .contains("before 1800")
    );
}

#[test]
fn resident_id_format_errors() {
    // python-stdnum tests/test_cn_ric.doctest: InvalidFormat.
    assert!(
        validate_resident_id("T60426199101010078")
            .unwrap_err()
            .contains("digits")
    );
    // python-stdnum accepts a lowercase x by upper-casing; a certificate stores the canonical form.
    assert!(
        validate_resident_id("44011320141005001x")
            .unwrap_err()
            .contains("uppercase")
    );
    // python-stdnum: unknown birth-place code 99 (valid check character); no region starts with 9.
    assert!(
        validate_resident_id("990426199112010074")
            .unwrap_err()
            .contains("region")
    );
    assert!(
        validate_resident_id("11010519491231002")
            .unwrap_err()
            .contains("18 characters")
    );
    assert!(validate_resident_id("110105194912310021X").is_err());
    assert!(validate_resident_id("11010519491231002Y").is_err());
    assert!(validate_resident_id("110105 9491231002X").is_err());
    assert!(validate_resident_id("").is_err());
}

// ---------------------------------------------------------------- unit number

#[test]
fn unit_numbers() {
    // Parcel code of GB/T 37346-2019 Annex A.2.1 (340123 002004 GB00011) plus a house fixture.
    for ok in [
        "340123002004GB00011F00010001",
        "110105003012GB00123F00031201",
        "110105003012GB00123W00000000",
        "110229001002JC00042F00010001",
        "460200001001GH00001W00000000",
        "110229001002JD00042L00000003",
        "110229001002JY00042Q00000001",
    ] {
        assert_eq!(validate_unit_number(ok), Ok(()), "{ok}");
    }
    for (bad, why) in [
        ("110105003012GB00123F0003120", "28 characters"),
        ("110105003012GB00123F000312011", "28 characters"),
        ("11010500301２GB00123F00031201", "ASCII"),
        ("A10105003012GB00123F00031201", "administrative division"),
        ("010105003012GB00123F00031201", "region digit"),
        ("110105003O12GB00123F00031201", "cadastral zone"),
        ("110105003012QB00123F00031201", "ownership code"),
        ("110105003012GZ00123F00031201", "parcel feature code"),
        ("110105003012Gb00123F00031201", "parcel feature code"),
        ("110105003012GA00123W00000000", "requires ownership `J`"),
        ("110105003012ZC00123F00031201", "requires ownership `J`"),
        ("110105003012JH00123W00000000", "requires ownership `G`"),
        ("110105003012GB0012AF00031201", "parcel sequence"),
        ("110105003012GB00000F00031201", "00001-99999"),
        ("110105003012GB00123M00031201", "fixture code"),
        ("110105003012GB00123f00031201", "fixture code"),
        ("110105003012GB00123F0003120X", "fixture unit number"),
        ("110105003012GB00123W00031201", "00000000"),
        ("110105003012GB00123F00000000", "other than 00000000"),
    ] {
        let e = validate_unit_number(bad).unwrap_err();
        assert!(e.contains(why), "{bad}: {e}");
    }
}

// ---------------------------------------------------------------- decimals, dates

#[test]
fn decimal_and_date_edge_cases() {
    for ok in ["89.50", "0", "0.5", "-3.25", "1000"] {
        assert_eq!(validate_decimal(ok), Ok(()), "{ok}");
    }
    for bad in [
        "1e5", "+1", "01.5", ".5", "5.", "", "1.", "-", "1_000", "1,000.00", "0x1F", "-0",
    ] {
        assert!(validate_decimal(bad).is_err(), "{bad}");
    }
    assert_eq!(validate_date("2024-02-29"), Ok(()));
    for bad in [
        "2024-02-30",
        "2023-02-29",
        "2100-02-29",
        "2024-06-31",
        "2024-6-1",
        "24-06-01",
    ] {
        assert!(validate_date(bad).is_err(), "{bad}");
    }
}

// ---------------------------------------------------------------- business license

/// A realistic Beijing license. The code is synthetic (not a real company):
/// 9 工商 / 1 企业 / 110105 朝阳区 / MA01C3KD8, check character 6.
fn beijing_license() -> BTreeMap<String, Value> {
    fields(&[
        ("uscc", text("91110105MA01C3KD86")),
        ("name", text("北京云链示例科技有限公司")),
        ("entity_type", text("有限责任公司（自然人投资或控股）")),
        ("legal_representative", text("张伟")),
        (
            "registered_capital",
            record(&[("amount", text("1000.00")), ("currency", text("CNY"))]),
        ),
        ("established_on", text("2018-03-15")),
        ("business_term_until", text("2048-03-14")),
        ("domicile", text("北京市朝阳区建国路88号院3号楼12层1201")),
        (
            "business_scope",
            text(
                "技术开发、技术咨询、技术服务；软件开发；数据处理（依法须经批准的项目，经相关部门批准后依批准的内容开展经营活动）",
            ),
        ),
        ("registration_authority", text("北京市朝阳区市场监督管理局")),
    ])
}

#[test]
fn beijing_business_license_is_valid() {
    let registry = SchemaRegistry::builtin();
    let schema = registry.get(BUSINESS_LICENSE).unwrap();
    assert_eq!(schema.validate_all(&beijing_license()), Ok(()));

    // 长期: explicit null; registered capital may be left out (individual businesses, branches).
    let mut f = beijing_license();
    f.insert("business_term_until".into(), Value::Null);
    f.remove("registered_capital");
    assert_eq!(schema.validate_all(&f), Ok(()));

    // The business term is required (null when there is no end).
    f.remove("business_term_until");
    let e = schema.validate_all(&f).unwrap_err();
    assert_eq!(paths(&e), ["business_term_until"]);
}

#[test]
fn business_license_reports_every_violation() {
    let schema = SchemaRegistry::builtin()
        .get(BUSINESS_LICENSE)
        .unwrap()
        .clone();
    let mut f = beijing_license();
    f.insert("uscc".into(), text("91110105MA01C3KD87"));
    f.insert("name".into(), text("   "));
    f.remove("legal_representative");
    f.insert(
        "registered_capital".into(),
        record(&[
            ("amount", text("1e6")),
            ("currency", text("rmb")),
            ("note", text("x")),
        ]),
    );
    f.insert("established_on".into(), text("2018-02-30"));
    f.insert("business_term_until".into(), Value::Int(20480314));
    f.insert("fax".into(), text("010-12345678"));
    let e = schema.validate_all(&f).unwrap_err();
    assert_eq!(
        paths(&e),
        [
            "uscc",
            "name",
            "legal_representative",
            "registered_capital.amount",
            "registered_capital.currency",
            "registered_capital.note",
            "established_on",
            "business_term_until",
            "fax",
        ]
    );
    let reasons: BTreeMap<_, _> = e
        .iter()
        .map(|v| (v.field.as_str(), v.reason.as_str()))
        .collect();
    assert_eq!(
        reasons["uscc"],
        "check character is `7`, GB 32100-2015 gives `6`"
    );
    assert_eq!(reasons["legal_representative"], "required field missing");
    assert_eq!(
        reasons["business_term_until"],
        "expected date or null, found integer"
    );
    assert_eq!(reasons["registered_capital.note"], "unknown field");
    assert_eq!(reasons["fax"], "unknown field for kind `business_license`");
    assert_eq!(
        e[0].to_string(),
        "field `uscc`: check character is `7`, GB 32100-2015 gives `6`"
    );
}

#[test]
fn builtin_labels_for_the_clerk_page() {
    let registry = SchemaRegistry::builtin();
    let license = registry.get(BUSINESS_LICENSE).unwrap();
    assert_eq!(license.label_zh(), Some("营业执照"));
    assert_eq!(
        license.field("uscc").unwrap().label_zh.as_deref(),
        Some("统一社会信用代码")
    );
    let title = registry.get(REAL_ESTATE_TITLE).unwrap();
    assert_eq!(title.label_zh(), Some("不动产权证书"));
    for (name, label) in [
        ("unit_number", "不动产单元号"),
        ("right_holders", "权利人"),
        ("location", "坐落"),
    ] {
        assert_eq!(title.field(name).unwrap().label_zh.as_deref(), Some(label));
    }
    for schema in [license, title] {
        assert!(schema.fields().iter().all(|f| f.label_zh.is_some()));
        assert!(!schema.allow_extra());
    }
    assert_eq!(
        title.field("unit_number").unwrap().ty.to_string(),
        "unit_number"
    );
}

// ---------------------------------------------------------------- real-estate title

fn holder(name: &str, id_type: &str, id_number: &str) -> Value {
    record(&[
        ("name", text(name)),
        ("id_type", text(id_type)),
        ("id_number", text(id_number)),
    ])
}

fn chaoyang_title() -> BTreeMap<String, Value> {
    fields(&[
        (
            "certificate_number",
            text("京(2024)朝阳区不动产权第0012345号"),
        ),
        ("unit_number", text("110105003012GB00123F00031201")),
        (
            "right_holders",
            Value::Array(vec![
                holder("张伟", "resident_id", "110105198506120034"),
                holder("李娜", "居民身份证", "110108199003070024"),
            ]),
        ),
        ("co_ownership", text("共同共有")),
        ("location", text("朝阳区建国路88号院3号楼12层1201")),
        ("right_type", text("国有建设用地使用权/房屋所有权")),
        ("right_nature", text("出让/商品房")),
        ("usage", text("城镇住宅用地/住宅")),
        ("land_area_m2", text("23.06")),
        ("building_area_m2", text("89.50")),
        ("term_until", text("2074-02-28")),
        (
            "encumbrances",
            Value::Array(vec![record(&[
                ("type", text("mortgage")),
                (
                    "registration_number",
                    text("京(2024)朝阳区不动产证明第0045678号"),
                ),
                ("registered_on", text("2024-05-20")),
            ])]),
        ),
    ])
}

#[test]
fn chaoyang_real_estate_title_is_valid() {
    let registry = SchemaRegistry::builtin();
    let schema = registry.get(REAL_ESTATE_TITLE).unwrap();
    assert_eq!(schema.validate_all(&chaoyang_title()), Ok(()));

    // Encumbrances may be empty or absent; building area null or absent (land only);
    // a company holder is checked by its unified social credit code; other ID types are free.
    let mut f = chaoyang_title();
    f.insert("encumbrances".into(), Value::Array(vec![]));
    f.insert("building_area_m2".into(), Value::Null);
    f.insert("term_until".into(), Value::Null);
    f.insert(
        "right_holders".into(),
        Value::Array(vec![
            holder("北京云链示例科技有限公司", "uscc", "91110105MA01C3KD86"),
            holder("John Smith", "passport", "E12345678"),
        ]),
    );
    f.insert("co_ownership".into(), text("按份共有"));
    assert_eq!(schema.validate_all(&f), Ok(()));
    f.remove("encumbrances");
    f.remove("building_area_m2");
    assert_eq!(schema.validate_all(&f), Ok(()));
}

#[test]
fn real_estate_title_reports_every_violation_with_paths() {
    let registry = SchemaRegistry::builtin();
    let schema = registry.get(REAL_ESTATE_TITLE).unwrap();
    let mut f = chaoyang_title();
    f.insert(
        "certificate_number".into(),
        text("京(2024)朝阳区不动产权第12345号"),
    );
    f.insert("unit_number".into(), text("110105003012GB00123W00031201"));
    f.insert(
        "right_holders".into(),
        Value::Array(vec![
            holder("张伟", "resident_id", "110105198506120035"), // wrong check character
            record(&[("name", text("李娜")), ("id_type", text("resident_id"))]), // no id_number
            holder("某公司", "uscc", "91110105MA01C3KD8Z"),      // wrong check character
            holder("王芳", "resident_id", "110105202302290014"), // 2023-02-29
        ]),
    );
    f.remove("location");
    f.insert("land_area_m2".into(), text("-23.06"));
    f.insert("building_area_m2".into(), text("89.5.0"));
    f.insert(
        "encumbrances".into(),
        Value::Array(vec![
            record(&[
                ("type", text("pledge")),
                (
                    "registration_number",
                    text("京(2024)朝阳区不动产证明第0045678号"),
                ),
                ("registered_on", text("2024-02-30")),
            ]),
            text("抵押"),
        ]),
    );
    let e = schema.validate_all(&f).unwrap_err();
    assert_eq!(
        paths(&e),
        [
            "certificate_number",
            "unit_number",
            "right_holders[0].id_number",
            "right_holders[1].id_number",
            "right_holders[2].id_number",
            "right_holders[3].id_number",
            "location",
            "land_area_m2",
            "building_area_m2",
            "encumbrances[0].type",
            "encumbrances[0].registered_on",
            "encumbrances[1]",
        ]
    );
    let reasons: BTreeMap<_, _> = e
        .iter()
        .map(|v| (v.field.as_str(), v.reason.as_str()))
        .collect();
    assert_eq!(
        reasons["right_holders[0].id_number"],
        "check character is `5`, ISO 7064 MOD 11-2 gives `4`"
    );
    assert_eq!(
        reasons["right_holders[1].id_number"],
        "required field missing"
    );
    assert!(reasons["right_holders[3].id_number"].contains("birth date"));
    assert!(reasons["unit_number"].contains("00000000"));
    assert_eq!(reasons["encumbrances[1]"], "expected record, found text");

    // No right holder at all.
    f.insert("right_holders".into(), Value::Array(vec![]));
    let e = schema.validate_all(&f).unwrap_err();
    let holders = e.iter().find(|v| v.field == "right_holders").unwrap();
    assert_eq!(holders.reason, "at least one item is required");
}

#[test]
fn disclosed_subset_of_a_title() {
    let registry = SchemaRegistry::builtin();
    let schema = registry.get(REAL_ESTATE_TITLE).unwrap();
    let title = chaoyang_title();
    // A bank sees only the unit number, the holders and the encumbrances.
    let shown = ["unit_number", "right_holders", "encumbrances"];
    let disclosed = shown.iter().map(|k| (*k, &title[*k]));
    assert_eq!(schema.validate_disclosed(disclosed), Ok(()));

    let tampered = Value::Array(vec![holder("张伟", "resident_id", "110105198506120035")]);
    let fax = text("x");
    let e = schema
        .validate_disclosed([("right_holders", &tampered), ("fax", &fax)])
        .unwrap_err();
    assert_eq!(paths(&e), ["right_holders[0].id_number", "fax"]);
}

// ---------------------------------------------------------------- registry

#[test]
fn custom_kind_registration() {
    let mut registry = SchemaRegistry::builtin();
    let permit = Schema::builder("catering_permit")
        .label_zh("食品经营许可证")
        .field(FieldSpec::required("permit_number", FieldType::Text).with_label_zh("许可证编号"))
        .field(
            FieldSpec::required("operator_uscc", FieldType::uscc()).with_label_zh("社会信用代码"),
        )
        .field(
            FieldSpec::required("categories", FieldType::list(FieldType::Text))
                .with_label_zh("经营项目"),
        )
        .field(FieldSpec::optional("valid_until", FieldType::Date).with_label_zh("有效期至"))
        .build()
        .unwrap();
    registry.register(permit).unwrap();
    assert_eq!(
        registry.kinds().collect::<Vec<_>>(),
        ["business_license", "catering_permit", "real_estate_title"]
    );
    let schema = registry.get("catering_permit").unwrap();
    let ok = fields(&[
        ("permit_number", text("JY11105001234567")),
        ("operator_uscc", text("91110105MA01C3KD86")),
        ("categories", Value::Array(vec![text("热食类食品制售")])),
    ]);
    assert_eq!(schema.validate_all(&ok), Ok(()));

    // Re-registering a kind (custom or built-in) is refused and keeps the first schema.
    let again = Schema::builder("catering_permit").build().unwrap();
    assert_eq!(
        registry.register(again),
        Err(SchemaError::DuplicateKind("catering_permit".into()))
    );
    assert_eq!(registry.get("catering_permit").unwrap().fields().len(), 4);
    let fake = Schema::builder(REAL_ESTATE_TITLE)
        .allow_extra(true)
        .build()
        .unwrap();
    assert_eq!(
        registry.register(fake).unwrap_err().code(),
        "duplicate_kind"
    );
    assert!(!registry.get(REAL_ESTATE_TITLE).unwrap().allow_extra());

    // Unknown kinds are simply absent.
    assert!(registry.get("marriage_certificate").is_none());
    assert!(registry.get("").is_none());
    assert!(SchemaRegistry::empty().get(BUSINESS_LICENSE).is_none());
}

// ---------------------------------------------------------------- properties

proptest! {
    #[test]
    fn validators_never_panic(s in "\\PC{0,40}") {
        let _ = validate_uscc(&s);
        let _ = validate_resident_id(&s);
        let _ = validate_unit_number(&s);
        let _ = validate_decimal(&s);
        let _ = validate_date(&s);
        let _ = certanchor::schema::validate_title_number(&s);
        let _ = uscc_check_char(&s);
        let _ = resident_id_check_char(&s);
    }

    #[test]
    fn uscc_check_char_completes_any_body(
        authority in "[1-9ANY]",
        category in "[1-9]",
        division in "[0-9]{6}",
        org in "[0-9A-HJ-NP-RTUW-Y]{9}",
    ) {
        let body = format!("{authority}{category}{division}{org}");
        let c = uscc_check_char(&body).unwrap();
        prop_assert_eq!(validate_uscc(&format!("{body}{c}")), Ok(()));
    }

    #[test]
    fn resident_id_check_char_completes_any_body(
        region in "[1-8][0-9]{5}",
        days in 0i64..73_000,
        seq in "[0-9]{3}",
    ) {
        let date = time::Date::from_calendar_date(1900, time::Month::January, 1).unwrap() + time::Duration::days(days);
        let birth = format!("{:04}{:02}{:02}", date.year(), u8::from(date.month()), date.day());
        let body = format!("{region}{birth}{seq}");
        let c = resident_id_check_char(&body).unwrap();
        prop_assert_eq!(validate_resident_id(&format!("{body}{c}")), Ok(()));
    }
}
