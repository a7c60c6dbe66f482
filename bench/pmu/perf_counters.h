/*
 * PMU counters by name through libpfm4 (pfm_get_os_event_encoding into a
 * perf_event_attr), opened as one perf_event group per thread with
 * time_enabled/time_running, read around each phase, scaled when the kernel
 * multiplexed them. Presets name the page-walk events of each
 * microarchitecture; generic perf events are the fallback.
 */
#ifndef TLBVISOR_PERF_COUNTERS_H
#define TLBVISOR_PERF_COUNTERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PMU_MAX_EVENTS 8
#define PMU_NAME 80

enum pmu_scope {
	PMU_USER,       /* this thread, user mode only (native runner) */
	PMU_GUEST,      /* this thread, guest only (exclude_host): the vCPU */
	PMU_HOST,       /* this thread, host only (exclude_guest) */
};

struct pmu_preset {
	const char *pmus[6];                 /* libpfm4 PMU names it applies to */
	const char *walk[PMU_MAX_EVENTS];    /* page-walk events */
	const char *basic[PMU_MAX_EVENTS];   /* cycles and instructions */
};

extern const struct pmu_preset pmu_presets[];
extern const unsigned pmu_npresets;

/* libpfm4 once per process; returns 0 or -1 with the reason. */
int pmu_init(char *err, size_t errlen);
/* The core PMU libpfm4 detected (or was forced to with LIBPFM_FORCE_PMU). */
const char *pmu_detected(char *buf, size_t len);
/* Event names of a preset ("walk", "basic") for the detected PMU, or the
 * generic fallback. Returns the count, or -1 for an unknown preset. */
int pmu_preset_events(const char *preset, const char *names[PMU_MAX_EVENTS]);
/* Can libpfm4 encode this event for perf_events? 0, or -1 with why. */
int pmu_encode(const char *event, enum pmu_scope scope, void *attr_out, char *err, size_t errlen);

struct pmu_group {
	int n;
	int fds[PMU_MAX_EVENTS];
	char names[PMU_MAX_EVENTS][PMU_NAME];
	bool open;
	char why[256];      /* why not open, for the result columns */
};

struct pmu_values {
	uint64_t raw[PMU_MAX_EVENTS];
	uint64_t enabled, running;     /* ns the group was enabled / on the PMU */
};

/* Open the events as one group on the calling thread. On failure the group
 * stays closed and why says what failed (e.g. no hardware PMU). */
void pmu_open(struct pmu_group *g, const char *const *events, int n, enum pmu_scope scope);
int pmu_read(const struct pmu_group *g, struct pmu_values *v);
/* Counts between two reads, scaled by enabled/running time; *multiplexed is
 * set when the kernel time-shared the counters in between. */
void pmu_delta(const struct pmu_group *g, const struct pmu_values *a, const struct pmu_values *b,
	       double out[PMU_MAX_EVENTS], bool *multiplexed);
void pmu_close(struct pmu_group *g);
/* "DTLB_LOAD_MISSES:WALK_COMPLETED_4K" -> "dtlb_load_misses_walk_completed_4k" */
void pmu_counter_name(const char *event, char *out, size_t len);

#endif
