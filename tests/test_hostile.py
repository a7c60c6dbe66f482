#!/usr/bin/env python3
"""Hostile guests: test-only payloads that write to unknown ports, make
string I/O with huge counts, spin forever, touch unmapped memory or report a
result pointer outside the working set. Each must give a clear per-cell
failure on every backend, and the matrix must finish.
Usage: test_hostile.py TLBVISOR WORKLOADS_BUILD_DIR"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tvtest  # noqa: E402
from tvtest import check, finish, kvm_usable, skip  # noqa: E402,F401

TLBVISOR, ELFDIR = sys.argv[1], sys.argv[2]
TMP = tempfile.mkdtemp(prefix="tlbvisor-hostile-")

EXPECT = {
    # #GP where the TSS bitmap decides (kvm_pvm drops IOPL), an I/O exit
    # where the guest's IOPL=3 lets the write through to the hypervisor.
    "unknown_port": ["#GP", "unknown port"],
    "string_io": ["unexpected port access"],
    "spin": ["guest ran away", "watchdog"],
    "unmapped": ["#PF"],
    "bad_result": ["the working set was corrupted"],
}




def usable_backends():
    b = []
    try:
        os.close(os.open("/dev/kvm", os.O_RDWR))
        b.append("kvm")
    except OSError:
        skip("kvm", "/dev/kvm unavailable")
    if shutil.which("bochs") and shutil.which("grub-mkrescue"):
        b.append("bochs")
    else:
        skip("bochs", "not installed")
    # tlbvisor's hypervisor in QEMU: SVM under TCG here, or nested KVM.
    if shutil.which("qemu-system-x86_64") and shutil.which("grub-mkrescue"):
        b.append("qemu")
    else:
        skip("qemu", "qemu-system-x86_64 or grub-mkrescue not installed",
             "apt-get install qemu-system-x86 grub-pc-bin xorriso mtools (or bash ci/setup.sh)")
    return b


backends = usable_backends()
if not backends:
    skip("hostile guests", "neither /dev/kvm, Bochs nor QEMU is available")
for kind, words in EXPECT.items():
    if not backends:
        break
    out = os.path.join(TMP, kind + ".json")
    r = subprocess.run([TLBVISOR, "run", "--backend", ",".join(backends), "--ws", "16k,64k", "--host-page", "4k",
                        "--guest-page", "4k", "--repetitions", "2", "--min-time", "0.002", "--guest-timeout", "2",
                        "--payload", os.path.join(ELFDIR, f"hostile-{kind}.elf"), "--out", out, "--no-db"],
                       capture_output=True, text=True, timeout=600, stdin=subprocess.DEVNULL)
    doc = json.load(open(out))
    cells = {b["run_name"]: b for b in doc["benchmarks"]}
    expected = 2 * len(backends)
    check(f"{kind}: the matrix finished (exit 3: cells failed, no crash)", r.returncode == 3 and len(cells) == expected,
          f"rc={r.returncode} cells={len(cells)} {r.stderr[-300:]}")
    for name, b in cells.items():
        msg = b.get("error_message", "")
        check(f"{kind}: {name} failed with a clear reason", b["status"] == "failed" and any(w in msg for w in words),
              msg)
shutil.rmtree(TMP, ignore_errors=True)
finish()
