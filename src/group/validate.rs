//! The rules on single proposals and on leaves that enter the tree
//! (RFC 9420 §7.3, §12.1, §12.4.2, §13.4), in one [`ProposalValidator`]
//! that serves every path: a proposal received by reference, a proposal
//! this member sends, the proposals of a received or created commit, and
//! the leaf of a commit's UpdatePath.
//!
//! Nothing here changes the group.

use std::collections::BTreeSet;

use super::GroupState;
use super::config::GroupConfig;
use super::error::{CommitError, GreaseField, MessageError, ProposalError};
use super::key_package::{
    check_key_package_fields, key_package_signatures_verify, validate_key_package,
};
use crate::crypto::SuiteCrypto;
use crate::error::Error;
use crate::framing::Sender;
use crate::messages::{
    CredentialType, CustomProposal, ExtensionType, Extensions, ExternalSenders, KeyPackage,
    PreSharedKeyId, Proposal, ProposalType, PskKind, RequiredCapabilities, ResumptionPskUsage,
};
use crate::tree::validate::{
    LeafContext, LeafRole, LifetimePolicy, Timestamp, check_required, check_supports_credentials,
    credential_types_in_use, validate_leaf_node,
};
use crate::tree::{LeafIndex, LeafNode, TreeDiff, TreeError, TreeView};

/// The group's `required_capabilities` extension, if present (RFC 9420
/// §11.1).
pub(crate) fn required_capabilities(
    extensions: &Extensions,
) -> Result<Option<RequiredCapabilities>, Error> {
    extensions
        .get::<RequiredCapabilities>()
        .map_err(|_| ProposalError::MalformedExtension(ExtensionType::REQUIRED_CAPABILITIES).into())
}

/// GroupContext extensions are unique by type, and those this crate knows
/// decode (RFC 9420 §13.4).
pub(crate) fn check_extensions_wellformed(extensions: &Extensions) -> Result<(), Error> {
    // RFC 9420 R-13.4-02, R-5.3.1-01 (docs/rfc9420-requirements.md)
    if let Some(t) = extensions.first_duplicate() {
        return Err(ProposalError::DuplicateExtension(t).into());
    }
    required_capabilities(extensions)?;
    extensions
        .get::<ExternalSenders>()
        .map_err(|_| ProposalError::MalformedExtension(ExtensionType::EXTERNAL_SENDERS))?;
    Ok(())
}

/// RFC 9420 §13.5: GREASE values "MUST NOT be sent" in
/// `GroupContext.extensions` or `GroupContextExtensions.extensions`; for
/// the lists this member sends (a new group's, its own proposals).
pub(crate) fn check_no_grease_extensions(extensions: &Extensions) -> Result<(), Error> {
    // RFC 9420 R-13.5-02 (docs/rfc9420-requirements.md)
    match extensions.iter().find(|e| e.extension_type.is_grease()) {
        Some(e) => Err(ProposalError::GreaseNotAllowed {
            field: GreaseField::GroupContextExtensions,
            value: e.extension_type.0,
        }
        .into()),
        None => Ok(()),
    }
}

/// The leaf `node` at `leaf` (`None` for a KeyPackage's leaf not yet in
/// the tree) supports every non-default extension type of the GroupContext
/// (RFC 9420 §12.1.7, §13.4: members MUST support the group's extensions).
pub(crate) fn check_leaf_supports_extensions(
    leaf: Option<LeafIndex>,
    node: &LeafNode,
    extensions: &Extensions,
) -> Result<(), Error> {
    // RFC 9420 R-12.4.3-02, R-13.4-03, R-13.4-04, R-13.5-04 (docs/rfc9420-requirements.md)
    // §13.5: a GREASE value in capabilities supports nothing (GREASE is
    // never a GroupContext extension), so it is left out of the comparison.
    let supports = |t: &ExtensionType| !t.is_grease() && node.capabilities.extensions.contains(t);
    match extensions
        .iter()
        .map(|e| e.extension_type)
        .find(|t| !t.is_default() && !supports(t))
    {
        Some(extension_type) => Err(ProposalError::UnsupportedGroupExtension {
            leaf,
            extension_type,
        }
        .into()),
        None => Ok(()),
    }
}

