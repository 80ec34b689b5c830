/* copy_writer_test.c: tests src/copybin/copy_writer.c, the binary COPY output of restore.
 *
 * The writer must reproduce, byte for byte, the stream the server would have sent, so the
 * reference is the hand-assembled stream of fixtures.h; and what it writes must parse back to
 * the columns it was given. */
#include "copy_collect.h"
#include "../test.h"

#include "rcr/copybin.h"

static void test_copy_writer__header_and_trailer_bytes(void)
{
	static const uint8_t want[] = {'P', 'G', 'C', 'O', 'P', 'Y', '\n', 0xFF, '\r', '\n', 0,
				       0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF};
	rcr_buf b = RCR_BUF_INIT;
	REQUIRE_OK(rcr_copy_write_header(&b));
	CHECK_EQ_U64(b.len, RCR_COPY_HEADER_SIZE);
	CHECK(memcmp(b.data, RCR_COPY_SIGNATURE, 11) == 0);
	REQUIRE_OK(rcr_copy_write_trailer(&b));
	CHECK_MEM(b.data, b.len, want, sizeof want);
	rcr_buf_free(&b);
}

/* header + tuples from the sample's column streams + trailer is exactly the hand-built stream,
 * and the cursors end exactly at the ends of their columns. */
static void test_copy_writer__matches_hand_built_stream(void)
{
	rcr_buf cols[FX_COPY_NCOLS] = {RCR_BUF_INIT, RCR_BUF_INIT, RCR_BUF_INIT};
	fx_copy_columns(cols);
	const uint8_t *cur[FX_COPY_NCOLS], *end[FX_COPY_NCOLS];
	for (int i = 0; i < FX_COPY_NCOLS; i++) {
		cur[i] = cols[i].data;
		end[i] = cols[i].data + cols[i].len;
	}
	rcr_buf out = RCR_BUF_INIT, ref = RCR_BUF_INIT;
	REQUIRE_OK(rcr_copy_write_header(&out));
	/* in two calls, as restore does per row group */
	REQUIRE_OK(rcr_copy_write_tuples(&out, cur, end, FX_COPY_NCOLS, 1));
	REQUIRE_OK(rcr_copy_write_tuples(&out, cur, end, FX_COPY_NCOLS, FX_COPY_ROWS - 1));
	REQUIRE_OK(rcr_copy_write_trailer(&out));
	for (int i = 0; i < FX_COPY_NCOLS; i++)
		CHECK(cur[i] == end[i]);
	fx_copy_stream(&ref, 0);
	CHECK_MEM(out.data, out.len, ref.data, ref.len);

	/* zero rows append nothing */
	size_t before = out.len;
	REQUIRE_OK(rcr_copy_write_tuples(&out, cur, end, FX_COPY_NCOLS, 0));
	CHECK_EQ_U64(out.len, before);
	for (int i = 0; i < FX_COPY_NCOLS; i++)
		rcr_buf_free(&cols[i]);
	rcr_buf_free(&out);
	rcr_buf_free(&ref);
}

/* Random tables written by the writer parse back to the same columns. */
static void test_copy_writer__parses_back(void)
{
	test_rng rng = {77};
	for (uint16_t ncols = 0; ncols <= 8; ncols++) {
		const uint32_t rows = 120;
		rcr_buf cols[8];
		const uint8_t *cur[8], *end[8];
		for (int c = 0; c < 8; c++)
			cols[c] = (rcr_buf)RCR_BUF_INIT;
		for (int c = 0; c < ncols; c++) {
			fx_fields_random(&cols[c], &rng, rows, 50);
			cur[c] = cols[c].data;
			end[c] = cols[c].data + cols[c].len;
		}
		rcr_buf out = RCR_BUF_INIT;
		REQUIRE_OK(rcr_copy_write_header(&out));
		REQUIRE_OK(rcr_copy_write_tuples(&out, cur, end, ncols, rows));
		REQUIRE_OK(rcr_copy_write_trailer(&out));

		collect got = {0};
		rcr_copy_parser *p;
		REQUIRE_OK(rcr_copy_parser_new(&p, ncols, collect_tuple, &got));
		CHECK_RC(rcr_copy_parser_feed(p, out.data, out.len), 0);
		CHECK_RC(rcr_copy_parser_finish(p), 0);
		rcr_copy_parser_free(p);
		CHECK(!got.contract_broken);
		CHECK_EQ_U64(got.tuples, rows);
		for (int c = 0; c < ncols; c++) {
			CHECK(cur[c] == end[c]);
			CHECK_MEM(got.cols[c].data, got.cols[c].len, cols[c].data, cols[c].len);
			rcr_buf_free(&cols[c]);
		}
		collect_free(&got);
		rcr_buf_free(&out);
	}
}

