/* pattern.c: pg_dump's name patterns and the string lists of the filters (see pg.h). */
#include "rcr/pg.h"
#include "rcr/err.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

int rcr_strlist_add(rcr_strlist *l, const char *s)
{
	const char **n = realloc(l->items, (size_t)(l->n + 1) * sizeof *n);
	if (!n)
		return rcr_error_set(RCR_E_NOMEM, "out of memory");
	l->items = n;
	l->items[l->n++] = s;
	return 0;
}

void rcr_strlist_free(rcr_strlist *l)
{
	free(l->items);
	l->items = NULL;
	l->n = 0;
}

/* Mirrors PostgreSQL's patternToSQLRegex (fe_utils/string_utils.c): the same wildcard, quote,
 * case-folding and escaping rules, so `rcr dump -t` selects what `pg_dump -t` selects. */
int rcr_pattern_to_regex(char **schema_re, char **name_re, const char *pattern, int schema_only)
{
	*schema_re = *name_re = NULL;
	size_t plen = strlen(pattern);
	char *parts[3];
	size_t lens[3] = {0, 0, 0};
	int nparts = 1, inquotes = 0;
	for (int i = 0; i < 3; i++) {
		parts[i] = malloc(plen * 2 + 8);
		if (!parts[i]) {
			for (int j = 0; j < i; j++)
				free(parts[j]);
			return rcr_error_set(RCR_E_NOMEM, "out of memory");
		}
	}
	for (int i = 0; i < 3; i++) {
		memcpy(parts[i], "^(", 2);
		lens[i] = 2;
	}
	int rc = 0;
	for (const char *c = pattern; *c; c++) {
		char *b = parts[nparts - 1];
		size_t *l = &lens[nparts - 1];
		char ch = *c;
		if (ch == '"') {
			if (inquotes && c[1] == '"') {
				b[(*l)++] = '"';
				c++;
			} else
				inquotes = !inquotes;
		} else if (!inquotes && isupper((unsigned char)ch))
			b[(*l)++] = (char)tolower((unsigned char)ch);
		else if (!inquotes && ch == '*') {
			b[(*l)++] = '.';
			b[(*l)++] = '*';
		} else if (!inquotes && ch == '?')
			b[(*l)++] = '.';
		else if (!inquotes && ch == '.') {
			if (nparts == 3) {
				rc = rcr_error_set(RCR_E_USAGE, "improper qualified name (too many dotted names): %s", pattern);
				break;
			}
			nparts++;
		} else if (ch == '$') {
			b[(*l)++] = '\\';
			b[(*l)++] = '$';
		} else {
			if (inquotes && strchr("|*+?()[]{}.^\\", ch))
				b[(*l)++] = '\\';
			b[(*l)++] = ch;
		}
	}
	for (int i = 0; i < 3; i++) {
		memcpy(parts[i] + lens[i], ")$", 3);
	}
	int max_parts = schema_only ? 2 : 3;
	if (rc == 0 && nparts > max_parts)
		rc = rcr_error_set(RCR_E_USAGE, "improper qualified name (too many dotted names): %s", pattern);
	if (rc == 0 && nparts == max_parts)
		/* database.schema[.table]: pg_dump refuses cross-database references as well. */
		rc = rcr_error_set(RCR_E_USAGE, "cross-database references are not implemented: %s", pattern);
	if (rc < 0) {
		for (int i = 0; i < 3; i++)
			free(parts[i]);
		return rc;
	}
	if (schema_only || nparts == 1) {
		if (schema_only)
			*schema_re = parts[0];
		else
			*name_re = parts[0];
		free(parts[1]);
	} else {
		*schema_re = parts[0];
		*name_re = parts[1];
	}
	free(parts[2]);
	return 0;
}
