/*
 * progress.h: progress of a command's data phase, per table and in total: rows, bytes of
 * column data (the archive's Raw_Bytes, so the figures of dump, restore, verify and convert
 * all add up to what `rcr list` shows), rate and ETA. Two renderings, chosen once at
 * rcr_progress_begin:
 *  - live: a display on stderr redrawn 4 times a second, one line per table in progress and a
 *    total line (a terminal with --progress=auto, or any stderr with --progress=always);
 *  - log: plain lines, one per finished table and a summary (--progress=auto when stderr is
 *    not a terminal: log files and pipes get no escape sequences).
 * --progress=never (and -q) draws nothing. Both renderings end with the same summary line.
 *
 * Call order, from the command's leader thread: rcr_progress_init, rcr_progress_expect for each
 * unit of work (a table, or one piece or run of row groups of a table), rcr_progress_begin,
 * then workers call rcr_progress_add and rcr_progress_part_done from any thread, then
 * rcr_progress_end, which must follow every rcr_progress_init (it frees).
 * Progress is cosmetic: out of memory disables the per-table part, never fails the command.
 *
 * Command layer (src/cmd/progress.c): the live display is a thread. Internal header, like
 * everything in include/rcr/: the struct is exposed so that commands can embed it, and no
 * stable API is promised (include/rcr/README.md).
 */
#ifndef RCR_PROGRESS_H
#define RCR_PROGRESS_H

#include "rcr/manifest.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

/* --progress=WHEN, and rcr_common_opts.progress (options.h). */
enum { RCR_PROGRESS_AUTO = 0, RCR_PROGRESS_ALWAYS = 1, RCR_PROGRESS_NEVER = 2 };

typedef struct rcr_progress_table {
	const char *schema, *name;      /* borrowed from the manifest */
	uint64_t bytes_total;           /* expected, 0 when unknown */
	uint32_t parts_total;
	atomic_uint parts_done;
	atomic_uint_fast64_t rows;
	atomic_uint_fast64_t bytes;
	atomic_uint_fast64_t start_us;  /* rcr_now() of the first rcr_progress_add, 0 before */
} rcr_progress_table;

typedef struct rcr_progress {
	const char *verb;
	int live, log;
	uint32_t ntables;
	rcr_progress_table *tables;     /* ntables entries, or NULL */
	int tables_total;               /* tables with expected work */
	uint64_t bytes_total;           /* 0 when unknown */
	atomic_int tables_done;
	atomic_uint_fast64_t rows;
	atomic_uint_fast64_t bytes;
	atomic_int stop;
	double start;
	pthread_t thread;
	int running;
	int lines;                      /* lines of the live display now on screen */
} rcr_progress;

/* mode: RCR_PROGRESS_*; the caller passes RCR_PROGRESS_NEVER for -q or --json. */
void rcr_progress_init(rcr_progress *p, const char *verb, const rcr_manifest *m, int mode);
/* One unit of work of table `table` (manifest index), of about `bytes` bytes of column data. */
void rcr_progress_expect(rcr_progress *p, uint32_t table, uint64_t bytes);
void rcr_progress_begin(rcr_progress *p);
void rcr_progress_add(rcr_progress *p, uint32_t table, uint64_t rows, uint64_t bytes);
/* A unit of work of `table` finished; the table is done when all its units are. */
void rcr_progress_part_done(rcr_progress *p, uint32_t table);
/* Stops the display, prints the summary line (unless never) and frees. */
void rcr_progress_end(rcr_progress *p);
/* Seconds on the monotonic clock. */
double rcr_now(void);
/* "12.3 MB" style, into buf. */
const char *rcr_fmt_bytes(char *buf, size_t cap, uint64_t n);

#endif
