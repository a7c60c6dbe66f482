"""Shared helpers of tlbvisor's end-to-end tests: PASS/FAIL/SKIP lines, the
closing 'N passed, N failed, N skipped' line and the exit status (77, meson's
SKIP, when nothing could run), and a run of tlbvisor followed event by event
(its per-cell rows and progress) so that tests synchronize on what it prints,
never on wall-clock time."""
import errno
import json
import os
import selectors
import subprocess
import sys

counts = {"passed": 0, "failed": 0, "skipped": 0}
SKIP_EXIT = 77  # meson: the test was skipped


def check(name, cond, detail=""):
    if cond:
        counts["passed"] += 1
        print(f"PASS {name}", flush=True)
    else:
        counts["failed"] += 1
        print(f"FAIL {name}: {detail}", flush=True)
    return bool(cond)


def skip(name, missing, fix=None):
    """A check that cannot run here: what is missing and the command that
    provides it (every skip should give one; the closing summary of
    ci/test.sh shows the ones that do not)."""
    counts["skipped"] += 1
    print(f"SKIP {name}: {missing}; fix: {fix or '(none given)'}", flush=True)


def finish():
    """The closing line; exit 1 on a failure, 77 when every check was skipped."""
    p, f, s = counts["passed"], counts["failed"], counts["skipped"]
    if p + f + s == 0:
        print("FAIL the test ran no check at all", flush=True)
        f = 1
    print(f"{p} passed, {f} failed, {s} skipped", flush=True)
    sys.exit(1 if f else SKIP_EXIT if p == 0 else 0)


def run(tlbvisor, *args, timeout=600):
    return subprocess.run([tlbvisor, *args], capture_output=True, text=True, timeout=timeout,
                          stdin=subprocess.DEVNULL)


def kvm_usable():
    try:
        os.close(os.open("/dev/kvm", os.O_RDWR))
        return True
    except OSError:
        return False


KVM_FIX = ("run on a host with /dev/kvm (modprobe kvm_amd or kvm_intel); the kvm guest itself "
           "is tested by the kvm tests in an emulated KVM")


def cells(doc):
    """run_name -> list of the entries of that cell (iterations and aggregates)."""
    out = {}
    for b in doc["benchmarks"]:
        out.setdefault(b["run_name"], []).append(b)
    return out


def first_entries(doc):
    """run_name -> the cell's first entry: the one that carries its outcome,
    interval and counters (later entries carry only its identity and their
    own timings; docs/metrics.md)."""
    return {name: entries[0] for name, entries in cells(doc).items()}


def is_row(line):
    """A per-cell row of 'tlbvisor run' (printed once the cell is on disk)."""
    return line.startswith("chase/") or line.startswith("exit/")


class LiveRun:
    """tlbvisor run followed event by event: ('row', name) when a cell's row
    is printed (the cell is then written to the results and the history),
    ('start', name) when the progress line names the next cell (stderr is a
    pseudo-terminal, so tlbvisor shows its progress), ('stderr', line), and
    ('exit', status) at the end."""

    def __init__(self, tlbvisor, args):
        master, slave = os.openpty()
        self.p = subprocess.Popen([tlbvisor, *args], stdout=subprocess.PIPE, stderr=slave,
                                  stdin=subprocess.DEVNULL)
        os.close(slave)
        self.master = master
        self.sel = selectors.DefaultSelector()
        self.sel.register(self.p.stdout, selectors.EVENT_READ, "out")
        self.sel.register(master, selectors.EVENT_READ, "err")
        self.buf = {"out": b"", "err": b""}
        self.pending = []
        self.open = 2
        self.rows = []
        self.stderr = ""

    def _split(self, key, final=False):
        data = self.buf[key]
        seps = b"\n" if key == "out" else b"\r\n"
        while True:
            cut = min((i for i in (data.find(bytes([c])) for c in seps) if i >= 0), default=-1)
            if cut < 0:
                break
            piece, data = data[:cut], data[cut + 1:]
            self._piece(key, piece.decode(errors="replace"))
        if final and data:
            self._piece(key, data.decode(errors="replace"))
            data = b""
        self.buf[key] = data

    def _piece(self, key, text):
        if key == "out":
            if is_row(text):
                name = text.split()[0]
                self.rows.append(name)
                self.pending.append(("row", name))
            return
        text = text.replace("\x1b[K", "").strip()
        if not text:
            return
        if text.startswith("[") and "/" in text.split("]")[0]:
            self.pending.append(("start", text.split("]", 1)[1].split()[0]))
        else:
            self.stderr += text + "\n"
            self.pending.append(("stderr", text))

    def next_event(self, timeout=600):
        while not self.pending:
            if not self.open:
                return ("exit", self.p.wait(timeout=timeout))
            ready = self.sel.select(timeout)
            if not ready:
                raise TimeoutError("tlbvisor printed nothing for %d s" % timeout)
            for key, _ in ready:
                fd = key.fd
                try:
                    data = os.read(fd, 65536)
                except OSError as e:  # the pty's other end closed
                    if e.errno != errno.EIO:
                        raise
                    data = b""
                if data:
                    self.buf[key.data] += data
                    self._split(key.data)
                else:
                    self._split(key.data, final=True)
                    self.sel.unregister(key.fileobj)
                    self.open -= 1
        return self.pending.pop(0)

    def until(self, want, count=1):
        """Events until the count-th event of kind want; None if the run ended first."""
        seen = 0
        while True:
            ev = self.next_event()
            if ev[0] == "exit":
                return None
            if ev[0] == want:
                seen += 1
                if seen == count:
                    return ev

    def signal(self, sig):
        if self.p.poll() is None:
            self.p.send_signal(sig)

    def wait(self):
        while self.next_event()[0] != "exit":
            pass
        os.close(self.master)
        self.p.stdout.close()
        return self.p.returncode


def load_json(path):
    with open(path) as f:
        return json.load(f)


def entries_by_cell(doc):
    """run_name -> canonical text of that cell's entries, to compare cells byte for byte."""
    return {n: json.dumps(es, sort_keys=True) for n, es in cells(doc).items()}


__all__ = ["check", "skip", "finish", "run", "kvm_usable", "cells", "LiveRun", "KVM_FIX",
           "load_json", "entries_by_cell", "is_row"]
