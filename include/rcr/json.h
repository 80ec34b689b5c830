/* json.h: the few JSON writing helpers `list --json` and `verify --json` need. */
#ifndef RCR_JSON_H
#define RCR_JSON_H

#include <stdio.h>

/* Writes s as a JSON string literal (quotes included), escaping control characters, quotes
 * and backslashes; bytes >= 0x80 pass through (names are UTF-8 in PostgreSQL). */
void rcr_json_str(FILE *f, const char *s);

#endif
