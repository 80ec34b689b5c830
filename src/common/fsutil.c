/* fsutil.c: see fsutil.h. */
#include "rcr/fsutil.h"
#include "rcr/err.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

static int io_error(int err, const char *what, const char *path)
{
	if (err == ENOSPC || err == EDQUOT)
		return rcr_error_set_hint(RCR_E_NOSPACE, "free space on the output file system, or write to another one",
					  "could not %s '%s': %s", what, path, strerror(err));
	return rcr_error_set(RCR_E_IO, "could not %s '%s': %s", what, path, strerror(err));
}

/* open() of an archive file failed with err: a missing file and a refused link (O_NOFOLLOW
 * gives ELOOP, whose strerror, "Too many levels of symbolic links", hides why) say so. */
static int open_error(int err, const char *path)
{
	if (err == ENOENT)
		return rcr_error_set(RCR_E_MISSING, "'%s' is missing", path);
	if (err == ELOOP)
		return rcr_error_set(RCR_E_FORMAT, "'%s' is a symbolic link; archives never contain links", path);
	return io_error(err, "open", path);
}

int rcr_fs_write_all(int fd, const void *p, size_t n, const char *path)
{
	const uint8_t *b = p;
	while (n) {
		ssize_t w = write(fd, b, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return io_error(errno, "write", path);
		}
		if (w == 0)
			return io_error(ENOSPC, "write", path);
		b += w;
		n -= (size_t)w;
	}
	return 0;
}

int rcr_fs_pread_all(int fd, void *p, size_t n, uint64_t offset, const char *path)
{
	uint8_t *b = p;
	while (n) {
		ssize_t r = pread(fd, b, n, (off_t)offset);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return io_error(errno, "read", path);
		}
		if (r == 0)
			return rcr_error_set(RCR_E_MISSING, "'%s' is truncated: ends before offset %llu", path,
					     (unsigned long long)offset + n);
		b += r;
		n -= (size_t)r;
		offset += (uint64_t)r;
	}
	return 0;
}

int rcr_fs_fsync(int fd, const char *path)
{
	if (fsync(fd) != 0)
		return io_error(errno, "fsync", path);
	return 0;
}

int rcr_fs_fsync_dir(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY);
	if (fd < 0)
		return io_error(errno, "open directory", path);
	int rc = rcr_fs_fsync(fd, path);
	close(fd);
	return rc;
}

int rcr_fs_syncfs(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY);
	if (fd < 0)
		return io_error(errno, "open directory", path);
	int rc = 0;
	if (syncfs(fd) != 0)
		rc = io_error(errno, "sync the file system of", path);
	if (rc == 0)
		rc = rcr_fs_fsync(fd, path);
	close(fd);
	return rc;
}

/* "text OPT" in buf, for a HINT that names the option the directory was given with. */
static const char *hint_opt(char buf[128], const char *text, const char *opt)
{
	snprintf(buf, 128, "%s %s", text, opt);
	return buf;
}

static int claimed_by_other(const char *path, const char *opt)
{
	char hint[128];
	return rcr_error_set_hint(RCR_E_EXISTS, hint_opt(hint, "wait for it to finish, or choose another directory with", opt),
				  "directory '%s' was claimed by another rcr process", path);
}

int rcr_fs_strip_slashes(char *out, size_t cap, const char *path)
{
	size_t n = strlen(path);
	while (n > 1 && path[n - 1] == '/')
		n--;
	if (n == 0 || n >= cap)
		return rcr_error_set(RCR_E_USAGE, "output path '%s' is empty or too long", path);
	memcpy(out, path, n);
	out[n] = 0;
	return 0;
}

/* 1 if directory fd holds nothing but . and .., 0 if it holds something; negative on error. */
static int dir_is_empty(const char *path)
{
	DIR *d = opendir(path);
	if (!d)
		return io_error(errno, "open directory", path);
	struct dirent *e;
	int empty = 1;
	while (empty && (e = readdir(d)))
		empty = !strcmp(e->d_name, ".") || !strcmp(e->d_name, "..");
	closedir(d);
	return empty;
}

