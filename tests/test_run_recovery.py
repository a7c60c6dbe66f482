#!/usr/bin/env python3
"""Runs that go wrong and numbers that must not mislead (issue 10): --resume
refuses another matrix, protocol, payload, matrix file or shard; every
section of a matrix file is validated; a killed run is marked and
never duplicated in the history; options that would mislead are refused;
compare gives "insufficient data", never a pass, and refuses values that
cannot be measurements; errors point the right way (ingest, iso, few file
descriptors, report last); Ctrl-C in a 60 s repetition.
Usage: test_run_recovery.py TLBVISOR SERIAL_LOG"""
import csv
import json
import os
import resource
import signal
import sqlite3
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tvtest  # noqa: E402,F401
from tvtest import check, finish, kvm_usable  # noqa: E402
from hostile_files import SMALL, fresh, refused_unchanged, results, run, write  # noqa: E402
import hostile_files  # noqa: E402

TLBVISOR, TMP = hostile_files.setup(sys.argv[1], "tlbvisor-run-recovery-")
SERIAL_LOG = os.path.abspath(sys.argv[2])


def test_resume():
    d = fresh("resume")
    base = ["run", "--backend", "native", "--host-page", "4k", "--min-time", "0.001", "--db", "h.db"]
    r = run(*base, "--ws", "16k,32k", "--repetitions", "3", "--out", "r.json", cwd=d)
    check("resume: a first run", r.returncode == 0, r.stderr)
    refused_unchanged("--resume with another matrix", d, [*base, "--ws", "64k", "--repetitions", "3", "--resume", "r.json"],
                      ["cannot resume", "does not have", "ws:16K"])
    refused_unchanged("--resume with another protocol", d,
                      [*base, "--ws", "16k,32k", "--repetitions", "4", "--resume", "r.json"],
                      ["cannot resume", "--repetitions 3", "asks for 4"])
    payload = os.path.join(os.path.dirname(os.path.dirname(TLBVISOR)), "workloads", "payload.elf")
    refused_unchanged("--resume with another payload", d,
                      [*base, "--ws", "16k,32k", "--repetitions", "3", "--payload", payload, "--resume", "r.json"],
                      ["cannot resume", "payload embedded", payload])
    # SIGKILL in the middle, then --resume: one run in the history, each cell once.
    args = [*base, "--ws", "16k,32k,64k,128k,256k", "--repetitions", "3", "--min-time", "0.2"]
    p = subprocess.Popen([TLBVISOR, *args, "--out", "k.json"], cwd=d, stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL, text=True)
    p.stdout.readline()  # the header
    p.stdout.readline()  # the first cell is written
    p.kill()
    p.wait(timeout=60)
    r = run(*args, "--resume", "k.json", cwd=d)
    con = sqlite3.connect(os.path.join(d, "h.db"))
    rows = con.execute("SELECT id, finished, interrupted, killed FROM runs WHERE source LIKE 'run%' AND"
                       " json_extract(context, '$.run_id') = ?",
                       (json.load(open(os.path.join(d, "k.json")))["context"]["run_id"],)).fetchall()
    cells = con.execute("SELECT name, count(*) FROM cells WHERE run_id=? GROUP BY name",
                        (rows[0][0] if rows else -1,)).fetchall()
    con.close()
    check("SIGKILL + --resume: one run, marked killed and finished, every cell exactly once",
          r.returncode == 0 and len(rows) == 1 and rows[0][1:] == (1, 0, 1) and len(cells) == 5
          and all(n == 1 for _, n in cells), f"rc={r.returncode} runs={rows} cells={cells} {r.stderr[-300:]}")
    # A run killed and never resumed is marked killed by the next run on the history.
    p = subprocess.Popen([TLBVISOR, *args, "--out", "k2.json"], cwd=d, stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL, text=True)
    p.stdout.readline()
    p.stdout.readline()
    p.kill()
    p.wait(timeout=60)
    run(*base, "--ws", "16k", "--repetitions", "2", "--out", "after.json", cwd=d)
    con = sqlite3.connect(os.path.join(d, "h.db"))
    unfinished = con.execute("SELECT count(*) FROM runs WHERE finished=0").fetchone()[0]
    killed = con.execute("SELECT count(*) FROM runs WHERE killed=1").fetchone()[0]
    con.close()
    check("a killed run is marked killed by the next run", unfinished == 0 and killed == 2, (unfinished, killed))


