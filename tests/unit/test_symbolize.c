// SPDX-License-Identifier: MIT
/*
 * test_symbolize.c - the symbolizer against live processes: this test (PIE),
 * a library it dlopens, and the test programs (non-PIE, stripped with debug
 * files, C++), plus unresolved naming, mapping flags and kernel addresses.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "frames.h"
#include "../progs/symprog.h"
#include "progs.h"
#include "symbolize.h"

#include <dlfcn.h>
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

/* The line of src (relative to the tree's root) containing marker. */
static int marker_line(const char *src, const char *marker)
{
	char line[1024];
	FILE *f = fopen(src, "r");
	int n = 0, found = 0;

	assert_non_null(f);
	while (!found && fgets(line, sizeof(line), f)) {
		n++;
		if (strstr(line, marker))
			found = n;
	}
	fclose(f);
	assert_true(found > 0);
	return found;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && strcmp(s + a - b, suffix) == 0;
}

static void expect_frame(const struct em_symframe *f, const char *name, const char *file, int line)
{
	assert_string_equal(f->name, name);
	assert_true(ends_with(f->file, file));
	assert_int_equal(f->line, line);
}

/* A running test program and the stacks it printed. */
struct child {
	FILE *out;
	int pid;
	uint64_t exe[SYM_STACK_MAX], lib[SYM_STACK_MAX];
	int nexe, nlib;
};

static int parse_stack(const char *line, uint64_t *v)
{
	int n = 0;
	char *end;

	line = strchr(line + 6, ' ');
	while (line && n < SYM_STACK_MAX) {
		v[n] = strtoull(line, &end, 16);
		if (end == line)
			break;
		n++;
		line = end;
	}
	return n;
}

static void spawn(const char *prog, struct child *c)
{
	char cmd[PATH_MAX + 8], line[512];

	memset(c, 0, sizeof(*c));
	snprintf(cmd, sizeof(cmd), "exec %s 30", prog_path(prog));
	c->out = popen(cmd, "r");
	assert_non_null(c->out);
	while (fgets(line, sizeof(line), c->out) && strncmp(line, "ready", 5) != 0) {
		if (!strncmp(line, "pid ", 4))
			c->pid = atoi(line + 4);
		else if (!strncmp(line, "stack exe", 9))
			c->nexe = parse_stack(line, c->exe);
		else if (!strncmp(line, "stack lib", 9))
			c->nlib = parse_stack(line, c->lib);
	}
	assert_true(c->pid > 0);
	assert_true(c->nexe >= 3);
}

static void reap(struct child *c)
{
	kill(c->pid, SIGTERM);
	pclose(c->out);
}

static __attribute__((noinline)) int target_fn(int x)
{
	return x * 7 + 1; /* @self-target */
}

static void own_pie_code_resolves(void **state)
{
	struct em_symbolizer *s = em_symbolizer__new(NULL);
	struct em_proc *p = em_proc__new(0);
	struct em_symloc loc;

	(void)state;
	assert_non_null(s);
	assert_non_null(p);
	assert_int_equal(target_fn(1), 8);
	assert_int_equal(em_symbolizer__lookup(s, p, (uint64_t)(uintptr_t)&target_fn, &loc), 1);
	assert_string_equal(loc.frames[0].name, "target_fn");
	assert_true(ends_with(loc.frames[0].file, "tests/unit/test_symbolize.c"));
	assert_true(loc.frames[0].line > 0);
	assert_true(loc.has_map);
	assert_true(ends_with(loc.map_file, "test_symbolize"));
	assert_int_equal(strlen(loc.build_id), 40);
	assert_true(loc.functions && loc.filenames && loc.line_numbers && loc.inline_frames);
	em_proc__free(p);
	em_symbolizer__free(s);
}

