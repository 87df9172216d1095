//! Writes the seed corpus of every target to `fuzz/seeds/TARGET/`, from
//! the official vectors in `test-vectors/` and from the fixture groups.
//! Deterministic: re-running it rewrites the same files (and keeps the
//! inputs campaigns added, which have libFuzzer's 40-digit names).
//!
//! ```text
//! cd fuzz && cargo run --example gen_seeds
//! ```

use std::collections::BTreeMap;
use std::path::Path;

use rfc9420::MlsMessage;
use rfc9420::codec::{Encode, decode_exact};
use rfc9420::framing::FramedContentBody;
use rfc9420::framing::MlsMessageBody;
use rfc9420::messages::{ProposalOrRef, ProtocolVersion};
use rfc9420_fuzz::fixtures;
use rfc9420_fuzz::targets::TARGETS;
use sha2::Digest;

/// How many entries of each vector file to take (the files repeat the
/// same structures for every suite).
const PER_FILE: usize = 4;

type Seeds = BTreeMap<&'static str, Vec<Vec<u8>>>;

fn vectors(dir: &Path, name: &str) -> Vec<serde_json::Value> {
    let text = std::fs::read_to_string(dir.join(name)).expect("vector file");
    let v: Vec<serde_json::Value> = serde_json::from_str(&text).expect("JSON");
    v.into_iter().take(PER_FILE).collect()
}

fn hex_field(v: &serde_json::Value, field: &str) -> Option<Vec<u8>> {
    hex::decode(v.get(field)?.as_str()?).ok()
}

fn from_vectors(dir: &Path, seeds: &mut Seeds) {
    let mut add = |target: &'static str, bytes: Option<Vec<u8>>| {
        if let Some(b) = bytes {
            seeds.entry(target).or_default().push(b);
        }
    };
    for v in vectors(dir, "messages.json") {
        for field in [
            "mls_welcome",
            "mls_group_info",
            "mls_key_package",
            "public_message_application",
            "public_message_proposal",
            "public_message_commit",
            "private_message",
        ] {
            add("decode_mls_message", hex_field(&v, field));
        }
        add("decode_ratchet_tree", hex_field(&v, "ratchet_tree"));
        add("decode_commit", hex_field(&v, "commit"));
        for field in [
            "add_proposal",
            "update_proposal",
            "remove_proposal",
            "pre_shared_key_proposal",
            "re_init_proposal",
            "external_init_proposal",
            "group_context_extensions_proposal",
        ] {
            // The vectors hold the proposal bodies; a Proposal starts with
            // its type.
            let body = hex_field(&v, field);
            let ty: u16 = match field {
                "add_proposal" => 1,
                "update_proposal" => 2,
                "remove_proposal" => 3,
                "pre_shared_key_proposal" => 4,
                "re_init_proposal" => 5,
                "external_init_proposal" => 6,
                _ => 7,
            };
            add(
                "decode_proposal",
                body.map(|b| [ty.to_be_bytes().as_slice(), &b].concat()),
            );
        }
        // The body of an MLSMessage after version and wire format.
        for (field, target) in [
            ("mls_welcome", "decode_welcome"),
            ("mls_group_info", "decode_group_info"),
            ("mls_key_package", "decode_key_package"),
        ] {
            add(target, hex_field(&v, field).map(|b| b[4..].to_vec()));
        }
    }
    for v in vectors(dir, "tree-validation.json") {
        add("decode_ratchet_tree", hex_field(&v, "tree"));
    }
    for v in vectors(dir, "passive-client-welcome.json") {
        add("decode_ratchet_tree", hex_field(&v, "ratchet_tree"));
        add("decode_mls_message", hex_field(&v, "welcome"));
        add("decode_mls_message", hex_field(&v, "key_package"));
    }
    for v in vectors(dir, "welcome.json") {
        add("decode_mls_message", hex_field(&v, "welcome"));
        add("decode_mls_message", hex_field(&v, "key_package"));
    }
}

