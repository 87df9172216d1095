//! A simulated group: members commit adds, removes and updates with
//! UpdatePaths over many epochs; every member and every joiner must agree
//! on the tree and the commit secret, hold private keys consistent with
//! the tree, and the tree must stay valid (parent hashes included).
//! Exercises TreeDiff, TreeKEM and parent hashes with blanks, unmerged
//! leaves, truncation and extension (RFC 9420 §7, §12.1, §12.4.3.1).

use rand_core::Rng;
use rfc9420::codec::Encode;
use rfc9420::crypto::{
    CipherSuite, HpkePrivateKey, RustCryptoProvider, Secret, SignaturePrivateKey, SuiteCrypto,
};
use rfc9420::group::welcome::{find_own_leaf, joiner_private_state};
use rfc9420::messages::{GroupSecrets, PathSecret, RatchetTreeExtension};
use rfc9420::tree::treekem::{
    TreeKemPrivate, decrypt_update_path, encrypt_update_path, merge_update_path,
    prepare_update_path,
};
use rfc9420::tree::validate::validate_tree;
use rfc9420::tree::{LeafIndex, LeafNode, LeafNodeSource, RatchetTree, TreeDiff, TreeView};

use rfc9420_test_support::rng;
use rfc9420_test_support::tree_fixture;

use rng::TestRng;
use tree_fixture::{leaf_context, make_leaf, sign_leaf};

struct Member {
    tree: RatchetTree,
    private: TreeKemPrivate,
    signer: SignaturePrivateKey,
}

enum Change {
    Add(LeafNode, SignaturePrivateKey, HpkePrivateKey),
    Remove(LeafIndex),
    Update(LeafIndex, LeafNode, HpkePrivateKey),
}

fn check_valid(crypto: &SuiteCrypto<'_>, tree: &RatchetTree, group_id: &[u8]) {
    let ctx = leaf_context(group_id);
    let hash = tree.tree_hash().to_vec();
    validate_tree(crypto, tree, &hash, &ctx).expect("tree valid after commit");
    // The cached hashes and key indexes match a fresh import.
    let fresh = RatchetTree::from_nodes(crypto, tree.to_nodes()).unwrap();
    assert!(fresh == *tree, "merged tree differs from a fresh import");
    check_encoding(tree, "merged");
    check_encoding(&fresh, "imported");
    check_resolution_counts(tree);
}

/// The node list written from cached node encodings (a tree's, or a
/// diff's unchanged nodes) is the one encoded from cloned nodes.
fn check_encoding(view: &impl TreeView, what: &str) {
    let expected = RatchetTreeExtension(view.to_nodes()).to_bytes().unwrap();
    assert_eq!(
        view.node_list_bytes().unwrap(),
        expected,
        "{what} tree encoding"
    );
}

/// `resolution_len_excluding` counts what `resolution_excluding` lists,
/// for every node, with nothing, the odd leaves and every leaf excluded.
fn check_resolution_counts(tree: &RatchetTree) {
    let excludes: [&dyn Fn(LeafIndex) -> bool; 3] =
        [&|_| false, &|l: LeafIndex| l.0 % 2 == 1, &|_| true];
    for exclude in excludes {
        for x in 0..tree.size().node_count() {
            let node = rfc9420::tree::NodeIndex(x);
            let mut listed = Vec::new();
            tree.resolution_excluding(node, exclude, &mut listed);
            assert_eq!(tree.resolution_len_excluding(node, exclude), listed.len());
        }
    }
}

