//! A bounded buffer for messages that arrive before the commit that starts
//! their epoch.
//!
//! Delivery services order each group's messages, but a member that reads
//! several sources, or a message sent right after a commit, can see a
//! message of epoch `n + 1` while it is still at epoch `n`. Processing it
//! fails with [`FramingError::EpochNotYet`]; the application keeps it here
//! and processes it again once it has merged the commit that starts its
//! epoch. The buffer holds bytes only, as the application received them;
//! nothing in it is trusted.

use std::collections::VecDeque;

use crate::error::Error;
use crate::framing::FramingError;

/// Messages held for a later epoch, at most `limit` of them.
///
/// ```
/// use rfc9420::group::MessageBuffer;
/// # use rfc9420::{Error, framing::FramingError};
/// let mut buffer = MessageBuffer::new(64);
/// // `group.process_message(&bytes, now)` failed with this error:
/// let early = Error::Framing(FramingError::EpochNotYet { got: 8, current: 7 });
/// assert!(buffer.hold_if_early(b"message bytes", &early));
/// // ... after merging the commit that starts epoch 8:
/// assert_eq!(buffer.release(8), vec![b"message bytes".to_vec()]);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageBuffer {
    limit: usize,
    held: VecDeque<(u64, Vec<u8>)>,
}

impl MessageBuffer {
    /// An empty buffer that holds at most `limit` messages.
    pub fn new(limit: usize) -> Self {
        Self {
            limit,
            held: VecDeque::new(),
        }
    }

    /// Keeps `message` if `error`, what processing it returned, says it
    /// belongs to a later epoch than the group's
    /// ([`FramingError::EpochNotYet`]), and returns whether it was kept. A
    /// full buffer keeps nothing more: the application then learns the
    /// message again from its delivery service.
    pub fn hold_if_early(&mut self, message: &[u8], error: &Error) -> bool {
        let Error::Framing(FramingError::EpochNotYet { got, .. }) = error else {
            return false;
        };
        if self.held.len() >= self.limit {
            return false;
        }
        self.held.push_back((*got, message.to_vec()));
        true
    }

    /// Takes out the messages of epochs up to `epoch`, in the order they
    /// arrived, to process after merging the commit that starts `epoch`.
    /// Messages of earlier epochs come out too: processing them reports
    /// what became of them.
    pub fn release(&mut self, epoch: u64) -> Vec<Vec<u8>> {
        let (ready, later): (VecDeque<_>, VecDeque<_>) =
            self.held.drain(..).partition(|(e, _)| *e <= epoch);
        self.held = later;
        ready.into_iter().map(|(_, m)| m).collect()
    }

    /// How many messages are held.
    pub fn len(&self) -> usize {
        self.held.len()
    }

    /// Whether no message is held.
    pub fn is_empty(&self) -> bool {
        self.held.is_empty()
    }
}
