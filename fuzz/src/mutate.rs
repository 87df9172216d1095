//! Structure-aware mutation: the fuzzer's bytes, read as a [`Script`],
//! choose edits to a sample's decoded content (sender, epoch, proposals,
//! UpdatePath, leaf nodes, KeyPackages, extensions, lifetimes, indices);
//! the result is then re-signed, re-tagged and re-encrypted with the
//! fixture's own keys, as a malicious member of the group would. So the
//! receiver's signature, membership-tag and decryption checks pass and
//! the validation behind them is what gets exercised.
//!
//! What a member cannot forge is left as is: the confirmation tag of a
//! mutated commit is the original's (it depends on the new epoch's
//! secrets, which only a full commit computation yields), so a commit
//! that survives every other check is refused at the confirmation tag.
//! The commit-creation target covers acceptance instead.

use rfc9420::codec::{Encode, decode_exact};
use rfc9420::crypto::{HpkePublicKey, SignaturePrivateKey, SignaturePublicKey};
use rfc9420::framing::MlsMessageBody;
use rfc9420::framing::{FramedContentBody, Padding, PrivateMessage, PublicMessage, Sender};
use rfc9420::messages::extension::{
    ExtensionType, ExternalSender, ExternalSenders, RequiredCapabilities,
};
use rfc9420::messages::{
    Add, Certificate, CredentialType, Extension, ExternalInit, ExternalPub, GroupContextExtensions,
    KeyPackage, PreSharedKey, PreSharedKeyId, ProposalOrRef, ProposalRef, ProposalType,
    ProtocolVersion, PskKind, RatchetTreeExtension, ReInit, Remove, ResumptionPskUsage, Update,
    UpdatePathNode, WireFormat,
};
use rfc9420::tree::{Capabilities, LeafNode, LeafNodeSource, Lifetime, Node};
use rfc9420::{
    CipherSuite, Credential, Extensions, LeafIndex, MlsMessage, Proposal, RustCryptoProvider,
    SuiteCrypto,
};

use crate::fixtures::{Fixture, NOW, Sample};
use crate::rng::FixedRng;
use crate::script::Script;

/// What the malicious member knows: every member's signature key and
/// the receiver's epoch keys.
pub struct Malicious<'f> {
    f: &'f Fixture,
    crypto: SuiteCrypto<'static>,
    /// Every key whose private half the fixture holds, with its public
    /// half: members and fresh KeyPackages.
    keys: Vec<(SignaturePublicKey, SignaturePrivateKey)>,
    /// The members' leaves, for swapping keys and credentials between
    /// them.
    leaves: Vec<(LeafIndex, LeafNode)>,
}

static PROVIDER: RustCryptoProvider = RustCryptoProvider;

impl<'f> Malicious<'f> {
    /// The malicious member of fixture `f`.
    pub fn new(f: &'f Fixture) -> Self {
        let crypto = SuiteCrypto::new(&PROVIDER, f.spec.suite).expect("suite");
        let mut keys: Vec<_> = f
            .signers
            .iter()
            .map(|(_, public, private)| (public.clone(), private.clone()))
            .collect();
        for kp in f.fresh.iter().chain(&f.external_joiners) {
            keys.push((
                kp.key_package().leaf_node.signature_key.clone(),
                kp.signature_private_key().clone(),
            ));
        }
        Self {
            f,
            crypto,
            keys,
            leaves: f.leaves.clone(),
        }
    }

    fn key_for(&self, public: &SignaturePublicKey) -> Option<&SignaturePrivateKey> {
        self.keys.iter().find(|(p, _)| p == public).map(|(_, k)| k)
    }

    fn leaf_key(&self, leaf: LeafIndex) -> Option<&SignaturePrivateKey> {
        let public = &self
            .leaves
            .iter()
            .find(|(l, _)| *l == leaf)?
            .1
            .signature_key;
        self.key_for(public)
    }

    fn sender_key(&self) -> &SignaturePrivateKey {
        self.leaf_key(self.f.sender_leaf).expect("the sender's key")
    }

