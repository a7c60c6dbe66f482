/* Running a child program and waiting for it: the one way tlbvisor starts
 * emulators, grub-mkrescue, modprobe and gnuplot. */
#ifndef TLBVISOR_PROCESS_H
#define TLBVISOR_PROCESS_H

#include <signal.h>
#include <stdbool.h>

struct spawn_options {
	const char *stdin_path;       /* NULL: inherited */
	const char *dir;              /* the child's working directory; NULL: ours */
	const char *output_path;      /* stdout and stderr into this file (truncated; relative to dir;
	                               * never through a symbolic link); NULL: inherited */
	/* The child gets its own process group, so the terminal's Ctrl-C reaches
	 * tlbvisor only, which then decides whether to stop the child (an
	 * emulator) or to let it finish (modprobe between unload and load). */
	bool own_process_group;
	double timeout_s;             /* > 0: the child is killed after this long */
	volatile sig_atomic_t *stop;  /* the child is killed as soon as *stop is set (NULL: never) */
	void (*poll)(void *arg, double elapsed_s); /* called every 200 ms while waiting (may be NULL) */
	void *poll_arg;
};

struct spawn_result {
	bool timed_out;  /* killed after timeout_s */
	bool stopped;    /* killed because *stop was set */
};

/* Runs argv[0] (looked up in PATH) and waits for it. Returns its exit status
 * (0-255), 128 + the signal that ended it, or -1 when it could not be started
 * or had to be killed (r says why; r may be NULL). */
int spawn_run(char *const argv[], const struct spawn_options *o, struct spawn_result *r);

/* Is prog an executable in one of PATH's directories? */
bool program_in_path(const char *prog);

#endif
