//! Groups linked by a resumption PSK (RFC 9420 §8.6, §11.2, §11.3,
//! §12.4.3.1): the successor of a re-initialized group, a subgroup
//! branched from a group, and the resumption PSKs a joiner resolves from
//! the groups it holds.
//!
//! - After a merged commit with a ReInit, the old group is inactive and
//!   keeps the ReInit ([`Group::reinit`]) and the resumption PSK of the
//!   epoch that commit started. [`Group::reinit_successor`] creates the new
//!   group with the ReInit's parameters and commits the other members' Adds
//!   with a `reinit` resumption PSK of that epoch, so the new group starts
//!   at epoch 1 with a Welcome.
//! - [`Group::branch`] creates a subgroup of some members with a `branch`
//!   resumption PSK of the parent's current epoch, the same way.
//! - A joiner passes the old (or parent) group to
//!   [`JoinOptions::resumption_from`](super::JoinOptions::resumption_from):
//!   [`Group::join`] then resolves resumption PSKs of that group (of any
//!   usage) from it and, for a `reinit` or `branch` PSK, runs the checks of
//!   §12.4.3.1 on the new group.
//!
//! "Same members" (§11.2: "the same membership"; §12.4.3.1: "according to
//! the application") compares the credentials of the leaves, one new leaf
//! to one old leaf: equal credentials match, and otherwise the
//! application's
//! [`CredentialValidator::same_member`](crate::tree::validate::CredentialValidator::same_member)
//! decides. Signature and encryption keys are not compared: the new group's
//! leaves come from fresh KeyPackages. A successor's members are exactly
//! the old group's (each old member matches one new leaf and each new leaf
//! one old member); a subgroup's members match distinct members of the
//! parent. The old members are those of the epoch the
//! [`ResumptionSource`] was taken at (for a branch of an earlier, kept
//! epoch of the parent, its current members).

use std::collections::HashMap;

use rand_core::CryptoRng;

use super::commit::CommitOptions;
use super::error::ProposalError;
use super::key_package::KeyPackageBundle;
use super::state::LinkPsk;
use super::{Group, GroupConfig};
use crate::crypto::{CipherSuite, CryptoProvider, Secret, SuiteCrypto};
use crate::error::Error;
use crate::key_schedule::GroupContext;
use crate::messages::{
    Add, Credential, Extensions, KeyPackage, PreSharedKey, PreSharedKeyId, Proposal,
    ProtocolVersion, PskKind, ReInit, ResumptionPskUsage,
};
use crate::tree::validate::{CredentialValidator, Timestamp};
use crate::tree::{LeafIndex, RatchetTree};