/// The leaf `node` at `leaf` meets the group's extensions and required
/// capabilities (RFC 9420 §11.1, §12.1.7).
pub(crate) fn check_leaf_meets_group(
    leaf: LeafIndex,
    node: &LeafNode,
    extensions: &Extensions,
    required: Option<&RequiredCapabilities>,
) -> Result<(), Error> {
    // RFC 9420 R-11.1-01 (docs/rfc9420-requirements.md)
    check_leaf_supports_extensions(Some(leaf), node, extensions)?;
    if let Some(required) = required {
        check_required(leaf, node, required)?;
    }
    Ok(())
}

/// Validates proposals and new leaves against one epoch of a group
/// (RFC 9420 §12.1), with the extensions a commit under construction has
/// set so far.
pub(crate) struct ProposalValidator<'a> {
    crypto: &'a SuiteCrypto<'a>,
    state: &'a GroupState,
    config: &'a GroupConfig,
    now: Timestamp,
    /// The lifetime policy of the leaves checked: `send` for what this
    /// member sends, `receive` for what it receives (RFC 9420 §7.3).
    lifetime: LifetimePolicy,
    /// Whether what is checked is this member's to send: then GREASE
    /// values are refused where RFC 9420 §13.5 forbids sending them.
    sending: bool,
    /// The GroupContext extensions that govern new leaves: the epoch's, or
    /// those of the commit's GroupContextExtensions proposal.
    extensions: Extensions,
    required: Option<RequiredCapabilities>,
}

impl<'a> ProposalValidator<'a> {
    /// A validator for what this member receives in the current epoch of
    /// `state`, checking lifetimes against `now` with the receive policy.
    pub(crate) fn new(
        crypto: &'a SuiteCrypto<'a>,
        state: &'a GroupState,
        config: &'a GroupConfig,
        now: Timestamp,
    ) -> Result<Self, Error> {
        Self::with_lifetime(crypto, state, config, now, config.lifetime.receive, false)
    }

    /// A validator for what this member sends: its own proposals and
    /// commits (RFC 9420 §7.3: the current time MUST lie within the
    /// lifetime of the leaves a client sends). The leaves are mostly other
    /// clients' (the KeyPackages of Adds), so their range is bounded as
    /// received leaves are, and the current time is required as the send
    /// policy says.
    pub(crate) fn for_sending(
        crypto: &'a SuiteCrypto<'a>,
        state: &'a GroupState,
        config: &'a GroupConfig,
        now: Timestamp,
    ) -> Result<Self, Error> {
        let lifetime = LifetimePolicy {
            max_range: config.lifetime.receive.max_range,
            require_current: config.lifetime.send.require_current,
        };
        Self::with_lifetime(crypto, state, config, now, lifetime, true)
    }

    fn with_lifetime(
        crypto: &'a SuiteCrypto<'a>,
        state: &'a GroupState,
        config: &'a GroupConfig,
        now: Timestamp,
        lifetime: LifetimePolicy,
        sending: bool,
    ) -> Result<Self, Error> {
        let extensions = state.context().extensions.clone();
        Ok(Self {
            crypto,
            state,
            config,
            now,
            lifetime,
            sending,
            required: required_capabilities(&extensions)?,
            extensions,
        })
    }

    /// The suite's crypto.
    pub(crate) fn crypto(&self) -> &'a SuiteCrypto<'a> {
        self.crypto
    }

