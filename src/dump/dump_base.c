/*
 * dump_base.c: `rcr dump --base ARCHIVE`, the incremental dump (format-spec "Row identity").
 *
 * The unit of sharing is the row, proven by its SHA-256 (the writer's row hash), while row
 * groups stay big. Before the COPY, dump_base_open opens the base, checks that it is the same
 * database (metadata database_id), matches the new archive's tables with the base's (schema,
 * name, columns and their types, and the flag that changes what the field streams hold),
 * checks the stored hash of every frame it may share (the base's data files on -j threads: this
 * reads the whole base before the COPY starts) and reads the row-hash frames into one index per
 * table. A corrupt base is refused there, before anything is written. During the
 * COPY every row of a matched table is offered to dump_base_take: an equal row of the base not
 * taken yet is consumed, and the row is not written; a row group kept without row hashes is
 * offered whole (dump_base_take_group, by content hash). After the COPY, dump_base_finish
 * decides per base data file: if the rows taken make at least half its bytes, the file is hard
 * linked into the new archive (copied as stored bytes where no link can be made) and its row
 * groups are added with their origin and a skip list of the rows not taken; otherwise the
 * rows taken are decoded and written anew (compaction), so that dead bytes stay bounded.
 *
 * The base is only read, never changed. Everything this dump adds to its own directory (links
 * and copies included) is listed in the manifest's tables as soon as it exists, so a failed
 * run's cleanup (rcr_dump_dir_abandon) removes it and nothing else.
 */
#include "dump_base.h"
#include "dump_int.h"

#include "rcr/archive.h"
#include "rcr/archive_writer.h"
#include "rcr/err.h"
#include "rcr/frame.h"
#include "rcr/fsutil.h"
#include "rcr/progress.h"
#include "rcr/text.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* --- the row index (dump_base.h) -------------------------------------------------------- */

#define SLOT_EMPTY UINT32_MAX
#define SLOT_SPENT (UINT32_MAX - 1) /* a hash all of whose entries were taken */
#define NO_ENTRY UINT32_MAX

typedef struct index_entry {
	uint8_t hash[DUMP_BASE_HASH_SIZE];
	uint32_t rg, row;
	uint32_t next;          /* the next entry with the same hash, or NO_ENTRY */
} index_entry;

struct dump_base_index {
	index_entry *e;
	uint32_t n, cap;
	uint32_t *slots;        /* an entry, the first of its hash's chain not taken yet */
	uint32_t mask;
};

int dump_base_index_new(dump_base_index **out, uint32_t cap)
{
	*out = NULL;
	dump_base_index *x = calloc(1, sizeof *x);
	uint64_t nslots = 16;
	while (nslots < 2 * (uint64_t)cap)
		nslots *= 2;
	if (x) {
		x->cap = cap;
		x->mask = (uint32_t)(nslots - 1);
		x->e = malloc((cap ? cap : 1) * sizeof *x->e);
		x->slots = malloc(nslots * sizeof *x->slots);
	}
	if (!x || !x->e || !x->slots) {
		dump_base_index_free(x);
		return rcr_error_set(RCR_E_NOMEM, "out of memory");
	}
	memset(x->slots, 0xff, nslots * sizeof *x->slots);
	*out = x;
	return 0;
}

void dump_base_index_free(dump_base_index *x)
{
	if (!x)
		return;
	free(x->e);
	free(x->slots);
	free(x);
}

static uint32_t first_slot(const dump_base_index *x, const uint8_t *hash)
{
	uint64_t h;
	memcpy(&h, hash, sizeof h);
	return (uint32_t)h & x->mask;
}

int dump_base_index_add(dump_base_index *x, const uint8_t hash[DUMP_BASE_HASH_SIZE], uint32_t rg, uint32_t row)
{
	if (x->n >= x->cap)
		return rcr_error_set(RCR_E_INTERNAL, "row index full (%u entries)", x->cap);
	uint32_t i = x->n++;
	index_entry *en = &x->e[i];
	memcpy(en->hash, hash, DUMP_BASE_HASH_SIZE);
	en->rg = rg;
	en->row = row;
	en->next = NO_ENTRY;
	for (uint32_t s = first_slot(x, hash);; s = (s + 1) & x->mask) {
		if (x->slots[s] == SLOT_EMPTY) {
			x->slots[s] = i;
			return 0;
		}
		if (!memcmp(x->e[x->slots[s]].hash, hash, DUMP_BASE_HASH_SIZE)) {
			/* A duplicate row: chained in front, so taking stays O(1). */
			en->next = x->slots[s];
			x->slots[s] = i;
			return 0;
		}
	}
}

