#!/usr/bin/env python3
"""End-to-end tests of the tlbvisor command line: bad input, small real runs
checked by value (statuses, statistics, effective pages, CSV columns),
--stride/--group/--seed down to the chase, skip reasons, Ctrl-C synchronized
on the rows the run prints, PMU columns and what is derived from them. The
checks of kvm cells run on this machine's /dev/kvm, or, where it has none,
in the emulated kvm_amd with NPT (tests/emukvm.py).
Usage: test_cli.py PATH/TO/tlbvisor"""
import csv
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import emukvm  # noqa: E402
import tvtest  # noqa: E402
from tvtest import LiveRun, cells, check, finish, kvm_usable, load_json, skip  # noqa: E402

TLBVISOR = sys.argv[1]
TMP = tempfile.mkdtemp(prefix="tlbvisor-cli-")
SANITIZED = bool(os.environ.get("TLBVISOR_SANITIZED"))


def run(*args, timeout=600):
    return tvtest.run(TLBVISOR, *args, timeout=timeout)


def iterations(entries):
    return [e for e in entries if e["run_type"] == "iteration"]


def aggregate(entries, name):
    return next(e for e in entries if e.get("aggregate_name") == name)


def close(a, b, rel=1e-8, tol=1e-7):
    """Equal but for floating-point rounding (the test recomputes what tlbvisor computed)."""
    return abs(a - b) <= rel * max(abs(a), abs(b)) + tol


def test_help():
    r = run("--help")
    check("help", r.returncode == 0 and "commands:" in r.stdout, r.stderr)
    r = run("run", "--help")
    check("run --help", r.returncode == 0 and "--host-page" in r.stdout, r.stderr)
    r = run("bogus")
    check("unknown command", r.returncode == 2 and "unknown command 'bogus'" in r.stderr, r.stderr)


BAD_INPUTS = [
    (["--backend", "xen"], "invalid backend 'xen'", "known backends are native, kvm"),
    (["--ws", "12x"], "invalid size '12x'", "k, m or g suffix"),
    (["--ws", "16k,,1m"], "invalid list", "without empty items"),
    (["--pattern", "zigzag"], "invalid pattern 'zigzag'", "random, seq"),
    (["--host-page", "3m"], "invalid host page '3m'", "4k, thp, 2m, 1g"),
    (["--guest-page", "8k"], "invalid guest page '8k'", "4k, 2m, 1g"),
    (["--preset", "huge"], "unknown preset 'huge'", "quick, default"),
    (["--repetitions", "0"], "invalid --repetitions '0'", "whole number"),
    (["--min-time", "soon"], "invalid --min-time 'soon'", "seconds"),
    (["--stride", "100"], "invalid --stride '100'", "multiple of 64"),
    (["--frobnicate"], "unknown option '--frobnicate'", "--help"),
    (["--payload", "/nonexistent/payload.elf"], "cannot open payload", "fix:"),
    (["--payload", "/etc/hostname"], "is not an ELF file", "fix:"),
    (["--out", "/nonexistent-dir/r.json", "--backend", "native", "--ws", "16k"], "cannot write", "fix:"),
]


def test_bad_inputs():
    for args, what, hint in BAD_INPUTS:
        r = run("run", *args)
        lines = [l for l in r.stderr.splitlines() if l.strip()]
        ok = r.returncode != 0 and what in r.stderr and hint in r.stderr and len(lines) == 1
        check(f"bad input {' '.join(args)}", ok, f"rc={r.returncode} stderr={r.stderr!r}")


def expected_status(name, ctx):
    """What each cell of the small run must be on this machine, and the words of its reason."""
    if "/backend:native/" in name:
        return "ok", ""
    if not kvm_usable():
        return "skipped", "/dev/kvm is missing"
    if "/guest:1g/" in name and not ctx["kvm_guest_1g_pages"]:
        return "skipped", "guest 1G pages unavailable"
    return "ok", ""


