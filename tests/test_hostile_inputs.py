#!/usr/bin/env python3
"""Files from elsewhere, colliding outputs, nonsense options (issue 10): a
crafted results file runs nothing and shows its names literally; outputs that
are devices or the same file as another output or an input are refused before
anything runs, with nothing changed on disk; two runs on one --out/--db: one
runs, the other is refused; --resume refuses another matrix or protocol; a
killed run is marked and never duplicated; options, compare and ingest/iso
errors; Ctrl-C in a 60 s repetition.
Usage: test_hostile_inputs.py TLBVISOR SERIAL_LOG"""
import csv
import hashlib
import html.parser
import json
import os
import re
import resource
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tvtest  # noqa: E402
from tvtest import check, finish, kvm_usable  # noqa: E402

TLBVISOR, SERIAL_LOG = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
TMP = tempfile.mkdtemp(prefix="tlbvisor-hostile-inputs-")
PWNED = os.path.join(TMP, "PWNED")
# Everything that could end a string, start a command or markup in the
# languages the name travels through: gnuplot, shell, HTML, Markdown, CSV.
EVIL = ("4k' ; system \"touch " + PWNED + "-gp\" ; x='`touch " + PWNED + "-bq`$(touch " + PWNED + "-sh)"
        "<script>alert(1)</script><img src=x onerror=alert(2)>|a|b\n# head **bold** [link](http://x) &amp; \"q\",c\x1b[2J")


def visible(s):
    """How tlbvisor shows a name: control characters as \\xNN."""
    return "".join(f"\\x{ord(c):02x}" if ord(c) < 0x20 or ord(c) == 0x7f else c for c in s)


def run(*args, cwd=None, timeout=600):
    return subprocess.run([TLBVISOR, *args], capture_output=True, text=True, timeout=timeout,
                          stdin=subprocess.DEVNULL, cwd=cwd)


