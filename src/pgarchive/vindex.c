/* vindex.c: pgvector indexes in toc.dat and the memory their build needs (see vindex.h). */
#include "rcr/vindex.h"
#include "rcr/buf.h"
#include "rcr/err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void rcr_vindex_list_free(rcr_vindex_list *l)
{
	for (int i = 0; i < l->n; i++) {
		free(l->items[i].column);
		free(l->items[i].opc_schema);
		free(l->items[i].opc_name);
	}
	free(l->items);
	l->items = NULL;
	l->n = 0;
}

/* The TABLE entry among e's dependencies, or NULL. */
static const rcr_toc_entry *table_of(const rcr_toc *toc, const rcr_toc_entry *e)
{
	for (int d = 0; d < e->ndeps; d++) {
		int id = atoi(e->deps[d]);
		for (int i = 0; i < toc->nentries; i++) {
			const rcr_toc_entry *t = &toc->entries[i];
			if (t->dump_id == id && t->desc && strcmp(t->desc, "TABLE") == 0 && t->tag)
				return t;
		}
	}
	return NULL;
}

/* The identifier at *p as pg_dump prints it (plain, or double-quoted with "" for a quote),
 * unquoted, into a new string; *p moves past it. NULL when there is none. */
static char *read_ident(const char **p)
{
	const char *s = *p;
	size_t cap = strlen(s) + 1, n = 0;
	char *out = malloc(cap);
	if (!out)
		return NULL;
	if (*s == '"') {
		for (s++; *s; s++) {
			if (*s == '"' && s[1] == '"')
				s++;
			else if (*s == '"')
				break;
			out[n++] = *s;
		}
		if (*s != '"') {
			free(out);
			return NULL;
		}
		s++;
	} else {
		while ((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_' || (unsigned char)*s >= 0x80)
			out[n++] = *s++;
	}
	out[n] = 0;
	*p = s;
	if (n == 0) {
		free(out);
		return NULL;
	}
	return out;
}

/* The integer after "key='" in the WITH (...) part of defn, or dflt. pg_dump prints reloptions
 * as key='value'. */
static int with_option(const char *defn, const char *key, int dflt)
{
	const char *w = strstr(defn, ") WITH (");
	if (!w)
		return dflt;
	size_t kl = strlen(key);
	for (const char *p = w + 8; *p && *p != ')'; p++) {
		if ((p == w + 8 || p[-1] == ' ') && strncmp(p, key, kl) == 0 && p[kl] == '=' && p[kl + 1] == '\'') {
			long v = strtol(p + kl + 2, NULL, 10);
			return v > 0 && v <= 100000 ? (int)v : dflt;
		}
	}
	return dflt;
}

/* Consumes the literal lit at *p. */
static int eat(const char **p, const char *lit)
{
	size_t n = strlen(lit);
	if (strncmp(*p, lit, n) != 0)
		return 0;
	*p += n;
	return 1;
}

/* Consumes an identifier equal to want (as read_ident unquotes it). */
static int eat_ident(const char **p, const char *want)
{
	char *id = read_ident(p);
	int ok = id && strcmp(id, want) == 0;
	free(id);
	return ok;
}

/* "key='digits'" with key one of m, ef_construction, lists. */
static int eat_option(const char **p, rcr_vindex *v)
{
	static const struct { const char *key; unsigned bit; } keys[] = {
		{"m='", RCR_VINDEX_OPT_M}, {"ef_construction='", RCR_VINDEX_OPT_EF}, {"lists='", RCR_VINDEX_OPT_LISTS}};
	for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
		if (!eat(p, keys[k].key))
			continue;
		char *end;
		long n = strtol(*p, &end, 10);
		if (end == *p || *end != '\'' || n <= 0 || n > 100000 || (v->options & keys[k].bit))
			return 0;
		*p = end + 1;
		v->options |= keys[k].bit;
		if (keys[k].bit == RCR_VINDEX_OPT_EF)
			v->ef_construction = (int)n;
		return 1;
	}
	return 0;
}

/* Whether e's text is exactly the simple form (see vindex.h) for index v of table t. */
static int parse_simple(rcr_vindex *v, const rcr_toc_entry *e, const rcr_toc_entry *t)
{
	const char *p = e->defn;
	if (!eat(&p, "CREATE INDEX ") || !eat_ident(&p, e->tag) || !eat(&p, " ON "))
		return 0;
	(void)eat(&p, "ONLY ");
	if (!eat_ident(&p, t->namespace_) || !eat(&p, ".") || !eat_ident(&p, t->tag))
		return 0;
	if (!eat(&p, v->method == RCR_VINDEX_HNSW ? " USING hnsw (" : " USING ivfflat (") || !eat_ident(&p, v->column))
		return 0;
	if (eat(&p, " ")) {
		v->opc_schema = read_ident(&p);
		if (!v->opc_schema || !eat(&p, ".") || !(v->opc_name = read_ident(&p)))
			return 0;
	}
	if (!eat(&p, ")"))
		return 0;
	if (eat(&p, " WITH (")) {
		do {
			if (!eat_option(&p, v))
				return 0;
		} while (eat(&p, ", "));
		if (!eat(&p, ")"))
			return 0;
	}
	return eat(&p, ";") && (*p == 0 || (p[0] == '\n' && p[1] == 0));
}

/* One INDEX entry: "CREATE INDEX name ON [ONLY] schema.table USING hnsw (column opclass) ..." */
static int parse_entry(rcr_vindex *v, const rcr_toc *toc, const rcr_toc_entry *e)
{
	static const struct { const char *using; rcr_vindex_method method; } methods[] = {
		{" USING hnsw (", RCR_VINDEX_HNSW}, {" USING ivfflat (", RCR_VINDEX_IVFFLAT}};
	const char *at = NULL;
	memset(v, 0, sizeof *v);
	for (size_t k = 0; k < sizeof methods / sizeof methods[0] && !at; k++)
		if ((at = strstr(e->defn, methods[k].using)) != NULL) {
			v->method = methods[k].method;
			at += strlen(methods[k].using);
		}
	const rcr_toc_entry *t = at ? table_of(toc, e) : NULL;
	if (!t || strncmp(e->defn, "CREATE INDEX ", 13) != 0)
		return 0;
	v->column = read_ident(&at);
	/* One plain column, then its operator class or the closing parenthesis. */
	const char *comma = v->column ? strchr(at, ',') : NULL, *close = v->column ? strchr(at, ')') : NULL;
	if (!v->column || (*at != ' ' && *at != ')') || !close || (comma && comma < close)) {
		free(v->column);
		v->column = NULL;
		return 0;
	}
	v->dump_id = e->dump_id;
	v->schema = t->namespace_;
	v->table = t->tag;
	v->name = e->tag;
	v->m = with_option(e->defn, "m", 16);
	v->lists = with_option(e->defn, "lists", 100);
	v->simple = parse_simple(v, e, t);
	if (!v->simple) {
		free(v->opc_schema);
		free(v->opc_name);
		v->opc_schema = v->opc_name = NULL;
		v->options = 0;
		v->ef_construction = 0;
	}
	return 1;
}

/* Appends quote(ident), quoted by the caller's function (the connection's rules). */
static int append_quoted(rcr_buf *out, const char *ident, char *(*quote)(const char *, void *), void *ctx)
{
	char *q = quote(ident, ctx);
	if (!q)
		return rcr_error_set(RCR_E_QUERY, "could not quote an identifier");
	rcr_buf_append_cstr(out, q);
	free(q);
	return 0;
}

int rcr_vindex_concurrent_sql(rcr_buf *out, const rcr_vindex *v, char *(*quote)(const char *, void *), void *ctx)
{
	if (!v->simple)
		return rcr_error_set(RCR_E_INTERNAL, "index '%s' is not in the simple form", v->name);
	RCR_BUF_LIT(out, "CREATE INDEX CONCURRENTLY ");
	RCR_FORWARD(append_quoted(out, v->name, quote, ctx));
	RCR_BUF_LIT(out, " ON ");
	RCR_FORWARD(append_quoted(out, v->schema, quote, ctx));
	RCR_BUF_LIT(out, ".");
	RCR_FORWARD(append_quoted(out, v->table, quote, ctx));
	rcr_buf_append_cstr(out, v->method == RCR_VINDEX_HNSW ? " USING hnsw (" : " USING ivfflat (");
	RCR_FORWARD(append_quoted(out, v->column, quote, ctx));
	if (v->opc_name) {
		RCR_BUF_LIT(out, " ");
		RCR_FORWARD(append_quoted(out, v->opc_schema, quote, ctx));
		RCR_BUF_LIT(out, ".");
		RCR_FORWARD(append_quoted(out, v->opc_name, quote, ctx));
	}
	RCR_BUF_LIT(out, ")");
	const char *sep = " WITH (";
	if (v->options & RCR_VINDEX_OPT_M) {
		rcr_buf_appendf(out, "%sm = %d", sep, v->m);
		sep = ", ";
	}
	if (v->options & RCR_VINDEX_OPT_EF) {
		rcr_buf_appendf(out, "%sef_construction = %d", sep, v->ef_construction);
		sep = ", ";
	}
	if (v->options & RCR_VINDEX_OPT_LISTS) {
		rcr_buf_appendf(out, "%slists = %d", sep, v->lists);
		sep = ", ";
	}
	if (v->options)
		RCR_BUF_LIT(out, ")");
	return rcr_buf_check(out);
}

int rcr_vindex_find(rcr_vindex_list *out, const rcr_toc *toc)
{
	*out = (rcr_vindex_list){0, NULL};
	for (int i = 0; toc && i < toc->nentries; i++) {
		const rcr_toc_entry *e = &toc->entries[i];
		if (!e->desc || strcmp(e->desc, "INDEX") != 0 || !e->defn || !e->tag || !e->namespace_)
			continue;
		rcr_vindex v;
		if (!parse_entry(&v, toc, e))
			continue;
		rcr_vindex *items = realloc(out->items, ((size_t)out->n + 1) * sizeof *items);
		if (!items) {
			free(v.column);
			return rcr_error_set(RCR_E_NOMEM, "out of memory");
		}
		out->items = items;
		out->items[out->n++] = v;
	}
	return 0;
}

uint64_t rcr_vindex_build_bytes(const rcr_vindex *v, uint64_t rows, uint64_t value_bytes)
{
	uint64_t per_row;
	if (v->method == RCR_VINDEX_HNSW) {
		uint64_t m = v->m > 1 ? (uint64_t)v->m : 2;
		/* element + layer pointers + layer 0 (2m candidates) + the expected upper layers
		 * (1/(m-1) of a layer of m candidates per row) + the value, each with its 8-byte
		 * chunk header. */
		per_row = 160 + 24 + (8 + 2 * m * 16 + 8) + (8 + m * 16 + 8 + m - 2) / (m - 1) + value_bytes + 8;
	} else {
		/* The sort's tuples (value, list number, heap pointer, tuple header) and sort slots. */
		per_row = value_bytes + 64;
	}
	uint64_t bytes = rows * per_row;
	if (v->method == RCR_VINDEX_IVFFLAT) {
		uint64_t sample = (uint64_t)v->lists * 50 < 10000 ? 10000 : (uint64_t)v->lists * 50;
		bytes += (sample < rows ? sample : rows) * (value_bytes + 16);
	}
	/* 5% and 1MB to spare: pgvector's parallel build keeps a 1MB margin, and the estimate of
	 * the element's size above is a little low for some rows. */
	return bytes + bytes / 20 + ((uint64_t)1 << 20);
}
