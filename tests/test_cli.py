#!/usr/bin/env python3
"""End-to-end tests of the tlbvisor command line: bad input, small real runs,
skip reasons, Ctrl-C. Usage: test_cli.py PATH/TO/tlbvisor"""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tvtest  # noqa: E402
from tvtest import check, finish, kvm_usable, skip  # noqa: E402,F401
import time

TLBVISOR = sys.argv[1]
TMP = tempfile.mkdtemp(prefix="tlbvisor-cli-")



def run(*args, timeout=600):
    return tvtest.run(TLBVISOR, *args, timeout=timeout)








def cells(doc):
    """name -> list of entries of that cell (iterations and aggregates)."""
    out = {}
    for b in doc["benchmarks"]:
        out.setdefault(b["run_name"], []).append(b)
    return out


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


def test_small_run():
    out, csv = os.path.join(TMP, "small.json"), os.path.join(TMP, "small.csv")
    r = run("run", "--backend", "native,kvm", "--ws", "16k,1m", "--pattern", "random,seq",
            "--host-page", "4k", "--guest-page", "4k,2m,1g", "--repetitions", "3",
            "--min-time", "0.005", "--out", out, "--csv", csv)
    check("small run exit status", r.returncode == 0, r.stderr)
    doc = json.load(open(out))
    by = cells(doc)
    expected = 2 * 2 * 1 + 2 * 3 * 1 * 2  # native: pattern x ws; kvm: pattern x guest x ws
    check("small run cell count", len(by) == expected, f"{len(by)} cells: {list(by)}")
    ctx = doc["context"]
    check("context provenance", ctx["tsc_hz"] > 0 and ctx["kernel"] and "kvm_parameters" in ctx
          and ctx["cells_total"] == expected, json.dumps(ctx)[:300])
    for name, entries in by.items():
        status = entries[0]["status"]
        if status == "ok":
            aggs = sorted(e.get("aggregate_name", "") for e in entries if e["run_type"] == "aggregate")
            iters = [e for e in entries if e["run_type"] == "iteration"]
            ok = {"mean", "median", "stddev", "cv"} <= set(aggs)
            ok = ok and len(iters) == 3 and all(e["cycles_per_access"] > 0 for e in iters)
            ok = ok and all("ns_per_access" in e and e["time_unit"] == "ns" for e in iters)
            ok = ok and "effective_page" in iters[0] and "eff_host_4k_pages" in iters[0]
            check(f"cell {name}", ok, json.dumps(entries[0])[:400])
        else:
            check(f"cell {name} says why", entries[0].get("error_message"), json.dumps(entries[0]))
    if kvm_usable():
        kvm_cells = [e[0] for n, e in by.items() if "/backend:kvm/" in n and e[0]["status"] == "ok"]
        check("kvm cells carry phase counters", kvm_cells and all(
            "measure_exits" in c and "build_pf_fixed" in c for c in kvm_cells), "")
        one_g = [e[0] for n, e in by.items() if "/guest:1g/" in n]
        if not ctx["kvm_guest_1g_pages"]:
            check("guest 1g skipped with reason", one_g and all(
                c["status"] == "skipped" and "1G" in c["error_message"] for c in one_g),
                json.dumps(one_g)[:400])
        splinter = [e[0] for n, e in by.items() if "/guest:2m/host:4k" in n and e[0]["status"] == "ok"]
        check("guest 2m on host 4k is flagged", splinter and all(
            c["page_size_flagged"] and c["effective_page"] == "4k" for c in splinter),
            json.dumps(splinter)[:400])
    else:
        skip("kvm cells", "/dev/kvm unavailable")
    lines = open(csv).read().splitlines()
    check("csv has a row per cell", len(lines) == expected + 1, f"{len(lines)} lines")
    check("table printed", "cyc/acc" in r.stdout and "backend:native" in r.stdout, r.stdout[:300])


