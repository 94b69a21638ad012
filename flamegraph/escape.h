/* SPDX-License-Identifier: MIT */
/*
 * escape.h - the one place where frame names and titles become XML, HTML or
 * JSON text.
 *
 * Names come from untrusted files: they may hold markup, quotes, control
 * characters or bytes that are not UTF-8. An SVG with one invalid byte is not
 * displayed at all, and a name that closes a <script> would run as code, so
 * every writer sends text through these functions. Invalid UTF-8 and
 * characters XML forbids become U+FFFD. Pure; thread-safe.
 */
#ifndef EMBER_FLAME_ESCAPE_H
#define EMBER_FLAME_ESCAPE_H

#include <stddef.h>
#include <stdio.h>

/* Writes s as XML/HTML text or attribute content: & < > " ' as entities,
 * tab/newline/CR as a space, other control characters and invalid UTF-8 as
 * U+FFFD. */
void em_esc_xml(FILE *f, const char *s, size_t len);

/* Writes s as a JSON string literal, quotes included, that is also safe inside
 * an HTML <script> element: < > & U+2028 U+2029 and control characters are
 * \u escapes, invalid UTF-8 becomes \ufffd. */
void em_esc_json(FILE *f, const char *s, size_t len);

/* Number of characters in s: UTF-8 code points, an invalid byte counting as one. */
size_t em_utf8_count(const char *s, size_t len);
/* Byte length of the longest prefix of s with at most n characters; never
 * splits a UTF-8 sequence. */
size_t em_utf8_prefix(const char *s, size_t len, size_t n);

#endif
