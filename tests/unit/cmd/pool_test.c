/*
 * pool_test.c: the work pool and the two-buffer hand-off (src/cmd/pool.c). Real threads, no
 * sleeps: every wait is on a condition the test itself makes true, with a generous timeout
 * that turns a missing wake-up into a failed check instead of a hung test.
 */
#include "rcr/pool.h"
#include "../test.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

/* Waits on cv until *flag is set or 30 s passed; returns whether it was set. */
static int wait_flag(pthread_mutex_t *mu, pthread_cond_t *cv, const int *flag)
{
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 30;
	pthread_mutex_lock(mu);
	int e = 0;
	while (!*flag && e != ETIMEDOUT)
		e = pthread_cond_timedwait(cv, mu, &until);
	int set = *flag;
	pthread_mutex_unlock(mu);
	return set;
}

/* --- pool --------------------------------------------------------------------------------- */

#define NJOBS 2000

typedef struct count_ctx {
	atomic_int runs[NJOBS];
	atomic_int by_worker[8];
} count_ctx;

static int count_work(rcr_pool *pool, void *arg, int worker)
{
	count_ctx *c = arg;
	uint32_t i;
	while (rcr_pool_next(pool, &i)) {
		atomic_fetch_add(&c->runs[i], 1);
		atomic_fetch_add(&c->by_worker[worker], 1);
	}
	return 0;
}

static void test_pool__every_job_runs_once(void)
{
	static count_ctx c;
	rcr_pool_opts o = {.workers = 4, .njobs = NJOBS, .work = count_work, .ctx = &c};
	rcr_pool *p;
	REQUIRE_OK(rcr_pool_new(&p, &o));
	CHECK_RC(rcr_pool_run(p), 0);
	CHECK(!rcr_pool_cancelled(p));
	rcr_pool_free(p);
	int total = 0;
	for (int i = 0; i < NJOBS; i++)
		CHECK_EQ_U64(atomic_load(&c.runs[i]), 1);
	for (int w = 0; w < 8; w++)
		total += atomic_load(&c.by_worker[w]);
	CHECK_EQ_U64(total, NJOBS);
	for (int w = 4; w < 8; w++)
		CHECK_EQ_U64(atomic_load(&c.by_worker[w]), 0);
}

/* Worker 0 fails once every other worker is blocked; the others wait until cancelled (so only
 * the cancel callback can wake them), then fail with an error of their own, to be ignored. */
typedef struct fail_ctx {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int blocked;
	int all_blocked;
	int cancelled;             /* set by the cancel callback */
	atomic_int cancel_calls;
	atomic_int woken;
	int workers;
	int external;              /* the failure comes from the test's thread, not worker 0 */
} fail_ctx;

static void fail_cancel(void *arg)
{
	fail_ctx *f = arg;
	atomic_fetch_add(&f->cancel_calls, 1);
	pthread_mutex_lock(&f->mu);
	f->cancelled = 1;
	pthread_cond_broadcast(&f->cv);
	pthread_mutex_unlock(&f->mu);
}

static int fail_work(rcr_pool *pool, void *arg, int worker)
{
	fail_ctx *f = arg;
	if (worker == 0 && !f->external) {
		if (!wait_flag(&f->mu, &f->cv, &f->all_blocked))
			return rcr_error_set(RCR_E_INTERNAL, "the other workers never blocked");
		return rcr_error_set(RCR_E_CHECKSUM, "job '%d' failed first", 7);
	}
	pthread_mutex_lock(&f->mu);
	if (++f->blocked == f->workers - (f->external ? 0 : 1)) {
		f->all_blocked = 1;
		pthread_cond_broadcast(&f->cv);
	}
	pthread_mutex_unlock(&f->mu);
	if (!wait_flag(&f->mu, &f->cv, &f->cancelled))
		return rcr_error_set(RCR_E_INTERNAL, "worker %d was never cancelled", worker);
	if (rcr_pool_cancelled(pool))
		atomic_fetch_add(&f->woken, 1);
	uint32_t job;
	if (rcr_pool_next(pool, &job))
		return rcr_error_set(RCR_E_INTERNAL, "a job was handed out after the cancel");
	return rcr_error_set(RCR_E_COPY, "worker %d: canceling statement due to user request", worker);
}

