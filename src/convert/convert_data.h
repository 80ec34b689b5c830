/*
 * convert_data.h: the data files of `rcr convert` (convert_data.c). Internal to src/convert.
 *
 * Each job writes one TABLE DATA entry's file: a run of row groups of one table (all of them,
 * unless the table was split, convert_plan.h), decoded frame by frame and printed as the text
 * COPY that pg_dump writes, through the compressor of -Z (convert_compress.h). Jobs run on -j
 * workers, largest first.
 */
#ifndef RCR_CONVERT_DATA_H
#define RCR_CONVERT_DATA_H

#include "rcr/cmd.h"
#include "rcr/manifest.h"
#include "rcr/textout.h"

#include <stdint.h>

typedef struct rcr_convert_job {
	uint32_t table, rg_lo, rg_hi; /* row groups [rg_lo, rg_hi) of manifest table `table` */
	int id;                       /* dump id of its TABLE DATA entry, which names its file */
	uint64_t weight;              /* its raw bytes: order and progress */
	int created;                  /* its file exists, made by this run: set by the job's worker */
} rcr_convert_job;

/* What every job reads; all borrowed. */
typedef struct rcr_convert_data {
	const rcr_convert_opts *o;
	const rcr_manifest *m;
	const char *const *const *names; /* per table, per column: the textout type name (typeres.h) */
	const rcr_textout_catalog *cat;  /* the composites those names refer to */
} rcr_convert_data;

/*
 * Writes the file of every job into o->out_dir with o->jobs workers, largest job first (jobs
 * is reordered), with progress on standard error as o asks. *rows_out is the rows written.
 * Whether it succeeds or not, each job's `created` says whether its file now exists.
 */
int rcr_convert_data_run(const rcr_convert_data *d, rcr_convert_job *jobs, uint32_t njobs, uint64_t *rows_out);

#endif
