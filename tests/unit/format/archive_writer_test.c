/* archive_writer_test.c: tests src/format/archive_writer.c (row groups → frames → data file,
 * recorded in the manifest).
 *
 * Tables are written with the writer into a temporary directory, the manifest is encoded next
 * to them, and everything is read back as verify and restore read it: rcr_archive_open, then
 * every frame with rcr_archive_load_frame, which cross-checks each frame against the manifest.
 * The field streams read back must be the ones given, and the files must hold exactly the
 * frames the manifest lists. */
#include "../fixtures.h"
#include "../test.h"

#include "rcr/archive.h"
#include "rcr/archive_writer.h"
#include "rcr/codec.h"
#include "rcr/fsutil.h"
#include "rcr/row_hash.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

/* A sink writing to files of the test directory, counting its calls. */
typedef struct file_sink {
	char path[512];
	int fd;
	int creates, appends, discards, locked, max_locked, fail_create;
	int take_groups, taken;   /* take_group: calls, and how many to answer 1 */
} file_sink;

static char root[64];

static int fs_create(void *ctx, const char *file)
{
	file_sink *s = ctx;
	s->creates++;
	snprintf(s->path, sizeof s->path, "%s/%s", root, file);
	if (s->fail_create)
		return rcr_error_set(RCR_E_IO, "could not create '%s'", s->path);
	if (s->fd >= 0)
		close(s->fd);
	s->fd = open(s->path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	return s->fd < 0 ? rcr_error_set(RCR_E_IO, "could not create '%s'", s->path) : 0;
}

static int fs_append(void *ctx, const void *p, size_t n)
{
	file_sink *s = ctx;
	s->appends++;
	return rcr_fs_write_all(s->fd, p, n, s->path);
}

static void fs_discard(void *ctx)
{
	file_sink *s = ctx;
	s->discards++;
	unlink(s->path);
}

static void fs_lock(void *ctx)
{
	file_sink *s = ctx;
	s->locked++;
	if (s->locked > s->max_locked)
		s->max_locked = s->locked;
}

static void fs_unlock(void *ctx) { ((file_sink *)ctx)->locked--; }

static int fs_take_group(void *ctx, const uint8_t content_hash[RCR_CONTENT_HASH_SIZE])
{
	file_sink *s = ctx;
	s->take_groups++;
	if (s->taken == 0)
		return 0;
	s->taken--;
	return 1;
}

static const rcr_data_sink_vtbl sink_vtbl = {fs_create, fs_append, fs_discard, fs_lock, fs_unlock, fs_take_group};

static void make_root(void)
{
	snprintf(root, sizeof root, "/tmp/rcr-archive-writer-test.XXXXXX");
	if (!mkdtemp(root))
		fx_oom();
	char data[128];
	snprintf(data, sizeof data, "%s/data", root);
	mkdir(data, 0700);
}

static void remove_root(void)
{
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", root);
}

static void sink_init(file_sink *s, const char *rel)
{
	memset(s, 0, sizeof *s);
	s->fd = -1;
	snprintf(s->path, sizeof s->path, "%s/%s", root, rel);
}

static void sink_close(file_sink *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
}

/* A manifest with one table, oid 16384, of the given columns (type names). */
static rcr_manifest *one_table(uint32_t ncols, const char *const *types)
{
	rcr_manifest *m;
	if (rcr_manifest_new(&m) < 0)
		fx_oom();
	m->ntables = 1;
	m->tables = fx_calloc(1, sizeof *m->tables);
	rcr_table *t = &m->tables[0];
	t->oid = 16384;
	t->schema = fx_strdup("public");
	t->name = fx_strdup("t");
	t->relkind = 'r';
	t->ncols = ncols;
	t->cols = fx_calloc(ncols, sizeof *t->cols);
	for (uint32_t c = 0; c < ncols; c++) {
		char name[16];
		snprintf(name, sizeof name, "c%u", c);
		t->cols[c].name = fx_strdup(name);
		t->cols[c].type_schema = fx_strdup(strcmp(types[c], "vector") == 0 ? "public" : "pg_catalog");
		t->cols[c].type_name = fx_strdup(types[c]);
		t->cols[c].type_oid = 25;
		t->cols[c].typmod = -1;
		t->cols[c].type_kind = 'b';
	}
	return m;
}

static int write_manifest(const rcr_manifest *m)
{
	rcr_buf b = RCR_BUF_INIT;
	int rc = rcr_manifest_encode(&b, m);
	if (rc == 0)
		rc = rcr_fs_write_atomic(root, RCR_MANIFEST_NAME, b.data, b.len);
	rcr_buf_free(&b);
	return rc;
}

/* Reads frame (g, c) of table 0 back from the archive in root into out. */
static int read_frame(const rcr_manifest *m, uint32_t g, uint32_t c, rcr_buf *out)
{
	const rcr_table *t = &m->tables[0];
	char path[4096];
	int fd = rcr_fs_open_in(root, t->files[t->rgs[g].file], path, sizeof path);
	if (fd < 0)
		return fd;
	struct stat st;
	fstat(fd, &st);
	rcr_frame_decoder *dec;
	rcr_buf scratch = RCR_BUF_INIT;
	int rc = rcr_frame_decoder_new(&dec, RCR_MAX_FRAME_RAW);
	const uint8_t *fields = NULL;
	size_t len = 0;
	if (rc == 0)
		rc = rcr_archive_load_frame(dec, &scratch, fd, (uint64_t)st.st_size, path, m, 0, g, c, &fields, &len);
	rcr_buf_reset(out);
	if (rc == 0)
		fx_put(out, fields, len);
	rcr_frame_decoder_free(dec);
	rcr_buf_free(&scratch);
	close(fd);
	return rc;
}

static uint64_t file_size(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 ? (uint64_t)st.st_size : 0;
}

#define NRG 5

/* Two writers (the two pieces of a split table) append row groups in turn to their own files
 * of one table: what is read back is what was written, row group by row group, each file
 * holds exactly its frames, and the totals add up. */
static void test_archive_writer__two_pieces_read_back(void)
{
	make_root();
	static const char *const types[] = {"int8", "vector", "text"};
	rcr_manifest *wm = one_table(3, types);
	rcr_table *t = &wm->tables[0];
	file_sink s[2];
	sink_init(&s[0], "data/16384.0.rcd");
	sink_init(&s[1], "data/16384.1.rcd");
	rcr_table_writer *w[2];
	rcr_table_writer_opts o = RCR_TABLE_WRITER_OPTS_INIT;
	o.segment_rgs = 0;
	REQUIRE_OK(rcr_table_writer_new(&w[0], t, 0, "data/16384.0.rcd", &o, &sink_vtbl, &s[0]));
	REQUIRE_OK(rcr_table_writer_new(&w[1], t, 0, "data/16384.1.rcd", &o, &sink_vtbl, &s[1]));
	CHECK_EQ_U64(rcr_table_writer_file(w[0]), UINT32_MAX);

	test_rng r = {7};
	rcr_buf given[NRG][3];
	uint32_t rows[NRG];
	uint64_t total_rows = 0;
	for (int g = 0; g < NRG; g++) {
		rows[g] = 20 + (uint32_t)g * 13;
		total_rows += rows[g];
		for (int c = 0; c < 3; c++)
			given[g][c] = (rcr_buf)RCR_BUF_INIT;
		for (uint32_t i = 0; i < rows[g]; i++) {
			uint8_t v[8];
			rcr_store_u64le(v, i * 1000003u);
			fx_field(&given[g][0], v, 8);
		}
		fx_dense_random(&given[g][1], &r, rows[g], 8, 4);
		fx_fields_random(&given[g][2], &r, rows[g], 30);
		/* pieces take turns, as two connections would: 1, 0, 1, 0, 1 */
		REQUIRE_OK(rcr_table_writer_add(w[(g + 1) % 2], given[g], rows[g]));
	}
	/* The piece that flushed first is file 0. */
	CHECK_EQ_U64(rcr_table_writer_file(w[1]), 0);
	CHECK_EQ_U64(rcr_table_writer_file(w[0]), 1);
	CHECK_EQ_U64(s[0].creates + s[1].creates, 2);
	CHECK(s[0].locked == 0 && s[1].locked == 0 && s[0].max_locked == 1);
	sink_close(&s[0]);
	sink_close(&s[1]);
	CHECK_EQ_U64(t->nfiles, 2);
	CHECK_STR(t->files[0], "data/16384.1.rcd");
	CHECK_EQ_U64(t->nrgs, NRG);
	CHECK_EQ_U64(t->row_count, total_rows);
	REQUIRE_OK(write_manifest(wm));

	rcr_manifest *m;
	REQUIRE_OK(rcr_archive_open(&m, root));
	const rcr_table *rt = &m->tables[0];
	CHECK_EQ_U64(rt->row_count, total_rows);
	uint64_t in_file[2] = {0, 0}, raw = 0;
	rcr_buf got = RCR_BUF_INIT;
	for (uint32_t g = 0; g < NRG; g++) {
		CHECK_EQ_U64(rt->rgs[g].file, (g + 1) % 2 == 1 ? 0 : 1);
		CHECK_EQ_U64(rt->rgs[g].row_count, rows[g]);
		for (uint32_t c = 0; c < 3; c++) {
			CHECK_RC(read_frame(m, g, c, &got), 0);
			CHECK_MEM(got.data, got.len, given[g][c].data, given[g][c].len);
			in_file[rt->rgs[g].file] += RCR_FRAME_HEADER_SIZE + (uint64_t)rt->rgs[g].frames[c].stored_size;
			raw += given[g][c].len;
		}
		/* The vector column gets its codec, the others raw. */
		CHECK_EQ_U64(rt->rgs[g].frames[0].codec, RCR_CODEC_RAW);
		CHECK_EQ_U64(rt->rgs[g].frames[1].codec, RCR_CODEC_VECTOR);
		CHECK_EQ_U64(rt->rgs[g].frames[2].codec, RCR_CODEC_RAW);
	}
	CHECK_EQ_U64(rt->raw_bytes, raw);
	CHECK_EQ_U64(rt->stored_bytes, in_file[0] + in_file[1]);
	char p0[600], p1[600];
	snprintf(p0, sizeof p0, "%s/%s", root, rt->files[0]);
	snprintf(p1, sizeof p1, "%s/%s", root, rt->files[1]);
	CHECK_EQ_U64(file_size(p0), in_file[0]);
	CHECK_EQ_U64(file_size(p1), in_file[1]);

	for (int g = 0; g < NRG; g++)
		for (int c = 0; c < 3; c++)
			rcr_buf_free(&given[g][c]);
	rcr_buf_free(&got);
	rcr_table_writer_free(w[0]);
	rcr_table_writer_free(w[1]);
	rcr_manifest_free(m);
	rcr_manifest_free(wm);
	remove_root();
}

/* Codec trials: on every trial_every-th row group of a writer (the first included), a column
 * with a type codec is measured against raw; the table's trials add up what was kept and what
 * raw would have taken, and the smaller frame is the one stored. Columns without a type codec
 * are never tried, and trial_every 0 tries nothing. */
static void test_archive_writer__codec_trials(void)
{
	make_root();
	static const char *const types[] = {"vector", "int4"};
	for (uint32_t every = 0; every <= 2; every += 2) {
		rcr_manifest *m = one_table(2, types);
		rcr_table *t = &m->tables[0];
		file_sink s;
		sink_init(&s, every ? "data/16384.rcd" : "data/16384.x.rcd");
		rcr_table_writer *w;
		rcr_table_writer_opts o = {.level = 0, .trial_every = every, .force_codec = -1};
		REQUIRE_OK(rcr_table_writer_new(&w, t, 0, every ? "data/16384.rcd" : "data/16384.x.rcd", &o, &sink_vtbl, &s));
		test_rng r = {11};
		uint64_t kept = 0, plain = 0;
		for (uint32_t g = 0; g < NRG; g++) {
			rcr_buf cols[2] = {RCR_BUF_INIT, RCR_BUF_INIT};
			fx_dense_random(&cols[0], &r, 16, 4, 4);
			for (int i = 0; i < 16; i++)
				fx_field(&cols[1], "abcd", 4);
			REQUIRE_OK(rcr_table_writer_add(w, cols, 16));
			if (every && g % every == 0) {
				/* the raw frame of the vector column, for comparison */
				rcr_frame_encoder *enc;
				REQUIRE_OK(rcr_frame_encoder_new(&enc, 0));
				rcr_buf f = RCR_BUF_INIT;
				rcr_frame_header h;
				REQUIRE_OK(rcr_frame_encode(enc, &f, &h, 0, g, 0, RCR_CODEC_RAW, cols[0].data, cols[0].len, 16));
				const rcr_frame_ref *ref = &t->rgs[g].frames[0];
				kept += RCR_FRAME_HEADER_SIZE + (uint64_t)ref->stored_size;
				plain += RCR_FRAME_HEADER_SIZE + (uint64_t)h.stored_size;
				CHECK(ref->stored_size <= h.stored_size);
				rcr_buf_free(&f);
				rcr_frame_encoder_free(enc);
			}
			rcr_buf_free(&cols[0]);
			rcr_buf_free(&cols[1]);
		}
		CHECK_EQ_U64(t->trials.row_groups, every ? (NRG + every - 1) / every : 0);
		CHECK_EQ_U64(t->trials.codec_bytes, kept);
		CHECK_EQ_U64(t->trials.plain_bytes, plain);
		if (every)
			CHECK(kept < plain);
		sink_close(&s);
		rcr_table_writer_free(w);
		rcr_manifest_free(m);
	}
	remove_root();
}

/* Nothing is created or listed before the first row group; a file that cannot be created is
 * never listed (a failed run's cleanup removes listed files only); a table without columns
 * gets row groups without frames in an empty file. */
static void test_archive_writer__files_and_edges(void)
{
	make_root();
	rcr_manifest *m = one_table(0, NULL);
	rcr_table *t = &m->tables[0];
	file_sink s;
	sink_init(&s, "data/16384.rcd");
	s.fail_create = 1;
	rcr_table_writer *w;
	rcr_table_writer_opts o = RCR_TABLE_WRITER_OPTS_INIT;
	o.segment_rgs = 0;
	REQUIRE_OK(rcr_table_writer_new(&w, t, 0, "data/16384.rcd", &o, &sink_vtbl, &s));
	CHECK_EQ_U64(s.creates, 0);
	CHECK_RC(rcr_table_writer_add(w, NULL, 2), RCR_E_IO);
	CHECK_EQ_U64(t->nfiles, 0);
	CHECK_EQ_U64(t->nrgs, 0);
	CHECK_EQ_U64(s.appends, 0);
	CHECK_EQ_U64(rcr_table_writer_file(w), UINT32_MAX);
	s.fail_create = 0;
	REQUIRE_OK(rcr_table_writer_add(w, NULL, 2));
	REQUIRE_OK(rcr_table_writer_add(w, NULL, 3));
	CHECK_EQ_U64(s.creates, 2);
	CHECK_EQ_U64(s.discards, 0);
	CHECK_EQ_U64(t->nfiles, 1);
	CHECK_EQ_U64(t->nrgs, 2);
	CHECK_EQ_U64(t->row_count, 5);
	CHECK_EQ_U64(t->stored_bytes, 0);
	sink_close(&s);
	CHECK_EQ_U64(file_size(s.path), 0);
	REQUIRE_OK(write_manifest(m));
	rcr_manifest *back;
	REQUIRE_OK(rcr_archive_open(&back, root));
	CHECK_EQ_U64(back->tables[0].row_count, 5);
	CHECK_EQ_U64(back->tables[0].rgs[1].row_count, 3);
	rcr_manifest_free(back);
	rcr_table_writer_free(w);
	rcr_manifest_free(m);
	remove_root();
}

/* The metadata keys, in dump's order; a NULL encoding leaves its key out; setting again
 * replaces values rather than adding keys. Schema files are listed as given. */
static void test_archive_writer__meta_and_schema_files(void)
{
	static const char *const keys[] = {"created_at", "rcr_version", "server_version", "dbname", "encoding",
					   "snapshot", "compression", "jobs", "content", "no_owner",
					   "no_privileges", "no_comments"};
	rcr_manifest *m;
	REQUIRE_OK(rcr_manifest_new(&m));
	rcr_archive_meta meta = {"2026-01-02T03:04:05Z", "0.1.0", "17.2", "db", NULL, "0-1", 7, 3, "data-only", 1, 0, 1,
				 NULL, NULL, NULL, NULL};
	REQUIRE_OK(rcr_archive_set_meta(m, &meta));
	CHECK_EQ_U64(m->nmeta, 11);
	CHECK(rcr_manifest_get_meta(m, "encoding") == NULL);
	meta.encoding = "UTF8";
	meta.level = 9;
	REQUIRE_OK(rcr_archive_set_meta(m, &meta));
	REQUIRE(m->nmeta == 12);
	for (uint32_t i = 0; i < 4; i++)
		CHECK_STR(m->meta[i].key, keys[i]);
	CHECK_STR(m->meta[11].key, "encoding");
	CHECK_STR(rcr_manifest_get_meta(m, "compression"), "zstd:9");
	CHECK_STR(rcr_manifest_get_meta(m, "jobs"), "3");
	CHECK_STR(rcr_manifest_get_meta(m, "no_owner"), "1");
	CHECK_STR(rcr_manifest_get_meta(m, "no_privileges"), "0");
	CHECK_STR(rcr_manifest_get_meta(m, "content"), "data-only");
	for (uint32_t i = 4; i < 11; i++)
		CHECK_STR(m->meta[i].key, keys[i + 1]);
	/* the dumping session's settings that change values' text (textout.h), after the others */
	meta.lc_monetary = "C";
	meta.bytea_output = "escape";
	REQUIRE_OK(rcr_archive_set_meta(m, &meta));
	REQUIRE(m->nmeta == 14);
	CHECK_STR(m->meta[12].key, "lc_monetary");
	CHECK_STR(m->meta[12].value, "C");
	CHECK_STR(m->meta[13].key, "bytea_output");
	CHECK_STR(m->meta[13].value, "escape");
	/* row identity's (issue 15), last */
	meta.archive_id = "0123456789abcdef0123456789abcdef";
	meta.database_id = "7300000000000000001/16384";
	REQUIRE_OK(rcr_archive_set_meta(m, &meta));
	REQUIRE(m->nmeta == 16);
	CHECK_STR(m->meta[14].key, "archive_id");
	CHECK_STR(m->meta[14].value, "0123456789abcdef0123456789abcdef");
	CHECK_STR(m->meta[15].key, "database_id");
	CHECK_STR(m->meta[15].value, "7300000000000000001/16384");
	REQUIRE_OK(rcr_archive_add_schema_file(m, "toc.dat", 10, 0x1234));
	REQUIRE_OK(rcr_archive_add_schema_file(m, "3001.dat.gz", 20, 0x5678));
	REQUIRE(m->nschema_files == 2);
	CHECK_STR(m->schema_files[1].name, "3001.dat.gz");
	CHECK_EQ_U64(m->schema_files[1].size, 20);
	CHECK_EQ_U64(m->schema_files[1].hash, 0x5678);
	rcr_manifest_free(m);
}

/* A row group of `rows` rows of one text column, each field `len` bytes (seeded by r). */
static void text_rows(rcr_buf *col, test_rng *r, uint32_t rows, uint32_t len)
{
	uint8_t v[4096];
	*col = (rcr_buf)RCR_BUF_INIT;
	for (uint32_t i = 0; i < rows; i++) {
		test_rng_fill(r, v, len);
		fx_field(col, v, (int32_t)len);
	}
}

/* Reads `n` bytes at `offset` of the archive file `rel`. */
static void read_at(const char *rel, uint64_t offset, uint8_t *out, size_t n)
{
	char path[600];
	snprintf(path, sizeof path, "%s/%s", root, rel);
	int fd = open(path, O_RDONLY);
	REQUIRE(fd >= 0);
	REQUIRE(pread(fd, out, n, (off_t)offset) == (ssize_t)n);
	close(fd);
}

/* Row identity: every row group records its content hash and its own indexes as origin; one
 * whose rows average 1 KiB of field bytes or more (4 + 1020 here: just at the line) keeps its
 * row hashes in a row-hash frame right after its column frames (column ncols, raw, not
 * compressed, 32 bytes a row), which the table's totals count; one just below the line
 * (4 + 1019) keeps none and its content hash is that of its field streams. */
static void test_archive_writer__row_identity(void)
{
	make_root();
	static const char *const types[] = {"text"};
	rcr_manifest *m = one_table(1, types);
	rcr_table *t = &m->tables[0];
	file_sink s;
	sink_init(&s, "x");
	rcr_table_writer *w;
	rcr_table_writer_opts o = RCR_TABLE_WRITER_OPTS_INIT;
	REQUIRE_OK(rcr_table_writer_new(&w, t, 0, "data/16384-00c0ffee.0", &o, &sink_vtbl, &s));
	rcr_row_hasher *h;
	REQUIRE_OK(rcr_row_hasher_new(&h));
	test_rng r = {5};
	static const uint32_t lens[] = {1020, 1019, 3000};
	uint64_t stored = 0, raw = 0;
	for (uint32_t g = 0; g < 3; g++) {
		rcr_buf col;
		text_rows(&col, &r, 10, lens[g]);
		REQUIRE_OK(rcr_table_writer_add(w, &col, 10));
		const rcr_row_group *rg = &t->rgs[g];
		CHECK_EQ_U64(rg->origin_table, 0);
		CHECK_EQ_U64(rg->origin_rg, g);
		uint8_t want[32], hashes[320];
		REQUIRE_OK(rcr_row_hashes(h, hashes, &col, 1, 10));
		stored += RCR_FRAME_HEADER_SIZE + (uint64_t)rg->frames[0].stored_size;
		raw += col.len;
		if (g == 1) {
			CHECK_EQ_U64(rg->has_row_hashes, 0);
			REQUIRE_OK(rcr_content_hash_streams(h, want, &col, 1));
			CHECK_MEM(rg->content_hash, 32, want, 32);
			rcr_buf_free(&col);
			continue;
		}
		CHECK_EQ_U64(rg->has_row_hashes, 1);
		REQUIRE_OK(rcr_content_hash_rows(h, want, hashes, 10));
		CHECK_MEM(rg->content_hash, 32, want, 32);
		const rcr_frame_ref *f = &rg->row_hashes;
		CHECK_EQ_U64(f->offset, rg->frames[0].offset + RCR_FRAME_HEADER_SIZE + rg->frames[0].stored_size);
		CHECK_EQ_U64(f->codec, RCR_CODEC_RAW);
		CHECK_EQ_U64(f->compression, RCR_COMPRESSION_NONE);
		CHECK_EQ_U64(f->raw_size, 320);
		CHECK_EQ_U64(f->stored_size, 320);
		sink_close(&s);
		uint8_t frame[RCR_FRAME_HEADER_SIZE + 320];
		read_at(t->files[rg->file], f->offset, frame, sizeof frame);
		rcr_frame_header fh;
		REQUIRE_OK(rcr_frame_header_read(&fh, frame, sizeof frame));
		CHECK_EQ_U64(fh.column, 1);
		CHECK_EQ_U64(fh.row_group, g);
		CHECK_EQ_U64(fh.row_count, 10);
		CHECK_MEM(frame + RCR_FRAME_HEADER_SIZE, 320, hashes, 320);
		stored += RCR_FRAME_HEADER_SIZE + 320;
		raw += 320;
		s.fd = open(s.path, O_WRONLY | O_APPEND);
		rcr_buf_free(&col);
	}
	CHECK_EQ_U64(t->raw_bytes, raw);
	CHECK_EQ_U64(t->stored_bytes, stored);
	sink_close(&s);
	CHECK_EQ_U64(file_size(s.path), stored);
	CHECK_EQ_U64(s.take_groups, 1); /* asked about the row group without row hashes only */
	rcr_row_hasher_free(h);
	rcr_table_writer_free(w);
	rcr_manifest_free(m);
	remove_root();
}

/* Segments: a new file after every 16 row groups, named <stem>.<segment>.rcd, each starting at
 * offset 0 and holding exactly its row groups' frames. A row group the sink's take_group
 * takes is neither written nor recorded and does not count in its segment. */
static void test_archive_writer__segments(void)
{
	make_root();
	static const char *const types[] = {"int4", "text"};
	rcr_manifest *m = one_table(2, types);
	rcr_table *t = &m->tables[0];
	file_sink s;
	sink_init(&s, "x");
	s.taken = 2;
	rcr_table_writer *w;
	rcr_table_writer_opts o = RCR_TABLE_WRITER_OPTS_INIT;
	REQUIRE_OK(rcr_table_writer_new(&w, t, 0, "data/16384-0badcafe.3", &o, &sink_vtbl, &s));
	test_rng r = {9};
	for (uint32_t g = 0; g < 42; g++) {
		rcr_buf cols[2] = {RCR_BUF_INIT, RCR_BUF_INIT};
		for (uint32_t i = 0; i < 5; i++)
			fx_field(&cols[0], "\0\0\0\1", 4);
		fx_fields_random(&cols[1], &r, 5, 20);
		CHECK_RC(rcr_table_writer_add_rows(w, cols, 5, NULL), g < 2 ? 1 : 0);
		rcr_buf_free(&cols[0]);
		rcr_buf_free(&cols[1]);
	}
	sink_close(&s);
	CHECK_EQ_U64(s.take_groups, 42);
	CHECK_EQ_U64(t->nrgs, 40);
	CHECK_EQ_U64(t->row_count, 200);
	REQUIRE(t->nfiles == 3);
	CHECK_EQ_U64(s.creates, 3);
	CHECK_STR(t->files[0], "data/16384-0badcafe.3.0.rcd");
	CHECK_STR(t->files[1], "data/16384-0badcafe.3.1.rcd");
	CHECK_STR(t->files[2], "data/16384-0badcafe.3.2.rcd");
	uint64_t in_file[3] = {0, 0, 0};
	for (uint32_t g = 0; g < 40; g++) {
		const rcr_row_group *rg = &t->rgs[g];
		CHECK_EQ_U64(rg->file, g / 16);
		CHECK_EQ_U64(rg->origin_rg, g);
		if (g % 16 == 0)
			CHECK_EQ_U64(rg->frames[0].offset, 0);
		CHECK_EQ_U64(rg->frames[0].offset, in_file[rg->file]);
		for (uint32_t c = 0; c < 2; c++)
			in_file[rg->file] += RCR_FRAME_HEADER_SIZE + (uint64_t)rg->frames[c].stored_size;
	}
	for (uint32_t f = 0; f < 3; f++) {
		char p[600];
		snprintf(p, sizeof p, "%s/%s", root, t->files[f]);
		CHECK_EQ_U64(file_size(p), in_file[f]);
	}
	rcr_table_writer_free(w);
	rcr_manifest_free(m);
	remove_root();
}

/* Row i of a synthetic stream: `len` bytes made from its id (ids are unique). */
static void synth_row(uint8_t *row, uint64_t id, size_t len)
{
	test_rng r = {id * 2654435761u + 1};
	test_rng_fill(&r, row, len);
}

/* Cuts the stream of row ids `ids` (row i is synth_row(ids[i])) into row groups; returns how
 * many, their first index in `starts` (and n at starts[count]). */
static uint32_t cut_stream(const uint64_t *ids, uint32_t n, size_t len, uint64_t target, uint32_t max_rows,
			   uint32_t *starts)
{
	rcr_rg_cutter c;
	rcr_rg_cutter_init(&c, target, max_rows);
	uint32_t count = 0;
	starts[0] = 0;
	uint8_t row[64];
	for (uint32_t i = 0; i < n; i++) {
		synth_row(row, ids[i], len);
		if (rcr_rg_cutter_row(&c, row, len) || i + 1 == n)
			starts[++count] = i + 1;
	}
	return count;
}

/* Row groups of b (starts sb) that are not also row groups of a: the same ids in the same
 * order. */
static uint32_t groups_not_in(const uint64_t *a, const uint32_t *sa, uint32_t na, const uint64_t *b,
			      const uint32_t *sb, uint32_t nb)
{
	uint32_t missing = 0;
	for (uint32_t j = 0; j < nb; j++) {
		int found = 0;
		for (uint32_t i = 0; i < na && !found; i++)
			found = sa[i + 1] - sa[i] == sb[j + 1] - sb[j] &&
				memcmp(a + sa[i], b + sb[j], (sb[j + 1] - sb[j]) * sizeof *a) == 0;
		missing += !found;
	}
	return missing;
}

/* Content-defined boundaries: one row inserted early in a stream of small rows changes only
 * the row groups around it (at most 2 of the new stream's are not the old stream's), for rows
 * that reach the byte floor first (40 bytes, 64 KiB target) and for tiny ones that reach the
 * row floor first (8 bytes, 4 MiB target, 65536 rows). Row groups stay between the floor and
 * the ceiling, and average near the target. */
static void test_archive_writer__boundaries_stable(void)
{
	static const struct {
		size_t len;
		uint64_t target;
		uint32_t n;
	} runs[] = {{40, 64 << 10, 200000}, {8, 4 << 20, 1200000}};
	for (size_t k = 0; k < sizeof runs / sizeof runs[0]; k++) {
		uint32_t n = runs[k].n;
		uint64_t *a = fx_calloc(n, sizeof *a), *b = fx_calloc(n + 1, sizeof *b);
		uint32_t *sa = fx_calloc(n + 1, sizeof *sa), *sb = fx_calloc(n + 2, sizeof *sb);
		for (uint32_t i = 0; i < n; i++)
			a[i] = i;
		uint32_t at = 3000;
		memcpy(b, a, at * sizeof *a);
		b[at] = (uint64_t)n + 7;
		memcpy(b + at + 1, a + at, (n - at) * sizeof *a);
		uint32_t na = cut_stream(a, n, runs[k].len, runs[k].target, 65536, sa);
		uint32_t nb = cut_stream(b, n + 1, runs[k].len, runs[k].target, 65536, sb);
		CHECK(na >= 15);
		CHECK(groups_not_in(a, sa, na, b, sb, nb) <= 2);
		uint64_t floor_bytes = runs[k].target / 4;
		for (uint32_t i = 0; i + 1 < na; i++) {
			uint64_t rows = sa[i + 1] - sa[i];
			CHECK(rows * runs[k].len >= floor_bytes || rows >= 65536 / 4);
			/* the ceiling: the row that crosses it closes the row group */
			CHECK(rows * runs[k].len < 2 * runs[k].target + runs[k].len && rows <= 65536);
		}
		/* the expected size: target bytes, or for tiny rows the row floor + 8192 rows */
		double len = (double)runs[k].len, avg = (double)n / na * len;
		double want = len * 8192.0 > (double)runs[k].target ? (double)runs[k].target : (16384.0 + 8192.0) * len;
		CHECK(avg > 0.6 * want && avg < 1.4 * want);
		free(a);
		free(b);
		free(sa);
		free(sb);
	}
}

/* A sink that keeps every appended byte in one buffer and the names of the files it was asked
 * to create. */
typedef struct mem_sink {
	rcr_buf bytes;
	char names[8][64];
	int nnames;
} mem_sink;

static int ms_create(void *ctx, const char *file)
{
	mem_sink *s = ctx;
	if (s->nnames < 8)
		snprintf(s->names[s->nnames], sizeof s->names[0], "%s", file);
	s->nnames++;
	return 0;
}

static int ms_append(void *ctx, const void *p, size_t n)
{
	return rcr_buf_append(&((mem_sink *)ctx)->bytes, p, n);
}

static const rcr_data_sink_vtbl mem_vtbl = {.create = ms_create, .append = ms_append};

/* Row group g of the second table of test_archive_writer__reset: int8, vector (dim 300, so
 * that rows keep their row hashes) and text. */
static void reset_rows(rcr_buf cols[3], uint32_t g, uint32_t rows)
{
	test_rng r = {100 + g};
	for (int c = 0; c < 3; c++)
		cols[c] = (rcr_buf)RCR_BUF_INIT;
	for (uint32_t i = 0; i < rows; i++) {
		uint8_t v[8];
		rcr_store_u64le(v, g * 1000u + i);
		fx_field(&cols[0], v, 8);
	}
	fx_dense_random(&cols[1], &r, rows, 300, 4);
	fx_fields_random(&cols[2], &r, rows, 40);
}

/* A writer reset to another table (rcr dump's worker, from one job to the next) writes exactly
 * what a new writer of that table writes: the same bytes, files (segment numbers from 0 again),
 * row groups, codec trials (the first row group is one again) and totals, whatever the first
 * table left in it (20 row groups: a second segment and a codec trial since its last); the
 * first table keeps what was recorded for it. */
static void test_archive_writer__reset(void)
{
	static const char *const types_a[] = {"vector", "text"};
	static const char *const types_b[] = {"int8", "vector", "text"};
	rcr_manifest *ma = one_table(2, types_a), *mb = one_table(3, types_b), *mb2 = one_table(3, types_b);
	mem_sink s = {.bytes = RCR_BUF_INIT}, s2 = {.bytes = RCR_BUF_INIT};
	rcr_table_writer_opts o = RCR_TABLE_WRITER_OPTS_INIT;
	rcr_table_writer *w, *w2;
	REQUIRE_OK(rcr_table_writer_new(&w, &ma->tables[0], 0, "data/1-0badcafe.0", &o, &mem_vtbl, &s));
	test_rng r = {5};
	for (uint32_t g = 0; g < 20; g++) {
		rcr_buf cols[2] = {RCR_BUF_INIT, RCR_BUF_INIT};
		fx_dense_random(&cols[0], &r, 7, 4, 4);
		fx_fields_random(&cols[1], &r, 7, 30);
		REQUIRE_OK(rcr_table_writer_add(w, cols, 7));
		rcr_buf_free(&cols[0]);
		rcr_buf_free(&cols[1]);
	}
	CHECK_EQ_U64(s.nnames, 2);
	rcr_buf_reset(&s.bytes);
	s.nnames = 0;
	REQUIRE_OK(rcr_table_writer_reset(w, &mb->tables[0], 0, "data/2-0badcafe.1"));
	CHECK_EQ_U64(rcr_table_writer_file(w), UINT32_MAX);
	REQUIRE_OK(rcr_table_writer_new(&w2, &mb2->tables[0], 0, "data/2-0badcafe.1", &o, &mem_vtbl, &s2));
	for (uint32_t g = 0; g < 18; g++) {
		rcr_buf cols[3];
		reset_rows(cols, g, 3 + g % 4);
		REQUIRE_OK(rcr_table_writer_add(w, cols, 3 + g % 4));
		REQUIRE_OK(rcr_table_writer_add(w2, cols, 3 + g % 4));
		for (int c = 0; c < 3; c++)
			rcr_buf_free(&cols[c]);
	}
	CHECK_MEM(s.bytes.data, s.bytes.len, s2.bytes.data, s2.bytes.len);
	REQUIRE(s.nnames == 2 && s2.nnames == 2);
	CHECK_STR(s.names[0], "data/2-0badcafe.1.0.rcd");
	CHECK_STR(s.names[1], s2.names[1]);
	const rcr_table *a = &ma->tables[0], *b = &mb->tables[0], *b2 = &mb2->tables[0];
	CHECK_EQ_U64(a->nrgs, 20);
	CHECK_EQ_U64(a->row_count, 140);
	CHECK_EQ_U64(a->nfiles, 2);
	REQUIRE(b->nfiles == b2->nfiles && b->nrgs == b2->nrgs);
	for (uint32_t f = 0; f < b->nfiles; f++)
		CHECK_STR(b->files[f], b2->files[f]);
	for (uint32_t g = 0; g < b->nrgs; g++) {
		const rcr_row_group *x = &b->rgs[g], *y = &b2->rgs[g];
		CHECK(x->file == y->file && x->row_count == y->row_count && x->has_row_hashes && y->has_row_hashes);
		CHECK_MEM(x->frames, 3 * sizeof *x->frames, y->frames, 3 * sizeof *y->frames);
		CHECK_MEM(&x->row_hashes, sizeof x->row_hashes, &y->row_hashes, sizeof y->row_hashes);
		CHECK_MEM(x->content_hash, sizeof x->content_hash, y->content_hash, sizeof y->content_hash);
	}
	CHECK(b->row_count == b2->row_count && b->raw_bytes == b2->raw_bytes && b->stored_bytes == b2->stored_bytes);
	CHECK_EQ_U64(b->trials.row_groups, 2);
	CHECK(b->trials.codec_bytes == b2->trials.codec_bytes && b->trials.plain_bytes == b2->trials.plain_bytes);
	rcr_table_writer_free(w);
	rcr_table_writer_free(w2);
	rcr_buf_free(&s.bytes);
	rcr_buf_free(&s2.bytes);
	rcr_manifest_free(ma);
	rcr_manifest_free(mb);
	rcr_manifest_free(mb2);
}

static const test_case cases[] = {
	TEST(test_archive_writer__two_pieces_read_back),
	TEST(test_archive_writer__codec_trials),
	TEST(test_archive_writer__files_and_edges),
	TEST(test_archive_writer__meta_and_schema_files),
	TEST(test_archive_writer__row_identity),
	TEST(test_archive_writer__segments),
	TEST(test_archive_writer__boundaries_stable),
	TEST(test_archive_writer__reset),
};

TEST_MAIN(cases)
