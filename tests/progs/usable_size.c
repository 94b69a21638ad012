// SPDX-License-Identifier: MIT
/* usable_size - which allocator serves this process: malloc_usable_size of a
 * 1-byte block is 24 with glibc and 8 with jemalloc and tcmalloc. */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>

int main(void)
{
	void *volatile p = malloc(1);

	printf("%zu\n", malloc_usable_size(p));
	free(p);
	return 0;
}