def check_cell_values(name, entries, ctx):
    """A finished cell by value: its aggregates from its repetitions, ns from cycles, pages."""
    it = iterations(entries)
    cyc = [e["cycles_per_access"] for e in it]
    med, mean = aggregate(entries, "median"), aggregate(entries, "mean")
    sd, mn, cv = aggregate(entries, "stddev"), aggregate(entries, "min"), aggregate(entries, "cv")
    ws = entries[0]["ws_bytes"]
    ok = len(it) == 3 and [e["repetition_index"] for e in it] == [0, 1, 2] and all(c > 0 for c in cyc)
    ok = ok and close(med["cycles_per_access"], statistics.median(cyc)) and close(mean["cycles_per_access"], statistics.mean(cyc))
    ok = ok and close(sd["cycles_per_access"], statistics.stdev(cyc)) and close(mn["cycles_per_access"], min(cyc))
    ok = ok and close(cv["cycles_per_access"], statistics.stdev(cyc) / statistics.mean(cyc))
    ok = ok and all(close(e["ns_per_access"], e["cycles_per_access"] / ctx["tsc_hz"] * 1e9)
                    and e["time_unit"] == "ns" and e["real_time"] == e["ns_per_access"] for e in it)
    ok = ok and it[0]["elements"] == ws // 4096 and it[0]["iterations"] >= it[0]["elements"]
    check(f"cell {name}: statistics, ns and elements by value", ok, json.dumps(entries[0])[:400])
    if "/host:4k" in name and "/guest:2m/" not in name and "/guest:1g/" not in name:
        e = it[0]
        # Under nested paging (NPT/EPT) the first touch also maps the guest's
        # own page-table pages: up to guest_page_table_pages more 4K pages.
        extra = e.get("guest_page_table_pages", 0) if e.get("second_level") in ("npt", "ept") else 0
        check(f"cell {name}: effective 4k pages, one per page of the working set",
              e["effective_page"] == "4k" and not e["page_size_flagged"]
              and ws // 4096 <= e["eff_host_4k_pages"] <= ws // 4096 + extra
              and e["eff_host_2m_pages"] == 0 and e["eff_host_1g_pages"] == 0
              and e["eff_host_requested_fraction"] == 1.0, {k: v for k, v in e.items() if k.startswith("eff")})


def check_csv(path, doc):
    """The CSV's columns, a row per cell, each value the one in the JSON."""
    rows = list(csv.reader(open(path)))
    want = ["name", "backend", "pattern", "ws_bytes", "guest_page", "host_page", "status", "reps", "median_cycles",
            "median_ns", "mean_cycles", "stddev_cycles", "cv", "min_cycles", "effective_page", "page_size_flagged",
            "warmup_passes", "ci_low", "ci_high", "ci_coverage", "stability", "drift_pct", "drift_p", "core_per_tsc",
            "core_cycles_per_access", "clock_moved_reps", "steal_ticks", "wall_seconds", "next_low", "next_high",
            "run_spread", "next_runs", "reason"]
    check("csv columns", rows and rows[0] == want, rows[:1])
    by = cells(doc)
    check("csv has a row per cell, in the matrix order", [r[0] for r in rows[1:]] == list(by), [r[0] for r in rows[1:]])
    for r in rows[1:]:
        row = dict(zip(want, r))
        es = by.get(row["name"])
        if not es:
            continue
        first = es[0]
        ok = (row["backend"], row["pattern"], int(row["ws_bytes"]), row["host_page"], row["status"]) == \
            (first["backend"], first["pattern"], first["ws_bytes"], first["host_page"], first["status"])
        ok = ok and row["guest_page"] == (first["guest_page"] or "")
        if first["status"] == "ok":
            def agg(n):
                return aggregate(es, n)["cycles_per_access"]
            ok = ok and int(row["reps"]) == len(iterations(es)) and int(row["warmup_passes"]) == first["warmup_passes"]
            ok = ok and all(abs(float(row[c]) - agg(a)) <= 0.0005 + 1e-9 for c, a in
                            (("median_cycles", "median"), ("mean_cycles", "mean"), ("stddev_cycles", "stddev"),
                             ("min_cycles", "min")))
            ok = ok and abs(float(row["cv"]) - agg("cv")) <= 0.000005 + 1e-12
            ok = ok and abs(float(row["median_ns"]) - aggregate(es, "median")["ns_per_access"]) <= 0.0005 + 1e-9
            ok = ok and row["effective_page"] == first["effective_page"]
            ok = ok and row["page_size_flagged"] == str(int(first["page_size_flagged"]))
            ok = ok and row["reason"] == first.get("page_size_note", "")
            # The next-run interval: where the history knew the cell's spread.
            ok = ok and (row["next_low"] == "" if "next_low" not in first else
                         abs(float(row["next_low"]) - first["next_low"]) <= 0.0005 + 1e-9 and
                         int(row["next_runs"]) == first["next_runs"])
        else:
            ok = ok and row["reps"] == "0" and row["reason"] == first["error_message"]
        check(f"csv row {row['name']} equals the JSON", ok, r)


