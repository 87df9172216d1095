//! Test support shared by the `rfc9420` crate's integration tests,
//! benchmarks and conformance runner, instead of `#[path]` includes:
//!
//! - [`rng`]: a deterministic RNG;
//! - [`generate`]: the vector generator of `conformance --generate`;
//! - [`group_harness`]: a group of in-process members driven through the
//!   public API;
//! - [`tree_fixture`]: full and blank ratchet trees of any size with every
//!   member's keys;
//! - [`vector_files`] and [`vectors`]: the official test vectors and one
//!   checker per vector format;
//! - [`all_suites!`]: one named test per cipher suite.

pub mod generate;
pub mod group_harness;
pub mod rng;
pub mod tree_fixture;
pub mod vector_files;
pub mod vectors;

/// Defines, for a test function `f(CipherSuite)`, a module `f` with one
/// test per cipher suite of RFC 9420 (`suite_1` to `suite_7`), or, as
/// `all_suites!(name, run)`, a module `name` whose tests call the function
/// or closure `run` with each suite. `CipherSuite` is resolved where the
/// macro is used.
#[macro_export]
macro_rules! all_suites {
    ($f:ident) => {
        $crate::suites!($f, $f; 1 => suite_1, 2 => suite_2, 3 => suite_3, 4 => suite_4,
            5 => suite_5, 6 => suite_6, 7 => suite_7);
    };
    ($name:ident, $run:expr) => {
        $crate::suites!($name, $run; 1 => suite_1, 2 => suite_2, 3 => suite_3, 4 => suite_4,
            5 => suite_5, 6 => suite_6, 7 => suite_7);
    };
}

/// [`all_suites!`] for the listed suites only: `suites!(name, run; 1 =>
/// suite_1, 7 => suite_7)`.
#[macro_export]
macro_rules! suites {
    ($name:ident, $run:expr; $($n:literal => $test:ident),+ $(,)?) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            $(
                #[test]
                fn $test() {
                    let run = $run;
                    run(CipherSuite($n))
                }
            )+
        }
    };
}
