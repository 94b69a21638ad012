# SPDX-License-Identifier: MIT
# Test programs (tests/progs) and test helpers (tests/tools), included by the
# top-level Makefile. Each program is a small workload with noinline functions
# named for what they test. Variants of the same source are built with and
# without frame pointers, PIE and non-PIE, stripped with separate debug files.

PROGS_OUT     := $(OUTPUT)/tests/progs
# Header dependencies go to $@.d, included by the top-level Makefile. -MF and
# -MT name the rule's target even where the compiler writes $@.full or a .so.
# Recursive (=) so that $@ is the target of the recipe using it.
PROG_DEPFLAGS  = -MMD -MP -MF $@.d -MT $@
PROG_CFLAGS    = -g -O2 -pthread -Wall -Wextra -Werror -D_GNU_SOURCE -Ilib -I$(OUTPUT)/gen \
                 $(PROG_DEPFLAGS)
PROG_FP       := -fno-omit-frame-pointer
PROG_NOFP     := -fomit-frame-pointer

# lib*.c are shared libraries for the programs, not programs.
PROG_SRCS     := $(filter-out tests/progs/lib%.c,$(wildcard tests/progs/*.c))
PROG_BINS     := $(PROG_SRCS:tests/progs/%.c=$(PROGS_OUT)/%)
TOOL_SRCS     := $(wildcard tests/tools/*.c)
TOOL_BINS     := $(TOOL_SRCS:tests/tools/%.c=$(OUTPUT)/tests/tools/%)

# Default: -O2 with frame pointers, PIE (Debian's default).
$(PROGS_OUT)/%: tests/progs/%.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D) && $(CC) $(PROG_CFLAGS) $(PROG_FP) -o $@ $< -ldl -lm

# Test helpers link the core library (they write or inspect profiles), and the
# agent's objects before it for those that drive an agent module (http_serve).
$(OUTPUT)/tests/tools/%: tests/tools/%.c $(AGENT_LIB) $(CORE_LIB)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D) && $(CC) $(CPPFLAGS) $(CFLAGS) -Wno-missing-prototypes $(LDFLAGS) \
		-o $@ $< $(AGENT_LIB) $(CORE_LIB) $(LIBS)
$(TOOL_BINS): | $(OUTPUT)/gen/profile.pb-c.h

# ---- symbolizer test programs (tests/integration/symbolize.sh) -------------
# symprog's variants each get their own -DSYMPROG_VARIANT, so each has its own
# build id: two variants must never pass for one another through a debug file.
CXX           ?= g++
SYMPROG_SRC   := tests/progs/symprog.c
SYMPROG_DEPS  := $(SYMPROG_SRC) tests/progs/symprog.h
# The build-id debug directory the tests pass in EMBER_DEBUG_DIRS.
SYM_DEBUG_DIR := $(PROGS_OUT)/debug-root
sym_cc = $(CC) $(PROG_CFLAGS) -DSYMPROG_VARIANT='"$(2)"' $(3) -o $(1) $(SYMPROG_SRC) -ldl
# The build id of an ELF file, as readelf prints it.
sym_build_id = $$(readelf -n $(1) | sed -n 's/^ *Build ID: *//p')

$(PROGS_OUT)/libsymlib.so: tests/progs/symlib/symlib.c tests/progs/symprog.h
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D) && $(CC) $(PROG_CFLAGS) $(PROG_FP) -fPIC -shared -o $@ $<

$(PROGS_OUT)/symprog-nofp: $(SYMPROG_DEPS)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D) && $(call sym_cc,$@,nofp,$(PROG_NOFP))

$(PROGS_OUT)/symprog-nopie: $(SYMPROG_DEPS)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D) && $(call sym_cc,$@,nopie,$(PROG_FP) -fno-pie -no-pie)

# Stripped; the debug file is found by build id under $(SYM_DEBUG_DIR).
$(PROGS_OUT)/symprog-stripped-id: $(SYMPROG_DEPS)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D) && $(call sym_cc,$@.full,stripped-id,$(PROG_FP))
	$(Q)id=$(call sym_build_id,$@.full); test -n "$$id" && \
		dir=$(SYM_DEBUG_DIR)/.build-id/$$(echo $$id | cut -c1-2) && mkdir -p $$dir && \
		objcopy --only-keep-debug $@.full $$dir/$$(echo $$id | cut -c3-).debug && \
		objcopy --strip-all $@.full $@ && rm -f $@.full

