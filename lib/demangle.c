// SPDX-License-Identifier: MIT
/* demangle.c - __cxa_demangle resolved at run time (see demangle.h for why). */
#include "demangle.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

typedef char *(*cxa_demangle_fn)(const char *mangled, char *buf, size_t *len, int *status);

static pthread_once_t resolve_once = PTHREAD_ONCE_INIT;
static cxa_demangle_fn cxa_demangle;

static void resolve(void)
{
	void *h;

	cxa_demangle = (cxa_demangle_fn)dlsym(RTLD_DEFAULT, "__cxa_demangle");
	if (cxa_demangle)
		return;
	/*
	 * RTLD_LOCAL keeps libstdc++'s symbols out of the global scope, so loading
	 * it cannot change how the host program's own symbols bind. The handle is
	 * never closed: the function pointer must stay valid.
	 */
	h = dlopen("libstdc++.so.6", RTLD_LAZY | RTLD_LOCAL);
	if (h)
		cxa_demangle = (cxa_demangle_fn)dlsym(h, "__cxa_demangle");
}

bool em_demangle_available(void)
{
	pthread_once(&resolve_once, resolve);
	return cxa_demangle != NULL;
}

char *em_demangle(const char *name)
{
	const char *at;
	char *tmp = NULL, *out, *res;
	size_t len;
	int status = -1;

	if (!name || strncmp(name, "_Z", 2) != 0 || !em_demangle_available())
		return NULL;
	len = strnlen(name, EM_DEMANGLE_MAX_INPUT + 1);
	if (len > EM_DEMANGLE_MAX_INPUT)
		return NULL;
	/* "name@VERSION" and "name@@VERSION" from versioned symbol tables. */
	at = strchr(name, '@');
	if (at) {
		tmp = strndup(name, (size_t)(at - name));
		if (!tmp)
			return NULL;
	}
	out = cxa_demangle(tmp ? tmp : name, NULL, NULL, &status);
	free(tmp);
	if (status != 0 || !out) {
		free(out);
		return NULL;
	}
	if (!at)
		return out;
	res = malloc(strlen(out) + strlen(at) + 1);
	if (res) {
		strcpy(res, out);
		strcat(res, at);
	}
	free(out);
	return res;
}
