/* SPDX-License-Identifier: MIT */
/*
 * units.h - format sample values for people, by their pprof unit.
 *
 * nanoseconds -> ns/us/ms/s/min/h, bytes -> B/KiB/MiB/GiB/TiB, count and
 * anything else -> a plain integer (plus the unit name when it is not a count).
 * Pure functions; thread-safe; not async-signal-safe (snprintf).
 */
#ifndef EMBER_UNITS_H
#define EMBER_UNITS_H

#include <stddef.h>
#include <stdint.h>

/* Writes a short human form of v in unit into buf ("1.50s", "12.0MiB", "345"). */
void em_format_value(int64_t v, const char *unit, char *buf, size_t len);
/* Percentage of v in total, "12.34%" ("0%" when total is 0). */
void em_format_percent(int64_t v, int64_t total, char *buf, size_t len);

#endif