def check_kvm_cells(by, where=""):
    kvm_cells = [e[0] for n, e in by.items() if "/backend:kvm/" in n and e[0]["status"] == "ok"]
    check(f"kvm cells carry phase counters{where}", kvm_cells and all(
        "measure_exits" in c and "build_pf_fixed" in c for c in kvm_cells), "")
    splinter = [e[0] for n, e in by.items() if "/guest:2m/host:4k" in n]
    check(f"guest 2m on host 4k is flagged as splintered{where}", splinter and all(
        c["page_size_flagged"] and c["effective_page"] == "4k" and "splintered" in c["page_size_note"]
        for c in splinter), json.dumps(splinter)[:400])


def test_small_run():
    out, csv_path = os.path.join(TMP, "small.json"), os.path.join(TMP, "small.csv")
    r = run("run", "--backend", "native,kvm", "--ws", "16k,1m", "--pattern", "random,seq",
            "--host-page", "4k", "--guest-page", "4k,2m,1g", "--repetitions", "3",
            "--min-time", "0.005", "--out", out, "--csv", csv_path, "--no-db")
    check("small run exit status 0 (no cell failed)", r.returncode == 0, r.stderr)
    doc = load_json(out)
    by = cells(doc)
    expected = 2 * 2 * 1 + 2 * 3 * 1 * 2  # native: pattern x ws; kvm: pattern x guest x ws
    check("small run cell count", len(by) == expected, f"{len(by)} cells: {list(by)}")
    ctx = doc["context"]
    check("context provenance", ctx["tsc_hz"] > 0 and ctx["kernel"] and "kvm_parameters" in ctx
          and ctx["cells_total"] == expected and ctx["repetitions"] == 3, json.dumps(ctx)[:300])
    for name, entries in by.items():
        status, words = expected_status(name, ctx)
        first = entries[0]
        check(f"cell {name} is {status}", first["status"] == status and words in first.get("error_message", ""),
              json.dumps(first)[:400])
        if first["status"] == "ok":
            check_cell_values(name, entries, ctx)
    if kvm_usable():
        check_kvm_cells(by)
    check_csv(csv_path, doc)
    rows = [l.split()[0] for l in r.stdout.splitlines() if tvtest.is_row(l)]
    check("a table row per cell, in the matrix order", rows == list(by) and "cyc/acc" in r.stdout, r.stdout[:300])


def test_stride_group_seed():
    """--stride, --group and --seed reach the chase: elements = ws / stride, and the
    chase ends where the host predicts (a cell whose end differs fails)."""
    backends = "native,kvm" if kvm_usable() else "native"
    for label, opts, elements in [("stride 64", ["--stride", "64"], 1024),
                                  ("group 16k", ["--group", "16k"], 16),
                                  ("seed 5", ["--seed", "5"], 16),
                                  ("stride 128, group 8k, seed 99", ["--stride", "128", "--group", "8k", "--seed", "99"], 512)]:
        out = os.path.join(TMP, "opts.json")
        r = run("run", "--backend", backends, "--ws", "64k", "--host-page", "4k", "--guest-page", "4k",
                "--repetitions", "2", "--min-time", "0.002", "--no-db", "--out", out, *opts)
        doc = load_json(out)
        ctx = doc["context"]
        firsts = [e[0] for e in cells(doc).values()]
        want_ctx = {"stride_bytes": int(opts[opts.index("--stride") + 1]) if "--stride" in opts else 4096,
                    "group_bytes": {"16k": 16384, "8k": 8192}.get(opts[opts.index("--group") + 1]) if "--group" in opts else 0,
                    "seed": int(opts[opts.index("--seed") + 1]) if "--seed" in opts else ctx["seed"]}
        check(f"{label}: every cell ok with {elements} elements, the context says so",
              r.returncode == 0 and len(firsts) == backends.count(",") + 1
              and all(f["status"] == "ok" and f["elements"] == elements for f in firsts)
              and all(ctx[k] == v for k, v in want_ctx.items()),
              r.stderr[-300:] + json.dumps([(f["run_name"], f.get("elements"), f.get("error_message")) for f in firsts]))
    r = run("run", "--backend", "native", "--ws", "64k", "--group", "24k", "--stride", "4k", "--no-db",
            "--out", os.path.join(TMP, "badgroup.json"))
    check("a group that does not divide the working set is refused before anything runs, with the fix",
          r.returncode == 2 and "does not divide the working set 64K" in r.stderr
          and not os.path.exists(os.path.join(TMP, "badgroup.json")), r.stderr[-300:])


def free_1g_pages():
    try:
        return int(open("/sys/kernel/mm/hugepages/hugepages-1048576kB/free_hugepages").read())
    except OSError:
        return None


def test_skip_reasons():
    out = os.path.join(TMP, "skip.json")
    free = free_1g_pages()
    if free is None:
        skip("hugetlb skip", "no 1G hugetlb pool on this kernel", "boot a kernel with CONFIG_HUGETLBFS on a CPU with pdpe1gb")
    else:
        want = free + 1
        r = run("run", "--backend", "native", "--ws", f"{want}g", "--host-page", "1g", "--out", out, "--no-db")
        e = load_json(out)["benchmarks"][0]
        words = ["not reserved", f"need {want} free", "nr_hugepages"]
        if e["status"] == "skipped" and "available" in e["error_message"]:
            words = ["available", "fix:"]  # more 1G pages than memory: the memory check comes first
        check("hugetlb not reserved (or more than memory) is skipped with the fix",
              r.returncode == 0 and e["status"] == "skipped" and all(w in e["error_message"] for w in words),
              json.dumps(e))
    r = run("run", "--backend", "native", "--ws", "4t", "--host-page", "4k", "--out", out, "--no-db")
    e = load_json(out)["benchmarks"][0]
    check("working set larger than memory is skipped", e["status"] == "skipped"
          and "available" in e["error_message"] and "fix:" in e["error_message"], json.dumps(e))
    if kvm_usable():
        run("run", *GUEST_MEM_TOO_SMALL, "--out", out, "--no-db")
        check_guest_mem_skip(load_json(out))


GUEST_MEM_TOO_SMALL = ["--backend", "kvm", "--ws", "64m", "--guest-mem", "16m", "--host-page", "4k",
                       "--guest-page", "4k"]


def check_guest_mem_skip(doc, where=""):
    e = doc["benchmarks"][0]
    check(f"working set larger than guest memory is skipped{where}", e["status"] == "skipped"
          and "--guest-mem" in e["error_message"], json.dumps(e))


def test_kvm_missing():
    if os.geteuid() != 0 or not shutil.which("unshare"):
        skip("kvm missing", "needs root and unshare to hide /dev/kvm", "run the suite as root (sudo ./ci/test.sh)")
        return
    out = os.path.join(TMP, "nokvm.json")
    cmd = ["unshare", "-m", "sh", "-c",
           f"mount -t tmpfs none /dev && exec {TLBVISOR} run --backend native,kvm --ws 16k "
           f"--host-page 4k --guest-page 4k --repetitions 2 --min-time 0.001 --no-db --out {out}"]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    by = cells(load_json(out))
    kvm = [e[0] for n, e in by.items() if "/backend:kvm/" in n]
    nat = [e[0] for n, e in by.items() if "/backend:native/" in n]
    check("no /dev/kvm: kvm cells skipped with the fix, native still runs",
          r.returncode == 0 and kvm and all(c["status"] == "skipped" and "/dev/kvm is missing" in
                                            c["error_message"] for c in kvm)
          and nat and all(c["status"] == "ok" for c in nat), r.stderr + json.dumps(kvm)[:300])


