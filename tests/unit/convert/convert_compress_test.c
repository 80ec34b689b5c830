/* convert_compress_test.c: tests src/convert/convert_compress.c (convert's data-file
 * compressors and the -Z syntax).
 *
 * Every compressor of the registry writes the same texts, in pieces of varied sizes, and the
 * files are read back with the readers pg_restore uses: plain read, zlib's gzread, zstd's
 * streaming decoder; a zstd file must be exactly one frame, as pg_dump 16 writes it. The -Z
 * table holds pg_dump 15's and 16's spellings, with the algorithm and level each must give, and
 * the ones that must be refused. */
#include "../test.h"
#include "../fixtures.h"

#include "../../../src/convert/convert_compress.h"

#include <fcntl.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

static const int algorithms[] = {RCR_CONVERT_NONE, RCR_CONVERT_GZIP, RCR_CONVERT_ZSTD};

static int read_all(const char *path, rcr_buf *out)
{
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	uint8_t tmp[65536];
	ssize_t k;
	while ((k = read(fd, tmp, sizeof tmp)) > 0)
		rcr_buf_append(out, tmp, (size_t)k);
	close(fd);
	return k < 0 ? -1 : 0;
}

static int read_gzip(const char *path, rcr_buf *out)
{
	gzFile g = gzopen(path, "rb");
	if (!g)
		return -1;
	uint8_t tmp[65536];
	int k;
	while ((k = gzread(g, tmp, sizeof tmp)) > 0)
		rcr_buf_append(out, tmp, (size_t)k);
	gzclose(g);
	return k < 0 ? -1 : 0;
}

/* Decodes every frame of the file; *frames counts them. */
static int read_zstd(const char *path, rcr_buf *out, int *frames)
{
	rcr_buf z = RCR_BUF_INIT;
	if (read_all(path, &z) < 0)
		return -1;
	*frames = 0;
	for (size_t pos = 0; pos < z.len; (*frames)++) {
		size_t fsize = ZSTD_findFrameCompressedSize(z.data + pos, z.len - pos);
		unsigned long long raw = ZSTD_getFrameContentSize(z.data + pos, fsize);
		if (ZSTD_isError(fsize) || raw == ZSTD_CONTENTSIZE_ERROR)
			break;
		ZSTD_DStream *ds = ZSTD_createDStream();
		ZSTD_inBuffer in = {z.data + pos, fsize, 0};
		uint8_t tmp[65536];
		size_t left = 1;
		while (left != 0 && !ZSTD_isError(left)) {
			ZSTD_outBuffer ob = {tmp, sizeof tmp, 0};
			left = ZSTD_decompressStream(ds, &ob, &in);
			rcr_buf_append(out, tmp, ob.pos);
		}
		ZSTD_freeDStream(ds);
		if (left != 0)
			break;
		pos += fsize;
	}
	rcr_buf_free(&z);
	return 0;
}

/* Text shaped like COPY lines, compressible as real output is. */
static uint8_t *make_text(size_t n, uint64_t seed)
{
	uint8_t *t = malloc(n ? n : 1);
	test_rng r = {seed};
	for (size_t i = 0; i < n;) {
		char tmp[32];
		int k = snprintf(tmp, sizeof tmp, "%u\t[0.%05u]", test_rng_below(&r, 100000), test_rng_below(&r, 100000));
		tmp[k++] = '\n';
		for (int j = 0; j < k && i < n; j++)
			t[i++] = (uint8_t)tmp[j];
	}
	return t;
}

static void roundtrip(int algorithm, int level, size_t n)
{
	rcr_convert_opts o = {.algorithm = algorithm, .level = level};
	const rcr_convert_compressor *c = rcr_convert_compressor_find(algorithm);
	REQUIRE(c);
	char dir[] = "/tmp/rcr_compress_test_XXXXXX", name[64], path[256];
	REQUIRE(mkdtemp(dir));
	rcr_convert_data_file_name(name, &o, 42);
	snprintf(path, sizeof path, "%s/%s", dir, name);
	uint8_t *text = make_text(n, n + (uint64_t)algorithm);
	rcr_convert_out f;
	REQUIRE_OK(rcr_convert_out_open(&f, &o, path));
	/* pieces of 0 to 70000 bytes: empty writes, small lines, writes across gzip members */
	test_rng r = {n};
	int rc = 0;
	for (size_t pos = 0; pos < n && rc == 0;) {
		size_t k = test_rng_below(&r, 4) ? test_rng_below(&r, 200) : test_rng_below(&r, 70000);
		k = k > n - pos ? n - pos : k;
		rc = rcr_convert_out_write(&f, text + pos, k);
		pos += k;
	}
	CHECK_RC(rcr_convert_out_close(&f, rc), 0);
	rcr_buf back = RCR_BUF_INIT;
	int frames = 1;
	if (algorithm == RCR_CONVERT_GZIP)
		CHECK(read_gzip(path, &back) == 0);
	else if (algorithm == RCR_CONVERT_ZSTD)
		CHECK(read_zstd(path, &back, &frames) == 0);
	else
		CHECK(read_all(path, &back) == 0);
	CHECK_MEM(back.data, back.len, text, n);
	CHECK_EQ_U64(frames, 1);
	size_t nl = strlen(name), sl = strlen(c->suffix);
	CHECK(nl > sl && strcmp(name + nl - sl, c->suffix) == 0 && strncmp(name, "42.dat", 6) == 0);
	rcr_buf_free(&back);
	free(text);
	unlink(path);
	rmdir(dir);
}

