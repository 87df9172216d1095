//! Running two independent pieces of one step at once (the `parallel`
//! feature).
//!
//! The crate spreads the public-key operations of a step over rayon's pool
//! inside the provider (`verify_many`, `hpke_seal_many`), and a tree's
//! hashes over its two halves. What a step does besides them (signing,
//! encoding, framing, building a tree) would otherwise leave the second
//! core idle while they run; [`join`] runs it beside them. Both
//! closures always run to the end and their results are returned as a
//! pair, so what the caller makes of them, errors included, is the same
//! with and without the feature: only the time changes
//! (`tests/parallel_identical.rs`; [`check_then`] skips its second closure
//! when the first fails and they run in turn, which changes the cost,
//! not the result). Neither closure may draw randomness:
//! the caller draws it before, in a fixed order.

/// Below this many items (signatures, leaves, new members) a step runs
/// its pieces one after the other even with `parallel`: a call into
/// rayon's pool from a thread outside it is a round trip between threads
/// (tens of microseconds here), more than small work saves.
pub(crate) const MIN_ITEMS: usize = 64;

/// The most items one task of [`map`] runs before it is split again.
/// Rayon splits a range further only while other threads steal from it,
/// so the thread that took the last large piece could be left running it
/// alone while the other waits (about 50 ms of a 9,999-Add commit's
/// Welcome seals); pieces of at most 32 items (about 2 ms of HPKE seals)
/// keep both busy to the end, for a few hundred tasks.
#[cfg(feature = "parallel")]
const MAX_PIECE: usize = 32;

/// [`join`] if `split`, else `a` then `b` on this thread.
pub(crate) fn join_if<A, RA, B, RB>(split: bool, a: A, b: B) -> (RA, RB)
where
    A: FnOnce() -> RA + Send,
    RA: Send,
    B: FnOnce() -> RB + Send,
    RB: Send,
{
    if split { join(a, b) } else { (a(), b()) }
}

/// A check `a`, whose error comes first, and work `b`: with `parallel`
/// and `split` both run (as [`join`]) and `a`'s error is returned if it
/// failed; otherwise `a` runs first and `b` only if `a` passed. The result
/// is the same either way; only a failing `a` costs less in turn.
pub(crate) fn check_then<RA, E, B, RB>(
    split: bool,
    a: impl FnOnce() -> Result<RA, E> + Send,
    b: B,
) -> Result<(RA, RB), E>
where
    RA: Send,
    E: Send,
    B: FnOnce() -> RB + Send,
    RB: Send,
{
    if split && cfg!(feature = "parallel") {
        let (ra, rb) = join(a, b);
        Ok((ra?, rb))
    } else {
        let ra = a()?;
        Ok((ra, b()))
    }
}

/// [`map`] if `split`, else on this thread.
pub(crate) fn map_if<T, R, F>(split: bool, items: &[T], f: F) -> Vec<R>
where
    T: Sync,
    R: Send,
    F: Fn(&T) -> R + Sync + Send,
{
    if split {
        map(items, f)
    } else {
        items.iter().map(f).collect()
    }
}

/// Runs `a` and `b`, both on rayon's pool with `parallel` (`rayon::join`:
/// the calling thread waits and the pool's threads share the two), else
/// `a` then `b`; returns both results.
pub(crate) fn join<A, RA, B, RB>(a: A, b: B) -> (RA, RB)
where
    A: FnOnce() -> RA + Send,
    RA: Send,
    B: FnOnce() -> RB + Send,
    RB: Send,
{
    #[cfg(feature = "parallel")]
    {
        rayon::join(a, b)
    }
    #[cfg(not(feature = "parallel"))]
    {
        (a(), b())
    }
}

/// `f` of each item of `items`, in order (on rayon's pool with
/// `parallel`).
pub(crate) fn map<T, R, F>(items: &[T], f: F) -> Vec<R>
where
    T: Sync,
    R: Send,
    F: Fn(&T) -> R + Sync + Send,
{
    #[cfg(feature = "parallel")]
    {
        use rayon::prelude::*;
        items.par_iter().with_max_len(MAX_PIECE).map(f).collect()
    }
    #[cfg(not(feature = "parallel"))]
    {
        items.iter().map(f).collect()
    }
}
