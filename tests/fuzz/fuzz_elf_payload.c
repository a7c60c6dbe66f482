/* Fuzz the payload ELF loader (a --payload file is user input). */
#include <stdint.h>
#include <stdlib.h>

#include "hv/common/elf64.h"
#include "workloads/tv_abi.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *dest = malloc(TV_PAYLOAD_MAX);
	uint64_t entry;
	elf64_load(data, size, dest, TV_PAYLOAD_ADDR, TV_PAYLOAD_ADDR + TV_PAYLOAD_MAX, &entry);
	free(dest);
	return 0;
}
