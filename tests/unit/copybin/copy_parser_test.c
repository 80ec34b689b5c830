/* copy_parser_test.c: tests src/copybin/copy_parser.c, the streaming binary COPY parser.
 *
 * Streams are assembled by hand (fixtures.h), not with the writer, so that a shared
 * misunderstanding of the format cannot make both sides agree. Every stream is fed three ways
 * (in one piece, byte by byte, in random chunks) and must give the same tuples and verdict. */
#include "copy_collect.h"
#include "../test.h"

#include "rcr/copybin.h"

enum { WHOLE, BYTEWISE, RANDOM_CHUNKS, NMODES };

typedef struct parse_result {
	int feed_rc;      /* first failing feed, or 0 */
	int finish_rc;    /* finish after all feeds succeeded; not run after a feed failure */
} parse_result;

/* Feeds data to a new parser in the given chunking; every feed gets an exact-size heap copy
 * of its chunk, so the parser cannot lean on bytes it was not given (ASan). */
static parse_result parse(collect *c, uint16_t nfields, const uint8_t *data, size_t len, int mode)
{
	parse_result res = {0, RCR_E_INTERNAL};
	rcr_copy_parser *p;
	if (rcr_copy_parser_new(&p, nfields, collect_tuple, c) < 0)
		fx_oom();
	test_rng r = {len};
	size_t pos = 0;
	while (pos < len) {
		size_t n = mode == WHOLE ? len : mode == BYTEWISE ? 1 : 1 + test_rng_below(&r, 24);
		if (n > len - pos)
			n = len - pos;
		uint8_t *chunk = test_dup(data + pos, n);
		int rc = rcr_copy_parser_feed(p, chunk, n);
		free(chunk);
		pos += n;
		if (rc < 0) {
			res.feed_rc = rc;
			break;
		}
	}
	if (res.feed_rc == 0)
		res.finish_rc = rcr_copy_parser_finish(p);
	if (rcr_copy_parser_tuples(p) != c->tuples)
		c->contract_broken = 1;
	rcr_copy_parser_free(p);
	return res;
}

/* Parses in every mode; each must give the same verdict and the same tuples as WHOLE. */
static parse_result parse_all_modes(collect *whole, uint16_t nfields, const uint8_t *data, size_t len)
{
	parse_result first = parse(whole, nfields, data, len, WHOLE);
	CHECK(!whole->contract_broken);
	for (int mode = 1; mode < NMODES; mode++) {
		collect c = {0};
		parse_result r = parse(&c, nfields, data, len, mode);
		CHECK(!c.contract_broken);
		CHECK_RC(r.feed_rc, first.feed_rc);
		if (r.feed_rc == 0)
			CHECK_RC(r.finish_rc, first.finish_rc);
		CHECK_EQ_U64(c.tuples, whole->tuples);
		for (int i = 0; i < nfields && i < COLLECT_MAX_COLS; i++)
			CHECK_MEM(c.cols[i].data, c.cols[i].len, whole->cols[i].data, whole->cols[i].len);
		collect_free(&c);
	}
	return first;
}

static void expect_sample_tuples(const collect *c)
{
	rcr_buf cols[FX_COPY_NCOLS] = {RCR_BUF_INIT, RCR_BUF_INIT, RCR_BUF_INIT};
	fx_copy_columns(cols);
	CHECK_EQ_U64(c->tuples, FX_COPY_ROWS);
	for (int i = 0; i < FX_COPY_NCOLS; i++) {
		CHECK_MEM(c->cols[i].data, c->cols[i].len, cols[i].data, cols[i].len);
		rcr_buf_free(&cols[i]);
	}
}

static void test_copy_parser__sample_in_every_chunking(void)
{
	for (int ext = 0; ext < 2; ext++) {
		rcr_buf s = RCR_BUF_INIT;
		fx_copy_stream(&s, ext);
		collect c = {0};
		parse_result r = parse_all_modes(&c, FX_COPY_NCOLS, s.data, s.len);
		CHECK_RC(r.feed_rc, 0);
		CHECK_RC(r.finish_rc, 0);
		expect_sample_tuples(&c);
		collect_free(&c);
		rcr_buf_free(&s);
	}
}

/* Every proper prefix of a valid stream is accepted by feed (it may be continued) and refused
 * by finish, after exactly the tuples it holds. */
