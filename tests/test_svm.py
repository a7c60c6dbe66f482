#!/usr/bin/env python3
"""tlbvisor's own hypervisor on AMD SVM with nested paging, in QEMU's software
emulation (TCG, -cpu max), which every machine of this kind can run:
every guest 4k/2m x NPT 4k/2m/1g x ASID on/off x NPT depth 4/5 cell runs a
chase with the right checksum, the exit histogram counts exactly the exits
the payload made, a nested page fault is reported with its address and error
code and the next cell runs, timer exits agree with the guest's own clock,
exit round trips are counted, the watchdog stops a spinning guest, the
image boots by legacy BIOS and by UEFI (OVMF) from a CD and from a USB
stick, a processor without nested paging or without SVM at all skips every
cell with the reason and stops by itself, and a 512 MiB machine runs the
cells that fit. QEMU TCG timings are emulated, never performance figures.
Usage: test_svm.py PATH/TO/tlbvisor WORKLOADS_BUILD_DIR"""
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tvtest  # noqa: E402
from tvtest import check, finish, skip  # noqa: E402

TLBVISOR, ELFDIR = sys.argv[1], sys.argv[2]
TMP = tempfile.mkdtemp(prefix="tlbvisor-svm-")
OVMF_CODE = "/usr/share/OVMF/OVMF_CODE_4M.fd"
OVMF_VARS = "/usr/share/OVMF/OVMF_VARS_4M.fd"
EVERY = 5000


def run(*args, timeout=600):
    return tvtest.run(TLBVISOR, *args, timeout=timeout)


def by_name(doc):
    """run_name -> its iteration entries, or its one entry when it did not run."""
    out = {}
    for b in doc["benchmarks"]:
        if b.get("run_type", "iteration") == "iteration":
            out.setdefault(b["run_name"], []).append(b)
    return out


def serial_lines(path):
    lines = []
    for line in open(path, errors="replace"):
        start = line.find("{")
        if start >= 0:
            try:
                lines.append(json.loads(line[start:]))
            except ValueError:
                pass
    return lines


def boot(iso, name, cpu="max", mem=2048, uefi=False, stick=False, timeout=240):
    """Boot iso in QEMU TCG; the serial log's JSON lines, or None when QEMU
    did not stop by itself within timeout seconds."""
    serial = os.path.join(TMP, name + ".serial")
    argv = ["qemu-system-x86_64", "-machine", "q35", "-accel", "tcg", "-cpu", cpu, "-m", str(mem),
            "-serial", "file:" + serial, "-display", "none", "-net", "none", "-no-reboot",
            "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"]
    if uefi:
        vars_copy = os.path.join(TMP, name + ".vars")
        shutil.copy(OVMF_VARS, vars_copy)  # fresh: no boot order from an earlier boot
        argv += ["-drive", "if=pflash,format=raw,readonly=on,file=" + OVMF_CODE,
                 "-drive", "if=pflash,format=raw,file=" + vars_copy]
    if stick:
        image = os.path.join(TMP, name + ".img")
        shutil.copy(iso, image)  # what dd to a USB stick writes
        argv += ["-drive", "file=%s,format=raw,if=none,id=stick" % image, "-device", "qemu-xhci",
                 "-device", "usb-storage,drive=stick"]
    else:
        argv += ["-cdrom", iso]
    try:
        subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       timeout=timeout)
    except subprocess.TimeoutExpired:
        return None
    return serial_lines(serial)


def hello_of(lines):
    return next((l for l in lines if l.get("tlbvisor") == "hello"), {})


def cell_lines(lines):
    return [l for l in lines if "cell" in l]


missing = [p for p in ("qemu-system-x86_64", "grub-mkrescue", "xorriso") if not shutil.which(p)]
if missing:
    skip("svm tests", f"{', '.join(missing)} not installed",
         "apt-get install qemu-system-x86 grub-pc-bin grub-efi-amd64-bin xorriso mtools (or bash ci/setup.sh)")
    finish()

