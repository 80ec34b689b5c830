/*
 * dump_base_test.c: the pure parts of rcr dump --base (src/dump/dump_base.c): the row index
 * that rows of the new dump take base rows from, the link-or-compact decision, and the field
 * copy that compaction runs over a base's decoded frames.
 */
#include "../../../src/dump/dump_base.h"
#include "../test.h"

#include "rcr/buf.h"

/* A hash made from n, with the same first 8 bytes for every n of one `bucket` (so that they
 * collide in the open addressing) when bucket is not 0. */
static void make_hash(uint8_t *h, uint32_t n, uint32_t bucket)
{
	memset(h, 0, DUMP_BASE_HASH_SIZE);
	uint64_t lead = bucket ? bucket : (uint64_t)n * 0x9E3779B97F4A7C15ull;
	memcpy(h, &lead, 8);
	memcpy(h + 8, &n, 4);
}

static void test_dump_base__index_takes_each_row_once(void)
{
	dump_base_index *x;
	CHECK_RC(dump_base_index_new(&x, 1000), 0);
	REQUIRE(x);
	uint8_t h[DUMP_BASE_HASH_SIZE];
	for (uint32_t i = 0; i < 1000; i++) {
		make_hash(h, i, 0);
		CHECK_RC(dump_base_index_add(x, h, i / 100, i % 100), 0);
	}
	uint32_t rg, row;
	for (uint32_t i = 0; i < 1000; i += 7) {
		make_hash(h, i, 0);
		CHECK(dump_base_index_take(x, h, &rg, &row) == 1);
		CHECK(rg == i / 100 && row == i % 100);
		CHECK(dump_base_index_take(x, h, &rg, &row) == 0); /* taken once only */
	}
	make_hash(h, 5000, 0);
	CHECK(dump_base_index_take(x, h, &rg, &row) == 0);
	/* Full: a further add is a programming error reported, not a write past the end. */
	CHECK_RC(dump_base_index_add(x, h, 0, 0), RCR_E_INTERNAL);
	dump_base_index_free(x);
}

/* Equal rows (a duplicated row in the base) are each taken once, whatever their number; hashes
 * that share their first 8 bytes are still told apart. */
static void test_dump_base__index_duplicates_and_collisions(void)
{
	dump_base_index *x;
	CHECK_RC(dump_base_index_new(&x, 300), 0);
	REQUIRE(x);
	uint8_t dup[DUMP_BASE_HASH_SIZE], h[DUMP_BASE_HASH_SIZE];
	make_hash(dup, 42, 0);
	for (uint32_t i = 0; i < 200; i++)
		CHECK_RC(dump_base_index_add(x, dup, 0, i), 0);
	for (uint32_t i = 0; i < 100; i++) {
		make_hash(h, i, 77); /* 100 hashes, one first-8-byte value */
		CHECK_RC(dump_base_index_add(x, h, 1, i), 0);
	}
	uint8_t seen[200] = {0};
	uint32_t rg, row;
	for (uint32_t i = 0; i < 200; i++) {
		REQUIRE(dump_base_index_take(x, dup, &rg, &row) == 1);
		CHECK(rg == 0 && row < 200 && !seen[row]);
		seen[row] = 1;
	}
	CHECK(dump_base_index_take(x, dup, &rg, &row) == 0);
	for (uint32_t i = 100; i-- > 0;) {
		make_hash(h, i, 77);
		CHECK(dump_base_index_take(x, h, &rg, &row) == 1);
		CHECK(rg == 1 && row == i);
	}
	make_hash(h, 100, 77);
	CHECK(dump_base_index_take(x, h, &rg, &row) == 0);
	dump_base_index_free(x);
}

static void test_dump_base__empty_index(void)
{
	dump_base_index *x;
	CHECK_RC(dump_base_index_new(&x, 0), 0);
	REQUIRE(x);
	uint8_t h[DUMP_BASE_HASH_SIZE];
	uint32_t rg, row;
	make_hash(h, 1, 0);
	CHECK(dump_base_index_take(x, h, &rg, &row) == 0);
	dump_base_index_free(x);
	dump_base_index_free(NULL);
}

static void test_dump_base__link_at_half_live(void)
{
	CHECK(dump_base_should_link(50, 100) == 1);
	CHECK(dump_base_should_link(49, 100) == 0);
	CHECK(dump_base_should_link(51, 101) == 1); /* half, rounded up */
	CHECK(dump_base_should_link(50, 101) == 0);
	CHECK(dump_base_should_link(0, 0) == 0);    /* nothing taken: nothing to link */
	CHECK(dump_base_should_link(100, 100) == 1);
	CHECK(dump_base_should_link(UINT64_MAX, UINT64_MAX) == 1);
	CHECK_EQ_U64(dump_base_live_share(1000, 1, 4), 250);
	CHECK_EQ_U64(dump_base_live_share(1000, 4, 4), 1000);
	CHECK_EQ_U64(dump_base_live_share(UINT64_MAX, 1, 2), UINT64_MAX / 2);
	CHECK_EQ_U64(dump_base_live_share(7, 0, 3), 0);
}

static void put_field(rcr_buf *b, const char *s)
{
	uint8_t len[4];
	uint32_t n = s ? (uint32_t)strlen(s) : UINT32_MAX;
	rcr_store_u32be(len, n);
	rcr_buf_append(b, len, 4);
	if (s)
		rcr_buf_append(b, s, n);
}

static void test_dump_base__copy_kept_fields(void)
{
	rcr_buf in = RCR_BUF_INIT, out = RCR_BUF_INIT, want = RCR_BUF_INIT;
	const char *v[] = {"a", NULL, "", "dddd", "e"};
	for (int i = 0; i < 5; i++)
		put_field(&in, v[i]);
	uint8_t keep = 0x02 | 0x04 | 0x10; /* rows 1, 2 and 4 */
	put_field(&want, v[1]);
	put_field(&want, v[2]);
	put_field(&want, v[4]);
	CHECK_RC(dump_base_copy_fields(&out, in.data, in.len, 5, &keep), 0);
	CHECK(out.len == want.len && !memcmp(out.data, want.data, want.len));
	/* Damaged streams: a field past the end, a stream cut short, bytes left over. */
	rcr_buf_reset(&out);
	CHECK_RC(dump_base_copy_fields(&out, in.data, in.len - 1, 5, &keep), RCR_E_FORMAT);
	CHECK_RC(dump_base_copy_fields(&out, in.data, in.len, 6, &keep), RCR_E_FORMAT);
	CHECK_RC(dump_base_copy_fields(&out, in.data, in.len, 4, &keep), RCR_E_FORMAT);
	rcr_buf_free(&in);
	rcr_buf_free(&out);
	rcr_buf_free(&want);
}

static const test_case cases[] = {
	TEST(test_dump_base__index_takes_each_row_once),
	TEST(test_dump_base__index_duplicates_and_collisions),
	TEST(test_dump_base__empty_index),
	TEST(test_dump_base__link_at_half_live),
	TEST(test_dump_base__copy_kept_fields),
};

TEST_MAIN(cases)
