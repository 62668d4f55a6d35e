//! WebAssembly binding of [`certanchor`]: verify proof bundles in a browser
//! or in Node, offline.
//!
//! The binding is thin (SPEC §1): every function converts its JavaScript
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

use certanchor::Document;
use certanchor::schema::{FieldType, SchemaRegistry};
use certanchor::trust::TrustStoreDoc;
use certanchor::write_json_str as write_str;
use certanchor::{Bundle, DecodeError, IssueError, TrustError, TrustStore, VerifyError};
use js_sys::{Array, Date, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TS_TYPES: &'static str = r#"
/** Overall result of a verification (SPEC §8). */
export type Verdict = "valid" | "invalid" | "indeterminate";

/** Outcome of one check. */
export type Outcome = "passed" | "failed" | "indeterminate" | "skipped";

/** The ten checks, always reported in this order. */
export type CheckName =
  | "format" | "integrity" | "inclusion" | "issuer_signature" | "authorization"
  | "endorsements" | "status" | "validity" | "schema" | "ledger";

/**
 * Every code a check can carry (`resultCodes()` at run time; a test keeps the
 * two equal). The core may add codes in a later version: give an unknown
 * code a generic sentence.
 */
export type ResultCode =
  | "ok" | "not_checked" | "truncated" | "non_shortest" | "indefinite_length" | "float"
  | "unsupported_simple" | "unsorted_keys" | "duplicate_key" | "unexpected_tag" | "trailing_bytes" | "trailing_after_zlib"
  | "too_deep" | "too_large" | "unexpected_type" | "invalid_utf8" | "integer_out_of_range" | "unknown_field"
  | "missing_field" | "unsupported_version" | "bad_length" | "invalid_value" | "invalid_text_form" | "invalid_cose"
  | "digest_mismatch" | "disclosed_twice" | "index_out_of_range" | "path_too_long" | "wrong_path_length" | "root_mismatch"
  | "invalid_sizes" | "tree_size_mismatch" | "no_signature" | "unknown_key" | "wrong_issuer_key" | "key_not_valid"
  | "bad_signature" | "issued_in_future" | "untrusted_issuer" | "unauthorized_kind" | "issuer_mismatch" | "kind_not_anchored"
  | "no_policy" | "endorsements_missing" | "no_status" | "status_missing" | "stale_status" | "status_future"
  | "status_key_not_valid" | "status_bad_signature" | "status_wrong_batch" | "status_not_covering" | "revoked" | "suspended"
  | "expired" | "not_yet_valid" | "unknown_kind" | "schema_violation" | "no_receipt" | "receipt_missing"
  | "not_in_ledger" | "note_too_large" | "too_many_signatures" | "malformed_note" | "bad_key_name" | "bad_note_key"
  | "ambiguous_key" | "unknown_signer" | "origin_not_signed" | "bad_checkpoint" | "unknown_chain" | "chain_not_checked"
  | "chain_unreachable" | "not_on_chain" | "chain_mismatch" | "chain_receipt_mismatch"
  | "ledger_not_fresh";

/** One check of a report. */
export interface Check {
  /** Which check. */
  check: CheckName;
  /** Its outcome. */
  outcome: Outcome;
  /** Stable machine code of the result: `ok`, `bad_signature`, `revoked`, … */
  code: ResultCode;
  /** Plain-language reason (English), for a clerk. */
  reason: string;
}

/** An issuing authority or endorsing department. */
export interface Party {
  /** Issuer id, e.g. `cn.beijing.ghzrzyw`. */
  id: string;
  /**
   * Display name from the trust store; `null` when the party is not trusted
   * or its signature did not verify. Then `id` is only what the anchor
   * claims: show it marked as unverified, never a trusted party's name.
   */
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
  /**
   * Whether the claims are genuine: decoded, fields match the header, in the
   * signed batch, signed by a trusted key of an issuer authorized for the
   * kind. When `false`, every claim shown must be marked as unverified.
   */
  authentic: boolean;
  /** The ten checks, in order. */
  checks: Check[];
  /** Header facts; `null` when the header did not decode. */
  certificate: CertificateInfo | null;
  /** Disclosed fields whose digests matched the header, by name. */
  disclosed: { [name: string]: FieldValue };
  /** The issuing authority the anchor names (`name` only when its signature verified). */
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

/** A trust store document (SPEC §7), as a clerk's office writes it. */
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
    /** With `require_status`: the purposes that each need a usable list (default both). */
    status_purposes?: ("revocation" | "suspension")[];
    /** Longest a status list counts as fresh for this kind, seconds (below the core's 7-day cap). */
    max_status_ttl?: number;
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
  /** Coded value → Chinese label (`mortgage` → `抵押`, `resident_id` → `居民身份证`). */
  values: { [value: string]: string };
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

/// Verifies proof bundles against a trust store (SPEC §8).
///
/// Keeps a cache of checked anchor signatures and the genuine status lists
/// it has seen (in bundles or from `addStatusList`), so create one per trust
/// store and reuse it. A verdict depends on the bundle and on what the
/// verifier knew before the call: once a newer list that revokes a
/// certificate has been seen, every later verification of that certificate
/// is revoked, even from a bundle that carries an older, clean list.
#[wasm_bindgen]
pub struct Verifier {
    inner: certanchor::Verifier,
}

#[wasm_bindgen]
impl Verifier {
    /// A verifier for a trust store JSON document (SPEC §7), with the
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
        #[wasm_bindgen(unchecked_optional_param_type = "Date | number")] now: JsValue,
    ) -> Result<JsValue, JsValue> {
        let bytes = input_bytes(&bundle)?;
        let now = unix_seconds(&now)?;
        // the report's text view, written directly (no serde_json tree)
        js_sys::JSON::parse(&self.inner.verify(&bytes, now).to_json_text())
    }

    /// Hands the verifier a status list (COSE_Sign1 bytes) obtained out of
    /// band, as of `now` (a `Date` or Unix seconds; default: the current
    /// time). Kept when a trusted key of its issuer signed it, that key is
    /// valid at the list's issue time and at `now`, and the list is not
    /// dated after `now`; it then counts for every later verification (the
    /// newest list per batch and purpose, and every revocation seen).
    ///
    /// # Errors
    /// Throws a `VerifyError` (`untrusted_status_list`, or a decode code),
    /// or a `TypeError` for a bad `now`.
    #[wasm_bindgen(js_name = "addStatusList")]
    pub fn add_status_list(
        &self,
        bytes: &[u8],
        #[wasm_bindgen(unchecked_optional_param_type = "Date | number")] now: JsValue,
    ) -> Result<(), JsValue> {
        let now = unix_seconds(&now)?;
        self.inner
            .add_status_list(bytes, now)
            .map_err(|e| verify_err(&e))
    }

    /// The status lists this verifier has accepted (from bundles or
    /// `addStatusList`), encoded: what a page stores to give the same
    /// verdicts after a reload (hand each back to `addStatusList`).
    #[wasm_bindgen(js_name = "statusLists")]
    #[must_use]
    pub fn status_lists(&self) -> Vec<Uint8Array> {
        self.inner
            .status_lists()
            .iter()
            .map(|b| Uint8Array::from(b.as_slice()))
            .collect()
    }

    /// About how many bytes of wasm memory the verifier's caches and status
    /// memory hold (bounded by the core whatever bundles it is given).
    #[wasm_bindgen(js_name = "memoryBytes")]
    #[must_use]
    pub fn memory_bytes(&self) -> usize {
        self.inner.memory_bytes()
    }

    /// The trust store document this verifier uses: trusted authorities,
    /// policies and ledgers.
    ///
    /// # Errors
    /// Never in practice (the document's JSON text is parsed by `JSON.parse`).
    #[wasm_bindgen(js_name = "trustStore", unchecked_return_type = "TrustStoreDoc")]
    pub fn trust_store(&self) -> Result<JsValue, JsValue> {
        js_sys::JSON::parse(&trust_doc_json(self.inner.trust_store().doc()))
    }
}

/// Appends `,"name":` (without the comma before the first member).
fn key(out: &mut String, first: bool, name: &str) {
    if !first {
        out.push(',');
    }
    write_str(out, name);
    out.push(':');
}

fn str_or_null(out: &mut String, v: Option<&str>) {
    match v {
        Some(s) => write_str(out, s),
        None => out.push_str("null"),
    }
}

/// Appends `[f(item), …]`.
fn array<T>(out: &mut String, items: &[T], mut f: impl FnMut(&mut String, &T)) {
    out.push('[');
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        f(out, item);
    }
    out.push(']');
}