# ---- matrix files and shards ------------------------------------------------

MATRIX = """repetitions = 2
min-time = 0.001
host-page = 4k
[small]
backend = native
ws = 16k
[large]
backend = native
ws = 64k,128k
"""


def test_matrix_files():
    d = fresh("matrix")
    open(os.path.join(d, "m.ini"), "w").write(MATRIX)
    open(os.path.join(d, "other.ini"), "w").write(MATRIX.replace("ws = 64k,128k", "ws = 64k,128k\nstride = 8k"))
    open(os.path.join(d, "bad.ini"), "w").write(MATRIX.replace("ws = 64k,128k", "ws = 64k,128k\nstride = 128k"))
    # Every section is validated, with the command line over it.
    refused_unchanged("a matrix file section with a working set below the stride", d,
                      ["run", "--matrix", "bad.ini", "--out", "b.json", "--db", "b.db"],
                      ["bad.ini, section [large]", "invalid --ws 64K with --stride 128K"])
    refused_unchanged("the command line over every section of a matrix file", d,
                      ["run", "--matrix", "m.ini", "--stride", "32k", "--out", "b.json", "--db", "b.db"],
                      ["m.ini, section [small]", "invalid --ws 16K with --stride 32K"])
    r = run("run", "--matrix", "m.ini", "--out", "m.json", "--db", "m.db", cwd=d)
    check("a matrix-file run", r.returncode == 0, r.stderr[-300:])
    # The same cells from another matrix file (another protocol in one section).
    refused_unchanged("--resume of a matrix-file run with another matrix file", d,
                      ["run", "--matrix", "other.ini", "--resume", "m.json", "--db", "m.db"],
                      ["cannot resume", "--stride", "matrix", json.load(open(os.path.join(d, "m.json")))
                       ["context"]["matrix"]["hash"]])
    r = run("run", "--matrix", "m.ini", "--resume", "m.json", "--db", "m.db", cwd=d)
    check("--resume of a matrix-file run with its own file keeps every cell",
          r.returncode == 0 and "3 cells kept, 0 to run" in r.stderr, r.stderr[-300:])
    # A shard resumed as another shard, or as the whole matrix, is refused.
    r = run("run", "--matrix", "m.ini", "--shard", "1/2", "--out", "s1.json", "--db", "s.db", cwd=d)
    check("shard 1/2 of the matrix file", r.returncode == 0, r.stderr[-300:])
    refused_unchanged("--resume of shard 1/2 as shard 2/2", d,
                      ["run", "--matrix", "m.ini", "--shard", "2/2", "--resume", "s1.json", "--db", "s.db"],
                      ["cannot resume", "shard 1/2"])
    refused_unchanged("--resume of shard 1/2 as the whole matrix", d,
                      ["run", "--matrix", "m.ini", "--resume", "s1.json", "--db", "s.db"],
                      ["cannot resume", "shard 1/2", "whole matrix"])


# ---- options ---------------------------------------------------------------

