/* Reading a results JSON file entry by entry into a results view: yajl's
 * event (SAX) parser walks the file block by block, each entry of
 * 'benchmarks' is filled key by key (results_entry.h) and added to the view
 * as soon as it ends, so memory stays that of the view, not of the whole
 * document, and no JSON tree is built but the context's (a fleet's merged
 * file holds hundreds of thousands of cells; decoding them with jansson
 * took most of the time of report and compare). */
#ifndef TLBVISOR_RESULTS_STREAM_H
#define TLBVISOR_RESULTS_STREAM_H

#include <stddef.h>
#include <stdio.h>

#include "results_view.h"

/* Where yajl parses: in a thread of its own while this one takes what it
 * parsed (one file read at a time), or in the calling thread (compare,
 * which reads its two files at once). The views are the same. */
enum results_parse { RESULTS_PARSE_APART, RESULTS_PARSE_HERE };

/* 0, or -1 with err (the view is then empty). */
int results_view_load_file(const char *path, enum results_parse how, struct results_view *v, char *err,
			   size_t errlen);
/* The same from an open stream; path names it in errors. */
int results_view_load_stream(FILE *f, const char *path, enum results_parse how, struct results_view *v, char *err,
			     size_t errlen);

#endif
