/* list.c: `rcr list`: what an archive holds, per table, with what the codecs saved. */
#include "rcr/archive.h"
#include "rcr/cmd.h"
#include "rcr/codec.h"
#include "rcr/err.h"
#include "rcr/extlist.h"
#include "rcr/json.h"
#include "rcr/text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void codec_counts(const rcr_table *t, uint64_t counts[RCR_CODEC_COUNT])
{
	memset(counts, 0, sizeof(uint64_t) * RCR_CODEC_COUNT);
	for (uint32_t g = 0; g < t->nrgs; g++)
		for (uint32_t c = 0; c < t->ncols; c++)
			if (t->rgs[g].frames[c].codec < RCR_CODEC_COUNT)
				counts[t->rgs[g].frames[c].codec]++;
}

/* How a table's row groups came to be (row identity, Required_Features bit 1): those whose
 * frames an earlier archive wrote (origin differs from their own indexes: shared from a base,
 * by hard link or copy), their stored bytes, and the frame rows they skip. */
typedef struct sharing {
	uint32_t shared_rgs;
	uint64_t shared_bytes;
	uint64_t skipped_rows;
} sharing;

static sharing table_sharing(const rcr_manifest *m, uint32_t ti)
{
	const rcr_table *t = &m->tables[ti];
	sharing s = {0};
	if (!(m->required_features & RCR_FEATURE_ROW_IDENTITY))
		return s;
	for (uint32_t g = 0; g < t->nrgs; g++) {
		const rcr_row_group *rg = &t->rgs[g];
		s.skipped_rows += rg->nskip;
		if (rg->origin_table == ti && rg->origin_rg == g)
			continue;
		s.shared_rgs++;
		for (uint32_t c = 0; c < t->ncols; c++)
			s.shared_bytes += RCR_FRAME_HEADER_SIZE + (uint64_t)rg->frames[c].stored_size;
		if (rg->has_row_hashes)
			s.shared_bytes += RCR_FRAME_HEADER_SIZE + (uint64_t)rg->row_hashes.stored_size;
	}
	return s;
}

/* The metadata an incremental dump records about its base (spec "Metadata keys"). */
static const char *const base_keys[] = {"base_archive_id", "base_path", "base_shared_row_groups",
					"base_shared_bytes", "base_linked_files", "base_copied_bytes",
					"base_new_bytes"};
#define NBASE_KEYS (sizeof base_keys / sizeof base_keys[0])

static int is_base_key(const char *key)
{
	for (size_t i = 0; i < NBASE_KEYS; i++)
		if (!strcmp(key, base_keys[i]))
			return 1;
	return 0;
}

/* A base_* count: a decimal number, or -1 when missing or not one (metadata is untrusted). */
static int64_t base_count(const rcr_manifest *m, const char *key)
{
	const char *v = rcr_manifest_get_meta(m, key);
	if (!v || !*v || strlen(v) > 18 || strspn(v, "0123456789") != strlen(v))
		return -1;
	return (int64_t)strtoull(v, NULL, 10);
}

/* The columns that have a type codec (the embedding codecs), comma-separated into buf. */
static int codec_columns(char *buf, size_t cap, const rcr_table *t)
{
	size_t n = 0;
	int count = 0;
	buf[0] = 0;
	for (uint32_t c = 0; c < t->ncols; c++) {
		if (rcr_codec_for_type(t->cols[c].type_name) == RCR_CODEC_RAW)
			continue;
		if (n < cap)
			n += (size_t)snprintf(buf + n, cap - n, "%s%s", count ? ", " : "",
					      rcr_name_quote(t->cols[c].name).s);
		count++;
	}
	return count;
}

/* What the codecs saved against the raw codec, as a fraction of the raw codec's size. */
static double saved_fraction(const rcr_codec_trials *tr)
{
	return tr->plain_bytes ? 1.0 - (double)tr->codec_bytes / (double)tr->plain_bytes : 0.0;
}

/* One line per table saying what the dump's codec trials measured, and only that: the trials
 * cover some row groups, and the figure is not extrapolated to the others. */
