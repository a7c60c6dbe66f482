#include "results_feed.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_parse.h>

#define BLOCK (1u << 20) /* bytes of the file parsed at a time */
#define CHUNK (1u << 20) /* bytes of events handed over at a time */
#define NCHUNKS 4        /* in flight between the two threads */

/* An event: one byte of kind (and flags), then for a key, a string or a
 * number its length (a size_t) and its bytes. */
enum event { EV_START_MAP, EV_START_ARRAY, EV_END, EV_KEY, EV_STRING, EV_NUMBER, EV_NULL, EV_TRUE, EV_FALSE, EV_DONE };
#define EV_KIND 0x0f
#define EV_MAY_HOLD_NUL 0x10 /* a key or a string yajl decoded */
#define EV_INTEGER 0x20      /* a number without fraction or exponent */

struct chunk {
	unsigned char *data;
	size_t len, cap;
};

struct feed {
	FILE *f;
	const struct feed_handlers *h;
	void *ctx;
	struct feed_outcome *out;
	/* The parser's side. */
	uintptr_t block, block_end; /* the bytes yajl is parsing */
	const char *refused;        /* a number yajl's own reading refuses, in its words */
	bool out_of_memory;
	struct chunk *filling;
	/* Between the two: chunks [replayed, filled) are the replayer's. */
	bool apart; /* parsing in a thread of its own */
	pthread_mutex_t lock;
	pthread_cond_t changed;
	struct chunk chunks[NCHUNKS];
	unsigned long filled, replayed;
	bool stop; /* a handler stopped the parse */
};

/* One event to the handlers (s: its text, len bytes); 0 when a handler stopped. */
static inline int dispatch(const struct feed *fd, unsigned char ev, const char *s, size_t len)
{
	const struct feed_handlers *h = fd->h;
	switch (ev & EV_KIND) {
	case EV_START_MAP:
	case EV_START_ARRAY:
		return h->start(fd->ctx, (ev & EV_KIND) == EV_START_MAP);
	case EV_END:
		return h->end(fd->ctx);
	case EV_KEY:
		return h->key(fd->ctx, s, len, ev & EV_MAY_HOLD_NUL);
	case EV_STRING:
		return h->string(fd->ctx, s, len, ev & EV_MAY_HOLD_NUL);
	case EV_NUMBER:
		return h->number(fd->ctx, s, len, ev & EV_INTEGER);
	case EV_NULL:
		return h->literal(fd->ctx, ENTRY_NULL);
	case EV_TRUE:
		return h->literal(fd->ctx, ENTRY_TRUE);
	default:
		return h->literal(fd->ctx, ENTRY_FALSE);
	}
}

/* The events of c, in order, to the handlers; *done at EV_DONE. 0 when a
 * handler stopped. */
static int replay(const struct feed *fd, const struct chunk *c, bool *done)
{
	for (size_t at = 0; at < c->len;) {
		unsigned char ev = c->data[at++];
		size_t len = 0;
		const char *s = NULL;
		int kind = ev & EV_KIND;
		if (kind == EV_DONE) {
			*done = true;
			return 1;
		}
		if (kind == EV_KEY || kind == EV_STRING || kind == EV_NUMBER) {
			memcpy(&len, c->data + at, sizeof len);
			s = (const char *)c->data + at + sizeof len;
			at += sizeof len + len;
		}
		if (!dispatch(fd, ev, s, len))
			return 0;
	}
	return 1;
}

/* The chunk being filled goes to the replayer; the next one to fill is
 * free when this returns 1 (0: a handler stopped the parse). */
static int hand_over(struct feed *fd, bool last)
{
	pthread_mutex_lock(&fd->lock);
	fd->filled++;
	pthread_cond_broadcast(&fd->changed);
	while (!last && !fd->stop && fd->filled - fd->replayed == NCHUNKS)
		pthread_cond_wait(&fd->changed, &fd->lock);
	bool stop = fd->stop;
	pthread_mutex_unlock(&fd->lock);
	if (last)
		return !stop; /* the replayer may be reading every chunk */
	/* Free: replayed, or the replayer stopped before it. */
	fd->filling = &fd->chunks[fd->filled % NCHUNKS];
	fd->filling->len = 0;
	return !stop;
}