def free_1g_pages():
    try:
        return int(open("/sys/kernel/mm/hugepages/hugepages-1048576kB/free_hugepages").read())
    except OSError:
        return None


def test_skip_reasons():
    out = os.path.join(TMP, "skip.json")
    free = free_1g_pages()
    if free is None:
        skip("hugetlb skip", "no 1G hugetlb pool on this kernel")
    elif free + 1 > 8:
        skip("hugetlb skip", f"{free} free 1G pages: too many to exceed safely")
    else:
        r = run("run", "--backend", "native", "--ws", f"{free + 1}g", "--host-page", "1g",
                "--out", out)
        doc = json.load(open(out))
        e = doc["benchmarks"][0]
        check("hugetlb not reserved is skipped with the sysctl and count",
              r.returncode == 0 and e["status"] == "skipped" and "not reserved" in e["error_message"]
              and f"need {free + 1} free" in e["error_message"] and "nr_hugepages" in e["error_message"],
              json.dumps(e))
    r = run("run", "--backend", "native", "--ws", "4t", "--host-page", "4k", "--out", out)
    e = json.load(open(out))["benchmarks"][0]
    check("working set larger than memory is skipped", e["status"] == "skipped"
          and "available" in e["error_message"] and "fix:" in e["error_message"], json.dumps(e))
    if kvm_usable():
        r = run("run", "--backend", "kvm", "--ws", "64m", "--guest-mem", "16m", "--host-page", "4k",
                "--guest-page", "4k", "--out", out)
        e = json.load(open(out))["benchmarks"][0]
        check("working set larger than guest memory is skipped", e["status"] == "skipped"
              and "--guest-mem" in e["error_message"], json.dumps(e))


def test_kvm_missing():
    if os.geteuid() != 0 or not shutil.which("unshare"):
        skip("kvm missing", "needs root and unshare to hide /dev/kvm")
        return
    out = os.path.join(TMP, "nokvm.json")
    cmd = ["unshare", "-m", "sh", "-c",
           f"mount -t tmpfs none /dev && exec {TLBVISOR} run --backend native,kvm --ws 16k "
           f"--host-page 4k --guest-page 4k --repetitions 2 --min-time 0.001 --out {out}"]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    if r.returncode != 0 and "unshare" in r.stderr:
        skip("kvm missing", f"cannot make a mount namespace: {r.stderr.strip()}")
        return
    doc = json.load(open(out))
    by = cells(doc)
    kvm = [e[0] for n, e in by.items() if "/backend:kvm/" in n]
    nat = [e[0] for n, e in by.items() if "/backend:native/" in n]
    check("no /dev/kvm: kvm cells skipped with the fix, native still runs",
          r.returncode == 0 and kvm and all(c["status"] == "skipped" and "/dev/kvm is missing" in
                                            c["error_message"] for c in kvm)
          and nat and all(c["status"] == "ok" for c in nat), r.stderr + json.dumps(kvm)[:300])


