//! List rules that no received message reaches yet: member commits carry
//! only their committer's proposals by value, and framing refuses Update
//! proposals from non-members (RFC 9420 §12.1.8.1), so a non-member's
//! Update can only come from a commit by a non-member (an external
//! commit, §12.4.3.2).

use super::*;
use crate::crypto::{HpkePublicKey, SignaturePublicKey};
use crate::messages::{Credential, Update};
use crate::tree::{Capabilities, LeafNodeSource};

fn update() -> Proposal {
    Proposal::Update(Update {
        leaf_node: LeafNode {
            encryption_key: HpkePublicKey(vec![1; 32]),
            signature_key: SignaturePublicKey(vec![2; 32]),
            credential: Credential::basic(b"a".to_vec()),
            capabilities: Capabilities::default(),
            leaf_node_source: LeafNodeSource::Update,
            extensions: Extensions::new(),
            signature: vec![3; 64],
        },
    })
}

/// RFC 9420 §12.1.2: only members send Updates.
#[test]
fn update_from_non_member() {
    for sender in [
        Sender::External(0),
        Sender::NewMemberProposal,
        Sender::NewMemberCommit,
    ] {
        let list = [ResolvedProposal::by_value(update(), sender)];
        let e = classify(LeafIndex(0), &list).err();
        assert_eq!(
            e,
            Some(ProposalError::UpdateFromNonMember(sender.sender_type()).into())
        );
    }
    // A member's Update passes the list rules.
    let list = [ResolvedProposal::by_value(
        update(),
        Sender::Member(LeafIndex(1)),
    )];
    assert!(classify(LeafIndex(0), &list).is_ok());
}
