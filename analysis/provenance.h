/* The report's provenance box: where the numbers were measured, in the
 * terms a reader needs to judge them: the CPU, whether this "host" is itself
 * a virtual machine, which KVM and which kind of second-level translation
 * (nested, shadow, software), the TLB geometry and the caches. One column
 * per machine when merged results hold several (context.sources). */
#ifndef TLBVISOR_PROVENANCE_H
#define TLBVISOR_PROVENANCE_H

#include <jansson.h>
#include <stddef.h>
#include <stdio.h>

#include "results_view.h"

/* Written to md and/or html (either may be NULL). */
void provenance_write(const struct results_view *v, FILE *md, FILE *html);

/* How a host's KVM translates guest-physical addresses, from a run's
 * context (kvm_modules, kvm_parameters, kvm_available), e.g. "shadow paging
 * (kvm_pvm: ...)"; into buf. */
void provenance_kvm_translation(json_t *ctx, char *buf, size_t len);
/* The TLBs of context.tlb_geometry as "L1 data: 64 x 4K (256K), ..." */
void provenance_tlbs(json_t *ctx, char *buf, size_t len);

#endif