# --- tlbvisor list says which QEMU it uses and why.
r = run("list")
qline = next((l for l in r.stdout.splitlines() if l.strip().startswith("qemu (tlbvisor-hv)")), "")
check("list names the QEMU flavour and why", ("TCG with -cpu max" in qline or "KVM with -cpu host" in qline)
      and ("no nested" in qline or "no usable /dev/kvm" in qline or "offers nested" in qline), qline)

# --- The whole small matrix through tlbvisor run --backend qemu.
out = os.path.join(TMP, "qemu.json")
r = run("run", "--backend", "qemu", "--ws", "1m", "--guest-page", "4k,2m", "--host-page", "4k,2m,1g",
        "--tlb-tag", "on,off", "--ept-levels", "4,5", "--repetitions", "2", "--min-time", "0.002",
        "--max-warmup", "3", "--exit-every", str(EVERY), "--probe-nested-fault", "--out", out, "--no-db")
check("qemu run exits 0", r.returncode == 0, r.stderr[-2000:])
doc = json.load(open(out)) if os.path.exists(out) else {"benchmarks": [], "context": {}}
ctx = doc["context"].get("qemu", {})
hello = ctx.get("hypervisor", {})
tcg = ctx.get("emulated") is True
vendor = hello.get("vendor")
check("the hypervisor chose the extension the processor offers (SVM under TCG -cpu max)",
      vendor in ("svm", "vmx") and (vendor == "svm" or not tcg) and hello.get(vendor) is True, hello)
check("results say emulated timings are not performance figures",
      not tcg or "not performance figures" in ctx.get("note", ""), ctx.get("note"))
cells = by_name(doc)
check("24 cells (2 guest x 3 NPT x 2 tags x 2 depths)", len(cells) == 24, list(cells)[:3])
bad = {n: e[0].get("error_message") for n, e in cells.items() if e[0]["status"] != "ok"}
check("every guest x NPT x tag x depth cell ran with the right checksum (5-level NPT: LA57 in the hypervisor)",
      len(cells) == 24 and not bad and hello.get("la57") is True, bad or hello.get("la57"))
for name, it in cells.items():
    c = it[0]
    if c["status"] != "ok":
        continue
    reps, warm, steps, elements = len(it), c["warmup_passes"], c["iterations"], c["elements"]
    pass_steps = max(elements, 65536)
    ticks = warm * (math.ceil(pass_steps / EVERY) - 1) + reps * (math.ceil(steps / EVERY) - 1)
    commands = 2 + warm + reps  # timer overhead, build, warm-up passes, repetitions
    io = c.get("exit_ioio" if vendor == "svm" else "exit_io_instruction")
    others = [k for k in c if k.startswith("exit_") and k not in ("exit_ioio", "exit_io_instruction", "exit_intr")]
    check(f"exit histogram counts exactly the payload's exits: {name}",
          c["io_commands"] == commands and c["tick_exits"] == ticks and io == commands + ticks and not others,
          f"io={io} commands={c['io_commands']}/{commands} ticks={c['tick_exits']}/{ticks} others={others}")
    requested = name.split("/host:")[1].split("/")[0]
    check(f"nested leaf is the requested one: {name}", c["effective_page"] == requested, c["effective_page"])
    # The guest page tables sit behind the cell's NPT leaf, from the
    # hypervisor's own walk; 1G: the 16 MiB system region is 2 MiB aligned.
    pt = {"4k": "4k", "2m": "2m", "1g": "2m"}[requested]
    check(f"guest page tables behind {pt} nested leaves: {name}", c.get("pt_leaf") == pt, c.get("pt_leaf"))
# --- --pt-backing split: today's layout, the guest page tables behind 4K leaves.
split_out = os.path.join(TMP, "qemu-split.json")
r = run("run", "--backend", "qemu", "--ws", "1m", "--guest-page", "4k", "--host-page", "2m", "--tlb-tag", "on",
        "--ept-levels", "4", "--repetitions", "2", "--min-time", "0.002", "--max-warmup", "3",
        "--pt-backing", "split", "--out", split_out, "--no-db")
split = [e for e in (json.load(open(split_out))["benchmarks"] if os.path.exists(split_out) else [])
         if e.get("run_type") == "iteration"]
check("--pt-backing split: a 2M nested cell's guest page tables behind 4k leaves",
      r.returncode == 0 and split and split[0]["status"] == "ok" and split[0]["effective_page"] == "2m"
      and split[0].get("pt_leaf") == "4k", r.stderr[-800:] + json.dumps(split[:1])[:400])
probe = ctx.get("probe_nested_fault", {})
reason = probe.get("reason", "")
check("nested page fault reported with its guest-physical address and error code",
      probe.get("status") == "failed" and "gpa=0x40200040" in reason
      and ("#NPF" in reason and "error_code=0x1000000" in reason if vendor == "svm" else "EPT violation" in reason),
      probe)
check("the cells after the nested page fault still ran", not bad and len(cells) == 24)
serial = os.path.join(out + ".qemu", "serial.log")

# --- A real machine's serial log of an SVM run goes through ingest, with the
# TSC rate the hypervisor measured against the PIT (AMD has no CPUID leaf 15H).
ingested = os.path.join(TMP, "ingested.json")
r = run("ingest", serial, "--out", ingested)
inames = {b["run_name"] for b in json.load(open(ingested))["benchmarks"]} if os.path.exists(ingested) else set()
check("ingest of the SVM serial log (TSC rate from the log)", r.returncode == 0 and len(inames) == 24 and
      all("/tlb-tag:" in n for n in inames), r.stderr + str(sorted(inames)[:2]))

# --- Exit round trips, and timer exits against the guest's own clock: the
# timer is armed for T TSC ticks at every VMRUN and cannot fire earlier
# (the calibration allows 1/16), so the measured phase holds at most
# guest cycles / (T * 15/16) + one per repetition; and at least a quarter
# of guest cycles / T, less one per repetition, unless the emulator
# delivered the timer very late.
T = 20_000_000
out = os.path.join(TMP, "timer.json")
r = run("run", "--backend", "qemu", "--ws", "64k", "--guest-page", "4k", "--host-page", "4k",
        "--repetitions", "2", "--min-time", "0.1", "--max-warmup", "3", "--exit-every-ticks", str(T),
        "--exit-cost", "--out", out, "--no-db")
tdoc = json.load(open(out)) if os.path.exists(out) else {"benchmarks": []}
it = [b for b in tdoc["benchmarks"] if b["run_type"] == "iteration" and b["run_name"].startswith("chase/")]
if r.returncode == 0 and it:
    # the timer overhead is the cell's (its first entry's), subtracted from every repetition
    guest = sum(c["cycles_per_access"] * c["iterations"] + it[0]["timer_overhead_cycles"] for c in it)
    intr_in_measure = it[0]["measure_exits"] - len(it)  # all but one I/O exit per repetition
    check("timer exits in the measured phase agree with the guest's own TSC",
          guest / (4 * T) - len(it) <= intr_in_measure <= guest / (T * 15 / 16) + len(it)
          and 0 < it[0]["timer_exits"] <= it[0].get("exit_intr", 0),
          f"INTR exits in measure {intr_in_measure}, timer exits {it[0].get('timer_exits')}, "
          f"guest cycles {guest:.0f}, T {T}")
else:
    check("timer-exit run", False, r.stderr[-1000:])
ec = tvtest.first_entries(tdoc)
io, cp = ec.get("exit/io/backend:qemu", {}), ec.get("exit/cpuid/backend:qemu", {})
check("exit round trips: every IOIO and CPUID exit counted",
      io.get("tick_exits") == io.get("warmup_passes", 0) * 256 + 2 * io.get("iterations", -1)
      and cp.get("exit_cpuid") == cp.get("warmup_passes", 0) * 256 + 2 * cp.get("iterations", -1),
      json.dumps([io, cp])[:800])

# --- The watchdog stops a guest that spins without exiting.
out = os.path.join(TMP, "spin.json")
r = run("run", "--backend", "qemu", "--ws", "16k", "--guest-page", "4k", "--host-page", "4k", "--repetitions", "2",
        "--min-time", "0.002", "--guest-timeout", "1", "--payload", os.path.join(ELFDIR, "hostile-spin.elf"),
        "--out", out, "--no-db")
spin = [b for b in json.load(open(out))["benchmarks"]] if os.path.exists(out) else []
check("the watchdog stops a spinning guest and the cell fails with the reason", r.returncode == 3 and spin and all(
      b["status"] == "failed" and "guest ran away" in b.get("error_message", "") for b in spin),
      [b.get("error_message") for b in spin])

# --- The image of tlbvisor iso: legacy BIOS and UEFI, CD and USB stick.
iso = os.path.join(TMP, "tlbvisor.iso")
r = run("iso", "--out", iso, "--ws", "1m", "--guest-page", "4k", "--host-page", "4k,2m", "--repetitions", "2",
        "--min-time", "0.002")
check("iso writes a hybrid image", r.returncode == 0 and os.path.exists(iso), r.stderr)


def boots(lines, firmware, label):
    if lines is None:
        check(f"{label}: QEMU stopped by itself", False, "timed out")
        return
    cl = cell_lines(lines)
    check(f"{label}: booted by {firmware} and ran the cells", hello_of(lines).get("firmware") == firmware
          and len(cl) == 2 and all(c["status"] == "ok" for c in cl)
          and any(l.get("tlbvisor") == "done" for l in lines), [hello_of(lines).get("firmware"), cl[:1]])


if os.path.exists(iso):
    boots(boot(iso, "bios-stick", stick=True), "bios", "legacy BIOS from a USB stick")
    if os.path.exists(OVMF_CODE) and os.path.exists(OVMF_VARS):
        boots(boot(iso, "uefi-cd", uefi=True), "uefi", "UEFI (OVMF) from a CD")
        boots(boot(iso, "uefi-stick", uefi=True, stick=True), "uefi", "UEFI (OVMF) from a USB stick")
    else:
        skip("UEFI boot", f"{OVMF_CODE} missing", "apt-get install ovmf (or bash ci/setup.sh)")

    # --- No nested paging, no SVM: every cell skipped with the reason, and
    # the machine stops by itself.
    for cpu, why in (("qemu64", "no nested paging"), ("qemu64,-svm", "neither VMX")):
        lines = boot(iso, cpu.replace(",", "_"), cpu=cpu, timeout=120)
        cl = cell_lines(lines or [])
        check(f"-cpu {cpu}: says why on serial, skips every cell and stops by itself", lines is not None
              and why in hello_of(lines).get("reason", "") + json.dumps(cl) and len(cl) == 2
              and all(c["status"] == "skipped" and why in c["reason"] for c in cl)
              and any(l.get("tlbvisor") == "done" for l in lines), (lines or [])[:3])

# --- 512 MiB: the cells that fit run, the others are skipped with the reason.
small = os.path.join(TMP, "small.iso")
r = run("iso", "--out", small, "--ws", "16k,64m,512m", "--guest-page", "4k", "--host-page", "4k,1g",
        "--repetitions", "2", "--min-time", "0.002")
lines = boot(small, "512m", mem=512) if r.returncode == 0 else None
cl = {(c["ws"], c["ept_page"]): c for c in cell_lines(lines or [])}
fit = [cl.get((w, "4k"), {}) for w in (16 << 10, 64 << 20)]
check("512 MiB: the cells that fit ran", lines is not None and len(cl) == 6 and all(c.get("status") == "ok" for c in fit),
      [c.get("reason") for c in fit])
check("512 MiB: the rest skipped with the reason", lines is not None
      and cl.get((512 << 20, "4k"), {}).get("reason", "").startswith("working set larger than")
      and all("1 GiB" in cl.get((w, "1g"), {}).get("reason", "") for w in (16 << 10, 64 << 20, 512 << 20)),
      [c.get("reason") for c in cl.values()])
shutil.rmtree(TMP, ignore_errors=True)
finish()
