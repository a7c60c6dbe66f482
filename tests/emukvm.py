#!/usr/bin/env python3
"""Real KVMs with nested paging on every machine, emulated, for the tests.

  amd:   QEMU TCG -cpu max (SVM with NPT) running Debian's kernel, which loads
         kvm_amd: /dev/kvm with npt=Y. Boots in seconds.
  intel: Bochs (corei7_skylake_x: VMX with EPT) running Debian's cloud kernel
         from a GRUB ISO, which loads kvm_intel: /dev/kvm with ept=Y. Minutes.

The kernels come from Debian's packages, downloaded and unpacked once into a
cache (ci/emukvm/kernel.sh). Each boot gets an initramfs holding
ci/emukvm/init, the binaries it is handed (with the shared libraries ldd
names) and a list of commands; what the commands write in /out (results JSON,
history DB, their stdout/stderr/exit status) comes back as files: a 9p share
under QEMU, a tar archive on a raw disk under Bochs.

Timings measured in these machines are emulated and say nothing about
performance: they test correctness only.

As a program: emukvm.py amd|intel [--in FILE]... -- COMMAND...
runs one command (tlbvisor is found as 'tlbvisor') and prints its output.
"""
import gzip
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tarfile
import tempfile
import termios
import threading
import time
import tty

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tvtest  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
KERNEL_SH = os.path.join(ROOT, "ci", "emukvm", "kernel.sh")
INIT = os.path.join(ROOT, "ci", "emukvm", "init")
VM_BIN = "/tv/bin"
# Bochs: a flat ATA disk of 65 cylinders x 16 heads x 63 sectors (32 MiB).
DISK_GEOMETRY = (65, 16, 63)
BOCHS_IPS = 50_000_000


class EmuKvmError(Exception):
    """The emulated machine could not be prepared or did not finish."""


def kernel_dir(vendor):
    """The cached Debian kernel, modules and base initramfs of this vendor's
    machine (prepared once)."""
    r = subprocess.run(["bash", KERNEL_SH, vendor], capture_output=True, text=True, timeout=1800)
    if r.returncode != 0:
        raise EmuKvmError(f"ci/emukvm/kernel.sh failed: {r.stderr.strip()[-500:]}")
    return r.stdout.strip().splitlines()[-1]


def missing_tools(vendor):
    """Debian packages this vendor's machine needs that are not installed."""
    need = {"amd": {"qemu-system-x86_64": "qemu-system-x86"},
            "intel": {"bochs": "bochs bochsbios vgabios bochs-term", "grub-mkrescue": "grub-pc-bin grub-common",
                      "xorriso": "xorriso"}}[vendor]
    need.update({"cpio": "cpio", "busybox": "busybox-static", "depmod": "kmod"})
    return sorted({pkg for tool, pkg in need.items() if not shutil.which(tool)})


def shared_libraries(path):
    """The files ldd says path loads (the dynamic loader included)."""
    r = subprocess.run(["ldd", path], capture_output=True, text=True)
    libs = []
    for line in r.stdout.splitlines():
        parts = line.split()
        if "=>" in parts:
            target = parts[parts.index("=>") + 1]
            if target.startswith("/"):
                libs.append(target)
        elif parts and parts[0].startswith("/"):
            libs.append(parts[0])
    return libs


def drain_bochs_screen(log, process):
    """Bochs's term display draws the VGA screen into a pseudo-terminal it
    opens itself ('Bochs connected to screen "/dev/pts/N"'); nobody reads
    it, and once its buffer is full Bochs blocks for good. Read and drop it
    until Bochs ends."""
    path = None
    while path is None and process.poll() is None:
        with open(log, errors="replace") as f:
            m = re.search(r'Bochs connected to screen "([^"]+)"', f.read())
        if m:
            path = m.group(1)
        else:
            time.sleep(0.1)
    if path is None:
        return
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOCTTY)
    except OSError:
        return
    try:
        tty.setraw(fd)  # no line discipline: every byte is readable at once
        while process.poll() is None:
            if not os.read(fd, 65536):
                break
    except (OSError, termios.error):
        pass
    finally:
        os.close(fd)


