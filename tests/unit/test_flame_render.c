// SPDX-License-Identifier: MIT
/* test_flame_render.c - escaping, label fitting, colours, rectangles, and the
 * SVG and HTML writers on small known trees. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "escape.h"
#include "html.h"
#include "layout.h"
#include "svg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *mem;
static size_t memlen;

static FILE *open_mem(void)
{
	free(mem);
	mem = NULL;
	return open_memstream(&mem, &memlen);
}

static const char *xml(const char *s, size_t len)
{
	FILE *f = open_mem();

	em_esc_xml(f, s, len);
	fclose(f);
	return mem;
}

static const char *json(const char *s, size_t len)
{
	FILE *f = open_mem();

	em_esc_json(f, s, len);
	fclose(f);
	return mem;
}

static void escaping(void **state)
{
	(void)state;
	assert_string_equal(xml("a<b>&\"'\t\x01\xff", 10),
			    "a&lt;b&gt;&amp;&quot;&#39; \xef\xbf\xbd\xef\xbf\xbd");
	/* overlong '/', a lone surrogate, U+FFFE: all refused */
	assert_string_equal(xml("\xc0\xaf|\xed\xa0\x80|\xef\xbf\xbe", 10),
			    "\xef\xbf\xbd\xef\xbf\xbd|\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd|"
			    "\xef\xbf\xbd");
	assert_string_equal(xml("h\xc3\xa9 \xf0\x9f\x94\xa5", 8), "h\xc3\xa9 \xf0\x9f\x94\xa5");
	assert_string_equal(json("</script>\xe2\x80\xa8\x01\"\\\xc3\xa9\xc3", 18),
			    "\"\\u003c/script\\u003e\\u2028\\u0001\\\"\\\\\xc3\xa9\\ufffd\"");
	assert_string_equal(json("a&b", 3), "\"a\\u0026b\"");
	assert_int_equal(em_utf8_count("h\xc3\xa9llo", 6), 5);
	assert_int_equal(em_utf8_prefix("h\xc3\xa9llo", 6, 2), 3);
	assert_int_equal(em_utf8_count("\xc0\xaf", 2), 2);
}

static void labels_fit_like_flamegraph_pl(void **state)
{
	bool dots;

	(void)state;
	/* 12 px * 0.59 = 7.08 px per character */
	assert_int_equal(em_flame_fit("abcdefghij", 10, 100, &dots), 10);
	assert_false(dots);
	assert_int_equal(em_flame_fit("abcdefghij", 10, 30, &dots), 2);	/* "ab.." */
	assert_true(dots);
	assert_int_equal(em_flame_fit("abcdefghij", 10, 20, &dots), 0);	/* under 3 chars */
	/* never splits a UTF-8 sequence: 4 chars fit -> 2 chars + ".." */
	assert_int_equal(em_flame_fit("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", 10, 30, &dots), 4);
}

static void colours_by_kind_and_name(void **state)
{
	uint8_t a[3], b[3], k[3], s[3], d[3];

	(void)state;
	em_flame_color("main", 4, EM_FK_USER, a);
	em_flame_color("main", 4, EM_FK_USER, b);
	assert_memory_equal(a, b, 3);
	em_flame_color("mainx", 5, EM_FK_USER, b);
	assert_memory_not_equal(a, b, 3);
	assert_true(a[0] >= 200 && a[1] < 100 && a[2] < 100);	/* user: red */
	em_flame_color("main", 4, EM_FK_KERNEL, k);
	assert_int_equal(k[2], 0);				/* kernel: orange */
	em_flame_color("memcpy", 6, EM_FK_SHLIB, s);
	assert_int_equal(s[0], s[1]);				/* libraries: yellow */
	em_flame_color("-", 1, EM_FK_USER, s);
	assert_int_equal(s[0], 160);
	em_flame_diff_color(0.1, 0.1, d);
	assert_true(d[0] == 255 && d[1] == 35 && d[2] == 35);
	em_flame_diff_color(-0.05, 0.1, d);
	assert_true(d[2] == 255 && d[0] == 140);
	em_flame_diff_color(0, 0.1, d);
	assert_true(d[0] == 245 && d[1] == 245 && d[2] == 245);
}

static struct em_stacks *known(unsigned int ncols)
{
	struct em_stacks *st = em_stacks__new(ncols);
	const char *names[] = { "main", "work", "leaf_a", "leaf_b", "<script>x</script>" };
	uint32_t id[5];
	int64_t v[2];

