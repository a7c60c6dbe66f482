#include "bench/outputs/run_outputs.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "bench/cli/commands.h"
#include "lib/files.h"
#include "lib/output_file.h"

static int default_out(char *buf, size_t len, const char *stamp, char *err, size_t errlen)
{
	if (mkdirs("results") < 0) {
		snprintf(err, errlen, "cannot create results/: %s; fix: give --out FILE", strerror(errno));
		return -1;
	}
	snprintf(buf, len, "results/tlbvisor-%s.json", stamp);
	return 0;
}

int run_outputs_prepare(struct run_outputs *ro, const struct run_output_request *rq, char *err, size_t errlen)
{
	memset(ro, 0, sizeof *ro);
	ro->out_lock.fd = ro->db_lock.fd = -1;
	ro->csv = rq->csv;
	FILE *resumed = rq->resume ? fopen(rq->resume, "r") : NULL;
	if (rq->resume && !resumed) {
		snprintf(err, errlen, "cannot resume from %s: unable to open %s: %s; fix: give the results JSON of the interrupted run",
			 rq->resume, rq->resume, strerror(errno));
		return EXIT_USAGE;
	}
	if (resumed)
		fclose(resumed);
	const char *out = rq->out ? rq->out : rq->resume;
	if (out)
		snprintf(ro->out, sizeof ro->out, "%s", out);
	else if (default_out(ro->out, sizeof ro->out, rq->stamp, err, errlen) < 0)
		return 1;
	if (rq->no_db)
		ro->db[0] = '\0';
	else if (rq->db)
		snprintf(ro->db, sizeof ro->db, "%s", rq->db);
	else {
		const char *slash = strrchr(ro->out, '/');
		snprintf(ro->db, sizeof ro->db, "%.*s%stlbvisor.db", slash ? (int)(slash - ro->out) : 0, ro->out,
			 slash ? "/" : "");
	}
	/* The file being resumed is also the output when they are one file:
	 * that is what --resume does; as a separate input it must not be hit. */
	const char *resume_input = rq->resume && !same_file(rq->resume, ro->out) ? rq->resume : NULL;
	const struct named_file files[] = {
		{ "--out", ro->out, 1 }, { "--csv", ro->csv, 1 }, { "--db", ro->db[0] ? ro->db : NULL, 1 },
		{ "--resume", resume_input, 0 }, { "--payload", rq->payload, 0 },
	};
	if (outputs_ready(files, 5, err, errlen) < 0)
		return strncmp(err, "cannot", 6) ? EXIT_USAGE : 1;
	if (run_lock_take(&ro->out_lock, ro->out, "results file", err, errlen) < 0)
		return 1;
	if (ro->db[0] && run_lock_take(&ro->db_lock, ro->db, "history", err, errlen) < 0) {
		run_lock_release(&ro->out_lock);
		return 1;
	}
	return 0;
}

void run_outputs_release(struct run_outputs *ro)
{
	run_lock_release(&ro->db_lock);
	run_lock_release(&ro->out_lock);
}
