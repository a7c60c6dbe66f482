#!/usr/bin/env python3
"""Runs a Criterion test binary and counts what it really did: its JSON
report gives each test's status, so a test that called cr_skip_test counts as
a skip, not a pass. Prints PASS/FAIL/SKIP per test and the closing
'N passed, N failed, N skipped' line; exits 77 (meson SKIP) when every test
skipped, 1 when one failed or the binary crashed.
Usage: criterion_run.py BINARY [CRITERION OPTIONS...]"""
import json
import os
import subprocess
import sys
import tempfile

binary, options = sys.argv[1], sys.argv[2:]
fd, report = tempfile.mkstemp(prefix="criterion-", suffix=".json")
os.close(fd)
r = subprocess.run([binary, *options, f"--json={report}"], stdin=subprocess.DEVNULL)
try:
    with open(report) as f:
        doc = json.load(f)
except (OSError, ValueError) as e:
    doc = None
    why = repr(e)
finally:
    os.unlink(report)
passed = failed = skipped = 0
if doc is None:
    print(f"FAIL {os.path.basename(binary)}: no Criterion report (exit status {r.returncode}): {why}")
    failed = 1
else:
    for suite in doc["test_suites"]:
        for t in suite["tests"]:
            name = f"{suite['name']}::{t['name']}"
            messages = "; ".join(" ".join(m.split()) for m in t.get("messages", []))
            if t["status"] == "PASSED":
                passed += 1
                print(f"PASS {name}")
            elif t["status"] == "SKIPPED":
                skipped += 1
                print(f"SKIP {name}: {messages or 'no reason given'}")
            else:
                failed += 1
                print(f"FAIL {name} ({t['status'].lower()}): {messages}")
    if r.returncode != 0 and not failed:
        failed += 1
        print(f"FAIL {os.path.basename(binary)}: exit status {r.returncode} with no failed test in its report")
if passed + failed + skipped == 0:
    failed = 1
    print(f"FAIL {os.path.basename(binary)}: it ran no test")
print(f"{passed} passed, {failed} failed, {skipped} skipped")
sys.exit(1 if failed else 77 if not passed else 0)
