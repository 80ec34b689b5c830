/*
 * corrupt_sweep.c: the corruption sweep of tests/integration/corruption_test.sh.
 *
 *   corrupt_sweep list  PRISTINE                 every case: id, kind, file, description
 *   corrupt_sweep sweep PRISTINE WORK RCR [K/N]  run `RCR verify` on every case (or shard K of N)
 *   corrupt_sweep apply PRISTINE WORK ID         apply case ID to WORK (a fresh copy), for restore
 *   corrupt_sweep forge-last PRISTINE WORK TABLE forge a flip in the middle of the stored bytes of
 *                                                the first column's frame of TABLE's (a name)
 *                                                last row group, checksums recomputed, so that a
 *                                                restore meets it after the table's first runs
 *
 * PRISTINE is an archive that verifies; WORK is a copy of it that the sweep damages one case at
 * a time and repairs after each (so a sweep costs one copy, not one per case). The cases come
 * from PRISTINE's manifest, so they cover every kind of file the archive has:
 *
 *   manifest.rcr  every header byte and every checksum byte flipped, a spread of body offsets
 *                 flipped, truncations; "forged" flips with the checksum recomputed (what an
 *                 attacker, not an accident, produces); paths pointing outside the archive
 *                 (../, absolute, ./, //) in each place a path can be; frame sizes beyond limits
 *   data files    every header byte of the first frame of each table's first file and of the
 *                 last frame of the biggest file; one byte of every header field of the first
 *                 frame of every other file; header flips with Header_Check recomputed (so the
 *                 header must disagree with the manifest to be caught); a spread of stored
 *                 bytes; truncations, including at each frame boundary's neighbours; an
 *                 appended byte; "forged" flips in the stored bytes of the first frame of each
 *                 codec and compression, with Stored_Hash, Header_Check and the manifest's copy
 *                 recomputed, so the damage reaches zstd and the codec decoders
 *   schema files  the first bytes and a spread of offsets of every schema file; truncations
 *   every file    missing, empty, a directory, a FIFO (a reader must not wait on it), a
 *                 symbolic link to an identical copy; data/ and the schema directory replaced
 *                 by a symbolic link to an identical copy
 *
 * Judgement of a case, from verify's exit status and output:
 *   caught    exit 2 (damaged) or 3 (I/O) and a "problem:" line that names the file (and, for
 *             a data file, the table and the frame or the data file size)
 *   harmless  only "forged" cases may pass verify, and a byte appended to a data file of an
 *             archive with row identity, whose data files may hold unreferenced bytes. A forged manifest with a flipped byte of a
 *             name, an oid or a metadata value is a different but well-formed archive that no
 *             reader can tell from a real one (the spec's non-goals: checksums do not
 *             authenticate). A forged frame that passes decoded to a field stream matching its
 *             Raw_Hash, so restore would send exactly the bytes the dump read (a flip of a zstd
 *             header bit that decoding ignores does that). Every other case passing is a failure.
 *   failure   anything else: exit 0 where damage must be caught, a signal, an ASan or UBSan
 *             report, a timeout (hang), an allocation above the limit (ASan's
 *             max_allocation_size_mb), exit 6 (internal), or a message that names no file
 * The sweep prints counts (tried, caught, harmless, failed) per file kind and exits 1 on any
 * failure.
 */
#include "rcr/archive.h"
#include "rcr/codec.h"
#include "rcr/err.h"
#include "rcr/frame.h"
#include "rcr/fsutil.h"
#include "rcr/manifest.h"
#include "rcr/text.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define TIMEOUT_S 20

enum kind { K_MANIFEST, K_DATA, K_SCHEMA, K_DIR, K_COUNT };
static const char *const kind_names[K_COUNT] = {"manifest", "data", "schema", "directory"};

enum op {
	OP_FLIP,        /* xor mask at off */
	OP_TRUNC,       /* truncate to off */
	OP_APPEND,      /* one byte appended */
	OP_RESEAL_HDR,  /* flip at off inside a frame header at base, Header_Check recomputed */
	OP_FORGE_FLIP,  /* flip at off in the manifest, manifest checksum recomputed */
	OP_FORGE_PATH,  /* manifest re-encoded with a hostile path (variant in off) */
	OP_FORGE_SIZE,  /* manifest re-encoded with a hostile frame size (variant in off) */
	OP_FORGE_STORED, /* flip at off in the stored bytes of the frame at base, with its
			  * Stored_Hash and Header_Check and the manifest's copy recomputed */
	OP_MISSING,
	OP_EMPTY,
	OP_DIRECTORY,
	OP_FIFO,
	OP_SYMLINK,     /* the file replaced by a link to an identical copy outside the archive */
};

typedef struct sweep_case {
	enum kind kind;
	enum op op;
	char rel[512];      /* the file, relative to the archive */
	char table[RCR_SHOWN_SIZE]; /* for data files: schema.name as messages show it (rcr_name_qualify) */
	char tschema[128], tname[160];
	uint64_t off, base;
	uint8_t mask;
	int may_pass;
	char what[160];
} sweep_case;

static sweep_case *cases;
static size_t ncases, cap_cases;

