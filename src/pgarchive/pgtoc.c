/* pgtoc.c: toc.dat reader and writer (see pgtoc.h). */
#include "rcr/pgtoc.h"
#include "rcr/err.h"

#include <stdlib.h>
#include <string.h>

#define MAX_ENTRIES 10000000
#define MAX_STR ((size_t)1 << 30)

typedef struct rd {
	const uint8_t *p;
	size_t left;
	int int_size;
	int bad;
} rd;

static int rd_byte(rd *r)
{
	if (r->bad || r->left < 1) {
		r->bad = 1;
		return 0;
	}
	r->left--;
	return *r->p++;
}

static int rd_int(rd *r)
{
	int sign = rd_byte(r);
	if (r->bad || r->left < (size_t)r->int_size) {
		r->bad = 1;
		return 0;
	}
	uint64_t v = 0;
	for (int i = 0; i < r->int_size; i++) {
		uint64_t b = r->p[i];
		if (i >= 4 && b) /* ReadInt keeps an int: larger magnitudes are corrupt for us */
			r->bad = 1;
		if (i < 8)
			v |= b << (8 * i);
	}
	r->p += r->int_size;
	r->left -= (size_t)r->int_size;
	if (r->bad || v > 0x7FFFFFFF || (sign != 0 && sign != 1)) {
		r->bad = 1;
		return 0;
	}
	return sign ? -(int)v : (int)v;
}

/* NULL for a -1 length; "" for 0. */
static int rd_str(rd *r, char **out)
{
	*out = NULL;
	int n = rd_int(r);
	if (r->bad)
		return rcr_error_set(RCR_E_FORMAT, "toc.dat truncated inside a string");
	if (n == -1)
		return 0;
	if (n < 0 || (size_t)n > r->left || (size_t)n > MAX_STR)
		return rcr_error_set(RCR_E_FORMAT, "toc.dat string length %d exceeds the bytes left", n);
	char *s = malloc((size_t)n + 1);
	if (!s)
		return rcr_error_set(RCR_E_NOMEM, "out of memory");
	if (n)
		memcpy(s, r->p, (size_t)n);
	s[n] = 0;
	r->p += n;
	r->left -= (size_t)n;
	*out = s;
	return 0;
}

void rcr_toc_entry_clear(rcr_toc_entry *e)
{
	char **strs[] = {&e->tableoid, &e->oid, &e->tag, &e->desc, &e->defn, &e->drop_stmt, &e->copy_stmt,
			 &e->namespace_, &e->tablespace, &e->tableam, &e->owner, &e->with_oids, &e->filename};
	for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++) {
		free(*strs[i]);
		*strs[i] = NULL;
	}
	for (int i = 0; i < e->ndeps && e->deps; i++)
		free(e->deps[i]);
	free(e->deps);
	e->deps = NULL;
	e->ndeps = 0;
}

void rcr_toc_free(rcr_toc *t)
{
	if (!t)
		return;
	for (int i = 0; i < t->nentries && t->entries; i++)
		rcr_toc_entry_clear(&t->entries[i]);
	free(t->entries);
	free(t->dbname);
	free(t->server_version);
	free(t->pgdump_version);
	free(t);
}

static int read_entry(rd *r, const rcr_toc *t, rcr_toc_entry *e)
{
	e->dump_id = rd_int(r);
	e->had_dumper = rd_int(r);
	RCR_FORWARD(rd_str(r, &e->tableoid));
	RCR_FORWARD(rd_str(r, &e->oid));
	RCR_FORWARD(rd_str(r, &e->tag));
	RCR_FORWARD(rd_str(r, &e->desc));
	e->section = rd_int(r);
	RCR_FORWARD(rd_str(r, &e->defn));
	RCR_FORWARD(rd_str(r, &e->drop_stmt));
	RCR_FORWARD(rd_str(r, &e->copy_stmt));
	RCR_FORWARD(rd_str(r, &e->namespace_));
	RCR_FORWARD(rd_str(r, &e->tablespace));
	RCR_FORWARD(rd_str(r, &e->tableam));
	if (t->vmin >= 16)
		e->relkind = rd_int(r);
	RCR_FORWARD(rd_str(r, &e->owner));
	RCR_FORWARD(rd_str(r, &e->with_oids));
	for (;;) {
		char *dep;
		RCR_FORWARD(rd_str(r, &dep));
		if (!dep)
			break;
		/* No count check needed: every dependency consumes at least 1 + intSize input bytes. */
		char **d = realloc(e->deps, (size_t)(e->ndeps + 1) * sizeof *d);
		if (!d) {
			free(dep);
			return rcr_error_set(RCR_E_NOMEM, "out of memory");
		}
		e->deps = d;
		d[e->ndeps++] = dep;
	}
	RCR_FORWARD(rd_str(r, &e->filename));
	if (e->filename && !e->filename[0]) {
		free(e->filename);
		e->filename = NULL;
	}
	if (r->bad)
		return rcr_error_set(RCR_E_FORMAT, "toc.dat truncated inside entry %d", e->dump_id);
	if (e->dump_id <= 0)
		return rcr_error_set(RCR_E_FORMAT, "toc.dat entry has invalid dump id %d", e->dump_id);
	return 0;
}

