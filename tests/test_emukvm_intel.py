#!/usr/bin/env python3
"""The kvm backend on a real kvm_intel with EPT, on every machine: Debian's
kernel in Bochs (tests/emukvm.py), one boot for every command because Bochs
is slow. It checks the Intel knobs: --vpid on,off --allow-module-reload
reloads kvm_intel with vpid=0/1, each cell records the parameter read back,
the original value is restored; --ept-levels 4 is realized and 5 skipped with
the reason (Bochs has no 5-level EPT); exit reasons carry VMX names; tlbvisor
list is truthful. Timings there are emulated: correctness only.
Usage: test_emukvm_intel.py TLBVISOR"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import emukvm  # noqa: E402
from tvtest import check, finish  # noqa: E402

TLBVISOR = sys.argv[1]
QUICK = ["--repetitions", "2", "--min-time", "0.002", "--max-warmup", "2"]
VPID = "/sys/module/kvm_intel/parameters/vpid"


m = emukvm.Machine("intel", hugepages_2m=16)
tv = m.add(TLBVISOR)
m.shell(f"cat {VPID} > vpid.before")
m.run("list", tv, "list")
m.run("matrix", tv, "run", "--backend", "kvm", "--ws", "16k,256k", "--host-page", "4k,thp,2m", "--guest-page", "4k,2m",
      "--vpid", "on,off", "--allow-module-reload", "--exit-cost", *QUICK, "--out", "matrix.json", "--db", "history.db")
m.shell(f"cat {VPID} > vpid.after")
m.run("ept", tv, "run", "--backend", "kvm", "--ws", "16k", "--host-page", "4k", "--guest-page", "4k",
      "--ept-levels", "4,5", *QUICK, "--out", "ept.json", "--no-db")
res = emukvm.boot_for_test(m, timeout=1500)

out = res.stdout("list")
lines = {" ".join(line.split()[:2]): line for line in out.splitlines()}
check("list: kvm_intel with EPT; vpid switchable; ept-levels 4 yes, 5 no with the reason",
      res.rc("list") == 0 and "kvm_intel with EPT: nested paging" in out
      and lines.get("vpid on/off", "").split()[2:3] == ["yes"]
      and lines.get("ept-levels 4", "").split()[2:3] == ["yes"]
      and lines.get("ept-levels 5", "").split()[2:3] == ["no"] and "ept_5level" in lines.get("ept-levels 5", ""),
      out[-1500:] + res.stderr("list"))

by = emukvm.cells(res.path("matrix.json"))
chase = {n: e for n, e in by.items() if n.startswith("chase/")}
bad = {n: e.get("error_message") for n, e in by.items() if e["status"] != "ok"}
check("matrix: 24 chase cells (vpid on and off) and 2 exit cells, every one ok",
      res.rc("matrix") == 0 and len(chase) == 24 and len(by) == 26 and not bad,
      f"rc={res.rc('matrix')} cells={len(by)} not ok={bad} {res.stderr('matrix')[-600:]}")
off = [e for n, e in chase.items() if "/vpid:off" in n]
on = [e for n, e in chase.items() if "/vpid:on" in n]
check("vpid:off cells ran with kvm_intel.vpid read back as N, vpid:on cells as Y",
      len(off) == 12 and len(on) == 12 and all(e.get("kvm_intel_vpid") == "N" for e in off)
      and all(e.get("kvm_intel_vpid") == "Y" for e in on),
      json.dumps({n: e.get("kvm_intel_vpid") for n, e in chase.items()})[:800])
before, after = res.text("vpid.before").strip(), res.text("vpid.after").strip()
check("kvm_intel.vpid is restored after the run", before != "" and before == after, f"before={before} after={after}")
reasons = {k.split("_tp_exit_", 1)[1] for e in by.values() for k in e if "_tp_exit_" in k}
check("exit reasons named by VMX basic exit reason (io_instruction; cpuid in the CPUID round trip)",
      all(e.get("exit_reasons_status") == "ok" and any(k.endswith("_tp_exit_io_instruction") for k in e)
          for e in chase.values())
      and any(k.endswith("_tp_exit_cpuid") for k in by.get("exit/cpuid/backend:kvm", {})), f"names: {sorted(reasons)}")
check("kvm cells record kvm_intel+EPT with 4-level EPT",
      all(e.get("kvm") == "kvm_intel+EPT" and e.get("second_level") == "ept" and e.get("second_level_levels") == 4
          for e in chase.values()), json.dumps({k: next(iter(chase.values()), {}).get(k) for k in
                                                ("kvm", "second_level", "second_level_levels")}))
g2h4 = [e for n, e in chase.items() if "/guest:2m/host:4k" in n]
check("guest 2m on host 4k: flagged as splintered", g2h4 and all(e.get("page_size_flagged") for e in g2h4),
      json.dumps([e.get("page_size_note") for e in g2h4]))

ept = emukvm.cells(res.path("ept.json"))
four = [e for n, e in ept.items() if n.endswith("/ept-levels:4")]
five = [e for n, e in ept.items() if n.endswith("/ept-levels:5")]
check("--ept-levels 4 realized (4-level EPT recorded), 5 skipped: Bochs has no 5-level EPT",
      res.rc("ept") == 0 and len(four) == 1 and four[0]["status"] == "ok" and four[0].get("second_level_levels") == 4
      and len(five) == 1 and five[0]["status"] == "skipped" and "5-level EPT" in five[0].get("error_message", ""),
      json.dumps({n: (e["status"], e.get("second_level_levels"), e.get("error_message")) for n, e in ept.items()}))
emukvm.keep_on_failure(m)
finish()
