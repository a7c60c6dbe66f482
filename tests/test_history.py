#!/usr/bin/env python3
"""Reports people publish: a report of a real run rendered in headless
Chromium, compare on synthetic regressions, a run killed mid-matrix leaves a
valid history holding every completed cell. Usage: test_history.py TLBVISOR"""
import copy
import json
import os
import re
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
TMP = tempfile.mkdtemp(prefix="tlbvisor-hist-")







def run(*args, timeout=600):
    return tvtest.run(TLBVISOR, *args, timeout=timeout)




# A real (small) run on the best backends available, into a fresh history.
db = os.path.join(TMP, "history.db")
res = os.path.join(TMP, "run.json")
backends = "native,kvm" if kvm_usable() else "native"
r = run("run", "--backend", backends, "--ws", "16k,1m,16m", "--host-page", "4k,2m", "--guest-page", "4k,2m,1g",
        "--repetitions", "5", "--min-time", "0.005", "--out", res, "--db", db)
check("run into the history", r.returncode in (0, 3) and os.path.exists(db), r.stderr[-500:])
doc = json.load(open(res))
names = sorted({b["run_name"] for b in doc["benchmarks"]})

con = sqlite3.connect(db)
rows = con.execute("SELECT name FROM cells WHERE run_id=(SELECT max(id) FROM runs)").fetchall()
check("history holds every cell of the run", sorted(n for (n,) in rows) == names, f"{len(rows)} vs {len(names)}")
con.close()

# Report from the history (run id) and from the file.
rep = os.path.join(TMP, "report")
r = run("report", "last", "--db", db, "--out", rep)
check("report from the history", r.returncode == 0 and os.path.exists(os.path.join(rep, "report.html")), r.stderr)
html = open(os.path.join(rep, "report.html")).read()
check("report is self-contained (inline SVG, no external resources)",
      html.count("<svg") >= 2 and not re.search(r'<(script|link|img)[^>]*(src|href)=', html), "")

chromium = shutil.which("chromium") or shutil.which("chromium-browser")
if not chromium:
    skip("headless chromium", "chromium not installed (apt-get install chromium)")
else:
    profile = os.path.join(TMP, "chromium-profile")
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0"]
    url = "file://" + os.path.abspath(os.path.join(rep, "report.html"))
    shot = os.path.join(TMP, "report.png")
    s = subprocess.run([chromium, *flags, f"--screenshot={shot}", "--window-size=1400,2400", url],
                       capture_output=True, text=True, timeout=120)
    console_errors = [l for l in s.stderr.splitlines() if "CONSOLE" in l or "Uncaught" in l]
    check("headless Chromium screenshot of the report", os.path.exists(shot) and os.path.getsize(shot) > 10000,
          s.stderr[-500:])
    d = subprocess.run([chromium, *flags, "--dump-dom", url], capture_output=True, text=True, timeout=120)
    console_errors += [l for l in d.stderr.splitlines() if "CONSOLE" in l or "Uncaught" in l]
    check("no console errors on the page", not console_errors, console_errors[:3])
    dom = d.stdout
    missing = [n for n in names if n not in dom]
    check("every configuration of the run is on the page", d.returncode == 0 and not missing, missing[:5])

# compare: identical data is no change; a synthetic 20% regression is flagged.
same = run("compare", res, res)
check("compare: identical data is no change", same.returncode == 0 and "no significant regression" in same.stdout
      and "**regression**" not in same.stdout, same.stdout[-400:])
# Synthetic pair from the run's structure: base repetitions with a 1% spread
# around each cell's median, new = the same x 1.2 (a uniform 20% regression).
def scaled(factor):
    d = copy.deepcopy(doc)
    for b in d["benchmarks"]:
        if b.get("status") != "ok" or b.get("aggregate_name") == "cv":
            continue
        f = factor * (1 + 0.01 * b.get("repetition_index", 2))
        for k in ("cycles_per_access", "ns_per_access", "real_time", "cpu_time"):
            if k in b:
                b[k] = 100.0 * f
    return d


base = scaled(1.0)
slow = scaled(1.2)
base_path = os.path.join(TMP, "base.json")
json.dump(base, open(base_path, "w"))
slow_path = os.path.join(TMP, "slow.json")
json.dump(slow, open(slow_path, "w"))
c = run("compare", base_path, slow_path, "--threshold", "5%", "--alpha", "0.05")
ok_cells = [n for n in names if any(b["run_name"] == n and b.get("status") == "ok" for b in doc["benchmarks"])]
check("compare: a 20% regression is significant and fails the gate",
      c.returncode == 4 and c.stdout.count("**regression**") == len(ok_cells) and "REGRESSION" in c.stdout
      and "+20.0%" in c.stdout, c.stdout[-600:])
check("compare: geometric mean of a uniform 20% slowdown is 1.2", "1.20" in c.stdout, c.stdout[-300:])
# The results stay readable by Google Benchmark's own comparison tool.
gb_compare = "/usr/share/benchmark/compare.py"
if os.path.exists(gb_compare):
    g = subprocess.run(["/usr/bin/python3", gb_compare, "benchmarks", base_path, slow_path],
                       capture_output=True, text=True, timeout=120)
    check("Google Benchmark's compare.py reads tlbvisor results", g.returncode == 0 and "_pvalue" in g.stdout
          and "chase/" in g.stdout, (g.stdout + g.stderr)[-500:])
else:
    skip("Google Benchmark compare.py", "libbenchmark-tools not installed")
r = run("import", slow_path, "--db", db)
check("import a results file into the history", r.returncode == 0 and "-> run" in r.stdout, r.stderr)
c = run("compare", "1", "last", "--db", db)
check("compare two runs of the history", c.returncode == 4, c.stdout[-300:])
s = run("strategies", res)
check("strategies ranks against native", s.returncode == 0 and "vs native 4K" in s.stdout, s.stderr)
if kvm_usable():
    check("strategies names splintering", "splintered: guest 2m pages on 4k" in s.stdout, s.stdout[-800:])

# Kill a run in the middle of its matrix (SIGKILL: no cleanup at all).
kdb = os.path.join(TMP, "killed.db")
kres = os.path.join(TMP, "killed.json")
p = subprocess.Popen([TLBVISOR, "run", "--backend", "native", "--ws", "16k,32k,64k,128k,256k,512k,1m,2m",
                      "--pattern", "random,seq", "--host-page", "4k", "--repetitions", "10", "--min-time", "0.05",
                      "--out", kres, "--db", kdb], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
time.sleep(4)
p.send_signal(signal.SIGKILL)
out, _ = p.communicate(timeout=60)
printed = [l.split()[0] for l in out.splitlines() if l.startswith("chase/")]
con = sqlite3.connect(kdb)
integrity = con.execute("PRAGMA integrity_check").fetchone()[0]
stored = {n for (n,) in con.execute("SELECT name FROM cells")}
complete = all(json.loads(e) and len([x for x in json.loads(e) if x["run_type"] == "iteration"]) == 10
               for (e,) in con.execute("SELECT entries FROM cells WHERE status='ok'"))
con.close()
check("killed run: valid database holding every completed cell",
      integrity == "ok" and printed and set(printed) <= stored and 0 < len(stored) < 16 and complete,
      f"integrity={integrity} printed={len(printed)} stored={len(stored)}")
kdoc = json.load(open(kres))
check("killed run: the results file is complete JSON too", len({b["run_name"] for b in kdoc["benchmarks"]}) >= len(printed),
      len(kdoc["benchmarks"]))

shutil.rmtree(TMP, ignore_errors=True)
finish()
