#include "mb2.h"

#define TAG_END 0
#define TAG_CMDLINE 1
#define TAG_MODULE 3
#define TAG_MMAP 6
#define TAG_EFI32_SYSTEM_TABLE 11
#define TAG_EFI64_SYSTEM_TABLE 12

int mb2_parse(uint64_t info_addr, struct mb2_info *out)
{
	const uint8_t *base = (const uint8_t *)info_addr;
	uint32_t total = *(const uint32_t *)base;
	if (total < 16 || total > (1u << 20))
		return -1;
	out->cmdline = "";
	out->nram = out->nmodules = 0;
	out->efi = false;
	out->info_end = info_addr + total;
	for (uint32_t off = 8; off + 8 <= total;) {
		const uint8_t *tag = base + off;
		uint32_t type = *(const uint32_t *)tag, size = *(const uint32_t *)(tag + 4);
		if (type == TAG_END)
			return 0;
		if (size < 8 || off + size > total)
			return -1;
		if (type == TAG_EFI32_SYSTEM_TABLE || type == TAG_EFI64_SYSTEM_TABLE) {
			out->efi = true;
		} else if (type == TAG_CMDLINE) {
			out->cmdline = (const char *)(tag + 8);
		} else if (type == TAG_MODULE && size >= 17 && out->nmodules < MB2_MAX_MODULES) {
			struct mb2_module *m = &out->modules[out->nmodules++];
			m->start = *(const uint32_t *)(tag + 8);
			m->end = *(const uint32_t *)(tag + 12);
			m->cmdline = (const char *)(tag + 16);
		} else if (type == TAG_MMAP && size >= 16) {
			uint32_t entry_size = *(const uint32_t *)(tag + 8);
			if (entry_size < 24)
				return -1;
			for (uint32_t e = 16; e + entry_size <= size; e += entry_size) {
				const uint8_t *ent = tag + e;
				uint64_t addr = *(const uint64_t *)ent, len = *(const uint64_t *)(ent + 8);
				uint32_t kind = *(const uint32_t *)(ent + 16);
				if (kind == 1 && out->nram < MB2_MAX_REGIONS)
					out->ram[out->nram++] = (struct mb2_region){ addr, len };
			}
		}
		off += (size + 7) & ~7u;
	}
	return 0;
}
