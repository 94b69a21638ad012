#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""bench/hyperstat.py - ratios from one or more hyperfine --export-json files.

    hyperstat.py [--baseline NAME] [--ember PREFIX] [--fixed FIXED.json] FILE.json...

For each command: median wall time, the ratio R to the baseline's median
with a bootstrap 95% confidence interval (resampling both arms' runs), and
the CPU ratio (user + system of the command and everything it started, so a
profiler that works in another process or thread is charged for it). Each
file must contain the baseline (every hyperfine run carries its own, so
drift hits all arms alike). For every arm whose name starts with the ember
prefix, the overhead share O = (R_ember - 1) / (R_peer - 1) against each
peer (< 1: ember costs less than that peer). With --fixed, a run of the same
arms with a small part of the work: each arm's median there is taken out of
its median here, and the ratio of those differences is the steady state of
a long-running program (what a service that leaves the profiler on pays),
without what each arm pays once (start-up, first symbolization, exit).
"""
import argparse
import json
import random
import statistics


def median(xs):
    return statistics.median(xs)


def bootstrap_ratio(a, b, n=2000, seed=1):
    """95% CI of median(a) / median(b) by resampling each with replacement."""
    rng = random.Random(seed)
    rs = []
    for _ in range(n):
        ra = [rng.choice(a) for _ in a]
        rb = [rng.choice(b) for _ in b]
        rs.append(median(ra) / median(rb))
    rs.sort()
    return rs[int(0.025 * n)], rs[int(0.975 * n) - 1]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--baseline", default="base")
    ap.add_argument("--ember", default="ember")
    ap.add_argument("--fixed")
    ap.add_argument("files", nargs="+")
    args = ap.parse_args()
    fixed = {}
    if args.fixed:
        with open(args.fixed) as fh:
            for r in json.load(fh)["results"]:
                fixed[r["command"]] = (median(r["times"]),
                                       median([u + s for u, s in zip(r["user"], r["system"])]))

    rows = []
    for f in args.files:
        with open(f) as fh:
            results = json.load(fh)["results"]
        by = {r["command"]: r for r in results}
        base = by.get(args.baseline)
        if base is None:
            raise SystemExit(f"hyperstat: {f}: no command named {args.baseline!r}")
        bt = base["times"]
        bcpu = median([u + s for u, s in zip(base["user"], base["system"])]) \
            if "user" in base and isinstance(base["user"], list) else base["user"] + base["system"]
        for r in results:
            t = r["times"]
            if isinstance(r.get("user"), list):
                cpu = median([u + s for u, s in zip(r["user"], r["system"])])
            else:
                cpu = r["user"] + r["system"]
            ratio = median(t) / median(bt)
            lo, hi = (1.0, 1.0) if r is base else bootstrap_ratio(t, bt)
            rows.append((r["command"], len(t), median(t), ratio, lo, hi, cpu, cpu / bcpu))

    print(f"  {'arm':<22} {'runs':>4} {'median s':>9} {'R (wall)':>9} {'95% CI':>15} "
          f"{'cpu s':>8} {'R (cpu)':>8}")
    seen = set()
    for name, n, med, ratio, lo, hi, cpu, cratio in rows:
        if name == args.baseline and name in seen:
            continue
        seen.add(name)
        ci = "" if name == args.baseline else f"[{lo:.3f}, {hi:.3f}]"
        print(f"  {name:<22} {n:>4} {med:>9.3f} {ratio:>9.3f} {ci:>15} {cpu:>8.3f} {cratio:>8.3f}")

    if fixed and args.baseline in fixed:
        base = [r for r in rows if r[0] == args.baseline][0]
        bw, bc = base[2] - fixed[args.baseline][0], base[6] - fixed[args.baseline][1]
        print("  the steady state (less the --fixed run of each arm: start-up, first symbolization, exit)")
        for name, n, med, ratio, lo, hi, cpu, cratio in rows:
            if name == args.baseline or name not in fixed:
                continue
            fw, fc = fixed[name]
            print(f"    {name:<20} R (wall) {(med - fw) / bw:.3f}  R (cpu) {(cpu - fc) / bc:.3f}"
                  f"  (short run: {fw * 1000:.0f} ms wall, {fc * 1000:.0f} ms cpu)")

    embers = [r for r in rows if r[0].startswith(args.ember)]
    peers = [r for r in rows if r[0] != args.baseline and not r[0].startswith(args.ember)]
    if embers and peers:
        print("  overhead share O = (R_ember - 1) / (R_peer - 1), wall:")
        for e in embers:
            parts = []
            for p in peers:
                if p[3] - 1 <= 0.0005:
                    parts.append(f"{p[0]}: peer within noise")
                else:
                    parts.append(f"{p[0]}: {(e[3] - 1) / (p[3] - 1):.3f}")
            print(f"    {e[0]:<20} " + ", ".join(parts))


if __name__ == "__main__":
    main()
