//! Certificate kinds, their schemas, and the domain validators behind them
//! (SPEC §3).
//!
//! Every certificate names a *kind*; the kind's [`Schema`] lists its fields
//! (required or optional, each with a [`FieldType`] and a Chinese label for
//! the clerk's page) and says whether fields it does not list are allowed.
//!
//! * At issue time the issuer calls [`Schema::validate_all`]: every required
//!   field present, no unknown field unless the schema allows extras, every
//!   value valid. An unknown kind ([`SchemaRegistry::get`] → `None`) is
//!   refused.
//! * At verify time only the disclosed fields are seen (the others stay
//!   hidden behind their salted digests), so the verifier calls
//!   [`Schema::validate_disclosed`], which checks the values it is shown and
//!   nothing about requiredness.
//!
//! Both report **every** violation, each with a dotted path such as
//! `right_holders[0].id_number` or `registered_capital.amount`.
//!
//! Built-in kinds ([`SchemaRegistry::builtin`]):
//!
//! * [`BUSINESS_LICENSE`] (营业执照): unified social credit code checked per
//!   GB 32100-2015;
//! * [`REAL_ESTATE_TITLE`] (不动产权证书): unit number structure per
//!   GB/T 37346-2019, resident identity numbers of right holders per
//!   GB 11643-1999 (ISO 7064 MOD 11-2).
//!
//! Dates are ISO 8601 `YYYY-MM-DD` text and decimals are text such as
//! `"89.50"`, since certanchor documents carry no floats (RFC 8949 §4.2.1
//! deterministic CBOR, SPEC §2.2). The standards behind each check are listed
//! in [`validators`].
//!
//! ```
//! use std::collections::BTreeMap;
//! use certanchor::cbor::Value;
//! use certanchor::schema::{FieldType, Schema, SchemaRegistry};
//!
//! let mut registry = SchemaRegistry::builtin();
//! registry.register(
//!     Schema::builder("food_permit")
//!         .label_zh("食品经营许可证")
//!         .required("permit_number", FieldType::Text)
//!         .required("holder_uscc", FieldType::uscc())
//!         .optional("valid_until", FieldType::Date)
//!         .build()?,
//! )?;
//!
//! let schema = registry.get("food_permit").expect("registered above");
//! let mut fields = BTreeMap::new();
//! fields.insert("permit_number".to_owned(), Value::from("JY11105001234567"));
//! fields.insert("holder_uscc".to_owned(), Value::from("91110000600037341N"));
//! fields.insert("valid_until".to_owned(), Value::from("2029-02-30"));
//! let violations = schema.validate_all(&fields).unwrap_err();
//! assert_eq!(violations.len(), 2);
//! assert_eq!(violations[0].field, "holder_uscc");
//! assert_eq!(violations[1].field, "valid_until");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use crate::cbor::Value;

mod builtin;
pub mod validators;

pub use builtin::{
    BUSINESS_LICENSE, ENCUMBRANCE_TYPES, ID_TYPE_RESIDENT_ID, ID_TYPE_USCC, REAL_ESTATE_TITLE,
    VALUE_LABELS_ZH,
};
pub use validators::{
    resident_id_check_char, uscc_check_char, validate_currency, validate_date, validate_decimal,
    validate_non_negative_decimal, validate_resident_id, validate_title_number,
    validate_unit_number, validate_uscc,
};

/// Longest text value accepted by [`FieldType::Text`], in bytes.
pub const MAX_TEXT_BYTES: usize = 4096;

/// Most items accepted in a [`FieldType::List`].
pub const MAX_LIST_ITEMS: usize = 256;

/// Longest kind name, in bytes.
pub const MAX_KIND_LEN: usize = 64;

/// Longest field name, in bytes.
pub const MAX_FIELD_NAME_LEN: usize = 64;

/// A check run after a value has passed its base type: `Err` carries the
/// reason (see [`FieldType::Checked`]).
pub type CheckFn = fn(&Value) -> Result<(), String>;

/// Type of a field value.
///
/// ```
/// use certanchor::cbor::Value;
/// use certanchor::schema::FieldType;
/// let ty = FieldType::Nullable(Box::new(FieldType::Date));
/// assert!(ty.validate("term_until", &Value::Null).is_ok());
/// assert!(ty.validate("term_until", &Value::from("2070-06-30")).is_ok());
/// let err = ty.validate("term_until", &Value::from("2070-06-31")).unwrap_err();
/// assert_eq!(err[0].field, "term_until");
/// assert_eq!(ty.to_string(), "date or null");
/// ```
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum FieldType {
    /// Text that is not empty once trimmed, at most [`MAX_TEXT_BYTES`] bytes.
    Text,
    /// A 64-bit integer.
    Int,
    /// A boolean.
    Bool,
    /// A byte string.
    Bytes,
    /// Decimal text such as `"89.50"` (see [`validate_decimal`]).
    Decimal,
    /// Date text `YYYY-MM-DD`, a real calendar date (see [`validate_date`]).
    Date,
    /// Null or a value of the inner type.
    Nullable(Box<FieldType>),
    /// An array of values of the inner type, at most [`MAX_LIST_ITEMS`] items.
    List(Box<FieldType>),
    /// A map with exactly these fields: required ones present, no other keys.
    Record(Vec<FieldSpec>),
    /// A value of type `base` that also passes `check`.
    ///
    /// `check` runs only when the value has passed `base`, so it may rely on
    /// the base type's shape. Its `Err(reason)` is reported at the field's
    /// path. When `base` is a [`FieldType::Record`] and the reason has the
    /// form `"<name>: <rest>"` where `<name>` is one of the record's fields,
    /// the violation is reported at `path.<name>` with reason `<rest>`, so a
    /// cross-field rule can point at the field it is about.
    Checked {
        /// The type the value must have first.
        base: Box<FieldType>,
        /// A short name for the check (shown as the type's name, e.g. `"uscc"`).
        name: &'static str,
        /// The extra check.
        check: CheckFn,
    },
    /// Any value.
    Any,
}

