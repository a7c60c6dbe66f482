"""Helpers of the tests of issue 10 (files from elsewhere, colliding
outputs, nonsense options): synthetic results files, snapshots of a
directory, and refusals that must leave it unchanged."""
import hashlib
import json
import os
import subprocess
import tempfile

from tvtest import check

TLBVISOR = None
TMP = None


def setup(tlbvisor, prefix):
    global TLBVISOR, TMP
    TLBVISOR = os.path.abspath(tlbvisor)
    TMP = tempfile.mkdtemp(prefix=prefix)
    return TLBVISOR, TMP


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


SMALL = ["--backend", "native", "--ws", "16k", "--host-page", "4k", "--repetitions", "2", "--min-time", "0.001"]


def refused_unchanged(what, d, args, words, rc=2):
    before = snapshot(d)
    r = run(*args, cwd=d)
    lines = [l for l in r.stderr.splitlines() if l.strip()]
    check(f"{what}: refused before anything runs", r.returncode == rc and len(lines) == 1
          and all(w in r.stderr for w in words), f"rc={r.returncode} {r.stderr!r}")
    check(f"{what}: nothing changed on disk", snapshot(d) == before, set(snapshot(d)) ^ set(before))
    return r


