#!/usr/bin/env python3
"""The guest-time watchdog of tlbvisor's VMX hypervisor (issue 10): a guest
that spins while VMX-preemption-timer exits keep interrupting it
(--exit-every-ticks 1) used to hang until --vmx-timeout, which then advised
raising it. Its cell must fail with the guest-time watchdog and the right fix,
and the run must end long before --vmx-timeout. Runs in Bochs.
Usage: test_guest_watchdog.py TLBVISOR WORKLOADS_BUILD_DIR"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tvtest  # noqa: E402
from tvtest import check, finish, skip  # noqa: E402

TLBVISOR, ELFDIR = sys.argv[1], sys.argv[2]
TMP = tempfile.mkdtemp(prefix="tlbvisor-watchdog-")

if not (shutil.which("bochs") and shutil.which("grub-mkrescue")):
    skip("guest-time watchdog", "Bochs or grub-mkrescue not installed; fix: bash ci/setup.sh")
    finish()
out = os.path.join(TMP, "spin.json")
# --vmx-timeout is the failure bound only: the watchdog (2 s of guest time)
# must end the cell long before it.
r = subprocess.run([TLBVISOR, "run", "--backend", "bochs", "--ws", "16k", "--host-page", "4k", "--guest-page", "4k",
                    "--repetitions", "2", "--min-time", "0.002", "--guest-timeout", "2", "--exit-every-ticks", "1",
                    "--vmx-timeout", "1500", "--payload", os.path.join(ELFDIR, "hostile-spin.elf"), "--out", out,
                    "--no-db"], capture_output=True, text=True, timeout=1800, stdin=subprocess.DEVNULL)
cells = json.load(open(out))["benchmarks"]
msg = cells[0].get("error_message", "") if cells else ""
check("a spinning guest under --exit-every-ticks 1 fails its cell (exit 3), not the emulator's time limit",
      r.returncode == 3 and len(cells) == 1 and cells[0]["status"] == "failed" and "vmx-timeout" not in r.stderr,
      f"rc={r.returncode} {r.stderr[-400:]}")
check("its reason names the guest-time watchdog and the right fix",
      "guest ran away" in msg and "guest-time watchdog" in msg and "--exit-every-ticks" in msg, msg)
shutil.rmtree(TMP, ignore_errors=True)
finish()