int dump_base_index_take(dump_base_index *x, const uint8_t hash[DUMP_BASE_HASH_SIZE], uint32_t *rg, uint32_t *row)
{
	for (uint32_t s = first_slot(x, hash);; s = (s + 1) & x->mask) {
		uint32_t i = x->slots[s];
		if (i == SLOT_EMPTY)
			return 0;
		/* Every hash has exactly one slot, and every slot was filled before the first take:
		 * a spent one is some hash's, which may or may not be this one; either way no
		 * entry of this hash is left further on but this hash's own slot. */
		if (i == SLOT_SPENT || memcmp(x->e[i].hash, hash, DUMP_BASE_HASH_SIZE))
			continue;
		*rg = x->e[i].rg;
		*row = x->e[i].row;
		x->slots[s] = x->e[i].next == NO_ENTRY ? SLOT_SPENT : x->e[i].next;
		return 1;
	}
}

int dump_base_should_link(uint64_t live_bytes, uint64_t file_bytes)
{
	return live_bytes > 0 && live_bytes >= file_bytes - file_bytes / 2;
}

uint64_t dump_base_live_share(uint64_t bytes, uint32_t taken, uint32_t rows)
{
	if (rows == 0 || taken >= rows)
		return bytes;
	return bytes / rows * taken + bytes % rows * taken / rows;
}

int dump_base_copy_fields(rcr_buf *out, const uint8_t *fields, size_t len, uint32_t rows, const uint8_t *keep)
{
	size_t at = 0;
	for (uint32_t r = 0; r < rows; r++) {
		if (len - at < 4)
			return rcr_error_set(RCR_E_FORMAT, "field stream ends in row %u of %u", r, rows);
		uint32_t n = rcr_load_u32be(fields + at);
		size_t size = 4 + (n == UINT32_MAX ? 0 : (size_t)n);
		if (n != UINT32_MAX && n > len - at - 4)
			return rcr_error_set(RCR_E_FORMAT, "field of row %u runs past the end of the field stream", r);
		if (keep[r >> 3] & (1u << (r & 7)))
			rcr_buf_append(out, fields + at, size);
		at += size;
	}
	if (at != len)
		return rcr_error_set(RCR_E_FORMAT, "field stream has %zu bytes after its %u rows", len - at, rows);
	return rcr_buf_check(out);
}

/* --- the base ---------------------------------------------------------------------------- */

/* What one table of the new archive may take from its match in the base. */
typedef struct base_table {
	const rcr_table *bt;    /* the base's table; NULL: nothing is shared for this one */
	uint32_t bti;
	pthread_mutex_t mu;     /* the pieces of a split table take at once */
	dump_base_index *rows;  /* row hash -> (row group, row) of the rows the base keeps */
	dump_base_index *groups; /* content hash -> row group, for row groups without row hashes */
	uint8_t **taken;        /* per base row group: a bit per row, set once taken */
	uint32_t *ntaken;
	uint64_t *file_size;    /* per base data file, as verified */
	int unmatched;          /* not in the base, or its columns changed (said in the summary) */
} base_table;

struct dump_base {
	const char *path;       /* as given */
	rcr_manifest *m;
	const char *why_not;    /* why nothing at all is shared, or NULL */
	uint32_t ntables;
	base_table *t;          /* per table of the new archive */
	uint32_t unmatched;     /* tables of the new archive with no match */
	rcr_buf scratch;
	rcr_frame_decoder *dec;
	/* what finish did (the metadata's base_* keys) */
	uint64_t shared_rgs, shared_rows, shared_bytes, linked_files, copied_bytes, compacted_rows;
};

static int base_error(const dump_base *b, int rc)
{
	return rcr_error_wrap(rc, "base archive '%s'", b->path);
}

/* The same columns, and the same RCR_TABLE_TEXT: the one table flag that changes what the field
 * streams hold (the others change only how the rows load). */
static int same_columns(const rcr_table *a, const rcr_table *b)
{
	if (a->ncols != b->ncols || (a->flags & RCR_TABLE_TEXT) != (b->flags & RCR_TABLE_TEXT))
		return 0;
	for (uint32_t c = 0; c < a->ncols; c++) {
		const rcr_column *x = &a->cols[c], *y = &b->cols[c];
		/* The type's OID too: a type dropped and made again may send other bytes (a
		 * composite's binary form names its fields' types by OID). */
		if (strcmp(x->name, y->name) || strcmp(x->type_schema, y->type_schema) ||
		    strcmp(x->type_name, y->type_name) || x->type_oid != y->type_oid || x->typmod != y->typmod ||
		    x->type_kind != y->type_kind || x->elem_kind != y->elem_kind)
			return 0;
	}
	return 1;
}

static int cmp_table_name(const void *a, const void *b)
{
	const rcr_table *x = *(const rcr_table *const *)a, *y = *(const rcr_table *const *)b;
	int c = strcmp(x->schema, y->schema);
	return c ? c : strcmp(x->name, y->name);
}

