/* The baremetal backend: tlbvisor's hypervisor on a real machine. `run`
 * cannot reach one; `tlbvisor iso` writes the ISO to boot there and
 * `tlbvisor ingest` turns the serial log into cells of this backend. */
#include <stdio.h>

#include "bench/backends/hypervisor/boot.h"

static bool baremetal_available(const struct host_caps *h, char *why, size_t len)
{
	(void)h;
	snprintf(why, len, "it runs on a real machine: boot the ISO of tlbvisor iso there, then tlbvisor ingest its serial log");
	return false;
}

const struct backend_ops backend_baremetal = {
	.label = "baremetal (tlbvisor-hv)",
	.has_guest = true,
	.own_hypervisor = true,
	.available = baremetal_available,
};
