"""Matrix files, shards and merge, and a real Slurm (munged, slurmctld and
slurmd on localhost) running a matrix as a job array plus a merge job that
depends on it, with one task cancelled mid-run and resumed.

usage: test_fleet.py TLBVISOR SOURCE_ROOT"""
import json
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tvtest  # noqa: E402
from slurm_cluster import SlurmCluster, SlurmError, unavailable  # noqa: E402

tlbvisor, root = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
check = tvtest.check

# A small native matrix: 4 comparison groups (working sets), so 4 shards
# get one each; repetitions long enough that a task can be cancelled
# between its cells.
MATRIX = """; the fleet test's matrix
backend = native
pattern = random
repetitions = 3
min-time = 0.15
[small]
ws = 16k,64k
host-page = 4k,thp
[large]
ws = 1m,4m
host-page = 4k,thp
"""


def cell_names(path):
    """Every cell of a results file once, by its entries' run_name."""
    seen = []
    for b in json.load(open(path))["benchmarks"]:
        if b["run_name"] not in seen:
            seen.append(b["run_name"])
    return seen


def dry_run(*args):
    r = tvtest.run(tlbvisor, "run", "--dry-run", *args)
    lines = r.stdout.splitlines()
    return r, lines[0] if lines else "", [line.split("  [")[0] for line in lines[1:]]


def test_matrix_files(work):
    quick = os.path.join(root, "bench/matrices/quick.ini")
    # A preset's backends are defaults (a host without /dev/kvm drops kvm);
    # a matrix file names its backends, whose cells a host that cannot run
    # them records as skipped: the file is the preset with its backends given.
    r1, head1, preset = dry_run("--preset", "quick", "--backend", "native,kvm")
    r2, head2, from_file = dry_run("--matrix", quick)
    check("the shipped quick file gives the cells of --preset quick", r1.returncode == 0 and preset == from_file and
          len(preset) == 24, f"{len(preset)} vs {len(from_file)}: {r2.stderr}")
    check("and the same matrix hash", head1 == head2 and head1.startswith("matrix "), f"{head1!r} {head2!r}")
    bad = os.path.join(work, "bad.ini")
    open(bad, "w").write("ws = 16k\n[native]\nbackend = native\nhost-page = 4k,3m\n")
    r = tvtest.run(tlbvisor, "run", "--matrix", bad, "--out", os.path.join(work, "bad.json"))
    check("a malformed matrix file: an error naming file, line and key", r.returncode == 2 and
          f"{bad}:4: [native] key 'host-page': invalid host page '3m'" in r.stderr, r.stderr)
    check("and nothing written", not os.path.exists(os.path.join(work, "bad.json")))
    m = os.path.join(work, "m.ini")
    open(m, "w").write(MATRIX)
    r, head, cells = dry_run("--matrix", m, "--repetitions", "5")
    r0, head0, _ = dry_run("--matrix", m)
    check("the command line overrides the file (and so the matrix hash)", head != head0 and len(cells) == 8,
          f"{head} {head0} {cells}")
    shard_cells = []
    for i in range(1, 5):
        _, _, c = dry_run("--matrix", m, "--shard", f"{i}/4")
        shard_cells += c
    check("4 shards hold every cell exactly once", sorted(shard_cells) == sorted(cells), f"{shard_cells}")
    _, _, again = dry_run("--matrix", m, "--shard", "2/4")
    _, _, first = dry_run("--matrix", m, "--shard", "2/4")
    check("the split is deterministic", again == first and again)
    ws_of = {c.split("/ws:")[1].split("/")[0] for c in first}
    check("a shard keeps a working set's cells together (they are compared)", len(ws_of) == 1, f"{first}")
    r = tvtest.run(tlbvisor, "run", "--matrix", m, "--shard", "5/4")
    check("--shard 5/4 is refused", r.returncode == 2 and "1 <= I <= N" in r.stderr, r.stderr)


