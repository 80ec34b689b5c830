/* pgtoc_test.c: tests src/pgarchive/pgtoc.c (pg_dump's directory-format toc.dat).
 *
 * The data are real toc.dat files from pg_dump 15.20 (tests/unit/pgarchive/data), each with the
 * `pg_restore -l -C` listing of the same archive, so the expected header fields and entries are
 * pg_restore's, not ours. They were made from one small database (three tables with rows, a
 * sequence used as a default, an index, a primary and a foreign key, a view, a comment, a SQL
 * function):
 *   pg_dump -Fd -f D tocdb                              -> pg15_full.toc.dat
 *   pg_dump -Fd -s -f D tocdb                           -> pg15_schema.toc.dat
 *   pg_dump -Fd --exclude-table-data=orders -f D tocdb  -> pg15_excl.toc.dat
 *   pg_restore -l -C D                                  -> pg15_*.list
 *
 * The 1.15 and 1.16 layouts are checked twice: by round trips through the library, and against
 * a second writer in this file, written from the byte tables of doc/pg-archive.md, which
 * also produces the intSize-8 archives the library reads but never writes.
 *
 * Usage: pgtoc_test [DATA_DIR [CASE_FILTER]]. Without DATA_DIR the data directory next to this
 * source file is used. `pgtoc_test --describe TOC_DAT` instead prints what the library reads
 * from a toc.dat (the version, the compression field, each data entry's dump id, desc and
 * file name, then every entry's dump id, stored relkind, namespace.tag and desc), for
 * integration tests that check what `rcr convert` wrote.
 *
 * pg15_kinds.toc.dat (with its .list) is pg_dump 15.20 -Fd of a database holding a relation of
 * every kind pg_dump 17 records a relkind for (ordinary, partitioned, sub-partitioned, view,
 * materialized view, foreign table) plus a sequence and a large object; the ordinary table has
 * a column named "PARTITION BY" whose default is a string spanning lines that holds
 * "\n)\nPARTITION BY '". */
#include "../test.h"

#include "rcr/buf.h"
#include "rcr/fsutil.h"
#include "rcr/pgtoc.h"

static const char *data_dir;

typedef struct toc_file {
	const char *name;     /* under data_dir, without .toc.dat / .list */
	int nentries;         /* "TOC Entries" of pg_restore -l */
	int ndata;            /* TABLE DATA entries */
} toc_file;

static const toc_file files[] = {
	{"pg15_full", 18, 3},
	{"pg15_schema", 14, 0},
	{"pg15_excl", 17, 2},
};
#define NFILES (sizeof files / sizeof files[0])

#define SERVER_VERSION "15.20 (Debian 15.20-0+deb12u1)"

/* Reads data_dir/name+suffix into an exact-size heap copy (so ASan sees any over-read). */
static uint8_t *load(size_t *len, const char *name, const char *suffix)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/%s%s", data_dir, name, suffix);
	rcr_buf b = RCR_BUF_INIT;
	int rc = rcr_fs_read_file(&b, path, 1 << 20);
	if (rc < 0) {
		test_fail_(__FILE__, __LINE__, "cannot read '%s': %s", path, rcr_error_message());
		rcr_buf_free(&b);
		return NULL;
	}
	uint8_t *p = malloc(b.len + 1);
	if (!p)
		abort();
	if (b.len)
		memcpy(p, b.data, b.len);
	p[b.len] = 0; /* the .list files are read as text */
	*len = b.len;
	rcr_buf_free(&b);
	return p;
}

static rcr_toc *load_toc(const char *name, uint8_t **bytes, size_t *len)
{
	*bytes = load(len, name, ".toc.dat");
	if (!*bytes)
		return NULL;
	rcr_toc *t = NULL;
	int rc = rcr_toc_decode(&t, *bytes, *len);
	if (rc < 0)
		test_fail_(__FILE__, __LINE__, "%s: decode returned %s: %s", name, rcr_err_name(rc), rcr_error_message());
	return t;
}

static int streq(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

static int is_special(const rcr_toc_entry *e)
{
	return streq(e->desc, "ENCODING") || streq(e->desc, "STDSTRINGS") || streq(e->desc, "SEARCHPATH");
}

static const rcr_toc_entry *find(const rcr_toc *t, const char *desc, const char *tag)
{
	for (int i = 0; i < t->nentries; i++)
		if (streq(t->entries[i].desc, desc) && streq(t->entries[i].tag, tag))
			return &t->entries[i];
	return NULL;
}

static const rcr_toc_entry *find_id(const rcr_toc *t, int dump_id)
{
	for (int i = 0; i < t->nentries; i++)
		if (t->entries[i].dump_id == dump_id)
			return &t->entries[i];
	return NULL;
}

/* Every field of a and b, NULL and "" distinct; `what` names the comparison in failures. */
static void check_toc_equal(const rcr_toc *a, const rcr_toc *b, const char *what)
{
	const int fails = test_failures_;
#define EQ_INT(f) do { if (a->f != b->f) test_fail_(__FILE__, __LINE__, "%s: %s %d != %d", what, #f, a->f, b->f); } while (0)
#define EQ_STR(x, y, f) do { if (!streq(x->f, y->f)) test_fail_(__FILE__, __LINE__, "%s: %s '%s' != '%s'", what, #f, \
	x->f ? x->f : "(null)", y->f ? y->f : "(null)"); } while (0)
	EQ_INT(vmaj);
	EQ_INT(vmin);
	EQ_INT(vrev);
	EQ_INT(int_size);
	EQ_INT(off_size);
	EQ_INT(format);
	EQ_INT(compression);
	for (int i = 0; i < 7; i++)
		EQ_INT(tm[i]);
	EQ_STR(a, b, dbname);
	EQ_STR(a, b, server_version);
	EQ_STR(a, b, pgdump_version);
	EQ_INT(nentries);
	for (int i = 0; i < a->nentries && i < b->nentries && test_failures_ - fails < 5; i++) {
		const rcr_toc_entry *x = &a->entries[i], *y = &b->entries[i];
#undef EQ_INT
#define EQ_INT(f) do { if (x->f != y->f) test_fail_(__FILE__, __LINE__, "%s: entry %d: %s %d != %d", what, i, #f, x->f, y->f); } while (0)
		EQ_INT(dump_id);
		EQ_INT(had_dumper);
		EQ_INT(section);
		EQ_INT(relkind);
		EQ_INT(ndeps);
		EQ_STR(x, y, tableoid);
		EQ_STR(x, y, oid);
		EQ_STR(x, y, tag);
		EQ_STR(x, y, desc);
		EQ_STR(x, y, defn);
		EQ_STR(x, y, drop_stmt);
		EQ_STR(x, y, copy_stmt);
		EQ_STR(x, y, namespace_);
		EQ_STR(x, y, tablespace);
		EQ_STR(x, y, tableam);
		EQ_STR(x, y, owner);
		EQ_STR(x, y, with_oids);
		EQ_STR(x, y, filename);
		for (int d = 0; d < x->ndeps && d < y->ndeps; d++)
			if (!streq(x->deps[d], y->deps[d]))
				test_fail_(__FILE__, __LINE__, "%s: entry %d: dep %d '%s' != '%s'", what, i, d, x->deps[d], y->deps[d]);
	}
