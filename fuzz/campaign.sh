#!/usr/bin/env bash
# The fuzzing campaign: every target in turn (one fuzzer at a time, the
# machine is shared), each bounded in time, from the committed seeds plus
# the working corpus in corpus/TARGET (not committed). Runs the binaries
# `cargo fuzz build --sanitizer none -a` left, so rebuilding during a
# campaign does not disturb the target that is running.
#
#   fuzz/campaign.sh [LOG_DIR] [TARGET...]
#
# Budgets (seconds) and execution caps per target below (MAX_TIME=N
# overrides every time budget); a crash stops
# that target (libFuzzer writes it to artifacts/TARGET/) and the campaign
# goes on with the next. Summarize with fuzz/campaign-table.sh LOG_DIR.
set -uo pipefail
cd "$(dirname "$0")"
logs="${1:-/tmp/fuzz-campaign}"
shift || true
mkdir -p "$logs"
bin=target/x86_64-unknown-linux-gnu/release

budget() {
    case "$1" in
        decode_*) echo "-runs=10000000 -max_total_time=150" ;;
        process_message) echo "-max_total_time=240" ;;
        join_welcome) echo "-max_total_time=120" ;;
        restore_state) echo "-max_total_time=180" ;;
        process_mutated) echo "-max_total_time=1800 -max_len=512" ;;
        create_commit) echo "-max_total_time=1200 -max_len=512" ;;
    esac
}

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    targets=(decode_mls_message decode_key_package decode_welcome decode_group_info
        decode_ratchet_tree decode_proposal decode_commit decode_leaf_node
        decode_group_state process_message join_welcome restore_state
        process_mutated create_commit)
fi
for t in "${targets[@]}"; do
    mkdir -p "corpus/$t" "artifacts/$t"
    limits=$(budget "$t")
    if [ -n "${MAX_TIME:-}" ]; then
        limits=$(sed -E "s/-max_total_time=[0-9]+/-max_total_time=$MAX_TIME/" <<< "$limits")
    fi
    # shellcheck disable=SC2086
    "$bin/$t" "corpus/$t" "seeds/$t" $limits -rss_limit_mb=2048 -timeout=10 \
        -print_final_stats=1 -artifact_prefix="artifacts/$t/" > "$logs/$t.log" 2>&1
    echo "$t exit $? $(grep DONE "$logs/$t.log" | tail -1)"
done