impl FieldType {
    /// `Nullable(inner)`.
    #[must_use]
    pub fn nullable(inner: FieldType) -> Self {
        Self::Nullable(Box::new(inner))
    }

    /// `List(inner)`.
    #[must_use]
    pub fn list(inner: FieldType) -> Self {
        Self::List(Box::new(inner))
    }

    /// `Checked { base, name, check }`.
    ///
    /// ```
    /// use certanchor::cbor::Value;
    /// use certanchor::schema::FieldType;
    /// let even = FieldType::checked(FieldType::Int, "even", |v| match v {
    ///     Value::Int(i) if i % 2 == 0 => Ok(()),
    ///     _ => Err("must be even".to_owned()),
    /// });
    /// assert!(even.validate("n", &Value::Int(4)).is_ok());
    /// assert_eq!(even.validate("n", &Value::Int(3)).unwrap_err()[0].reason, "must be even");
    /// ```
    #[must_use]
    pub fn checked(base: FieldType, name: &'static str, check: CheckFn) -> Self {
        Self::Checked {
            base: Box::new(base),
            name,
            check,
        }
    }

    /// Validates one value of this type; violations are reported under `path`
    /// (e.g. the field name).
    ///
    /// # Errors
    /// Every violation found, with dotted paths below `path`.
    pub fn validate(&self, path: &str, value: &Value) -> Result<(), Vec<SchemaViolation>> {
        let mut out = Vec::new();
        check_value(self, value, &Path::Root(path), &mut out);
        if out.is_empty() { Ok(()) } else { Err(out) }
    }
}

impl fmt::Display for FieldType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Text => f.write_str("text"),
            Self::Int => f.write_str("integer"),
            Self::Bool => f.write_str("bool"),
            Self::Bytes => f.write_str("bytes"),
            Self::Decimal => f.write_str("decimal"),
            Self::Date => f.write_str("date"),
            Self::Nullable(inner) => write!(f, "{inner} or null"),
            Self::List(inner) => write!(f, "list of {inner}"),
            Self::Record(_) => f.write_str("record"),
            Self::Checked { name, .. } => f.write_str(name),
            Self::Any => f.write_str("any"),
        }
    }
}

/// One field of a schema or of a [`FieldType::Record`].
///
/// ```
/// use certanchor::schema::{FieldSpec, FieldType};
/// let spec = FieldSpec::required("location", FieldType::Text).with_label_zh("坐落");
/// assert!(spec.required);
/// assert_eq!(spec.label_zh.as_deref(), Some("坐落"));
/// ```
#[derive(Clone, Debug)]
pub struct FieldSpec {
    /// Field name (map key), e.g. `"unit_number"`.
    pub name: String,
    /// Type of the value.
    pub ty: FieldType,
    /// Whether the field must be present at issue time.
    pub required: bool,
    /// Chinese label shown to clerks, e.g. `"不动产单元号"`.
    pub label_zh: Option<String>,
}

impl FieldSpec {
    /// A required field without label.
    #[must_use]
    pub fn required(name: impl Into<String>, ty: FieldType) -> Self {
        Self {
            name: name.into(),
            ty,
            required: true,
            label_zh: None,
        }
    }

    /// An optional field without label.
    #[must_use]
    pub fn optional(name: impl Into<String>, ty: FieldType) -> Self {
        Self {
            required: false,
            ..Self::required(name, ty)
        }
    }

    /// Sets the Chinese label.
    #[must_use]
    pub fn with_label_zh(mut self, label: impl Into<String>) -> Self {
        self.label_zh = Some(label.into());
        self
    }
}

/// A field value that breaks its kind's schema.
///
/// ```
/// use certanchor::schema::SchemaViolation;
/// let v = SchemaViolation { field: "right_holders[0].id_number".into(), reason: "must be 18 characters, found 17".into() };
/// assert_eq!(v.to_string(), "field `right_holders[0].id_number`: must be 18 characters, found 17");
/// assert_eq!(v.code(), "schema_violation");
/// ```
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("field `{field}`: {reason}")]
pub struct SchemaViolation {
    /// Dotted path of the offending value, e.g. `"right_holders[0].id_number"`.
    pub field: String,
    /// Why it was refused.
    pub reason: String,
}

impl SchemaViolation {
    fn new(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            reason: reason.into(),
        }
    }

    /// Stable machine-readable code (the same as `IssueError::Schema`'s).
    #[must_use]
    pub fn code(&self) -> &'static str {
        "schema_violation"
    }
}

/// A schema definition or registration was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SchemaError {
    /// A schema for this kind is already registered.
    #[error("kind `{0}` is already registered")]
    DuplicateKind(String),
    /// The kind name is not allowed.
    #[error("invalid kind name `{kind}`: {reason}")]
    InvalidKind {
        /// The kind name given.
        kind: String,
        /// Why it was refused.
        reason: String,
    },
    /// A field definition is not allowed (bad or duplicate name, empty label).
    #[error("schema `{kind}`: field `{field}`: {reason}")]
    InvalidField {
        /// The kind being defined.
        kind: String,
        /// Dotted path of the field definition.
        field: String,
        /// Why it was refused.
        reason: String,
    },
}

