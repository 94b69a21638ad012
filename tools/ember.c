// SPDX-License-Identifier: MIT
/*
 * ember.c - the ember command line: global options, then one subcommand from
 * the table below (unambiguous prefixes accepted, as bpftool does).
 */
#include "cmds.h"
#include "log.h"

#include <stdio.h>
#include <string.h>

static const struct em_cmd *const cmds[] = {
	&em_cmd_run,
	&em_cmd_top,
	&em_cmd_flame,
	&em_cmd_symbolize,
	NULL,
};

static void usage(FILE *f)
{
	fprintf(f, "usage: ember [-v] COMMAND [ARGS]\n"
		   "       ember help COMMAND\n"
		   "       ember --version\n\n"
		   "ember profiles native Linux programs and writes pprof profiles.\n\n"
		   "Commands:\n");
	for (const struct em_cmd *const *c = cmds; *c; c++)
		fprintf(f, "  %-10s %s\n", (*c)->name, (*c)->summary);
	fprintf(f, "\nOptions:\n"
		   "  -v, --verbose   print debug messages\n"
		   "  -h, --help      show this help\n"
		   "  -V, --version   print the version\n\n"
		   "Exit status: 0 success, 1 failure, 2 usage error.\n");
}

/* Exact match first, then a unique prefix. */
static const struct em_cmd *find_cmd(const char *name)
{
	const struct em_cmd *hit = NULL;
	size_t n = strlen(name);

	for (const struct em_cmd *const *c = cmds; *c; c++)
		if (strcmp((*c)->name, name) == 0)
			return *c;
	for (const struct em_cmd *const *c = cmds; *c; c++) {
		if (strncmp((*c)->name, name, n) == 0) {
			if (hit)
				return NULL;
			hit = *c;
		}
	}
	return n ? hit : NULL;
}

static int cmd_help(int argc, char **argv)
{
	const struct em_cmd *c;

	if (argc < 2) {
		usage(stdout);
		return 0;
	}
	c = find_cmd(argv[1]);
	if (!c) {
		em_err("help: unknown command '%s' (see 'ember --help')", argv[1]);
		return EXIT_USAGE;
	}
	c->usage(stdout);
	return 0;
}

int main(int argc, char **argv)
{
	const struct em_cmd *c;
	int i = 1;

	for (; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "-v") || !strcmp(a, "--verbose")) {
			em_log_verbose = 1;
		} else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(a, "-V") || !strcmp(a, "--version")) {
			printf("ember %s\n", EMBER_VERSION);
			return 0;
		} else {
			em_err("unknown option '%s' (see 'ember --help')", a);
			return EXIT_USAGE;
		}
	}
	if (i >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[i], "help"))
		return cmd_help(argc - i, argv + i);
	c = find_cmd(argv[i]);
	if (!c) {
		em_err("unknown command '%s' (see 'ember --help')", argv[i]);
		return EXIT_USAGE;
	}
	return c->run(argc - i, argv + i);
}
