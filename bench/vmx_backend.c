/* Booting tlbvisor's VMX hypervisor under Bochs or QEMU for a batch of cells. */
#include "vmx_backend.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "console.h"
#include "hv/hyp/cmdline_keys.h"
#include "parse.h"
#include "protocol.h"

extern const uint8_t tv_hv_elf[];
extern const size_t tv_hv_elf_size;
extern char **environ;

/* Emulated TSC rate used for Bochs (its instructions per second): Bochs
 * timings are instruction counts, not performance figures. */
#define BOCHS_IPS 50000000.0

static void append(char *buf, size_t len, const char *fmt, const char *s)
{
	size_t used = strlen(buf);
	snprintf(buf + used, len - used, fmt, s);
}

void vmx_cmdline(const struct matrix *m, enum backend be, double tsc_hz_emulated, bool probe,
		 char *buf, size_t len)
{
	(void)be;
	char item[64];
	buf[0] = '\0';
	append(buf, len, "%s", HV_KEY_WS "=");
	for (int i = 0; i < m->nws; i++) {
		snprintf(item, sizeof item, "%s%llu", i ? "," : "", (unsigned long long)m->ws[i]);
		append(buf, len, "%s", item);
	}
	append(buf, len, "%s", " " HV_KEY_PATTERN "=");
	for (int i = 0; i < m->npatterns; i++)
		append(buf, len, i ? ",%s" : "%s", pattern_name(m->patterns[i]));
	append(buf, len, "%s", " " HV_KEY_GUEST "=");
	for (int i = 0; i < m->nguest_pages; i++)
		append(buf, len, i ? ",%s" : "%s", guest_page_name(m->guest_pages[i]));
	append(buf, len, "%s", " " HV_KEY_NESTED "=");
	int nept = 0;
	for (int i = 0; i < m->nhost_pages; i++)
		if (m->host_pages[i] != HOST_PAGE_THP)
			append(buf, len, nept++ ? ",%s" : "%s", host_page_name(m->host_pages[i]));
	if (!nept)
		append(buf, len, "%s", "4k");
	append(buf, len, "%s", " " HV_KEY_TLB_TAG "=");
	for (int i = 0; i < m->nvpids; i++)
		append(buf, len, i ? ",%s" : "%s", m->vpids[i] ? "on" : "off");
	append(buf, len, "%s", " " HV_KEY_LEVELS "=");
	for (int i = 0; i < m->nept_levels; i++) {
		snprintf(item, sizeof item, "%s%u", i ? "," : "", m->ept_levels[i]);
		append(buf, len, "%s", item);
	}
	snprintf(item, sizeof item, " " HV_KEY_REPS "=%d " HV_KEY_MAX_WARMUP "=%d", m->repetitions,
		 m->max_warmup_passes);
	append(buf, len, "%s", item);
	snprintf(item, sizeof item, " " HV_KEY_MIN_CYCLES "=%llu", (unsigned long long)(m->min_time * tsc_hz_emulated));
	append(buf, len, "%s", item);
	snprintf(item, sizeof item, " " HV_KEY_STRIDE "=%llu " HV_KEY_SEED "=%llu", (unsigned long long)m->stride,
		 (unsigned long long)m->seed);
	append(buf, len, "%s", item);
	if (m->group) {
		snprintf(item, sizeof item, " " HV_KEY_GROUP "=%llu", (unsigned long long)m->group);
		append(buf, len, "%s", item);
	}
	if (m->exit_every) {
		snprintf(item, sizeof item, " " HV_KEY_EXIT_EVERY "=%llu", (unsigned long long)m->exit_every);
		append(buf, len, "%s", item);
	}
	if (m->exit_ticks) {
		snprintf(item, sizeof item, " " HV_KEY_EXIT_TICKS "=%llu", (unsigned long long)m->exit_ticks);
		append(buf, len, "%s", item);
	}
	snprintf(item, sizeof item, " " HV_KEY_WATCHDOG_TICKS "=%llu",
		 (unsigned long long)(m->guest_timeout * tsc_hz_emulated));
	append(buf, len, "%s", item);
	if (probe)
		append(buf, len, "%s", " " HV_FLAG_PROBE);
	if (m->exit_cost)
		append(buf, len, "%s", " " HV_FLAG_EXIT_COST);
	for (int i = 0; i < m->nraw_events; i++) {
		snprintf(item, sizeof item, "%s0x%llx", i ? "," : " " HV_KEY_PMU "=", (unsigned long long)m->raw_events[i]);
		append(buf, len, "%s", item);
	}
}