/// Why a ReInit's successor or a branch subgroup could not be created or
/// joined (RFC 9420 §11.2, §11.3, §12.4.3.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ResumptionError {
    /// A successor asked of a group whose last merged commit holds no
    /// ReInit (RFC 9420 §11.2).
    #[error("the group was not re-initialized")]
    NotReInitialized,
    /// A `reinit` PSK names an epoch of the referenced group that no commit
    /// with a ReInit started: that group was not re-initialized, or at
    /// another epoch (RFC 9420 §12.4.3.1: "verify that the last Commit to
    /// the referenced group contains a ReInit proposal").
    #[error("epoch {epoch} of the referenced group was not started by a ReInit")]
    NoReInitAtEpoch {
        /// The epoch the PSK names.
        epoch: u64,
    },
    /// The new group's cipher suite (of its GroupInfo, or of a KeyPackage
    /// it is created from) is not the ReInit's (RFC 9420 §11.2) or the
    /// parent group's (§11.3).
    #[error("cipher suite {found:?}, expected {expected:?}")]
    CipherSuiteMismatch {
        /// The ReInit's or the parent's suite.
        expected: CipherSuite,
        /// The new group's or KeyPackage's suite.
        found: CipherSuite,
    },
    /// The new group's protocol version (of its GroupInfo, or of a
    /// KeyPackage it is created from) is not the ReInit's (RFC 9420 §11.2)
    /// or the parent group's (§11.3).
    #[error("protocol version {found:?}, expected {expected:?}")]
    VersionMismatch {
        /// The ReInit's or the parent's version.
        expected: ProtocolVersion,
        /// The new group's or KeyPackage's version.
        found: ProtocolVersion,
    },
    /// The new group's ID is not the ReInit's (RFC 9420 §11.2).
    #[error("group ID differs from the ReInit's")]
    GroupIdMismatch,
    /// The new group's GroupContext extensions are not the ReInit's
    /// (RFC 9420 §11.2).
    #[error("GroupContext extensions differ from the ReInit's")]
    ExtensionsMismatch,
    /// A Welcome names more than one resumption PSK with usage `reinit` or
    /// `branch` (RFC 9420 §12.4.3.1: "verify that it is the only such
    /// PSK").
    #[error("{count} reinit or branch PSKs in one Welcome")]
    MultipleLinkPsks {
        /// How many it names.
        count: usize,
    },
    /// A new group linked by a `reinit` or `branch` PSK is not at epoch 1
    /// (RFC 9420 §11.2, §11.3, §12.4.3.1).
    #[error("linked group at epoch {epoch}, expected 1")]
    EpochNotOne {
        /// The GroupInfo's epoch.
        epoch: u64,
    },
    /// A member of the new group (at `leaf`; for a group being created,
    /// leaf 0 is the creator and the KeyPackages follow in order) matches
    /// no member of the old group, or only one another new member already
    /// matched (RFC 9420 §11.2, §11.3, §12.4.3.1).
    #[error("new member at leaf {leaf:?} is not a member of the old group")]
    MemberNotInOldGroup {
        /// The new group's leaf.
        leaf: LeafIndex,
    },
    /// A member of the old group (at `leaf` there) is not a member of a
    /// ReInit's successor (RFC 9420 §11.2: "the same membership";
    /// §12.4.3.1: "all the members of the old group are also members of
    /// the new group").
    #[error("old member at leaf {leaf:?} is missing from the new group")]
    OldMemberMissing {
        /// The old group's leaf.
        leaf: LeafIndex,
    },
}

/// What a joiner needs of a group it holds to resolve that group's
/// resumption PSKs in a Welcome and to check a new group linked to it
/// (RFC 9420 §8.6, §12.4.3.1): its ID, version and suite, its current
/// epoch, the resumption PSKs of that epoch and of the past epochs kept
/// ([`GroupConfig::max_resumption_psks`]), its ReInit if its last commit
/// held one, and its members' credentials. Taken with
/// [`Group::resumption_source`]; holds secrets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResumptionSource {
    group_id: Vec<u8>,
    version: ProtocolVersion,
    cipher_suite: CipherSuite,
    epoch: u64,
    /// `(epoch, resumption_psk)`, the current epoch first.
    psks: Vec<(u64, Secret)>,
    reinit: Option<ReInit>,
    members: Vec<(LeafIndex, Credential)>,
}

impl ResumptionSource {
    /// The group's ID.
    pub fn group_id(&self) -> &[u8] {
        &self.group_id
    }

    /// The group's epoch when the source was taken: after a ReInit, the
    /// epoch the commit with the ReInit started.
    pub fn epoch(&self) -> u64 {
        self.epoch
    }

    /// The ReInit of the group's last commit, if it held one.
    pub fn reinit(&self) -> Option<&ReInit> {
        self.reinit.as_ref()
    }

    /// The `resumption_psk` of `epoch` (RFC 9420 §8.6), if it is the
    /// current epoch or a kept past one.
    pub fn resumption_psk(&self, epoch: u64) -> Option<&Secret> {
        self.psks.iter().find(|(e, _)| *e == epoch).map(|(_, p)| p)
    }

    /// The members' leaves and credentials in the current epoch.
    pub fn members(&self) -> &[(LeafIndex, Credential)] {
        &self.members
    }
}

/// The resumption PSK of `epoch` of group `group_id`, from the sources a
/// joiner passed: `Ok(None)` if no source is of that group,
/// [`ProposalError::ResumptionPskNotKept`] if none of that group holds the
/// epoch (RFC 9420 §8.6, §12.4.3.1).
pub(crate) fn resolve_resumption<'s>(
    sources: &'s [ResumptionSource],
    group_id: &[u8],
    epoch: u64,
) -> Result<Option<&'s Secret>, Error> {
    let mut of_group = sources.iter().filter(|s| s.group_id == group_id).peekable();
    if of_group.peek().is_none() {
        return Ok(None);
    }
    of_group
        .find_map(|s| s.resumption_psk(epoch))
        .map(Some)
        .ok_or_else(|| {
            ProposalError::ResumptionPskNotKept {
                group_id: group_id.to_vec(),
                epoch,
            }
            .into()
        })
}

