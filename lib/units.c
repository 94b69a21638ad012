// SPDX-License-Identifier: MIT
/* units.c - human-readable sample values. */
#include "units.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void scaled(double v, const char *sfx, char *buf, size_t len)
{
	double a = v < 0 ? -v : v;

	/* Three significant digits, like pprof's scaled labels. */
	if (a >= 100 || a == (double)(int64_t)a)
		snprintf(buf, len, "%.0f%s", v, sfx);
	else if (a >= 10)
		snprintf(buf, len, "%.1f%s", v, sfx);
	else
		snprintf(buf, len, "%.2f%s", v, sfx);
}

void em_format_value(int64_t v, const char *unit, char *buf, size_t len)
{
	double d = (double)v, a = d < 0 ? -d : d;

	if (!unit)
		unit = "";
	if (v == 0) {
		snprintf(buf, len, "0");
		return;
	}
	if (strcmp(unit, "nanoseconds") == 0) {
		if (a < 1e3)
			scaled(d, "ns", buf, len);
		else if (a < 1e6)
			scaled(d / 1e3, "us", buf, len);
		else if (a < 1e9)
			scaled(d / 1e6, "ms", buf, len);
		else if (a < 60e9)
			scaled(d / 1e9, "s", buf, len);
		else if (a < 3600e9)
			scaled(d / 60e9, "min", buf, len);
		else
			scaled(d / 3600e9, "h", buf, len);
	} else if (strcmp(unit, "bytes") == 0) {
		static const char *const sfx[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB" };
		int i = 0;

		while (a >= 1024 && i < 5) {
			a /= 1024;
			d /= 1024;
			i++;
		}
		scaled(d, sfx[i], buf, len);
	} else if (!*unit || strcmp(unit, "count") == 0) {
		snprintf(buf, len, "%" PRId64, v);
	} else {
		snprintf(buf, len, "%" PRId64 " %s", v, unit);
	}
}

void em_format_percent(int64_t v, int64_t total, char *buf, size_t len)
{
	if (total == 0)
		snprintf(buf, len, "0%%");
	else
		snprintf(buf, len, "%.2f%%", 100.0 * (double)v / (double)total);
}