class Result:
    """What one boot handed back: the /out files and the console log."""

    def __init__(self, outdir, console, seconds):
        self.outdir, self.console, self.seconds = outdir, console, seconds

    def path(self, name):
        return os.path.join(self.outdir, name)

    def text(self, name):
        try:
            with open(self.path(name), errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def rc(self, name):
        t = self.text(name + ".rc").strip()
        return int(t) if t.lstrip("-").isdigit() else None

    def stdout(self, name):
        return self.text(name + ".stdout")

    def stderr(self, name):
        return self.text(name + ".stderr")

    def machine(self):
        """machine.txt as a dict: vendor, kernel, dev_kvm, param.* and flags."""
        info = {}
        for line in self.text("machine.txt").splitlines():
            key, _, value = line.partition(" ")
            if key == "param":
                k, _, v = value.partition(" ")
                info["param." + k] = v
            else:
                info[key] = value
        return info

    def finished(self):
        return os.path.exists(self.path("finished"))

    def console_tail(self, n=15):
        try:
            with open(self.console, errors="replace") as f:
                return "".join(f.readlines()[-n:])
        except OSError:
            return ""


class Machine:
    """One emulated machine: add files and commands, then boot() once."""

    def __init__(self, vendor, hugepages_2m=0, hugepages_1g=0, paging_levels=4):
        """paging_levels (amd): the machine's kernel pages with 4 levels when
        QEMU boots its vmlinux through the PVH entry (fast), and with 5
        (CR4.LA57: kvm_amd's NPT is then 5-level too) when it boots vmlinuz,
        whose decompressor switches to 5-level paging on a CPU with LA57."""
        if vendor not in ("amd", "intel"):
            raise ValueError("vendor is amd or intel")
        if paging_levels not in (4, 5) or (vendor == "intel" and paging_levels == 5):
            raise ValueError("paging_levels is 4, or 5 on the amd machine (Bochs's CPU has no LA57)")
        self.vendor, self.paging_levels = vendor, paging_levels
        self.hugepages_2m, self.hugepages_1g = hugepages_2m, hugepages_1g
        self.work = tempfile.mkdtemp(prefix=f"tlbvisor-emukvm-{vendor}-")
        self.stage = os.path.join(self.work, "stage")
        os.makedirs(os.path.join(self.stage, VM_BIN.lstrip("/")))
        self.lines = []

    def _copy(self, src, dest):
        target = os.path.join(self.stage, dest.lstrip("/"))
        os.makedirs(os.path.dirname(target), exist_ok=True)
        if not os.path.exists(target):
            shutil.copy2(src, target, follow_symlinks=True)

    def add(self, host_path, name=None):
        """Put a file (an executable with its libraries) into /tv/bin; returns its path there."""
        vm_path = f"{VM_BIN}/{name or os.path.basename(host_path)}"
        self._copy(host_path, vm_path)
        with open(host_path, "rb") as f:
            elf = f.read(4) == b"\x7fELF"
        if elf:
            for lib in shared_libraries(host_path):
                self._copy(lib, lib)
        return vm_path

    def run(self, name, *argv):
        """Run argv; its stdout, stderr and exit status come back as NAME.stdout/.stderr/.rc."""
        self.lines.append("tv_run " + " ".join(shlex.quote(a) for a in (name, *argv)))

    def interrupt(self, name, path, pattern, *argv):
        """Run argv and send it SIGINT (Ctrl-C) once the file path (relative
        to the working directory) shows pattern (a grep basic regular
        expression); recorded as run() does."""
        self.lines.append("tv_interrupt " + " ".join(shlex.quote(a) for a in (name, path, pattern, *argv)))

    def shell(self, line):
        """A shell line run in /out (busybox sh)."""
        self.lines.append(line)

    def _initramfs(self):
        self._copy(INIT, "/init")
        os.chmod(os.path.join(self.stage, "init"), 0o755)
        with open(os.path.join(self.stage, "tv", "commands.sh"), "w") as f:
            f.write("\n".join(self.lines) + "\n")
        names = []
        for root, dirs, files in os.walk(self.stage):
            for d in dirs + files:
                names.append(os.path.relpath(os.path.join(root, d), self.stage))
        # gzip: the kernel takes an uncompressed archive after a compressed
        # one only at an offset it does not guarantee.
        run_cpio = os.path.join(self.work, "run.cpio.gz")
        archive = subprocess.run(["cpio", "-o", "-H", "newc", "--quiet"], input="\n".join(names).encode(),
                                 capture_output=True, cwd=self.stage, check=True).stdout
        with open(run_cpio, "wb") as out:
            out.write(gzip.compress(archive, compresslevel=1))
        return run_cpio

    def _cmdline(self):
        line = f"console=ttyS0 quiet panic=-1 init_on_alloc=0 mitigations=off tv.vendor={self.vendor}"
        if self.hugepages_1g:
            line += f" hugepagesz=1G hugepages={self.hugepages_1g}"
        if self.hugepages_2m:
            line += f" hugepagesz=2M hugepages={self.hugepages_2m}"
        return line

    def boot(self, timeout):
        """Boot, run every command, power off; returns the Result. Raises
        EmuKvmError when the machine cannot be built or does not finish."""
        missing = missing_tools(self.vendor)
        if missing:
            raise EmuKvmError("missing Debian packages: " + " ".join(missing) + "; fix: bash ci/setup.sh")
        kdir = kernel_dir(self.vendor)
        run_cpio = self._initramfs()
        outdir = os.path.join(self.work, "out")
        os.makedirs(outdir)
        console = os.path.join(self.work, "console.log")
        start = time.monotonic()
        if self.vendor == "amd":
            self._boot_qemu(kdir, run_cpio, outdir, console, timeout)
        else:
            self._boot_bochs(kdir, run_cpio, outdir, console, timeout)
        result = Result(outdir, console, time.monotonic() - start)
        if not result.finished():
            raise EmuKvmError(f"the {self.vendor} machine did not finish its commands; console:\n"
                              + result.console_tail())
        return result

    def _spawn(self, argv, log, timeout, env=None, drain_screen=False):
        with open(log, "w") as out:
            p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                 env=env, cwd=self.work)
            if drain_screen:
                threading.Thread(target=drain_bochs_screen, args=(log, p), daemon=True).start()
            try:
                p.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
                raise EmuKvmError(f"{argv[0]} did not power off within {timeout} s (see {log})")

    def _boot_qemu(self, kdir, run_cpio, outdir, console, timeout):
        initrd = os.path.join(self.work, "initrd")
        with open(initrd, "wb") as out:
            for part in (os.path.join(kdir, "base.cpio.gz"), run_cpio):
                with open(part, "rb") as f:
                    shutil.copyfileobj(f, out)
        mem = 1536 + 1024 * self.hugepages_1g + 2 * self.hugepages_2m
        argv = ["qemu-system-x86_64", "-accel", "tcg", "-cpu", "max", "-smp", "1", "-m", str(mem),
                "-display", "none", "-monitor", "none", "-no-reboot", "-serial", f"file:{console}",
                "-kernel", os.path.join(kdir, "vmlinux" if self.paging_levels == 4 else "vmlinuz"),
                "-initrd", initrd, "-append", self._cmdline(),
                "-virtfs", f"local,path={outdir},mount_tag=out,security_model=none,id=out"]
        self._spawn(argv, os.path.join(self.work, "qemu.log"), timeout)

    def _boot_bochs(self, kdir, run_cpio, outdir, console, timeout):
        iso_root = os.path.join(self.work, "iso")
        os.makedirs(os.path.join(iso_root, "boot", "grub"))
        shutil.copy(os.path.join(kdir, "vmlinuz"), os.path.join(iso_root, "boot", "vmlinuz"))
        shutil.copy(os.path.join(kdir, "base.cpio.gz"), os.path.join(iso_root, "boot", "base.cpio.gz"))
        shutil.copy(run_cpio, os.path.join(iso_root, "boot", "run.cpio.gz"))
        with open(os.path.join(iso_root, "boot", "grub", "grub.cfg"), "w") as f:
            f.write("set timeout=0\nserial --unit=0 --speed=115200\nterminal_output serial\n"
                    "menuentry emukvm {\n"
                    f"  linux /boot/vmlinuz {self._cmdline()}\n"
                    "  initrd /boot/base.cpio.gz /boot/run.cpio.gz\n}\n")
        iso = os.path.join(self.work, "emukvm.iso")
        r = subprocess.run(["grub-mkrescue", "-o", iso, iso_root], capture_output=True, text=True)
        if r.returncode != 0:
            raise EmuKvmError(f"grub-mkrescue failed: {r.stderr[-500:]}")
        cyl, heads, spt = DISK_GEOMETRY
        disk = os.path.join(self.work, "disk.img")
        with open(disk, "wb") as f:
            f.truncate(cyl * heads * spt * 512)
        megs = min(2048, 768 + 2 * self.hugepages_2m)
        cfg = os.path.join(self.work, "bochsrc")
        with open(cfg, "w") as f:
            f.write(f"megs: {megs}\n"
                    f"cpu: model=corei7_skylake_x, count=1, ips={BOCHS_IPS}, reset_on_triple_fault=0\n"
                    "romimage: file=/usr/share/bochs/BIOS-bochs-latest\n"
                    "vgaromimage: file=/usr/share/vgabios/vgabios.bin\n"
                    f"ata0-master: type=disk, path={disk}, mode=flat, cylinders={cyl}, heads={heads}, spt={spt}\n"
                    f"ata0-slave: type=cdrom, path={iso}, status=inserted\n"
                    "boot: cdrom\n"
                    f"com1: enabled=1, mode=file, dev={console}\n"
                    "display_library: term\n"
                    f"log: {os.path.join(self.work, 'bochs.log')}\n"
                    "panic: action=fatal\nerror: action=report\ninfo: action=ignore\ndebug: action=ignore\n"
                    "clock: sync=none, time0=local\n")
        rc = os.path.join(self.work, "bochs.rc")
        with open(rc, "w") as f:
            f.write("c\n")
        # Bochs needs TERM for its term display and aborts when glibc's
        # MALLOC_PERTURB_ is set (meson test sets it); it exits 1 even after a
        # clean power-off, so the disk's archive is the judge.
        env = {k: v for k, v in os.environ.items() if k != "MALLOC_PERTURB_"}
        env.setdefault("TERM", "dumb")
        self._spawn(["bochs", "-q", "-f", cfg, "-rc", rc], os.path.join(self.work, "bochs.out"), timeout, env,
                    drain_screen=True)
        try:
            with tarfile.open(disk, "r:") as t:
                t.extractall(outdir)
        except (tarfile.TarError, OSError) as e:
            raise EmuKvmError(f"no results on the Bochs disk ({e}); console:\n" + Result(outdir, console, 0).console_tail())

    def cleanup(self):
        shutil.rmtree(self.work, ignore_errors=True)


