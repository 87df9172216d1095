//! Group operations (RFC 9420 §10, §11, §12).
//!
//! - [`key_package`]: generating a KeyPackage with the private keys its
//!   owner keeps (§10) and validating a received one (§10.1).
//! - [`welcome`]: the cryptographic steps of joining from a Welcome
//!   (§12.4.3.1): group secrets, GroupInfo, its signature, the joiner's
//!   leaf and path keys.

pub mod key_package;
pub mod welcome;

pub use key_package::{KeyPackageBundle, KeyPackageError, KeyPackageOptions, validate_key_package};
pub use welcome::WelcomeError;
