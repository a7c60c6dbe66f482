#!/usr/bin/env python3
"""The report's opening (summary sentences, provenance box), its derived
page-walk metrics and its plots' error bars and TLB-reach markers, on
synthetic results files whose every number is known here: with and without
the keys issue 14 adds (ci_low/ci_high, stability, native_is_vm, tlb_geometry),
a merged file of two machines (nothing related across machines), an emulated
backend (never a result). Usage: test_report_summary.py TLBVISOR"""
import json
import os
import re
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tvtest  # noqa: E402
from tvtest import check, finish  # noqa: E402

TLBVISOR = sys.argv[1]
TMP = tempfile.mkdtemp(prefix="tlbvisor-summary-")
MB = 1 << 20


def cell(backend, ws, host, guest=None, median=100.0, machine=None, ci=None, stability=None, extra=None):
    """A finished random-chase cell: 3 iterations and median/cv aggregates."""
    wsname = f"{ws // MB}M" if ws >= MB else f"{ws >> 10}K"
    name = f"chase/random/ws:{wsname}/backend:{backend}" + (f"/guest:{guest}" if guest else "") + f"/host:{host}"
    if machine:
        name += f"/machine:{machine}"
    base = {"name": name, "run_name": name, "backend": backend, "pattern": "random", "ws_bytes": ws, "ws": wsname,
            "host_page": host, "guest_page": guest, "status": "ok", "effective_page": host, "page_size_flagged": False,
            "pmu_status": "no hardware PMU", "time_unit": "ns", "iterations": 1000, "repetitions": 3}
    if machine:
        base["machine"] = machine
    base.update(extra or {})
    out = []
    for i, f in enumerate((0.99, 1.0, 1.01)):
        out.append(dict(base, run_type="iteration", repetition_index=i, cycles_per_access=median * f,
                        ns_per_access=median * f / 2, real_time=median * f / 2, cpu_time=median * f / 2))
    med = dict(base, run_type="aggregate", aggregate_name="median", cycles_per_access=median,
               ns_per_access=median / 2, real_time=median / 2, cpu_time=median / 2)
    if ci:
        med.update(ci_low=ci[0], ci_high=ci[1], ci_coverage=0.9375)
    if stability:
        med["stability"] = stability
    out.append(med)
    out.append(dict(base, run_type="aggregate", aggregate_name="cv", aggregate_unit="percentage",
                    cycles_per_access=0.01, ns_per_access=0.01, real_time=0.01, cpu_time=0.01))
    return out


TLBS = {"source": "cpuid 0x80000005/0x80000006/0x80000019", "tlbs": [
    {"level": 1, "kind": "data", "entries": 64, "ways": 0, "page_sizes": ["4k"]},
    {"level": 1, "kind": "instruction", "entries": 64, "ways": 0, "page_sizes": ["4k"]},
    {"level": 2, "kind": "data", "entries": 1536, "ways": 6, "page_sizes": ["4k"]},
    {"level": 2, "kind": "data", "entries": 1536, "ways": 3, "page_sizes": ["2m", "4m"]}]}


def context(new_keys=True, host="host-a", **more):
    c = {"date": "2026-11-30T04:00:00+00:00", "executable": "tlbvisor", "host_name": host, "num_cpus": 2,
         "cpu_model": "AMD EPYC", "cpu_vendor": "AuthenticAMD", "cpu_family": 23, "cpu_model_id": 1,
         "cpu_stepping": 2, "microcode": "0x1000065", "kernel": "Linux 6.18", "thp_enabled": "madvise",
         "tsc_hz": 2.0e9, "tsc_source": "KVM_GET_TSC_KHZ", "kvm_available": True, "kvm_modules": "kvm kvm_pvm",
         "kvm_parameters": {"kvm.nx_huge_pages": "N"}}
    if new_keys:
        c.update(native_is_vm=True, hypervisor_vendor="KVMKVMKVM", tlb_geometry=TLBS,
                 caches=[{"type": "Data", "level": 1, "size": 32768, "num_sharing": 1}])
    c.update(more)
    return c