# Stripped; the debug file is found by .gnu_debuglink in the .debug/ directory.
$(PROGS_OUT)/symprog-stripped-link: $(SYMPROG_DEPS)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)/.debug && $(call sym_cc,$@.full,stripped-link,$(PROG_FP))
	$(Q)objcopy --only-keep-debug $@.full $(@D)/.debug/$(@F).debug && \
		objcopy --strip-all --add-gnu-debuglink=$(@D)/.debug/$(@F).debug $@.full $@ && \
		rm -f $@.full

# Stripped, with no debug file anywhere: names stay unresolved (file+0xoffset).
$(PROGS_OUT)/symprog-stripped-bare: $(SYMPROG_DEPS)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D) && $(call sym_cc,$@.full,stripped-bare,$(PROG_FP)) && \
		objcopy --strip-all $@.full $@ && rm -f $@.full

# GCC splits events_process into a stub and events_process.part.0; the
# stripped copy keeps only .dynsym (-rdynamic exports the stub).
$(PROGS_OUT)/splitfn: tests/progs/splitfn/splitfn.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D) && $(CC) $(PROG_CFLAGS) -rdynamic -o $@ $<
$(PROGS_OUT)/splitfn-stripped: $(PROGS_OUT)/splitfn
	$(call msg,STRIP,$@)
	$(Q)objcopy --strip-all $< $@

$(PROGS_OUT)/symcpp: tests/progs/symcpp.cc tests/progs/symprog.h
	$(call msg,CXX,$@)
	$(Q)mkdir -p $(@D) && $(CXX) -g -O2 -Wall -Wextra -Werror $(PROG_DEPFLAGS) $(PROG_FP) \
		-o $@ $<

PROG_EXTRA    := $(PROGS_OUT)/libsymlib.so $(PROGS_OUT)/symprog-nofp $(PROGS_OUT)/symprog-nopie \
                 $(PROGS_OUT)/symprog-stripped-id $(PROGS_OUT)/symprog-stripped-link \
                 $(PROGS_OUT)/symprog-stripped-bare $(PROGS_OUT)/symcpp

# ---- agent test programs (tests/integration/agent_*.sh) ---------------------
# Shared libraries used by the programs (dlopen'd or linked).
$(PROGS_OUT)/libdlwork.so: tests/progs/libdlwork.c tests/progs/burn.h
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D) && $(CC) $(PROG_CFLAGS) $(PROG_FP) -fPIC -shared -o $@ $<

$(PROGS_OUT)/cxx_throw: tests/progs/cxx_throw.cc
	$(call msg,CXX,$@)
	$(Q)mkdir -p $(@D) && $(CXX) -g -O2 -pthread -Wall -Wextra -Werror $(PROG_DEPFLAGS) -o $@ $<

# Known-answer CPU split: without frame pointers, so stacks must be unwound
# with CFI through the program and through glibc's qsort.
$(PROGS_OUT)/cpu_split: tests/progs/cpu_split.c tests/progs/burn.h
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D) && $(CC) $(PROG_CFLAGS) $(PROG_NOFP) -o $@ $<

$(PROGS_OUT)/libsigowner.so: tests/progs/libsigowner.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D) && $(CC) $(PROG_CFLAGS) -fPIC -shared -o $@ $<

PROG_EXTRA    += $(PROGS_OUT)/libdlwork.so $(PROGS_OUT)/cxx_throw $(PROGS_OUT)/libsigowner.so \
                 $(PROGS_OUT)/splitfn $(PROGS_OUT)/splitfn-stripped

# The .d files of everything above (programs: $@.d; tools: gcc's default name
# for -MMD with -o, also $@.d), for the top-level Makefile's -include;
# recursive, so that PROG_EXTRA entries added further down count too.
PROG_DEPS      = $(PROG_BINS:=.d) $(PROG_EXTRA:=.d) $(TOOL_BINS:=.d)

progs: $(PROG_BINS) $(TOOL_BINS) $(PROG_EXTRA)