    /// The state validated against.
    pub(crate) fn state(&self) -> &'a GroupState {
        self.state
    }

    /// The caller's policies.
    pub(crate) fn config(&self) -> &'a GroupConfig {
        self.config
    }

    /// The extensions that govern the rest of the list.
    pub(crate) fn extensions(&self) -> &Extensions {
        &self.extensions
    }

    /// The required capabilities under [`extensions`](Self::extensions).
    pub(crate) fn required(&self) -> Option<&RequiredCapabilities> {
        self.required.as_ref()
    }

    /// From now on, new leaves are checked against `extensions`, the
    /// content of the commit's GroupContextExtensions proposal (§12.3: it
    /// is applied first).
    pub(crate) fn set_extensions(&mut self, extensions: &Extensions) -> Result<(), Error> {
        if self.sending {
            check_no_grease_extensions(extensions)?;
        }
        check_extensions_wellformed(extensions)?;
        self.check_external_senders(extensions)?;
        self.required = required_capabilities(extensions)?;
        self.extensions = extensions.clone();
        Ok(())
    }

    fn leaf_context(&self) -> LeafContext<'_> {
        // RFC 9420 R-7.3-05 (docs/rfc9420-requirements.md)
        LeafContext {
            group_id: &self.state.context().group_id,
            required_capabilities: self.required.as_ref(),
            lifetime: self.lifetime,
            now: self.now,
            credentials: self.config.credentials.as_ref(),
        }
    }

    /// Checks one proposal on its own against the current epoch
    /// (RFC 9420 §12.1.1-§12.1.7), as a receiver of a proposal message
    /// does.
    pub(crate) fn check_proposal(&self, proposal: &Proposal, sender: Sender) -> Result<(), Error> {
        // RFC 9420 R-12.1.3-01, R-12.1.5-01, R-12.1.6-01, R-11.1-01 (docs/rfc9420-requirements.md)
        let tree = self.state.tree();
        match proposal {
            Proposal::Add(add) => self.check_key_package(&add.key_package),
            Proposal::Update(update) => {
                let Sender::Member(leaf) = sender else {
                    return Err(ProposalError::UpdateFromNonMember(sender.sender_type()).into());
                };
                self.check_update(tree, leaf, &update.leaf_node)
            }
            Proposal::Remove(remove) => {
                // §12.1.3: the removed leaf MUST be a member.
                if tree.leaf(remove.removed).is_none() {
                    return Err(ProposalError::RemoveNonMember(remove.removed).into());
                }
                Ok(())
            }
            Proposal::PreSharedKey(psk) => self.check_psk(&psk.psk),
            Proposal::ReInit(reinit) => {
                // §12.1.5: no downgrade of the protocol version.
                let current = self.state.context().version;
                if reinit.version < current {
                    return Err(ProposalError::ReInitDowngrade {
                        current,
                        proposed: reinit.version,
                    }
                    .into());
                }
                // §13.4: the new group's GroupContext extensions, unique by
                // type (R-13.4-02).
                check_extensions_wellformed(&reinit.extensions)
            }
            Proposal::ExternalInit(_) => {
                Err(ProposalError::ProposalNotAllowed(ProposalType::EXTERNAL_INIT).into())
            }
            Proposal::GroupContextExtensions(gce) => {
                if self.sending {
                    check_no_grease_extensions(&gce.extensions)?;
                }
                check_extensions_wellformed(&gce.extensions)?;
                self.check_external_senders(&gce.extensions)?;
                let required = required_capabilities(&gce.extensions)?;
                // §12.1.7: every member supports the new extensions and
                // meets the new required capabilities.
                for (index, leaf) in tree.members() {
                    check_leaf_meets_group(index, leaf, &gce.extensions, required.as_ref())?;
                }
                Ok(())
            }
            Proposal::Custom(custom) => self.check_custom(tree.members(), custom, sender),
        }
    }

    /// RFC 9420 §12.2, §13: an application-defined proposal is valid only
    /// if every member that processes it (`members`) lists its type in
    /// `capabilities.proposals`, and the application's
    /// `CustomProposalPolicy` accepts it from `sender`. This member's own
    /// capabilities count without their GREASE values (§13.5: a client's
    /// own capabilities used for comparisons hold none); when sending, a
    /// GREASE type is refused (§13.5).
    pub(crate) fn check_custom<'l>(
        &self,
        members: impl Iterator<Item = (LeafIndex, &'l LeafNode)>,
        custom: &CustomProposal,
        sender: Sender,
    ) -> Result<(), Error> {
        // RFC 9420 R-12.2-10, R-13.5-02, R-13.5-04 (docs/rfc9420-requirements.md)
        let proposal_type = custom.proposal_type;
        if self.sending && proposal_type.is_grease() {
            return Err(ProposalError::GreaseNotAllowed {
                field: GreaseField::ProposalType,
                value: proposal_type.0,
            }
            .into());
        }
        let own = self.state.own_leaf();
        for (leaf, node) in members {
            let listed = node.capabilities.proposals.contains(&proposal_type);
            if !listed || (leaf == own && proposal_type.is_grease()) {
                return Err(ProposalError::UnsupportedProposalType {
                    leaf,
                    proposal_type,
                }
                .into());
            }
        }
        if !self.config.custom_proposals.validate(custom, &sender) {
            return Err(ProposalError::CustomProposalRefused(proposal_type).into());
        }
        Ok(())
    }

    /// §12.1.1, §10.1: a valid KeyPackage of the group's version and
    /// suite whose leaf meets the group's requirements (under the
    /// extensions set so far).
    pub(crate) fn check_key_package(&self, key_package: &KeyPackage) -> Result<(), Error> {
        // RFC 9420 R-12.1.1-01, R-13.4-03 (docs/rfc9420-requirements.md)
        validate_key_package(self.crypto, key_package, &self.leaf_context())?;
        check_leaf_supports_extensions(None, &key_package.leaf_node, &self.extensions)
    }

    /// [`check_key_package`](Self::check_key_package) of a KeyPackage
    /// whose two signatures are already verified
    /// ([`signatures_verify`](Self::signatures_verify)): the same result.
    pub(crate) fn check_key_package_signed(&self, key_package: &KeyPackage) -> Result<(), Error> {
        // RFC 9420 R-12.1.1-01, R-13.4-03 (docs/rfc9420-requirements.md)
        check_key_package_fields(self.crypto, key_package, &self.leaf_context())?;
        check_leaf_supports_extensions(None, &key_package.leaf_node, &self.extensions)
    }

    /// Whether both signatures of every KeyPackage verify, checked
    /// together (§7.3, §10.1; see [`key_package_signatures_verify`]).
    pub(crate) fn signatures_verify(&self, key_packages: &[&KeyPackage]) -> bool {
        key_package_signatures_verify(self.crypto, key_packages, &self.state.context().group_id)
    }

    /// §12.1.2: an Update's leaf is valid for `leaf` (source `update`,
    /// signed for this group and leaf), has a new encryption key, supports
    /// the group's extensions, and its keys are not used by another node
    /// of `tree`.
    pub(crate) fn check_update(
        &self,
        tree: &impl TreeView,
        leaf: LeafIndex,
        leaf_node: &LeafNode,
    ) -> Result<(), Error> {
        // RFC 9420 R-12.1.2-01, R-7.3-08, R-7.3-09 (docs/rfc9420-requirements.md)
        let current = self
            .state
            .tree()
            .leaf(leaf)
            .ok_or(MessageError::SenderNotMember(leaf))?;
        validate_leaf_node(
            self.crypto,
            leaf_node,
            leaf,
            LeafRole::Update,
            &self.leaf_context(),
        )?;
        if leaf_node.encryption_key == current.encryption_key {
            return Err(ProposalError::UpdateKeepsEncryptionKey(leaf).into());
        }
        self.check_successor(leaf, current, leaf_node)?;
        check_leaf_supports_extensions(Some(leaf), leaf_node, &self.extensions)?;
        check_fresh_leaf_keys(tree, leaf, leaf_node)
    }

    /// §5.3.1: a member that changes its credential presents a valid
    /// successor of the old one, as the application's validator decides.
    pub(crate) fn check_successor(
        &self,
        leaf: LeafIndex,
        current: &LeafNode,
        new: &LeafNode,
    ) -> Result<(), Error> {
        if current.credential != new.credential
            && !self.config.credentials.validate_successor(
                &current.credential,
                &new.credential,
                &new.signature_key,
            )
        {
            return Err(ProposalError::CredentialChangeRejected(leaf).into());
        }
        Ok(())
    }

    /// §7.3, §12.4.3.2: the leaf of a new member that brings no KeyPackage
    /// (an external joiner's path leaf, source `commit`) is valid for
    /// `leaf` of this group and supports the group's extensions and
    /// required capabilities.
    pub(crate) fn check_new_leaf(
        &self,
        leaf: LeafIndex,
        leaf_node: &LeafNode,
        role: LeafRole,
    ) -> Result<(), Error> {
        // RFC 9420 R-12.4.2-03 (docs/rfc9420-requirements.md)
        validate_leaf_node(self.crypto, leaf_node, leaf, role, &self.leaf_context())?;
        check_leaf_supports_extensions(Some(leaf), leaf_node, &self.extensions)
    }

    /// §5.3.1, §12.1.8.1: every entry of an `external_senders` extension
    /// the group would take carries a credential the application accepts.
    pub(crate) fn check_external_senders(&self, extensions: &Extensions) -> Result<(), Error> {
        check_external_senders(self.config, extensions)
    }

    /// §12.1.4, §8.4: a PSK names an external or resumption PSK (usage
    /// `application`) with a nonce of `KDF.Nh` bytes.
    pub(crate) fn check_psk(&self, id: &PreSharedKeyId) -> Result<(), Error> {
        // RFC 9420 R-8.4-02, R-12.1.4-01, R-11.2-02, R-11.3-02 (docs/rfc9420-requirements.md)
        let expected = self.crypto.hash_len();
        if id.psk_nonce.len() != expected {
            return Err(ProposalError::InvalidPskNonce {
                len: id.psk_nonce.len(),
                expected,
            }
            .into());
        }
        if let PskKind::Resumption { usage, .. } = &id.psk {
            // §11.2, §11.3: a PreSharedKey proposal with usage `reinit` or
            // `branch` is invalid, except the one PSK that links a new group
            // to its predecessor or parent, in that group's first commit
            // (created by `Group::reinit_successor` or `Group::branch`).
            if *usage != ResumptionPskUsage::Application && self.state.link_psk_id() != Some(id) {
                return Err(ProposalError::InvalidPskUsage(*usage).into());
            }
        }
        Ok(())
    }

    /// §12.4.2: the leaf of a commit's UpdatePath is a valid leaf with
    /// source `commit` for the committer, supports the group's extensions
    /// (after the commit's GroupContextExtensions), has a new encryption
    /// key and a signature key no other leaf of the staged tree holds, and
    /// keeps every credential type in use supported (§7.3).
    pub(crate) fn check_path_leaf(
        &self,
        diff: &TreeDiff<'_>,
        committer: LeafIndex,
        leaf_node: &LeafNode,
    ) -> Result<(), Error> {
        // RFC 9420 R-12.4.2-03, R-7.5-01, R-7.3-09, R-7.3-04 (docs/rfc9420-requirements.md)
        let current = self
            .state
            .tree()
            .leaf(committer)
            .ok_or(MessageError::SenderNotMember(committer))?;
        validate_leaf_node(
            self.crypto,
            leaf_node,
            committer,
            LeafRole::Commit,
            &self.leaf_context(),
        )?;
        check_leaf_supports_extensions(Some(committer), leaf_node, &self.extensions)?;
        if leaf_node.encryption_key == current.encryption_key {
            return Err(CommitError::PathKeepsEncryptionKey(committer).into());
        }
        self.check_successor(committer, current, leaf_node)?;
        if let Some(first) = diff
            .find_signature_key(&leaf_node.signature_key)
            .filter(|l| *l != committer)
        {
            return Err(TreeError::DuplicateSignatureKey {
                first,
                second: committer,
            }
            .into());
        }
        if leaf_node.credential.credential_type() != current.credential.credential_type()
            || leaf_node.capabilities.credentials != current.capabilities.credentials
        {
            check_path_credentials(diff, committer, leaf_node)?;
        }
        Ok(())
    }
}

