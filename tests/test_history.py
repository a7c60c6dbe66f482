#!/usr/bin/env python3
"""Reports people publish: a real run into a fresh history, its report (from
the history) read back and checked section by section against the results,
rendered in headless Chromium; compare on synthetic regressions with the
geometric mean checked as a number; strategies ranked as the results say; a
run killed (SIGKILL) after its third printed row leaves a valid history
holding every completed cell. Usage: test_history.py TLBVISOR docs/report.md"""
import copy
import json
import math
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
from reportcheck import check_geomean, check_report, expected_tables  # noqa: E402
from tvtest import LiveRun, cells, check, finish, kvm_usable, load_json, skip  # noqa: E402

TLBVISOR, DOC_REPORT = sys.argv[1], sys.argv[2]
TMP = tempfile.mkdtemp(prefix="tlbvisor-hist-")


def run(*args, timeout=600):
    return tvtest.run(TLBVISOR, *args, timeout=timeout)


# A real (small) run on the best backends available, into a fresh history.
db = os.path.join(TMP, "history.db")
res = os.path.join(TMP, "run.json")
backends = "native,kvm" if kvm_usable() else "native"
r = run("run", "--backend", backends, "--ws", "16k,1m,16m", "--host-page", "4k,2m", "--guest-page", "4k,2m,1g",
        "--repetitions", "5", "--min-time", "0.005", "--out", res, "--db", db)
check("run into the history: exit 0 (no cell failed)", r.returncode == 0 and os.path.exists(db), r.stderr[-500:])
doc = load_json(res)
by = cells(doc)
names = list(by)
# Only what this machine cannot provide may be skipped: hugetlb pages not
# reserved (host:2m) and 1G guest pages on a KVM that refuses them.
unexpected = [(n, es[0].get("error_message")) for n, es in by.items() if es[0]["status"] != "ok" and not (
    es[0]["status"] == "skipped" and ("/host:2m" in n and "not reserved" in es[0]["error_message"]
                                      or "/guest:1g/" in n and "guest 1G pages unavailable" in es[0]["error_message"]))]
check("every cell ok, or skipped for hugetlb pages or 1G guest pages with the reason", not unexpected, unexpected[:3])

con = sqlite3.connect(db)
rows = dict(con.execute("SELECT name, entries FROM cells WHERE run_id=(SELECT max(id) FROM runs)").fetchall())
con.close()
check("history holds every cell of the run", sorted(rows) == sorted(names), f"{len(rows)} vs {len(names)}")

# Report from the history (run id), read back against the results.
rep = os.path.join(TMP, "report")
r = run("report", "last", "--db", db, "--out", rep)
check("report from the history", r.returncode == 0 and os.path.exists(os.path.join(rep, "report.html")), r.stderr)
md_text = open(os.path.join(rep, "report.md")).read()
html_text = open(os.path.join(rep, "report.html")).read()
check_report("report", doc, md_text, html_text, open(DOC_REPORT).read())
r = run("report", res, "--out", os.path.join(TMP, "report-file"))
check("the report from the results file is the same page",
      r.returncode == 0 and open(os.path.join(TMP, "report-file", "report.md")).read() == md_text, r.stderr)

chromium = shutil.which("chromium") or shutil.which("chromium-browser")
if not chromium:
    skip("headless chromium", "chromium not installed", "apt-get install chromium")
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
    missing = [n for n in names if n not in d.stdout]
    check("every cell of the run is on the rendered page", d.returncode == 0 and not missing, missing[:5])

# compare: identical data is no change; a synthetic 20% regression is flagged.
same = run("compare", res, res)
check("compare: identical data is no change", same.returncode == 0 and "no significant regression" in same.stdout
      and "**regression**" not in same.stdout, same.stdout[-400:])
check_geomean("compare identical", same.stdout, doc, doc)


def scaled(factor):
    """The run's structure with repetitions spread 1% apart around 100 x factor
    (aggregates at 102 x factor).
    The keys the writer derives from the repetitions (interval, drift) are
    dropped, as in a file from before they existed: the new values are not
    the run's."""
    d = copy.deepcopy(doc)
    for b in d["benchmarks"]:
        for k in ("ci_low", "ci_high", "ci_coverage", "stability", "drift_pct", "drift_p",
                  "core_per_tsc", "core_cycles_per_access"):
            b.pop(k, None)
        if b.get("status") != "ok" or b.get("aggregate_name") == "cv":
            continue
        # 0-4% in shuffled order: spread without a trend across the run
        f = factor * (1 + 0.01 * (b.get("repetition_index", 4) * 3 % 5))
        for k in ("cycles_per_access", "ns_per_access", "real_time", "cpu_time"):
            if k in b:
                b[k] = 100.0 * f
    return d


