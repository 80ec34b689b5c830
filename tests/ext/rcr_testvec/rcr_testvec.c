/*
 * rcr_testvec.c: a test double for pgvector's vector, halfvec and sparsevec.
 *
 * Debian ships no pgvector package, yet rcr must be tested against tables
 * whose columns use those types. This extension defines the three types with
 * pgvector 0.8's exact text and binary (send/recv) formats and on-disk
 * layouts, plus btree ordering so that DISTINCT, ORDER BY, EXCEPT and an
 * ordinary index (standing in for HNSW) work. It does not implement pgvector's
 * distance-heavy API beyond l2_distance and vector_dims, and no HNSW/IVFFlat.
 *
 * The formats (see format-spec/rcr-format.md and doc/pg-archive.md):
 *
 *   vector    varlena {int16 dim; int16 unused; float4 x[dim]}
 *             text "[1,2.5,-0.1]"; binary int16 dim, int16 0, dim x float4
 *   halfvec   varlena {int16 dim; int16 unused; uint16 x[dim]} (IEEE half)
 *             text as vector (each half widened to float4); binary as vector
 *             with dim x uint16
 *   sparsevec varlena {int32 dim; int32 nnz; int32 unused; int32 idx[nnz];
 *             float4 val[nnz]}, indices 0-based and strictly ascending
 *             text "{1:1.5,3:2}/5" (1-based); binary int32 dim, nnz, 0, then
 *             the 0-based indices, then the values
 *
 * Every element is printed with float_to_shortest_decimal_bufn(), so the text
 * form does not depend on extra_float_digits, as in pgvector >= 0.4.
 *
 * Ordering: all three compare element by element (as float4), then by
 * dimension, as pgvector's vector_cmp does. So, as in pgvector, '[0]' and
 * '[-0]' are equal under "=" although their bytes differ; compare ::text or
 * the send output when bit-exactness matters.
 *
 * Written for this test suite from the published format; no pgvector code.
 */
#include "postgres.h"

#include <float.h>
#include <limits.h>
#include <math.h>

#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "common/shortest_dec.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "libpq/pqformat.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

#if PG_VERSION_NUM >= 160000
#include "varatt.h"
#endif

PG_MODULE_MAGIC;

#define VECTOR_MAX_DIM 16000
#define HALFVEC_MAX_DIM 16000
#define SPARSEVEC_MAX_DIM 1000000000
#define SPARSEVEC_MAX_NNZ 16000

typedef uint16 half;

typedef struct Vector
{
	int32		vl_len_;		/* varlena header (do not touch directly) */
	int16		dim;
	int16		unused;			/* always zero */
	float		x[FLEXIBLE_ARRAY_MEMBER];
} Vector;

typedef struct HalfVector
{
	int32		vl_len_;
	int16		dim;
	int16		unused;
	half		x[FLEXIBLE_ARRAY_MEMBER];
} HalfVector;

typedef struct SparseVector
{
	int32		vl_len_;
	int32		dim;
	int32		nnz;
	int32		unused;
	int32		indices[FLEXIBLE_ARRAY_MEMBER];
	/* followed by float values[nnz] */
} SparseVector;

#define VECTOR_SIZE(dim) (offsetof(Vector, x) + sizeof(float) * (dim))
#define HALFVEC_SIZE(dim) (offsetof(HalfVector, x) + sizeof(half) * (dim))
#define SPARSEVEC_SIZE(nnz) \
	(offsetof(SparseVector, indices) + (sizeof(int32) + sizeof(float)) * (nnz))
#define SPARSEVEC_VALUES(v) ((float *) ((v)->indices + (v)->nnz))

#define DatumGetVector(d) ((Vector *) PG_DETOAST_DATUM(d))
#define DatumGetHalfVector(d) ((HalfVector *) PG_DETOAST_DATUM(d))
#define DatumGetSparseVector(d) ((SparseVector *) PG_DETOAST_DATUM(d))
#define PG_GETARG_VECTOR_P(n) DatumGetVector(PG_GETARG_DATUM(n))
#define PG_GETARG_HALFVEC_P(n) DatumGetHalfVector(PG_GETARG_DATUM(n))
#define PG_GETARG_SPARSEVEC_P(n) DatumGetSparseVector(PG_GETARG_DATUM(n))

/* ------------------------------------------------------------------------
 * IEEE 754 binary16 conversions
 * ------------------------------------------------------------------------ */

static inline uint32
float_bits(float f)
{
	uint32		u;

	memcpy(&u, &f, sizeof(u));
	return u;
}

static inline float
bits_float(uint32 u)
{
	float		f;

	memcpy(&f, &u, sizeof(f));
	return f;
}

static inline bool
half_is_nan(half h)
{
	return (h & 0x7C00) == 0x7C00 && (h & 0x03FF) != 0;
}

static inline bool
half_is_inf(half h)
{
	return (h & 0x7FFF) == 0x7C00;
}

static inline bool
half_is_zero(half h)
{
	return (h & 0x7FFF) == 0;
}

/* Exact widening of a half to a float4 (every half is representable). */
static float
half_to_float(half h)
{
	uint32		sign = ((uint32) h & 0x8000) << 16;
	uint32		exp = (h >> 10) & 0x1F;
	uint32		mant = h & 0x03FF;

	if (exp == 0x1F)			/* Inf or NaN: keep the payload's top bits */
		return bits_float(sign | 0x7F800000 | (mant << 13));

	if (exp == 0)
	{
		if (mant == 0)
			return bits_float(sign);

		/* subnormal: mant * 2^-24, renormalise into a float4 normal */
		exp = 127 - 15 + 1;
		while ((mant & 0x0400) == 0)
		{
			mant <<= 1;
			exp--;
		}
		mant &= 0x03FF;
		return bits_float(sign | (exp << 23) | (mant << 13));
	}

	return bits_float(sign | ((exp - 15 + 127) << 23) | (mant << 13));
}