def test_interrupt():
    """Ctrl-C after the third row: exit 130, exactly the printed cells written."""
    out = os.path.join(TMP, "intr.json")
    live = LiveRun(TLBVISOR, ["run", "--backend", "native", "--ws", "16k,32k,64k,128k,256k,512k",
                              "--pattern", "random,seq", "--host-page", "4k", "--repetitions", "4",
                              "--min-time", "0.02", "--no-db", "--out", out])
    reached = live.until("row", 3)
    live.signal(signal.SIGINT)
    rc = live.wait()
    doc = load_json(out)
    by = cells(doc)
    complete = all(len(iterations(es)) == 4 for es in by.values())
    check("Ctrl-C after the third row: exit 130, the printed cells and only they written, nothing partial",
          reached and rc == 130 and doc["context"]["interrupted"] and list(by) == live.rows and 3 <= len(by) < 12
          and complete and f"interrupted; {len(by)} of 12 cells finished" in live.stderr,
          f"rc={rc} cells={len(by)} rows={len(live.rows)} {live.stderr[-300:]}")


def test_pmu_columns():
    out = os.path.join(TMP, "pmu.json")
    r = run("run", "--backend", "native", "--ws", "1m", "--host-page", "4k", "--repetitions", "2",
            "--min-time", "0.002", "--no-db", "--out", out)
    e = iterations(load_json(out)["benchmarks"])[0]
    check("default PMU preset: columns present or the reason why not", r.returncode == 0 and (
        e["pmu_status"] == "ok" and any(k.startswith("pmu_measure_") for k in e)
        or "perf_event_open" in e["pmu_status"]), e.get("pmu_status"))
    r = run("run", "--backend", "native", "--ws", "1m", "--host-page", "4k", "--repetitions", "2",
            "--min-time", "0.002", "--events", "perf::PERF_COUNT_SW_PAGE_FAULTS,perf::PERF_COUNT_SW_TASK_CLOCK",
            "--no-db", "--out", out)
    e = iterations(load_json(out)["benchmarks"])[0]
    faults = e.get("pmu_build_perf_count_sw_page_faults", -1)
    # under ASan (TLBVISOR_SANITIZED) the shadow memory faults too: 1 page per 8
    exact = faults == 256 if not SANITIZED else 256 <= faults <= 256 + 40
    check("software page-faults in the first-touch pass = pages of the working set",
          r.returncode == 0 and e["pmu_status"] == "ok" and exact
          and e.get("pmu_measure_perf_count_sw_page_faults") == 0,
          {k: v for k, v in e.items() if k.startswith("pmu")})
    accesses = e["iterations"] * e["repetitions"]
    clock = e.get("pmu_measure_perf_count_sw_task_clock", 0)
    check("per-access PMU columns = measured-phase count / (accesses x repetitions)",
          clock > 0 and close(e.get("pmu_perf_count_sw_task_clock_per_access", -1), clock / accesses, 1e-8)
          and e.get("pmu_perf_count_sw_page_faults_per_access") == 0, (clock, accesses))
    r = run("run", "--backend", "native", "--events", "NOT_AN_EVENT")
    check("unknown PMU event refused", r.returncode == 2 and "invalid event 'NOT_AN_EVENT'" in r.stderr, r.stderr)


EXIT_COST = ["--backend", "kvm", "--ws", "16k", "--host-page", "4k", "--guest-page", "4k", "--exit-cost",
             "--repetitions", "3", "--min-time", "0.01", "--no-db"]


def test_exit_cost():
    if not kvm_usable():
        return  # test_kvm_in_emulated_machine runs it
    out = os.path.join(TMP, "exits.json")
    r = run("run", *EXIT_COST, "--out", out)
    check_exit_cost(r.returncode, r.stderr, cells(load_json(out)))


