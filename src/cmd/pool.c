/* pool.c: the work pool and the two-buffer hand-off (see pool.h). */
#include "rcr/pool.h"
#include "rcr/cmd.h"
#include "rcr/err.h"

#include <assert.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

static atomic_int fail_start_after = -1;

void rcr_pool_test_fail_start_after(int n) { atomic_store(&fail_start_after, n); }

/* pthread_create, but for the test hook. Returns 0 or an errno value. */
static int start_thread(pthread_t *th, void *(*fn)(void *), void *arg)
{
	int left = atomic_load(&fail_start_after);
	while (left > 0 && !atomic_compare_exchange_weak(&fail_start_after, &left, left - 1))
		;
	if (left == 0)
		return EAGAIN;
	return pthread_create(th, NULL, fn, arg);
}

/* --- the work pool ------------------------------------------------------------------------ */

typedef struct pool_thread {
	rcr_pool *pool;
	int worker;
	pthread_t th;
} pool_thread;

struct rcr_pool {
	rcr_pool_opts o;
	pthread_mutex_t mu;        /* guards next, failed, err */
	uint32_t next;
	int failed;                /* the first failure's code */
	rcr_error_snapshot err;    /* and its message */
	atomic_int cancelled;
	pool_thread *threads;
};

int rcr_pool_new(rcr_pool **out, const rcr_pool_opts *o)
{
	*out = NULL;
	if (o->workers < 1 || !o->work)
		return rcr_error_set(RCR_E_USAGE, "a work pool needs a work function and at least one worker");
	rcr_pool *p = calloc(1, sizeof *p);
	pool_thread *threads = calloc((size_t)o->workers, sizeof *threads);
	if (!p || !threads) {
		free(p);
		free(threads);
		return rcr_error_set(RCR_E_NOMEM, "out of memory");
	}
	p->o = *o;
	p->threads = threads;
	pthread_mutex_init(&p->mu, NULL);
	*out = p;
	return 0;
}

void rcr_pool_free(rcr_pool *p)
{
	if (!p)
		return;
	pthread_mutex_destroy(&p->mu);
	free(p->threads);
	free(p);
}

int rcr_pool_fail(rcr_pool *p, int rc)
{
	if (rc >= 0)
		return rc;
	pthread_mutex_lock(&p->mu);
	int first = !p->failed;
	if (first) {
		p->failed = rc;
		rcr_error_save(&p->err);
		atomic_store(&p->cancelled, 1);
	}
	pthread_mutex_unlock(&p->mu);
	if (first && p->o.cancel)
		p->o.cancel(p->o.ctx);
	return rc;
}

int rcr_pool_cancelled(rcr_pool *p) { return atomic_load(&p->cancelled); }

int rcr_pool_next(rcr_pool *p, uint32_t *job)
{
	if (rcr_pool_cancelled(p) || rcr_interrupted())
		return 0;
	pthread_mutex_lock(&p->mu);
	int found = p->next < p->o.njobs;
	if (found)
		*job = p->next++;
	pthread_mutex_unlock(&p->mu);
	return found;
}

int rcr_pool_result(rcr_pool *p)
{
	pthread_mutex_lock(&p->mu);
	int rc = p->failed;
	if (rc < 0)
		rcr_error_restore(&p->err);
	pthread_mutex_unlock(&p->mu);
	return rc;
}

static void *pool_thread_main(void *arg)
{
	pool_thread *t = arg;
	rcr_pool *p = t->pool;
	rcr_pool_fail(p, p->o.work(p, p->o.ctx, t->worker));
	return NULL;
}

int rcr_pool_run(rcr_pool *p)
{
	int started = 0;
	for (; started < p->o.workers; started++) {
		pool_thread *t = &p->threads[started];
		t->pool = p;
		t->worker = started;
		int e = start_thread(&t->th, pool_thread_main, t);
		if (e != 0) {
			rcr_pool_fail(p, rcr_error_set(RCR_E_INTERNAL, "could not start worker thread %d of %d: %s",
						       started + 1, p->o.workers, strerror(e)));
			break;
		}
	}
	for (int i = 0; i < started; i++)
		pthread_join(p->threads[i].th, NULL);
	return rcr_pool_result(p);
}

/* --- the two-buffer hand-off -------------------------------------------------------------- */

struct rcr_handoff {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	void *slot[2];
	int full[2];
	int put_i, take_i;         /* the slot each side uses next */
	int done[2];               /* indexed by rcr_handoff_side: that side ended */
	int rc[2];                 /* and how (0 or a negative code) */
	rcr_handoff_side thread_side;
	rcr_error_snapshot thread_err;  /* the started thread's failure message */
	rcr_handoff_fn fn;
	void *ctx;
	pthread_t th;
};