int rcr_fs_outdir_check(const char *path, const char *opt)
{
	char p[4096], hint[128];
	RCR_FORWARD(rcr_fs_strip_slashes(p, sizeof p, path));
	struct stat st;
	if (lstat(p, &st) != 0)
		return errno == ENOENT ? 0 : io_error(errno, "stat", p);
	if (S_ISLNK(st.st_mode))
		return rcr_error_set_hint(RCR_E_EXISTS, hint_opt(hint, "give the directory it points to, or a new one, with", opt),
					  "output directory '%s' is a symbolic link; rcr does not write through one", p);
	if (!S_ISDIR(st.st_mode))
		return rcr_error_set_hint(RCR_E_EXISTS, hint_opt(hint, "choose a new directory with", opt),
					  "'%s' exists and is not a directory", p);
	int empty = dir_is_empty(p);
	if (empty < 0)
		return empty;
	if (!empty)
		return rcr_error_set_hint(RCR_E_EXISTS, hint_opt(hint, "choose a new or empty directory with", opt),
					  "directory '%s' exists and is not empty", p);
	return 0;
}

/* The absolute path path resolves to, or would once created (its parent resolved); 0 if the
 * parent does not exist either (nothing can be created there, and mkdir says so). */
static int resolve(char *out, const char *path)
{
	char p[4096];
	RCR_FORWARD(rcr_fs_strip_slashes(p, sizeof p, path));
	if (realpath(p, out))
		return 1;
	char *slash = strrchr(p, '/');
	const char *base = slash ? slash + 1 : p;
	char parent[PATH_MAX];
	if (!realpath(slash ? (slash == p ? "/" : (*slash = 0, p)) : ".", parent))
		return 0;
	if ((size_t)snprintf(out, PATH_MAX, "%s/%s", strcmp(parent, "/") ? parent : "", base) >= PATH_MAX)
		return 0;
	return 1;
}

/* 1 if resolved path a is b or below it. */
static int within(const char *a, const char *b)
{
	size_t n = strlen(b);
	if (n == 1 && b[0] == '/')
		return 1;
	return strncmp(a, b, n) == 0 && (a[n] == 0 || a[n] == '/');
}

int rcr_fs_check_apart(const char *input, const char *output, const char *opt)
{
	char in[PATH_MAX], out[PATH_MAX];
	int rin = resolve(in, input), rout = resolve(out, output);
	if (rin < 0 || rout < 0)
		return rin < 0 ? rin : rout;
	if (!rin || !rout)
		return 0;
	char hint[128];
	if (strcmp(in, out) == 0)
		return rcr_error_set_hint(RCR_E_USAGE, hint_opt(hint, "give a new directory with", opt),
					  "%s '%s' is the archive '%s' itself", opt, output, input);
	if (within(out, in))
		return rcr_error_set_hint(RCR_E_USAGE, hint_opt(hint, "give a new directory outside the archive with", opt),
					  "%s '%s' is inside the archive '%s'", opt, output, input);
	if (within(in, out))
		return rcr_error_set_hint(RCR_E_USAGE, hint_opt(hint, "give a new directory (not one the archive is in) with", opt),
					  "%s '%s' contains the archive '%s'", opt, output, input);
	return 0;
}

