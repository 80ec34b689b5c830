/* row_hash_test.c: tests src/format/row_hash.c (the SHA-256 hashes of row identity).
 *
 * The expected digests were computed by an independent tool, coreutils' sha256sum, of the
 * same bytes written with printf (the shell lines are given with each), not by the code under
 * test. The row group: rows (42, NULL) and (7, 'hello') of columns int4 and text. */
#include "../fixtures.h"
#include "../test.h"

#include "rcr/row_hash.h"

/* printf '\x00\x00\x00\x04\x00\x00\x00\x2a\xff\xff\xff\xff' | sha256sum */
static const char row1_sha[] = "aea91c1101f2e79961bf72f4027ad4fc2270350e96b638d50c0a766d8db958dc";
/* printf '\x00\x00\x00\x04\x00\x00\x00\x07\x00\x00\x00\x05hello' | sha256sum */
static const char row2_sha[] = "8246415947b039b54ed9f3c9c372850f69f5782e382def693f8b8a43205b66cb";
/* The two digests above as bytes (xxd -r -p), concatenated, | sha256sum */
static const char rows_content_sha[] = "d574a20cae70440cbde5baa1810c0ae92b2405f2c851364943a5327969877b13";
/* printf '\x10' + 7 zero bytes (u64le 16), column 0's 16 bytes, '\x0d' + 7 zero bytes (u64le
 * 13), column 1's 13 bytes | sha256sum */
static const char streams_content_sha[] = "9fe7a66d3580ee0d77d1d5f9bb087b73b0f9d9baa2242c4470918186f82139c6";
/* printf '' | sha256sum: a row of a table without columns */
static const char empty_sha[] = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

