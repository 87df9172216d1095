//! A pure-Rust, sans-IO implementation of the Messaging Layer Security
//! protocol, [RFC 9420].
//!
//! The crate does no I/O: bytes, randomness and time go in as arguments;
//! bytes and values come out. The caller owns transport, storage and clocks.
//!
//! [RFC 9420]: https://www.rfc-editor.org/rfc/rfc9420
#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )
)]

pub mod codec;
pub mod crypto;
pub mod error;
pub mod framing;
pub mod group;
pub mod key_schedule;
pub mod messages;
pub mod secret_tree;
pub mod tree;

pub use crate::crypto::{CipherSuite, CryptoProvider, RustCryptoProvider};
pub use crate::error::{Error, Result};
