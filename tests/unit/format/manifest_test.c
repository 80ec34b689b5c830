/* manifest_test.c: tests src/format/manifest.c (model, encoder, untrusted-input decoder).
 *
 * The decoder is the first thing rcr runs on an archive, so most cases here are hostile:
 * mutations of a real manifest, and forged manifests whose checksum is valid so that the check
 * behind the checksum (counts, versions, paths, indexes, totals) is what gets tested. */
#include "../fixtures.h"
#include "../test.h"

#include "rcr/frame.h"
#include "rcr/manifest.h"

/* Recomputes the body length and the trailing XXH3-64 after a test edited the bytes. */
static void reseal(rcr_buf *b)
{
	rcr_store_u64le(b->data + 24, b->len - RCR_MANIFEST_HEADER_SIZE - 8);
	rcr_store_u64le(b->data + b->len - 8, rcr_hash64(b->data, b->len - 8));
}

/* A manifest from a hand-built body: version-1 header, the body, the checksum. */
static void seal_body(rcr_buf *out, const rcr_buf *body)
{
	uint8_t h[RCR_MANIFEST_HEADER_SIZE] = {0};
	memcpy(h, RCR_MANIFEST_MAGIC, 8);
	rcr_store_u16le(h + 8, RCR_FMT_READ_VERSION);
	rcr_store_u16le(h + 10, RCR_FMT_WRITE_VERSION);
	rcr_buf_reset(out);
	fx_put(out, h, sizeof h);
	fx_put(out, body->data, body->len);
	fx_put(out, "01234567", 8);
	reseal(out);
}

/* Decodes from an exact-size heap copy; on failure *out must stay NULL. */
static int decode_copy(rcr_manifest **out, const uint8_t *p, size_t len)
{
	uint8_t *c = test_dup(p, len);
	*out = (rcr_manifest *)(uintptr_t)1;
	int rc = rcr_manifest_decode(out, c, len);
	free(c);
	if (rc < 0 && *out != NULL) {
		test_fail_(__FILE__, __LINE__, "failed decode left *out set");
		*out = NULL;
	}
	return rc;
}

static int decode_rc(const uint8_t *p, size_t len)
{
	rcr_manifest *m;
	int rc = decode_copy(&m, p, len);
	rcr_manifest_free(m);
	return rc;
}

static void encode_or_die(rcr_buf *out, const rcr_manifest *m)
{
	rcr_buf_reset(out);
	if (rcr_manifest_encode(out, m) < 0)
		fx_oom();
}

static void check_frame_ref_equal(const rcr_frame_ref *x, const rcr_frame_ref *y)
{
	CHECK_EQ_U64(x->offset, y->offset);
	CHECK_EQ_U64(x->stored_size, y->stored_size);
	CHECK_EQ_U64(x->content_size, y->content_size);
	CHECK_EQ_U64(x->raw_size, y->raw_size);
	CHECK_EQ_U64(x->stored_hash, y->stored_hash);
	CHECK_EQ_U64(x->raw_hash, y->raw_hash);
	CHECK_EQ_U64(x->codec, y->codec);
	CHECK_EQ_U64(x->compression, y->compression);
}

/* The fields of Required_Features bit 1. */
static void check_row_identity_equal(const rcr_row_group *x, const rcr_row_group *y)
{
	CHECK_MEM(x->content_hash, RCR_CONTENT_HASH_SIZE, y->content_hash, RCR_CONTENT_HASH_SIZE);
	CHECK_EQ_U64(x->origin_table, y->origin_table);
	CHECK_EQ_U64(x->origin_rg, y->origin_rg);
	CHECK_EQ_U64(x->has_row_hashes, y->has_row_hashes);
	if (x->has_row_hashes && y->has_row_hashes)
		check_frame_ref_equal(&x->row_hashes, &y->row_hashes);
	CHECK_EQ_U64(x->nskip, y->nskip);
	for (uint32_t i = 0; i < x->nskip && i < y->nskip; i++)
		CHECK_EQ_U64(x->skip[i], y->skip[i]);
}

static void check_equal(const rcr_manifest *a, const rcr_manifest *b)
{
	CHECK_EQ_U64(a->read_version, b->read_version);
	CHECK_EQ_U64(a->write_version, b->write_version);
	CHECK_EQ_U64(a->required_features, b->required_features);
	CHECK_EQ_U64(a->optional_features, b->optional_features);
	CHECK_STR(a->schema_dir, b->schema_dir);
	CHECK_EQ_U64(a->nmeta, b->nmeta);
	for (uint32_t i = 0; i < a->nmeta && i < b->nmeta; i++) {
		CHECK_STR(a->meta[i].key, b->meta[i].key);
		CHECK_STR(a->meta[i].value, b->meta[i].value);
	}
	CHECK_EQ_U64(a->nschema_files, b->nschema_files);
	for (uint32_t i = 0; i < a->nschema_files && i < b->nschema_files; i++) {
		CHECK_STR(a->schema_files[i].name, b->schema_files[i].name);
		CHECK_EQ_U64(a->schema_files[i].size, b->schema_files[i].size);
		CHECK_EQ_U64(a->schema_files[i].hash, b->schema_files[i].hash);
	}
	CHECK_EQ_U64(a->ntables, b->ntables);
	for (uint32_t i = 0; i < a->ntables && i < b->ntables; i++) {
		const rcr_table *s = &a->tables[i], *t = &b->tables[i];
		CHECK_EQ_U64(s->oid, t->oid);
		CHECK_STR(s->schema, t->schema);
		CHECK_STR(s->name, t->name);
		CHECK_EQ_U64(s->relkind, t->relkind);
		CHECK_EQ_U64(s->flags, t->flags);
		CHECK((s->root_schema == NULL) == (t->root_schema == NULL));
		CHECK((s->root_name == NULL) == (t->root_name == NULL));
		if (s->root_schema && t->root_schema && s->root_name && t->root_name) {
			CHECK_STR(s->root_schema, t->root_schema);
			CHECK_STR(s->root_name, t->root_name);
		}
		CHECK_EQ_U64(s->row_count, t->row_count);
		CHECK_EQ_U64(s->raw_bytes, t->raw_bytes);
		CHECK_EQ_U64(s->stored_bytes, t->stored_bytes);
		CHECK_EQ_U64(s->ncols, t->ncols);
		for (uint32_t c = 0; c < s->ncols && c < t->ncols; c++) {
			CHECK_STR(s->cols[c].name, t->cols[c].name);
			CHECK_STR(s->cols[c].type_schema, t->cols[c].type_schema);
			CHECK_STR(s->cols[c].type_name, t->cols[c].type_name);
			CHECK_EQ_U64(s->cols[c].type_oid, t->cols[c].type_oid);
			CHECK_EQ_U64((uint32_t)s->cols[c].typmod, (uint32_t)t->cols[c].typmod);
			CHECK_EQ_U64(s->cols[c].type_kind, t->cols[c].type_kind);
			CHECK_EQ_U64(s->cols[c].elem_kind, t->cols[c].elem_kind);
		}
		CHECK_EQ_U64(s->nfiles, t->nfiles);
		for (uint32_t f = 0; f < s->nfiles && f < t->nfiles; f++)
			CHECK_STR(s->files[f], t->files[f]);
		CHECK_EQ_U64(s->trials.row_groups, t->trials.row_groups);
		CHECK_EQ_U64(s->trials.codec_bytes, t->trials.codec_bytes);
		CHECK_EQ_U64(s->trials.plain_bytes, t->trials.plain_bytes);
		CHECK_EQ_U64(s->nrgs, t->nrgs);
		for (uint32_t g = 0; g < s->nrgs && g < t->nrgs; g++) {
			CHECK_EQ_U64(s->rgs[g].file, t->rgs[g].file);
			CHECK_EQ_U64(s->rgs[g].row_count, t->rgs[g].row_count);
			if (a->required_features & RCR_FEATURE_ROW_IDENTITY)
				check_row_identity_equal(&s->rgs[g], &t->rgs[g]);
			for (uint32_t c = 0; c < s->ncols && c < t->ncols; c++)
				check_frame_ref_equal(&s->rgs[g].frames[c], &t->rgs[g].frames[c]);
		}
	}
}