#undef EQ_INT
#undef EQ_STR
}

/* ---- a second writer, from the reference (pg_backup_archiver.c WriteInt/WriteStr/WriteHead/
 * WriteToc, pg_backup_directory.c _WriteExtraToc), with a choice of intSize ---- */

static void put_int(rcr_buf *b, int v, int isz)
{
	uint8_t t[9] = {0};
	t[0] = v < 0;
	uint64_t m = v < 0 ? (uint64_t)(-(int64_t)v) : (uint64_t)v;
	for (int i = 0; i < isz; i++)
		t[1 + i] = (uint8_t)(m >> (8 * i));
	if (rcr_buf_append(b, t, 1 + (size_t)isz) < 0)
		abort();
}

static void put_str(rcr_buf *b, const char *s, int isz)
{
	if (!s) {
		put_int(b, -1, isz);
		return;
	}
	put_int(b, (int)strlen(s), isz);
	if (rcr_buf_append(b, s, strlen(s)) < 0)
		abort();
}

static void ref_encode(rcr_buf *b, const rcr_toc *t, int isz)
{
	const uint8_t head[11] = {'P', 'G', 'D', 'M', 'P', 1, (uint8_t)t->vmin, 0, (uint8_t)isz, 8, 3};
	if (rcr_buf_append(b, head, sizeof head) < 0)
		abort();
	if (t->vmin >= 15) {
		if (rcr_buf_append_u8(b, (uint8_t)t->compression) < 0)
			abort();
	} else {
		put_int(b, t->compression, isz);
	}
	for (int i = 0; i < 7; i++)
		put_int(b, t->tm[i], isz);
	put_str(b, t->dbname, isz);
	put_str(b, t->server_version, isz);
	put_str(b, t->pgdump_version, isz);
	put_int(b, t->nentries, isz);
	for (int i = 0; i < t->nentries; i++) {
		const rcr_toc_entry *e = &t->entries[i];
		put_int(b, e->dump_id, isz);
		put_int(b, e->had_dumper, isz);
		put_str(b, e->tableoid, isz);
		put_str(b, e->oid, isz);
		put_str(b, e->tag, isz);
		put_str(b, e->desc, isz);
		put_int(b, e->section, isz);
		put_str(b, e->defn, isz);
		put_str(b, e->drop_stmt, isz);
		put_str(b, e->copy_stmt, isz);
		put_str(b, e->namespace_, isz);
		put_str(b, e->tablespace, isz);
		put_str(b, e->tableam, isz);
		if (t->vmin >= 16)
			put_int(b, e->relkind, isz);
		put_str(b, e->owner, isz);
		put_str(b, e->with_oids, isz);
		for (int d = 0; d < e->ndeps; d++)
			put_str(b, e->deps[d], isz);
		put_str(b, NULL, isz);
		put_str(b, e->filename ? e->filename : "", isz);
	}
}

/* Byte offset of the entry count in an intSize-4 file of this toc. */
static size_t count_offset(const rcr_toc *t)
{
	return 11u + (t->vmin >= 15 ? 1u : 5u) + 7u * 5u + 5 + strlen(t->dbname) + 5 + strlen(t->server_version) + 5 +
	       strlen(t->pgdump_version);
}

static void store_int(uint8_t *p, int sign, uint32_t magnitude)
{
	p[0] = (uint8_t)sign;
	rcr_store_u32le(p + 1, magnitude);
}

/* Decodes an exact-size heap copy of p[0..len) and requires `want` (and *out NULL on failure). */
static int decode_copy(const uint8_t *p, size_t len, rcr_toc **keep)
{
	uint8_t *c = malloc(len ? len : 1);
	if (!c)
		abort();
	if (len)
		memcpy(c, p, len);
	rcr_toc *t = (rcr_toc *)(uintptr_t)1;
	int rc = rcr_toc_decode(&t, c, len);
	free(c);
	if (rc < 0 && t != NULL)
		test_fail_(__FILE__, __LINE__, "a failed decode left *out set");
	if (keep)
		*keep = rc < 0 ? NULL : t;
	else if (rc == 0)
		rcr_toc_free(t);
	return rc;
}

/* ---- the cases ---- */