base, slow = scaled(1.0), scaled(1.2)
base_path, slow_path = os.path.join(TMP, "base.json"), os.path.join(TMP, "slow.json")
json.dump(base, open(base_path, "w"))
json.dump(slow, open(slow_path, "w"))
c = run("compare", base_path, slow_path, "--threshold", "5%", "--alpha", "0.05")
ok_cells = [n for n, es in by.items() if es[0]["status"] == "ok"]
table = [l.split("|")[1:-1] for l in c.stdout.splitlines() if l.startswith("| chase/") or l.startswith("| exit/")]
# 5 repetitions each, fully separated: the exact two-sided p-value is 2/C(10,5).
p_exact = 2 / math.comb(10, 5)
check("compare: a 20% regression is significant in every cell and fails the gate",
      c.returncode == 4 and len(table) == len(ok_cells) and "REGRESSION" in c.stdout
      and all(t[3].strip() == "+20.0%" and abs(float(t[4]) - p_exact) < 5e-5 and t[5].strip() == "**regression**"
              for t in table), c.stdout[-600:])
check_geomean("compare a uniform 20% slowdown", c.stdout, base, slow)
# The results stay readable by Google Benchmark's own comparison tool.
gb_compare = "/usr/share/benchmark/compare.py"
if os.path.exists(gb_compare):
    g = subprocess.run(["/usr/bin/python3", gb_compare, "benchmarks", base_path, slow_path],
                       capture_output=True, text=True, timeout=120)
    check("Google Benchmark's compare.py reads tlbvisor results", g.returncode == 0 and "_pvalue" in g.stdout
          and "chase/" in g.stdout, (g.stdout + g.stderr)[-500:])
else:
    skip("Google Benchmark compare.py", "libbenchmark-tools not installed", "apt-get install libbenchmark-tools")
r = run("import", base_path, "--db", db)
check("import a results file into the history", r.returncode == 0 and "-> run 2" in r.stdout, r.stdout + r.stderr)
r = run("import", slow_path, "--db", db)
c = run("compare", "2", "last", "--db", db)
check("compare two runs of the history: every cell regressed", c.returncode == 4
      and c.stdout.count("**regression**") == len(ok_cells), c.stdout[-300:])

# strategies: the tables the results call for, and splintering named where it happened.
s = run("strategies", res)
want, _ = expected_tables(doc)
got = {}
for block in re.split(r"^## ", s.stdout, flags=re.M)[1:]:
    title, _, body = block.partition("\n")
    got[title.strip()] = [[x.strip() for x in l.split("|")[1:-1]][:5] for l in body.splitlines() if l.startswith("|")][2:]
check("strategies: each working set's configurations ranked as their medians say",
      s.returncode == 0 and got == {t: rows for t, rows in want.items() if t.startswith("Huge-page strategies at")},
      (list(got), s.stderr))
splintered = [n for n, es in by.items() if es[0]["status"] == "ok" and es[0]["pattern"] == "random"
              and es[0].get("guest_page") in ("2m", "1g") and es[0]["effective_page"] == "4k"]
check("strategies names every splintered configuration", all(
    f"splintered: guest {by[n][0]['guest_page']} pages on 4k" in s.stdout for n in splintered), splintered[:3])

# Kill a run after its third printed row (SIGKILL: no cleanup at all).
kdb, kres = os.path.join(TMP, "killed.db"), os.path.join(TMP, "killed.json")
live = LiveRun(TLBVISOR, ["run", "--backend", "native", "--ws", "16k,32k,64k,128k,256k,512k,1m,2m",
                          "--pattern", "random,seq", "--host-page", "4k", "--repetitions", "4", "--min-time", "0.02",
                          "--out", kres, "--db", kdb])
reached = live.until("row", 3)
live.signal(signal.SIGKILL)
live.wait()
printed = live.rows
order = [f"chase/{p}/ws:{w}/backend:native/host:4k" for p in ("random", "seq")
         for w in ("16K", "32K", "64K", "128K", "256K", "512K", "1M", "2M")]
con = sqlite3.connect(kdb)
integrity = con.execute("PRAGMA integrity_check").fetchone()[0]
stored = [n for (n,) in con.execute("SELECT name FROM cells ORDER BY id")]
complete = all(len([x for x in json.loads(e) if x["run_type"] == "iteration"]) == 4
               for (e,) in con.execute("SELECT entries FROM cells"))
con.close()
check("killed run: a valid database holding the printed cells, in matrix order, each complete",
      reached and integrity == "ok" and len(printed) >= 3 and stored[:len(printed)] == printed
      and stored == order[:len(stored)] and len(stored) < len(order) and complete,
      f"integrity={integrity} printed={printed} stored={stored}")
kdoc = load_json(kres)
check("killed run: the results file is complete JSON holding the stored cells",
      list(cells(kdoc)) == stored, list(cells(kdoc)))
# Its report (native cells only: one plot, no virtualized section rows), and
# the same results marked interrupted (a note says so).
kdoc["context"]["interrupted"] = True
json.dump(kdoc, open(kres, "w"))
r = run("report", kres, "--out", os.path.join(TMP, "killed-report"))
check("report of the killed run", r.returncode == 0, r.stderr)
check_report("killed run's report", kdoc, open(os.path.join(TMP, "killed-report", "report.md")).read(),
             open(os.path.join(TMP, "killed-report", "report.html")).read(), open(DOC_REPORT).read())

shutil.rmtree(TMP, ignore_errors=True)
finish()