def test_options():
    d = fresh("options")
    for args, words in [
        (["--exit-every", "-1"], ["invalid --exit-every '-1'"]),
        (["--ws", "16k,16k"], ["16K is given twice"]),
        (["--ws", "16k,16384"], ["16K is given twice"]),
        (["--pattern", "random,random"], ["random is given twice"]),
        (["--host-page", "4k,4k"], ["4k is given twice"]),
        (["--ws", "1m", "--stride", "2m"], ["smaller than the stride"]),
        (["--ws", "6k"], ["whole number of strides"]),
        (["--ws", "1m", "--group", "3m"], ["--group"]),
        (["--ws", "16k", "--group", "2m"], ["does not divide"]),
    ]:
        refused_unchanged(f"run {' '.join(args)}", d, ["run", "--backend", "native", *args], words)
    r = run("run", *SMALL, "--seed", "18446744073709551615", "--out", "seed.json", "--db", "seed.db", cwd=d)
    seed = json.load(open(os.path.join(d, "seed.json")))["context"].get("seed")
    con = sqlite3.connect(os.path.join(d, "seed.db"))
    stored = con.execute("SELECT json_extract(context, '$.seed') FROM runs").fetchone()[0]
    con.close()
    check("a seed above 2^63 is stored without a sign error (JSON and history)",
          r.returncode == 0 and seed == "18446744073709551615" and str(stored) == "18446744073709551615",
          f"{seed!r} {stored!r}")
    r = run("run", *SMALL, "--host-page", "4k,2m", "--out", "c.json", "--csv", "c.csv", "--no-db", cwd=d)
    doc = tvtest.first_entries(json.load(open(os.path.join(d, "c.json"))))
    rows = list(csv.DictReader(open(os.path.join(d, "c.csv"))))
    check("CSV fields with commas and quotes stay one field each",
          len(rows) == len(doc) and all(row["reason"] == (doc[row["name"]].get("error_message") or
                                                           doc[row["name"]].get("page_size_note", "")) for row in rows),
          rows)


# ---- compare ---------------------------------------------------------------

def test_compare():
    d = fresh("cmp")
    cells = [("chase/random/ws:16K/backend:native/host:4k", "native", 16384, "4k", None)]
    write(os.path.join(d, "a2.json"), results(cells, reps=2))
    write(os.path.join(d, "b2.json"), results(cells, reps=2, scale=10))
    r = run("compare", "a2.json", "b2.json", cwd=d)
    check("compare x10 at 2 repetitions: insufficient data, not a pass",
          r.returncode == 5 and "insufficient data" in r.stdout and "--repetitions" in r.stdout
          and "no significant regression" not in r.stdout, f"rc={r.returncode} {r.stdout[-400:]}")
    write(os.path.join(d, "other.json"), results([("chase/random/ws:32K/backend:native/host:4k", "native", 32768, "4k",
                                                    None)]))
    write(os.path.join(d, "a5.json"), results(cells))
    r = run("compare", "a5.json", "other.json", cwd=d)
    check("compare with zero comparable cells: insufficient data",
          r.returncode == 5 and "nothing was compared" in r.stdout, f"rc={r.returncode} {r.stdout[-300:]}")
    for opt, val in [("--alpha", "nan"), ("--threshold", "inf%"), ("--threshold", "nan"), ("--alpha", "inf")]:
        r = run("compare", opt, val, "a5.json", "a5.json", cwd=d)
        check(f"compare {opt} {val} refused", r.returncode == 2 and f"invalid {opt}" in r.stderr, r.stderr)
    for bad, field in [(-1, "cycles_per_access is -1"), (0, "cycles_per_access is 0"), ("12", "cycles_per_access is a string")]:
        doc = results(cells)
        doc["benchmarks"][1]["cycles_per_access"] = bad
        write(os.path.join(d, "bad.json"), doc)
        for cmd in (["compare", "a5.json", "bad.json"], ["report", "bad.json"], ["import", "bad.json", "--db", "i.db"]):
            r = run(*cmd, cwd=d)
            check(f"{cmd[0]} refuses cycles_per_access {bad!r} naming the cell and field",
                  r.returncode != 0 and field in r.stderr and "chase/random/ws:16K" in r.stderr, r.stderr)
    con = sqlite3.connect(os.path.join(d, "i.db"))
    check("a refused import stores nothing", con.execute("SELECT count(*) FROM runs").fetchone()[0] == 0)
    con.close()


# ---- errors that sent people the wrong way ----------------------------------

