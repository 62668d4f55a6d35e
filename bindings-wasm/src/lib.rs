//! WebAssembly binding of [`certanchor`]: verify proof bundles in a browser
//! or in Node, offline.
//!
//! The binding is thin (DESIGN §1): every function converts its JavaScript
//! arguments, calls the core, and converts the result back. No rule lives
//! here. Reports, bundle views and trust stores cross the boundary as the
//! core's own JSON views ([`certanchor::Report::to_json`], [`certanchor::Bundle::to_json`],
//! [`certanchor::TrustStore::to_json`]), so their keys are the same snake_case keys the
//! CLI's `--json` output and the Python binding use.
//!
//! Errors are thrown as JavaScript `Error` objects whose `name` says the
//! concern (`DecodeError`, `TrustError`, `IssueError`, `VerifyError`, or
//! `TypeError` for a bad argument) and whose `code` is the core's stable
//! snake_case code (`trailing_bytes`, `trust_store_json`, `no_such_field`, …;
//! `invalid_argument` for a bad argument).
//!
//! ```js
//! import init, { Verifier, demoTrustStore } from "certanchor-wasm";
//! await init();
//! const v = new Verifier(demoTrustStore());
//! const report = v.verify("CA1:...");        // or a Uint8Array (.cab file)
//! console.log(report.verdict);               // "valid" | "invalid" | "indeterminate"
//! ```

#![forbid(unsafe_code)]

