//! The built-in kinds of SPEC §3 and the ready-made checked field types
//! they use.

use super::validators;
use super::{FieldSpec, FieldType, Schema};
use crate::cbor::Value;

/// Kind name of the business license (营业执照).
pub const BUSINESS_LICENSE: &str = "business_license";

/// Kind name of the real-estate title certificate (不动产权证书).
pub const REAL_ESTATE_TITLE: &str = "real_estate_title";

/// `id_type` of a right holder identified by an 18-character resident
/// identity number (居民身份证); its `id_number` is checked with
/// [`validate_resident_id`](validators::validate_resident_id). The Chinese
/// name `居民身份证` is accepted as a synonym.
pub const ID_TYPE_RESIDENT_ID: &str = "resident_id";

/// `id_type` of a right holder that is an organisation identified by its
/// unified social credit code (统一社会信用代码); its `id_number` is checked
/// with [`validate_uscc`](validators::validate_uscc). The Chinese name
/// `统一社会信用代码` is accepted as a synonym.
pub const ID_TYPE_USCC: &str = "uscc";

/// Allowed `type` values of a real-estate encumbrance: mortgage (抵押),
/// seizure (查封), easement (地役权), lease (租赁), objection (异议),
/// advance notice (预告); [`VALUE_LABELS_ZH`] has their labels.
pub const ENCUMBRANCE_TYPES: [&str; 6] = [
    "mortgage",
    "seizure",
    "easement",
    "lease",
    "objection",
    "advance_notice",
];

/// Chinese labels of the coded values the built-in kinds use (`id_type`,
/// encumbrance `type`), for presenters: a clerk reads 抵押, not `mortgage`.
pub const VALUE_LABELS_ZH: [(&str, &str); 8] = [
    (ID_TYPE_RESIDENT_ID, "居民身份证"),
    (ID_TYPE_USCC, "统一社会信用代码"),
    ("mortgage", "抵押"),
    ("seizure", "查封"),
    ("easement", "地役权"),
    ("lease", "租赁"),
    ("objection", "异议"),
    ("advance_notice", "预告登记"),
];

/// Applies a text validator to a value already known to be text.
fn text_rule(value: &Value, rule: fn(&str) -> Result<(), String>) -> Result<(), String> {
    value.as_text().map_or(Ok(()), rule)
}

fn check_uscc(v: &Value) -> Result<(), String> {
    text_rule(v, validators::validate_uscc)
}

fn check_resident_id(v: &Value) -> Result<(), String> {
    text_rule(v, validators::validate_resident_id)
}

fn check_unit_number(v: &Value) -> Result<(), String> {
    text_rule(v, validators::validate_unit_number)
}

fn check_title_number(v: &Value) -> Result<(), String> {
    text_rule(v, validators::validate_title_number)
}

fn check_non_negative(v: &Value) -> Result<(), String> {
    text_rule(v, validators::validate_non_negative_decimal)
}

fn check_currency(v: &Value) -> Result<(), String> {
    text_rule(v, validators::validate_currency)
}

fn check_encumbrance_type(v: &Value) -> Result<(), String> {
    text_rule(v, |s| {
        if ENCUMBRANCE_TYPES.contains(&s) {
            Ok(())
        } else {
            Err(format!(
                "`{s}` is not an encumbrance type (one of {})",
                ENCUMBRANCE_TYPES.join(", ")
            ))
        }
    })
}

fn check_non_empty_list(v: &Value) -> Result<(), String> {
    match v.as_array() {
        Some([]) => Err("at least one item is required".to_owned()),
        _ => Ok(()),
    }
}

/// A right holder's `id_number` must match its `id_type` when the type is
/// one certanchor can check (reported at `….id_number`).
fn check_right_holder(v: &Value) -> Result<(), String> {
    let Some(map) = v.as_map() else {
        return Ok(());
    };
    let id_type = map
        .get("id_type")
        .and_then(Value::as_text)
        .unwrap_or_default();
    let Some(id_number) = map.get("id_number").and_then(Value::as_text) else {
        return Ok(());
    };
    let rule: fn(&str) -> Result<(), String> = match id_type {
        ID_TYPE_RESIDENT_ID | "居民身份证" => validators::validate_resident_id,
        ID_TYPE_USCC | "统一社会信用代码" => validators::validate_uscc,
        _ => return Ok(()),
    };
    rule(id_number).map_err(|reason| format!("id_number: {reason}"))
}

impl FieldType {
    /// Text holding a unified social credit code (GB 32100-2015, see
    /// [`validate_uscc`](validators::validate_uscc)).
    ///
    /// ```
    /// use certanchor::cbor::Value;
    /// use certanchor::schema::FieldType;
    /// assert!(FieldType::uscc().validate("uscc", &Value::from("91350100M000100Y43")).is_ok());
    /// assert!(FieldType::uscc().validate("uscc", &Value::from("91350100M000100Y4Z")).is_err());
    /// ```
    #[must_use]
    pub fn uscc() -> Self {
        Self::checked(Self::Text, "uscc", check_uscc)
    }

    /// Text holding an 18-character resident identity number (GB 11643-1999,
    /// see [`validate_resident_id`](validators::validate_resident_id)).
    ///
    /// ```
    /// use certanchor::cbor::Value;
    /// use certanchor::schema::FieldType;
    /// assert!(FieldType::resident_id().validate("id", &Value::from("11010519491231002X")).is_ok());
    /// ```
    #[must_use]
    pub fn resident_id() -> Self {
        Self::checked(Self::Text, "resident_id", check_resident_id)
    }

