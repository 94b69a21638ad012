// SPDX-License-Identifier: MIT
/*
 * raw_profile - write a CPU profile of bare addresses from a live process, the
 * input `ember symbolize` expects: locations with addresses and mappings from
 * /proc/PID/maps (start, limit, offset, path, build id) but no lines.
 *
 *   raw_profile [--no-build-id] [--no-mappings] PID OUT.pb.gz COUNT:ADDR,ADDR... ...
 *
 * Each stack argument is one sample (leaf first) with COUNT samples of 10ms.
 * --no-build-id leaves build ids out (symbolize then matches by path/name);
 * --no-mappings leaves mappings out entirely (only --pid can resolve those).
 */
#include "debugfile.h"
#include "elfmod.h"
#include "procmaps.h"
#include "profile.h"

#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void die(const char *what)
{
	fprintf(stderr, "raw_profile: %s\n", what);
	exit(1);
}

static const char *build_id_of(int pid, const struct em_map *m, char *hex)
{
	char path[PATH_MAX + 64];
	struct em_elfmod *mod;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/map_files/%" PRIx64 "-%" PRIx64, pid, m->start,
		 m->end);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return "";
	mod = em_elfmod__open_fd(fd, m->path);
	if (!mod)
		return "";
	snprintf(hex, 2 * EM_BUILD_ID_MAX + 1, "%s", mod->build_id_hex);
	em_elfmod__free(mod);
	return hex;
}

static uint64_t mapping_of(struct em_profile *p, int pid, const struct em_maps *maps,
			   uint64_t addr, bool with_id)
{
	const struct em_map *m = em_maps__find(maps, addr);
	char hex[2 * EM_BUILD_ID_MAX + 1] = "";
	struct em_mapping pm = { 0 };

	if (!m)
		return 0;
	pm.start = m->start;
	pm.limit = m->end;
	pm.offset = m->offset;
	pm.file = em_profile__str(p, m->path);
	pm.build_id = em_profile__str(p, with_id ? build_id_of(pid, m, hex) : "");
	return em_profile__add_mapping(p, &pm);
}

int main(int argc, char **argv)
{
	bool with_id = true, with_maps = true;
	struct em_profile *p;
	struct em_maps *maps;
	int i = 1, pid;

	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "--no-build-id"))
			with_id = false;
		else if (!strcmp(argv[i], "--no-mappings"))
			with_maps = false;
		else
			die("unknown option");
	}
	if (argc - i < 3)
		die("usage: raw_profile [--no-build-id] [--no-mappings] PID OUT COUNT:ADDR,...");
	pid = atoi(argv[i]);
	maps = em_maps__load(pid);
	p = em_profile__new();
	if (!maps || !p)
		die("cannot read the process's maps");
	em_profile__add_sample_type(p, "samples", "count");
	em_profile__add_sample_type(p, "cpu", "nanoseconds");
	em_profile__set_period_type(p, "cpu", "nanoseconds", 10000000);
	for (int s = i + 2; s < argc; s++) {
		uint64_t locs[64];
		size_t n = 0;
		char *end, *a = strchr(argv[s], ':');
		long count = strtol(argv[s], &end, 10);
		int64_t v[2];

		if (!a || end != a || count <= 0)
			die("bad stack argument");
		for (char *tok = strtok(a + 1, ","); tok && n < 64; tok = strtok(NULL, ",")) {
			uint64_t addr = strtoull(tok, NULL, 16);
			uint64_t mid = with_maps ? mapping_of(p, pid, maps, addr, with_id) : 0;

			locs[n] = em_profile__add_location(p, mid, addr, NULL, 0, false);
			if (!locs[n++])
				die("add_location failed");
		}
		v[0] = count;
		v[1] = count * 10000000;
		if (em_profile__add_sample(p, locs, n, v, NULL, 0))
			die("add_sample failed");
	}
	if (em_profile__write(p, argv[i + 1]))
		die("write failed");
	em_profile__free(p);
	em_maps__free(maps);
	return 0;
}
