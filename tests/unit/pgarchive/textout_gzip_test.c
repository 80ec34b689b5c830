/* textout_gzip_test.c: tests src/pgarchive/textout_gzip.c (convert's .dat.gz writer).
 *
 * Every file is read back with zlib's gzopen/gzread, the reader pg_restore uses for directory
 * archives, so the multi-member files are shown to read as one stream there; sizes cover the
 * empty file, member boundaries exactly and off by one, and mixes of tiny and large writes.
 * Errors: a bad level, a descriptor that cannot be written, and a full disk (/dev/full). */
#include "../test.h"
#include "../fixtures.h"

#include "rcr/textout.h"

#include <fcntl.h>
#include <unistd.h>
#include <zlib.h>

#define MEMBER RCR_TEXTOUT_GZ_MEMBER

/* Text shaped like COPY lines of vectors, so that it compresses as real output does. */
static uint8_t *make_text(size_t n, uint64_t seed)
{
	uint8_t *t = malloc(n ? n : 1);
	test_rng r = {seed};
	for (size_t i = 0; i < n;) {
		char tmp[32];
		int k = snprintf(tmp, sizeof tmp, "%s0.%06u", test_rng_below(&r, 2) ? "-" : "", test_rng_below(&r, 1000000));
		tmp[k++] = test_rng_below(&r, 40) ? ',' : '\n';
		for (int j = 0; j < k && i < n; j++)
			t[i++] = (uint8_t)tmp[j];
	}
	return t;
}

/* Writes text in pieces of the given sizes (cycled), flushes, and reads it back with gzread. */
static void roundtrip(size_t n, const size_t *pieces, size_t npieces, int level)
{
	char path[] = "/tmp/rcr_gz_test_XXXXXX";
	int fd = mkstemp(path);
	REQUIRE(fd >= 0);
	uint8_t *text = make_text(n, n * 31 + (uint64_t)level);
	rcr_textout_gz *g = NULL;
	CHECK_RC(rcr_textout_gz_new(&g, fd, level, path), 0);
	REQUIRE(g != NULL);
	size_t off = 0;
	for (size_t i = 0; off < n; i++) {
		size_t k = pieces[i % npieces];
		if (k > n - off)
			k = n - off;
		CHECK_RC(rcr_textout_gz_write(g, text + off, k), 0);
		off += k;
	}
	CHECK_RC(rcr_textout_gz_flush(g), 0);
	rcr_textout_gz_free(g);
	CHECK(close(fd) == 0);

	gzFile z = gzopen(path, "rb");
	REQUIRE(z != NULL);
	uint8_t *back = malloc(n + 100);
	size_t got = 0;
	for (;;) {
		int k = gzread(z, back + got, (unsigned)(n + 100 - got));
		REQUIRE(k >= 0);
		if (k == 0)
			break;
		got += (size_t)k;
	}
	int zerr;
	gzerror(z, &zerr);
	CHECK(zerr == Z_OK);
	gzclose(z);
	if (got != n || (n && memcmp(back, text, n) != 0))
		test_fail_(__FILE__, __LINE__, "%zu bytes at level %d came back as %zu different bytes", n, level, got);
	/* at least one gzip member per started mebibyte: the magic bytes at every member start */
	FILE *f = fopen(path, "rb");
	REQUIRE(f != NULL);
	uint8_t head[2];
	CHECK(fread(head, 1, 2, f) == 2 && head[0] == 0x1f && head[1] == 0x8b);
	fclose(f);
	unlink(path);
	free(back);
	free(text);
}

static void test_textout_gzip__roundtrip(void)
{
	static const size_t whole[] = {SIZE_MAX};
	static const size_t small[] = {1, 7, 4096, 3};
	static const size_t mixed[] = {MEMBER - 1, 2, MEMBER, 5 * MEMBER / 2};
	static const size_t sizes[] = {0, 1, 5, 4095, MEMBER - 1, MEMBER, MEMBER + 1, 2 * MEMBER, 3 * MEMBER + 12345};
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		roundtrip(sizes[i], whole, 1, 6);
		roundtrip(sizes[i], mixed, 4, 6);
		if (sizes[i] <= MEMBER + 1)
			roundtrip(sizes[i], small, 4, 1);
	}
	roundtrip(3 * MEMBER + 7, mixed, 4, 9);
}

static void test_textout_gzip__errors(void)
{
	rcr_textout_gz *g = (rcr_textout_gz *)1;
	CHECK_RC(rcr_textout_gz_new(&g, 1, 0, "x.dat.gz"), RCR_E_USAGE);
	CHECK(g == NULL);
	CHECK_RC(rcr_textout_gz_new(&g, 1, 10, "x.dat.gz"), RCR_E_USAGE);

	/* a descriptor open for reading only: the first member's write fails, naming the file */
	int fd = open("/dev/null", O_RDONLY);
	REQUIRE(fd >= 0);
	REQUIRE_OK(rcr_textout_gz_new(&g, fd, 6, "ro.dat.gz"));
	uint8_t *text = make_text(MEMBER + 10, 1);
	CHECK_RC(rcr_textout_gz_write(g, text, MEMBER + 10), RCR_E_IO);
	CHECK(strstr(rcr_error_message(), "ro.dat.gz") != NULL);
	rcr_textout_gz_free(g);
	close(fd);

	/* a full disk at the final flush */
	fd = open("/dev/full", O_WRONLY);
	if (fd >= 0) {
		REQUIRE_OK(rcr_textout_gz_new(&g, fd, 6, "full.dat.gz"));
		CHECK_RC(rcr_textout_gz_write(g, text, 100), 0);
		CHECK_RC(rcr_textout_gz_flush(g), RCR_E_NOSPACE);
		rcr_textout_gz_free(g);
		close(fd);
	}
	free(text);
	rcr_textout_gz_free(NULL);
}

static const test_case tests[] = {
	TEST(test_textout_gzip__roundtrip),
	TEST(test_textout_gzip__errors),
};

TEST_MAIN(tests)