/* Pairs every table of the new archive with the base's of the same name and columns. */
static int match_tables(dump_base *b, const rcr_manifest *m)
{
	const rcr_manifest *bm = b->m;
	const rcr_table **by_name = malloc((bm->ntables ? bm->ntables : 1) * sizeof *by_name);
	if (!by_name)
		return rcr_error_set(RCR_E_NOMEM, "out of memory");
	for (uint32_t i = 0; i < bm->ntables; i++)
		by_name[i] = &bm->tables[i];
	qsort(by_name, bm->ntables, sizeof *by_name, cmp_table_name);
	for (uint32_t i = 0; i < m->ntables; i++) {
		const rcr_table *key = &m->tables[i];
		const rcr_table **hit = bm->ntables ? bsearch(&key, by_name, bm->ntables, sizeof *by_name, cmp_table_name)
						    : NULL;
		if (!hit || !same_columns(*hit, key)) {
			b->t[i].unmatched = 1;
			b->unmatched++;
		} else if ((*hit)->nrgs > 0) {
			b->t[i].bt = *hit;
			b->t[i].bti = (uint32_t)(*hit - bm->tables);
		}
	}
	free(by_name);
	return 0;
}

/* Reads, checks and indexes the row hashes of base row group rgi: every row it keeps. */
static int index_row_hashes(dump_base *b, base_table *bt, int fd, uint64_t size, const char *path, uint32_t rgi)
{
	const rcr_row_group *rg = &bt->bt->rgs[rgi];
	const uint8_t *hashes;
	RCR_FORWARD(rcr_archive_load_row_hashes(&b->scratch, fd, size, path, b->m, bt->bti, rgi, &hashes));
	for (uint32_t r = 0, k = 0; r < rg->row_count; r++) {
		if (k < rg->nskip && rg->skip[k] == r) {
			k++;
			continue;
		}
		RCR_FORWARD(dump_base_index_add(bt->rows, hashes + (size_t)r * RCR_ROW_HASH_SIZE, rgi, r));
	}
	return 0;
}

/* Indexes what base row group rgi holds: its rows by row hash (read and checked here), or,
 * without row hashes, the whole row group by content hash. */
static int index_row_group(dump_base *b, base_table *bt, int fd, uint64_t size, const char *path, uint32_t rgi)
{
	const rcr_row_group *rg = &bt->bt->rgs[rgi];
	if (rg->has_row_hashes)
		return index_row_hashes(b, bt, fd, size, path, rgi);
	/* Without row hashes only a whole row group is shared, by content hash. A table without
	 * columns is left out: its content hash (of no field streams) does not tell row counts
	 * apart. */
	if (rg->nskip == 0 && bt->bt->ncols > 0)
		return dump_base_index_add(bt->groups, rg->content_hash, rgi, 0);
	return 0;
}

/* Opens base data file f of the table (its name checked: it becomes one in the new archive)
 * into fd and path. */
static int open_file(const dump_base *b, const base_table *bt, uint32_t f, int *fd, char *path, size_t cap)
{
	const rcr_table *t = bt->bt;
	/* The name is the base's, untrusted, and becomes one in the new archive: only a data
	 * file's (rcr_archive_path_check already refused '..' and absolute paths). */
	const char *rel = t->files[f];
	size_t n = strlen(rel);
	if (strncmp(rel, "data/", 5) || strchr(rel + 5, '/') || n < 10 || strcmp(rel + n - 4, ".rcd"))
		return rcr_error_set(RCR_E_FORMAT, "table '%s' lists '%s', which is not a data file's name",
				     rcr_name_qualify(t->schema, t->name).s, rcr_text_escape(rel).s);
	*fd = rcr_fs_open_in(b->path, rel, path, cap);
	return *fd < 0 ? *fd : 0;
}

/* Checks base data file f of the table: its size, and the skip list and the stored bytes of
 * every frame of its row groups (the ones the new archive may link). Reads only the base and
 * writes only bt->file_size[f]: the files are checked on several threads at once. */
static int check_file(const dump_base *b, base_table *bt, uint32_t f, rcr_buf *scratch)
{
	const rcr_table *t = bt->bt;
	char path[8192];
	int fd;
	RCR_FORWARD(open_file(b, bt, f, &fd, path, sizeof path));
	struct stat st;
	int rc = fstat(fd, &st) == 0 ? 0 : rcr_error_set(RCR_E_IO, "could not stat '%s': %s", path, strerror(errno));
	if (rc == 0)
		bt->file_size[f] = (uint64_t)st.st_size;
	for (uint32_t rgi = 0; rgi < t->nrgs && rc == 0; rgi++) {
		if (t->rgs[rgi].file != f)
			continue;
		rc = rcr_archive_check_skip(b->m, bt->bti, rgi);
		for (uint32_t c = 0; c < t->ncols && rc == 0; c++)
			rc = rcr_archive_check_frame_stored(scratch, fd, bt->file_size[f], path, b->m, bt->bti, rgi, c);
	}
	close(fd);
	if (rc == 0 && rcr_interrupted())
		rc = rcr_error_set(RCR_E_INTERRUPTED, "interrupted");
	return rc;
}

