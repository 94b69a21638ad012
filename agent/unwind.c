// SPDX-License-Identifier: MIT
/*
 * unwind.c - call stacks of the running process, from a signal handler or an
 * allocation/syscall hook, through code without frame pointers.
 *
 * libunwind's local mode is not safe here: it finds unwind tables with
 * dl_iterate_phdr, which takes the loader's lock (a SIGPROF landing in
 * malloc while another thread's dlclose waits for that malloc lock
 * deadlocks; reproduced), and its fast trace reads memory unchecked (a bad
 * frame pointer crashed it in a handler). So we use libunwind's generic
 * ("remote") interface on our own process with our own accessors:
 *
 *  - find_proc_info: glibc's _dl_find_object() (lock-free, async-signal-safe,
 *    glibc >= 2.35) gives the object's .eh_frame_hdr; libunwind's exported
 *    dwarf_search_unwind_table() does the binary search and CFI parsing.
 *  - access_mem: reads only the interrupted thread's stack or a loaded
 *    object's mapping (again via _dl_find_object), so garbage CFI or a garbage
 *    frame pointer ends the stack instead of faulting.
 *  - access_reg: the registers of the signal's ucontext (or of the hook's own
 *    context from _Ux86_64_getcontext, which makes no syscall).
 *
 * Most stacks never reach libunwind: the unwind cache (unwind_cache.h) holds
 * the rule at each address the writer has seen in a stack, and a stack
 * whose every frame has a simple rule is walked with them (fast_walk: a
 * lookup and two stack reads a frame, no lock, no system call). The rest
 * go to libunwind, flagged EM_REC_SLOW_UNWIND so that the writer learns
 * their addresses.
 *
 * Cost in libunwind: it brackets its cache lock with two sigprocmask() syscalls per
 * frame. Our callers already run with every signal blocked (the handler's
 * sa_mask is full, hooks block explicitly), so while em_tls_unwinding is set
 * the sigprocmask wrapper in signals.c skips those calls: ~0.3 us instead of
 * ~1 us per frame here.
 *
 * Stack room: all of this runs on the program's stack, the interrupted
 * thread's own. The cached walk takes a few hundred bytes; libunwind's walk
 * up to ~5.8 KiB (measured below our frame, on top of the kernel's signal
 * frame of ~3 KiB). A thread with less than SLOW_WALK_ROOM left (a 16 KiB
 * thread stack a few KiB deep, deep recursion) is not walked by libunwind:
 * the sample keeps its PC and says "too little stack left", rather than the
 * program dying of our walk. Off the thread's own stack (a coroutine's, an
 * alternate signal stack) the room is unknown, and the walk could not read
 * that stack anyway (accessors keep to the thread's stack): the PC alone,
 * marked truncated, as the walk would have ended.
 *
 * dlclose and fork: an object must not be unmapped under a reader, and a
 * child must not inherit libunwind's locks held by a thread that no longer
 * exists. em_unwind_barrier_begin() waits for in-flight unwinds and keeps new
 * ones out (they record just the PC and a "skipped" flag).
 */
#include "agent.h"
#include "cfi.h"
#include "real.h"
#include "unwind_cache.h"

#include <fcntl.h>
#include <libunwind.h>
#include <link.h>
#include <sched.h>
#include <string.h>
#include <sys/stat.h>
#include <ucontext.h>
#include <unistd.h>

/* Exported by libunwind-x86_64 but not declared in its headers. */
extern int _Ux86_64_dwarf_search_unwind_table(unw_addr_space_t as, unw_word_t ip,
					      unw_dyn_info_t *di, unw_proc_info_t *pi,
					      int need_unwind_info, void *arg);

__thread int em_tls_unwinding EM_TLS;

static unw_addr_space_t as;
static atomic_int inflight;
static atomic_int barrier;

/*
 * The outermost frames seen with CFI of their own: nearly every stack ends
 * at one of very few places (_start, clone3), so the lookup that proves a
 * stack complete is made once per place, not once per sample. A handful of
 * slots, written racily (a lost store only costs a lookup later); emptied
 * by em_unwind_flush() after a dlclose.
 */
