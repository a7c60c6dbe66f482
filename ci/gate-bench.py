#!/usr/bin/env python3
"""How often the paired-rounds gate fails on unchanged code, and how often it
catches a real slowdown (a benchmark, not a test: it asserts nothing; the
machine's noise decides its figures). Usage:

    ci/gate-bench.py build/bench/tlbvisor [--pairs 10] [--tries 10] [--rounds 7]
                     [--modes quiet,busy,detect] [--dir DIR]
    ci/gate-bench.py build/bench/tlbvisor --replay DIR

The gate is ci/gate-rounds.py: ROUNDS rounds of `tlbvisor run --preset quick`
with BASE and NEW back to back, alternating which goes first, judged by
`tlbvisor compare --paired ... --threshold 5% --alpha 0.05`; exit 4 fails
the gate (a regression), 5 says the data could not give a verdict.

  quiet   PAIRS A/A comparisons: BASE and NEW are the same build; one that
          exits 4 is a false alarm.
  busy    the same with the other core kept busy: a second process spinning
          in a pure-Python loop, pinned to the other CPU (taskset -c), while
          tlbvisor is pinned to the first; every mode pins tlbvisor the same
          way.
  detect  TRIES times: NEW runs with --stride 2048 (the chase touches two
          lines per page instead of one: twice the lines, changed work, not
          scaled numbers); caught when the target cell (--target, default the
          native 1M 4K cell) is a regression and the gate fails.

--replay DIR judges the runs an earlier invocation kept in DIR again with the
tlbvisor given (e.g. a changed compare), without running anything.

A comparison is 2 x ROUNDS quick runs, about 10 s each on a quiet machine of
this kind (hugetlb cells skipped when no pool is reserved). Prints one line
per comparison and a summary; writes DIR/gate-bench.json. Given the DIR of an
invocation that stopped, it goes on where that one stopped.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

TARGET = "chase/random/ws:1M/backend:native/host:4k"


ROUNDS_SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "gate-rounds.py")


def gate(tv, work, rounds, cpu, new_args=()):
    """One paired-rounds comparison in work: compare's exit and verdicts."""
    cmd = [sys.executable, ROUNDS_SCRIPT, tv, tv, "--rounds", str(rounds), "--dir", work, "--cpu", str(cpu)]
    cmd += [f"--new-arg={x}" for x in new_args]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode not in (0, 4, 5):
        sys.exit(f"gate-bench: {' '.join(cmd)} failed ({r.returncode}): {r.stderr[-400:]}")
    return r.returncode, verdicts_of(os.path.join(work, "compare.md"))


def verdicts_of(md):
    rows = [line.split("|") for line in open(md).read().splitlines() if line.startswith("| chase/") or line.startswith("| exit/")]
    return {row[1].strip(): row[6].strip() for row in rows if len(row) >= 8}


def rejudge(tv, work):
    """compare --paired again over the runs kept in work."""
    rounds = sorted({f.split("-")[0] for f in os.listdir(work) if f.startswith("round") and f.endswith(".json")},
                    key=lambda r: int(r[5:]))
    files = [os.path.join(work, f"{r}-{side}.json") for r in rounds for side in ("base", "new")]
    md = os.path.join(work, "replay.md")
    r = subprocess.run([tv, "compare", "--paired"] + files + ["--threshold", "5%", "--alpha", "0.05", "--out", md],
                       capture_output=True, text=True)
    return r.returncode, verdicts_of(md)


def medians(path):
    return {e["run_name"]: e["cycles_per_access"] for e in json.load(open(path))["benchmarks"]
            if e.get("aggregate_name") == "median"}


def flagged(verdicts, word):
    return [name for name, v in verdicts.items() if v.startswith(word)]


class Busy:
    """A process spinning on the other CPU for as long as the block runs."""

    def __init__(self, cpu):
        self.cpu = cpu

    def __enter__(self):
        self.p = subprocess.Popen(["taskset", "-c", str(self.cpu), sys.executable, "-c", "while True: pass"])
        return self

    def __exit__(self, *exc):
        self.p.kill()
        self.p.wait()


def aa_pairs(tv, work, mode, pairs, rounds, cpus, judge=None):
    out = []
    for i in range(pairs):
        d = os.path.join(work, f"{mode}-{i}")
        rc, verdicts = judge(tv, d) if judge else gate(tv, d, rounds, cpus[0])
        reg, uns = flagged(verdicts, "**regression**"), flagged(verdicts, "unstable")
        print(f"{mode} pair {i + 1}: exit {rc}; regressions {reg or '-'}; unstable {uns or '-'}", flush=True)
        out.append({"exit": rc, "regressions": reg, "unstable": uns, "dir": d})
    return out


