#include "serial.h"

#include "hv/common/fmt.h"
#include "x86.h"

#define COM1 0x3f8
#define DEBUG_PORT 0xe9

void console_init(void)
{
	outb(COM1 + 1, 0x00); /* no interrupts */
	outb(COM1 + 3, 0x80); /* DLAB */
	outb(COM1 + 0, 0x01); /* 115200 baud */
	outb(COM1 + 1, 0x00);
	outb(COM1 + 3, 0x03); /* 8N1 */
	outb(COM1 + 2, 0xc7); /* FIFO */
	outb(COM1 + 4, 0x03);
}

void kputc(char c)
{
	if (c == '\n')
		kputc('\r');
	for (int i = 0; i < 100000 && !(inb(COM1 + 5) & 0x20); i++)
		;
	outb(COM1, (uint8_t)c);
	outb(DEBUG_PORT, (uint8_t)c);
}

void kputs(const char *s)
{
	while (*s)
		kputc(*s++);
}

static void put_unsigned(uint64_t v, unsigned base, int width, char pad)
{
	char buf[72];
	struct fmt_buf f = fmt_init(buf, sizeof buf);
	fmt_uint(&f, v, base, width > 0 ? (unsigned)width : 0, pad);
	kputs(buf);
}

void kvprintf(const char *fmt, va_list ap)
{
	for (; *fmt; fmt++) {
		if (*fmt != '%') {
			kputc(*fmt);
			continue;
		}
		fmt++;
		char pad = ' ';
		int width = 0, lng = 0;
		if (*fmt == '0') {
			pad = '0';
			fmt++;
		}
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + (*fmt++ - '0');
		while (*fmt == 'l') {
			lng++;
			fmt++;
		}
		switch (*fmt) {
		case 's': {
			const char *s = va_arg(ap, const char *);
			kputs(s ? s : "(null)");
			break;
		}
		case 'c': kputc((char)va_arg(ap, int)); break;
		case 'd': {
			int64_t v = lng ? va_arg(ap, int64_t) : va_arg(ap, int);
			if (v < 0) {
				kputc('-');
				v = -v;
			}
			put_unsigned((uint64_t)v, 10, width, pad);
			break;
		}
		case 'u': put_unsigned(lng ? va_arg(ap, uint64_t) : va_arg(ap, unsigned), 10, width, pad); break;
		case 'x': put_unsigned(lng ? va_arg(ap, uint64_t) : va_arg(ap, unsigned), 16, width, pad); break;
		case 'p': kputs("0x"); put_unsigned((uint64_t)(uintptr_t)va_arg(ap, void *), 16, 0, ' '); break;
		case '%': kputc('%'); break;
		default: kputc('%'); kputc(*fmt); break;
		}
	}
}

void kprintf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	kvprintf(fmt, ap);
	va_end(ap);
}

void kput_json_string(const char *s)
{
	for (; s && *s; s++) {
		if (*s == '"' || *s == '\\') {
			kputc('\\');
			kputc(*s);
		} else if ((unsigned char)*s < 0x20) {
			kputc(' ');
		} else {
			kputc(*s);
		}
	}
}

void machine_stop(int code)
{
	/* Bochs: "Shutdown" to port 0x8900. QEMU: isa-debug-exit at 0xf4. */
	const char *s = "Shutdown";
	while (*s)
		outb(0x8900, (uint8_t)*s++);
	outb(0xf4, (uint8_t)code);
	for (;;)
		__asm__ volatile("cli; hlt");
}

void panic(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	kputs("\n{\"tlbvisor\":\"panic\",\"reason\":\"");
	kvprintf(fmt, ap);
	kputs("\"}\n");
	va_end(ap);
	uint64_t rsp, rflags;
	__asm__ volatile("mov %%rsp, %0; pushfq; pop %1" : "=r"(rsp), "=r"(rflags));
	kprintf("panic state: cr0=%lx cr3=%lx cr4=%lx rsp=%lx rflags=%lx efer=%lx\n",
		READ_CR(0), READ_CR(3), READ_CR(4), rsp, rflags, rdmsr(MSR_EFER));
	machine_stop(1);
}
