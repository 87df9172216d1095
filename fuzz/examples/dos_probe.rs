//! Times how the receiver handles large hostile handshakes that a
//! malicious member signs and tags properly: a commit with N proposals of
//! one shape, N = 1,000, 4,000 and 16,000. libFuzzer's inputs stay small,
//! so super-linear costs in the size of a message are probed here: the
//! time per proposal should stay flat as N grows.
//!
//! ```text
//! cd fuzz && cargo run --release --example dos_probe
//! ```

use std::time::Instant;

use rfc9420::codec::Encode;
use rfc9420::framing::MlsMessageBody;
use rfc9420::framing::{FramedContentBody, PublicMessage, Sender};
use rfc9420::messages::extension::{Extension, ExtensionType};
use rfc9420::messages::{
    Add, GroupContextExtensions, PreSharedKey, PreSharedKeyId, ProposalOrRef, ProposalRef,
    ProtocolVersion, PskKind, Remove, WireFormat,
};
use rfc9420::{Extensions, LeafIndex, MlsMessage, Proposal, RustCryptoProvider, SuiteCrypto};
use rfc9420_fuzz::fixtures::{self, NOW};

fn main() {
    let f = &fixtures::all()[0];
    let crypto = SuiteCrypto::new(&RustCryptoProvider, f.spec.suite).expect("suite");
    let sample = f
        .samples
        .iter()
        .find(|s| s.label == "commit-remove")
        .expect("commit sample");
    let base = sample.content.clone().expect("content");
    let signer = &f
        .signers
        .iter()
        .find(|(l, _, _)| *l == f.sender_leaf)
        .expect("sender key")
        .2;
    let kp = f.fresh[0].key_package().clone();
    type Shape = (&'static str, Box<dyn Fn(usize) -> ProposalOrRef>);
    let shapes: Vec<Shape> = vec![
        (
            "Remove of one leaf, repeated",
            Box::new(|_| {
                ProposalOrRef::Proposal(Box::new(Proposal::Remove(Remove {
                    removed: LeafIndex(1),
                })))
            }),
        ),
        (
            "Remove of distinct leaves outside the tree",
            Box::new(|i| {
                ProposalOrRef::Proposal(Box::new(Proposal::Remove(Remove {
                    removed: LeafIndex(100 + i as u32),
                })))
            }),
        ),
        (
            "unknown references",
            Box::new(|i| ProposalOrRef::Reference(ProposalRef((i as u64).to_be_bytes().repeat(4)))),
        ),
        (
            "Add of one KeyPackage, repeated",
            Box::new(move |_| {
                ProposalOrRef::Proposal(Box::new(Proposal::Add(Add {
                    key_package: kp.clone(),
                })))
            }),
        ),
        (
            "external PSKs with distinct ids",
            Box::new(|i| {
                ProposalOrRef::Proposal(Box::new(Proposal::PreSharedKey(PreSharedKey {
                    psk: PreSharedKeyId {
                        psk: PskKind::External {
                            psk_id: (i as u64).to_be_bytes().to_vec(),
                        },
                        psk_nonce: vec![0; 32],
                    },
                })))
            }),
        ),
        (
            "GroupContextExtensions, repeated",
            Box::new(|_| {
                ProposalOrRef::Proposal(Box::new(Proposal::GroupContextExtensions(
                    GroupContextExtensions {
                        extensions: Extensions(vec![Extension {
                            extension_type: ExtensionType(0xff00),
                            extension_data: vec![],
                        }]),
                    },
                )))
            }),
        ),
    ];
    println!("| shape | N | bytes | time | per proposal | error |");
    println!("|---|---:|---:|---:|---:|---|");
    for (name, make) in &shapes {
        for n in [1_000usize, 4_000, 16_000, 64_000] {
            let mut ac = base.clone();
            let FramedContentBody::Commit(c) = &mut ac.content.content else {
                unreachable!()
            };
            c.proposals = (0..n).map(make).collect();
            ac.wire_format = WireFormat::PUBLIC_MESSAGE;
            let tbs = ac
                .content
                .tbs_bytes(WireFormat::PUBLIC_MESSAGE, Some(&f.keys.context))
                .expect("tbs");
            ac.auth.signature = crypto
                .sign_with_label(signer, "FramedContentTBS", &tbs)
                .expect("sign");
            let mut m = PublicMessage {
                content: ac.content,
                auth: ac.auth,
                membership_tag: None,
            };
            assert!(matches!(m.content.sender, Sender::Member(_)));
            let tbm = m.tbm_bytes(&f.keys.context).expect("tbm");
            m.membership_tag = Some(
                crypto
                    .mac(f.keys.secrets.membership_key.as_bytes(), &tbm)
                    .expect("mac"),
            );
            let bytes = MlsMessage {
                version: ProtocolVersion::MLS10,
                body: MlsMessageBody::PublicMessage(m),
            }
            .to_bytes()
            .expect("encode");
            let mut g = fixtures::restore(&f.config, &f.receiver);
            let t = Instant::now();
            let r = g.process_message(&bytes, NOW);
            let dt = t.elapsed();
            let err = match r {
                Ok(_) => "accepted".to_string(),
                Err(e) => format!("{e:?}").chars().take(60).collect(),
            };
            println!(
                "| {name} | {n} | {} | {:.1} ms | {:.2} µs | {err} |",
                bytes.len(),
                dt.as_secs_f64() * 1e3,
                dt.as_secs_f64() * 1e6 / n as f64
            );
        }
    }
}
