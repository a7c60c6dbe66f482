/* The hypervisor's output: COM1 (115200 8N1) and the Bochs/QEMU debug port
 * 0xE9, a small printf, and how the machine stops. */
#ifndef TLBVISOR_HYP_SERIAL_H
#define TLBVISOR_HYP_SERIAL_H

#include <stdarg.h>
#include <stdint.h>

void console_init(void);
void kputc(char c);
void kputs(const char *s);
/* %s %c %d %u %x %p with l/ll and a zero-padded width for %x; %% */
void kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void kvprintf(const char *fmt, va_list ap);
/* A JSON string body: quotes, backslashes and control characters escaped. */
void kput_json_string(const char *s);

/* Print why, then stop the machine (Bochs shutdown port, QEMU isa-debug-exit). */
void panic(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void machine_stop(int code) __attribute__((noreturn));

#endif