impl SchemaError {
    /// Stable machine-readable code.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Self::DuplicateKind(_) => "duplicate_kind",
            Self::InvalidKind { .. } => "invalid_kind",
            Self::InvalidField { .. } => "invalid_schema_field",
        }
    }
}

/// The schema of one certificate kind.
///
/// Built with [`Schema::builder`]; the built-in ones come from
/// [`SchemaRegistry::builtin`].
#[derive(Clone, Debug)]
pub struct Schema {
    kind: String,
    label_zh: Option<String>,
    fields: Vec<FieldSpec>,
    allow_extra: bool,
}

/// Builder for a [`Schema`]; see [`Schema::builder`].
#[derive(Clone, Debug)]
#[must_use]
pub struct SchemaBuilder {
    schema: Schema,
}

impl SchemaBuilder {
    /// Sets the kind's Chinese name, e.g. `"营业执照"`.
    pub fn label_zh(mut self, label: impl Into<String>) -> Self {
        self.schema.label_zh = Some(label.into());
        self
    }

    /// Adds a required field.
    pub fn required(self, name: impl Into<String>, ty: FieldType) -> Self {
        self.field(FieldSpec::required(name, ty))
    }

    /// Adds an optional field.
    pub fn optional(self, name: impl Into<String>, ty: FieldType) -> Self {
        self.field(FieldSpec::optional(name, ty))
    }

    /// Adds a field (with its label).
    pub fn field(mut self, spec: FieldSpec) -> Self {
        self.schema.fields.push(spec);
        self
    }

    /// Whether fields the schema does not list are accepted (default `false`).
    /// Extra fields are accepted with any value.
    pub fn allow_extra(mut self, allow: bool) -> Self {
        self.schema.allow_extra = allow;
        self
    }

    /// Checks the definition and returns the schema.
    ///
    /// # Errors
    /// [`SchemaError::InvalidKind`] unless the kind is 1 to [`MAX_KIND_LEN`]
    /// bytes of `a-z`, `0-9`, `_` starting with a letter;
    /// [`SchemaError::InvalidField`] for a field name that is not 1 to
    /// [`MAX_FIELD_NAME_LEN`] bytes of ASCII letters, digits and `_` starting
    /// with a letter, a name used twice at the same level (also inside
    /// records), or an empty label.
    pub fn build(self) -> Result<Schema, SchemaError> {
        self.schema.check_definition()?;
        Ok(self.schema)
    }
}

impl Schema {
    /// Starts a schema for `kind` with no fields and no extra fields allowed.
    ///
    /// ```
    /// use certanchor::schema::{FieldSpec, FieldType, Schema};
    /// let schema = Schema::builder("vehicle_registration")
    ///     .label_zh("机动车登记证书")
    ///     .field(FieldSpec::required("vin", FieldType::Text).with_label_zh("车辆识别代号"))
    ///     .optional("color", FieldType::Text)
    ///     .allow_extra(false)
    ///     .build()?;
    /// assert_eq!(schema.kind(), "vehicle_registration");
    /// assert_eq!(schema.fields().len(), 2);
    /// assert!(Schema::builder("Bad Kind").build().is_err());
    /// # Ok::<(), certanchor::schema::SchemaError>(())
    /// ```
    pub fn builder(kind: impl Into<String>) -> SchemaBuilder {
        SchemaBuilder {
            schema: Schema {
                kind: kind.into(),
                label_zh: None,
                fields: Vec::new(),
                allow_extra: false,
            },
        }
    }

    /// Each spec's value in `fields` (by spec index, into `found`) and how
    /// many fields the specs list. A scan of the specs per field: names
    /// mostly differ in length, so this is cheaper than a map lookup, whose
    /// every step compares bytes.
    fn values_in<'v>(
        &self,
        fields: &'v BTreeMap<String, Value>,
        found: &mut [Option<&'v Value>],
    ) -> usize {
        let mut listed = 0;
        for (name, value) in fields {
            if let Some(slot) = self
                .fields
                .iter()
                .position(|f| f.name == *name)
                .and_then(|i| found.get_mut(i))
            {
                *slot = Some(value);
                listed += 1;
            }
        }
        listed
    }

    /// The kind name, e.g. `"real_estate_title"`.
    #[must_use]
    pub fn kind(&self) -> &str {
        &self.kind
    }

    /// The kind's Chinese name, e.g. `"不动产权证书"`.
    #[must_use]
    pub fn label_zh(&self) -> Option<&str> {
        self.label_zh.as_deref()
    }

    /// The fields, in definition order.
    #[must_use]
    pub fn fields(&self) -> &[FieldSpec] {
        &self.fields
    }

    /// The field named `name`.
    #[must_use]
    pub fn field(&self, name: &str) -> Option<&FieldSpec> {
        self.fields.iter().find(|f| f.name == name)
    }

    /// Whether fields the schema does not list are accepted.
    #[must_use]
    pub fn allow_extra(&self) -> bool {
        self.allow_extra
    }