def check_exit_cost(rc, stderr, by, where=""):
    io = iterations(by.get("exit/io/backend:kvm", []))
    cpuid = iterations(by.get("exit/cpuid/backend:kvm", []))
    # Every exit of every timed pass is a port write the host saw: warm-up
    # passes of 256 plus the repetitions. (How long a round trip takes is a
    # benchmark's business: ci/bench-expectations.sh.)
    ok = rc == 0 and len(io) == 3 and len(cpuid) == 3
    ok = ok and all(e["status"] == "ok" and e["cycles_per_access"] > 0 for e in io + cpuid)
    ok = ok and io[0]["tick_exits"] == io[0]["warmup_passes"] * 256 + 3 * io[0]["iterations"]
    check(f"exit round trips on kvm (I/O and CPUID), every I/O exit counted{where}", ok,
          stderr + json.dumps(io[:1])[:600])


PT_BACKING = ["--backend", "kvm", "--ws", "4m", "--host-page", "thp", "--guest-page", "4k", "--repetitions", "3",
              "--min-time", "0.005", "--no-db"]


def check_pt_backing(default_doc, split_doc, where=""):
    """A host-THP kvm cell: the guest page tables behind 2M host pages by
    default (as its working set), behind 4K ones with --pt-backing split."""
    d = iterations(cells(default_doc).get("chase/random/ws:4M/backend:kvm/guest:4k/host:thp", []))
    s = iterations(cells(split_doc).get("chase/random/ws:4M/backend:kvm/guest:4k/host:thp", []))
    check(f"host-THP kvm cell: guest page tables behind 2m by default{where}",
          d and d[0].get("status") == "ok" and d[0].get("pt_leaf") == "2m", json.dumps(d[:1])[:600])
    check(f"--pt-backing split: guest page tables behind 4k, the reason recorded{where}",
          s and s[0].get("status") == "ok" and s[0].get("pt_leaf") == "4k"
          and "--pt-backing split" in s[0].get("pt_backing_note", ""), json.dumps(s[:1])[:600])
    for doc, entries in ((default_doc, d), (split_doc, s)):
        if entries and entries[0].get("status") == "ok":
            check_model_row(doc, entries[0], where)


def check_model_row(doc, cell, where):
    """The report's model row counts the walk the cell had: each guest table
    read through an NPT/EPT walk as deep as pt_leaf's leaf, the data through
    the data's leaf (4K: 4 levels, 2M: 3, on 4-level tables)."""
    path = os.path.join(TMP, "pt-report.json")
    with open(path, "w") as f:
        json.dump(doc, f)
    r = run("report", path, "--out", os.path.join(TMP, "pt-report"))
    md = open(os.path.join(TMP, "pt-report", "report.md")).read() if r.returncode == 0 else ""
    row = next((line.split(" | ") for line in md.splitlines() if line.startswith("| " + cell["run_name"] + " |")
                and "-level" in line), [])
    shadow = cell.get("second_level") == "shadow"
    depth = {"4k": 4, "2m": 3, "1g": 2}
    levels = cell.get("second_level_levels", 4)
    want = "-" if shadow else str(4 + 4 * (depth[cell["pt_leaf"]] - 4 + levels) + depth[cell["effective_page"]] - 4 + levels)
    check(f"report's model row: guest tables behind {cell['pt_leaf']}, {want} nested references{where}",
          len(row) == 11 and row[4] == ("-" if shadow else cell["pt_leaf"]) and row[6] == want,
          r.stderr + repr(row))


def test_pt_backing():
    if not kvm_usable():
        return  # test_kvm_in_emulated_machine runs it
    docs = []
    for extra in ([], ["--pt-backing", "split"]):
        out = os.path.join(TMP, f"pt{len(docs)}.json")
        r = run("run", *PT_BACKING, *extra, "--out", out)
        check(f"kvm run {' '.join(extra) or '(default pt backing)'} exit status 0", r.returncode == 0, r.stderr[-600:])
        docs.append(load_json(out) if r.returncode == 0 else {"benchmarks": []})
    check_pt_backing(*docs)
    r = run("run", *PT_BACKING, "--pt-backing", "4k")
    check("bad --pt-backing refused with the choices", r.returncode == 2 and "give cell" in r.stderr, r.stderr)


