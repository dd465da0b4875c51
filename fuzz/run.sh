#!/bin/sh
# Runs one fuzz target on the stable toolchain; see docs/fuzzing.md.
#
#   fuzz/run.sh TARGET [SECONDS] [SANITIZER]     (defaults: 600 s, address)
#
# New inputs go to fuzz/corpus/TARGET (git-ignored); the committed seeds in fuzz/seeds/TARGET
# are read, never written. A crash lands in fuzz/artifacts/TARGET/ (git-ignored).
set -eu
cd "$(dirname "$0")/.."
target=$1
seconds=${2:-600}
sanitizer=${3:-address}
mkdir -p "fuzz/corpus/$target"
# RUSTC_BOOTSTRAP=1: cargo-fuzz passes nightly-only flags (-Zsanitizer, sancov passes); this
# lets the stable compiler accept them. No nightly toolchain is needed.
RUSTC_BOOTSTRAP=1 exec cargo fuzz run --sanitizer "$sanitizer" "$target" \
    "fuzz/corpus/$target" "fuzz/seeds/$target" -- \
    -max_total_time="$seconds" -max_len=4096 -print_final_stats=1 \
    -dict="fuzz/dicts/$target.dict"
