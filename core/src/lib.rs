#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod anchor;
// Not part of the API (the `CA1:` text alphabet; use `Bundle::to_text` / `Bundle::from_text`); public for the CLI, the bindings, the
// fuzz targets and the tests.
#[doc(hidden)]
pub mod base45;
pub mod bundle;
// Not part of the API (the strict deterministic-CBOR reader and writer under every format; `Value` is re-exported); public for the CLI, the bindings, the
// fuzz targets and the tests.
#[doc(hidden)]
pub mod cbor;
pub mod certificate;
mod cose;
pub mod display;
pub mod document;
pub mod error;
pub mod freshness;
// Not part of the API (the zlib writers behind `Bundle::to_text` and status
// lists); public for the CLI, the bindings and the benches.
#[doc(hidden)]
pub mod deflate;
mod hash;
mod inflate;
pub mod input;
pub mod issue;
// The JSON text writer behind the reports', bundles' and values' JSON views.
mod json;
// Not part of the API (the writer's string escaping); public for the WASM
// binding's trust store view, so that the module carries one copy.
#[doc(hidden)]
pub use json::write_str as write_json_str;
pub mod keys;
pub mod ledger;
pub mod merkle;
pub mod note;
// Not part of the API (the demo city: fixed-seed keys and sample certificates for demos, tests and benches — never for production); public for the CLI, the bindings, the
// fuzz targets and the tests.
#[doc(hidden)]
pub mod sample;
pub mod schema;
pub mod source;
pub mod status;
pub mod time;
pub mod trust;
pub mod verify;
#[cfg(feature = "ledger")]
pub mod witness;

pub use anchor::{Anchor, AnchorBody};
pub use bundle::{Bundle, ChainReceipt, LedgerReceipt};
pub use cbor::Value;
pub use certificate::{Certificate, CertificateHeader, Disclosure};
pub use document::Document;
pub use error::{DecodeError, Error, IssueError, KeyError, LedgerError, TrustError, VerifyError};
pub use hash::Hash;
pub use issue::{IssueOptions, IssuedBatch, Issuer};
pub use trust::TrustStore;
pub use verify::{
    ChainOracle, ChainRecord, Check, CheckCode, Outcome, Report, ResultCode, Verdict, Verifier,
};