static void test_copy_parser__every_truncation_needs_more(void)
{
	rcr_buf s = RCR_BUF_INIT;
	fx_copy_stream(&s, 1);
	uint64_t last = 0;
	for (size_t cut = 0; cut < s.len; cut++) {
		collect c = {0};
		parse_result r = parse_all_modes(&c, FX_COPY_NCOLS, s.data, cut);
		CHECK_RC(r.feed_rc, 0);
		CHECK_RC(r.finish_rc, RCR_E_COPY);
		CHECK(c.tuples >= last && c.tuples <= FX_COPY_ROWS);
		last = c.tuples;
		collect_free(&c);
	}
	CHECK_EQ_U64(last, FX_COPY_ROWS);   /* only the trailer was missing at the end */
	rcr_buf_free(&s);
}

/* A header with flags and extension as given, then one tuple of one NULL field, trailer. */
static void header_stream(rcr_buf *s, uint32_t flags, uint32_t ext_len, size_t ext_present)
{
	rcr_buf_reset(s);
	fx_put(s, RCR_COPY_SIGNATURE, 11);
	fx_put_u32be(s, flags);
	fx_put_u32be(s, ext_len);
	for (size_t i = 0; i < ext_present; i++)
		fx_put(s, i % 3 ? "\xff" : "\0", 1);
	fx_put_u16be(s, 1);
	fx_field(s, NULL, -1);
	fx_put_u16be(s, 0xFFFF);
}

static void test_copy_parser__header_flags_and_extension(void)
{
	rcr_buf s = RCR_BUF_INIT;
	collect c = {0};
	parse_result r;

	/* Extensions are skipped, whatever their content (here bytes that look like a trailer). */
	static const uint32_t exts[] = {0, 1, 2, 19, 300};
	for (size_t i = 0; i < sizeof exts / sizeof exts[0]; i++) {
		header_stream(&s, 0, exts[i], exts[i]);
		r = parse_all_modes(&c, 1, s.data, s.len);
		CHECK_RC(r.feed_rc, 0);
		CHECK_RC(r.finish_rc, 0);
		CHECK_EQ_U64(c.tuples, 1);
		collect_free(&c);
	}
	/* An extension longer than the stream: still waiting at the end. */
	header_stream(&s, 0, 0x7FFFFFFFu, 10);
	r = parse_all_modes(&c, 1, s.data, s.len);
	CHECK_RC(r.feed_rc, 0);
	CHECK_RC(r.finish_rc, RCR_E_COPY);
	CHECK_EQ_U64(c.tuples, 0);
	collect_free(&c);
	/* A negative extension length. */
	header_stream(&s, 0, 0x80000000u, 0);
	r = parse_all_modes(&c, 1, s.data, s.len);
	CHECK_RC(r.feed_rc, RCR_E_COPY);
	collect_free(&c);
	header_stream(&s, 0, 0xFFFFFFFFu, 0);
	r = parse_all_modes(&c, 1, s.data, s.len);
	CHECK_RC(r.feed_rc, RCR_E_COPY);
	collect_free(&c);

	/* The OIDs flag (bit 16) and every other critical bit (17..31) are refused; the
	 * non-critical low 16 bits are ignored, as the server does. */
	for (int bit = 0; bit < 32; bit++) {
		header_stream(&s, 1u << bit, 0, 0);
		r = parse_all_modes(&c, 1, s.data, s.len);
		CHECK_RC(r.feed_rc, bit >= 16 ? RCR_E_COPY : 0);
		CHECK_EQ_U64(c.tuples, bit >= 16 ? 0 : 1);
		collect_free(&c);
	}

	/* Any change to the 11-byte signature is refused. */
	for (size_t i = 0; i < 11; i++) {
		header_stream(&s, 0, 0, 0);
		s.data[i] ^= 0x20;
		r = parse_all_modes(&c, 1, s.data, s.len);
		CHECK_RC(r.feed_rc, RCR_E_COPY);
		CHECK_EQ_U64(c.tuples, 0);
		collect_free(&c);
	}
	rcr_buf_free(&s);
}

/* A stream of `rows` tuples that each declare `declared` fields and carry `actual` int4 fields. */
static void count_stream(rcr_buf *s, int rows, uint16_t declared, uint16_t actual, int trailer)
{
	rcr_buf_reset(s);
	rcr_copy_write_header(s);
	for (int r = 0; r < rows; r++) {
		fx_put_u16be(s, declared);
		for (int f = 0; f < actual; f++)
			fx_field(s, "\0\0\0\x2a", 4);
	}
	if (trailer)
		fx_put_u16be(s, 0xFFFF);
}

