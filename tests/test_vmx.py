#!/usr/bin/env python3
"""tlbvisor's own hypervisor on VMX, booted in Bochs from a GRUB ISO: every
combination of guest page 4k/2m, EPT page 4k/2m/1g and VPID on/off runs a
small chase with the right checksum, the exit histogram counts exactly the
I/O exits the payload made, an EPT violation is reported and the next cell
still runs, 5-level EPT is skipped with the reason, preemption-timer exits
agree with the guest's clock, and the serial log can be ingested. Bochs
timings are emulated, never performance figures.
Usage: test_vmx.py PATH/TO/tlbvisor"""
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tvtest  # noqa: E402
from tvtest import check, finish, kvm_usable, skip  # noqa: E402,F401

TLBVISOR = sys.argv[1]
TMP = tempfile.mkdtemp(prefix="tlbvisor-vmx-")

def run(*args, timeout=600):
    return tvtest.run(TLBVISOR, *args, timeout=timeout)


missing = [p for p in ("bochs", "grub-mkrescue", "xorriso") if not shutil.which(p)]
if missing:
    skip("bochs tests", f"{', '.join(missing)} not installed (apt-get install bochs bochsbios "
         "vgabios bochs-term grub-pc-bin xorriso mtools)")
    finish()

# Bad input is refused before anything boots.
r = run("run", "--backend", "bochs", "--vpid", "maybe")
check("bad --vpid refused before boot", r.returncode == 2 and "invalid vpid 'maybe'" in r.stderr, r.stderr)
r = run("run", "--backend", "bochs", "--tlb-tag", "maybe")
check("bad --tlb-tag refused before boot", r.returncode == 2 and "invalid tlb-tag 'maybe'" in r.stderr, r.stderr)
r = run("run", "--backend", "bochs", "--ept-levels", "6")
check("bad --ept-levels refused before boot", r.returncode == 2 and "invalid EPT depth '6'" in r.stderr, r.stderr)
r = run("run", "--backend", "bochs", "--payload", "/etc/hostname", "--out", os.path.join(TMP, "x.json"))
check("non-ELF payload refused before boot", r.returncode == 2 and "not an ELF" in r.stderr, r.stderr)

EVERY = 5000
out = os.path.join(TMP, "bochs.json")
r = run("run", "--backend", "bochs", "--ws", "1m", "--guest-page", "4k,2m", "--host-page", "4k,2m,1g",
        "--vpid", "on,off", "--ept-levels", "4,5", "--repetitions", "2", "--min-time", "0.002",
        "--max-warmup", "3", "--exit-every", str(EVERY), "--probe-ept-violation", "--out", out)
check("bochs run exits 0", r.returncode == 0, r.stderr[-2000:])
doc = json.load(open(out))
ctx = doc["context"]["bochs"]
cells = {}
for b in doc["benchmarks"]:
    cells.setdefault(b["run_name"], []).append(b)
check("24 cells (2 guest x 3 EPT x 2 VPID x 2 depths)", len(cells) == 24, list(cells))

four = {n: e for n, e in cells.items() if n.endswith("ept-levels:4")}
five = {n: e for n, e in cells.items() if n.endswith("ept-levels:5")}
check("12 four-level cells ran with the right checksum",
      len(four) == 12 and all(e[0]["status"] == "ok" for e in four.values()),
      [(n, e[0].get("error_message")) for n, e in four.items() if e[0]["status"] != "ok"])
check("5-level EPT skipped with the reason", len(five) == 12 and all(
    e[0]["status"] == "skipped" and "5-level EPT" in e[0]["error_message"] and "bit 7" in e[0]["error_message"]
    for e in five.values()), [e[0].get("error_message") for e in five.values()][:2])

for name, entries in four.items():
    it = [e for e in entries if e["run_type"] == "iteration"]
    if not it:
        continue
    c = it[0]
    reps, warm, steps, elements = len(it), c["warmup_passes"], c["iterations"], c["elements"]
    pass_steps = max(elements, 65536)
    ticks = warm * (math.ceil(pass_steps / EVERY) - 1) + reps * (math.ceil(steps / EVERY) - 1)
    commands = 2 + warm + reps  # timer overhead, build, warm-up passes, repetitions
    ok = (c["io_commands"] == commands and c["tick_exits"] == ticks
          and c["exit_io_instruction"] == commands + ticks)
    check(f"exit histogram counts exactly the payload's I/O exits: {name}", ok,
          f"io={c.get('exit_io_instruction')} commands={c['io_commands']}/{commands} ticks={c['tick_exits']}/{ticks}")
    requested = name.split("/host:")[1].split("/")[0]
    check(f"EPT leaf is the requested one: {name}", c["effective_page"] == requested and not c["page_size_flagged"],
          c["effective_page"])
    # The guest page tables sit behind the cell's EPT leaf, from the
    # hypervisor's own walk; 1G: the 16 MiB system region is 2 MiB aligned.
    pt = {"4k": "4k", "2m": "2m", "1g": "2m"}[requested]
    check(f"guest page tables behind {pt} EPT leaves: {name}", c.get("pt_leaf") == pt, c.get("pt_leaf"))

