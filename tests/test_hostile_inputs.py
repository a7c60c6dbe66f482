#!/usr/bin/env python3
"""Files from elsewhere and colliding outputs (issue 10): a crafted results
file runs nothing and shows its names literally in plots, HTML and Markdown;
outputs that are devices, directories or the same file as another output or
an input are refused before anything runs, with nothing changed on disk; two
runs on one --out/--db: one runs, the other is refused with its PID.
Usage: test_hostile_inputs.py TLBVISOR SERIAL_LOG"""
import html.parser
import json
import os
import re
import sqlite3
import subprocess
import sys
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tvtest  # noqa: E402,F401
from tvtest import check, finish  # noqa: E402
from hostile_files import SMALL, fresh, refused_unchanged, results, run, snapshot, write  # noqa: E402
import hostile_files  # noqa: E402
from reportcheck import md_unescape  # noqa: E402

TLBVISOR, TMP = hostile_files.setup(sys.argv[1], "tlbvisor-hostile-inputs-")
SERIAL_LOG = os.path.abspath(sys.argv[2])
PWNED = os.path.join(TMP, "PWNED")
# Everything that could end a string, start a command or markup in the
# languages the name travels through: gnuplot, shell, HTML, Markdown, CSV.
EVIL = ("4k' ; system \"touch " + PWNED + "-gp\" ; x='`touch " + PWNED + "-bq`$(touch " + PWNED + "-sh)"
        "<script>alert(1)</script><img src=x onerror=alert(2)>|a|b\n# head **bold** [link](http://x) &amp; \"q\",c\x1b[2J")


def visible(s):
    """How tlbvisor shows a name: control characters as \\xNN."""
    return "".join(f"\\x{ord(c):02x}" if ord(c) < 0x20 or ord(c) == 0x7f else c for c in s)


def no_command_ran(what):
    left = [f for f in os.listdir(TMP) if f.startswith("PWNED")]
    check(f"{what}: no command from the name ran", not left, left)


# ---- crafted names: report and compare --------------------------------

def md_cells(line):
    """A Markdown table row split on pipes that are not escaped."""
    parts = re.split(r"(?<!\\)\|", line)
    return [p.strip() for p in parts[1:-1]]


