/* The backend table: every backend once, reached through its enum value.
 * Adding a backend takes one line in BACKEND_LIST and one file NAME.c that
 * defines `const struct backend_ops backend_NAME`. */
#ifndef TLBVISOR_BACKEND_H
#define TLBVISOR_BACKEND_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

struct cell_result;
struct host_caps;
struct hv_emulator;
struct matrix;
struct payload;
struct run_config;

#define BACKEND_LIST(X)                                                          \
	X(NATIVE, native)       /* the chase in this process (native.c) */       \
	X(KVM, kvm)             /* the payload in a minimal KVM guest (kvm/) */  \
	X(BOCHS, bochs)         /* tlbvisor's hypervisor in Bochs (hypervisor/) */ \
	X(QEMU, qemu)           /* tlbvisor's hypervisor in QEMU (hypervisor/) */  \
	X(BAREMETAL, baremetal) /* tlbvisor's hypervisor on a real machine: iso, then ingest */

enum backend {
#define BACKEND_ENUM(id, name) BACKEND_##id,
	BACKEND_LIST(BACKEND_ENUM)
#undef BACKEND_ENUM
	BACKEND_COUNT
};

/* What every cell of a run shares, as a backend sees it. */
struct backend_env {
	const struct matrix *matrix;
	const struct run_config *cfg;
	const struct host_caps *host;
	const struct payload *payload;
};

#define BACKEND_MAX_GROUP 16

struct backend_ops {
	const char *label;       /* in `tlbvisor list` */
	bool has_guest;          /* its cells have a guest page size (all but native) */
	/* tlbvisor's own hypervisor: every cell has a VPID setting and an EPT
	 * depth, and the results say both. */
	bool own_hypervisor;
	/* kvm: --vpid and --ept-levels switch host module knobs, so they make
	 * cells only when given explicitly. */
	bool module_knobs;
	/* Can this host run the backend now? why says what it is, or why not
	 * and the fix. NULL: what `about` says, always. */
	bool (*available)(const struct host_caps *h, char *why, size_t len);
	const char *about;
	/* One cell at a time (native, kvm); MEASURE_INTERRUPTED leaves it pending. */
	int (*run_cell)(const struct backend_env *env, struct cell_result *r);
	/* Optional: n cells of one working set (same section, pattern and
	 * workload; at most BACKEND_MAX_GROUP) kept resident together and
	 * measured round-robin, one repetition of each in turn. Checks its
	 * memory and hugetlb budget first and otherwise runs them one after the
	 * other, saying why in each cell's order. Sets each cell's wall_seconds
	 * to its own time (its setup, teardown and phases, not the others');
	 * MEASURE_INTERRUPTED leaves them all pending. */
	int (*run_group)(const struct backend_env *env, struct cell_result *results, int n);
	/* Every cell of backend be at once (a booted hypervisor). *context gets
	 * what the results' context should say about it (may stay NULL). */
	int (*run_batch)(const struct backend_env *env, enum backend be, struct cell_result *results, int n,
			 json_t **context);
	/* Put back what running changed on the host (kvm: a module knob). */
	void (*restore_host)(void);
	/* tlbvisor's hypervisor in an emulator: how this one boots it. */
	const struct hv_emulator *emulator;
};

const struct backend_ops *backend_ops(enum backend b);
const char *backend_name(enum backend b);
int backend_parse(const char *s, enum backend *out);
/* Every backend's restore_host; safe to call more than once (atexit too). */
void backends_restore_host(void);
/* available(), or what `about` says when it has none. */
bool backend_available(enum backend b, const struct host_caps *h, char *why, size_t len);
/* Does `tlbvisor run` run it (rather than a real machine, as for baremetal)? */
bool backend_runs_here(enum backend b);

#endif
