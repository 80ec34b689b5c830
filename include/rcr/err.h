/*
 * err.h: rcr's error model.
 *
 * Every fallible function returns int: 0 (or a non-negative count) on success, a negative
 * rcr_err code on failure. At the failure point the callee records a one-line, lowercase
 * message naming the object (file, table, frame) in a thread-local context with
 * rcr_error_set(); callers that add nothing return the code unchanged. No longjmp: worker
 * threads and the fuzzers need plain control flow.
 *
 * Codes are grouped by tens and never renumbered, because rcr_err_exit_status() maps them to
 * the process exit status that scripts rely on (documented in README.md).
 */
#ifndef RCR_ERR_H
#define RCR_ERR_H

#include <stddef.h>

typedef enum rcr_err {
	RCR_OK = 0,
	/* usage 1-9 */
	RCR_E_USAGE = -1,
	RCR_E_NOMEM = -2,
	RCR_E_INTERRUPTED = -3,
	RCR_E_INTERNAL = -4,
	/* archive format 10-19 */
	RCR_E_FORMAT = -10,        /* bytes that do not follow the spec */
	RCR_E_VERSION = -11,       /* newer read version or unknown required feature */
	RCR_E_NOT_ARCHIVE = -12,   /* no manifest: incomplete or not an rcr archive */
	RCR_E_LIMIT = -13,         /* a declared size beyond what the reader accepts */
	RCR_E_UNFIT = -14,         /* a codec cannot represent this chunk (not an error to users) */
	/* integrity 20-29 */
	RCR_E_CHECKSUM = -20,
	RCR_E_ROWCOUNT = -21,
	RCR_E_MISSING = -22,
	/* compression 30-39 */
	RCR_E_COMPRESS = -30,
	/* I/O 40-49 */
	RCR_E_IO = -40,
	RCR_E_NOSPACE = -41,
	RCR_E_EXISTS = -42,
	/* PostgreSQL 50-59 */
	RCR_E_CONNECT = -50,
	RCR_E_QUERY = -51,
	RCR_E_COPY = -52,
	RCR_E_TOOL = -53,          /* pg_dump / pg_restore failed */
	RCR_E_TARGET = -54,        /* restore target not in a state we may write to */
} rcr_err;

/* Records the message for the calling thread; returns code so that callers can write
 * `return rcr_error_set(RCR_E_IO, "...")`. */
int rcr_error_set(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Like rcr_error_set, with an extra HINT line shown to users. */
int rcr_error_set_hint(int code, const char *hint, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Prefixes the current message with context ("table 'x': ..."); returns code. */
int rcr_error_wrap(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The message of the last error on this thread ("" if none); borrowed, valid until the next set. */
const char *rcr_error_message(void);
const char *rcr_error_hint(void);
int rcr_error_code(void);
/* The server's SQLSTATE behind the current error, for callers that decide on it (never on a
 * server message's text, which follows lc_messages). Set right after rcr_error_set by the code
 * that holds the failed PGresult (rcr_pg_exec, rcr_pg_query); every rcr_error_set and
 * rcr_error_set_hint clears it, rcr_error_wrap keeps it. NULL or "" clears. */
void rcr_error_set_sqlstate(const char *state);
/* "" when the current error has no SQLSTATE. */
const char *rcr_error_sqlstate(void);
void rcr_error_clear(void);
/* Copies this thread's error into another thread's snapshot (for workers reporting to the leader). */
typedef struct rcr_error_snapshot {
	int code;
	char message[1024];
	char hint[256];
	char sqlstate[6];
} rcr_error_snapshot;
void rcr_error_save(rcr_error_snapshot *out);
void rcr_error_restore(const rcr_error_snapshot *snap);

const char *rcr_err_name(int code);
/* Process exit status for an error code: 1 usage, 2 archive damaged or invalid, 3 I/O,
 * 4 database, 5 interrupted, 6 internal. */
int rcr_err_exit_status(int code);

#define RCR_FORWARD(expr) \
	do { int rcr_fwd_rc_ = (expr); if (rcr_fwd_rc_ < 0) return rcr_fwd_rc_; } while (0)

#endif