fn body_bytes(m: &[u8]) -> Vec<u8> {
    m[4..].to_vec()
}

fn from_fixtures(seeds: &mut Seeds) {
    let all = fixtures::all();
    for (fi, f) in all.iter().enumerate() {
        let fi = fixtures::selector_for(fi);
        let add = |seeds: &mut Seeds, target: &'static str, bytes: Vec<u8>| {
            seeds.entry(target).or_default().push(bytes);
        };
        add(seeds, "decode_group_state", f.receiver.clone());
        for (si, s) in f.samples.iter().enumerate() {
            let si = si as u8;
            add(seeds, "decode_mls_message", s.bytes.clone());
            add(
                seeds,
                "process_message",
                [&[fi, si], s.bytes.as_slice()].concat(),
            );
            if si < 2 {
                add(
                    seeds,
                    "restore_state",
                    [&[fi, si], f.receiver.as_slice()].concat(),
                );
            }
            if s.content.is_some() {
                for script in [
                    &[][..],
                    &[0, 10, 3, 0],
                    &[1, 12, 6, 6],
                    &[2, 20, 7, 7, 1],
                    &[0, 30, 3],
                    &[0, 26],
                ] {
                    add(seeds, "process_mutated", [&[fi, si], script].concat());
                }
            }
            if let Some(c) = &s.content {
                match &c.content.content {
                    FramedContentBody::Commit(commit) => {
                        add(seeds, "decode_commit", commit.to_bytes().expect("encode"));
                        if let Some(path) = &commit.path {
                            add(
                                seeds,
                                "decode_leaf_node",
                                path.leaf_node.to_bytes().expect("leaf"),
                            );
                        }
                        for p in &commit.proposals {
                            if let ProposalOrRef::Proposal(p) = p {
                                add(seeds, "decode_proposal", p.to_bytes().expect("encode"));
                            }
                        }
                    }
                    FramedContentBody::Proposal(p) => {
                        add(seeds, "decode_proposal", p.to_bytes().expect("encode"))
                    }
                    FramedContentBody::Application(_) => {}
                }
            }
        }
        for (wi, w) in f.welcomes.iter().enumerate() {
            add(seeds, "decode_mls_message", w.welcome.clone());
            add(seeds, "decode_welcome", body_bytes(&w.welcome));
            let len = (w.welcome.len() as u16).to_be_bytes();
            let tree = w.tree.clone().unwrap_or_default();
            let sel = [fi, wi as u8];
            add(
                seeds,
                "join_welcome",
                [&sel[..], &len[..], &w.welcome, &tree].concat(),
            );
            if let Some(t) = &w.tree {
                add(seeds, "decode_ratchet_tree", t.clone());
            }
        }
        // KeyPackage stores: every bundle of the fixture, one bundle,
        // none; joins from each Welcome with the store built from a mask
        // (all bundles; all but the Welcome's joiner) or decoded from
        // bytes.
        let bundles: Vec<_> = f
            .welcomes
            .iter()
            .map(|w| w.joiner.clone())
            .chain(f.fresh.iter().cloned())
            .collect();
        let store_of = |list: &[rfc9420::KeyPackageBundle]| {
            let mut store = rfc9420::KeyPackageStore::new();
            for b in list {
                store
                    .insert(&rfc9420::RustCryptoProvider, b.clone())
                    .expect("insert");
            }
            store.to_bytes().expect("store").to_vec()
        };
        let full = store_of(&bundles);
        add(seeds, "decode_key_package_store", full.clone());
        add(seeds, "decode_key_package_store", store_of(&bundles[..1]));
        add(seeds, "decode_key_package_store", store_of(&[]));
        for (wi, w) in f.welcomes.iter().enumerate() {
            let len = (w.welcome.len() as u16).to_be_bytes();
            let all_but = !(1u8 << wi);
            for (mask, store) in [(0xff, &[][..]), (all_but, &[][..]), (0, full.as_slice())] {
                add(
                    seeds,
                    "join_from_store",
                    [&[fi, wi as u8, mask][..], &len[..], &w.welcome, store].concat(),
                );
            }
        }
        // External commits: mutated at a member; joins from the GroupInfo
        // as it is (raw mode) and mutated (structure-aware mode).
        for k in 0..2u8 {
            for script in [&[][..], &[0, 10, 3, 0], &[1, 12, 6, 6], &[0, 30, 3]] {
                add(seeds, "process_external", [&[fi, k], script].concat());
            }
        }
        add(seeds, "decode_mls_message", f.external_group_info.clone());
        for mode in [1u8, 3] {
            add(
                seeds,
                "join_external",
                [&[fi, mode, 0][..], &f.external_group_info].concat(),
            );
        }
        for script in [
            &[0u8, 3, 1][..],
            &[0, 9, 0],
            &[2, 10, 0, 4, 0],
            &[0, 13, 2, 0, 7],
        ] {
            add(seeds, "join_external", [&[fi, 0, 1][..], script].concat());
            add(seeds, "join_external", [&[fi, 2, 1][..], script].concat());
        }
        add(seeds, "decode_mls_message", f.group_info.clone());
        add(seeds, "decode_group_info", body_bytes(&f.group_info));
        for kp in &f.fresh {
            let kp_bytes = kp.key_package().to_bytes().expect("kp");
            add(seeds, "decode_key_package", kp_bytes);
            let m = MlsMessage {
                version: ProtocolVersion::MLS10,
                body: MlsMessageBody::KeyPackage(kp.key_package().clone()),
            };
            add(
                seeds,
                "decode_mls_message",
                m.to_bytes().expect("kp message"),
            );
        }
        for (_, leaf) in &f.leaves {
            add(seeds, "decode_leaf_node", leaf.to_bytes().expect("leaf"));
        }
        for script in [&[][..], &[1, 0, 0], &[3, 1, 2, 0, 1, 3], &[2, 5, 2, 1, 1]] {
            add(seeds, "create_commit", [&[fi], script].concat());
        }
        // A fixture restores, and its tree decodes.
        let g = fixtures::restore(&f.config, &f.receiver);
        let tree = rfc9420::messages::RatchetTreeExtension(g.tree().to_nodes());
        add(seeds, "decode_ratchet_tree", tree.to_bytes().expect("tree"));
    }
}

