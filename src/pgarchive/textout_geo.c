/*
 * textout_geo.c: the geometric types (point, lseg, line, box, path, polygon, circle), binary to
 * text (see include/rcr/textout.h).
 *
 * Every coordinate is a float8 sent as its 8 bytes and printed as geo_ops.c's pair_encode and
 * single_encode print it: float8out_internal, which with pg_dump's extra_float_digits 3 is
 * the shortest round-trip text float8out prints ("NaN", "-Infinity", "-0" included). The
 * shapes around them are path_encode's: a point "(x,y)", an lseg "[(x1,y1),(x2,y2)]", a box
 * its two corners "(x1,y1),(x2,y2)", a path "(...)" when closed and "[...]" when open, a
 * polygon "(...)" of its points, a line "{A,B,C}", a circle "<(x,y),r>". The checks are those
 * of the receive functions (point_recv, box_recv, path_recv, poly_recv, line_recv,
 * circle_recv), and box_recv's reordering of the corners is applied, so what is printed is
 * what the server would hold after receiving these bytes.
 */
#include "textout_internal.h"

#include "rcr/err.h"

#include <limits.h>
#include <math.h>
#include <string.h>

/* path_recv and poly_recv: more points than this do not fit a varlena. */
#define MAX_POINTS ((INT_MAX - 16) / 16)
/* geo_decls.h's EPSILON and FPzero, which line_recv uses. */
#define GEO_EPSILON 1.0E-06

/* "(x,y)" of the point at p. */
static int put_point(rcr_buf *out, const uint8_t *p)
{
	PUTC('(');
	RCR_FORWARD(rcr_tx_put_f8(out, rcr_tx_load_f8(p)));
	PUTC(',');
	RCR_FORWARD(rcr_tx_put_f8(out, rcr_tx_load_f8(p + 8)));
	PUTC(')');
	return 0;
}

/* path_encode: npts points separated by ',', inside `open` and `close` unless they are 0. */
static int put_points(rcr_buf *out, const uint8_t *p, size_t npts, char open, char close)
{
	if (open)
		PUTC(open);
	for (size_t i = 0; i < npts; i++) {
		if (i)
			PUTC(',');
		RCR_FORWARD(put_point(out, p + 16 * i));
	}
	if (close)
		PUTC(close);
	return 0;
}

static int fixed_len(const char *type, size_t n, size_t want)
{
	if (n == want)
		return 0;
	return rcr_error_set(RCR_E_FORMAT, "%s value of %zu bytes, expected %zu", type, n, want);
}

int rcr_tx_point(rcr_buf *out, const uint8_t *v, size_t n)
{
	RCR_FORWARD(fixed_len("point", n, 16));
	return put_point(out, v);
}

int rcr_tx_lseg(rcr_buf *out, const uint8_t *v, size_t n)
{
	RCR_FORWARD(fixed_len("lseg", n, 32));
	return put_points(out, v, 2, '[', ']');
}

/* float8_gt: NaN sorts above every other value, as in btree. */
static int f8_gt(double a, double b)
{
	if (isnan(a))
		return !isnan(b);
	return !isnan(b) && a > b;
}

/* box_send sends the high corner, then the low one; box_recv swaps coordinates so that high
 * is not below low. */
int rcr_tx_box(rcr_buf *out, const uint8_t *v, size_t n)
{
	RCR_FORWARD(fixed_len("box", n, 32));
	double hx = rcr_tx_load_f8(v), hy = rcr_tx_load_f8(v + 8), lx = rcr_tx_load_f8(v + 16), ly = rcr_tx_load_f8(v + 24);
	if (f8_gt(lx, hx)) {
		double t = lx;
		lx = hx;
		hx = t;
	}
	if (f8_gt(ly, hy)) {
		double t = ly;
		ly = hy;
		hy = t;
	}
	const double c[4] = {hx, hy, lx, ly};
	for (int i = 0; i < 4; i++) {
		if (i % 2 == 0)
			RCR_FORWARD(rcr_tx_puts(out, i ? "),(" : "("));
		else
			PUTC(',');
		RCR_FORWARD(rcr_tx_put_f8(out, c[i]));
	}
	PUTC(')');
	return 0;
}

/* int32 npts and npts points from v + at, which must end the value. */
static int points_len(const char *type, const uint8_t *v, size_t n, size_t at, size_t *npts)
{
	if (n < at + 4)
		return rcr_error_set(RCR_E_FORMAT, "%s value of %zu bytes", type, n);
	int32_t k = (int32_t)rcr_load_u32be(v + at);
	if (k <= 0 || k >= MAX_POINTS)
		return rcr_error_set(RCR_E_FORMAT, "%s value with %d points", type, (int)k);
	if ((n - at - 4) / 16 != (size_t)k || (n - at - 4) % 16)
		return rcr_error_set(RCR_E_FORMAT, "%s value of %zu bytes for %d points", type, n, (int)k);
	*npts = (size_t)k;
	return 0;
}

/* path_send: uint8 closed flag (any non-zero byte is closed), then the points. */
int rcr_tx_path(rcr_buf *out, const uint8_t *v, size_t n)
{
	size_t npts = 0;
	RCR_FORWARD(points_len("path", v, n, 1, &npts));
	return v[0] ? put_points(out, v + 5, npts, '(', ')') : put_points(out, v + 5, npts, '[', ']');
}

int rcr_tx_polygon(rcr_buf *out, const uint8_t *v, size_t n)
{
	size_t npts = 0;
	RCR_FORWARD(points_len("polygon", v, n, 0, &npts));
	return put_points(out, v + 4, npts, '(', ')');
}

/* line_recv refuses A and B both (nearly) zero: no line. */
int rcr_tx_line(rcr_buf *out, const uint8_t *v, size_t n)
{
	RCR_FORWARD(fixed_len("line", n, 24));
	double a = rcr_tx_load_f8(v), b = rcr_tx_load_f8(v + 8);
	if (fabs(a) <= GEO_EPSILON && fabs(b) <= GEO_EPSILON)
		return rcr_error_set(RCR_E_FORMAT, "line value with A and B both zero");
	PUTC('{');
	for (int i = 0; i < 3; i++) {
		if (i)
			PUTC(',');
		RCR_FORWARD(rcr_tx_put_f8(out, rcr_tx_load_f8(v + 8 * i)));
	}
	PUTC('}');
	return 0;
}

/* circle_recv refuses a negative radius (NaN passes, as there). */
int rcr_tx_circle(rcr_buf *out, const uint8_t *v, size_t n)
{
	RCR_FORWARD(fixed_len("circle", n, 24));
	double r = rcr_tx_load_f8(v + 16);
	if (r < 0)
		return rcr_error_set(RCR_E_FORMAT, "circle value with a negative radius");
	PUTC('<');
	RCR_FORWARD(put_point(out, v));
	PUTC(',');
	RCR_FORWARD(rcr_tx_put_f8(out, r));
	PUTC('>');
	return 0;
}