def report(name, doc):
    path = os.path.join(TMP, name + ".json")
    json.dump(doc, open(path, "w"))
    out = os.path.join(TMP, name)
    r = tvtest.run(TLBVISOR, "report", path, "--out", out)
    ok = r.returncode == 0
    md = open(os.path.join(out, "report.md")).read() if ok else ""
    html = open(os.path.join(out, "report.html")).read() if ok else ""
    gp = os.path.join(out, "plots", "plots.gp")
    script = open(gp).read() if ok and os.path.exists(gp) else ""
    check(f"{name}: report written", ok, r.stderr[-400:])
    return md, html, script


def summary(md):
    block = md.split("## Summary\n\n", 1)[1].split("\n\n", 1)[0] if "## Summary" in md else ""
    return [re.sub(r"\\(.)", r"\1", l[2:]) for l in block.splitlines() if l.startswith("- ")]


def provenance(md):
    block = md.split("## Provenance\n", 1)[1].split("\n## ", 1)[0] if "## Provenance" in md else ""
    rows = [[re.sub(r"\\(.)", r"\1", c.strip()) for c in re.split(r"(?<!\\)\|", l)[1:-1]]
            for l in block.splitlines() if l.startswith("|")]
    return {r[0]: r[1:] for r in rows[2:]}


# 1. A run with every new key: natively 4K and 2M, under kvm guest 4k/2m on host 4k/2m.
sizes = [1 * MB, 16 * MB, 256 * MB]
native4k = {1 * MB: 30.0, 16 * MB: 100.0, 256 * MB: 400.0}
native2m = {1 * MB: 29.0, 16 * MB: 80.0, 256 * MB: 200.0}   # 2M matters from 16M on (100 >= 1.1 x 80)
kvm = {("4k", "4k"): 3.0, ("2m", "2m"): 1.25}              # over native 4K
entries = []
for ws in sizes:
    entries += cell("native", ws, "4k", median=native4k[ws], ci=(native4k[ws] * 0.9, native4k[ws] * 1.1), stability="stable")
    entries += cell("native", ws, "2m", median=native2m[ws], ci=(native2m[ws] * 0.9, native2m[ws] * 1.1), stability="stable")
    for (g, h), f in kvm.items():
        m = native4k[ws] * f
        entries += cell("kvm", ws, h, guest=g, median=m, ci=(m * 0.95, m * 1.05),
                        stability="unstable" if (ws == 16 * MB and g == "4k") else "stable")
md, html, script = report("full", {"context": context(), "benchmarks": entries})
s = summary(md)
over = next((x for x in s if x.startswith("Virtualization overhead at 256M")), "")
# Ratio 3.00, interval (0.95 x 3 x 400) / (1.1 x 400) .. (1.05 x 3 x 400) / (0.9 x 400).
check("summary: overhead at the largest working set per guest/host pair, with its interval",
      "guest 4k / host 4k 3.00x (interval 2.59-3.50)" in over and "guest 2m / host 2m 1.25x (interval 1.08-1.46)" in over
      and "400.0 cycles" in over, s)
check("summary: the best huge-page strategy at the largest working set",
      any(x.startswith("Best huge-page strategy at 256M: native, 2m pages at 200.0 cycles per access (0.50x native 4K)")
          and "best virtualized: kvm, guest 2m / host 2m at 500.0 (1.25x native 4K)" in x for x in s), s)
check("summary: the working set where huge pages start to matter, natively and under kvm",
      any(x.startswith("Huge pages start to matter natively at 16M") and "100.0 against 80.0" in x for x in s)
      and any(x.startswith("Huge pages start to matter under kvm at 1M") for x in s), s)
check("summary: the unstable cell named", any(x.startswith("1 of 12 judged cells are unstable")
                                               and "chase/random/ws:16M/backend:kvm/guest:4k/host:4k" in x for x in s), s)
