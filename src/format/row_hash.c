/* row_hash.c: see row_hash.h. */
#include "rcr/row_hash.h"
#include "rcr/err.h"

#include <openssl/evp.h>

#include <stdlib.h>

struct rcr_row_hasher {
	EVP_MD_CTX *ctx;
	const EVP_MD *md;
	rcr_buf row;            /* one row gathered from the field streams */
	size_t *at;             /* each column's read position in rcr_row_hashes */
	uint32_t at_cap;
};

int rcr_row_hasher_new(rcr_row_hasher **out)
{
	*out = NULL;
	rcr_row_hasher *h = calloc(1, sizeof *h);
	if (!h)
		return rcr_error_set(RCR_E_NOMEM, "out of memory");
	h->row = (rcr_buf)RCR_BUF_INIT;
	h->ctx = EVP_MD_CTX_new();
	h->md = EVP_sha256();
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
	rcr_buf_free(&h->row);
	free(h->at);
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

/* Appends the field at column c's read position to h->row and moves past it. */
static int gather_field(rcr_row_hasher *h, const rcr_buf *col, uint32_t c)
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
	return rcr_buf_append(&h->row, col->data + at, n);
}

int rcr_row_hashes(rcr_row_hasher *h, uint8_t *out, const rcr_buf *cols, uint32_t ncols, uint32_t rows)
{
	if (ncols > h->at_cap) {
		size_t *at = realloc(h->at, ncols * sizeof *at);
		if (!at)
			return rcr_error_set(RCR_E_NOMEM, "out of memory");
		h->at = at;
		h->at_cap = ncols;
	}
	for (uint32_t c = 0; c < ncols; c++)
		h->at[c] = 0;
	/* Each row is gathered into one buffer and hashed in one call: a digest update per field
	 * costs more than the copy for tables of many small columns. */
	for (uint32_t r = 0; r < rows; r++) {
		rcr_buf_reset(&h->row);
		for (uint32_t c = 0; c < ncols; c++)
			RCR_FORWARD(gather_field(h, &cols[c], c));
		RCR_FORWARD(rcr_row_hash(h, out + (size_t)r * RCR_ROW_HASH_SIZE, h->row.data, h->row.len));
	}
	for (uint32_t c = 0; c < ncols; c++)
		if (h->at[c] != cols[c].len)
			return rcr_error_set(RCR_E_FORMAT, "column %u's field stream holds more than %u fields", c, rows);
	return 0;
}

int rcr_content_hash_rows(rcr_row_hasher *h, uint8_t out[RCR_CONTENT_HASH_SIZE], const uint8_t *hashes,
			  uint32_t rows)
{
	return rcr_row_hash(h, out, hashes, (size_t)rows * RCR_ROW_HASH_SIZE);
}

int rcr_content_hash_streams(rcr_row_hasher *h, uint8_t out[RCR_CONTENT_HASH_SIZE], const rcr_buf *cols,
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
