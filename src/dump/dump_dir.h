/*
 * dump_dir.h: claiming and cleaning up rcr dump's output directory (dump_dir.c). Internal to
 * src/dump.
 */
#ifndef RCR_DUMP_DIR_H
#define RCR_DUMP_DIR_H

#include "rcr/cmd.h"
#include "rcr/fsutil.h"

/* Claims o->dir for this dump before anything else is done (rcr_fs_outdir_claim with
 * RCR_DUMP_MARKER). With o->force, first removes an earlier dump's incomplete leftovers, and
 * nothing else: refused (RCR_E_EXISTS, nothing removed) if the directory holds a manifest, an
 * entry a dump does not write, or a marker another dump still holds. A refusal says which. */
int rcr_dump_dir_claim(rcr_fs_outdir *od, const rcr_dump_opts *o);
/* Creates data/ and records it and pg_dump's schema/ as this run's. */
int rcr_dump_dir_make(rcr_fs_outdir *od);
/* After a failure: removes what this run created (the data files listed in m, data/, pg_dump's
 * files in schema/, the manifest if it got written), the marker and the directory if this run
 * made it. */
void rcr_dump_dir_abandon(rcr_fs_outdir *od, const rcr_manifest *m);

#endif