p = provenance(md)
check("provenance: CPU, host is a VM, KVM translation, TLBs, caches",
      p.get("CPU", [""])[0].startswith("AMD EPYC") and p.get("host is a VM", [""])[0].startswith("yes")
      and "KVMKVMKVM" in p["host is a VM"][0] and "shadow paging" in p.get("KVM and its translation", [""])[0]
      and "L2 data: 1536 x 4K (reach 6M)" in p.get("TLBs (CPUID)", [""])[0] and p.get("caches") == ["L1d 32K"], p)
top = html.find("<figure")
check("HTML: summary and provenance come before the first plot",
      0 < html.find("<h2>Summary</h2>") < html.find("<h2>Provenance</h2>") < top, top)
check("latency plot: error bars from the intervals", script.count("with yerrorlines") == 4, script[-600:])
# 64 x 4K = 256K is below the smallest working set; 1536 x 4K = 6M and 1536 x 2M = 3G: 6M is inside [1M, 256M].
check("latency plot: a marker at each data TLB's reach inside the plotted range, none outside",
      re.findall(r"set arrow from (\d+),", script) == [str(6 * MB)] and "L2 data TLB, 4k pages: 6M" in script,
      re.findall(r"set arrow.*", script))

# 2. The same cells without the new keys (an older file): no intervals, no verdict, no geometry.
old = [{k: v for k, v in e.items() if k not in ("ci_low", "ci_high", "ci_coverage", "stability")} for e in entries]
md, html, script = report("old", {"context": context(new_keys=False), "benchmarks": old})
s, p = summary(md), provenance(md)
check("older file: overhead without intervals, said so",
      any("guest 4k / host 4k 3.00x;" in x and "interval" not in x.split(":", 1)[1].split(". ")[0]
          and "carry no confidence interval" in x for x in s), s)
check("older file: stability not judged", any(x.startswith("Stability was not judged") for x in s), s)
check("older file: provenance says what was not recorded",
      p.get("host is a VM", [""])[0].startswith("not recorded") and p.get("TLBs (CPUID)", [""])[0].startswith("not recorded"), p)
check("older file: no error bars, no TLB markers", "yerrorlines" not in script and not re.search(r"^set arrow", script, re.M), script[-300:])
# Older files name their KVM by the modules they recorded, with the same rule
# the run uses on its own host (bench/host/host_virt.c).
for n, (modules, params, want) in enumerate((("kvm kvm_amd", {"kvm_amd.npt": "N"}, "kvm_amd without NPT: shadow paging"),
                              ("kvm kvm_amd", {"kvm_amd.npt": "Y"}, "kvm_amd with NPT: nested paging"),
                              ("kvm kvm_intel", {}, "kvm_intel with EPT: nested paging"))):
    md, html, script = report(f"old-kvm{n}", {"context": context(new_keys=False, kvm_modules=modules, kvm_parameters=params),
                                              "benchmarks": old})
    got = provenance(md).get("KVM and its translation", [""])[0]
    check(f"older file: {modules} {params} is named '{want}'", got.startswith(want) and modules in got, got)

# 3. Merged results of two machines: every relation within one machine.
merged = []
for m, scale in (("host-a", 1.0), ("host-b", 2.0)):
    for ws in (16 * MB, 256 * MB):
        merged += cell("native", ws, "4k", median=native4k[ws] * scale, machine=m)
        merged += cell("kvm", ws, "4k", guest="4k", median=native4k[ws] * 3 * (1.0 if m == "host-a" else 0.5) * scale, machine=m)
ctx = context(host="host-a", hosts_differ=True, sources=[{"file": "a.json", "cells": 4, "context": context(host="host-a")},
                                                        {"file": "b.json", "cells": 4, "context": context(host="host-b", native_is_vm=False)}])
