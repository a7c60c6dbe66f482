#!/usr/bin/env python3
"""Mutation check: plant deliberate bugs one at a time, run the tests that
could catch each (or the whole suite with --all), restore the source, and
print which tests caught which bug. A bug counts as caught only when a test
FAILS (a skip catches nothing). Every bug must be caught; exit 1 otherwise.

Each mutation names its file and the text it changes there, never a line
number; the text must occur exactly once in that file: if the file or the
text is missing or ambiguous (files move, code changes), the script stops
and says so.

  ci/mutate.py [--all] [--only NAME[,NAME...]] [--build DIR]
Run it after ci/setup.sh; it rebuilds DIR (default build/) for each mutant
and once more with the source restored. It is not part of ./ci/test.sh."""
import argparse
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# name, what the bug is, file, text to find, its replacement, the tests that could catch it.
MUTANTS = [
    ("chase-order", "the grouped chase visits groups interleaved (TLB-locality groups lost)", "workloads/chase.c",
     "return g * per_group + within;", "return within * groups + g;",
     ["chase", "bench", "cli"]),
    ("chase-seed", "--seed does not reach the chase the backends build", "bench/backends/backend_common.c",
     "\t\t.seed = cfg->seed,\n", "\t\t.seed = 0x7c5f3a1d,\n",
     ["bench", "chase", "cli"]),
    ("mwu-u-statistic", "U computed from the rank sum with n(n-1)/2", "analysis/mwu.c",
     "out->u1 = r1 - a * (a + 1) / 2.0;", "out->u1 = r1 - a * (a - 1) / 2.0;",
     ["mwu", "history_report"]),
    ("mwu-tie-correction", "the variance ignores ties", "analysis/mwu.c",
     "tie_term += t * t * t - t;", "tie_term += 0;",
     ["mwu", "history_report"]),
    ("resume-kept-cells", "--resume measures the kept cells again", "bench/run/run_loop.c",
     "\t\tif (kept[i]) {\n", "\t\tif (kept[i] && 0) {\n",
     ["interrupt_resume"]),
    ("smaps-thp", "smaps: THP counted as 4K pages", "bench/host/host_mem.c",
     "total_2m += anon_huge;\n\t\t\t\t\ttotal_4k += rss - anon_huge;",
     "total_2m += 0;\n\t\t\t\t\ttotal_4k += rss;",
     ["pagesize", "cli"]),
    ("smaps-hugetlb", "smaps: hugetlb pages of 2M counted as 1G", "bench/host/host_mem.c",
     "if (kernel_page_kb == 2048)\n\t\t\t\t\ttotal_2m += hugetlb;",
     "if (kernel_page_kb == 2048)\n\t\t\t\t\ttotal_1g += hugetlb;",
     ["pagesize", "cli"]),
    ("effective-verdict", "a tie between 2M and 4K bytes goes to 4K", "bench/backends/backend_common.c",
     "b2m >= b4k ? (2ull << 20) : 4096", "b2m > b4k ? (2ull << 20) : 4096",
     ["pagesize", "cli"]),
    ("exit-histogram", "the hypervisor counts every exit twice in its histogram", "hv/hyp/exits.c",
     "x->histogram[slot < HV_EXIT_SLOTS ? slot : HV_EXIT_SLOTS - 1]++;",
     "x->histogram[slot < HV_EXIT_SLOTS ? slot : HV_EXIT_SLOTS - 1] += 2;",
     ["vmx_bochs", "svm_qemu"]),
    ("trace-bucketing", "kvm_exit samples: the VMX basic exit reason is not masked", "bench/backends/kvm/kvm_trace.c",
     "reason &= 0xffff;", "reason &= 0xffffffff;",
     ["trace"]),
    ("nested-walker", "the nested walk does not count the EPT walk of the final guest-physical address", "hv/paging/paging.c",
     "s = ept_translate(ept, w->gpa, w, &w->hpa);",
     "{ unsigned r = w->ept_refs; s = ept_translate(ept, w->gpa, w, &w->hpa); w->ept_refs = r; }",
     ["paging", "cli", "history_report"]),
    ("stats-stddev", "the population standard deviation instead of the sample one", "bench/run/stats.c",
     "/ (double)(n - 1)", "/ (double)n",
     ["bench", "results", "cli"]),
    ("pmu-per-access", "PMU per-access columns divided by the accesses of one repetition only", "bench/backends/measure_host.c",
     "result_counter(r, name, r->counters[k].value / accesses);",
     "result_counter(r, name, r->counters[k].value / (double)mr->steps);",
     ["cli"]),
    ("median-interval-rank", "the interval of the median one rank too narrow (its coverage below the level)",
     "bench/run/stats.c",
     "if (1.0 - 2.0 * binom_half_cdf(n, k - 1) < level)", "if (1.0 - 2.0 * binom_half_cdf(n, k - 2) < level)",
     ["stats", "gate", "results"]),
    ("drift-either", "a cell is unstable on a significant trend or a large one, not only both", "bench/run/stats.c",
     "d->unstable = d->p < DRIFT_ALPHA && fabs(d->relative) >= DRIFT_MIN_RELATIVE;",
     "d->unstable = d->p < DRIFT_ALPHA || fabs(d->relative) >= DRIFT_MIN_RELATIVE;",
     ["stats", "gate", "results"]),
    ("gate-ignores-drift", "compare calls a drifting cell a regression", "analysis/compare.c",
     "if (beyond && drifted) {", "if (beyond && drifted && 0) {",
     ["gate", "history_report"]),
    ("gate-ignores-history", "compare ignores the run-to-run spread of the history", "analysis/compare.c",
     "double margin = !isnan(noise) && noise > o->threshold ? noise : o->threshold;",
     "double margin = o->threshold;",
     ["gate"]),
    ("csv-resumed-rows", "a resumed cell loses its repetitions' cycles (its CSV row's median is 0)",
     "bench/results/results_read.c",
     "r->cycles[r->reps++] = cycles;", "r->reps++;",
     ["results", "interrupt_resume"]),
    ("report-overhead", "the Virtualization overhead section prints native over virtualized", "analysis/overhead.c",
     "double overhead = c->median / base->median;",
     "double overhead = base->median / c->median;",
     ["history_report"]),
    ("matrix-order", "cells run pattern-major within each working set instead of working-set-major", "bench/matrix/matrix.c",
     "for (int p = 0; p < m->npatterns; p++)\n\t\t\tfor (int w = 0; w < m->nws; w++)",
     "for (int w = 0; w < m->nws; w++)\n\t\t\tfor (int p = 0; p < m->npatterns; p++)",
     ["bench", "cli", "history_report", "interrupt_resume"]),
]


