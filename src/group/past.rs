//! What a member keeps of past epochs to decrypt late application
//! messages (RFC 9420 §9.2, §14): the sender-data secret and secret tree,
//! and the signature keys of the leaves that changed since.

use std::collections::BTreeMap;

use crate::crypto::Secret;
use crate::key_schedule::GroupContext;
use crate::secret_tree::SecretTree;
use crate::tree::{LeafIndex, LeafNode};

/// One past epoch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PastEpoch {
    /// The epoch's GroupContext (messages are signed over it, §6.1).
    pub(crate) context: GroupContext,
    pub(crate) sender_data_secret: Secret,
    pub(crate) secret_tree: SecretTree,
    /// Each leaf of this epoch that the commit ending it changed, as it
    /// was (`None`: blank): the senders of late messages. Leaves not listed
    /// are as in the next epoch. Only changed leaves are kept, so a past
    /// epoch costs O(changes), not O(n).
    pub(crate) previous_leaves: BTreeMap<LeafIndex, Option<LeafNode>>,
}
