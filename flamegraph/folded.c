// SPDX-License-Identifier: MIT
/* folded.c - the folded stack format: strict reader, portable writer. */
#include "folded.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

bool em_folded__is_text(const void *data, size_t len)
{
	const unsigned char *p = data;
	size_t head = len < 4096 ? len : 4096;

	if (len == 0 || memchr(data, '\0', len))
		return false;
	for (size_t i = 0; i < head; i++)
		if (p[i] < 0x20 && p[i] != '\t' && p[i] != '\n' && p[i] != '\r')
			return false;
	return true;
}

static int fail(char *err, size_t err_len, int rc, size_t line, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static int fail(char *err, size_t err_len, int rc, size_t line, const char *fmt, ...)
{
	size_t n;
	va_list ap;

	n = (size_t)snprintf(err, err_len, "line %zu: ", line);
	va_start(ap, fmt);
	if (n < err_len)
		vsnprintf(err + n, err_len - n, fmt, ap);
	va_end(ap);
	return rc;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t';
}

/* Parses the count token [s, e). Returns 0 or a reason. */
static const char *parse_count(const char *s, const char *e, int64_t *out)
{
	int64_t v = 0;

	if (*s == '-')
		return "is negative";
	for (const char *p = s; p < e; p++) {
		if (*p < '0' || *p > '9')
			return memchr(s, '.', (size_t)(e - s)) || memchr(s, 'e', (size_t)(e - s))
				       ? "is not an integer"
				       : "is not a number";
		if (__builtin_mul_overflow(v, 10, &v) || __builtin_add_overflow(v, *p - '0', &v))
			return "is too large";
	}
	*out = v;
	return NULL;
}

/* The start of the last blank-separated token of [s, e) (s when none). */
static const char *last_token(const char *s, const char *e)
{
	while (e > s && !is_space(e[-1]))
		e--;
	return e;
}

static const char *skip_back_spaces(const char *s, const char *e)
{
	while (e > s && is_space(e[-1]))
		e--;
	return e;
}

/* Whether a line ends in two counts after a stack: "stack BASE NEW". */
static bool two_counts(const char *s, const char *e)
{
	const char *sp = last_token(s, e), *sp2, *end2;
	int64_t v;

	if (sp == s || parse_count(sp, e, &v))
		return false;
	end2 = skip_back_spaces(s, sp);
	sp2 = last_token(s, end2);
	return sp2 > s && sp2 < end2 && !parse_count(sp2, end2, &v) &&
	       skip_back_spaces(s, sp2) > s;
}

bool em_folded__is_diff(const char *text, size_t len)
{
	const char *s = text, *end = text + len;

	while (s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		const char *e = nl ? nl : end, *b = s;

		while (e > s && (is_space(e[-1]) || e[-1] == '\r'))
			e--;
		while (b < e && is_space(*b))
			b++;
		if (b < e)
			return two_counts(b, e);
		s = nl ? nl + 1 : end;
	}
	return false;
}

/* Whether [s, e) is written like a count (an optional '-', then digits),
 * whatever its value. */
static bool count_is_number(const char *s, const char *e)
{
	if (s < e && *s == '-')
		s++;
	if (s == e)
		return false;
	for (; s < e; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

/* A frame of the previous line: where its text is, and its name id. */
struct prev_frame {
	const char *s;
	size_t len;
	uint32_t id;
};

struct parser {
	struct em_stacks *st;
	uint32_t *ids;
	struct prev_frame *prev;	/* the previous line's frames, same capacity */
	size_t cap, nprev;
	int64_t *vals;
	unsigned int col;
	int base_col;		/* >= 0: differential, "stack BASE NEW" */
};

static int grow_frames(struct parser *p)
{
	size_t ncap = p->cap ? p->cap * 2 : 256;
	uint32_t *n = realloc(p->ids, ncap * sizeof(*n));
	struct prev_frame *pf;

	if (!n)
		return -ENOMEM;
	p->ids = n;
	pf = realloc(p->prev, ncap * sizeof(*pf));
	if (!pf)
		return -ENOMEM;
	p->prev = pf;
	p->cap = ncap;
	return 0;
}

/* Interns the frames of stack [s, e) into p->ids; returns the depth or < 0. */
static long split_frames(struct parser *p, const char *s, const char *e)
{
	size_t depth = 0;
	bool same = true;	/* every frame so far equals the previous line's */

	for (;;) {
		const char *semi = memchr(s, ';', (size_t)(e - s));
		size_t len = (size_t)((semi ? semi : e) - s), shown;
		int64_t id;

		if (depth == p->cap && grow_frames(p))
			return -ENOMEM;
		/* Folded files are usually sorted, so a line mostly repeats the
		 * previous line's first frames: reuse their ids without hashing. */
		same = same && depth < p->nprev && p->prev[depth].len == len &&
		       memcmp(p->prev[depth].s, s, len) == 0;
		if (same) {
			id = p->prev[depth].id;
		} else {
			enum em_fkind kind = em_fold_kind_of_name(s, len, &shown);

			id = em_stacks__intern(p->st, s, shown, kind);
			if (id < 0)
				return id;
			p->prev[depth] = (struct prev_frame){ s, len, (uint32_t)id };
		}
		p->ids[depth++] = (uint32_t)id;
		/* Each prev entry is a (text, id) pair that stays true, so entries
		 * left from longer lines are still safe to compare against. */
		if (depth > p->nprev)
			p->nprev = depth;
		/* One past the cap is enough for em_stacks__add to count the cut;
		 * the rest of a hostile line is never interned. */
		if (!semi || depth > EM_STACKS_MAX_DEPTH)
			return (long)depth;
		s = semi + 1;
	}
}

static int parse_line(struct parser *p, const char *s, const char *e, size_t lineno,
		      struct em_fold_filter *filter, size_t *kept, char *err, size_t err_len)
{
	const char *sp = last_token(s, e), *why;
	int64_t count, base = 0;
	long depth;
	int rc;

	if (sp == s)
		return fail(err, err_len, -EINVAL, lineno,
			    parse_count(s, e, &count) ? "no count at the end of the line"
						      : "no stack before the count");
	why = parse_count(sp, e, &count);
	if (why)
		/* A count that is a number, but out of range, is still folded
		 * text: -ERANGE tells it from text of another shape. */
		return fail(err, err_len, count_is_number(sp, e) ? -ERANGE : -EINVAL, lineno,
			    "count '%.*s' %s", (int)(e - sp > 40 ? 40 : e - sp), sp, why);
	sp = skip_back_spaces(s, sp);
	if (p->base_col >= 0) {
		/* Differential (difffolded.pl): the base's count, then the new. */
		const char *bp = last_token(s, sp);

		if (bp == s || parse_count(bp, sp, &base))
			return fail(err, err_len, -EINVAL, lineno,
				    "one count, but the file is differential (its first line has "
				    "two: BASE NEW)");
		sp = skip_back_spaces(s, bp);
	}
	if (sp == s)
		return fail(err, err_len, -EINVAL, lineno, "no stack before the count");
	depth = split_frames(p, s, sp);
	if (depth < 0)
		return fail(err, err_len, (int)depth, lineno, "%s",
			    depth == -E2BIG    ? "too many distinct frame names"
			    : depth == -EFBIG ? EM_STACKS_MEM_ERR
					      : "out of memory");
	rc = em_fold_filter__keep(filter, p->st, p->ids, (size_t)depth);
	if (rc < 0)
		return fail(err, err_len, rc, lineno, "out of memory");
	if (rc == 0)
		return 0;
	(*kept)++;
	p->vals[p->col] = count;
	if (p->base_col >= 0)
		p->vals[p->base_col] = base;
	rc = em_stacks__add(p->st, p->ids, (size_t)depth, p->vals);
	if (rc == -EOVERFLOW)
		return fail(err, err_len, rc, lineno, "the counts add up to more than a 64-bit total");
	if (rc == -EFBIG)
		return fail(err, err_len, rc, lineno, EM_STACKS_MEM_ERR);
	if (rc)
		return fail(err, err_len, rc, lineno, "out of memory");
	return 0;
}

int em_folded__parse(struct em_stacks *st, const char *text, size_t len, unsigned int col,
		     int base_col, struct em_fold_filter *filter, size_t *lines, size_t *kept,
		     char *err, size_t err_len)
{
	struct parser p = { .st = st, .col = col, .base_col = base_col };
	const char *s = text, *end = text + len;
	size_t lineno = 0, nkept = 0;
	int rc = 0;

	*lines = 0;
	p.vals = calloc(em_stacks__ncols(st), sizeof(*p.vals));
	if (!p.vals)
		return fail(err, err_len, -ENOMEM, 0, "out of memory");
	while (s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		const char *e = nl ? nl : end, *b = s;

		lineno++;
		while (e > s && (is_space(e[-1]) || e[-1] == '\r'))
			e--;
		while (b < e && is_space(*b))
			b++;
		if (b < e) {
			(*lines)++;
			rc = parse_line(&p, b, e, lineno, filter, &nkept, err, err_len);
			if (rc)
				break;
		}
		s = nl ? nl + 1 : end;
	}
	if (kept)
		*kept = nkept;
	free(p.ids);
	free(p.prev);
	free(p.vals);
	return rc;
}

/* ---- writer -------------------------------------------------------------- */

struct writer {
	FILE *f;
	const struct em_stacks *st;
	unsigned int col;
	int base_col;
	uint8_t *clean;		/* per name: 0 not checked, 1 clean, 2 needs rewriting */
};

/* Writes a name with ';' as ':' and line breaks as spaces. */
static void put_dirty(FILE *f, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		putc_unlocked(s[i] == ';' ? ':' : s[i] == '\n' || s[i] == '\r' ? ' ' : s[i], f);
}

static void put_name(struct writer *w, uint32_t id)
{
	size_t len;
	const char *s = em_stacks__name(w->st, id, &len);
	enum em_fkind kind = em_stacks__kind(w->st, id);

	/* A 100k-stack profile has millions of frames but few names: check
	 * each name once, not each time it is written. */
	if (!w->clean[id])
		w->clean[id] = strcspn(s, ";\n\r") >= len ? 1 : 2;
	if (w->clean[id] == 1)
		fwrite_unlocked(s, 1, len, w->f);
	else
		put_dirty(w->f, s, len);
	if (kind == EM_FK_KERNEL)
		fwrite_unlocked("_[k]", 1, 4, w->f);
	else if (kind == EM_FK_INLINED)
		fwrite_unlocked("_[i]", 1, 4, w->f);
}

static int write_stack(const uint32_t *ids, size_t depth, const int64_t *vals, void *ctx)
{
	struct writer *w = ctx;
	int64_t v = vals[w->col], b = w->base_col >= 0 ? vals[w->base_col] : 0;

	if (v == 0 && b == 0)
		return 0;
	for (size_t i = 0; i < depth; i++) {
		if (i)
			putc_unlocked(';', w->f);
		put_name(w, ids[i]);
	}
	if (w->base_col >= 0)
		fprintf(w->f, " %" PRId64, b);
	fprintf(w->f, " %" PRId64 "\n", v);
	return ferror(w->f) ? -EIO : 0;
}

int em_folded__write(FILE *f, struct em_stacks *st, unsigned int col, int base_col)
{
	struct writer w = { f, st, col, base_col, NULL };
	int rc;

	w.clean = calloc(em_stacks__nnames(st) + 1, 1);
	if (!w.clean)
		return -ENOMEM;
	rc = em_stacks__for_each(st, write_stack, &w);
	free(w.clean);
	return rc;
}