/* Header fields against pg_restore's own summary of the same archive. */
static void test_pgtoc__header_matches_pg_restore(void)
{
	for (size_t f = 0; f < NFILES; f++) {
		uint8_t *bytes;
		size_t len, list_len;
		rcr_toc *t = load_toc(files[f].name, &bytes, &len);
		char *list = (char *)load(&list_len, files[f].name, ".list");
		if (!t || !list) {
			rcr_toc_free(t);
			free(bytes);
			free(list);
			continue;
		}
		CHECK_EQ_U64(t->vmaj, 1);
		CHECK_EQ_U64(t->vmin, 14);
		CHECK_EQ_U64(t->vrev, 0);
		CHECK_EQ_U64(t->int_size, 4);
		CHECK_EQ_U64(t->off_size, 8);
		CHECK_EQ_U64(t->format, 3);
		CHECK(t->compression == -1); /* pg_dump 15's default: gzip at the default level */
		CHECK_STR(t->dbname, "tocdb");
		CHECK_STR(t->server_version, SERVER_VERSION);
		CHECK_STR(t->pgdump_version, SERVER_VERSION);
		CHECK(t->nentries == files[f].nentries);

		/* the same facts as pg_restore -l printed them */
		int toc_entries = -1, compression = 99, year, mon, mday, hour, min, sec;
		char dbname[64] = "", from[128] = "", by[128] = "", created[64] = "";
		for (char *line = list; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
			sscanf(line, ";     TOC Entries: %d", &toc_entries);
			sscanf(line, ";     Compression: %d", &compression);
			sscanf(line, ";     dbname: %63[^\n]", dbname);
			sscanf(line, ";     Dumped from database version: %127[^\n]", from);
			sscanf(line, ";     Dumped by pg_dump version: %127[^\n]", by);
			sscanf(line, "; Archive created at %63[^\n]", created);
		}
		CHECK(toc_entries == t->nentries);
		CHECK(compression == t->compression);
		CHECK_STR(dbname, t->dbname);
		CHECK_STR(from, t->server_version);
		CHECK_STR(by, t->pgdump_version);
		/* The cluster ran in UTC, so the broken-down local time is the printed one. */
		CHECK(sscanf(created, "%d-%d-%d %d:%d:%d UTC", &year, &mon, &mday, &hour, &min, &sec) == 6);
		CHECK(t->tm[0] == sec && t->tm[1] == min && t->tm[2] == hour && t->tm[3] == mday &&
		      t->tm[4] == mon - 1 && t->tm[5] == year - 1900 && t->tm[6] == 0);
		rcr_toc_free(t);
		free(bytes);
		free(list);
	}
}

/* Every entry pg_restore -l -C lists, in order, as PrintTOCSummary prints it; the three special
 * entries come first and are never listed, so nentries = listed + 3. */
static void test_pgtoc__entries_match_pg_restore_list(void)
{
	for (size_t f = 0; f < NFILES; f++) {
		uint8_t *bytes;
		size_t len, list_len;
		rcr_toc *t = load_toc(files[f].name, &bytes, &len);
		char *list = (char *)load(&list_len, files[f].name, ".list");
		if (!t || !list) {
			rcr_toc_free(t);
			free(bytes);
			free(list);
			continue;
		}
		REQUIRE(t->nentries >= 3);
		CHECK_STR(t->entries[0].desc, "ENCODING");
		CHECK_STR(t->entries[1].desc, "STDSTRINGS");
		CHECK_STR(t->entries[2].desc, "SEARCHPATH");
		int listed = 0, i = 3;
		for (char *line = list; line && *line;) {
			char *nl = strchr(line, '\n');
			if (nl)
				*nl = 0;
			if (line[0] != ';' && line[0]) {
				listed++;
				while (i < t->nentries && is_special(&t->entries[i]))
					i++;
				if (i >= t->nentries) {
					test_fail_(__FILE__, __LINE__, "%s: no entry for '%s'", files[f].name, line);
				} else {
					const rcr_toc_entry *e = &t->entries[i++];
					char mine[1024];
					snprintf(mine, sizeof mine, "%d; %lu %lu %s %s %s %s", e->dump_id,
						 strtoul(e->tableoid, NULL, 10), strtoul(e->oid, NULL, 10), e->desc,
						 e->namespace_ && e->namespace_[0] ? e->namespace_ : "-", e->tag,
						 e->owner ? e->owner : "");
					CHECK_STR(mine, line);
				}
			}
			line = nl ? nl + 1 : NULL;
		}
		CHECK(listed + 3 == t->nentries);
		CHECK(i == t->nentries);
		int ndata = 0;
		for (int k = 0; k < t->nentries; k++)
			ndata += streq(t->entries[k].desc, "TABLE DATA");
		CHECK(ndata == files[f].ndata);
		rcr_toc_free(t);
		free(bytes);
		free(list);
	}
}

