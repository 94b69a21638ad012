/* SPDX-License-Identifier: MIT */
/*
 * symbolize_priv.h - internals shared by symbolize.c (the symbolizer and its
 * module cache), symproc.c (process views) and symbolize_profile.c. Nothing
 * outside those files includes this.
 */
#ifndef EMBER_SYMBOLIZE_PRIV_H
#define EMBER_SYMBOLIZE_PRIV_H

#include "kallsyms.h"
#include "symbolize.h"
#include "u64map.h"

#define MAX_DEBUG_DIRS	16
#define MAX_PROBLEMS	1024

struct modent {
	struct em_elfmod *mod;
	char *root;	/* how the module's own debug files are reached */
};

struct em_symbolizer {
	struct modent *mods;
	size_t nmods, cap_mods;
	const char *dirs[MAX_DEBUG_DIRS];
	size_t ndirs;
	char **opt_dirs, **env_dirs;	/* storage behind dirs[] */
	char *kallsyms_path;
	struct em_kallsyms *ksyms;
	bool ksyms_tried, warn, symbols_only;
	/* raw name pointer -> index in dm[]; dm[i] NULL: it did not demangle */
	struct em_u64map demangled;
	char **dm;
	size_t ndm, cap_dm;
	char *problems[MAX_PROBLEMS];	/* files already reported (then only em_debug) */
	size_t nproblems;
};

enum { MOD_UNKNOWN, MOD_OK, MOD_FAILED };

struct em_proc {
	int pid;
	char root[32];		/* "" for the calling process */
	struct em_maps *maps;
	struct em_elfmod **mods;	/* per maps entry */
	uint8_t *state;			/* per maps entry: MOD_* */
};

/*
 * Opens fd (taken; closed on failure) as a module and caches it, or returns
 * the cached module of the same file or build id. path is what users see,
 * root how the module's debug files are reached. Failures are reported
 * about path. NULL when fd is not a usable ELF object.
 */
struct em_elfmod *em_symbolizer__module_fd(struct em_symbolizer *s, int fd, const char *path,
					   const char *root);

/* Caches m (taken), or frees it and returns the cached module with its identity. */
struct em_elfmod *em_symbolizer__adopt(struct em_symbolizer *s, struct em_elfmod *m,
				       const char *root);

#endif