use certanchor::schema::{FieldType, SchemaRegistry};
use certanchor::{Bundle, DecodeError, IssueError, TrustError, TrustStore, VerifyError};
use js_sys::{Array, Date, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;

mod zlib;

#[wasm_bindgen(typescript_custom_section)]
const TS_TYPES: &'static str = r#"
/** Overall result of a verification (DESIGN §8). */
export type Verdict = "valid" | "invalid" | "indeterminate";

/** Outcome of one check. */
export type Outcome = "passed" | "failed" | "indeterminate" | "skipped";

/** The ten checks, always reported in this order. */
export type CheckName =
  | "format" | "integrity" | "inclusion" | "issuer_signature" | "authorization"
  | "endorsements" | "status" | "validity" | "schema" | "ledger";

/** One check of a report. */
export interface Check {
  /** Which check. */
  check: CheckName;
  /** Its outcome. */
  outcome: Outcome;
  /** Stable machine code of the result: `ok`, `bad_signature`, `revoked`, `digest_mismatch`, … */
  code: string;
  /** Plain-language reason (English), for a clerk. */
  reason: string;
}

/** An issuing authority or endorsing department. */
export interface Party {
  /** Issuer id, e.g. `cn.beijing.ghzrzyw`. */
  id: string;
  /** Display name from the trust store; `null` when the party is not trusted. */
  name: string | null;
}

/** What the certificate header says. Times are Unix seconds. */
export interface CertificateInfo {
  /** Certificate id, e.g. `京(2024)朝阳区不动产权第0012345号`. */
  id: string;
  /** Kind, e.g. `real_estate_title`. */
  kind: string;
  /** Issuer id named in the header. */
  issuer: string;
  /** Issue time. */
  issued_at: number;
  /** Start of validity. */
  valid_from: number;
  /** End of validity; `null` = no end. */
  valid_until: number | null;
}

/** The anchor the bundle rests on. */
export interface AnchorInfo {
  /** Anchor id: hex SHA-256 of the anchor payload. */
  id: string;
  /** Batch name. */
  batch: string;
  /** Hex Merkle root. */
  root: string;
  /** Tree size. */
  tree_size: number;
  /** The certificate's leaf index. */
  leaf_index: number;
}

/** A status list the verifier used. */
export interface StatusInfo {
  /** Which list. */
  purpose: "revocation" | "suspension";
  /** Its epoch. */
  epoch: number;
  /** Its issue time (Unix seconds). */
  issued_at: number;
  /** Fresh until (Unix seconds). */
  fresh_until: number;
  /** The certificate's bit; `null` when the list does not cover it. */
  set: boolean | null;
}

/** Ledger facts from a verified receipt. */
export interface LedgerInfo {
  /** Log origin. */
  origin: string;
  /** Index of the anchor in the log. */
  index: number;
  /** Size of the checkpoint's tree. */
  tree_size: number;
}

/** A disclosed field value (CBOR value as JSON; byte strings as lowercase hex). */
export type FieldValue = string | number | boolean | null | FieldValue[] | { [name: string]: FieldValue };

/** The result of verifying one bundle: the core's `Report::to_json` view. */
export interface Report {
  /** Overall verdict. */
  verdict: Verdict;
  /** The time verified at (Unix seconds). */
  verified_at: number;
  /** The ten checks, in order. */
  checks: Check[];
  /** Header facts; `null` when the header did not decode. */
  certificate: CertificateInfo | null;
  /** Disclosed fields whose digests matched the header, by name. */
  disclosed: { [name: string]: FieldValue };
  /** The issuing authority. */
  issuer: Party | null;
  /** Departments whose endorsements verified. */
  endorsers: Party[];
  /** The anchor. */
  anchor: AnchorInfo | null;
  /** Status lists used. */
  status: StatusInfo[];
  /** Ledger facts, when a receipt verified. */
  ledger: LedgerInfo | null;
}

/** A JSON view of a bundle for people and logs (never a signed form). */
export interface BundleView {
  /** Always 1. */
  v: 1;
  /** The decoded header, or `null` if it does not decode. */
  header: (CertificateInfo & { digests: string[] }) | null;
  /** The header bytes, base64. */
  header_bytes: string;
  /** Disclosed fields with their salts (hex). */
  disclosed: { salt: string; name: string; value: FieldValue }[];
  /** RFC 9162 inclusion proof (hashes hex). */
  proof: { tree_size: number; leaf_index: number; path: string[] };
  /** COSE_Sign anchor, base64. */
  anchor: string;
  /** COSE_Sign1 status lists, base64. */
  status: string[];
  /** Ledger receipt, if any. */
  receipt: { checkpoint: string; index: number; path: string[] } | null;
  /** Receipt of the anchor on an EVM chain, if any (checked only online). */
  chain: { chain_id: number; contract: string; tx: string; block: number } | null;
}

/** A trust store document (DESIGN §7), as a clerk's office writes it. */
export interface TrustStoreDoc {
  /** Must be 1. */
  version: 1;
  /** Trusted issuers and departments. */
  issuers: {
    id: string; name: string; kinds: string[];
    keys: { public_key: string; not_before: string; not_after: string | null; revoked_at: string | null }[];
  }[];
  /** Policies per kind. */
  policies: {
    kind: string;
    endorsements: { from: string[]; at_least: number } | null;
    require_status: boolean; require_ledger: boolean;
  }[];
  /** Trusted ledgers. */
  ledgers: { origin: string; public_key: string }[];
  /** Trusted EVM chains (anchor registry contracts). */
  chains?: { chain_id: number; contract: string; rpc_url?: string; name?: string }[];
}

/** Chinese labels of a registered kind and of its fields. */
export interface FieldLabels {
  /** The kind, e.g. `business_license`. */
  kind: string;
  /** The kind's Chinese name, e.g. `营业执照`. */
  label_zh: string | null;
  /**
   * Field path → Chinese label. Top-level fields by name (`uscc`), fields of
   * records by dotted path (`right_holders.name`, `registered_capital.amount`).
   */
  fields: { [path: string]: string };
  /** Field names in schema order (top level). */
  order: string[];
}

/** What every function of this package throws. */
export interface CertanchorError extends Error {
  /** `DecodeError`, `TrustError`, `IssueError`, `VerifyError`, or `TypeError` for a bad argument. */
  name: "DecodeError" | "TrustError" | "IssueError" | "VerifyError" | "TypeError";
  /** The core's stable snake_case code, e.g. `trailing_bytes`; `invalid_argument` for a bad argument. */
  code: string;
}
"#;

/// A JavaScript `Error` with `name` and a stable `code`.
fn js_error(name: &str, code: &str, message: &str) -> JsValue {
    let e = js_sys::Error::new(message);
    e.set_name(name);
    // Setting a property on a fresh Error object cannot fail.
    let _ = Reflect::set(&e, &JsValue::from_str("code"), &JsValue::from_str(code));
    e.into()
}

fn bad_argument(message: &str) -> JsValue {
    js_error("TypeError", "invalid_argument", message)
}

fn decode_err(e: &DecodeError) -> JsValue {
    js_error("DecodeError", e.code(), &e.to_string())
}

fn trust_err(e: &TrustError) -> JsValue {
    js_error("TrustError", e.code(), &e.to_string())
}

fn issue_err(e: &IssueError) -> JsValue {
    js_error("IssueError", e.code(), &e.to_string())
}

fn verify_err(e: &VerifyError) -> JsValue {
    js_error("VerifyError", e.code(), &e.to_string())
}

/// Hands a JSON value to JavaScript as plain objects, arrays and
/// primitives, exactly as `JSON.parse` builds them (numbers are doubles;
/// keys become own data properties, even `__proto__`): by `JSON.parse` of
/// the value's text. One string crossing the boundary and one native parse
/// cost far less than building the objects a property at a time from wasm
/// (each key and value a call out and a string decoded). The text is written
/// by the core's [`certanchor::json`] writer, so the module carries no
/// serde_json serializer.
fn to_js(v: &serde_json::Value) -> Result<JsValue, JsValue> {
    let mut text = String::with_capacity(4096);
    certanchor::json::write_value(&mut text, v);
    js_sys::JSON::parse(&text)
}

/// A bundle argument: `Uint8Array` (binary form) or string (`CA1:` text).
fn input_bytes(v: &JsValue) -> Result<Vec<u8>, JsValue> {
    if let Some(s) = v.as_string() {
        Ok(s.into_bytes())
    } else if let Some(a) = v.dyn_ref::<Uint8Array>() {
        Ok(a.to_vec())
    } else {
        Err(bad_argument(
            "bundle must be a Uint8Array (binary form) or a string (CA1: text form)",
        ))
    }
}

fn decode(v: &JsValue) -> Result<Bundle, JsValue> {
    Bundle::decode_any(&input_bytes(v)?).map_err(|e| decode_err(&e))
}

/// `now` argument: undefined → the current time, a `Date`, or Unix seconds.
fn unix_seconds(now: &JsValue) -> Result<u64, JsValue> {
    let ms = if now.is_undefined() || now.is_null() {
        Date::now()
    } else if let Some(d) = now.dyn_ref::<Date>() {
        d.get_time()
    } else if let Some(s) = now.as_f64() {
        s * 1000.0
    } else {
        return Err(bad_argument(
            "now must be a Date or a number of Unix seconds",
        ));
    };
    if !ms.is_finite() || ms < 0.0 {
        return Err(bad_argument(
            "now must be a valid time not before 1970-01-01",
        ));
    }
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    Ok((ms / 1000.0).floor() as u64)
}

/// Verifies proof bundles against a trust store (DESIGN §8).
///
/// Keeps a cache of checked anchor signatures and the newest status lists it
/// has seen, so create one per trust store and reuse it.
#[wasm_bindgen]
pub struct Verifier {
    inner: certanchor::Verifier,
}

#[wasm_bindgen]
impl Verifier {
    /// A verifier for a trust store JSON document (DESIGN §7), with the
    /// built-in kinds' schemas.
    ///
    /// # Errors
    /// Throws a `TrustError` (`trust_store_json`, `unsupported_version`,
    /// `duplicate_issuer`, `invalid_key`, `invalid_time`, `invalid_policy`,
    /// `invalid_ledger`) when the document is refused.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(js_name = "trustStoreJson")] trust_store_json: &str,
    ) -> Result<Verifier, JsValue> {
        let trust = TrustStore::from_json(trust_store_json).map_err(|e| trust_err(&e))?;
        Ok(Self {
            inner: certanchor::Verifier::new(trust),
        })
    }

    /// Verifies a bundle — a `Uint8Array` in binary form (a `.cab` file) or
    /// a `CA1:` string — at `now` (a `Date` or Unix seconds; default: the
    /// current time). A bundle that does not decode is not an error: the
    /// report's `format` check fails.
    ///
    /// # Errors
    /// Throws a `TypeError` (`invalid_argument`) for an argument of the
    /// wrong type.
    #[wasm_bindgen(unchecked_return_type = "Report")]
    pub fn verify(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Uint8Array | string")] bundle: JsValue,
        #[wasm_bindgen(unchecked_param_type = "Date | number | undefined")] now: JsValue,
    ) -> Result<JsValue, JsValue> {
        let bytes = input_bytes(&bundle)?;
        let now = unix_seconds(&now)?;
        // the report's text view, written directly (no serde_json tree)
        js_sys::JSON::parse(&self.inner.verify(&bytes, now).to_json_text())
    }

    /// Hands the verifier a status list (COSE_Sign1 bytes) obtained out of
    /// band, as of `now` (a `Date` or Unix seconds; default: the current
    /// time); kept when a trusted key valid then signed it, and it then
    /// counts for every later verification.
    ///
    /// # Errors
    /// Throws a `VerifyError` (`untrusted_status_list`, or a decode code),
    /// or a `TypeError` for a bad `now`.
    #[wasm_bindgen(js_name = "addStatusList")]
    pub fn add_status_list(
        &self,
        bytes: &[u8],
        #[wasm_bindgen(unchecked_param_type = "Date | number | undefined")] now: JsValue,
    ) -> Result<(), JsValue> {
        let now = unix_seconds(&now)?;
        self.inner
            .add_status_list(bytes, now)
            .map_err(|e| verify_err(&e))
    }

    /// The trust store document this verifier uses: trusted authorities,
    /// policies and ledgers.
    ///
    /// # Errors
    /// Never in practice (the document is re-parsed from the core's JSON).
    #[wasm_bindgen(js_name = "trustStore", unchecked_return_type = "TrustStoreDoc")]
    pub fn trust_store(&self) -> Result<JsValue, JsValue> {
        let doc = serde_json::to_value(self.inner.trust_store().doc())
            .map_err(|e| js_error("TrustError", "trust_store_json", &e.to_string()))?;
        to_js(&doc)
    }
}

