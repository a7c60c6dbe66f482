/* The VM-exit loop under VMX: enter with VMLAUNCH/VMRESUME, dispatch each
 * exit through the table of vmx_exit_reasons.h. */
#include "vmx.h"

#include "hv/hyp/serial.h"
#include "hv/hyp/x86.h"
#include "vmcs_fields.h"
#include "vmx_exit_reasons.h"
#include "vmx_insn.h"

int vmx_run(struct guest_regs *regs, int launched, uint64_t host_rsp_field);

static uint64_t vmr(uint64_t field)
{
	uint64_t v = 0;
	vmread(field, &v);
	return v;
}

static void skip_instruction(void)
{
	vmwrite(VMCS_GUEST_RIP, vmr(VMCS_GUEST_RIP) + vmr(VMCS_EXIT_INSTR_LEN));
}

static int on_io(struct exit_ctx *x)
{
	uint64_t q = vmr(VMCS_EXIT_QUALIFICATION);
	/* A REP prefix repeats RCX times (SDM Vol. 2B, OUTS). */
	struct tv_port_access a = { .port = IO_QUAL_PORT(q), .in = q & IO_QUAL_IN, .string = q & IO_QUAL_STRING,
				    .size = IO_QUAL_SIZE(q), .count = q & IO_QUAL_REP ? x->regs.rcx : 1,
				    .value = (uint32_t)x->regs.rax };
	int action = exit_on_port(x, &a);
	if (action != EXIT_FAIL)
		skip_instruction();
	return action;
}

static int on_cpuid(struct exit_ctx *x)
{
	exit_emulate_cpuid(x);
	skip_instruction();
	return EXIT_CONTINUE;
}

/* EPT violation, SDM Vol. 3C table 28-7: bit 0 read, 1 write, 2 fetch. */
static int on_ept_violation(struct exit_ctx *x)
{
	return exit_fail(x, "EPT violation: the guest touched a guest-physical address the EPT does not map:",
			 "gpa", vmr(VMCS_GUEST_PHYSICAL_ADDRESS), "qualification", vmr(VMCS_EXIT_QUALIFICATION),
			 "guest_linear", vmr(VMCS_GUEST_LINEAR_ADDRESS));
}

static int on_ept_misconfig(struct exit_ctx *x)
{
	return exit_fail(x, "EPT misconfiguration:", "gpa", vmr(VMCS_GUEST_PHYSICAL_ADDRESS), "rip",
			 vmr(VMCS_GUEST_RIP), 0, 0);
}

static int on_triple_fault(struct exit_ctx *x)
{
	return exit_fail(x, "guest triple fault:", "rip", vmr(VMCS_GUEST_RIP), "rsp", vmr(VMCS_GUEST_RSP), "cr3",
			 vmr(VMCS_GUEST_CR3));
}

static int on_hlt(struct exit_ctx *x)
{
	return exit_fail(x, "guest halted:", "rip", vmr(VMCS_GUEST_RIP), 0, 0, 0, 0);
}

static int on_preemption_timer(struct exit_ctx *x)
{
	if (x->exit_ticks) {
		x->timer_exits++;
		return EXIT_CONTINUE;
	}
	return exit_fail(x, "guest ran away: no answer within --guest-timeout of guest time (watchdog: the VMX-preemption timer expired):", "rip",
			 vmr(VMCS_GUEST_RIP), 0, 0, 0, 0);
}

DEFINE_EXIT_TABLE(vmx_exit_table, VMX_EXIT_REASONS);

/* The preemption timer is re-armed at every VM entry, so a guest that keeps
 * exiting (timer exits on purpose, port ticks, CPUID) would never trip it:
 * the whole command is bounded too. The TSC counts the guest's time as well
 * as ours (under Bochs: emulated time), so the limit is in guest time,
 * whatever the emulator's speed. */
static int command_overran(struct exit_ctx *x, uint64_t start, uint64_t timer_exits_before)
{
	if (!x->command_tsc || rdtsc() - start <= x->command_tsc)
		return 0;
	exit_fail(x, x->timer_exits > timer_exits_before
		  ? "guest ran away: no answer within --guest-timeout of guest time (guest-time watchdog) while "
		    "VMX-preemption-timer exits kept interrupting it; fix: if the guest is not spinning, give it more "
		    "time between exits (raise --exit-every-ticks) or raise --guest-timeout:"
		  : "guest ran away: no answer within --guest-timeout of guest time (guest-time watchdog) although it "
		    "kept exiting; fix: if the guest is not spinning, raise --guest-timeout:",
		  "rip", vmr(VMCS_GUEST_RIP), "exits", x->total_exits, "timer_exits", x->timer_exits - timer_exits_before);
	return 1;
}

int vmx_run_guest(struct exit_ctx *x)
{
	uint64_t start = rdtsc(), timer_exits_before = x->timer_exits;
	for (;;) {
		if (x->watchdog_ticks || x->exit_ticks)
			vmwrite(VMCS_PREEMPTION_TIMER, x->exit_ticks ? x->exit_ticks : x->watchdog_ticks);
		if (vmx_run(&x->regs, x->launched, VMCS_HOST_RSP)) {
			uint64_t err = vmr(VMCS_VM_INSTRUCTION_ERROR);
			kprintf("VM entry failed: VM-instruction error %lu (%s); VMCS:\n", err,
				vmx_instruction_error_str(err));
			vmcs_dump();
			return exit_fail(x, vmx_instruction_error_str(err), "vm_instruction_error", err, 0, 0, 0, 0);
		}
		x->launched = true;
		uint64_t reason = vmr(VMCS_EXIT_REASON);
		if (reason & VMX_EXIT_REASON_ENTRY_FAILED) {
			/* VM-entry failure after the checks on the guest state (SDM 27.8). */
			kprintf("VM entry failed on guest state: exit reason %lu, qualification 0x%lx; VMCS:\n",
				VMX_EXIT_REASON_BASIC(reason), vmr(VMCS_EXIT_QUALIFICATION));
			vmcs_dump();
			x->launched = false;
			return exit_fail(x, "VM entry failed: invalid guest state:", "exit_reason", reason,
					 "qualification", vmr(VMCS_EXIT_QUALIFICATION), 0, 0);
		}
		int action = exit_dispatch(x, VMX_EXIT_REASON_BASIC(reason), vmr(VMCS_GUEST_RIP));
		if (action != EXIT_CONTINUE)
			return action;
		if (command_overran(x, start, timer_exits_before))
			return EXIT_FAIL;
	}
}
