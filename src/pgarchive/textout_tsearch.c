/*
 * textout_tsearch.c: tsvector and tsquery, binary to text (see include/rcr/textout.h).
 *
 * tsvectorsend: int32 lexeme count, then per lexeme its text and a NUL, uint16 position count
 * and that many uint16 WordEntryPos (weight in the top two bits, 3 = A ... 0 = D, position in
 * the low 14). tsvectorout prints 'lexeme' with ' and \ doubled, then ":" and the positions,
 * each followed by its weight letter (none for D), separated by ",", the lexemes separated by
 * one space.
 *
 * tsquerysend: uint32 item count, then the items in prefix order, the right operand of a
 * binary operator first: an operand is type 1, uint8 weight bits (8 = A, 4 = B, 2 = C,
 * 1 = D), uint8 prefix flag and its text with a NUL; an operator type 2, uint8 operator
 * (1 NOT, 2 AND, 3 OR, 4 PHRASE) and for PHRASE an int16 distance. tsqueryout's infix prints
 * operands quoted as in a tsvector with ":*" and the weight letters after them, "!" before
 * the negated item, " & ", " | ", " <-> " or " <N> " between two, and "( ... )" around an
 * operator that binds less tightly than its parent (NOT 4, PHRASE 3, AND 2, OR 1), and around
 * a phrase that is the right operand of a phrase. The printer keeps its own stack, so a deep
 * query costs heap, not C stack.
 *
 * The limits checked are those of tsvectorrecv and tsqueryrecv (lexeme length, total length,
 * positions in order, weights, a well-formed operator tree).
 */
#include "textout_internal.h"

#include "rcr/err.h"

#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAXSTRLEN ((1 << 11) - 1)  /* ts_type.h: longest lexeme or operand */
#define MAXSTRPOS ((1 << 20) - 1)  /* ts_type.h: all of them together */
#define MAXNUMPOS 256              /* ts_type.h: positions of one lexeme */
#define QI_VAL 1
#define QI_OPR 2
#define OP_NOT 1
#define OP_AND 2
#define OP_OR 3
#define OP_PHRASE 4

/* 'text' with ' and \ doubled (tsvectorout, tsqueryout's infix). */
static int put_lexeme(rcr_buf *out, const uint8_t *s, size_t k)
{
	PUTC('\'');
	for (size_t i = 0; i < k; i++) {
		if (s[i] == '\'' || s[i] == '\\')
			PUTC(s[i]);
		PUTC(s[i]);
	}
	PUTC('\'');
	return 0;
}

/* The NUL-terminated string at v[*pos], at most MAXSTRLEN bytes; *len its length. */
static int read_cstring(const char *type, const uint8_t *v, size_t n, size_t *pos, size_t *len)
{
	const uint8_t *nul = *pos < n ? memchr(v + *pos, 0, n - *pos) : NULL;
	if (!nul)
		return rcr_error_set(RCR_E_FORMAT, "%s value ends inside a string", type);
	*len = (size_t)(nul - (v + *pos));
	if (*len > MAXSTRLEN)
		return rcr_error_set(RCR_E_FORMAT, "%s value with a string of %zu bytes", type, *len);
	return 0;
}

static int put_positions(rcr_buf *out, const uint8_t *p, unsigned npos)
{
	static const char weight[4] = {0, 'C', 'B', 'A'};
	unsigned prev = 0;
	PUTC(':');
	for (unsigned i = 0; i < npos; i++) {
		unsigned w = rcr_load_u16be(p + 2 * i), pos = w & 0x3fff;
		if (i && pos <= prev)
			return rcr_error_set(RCR_E_FORMAT, "tsvector value with positions out of order");
		prev = pos;
		char tmp[16];
		int k = snprintf(tmp, sizeof tmp, "%s%u", i ? "," : "", pos);
		PUT(tmp, (size_t)k);
		if (weight[w >> 14])
			PUTC(weight[w >> 14]);
	}
	return 0;
}

int rcr_tx_tsvector(rcr_buf *out, const uint8_t *v, size_t n)
{
	if (n < 4)
		return rcr_error_set(RCR_E_FORMAT, "tsvector value of %zu bytes", n);
	uint32_t count = rcr_load_u32be(v);
	if (count > (n - 4) / 3) /* each lexeme takes at least a NUL and a position count */
		return rcr_error_set(RCR_E_FORMAT, "tsvector value of %zu bytes for %" PRIu32 " lexemes", n, count);
	size_t pos = 4, total = 0;
	for (uint32_t i = 0; i < count; i++) {
		size_t len = 0;
		RCR_FORWARD(read_cstring("tsvector", v, n, &pos, &len));
		total += len;
		if (total > MAXSTRPOS)
			return rcr_error_set(RCR_E_FORMAT, "tsvector value with more than %d bytes of lexemes", MAXSTRPOS);
		if (i)
			PUTC(' ');
		RCR_FORWARD(put_lexeme(out, v + pos, len));
		pos += len + 1;
		if (n - pos < 2)
			return rcr_error_set(RCR_E_FORMAT, "tsvector value ends inside lexeme %" PRIu32, i + 1);
		unsigned npos = rcr_load_u16be(v + pos);
		pos += 2;
		if (npos > MAXNUMPOS || (n - pos) / 2 < npos)
			return rcr_error_set(RCR_E_FORMAT, "tsvector value with %u positions for lexeme %" PRIu32, npos, i + 1);
		if (npos)
			RCR_FORWARD(put_positions(out, v + pos, npos));
		pos += 2 * (size_t)npos;
	}
	if (pos != n)
		return rcr_error_set(RCR_E_FORMAT, "tsvector value has %zu trailing bytes", n - pos);
	return 0;
}

/* One tsquery item as read: an operand's text, weight and prefix, or an operator. */
typedef struct ts_item {
	uint8_t type, oper, weight, prefix;
	int16_t distance;
	size_t at, len;      /* operand text in the value */
	size_t size;         /* items in the subtree rooted here */
} ts_item;

static int read_items(ts_item *it, uint32_t count, const uint8_t *v, size_t n)
{
	size_t pos = 4, total = 0;
	for (uint32_t i = 0; i < count; i++) {
		ts_item *t = &it[i];
		if (n - pos < 2)
			return rcr_error_set(RCR_E_FORMAT, "tsquery value ends inside item %" PRIu32, i + 1);
		t->type = v[pos];
		if (t->type == QI_VAL) {
			if (n - pos < 4)
				return rcr_error_set(RCR_E_FORMAT, "tsquery value ends inside item %" PRIu32, i + 1);
			t->weight = v[pos + 1];
			t->prefix = v[pos + 2] != 0;
			pos += 3;
			if (t->weight > 0xf)
				return rcr_error_set(RCR_E_FORMAT, "tsquery operand with weight bits 0x%x", t->weight);
			if (total > MAXSTRPOS)
				return rcr_error_set(RCR_E_FORMAT, "tsquery value with more than %d bytes of operands", MAXSTRPOS);
			RCR_FORWARD(read_cstring("tsquery", v, n, &pos, &t->len));
			t->at = pos;
			pos += t->len + 1;
			total += t->len + 1;
		} else if (t->type == QI_OPR) {
			t->oper = v[pos + 1];
			pos += 2;
			if (t->oper < OP_NOT || t->oper > OP_PHRASE)
				return rcr_error_set(RCR_E_FORMAT, "tsquery value with operator %u", t->oper);
			if (i == count - 1)
				return rcr_error_set(RCR_E_FORMAT, "tsquery operator without operand");
			if (t->oper == OP_PHRASE) {
				if (n - pos < 2)
					return rcr_error_set(RCR_E_FORMAT, "tsquery value ends inside item %" PRIu32, i + 1);
				t->distance = (int16_t)rcr_load_u16be(v + pos);
				pos += 2;
			}
		} else {
			return rcr_error_set(RCR_E_FORMAT, "tsquery value with item type %u", t->type);
		}
	}
	if (pos != n)
		return rcr_error_set(RCR_E_FORMAT, "tsquery value has %zu trailing bytes", n - pos);
	return 0;
}

/* Subtree sizes from the last item back (children follow their operator): tsqueryrecv's
 * findoprnd, which refuses a missing operand and items outside the one tree. */
static int size_tree(ts_item *it, uint32_t count)
{
	for (uint32_t i = count; i-- > 0;) {
		ts_item *t = &it[i];
		size_t right = i + 1;
		t->size = 1;
		if (t->type == QI_VAL)
			continue;
		if (right >= count)
			return rcr_error_set(RCR_E_FORMAT, "malformed tsquery: operand not found");
		t->size += it[right].size;
		if (t->oper == OP_NOT)
			continue;
		size_t left = right + it[right].size;
		if (left >= count)
			return rcr_error_set(RCR_E_FORMAT, "malformed tsquery: operand not found");
		t->size += it[left].size;
	}
	if (it[0].size != count)
		return rcr_error_set(RCR_E_FORMAT, "malformed tsquery: extra nodes");
	return 0;
}

static int put_operand(rcr_buf *out, const ts_item *t, const uint8_t *v)
{
	RCR_FORWARD(put_lexeme(out, v + t->at, t->len));
	if (!t->weight && !t->prefix)
		return 0;
	PUTC(':');
	if (t->prefix)
		PUTC('*');
	static const char letters[] = "ABCD";
	for (int b = 0; b < 4; b++)
		if (t->weight & (8 >> b))
			PUTC(letters[b]);
	return 0;
}

static int put_operator(rcr_buf *out, const ts_item *t)
{
	if (t->oper == OP_AND)
		return rcr_tx_puts(out, " & ");
	if (t->oper == OP_OR)
		return rcr_tx_puts(out, " | ");
	if (t->distance == 1)
		return rcr_tx_puts(out, " <-> ");
	char tmp[16];
	int k = snprintf(tmp, sizeof tmp, " <%d> ", (int)t->distance);
	return rcr_buf_append(out, tmp, (size_t)k);
}

static int priority(uint8_t oper)
{
	static const int prio[] = {0, 4, 2, 1, 3}; /* tsearch_op_priority by operator */
	return prio[oper];
}

/* A step of infix: item `node` printed under a parent of priority `parent`; `right_phrase`
 * when it is the right operand of a phrase; `phase` how far its printing has come. */
typedef struct ts_frame {
	size_t node;
	int parent, right_phrase, phase, paren;
} ts_frame;

static int put_infix(rcr_buf *out, const ts_item *it, uint32_t count, const uint8_t *v, ts_frame *st)
{
	(void)count; /* for the assertion: a path from the root holds at most every item */
	size_t top = 0;
	st[0] = (ts_frame){0, -1, 0, 0, 0};
	for (;;) {
		ts_frame *f = &st[top];
		const ts_item *t = &it[f->node];
		int p = t->type == QI_OPR ? priority(t->oper) : 0;
		if (t->type == QI_VAL || f->phase == (t->oper == OP_NOT ? 1 : 2)) {
			if (t->type == QI_VAL)
				RCR_FORWARD(put_operand(out, t, v));
			else if (f->paren)
				RCR_FORWARD(rcr_tx_puts(out, " )"));
			if (top-- == 0)
				return 0;
			continue;
		}
		size_t right = f->node + 1, left = right + it[right].size;
		if (f->phase == 0) {
			f->paren = p < f->parent || (t->oper == OP_PHRASE && f->right_phrase);
			if (f->paren)
				RCR_FORWARD(rcr_tx_puts(out, "( "));
			if (t->oper == OP_NOT)
				PUTC('!');
			st[top + 1] = (ts_frame){t->oper == OP_NOT ? right : left, p, 0, 0, 0};
		} else {
			RCR_FORWARD(put_operator(out, t));
			st[top + 1] = (ts_frame){right, p, t->oper == OP_PHRASE, 0, 0};
		}
		f->phase++;
		top++;
		assert(top < count);
	}
}

int rcr_tx_tsquery(rcr_buf *out, const uint8_t *v, size_t n)
{
	if (n < 4)
		return rcr_error_set(RCR_E_FORMAT, "tsquery value of %zu bytes", n);
	uint32_t count = rcr_load_u32be(v);
	if (count == 0)
		return n == 4 ? 0 : rcr_error_set(RCR_E_FORMAT, "tsquery value has %zu trailing bytes", n - 4);
	if (count > (n - 4) / 2) /* each item takes at least two bytes */
		return rcr_error_set(RCR_E_FORMAT, "tsquery value of %zu bytes for %" PRIu32 " items", n, count);
	ts_item *it = calloc(count, sizeof *it);
	ts_frame *st = calloc(count, sizeof *st);
	int rc = it && st ? 0 : rcr_error_set(RCR_E_NOMEM, "out of memory");
	if (rc == 0)
		rc = read_items(it, count, v, n);
	if (rc == 0)
		rc = size_tree(it, count);
	if (rc == 0)
		rc = put_infix(out, it, count, v, st);
	free(st);
	free(it);
	return rc;
}
