// SPDX-License-Identifier: MIT
/*
 * phdr_loop LIB - walks every program header of every loaded object with
 * dl_iterate_phdr and looks addresses up with dladdr, for 2 s of CPU, while
 * a second thread dlopens LIB, calls into it and dlcloses it in a loop. CPU
 * samples land inside the loader while it holds its locks, and while the
 * list of objects changes under it.
 *
 * The output is the same agent or not: the number of loaded objects and of
 * rounds is not printed (the agent brings its own libraries), only whether
 * every round saw what it must.
 */
#include "burn.h"

#include <dlfcn.h>
#include <link.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#define MIN_DLOPEN_ROUNDS 20

struct walk {
	uintptr_t want;		/* an address in this program's text */
	int holders;		/* PT_LOAD segments that contain it */
	unsigned long phdrs;
};

static atomic_int stop;
static volatile unsigned long sink;

static __attribute__((noinline)) int phdr_walk(struct dl_phdr_info *info, size_t size, void *arg)
{
	struct walk *w = arg;

	(void)size;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		uintptr_t lo = info->dlpi_addr + ph->p_vaddr;

		w->phdrs++;
		if (ph->p_type == PT_LOAD && w->want >= lo && w->want - lo < ph->p_memsz)
			w->holders++;
	}
	return 0;
}

/* This program's text is in exactly one loaded segment. */
static __attribute__((noinline)) int phdr_round(void)
{
	struct walk w = { .want = (uintptr_t)&phdr_round };

	dl_iterate_phdr(phdr_walk, &w);
	sink += w.phdrs;
	return w.holders == 1;
}

/* dladdr names the objects of an address here and of one in libc. */
static __attribute__((noinline)) int dladdr_round(void)
{
	Dl_info self, libc;

	if (!dladdr((void *)&phdr_round, &self) || !self.dli_fbase || !self.dli_fname)
		return 0;
	return dladdr((void *)&dl_iterate_phdr, &libc) && libc.dli_sname &&
	       libc.dli_fbase != self.dli_fbase;
}

/* dlopen, dlsym, dladdr of the symbol found, call, dlclose; until told to
 * stop, but at least MIN_DLOPEN_ROUNDS times. Returns the failed rounds. */
static void *dlopen_thread(void *arg)
{
	const char *lib = arg;
	uintptr_t failed = 0;
	uint64_t sum = 0;

	for (int i = 0; i < MIN_DLOPEN_ROUNDS || !atomic_load(&stop); i++) {
		void *h = dlopen(lib, RTLD_NOW | RTLD_LOCAL);
		uint64_t (*fn)(uint64_t);
		Dl_info di;

		if (!h) {
			fprintf(stderr, "dlopen: %s\n", dlerror());
			failed++;
			continue;
		}
		fn = (uint64_t(*)(uint64_t))dlsym(h, "dl_work");
		if (!fn || !dladdr((void *)fn, &di) || !di.dli_sname || strcmp(di.dli_sname, "dl_work"))
			failed++;
		else
			sum += fn((uint64_t)i);
		dlclose(h);
	}
	sink += sum;
	return (void *)failed;
}

int main(int argc, char **argv)
{
	int64_t until;
	unsigned long bad = 0;
	void *failed;
	pthread_t t;

	if (argc < 2) {
		fprintf(stderr, "usage: phdr_loop LIB\n");
		return 2;
	}
	if (pthread_create(&t, NULL, dlopen_thread, argv[1]) != 0) {
		fprintf(stderr, "pthread_create failed\n");
		return 1;
	}
	until = thread_cpu_ns() + 2000000000LL;
	/*
	 * dladdr scans libc's whole symbol table: one round in 128 is enough
	 * for it to take a good share of the time, dl_iterate_phdr the most.
	 * The thread CPU clock is a system call: read it once per 128 rounds.
	 */
	while (thread_cpu_ns() < until) {
		bad += !dladdr_round();
		for (int i = 0; i < 128; i++)
			bad += !phdr_round();
	}
	atomic_store(&stop, 1);
	pthread_join(t, &failed);
	printf("phdr_loop: %lu bad dl_iterate_phdr/dladdr rounds\n", bad);
	printf("phdr_loop: %lu failed dlopen rounds\n", (unsigned long)(uintptr_t)failed);
	return bad || failed ? 1 : 0;
}
