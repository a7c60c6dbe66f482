#include "bench/cli/args.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bench/cli/commands.h"

#define CLI_MAX_OPTIONS 64
#define CLI_HELP 1000
#define CLI_FIRST 2000 /* getopt_long value of the first option (above every char) */

bool cli_parse(const struct cli_command *cmd, int argc, char **argv, const struct cli_options *sets, int nsets,
	       const char **args, int *nargs, int *status)
{
	*status = EXIT_USAGE;
	struct option longopts[CLI_MAX_OPTIONS + 2];
	const struct cli_option *opt_of[CLI_MAX_OPTIONS];
	void *target_of[CLI_MAX_OPTIONS];
	int n = 0;
	for (int s = 0; s < nsets; s++)
		for (int i = 0; i < sets[s].n && n < CLI_MAX_OPTIONS; i++, n++) {
			const struct cli_option *o = &sets[s].list[i];
			bool value = o->kind == CLI_STRING || o->kind == CLI_VALUE;
			longopts[n] = (struct option){ o->name, value ? required_argument : no_argument, NULL, CLI_FIRST + n };
			opt_of[n] = o;
			target_of[n] = sets[s].target;
		}
	longopts[n] = (struct option){ "help", no_argument, NULL, CLI_HELP };
	longopts[n + 1] = (struct option){ NULL, 0, NULL, 0 };
	opterr = 0;
	optind = 0;
	int c;
	char err[512];
	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		if (c == 'h' || c == CLI_HELP) {
			fputs(cmd->help, stdout);
			*status = 0;
			return false;
		}
		if (c == ':') {
			fprintf(stderr, "tlbvisor %s: option '%s' needs a value; see tlbvisor %s --help\n", cmd->name,
				argv[optind - 1], cmd->name);
			return false;
		}
		if (c < CLI_FIRST || c >= CLI_FIRST + n) {
			fprintf(stderr, "tlbvisor %s: unknown option '%s'; see tlbvisor %s --help\n", cmd->name,
				argv[optind - 1], cmd->name);
			return false;
		}
		const struct cli_option *o = opt_of[c - CLI_FIRST];
		char *target = target_of[c - CLI_FIRST];
		switch (o->kind) {
		case CLI_FLAG:
			*(bool *)(target + o->offset) = true;
			break;
		case CLI_STRING:
			*(const char **)(target + o->offset) = optarg;
			break;
		case CLI_VALUE:
		case CLI_SWITCH:
			if (o->parse(target, o, o->kind == CLI_VALUE ? optarg : NULL, err, sizeof err) < 0) {
				fprintf(stderr, "tlbvisor %s: %s\n", cmd->name, err);
				return false;
			}
			break;
		}
	}
	*nargs = 0;
	for (int i = optind; i < argc; i++) {
		if (*nargs >= cmd->max_args) {
			fprintf(stderr, "tlbvisor %s: unexpected argument '%s'; see tlbvisor %s --help\n", cmd->name,
				argv[i], cmd->name);
			return false;
		}
		args[(*nargs)++] = argv[i];
	}
	if (*nargs < cmd->min_args) {
		fprintf(stderr, "tlbvisor %s: %s; see tlbvisor %s --help\n", cmd->name, cmd->missing, cmd->name);
		return false;
	}
	return true;
}

int cli_apply(const struct cli_option *o, void *target, const char *value, char *err, size_t errlen)
{
	static const char *const yes[] = { "true", "yes", "on", "1" }, *const no[] = { "false", "no", "off", "0" };
	switch (o->kind) {
	case CLI_FLAG:
		for (int i = 0; i < 4; i++)
			if (!strcasecmp(value, yes[i]) || !strcasecmp(value, no[i])) {
				*(bool *)((char *)target + o->offset) = !strcasecmp(value, yes[i]);
				return 0;
			}
		snprintf(err, errlen, "invalid value '%s': give true or false", value);
		return -1;
	case CLI_VALUE:
		return o->parse(target, o, value, err, errlen);
	default:
		snprintf(err, errlen, "'%s' cannot be set here; give --%s on the command line", o->name, o->name);
		return -1;
	}
}

int cli_set_ghz(void *target, const struct cli_option *opt, const char *value, char *err, size_t errlen)
{
	double *hz = (double *)((char *)target + opt->offset);
	char *end;
	*hz = strtod(value, &end) * 1e9;
	if (*end || end == value || !isfinite(*hz) || *hz <= 0) {
		snprintf(err, errlen, "invalid --%s '%s': give a frequency in GHz (e.g. 2.1)", opt->name, value);
		return -1;
	}
	return 0;
}

int split_list(char *s, char **items, int max)
{
	int n = 0;
	char *save = NULL;
	if (!*s || s[strlen(s) - 1] == ',' || *s == ',' || strstr(s, ",,"))
		return -1;
	for (char *tok = strtok_r(s, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (n >= max)
			return -1;
		items[n++] = tok;
	}
	return n;
}

int parse_count(const char *s, int base, unsigned long long min, unsigned long long max, unsigned long long *out)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, base);
	if (errno || *end || end == s || s[0] == '-' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

/* "5%" or "0.05", into the double at offset: a finite number (nan and inf
 * refused: a gate that can never fire is no gate). */
int cli_set_fraction(void *t, const struct cli_option *opt, const char *value, char *err, size_t len)
{
	const struct cli_fraction *f = opt->data;
	char *end;
	double v = strtod(value, &end);
	if (end != value && *end == '%') {
		v /= 100;
		end++;
	}
	if (end == value || *end || !isfinite(v) || v < 0 || (f->probability && (v <= 0 || v >= 1))) {
		snprintf(err, len, "invalid --%s '%s': %s", opt->name, value, f->hint);
		return -1;
	}
	*(double *)((char *)t + opt->offset) = v;
	return 0;
}
