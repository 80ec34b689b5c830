/*
 * dump_dir.c: the output directory of `rcr dump`, claimed before the dump does anything else
 * and, after a failure, emptied of exactly what this run created (rcr_fs_outdir in fsutil.h).
 *
 * Two dumps given the same -f race for it: the claim's O_EXCL marker picks one, and the other
 * exits having changed nothing. The marker stays until the manifest, written last, is in
 * place, so a directory with the marker and no manifest is recognisably a failed or killed
 * dump's leftovers: --force may replace those, and only those. Everything a dump writes has a
 * name this file knows (is_top_name, is_data_name, is_schema_name); an entry by any other name
 * is not a dump's, and --force refuses to touch a directory that holds one.
 */
#include "dump_dir.h"

#include "rcr/err.h"
#include "rcr/manifest.h"

#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* s is "", or one or more digits followed by tail. */
static int digits_then(const char *s, const char *tail)
{
	const char *p = s;
	while (*p >= '0' && *p <= '9')
		p++;
	return p > s && strcmp(p, tail) == 0;
}

/* s is one or more digits followed by c; returns what follows c, or NULL. */
static const char *digits_then_char(const char *s, char c)
{
	size_t n = strspn(s, "0123456789");
	return n > 0 && s[n] == c ? s + n + 1 : NULL;
}

/* data/OID-ID8.PIECE.SEGMENT.rcd (table_writer_begin: ID8, the archive id's first 8 hex
 * digits), and data/OID.rcd or data/OID.PIECE.rcd, which dumps before segments wrote. */
static int is_data_name(const char *name)
{
	if (digits_then(name, ".rcd"))
		return 1;
	const char *dot = strchr(name, '.');
	if (dot && dot > name && digits_then(dot + 1, ".rcd") && strspn(name, "0123456789") == (size_t)(dot - name))
		return 1;
	const char *p = digits_then_char(name, '-');
	if (!p || strspn(p, "0123456789abcdef") != 8 || p[8] != '.')
		return 0;
	p = digits_then_char(p + 9, '.');
	return p && digits_then(p, ".rcd");
}

/* What pg_dump --format=directory writes: toc.dat, blobs.toc and blobs_N.toc (pg_dump 17+),
 * and N.dat or blob_N.dat, compressed or not. */
static int is_schema_name(const char *name)
{
	if (!strcmp(name, "toc.dat") || !strcmp(name, "blobs.toc"))
		return 1;
	if (!strncmp(name, "blobs_", 6))
		return digits_then(name + 6, ".toc");
	if (!strncmp(name, "blob_", 5))
		name += 5;
	static const char *const tails[] = {".dat", ".dat.gz", ".dat.lz4", ".dat.zst"};
	for (size_t i = 0; i < sizeof tails / sizeof tails[0]; i++)
		if (digits_then(name, tails[i]))
			return 1;
	return 0;
}

static int is_tmp_manifest(const char *name)
{
	return !strcmp(name, RCR_MANIFEST_NAME ".tmp");
}

/* Refuses --force unless every entry of dir (a directory of the leftovers) is a regular file
 * whose name known accepts; sub, if not NULL, is how dir is named in messages. */
static int check_known(const char *dir, rcr_fs_name_pred known, const char *top)
{
	DIR *d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : rcr_error_set(RCR_E_IO, "could not open directory '%s': %s", dir, strerror(errno));
	int rc = 0;
	struct dirent *e;
	while (rc == 0 && (e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		struct stat st;
		if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode) && known(e->d_name))
			continue;
		rc = rcr_error_set_hint(RCR_E_EXISTS, "remove it yourself if it is not needed, or choose another directory with -f",
					"'%s/%s' is not a file rcr dump writes; --force removed nothing from '%s'", dir,
					e->d_name, top);
	}
	closedir(d);
	return rc;
}