def test_merge_errors(work):
    m = os.path.join(work, "m.ini")
    outs = []
    for i in (1, 2):
        out = os.path.join(work, f"e{i}.json")
        r = tvtest.run(tlbvisor, "run", "--matrix", m, "--shard", f"{i}/4", "--out", out, "--no-db",
                       "--repetitions", "1", "--min-time", "0.01")
        check(f"shard {i}/4 runs", r.returncode == 0, r.stderr)
        outs.append(out)
    other = os.path.join(work, "other.json")
    r = tvtest.run(tlbvisor, "run", "--matrix", m, "--shard", "3/4", "--seed", "9", "--out", other, "--no-db",
                   "--repetitions", "1", "--min-time", "0.01")
    r = tvtest.run(tlbvisor, "merge", outs[0], other, "--out", os.path.join(work, "mixed.json"))
    check("shards of two different matrices: refused, naming both hashes", r.returncode == 2 and
          "is of matrix" in r.stderr and "merge joins the results of one matrix" in r.stderr, r.stderr)
    check("and nothing written", not os.path.exists(os.path.join(work, "mixed.json")))
    part = os.path.join(work, "part.json")
    r = tvtest.run(tlbvisor, "merge", *outs, "--out", part)
    missing = [line.strip() for line in r.stderr.splitlines() if line.startswith("  chase/")]
    _, _, want3 = dry_run("--matrix", m, "--shard", "3/4")
    _, _, want4 = dry_run("--matrix", m, "--shard", "4/4")
    check("merging with shards missing lists their cells (exit 3)", r.returncode == 3 and
          sorted(missing) == sorted(want3 + want4), r.stderr)
    check("and the missing shards", "shard 3 of 4 is missing" in r.stderr and "shard 4 of 4 is missing" in r.stderr)
    check("the cells that are there are merged", sorted(cell_names(part)) == sorted(cell_names(outs[0]) +
                                                                                    cell_names(outs[1])))
    r = tvtest.run(tlbvisor, "merge", outs[0], outs[0], "--out", os.path.join(work, "dup.json"))
    check("a file given twice: its cells reported as duplicated", "duplicated cell" in r.stderr, r.stderr)


