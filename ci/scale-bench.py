#!/usr/bin/env python3
"""How report and compare scale with the number of cells (a benchmark, not a
test: it asserts nothing). Generates synthetic results files of N cells, runs

    tlbvisor report FILE --out DIR
    tlbvisor compare BASE NEW --out FILE.md

on each size and prints wall time and maximum resident memory (getrusage of
the child). Usage:

    ci/scale-bench.py build/bench/tlbvisor [--cells 10000,100000,1000000]
                      [--reps 3] [--shape lean|full|full-old] [--dir DIR]

Shapes: 'lean' (default) is each cell with the Google Benchmark and the
basic tlbvisor cell keys but without backend counters or the uncertainty
keys: REPS iteration entries plus the median and cv aggregates, about
3.5 KB of JSON per cell at 3 repetitions. 'full' is a cell as the results
writer (bench/results/results_json.c) writes a real native cell: every key
in its order (phases, interval, drift, core clock, the next-run interval a
run with a history of 3 or more earlier runs writes, phase faults, page-size
counters, PMU status) on the cell's first entry, the identity and Google
Benchmark keys on the others, doubles to 17 significant digits as jansson
writes them, one compact entry a line, and all five aggregates: about 5.9 KB
per cell at 3 repetitions. 'full-old' is the same cell as files written
before 2026-11-30 hold it, every key on every entry: about 14.2 KB per cell.
Reading either is bound by JSON parsing (yajl).
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


def real(x):
    """A double as the writer's jansson writes it (JSON_REAL_PRECISION(17))."""
    t = "%.17g" % x
    if "e" in t:
        mant, exp = t.split("e")
        t = mant + "e" + ("-" if exp[0] == "-" else "") + (exp.lstrip("+-").lstrip("0") or "0")
    return t if ("." in t or "e" in t) else t + ".0"


def text(v):
    if isinstance(v, bool) or v is None:
        return json.dumps(v)
    if isinstance(v, float):
        return real(v)
    if isinstance(v, dict):
        return "{" + ",".join(json.dumps(k) + ":" + text(x) for k, x in v.items()) + "}"
    return json.dumps(v)


def full_entries(i, reps, scale, every_entry=False):
    """The entries of cell i as results_json.c writes a native cell (keys in
    its order; the values made up but of the same form): the cell's keys and
    counters on its first entry only, or on every entry (every_entry: the
    layout of files written before 2026-11-30)."""
    keys = cell_keys(i, "full")
    base = (10.0 + (i % 97)) * 1.0123456789012345
    tsc = 1996249000.0
    values = [base * scale * (1 + 0.01 * r) for r in range(reps)]
    med = sorted(values)[reps // 2]
    cell = [("name", keys["name"]), ("family_index", i), ("per_family_instance_index", 0), ("run_name", keys["name"]),
            ("threads", 1), ("backend", keys["backend"]), ("pattern", "random"), ("ws_bytes", keys["ws_bytes"]),
            ("ws", keys["ws"]), ("host_page", keys["host_page"]), ("guest_page", keys["guest_page"]), ("status", "ok"),
            ("wall_seconds", 0.3586968279996654 * scale),
            ("phases", {"setup_s": 0.00076335100311553106, "fault_in_s": 1.2472999515011907e-5,
                        "warmup_s": 0.00020699900051113218, "measure_s": 0.35771400499652373}),
            ("effective_page", keys["host_page"]), ("page_size_flagged", False), ("warmup_stable", True),
            ("tsc_hz", tsc), ("pmu_status", keys["pmu_status"]), ("ci_low", min(values)), ("ci_high", max(values)),
            ("ci_coverage", 0.984375), ("stability", "stable"), ("drift_pct", -0.31154473623771545),
            ("drift_p", 0.56190476190476191), ("core_per_tsc", 1.274151), ("core_cycles_per_access", med * 1.274151),
            ("clock_moved_reps", 0), ("next_low", min(values) * 0.8254126719123475),
            ("next_high", max(values) * 1.2115178011349186), ("run_spread", 0.043152071124015736), ("next_runs", 10),
            ("steal_ticks", 0.0), ("order", "alone: the other cells of its working set could not run")]
    head = ",".join(json.dumps(k) + ":" + text(v) for k, v in cell)
    identity = cell[:cell.index(("status", "ok")) + 1]  # name .. guest_page, status
    slim = ",".join(json.dumps(k) + ":" + text(v) for k, v in identity)
    cnt = ",".join(json.dumps(k) + ":" + text(float(v) if k not in ("warmup_passes", "elements") else v)
                   for k, v in counters("full").items())

    def entry(run_type, name, cycles, real_time, tail, first=False):
        full = first or every_entry
        ns = cycles / tsc * 1e9
        e = [("run_type", run_type), ("repetitions", reps), ("iterations", 31806422),
             ("real_time", real_time if real_time is not None else ns), ("cpu_time", real_time if real_time is not None else ns),
             ("time_unit", "ns"), ("cycles_per_access", cycles), ("ns_per_access", real_time if real_time is not None else ns)]
        body = ",".join(json.dumps(k) + ":" + text(v) for k, v in e)
        lead = head if full else slim
        lead = lead if name == keys["name"] else lead.replace(json.dumps(keys["name"]), json.dumps(name), 1)
        return ("{" + lead + "," + body + ("," + cnt if full else "") + "," +
                ",".join(json.dumps(k) + ":" + text(v) for k, v in tail) + "}")

    out = [entry("iteration", keys["name"], v, None,
                 [("repetition_index", r), ("rep_core_per_tsc", 1.274027), ("rep_clock_moved", False)], first=r == 0)
           for r, v in enumerate(values)]
    for agg, v in [("mean", sum(values) / reps), ("median", med), ("stddev", 0.01 * base), ("min", min(values)),
                   ("cv", 0.01)]:
        out.append(entry("aggregate", keys["name"] + "_" + agg, v, v if agg == "cv" else None,
                         [("aggregate_name", agg), ("aggregate_unit", "percentage" if agg == "cv" else "time")]))
    return out


def write_results(path, n, reps, scale, shape):
    context = {"date": "2026-01-01T00:00:00+0000", "host_name": "synthetic", "executable": "tlbvisor",
               "num_cpus": 2, "tlbvisor_version": "synthetic", "command_line": "ci/scale-bench.py",
               "interrupted": False, "cells_total": n, "repetitions": reps}
    with open(path, "w") as f:
        if shape in ("full", "full-old"):  # laid out as the writer lays it out
            f.write('{\n  "context": ' + json.dumps(context, indent=2).replace("\n", "\n  ") + ',\n  "benchmarks": [\n')
            for i in range(n):
                f.write((",\n" if i else "") + ",\n".join(
                    "    " + e for e in full_entries(i, reps, scale, every_entry=shape == "full-old")))
            f.write("\n  ]\n}\n")
            return
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
    ap.add_argument("--shape", choices=["lean", "full", "full-old"], default="lean")
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