def test_errors():
    d = fresh("errors")
    log = open(SERIAL_LOG).read()
    open(os.path.join(d, "done.log"), "w").write(log.rstrip("\n") + '\n{"tlbvisor":"done"}\n')
    r = run("ingest", "done.log", "--out", "done.json", "--tsc-ghz", "2", cwd=d)
    ctx = json.load(open(os.path.join(d, "done.json")))["context"]
    check("ingest of a complete log says nothing about it ending early",
          r.returncode == 0 and ctx["completed"] is True and "ends before" not in r.stderr, r.stderr)
    r = run("ingest", SERIAL_LOG, "--out", "cut.json", "--tsc-ghz", "2", cwd=d)
    check("ingest of a cut log says so", r.returncode == 0 and "ends before" in r.stderr, r.stderr)
    refused_unchanged("iso --host-page thp", d, ["iso", "--out", "x.iso", "--host-page", "4k,thp"],
                      ["thp is not an EPT leaf"])
    # report last after run --out r.json looks beside r.json (./tlbvisor.db).
    r = run("run", *SMALL, "--out", "r.json", cwd=d)
    rep = run("report", "last", cwd=d)
    check("report last after run --out r.json finds ./tlbvisor.db", r.returncode == 0 and rep.returncode == 0
          and "chase/random/ws:16K" in rep.stdout, rep.stderr)
    # Few file descriptors: the history is not called unusable.
    def few_fds():
        resource.setrlimit(resource.RLIMIT_NOFILE, (4, 4))
    p = subprocess.run([TLBVISOR, "report", "last", "--db", "tlbvisor.db"], cwd=d, capture_output=True, text=True,
                       preexec_fn=few_fds, timeout=60)
    check("few file descriptors: the history is not called unusable",
          p.returncode != 0 and "not a usable" not in p.stderr and "too many open files" in p.stderr, p.stderr)
    rep = run("report", "last", "--db", "tlbvisor.db", cwd=d)
    check("...and the history is still fine afterwards", rep.returncode == 0, rep.stderr)


# ---- Ctrl-C in a 60 s repetition ------------------------------------------

def cpu_seconds(pid):
    f = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")


def test_ctrl_c(backend, sig):
    d = fresh(f"ctrlc-{backend}-{sig.name}")
    # The 4T cell is skipped at once (larger than memory): a finished cell;
    # then the 16K cell measures repetitions of 60 s.
    args = ["run", "--backend", backend, "--ws", "4t,16k", "--host-page", "4k", "--guest-page", "4k",
            "--repetitions", "3", "--min-time", "60", "--out", "r.json", "--db", "h.db"]
    p = subprocess.Popen([TLBVISOR, *args], cwd=d, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    p.stdout.readline()                      # the header
    first = p.stdout.readline()              # the first cell is on disk
    # The second cell is in a repetition once it has used CPU for a while
    # (its build and warm-up of 16K take milliseconds).
    start = cpu_seconds(p.pid)
    deadline = time.monotonic() + 120
    while cpu_seconds(p.pid) - start < 0.5 and time.monotonic() < deadline:
        time.sleep(0.05)
    sent = time.monotonic()
    p.send_signal(sig)
    try:
        p.wait(timeout=2)
        ended = time.monotonic() - sent
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
        ended = None
    doc = json.load(open(os.path.join(d, "r.json")))
    names = {b["run_name"] for b in doc["benchmarks"]}
    check(f"{sig.name} during a --min-time 60 repetition ({backend}): the run ends within 2 s, the finished cell written",
          ended is not None and p.returncode == 130 and doc["context"]["interrupted"] and len(names) == 1
          and "ws:4T" in first, f"ended={ended} rc={p.returncode} {names} {first!r}")
    if ended is not None:
        print(f"  {backend}, {sig.name}: ended {ended:.3f} s after the signal")


test_resume()
test_matrix_files()
test_options()
test_compare()
test_errors()
test_ctrl_c("native", signal.SIGINT)
test_ctrl_c("native", signal.SIGTERM)
if kvm_usable():
    test_ctrl_c("kvm", signal.SIGINT)
finish()