	for (int i = 0; i < 5; i++)
		id[i] = (uint32_t)em_stacks__intern(st, names[i], strlen(names[i]), EM_FK_USER);
	v[0] = 300, v[1] = 100;
	em_stacks__add(st, (uint32_t[]){ id[0], id[1], id[2] }, 3, v);
	v[0] = 100, v[1] = 100;
	em_stacks__add(st, (uint32_t[]){ id[0], id[1], id[3] }, 3, v);
	v[0] = 50, v[1] = 0;
	em_stacks__add(st, (uint32_t[]){ id[0], id[2] }, 2, v);
	v[0] = 1, v[1] = 0;
	em_stacks__add(st, (uint32_t[]){ id[0], id[4] }, 2, v);
	return st;
}

static void rectangles_pruned_and_ordered(void **state)
{
	struct em_stacks *st = known(1);
	struct em_rect *r;
	size_t n;
	uint32_t md;

	(void)state;
	assert_int_equal(em_layout__rects(st, 0, -1, 2, &r, &n, &md), 0);
	assert_int_equal(n, 6);		/* the 1-wide <script> frame is left out */
	assert_int_equal(md, 3);
	assert_int_equal(r[0].depth, 0);
	assert_int_equal(r[0].w, 451);
	assert_int_equal(r[2].name, 2);	/* depth 2 sorted by x: leaf_a, then work */
	assert_int_equal(r[2].x, 1);
	assert_int_equal(r[3].name, 1);
	assert_int_equal(r[3].x, 51);
	assert_int_equal(r[3].w, 400);
	free(r);
	em_stacks__free(st);
}

static const struct em_flame_type types[] = { { "cpu", "nanoseconds" } };

static void svg_frames_titles_and_escaping(void **state)
{
	struct em_stacks *st = known(2);
	struct em_flame_view v = { .types = types, .ntypes = 1, .width = 1200, .min_width = 0.1,
				   .duration_nanos = 1000000000, .ninputs = 1 };
	FILE *f = open_mem();

	(void)state;
	assert_int_equal(em_svg__write(f, st, &v), 0);
	fclose(f);
	assert_non_null(strstr(mem, "<title>all (451ns, 100.00%)</title><rect x=\"10.0\""));
	assert_non_null(strstr(mem, "<title>work (400ns, 88.69%)</title>"));
	assert_non_null(strstr(mem, "&lt;script&gt;x&lt;/script&gt; (1ns, 0.22%)"));
	assert_null(strstr(mem, "<script>x"));
	assert_non_null(strstr(mem, ">Type: cpu, Duration: 1s, Total: 451ns</text>"));
	assert_non_null(strstr(mem, "<text id=\"title\" x=\"600.0\" y=\"24\">Flame Graph</text>"));
	/* flame: the root is the bottom row; icicle: the top row */
	assert_non_null(strstr(mem, "height=\"158\""));
	assert_non_null(strstr(mem, "data-d=\"0\"><title>all (451ns, 100.00%)</title><rect "
				    "x=\"10.0\" y=\"108.0\""));
	v.icicle = true;
	v.diff = true;
	f = open_mem();
	assert_int_equal(em_svg__write(f, st, &v), 0);
	fclose(f);
	assert_non_null(strstr(mem, "<rect x=\"10.0\" y=\"60.0\" width=\"1180.0\""));
	assert_non_null(strstr(mem, "Differential Icicle Graph"));
	/* leaf_a (work): 300/451 now, 100/200 before: +16.52% of the total */
	assert_non_null(strstr(mem, "leaf_a (300ns, 66.52%; base 100ns, 50.00%; +16.52%)"));
	em_stacks__free(st);
}

static void html_keeps_the_widest_frames(void **state)
{
	struct em_stacks *st = known(1);
	struct em_flame_view v = { .types = types, .ntypes = 1, .width = 1200 };
	FILE *f = open_mem();

	(void)state;
	/* 7 nodes; keep the 5 widest: all, main, work, leaf_a (under work) and
	 * leaf_b; leaf_a under main (50) and <script> (1) are omitted */
	assert_int_equal(em_html__write(f, st, &v, 5), 0);
	fclose(f);
	assert_non_null(strstr(mem, "\"omitted\":2,"));
	assert_non_null(strstr(mem, "Content-Security-Policy"));
	assert_null(strstr(mem, "<script>x"));
	assert_non_null(strstr(mem, "\"\\u003cscript\\u003ex\\u003c/script\\u003e\""));
	assert_null(strstr(mem, "@@"));
	em_stacks__free(st);
	free(mem);
	mem = NULL;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(escaping),
		cmocka_unit_test(labels_fit_like_flamegraph_pl),
		cmocka_unit_test(colours_by_kind_and_name),
		cmocka_unit_test(rectangles_pruned_and_ordered),
		cmocka_unit_test(svg_frames_titles_and_escaping),
		cmocka_unit_test(html_keeps_the_widest_frames),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
