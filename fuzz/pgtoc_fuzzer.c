/*
 * pgtoc_fuzzer.c: rcr_toc_decode (pg_dump's directory-format toc.dat) on arbitrary bytes.
 *
 * Properties: the decoder never crashes, leaks or over-allocates; it fails only with an
 * input-error code and leaves *out NULL. On success the toc re-encodes to at most the input's
 * size (the writer is the canonical form: intSize 4, revision 0, a NULL filename as "", strings
 * cut at a NUL as pg_restore's C strings are), and that encoding decodes again and re-encodes
 * to the same bytes. The same holds for the toc rewritten in each layout the writer knows,
 * 1.14, 1.15 and 1.16, so a fuzzed 1.14 input also exercises the 1.15 and 1.16 paths.
 *
 * Every entry's derived 1.16 relkind (rcr_toc_entry_relkind, which scans a TABLE's CREATE
 * TABLE for a top-level PARTITION BY) is 'r' or 'p' for a TABLE, the fixed letter for a view,
 * materialized view or foreign table, and 0 otherwise, without reading outside the defn.
 *
 * The decoded toc's TYPE and DOMAIN definitions then go through rcr_typeres (convert's
 * reading of format_type text and CREATE TYPE/DOMAIN statements), as a composite column, an
 * array of each, a range and a multirange (whose range entry names it): it either names a type
 * textout supports or refuses with a usage or format error, and never reads outside the
 * strings.
 *
 * Seeds (corpora/pgtoc): toc.dat files of pg_dump 15 (full, -s, --exclude-table-data), the
 * full one rewritten as 1.15 and 1.16, with intSize 8, a toc with no entries, the schema
 * of tests/integration/sql/type_matrix.sql + type_nesting.sql as rcr dump keeps it, and
 * pg15-kinds (tests/unit/pgarchive/data/pg15_kinds.toc.dat: every relation kind, partitions, a
 * large object, a quoted "PARTITION BY" column).
 */
#include "fuzz_helpers.h"

#include "rcr/pgtoc.h"
#include "rcr/textout.h"
#include "rcr/typeres.h"
#include "rcr/vindex.h"

#include <string.h>

/* toc must encode, its encoding must decode, and that must encode to the same bytes.
 * Returns the first encoding (caller frees). */
static rcr_buf encode_stable(const rcr_toc *toc)
{
	rcr_buf once = RCR_BUF_INIT, twice = RCR_BUF_INIT;
	FUZZ_ASSERT(rcr_toc_encode(&once, toc) == 0);
	rcr_toc *again = (rcr_toc *)(uintptr_t)1;
	uint8_t *copy = fuzz_dup(once.data, once.len);
	FUZZ_ASSERT(rcr_toc_decode(&again, copy, once.len) == 0 && again != NULL);
	free(copy);
	FUZZ_ASSERT(again->vmin == toc->vmin && again->nentries == toc->nentries);
	FUZZ_ASSERT(rcr_toc_encode(&twice, again) == 0);
	FUZZ_ASSERT(twice.len == once.len && memcmp(twice.data, once.data, once.len) == 0);
	rcr_toc_free(again);
	rcr_buf_free(&twice);
	return once;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *in = fuzz_dup(data, size);
	rcr_toc *toc = (rcr_toc *)(uintptr_t)1;
	int rc = rcr_toc_decode(&toc, in, size);
	free(in);
	if (rc < 0) {
		FUZZ_ASSERT(rc == RCR_E_FORMAT || rc == RCR_E_VERSION);
		FUZZ_ASSERT(toc == NULL);
		return 0;
	}
	FUZZ_ASSERT(rc == 0 && toc != NULL);
	FUZZ_ASSERT(toc->vmaj == 1 && toc->vmin >= 14 && toc->vmin <= 16);
	FUZZ_ASSERT(toc->nentries >= 0 && (toc->nentries == 0 || toc->entries != NULL));

	rcr_buf own = encode_stable(toc);
	FUZZ_ASSERT(own.len <= size);
	rcr_buf_free(&own);

	/* the other layouts: what each cannot carry is dropped first (relkind before 1.16; the
	 * 1.15 compression field is one byte) */
	const int vmin = toc->vmin, compression = toc->compression;
	for (int v = 14; v <= 16; v++) {
		if (v == vmin)
			continue;
		toc->vmin = v;
		toc->compression = v >= 15 ? (uint8_t)compression : compression;
		if (v < 16)
			for (int i = 0; i < toc->nentries; i++)
				toc->entries[i].relkind = 0;
		rcr_buf b = encode_stable(toc);
		rcr_buf_free(&b);
	}
	for (int i = 0; i < toc->nentries; i++) {
		const rcr_toc_entry *e = &toc->entries[i];
		int k = rcr_toc_entry_relkind(e);
		const char *d = e->desc ? e->desc : "";
		FUZZ_ASSERT(strcmp(d, "TABLE") == 0 ? k == 'r' || k == 'p'
			    : strcmp(d, "VIEW") == 0 ? k == 'v'
			    : strcmp(d, "MATERIALIZED VIEW") == 0 ? k == 'm'
			    : strcmp(d, "FOREIGN TABLE") == 0 ? k == 'f'
							       : k == 0);
	}
	/* The vector indexes restore reads out of INDEX entries (vindex.c): every one found names a
	 * table, a column and sane options. */
	rcr_vindex_list vl;
	FUZZ_ASSERT(rcr_vindex_find(&vl, toc) == 0);
	for (int i = 0; i < vl.n; i++) {
		const rcr_vindex *v = &vl.items[i];
		FUZZ_ASSERT(v->schema && v->table && v->name && v->column && v->column[0]);
		FUZZ_ASSERT(v->m > 0 && v->lists > 0);
		FUZZ_ASSERT(rcr_vindex_build_bytes(v, 1000, 100) > 0);
	}
	rcr_vindex_list_free(&vl);
	rcr_typeres *tr = NULL;
	FUZZ_ASSERT(rcr_typeres_new(&tr, toc) == 0);
	for (int i = 0; i < toc->nentries; i++) {
		const rcr_toc_entry *e = &toc->entries[i];
		if (!e->desc || !e->tag || !e->namespace_ || (strcmp(e->desc, "TYPE") && strcmp(e->desc, "DOMAIN")))
			continue;
		char arr[4096];
		snprintf(arr, sizeof arr, "_%s", e->tag);
		/* as a composite, an array of it, a range, and the multirange a range entry may name */
		rcr_column cols[4] = {
			{.name = "c", .type_schema = e->namespace_, .type_name = e->tag, .typmod = -1, .type_kind = 'c'},
			{.name = "c", .type_schema = e->namespace_, .type_name = arr, .typmod = -1, .type_kind = 'b',
			 .elem_kind = e->desc[0] == 'D' ? 'd' : 'c'},
			{.name = "c", .type_schema = e->namespace_, .type_name = e->tag, .typmod = -1, .type_kind = 'r'},
			{.name = "c", .type_schema = e->namespace_, .type_name = e->tag, .typmod = -1, .type_kind = 'm'},
		};
		for (int k = 0; k < 4; k++) {
			const char *name = NULL;
			int trc = rcr_typeres_column(tr, &cols[k], &name);
			FUZZ_ASSERT(trc == 0 || trc == RCR_E_USAGE || trc == RCR_E_FORMAT);
			FUZZ_ASSERT(trc != 0 || (name && rcr_textout_supported(name)));
		}
	}
	rcr_typeres_free(tr);
	rcr_toc_free(toc);
	return 0;
}