/* Indexes the row groups of base data file f of the table (checked by check_file). */
static int index_file(dump_base *b, base_table *bt, uint32_t f)
{
	const rcr_table *t = bt->bt;
	char path[8192];
	int fd;
	RCR_FORWARD(open_file(b, bt, f, &fd, path, sizeof path));
	int rc = 0;
	for (uint32_t rgi = 0; rgi < t->nrgs && rc == 0; rgi++)
		if (t->rgs[rgi].file == f)
			rc = index_row_group(b, bt, fd, bt->file_size[f], path, rgi);
	close(fd);
	return rc;
}

/* The index sizes and per-row-group state of a matched table. */
static int table_alloc(base_table *bt)
{
	const rcr_table *t = bt->bt;
	uint64_t rows = 0, groups = 0;
	for (uint32_t i = 0; i < t->nrgs; i++) {
		if (t->rgs[i].has_row_hashes)
			rows += rcr_row_group_live(&t->rgs[i]);
		else
			groups++;
	}
	if (rows > UINT32_MAX / 2)
		return rcr_error_set(RCR_E_LIMIT, "table '%s' has %llu rows with row hashes, more than rcr dump --base indexes",
				     rcr_name_qualify(t->schema, t->name).s, (unsigned long long)rows);
	RCR_FORWARD(dump_base_index_new(&bt->rows, (uint32_t)rows));
	RCR_FORWARD(dump_base_index_new(&bt->groups, (uint32_t)groups));
	bt->taken = calloc(t->nrgs, sizeof *bt->taken);
	bt->ntaken = calloc(t->nrgs, sizeof *bt->ntaken);
	bt->file_size = calloc(t->nfiles ? t->nfiles : 1, sizeof *bt->file_size);
	if (!bt->taken || !bt->ntaken || !bt->file_size)
		return rcr_error_set(RCR_E_NOMEM, "out of memory");
	for (uint32_t i = 0; i < t->nrgs; i++)
		if (!(bt->taken[i] = calloc((size_t)t->rgs[i].row_count / 8 + 1, 1)))
			return rcr_error_set(RCR_E_NOMEM, "out of memory");
	return 0;
}

/* Stored bytes of a row group's frames, its row-hash frame included. */
static uint64_t rg_stored(const rcr_table *t, const rcr_row_group *rg)
{
	uint64_t n = rg->has_row_hashes ? RCR_FRAME_HEADER_SIZE + (uint64_t)rg->row_hashes.stored_size : 0;
	for (uint32_t c = 0; c < t->ncols; c++)
		n += RCR_FRAME_HEADER_SIZE + (uint64_t)rg->frames[c].stored_size;
	return n;
}

static uint64_t rg_raw(const rcr_table *t, const rcr_row_group *rg)
{
	uint64_t n = rg->has_row_hashes ? rg->row_hashes.raw_size : 0;
	for (uint32_t c = 0; c < t->ncols; c++)
		n += rg->frames[c].raw_size;
	return n;
}

/* The base data files to check: (table of the new archive, file of its base table). */
typedef struct file_job {
	uint32_t ti, f;
	uint64_t bytes;
} file_job;

typedef struct check_ctx {
	dump_base *b;
	file_job *jobs;
} check_ctx;

static int cmp_file_job(const void *a, const void *b)
{
	const file_job *x = a, *y = b;
	if (x->bytes != y->bytes)
		return x->bytes < y->bytes ? 1 : -1;
	if (x->ti != y->ti)
		return x->ti < y->ti ? -1 : 1;
	return (x->f > y->f) - (x->f < y->f);
}

static int check_worker(rcr_pool *pool, void *ctx, int worker)
{
	check_ctx *c = ctx;
	rcr_buf scratch = RCR_BUF_INIT;
	uint32_t j;
	int rc = 0;
	while (rc == 0 && rcr_pool_next(pool, &j))
		rc = check_file(c->b, &c->b->t[c->jobs[j].ti], c->jobs[j].f, &scratch);
	rcr_buf_free(&scratch);
	return rc;
}

/*
 * Checks every data file of the matched tables, biggest first, on up to `workers` threads: this
 * reads every stored byte the new archive may share (the whole base, typically), before the
 * COPY and on the critical path, so it uses the cores the COPY will.
 */