/// §7.3: a new leaf at `leaf` brings an encryption key no node holds and
/// a signature key no other leaf holds.
pub(crate) fn check_fresh_leaf_keys(
    tree: &impl TreeView,
    leaf: LeafIndex,
    leaf_node: &LeafNode,
) -> Result<(), Error> {
    // RFC 9420 R-7.3-09 (docs/rfc9420-requirements.md)
    let node = leaf.node().ok_or(TreeError::LeafOutOfRange { leaf })?;
    if let Some(first) = tree.find_encryption_key(&leaf_node.encryption_key) {
        return Err(TreeError::DuplicateEncryptionKey {
            first,
            second: node,
        }
        .into());
    }
    if let Some(first) = tree
        .find_signature_key(&leaf_node.signature_key)
        .filter(|l| *l != leaf)
    {
        return Err(TreeError::DuplicateSignatureKey {
            first,
            second: leaf,
        }
        .into());
    }
    Ok(())
}

/// §7.3: each credential type in use in the staged tree is supported by
/// every member, after `new_leaves` entered it. Only those leaves can
/// break this, so the full scan happens only when one of them brings a
/// credential type that was not in use.
pub(crate) fn check_credential_support<'l>(
    diff: &TreeDiff<'_>,
    new_leaves: impl Iterator<Item = (LeafIndex, &'l LeafNode)>,
) -> Result<(), Error> {
    // RFC 9420 R-7.3-04 (docs/rfc9420-requirements.md)
    let in_use_before = credential_types_in_use(diff.base());
    let mut new_types = BTreeSet::new();
    for (index, leaf) in new_leaves {
        check_supports_credentials(index, leaf, &in_use_before)?;
        let t = leaf.credential.credential_type();
        if !in_use_before.contains(&t) {
            new_types.insert(t);
        }
    }
    if new_types.is_empty() {
        return Ok(());
    }
    for (index, node) in diff.members() {
        check_supports_credentials(index, node, &new_types)?;
    }
    Ok(())
}

