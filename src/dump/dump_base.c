/*
 * dump_base.c: the base of an incremental dump (dump_int.h, "dump_base").
 *
 * STUB, until `rcr dump --base` lands (its owner replaces this file whole): nothing makes a
 * dump_base yet, so d->base is always NULL and neither function is ever called; they exist so
 * that dump_copy.c's calls link.
 */
#include "dump_int.h"

#include <assert.h>

int dump_base_take(dump_base *b, uint32_t ti, const uint8_t hash[RCR_ROW_HASH_SIZE])
{
	assert(b == NULL && "no base can exist before --base");
	return 0;
}

int dump_base_take_group(dump_base *b, uint32_t ti, const uint8_t content_hash[RCR_CONTENT_HASH_SIZE])
{
	assert(b == NULL && "no base can exist before --base");
	return 0;
}