static int write_file(const char *path, const void *data, size_t size, char *err, size_t errlen)
{
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(data, 1, size, f) != size || fclose(f) != 0) {
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
		if (f)
			fclose(f);
		return -1;
	}
	return 0;
}

static int mkdirs(const char *path)
{
	char tmp[4096];
	snprintf(tmp, sizeof tmp, "%s", path);
	for (char *p = tmp + 1; *p; p++)
		if (*p == '/') {
			*p = '\0';
			if (mkdir(tmp, 0755) < 0 && errno != EEXIST)
				return -1;
			*p = '/';
		}
	return mkdir(tmp, 0755) < 0 && errno != EEXIST ? -1 : 0;
}

static bool in_path(const char *prog)
{
	const char *path = getenv("PATH");
	char buf[4096];
	snprintf(buf, sizeof buf, "%s", path ? path : "/usr/bin:/bin");
	char *save = NULL;
	for (char *dir = strtok_r(buf, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
		char full[4352];
		snprintf(full, sizeof full, "%s/%s", dir, prog);
		if (access(full, X_OK) == 0)
			return true;
	}
	return false;
}

/* Run argv with stdin from /dev/null and output to log; returns the exit
 * status, or -1. timeout_s <= 0: no limit. Polls progress_file, if given. */
static int run_program(char *const argv[], const char *log, double timeout_s, const char *progress_file,
		       int progress_total, bool *timed_out, bool *interrupted)
{
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	posix_spawn_file_actions_adddup2(&fa, 1, 2);
	/* Its own process group: Ctrl-C reaches tlbvisor only, which then
	 * decides to stop the child (and records the cells as unfinished). */
	posix_spawnattr_t attr;
	posix_spawnattr_init(&attr);
	posix_spawnattr_setpgroup(&attr, 0);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
	pid_t pid;
	int rc = posix_spawnp(&pid, argv[0], &fa, &attr, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	*timed_out = false;
	*interrupted = protocol_interrupted != 0;
	if (rc != 0)
		return -1;
	double start = monotonic_seconds();
	bool tty = isatty(STDERR_FILENO);
	for (;;) {
		int status;
		pid_t w = waitpid(pid, &status, WNOHANG);
		if (w == pid) {
			if (tty && progress_file)
				fprintf(stderr, "\r\033[K");
			*interrupted = protocol_interrupted != 0;
			return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
		}
		double elapsed = monotonic_seconds() - start;
		if (protocol_interrupted || (timeout_s > 0 && elapsed > timeout_s)) {
			*interrupted = protocol_interrupted != 0;
			*timed_out = !*interrupted;
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			if (tty && progress_file)
				fprintf(stderr, "\r\033[K");
			return -1;
		}
		if (tty && progress_file) {
			int done = 0;
			FILE *f = fopen(progress_file, "r");
			if (f) {
				char line[4096];
				while (fgets(line, sizeof line, f))
					done += strstr(line, "{\"cell\":") != NULL;
				fclose(f);
			}
			fprintf(stderr, "\r\033[K[%s] %d of %d cells reported, elapsed %.0fs", argv[0], done,
				progress_total, elapsed);
		}
		usleep(200000);
	}
}

/* GRUB's platform directories: grub-mkrescue puts a boot image for every
 * one it finds into the ISO (El Torito for BIOS and for UEFI, plus an MBR
 * and GPT so that the same file boots from a USB stick). */
#define GRUB_BIOS_DIR "/usr/lib/grub/i386-pc"
#define GRUB_EFI_DIR "/usr/lib/grub/x86_64-efi"

int vmx_build_iso(const char *iso_path, const char *work_dir, const struct payload *p,
		  const char *cmdline, bool uefi, char *err, size_t errlen)
{
	if (protocol_interrupted) {
		snprintf(err, errlen, "interrupted");
		return -2;
	}
	if (!in_path("grub-mkrescue") || !in_path("xorriso") || access(GRUB_BIOS_DIR, R_OK) != 0) {
		snprintf(err, errlen, "grub-mkrescue, xorriso or GRUB for BIOS not found; fix: apt-get install grub-pc-bin grub-common xorriso mtools");
		return -1;
	}
	if (uefi && (access(GRUB_EFI_DIR, R_OK) != 0 || !in_path("mformat"))) {
		snprintf(err, errlen, "GRUB for UEFI (" GRUB_EFI_DIR ") or mtools not found, so the image would boot only by legacy BIOS; fix: apt-get install grub-efi-amd64-bin mtools");
		return -1;
	}
	char path[4096];
	snprintf(path, sizeof path, "%s/iso/boot/grub", work_dir);
	if (mkdirs(path) < 0) {
		snprintf(err, errlen, "cannot create %s: %s", path, strerror(errno));
		return -1;
	}
	snprintf(path, sizeof path, "%s/iso/boot/tlbvisor-hv.elf", work_dir);
	if (write_file(path, tv_hv_elf, tv_hv_elf_size, err, errlen) < 0)
		return -1;
	snprintf(path, sizeof path, "%s/iso/boot/payload.elf", work_dir);
	if (write_file(path, p->image, p->size, err, errlen) < 0)
		return -1;
	char cfg[8192];
	snprintf(cfg, sizeof cfg,
		 "# generated by tlbvisor\n"
		 "set timeout=0\nset default=0\n"
		 "serial --unit=0 --speed=115200\n"
		 "menuentry \"tlbvisor\" {\n"
		 "  multiboot2 /boot/tlbvisor-hv.elf %s\n"
		 "  module2 /boot/payload.elf payload\n"
		 "  boot\n}\n",
		 cmdline);
	snprintf(path, sizeof path, "%s/iso/boot/grub/grub.cfg", work_dir);
	if (write_file(path, cfg, strlen(cfg), err, errlen) < 0)
		return -1;
	char iso_dir[4096], log[4096];
	snprintf(iso_dir, sizeof iso_dir, "%s/iso", work_dir);
	snprintf(log, sizeof log, "%s/grub-mkrescue.log", work_dir);
	char *argv[] = { "grub-mkrescue", "-o", (char *)iso_path, iso_dir, NULL };
	bool to, intr;
	int rc = run_program(argv, log, 120, NULL, 0, &to, &intr);
	if (intr) {
		snprintf(err, errlen, "interrupted");
		return -2;
	}
	if (rc != 0) {
		snprintf(err, errlen, "grub-mkrescue failed (see %s); fix: apt-get install grub-pc-bin xorriso mtools", log);
		return -1;
	}
	return 0;
}

/* A module parameter host_caps recorded ("kvm_amd.nested"), or "". */
static const char *kvm_param(const struct host_caps *h, const char *name)
{
	for (int i = 0; i < h->nkvm_params; i++)
		if (!strcmp(h->kvm_params[i].name, name))
			return h->kvm_params[i].value;
	return "";
}

static bool yes(const char *v)
{
	return v[0] == 'Y' || v[0] == 'y' || v[0] == '1';
}

void qemu_flavour(const struct host_caps *h, struct qemu_flavour *f)
{
	const char *intel = kvm_param(h, "kvm_intel.nested"), *amd = kvm_param(h, "kvm_amd.nested");
	f->kvm = h->kvm_ok && (yes(intel) || yes(amd));
	if (f->kvm)
		snprintf(f->why, sizeof f->why, "KVM with -cpu host: /dev/kvm offers nested %s (%s.nested=%s)",
			 yes(intel) ? "VMX" : "SVM", yes(intel) ? "kvm_intel" : "kvm_amd", yes(intel) ? intel : amd);
	else if (!h->kvm_ok)
		snprintf(f->why, sizeof f->why, "TCG with -cpu max (SVM/NPT emulated, timings not performance figures): no usable /dev/kvm (%s)",
			 h->kvm_reason);
	else
		snprintf(f->why, sizeof f->why, "TCG with -cpu max (SVM/NPT emulated, timings not performance figures): /dev/kvm offers no nested VMX or SVM (KVM modules: %s)",
			 h->kvm_modules);
}

const char *vmx_backend_unavailable(enum backend be, const struct host_caps *h, char *buf, size_t len)
{
	(void)h;
	if (!in_path("grub-mkrescue") || !in_path("xorriso")) {
		snprintf(buf, len, "grub-mkrescue/xorriso not installed; fix: apt-get install grub-pc-bin grub-common xorriso mtools");
		return buf;
	}
	if (be == BACKEND_BOCHS) {
		if (!in_path("bochs") || access("/usr/share/bochs/BIOS-bochs-latest", R_OK) != 0) {
			snprintf(buf, len, "Bochs not installed; fix: apt-get install bochs bochsbios vgabios bochs-term");
			return buf;
		}
		return NULL;
	}
	if (!in_path("qemu-system-x86_64")) {
		snprintf(buf, len, "qemu-system-x86_64 not installed; fix: apt-get install qemu-system-x86");
		return buf;
	}
	return NULL;
}

/* When the emulator stopped before the hypervisor printed anything, its own
 * last words say why (e.g. Bochs refusing its configuration). */
static void emulator_message(enum backend be, const char *dir, char *err, size_t errlen)
{
	char path[4096], line[512], last[512] = "";
	snprintf(path, sizeof path, "%s/%s.out", dir, backend_name(be));
	FILE *f = fopen(path, "r");
	if (!f)
		return;
	while (fgets(line, sizeof line, f))
		if (strstr(line, "PANIC") || strstr(line, "exiting") || strstr(line, "rror") ||
		    strstr(line, "out of range"))
			snprintf(last, sizeof last, "%s", line);
	fclose(f);
	last[strcspn(last, "\n")] = '\0';
	if (last[0]) {
		size_t used = strlen(err);
		snprintf(err + used, errlen - used, "; %s said: %s", backend_name(be), last);
	}
}

static uint64_t max_ws(const struct matrix *m)
{
	uint64_t w = 0;
	for (int i = 0; i < m->nws; i++)
		if (m->ws[i] > w)
			w = m->ws[i];
	return w;
}

static int run_emulator(enum backend be, const struct matrix *m, const char *dir, const char *iso,
			const struct vmx_options *o, int ncells, char *err, size_t errlen, bool *interrupted)
{
	char serial[4096], log[4096], cfg[4096];
	snprintf(serial, sizeof serial, "%s/serial.log", dir);
	snprintf(log, sizeof log, "%s/%s.out", dir, backend_name(be));
	/* RAM: 1 GiB below the working set (hypervisor, tables), the working set
	 * at 1 GiB, some room above. */
	uint64_t megs = 1024 + ((max_ws(m) + (2u << 20) + (256u << 20) - 1) >> 20) / 256 * 256 + 256;
	/* Bochs 2.7 accepts at most 2048 MiB; cells that do not fit are skipped
	 * by the hypervisor with the reason. */
	if (be == BACKEND_BOCHS && megs > 2048)
		megs = 2048;
	bool to = false;
	int rc;
	if (be == BACKEND_BOCHS) {
		char rc_path[4096];
		snprintf(cfg, sizeof cfg, "%s/bochsrc", dir);
		snprintf(rc_path, sizeof rc_path, "%s/bochs.cmds", dir);
		char text[4096];
		/* A VMX-capable model with EPT; no triple-fault reset; serial to a
		 * file; headless 'term' display (needs TERM); no real-time sync. */
		snprintf(text, sizeof text,
			 "# generated by tlbvisor\n"
			 "megs: %llu\n"
			 "cpu: model=corei7_skylake_x, count=1, ips=%.0f, reset_on_triple_fault=0\n"
			 "romimage: file=/usr/share/bochs/BIOS-bochs-latest\n"
			 "vgaromimage: file=/usr/share/vgabios/vgabios.bin\n"
			 "ata0-master: type=cdrom, path=%s, status=inserted\n"
			 "boot: cdrom\n"
			 "com1: enabled=1, mode=file, dev=%s\n"
			 "port_e9_hack: enabled=1\n"
			 "display_library: term\n"
			 "log: %s/bochs.log\n"
			 "panic: action=fatal\nerror: action=report\ninfo: action=ignore\ndebug: action=ignore\n"
			 "clock: sync=none, time0=local\n",
			 (unsigned long long)megs, BOCHS_IPS, iso, serial, dir);
		if (write_file(cfg, text, strlen(text), err, errlen) < 0 ||
		    write_file(rc_path, "c\n", 2, err, errlen) < 0)
			return -1;
		if (!getenv("TERM"))
			setenv("TERM", "dumb", 1);
		/* Bochs 2.7 aborts ("buffer overflow detected") when glibc's
		 * MALLOC_PERTURB_ is set, as meson test sets it. */
		unsetenv("MALLOC_PERTURB_");
		char *argv[] = { "bochs", "-q", "-f", cfg, "-rc", rc_path, NULL };
		rc = run_program(argv, log, o->timeout_s, serial, ncells, &to, interrupted);
	} else {
		char mem[32], ser[4200];
		snprintf(mem, sizeof mem, "%llu", (unsigned long long)megs);
		snprintf(ser, sizeof ser, "file:%s", serial);
		/* KVM where it offers nested VMX/SVM (-cpu host passes the
		 * extension through), else TCG, whose -cpu max has SVM and NPT. */
		char *argv[] = { "qemu-system-x86_64", "-machine", "q35", "-accel", o->qemu.kvm ? "kvm" : "tcg",
				 "-cpu", o->qemu.kvm ? "host" : "max", "-m", mem, "-cdrom", (char *)iso,
				 "-serial", ser, "-display", "none", "-net", "none", "-no-reboot",
				 "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04", NULL };
		rc = run_program(argv, log, o->timeout_s, serial, ncells, &to, interrupted);
	}
	(void)rc; /* Bochs exits 1 even after a clean shutdown: judge by the log */
	if (*interrupted)
		return 0;
	if (to) {
		snprintf(err, errlen, "%s did not finish within %.0f s (see %s); fix: raise --vmx-timeout or run fewer cells",
			 backend_name(be), o->timeout_s, log);
		return -1;
	}
	return 0;
}

int vmx_backend_run(enum backend be, const struct matrix *m, const struct host_caps *h,
		    const struct payload *p, const struct vmx_options *o, struct cell_result *results,
		    int n, json_t **context)
{
	char why[512], err[512];
	int todo = 0;
	for (int i = 0; i < n; i++) {
		struct cell_result *r = &results[i];
		if (r->cell.backend != be)
			continue;
		if (r->cell.workload == WORKLOAD_CHASE && r->cell.host_page == HOST_PAGE_THP)
			result_skip(r, "thp is not an EPT leaf size; use --host-page 4k, 2m or 1g with --backend %s",
				    backend_name(be));
		else
			todo++;
	}
	if (!todo)
		return MEASURE_OK;
	const char *no = vmx_backend_unavailable(be, h, why, sizeof why);
	if (no) {
		for (int i = 0; i < n; i++)
			if (results[i].cell.backend == be && results[i].status == CELL_PENDING)
				result_skip(&results[i], "%s", no);
		return MEASURE_OK;
	}

	if (mkdirs(o->artifacts_dir) < 0) {
		snprintf(err, sizeof err, "cannot create %s: %s", o->artifacts_dir, strerror(errno));
		goto fail_all;
	}
	/* Bochs counts instructions; QEMU's guest TSC is the host's, under TCG too. */
	double tsc_emulated = be == BACKEND_BOCHS ? BOCHS_IPS : h->tsc_hz;
	char cmdline[4096], iso[4096], serial[4096];
	vmx_cmdline(m, be, tsc_emulated, o->probe_nested_fault, cmdline, sizeof cmdline);
	snprintf(iso, sizeof iso, "%s/tlbvisor.iso", o->artifacts_dir);
	snprintf(serial, sizeof serial, "%s/serial.log", o->artifacts_dir);
	fprintf(stderr, "tlbvisor: booting tlbvisor's hypervisor in %s%s%s for %d cells (artifacts in %s)\n",
		backend_name(be), be == BACKEND_QEMU ? " " : "", be == BACKEND_QEMU ? (o->qemu.kvm ? "(KVM)" : "(TCG)") : "",
		todo, o->artifacts_dir);
	int iso_rc = vmx_build_iso(iso, o->artifacts_dir, p, cmdline, false, err, sizeof err);
	if (iso_rc == -2)
		return MEASURE_INTERRUPTED; /* nothing ran: the cells stay pending */
	if (iso_rc < 0)
		goto fail_all;
	bool interrupted = false;
	unlink(serial);
	if (run_emulator(be, m, o->artifacts_dir, iso, o, todo, err, sizeof err, &interrupted) < 0)
		goto fail_all;
	if (interrupted && access(serial, R_OK) != 0)
		return MEASURE_INTERRUPTED;

	struct vmx_log log;
	if (vmx_log_read(serial, &log, err, sizeof err) < 0) {
		if (interrupted)
			return MEASURE_INTERRUPTED;
		emulator_message(be, o->artifacts_dir, err, sizeof err);
		goto fail_all;
	}
	/* The guest's TSC is the host's under QEMU (TCG and KVM alike), whose
	 * rate tlbvisor knows better than the hypervisor can measure it in an
	 * emulator; Bochs counts instructions. */
	double tsc_hz = tsc_emulated;
	for (int i = 0; i < n; i++) {
		struct cell_result *r = &results[i];
		if (r->cell.backend != be || r->status != CELL_PENDING)
			continue;
		size_t k;
		json_t *line;
		bool found = false;
		json_array_foreach(log.cells, k, line)
			if (vmx_line_matches(line, &r->cell)) {
				vmx_line_to_result(line, tsc_hz, r);
				found = true;
				break;
			}
		if (!found && !interrupted) {
			const char *panic = log.panic ? json_string_value(json_object_get(log.panic, "reason")) : NULL;
			result_fail(r, "the hypervisor did not report this cell%s%s (see %s)", panic ? ": " : "",
				    panic ? panic : "", serial);
		}
	}
	json_t *ctx = json_object();
	bool emulated = be == BACKEND_BOCHS || !o->qemu.kvm;
	json_object_set_new(ctx, "emulated", json_boolean(emulated));
	json_object_set_new(ctx, "note", json_string(be == BACKEND_BOCHS
		? "Bochs is an emulator: its cycles count emulated instructions and its TLB is flushed on every VM entry and exit; these timings are not performance figures"
		: emulated ? "QEMU TCG is an emulator (SVM and nested paging emulated in software, no hardware TLB or counters); these timings are not performance figures"
			   : "QEMU with KVM and nested virtualization: timings include the outer hypervisor"));
	if (be == BACKEND_QEMU)
		json_object_set_new(ctx, "qemu", json_string(o->qemu.why));
	json_object_set_new(ctx, "tsc_hz", json_real(tsc_hz));
	json_object_set_new(ctx, "artifacts", json_string(o->artifacts_dir));
	json_object_set_new(ctx, "cmdline", json_string(cmdline));
	json_object_set_new(ctx, "completed", json_boolean(log.done));
	if (log.hello)
		json_object_set(ctx, "hypervisor", log.hello);
	if (log.probe)
		json_object_set(ctx, "probe_nested_fault", log.probe);
	if (log.panic)
		json_object_set(ctx, "panic", log.panic);
	*context = ctx;
	vmx_log_free(&log);
	return interrupted ? MEASURE_INTERRUPTED : MEASURE_OK;

fail_all:
	for (int i = 0; i < n; i++)
		if (results[i].cell.backend == be && results[i].status == CELL_PENDING)
			result_fail(&results[i], "%s", err);
	return MEASURE_OK;
}