/*
 * Narrow a float4 to a half with round-to-nearest, ties-to-even, as the
 * hardware (F16C vcvtps2ph with rounding mode 0) does. Overflow yields +-Inf;
 * the caller decides whether that is an error. NaN stays a (quiet) NaN.
 */
static half
float_to_half(float f)
{
	uint32		u = float_bits(f);
	uint32		sign = (u >> 16) & 0x8000;
	int			exp = (int) ((u >> 23) & 0xFF);
	uint32		mant = u & 0x007FFFFF;
	int			e;
	uint32		h;
	uint32		rem;

	if (exp == 0xFF)
	{
		if (mant == 0)
			return (half) (sign | 0x7C00);
		return (half) (sign | 0x7E00 | (mant >> 13));
	}

	e = exp - 127 + 15;			/* biased half exponent */

	if (e >= 0x1F)
		return (half) (sign | 0x7C00);

	if (e <= 0)
	{
		/* half subnormal (or zero); float4 subnormals are far below this */
		int			shift;
		uint32		halfway;

		if (e < -10)
			return (half) sign;	/* below half the smallest subnormal */

		mant |= 0x00800000;		/* implicit leading one */
		shift = 14 - e;			/* 14..24 */
		h = mant >> shift;
		rem = mant & ((1U << shift) - 1);
		halfway = 1U << (shift - 1);
		if (rem > halfway || (rem == halfway && (h & 1)))
			h++;				/* may carry into the smallest normal: fine */
		return (half) (sign | h);
	}

	h = ((uint32) e << 10) | (mant >> 13);
	rem = mant & 0x1FFF;
	if (rem > 0x1000 || (rem == 0x1000 && (h & 1)))
		h++;					/* a carry may reach 0x7C00 = Inf: overflow */
	return (half) (sign | h);
}

/* ------------------------------------------------------------------------
 * Shared helpers
 * ------------------------------------------------------------------------ */

static inline bool
vec_isspace(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' ||
		ch == '\v' || ch == '\f';
}

static void
check_dense_dim(const char *type, int dim, int maxdim)
{
	if (dim < 1)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("%s must have at least 1 dimension", type)));
	if (dim > maxdim)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("%s cannot have more than %d dimensions", type, maxdim)));
}

static void
check_expected_dim(int32 typmod, int dim)
{
	if (typmod != -1 && typmod != dim)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("expected %d dimensions, not %d", typmod, dim)));
}

static void
check_element(const char *type, float value)
{
	if (isnan(value))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("NaN not allowed in %s", type)));
	if (isinf(value))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("infinite value not allowed in %s", type)));
}

static void
check_unused(int32 unused)
{
	if (unused != 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("expected unused to be 0, not %d", unused)));
}

static int32
typmod_in_common(ArrayType *ta, const char *type, int32 maxdim)
{
	int32	   *tl;
	int			n;

	tl = ArrayGetIntegerTypmods(ta, &n);
	if (n != 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid type modifier")));
	if (*tl < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("dimensions for type %s must be at least 1", type)));
	if (*tl > maxdim)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("dimensions for type %s cannot exceed %d", type, maxdim)));
	return *tl;
}

static inline int
float_cmp(float a, float b)
{
	if (a < b)
		return -1;
	if (a > b)
		return 1;
	return 0;
}

/*
 * Parse "[f1, f2, ...]" into floats. Returns the element count; *out is
 * palloc'd. Surrounding whitespace is allowed, as in pgvector.
 */
static int
parse_dense(const char *type, char *lit, int maxdim, float **out)
{
	char	   *pt = lit;
	float	   *x;
	int			cap = 1;
	int			dim = 0;

	for (char *c = lit; *c; c++)
		if (*c == ',')
			cap++;
	if (cap > maxdim)
		cap = maxdim;
	x = palloc(sizeof(float) * cap);

	while (vec_isspace(*pt))
		pt++;
	if (*pt != '[')
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid input syntax for type %s: \"%s\"", type, lit),
				 errdetail("Vector contents must start with \"[\".")));
	pt++;
	while (vec_isspace(*pt))
		pt++;
	if (*pt == ']')
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("%s must have at least 1 dimension", type)));

	for (;;)
	{
		float		val;
		char	   *end;

		if (dim == maxdim)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("%s cannot have more than %d dimensions", type, maxdim)));
		while (vec_isspace(*pt))
			pt++;
		if (*pt == '\0')
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
					 errmsg("invalid input syntax for type %s: \"%s\"", type, lit)));

		/* strtof, not strtod: avoids double rounding (server LC_NUMERIC is C) */
		errno = 0;
		val = strtof(pt, &end);
		if (end == pt)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
					 errmsg("invalid input syntax for type %s: \"%s\"", type, lit)));
		if (errno == ERANGE && isinf(val))
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("\"%s\" is out of range for type %s",
							pnstrdup(pt, end - pt), type)));
		check_element(type, val);
		if (dim >= cap)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
					 errmsg("invalid input syntax for type %s: \"%s\"", type, lit)));
		x[dim++] = val;
		pt = end;

		while (vec_isspace(*pt))
			pt++;
		if (*pt == ',')
			pt++;
		else if (*pt == ']')
		{
			pt++;
			break;
		}
		else
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
					 errmsg("invalid input syntax for type %s: \"%s\"", type, lit)));
	}

	while (vec_isspace(*pt))
		pt++;
	if (*pt != '\0')
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid input syntax for type %s: \"%s\"", type, lit),
				 errdetail("Junk after closing right brace.")));

	*out = x;
	return dim;
}

