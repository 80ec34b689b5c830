/*
 * text.h: untrusted text (names and values from an archive or a database) made safe to show
 * and checked before use.
 *
 * Anything an archive or a database says may hold terminal control sequences (ESC, CR, BEL),
 * quotes, dots and spaces. What rcr prints goes through these functions, so nothing reaches a
 * terminal raw and `schema.table` reads one way only. The shown forms are for people, never
 * for SQL: SQL gets names through PQescapeIdentifier and values as parameters (doc/threat-model.md).
 */
#ifndef RCR_TEXT_H
#define RCR_TEXT_H

#include <stdio.h>

/* Room for a qualified name of two 63-byte PostgreSQL identifiers escaped byte by byte; a
 * longer text is cut, ending in "...". */
#define RCR_SHOWN_SIZE 1024

/* A text as shown. Returned by value: `printf("%s", rcr_name_quote(n).s)` is valid C11, the
 * temporary lives until the end of the full expression. */
typedef struct rcr_shown {
	char s[RCR_SHOWN_SIZE];
} rcr_shown;

/* An identifier as PostgreSQL's quote_ident shows it: bare when it is a lowercase simple
 * identifier ([a-z_][a-z0-9_]*), otherwise in double quotes with '"' doubled. A name holding
 * a control character (bytes 0x00-0x1f, 0x7f, or U+0080-U+009F in UTF-8) is shown as a
 * Unicode-escaped identifier, U&"a\001Bb", with '\' doubled: still exactly the name, in
 * PostgreSQL's own syntax, and no control byte printed. Unlike quote_ident, keywords are not
 * quoted (the result is read by people, not parsed). */
rcr_shown rcr_name_quote(const char *name);
/* schema.name, each part as rcr_name_quote shows it. */
rcr_shown rcr_name_qualify(const char *schema, const char *name);
/* Free text (a metadata value, a message) with each control character escaped as \n, \r, \t
 * or \xNN; everything else unchanged. */
rcr_shown rcr_text_escape(const char *text);
/* The same, written to f without a length limit (the CLI's error printer). */
void rcr_text_fputs(const char *text, FILE *f);

/* 1 if name is the canonical name of a PostgreSQL encoding, as pg_encoding_to_char returns it
 * (the server and client encodings of src/common/encnames.c: "UTF8", "LATIN1", "SJIS", ...).
 * Exact and case-sensitive: aliases ("utf-8", "latin-1") are not accepted, since the server
 * reports server_encoding by its canonical name and a conforming writer records that. */
int rcr_text_encoding_known(const char *name);

/* 1 if s holds a control byte (below 0x20, or 0x7f): metadata values that name things the
 * format says are plain text must not. */
int rcr_text_has_control(const char *s);

#endif