def wait_for_row(path, timeout=300):
    """Until the task's output shows a finished cell's row."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if os.path.exists(path) and any(" ok " in line for line in open(path, errors="replace")):
            return True
        time.sleep(0.2)
    return False


def test_slurm(work):
    why = unavailable()
    if why:
        tvtest.skip("Slurm job array, merge job, cancel and resume", why)
        return
    t0 = time.monotonic()
    out = os.path.join(work, "fleet")
    os.makedirs(out)
    m = os.path.join(work, "m.ini")
    env = {"TLBVISOR": tlbvisor, "TLBVISOR_MATRIX": m, "TLBVISOR_OUT": out}
    shards_sbatch = os.path.join(root, "ci/slurm/tlbvisor-shards.sbatch")
    try:
        with SlurmCluster(os.path.join(work, "slurm")) as cluster:
            cluster.env.update(env)
            r = subprocess.run([os.path.join(root, "ci/slurm/submit.sh"), "shards", "4", m, out], env=cluster.env,
                               capture_output=True, text=True, cwd=work, timeout=120)
            check("ci/slurm/submit.sh submits the array and the merge job", r.returncode == 0, r.stderr)
            ids = [w for w in r.stdout.replace(";", " ").split() if w.isdigit()]
            array, merge = ids[0], ids[-1]
            states = cluster.wait(array)
            check("4 array tasks completed", sorted(states.values()) == ["COMPLETED"] * 4, f"{states}")
            states = cluster.wait(merge)
            check("the merge job ran after them", list(states.values()) == ["COMPLETED"], f"{states}")
            merged = os.path.join(out, "all.json")
            _, _, want = dry_run("--matrix", m)
            got = cell_names(merged) if os.path.exists(merged) else []
            check("every cell exactly once in the merge", sorted(got) == sorted(want), f"{got}")
            check("every shard wrote its own JSON and history",
                  all(os.path.exists(os.path.join(out, f"shard-{i}.{x}")) for i in range(1, 5) for x in ("json", "db")))
            check("the merge job wrote the report", os.path.exists(os.path.join(out, "report", "report.md")))
            doc = json.load(open(merged))
            check("the merged context keeps every shard's provenance",
                  len(doc["context"]["sources"]) == 4 and all("host_name" in s["context"] for s in doc["context"]["sources"]))

            # Cancel one task once it has finished a cell, resume it, merge again.
            out2 = os.path.join(work, "fleet2")
            os.makedirs(out2)
            # --sequential: a shard's two cells share a working set and
            # would otherwise be measured round-robin and finish together.
            env2 = dict(cluster.env, TLBVISOR_OUT=out2, TLBVISOR_ARGS="--sequential")
            task_out = os.path.join(work, "task-%A_%a.out")
            job = subprocess.run(["sbatch", "--parsable", "--export=ALL", "--array=1-4", "--output", task_out,
                                  shards_sbatch], env=env2, capture_output=True, text=True, cwd=work,
                                 timeout=60).stdout.strip().split(";")[0]
            victim = os.path.join(work, f"task-{job}_1.out")
            seen = wait_for_row(victim)
            check("task 1 printed its first finished cell", seen)
            cluster.cmd("scancel", f"{job}_1")
            states = cluster.wait(job)
            check("task 1 was cancelled, the others completed", states.get(f"{job}_1") == "CANCELLED" and
                  sum(v == "COMPLETED" for v in states.values()) == 3, f"{states}")
            part = os.path.join(out2, "shard-1.json")
            kept_before = {}
            if os.path.exists(part):
                for b in json.load(open(part))["benchmarks"]:
                    kept_before.setdefault(b["run_name"], []).append(b)
            check("the cancelled shard kept its finished cells", len(kept_before) >= 1, f"{list(kept_before)}")
            redo = subprocess.run(["sbatch", "--parsable", "--export=ALL", "--array=1", "--output", task_out,
                                   shards_sbatch], env=dict(env2, TLBVISOR_SHARD="slurm/4"), capture_output=True,
                                  text=True, cwd=work, timeout=60).stdout.strip().split(";")[0]
            states = cluster.wait(redo)
            check("the resubmitted shard completed", list(states.values()) == ["COMPLETED"], f"{states}")
            log = open(os.path.join(work, f"task-{redo}_1.out"), errors="replace").read()
            check("it resumed: the kept cells were not run again",
                  f"{len(kept_before)} cells kept" in log, log[-800:])
            after = {}
            for b in json.load(open(part))["benchmarks"]:
                after.setdefault(b["run_name"], []).append(b)
            check("kept cells unchanged", all(after.get(k) == v for k, v in kept_before.items()))
            r = tvtest.run(tlbvisor, "merge", *[os.path.join(out2, f"shard-{i}.json") for i in range(1, 5)],
                           "--out", os.path.join(out2, "all.json"))
            got = cell_names(os.path.join(out2, "all.json"))
            check("after the resume, every cell exactly once", r.returncode == 0 and sorted(got) == sorted(want),
                  r.stderr + f"{got}")
            leftover = cluster
        check("every Slurm daemon stopped", leftover.still_running() == [], f"{leftover.still_running()}")
        print(f"slurm part: {time.monotonic() - t0:.0f} s")
    except SlurmError as e:
        check("a local Slurm starts and runs jobs", False, str(e))


def main():
    with tempfile.TemporaryDirectory(prefix="tlbvisor-fleet-") as work:
        open(os.path.join(work, "m.ini"), "w").write(MATRIX)
        test_matrix_files(work)
        test_merge_errors(work)
        test_slurm(work)
    tvtest.finish()


main()