int rcr_toc_decode(rcr_toc **out, const uint8_t *p, size_t len)
{
	*out = NULL;
	if (len < 11 || memcmp(p, "PGDMP", 5) != 0)
		return rcr_error_set(RCR_E_FORMAT, "toc.dat does not start with PGDMP");
	rcr_toc *t = calloc(1, sizeof *t);
	if (!t)
		return rcr_error_set(RCR_E_NOMEM, "out of memory");
	t->vmaj = p[5];
	t->vmin = p[6];
	t->vrev = p[7];
	t->int_size = p[8];
	t->off_size = p[9];
	t->format = p[10];
	int rc = 0;
	if (t->vmaj != 1 || t->vmin < 14 || t->vmin > 16)
		rc = rcr_error_set(RCR_E_VERSION, "toc.dat archive version %d.%d is not supported (1.14 to 1.16 are)",
				   t->vmaj, t->vmin);
	else if (t->int_size != 4 && t->int_size != 8)
		rc = rcr_error_set(RCR_E_VERSION, "toc.dat integer size %d is not supported", t->int_size);
	else if (t->format != 3)
		rc = rcr_error_set(RCR_E_FORMAT, "toc.dat format byte %d is not a directory archive's (3)", t->format);
	rd r = {p + 11, len - 11, t->int_size, 0};
	if (rc == 0) {
		t->compression = t->vmin >= 15 ? rd_byte(&r) : rd_int(&r);
		for (int i = 0; i < 7; i++)
			t->tm[i] = rd_int(&r);
		rc = rd_str(&r, &t->dbname);
	}
	if (rc == 0)
		rc = rd_str(&r, &t->server_version);
	if (rc == 0)
		rc = rd_str(&r, &t->pgdump_version);
	int n = rc == 0 ? rd_int(&r) : 0;
	if (rc == 0 && (r.bad || n < 0 || n > MAX_ENTRIES || (size_t)n > r.left / 20))
		rc = rcr_error_set(RCR_E_FORMAT, "toc.dat declares %d entries, more than its bytes can hold", n);
	if (rc == 0 && !(t->entries = calloc((size_t)n + 1, sizeof *t->entries)))
		rc = rcr_error_set(RCR_E_NOMEM, "out of memory");
	for (int i = 0; rc == 0 && i < n; i++) {
		t->nentries = i + 1;
		rc = read_entry(&r, t, &t->entries[i]);
	}
	if (rc == 0 && r.left)
		rc = rcr_error_set(RCR_E_FORMAT, "toc.dat has %zu bytes after its last entry", r.left);
	if (rc < 0) {
		rcr_toc_free(t);
		return rc;
	}
	*out = t;
	return 0;
}

/* toc.dat's writer. Appends need no checks: the buffer keeps its first failure (buf.h), and
 * too_long records a string whose length does not fit an int; rcr_toc_encode checks both once. */
typedef struct wr {
	rcr_buf *b;
	int too_long;
} wr;

static void wr_int(wr *w, int v)
{
	uint8_t t[5];
	t[0] = v < 0;
	uint32_t m = v < 0 ? (uint32_t)(-(int64_t)v) : (uint32_t)v;
	rcr_store_u32le(t + 1, m);
	rcr_buf_append(w->b, t, sizeof t);
}

static void wr_str(wr *w, const char *s)
{
	if (!s) {
		wr_int(w, -1);
		return;
	}
	size_t n = strlen(s);
	if (n > 0x7FFFFFFF) {
		w->too_long = 1;
		return;
	}
	wr_int(w, (int)n);
	rcr_buf_append(w->b, s, n);
}

