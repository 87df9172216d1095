//! Fuzz targets for `rfc9420` (cargo-fuzz layout; see `README.md`).
//!
//! Each target in `fuzz_targets/` calls one function of [`targets`]; the
//! replay test (`tests/replay.rs`) runs the same functions over the
//! committed seeds and regression inputs, and the seed generator
//! (`examples/gen_seeds.rs`) writes the seeds from the official vectors
//! and from the [`fixtures`] groups.

pub mod fixtures;
pub mod mutate;
pub mod rng;
pub mod script;
pub mod targets;
