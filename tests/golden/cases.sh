# SPDX-License-Identifier: MIT
# Golden cases for `ember flame`, sourced by tests/integration/flame_golden.sh:
#   golden EXPECTED_FILE INPUTS_AND_OPTIONS...
# Inputs are files in this directory; the expected output's extension picks
# the format. `make regen-golden` rewrites every expected file; review the diff.
golden known.svg known.pb.gz
golden known.folded known.pb.gz
golden known-samples-icicle.svg known.pb.gz --type samples --icicle --title "Icicle of samples"
golden known-thread.svg known.pb.gz --by-thread
golden known-thread.folded known.pb.gz --by-thread
golden known-focus.folded known.pb.gz --focus '^work$' --ignore '^leaf_b$'
golden demo.svg demo.folded
golden demo.folded demo.folded
golden demo-narrow.svg demo.folded --width 300 --min-width 2
golden diff.svg new.folded --diff base.folded
golden diff.folded new.folded --diff base.folded
golden merged.folded demo.folded new.folded
golden odd.svg odd.folded