/* Convert a one-dimensional numeric array to float4s (pgvector's casts). */
static int
array_to_floats(ArrayType *array, float **out)
{
	int16		typlen;
	bool		typbyval;
	char		typalign;
	Datum	   *elems;
	int			n;
	Oid			elemtype = ARR_ELEMTYPE(array);
	float	   *x;

	if (ARR_NDIM(array) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("array must be 1-D")));
	if (ARR_HASNULL(array) && array_contains_nulls(array))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("array must not contain nulls")));

	get_typlenbyvalalign(elemtype, &typlen, &typbyval, &typalign);
	deconstruct_array(array, elemtype, typlen, typbyval, typalign,
					  &elems, NULL, &n);

	x = palloc(sizeof(float) * Max(n, 1));
	for (int i = 0; i < n; i++)
	{
		switch (elemtype)
		{
			case INT4OID:
				x[i] = (float) DatumGetInt32(elems[i]);
				break;
			case FLOAT4OID:
				x[i] = DatumGetFloat4(elems[i]);
				break;
			case FLOAT8OID:
				x[i] = (float) DatumGetFloat8(elems[i]);
				break;
			case NUMERICOID:
				x[i] = DatumGetFloat4(DirectFunctionCall1(numeric_float4, elems[i]));
				break;
			default:
				ereport(ERROR,
						(errcode(ERRCODE_DATA_EXCEPTION),
						 errmsg("unsupported array type")));
		}
	}
	*out = x;
	return n;
}

static ArrayType *
floats_to_array(const float *x, int n)
{
	Datum	   *d = palloc(sizeof(Datum) * Max(n, 1));

	for (int i = 0; i < n; i++)
		d[i] = Float4GetDatum(x[i]);
	return construct_array(d, n, FLOAT4OID, sizeof(float4), true, TYPALIGN_INT);
}

/* ------------------------------------------------------------------------
 * vector
 * ------------------------------------------------------------------------ */

static Vector *
new_vector(int dim)
{
	Size		size = VECTOR_SIZE(dim);
	Vector	   *v = (Vector *) palloc0(size);

	SET_VARSIZE(v, size);
	v->dim = dim;
	return v;
}

static char *
dense_floats_out(int dim, const float *x, const half *hx)
{
	/* FLOAT_SHORTEST_DECIMAL_LEN includes the NUL, which pays for the ',' */
	char	   *buf = palloc(FLOAT_SHORTEST_DECIMAL_LEN * dim + 2);
	char	   *p = buf;

	*p++ = '[';
	for (int i = 0; i < dim; i++)
	{
		if (i > 0)
			*p++ = ',';
		p += float_to_shortest_decimal_bufn(x ? x[i] : half_to_float(hx[i]), p);
	}
	*p++ = ']';
	*p = '\0';
	return buf;
}

PG_FUNCTION_INFO_V1(vector_in);
Datum
vector_in(PG_FUNCTION_ARGS)
{
	char	   *lit = PG_GETARG_CSTRING(0);
	int32		typmod = PG_GETARG_INT32(2);
	float	   *x;
	int			dim;
	Vector	   *v;

	dim = parse_dense("vector", lit, VECTOR_MAX_DIM, &x);
	check_dense_dim("vector", dim, VECTOR_MAX_DIM);
	check_expected_dim(typmod, dim);
	v = new_vector(dim);
	memcpy(v->x, x, sizeof(float) * dim);
	PG_RETURN_POINTER(v);
}

PG_FUNCTION_INFO_V1(vector_out);
Datum
vector_out(PG_FUNCTION_ARGS)
{
	Vector	   *v = PG_GETARG_VECTOR_P(0);
	char	   *s = dense_floats_out(v->dim, v->x, NULL);

	PG_FREE_IF_COPY(v, 0);
	PG_RETURN_CSTRING(s);
}

PG_FUNCTION_INFO_V1(vector_typmod_in);
Datum
vector_typmod_in(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(typmod_in_common(PG_GETARG_ARRAYTYPE_P(0), "vector",
									 VECTOR_MAX_DIM));
}

PG_FUNCTION_INFO_V1(vector_recv);
Datum
vector_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	int32		typmod = PG_GETARG_INT32(2);
	int16		dim = (int16) pq_getmsgint(buf, sizeof(int16));
	int16		unused = (int16) pq_getmsgint(buf, sizeof(int16));
	Vector	   *v;

	check_dense_dim("vector", dim, VECTOR_MAX_DIM);
	check_expected_dim(typmod, dim);
	check_unused(unused);

	v = new_vector(dim);
	for (int i = 0; i < dim; i++)
	{
		v->x[i] = pq_getmsgfloat4(buf);
		check_element("vector", v->x[i]);
	}
	PG_RETURN_POINTER(v);
}