    /// Text holding a 28-character real-estate unit number (GB/T 37346-2019,
    /// see [`validate_unit_number`](validators::validate_unit_number)).
    ///
    /// ```
    /// use certanchor::cbor::Value;
    /// use certanchor::schema::FieldType;
    /// let ty = FieldType::unit_number();
    /// assert!(ty.validate("unit_number", &Value::from("110105003012GB00123F00031201")).is_ok());
    /// ```
    #[must_use]
    pub fn unit_number() -> Self {
        Self::checked(Self::Text, "unit_number", check_unit_number)
    }

    /// Text holding a 不动产权证书 number (see
    /// [`validate_title_number`](validators::validate_title_number)).
    ///
    /// ```
    /// use certanchor::cbor::Value;
    /// use certanchor::schema::FieldType;
    /// let ty = FieldType::title_number();
    /// assert!(ty.validate("n", &Value::from("京(2024)朝阳区不动产权第0012345号")).is_ok());
    /// ```
    #[must_use]
    pub fn title_number() -> Self {
        Self::checked(Self::Text, "title_number", check_title_number)
    }

    /// A [`FieldType::Decimal`] that is not negative (areas, amounts).
    ///
    /// ```
    /// use certanchor::cbor::Value;
    /// use certanchor::schema::FieldType;
    /// assert!(FieldType::non_negative_decimal().validate("a", &Value::from("-1.5")).is_err());
    /// ```
    #[must_use]
    pub fn non_negative_decimal() -> Self {
        Self::checked(Self::Decimal, "non-negative decimal", check_non_negative)
    }

    /// Text holding an ISO 4217 alphabetic currency code such as `"CNY"`.
    ///
    /// ```
    /// use certanchor::cbor::Value;
    /// use certanchor::schema::FieldType;
    /// assert!(FieldType::currency().validate("currency", &Value::from("CNY")).is_ok());
    /// ```
    #[must_use]
    pub fn currency() -> Self {
        Self::checked(Self::Text, "currency", check_currency)
    }
}

fn req(name: &str, label: &str, ty: FieldType) -> FieldSpec {
    FieldSpec::required(name, ty).with_label_zh(label)
}

fn opt(name: &str, label: &str, ty: FieldType) -> FieldSpec {
    FieldSpec::optional(name, ty).with_label_zh(label)
}

/// 营业执照 (SPEC §3.7.1).
///
/// `business_term_until` is required but nullable: every license states its
/// term, and `null` is the explicit "长期" (no end), never "unknown".
/// `registered_capital` is optional: licenses of individual businesses
/// (个体工商户) and branches (分公司) carry none.
pub(super) fn business_license() -> Schema {
    Schema {
        kind: BUSINESS_LICENSE.to_owned(),
        label_zh: Some("营业执照".to_owned()),
        allow_extra: false,
        fields: vec![
            req("uscc", "统一社会信用代码", FieldType::uscc()),
            req("name", "名称", FieldType::Text),
            req("entity_type", "类型", FieldType::Text),
            req("legal_representative", "法定代表人", FieldType::Text),
            opt(
                "registered_capital",
                "注册资本",
                FieldType::Record(vec![
                    req("amount", "金额", FieldType::non_negative_decimal()),
                    req("currency", "币种", FieldType::currency()),
                ]),
            ),
            req("established_on", "成立日期", FieldType::Date),
            req(
                "business_term_until",
                "营业期限至",
                FieldType::nullable(FieldType::Date),
            ),
            req("domicile", "住所", FieldType::Text),
            req("business_scope", "经营范围", FieldType::Text),
            req("registration_authority", "登记机关", FieldType::Text),
        ],
    }
}

/// 不动产权证书 (SPEC §3.7.2).
///
/// `term_until` is required but nullable (null: no fixed term, e.g.
/// 宅基地 or allocated land). `building_area_m2` is optional and nullable
/// (absent or null: a land-only title). `encumbrances` is optional; absent and
/// empty both mean none.
pub(super) fn real_estate_title() -> Schema {
    let holder = FieldType::Record(vec![
        req("name", "姓名（名称）", FieldType::Text),
        req("id_type", "证件种类", FieldType::Text),
        req("id_number", "证件号", FieldType::Text),
    ]);
    let holders = FieldType::checked(
        FieldType::list(FieldType::checked(
            holder,
            "right_holder",
            check_right_holder,
        )),
        "non-empty list of right holders",
        check_non_empty_list,
    );
    let encumbrance = FieldType::Record(vec![
        req(
            "type",
            "类型",
            FieldType::checked(FieldType::Text, "encumbrance type", check_encumbrance_type),
        ),
        req("registration_number", "登记证明号", FieldType::Text),
        req("registered_on", "登记日期", FieldType::Date),
    ]);
    Schema {
        kind: REAL_ESTATE_TITLE.to_owned(),
        label_zh: Some("不动产权证书".to_owned()),
        allow_extra: false,
        fields: vec![
            req(
                "certificate_number",
                "不动产权证书号",
                FieldType::title_number(),
            ),
            req("unit_number", "不动产单元号", FieldType::unit_number()),
            req("right_holders", "权利人", holders),
            req("co_ownership", "共有情况", FieldType::Text),
            req("location", "坐落", FieldType::Text),
            req("right_type", "权利类型", FieldType::Text),
            req("right_nature", "权利性质", FieldType::Text),
            req("usage", "用途", FieldType::Text),
            req(
                "land_area_m2",
                "土地面积（平方米）",
                FieldType::non_negative_decimal(),
            ),
            opt(
                "building_area_m2",
                "房屋建筑面积（平方米）",
                FieldType::nullable(FieldType::non_negative_decimal()),
            ),
            req(
                "term_until",
                "使用期限至",
                FieldType::nullable(FieldType::Date),
            ),
            opt(
                "encumbrances",
                "权利其他状况（抵押、查封等）",
                FieldType::list(encumbrance),
            ),
        ],
    }
}
