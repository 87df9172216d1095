//! Message protection costs, suite 1 (RFC 9420 §6), in a group of 2^10
//! leaves whose sender ratchets are already initialized.
//!
//! - `private/protect/N`: sign and encrypt N bytes of application data as
//!   a PrivateMessage (default padding), including taking the next key
//!   from the sender's ratchet.
//! - `private/unprotect/N`: decrypt the sender data and content, verify
//!   the signature and merge the used key into a copy of the secret tree
//!   (the copy is made outside the timed part).
//! - `public/protect`: sign a Remove proposal and add its membership tag.
//! - `public/unprotect`: check the membership tag and the signature.

use std::hint::black_box;

use criterion::{BatchSize, BenchmarkId, Criterion, criterion_group, criterion_main};
use rfc9420::crypto::{
    CipherSuite, RustCryptoProvider, Secret, SignaturePrivateKey, SignaturePublicKey, SuiteCrypto,
};
use rfc9420::framing::{
    AuthenticatedContent, FramedContent, FramedContentBody, Padding, PrivateMessage, PublicMessage,
    Sender,
};
use rfc9420::key_schedule::GroupContext;
use rfc9420::messages::{Extensions, Proposal, ProtocolVersion, Remove, WireFormat};
use rfc9420::secret_tree::{RatchetType, SecretTree};
use rfc9420::tree::{LeafIndex, TreeSize};

use rfc9420_test_support::rng;

use rng::TestRng;

const SUITE: CipherSuite = CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519;
const LEAVES: u32 = 1 << 10;
const SENDER: LeafIndex = LeafIndex(LEAVES / 2 + 1);

struct Group {
    suite: SuiteCrypto<'static>,
    context: GroupContext,
    signer: SignaturePrivateKey,
    verifier: SignaturePublicKey,
    sender_data_secret: Secret,
    membership_key: Secret,
    tree: SecretTree,
}

fn group() -> Group {
    let suite = SuiteCrypto::new(&RustCryptoProvider, SUITE).expect("suite 1 is supported");
    let (signer, verifier) = suite
        .generate_signature_key_pair(&mut TestRng::new(1))
        .expect("key pair");
    let size = TreeSize::for_leaves(LEAVES).expect("valid size");
    let mut tree = SecretTree::new(Secret::from_slice(&[1; 32]), size);
    // Initialize the sender's ratchets, as after its first message.
    for ratchet in [RatchetType::Application, RatchetType::Handshake] {
        tree.next_encryption_key(&suite, SENDER, ratchet)
            .expect("key");
    }
    Group {
        suite,
        context: GroupContext {
            version: ProtocolVersion::MLS10,
            cipher_suite: SUITE,
            group_id: vec![0x42; 32],
            epoch: 7,
            tree_hash: vec![0x5a; 32],
            confirmed_transcript_hash: vec![0xa5; 32],
            extensions: Extensions::new(),
        },
        signer,
        verifier,
        sender_data_secret: Secret::from_slice(&[2; 32]),
        membership_key: Secret::from_slice(&[3; 32]),
        tree,
    }
}

impl Group {
    fn framed(&self, body: FramedContentBody) -> FramedContent {
        FramedContent {
            group_id: self.context.group_id.clone(),
            epoch: self.context.epoch,
            sender: Sender::Member(SENDER),
            authenticated_data: Vec::new(),
            content: body,
        }
    }

    fn sign(&self, wire_format: WireFormat, body: FramedContentBody) -> AuthenticatedContent {
        AuthenticatedContent::sign(
            &self.suite,
            &self.signer,
            wire_format,
            self.framed(body),
            Some(&self.context),
        )
        .expect("sign")
    }

    /// Signs and encrypts application data from the sender.
    fn send(&mut self, body: FramedContentBody, rng: &mut TestRng) -> PrivateMessage {
        let signed = self.sign(WireFormat::PRIVATE_MESSAGE, body);
        PrivateMessage::protect(
            &self.suite,
            &signed,
            &mut self.tree,
            &self.sender_data_secret,
            Padding::DEFAULT,
            rng,
        )
        .expect("protect")
    }
}

fn private(c: &mut Criterion) {
    let mut g = c.benchmark_group("private");
    g.sample_size(20);
    let mut group = group();
    let mut rng = TestRng::new(2);
    for len in [64usize, 1024] {
        let body = FramedContentBody::Application(vec![0x61; len]);
        g.bench_with_input(BenchmarkId::new("protect", len), &body, |b, body| {
            b.iter(|| group.send(body.clone(), &mut rng))
        });

        // The receiver: its ratchet for the sender is at the generation of
        // the next message.
        let receiver = group.tree.clone();
        let size = receiver.size();
        let message = group.send(body, &mut rng);
        g.bench_with_input(BenchmarkId::new("unprotect", len), &message, |b, m| {
            b.iter_batched(
                || receiver.clone(),
                |mut tree| {
                    let decrypted = black_box(m)
                        .decrypt(
                            &group.suite,
                            &group.context,
                            &tree,
                            &group.sender_data_secret,
                            |leaf| size.contains_leaf(leaf),
                        )
                        .expect("decrypt");
                    decrypted
                        .verify_and_merge(&group.suite, &group.verifier, &mut tree)
                        .expect("verify")
                },
                BatchSize::SmallInput,
            )
        });
    }
    g.finish();
}

fn public(c: &mut Criterion) {
    let mut g = c.benchmark_group("public");
    g.sample_size(20);
    let group = group();
    let body = FramedContentBody::Proposal(Proposal::Remove(Remove {
        removed: LeafIndex(3),
    }));
    g.bench_function("protect", |b| {
        b.iter(|| {
            let signed = group.sign(WireFormat::PUBLIC_MESSAGE, black_box(body.clone()));
            PublicMessage::protect_member(
                &group.suite,
                signed,
                &group.context,
                &group.membership_key,
            )
            .expect("protect")
        })
    });
    let signed = group.sign(WireFormat::PUBLIC_MESSAGE, body);
    let message =
        PublicMessage::protect_member(&group.suite, signed, &group.context, &group.membership_key)
            .expect("protect");
    g.bench_function("unprotect", |b| {
        b.iter_batched(
            || message.clone(),
            |m| {
                m.unprotect(&group.suite, &group.context, &group.membership_key)
                    .expect("membership tag")
                    .verify(&group.suite, &group.verifier)
                    .expect("signature")
            },
            BatchSize::SmallInput,
        )
    });
    g.finish();
}

criterion_group!(benches, private, public);
criterion_main!(benches);
