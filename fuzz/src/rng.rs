//! A deterministic random generator, so fixtures are the same in every
//! fuzzing process and every replay: the repository's shared test RNG
//! (SHA-256 in counter mode over a seed; not for production use).

pub use rfc9420_test_support::rng::TestRng as FixedRng;