/// The trust store document as JSON text, member for member as its serde
/// serialization writes it (a test checks they agree). Written here so the
/// module carries no serde serializer for the document's types (about 6 KB
/// of wasm).
fn trust_doc_json(doc: &TrustStoreDoc) -> String {
    let mut o = String::with_capacity(2048);
    o.push('{');
    key(&mut o, true, "version");
    o.push_str(&doc.version.to_string());
    key(&mut o, false, "issuers");
    array(&mut o, &doc.issuers, |o, i| {
        o.push('{');
        key(o, true, "id");
        write_str(o, &i.id);
        key(o, false, "name");
        write_str(o, &i.name);
        key(o, false, "kinds");
        array(o, &i.kinds, |o, k| write_str(o, k));
        key(o, false, "keys");
        array(o, &i.keys, |o, k| {
            o.push('{');
            key(o, true, "public_key");
            write_str(o, &k.public_key);
            key(o, false, "not_before");
            write_str(o, &k.not_before);
            key(o, false, "not_after");
            str_or_null(o, k.not_after.as_deref());
            key(o, false, "revoked_at");
            str_or_null(o, k.revoked_at.as_deref());
            o.push('}');
        });
        o.push('}');
    });
    key(&mut o, false, "policies");
    array(&mut o, &doc.policies, |o, p| {
        o.push('{');
        key(o, true, "kind");
        write_str(o, &p.kind);
        key(o, false, "endorsements");
        match &p.endorsements {
            Some(e) => {
                o.push('{');
                key(o, true, "from");
                array(o, &e.from, |o, f| write_str(o, f));
                key(o, false, "at_least");
                o.push_str(&e.at_least.to_string());
                o.push('}');
            }
            None => o.push_str("null"),
        }
        key(o, false, "require_status");
        o.push_str(if p.require_status { "true" } else { "false" });
        if let Some(purposes) = &p.status_purposes {
            key(o, false, "status_purposes");
            array(o, purposes, |o, s| write_str(o, s));
        }
        if let Some(ttl) = p.max_status_ttl {
            key(o, false, "max_status_ttl");
            o.push_str(&ttl.to_string());
        }
        key(o, false, "require_ledger");
        o.push_str(if p.require_ledger { "true" } else { "false" });
        o.push('}');
    });
    key(&mut o, false, "ledgers");
    array(&mut o, &doc.ledgers, |o, l| {
        o.push('{');
        key(o, true, "origin");
        write_str(o, &l.origin);
        key(o, false, "public_key");
        write_str(o, &l.public_key);
        o.push('}');
    });
    if !doc.chains.is_empty() {
        key(&mut o, false, "chains");
        array(&mut o, &doc.chains, |o, c| {
            o.push('{');
            key(o, true, "chain_id");
            o.push_str(&c.chain_id.to_string());
            key(o, false, "contract");
            write_str(o, &c.contract);
            if let Some(url) = &c.rpc_url {
                key(o, false, "rpc_url");
                write_str(o, url);
            }
            if let Some(name) = &c.name {
                key(o, false, "name");
                write_str(o, name);
            }
            o.push('}');
        });
    }
    o.push('}');
    o
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
    js_sys::JSON::parse(&decode(&bundle)?.to_json_text())
}