/* One event into the chunk being filled; 0 to stop the parse. */
static int record(struct feed *fd, unsigned char ev, const void *s, size_t len)
{
	int kind = ev & EV_KIND;
	bool text = kind == EV_KEY || kind == EV_STRING || kind == EV_NUMBER; /* as replay reads it */
	size_t need = 1 + (text ? sizeof len + len : 0);
	struct chunk *c = fd->filling;
	if (c->cap - c->len < need && c->len && !hand_over(fd, false))
		return 0;
	c = fd->filling;
	if (c->cap - c->len < need) { /* a string longer than a chunk */
		unsigned char *p = realloc(c->data, need);
		if (!p) {
			fd->out_of_memory = true;
			return 0;
		}
		c->data = p;
		c->cap = need;
	}
	c->data[c->len++] = ev;
	if (text) {
		memcpy(c->data + c->len, &len, sizeof len);
		if (len)
			memcpy(c->data + c->len + sizeof len, s, len);
		c->len += sizeof len + len;
	}
	return 1;
}

/* One event: to the handlers at once when parsing here (ev is a constant
 * at each call: the switch folds away), else recorded; 0 to stop. */
static inline int emit(struct feed *fd, unsigned char ev, const void *s, size_t len)
{
	return fd->apart ? record(fd, ev, s, len) : dispatch(fd, ev, s, len);
}

/* Is s (len bytes) outside the block being parsed, so yajl decoded it (or
 * joined it from two blocks)? Only a decoded string can hold a NUL: yajl
 * refuses one in the file's own bytes as a control character. */
static bool decoded(const struct feed *fd, const unsigned char *s, size_t len)
{
	uintptr_t at = (uintptr_t)s;
	return at < fd->block || at + len > fd->block_end;
}

static int on_null(void *ctx)
{
	return emit(ctx, EV_NULL, NULL, 0);
}

static int on_boolean(void *ctx, int b)
{
	return emit(ctx, b ? EV_TRUE : EV_FALSE, NULL, 0);
}

/* yajl hands over a number's text (yajl_number) instead of reading it, as
 * reading every number of a large file costs about as much as parsing it.
 * What yajl's own reading refuses is refused here in its words: only an
 * integer of 19 digits or more (JSON has no leading zeros) can leave
 * [-LLONG_MAX, LLONG_MAX], only a number with an exponent or of 309
 * digits or more can go beyond a double. */
static int on_number(void *ctx, const char *s, size_t len)
{
	enum { FRACTION = 1, EXPONENT = 2 };
	static const unsigned char marks[256] = { ['.'] = FRACTION, ['e'] = EXPONENT, ['E'] = EXPONENT };
	struct feed *fd = ctx;
	unsigned seen = 0;
	for (size_t i = 0; i < len; i++)
		seen |= marks[(unsigned char)s[i]];
	bool integer = !seen, exponent = seen & EXPONENT;
	if (integer ? len >= 19 : exponent || len > 300) {
		struct entry_value v = { .kind = ENTRY_NUMBER, .integer = integer };
		int rc = entry_read_number(s, len, &v);
		if (rc != 0) {
			fd->out_of_memory = rc < 0;
			fd->refused = rc < 0 ? NULL : integer ? "integer overflow" : "numeric (floating point) overflow";
			return 0;
		}
	}
	return emit(fd, EV_NUMBER | (integer ? EV_INTEGER : 0), s, len);
}

static int on_string(void *ctx, const unsigned char *s, size_t len)
{
	return emit(ctx, EV_STRING | (decoded(ctx, s, len) ? EV_MAY_HOLD_NUL : 0), s, len);
}

static int on_key(void *ctx, const unsigned char *s, size_t len)
{
	return emit(ctx, EV_KEY | (decoded(ctx, s, len) ? EV_MAY_HOLD_NUL : 0), s, len);
}

static int on_start_map(void *ctx)
{
	return emit(ctx, EV_START_MAP, NULL, 0);
}

static int on_start_array(void *ctx)
{
	return emit(ctx, EV_START_ARRAY, NULL, 0);
}

static int on_end(void *ctx)
{
	return emit(ctx, EV_END, NULL, 0);
}

static const yajl_callbacks callbacks = {
	.yajl_null = on_null,
	.yajl_boolean = on_boolean,
	.yajl_number = on_number,
	.yajl_string = on_string,
	.yajl_start_map = on_start_map,
	.yajl_map_key = on_key,
	.yajl_end_map = on_end,
	.yajl_start_array = on_start_array,
	.yajl_end_array = on_end,
};

static long lines_in(const unsigned char *p, size_t n)
{
	long lines = 0;
	for (const unsigned char *end = p + n; (p = memchr(p, '\n', (size_t)(end - p))); p++)
		lines++;
	return lines;
}

