#include "process.h"

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clock.h"

extern char **environ;

static int exit_code(int status)
{
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* Blocking wait that a signal handler (SIGINT without SA_RESTART) cannot cut short. */
static int wait_for(pid_t pid)
{
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return exit_code(status);
}

int spawn_run(char *const argv[], const struct spawn_options *o, struct spawn_result *r)
{
	struct spawn_result none;
	if (!r)
		r = &none;
	memset(r, 0, sizeof *r);
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	if (o->dir)
		posix_spawn_file_actions_addchdir_np(&fa, o->dir);
	if (o->stdin_path)
		posix_spawn_file_actions_addopen(&fa, 0, o->stdin_path, O_RDONLY, 0);
	if (o->output_path) {
		posix_spawn_file_actions_addopen(&fa, 1, o->output_path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW, 0644);
		posix_spawn_file_actions_adddup2(&fa, 1, 2);
	}
	posix_spawnattr_t attr;
	posix_spawnattr_init(&attr);
	if (o->own_process_group) {
		posix_spawnattr_setpgroup(&attr, 0);
		posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
	}
	pid_t pid;
	int rc = posix_spawnp(&pid, argv[0], &fa, &attr, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	if (rc != 0)
		return -1;
	if (o->timeout_s <= 0 && !o->stop && !o->poll)
		return wait_for(pid);
	double start = monotonic_seconds();
	for (;;) {
		int status;
		pid_t w = waitpid(pid, &status, WNOHANG);
		if (w == pid)
			return exit_code(status);
		if (w < 0 && errno != EINTR)
			return -1;
		double elapsed = monotonic_seconds() - start;
		r->stopped = o->stop && *o->stop;
		r->timed_out = !r->stopped && o->timeout_s > 0 && elapsed > o->timeout_s;
		if (r->stopped || r->timed_out) {
			kill(pid, SIGKILL);
			wait_for(pid);
			return -1;
		}
		if (o->poll)
			o->poll(o->poll_arg, elapsed);
		usleep(200000);
	}
}

bool program_in_path(const char *prog)
{
	const char *path = getenv("PATH");
	char buf[4096];
	snprintf(buf, sizeof buf, "%s", path ? path : "/usr/bin:/bin");
	char *save = NULL;
	for (char *dir = strtok_r(buf, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
		char full[4352];
		snprintf(full, sizeof full, "%s/%s", dir, prog);
		if (access(full, X_OK) == 0)
			return true;
	}
	return false;
}
