/* argv.c: a child program's argument vector (see argv.h). */
#include "rcr/argv.h"
#include "rcr/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fail(rcr_argv *a)
{
	a->failed = 1;
	return rcr_error_set(RCR_E_NOMEM, "out of memory building a command line");
}

/* Takes ownership of s (heap, or NULL after a failed allocation). */
static int push(rcr_argv *a, char *s)
{
	if (!s)
		return fail(a);
	if (a->n + 2 > a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 16;
		char **v = realloc(a->v, cap * sizeof *v);
		if (!v) {
			free(s);
			return fail(a);
		}
		a->v = v;
		a->cap = cap;
	}
	a->v[a->n++] = s;
	a->v[a->n] = NULL;
	return 0;
}

int rcr_argv_add(rcr_argv *a, const char *arg)
{
	if (a->failed)
		return RCR_E_NOMEM;
	return push(a, strdup(arg));
}

int rcr_argv_addf(rcr_argv *a, const char *fmt, ...)
{
	if (a->failed)
		return RCR_E_NOMEM;
	va_list ap;
	va_start(ap, fmt);
	char *s = NULL;
	int len = vasprintf(&s, fmt, ap);
	va_end(ap);
	return push(a, len < 0 ? NULL : s);
}

int rcr_argv_add_each(rcr_argv *a, const char *prefix, const char *const *items, int n)
{
	for (int i = 0; i < n; i++)
		rcr_argv_addf(a, "%s%s", prefix, items[i]);
	return rcr_argv_status(a);
}

int rcr_argv_status(const rcr_argv *a)
{
	return a->failed ? RCR_E_NOMEM : 0;
}

void rcr_argv_free(rcr_argv *a)
{
	for (size_t i = 0; i < a->n; i++)
		free(a->v[i]);
	free(a->v);
	*a = (rcr_argv)RCR_ARGV_INIT;
}
