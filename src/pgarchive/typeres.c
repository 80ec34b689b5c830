/* typeres.c: column types to textout names through the schema's toc.dat (see typeres.h). */
#include "rcr/typeres.h"

#include "rcr/err.h"
#include "rcr/text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Domains over domains over composites...: deeper than this is refused as crafted. */
#define MAX_DEPTH 16
#define NAME_CAP 96

struct rcr_typeres {
	const rcr_toc *toc;
	const char *lc_monetary; /* the dump's, borrowed from the manifest; NULL if not recorded */
	char **strs; /* interned names and field arrays' strings, owned */
	size_t nstrs, cap_strs;
	rcr_textout_composite *comps; /* each fields array owned */
	size_t ncomps, cap_comps;
	rcr_textout_catalog cat;
};

int rcr_typeres_new(rcr_typeres **out, const rcr_toc *toc)
{
	*out = calloc(1, sizeof **out);
	if (!*out)
		return rcr_error_set(RCR_E_NOMEM, "out of memory");
	(*out)->toc = toc;
	return 0;
}

void rcr_typeres_free(rcr_typeres *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->nstrs; i++)
		free(r->strs[i]);
	for (size_t i = 0; i < r->ncomps; i++)
		free((void *)r->comps[i].fields);
	free(r->strs);
	free(r->comps);
	free(r);
}

const rcr_textout_catalog *rcr_typeres_catalog(const rcr_typeres *r)
{
	return &r->cat;
}

int rcr_typeres_session(rcr_typeres *r, const rcr_manifest *m)
{
	const char *bytea = rcr_manifest_get_meta(m, "bytea_output");
	const char *enc = rcr_manifest_get_meta(m, "encoding");
	if (bytea && strcmp(bytea, "hex") != 0 && strcmp(bytea, "escape") != 0)
		return rcr_error_set(RCR_E_FORMAT, "metadata entry 'bytea_output' holds '%s', expected hex or escape",
				     rcr_text_escape(bytea).s);
	r->lc_monetary = rcr_manifest_get_meta(m, "lc_monetary");
	r->cat.flags = 0;
	if (rcr_textout_printable("pg_catalog", "money", 'b', r->lc_monetary))
		r->cat.flags |= RCR_TEXTOUT_MONEY_C;
	if (bytea && strcmp(bytea, "escape") == 0)
		r->cat.flags |= RCR_TEXTOUT_BYTEA_ESCAPE;
	if (enc && enc[0] && strcmp(enc, "UTF8") != 0 && strcmp(enc, "SQL_ASCII") != 0)
		r->cat.flags |= RCR_TEXTOUT_XML_DECL;
	return 0;
}

static const char *intern(rcr_typeres *r, const char *s)
{
	for (size_t i = 0; i < r->nstrs; i++)
		if (strcmp(r->strs[i], s) == 0)
			return r->strs[i];
	if (r->nstrs == r->cap_strs) {
		size_t cap = r->cap_strs ? 2 * r->cap_strs : 16;
		char **p = realloc(r->strs, cap * sizeof *p);
		if (!p)
			return NULL;
		r->strs = p;
		r->cap_strs = cap;
	}
	char *d = strdup(s);
	if (d)
		r->strs[r->nstrs++] = d;
	return d;
}

/* ---- reading format_type output and pg_dump's CREATE statements -------------------------- */

