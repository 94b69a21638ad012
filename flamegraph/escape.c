// SPDX-License-Identifier: MIT
/* escape.c - XML and JSON escaping with UTF-8 repair (see escape.h). */
#include "escape.h"

#include <stdint.h>

/*
 * Length of the well-formed UTF-8 sequence at p (1..4), or 0 when the bytes
 * there are not one: overlong forms, surrogates and code points past U+10FFFF
 * are refused, as RFC 3629 requires. *cp gets the code point.
 */
static size_t utf8_seq(const unsigned char *p, size_t n, uint32_t *cp)
{
	uint32_t c = p[0], min;
	size_t len;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf)
		len = 2, c &= 0x1f, min = 0x80;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3, c &= 0x0f, min = 0x800;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4, c &= 0x07, min = 0x10000;
	else
		return 0;
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (p[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

/* Writes the run s[from, to) unchanged. */
static void run(FILE *f, const char *s, size_t from, size_t to)
{
	if (to > from)
		fwrite(s + from, 1, to - from, f);
}

void em_esc_xml(FILE *f, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, plain = 0;

	while (i < len) {
		const char *rep = NULL;
		uint32_t cp;
		size_t n = utf8_seq(p + i, len - i, &cp);

		if (n == 0 || cp == 0xfffe || cp == 0xffff)
			rep = "\xef\xbf\xbd";
		else if (cp == '&')
			rep = "&amp;";
		else if (cp == '<')
			rep = "&lt;";
		else if (cp == '>')
			rep = "&gt;";
		else if (cp == '"')
			rep = "&quot;";
		else if (cp == '\'')
			rep = "&#39;";
		else if (cp == '\t' || cp == '\n' || cp == '\r')
			rep = " ";
		else if (cp < 0x20)
			rep = "\xef\xbf\xbd";
		if (!rep) {
			i += n;
			continue;
		}
		run(f, s, plain, i);
		fputs(rep, f);
		i += n ? n : 1;
		plain = i;
	}
	run(f, s, plain, len);
}

void em_esc_json(FILE *f, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, plain = 0;

	putc('"', f);
	while (i < len) {
		uint32_t cp;
		size_t n = utf8_seq(p + i, len - i, &cp);
		if (n && cp >= 0x20 && cp != '"' && cp != '\\' && cp != '<' && cp != '>' &&
		    cp != '&' && cp != 0x2028 && cp != 0x2029) {
			i += n;
			continue;
		}
		run(f, s, plain, i);
		if (!n)
			fputs("\\ufffd", f);
		else if (cp == '"')
			fputs("\\\"", f);
		else if (cp == '\\')
			fputs("\\\\", f);
		else
			fprintf(f, "\\u%04x", (unsigned int)cp);
		i += n ? n : 1;
		plain = i;
	}
	run(f, s, plain, len);
	putc('"', f);
}

size_t em_utf8_count(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, count = 0;
	uint32_t cp;

	while (i < len) {
		size_t n = utf8_seq(p + i, len - i, &cp);

		i += n ? n : 1;
		count++;
	}
	return count;
}

size_t em_utf8_prefix(const char *s, size_t len, size_t nchars)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;
	uint32_t cp;

	while (i < len && nchars--) {
		size_t n = utf8_seq(p + i, len - i, &cp);

		i += n ? n : 1;
	}
	return i;
}
