/* One run at a time per results file and per history: an exclusive lock
 * (flock on FILE.lock, which holds the owner's PID) for the length of a run.
 * A second run started on the same --out or --db is refused with the PID of
 * the run that holds it, before it changes anything. The lock goes with the
 * process, so a killed run leaves a stale FILE.lock that the next run simply
 * takes over. */
#ifndef TLBVISOR_RUN_LOCK_H
#define TLBVISOR_RUN_LOCK_H

#include <stddef.h>

struct run_lock {
	int fd;            /* -1: not held */
	char path[4200];
};

/* what: "results file" or "history", for the message. 0, or -1 with err. */
int run_lock_take(struct run_lock *l, const char *file, const char *what, char *err, size_t errlen);
void run_lock_release(struct run_lock *l);

#endif
