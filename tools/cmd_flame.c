// SPDX-License-Identifier: MIT
/*
 * cmd_flame.c - `ember flame`: pprof or folded profiles into a flame graph, as
 * an SVG, a self-contained HTML viewer or folded text, optionally as a diff
 * against a base profile. The work is in flamegraph/; this file is options,
 * messages and the atomic output file.
 */
#include "afile.h"
#include "cmds.h"
#include "folded.h"
#include "html.h"
#include "input.h"
#include "log.h"
#include "svg.h"

#include <errno.h>
#include <getopt.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

enum format { FMT_SVG, FMT_HTML, FMT_FOLDED };

struct flame_opts {
	const char *out;	/* NULL or "-": stdout */
	const char *format;
	const char *type;
	const char *title;
	const char *focus, *ignore;
	double width, min_width;
	bool width_set;		/* --width or --min-width given */
	bool icicle, by_thread;
	char **bases;
	size_t nbases;
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: ember flame PROFILE... [-o OUT.svg|OUT.html|OUT.folded|-] [--format FMT]\n"
		"                  [--type TYPE] [--title T] [--width PX] [--min-width PX] [--icicle]\n"
		"                  [--focus REGEX] [--ignore REGEX] [--diff BASE] [--by-thread]\n\n"
		"Draw a flame graph of pprof profiles (gzipped or raw) or folded stacks\n"
		"('a;b;c 12' lines). Several profiles of the same type are merged.\n\n"
		"  -o, --output FILE   where to write; the extension picks the format: .svg (an\n"
		"                      interactive SVG), .html (a viewer with every sample type,\n"
		"                      search, zoom and a function table) or .folded (folded\n"
		"                      stacks). '-' or no -o writes SVG to stdout.\n"
		"  -f, --format FMT    svg, html or folded, whatever the extension\n"
		"  -t, --type TYPE     sample type to draw (cpu, alloc_space, inuse_space, delay,\n"
		"                      ...); default: the first profile's default (pprof's rule)\n"
		"      --title TEXT    title (default \"Flame Graph\")\n"
		"  -w, --width PX      SVG width (default 1200)\n"
		"      --min-width PX  SVG: leave out frames narrower than this (default 0.1)\n"
		"                      (the HTML viewer fits its window and merges what is\n"
		"                      narrower than a pixel at every zoom)\n"
		"  -i, --icicle        root at the top\n"
		"      --focus REGEX   keep only stacks with a frame matching REGEX (POSIX ERE)\n"
		"      --ignore REGEX  drop stacks with a frame matching REGEX\n"
		"  -d, --diff BASE     colour by change against BASE: red grew, blue shrank, as\n"
		"                      shares of each profile's total (repeat to merge bases)\n"
		"      --by-thread     the thread label of each sample as the root frame\n\n"
		"Values are shown in the type's unit with percentages of the total. Output\n"
		"files are written atomically: on any error nothing is left behind.\n");
}

/* Case-insensitive: OUT.SVG is an SVG too. */
static bool ends_with(const char *s, const char *sfx)
{
	size_t n = strlen(s), m = strlen(sfx);

	return n >= m && strcasecmp(s + n - m, sfx) == 0;
}

/* The output format, or -1 after printing a usage error. */
static int pick_format(const struct flame_opts *o)
{
	const char *out = o->out ? o->out : "-";

	if (o->format) {
		if (!strcmp(o->format, "svg"))
			return FMT_SVG;
		if (!strcmp(o->format, "html"))
			return FMT_HTML;
		if (!strcmp(o->format, "folded"))
			return FMT_FOLDED;
		em_usage_error("flame", "--format wants svg, html or folded, got '%s'", o->format);
		return -1;
	}
	if (!strcmp(out, "-") || ends_with(out, ".svg"))
		return FMT_SVG;
	if (ends_with(out, ".html") || ends_with(out, ".htm"))
		return FMT_HTML;
	if (ends_with(out, ".folded"))
		return FMT_FOLDED;
	em_usage_error("flame", "cannot tell the format of '%s'; name it .svg, .html or .folded, "
				"or use --format", out);
	return -1;
}

