/* VM, memory slots, vCPU and the run loop of the KVM backend. */
#include "kvm_guest.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <signal.h>
#include <sys/time.h>
#include <unistd.h>

#include "hv/common/elf64.h"
#include "hv/common/guest_layout.h"
#include "hv/common/port_abi.h"
#include "kvm_guest_state.h"

int kvm_open(char *err, size_t errlen)
{
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			snprintf(err, errlen, "/dev/kvm is missing: load KVM (modprobe kvm_intel or kvm_amd) or use --backend native");
		else if (errno == EACCES || errno == EPERM)
			snprintf(err, errlen, "/dev/kvm is not permitted for this user: add the user to group 'kvm' (sudo usermod -aG kvm $USER) or run as root");
		else
			snprintf(err, errlen, "cannot open /dev/kvm: %s", strerror(errno));
		return -1;
	}
	int version = ioctl(fd, KVM_GET_API_VERSION, 0);
	if (version != KVM_API_VERSION) {
		snprintf(err, errlen, "/dev/kvm speaks API version %d, tlbvisor needs %d", version,
			 KVM_API_VERSION);
		close(fd);
		return -1;
	}
	return fd;
}

static int set_memslot(struct kvm_guest *g, uint32_t slot, uint64_t gpa, uint64_t size, void *host,
		       char *err, size_t errlen)
{
	struct kvm_userspace_memory_region r = {
		.slot = slot,
		.guest_phys_addr = gpa,
		.memory_size = size,
		.userspace_addr = (uint64_t)(uintptr_t)host,
	};
	if (ioctl(g->vm_fd, KVM_SET_USER_MEMORY_REGION, &r) < 0) {
		snprintf(err, errlen, "KVM_SET_USER_MEMORY_REGION (slot %u, %llu bytes at 0x%llx): %s",
			 slot, (unsigned long long)size, (unsigned long long)gpa, strerror(errno));
		return -1;
	}
	return 0;
}

uint64_t kvm_guest_sys_size(const struct kvm_guest_config *cfg)
{
	return guest_layout_sys_size(cfg->ws_mem_size, cfg->guest_page);
}

static int open_stats(struct kvm_guest *g)
{
	int vm_sfd = ioctl(g->vm_fd, KVM_GET_STATS_FD, 0);
	if (vm_sfd < 0)
		return -1;
	if (kvm_stats_open(&g->vm_stats, vm_sfd) < 0)
		return -1;
	int vcpu_sfd = ioctl(g->vcpu_fd, KVM_GET_STATS_FD, 0);
	if (vcpu_sfd < 0 || kvm_stats_open(&g->vcpu_stats, vcpu_sfd) < 0) {
		kvm_stats_close(&g->vm_stats);
		return -1;
	}
	return 0;
}