#define OUTERMOST_SLOTS 8
static _Atomic unw_word_t outermost[OUTERMOST_SLOTS];

static bool outermost_known(unw_word_t at)
{
	for (int i = 0; i < OUTERMOST_SLOTS; i++)
		if (atomic_load_explicit(&outermost[i], memory_order_relaxed) == at)
			return true;
	return false;
}

static void outermost_remember(unw_word_t at)
{
	static atomic_uint next;
	unsigned i = atomic_fetch_add_explicit(&next, 1, memory_order_relaxed) % OUTERMOST_SLOTS;

	atomic_store_explicit(&outermost[i], at, memory_order_relaxed);
}

/* DWARF register numbers 0..16 (x86-64 psABI) in ucontext gregs order. */
static const int greg_of_dwarf[17] = {
	REG_RAX, REG_RDX, REG_RCX, REG_RBX, REG_RSI, REG_RDI, REG_RBP, REG_RSP,
	REG_R8,	 REG_R9,  REG_R10, REG_R11, REG_R12, REG_R13, REG_R14, REG_R15, REG_RIP,
};

struct uctx {
	unw_word_t regs[17];
	uintptr_t stack_lo, stack_hi;
	uintptr_t obj_lo, obj_hi;	/* object of the last lookup: most reads land here */
};

static int access_mem(unw_addr_space_t a, unw_word_t addr, unw_word_t *val, int write, void *arg)
{
	struct uctx *u = arg;
	struct dl_find_object fo;

	(void)a;
	if (write)
		return -UNW_EREADONLYREG;
	if ((addr >= u->stack_lo && addr + 8 <= u->stack_hi) ||
	    (addr >= u->obj_lo && addr + 8 <= u->obj_hi)) {
		memcpy(val, (const void *)addr, sizeof(*val));
		return 0;
	}
	if (_dl_find_object((void *)addr, &fo) == 0 &&
	    addr + 8 <= (uintptr_t)fo.dlfo_map_end) {
		memcpy(val, (const void *)addr, sizeof(*val));
		return 0;
	}
	return -UNW_EINVAL;
}

static int access_reg(unw_addr_space_t a, unw_regnum_t reg, unw_word_t *val, int write, void *arg)
{
	struct uctx *u = arg;

	(void)a;
	if (reg < 0 || reg > 16)
		return -UNW_EBADREG;
	if (write)
		u->regs[reg] = *val;
	else
		*val = u->regs[reg];
	return 0;
}

static int access_fpreg(unw_addr_space_t a, unw_regnum_t r, unw_fpreg_t *v, int w, void *arg)
{
	(void)a, (void)r, (void)v, (void)w, (void)arg;
	return -UNW_EBADREG;
}

static int resume(unw_addr_space_t a, unw_cursor_t *c, void *arg)
{
	(void)a, (void)c, (void)arg;
	return -UNW_EINVAL;
}

static int get_proc_name(unw_addr_space_t a, unw_word_t ip, char *buf, size_t len,
			 unw_word_t *off, void *arg)
{
	(void)a, (void)ip, (void)buf, (void)len, (void)off, (void)arg;
	return -UNW_ENOINFO;
}

static int get_dyn_info_list_addr(unw_addr_space_t a, unw_word_t *p, void *arg)
{
	(void)a, (void)p, (void)arg;
	return -UNW_ENOINFO;
}

/* Only called for dynamic unwind info, which we never produce; libunwind
 * frees table-based info itself. */
static void put_unwind_info(unw_addr_space_t a, unw_proc_info_t *pi, void *arg)
{
	(void)a, (void)pi, (void)arg;
}

