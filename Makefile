# SPDX-License-Identifier: MIT
# ember - one non-recursive Makefile. Everything it builds goes under build/.
#
#   make            build build/ember (and build/libember.so once agent/ exists)
#   make demo       profile the bundled demo and show the results
#   make test       build and run every test; ends with "N passed, N failed, N skipped"
#   make test SAN=1 unit tests under ASan + UBSan (objects in build/san)
#   make fuzz       run the pprof reader fuzzer (FUZZ_TIME seconds, default 600)
#   make bench      benchmarks side by side with peers (see bench/README.md)
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
CPPFLAGS += -MMD -MP -D_GNU_SOURCE -Ilib -I$(OUTPUT)/gen -DEMBER_VERSION='"$(VERSION)"'
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
DEPS_TEST  := chromium redis-server redis-tools procps psmisc file curl valgrind
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
CLI_OBJS   := $(CLI_SRCS:%.c=$(OUTPUT)/obj/%.o)
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

ALL_OBJS   := $(LIB_OBJS) $(CLI_OBJS) $(AGENT_OBJS)

.PHONY: all deps deps-test deps-bench test unit demo bench fuzz fuzz-smoke clean progs \
        regen-golden format-check
.DEFAULT_GOAL := all

all: deps $(TARGETS)

deps:
	$(call install_pkgs,$(DEPS_BUILD))
deps-test: deps
	$(call install_pkgs,$(DEPS_TEST))
deps-bench: deps-test
	$(call install_pkgs,$(DEPS_BENCH))

# ---- generated protobuf code ----------------------------------------------
# Grouped target: one protoc-c run makes both files.
$(OUTPUT)/gen/profile.pb-c.c $(OUTPUT)/gen/profile.pb-c.h &: lib/proto/profile.proto
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

$(CORE_LIB): $(LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^
# The agent's objects as an archive too, so unit tests can link the module
# under test (config.o, ring.o, ...) without the interposers.
$(AGENT_LIB): $(AGENT_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(OUTPUT)/ember: $(CLI_OBJS) $(CORE_LIB)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $(CLI_OBJS) $(CORE_LIB) $(LIBS)

# The agent: only the interposed libc names and ember_* are exported.
$(OUTPUT)/libember.so: $(AGENT_OBJS) $(CORE_LIB) agent/exports.map
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) -shared -Wl,--version-script=agent/exports.map -Wl,-z,defs \
		-Wl,-z,nodelete -o $@ $(AGENT_OBJS) $(CORE_LIB) -lunwind $(LIBS)

# ---- tests -----------------------------------------------------------------
# One cmocka binary per module; it links the core archive, so only the objects
# the test reaches are pulled in. TEST_LDFLAGS_<name> adds per-test flags
# (e.g. -Wl,--wrap=open).
$(OUTPUT)/tests/unit/%: tests/unit/%.c $(CORE_LIB) $(AGENT_LIB)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D) && $(CC) $(CPPFLAGS) $(CFLAGS) -Wno-missing-prototypes $(LDFLAGS) \
		-o $@ $< $(TEST_LDFLAGS_$*) $(AGENT_LIB) $(CORE_LIB) -lcmocka -lunwind $(LIBS)

include tests/progs/progs.mk

unit: $(UNIT_BINS)

test: deps-test all $(UNIT_BINS) progs
	$(Q)OUTPUT=$(OUTPUT) SAN=$(SAN) tests/run.sh

# ---- fuzzing ---------------------------------------------------------------
FUZZ_TIME ?= 600
FUZZ_OUT  := build/fuzz
FUZZ_SRCS := $(filter-out lib/log.c,$(LIB_SRCS))
$(FUZZ_OUT)/fuzz_profile: tests/fuzz/fuzz_profile.c $(LIB_SRCS) $(OUTPUT)/gen/profile.pb-c.c
	$(call msg,FUZZ-CC,$@)
	$(Q)mkdir -p $(@D) && $(CLANG) -g -O1 -D_GNU_SOURCE -Ilib -I$(OUTPUT)/gen \
		-fsanitize=fuzzer,address,undefined -o $@ $< $(LIB_SRCS) $(OUTPUT)/gen/profile.pb-c.c \
		$(LIBS)

fuzz: deps $(FUZZ_OUT)/fuzz_profile
	$(Q)tests/fuzz/run.sh $(FUZZ_OUT)/fuzz_profile $(FUZZ_TIME)
fuzz-smoke: deps $(FUZZ_OUT)/fuzz_profile
	$(Q)tests/fuzz/run.sh $(FUZZ_OUT)/fuzz_profile 30

# ---- demo and bench ----------------------------------------------------------
demo: all progs
	$(Q)OUTPUT=$(OUTPUT) tests/demo.sh

bench: deps-bench all progs
	$(Q)OUTPUT=$(OUTPUT) bench/run.sh

format-check:
	$(Q)clang-format --dry-run -Werror $(wildcard lib/*.[ch] tools/*.[ch] agent/*.[ch] flamegraph/*.[ch])

clean:
	$(call msg,CLEAN,build)
	$(Q)rm -rf build

-include $(ALL_OBJS:.o=.d) $(UNIT_BINS:=.d)
.DELETE_ON_ERROR:
.SECONDARY:
