#!/usr/bin/env bash
# CI step for the fuzz targets (called from .ci/run): installs cargo-fuzz
# if it is missing, checks formatting and lints of fuzz/, builds every
# target as a libFuzzer binary on the stable toolchain, and replays the
# committed seeds (seeds/TARGET/) and crash regressions
# (regressions/TARGET/) through them. No fuzzing: a few minutes in all.
set -euo pipefail
cd "$(dirname "$0")"

export CARGO_TERM_COLOR=never

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "== installing cargo-fuzz"
    cargo install cargo-fuzz --locked --version 0.13.2
fi
cargo fuzz --version

echo "== fuzz: fmt and clippy"
cargo fmt -- --check
cargo clippy --all-targets -- -D warnings

echo "== fuzz: build every target (libFuzzer, no sanitizer, debug assertions on)"
cargo fuzz build --sanitizer none --debug-assertions
bin=target/x86_64-unknown-linux-gnu/release

echo "== fuzz: replay seeds and regressions"
passed=0
failed=0
for t in $(cargo fuzz list); do
    inputs=()
    for dir in "seeds/$t" "regressions/$t"; do
        [ -d "$dir" ] && while IFS= read -r f; do inputs+=("$f"); done < <(find "$dir" -type f | sort)
    done
    if [ ${#inputs[@]} -eq 0 ]; then
        echo "$t: no seeds (run: cargo run --example gen_seeds)"
        failed=$((failed + 1))
        continue
    fi
    # libFuzzer runs each file given on the command line once.
    if "$bin/$t" -rss_limit_mb=2048 -timeout=10 "${inputs[@]}" > "target/replay-$t.log" 2>&1; then
        echo "$t: ${#inputs[@]} inputs replayed"
        passed=$((passed + ${#inputs[@]}))
    else
        echo "$t: FAILED, see fuzz/target/replay-$t.log"
        tail -30 "target/replay-$t.log"
        failed=$((failed + 1))
    fi
done
echo "fuzz replay: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
