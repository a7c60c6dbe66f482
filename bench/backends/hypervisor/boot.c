/* Booting tlbvisor's hypervisor in an emulator for a batch of cells: its
 * command line, the GRUB ISO, the boot, and the cells' results from its
 * serial log. bochs.c and qemu.c say how each emulator starts. */
#include "bench/backends/hypervisor/boot.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench/backends/hypervisor/serial_log.h"
#include "bench/backends/measure_host.h"
#include "bench/backends/payload.h"
#include "bench/host/host_caps.h"
#include "bench/matrix/matrix.h"
#include "bench/matrix/run_config.h"
#include "bench/run/run_loop.h"
#include "hv/hyp/cmdline_keys.h"
#include "lib/clock.h"
#include "lib/files.h"
#include "lib/json_util.h"
#include "lib/process.h"
#include "lib/units.h"

extern const uint8_t tv_hv_elf[];
extern const size_t tv_hv_elf_size;

static void append(char *buf, size_t len, const char *fmt, const char *s)
{
	size_t used = strlen(buf);
	snprintf(buf + used, len - used, fmt, s);
}

void hv_cmdline(const struct matrix *m, const struct run_config *cfg, double tsc_hz_emulated, bool probe,
		char *buf, size_t len)
{
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
		append(buf, len, i ? ",%s" : "%s", page_size_name(m->guest_pages[i]));
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
	snprintf(item, sizeof item, " " HV_KEY_REPS "=%d " HV_KEY_MAX_WARMUP "=%d", cfg->repetitions,
		 cfg->max_warmup_passes);
	append(buf, len, "%s", item);
	snprintf(item, sizeof item, " " HV_KEY_MIN_CYCLES "=%llu",
		 (unsigned long long)(cfg->min_time * tsc_hz_emulated));
	append(buf, len, "%s", item);
	snprintf(item, sizeof item, " " HV_KEY_STRIDE "=%llu " HV_KEY_SEED "=%llu", (unsigned long long)cfg->stride,
		 (unsigned long long)cfg->seed);
	append(buf, len, "%s", item);
	if (cfg->group) {
		snprintf(item, sizeof item, " " HV_KEY_GROUP "=%llu", (unsigned long long)cfg->group);
		append(buf, len, "%s", item);
	}
	if (cfg->exit_every) {
		snprintf(item, sizeof item, " " HV_KEY_EXIT_EVERY "=%llu", (unsigned long long)cfg->exit_every);
		append(buf, len, "%s", item);
	}
	if (cfg->exit_ticks) {
		snprintf(item, sizeof item, " " HV_KEY_EXIT_TICKS "=%llu", (unsigned long long)cfg->exit_ticks);
		append(buf, len, "%s", item);
	}
	snprintf(item, sizeof item, " " HV_KEY_WATCHDOG_TICKS "=%llu",
		 (unsigned long long)(cfg->guest_timeout * tsc_hz_emulated));
	append(buf, len, "%s", item);
	if (probe)
		append(buf, len, "%s", " " HV_FLAG_PROBE);
	if (m->exit_cost)
		append(buf, len, "%s", " " HV_FLAG_EXIT_COST);
	if (cfg->pt_split)
		append(buf, len, "%s", " " HV_FLAG_PT_SPLIT);
	for (int i = 0; i < cfg->nraw_events; i++) {
		snprintf(item, sizeof item, "%s0x%llx", i ? "," : " " HV_KEY_PMU "=",
			 (unsigned long long)cfg->raw_events[i]);
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

int hv_boot_program(char *const argv[], struct hv_boot *b)
{
	struct boot_progress progress = { .program = argv[0], .serial = b->serial, .total = b->ncells };
	struct spawn_options o = { .stdin_path = "/dev/null", .output_path = b->log, .own_process_group = true,
				   .timeout_s = b->timeout_s, .stop = &run_interrupted,
				   .poll = isatty(STDERR_FILENO) ? show_progress : NULL, .poll_arg = &progress };
	struct spawn_result res;
	int rc = spawn_run(argv, &o, &res);
	if (progress.shown)
		fprintf(stderr, "\r\033[K");
	b->timed_out = res.timed_out;
	b->interrupted = run_interrupted != 0;
	return rc;
}

/* GRUB's platform directories: grub-mkrescue puts a boot image for every
 * one it finds into the ISO (El Torito for BIOS and for UEFI, plus an MBR
 * and GPT so that the same file boots from a USB stick). */
#define GRUB_BIOS_DIR "/usr/lib/grub/i386-pc"
#define GRUB_EFI_DIR "/usr/lib/grub/x86_64-efi"

bool hv_iso_available(char *why, size_t len)
{
	if (program_in_path("grub-mkrescue") && program_in_path("xorriso") && access(GRUB_BIOS_DIR, R_OK) == 0)
		return true;
	snprintf(why, len, "grub-mkrescue, xorriso or GRUB for BIOS not installed; fix: apt-get install grub-pc-bin grub-common xorriso mtools");
	return false;
}

int hv_build_iso(const char *iso_path, const char *work_dir, const struct payload *p,
		 const char *cmdline, bool uefi, char *err, size_t errlen)
{
	if (run_interrupted) {
		snprintf(err, errlen, "interrupted");
		return -2;
	}
	if (!hv_iso_available(err, errlen))
		return -1;
	if (uefi && (access(GRUB_EFI_DIR, R_OK) != 0 || !program_in_path("mformat"))) {
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
	struct spawn_options o = { .stdin_path = "/dev/null", .output_path = log, .own_process_group = true,
				   .timeout_s = 120, .stop = &run_interrupted };
	int rc = spawn_run(argv, &o, NULL);
	if (run_interrupted) {
		snprintf(err, errlen, "interrupted");
		return -2;
	}
	if (rc != 0) {
		snprintf(err, errlen, "grub-mkrescue failed (see %s); fix: apt-get install grub-pc-bin xorriso mtools", log);
		return -1;
	}
	return 0;
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

static int run_emulator(const struct hv_emulator *emu, const struct hv_flavour *f, enum backend be,
			const struct matrix *m, const char *dir, const char *iso, double timeout_s, int ncells, char *err,
			size_t errlen, bool *interrupted)
{
	char serial[4096], log[4096];
	snprintf(serial, sizeof serial, "%s/serial.log", dir);
	snprintf(log, sizeof log, "%s/%s.out", dir, backend_name(be));
	/* RAM: 1 GiB below the working set (hypervisor, tables), the working set
	 * at 1 GiB, some room above. Cells that do not fit an emulator's limit
	 * are skipped by the hypervisor with the reason. */
	uint64_t megs = 1024 + ((max_ws(m) + (2u << 20) + (256u << 20) - 1) >> 20) / 256 * 256 + 256;
	if (emu->max_megs && megs > emu->max_megs)
		megs = emu->max_megs;
	struct hv_boot b = { .flavour = f, .dir = dir, .iso = iso, .serial = serial, .log = log, .megs = megs,
			     .timeout_s = timeout_s, .ncells = ncells };
	/* The exit status says little (Bochs exits 1 even after a clean
	 * shutdown): the serial log is judged instead. */
	if (emu->boot(&b, err, errlen) < 0)
		return -1;
	*interrupted = b.interrupted;
	if (b.interrupted)
		return 0;
	if (b.timed_out) {
		snprintf(err, errlen, "%s did not finish within %.0f s (see %s); fix: raise --vmx-timeout or run fewer cells",
			 backend_name(be), timeout_s, log);
		return -1;
	}
	return 0;
}

int hv_boot_run(const struct backend_env *env, enum backend be, struct cell_result *results, int n,
		json_t **context)
{
	const struct hv_emulator *emu = backend_ops(be)->emulator;
	const struct matrix *m = env->matrix;
	const struct run_config *cfg = env->cfg;
	const struct host_caps *h = env->host;
	char why[512], err[512], dir[1100];
	snprintf(dir, sizeof dir, "%s.%s", cfg->out, backend_name(be));
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
	if (!backend_available(be, h, why, sizeof why)) {
		for (int i = 0; i < n; i++)
			if (results[i].cell.backend == be && results[i].status == CELL_PENDING)
				result_skip(&results[i], "%s", why);
		return MEASURE_OK;
	}

	if (mkdirs(dir) < 0) {
		snprintf(err, sizeof err, "cannot create %s: %s", dir, strerror(errno));
		goto fail_all;
	}
	struct hv_flavour flavour;
	emu->flavour(h, &flavour);
	double tsc_emulated = emu->tsc_hz(h);
	char cmdline[4096], iso[4096], serial[4096];
	hv_cmdline(m, cfg, tsc_emulated, cfg->probe_nested_fault, cmdline, sizeof cmdline);
	snprintf(iso, sizeof iso, "%s/tlbvisor.iso", dir);
	snprintf(serial, sizeof serial, "%s/serial.log", dir);
	fprintf(stderr, "tlbvisor: booting tlbvisor's hypervisor in %s%s%s%s for %d cells (artifacts in %s)\n",
		backend_name(be), flavour.accel ? " (" : "", flavour.accel ? flavour.accel : "", flavour.accel ? ")" : "",
		todo, dir);
	int iso_rc = hv_build_iso(iso, dir, env->payload, cmdline, false, err, sizeof err);
	if (iso_rc == -2)
		return MEASURE_INTERRUPTED; /* nothing ran: the cells stay pending */
	if (iso_rc < 0)
		goto fail_all;
	bool interrupted = false;
	unlink(serial);
	if (run_emulator(emu, &flavour, be, m, dir, iso, cfg->vmx_timeout, todo, err, sizeof err, &interrupted) < 0)
		goto fail_all;
	if (interrupted && access(serial, R_OK) != 0)
		return MEASURE_INTERRUPTED;

	struct serial_log log;
	if (serial_log_read(serial, &log, err, sizeof err) < 0) {
		if (interrupted)
			return MEASURE_INTERRUPTED;
		emulator_message(be, dir, err, sizeof err);
		goto fail_all;
	}
	/* An emulated machine's own measurement of its TSC rate is no better
	 * than the emulator's (TCG's PIT can be 10% off): the emulator's rate
	 * counts there. */
	double tsc_hz = tsc_emulated;
	if (log.hello && json_int(log.hello, "tsc_hz") > 0 && !flavour.emulated)
		tsc_hz = (double)json_int(log.hello, "tsc_hz");
	for (int i = 0; i < n; i++) {
		struct cell_result *r = &results[i];
		if (r->cell.backend != be || r->status != CELL_PENDING)
			continue;
		size_t k;
		json_t *line;
		bool found = false;
		json_array_foreach(log.cells, k, line)
			if (serial_line_matches(line, &r->cell)) {
				serial_line_to_result(line, tsc_hz, r);
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
	json_object_set_new(ctx, "emulated", json_boolean(flavour.emulated));
	json_object_set_new(ctx, "note", json_string(flavour.note));
	json_object_set_new(ctx, "flavour", json_string(flavour.why));
	json_object_set_new(ctx, "tsc_hz", json_real(tsc_hz));
	json_object_set_new(ctx, "artifacts", json_string(dir));
	json_object_set_new(ctx, "cmdline", json_string(cmdline));
	json_object_set_new(ctx, "completed", json_boolean(log.done));
	if (log.hello)
		json_object_set(ctx, "hypervisor", log.hello);
	if (log.probe)
		json_object_set(ctx, "probe_nested_fault", log.probe);
	if (log.panic)
		json_object_set(ctx, "panic", log.panic);
	*context = ctx;
	serial_log_free(&log);
	return interrupted ? MEASURE_INTERRUPTED : MEASURE_OK;

fail_all:
	for (int i = 0; i < n; i++)
		if (results[i].cell.backend == be && results[i].status == CELL_PENDING)
			result_fail(&results[i], "%s", err);
	return MEASURE_OK;
}
