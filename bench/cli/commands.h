/* The tlbvisor subcommands. Each returns the process exit status. */
#ifndef TLBVISOR_COMMANDS_H
#define TLBVISOR_COMMANDS_H

#define EXIT_USAGE 2
#define EXIT_INTERRUPTED 130

int cmd_run(int argc, char **argv);
extern const char cmd_run_help[]; /* commands/cmd_run_help.c */
int cmd_list(int argc, char **argv);
int cmd_model(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_iso(int argc, char **argv);
int cmd_import(int argc, char **argv);
int cmd_merge(int argc, char **argv);
int cmd_compare(int argc, char **argv);
int cmd_strategies(int argc, char **argv);
int cmd_ingest(int argc, char **argv);

#endif