/// §7.3 for a committer whose new leaf changes its credential type or
/// supported credential types: every credential type in use stays
/// supported by every member.
fn check_path_credentials(
    diff: &TreeDiff<'_>,
    committer: LeafIndex,
    leaf_node: &LeafNode,
) -> Result<(), Error> {
    // RFC 9420 R-7.3-04 (docs/rfc9420-requirements.md)
    let new_type: [CredentialType; 1] = [leaf_node.credential.credential_type()];
    for (index, node) in diff.members().filter(|(l, _)| *l != committer) {
        check_supports_credentials(index, node, &new_type)?;
        check_supports_credentials(committer, leaf_node, [&node.credential.credential_type()])?;
    }
    Ok(())
}

/// §5.3.1, §12.1.8.1: every entry of the `external_senders` extension of
/// `extensions`, if any, carries a credential `config`'s validator accepts.
pub(crate) fn check_external_senders(
    config: &GroupConfig,
    extensions: &Extensions,
) -> Result<(), Error> {
    let senders = extensions
        .get::<ExternalSenders>()
        .map_err(|_| ProposalError::MalformedExtension(ExtensionType::EXTERNAL_SENDERS))?;
    for (index, sender) in senders.iter().flat_map(|s| s.0.iter()).enumerate() {
        if !config
            .credentials
            .validate(&sender.credential, &sender.signature_key)
        {
            return Err(ProposalError::ExternalSenderRejected { index }.into());
        }
    }
    Ok(())
}

