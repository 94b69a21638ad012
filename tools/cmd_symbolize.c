// SPDX-License-Identifier: MIT
/*
 * cmd_symbolize.c - `ember symbolize`: give function names, files, lines and
 * inline frames to a profile whose locations are bare addresses.
 */
#include "afile.h"
#include "cmds.h"
#include "log.h"
#include "symbolize.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#define MAX_LIST 256

struct sym_opts {
	const char *in, *out, *kallsyms;
	const char *binaries[MAX_LIST], *dirs[MAX_LIST];
	size_t nbinaries, ndirs;
	long pid;
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: ember symbolize PROFILE -o OUT [--pid PID] [--binary PATH]...\n"
		"                       [--debug-dir DIR]... [--kallsyms PATH]\n\n"
		"Fill in function names, source files, line numbers and inline frames for the\n"
		"locations of PROFILE that have an address but no lines, and write OUT.\n\n"
		"  PROFILE            a pprof profile, gzipped or raw ('-' reads stdin)\n"
		"  -o, --output OUT   where to write the result (atomically; '-' is stdout)\n"
		"  -p, --pid PID      resolve through this live process: its maps, and its files\n"
		"                     as it sees them (containers, deleted files); kernel\n"
		"                     addresses through /proc/kallsyms\n"
		"  -b, --binary PATH  a local copy of a mapped file, matched by build id (or by\n"
		"                     base name when the profile has no build id); repeatable\n"
		"  -d, --debug-dir DIR  also look for separate debug files in DIR\n"
		"                     (DIR/.build-id/xx/rest.debug, DIR/<path>/<debuglink>);\n"
		"                     repeatable; $EMBER_DEBUG_DIRS (colon-separated) adds more\n"
		"  -k, --kallsyms PATH  kernel symbols for kernel addresses (e.g. /proc/kallsyms)\n\n"
		"Without --pid or --binary each mapping's own file is used when its build id\n"
		"matches. Addresses that stay unresolved show as 'file+0xoffset' and keep\n"
		"their mapping's build id for a later `pprof` run.\n");
}

static int parse(int argc, char **argv, struct sym_opts *o)
{
	static const struct option long_opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "pid", required_argument, NULL, 'p' },
		{ "binary", required_argument, NULL, 'b' },
		{ "debug-dir", required_argument, NULL, 'd' },
		{ "kallsyms", required_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "o:p:b:d:k:h", long_opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			o->out = optarg;
			break;
		case 'p':
			o->pid = em_parse_count("symbolize", "--pid", optarg);
			if (o->pid <= 0)
				return o->pid == 0 ? em_usage_error("symbolize", "--pid must be > 0")
						   : EXIT_USAGE;
			break;
		case 'b':
		case 'd':
			if ((c == 'b' ? o->nbinaries : o->ndirs) >= MAX_LIST)
				return em_usage_error("symbolize", "too many -%c options (max %d)", c,
						      MAX_LIST);
			if (c == 'b')
				o->binaries[o->nbinaries++] = optarg;
			else
				o->dirs[o->ndirs++] = optarg;
			break;
		case 'k':
			o->kallsyms = optarg;
			break;
		case 'h':
			usage(stdout);
			return -1;
		default:
			return em_usage_error("symbolize", "unknown or incomplete option '%s'",
					      argv[optind - 1]);
		}
	}
	if (optind == argc)
		return em_usage_error("symbolize", "missing PROFILE");
	if (optind + 1 != argc)
		return em_usage_error("symbolize", "expected one PROFILE");
	if (!o->out)
		return em_usage_error("symbolize", "missing -o OUT");
	o->in = argv[optind];
	return 0;
}

static int symbolize(const struct sym_opts *o)
{
	struct em_symbolizer_opts so = {
		.debug_dirs = o->dirs,
		.ndebug_dirs = o->ndirs,
		.kallsyms_path = o->kallsyms,
		.warn = true,
	};
	struct em_symbolize_opts po = {
		.pid = (int)o->pid,
		.binaries = o->binaries,
		.nbinaries = o->nbinaries,
		.kernel = o->pid > 0 || o->kallsyms,
	};
	struct em_symbolize_stats st;
	struct em_symbolizer *s = NULL;
	struct em_profile *p;
	int err, rc = 1;

	p = em_load_profile(o->in);
	if (!p)
		return 1;
	s = em_symbolizer__new(&so);
	if (!s) {
		em_err("symbolize: out of memory");
		goto out;
	}
	err = em_symbolize_profile(p, s, &po, &st);
	if (err == -ENOENT && o->pid > 0) {
		em_err("--pid %ld: no such process", o->pid);
		goto out;
	} else if (err) {
		em_err("%s: %s", o->pid > 0 && err != -ENOMEM ? "--pid" : o->in, strerror(-err));
		goto out;
	}
	err = em_profile__write(p, o->out);
	if (err) {
		em_err("%s: %s", o->out, strerror(-err));
		goto out;
	}
	fprintf(strcmp(o->out, "-") ? stdout : stderr,
		"symbolized %zu of %zu locations (%zu already had lines, %zu unresolved) -> %s\n",
		st.symbolized, st.locations, st.already, st.unresolved, o->out);
	rc = 0;
out:
	em_symbolizer__free(s);
	em_profile__free(p);
	return rc;
}

static int run(int argc, char **argv)
{
	struct sym_opts *o = calloc(1, sizeof(*o));
	int rc;

	if (!o) {
		em_err("symbolize: out of memory");
		return 1;
	}
	rc = parse(argc, argv, o);
	/* Killed while writing: no temporary file left behind. */
	em_afile_clean_up_on_signals();
	if (rc == 0)
		rc = symbolize(o);
	else if (rc < 0)
		rc = 0;
	free(o);
	return rc;
}

const struct em_cmd em_cmd_symbolize = {
	.name = "symbolize",
	.summary = "fill in function names, files and lines for bare addresses",
	.run = run,
	.usage = usage,
};