static void test_manifest__roundtrip(void)
{
	rcr_manifest *m = fx_sample_manifest(), *d;
	rcr_buf b = RCR_BUF_INIT, again = RCR_BUF_INIT;
	REQUIRE_OK(rcr_manifest_encode(&b, m));
	REQUIRE_OK(decode_copy(&d, b.data, b.len));
	/* The sample really has the shapes the brief asks for; otherwise the comparison is weak. */
	CHECK_EQ_U64(d->ntables, 2);
	CHECK_EQ_U64(d->tables[0].ncols, 0);
	CHECK_EQ_U64(d->tables[0].nrgs, 2);
	CHECK_EQ_U64(d->tables[1].ncols, 3);
	CHECK(d->tables[1].nrgs > 1);
	CHECK(d->nschema_files > 0 && d->nmeta > 0);
	check_equal(m, d);
	CHECK_STR(rcr_manifest_get_meta(d, "server_version"), "16.4");
	CHECK(rcr_manifest_get_meta(d, "nope") == NULL);
	/* Encoding is canonical: what was decoded encodes to the same bytes. */
	REQUIRE_OK(rcr_manifest_encode(&again, d));
	CHECK_MEM(again.data, again.len, b.data, b.len);

	/* Header layout (format spec, "Manifest header"). */
	CHECK(memcmp(b.data, RCR_MANIFEST_MAGIC, 8) == 0);
	CHECK_EQ_U64(rcr_load_u16le(b.data + 8), RCR_FMT_READ_VERSION);
	CHECK_EQ_U64(rcr_load_u16le(b.data + 10), RCR_FMT_WRITE_VERSION);
	CHECK_EQ_U64(rcr_load_u32le(b.data + 12), 0);
	CHECK_EQ_U64(rcr_load_u32le(b.data + 16), 0);
	CHECK_EQ_U64(rcr_load_u32le(b.data + 20), 0);
	CHECK_EQ_U64(rcr_load_u64le(b.data + 24), b.len - RCR_MANIFEST_HEADER_SIZE - 8);
	CHECK_EQ_U64(rcr_load_u64le(b.data + b.len - 8), rcr_hash64(b.data, b.len - 8));

	/* Appending to a non-empty buffer encodes the same bytes after what was there. */
	rcr_buf_reset(&again);
	fx_put(&again, "prefix", 6);
	REQUIRE_OK(rcr_manifest_encode(&again, m));
	CHECK_MEM(again.data + 6, again.len - 6, b.data, b.len);

	rcr_manifest_free(m);
	rcr_manifest_free(d);
	rcr_buf_free(&b);
	rcr_buf_free(&again);
}

/* Codec trials travel as metadata entries and come back into their tables, not into meta. */
static void test_manifest__codec_trials(void)
{
	rcr_manifest *m = fx_sample_manifest(), *d;
	rcr_buf b = RCR_BUF_INIT, again = RCR_BUF_INIT;
	uint32_t nmeta = m->nmeta;
	m->optional_features |= RCR_FEATURE_CODEC_TRIALS;
	m->tables[1].trials = (rcr_codec_trials){1, 1000, 1300};
	REQUIRE_OK(rcr_manifest_encode(&b, m));
	REQUIRE_OK(decode_copy(&d, b.data, b.len));
	/* The entry stays in the metadata (verbatim, for a canonical re-encoding) and is parsed. */
	CHECK_EQ_U64(d->nmeta, nmeta + 1);
	CHECK_STR(d->meta[nmeta].key, "codec_trials:1");
	CHECK_STR(d->meta[nmeta].value, "1 1000 1300");
	CHECK(rcr_manifest_is_trial_key(d->meta[nmeta].key) && !rcr_manifest_is_trial_key(d->meta[0].key));
	d->nmeta = nmeta;
	check_equal(m, d);
	d->nmeta = nmeta + 1;
	CHECK_EQ_U64(d->tables[0].trials.row_groups, 0);
	CHECK_EQ_U64(d->tables[1].trials.plain_bytes, 1300);
	CHECK_EQ_U64(rcr_load_u32le(b.data + 16), RCR_FEATURE_CODEC_TRIALS);
	REQUIRE_OK(rcr_manifest_encode(&again, d));
	CHECK_MEM(again.data, again.len, b.data, b.len);
	rcr_manifest_free(d);

	/* More row groups measured than the table has: shown-only data, ignored rather than refused. */
	m->tables[1].trials.row_groups = m->tables[1].nrgs + 1;
	encode_or_die(&b, m);
	REQUIRE_OK(decode_copy(&d, b.data, b.len));
	CHECK_EQ_U64(d->tables[1].trials.row_groups, 0);
	CHECK_EQ_U64(d->nmeta, nmeta + 1);
	rcr_buf_reset(&again);
	REQUIRE_OK(rcr_manifest_encode(&again, d));  /* still canonical */
	CHECK_MEM(again.data, again.len, b.data, b.len);
	rcr_manifest_free(d);
	rcr_manifest_free(m);
	rcr_buf_free(&b);
	rcr_buf_free(&again);
}