static void dlopened_library_resolves_after_refresh(void **state)
{
	const char *src = "tests/progs/symlib/symlib.c";
	struct em_symbolizer *s = em_symbolizer__new(NULL);
	struct em_proc *p = em_proc__new(0);
	uintptr_t (*entry)(uintptr_t *);
	uintptr_t stack[SYM_STACK_MAX];
	struct em_symloc loc;
	void *h;

	(void)state;
	h = dlopen(prog_path("libsymlib.so"), RTLD_NOW);
	assert_non_null(h);
	entry = (uintptr_t(*)(uintptr_t *))dlsym(h, "symlib_entry");
	assert_non_null(entry);
	entry(stack);
	/* Mapped after the maps were read: unknown until refreshed. */
	assert_int_equal(em_symbolizer__lookup(s, p, stack[0], &loc), 0);
	assert_false(loc.has_map);
	assert_int_equal(em_proc__refresh(p), 0);
	assert_int_equal(em_symbolizer__lookup(s, p, stack[0], &loc), 1);
	expect_frame(&loc.frames[0], "symlib_leaf", "symlib.c", marker_line(src, "@lib-leaf"));
	assert_int_equal(em_symbolizer__lookup(s, p, stack[1], &loc), 2);
	expect_frame(&loc.frames[0], "symlib_helper", "symlib.c", marker_line(src, "@lib-call-leaf"));
	expect_frame(&loc.frames[1], "symlib_entry", "symlib.c", marker_line(src, "@lib-call-helper"));
	assert_true(loc.inline_frames);
	assert_true(ends_with(loc.map_file, "/libsymlib.so"));
	em_proc__free(p);
	em_symbolizer__free(s);
	dlclose(h);
}

/* The exe stack of symprog: leaf, inlined helper in middle, main. */
static void expect_symprog_stack(struct em_symbolizer *s, struct em_proc *p, const struct child *c)
{
	const char *src = "tests/progs/symprog.c";
	struct em_symloc loc;

	assert_int_equal(em_symbolizer__lookup(s, p, c->exe[0], &loc), 1);
	expect_frame(&loc.frames[0], "sym_leaf", "symprog.c", marker_line(src, "@leaf"));
	assert_int_equal(em_symbolizer__lookup(s, p, c->exe[1], &loc), 2);
	expect_frame(&loc.frames[0], "sym_helper", "symprog.c", marker_line(src, "@call-leaf"));
	expect_frame(&loc.frames[1], "sym_middle", "symprog.c", marker_line(src, "@call-helper"));
	assert_int_equal(em_symbolizer__lookup(s, p, c->exe[2], &loc), 1);
	expect_frame(&loc.frames[0], "main", "symprog.c", marker_line(src, "@call-middle"));
}

static void non_pie_and_stripped_programs_resolve(void **state)
{
	const char *dirs[] = { prog_path("debug-root") };
	struct em_symbolizer_opts o = { .debug_dirs = dirs, .ndebug_dirs = 1 };
	static const char *const progs[] = { "symprog-nopie", "symprog-nofp",
					     "symprog-stripped-id", "symprog-stripped-link" };

	(void)state;
	for (size_t i = 0; i < sizeof(progs) / sizeof(progs[0]); i++) {
		struct em_symbolizer *s = em_symbolizer__new(&o);
		struct child c;
		struct em_proc *p;

		spawn(progs[i], &c);
		p = em_proc__new(c.pid);
		assert_non_null(p);
		assert_int_equal(em_proc__pid(p), c.pid);
		expect_symprog_stack(s, p, &c);
		reap(&c);
		em_proc__free(p);
		em_symbolizer__free(s);
	}
}