static int find_proc_info(unw_addr_space_t a, unw_word_t ip, unw_proc_info_t *pi, int need,
			  void *arg)
{
	struct uctx *u = arg;
	struct dl_find_object fo;
	const unsigned char *h;
	unw_dyn_info_t di;
	uint32_t fde_count;

	if (_dl_find_object((void *)ip, &fo) != 0 || !fo.dlfo_eh_frame)
		return -UNW_ENOINFO;
	h = fo.dlfo_eh_frame;
	/* .eh_frame_hdr: version 1, eh_frame_ptr pcrel|sdata4, fde_count udata4,
	 * table datarel|sdata4 (what GNU ld, gold and lld all emit). Anything
	 * else we do not search. */
	if (h[0] != 1 || h[1] != 0x1b || h[2] != 0x03 || h[3] != 0x3b)
		return -UNW_ENOINFO;
	memcpy(&fde_count, h + 8, sizeof(fde_count));
	u->obj_lo = (uintptr_t)fo.dlfo_map_start;
	u->obj_hi = (uintptr_t)fo.dlfo_map_end;
	memset(&di, 0, sizeof(di));
	di.format = UNW_INFO_FORMAT_REMOTE_TABLE;
	di.start_ip = (unw_word_t)fo.dlfo_map_start;
	di.end_ip = (unw_word_t)fo.dlfo_map_end;
	di.u.rti.segbase = (unw_word_t)h;
	di.u.rti.table_data = (unw_word_t)(h + 12);
	/* each entry is two 32-bit words: initial location and FDE address */
	di.u.rti.table_len = fde_count * 8 / sizeof(unw_word_t);
	return _Ux86_64_dwarf_search_unwind_table(a, ip, &di, pi, need, arg);
}

static unw_accessors_t accessors = {
	.find_proc_info = find_proc_info,
	.put_unwind_info = put_unwind_info,
	.get_dyn_info_list_addr = get_dyn_info_list_addr,
	.access_mem = access_mem,
	.access_reg = access_reg,
	.access_fpreg = access_fpreg,
	.resume = resume,
	.get_proc_name = get_proc_name,
};

static bool enter(void)
{
	atomic_fetch_add(&inflight, 1);
	if (atomic_load(&barrier)) {
		atomic_fetch_sub(&inflight, 1);
		return false;
	}
	em_tls_unwinding = 1;
	return true;
}

static void leave(void)
{
	em_tls_unwinding = 0;
	atomic_fetch_sub(&inflight, 1);
}

void em_unwind_barrier_begin(void)
{
	atomic_fetch_add(&barrier, 1);
	/* Unwinds run with signals blocked and take microseconds. */
	while (atomic_load(&inflight))
		sched_yield();
}

void em_unwind_barrier_end(void)
{
	atomic_fetch_sub(&barrier, 1);
}

void em_unwind_flush(void)
{
	em_unwind_cache_flush();
	if (as)
		unw_flush_cache(as, 0, 0);
	for (int i = 0; i < OUTERMOST_SLOTS; i++)
		atomic_store_explicit(&outermost[i], 0, memory_order_relaxed);
}

void em_unwind_after_fork_child(void)
{
	atomic_store(&inflight, 0);
	atomic_store(&barrier, 0);
	em_tls_unwinding = 0;
}

/* A word of the thread's stack, or false when addr is not in it. */
static bool stack_word(uint64_t addr, uintptr_t lo, uintptr_t hi, uint64_t *val)
{
	if (addr < lo || addr > hi - 8)
		return false;
	memcpy(val, (const void *)(uintptr_t)addr, sizeof(*val));
	return true;
}

/*
 * The walk with cached rules (unwind_cache.h), from the registers it needs:
 * the PC, the stack pointer and the frame pointer. Returns the number of
 * frames (pcs[0] is ip, exact), or 0 when some frame has no simple rule in
 * the cache, or the stack does not read back sanely (then libunwind walks
 * it from the start). Ends as libunwind's walk does: complete at a frame
 * whose CFI says it is the outermost, EM_REC_DEPTH_LIMIT at max,
 * EM_REC_TRUNCATED at a return address of 0.
 */