PG_FUNCTION_INFO_V1(vector_send);
Datum
vector_send(PG_FUNCTION_ARGS)
{
	Vector	   *v = PG_GETARG_VECTOR_P(0);
	StringInfoData buf;

	pq_begintypsend(&buf);
	pq_sendint16(&buf, (uint16) v->dim);
	pq_sendint16(&buf, (uint16) v->unused);
	for (int i = 0; i < v->dim; i++)
		pq_sendfloat4(&buf, v->x[i]);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/* Length-coercion cast: enforces vector(n) on assignment. */
PG_FUNCTION_INFO_V1(vector);
Datum
vector(PG_FUNCTION_ARGS)
{
	Vector	   *v = PG_GETARG_VECTOR_P(0);

	check_expected_dim(PG_GETARG_INT32(1), v->dim);
	PG_RETURN_POINTER(v);
}

PG_FUNCTION_INFO_V1(array_to_vector);
Datum
array_to_vector(PG_FUNCTION_ARGS)
{
	ArrayType  *a = PG_GETARG_ARRAYTYPE_P(0);
	int32		typmod = PG_GETARG_INT32(1);
	float	   *x;
	int			n = array_to_floats(a, &x);
	Vector	   *v;

	check_dense_dim("vector", n, VECTOR_MAX_DIM);
	check_expected_dim(typmod, n);
	v = new_vector(n);
	for (int i = 0; i < n; i++)
	{
		check_element("vector", x[i]);
		v->x[i] = x[i];
	}
	PG_RETURN_POINTER(v);
}

PG_FUNCTION_INFO_V1(vector_to_float4);
Datum
vector_to_float4(PG_FUNCTION_ARGS)
{
	Vector	   *v = PG_GETARG_VECTOR_P(0);

	PG_RETURN_POINTER(floats_to_array(v->x, v->dim));
}

PG_FUNCTION_INFO_V1(vector_dims);
Datum
vector_dims(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(PG_GETARG_VECTOR_P(0)->dim);
}

PG_FUNCTION_INFO_V1(vector_l2_distance);
Datum
vector_l2_distance(PG_FUNCTION_ARGS)
{
	Vector	   *a = PG_GETARG_VECTOR_P(0);
	Vector	   *b = PG_GETARG_VECTOR_P(1);
	double		sum = 0;

	if (a->dim != b->dim)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("different vector dimensions %d and %d", a->dim, b->dim)));
	for (int i = 0; i < a->dim; i++)
	{
		double		d = (double) a->x[i] - (double) b->x[i];

		sum += d * d;
	}
	PG_RETURN_FLOAT8(sqrt(sum));
}

static int
vector_cmp_internal(const Vector *a, const Vector *b)
{
	int			n = Min(a->dim, b->dim);

	for (int i = 0; i < n; i++)
	{
		int			c = float_cmp(a->x[i], b->x[i]);

		if (c != 0)
			return c;
	}
	return (a->dim > b->dim) - (a->dim < b->dim);
}

/* ------------------------------------------------------------------------
 * halfvec
 * ------------------------------------------------------------------------ */

static HalfVector *
new_halfvec(int dim)
{
	Size		size = HALFVEC_SIZE(dim);
	HalfVector *v = (HalfVector *) palloc0(size);

	SET_VARSIZE(v, size);
	v->dim = dim;
	return v;
}

static void
check_half_element(half h)
{
	if (half_is_nan(h))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("NaN not allowed in halfvec")));
	if (half_is_inf(h))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("infinite value not allowed in halfvec")));
}

/* float4 -> half for input paths: a finite value that overflows is an error */
static half
float_to_half_checked(float f)
{
	half		h = float_to_half(f);

	if (half_is_inf(h) && !isinf(f))
	{
		char		buf[FLOAT_SHORTEST_DECIMAL_LEN];

		float_to_shortest_decimal_buf(f, buf);
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("\"%s\" is out of range for type halfvec", buf)));
	}
	check_half_element(h);
	return h;
}

PG_FUNCTION_INFO_V1(halfvec_in);
Datum
halfvec_in(PG_FUNCTION_ARGS)
{
	char	   *lit = PG_GETARG_CSTRING(0);
	int32		typmod = PG_GETARG_INT32(2);
	float	   *x;
	int			dim;
	HalfVector *v;

	dim = parse_dense("halfvec", lit, HALFVEC_MAX_DIM, &x);
	check_dense_dim("halfvec", dim, HALFVEC_MAX_DIM);
	check_expected_dim(typmod, dim);
	v = new_halfvec(dim);
	for (int i = 0; i < dim; i++)
		v->x[i] = float_to_half_checked(x[i]);
	PG_RETURN_POINTER(v);
}

PG_FUNCTION_INFO_V1(halfvec_out);
Datum
halfvec_out(PG_FUNCTION_ARGS)
{
	HalfVector *v = PG_GETARG_HALFVEC_P(0);
	char	   *s = dense_floats_out(v->dim, NULL, v->x);

	PG_FREE_IF_COPY(v, 0);
	PG_RETURN_CSTRING(s);
}

PG_FUNCTION_INFO_V1(halfvec_typmod_in);
Datum
halfvec_typmod_in(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(typmod_in_common(PG_GETARG_ARRAYTYPE_P(0), "halfvec",
									 HALFVEC_MAX_DIM));
}

PG_FUNCTION_INFO_V1(halfvec_recv);
Datum
halfvec_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	int32		typmod = PG_GETARG_INT32(2);
	int16		dim = (int16) pq_getmsgint(buf, sizeof(int16));
	int16		unused = (int16) pq_getmsgint(buf, sizeof(int16));
	HalfVector *v;

	check_dense_dim("halfvec", dim, HALFVEC_MAX_DIM);
	check_expected_dim(typmod, dim);
	check_unused(unused);

	v = new_halfvec(dim);
	for (int i = 0; i < dim; i++)
	{
		v->x[i] = (half) pq_getmsgint(buf, sizeof(uint16));
		check_half_element(v->x[i]);
	}
	PG_RETURN_POINTER(v);
}

PG_FUNCTION_INFO_V1(halfvec_send);
Datum
halfvec_send(PG_FUNCTION_ARGS)
{
	HalfVector *v = PG_GETARG_HALFVEC_P(0);
	StringInfoData buf;

	pq_begintypsend(&buf);
	pq_sendint16(&buf, (uint16) v->dim);
	pq_sendint16(&buf, (uint16) v->unused);
	for (int i = 0; i < v->dim; i++)
		pq_sendint16(&buf, v->x[i]);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

PG_FUNCTION_INFO_V1(halfvec);
Datum
halfvec(PG_FUNCTION_ARGS)
{
	HalfVector *v = PG_GETARG_HALFVEC_P(0);

	check_expected_dim(PG_GETARG_INT32(1), v->dim);
	PG_RETURN_POINTER(v);
}

PG_FUNCTION_INFO_V1(array_to_halfvec);
Datum
array_to_halfvec(PG_FUNCTION_ARGS)
{
	ArrayType  *a = PG_GETARG_ARRAYTYPE_P(0);
	int32		typmod = PG_GETARG_INT32(1);
	float	   *x;
	int			n = array_to_floats(a, &x);
	HalfVector *v;

	check_dense_dim("halfvec", n, HALFVEC_MAX_DIM);
	check_expected_dim(typmod, n);
	v = new_halfvec(n);
	for (int i = 0; i < n; i++)
	{
		check_element("halfvec", x[i]);
		v->x[i] = float_to_half_checked(x[i]);
	}
	PG_RETURN_POINTER(v);
}

PG_FUNCTION_INFO_V1(halfvec_to_float4);
Datum
halfvec_to_float4(PG_FUNCTION_ARGS)
{
	HalfVector *v = PG_GETARG_HALFVEC_P(0);
	float	   *x = palloc(sizeof(float) * v->dim);

	for (int i = 0; i < v->dim; i++)
		x[i] = half_to_float(v->x[i]);
	PG_RETURN_POINTER(floats_to_array(x, v->dim));
}

PG_FUNCTION_INFO_V1(vector_to_halfvec);
Datum
vector_to_halfvec(PG_FUNCTION_ARGS)
{
	Vector	   *a = PG_GETARG_VECTOR_P(0);
	int32		typmod = PG_GETARG_INT32(1);
	HalfVector *v;

	check_dense_dim("halfvec", a->dim, HALFVEC_MAX_DIM);
	check_expected_dim(typmod, a->dim);
	v = new_halfvec(a->dim);
	for (int i = 0; i < a->dim; i++)
		v->x[i] = float_to_half_checked(a->x[i]);
	PG_RETURN_POINTER(v);
}

PG_FUNCTION_INFO_V1(halfvec_to_vector);
Datum
halfvec_to_vector(PG_FUNCTION_ARGS)
{
	HalfVector *a = PG_GETARG_HALFVEC_P(0);
	int32		typmod = PG_GETARG_INT32(1);
	Vector	   *v;

	check_dense_dim("vector", a->dim, VECTOR_MAX_DIM);
	check_expected_dim(typmod, a->dim);
	v = new_vector(a->dim);
	for (int i = 0; i < a->dim; i++)
		v->x[i] = half_to_float(a->x[i]);
	PG_RETURN_POINTER(v);
}

PG_FUNCTION_INFO_V1(halfvec_dims);
Datum
halfvec_dims(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(PG_GETARG_HALFVEC_P(0)->dim);
}

PG_FUNCTION_INFO_V1(halfvec_l2_distance);
Datum
halfvec_l2_distance(PG_FUNCTION_ARGS)
{
	HalfVector *a = PG_GETARG_HALFVEC_P(0);
	HalfVector *b = PG_GETARG_HALFVEC_P(1);
	double		sum = 0;

	if (a->dim != b->dim)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("different halfvec dimensions %d and %d", a->dim, b->dim)));
	for (int i = 0; i < a->dim; i++)
	{
		double		d = (double) half_to_float(a->x[i]) - half_to_float(b->x[i]);

		sum += d * d;
	}
	PG_RETURN_FLOAT8(sqrt(sum));
}

static int
halfvec_cmp_internal(const HalfVector *a, const HalfVector *b)
{
	int			n = Min(a->dim, b->dim);

	for (int i = 0; i < n; i++)
	{
		int			c = float_cmp(half_to_float(a->x[i]), half_to_float(b->x[i]));

		if (c != 0)
			return c;
	}
	return (a->dim > b->dim) - (a->dim < b->dim);
}

/* ------------------------------------------------------------------------
 * sparsevec
 * ------------------------------------------------------------------------ */

typedef struct SparseElem
{
	int32		index;			/* 0-based */
	float		value;
} SparseElem;

static SparseVector *
new_sparsevec(int32 dim, int32 nnz)
{
	Size		size = SPARSEVEC_SIZE(nnz);
	SparseVector *v = (SparseVector *) palloc0(size);

	SET_VARSIZE(v, size);
	v->dim = dim;
	v->nnz = nnz;
	return v;
}

static void
check_sparse_dim(int64 dim)
{
	if (dim < 1)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("sparsevec must have at least 1 dimension")));
	if (dim > SPARSEVEC_MAX_DIM)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("sparsevec cannot have more than %d dimensions",
						SPARSEVEC_MAX_DIM)));
}

static void
check_sparse_nnz(int32 nnz, int32 dim)
{
	if (nnz < 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("sparsevec cannot have negative number of elements")));
	if (nnz > SPARSEVEC_MAX_NNZ)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("sparsevec cannot have more than %d non-zero elements",
						SPARSEVEC_MAX_NNZ)));
	if (nnz > dim)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("sparsevec cannot have more elements than dimensions")));
}

/* indices[i] must be in [0, dim) and greater than indices[i - 1] */
static void
check_sparse_index(const int32 *indices, int i, int32 dim)
{
	if (indices[i] < 0 || indices[i] >= dim)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("sparsevec index out of bounds")));
	if (i > 0 && indices[i] < indices[i - 1])
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("sparsevec indices must be in ascending order")));
	if (i > 0 && indices[i] == indices[i - 1])
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("sparsevec indices must not contain duplicates")));
}

static int
sparse_elem_cmp(const void *a, const void *b)
{
	int32		ia = ((const SparseElem *) a)->index;
	int32		ib = ((const SparseElem *) b)->index;

	return (ia > ib) - (ia < ib);
}

static long
parse_long(char *lit, char **pt)
{
	char	   *end;
	long		v;

	errno = 0;
	v = strtol(*pt, &end, 10);
	if (end == *pt)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid input syntax for type sparsevec: \"%s\"", lit)));
	if (errno == ERANGE || v > INT_MAX)
		v = INT_MAX;			/* reported later as out of bounds / too big */
	else if (v < INT_MIN + 1)
		v = INT_MIN + 1;
	*pt = end;
	return v;
}

/*
 * "{i:v,...}/dim" with 1-based indices in any order. Zero values are dropped,
 * as in pgvector; duplicates and out-of-range indices are errors.
 */
PG_FUNCTION_INFO_V1(sparsevec_in);
Datum
sparsevec_in(PG_FUNCTION_ARGS)
{
	char	   *lit = PG_GETARG_CSTRING(0);
	int32		typmod = PG_GETARG_INT32(2);
	char	   *pt = lit;
	int			cap = 1;
	int			nnz = 0;
	long		dim;
	SparseElem *elems;
	SparseVector *v;
	float	   *values;

	for (char *c = lit; *c; c++)
		if (*c == ',')
			cap++;
	if (cap > SPARSEVEC_MAX_NNZ)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("sparsevec cannot have more than %d non-zero elements",
						SPARSEVEC_MAX_NNZ)));
	elems = palloc(sizeof(SparseElem) * cap);

	while (vec_isspace(*pt))
		pt++;
	if (*pt != '{')
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid input syntax for type sparsevec: \"%s\"", lit),
				 errdetail("Vector contents must start with \"{\".")));
	pt++;
	while (vec_isspace(*pt))
		pt++;

	if (*pt == '}')
		pt++;
	else
	{
		for (;;)
		{
			long		index;
			float		value;
			char	   *end;

			while (vec_isspace(*pt))
				pt++;
			if (*pt == '\0' || nnz >= cap)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
						 errmsg("invalid input syntax for type sparsevec: \"%s\"", lit)));
			index = parse_long(lit, &pt);
			while (vec_isspace(*pt))
				pt++;
			if (*pt != ':')
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
						 errmsg("invalid input syntax for type sparsevec: \"%s\"", lit)));
			pt++;
			while (vec_isspace(*pt))
				pt++;

			errno = 0;
			value = strtof(pt, &end);
			if (end == pt)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
						 errmsg("invalid input syntax for type sparsevec: \"%s\"", lit)));
			if (errno == ERANGE && (value == 0 || isinf(value)))
				ereport(ERROR,
						(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
						 errmsg("\"%s\" is out of range for type sparsevec",
								pnstrdup(pt, end - pt))));
			check_element("sparsevec", value);
			if (value != 0)
			{
				elems[nnz].index = (int32) (index - 1);	/* 1-based -> 0-based */
				elems[nnz].value = value;
				nnz++;
			}
			pt = end;

			while (vec_isspace(*pt))
				pt++;
			if (*pt == ',')
				pt++;
			else if (*pt == '}')
			{
				pt++;
				break;
			}
			else
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
						 errmsg("invalid input syntax for type sparsevec: \"%s\"", lit)));
		}
	}

	while (vec_isspace(*pt))
		pt++;
	if (*pt != '/')
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid input syntax for type sparsevec: \"%s\"", lit),
				 errdetail("Unexpected end of input.")));
	pt++;
	while (vec_isspace(*pt))
		pt++;
	dim = parse_long(lit, &pt);
	while (vec_isspace(*pt))
		pt++;
	if (*pt != '\0')
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid input syntax for type sparsevec: \"%s\"", lit),
				 errdetail("Junk after closing.")));

	check_sparse_dim(dim);
	check_expected_dim(typmod, (int) dim);

	qsort(elems, nnz, sizeof(SparseElem), sparse_elem_cmp);
	v = new_sparsevec((int32) dim, nnz);
	values = SPARSEVEC_VALUES(v);
	for (int i = 0; i < nnz; i++)
	{
		v->indices[i] = elems[i].index;
		values[i] = elems[i].value;
		check_sparse_index(v->indices, i, v->dim);
	}
	PG_RETURN_POINTER(v);
}

PG_FUNCTION_INFO_V1(sparsevec_out);
Datum
sparsevec_out(PG_FUNCTION_ARGS)
{
	SparseVector *v = PG_GETARG_SPARSEVEC_P(0);
	float	   *values = SPARSEVEC_VALUES(v);
	/* per element: index (<= 10 digits), ':', value, ','; plus "{}/", dim, NUL */
	char	   *buf = palloc((12 + FLOAT_SHORTEST_DECIMAL_LEN) * (Size) v->nnz + 16);
	char	   *p = buf;

	*p++ = '{';
	for (int i = 0; i < v->nnz; i++)
	{
		if (i > 0)
			*p++ = ',';
		p += pg_ltoa(v->indices[i] + 1, p);
		*p++ = ':';
		p += float_to_shortest_decimal_bufn(values[i], p);
	}
	*p++ = '}';
	*p++ = '/';
	p += pg_ltoa(v->dim, p);
	*p = '\0';
	PG_FREE_IF_COPY(v, 0);
	PG_RETURN_CSTRING(buf);
}

PG_FUNCTION_INFO_V1(sparsevec_typmod_in);
Datum
sparsevec_typmod_in(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(typmod_in_common(PG_GETARG_ARRAYTYPE_P(0), "sparsevec",
									 SPARSEVEC_MAX_DIM));
}

