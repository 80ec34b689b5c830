/* err.c: the thread-local error context and the code table (see err.h). */
#include "rcr/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static _Thread_local rcr_error_snapshot tl_err;

static void vset(int code, const char *hint, const char *fmt, va_list ap)
{
	tl_err.code = code;
	vsnprintf(tl_err.message, sizeof tl_err.message, fmt, ap);
	snprintf(tl_err.hint, sizeof tl_err.hint, "%s", hint ? hint : "");
	tl_err.sqlstate[0] = 0;
}

int rcr_error_set(int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vset(code, NULL, fmt, ap);
	va_end(ap);
	return code;
}

int rcr_error_set_hint(int code, const char *hint, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vset(code, hint, fmt, ap);
	va_end(ap);
	return code;
}

int rcr_error_wrap(int code, const char *fmt, ...)
{
	char prefix[512], old[sizeof tl_err.message];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof prefix, fmt, ap);
	va_end(ap);
	memcpy(old, tl_err.message, sizeof old);
	/* Truncation of an over-long message is acceptable: the object comes first. */
	size_t n = strlen(prefix);
	if (n > sizeof tl_err.message - 3)
		n = sizeof tl_err.message - 3;
	memcpy(tl_err.message, prefix, n);
	memcpy(tl_err.message + n, ": ", 2);
	size_t room = sizeof tl_err.message - n - 3;
	size_t m = strnlen(old, room);
	memcpy(tl_err.message + n + 2, old, m);
	tl_err.message[n + 2 + m] = 0;
	tl_err.code = code;
	return code;
}

const char *rcr_error_message(void) { return tl_err.message; }
const char *rcr_error_hint(void) { return tl_err.hint; }
int rcr_error_code(void) { return tl_err.code; }
const char *rcr_error_sqlstate(void) { return tl_err.sqlstate; }

void rcr_error_set_sqlstate(const char *state)
{
	snprintf(tl_err.sqlstate, sizeof tl_err.sqlstate, "%s", state ? state : "");
}

void rcr_error_clear(void) { memset(&tl_err, 0, sizeof tl_err); }
void rcr_error_save(rcr_error_snapshot *out) { *out = tl_err; }
void rcr_error_restore(const rcr_error_snapshot *snap) { tl_err = *snap; }

static const struct {
	int code;
	const char *name;
	int exit_status;
} err_table[] = {
	{RCR_E_USAGE, "usage", 1},
	{RCR_E_NOMEM, "out-of-memory", 6},
	{RCR_E_INTERRUPTED, "interrupted", 5},
	{RCR_E_INTERNAL, "internal", 6},
	{RCR_E_FORMAT, "format", 2},
	{RCR_E_VERSION, "version", 2},
	{RCR_E_NOT_ARCHIVE, "not-archive", 2},
	{RCR_E_LIMIT, "limit", 2},
	{RCR_E_UNFIT, "unfit", 6},
	{RCR_E_CHECKSUM, "checksum", 2},
	{RCR_E_ROWCOUNT, "row-count", 2},
	{RCR_E_MISSING, "missing", 2},
	{RCR_E_COMPRESS, "compression", 2},
	{RCR_E_IO, "io", 3},
	{RCR_E_NOSPACE, "no-space", 3},
	{RCR_E_EXISTS, "exists", 1},
	{RCR_E_CONNECT, "connect", 4},
	{RCR_E_QUERY, "query", 4},
	{RCR_E_COPY, "copy", 4},
	{RCR_E_TOOL, "pg-tool", 4},
	{RCR_E_TARGET, "target", 4},
};

const char *rcr_err_name(int code)
{
	for (size_t i = 0; i < sizeof err_table / sizeof err_table[0]; i++)
		if (err_table[i].code == code)
			return err_table[i].name;
	return "unknown";
}

int rcr_err_exit_status(int code)
{
	if (code >= 0)
		return 0;
	for (size_t i = 0; i < sizeof err_table / sizeof err_table[0]; i++)
		if (err_table[i].code == code)
			return err_table[i].exit_status;
	return 6;
}