probe = ctx.get("probe_nested_fault", {})
check("EPT violation reported with its guest-physical address",
      probe.get("status") == "failed" and "EPT violation" in probe.get("reason", "")
      and "gpa=0x40200040" in probe.get("reason", ""), probe)
check("the cell after the EPT violation still ran", all(e[0]["status"] == "ok" for e in four.values()))
check("results say emulator timings are not performance figures",
      ctx.get("emulated") is True and "not performance figures" in ctx.get("note", ""), ctx.get("note"))
# Bochs 2.7 reports architectural performance monitoring in CPUID leaf 0AH
# but its counters never count: the hypervisor must say so and report no
# counts, on every cell.
oks = [e[0] for e in four.values() if e[0]["status"] == "ok"]
check("the hypervisor says Bochs's counters do not count, and reports no counts",
      oks and all(c.get("pmu_status", "").startswith("counters present but not counting")
                  and not any(k.startswith("pmu_measure_") for k in c) for c in oks),
      [c.get("pmu_status") for c in oks][:2])
hello = ctx.get("hypervisor", {})
check("hypervisor hello in the context: VMX under Bochs", hello.get("vmx") is True and hello.get("vendor") == "vmx"
      and hello.get("tlb_tag") == "vpid", hello)

# The VMX-preemption timer as an exit source, checked against the guest's own
# clock: the timer counts TSC >> rate only while the guest runs and restarts
# at every entry (SDM 26.5.1), so the measured phase's timer exits cannot
# exceed the guest-timed TSC cycles / (T << rate) (plus the few instructions
# around the guest's timed loop in each repetition), and (the hypervisor's own
# handling of an exit being far shorter than a period) are at least those
# cycles / (2 * (T << rate)) minus one partial period per repetition.
TICKS = 100000
out2 = os.path.join(TMP, "ticks.json")
r = run("run", "--backend", "bochs", "--ws", "1m", "--guest-page", "4k", "--host-page", "4k",
        "--repetitions", "2", "--min-time", "0.01", "--max-warmup", "3", "--exit-every-ticks", str(TICKS),
        "--out", out2)
tdoc = json.load(open(out2))
tick_cells = [b for b in tdoc["benchmarks"] if b["run_type"] == "iteration"]
rate = tdoc["context"].get("bochs", {}).get("hypervisor", {}).get("preemption_rate", -1)
if r.returncode == 0 and tick_cells and rate >= 0:
    period = TICKS << rate
    # the timer overhead is the cell's (its first entry's), subtracted from every repetition
    guest_cycles = sum(c["cycles_per_access"] * c["iterations"] + tick_cells[0]["timer_overhead_cycles"]
                       for c in tick_cells)
    reps = len(tick_cells)
    timer_in_measure = tick_cells[0]["measure_exits"] - reps  # one I/O exit per repetition
    check("preemption-timer exits in the measured phase agree with the guest's own TSC",
          guest_cycles / (2 * period) - reps <= timer_in_measure <= guest_cycles / period + reps,
          f"timer exits {timer_in_measure}, guest cycles {guest_cycles:.0f}, period {period}")
else:
    check("preemption-timer run", False, r.stderr[-1000:])

# Exit round trips under tlbvisor's hypervisor.
out3 = os.path.join(TMP, "exitcost.json")
r = run("run", "--backend", "bochs", "--ws", "16k", "--guest-page", "4k", "--host-page", "4k",
        "--repetitions", "2", "--min-time", "0.005", "--max-warmup", "3", "--exit-cost", "--out", out3)
ec = tvtest.first_entries(json.load(open(out3)))
io, cp = ec.get("exit/io/backend:bochs", {}), ec.get("exit/cpuid/backend:bochs", {})
check("exit round trips under the VMX hypervisor: every I/O and CPUID exit counted",
      r.returncode == 0 and io.get("tick_exits") == io.get("warmup_passes", 0) * 256 + 2 * io.get("iterations", -1)
      and cp.get("exit_cpuid") == cp.get("warmup_passes", 0) * 256 + 2 * cp.get("iterations", -1),
      r.stderr[-500:] + json.dumps([io, cp])[:800])

# A real machine's serial log goes through ingest.
serial = os.path.join(out + ".bochs", "serial.log")
ingested = os.path.join(TMP, "ingested.json")
r = run("ingest", serial, "--out", ingested, "--tsc-ghz", "0.05")
idoc = json.load(open(ingested)) if os.path.exists(ingested) else {"benchmarks": []}
inames = {b["run_name"] for b in idoc["benchmarks"]}
check("ingest of the serial log", r.returncode == 0 and len(inames) == 24
      and all("backend:baremetal" in n for n in inames), r.stderr + str(list(inames)[:3]))
r = run("ingest", "/etc/hostname", "--out", ingested)
check("ingest of a file that is not a tlbvisor log", r.returncode != 0 and "no hello line" in r.stderr, r.stderr)

iso = os.path.join(TMP, "tlbvisor.iso")
r = run("iso", "--out", iso, "--ws", "4m,64m", "--host-page", "4k,2m")
with open(iso, "rb") as f:
    f.seek(0x8001)
    magic = f.read(5)
check("iso writes a bootable ISO 9660 image", r.returncode == 0 and magic == b"CD001", r.stderr)
shutil.rmtree(TMP, ignore_errors=True)
finish()
