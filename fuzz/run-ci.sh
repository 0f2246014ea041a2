#!/usr/bin/env bash
# Runs every fuzz target for a bounded time, as CI does: `fuzz/run-ci.sh [SECONDS]`
# (default 30 per target), each with its dictionary from dict/ when it has one. Needs
# the nightly toolchain; installs cargo-fuzz if it is missing. A target that finds a
# failure stops the script with the input saved under fuzz/artifacts/<target>/.
set -euo pipefail
cd "$(dirname "$0")"
seconds="${1:-30}"
if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
    cargo install cargo-fuzz --locked
fi
for target in $(cargo +nightly fuzz list); do
    dict=()
    if [[ -f "dict/$target.dict" ]]; then
        dict=(-dict="dict/$target.dict")
    fi
    echo "fuzzing $target for ${seconds}s"
    cargo +nightly fuzz run "$target" -- -max_total_time="$seconds" "${dict[@]}"
done