    /// Full check at issue time: all required fields present, no unknown
    /// field unless [`allow_extra`](Self::allow_extra), each value valid.
    ///
    /// Violations are listed in schema field order, then unknown fields in key
    /// order.
    ///
    /// # Errors
    /// Every violation found (not only the first).
    ///
    /// ```
    /// use std::collections::BTreeMap;
    /// use certanchor::cbor::Value;
    /// use certanchor::schema::{FieldType, Schema};
    /// let schema = Schema::builder("permit").required("number", FieldType::Text).build()?;
    /// let mut fields = BTreeMap::new();
    /// fields.insert("colour".to_owned(), Value::from("red"));
    /// let errs = schema.validate_all(&fields).unwrap_err();
    /// assert_eq!(errs[0].to_string(), "field `number`: required field missing");
    /// assert_eq!(errs[1].to_string(), "field `colour`: unknown field for kind `permit`");
    /// # Ok::<(), certanchor::schema::SchemaError>(())
    /// ```
    pub fn validate_all(
        &self,
        fields: &BTreeMap<String, Value>,
    ) -> Result<(), Vec<SchemaViolation>> {
        const ON_STACK: usize = 32;
        let mut out = Vec::new();
        let mut stack = [None; ON_STACK];
        let mut heap = Vec::new();
        let found = if self.fields.len() <= ON_STACK {
            stack.get_mut(..self.fields.len()).unwrap_or_default()
        } else {
            heap.resize(self.fields.len(), None);
            &mut heap[..]
        };
        let listed = self.values_in(fields, found);
        for (spec, value) in self.fields.iter().zip(found.iter()) {
            match value {
                Some(value) => {
                    check_value(&spec.ty, value, &Path::Root(&spec.name), &mut out);
                }
                None if spec.required => {
                    out.push(SchemaViolation::new(&spec.name, "required field missing"));
                }
                None => {}
            }
        }
        // Spec names are distinct, so every field is listed exactly when the
        // counts agree; only otherwise look for the unknown ones.
        if !self.allow_extra && listed != fields.len() {
            for name in fields.keys() {
                if self.field(name).is_none() {
                    out.push(self.unknown(name));
                }
            }
        }
        if out.is_empty() { Ok(()) } else { Err(out) }
    }

    /// Check at verify time: only the disclosed fields (the others are
    /// hidden), without requiredness. Each disclosed value is checked in
    /// full; a name disclosed twice, or (unless extras are allowed) a name the
    /// schema does not list, is a violation.
    ///
    /// # Errors
    /// Every violation found, in the order the fields were given.
    ///
    /// ```
    /// use certanchor::cbor::Value;
    /// use certanchor::schema::SchemaRegistry;
    /// let registry = SchemaRegistry::builtin();
    /// let title = registry.get("real_estate_title").unwrap();
    /// let area = Value::from("89.50");
    /// let unit = Value::from("110105003012GB00123F00031201");
    /// assert!(title.validate_disclosed([("building_area_m2", &area), ("unit_number", &unit)]).is_ok());
    /// let bad = Value::from("89,50");
    /// let errs = title.validate_disclosed([("land_area_m2", &bad)]).unwrap_err();
    /// assert_eq!(errs[0].field, "land_area_m2");
    /// ```
    pub fn validate_disclosed<'a>(
        &self,
        fields: impl IntoIterator<Item = (&'a str, &'a Value)>,
    ) -> Result<(), Vec<SchemaViolation>> {
        let mut out = Vec::new();
        let mut seen = BTreeSet::new();
        for (name, value) in fields {
            if !seen.insert(name) {
                out.push(SchemaViolation::new(name, "field disclosed more than once"));
                continue;
            }
            match self.field(name) {
                Some(spec) => check_value(&spec.ty, value, &Path::Root(name), &mut out),
                None if self.allow_extra => {}
                None => out.push(self.unknown(name)),
            }
        }
        if out.is_empty() { Ok(()) } else { Err(out) }
    }

    fn unknown(&self, name: &str) -> SchemaViolation {
        SchemaViolation::new(name, format!("unknown field for kind `{}`", self.kind))
    }

    /// Checks the kind name and every field definition.
    fn check_definition(&self) -> Result<(), SchemaError> {
        let kind = &self.kind;
        let kind_ok = !kind.is_empty()
            && kind.len() <= MAX_KIND_LEN
            && kind.bytes().next().is_some_and(|b| b.is_ascii_lowercase())
            && kind
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if !kind_ok {
            return Err(SchemaError::InvalidKind {
                kind: kind.clone(),
                reason: format!(
                    "must be 1 to {MAX_KIND_LEN} bytes of a-z, 0-9 and _, starting with a letter"
                ),
            });
        }
        if self
            .label_zh
            .as_deref()
            .is_some_and(|l| l.trim().is_empty())
        {
            return Err(SchemaError::InvalidKind {
                kind: kind.clone(),
                reason: "empty label".to_owned(),
            });
        }
        check_specs(kind, "", &self.fields)
    }
}

/// Checks names and labels of `specs` (one level) and recurses into their types.
fn check_specs(kind: &str, prefix: &str, specs: &[FieldSpec]) -> Result<(), SchemaError> {
    let mut names = BTreeSet::new();
    for spec in specs {
        let path = join_key(prefix, &spec.name);
        let bad = |reason: &str| SchemaError::InvalidField {
            kind: kind.to_owned(),
            field: path.clone(),
            reason: reason.to_owned(),
        };
        let name = &spec.name;
        let name_ok = !name.is_empty()
            && name.len() <= MAX_FIELD_NAME_LEN
            && name.bytes().next().is_some_and(|b| b.is_ascii_alphabetic())
            && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
        if !name_ok {
            return Err(bad(&format!(
                "name must be 1 to {MAX_FIELD_NAME_LEN} bytes of ASCII letters, digits and _, starting with a letter"
            )));
        }
        if !names.insert(name.as_str()) {
            return Err(bad("defined twice"));
        }
        if spec
            .label_zh
            .as_deref()
            .is_some_and(|l| l.trim().is_empty())
        {
            return Err(bad("empty label"));
        }
        check_type_definition(kind, &path, &spec.ty)?;
    }
    Ok(())
}