static void cxx_names_are_demangled(void **state)
{
	struct em_symbolizer *s = em_symbolizer__new(NULL);
	struct em_symloc loc;
	struct em_proc *p;
	struct child c;

	(void)state;
	spawn("symcpp", &c);
	p = em_proc__new(c.pid);
	assert_int_equal(em_symbolizer__lookup(s, p, c.exe[0], &loc), 1);
	assert_string_equal(loc.frames[0].name, "ember_test::Widget<int>::spin(int, unsigned long*)");
	assert_string_equal(loc.frames[0].system_name, "_ZN10ember_test6WidgetIiE4spinEiPm");
	assert_int_equal(em_symbolizer__lookup(s, p, c.exe[1], &loc), 2);
	assert_string_equal(loc.frames[0].name, "ember_test::twice");
	assert_string_equal(loc.frames[1].name, "ember_test::run_widget(unsigned long*)");
	reap(&c);
	em_proc__free(p);
	em_symbolizer__free(s);
}

static void unresolved_address_keeps_module_offset_and_build_id(void **state)
{
	struct em_symbolizer *s = em_symbolizer__new(NULL);
	struct em_profile *prof = em_profile__new();
	const struct em_mapping *m;
	const struct em_location *l;
	char name[256], want[256];
	struct em_proc *p;
	struct child c;
	uint64_t lid;

	(void)state;
	spawn("symprog-stripped-bare", &c);
	p = em_proc__new(c.pid);
	lid = em_symbolizer__location(s, p, prof, c.exe[0]);
	assert_int_equal(lid, 1);
	l = &prof->locations[0];
	assert_int_equal(l->nlines, 0);
	m = &prof->mappings[l->mapping_id - 1];
	assert_true(ends_with(em_profile__string(prof, m->file), "/symprog-stripped-bare"));
	assert_int_equal(strlen(em_profile__string(prof, m->build_id)), 40);
	assert_false(m->has_functions || m->has_filenames || m->has_line_numbers);
	snprintf(want, sizeof(want), "symprog-stripped-bare+0x%" PRIx64,
		 c.exe[0] - m->start + m->offset);
	assert_string_equal(em_frame_name(prof, EM_FRAME_ADDR_KEY | lid, name, sizeof(name)), want);
	/* Same address again: same location, flags unchanged. */
	assert_int_equal(em_symbolizer__location(s, p, prof, c.exe[0]), lid);
	reap(&c);
	em_proc__free(p);
	em_profile__free(prof);
	em_symbolizer__free(s);
}

static void mapping_flags_hold_for_every_address(void **state)
{
	struct em_symbolizer *s = em_symbolizer__new(NULL);
	struct em_profile *prof = em_profile__new();
	struct em_proc *p = em_proc__new(0);
	const struct em_mapping *m;
	const struct em_map *e;
	struct em_symloc loc;
	uint64_t lid;

	(void)state;
	lid = em_symbolizer__location(s, p, prof, (uint64_t)(uintptr_t)&target_fn);
	assert_true(lid > 0);
	m = &prof->mappings[prof->locations[lid - 1].mapping_id - 1];
	assert_true(m->has_functions && m->has_filenames && m->has_line_numbers &&
		    m->has_inline_frames);
	/*
	 * The executable segment starts with .init: _init (from crti.o) has a
	 * symbol but no DWARF, so the mapping keeps has_functions only.
	 */
	e = em_maps__find(em_proc__maps(p), (uint64_t)(uintptr_t)&target_fn);
	assert_int_equal(em_symbolizer__lookup(s, p, e->start, &loc), 1);
	assert_string_equal(loc.frames[0].name, "_init");
	assert_false(loc.filenames);
	assert_true(em_symbolizer__location(s, p, prof, e->start) > 0);
	m = &prof->mappings[prof->locations[lid - 1].mapping_id - 1];
	assert_true(m->has_functions);
	assert_false(m->has_filenames || m->has_line_numbers || m->has_inline_frames);
	em_proc__free(p);
	em_profile__free(prof);
	em_symbolizer__free(s);
}