static void test_pool__first_error_wins_and_cancels(void)
{
	fail_ctx f = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER, .workers = 4};
	rcr_pool_opts o = {.workers = 4, .njobs = 10, .work = fail_work, .cancel = fail_cancel, .ctx = &f};
	rcr_pool *p;
	REQUIRE_OK(rcr_pool_new(&p, &o));
	rcr_error_clear();
	CHECK_RC(rcr_pool_run(p), RCR_E_CHECKSUM);
	CHECK_STR(rcr_error_message(), "job '7' failed first");
	CHECK(rcr_pool_cancelled(p));
	CHECK_EQ_U64(atomic_load(&f.cancel_calls), 1);
	CHECK_EQ_U64(atomic_load(&f.woken), 3);
	/* A later failure does not replace the first. */
	rcr_error_set(RCR_E_IO, "later");
	CHECK_RC(rcr_pool_fail(p, RCR_E_IO), RCR_E_IO);
	CHECK_RC(rcr_pool_result(p), RCR_E_CHECKSUM);
	CHECK_STR(rcr_error_message(), "job '7' failed first");
	CHECK_EQ_U64(atomic_load(&f.cancel_calls), 1);
	rcr_pool_free(p);
}

/* A failure recorded from a thread beside the pool (dump's pg_dump thread) cancels it too. */
typedef struct side_ctx {
	rcr_pool *pool;
	fail_ctx *f;
} side_ctx;

static void *side_main(void *arg)
{
	side_ctx *s = arg;
	if (wait_flag(&s->f->mu, &s->f->cv, &s->f->all_blocked))
		rcr_pool_fail(s->pool, rcr_error_set(RCR_E_TOOL, "pg_dump failed"));
	return NULL;
}

static void test_pool__failure_from_beside_the_pool(void)
{
	fail_ctx f = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER, .workers = 3, .external = 1};
	rcr_pool_opts o = {.workers = 3, .work = fail_work, .cancel = fail_cancel, .ctx = &f};
	side_ctx s = {.f = &f};
	REQUIRE_OK(rcr_pool_new(&s.pool, &o));
	pthread_t th;
	REQUIRE(pthread_create(&th, NULL, side_main, &s) == 0);
	CHECK_RC(rcr_pool_run(s.pool), RCR_E_TOOL);
	CHECK_STR(rcr_error_message(), "pg_dump failed");
	pthread_join(th, NULL);
	CHECK_EQ_U64(atomic_load(&f.woken), 3);
	CHECK_EQ_U64(atomic_load(&f.cancel_calls), 1);
	rcr_pool_free(s.pool);
}

/* Worker threads 3 and 4 of 4 do not start: the two running ones are cancelled, joined, and
 * the run fails with the start failure. */
static void test_pool__thread_start_failure(void)
{
	fail_ctx f = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER, .workers = 2, .external = 1};
	rcr_pool_opts o = {.workers = 4, .njobs = 100, .work = fail_work, .cancel = fail_cancel, .ctx = &f};
	rcr_pool *p;
	REQUIRE_OK(rcr_pool_new(&p, &o));
	rcr_pool_test_fail_start_after(2);
	int rc = rcr_pool_run(p);
	rcr_pool_test_fail_start_after(-1);
	CHECK_RC(rc, RCR_E_INTERNAL);
	CHECK(strstr(rcr_error_message(), "could not start worker thread 3 of 4") != NULL);
	CHECK_EQ_U64(atomic_load(&f.cancel_calls), 1);
	CHECK_EQ_U64(f.blocked, 2);
	rcr_pool_free(p);
}

static void test_pool__bad_options(void)
{
	rcr_pool *p = (rcr_pool *)1;
	rcr_pool_opts o = {.workers = 0, .work = count_work};
	CHECK_RC(rcr_pool_new(&p, &o), RCR_E_USAGE);
	CHECK(p == NULL);
}

/* --- hand-off ----------------------------------------------------------------------------- */

#define NITEMS 5000

typedef struct item {
	int seq;
} item;

typedef struct hctx {
	int fail_at;               /* the started thread fails at this item (-1: never) */
	int got[NITEMS];
	int ngot;
	int side_rc;               /* what the thread's last put/take returned */
	atomic_int in_flight, max_in_flight;
} hctx;