fn main() {
    let fuzz = Path::new(env!("CARGO_MANIFEST_DIR"));
    let vector_dir = fuzz.join("../test-vectors");
    let mut seeds = Seeds::new();
    from_vectors(&vector_dir, &mut seeds);
    from_fixtures(&mut seeds);
    // The MLSMessage seeds cover every wire format.
    let formats: std::collections::BTreeSet<u16> = seeds["decode_mls_message"]
        .iter()
        .filter_map(|m| decode_exact::<MlsMessage>(m).ok())
        .map(|m| m.body.wire_format().0)
        .collect();
    assert_eq!(formats.len(), 5, "wire formats in the seeds: {formats:?}");
    for (name, _) in TARGETS {
        let dir = fuzz.join("seeds").join(name);
        std::fs::create_dir_all(&dir).expect("seed dir");
        // Generated seeds have 16-hex-digit names; inputs a campaign
        // added (libFuzzer's 40-digit names) are kept.
        for e in std::fs::read_dir(&dir).expect("seed dir") {
            let path = e.expect("entry").path();
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
            if name.len() == 16 && name.bytes().all(|b| b.is_ascii_hexdigit()) {
                std::fs::remove_file(&path).expect("remove old seed");
            }
        }
        let list = seeds.get(name).cloned().unwrap_or_default();
        assert!(!list.is_empty(), "no seeds for {name}");
        let mut written = std::collections::BTreeSet::new();
        for s in &list {
            let hash = hex::encode(&sha2::Sha256::digest(s)[..8]);
            if written.insert(hash.clone()) {
                std::fs::write(dir.join(&hash), s).expect("write seed");
            }
        }
        println!("{name}: {} seeds", written.len());
    }
}
