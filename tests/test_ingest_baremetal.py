#!/usr/bin/env python3
"""A bare-metal serial log through ingest is backend 'baremetal' in every
field: cell name, JSON field, CSV column, history row; and the report's
bare-metal heat map and the huge-page strategies show it beside native
cells. The log is the stored fixture tests/fuzz/corpus/serial_ingest/
serial.log (written under Bochs: its timings are emulated and no
performance figure; only where the cells land is checked).
Usage: test_ingest_baremetal.py TLBVISOR SERIAL_LOG"""
import csv
import json
import os
import shutil
import sqlite3
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tvtest  # noqa: E402
from tvtest import check, finish  # noqa: E402

TLBVISOR, LOG = sys.argv[1], sys.argv[2]
TMP = tempfile.mkdtemp(prefix="tlbvisor-ingest-")


def run(*args):
    return tvtest.run(TLBVISOR, *args)


out, csv_path, db = (os.path.join(TMP, f) for f in ("baremetal.json", "baremetal.csv", "history.db"))
r = run("ingest", LOG, "--out", out, "--csv", csv_path, "--tsc-ghz", "2")
check("ingest of the stored bare-metal log", r.returncode == 0 and os.path.exists(out), r.stderr)
doc = json.load(open(out))
entries = doc["benchmarks"]
names = sorted({e["run_name"] for e in entries})
check("ingested cells", len(names) == 5, names)
check("every cell name says backend:baremetal", all("/backend:baremetal/" in n for n in names), names)
check("every entry's backend field is baremetal", entries and all(e["backend"] == "baremetal" for e in entries),
      sorted({e["backend"] for e in entries}))
check("the hypervisor's VPID and EPT depth are in every entry",
      all(e.get("vpid") in ("on", "off") and e.get("ept_levels") in (4, 5) for e in entries), entries[:1])
rows = list(csv.DictReader(open(csv_path)))
check("every CSV row's backend is baremetal", len(rows) == 5 and all(w["backend"] == "baremetal" for w in rows),
      [w["backend"] for w in rows])
ctx = doc["context"]
made_up = [k for k in ("repetitions", "kvm_available", "host_name", "payload", "kernel") if k in ctx]
check("the context holds what the log says, nothing of this host or a preset",
      not made_up and ctx.get("preset") is None and ctx.get("hypervisor", {}).get("tlbvisor") == "hello"
      and ctx.get("tsc_hz") == 2e9 and ctx.get("tsc_source") == "--tsc-ghz", made_up or ctx)

r = run("import", out, "--db", db)
con = sqlite3.connect(db)
stored = con.execute("SELECT DISTINCT backend FROM cells").fetchall()
row_names = sorted(n for (n,) in con.execute("SELECT name FROM cells"))
con.close()
check("every history row's backend is baremetal", r.returncode == 0 and stored == [("baremetal",)]
      and row_names == names, f"{r.stderr} {stored}")

# The report compares bare metal with native cells of the same working set:
# one document holding a native run and the ingested cells.
native = os.path.join(TMP, "native.json")
r = run("run", "--backend", "native", "--ws", "1m", "--host-page", "4k", "--repetitions", "3",
        "--min-time", "0.005", "--no-db", "--out", native)
check("a native run at the log's working set", r.returncode == 0, r.stderr)
both = json.load(open(native))
both["benchmarks"] += entries
both_path = os.path.join(TMP, "both.json")
json.dump(both, open(both_path, "w"))
rep = os.path.join(TMP, "report")
r = run("report", both_path, "--out", rep)
html = open(os.path.join(rep, "report.html")).read() if r.returncode == 0 else ""
check("the report's bare-metal heat map (bare metal / native 4K)", shutil.which("gnuplot") and
      os.path.exists(os.path.join(rep, "plots", "heat-baremetal.svg")) and "baremetal / native 4K" in html,
      r.stderr or "gnuplot missing: bash ci/setup.sh installs gnuplot-nox")
check("the report's latency plot has bare-metal series", "backend:baremetal/guest:4k/host:4k" in html, "")
r = run("strategies", both_path)
check("huge-page strategies rank the bare-metal cells by name", r.returncode == 0
      and "baremetal, guest 4k / host 4k" in r.stdout and "qemu" not in r.stdout, r.stdout[-600:])

shutil.rmtree(TMP, ignore_errors=True)
finish()