static void test_manifest__empty(void)
{
	rcr_manifest *m, *d;
	REQUIRE_OK(rcr_manifest_new(&m));
	CHECK_STR(m->schema_dir, "");
	CHECK_EQ_U64(m->read_version, RCR_FMT_READ_VERSION);
	CHECK_EQ_U64(m->write_version, RCR_FMT_WRITE_VERSION);
	rcr_buf b = RCR_BUF_INIT;
	REQUIRE_OK(rcr_manifest_encode(&b, m));
	/* nmeta, schema_dir (empty), nschema_files, ntables: 16 bytes of body */
	CHECK_EQ_U64(b.len, RCR_MANIFEST_HEADER_SIZE + 16 + 8);
	REQUIRE_OK(decode_copy(&d, b.data, b.len));
	check_equal(m, d);
	CHECK(d->schema_dir != NULL);
	rcr_manifest_free(d);
	rcr_manifest_free(m);
	rcr_manifest_free(NULL);
	rcr_buf_free(&b);
}

static void test_manifest__meta_and_row_groups(void)
{
	rcr_manifest *m;
	REQUIRE_OK(rcr_manifest_new(&m));
	CHECK(rcr_manifest_get_meta(m, "k") == NULL);
	REQUIRE_OK(rcr_manifest_set_meta(m, "k", "v1"));
	REQUIRE_OK(rcr_manifest_set_meta(m, "k2", ""));
	REQUIRE_OK(rcr_manifest_set_meta(m, "k", "v2"));
	CHECK_EQ_U64(m->nmeta, 2);
	CHECK_STR(rcr_manifest_get_meta(m, "k"), "v2");
	CHECK_STR(rcr_manifest_get_meta(m, "k2"), "");

	/* Row groups grow past the initial capacity; every new one has zeroed frames. */
	rcr_table t = {0};
	t.ncols = 2;
	for (uint32_t g = 0; g < 100; g++) {
		rcr_row_group *rg;
		REQUIRE_OK(rcr_table_add_row_group(&rg, &t));
		CHECK(rg == &t.rgs[g]);
		CHECK(rg->frames[0].raw_size == 0 && rg->frames[1].stored_hash == 0 && rg->row_count == 0);
		rg->row_count = g;
		rg->frames[1].raw_size = g;
	}
	CHECK_EQ_U64(t.nrgs, 100);
	CHECK(t.rgs_cap >= 100);
	for (uint32_t g = 0; g < 100; g++)
		CHECK_EQ_U64(t.rgs[g].frames[1].raw_size, g);
	for (uint32_t g = 0; g < t.nrgs; g++)
		free(t.rgs[g].frames);
	free(t.rgs);
	rcr_manifest_free(m);
}

/* A row group's Row_Count is limited (RCR_MAX_ROW_GROUP_ROWS) when the manifest is read: in a
 * table without columns nothing else ties it to bytes present, and restore builds 2 bytes of
 * COPY per row. Regression for a forged 4-billion-row group that made restore allocate 8 GiB. */
static void test_manifest__row_group_rows_limited(void)
{
	rcr_manifest *m = fx_sample_manifest();
	rcr_buf b = RCR_BUF_INIT;
	rcr_table *t = NULL;
	for (uint32_t i = 0; i < m->ntables && !t; i++)
		if (m->tables[i].nrgs)
			t = &m->tables[i];
	REQUIRE(t != NULL);
	static const uint32_t rows[] = {RCR_MAX_ROW_GROUP_ROWS, RCR_MAX_ROW_GROUP_ROWS + 1, UINT32_MAX};
	for (size_t i = 0; i < 3; i++) {
		t->row_count += (uint64_t)rows[i] - t->rgs[0].row_count;
		t->rgs[0].row_count = rows[i];
		encode_or_die(&b, m);
		CHECK_RC(decode_rc(b.data, b.len), i == 0 ? 0 : RCR_E_LIMIT);
		if (i > 0)
			CHECK(strstr(rcr_error_message(), "above the limit") != NULL);
	}
	rcr_manifest_free(m);
	rcr_buf_free(&b);
}

/* The raw bytes of a row group, every column together, are limited (RCR_MAX_ROW_GROUP_RAW):
 * restore and convert decode a whole row group at once, so without it a forged archive of small
 * zstd frames that each decode to 2 GiB made them allocate columns x 2 GiB. */
static void test_manifest__row_group_raw_limited(void)
{
	rcr_manifest *m = fx_sample_manifest();
	rcr_buf b = RCR_BUF_INIT;
	rcr_table *t = NULL;
	for (uint32_t i = 0; i < m->ntables && !t; i++)
		if (m->tables[i].nrgs && m->tables[i].ncols >= 2)
			t = &m->tables[i];
	REQUIRE(t != NULL);
	const uint64_t half = RCR_MAX_ROW_GROUP_RAW / 2;
	/* column 0, column 1: exactly at the limit, one byte over, and a value that would wrap a
	 * 64-bit sum */
	static const struct {
		uint64_t extra0, raw1;
		int rc;
	} cases[] = {{0, 0, 0}, {1, 0, RCR_E_LIMIT}, {0, UINT64_MAX, RCR_E_LIMIT}};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		rcr_frame_ref *f = t->rgs[0].frames;
		uint64_t was = f[0].raw_size + f[1].raw_size, others = 0;
		for (uint32_t c = 2; c < t->ncols; c++)
			others += f[c].raw_size;
		f[0].raw_size = half - others + cases[i].extra0;
		f[1].raw_size = cases[i].raw1 ? cases[i].raw1 : half;
		t->raw_bytes += f[0].raw_size + f[1].raw_size - was;
		encode_or_die(&b, m);
		CHECK_RC(decode_rc(b.data, b.len), cases[i].rc);
		if (cases[i].rc)
			CHECK(strstr(rcr_error_message(), "row group 0 declares more than 2147483648 raw bytes") != NULL);
	}
	rcr_manifest_free(m);
	rcr_buf_free(&b);
}