/// The `reinit` or `branch` PSK of a Welcome and the group it names: what
/// the joiner checks the new group against (RFC 9420 §12.4.3.1).
#[derive(Debug)]
pub(crate) struct Link<'s> {
    usage: ResumptionPskUsage,
    epoch: u64,
    source: &'s ResumptionSource,
}

/// The Welcome's `reinit` or `branch` PSK, if any, with the source of its
/// group. RFC 9420 §12.4.3.1: it must be the only such PSK. A link PSK of
/// a group no source holds is left to the PSK resolution, which fails
/// with [`ProposalError::UnknownPsk`].
pub(crate) fn find_link<'s>(
    psks: &[PreSharedKeyId],
    sources: &'s [ResumptionSource],
) -> Result<Option<Link<'s>>, Error> {
    // RFC 9420 R-12.4.3.1-04 (docs/rfc9420-requirements.md)
    let links: Vec<_> = psks
        .iter()
        .filter_map(|id| match &id.psk {
            PskKind::Resumption {
                usage: usage @ (ResumptionPskUsage::Reinit | ResumptionPskUsage::Branch),
                psk_group_id,
                psk_epoch,
            } => Some((*usage, psk_group_id, *psk_epoch)),
            _ => None,
        })
        .collect();
    if links.len() > 1 {
        return Err(ResumptionError::MultipleLinkPsks { count: links.len() }.into());
    }
    Ok(links.first().and_then(|(usage, group_id, epoch)| {
        // Of several sources of the group, the one holding the epoch.
        let of_group = || sources.iter().filter(|s| s.group_id == **group_id);
        of_group()
            .find(|s| s.resumption_psk(*epoch).is_some())
            .or_else(|| of_group().next())
            .map(|source| Link {
                usage: *usage,
                epoch: *epoch,
                source,
            })
    }))
}

impl Link<'_> {
    /// The checks of RFC 9420 §12.4.3.1 on the new group's GroupContext:
    /// epoch 1; for `reinit`, the referenced group's last commit held a
    /// ReInit (the PSK names the epoch it started) whose group ID, version,
    /// suite and extensions are the new group's; for `branch`, the version
    /// and suite are the parent's.
    pub(crate) fn check_context(&self, context: &GroupContext) -> Result<(), Error> {
        // RFC 9420 R-11.2-01, R-11.3-01, R-12.4.3.1-11 (docs/rfc9420-requirements.md)
        // §12.4.3.1: "verify that the epoch field in the GroupInfo is
        // equal to 1".
        if context.epoch != 1 {
            return Err(ResumptionError::EpochNotOne {
                epoch: context.epoch,
            }
            .into());
        }
        let source = self.source;
        if self.usage == ResumptionPskUsage::Reinit {
            // §12.4.3.1: "verify that the last Commit to the referenced
            // group contains a ReInit proposal".
            let reinit = source
                .reinit
                .as_ref()
                .filter(|_| self.epoch == source.epoch)
                .ok_or(ResumptionError::NoReInitAtEpoch { epoch: self.epoch })?;
            // §11.2: "The version, cipher_suite, group_id, and extensions
            // fields of the GroupContext object in the Welcome message MUST
            // be the same as the corresponding fields in the ReInit".
            check_reinit_parameters(reinit, context)
        } else {
            // §11.3, §12.4.3.1: version and suite of the parent group.
            check_version_suite(
                source.version,
                source.cipher_suite,
                context.version,
                context.cipher_suite,
            )
        }
    }

    /// The membership checks of RFC 9420 §12.4.3.1 on the new group's
    /// validated tree: for `reinit` the same members as the old group, for
    /// `branch` a subset of the parent's.
    pub(crate) fn check_members(
        &self,
        tree: &RatchetTree,
        credentials: &(dyn CredentialValidator + Sync),
    ) -> Result<(), Error> {
        // RFC 9420 R-11.2-01, R-11.3-01, R-12.4.3.1-11 (docs/rfc9420-requirements.md)
        let new = tree.members().map(|(l, n)| (l, &n.credential));
        let exact = self.usage == ResumptionPskUsage::Reinit;
        check_membership(&self.source.members, new, exact, credentials)
    }
}