def cell(name, backend, ws, host, guest, reps, scale):
    keys = {"name": name, "run_name": name, "family_index": 0, "per_family_instance_index": 0, "threads": 1,
            "backend": backend, "pattern": "random", "ws_bytes": ws, "ws": f"{ws >> 10}K", "host_page": host,
            "guest_page": guest, "status": "ok", "effective_page": host, "page_size_flagged": False}
    vals = [100.0 * scale * (1 + 0.01 * r) for r in range(reps)]
    out = [dict(keys, run_type="iteration", repetitions=reps, repetition_index=r, iterations=1000, real_time=v,
                cpu_time=v, time_unit="ns", cycles_per_access=v, ns_per_access=v / 2, warmup_passes=2)
           for r, v in enumerate(vals)]
    med = sorted(vals)[reps // 2]
    out.append(dict(keys, name=name + "_median", run_type="aggregate", aggregate_name="median", repetitions=reps,
                    iterations=1000, real_time=med, cpu_time=med, time_unit="ns", cycles_per_access=med,
                    ns_per_access=med / 2))
    return out


def results(cells, reps=5, scale=1.0):
    doc = {"context": {"date": "2026-01-01", "host_name": "elsewhere", "command_line": "crafted"}, "benchmarks": []}
    for c in cells:
        doc["benchmarks"] += cell(*c, reps, scale)
    return doc


def write(path, doc):
    with open(path, "w") as f:
        json.dump(doc, f)
    return path


def snapshot(d):
    """Every file under d with its content hash and type (to prove nothing changed)."""
    out = {}
    for root, dirs, files in os.walk(d):
        for n in dirs + files:
            p = os.path.join(root, n)
            st = os.lstat(p)
            h = ""
            if os.path.isfile(p) and not os.path.islink(p):
                h = hashlib.sha256(open(p, "rb").read()).hexdigest()
            out[os.path.relpath(p, d)] = (st.st_mode, h)
    return out


def fresh(name):
    d = os.path.join(TMP, name)
    os.makedirs(d)
    return d


def no_command_ran(what):
    left = [f for f in os.listdir(TMP) if f.startswith("PWNED")]
    check(f"{what}: no command from the name ran", not left, left)


# ---- crafted names: report and compare --------------------------------

def md_cells(line):
    """A Markdown table row split on pipes that are not escaped."""
    parts = re.split(r"(?<!\\)\|", line)
    return [p.strip() for p in parts[1:-1]]


def md_unescape(s):
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", s)


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

SMALL = ["--backend", "native", "--ws", "16k", "--host-page", "4k", "--repetitions", "2", "--min-time", "0.001"]


def refused_unchanged(what, d, args, words, rc=2):
    before = snapshot(d)
    r = run(*args, cwd=d)
    lines = [l for l in r.stderr.splitlines() if l.strip()]
    check(f"{what}: refused before anything runs", r.returncode == rc and len(lines) == 1
          and all(w in r.stderr for w in words), f"rc={r.returncode} {r.stderr!r}")
    check(f"{what}: nothing changed on disk", snapshot(d) == before, set(snapshot(d)) ^ set(before))
    return r


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


def test_resume():
    d = fresh("resume")
    base = ["run", "--backend", "native", "--host-page", "4k", "--min-time", "0.001", "--db", "h.db"]
    r = run(*base, "--ws", "16k,32k", "--repetitions", "3", "--out", "r.json", cwd=d)
    check("resume: a first run", r.returncode == 0, r.stderr)
    refused_unchanged("--resume with another matrix", d, [*base, "--ws", "64k", "--repetitions", "3", "--resume", "r.json"],
                      ["cannot resume", "does not have", "ws:16K"])
    refused_unchanged("--resume with another protocol", d,
                      [*base, "--ws", "16k,32k", "--repetitions", "4", "--resume", "r.json"],
                      ["cannot resume", "--repetitions 3", "asks for 4"])
    payload = os.path.join(os.path.dirname(os.path.dirname(TLBVISOR)), "workloads", "payload.elf")
    refused_unchanged("--resume with another payload", d,
                      [*base, "--ws", "16k,32k", "--repetitions", "3", "--payload", payload, "--resume", "r.json"],
                      ["cannot resume", "payload embedded", payload])
    # SIGKILL in the middle, then --resume: one run in the history, each cell once.
    args = [*base, "--ws", "16k,32k,64k,128k,256k", "--repetitions", "3", "--min-time", "0.2"]
    p = subprocess.Popen([TLBVISOR, *args, "--out", "k.json"], cwd=d, stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL, text=True)
    p.stdout.readline()  # the header
    p.stdout.readline()  # the first cell is written
    p.kill()
    p.wait(timeout=60)
    r = run(*args, "--resume", "k.json", cwd=d)
    con = sqlite3.connect(os.path.join(d, "h.db"))
    rows = con.execute("SELECT id, finished, interrupted, killed FROM runs WHERE source LIKE 'run%' AND"
                       " json_extract(context, '$.run_id') = ?",
                       (json.load(open(os.path.join(d, "k.json")))["context"]["run_id"],)).fetchall()
    cells = con.execute("SELECT name, count(*) FROM cells WHERE run_id=? GROUP BY name",
                        (rows[0][0] if rows else -1,)).fetchall()
    con.close()
    check("SIGKILL + --resume: one run, marked killed and finished, every cell exactly once",
          r.returncode == 0 and len(rows) == 1 and rows[0][1:] == (1, 0, 1) and len(cells) == 5
          and all(n == 1 for _, n in cells), f"rc={r.returncode} runs={rows} cells={cells} {r.stderr[-300:]}")
    # A run killed and never resumed is marked killed by the next run on the history.
    p = subprocess.Popen([TLBVISOR, *args, "--out", "k2.json"], cwd=d, stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL, text=True)
    p.stdout.readline()
    p.stdout.readline()
    p.kill()
    p.wait(timeout=60)
    run(*base, "--ws", "16k", "--repetitions", "2", "--out", "after.json", cwd=d)
    con = sqlite3.connect(os.path.join(d, "h.db"))
    unfinished = con.execute("SELECT count(*) FROM runs WHERE finished=0").fetchone()[0]
    killed = con.execute("SELECT count(*) FROM runs WHERE killed=1").fetchone()[0]
    con.close()
    check("a killed run is marked killed by the next run", unfinished == 0 and killed == 2, (unfinished, killed))


# ---- options ---------------------------------------------------------------

def test_options():
    d = fresh("options")
    for args, words in [
        (["--exit-every", "-1"], ["invalid --exit-every '-1'"]),
        (["--ws", "16k,16k"], ["16K is given twice"]),
        (["--ws", "16k,16384"], ["16K is given twice"]),
        (["--pattern", "random,random"], ["random is given twice"]),
        (["--host-page", "4k,4k"], ["4k is given twice"]),
        (["--ws", "1m", "--stride", "2m"], ["smaller than the stride"]),
        (["--ws", "6k"], ["whole number of strides"]),
        (["--ws", "1m", "--group", "3m"], ["--group"]),
        (["--ws", "16k", "--group", "2m"], ["does not divide"]),
    ]:
        refused_unchanged(f"run {' '.join(args)}", d, ["run", "--backend", "native", *args], words)
    r = run("run", *SMALL, "--seed", "18446744073709551615", "--out", "seed.json", "--db", "seed.db", cwd=d)
    seed = json.load(open(os.path.join(d, "seed.json")))["context"].get("seed")
    con = sqlite3.connect(os.path.join(d, "seed.db"))
    stored = con.execute("SELECT json_extract(context, '$.seed') FROM runs").fetchone()[0]
    con.close()
    check("a seed above 2^63 is stored without a sign error (JSON and history)",
          r.returncode == 0 and seed == "18446744073709551615" and str(stored) == "18446744073709551615",
          f"{seed!r} {stored!r}")
    r = run("run", *SMALL, "--host-page", "4k,2m", "--out", "c.json", "--csv", "c.csv", "--no-db", cwd=d)
    doc = {b["run_name"]: b for b in json.load(open(os.path.join(d, "c.json")))["benchmarks"]}
    rows = list(csv.DictReader(open(os.path.join(d, "c.csv"))))
    check("CSV fields with commas and quotes stay one field each",
          len(rows) == len(doc) and all(row["reason"] == (doc[row["name"]].get("error_message") or
                                                           doc[row["name"]].get("page_size_note", "")) for row in rows),
          rows)


# ---- compare ---------------------------------------------------------------

def test_compare():
    d = fresh("cmp")
    cells = [("chase/random/ws:16K/backend:native/host:4k", "native", 16384, "4k", None)]
    write(os.path.join(d, "a2.json"), results(cells, reps=2))
    write(os.path.join(d, "b2.json"), results(cells, reps=2, scale=10))
    r = run("compare", "a2.json", "b2.json", cwd=d)
    check("compare x10 at 2 repetitions: insufficient data, not a pass",
          r.returncode == 5 and "insufficient data" in r.stdout and "--repetitions" in r.stdout
          and "no significant regression" not in r.stdout, f"rc={r.returncode} {r.stdout[-400:]}")
    write(os.path.join(d, "other.json"), results([("chase/random/ws:32K/backend:native/host:4k", "native", 32768, "4k",
                                                    None)]))
    write(os.path.join(d, "a5.json"), results(cells))
    r = run("compare", "a5.json", "other.json", cwd=d)
    check("compare with zero comparable cells: insufficient data",
          r.returncode == 5 and "nothing was compared" in r.stdout, f"rc={r.returncode} {r.stdout[-300:]}")
    for opt, val in [("--alpha", "nan"), ("--threshold", "inf%"), ("--threshold", "nan"), ("--alpha", "inf")]:
        r = run("compare", opt, val, "a5.json", "a5.json", cwd=d)
        check(f"compare {opt} {val} refused", r.returncode == 2 and f"invalid {opt}" in r.stderr, r.stderr)
    for bad, field in [(-1, "cycles_per_access is -1"), (0, "cycles_per_access is 0"), ("12", "cycles_per_access is a string")]:
        doc = results(cells)
        doc["benchmarks"][1]["cycles_per_access"] = bad
        write(os.path.join(d, "bad.json"), doc)
        for cmd in (["compare", "a5.json", "bad.json"], ["report", "bad.json"], ["import", "bad.json", "--db", "i.db"]):
            r = run(*cmd, cwd=d)
            check(f"{cmd[0]} refuses cycles_per_access {bad!r} naming the cell and field",
                  r.returncode != 0 and field in r.stderr and "chase/random/ws:16K" in r.stderr, r.stderr)
    con = sqlite3.connect(os.path.join(d, "i.db"))
    check("a refused import stores nothing", con.execute("SELECT count(*) FROM runs").fetchone()[0] == 0)
    con.close()


# ---- errors that sent people the wrong way ----------------------------------

def test_errors():
    d = fresh("errors")
    log = open(SERIAL_LOG).read()
    open(os.path.join(d, "done.log"), "w").write(log.rstrip("\n") + '\n{"tlbvisor":"done"}\n')
    r = run("ingest", "done.log", "--out", "done.json", "--tsc-ghz", "2", cwd=d)
    ctx = json.load(open(os.path.join(d, "done.json")))["context"]
    check("ingest of a complete log says nothing about it ending early",
          r.returncode == 0 and ctx["completed"] is True and "ends before" not in r.stderr, r.stderr)
    r = run("ingest", SERIAL_LOG, "--out", "cut.json", "--tsc-ghz", "2", cwd=d)
    check("ingest of a cut log says so", r.returncode == 0 and "ends before" in r.stderr, r.stderr)
    refused_unchanged("iso --host-page thp", d, ["iso", "--out", "x.iso", "--host-page", "4k,thp"],
                      ["thp is not an EPT leaf"])
    # report last after run --out r.json looks beside r.json (./tlbvisor.db).
    r = run("run", *SMALL, "--out", "r.json", cwd=d)
    rep = run("report", "last", cwd=d)
    check("report last after run --out r.json finds ./tlbvisor.db", r.returncode == 0 and rep.returncode == 0
          and "chase/random/ws:16K" in rep.stdout, rep.stderr)
    # Few file descriptors: the history is not called unusable.
    def few_fds():
        resource.setrlimit(resource.RLIMIT_NOFILE, (4, 4))
    p = subprocess.run([TLBVISOR, "report", "last", "--db", "tlbvisor.db"], cwd=d, capture_output=True, text=True,
                       preexec_fn=few_fds, timeout=60)
    check("few file descriptors: the history is not called unusable",
          p.returncode != 0 and "not a usable" not in p.stderr and "too many open files" in p.stderr, p.stderr)
    rep = run("report", "last", "--db", "tlbvisor.db", cwd=d)
    check("...and the history is still fine afterwards", rep.returncode == 0, rep.stderr)


# ---- Ctrl-C in a 60 s repetition ------------------------------------------

def cpu_seconds(pid):
    f = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")


def test_ctrl_c(backend, sig):
    d = fresh(f"ctrlc-{backend}-{sig.name}")
    # The 4T cell is skipped at once (larger than memory): a finished cell;
    # then the 16K cell measures repetitions of 60 s.
    args = ["run", "--backend", backend, "--ws", "4t,16k", "--host-page", "4k", "--guest-page", "4k",
            "--repetitions", "3", "--min-time", "60", "--out", "r.json", "--db", "h.db"]
    p = subprocess.Popen([TLBVISOR, *args], cwd=d, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    p.stdout.readline()                      # the header
    first = p.stdout.readline()              # the first cell is on disk
    # The second cell is in a repetition once it has used CPU for a while
    # (its build and warm-up of 16K take milliseconds).
    start = cpu_seconds(p.pid)
    deadline = time.monotonic() + 120
    while cpu_seconds(p.pid) - start < 0.5 and time.monotonic() < deadline:
        time.sleep(0.05)
    sent = time.monotonic()
    p.send_signal(sig)
    try:
        p.wait(timeout=2)
        ended = time.monotonic() - sent
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
        ended = None
    doc = json.load(open(os.path.join(d, "r.json")))
    names = {b["run_name"] for b in doc["benchmarks"]}
    check(f"{sig.name} during a --min-time 60 repetition ({backend}): the run ends within 2 s, the finished cell written",
          ended is not None and p.returncode == 130 and doc["context"]["interrupted"] and len(names) == 1
          and "ws:4T" in first, f"ended={ended} rc={p.returncode} {names} {first!r}")
    if ended is not None:
        print(f"  {backend}, {sig.name}: ended {ended:.3f} s after the signal")


test_crafted_report()
test_crafted_compare()
test_outputs()
test_two_runs_at_once()
test_resume()
test_options()
test_compare()
test_errors()
test_ctrl_c("native", signal.SIGINT)
test_ctrl_c("native", signal.SIGTERM)
if kvm_usable():
    test_ctrl_c("kvm", signal.SIGINT)
finish()