/* How the parse ended, once yajl stopped with st at line. */
static void parse_ended(struct feed *fd, yajl_handle h, yajl_status st, long line)
{
	struct feed_outcome *out = fd->out;
	out->line = line;
	if (fd->out_of_memory) {
		out->end = FEED_OUT_OF_MEMORY;
	} else if (fd->refused) {
		out->end = FEED_PARSE_ERROR;
		snprintf(out->text, sizeof out->text, "parse error: %s", fd->refused);
	} else if (st == yajl_status_client_canceled) {
		out->end = FEED_STOPPED;
	} else {
		out->end = FEED_PARSE_ERROR;
		unsigned char *text = yajl_get_error(h, 0, NULL, 0);
		snprintf(out->text, sizeof out->text, "%.*s", (int)strcspn((const char *)text, "\n"), (const char *)text);
		yajl_free_error(h, text);
	}
}

/* The parser's side: the whole file, then EV_DONE. */
static void *parse(void *arg)
{
	struct feed *fd = arg;
	unsigned char *buf = malloc(BLOCK);
	yajl_handle h = buf ? yajl_alloc(&callbacks, NULL, fd) : NULL;
	if (!h) {
		fd->out->end = FEED_OUT_OF_MEMORY;
	} else {
		long line = 1;
		yajl_status st = yajl_status_ok;
		size_t n;
		while (st == yajl_status_ok && (n = fread(buf, 1, BLOCK, fd->f)) > 0) {
			fd->block = (uintptr_t)buf;
			fd->block_end = fd->block + n;
			st = yajl_parse(h, buf, n);
			fd->block = fd->block_end = 0;
			line += lines_in(buf, st == yajl_status_ok ? n : yajl_get_bytes_consumed(h));
		}
		if (st == yajl_status_ok && ferror(fd->f)) {
			fd->out->end = FEED_READ_ERROR;
			fd->out->errnum = errno;
		} else if (st != yajl_status_ok || (st = yajl_complete_parse(h)) != yajl_status_ok) {
			parse_ended(fd, h, st, line);
		} else {
			fd->out->end = FEED_OK;
		}
		yajl_free(h);
	}
	free(buf);
	if (fd->apart) {
		/* EV_DONE fits: a chunk has room for one byte after hand_over. */
		if (fd->filling->len == fd->filling->cap)
			hand_over(fd, false);
		fd->filling->data[fd->filling->len++] = EV_DONE;
		hand_over(fd, true);
	}
	return NULL;
}

/* The replayer's side, in the calling thread: chunks as they are filled. */
static void replay_chunks(struct feed *fd)
{
	for (bool done = false, ok = true; ok && !done;) {
		pthread_mutex_lock(&fd->lock);
		while (fd->replayed == fd->filled)
			pthread_cond_wait(&fd->changed, &fd->lock);
		struct chunk *c = &fd->chunks[fd->replayed % NCHUNKS];
		pthread_mutex_unlock(&fd->lock);
		ok = replay(fd, c, &done);
		pthread_mutex_lock(&fd->lock);
		fd->replayed++;
		fd->stop = !ok;
		pthread_cond_broadcast(&fd->changed);
		pthread_mutex_unlock(&fd->lock);
	}
}

/* Parse in a thread of its own, replaying here; false when there is none to be had. */
static bool parse_apart(struct feed *fd)
{
	for (int i = 0; i < NCHUNKS; i++) {
		if (!(fd->chunks[i].data = malloc(CHUNK)))
			return false;
		fd->chunks[i].cap = CHUNK;
	}
	fd->filling = &fd->chunks[0];
	if (pthread_mutex_init(&fd->lock, NULL))
		return false;
	pthread_t parser;
	fd->apart = !pthread_cond_init(&fd->changed, NULL);
	if (fd->apart && pthread_create(&parser, NULL, parse, fd)) {
		pthread_cond_destroy(&fd->changed);
		fd->apart = false;
	}
	if (fd->apart) {
		replay_chunks(fd);
		pthread_join(parser, NULL);
		pthread_cond_destroy(&fd->changed);
	}
	pthread_mutex_destroy(&fd->lock);
	return fd->apart;
}

void results_feed(FILE *f, bool apart, const struct feed_handlers *h, void *ctx, struct feed_outcome *out)
{
	struct feed fd = { .f = f, .h = h, .ctx = ctx, .out = out };
	memset(out, 0, sizeof *out);
	if (!apart || !parse_apart(&fd))
		parse(&fd); /* here: each event to the handlers as yajl calls back */
	for (int i = 0; i < NCHUNKS; i++)
		free(fd.chunks[i].data);
}
