/*
 * gen_data.c: the benchmark's dataset generator. Writes rows of one table as a PostgreSQL binary
 * COPY stream on stdout, for `COPY ... FROM STDIN (FORMAT binary)`.
 *
 *   gen_data TABLE [--seed S] [--first K] [--count N] [--fp16] [--dim D] [--feeds F]
 *
 * TABLE is `records` (uuid, title, body, url, metadata jsonb, created_at timestamptz,
 * embedding vector(D)) or `feed_entries` (id bigint, feed_id int, guid, title, summary,
 * published_at timestamptz, embedding vector(D)); the column lists are printed by
 * `gen_data TABLE --columns`. Rows K .. K+N-1 are written (0-based; feed_entries.id is row + 1).
 *
 * Deterministic: every row draws from its own generator, seeded from (seed, table, row), so a
 * row's content does not depend on how the rows are split between streams (the benchmark loads
 * each table over several connections). The same seed gives the same bytes, whatever the
 * compiler (checked: gcc and clang, -O0 and -O2), with the same libm (log, sqrt).
 *
 * Embeddings are model-like: D Gaussian components (Marsaglia's polar method) normalized to unit
 * length in double precision, stored as float32. With --fp16 each component is then rounded to
 * the nearest float16 value (ties to even, float16 subnormals included) and stored as float32,
 * as when a model emits fp16 and the application keeps float32: the low 13 mantissa bits of
 * every normal value are zero.
 *
 * Text is built from a fixed vocabulary with a skewed word distribution, so it compresses about
 * as well as English prose (zstd -3: about 3x). Plain C99, no rcr libraries.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --- output: one big buffer, flushed with fwrite ------------------------------------------- */

static unsigned char *obuf;
static size_t olen, ocap = 1 << 22;

static void flush_out(void)
{
	if (olen && fwrite(obuf, 1, olen, stdout) != olen) {
		perror("gen_data: write");
		exit(3);
	}
	olen = 0;
}

static void reserve(size_t n)
{
	if (olen + n > ocap)
		flush_out();
	if (n > ocap) {
		fprintf(stderr, "gen_data: row field too large\n");
		exit(6);
	}
}

static void put_bytes(const void *p, size_t n)
{
	reserve(n);
	memcpy(obuf + olen, p, n);
	olen += n;
}

static void put_u16(uint16_t v)
{
	unsigned char b[2] = {(unsigned char)(v >> 8), (unsigned char)v};
	put_bytes(b, 2);
}

static void put_u32(uint32_t v)
{
	unsigned char b[4] = {(unsigned char)(v >> 24), (unsigned char)(v >> 16), (unsigned char)(v >> 8),
			      (unsigned char)v};
	put_bytes(b, 4);
}

static void put_u64(uint64_t v)
{
	put_u32((uint32_t)(v >> 32));
	put_u32((uint32_t)v);
}

/* A field: int32 length, then the bytes. */
static void field(const void *p, size_t n)
{
	put_u32((uint32_t)n);
	put_bytes(p, n);
}

static void field_i32(int32_t v)
{
	put_u32(4);
	put_u32((uint32_t)v);
}

static void field_i64(int64_t v)
{
	put_u32(8);
	put_u64((uint64_t)v);
}

/* --- random numbers: splitmix64 for seeding, xoshiro256** per row ---------------------------- */

typedef struct {
	uint64_t s[4];
} rng;

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

static void rng_seed(rng *r, uint64_t seed, uint64_t table, uint64_t row)
{
	uint64_t x = seed * 0x2545F4914F6CDD1Dull ^ table << 56 ^ row;
	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&x);
}