static void print_savings(const rcr_manifest *m)
{
	if (!(m->optional_features & RCR_FEATURE_CODEC_TRIALS)) {
		printf("\ncodec savings: not recorded (this archive was written before rcr recorded its codec trials)\n");
		return;
	}
	const char *comp = rcr_manifest_get_meta(m, "compression");
	const char *plain = comp && !strcmp(comp, "zstd:0") ? "the raw codec (uncompressed)" : "plain zstd";
	printf("\ncodec savings (the dump stored the embedding columns of some row groups both ways, kept the smaller):\n");
	for (uint32_t i = 0; i < m->ntables; i++) {
		const rcr_table *t = &m->tables[i];
		const rcr_codec_trials *tr = &t->trials;
		char cols[256], b1[32], b2[32];
		const rcr_shown shown = rcr_name_qualify(t->schema, t->name);
		const char *name = shown.s;
		int ncodec = codec_columns(cols, sizeof cols, t);
		if (!ncodec)
			printf("  %-38s none: no column with an embedding codec\n", name);
		else if (!tr->row_groups)
			printf("  %-38s none: no row group was measured (%s)\n", name, t->nrgs ? "not recorded" : "no rows");
		else {
			double f = saved_fraction(tr);
			printf("  %-38s codecs %s %.1f%% vs %s on %s (%s instead of %s, measured on %u of %u row groups)\n",
			       name, f >= 0 ? "saved" : "cost", 100.0 * (f >= 0 ? f : -f), plain, cols,
			       rcr_fmt_bytes(b1, sizeof b1, tr->codec_bytes), rcr_fmt_bytes(b2, sizeof b2, tr->plain_bytes),
			       tr->row_groups, t->nrgs);
		}
	}
}

static void json_table(const rcr_manifest *m, uint32_t ti)
{
	const rcr_table *t = &m->tables[ti];
	const sharing sh = table_sharing(m, ti);
	uint64_t counts[RCR_CODEC_COUNT];
	printf("{\"schema\":");
	rcr_json_str(stdout, t->schema);
	printf(",\"name\":");
	rcr_json_str(stdout, t->name);
	printf(",\"oid\":%u,\"rows\":%llu,\"raw_bytes\":%llu,\"stored_bytes\":%llu,\"row_groups\":%u,\"columns\":[",
	       t->oid, (unsigned long long)t->row_count, (unsigned long long)t->raw_bytes,
	       (unsigned long long)t->stored_bytes, t->nrgs);
	for (uint32_t c = 0; c < t->ncols; c++) {
		printf("%s{\"name\":", c ? "," : "");
		rcr_json_str(stdout, t->cols[c].name);
		printf(",\"type\":");
		rcr_json_str(stdout, t->cols[c].type_name);
		printf(",\"type_oid\":%u,\"typmod\":%d}", t->cols[c].type_oid, t->cols[c].typmod);
	}
	printf("],\"codecs\":{");
	codec_counts(t, counts);
	int first = 1;
	for (unsigned k = 0; k < RCR_CODEC_COUNT; k++)
		if (counts[k]) {
			printf("%s\"%s\":%llu", first ? "" : ",", rcr_codec_get(k)->name, (unsigned long long)counts[k]);
			first = 0;
		}
	printf("},\"codec_trials\":");
	const rcr_codec_trials *tr = &t->trials;
	if (!tr->row_groups)
		printf("null");
	else
		printf("{\"row_groups_measured\":%u,\"codec_bytes\":%llu,\"plain_bytes\":%llu,"
		       "\"saved_fraction\":%.4f}",
		       tr->row_groups, (unsigned long long)tr->codec_bytes, (unsigned long long)tr->plain_bytes,
		       saved_fraction(tr));
	printf(",\"data_format\":\"%s\",\"load_via_root\":", t->flags & RCR_TABLE_TEXT ? "text" : "binary");
	if (t->flags & RCR_TABLE_VIA_ROOT) {
		printf("{\"schema\":");
		rcr_json_str(stdout, t->root_schema);
		printf(",\"name\":");
		rcr_json_str(stdout, t->root_name);
		printf("}");
	} else
		printf("null");
	printf(",\"codec_columns\":[");
	int nc = 0;
	for (uint32_t c = 0; c < t->ncols && !(t->flags & RCR_TABLE_TEXT); c++)
		if (rcr_codec_for_type(t->cols[c].type_name) != RCR_CODEC_RAW) {
			printf("%s", nc++ ? "," : "");
			rcr_json_str(stdout, t->cols[c].name);
		}
	printf("],\"shared_row_groups\":%u,\"shared_stored_bytes\":%llu,\"skipped_rows\":%llu}", sh.shared_rgs,
	       (unsigned long long)sh.shared_bytes, (unsigned long long)sh.skipped_rows);
}

/* The base an incremental dump started from, as an object of its base_* metadata (strings
 * for the id and path, numbers for the counts, null for what is missing), or null. */