/// §11.2: the new group's group ID, version, suite and extensions are the
/// ReInit's.
fn check_reinit_parameters(reinit: &ReInit, context: &GroupContext) -> Result<(), Error> {
    if context.group_id != reinit.group_id {
        return Err(ResumptionError::GroupIdMismatch.into());
    }
    check_version_suite(
        reinit.version,
        reinit.cipher_suite,
        context.version,
        context.cipher_suite,
    )?;
    if context.extensions != reinit.extensions {
        return Err(ResumptionError::ExtensionsMismatch.into());
    }
    Ok(())
}

/// The version and suite found are those expected (RFC 9420 §11.2,
/// §11.3).
fn check_version_suite(
    expected_version: ProtocolVersion,
    expected_suite: CipherSuite,
    version: ProtocolVersion,
    suite: CipherSuite,
) -> Result<(), Error> {
    if version != expected_version {
        return Err(ResumptionError::VersionMismatch {
            expected: expected_version,
            found: version,
        }
        .into());
    }
    if suite != expected_suite {
        return Err(ResumptionError::CipherSuiteMismatch {
            expected: expected_suite,
            found: suite,
        }
        .into());
    }
    Ok(())
}

/// Matches each new member to a distinct old member by credential (equal
/// credentials first, then the application's
/// [`CredentialValidator::same_member`]); with `exact`, every old member
/// must be matched too (RFC 9420 §11.2, §11.3, §12.4.3.1). Equal
/// credentials are found through a hash map; only the others are compared
/// with every unmatched old member.
fn check_membership<'c>(
    old: &[(LeafIndex, Credential)],
    new: impl Iterator<Item = (LeafIndex, &'c Credential)>,
    exact: bool,
    credentials: &(dyn CredentialValidator + Sync),
) -> Result<(), Error> {
    // RFC 9420 R-11.2-01, R-11.3-01 (docs/rfc9420-requirements.md)
    let mut by_credential: HashMap<&Credential, Vec<usize>> = HashMap::new();
    for (i, (_, credential)) in old.iter().enumerate().rev() {
        by_credential.entry(credential).or_default().push(i);
    }
    let mut matched = vec![false; old.len()];
    let mut unmatched_new = Vec::new();
    for (leaf, credential) in new {
        match by_credential.get_mut(credential).and_then(Vec::pop) {
            Some(i) => {
                if let Some(m) = matched.get_mut(i) {
                    *m = true;
                }
            }
            None => unmatched_new.push((leaf, credential)),
        }
    }
    for (leaf, credential) in unmatched_new {
        let found = old
            .iter()
            .zip(matched.iter_mut())
            .find(|((_, o), m)| !**m && credentials.same_member(o, credential));
        match found {
            Some((_, m)) => *m = true,
            None => return Err(ResumptionError::MemberNotInOldGroup { leaf }.into()),
        }
    }
    if exact {
        if let Some(((leaf, _), _)) = old.iter().zip(&matched).find(|(_, m)| !**m) {
            return Err(ResumptionError::OldMemberMissing { leaf: *leaf }.into());
        }
    }
    Ok(())
}

impl<P: CryptoProvider> Group<P> {
    /// The ReInit of the last merged commit, if it held one (RFC 9420
    /// §11.2): the group is then inactive, and these are the parameters
    /// of its successor.
    pub fn reinit(&self) -> Option<&ReInit> {
        self.state.reinit()
    }