/* Known entries of the full dump, field by field (values read from pg_dump's output). */
static void test_pgtoc__known_entries(void)
{
	uint8_t *bytes;
	size_t len;
	rcr_toc *t = load_toc("pg15_full", &bytes, &len);
	REQUIRE(t);

	const char *special_defn[3] = {"SET client_encoding = 'UTF8';\n", "SET standard_conforming_strings = 'on';\n",
				       "SELECT pg_catalog.set_config('search_path', '', false);\n"};
	for (int i = 0; i < 3; i++) {
		const rcr_toc_entry *e = &t->entries[i];
		CHECK_STR(e->tag, e->desc);
		CHECK_STR(e->defn, special_defn[i]);
		CHECK(e->section == RCR_TOC_SECTION_PRE && e->had_dumper == 0 && e->ndeps == 0);
		CHECK_STR(e->tableoid, "0");
		CHECK_STR(e->oid, "0");
		CHECK(!e->drop_stmt && !e->copy_stmt && !e->namespace_ && !e->tablespace && !e->tableam && !e->owner);
		CHECK(!e->filename);
	}

	const rcr_toc_entry *tab = find(t, "TABLE", "items");
	REQUIRE(tab);
	CHECK(tab->dump_id == 214 && tab->had_dumper == 0 && tab->section == RCR_TOC_SECTION_PRE);
	CHECK_STR(tab->tableoid, "1259");
	CHECK_STR(tab->oid, "16386");
	CHECK_STR(tab->defn, "CREATE TABLE public.items (\n    id bigint NOT NULL,\n    name text NOT NULL,\n"
			     "    price numeric(10,2)\n);\n");
	CHECK_STR(tab->drop_stmt, "DROP TABLE public.items;\n");
	CHECK(tab->copy_stmt == NULL);
	CHECK_STR(tab->namespace_, "public");
	CHECK_STR(tab->tablespace, ""); /* "" = the database default, distinct from NULL */
	CHECK_STR(tab->tableam, "heap");
	CHECK_STR(tab->owner, "postgres");
	CHECK_STR(tab->with_oids, "false");
	CHECK(tab->relkind == 0 && tab->ndeps == 0 && tab->filename == NULL);

	const rcr_toc_entry *data = find(t, "TABLE DATA", "items");
	REQUIRE(data);
	CHECK(data->dump_id == 3358 && data->had_dumper == 1 && data->section == RCR_TOC_SECTION_DATA);
	CHECK_STR(data->tableoid, "0");
	CHECK_STR(data->oid, "16386");
	CHECK(data->defn == NULL && data->drop_stmt == NULL);
	CHECK_STR(data->copy_stmt, "COPY public.items (id, name, price) FROM stdin;\n");
	CHECK_STR(data->namespace_, "public");
	CHECK(data->tablespace == NULL && data->tableam == NULL);
	CHECK_STR(data->owner, "postgres");
	REQUIRE(data->ndeps == 1);
	CHECK_STR(data->deps[0], "214");
	CHECK_STR(data->filename, "3358.dat");

	/* Every TABLE DATA: first dependency is its TABLE (same oid), file "<dumpId>.dat". */
	for (int i = 0; i < t->nentries; i++) {
		const rcr_toc_entry *e = &t->entries[i];
		char want[32];
		if (!streq(e->desc, "TABLE DATA")) {
			CHECK(e->filename == NULL);
			continue;
		}
		snprintf(want, sizeof want, "%d.dat", e->dump_id);
		CHECK_STR(e->filename, want);
		REQUIRE(e->ndeps >= 1);
		const rcr_toc_entry *owner = find_id(t, atoi(e->deps[0]));
		CHECK(owner && streq(owner->desc, "TABLE") && streq(owner->oid, e->oid) && streq(owner->tag, e->tag));
	}

	const rcr_toc_entry *fk = find(t, "FK CONSTRAINT", "tags tags_item_id_fkey");
	REQUIRE(fk && fk->ndeps == 3);
	CHECK(fk->section == RCR_TOC_SECTION_POST);
	CHECK_STR(fk->deps[0], "3212");
	CHECK_STR(fk->deps[1], "214");
	CHECK_STR(fk->deps[2], "215");

	const rcr_toc_entry *e;
	CHECK((e = find(t, "SEQUENCE", "order_seq")) && e->defn && strstr(e->defn, "START WITH 100"));
	CHECK((e = find(t, "SEQUENCE SET", "order_seq")) && e->section == RCR_TOC_SECTION_DATA &&
	      streq(e->defn, "SELECT pg_catalog.setval('public.order_seq', 102, true);\n"));
	CHECK((e = find(t, "INDEX", "orders_item_idx")) && e->section == RCR_TOC_SECTION_POST &&
	      streq(e->defn, "CREATE INDEX orders_item_idx ON public.orders USING btree (item_id);\n"));
	CHECK((e = find(t, "VIEW", "cheap_items")) && e->ndeps == 3 && e->tableam == NULL);
	CHECK((e = find(t, "COMMENT", "TABLE items")) && e->section == RCR_TOC_SECTION_NONE &&
	      streq(e->defn, "COMMENT ON TABLE public.items IS 'things we sell';\n"));
	const char *fn_head = "CREATE FUNCTION public.total_qty(bigint) RETURNS bigint\n";
	CHECK((e = find(t, "FUNCTION", "total_qty(bigint)")) && e->defn && strncmp(e->defn, fn_head, strlen(fn_head)) == 0);
	CHECK((e = find(t, "DATABASE", "tocdb")) && streq(e->drop_stmt, "DROP DATABASE tocdb;\n"));
	rcr_toc_free(t);
	free(bytes);
}

/* What -s and --exclude-table-data leave out. */
static void test_pgtoc__schema_only_and_excluded_data(void)
{
	uint8_t *b1, *b2;
	size_t l1, l2;
	rcr_toc *s = load_toc("pg15_schema", &b1, &l1);
	rcr_toc *x = load_toc("pg15_excl", &b2, &l2);
	if (s) {
		CHECK(find(s, "TABLE", "orders") != NULL);
		CHECK(find(s, "SEQUENCE SET", "order_seq") == NULL);
		for (int i = 0; i < s->nentries; i++)
			CHECK(s->entries[i].had_dumper == 0 && s->entries[i].filename == NULL);
	}
	if (x) {
		CHECK(find(x, "TABLE", "orders") != NULL);
		CHECK(find(x, "TABLE DATA", "orders") == NULL);
		CHECK(find(x, "TABLE DATA", "items") != NULL);
		CHECK(find(x, "SEQUENCE SET", "order_seq") != NULL);
	}
	rcr_toc_free(s);
	rcr_toc_free(x);
	free(b1);
	free(b2);
}

