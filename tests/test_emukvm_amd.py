#!/usr/bin/env python3
"""The kvm backend on a real KVM with nested paging, on every machine: kvm_amd
with NPT in QEMU TCG (tests/emukvm.py), under a 5-level host kernel, so the
NPT is 5-level too. One boot runs the issue's matrix
(every guest page x host page, hugetlb 2M and 1G reserved inside), the exit
round trips, 5-level guest paging, tlbvisor list/model/report, and Ctrl-C with
--resume; the results JSON, history DB and report come back as files.
Timings there are emulated: these checks are about correctness only.
Usage: test_emukvm_amd.py TLBVISOR"""
import json
import os
import re
import sqlite3
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import emukvm  # noqa: E402
from tvtest import check, finish  # noqa: E402

TLBVISOR = sys.argv[1]
QUICK = ["--repetitions", "2", "--min-time", "0.005", "--max-warmup", "3"]
RESUME = ["run", "--backend", "kvm", "--ws", "16k,32k,64k,128k", "--host-page", "4k,thp",
          "--guest-page", "4k,2m", "--repetitions", "3", "--min-time", "0.02", "--no-db"]


def tp_exits(entry):
    """Exit-reason counters of any phase, by name."""
    return {k.split("_tp_exit_", 1)[1]: v for k, v in entry.items() if "_tp_exit_" in k}


# A 5-level host kernel (CR4.LA57), so kvm_amd's NPT is 5-level as well.
m = emukvm.Machine("amd", hugepages_2m=520, hugepages_1g=1, paging_levels=5)
tv = m.add(TLBVISOR)
m.run("list", tv, "list")
m.run("matrix", tv, "run", "--backend", "kvm", "--ws", "16k,1m,8m", "--host-page", "4k,thp,2m,1g",
      "--guest-page", "4k,2m,1g", "--exit-cost", *QUICK, "--out", "matrix.json", "--db", "history.db")
m.run("report", tv, "report", "matrix.json", "--out", "report")
m.run("levels", tv, "run", "--backend", "kvm", "--ws", "1m", "--host-page", "4k,thp", "--guest-page", "4k,2m",
      "--guest-levels", "4,5", *QUICK, "--out", "levels.json", "--no-db")
m.run("model", tv, "model")
m.interrupt("interrupt", "interrupt.json", '"status": *"ok"', tv, *RESUME, "--out", "interrupt.json")
m.run("resume", tv, *RESUME, "--resume", "interrupt.json")
res = emukvm.boot_for_test(m, timeout=1200)

# tlbvisor list tells the truth about this KVM.
out = res.stdout("list")
lines = {line.split("  ")[1].strip() if "  " in line else "": line for line in out.splitlines()}
answer = {k: v[len(k) + 2:].split()[:1] for k, v in lines.items() if k}
check("list: kvm_amd with NPT, guest 1G pages and 5-level guest paging available",
      res.rc("list") == 0 and "kvm_amd with NPT: nested paging" in out
      and answer.get("1g") == ["yes"] and answer.get("5-level (--guest-levels 5)") == ["yes"],
      out[-1500:] + res.stderr("list"))
check("list: the emulator is named and its timings called emulated", "QEMU TCG: every timing here is emulated" in out,
      out[:800])

# The matrix: 36 chase cells and the 2 exit round trips, all ok.
doc = json.load(open(res.path("matrix.json")))
by = emukvm.cells(res.path("matrix.json"))
chase = {n: e for n, e in by.items() if n.startswith("chase/")}
bad = {n: e.get("error_message") for n, e in by.items() if e["status"] != "ok"}
check("matrix: 36 chase cells and 2 exit cells, every one ok", res.rc("matrix") == 0 and len(chase) == 36
      and len(by) == 38 and not bad, f"rc={res.rc('matrix')} cells={len(by)} not ok={bad} {res.stderr('matrix')[-500:]}")
g1h1 = [e for n, e in chase.items() if "/guest:1g/host:1g" in n]
check("guest 1g on host 1g: pages_1g > 0 and not flagged",
      g1h1 and all(e.get("eff_host_1g_pages", 0) > 0 and not e.get("page_size_flagged") for e in g1h1),
      json.dumps([{k: e.get(k) for k in ("run_name", "eff_host_1g_pages", "page_size_flagged")} for e in g1h1]))
g2h4 = [e for n, e in chase.items() if "/guest:2m/host:4k" in n]
check("guest 2m on host 4k: flagged as splintered",
      g2h4 and all(e.get("page_size_flagged") and "splintered" in e.get("page_size_note", "") for e in g2h4),
      json.dumps([e.get("page_size_note") for e in g2h4]))
names = {name for e in by.values() for name in tp_exits(e)}
check("exit reasons named by SVM exit code (ioio; cpuid in the CPUID round trip)",
      all(e.get("exit_reasons_status") == "ok" and "ioio" in tp_exits(e) for e in chase.values())
      and "cpuid" in tp_exits(by.get("exit/cpuid/backend:kvm", {})), f"names seen: {sorted(names)}")
