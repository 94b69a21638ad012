# SPDX-License-Identifier: MIT
# ember - one non-recursive Makefile. Everything it builds goes under build/.
#
#   make            build build/ember (and build/libember.so once agent/ exists)
#   make demo       profile the bundled demo and show the results
#   make test       build and run every test; ends with "N passed, N failed, N skipped"
#   make test SAN=1 unit tests under ASan + UBSan (objects in build/san)
#   make fuzz       run the pprof reader fuzzer (FUZZ_TIME seconds, default 600)
#   make bench      benchmarks side by side with peers (see bench/README.md)
#   make bench-symbolize  the symbolizer benchmark alone
#   make bench-cpu (-heap, -syscall, -redis, -aggregate)  one benchmark alone
#   make bench-flame  ember flame's speed and memory at 1k/10k/100k stacks
#   make regen-golden rewrite tests/golden's expected flame graphs for review
#   make deps       install missing Debian packages (apt-get; needs root)
#   make V=1        show full commands
#
# Flags are not tracked: after changing CFLAGS or SAN, run `make clean`.

VERSION     := 0.1.0
OUTPUT      ?= build
CC          ?= cc
CLANG       ?= clang
PROTOC_C    ?= protoc-c

SAN ?= 0
ifeq ($(SAN),1)
OUTPUT      := build/san
SAN_FLAGS   := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
endif

CFLAGS   ?= -g -O2
CFLAGS   += -std=gnu11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
            -Wmissing-prototypes -Wno-missing-field-initializers \
            -fPIC -fvisibility=hidden -fno-strict-aliasing $(SAN_FLAGS) $(EXTRA_CFLAGS)
CPPFLAGS += -MMD -MP -D_GNU_SOURCE -Ilib -Iflamegraph -I$(OUTPUT)/gen -DEMBER_VERSION='"$(VERSION)"'
LDFLAGS  += $(SAN_FLAGS) $(EXTRA_LDFLAGS)
LIBS     := -lprotobuf-c -lz -ldw -lelf -ldl -lpthread -lm

ifeq ($(V),1)
  Q   =
  msg =
else
  Q   = @
  msg = @printf '  %-9s %s\n' "$(1)" "$(patsubst $(OUTPUT)/%,%,$(2))";
endif

# ---- Debian packages -------------------------------------------------------
# Installed by `make deps` when missing; `make`, `make test` and `make demo`
# depend on it, so a fresh Debian 12 root machine needs only one command.
DEPS_BUILD := make gcc g++ pkg-config libelf-dev libdw-dev libunwind-dev libbpf-dev \
              bpftool clang llvm libclang-rt-14-dev libprotobuf-c-dev protobuf-c-compiler \
              zlib1g-dev libcmocka-dev golang-go binutils
DEPS_TEST  := chromium python3 redis-server redis-tools procps psmisc file curl valgrind time \
              libjemalloc2 libtcmalloc-minimal4
DEPS_BENCH := hyperfine heaptrack libgoogle-perftools-dev google-perftools linux-perf \
              strace bpftrace time