/* pg_dump's bytes re-encode to exactly pg_dump's bytes, and the second writer agrees. */
static void test_pgtoc__reencode_is_byte_identical(void)
{
	for (size_t f = 0; f < NFILES; f++) {
		uint8_t *bytes;
		size_t len;
		rcr_toc *t = load_toc(files[f].name, &bytes, &len);
		if (!t) {
			free(bytes);
			continue;
		}
		rcr_buf out = RCR_BUF_INIT, ref = RCR_BUF_INIT;
		CHECK_RC(rcr_toc_encode(&out, t), 0);
		CHECK_MEM(out.data, out.len, bytes, len);
		ref_encode(&ref, t, 4);
		CHECK_MEM(ref.data, ref.len, bytes, len);
		rcr_buf_free(&out);
		rcr_buf_free(&ref);
		rcr_toc_free(t);
		free(bytes);
	}
}

/* Rewritten as 1.15 and 1.16, every field survives; the layouts match the second writer, and
 * differ from 1.14 exactly by the compression byte and one relkind int per entry. */
static void test_pgtoc__versions_15_and_16_round_trip(void)
{
	for (size_t f = 0; f < NFILES; f++) {
		uint8_t *bytes;
		size_t len;
		rcr_toc *t = load_toc(files[f].name, &bytes, &len);
		if (!t) {
			free(bytes);
			continue;
		}
		for (int vmin = 15; vmin <= 16; vmin++) {
			char what[64];
			snprintf(what, sizeof what, "%s as 1.%d", files[f].name, vmin);
			t->vmin = vmin;
			t->compression = 3; /* zstd */
			for (int i = 0; i < t->nentries; i++) {
				rcr_toc_entry *e = &t->entries[i];
				e->relkind = vmin < 16 ? 0 : streq(e->desc, "TABLE") ? 'r' : streq(e->desc, "VIEW") ? 'v' : 0;
			}
			rcr_buf out = RCR_BUF_INIT, ref = RCR_BUF_INIT;
			CHECK_RC(rcr_toc_encode(&out, t), 0);
			ref_encode(&ref, t, 4);
			CHECK_MEM(out.data, out.len, ref.data, ref.len);
			size_t want_len = len - 4 + (vmin == 16 ? 5 * (size_t)t->nentries : 0);
			CHECK_EQ_U64(out.len, want_len);
			if (out.len > 11) {
				CHECK_EQ_U64(out.data[6], vmin);
				CHECK_EQ_U64(out.data[11], 3);
			}
			rcr_toc *back = NULL;
			CHECK_RC(decode_copy(out.data, out.len, &back), 0);
			if (back) {
				check_toc_equal(back, t, what);
				rcr_buf again = RCR_BUF_INIT;
				CHECK_RC(rcr_toc_encode(&again, back), 0);
				CHECK_MEM(again.data, again.len, out.data, out.len);
				rcr_buf_free(&again);
				rcr_toc_free(back);
			}
			rcr_buf_free(&out);
			rcr_buf_free(&ref);
		}
		rcr_toc_free(t);
		free(bytes);
	}
}

/* intSize 8 (written by the second writer) reads to the same fields; a magnitude beyond int
 * does not. */
static void test_pgtoc__int_size_8(void)
{
	uint8_t *bytes;
	size_t len;
	rcr_toc *t = load_toc("pg15_full", &bytes, &len);
	REQUIRE(t);
	for (int vmin = 14; vmin <= 16; vmin++) {
		t->vmin = vmin;
		t->compression = vmin == 14 ? -1 : 1;
		rcr_buf b = RCR_BUF_INIT;
		ref_encode(&b, t, 8);
		rcr_toc *back = NULL;
		CHECK_RC(decode_copy(b.data, b.len, &back), 0);
		if (back) {
			CHECK(back->int_size == 8);
			back->int_size = 4;
			check_toc_equal(back, t, "intSize 8");
			rcr_toc_free(back);
		}
		/* the dbname length, 9 bytes after the header's 7 ints: set a byte above bit 31 */
		size_t dbname_len_at = 11 + (vmin >= 15 ? 1 : 9) + 7 * 9;
		CHECK_EQ_U64(b.data[dbname_len_at + 1], strlen(t->dbname));
		b.data[dbname_len_at + 5] = 1;
		CHECK_RC(decode_copy(b.data, b.len, NULL), RCR_E_FORMAT);
		rcr_buf_free(&b);
	}
	rcr_toc_free(t);
	free(bytes);
}

/* Every proper prefix, and the whole with a byte appended, is refused with RCR_E_FORMAT. */
static void test_pgtoc__every_truncation_is_rejected(void)
{
	for (size_t f = 0; f < NFILES; f++) {
		uint8_t *bytes;
		size_t len;
		rcr_toc *t = load_toc(files[f].name, &bytes, &len);
		if (!t) {
			free(bytes);
			continue;
		}
		for (int vmin = 14; vmin <= 16; vmin++) {
			t->vmin = vmin;
			t->compression = vmin == 14 ? -1 : 0;
			rcr_buf b = RCR_BUF_INIT;
			REQUIRE_OK(rcr_toc_encode(&b, t));
			int bad = 0;
			for (size_t n = 0; n < b.len; n++) {
				int rc = decode_copy(b.data, n, NULL);
				if (rc != RCR_E_FORMAT && bad++ < 3)
					test_fail_(__FILE__, __LINE__, "%s 1.%d: prefix of %zu bytes returned %d (%s)", files[f].name,
						   vmin, n, rc, rcr_err_name(rc));
			}
			CHECK_RC(decode_copy(b.data, b.len, NULL), 0);
			if (rcr_buf_append_u8(&b, 0) < 0)
				abort();
			CHECK_RC(decode_copy(b.data, b.len, NULL), RCR_E_FORMAT);
			rcr_buf_free(&b);
		}
		rcr_toc_free(t);
		free(bytes);
	}
}

