/*
 * convert_plan.h: what `rcr convert` changes in the schema's toc.dat (convert_plan.c).
 * Internal to src/convert.
 *
 * The embedded schema is a pg_dump directory archive that lacks the data of the tables rcr
 * stored. The plan adds one TABLE DATA entry per stored table (or per run of its row groups,
 * when --split-size makes several), each with the job that writes its file; moves the large object
 * list to the name the target archive version reads; and at the end writes the toc.dat of the
 * target version (doc/pg-archive.md).
 */
#ifndef RCR_CONVERT_PLAN_H
#define RCR_CONVERT_PLAN_H

#include "convert_data.h"

#include "rcr/cmd.h"
#include "rcr/manifest.h"
#include "rcr/pgtoc.h"

typedef struct rcr_convert_plan {
	rcr_toc_entry *entries; /* the TABLE DATA entries to add, n of them */
	rcr_convert_job *jobs;  /* the job writing each one's file, n of them */
	uint32_t n;
	const char *lo_src;     /* the schema's large object list to copy as lo_dst, or both NULL */
	const char *lo_dst;     /* owned by the toc (its BLOBS entry's filename) */
} rcr_convert_plan;

#define RCR_CONVERT_PLAN_INIT {NULL, NULL, 0, NULL, NULL}

/*
 * Large objects in the target archive version: refuses a 1.16 schema's large objects for an
 * older target, and for a 1.14/1.15 schema converted to 1.16 renames its one BLOBS entry's
 * list to "blobs_<dumpId>.toc" (in toc, and in plan's lo_src/lo_dst for the copy).
 */
int rcr_convert_plan_large_objects(rcr_convert_plan *plan, rcr_toc *toc, const rcr_manifest *m, int target_minor);
/* The TABLE DATA entries and their jobs: one per table, or per run of about o->split_bytes of
 * a bigger table's row groups; dump ids follow the largest in toc. */
int rcr_convert_plan_data(rcr_convert_plan *plan, const rcr_toc *toc, const rcr_manifest *m, const rcr_convert_opts *o);
/*
 * Moves the plan's entries into toc, where pg_dump puts data (before post-data), makes it the
 * target version o->archive_minor with o's compression, and encodes it into out.
 */
int rcr_convert_plan_finish_toc(rcr_buf *out, rcr_convert_plan *plan, rcr_toc *toc, const rcr_convert_opts *o);
void rcr_convert_plan_free(rcr_convert_plan *plan);

#endif
