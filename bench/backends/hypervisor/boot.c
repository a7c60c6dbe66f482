/* Booting tlbvisor's VMX hypervisor under Bochs or QEMU for a batch of cells. */
#include "bench/backends/hypervisor/boot.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/clock.h"
#include "lib/files.h"
#include "lib/json_util.h"
#include "lib/process.h"
#include "lib/sysfs.h"
#include "lib/units.h"
#include "bench/backends/measure_host.h"

extern const uint8_t tv_hv_elf[];
extern const size_t tv_hv_elf_size;

/* Emulated TSC rate used for Bochs (its instructions per second): Bochs
 * timings are instruction counts, not performance figures. */
#define BOCHS_IPS 50000000.0

static void append(char *buf, size_t len, const char *fmt, const char *s)
{
	size_t used = strlen(buf);
	snprintf(buf + used, len - used, fmt, s);
}

void vmx_cmdline(const struct matrix *m, const struct run_config *cfg, enum backend be, double tsc_hz_emulated, bool probe,
		 char *buf, size_t len)
{
	(void)be;
	char item[64];
	buf[0] = '\0';
	append(buf, len, "%s", "ws=");
	for (int i = 0; i < m->nws; i++) {
		snprintf(item, sizeof item, "%s%llu", i ? "," : "", (unsigned long long)m->ws[i]);
		append(buf, len, "%s", item);
	}
	append(buf, len, "%s", " pattern=");
	for (int i = 0; i < m->npatterns; i++)
		append(buf, len, i ? ",%s" : "%s", pattern_name(m->patterns[i]));
	append(buf, len, "%s", " guest=");
	for (int i = 0; i < m->nguest_pages; i++)
		append(buf, len, i ? ",%s" : "%s", page_size_name(m->guest_pages[i]));
	append(buf, len, "%s", " ept=");
	int nept = 0;
	for (int i = 0; i < m->nhost_pages; i++)
		if (m->host_pages[i] != HOST_PAGE_THP)
			append(buf, len, nept++ ? ",%s" : "%s", host_page_name(m->host_pages[i]));
	if (!nept)
		append(buf, len, "%s", "4k");
	append(buf, len, "%s", " vpid=");
	for (int i = 0; i < m->nvpids; i++)
		append(buf, len, i ? ",%s" : "%s", m->vpids[i] ? "on" : "off");
	append(buf, len, "%s", " levels=");
	for (int i = 0; i < m->nept_levels; i++) {
		snprintf(item, sizeof item, "%s%u", i ? "," : "", m->ept_levels[i]);
		append(buf, len, "%s", item);
	}
	snprintf(item, sizeof item, " reps=%d max_warmup=%d", cfg->repetitions, cfg->max_warmup_passes);
	append(buf, len, "%s", item);
	snprintf(item, sizeof item, " min_cycles=%llu", (unsigned long long)(cfg->min_time * tsc_hz_emulated));
	append(buf, len, "%s", item);
	snprintf(item, sizeof item, " stride=%llu seed=%llu", (unsigned long long)cfg->stride,
		 (unsigned long long)cfg->seed);
	append(buf, len, "%s", item);
	if (cfg->group) {
		snprintf(item, sizeof item, " group=%llu", (unsigned long long)cfg->group);
		append(buf, len, "%s", item);
	}
	if (cfg->exit_every) {
		snprintf(item, sizeof item, " exit_every=%llu", (unsigned long long)cfg->exit_every);
		append(buf, len, "%s", item);
	}
	if (cfg->exit_ticks) {
		snprintf(item, sizeof item, " exit_ticks=%llu", (unsigned long long)cfg->exit_ticks);
		append(buf, len, "%s", item);
	}
	snprintf(item, sizeof item, " watchdog_ticks=%llu", (unsigned long long)(cfg->guest_timeout * tsc_hz_emulated));
	append(buf, len, "%s", item);
	if (probe)
		append(buf, len, "%s", " probe_ept_violation");
	if (m->exit_cost)
		append(buf, len, "%s", " exit_cost");
	for (int i = 0; i < cfg->nraw_events; i++) {
		snprintf(item, sizeof item, "%s0x%llx", i ? "," : " pmu=", (unsigned long long)cfg->raw_events[i]);
		append(buf, len, "%s", item);
	}
}

struct boot_progress {
	const char *program;
	const char *serial;  /* the serial log whose cell lines are counted */
	int total;
	bool shown;
};

/* On a terminal: how many cells the hypervisor has reported so far. */
static void show_progress(void *arg, double elapsed)
{
	struct boot_progress *p = arg;
	int done = 0;
	FILE *f = fopen(p->serial, "r");
	if (f) {
		char line[4096];
		while (fgets(line, sizeof line, f))
			done += strstr(line, "{\"cell\":") != NULL;
		fclose(f);
	}
	fprintf(stderr, "\r\033[K[%s] %d of %d cells reported, elapsed %.0fs", p->program, done, p->total, elapsed);
	p->shown = true;
}

/* Run argv with stdin from /dev/null and output to log, stopped by Ctrl-C
 * or timeout_s (<= 0: no limit); returns the exit status, or -1. On a
 * terminal the cells reported in progress_file (if given) are shown. */
static int run_program(char *const argv[], const char *log, double timeout_s, const char *progress_file,
		       int progress_total, bool *timed_out, bool *interrupted)
{
	struct boot_progress progress = { .program = argv[0], .serial = progress_file, .total = progress_total };
	bool tty = isatty(STDERR_FILENO);
	struct spawn_options o = { .stdin_path = "/dev/null", .output_path = log, .own_process_group = true,
				   .timeout_s = timeout_s, .stop = &protocol_interrupted,
				   .poll = tty && progress_file ? show_progress : NULL, .poll_arg = &progress };
	struct spawn_result res;
	int rc = spawn_run(argv, &o, &res);
	if (progress.shown)
		fprintf(stderr, "\r\033[K");
	*timed_out = res.timed_out;
	*interrupted = protocol_interrupted != 0;
	return rc;
}

