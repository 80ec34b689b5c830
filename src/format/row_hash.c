/* row_hash.c: see row_hash.h. */
#include "rcr/row_hash.h"
#include "rcr/err.h"

#include <openssl/evp.h>

#include <stdlib.h>

/* A field at least this long is hashed where it lies, by its own digest update; shorter ones
 * are gathered with their neighbours first. A digest update costs about as much as copying a
 * few hundred bytes, so gathering pays for the small fields of a many-column table and
 * copying the big ones (an embedding, a long text) costs more than the update it saves. */
#define DIRECT_FIELD_MIN 256

struct rcr_row_hasher {
	EVP_MD_CTX *ctx;
	/* Fetched once: EVP_sha256() with EVP_DigestInit_ex makes OpenSSL 3 look the digest up
	 * again (under a lock) at every row. */
	EVP_MD *md;
	rcr_buf row;            /* the small fields of one row not yet given to the digest */
	size_t *at;             /* each column's read position in rcr_row_hashes */
	rcr_field_stream *streams; /* rcr_row_hashes' rcr_buf columns as streams */
	uint32_t cols_cap;      /* of at and streams */
};

int rcr_row_hasher_new(rcr_row_hasher **out)
{
	*out = NULL;
	rcr_row_hasher *h = calloc(1, sizeof *h);
	if (!h)
		return rcr_error_set(RCR_E_NOMEM, "out of memory");
	h->row = (rcr_buf)RCR_BUF_INIT;
	h->ctx = EVP_MD_CTX_new();
	h->md = EVP_MD_fetch(NULL, "SHA256", NULL);
	if (!h->ctx || !h->md) {
		rcr_row_hasher_free(h);
		return rcr_error_set(RCR_E_NOMEM, "could not set up SHA-256");
	}
	*out = h;
	return 0;
}

void rcr_row_hasher_free(rcr_row_hasher *h)
{
	if (!h)
		return;
	EVP_MD_CTX_free(h->ctx);
	EVP_MD_free(h->md);
	rcr_buf_free(&h->row);
	free(h->at);
	free(h->streams);
	free(h);
}

static int digest_begin(rcr_row_hasher *h)
{
	return EVP_DigestInit_ex(h->ctx, h->md, NULL) == 1 ? 0 : rcr_error_set(RCR_E_INTERNAL, "SHA-256 failed");
}

static int digest_add(rcr_row_hasher *h, const void *p, size_t n)
{
	return n == 0 || EVP_DigestUpdate(h->ctx, p, n) == 1 ? 0 : rcr_error_set(RCR_E_INTERNAL, "SHA-256 failed");
}

static int digest_end(rcr_row_hasher *h, uint8_t out[32])
{
	unsigned len = 0;
	if (EVP_DigestFinal_ex(h->ctx, out, &len) != 1 || len != 32)
		return rcr_error_set(RCR_E_INTERNAL, "SHA-256 failed");
	return 0;
}

int rcr_row_hash(rcr_row_hasher *h, uint8_t out[RCR_ROW_HASH_SIZE], const uint8_t *row, size_t n)
{
	RCR_FORWARD(digest_begin(h));
	RCR_FORWARD(digest_add(h, row, n));
	return digest_end(h, out);
}

/* Room in h for the read positions and streams of ncols columns. */
static int reserve_cols(rcr_row_hasher *h, uint32_t ncols)
{
	if (ncols <= h->cols_cap)
		return 0;
	size_t *at = realloc(h->at, ncols * sizeof *at);
	if (at)
		h->at = at;
	rcr_field_stream *st = realloc(h->streams, ncols * sizeof *st);
	if (st)
		h->streams = st;
	if (!at || !st)
		return rcr_error_set(RCR_E_NOMEM, "out of memory");
	h->cols_cap = ncols;
	return 0;
}

/* Gives the gathered small fields to the digest. */
static int flush_row(rcr_row_hasher *h)
{
	RCR_FORWARD(digest_add(h, h->row.data, h->row.len));
	rcr_buf_reset(&h->row);
	return 0;
}

