/* The serial log of tlbvisor's hypervisor: one JSON line per cell among
 * whatever else the console printed. Read after a boot in an emulator and
 * by `tlbvisor ingest` for a real machine; each line becomes a cell's
 * struct, never JSON carried along. */
#ifndef TLBVISOR_SERIAL_LOG_H
#define TLBVISOR_SERIAL_LOG_H

#include <jansson.h>
#include <stdbool.h>

#include "bench/run/cell_result.h"

struct serial_log {
	json_t *hello;   /* the hello line, or NULL */
	json_t *cells;   /* array of cell lines */
	json_t *probe;   /* the probe cell line, or NULL */
	json_t *panic;   /* a panic line, or NULL */
	bool done;       /* the hypervisor reached its end */
};

int serial_log_read(const char *path, struct serial_log *log, char *err, size_t errlen);
void serial_log_free(struct serial_log *log);
/* Does this cell line describe cell c? */
bool serial_line_matches(json_t *line, const struct cell *c);
/* Fill r (whose cell is already set) from a cell line. */
void serial_line_to_result(json_t *line, double tsc_hz, struct cell_result *r);
/* The cell a line describes, for logs from machines tlbvisor did not set up. */
int serial_line_to_cell(json_t *line, enum backend be, struct cell *c);

#endif
