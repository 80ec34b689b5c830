/* text_test.c: tests src/common/text.c, how untrusted names and text are shown and which
 * encoding names an archive may hold. */
#include "../test.h"

#include "rcr/text.h"

static void test_text__names_quoted_as_quote_ident(void)
{
	static const char *const cases[][2] = {
		{"plain", "plain"},
		{"_x9", "_x9"},
		{"Mixed", "\"Mixed\""},
		{"9lives", "\"9lives\""},
		{"a.b", "\"a.b\""},
		{"a b", "\"a b\""},
		{"we\"ird", "\"we\"\"ird\""},
		{"x'; DROP TABLE t; --", "\"x'; DROP TABLE t; --\""},
		{"back\\slash", "\"back\\slash\""},
		{"d$", "\"d$\""},
		{"\xc3\xbc", "\"\xc3\xbc\""},
		{"", "\"\""},
		/* control characters: a Unicode-escaped identifier, backslash doubled */
		{"e\x1b[2J", "U&\"e\\001b[2J\""},
		{"a\nb\\c\"d", "U&\"a\\000ab\\\\c\"\"d\""},
		{"del\x7f", "U&\"del\\007f\""},
		{"c1\xc2\x9b", "U&\"c1\\009b\""},
		/* bidirectional controls reorder what follows on screen: escaped too */
		{"txt\xe2\x80\xaegpj.exe", "U&\"txt\\202egpj.exe\""},
		{"i\xe2\x81\xa6x\xe2\x81\xa9", "U&\"i\\2066x\\2069\""},
		{"lrm\xe2\x80\x8e", "U&\"lrm\\200e\""},
		/* other characters of that block are left alone: U+2020 dagger */
		{"d\xe2\x80\xa0", "\"d\xe2\x80\xa0\""},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		CHECK_STR(rcr_name_quote(cases[i][0]).s, cases[i][1]);
	CHECK_STR(rcr_name_qualify("My Schema", "t").s, "\"My Schema\".t");
	CHECK_STR(rcr_name_qualify("a.b", "c").s, "\"a.b\".c");
	CHECK_STR(rcr_name_qualify("a", "b.c").s, "a.\"b.c\"");
}

static void test_text__free_text_escaped(void)
{
	CHECK_STR(rcr_text_escape("ok text, ü").s, "ok text, ü");
	CHECK_STR(rcr_text_escape("a\nb\rc\td").s, "a\\nb\\rc\\td");
	CHECK_STR(rcr_text_escape("\x1b]0;t\x07\x7f\x01").s, "\\x1b]0;t\\x07\\x7f\\x01");
	CHECK_STR(rcr_text_escape("csi\xc2\x9b").s, "csi\\x9b");
	CHECK_STR(rcr_text_escape("rlo\xe2\x80\xae!").s, "rlo\\u202e!");
}

static void test_text__long_text_cut_whole(void)
{
	char big[4 * RCR_SHOWN_SIZE];
	memset(big, '\x1b', sizeof big - 1);
	big[sizeof big - 1] = 0;
	rcr_shown sh = rcr_text_escape(big);
	size_t n = strlen(sh.s);
	CHECK(n < RCR_SHOWN_SIZE);
	CHECK_STR(sh.s + n - 3, "...");
	/* only whole escapes before the cut */
	CHECK((n - 3) % 4 == 0);
	for (size_t i = 0; i < n; i++)
		CHECK((unsigned char)sh.s[i] >= 0x20);
	memset(big, 'A', sizeof big - 1);
	sh = rcr_name_qualify(big, big);
	CHECK(strlen(sh.s) < RCR_SHOWN_SIZE);
}

static void test_text__encoding_names(void)
{
	static const char *const ok[] = {"UTF8", "SQL_ASCII", "LATIN1", "LATIN10", "WIN1252", "EUC_JIS_2004",
					 "ISO_8859_5", "KOI8U", "SJIS", "SHIFT_JIS_2004", "MULE_INTERNAL"};
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
		CHECK(rcr_text_encoding_known(ok[i]));
	static const char *const bad[] = {"", "utf8", "UTF-8", "latin1", "UTF8 ", "UTF8'; CREATE TABLE x(); --",
					  "UNICODE", "LATIN11", "UTF8\n"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		CHECK(!rcr_text_encoding_known(bad[i]));
}

static const test_case cases[] = {
	TEST(test_text__names_quoted_as_quote_ident),
	TEST(test_text__free_text_escaped),
	TEST(test_text__long_text_cut_whole),
	TEST(test_text__encoding_names),
};

TEST_MAIN(cases)