/* Refuses (changing nothing) a top-level entry of the leftovers that a dump does not write. */
static int check_top(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return rcr_error_set(RCR_E_IO, "could not open directory '%s': %s", dir, strerror(errno));
	int rc = 0;
	struct dirent *e;
	while (rc == 0 && (e = readdir(d))) {
		const char *n = e->d_name;
		struct stat st;
		if (!strcmp(n, ".") || !strcmp(n, "..") || fstatat(dirfd(d), n, &st, AT_SYMLINK_NOFOLLOW) != 0)
			continue;
		int dir_ok = S_ISDIR(st.st_mode) && (!strcmp(n, "data") || !strcmp(n, "schema"));
		int file_ok = S_ISREG(st.st_mode) && (!strcmp(n, RCR_DUMP_MARKER) || is_tmp_manifest(n));
		if (!dir_ok && !file_ok)
			rc = rcr_error_set_hint(RCR_E_EXISTS,
						"remove it yourself if it is not needed, or choose another directory with -f",
						"'%s/%s' is not something rcr dump writes; --force removed nothing", dir, n);
	}
	closedir(d);
	return rc;
}

static int has_manifest(const char *dir)
{
	char p[4608];
	snprintf(p, sizeof p, "%s/%s", dir, RCR_MANIFEST_NAME);
	struct stat st;
	return lstat(p, &st) == 0;
}