static unsigned fast_walk(uint64_t ip, uint64_t sp, uint64_t bp, uintptr_t lo, uintptr_t hi,
			  uint64_t *pcs, unsigned max, uint16_t *flags)
{
	uint32_t gen = em_unwind_cache_gen();
	bool exact = true;
	unsigned n = 0;

	for (;;) {
		uint64_t w = em_unwind_cache_find(em_unwind_key(ip, exact), gen), cfa;
		struct em_cfi_rule r;

		em_cfi_unpack(w, &r);
		if (r.kind != EM_CFI_NORMAL && r.kind != EM_CFI_OUTERMOST)
			return 0;
		pcs[n++] = ip;
		if (r.kind == EM_CFI_OUTERMOST)
			return n;
		if (n == max) {
			*flags |= EM_REC_DEPTH_LIMIT;
			return n;
		}
		cfa = (r.cfa_rbp ? bp : sp) + (uint64_t)(int64_t)r.cfa_off;
		/* Callers' frames are above: a CFA that does not move up means
		 * the registers are not what the rule expects. */
		if (cfa <= sp || !stack_word(cfa + (uint64_t)(int64_t)r.ra_off, lo, hi, &ip) ||
		    (r.rbp_saved && !stack_word(cfa + (uint64_t)(int64_t)r.rbp_off, lo, hi, &bp)))
			return 0;
		sp = cfa;
		exact = false;
		if (ip == 0) {
			*flags |= EM_REC_TRUNCATED;
			return n;
		}
	}
}

/* Walk from the registers in u. pcs[0] is u's IP. */
static unsigned walk(struct uctx *u, uint64_t *pcs, unsigned max, uint16_t *flags)
{
	unw_cursor_t c;
	unsigned n = 0;
	unw_word_t ip;
	bool exact_next = false;
	int r;

	if (unw_init_remote(&c, as, u) < 0) {
		pcs[n++] = u->regs[16];
		*flags |= EM_REC_TRUNCATED;
		return n;
	}
	for (;;) {
		if (unw_get_reg(&c, UNW_REG_IP, &ip) < 0 || ip == 0) {
			/* A step that succeeded but left no return address: the
			 * frame had no unwind information and a guess went
			 * nowhere. Real stacks end at a frame whose CFI says so
			 * (unw_step returns 0 below). */
			*flags |= EM_REC_TRUNCATED;
			break;
		}
		/* After a signal frame the next IP is where that code was
		 * interrupted, not a return address: mark it exact. */
		pcs[n++] = exact_next ? (ip | EM_PC_EXACT) : ip;
		exact_next = unw_is_signal_frame(&c) > 0;
		r = unw_step(&c);
		if (n == max) {
			/* Full: cut only if there was more to the stack. */
			if (r != 0)
				*flags |= EM_REC_DEPTH_LIMIT;
			break;
		}
		if (r == 0) {
			/* libunwind also ends a stack at a frame it has no unwind
			 * information for when %rbp is 0 there (its guess for
			 * "outermost"). A real outermost frame (_start, clone3)
			 * has CFI that says so; anything else was cut short.
			 * Look the frame up as libunwind did (a return address
			 * belongs to the call before it). need = 0: no malloc. */
			unw_proc_info_t pi;
			unw_word_t at = (n > 1 && !(pcs[n - 1] & EM_PC_EXACT)) ? ip - 1 : ip;

			if (!outermost_known(at)) {
				if (find_proc_info(as, at, &pi, 0, u) < 0)
					*flags |= EM_REC_TRUNCATED;
				else
					outermost_remember(at);
			}
			break;
		}
		if (r < 0) {
			*flags |= EM_REC_TRUNCATED;
			break;
		}
	}
	return n;
}

/* Stack the libunwind walk may take below the caller's frame: the ~5.8 KiB
 * measured, with room to spare; and what the cached walk needs. */
#define SLOW_WALK_ROOM (8 * 1024)
#define FAST_WALK_ROOM 1024

/* How much of the thread's stack is left below here: 0 when here is not on
 * it at all. */
static __attribute__((noinline)) size_t stack_room(const struct em_thread *t)
{
	uintptr_t here = (uintptr_t)__builtin_frame_address(0);

	return here > t->stack_lo && here < t->stack_hi ? here - t->stack_lo : 0;
}

/* EMBER_UNWIND=verify: what the cached walk said, to hold libunwind's
 * answer against (kept as a hash: no second buffer on the thread's stack). */
struct fast_answer {
	unsigned n;	/* 0: the cached walk could not do it */
	uint16_t flags;
	uint64_t hash;
};

#define ENDING_FLAGS (EM_REC_TRUNCATED | EM_REC_DEPTH_LIMIT)

static uint64_t pcs_hash(const uint64_t *pcs, unsigned n)
{
	uint64_t h = n;

	for (unsigned i = 0; i < n; i++)
		h = (h ^ pcs[i]) * 0x100000001b3ULL;
	return h;
}

/*
 * The cached walk of a context, as EMBER_UNWIND says: its frame count (the
 * stack is done), or 0 for libunwind to walk it, with *flags set to
 * EM_REC_SLOW_UNWIND.
 */
static unsigned cached_walk(const ucontext_t *uc, const struct em_thread *t, uint64_t *pcs,
			    unsigned max, uint16_t *flags, struct fast_answer *a)
{
	const greg_t *g = uc->uc_mcontext.gregs;
	unsigned n = 0;

	a->n = 0;
	if (em_cfg.unwind != EM_UNWIND_LIBUNWIND)
		n = fast_walk((uint64_t)g[REG_RIP], (uint64_t)g[REG_RSP], (uint64_t)g[REG_RBP],
			      t->stack_lo, t->stack_hi, pcs, max, flags);
	if (n && em_cfg.unwind == EM_UNWIND_VERIFY) {
		*a = (struct fast_answer){ n, *flags & ENDING_FLAGS, pcs_hash(pcs, n) };
		n = 0;
	}
	if (!n)
		*flags = EM_REC_SLOW_UNWIND;
	return n;
}

/* EMBER_UNWIND=verify: count whether libunwind found the same stack. */
static void verify(const struct fast_answer *a, const uint64_t *pcs, unsigned n, uint16_t flags)
{
	if (!a->n || (flags & EM_REC_LOADER_SKIPPED))
		return;
	if (a->n == n && a->flags == (flags & ENDING_FLAGS) && a->hash == pcs_hash(pcs, n))
		atomic_fetch_add_explicit(&em_stats.unwind_verified, 1, memory_order_relaxed);
	else
		atomic_fetch_add_explicit(&em_stats.unwind_mismatches, 1, memory_order_relaxed);
}

unsigned em_unwind_signal(const void *ucv, const struct em_thread *t, bool cached_only,
			  uint64_t *pcs, unsigned max, uint16_t *flags)
{
	const ucontext_t *uc = ucv;
	size_t room = t && t->stack_hi ? stack_room(t) : 0;
	struct fast_answer a = { 0 };
	struct uctx u;
	unsigned n;

	*flags = 0;
	if (room >= FAST_WALK_ROOM && max > 0 && (n = cached_walk(uc, t, pcs, max, flags, &a)))
		return n;
	if (cached_only || room < SLOW_WALK_ROOM || !as || !enter()) {
		pcs[0] = (uint64_t)uc->uc_mcontext.gregs[REG_RIP];
		*flags = !room || !as		  ? EM_REC_TRUNCATED
			 : room < SLOW_WALK_ROOM ? EM_REC_LOW_STACK
			 : cached_only		  ? EM_REC_IN_AGENT
						  : EM_REC_LOADER_SKIPPED;
		return 1;
	}
	for (int i = 0; i < 17; i++)
		u.regs[i] = (unw_word_t)uc->uc_mcontext.gregs[greg_of_dwarf[i]];
	u.stack_lo = t->stack_lo;
	u.stack_hi = t->stack_hi;
	u.obj_lo = u.obj_hi = 0;
	n = walk(&u, pcs, max, flags);
	leave();
	verify(&a, pcs, n, *flags);
	return n;
}

