"""Shared helpers of tlbvisor's end-to-end tests: PASS/FAIL/SKIP lines, the
closing 'N passed, N failed, N skipped' line and the exit status."""
import os
import subprocess
import sys

counts = {"passed": 0, "failed": 0, "skipped": 0}


def check(name, cond, detail=""):
    if cond:
        counts["passed"] += 1
        print(f"PASS {name}")
    else:
        counts["failed"] += 1
        print(f"FAIL {name}: {detail}")


def skip(name, why):
    counts["skipped"] += 1
    print(f"SKIP {name}: {why}")


def run(tlbvisor, *args, timeout=600):
    return subprocess.run([tlbvisor, *args], capture_output=True, text=True, timeout=timeout,
                          stdin=subprocess.DEVNULL)


def kvm_usable():
    try:
        os.close(os.open("/dev/kvm", os.O_RDWR))
        return True
    except OSError:
        return False


def finish():
    print(f"{counts['passed']} passed, {counts['failed']} failed, {counts['skipped']} skipped")
    sys.exit(1 if counts["failed"] else 0)
