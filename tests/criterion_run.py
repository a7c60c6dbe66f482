#!/usr/bin/env python3
"""Runs a Criterion test binary and counts what it really did: its JSON
report gives each test's status, so a test that called cr_skip_test counts as
a skip, not a pass. Prints PASS/FAIL/SKIP per test and the closing
'N passed, N failed, N skipped' line; exits 77 (meson SKIP) when every test
skipped, 1 when one failed or the binary crashed. tests/kvm_test.py counts
the report of a run in the emulated KVM with the same tally().
Usage: criterion_run.py BINARY [CRITERION OPTIONS...]"""
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tvtest import check, counts, finish  # noqa: E402


def load_report(path):
    """The JSON report, or None and why there is none."""
    try:
        with open(path) as f:
            return json.load(f), ""
    except (OSError, ValueError) as e:
        return None, repr(e)


def tally(label, doc, returncode, why="", where=""):
    """Each test of a Criterion report as a check (a skip when it called
    cr_skip_test); a crash or a run of no test is a failed check."""
    suffix = f" ({where})" if where else ""
    if doc is None:
        check(f"{label}{suffix} wrote its Criterion report", False, f"exit status {returncode}: {why}")
        return
    failed_before, ran = counts["failed"], 0
    for suite in doc["test_suites"]:
        for t in suite["tests"]:
            ran += 1
            name = f"{suite['name']}::{t['name']}{suffix}"
            messages = "; ".join(" ".join(m.split()) for m in t.get("messages", []))
            if t["status"] == "SKIPPED":
                counts["skipped"] += 1
                print(f"SKIP {name}: {messages or 'no reason given'}", flush=True)
            else:
                check(name, t["status"] == "PASSED", f"({t['status'].lower()}): {messages}")
    if returncode != 0 and counts["failed"] == failed_before:
        check(f"{label}{suffix} exit status", False, f"{returncode} with no failed test in its report")
    if ran == 0:
        check(f"{label}{suffix} ran a test", False, "its report lists none")


def main(binary, options):
    fd, report = tempfile.mkstemp(prefix="criterion-", suffix=".json")
    os.close(fd)
    r = subprocess.run([binary, *options, f"--json={report}"], stdin=subprocess.DEVNULL)
    doc, why = load_report(report)
    os.unlink(report)
    tally(os.path.basename(binary), doc, r.returncode, why)
    finish()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
