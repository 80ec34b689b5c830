/*
 * extlist.h: the extensions an archive's tables need, as the dump recorded them.
 *
 * pg_dump leaves extensions out of a dump made with -n or -t, so a table whose column is a
 * pgvector `vector` cannot be created in a new, empty database from such an archive. rcr dump
 * records, whatever the filters, every extension that the dumped tables depend on (column
 * types, index operator classes, defaults), with its version and schema and one example of
 * what uses it; rcr restore creates the missing ones before the schema (src/restore/
 * extensions.c). They travel as metadata entries (spec "Metadata keys"), three per extension:
 *
 *   extension:<name>         its version at dump time (pg_extension.extversion)
 *   extension_schema:<name>  the schema it was installed in
 *   extension_use:<name>     what needs it, for messages, e.g. table "public"."records" column
 *                            "embedding" (type vector)
 *
 * Names and values come from the database and then from an untrusted archive: they reach SQL
 * only quoted, and terminals only escaped.
 *
 * Ownership: a list owns its strings; rcr_extlist_free releases them.
 */
#ifndef RCR_EXTLIST_H
#define RCR_EXTLIST_H

#include "rcr/manifest.h"

#include <stddef.h>

#define RCR_EXT_KEY "extension:"
#define RCR_EXT_SCHEMA_KEY "extension_schema:"
#define RCR_EXT_USE_KEY "extension_use:"

typedef struct rcr_extension {
	char *name;
	char *version;
	char *schema;
	char *use;      /* "" when the dump could not say */
} rcr_extension;

typedef struct rcr_extlist {
	size_t n;
	rcr_extension *items;
} rcr_extlist;

#define RCR_EXTLIST_INIT {0, NULL}

/* Appends copies of the strings (use may be NULL). */
int rcr_extlist_add(rcr_extlist *l, const char *name, const char *version, const char *schema, const char *use);
void rcr_extlist_free(rcr_extlist *l);

/* Writes l's entries into m's metadata, three keys per extension, in list order. */
int rcr_extlist_to_meta(rcr_manifest *m, const rcr_extlist *l);

/* Reads the extensions recorded in m (none: an empty list, as in archives from before rcr
 * recorded them). An extension:<name> without its extension_schema:<name>, or the other way
 * round, is RCR_E_FORMAT. *out is the caller's (rcr_extlist_free), also on failure. */
int rcr_extlist_from_meta(rcr_extlist *out, const rcr_manifest *m);

/* 1 if key is one of the three extension keys (displays show the parsed list instead). */
int rcr_extlist_is_key(const char *key);

/* For the manifest decoder: 0 when kv is not an extension entry or is well formed, otherwise
 * the reason it is not (a static string). */
const char *rcr_extlist_check_entry(const char *key, const char *value);

#endif