static int check_files(dump_base *b, int workers)
{
	uint32_t n = 0;
	for (uint32_t i = 0; i < b->ntables; i++)
		if (b->t[i].bt)
			n += b->t[i].bt->nfiles;
	if (n == 0)
		return 0;
	file_job *jobs = calloc(n, sizeof *jobs);
	if (!jobs)
		return rcr_error_set(RCR_E_NOMEM, "out of memory");
	n = 0;
	for (uint32_t i = 0; i < b->ntables; i++) {
		const rcr_table *t = b->t[i].bt;
		for (uint32_t f = 0; t && f < t->nfiles; f++)
			jobs[n++] = (file_job){.ti = i, .f = f};
		for (uint32_t g = 0; t && g < t->nrgs; g++)
			if (t->rgs[g].file < t->nfiles)
				jobs[n - t->nfiles + t->rgs[g].file].bytes += rg_stored(t, &t->rgs[g]);
	}
	qsort(jobs, n, sizeof *jobs, cmp_file_job);
	check_ctx c = {.b = b, .jobs = jobs};
	rcr_pool *pool = NULL;
	rcr_pool_opts po = {.workers = workers < (int)n ? workers : (int)n, .njobs = n, .work = check_worker, .ctx = &c};
	int rc = rcr_pool_new(&pool, &po);
	if (rc == 0)
		rc = rcr_pool_run(pool);
	rcr_pool_free(pool);
	free(jobs);
	/* An interrupt stops the workers between files, without a failure. */
	if (rc == 0 && rcr_interrupted())
		rc = rcr_error_set(RCR_E_INTERRUPTED, "interrupted");
	return rc;
}

/* Why nothing of this base can be shared with a dump of database_id, or NULL. */
static const char *cannot_share(const rcr_manifest *bm, const char *database_id)
{
	const char *id = rcr_manifest_get_meta(bm, "database_id");
	if (!(bm->required_features & RCR_FEATURE_ROW_IDENTITY) || !id)
		return "it has no row identity (an older rcr dump wrote it)";
	if (!database_id || strcmp(id, database_id))
		return "it is a dump of another database";
	return NULL;
}

int dump_base_open(dump_ctx *d, const char *database_id)
{
	dump_base *b = calloc(1, sizeof *b);
	if (!b)
		return rcr_error_set(RCR_E_NOMEM, "out of memory");
	d->base = b;
	b->path = d->o->base;
	b->scratch = (rcr_buf)RCR_BUF_INIT;
	b->ntables = d->m->ntables;
	b->t = calloc(b->ntables ? b->ntables : 1, sizeof *b->t);
	if (!b->t)
		return rcr_error_set(RCR_E_NOMEM, "out of memory");
	for (uint32_t i = 0; i < b->ntables; i++)
		pthread_mutex_init(&b->t[i].mu, NULL);
	int rc = rcr_archive_open(&b->m, b->path);
	if (rc < 0)
		return base_error(b, rc);
	if ((b->why_not = cannot_share(b->m, database_id))) {
		if (!d->o->common.quiet)
			fprintf(stderr, "rcr: nothing is shared with base archive '%s': %s\n", b->path, b->why_not);
		return 0;
	}
	RCR_FORWARD(rcr_frame_decoder_new(&b->dec, RCR_MAX_FRAME_RAW));
	RCR_FORWARD(match_tables(b, d->m));
	for (uint32_t i = 0; i < b->ntables && rc == 0; i++)
		if (b->t[i].bt)
			rc = table_alloc(&b->t[i]);
	if (rc == 0)
		rc = check_files(b, d->o->jobs);
	for (uint32_t i = 0; i < b->ntables && rc == 0; i++)
		for (uint32_t f = 0; b->t[i].bt && f < b->t[i].bt->nfiles && rc == 0; f++)
			rc = index_file(b, &b->t[i], f);
	return rc < 0 && rc != RCR_E_INTERRUPTED ? base_error(b, rc) : rc;
}

/* --- during the COPY --------------------------------------------------------------------- */

static void mark_taken(base_table *bt, uint32_t rg, uint32_t row)
{
	bt->taken[rg][row >> 3] |= (uint8_t)(1u << (row & 7));
	bt->ntaken[rg]++;
}

/* Takes an entry of x under the table's lock (the pieces of a split table take at once): one
 * row, or with whole, every row of the row group the entry stands for. */
static int take(base_table *bt, dump_base_index *x, const uint8_t *hash, int whole)
{
	if (!x || x->n == 0)
		return 0;
	uint32_t rg, row;
	pthread_mutex_lock(&bt->mu);
	int got = dump_base_index_take(x, hash, &rg, &row);
	if (got && !whole)
		mark_taken(bt, rg, row);
	for (uint32_t r = 0; got && whole && r < bt->bt->rgs[rg].row_count; r++)
		mark_taken(bt, rg, r);
	pthread_mutex_unlock(&bt->mu);
	return got;
}

int dump_base_take(dump_base *b, uint32_t ti, const uint8_t hash[RCR_ROW_HASH_SIZE])
{
	return take(&b->t[ti], b->t[ti].rows, hash, 0);
}

int dump_base_take_group(dump_base *b, uint32_t ti, const uint8_t content_hash[RCR_CONTENT_HASH_SIZE])
{
	return take(&b->t[ti], b->t[ti].groups, content_hash, 1);
}

/* --- after the COPY: link, copy or compact ----------------------------------------------- */

