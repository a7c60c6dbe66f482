/* Time as tlbvisor reads and prints it. */
#ifndef TLBVISOR_CLOCK_H
#define TLBVISOR_CLOCK_H

#include <stddef.h>
#include <time.h>

/* ISO 8601 local time with the UTC offset, for results and history. */
#define CLOCK_ISO8601 "%Y-%m-%dT%H:%M:%S%z"

/* Seconds of CLOCK_MONOTONIC (for durations, never for dates). */
double monotonic_seconds(void);
/* t as local time in strftime's fmt. */
void clock_format_local(time_t t, const char *fmt, char *buf, size_t len);

#endif