fn simulate(suite: CipherSuite, epochs: usize, seed: u64) {
    let provider = RustCryptoProvider;
    let crypto = SuiteCrypto::new(&provider, suite).unwrap();
    let group_id = b"simulated group".to_vec();
    let mut rng = TestRng::new(seed);

    let (leaf, signer, private) = make_leaf(&crypto, &group_id, LeafIndex(0), None, &mut rng);
    let tree = RatchetTree::new(&crypto, leaf.clone()).unwrap();
    let state = TreeKemPrivate::new(LeafIndex(0), leaf.encryption_key, private).unwrap();
    let mut members: Vec<Option<Member>> = vec![Some(Member {
        tree,
        private: state,
        signer,
    })];
    let (mut adds_done, mut removes_done, mut updates_done, mut largest) = (0, 0, 0, 1);

    for epoch in 0..epochs {
        let present: Vec<usize> = (0..members.len())
            .filter(|i| members[*i].is_some())
            .collect();
        let committer = present[rng.next_u32() as usize % present.len()];
        let mut changes = Vec::new();
        // Updates from others, then removes, then adds (RFC 9420 §12.3 order).
        for &m in &present {
            if m != committer && rng.next_u32().is_multiple_of(6) {
                let me = members[m].as_ref().unwrap();
                let leaf_index = LeafIndex(m as u32);
                let mut leaf = me.tree.leaf(leaf_index).unwrap().clone();
                let (private, public) = crypto.generate_hpke_key_pair(&mut rng).unwrap();
                leaf.encryption_key = public;
                leaf.leaf_node_source = LeafNodeSource::Update;
                sign_leaf(&crypto, &mut leaf, &me.signer, &group_id, leaf_index);
                changes.push(Change::Update(leaf_index, leaf, private));
            }
        }
        for &m in &present {
            let updated = changes
                .iter()
                .any(|c| matches!(c, Change::Update(l, ..) if l.0 as usize == m));
            if m != committer && !updated && rng.next_u32().is_multiple_of(5) {
                changes.push(Change::Remove(LeafIndex(m as u32)));
            }
        }
        let adds = if present.len() < 24 {
            1 + rng.next_u32() % 4
        } else {
            rng.next_u32() % 2
        };
        for _ in 0..adds {
            // The leaf index is unknown until the add is applied; sign for a
            // placeholder and re-sign once placed (KeyPackage leaves carry no
            // index in their signature anyway).
            let (leaf, signer, private) =
                make_leaf(&crypto, &group_id, LeafIndex(0), None, &mut rng);
            changes.push(Change::Add(leaf, signer, private));
        }

        // Each party applies the same proposals to its own tree.
        let apply = |diff: &mut TreeDiff<'_>| -> Vec<LeafIndex> {
            let mut added = Vec::new();
            for c in &changes {
                match c {
                    Change::Update(l, leaf, _) => diff.update_leaf(*l, leaf.clone()).unwrap(),
                    Change::Remove(l) => diff.remove_leaf(*l).unwrap(),
                    Change::Add(..) => {}
                }
            }
            for c in &changes {
                if let Change::Add(leaf, ..) = c {
                    added.push(diff.add_leaf(leaf.clone()).unwrap());
                }
            }
            added
        };

        for c in &changes {
            match c {
                Change::Add(..) => adds_done += 1,
                Change::Remove(..) => removes_done += 1,
                Change::Update(..) => updates_done += 1,
            }
        }
        let sender = LeafIndex(committer as u32);
        let context = format!("epoch {epoch}").into_bytes();
        let c = members[committer].as_ref().unwrap();
        let mut diff = TreeDiff::new(&c.tree);
        let added = apply(&mut diff);
        let exclude = |l: LeafIndex| added.contains(&l);
        let template = diff.leaf(sender).unwrap().clone();
        let pending = prepare_update_path(
            &crypto, &mut diff, sender, template, &c.signer, &group_id, &mut rng,
        )
        .unwrap();
        let path =
            encrypt_update_path(&crypto, &diff, &pending, &context, &exclude, &mut rng).unwrap();
        check_encoding(&diff, "staged");
        let staged = diff.into_staged(&crypto).unwrap();

        // Everyone else processes the path on its own copy.
        let mut next: Vec<Option<Member>> = (0..members.len()).map(|_| None).collect();
        for &m in &present {
            if m == committer
                || changes
                    .iter()
                    .any(|c| matches!(c, Change::Remove(l) if l.0 as usize == m))
            {
                continue;
            }
            let me = members[m].as_ref().unwrap();
            let mut diff = TreeDiff::new(&me.tree);
            let their_added = apply(&mut diff);
            assert_eq!(their_added, added);
            merge_update_path(&crypto, &mut diff, sender, &path).unwrap();
            let mut own = me.private.clone();
            if let Some(Change::Update(_, leaf, private)) = changes
                .iter()
                .find(|c| matches!(c, Change::Update(l, ..) if l.0 as usize == m))
            {
                own = TreeKemPrivate::new(
                    LeafIndex(m as u32),
                    leaf.encryption_key.clone(),
                    private.clone(),
                )
                .unwrap();
            }
            let received =
                decrypt_update_path(&crypto, &diff, sender, &path, &own, &context, &exclude)
                    .unwrap_or_else(|e| panic!("epoch {epoch}: member {m} cannot decrypt: {e}"));
            assert_eq!(
                received.commit_secret, pending.commit_secret,
                "epoch {epoch}: member {m}"
            );
            let their_staged = diff.into_staged(&crypto).unwrap();
            assert_eq!(their_staged.tree_hash(), staged.tree_hash());
            let mut tree = me.tree.clone();
            tree.merge(their_staged).unwrap();
            let mut private = received.private;
            private.prune(&tree);
            private.check_consistent(&tree).unwrap();
            next[m] = Some(Member {
                tree,
                private,
                signer: me.signer.clone(),
            });
        }

        let mut tree = members[committer].as_ref().unwrap().tree.clone();
        tree.merge(staged).unwrap();
        check_valid(&crypto, &tree, &group_id);
        let mut private = pending.private.clone();
        private.prune(&tree);
        private.check_consistent(&tree).unwrap();
        let signer = members[committer].as_ref().unwrap().signer.clone();
        next[committer] = Some(Member {
            tree: tree.clone(),
            private,
            signer,
        });

        // Joiners get the tree and the path secret of their common ancestor.
        let joiners = changes.iter().filter_map(|c| match c {
            Change::Add(leaf, signer, hpke) => Some((leaf, signer, hpke)),
            _ => None,
        });
        for ((leaf, signer, hpke), l) in joiners.zip(&added) {
            // As a Welcome delivers it: find the leaf, then take the path
            // secret of the lowest common ancestor with the committer.
            assert_eq!(find_own_leaf(&tree, leaf).unwrap(), *l);
            let (_, secret) = pending
                .path_secret_for(tree.size(), *l)
                .expect("joiner below the path");
            let secrets = GroupSecrets {
                joiner_secret: Secret::zero(32),
                path_secret: Some(PathSecret {
                    path_secret: secret.clone(),
                }),
                psks: vec![],
            };
            let state =
                joiner_private_state(&crypto, &tree, *l, hpke.clone(), sender, &secrets).unwrap();
            state.check_consistent(&tree).unwrap();
            if next.len() <= l.as_usize() {
                next.resize_with(l.as_usize() + 1, || None);
            }
            next[l.as_usize()] = Some(Member {
                tree: tree.clone(),
                private: state,
                signer: signer.clone(),
            });
        }
        for (i, m) in next.iter().enumerate() {
            if let Some(m) = m {
                assert_eq!(
                    m.tree.tree_hash(),
                    tree.tree_hash(),
                    "epoch {epoch}: member {i} disagrees"
                );
            }
        }
        largest = largest.max(next.iter().flatten().count());
        members = next;
    }
    // The run must have exercised every kind of change on a sizeable group.
    assert!(
        adds_done > 0 && removes_done > 0 && updates_done > 0,
        "{adds_done} {removes_done} {updates_done}"
    );
    assert!(largest >= 10, "group never grew past {largest}");
}

