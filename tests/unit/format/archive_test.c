/* archive_test.c: tests src/format/archive.c, how every reader judges an archive's frames
 * against its manifest, here the row-identity parts (Required_Features bit 1): frame headers
 * compared with the row group's origin, the row-hash frame, the skip lists.
 *
 * A table is written with the reference writer into a data file of a temporary directory and
 * the manifest is kept in memory, its row-identity fields set by hand, as an incremental dump
 * sets them for row groups shared from a base. */
#include "../fixtures.h"
#include "../test.h"

#include "rcr/archive.h"
#include "rcr/archive_writer.h"
#include "rcr/fsutil.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#define NCOLS 2
#define NRG 2
#define ROWS 10

static char root[64];
static char file_path[128];

/* The writer's bytes go to memory; the test writes the file itself (and appends to it). */
static int mem_append(void *ctx, const void *p, size_t n) { return rcr_buf_append(ctx, p, n); }
static const rcr_data_sink_vtbl mem_sink = {NULL, mem_append, NULL, NULL, NULL, NULL};

/* Table 0 "public.t" (int8, text) holds NRG row groups of ROWS rows in data/t.rcd; table 1
 * "public.u", same columns, holds one row group whose frames are table 0's row group 1, as a
 * row group shared from a base is recorded: same file, origin set. Row identity is off. */
static rcr_manifest *make_archive(rcr_buf *file)
{
	rcr_manifest *m;
	if (rcr_manifest_new(&m) < 0)
		fx_oom();
	m->ntables = 2;
	m->tables = fx_calloc(2, sizeof *m->tables);
	for (uint32_t ti = 0; ti < 2; ti++) {
		rcr_table *t = &m->tables[ti];
		t->oid = 16384 + ti;
		t->schema = fx_strdup("public");
		t->name = fx_strdup(ti ? "u" : "t");
		t->relkind = 'r';
		t->ncols = NCOLS;
		t->cols = fx_calloc(NCOLS, sizeof *t->cols);
		for (uint32_t c = 0; c < NCOLS; c++) {
			t->cols[c].name = fx_strdup(c ? "b" : "a");
			t->cols[c].type_schema = fx_strdup("pg_catalog");
			t->cols[c].type_name = fx_strdup(c ? "text" : "int8");
			t->cols[c].type_kind = 'b';
			t->cols[c].typmod = -1;
		}
	}
	rcr_table_writer *w;
	rcr_table_writer_opts o = RCR_TABLE_WRITER_OPTS_INIT;
	if (rcr_table_writer_new(&w, &m->tables[0], 0, "data/t.rcd", &o, &mem_sink, file) < 0)
		fx_oom();
	test_rng r = {15};
	for (uint32_t g = 0; g < NRG; g++) {
		rcr_buf cols[NCOLS] = {RCR_BUF_INIT, RCR_BUF_INIT};
		for (uint32_t i = 0; i < ROWS; i++) {
			uint8_t v[8];
			rcr_store_u64le(v, g * 100 + i);
			fx_field(&cols[0], v, 8);
		}
		fx_fields_random(&cols[1], &r, ROWS, 30);
		if (rcr_table_writer_add(w, cols, ROWS) < 0)
			fx_oom();
		for (uint32_t c = 0; c < NCOLS; c++)
			rcr_buf_free(&cols[c]);
	}
	rcr_table_writer_free(w);
	rcr_table *u = &m->tables[1];
	u->nfiles = 1;
	u->files = fx_calloc(1, sizeof *u->files);
	u->files[0] = fx_strdup("data/t.rcd");
	rcr_row_group *rg;
	if (rcr_table_add_row_group(&rg, u) < 0)
		fx_oom();
	rg->row_count = ROWS;
	memcpy(rg->frames, m->tables[0].rgs[1].frames, NCOLS * sizeof *rg->frames);
	rg->origin_table = 0;
	rg->origin_rg = 1;
	return m;
}

/* Row identity on: the writer's own row groups carry their own indexes as origin. */
static void set_row_identity(rcr_manifest *m)
{
	m->required_features |= RCR_FEATURE_ROW_IDENTITY;
	for (uint32_t g = 0; g < m->tables[0].nrgs; g++) {
		m->tables[0].rgs[g].origin_table = 0;
		m->tables[0].rgs[g].origin_rg = g;
	}
}

/* Appends the row-hash frame of table 0's row group g (ROWS hashes of pattern bytes) to file
 * and records it in the manifest. */
static void add_row_hashes(rcr_manifest *m, rcr_buf *file, uint32_t g)
{
	uint8_t hashes[ROWS * RCR_ROW_HASH_SIZE];
	for (size_t i = 0; i < sizeof hashes; i++)
		hashes[i] = (uint8_t)(i * 7 + g);
	rcr_frame_header h = {.codec = RCR_CODEC_RAW,
			      .compression = RCR_COMPRESSION_NONE,
			      .table = 0,
			      .row_group = g,
			      .column = NCOLS,
			      .row_count = ROWS,
			      .raw_size = sizeof hashes,
			      .content_size = sizeof hashes,
			      .stored_size = sizeof hashes,
			      .stored_hash = rcr_hash64(hashes, sizeof hashes),
			      .raw_hash = rcr_hash64(hashes, sizeof hashes)};
	uint8_t hdr[RCR_FRAME_HEADER_SIZE];
	rcr_frame_header_write(hdr, &h);
	rcr_row_group *rg = &m->tables[0].rgs[g];
	rcr_frame_ref_set(&rg->row_hashes, &h, file->len);
	rg->has_row_hashes = 1;
	fx_put(file, hdr, sizeof hdr);
	fx_put(file, hashes, sizeof hashes);
}

