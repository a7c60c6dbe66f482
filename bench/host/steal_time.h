/* Time the hypervisor under this machine gave to others: the steal column
 * of /proc/stat's "cpu" line (all CPUs, USER_HZ ticks; proc(5)). */
#ifndef TLBVISOR_STEAL_TIME_H
#define TLBVISOR_STEAL_TIME_H

/* The running total; -1 when /proc/stat cannot be read or has no steal. */
double steal_ticks_now(void);

#endif
