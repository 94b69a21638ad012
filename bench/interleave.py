#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""bench/interleave.py - run commands round robin and save hyperfine-style JSON.

    interleave.py --rounds N --export-json OUT.json [--warmup W] NAME=CMD...

hyperfine runs all of one command's runs, then the next command's: on a
machine whose neighbours come and go, a few seconds of interference then
land on one arm only. Here each round runs every command once, in an order
rotated from round to round, so interference is shared out. Each run's wall
time and CPU time (user and system of the command and everything it
started, as hyperfine reports them) are written in hyperfine's JSON layout,
for bench/hyperstat.py. CMD is split like a shell would split it, without a
shell (shlex).
"""
import argparse
import json
import os
import resource
import shlex
import subprocess
import sys
import time


def run(argv):
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.monotonic()
    rc = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode
    wall = time.monotonic() - t0
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    if rc != 0:
        raise SystemExit("interleave: %s exited with status %d" % (" ".join(argv), rc))
    return wall, r1.ru_utime - r0.ru_utime, r1.ru_stime - r0.ru_stime


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=10)
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--export-json", required=True)
    ap.add_argument("arms", nargs="+", metavar="NAME=CMD")
    args = ap.parse_args()
    arms = []
    for a in args.arms:
        name, sep, cmd = a.partition("=")
        if not sep or not name or not cmd:
            raise SystemExit("interleave: %r is not NAME=CMD" % a)
        arms.append((name, shlex.split(cmd)))
    for _ in range(args.warmup):
        for _, argv in arms:
            run(argv)
    res = {name: {"command": name, "times": [], "user": [], "system": []} for name, _ in arms}
    for r in range(args.rounds):
        k = r % len(arms)
        for name, argv in arms[k:] + arms[:k]:
            w, u, s = run(argv)
            res[name]["times"].append(w)
            res[name]["user"].append(u)
            res[name]["system"].append(s)
    tmp = args.export_json + ".tmp.%d" % os.getpid()
    with open(tmp, "w") as f:
        json.dump({"results": [res[name] for name, _ in arms]}, f)
    os.rename(tmp, args.export_json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
