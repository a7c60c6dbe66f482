#include "elf64.h"

struct elf64_ehdr {
	uint8_t ident[16];
	uint16_t type, machine;
	uint32_t version;
	uint64_t entry, phoff, shoff;
	uint32_t flags;
	uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};

struct elf64_phdr {
	uint32_t type, flags;
	uint64_t offset, vaddr, paddr, filesz, memsz, align;
};

#define ET_EXEC 2
#define EM_X86_64 62
#define PT_LOAD 1

const char *elf64_status_str(enum elf64_status s)
{
	switch (s) {
	case ELF64_OK: return "ok";
	case ELF64_TOO_SHORT: return "file is too short to be an ELF image";
	case ELF64_NOT_ELF: return "not an ELF64 little-endian file";
	case ELF64_NOT_X86_64: return "ELF file is not for x86-64";
	case ELF64_NOT_EXEC: return "ELF file is not a static executable";
	case ELF64_BAD_PHDR: return "ELF program headers are truncated or malformed";
	case ELF64_OUT_OF_RANGE: return "ELF segment lies outside the payload area";
	}
	return "unknown ELF error";
}

/* Headers may sit at any offset of the file: copy them out byte by byte
 * instead of reading them through misaligned pointers. */
static void copy_bytes(void *dst, const uint8_t *src, size_t n)
{
	uint8_t *d = dst;
	for (size_t i = 0; i < n; i++)
		d[i] = src[i];
}

enum elf64_status elf64_load(const void *image, size_t size, uint8_t *dest, uint64_t load_min,
			     uint64_t load_max, uint64_t *entry)
{
	const uint8_t *b = image;
	if (size < sizeof(struct elf64_ehdr))
		return ELF64_TOO_SHORT;
	struct elf64_ehdr ehdr;
	copy_bytes(&ehdr, b, sizeof ehdr);
	const struct elf64_ehdr *eh = &ehdr;
	if (b[0] != 0x7f || b[1] != 'E' || b[2] != 'L' || b[3] != 'F' || b[4] != 2 || b[5] != 1)
		return ELF64_NOT_ELF;
	if (eh->machine != EM_X86_64)
		return ELF64_NOT_X86_64;
	if (eh->type != ET_EXEC)
		return ELF64_NOT_EXEC;
	if (eh->phentsize != sizeof(struct elf64_phdr) || eh->phoff > size ||
	    (uint64_t)eh->phnum * sizeof(struct elf64_phdr) > size - eh->phoff)
		return ELF64_BAD_PHDR;
	for (unsigned i = 0; i < eh->phnum; i++) {
		struct elf64_phdr phdr;
		copy_bytes(&phdr, b + eh->phoff + i * sizeof phdr, sizeof phdr);
		const struct elf64_phdr *ph = &phdr;
		if (ph->type != PT_LOAD)
			continue;
		if (ph->filesz > ph->memsz || ph->offset > size || ph->filesz > size - ph->offset)
			return ELF64_BAD_PHDR;
		if (ph->vaddr < load_min || ph->vaddr > load_max || ph->memsz > load_max - ph->vaddr)
			return ELF64_OUT_OF_RANGE;
		uint8_t *d = dest + (ph->vaddr - load_min);
		for (uint64_t j = 0; j < ph->filesz; j++)
			d[j] = b[ph->offset + j];
		for (uint64_t j = ph->filesz; j < ph->memsz; j++)
			d[j] = 0;
	}
	if (eh->entry < load_min || eh->entry >= load_max)
		return ELF64_OUT_OF_RANGE;
	*entry = eh->entry;
	return ELF64_OK;
}
