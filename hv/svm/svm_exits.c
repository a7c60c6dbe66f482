/* The VMRUN loop: enter the guest, dispatch each #VMEXIT through the table
 * of svm_exit_codes.h. SVM has no VMX-preemption timer, so the watchdog is
 * the local APIC timer: armed before VMRUN with what is left of the
 * command's budget, its interrupt exits the guest through the INTR intercept
 * (APM Vol. 2 15.13.1), which ends a guest that ran away. The same timer
 * gives the exits on purpose of exit_ticks. */
#include "svm.h"

#include "hv/hyp/apic.h"
#include "hv/hyp/host.h"
#include "hv/hyp/serial.h"
#include "hv/hyp/x86.h"
#include "svm_exit_codes.h"
#include "vmcb_fields.h"

/* Enter the guest of the VMCB at vmcb_pa (svm_entry.S). */
void svm_run(struct guest_regs *regs, uint64_t vmcb_pa, uint64_t host_save_pa);

#define CPUID_INSN_BYTES 2 /* 0F A2 */

static struct svm_cell *cell_of(struct exit_ctx *x)
{
	return x->vendor;
}

/* The next RIP: from the VMCB where the processor saves it (NRIPS, 15.7.1),
 * else from the instruction's known length. */
static void skip_instruction(struct exit_ctx *x, unsigned bytes)
{
	uint8_t *v = cell_of(x)->vmcb;
	uint64_t next = svm_caps.features & SVM_FEATURE_NRIPS ? vmcb_read(v, VMCB_NRIP) : 0;
	vmcb_write(v, VMCB_RIP, next ? next : vmcb_read(v, VMCB_RIP) + bytes);
}

static int on_ioio(struct exit_ctx *x)
{
	uint8_t *v = cell_of(x)->vmcb;
	uint64_t info = vmcb_read(v, VMCB_EXITINFO1);
	struct tv_port_access a = { .port = IOIO_PORT(info), .in = info & IOIO_IN, .string = info & IOIO_STRING,
				    .size = IOIO_SIZE(info), .count = info & IOIO_REP ? x->regs.rcx : 1,
				    .value = (uint32_t)x->regs.rax };
	int action = exit_on_port(x, &a);
	if (action != EXIT_FAIL)
		vmcb_write(v, VMCB_RIP, vmcb_read(v, VMCB_EXITINFO2)); /* EXITINFO2: the next RIP (15.10.2) */
	return action;
}

static int on_cpuid(struct exit_ctx *x)
{
	exit_emulate_cpuid(x);
	skip_instruction(x, CPUID_INSN_BYTES);
	return EXIT_CONTINUE;
}

/* Nested page fault, APM 15.25.6: EXITINFO1 is a #PF error code (bit 32:
 * on the final guest-physical address, bit 33: on a guest table), EXITINFO2
 * the guest-physical address. */
static int on_npf(struct exit_ctx *x)
{
	uint8_t *v = cell_of(x)->vmcb;
	return exit_fail(x, "nested page fault (#NPF): the guest touched a guest-physical address the NPT does not map:",
			 "gpa", vmcb_read(v, VMCB_EXITINFO2), "error_code", vmcb_read(v, VMCB_EXITINFO1), "rip",
			 vmcb_read(v, VMCB_RIP));
}

static int on_shutdown(struct exit_ctx *x)
{
	uint8_t *v = cell_of(x)->vmcb;
	return exit_fail(x, "guest triple fault (shutdown intercept):", "rip", vmcb_read(v, VMCB_RIP), "rsp",
			 vmcb_read(v, VMCB_RSP), "cr3", vmcb_read(v, VMCB_CR3));
}

static int on_hlt(struct exit_ctx *x)
{
	return exit_fail(x, "guest halted:", "rip", vmcb_read(cell_of(x)->vmcb, VMCB_RIP), 0, 0, 0, 0);
}

/* A physical interrupt while the guest ran. Ours when the timer interrupt
 * arrived (host_idt.S counted it after the exit); otherwise (another
 * interrupt, or one left pending from the host) the guest simply goes on. */
