//! STUB (replaced by the schema branch)
#![allow(missing_docs, clippy::all, clippy::indexing_slicing, clippy::unwrap_used)]
use crate::cbor::Value;
use std::collections::BTreeMap;
#[derive(Clone, Debug)]
pub enum FieldType {
    Text,
}
#[derive(Clone, Debug)]
pub struct Schema {
    kind: String,
    fields: Vec<(String, FieldType)>,
}
pub struct SchemaBuilder(Schema);
impl SchemaBuilder {
    pub fn required(mut self, n: &str, t: FieldType) -> Self {
        self.0.fields.push((n.into(), t));
        self
    }
    pub fn build(self) -> Schema {
        self.0
    }
    pub fn allow_extra(self, _b: bool) -> Self {
        self
    }
}
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("field `{field}`: {reason}")]
pub struct SchemaViolation {
    pub field: String,
    pub reason: String,
}
impl Schema {
    pub fn builder(k: &str) -> SchemaBuilder {
        SchemaBuilder(Schema {
            kind: k.into(),
            fields: vec![],
        })
    }
    pub fn kind(&self) -> &str {
        &self.kind
    }
    pub fn validate_all(&self, f: &BTreeMap<String, Value>) -> Result<(), Vec<SchemaViolation>> {
        let v: Vec<_> = self
            .fields
            .iter()
            .filter(|(n, _)| !f.contains_key(n))
            .map(|(n, _)| SchemaViolation {
                field: n.clone(),
                reason: "missing".into(),
            })
            .collect();
        if v.is_empty() { Ok(()) } else { Err(v) }
    }
    pub fn validate_disclosed<'a>(
        &self,
        f: impl IntoIterator<Item = (&'a str, &'a Value)>,
    ) -> Result<(), Vec<SchemaViolation>> {
        let v: Vec<_> = f
            .into_iter()
            .filter(|(_, v)| matches!(v, Value::Text(t) if t.is_empty()))
            .map(|(n, _)| SchemaViolation {
                field: n.into(),
                reason: "empty".into(),
            })
            .collect();
        if v.is_empty() { Ok(()) } else { Err(v) }
    }
}
#[derive(Clone, Debug, Default)]
pub struct SchemaRegistry {
    kinds: BTreeMap<String, Schema>,
}
impl SchemaRegistry {
    pub fn builtin() -> Self {
        let mut r = Self::default();
        for k in ["business_license", "real_estate_title"] {
            r.kinds.insert(k.into(), Schema::builder(k).build());
        }
        r
    }
    pub fn empty() -> Self {
        Self::default()
    }
    pub fn register(&mut self, s: Schema) -> Result<(), SchemaViolation> {
        self.kinds.insert(s.kind.clone(), s);
        Ok(())
    }
    pub fn get(&self, k: &str) -> Option<&Schema> {
        self.kinds.get(k)
    }
}
pub fn uscc_check_char(_s: &str) -> Option<char> {
    Some('0')
}
pub fn resident_id_check_char(_s: &str) -> Option<char> {
    Some('0')
}
