#!/usr/bin/env python3
"""The results readers' threads, end to end: report parses in a thread of
its own and hands its events over in a ring of chunks (analysis/results_feed.c);
compare reads its two files at once, one thread each. Files of 3,000 cells
(about 18 MB, many turns of the ring) written by ci/scale-bench.py, the one
generator of synthetic results files:
- a file of the current layout and the same cells in the older layout (every
  key on every entry) give the same report and compare as equal;
- a truncated file and a file with a lexical error half way are refused,
  naming the file, the entry and the line, with nothing written;
- no run prints a ThreadSanitizer report. ci/test.sh runs this test again
  with tlbvisor built with -Db_sanitize=thread (TLBVISOR_TSAN=1).
Usage: test_reader_threads.py TLBVISOR SOURCE_ROOT"""
import filecmp
import importlib.util
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tvtest  # noqa: E402
from tvtest import check, finish  # noqa: E402

TLBVISOR, ROOT = sys.argv[1], sys.argv[2]
CELLS = 3000
TMP = tempfile.TemporaryDirectory(prefix="tlbvisor-threads-")
D = TMP.name

spec = importlib.util.spec_from_file_location("scale_bench", os.path.join(ROOT, "ci", "scale-bench.py"))
scale_bench = importlib.util.module_from_spec(spec)
spec.loader.exec_module(scale_bench)


def path(name):
    return os.path.join(D, name)


def run(*args):
    r = tvtest.run(TLBVISOR, *args)
    shown = " ".join(os.path.basename(a) for a in args if not a.startswith("--"))
    check(f"{shown}: no ThreadSanitizer report", "ThreadSanitizer" not in r.stderr,
          r.stderr[-1500:])
    return r


if os.environ.get("TLBVISOR_TSAN"):
    print("tlbvisor here is built with ThreadSanitizer")
scale_bench.write_results(path("new.json"), CELLS, 3, 1.0, "full")
scale_bench.write_results(path("old.json"), CELLS, 3, 1.0, "full-old")
scale_bench.write_results(path("slower.json"), CELLS, 3, 1.3, "full")
text = open(path("new.json")).read()
check("the two layouts differ on disk (the older about twice the size)",
      os.path.getsize(path("old.json")) > 2 * os.path.getsize(path("new.json")))
with open(path("truncated.json"), "w") as f:
    f.write(text[:len(text) * 2 // 3])
with open(path("lexical.json"), "w") as f:  # a stray byte between two entries half way
    at = text.index("\n    {", len(text) // 2) + 1
    f.write(text[:at] + "@" + text[at:])

r_new = run("report", path("new.json"), "--out", path("report-new"))
r_old = run("report", path("old.json"), "--out", path("report-old"))
same = r_new.returncode == 0 and r_old.returncode == 0 and all(
    filecmp.cmp(path(f"report-new/{f}"), path(f"report-old/{f}"), shallow=False) for f in ("report.md", "report.html"))
check(f"report of {CELLS} cells: the current and the older layout give the same report", same,
      r_new.stderr[-400:] + r_old.stderr[-400:])

r = run("compare", path("old.json"), path("new.json"), "--out", path("same.md"))
body = open(path("same.md")).read() if os.path.exists(path("same.md")) else ""
rows = [line for line in body.splitlines() if line.startswith("| chase/")]
check("compare of the same cells in the two layouts: every cell read, none changed",
      r.returncode in (0, 5) and len(rows) == CELLS and all("| +0.0% |" in row for row in rows)
      and " 0 regressions, 0 improvements," in body, body[-600:] + r.stderr[-400:])
r = run("compare", path("new.json"), path("slower.json"), "--out", path("slower.md"))
body = open(path("slower.md")).read() if os.path.exists(path("slower.md")) else ""
rows = [line for line in body.splitlines() if line.startswith("| chase/")]
check("compare of two files read at once: 30% slower in every cell is seen in every cell",
      len(rows) == CELLS and all("| +30.0% |" in row for row in rows), body[-600:] + r.stderr[-400:])

for name, words in (("truncated.json", "premature EOF"), ("lexical.json", "lexical error")):
    out = path(f"report-{name}")
    r = run("report", path(name), "--out", out)
    check(f"report of {name}: refused half way with the entry and the line, nothing written",
          r.returncode == 1 and name in r.stderr and words in r.stderr and "benchmarks entry" in r.stderr
          and " at line " in r.stderr and not os.path.exists(out), r.stderr[-400:])
    for pair in ((path("new.json"), path(name)), (path(name), path("new.json"))):
        md = path(f"compare-{name}.md")
        r = run("compare", *pair, "--out", md)
        check(f"compare with {name} {'second' if pair[1].endswith(name) else 'first'}: refused, naming it",
              r.returncode == 1 and f"cannot read {path(name)}" in r.stderr and words in r.stderr
              and not os.path.exists(md), r.stderr[-400:])
finish()