static void track(hctx *c, int d)
{
	int now = atomic_fetch_add(&c->in_flight, d) + d;
	int max = atomic_load(&c->max_in_flight);
	while (now > max && !atomic_compare_exchange_weak(&c->max_in_flight, &max, now))
		;
}

static int consume(rcr_handoff *h, hctx *c, int fail_at)
{
	void *s;
	int rc;
	while ((rc = rcr_handoff_take(h, &s)) == 1) {
		item *it = s;
		if (c->ngot == fail_at)
			return rcr_error_set(RCR_E_COMPRESS, "encoding item %d failed", it->seq);
		if (c->ngot < NITEMS)
			c->got[c->ngot] = it->seq;
		c->ngot++;
		track(c, -1);
		rcr_handoff_release(h);
	}
	c->side_rc = rc;
	return rc;
}

static int produce(rcr_handoff *h, hctx *c, int n, int fail_at)
{
	for (int i = 0; i < n; i++) {
		void *s;
		int rc = rcr_handoff_put(h, &s);
		if (rc <= 0) {
			c->side_rc = rc;
			return rc;
		}
		if (i == fail_at)
			return rcr_error_set(RCR_E_FORMAT, "decoding item %d failed", i);
		((item *)s)->seq = i;
		track(c, 1);
		rcr_handoff_publish(h);
	}
	return 0;
}

static int consumer_thread(rcr_handoff *h, void *arg)
{
	hctx *c = arg;
	return consume(h, c, c->fail_at);
}

static int producer_thread(rcr_handoff *h, void *arg)
{
	hctx *c = arg;
	int rc = produce(h, c, NITEMS, c->fail_at);
	return rc < 0 && c->side_rc == rc ? 0 : rc;  /* the sender's failure is not ours */
}

static void check_in_order(const hctx *c, int n)
{
	CHECK_EQ_U64(c->ngot, n);
	int bad = 0;
	for (int i = 0; i < n && i < NITEMS; i++)
		bad += c->got[i] != i;
	CHECK_EQ_U64(bad, 0);
	CHECK(atomic_load(&c->max_in_flight) <= 2);
}

static void test_handoff__thread_consumes_in_order(void)
{
	static hctx c = {.fail_at = -1};
	item slots[2];
	rcr_handoff *h;
	REQUIRE_OK(rcr_handoff_begin(&h, &slots[0], &slots[1], RCR_HANDOFF_CONSUMER, consumer_thread, &c));
	int rc = produce(h, &c, NITEMS, -1);
	CHECK_RC(rcr_handoff_end(h, rc), 0);
	check_in_order(&c, NITEMS);
	CHECK_RC(c.side_rc, 0);
}

static void test_handoff__thread_produces_in_order(void)
{
	static hctx c = {.fail_at = -1};
	item slots[2];
	rcr_handoff *h;
	REQUIRE_OK(rcr_handoff_begin(&h, &slots[0], &slots[1], RCR_HANDOFF_PRODUCER, producer_thread, &c));
	int rc = consume(h, &c, -1);
	CHECK_RC(rc, 0);
	CHECK_RC(rcr_handoff_end(h, rc), 0);
	check_in_order(&c, NITEMS);
}

/* The encoder (started consumer) fails: the reader's next put returns its error and message. */
static void test_handoff__consumer_thread_failure_reaches_producer(void)
{
	static hctx c = {.fail_at = 10};
	item slots[2];
	rcr_handoff *h;
	REQUIRE_OK(rcr_handoff_begin(&h, &slots[0], &slots[1], RCR_HANDOFF_CONSUMER, consumer_thread, &c));
	rcr_error_clear();
	int rc = produce(h, &c, NITEMS, -1);
	CHECK_RC(rc, RCR_E_COMPRESS);
	CHECK_STR(rcr_error_message(), "encoding item 10 failed");
	rcr_error_clear();
	CHECK_RC(rcr_handoff_end(h, 0), RCR_E_COMPRESS);
	CHECK_STR(rcr_error_message(), "encoding item 10 failed");
	CHECK_EQ_U64(c.ngot, 10);
}

/* The decoder (started producer) fails: the sender gets every item it published, then its
 * error and message. */
