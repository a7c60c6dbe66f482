#!/usr/bin/env python3
"""The performance gate over paired rounds: runs the quick preset with a BASE
build and a NEW build back to back, ROUNDS times, alternating which goes
first (A B, B A, A B, ...), then judges them with

    NEW compare --paired BASE1 NEW1 BASE2 NEW2 ... --out DIR/compare.md

A slow spell of a shared machine lands on both runs of a round and cancels in
their ratio, and the alternation cancels whatever the run before leaves
behind (freed memory, a warm page cache). Usage:

    ci/gate-rounds.py BASE_TLBVISOR NEW_TLBVISOR [--rounds 7] [--dir DIR]
                      [--cpu N] [--threshold 5%] [--alpha 0.05]
                      [--base-arg ARG]... [--new-arg ARG]... [-- RUN-OPTIONS...]

7 rounds by default: at alpha 0.05 the test needs 5, and then every round
must be slower by more than the threshold, so one odd run (a spike of the
machine in one round) would hide a real slowdown; with 7 it does not.
RUN-OPTIONS go to every run (default: --preset quick); --base-arg and
--new-arg to one side only (e.g. --new-arg=--stride --new-arg=2048 to try a
change of work without a second build). --cpu pins every run to one CPU
(taskset). The runs go to no history. Exit status: compare's (0 pass, 4 a
regression, 5 insufficient data), or 1 when a run fails. A DIR of an earlier
invocation that stopped is gone on with: finished runs are not run again.
"""
import argparse
import os
import subprocess
import sys
import tempfile


def run(tv, out, cpu, opts):
    """One run into out; an existing finished file is kept."""
    if os.path.exists(out) and not os.path.exists(out + ".lock"):
        return
    cmd = (["taskset", "-c", str(cpu)] if cpu is not None else []) + [tv, "run"] + opts + ["--out", out, "--no-db"]
    r = subprocess.run(cmd, capture_output=True, text=True)
    # 3: every cell ran and some failed: the failures are results, and
    # compare leaves those cells out.
    if r.returncode not in (0, 3):
        sys.exit(f"gate-rounds: {' '.join(cmd)} failed ({r.returncode}): {r.stderr[-600:]}")


def main():
    argv = sys.argv[1:]
    run_opts = ["--preset", "quick"]
    if "--" in argv:
        run_opts = argv[argv.index("--") + 1:]
        argv = argv[:argv.index("--")]
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("base")
    ap.add_argument("new")
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--dir")
    ap.add_argument("--cpu", type=int)
    ap.add_argument("--threshold", default="5%")
    ap.add_argument("--alpha", default="0.05")
    ap.add_argument("--base-arg", action="append", default=[])
    ap.add_argument("--new-arg", action="append", default=[])
    a = ap.parse_args(argv)
    if a.rounds < 1 or a.rounds > 16:
        ap.error(f"--rounds {a.rounds}: give 1 to 16 (5 is the fewest that can reach alpha 0.05)")
    for tv in (a.base, a.new):
        if not os.access(tv, os.X_OK):
            ap.error(f"{tv} is not an executable tlbvisor; build it first (ninja -C build)")
    work = a.dir or tempfile.mkdtemp(prefix="gate-rounds-")
    os.makedirs(work, exist_ok=True)
    sides = {"base": (os.path.abspath(a.base), run_opts + a.base_arg),
             "new": (os.path.abspath(a.new), run_opts + a.new_arg)}
    files = []
    for k in range(a.rounds):
        order = ("base", "new") if k % 2 == 0 else ("new", "base")
        for side in order:
            tv, opts = sides[side]
            run(tv, os.path.join(work, f"round{k + 1}-{side}.json"), a.cpu, opts)
        files += [os.path.join(work, f"round{k + 1}-{side}.json") for side in ("base", "new")]
        print(f"gate-rounds: round {k + 1} of {a.rounds} done ({' then '.join(order)})", flush=True)
    md = os.path.join(work, "compare.md")
    r = subprocess.run([sides["new"][0], "compare", "--paired"] + files +
                       ["--threshold", a.threshold, "--alpha", a.alpha, "--out", md])
    if os.path.exists(md):
        sys.stdout.write(open(md).read())
    print(f"gate-rounds: runs and compare.md in {work}")
    return r.returncode


if __name__ == "__main__":
    sys.exit(main())
