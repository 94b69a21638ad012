/* SPDX-License-Identifier: MIT */
/*
 * cmds.h - the ember command table and helpers shared by the commands.
 *
 * Each command lives in its own cmd_<name>.c and exports one struct em_cmd.
 * A command returns its exit status: 0 ok, 1 runtime failure, 2 usage.
 */
#ifndef EMBER_CMDS_H
#define EMBER_CMDS_H

#include "profile.h"

#include <stdio.h>

#define EXIT_USAGE 2

struct em_cmd {
	const char *name;
	const char *summary;			/* one line for `ember --help` */
	int (*run)(int argc, char **argv);	/* argv[0] is the command name */
	void (*usage)(FILE *f);			/* full text for `ember help CMD` */
};

extern const struct em_cmd em_cmd_run;
extern const struct em_cmd em_cmd_top;
extern const struct em_cmd em_cmd_symbolize;
extern const struct em_cmd em_cmd_flame;

/* "ember: CMD: <msg> (see 'ember help CMD')" on stderr; returns EXIT_USAGE. */
int em_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Reads and validates a profile; on failure prints "ember: PATH: reason" and
 * returns NULL. */
struct em_profile *em_load_profile(const char *path);

/* Parses a non-negative integer option value; prints a usage error and returns
 * -1 when it is not one. */
long em_parse_count(const char *cmd, const char *opt, const char *val);

#endif
