/* Matrix files: a run's matrix as an INI file (parsed by inih). Keys are
 * the long names of run's matrix and protocol options with the same value
 * syntax ("ws = 16k,1m"); keys before the first section apply to every
 * section; each [section] is one sub-matrix and the run is their union.
 * The presets are matrix files too (bench/matrices/), built into tlbvisor.
 *
 * A plan's canonical form (every setting of every section, in a fixed
 * order) and its hash identify the matrix in the results, so that shards of
 * one matrix can be merged and shards of different ones refused. */
#ifndef TLBVISOR_MATRIX_FILE_H
#define TLBVISOR_MATRIX_FILE_H

#include <stddef.h>
#include <stdint.h>

#include "bench/cli/run_options.h"

#define MATRIX_SECTION_NAME 64

struct matrix_section {
	char name[MATRIX_SECTION_NAME]; /* "" when the file has no sections */
	struct run_request req;
};

struct matrix_plan {
	int n;
	struct matrix_section *sections;
};

/* Parse INI text (source names it in messages: a file name, or "preset
 * quick"); every section starts from base. -1 with err naming the source,
 * the line, the key and what is allowed. */
int matrix_plan_parse(const char *source, const char *text, size_t len, const struct run_request *base,
		      struct matrix_plan *plan, char *err, size_t errlen);
int matrix_plan_load(const char *path, const struct run_request *base, struct matrix_plan *plan, char *err,
		     size_t errlen);
void matrix_plan_free(struct matrix_plan *plan);

/* The built-in presets, as matrix files: "quick", "default". NULL: none. */
const char *matrix_preset_text(const char *name, size_t *len);
/* A built-in preset into a matrix and configuration (on top of
 * run_defaults). -1 for an unknown name. */
int run_preset(const char *name, struct matrix *m, struct run_config *cfg);
/* "quick, default" */
const char *matrix_preset_names(void);

/* The canonical form: one [section] per section, every key with its
 * effective value in option-table order. Returns a malloc'd string. */
char *matrix_plan_canonical(const struct matrix_plan *plan);
/* 64-bit FNV-1a of the canonical form, as 16 hex digits (an identity, not
 * a defence against forgery). */
void matrix_hash(const char *canonical, char out[17]);

#endif