static void test_convert_compress__roundtrip(void)
{
	static const size_t sizes[] = {0, 1, 4095, (size_t)1 << 20, ((size_t)1 << 20) + 1, (size_t)3 << 20};
	for (size_t a = 0; a < sizeof algorithms / sizeof algorithms[0]; a++) {
		const rcr_convert_compressor *c = rcr_convert_compressor_find(algorithms[a]);
		REQUIRE(c);
		for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
			roundtrip(algorithms[a], c->level_default, sizes[i]);
		if (c->level_max) {
			roundtrip(algorithms[a], c->level_min, (size_t)1 << 20);
			roundtrip(algorithms[a], c->level_max(), 100000);
		}
	}
}

static void test_convert_compress__suffixes(void)
{
	/* pg_restore picks the decoder by these (doc/pg-archive.md, "Data files") */
	static const struct {
		int algorithm;
		const char *name;
	} want[] = {{RCR_CONVERT_NONE, "7.dat"}, {RCR_CONVERT_GZIP, "7.dat.gz"}, {RCR_CONVERT_ZSTD, "7.dat.zst"}};
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
		rcr_convert_opts o = {.algorithm = want[i].algorithm};
		char name[64];
		rcr_convert_data_file_name(name, &o, 7);
		CHECK_STR(name, want[i].name);
	}
	CHECK(rcr_convert_compressor_find(2) == NULL); /* lz4 is not written */
}

static void test_convert_compress__parse(void)
{
	static const struct {
		const char *spec;
		int rc, algorithm, level;
	} cases[] = {
		{"0", 0, RCR_CONVERT_NONE, 0},
		{"1", 0, RCR_CONVERT_GZIP, 1},
		{"9", 0, RCR_CONVERT_GZIP, 9},
		{"10", RCR_E_USAGE, 0, 0},
		{"-1", RCR_E_USAGE, 0, 0},
		{"none", 0, RCR_CONVERT_NONE, 0},
		{"none:1", RCR_E_USAGE, 0, 0},
		{"gzip", 0, RCR_CONVERT_GZIP, -1},
		{"gzip:1", 0, RCR_CONVERT_GZIP, 1},
		{"gzip:level=9", 0, RCR_CONVERT_GZIP, 9},
		{"gzip:0", RCR_E_USAGE, 0, 0},
		{"gzip:10", RCR_E_USAGE, 0, 0},
		{"gzip:", RCR_E_USAGE, 0, 0},
		{"gzip:x", RCR_E_USAGE, 0, 0},
		{"zstd", 0, RCR_CONVERT_ZSTD, ZSTD_CLEVEL_DEFAULT},
		{"zstd:22", 0, RCR_CONVERT_ZSTD, 22},
		{"zstd:23", RCR_E_USAGE, 0, 0},
		{"zstd:0", RCR_E_USAGE, 0, 0},
		{"lz4", RCR_E_USAGE, 0, 0},
		{"gzipx", RCR_E_USAGE, 0, 0},
		{"gz", RCR_E_USAGE, 0, 0},
		{"level=5", RCR_E_USAGE, 0, 0},
		{"", RCR_E_USAGE, 0, 0},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		rcr_convert_opts o = {.algorithm = -7, .level = -7};
		int rc = rcr_convert_parse_compress(&o, cases[i].spec);
		if (rc != cases[i].rc || (rc == 0 && (o.algorithm != cases[i].algorithm || o.level != cases[i].level)))
			test_fail_(__FILE__, __LINE__, "-Z '%s': rc %d, algorithm %d, level %d; want rc %d, %d, %d",
				   cases[i].spec, rc, o.algorithm, o.level, cases[i].rc, cases[i].algorithm, cases[i].level);
		if (rc == 0)
			CHECK_RC(rcr_convert_compress_check(&o), 0); /* what parses is accepted */
	}
}

static void test_convert_compress__check(void)
{
	static const struct {
		int algorithm, level, rc;
	} cases[] = {
		{RCR_CONVERT_NONE, 0, 0},         {RCR_CONVERT_GZIP, -1, 0},          {RCR_CONVERT_GZIP, 1, 0},
		{RCR_CONVERT_GZIP, 9, 0},         {RCR_CONVERT_GZIP, 0, RCR_E_USAGE}, {RCR_CONVERT_GZIP, -2, RCR_E_USAGE},
		{RCR_CONVERT_GZIP, 10, RCR_E_USAGE}, {RCR_CONVERT_ZSTD, 1, 0},        {RCR_CONVERT_ZSTD, 22, 0},
		{RCR_CONVERT_ZSTD, 0, RCR_E_USAGE}, {RCR_CONVERT_ZSTD, 23, RCR_E_USAGE}, {2, 1, RCR_E_USAGE},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		rcr_convert_opts o = {.algorithm = cases[i].algorithm, .level = cases[i].level};
		CHECK_RC(rcr_convert_compress_check(&o), cases[i].rc);
	}
}

static void test_convert_compress__exists(void)
{
	/* the data file must not exist: convert never writes into a file it did not create */
	char path[] = "/tmp/rcr_compress_test_XXXXXX";
	int fd = mkstemp(path);
	REQUIRE(fd >= 0);
	close(fd);
	for (size_t a = 0; a < sizeof algorithms / sizeof algorithms[0]; a++) {
		rcr_convert_opts o = {.algorithm = algorithms[a], .level = rcr_convert_compressor_find(algorithms[a])->level_default};
		rcr_convert_out f;
		CHECK_RC(rcr_convert_out_open(&f, &o, path), RCR_E_IO);
		CHECK_RC(rcr_convert_out_close(&f, 0), 0); /* closing a file that did not open is a no-op */
	}
	unlink(path);
}

static const test_case cases[] = {
	TEST(test_convert_compress__roundtrip),
	TEST(test_convert_compress__suffixes),
	TEST(test_convert_compress__parse),
	TEST(test_convert_compress__check),
	TEST(test_convert_compress__exists),
};

TEST_MAIN(cases)
