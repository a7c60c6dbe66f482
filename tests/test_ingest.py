#!/usr/bin/env python3
"""Ingest of a stored serial log of tlbvisor's hypervisor (recorded once in
Bochs, kept in tests/data; no emulator needed here): every cell line becomes
a baremetal cell whose every number is recomputed from the line, the EPT
walk references agree with the nested-walk model, a torn log keeps what it
holds and says it ended early, and the report of the ingested results is
checked section by section. Usage: test_ingest.py TLBVISOR SOURCE_ROOT"""
import json
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tvtest  # noqa: E402
from reportcheck import PAGE_LEVEL, check_report  # noqa: E402
from tvtest import cells, check, finish, load_json  # noqa: E402

TLBVISOR, ROOT = sys.argv[1], sys.argv[2]
LOG = os.path.join(ROOT, "tests/data/hypervisor-serial.log")
TORN = os.path.join(ROOT, "tests/fuzz/corpus/serial_ingest/serial.log")
TMP = tempfile.mkdtemp(prefix="tlbvisor-ingest-")
TSC_GHZ = 0.05


def run(*args):
    return tvtest.run(TLBVISOR, *args, timeout=120)


def log_lines(path):
    """The JSON objects of a serial log, as the hypervisor printed them (torn lines dropped)."""
    out = []
    for line in open(path, errors="replace"):
        if "{" not in line:
            continue
        try:
            out.append(json.loads(line[line.index("{"):]))
        except ValueError:
            pass
    return out


def name_of(line):
    if line.get("workload", "chase") != "chase":
        return f"exit/{line['workload'][5:]}/backend:baremetal"
    ws = line["ws"]
    size = f"{ws >> 30}G" if ws % (1 << 30) == 0 else f"{ws >> 20}M" if ws % (1 << 20) == 0 else f"{ws >> 10}K"
    return (f"chase/{line['pattern']}/ws:{size}/backend:baremetal/guest:{line['guest_page']}/host:{line['ept_page']}"
            f"/tlb-tag:{line['vpid']}/ept-levels:{line['ept_levels']}")  # VPID or ASID: the serial key stays vpid


def model_rows():
    """tlbvisor model: (guest levels, EPT levels, guest leaf, EPT leaf) -> its columns."""
    r = run("model")
    rows = {}
    for line in r.stdout.splitlines()[2:]:
        f = line.split()
        rows[(int(f[0]), int(f[1]), f[2].lower(), f[3].lower())] = [int(x) for x in f[4:8]]
    return rows


def check_cell(name, line, entries, model):
    first = entries[0]
    if line["status"] != "ok":
        check(f"{name}: {line['status']} with the hypervisor's reason",
              first["status"] == line["status"] and first["error_message"] == line["reason"], first)
        return
    it = [e for e in entries if e["run_type"] == "iteration"]
    cyc = [(c - line["timer_overhead"]) / line["steps"] for c in line["rep_cycles"]]
    ok = len(it) == len(cyc) and all(abs(e["cycles_per_access"] - c) <= 1e-8 * c + 1e-9 for e, c in zip(it, cyc))
    ok = ok and all(abs(e["ns_per_access"] - e["cycles_per_access"] / (TSC_GHZ * 1e9) * 1e9) <= 1e-6 for e in it)
    ok = ok and first["iterations"] == line["steps"] and first["elements"] == line["elements"]
    ok = ok and first["warmup_passes"] == line["warmup_passes"]
    check(f"{name}: cycles per access from the TSC counts, steps and overhead", ok,
          ([e["cycles_per_access"] for e in it], cyc))
    counters = {f"exit_{k}": v for k, v in line["exits"].items()}
    counters.update({k: line[k] for k in ("io_commands", "tick_exits", "timer_exits", "build_exits",
                                           "warmup_exits", "measure_exits", "ept_walk_refs")})
    check(f"{name}: every exit count of the line", all(first.get(k) == v for k, v in counters.items()),
          {k: (first.get(k), v) for k, v in counters.items() if first.get(k) != v})
    if not name.startswith("chase/"):
        check(f"{name}: an exit round trip has no effective page", first["effective_page"] == "-", first["effective_page"])
        return
    check(f"{name}: the EPT leaf the hypervisor built is the effective page, flagged iff not the requested one",
          first["effective_page"] == line["ept_leaf"] and first["page_size_flagged"] == (line["ept_leaf"] != line["ept_page"]),
          first["effective_page"])
    # The EPT walk the hypervisor made reads one entry per level down to the
    # leaf, and a nested walk is (guest refs + 1) such walks (the model).
    levels, leaf, guest = line["ept_levels"], line["ept_leaf"], line["guest_page"]
    m = model.get((4, levels, guest, leaf))
    check(f"{name}: ept_walk_refs agrees with the model",
          line["ept_walk_refs"] == levels - PAGE_LEVEL[leaf] and m and m[3] == line["ept_walk_refs"] * (m[2] + 1),
          (line["ept_walk_refs"], m))