int vmx_build_iso(const char *iso_path, const char *work_dir, const struct payload *p,
		  const char *cmdline, char *err, size_t errlen)
{
	if (protocol_interrupted) {
		snprintf(err, errlen, "interrupted");
		return -2;
	}
	if (!program_in_path("grub-mkrescue") || !program_in_path("xorriso")) {
		snprintf(err, errlen, "grub-mkrescue or xorriso not found; fix: apt-get install grub-pc-bin grub-common xorriso mtools");
		return -1;
	}
	char path[4096];
	snprintf(path, sizeof path, "%s/iso/boot/grub", work_dir);
	if (mkdirs(path) < 0) {
		snprintf(err, errlen, "cannot create %s: %s", path, strerror(errno));
		return -1;
	}
	snprintf(path, sizeof path, "%s/iso/boot/tlbvisor-hv.elf", work_dir);
	if (file_write(path, tv_hv_elf, tv_hv_elf_size, err, errlen) < 0)
		return -1;
	snprintf(path, sizeof path, "%s/iso/boot/payload.elf", work_dir);
	if (file_write(path, p->image, p->size, err, errlen) < 0)
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
	if (file_write(path, cfg, strlen(cfg), err, errlen) < 0)
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

const char *vmx_backend_unavailable(enum backend be, const struct host_caps *h, char *buf, size_t len)
{
	if (!program_in_path("grub-mkrescue") || !program_in_path("xorriso")) {
		snprintf(buf, len, "grub-mkrescue/xorriso not installed; fix: apt-get install grub-pc-bin grub-common xorriso mtools");
		return buf;
	}
	if (be == BACKEND_BOCHS) {
		if (!program_in_path("bochs") || access("/usr/share/bochs/BIOS-bochs-latest", R_OK) != 0) {
			snprintf(buf, len, "Bochs not installed; fix: apt-get install bochs bochsbios vgabios bochs-term");
			return buf;
		}
		return NULL;
	}
	/* QEMU needs KVM that exposes VMX to its guests (nested VMX). */
	if (!program_in_path("qemu-system-x86_64")) {
		snprintf(buf, len, "qemu-system-x86_64 not installed; fix: apt-get install qemu-system-x86");
		return buf;
	}
	if (!h->kvm_ok) {
		snprintf(buf, len, "QEMU with nested VMX needs /dev/kvm: %s", h->kvm_reason);
		return buf;
	}
	static const char nested[] = "/sys/module/kvm_intel/parameters/nested";
	char v[16];
	bool intel = sysfs_read(nested, v, sizeof v) == 0;
	if (!sysfs_yes(nested)) {
		snprintf(buf, len, "QEMU backend needs KVM with nested VMX (an Intel host with kvm_intel nested=1); this host has %s (%s); use --backend bochs",
			 intel ? "kvm_intel with nested off" : "no kvm_intel", h->kvm_modules);
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
		if (file_write(cfg, text, strlen(text), err, errlen) < 0 ||
		    file_write(rc_path, "c\n", 2, err, errlen) < 0)
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
		char *argv[] = { "qemu-system-x86_64", "-machine", "q35", "-enable-kvm", "-cpu", "host,+vmx",
				 "-m", mem, "-cdrom", (char *)iso, "-serial", ser, "-display", "none",
				 "-no-reboot", "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04", NULL };
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

int vmx_backend_run(enum backend be, const struct matrix *m, const struct run_config *cfg, const struct host_caps *h,
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
	double tsc_emulated = be == BACKEND_BOCHS ? BOCHS_IPS : h->tsc_hz;
	char cmdline[4096], iso[4096], serial[4096];
	vmx_cmdline(m, cfg, be, tsc_emulated, o->probe_ept_violation, cmdline, sizeof cmdline);
	snprintf(iso, sizeof iso, "%s/tlbvisor.iso", o->artifacts_dir);
	snprintf(serial, sizeof serial, "%s/serial.log", o->artifacts_dir);
	fprintf(stderr, "tlbvisor: booting the VMX hypervisor in %s for %d cells (artifacts in %s)\n",
		backend_name(be), todo, o->artifacts_dir);
	int iso_rc = vmx_build_iso(iso, o->artifacts_dir, p, cmdline, err, sizeof err);
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
	double tsc_hz = tsc_emulated;
	if (log.hello && json_int(log.hello, "tsc_hz") > 0 && be != BACKEND_BOCHS)
		tsc_hz = (double)json_int(log.hello, "tsc_hz");
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
	json_object_set_new(ctx, "emulated", json_boolean(be == BACKEND_BOCHS));
	json_object_set_new(ctx, "note", json_string(be == BACKEND_BOCHS
		? "Bochs is an emulator: its cycles count emulated instructions and its TLB is flushed on every VM entry and exit; these timings are not performance figures"
		: "QEMU with nested VMX: timings include the outer hypervisor"));
	json_object_set_new(ctx, "tsc_hz", json_real(tsc_hz));
	json_object_set_new(ctx, "artifacts", json_string(o->artifacts_dir));
	json_object_set_new(ctx, "cmdline", json_string(cmdline));
	json_object_set_new(ctx, "completed", json_boolean(log.done));
	if (log.hello)
		json_object_set(ctx, "hypervisor", log.hello);
	if (log.probe)
		json_object_set(ctx, "probe_ept_violation", log.probe);
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