fn check_type_definition(kind: &str, path: &str, ty: &FieldType) -> Result<(), SchemaError> {
    match ty {
        FieldType::Nullable(inner) | FieldType::List(inner) => {
            check_type_definition(kind, path, inner)
        }
        FieldType::Checked { base, .. } => check_type_definition(kind, path, base),
        FieldType::Record(specs) => check_specs(kind, path, specs),
        _ => Ok(()),
    }
}

fn join_key(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_owned()
    } else {
        format!("{prefix}.{key}")
    }
}

fn mismatch(ty: &FieldType, value: &Value, path: &Path<'_>) -> SchemaViolation {
    SchemaViolation::new(
        path.to_string(),
        format!("expected {ty}, found {}", value.type_name()),
    )
}

/// Where a value sits below a field: `name`, `name.key`, `name[2].key`.
/// Kept as borrowed parts and rendered only when a violation names it
/// (validation of valid input allocates nothing for paths).
#[derive(Clone, Copy)]
enum Path<'a> {
    /// The field name (or the caller's path; may be empty).
    Root(&'a str),
    /// A key of a record below `.0`.
    Key(&'a Path<'a>, &'a str),
    /// An item of a list below `.0`.
    Index(&'a Path<'a>, usize),
}

impl std::fmt::Display for Path<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Path::Root(s) => f.write_str(s),
            // as `join_key`: no leading dot under an empty root
            Path::Key(Path::Root(""), k) => f.write_str(k),
            Path::Key(p, k) => write!(f, "{p}.{k}"),
            Path::Index(p, i) => write!(f, "{p}[{i}]"),
        }
    }
}

/// Validates `value` against `ty`, appending violations under `path`.
fn check_value(ty: &FieldType, value: &Value, path: &Path<'_>, out: &mut Vec<SchemaViolation>) {
    match (ty, value) {
        (FieldType::Any, _)
        | (FieldType::Int, Value::Int(_))
        | (FieldType::Bool, Value::Bool(_))
        | (FieldType::Bytes, Value::Bytes(_))
        | (FieldType::Nullable(_), Value::Null) => {}
        (FieldType::Text, Value::Text(s)) => {
            if s.trim().is_empty() {
                out.push(SchemaViolation::new(path.to_string(), "empty text"));
            } else if s.len() > MAX_TEXT_BYTES {
                out.push(SchemaViolation::new(
                    path.to_string(),
                    format!(
                        "text longer than {MAX_TEXT_BYTES} bytes ({} bytes)",
                        s.len()
                    ),
                ));
            }
        }
        (FieldType::Decimal, Value::Text(s)) => {
            if let Err(reason) = validators::validate_decimal(s) {
                out.push(SchemaViolation::new(path.to_string(), reason));
            }
        }
        (FieldType::Date, Value::Text(s)) => {
            if let Err(reason) = validators::validate_date(s) {
                out.push(SchemaViolation::new(path.to_string(), reason));
            }
        }
        (FieldType::Nullable(inner), _) => {
            let before = out.len();
            check_value(inner, value, path, out);
            // Say "date or null" rather than "date" when the type itself is wrong.
            if out.len() == before + 1 && !accepts_shape(inner, value) {
                out.truncate(before);
                out.push(mismatch(ty, value, path));
            }
        }
        (FieldType::List(inner), Value::Array(items)) => {
            if items.len() > MAX_LIST_ITEMS {
                out.push(SchemaViolation::new(
                    path.to_string(),
                    format!("list of {} items, more than {MAX_LIST_ITEMS}", items.len()),
                ));
                return;
            }
            for (i, item) in items.iter().enumerate() {
                check_value(inner, item, &Path::Index(path, i), out);
            }
        }
        (FieldType::Record(specs), Value::Map(map)) => {
            for spec in specs {
                let child = Path::Key(path, &spec.name);
                match map.get(&spec.name) {
                    Some(v) => check_value(&spec.ty, v, &child, out),
                    None if spec.required => {
                        out.push(SchemaViolation::new(
                            child.to_string(),
                            "required field missing",
                        ));
                    }
                    None => {}
                }
            }
            for key in map.keys() {
                if !specs.iter().any(|s| &s.name == key) {
                    out.push(SchemaViolation::new(
                        Path::Key(path, key).to_string(),
                        "unknown field",
                    ));
                }
            }
        }
        (FieldType::Checked { base, check, .. }, _) => {
            let before = out.len();
            check_value(base, value, path, out);
            if out.len() != before {
                return;
            }
            if let Err(reason) = check(value) {
                out.push(attribute(base, path, reason));
            }
        }
        _ => out.push(mismatch(ty, value, path)),
    }
}

