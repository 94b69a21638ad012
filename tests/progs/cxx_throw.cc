// SPDX-License-Identifier: MIT
// cxx_throw - C++ exceptions thrown across several frames, on four threads,
// while the agent samples: every throw must be caught where it should be.
#include <atomic>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

static std::atomic<long> caught;

__attribute__((noinline)) static void level3(int i)
{
	if (i % 3 == 0)
		throw std::runtime_error("level3 " + std::to_string(i));
}

__attribute__((noinline)) static int level2(int i)
{
	std::string s(64, 'x');	// a destructor to run while unwinding
	level3(i);
	return (int)s.size();
}

__attribute__((noinline)) static int level1(int i)
{
	std::vector<int> v(16, i);
	return level2(i) + v[0];
}

static void worker(int n)
{
	for (int i = 0; i < n; i++) {
		try {
			level1(i);
		} catch (const std::runtime_error &e) {
			if (e.what()[0] == 'l')
				caught++;
		}
	}
}

int main()
{
	std::vector<std::thread> t;

	for (int k = 0; k < 4; k++)
		t.emplace_back(worker, 300000);
	for (auto &th : t)
		th.join();
	std::printf("caught %ld exceptions\n", caught.load());
	return 0;
}
