/* The KVM backend: the payload in a minimal CPL3 guest, the working set in
 * its own memory slot backed by the requested host pages. */
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include "backend.h"
#include "hv/kvm/kvm_guest.h"
#include "parse.h"

/* vCPU stats reported per phase (those present on this kernel). */
static const char *const vcpu_stat_names[] = { "exits", "io_exits", "pf_taken", "pf_fixed",
					       "pf_guest", "insn_emulation", "tlb_flush",
					       "signal_exits", "halt_exits", "irq_exits" };
#define NVCPU_STATS (sizeof vcpu_stat_names / sizeof *vcpu_stat_names)

struct kvm_ctx {
	struct kvm_guest g;
	struct chase_config cfg;
	struct kvm_stats_snapshot before;
	struct rusage ru_before;
};

static enum op_result command(struct kvm_ctx *k, uint32_t cmd, char *err, size_t len)
{
	uint32_t status;
	enum kvm_run_result rr = kvm_guest_command(&k->g, cmd, &status, err, len);
	if (rr == KVM_RUN_INTERRUPTED)
		return OP_INTERRUPTED;
	if (rr != KVM_RUN_DONE)
		return OP_FAILED;
	if (status != TV_STATUS_OK) {
		snprintf(err, len, "guest payload refused command %u with status %u", cmd, status);
		return OP_FAILED;
	}
	return OP_OK;
}

static enum op_result kvm_build(void *ctx, char *err, size_t len)
{
	return command(ctx, TV_CMD_BUILD, err, len);
}

static enum op_result kvm_run_steps(void *ctx, uint64_t steps, uint64_t *cycles, uint64_t *final_ptr,
				    char *err, size_t len)
{
	struct kvm_ctx *k = ctx;
	k->g.params->steps = steps;
	enum op_result res = command(k, TV_CMD_RUN, err, len);
	*cycles = k->g.params->cycles;
	*final_ptr = k->g.params->final_ptr;
	return res;
}

static enum op_result kvm_timer(void *ctx, uint64_t *cycles, char *err, size_t len)
{
	struct kvm_ctx *k = ctx;
	enum op_result res = command(k, TV_CMD_TIMER, err, len);
	*cycles = k->g.params->cycles;
	return res;
}

static void kvm_phase_begin(void *ctx, enum phase p)
{
	(void)p;
	struct kvm_ctx *k = ctx;
	if (k->g.have_stats)
		kvm_stats_read(&k->g.vcpu_stats, &k->before);
	getrusage(RUSAGE_THREAD, &k->ru_before);
}

static void kvm_phase_end(void *ctx, enum phase p, struct cell_result *r)
{
	struct kvm_ctx *k = ctx;
	char name[48];
	struct rusage ru;
	getrusage(RUSAGE_THREAD, &ru);
	/* Guest-caused faults on guest memory are host faults of this thread. */
	snprintf(name, sizeof name, "%s_host_faults", phase_name(p));
	result_counter(r, name, (double)((ru.ru_minflt - k->ru_before.ru_minflt) +
					 (ru.ru_majflt - k->ru_before.ru_majflt)));
	struct kvm_stats_snapshot after;
	if (!k->g.have_stats || kvm_stats_read(&k->g.vcpu_stats, &after) < 0)
		return;
	for (size_t i = 0; i < NVCPU_STATS; i++) {
		int idx = kvm_stats_find(&k->g.vcpu_stats, vcpu_stat_names[i]);
		if (idx < 0 || !kvm_stats_is_cumulative(&k->g.vcpu_stats, idx))
			continue;
		snprintf(name, sizeof name, "%s_%s", phase_name(p), vcpu_stat_names[i]);
		result_counter(r, name, (double)(after.value[idx] - k->before.value[idx]));
	}
}

static uint64_t vm_pages(const struct kvm_guest *g, const struct kvm_stats_snapshot *s, const char *name)
{
	int idx = kvm_stats_find(&g->vm_stats, name);
	return idx < 0 ? 0 : s->value[idx];
}

static bool shadow_paging(const struct host_caps *h)
{
	for (int i = 0; i < h->nkvm_params; i++) {
		const char *n = h->kvm_params[i].name, *v = h->kvm_params[i].value;
		if ((strstr(n, ".ept") || strstr(n, ".npt")) && (v[0] == 'Y' || v[0] == '1'))
			return false;
	}
	return true;
}

