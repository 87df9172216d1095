#!/usr/bin/env bash
# The fuzzing campaign: every target in turn (one fuzzer at a time, the
# machine is shared), each bounded in time, from the committed seeds plus
# the working corpus in corpus/TARGET (not committed). Runs the binaries
# that
#
#   cargo fuzz build -O --sanitizer none --target-dir target/campaign
#
# left (debug assertions and overflow checks in rfc9420 and the harness,
# from the profile in Cargo.toml; crypto crates at full speed), or those
# in BIN=DIR; rebuilding during a campaign does not disturb the target
# that is running.
#
#   fuzz/campaign.sh [LOG_DIR] [TARGET...]
#
# Execution caps (10^7 for decoders, 10^6 for processing targets) and
# time bounds per target below (MAX_TIME=N overrides every time bound;
# RUNS=N every cap; TIMEOUT=N the seconds after which one input counts
# as a hang, 10 by default: raise it if the fuzzer may be paused, since
# libFuzzer measures wall time); a crash stops
# that target (libFuzzer writes it to artifacts/TARGET/) and the campaign
# goes on with the next. Summarize with fuzz/campaign-table.sh LOG_DIR.
set -uo pipefail
cd "$(dirname "$0")"
logs="${1:-/tmp/fuzz-campaign}"
shift || true
mkdir -p "$logs"
bin=${BIN:-target/campaign/x86_64-unknown-linux-gnu/release}

budget() {
    case "$1" in
        decode_*) echo "-runs=10000000 -max_total_time=600" ;;
        process_mutated | create_commit | process_external) echo "-runs=1000000 -max_total_time=3600 -max_len=512" ;;
        *) echo "-runs=1000000 -max_total_time=1200" ;;
    esac
}

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    targets=(decode_mls_message decode_key_package decode_welcome decode_group_info
        decode_ratchet_tree decode_proposal decode_commit decode_leaf_node
        decode_group_state decode_key_package_store process_message join_welcome
        join_from_store restore_state process_mutated create_commit
        process_external join_external)
fi
for t in "${targets[@]}"; do
    mkdir -p "corpus/$t" "artifacts/$t"
    limits=$(budget "$t")
    if [ -n "${MAX_TIME:-}" ]; then
        limits=$(sed -E "s/-max_total_time=[0-9]+/-max_total_time=$MAX_TIME/" <<< "$limits")
    fi
    if [ -n "${RUNS:-}" ]; then
        limits=$(sed -E "s/-runs=[0-9]+/-runs=$RUNS/" <<< "$limits")
    fi
    # shellcheck disable=SC2086
    nice "$bin/$t" "corpus/$t" "seeds/$t" $limits -rss_limit_mb=2048 -timeout="${TIMEOUT:-10}" \
        -print_final_stats=1 -artifact_prefix="artifacts/$t/" > "$logs/$t.log" 2>&1
    echo "$t exit $? $(grep DONE "$logs/$t.log" | tail -1)"
done