static int on_intr(struct exit_ctx *x)
{
	struct svm_cell *s = cell_of(x);
	if (host_timer_interrupts == s->timer_seen)
		return EXIT_CONTINUE;
	if (x->watchdog_ticks && !s->budget)
		return exit_fail(x, "guest ran away: the watchdog (local APIC timer, INTR intercept) expired:", "rip",
				 vmcb_read(s->vmcb, VMCB_RIP), "budget_tsc", x->watchdog_ticks, 0, 0);
	if (x->exit_ticks && s->ran >= x->exit_ticks - x->exit_ticks / 16)
		x->timer_exits++;
	return EXIT_CONTINUE;
}

/* VMRUN refused the VMCB (consistency checks, APM 15.5.1). */
static int on_invalid(struct exit_ctx *x)
{
	kputs("VMRUN failed its consistency checks (VMEXIT_INVALID); VMCB:\n");
	vmcb_dump(cell_of(x)->vmcb);
	return exit_fail(x, "VMRUN failed: invalid guest state or controls (VMEXIT_INVALID, APM 15.5.1)", 0, 0, 0, 0,
			 0, 0);
}

DEFINE_EXIT_TABLE(svm_exit_table, SVM_EXIT_CODES);

/* EXITCODE is 64 bits and its negative codes (VMEXIT_INVALID = -1) fill
 * them (APM appendix C); QEMU's TCG writes them zero-extended from 32 bits
 * (0xffffffff), so sign-extend a code whose upper half is 0. */
static uint64_t exit_code(const uint8_t *v)
{
	uint64_t code = vmcb_read(v, VMCB_EXITCODE);
	return code >> 32 ? code : (uint64_t)(int64_t)(int32_t)code;
}

int svm_run_guest(struct exit_ctx *x)
{
	struct svm_cell *s = cell_of(x);
	uint8_t *v = s->vmcb;
	/* TLB_CONTROL (15.16): a tagged guest keeps its ASID's entries across
	 * VMRUNs and is flushed once, before its first; an untagged one is
	 * flushed on every VMRUN. */
	unsigned flush = svm_caps.features & SVM_FEATURE_FLUSH_BY_ASID ? TLB_CONTROL_FLUSH_ASID : TLB_CONTROL_FLUSH_ALL;
	/* The watchdog's budget is per command; its timer is armed once and
	 * left running across exits (no APIC access on the exit path), and
	 * armed again only after it fired early (a budget longer than the
	 * timer can count). Timer exits on purpose restart at every VMRUN, as
	 * the VMX-preemption timer does. */
	s->budget = x->watchdog_ticks;
	bool armed = false;
	int action;
	do {
		vmcb_write(v, VMCB_TLB_CONTROL, s->first_entry || !s->tagged ? flush : TLB_CONTROL_NOTHING);
		s->first_entry = false;
		vmcb_write(v, VMCB_RAX, x->regs.rax);
		if (x->exit_ticks || (!armed && s->budget)) {
			uint64_t ticks = x->exit_ticks && (!s->budget || x->exit_ticks < s->budget) ? x->exit_ticks : s->budget;
			s->timer_seen = host_timer_interrupts;
			apic_timer_arm(ticks ? ticks : 1);
			armed = true;
		}
		s->entry_tsc = rdtsc();
		svm_run(&x->regs, s->vmcb_pa, svm_caps.host_save_pa);
		s->ran = rdtsc() - s->entry_tsc;
		if (s->budget)
			s->budget = s->ran >= s->budget ? 0 : s->budget - s->ran;
		x->regs.rax = vmcb_read(v, VMCB_RAX);
		action = exit_dispatch(x, exit_code(v), vmcb_read(v, VMCB_RIP));
		if (host_timer_interrupts != s->timer_seen)
			armed = false; /* it fired: arm again for what is left */
	} while (action == EXIT_CONTINUE);
	if (armed || x->exit_ticks)
		apic_timer_stop();
	return action;
}
