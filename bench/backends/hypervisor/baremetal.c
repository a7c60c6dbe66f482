/* The baremetal backend: tlbvisor's hypervisor on a real machine. `run`
 * cannot reach one; `tlbvisor iso` writes the ISO to boot there and
 * `tlbvisor ingest` turns the serial log into cells of this backend. */
#include "bench/backends/backend.h"

const struct backend_ops backend_baremetal = {
	.label = "baremetal (tlbvisor-hv)",
	.about = "it runs on a real machine: boot the ISO of tlbvisor iso there, then tlbvisor ingest its serial log",
	.has_guest = true,
	.own_hypervisor = true,
};