unsigned em_unwind_context(const struct em_thread *t, const ucontext_t *ctx, uint64_t *pcs,
			   unsigned max, uint16_t *flags)
{
	struct fast_answer a = { 0 };
	sigset_t all, old;
	struct uctx u;
	unsigned n;

	size_t room;

	*flags = 0;
	if (!t || !t->stack_hi || !as || max == 0) {
		/* No thread to walk (one past its exit destructor): the hooked
		 * function alone, and the stack says it stopped. */
		*flags = EM_REC_TRUNCATED;
		return 0;
	}
	room = stack_room(t);
	if (room >= FAST_WALK_ROOM && (n = cached_walk(ctx, t, pcs, max, flags, &a)))
		return n;
	if (room < SLOW_WALK_ROOM) {
		/* The hooked function's name stays the leaf; nothing above it. */
		*flags = room ? EM_REC_LOW_STACK : EM_REC_TRUNCATED;
		return 0;
	}
	/* Hooks run with signals unblocked. While libunwind runs here, nothing
	 * else may run on this thread: with every signal blocked for the walk
	 * (two system calls per sample, and samples are rare), the skipped
	 * sigprocmask calls in signals.c can only ever be libunwind's own. */
	sigfillset(&all);
	EM_REAL(pthread_sigmask)(SIG_SETMASK, &all, &old);
	if (!enter()) {
		EM_REAL(pthread_sigmask)(SIG_SETMASK, &old, NULL);
		*flags |= EM_REC_LOADER_SKIPPED;
		return 0;
	}
	for (int i = 0; i < 17; i++)
		u.regs[i] = (unw_word_t)ctx->uc_mcontext.gregs[greg_of_dwarf[i]];
	u.stack_lo = t->stack_lo;
	u.stack_hi = t->stack_hi;
	u.obj_lo = u.obj_hi = 0;
	/* Straight into the caller's buffer (a ring record, not the program's
	 * stack, which may be a small coroutine stack). */
	n = walk(&u, pcs, max, flags);
	leave();
	EM_REAL(pthread_sigmask)(SIG_SETMASK, &old, NULL);
	verify(&a, pcs, n, *flags);
	return n;
}

/*
 * libunwind's one-time set-up opens a pipe it uses to probe memory for its
 * *local* unwinder (tdep_init_mem_validate). Our accessors never use it, and
 * two descriptors taken before main() shift every file number the program
 * opens (a program that closes all descriptors at start would then see them
 * reused under libunwind). Find the two lowest free numbers, which pipe2()
 * will hand out, and close them again afterwards if they are a pipe pair.
 */
static void probe_pipe(int fds[2])
{
	if (pipe2(fds, O_CLOEXEC) != 0)
		fds[0] = fds[1] = -1;
	else
		close(fds[0]), close(fds[1]);
}

static void close_libunwind_pipe(const int fds[2])
{
	struct stat a, b;

	if (fds[0] < 0 || fstat(fds[0], &a) != 0 || fstat(fds[1], &b) != 0)
		return;
	if (S_ISFIFO(a.st_mode) && S_ISFIFO(b.st_mode) && a.st_ino == b.st_ino &&
	    (fcntl(fds[0], F_GETFL) & O_ACCMODE) == O_RDONLY &&
	    (fcntl(fds[1], F_GETFL) & O_NONBLOCK)) {
		close(fds[0]);
		close(fds[1]);
	}
}

int em_unwind_init(void)
{
	uint64_t pcs[8];
	uint16_t flags;
	struct em_thread *t = em_tls_self;
	int fds[2];

	probe_pipe(fds);
	as = unw_create_addr_space(&accessors, 0);
	if (!as)
		return -1;
	/* The global cache (one lock, held with signals blocked) is the only
	 * one compiled into Debian's libunwind; per-thread requests fall back
	 * to it. 4096 entries keep misses rare in big programs. */
	unw_set_caching_policy(as, UNW_CACHE_GLOBAL);
	unw_set_cache_size(as, 4096, 0);
	/* One unwind now runs libunwind's one-time initialisation (locks,
	 * memory pools) here rather than in the first signal handler. */
	if (t) {
		ucontext_t ctx;

		em_unwind_getcontext(&ctx);
		em_unwind_context(t, &ctx, pcs, 8, &flags);
	}
	close_libunwind_pipe(fds);
	return 0;
}