#[cfg(test)]
mod grease_tests {
    //! RFC 9420 §13.5: a GREASE value in capabilities supports nothing.

    use super::*;
    use crate::crypto::{HpkePublicKey, SignaturePublicKey};
    use crate::messages::{Credential, Extension};
    use crate::tree::{Capabilities, LeafNodeSource};

    fn leaf_listing(extension_type: ExtensionType) -> LeafNode {
        LeafNode {
            encryption_key: HpkePublicKey(vec![1; 32]),
            signature_key: SignaturePublicKey(vec![2; 32]),
            credential: Credential::basic(b"a".to_vec()),
            capabilities: Capabilities {
                extensions: [extension_type].into(),
                ..Capabilities::default()
            },
            leaf_node_source: LeafNodeSource::Update,
            extensions: Extensions::new(),
            signature: vec![3; 64],
        }
    }

    fn group_extensions(extension_type: ExtensionType) -> Extensions {
        Extensions(vec![Extension {
            extension_type,
            extension_data: Vec::new(),
        }])
    }

    /// A member's own GREASE capability (or anyone's) does not count as
    /// support for a GroupContext extension of that GREASE type (R-13.5-04);
    /// a real type it lists does.
    #[test]
    fn grease_capabilities_support_no_group_extension() {
        let grease = ExtensionType(0x0a0a);
        let error = check_leaf_supports_extensions(
            Some(LeafIndex(0)),
            &leaf_listing(grease),
            &group_extensions(grease),
        )
        .unwrap_err();
        assert_eq!(
            error,
            ProposalError::UnsupportedGroupExtension {
                leaf: Some(LeafIndex(0)),
                extension_type: grease,
            }
            .into()
        );
        let custom = ExtensionType(0xff01);
        check_leaf_supports_extensions(
            Some(LeafIndex(0)),
            &leaf_listing(custom),
            &group_extensions(custom),
        )
        .unwrap();
    }
}