/// Decodes a bundle (binary `Uint8Array` or `CA1:` text) into a JSON view
/// for people and logs. Decoding is strict; nothing is verified.
///
/// # Errors
/// Throws a `DecodeError` with the core's code (`trailing_bytes`,
/// `truncated`, `invalid_text_form`, …), or a `TypeError`.
#[wasm_bindgen(js_name = "decodeBundle", unchecked_return_type = "BundleView")]
pub fn decode_bundle(
    #[wasm_bindgen(unchecked_param_type = "Uint8Array | string")] bundle: JsValue,
) -> Result<JsValue, JsValue> {
    to_js(&decode(&bundle)?.to_json())
}

/// The binary form of a `CA1:` text (the bytes of a `.cab` file).
///
/// # Errors
/// Throws a `DecodeError` (`invalid_text_form`, `too_large`, or a binary
/// decode code).
#[wasm_bindgen(js_name = "bundleFromText")]
pub fn bundle_from_text(text: &str) -> Result<Vec<u8>, JsValue> {
    Bundle::from_text(text)
        .map(|b| b.to_bytes())
        .map_err(|e| decode_err(&e))
}

/// The `CA1:` text form of a bundle (for a QR code).
///
/// The zlib stream inside comes from this package's small encoder
/// (`src/zlib.rs`), not the core's: the text can differ from the CLI's
/// `CA1:` text for the same bundle (typically by a few percent in length)
/// but decodes to the same bytes everywhere.
///
/// # Errors
/// Throws a `DecodeError` when the bundle does not decode, or a `TypeError`.
#[wasm_bindgen(js_name = "bundleToText")]
pub fn bundle_to_text(
    #[wasm_bindgen(unchecked_param_type = "Uint8Array | string")] bundle: JsValue,
) -> Result<String, JsValue> {
    let bytes = decode(&bundle)?.to_bytes();
    Ok(format!(
        "{}{}",
        certanchor::bundle::TEXT_PREFIX,
        certanchor::base45::encode(zlib::compress(&bytes))
    ))
}