static void json_base(const rcr_manifest *m)
{
	const char *id = rcr_manifest_get_meta(m, "base_archive_id");
	if (!id) {
		printf("null");
		return;
	}
	printf("{\"archive_id\":");
	rcr_json_str(stdout, id);
	const char *path = rcr_manifest_get_meta(m, "base_path");
	printf(",\"path\":");
	if (path)
		rcr_json_str(stdout, path);
	else
		printf("null");
	for (size_t i = 2; i < NBASE_KEYS; i++) {
		int64_t n = base_count(m, base_keys[i]);
		printf(",\"%s\":", base_keys[i] + 5);
		if (n < 0)
			printf("null");
		else
			printf("%lld", (long long)n);
	}
	putchar('}');
}

static void list_json(const char *archive, const rcr_manifest *m, const rcr_extlist *exts)
{
	printf("{\"archive\":");
	rcr_json_str(stdout, archive);
	printf(",\"format_version\":%u,\"meta\":{", m->write_version);
	for (uint32_t i = 0, n = 0; i < m->nmeta; i++) {
		/* codec_trials entries are shown parsed, in their tables */
		if (rcr_manifest_is_trial_key(m->meta[i].key))
			continue;
		if (n++)
			putchar(',');
		rcr_json_str(stdout, m->meta[i].key);
		putchar(':');
		rcr_json_str(stdout, m->meta[i].value);
	}
	printf("},\"schema_dir\":");
	rcr_json_str(stdout, m->schema_dir);
	printf(",\"schema_files\":%u,\"codec_trials_recorded\":%s,\"extensions\":[", m->nschema_files,
	       m->optional_features & RCR_FEATURE_CODEC_TRIALS ? "true" : "false");
	for (size_t i = 0; i < exts->n; i++) {
		const rcr_extension *e = &exts->items[i];
		printf("%s{\"name\":", i ? "," : "");
		rcr_json_str(stdout, e->name);
		printf(",\"version\":");
		rcr_json_str(stdout, e->version);
		printf(",\"schema\":");
		rcr_json_str(stdout, e->schema);
		printf(",\"needed_by\":");
		rcr_json_str(stdout, e->use);
		putchar('}');
	}
	printf("],\"row_identity\":%s,\"base\":", m->required_features & RCR_FEATURE_ROW_IDENTITY ? "true" : "false");
	json_base(m);
	printf(",\"tables\":[");
	for (uint32_t i = 0; i < m->ntables; i++) {
		if (i)
			putchar(',');
		json_table(m, i);
	}
	printf("]}\n");
}

static void text_table(const rcr_manifest *m, uint32_t ti)
{
	const rcr_table *t = &m->tables[ti];
	uint64_t counts[RCR_CODEC_COUNT];
	char b1[32], b2[32], cod[256] = "";
	rcr_shown name = rcr_name_qualify(t->schema, t->name);
	codec_counts(t, counts);
	size_t n = 0;
	for (unsigned k = 0; k < RCR_CODEC_COUNT; k++)
		if (counts[k] && n < sizeof cod)
			n += (size_t)snprintf(cod + n, sizeof cod - n, "%s%s %llu", n ? ", " : "", rcr_codec_get(k)->name,
					      (unsigned long long)counts[k]);
	double ratio = t->stored_bytes ? (double)t->raw_bytes / (double)t->stored_bytes : 0;
	printf("%-40s %12llu %12s %12s %6.2fx  %s", name.s, (unsigned long long)t->row_count,
	       rcr_fmt_bytes(b1, sizeof b1, t->raw_bytes), rcr_fmt_bytes(b2, sizeof b2, t->stored_bytes), ratio,
	       cod[0] ? cod : "-");
	/* How restore loads it, when not the plain way (spec "Table_Flags"). */
	if (t->flags & RCR_TABLE_TEXT)
		printf("; text values");
	if (t->flags & RCR_TABLE_VIA_ROOT)
		printf("; loads via %s", rcr_name_qualify(t->root_schema, t->root_name).s);
	const sharing sh = table_sharing(m, ti);
	if (sh.shared_rgs)
		printf("; %u of %u row groups shared (%s)", sh.shared_rgs, t->nrgs, rcr_fmt_bytes(b1, sizeof b1, sh.shared_bytes));
	if (sh.skipped_rows)
		printf("; %llu row%s skipped", (unsigned long long)sh.skipped_rows, sh.skipped_rows == 1 ? "" : "s");
	putchar('\n');
}

