/* list.c: `rcr list`: what an archive holds, per table, with what the codecs saved. */
#include "rcr/archive.h"
#include "rcr/cmd.h"
#include "rcr/codec.h"
#include "rcr/err.h"
#include "rcr/json.h"

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

int rcr_list_run(const rcr_list_opts *o)
{
	if (!o->archive)
		return rcr_error_set(RCR_E_USAGE, "no archive given");
	rcr_manifest *m;
	RCR_FORWARD(rcr_archive_open(&m, o->archive));
	uint64_t counts[RCR_CODEC_COUNT];
	if (o->json) {
		printf("{\"archive\":");
		rcr_json_str(stdout, o->archive);
		printf(",\"format_version\":%u,\"meta\":{", m->write_version);
		for (uint32_t i = 0; i < m->nmeta; i++) {
			if (i)
				putchar(',');
			rcr_json_str(stdout, m->meta[i].key);
			putchar(':');
			rcr_json_str(stdout, m->meta[i].value);
		}
		printf("},\"schema_dir\":");
		rcr_json_str(stdout, m->schema_dir);
		printf(",\"schema_files\":%u,\"tables\":[", m->nschema_files);
		for (uint32_t i = 0; i < m->ntables; i++) {
			const rcr_table *t = &m->tables[i];
			printf("%s{\"schema\":", i ? "," : "");
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
			printf("}}");
		}
		printf("]}\n");
		rcr_manifest_free(m);
		return 0;
	}
	printf("archive: %s (rcr format %u)\n", o->archive, m->write_version);
	for (uint32_t i = 0; i < m->nmeta; i++)
		printf("  %-15s %s\n", m->meta[i].key, m->meta[i].value);
	if (m->schema_dir[0])
		printf("  %-15s pg_dump directory archive in %s/ (%u files)\n", "schema", m->schema_dir, m->nschema_files);
	printf("\n%-40s %12s %12s %12s %7s  %s\n", "table", "rows", "raw", "stored", "ratio", "codecs (frames)");
	uint64_t tr = 0, traw = 0, tst = 0;
	for (uint32_t i = 0; i < m->ntables; i++) {
		const rcr_table *t = &m->tables[i];
		char name[512], b1[32], b2[32], cod[256] = "";
		snprintf(name, sizeof name, "%s.%s", t->schema, t->name);
		codec_counts(t, counts);
		size_t n = 0;
		for (unsigned k = 0; k < RCR_CODEC_COUNT; k++)
			if (counts[k] && n < sizeof cod)
				n += (size_t)snprintf(cod + n, sizeof cod - n, "%s%s %llu", n ? ", " : "", rcr_codec_get(k)->name,
						      (unsigned long long)counts[k]);
		double ratio = t->stored_bytes ? (double)t->raw_bytes / (double)t->stored_bytes : 0;
		printf("%-40s %12llu %12s %12s %6.2fx  %s\n", name, (unsigned long long)t->row_count,
		       rcr_fmt_bytes(b1, sizeof b1, t->raw_bytes), rcr_fmt_bytes(b2, sizeof b2, t->stored_bytes), ratio,
		       cod[0] ? cod : "-");
		tr += t->row_count;
		traw += t->raw_bytes;
		tst += t->stored_bytes;
	}
	char b1[32], b2[32];
	printf("%-40s %12llu %12s %12s %6.2fx\n", "total", (unsigned long long)tr, rcr_fmt_bytes(b1, sizeof b1, traw),
	       rcr_fmt_bytes(b2, sizeof b2, tst), tst ? (double)traw / (double)tst : 0.0);
	rcr_manifest_free(m);
	return 0;
}
