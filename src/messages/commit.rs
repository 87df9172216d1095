//! Commits (RFC 9420 §12.4).

use crate::messages::ProposalOrRef;
use crate::tree::UpdatePath;

/// A Commit: the proposals it applies and, when needed, a path that
/// refreshes the committer's keys (RFC 9420 §12.4).
///
/// ```text
/// struct {
///     ProposalOrRef proposals<V>;
///     optional<UpdatePath> path;
/// } Commit;
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Commit {
    /// The proposals covered, inline or by reference, in order.
    pub proposals: Vec<ProposalOrRef>,
    /// The committer's UpdatePath, if any.
    pub path: Option<UpdatePath>,
}

crate::codec_struct!(Commit { proposals, path });
