// SPDX-License-Identifier: MIT
/*
 * symcpp - symprog's shape in C++, for demangling: prints
 *   stack exe LEAF RUN MAIN     Widget<int>::spin <- inlined twice() <- run_widget <- main
 * then "ready", and stays alive for SECONDS (argv[1], default 30).
 */
#include "symprog.h"

#include <cstdio>
#include <cstdlib>
#include <unistd.h>

static volatile uintptr_t sink;

namespace ember_test {

template <typename T> struct Widget {
	SYM_FRAME uintptr_t spin(T x, uintptr_t *stack);
};

template <typename T> uintptr_t Widget<T>::spin(T x, uintptr_t *stack)
{
	stack[0] = SYM_HERE(); /* @cpp-leaf */
	stack[1] = SYM_CALLER();
	return stack[0] ^ (uintptr_t)x ^ sink;
}

SYM_INLINE uintptr_t twice(Widget<int> &w, uintptr_t *stack)
{
	uintptr_t r = w.spin(2, stack); /* @cpp-call-spin */

	sink = r;
	return r * 2;
}

SYM_FRAME uintptr_t run_widget(uintptr_t *stack)
{
	Widget<int> w;
	uintptr_t r = twice(w, stack); /* @cpp-call-twice */

	stack[2] = SYM_CALLER();
	sink = r;
	return r;
}

} // namespace ember_test

int main(int argc, char **argv)
{
	uintptr_t stack[SYM_STACK_MAX] = {};
	int seconds = argc > 1 ? atoi(argv[1]) : 30;

	sink = ember_test::run_widget(stack); /* @cpp-call-run */
	std::printf("pid %d\nstack exe 0x%lx 0x%lx 0x%lx\nready\n", (int)getpid(),
		    (unsigned long)stack[0], (unsigned long)stack[1], (unsigned long)stack[2]);
	std::fflush(stdout);
	for (int i = 0; i < seconds * 10; i++)
		usleep(100000);
	return 0;
}
