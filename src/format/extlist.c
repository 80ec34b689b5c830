/* extlist.c: the extensions an archive's tables need, as metadata entries (see extlist.h). */
#include "rcr/extlist.h"
#include "rcr/err.h"
#include "rcr/text.h"

#include <stdlib.h>
#include <string.h>

int rcr_extlist_add(rcr_extlist *l, const char *name, const char *version, const char *schema, const char *use)
{
	rcr_extension *items = realloc(l->items, (l->n + 1) * sizeof *items);
	if (!items)
		return rcr_error_set(RCR_E_NOMEM, "out of memory");
	l->items = items;
	rcr_extension *e = &items[l->n];
	e->name = strdup(name);
	e->version = strdup(version);
	e->schema = strdup(schema);
	e->use = strdup(use ? use : "");
	l->n++;
	if (!e->name || !e->version || !e->schema || !e->use)
		return rcr_error_set(RCR_E_NOMEM, "out of memory");
	return 0;
}

void rcr_extlist_free(rcr_extlist *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->items[i].name);
		free(l->items[i].version);
		free(l->items[i].schema);
		free(l->items[i].use);
	}
	free(l->items);
	l->items = NULL;
	l->n = 0;
}

/* m's metadata gets prefix + name = value. */
static int set_keyed(rcr_manifest *m, const char *prefix, const char *name, const char *value)
{
	size_t np = strlen(prefix), nn = strlen(name);
	char *key = malloc(np + nn + 1);
	if (!key)
		return rcr_error_set(RCR_E_NOMEM, "out of memory");
	memcpy(key, prefix, np);
	memcpy(key + np, name, nn + 1);
	int rc = rcr_manifest_set_meta(m, key, value);
	free(key);
	return rc;
}

int rcr_extlist_to_meta(rcr_manifest *m, const rcr_extlist *l)
{
	for (size_t i = 0; i < l->n; i++) {
		const rcr_extension *e = &l->items[i];
		RCR_FORWARD(set_keyed(m, RCR_EXT_KEY, e->name, e->version));
		RCR_FORWARD(set_keyed(m, RCR_EXT_SCHEMA_KEY, e->name, e->schema));
		RCR_FORWARD(set_keyed(m, RCR_EXT_USE_KEY, e->name, e->use));
	}
	return 0;
}

/* The name after prefix in key, or NULL when key does not start with it. */
static const char *keyed_name(const char *key, const char *prefix)
{
	size_t n = strlen(prefix);
	return strncmp(key, prefix, n) == 0 ? key + n : NULL;
}

/* The value of prefix + name, first entry wins (spec: lookups take the first); NULL if none. */
static const char *find_keyed(const rcr_manifest *m, const char *prefix, const char *name)
{
	for (uint32_t i = 0; i < m->nmeta; i++) {
		const char *n = keyed_name(m->meta[i].key, prefix);
		if (n && strcmp(n, name) == 0)
			return m->meta[i].value;
	}
	return NULL;
}

/* 1 if an earlier entry already named this extension (a duplicate key: the first wins). */
static int seen_before(const rcr_extlist *l, const char *name)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->items[i].name, name) == 0)
			return 1;
	return 0;
}

int rcr_extlist_from_meta(rcr_extlist *out, const rcr_manifest *m)
{
	*out = (rcr_extlist)RCR_EXTLIST_INIT;
	for (uint32_t i = 0; i < m->nmeta; i++) {
		const char *name = keyed_name(m->meta[i].key, RCR_EXT_KEY);
		const char *sname = keyed_name(m->meta[i].key, RCR_EXT_SCHEMA_KEY);
		if (sname && !find_keyed(m, RCR_EXT_KEY, sname))
			return rcr_error_set(RCR_E_FORMAT, "metadata entry '%s%s' has no '%s%s' beside it",
					     RCR_EXT_SCHEMA_KEY, rcr_text_escape(sname).s, RCR_EXT_KEY,
					     rcr_text_escape(sname).s);
		if (!name || seen_before(out, name))
			continue;
		const char *schema = find_keyed(m, RCR_EXT_SCHEMA_KEY, name);
		if (!schema)
			return rcr_error_set(RCR_E_FORMAT, "metadata entry '%s%s' has no '%s%s' beside it", RCR_EXT_KEY,
					     rcr_text_escape(name).s, RCR_EXT_SCHEMA_KEY, rcr_text_escape(name).s);
		RCR_FORWARD(rcr_extlist_add(out, name, m->meta[i].value, schema, find_keyed(m, RCR_EXT_USE_KEY, name)));
	}
	return 0;
}

int rcr_extlist_is_key(const char *key)
{
	return keyed_name(key, RCR_EXT_KEY) || keyed_name(key, RCR_EXT_SCHEMA_KEY) || keyed_name(key, RCR_EXT_USE_KEY);
}

const char *rcr_extlist_check_entry(const char *key, const char *value)
{
	const char *name = keyed_name(key, RCR_EXT_KEY);
	const char *sname = keyed_name(key, RCR_EXT_SCHEMA_KEY);
	const char *uname = keyed_name(key, RCR_EXT_USE_KEY);
	if (!name && !sname && !uname)
		return NULL;
	if (!(name ? name : sname ? sname : uname)[0])
		return "an extension name after the colon";
	if (name && (!value[0] || rcr_text_has_control(value)))
		return "a version: not empty, no control characters";
	if (sname && !value[0])
		return "a schema name, not empty";
	return NULL;
}
