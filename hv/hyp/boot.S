/*
 * Multiboot2 entry of the tlbvisor hypervisor: GRUB leaves us in 32-bit
 * protected mode, paging off, EAX = 0x36d76289, EBX = boot information
 * (Multiboot2 spec 3.3). We identity-map the first 4 GiB with 2M pages, enter
 * long mode (SDM Vol. 3A 10.8.5) and call hv_main(magic, info).
 */
#define MB2_MAGIC 0xe85250d6
#define MB2_ARCH_I386 0
#define STACK_SIZE 0x8000

	.section .multiboot, "a"
	.balign 8
mb2_header:
	.long MB2_MAGIC
	.long MB2_ARCH_I386
	.long mb2_header_end - mb2_header
	.long -(MB2_MAGIC + MB2_ARCH_I386 + (mb2_header_end - mb2_header))
	/* end tag */
	.short 0
	.short 0
	.long 8
mb2_header_end:

	.section .text.boot, "ax"
	.code32
	.globl _start
_start:
	cli
	cld                             /* the C ABI needs DF=0; Multiboot2 leaves it undefined */
	mov %eax, %edi                  /* multiboot magic -> first argument */
	mov %ebx, %esi                  /* info address -> second argument */
	mov $boot_stack_top, %esp

	/* PML4[0] -> PDPT; PDPT[0..3] -> four PDs of 512 x 2M = 4 GiB identity. */
	mov $boot_pdpt, %eax
	or $0x3, %eax
	mov %eax, boot_pml4
	mov $boot_pd, %eax
	or $0x3, %eax
	mov $boot_pdpt, %ebx
	mov $4, %ecx
1:	mov %eax, (%ebx)
	add $0x1000, %eax
	add $8, %ebx
	loop 1b
	mov $boot_pd, %ebx
	xor %ecx, %ecx
2:	mov %ecx, %eax
	shl $21, %eax
	or $0x83, %eax                  /* present, writable, 2M page */
	mov %eax, (%ebx,%ecx,8)
	mov %ecx, %eax
	shr $11, %eax                   /* high dword: (ecx << 21) >> 32 */
	mov %eax, 4(%ebx,%ecx,8)
	inc %ecx
	cmp $2048, %ecx
	jne 2b

	mov %cr4, %eax
	or $(1 << 5), %eax              /* PAE */
	mov %eax, %cr4
	mov $boot_pml4, %eax
	mov %eax, %cr3
	mov $0xc0000080, %ecx           /* IA32_EFER */
	rdmsr
	or $((1 << 8) | (1 << 11)), %eax /* LME, NXE */
	wrmsr
	mov %cr0, %eax
	or $((1 << 31) | (1 << 16) | (1 << 5) | 1), %eax /* PG WP NE PE */
	mov %eax, %cr0
	lgdt boot_gdt_ptr
	ljmp $0x08, $long_mode

	.code64
long_mode:
	mov $0x10, %eax
	mov %eax, %ds
	mov %eax, %es
	mov %eax, %ss
	xor %eax, %eax
	mov %eax, %fs
	mov %eax, %gs
	mov $boot_stack_top, %rsp
	/* edi, esi still hold magic and info (zero-extended by the moves above) */
	mov %edi, %edi
	mov %esi, %esi
	call hv_main
3:	cli
	hlt
	jmp 3b

	.section .data
	.balign 16
	.globl boot_gdt
boot_gdt:
	.quad 0
	.quad 0x00af9a000000ffff        /* 0x08: 64-bit code */
	.quad 0x00cf92000000ffff        /* 0x10: data */
	.quad 0, 0                      /* 0x18: host TSS, filled in by host_tables (VM exits need a TR) */
	.quad 0x00cf9a000000ffff        /* 0x28: 32-bit code, for leaving long mode (host_paging.S) */
boot_gdt_end:
boot_gdt_ptr:
	.short boot_gdt_end - boot_gdt - 1
	.long boot_gdt

	.section .bss
	.balign 4096
	.globl boot_pml4
boot_pml4: .skip 4096
boot_pdpt: .skip 4096
	.globl boot_pd
boot_pd:   .skip 4 * 4096
boot_stack: .skip STACK_SIZE
	.globl boot_stack_top
boot_stack_top:

	.section .note.GNU-stack, "", @progbits
