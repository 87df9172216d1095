//! The `parallel` feature changes no output byte: a fixed run (seeded RNG,
//! fixed time) through the operations it parallelizes — a Welcome sealed
//! to 70 new members, a join that verifies 71 leaf signatures, a commit
//! whose UpdatePath seals to 70 members of a blank tree, its processing,
//! and a member processing a commit of 65 more Adds (its tree hashes beside
//! its transcript hash) — must hash to the same digest with and without
//! the feature. The digest
//! below was recorded without it (re-recorded whenever the output format
//! changes on purpose); CI runs this test both ways.

use rfc9420::{
    CipherSuite, CommitOptions, CreatedCommit, Credential, Extensions, Group, GroupConfig,
    JoinOptions, KeyPackageBundle, KeyPackageOptions, Processed, Proposal, RustCryptoProvider,
    SuiteCrypto, Timestamp,
};
use sha2::{Digest, Sha256};

use rfc9420_test_support::rng;

use rng::TestRng;

const NOW: Timestamp = Timestamp(1_800_000_000);

fn run(suite: CipherSuite) -> String {
    let crypto = SuiteCrypto::new(&RustCryptoProvider, suite).unwrap();
    let mut rng = TestRng::new(42);
    let bundles: Vec<KeyPackageBundle> = (0..136)
        .map(|i| {
            KeyPackageBundle::generate_with_new_signature_key(
                &crypto,
                Credential::basic(format!("member {i}").into_bytes()),
                // Without GREASE (RFC 9420 §13.5), whose random values
                // would only move the recorded digests.
                &KeyPackageOptions {
                    grease: false,
                    ..KeyPackageOptions::default()
                },
                NOW,
                &mut rng,
            )
            .unwrap()
        })
        .collect();
    let mut creator = Group::create(
        RustCryptoProvider,
        GroupConfig::default(),
        &bundles[0],
        b"parallel".to_vec(),
        Extensions::default(),
        NOW,
        &mut rng,
    )
    .unwrap();
    let add = |b: &KeyPackageBundle| {
        Proposal::Add(rfc9420::messages::Add {
            key_package: b.key_package().clone(),
        })
    };
    let adds: Vec<Proposal> = bundles[1..71].iter().map(add).collect();
    let created = creator
        .create_commit(
            CommitOptions {
                update_path: false,
                ..CommitOptions::with_proposals(adds)
            },
            NOW,
            &mut rng,
        )
        .unwrap();
    creator.merge_staged_commit(created.staged).unwrap();
    let welcome = created.welcome.unwrap();
    let mut joiner = Group::join(
        RustCryptoProvider,
        GroupConfig::default(),
        &welcome,
        &bundles[70],
        JoinOptions::default(),
        NOW,
    )
    .unwrap();
    let with_path = creator
        .create_commit(CommitOptions::default(), NOW, &mut rng)
        .unwrap();
    let with_path_commit = both_merge(&mut creator, &mut joiner, with_path);
    let more = creator
        .create_commit(
            CommitOptions {
                update_path: false,
                ..CommitOptions::with_proposals(bundles[71..].iter().map(add).collect())
            },
            NOW,
            &mut rng,
        )
        .unwrap();
    let more_commit = both_merge(&mut creator, &mut joiner, more);

    let mut h = Sha256::new();
    h.update(&created.commit);
    h.update(&welcome);
    h.update(&with_path_commit);
    h.update(&more_commit);
    h.update(joiner.to_bytes().unwrap());
    h.update(creator.to_bytes().unwrap());
    hex::encode(h.finalize())
}

/// `member` processes the commit `created` and merges it, `committer`
/// merges its own; both are then in the same epoch. Returns the commit.
fn both_merge(committer: &mut Group, member: &mut Group, created: CreatedCommit) -> Vec<u8> {
    let Processed::Commit(staged) = member.process_message(&created.commit, NOW).unwrap() else {
        panic!("expected a commit");
    };
    member.merge_staged_commit(*staged).unwrap();
    committer.merge_staged_commit(created.staged).unwrap();
    assert_eq!(
        committer.epoch_authenticator(),
        member.epoch_authenticator()
    );
    created.commit
}

#[test]
fn suite_1_output_is_fixed() {
    assert_eq!(
        run(CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519),
        "d4a267f06cda3d3943235fafe750c860b07b3b800aacf6c4ee99fa60a125264f"
    );
}

#[test]
fn suite_2_output_is_fixed() {
    assert_eq!(
        run(CipherSuite::MLS_128_DHKEMP256_AES128GCM_SHA256_P256),
        "25b4915d2681c738df9c7b3165a040558a689180e666dbc8678edc1395becfe0"
    );
}
