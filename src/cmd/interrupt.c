/* interrupt.c: the signal thread and the registry of connections and the child process it
 * cancels (see interrupt.h). */
#include "rcr/interrupt.h"

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <unistd.h>

#define MAX_WATCH 256
static pthread_mutex_t watch_mu = PTHREAD_MUTEX_INITIALIZER;
static PGcancel *watch[MAX_WATCH];
static atomic_int interrupted;
static atomic_int holding;      /* rcr_interrupt_hold was called; set under watch_mu */

static void cancel_all(int from_signal);
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
		cancel_all(1);
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

/* Taking watch_mu orders the hold against a signal's cancel_all: either that runs entirely
 * before (and finds no child the caller starts afterwards) or it sees the hold. Without the
 * lock a signal handled just before the hold could, after its cancel requests' round trips,
 * kill the child started just after. */
void rcr_interrupt_hold(void)
{
	pthread_mutex_lock(&watch_mu);
	atomic_store(&holding, 1);
	pthread_mutex_unlock(&watch_mu);
}

/* Cancels every watched connection's work and stops the child; for a signal, not once the
 * process holds its interrupts. */
static void cancel_all(int from_signal)
{
	pthread_mutex_lock(&watch_mu);
	if (!from_signal || !atomic_load(&holding)) {
		for (int i = 0; i < MAX_WATCH; i++) {
			if (watch[i]) {
				char err[256];
				PQcancel(watch[i], err, sizeof err);
			}
		}
		pid_t c = child_pid;
		if (c > 0)
			kill(c, SIGTERM);
	}
	pthread_mutex_unlock(&watch_mu);
}

void rcr_interrupt_cancel_watched(void) { cancel_all(0); }

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
