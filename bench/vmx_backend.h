/* The backends of tlbvisor's own hypervisor (bochs, qemu; VMX or SVM as the
 * emulated or real processor offers): it is booted once from a GRUB ISO
 * with every cell of the backend on its command line; the JSON lines it
 * prints on the serial console become the cells' results. */
#ifndef TLBVISOR_VMX_BACKEND_H
#define TLBVISOR_VMX_BACKEND_H

#include <jansson.h>
#include <stdbool.h>

#include "backend.h"

/* How --backend qemu runs the hypervisor here: KVM with -cpu host where
 * /dev/kvm offers nested VMX or SVM, else TCG with -cpu max (SVM and NPT
 * emulated). why says which and why, for `tlbvisor list` and the results. */
struct qemu_flavour {
	bool kvm;
	char why[512];
};
void qemu_flavour(const struct host_caps *h, struct qemu_flavour *f);

struct vmx_options {
	double timeout_s;          /* emulator wall-clock limit */
	bool probe_nested_fault;   /* run the nested-page-fault probe cell first */
	const char *artifacts_dir; /* where the ISO, configs and logs are kept */
	struct qemu_flavour qemu;  /* for BACKEND_QEMU */
};

/* The hypervisor's command line for the cells of backend be. */
void vmx_cmdline(const struct matrix *m, enum backend be, double tsc_hz_emulated, bool probe,
		 char *buf, size_t len);

/* Write a bootable ISO with the hypervisor, the payload and cmdline; with
 * uefi, refuse to write one that would not also boot under UEFI. */
int vmx_build_iso(const char *iso_path, const char *work_dir, const struct payload *p,
		  const char *cmdline, bool uefi, char *err, size_t errlen);

/* Why this host cannot run backend be, or NULL. */
const char *vmx_backend_unavailable(enum backend be, const struct host_caps *h, char *buf, size_t len);

/* Run every cell of backend be in results[0..n); fills them (skipped with a
 * reason when the backend is unavailable). *context receives the
 * hypervisor's hello line and the artifacts (may stay NULL). Returns
 * MEASURE_INTERRUPTED when Ctrl-C stopped the emulator. */
int vmx_backend_run(enum backend be, const struct matrix *m, const struct host_caps *h,
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
