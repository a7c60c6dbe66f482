/* yajl's events of a JSON file, parsed in a thread of its own: the parser
 * thread reads the file block by block and records each event (a key, a
 * string, a number's text, a container's start or end) into chunks; the
 * calling thread replays them, in the file's order, to the reader's
 * handlers. Reading a large results file is then two halves that run at
 * once, yajl's parse and what the reader makes of it (each about half of
 * the time of report). Without a thread to be had, or when asked to, yajl
 * parses in the calling thread and calls the handlers itself. */
#ifndef TLBVISOR_RESULTS_FEED_H
#define TLBVISOR_RESULTS_FEED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "results_entry.h"

/* The reader's handlers; each returns 0 to stop the parse (it failed). */
struct feed_handlers {
	int (*start)(void *ctx, bool object); /* an object or an array starts */
	int (*end)(void *ctx);                /* the innermost one ends */
	/* A key or a string (len bytes); may_hold_nul: yajl decoded escapes
	 * in it, so it may hold a NUL (the file's own bytes never do). */
	int (*key)(void *ctx, const char *s, size_t len, bool may_hold_nul);
	int (*string)(void *ctx, const char *s, size_t len, bool may_hold_nul);
	/* A number's text as written (len bytes); integer: no fraction, no exponent. */
	int (*number)(void *ctx, const char *s, size_t len, bool integer);
	int (*literal)(void *ctx, enum entry_kind kind); /* ENTRY_NULL, ENTRY_TRUE or ENTRY_FALSE */
};

enum feed_end {
	FEED_OK,          /* the whole file parsed */
	FEED_STOPPED,     /* a handler stopped it */
	FEED_PARSE_ERROR, /* not JSON: line and text say where and what */
	FEED_READ_ERROR,  /* errnum */
	FEED_OUT_OF_MEMORY,
};

struct feed_outcome {
	enum feed_end end;
	long line;        /* FEED_PARSE_ERROR: the line, from 1 */
	char text[300];   /* FEED_PARSE_ERROR: yajl's words ("parse error: ...") */
	int errnum;       /* FEED_READ_ERROR */
};

/* Parse f to its end (or until a handler stops it), the handlers called
 * with ctx in the calling thread; apart: yajl in a thread of its own (for
 * one file; compare, which reads two at once, parses each here). What yajl's own reading of numbers
 * refuses (an integer beyond [-LLONG_MAX, LLONG_MAX], a number beyond a
 * double) is a parse error in yajl's words, as if yajl had read them. */
void results_feed(FILE *f, bool apart, const struct feed_handlers *h, void *ctx, struct feed_outcome *out);

#endif
