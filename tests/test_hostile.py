#!/usr/bin/env python3
"""Hostile guests: test-only payloads that write to unknown ports, make
string I/O with huge counts, spin forever, touch unmapped memory or report a
result pointer outside the working set. Each must give a clear per-cell
failure on every backend, and the matrix must finish: here (this machine's
/dev/kvm where it works, tlbvisor's hypervisor in Bochs and in QEMU) and in the emulated
kvm_amd with NPT (tests/emukvm.py) where there is no /dev/kvm, or always with
--also-emulated.
Usage: test_hostile.py TLBVISOR WORKLOADS_BUILD_DIR [--also-emulated]"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import emukvm  # noqa: E402
import tvtest  # noqa: E402
from tvtest import check, finish, kvm_usable, skip  # noqa: E402

TLBVISOR, ELFDIR = sys.argv[1], sys.argv[2]
ALSO_EMULATED = "--also-emulated" in sys.argv[3:]
TMP = tempfile.mkdtemp(prefix="tlbvisor-hostile-")

EXPECT = {
    # #GP where the TSS I/O bitmap decides (kvm_pvm drops IOPL); an exit to
    # the host where the guest's IOPL=3 lets the port through to the
    # intercept (kvm_amd, kvm_intel, tlbvisor's hypervisor; see
    # hv/common/guest_layout.h).
    "unknown_port": ["#GP", "unknown port"],
    "string_io": ["unexpected port access"],
    "spin": ["guest ran away", "watchdog"],
    "unmapped": ["#PF"],
    "bad_result": ["the working set was corrupted"],
}


def usable_backends():
    b = []
    if kvm_usable():
        b.append("kvm")
    if shutil.which("bochs") and shutil.which("grub-mkrescue"):
        b.append("bochs")
    else:
        skip("bochs", "not installed", "bash ci/setup.sh")
    # tlbvisor's hypervisor in QEMU: SVM under TCG here, or nested KVM.
    if shutil.which("qemu-system-x86_64") and shutil.which("grub-mkrescue"):
        b.append("qemu")
    else:
        skip("qemu", "qemu-system-x86_64 or grub-mkrescue not installed",
             "apt-get install qemu-system-x86 grub-pc-bin xorriso mtools (or bash ci/setup.sh)")
    return b


def args(kind, out, backends):
    return ["run", "--backend", ",".join(backends), "--ws", "16k,64k", "--host-page", "4k", "--guest-page", "4k",
            "--repetitions", "2", "--min-time", "0.002", "--guest-timeout", "2", "--payload", payloads[kind],
            "--out", out, "--no-db"]


def judge(where, kind, rc, out, stderr, nbackends):
    doc = json.load(open(out))
    cells = tvtest.first_entries(doc)
    check(f"{where} {kind}: the matrix finished (exit 3: cells failed, no crash)",
          rc == 3 and len(cells) == 2 * nbackends, f"rc={rc} cells={len(cells)} {stderr[-300:]}")
    for name, b in cells.items():
        msg = b.get("error_message", "")
        check(f"{where} {kind}: {name} failed with a clear reason",
              b["status"] == "failed" and any(w in msg for w in EXPECT[kind]), msg)


def emulated_kvm():
    m = emukvm.Machine("amd")
    tv = m.add(TLBVISOR)
    for kind in EXPECT:
        vm_args = args(kind, kind + ".json", ["kvm"])
        vm_args[vm_args.index("--payload") + 1] = m.add(payloads[kind])
        m.run(kind, tv, *vm_args)
    try:
        res = m.boot(timeout=900)
        for kind in EXPECT:
            judge("emulated kvm_amd:", kind, res.rc(kind), res.path(kind + ".json"), res.stderr(kind), 1)
    except (emukvm.EmuKvmError, OSError, ValueError) as e:
        check("emulated kvm_amd: the hostile guests ran", False, str(e))
    m.cleanup()


# On this machine: its own /dev/kvm where it works, and tlbvisor's hypervisor in Bochs and QEMU.
backends = usable_backends()
payloads = {kind: os.path.join(ELFDIR, f"hostile-{kind}.elf") for kind in EXPECT}
for kind in EXPECT:
    if not backends:
        break
    out = os.path.join(TMP, kind + ".json")
    r = subprocess.run([TLBVISOR, *args(kind, out, backends)], capture_output=True, text=True, timeout=600,
                       stdin=subprocess.DEVNULL)
    judge("here:", kind, r.returncode, out, r.stderr, len(backends))

# In the emulated kvm_amd with NPT: the same guests, the watchdog included,
# against a KVM with nested paging; where this machine has no /dev/kvm, and
# with --also-emulated (the plain build's run) on every machine.
if not kvm_usable() or ALSO_EMULATED:
    emulated_kvm()
shutil.rmtree(TMP, ignore_errors=True)
finish()