# Prints the missing packages of a list, installs them if run as root.
define install_pkgs
	@missing=$$(for p in $(1); do \
		dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' \
			|| printf '%s ' $$p; done); \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" != 0 ]; then \
			echo "ember: missing Debian packages: $$missing(run make deps as root)" >&2; exit 1; fi; \
		echo "  DEPS      apt-get install $$missing"; \
		export DEBIAN_FRONTEND=noninteractive; \
		apt-get update -qq >/dev/null && \
		apt-get install -y -qq --no-install-recommends $$missing >/dev/null \
			|| { echo "ember: apt-get install $$missing failed" >&2; exit 1; }; \
	fi
endef

# ---- sources ---------------------------------------------------------------
LIB_SRCS   := $(wildcard lib/*.c)
LIB_OBJS   := $(LIB_SRCS:%.c=$(OUTPUT)/obj/%.o) $(OUTPUT)/obj/gen/profile.pb-c.o
CLI_SRCS   := $(wildcard tools/*.c flamegraph/*.c)
# agent/config.o: `ember run` judges EMBER_* settings with the agent's parser.
CLI_OBJS   := $(CLI_SRCS:%.c=$(OUTPUT)/obj/%.o) $(OUTPUT)/obj/gen/flame_assets.o \
              $(OUTPUT)/obj/agent/config.o
# The flame graph renderer as an archive too, so unit tests can link it.
FLAME_OBJS := $(patsubst %.c,$(OUTPUT)/obj/%.o,$(wildcard flamegraph/*.c)) \
              $(OUTPUT)/obj/gen/flame_assets.o
FLAME_LIB  := $(OUTPUT)/libember-flame.a
# The viewer's script, style and page, compiled in (flamegraph/assets.h).
FLAME_ASSETS := em_asset_flame_svg_js=flamegraph/viewer/flame-svg.js \
                em_asset_viewer_js=flamegraph/viewer/viewer.js \
                em_asset_viewer_css=flamegraph/viewer/viewer.css \
                em_asset_viewer_html=flamegraph/viewer/viewer.html
AGENT_SRCS := $(wildcard agent/*.c)
AGENT_OBJS := $(AGENT_SRCS:%.c=$(OUTPUT)/obj/%.o)
CORE_LIB   := $(OUTPUT)/libember-core.a
AGENT_LIB  := $(OUTPUT)/libember-agent.a

UNIT_SRCS  := $(wildcard tests/unit/test_*.c)
UNIT_BINS  := $(UNIT_SRCS:tests/unit/%.c=$(OUTPUT)/tests/unit/%)

TARGETS    := $(OUTPUT)/ember
ifneq ($(wildcard agent/exports.map),)
TARGETS    += $(OUTPUT)/libember.so
endif

ALL_OBJS   := $(sort $(LIB_OBJS) $(CLI_OBJS) $(AGENT_OBJS))

.PHONY: all deps deps-test deps-bench test unit demo bench bench-symbolize bench-flame fuzz \
        fuzz-smoke clean progs regen-golden bench-cpu bench-heap bench-syscall bench-redis \
        bench-aggregate
.DEFAULT_GOAL := all

all: deps $(TARGETS)

deps:
	$(call install_pkgs,$(DEPS_BUILD))
deps-test: deps
	$(call install_pkgs,$(DEPS_TEST))
deps-bench: deps-test
	$(call install_pkgs,$(DEPS_BENCH))

# ---- generated protobuf code ----------------------------------------------
# Grouped target: one protoc-c run makes both files. After `make deps`
# (order-only): under make -j, protoc-c and the headers every object needs
# must be installed before anything compiles.
$(OUTPUT)/gen/profile.pb-c.c $(OUTPUT)/gen/profile.pb-c.h &: lib/proto/profile.proto | deps
	$(call msg,PROTOC,$@)
	$(Q)mkdir -p $(OUTPUT)/gen && $(PROTOC_C) --proto_path=lib/proto --c_out=$(OUTPUT)/gen $<
# Order-only: the header exists before the first compile; afterwards the .d
# files say exactly which objects include it.
$(ALL_OBJS) $(UNIT_BINS): | $(OUTPUT)/gen/profile.pb-c.h

# ---- compile ---------------------------------------------------------------
$(OUTPUT)/obj/%.o: %.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D) && $(CC) $(CPPFLAGS) $(CFLAGS) -c $< -o $@
# protoc-c output is not ours to warn about.
$(OUTPUT)/obj/gen/%.o: $(OUTPUT)/gen/%.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D) && $(CC) $(CPPFLAGS) $(filter-out -W%,$(CFLAGS)) -w -c $< -o $@

$(OUTPUT)/gen/flame_assets.c: flamegraph/viewer/embed.sh $(foreach a,$(FLAME_ASSETS),$(lastword $(subst =, ,$(a))))
	$(call msg,EMBED,$@)
	$(Q)mkdir -p $(@D) && flamegraph/viewer/embed.sh $@ $(FLAME_ASSETS)

$(FLAME_LIB): $(FLAME_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(CORE_LIB): $(LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^
# The agent's objects as an archive too, so unit tests and test tools can
# link the module under test (config.o, ring.o, http.o, ...). Objects that
# define interposed libc names (close, pthread_create, sigaction, ...) stay
# out: linked into a test they would replace libc's functions there.
AGENT_INTERPOSERS := agent backlog collector cpu endpoints fdguard heap interpose_malloc \
                     interpose_syscalls interpose_waits loader signals syscalls thread unwind writer
$(AGENT_LIB): $(filter-out $(AGENT_INTERPOSERS:%=$(OUTPUT)/obj/agent/%.o),$(AGENT_OBJS))
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(OUTPUT)/ember: $(CLI_OBJS) $(CORE_LIB)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $(CLI_OBJS) $(CORE_LIB) $(LIBS)

# The agent: only the interposed libc names and ember_* are exported.
# libunwind: the generic (remote-capable) library, used on our own process
# with our accessors (agent/unwind.c). libgcc_s goes first so that C++
# exceptions keep libgcc's _Unwind_* even though libunwind.so exports them.
# -z now: every symbol bound at load, so a hook's first call into libc never
# runs the lazy binder, which needs kilobytes of the program's stack (a
# coroutine's 8 KiB stack overflowed on it).
$(OUTPUT)/libember.so: $(AGENT_OBJS) $(CORE_LIB) agent/exports.map
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) -shared -Wl,--version-script=agent/exports.map -Wl,-z,defs \
		-Wl,-z,nodelete -Wl,-z,now -o $@ $(AGENT_OBJS) $(CORE_LIB) -Wl,--no-as-needed -lgcc_s \
		-Wl,--as-needed -lunwind-x86_64 -lunwind $(LIBS)

# ---- tests -----------------------------------------------------------------
# One cmocka binary per module; it links the core archive, so only the objects
# the test reaches are pulled in. TEST_LDFLAGS_<name> adds per-test flags
# (e.g. -Wl,--wrap=open).
$(OUTPUT)/tests/unit/%: tests/unit/%.c $(FLAME_LIB) $(CORE_LIB) $(AGENT_LIB)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D) && $(CC) $(CPPFLAGS) $(CFLAGS) -Wno-missing-prototypes $(LDFLAGS) \
		-o $@ $< $(TEST_LDFLAGS_$*) $(FLAME_LIB) $(AGENT_LIB) $(CORE_LIB) -lcmocka -lunwind \
		$(LIBS)

include tests/progs/progs.mk

unit: $(UNIT_BINS)

test: deps-test all $(UNIT_BINS) progs
	$(Q)OUTPUT=$(OUTPUT) SAN=$(SAN) tests/run.sh

# Rewrites tests/golden's expected flame graph outputs (and docs/flame-example.svg)
# from the current build; review them with git diff before committing.
regen-golden: all
	$(Q)OUTPUT=$(OUTPUT) REGEN=1 bash tests/integration/flame_golden.sh

# ---- fuzzing ---------------------------------------------------------------
# One object per source, so that each gets its header dependencies (-MMD):
# compiled with coverage (fuzzer-no-link), libFuzzer's main added at the link.
FUZZ_TIME  ?= 600
FUZZ_OUT   := build/fuzz
FUZZ_SRCS  := tests/fuzz/fuzz_profile.c $(LIB_SRCS)
FUZZ_OBJS  := $(FUZZ_SRCS:%.c=$(FUZZ_OUT)/obj/%.o) $(FUZZ_OUT)/obj/gen/profile.pb-c.o
FUZZ_FLAGS := -g -O1 -MMD -MP -D_GNU_SOURCE -Ilib -I$(OUTPUT)/gen \
              -fsanitize=fuzzer-no-link,address,undefined
$(FUZZ_OUT)/obj/%.o: %.c
	$(call msg,FUZZ-CC,$@)
	$(Q)mkdir -p $(@D) && $(CLANG) $(FUZZ_FLAGS) -c $< -o $@
$(FUZZ_OUT)/obj/gen/%.o: $(OUTPUT)/gen/%.c
	$(call msg,FUZZ-CC,$@)
	$(Q)mkdir -p $(@D) && $(CLANG) $(FUZZ_FLAGS) -c $< -o $@
$(FUZZ_OBJS): | $(OUTPUT)/gen/profile.pb-c.h
$(FUZZ_OUT)/fuzz_profile: $(FUZZ_OBJS)
	$(call msg,FUZZ-LD,$@)
	$(Q)$(CLANG) -fsanitize=fuzzer,address,undefined -o $@ $(FUZZ_OBJS) $(LIBS)

fuzz: deps $(FUZZ_OUT)/fuzz_profile
	$(Q)tests/fuzz/run.sh $(FUZZ_OUT)/fuzz_profile $(FUZZ_TIME)
fuzz-smoke: deps $(FUZZ_OUT)/fuzz_profile
	$(Q)tests/fuzz/run.sh $(FUZZ_OUT)/fuzz_profile 30

# ---- demo and bench ----------------------------------------------------------
demo: all progs
	$(Q)OUTPUT=$(OUTPUT) tests/demo.sh

# Benchmark programs (bench/<name>.c) link the core archive like the tests.
BENCH_BINS := $(patsubst bench/%.c,$(OUTPUT)/bench/%,$(wildcard bench/*.c))
$(OUTPUT)/bench/%: bench/%.c $(CORE_LIB)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D) && $(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< $(CORE_LIB) $(LIBS)
$(BENCH_BINS): | $(OUTPUT)/gen/profile.pb-c.h

# Workloads (bench/work/<name>.c): plain programs, no ember code in them,
# -O2 without frame pointers like most binaries in the field.
BENCH_WORK := $(patsubst bench/work/%.c,$(OUTPUT)/bench/work/%,$(wildcard bench/work/*.c))
$(OUTPUT)/bench/work/%: bench/work/%.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D) && $(CC) -g -O2 -fomit-frame-pointer -pthread -Wall -Wextra -Werror \
		-MMD -MP -o $@ $<

bench: deps-bench all progs $(BENCH_BINS) $(BENCH_WORK)
	$(Q)OUTPUT=$(OUTPUT) bench/run.sh

# One benchmark alone: make bench-cpu, bench-heap, bench-syscall, bench-redis,
# bench-aggregate (see bench/README.md).
bench-cpu bench-heap bench-syscall bench-redis bench-aggregate: bench-%: deps-bench all \
		$(BENCH_BINS) $(BENCH_WORK)
	$(Q)OUTPUT=$(OUTPUT) bench/$*.sh

bench-symbolize: all $(BENCH_BINS)
	$(Q)OUTPUT=$(OUTPUT) bench/symbolize.sh

# ember flame at 1k/10k/100k stacks, from folded and pprof (bench/flame.sh).
bench-flame: all progs
	$(Q)OUTPUT=$(OUTPUT) bench/flame.sh

clean:
	$(call msg,CLEAN,build)
	$(Q)rm -rf build

# Header dependencies (-MMD -MP) of everything built from the tree's sources.
-include $(ALL_OBJS:.o=.d) $(UNIT_BINS:=.d) $(BENCH_BINS:=.d) $(BENCH_WORK:=.d) \
         $(PROG_DEPS) $(FUZZ_OBJS:.o=.d)
.DELETE_ON_ERROR:
.SECONDARY:
