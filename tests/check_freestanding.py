#!/usr/bin/env python3
"""Freestanding code (hv/paging, hv/common, the guest payload objects) must not
reference any symbol outside itself: no libc, no compiler runtime.
Usage: check_freestanding.py ARCHIVE..."""
import subprocess
import sys

bad = []
for archive in sys.argv[1:]:
    out = subprocess.run(["nm", "-u", archive], capture_output=True, text=True, check=True).stdout
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0] == "U":
            bad.append(f"{archive}: {parts[1]}")
for b in bad:
    print("undefined symbol in freestanding code:", b)
print(f"{0 if bad else 1} passed, {1 if bad else 0} failed")
sys.exit(1 if bad else 0)