# The matrix's 12 cells of a working set (1G host pages among them) do not
# fit the emulated machine's memory at once: each says so instead.
orders = {e.get("order", "") for e in chase.values()}
check("matrix: each working set round-robin, or one cell after the other with the memory budget that did not allow it",
      all(o.startswith("round-robin with the 12 cells") or re.match(r"one cell after the other: the 12 cells need .* at once, "
                                                                   r".* available", o) for o in orders), sorted(orders))
paging = doc["context"].get("paging_levels")
check("the host's paging depth is found: 5 levels (CR4.LA57)", paging == 5, doc["context"].get("paging_levels_how"))
check("kvm cells record kvm_amd+NPT, NPT as deep as the host's paging (5), 4-level guests",
      all(e.get("kvm") == "kvm_amd+NPT" and e.get("second_level") == "npt"
          and e.get("second_level_levels") == paging == e.get("host_paging_levels") and e.get("guest_levels") == 4
          for e in chase.values()), json.dumps({k: next(iter(chase.values())).get(k) for k in
                                                ("kvm", "second_level", "second_level_levels", "host_paging_levels")}))
ctx = doc["context"]
check("context: native is a VM (QEMU TCG, an emulator) and which KVM ran the cells",
      ctx.get("native_is_vm") is True and ctx.get("emulator") == "QEMU TCG" and ctx.get("kvm") == "kvm_amd+NPT",
      json.dumps({k: ctx.get(k) for k in ("native_is_vm", "hypervisor_vendor", "emulator", "kvm")}))
try:
    db = sqlite3.connect(res.path("history.db"))
    ncells = db.execute("SELECT count(*) FROM cells WHERE status = 'ok'").fetchone()[0]
    nruns = db.execute("SELECT count(*) FROM runs WHERE finished = 1").fetchone()[0]
except sqlite3.Error as e:
    ncells, nruns = -1, str(e)
check("history DB: the run and its 38 cells", ncells == 38 and nruns == 1, f"cells={ncells} runs={nruns}")
md = res.text("report/report.md")
plain_md = re.sub(r"\\(.)", r"\1", md)  # without Markdown's escapes (kvm\_amd)
check("report: says at the top what the kvm cells measured and that timings are emulated",
      res.rc("report") == 0 and "The kvm cells ran on kvm_amd with NPT: nested paging" in plain_md
      and "QEMU TCG, an emulator" in plain_md, md[:1000] + res.stderr("report"))

# Guest paging depth: 5-level guests on 5-level NPT (QEMU's CPU has LA57).
lv = emukvm.cells(res.path("levels.json"))
five = [e for n, e in lv.items() if n.endswith("/guest-levels:5")]
check("--guest-levels 4,5: 8 cells; the 5-level ones ran with guest_levels 5, or were skipped naming LA57",
      res.rc("levels") == 0 and len(lv) == 8 and len(five) == 4
      and all((e["status"] == "ok" and e.get("guest_levels") == 5)
              or (e["status"] == "skipped" and "LA57" in e.get("error_message", "")) for e in five),
      json.dumps({n: (e["status"], e.get("guest_levels"), e.get("error_message")) for n, e in lv.items()})[:1500])
model = res.stdout("model")
check("model: 35 references for a 5-level guest on 5-level NPT/EPT with 4K leaves",
      any(line.split()[:6] == ["5", "5", "4K", "4K", "5", "35"] for line in model.splitlines()), model[-600:])

# Ctrl-C inside the VM, then --resume.
done = json.load(open(res.path("interrupt.json")))
dby = emukvm.cells(res.path("interrupt.json"))
check("Ctrl-C then --resume: exit 130 first, then every one of the 16 cells ok once, the run not interrupted",
      res.rc("interrupt") == 130 and "interrupted" in res.stderr("interrupt") and res.rc("resume") == 0
      and len(dby) == 16 and all(e["status"] == "ok" for e in dby.values())
      and not done["context"]["interrupted"] and "resuming" in res.stderr("resume"),
      f"rc={res.rc('interrupt')},{res.rc('resume')} cells={len(dby)} {res.stderr('interrupt')[-300:]} "
      f"{res.stderr('resume')[-300:]}")
check("the kvm cells of each working set measured round-robin in the nested-paging KVM (4 a working set here)",
      {e.get("order") for e in dby.values()} == {"round-robin with the 4 cells of its working set"},
      sorted({str(e.get("order")) for e in dby.values()}))
kept = re.search(r"(\d+) cells kept, (\d+) to run", res.stderr("resume"))
check("--resume kept the cells finished before Ctrl-C and ran only the rest",
      kept and int(kept.group(1)) > 0 and int(kept.group(2)) > 0, res.stderr("resume")[-300:])
emukvm.keep_on_failure(m)
finish()
