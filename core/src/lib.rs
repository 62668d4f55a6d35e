#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod anchor;
pub mod base45;
pub mod bundle;
pub mod cbor;
pub mod certificate;
mod civil;
mod cose;
pub mod display;
pub mod error;
mod hash;
mod inflate;
pub mod input;
pub mod issue;
pub mod json;
pub mod keys;
#[cfg(feature = "ledger")]
pub mod ledger;
pub mod merkle;
pub mod note;
pub mod sample;
pub mod schema;
pub mod status;
pub mod trust;
pub mod verify;

pub use anchor::{Anchor, AnchorBody};
pub use bundle::{Bundle, ChainReceipt, LedgerReceipt};
pub use cbor::Value;
pub use certificate::{Certificate, CertificateHeader, Disclosure};
pub use error::{DecodeError, Error, IssueError, KeyError, LedgerError, TrustError, VerifyError};
pub use hash::Hash;
pub use issue::{IssueOptions, IssuedBatch, Issuer};
pub use trust::TrustStore;
pub use verify::{
    ChainOracle, ChainRecord, Check, CheckCode, Outcome, Report, ResultCode, Verdict, Verifier,
};