/* A count of the base metadata as text (bytes formatted), or "?" when it is missing or not a
 * number. */
static const char *base_text(char *buf, size_t cap, const rcr_manifest *m, const char *key, int bytes)
{
	int64_t n = base_count(m, key);
	if (n < 0)
		return "?";
	if (bytes)
		return rcr_fmt_bytes(buf, cap, (uint64_t)n);
	snprintf(buf, cap, "%lld", (long long)n);
	return buf;
}

/* Where an incremental archive's bytes come from: the base it started from (which it does not
 * need: shared files are hard links or copies), what it shares and what it wrote. */
static void text_base(const rcr_manifest *m)
{
	const char *id = rcr_manifest_get_meta(m, "base_archive_id");
	if (!id)
		return;
	const char *path = rcr_manifest_get_meta(m, "base_path");
	char b[5][32];
	printf("  %-15s incremental from archive %s", "base", rcr_text_escape(id).s);
	if (path)
		printf(" (given as '%s')", rcr_text_escape(path).s);
	printf("\n  %-15s %s row groups shared with it (%s), %s files linked, %s copied, %s new\n", "",
	       base_text(b[0], 32, m, "base_shared_row_groups", 0), base_text(b[1], 32, m, "base_shared_bytes", 1),
	       base_text(b[2], 32, m, "base_linked_files", 0), base_text(b[3], 32, m, "base_copied_bytes", 1),
	       base_text(b[4], 32, m, "base_new_bytes", 1));
}

static void list_text(const char *archive, const rcr_manifest *m, const rcr_extlist *exts)
{
	/* The format version alone does not say what a reader needs: the required features do
	 * (row identity tells whether the archive can be an incremental dump's base). */
	printf("archive: %s (rcr format %u%s%s)\n", rcr_text_escape(archive).s, m->write_version,
	       m->required_features & RCR_FEATURE_TABLE_FLAGS ? ", table flags" : "",
	       m->required_features & RCR_FEATURE_ROW_IDENTITY ? ", row identity" : "");
	for (uint32_t i = 0; i < m->nmeta; i++)
		if (!rcr_manifest_is_trial_key(m->meta[i].key) && !rcr_extlist_is_key(m->meta[i].key) &&
		    !is_base_key(m->meta[i].key))
			printf("  %-15s %s\n", rcr_text_escape(m->meta[i].key).s, rcr_text_escape(m->meta[i].value).s);
	for (size_t i = 0; i < exts->n; i++) {
		const rcr_extension *e = &exts->items[i];
		printf("  %-15s %s %s in schema %s", i ? "" : "extensions", rcr_text_escape(e->name).s,
		       rcr_text_escape(e->version).s, rcr_text_escape(e->schema).s);
		printf(e->use[0] ? " (needed by %s)\n" : "\n", rcr_text_escape(e->use).s);
	}
	if (m->schema_dir[0])
		printf("  %-15s pg_dump directory archive in %s/ (%u files)\n", "schema", m->schema_dir, m->nschema_files);
	text_base(m);
	printf("\n%-40s %12s %12s %12s %7s  %s\n", "table", "rows", "raw", "stored", "ratio", "codecs (frames)");
	uint64_t tr = 0, traw = 0, tst = 0;
	for (uint32_t i = 0; i < m->ntables; i++) {
		const rcr_table *t = &m->tables[i];
		text_table(m, i);
		tr += t->row_count;
		traw += t->raw_bytes;
		tst += t->stored_bytes;
	}
	char b1[32], b2[32];
	printf("%-40s %12llu %12s %12s %6.2fx\n", "total", (unsigned long long)tr, rcr_fmt_bytes(b1, sizeof b1, traw),
	       rcr_fmt_bytes(b2, sizeof b2, tst), tst ? (double)traw / (double)tst : 0.0);
	print_savings(m);
}

int rcr_list_run(const rcr_list_opts *o)
{
	if (!o->archive)
		return rcr_error_set(RCR_E_USAGE, "no archive given");
	rcr_manifest *m;
	RCR_FORWARD(rcr_archive_open(&m, o->archive));
	rcr_extlist exts;
	int rc = rcr_extlist_from_meta(&exts, m);
	if (rc == 0 && o->json)
		list_json(o->archive, m, &exts);
	else if (rc == 0)
		list_text(o->archive, m, &exts);
	rcr_extlist_free(&exts);
	rcr_manifest_free(m);
	return rc;
}
