//! Verifying many signatures at once (`SuiteCrypto::verify_with_label_many`,
//! Ed25519 batch verification in `RustCryptoProvider`) accepts and rejects
//! exactly what verifying each one in order does, and names the same
//! first failure with the same error, on every signature of the official
//! vectors that the joiner's check covers:
//!
//! - every leaf of every tree in `tree-validation.json` and
//!   `treekem.json` (`LeafNodeTBS`, with the vector's group ID);
//! - the leaf and the KeyPackage of every `passive-client-welcome.json`
//!   vector (`LeafNodeTBS` of a `key_package` leaf, `KeyPackageTBS`);
//!
//! grouped by suite, whole and with one signature broken in each of
//! several ways at several positions (both sides of a batch boundary):
//! a bit flipped in `R`, in `s` and in the signed content; `R` replaced
//! by a non-canonical encoding (`y = p`, and `x = -0`); the public key
//! replaced by the identity (small order); a truncated signature.
//!
//! Run with and without `--features parallel`: both must pass.

use rfc9420::codec::decode_exact;
use rfc9420::crypto::{CipherSuite, RustCryptoProvider, SignaturePublicKey, SuiteCrypto};
use rfc9420::framing::{MlsMessage, MlsMessageBody};
use rfc9420::tree::{LeafIndex, Node};
use serde_json::Value;

use rfc9420_test_support::vector_files;

/// One signed item: key, label, content, signature.
#[derive(Clone)]
struct Item {
    key: SignaturePublicKey,
    label: &'static str,
    content: Vec<u8>,
    signature: Vec<u8>,
}

fn hex(v: &Value) -> Vec<u8> {
    hex::decode(v.as_str().expect("hex string")).expect("hex")
}

fn suite_of(v: &Value) -> CipherSuite {
    CipherSuite(v["cipher_suite"].as_u64().expect("cipher_suite") as u16)
}

/// The leaves of an encoded tree, signed for `group_id`.
fn tree_items(tree: &[u8], group_id: &[u8]) -> Vec<Item> {
    let nodes: Vec<Option<Node>> = decode_exact(tree).expect("tree");
    nodes
        .iter()
        .enumerate()
        .filter_map(|(i, node)| match node {
            Some(Node::Leaf(leaf)) => {
                let index = LeafIndex((i / 2) as u32);
                Some(Item {
                    key: leaf.signature_key.clone(),
                    label: "LeafNodeTBS",
                    content: leaf.tbs_bytes(group_id, index).expect("tbs"),
                    signature: leaf.signature.clone(),
                })
            }
            _ => None,
        })
        .collect()
}

/// Every item of the vectors, by suite (index = suite - 1).
fn vector_items() -> Vec<Vec<Item>> {
    let mut by_suite: Vec<Vec<Item>> = vec![Vec::new(); 7];
    let mut push = |suite: CipherSuite, items: Vec<Item>| {
        if let Some(list) = by_suite.get_mut(usize::from(suite.0).wrapping_sub(1)) {
            list.extend(items);
        }
    };
    for v in vector_files::load("tree-validation.json") {
        push(
            suite_of(&v),
            tree_items(&hex(&v["tree"]), &hex(&v["group_id"])),
        );
    }
    for v in vector_files::load("treekem.json") {
        push(
            suite_of(&v),
            tree_items(&hex(&v["ratchet_tree"]), &hex(&v["group_id"])),
        );
    }
    for v in vector_files::load("passive-client-welcome.json") {
        let message: MlsMessage = decode_exact(&hex(&v["key_package"])).expect("key package");
        let MlsMessageBody::KeyPackage(kp) = message.body else {
            panic!("expected a KeyPackage");
        };
        let leaf = &kp.leaf_node;
        let leaf_item = Item {
            key: leaf.signature_key.clone(),
            label: "LeafNodeTBS",
            content: leaf.tbs_bytes(&[], LeafIndex(0)).expect("tbs"),
            signature: leaf.signature.clone(),
        };
        let kp_item = Item {
            key: leaf.signature_key.clone(),
            label: "KeyPackageTBS",
            content: kp.tbs_bytes().expect("tbs"),
            signature: kp.signature.clone(),
        };
        push(suite_of(&v), vec![leaf_item, kp_item]);
    }
    by_suite
}