static void vdso_is_read_from_memory(void **state)
{
	struct em_symbolizer *s = em_symbolizer__new(NULL);
	struct em_proc *p = em_proc__new(0);
	const struct em_maps *maps = em_proc__maps(p);
	const struct em_map *vdso = NULL;
	const struct em_sym *sym;
	struct em_elfmod *mod;
	struct em_symloc loc;
	struct timespec ts;

	(void)state;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	for (size_t i = 0; i < maps->n; i++)
		if (!strcmp(maps->v[i].path, "[vdso]"))
			vdso = &maps->v[i];
	assert_non_null(vdso);
	mod = em_symbolizer__proc_module(s, p, vdso);
	assert_non_null(mod);
	assert_true(mod->build_id_len > 0);
	assert_int_equal(em_elfmod__load(mod, NULL, 0), 0);
	/* One name survives per address: the plain alias of __vdso_clock_gettime. */
	sym = em_symtab__find_name(&mod->syms, "clock_gettime");
	assert_non_null(sym);
	/* The vDSO is linked at 0 and mapped whole: address = start + symbol. */
	assert_int_equal(em_symbolizer__lookup(s, p, vdso->start + sym->addr + 1, &loc), 1);
	assert_string_equal(loc.frames[0].name, "clock_gettime");
	assert_string_equal(loc.map_file, "[vdso]");
	assert_string_equal(loc.build_id, mod->build_id_hex);
	em_proc__free(p);
	em_symbolizer__free(s);
}

static void kernel_addresses_use_kallsyms(void **state)
{
	char path[] = "/tmp/ember-ksyms.XXXXXX";
	const char text[] = "ffffffff81000000 T _stext\nffffffff81001010 T do_one\n"
			    "ffffffff81001080 t other\n";
	struct em_symbolizer_opts o = { .kallsyms_path = path };
	struct em_symbolizer *s;
	struct em_profile *prof = em_profile__new();
	const struct em_mapping *m;
	const struct em_function *f;
	uint64_t lid;
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, sizeof(text) - 1), (ssize_t)sizeof(text) - 1);
	close(fd);
	s = em_symbolizer__new(&o);
	lid = em_symbolizer__location(s, NULL, prof, 0xffffffff81001020ULL);
	unlink(path);
	assert_int_equal(lid, 1);
	assert_int_equal(prof->locations[0].nlines, 1);
	f = &prof->functions[prof->lines[0].function_id - 1];
	assert_string_equal(em_profile__string(prof, f->name), "do_one");
	m = &prof->mappings[prof->locations[0].mapping_id - 1];
	assert_string_equal(em_profile__string(prof, m->file), EM_KERNEL_MAPPING);
	assert_true(m->has_functions);
	assert_false(m->has_filenames || m->has_line_numbers);
	em_profile__free(prof);
	em_symbolizer__free(s);
}

/* A profile of bare addresses from c's exe stack, mappings from its maps. */
static struct em_profile *raw_profile(const struct child *c, const char *build_id)
{
	struct em_profile *p = em_profile__new();
	struct em_maps *maps = em_maps__load(c->pid);
	uint64_t locs[SYM_STACK_MAX];
	int64_t v[1] = { 7 };
	struct em_label lab;

	assert_non_null(maps);
	em_profile__add_sample_type(p, "samples", "count");
	for (int i = 0; i < c->nexe; i++) {
		const struct em_map *m = em_maps__find(maps, c->exe[i]);
		struct em_mapping pm = { m->start, m->end, m->offset,
					 em_profile__str(p, m->path), 0 };

		/* The program's own mapping gets the build id under test. */
		if (strstr(m->path, "/tests/progs/"))
			pm.build_id = em_profile__str(p, build_id);
		locs[i] = em_profile__add_location(p, em_profile__add_mapping(p, &pm), c->exe[i],
						   NULL, 0, false);
	}
	lab = em_profile__label_str(p, "thread", "main");
	assert_int_equal(em_profile__add_sample(p, locs, (size_t)c->nexe, v, &lab, 1), 0);
	em_maps__free(maps);
	return p;
}

