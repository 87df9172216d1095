#!/usr/bin/env bash
# Prints the campaign table (markdown) from the logs campaign.sh wrote:
# executions, seconds, executions per second, coverage (edges: cov,
# features: ft) and corpus size at the end, and crashes.
#
#   fuzz/campaign-table.sh [LOG_DIR]
set -euo pipefail
cd "$(dirname "$0")"
logs="${1:-/tmp/fuzz-campaign}"
echo "| target | executions | seconds | exec/s | cov (edges) | ft (features) | corpus | crashes |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|"
for log in "$logs"/*.log; do
    t=$(basename "$log" .log)
    runs=$(grep -m1 'stat::number_of_executed_units' "$log" | awk '{print $2}' || true)
    rate=$(grep -m1 'stat::average_exec_per_sec' "$log" | awk '{print $2}' || true)
    last=$(grep -E '(DONE|pulse|NEW|REDUCE|INITED) ' "$log" | tail -1 || true)
    cov=$(sed -E 's/.*cov: ([0-9]+).*/\1/' <<< "$last")
    ft=$(sed -E 's/.*ft: ([0-9]+).*/\1/' <<< "$last")
    corp=$(sed -E 's/.*corp: ([0-9]+)\/.*/\1/' <<< "$last")
    secs=$(grep -m1 -E '^Done [0-9]+ runs in' "$log" | awk '{print $5}' || true)
    crashes=$(grep -c -E '^==[0-9]+== ERROR|deadly signal|panicked at' "$log" || true)
    echo "| $t | ${runs:-?} | ${secs:-?} | ${rate:-?} | $cov | $ft | $corp | $crashes |"
done
