/* progress.c: interruption handling and the progress line (see cmd.h). */
#include "rcr/cmd.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* --- interruption --- */

#define MAX_WATCH 256
static pthread_mutex_t watch_mu = PTHREAD_MUTEX_INITIALIZER;
static PGcancel *watch[MAX_WATCH];
static atomic_int interrupted;
static volatile pid_t child_pid;

static void *signal_thread(void *arg)
{
	sigset_t *set = arg;
	for (;;) {
		int sig;
		if (sigwait(set, &sig) != 0)
			continue;
		/* A second signal means the user will not wait for the orderly shutdown. */
		if (atomic_load(&interrupted)) {
			pid_t c = child_pid;
			if (c > 0)
				kill(c, SIGKILL);
			_exit(128 + sig);
		}
		atomic_store(&interrupted, sig);
		rcr_interrupt_cancel_watched();
	}
	return NULL;
}

void rcr_interrupt_install(void)
{
	static sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	pthread_t th;
	if (pthread_create(&th, NULL, signal_thread, &set) == 0)
		pthread_detach(th);
}

int rcr_interrupted(void) { return atomic_load(&interrupted) != 0; }

void rcr_interrupt_cancel_watched(void)
{
	pthread_mutex_lock(&watch_mu);
	for (int i = 0; i < MAX_WATCH; i++) {
		if (watch[i]) {
			char err[256];
			PQcancel(watch[i], err, sizeof err);
		}
	}
	pthread_mutex_unlock(&watch_mu);
	pid_t c = child_pid;
	if (c > 0)
		kill(c, SIGTERM);
}

int rcr_interrupt_watch(PGconn *conn)
{
	PGcancel *c = PQgetCancel(conn);
	if (!c)
		return -1;
	pthread_mutex_lock(&watch_mu);
	for (int i = 0; i < MAX_WATCH; i++) {
		if (!watch[i]) {
			watch[i] = c;
			pthread_mutex_unlock(&watch_mu);
			if (rcr_interrupted()) {
				char err[256];
				PQcancel(c, err, sizeof err);
			}
			return i;
		}
	}
	pthread_mutex_unlock(&watch_mu);
	PQfreeCancel(c);
	return -1;
}

void rcr_interrupt_forget(int slot)
{
	if (slot < 0)
		return;
	pthread_mutex_lock(&watch_mu);
	PQfreeCancel(watch[slot]);
	watch[slot] = NULL;
	pthread_mutex_unlock(&watch_mu);
}

volatile pid_t *rcr_interrupt_child_slot(void) { return &child_pid; }

/* --- progress --- */

double rcr_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

const char *rcr_fmt_bytes(char *buf, size_t cap, uint64_t n)
{
	static const char *unit[] = {"B", "kB", "MB", "GB", "TB"};
	double v = (double)n;
	int u = 0;
	while (v >= 1000.0 && u < 4) {
		v /= 1000.0;
		u++;
	}
	snprintf(buf, cap, u ? "%.1f %s" : "%.0f %s", v, unit[u]);
	return buf;
}

static void draw(rcr_progress *p, int final)
{
	double el = rcr_now() - p->start;
	uint64_t bytes = atomic_load(&p->bytes);
	char b1[32], b2[32], b3[32];
	double rate = el > 0 ? (double)bytes / el : 0;
	char eta[32] = "";
	if (p->bytes_total && rate > 0 && bytes < p->bytes_total && !final)
		snprintf(eta, sizeof eta, " ETA %.0fs", (double)(p->bytes_total - bytes) / rate);
	fprintf(stderr, "\r%s: tables %d/%d, rows %llu, %s%s%s, %s/s%s\033[K%s", p->verb,
		atomic_load(&p->tables_done), p->tables_total, (unsigned long long)atomic_load(&p->rows),
		rcr_fmt_bytes(b1, sizeof b1, bytes), p->bytes_total ? " of " : "",
		p->bytes_total ? rcr_fmt_bytes(b2, sizeof b2, p->bytes_total) : "",
		rcr_fmt_bytes(b3, sizeof b3, (uint64_t)rate), eta, final ? "\n" : "");
	fflush(stderr);
}

static void *progress_thread(void *arg)
{
	rcr_progress *p = arg;
	while (!atomic_load(&p->stop)) {
		struct timespec ts = {0, 200 * 1000 * 1000};
		nanosleep(&ts, NULL);
		if (!atomic_load(&p->stop))
			draw(p, 0);
	}
	return NULL;
}

void rcr_progress_begin(rcr_progress *p, const char *verb, int tables_total, uint64_t bytes_total, int mode)
{
	p->verb = verb;
	p->tables_total = tables_total;
	p->bytes_total = bytes_total;
	atomic_store(&p->tables_done, 0);
	atomic_store(&p->rows, 0);
	atomic_store(&p->bytes, 0);
	atomic_store(&p->stop, 0);
	p->start = rcr_now();
	p->enabled = mode == RCR_PROGRESS_ALWAYS || (mode == RCR_PROGRESS_AUTO && isatty(2));
	p->running = p->enabled && pthread_create(&p->thread, NULL, progress_thread, p) == 0;
}

void rcr_progress_end(rcr_progress *p)
{
	if (p->running) {
		atomic_store(&p->stop, 1);
		pthread_join(p->thread, NULL);
		p->running = 0;
		draw(p, 1);
	}
}