def locate(relpath, pattern):
    """relpath, which must hold pattern exactly once; stop loudly otherwise."""
    path = os.path.join(ROOT, relpath)
    try:
        with open(path, encoding="utf-8", errors="surrogateescape") as f:
            n = f.read().count(pattern)
    except OSError as e:
        sys.exit(f"ci/mutate.py: cannot read {relpath}: {e.strerror}; update the mutant to the source as it is now")
    if n != 1:
        sys.exit(f"ci/mutate.py: the text {pattern!r} occurs {n} times in {relpath}; "
                 "update the mutant to the source as it is now")
    return path


def build(build_dir):
    r = subprocess.run(["ninja", "-C", build_dir], cwd=ROOT, capture_output=True, text=True)
    return r.returncode == 0, (r.stdout + r.stderr)[-1500:]


def run_tests(build_dir, tests, logbase):
    args = ["meson", "test", "-C", build_dir, "--no-rebuild", "--logbase", logbase, *tests]
    subprocess.run(args, cwd=ROOT, capture_output=True, text=True)
    results = {}
    with open(os.path.join(ROOT, build_dir, "meson-logs", logbase + ".json")) as f:
        for line in f:
            t = json.loads(line)
            results[t["name"]] = t["result"]
    return results


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--all", action="store_true", help="run the whole meson suite for every mutant")
    ap.add_argument("--only", help="comma-separated mutant names")
    ap.add_argument("--build", default="build", help="build directory (default build)")
    o = ap.parse_args()
    chosen = [m for m in MUTANTS if not o.only or m[0] in o.only.split(",")]
    # Locate every mutation first: a stale pattern stops the run before anything changes.
    located = [(m, locate(m[2], m[3])) for m in chosen]
    ok, log = build(o.build)
    if not ok:
        sys.exit("ci/mutate.py: the unmutated source does not build:\n" + log)
    union = sorted({t for m in chosen for t in m[5]})
    base = run_tests(o.build, [] if o.all else union, "mutate-baseline")
    broken = [t for t, r in base.items() if r not in ("OK", "SKIP")]
    if broken:
        sys.exit(f"ci/mutate.py: these tests fail without any mutation, so they can catch nothing: {broken}")
    skipped = [t for t, r in base.items() if r == "SKIP"]
    rows, survivors = [], []
    for (name, what, _, pattern, replacement, tests), path in located:
        with open(path, encoding="utf-8", errors="surrogateescape") as f:
            original = f.read()
        try:
            with open(path, "w", encoding="utf-8", errors="surrogateescape") as f:
                f.write(original.replace(pattern, replacement, 1))
            ok, log = build(o.build)
            if not ok:
                sys.exit(f"ci/mutate.py: mutant {name} does not build; fix the mutant:\n{log}")
            results = run_tests(o.build, [] if o.all else tests, f"mutate-{name}")
        finally:
            with open(path, "w", encoding="utf-8", errors="surrogateescape") as f:
                f.write(original)
        caught = [t for t, r in sorted(results.items()) if r not in ("OK", "SKIP")]
        ran = "whole suite" if o.all else ", ".join(tests)
        rows.append((name, what, os.path.relpath(path, ROOT), ran, ", ".join(caught) or "NOT CAUGHT"))
        print(f"{name}: {'caught by ' + ', '.join(caught) if caught else 'NOT CAUGHT'}", flush=True)
        if not caught:
            survivors.append(name)
    ok, log = build(o.build)
    print()
    print("| mutant | planted bug | file | tests run | caught by |")
    print("|---|---|---|---|---|")
    for r in rows:
        print("| " + " | ".join(r) + " |")
    if skipped:
        print(f"\n(skipped here, so they could catch nothing: {', '.join(skipped)})")
    print(f"\n{len(rows) - len(survivors)} of {len(rows)} mutants caught"
          + (f"; NOT caught: {', '.join(survivors)}" if survivors else ""))
    if not ok:
        print("ci/mutate.py: the restored source does not build:\n" + log)
        return 2
    return 1 if survivors else 0


if __name__ == "__main__":
    sys.exit(main())
