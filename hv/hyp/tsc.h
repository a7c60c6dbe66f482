/* The TSC's rate, for the hello line (tlbvisor turns cycles into seconds with
 * it): from CPUID leaf 15H where the processor reports it (Intel, SDM Vol. 3B
 * 19.7.3), else measured against the 8254 PIT, which AMD processors need
 * (they have no such leaf). */
#ifndef TLBVISOR_HYP_TSC_H
#define TLBVISOR_HYP_TSC_H

#include <stdint.h>

/* Hz, or 0 when neither works; *source names which one answered. */
uint64_t tsc_rate(const char **source);

#endif