int kvm_guest_create(struct kvm_guest *g, const struct kvm_guest_config *cfg, char *err,
		     size_t errlen)
{
	int rc = KVM_GUEST_FAILED;
	memset(g, 0, sizeof *g);
	g->kvm_fd = g->vm_fd = g->vcpu_fd = -1;
	g->vm_stats.fd = g->vcpu_stats.fd = -1;

	g->kvm_fd = kvm_open(err, errlen);
	if (g->kvm_fd < 0)
		return -1;
	g->vm_fd = ioctl(g->kvm_fd, KVM_CREATE_VM, 0);
	if (g->vm_fd < 0) {
		snprintf(err, errlen, "KVM_CREATE_VM: %s", strerror(errno));
		goto fail;
	}

	g->sys_size = (size_t)kvm_guest_sys_size(cfg);
	uint64_t slot0 = g->sys_size;
	if (cfg->sys_host) {
		if (cfg->sys_host_size < g->sys_size || cfg->sys_host_size > TV_WS_ADDR) {
			snprintf(err, errlen, "guest system memory of %llu bytes: it must hold %zu bytes and end below the working set at 0x%llx",
				 (unsigned long long)cfg->sys_host_size, g->sys_size, (unsigned long long)TV_WS_ADDR);
			goto fail;
		}
		g->sys = cfg->sys_host;
		slot0 = cfg->sys_host_size;
	} else {
		g->sys = mmap(NULL, g->sys_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (g->sys == MAP_FAILED) {
			g->sys = NULL;
			snprintf(err, errlen, "cannot allocate %zu bytes of guest system memory: %s",
				 g->sys_size, strerror(errno));
			goto fail;
		}
		g->sys_owned = true;
	}
	g->params = (volatile struct tv_params *)(g->sys + TV_PARAMS_ADDR);

	uint64_t entry;
	enum elf64_status es = elf64_load(cfg->payload, cfg->payload_size, g->sys + TV_PAYLOAD_ADDR,
					  TV_PAYLOAD_ADDR, TV_PAYLOAD_ADDR + TV_PAYLOAD_MAX, &entry);
	if (es != ELF64_OK) {
		snprintf(err, errlen, "guest payload: %s", elf64_status_str(es));
		goto fail;
	}
	const struct tv_payload_header *hdr = (const void *)(g->sys + TV_PAYLOAD_ADDR);
	if (hdr->magic != TV_PAYLOAD_MAGIC || hdr->abi_version != TV_ABI_VERSION) {
		snprintf(err, errlen, "guest payload: no tlbvisor header of ABI version %u at 0x%llx",
			 TV_ABI_VERSION, (unsigned long long)TV_PAYLOAD_ADDR);
		goto fail;
	}

	if (set_memslot(g, 0, 0, slot0, g->sys, err, errlen) < 0 ||
	    set_memslot(g, 1, TV_WS_ADDR, cfg->ws_mem_size, cfg->ws_host, err, errlen) < 0)
		goto fail;

	g->vcpu_fd = ioctl(g->vm_fd, KVM_CREATE_VCPU, 0);
	if (g->vcpu_fd < 0) {
		snprintf(err, errlen, "KVM_CREATE_VCPU: %s", strerror(errno));
		goto fail;
	}
	int run_size = ioctl(g->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (run_size <= 0) {
		snprintf(err, errlen, "KVM_GET_VCPU_MMAP_SIZE: %s", strerror(errno));
		goto fail;
	}
	g->run_size = (size_t)run_size;
	g->run = mmap(NULL, g->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, g->vcpu_fd, 0);
	if (g->run == MAP_FAILED) {
		g->run = NULL;
		snprintf(err, errlen, "mmap of the vCPU run area: %s", strerror(errno));
		goto fail;
	}

	if (kvm_guest_set_cpuid(g, cfg->phys_bits, err, errlen) < 0)
		goto fail;
	if (cfg->guest_page == (1ull << 30) && !g->guest_pdpe1gb) {
		snprintf(err, errlen, "guest 1G pages need CPUID.80000001H:EDX.Page1GB, which this KVM does not give the guest");
		rc = KVM_GUEST_UNSUPPORTED;
		goto fail;
	}
	unsigned levels = cfg->guest_levels ? cfg->guest_levels : 4;
	if (levels == 5 && !g->guest_la57) {
		snprintf(err, errlen, "5-level guest paging needs CPUID.(EAX=07H,ECX=0):ECX.LA57, which this KVM does not give the guest");
		rc = KVM_GUEST_UNSUPPORTED;
		goto fail;
	}
	int st = kvm_guest_build_state(g, hdr, entry, cfg->ws_mem_size, cfg->guest_page, levels, err, errlen);
	if (st < 0) {
		rc = st;
		goto fail;
	}
	g->params->magic = TV_PARAMS_MAGIC;
	g->params->abi_version = TV_ABI_VERSION;
	g->have_stats = open_stats(g) == 0;
	return 0;
fail:
	kvm_guest_destroy(g);
	return rc;
}

void kvm_guest_destroy(struct kvm_guest *g)
{
	kvm_stats_close(&g->vm_stats);
	kvm_stats_close(&g->vcpu_stats);
	if (g->run)
		munmap(g->run, g->run_size);
	if (g->vcpu_fd >= 0)
		close(g->vcpu_fd);
	if (g->vm_fd >= 0)
		close(g->vm_fd);
	if (g->kvm_fd >= 0)
		close(g->kvm_fd);
	if (g->sys && g->sys_owned)
		munmap(g->sys, g->sys_size);
	memset(g, 0, sizeof *g);
	g->kvm_fd = g->vm_fd = g->vcpu_fd = -1;
	g->vm_stats.fd = g->vcpu_stats.fd = -1;
}

/* What the guest's port write means (the one decoder in hv/common); the
 * data pointer is checked against the run area before it is read (the guest
 * controls size and count). */
enum kvm_run_result kvm_io_decode(const struct kvm_run *r, size_t run_size,
				  const volatile struct tv_params *params, uint32_t *status,
				  uint64_t *ticks, char *err, size_t errlen)
{
	struct tv_port_access a = { .port = r->io.port, .in = r->io.direction != KVM_EXIT_IO_OUT,
				    .size = r->io.size, .count = r->io.count };
	uint64_t bytes = (uint64_t)r->io.size * r->io.count;
	if (r->io.data_offset > run_size || bytes > run_size - r->io.data_offset) {
		snprintf(err, errlen, "guest port access with data outside the KVM run area (port 0x%x, offset %llu, %llu bytes)",
			 r->io.port, (unsigned long long)r->io.data_offset, (unsigned long long)bytes);
		return KVM_RUN_FAILED;
	}
	if (bytes >= sizeof a.value)
		memcpy(&a.value, (const uint8_t *)r + r->io.data_offset, sizeof a.value);
	switch (tv_port_decode(&a, params, status, err, errlen)) {
	case TV_PORT_EVENT_DONE:
		return KVM_RUN_DONE;
	case TV_PORT_EVENT_TICK:
		(*ticks)++;
		return KVM_RUN_TICK;
	default:
		return KVM_RUN_FAILED;
	}
}

static enum kvm_run_result handle_io(struct kvm_guest *g, uint32_t *status, char *err, size_t errlen)
{
	return kvm_io_decode(g->run, g->run_size, g->params, status, &g->tick_exits, err, errlen);
}

static volatile sig_atomic_t watchdog_fired;

static void on_watchdog(int sig)
{
	(void)sig;
	watchdog_fired = 1;
}

/* Arm (seconds > 0) or disarm (0) the per-command watchdog. */
static void watchdog(double seconds)
{
	static int installed;
	if (!installed && seconds > 0) {
		struct sigaction sa;
		memset(&sa, 0, sizeof sa);
		sa.sa_handler = on_watchdog; /* no SA_RESTART: KVM_RUN returns EINTR */
		sigaction(SIGALRM, &sa, NULL);
		installed = 1;
	}
	struct itimerval it = { 0 };
	it.it_value.tv_sec = (time_t)seconds;
	it.it_value.tv_usec = (suseconds_t)((seconds - (double)(time_t)seconds) * 1e6);
	watchdog_fired = 0;
	setitimer(ITIMER_REAL, &it, NULL);
}

static enum kvm_run_result run_command(struct kvm_guest *g, uint32_t *status, char *err, size_t errlen);

enum kvm_run_result kvm_guest_command(struct kvm_guest *g, uint32_t cmd, uint32_t *status,
				      char *err, size_t errlen)
{
	g->params->cmd = cmd;
	g->params->status = ~0u;
	if (g->watchdog_s > 0)
		watchdog(g->watchdog_s);
	enum kvm_run_result rr = run_command(g, status, err, errlen);
	if (g->watchdog_s > 0)
		watchdog(0);
	return rr;
}

static enum kvm_run_result run_command(struct kvm_guest *g, uint32_t *status, char *err, size_t errlen)
{
	for (;;) {
		if (ioctl(g->vcpu_fd, KVM_RUN, 0) < 0) {
			if (errno == EINTR && watchdog_fired) {
				snprintf(err, errlen, "guest ran away: no answer within %.3g s (watchdog; see --guest-timeout)",
					 g->watchdog_s);
				return KVM_RUN_FAILED;
			}
			if (errno == EINTR) {
				snprintf(err, errlen, "interrupted");
				return KVM_RUN_INTERRUPTED;
			}
			if (errno == EFAULT)
				snprintf(err, errlen, "KVM_RUN: Bad address (guest memory could not be faulted in: hugetlb pages exhausted?)");
			else
				snprintf(err, errlen, "KVM_RUN: %s", strerror(errno));
			return KVM_RUN_FAILED;
		}
		struct kvm_run *r = g->run;
		switch (r->exit_reason) {
		case KVM_EXIT_IO: {
			enum kvm_run_result rr = handle_io(g, status, err, errlen);
			if (rr == KVM_RUN_TICK)
				continue;
			return rr;
		}
		case KVM_EXIT_INTR:
			if (watchdog_fired) {
				snprintf(err, errlen, "guest ran away: no answer within %.3g s (watchdog; see --guest-timeout)",
					 g->watchdog_s);
				return KVM_RUN_FAILED;
			}
			snprintf(err, errlen, "interrupted");
			return KVM_RUN_INTERRUPTED;
		case KVM_EXIT_MMIO:
			snprintf(err, errlen, "guest accessed guest-physical 0x%llx, which has no memory",
				 (unsigned long long)r->mmio.phys_addr);
			return KVM_RUN_FAILED;
		case KVM_EXIT_SHUTDOWN:
			snprintf(err, errlen, "guest triple fault (KVM_EXIT_SHUTDOWN)");
			return KVM_RUN_FAILED;
		case KVM_EXIT_HLT:
			snprintf(err, errlen, "guest halted");
			return KVM_RUN_FAILED;
		case KVM_EXIT_FAIL_ENTRY:
			snprintf(err, errlen, "VM entry failed, hardware reason 0x%llx",
				 (unsigned long long)r->fail_entry.hardware_entry_failure_reason);
			return KVM_RUN_FAILED;
		case KVM_EXIT_INTERNAL_ERROR:
			snprintf(err, errlen, "KVM internal error, suberror %u", r->internal.suberror);
			return KVM_RUN_FAILED;
		default:
			snprintf(err, errlen, "unexpected KVM exit reason %u", r->exit_reason);
			return KVM_RUN_FAILED;
		}
	}
}
