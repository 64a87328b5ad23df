#!/usr/bin/env bash
# The property tests of tests/it/fuzz.rs with many more cases than `cargo
# test` runs: arbitrary input to the filter parser, PATCH paths, the PATCH
# engine, the normalizer, templates, the case loader, the reference
# server's request handling and the client audit must give a result or an
# error, never a panic.
#
#   scripts/fuzz.sh                        # 10,000 cases per property (about two minutes on two cores)
#   PROPTEST_CASES=100000 scripts/fuzz.sh  # longer
#   scripts/fuzz.sh filters                # only the properties whose name contains this
#
# A failure is shrunk to a small input and saved under tests/it/ (proptest's
# regression file), so the next `cargo test` tries it first.
set -euo pipefail
cd "$(dirname "$0")/.."

export PROPTEST_CASES=${PROPTEST_CASES:-10000}
echo "scripts/fuzz.sh: $PROPTEST_CASES cases per property" >&2
# A debug build: overflow checks stay on, so arithmetic that overflows panics here too.
cargo test --locked --test it -- "fuzz::${1:-}"
