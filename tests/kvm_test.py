#!/usr/bin/env python3
"""Run a Criterion test program that needs /dev/kvm wherever a KVM can be
had: on this machine's /dev/kvm where it works, and inside the emulated
kvm_amd with NPT (tests/emukvm.py) where it does not, or in both with
--also-emulated. A missing /dev/kvm is never a reason to skip. Each run's
Criterion report is counted test by test (tests/criterion_run.py). The
program's sanitizer options go into the emulated machine with it.
Usage: kvm_test.py [--also-emulated] PROGRAM [CRITERION OPTIONS...]"""
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import emukvm  # noqa: E402
from criterion_run import load_report, tally  # noqa: E402
from tvtest import check, finish, kvm_usable  # noqa: E402

FORWARD = ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS", "TLBVISOR_SANITIZED")
REPORT = "criterion.json"  # written in the machine's /out, which comes back

args = sys.argv[1:]
also_emulated = args[:1] == ["--also-emulated"]
if also_emulated:
    args = args[1:]
program, rest = args[0], args[1:]
name = os.path.basename(program)

if kvm_usable():
    fd, report = tempfile.mkstemp(prefix="criterion-", suffix=".json")
    os.close(fd)
    r = subprocess.run([program, *rest, f"--json={report}"], stdin=subprocess.DEVNULL)
    doc, why = load_report(report)
    os.unlink(report)
    tally(name, doc, r.returncode, why, "this machine's /dev/kvm")
if also_emulated or not kvm_usable():
    where = "emulated kvm_amd with NPT"
    m = emukvm.Machine("amd", hugepages_2m=16)
    vm_program = m.add(program)
    env = [f"{k}={os.environ[k]}" for k in FORWARD if k in os.environ]
    m.run("test", "env", *env, vm_program, *rest, f"--json={REPORT}")
    try:
        res = m.boot(timeout=1200)
        sys.stdout.write(res.stdout("test"))
        sys.stdout.write(res.stderr("test"))
        print(f"({name} ran in the {where}, {res.seconds:.0f} s; emulated timings say nothing about performance)")
        doc, why = load_report(res.path(REPORT))
        tally(name, doc, res.rc("test"), why, where)
    except emukvm.EmuKvmError as e:
        check(f"{name} in the {where}", False, str(e))
    m.cleanup()
finish()