static sweep_case *add(enum kind k, enum op op, const char *rel, uint64_t off, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
static sweep_case *add(enum kind k, enum op op, const char *rel, uint64_t off, const char *fmt, ...)
{
	if (ncases == cap_cases) {
		cap_cases = cap_cases ? cap_cases * 2 : 1024;
		cases = realloc(cases, cap_cases * sizeof *cases);
		if (!cases) {
			perror("realloc");
			exit(2);
		}
	}
	sweep_case *c = &cases[ncases++];
	memset(c, 0, sizeof *c);
	c->kind = k;
	c->op = op;
	snprintf(c->rel, sizeof c->rel, "%s", rel);
	c->off = off;
	/* Alternate single-bit flips (the classic media error) with whole-byte inversions. */
	c->mask = (uint8_t)((off & 1) ? 0xFF : (1u << (off % 8)));
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(c->what, sizeof c->what, fmt, ap);
	va_end(ap);
	return c;
}

static uint64_t file_size(const char *dir, const char *rel)
{
	char p[4096];
	snprintf(p, sizeof p, "%s/%s", dir, rel);
	struct stat st;
	if (stat(p, &st) != 0) {
		perror(p);
		exit(2);
	}
	return (uint64_t)st.st_size;
}

/* n offsets spread evenly over [lo, hi). */
static void spread(enum kind k, enum op op, const char *rel, uint64_t lo, uint64_t hi, unsigned n, const char *label)
{
	if (hi <= lo)
		return;
	uint64_t span = hi - lo;
	if (n > span)
		n = (unsigned)span;
	for (unsigned i = 0; i < n; i++) {
		uint64_t off = lo + span * i / n + (span / n) / 2;
		add(k, op, rel, off, "%s %s at %llu", label, op == OP_TRUNC ? "truncated" : "flipped", (unsigned long long)off);
	}
}

static void file_forms(enum kind k, const char *rel, const char *table, uint64_t size)
{
	static const struct {
		enum op op;
		const char *what;
	} forms[] = {
		{OP_MISSING, "missing"}, {OP_EMPTY, "empty"}, {OP_DIRECTORY, "a directory"},
		{OP_FIFO, "a FIFO"}, {OP_SYMLINK, "a symbolic link to an identical copy"},
	};
	for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
		if (forms[i].op == OP_EMPTY && size == 0)
			continue; /* already empty (a table without columns): not damage */
		sweep_case *c = add(k, forms[i].op, rel, 0, "%s is %s", rel, forms[i].what);
		if (table)
			snprintf(c->table, sizeof c->table, "%s", table);
	}
}

/* The pristine archive's manifest (caller frees); a sweep without it cannot run. */
static rcr_manifest *open_pristine(const char *pristine)
{
	rcr_manifest *m;
	if (rcr_archive_open(&m, pristine) < 0) {
		fprintf(stderr, "corrupt_sweep: %s\n", rcr_error_message());
		exit(2);
	}
	return m;
}