static uint64_t file_live_bytes(const base_table *bt, uint32_t f)
{
	uint64_t live = 0;
	for (uint32_t i = 0; i < bt->bt->nrgs; i++)
		if (bt->bt->rgs[i].file == f && bt->ntaken[i] > 0)
			live += dump_base_live_share(rg_stored(bt->bt, &bt->bt->rgs[i]), bt->ntaken[i],
						     bt->bt->rgs[i].row_count);
	return live;
}

/* Copies src (a base file, opened without following links) to the new file dst, byte for byte. */
static int copy_file(dump_base *b, const char *rel, const char *dst, uint64_t *copied)
{
	char src[8192];
	int in = rcr_fs_open_in(b->path, rel, src, sizeof src);
	if (in < 0)
		return in;
	int out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	int rc = out >= 0 ? 0 : rcr_error_set(RCR_E_IO, "could not create '%s': %s", dst, strerror(errno));
	char buf[1 << 16];
	for (ssize_t n; rc == 0 && (n = read(in, buf, sizeof buf)) != 0;) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			rc = rcr_error_set(RCR_E_IO, "could not read '%s': %s", src, strerror(errno));
		else if ((rc = rcr_fs_write_all(out, buf, (size_t)n, dst)) == 0)
			*copied += (uint64_t)n;
	}
	if (out >= 0 && close(out) != 0 && rc == 0)
		rc = rcr_error_set(RCR_E_IO, "could not close '%s': %s", dst, strerror(errno));
	close(in);
	return rc;
}

/* Lists rel in t's files (so that a failure removes it), then makes it: a hard link to the
 * base's file, or, where the file system cannot link (another file system; one that has no
 * links; a link count at its limit), a copy of its stored bytes. */
static int link_or_copy(dump_base *b, const dump_ctx *d, rcr_table *t, const char *rel, uint32_t *fidx)
{
	char **files = realloc(t->files, (t->nfiles + 1) * sizeof *files);
	if (!files)
		return rcr_error_set(RCR_E_NOMEM, "out of memory");
	t->files = files;
	if (!(files[t->nfiles] = strdup(rel)))
		return rcr_error_set(RCR_E_NOMEM, "out of memory");
	*fidx = t->nfiles++;
	char src[8192], dst[8192];
	snprintf(src, sizeof src, "%s/%s", b->path, rel);
	snprintf(dst, sizeof dst, "%s/%s", d->o->dir, rel);
	if (link(src, dst) == 0) {
		b->linked_files++;
		return 0;
	}
	if (errno != EXDEV && errno != EPERM && errno != EMLINK && errno != ENOTSUP && errno != EOPNOTSUPP)
		return rcr_error_set(RCR_E_IO, "could not link '%s' to '%s': %s", src, dst, strerror(errno));
	return copy_file(b, rel, dst, &b->copied_bytes);
}

/* Adds base row group rgi to t (the new table) as it is, in file fidx: its frames, origin
 * and hashes, with the rows not taken skipped. */
static int add_shared_rg(dump_base *b, const base_table *bt, rcr_table *t, uint32_t fidx, uint32_t rgi)
{
	const rcr_row_group *src = &bt->bt->rgs[rgi];
	uint32_t nskip = src->row_count - bt->ntaken[rgi];
	uint32_t *skip = nskip ? malloc(nskip * sizeof *skip) : NULL;
	if (nskip && !skip)
		return rcr_error_set(RCR_E_NOMEM, "out of memory");
	for (uint32_t r = 0, k = 0; r < src->row_count; r++)
		if (!(bt->taken[rgi][r >> 3] & (1u << (r & 7))))
			skip[k++] = r;
	rcr_row_group *rg;
	int rc = rcr_table_add_row_group(&rg, t);
	if (rc < 0) {
		free(skip);
		return rc;
	}
	memcpy(rg->frames, src->frames, t->ncols * sizeof *rg->frames);
	rg->file = fidx;
	rg->row_count = src->row_count;
	memcpy(rg->content_hash, src->content_hash, sizeof rg->content_hash);
	rg->origin_table = src->origin_table;
	rg->origin_rg = src->origin_rg;
	rg->has_row_hashes = src->has_row_hashes;
	rg->row_hashes = src->row_hashes;
	rg->nskip = nskip;
	rg->skip = skip;
	uint64_t stored = rg_stored(t, rg);
	t->row_count += rcr_row_group_live(rg);
	t->raw_bytes += rg_raw(t, rg);
	t->stored_bytes += stored;
	b->shared_rgs++;
	b->shared_rows += rcr_row_group_live(rg);
	b->shared_bytes += stored;
	return 0;
}

