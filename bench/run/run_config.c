#include "bench/run/run_config.h"

#include <string.h>

#include "bench/run/matrix.h"

static void defaults(struct matrix *m, struct run_config *cfg)
{
	memset(m, 0, sizeof *m);
	m->backends[0] = BACKEND_NATIVE;
	m->backends[1] = BACKEND_KVM;
	m->nbackends = 2;
	m->patterns[0] = CHASE_RANDOM;
	m->npatterns = 1;
	m->ept_levels[0] = 4;
	m->nept_levels = 1;
	m->vpids[0] = true;
	m->nvpids = 1;
	m->guest_levels[0] = 4;
	m->nguest_levels = 1;
	memset(cfg, 0, sizeof *cfg);
	cfg->repetitions = 5;
	cfg->min_time = 0.05;
	cfg->stride = 4096;
	cfg->seed = 0x7c5f3a1d;
	cfg->max_warmup_passes = 20;
	cfg->guest_timeout = 60;
	cfg->vmx_timeout = 900;
}

int run_preset(const char *name, struct matrix *m, struct run_config *cfg)
{
	defaults(m, cfg);
	cfg->preset = name;
	if (!strcmp(name, "quick")) {
		/* CI-sized: the four working sets of the issue, the page sizes
		 * that show the nested-walk effect. */
		static const uint64_t ws[] = { 16ull << 10, 1ull << 20, 64ull << 20, 512ull << 20 };
		memcpy(m->ws, ws, sizeof ws);
		m->nws = 4;
		m->host_pages[0] = HOST_PAGE_4K;
		m->host_pages[1] = HOST_PAGE_2M;
		m->nhost_pages = 2;
		m->guest_pages[0] = 4096;
		m->guest_pages[1] = 2ull << 20;
		m->nguest_pages = 2;
		cfg->repetitions = 7;
		cfg->min_time = 0.05;
		return 0;
	}
	if (!strcmp(name, "default")) {
		/* A working-set sweep from 4 KiB to 1 GiB, every page size. */
		m->nws = 0;
		for (uint64_t s = 4096; s <= (1ull << 30); s *= 4)
			m->ws[m->nws++] = s;
		for (int i = 0; i < HOST_PAGE_COUNT; i++)
			m->host_pages[m->nhost_pages++] = (enum host_page)i;
		m->guest_pages[0] = 4096;
		m->guest_pages[1] = 2ull << 20;
		m->guest_pages[2] = 1ull << 30;
		m->nguest_pages = 3;
		m->patterns[1] = CHASE_SEQ;
		m->npatterns = 2;
		cfg->repetitions = 5;
		cfg->min_time = 0.05;
		return 0;
	}
	return -1;
}