#[test]
fn suite_1_group_evolves() {
    simulate(
        CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519,
        40,
        1,
    );
}

#[test]
fn suite_2_group_evolves() {
    simulate(CipherSuite::MLS_128_DHKEMP256_AES128GCM_SHA256_P256, 15, 2);
}

#[test]
fn suite_4_group_evolves() {
    simulate(CipherSuite::MLS_256_DHKEMX448_AES256GCM_SHA512_ED448, 10, 4);
}

/// The benches' full-tree fixture works for any member count: the tree
/// validates (parent hashes with blank subtrees right of the members
/// included) and every member's private state matches it.
#[test]
fn full_fixture_of_any_member_count_is_valid() {
    let crypto = SuiteCrypto::new(
        &RustCryptoProvider,
        CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519,
    )
    .unwrap();
    let mut rng = TestRng::new(99);
    for n in [1, 2, 3, 5, 6, 7, 8, 9, 100] {
        let f = tree_fixture::full_tree(&crypto, n, &mut rng);
        let tree = RatchetTree::from_nodes(&crypto, f.nodes.clone()).unwrap();
        assert_eq!(tree.members().count(), n as usize);
        check_valid(&crypto, &tree, &f.group_id);
        for leaf in 0..n {
            f.private_state(LeafIndex(leaf))
                .check_consistent(&tree)
                .unwrap_or_else(|e| panic!("{n} members, leaf {leaf}: {e}"));
        }
    }
}