static void build_cases(const char *pristine)
{
	rcr_manifest *m = open_pristine(pristine);
	/* manifest.rcr */
	const char *mf = RCR_MANIFEST_NAME;
	uint64_t ms = file_size(pristine, mf);
	for (uint64_t o = 0; o < RCR_MANIFEST_HEADER_SIZE; o++)
		add(K_MANIFEST, OP_FLIP, mf, o, "manifest header byte %llu flipped", (unsigned long long)o);
	for (uint64_t o = ms - 8; o < ms; o++)
		add(K_MANIFEST, OP_FLIP, mf, o, "manifest checksum byte %llu flipped", (unsigned long long)o);
	spread(K_MANIFEST, OP_FLIP, mf, RCR_MANIFEST_HEADER_SIZE, ms - 8, 32, "manifest body");
	static const uint64_t mt[] = {0, 1, 7, 8, 31, 32, 33, 39, 40};
	for (size_t i = 0; i < sizeof mt / sizeof mt[0]; i++)
		add(K_MANIFEST, OP_TRUNC, mf, mt[i], "manifest truncated to %llu bytes", (unsigned long long)mt[i]);
	add(K_MANIFEST, OP_TRUNC, mf, ms - 9, "manifest truncated inside its body");
	add(K_MANIFEST, OP_TRUNC, mf, ms - 8, "manifest without its checksum");
	add(K_MANIFEST, OP_TRUNC, mf, ms - 1, "manifest short of one byte");
	spread(K_MANIFEST, OP_TRUNC, mf, 41, ms - 9, 8, "manifest");
	add(K_MANIFEST, OP_APPEND, mf, ms, "manifest with a byte appended");
	for (uint64_t i = 0; i < 24; i++) {
		uint64_t o = RCR_MANIFEST_HEADER_SIZE + (ms - 8 - RCR_MANIFEST_HEADER_SIZE) * i / 24 + 3;
		sweep_case *c = add(K_MANIFEST, OP_FORGE_FLIP, mf, o, "forged: manifest byte %llu flipped, checksum recomputed",
				    (unsigned long long)o);
		c->may_pass = 1;
	}
	for (uint64_t v = 0; v < 11; v++)
		add(K_MANIFEST, OP_FORGE_PATH, mf, v, "forged: hostile path variant %llu", (unsigned long long)v);
	for (uint64_t v = 0; v < 6; v++)
		add(K_MANIFEST, OP_FORGE_SIZE, mf, v, "forged: hostile frame size variant %llu", (unsigned long long)v);
	file_forms(K_MANIFEST, mf, NULL, ms);

	/* data files. Two focus tables get every header byte of their first frame flipped (plain
	 * and resealed): the table of the biggest file (vector codecs, zstd) and the table with the
	 * most columns (the type matrix: raw frames of every type). Every other table's first file
	 * gets one byte of each main header field; further pieces of a table a few bytes. */
	uint32_t focus_big = 0, focus_wide = 0;
	uint64_t biggest_size = 0;
	const char *biggest = NULL;
	for (uint32_t ti = 0; ti < m->ntables; ti++) {
		const rcr_table *t = &m->tables[ti];
		if (t->ncols > m->tables[focus_wide].ncols)
			focus_wide = ti;
		for (uint32_t f = 0; f < t->nfiles; f++) {
			uint64_t sz = file_size(pristine, t->files[f]);
			if (sz > biggest_size) {
				biggest_size = sz;
				biggest = t->files[f];
				focus_big = ti;
			}
		}
	}
	for (uint32_t ti = 0; ti < m->ntables; ti++) {
		const rcr_table *t = &m->tables[ti];
		int focus = ti == focus_big || ti == focus_wide;
		char table[RCR_SHOWN_SIZE];
		snprintf(table, sizeof table, "%s", rcr_name_qualify(t->schema, t->name).s);
		for (uint32_t f = 0; f < t->nfiles; f++) {
			const char *rel = t->files[f];
			uint64_t sz = file_size(pristine, rel);
			size_t first_case = ncases;
			/* The frame at the lowest offset in this file, and the one at the highest. */
			const rcr_frame_ref *lo = NULL, *hi = NULL;
			for (uint32_t g = 0; g < t->nrgs; g++)
				for (uint32_t c = 0; c < t->ncols && t->rgs[g].file == f; c++) {
					const rcr_frame_ref *r = &t->rgs[g].frames[c];
					if (!lo || r->offset < lo->offset)
						lo = r;
					if (!hi || r->offset > hi->offset)
						hi = r;
				}
			if (!lo) {
				/* A table without columns has a data file without frames. */
				sweep_case *c = add(K_DATA, OP_APPEND, rel, sz, "%s (no frames) with a byte appended", rel);
				c->may_pass = (m->required_features & RCR_FEATURE_ROW_IDENTITY) != 0;
			} else if (f == 0) {
				/* Magic, codec, compression, flags, table, row group, column, row count, raw
				 * size (low and high byte), content size, stored size (low and high), both
				 * hashes, reserved, header check. */
				static const uint64_t fields[] = {0, 4, 5, 6, 8, 12, 16, 20, 24, 31, 32, 36, 39, 40, 48, 56, 60};
				static const uint64_t resealed[] = {5, 12, 20, 24, 36, 48};
				size_t nf = focus ? RCR_FRAME_HEADER_SIZE : sizeof fields / sizeof fields[0];
				for (size_t i = 0; i < nf; i++) {
					uint64_t o = focus ? i : fields[i];
					add(K_DATA, OP_FLIP, rel, lo->offset + o, "%s first frame header byte %llu flipped", rel,
					    (unsigned long long)o);
				}
				nf = focus ? 28 : sizeof resealed / sizeof resealed[0];
				for (size_t i = 0; i < nf; i++) {
					uint64_t o = focus ? 4 + 2 * i : resealed[i];
					sweep_case *c = add(K_DATA, OP_RESEAL_HDR, rel, lo->offset + o,
							    "%s first frame header byte %llu flipped, Header_Check recomputed", rel,
							    (unsigned long long)o);
					c->base = lo->offset;
				}
			} else {
				static const uint64_t few[] = {4, 20, 36};
				for (size_t i = 0; i < 3; i++)
					add(K_DATA, OP_FLIP, rel, lo->offset + few[i], "%s frame header byte %llu flipped", rel,
					    (unsigned long long)few[i]);
			}
			if (lo) {
				spread(K_DATA, OP_FLIP, rel, lo->offset + RCR_FRAME_HEADER_SIZE, sz, f ? 2 : focus ? 12 : 4, rel);
				add(K_DATA, OP_TRUNC, rel, 0, "%s truncated to 0 bytes", rel);
				add(K_DATA, OP_TRUNC, rel, sz - 1, "%s short of its last byte", rel);
				if (f == 0) {
					add(K_DATA, OP_TRUNC, rel, RCR_FRAME_HEADER_SIZE - 1, "%s truncated inside the first frame header", rel);
					add(K_DATA, OP_TRUNC, rel, hi->offset, "%s truncated before its last frame", rel);
					spread(K_DATA, OP_TRUNC, rel, RCR_FRAME_HEADER_SIZE, sz - 1, focus ? 6 : 2, rel);
				}
				/* With row identity (Required_Features bit 1) a data file may hold bytes no
				 * frame of the manifest covers (frames of a shared file that this archive
				 * no longer references): verify then checks the frames, not the size. */
				sweep_case *c = add(K_DATA, OP_APPEND, rel, sz, "%s with a byte appended", rel);
				c->may_pass = (m->required_features & RCR_FEATURE_ROW_IDENTITY) != 0;
			}
			if (f == 0)
				file_forms(K_DATA, rel, table, sz);
			for (size_t i = first_case; i < ncases; i++) {
				snprintf(cases[i].table, sizeof cases[i].table, "%s", table);
				snprintf(cases[i].tschema, sizeof cases[i].tschema, "%s", t->schema);
				snprintf(cases[i].tname, sizeof cases[i].tname, "%s", t->name);
			}
		}
	}
	/* Header bytes of the last frame of the biggest file too (every 4th: one per field). */
	for (uint32_t ti = 0; ti < m->ntables && biggest; ti++) {
		const rcr_table *t = &m->tables[ti];
		for (uint32_t f = 0; f < t->nfiles; f++) {
			if (strcmp(t->files[f], biggest) != 0)
				continue;
			const rcr_frame_ref *hi = NULL;
			for (uint32_t g = 0; g < t->nrgs; g++)
				for (uint32_t c = 0; c < t->ncols && t->rgs[g].file == f; c++)
					if (!hi || t->rgs[g].frames[c].offset > hi->offset)
						hi = &t->rgs[g].frames[c];
			for (uint64_t o = 0; hi && o < RCR_FRAME_HEADER_SIZE; o += 4) {
				sweep_case *c = add(K_DATA, OP_FLIP, biggest, hi->offset + o, "%s last frame header byte %llu flipped",
						    biggest, (unsigned long long)o);
				snprintf(c->table, sizeof c->table, "%s", rcr_name_qualify(t->schema, t->name).s);
				snprintf(c->tschema, sizeof c->tschema, "%s", t->schema);
				snprintf(c->tname, sizeof c->tname, "%s", t->name);
			}
		}
	}
	/* Forged stored bytes: a flip inside a frame's stored bytes with every checksum above it
	 * recomputed (frame header and manifest), so the bytes reach zstd and the codec. The
	 * decoded field stream must then differ from Raw_Hash and be caught, or the flip changed
	 * nothing that decoding sees (a zstd header field such as the window size): the case is
	 * harmless because the field stream still matches Raw_Hash, i.e. restore would send the
	 * very bytes the dump read. Frames: the first frame of each codec and compression in use. */
	unsigned seen[RCR_CODEC_COUNT][RCR_COMPRESSION_COUNT] = {{0}};
	for (uint32_t ti = 0; ti < m->ntables; ti++) {
		const rcr_table *t = &m->tables[ti];
		for (uint32_t g = 0; g < t->nrgs; g++)
			for (uint32_t c = 0; c < t->ncols; c++) {
				const rcr_frame_ref *r = &t->rgs[g].frames[c];
				if (r->codec >= RCR_CODEC_COUNT || r->compression >= RCR_COMPRESSION_COUNT ||
				    seen[r->codec][r->compression]++ || r->stored_size == 0)
					continue;
				const char *rel = t->files[t->rgs[g].file];
				unsigned n = r->stored_size < 8 ? r->stored_size : 8;
				for (unsigned i = 0; i < n; i++) {
					/* The first bytes (zstd's frame header) and a spread over the rest. */
					uint64_t o = i < 4 || n < 8 ? i : 4 + (uint64_t)(r->stored_size - 4) * (i - 4) / (n - 4);
					if (o >= r->stored_size)
						continue;
					sweep_case *k = add(K_DATA, OP_FORGE_STORED, rel, r->offset + RCR_FRAME_HEADER_SIZE + o,
							    "forged: %s %s/%s frame stored byte %llu flipped, checksums recomputed", rel,
							    rcr_codec_get(r->codec)->name, rcr_compression_name(r->compression),
							    (unsigned long long)o);
					k->base = r->offset;
					k->may_pass = 1;
					snprintf(k->table, sizeof k->table, "%s", rcr_name_qualify(t->schema, t->name).s);
					snprintf(k->tschema, sizeof k->tschema, "%s", t->schema);
					snprintf(k->tname, sizeof k->tname, "%s", t->name);
				}
			}
	}
	/* schema files */
	for (uint32_t i = 0; i < m->nschema_files; i++) {
		char rel[512];
		snprintf(rel, sizeof rel, "%s%s%s", m->schema_dir, m->schema_dir[0] ? "/" : "", m->schema_files[i].name);
		uint64_t sz = m->schema_files[i].size;
		int toc = strcmp(m->schema_files[i].name, "toc.dat") == 0;
		for (uint64_t o = 0; o < sz && o < (toc ? 16u : 4u); o++)
			add(K_SCHEMA, OP_FLIP, rel, o, "%s byte %llu flipped", rel, (unsigned long long)o);
		spread(K_SCHEMA, OP_FLIP, rel, toc ? 16 : 4, sz, toc ? 16 : 6, rel);
		add(K_SCHEMA, OP_TRUNC, rel, 0, "%s truncated to 0 bytes", rel);
		add(K_SCHEMA, OP_TRUNC, rel, sz - 1, "%s short of its last byte", rel);
		spread(K_SCHEMA, OP_TRUNC, rel, 1, sz - 1, toc ? 6 : 2, rel);
		add(K_SCHEMA, OP_APPEND, rel, sz, "%s with a byte appended", rel);
		if (toc || i == 0)
			file_forms(K_SCHEMA, rel, NULL, sz);
	}
	/* Directories as symbolic links to identical copies, or missing, or not directories. */
	add(K_DIR, OP_SYMLINK, "data", 0, "data/ is a symbolic link to an identical copy");
	add(K_DIR, OP_MISSING, "data", 0, "data/ is missing");
	add(K_DIR, OP_EMPTY, "data", 0, "data is an empty regular file");
	add(K_DIR, OP_FIFO, "data", 0, "data is a FIFO");
	if (m->schema_dir[0]) {
		add(K_DIR, OP_SYMLINK, m->schema_dir, 0, "%s/ is a symbolic link to an identical copy", m->schema_dir);
		add(K_DIR, OP_MISSING, m->schema_dir, 0, "%s/ is missing", m->schema_dir);
		add(K_DIR, OP_FIFO, m->schema_dir, 0, "%s is a FIFO", m->schema_dir);
	}
	rcr_manifest_free(m);
}