static void write_entry(wr *w, const rcr_toc *t, const rcr_toc_entry *e)
{
	wr_int(w, e->dump_id);
	wr_int(w, e->had_dumper);
	wr_str(w, e->tableoid);
	wr_str(w, e->oid);
	wr_str(w, e->tag);
	wr_str(w, e->desc);
	wr_int(w, e->section);
	wr_str(w, e->defn);
	wr_str(w, e->drop_stmt);
	wr_str(w, e->copy_stmt);
	wr_str(w, e->namespace_);
	wr_str(w, e->tablespace);
	wr_str(w, e->tableam);
	if (t->vmin >= 16)
		wr_int(w, e->relkind);
	wr_str(w, e->owner);
	wr_str(w, e->with_oids);
	for (int d = 0; d < e->ndeps; d++)
		wr_str(w, e->deps[d]);
	wr_str(w, NULL);
	wr_str(w, e->filename ? e->filename : "");
}

int rcr_toc_encode(rcr_buf *b, const rcr_toc *t)
{
	if (t->vmaj != 1 || t->vmin < 14 || t->vmin > 16)
		return rcr_error_set(RCR_E_USAGE, "archive version 1.%d cannot be written (1.14, 1.15 or 1.16)", t->vmin);
	wr w = {b, 0};
	const uint8_t head[11] = {'P', 'G', 'D', 'M', 'P', 1, (uint8_t)t->vmin, 0, 4, 8, 3};
	rcr_buf_append(b, head, sizeof head);
	if (t->vmin >= 15)
		rcr_buf_append_u8(b, (uint8_t)t->compression);
	else
		wr_int(&w, t->compression);
	for (int i = 0; i < 7; i++)
		wr_int(&w, t->tm[i]);
	wr_str(&w, t->dbname);
	wr_str(&w, t->server_version);
	wr_str(&w, t->pgdump_version);
	wr_int(&w, t->nentries);
	for (int i = 0; i < t->nentries && !rcr_buf_broken(b) && !w.too_long; i++)
		write_entry(&w, t, &t->entries[i]);
	if (w.too_long)
		return rcr_error_set(RCR_E_LIMIT, "string too long for toc.dat");
	return rcr_buf_broken(b) ? rcr_error_set(RCR_E_NOMEM, "out of memory writing toc.dat") : 0;
}

/*
 * True when a TABLE entry's defn declares a partitioned table. pg_dump writes the clause as
 * "\nPARTITION BY <key>" right after the column list's closing parenthesis. Column names,
 * defaults and CHECK expressions inside the list may hold the same text (a quoted identifier, a
 * string literal spanning lines), so the scan skips quoted runs, "--" comments (--binary-upgrade
 * puts some before the CREATE, with apostrophes) and parenthesised text, and looks only at depth
 * 0. The statements pg_dump appends after the CREATE TABLE are one-line ALTERs.
 */
static int defn_is_partitioned(const char *s)
{
	int depth = 0;
	for (const char *p = s; *p; p++) {
		if (*p == '"' || *p == '\'') {
			/* E'...' takes backslash escapes; every other quoted run ends at an undoubled quote */
			int esc = *p == '\'' && p > s && (p[-1] == 'E' || p[-1] == 'e') &&
				  (p - 1 == s || !(p[-2] == '_' || (p[-2] >= 'a' && p[-2] <= 'z') ||
						   (p[-2] >= 'A' && p[-2] <= 'Z') || (p[-2] >= '0' && p[-2] <= '9')));
			char q = *p++;
			for (;; p++) {
				if (!*p)
					return 0; /* unterminated: not a statement pg_dump wrote */
				if (esc && *p == '\\' && p[1]) {
					p++;
					continue;
				}
				if (*p == q) {
					if (p[1] != q)
						break;
					p++;
				}
			}
		} else if (*p == '-' && p[1] == '-') {
			while (p[1] && p[1] != '\n')
				p++;
		} else if (*p == '(')
			depth++;
		else if (*p == ')')
			depth--;
		else if (depth == 0 && *p == '\n' && strncmp(p + 1, "PARTITION BY ", 13) == 0)
			return 1;
	}
	return 0;
}

int rcr_toc_entry_relkind(const rcr_toc_entry *e)
{
	if (!e->desc)
		return 0;
	if (strcmp(e->desc, "TABLE") == 0)
		return e->defn && defn_is_partitioned(e->defn) ? 'p' : 'r';
	if (strcmp(e->desc, "VIEW") == 0)
		return 'v';
	if (strcmp(e->desc, "MATERIALIZED VIEW") == 0)
		return 'm';
	if (strcmp(e->desc, "FOREIGN TABLE") == 0)
		return 'f';
	return 0;
}