/// A smaller bundle (binary form) disclosing only the fields `names`: a
/// holder's selective disclosure. Nothing else in the bundle changes.
///
/// # Errors
/// Throws an `IssueError` `no_such_field` when a name is not disclosed in
/// the bundle, a `DecodeError` when the bundle does not decode, or a
/// `TypeError` when `names` is not an array of strings.
#[wasm_bindgen(js_name = "withFewerFields")]
pub fn with_fewer_fields(
    #[wasm_bindgen(unchecked_param_type = "Uint8Array | string")] bundle: JsValue,
    #[wasm_bindgen(unchecked_param_type = "string[]")] names: JsValue,
) -> Result<Vec<u8>, JsValue> {
    if !Array::is_array(&names) {
        return Err(bad_argument("names must be an array of strings"));
    }
    let names = Array::from(&names)
        .iter()
        .map(|n| {
            n.as_string()
                .ok_or_else(|| bad_argument("names must be an array of strings"))
        })
        .collect::<Result<Vec<String>, JsValue>>()?;
    decode(&bundle)?
        .with_fewer_fields(&names)
        .map(|b| b.to_bytes())
        .map_err(|e| issue_err(&e))
}

fn collect_labels(
    prefix: &str,
    ty: &FieldType,
    out: &mut serde_json::Map<String, serde_json::Value>,
) {
    match ty {
        FieldType::Record(specs) => {
            for s in specs {
                let path = format!("{prefix}.{}", s.name);
                if let Some(l) = &s.label_zh {
                    out.insert(path.clone(), l.clone().into());
                }
                collect_labels(&path, &s.ty, out);
            }
        }
        FieldType::Nullable(inner) | FieldType::List(inner) => collect_labels(prefix, inner, out),
        FieldType::Checked { base, .. } => collect_labels(prefix, base, out),
        _ => {}
    }
}