PG_FUNCTION_INFO_V1(sparsevec_recv);
Datum
sparsevec_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	int32		typmod = PG_GETARG_INT32(2);
	int32		dim = (int32) pq_getmsgint(buf, sizeof(int32));
	int32		nnz = (int32) pq_getmsgint(buf, sizeof(int32));
	int32		unused = (int32) pq_getmsgint(buf, sizeof(int32));
	SparseVector *v;
	float	   *values;

	check_sparse_dim(dim);
	check_sparse_nnz(nnz, dim);
	check_expected_dim(typmod, dim);
	check_unused(unused);

	v = new_sparsevec(dim, nnz);
	values = SPARSEVEC_VALUES(v);
	for (int i = 0; i < nnz; i++)
	{
		v->indices[i] = (int32) pq_getmsgint(buf, sizeof(int32));
		check_sparse_index(v->indices, i, dim);
	}
	for (int i = 0; i < nnz; i++)
	{
		values[i] = pq_getmsgfloat4(buf);
		check_element("sparsevec", values[i]);
		if (values[i] == 0)
			ereport(ERROR,
					(errcode(ERRCODE_DATA_EXCEPTION),
					 errmsg("binary representation of sparsevec cannot contain zero values")));
	}
	PG_RETURN_POINTER(v);
}

PG_FUNCTION_INFO_V1(sparsevec_send);
Datum
sparsevec_send(PG_FUNCTION_ARGS)
{
	SparseVector *v = PG_GETARG_SPARSEVEC_P(0);
	float	   *values = SPARSEVEC_VALUES(v);
	StringInfoData buf;

	pq_begintypsend(&buf);
	pq_sendint32(&buf, (uint32) v->dim);
	pq_sendint32(&buf, (uint32) v->nnz);
	pq_sendint32(&buf, (uint32) v->unused);
	for (int i = 0; i < v->nnz; i++)
		pq_sendint32(&buf, (uint32) v->indices[i]);
	for (int i = 0; i < v->nnz; i++)
		pq_sendfloat4(&buf, values[i]);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

PG_FUNCTION_INFO_V1(sparsevec);
Datum
sparsevec(PG_FUNCTION_ARGS)
{
	SparseVector *v = PG_GETARG_SPARSEVEC_P(0);

	check_expected_dim(PG_GETARG_INT32(1), v->dim);
	PG_RETURN_POINTER(v);
}

/* Dense (float4 or half) -> sparse; exactly one of x, hx is non-NULL. */
static SparseVector *
dense_to_sparse(int dim, const float *x, const half *hx, int32 typmod)
{
	SparseVector *v;
	float	   *values;
	int			nnz = 0;
	int			j = 0;

	check_sparse_dim(dim);
	check_expected_dim(typmod, dim);
	for (int i = 0; i < dim; i++)
		if (x ? x[i] != 0 : !half_is_zero(hx[i]))
			nnz++;
	v = new_sparsevec(dim, nnz);
	values = SPARSEVEC_VALUES(v);
	for (int i = 0; i < dim; i++)
	{
		float		f = x ? x[i] : half_to_float(hx[i]);

		if (f != 0)
		{
			v->indices[j] = i;
			values[j] = f;
			j++;
		}
	}
	Assert(j == nnz);
	return v;
}

PG_FUNCTION_INFO_V1(vector_to_sparsevec);
Datum
vector_to_sparsevec(PG_FUNCTION_ARGS)
{
	Vector	   *a = PG_GETARG_VECTOR_P(0);

	PG_RETURN_POINTER(dense_to_sparse(a->dim, a->x, NULL, PG_GETARG_INT32(1)));
}

PG_FUNCTION_INFO_V1(halfvec_to_sparsevec);
Datum
halfvec_to_sparsevec(PG_FUNCTION_ARGS)
{
	HalfVector *a = PG_GETARG_HALFVEC_P(0);

	PG_RETURN_POINTER(dense_to_sparse(a->dim, NULL, a->x, PG_GETARG_INT32(1)));
}

PG_FUNCTION_INFO_V1(sparsevec_to_vector);
Datum
sparsevec_to_vector(PG_FUNCTION_ARGS)
{
	SparseVector *a = PG_GETARG_SPARSEVEC_P(0);
	float	   *values = SPARSEVEC_VALUES(a);
	Vector	   *v;

	check_dense_dim("vector", a->dim, VECTOR_MAX_DIM);
	check_expected_dim(PG_GETARG_INT32(1), a->dim);
	v = new_vector(a->dim);
	for (int i = 0; i < a->nnz; i++)
		v->x[a->indices[i]] = values[i];
	PG_RETURN_POINTER(v);
}

PG_FUNCTION_INFO_V1(sparsevec_to_halfvec);
Datum
sparsevec_to_halfvec(PG_FUNCTION_ARGS)
{
	SparseVector *a = PG_GETARG_SPARSEVEC_P(0);
	float	   *values = SPARSEVEC_VALUES(a);
	HalfVector *v;

	check_dense_dim("halfvec", a->dim, HALFVEC_MAX_DIM);
	check_expected_dim(PG_GETARG_INT32(1), a->dim);
	v = new_halfvec(a->dim);
	for (int i = 0; i < a->nnz; i++)
		v->x[a->indices[i]] = float_to_half_checked(values[i]);
	PG_RETURN_POINTER(v);
}

PG_FUNCTION_INFO_V1(sparsevec_l2_distance);
Datum
sparsevec_l2_distance(PG_FUNCTION_ARGS)
{
	SparseVector *a = PG_GETARG_SPARSEVEC_P(0);
	SparseVector *b = PG_GETARG_SPARSEVEC_P(1);
	float	   *av = SPARSEVEC_VALUES(a);
	float	   *bv = SPARSEVEC_VALUES(b);
	double		sum = 0;
	int			i = 0;
	int			j = 0;

	if (a->dim != b->dim)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("different sparsevec dimensions %d and %d", a->dim, b->dim)));
	while (i < a->nnz || j < b->nnz)
	{
		double		d;

		if (j >= b->nnz || (i < a->nnz && a->indices[i] < b->indices[j]))
			d = av[i++];
		else if (i >= a->nnz || b->indices[j] < a->indices[i])
			d = bv[j++];
		else
			d = (double) av[i++] - (double) bv[j++];
		sum += d * d;
	}
	PG_RETURN_FLOAT8(sqrt(sum));
}