static void test_copy_parser__field_counts(void)
{
	rcr_buf s = RCR_BUF_INIT;
	collect c = {0};
	parse_result r;

	count_stream(&s, 3, 3, 3, 1);
	r = parse_all_modes(&c, 3, s.data, s.len);
	CHECK_RC(r.feed_rc, 0);
	CHECK_RC(r.finish_rc, 0);
	CHECK_EQ_U64(c.tuples, 3);
	collect_free(&c);
	/* a parser expecting a different count */
	static const uint16_t expect[] = {0, 1, 2, 4, 0x7FFF, 0xFFFE};
	for (size_t i = 0; i < sizeof expect / sizeof expect[0]; i++) {
		r = parse_all_modes(&c, expect[i], s.data, s.len);
		CHECK_RC(r.feed_rc, RCR_E_COPY);
		CHECK_EQ_U64(c.tuples, 0);
		collect_free(&c);
	}
	/* a later tuple with a wrong count: the earlier ones are delivered */
	count_stream(&s, 2, 3, 3, 0);
	fx_put_u16be(&s, 2);
	fx_field(&s, "ab", 2);
	fx_field(&s, "cd", 2);
	fx_put_u16be(&s, 0xFFFF);
	r = parse_all_modes(&c, 3, s.data, s.len);
	CHECK_RC(r.feed_rc, RCR_E_COPY);
	CHECK_EQ_U64(c.tuples, 2);
	collect_free(&c);
	/* zero-column tables send tuples of zero fields */
	count_stream(&s, 5, 0, 0, 1);
	r = parse_all_modes(&c, 0, s.data, s.len);
	CHECK_RC(r.feed_rc, 0);
	CHECK_RC(r.finish_rc, 0);
	CHECK_EQ_U64(c.tuples, 5);
	collect_free(&c);
	/* no tuples at all */
	count_stream(&s, 0, 2, 2, 1);
	r = parse_all_modes(&c, 2, s.data, s.len);
	CHECK_RC(r.feed_rc, 0);
	CHECK_RC(r.finish_rc, 0);
	CHECK_EQ_U64(c.tuples, 0);
	collect_free(&c);
	rcr_buf_free(&s);
}

static void test_copy_parser__field_lengths(void)
{
	rcr_buf s = RCR_BUF_INIT;
	collect c = {0};
	parse_result r;
	static const uint32_t bad[] = {0xFFFFFFFEu, 0x80000000u, 0xFFFFFF00u};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		rcr_buf_reset(&s);
		rcr_copy_write_header(&s);
		fx_put_u16be(&s, 2);
		fx_field(&s, "x", 1);
		fx_put_u32be(&s, bad[i]);
		fx_put(&s, "yyyy", 4);
		fx_put_u16be(&s, 0xFFFF);
		r = parse_all_modes(&c, 2, s.data, s.len);
		CHECK_RC(r.feed_rc, RCR_E_COPY);
		CHECK_EQ_U64(c.tuples, 0);
		collect_free(&c);
	}
	/* a length running past the end of the stream: waits for bytes that never come */
	rcr_buf_reset(&s);
	rcr_copy_write_header(&s);
	fx_put_u16be(&s, 1);
	fx_put_u32be(&s, 0x7FFFFFFFu);
	fx_put(&s, "\xff\xff", 2);
	r = parse_all_modes(&c, 1, s.data, s.len);
	CHECK_RC(r.feed_rc, 0);
	CHECK_RC(r.finish_rc, RCR_E_COPY);
	CHECK_EQ_U64(c.tuples, 0);
	collect_free(&c);
	rcr_buf_free(&s);
}