    fn leaf_count(&self) -> u32 {
        self.leaves.iter().map(|(l, _)| l.0 + 1).max().unwrap_or(1)
    }

    fn some_leaf(&mut self, s: &mut Script) -> LeafIndex {
        match s.below(8) {
            0 => LeafIndex(s.u32()),
            1 => LeafIndex(u32::MAX),
            _ => LeafIndex(u32::from(s.u8()) % (self.leaf_count() + 2)),
        }
    }

    /// Mutates `sample`'s content as the script says and protects it
    /// again. `None` when the sample has no content to mutate (a past
    /// epoch's message) or the mutated content cannot be framed at all.
    pub fn mutate(&mut self, sample: &Sample, s: &mut Script) -> Option<Vec<u8>> {
        let mut ac = sample.content.clone()?;
        let mut wire = ac.wire_format;
        let mut resign = true;
        let mut retag = true;
        let mut padding = Padding::DEFAULT;
        let ops = 1 + s.below(4);
        for _ in 0..ops {
            match s.below(32) {
                0 | 1 => {
                    ac.content.sender = match s.below(6) {
                        0 => Sender::External(u32::from(s.u8() % 4)),
                        1 => Sender::NewMemberProposal,
                        2 => Sender::NewMemberCommit,
                        _ => Sender::Member(self.some_leaf(s)),
                    }
                }
                2 => {
                    let delta = i64::from(s.u8() as i8);
                    ac.content.epoch = ac.content.epoch.wrapping_add_signed(delta);
                }
                3 => mutate_bytes(&mut ac.content.group_id, s),
                4 | 5 => ac.content.authenticated_data = s.bytes(64),
                6..=25 => self.mutate_body(&mut ac.content.content, s),
                26 | 27 => {
                    wire = if wire == WireFormat::PUBLIC_MESSAGE {
                        WireFormat::PRIVATE_MESSAGE
                    } else {
                        WireFormat::PUBLIC_MESSAGE
                    }
                }
                28 | 29 => match s.below(4) {
                    0 => resign = false,
                    1 => retag = false,
                    2 => padding = Padding::Bytes(s.below(64)),
                    _ => match &mut ac.auth.confirmation_tag {
                        Some(tag) if s.bool() => mutate_bytes(tag, s),
                        Some(_) => ac.auth.confirmation_tag = None,
                        None => ac.auth.confirmation_tag = Some(s.bytes(64)),
                    },
                },
                _ => {
                    // Replace the body with another sample's.
                    let other = s.below(self.f.samples.len());
                    if let Some(c) = self.f.samples.get(other).and_then(|x| x.content.as_ref()) {
                        ac.content.content = c.content.content.clone();
                        ac.auth.confirmation_tag = c.auth.confirmation_tag.clone();
                    }
                }
            }
        }
        ac.wire_format = wire;
        if resign {
            let key = match ac.content.sender {
                Sender::Member(leaf) => self.leaf_key(leaf).unwrap_or(self.sender_key()),
                _ => match &ac.content.content {
                    FramedContentBody::Proposal(Proposal::Add(add)) => self
                        .key_for(&add.key_package.leaf_node.signature_key)
                        .unwrap_or(self.sender_key()),
                    // An external joiner signs with its new leaf's key.
                    FramedContentBody::Commit(c) => c
                        .path
                        .as_ref()
                        .and_then(|p| self.key_for(&p.leaf_node.signature_key))
                        .unwrap_or(self.sender_key()),
                    _ => self.sender_key(),
                },
            };
            let tbs = ac
                .content
                .tbs_bytes(wire, Some(&self.f.keys.context))
                .ok()?;
            ac.auth.signature = self
                .crypto
                .sign_with_label(key, "FramedContentTBS", &tbs)
                .ok()?;
        }
        let private = if wire == WireFormat::PRIVATE_MESSAGE {
            let mut tree = self.f.keys.secret_tree.clone();
            let mut rng = FixedRng::new(u64::from(s.u8()));
            PrivateMessage::protect(
                &self.crypto,
                &ac,
                &mut tree,
                &self.f.keys.secrets.sender_data_secret,
                padding,
                &mut rng,
            )
            .ok()
        } else {
            None
        };
        // Content a PrivateMessage cannot carry (a non-member sender, a
        // leaf outside the tree) goes out as a PublicMessage signed for a
        // PrivateMessage.
        let body = if let Some(m) = private {
            MlsMessageBody::PrivateMessage(m)
        } else {
            let mut m = PublicMessage {
                content: ac.content,
                auth: ac.auth,
                membership_tag: None,
            };
            if matches!(m.content.sender, Sender::Member(_)) {
                let tbm = m.tbm_bytes(&self.f.keys.context).ok()?;
                let mut tag = self
                    .crypto
                    .mac(self.f.keys.secrets.membership_key.as_bytes(), &tbm)
                    .ok()?;
                if !retag {
                    mutate_bytes(&mut tag, s);
                }
                m.membership_tag = Some(tag);
            }
            MlsMessageBody::PublicMessage(m)
        };
        MlsMessage {
            version: ProtocolVersion::MLS10,
            body,
        }
        .to_bytes()
        .ok()
    }