/// Whether `value` has the CBOR shape `ty` expects at its top level.
fn accepts_shape(ty: &FieldType, value: &Value) -> bool {
    match (ty, value) {
        (FieldType::Any, _)
        | (FieldType::Int, Value::Int(_))
        | (FieldType::Bool, Value::Bool(_))
        | (FieldType::Bytes, Value::Bytes(_))
        | (FieldType::Text | FieldType::Decimal | FieldType::Date, Value::Text(_))
        | (FieldType::Nullable(_), Value::Null)
        | (FieldType::List(_), Value::Array(_))
        | (FieldType::Record(_), Value::Map(_)) => true,
        (FieldType::Nullable(inner) | FieldType::Checked { base: inner, .. }, _) => {
            accepts_shape(inner, value)
        }
        _ => false,
    }
}

/// Places a check's reason: at `path.<name>` when the base is a record and the
/// reason starts with `"<name>: "` for one of its fields, else at `path`.
fn attribute(base: &FieldType, path: &Path<'_>, reason: String) -> SchemaViolation {
    if let FieldType::Record(specs) = base
        && let Some((name, rest)) = reason.split_once(": ")
        && specs.iter().any(|s| s.name == name)
    {
        return SchemaViolation::new(Path::Key(path, name).to_string(), rest);
    }
    SchemaViolation::new(path.to_string(), reason)
}

/// The schemas of the kinds an issuer or verifier knows, by kind name.
///
/// ```
/// use certanchor::schema::{FieldType, Schema, SchemaRegistry};
/// let mut registry = SchemaRegistry::builtin();
/// assert_eq!(registry.kinds().collect::<Vec<_>>(), ["business_license", "real_estate_title"]);
/// assert_eq!(registry.get("business_license").unwrap().label_zh(), Some("营业执照"));
/// assert!(registry.get("marriage_certificate").is_none());
///
/// let permit = Schema::builder("drainage_permit").required("number", FieldType::Text).build()?;
/// registry.register(permit.clone())?;
/// assert_eq!(registry.register(permit).unwrap_err().code(), "duplicate_kind");
/// # Ok::<(), certanchor::schema::SchemaError>(())
/// ```
#[derive(Clone, Debug, Default)]
pub struct SchemaRegistry {
    schemas: BTreeMap<String, Schema>,
}

impl SchemaRegistry {
    /// A registry holding the built-in kinds [`BUSINESS_LICENSE`] and
    /// [`REAL_ESTATE_TITLE`].
    #[must_use]
    pub fn builtin() -> Self {
        let mut registry = Self::empty();
        for schema in [builtin::business_license(), builtin::real_estate_title()] {
            registry.schemas.insert(schema.kind.clone(), schema);
        }
        registry
    }

    /// A registry with no kinds.
    #[must_use]
    pub fn empty() -> Self {
        Self::default()
    }

    /// Adds a kind.
    ///
    /// # Errors
    /// [`SchemaError::DuplicateKind`] if a schema for that kind is already
    /// registered (a kind's schema never changes under a running issuer or
    /// verifier).
    pub fn register(&mut self, schema: Schema) -> Result<(), SchemaError> {
        match self.schemas.entry(schema.kind.clone()) {
            std::collections::btree_map::Entry::Occupied(e) => {
                Err(SchemaError::DuplicateKind(e.key().clone()))
            }
            std::collections::btree_map::Entry::Vacant(e) => {
                e.insert(schema);
                Ok(())
            }
        }
    }

    /// The schema of `kind`, or `None` for an unknown kind.
    #[must_use]
    pub fn get(&self, kind: &str) -> Option<&Schema> {
        self.schemas.get(kind)
    }

    /// The registered kind names, in sorted order.
    pub fn kinds(&self) -> impl Iterator<Item = &str> {
        self.schemas.keys().map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    /// Every coded value a built-in kind allows has a Chinese label.
    #[test]
    fn every_coded_value_has_a_chinese_label() {
        let labelled: Vec<&str> = VALUE_LABELS_ZH.iter().map(|(v, _)| *v).collect();
        for v in ENCUMBRANCE_TYPES
            .iter()
            .chain(&[ID_TYPE_RESIDENT_ID, ID_TYPE_USCC])
        {
            assert!(labelled.contains(v), "{v} has no label");
        }
    }

    use super::*;

    fn map(pairs: &[(&str, Value)]) -> BTreeMap<String, Value> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect()
    }

    /// `validate_all` as first written: a lookup per spec, then the unknown
    /// names.
    fn validate_all_by_lookup(schema: &Schema, fields: &BTreeMap<String, Value>) -> Vec<String> {
        let mut out = Vec::new();
        for spec in &schema.fields {
            match fields.get(&spec.name) {
                Some(v) => check_value(&spec.ty, v, &Path::Root(&spec.name), &mut out),
                None if spec.required => {
                    out.push(SchemaViolation::new(&spec.name, "required field missing"));
                }
                None => {}
            }
        }
        if !schema.allow_extra {
            out.extend(
                fields
                    .keys()
                    .filter(|n| schema.field(n).is_none())
                    .map(|n| schema.unknown(n)),
            );
        }
        out.iter().map(ToString::to_string).collect()
    }

    proptest::proptest! {
        /// The scan finds what a lookup per spec finds, and says it in
        /// declaration order, for specs declared out of name order.
        #[test]
        fn validate_all_scan_matches_lookups(
            present in proptest::collection::btree_map(
                proptest::sample::select(vec!["zeta", "alpha", "mid", "b", "ba", "extra", "zz"]),
                proptest::prop_oneof![
                    proptest::strategy::Just(Value::from("text")),
                    proptest::strategy::Just(Value::from(" ")),
                    proptest::strategy::Just(Value::Int(1)),
                ],
                0..7,
            ),
            extra in proptest::bool::ANY,
        ) {
            let schema = Schema::builder("k")
                .required("zeta", FieldType::Text)
                .required("alpha", FieldType::Int)
                .optional("mid", FieldType::Text)
                .required("ba", FieldType::Text)
                .optional("b", FieldType::Int)
                .allow_extra(extra)
                .build()
                .unwrap();
            let fields: BTreeMap<String, Value> =
                present.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
            let said: Vec<String> = schema
                .validate_all(&fields)
                .err()
                .unwrap_or_default()
                .iter()
                .map(ToString::to_string)
                .collect();
            proptest::prop_assert_eq!(said, validate_all_by_lookup(&schema, &fields));
        }
    }