/* A column stream that runs short, or whose value overruns its end, is an error, never an
 * overread (the streams are exact-size heap copies). */
static void test_copy_writer__short_columns_rejected(void)
{
	rcr_buf a = RCR_BUF_INIT, b = RCR_BUF_INIT, out = RCR_BUF_INIT;
	fx_field(&a, "one", 3);
	fx_field(&a, NULL, -1);
	fx_field(&b, "x", 1);
	uint8_t *ca = test_dup(a.data, a.len), *cb = test_dup(b.data, b.len);
	const uint8_t *cur[2] = {ca, cb}, *end[2] = {ca + a.len, cb + b.len};

	/* column b has one value for two rows */
	CHECK_RC(rcr_copy_write_tuples(&out, cur, end, 2, 2), RCR_E_FORMAT);
	/* a value whose length runs past the end of its column */
	for (size_t cut = 1; cut < a.len; cut++) {
		cur[0] = ca;
		cur[1] = cb;
		end[0] = ca + cut;
		rcr_buf_reset(&out);
		CHECK_RC(rcr_copy_write_tuples(&out, cur, end, 2, 2), RCR_E_FORMAT);
	}
	/* a length below -1 */
	uint8_t bad[8] = {0xFF, 0xFF, 0xFF, 0xFE, 1, 2, 3, 4};
	uint8_t *cbad = test_dup(bad, sizeof bad);
	const uint8_t *c1[1] = {cbad}, *e1[1] = {cbad + sizeof bad};
	rcr_buf_reset(&out);
	CHECK_RC(rcr_copy_write_tuples(&out, c1, e1, 1, 1), RCR_E_FORMAT);
	free(cbad);
	free(ca);
	free(cb);
	rcr_buf_free(&a);
	rcr_buf_free(&b);
	rcr_buf_free(&out);
}

/* Text rows (a text table's field streams of text output): tab between fields, \N for NULL,
 * COPY's escapes for backslash and the control characters, newline after each row; the same
 * stream checks as the binary writer. */
static void test_copy_writer__text_rows(void)
{
	rcr_buf a = RCR_BUF_INIT, b = RCR_BUF_INIT, out = RCR_BUF_INIT;
	fx_field(&a, "1", 1);
	fx_field(&a, "tab\there\nnew\\back\rcr", 20);
	fx_field(&a, NULL, -1);
	fx_field(&b, "(\"x\ty\",)", 8);
	fx_field(&b, "", 0);
	fx_field(&b, "\\N", 2);
	uint8_t *ca = test_dup(a.data, a.len), *cb = test_dup(b.data, b.len);
	const uint8_t *cur[2] = {ca, cb}, *end[2] = {ca + a.len, cb + b.len};
	/* in two calls, as restore does per row group */
	REQUIRE_OK(rcr_copy_write_text_rows(&out, cur, end, 2, 1));
	REQUIRE_OK(rcr_copy_write_text_rows(&out, cur, end, 2, 2));
	static const char want[] = "1\t(\"x\\ty\",)\n"
				   "tab\\there\\nnew\\\\back\\rcr\t\n"
				   "\\N\t\\\\N\n";
	CHECK_MEM(out.data, out.len, want, sizeof want - 1);
	CHECK(cur[0] == end[0] && cur[1] == end[1]);

	/* zero rows append nothing; a column that runs short or overruns is refused */
	size_t before = out.len;
	REQUIRE_OK(rcr_copy_write_text_rows(&out, cur, end, 2, 0));
	CHECK_EQ_U64(out.len, before);
	cur[0] = ca;
	cur[1] = cb;
	CHECK_RC(rcr_copy_write_text_rows(&out, cur, end, 2, 4), RCR_E_FORMAT);
	for (size_t cut = 1; cut < a.len; cut++) {
		const uint8_t *c1[1] = {ca}, *e1[1] = {ca + cut};
		CHECK_RC(rcr_copy_write_text_rows(&out, c1, e1, 1, 3), RCR_E_FORMAT);
	}
	free(ca);
	free(cb);
	rcr_buf_free(&a);
	rcr_buf_free(&b);
	rcr_buf_free(&out);
}

/* The fields of src (a field stream) whose row is not in skip: what a reader keeps. */
static void keep_fields(rcr_buf *dst, const rcr_buf *src, const uint32_t *skip, uint32_t nskip)
{
	const uint8_t *p = src->data, *end = src->data + src->len;
	for (uint32_t r = 0, k = 0; p < end; r++) {
		int32_t len = (int32_t)rcr_load_u32be(p);
		size_t span = 4 + (size_t)(len > 0 ? len : 0);
		if (k < nskip && skip[k] == r)
			k++;
		else
			fx_put(dst, p, span);
		p += span;
	}
}

