#!/usr/bin/env python3
"""How often the compare gate fails on unchanged code, and how often it
catches a real slowdown (a benchmark, not a test: it asserts nothing; the
machine's noise decides its figures). Usage:

    ci/gate-bench.py build/bench/tlbvisor [--pairs 10] [--tries 10] [--prime 3]
                     [--modes quiet,busy,detect] [--dir DIR] [--keep]

The gate is what ci/report-job.sh runs: `tlbvisor run --preset quick` kept
in a history, then `tlbvisor compare BASE NEW --db HISTORY --threshold 5%
--alpha 0.05`; exit 4 fails the gate (a regression), 5 says the data could
not give a verdict.

  quiet   PAIRS A/A pairs: two quick runs of the same build, back to back,
          each recorded in the mode's history (primed with PRIME runs first,
          so compare knows the cells' run-to-run spread); a pair that exits 4
          is a false alarm.
  busy    the same with the other core kept busy: a second process spinning
          in a pure-Python loop, pinned to the other CPU (taskset -c), while
          tlbvisor is pinned to the first; both modes pin tlbvisor the same
          way.
  detect  TRIES times: a fresh quick run against one with --stride 2048
          (the chase touches two lines per page instead of one: twice the
          lines, changed work, not scaled numbers); caught when the target
          cell (--target, default the native 1M 4K cell, an L1-resident set
          of lines at stride 4K that no longer fits at 2K) is a regression.
          The slow runs go to no history (they are not the build's normal
          runs); the gate reads the quiet mode's history.

--replay DIR gives the gate again (the tlbvisor given, e.g. a changed
compare) over the runs an earlier invocation kept in DIR, without running
anything: the runs are the measurements, compare is the gate.

Every run takes about 20 s here (the quick preset, hugetlb cells skipped when
no pool is reserved). Prints one line per pair or try and a summary; writes
DIR/gate-bench.json. Given the DIR of an invocation that stopped, it goes
on where that one stopped (finished runs are kept, not run again).
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time

TARGET = "chase/random/ws:1M/backend:native/host:4k"


def run_quick(tv, out, db, cpu, extra=()):
    """One quick run into out (kept: a second invocation on the same DIR
    goes on where the first stopped)."""
    if os.path.exists(out) and not os.path.exists(out + ".lock"):
        return out
    cmd = ["taskset", "-c", str(cpu), tv, "run", "--preset", "quick", "--out", out] + list(extra)
    cmd += ["--db", db] if db else ["--no-db"]
    r = subprocess.run(cmd, capture_output=True, text=True)
    # 3: every cell ran and some failed (e.g. a guest watchdog on a loaded
    # machine): the failures are results and compare leaves those cells out.
    if r.returncode not in (0, 3):
        sys.exit(f"gate-bench: {' '.join(cmd)} failed ({r.returncode}): {r.stderr[-400:]}")
    return out


def compare(tv, base, new, db, md):
    r = subprocess.run([tv, "compare", base, new, "--db", db, "--threshold", "5%", "--alpha", "0.05", "--out", md],
                       capture_output=True, text=True)
    text = open(md).read() if os.path.exists(md) else r.stdout
    rows = [line.split("|") for line in text.splitlines() if line.startswith("| chase/") or line.startswith("| exit/")]
    verdicts = {row[1].strip(): row[6].strip() for row in rows if len(row) >= 8}
    return r.returncode, verdicts


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


def aa_pairs(tv, work, mode, pairs, prime, cpus):
    db = os.path.join(work, f"{mode}.db")
    for i in range(prime):
        run_quick(tv, os.path.join(work, f"{mode}-prime{i}.json"), db, cpus[0])
    out = []
    for i in range(pairs):
        a = run_quick(tv, os.path.join(work, f"{mode}-{i}a.json"), db, cpus[0])
        b = run_quick(tv, os.path.join(work, f"{mode}-{i}b.json"), db, cpus[0])
        rc, verdicts = compare(tv, a, b, db, os.path.join(work, f"{mode}-{i}.md"))
        reg, uns = flagged(verdicts, "**regression**"), flagged(verdicts, "unstable")
        print(f"{mode} pair {i + 1}: exit {rc}; regressions {reg or '-'}; unstable {uns or '-'}", flush=True)
        out.append({"exit": rc, "regressions": reg, "unstable": uns, "base": a, "new": b})
    return out


def detect(tv, work, tries, cpus, target, quiet_db):
    out = []
    for i in range(tries):
        a = run_quick(tv, os.path.join(work, f"detect-{i}a.json"), quiet_db, cpus[0])
        b = run_quick(tv, os.path.join(work, f"detect-{i}slow.json"), None, cpus[0], ["--stride", "2048"])
        rc, verdicts = compare(tv, a, b, quiet_db, os.path.join(work, f"detect-{i}.md"))
        med = {}
        for f in (a, b):
            doc = json.load(open(f))
            med[f] = next((e["cycles_per_access"] for e in doc["benchmarks"]
                           if e.get("run_name") == target and e.get("aggregate_name") == "median"), None)
        change = med[b] / med[a] - 1 if med[a] and med[b] else None
        caught = verdicts.get(target, "").startswith("**regression**") and rc == 4
        print(f"detect try {i + 1}: {target} {med[a]:.1f} -> {med[b]:.1f} cycles ({change * 100:+.0f}%): "
              f"{'caught' if caught else 'missed: ' + verdicts.get(target, 'absent')}; exit {rc}", flush=True)
        out.append({"exit": rc, "caught": caught, "change": change, "verdict": verdicts.get(target)})
    return out


def replay(tv, work, target):
    """The gate over the runs of an earlier invocation, as kept in work."""
    res = json.load(open(os.path.join(work, "gate-bench.json")))
    for mode in ("quiet", "busy"):
        if mode not in res:
            continue
        db = os.path.join(work, f"{mode}.db")
        fails = nov = 0
        for i, p in enumerate(res[mode]):
            rc, verdicts = compare(tv, p["base"], p["new"], db, os.path.join(work, f"replay-{mode}-{i}.md"))
            fails += rc == 4
            nov += rc == 5
            print(f"{mode} pair {i + 1}: exit {rc}; regressions {flagged(verdicts, '**regression**') or '-'}")
        print(f"  {mode}: {fails} of {len(res[mode])} A/A pairs failed the gate, {nov} gave no verdict")
    if "detect" in res:
        caught, per_cell, changes = 0, {}, {}
        for i in range(len(res["detect"])):
            a = os.path.join(work, f"detect-{i}a.json")
            b = os.path.join(work, f"detect-{i}slow.json")
            rc, verdicts = compare(tv, a, b, os.path.join(work, "quiet.db"), os.path.join(work, f"replay-detect-{i}.md"))
            hit = verdicts.get(target, "").startswith("**regression**") and rc == 4
            caught += hit
            print(f"detect try {i + 1}: {'caught' if hit else 'missed: ' + verdicts.get(target, 'absent')}")
            for name in flagged(verdicts, "**regression**"):
                per_cell[name] = per_cell.get(name, 0) + 1
            ma, mb = medians(a), medians(b)
            for name in ma:
                if name in mb:
                    changes.setdefault(name, []).append(mb[name] / ma[name] - 1)
        print(f"  detect: {caught} of {len(res['detect'])} caught ({target})")
        print("  every cell: median change with --stride 2048 over the tries, and how often the gate called it a regression")
        for name, ch in changes.items():
            ch = sorted(ch)
            print(f"    {name}: {ch[len(ch) // 2] * 100:+.0f}% (from {ch[0] * 100:+.0f}% to {ch[-1] * 100:+.0f}%), "
                  f"regression in {per_cell.get(name, 0)} of {len(res['detect'])}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("tlbvisor")
    ap.add_argument("--pairs", type=int, default=10)
    ap.add_argument("--tries", type=int, default=10)
    ap.add_argument("--prime", type=int, default=3)
    ap.add_argument("--modes", default="quiet,busy,detect")
    ap.add_argument("--target", default=TARGET)
    ap.add_argument("--dir")
    ap.add_argument("--replay", metavar="DIR", help="judge the runs kept in DIR again; run nothing")
    a = ap.parse_args()
    if a.replay:
        return replay(os.path.abspath(a.tlbvisor), a.replay, a.target)
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) < 2:
        sys.exit("gate-bench: needs two CPUs (one for tlbvisor, one to keep busy)")
    work = a.dir or tempfile.mkdtemp(prefix="gate-bench-")
    os.makedirs(work, exist_ok=True)
    tv = os.path.abspath(a.tlbvisor)
    modes = a.modes.split(",")
    start = time.time()
    res = {"host": os.uname().nodename, "load_before": os.getloadavg(), "dir": work}
    if "quiet" in modes:
        res["quiet"] = aa_pairs(tv, work, "quiet", a.pairs, a.prime, cpus)
    if "busy" in modes:
        with Busy(cpus[1]):
            res["busy"] = aa_pairs(tv, work, "busy", a.pairs, a.prime, cpus)
    if "detect" in modes:
        quiet_db = os.path.join(work, "quiet.db")
        if not os.path.exists(quiet_db):
            for i in range(a.prime):
                run_quick(tv, os.path.join(work, f"quiet-prime{i}.json"), quiet_db, cpus[0])
        res["detect"] = detect(tv, work, a.tries, cpus, a.target, quiet_db)
    res["load_after"] = os.getloadavg()
    res["seconds"] = time.time() - start
    print("\nsummary (load average before %.1f, after %.1f; %.0f s):" % (res["load_before"][0], res["load_after"][0],
                                                                        res["seconds"]))
    for mode in ("quiet", "busy"):
        if mode in res:
            p = res[mode]
            print(f"  {mode}: {sum(x['exit'] == 4 for x in p)} of {len(p)} A/A pairs failed the gate (exit 4), "
                  f"{sum(x['exit'] == 5 for x in p)} gave no verdict (exit 5), "
                  f"{sum(bool(x['unstable']) for x in p)} had cells reported unstable")
    if "detect" in res:
        d = res["detect"]
        changes = [x["change"] for x in d if x["change"] is not None]
        print(f"  detect: {sum(x['caught'] for x in d)} of {len(d)} slowdowns caught "
              f"({a.target}, --stride 2048; its change {min(changes) * 100:+.0f}% to {max(changes) * 100:+.0f}%)")
    json.dump(res, open(os.path.join(work, "gate-bench.json"), "w"), indent=1)
    print(f"  details: {work}/gate-bench.json, compare outputs {work}/*.md")


if __name__ == "__main__":
    main()
