/* Writing an output file without destroying anything: tlbvisor's outputs sit
 * beside data people care about. An output must be a regular file (or not
 * exist yet) in a writable directory: a device, a directory, a FIFO or a
 * dangling symbolic link is refused, never replaced. A file is written under
 * a temporary name unique to this process beside its real target (a link
 * stays a link) and renamed over it when complete, so a crash or Ctrl-C
 * leaves the previous complete file. Two outputs, or an output and an input,
 * that are the same file (same device and inode, whatever the names, links
 * or hard links) are refused before anything is written. */
#ifndef TLBVISOR_OUTPUT_FILE_H
#define TLBVISOR_OUTPUT_FILE_H

#include <stddef.h>
#include <stdio.h>

/* May path be written? Creates and removes a temporary file beside its
 * target to be sure. 0, or -1 with err ("cannot write PATH: why; fix: ..."). */
int output_check(const char *path, char *err, size_t errlen);

struct output_file {
	FILE *f;
	char target[4096];  /* where the file lands (a symbolic link resolved) */
	char tmp[4200];
};

/* Check path and open a fresh temporary file for it. NULL with err. */
FILE *output_open(struct output_file *o, const char *path, char *err, size_t errlen);
/* Flush, sync and rename the temporary file over the target; 0 or -1 with
 * err. The temporary file is gone either way. */
int output_commit(struct output_file *o, char *err, size_t errlen);
/* Drop the temporary file (an error on the way). */
void output_abandon(struct output_file *o);

/* A file named on the command line, for the same-file check. */
struct named_file {
	const char *option;  /* "--out", "BASE", ... */
	const char *path;    /* NULL: not given */
	int output;          /* 1 when tlbvisor writes it */
};

/* Are a and b the same file (existing: same device and inode; not yet
 * existing: same directory and name)? */
int same_file(const char *a, const char *b);

/* -1 with err when an output is the same file as another output or as an
 * input ("--csv x.db and --db x.db are the same file; ..."). Inputs may
 * coincide with each other. */
int outputs_distinct(const struct named_file *files, int n, char *err, size_t errlen);
/* outputs_distinct, then output_check of every output: what a command does
 * before it reads or writes anything. */
int outputs_ready(const struct named_file *files, int n, char *err, size_t errlen);

#endif