    /// Mutates the fixture's GroupInfo (with tree and `external_pub`) as
    /// the script says, and signs it again as its signer (or whoever the
    /// mutated `signer` names) unless the script says not to: what a
    /// malicious member can publish for external joiners. Edits: the
    /// GroupContext (version, suite, group ID, epoch, tree hash,
    /// transcript hash, extensions), the GroupInfo's extensions (drop,
    /// duplicate, replace, corrupt the `external_pub` key or the tree),
    /// tree nodes (blank, drop, duplicate, edit and re-sign a leaf), the
    /// confirmation tag, the signer.
    pub fn mutate_group_info(&mut self, s: &mut Script) -> Option<Vec<u8>> {
        let message: MlsMessage = decode_exact(&self.f.external_group_info).ok()?;
        let MlsMessageBody::GroupInfo(mut gi) = message.body else {
            return None;
        };
        let mut resign = true;
        for _ in 0..1 + s.below(4) {
            match s.below(16) {
                0 => gi.group_context.version = ProtocolVersion(u16::from(s.u8() % 3)),
                1 => gi.group_context.cipher_suite = gen_suite(s),
                2 => mutate_bytes(&mut gi.group_context.group_id, s),
                3 => {
                    let delta = i64::from(s.u8() as i8);
                    gi.group_context.epoch = gi.group_context.epoch.wrapping_add_signed(delta);
                }
                4 => mutate_bytes(&mut gi.group_context.tree_hash, s),
                5 => mutate_bytes(&mut gi.group_context.confirmed_transcript_hash, s),
                6 => gi.group_context.extensions = self.gen_extensions(s),
                7 => {
                    let n = gi.extensions.0.len();
                    if n > 0 {
                        let i = s.below(n);
                        match s.below(3) {
                            0 => {
                                gi.extensions.0.remove(i);
                            }
                            1 => {
                                let e = gi.extensions.0[i].clone();
                                gi.extensions.0.push(e);
                            }
                            _ => mutate_bytes(&mut gi.extensions.0[i].extension_data, s),
                        }
                    }
                }
                8 => gi.extensions = self.gen_extensions(s),
                9 => {
                    let key = self.some_key(s);
                    let _ = gi.extensions.set(&ExternalPub { external_pub: key });
                }
                10..=12 => {
                    let Ok(Some(RatchetTreeExtension(mut nodes))) =
                        gi.extensions.get::<RatchetTreeExtension>()
                    else {
                        continue;
                    };
                    let n = nodes.len();
                    if n == 0 {
                        continue;
                    }
                    let i = s.below(n);
                    match s.below(5) {
                        0 => nodes[i] = None,
                        1 => {
                            nodes.remove(i);
                        }
                        2 => {
                            let node = nodes[i].clone();
                            nodes.insert(i, node);
                        }
                        3 => nodes.truncate(i),
                        _ => {
                            // Even node indices are leaves (RFC 9420 §4.1).
                            let i = i & !1;
                            if let Some(Node::Leaf(leaf)) = &mut nodes[i] {
                                self.mutate_leaf(leaf, s);
                                let index = LeafIndex(u32::try_from(i / 2).unwrap_or(u32::MAX));
                                self.resign_leaf(leaf, index);
                            }
                        }
                    }
                    let _ = gi.extensions.set(&RatchetTreeExtension(nodes));
                }
                13 => mutate_bytes(&mut gi.confirmation_tag, s),
                14 => gi.signer = self.some_leaf(s),
                _ => resign = false,
            }
        }
        if resign {
            let key = self
                .leaf_key(gi.signer)
                .unwrap_or(self.sender_key())
                .clone();
            gi.sign(&self.crypto, &key).ok()?;
        }
        MlsMessage {
            version: message.version,
            body: MlsMessageBody::GroupInfo(gi),
        }
        .to_bytes()
        .ok()
    }