enum op_result backend_kvm_run(const struct matrix *m, const struct host_caps *h,
			       const struct payload *p, struct cell_result *r)
{
	const struct cell *c = &r->cell;
	char err[512];
	if (!h->kvm_ok) {
		result_skip(r, "%s", h->kvm_reason);
		return OP_OK;
	}
	if (c->guest_page == (1ull << 30) && !h->guest_1g) {
		result_skip(r, "guest 1G pages unavailable: %s", h->guest_1g_reason);
		return OP_OK;
	}
	uint64_t granule = host_page_granule(c->host_page);
	uint64_t align = granule > c->guest_page ? granule : c->guest_page;
	uint64_t mem_size = (c->ws + align - 1) / align * align;
	if (m->guest_mem && mem_size > m->guest_mem) {
		char need[32], have[32];
		format_size(mem_size, need, sizeof need);
		format_size(m->guest_mem, have, sizeof have);
		result_skip(r, "working set needs %s of guest memory but --guest-mem is %s; fix: raise --guest-mem or use a smaller --ws",
			    need, have);
		return OP_OK;
	}
	if (check_memory(r, h, mem_size) < 0)
		return OP_OK;
	struct host_mem mem;
	if (host_mem_alloc(&mem, c->host_page, mem_size, err, sizeof err) < 0) {
		result_skip(r, "%s", err);
		return OP_OK;
	}
	struct kvm_ctx k;
	struct kvm_guest_config gc = { .payload = p->image, .payload_size = p->size,
				       .ws_host = mem.addr, .ws_mem_size = mem_size,
				       .guest_page = c->guest_page };
	if (kvm_guest_create(&k.g, &gc, err, sizeof err) < 0) {
		result_fail(r, "%s", err);
		host_mem_free(&mem);
		return OP_OK;
	}
	k.cfg = cell_chase_config(c, m, TV_WS_ADDR);
	enum chase_check chk = chase_validate(&k.cfg);
	enum op_result res = OP_OK;
	struct kvm_stats_snapshot base, built;
	if (chk != CHASE_OK) {
		result_fail(r, "%s", chase_check_str(chk));
		goto out;
	}
	k.g.params->chase = k.cfg;
	/* Baseline of mapped pages before the working set is touched. */
	res = command(&k, TV_CMD_NOP, err, sizeof err);
	if (res != OP_OK) {
		if (res == OP_FAILED)
			result_fail(r, "guest start: %s", err);
		goto out;
	}
	bool stats = k.g.have_stats && kvm_stats_read(&k.g.vm_stats, &base) == 0;
	struct workload_ops ops = { &k, kvm_build, kvm_run_steps, kvm_timer, kvm_phase_begin,
				    kvm_phase_end };
	res = protocol_run(&ops, &k.cfg, m, h->tsc_hz, r);
	result_counter(r, "guest_page_table_pages", (double)k.g.pt_tables);
	if (r->status == CELL_OK && stats && kvm_stats_read(&k.g.vm_stats, &built) == 0) {
		uint64_t d4 = vm_pages(&k.g, &built, "pages_4k") - vm_pages(&k.g, &base, "pages_4k");
		uint64_t d2 = vm_pages(&k.g, &built, "pages_2m") - vm_pages(&k.g, &base, "pages_2m");
		uint64_t d1 = vm_pages(&k.g, &built, "pages_1g") - vm_pages(&k.g, &base, "pages_1g");
		/* Second-level leaves can be no larger than the host backing and,
		 * under shadow paging, than the guest page: flag both losses. */
		uint64_t wanted = granule > c->guest_page ? granule : c->guest_page;
		char why[200];
		if (c->guest_page > granule)
			snprintf(why, sizeof why, "guest %s pages are splintered into %s second-level leaves by the %s host backing",
				 guest_page_name(c->guest_page), guest_page_name(granule),
				 host_page_name(c->host_page));
		else if (shadow_paging(h))
			snprintf(why, sizeof why, "this KVM uses shadow paging, which maps at most the guest page size (%s)",
				 guest_page_name(c->guest_page));
		else
			snprintf(why, sizeof why, "KVM mapped the %s backing with smaller leaves",
				 host_page_name(c->host_page));
		record_effective(r, d4 << 12, d2 << 21, d1 << 30, wanted, why);
	} else if (r->status == CELL_OK) {
		snprintf(r->mismatch_reason, sizeof r->mismatch_reason, "KVM VM stats unavailable: effective page size unknown");
	}
out:
	kvm_guest_destroy(&k.g);
	host_mem_free(&mem);
	return res;
}
