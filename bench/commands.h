/* The tlbvisor subcommands. Each returns the process exit status. */
#ifndef TLBVISOR_COMMANDS_H
#define TLBVISOR_COMMANDS_H

#include "backend.h"

#define EXIT_USAGE 2
#define EXIT_INTERRUPTED 130

int cmd_run(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_model(int argc, char **argv);
int cmd_report(int argc, char **argv);
int payload_load(struct payload *p, const char *path, char *err, size_t errlen);

#endif