/* ---- applying and undoing a case ---- */

static void die(const char *what, const char *path)
{
	fprintf(stderr, "corrupt_sweep: %s '%s': %s\n", what, path, strerror(errno));
	exit(2);
}

static uint8_t *slurp(const char *path, size_t *n)
{
	rcr_buf b = RCR_BUF_INIT;
	if (rcr_fs_read_file(&b, path, (uint64_t)1 << 30) < 0) {
		fprintf(stderr, "corrupt_sweep: %s\n", rcr_error_message());
		exit(2);
	}
	*n = b.len;
	return b.data ? b.data : calloc(1, 1);
}

static void spit(const char *path, const uint8_t *p, size_t n)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		die("create", path);
	if (n && write(fd, p, n) != (ssize_t)n)
		die("write", path);
	close(fd);
}

/* Encodes m (checksum recomputed) as work's manifest, then frees it. */
static void write_manifest(const char *work, rcr_manifest *m)
{
	rcr_buf b = RCR_BUF_INIT;
	if (rcr_manifest_encode(&b, m) < 0) {
		fprintf(stderr, "corrupt_sweep: %s\n", rcr_error_message());
		exit(2);
	}
	char path[4096];
	snprintf(path, sizeof path, "%s/%s", work, RCR_MANIFEST_NAME);
	spit(path, b.data, b.len);
	rcr_buf_free(&b);
	rcr_manifest_free(m);
}