int rcr_fs_outdir_claim(rcr_fs_outdir *d, const char *path, const char *marker, const char *opt)
{
	*d = (rcr_fs_outdir)RCR_FS_OUTDIR_INIT;
	RCR_FORWARD(rcr_fs_strip_slashes(d->path, sizeof d->path, path));
	if (mkdir(d->path, 0700) == 0)
		d->made_dir = 1;
	else if (errno != EEXIST)
		return io_error(errno, "create directory", d->path);
	else
		RCR_FORWARD(rcr_fs_outdir_check(d->path, opt));
	if (!marker)
		return 0;
	/* Two runs may both have found the directory absent or empty: the one whose O_EXCL create
	 * succeeds owns it, the other leaves everything alone (even a directory it made itself,
	 * which the winner is now filling). The lock tells a running claimant from a dead one's
	 * leftover marker (rcr_fs_marker_held). */
	char mp[4608];
	snprintf(mp, sizeof mp, "%s/%s", d->path, marker);
	int fd = open(mp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		int err = errno;
		if (err == EEXIST) {
			d->made_dir = 0;
			return claimed_by_other(d->path, opt);
		}
		if (d->made_dir)
			rmdir(d->path);
		d->made_dir = 0;
		return io_error(err, "create", mp);
	}
	if (rcr_fs_marker_lock(fd) != 0) {
		/* Between our create and our lock, a forced cleanup found the marker unlocked and took
		 * it as a dead run's: it owns the directory now. */
		close(fd);
		d->made_dir = 0;
		return claimed_by_other(d->path, opt);
	}
	d->marker = marker;
	d->marker_fd = fd;
	return 0;
}

/* Open file description locks: tied to the open marker, not to the process (a POSIX lock
 * would go when any descriptor of the file closes), and testable without taking them. */
static int marker_lock_op(int fd, int cmd, struct flock *l)
{
	*l = (struct flock){.l_type = F_WRLCK, .l_whence = SEEK_SET};
	return fcntl(fd, cmd, l);
}

int rcr_fs_marker_lock(int fd)
{
	struct flock l;
	return marker_lock_op(fd, F_OFD_SETLK, &l) == 0 ? 0 : 1;
}

int rcr_fs_marker_held(int fd)
{
	struct flock l;
	return marker_lock_op(fd, F_OFD_GETLK, &l) == 0 && l.l_type != F_UNLCK;
}

int rcr_fs_outdir_add(rcr_fs_outdir *d, const char *rel, rcr_fs_name_pred known)
{
	if (!d->path[0])
		return 0; /* not claimed (or already ended): nothing of ours to record */
	if (d->nmade == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 16;
		rcr_fs_made *m = realloc(d->made, cap * sizeof *m);
		if (m) {
			d->made = m;
			d->cap = cap;
		}
	}
	char *copy = d->nmade < d->cap ? strdup(rel) : NULL;
	if (!copy) {
		/* Unrecorded, it would outlive a failure: it goes now, while we know it is ours. */
		char p[8192];
		snprintf(p, sizeof p, "%s/%s", d->path, rel);
		if (known)
			rcr_fs_remove_known(p, known);
		else if (unlink(p) != 0 && errno == EISDIR)
			rmdir(p);
		return rcr_error_set(RCR_E_NOMEM, "out of memory");
	}
	d->made[d->nmade++] = (rcr_fs_made){copy, known};
	return 0;
}

int rcr_fs_remove_known(const char *dir, rcr_fs_name_pred known)
{
	DIR *dd = opendir(dir);
	if (!dd)
		return errno == ENOENT ? 0 : io_error(errno, "open directory", dir);
	int rc = 0;
	struct dirent *e;
	while ((e = readdir(dd))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") || !known(e->d_name))
			continue;
		/* Only regular files: a link or a directory by a known name is not one we wrote. */
		struct stat st;
		if (fstatat(dirfd(dd), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode))
			continue;
		if (unlinkat(dirfd(dd), e->d_name, 0) != 0 && rc == 0)
			rc = io_error(errno, "remove", e->d_name);
	}
	closedir(dd);
	/* Whatever is left was not ours, and keeps the directory. */
	if (rmdir(dir) != 0 && errno != ENOTEMPTY && errno != EEXIST && errno != ENOENT && rc == 0)
		rc = io_error(errno, "remove directory", dir);
	return rc;
}

static void outdir_free(rcr_fs_outdir *d)
{
	for (size_t i = 0; i < d->nmade; i++)
		free(d->made[i].rel);
	free(d->made);
	if (d->marker_fd >= 0)
		close(d->marker_fd);
	*d = (rcr_fs_outdir)RCR_FS_OUTDIR_INIT;
}

