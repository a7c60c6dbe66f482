/* tlbvisor's own hypervisor as a backend: it is booted once from a GRUB ISO
 * with every cell of the backend on its command line, and the JSON lines it
 * prints on the serial console become the cells' results. The hypervisor
 * uses VMX or SVM, whichever the (emulated or real) processor offers. What
 * differs between emulators (Bochs; QEMU, on KVM or TCG) is a struct
 * hv_emulator in its own file; a real machine gets the same ISO (tlbvisor
 * iso) and its serial log is ingested (tlbvisor ingest). */
#ifndef TLBVISOR_BOOT_H
#define TLBVISOR_BOOT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "bench/backends/backend.h"

struct cell_result;
struct host_caps;
struct matrix;
struct hv_flavour;
struct payload;
struct run_config;

/* One boot of the hypervisor, as an emulator gets it. */
struct hv_boot {
	const struct hv_flavour *flavour; /* how the emulator runs on this host */
	const char *dir;      /* the artifacts directory: configs and logs go here */
	const char *iso;
	const char *serial;   /* where COM1 must go */
	const char *log;      /* the emulator's own output */
	uint64_t megs;        /* guest RAM */
	double timeout_s;     /* wall-clock limit */
	int ncells;           /* for the progress line */
	bool timed_out, interrupted; /* set by hv_boot_program */
};

/* How an emulator runs the hypervisor on this host, decided before it
 * boots (QEMU: on KVM where /dev/kvm offers nested VMX or SVM, else TCG). */
struct hv_flavour {
	bool emulated;        /* its cycles are not performance figures */
	const char *note;     /* what the results' context says about its timings */
	const char *accel;    /* QEMU's -accel (kvm, tcg); NULL for other emulators */
	const char *cpu;      /* QEMU's -cpu */
	char why[512];        /* which flavour and why: tlbvisor list, the results' context */
};

struct hv_emulator {
	uint64_t max_megs;    /* the most guest RAM it accepts (0: no limit) */
	/* The rate the guest's TSC counts at, unless the hypervisor reports
	 * one and the machine is not emulated. */
	double (*tsc_hz)(const struct host_caps *h);
	void (*flavour)(const struct host_caps *h, struct hv_flavour *f);
	/* Start the emulator on b->iso with hv_boot_program; -1 with err when
	 * it could not be set up. */
	int (*boot)(struct hv_boot *b, char *err, size_t errlen);
};

/* run_batch of an emulator backend (its backend_ops.emulator): boots the
 * hypervisor once for every cell of backend be and fills them (skipped
 * with the reason when the backend is unavailable). */
int hv_boot_run(const struct backend_env *env, enum backend be, struct cell_result *results, int n,
		json_t **context);
/* Run an emulator: stdin from /dev/null, output to b->log, stopped by
 * Ctrl-C or b->timeout_s, cells reported so far shown on a terminal. */
int hv_boot_program(char *const argv[], struct hv_boot *b);

/* The hypervisor's command line for a matrix. */
void hv_cmdline(const struct matrix *m, const struct run_config *cfg, double tsc_hz_emulated, bool probe,
		char *buf, size_t len);
/* Write a bootable ISO with the hypervisor, the payload and cmdline;
 * -2 when interrupted. With uefi, refuse to write one that would not also
 * boot under UEFI (a real machine may have no legacy boot). */
int hv_build_iso(const char *iso_path, const char *work_dir, const struct payload *p,
		 const char *cmdline, bool uefi, char *err, size_t errlen);
/* Are grub-mkrescue and xorriso there? why says the fix when not. */
bool hv_iso_available(char *why, size_t len);

#endif