static void save(const rcr_buf *file)
{
	int fd = open(file_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || rcr_fs_write_all(fd, file->data, file->len, file_path) < 0)
		fx_oom();
	close(fd);
}

static void setup(void)
{
	snprintf(root, sizeof root, "/tmp/rcr-archive-test.XXXXXX");
	if (!mkdtemp(root))
		fx_oom();
	char data[128];
	snprintf(data, sizeof data, "%s/data", root);
	mkdir(data, 0700);
	snprintf(file_path, sizeof file_path, "%s/data/t.rcd", root);
}

static void teardown(void)
{
	unlink(file_path);
	char data[128];
	snprintf(data, sizeof data, "%s/data", root);
	rmdir(data);
	rmdir(root);
}

/* Loads frame (ti, g, c) as restore does. */
static int load(const rcr_manifest *m, uint32_t ti, uint32_t g, uint32_t c)
{
	int fd = open(file_path, O_RDONLY);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) != 0)
		return RCR_E_IO;
	rcr_frame_decoder *dec;
	rcr_buf scratch = RCR_BUF_INIT;
	int rc = rcr_frame_decoder_new(&dec, RCR_MAX_FRAME_RAW);
	const uint8_t *fields;
	size_t len;
	if (rc == 0)
		rc = rcr_archive_load_frame(dec, &scratch, fd, (uint64_t)st.st_size, file_path, m, ti, g, c, &fields, &len);
	if (rc == 0)
		rc = rcr_archive_check_frame_stored(&scratch, fd, (uint64_t)st.st_size, file_path, m, ti, g, c);
	rcr_frame_decoder_free(dec);
	rcr_buf_free(&scratch);
	close(fd);
	return rc;
}

/* Loads the row-hash frame of table 0's row group g; *first gets its first byte. */
static int load_hashes(const rcr_manifest *m, uint32_t g, uint8_t *first)
{
	int fd = open(file_path, O_RDONLY);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) != 0)
		return RCR_E_IO;
	rcr_buf scratch = RCR_BUF_INIT;
	const uint8_t *hashes;
	int rc = rcr_archive_load_row_hashes(&scratch, fd, (uint64_t)st.st_size, file_path, m, 0, g, &hashes);
	if (rc == 0)
		*first = hashes[0];
	rcr_buf_free(&scratch);
	close(fd);
	return rc;
}

/* Without row identity, frame headers are compared with the row group's own indexes, as
 * always: table 1's row group (table 0's frames) is refused. With it, with the origin the
 * manifest records: table 1's row group loads, and a wrong origin is refused. */
static void test_archive__frames_compared_with_origin(void)
{
	setup();
	rcr_buf file = RCR_BUF_INIT;
	rcr_manifest *m = make_archive(&file);
	save(&file);
	for (uint32_t g = 0; g < NRG; g++)
		for (uint32_t c = 0; c < NCOLS; c++)
			CHECK_RC(load(m, 0, g, c), 0);
	CHECK_RC(load(m, 1, 0, 0), RCR_E_FORMAT);
	CHECK(strstr(rcr_error_message(), "frame belongs to table 0 row group 1 column 0") != NULL);

	set_row_identity(m);
	for (uint32_t c = 0; c < NCOLS; c++) {
		CHECK_RC(load(m, 0, 1, c), 0);
		CHECK_RC(load(m, 1, 0, c), 0);
	}
	m->tables[1].rgs[0].origin_rg = 0;
	CHECK_RC(load(m, 1, 0, 1), RCR_E_FORMAT);
	m->tables[1].rgs[0].origin_rg = 1;
	m->tables[1].rgs[0].origin_table = 1;
	CHECK_RC(load(m, 1, 0, 1), RCR_E_FORMAT);
	/* own indexes no longer count: row group 1 of table 0 said to come from row group 0 */
	m->tables[0].rgs[1].origin_rg = 0;
	CHECK_RC(load(m, 0, 1, 0), RCR_E_FORMAT);
	rcr_manifest_free(m);
	rcr_buf_free(&file);
	teardown();
}

/* The row-hash frame loads with its hashes; every field the manifest or header may get wrong
 * is refused, and a flipped byte fails the checksum. */
