#!/usr/bin/env python3
"""Run a test program that needs /dev/kvm wherever a KVM can be had: on this
machine's /dev/kvm where it works, and inside the emulated kvm_amd with NPT
(tests/emukvm.py) where it does not, or in both with --also-emulated. A
missing /dev/kvm is never a reason to skip. The program's sanitizer options
go into the emulated machine with it.
Usage: kvm_test.py [--also-emulated] PROGRAM [ARGS...]"""
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import emukvm  # noqa: E402
from tvtest import check, finish, kvm_usable  # noqa: E402

FORWARD = ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS", "TLBVISOR_SANITIZED")

args = sys.argv[1:]
also_emulated = args[:1] == ["--also-emulated"]
if also_emulated:
    args = args[1:]
program, rest = args[0], args[1:]
name = os.path.basename(program)

if kvm_usable():
    r = subprocess.run([program, *rest], stdin=subprocess.DEVNULL)
    check(f"{name} on this machine's /dev/kvm", r.returncode == 0, f"exit status {r.returncode}")
if also_emulated or not kvm_usable():
    m = emukvm.Machine("amd", hugepages_2m=16)
    vm_program = m.add(program)
    env = [f"{k}={os.environ[k]}" for k in FORWARD if k in os.environ]
    m.run("test", "env", *env, vm_program, *rest)
    try:
        res = m.boot(timeout=1200)
        sys.stdout.write(res.stdout("test"))
        sys.stdout.write(res.stderr("test"))
        print(f"({name} ran in the emulated kvm_amd with NPT, {res.seconds:.0f} s; emulated timings say nothing about performance)")
        check(f"{name} in the emulated kvm_amd with NPT", res.rc("test") == 0, f"exit status {res.rc('test')}")
    except emukvm.EmuKvmError as e:
        check(f"{name} in the emulated kvm_amd with NPT", False, str(e))
    m.cleanup()
finish()
