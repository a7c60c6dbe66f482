/* The hypervisor's command line: the benchmark matrix as key=value words.
 * Freestanding, and fuzzed from user space (tests/fuzz). */
#include "matrix_parse.h"

#include "cmdline_keys.h"
#include "hv/common/measure.h"
#include "hv/common/textparse.h"
#include "hv/paging/paging.h"

static bool word_eq(const char *s, unsigned len, const char *w)
{
	unsigned i = 0;
	for (; i < len && w[i]; i++)
		if (s[i] != w[i])
			return false;
	return i == len && !w[i];
}

static int parse_page(const char *s, unsigned len, uint64_t *out)
{
	if (word_eq(s, len, "4k")) *out = PT_SIZE_4K;
	else if (word_eq(s, len, "2m")) *out = PT_SIZE_2M;
	else if (word_eq(s, len, "1g")) *out = PT_SIZE_1G;
	else return -1;
	return 0;
}

/* Calls item() for each comma-separated item of value. */
static int each_item(const char *v, unsigned len, unsigned max, unsigned *count,
		     int (*item)(const char *, unsigned, unsigned, void *), void *ctx)
{
	unsigned n = 0, start = 0;
	for (unsigned i = 0; i <= len; i++) {
		if (i < len && v[i] != ',')
			continue;
		if (i == start || n >= max)
			return -1;
		if (item(v + start, i - start, n, ctx) < 0)
			return -1;
		n++;
		start = i + 1;
	}
	*count = n;
	return 0;
}

static int item_ws(const char *s, unsigned len, unsigned i, void *m)
{
	return text_parse_size(s, len, &((struct hv_matrix *)m)->ws[i]);
}
static int item_guest(const char *s, unsigned len, unsigned i, void *m)
{
	return parse_page(s, len, &((struct hv_matrix *)m)->guest_pages[i]);
}
static int item_ept(const char *s, unsigned len, unsigned i, void *m)
{
	return parse_page(s, len, &((struct hv_matrix *)m)->ept_pages[i]);
}
static int item_levels(const char *s, unsigned len, unsigned i, void *m)
{
	if (len != 1 || (s[0] != '4' && s[0] != '5'))
		return -1;
	((struct hv_matrix *)m)->levels[i] = (unsigned)(s[0] - '0');
	return 0;
}
static int item_vpid(const char *s, unsigned len, unsigned i, void *m)
{
	if (word_eq(s, len, "on")) ((struct hv_matrix *)m)->vpid[i] = true;
	else if (word_eq(s, len, "off")) ((struct hv_matrix *)m)->vpid[i] = false;
	else return -1;
	return 0;
}
static int item_pmu(const char *s, unsigned len, unsigned i, void *m)
{
	return text_parse_uint(s, len, &((struct hv_matrix *)m)->pmu_raw[i]);
}

static int item_pattern(const char *s, unsigned len, unsigned i, void *m)
{
	if (word_eq(s, len, "random")) ((struct hv_matrix *)m)->patterns[i] = CHASE_RANDOM;
	else if (word_eq(s, len, "seq")) ((struct hv_matrix *)m)->patterns[i] = CHASE_SEQ;
	else return -1;
	return 0;
}

