/* SPDX-License-Identifier: MIT */
/*
 * kallsyms.h - kernel function names from /proc/kallsyms, for kernel stacks
 * (the eBPF attach mode). pprof never symbolizes kernel frames itself, so the
 * profile must carry their names.
 *
 * Only text symbols (types t, T, w, W) are kept; a symbol ends where the next
 * one starts (kallsyms has no sizes). The kernel's "__pfx_" padding symbols
 * are dropped, so padding counts towards the function before it, never as a
 * function of its own. Not thread-safe for concurrent construction; lookups on
 * a built table are read-only and may run concurrently. Not async-signal-safe.
 */
#ifndef EMBER_KALLSYMS_H
#define EMBER_KALLSYMS_H

#include <stddef.h>
#include <stdint.h>

#define EM_KALLSYMS_MAX_BYTES	(256u << 20)
/* A symbol with no successor covers at most this much. */
#define EM_KALLSYMS_MAX_SPAN	(1u << 20)

struct em_ksym {
	uint64_t addr, end;	/* [addr, end) */
	const char *name;
	const char *module;	/* "" for vmlinux, else e.g. "ext4" */
};

struct em_kallsyms {
	struct em_ksym *syms;	/* sorted by addr */
	size_t n;
	char *strs;
};

/*
 * em_kallsyms__parse() - build a table from kallsyms text. Lines that do not
 * parse are skipped (the format has grown fields before). Returns NULL with
 * errno set: EPERM when every address is zero (kernel.kptr_restrict hides
 * them), ENOENT when there is no text symbol at all, ENOMEM.
 */
struct em_kallsyms *em_kallsyms__parse(const char *buf, size_t len);

/* Reads path (NULL: /proc/kallsyms). NULL with errno set, as above. */
struct em_kallsyms *em_kallsyms__load(const char *path);

/* The symbol containing addr, or NULL. */
const struct em_ksym *em_kallsyms__find(const struct em_kallsyms *k, uint64_t addr);

/* NULL-safe. */
void em_kallsyms__free(struct em_kallsyms *k);

#endif
