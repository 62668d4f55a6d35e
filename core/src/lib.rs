#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod cbor;
pub mod error;
mod hash;
pub mod keys;

pub use error::{DecodeError, Error, IssueError, KeyError, TrustError};
pub use hash::Hash;
