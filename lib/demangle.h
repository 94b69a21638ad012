/* SPDX-License-Identifier: MIT */
/*
 * demangle.h - C++ (Itanium ABI) symbol names made readable.
 *
 * ember is C and must not link libstdc++: the CLI would grow a dependency and
 * the LD_PRELOAD agent would drag it into every host process. The demangler is
 * libstdc++'s __cxa_demangle, found at run time: first in the process itself
 * (any C++ program already has it), else by dlopen("libstdc++.so.6"). Without
 * it, names stay mangled, which is still correct, only less pleasant.
 *
 * Thread-safe (the lookup runs once, under pthread_once). Not async-signal-safe
 * (allocates, may dlopen).
 */
#ifndef EMBER_DEMANGLE_H
#define EMBER_DEMANGLE_H

#include <stdbool.h>

/* Longest name handed to the demangler; longer ones stay as they are. */
#define EM_DEMANGLE_MAX_INPUT 16384

/*
 * em_demangle() - the demangled form of a mangled C++ name ("_Z..."). A symbol
 * version suffix ("@GLIBCXX_3.4", "@@...") is kept after the demangled part.
 * Returns a malloc'd string the caller frees, or NULL when name is not a
 * mangled C++ name, does not demangle, or no demangler is available.
 */
char *em_demangle(const char *name);

/* True when __cxa_demangle was found (in the process or libstdc++.so.6). */
bool em_demangle_available(void);

#endif