/* Under h->mu: side s ends with rc. */
static void side_end(rcr_handoff *h, rcr_handoff_side s, int rc)
{
	h->done[s] = 1;
	h->rc[s] = rc < 0 ? rc : 0;
	pthread_cond_broadcast(&h->cv);
}

/* Under h->mu: how the other side ended, its message restored if it is the started thread. */
static int other_end(rcr_handoff *h, rcr_handoff_side other)
{
	int rc = h->rc[other];
	if (rc < 0 && other == h->thread_side)
		rcr_error_restore(&h->thread_err);
	return rc;
}

static void *handoff_thread_main(void *arg)
{
	rcr_handoff *h = arg;
	int rc = h->fn(h, h->ctx);
	if (rc < 0)
		rcr_error_save(&h->thread_err);
	pthread_mutex_lock(&h->mu);
	side_end(h, h->thread_side, rc);
	pthread_mutex_unlock(&h->mu);
	return NULL;
}

int rcr_handoff_begin(rcr_handoff **out, void *slot0, void *slot1, rcr_handoff_side thread_side,
		      rcr_handoff_fn fn, void *ctx)
{
	*out = NULL;
	rcr_handoff *h = calloc(1, sizeof *h);
	if (!h)
		return rcr_error_set(RCR_E_NOMEM, "out of memory");
	*h = (rcr_handoff){.slot = {slot0, slot1}, .thread_side = thread_side, .fn = fn, .ctx = ctx};
	pthread_mutex_init(&h->mu, NULL);
	pthread_cond_init(&h->cv, NULL);
	int e = start_thread(&h->th, handoff_thread_main, h);
	if (e != 0) {
		pthread_cond_destroy(&h->cv);
		pthread_mutex_destroy(&h->mu);
		free(h);
		return rcr_error_set(RCR_E_INTERNAL, "could not start a %s thread: %s",
				     thread_side == RCR_HANDOFF_PRODUCER ? "producer" : "consumer", strerror(e));
	}
	*out = h;
	return 0;
}

int rcr_handoff_put(rcr_handoff *h, void **slot)
{
	pthread_mutex_lock(&h->mu);
	while (h->full[h->put_i] && !h->done[RCR_HANDOFF_CONSUMER])
		pthread_cond_wait(&h->cv, &h->mu);
	int rc = 1;
	if (h->done[RCR_HANDOFF_CONSUMER])
		rc = other_end(h, RCR_HANDOFF_CONSUMER);
	else
		*slot = h->slot[h->put_i];
	pthread_mutex_unlock(&h->mu);
	return rc;
}

void rcr_handoff_publish(rcr_handoff *h)
{
	pthread_mutex_lock(&h->mu);
	assert(!h->full[h->put_i]);
	h->full[h->put_i] = 1;
	h->put_i ^= 1;
	pthread_cond_broadcast(&h->cv);
	pthread_mutex_unlock(&h->mu);
}

int rcr_handoff_take(rcr_handoff *h, void **slot)
{
	pthread_mutex_lock(&h->mu);
	while (!h->full[h->take_i] && !h->done[RCR_HANDOFF_PRODUCER])
		pthread_cond_wait(&h->cv, &h->mu);
	int rc = 1;
	if (h->full[h->take_i])
		*slot = h->slot[h->take_i];
	else
		rc = other_end(h, RCR_HANDOFF_PRODUCER);
	pthread_mutex_unlock(&h->mu);
	return rc;
}

void rcr_handoff_release(rcr_handoff *h)
{
	pthread_mutex_lock(&h->mu);
	assert(h->full[h->take_i]);
	h->full[h->take_i] = 0;
	h->take_i ^= 1;
	pthread_cond_broadcast(&h->cv);
	pthread_mutex_unlock(&h->mu);
}

int rcr_handoff_end(rcr_handoff *h, int rc)
{
	if (!h)
		return rc;
	rcr_handoff_side caller = h->thread_side == RCR_HANDOFF_PRODUCER ? RCR_HANDOFF_CONSUMER : RCR_HANDOFF_PRODUCER;
	pthread_mutex_lock(&h->mu);
	side_end(h, caller, rc);
	pthread_mutex_unlock(&h->mu);
	pthread_join(h->th, NULL);
	if (rc >= 0)
		rc = other_end(h, h->thread_side);
	pthread_cond_destroy(&h->cv);
	pthread_mutex_destroy(&h->mu);
	free(h);
	return rc;
}