/* Any total order consistent with "=": dim, nnz, indices, then values. */
static int
sparsevec_cmp_internal(const SparseVector *a, const SparseVector *b)
{
	const float *av = SPARSEVEC_VALUES(a);
	const float *bv = SPARSEVEC_VALUES(b);

	if (a->dim != b->dim)
		return (a->dim > b->dim) - (a->dim < b->dim);
	if (a->nnz != b->nnz)
		return (a->nnz > b->nnz) - (a->nnz < b->nnz);
	for (int i = 0; i < a->nnz; i++)
		if (a->indices[i] != b->indices[i])
			return (a->indices[i] > b->indices[i]) - (a->indices[i] < b->indices[i]);
	for (int i = 0; i < a->nnz; i++)
	{
		int			c = float_cmp(av[i], bv[i]);

		if (c != 0)
			return c;
	}
	return 0;
}

/* ------------------------------------------------------------------------
 * btree and hash support: cmp, lt, le, eq, ne, ge, gt, hash for each type
 *
 * A 768-dim vector (3080 bytes) is over btree's 2704-byte tuple limit, as
 * with pgvector, so the hash opclass is the index that works at any size.
 * Hashes agree with "=": -0 is hashed as +0.
 * ------------------------------------------------------------------------ */

/* Hash dim and the float4 bits of each element, with -0 folded into +0. */
static uint32
hash_dense(int32 dim, const float *x, const half *hx)
{
	uint32	   *w = palloc(sizeof(uint32) * ((Size) dim + 1));
	uint32		h;

	w[0] = (uint32) dim;
	for (int i = 0; i < dim; i++)
	{
		float		f = x ? x[i] : half_to_float(hx[i]);

		w[i + 1] = (f == 0) ? 0 : float_bits(f);
	}
	h = DatumGetUInt32(hash_any((unsigned char *) w, sizeof(uint32) * ((Size) dim + 1)));
	pfree(w);
	return h;
}

static uint32
vector_hash_internal(const Vector *v)
{
	return hash_dense(v->dim, v->x, NULL);
}

static uint32
halfvec_hash_internal(const HalfVector *v)
{
	return hash_dense(v->dim, NULL, v->x);
}

/* Stored values are never zero, so the raw bytes after the header suffice. */
static uint32
sparsevec_hash_internal(const SparseVector *v)
{
	return DatumGetUInt32(hash_any((const unsigned char *) &v->dim,
								   VARSIZE(v) - offsetof(SparseVector, dim)));
}

#define DEFINE_COMPARISONS(prefix, type, getarg) \
static int \
prefix##_cmp_args(FunctionCallInfo fcinfo) \
{ \
	type	   *a = getarg(0); \
	type	   *b = getarg(1); \
	int			c = prefix##_cmp_internal(a, b); \
\
	PG_FREE_IF_COPY(a, 0); \
	PG_FREE_IF_COPY(b, 1); \
	return c; \
} \
PG_FUNCTION_INFO_V1(prefix##_cmp); \
Datum prefix##_cmp(PG_FUNCTION_ARGS) { PG_RETURN_INT32(prefix##_cmp_args(fcinfo)); } \
PG_FUNCTION_INFO_V1(prefix##_lt); \
Datum prefix##_lt(PG_FUNCTION_ARGS) { PG_RETURN_BOOL(prefix##_cmp_args(fcinfo) < 0); } \
PG_FUNCTION_INFO_V1(prefix##_le); \
Datum prefix##_le(PG_FUNCTION_ARGS) { PG_RETURN_BOOL(prefix##_cmp_args(fcinfo) <= 0); } \
PG_FUNCTION_INFO_V1(prefix##_eq); \
Datum prefix##_eq(PG_FUNCTION_ARGS) { PG_RETURN_BOOL(prefix##_cmp_args(fcinfo) == 0); } \
PG_FUNCTION_INFO_V1(prefix##_ne); \
Datum prefix##_ne(PG_FUNCTION_ARGS) { PG_RETURN_BOOL(prefix##_cmp_args(fcinfo) != 0); } \
PG_FUNCTION_INFO_V1(prefix##_ge); \
Datum prefix##_ge(PG_FUNCTION_ARGS) { PG_RETURN_BOOL(prefix##_cmp_args(fcinfo) >= 0); } \
PG_FUNCTION_INFO_V1(prefix##_gt); \
Datum prefix##_gt(PG_FUNCTION_ARGS) { PG_RETURN_BOOL(prefix##_cmp_args(fcinfo) > 0); } \
PG_FUNCTION_INFO_V1(prefix##_hash); \
Datum \
prefix##_hash(PG_FUNCTION_ARGS) \
{ \
	type	   *a = getarg(0); \
	uint32		h = prefix##_hash_internal(a); \
\
	PG_FREE_IF_COPY(a, 0); \
	PG_RETURN_UINT32(h); \
}

DEFINE_COMPARISONS(vector, Vector, PG_GETARG_VECTOR_P)
DEFINE_COMPARISONS(halfvec, HalfVector, PG_GETARG_HALFVEC_P)
DEFINE_COMPARISONS(sparsevec, SparseVector, PG_GETARG_SPARSEVEC_P)
