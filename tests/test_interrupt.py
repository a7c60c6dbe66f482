#!/usr/bin/env python3
"""Interrupted runs: 20 SIGINT/SIGTERM kills of one matrix, each sent on an
event the run prints (its start-up line, the progress line naming the next
cell, a finished cell's row), never after a guessed delay; the number of
kills does not depend on the backends this machine has. After each kill:
exit 130, valid JSON and history holding every finished cell and nothing
partial; the cells kept from before unchanged, byte for byte; the cells measured are
exactly the rows this run printed (none kept re-run). A last --resume
completes the matrix: every cell exactly once, the CSV a row per cell.
Usage: test_interrupt.py TLBVISOR"""
import csv
import json
import os
import random
import shutil
import signal
import sqlite3
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tvtest  # noqa: E402
from tvtest import LiveRun, check, entries_by_cell, finish, kvm_usable, load_json  # noqa: E402

TLBVISOR = sys.argv[1]
TMP = tempfile.mkdtemp(prefix="tlbvisor-kill-")
rng = random.Random(20261122)

KILLS = 20
REPS = 5
backends = "native,kvm" if kvm_usable() else "native"
# Cells of one working set are measured round-robin and finish together: a
# kill ends at most one such group (2 native cells, 4 kvm ones). Without kvm,
# more working sets keep 20 kills from finishing the matrix.
WS = ["16k", "256k", "2m", "8m", "32m"] + ([] if "kvm" in backends else ["32k", "64k", "512k", "1m", "4m"])
out, csv_path, db = (os.path.join(TMP, f) for f in ("r.json", "r.csv", "h.db"))
args = ["run", "--backend", backends, "--ws", ",".join(WS), "--pattern", "random,seq", "--host-page", "4k,thp",
        "--guest-page", "4k,2m", "--repetitions", str(REPS), "--min-time", "0.02", "--db", db, "--csv", csv_path]
total = 2 * len(WS) * 2 * (1 + (2 if "kvm" in backends else 0))
# 20 kills of at most one group each leave room to finish.
assert total >= 2 * KILLS


def kept_unchanged(was, now):
    """A kept cell's entries (their text) exactly as the earlier run wrote
    them: the results keep 17 significant digits and each cell's TSC rate,
    so a cell read back and written again is the same, byte for byte."""
    return was == now


def history_last_run():
    con = sqlite3.connect(db)
    integrity = con.execute("PRAGMA integrity_check").fetchone()[0]
    last = con.execute("SELECT max(id) FROM runs").fetchone()[0]
    stored = {n: json.loads(e) for n, e in con.execute("SELECT name, entries FROM cells WHERE run_id=?", (last,))}
    con.close()
    return integrity, stored


def after_run(label, before, rows, stderr, rc, want_rc):
    """The checks after every run: before = the kept cells' entries (text), rows = rows printed."""
    check(f"{label}: exit status {want_rc}", rc == want_rc, f"rc={rc} {stderr[-300:]}")
    try:
        doc = load_json(out)
    except (OSError, ValueError) as e:
        check(f"{label}: results JSON valid", False, repr(e))
        return {}
    now = entries_by_cell(doc)
    by = tvtest.cells(doc)
    complete = all(len([e for e in es if e["run_type"] == "iteration"]) == REPS and
                   any(e.get("aggregate_name") == "median" for e in es)
                   for es in by.values() if es[0]["status"] == "ok")
    check(f"{label}: every cell in the results is complete", complete)
    check(f"{label}: every cell ok (no failed or skipped cell in this matrix)",
          all(es[0]["status"] == "ok" for es in by.values()),
          [(n, es[0].get("error_message")) for n, es in by.items() if es[0]["status"] != "ok"][:3])
    changed = [n for n in before if n not in now or not kept_unchanged(before[n], now[n])]
    check(f"{label}: the {len(before)} kept cells hold what the earlier run wrote", not changed, changed[:3])
    rerun = [n for n in rows if n in before]
    check(f"{label}: no kept cell measured again", not rerun, rerun[:3])
    check(f"{label}: the cells measured are exactly the rows printed, each once",
          sorted(rows) == sorted(set(now) - set(before)) and len(rows) == len(set(rows)),
          f"rows={len(rows)} new={len(set(now) - set(before))}")
    if before:
        check(f"{label}: resume says how many cells it kept",
              f"{len(before)} cells kept, {total - len(before)} to run" in stderr, stderr[:300])
    integrity, stored = history_last_run()
    check(f"{label}: history valid, its newest run holds every cell of the results, same entries",
          integrity == "ok" and stored.keys() == by.keys() and all(stored[n] == by[n] for n in by),
          f"integrity={integrity} missing={set(by) - set(stored)} extra={set(stored) - set(by)}")
    return now


kept = {}
kinds = ["start-up", "cell start", "row"]
for kill in range(1, KILLS + 1):
    kind = rng.choice(kinds)
    sig = rng.choice([signal.SIGINT, signal.SIGTERM])
    run = LiveRun(TLBVISOR, args + (["--resume", out] if kept else ["--out", out]))
    if kind == "start-up":  # the line saying how many cells and where the results go
        ev = run.next_event()
        while ev[0] != "exit" and not (ev[0] == "stderr" and " cells, TSC " in ev[1]):
            ev = run.next_event()
    else:
        ev = run.until("start" if kind == "cell start" else "row")
    if ev is None or ev[0] == "exit":
        check(f"kill {kill}: the run was still going at the {kind} event", False, run.stderr[-300:])
        run.wait()
        break
    run.signal(sig)
    rc = run.wait()
    kept = after_run(f"kill {kill} ({signal.Signals(sig).name} at {kind})", kept, run.rows, run.stderr, rc, 130)

run = LiveRun(TLBVISOR, args + ["--resume", out])
rc = run.wait()
final = after_run("the last --resume", kept, run.rows, run.stderr, rc, 0)
check("the matrix is complete: every cell exactly once", len(final) == total, f"{len(final)}/{total}")
doc = load_json(out)
names = [b["run_name"] for b in doc["benchmarks"] if b.get("repetition_index") == 0]
check("each cell's repetitions once", len(names) == total and len(set(names)) == total, len(names))
rows = list(csv.DictReader(open(csv_path)))
medians = {b["run_name"]: b["cycles_per_access"] for b in doc["benchmarks"] if b.get("aggregate_name") == "median"}
check("the CSV has a row per cell with its median and repetitions, kept cells too",
      len(rows) == total and all(abs(float(r["median_cycles"]) - medians[r["name"]]) <= 0.0005 + 1e-9
                                 and r["reps"] == str(REPS) and r["status"] == "ok" for r in rows),
      rows[:2])
shutil.rmtree(TMP, ignore_errors=True)
finish()