void rcr_fs_outdir_abandon(rcr_fs_outdir *d)
{
	char p[8192];
	if (!d->path[0])
		return;
	/* Newest first, so that files go before the directories they are in. */
	for (size_t i = d->nmade; i-- > 0;) {
		snprintf(p, sizeof p, "%s/%s", d->path, d->made[i].rel);
		if (d->made[i].known)
			rcr_fs_remove_known(p, d->made[i].known);
		else if (unlink(p) != 0 && errno == EISDIR)
			rmdir(p); /* fails, and keeps it, if someone else put something in it */
	}
	if (d->marker) {
		snprintf(p, sizeof p, "%s/%s", d->path, d->marker);
		unlink(p);
	}
	if (d->made_dir)
		rmdir(d->path);
	outdir_free(d);
}

int rcr_fs_outdir_end(rcr_fs_outdir *d)
{
	int rc = 0;
	if (d->marker) {
		char p[8192];
		snprintf(p, sizeof p, "%s/%s", d->path, d->marker);
		if (unlink(p) != 0)
			rc = io_error(errno, "remove", p);
		if (rc == 0)
			rc = rcr_fs_fsync_dir(d->path);
	}
	outdir_free(d);
	return rc;
}

int rcr_fs_read_file(rcr_buf *out, const char *path, uint64_t max)
{
	/* O_NONBLOCK: a FIFO in place of the file must not hang the reader (see open_regular). */
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return open_error(errno, path);
	struct stat st;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return rcr_error_set(RCR_E_FORMAT, "'%s' is not a regular file", path);
	}
	if ((uint64_t)st.st_size > max) {
		close(fd);
		return rcr_error_set(RCR_E_LIMIT, "'%s' is %lld bytes, above the limit of %llu", path,
				     (long long)st.st_size, (unsigned long long)max);
	}
	rcr_buf_reset(out);
	int rc = rcr_buf_reserve(out, (size_t)st.st_size + 1);
	if (rc == 0)
		rc = rcr_fs_pread_all(fd, out->data, (size_t)st.st_size, 0, path);
	if (rc == 0)
		out->len = (size_t)st.st_size;
	close(fd);
	return rc;
}

int rcr_fs_hash_fd(uint64_t *size, uint64_t *hash, int fd, const char *path)
{
	XXH3_state_t *st = XXH3_createState();
	if (!st)
		return rcr_error_set(RCR_E_NOMEM, "out of memory");
	XXH3_64bits_reset(st);
	static const size_t chunk = 1 << 20;
	uint8_t *buf = malloc(chunk);
	int rc = buf ? 0 : rcr_error_set(RCR_E_NOMEM, "out of memory");
	uint64_t total = 0;
	while (rc == 0) {
		ssize_t r = read(fd, buf, chunk);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			rc = io_error(errno, "read", path);
			break;
		}
		if (r == 0)
			break;
		XXH3_64bits_update(st, buf, (size_t)r);
		total += (uint64_t)r;
	}
	*size = total;
	*hash = XXH3_64bits_digest(st);
	XXH3_freeState(st);
	free(buf);
	return rc;
}

int rcr_fs_hash_file(uint64_t *size, uint64_t *hash, const char *path)
{
	/* O_NONBLOCK: a FIFO in place of the file must not hang the reader (see open_regular). */
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return open_error(errno, path);
	struct stat st;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return rcr_error_set(RCR_E_FORMAT, "'%s' is not a regular file", path);
	}
	int rc = rcr_fs_hash_fd(size, hash, fd, path);
	close(fd);
	return rc;
}