/// The binary form of a `CA1:` text (the bytes of a `.cab` file).
///
/// # Errors
/// Throws a `DecodeError` (`invalid_text_form`, `too_large`, or a binary
/// decode code).
#[wasm_bindgen(js_name = "bundleFromText")]
pub fn bundle_from_text(text: &str) -> Result<Vec<u8>, JsValue> {
    Bundle::from_text(text)
        .map(|b| b.to_vec())
        .map_err(|e| decode_err(&e))
}

/// The `CA1:` text form of a bundle (for a QR code): the core's
/// `Bundle::to_text`, so the text is byte for byte the CLI's for the same
/// bundle.
///
/// # Errors
/// Throws a `DecodeError` when the bundle does not decode, or a `TypeError`.
#[wasm_bindgen(js_name = "bundleToText")]
pub fn bundle_to_text(
    #[wasm_bindgen(unchecked_param_type = "Uint8Array | string")] bundle: JsValue,
) -> Result<String, JsValue> {
    Ok(decode(&bundle)?.to_text())
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
        .map(|b| b.to_vec())
        .map_err(|e| issue_err(&e))
}

/// Appends `,"path":"label"` for every labelled field of records in `ty`.
fn collect_labels(prefix: &str, ty: &FieldType, out: &mut String) {
    match ty {
        FieldType::Record(specs) => {
            for s in specs {
                let path = format!("{prefix}.{}", s.name);
                if let Some(l) = &s.label_zh {
                    key(out, false, &path);
                    write_str(out, l);
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
    // JSON text for one `JSON.parse`, like the other views (no serde_json
    // values built here).
    let mut o = String::with_capacity(1024);
    o.push('{');
    key(&mut o, true, "kind");
    write_str(&mut o, schema.kind());
    key(&mut o, false, "label_zh");
    str_or_null(&mut o, schema.label_zh());
    key(&mut o, false, "order");
    array(&mut o, schema.fields(), |o, s| write_str(o, &s.name));
    key(&mut o, false, "fields");
    o.push('{');
    let start = o.len();
    for s in schema.fields() {
        if let Some(l) = &s.label_zh {
            key(&mut o, false, &s.name);
            write_str(&mut o, l);
        }
        collect_labels(&s.name, &s.ty, &mut o);
    }
    // every member was written after a comma: drop the first one
    if o.len() > start {
        o.remove(start);
    }
    o.push('}');
    key(&mut o, false, "values");
    o.push('{');
    for (i, (v, l)) in certanchor::schema::VALUE_LABELS_ZH.iter().enumerate() {
        key(&mut o, i == 0, v);
        write_str(&mut o, l);
    }
    o.push_str("}}");
    js_sys::JSON::parse(&o)
}

/// Every code a report's check can carry (`ok`, `revoked`, `truncated`, …):
/// a page gives each one a sentence.
#[wasm_bindgen(js_name = "resultCodes", unchecked_return_type = "ResultCode[]")]
#[must_use]
pub fn result_codes() -> Vec<String> {
    certanchor::ResultCode::ALL
        .iter()
        .map(|c| c.as_str().to_owned())
        .collect()
}

/// `text` for people, as the command line shows untrusted strings:
/// control, bidi and invisible format characters as visible escapes
/// (`\u{202e}`), backslashes doubled, at most 4,096 characters (then
/// `…(+N chars)`). A page shows every string a bundle or file carries
/// through this.
#[wasm_bindgen(js_name = "displayText")]
#[must_use]
pub fn display_text(text: &str) -> String {
    certanchor::display::escape_text(text).into_owned()
}

/// The fingerprint of a trust store file: lowercase hex SHA-256 of its
/// text, as `certanchor trust fingerprint` prints it.
#[wasm_bindgen(js_name = "trustStoreFingerprint")]
#[must_use]
pub fn trust_store_fingerprint(text: &str) -> String {
    TrustStore::fingerprint(text.as_bytes())
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
    use certanchor::trust::{ChainEntry, EndorsementPolicy, LedgerEntry, PolicyEntry};

    #[test]
    fn the_shipped_demo_trust_store_is_the_cores() {
        let doc = certanchor::sample::demo_trust_doc(None);
        let want = serde_json::to_string_pretty(&doc).unwrap_or_default();
        assert_eq!(super::DEMO_TRUST_STORE.trim_end(), want);
    }

    /// `trust_doc_json` writes what serde writes, for every member the
    /// document can have (set and unset) and strings that need escaping.
    #[test]
    fn the_trust_doc_text_is_serdes() {
        let plain = certanchor::sample::demo_trust_doc(None);
        let mut rich = plain.clone();
        rich.issuers[0].name = "名 \"q\" \\ \n\u{1}".into();
        rich.issuers[0].keys[0].not_after = Some("2030-01-01T00:00:00Z".into());
        rich.issuers[0].keys[0].revoked_at = Some("2029-01-01T00:00:00Z".into());
        rich.issuers[1].kinds.clear();
        let mut p = PolicyEntry::new("x");
        p.endorsements = Some(EndorsementPolicy {
            from: vec!["a".into(), "b".into()],
            at_least: 2,
        });
        p.require_status = true;
        p.status_purposes = Some(vec!["revocation".into()]);
        p.max_status_ttl = Some(3600);
        p.require_ledger = true;
        rich.policies.push(p);
        rich.ledgers.push(LedgerEntry {
            origin: "log.example".into(),
            public_key: "k".into(),
            witnesses: Vec::new(),
            quorum: None,
            max_age: None,
            url: None,
        });
        rich.chains = vec![
            ChainEntry {
                chain_id: u64::MAX,
                contract: "0x00".into(),
                rpc_url: Some("http://127.0.0.1:8545".into()),
                name: Some("n".into()),
            },
            ChainEntry {
                chain_id: 1,
                contract: "0x01".into(),
                rpc_url: None,
                name: None,
            },
        ];
        let mut empty = plain.clone();
        empty.issuers.clear();
        empty.policies.clear();
        for doc in [plain, rich, empty] {
            let ours: serde_json::Value =
                serde_json::from_str(&super::trust_doc_json(&doc)).unwrap_or_default();
            assert_eq!(ours, serde_json::to_value(&doc).unwrap_or_default());
        }
    }
}
