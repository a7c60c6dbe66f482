#include "bench/matrix/run_config.h"

#include <string.h>

#include "bench/matrix/matrix.h"

void run_defaults(struct matrix *m, struct run_config *cfg)
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
	cfg->max_time = 10;
	cfg->guest_timeout = 60;
	cfg->vmx_timeout = 900;
}
