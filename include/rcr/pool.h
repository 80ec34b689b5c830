/*
 * pool.h: the command layer's one work pool and its one two-buffer hand-off.
 *
 * A pool starts N worker threads that each run the caller's work function on a shared
 * context. The first failure wins: its code and its thread-local message (rcr_error_save) are
 * kept, the pool is marked cancelled, and the caller's cancel callback runs once so that the
 * siblings stop their blocking work (a COPY gets a PQcancel, a condition wait is woken). The
 * siblings' later failures, usually caused by that cancel, are ignored. rcr_pool_run joins
 * every worker and returns the first failure with its message restored on the caller's thread.
 * The shape is pgBackRest's protocol/parallel.c: a job source, N clients, the first error
 * stops the rest.
 *
 * A thread that fails to start is a failure like any other, handled one way for every
 * command: it is recorded as RCR_E_INTERNAL "could not start worker thread N of M" (unless a
 * worker failed first), the workers already started are cancelled and joined, and run returns
 * the failure. A command never runs with fewer workers than -j asked for without saying so.
 *
 * The hand-off connects a producer and a consumer on two threads through two caller-owned
 * slots (a row group's column buffers, a COPY buffer), so one side works on one slot while
 * the other side works on the other: dump's COPY reader and encoder, restore's decoder and
 * sender. One side is the calling thread, the other a thread the hand-off starts. Slots go
 * round in order (0, 1, 0, ...), so items arrive in the order they were published. A side
 * that fails or stops early is seen by the other at its next put or take.
 *
 * This header is internal to rcr (it exposes no stable API).
 */
#ifndef RCR_POOL_H
#define RCR_POOL_H

#include <stdint.h>

/* --- the work pool ------------------------------------------------------------------------ */

typedef struct rcr_pool rcr_pool;

/*
 * Runs on each worker thread (worker is 0..workers-1) and does that worker's whole share: set
 * up (a connection), then take jobs until none is left (rcr_pool_next, or the caller's own
 * scheduler polling rcr_pool_cancelled), then clean up. Returns 0, or a negative rcr_err code
 * with the thread's message set, which the pool records as a failure (first one wins).
 */
typedef int (*rcr_pool_work_fn)(rcr_pool *pool, void *ctx, int worker);

/*
 * Called once, on the thread that recorded the first failure, right after the pool was marked
 * cancelled: stops the siblings' blocking work. Typically rcr_interrupt_cancel_watched() (a
 * cancel request on every watched connection), and for a caller whose scheduler waits on a
 * condition variable, a broadcast under that variable's mutex (the cancelled flag is already
 * set, so a waiter that checks rcr_pool_cancelled under the same mutex cannot miss it). May be
 * called from any thread, including one that is not a worker (rcr_pool_fail).
 */
typedef void (*rcr_pool_cancel_fn)(void *ctx);

typedef struct rcr_pool_opts {
	int workers;               /* threads to start, >= 1 */
	uint32_t njobs;            /* jobs 0..njobs-1 handed out by rcr_pool_next (0: own scheduler) */
	rcr_pool_work_fn work;
	rcr_pool_cancel_fn cancel; /* optional */
	void *ctx;                 /* passed to work and cancel */
} rcr_pool_opts;

/* A pool that has not started its workers yet (it can already record failures, for threads
 * the caller runs beside it). @return 0 or RCR_E_NOMEM / RCR_E_USAGE (workers < 1). */
int rcr_pool_new(rcr_pool **out, const rcr_pool_opts *o);
/*
 * Starts the workers, waits for all of them, and returns the first failure recorded so far
 * (its message restored on this thread), or 0. Call once.
 */
int rcr_pool_run(rcr_pool *p);
/*
 * Records rc (< 0) with the calling thread's current message as the pool's failure if it is
 * the first, then cancels the pool (the cancel callback runs once). Any thread may call it:
 * a worker that fails but goes on cleaning up, or a thread beside the pool (dump's pg_dump
 * thread). @return rc.
 */
int rcr_pool_fail(rcr_pool *p, int rc);
/* Nonzero once a failure was recorded. Workers poll it between jobs. */
int rcr_pool_cancelled(rcr_pool *p);
/*
 * The next job of 0..njobs-1, in order: 1 with *job set, or 0 when none is left, the pool is
 * cancelled or the process was interrupted (rcr_interrupted).
 */
int rcr_pool_next(rcr_pool *p, uint32_t *job);
/* The first failure recorded (its message restored on this thread), or 0: for failures
 * recorded after run returned (a thread beside the pool). */
int rcr_pool_result(rcr_pool *p);
void rcr_pool_free(rcr_pool *p);

/* For tests: after n more successful thread starts, pool and hand-off starts fail as if
 * pthread_create had returned EAGAIN; -1 (the default) turns this off. */
void rcr_pool_test_fail_start_after(int n);

/* --- the two-buffer hand-off -------------------------------------------------------------- */

typedef struct rcr_handoff rcr_handoff;

typedef enum rcr_handoff_side {
	RCR_HANDOFF_PRODUCER,
	RCR_HANDOFF_CONSUMER,
} rcr_handoff_side;

/* The started thread's side: puts (producer) or takes (consumer) until it is done, then
 * returns 0 or a negative rcr_err code with its message set. */
typedef int (*rcr_handoff_fn)(rcr_handoff *h, void *ctx);

/*
 * Starts a thread that runs fn(h, ctx) as thread_side; the calling thread is the other side.
 * slot0 and slot1 are the caller's (say, a struct holding a buffer and its row count); put and
 * take hand out these pointers. @return 0, or RCR_E_NOMEM / RCR_E_INTERNAL (the thread did not
 * start: *out is NULL, nothing runs).
 */
int rcr_handoff_begin(rcr_handoff **out, void *slot0, void *slot1, rcr_handoff_side thread_side,
		      rcr_handoff_fn fn, void *ctx);
/*
 * Producer: waits for the next slot to be free. 1 with *slot set: fill it, then
 * rcr_handoff_publish. 0: the consumer ended early without a failure: stop producing.
 * Negative: the consumer failed (if it is the started thread, its message is restored here).
 */
int rcr_handoff_put(rcr_handoff *h, void **slot);
void rcr_handoff_publish(rcr_handoff *h);
/*
 * Consumer: waits for the next published slot. 1 with *slot set: use it, then
 * rcr_handoff_release. Every published slot is delivered, in order, even after the producer
 * ended. Then: 0 if the producer ended cleanly, negative if it failed (if it is the started
 * thread, its message is restored here).
 */
int rcr_handoff_take(rcr_handoff *h, void **slot);
void rcr_handoff_release(rcr_handoff *h);
/*
 * The calling thread's side is done: rc is 0 (a producer has published everything; a
 * consumer has taken everything) or the caller's failure. Tells the thread (a producer sees 0
 * or rc from put; a consumer drains what was published, then sees rc from take), joins it and
 * frees h. @return the caller's rc if negative, else the thread's result (message restored).
 * h may be NULL (returns rc).
 */
int rcr_handoff_end(rcr_handoff *h, int rc);

#endif