static void test_manifest__every_bit_flip_rejected(void)
{
	rcr_manifest *m = fx_sample_manifest();
	rcr_buf b = RCR_BUF_INIT;
	encode_or_die(&b, m);
	rcr_manifest_free(m);
	CHECK_RC(decode_rc(b.data, b.len), 0);
	for (size_t bit = 0; bit < b.len * 8; bit++) {
		b.data[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		int rc = decode_rc(b.data, b.len);
		if (!(rc == RCR_E_FORMAT || rc == RCR_E_CHECKSUM))
			fprintf(stderr, "bit %zu: rc %d\n", bit, rc);
		CHECK(rc == RCR_E_FORMAT || rc == RCR_E_CHECKSUM);
		b.data[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	}
	rcr_buf_free(&b);
}

static void test_manifest__every_truncation_rejected(void)
{
	rcr_manifest *m = fx_sample_manifest();
	rcr_buf b = RCR_BUF_INIT;
	encode_or_die(&b, m);
	rcr_manifest_free(m);
	for (size_t cut = 0; cut < b.len; cut++)
		CHECK_RC(decode_rc(b.data, cut), RCR_E_FORMAT);
	fx_put(&b, "", 1);
	CHECK_RC(decode_rc(b.data, b.len), RCR_E_FORMAT);
	rcr_buf_free(&b);
}

/* A body truncated (or padded) and then resealed, so the structure parser itself must notice:
 * every cut point inside the body of the sample. */
static void test_manifest__resealed_truncations_rejected(void)
{
	rcr_manifest *m = fx_sample_manifest();
	rcr_buf b = RCR_BUF_INIT, t = RCR_BUF_INIT;
	encode_or_die(&b, m);
	rcr_manifest_free(m);
	size_t body = b.len - RCR_MANIFEST_HEADER_SIZE - 8;
	for (size_t keep = 0; keep < body; keep++) {
		rcr_buf_reset(&t);
		fx_put(&t, b.data, RCR_MANIFEST_HEADER_SIZE + keep);
		fx_put(&t, "hashhash", 8);
		reseal(&t);
		CHECK_RC(decode_rc(t.data, t.len), RCR_E_FORMAT);
	}
	/* one byte of trailing garbage in the body */
	rcr_buf_reset(&t);
	fx_put(&t, b.data, b.len - 8);
	fx_put(&t, "\0hashhash", 9);
	reseal(&t);
	CHECK_RC(decode_rc(t.data, t.len), RCR_E_FORMAT);
	rcr_buf_free(&b);
	rcr_buf_free(&t);
}

/* A body holding one table "s"."t" with ncols columns and no row groups. */
static void one_table_body(rcr_buf *body, uint32_t ncols)
{
	rcr_buf_reset(body);
	rcr_buf_append_u32le(body, 0);                 /* nmeta */
	rcr_buf_append_str(body, "");                  /* schema_dir */
	rcr_buf_append_u32le(body, 0);                 /* nschema_files */
	rcr_buf_append_u32le(body, 1);                 /* ntables */
	rcr_buf_append_u32le(body, 1);                 /* oid */
	rcr_buf_append_str(body, "s");
	rcr_buf_append_str(body, "t");
	rcr_buf_append_u8(body, 'r');
	rcr_buf_append_u8(body, 0);
	rcr_buf_append_u32le(body, ncols);
	for (uint32_t c = 0; c < ncols; c++) {
		rcr_buf_append_str(body, "c");
		rcr_buf_append_str(body, "pg_catalog");
		rcr_buf_append_str(body, "text");
		rcr_buf_append_u32le(body, 25);
		rcr_buf_append_u32le(body, 0xFFFFFFFFu);
		rcr_buf_append_u8(body, 'b');          /* type_kind */
		rcr_buf_append_u8(body, 0);            /* elem_kind */
	}
	rcr_buf_append_u64le(body, 0);                 /* row_count */
	rcr_buf_append_u64le(body, 0);                 /* raw_bytes */
	rcr_buf_append_u64le(body, 0);                 /* stored_bytes */
	rcr_buf_append_u32le(body, 0);                 /* nfiles */
	rcr_buf_append_u32le(body, 0);                 /* nrgs */
}

/* Counts far beyond the bytes present, with valid checksums: refused by the count check
 * itself (its message), before any allocation sized by the count. */
static void test_manifest__hostile_counts(void)
{
	rcr_manifest *m;
	rcr_buf b = RCR_BUF_INIT, body = RCR_BUF_INIT;
	REQUIRE_OK(rcr_manifest_new(&m));
	encode_or_die(&b, m);
	rcr_manifest_free(m);
	/* The empty manifest's body is nmeta @32, schema_dir @36, nschema_files @40, ntables @44. */
	static const struct {
		size_t offset;
		const char *what;
	} counts[] = {{32, "metadata entries"}, {40, "schema files"}, {44, "tables"}};
	for (size_t i = 0; i < 3; i++) {
		uint32_t values[] = {0xFFFFFFFFu, 0x80000000u, 0x10000u};
		for (size_t v = 0; v < 3; v++) {
			rcr_buf c = RCR_BUF_INIT;
			fx_put(&c, b.data, b.len);
			rcr_store_u32le(c.data + counts[i].offset, values[v]);
			reseal(&c);
			CHECK_RC(decode_rc(c.data, c.len), RCR_E_FORMAT);
			CHECK(strstr(rcr_error_message(), counts[i].what) != NULL);
			CHECK(strstr(rcr_error_message(), "more than its bytes can hold") != NULL);
			rcr_buf_free(&c);
		}
	}

	/* Inside a table: columns, files, row groups; and a string length. */
	for (int which = 0; which < 4; which++) {
		rcr_buf_reset(&body);
		rcr_buf_append_u32le(&body, 0);                        /* nmeta */
		rcr_buf_append_str(&body, "");                         /* schema_dir */
		rcr_buf_append_u32le(&body, 0);                        /* nschema_files */
		rcr_buf_append_u32le(&body, 1);                        /* ntables */
		rcr_buf_append_u32le(&body, 1);                        /* oid */
		if (which == 3) {
			rcr_buf_append_u32le(&body, 0xFFFFFFFFu);      /* schema name length */
		} else {
			rcr_buf_append_str(&body, "s");
			rcr_buf_append_str(&body, "t");
			rcr_buf_append_u8(&body, 'r');
			rcr_buf_append_u8(&body, 0);
			rcr_buf_append_u32le(&body, which == 0 ? 0xFFFFFFFFu : 0);     /* ncols */
			if (which > 0) {
				rcr_buf_append_u64le(&body, 0);
				rcr_buf_append_u64le(&body, 0);
				rcr_buf_append_u64le(&body, 0);
				rcr_buf_append_u32le(&body, which == 1 ? 0xFFFFFFFFu : 0);   /* nfiles */
				if (which == 2)
					rcr_buf_append_u32le(&body, 0xFFFFFFFFu);           /* nrgs */
			}
		}
		fx_put(&body, "padding-padding-padding-padding-padding-padding-padding-padding-", 64);
		seal_body(&b, &body);
		CHECK_RC(decode_rc(b.data, b.len), RCR_E_FORMAT);
		static const char *const what[] = {"columns", "files", "row groups", "string length"};
		if (!strstr(rcr_error_message(), what[which]))
			fprintf(stderr, "case %d: message '%s'\n", which, rcr_error_message());
		CHECK(strstr(rcr_error_message(), what[which]) != NULL);
	}

	/* 1601 columns, with the bytes to hold them: PostgreSQL's limit, not the byte count,
	 * refuses it; 1600 is fine. */
	one_table_body(&body, 1601);
	seal_body(&b, &body);
	CHECK_RC(decode_rc(b.data, b.len), RCR_E_LIMIT);
	one_table_body(&body, 1600);
	seal_body(&b, &body);
	CHECK_RC(decode_rc(b.data, b.len), 0);
	rcr_buf_free(&body);
	rcr_buf_free(&b);
}

static void test_manifest__versions_and_features(void)
{
	rcr_manifest *m = fx_sample_manifest(), *d;
	rcr_buf b = RCR_BUF_INIT;

	/* Read_Version: the newest this reader accepts passes, anything newer asks for an upgrade,
	 * and 0 never existed. */
	m->read_version = RCR_FMT_NEWEST_READ;
	encode_or_die(&b, m);
	CHECK_RC(decode_rc(b.data, b.len), 0);
	m->read_version = RCR_FMT_NEWEST_READ + 1;
	m->write_version = RCR_FMT_WRITE_VERSION + 1;
	encode_or_die(&b, m);
	CHECK_RC(decode_rc(b.data, b.len), RCR_E_VERSION);
	CHECK(rcr_error_hint()[0] != 0);
	m->read_version = 0xFFFF;
	encode_or_die(&b, m);
	CHECK_RC(decode_rc(b.data, b.len), RCR_E_VERSION);
	m->read_version = 0;
	encode_or_die(&b, m);
	CHECK_RC(decode_rc(b.data, b.len), RCR_E_FORMAT);

	/* A newer writer whose archives older readers may still read. */
	m->read_version = RCR_FMT_READ_VERSION;
	m->write_version = RCR_FMT_WRITE_VERSION + 5;
	encode_or_die(&b, m);
	REQUIRE_OK(decode_copy(&d, b.data, b.len));
	CHECK_EQ_U64(d->write_version, RCR_FMT_WRITE_VERSION + 5);
	rcr_manifest_free(d);

	for (int bit = 0; bit < 32; bit++) {
		uint32_t f = 1u << bit;
		m->required_features = f;
		encode_or_die(&b, m);
		CHECK_RC(decode_rc(b.data, b.len), (f & ~RCR_FEATURES_REQUIRED_KNOWN) ? RCR_E_VERSION : 0);
	}
	/* Unknown optional features are ignored, and kept. */
	m->required_features = 0;
	m->optional_features = 0x80000001u;
	encode_or_die(&b, m);
	REQUIRE_OK(decode_copy(&d, b.data, b.len));
	CHECK_EQ_U64(d->optional_features, 0x80000001u);
	rcr_manifest_free(d);

	/* Reserved header word. */
	m->optional_features = 0;
	encode_or_die(&b, m);
	b.data[23] = 0x40;
	reseal(&b);
	CHECK_RC(decode_rc(b.data, b.len), RCR_E_FORMAT);
	/* Magic. */
	encode_or_die(&b, m);
	b.data[1] = 'X';
	reseal(&b);
	CHECK_RC(decode_rc(b.data, b.len), RCR_E_FORMAT);
	/* Declared body length disagreeing with the bytes. */
	encode_or_die(&b, m);
	rcr_store_u64le(b.data + 24, rcr_load_u64le(b.data + 24) + 1);
	rcr_store_u64le(b.data + b.len - 8, rcr_hash64(b.data, b.len - 8));
	CHECK_RC(decode_rc(b.data, b.len), RCR_E_FORMAT);
	rcr_store_u64le(b.data + 24, 0xFFFFFFFFFFFFFFFFull);
	rcr_store_u64le(b.data + b.len - 8, rcr_hash64(b.data, b.len - 8));
	CHECK_RC(decode_rc(b.data, b.len), RCR_E_FORMAT);
	rcr_manifest_free(m);
	rcr_buf_free(&b);
}

/* Table_Flags (spec 1.5.0): the encoder raises Required_Features bit 0 itself, the root's
 * names follow the flags, and a reader refuses flags without the bit, unknown flag bits and an
 * empty root name. */
static void test_manifest__table_flags(void)
{
	rcr_manifest *m = fx_sample_manifest(), *d;
	rcr_buf b = RCR_BUF_INIT, again = RCR_BUF_INIT;
	rcr_table *t = &m->tables[1];
	t->flags = RCR_TABLE_TEXT | RCR_TABLE_VIA_ROOT;
	t->root_schema = strdup("Part \"Root\"");
	t->root_name = strdup("hp");
	REQUIRE(t->root_schema && t->root_name);
	encode_or_die(&b, m);
	CHECK_EQ_U64(rcr_load_u32le(b.data + 12), RCR_FEATURE_TABLE_FLAGS);
	REQUIRE_OK(decode_copy(&d, b.data, b.len));
	m->required_features = RCR_FEATURE_TABLE_FLAGS;  /* as decoded */
	check_equal(m, d);
	REQUIRE_OK(rcr_manifest_encode(&again, d));
	CHECK_MEM(again.data, again.len, b.data, b.len);
	rcr_manifest_free(d);

	/* Without the required bit the flag byte is reserved. */
	rcr_store_u32le(b.data + 12, 0);
	reseal(&b);
	CHECK_RC(decode_rc(b.data, b.len), RCR_E_FORMAT);
	/* An unknown flag bit, and an empty root name. */
	t->flags = RCR_TABLE_TEXT | 0x80;
	encode_or_die(&b, m);
	CHECK_RC(decode_rc(b.data, b.len), RCR_E_FORMAT);
	t->flags = RCR_TABLE_VIA_ROOT;
	t->root_name[0] = 0;
	encode_or_die(&b, m);
	CHECK_RC(decode_rc(b.data, b.len), RCR_E_FORMAT);
	/* No flag left: the bit is whatever the caller asked for, 0 by default. */
	t->flags = 0;
	m->required_features = 0;
	encode_or_die(&b, m);
	CHECK_EQ_U64(rcr_load_u32le(b.data + 12), 0);
	CHECK_RC(decode_rc(b.data, b.len), 0);
	rcr_manifest_free(m);
	rcr_buf_free(&b);
	rcr_buf_free(&again);
}

static const char *const bad_paths[] = {
	"", "..", ".", "../x", "a/../b", "a/..", "./a", "a/./b", "/abs", "/", "a//b", "a/", "a b", "a\\b",
	"a:b", "caf\xc3\xa9", "a\tb", "a\nb", "*", "~",
};

/* Every bad path is refused wherever a manifest carries one: data files, schema files, the
 * schema directory. */
static void test_manifest__bad_paths_rejected(void)
{
	rcr_buf b = RCR_BUF_INIT;
	for (size_t i = 0; i < sizeof bad_paths / sizeof bad_paths[0]; i++) {
		for (int where = 0; where < 3; where++) {
			rcr_manifest *m = fx_sample_manifest();
			char **slot = where == 0 ? &m->tables[1].files[1] :
				      where == 1 ? &m->schema_files[0].name : &m->schema_dir;
			if (where == 2 && bad_paths[i][0] == 0) {   /* "" means "no schema" there */
				rcr_manifest_free(m);
				continue;
			}
			free(*slot);
			*slot = fx_strdup(bad_paths[i]);
			encode_or_die(&b, m);
			int rc = decode_rc(b.data, b.len);
			if (rc != RCR_E_FORMAT)
				fprintf(stderr, "path '%s' in place %d accepted\n", bad_paths[i], where);
			CHECK_RC(rc, RCR_E_FORMAT);
			rcr_manifest_free(m);
		}
	}
	/* The sample's own paths, and an empty schema directory, pass. */
	rcr_manifest *m = fx_sample_manifest();
	free(m->schema_dir);
	m->schema_dir = fx_strdup("");
	encode_or_die(&b, m);
	CHECK_RC(decode_rc(b.data, b.len), 0);
	rcr_manifest_free(m);
	rcr_buf_free(&b);
}

/* Structural lies behind a valid checksum. */
static void test_manifest__inconsistencies_rejected(void)
{
	rcr_buf b = RCR_BUF_INIT;
	rcr_manifest *m;

	m = fx_sample_manifest();                       /* row group points past the file list */
	m->tables[1].rgs[3].file = 2;
	encode_or_die(&b, m);
	CHECK_RC(decode_rc(b.data, b.len), RCR_E_FORMAT);
	m->tables[1].rgs[3].file = 0xFFFFFFFFu;
	encode_or_die(&b, m);
	CHECK_RC(decode_rc(b.data, b.len), RCR_E_FORMAT);
	m->tables[1].rgs[3].file = 1;
	m->tables[0].rgs[0].file = 1;
	encode_or_die(&b, m);
	CHECK_RC(decode_rc(b.data, b.len), RCR_E_FORMAT);
	rcr_manifest_free(m);

	for (int field = 0; field < 3; field++) {       /* totals disagree with the row groups */
		m = fx_sample_manifest();
		uint64_t *v = field == 0 ? &m->tables[1].row_count :
			      field == 1 ? &m->tables[1].raw_bytes : &m->tables[1].stored_bytes;
		(*v)++;
		encode_or_die(&b, m);
		CHECK_RC(decode_rc(b.data, b.len), RCR_E_FORMAT);
		rcr_manifest_free(m);
	}
	m = fx_sample_manifest();
	m->tables[0].row_count = 0;
	encode_or_die(&b, m);
	CHECK_RC(decode_rc(b.data, b.len), RCR_E_FORMAT);
	rcr_manifest_free(m);

	m = fx_sample_manifest();                       /* unknown codec or compression */
	m->tables[1].rgs[2].frames[1].codec = RCR_CODEC_COUNT;
	encode_or_die(&b, m);
	CHECK_RC(decode_rc(b.data, b.len), RCR_E_VERSION);
	m->tables[1].rgs[2].frames[1].codec = RCR_CODEC_RAW;
	m->tables[1].rgs[2].frames[1].compression = RCR_COMPRESSION_COUNT;
	encode_or_die(&b, m);
	CHECK_RC(decode_rc(b.data, b.len), RCR_E_VERSION);
	m->tables[1].rgs[2].frames[1].compression = RCR_COMPRESSION_NONE;
	encode_or_die(&b, m);
	CHECK_RC(decode_rc(b.data, b.len), 0);
	rcr_manifest_free(m);

	m = fx_sample_manifest();
	encode_or_die(&b, m);
	rcr_manifest_free(m);
	rcr_buf c = RCR_BUF_INIT;
	/* The last frame reference's reserved u16 is just before the checksum. */
	fx_put(&c, b.data, b.len);
	c.data[c.len - 8 - 1] = 1;
	reseal(&c);
	CHECK_RC(decode_rc(c.data, c.len), RCR_E_FORMAT);
	/* A table's reserved flag byte: it follows "items" and relkind 'p'. */
	rcr_buf_reset(&c);
	fx_put(&c, b.data, b.len);
	uint8_t *items = memmem(c.data, c.len, "items", 5);
	REQUIRE(items != NULL && items[5] == 'p' && items[6] == 0);
	items[6] = 0x01;
	reseal(&c);
	CHECK_RC(decode_rc(c.data, c.len), RCR_E_FORMAT);
	/* A NUL inside a string. */
	items[6] = 0;
	items[2] = 0;
	reseal(&c);
	CHECK_RC(decode_rc(c.data, c.len), RCR_E_FORMAT);
	items[2] = 'e';
	reseal(&c);
	CHECK_RC(decode_rc(c.data, c.len), 0);
	rcr_buf_free(&c);
	rcr_buf_free(&b);
}

/* Metadata that restore acts on holds one of its values, and names are not empty (spec
 * "Metadata keys" and "Reader checks"): a forged encoding was run as SQL by restore. */
static void test_manifest__meta_values_and_names_checked(void)
{
	static const char *const bad[][2] = {
		{"encoding", "UTF8'; CREATE TABLE pwned(); --"}, {"encoding", "utf-8"}, {"content", "all"},
		{"no_owner", "yes"}, {"no_privileges", ""}, {"no_comments", "1 "}, {"created_at", "2026\x1b[2J"},
		{"compression", "zstd:1\n"}, {"server_version", "17\a"},
	};
	static const char *const good[][2] = {
		{"encoding", ""}, {"encoding", "LATIN1"}, {"content", "data-only"}, {"no_owner", "1"},
		{"dbname", "any\x1b name"}, {"x-unknown", "\x07"},
	};
	for (int pass = 0; pass < 2; pass++) {
		size_t n = pass ? sizeof good / sizeof good[0] : sizeof bad / sizeof bad[0];
		for (size_t i = 0; i < n; i++) {
			const char *const *kv = pass ? good[i] : bad[i];
			char value[128];
			/* "\\x1b", "\\n", "\\a" in the tables stand for the control characters */
			size_t o = 0;
			for (const char *c = kv[1]; *c && o + 1 < sizeof value; c++) {
				if (c[0] == '\\' && c[1] == 'x') {
					value[o++] = (char)strtol((char[3]){c[2], c[3], 0}, NULL, 16);
					c += 3;
				} else if (c[0] == '\\' && (c[1] == 'n' || c[1] == 'a')) {
					value[o++] = c[1] == 'n' ? '\n' : '\a';
					c++;
				} else
					value[o++] = *c;
			}
			value[o] = 0;
			rcr_manifest *m, *d = NULL;
			REQUIRE_OK(rcr_manifest_new(&m));
			REQUIRE_OK(rcr_manifest_set_meta(m, kv[0], value));
			rcr_buf b = RCR_BUF_INIT;
			REQUIRE_OK(rcr_manifest_encode(&b, m));
			int rc = rcr_manifest_decode(&d, b.data, b.len);
			if (rc != (pass ? 0 : RCR_E_FORMAT))
				fprintf(stderr, "%s = '%s'\n", kv[0], kv[1]);
			CHECK_RC(rc, pass ? 0 : RCR_E_FORMAT);
			if (!pass)
				CHECK(strchr(rcr_error_message(), '\x1b') == NULL && strchr(rcr_error_message(), '\n') == NULL);
			rcr_manifest_free(d);
			rcr_manifest_free(m);
			rcr_buf_free(&b);
		}
	}
	/* an empty table name */
	rcr_manifest *m, *d = NULL;
	REQUIRE_OK(rcr_manifest_new(&m));
	m->tables = calloc(1, sizeof *m->tables);
	REQUIRE(m->tables != NULL);
	m->ntables = 1;
	m->tables[0].schema = strdup("public");
	m->tables[0].name = strdup("");
	rcr_buf b = RCR_BUF_INIT;
	REQUIRE_OK(rcr_manifest_encode(&b, m));
	CHECK_RC(rcr_manifest_decode(&d, b.data, b.len), RCR_E_FORMAT);
	rcr_manifest_free(d);
	rcr_manifest_free(m);
	rcr_buf_free(&b);
}

/* The encoder appends without checking each call and checks the buffer once: a buffer that
 * cannot grow gives RCR_E_NOMEM, never another code, and the header is not patched into it. */
static void test_manifest__encode_into_broken_buffer(void)
{
	rcr_manifest *m = fx_sample_manifest();
	rcr_buf b = RCR_BUF_INIT;
	fx_put(&b, "prefix", 6);
	CHECK_RC(rcr_buf_reserve(&b, SIZE_MAX - 8), RCR_E_NOMEM);
	rcr_error_clear();
	CHECK_RC(rcr_manifest_encode(&b, m), RCR_E_NOMEM);
	CHECK(strstr(rcr_error_message(), "encoding the manifest") != NULL);
	CHECK_MEM(b.data, b.len, "prefix", 6);
	rcr_manifest_free(m);
	rcr_buf_free(&b);
}


/* Gives table 1 of the sample (3 columns, 4 row groups) the row-identity fields of an
 * incremental archive: content hashes, row-hash frames, row group 2 shared from table 7 row
 * group 9 of a base, and skipped rows in row group 1; the table's totals follow. */
static void add_row_identity(rcr_manifest *m)
{
	rcr_table *t = &m->tables[1];
	m->required_features |= RCR_FEATURE_ROW_IDENTITY;
	for (uint32_t i = 0; i < m->ntables; i++)
		for (uint32_t g = 0; g < m->tables[i].nrgs; g++) {
			m->tables[i].rgs[g].origin_table = i;
			m->tables[i].rgs[g].origin_rg = g;
			memset(m->tables[i].rgs[g].content_hash, (int)(0x40 + g), RCR_CONTENT_HASH_SIZE);
		}
	for (uint32_t g = 0; g < t->nrgs; g++) {
		rcr_row_group *rg = &t->rgs[g];
		rcr_frame_ref *h = &rg->row_hashes;
		rg->has_row_hashes = 1;
		*h = (rcr_frame_ref){.offset = 7000 + g, .raw_size = (uint64_t)rg->row_count * RCR_ROW_HASH_SIZE,
				     .stored_hash = 0x5151 + g, .raw_hash = 0x6161 + g};
		h->stored_size = h->content_size = (uint32_t)h->raw_size;
		t->raw_bytes += h->raw_size;
		t->stored_bytes += 64 + (uint64_t)h->stored_size;
	}
	t->rgs[2].origin_table = 7;
	t->rgs[2].origin_rg = 9;
	rcr_row_group *rg = &t->rgs[1];
	rg->skip = malloc(3 * sizeof *rg->skip);
	REQUIRE(rg->skip != NULL);
	rg->skip[0] = 0;
	rg->skip[1] = 17;
	rg->skip[2] = rg->row_count - 1;
	rg->nskip = 3;
	t->row_count -= 3;
}

/* Required_Features bit 1 (spec 1.7.0): the fields round-trip canonically, the encoder raises
 * the bit itself when skipped rows or row hashes would otherwise be lost, and the reader
 * refuses skip lists out of order or covering the whole row group, a row-hash frame that is
 * not 32 raw bytes per row, unknown row-group flags and totals that forget the row hashes. */
static void test_manifest__row_identity(void)
{
	rcr_manifest *m = fx_sample_manifest(), *d;
	rcr_buf b = RCR_BUF_INIT, again = RCR_BUF_INIT;
	add_row_identity(m);
	rcr_table *t = &m->tables[1];
	encode_or_die(&b, m);
	CHECK_EQ_U64(rcr_load_u32le(b.data + 12), RCR_FEATURE_ROW_IDENTITY);
	REQUIRE_OK(decode_copy(&d, b.data, b.len));
	check_equal(m, d);
	CHECK_EQ_U64(rcr_row_group_live(&d->tables[1].rgs[1]), t->rgs[1].row_count - 3);
	REQUIRE_OK(rcr_manifest_encode(&again, d));
	CHECK_MEM(again.data, again.len, b.data, b.len);
	rcr_manifest_free(d);

	/* The caller forgot the bit: skipped rows raise it anyway. */
	m->required_features = 0;
	encode_or_die(&b, m);
	CHECK_EQ_U64(rcr_load_u32le(b.data + 12), RCR_FEATURE_ROW_IDENTITY);
	CHECK_RC(decode_rc(b.data, b.len), 0);

	/* Skipped rows out of order, repeated, beyond the rows, or all of them. */
	rcr_row_group *rg = &t->rgs[1];
	rg->skip[1] = 0;
	encode_or_die(&b, m);
	CHECK_RC(decode_rc(b.data, b.len), RCR_E_FORMAT);
	rg->skip[1] = 17;
	rg->skip[2] = rg->row_count;
	encode_or_die(&b, m);
	CHECK_RC(decode_rc(b.data, b.len), RCR_E_FORMAT);
	rg->skip[2] = rg->row_count - 1;
	uint32_t rows = rg->row_count;
	rg->row_count = 3;   /* three skips of three rows, totals aside */
	encode_or_die(&b, m);
	CHECK_RC(decode_rc(b.data, b.len), RCR_E_FORMAT);
	rg->row_count = rows;

	/* A row-hash frame must be raw, uncompressed, 32 bytes per row. */
	rcr_frame_ref *h = &t->rgs[3].row_hashes;
	h->compression = RCR_COMPRESSION_ZSTD;
	encode_or_die(&b, m);
	CHECK_RC(decode_rc(b.data, b.len), RCR_E_FORMAT);
	h->compression = RCR_COMPRESSION_NONE;
	h->stored_size--;
	encode_or_die(&b, m);
	CHECK_RC(decode_rc(b.data, b.len), RCR_E_FORMAT);
	h->stored_size++;

	/* Totals that leave the row-hash frames out. */
	t->raw_bytes -= h->raw_size;
	encode_or_die(&b, m);
	CHECK_RC(decode_rc(b.data, b.len), RCR_E_FORMAT);
	t->raw_bytes += h->raw_size;
	encode_or_die(&b, m);
	CHECK_RC(decode_rc(b.data, b.len), 0);

	/* An unknown row-group flag bit: the byte after the origins of the first row group of
	 * table 0, which has no columns: 4 + 4 + 32 + 4 + 4 bytes into it. Found by searching
	 * for its content hash, which the sample makes unique to row group 0. */
	uint8_t probe[RCR_CONTENT_HASH_SIZE];
	memset(probe, 0x40, sizeof probe);
	uint8_t *at = memmem(b.data, b.len, probe, sizeof probe);
	REQUIRE(at != NULL);
	at[RCR_CONTENT_HASH_SIZE + 8] = 0x80;
	reseal(&b);
	CHECK_RC(decode_rc(b.data, b.len), RCR_E_FORMAT);
	at[RCR_CONTENT_HASH_SIZE + 8] = 0;
	reseal(&b);
	CHECK_RC(decode_rc(b.data, b.len), 0);

	/* Without the bit none of it is encoded: an archive as readers of 1.6 know it. */
	for (uint32_t g = 0; g < t->nrgs; g++) {
		t->rgs[g].has_row_hashes = 0;
		t->raw_bytes -= t->rgs[g].row_hashes.raw_size;
		t->stored_bytes -= 64 + (uint64_t)t->rgs[g].row_hashes.stored_size;
	}
	t->row_count += rg->nskip;
	rg->nskip = 0;
	m->required_features = 0;
	encode_or_die(&b, m);
	CHECK_EQ_U64(rcr_load_u32le(b.data + 12), 0);
	REQUIRE_OK(decode_copy(&d, b.data, b.len));
	CHECK_EQ_U64(d->tables[1].rgs[2].origin_table, 0);
	CHECK_EQ_U64(d->tables[1].rgs[2].has_row_hashes, 0);
	rcr_manifest_free(d);
	rcr_manifest_free(m);
	rcr_buf_free(&b);
	rcr_buf_free(&again);
}

static const test_case cases[] = {
	TEST(test_manifest__roundtrip),
	TEST(test_manifest__codec_trials),
	TEST(test_manifest__empty),
	TEST(test_manifest__meta_and_row_groups),
	TEST(test_manifest__every_bit_flip_rejected),
	TEST(test_manifest__every_truncation_rejected),
	TEST(test_manifest__resealed_truncations_rejected),
	TEST(test_manifest__hostile_counts),
	TEST(test_manifest__row_group_rows_limited),
	TEST(test_manifest__row_group_raw_limited),
	TEST(test_manifest__versions_and_features),
	TEST(test_manifest__table_flags),
	TEST(test_manifest__row_identity),
	TEST(test_manifest__bad_paths_rejected),
	TEST(test_manifest__inconsistencies_rejected),
	TEST(test_manifest__meta_values_and_names_checked),
	TEST(test_manifest__encode_into_broken_buffer),
};

TEST_MAIN(cases)
