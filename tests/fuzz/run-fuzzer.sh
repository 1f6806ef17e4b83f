#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# run-fuzzer.sh TARGET SEED_DIR ARTIFACT_DIR [libFuzzer options...]
# Runs a libFuzzer target over its committed seeds for a bounded time
# (EARSHOT_FUZZ_SECONDS, default 30) without writing into the source tree:
# new inputs go to a scratch corpus, crash inputs to ARTIFACT_DIR. libFuzzer's
# default error exit code, 77, would read as "skipped" to meson: use 1.
set -eu
target=$1 seeds=$2 artifacts=$3
shift 3
scratch=$(mktemp -d "${TMPDIR:-/tmp}/earshot-fuzz.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$artifacts"
dict=
[ -f "$seeds.dict" ] && dict="-dict=$seeds.dict"
"$target" -max_total_time="${EARSHOT_FUZZ_SECONDS:-30}" -rss_limit_mb=2048 -timeout=10 \
  -error_exitcode=1 -timeout_exitcode=1 -print_final_stats=1 -artifact_prefix="$artifacts/" \
  $dict "$@" "$scratch" "$seeds"