    /// What a joiner needs of this group to resolve its resumption PSKs in
    /// a Welcome and to check a successor or subgroup linked to it
    /// (RFC 9420 §12.4.3.1); see
    /// [`JoinOptions::resumption_from`](super::JoinOptions::resumption_from).
    /// Works on an inactive group too: after a ReInit, it carries the
    /// ReInit and the resumption PSK of the epoch the ReInit's commit
    /// started. The result holds secrets.
    pub fn resumption_source(&self) -> ResumptionSource {
        let context = self.state.context();
        ResumptionSource {
            group_id: context.group_id.clone(),
            version: context.version,
            cipher_suite: context.cipher_suite,
            epoch: context.epoch,
            psks: self
                .state
                .resumption_psks()
                .map(|(e, p)| (e, p.clone()))
                .collect(),
            reinit: self.state.reinit().cloned(),
            members: self.member_credentials(),
        }
    }

    /// The members' leaves and credentials.
    fn member_credentials(&self) -> Vec<(LeafIndex, Credential)> {
        self.members()
            .map(|m| (m.leaf, m.leaf_node.credential.clone()))
            .collect()
    }

    /// Creates the successor of this re-initialized group (RFC 9420
    /// §11.2): a new group with the ReInit's group ID, version, cipher
    /// suite and extensions, whose first commit adds `key_packages` (the
    /// other members' KeyPackages, of the new suite) with a PreSharedKey
    /// proposal of type `resumption`, usage `reinit`, naming this group
    /// and its last epoch (the one the ReInit's commit started) with a
    /// fresh `KDF.Nh`-byte nonce. Returns the new group, at epoch 1 with
    /// that commit merged (nobody else is in the group to receive it), and
    /// the Welcome for the others (`None` for a group of one), which
    /// carries the ratchet tree.
    ///
    /// Checked first: this group's last merged commit held a ReInit
    /// ([`ResumptionError::NotReInitialized`]), every KeyPackage (`own`'s
    /// too) is of the ReInit's version and suite, and the members of the
    /// new group (`own`'s credential, then the KeyPackages') are exactly
    /// this group's members (see the module documentation:
    /// [`ResumptionError::MemberNotInOldGroup`],
    /// [`ResumptionError::OldMemberMissing`]).
    #[allow(
        clippy::too_many_arguments,
        reason = "the inputs of a group's creation and first commit"
    )]
    pub fn reinit_successor(
        &self,
        provider: P,
        config: GroupConfig,
        own: &KeyPackageBundle,
        key_packages: Vec<KeyPackage>,
        now: Timestamp,
        rng: &mut (impl CryptoRng + ?Sized),
    ) -> Result<(Group<P>, Option<Vec<u8>>), Error> {
        // RFC 9420 R-11.2-01, R-12.4.1-04 (docs/rfc9420-requirements.md)
        let reinit = self
            .state
            .reinit()
            .ok_or(ResumptionError::NotReInitialized)?;
        check_new_members(
            &self.member_credentials(),
            own,
            &key_packages,
            reinit.version,
            reinit.cipher_suite,
            true,
            self.config.credentials.as_ref(),
        )?;
        let psk = PskKind::Resumption {
            usage: ResumptionPskUsage::Reinit,
            psk_group_id: self.group_id().to_vec(),
            psk_epoch: self.epoch(),
        };
        let secret = self.state.secrets().resumption_psk.clone();
        create_linked(
            provider,
            config,
            own,
            reinit.group_id.clone(),
            reinit.extensions.clone(),
            key_packages,
            (psk, secret),
            now,
            rng,
        )
    }

    /// Creates a subgroup of this group's members (RFC 9420 §11.3): a new
    /// group `group_id` of this group's version and suite with
    /// `extensions`, whose first commit adds `key_packages` (fresh
    /// KeyPackages of the chosen members) with a PreSharedKey proposal of
    /// type `resumption`, usage `branch`, naming this group's current
    /// epoch with a fresh `KDF.Nh`-byte nonce. Returns the new group, at
    /// epoch 1 with that commit merged, and the Welcome for the others
    /// (`None` if `key_packages` is empty), which carries the ratchet tree.
    ///
    /// Checked first: this group is active, every KeyPackage (`own`'s too)
    /// is of this group's version and suite, and each member of the new
    /// group matches a distinct member of this one
    /// ([`ResumptionError::MemberNotInOldGroup`]; see the module
    /// documentation).
    #[allow(
        clippy::too_many_arguments,
        reason = "the inputs of a group's creation and first commit"
    )]
    pub fn branch(
        &self,
        provider: P,
        config: GroupConfig,
        own: &KeyPackageBundle,
        group_id: Vec<u8>,
        extensions: Extensions,
        key_packages: Vec<KeyPackage>,
        now: Timestamp,
        rng: &mut (impl CryptoRng + ?Sized),
    ) -> Result<(Group<P>, Option<Vec<u8>>), Error> {
        // RFC 9420 R-11.3-01 (docs/rfc9420-requirements.md)
        self.ensure_active()?;
        let context = self.state.context();
        check_new_members(
            &self.member_credentials(),
            own,
            &key_packages,
            context.version,
            context.cipher_suite,
            false,
            self.config.credentials.as_ref(),
        )?;
        let psk = PskKind::Resumption {
            usage: ResumptionPskUsage::Branch,
            psk_group_id: context.group_id.clone(),
            psk_epoch: context.epoch,
        };
        let secret = self.state.secrets().resumption_psk.clone();
        create_linked(
            provider,
            config,
            own,
            group_id,
            extensions,
            key_packages,
            (psk, secret),
            now,
            rng,
        )
    }
}