static int run(const char *cmd)
{
	int rc = system(cmd);
	if (rc != 0) {
		fprintf(stderr, "corrupt_sweep: '%s' failed\n", cmd);
		exit(2);
	}
	return 0;
}

/* Re-encodes the pristine manifest with one hostile change and writes it to work. */
static void forge_manifest(const char *pristine, const char *work, const sweep_case *c)
{
	rcr_manifest *m = open_pristine(pristine);
	/* The first table with a file and a frame. */
	rcr_table *t = NULL;
	for (uint32_t i = 0; i < m->ntables && !t; i++)
		if (m->tables[i].nfiles && m->tables[i].nrgs && m->tables[i].ncols)
			t = &m->tables[i];
	if (!t) {
		fprintf(stderr, "corrupt_sweep: no table with frames to forge\n");
		exit(2);
	}
	if (c->op == OP_FORGE_PATH) {
		static const char *const bad_files[] = {"../escape.rcd", "/etc/passwd", "data/../../escape.rcd", "./data/x.rcd",
							"data//x.rcd", "data/x.rcd/", "data/x y.rcd"};
		static const char *const bad_dirs[] = {"../schema", "/tmp"};
		static const char *const bad_names[] = {"../toc.dat", "/etc/passwd"};
		char **slot;
		const char *v;
		if (c->off < 7) {
			slot = &t->files[0];
			v = bad_files[c->off];
		} else if (c->off < 9) {
			slot = &m->schema_dir;
			v = bad_dirs[c->off - 7];
		} else {
			if (!m->nschema_files) {
				fprintf(stderr, "corrupt_sweep: archive has no schema files\n");
				exit(2);
			}
			slot = &m->schema_files[0].name;
			v = bad_names[c->off - 9];
		}
		free(*slot);
		*slot = strdup(v);
	} else {
		rcr_frame_ref *f = &t->rgs[0].frames[0];
		switch (c->off) {
		/* Totals are kept consistent, so that the manifest itself is well formed and the
		 * hostile size reaches the frame reader. */
		case 0: t->raw_bytes += ((uint64_t)1 << 40) - f->raw_size; f->raw_size = (uint64_t)1 << 40; break;
		case 1: t->raw_bytes += RCR_MAX_FRAME_RAW - f->raw_size; f->raw_size = RCR_MAX_FRAME_RAW; break;
		case 2: t->stored_bytes += UINT32_MAX - (uint64_t)f->stored_size; f->stored_size = UINT32_MAX; break;
		case 3: f->offset = UINT64_MAX - 8; break;
		case 4: f->content_size = UINT32_MAX; break;
		default: t->row_count += UINT32_MAX - (uint64_t)t->rgs[0].row_count; t->rgs[0].row_count = UINT32_MAX; break;
		}
	}
	write_manifest(work, m);
}

/* Writes the pristine manifest with the stored hash of the frame at (c->rel, c->base)
 * replaced, checksum recomputed: the manifest's copy of a forged frame header. */