/* The names along sample 0, leaf first, space-separated. */
static const char *stack_names(const struct em_profile *p, char *buf, size_t len)
{
	struct em_frame *frames = NULL;
	size_t cap = 0;
	long n = em_frames_of_sample(p, 0, &frames, &cap);
	char name[256];

	buf[0] = '\0';
	for (long i = 0; i < n; i++) {
		strncat(buf, em_frame_name(p, frames[i].key, name, sizeof(name)), len - strlen(buf) - 1);
		strncat(buf, " ", len - strlen(buf) - 1);
	}
	free(frames);
	return buf;
}

static void symbolize_profile_resolves_bare_addresses(void **state)
{
	struct em_symbolizer *s = em_symbolizer__new(NULL);
	struct em_symbolize_opts o = { 0 };
	struct em_symbolize_stats st;
	struct em_profile *p;
	struct child c;
	char names[1024];

	(void)state;
	spawn("symprog", &c);
	/* Through the mapping's own file (no build id to check). */
	p = raw_profile(&c, "");
	assert_int_equal(em_symbolize_profile(p, s, &o, &st), 0);
	assert_int_equal(st.locations, 4);
	assert_int_equal(st.symbolized, 4);
	assert_int_equal(st.unresolved, 0);
	assert_string_equal(stack_names(p, names, sizeof(names)),
			    "sym_leaf sym_helper sym_middle main __libc_start_call_main ");
	assert_int_equal(p->nsamples, 1);
	assert_int_equal(p->sample_values[0], 7);
	assert_int_equal(p->samples[0].nlabels, 1);
	assert_string_equal(em_profile__string(p, p->sample_labels[0].str), "main");
	for (size_t i = 0; i < p->nmappings; i++) {
		assert_true(p->mappings[i].has_functions && p->mappings[i].has_line_numbers);
		/* The build id learnt from the file is recorded. */
		assert_int_equal(strlen(em_profile__string(p, p->mappings[i].build_id)), 40);
	}
	/* Running it again changes nothing: every location already has lines. */
	assert_int_equal(em_symbolize_profile(p, s, &o, &st), 0);
	assert_int_equal(st.already, 4);
	assert_int_equal(st.symbolized, 0);
	em_profile__free(p);

	/* A build id that does not match the file: not used, left unresolved. */
	p = raw_profile(&c, "00112233445566778899aabbccddeeff00112233");
	assert_int_equal(em_symbolize_profile(p, s, &o, &st), 0);
	assert_int_equal(st.unresolved, 3);
	assert_int_equal(strncmp(stack_names(p, names, sizeof(names)), "symprog+0x", 10), 0);
	em_profile__free(p);

	/* Through the live process instead: the same names. */
	o.pid = c.pid;
	p = raw_profile(&c, "");
	assert_int_equal(em_symbolize_profile(p, s, &o, &st), 0);
	assert_string_equal(stack_names(p, names, sizeof(names)),
			    "sym_leaf sym_helper sym_middle main __libc_start_call_main ");
	em_profile__free(p);
	reap(&c);
	o.pid = 999999999;
	p = em_profile__new();
	assert_int_equal(em_symbolize_profile(p, s, &o, &st), -ENOENT);
	em_profile__free(p);
	em_symbolizer__free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(own_pie_code_resolves),
		cmocka_unit_test(dlopened_library_resolves_after_refresh),
		cmocka_unit_test(non_pie_and_stripped_programs_resolve),
		cmocka_unit_test(cxx_names_are_demangled),
		cmocka_unit_test(unresolved_address_keeps_module_offset_and_build_id),
		cmocka_unit_test(mapping_flags_hold_for_every_address),
		cmocka_unit_test(vdso_is_read_from_memory),
		cmocka_unit_test(kernel_addresses_use_kallsyms),
		cmocka_unit_test(symbolize_profile_resolves_bare_addresses),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