/* Counts and lengths that promise more than the file holds, and malformed ints. */
static void test_pgtoc__hostile_counts_and_lengths(void)
{
	uint8_t *bytes;
	size_t len;
	rcr_toc *t = load_toc("pg15_full", &bytes, &len);
	REQUIRE(t);
	const size_t at = count_offset(t);
	REQUIRE(at + 5 < len);
	CHECK_EQ_U64(rcr_load_u32le(bytes + at + 1), 18);
	uint8_t *c = malloc(len);
	REQUIRE(c);
	const size_t dbname_at = at - (5 + strlen(t->pgdump_version)) - (5 + strlen(t->server_version)) -
				 (5 + strlen(t->dbname));
	const size_t first_entry = at + 5;
	const size_t last_str = len - 5; /* the last entry's filename, "" */
	const rcr_toc_entry *e0 = &t->entries[0];
	const size_t first_section = first_entry + 10 + 5 + strlen(e0->tableoid) + 5 + strlen(e0->oid) + 5 +
				     strlen(e0->tag) + 5 + strlen(e0->desc);
	CHECK_EQ_U64(rcr_load_u32le(bytes + first_section + 1), RCR_TOC_SECTION_PRE);
	CHECK_EQ_U64(rcr_load_u32le(bytes + first_entry + 1), (uint32_t)e0->dump_id);
	static const struct {
		const char *what;
		int where; /* 0 entry count, 1 dbname length, 2 last string, 3 first dump id, 4 first section */
		int sign;
		uint32_t value;
	} cases[] = {
		{"entry count 0x7fffffff", 0, 0, 0x7FFFFFFF},
		{"entry count 0xffffffff", 0, 0, 0xFFFFFFFF},
		{"entry count -1", 0, 1, 1},
		{"entry count 1000 (more than the bytes allow)", 0, 0, 1000},
		{"entry count 19 (one too many)", 0, 0, 19},
		{"entry count 17 (one too few: bytes left over)", 0, 0, 17},
		{"entry count 0 (bytes left over)", 0, 0, 0},
		{"entry count with sign byte 2", 0, 2, 18},
		{"dbname length 0x7fffffff", 1, 0, 0x7FFFFFFF},
		{"dbname length past the end", 1, 0, 0},    /* value filled in below */
		{"dbname length -2", 1, 1, 2},
		{"dbname length 0x80000000", 1, 0, 0x80000000},
		{"dbname length -0x80000000", 1, 1, 0x80000000}, /* -(int)INT_MIN would overflow: UBSan */
		{"dbname length -0xffffffff", 1, 1, 0xFFFFFFFF},
		{"last string length 1 at the end", 2, 0, 1},
		{"last string length 0x7fffffff", 2, 0, 0x7FFFFFFF},
		{"dump id 0", 3, 0, 0},
		{"dump id -5", 3, 1, 5},
		{"section 0xffffffff (not an int)", 4, 0, 0xFFFFFFFF},
		{"section with sign byte 0xff", 4, 0xFF, 2},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		memcpy(c, bytes, len);
		const size_t places[] = {at, dbname_at, last_str, first_entry, first_section};
		size_t where = places[cases[i].where];
		uint32_t v = cases[i].value;
		if (cases[i].where == 1 && v == 0)
			v = (uint32_t)(len - dbname_at - 5 + 1);
		store_int(c + where, cases[i].sign, v);
		int rc = decode_copy(c, len, NULL);
		if (rc != RCR_E_FORMAT)
			test_fail_(__FILE__, __LINE__, "%s: returned %d (%s), expected RCR_E_FORMAT", cases[i].what, rc,
				   rcr_err_name(rc));
	}
	/* the unpatched copy still decodes, so each case failed for its own reason */
	memcpy(c, bytes, len);
	CHECK_RC(decode_copy(c, len, NULL), 0);
	free(c);

	/* a header with an entry count of 0x7fffffff and nothing after it: no huge allocation */
	rcr_buf b = RCR_BUF_INIT;
	if (rcr_buf_append(&b, bytes, at) < 0)
		abort();
	put_int(&b, 0x7FFFFFFF, 4);
	CHECK_RC(decode_copy(b.data, b.len, NULL), RCR_E_FORMAT);
	/* and with 0 entries and nothing after it: a valid, empty toc */
	b.len = at;
	put_int(&b, 0, 4);
	rcr_toc *empty = NULL;
	CHECK_RC(decode_copy(b.data, b.len, &empty), 0);
	if (empty) {
		CHECK(empty->nentries == 0);
		CHECK_STR(empty->dbname, "tocdb");
		rcr_toc_free(empty);
	}
	rcr_buf_free(&b);
	rcr_toc_free(t);
	free(bytes);
}

/* Magic, version, intSize and format byte; and the writer's refusals. */
static void test_pgtoc__bad_headers(void)
{
	uint8_t *bytes;
	size_t len;
	rcr_toc *t = load_toc("pg15_schema", &bytes, &len);
	REQUIRE(t);
	uint8_t *c = malloc(len);
	REQUIRE(c);
	static const struct {
		const char *what;
		size_t at;
		uint8_t value;
		int want;
	} cases[] = {
		{"magic PGDMQ", 4, 'Q', RCR_E_FORMAT},
		{"magic pGDMP", 0, 'p', RCR_E_FORMAT},
		{"version 0.14", 5, 0, RCR_E_VERSION},
		{"version 2.14", 5, 2, RCR_E_VERSION},
		{"version 1.13", 6, 13, RCR_E_VERSION},
		{"version 1.12", 6, 12, RCR_E_VERSION},
		{"version 1.17", 6, 17, RCR_E_VERSION},
		{"version 1.255", 6, 255, RCR_E_VERSION},
		{"intSize 3", 8, 3, RCR_E_VERSION},
		{"intSize 0", 8, 0, RCR_E_VERSION},
		{"intSize 5", 8, 5, RCR_E_VERSION},
		{"format 5 (archDirectory)", 10, 5, RCR_E_FORMAT},
		{"format 1 (archCustom)", 10, 1, RCR_E_FORMAT},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		memcpy(c, bytes, len);
		c[cases[i].at] = cases[i].value;
		int rc = decode_copy(c, len, NULL);
		if (rc != cases[i].want)
			test_fail_(__FILE__, __LINE__, "%s: returned %d (%s), expected %s", cases[i].what, rc, rcr_err_name(rc),
				   rcr_err_name(cases[i].want));
	}
	free(c);
	CHECK_RC(decode_copy((const uint8_t *)"PGDMP", 5, NULL), RCR_E_FORMAT);
	CHECK_RC(decode_copy((const uint8_t *)"", 0, NULL), RCR_E_FORMAT);

	rcr_buf b = RCR_BUF_INIT;
	t->vmin = 13;
	CHECK_RC(rcr_toc_encode(&b, t), RCR_E_USAGE);
	t->vmin = 17;
	CHECK_RC(rcr_toc_encode(&b, t), RCR_E_USAGE);
	t->vmin = 14;
	t->vmaj = 2;
	CHECK_RC(rcr_toc_encode(&b, t), RCR_E_USAGE);
	CHECK(b.len == 0);
	rcr_buf_free(&b);
	rcr_toc_free(t);
	free(bytes);
}

/* A toc built in memory, as `rcr convert` builds one: NULL, "" and empty dependency lists
 * survive, and a NULL filename is written as "" (read back as NULL). */
static void test_pgtoc__built_in_memory(void)
{
	rcr_toc_entry e[2] = {{0}};
	e[0] = (rcr_toc_entry){.dump_id = 7, .tableoid = "1259", .oid = "1", .tag = "", .desc = "TABLE",
			       .section = RCR_TOC_SECTION_PRE, .defn = "CREATE TABLE public.\"t\"\"x\" (\n);\n",
			       .tablespace = "", .tableam = "heap", .relkind = 'r', .owner = "", .with_oids = "false"};
	char *deps[] = {"7"};
	e[1] = (rcr_toc_entry){.dump_id = 0x7FFFFFFF, .had_dumper = 1, .tableoid = "0", .oid = "1", .tag = "t\"x",
			       .desc = "TABLE DATA", .section = RCR_TOC_SECTION_DATA,
			       .copy_stmt = "COPY public.\"t\"\"x\"  FROM stdin;\n", .ndeps = 1, .deps = deps,
			       .filename = "2147483647.dat"};
	rcr_toc t = {.vmaj = 1, .vmin = 16, .int_size = 4, .off_size = 8, .format = 3, .compression = 0,
		     .tm = {59, 59, 23, 31, 11, 200, -1}, .dbname = "", .server_version = "15.20", .pgdump_version = NULL,
		     .nentries = 2, .entries = e};
	for (int vmin = 14; vmin <= 16; vmin++) {
		t.vmin = vmin;
		e[0].relkind = vmin == 16 ? 'r' : 0;
		rcr_buf b = RCR_BUF_INIT, ref = RCR_BUF_INIT;
		REQUIRE_OK(rcr_toc_encode(&b, &t));
		ref_encode(&ref, &t, 4);
		CHECK_MEM(b.data, b.len, ref.data, ref.len);
		rcr_toc *back = NULL;
		CHECK_RC(decode_copy(b.data, b.len, &back), 0);
		if (back) {
			check_toc_equal(back, &t, "built in memory");
			rcr_toc_free(back);
		}
		rcr_buf_free(&b);
		rcr_buf_free(&ref);
	}
	rcr_toc_free(NULL);
}

/* Every entry of a real pg_dump 15 archive gets the relkind pg_dump 17 would record. */
static void test_pgtoc__relkind_of_every_kind(void)
{
	size_t len;
	uint8_t *p = load(&len, "pg15_kinds", ".toc.dat");
	rcr_toc *t = NULL;
	if (!p)
		return;
	CHECK_RC(rcr_toc_decode(&t, p, len), 0);
	free(p);
	if (!t)
		return;
	static const struct {
		const char *desc, *tag;
		int relkind;
	} want[] = {
		{"TABLE", "docs", 'r'},
		{"TABLE", "meas", 'p'},
		{"TABLE", "meas_2024", 'p'},
		{"TABLE", "meas_2024_1", 'r'},
		{"TABLE", "meas_2025", 'r'},
		{"VIEW", "v", 'v'},
		{"MATERIALIZED VIEW", "mv", 'm'},
		{"FOREIGN TABLE", "ft", 'f'},
		{"SEQUENCE", "sq", 0},
		{"SEQUENCE SET", "sq", 0},
		{"TABLE DATA", "docs", 0},
		{"TABLE DATA", "meas_2025", 0},
		{"TABLE ATTACH", "meas_2024", 0},
		{"MATERIALIZED VIEW DATA", "mv", 0},
		{"BLOB", "16394", 0},
		{"BLOBS", "BLOBS", 0},
		{"CONSTRAINT", "docs docs_pkey", 0},
		{"ENCODING", "ENCODING", 0},
	};
	for (size_t w = 0; w < sizeof want / sizeof want[0]; w++) {
		int seen = 0;
		for (int i = 0; i < t->nentries; i++) {
			const rcr_toc_entry *e = &t->entries[i];
			if (!e->desc || !e->tag || strcmp(e->desc, want[w].desc) != 0 || strcmp(e->tag, want[w].tag) != 0)
				continue;
			seen = 1;
			CHECK_EQ_U64(e->relkind, 0); /* 1.14 stores none */
			if (rcr_toc_entry_relkind(e) != want[w].relkind)
				test_fail_(__FILE__, __LINE__, "%s '%s': relkind %d, want %d", want[w].desc, want[w].tag,
					   rcr_toc_entry_relkind(e), want[w].relkind);
		}
		if (!seen)
			test_fail_(__FILE__, __LINE__, "no %s entry '%s' in pg15_kinds", want[w].desc, want[w].tag);
	}
	rcr_toc_free(t);
}

