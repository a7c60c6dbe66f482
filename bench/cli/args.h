/* The command line of every subcommand: options declared as tables, read
 * with getopt_long, with the same messages everywhere. */
#ifndef TLBVISOR_ARGS_H
#define TLBVISOR_ARGS_H

#include <stdbool.h>
#include <stddef.h>

enum cli_kind {
	CLI_FLAG,    /* sets the bool at offset */
	CLI_STRING,  /* stores the value (a const char *) at offset */
	CLI_VALUE,   /* parse() reads the value */
	CLI_SWITCH,  /* parse() is called with value NULL */
};

struct cli_option {
	const char *name;        /* the long name, without "--" */
	enum cli_kind kind;
	size_t offset;           /* CLI_FLAG, CLI_STRING: where in the target */
	/* CLI_VALUE, CLI_SWITCH: -1 with err saying what was wrong with the
	 * value and what to give instead. */
	int (*parse)(void *target, const struct cli_option *opt, const char *value, char *err, size_t errlen);
	const void *data;        /* for parse: what this option is */
};

/* A table of options and the struct its options write into. */
struct cli_options {
	const struct cli_option *list;
	int n;
	void *target;
};

struct cli_command {
	const char *name;        /* messages start "tlbvisor NAME: " */
	const char *help;        /* --help prints it on stdout */
	int min_args, max_args;  /* positional arguments accepted */
	const char *missing;     /* said when there are fewer than min_args */
};

/* A CLI_VALUE parse for a double at offset: "5%" or "0.05", finite, >= 0
 * (nan and inf refused: a gate that can never fire is no gate); data is a
 * struct cli_fraction. */
struct cli_fraction {
	bool probability;   /* strictly between 0 and 1 */
	const char *hint;
};
int cli_set_fraction(void *t, const struct cli_option *opt, const char *value, char *err, size_t len);

#define CLI_STRING_OF_(x) #x
#define CLI_STRING_OF(x) CLI_STRING_OF_(x)

/* Reads argv (argv[0] is the command's name) into the tables' targets and
 * the positional arguments into args[0..max_args). Returns true to go on;
 * false when the command is done, with its exit status in *status: 0 after
 * --help printed the usage, EXIT_USAGE after an error printed on stderr. */
bool cli_parse(const struct cli_command *cmd, int argc, char **argv, const struct cli_options *sets, int nsets,
	       const char **args, int *nargs, int *status);

/* Set one option from a value given elsewhere (a matrix file): CLI_FLAG
 * takes true/false, yes/no, on/off or 1/0; CLI_VALUE its parser. -1 with
 * err saying what was wrong and what to give instead. */
int cli_apply(const struct cli_option *o, void *target, const char *value, char *err, size_t errlen);

/* CLI_VALUE parser of a frequency in GHz, stored in Hz (a double at offset). */
int cli_set_ghz(void *target, const struct cli_option *opt, const char *value, char *err, size_t errlen);

/* Split a comma-separated list in place; returns the number of items or -1
 * when there are more than max or an item is empty. */
int split_list(char *s, char **items, int max);
/* A whole number in [min, max] (decimal, or 0x... with base 0); -1 when not. */
int parse_count(const char *s, int base, unsigned long long min, unsigned long long max, unsigned long long *out);

#endif