int rcr_fs_write_atomic(const char *dir, const char *name, const void *data, size_t n)
{
	char tmp[4096], final[4096];
	snprintf(tmp, sizeof tmp, "%s/%s.tmp", dir, name);
	snprintf(final, sizeof final, "%s/%s", dir, name);
	/* O_EXCL (which also refuses a link): the directory may be an existing empty one that
	 * others can write to, and a link planted as the temporary name would make the write
	 * truncate its target. Nothing of ours has that name before this call. */
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return io_error(errno, "create", tmp);
	int rc = rcr_fs_write_all(fd, data, n, tmp);
	if (rc == 0)
		rc = rcr_fs_fsync(fd, tmp);
	if (close(fd) != 0 && rc == 0)
		rc = io_error(errno, "close", tmp);
	if (rc == 0 && rename(tmp, final) != 0)
		rc = io_error(errno, "rename", tmp);
	if (rc < 0) {
		unlink(tmp);
		return rc;
	}
	return rcr_fs_fsync_dir(dir);
}

/* Opens an existing file for reading without blocking and refuses anything but a regular file:
 * open() of a FIFO without O_NONBLOCK waits for a writer forever, so a hostile archive with
 * a FIFO where a file belongs would hang the reader. */
static int open_regular(int dirfd, const char *name, const char *path)
{
	int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return open_error(errno, path);
	struct stat st;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return rcr_error_set(RCR_E_FORMAT, "'%s' is not a regular file", path);
	}
	/* Regular files ignore O_NONBLOCK; clear it anyway so the fd behaves as a plain one. */
	(void)fcntl(fd, F_SETFL, 0);
	return fd;
}

int rcr_fs_open_in(const char *dir, const char *rel, char *path_out, size_t path_cap)
{
	if ((size_t)snprintf(path_out, path_cap, "%s/%s", dir, rel) >= path_cap)
		return rcr_error_set(RCR_E_FORMAT, "path '%s/%s' is too long", dir, rel);
	/* Walk rel one component at a time with O_NOFOLLOW, so that a symbolic link anywhere below
	 * the archive directory (data/ itself, a schema directory) is refused, not just one at
	 * the last component: a link could lead the reader out of the archive. The archive
	 * directory itself is the user's choice and may be reached through links. */
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return errno == ENOENT ? rcr_error_set(RCR_E_MISSING, "'%s' is missing", dir)
				       : io_error(errno, "open directory", dir);
	const char *comp = rel;
	for (;;) {
		const char *slash = strchr(comp, '/');
		if (!slash)
			break;
		char name[4097];
		size_t n = (size_t)(slash - comp);
		if (n == 0 || n >= sizeof name) {
			close(dfd);
			return rcr_error_set(RCR_E_FORMAT, "'%s' is not a plain relative path", path_out);
		}
		memcpy(name, comp, n);
		name[n] = 0;
		int nfd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		int err = errno;
		if (nfd < 0) {
			struct stat st;
			int is_link = fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode);
			close(dfd);
			if (is_link)
				return rcr_error_set(RCR_E_FORMAT, "'%s': '%.*s' is a symbolic link; archives never contain links",
						     path_out, (int)(slash - rel), rel);
			if (err == ENOENT)
				return rcr_error_set(RCR_E_MISSING, "'%s' is missing", path_out);
			if (err == ENOTDIR)
				return rcr_error_set(RCR_E_FORMAT, "'%s': '%.*s' is not a directory", path_out,
						     (int)(slash - rel), rel);
			return io_error(err, "open", path_out);
		}
		close(dfd);
		dfd = nfd;
		comp = slash + 1;
	}
	int fd = open_regular(dfd, comp, path_out);
	close(dfd);
	return fd;
}

int rcr_fs_open_unnamed(const char *dir)
{
	int fd = open(dir, O_TMPFILE | O_RDWR, 0600);
	if (fd >= 0)
		return fd;
	if (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL)
		return rcr_error_set(RCR_E_IO, "could not create a temporary file in '%s': %s", dir, strerror(errno));
	/* No O_TMPFILE here: a name exists only between these two calls. */
	char tmpl[4096];
	snprintf(tmpl, sizeof tmpl, "%s/rcr-tmp.XXXXXX", dir);
	fd = mkstemp(tmpl);
	if (fd < 0)
		return rcr_error_set(RCR_E_IO, "could not create a temporary file in '%s': %s", dir, strerror(errno));
	unlink(tmpl);
	return fd;
}