/// The KeyPackages of a new linked group are of `version` and `suite`, and
/// its members (`own`, then `key_packages`, at leaves 0, 1, ...) match the
/// old group's `members`: exactly with `exact` (§11.2), as a subset
/// otherwise (§11.3).
fn check_new_members(
    members: &[(LeafIndex, Credential)],
    own: &KeyPackageBundle,
    key_packages: &[KeyPackage],
    version: ProtocolVersion,
    suite: CipherSuite,
    exact: bool,
    credentials: &(dyn CredentialValidator + Sync),
) -> Result<(), Error> {
    let all = core::iter::once(own.key_package()).chain(key_packages);
    for key_package in all.clone() {
        check_version_suite(
            version,
            suite,
            key_package.version,
            key_package.cipher_suite,
        )?;
    }
    let new = (0u32..)
        .zip(all)
        .map(|(i, kp)| (LeafIndex(i), &kp.leaf_node.credential));
    check_membership(members, new, exact, credentials)
}

/// Creates a group linked to another by the resumption PSK `link`
/// (`(kind, secret)`), and its first commit adding `key_packages` with a
/// PreSharedKey proposal for that PSK with a fresh nonce of the new
/// suite's `KDF.Nh` bytes (RFC 9420 §8.4, §11.2, §11.3); merges the
/// commit and returns the group at epoch 1 with the Welcome. Checks nothing
/// about the link itself: the callers do.
#[allow(
    clippy::too_many_arguments,
    reason = "the inputs of a group's creation and first commit"
)]
pub(crate) fn create_linked<P: CryptoProvider>(
    provider: P,
    config: GroupConfig,
    own: &KeyPackageBundle,
    group_id: Vec<u8>,
    extensions: Extensions,
    key_packages: Vec<KeyPackage>,
    link: (PskKind, Secret),
    now: Timestamp,
    rng: &mut (impl CryptoRng + ?Sized),
) -> Result<(Group<P>, Option<Vec<u8>>), Error> {
    let mut group = Group::create(provider, config, own, group_id, extensions, now, rng)?;
    let (psk, secret) = link;
    let nonce = {
        let crypto: SuiteCrypto<'_> = group.crypto()?;
        // §11.3: "the psk_nonce ... MUST be a randomly sampled nonce of
        // length KDF.Nh" (§8.4 for every PSK).
        crypto.random_secret(crypto.hash_len(), rng)
    };
    let id = PreSharedKeyId {
        psk,
        psk_nonce: nonce.as_bytes().to_vec(),
    };
    group.state.set_link_psk(LinkPsk {
        id: id.clone(),
        psk: secret,
    });
    let mut proposals: Vec<Proposal> = key_packages
        .into_iter()
        .map(|key_package| Proposal::Add(Add { key_package }))
        .collect();
    proposals.push(Proposal::PreSharedKey(PreSharedKey { psk: id }));
    let created = group.create_commit(CommitOptions::with_proposals(proposals), now, rng)?;
    group.merge_staged_commit(created.staged)?;
    Ok((group, created.welcome))
}

#[cfg(test)]
mod tests;
