#!/usr/bin/env python3
"""Walks the bad-input table of docs/bad-input.md: every row's arguments must
fail with exactly the message shown as the first line on stderr.
Usage: test_bad_input.py TLBVISOR docs/bad-input.md"""
import os
import re
import shlex
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tvtest import check, finish, run  # noqa: E402

TLBVISOR, DOC = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
text = open(DOC).read()
# Each row in a directory of its own: relative defaults (results/, the
# history beside it) must not depend on what other tests left in theirs.
workdir = tempfile.TemporaryDirectory(prefix="tlbvisor-bad-input-")  # removed at exit
os.chdir(workdir.name)
table = text.split("<!-- bad-input-table: begin -->")[1].split("<!-- bad-input-table: end -->")[0]
rows = re.findall(r"^\| `(.+?)` \| `(.+)` \|$", table, re.M)
check("the table has at least 30 rows", len(rows) >= 30, f"{len(rows)} rows")
for args, message in rows:
    message = message.replace("\\|", "|")
    r = run(TLBVISOR, *shlex.split(args), timeout=60)
    first = r.stderr.splitlines()[0] if r.stderr else ""
    check(f"tlbvisor {args}", r.returncode != 0 and first == message,
          f"rc={r.returncode}\n  want: {message}\n  got:  {first}")
finish()