static inline uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static inline uint64_t next_u64(rng *r)
{
	uint64_t *s = r->s;
	uint64_t result = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

/* Uniform in [0, 1). */
static inline double next_unit(rng *r)
{
	return (double)(next_u64(r) >> 11) * (1.0 / 9007199254740992.0);
}

/* Uniform integer in [lo, hi]. */
static inline long next_range(rng *r, long lo, long hi)
{
	return lo + (long)(next_unit(r) * (double)(hi - lo + 1));
}

/* --- embeddings ------------------------------------------------------------------------------ */

/* The float16 value nearest to x (ties to even), as a float. |x| stays far below 65504 here. */
static float round_fp16(float x)
{
	if (fabsf(x) < 6.103515625e-05f) /* 2^-14: float16 subnormal range, quantum 2^-24 */
		return nearbyintf(x * 16777216.0f) / 16777216.0f;
	uint32_t b;
	memcpy(&b, &x, 4);
	b += 0x0FFFu + ((b >> 13) & 1u); /* round the low 13 mantissa bits, ties to even */
	b &= ~0x1FFFu;
	memcpy(&x, &b, 4);
	return x;
}

static void field_vector(rng *r, int dim, int fp16, double *tmp)
{
	double norm = 0;
	for (int i = 0; i < dim; i += 2) {
		double u, v, s;
		do {
			u = 2 * next_unit(r) - 1;
			v = 2 * next_unit(r) - 1;
			s = u * u + v * v;
		} while (s >= 1 || s == 0);
		double f = sqrt(-2 * log(s) / s);
		tmp[i] = u * f;
		if (i + 1 < dim)
			tmp[i + 1] = v * f;
	}
	for (int i = 0; i < dim; i++)
		norm += tmp[i] * tmp[i];
	norm = sqrt(norm);
	put_u32((uint32_t)(4 + 4 * dim));
	put_u16((uint16_t)dim);
	put_u16(0);
	reserve((size_t)dim * 4);
	for (int i = 0; i < dim; i++) {
		float x = (float)(tmp[i] / norm);
		if (fp16)
			x = round_fp16(x);
		uint32_t b;
		memcpy(&b, &x, 4);
		obuf[olen++] = (unsigned char)(b >> 24);
		obuf[olen++] = (unsigned char)(b >> 16);
		obuf[olen++] = (unsigned char)(b >> 8);
		obuf[olen++] = (unsigned char)b;
	}
}

/* --- text -------------------------------------------------------------------------------------- */

static const char *const words[] = {
	"the", "of", "and", "to", "a", "in", "is", "that", "for", "it", "as", "was", "with", "be", "by",
	"on", "not", "he", "this", "are", "or", "his", "from", "at", "which", "but", "have", "an", "had",
	"they", "you", "were", "their", "one", "all", "we", "can", "her", "has", "there", "been", "if",
	"more", "when", "will", "would", "who", "so", "no", "she", "other", "its", "may", "these", "what",
	"them", "than", "some", "him", "time", "into", "only", "do", "could", "new", "about", "two", "then",
	"first", "also", "after", "any", "like", "should", "our", "over", "such", "most", "where",
	"between", "through", "each", "many", "before", "system", "data", "model", "search", "vector",
	"embedding", "index", "query", "database", "result", "user", "feed", "article", "report", "market",
	"research", "network", "policy", "energy", "climate", "health", "software", "release", "security",
	"performance", "language", "learning", "training", "dataset", "benchmark", "server", "cloud",
	"storage", "memory", "latency", "throughput", "update", "version", "feature", "support", "team",
	"company", "product", "customer", "service", "price", "growth", "quarter", "revenue", "analysis",
	"government", "election", "economy", "science", "study", "patients", "treatment", "city",
	"community", "development", "project", "open", "source", "library", "framework", "application",
	"interface", "design", "algorithm", "approach", "method", "problem", "solution", "question",
	"answer", "information", "knowledge", "document", "page", "title", "summary", "content", "text",
	"image", "video", "audio", "signal", "process", "control", "quality", "value", "number", "level",
	"rate", "range", "point", "case", "example", "group", "world", "people", "year", "week", "today",
	"recent", "large", "small", "high", "low", "fast", "slow", "better", "best", "important",
	"different", "several", "public", "private", "local", "global", "national", "international",
	"early", "late", "major", "minor", "key", "main", "general", "specific", "available", "possible",
	"likely", "according", "including", "using", "based", "following", "across", "within", "without",
	"under", "while", "during", "because", "however", "although", "therefore", "said", "says",
	"announced", "reported", "published", "found", "shows", "suggests", "expected", "improved",
	"reduced", "increased", "launched", "built", "designed", "developed", "measured", "tested",
};
#define NWORDS (sizeof words / sizeof *words)

/* A word, skewed toward the start of the list (roughly Zipf-like). */
static const char *next_word(rng *r)
{
	double u = next_unit(r);
	return words[(size_t)(u * u * (double)NWORDS)];
}

/* Sentences into buf until at least target chars (buf holds target + 64). Returns the length. */
static size_t prose(rng *r, char *buf, size_t target)
{
	size_t n = 0;
	int start = 1;
	while (n < target) {
		const char *w = next_word(r);
		size_t wl = strlen(w);
		if (n)
			buf[n++] = ' ';
		memcpy(buf + n, w, wl);
		if (start && buf[n] >= 'a' && buf[n] <= 'z')
			buf[n] -= 'a' - 'A';
		n += wl;
		start = next_unit(r) < 0.08;
		if (start || n >= target)
			buf[n++] = '.';
	}
	return n;
}

/* A slug of k words joined by '-'. */
static size_t slug(rng *r, char *buf, int k)
{
	size_t n = 0;
	for (int i = 0; i < k; i++) {
		const char *w = next_word(r);
		size_t wl = strlen(w);
		if (i)
			buf[n++] = '-';
		memcpy(buf + n, w, wl);
		n += wl;
	}
	return n;
}

/* --- tables ------------------------------------------------------------------------------------ */

/* Microseconds from 2000-01-01 00:00 UTC (PostgreSQL's epoch) to 2023-01-01 00:00 UTC. */
#define TS_2023 725846400000000LL

static void row_records(rng *r, uint64_t row, int dim, int fp16, double *tmp, char *text)
{
	unsigned char uuid[16];
	char s[512];
	size_t n;
	put_u16(7);
	for (int i = 0; i < 16; i += 8) {
		uint64_t v = next_u64(r);
		memcpy(uuid + i, &v, 8);
	}
	uuid[6] = (unsigned char)((uuid[6] & 0x0F) | 0x40); /* version 4 */
	uuid[8] = (unsigned char)((uuid[8] & 0x3F) | 0x80); /* RFC 4122 variant */
	field(uuid, 16);
	n = prose(r, text, (size_t)next_range(r, 20, 90));
	field(text, n - 1); /* a title: no final period */
	n = prose(r, text, (size_t)next_range(r, 500, 2000));
	field(text, n);
	/* Every draw in its own statement: the order of evaluation of function arguments is
	 * unspecified, and compilers differ, which would change the data. */
	int year = (int)next_range(r, 2019, 2025);
	int month = (int)next_range(r, 1, 12);
	n = (size_t)snprintf(s, sizeof s, "https://news.example.com/%04d/%02d/", year, month);
	n += slug(r, s + n, (int)next_range(r, 3, 8));
	n += (size_t)snprintf(s + n, sizeof s - n, "-%llu", (unsigned long long)row + 1);
	field(s, n);
	/* jsonb binary: version byte 1, then the JSON text */
	static const char *const langs[] = {"en", "en", "en", "de", "fr", "es", "ja"};
	static const char *const sources[] = {"import", "crawler", "api", "upload"};
	const char *source = sources[next_range(r, 0, 3)];
	const char *lang = langs[next_range(r, 0, 6)];
	long nwords = next_range(r, 80, 400);
	double score = next_unit(r);
	const char *tag1 = next_word(r);
	const char *tag2 = next_word(r);
	long rev = next_range(r, 1, 9);
	n = (size_t)snprintf(s, sizeof s,
			     "\001{\"source\": \"%s\", \"lang\": \"%s\", \"words\": %ld, \"score\": %.4f, "
			     "\"tags\": [\"%s\", \"%s\"], \"rev\": %ld}",
			     source, lang, nwords, score, tag1, tag2, rev);
	field(s, n);
	field_i64(TS_2023 + (int64_t)row * 60000000LL + (int64_t)next_range(r, 0, 59999999));
	field_vector(r, dim, fp16, tmp);
}

static void row_feed_entries(rng *r, uint64_t row, int dim, int fp16, int feeds, double *tmp, char *text)
{
	char s[256];
	size_t n;
	put_u16(7);
	field_i64((int64_t)row + 1);
	int feed = (int)next_range(r, 1, feeds);
	field_i32(feed);
	n = (size_t)snprintf(s, sizeof s, "https://feed%d.example.org/entry/%016llx", feed,
			     (unsigned long long)next_u64(r));
	field(s, n);
	n = prose(r, text, (size_t)next_range(r, 20, 90));
	field(text, n - 1);
	n = prose(r, text, (size_t)next_range(r, 100, 400));
	field(text, n);
	field_i64(TS_2023 + (int64_t)row * 20000000LL + (int64_t)next_range(r, 0, 19999999));
	field_vector(r, dim, fp16, tmp);
}

static void usage(void)
{
	fprintf(stderr, "usage: gen_data records|feed_entries [--seed S] [--first K] [--count N] [--fp16] "
			"[--dim D] [--feeds F] [--columns]\n");
	exit(1);
}

int main(int argc, char **argv)
{
	if (argc < 2)
		usage();
	const char *table = argv[1];
	uint64_t seed = 42, first = 0, count = 60000;
	int fp16 = 0, dim = 768, feeds = 50, columns = 0;
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "--fp16"))
			fp16 = 1;
		else if (!strcmp(a, "--columns"))
			columns = 1;
		else if (v && !strcmp(a, "--seed"))
			seed = strtoull(argv[++i], NULL, 10);
		else if (v && !strcmp(a, "--first"))
			first = strtoull(argv[++i], NULL, 10);
		else if (v && !strcmp(a, "--count"))
			count = strtoull(argv[++i], NULL, 10);
		else if (v && !strcmp(a, "--dim"))
			dim = atoi(argv[++i]);
		else if (v && !strcmp(a, "--feeds"))
			feeds = atoi(argv[++i]);
		else
			usage();
	}
	int tid;
	if (!strcmp(table, "records"))
		tid = 1;
	else if (!strcmp(table, "feed_entries"))
		tid = 2;
	else
		usage();
	if (columns) {
		puts(tid == 1 ? "id, title, body, url, metadata, created_at, embedding"
			      : "id, feed_id, guid, title, summary, published_at, embedding");
		return 0;
	}
	if (dim < 1 || dim > 16000 || feeds < 1)
		usage();
	obuf = malloc(ocap);
	double *tmp = malloc(sizeof(double) * (size_t)(dim + 1));
	char *text = malloc(2100);
	if (!obuf || !tmp || !text) {
		fprintf(stderr, "gen_data: out of memory\n");
		return 6;
	}
	static const unsigned char sig[11] = {'P', 'G', 'C', 'O', 'P', 'Y', '\n', 0xFF, '\r', '\n', 0};
	put_bytes(sig, 11);
	put_u32(0); /* flags */
	put_u32(0); /* header extension length */
	for (uint64_t row = first; row < first + count; row++) {
		rng r;
		rng_seed(&r, seed, (uint64_t)tid, row);
		if (tid == 1)
			row_records(&r, row, dim, fp16, tmp, text);
		else
			row_feed_entries(&r, row, dim, fp16, feeds, tmp, text);
	}
	put_u16(0xFFFF);
	flush_out();
	if (fflush(stdout) != 0) {
		perror("gen_data: write");
		return 3;
	}
	free(obuf);
	free(tmp);
	free(text);
	return 0;
}