/* Adds the field at column c's read position to the row's digest and moves past it: a small
 * field is gathered into h->row, a big one is hashed in place after what was gathered. */
static int hash_field(rcr_row_hasher *h, const rcr_field_stream *col, uint32_t c)
{
	size_t at = h->at[c];
	if (col->len - at < 4)
		return rcr_error_set(RCR_E_FORMAT, "column %u's field stream ends inside a field length", c);
	int32_t flen = (int32_t)rcr_load_u32be(col->data + at);
	size_t n = 4;
	if (flen >= 0)
		n += (size_t)flen;
	else if (flen != -1)
		return rcr_error_set(RCR_E_FORMAT, "column %u has a field of length %d", c, flen);
	if (col->len - at < n)
		return rcr_error_set(RCR_E_FORMAT, "column %u's field stream ends inside a field", c);
	h->at[c] = at + n;
	if (n < DIRECT_FIELD_MIN)
		return rcr_buf_append(&h->row, col->data + at, n);
	RCR_FORWARD(flush_row(h));
	return digest_add(h, col->data + at, n);
}

int rcr_row_hashes_of(rcr_row_hasher *h, uint8_t *out, const rcr_field_stream *cols, uint32_t ncols,
		      uint32_t rows)
{
	RCR_FORWARD(reserve_cols(h, ncols));
	for (uint32_t c = 0; c < ncols; c++)
		h->at[c] = 0;
	for (uint32_t r = 0; r < rows; r++) {
		rcr_buf_reset(&h->row);
		RCR_FORWARD(digest_begin(h));
		for (uint32_t c = 0; c < ncols; c++)
			RCR_FORWARD(hash_field(h, &cols[c], c));
		RCR_FORWARD(flush_row(h));
		RCR_FORWARD(digest_end(h, out + (size_t)r * RCR_ROW_HASH_SIZE));
	}
	for (uint32_t c = 0; c < ncols; c++)
		if (h->at[c] != cols[c].len)
			return rcr_error_set(RCR_E_FORMAT, "column %u's field stream holds more than %u fields", c, rows);
	return 0;
}

/* cols as field streams, in h->streams. */
static int as_streams(rcr_row_hasher *h, const rcr_buf *cols, uint32_t ncols)
{
	RCR_FORWARD(reserve_cols(h, ncols));
	for (uint32_t c = 0; c < ncols; c++)
		h->streams[c] = (rcr_field_stream){cols[c].data, cols[c].len};
	return 0;
}

int rcr_row_hashes(rcr_row_hasher *h, uint8_t *out, const rcr_buf *cols, uint32_t ncols, uint32_t rows)
{
	RCR_FORWARD(as_streams(h, cols, ncols));
	return rcr_row_hashes_of(h, out, h->streams, ncols, rows);
}

int rcr_content_hash_rows(rcr_row_hasher *h, uint8_t out[RCR_CONTENT_HASH_SIZE], const uint8_t *hashes,
			  uint32_t rows)
{
	return rcr_row_hash(h, out, hashes, (size_t)rows * RCR_ROW_HASH_SIZE);
}

int rcr_content_hash_streams(rcr_row_hasher *h, uint8_t out[RCR_CONTENT_HASH_SIZE], const rcr_buf *cols,
			     uint32_t ncols)
{
	RCR_FORWARD(as_streams(h, cols, ncols));
	return rcr_content_hash_of(h, out, h->streams, ncols);
}

int rcr_content_hash_of(rcr_row_hasher *h, uint8_t out[RCR_CONTENT_HASH_SIZE], const rcr_field_stream *cols,
			uint32_t ncols)
{
	RCR_FORWARD(digest_begin(h));
	for (uint32_t c = 0; c < ncols; c++) {
		uint8_t len[8];
		rcr_store_u64le(len, (uint64_t)cols[c].len);
		RCR_FORWARD(digest_add(h, len, sizeof len));
		RCR_FORWARD(digest_add(h, cols[c].data, cols[c].len));
	}
	return digest_end(h, out);
}
