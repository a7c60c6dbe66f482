#!/usr/bin/env python3
"""Interrupted runs: SIGINT and SIGTERM at random points of a matrix (VM
creation, warm-up, measurement, writing), at least 20 times. After each:
valid JSON and a valid history holding every completed cell, nothing
partial, no host state left changed; --resume then completes the matrix.
Usage: test_interrupt.py TLBVISOR"""
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tvtest  # noqa: E402
from tvtest import check, finish, kvm_usable, skip  # noqa: E402,F401
import time

TLBVISOR = sys.argv[1]
TMP = tempfile.mkdtemp(prefix="tlbvisor-kill-")
random.seed(20261122)




def host_state():
    """What tlbvisor must never leave changed: hugetlb pools, KVM knobs."""
    state = {}
    for path in ("/proc/sys/vm/nr_hugepages", "/sys/kernel/mm/hugepages/hugepages-1048576kB/nr_hugepages",
                 "/sys/module/kvm_intel/parameters/enable_vpid"):
        try:
            state[path] = open(path).read().strip()
        except OSError:
            pass
    return state


try:
    os.close(os.open("/dev/kvm", os.O_RDWR))
    backends = "native,kvm"
except OSError:
    backends = "native"
REPS = 5
out = os.path.join(TMP, "r.json")
db = os.path.join(TMP, "h.db")
WS = ["16k", "256k", "2m", "8m", "32m"]
args = ["run", "--backend", backends, "--ws", ",".join(WS), "--pattern", "random,seq", "--host-page", "4k,thp",
        "--guest-page", "4k,2m", "--repetitions", str(REPS), "--min-time", "0.03", "--db", db]
before = host_state()
kills = 0
first = True
for attempt in range(80):
    cmd = [TLBVISOR, *args] + (["--out", out] if first else ["--resume", out])
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    time.sleep(random.uniform(0.05, 1.0))
    sig = random.choice([signal.SIGINT, signal.SIGTERM])
    p.send_signal(sig)
    _, err = p.communicate(timeout=120)
    if p.returncode == 0:
        break  # finished before the signal
    first = False
    kills += 1
    check(f"kill {kills}: exit status 130", p.returncode == 130, f"rc={p.returncode} {err[-300:]}")
    try:
        doc = json.load(open(out))
    except (OSError, ValueError) as e:
        check(f"kill {kills}: results JSON valid", False, repr(e))
        continue
    cells = {}
    for b in doc["benchmarks"]:
        cells.setdefault(b["run_name"], []).append(b)
    complete = all(len([e for e in es if e["run_type"] == "iteration"]) == REPS and
                   any(e.get("aggregate_name") == "median" for e in es)
                   for es in cells.values() if es[0]["status"] == "ok")
    check(f"kill {kills}: every cell in the results is complete", complete)
    con = sqlite3.connect(db)
    integrity = con.execute("PRAGMA integrity_check").fetchone()[0]
    last = con.execute("SELECT max(id) FROM runs").fetchone()[0]
    stored = {n for (n,) in con.execute("SELECT name FROM cells WHERE run_id=?", (last,))}
    con.close()
    check(f"kill {kills}: history valid and holding every completed cell", integrity == "ok" and set(cells) <= stored,
          f"integrity={integrity} missing={set(cells) - stored}")
    check(f"kill {kills}: no host state left changed", host_state() == before, host_state())
    if kills >= 25:
        break

check("at least 20 kills", kills >= 20, kills)
r = subprocess.run([TLBVISOR, *args, "--resume", out], capture_output=True, text=True, timeout=600)
doc = json.load(open(out))
names = [b["run_name"] for b in doc["benchmarks"] if b["run_type"] == "iteration" and b.get("repetition_index", 0) == 0]
expected = 2 * len(WS) * 2 * (1 + (2 if "kvm" in backends else 0))
check("--resume completes the matrix, every cell exactly once", r.returncode in (0, 3) and len(names) == expected
      and len(set(names)) == expected, f"rc={r.returncode} {len(names)}/{expected} {r.stderr[-300:]}")
check("no host state left changed at the end", host_state() == before)
print(f"{kills} kills")
shutil.rmtree(TMP, ignore_errors=True)
finish()