static int share_file(dump_base *b, const dump_ctx *d, const base_table *bt, rcr_table *t, uint32_t f)
{
	uint32_t fidx = UINT32_MAX; /* set by link_or_copy on success */
	RCR_FORWARD(link_or_copy(b, d, t, bt->bt->files[f], &fidx));
	for (uint32_t i = 0; i < bt->bt->nrgs; i++)
		if (bt->bt->rgs[i].file == f && bt->ntaken[i] > 0)
			RCR_FORWARD(add_shared_rg(b, bt, t, fidx, i));
	return 0;
}

/* Compaction: the rows taken from a mostly dead base file, written anew through the archive
 * writer, into data files of the new archive's own (segments, as the COPY's). */
typedef struct compactor {
	dump_base *b;
	dump_ctx *d;
	uint32_t ti;
	rcr_table *t;
	rcr_buf *cols;          /* the row group being gathered */
	uint32_t rows;
	uint64_t bytes;
	rcr_table_writer *w;    /* made on the first row group */
	dump_file file;
	char stem[64];
} compactor;

/* No lock: the COPY is over, nothing else changes the table. No take_group: these rows are
 * written because their base row group is not shared. */
static const rcr_data_sink_vtbl compact_sink = {.create = rcr_dump_file_create, .append = rcr_dump_file_append,
						.discard = rcr_dump_file_discard};

/* The writer, with a piece number after those of the table's jobs, so that its files' names
 * cannot be theirs (dump_copy.c's table_writer_begin names them). */
static int compact_writer(compactor *c)
{
	uint32_t piece = 0;
	for (uint32_t j = 0; j < c->d->njobs; j++)
		if (c->d->jobs[j].table == c->ti && c->d->jobs[j].piece >= piece)
			piece = c->d->jobs[j].piece + 1;
	snprintf(c->stem, sizeof c->stem, "data/%u-%.8s.%u", c->t->oid, c->d->archive_id, piece);
	rcr_table_writer_opts wo = RCR_TABLE_WRITER_OPTS_INIT;
	wo.level = c->d->o->level;
	return rcr_table_writer_new(&c->w, c->t, c->ti, c->stem, &wo, &compact_sink, &c->file);
}

/* Writes the gathered rows as one row group. */
static int compact_flush(compactor *c)
{
	if (c->rows == 0)
		return 0;
	if (!c->w)
		RCR_FORWARD(compact_writer(c));
	RCR_FORWARD(rcr_table_writer_add(c->w, c->cols, c->rows));
	c->b->compacted_rows += c->rows;
	for (uint32_t k = 0; k < c->t->ncols; k++)
		rcr_buf_reset(&c->cols[k]);
	c->rows = 0;
	c->bytes = 0;
	return 0;
}

/* Gathers the rows taken from base row group rgi (decoded from fd), after writing what was
 * gathered if they would make the row group too big. */
static int compact_rg(compactor *c, const base_table *bt, int fd, uint64_t size, const char *path, uint32_t rgi)
{
	const rcr_row_group *rg = &bt->bt->rgs[rgi];
	const rcr_dump_opts *o = c->d->o;
	if (c->bytes + rg_raw(bt->bt, rg) > o->row_group_bytes || c->rows + bt->ntaken[rgi] > o->row_group_rows)
		RCR_FORWARD(compact_flush(c));
	for (uint32_t k = 0; k < bt->bt->ncols; k++) {
		const uint8_t *fields;
		size_t len;
		size_t before = c->cols[k].len;
		RCR_FORWARD(rcr_archive_load_frame(c->b->dec, &c->b->scratch, fd, size, path, c->b->m, bt->bti, rgi, k,
						   &fields, &len));
		RCR_FORWARD(dump_base_copy_fields(&c->cols[k], fields, len, rg->row_count, bt->taken[rgi]));
		c->bytes += c->cols[k].len - before;
	}
	c->rows += bt->ntaken[rgi];
	return 0;
}

static int compact_file(compactor *c, const base_table *bt, uint32_t f)
{
	char path[8192];
	int fd = rcr_fs_open_in(c->b->path, bt->bt->files[f], path, sizeof path);
	if (fd < 0)
		return fd;
	int rc = 0;
	for (uint32_t i = 0; i < bt->bt->nrgs && rc == 0; i++)
		if (bt->bt->rgs[i].file == f && bt->ntaken[i] > 0)
			rc = compact_rg(c, bt, fd, bt->file_size[f], path, i);
	close(fd);
	return rc;
}