md, html, script = report("merged", {"context": ctx, "benchmarks": merged})
s, p = summary(md), provenance(md)
check("merged: a summary per machine, each over its own native cells (3.00x on host-a, 1.50x on host-b)",
      any(x.startswith("On host-a: Virtualization overhead at 256M") and "3.00x" in x for x in s)
      and any(x.startswith("On host-b: Virtualization overhead at 256M") and "1.50x" in x for x in s), s)
check("merged: the overhead and strategy sections per machine",
      md.count("## Machine host-a") == 1 and md.count("## Machine host-b") == 1
      and md.count("## Virtualization overhead") == 2, re.findall(r"^## .*", md, re.M))
check("merged: the provenance box has a column per machine",
      p.get("host is a VM", ["", ""])[0].startswith("yes") and p["host is a VM"][1].startswith("no"), p)
heats = re.findall(r"^!\[kvm / native 4K at 256M \(random chase\): guest page x host page on (host-[ab])\]\(plots/(.*)\)$", md, re.M)
data = {h: open(os.path.join(TMP, "merged", "plots", f.replace(".svg", ".dat"))).read().split() for h, f in heats}
check("merged: a heat map per machine, each over its own native cells",
      sorted(data) == ["host-a", "host-b"] and data["host-a"][2] == "3.0000" and data["host-b"][2] == "1.5000", (heats, data))
check("merged: one latency series per machine", len(re.findall(r"machine:host-[ab]'", script)) == 4, script[-800:])

# 4. An emulated backend: said so, and not a result.
emu = cell("native", 16 * MB, "4k", median=100.0)
emu += cell("bochs", 16 * MB, "4k", guest="4k", median=9000.0, extra={"vpid": "on", "ept_levels": 4})
md, html, script = report("emulated", {"context": context(bochs={"emulated": True, "note": "Bochs timings are not results"}),
                                       "benchmarks": emu})
s = summary(md)
check("emulated: the provenance box calls the emulator's translation software, not a result",
      provenance(md).get("tlbvisor's hypervisor", [""])[0].startswith("bochs: software translation"), provenance(md))
check("emulated: the summary says the bochs cells are not performance results and leaves them out",
      any(x.startswith("The 1 bochs cells ran in an emulator") and "not performance results" in x for x in s)
      and not any("90.00x" in x or "9000" in x for x in s), s)

# An ingested bare-metal log's context: the hypervisor's hello line, no host keys.
md, html, script = report("baremetal", {"context": {"hypervisor": {"vendor": "svm"}, "tsc_hz": 2e9},
                                        "benchmarks": cell("baremetal", 16 * MB, "4k", guest="4k", median=120.0)})
p = provenance(md)
check("bare metal: nested paging by the own hypervisor, what was not recorded said so",
      p.get("tlbvisor's hypervisor", [""])[0].startswith("bare metal: nested paging (NPT)")
      and p.get("host is a VM", [""])[0].startswith("not recorded"), p)

# 5. Derived page-walk metrics where the PMU counted (recorded Skylake-like guest counts).
walk = cell("native", 16 * MB, "4k", median=100.0)
walk += cell("kvm", 16 * MB, "4k", guest="4k", median=300.0, extra={
    "pmu_guest_dtlb_load_misses_walk_completed_4k_per_access": 0.8,
    "pmu_guest_dtlb_load_misses_walk_pending_per_access": 96.0,
    "pmu_guest_ept_walk_pending_per_access": 40.0})
md, html, script = report("walks", {"context": context(), "benchmarks": walk})
rows = [l for l in md.split("## Page walks: PMU beside the model", 1)[-1].split("\n## ", 1)[0].splitlines()
        if l.startswith("| chase/")]
check("walk metrics: cycles per walk 120.0, EPT part 50.0, beside the model's 24 references",
      len(rows) == 1 and [c.strip() for c in rows[0].split("|")[2:7]] == ["guest only", "24", "120.0", "50.0", "-"], rows)
md, html, script = report("nowalks", {"context": context(), "benchmarks": entries})
check("walk metrics: no section where the PMU counted nothing", "Page walks" not in md)

shutil.rmtree(TMP, ignore_errors=True)
finish()
