/* Multiboot2 boot information (Multiboot2 spec 3.6): command line, memory
 * map, modules, and whether UEFI firmware booted us (GRUB's EFI build passes
 * the EFI system table, 3.6.12-13; it has exited the boot services unless
 * the image asks otherwise, which this one does not). */
#ifndef TLBVISOR_HYP_MB2_H
#define TLBVISOR_HYP_MB2_H

#include <stdbool.h>
#include <stdint.h>

#define MB2_BOOTLOADER_MAGIC 0x36d76289u
#define MB2_MAX_REGIONS 32
#define MB2_MAX_MODULES 4

struct mb2_region { uint64_t base, length; };
struct mb2_module { uint64_t start, end; const char *cmdline; };

struct mb2_info {
	const char *cmdline;
	struct mb2_region ram[MB2_MAX_REGIONS]; /* available RAM (type 1) */
	unsigned nram;
	struct mb2_module modules[MB2_MAX_MODULES];
	unsigned nmodules;
	uint64_t info_end;
	bool efi;                  /* an EFI system-table tag was present */
};

/* Returns 0, or -1 when the information block is malformed. */
int mb2_parse(uint64_t info_addr, struct mb2_info *out);

#endif
