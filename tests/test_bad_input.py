#!/usr/bin/env python3
"""Walks the bad-input table of docs/bad-input.md: every row's arguments must
fail with exactly the message shown as the first line on stderr.
Usage: test_bad_input.py TLBVISOR docs/bad-input.md"""
import re
import shlex
import subprocess
import sys

TLBVISOR, DOC = sys.argv[1], sys.argv[2]
text = open(DOC).read()
table = text.split("<!-- bad-input-table: begin -->")[1].split("<!-- bad-input-table: end -->")[0]
rows = re.findall(r"^\| `(.+?)` \| `(.+)` \|$", table, re.M)
passed = failed = 0
for args, message in rows:
    message = message.replace("\\|", "|")
    r = subprocess.run([TLBVISOR, *shlex.split(args)], capture_output=True, text=True, timeout=60,
                       stdin=subprocess.DEVNULL)
    first = r.stderr.splitlines()[0] if r.stderr else ""
    if r.returncode != 0 and first == message:
        passed += 1
    else:
        failed += 1
        print(f"FAIL tlbvisor {args}: rc={r.returncode}\n  want: {message}\n  got:  {first}")
if len(rows) < 30:
    failed += 1
    print(f"FAIL the table has only {len(rows)} rows")
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