def test_interrupt():
    out = os.path.join(TMP, "intr.json")
    p = subprocess.Popen([TLBVISOR, "run", "--backend", "native", "--ws", "16k,32k,64k,128k,256k,512k",
                          "--pattern", "random,seq", "--host-page", "4k", "--repetitions", "10",
                          "--min-time", "0.1", "--out", out],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(3.0)
    p.send_signal(signal.SIGINT)
    stdout, stderr = p.communicate(timeout=120)
    doc = json.load(open(out))
    by = cells(doc)
    complete = all(len([e for e in entries if e["run_type"] == "iteration"]) == 10
                   for entries in by.values() if entries[0]["status"] == "ok")
    check("Ctrl-C: exit 130, finished cells written, nothing partial",
          p.returncode == 130 and doc["context"]["interrupted"] and 0 < len(by) < 12 and complete
          and "interrupted" in stderr, f"rc={p.returncode} cells={len(by)} {stderr}")


def test_pmu_columns():
    out = os.path.join(TMP, "pmu.json")
    r = run("run", "--backend", "native", "--ws", "1m", "--host-page", "4k", "--repetitions", "2",
            "--min-time", "0.002", "--out", out)
    e = [b for b in json.load(open(out))["benchmarks"] if b["run_type"] == "iteration"][0]
    check("default PMU preset: columns present or the reason why not", r.returncode == 0 and (
        e["pmu_status"] == "ok" and any(k.startswith("pmu_measure_") for k in e)
        or "perf_event_open" in e["pmu_status"]), e.get("pmu_status"))
    r = run("run", "--backend", "native", "--ws", "1m", "--host-page", "4k", "--repetitions", "2",
            "--min-time", "0.002", "--events", "perf::PERF_COUNT_SW_PAGE_FAULTS", "--out", out)
    e = [b for b in json.load(open(out))["benchmarks"] if b["run_type"] == "iteration"][0]
    faults = e.get("pmu_build_perf_count_sw_page_faults", -1)
    # under ASan (TLBVISOR_SANITIZED) the shadow memory faults too: 1 page per 8
    exact = faults == 256 if not os.environ.get("TLBVISOR_SANITIZED") else 256 <= faults <= 256 + 40
    check("software page-faults in the first-touch pass = pages of the working set",
          exact and e.get("pmu_measure_perf_count_sw_page_faults") == 0,
          {k: v for k, v in e.items() if k.startswith("pmu")})
    r = run("run", "--backend", "native", "--events", "NOT_AN_EVENT")
    check("unknown PMU event refused", r.returncode == 2 and "invalid event 'NOT_AN_EVENT'" in r.stderr, r.stderr)


def test_exit_cost():
    if not kvm_usable():
        skip("exit cost", "/dev/kvm unavailable")
        return
    out = os.path.join(TMP, "exits.json")
    r = run("run", "--backend", "kvm", "--ws", "16k", "--host-page", "4k", "--guest-page", "4k",
            "--exit-cost", "--repetitions", "3", "--min-time", "0.01", "--out", out)
    by = cells(json.load(open(out)))
    io = [e for e in by.get("exit/io/backend:kvm", []) if e["run_type"] == "iteration"]
    cpuid = [e for e in by.get("exit/cpuid/backend:kvm", []) if e["run_type"] == "iteration"]
    # every exit of every timed pass is a port write the host saw: warm-up passes of
    # 256 plus the repetitions
    ok = r.returncode == 0 and len(io) == 3 and len(cpuid) == 3
    ok = ok and all(e["cycles_per_access"] > 100 for e in io + cpuid)
    ok = ok and io[0]["tick_exits"] == io[0]["warmup_passes"] * 256 + 3 * io[0]["iterations"]
    check("exit round trips on kvm (I/O and CPUID), every I/O exit counted", ok,
          r.stderr + json.dumps(io[:1])[:600])


def test_list_and_model():
    r = run("list")
    check("list", r.returncode == 0 and "backends" in r.stdout and "guest pages" in r.stdout
          and "tsc" in r.stdout, r.stderr)
    r = run("model")
    rows = {}
    for line in r.stdout.splitlines()[2:]:
        f = line.split()
        rows[tuple(f[:4])] = int(f[5])
    check("model headline numbers", r.returncode == 0 and rows[("4", "4", "4K", "4K")] == 24
          and rows[("4", "4", "2M", "2M")] == 15 and rows[("4", "4", "1G", "1G")] == 8
          and rows[("5", "5", "4K", "4K")] == 35, r.stdout)


for t in [test_help, test_bad_inputs, test_small_run, test_skip_reasons, test_kvm_missing,
          test_interrupt, test_pmu_columns, test_exit_cost, test_list_and_model]:
    try:
        t()
    except Exception as e:  # a crash of the test itself is a failure, not an abort
        check(t.__name__, False, repr(e))
shutil.rmtree(TMP, ignore_errors=True)
finish()
