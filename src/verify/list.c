/* list.c: `rcr list`: what an archive holds, per table, with what the codecs saved. */
#include "rcr/archive.h"
#include "rcr/cmd.h"
#include "rcr/codec.h"
#include "rcr/err.h"
#include "rcr/extlist.h"
#include "rcr/json.h"
#include "rcr/text.h"

#include <stdio.h>
#include <string.h>

static void codec_counts(const rcr_table *t, uint64_t counts[RCR_CODEC_COUNT])
{
	memset(counts, 0, sizeof(uint64_t) * RCR_CODEC_COUNT);
	for (uint32_t g = 0; g < t->nrgs; g++)
		for (uint32_t c = 0; c < t->ncols; c++)
			if (t->rgs[g].frames[c].codec < RCR_CODEC_COUNT)
				counts[t->rgs[g].frames[c].codec]++;
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

static void json_table(const rcr_table *t)
{
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
	printf("]}");
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
	printf("],\"tables\":[");
	for (uint32_t i = 0; i < m->ntables; i++) {
		if (i)
			putchar(',');
		json_table(&m->tables[i]);
	}
	printf("]}\n");
}

static void text_table(const rcr_table *t)
{
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
	putchar('\n');
}

static void list_text(const char *archive, const rcr_manifest *m, const rcr_extlist *exts)
{
	printf("archive: %s (rcr format %u)\n", rcr_text_escape(archive).s, m->write_version);
	for (uint32_t i = 0; i < m->nmeta; i++)
		if (!rcr_manifest_is_trial_key(m->meta[i].key) && !rcr_extlist_is_key(m->meta[i].key))
			printf("  %-15s %s\n", rcr_text_escape(m->meta[i].key).s, rcr_text_escape(m->meta[i].value).s);
	for (size_t i = 0; i < exts->n; i++) {
		const rcr_extension *e = &exts->items[i];
		printf("  %-15s %s %s in schema %s", i ? "" : "extensions", rcr_text_escape(e->name).s,
		       rcr_text_escape(e->version).s, rcr_text_escape(e->schema).s);
		printf(e->use[0] ? " (needed by %s)\n" : "\n", rcr_text_escape(e->use).s);
	}
	if (m->schema_dir[0])
		printf("  %-15s pg_dump directory archive in %s/ (%u files)\n", "schema", m->schema_dir, m->nschema_files);
	printf("\n%-40s %12s %12s %12s %7s  %s\n", "table", "rows", "raw", "stored", "ratio", "codecs (frames)");
	uint64_t tr = 0, traw = 0, tst = 0;
	for (uint32_t i = 0; i < m->ntables; i++) {
		const rcr_table *t = &m->tables[i];
		text_table(t);
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
