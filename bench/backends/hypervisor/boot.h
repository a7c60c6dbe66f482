/* The VMX backends (bochs, qemu): tlbvisor's own hypervisor is booted once
 * from a GRUB ISO with every cell of the backend on its command line; the
 * JSON lines it prints on the serial console become the cells' results. */
#ifndef TLBVISOR_BOOT_H
#define TLBVISOR_BOOT_H

#include <jansson.h>
#include <stdbool.h>

#include "bench/backends/backend.h"

struct vmx_options {
	double timeout_s;          /* emulator wall-clock limit */
	bool probe_ept_violation;  /* run the EPT-violation probe cell first */
	const char *artifacts_dir; /* where the ISO, configs and logs are kept */
};

/* The hypervisor's command line for the cells of backend be. */
void vmx_cmdline(const struct matrix *m, const struct run_config *cfg, enum backend be, double tsc_hz_emulated, bool probe,
		 char *buf, size_t len);

/* Write a bootable ISO with the hypervisor, the payload and cmdline. */
int vmx_build_iso(const char *iso_path, const char *work_dir, const struct payload *p,
		  const char *cmdline, char *err, size_t errlen);

/* Why this host cannot run backend be, or NULL. */
const char *vmx_backend_unavailable(enum backend be, const struct host_caps *h, char *buf, size_t len);

/* Run every cell of backend be in results[0..n); fills them (skipped with a
 * reason when the backend is unavailable). *context receives the
 * hypervisor's hello line and the artifacts (may stay NULL). Returns
 * MEASURE_INTERRUPTED when Ctrl-C stopped the emulator. */
int vmx_backend_run(enum backend be, const struct matrix *m, const struct run_config *cfg, const struct host_caps *h,
		    const struct payload *p, const struct vmx_options *o, struct cell_result *results,
		    int n, json_t **context);

/* Serial-log ingestion, shared with `tlbvisor ingest`. */
struct vmx_log {
	json_t *hello;   /* the hello line, or NULL */
	json_t *cells;   /* array of cell lines */
	json_t *probe;   /* the probe cell line, or NULL */
	json_t *panic;   /* a panic line, or NULL */
	bool done;       /* the hypervisor reached its end */
};
int vmx_log_read(const char *path, struct vmx_log *log, char *err, size_t errlen);
void vmx_log_free(struct vmx_log *log);
/* Does this cell line describe cell c? */
bool vmx_line_matches(json_t *line, const struct cell *c);
/* Fill r (whose cell is already set) from a cell line. */
void vmx_line_to_result(json_t *line, double tsc_hz, struct cell_result *r);
/* The cell a line describes, for logs from machines tlbvisor did not set up. */
int vmx_line_to_cell(json_t *line, enum backend be, struct cell *c);

#endif
