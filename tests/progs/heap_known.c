// SPDX-License-Identifier: MIT
/*
 * heap_known - allocation sites with known bytes allocated and still in use
 * when the program exits (when the final heap profile is written):
 *
 *   site            calls  bytes each   allocated   in use at exit
 *   keep_blocks       200      64 KiB     12.5 MiB        12.5 MiB
 *   churn_blocks      400      32 KiB     12.5 MiB            0
 *   calloc_table      100   16 x 8 KiB    12.5 MiB        12.5 MiB
 *   grow_buffer   realloc 64 KiB..16 MiB in 64 KiB steps; the last block,
 *                 16 MiB, stays (alloc_space counts every realloc)
 *   handed_off        200      64 KiB     12.5 MiB   0 (freed by another thread)
 *   small_objects  100000       64 B       6.1 MiB     6.1 MiB
 *   tiny_blocks      2000     0 or 1 B      1000 B      1000 B
 *                   (1000 x malloc(0), 1000 x malloc(1): at rate 1 every one)
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void *kept[200], *tables[100], *handed[200], *small[100000], *tiny[2000];
static char *big;
/* Every block goes through here, so the compiler cannot prove an
 * allocation unused and delete it (GCC removes malloc/free pairs). */
static void *volatile sink;

__attribute__((noinline)) static void keep_blocks(void)
{
	for (int i = 0; i < 200; i++) {
		sink = kept[i] = malloc(64 << 10);
		memset(kept[i], 1, 64);
	}
}

__attribute__((noinline)) static void churn_blocks(void)
{
	for (int i = 0; i < 400; i++) {
		char *p = malloc(32 << 10);

		p[0] = (char)i;
		sink = p;
		free(sink);
	}
}

__attribute__((noinline)) static void calloc_table(void)
{
	for (int i = 0; i < 100; i++)
		sink = tables[i] = calloc(16, 8 << 10);
}

__attribute__((noinline)) static void grow_buffer(void)
{
	for (size_t n = 64 << 10; n <= (16u << 20); n += 64 << 10) {
		char *p = realloc(big, n);

		if (!p)
			abort();
		big = p;
		big[n - 1] = 1;
	}
}

__attribute__((noinline)) static void handed_off(void)
{
	for (int i = 0; i < 200; i++)
		sink = handed[i] = malloc(64 << 10);
}

static void *release_handed(void *arg)
{
	(void)arg;
	for (int i = 0; i < 200; i++)
		free(handed[i]);
	return NULL;
}

__attribute__((noinline)) static void small_objects(void)
{
	for (int i = 0; i < 100000; i++)
		sink = small[i] = malloc(64);
}

__attribute__((noinline)) static void tiny_blocks(void)
{
	for (int i = 0; i < 2000; i++)
		sink = tiny[i] = malloc((size_t)(i & 1));
}

int main(void)
{
	pthread_t t;

	keep_blocks();
	churn_blocks();
	calloc_table();
	grow_buffer();
	handed_off();
	pthread_create(&t, NULL, release_handed, NULL);
	pthread_join(t, NULL);
	small_objects();
	tiny_blocks();
	printf("heap_known done\n");
	return 0;	/* kept, tables, big and small are still allocated here */
}