static void test_copy_parser__after_trailer_and_missing_trailer(void)
{
	rcr_buf s = RCR_BUF_INIT;
	collect c = {0};
	parse_result r;

	/* bytes after the trailer, in the trailer's chunk or in a later one */
	fx_copy_stream(&s, 0);
	fx_put(&s, "\0", 1);
	r = parse_all_modes(&c, FX_COPY_NCOLS, s.data, s.len);
	CHECK_RC(r.feed_rc, RCR_E_COPY);
	CHECK_EQ_U64(c.tuples, FX_COPY_ROWS);
	collect_free(&c);
	rcr_buf_reset(&s);
	fx_copy_stream(&s, 0);
	rcr_copy_parser *p;
	REQUIRE_OK(rcr_copy_parser_new(&p, FX_COPY_NCOLS, collect_tuple, &c));
	CHECK_RC(rcr_copy_parser_feed(p, s.data, s.len), 0);
	CHECK_RC(rcr_copy_parser_feed(p, s.data, 0), 0);           /* empty feeds are fine */
	CHECK_RC(rcr_copy_parser_feed(p, (const uint8_t *)"\xff\xff", 2), RCR_E_COPY);
	CHECK_RC(rcr_copy_parser_feed(p, s.data, s.len), RCR_E_COPY);
	CHECK_EQ_U64(rcr_copy_parser_tuples(p), FX_COPY_ROWS);
	rcr_copy_parser_free(p);
	rcr_copy_parser_free(NULL);
	collect_free(&c);

	/* no trailer: after complete tuples, after the header only, and for an empty stream */
	rcr_buf_reset(&s);
	fx_copy_stream(&s, 0);
	r = parse_all_modes(&c, FX_COPY_NCOLS, s.data, s.len - 2);
	CHECK_RC(r.feed_rc, 0);
	CHECK_RC(r.finish_rc, RCR_E_COPY);
	CHECK_EQ_U64(c.tuples, FX_COPY_ROWS);
	collect_free(&c);
	r = parse_all_modes(&c, FX_COPY_NCOLS, s.data, RCR_COPY_HEADER_SIZE);
	CHECK_RC(r.finish_rc, RCR_E_COPY);
	collect_free(&c);
	REQUIRE_OK(rcr_copy_parser_new(&p, 1, collect_tuple, &c));
	CHECK_RC(rcr_copy_parser_finish(p), RCR_E_COPY);
	rcr_copy_parser_free(p);
	/* a lone trailer with no header is not a stream */
	r = parse_all_modes(&c, 1, (const uint8_t *)"\xff\xff", 2);
	CHECK_RC(r.finish_rc, RCR_E_COPY);
	collect_free(&c);
	rcr_buf_free(&s);
}

/* A callback's error stops the parse with that code: no later tuple is delivered. */
static void test_copy_parser__callback_error_stops(void)
{
	rcr_buf s = RCR_BUF_INIT;
	fx_copy_stream(&s, 0);
	for (int mode = 0; mode < NMODES; mode++) {
		collect c = {0};
		c.stop_after = 3;
		parse_result r = parse(&c, FX_COPY_NCOLS, s.data, s.len, mode);
		CHECK_RC(r.feed_rc, RCR_E_INTERRUPTED);
		CHECK_EQ_U64(c.tuples, 2);
		collect_free(&c);
	}
	rcr_buf_free(&s);
}

/* Larger random tables, several column counts: parsed columns equal the columns built. */
static void test_copy_parser__random_tables(void)
{
	test_rng rng = {2024};
	for (uint16_t ncols = 1; ncols <= 6; ncols++) {
		const uint32_t rows = 150;
		rcr_buf cols[6] = {RCR_BUF_INIT, RCR_BUF_INIT, RCR_BUF_INIT, RCR_BUF_INIT, RCR_BUF_INIT, RCR_BUF_INIT};
		rcr_buf s = RCR_BUF_INIT;
		fx_put(&s, RCR_COPY_SIGNATURE, 11);
		fx_put(&s, "\0\0\0\0\0\0\0\0", 8);
		size_t pos[6] = {0};
		for (int c = 0; c < ncols; c++)
			fx_fields_random(&cols[c], &rng, rows, 70);
		for (uint32_t r = 0; r < rows; r++) {
			fx_put_u16be(&s, ncols);
			for (int c = 0; c < ncols; c++) {
				int32_t len = (int32_t)rcr_load_u32be(cols[c].data + pos[c]);
				size_t n = 4 + (len > 0 ? (size_t)len : 0);
				fx_put(&s, cols[c].data + pos[c], n);
				pos[c] += n;
			}
		}
		fx_put_u16be(&s, 0xFFFF);
		collect got = {0};
		parse_result res = parse_all_modes(&got, ncols, s.data, s.len);
		CHECK_RC(res.feed_rc, 0);
		CHECK_RC(res.finish_rc, 0);
		CHECK_EQ_U64(got.tuples, rows);
		for (int c = 0; c < ncols; c++) {
			CHECK_MEM(got.cols[c].data, got.cols[c].len, cols[c].data, cols[c].len);
			rcr_buf_free(&cols[c]);
		}
		collect_free(&got);
		rcr_buf_free(&s);
	}
}

static const test_case cases[] = {
	TEST(test_copy_parser__sample_in_every_chunking),
	TEST(test_copy_parser__every_truncation_needs_more),
	TEST(test_copy_parser__header_flags_and_extension),
	TEST(test_copy_parser__field_counts),
	TEST(test_copy_parser__field_lengths),
	TEST(test_copy_parser__after_trailer_and_missing_trailer),
	TEST(test_copy_parser__callback_error_stops),
	TEST(test_copy_parser__random_tables),
};

TEST_MAIN(cases)