    #[test]
    fn builtin_definitions_pass_the_builder_checks() {
        let registry = SchemaRegistry::builtin();
        for kind in registry.kinds() {
            let schema = registry.get(kind).unwrap();
            schema.check_definition().unwrap();
            assert!(schema.label_zh().is_some());
            fn all_labelled(specs: &[FieldSpec]) {
                for s in specs {
                    assert!(s.label_zh.is_some(), "{} has no label", s.name);
                    let mut ty = &s.ty;
                    loop {
                        match ty {
                            FieldType::Nullable(i) | FieldType::List(i) => ty = i,
                            FieldType::Checked { base, .. } => ty = base,
                            FieldType::Record(r) => {
                                all_labelled(r);
                                break;
                            }
                            _ => break,
                        }
                    }
                }
            }
            all_labelled(schema.fields());
        }
    }

    #[test]
    fn scalar_types() {
        let cases: &[(FieldType, Value, bool)] = &[
            (FieldType::Text, Value::from("a"), true),
            (FieldType::Text, Value::from(" \t\n"), false),
            (FieldType::Text, Value::from(""), false),
            (FieldType::Text, Value::Int(1), false),
            (
                FieldType::Text,
                Value::from("x".repeat(MAX_TEXT_BYTES)),
                true,
            ),
            (
                FieldType::Text,
                Value::from("x".repeat(MAX_TEXT_BYTES + 1)),
                false,
            ),
            (FieldType::Int, Value::Int(-5), true),
            (FieldType::Int, Value::from("5"), false),
            (FieldType::Bool, Value::Bool(false), true),
            (FieldType::Bool, Value::Null, false),
            (FieldType::Bytes, Value::Bytes(vec![]), true),
            (FieldType::Bytes, Value::from("00"), false),
            (FieldType::Decimal, Value::from("1.50"), true),
            (FieldType::Decimal, Value::Int(1), false),
            (FieldType::Date, Value::from("2024-02-29"), true),
            (FieldType::Date, Value::from("2024-02-30"), false),
            (FieldType::Any, Value::Null, true),
            (FieldType::Any, Value::Array(vec![]), true),
            (FieldType::nullable(FieldType::Int), Value::Null, true),
            (FieldType::nullable(FieldType::Int), Value::Int(1), true),
            (
                FieldType::nullable(FieldType::Int),
                Value::Bool(true),
                false,
            ),
        ];
        for (ty, v, ok) in cases {
            assert_eq!(ty.validate("f", v).is_ok(), *ok, "{ty} {v:?}");
        }
    }

    #[test]
    fn mismatch_messages_name_both_types() {
        let e = FieldType::nullable(FieldType::Date)
            .validate("term_until", &Value::Int(20700630))
            .unwrap_err();
        assert_eq!(e[0].reason, "expected date or null, found integer");
        let e = FieldType::list(FieldType::Text)
            .validate("xs", &Value::from("a"))
            .unwrap_err();
        assert_eq!(e[0].reason, "expected list of text, found text");
        // A wrong value (not a wrong type) inside a nullable keeps its own reason.
        let e = FieldType::nullable(FieldType::Date)
            .validate("d", &Value::from("2024-02-30"))
            .unwrap_err();
        assert!(
            e[0].reason.contains("not a calendar date"),
            "{}",
            e[0].reason
        );
    }

    #[test]
    fn lists_and_records_report_paths() {
        let ty = FieldType::list(FieldType::Record(vec![
            FieldSpec::required("a", FieldType::Int),
            FieldSpec::optional("b", FieldType::Date),
        ]));
        let v = Value::Array(vec![
            Value::Map(map(&[("a", Value::Int(1))])),
            Value::Map(map(&[
                ("b", Value::from("2024-13-01")),
                ("zz", Value::Null),
            ])),
            Value::Int(3),
        ]);
        let e = ty.validate("items", &v).unwrap_err();
        let got: Vec<_> = e
            .iter()
            .map(|v| (v.field.as_str(), v.reason.as_str()))
            .collect();
        assert_eq!(got.len(), 4, "{got:?}");
        assert_eq!(got[0], ("items[1].a", "required field missing"));
        assert_eq!(got[1].0, "items[1].b");
        assert_eq!(got[2], ("items[1].zz", "unknown field"));
        assert_eq!(got[3], ("items[2]", "expected record, found integer"));
    }

    #[test]
    fn list_limit() {
        let ty = FieldType::list(FieldType::Int);
        let ok = Value::Array(vec![Value::Int(0); MAX_LIST_ITEMS]);
        assert!(ty.validate("l", &ok).is_ok());
        let big = Value::Array(vec![Value::from("not an int"); MAX_LIST_ITEMS + 1]);
        let e = ty.validate("l", &big).unwrap_err();
        assert_eq!(e.len(), 1, "one violation for the size, not one per item");
        assert!(e[0].reason.contains("more than 256"));
    }

