/* A real guest on /dev/kvm: the payload runs in CPL3, builds and chases its
 * working set, ends where the host predicts, and its faults are reported. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "hv/common/elf64.h"
#include "bench/host/host_mem.h"
#include "hv/kvm/kvm_guest.h"
#include "bench/backends/kvm/kvm_trace.h"

extern const uint8_t tv_payload_elf[];
extern const size_t tv_payload_elf_size;

static int kvm_usable(void)
{
	char err[256];
	int fd = kvm_open(err, sizeof err);
	if (fd < 0) {
		printf("skipping KVM test: %s\n", err);
		return 0;
	}
	close(fd);
	return 1;
}

struct vm {
	struct host_mem mem;
	struct kvm_guest g;
};

static void vm_start(struct vm *v, uint64_t ws, uint64_t guest_page)
{
	char err[512];
	cr_assert_eq(host_mem_alloc(&v->mem, HOST_PAGE_4K, ws, err, sizeof err), 0, "%s", err);
	struct kvm_guest_config cfg = { .payload = tv_payload_elf, .payload_size = tv_payload_elf_size,
					.ws_host = v->mem.addr, .ws_mem_size = v->mem.size, .guest_page = guest_page };
	cr_assert_eq(kvm_guest_create(&v->g, &cfg, err, sizeof err), 0, "%s", err);
}

static void vm_stop(struct vm *v)
{
	kvm_guest_destroy(&v->g);
	host_mem_free(&v->mem);
}

Test(kvm, guest_chase_ends_with_the_expected_pointer)
{
	if (!kvm_usable())
		cr_skip_test("/dev/kvm unavailable");
	const uint64_t pages[] = { 4096, 2ull << 20 };
	for (int p = 0; p < 2; p++) {
		struct vm v;
		vm_start(&v, 8 << 20, pages[p]);
		char err[512];
		uint32_t status;
		struct chase_config c = { .base = TV_WS_ADDR, .bytes = 8 << 20, .stride = 4096, .seed = 77 };
		v.g.params->chase = c;
		cr_assert_eq(kvm_guest_command(&v.g, TV_CMD_BUILD, &status, err, sizeof err), KVM_RUN_DONE, "%s", err);
		cr_assert_eq(status, TV_STATUS_OK);
		v.g.params->steps = 5000;
		cr_assert_eq(kvm_guest_command(&v.g, TV_CMD_RUN, &status, err, sizeof err), KVM_RUN_DONE, "%s", err);
		cr_assert_eq(v.g.params->final_ptr, chase_expected(&c, 5000));
		cr_assert_gt(v.g.params->cycles, 5000);
		/* The guest wrote the chain into host memory: check one link from outside. */
		uint64_t start = chase_start(&c);
		uint64_t next = *(uint64_t *)((uint8_t *)v.mem.addr + (start - TV_WS_ADDR));
		cr_assert_eq(next, chase_expected(&c, 1));
		vm_stop(&v);
	}
}

Test(kvm, guest_page_fault_is_reported_with_address)
{
	if (!kvm_usable())
		cr_skip_test("/dev/kvm unavailable");
	struct vm v;
	vm_start(&v, 1 << 20, 4096);
	char err[512];
	uint32_t status;
	v.g.params->touch_addr = 0x30000000; /* not mapped in the guest */
	cr_assert_eq(kvm_guest_command(&v.g, TV_CMD_TOUCH, &status, err, sizeof err), KVM_RUN_FAILED);
	cr_assert(strstr(err, "#PF"), "%s", err);
	cr_assert(strstr(err, "cr2 0x30000000"), "%s", err);
	vm_stop(&v);
}

Test(kvm, unknown_command_is_refused_by_the_payload)
{
	if (!kvm_usable())
		cr_skip_test("/dev/kvm unavailable");
	struct vm v;
	vm_start(&v, 1 << 20, 4096);
	char err[512];
	uint32_t status;
	cr_assert_eq(kvm_guest_command(&v.g, 99, &status, err, sizeof err), KVM_RUN_DONE, "%s", err);
	cr_assert_eq(status, TV_STATUS_BAD_CMD);
	vm_stop(&v);
}

