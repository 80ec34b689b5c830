/* extlist_test.c: tests src/format/extlist.c, the extensions an archive records as metadata
 * (extension:<name>, extension_schema:<name>, extension_use:<name>). */
#include "../test.h"

#include "rcr/extlist.h"

#include <string.h>

static rcr_manifest *manifest_with(const char *const (*kv)[2], size_t n)
{
	rcr_manifest *m = NULL;
	if (rcr_manifest_new(&m) < 0)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (rcr_manifest_set_meta(m, kv[i][0], kv[i][1]) < 0) {
			rcr_manifest_free(m);
			return NULL;
		}
	return m;
}

/* What dump writes, read back: three keys per extension, in list order, through encode and
 * decode (whose entry checks accept them). */
static void test_extlist__roundtrip(void)
{
	rcr_extlist l = RCR_EXTLIST_INIT, back;
	REQUIRE_OK(rcr_extlist_add(&l, "vector", "0.8.6", "public", "table public.records column embedding"));
	REQUIRE_OK(rcr_extlist_add(&l, "odd \"ext\"", "1.0 beta", "Ext Schema", NULL));
	rcr_manifest *m = manifest_with(NULL, 0), *d = NULL;
	REQUIRE(m != NULL);
	REQUIRE_OK(rcr_extlist_to_meta(m, &l));
	CHECK_EQ_U64(m->nmeta, 6);
	CHECK_STR(m->meta[0].key, "extension:vector");
	CHECK_STR(m->meta[1].key, "extension_schema:vector");
	CHECK_STR(m->meta[5].value, "");
	rcr_buf b = RCR_BUF_INIT;
	REQUIRE_OK(rcr_manifest_encode(&b, m));
	REQUIRE_OK(rcr_manifest_decode(&d, b.data, b.len));
	REQUIRE_OK(rcr_extlist_from_meta(&back, d));
	REQUIRE(back.n == 2);
	CHECK_STR(back.items[0].name, "vector");
	CHECK_STR(back.items[0].version, "0.8.6");
	CHECK_STR(back.items[0].schema, "public");
	CHECK_STR(back.items[0].use, "table public.records column embedding");
	CHECK_STR(back.items[1].name, "odd \"ext\"");
	CHECK_STR(back.items[1].schema, "Ext Schema");
	CHECK_STR(back.items[1].use, "");
	CHECK(rcr_extlist_is_key("extension_use:x") && !rcr_extlist_is_key("extensions") && !rcr_extlist_is_key("dbname"));
	rcr_extlist_free(&l);
	rcr_extlist_free(&back);
	rcr_manifest_free(m);
	rcr_manifest_free(d);
	rcr_buf_free(&b);
}

/* An archive from before rcr recorded extensions has none; a version without its schema, or a
 * schema without its version, is damage. */
static void test_extlist__pairs_and_absence(void)
{
	rcr_extlist l;
	rcr_manifest *m = manifest_with(NULL, 0);
	REQUIRE(m != NULL);
	REQUIRE_OK(rcr_extlist_from_meta(&l, m));
	CHECK_EQ_U64(l.n, 0);
	rcr_manifest_free(m);

	static const char *const lone_version[][2] = {{"extension:vector", "0.8.6"}};
	m = manifest_with(lone_version, 1);
	REQUIRE(m != NULL);
	CHECK_RC(rcr_extlist_from_meta(&l, m), RCR_E_FORMAT);
	rcr_extlist_free(&l);
	rcr_manifest_free(m);

	static const char *const lone_schema[][2] = {{"extension_schema:vector", "public"}};
	m = manifest_with(lone_schema, 1);
	REQUIRE(m != NULL);
	CHECK_RC(rcr_extlist_from_meta(&l, m), RCR_E_FORMAT);
	rcr_extlist_free(&l);
	rcr_manifest_free(m);

}

/* The manifest decoder's entry checks: names not empty, a version without control characters,
 * a schema not empty; other keys are not theirs. */
static void test_extlist__entry_checks(void)
{
	CHECK(rcr_extlist_check_entry("dbname", "") == NULL);
	CHECK(rcr_extlist_check_entry("extension:vector", "0.8.6") == NULL);
	CHECK(rcr_extlist_check_entry("extension:", "1") != NULL);
	CHECK(rcr_extlist_check_entry("extension:vector", "") != NULL);
	CHECK(rcr_extlist_check_entry("extension:vector", "1\n2") != NULL);
	CHECK(rcr_extlist_check_entry("extension_schema:vector", "") != NULL);
	CHECK(rcr_extlist_check_entry("extension_schema:vector", "any \x01 bytes") == NULL);
	CHECK(rcr_extlist_check_entry("extension_use:vector", "") == NULL);
	CHECK(rcr_extlist_check_entry("extension_use:", "x") != NULL);
}

static const test_case cases[] = {
	TEST(test_extlist__roundtrip),
	TEST(test_extlist__pairs_and_absence),
	TEST(test_extlist__entry_checks),
};

TEST_MAIN(cases)
