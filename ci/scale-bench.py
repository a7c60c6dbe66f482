#!/usr/bin/env python3
"""How report and compare scale with the number of cells (a benchmark, not a
test: it asserts nothing). Generates synthetic results files of N cells, runs

    tlbvisor report FILE --out DIR
    tlbvisor compare BASE NEW --out FILE.md

on each size and prints wall time and maximum resident memory (getrusage of
the child). Usage:

    ci/scale-bench.py build/bench/tlbvisor [--cells 10000,100000,1000000]
                      [--reps 3] [--shape lean|full] [--dir DIR]

Shapes: 'lean' (default) is each cell as the results writer lays it out, with
the Google Benchmark and tlbvisor cell keys but without backend counters:
REPS iteration entries plus the median and cv aggregates, about 1.7 KB of
JSON per cell at 3 repetitions. 'full' copies every key of a real native
cell (phase faults, page-size counters, PMU status) and all five aggregates,
about 8 KB per cell: reading it is bound by JSON decoding (jansson).
NEW is BASE with every value 3% higher, so compare has work on every cell.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

BACKENDS = ["native", "kvm"]
PAGES = ["4k", "2m"]


def cell_keys(i, shape):
    ws = 4096 << (i % 18)
    backend = BACKENDS[i % 2]
    host = PAGES[(i // 2) % 2]
    guest = None if backend == "native" else PAGES[(i // 4) % 2]
    # Names unique per cell: a fleet's merged file, one host per block.
    name = f"chase/random/ws:{ws}/backend:{backend}/host:{host}" + (f"/guest:{guest}" if guest else "") + f"/h{i}"
    keys = {"name": name, "family_index": i, "per_family_instance_index": 0, "run_name": name, "threads": 1,
            "backend": backend, "pattern": "random", "ws_bytes": ws, "ws": f"{ws >> 10}K", "host_page": host,
            "guest_page": guest, "status": "ok", "effective_page": host, "page_size_flagged": False,
            "warmup_stable": True}
    if shape == "full":
        keys["pmu_status"] = "perf_event_open(perf::DTLB-LOAD-MISSES) failed: No such file or directory (no hardware PMU for this event on this machine)"
    return keys


def counters(shape):
    c = {"warmup_passes": 2, "elements": 256, "timer_overhead_cycles": 52.0}
    if shape == "full":
        for phase in ("build", "warmup", "measure"):
            c[f"{phase}_faults"] = 4.0
            c[f"{phase}_major_faults"] = 0.0
        c.update({"eff_host_4k_pages": 4.0, "eff_host_2m_pages": 0.0, "eff_host_1g_pages": 0.0,
                  "eff_host_requested_fraction": 1.0, "page_size_mismatch": 0.0})
    return c


def entries(i, reps, scale, shape):
    keys = cell_keys(i, shape)
    base = 10.0 + (i % 97)
    cnt = counters(shape)
    out = []
    values = [base * scale * (1 + 0.01 * r) for r in range(reps)]
    for r, v in enumerate(values):
        e = dict(keys, run_type="iteration", repetitions=reps, iterations=100000, real_time=v / 2,
                 cpu_time=v / 2, time_unit="ns", cycles_per_access=v, ns_per_access=v / 2, **cnt)
        e["repetition_index"] = r
        out.append(e)
    med = sorted(values)[reps // 2]
    aggs = [("median", med)] if shape == "lean" else [
        ("mean", sum(values) / reps), ("median", med), ("stddev", 0.01 * base), ("min", min(values))]
    for agg, v in aggs + [("cv", 0.01)]:
        e = dict(keys, name=keys["name"] + "_" + agg, run_type="aggregate", repetitions=reps, iterations=100000,
                 real_time=v / 2 if agg != "cv" else v, cpu_time=v / 2 if agg != "cv" else v, time_unit="ns",
                 cycles_per_access=v, ns_per_access=v / 2 if agg != "cv" else v, **cnt)
        e.update(aggregate_name=agg, aggregate_unit="percentage" if agg == "cv" else "time")
        out.append(e)
    return out


def write_results(path, n, reps, scale, shape):
    context = {"date": "2026-01-01T00:00:00+0000", "host_name": "synthetic", "executable": "tlbvisor",
               "num_cpus": 2, "tlbvisor_version": "synthetic", "command_line": "ci/scale-bench.py",
               "interrupted": False, "cells_total": n, "repetitions": reps}
    with open(path, "w") as f:
        f.write('{"context": ' + json.dumps(context) + ', "benchmarks": [\n')
        for i in range(n):
            f.write((",\n" if i else "") + ",\n".join(json.dumps(e) for e in entries(i, reps, scale, shape)))
        f.write("\n]}\n")


def measure(cmd):
    """Wall seconds, CPU seconds and max RSS (MB) of one child (its own
    rusage), its exit status and the last line it printed on stderr. On a
    shared machine the CPU time is the figure that does not depend on the
    other tenants."""
    t = time.monotonic()
    with tempfile.TemporaryFile(mode="w+") as err:
        p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err)
        _, status, ru = os.wait4(p.pid, 0)
        p.returncode = os.waitstatus_to_exitcode(status)
        wall = time.monotonic() - t
        err.seek(0)
        last = (err.read().strip().splitlines() or [""])[-1]
    return wall, ru.ru_utime + ru.ru_stime, ru.ru_maxrss / 1024.0, p.returncode, [last]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("tlbvisor")
    ap.add_argument("--cells", default="10000,100000,1000000")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--shape", choices=["lean", "full"], default="lean")
    ap.add_argument("--dir", default=None, help="where the synthetic files go (default: a temporary directory)")
    a = ap.parse_args()
    work = a.dir or tempfile.mkdtemp(prefix="tlbvisor-scale-")
    os.makedirs(work, exist_ok=True)
    print(f"shape {a.shape}, {a.reps} repetitions per cell, files in {work}")
    print(f"{'cells':>9} {'file MB':>8} | {'report s':>9} {'cpu s':>7} {'max MB':>7} | {'compare s':>9} {'cpu s':>7} {'max MB':>7}")
    for n in sorted(int(x) for x in a.cells.split(",")):
        base, new = os.path.join(work, f"base-{n}.json"), os.path.join(work, f"new-{n}.json")
        write_results(base, n, a.reps, 1.0, a.shape)
        write_results(new, n, a.reps, 1.03, a.shape)
        size = os.path.getsize(base) / 1e6
        rep_dir = os.path.join(work, f"report-{n}")
        rt, rc_, rm, rrc, rerr = measure([a.tlbvisor, "report", base, "--out", rep_dir])
        ct, cc, cm, crc, cerr = measure([a.tlbvisor, "compare", base, new, "--out", os.path.join(work, f"compare-{n}.md")])
        note = "" if rrc == 0 and crc in (0, 4, 5) else f"  (report rc={rrc} {rerr[0]}; compare rc={crc} {cerr[0]})"
        print(f"{n:>9} {size:>8.0f} | {rt:>9.2f} {rc_:>7.2f} {rm:>7.0f} | {ct:>9.2f} {cc:>7.2f} {cm:>7.0f}{note}", flush=True)
        for p in (base, new):
            os.unlink(p)
        shutil.rmtree(rep_dir, ignore_errors=True)
    if not a.dir:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
