//! The external-join scenarios (RFC 9420 §12.4.3.2): a new client joins
//! from a GroupInfo (the tree in it or out of band, with or without an
//! external PSK), a member rejoins removing its old leaf (a resync) or
//! keeping it.

use super::{CellSpec, add, pair};
use crate::{CommitSpec, Failure, Joiner, Library, Outcome, Session};

/// A adds B; C (of the following library) joins by external commit
/// (RFC 9420 §12.4.3.2) from A's GroupInfo, with the tree in it or out of
/// band; A and B process the commit. Then C commits (its own framing), and
/// A commits.
fn external_join(c: &CellSpec, tree_in_group_info: bool) -> Outcome<Session> {
    let mut s = pair(c)?;
    let joiner = c.member(c.follow, "C")?;
    s.external_join(0, Joiner::New(joiner), tree_in_group_info)?;
    crate::ensure(s.last_tree_out_of_band != tree_in_group_info, || {
        "the tree did not go the way asked".into()
    })?;
    s.verify()?;
    s.commit(2, CommitSpec::default(), Vec::new())?;
    s.verify()?;
    s.commit(0, CommitSpec::default(), Vec::new())?;
    s.verify()?;
    Ok(s)
}

pub(super) fn external_join_tree_in_group_info(c: &CellSpec) -> Outcome<Session> {
    external_join(c, true)
}

pub(super) fn external_join_tree_out_of_band(c: &CellSpec) -> Outcome<Session> {
    external_join(c, false)
}

/// Every member of a pair and the new client C hold an external PSK; C
/// joins by an external commit that injects it (RFC 9420 §8.4,
/// §12.4.3.2); then C and A commit.
pub(super) fn external_join_with_psk(c: &CellSpec) -> Outcome<Session> {
    let mut s = pair(c)?;
    let (id, secret) = (b"external join psk".to_vec(), vec![0x3c; 32]);
    for m in &mut s.members {
        m.add_external_psk(&id, &secret)?;
    }
    let mut joiner = c.member(c.follow, "C")?;
    joiner.add_external_psk(&id, &secret)?;
    s.external_join_with_psk(0, Joiner::New(joiner), true, Some(&id))?;
    let commit = s
        .last_commit
        .as_ref()
        .ok_or_else(|| Failure::Error("no commit".into()))?;
    crate::ensure(
        external_psks_in(&commit.commit) == Some(vec![id.clone()]),
        || "the external commit does not carry the PSK by value".into(),
    )?;
    s.verify()?;
    s.commit(2, CommitSpec::default(), Vec::new())?;
    s.verify()?;
    s.commit(0, CommitSpec::default(), Vec::new())?;
    s.verify()?;
    Ok(s)
}

/// The external PSK IDs a commit in a PublicMessage carries by value;
/// `None` if it is no such commit.
fn external_psks_in(message: &[u8]) -> Option<Vec<Vec<u8>>> {
    use rfc9420::framing::{FramedContentBody, MlsMessageBody};
    use rfc9420::messages::{Proposal, ProposalOrRef, PskKind};
    let message: rfc9420::MlsMessage = rfc9420::codec::decode_exact(message).ok()?;
    let MlsMessageBody::PublicMessage(public) = message.body else {
        return None;
    };
    let FramedContentBody::Commit(commit) = public.content.content else {
        return None;
    };
    Some(
        commit
            .proposals
            .iter()
            .filter_map(|p| match p {
                ProposalOrRef::Proposal(p) => match p.as_ref() {
                    Proposal::PreSharedKey(psk) => match &psk.psk.psk {
                        PskKind::External { psk_id } => Some(psk_id.clone()),
                        _ => None,
                    },
                    _ => None,
                },
                ProposalOrRef::Reference(_) => None,
            })
            .collect(),
    )
}

/// A group of A and C (the leading library) and B (the following one).
fn trio(c: &CellSpec) -> Outcome<Session> {
    let mut s = pair(c)?;
    add(&mut s, c, 0, c.lead, &["C"])?;
    s.verify()?;
    Ok(s)
}

/// B loses its state and rejoins by an external commit from A's GroupInfo
/// that also removes its old leaf (a resync, RFC 9420 §12.4.3.2); A and C
/// process it. Then B, then C commit.
pub(super) fn external_resync(c: &CellSpec) -> Outcome<Session> {
    let mut s = trio(c)?;
    let b = s.index_of(&format!("B-{}", c.follow))?;
    let old = s.members[b].own_leaf();
    s.external_join(
        0,
        Joiner::Rejoin {
            member: b,
            remove_old: true,
        },
        true,
    )?;
    crate::ensure(s.members.len() == 3, || {
        format!("{} members after the resync", s.members.len())
    })?;
    // The new leaf is the leftmost blank one: the old leaf, freed by the
    // commit's Remove (RFC 9420 §12.4.3.2, §7.7).
    let new = s.members[2].own_leaf();
    crate::ensure(new == old, || {
        format!("the resync took leaf {new}, the old leaf was {old}")
    })?;
    s.verify()?;
    s.commit(2, CommitSpec::default(), Vec::new())?;
    s.verify()?;
    s.commit(1, CommitSpec::default(), Vec::new())?;
    s.verify()?;
    Ok(s)
}

/// B loses its state and rejoins by an external commit from C's GroupInfo
/// (tree out of band) that leaves its old leaf in place; A then removes
/// the old leaf, and B commits.
pub(super) fn external_rejoin_keeping_old_leaf(c: &CellSpec) -> Outcome<Session> {
    if c.follow == Library::MlsRs {
        return Err(Failure::Unsupported(crate::mlsrs::MLSRS_REJOIN.into()));
    }
    if c.lead == Library::MlsRs {
        return Err(Failure::Unsupported(
            crate::mlsrs::MLSRS_SAME_IDENTITY.into(),
        ));
    }
    let mut s = trio(c)?;
    let b = s.index_of(&format!("B-{}", c.follow))?;
    let old = s.members[b].own_leaf();
    let exporter = s.index_of(&format!("C-{}", c.lead))?;
    s.external_join(
        exporter,
        Joiner::Rejoin {
            member: b,
            remove_old: false,
        },
        false,
    )?;
    crate::ensure(s.members.len() == 3, || {
        format!("{} members after the rejoin", s.members.len())
    })?;
    s.verify()?;
    s.commit(
        0,
        CommitSpec {
            removes: vec![old],
            ..CommitSpec::default()
        },
        Vec::new(),
    )?;
    s.verify()?;
    s.commit(2, CommitSpec::default(), Vec::new())?;
    s.verify()?;
    Ok(s)
}
