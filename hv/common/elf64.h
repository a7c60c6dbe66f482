/* Minimal ELF64 loader for the guest payload: validates the header and copies
 * PT_LOAD segments into guest memory. Freestanding, shared by hv/kvm and
 * hv/hyp (ELF-64 Object File Format, version 1.5). */
#ifndef TLBVISOR_ELF64_H
#define TLBVISOR_ELF64_H

#include <stddef.h>
#include <stdint.h>

enum elf64_status {
	ELF64_OK = 0,
	ELF64_TOO_SHORT,
	ELF64_NOT_ELF,
	ELF64_NOT_X86_64,
	ELF64_NOT_EXEC,
	ELF64_BAD_PHDR,
	ELF64_OUT_OF_RANGE, /* a segment falls outside [load_min, load_max) */
};

const char *elf64_status_str(enum elf64_status s);

/*
 * Check 'image' and copy its PT_LOAD segments to dest + (vaddr - load_min),
 * zeroing the .bss part. Every segment must lie in [load_min, load_max).
 * *entry receives e_entry.
 */
enum elf64_status elf64_load(const void *image, size_t size, uint8_t *dest, uint64_t load_min,
			     uint64_t load_max, uint64_t *entry);

#endif