static void forge_stored_hash(const char *pristine, const char *work, const sweep_case *c, uint64_t hash)
{
	rcr_manifest *m = open_pristine(pristine);
	int found = 0;
	for (uint32_t ti = 0; ti < m->ntables; ti++) {
		rcr_table *t = &m->tables[ti];
		for (uint32_t g = 0; g < t->nrgs; g++)
			for (uint32_t k = 0; k < t->ncols; k++)
				if (t->rgs[g].frames[k].offset == c->base && strcmp(t->files[t->rgs[g].file], c->rel) == 0) {
					t->rgs[g].frames[k].stored_hash = hash;
					found++;
				}
	}
	if (found != 1) {
		fprintf(stderr, "corrupt_sweep: frame at '%s' offset %llu found %d times\n", c->rel,
			(unsigned long long)c->base, found);
		exit(2);
	}
	write_manifest(work, m);
}

static void apply(const char *pristine, const char *work, const sweep_case *c)
{
	char path[4096], cmd[32768];
	snprintf(path, sizeof path, "%s/%s", work, c->rel);
	size_t n;
	uint8_t *d;
	switch (c->op) {
	case OP_FLIP:
	case OP_FORGE_FLIP:
	case OP_RESEAL_HDR:
		d = slurp(path, &n);
		d[c->off] ^= c->mask;
		if (c->op == OP_FORGE_FLIP)
			rcr_store_u64le(d + n - 8, rcr_hash64(d, n - 8));
		if (c->op == OP_RESEAL_HDR)
			rcr_store_u32le(d + c->base + 60, (uint32_t)rcr_hash64(d + c->base, 60));
		spit(path, d, n);
		free(d);
		break;
	case OP_TRUNC:
		if (truncate(path, (off_t)c->off) != 0)
			die("truncate", path);
		break;
	case OP_APPEND: {
		int fd = open(path, O_WRONLY | O_APPEND);
		if (fd < 0 || write(fd, "\0", 1) != 1)
			die("append to", path);
		close(fd);
		break;
	}
	case OP_FORGE_PATH:
	case OP_FORGE_SIZE:
		forge_manifest(pristine, work, c);
		break;
	case OP_FORGE_STORED: {
		d = slurp(path, &n);
		d[c->off] ^= c->mask;
		uint8_t *h = d + c->base;
		uint32_t stored = rcr_load_u32le(h + 36);
		uint64_t hash = rcr_hash64(h + RCR_FRAME_HEADER_SIZE, stored);
		rcr_store_u64le(h + 40, hash);
		rcr_store_u32le(h + 60, (uint32_t)rcr_hash64(h, 60));
		spit(path, d, n);
		free(d);
		forge_stored_hash(pristine, work, c, hash);
		break;
	}
	case OP_MISSING:
		if (c->kind == K_DIR) {
			snprintf(cmd, sizeof cmd, "rm -rf '%s'", path);
			run(cmd);
			break;
		}
		if (unlink(path) != 0)
			die("remove", path);
		break;
	case OP_EMPTY:
		if (c->kind == K_DIR) {
			snprintf(cmd, sizeof cmd, "rm -rf '%s'", path);
			run(cmd);
		}
		spit(path, NULL, 0);
		break;
	case OP_DIRECTORY:
		if (unlink(path) != 0 || mkdir(path, 0700) != 0)
			die("replace with a directory", path);
		break;
	case OP_FIFO:
		if (c->kind == K_DIR) {
			snprintf(cmd, sizeof cmd, "rm -rf '%s'", path);
			run(cmd);
		} else if (unlink(path) != 0) {
			die("remove", path);
		}
		if (mkfifo(path, 0600) != 0)
			die("replace with a FIFO", path);
		break;
	case OP_SYMLINK: {
		/* An identical copy outside the archive: the bytes are right, the link is not. */
		char copy[4200];
		snprintf(copy, sizeof copy, "%s.linked", work);
		snprintf(cmd, sizeof cmd, "rm -rf '%s' && mv '%s' '%s' && ln -s '%s' '%s'", copy, path, copy, copy, path);
		run(cmd);
		break;
	}
	}
}

/* Puts the damaged file back from the pristine archive. */
static void undo(const char *pristine, const char *work, const sweep_case *c)
{
	char from[4096], to[4096], cmd[16384];
	snprintf(from, sizeof from, "%s/%s", pristine, c->rel);
	snprintf(to, sizeof to, "%s/%s", work, c->rel);
	if (c->op == OP_FORGE_PATH || c->op == OP_FORGE_SIZE) {
		snprintf(from, sizeof from, "%s/%s", pristine, RCR_MANIFEST_NAME);
		snprintf(to, sizeof to, "%s/%s", work, RCR_MANIFEST_NAME);
	}
	if (c->op == OP_SYMLINK || c->op == OP_DIRECTORY || c->op == OP_FIFO || c->kind == K_DIR) {
		snprintf(cmd, sizeof cmd, "rm -rf '%s' '%s.linked' && cp -a '%s' '%s'", to, work, from, to);
		run(cmd);
		return;
	}
	size_t n;
	uint8_t *d = slurp(from, &n);
	spit(to, d, n);
	free(d);
	if (c->op == OP_FORGE_STORED) {
		snprintf(from, sizeof from, "%s/%s", pristine, RCR_MANIFEST_NAME);
		snprintf(to, sizeof to, "%s/%s", work, RCR_MANIFEST_NAME);
		d = slurp(from, &n);
		spit(to, d, n);
		free(d);
	}
}