static void test_handoff__producer_thread_failure_reaches_consumer(void)
{
	static hctx c = {.fail_at = 10};
	item slots[2];
	rcr_handoff *h;
	REQUIRE_OK(rcr_handoff_begin(&h, &slots[0], &slots[1], RCR_HANDOFF_PRODUCER, producer_thread, &c));
	rcr_error_clear();
	int rc = consume(h, &c, -1);
	CHECK_RC(rc, RCR_E_FORMAT);
	CHECK_STR(rcr_error_message(), "decoding item 10 failed");
	check_in_order(&c, 10);
	/* The caller passes the failure on: end keeps it (and its message) as the result. */
	CHECK_RC(rcr_handoff_end(h, rc), RCR_E_FORMAT);
	CHECK_STR(rcr_error_message(), "decoding item 10 failed");
}

/* The sender (calling consumer) fails: the decoder's put sees the code and it stops. */
static void test_handoff__caller_consumer_stop_reaches_producer(void)
{
	static hctx c = {.fail_at = -1};
	item slots[2];
	rcr_handoff *h;
	REQUIRE_OK(rcr_handoff_begin(&h, &slots[0], &slots[1], RCR_HANDOFF_PRODUCER, producer_thread, &c));
	int rc = consume(h, &c, 3);
	CHECK_RC(rc, RCR_E_COMPRESS);
	CHECK_RC(rcr_handoff_end(h, rc), RCR_E_COMPRESS);
	CHECK_STR(rcr_error_message(), "encoding item 3 failed");
	CHECK_RC(c.side_rc, RCR_E_COMPRESS);
	/* A consumer that ends cleanly before the producer did: put says stop (0). */
	static hctx d = {.fail_at = -1};
	REQUIRE_OK(rcr_handoff_begin(&h, &slots[0], &slots[1], RCR_HANDOFF_PRODUCER, producer_thread, &d));
	CHECK_RC(rcr_handoff_end(h, 0), 0);
	CHECK_RC(d.side_rc, 0);
	CHECK(d.ngot == 0);
}

/* The reader (calling producer) fails: the encoder gets what was published, then the code. */
static void test_handoff__caller_producer_failure_reaches_consumer(void)
{
	static hctx c = {.fail_at = -1};
	item slots[2];
	rcr_handoff *h;
	REQUIRE_OK(rcr_handoff_begin(&h, &slots[0], &slots[1], RCR_HANDOFF_CONSUMER, consumer_thread, &c));
	int rc = produce(h, &c, NITEMS, 5);
	CHECK_RC(rc, RCR_E_FORMAT);
	CHECK_RC(rcr_handoff_end(h, rc), RCR_E_FORMAT);
	CHECK_STR(rcr_error_message(), "decoding item 5 failed");
	check_in_order(&c, 5);
	CHECK_RC(c.side_rc, RCR_E_FORMAT);
}

static void test_handoff__thread_start_failure(void)
{
	static hctx c = {.fail_at = -1};
	item slots[2];
	rcr_handoff *h = (rcr_handoff *)1;
	rcr_pool_test_fail_start_after(0);
	int rc = rcr_handoff_begin(&h, &slots[0], &slots[1], RCR_HANDOFF_CONSUMER, consumer_thread, &c);
	rcr_pool_test_fail_start_after(-1);
	CHECK_RC(rc, RCR_E_INTERNAL);
	CHECK(h == NULL);
	CHECK(strstr(rcr_error_message(), "could not start a consumer thread") != NULL);
	CHECK_RC(rcr_handoff_end(NULL, rc), RCR_E_INTERNAL);
}

static const test_case cases[] = {
	TEST(test_pool__every_job_runs_once),
	TEST(test_pool__first_error_wins_and_cancels),
	TEST(test_pool__failure_from_beside_the_pool),
	TEST(test_pool__thread_start_failure),
	TEST(test_pool__bad_options),
	TEST(test_handoff__thread_consumes_in_order),
	TEST(test_handoff__thread_produces_in_order),
	TEST(test_handoff__consumer_thread_failure_reaches_producer),
	TEST(test_handoff__producer_thread_failure_reaches_consumer),
	TEST(test_handoff__caller_consumer_stop_reaches_producer),
	TEST(test_handoff__caller_producer_failure_reaches_consumer),
	TEST(test_handoff__thread_start_failure),
};

TEST_MAIN(cases)
