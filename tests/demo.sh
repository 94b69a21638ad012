#!/bin/bash
# SPDX-License-Identifier: MIT
# make demo: profile the bundled demo and show the results. Grows with the
# agent; until the agent exists it shows ember top on a generated profile.
set -eu
cd "$(dirname "$0")/.."
OUTPUT=${OUTPUT:-build}
out=ember-out
mkdir -p "$out"
"$OUTPUT/tests/tools/gen_profile" known "$out/known.pb.gz"
echo "profile written to $out/known.pb.gz"
echo
"$OUTPUT/ember" top "$out/known.pb.gz"