/* ---- running verify ---- */

typedef struct outcome {
	int status;        /* exit status, or -1 */
	int sig;           /* terminating signal, or 0 */
	int timed_out;
	long maxrss_kb;
	char out[8192];    /* stdout and stderr */
} outcome;

static void run_verify(outcome *o, const char *rcr, const char *work)
{
	memset(o, 0, sizeof *o);
	o->status = -1;
	char tmpl[] = "/tmp/rcr-sweep-out.XXXXXX";
	int ofd = mkstemp(tmpl);
	if (ofd < 0)
		die("create", tmpl);
	unlink(tmpl);
	pid_t pid = fork();
	if (pid < 0)
		die("fork", rcr);
	if (pid == 0) {
		dup2(ofd, 1);
		dup2(ofd, 2);
		/* Sanitizer findings get their own exit codes, and any single allocation above
		 * 256 MiB is a finding: the archive is a few MiB. */
		setenv("ASAN_OPTIONS", "exitcode=97:max_allocation_size_mb=256:allocator_may_return_null=0:detect_leaks=1", 1);
		setenv("UBSAN_OPTIONS", "halt_on_error=1:exitcode=98:print_stacktrace=1", 1);
		execl(rcr, rcr, "verify", "-j", "1", work, (char *)NULL);
		_exit(127);
	}
	struct timespec t0, now;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		int st;
		struct rusage ru;
		pid_t w = wait4(pid, &st, WNOHANG, &ru);
		if (w == pid) {
			if (WIFEXITED(st))
				o->status = WEXITSTATUS(st);
			else if (WIFSIGNALED(st))
				o->sig = WTERMSIG(st);
			o->maxrss_kb = ru.ru_maxrss;
			break;
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec - t0.tv_sec >= TIMEOUT_S) {
			o->timed_out = 1;
			kill(pid, SIGKILL);
			waitpid(pid, &st, 0);
			break;
		}
		usleep(2000);
	}
	ssize_t r = pread(ofd, o->out, sizeof o->out - 1, 0);
	o->out[r > 0 ? r : 0] = 0;
	close(ofd);
}

/* The first output line that names the file (by its archive-relative path). */
static const char *line_naming(const char *out, const char *rel)
{
	for (const char *l = out; *l;) {
		const char *e = strchr(l, '\n');
		size_t n = e ? (size_t)(e - l) : strlen(l);
		char line[4096];
		snprintf(line, sizeof line, "%.*s", (int)(n < sizeof line ? n : sizeof line - 1), l);
		if (strstr(line, rel) && (strncmp(line, "problem: ", 9) == 0 || strstr(line, "error: ")))
			return l;
		if (!e)
			break;
		l = e + 1;
	}
	return NULL;
}

