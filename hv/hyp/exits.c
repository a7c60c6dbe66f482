#include "exits.h"

#include "hv/common/fmt.h"
#include "x86.h"

int exit_fail(struct exit_ctx *x, const char *what, const char *k1, uint64_t v1, const char *k2, uint64_t v2,
	      const char *k3, uint64_t v3)
{
	struct fmt_buf f = fmt_init(x->error, sizeof x->error);
	fmt_str(&f, what);
	if (k1)
		fmt_hex_field(&f, k1, v1);
	if (k2)
		fmt_hex_field(&f, k2, v2);
	if (k3)
		fmt_hex_field(&f, k3, v3);
	return EXIT_FAIL;
}

const char *exit_slot_name(const struct exit_table *t, unsigned slot)
{
	return slot < t->n ? t->rows[slot].name : "other";
}

int exit_dispatch(struct exit_ctx *x, uint64_t code, uint64_t rip)
{
	unsigned slot = 0;
	while (slot < x->table->n && x->table->rows[slot].code != code)
		slot++;
	x->total_exits++;
	x->histogram[slot < HV_EXIT_SLOTS ? slot : HV_EXIT_SLOTS - 1]++;
	exit_handler h = slot < x->table->n ? x->table->rows[slot].handler : 0;
	if (!h) {
		struct fmt_buf f = fmt_init(x->error, sizeof x->error);
		fmt_str(&f, "unexpected exit ");
		fmt_str(&f, exit_slot_name(x->table, slot));
		fmt_str(&f, ":");
		fmt_hex_field(&f, "code", code);
		fmt_hex_field(&f, "rip", rip);
		return EXIT_FAIL;
	}
	return h(x);
}

int exit_on_port(struct exit_ctx *x, const struct tv_port_access *a)
{
	switch (tv_port_decode(a, x->params, &x->done_status, x->error, sizeof x->error)) {
	case TV_PORT_EVENT_DONE:
		return EXIT_DONE;
	case TV_PORT_EVENT_TICK:
		x->tick_exits++;
		return EXIT_CONTINUE;
	default:
		return EXIT_FAIL;
	}
}

void exit_emulate_cpuid(struct exit_ctx *x)
{
	uint32_t a, b, c, d;
	cpuid((uint32_t)x->regs.rax, (uint32_t)x->regs.rcx, &a, &b, &c, &d);
	x->regs.rax = a;
	x->regs.rbx = b;
	x->regs.rcx = c;
	x->regs.rdx = d;
}
