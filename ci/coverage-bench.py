#!/usr/bin/env python3
"""Is the uncertainty tlbvisor reports honest? (A benchmark, not a test: it
asserts nothing.) Runs the same small matrix RUNS times and reports

  - coverage: how often a cell's median in run k falls inside what run k-1
    gave for it: its 95% interval of the median (ci_low, ci_high), which
    sees only that run's repetitions, and its next-run interval (next_low,
    next_high), which adds the cell's run-to-run spread from the history's
    earlier runs (the runs go to a history of their own, primed with PRIME
    runs first, so every counted run has one);
  - wall time per cell, per backend and working set (goal: at most 0.9 s
    for a native 64M cell), and the phases it went to.

Usage:

    ci/coverage-bench.py build/bench/tlbvisor [--runs 5] [--prime 3] [--dir DIR] [-- RUN-OPTIONS...]

The matrix: native (and kvm where /dev/kvm works), random chase, working sets
16k, 1m, 64m, host pages 4k and thp, 7 repetitions of at least 50 ms (the
quick preset's protocol). Extra options after "--" go to every `tlbvisor
run` (e.g. --sequential, --target-ci 2%). Writes DIR/coverage-bench.json.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time


def cells(path):
    """name -> the first entry of each finished cell (the one that carries its keys)."""
    out = {}
    for e in json.load(open(path))["benchmarks"]:
        if e.get("status") == "ok" and e.get("run_type") == "iteration" and e["run_name"] not in out:
            out[e["run_name"]] = e
    return out


def medians(path):
    return {e["run_name"]: e["cycles_per_access"] for e in json.load(open(path))["benchmarks"]
            if e.get("aggregate_name") == "median"}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("tlbvisor")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--prime", type=int, default=3)
    ap.add_argument("--dir")
    ap.add_argument("extra", nargs="*")
    a = ap.parse_args()
    tv = os.path.abspath(a.tlbvisor)
    work = a.dir or tempfile.mkdtemp(prefix="coverage-bench-")
    os.makedirs(work, exist_ok=True)
    kvm = os.access("/dev/kvm", os.R_OK | os.W_OK)
    backends = "native,kvm" if kvm else "native"
    base = [tv, "run", "--backend", backends, "--pattern", "random", "--ws", "16k,1m,64m", "--host-page", "4k,thp",
            "--repetitions", "7", "--min-time", "50ms", "--db", os.path.join(work, "coverage.db")] + (["--guest-page", "4k"] if kvm else [])
    start = time.time()
    files = []
    for k in range(-a.prime, a.runs):
        out = os.path.join(work, f"prime{-k}.json" if k < 0 else f"run{k}.json")
        if not (os.path.exists(out) and not os.path.exists(out + ".lock")):
            r = subprocess.run(base + ["--out", out] + a.extra, capture_output=True, text=True)
            if r.returncode not in (0, 3):
                sys.exit(f"coverage-bench: {out} failed ({r.returncode}): {r.stderr[-400:]}")
        if k >= 0:
            files.append(out)
        print(f"{'priming run' if k < 0 else 'run'} {k + 1 + a.prime if k < 0 else k + 1} of "
              f"{a.prime if k < 0 else a.runs} done", flush=True)
    inside, total, per_backend, misses = 0, 0, {}, []
    next_inside, next_total, next_per_backend, widths = 0, 0, {}, []
    for prev, cur in zip(files, files[1:]):
        p, m, pm = cells(prev), medians(cur), medians(prev)
        for name, e in p.items():
            if name not in m or "ci_low" not in e:
                continue
            hit = e["ci_low"] <= m[name] <= e["ci_high"]
            b = e["backend"]
            h, t = per_backend.get(b, (0, 0))
            per_backend[b] = (h + hit, t + 1)
            inside += hit
            total += 1
            if not hit:
                misses.append((name, e["ci_low"], e["ci_high"], m[name]))
            if "next_low" in e:
                nhit = e["next_low"] <= m[name] <= e["next_high"]
                h, t = next_per_backend.get(b, (0, 0))
                next_per_backend[b] = (h + nhit, t + 1)
                next_inside += nhit
                next_total += 1
                widths.append(max(e["next_high"] / pm[name] - 1, 1 - e["next_low"] / pm[name]))
    walls, phases, unstable, moved = {}, {}, 0, 0
    for f in files:
        for name, e in cells(f).items():
            key = f"{e['backend']} {e['ws']}"
            walls.setdefault(key, []).append(e["wall_seconds"])
            for ph, v in e.get("phases", {}).items():
                phases.setdefault(key, {}).setdefault(ph, []).append(v)
            unstable += e.get("stability") == "unstable"
            moved += e.get("clock_moved_reps", 0) > 0
    res = {"runs": a.runs, "backends": backends, "extra": a.extra, "coverage": inside / total if total else None,
           "inside": inside, "compared": total, "per_backend": per_backend, "seconds": time.time() - start,
           "next_coverage": next_inside / next_total if next_total else None, "next_inside": next_inside,
           "next_compared": next_total, "next_per_backend": next_per_backend,
           "next_half_width_median": statistics.median(widths) if widths else None,
           "load": os.getloadavg(), "wall": {k: statistics.median(v) for k, v in walls.items()},
           "wall_max": {k: max(v) for k, v in walls.items()}, "misses": misses}
    print(f"\ncoverage: {inside} of {total} medians inside the previous run's 95% interval "
          f"({100 * inside / max(total, 1):.0f}%; goal >= 90%)")
    for b, (h, t) in per_backend.items():
        print(f"  {b}: {h} of {t} ({100 * h / max(t, 1):.0f}%)")
    print(f"coverage of the next-run interval: {next_inside} of {next_total} medians inside the previous run's "
          f"next_low..next_high ({100 * next_inside / max(next_total, 1):.0f}%; goal >= 90%); its half width, "
          f"median over the cells: {100 * (res['next_half_width_median'] or 0):.0f}%")
    for b, (h, t) in next_per_backend.items():
        print(f"  {b}: {h} of {t} ({100 * h / max(t, 1):.0f}%)")
    print(f"cells reported unstable: {unstable}; cells with a repetition where the core clock moved: {moved}")
    print("wall seconds per cell, median (max) over runs and host pages, and the median phases:")
    for k in sorted(walls):
        ph = {p: statistics.median(v) for p, v in phases.get(k, {}).items()}
        print(f"  {k:14} {statistics.median(walls[k]):6.2f} ({max(walls[k]):.2f})   "
              + " ".join(f"{p[:-2]} {v:.2f}" for p, v in ph.items()))
    print(f"load average {res['load'][0]:.1f}; {res['seconds']:.0f} s; details in {work}/coverage-bench.json")
    json.dump(res, open(os.path.join(work, "coverage-bench.json"), "w"), indent=1)


if __name__ == "__main__":
    main()