int hv_matrix_parse(const char *cmdline, struct hv_matrix *m, const char **why)
{
	*m = (struct hv_matrix){
		.ws = { 4u << 20 }, .nws = 1, .patterns = { CHASE_RANDOM }, .npatterns = 1,
		.guest_pages = { PT_SIZE_4K }, .nguest = 1, .ept_pages = { PT_SIZE_4K }, .nept = 1,
		.levels = { 4 }, .nlevels = 1, .vpid = { true }, .nvpid = 1,
		.reps = 3, .max_warmup = 5, .min_cycles = 1000000, .stride = 4096, .seed = 0x7c5f3a1d,
	};
	const char *p = cmdline;
	while (*p) {
		while (*p == ' ')
			p++;
		if (!*p)
			break;
		const char *key = p;
		while (*p && *p != '=' && *p != ' ')
			p++;
		unsigned klen = (unsigned)(p - key);
		if (*p != '=') {
			if (word_eq(key, klen, HV_FLAG_PROBE)) {
				m->probe_ept_violation = true;
				continue;
			}
			if (word_eq(key, klen, HV_FLAG_EXIT_COST)) {
				m->exit_cost = true;
				continue;
			}
			if (word_eq(key, klen, HV_FLAG_PT_SPLIT)) {
				m->pt_split = true;
				continue;
			}
			/* the first word may be the kernel's path */
			if (key == cmdline)
				continue;
			*why = "command-line word without '=' (expected key=value)";
			return -1;
		}
		const char *val = ++p;
		while (*p && *p != ' ')
			p++;
		unsigned vlen = (unsigned)(p - val);
		int rc;
		uint64_t v;
		if (word_eq(key, klen, HV_KEY_WS)) rc = each_item(val, vlen, HV_MAX_LIST, &m->nws, item_ws, m);
		else if (word_eq(key, klen, HV_KEY_GUEST)) rc = each_item(val, vlen, 3, &m->nguest, item_guest, m);
		else if (word_eq(key, klen, HV_KEY_NESTED)) rc = each_item(val, vlen, 3, &m->nept, item_ept, m);
		else if (word_eq(key, klen, HV_KEY_LEVELS)) rc = each_item(val, vlen, 2, &m->nlevels, item_levels, m);
		else if (word_eq(key, klen, HV_KEY_TLB_TAG)) rc = each_item(val, vlen, 2, &m->nvpid, item_vpid, m);
		else if (word_eq(key, klen, HV_KEY_PATTERN)) rc = each_item(val, vlen, 2, &m->npatterns, item_pattern, m);
		else if (word_eq(key, klen, HV_KEY_REPS)) { rc = text_parse_uint(val, vlen, &v); m->reps = (unsigned)v; if (!rc && (v < 1 || v > MEASURE_MAX_REPS)) rc = -1; }
		else if (word_eq(key, klen, HV_KEY_MAX_WARMUP)) { rc = text_parse_uint(val, vlen, &v); m->max_warmup = (unsigned)v; if (!rc && (v < 1 || v > 1000)) rc = -1; }
		else if (word_eq(key, klen, HV_KEY_MIN_CYCLES)) rc = text_parse_uint(val, vlen, &m->min_cycles);
		else if (word_eq(key, klen, HV_KEY_STRIDE)) rc = text_parse_size(val, vlen, &m->stride);
		else if (word_eq(key, klen, HV_KEY_GROUP)) rc = text_parse_size(val, vlen, &m->group);
		else if (word_eq(key, klen, HV_KEY_SEED)) rc = text_parse_uint(val, vlen, &m->seed);
		else if (word_eq(key, klen, HV_KEY_EXIT_TICKS)) {
			rc = text_parse_uint(val, vlen, &m->exit_ticks);
			/* the VMX-preemption timer value is a 32-bit field (SDM 25.5.1) */
			if (!rc && (m->exit_ticks == 0 || m->exit_ticks > 0xffffffffull))
				rc = -1;
		}
		else if (word_eq(key, klen, HV_KEY_EXIT_EVERY)) rc = text_parse_uint(val, vlen, &m->exit_every);
		else if (word_eq(key, klen, HV_KEY_WATCHDOG_TICKS)) rc = text_parse_uint(val, vlen, &m->watchdog_ticks);
		else if (word_eq(key, klen, HV_KEY_PMU)) rc = each_item(val, vlen, 4, &m->npmu_raw, item_pmu, m);
		else {
			*why = "unknown key on the command line (known: " HV_KEYS_KNOWN ")";
			return -1;
		}
		if (rc < 0) {
			*why = "malformed value on the command line (lists hold at most 32 items; sizes need a k/m/g suffix or bytes; exit_ticks is 1..4294967295)";
			return -1;
		}
	}
	return 0;
}