class Cells(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.cells, self.tags, self.attrs, self.cur = [], [], [], None

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs += [a for a, _ in attrs]
        if tag == "td":
            self.cur = ""

    def handle_endtag(self, tag):
        if tag == "td":
            self.cells.append(self.cur)
            self.cur = None

    def handle_data(self, data):
        if self.cur is not None:
            self.cur += data


def test_crafted_report():
    d = fresh("report")
    name_n = f"chase/random/ws:16K/backend:native/host:{EVIL}"
    name_k = f"chase/random/ws:16K/backend:kvm/guest:4k/host:{EVIL}"
    src = write(os.path.join(d, "crafted.json"), results([
        (name_n, "native", 16384, "4k", None), (f"chase/random/ws:1M/backend:native/host:{EVIL}", "native", 1 << 20, "4k", None),
        (name_k, "kvm", 16384, "4k", "4k")]))
    before = set(snapshot(d))
    r = run("report", "crafted.json", "--out", "rep", cwd=d)
    check("crafted names: report exits 0", r.returncode == 0, r.stderr)
    no_command_ran("report")
    made = set(snapshot(d)) - before
    allowed = {"rep", "rep/report.md", "rep/report.html", "rep/plots"}
    stray = [f for f in made if f not in allowed and not re.fullmatch(r"rep/plots/[a-z0-9.-]+\.(svg|dat|gp|log)", f)]
    check("crafted names: the report writes its own files and nothing else", not stray, stray)
    # Plots: the legend shows the name literally.
    svg = os.path.join(d, "rep/plots/latency-random.svg")
    texts = ["".join(t.itertext()) for t in ET.parse(svg).iter() if t.tag.endswith("text")] if os.path.exists(svg) else []
    check("crafted names: the plot legend shows the name literally",
          f"backend:native/host:{visible(EVIL)}" in texts, texts[:8])
    # HTML: the name is the text of a cell; no element or attribute came from it.
    p = Cells()
    p.feed(open(os.path.join(d, "rep/report.html")).read())
    check("crafted names: HTML shows the name literally", visible(name_n) in p.cells and visible(name_k) in p.cells,
          [c for c in p.cells if "chase/" in c][:2])
    check("crafted names: HTML has no element or attribute from the name",
          "script" not in p.tags and "img" not in p.tags and not any(a.startswith("on") for a in p.attrs),
          sorted(set(p.tags)))
    # Markdown: every row of the results table has its 7 cells, the name literal.
    md = open(os.path.join(d, "rep/report.md")).read()
    rows = [l for l in md.splitlines() if l.startswith("| chase/")]
    results_rows = [md_cells(l) for l in rows if len(md_cells(l)) == 7]
    check("crafted names: Markdown rows keep their columns and show the name literally",
          any(md_unescape(c[0]) == visible(name_n) for c in results_rows)
          and not any(l.startswith("# head") for l in md.splitlines()), rows[:2])
    # The same through stdout (no --out) and strategies.
    r = run("report", src)
    check("crafted names: Markdown on stdout escaped too", r.returncode == 0 and "\\<script\\>" in r.stdout
          and "<script>" not in r.stdout and "\x1b" not in r.stdout, r.stdout[:300])
    r = run("strategies", src)
    check("crafted names: strategies escaped", r.returncode == 0 and "<img" not in r.stdout, r.stdout[:300])
    no_command_ran("report on stdout, strategies")


def test_crafted_compare():
    d = fresh("compare")
    cells = [(f"chase/random/ws:16K/backend:native/host:{EVIL}", "native", 16384, "4k", None),
             ("chase/random/ws:1M/backend:native/host:4k", "native", 1 << 20, "4k", None)]
    write(os.path.join(d, "a.json"), results(cells))
    write(os.path.join(d, "b.json"), results(cells, scale=1.5))
    before = set(snapshot(d))
    r = run("compare", "a.json", "b.json", "--out", "cmp.md", cwd=d)
    made = set(snapshot(d)) - before
    check("crafted names: compare writes --out and nothing else", r.returncode == 4 and made == {"cmp.md"},
          f"rc={r.returncode} {made} {r.stderr}")
    rows = [md_cells(l) for l in open(os.path.join(d, "cmp.md")).read().splitlines() if l.startswith("| chase/")]
    check("crafted names: compare rows keep their 6 columns, the name literal",
          len(rows) == 2 and all(len(c) == 6 for c in rows)
          and md_unescape(rows[0][0]) == visible(cells[0][0]), rows)
    no_command_ran("compare")


# ---- outputs --------------------------------------------------------------

def test_outputs():
    d = fresh("outputs")
    r = run("run", *SMALL, "--out", "keep.json", "--db", "keep.db", cwd=d)
    check("a first run for the collision cases", r.returncode == 0, r.stderr)
    st = os.stat("/dev/null")
    refused_unchanged("--out /dev/null", d, ["run", *SMALL, "--out", "/dev/null"], ["/dev/null", "character device"])
    check("--out /dev/null: /dev/null is still the device", os.stat("/dev/null").st_rdev == st.st_rdev
          and os.path.exists("/dev/null") and not os.path.isfile("/dev/null"))
    refused_unchanged("--out a directory", d, ["run", *SMALL, "--out", "."], ["directory"])
    refused_unchanged("--out same.json --csv same.json", d, ["run", *SMALL, "--out", "same.json", "--csv", "same.json"],
                      ["same file"])
    refused_unchanged("--csv x.db --db x.db", d, ["run", *SMALL, "--out", "o.json", "--csv", "keep.db", "--db", "keep.db"],
                      ["same file"])
    os.symlink("keep.json", os.path.join(d, "link.json"))
    os.link(os.path.join(d, "keep.json"), os.path.join(d, "hard.json"))
    refused_unchanged("--out through a symbolic link and --csv the file", d,
                      ["run", *SMALL, "--out", "link.json", "--csv", "keep.json"], ["same file"])
    refused_unchanged("--out and --csv hard links of one file", d,
                      ["run", *SMALL, "--out", "keep.json", "--csv", "hard.json"], ["same file"])
    os.symlink("missing.json", os.path.join(d, "dangling.json"))
    refused_unchanged("--out a dangling symbolic link", d, ["run", *SMALL, "--out", "dangling.json"], ["does not exist"])
    # A bad --csv path is found before measuring: nothing written at all.
    refused_unchanged("a bad --csv path", d, ["run", *SMALL, "--out", "new.json", "--csv", "/nonexistent/x.csv"],
                      ["cannot write /nonexistent/x.csv"], rc=1)
    # ingest, compare, report, iso, import: outputs that are their inputs.
    open(os.path.join(d, "self.log"), "w").write(open(SERIAL_LOG).read())
    refused_unchanged("ingest self.log --out self.log", d, ["ingest", "self.log", "--out", "self.log"], ["same file"])
    refused_unchanged("compare a a --out a", d, ["compare", "keep.json", "keep.json", "--out", "keep.json"], ["same file"])
    refused_unchanged("compare --out /dev/null", d, ["compare", "keep.json", "keep.json", "--out", "/dev/null"],
                      ["character device"])
    os.makedirs(os.path.join(d, "rep"))
    os.rename(os.path.join(d, "self.log"), os.path.join(d, "rep", "report.md"))
    refused_unchanged("report whose input is its report.md", d, ["report", "rep/report.md", "--out", "rep"], ["same file"])
    refused_unchanged("import into a --db that is the input", d, ["import", "keep.json", "--db", "hard.json"], ["same file"])
    refused_unchanged("iso --out a directory", d, ["iso", "--out", "rep"], ["directory"])
    r = run("iso", "--out", "rep", cwd=d)
    check("iso --out a directory does not blame grub packages", "apt-get" not in r.stderr and "grub" not in r.stderr,
          r.stderr)


def test_two_runs_at_once():
    d = fresh("concurrent")
    args = ["run", "--backend", "native", "--ws", "16k,32k,64k", "--host-page", "4k", "--repetitions", "3",
            "--min-time", "0.2", "--out", "r.json", "--db", "h.db"]
    a = subprocess.Popen([TLBVISOR, *args], cwd=d, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    # The first run holds its locks once it says where its results go.
    line = a.stderr.readline()
    b = run(*args, cwd=d)
    out, err = a.communicate(timeout=300)
    check("two runs at once: the second is refused with the first's PID",
          b.returncode == 1 and f"PID {a.pid}" in b.stderr and "in use" in b.stderr, f"{line} {b.stderr}")
    doc = json.load(open(os.path.join(d, "r.json")))
    names = {x["run_name"] for x in doc["benchmarks"]}
    con = sqlite3.connect(os.path.join(d, "h.db"))
    runs = con.execute("SELECT count(*) FROM runs").fetchone()[0]
    stored = con.execute("SELECT count(*) FROM cells").fetchone()[0]
    con.close()
    check("two runs at once: the first runs to the end and nothing is lost",
          a.returncode == 0 and len(names) == 3 and runs == 1 and stored == 3,
          f"rc={a.returncode} cells={len(names)} runs={runs} stored={stored} {err[-200:]}")
    check("two runs at once: no lock file left", not [f for f in os.listdir(d) if f.endswith(".lock")],
          os.listdir(d))


test_crafted_report()
test_crafted_compare()
test_outputs()
test_two_runs_at_once()
finish()