/* Links, copies or compacts every base file of table ti from which rows were taken. */
static int finish_table(dump_base *b, dump_ctx *d, uint32_t ti)
{
	const base_table *bt = &b->t[ti];
	rcr_table *t = &d->m->tables[ti];
	compactor c = {.b = b, .d = d, .ti = ti, .t = t, .file = {.dir = d->o->dir, .fd = -1}};
	c.cols = calloc(t->ncols + 1, sizeof *c.cols);
	int rc = c.cols ? 0 : rcr_error_set(RCR_E_NOMEM, "out of memory");
	for (uint32_t f = 0; f < bt->bt->nfiles && rc == 0; f++) {
		uint64_t live = file_live_bytes(bt, f);
		if (live == 0)
			continue;
		if (dump_base_should_link(live, bt->file_size[f]))
			rc = share_file(b, d, bt, t, f);
		else
			rc = compact_file(&c, bt, f);
		if (rc == 0 && rcr_interrupted())
			rc = rcr_error_set(RCR_E_INTERRUPTED, "interrupted");
	}
	if (rc == 0)
		rc = compact_flush(&c);
	int rc2 = rcr_dump_file_close(&c.file);
	rcr_table_writer_free(c.w);
	for (uint32_t k = 0; c.cols && k < t->ncols; k++)
		rcr_buf_free(&c.cols[k]);
	free(c.cols);
	return rc < 0 ? rc : rc2;
}

int dump_base_finish(dump_ctx *d)
{
	dump_base *b = d->base;
	for (uint32_t ti = 0; ti < b->ntables; ti++) {
		if (!b->t[ti].bt)
			continue;
		int rc = finish_table(b, d, ti);
		if (rc < 0)
			return rc == RCR_E_INTERRUPTED ? rc
						       : rcr_error_wrap(rc, "table '%s'", rcr_name_qualify(d->m->tables[ti].schema,
													d->m->tables[ti].name).s);
	}
	return 0;
}

int dump_base_set_meta(const dump_ctx *d)
{
	const dump_base *b = d->base;
	uint64_t stored = 0;
	for (uint32_t i = 0; i < d->m->ntables; i++)
		stored += d->m->tables[i].stored_bytes;
	const char *id = rcr_manifest_get_meta(b->m, "archive_id");
	char v[5][24];
	snprintf(v[0], sizeof v[0], "%llu", (unsigned long long)b->shared_rgs);
	snprintf(v[1], sizeof v[1], "%llu", (unsigned long long)b->shared_bytes);
	snprintf(v[2], sizeof v[2], "%llu", (unsigned long long)b->linked_files);
	snprintf(v[3], sizeof v[3], "%llu", (unsigned long long)b->copied_bytes);
	snprintf(v[4], sizeof v[4], "%llu", (unsigned long long)(stored - b->shared_bytes));
	const char *kv[][2] = {
		{"base_archive_id", id ? id : ""}, {"base_path", b->path},
		{"base_shared_row_groups", v[0]},  {"base_shared_bytes", v[1]},
		{"base_linked_files", v[2]},       {"base_copied_bytes", v[3]},
		{"base_new_bytes", v[4]},
	};
	for (size_t i = 0; i < sizeof kv / sizeof kv[0]; i++)
		RCR_FORWARD(rcr_manifest_set_meta(d->m, kv[i][0], kv[i][1]));
	return 0;
}

void dump_base_report(const dump_ctx *d)
{
	const dump_base *b = d->base;
	if (!b || b->why_not)
		return;
	char s1[32], s2[32];
	fprintf(stderr, "rcr: base '%s': %llu rows shared in %llu row groups (%s stored, %llu files linked, %s copied)",
		rcr_text_escape(b->path).s, (unsigned long long)b->shared_rows, (unsigned long long)b->shared_rgs,
		rcr_fmt_bytes(s1, sizeof s1, b->shared_bytes), (unsigned long long)b->linked_files,
		rcr_fmt_bytes(s2, sizeof s2, b->copied_bytes));
	if (b->compacted_rows)
		fprintf(stderr, ", %llu rows rewritten from mostly dead base files", (unsigned long long)b->compacted_rows);
	fputc('\n', stderr);
	if (b->unmatched == 0)
		return;
	fprintf(stderr, "rcr: base '%s': nothing shared for %u tables not in it or whose columns changed:",
		rcr_text_escape(b->path).s, b->unmatched);
	uint32_t shown = 0;
	for (uint32_t i = 0; i < b->ntables && shown < 5; i++) {
		const rcr_table *t = &d->m->tables[i];
		if (!b->t[i].unmatched)
			continue;
		fprintf(stderr, "%s '%s'", shown ? "," : "", rcr_name_qualify(t->schema, t->name).s);
		shown++;
	}
	fprintf(stderr, "%s\n", b->unmatched > shown ? ", ..." : "");
}

void dump_base_free(dump_base *b)
{
	if (!b)
		return;
	for (uint32_t i = 0; i < b->ntables; i++) {
		base_table *bt = &b->t[i];
		dump_base_index_free(bt->rows);
		dump_base_index_free(bt->groups);
		for (uint32_t r = 0; bt->taken && r < bt->bt->nrgs; r++)
			free(bt->taken[r]);
		free(bt->taken);
		free(bt->ntaken);
		free(bt->file_size);
		pthread_mutex_destroy(&bt->mu);
	}
	free(b->t);
	rcr_buf_free(&b->scratch);
	rcr_frame_decoder_free(b->dec);
	rcr_manifest_free(b->m);
	free(b);
}