static void test_archive__row_hash_frame(void)
{
	setup();
	rcr_buf file = RCR_BUF_INIT;
	rcr_manifest *m = make_archive(&file);
	set_row_identity(m);
	add_row_hashes(m, &file, 1);
	save(&file);
	uint8_t first = 0xAA;
	CHECK_RC(load_hashes(m, 1, &first), 0);
	CHECK_EQ_U64(first, 1);
	CHECK_RC(load_hashes(m, 0, &first), RCR_E_FORMAT);  /* row group 0 keeps none */

	rcr_row_group *rg = &m->tables[0].rgs[1];
	rcr_frame_ref keep = rg->row_hashes;
	rg->row_hashes.raw_hash ^= 1;
	CHECK_RC(load_hashes(m, 1, &first), RCR_E_CHECKSUM);
	rg->row_hashes = keep;
	rg->row_count = ROWS + 1;  /* the header says ROWS */
	CHECK_RC(load_hashes(m, 1, &first), RCR_E_ROWCOUNT);
	rg->row_count = ROWS;
	rg->origin_rg = 0;
	CHECK_RC(load_hashes(m, 1, &first), RCR_E_FORMAT);
	rg->origin_rg = 1;
	m->required_features &= ~RCR_FEATURE_ROW_IDENTITY;
	CHECK_RC(load_hashes(m, 1, &first), RCR_E_FORMAT);
	m->required_features |= RCR_FEATURE_ROW_IDENTITY;
	CHECK_RC(load_hashes(m, 1, &first), 0);

	/* a stored byte flipped: both checksums (header and manifest) still agree, the bytes not */
	file.data[keep.offset + RCR_FRAME_HEADER_SIZE + 5] ^= 0x10;
	save(&file);
	CHECK_RC(load_hashes(m, 1, &first), RCR_E_CHECKSUM);
	CHECK(strstr(rcr_error_message(), "row hashes") != NULL);
	rcr_manifest_free(m);
	rcr_buf_free(&file);
	teardown();
}

/* A row-hash frame written with another column, codec, compression or size is refused even
 * when the manifest agrees with it (a writer that got it wrong, or a forgery). */
static void test_archive__row_hash_frame_shape(void)
{
	setup();
	for (int bad = 0; bad < 4; bad++) {
		rcr_buf file = RCR_BUF_INIT;
		rcr_manifest *m = make_archive(&file);
		set_row_identity(m);
		size_t at = file.len;
		add_row_hashes(m, &file, 0);
		rcr_frame_header h;
		REQUIRE_OK(rcr_frame_header_read(&h, file.data + at, RCR_FRAME_HEADER_SIZE));
		if (bad == 0)
			h.column = NCOLS - 1;
		else if (bad == 1)
			h.codec = 1;
		else if (bad == 2)
			h.compression = RCR_COMPRESSION_ZSTD;
		else
			h.raw_size -= 1;
		rcr_frame_header_write(file.data + at, &h);
		rcr_frame_ref_set(&m->tables[0].rgs[0].row_hashes, &h, at);
		save(&file);
		uint8_t first;
		CHECK_RC(load_hashes(m, 0, &first), RCR_E_FORMAT);
		rcr_manifest_free(m);
		rcr_buf_free(&file);
	}
	teardown();
}

/* Skip lists: strictly ascending, below the row count, fewer than the rows, and only with row
 * identity. */
static void test_archive__skip_lists(void)
{
	setup();
	rcr_buf file = RCR_BUF_INIT;
	rcr_manifest *m = make_archive(&file);
	rcr_row_group *rg = &m->tables[0].rgs[0];
	CHECK_RC(rcr_archive_check_skip(m, 0, 0), 0);
	static const uint32_t good[] = {0, 3, 9};
	rg->skip = fx_calloc(ROWS, sizeof *rg->skip);
	memcpy(rg->skip, good, sizeof good);
	rg->nskip = 3;
	CHECK_RC(rcr_archive_check_skip(m, 0, 0), RCR_E_FORMAT);  /* no row identity */
	set_row_identity(m);
	CHECK_RC(rcr_archive_check_skip(m, 0, 0), 0);
	CHECK_EQ_U64(rcr_row_group_live(rg), ROWS - 3);
	static const uint32_t bad[][3] = {{0, 3, 3}, {3, 0, 9}, {0, 3, ROWS}};
	for (size_t i = 0; i < 3; i++) {
		memcpy(rg->skip, bad[i], sizeof bad[i]);
		CHECK_RC(rcr_archive_check_skip(m, 0, 0), RCR_E_FORMAT);
		CHECK(strstr(rcr_error_message(), "table 'public.t' row group 0") != NULL);
	}
	for (uint32_t i = 0; i < ROWS; i++)
		rg->skip[i] = i;
	rg->nskip = ROWS;
	CHECK_RC(rcr_archive_check_skip(m, 0, 0), RCR_E_FORMAT);  /* every row skipped */
	rg->nskip = ROWS - 1;
	CHECK_RC(rcr_archive_check_skip(m, 0, 0), 0);
	rcr_manifest_free(m);
	rcr_buf_free(&file);
	teardown();
}

static const test_case cases[] = {
	TEST(test_archive__frames_compared_with_origin),
	TEST(test_archive__row_hash_frame),
	TEST(test_archive__row_hash_frame_shape),
	TEST(test_archive__skip_lists),
};

TEST_MAIN(cases)
