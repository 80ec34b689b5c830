/* args.c: parsers of option values (see args.h). */
#include "args.h"

#include "rcr/err.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int rcr_cli_parse_size(uint64_t *out, const char *s, uint64_t max)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	uint64_t mult = 1;
	if (!strcmp(end, "kB") || !strcmp(end, "k") || !strcmp(end, "K"))
		mult = 1024;
	else if (!strcmp(end, "MB") || !strcmp(end, "M"))
		mult = 1024 * 1024;
	else if (!strcmp(end, "GB") || !strcmp(end, "G"))
		mult = 1024 * 1024 * 1024;
	else if (*end)
		mult = 0;
	/* strtoull skips leading spaces and takes a sign: the first character must be a digit. */
	if (s[0] < '0' || s[0] > '9' || errno || !mult || v == 0 || v > max / mult)
		return RCR_E_USAGE;
	*out = (uint64_t)v * mult;
	return 0;
}
