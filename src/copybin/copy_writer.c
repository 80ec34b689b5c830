/* copy_writer.c: binary COPY output for restore (see copybin.h). */
#include "rcr/copybin.h"
#include "rcr/err.h"

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

int rcr_copy_write_tuples(rcr_buf *out, const uint8_t **cursors, const uint8_t *const *ends,
			  uint16_t ncols, uint32_t rows)
{
	for (uint32_t r = 0; r < rows; r++) {
		uint8_t cnt[2];
		rcr_store_u16be(cnt, ncols);
		RCR_FORWARD(rcr_buf_append(out, cnt, 2));
		for (uint16_t c = 0; c < ncols; c++) {
			const uint8_t *f = cursors[c];
			if (ends[c] - f < 4)
				return rcr_error_set(RCR_E_FORMAT, "column %u runs out of values at row %u", c, r);
			int32_t flen = (int32_t)rcr_load_u32be(f);
			size_t n = 4 + (flen > 0 ? (size_t)flen : 0);
			if ((flen < -1) || (size_t)(ends[c] - f) < n)
				return rcr_error_set(RCR_E_FORMAT, "column %u value %u overruns its chunk", c, r);
			RCR_FORWARD(rcr_buf_append(out, f, n));
			cursors[c] = f + n;
		}
	}
	return 0;
}
