/*
 * argv.h: the argument vector of a child program (pg_dump, pg_restore), built one argument at
 * a time.
 *
 * The vector grows as needed, so no option is ever dropped for want of room, and it fails
 * sticky, as rcr_reader does: the first allocation failure sets `failed` (and the thread's
 * error message), every later add is a no-op returning RCR_E_NOMEM, so a builder may add many
 * arguments and check once at the end. An argument is copied when added; nothing is borrowed.
 *
 *	rcr_argv a = RCR_ARGV_INIT;
 *	rcr_argv_add(&a, tool);
 *	rcr_argv_addf(&a, "--jobs=%d", jobs);
 *	rcr_argv_add_each(&a, "--table=", tables.items, tables.n);
 *	int rc = rcr_argv_status(&a);
 *	if (rc == 0)
 *		rc = rcr_pg_run_tool(a.v, password, slot);
 *	rcr_argv_free(&a);
 */
#ifndef RCR_ARGV_H
#define RCR_ARGV_H

#include <stddef.h>

typedef struct rcr_argv {
	char **v;       /* NULL-terminated after the first add (NULL before); owned by the vector */
	size_t n;       /* arguments in v, not counting the NULL */
	size_t cap;
	int failed;     /* an allocation failed: v holds the arguments added before it */
} rcr_argv;

#define RCR_ARGV_INIT {NULL, 0, 0, 0}

/* Appends a copy of arg. @return 0, or RCR_E_NOMEM now or after any earlier failure. */
int rcr_argv_add(rcr_argv *a, const char *arg);
/* Appends the printf-formatted text. @return as rcr_argv_add. */
int rcr_argv_addf(rcr_argv *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends prefix + items[i] for each of the n items, in order ("--table=" and a name list
 * gives one --table=NAME per name, however many). @return as rcr_argv_add. */
int rcr_argv_add_each(rcr_argv *a, const char *prefix, const char *const *items, int n);
/* 0, or RCR_E_NOMEM when any add failed (its message still set, from the failure point). */
int rcr_argv_status(const rcr_argv *a);
/* Frees every argument and the vector; leaves *a as RCR_ARGV_INIT. Accepts an empty vector. */
void rcr_argv_free(rcr_argv *a);

#endif
