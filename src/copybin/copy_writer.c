/* copy_writer.c: COPY output for restore and convert, binary and text (see copybin.h). */
#include "rcr/copybin.h"
#include "rcr/err.h"
#include "rcr/textout.h"

int rcr_copy_write_header(rcr_buf *out)
{
	static const uint8_t hdr[RCR_COPY_HEADER_SIZE] = {'P', 'G', 'C', 'O', 'P', 'Y', '\n', 0xFF, '\r', '\n', 0};
	return rcr_buf_append(out, hdr, sizeof hdr);
}

int rcr_copy_write_trailer(rcr_buf *out)
{
	static const uint8_t t[2] = {0xFF, 0xFF};
	return rcr_buf_append(out, t, 2);
}

/* Column c's next field of row r: *field at its length word, *len its value's length (-1 for
 * NULL); the cursor moves past it. The stream is untrusted: a field that runs past `end` is an
 * error, never an overread. */
static int next_field(const uint8_t **field, int32_t *len, const uint8_t **cursor, const uint8_t *end, uint16_t c,
		      uint32_t r)
{
	const uint8_t *f = *cursor;
	if (end - f < 4)
		return rcr_error_set(RCR_E_FORMAT, "column %u runs out of values at row %u", c, r);
	int32_t flen = (int32_t)rcr_load_u32be(f);
	if (flen < -1 || (size_t)(end - f) - 4 < (flen > 0 ? (size_t)flen : 0))
		return rcr_error_set(RCR_E_FORMAT, "column %u value %u overruns its chunk", c, r);
	*field = f;
	*len = flen;
	*cursor = f + 4 + (flen > 0 ? (size_t)flen : 0);
	return 0;
}

int rcr_copy_skip_row(const uint8_t **cursors, const uint8_t *const *ends, uint16_t ncols, uint32_t r)
{
	for (uint16_t c = 0; c < ncols; c++) {
		const uint8_t *f = NULL;
		int32_t flen = 0;
		RCR_FORWARD(next_field(&f, &flen, &cursors[c], ends[c], c, r));
	}
	return 0;
}

/* Row r as one binary COPY tuple: the field count, then each column's next field as it is. */
static int tuple_row(rcr_buf *out, const uint8_t **cursors, const uint8_t *const *ends, uint16_t ncols, uint32_t r)
{
	uint8_t cnt[2];
	rcr_store_u16be(cnt, ncols);
	RCR_FORWARD(rcr_buf_append(out, cnt, 2));
	for (uint16_t c = 0; c < ncols; c++) {
		const uint8_t *f = NULL;
		int32_t flen = 0;
		RCR_FORWARD(next_field(&f, &flen, &cursors[c], ends[c], c, r));
		RCR_FORWARD(rcr_buf_append(out, f, (size_t)(cursors[c] - f)));
	}
	return 0;
}

/* Row r as one line of text COPY. */
static int text_row(rcr_buf *out, const uint8_t **cursors, const uint8_t *const *ends, uint16_t ncols, uint32_t r)
{
	for (uint16_t c = 0; c < ncols; c++) {
		const uint8_t *f = NULL;
		int32_t flen = 0;
		RCR_FORWARD(next_field(&f, &flen, &cursors[c], ends[c], c, r));
		if (c)
			rcr_buf_append_u8(out, '\t');
		if (flen < 0)
			RCR_BUF_LIT(out, "\\N");
		else
			RCR_FORWARD(rcr_textout_copy_escape(out, f + 4, (size_t)flen));
	}
	rcr_buf_append_u8(out, '\n');
	return rcr_buf_check(out);
}

typedef int (*row_writer)(rcr_buf *out, const uint8_t **cursors, const uint8_t *const *ends, uint16_t ncols,
			  uint32_t r);

/* Rows 0..rows-1 through `row`, those in skip (ascending) read past instead. The list is
 * untrusted: one that is not strictly ascending below `rows` leaves entries unmatched and is
 * refused. */
static int write_rows(row_writer row, rcr_buf *out, const uint8_t **cursors, const uint8_t *const *ends,
		      uint16_t ncols, uint32_t rows, const uint32_t *skip, uint32_t nskip)
{
	uint32_t k = 0;
	for (uint32_t r = 0; r < rows; r++) {
		if (k < nskip && skip[k] == r) {
			k++;
			RCR_FORWARD(rcr_copy_skip_row(cursors, ends, ncols, r));
		} else
			RCR_FORWARD(row(out, cursors, ends, ncols, r));
	}
	if (k != nskip)
		return rcr_error_set(RCR_E_FORMAT, "skip list of %u rows is not strictly ascending below %u rows", nskip,
				     rows);
	return 0;
}

int rcr_copy_write_tuples(rcr_buf *out, const uint8_t **cursors, const uint8_t *const *ends,
			  uint16_t ncols, uint32_t rows)
{
	return write_rows(tuple_row, out, cursors, ends, ncols, rows, NULL, 0);
}

int rcr_copy_write_tuples_skip(rcr_buf *out, const uint8_t **cursors, const uint8_t *const *ends, uint16_t ncols,
			       uint32_t rows, const uint32_t *skip, uint32_t nskip)
{
	return write_rows(tuple_row, out, cursors, ends, ncols, rows, skip, nskip);
}

int rcr_copy_write_text_rows(rcr_buf *out, const uint8_t **cursors, const uint8_t *const *ends,
			     uint16_t ncols, uint32_t rows)
{
	return write_rows(text_row, out, cursors, ends, ncols, rows, NULL, 0);
}

int rcr_copy_write_text_rows_skip(rcr_buf *out, const uint8_t **cursors, const uint8_t *const *ends, uint16_t ncols,
				  uint32_t rows, const uint32_t *skip, uint32_t nskip)
{
	return write_rows(text_row, out, cursors, ends, ncols, rows, skip, nskip);
}