static int parse_px(const char *opt, const char *val, double lo, double hi, double *out)
{
	char *end;
	double v = strtod(val, &end);

	if (end == val || *end || !(v >= lo && v <= hi))
		return em_usage_error("flame", "%s wants a number of pixels from %g to %g, got '%s'",
				      opt, lo, hi, val);
	*out = v;
	return 0;
}

/* 0 with options in *o and optind at the first PROFILE, or an exit status. */
static int parse(int argc, char **argv, struct flame_opts *o)
{
	static const struct option long_opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "format", required_argument, NULL, 'f' },
		{ "type", required_argument, NULL, 't' },
		{ "title", required_argument, NULL, 'T' },
		{ "width", required_argument, NULL, 'w' },
		{ "min-width", required_argument, NULL, 'm' },
		{ "icicle", no_argument, NULL, 'i' },
		{ "focus", required_argument, NULL, 'F' },
		{ "ignore", required_argument, NULL, 'I' },
		{ "diff", required_argument, NULL, 'd' },
		{ "by-thread", no_argument, NULL, 'b' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "o:f:t:w:id:h", long_opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			o->out = optarg;
			break;
		case 'f':
			o->format = optarg;
			break;
		case 't':
			o->type = optarg;
			break;
		case 'T':
			o->title = optarg;
			break;
		case 'w':
			if (parse_px("--width", optarg, 100, 100000, &o->width))
				return EXIT_USAGE;
			o->width_set = true;
			break;
		case 'm':
			if (parse_px("--min-width", optarg, 0, 100000, &o->min_width))
				return EXIT_USAGE;
			o->width_set = true;
			break;
		case 'i':
			o->icicle = true;
			break;
		case 'F':
			o->focus = optarg;
			break;
		case 'I':
			o->ignore = optarg;
			break;
		case 'd':
			o->bases[o->nbases++] = optarg;
			break;
		case 'b':
			o->by_thread = true;
			break;
		case 'h':
			usage(stdout);
			return -1;
		default:
			return em_usage_error("flame", "unknown or incomplete option '%s'",
					      argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return em_usage_error("flame", "missing PROFILE");
	if (o->min_width >= o->width)
		return em_usage_error("flame", "--min-width %g is not narrower than the image (%g px): "
				      "nothing would be drawn", o->min_width, o->width);
	return 0;
}

static int compile(const char *opt, const char *pattern, regex_t *re, const regex_t **out)
{
	int rc;
	char why[256];

	if (!pattern)
		return 0;
	rc = regcomp(re, pattern, REG_EXTENDED | REG_NOSUB);
	if (rc) {
		regerror(rc, re, why, sizeof(why));
		return em_usage_error("flame", "%s: bad regular expression '%s': %s", opt, pattern,
				      why);
	}
	*out = re;
	return 0;
}

static int write_output(const struct flame_opts *o, int fmt, struct em_flame_data *d,
			const struct em_flame_view *v)
{
	const char *path = o->out ? o->out : "-";
	struct em_afile af;
	int rc = em_afile__open(&af, path);

	if (rc) {
		em_err("%s: cannot create: %s", path, strerror(-rc));
		return 1;
	}
	setvbuf(af.f, NULL, _IOFBF, 1 << 20);
	/* The writers say -EIO for any stdio error; the system call that
	 * failed left the real reason (ENOSPC, EFBIG, EPIPE) in errno. */
	errno = 0;
	if (fmt == FMT_SVG)
		rc = em_svg__write(af.f, d->st, v);
	else if (fmt == FMT_HTML)
		rc = em_html__write(af.f, d->st, v, 0);
	else
		rc = em_folded__write(af.f, d->st, v->sel, v->diff ? (int)(v->ntypes + v->sel) : -1);
	if (rc == -EIO && errno)
		rc = -errno;
	if (rc) {
		em_afile__abort(&af);
		em_err("%s: writing failed: %s", path, strerror(-rc));
		return 1;
	}
	rc = em_afile__commit(&af);
	if (rc) {
		em_err("%s: writing failed: %s", path, strerror(-rc));
		return 1;
	}
	return 0;
}

static int flame(const struct flame_opts *o, int fmt, char **inputs, size_t ninputs,
		 struct em_fold_filter *filter)
{
	struct em_flame_request rq = {
		.inputs = inputs, .ninputs = ninputs, .bases = o->bases, .nbases = o->nbases,
		.type = o->type, .all_types = fmt == FMT_HTML, .by_thread = o->by_thread,
		.filter = filter,
	};
	struct em_flame_data d;
	struct em_flame_view v;
	char err[512];
	int rc = em_flame_build(&rq, &d, err, sizeof(err));

	if (rc) {
		em_err("%s", err);
		return 1;
	}
	if (em_stacks__truncated(d.st))
		em_warn("%zu stack%s deeper than %d frames cut at that depth",
			em_stacks__truncated(d.st), em_stacks__truncated(d.st) == 1 ? "" : "s",
			EM_STACKS_MAX_DEPTH);
	if (o->by_thread && d.nfolded)
		em_warn("--by-thread: folded input has no thread labels; its stacks are drawn as "
			"they are");
	v = (struct em_flame_view){
		.title = o->title, .types = d.types, .ntypes = d.ntypes, .sel = d.sel,
		.diff = d.diff, .icicle = o->icicle, .width = o->width,
		.min_width = o->min_width, .duration_nanos = d.duration_nanos,
		.ninputs = (unsigned int)ninputs, .nbases = (unsigned int)o->nbases,
	};
	rc = write_output(o, fmt, &d, &v);
	em_flame_data__release(&d);
	return rc;
}

static int run(int argc, char **argv)
{
	struct flame_opts o = { .width = 1200, .min_width = 0.1 };
	struct em_fold_filter filter = { 0 };
	regex_t focus, ignore;
	int rc, fmt;

	/* Killed while writing: no temporary file left behind. */
	em_afile_clean_up_on_signals();
	o.bases = calloc((size_t)argc, sizeof(*o.bases));
	if (!o.bases) {
		em_err("flame: out of memory");
		return 1;
	}
	rc = parse(argc, argv, &o);
	if (rc) {
		free(o.bases);
		return rc < 0 ? 0 : rc;	/* -1: --help was shown */
	}
	fmt = pick_format(&o);
	if (fmt < 0) {
		rc = EXIT_USAGE;
	} else if (fmt != FMT_FOLDED && (!o.out || !strcmp(o.out, "-")) && isatty(STDOUT_FILENO)) {
		/* A screenful of markup helps nobody. */
		rc = em_usage_error("flame", "not writing %s to a terminal; use -o FILE or a pipe",
				    fmt == FMT_HTML ? "HTML" : "SVG");
	}
	if (rc) {
		free(o.bases);
		return rc;
	}
	if (fmt != FMT_SVG && o.width_set)
		em_warn("--width and --min-width apply to SVG only; %s",
			fmt == FMT_HTML ? "the HTML viewer fits its window and merges frames narrower "
					  "than a pixel at every zoom"
					: "folded output has every stack");
	rc = compile("--focus", o.focus, &focus, &filter.focus);
	if (!rc)
		rc = compile("--ignore", o.ignore, &ignore, &filter.ignore);
	if (!rc)
		rc = flame(&o, fmt, argv + optind, (size_t)(argc - optind), &filter);
	if (filter.focus)
		regfree(&focus);
	if (filter.ignore)
		regfree(&ignore);
	em_fold_filter__release(&filter);
	free(o.bases);
	return rc;
}

const struct em_cmd em_cmd_flame = {
	.name = "flame",
	.summary = "draw a flame graph (SVG, HTML viewer or folded) from profiles",
	.run = run,
	.usage = usage,
};