def detect(tv, work, tries, rounds, cpus, target, judge=None):
    out = []
    for i in range(tries):
        d = os.path.join(work, f"detect-{i}")
        rc, verdicts = judge(tv, d) if judge else gate(tv, d, rounds, cpus[0], ["--stride", "2048"])
        changes = {}
        for f in os.listdir(d):
            if f.endswith("-base.json") and os.path.exists(os.path.join(d, f.replace("-base", "-new"))):
                ma, mb = medians(os.path.join(d, f)), medians(os.path.join(d, f.replace("-base", "-new")))
                for name in ma:
                    if name in mb and ma[name] and mb[name]:
                        changes.setdefault(name, []).append(mb[name] / ma[name] - 1)
        ch = sorted(changes.get(target, [float("nan")]))
        change = ch[len(ch) // 2]
        caught = verdicts.get(target, "").startswith("**regression**") and rc == 4
        print(f"detect try {i + 1}: {target} median change over the rounds {change * 100:+.0f}%: "
              f"{'caught' if caught else 'missed: ' + verdicts.get(target, 'absent')}; exit {rc}; "
              f"regressions {flagged(verdicts, '**regression**')}", flush=True)
        out.append({"exit": rc, "caught": caught, "change": change, "verdict": verdicts.get(target),
                    "regressions": flagged(verdicts, "**regression**"),
                    "changes": {k: sorted(v)[len(v) // 2] for k, v in changes.items()}})
    return out


def summarize(res, target):
    for mode in ("quiet", "busy"):
        if mode in res:
            p = res[mode]
            print(f"  {mode}: {sum(x['exit'] == 4 for x in p)} of {len(p)} A/A comparisons failed the gate (exit 4), "
                  f"{sum(x['exit'] == 5 for x in p)} gave no verdict (exit 5), "
                  f"{sum(bool(x['unstable']) for x in p)} had cells reported unstable")
    if "detect" in res:
        d = res["detect"]
        changes = [x["change"] for x in d if x["change"] == x["change"]]
        print(f"  detect: {sum(x['caught'] for x in d)} of {len(d)} slowdowns caught "
              f"({target}, --stride 2048; its median change over the rounds {min(changes) * 100:+.0f}% to "
              f"{max(changes) * 100:+.0f}%)")
        per_cell = {}
        for x in d:
            for name, c in x["changes"].items():
                per_cell.setdefault(name, [[], 0])[0].append(c)
            for name in x["regressions"]:
                per_cell.setdefault(name, [[], 0])[1] += 1
        print("  every cell: its change with --stride 2048 (median over the tries of the median over the rounds), "
              "and how often the gate called it a regression")
        for name, (ch, hits) in sorted(per_cell.items()):
            ch = sorted(ch)
            if ch:
                print(f"    {name}: {ch[len(ch) // 2] * 100:+.0f}% ({ch[0] * 100:+.0f}% to {ch[-1] * 100:+.0f}%), "
                      f"regression in {hits} of {len(d)}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("tlbvisor")
    ap.add_argument("--pairs", type=int, default=10)
    ap.add_argument("--tries", type=int, default=10)
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--modes", default="quiet,busy,detect")
    ap.add_argument("--target", default=TARGET)
    ap.add_argument("--dir")
    ap.add_argument("--replay", metavar="DIR", help="judge the runs kept in DIR again; run nothing")
    a = ap.parse_args()
    tv = os.path.abspath(a.tlbvisor)
    if a.replay:
        res = json.load(open(os.path.join(a.replay, "gate-bench.json")))
        out = {}
        for mode in ("quiet", "busy"):
            if mode in res:
                out[mode] = aa_pairs(tv, a.replay, mode, len(res[mode]), a.rounds, None, rejudge)
        if "detect" in res:
            out["detect"] = detect(tv, a.replay, len(res["detect"]), a.rounds, None, a.target, rejudge)
        print("\nreplay summary:")
        return summarize(out, a.target)
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) < 2:
        sys.exit("gate-bench: needs two CPUs (one for tlbvisor, one to keep busy)")
    work = a.dir or tempfile.mkdtemp(prefix="gate-bench-")
    os.makedirs(work, exist_ok=True)
    modes = a.modes.split(",")
    start = time.time()
    res = {"host": os.uname().nodename, "load_before": os.getloadavg(), "dir": work, "rounds": a.rounds}
    for mode in modes:
        t0 = time.time()
        if mode == "quiet":
            res["quiet"] = aa_pairs(tv, work, "quiet", a.pairs, a.rounds, cpus)
        elif mode == "busy":
            with Busy(cpus[1]):
                res["busy"] = aa_pairs(tv, work, "busy", a.pairs, a.rounds, cpus)
        elif mode == "detect":
            res["detect"] = detect(tv, work, a.tries, a.rounds, cpus, a.target)
        else:
            sys.exit(f"gate-bench: unknown mode {mode}; give quiet, busy or detect")
        res[f"{mode}_load_after"] = os.getloadavg()
        res[f"{mode}_seconds"] = time.time() - t0
    res["seconds"] = time.time() - start
    json.dump(res, open(os.path.join(work, "gate-bench.json"), "w"), indent=1)
    print("\nsummary (load average before %.1f; %.0f s):" % (res["load_before"][0], res["seconds"]))
    summarize(res, a.target)
    print(f"  details: {work}/gate-bench.json, each comparison's runs and compare.md in {work}/MODE-N/")


if __name__ == "__main__":
    main()