/* The PARTITION BY clause counts only where pg_dump puts it, not inside quoted text. */
static void test_pgtoc__relkind_from_create_table(void)
{
	static const struct {
		const char *defn;
		int relkind;
	} cases[] = {
		{"CREATE TABLE public.p (\n    a integer\n)\nPARTITION BY RANGE (a);\n", 'p'},
		{"CREATE TABLE public.p (\n)\nPARTITION BY HASH (a);\n", 'p'},
		{"CREATE UNLOGGED TABLE public.p (\n    a integer\n)\nPARTITION BY LIST (a);\n", 'p'},
		{"CREATE TABLE public.t (\n    a integer\n);\n", 'r'},
		{"CREATE TABLE public.t (\n    \"x\n)\nPARTITION BY \" integer\n);\n", 'r'},
		{"CREATE TABLE public.t (\n    \"a\"\"\n)\nPARTITION BY \" integer\n);\n", 'r'},
		{"CREATE TABLE public.t (\n    a text DEFAULT 'x\n)\nPARTITION BY '''::text\n);\n", 'r'},
		/* E'' takes backslash escapes: \' does not end it */
		{"CREATE TABLE public.t (\n    a text DEFAULT E'\\'\n)\nPARTITION BY \\\\'::text\n);\n", 'r'},
		/* a standard string ends at its quote even after a backslash */
		{"CREATE TABLE public.t (\n    a text DEFAULT 'a\\'::text\n)\nPARTITION BY RANGE (a);\n", 'p'},
		/* an empty string inside a CHECK */
		{"CREATE TABLE public.p (\n    a text CHECK ((a <> ''::text))\n)\nPARTITION BY RANGE (a);\n", 'p'},
		{"-- For binary upgrade, can't skip this\nCREATE TABLE public.p (\n    a integer\n)\nPARTITION BY RANGE (a);\n",
		 'p'},
		{"CREATE TABLE public.t (\n    a integer CHECK ((a > 0))\n)\nINHERITS (public.base);\n", 'r'},
		{"CREATE TABLE public.t (\n    a text DEFAULT 'unterminated\n)\nPARTITION BY RANGE (a);\n", 'r'},
		{"", 'r'},
		{NULL, 'r'},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		rcr_toc_entry e = {.desc = (char *)"TABLE", .defn = (char *)cases[i].defn};
		if (rcr_toc_entry_relkind(&e) != cases[i].relkind)
			test_fail_(__FILE__, __LINE__, "case %zu: relkind %d, want %d", i, rcr_toc_entry_relkind(&e),
				   cases[i].relkind);
	}
	rcr_toc_entry none = {0};
	CHECK_EQ_U64(rcr_toc_entry_relkind(&none), 0);
}

static const test_case cases[] = {
	TEST(test_pgtoc__header_matches_pg_restore),
	TEST(test_pgtoc__entries_match_pg_restore_list),
	TEST(test_pgtoc__known_entries),
	TEST(test_pgtoc__schema_only_and_excluded_data),
	TEST(test_pgtoc__reencode_is_byte_identical),
	TEST(test_pgtoc__versions_15_and_16_round_trip),
	TEST(test_pgtoc__int_size_8),
	TEST(test_pgtoc__every_truncation_is_rejected),
	TEST(test_pgtoc__hostile_counts_and_lengths),
	TEST(test_pgtoc__bad_headers),
	TEST(test_pgtoc__built_in_memory),
	TEST(test_pgtoc__relkind_of_every_kind),
	TEST(test_pgtoc__relkind_from_create_table),
};

/* TEST_MAIN takes argv[1] as its case filter; here argv[1] is the data directory, so the
 * harness's main is renamed and called with the arguments shifted by one. */
#define main pgtoc_test_main_
TEST_MAIN(cases)
#undef main

static int describe(const char *path)
{
	rcr_buf b = RCR_BUF_INIT;
	rcr_toc *t = NULL;
	int rc = rcr_fs_read_file(&b, path, (uint64_t)1 << 30);
	if (rc == 0)
		rc = rcr_toc_decode(&t, b.data, b.len);
	if (rc < 0) {
		fprintf(stderr, "pgtoc_test: '%s': %s\n", path, rcr_error_message());
		rcr_buf_free(&b);
		return 1;
	}
	printf("version %d.%d.%d\ncompression %d\nentries %d\n", t->vmaj, t->vmin, t->vrev, t->compression,
	       t->nentries);
	for (int i = 0; i < t->nentries; i++)
		if (t->entries[i].filename)
			printf("file %d %s %s\n", t->entries[i].dump_id, t->entries[i].desc ? t->entries[i].desc : "-",
			       t->entries[i].filename);
	/* then every entry: the relkind field as stored (0 before 1.16), namespace.tag and desc */
	for (int i = 0; i < t->nentries; i++) {
		const rcr_toc_entry *e = &t->entries[i];
		printf("relkind %d %d %s.%s %s\n", e->dump_id, e->relkind, e->namespace_ ? e->namespace_ : "-",
		       e->tag ? e->tag : "-", e->desc ? e->desc : "-");
	}
	rcr_toc_free(t);
	rcr_buf_free(&b);
	return 0;
}

int main(int argc, char **argv)
{
	static char dflt[4096];
	if (argc == 3 && strcmp(argv[1], "--describe") == 0)
		return describe(argv[2]);
	if (argc > 1) {
		data_dir = argv[1];
	} else {
		/* tests/unit/pgarchive/data next to this file (CMake compiles it by absolute path) */
		const char *slash = strrchr(__FILE__, '/');
		snprintf(dflt, sizeof dflt, "%.*sdata", slash ? (int)(slash - __FILE__ + 1) : 0, __FILE__);
		data_dir = dflt;
	}
	argv[argc > 1 ? 1 : 0] = argv[0];
	return pgtoc_test_main_(argc > 1 ? argc - 1 : argc, argc > 1 ? argv + 1 : argv);
}