static void hex(char out[65], const uint8_t *d)
{
	for (int i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", d[i]);
}

#define CHECK_SHA(digest, want)                  \
	do {                                     \
		char h_[65];                     \
		hex(h_, digest);                 \
		CHECK_STR(h_, want);             \
	} while (0)

/* The two columns' field streams of the sample row group. */
static void sample_columns(rcr_buf cols[2])
{
	uint8_t v[4];
	cols[0] = (rcr_buf)RCR_BUF_INIT;
	cols[1] = (rcr_buf)RCR_BUF_INIT;
	rcr_store_u32le(v, 0);
	v[3] = 42;
	fx_field(&cols[0], v, 4);
	v[3] = 7;
	fx_field(&cols[0], v, 4);
	fx_field(&cols[1], NULL, -1);
	fx_field(&cols[1], "hello", 5);
}

/* One row's hash from its contiguous encodings, as the dump's connection thread takes it. */
static void test_row_hash__one_row(void)
{
	rcr_row_hasher *h;
	REQUIRE_OK(rcr_row_hasher_new(&h));
	static const uint8_t row1[] = {0, 0, 0, 4, 0, 0, 0, 42, 0xff, 0xff, 0xff, 0xff};
	uint8_t d[32];
	REQUIRE_OK(rcr_row_hash(h, d, row1, sizeof row1));
	CHECK_SHA(d, row1_sha);
	/* the context is reused: the same input gives the same digest again */
	REQUIRE_OK(rcr_row_hash(h, d, (const uint8_t *)"", 0));
	CHECK_SHA(d, empty_sha);
	REQUIRE_OK(rcr_row_hash(h, d, row1, sizeof row1));
	CHECK_SHA(d, row1_sha);
	rcr_row_hasher_free(h);
	rcr_row_hasher_free(NULL);
}

/* The row hashes gathered from field streams (the encoder thread's way) equal those of the
 * contiguous rows; the content hash of a row group with row hashes is SHA-256 of them. */
static void test_row_hash__from_streams_and_content(void)
{
	rcr_row_hasher *h;
	REQUIRE_OK(rcr_row_hasher_new(&h));
	rcr_buf cols[2];
	sample_columns(cols);
	uint8_t rh[64], d[32];
	REQUIRE_OK(rcr_row_hashes(h, rh, cols, 2, 2));
	CHECK_SHA(rh, row1_sha);
	CHECK_SHA(rh + 32, row2_sha);
	REQUIRE_OK(rcr_content_hash_rows(h, d, rh, 2));
	CHECK_SHA(d, rows_content_sha);
	REQUIRE_OK(rcr_content_hash_streams(h, d, cols, 2));
	CHECK_SHA(d, streams_content_sha);
	/* a table without columns: every row hashes as the empty string */
	REQUIRE_OK(rcr_row_hashes(h, rh, NULL, 0, 2));
	CHECK_SHA(rh + 32, empty_sha);
	rcr_buf_free(&cols[0]);
	rcr_buf_free(&cols[1]);
	rcr_row_hasher_free(h);
}

/* Big fields are hashed where they lie, small ones gathered first: whatever the mix and
 * order, each row hash equals the hash of the row's contiguous encodings, and the borrowed
 * streams give the same hashes as the buffers. */
static void test_row_hash__big_fields_in_place(void)
{
	rcr_row_hasher *h;
	REQUIRE_OK(rcr_row_hasher_new(&h));
	test_rng r = {3};
	static const int sizes[][4] = {{1000, 2, 300, -1}, {0, 5000, 252, 253}, {-1, -1, -1, 4000}, {255, 256, 257, 3}};
	enum { ROWS = sizeof sizes / sizeof sizes[0] };
	rcr_buf cols[4] = {RCR_BUF_INIT, RCR_BUF_INIT, RCR_BUF_INIT, RCR_BUF_INIT}, rows[ROWS];
	uint8_t val[5000];
	for (int i = 0; i < ROWS; i++) {
		rows[i] = (rcr_buf)RCR_BUF_INIT;
		for (int c = 0; c < 4; c++) {
			test_rng_fill(&r, val, sizeof val);
			fx_field(&cols[c], sizes[i][c] < 0 ? NULL : val, sizes[i][c]);
			fx_field(&rows[i], sizes[i][c] < 0 ? NULL : val, sizes[i][c]);
		}
	}
	uint8_t rh[ROWS * 32], want[32], d1[32], d2[32];
	REQUIRE_OK(rcr_row_hashes(h, rh, cols, 4, ROWS));
	for (int i = 0; i < ROWS; i++) {
		REQUIRE_OK(rcr_row_hash(h, want, rows[i].data, rows[i].len));
		CHECK_MEM(rh + 32 * i, 32, want, 32);
	}
	rcr_field_stream st[4];
	for (int c = 0; c < 4; c++)
		st[c] = (rcr_field_stream){cols[c].data, cols[c].len};
	uint8_t rh2[ROWS * 32];
	REQUIRE_OK(rcr_row_hashes_of(h, rh2, st, 4, ROWS));
	CHECK_MEM(rh2, sizeof rh2, rh, sizeof rh);
	REQUIRE_OK(rcr_content_hash_streams(h, d1, cols, 4));
	REQUIRE_OK(rcr_content_hash_of(h, d2, st, 4));
	CHECK_MEM(d1, 32, d2, 32);
	for (int i = 0; i < ROWS; i++)
		rcr_buf_free(&rows[i]);
	for (int c = 0; c < 4; c++)
		rcr_buf_free(&cols[c]);
	rcr_row_hasher_free(h);
}

/* Streams that do not hold exactly `rows` well-formed fields are refused, never overread. */
static void test_row_hash__malformed_streams(void)
{
	rcr_row_hasher *h;
	REQUIRE_OK(rcr_row_hasher_new(&h));
	rcr_buf cols[2];
	sample_columns(cols);
	uint8_t rh[96];
	CHECK_RC(rcr_row_hashes(h, rh, cols, 2, 3), RCR_E_FORMAT);   /* fewer fields than rows */
	CHECK_RC(rcr_row_hashes(h, rh, cols, 2, 1), RCR_E_FORMAT);   /* more */
	cols[1].len--;                                               /* cut inside 'hello' */
	CHECK_RC(rcr_row_hashes(h, rh, cols, 2, 2), RCR_E_FORMAT);
	cols[1].len = 2;                                             /* inside a length */
	CHECK_RC(rcr_row_hashes(h, rh, cols, 2, 2), RCR_E_FORMAT);
	cols[1].data[0] = 0xff;
	cols[1].data[3] = 0xfe;                                      /* length -2 */
	cols[1].len = 13;
	CHECK_RC(rcr_row_hashes(h, rh, cols, 2, 2), RCR_E_FORMAT);
	rcr_buf_free(&cols[0]);
	rcr_buf_free(&cols[1]);
	rcr_row_hasher_free(h);
}

static const test_case cases[] = {
	TEST(test_row_hash__one_row),
	TEST(test_row_hash__from_streams_and_content),
	TEST(test_row_hash__big_fields_in_place),
	TEST(test_row_hash__malformed_streams),
};

TEST_MAIN(cases)
