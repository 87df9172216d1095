//! Group operations (RFC 9420 §11, §12).
//!
//! - [`welcome`]: the cryptographic steps of joining from a Welcome
//!   (§12.4.3.1): group secrets, GroupInfo, its signature, the joiner's
//!   leaf and path keys.

pub mod welcome;

pub use welcome::WelcomeError;