KVM_SMALL = ["--backend", "kvm", "--ws", "16k,1m", "--pattern", "random,seq", "--host-page", "4k",
             "--guest-page", "4k,2m,1g", "--repetitions", "3", "--min-time", "0.005", "--no-db"]


def test_kvm_in_emulated_machine():
    """Where this machine has no /dev/kvm, the kvm checks above (the small
    run's kvm cells by value, splintering, the guest-memory skip, the exit
    round trips) run in the emulated kvm_amd with NPT; one boot, the files
    come back. Its timings are emulated: correctness only."""
    if kvm_usable():
        return
    where = " (emulated kvm_amd with NPT)"
    m = emukvm.Machine("amd")
    tv = m.add(TLBVISOR)
    m.run("small", tv, "run", *KVM_SMALL, "--out", "small.json")
    m.run("guest_mem", tv, "run", *GUEST_MEM_TOO_SMALL, "--out", "guest_mem.json", "--no-db")
    m.run("exits", tv, "run", *EXIT_COST, "--out", "exits.json")
    m.run("pt_cell", tv, "run", *PT_BACKING, "--out", "pt_cell.json")
    m.run("pt_split", tv, "run", *PT_BACKING, "--pt-backing", "split", "--out", "pt_split.json")
    try:
        res = m.boot(timeout=900)
    except emukvm.EmuKvmError as e:
        check(f"the kvm checks ran{where}", False, str(e))
        return
    print(f"emulated kvm_amd: boot and commands took {res.seconds:.0f} s (emulated timings: correctness only)")
    doc = load_json(res.path("small.json"))
    by = cells(doc)
    check(f"small run exit status 0, every kvm cell ok{where}", res.rc("small") == 0 and len(by) == 12 and all(
        e[0]["status"] == "ok" for e in by.values()), res.stderr("small")[-600:])
    for name, entries in by.items():
        if entries[0]["status"] == "ok":
            check_cell_values(name, entries, doc["context"])
    check_kvm_cells(by, where)
    check_guest_mem_skip(load_json(res.path("guest_mem.json")), where)
    check_exit_cost(res.rc("exits"), res.stderr("exits"), cells(load_json(res.path("exits.json"))), where)
    check_pt_backing(load_json(res.path("pt_cell.json")), load_json(res.path("pt_split.json")), where)
    emukvm.keep_on_failure(m)


def test_list_and_model():
    r = run("list")
    check("list", r.returncode == 0 and "backends" in r.stdout and "guest pages" in r.stdout
          and "tsc" in r.stdout, r.stderr)
    r = run("model")
    rows = {}
    for line in r.stdout.splitlines()[2:]:
        f = line.split()
        rows[tuple(f[:4])] = [int(x) for x in f[4:8]]
    refs = {"4K": 0, "2M": 1, "1G": 2}  # levels a leaf of this size saves
    ok = r.returncode == 0 and len(rows) == 36
    for (gl, el, gp, ep), (native, nested, guest, ept) in rows.items():
        n, m = int(gl) - refs[gp], int(el) - refs[ep]
        ok = ok and native == n and guest == n and ept == (n + 1) * m and nested == (n + 1) * (m + 1) - 1
    check("model: every row (n+1)(m+1)-1, headline numbers 24, 15, 8, 35", ok and rows[("4", "4", "4K", "4K")][1] == 24
          and rows[("4", "4", "2M", "2M")][1] == 15 and rows[("4", "4", "1G", "1G")][1] == 8
          and rows[("5", "5", "4K", "4K")][1] == 35, r.stdout)


for t in [test_help, test_bad_inputs, test_small_run, test_stride_group_seed, test_skip_reasons, test_kvm_missing,
          test_interrupt, test_pmu_columns, test_exit_cost, test_pt_backing, test_list_and_model, test_kvm_in_emulated_machine]:
    try:
        t()
    except Exception as e:  # a crash of the test itself is a failure, not an abort
        check(t.__name__, False, repr(e))
shutil.rmtree(TMP, ignore_errors=True)
finish()