NESTED_PAGING_PARAM = {"amd": "kvm_amd.npt", "intel": "kvm_intel.ept"}


def boot_for_test(machine, timeout):
    """Boot for an end-to-end test (tvtest): a machine that did not run its
    commands is a failed check and ends the test; a KVM without nested
    paging there is a failed check. Returns the Result."""
    from tvtest import check, finish
    what = f"the emulated {machine.vendor} machine"
    try:
        res = machine.boot(timeout)
    except EmuKvmError as e:
        check(f"{what} ran its commands", False, str(e))
        finish()
    print(f"{what}: boot and commands took {res.seconds:.0f} s (emulated timings: correctness only)")
    info = res.machine()
    param = NESTED_PAGING_PARAM[machine.vendor]
    check(f"{what} has /dev/kvm with {param}=Y", info.get("dev_kvm") == "yes" and info.get("param." + param) == "Y",
          str(info)[:400])
    return res


def keep_on_failure(machine):
    """Remove the machine's files when every check passed; else say where
    they are (console log, outputs) for the diagnosis."""
    from tvtest import counts
    if counts["failed"]:
        print(f"the {machine.vendor} machine's files are kept in {machine.work}")
    else:
        machine.cleanup()


def cells(path):
    """A results JSON's cells: run_name -> the cell's first entry."""
    with open(path) as f:
        return tvtest.first_entries(json.load(f))


def main(argv):
    if len(argv) < 3 or argv[0] not in ("amd", "intel") or "--" not in argv:
        print(__doc__.split("As a program: ")[1].strip(), file=sys.stderr)
        return 2
    vendor, rest = argv[0], argv[1:]
    cmd = rest[rest.index("--") + 1:]
    m = Machine(vendor, hugepages_2m=16)
    build = os.path.join(ROOT, "build")
    m.add(os.path.join(build, "bench", "tlbvisor"))
    opts = rest[:rest.index("--")]
    for i, o in enumerate(opts):
        if o == "--in":
            m.add(opts[i + 1])
    m.run("cmd", *cmd)
    try:
        res = m.boot(timeout=3600)
    except EmuKvmError as e:
        print(f"emukvm: {e}", file=sys.stderr)
        return 1
    sys.stdout.write(res.stdout("cmd"))
    sys.stderr.write(res.stderr("cmd"))
    print(f"emukvm: {vendor} machine, {res.seconds:.0f} s (emulated: timings say nothing about performance); "
          f"files in {res.outdir}", file=sys.stderr)
    return res.rc("cmd") or 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
