# SPDX-License-Identifier: MIT
# Test programs (tests/progs) and test helpers (tests/tools), included by the
# top-level Makefile. Each program is a small workload with noinline functions
# named for what they test. Variants of the same source are built with and
# without frame pointers, PIE and non-PIE, stripped with separate debug files.

PROGS_OUT     := $(OUTPUT)/tests/progs
PROG_CFLAGS   := -g -O2 -pthread -Wall -Wextra -Werror -D_GNU_SOURCE -Ilib -I$(OUTPUT)/gen
PROG_FP       := -fno-omit-frame-pointer
PROG_NOFP     := -fomit-frame-pointer

PROG_SRCS     := $(wildcard tests/progs/*.c)
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

PROG_EXTRA    :=

progs: $(PROG_BINS) $(TOOL_BINS) $(PROG_EXTRA)