    fn mutate_body(&mut self, body: &mut FramedContentBody, s: &mut Script) {
        match body {
            FramedContentBody::Application(data) => match s.below(3) {
                0 => *data = s.bytes(255),
                1 => data.clear(),
                _ => mutate_bytes(data, s),
            },
            FramedContentBody::Proposal(p) => match s.below(4) {
                0 => *p = self.gen_proposal(s),
                1 => *body = FramedContentBody::Application(s.bytes(32)),
                _ => self.mutate_proposal(p, s),
            },
            FramedContentBody::Commit(c) => {
                let n = c.proposals.len();
                match s.below(10) {
                    0 if n > 0 => {
                        c.proposals.remove(s.below(n));
                    }
                    1 if n > 0 => {
                        let p = c.proposals[s.below(n)].clone();
                        c.proposals.insert(s.below(n + 1), p);
                    }
                    2 if n > 1 => c.proposals.swap(s.below(n), s.below(n)),
                    3 | 4 => {
                        let p = ProposalOrRef::Proposal(Box::new(self.gen_proposal(s)));
                        c.proposals.insert(s.below(n + 1), p);
                    }
                    5 if n > 0 => match &mut c.proposals[s.below(n)] {
                        ProposalOrRef::Proposal(p) => self.mutate_proposal(p, s),
                        ProposalOrRef::Reference(r) => {
                            if s.bool() {
                                mutate_bytes(&mut r.0, s)
                            } else {
                                *r = ProposalRef(s.bytes(64))
                            }
                        }
                    },
                    6 => {
                        // Take the path away, or graft another commit's.
                        if c.path.is_some() && s.bool() {
                            c.path = None;
                        } else {
                            let other = s.below(self.f.samples.len());
                            if let Some(FramedContentBody::Commit(o)) = self
                                .f
                                .samples
                                .get(other)
                                .and_then(|x| x.content.as_ref())
                                .map(|c| &c.content.content)
                            {
                                c.path = o.path.clone();
                            }
                        }
                    }
                    7 => {
                        if let Some(path) = &mut c.path {
                            self.mutate_leaf(&mut path.leaf_node, s);
                            if s.u8() != 0 {
                                let leaf = self.f.sender_leaf;
                                self.resign_leaf(&mut path.leaf_node, leaf);
                            }
                        }
                    }
                    _ => {
                        if let Some(path) = &mut c.path {
                            self.mutate_path_nodes(&mut path.nodes, s);
                        }
                    }
                }
            }
        }
    }

    fn mutate_path_nodes(&mut self, nodes: &mut Vec<UpdatePathNode>, s: &mut Script) {
        let n = nodes.len();
        match s.below(8) {
            0 if n > 0 => {
                nodes.remove(s.below(n));
            }
            1 if n > 0 => {
                let x = nodes[s.below(n)].clone();
                nodes.insert(s.below(n + 1), x);
            }
            2 if n > 1 => {
                let (i, j) = (s.below(n), s.below(n));
                nodes.swap(i, j);
            }
            3 if n > 0 => {
                let node = &mut nodes[s.below(n)];
                let k = node.encrypted_path_secret.len();
                match s.below(4) {
                    0 if k > 0 => {
                        node.encrypted_path_secret.remove(s.below(k));
                    }
                    1 if k > 0 => {
                        let c = node.encrypted_path_secret[s.below(k)].clone();
                        node.encrypted_path_secret.push(c);
                    }
                    2 if k > 0 => {
                        let c = &mut node.encrypted_path_secret[s.below(k)];
                        if s.bool() {
                            mutate_bytes(&mut c.kem_output, s)
                        } else {
                            mutate_bytes(&mut c.ciphertext, s)
                        }
                    }
                    _ => node.encrypted_path_secret.clear(),
                }
            }
            4 if n > 0 => {
                let i = s.below(n);
                // Another node's or a member's key: duplicates.
                let key = if s.bool() {
                    nodes[s.below(n)].encryption_key.clone()
                } else {
                    let l = s.below(self.leaves.len());
                    self.leaves[l].1.encryption_key.clone()
                };
                nodes[i].encryption_key = key;
            }
            5 if n > 0 => mutate_bytes(&mut nodes[s.below(n)].encryption_key.0, s),
            _ => nodes.clear(),
        }
    }

    fn resign_leaf(&self, leaf: &mut LeafNode, index: LeafIndex) {
        let key = self
            .key_for(&leaf.signature_key)
            .unwrap_or(self.sender_key())
            .clone();
        if let Ok(tbs) = leaf.tbs_bytes(&self.f.keys.context.group_id, index)
            && let Ok(sig) = self.crypto.sign_with_label(&key, "LeafNodeTBS", &tbs)
        {
            leaf.signature = sig;
        }
    }

    fn resign_key_package(&self, kp: &mut KeyPackage) {
        let Some(key) = self.key_for(&kp.leaf_node.signature_key).cloned() else {
            return;
        };
        if let Ok(tbs) = kp.leaf_node.tbs_bytes(&[], LeafIndex(0))
            && let Ok(sig) = self.crypto.sign_with_label(&key, "LeafNodeTBS", &tbs)
        {
            kp.leaf_node.signature = sig;
        }
        if let Ok(tbs) = kp.tbs_bytes()
            && let Ok(sig) = self.crypto.sign_with_label(&key, "KeyPackageTBS", &tbs)
        {
            kp.signature = sig;
        }
    }

    fn mutate_key_package(&mut self, kp: &mut KeyPackage, s: &mut Script) {
        for _ in 0..=s.below(3) {
            match s.below(7) {
                0 => kp.version = ProtocolVersion(u16::from(s.u8() % 3)),
                1 => kp.cipher_suite = gen_suite(s),
                2 => kp.init_key = kp.leaf_node.encryption_key.clone(),
                3 => kp.init_key = self.some_key(s),
                4 => kp.extensions = self.gen_extensions(s),
                _ => self.mutate_leaf(&mut kp.leaf_node, s),
            }
        }
        if s.u8() != 0 {
            self.resign_key_package(kp);
        }
    }

    fn some_key(&mut self, s: &mut Script) -> HpkePublicKey {
        match s.below(3) {
            0 => HpkePublicKey(s.bytes(133)),
            _ => {
                let l = s.below(self.leaves.len());
                self.leaves[l].1.encryption_key.clone()
            }
        }
    }

    fn mutate_leaf(&mut self, leaf: &mut LeafNode, s: &mut Script) {
        match s.below(9) {
            0 => {
                let lifetime = Lifetime {
                    not_before: gen_time(s),
                    not_after: gen_time(s),
                };
                leaf.leaf_node_source = LeafNodeSource::KeyPackage(lifetime);
            }
            1 => mutate_capabilities(&mut leaf.capabilities, s),
            2 => {
                leaf.credential = match s.below(3) {
                    0 => Credential::basic(s.bytes(16)),
                    1 => Credential::X509 {
                        certificates: (0..s.below(3))
                            .map(|_| Certificate {
                                cert_data: s.bytes(32),
                            })
                            .collect(),
                    },
                    _ => {
                        let l = s.below(self.leaves.len());
                        self.leaves[l].1.credential.clone()
                    }
                }
            }
            3 => leaf.encryption_key = self.some_key(s),
            4 => {
                let l = s.below(self.keys.len());
                leaf.signature_key = self.keys[l].0.clone();
            }
            5 => {
                leaf.leaf_node_source = match s.below(3) {
                    0 => LeafNodeSource::Update,
                    1 => LeafNodeSource::Commit(s.bytes(64)),
                    _ => LeafNodeSource::KeyPackage(Lifetime {
                        not_before: 0,
                        not_after: u64::MAX,
                    }),
                }
            }
            6 => leaf.extensions = self.gen_extensions(s),
            7 => {
                if let LeafNodeSource::Commit(h) = &mut leaf.leaf_node_source {
                    mutate_bytes(h, s)
                }
            }
            _ => mutate_bytes(&mut leaf.signature, s),
        }
    }

    fn mutate_proposal(&mut self, p: &mut Proposal, s: &mut Script) {
        match p {
            Proposal::Add(add) => self.mutate_key_package(&mut add.key_package, s),
            Proposal::Update(u) => {
                self.mutate_leaf(&mut u.leaf_node, s);
                if s.u8() != 0 {
                    let leaf = self.f.sender_leaf;
                    self.resign_leaf(&mut u.leaf_node, leaf);
                }
            }
            Proposal::Remove(r) => r.removed = self.some_leaf(s),
            Proposal::GroupContextExtensions(g) => g.extensions = self.gen_extensions(s),
            Proposal::PreSharedKey(psk) => mutate_bytes(&mut psk.psk.psk_nonce, s),
            Proposal::ReInit(r) => r.cipher_suite = gen_suite(s),
            Proposal::ExternalInit(e) => mutate_bytes(&mut e.kem_output, s),
            Proposal::Custom(c) => mutate_bytes(&mut c.data, s),
        }
    }

    /// A proposal of any type, chosen by the script, valid or not.
    pub fn gen_proposal(&mut self, s: &mut Script) -> Proposal {
        match s.below(8) {
            0 | 1 => {
                let i = s.below(self.f.fresh.len());
                let mut key_package = self.f.fresh[i].key_package().clone();
                if s.bool() {
                    self.mutate_key_package(&mut key_package, s);
                }
                Proposal::Add(Add { key_package })
            }
            2 => Proposal::Remove(Remove {
                removed: self.some_leaf(s),
            }),
            3 => {
                let leaf = self.some_leaf(s);
                let mut leaf_node = self
                    .leaves
                    .iter()
                    .find(|(l, _)| *l == leaf)
                    .map(|(_, n)| n.clone())
                    .unwrap_or_else(|| self.leaves[0].1.clone());
                leaf_node.leaf_node_source = LeafNodeSource::Update;
                leaf_node.encryption_key = self.some_key(s);
                self.mutate_leaf(&mut leaf_node, s);
                self.resign_leaf(&mut leaf_node, leaf);
                Proposal::Update(Update { leaf_node })
            }
            4 => {
                let nonce_len = if s.bool() { 32 } else { s.below(70) };
                let psk = if s.bool() {
                    PskKind::External {
                        psk_id: s.bytes(16),
                    }
                } else {
                    PskKind::Resumption {
                        usage: match s.below(3) {
                            0 => ResumptionPskUsage::Application,
                            1 => ResumptionPskUsage::Reinit,
                            _ => ResumptionPskUsage::Branch,
                        },
                        psk_group_id: if s.bool() {
                            self.f.keys.context.group_id.clone()
                        } else {
                            s.bytes(16)
                        },
                        psk_epoch: self
                            .f
                            .keys
                            .context
                            .epoch
                            .wrapping_sub(u64::from(s.u8() % 4)),
                    }
                };
                Proposal::PreSharedKey(PreSharedKey {
                    psk: PreSharedKeyId {
                        psk,
                        psk_nonce: vec![s.u8(); nonce_len],
                    },
                })
            }
            5 => Proposal::ReInit(ReInit {
                group_id: s.bytes(16),
                version: ProtocolVersion(u16::from(s.u8() % 3)),
                cipher_suite: gen_suite(s),
                extensions: self.gen_extensions(s),
            }),
            6 => Proposal::ExternalInit(ExternalInit {
                kem_output: s.bytes(133),
            }),
            _ => Proposal::GroupContextExtensions(GroupContextExtensions {
                extensions: self.gen_extensions(s),
            }),
        }
    }

    fn gen_extensions(&mut self, s: &mut Script) -> Extensions {
        let mut list = Vec::new();
        for _ in 0..s.below(4) {
            let extension_type = match s.below(9) {
                0 => ExtensionType::APPLICATION_ID,
                1 => ExtensionType::RATCHET_TREE,
                2 | 3 => ExtensionType::REQUIRED_CAPABILITIES,
                4 => ExtensionType::EXTERNAL_PUB,
                5 | 6 => ExtensionType::EXTERNAL_SENDERS,
                7 => ExtensionType(0x0a0a),
                _ => ExtensionType(s.u16()),
            };
            let extension_data = if s.below(4) == 0 {
                s.bytes(32)
            } else if extension_type == ExtensionType::REQUIRED_CAPABILITIES {
                RequiredCapabilities {
                    extension_types: (0..s.below(3)).map(|_| gen_ext_type(s)).collect(),
                    proposal_types: (0..s.below(3)).map(|_| gen_proposal_type(s)).collect(),
                    credential_types: (0..s.below(3)).map(|_| gen_credential_type(s)).collect(),
                }
                .to_bytes()
                .unwrap_or_default()
            } else if extension_type == ExtensionType::EXTERNAL_SENDERS {
                let l = s.below(self.keys.len());
                ExternalSenders(vec![ExternalSender {
                    signature_key: self.keys[l].0.clone(),
                    credential: Credential::basic(b"external".to_vec()),
                }])
                .to_bytes()
                .unwrap_or_default()
            } else {
                s.bytes(32)
            };
            list.push(Extension {
                extension_type,
                extension_data,
            });
        }
        Extensions(list)
    }
}

fn mutate_bytes(b: &mut Vec<u8>, s: &mut Script) {
    match s.below(4) {
        0 if !b.is_empty() => {
            let i = s.below(b.len());
            b[i] ^= 1 << (s.u8() % 8);
        }
        1 => b.truncate(s.below(b.len() + 1)),
        2 => b.push(s.u8()),
        _ => *b = s.bytes(64),
    }
}

fn gen_time(s: &mut Script) -> u64 {
    match s.below(6) {
        0 => 0,
        1 => NOW.0 - 1_000_000,
        2 => NOW.0,
        3 => NOW.0 + 1_000_000,
        4 => u64::MAX,
        _ => s.u64(),
    }
}

fn gen_suite(s: &mut Script) -> CipherSuite {
    match s.below(3) {
        0 => CipherSuite(s.u16()),
        _ => CipherSuite(u16::from(s.u8() % 8)),
    }
}

fn gen_ext_type(s: &mut Script) -> ExtensionType {
    match s.below(3) {
        0 => ExtensionType(s.u16()),
        1 => ExtensionType(0x1a1a),
        _ => ExtensionType(u16::from(s.u8() % 7)),
    }
}

fn gen_proposal_type(s: &mut Script) -> ProposalType {
    match s.below(3) {
        0 => ProposalType(s.u16()),
        1 => ProposalType(0x2a2a),
        _ => ProposalType(u16::from(s.u8() % 9)),
    }
}

fn gen_credential_type(s: &mut Script) -> CredentialType {
    match s.below(3) {
        0 => CredentialType(s.u16()),
        1 => CredentialType(0x3a3a),
        _ => CredentialType(u16::from(s.u8() % 3)),
    }
}

fn mutate_capabilities(c: &mut Capabilities, s: &mut Script) {
    match s.below(10) {
        0 => c.versions.clear(),
        1 => c.versions.push(ProtocolVersion(s.u16())),
        2 => c.cipher_suites.clear(),
        3 => c.cipher_suites.push(gen_suite(s)),
        4 => c.extensions.push(gen_ext_type(s)),
        5 => c.extensions.clear(),
        6 => c.proposals.push(gen_proposal_type(s)),
        7 => c.proposals.clear(),
        8 => c.credentials.push(gen_credential_type(s)),
        _ => c.credentials.clear(),
    }
}