/// Both ways on `items`: one `verify_with_label_many` per label run
/// (items of one label in a row), against one `verify_with_label` each in
/// order. Returns whether all verified.
fn compare(crypto: &SuiteCrypto<'_>, items: &[Item], what: &str) -> bool {
    // The first failure, one at a time.
    let single = items.iter().enumerate().find_map(|(i, it)| {
        crypto
            .verify_with_label(&it.key, it.label, &it.content, &it.signature)
            .err()
            .map(|e| (i, e))
    });
    // The same through the batch API, label by label in order.
    let mut batched = None;
    let mut start = 0;
    while start < items.len() && batched.is_none() {
        let label = items[start].label;
        let end = items[start..]
            .iter()
            .position(|it| it.label != label)
            .map_or(items.len(), |k| start + k);
        let run: Vec<(&SignaturePublicKey, &[u8], &[u8])> = items[start..end]
            .iter()
            .map(|it| (&it.key, it.content.as_slice(), it.signature.as_slice()))
            .collect();
        if let Err(failed) = crypto.verify_with_label_many(label, &run) {
            batched = Some((start + failed.index, failed.error));
        }
        start = end;
    }
    assert_eq!(batched, single, "suite {}: {what}", crypto.suite().0);
    single.is_none()
}

/// Positions to break: the middle; with `dense`, also both ends, both
/// sides of the batch boundaries (1,024 signatures; 256 and 512 as
/// earlier sizes), and every 97th.
fn positions(len: usize, dense: bool) -> Vec<usize> {
    let mut p = vec![len / 2];
    if dense {
        p.extend([0, len.saturating_sub(1)]);
        p.extend([1, 255, 256, 257, 511, 512, 1023, 1024, 1025]);
        p.extend((0..len).step_by(97));
    }
    p.retain(|i| *i < len);
    p.sort_unstable();
    p.dedup();
    p
}

#[test]
fn batch_verification_matches_single_on_the_vectors() {
    let mut total = 0;
    let mut broken = 0;
    for (k, items) in vector_items().into_iter().enumerate() {
        let suite = CipherSuite(k as u16 + 1);
        let crypto = SuiteCrypto::new(&RustCryptoProvider, suite).expect("suite");
        assert!(!items.is_empty(), "suite {}: no signatures", suite.0);
        assert!(compare(&crypto, &items, "the vectors' signatures"));
        total += items.len();
        // Ed25519 suites take the batch path: break signatures at many
        // positions; the others at a few.
        let ed25519 = matches!(suite.0, 1 | 3);
        for i in positions(items.len(), ed25519) {
            let mut mutations: Vec<(&str, Item)> = Vec::new();
            let original = &items[i];
            let mut m = original.clone();
            m.signature[0] ^= 0x01;
            mutations.push(("bit flipped in R", m));
            let mut m = original.clone();
            let s = m.signature.len() - 2;
            m.signature[s] ^= 0x01;
            mutations.push(("bit flipped near the end", m));
            let mut m = original.clone();
            if let Some(b) = m.content.last_mut() {
                *b ^= 0x80;
            }
            mutations.push(("bit flipped in the content", m));
            let mut m = original.clone();
            m.signature.pop();
            mutations.push(("truncated signature", m));
            if ed25519 {
                // y = p: a non-canonical encoding of y = 0.
                let mut m = original.clone();
                m.signature[..32].fill(0xff);
                m.signature[0] = 0xed;
                m.signature[31] = 0x7f;
                mutations.push(("R with y = p", m));
                // y = 1 with the sign bit set: x = -0.
                let mut m = original.clone();
                m.signature[..32].fill(0);
                m.signature[0] = 1;
                m.signature[31] = 0x80;
                mutations.push(("R = identity with x = -0", m));
                let mut m = original.clone();
                let mut identity = vec![0u8; 32];
                identity[0] = 1;
                m.key = SignaturePublicKey(identity);
                mutations.push(("identity public key", m));
            }
            for (what, m) in mutations {
                let mut list = items.clone();
                list[i] = m;
                assert!(
                    !compare(&crypto, &list, &format!("{what} at {i}")),
                    "suite {}: {what} at {i} accepted",
                    suite.0
                );
                broken += 1;
            }
        }
    }
    eprintln!("{total} vector signatures compared whole, {broken} broken sets compared");
}

/// Signatures this test makes itself, enough for several batches, with
/// two broken ones: the first is named.
#[test]
fn first_failure_is_named_across_batches() {
    let suite = CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519;
    let crypto = SuiteCrypto::new(&RustCryptoProvider, suite).expect("suite");
    let mut rng = rand_core::UnwrapErr(getrandom::SysRng);
    let (sk, pk) = crypto.generate_signature_key_pair(&mut rng).expect("key");
    let items: Vec<Item> = (0..2100u32)
        .map(|i| {
            let content = i.to_be_bytes().to_vec();
            Item {
                key: pk.clone(),
                label: "LeafNodeTBS",
                signature: crypto
                    .sign_with_label(&sk, "LeafNodeTBS", &content)
                    .expect("sign"),
                content,
            }
        })
        .collect();
    assert!(compare(&crypto, &items, "2,100 valid signatures"));
    for (a, b) in [(3, 1500), (1100, 1101), (2099, 0), (1024, 1023)] {
        let mut list = items.clone();
        list[a].signature[5] ^= 0x10;
        list[b].content.push(0);
        assert!(!compare(&crypto, &list, &format!("broken at {a} and {b}")));
    }
}
