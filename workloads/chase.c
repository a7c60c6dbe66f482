#include "chase.h"

#include "tsc.h"

/* splitmix64 finaliser: a cheap, well-mixed 64-bit hash. */
static uint64_t mix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

const char *chase_check_str(enum chase_check e)
{
	switch (e) {
	case CHASE_OK: return "ok";
	case CHASE_BAD_STRIDE: return "stride must be a positive multiple of 64 bytes";
	case CHASE_TOO_SMALL: return "working set is smaller than one stride";
	case CHASE_BAD_GROUP: return "group must be a multiple of the stride that divides the working set";
	case CHASE_BAD_PATTERN: return "unknown access pattern";
	}
	return "invalid chase configuration";
}

enum chase_check chase_validate(const struct chase_config *c)
{
	if (c->stride == 0 || c->stride % CHASE_LINE)
		return CHASE_BAD_STRIDE;
	if (c->bytes < c->stride)
		return CHASE_TOO_SMALL;
	if (c->pattern != CHASE_RANDOM && c->pattern != CHASE_SEQ)
		return CHASE_BAD_PATTERN;
	if (c->group) {
		uint64_t n = c->bytes / c->stride;
		if (c->group % c->stride || n % (c->group / c->stride))
			return CHASE_BAD_GROUP;
	}
	return CHASE_OK;
}

uint64_t chase_elements(const struct chase_config *c)
{
	return c->bytes / c->stride;
}

uint64_t chase_slot(const struct chase_config *c, uint64_t i)
{
	uint64_t lines = c->stride / CHASE_LINE;
	uint64_t line = lines > 1 ? mix64(i ^ 0x5bd1e995ull) % lines : 0;
	return c->base + i * c->stride + line * CHASE_LINE;
}

/* Balanced Feistel network on 2*half bits with cycle walking down to [0, m):
 * a bijection for any m, keyed, without scratch memory. */
uint64_t chase_permute(uint64_t key, uint64_t m, uint64_t x)
{
	if (m <= 1)
		return 0;
	unsigned bits = 1;
	while (bits < 64 && (1ull << bits) < m)
		bits++;
	unsigned half = (bits + 1) / 2;
	uint64_t mask = (1ull << half) - 1;
	do {
		uint64_t l = x >> half, r = x & mask;
		for (unsigned round = 0; round < 4; round++) {
			uint64_t f = mix64(key ^ ((uint64_t)round << 56) ^ r) & mask;
			uint64_t nl = r;
			r = l ^ f;
			l = nl;
		}
		x = (l << half) | r;
	} while (x >= m);
	return x;
}

uint64_t chase_order(const struct chase_config *c, uint64_t k)
{
	uint64_t n = chase_elements(c);
	if (c->pattern == CHASE_SEQ)
		return k;
	uint64_t per_group = c->group ? c->group / c->stride : n;
	uint64_t groups = n / per_group;
	uint64_t g = chase_permute(mix64(c->seed), groups, k / per_group);
	uint64_t within = chase_permute(mix64(c->seed ^ mix64(g + 1)), per_group, k % per_group);
	return g * per_group + within;
}

void chase_build(const struct chase_config *c)
{
	uint64_t n = chase_elements(c);
	uint64_t first = chase_order(c, 0);
	uint64_t cur = first;
	for (uint64_t k = 1; k < n; k++) {
		uint64_t next = chase_order(c, k);
		*(volatile uint64_t *)chase_slot(c, cur) = chase_slot(c, next);
		cur = next;
	}
	*(volatile uint64_t *)chase_slot(c, cur) = chase_slot(c, first);
}

uint64_t chase_start(const struct chase_config *c)
{
	return chase_slot(c, chase_order(c, 0));
}

uint64_t chase_expected(const struct chase_config *c, uint64_t steps)
{
	return chase_slot(c, chase_order(c, steps % chase_elements(c)));
}

/* Unrolled by 8 so the loop's own work hides under the dependent loads. */
uint64_t chase_run(uint64_t start, uint64_t steps)
{
	const uint64_t *p = (const uint64_t *)start;
	uint64_t blocks = steps / 8;
	for (uint64_t b = 0; b < blocks; b++) {
		p = (const uint64_t *)*p; p = (const uint64_t *)*p;
		p = (const uint64_t *)*p; p = (const uint64_t *)*p;
		p = (const uint64_t *)*p; p = (const uint64_t *)*p;
		p = (const uint64_t *)*p; p = (const uint64_t *)*p;
	}
	for (uint64_t i = 0; i < steps % 8; i++)
		p = (const uint64_t *)*p;
	return (uint64_t)p;
}

uint64_t chase_timed(uint64_t start, uint64_t steps, uint64_t *cycles)
{
	uint64_t t0 = tsc_read_fenced();
	uint64_t end = chase_run(start, steps);
	/* The fence in the second read waits for the last load of the chain. */
	uint64_t t1 = tsc_read_fenced();
	*cycles = t1 - t0;
	return end;
}

uint64_t chase_timer_overhead(void)
{
	uint64_t best = ~0ull;
	for (int i = 0; i < 1000; i++) {
		uint64_t t0 = tsc_read_fenced();
		uint64_t t1 = tsc_read_fenced();
		if (t1 - t0 < best)
			best = t1 - t0;
	}
	return best;
}
