/* Fuzz the KVM backend's port-I/O handling with a hostile guest: any
 * sequence of port accesses (direction, size, count, data offset, port,
 * data) and any parameter block. The host must never read outside the run
 * area (ASan watches). */
#include <linux/kvm.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hv/kvm/kvm_guest.h"

#define RUN_SIZE 4096

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tv_params params;
	size_t used = size < sizeof params ? size : sizeof params;
	memset(&params, 0, sizeof params);
	memcpy(&params, data, used);
	data += used;
	size -= used;
	/* The run area exactly as large as the kernel's, so ASan sees overreads. */
	uint8_t *area = malloc(RUN_SIZE);
	uint64_t ticks = 0;
	while (size >= 12) {
		memset(area, 0, RUN_SIZE);
		struct kvm_run *run = (struct kvm_run *)area;
		run->exit_reason = KVM_EXIT_IO;
		run->io.direction = data[0] & 1;
		run->io.size = data[1];
		run->io.port = (uint16_t)(data[2] | data[3] << 8);
		run->io.count = (uint32_t)(data[4] | data[5] << 8 | (uint32_t)data[6] << 16 | (uint32_t)data[7] << 24);
		run->io.data_offset = (uint64_t)(data[8] | data[9] << 8 | (uint32_t)data[10] << 16 | (uint32_t)data[11] << 24);
		data += 12;
		size -= 12;
		/* Guest data goes where the kernel would put it, if it fits. */
		if (run->io.data_offset < RUN_SIZE && size >= 4 && run->io.data_offset <= RUN_SIZE - 4)
			memcpy(area + run->io.data_offset, data, 4);
		uint32_t status = 0;
		char err[256];
		kvm_io_decode(run, RUN_SIZE, &params, &status, &ticks, err, sizeof err);
	}
	free(area);
	return 0;
}