/* NULL if the outcome is acceptable for the case, else why not. */
static const char *judge(const sweep_case *c, const outcome *o, int *harmless)
{
	*harmless = 0;
	if (o->timed_out)
		return "timed out (hang)";
	if (o->sig)
		return "killed by a signal";
	if (o->status == 97 || strstr(o->out, "AddressSanitizer") || strstr(o->out, "LeakSanitizer"))
		return "AddressSanitizer report (memory error, leak or oversized allocation)";
	if (o->status == 98 || strstr(o->out, "runtime error:"))
		return "UndefinedBehaviorSanitizer report";
	if (o->status == 0) {
		if (c->may_pass) {
			*harmless = 1;
			return NULL;
		}
		return "verify accepted the damaged archive";
	}
	if (o->status != 2 && o->status != 3)
		return "unexpected exit status (want 2 or 3)";
	const char *rel = c->rel;
	if (c->op == OP_FORGE_STORED)
		return strstr(o->out, "frame at") && strstr(o->out, c->table) ? NULL : "the message names no frame or table";
	if (c->op == OP_FORGE_FLIP)
		/* A forged manifest is well formed as far as its checksum goes: what it breaks may be
		 * found anywhere (a frame reference, a path), so any problem line will do. */
		return strstr(o->out, "problem: ") ? NULL : "no problem line";
	if (c->op == OP_FORGE_SIZE) {
		/* A frame reference beyond a limit is found when the frame is read: the message
		 * names the data file and the frame; a row count beyond the limit is found in the
		 * manifest, and the message names it. */
		if (!strstr(o->out, "problem: ") || !(strstr(o->out, "frame at") || strstr(o->out, RCR_MANIFEST_NAME)))
			return "the message names neither the frame nor the manifest";
		return NULL;
	}
	if (c->op == OP_FORGE_PATH)
		return strstr(o->out, "path") && strstr(o->out, RCR_MANIFEST_NAME) ? NULL : "the message does not name the path";
	const char *l = line_naming(o->out, rel);
	if (!l)
		return "no problem line names the file";
	if (c->kind == K_DATA && c->op != OP_MISSING && c->op != OP_FIFO && c->op != OP_DIRECTORY &&
	    c->op != OP_SYMLINK) {
		/* Frame damage names the table and the frame; a size mismatch names the data file. */
		char line[2048];
		const char *e = strchr(l, '\n');
		snprintf(line, sizeof line, "%.*s", (int)(e ? (size_t)(e - l) : strlen(l)), l);
		int frame = strstr(line, "table '") && strstr(line, "frame at");
		int size = strstr(line, "data file '") != NULL;
		if (!frame && !size)
			return "the message names neither the frame nor the data file";
		if (frame && !strstr(o->out, c->table))
			return "the message does not name the table";
	}
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: corrupt_sweep list PRISTINE | sweep PRISTINE WORK RCR [K/N] | apply PRISTINE WORK ID\n");
		return 2;
	}
	const char *mode = argv[1], *pristine = argv[2];
	build_cases(pristine);
	if (strcmp(mode, "list") == 0) {
		for (size_t i = 0; i < ncases; i++)
			printf("%zu\t%s\t%d\t%s\t%s\n", i, kind_names[cases[i].kind], cases[i].op, cases[i].rel, cases[i].what);
		return 0;
	}
	if (strcmp(mode, "apply") == 0 && argc == 5) {
		size_t id = strtoul(argv[4], NULL, 10);
		if (id >= ncases) {
			fprintf(stderr, "corrupt_sweep: no case %zu\n", id);
			return 2;
		}
		apply(pristine, argv[3], &cases[id]);
		/* For the restore check: the table whose rows must not land (empty if the case
		 * damages no data file), then what the case is. */
		printf("%s\t%s\t%s\n", cases[id].tschema[0] ? cases[id].tschema : "-",
		       cases[id].tname[0] ? cases[id].tname : "-", cases[id].what);
		return 0;
	}
	if (strcmp(mode, "forge-last") == 0 && argc == 5) {
		rcr_manifest *m = open_pristine(pristine);
		for (uint32_t ti = 0; ti < m->ntables; ti++) {
			const rcr_table *t = &m->tables[ti];
			if (strcmp(t->name, argv[4]) != 0 || t->nrgs == 0 || t->ncols == 0)
				continue;
			const rcr_row_group *rg = &t->rgs[t->nrgs - 1];
			const rcr_frame_ref *f = &rg->frames[0];
			sweep_case *c = add(K_DATA, OP_FORGE_STORED, t->files[rg->file],
					    f->offset + RCR_FRAME_HEADER_SIZE + f->stored_size / 2, "forged last frame");
			c->base = f->offset;
			c->mask = 0xFF;
			rcr_manifest_free(m);
			apply(pristine, argv[3], c);
			return 0;
		}
		rcr_manifest_free(m);
		fprintf(stderr, "corrupt_sweep: no table '%s' with rows\n", argv[4]);
		return 2;
	}
	if (strcmp(mode, "sweep") != 0 || argc < 5) {
		fprintf(stderr, "corrupt_sweep: bad arguments\n");
		return 2;
	}
	const char *work = argv[3], *rcr = argv[4];
	unsigned shard = 0, nshards = 1;
	if (argc > 5 && sscanf(argv[5], "%u/%u", &shard, &nshards) != 2) {
		fprintf(stderr, "corrupt_sweep: bad shard '%s'\n", argv[5]);
		return 2;
	}
	unsigned tried[K_COUNT] = {0}, caught[K_COUNT] = {0}, harmless[K_COUNT] = {0}, failed[K_COUNT] = {0};
	long max_rss = 0;
	outcome o;
	/* The untouched copy must pass, or every "caught" below would mean nothing. */
	run_verify(&o, rcr, work);
	if (o.status != 0) {
		fprintf(stderr, "corrupt_sweep: the undamaged archive does not verify:\n%s\n", o.out);
		return 1;
	}
	for (size_t i = 0; i < ncases; i++) {
		if (i % nshards != shard)
			continue;
		const sweep_case *c = &cases[i];
		apply(pristine, work, c);
		run_verify(&o, rcr, work);
		undo(pristine, work, c);
		int ok_harmless;
		const char *bad = judge(c, &o, &ok_harmless);
		tried[c->kind]++;
		if (o.maxrss_kb > max_rss)
			max_rss = o.maxrss_kb;
		if (bad) {
			failed[c->kind]++;
			printf("FAIL case %zu (%s): %s; exit %d signal %d\n%s\n", i, c->what, bad, o.status, o.sig, o.out);
		} else if (ok_harmless) {
			harmless[c->kind]++;
		} else {
			caught[c->kind]++;
		}
	}
	/* The repairs must have restored every byte. */
	run_verify(&o, rcr, work);
	if (o.status != 0) {
		fprintf(stderr, "corrupt_sweep: the archive does not verify after the sweep:\n%s\n", o.out);
		return 1;
	}
	unsigned t = 0, ca = 0, h = 0, f = 0;
	for (int k = 0; k < K_COUNT; k++) {
		printf("sweep %-9s tried %4u caught %4u harmless %4u failed %u\n", kind_names[k], tried[k], caught[k],
		       harmless[k], failed[k]);
		t += tried[k];
		ca += caught[k];
		h += harmless[k];
		f += failed[k];
	}
	printf("sweep total     tried %4u caught %4u harmless %4u failed %u (peak RSS of verify %ld kB)\n", t, ca, h, f,
	       max_rss);
	return f ? 1 : 0;
}