    #[test]
    fn checked_runs_only_after_base_and_can_point_into_records() {
        fn never(_: &Value) -> Result<(), String> {
            Err("check ran".to_owned())
        }
        let ty = FieldType::checked(FieldType::Int, "never", never);
        assert_eq!(
            ty.validate("x", &Value::from("a")).unwrap_err()[0].reason,
            "expected integer, found text"
        );
        assert_eq!(
            ty.validate("x", &Value::Int(1)).unwrap_err()[0].reason,
            "check ran"
        );
        assert_eq!(ty.to_string(), "never");

        fn points(_: &Value) -> Result<(), String> {
            Err("b: must match a".to_owned())
        }
        fn not_a_field(_: &Value) -> Result<(), String> {
            Err("c: something".to_owned())
        }
        let rec = FieldType::Record(vec![
            FieldSpec::required("a", FieldType::Int),
            FieldSpec::required("b", FieldType::Int),
        ]);
        let v = Value::Map(map(&[("a", Value::Int(1)), ("b", Value::Int(2))]));
        let e = FieldType::checked(rec.clone(), "points", points)
            .validate("r", &v)
            .unwrap_err();
        assert_eq!(
            (e[0].field.as_str(), e[0].reason.as_str()),
            ("r.b", "must match a")
        );
        let e = FieldType::checked(rec, "nf", not_a_field)
            .validate("r", &v)
            .unwrap_err();
        assert_eq!(
            (e[0].field.as_str(), e[0].reason.as_str()),
            ("r", "c: something")
        );
    }

    #[test]
    fn builder_refuses_bad_definitions() {
        for kind in [
            "",
            "Kind",
            "1kind",
            "a-b",
            "kind name",
            &"k".repeat(MAX_KIND_LEN + 1),
        ] {
            let e = Schema::builder(kind).build().unwrap_err();
            assert_eq!(e.code(), "invalid_kind", "{kind}");
        }
        assert!(Schema::builder("k".repeat(MAX_KIND_LEN)).build().is_ok());
        assert!(Schema::builder("k").label_zh(" ").build().is_err());
        for name in ["", "a.b", "a[0]", "1a", "名称", "a b"] {
            let e = Schema::builder("k")
                .required(name, FieldType::Text)
                .build()
                .unwrap_err();
            assert_eq!(e.code(), "invalid_schema_field", "{name:?}");
        }
        let e = Schema::builder("k")
            .required("a", FieldType::Text)
            .optional("a", FieldType::Int)
            .build()
            .unwrap_err();
        assert_eq!(e.to_string(), "schema `k`: field `a`: defined twice");
        let nested = FieldType::list(FieldType::Record(vec![
            FieldSpec::required("x", FieldType::Int),
            FieldSpec::required("x", FieldType::Int),
        ]));
        let e = Schema::builder("k")
            .required("r", nested)
            .build()
            .unwrap_err();
        assert_eq!(e.to_string(), "schema `k`: field `r.x`: defined twice");
        let e = Schema::builder("k")
            .field(FieldSpec::required("a", FieldType::Text).with_label_zh(""))
            .build()
            .unwrap_err();
        assert!(e.to_string().contains("empty label"));
    }

    #[test]
    fn allow_extra_accepts_unlisted_fields() {
        let schema = Schema::builder("open")
            .required("a", FieldType::Int)
            .allow_extra(true)
            .build()
            .unwrap();
        assert!(schema.allow_extra());
        let fields = map(&[("a", Value::Int(1)), ("anything", Value::Null)]);
        assert!(schema.validate_all(&fields).is_ok());
        let extra = Value::Bool(true);
        assert!(schema.validate_disclosed([("zzz", &extra)]).is_ok());
    }

    #[test]
    fn disclosed_checks_duplicates_and_unknowns() {
        let schema = Schema::builder("k")
            .required("a", FieldType::Int)
            .required("b", FieldType::Int)
            .build()
            .unwrap();
        let one = Value::Int(1);
        let text = Value::from("x");
        assert!(
            schema.validate_disclosed([]).is_ok(),
            "nothing disclosed, nothing required"
        );
        let e = schema
            .validate_disclosed([("a", &one), ("a", &one), ("c", &one), ("b", &text)])
            .unwrap_err();
        let fields: Vec<_> = e.iter().map(|v| v.field.as_str()).collect();
        assert_eq!(fields, ["a", "c", "b"]);
        assert_eq!(e[0].reason, "field disclosed more than once");
        assert_eq!(e[1].reason, "unknown field for kind `k`");
    }

    #[test]
    fn registry_basics() {
        let mut r = SchemaRegistry::empty();
        assert_eq!(r.kinds().count(), 0);
        r.register(Schema::builder("b").build().unwrap()).unwrap();
        r.register(Schema::builder("a").build().unwrap()).unwrap();
        assert_eq!(r.kinds().collect::<Vec<_>>(), ["a", "b"]);
        let e = r.register(
            Schema::builder("a")
                .required("x", FieldType::Int)
                .build()
                .unwrap(),
        );
        assert_eq!(e, Err(SchemaError::DuplicateKind("a".to_owned())));
        assert!(
            r.get("a").unwrap().fields().is_empty(),
            "the first definition stays"
        );
        let mut b = SchemaRegistry::builtin();
        assert_eq!(
            b.register(Schema::builder(BUSINESS_LICENSE).build().unwrap())
                .unwrap_err()
                .code(),
            "duplicate_kind"
        );
    }
}
