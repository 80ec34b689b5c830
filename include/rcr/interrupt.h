/*
 * interrupt.h: what SIGINT, SIGTERM and SIGHUP do to a running command. The first signal
 * cancels the server work of every watched connection (PQcancel), stops the running child
 * process (pg_dump, pg_restore) and marks the process interrupted, so that every worker fails
 * its current step and the command unwinds through its normal clean-up (exit status 5). A
 * second signal ends the process at once.
 *
 * The signals are blocked in every thread and taken by one thread with sigwait, so nothing
 * here runs in a signal handler: the cancel requests may take locks and allocate.
 *
 * Command layer (src/cmd/interrupt.c): libpq and pthreads. Internal header, like everything in
 * include/rcr/: no stable API (include/rcr/README.md).
 */
#ifndef RCR_INTERRUPT_H
#define RCR_INTERRUPT_H

#include <libpq-fe.h>
#include <sys/types.h>

/* Blocks SIGINT/SIGTERM/SIGHUP in every thread and starts a thread that, on the first such
 * signal, sets the interrupted flag, sends a cancel request on every registered connection and
 * terminates the running child process. Call once, before starting threads. */
void rcr_interrupt_install(void);
int rcr_interrupted(void);
/* From now on the first signal only marks the process interrupted (rcr_interrupted): nothing
 * is cancelled or killed; a second signal still ends it at once. For work past its point of no
 * return, where finishing leaves a truer state than stopping (restore -a -1 after its COMMIT). */
void rcr_interrupt_hold(void);
/* Registers conn for cancellation; returns a slot for rcr_interrupt_forget (or -1). */
int rcr_interrupt_watch(PGconn *conn);
void rcr_interrupt_forget(int slot);
/* Cancels the work of every watched connection and the child, without marking the process
 * interrupted: how the first failing worker stops its siblings. */
void rcr_interrupt_cancel_watched(void);
/* Where rcr_pg_run_tool publishes the running child's pid. */
volatile pid_t *rcr_interrupt_child_slot(void);

#endif