Test(kvm, vm_stats_count_the_working_set_pages)
{
	if (!kvm_usable())
		cr_skip_test("/dev/kvm unavailable");
	struct vm v;
	vm_start(&v, 4 << 20, 4096);
	if (!v.g.have_stats) {
		vm_stop(&v);
		cr_skip_test("KVM binary stats unavailable on this kernel");
	}
	char err[512];
	uint32_t status;
	struct kvm_stats_snapshot before, after;
	cr_assert_eq(kvm_guest_command(&v.g, TV_CMD_NOP, &status, err, sizeof err), KVM_RUN_DONE);
	kvm_stats_read(&v.g.vm_stats, &before);
	v.g.params->chase = (struct chase_config){ .base = TV_WS_ADDR, .bytes = 4 << 20, .stride = 4096 };
	cr_assert_eq(kvm_guest_command(&v.g, TV_CMD_BUILD, &status, err, sizeof err), KVM_RUN_DONE);
	kvm_stats_read(&v.g.vm_stats, &after);
	int idx = kvm_stats_find(&v.g.vm_stats, "pages_4k");
	cr_assert_geq(idx, 0);
	/* 1024 leaves for the working set; under nested paging also the few
	 * guest page-table pages its walk reads for the first time. */
	uint64_t added = after.value[idx] - before.value[idx];
	cr_assert(added >= 1024 && added <= 1024 + 8, "%llu new 4K leaves for 4 MiB of 4K pages",
		  (unsigned long long)added);
	vm_stop(&v);
}

Test(kvm, bad_payload_is_refused_before_the_guest_runs)
{
	if (!kvm_usable())
		cr_skip_test("/dev/kvm unavailable");
	static const char not_elf[64] = "this is not an ELF file at all";
	struct host_mem mem;
	char err[512];
	cr_assert_eq(host_mem_alloc(&mem, HOST_PAGE_4K, 1 << 20, err, sizeof err), 0);
	struct kvm_guest g;
	struct kvm_guest_config cfg = { .payload = not_elf, .payload_size = sizeof not_elf, .ws_host = mem.addr,
					.ws_mem_size = mem.size, .guest_page = 4096 };
	cr_assert_eq(kvm_guest_create(&g, &cfg, err, sizeof err), -1);
	cr_assert(strstr(err, "not an ELF64"), "%s", err);
	host_mem_free(&mem);
}

Test(kvm, tracepoint_samples_count_every_port_exit)
{
	if (!kvm_usable())
		cr_skip_test("/dev/kvm unavailable");
	struct kvm_trace t;
	/* kvm:kvm_pio fires here (kvm:kvm_exit does not under kvm_pvm): it
	 * proves the sampling path that groups exits by reason. */
	kvm_trace_open_event(&t, "kvm_pio", "port");
	if (t.fd < 0)
		cr_skip_test("kvm tracepoint unavailable: %s", t.why);
	struct vm v;
	vm_start(&v, 1 << 20, 4096);
	char err[512];
	uint32_t status;
	kvm_trace_reset(&t);
	for (int i = 0; i < 7; i++)
		cr_assert_eq(kvm_guest_command(&v.g, TV_CMD_NOP, &status, err, sizeof err), KVM_RUN_DONE);
	kvm_trace_drain(&t);
	cr_assert_eq(t.total, 7, "%llu samples for 7 port writes", (unsigned long long)t.total);
	cr_assert_eq(kvm_trace_count(&t, TV_PORT_DONE), 7, "7 samples of port 0x%x", TV_PORT_DONE);
	kvm_trace_close(&t);
	vm_stop(&v);
}

/* 5-level guest paging (CR4.LA57): where the KVM gives the guest LA57 the
 * chase runs through 5-level tables; where it does not, the guest is refused
 * as unsupported with a reason naming LA57, not failed. */
Test(kvm, five_level_guest_runs_or_is_refused_as_unsupported)
{
	if (!kvm_usable())
		cr_skip_test("/dev/kvm unavailable");
	char err[512];
	struct host_mem mem;
	cr_assert_eq(host_mem_alloc(&mem, HOST_PAGE_4K, 4 << 20, err, sizeof err), 0, "%s", err);
	struct kvm_guest g;
	struct kvm_guest_config cfg = { .payload = tv_payload_elf, .payload_size = tv_payload_elf_size,
					.ws_host = mem.addr, .ws_mem_size = mem.size, .guest_page = 4096,
					.guest_levels = 5 };
	int rc = kvm_guest_create(&g, &cfg, err, sizeof err);
	if (rc == KVM_GUEST_UNSUPPORTED) {
		cr_assert(strstr(err, "LA57"), "%s", err);
		printf("5-level guest refused as unsupported: %s\n", err);
	} else {
		cr_assert_eq(rc, 0, "%s", err);
		cr_assert(g.guest_la57);
		uint32_t status;
		struct chase_config c = { .base = TV_WS_ADDR, .bytes = 4 << 20, .stride = 4096, .seed = 5 };
		g.params->chase = c;
		cr_assert_eq(kvm_guest_command(&g, TV_CMD_BUILD, &status, err, sizeof err), KVM_RUN_DONE, "%s", err);
		g.params->steps = 3000;
		cr_assert_eq(kvm_guest_command(&g, TV_CMD_RUN, &status, err, sizeof err), KVM_RUN_DONE, "%s", err);
		cr_assert_eq(g.params->final_ptr, chase_expected(&c, 3000));
		kvm_guest_destroy(&g);
	}
	host_mem_free(&mem);
}