/// The Chinese labels the core's schema gives a built-in kind and its
/// fields (e.g. `uscc` → 统一社会信用代码, `right_holders` → 权利人), or
/// `undefined` for a kind that is not built in.
///
/// # Errors
/// Never in practice.
#[wasm_bindgen(
    js_name = "fieldLabels",
    unchecked_return_type = "FieldLabels | undefined"
)]
pub fn field_labels(kind: &str) -> Result<JsValue, JsValue> {
    let registry = SchemaRegistry::builtin();
    let Some(schema) = registry.get(kind) else {
        return Ok(JsValue::UNDEFINED);
    };
    let mut fields = serde_json::Map::new();
    for s in schema.fields() {
        if let Some(l) = &s.label_zh {
            fields.insert(s.name.clone(), l.clone().into());
        }
        collect_labels(&s.name, &s.ty, &mut fields);
    }
    to_js(&serde_json::json!({
        "kind": schema.kind(),
        "label_zh": schema.label_zh(),
        "fields": fields,
        "order": schema.fields().iter().map(|s| s.name.as_str()).collect::<Vec<_>>(),
    }))
}

/// The built-in certificate kinds, e.g. `["business_license", "real_estate_title"]`.
#[wasm_bindgen(js_name = "builtinKinds")]
#[must_use]
pub fn builtin_kinds() -> Vec<String> {
    SchemaRegistry::builtin()
        .kinds()
        .map(str::to_owned)
        .collect()
}

/// The demo trust store, as `certanchor::sample::demo_trust_doc(None)`
/// writes it (checked by a test). Shipped as text: deriving the demo keys
/// here would pull Ed25519 key generation and its tables into the module.
const DEMO_TRUST_STORE: &str = include_str!("demo_trust_store.json");

/// The demo city's trust store JSON (five demo authorities with keys derived
/// from fixed seeds — for demonstrations and tests only, never production).
///
/// # Errors
/// Never in practice.
#[wasm_bindgen(js_name = "demoTrustStore")]
pub fn demo_trust_store() -> Result<String, JsValue> {
    Ok(DEMO_TRUST_STORE.trim_end().to_owned())
}

/// The version of this package and of the certanchor core it contains.
#[wasm_bindgen]
#[must_use]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_owned()
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_shipped_demo_trust_store_is_the_cores() {
        let doc = certanchor::sample::demo_trust_doc(None);
        let want = serde_json::to_string_pretty(&doc).unwrap_or_default();
        assert_eq!(super::DEMO_TRUST_STORE.trim_end(), want);
    }
}
