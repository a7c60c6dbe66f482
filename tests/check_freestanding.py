#!/usr/bin/env python3
"""Freestanding code (hv/paging, hv/common, the guest payload objects) must not
reference any symbol outside itself: no libc, no compiler runtime.
Usage: check_freestanding.py ARCHIVE..."""
import subprocess
import sys

def symbols(args):
    out = subprocess.run(["nm", *args], capture_output=True, text=True, check=True).stdout
    return [l.split()[-1] for l in out.splitlines() if len(l.split()) >= 2]


bad = []
defined = set(symbols(["--defined-only", *sys.argv[1:]]))
for archive in sys.argv[1:]:
    for sym in symbols(["-u", archive]):
        if sym not in defined:  # references between the freestanding objects are fine
            bad.append(f"{archive}: {sym}")
for b in bad:
    print("undefined symbol in freestanding code:", b)
print(f"{0 if bad else 1} passed, {1 if bad else 0} failed")
sys.exit(1 if bad else 0)