lines = log_lines(LOG)
hello = next((l for l in lines if l.get("tlbvisor") == "hello"), None)
cell_lines = [l for l in lines if "cell" in l and not isinstance(l.get("probe"), str)]
check("the stored log: a hello line, cells, the end line", hello and len(cell_lines) >= 12
      and any(l.get("tlbvisor") == "done" for l in lines), len(cell_lines))
out = os.path.join(TMP, "ingested.json")
r = run("ingest", LOG, "--out", out, "--tsc-ghz", str(TSC_GHZ))
check("ingest exits 0 and counts the cells", r.returncode == 0 and f"{len(cell_lines)} cells from" in r.stderr
      and "ends before" not in r.stderr, r.stderr)
doc = load_json(out)
by = cells(doc)
check("one baremetal cell per cell line, named from the line, in the log's order",
      list(by) == [name_of(l) for l in cell_lines], (list(by)[:2], [name_of(l) for l in cell_lines[:2]]))
ctx = doc["context"]
check("the context: the hypervisor's hello, where it came from, that it completed, the TSC given",
      ctx.get("hypervisor") == hello and ctx.get("ingested_from") == LOG and ctx.get("completed") is True
      and ctx["tsc_hz"] == TSC_GHZ * 1e9 and ctx["tsc_source"] == "--tsc-ghz", {k: ctx.get(k) for k in ("completed", "tsc_hz")})
model = model_rows()
for line in cell_lines:
    check_cell(name_of(line), line, by.get(name_of(line), [{}]), model)

rep = os.path.join(TMP, "report")
r = run("report", out, "--out", rep)
check("report of the ingested results", r.returncode == 0, r.stderr)
check_report("ingested report", doc, open(os.path.join(rep, "report.md")).read(),
             open(os.path.join(rep, "report.html")).read(), open(os.path.join(ROOT, "docs/report.md")).read())

# A log cut short (the machine stopped mid-line): the whole cells it holds, and it says so.
torn_lines = [l for l in log_lines(TORN) if "cell" in l and not isinstance(l.get("probe"), str)]
r = run("ingest", TORN, "--out", out, "--tsc-ghz", str(TSC_GHZ))
tdoc = load_json(out) if r.returncode == 0 else {"benchmarks": [], "context": {}}
check("a torn log: its whole cell lines ingested, completed false, the user told",
      r.returncode == 0 and list(cells(tdoc)) == [name_of(l) for l in torn_lines] and torn_lines
      and tdoc["context"].get("completed") is False and "ends before the hypervisor finished" in r.stderr, r.stderr)
r = run("ingest", "/etc/hostname", "--out", out)
check("a file that is not a tlbvisor log is refused", r.returncode == 1 and "no hello line" in r.stderr, r.stderr)
no_tsc = os.path.join(TMP, "no-tsc.log")
with open(no_tsc, "w") as f:
    f.write(json.dumps(dict(hello, tsc_hz=0)) + "\n" + json.dumps(cell_lines[0]) + "\n")
r = run("ingest", no_tsc, "--out", out)
check("without a TSC rate in the log, --tsc-ghz is asked for", r.returncode == 2 and "--tsc-ghz" in r.stderr, r.stderr)
shutil.rmtree(TMP, ignore_errors=True)
finish()
