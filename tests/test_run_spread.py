#!/usr/bin/env python3
"""The run-to-run spread a run learns from its history, and the paired-rounds
gate, end to end on real runs and a real SQLite history:
- the first runs of a cell carry no next-run interval; once the history holds
  3 earlier runs of it on this host, its JSON entries, CSV row and history row
  carry next_low/next_high, recomputed here from the earlier medians in the
  history and the cell's own interval;
- compare --paired on real results files: identical rounds pass, rounds whose
  NEW side is 30% slower in every round fail the gate (exit 4), too few
  rounds are insufficient data (exit 5).
Usage: test_run_spread.py TLBVISOR"""
import copy
import csv
import json
import math
import os
import sqlite3
import statistics
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tvtest  # noqa: E402
from tvtest import check, finish, load_json  # noqa: E402

TLBVISOR = sys.argv[1]
TMP = tempfile.TemporaryDirectory(prefix="tlbvisor-spread-")
D = TMP.name
DB = os.path.join(D, "h.db")
NAME = "chase/random/ws:16K/backend:native/host:4k"
D2 = [0, 0, 1.128, 1.693, 2.059, 2.326, 2.534, 2.704, 2.847, 2.970, 3.078]


def run(i):
    out = os.path.join(D, f"r{i}.json")
    r = tvtest.run(TLBVISOR, "run", "--backend", "native", "--ws", "16k", "--host-page", "4k", "--repetitions", "5",
                   "--min-time", "0.005", "--out", out, "--csv", os.path.join(D, f"r{i}.csv"), "--db", DB)
    check(f"run {i} into the history", r.returncode == 0, r.stderr[-400:])
    return load_json(out)


def first_entry(doc):
    return next(e for e in doc["benchmarks"] if e["run_name"] == NAME)


def sigma(medians):
    logs = sorted(math.log(m) for m in medians)
    c = statistics.median(logs)
    mad = 1.4826 * statistics.median(abs(x - c) for x in logs)
    return max(mad, (logs[-1] - logs[0]) / D2[len(logs)])


for i in range(3):
    e = first_entry(run(i))
    check(f"run {i}: fewer than 3 earlier runs, no next-run interval",
          "next_low" not in e and "next_high" not in e and "ci_low" in e, sorted(e))

doc = run(3)
e = first_entry(doc)
median = next(x["cycles_per_access"] for x in doc["benchmarks"]
              if x["run_name"] == NAME and x.get("aggregate_name") == "median")
con = sqlite3.connect(DB)
earlier = [m for (m,) in con.execute("SELECT median_cycles FROM cells WHERE name=? AND run_id<4 ORDER BY run_id",
                                     (NAME,))]
row = con.execute("SELECT next_low, next_high, run_spread, next_runs FROM cells WHERE name=? AND run_id=4",
                  (NAME,)).fetchone()
con.close()
s = sigma(earlier)
w = max(math.log(median / e["ci_low"]), math.log(e["ci_high"] / median))
half = math.sqrt(2) * math.sqrt(w * w + (4.303 * s) ** 2)  # Student's t, 97.5%, 2 degrees of freedom
want = (median * math.exp(-half), median * math.exp(half))
check("run 4: the JSON carries the next-run interval from the 3 earlier medians and its own interval",
      "next_low" in e and e["next_runs"] == 3 and abs(e["run_spread"] - s) < 1e-9
      and abs(e["next_low"] - want[0]) < 1e-6 * want[0] and abs(e["next_high"] - want[1]) < 1e-6 * want[1],
      f"{e.get('next_low')}..{e.get('next_high')} (spread {e.get('run_spread')}) want {want} (spread {s})")
check("run 4: the interval holds the run's own interval", e["next_low"] <= e["ci_low"] and e["next_high"] >= e["ci_high"])
later = [x for x in doc["benchmarks"] if x["run_name"] == NAME][1:]
check("run 4: written once, on the cell's first entry (the later ones carry only their own timings)",
      later and all("next_low" not in x and "run_spread" not in x for x in later), later[:1])
rows = list(csv.DictReader(open(os.path.join(D, "r3.csv"))))
c = next(r for r in rows if r["name"] == NAME)
check("run 4: the CSV row carries it", abs(float(c["next_low"]) - want[0]) < 1e-3 * want[0] + 1e-3
      and abs(float(c["next_high"]) - want[1]) < 1e-3 * want[1] + 1e-3 and c["next_runs"] == "3", c)
check("run 4: the history row carries it", row and abs(row[0] - want[0]) < 1e-6 * want[0]
      and abs(row[1] - want[1]) < 1e-6 * want[1] and row[3] == 3, row)

# compare --paired on real files: rounds of the run above against itself,
# and against a copy whose cycles are 30% higher in every round.
base = load_json(os.path.join(D, "r3.json"))
slow = copy.deepcopy(base)
for x in slow["benchmarks"]:
    for k in ("cycles_per_access", "real_time", "cpu_time", "ns_per_access", "ci_low", "ci_high"):
        if isinstance(x.get(k), (int, float)) and x.get("aggregate_name") != "cv":
            x[k] *= 1.3
paths = {}
for tag, d in (("base", base), ("slow", slow)):
    paths[tag] = os.path.join(D, f"{tag}.json")
    json.dump(d, open(paths[tag], "w"))


def paired(new, rounds):
    args = []
    for _ in range(rounds):
        args += [paths["base"], paths[new]]
    return tvtest.run(TLBVISOR, "compare", "--paired", *args)


r = paired("base", 5)
check("compare --paired: identical rounds pass", r.returncode == 0 and "no significant regression" in r.stdout,
      r.stdout[-600:] + r.stderr)
r = paired("slow", 5)
check("compare --paired: 30% slower in all 5 rounds fails the gate", r.returncode == 4
      and f"| {NAME} |" in r.stdout and "**regression**: beyond the threshold in 5 of 5 rounds" in r.stdout,
      r.stdout[-600:] + r.stderr)
r = paired("slow", 4)
check("compare --paired: 4 rounds are insufficient data", r.returncode == 5
      and "fix: run at least 5 rounds" in r.stdout, r.stdout[-600:] + r.stderr)
r = paired("slow", 1)
check("compare --paired: one round is insufficient data, in the singular", r.returncode == 5
      and "1 paired round\n" in r.stdout and "insufficient data: 1 round;" in r.stdout
      and "(1 given); fix: run at least 5 rounds" in r.stdout, r.stdout[-600:] + r.stderr)
finish()