/* Opens dir's marker, or returns -1 (errno set) if there is none. */
static int open_marker(const char *dir, char *path, size_t cap)
{
	snprintf(path, cap, "%s/%s", dir, RCR_DUMP_MARKER);
	return open(path, O_RDWR | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
}

static int refuse_archive(const char *dir, int force)
{
	if (force)
		return rcr_error_set_hint(RCR_E_EXISTS, "choose a new directory with -f",
					  "directory '%s' holds a complete rcr archive; --force replaces only an incomplete"
					  " dump's leftovers", dir);
	return rcr_error_set_hint(RCR_E_EXISTS, "choose a new directory with -f", "directory '%s' already holds an rcr archive",
				  dir);
}

static int refuse_running(const char *dir)
{
	return rcr_error_set_hint(RCR_E_EXISTS, "wait for it to finish, or choose another directory with -f",
				  "directory '%s' is being written by another rcr dump", dir);
}

/* With the leftovers' marker locked (so no dump is writing them), checks that they are only
 * what a dump writes and removes them, the marker last. */
static int remove_leftovers_locked(const char *dir, int quiet)
{
	char p[4608];
	snprintf(p, sizeof p, "%s/data", dir);
	char s[4608];
	snprintf(s, sizeof s, "%s/schema", dir);
	RCR_FORWARD(check_top(dir));
	RCR_FORWARD(check_known(p, is_data_name, dir));
	RCR_FORWARD(check_known(s, is_schema_name, dir));
	RCR_FORWARD(rcr_fs_remove_known(p, is_data_name));
	RCR_FORWARD(rcr_fs_remove_known(s, is_schema_name));
	snprintf(p, sizeof p, "%s/%s.tmp", dir, RCR_MANIFEST_NAME);
	if (unlink(p) != 0 && errno != ENOENT)
		return rcr_error_set(RCR_E_IO, "could not remove '%s': %s", p, strerror(errno));
	snprintf(p, sizeof p, "%s/%s", dir, RCR_DUMP_MARKER);
	if (unlink(p) != 0)
		return rcr_error_set(RCR_E_IO, "could not remove '%s': %s", p, strerror(errno));
	if (!quiet)
		fprintf(stderr, "rcr: --force: removed the incomplete dump left in '%s'\n", dir);
	return 0;
}

/* --force: if dir holds an earlier dump's leftovers (its marker, unlocked, and no manifest),
 * removes them. Anything else is left for the claim to judge. */
static int remove_leftovers(const char *dir, int quiet)
{
	struct stat st;
	if (lstat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
		return 0;
	char mp[4608];
	int fd = open_marker(dir, mp, sizeof mp);
	if (fd < 0)
		return 0;
	int rc = 0;
	struct stat a, b;
	if (rcr_fs_marker_lock(fd) != 0)
		rc = refuse_running(dir);
	/* Locked: but the marker may have been removed (a finished dump) between our open and our
	 * lock, and another dump may have claimed the directory since. */
	else if (fstat(fd, &a) != 0 || lstat(mp, &b) != 0 || a.st_ino != b.st_ino || a.st_dev != b.st_dev)
		rc = 0; /* not leftovers any more: the claim decides */
	else if (has_manifest(dir))
		rc = refuse_archive(dir, 1);
	else
		rc = remove_leftovers_locked(dir, quiet);
	close(fd);
	return rc;
}

/* The claim found dir taken (RCR_E_EXISTS): says by what, changing nothing. */
static int explain_taken(const char *dir, int rc, int force)
{
	struct stat st;
	if (lstat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
		return rc;
	if (has_manifest(dir))
		return refuse_archive(dir, force);
	char mp[4608];
	int fd = open_marker(dir, mp, sizeof mp);
	if (fd < 0)
		return force ? rcr_error_set_hint(RCR_E_EXISTS,
						  "choose a new or empty directory with -f; --force replaces only an "
						  "incomplete rcr dump's leftovers (marked by '" RCR_DUMP_MARKER "')",
						  "directory '%s' exists and is not empty", dir)
			     : rc;
	int held = rcr_fs_marker_held(fd);
	close(fd);
	if (held)
		return refuse_running(dir);
	return rcr_error_set_hint(RCR_E_EXISTS,
				  "rerun with --force to replace them (only files an rcr dump writes are removed), or "
				  "choose another directory with -f",
				  "directory '%s' holds the leftovers of an rcr dump that did not finish", dir);
}

int rcr_dump_dir_claim(rcr_fs_outdir *od, const rcr_dump_opts *o)
{
	/* Every look at the directory goes by its name without trailing slashes, as the claim's
	 * does: lstat("link/") follows the link, so --force would remove leftovers through a link
	 * the claim then refuses. */
	char dir[4096];
	RCR_FORWARD(rcr_fs_strip_slashes(dir, sizeof dir, o->dir));
	if (o->force)
		RCR_FORWARD(remove_leftovers(dir, o->common.quiet));
	int rc = rcr_fs_outdir_claim(od, dir, RCR_DUMP_MARKER, "-f");
	return rc == RCR_E_EXISTS ? explain_taken(dir, rc, o->force) : rc;
}

static int make_subdir(rcr_fs_outdir *od, const char *name, rcr_fs_name_pred known)
{
	char p[4608];
	snprintf(p, sizeof p, "%s/%s", od->path, name);
	if (mkdir(p, 0700) != 0)
		return rcr_error_set(RCR_E_IO, "could not create '%s': %s", p, strerror(errno));
	return rcr_fs_outdir_add(od, name, known);
}

int rcr_dump_dir_make(rcr_fs_outdir *od)
{
	/* Both made here, 0700, by mkdir, which refuses anything already by that name: the claimed
	 * directory may be an existing empty one that others can write to, and a link planted as
	 * schema/ would have sent pg_dump's output (the whole schema) where they chose.
	 * pg_dump --format=directory fills an existing empty directory, naming its files itself:
	 * every such name in schema/ is this run's. */
	RCR_FORWARD(make_subdir(od, "data", NULL));
	return make_subdir(od, "schema", is_schema_name);
}

void rcr_dump_dir_abandon(rcr_fs_outdir *od, const rcr_manifest *m)
{
	/* The data files: each was listed in its table once created (the archive writer). Added last,
	 * they go first, before data/ itself. */
	for (uint32_t i = 0; m && i < m->ntables; i++)
		for (uint32_t f = 0; f < m->tables[i].nfiles; f++)
			(void)rcr_fs_outdir_add(od, m->tables[i].files[f], NULL);
	(void)rcr_fs_outdir_add(od, RCR_MANIFEST_NAME, NULL); /* if it was renamed in before a failed fsync */
	rcr_fs_outdir_abandon(od);
}