/* Reads one identifier at *p (quoted, with "" for a quote, or bare) into out; 0 or -1. */
static int read_ident(const char **p, const char *end, char *out, size_t cap)
{
	const char *s = *p;
	size_t n = 0;
	if (s < end && *s == '"') {
		for (s++;; s++) {
			if (s >= end)
				return -1;
			if (*s == '"') {
				if (s + 1 < end && s[1] == '"')
					s++;
				else
					break;
			}
			if (n + 1 >= cap)
				return -1;
			out[n++] = *s;
		}
		s++;
	} else {
		while (s < end && (*s == '_' || *s == '$' || (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
				   (*s >= '0' && *s <= '9') || (unsigned char)*s >= 0x80)) {
			if (n + 1 >= cap)
				return -1;
			out[n++] = *s++;
		}
		if (n == 0)
			return -1;
	}
	out[n] = 0;
	*p = s;
	return 0;
}

/* The end of a type's text starting at s: the first top-level ',' or ')' (outside quotes and
 * typmod parentheses), or `end`. */
static const char *type_text_end(const char *s, const char *end)
{
	int depth = 0, quoted = 0;
	for (; s < end; s++) {
		if (*s == '"')
			quoted = !quoted; /* "" inside quotes toggles twice */
		else if (quoted)
			continue;
		else if (*s == '(')
			depth++;
		else if (*s == ')' && depth-- == 0)
			return s;
		else if (*s == ',' && depth == 0)
			return s;
	}
	return end;
}

/* Position of keyword `kw` (like " COLLATE ") outside quotes in [s, end), or end. */
static const char *find_outside_quotes(const char *s, const char *end, const char *kw)
{
	size_t k = strlen(kw);
	int quoted = 0;
	for (; s < end; s++) {
		if (*s == '"')
			quoted = !quoted;
		else if (!quoted && (size_t)(end - s) >= k && memcmp(s, kw, k) == 0)
			return s;
	}
	return end;
}

/* SQL spellings format_type prints for built-in types, as pg_type names. */
static const char *builtin_name(const char *sql)
{
	static const char *const map[][2] = {
		{"integer", "int4"}, {"smallint", "int2"}, {"bigint", "int8"}, {"real", "float4"},
		{"double precision", "float8"}, {"boolean", "bool"}, {"character varying", "varchar"},
		{"character", "bpchar"}, {"bit varying", "varbit"}, {"time without time zone", "time"},
		{"time with time zone", "timetz"}, {"timestamp without time zone", "timestamp"},
		{"timestamp with time zone", "timestamptz"},
	};
	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
		if (strcmp(map[i][0], sql) == 0)
			return map[i][1];
	if (strncmp(sql, "interval", 8) == 0 && (sql[8] == 0 || sql[8] == ' ')) /* "interval year to month" */
		return "interval";
	return sql;
}

static int resolve_text(rcr_typeres *r, const char *s, const char *end, char *name, const char *what, int depth);

static const rcr_toc_entry *find_entry(const rcr_typeres *r, const char *desc, const char *schema, const char *tag)
{
	for (int i = 0; i < r->toc->nentries; i++) {
		const rcr_toc_entry *e = &r->toc->entries[i];
		if (e->desc && e->tag && e->namespace_ && strcmp(e->desc, desc) == 0 && strcmp(e->tag, tag) == 0 &&
		    strcmp(e->namespace_, schema) == 0)
			return e;
	}
	return NULL;
}

/* defn "CREATE <kind> schema.name AS ": the position after " AS ", or NULL. */
static const char *after_as(const char *defn, const char *create)
{
	size_t k = strlen(create);
	if (!defn || strncmp(defn, create, k) != 0)
		return NULL;
	const char *p = defn + k, *end = defn + strlen(defn);
	char tmp[256];
	if (read_ident(&p, end, tmp, sizeof tmp) < 0 || *p++ != '.' || read_ident(&p, end, tmp, sizeof tmp) < 0)
		return NULL;
	return strncmp(p, " AS ", 4) == 0 ? p + 4 : NULL;
}

/* The fields of composite TYPE entry e, resolved and added to the catalog (once per OID). */
static int add_composite(rcr_typeres *r, const rcr_toc_entry *e, const char *qual, const char *body, int depth)
{
	char *oend;
	unsigned long oid = e->oid ? strtoul(e->oid, &oend, 10) : 0;
	if (!e->oid || *oend || oid == 0 || oid > UINT32_MAX)
		return rcr_error_set(RCR_E_FORMAT, "type '%s' has no valid oid in toc.dat", qual);
	for (size_t i = 0; i < r->ncomps; i++)
		if (r->comps[i].oid == oid)
			return 0;
	const char **fields = NULL;
	uint32_t n = 0;
	int rc = 0;
	const char *p = body + 1, *end = body + strlen(body); /* after "(" */
	for (;;) {
		while (p < end && (*p == ' ' || *p == '\n' || *p == '\t'))
			p++;
		if (p < end && *p == ')')
			break;
		char field[256], what[600], fname[NAME_CAP];
		if (read_ident(&p, end, field, sizeof field) < 0 || *p != ' ') {
			rc = rcr_error_set(RCR_E_FORMAT, "cannot read the fields of type '%s' in toc.dat", qual);
			break;
		}
		const char *te = type_text_end(++p, end), *coll = find_outside_quotes(p, te, " COLLATE ");
		snprintf(what, sizeof what, "field '%.200s' of type '%.300s'", field, qual);
		rc = resolve_text(r, p, coll, fname, what, depth + 1);
		const char *keep = rc == 0 ? intern(r, fname) : NULL;
		const char **f = rc == 0 && keep ? realloc(fields, (n + 1) * sizeof *f) : NULL;
		if (rc == 0 && !f)
			rc = rcr_error_set(RCR_E_NOMEM, "out of memory");
		if (rc)
			break;
		fields = f;
		fields[n++] = keep;
		p = te;
		if (p >= end) {
			rc = rcr_error_set(RCR_E_FORMAT, "cannot read the fields of type '%s' in toc.dat", qual);
			break;
		}
		if (*p == ',')
			p++;
	}
	if (rc == 0 && r->ncomps == r->cap_comps) {
		size_t cap = r->cap_comps ? 2 * r->cap_comps : 8;
		rcr_textout_composite *c = realloc(r->comps, cap * sizeof *c);
		if (!c)
			rc = rcr_error_set(RCR_E_NOMEM, "out of memory");
		else {
			r->comps = c;
			r->cap_comps = cap;
		}
	}
	if (rc) {
		free(fields);
		return rc;
	}
	r->comps[r->ncomps++] = (rcr_textout_composite){(uint32_t)oid, n, fields};
	r->cat.n = r->ncomps;
	r->cat.types = r->comps;
	return 0;
}

/* money prints only where the dump's lc_monetary was C or POSIX; any other refused type has
 * no text output. `type` is the type as the message shows it, after "what: " unless NULL. */
static int refuse(const rcr_typeres *r, const char *what, const char *type, const char *base)
{
	const char *sep = what ? ": " : "";
	what = what ? what : "";
	if (strcmp(base, "money") == 0) {
		char lc[RCR_SHOWN_SIZE + 2] = "not recorded";
		if (r->lc_monetary)
			snprintf(lc, sizeof lc, "'%s'", rcr_text_escape(r->lc_monetary).s);
		return rcr_error_set_hint(RCR_E_USAGE, "rcr dump stores such tables as text; dump the database again",
					  "%s%stype '%s' is printed only for dumps whose lc_monetary was C or POSIX, this "
					  "one's was %s", what, sep, type, lc);
	}
	return rcr_error_set(RCR_E_USAGE, "%s%stype '%s' has no text output", what, sep, type);
}

/* A range's TYPE entry, from body = "RANGE (\n    subtype = <type>[,\n    ...]\n);" (pg_dump's
 * dumpRangeType), into name as "range:<subtype's name>". */
static int resolve_range(rcr_typeres *r, const char *body, const char *qual, char *name, const char *what, int depth)
{
	const char *p = body + 7, *end = body + strlen(body);
	while (p < end && (*p == ' ' || *p == '\n' || *p == '\t'))
		p++;
	if (strncmp(p, "subtype = ", 10) != 0)
		return rcr_error_set(RCR_E_FORMAT, "cannot read range type '%s' in toc.dat", qual);
	p += 10;
	char sub[NAME_CAP], w[700];
	snprintf(w, sizeof w, "%.400s (range '%.250s')", what, qual);
	RCR_FORWARD(resolve_text(r, p, type_text_end(p, end), sub, w, depth + 1));
	if (strlen(sub) + 6 >= NAME_CAP)
		return rcr_error_set(RCR_E_USAGE, "%s: range type '%s' is nested too deeply", what, qual);
	snprintf(name, NAME_CAP, "range:%s", sub);
	return 0;
}

/* The range TYPE entry whose multirange_type_name is schema.tname (a multirange has no entry of
 * its own), with *body after its " AS "; NULL if none. */
static const rcr_toc_entry *find_multirange(const rcr_typeres *r, const char *schema, const char *tname,
					    const char **body)
{
	static const char key[] = "multirange_type_name = ";
	for (int i = 0; i < r->toc->nentries; i++) {
		const rcr_toc_entry *e = &r->toc->entries[i];
		const char *p = e->desc && strcmp(e->desc, "TYPE") == 0 ? after_as(e->defn, "CREATE TYPE ") : NULL;
		if (!p || strncmp(p, "RANGE (", 7) != 0 || !e->namespace_ || !e->tag)
			continue;
		const char *end = p + strlen(p), *k = find_outside_quotes(p, end, key);
		char sch[256], nm[256];
		if (k == end)
			continue;
		k += sizeof key - 1;
		if (read_ident(&k, end, sch, sizeof sch) == 0 && k < end && *k++ == '.' &&
		    read_ident(&k, end, nm, sizeof nm) == 0 && strcmp(sch, schema) == 0 && strcmp(nm, tname) == 0) {
			*body = p;
			return e;
		}
	}
	return NULL;
}

/* A type named schema.name, into name. */
static int resolve_qualified(rcr_typeres *r, const char *schema, const char *tname, char *name, const char *what,
			     int depth)
{
	char qual[RCR_SHOWN_SIZE];
	snprintf(qual, sizeof qual, "%s", rcr_name_qualify(schema, tname).s);
	if (depth > MAX_DEPTH)
		return rcr_error_set(RCR_E_USAGE, "%s: type '%s' is nested more than %d levels deep", what, qual, MAX_DEPTH);
	if (strcmp(schema, "pg_catalog") == 0) {
		snprintf(name, NAME_CAP, "%s", builtin_name(tname));
		return 0;
	}
	const rcr_toc_entry *e = find_entry(r, "DOMAIN", schema, tname);
	if (e) {
		const char *p = after_as(e->defn, "CREATE DOMAIN "), *end;
		if (!p)
			return rcr_error_set(RCR_E_FORMAT, "cannot read domain '%s' in toc.dat", qual);
		/* pg_dump's dumpDomain: the type, then COLLATE, DEFAULT, NOT NULL, "\n\tCONSTRAINT" or ";" */
		end = p + strlen(p);
		static const char *const stops[] = {" COLLATE ", " DEFAULT ", " NOT NULL", "\n", ";"};
		for (size_t i = 0; i < sizeof stops / sizeof stops[0]; i++)
			end = find_outside_quotes(p, end, stops[i]);
		char w[700];
		snprintf(w, sizeof w, "%.400s (domain '%.250s')", what, qual);
		return resolve_text(r, p, end, name, w, depth + 1);
	}
	e = find_entry(r, "TYPE", schema, tname);
	if (e) {
		const char *p = after_as(e->defn, "CREATE TYPE ");
		if (p && strncmp(p, "ENUM (", 6) == 0) {
			snprintf(name, NAME_CAP, "enum");
			return 0;
		}
		if (p && *p == '(') {
			RCR_FORWARD(add_composite(r, e, qual, p, depth));
			snprintf(name, NAME_CAP, "record:%s", e->oid);
			return 0;
		}
		if (p && strncmp(p, "RANGE (", 7) == 0)
			return resolve_range(r, p, qual, name, what, depth);
		return rcr_error_set(RCR_E_USAGE, "%s: type '%s' is a user-defined base type with no text output", what,
				     qual);
	}
	const char *body;
	if ((e = find_multirange(r, schema, tname, &body))) {
		char range[NAME_CAP], rqual[RCR_SHOWN_SIZE];
		snprintf(rqual, sizeof rqual, "%s", rcr_name_qualify(e->namespace_, e->tag).s);
		RCR_FORWARD(resolve_range(r, body, rqual, range, what, depth + 1));
		if (strlen(range) + 11 >= NAME_CAP)
			return rcr_error_set(RCR_E_USAGE, "%s: multirange type '%s' is nested too deeply", what, qual);
		snprintf(name, NAME_CAP, "multirange:%s", range);
		return 0;
	}
	/* Extension members have no entries of their own; pgvector's types are known by name. */
	if (!strcmp(tname, "vector") || !strcmp(tname, "halfvec") || !strcmp(tname, "sparsevec")) {
		snprintf(name, NAME_CAP, "%s", tname);
		return 0;
	}
	return rcr_error_set(RCR_E_USAGE, "%s: type '%s' has no text output (neither known nor defined in the archive's schema)",
			     what, qual);
}

/* A type as format_type prints it, [s, end), into name. */
static int resolve_text(rcr_typeres *r, const char *s, const char *end, char *name, const char *what, int depth)
{
	while (s < end && (*s == ' ' || *s == '\n' || *s == '\t'))
		s++;
	while (end > s && (end[-1] == ' ' || end[-1] == '\n' || end[-1] == '\t'))
		end--;
	int array = end - s > 2 && end[-2] == '[' && end[-1] == ']';
	if (array)
		end -= 2;
	char base[NAME_CAP - 1], first[256], second[256];
	const char *p = s;
	if (read_ident(&p, end, first, sizeof first) == 0 && p < end && *p == '.') {
		p++;
		if (read_ident(&p, end, second, sizeof second) < 0 || (p < end && *p != '('))
			return rcr_error_set(RCR_E_FORMAT, "%s: cannot read type '%.*s'", what, (int)(end - s), s);
		RCR_FORWARD(resolve_qualified(r, first, second, base, what, depth));
	} else {
		/* Built-in: drop typmods ("numeric(8,2)", "time(2) without time zone"), unquote "char". */
		char sql[256];
		size_t n = 0;
		int paren = 0;
		for (p = s; p < end && n + 1 < sizeof sql; p++) {
			if (*p == '(')
				paren++;
			else if (*p == ')')
				paren--;
			else if (!paren && *p != '"' && !(*p == ' ' && (n == 0 || sql[n - 1] == ' ')))
				sql[n++] = *p;
		}
		while (n && sql[n - 1] == ' ')
			n--;
		sql[n] = 0;
		const char *bn = builtin_name(sql);
		if (strlen(bn) >= sizeof base || !rcr_textout_printable("pg_catalog", bn, 0, r->lc_monetary)) {
			char shown[300];
			snprintf(shown, sizeof shown, "%.*s", (int)(end - s + 2 * array), s);
			return refuse(r, what, shown, bn);
		}
		memcpy(base, bn, strlen(bn) + 1);
	}
	if (!rcr_textout_supported(base) || (array && base[0] == '_'))
		return rcr_error_set(RCR_E_USAGE, "%s: type '%.*s' has no text output", what, (int)(end - s + 2 * array),
				     s);
	snprintf(name, NAME_CAP, "%s%s", array ? "_" : "", base);
	return 0;
}

int rcr_typeres_column(rcr_typeres *r, const rcr_column *c, const char **name)
{
	char buf[NAME_CAP], qual[RCR_SHOWN_SIZE + 8];
	const char *tn = c->type_name;
	int user = strcmp(c->type_schema, "pg_catalog") != 0; /* its ranges need their definitions */
	snprintf(qual, sizeof qual, "type '%s'", rcr_name_qualify(c->type_schema, tn).s);
	*name = NULL;
	if ((c->type_kind == 'c' && !find_entry(r, "TYPE", c->type_schema, tn)) ||
	    (tn[0] == '_' && c->elem_kind == 'c' && !find_entry(r, "TYPE", c->type_schema, tn + 1))) {
		/* A composite outside the dumped schema (rcr dump -t leaves its type out): print it
		 * as an anonymous record, whose fields must then be built-in types, checked per value. */
		snprintf(buf, sizeof buf, "%s", tn[0] == '_' ? "_record" : "record");
	} else if (tn[0] == '_' && (c->elem_kind == 'c' || c->elem_kind == 'd' || c->elem_kind == 'e' ||
				    (user && (c->elem_kind == 'r' || c->elem_kind == 'm')))) {
		/* An array of a user type: its element type has the name without the underscore. */
		buf[0] = '_';
		RCR_FORWARD(resolve_qualified(r, c->type_schema, tn + 1, buf + 1, qual, 0));
		if (buf[1] == '_' || !rcr_textout_supported(buf))
			return rcr_error_set(RCR_E_USAGE, "%s has no text output", qual);
	} else if (c->type_kind == 'e') {
		snprintf(buf, sizeof buf, "enum");
	} else if (c->type_kind == 'c' || (user && (c->type_kind == 'r' || c->type_kind == 'm'))) {
		RCR_FORWARD(resolve_qualified(r, c->type_schema, tn, buf, qual, 0));
	} else {
		/* A base type or a range, or an array of one: the question rcr dump asks too. */
		int arr = tn[0] == '_' && c->elem_kind;
		if (!rcr_textout_printable(c->type_schema, tn + arr, (char)(arr ? c->elem_kind : c->type_kind),
					   r->lc_monetary)) {
			if (strcmp(tn + arr, "money") == 0 && !user)
				return refuse(r, NULL, "pg_catalog.money", "money");
			return rcr_error_set(RCR_E_USAGE, "no text output for %s", qual);
		}
		snprintf(buf, sizeof buf, "%s", tn);
	}
	*name = intern(r, buf);
	return *name ? 0 : rcr_error_set(RCR_E_NOMEM, "out of memory");
}