/* Skipped rows (row identity) are read past and left out: the tuples written are the other
 * rows, in order, and every cursor still ends at its column's end. */
static void test_copy_writer__skip_rows(void)
{
	test_rng rng = {99};
	const uint32_t rows = 120;
	static const uint32_t skips[][5] = {{0}, {0, 5, 6, 119}, {119}, {1, 2, 3, 4, 5}};
	static const uint32_t nskips[] = {1, 4, 1, 5};
	for (size_t s = 0; s < sizeof nskips / sizeof nskips[0]; s++) {
		rcr_buf cols[3], want[3];
		const uint8_t *cur[3], *end[3];
		for (int c = 0; c < 3; c++) {
			cols[c] = (rcr_buf)RCR_BUF_INIT;
			want[c] = (rcr_buf)RCR_BUF_INIT;
			fx_fields_random(&cols[c], &rng, rows, 40);
			keep_fields(&want[c], &cols[c], skips[s], nskips[s]);
			cur[c] = cols[c].data;
			end[c] = cols[c].data + cols[c].len;
		}
		rcr_buf out = RCR_BUF_INIT;
		REQUIRE_OK(rcr_copy_write_header(&out));
		REQUIRE_OK(rcr_copy_write_tuples_skip(&out, cur, end, 3, rows, skips[s], nskips[s]));
		REQUIRE_OK(rcr_copy_write_trailer(&out));
		collect got = {0};
		rcr_copy_parser *p;
		REQUIRE_OK(rcr_copy_parser_new(&p, 3, collect_tuple, &got));
		CHECK_RC(rcr_copy_parser_feed(p, out.data, out.len), 0);
		CHECK_RC(rcr_copy_parser_finish(p), 0);
		rcr_copy_parser_free(p);
		CHECK_EQ_U64(got.tuples, rows - nskips[s]);
		for (int c = 0; c < 3; c++) {
			CHECK(cur[c] == end[c]);
			CHECK_MEM(got.cols[c].data, got.cols[c].len, want[c].data, want[c].len);
			rcr_buf_free(&cols[c]);
			rcr_buf_free(&want[c]);
		}
		collect_free(&got);
		rcr_buf_free(&out);
	}
}

/* The text writer drops the same rows; a skip list that is not strictly ascending below the
 * row count is refused by both (it is untrusted: it comes from the manifest). */
static void test_copy_writer__skip_text_rows_and_bad_lists(void)
{
	rcr_buf a = RCR_BUF_INIT, out = RCR_BUF_INIT;
	fx_field(&a, "one", 3);
	fx_field(&a, "two", 3);
	fx_field(&a, NULL, -1);
	uint8_t *ca = test_dup(a.data, a.len);
	const uint8_t *cur[1] = {ca}, *end[1] = {ca + a.len};
	static const uint32_t skip1[] = {1};
	REQUIRE_OK(rcr_copy_write_text_rows_skip(&out, cur, end, 1, 3, skip1, 1));
	CHECK_MEM(out.data, out.len, "one\n\\N\n", 7);
	CHECK(cur[0] == end[0]);
	static const uint32_t bad[][2] = {{1, 1}, {2, 1}, {0, 3}, {3, 0}};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		cur[0] = ca;
		CHECK_RC(rcr_copy_write_text_rows_skip(&out, cur, end, 1, 3, bad[i], 2), RCR_E_FORMAT);
		cur[0] = ca;
		CHECK_RC(rcr_copy_write_tuples_skip(&out, cur, end, 1, 3, bad[i], 2), RCR_E_FORMAT);
	}
	/* skipping reads the fields all the same: a short column is still refused */
	cur[0] = ca;
	static const uint32_t last[] = {3};
	CHECK_RC(rcr_copy_write_tuples_skip(&out, cur, end, 1, 4, last, 1), RCR_E_FORMAT);
	free(ca);
	rcr_buf_free(&a);
	rcr_buf_free(&out);
}

static const test_case cases[] = {
	TEST(test_copy_writer__header_and_trailer_bytes),
	TEST(test_copy_writer__matches_hand_built_stream),
	TEST(test_copy_writer__parses_back),
	TEST(test_copy_writer__short_columns_rejected),
	TEST(test_copy_writer__text_rows),
	TEST(test_copy_writer__skip_rows),
	TEST(test_copy_writer__skip_text_rows_and_bad_lists),
};

TEST_MAIN(cases)
