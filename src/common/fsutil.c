/* fsutil.c: see fsutil.h. */
#include "rcr/fsutil.h"
#include "rcr/err.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

static int io_error(int err, const char *what, const char *path)
{
	if (err == ENOSPC || err == EDQUOT)
		return rcr_error_set_hint(RCR_E_NOSPACE, "free space on the output file system or choose another -f",
					  "could not %s '%s': %s", what, path, strerror(err));
	return rcr_error_set(RCR_E_IO, "could not %s '%s': %s", what, path, strerror(err));
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

int rcr_fs_prepare_empty_dir(const char *path, int *created)
{
	*created = 0;
	if (mkdir(path, 0700) == 0) {
		*created = 1;
		return 0;
	}
	if (errno != EEXIST)
		return io_error(errno, "create directory", path);
	struct stat st;
	if (lstat(path, &st) != 0 || !S_ISDIR(st.st_mode))
		return rcr_error_set(RCR_E_EXISTS, "'%s' exists and is not a directory", path);
	DIR *d = opendir(path);
	if (!d)
		return io_error(errno, "open directory", path);
	struct dirent *e;
	int empty = 1;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
			empty = 0;
			break;
		}
	closedir(d);
	if (!empty)
		return rcr_error_set_hint(RCR_E_EXISTS, "choose a new directory with -f, or empty this one",
					  "directory '%s' exists and is not empty", path);
	return 0;
}

int rcr_fs_remove_tree(const char *path)
{
	struct stat st;
	if (lstat(path, &st) != 0)
		return errno == ENOENT ? 0 : io_error(errno, "stat", path);
	if (!S_ISDIR(st.st_mode)) {
		if (unlink(path) != 0)
			return io_error(errno, "remove", path);
		return 0;
	}
	int rc = 0;
	DIR *d = opendir(path);
	if (d) {
		struct dirent *e;
		while ((e = readdir(d))) {
			if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
				continue;
			size_t n = strlen(path) + strlen(e->d_name) + 2;
			char *child = malloc(n);
			if (!child) {
				rc = rcr_error_set(RCR_E_NOMEM, "out of memory");
				break;
			}
			snprintf(child, n, "%s/%s", path, e->d_name);
			int r = rcr_fs_remove_tree(child);
			if (r < 0 && rc == 0)
				rc = r;
			free(child);
		}
		closedir(d);
	}
	if (rmdir(path) != 0 && rc == 0)
		rc = io_error(errno, "remove directory", path);
	return rc;
}

int rcr_fs_read_file(rcr_buf *out, const char *path, uint64_t max)
{
	/* O_NONBLOCK: a FIFO in place of the file must not hang the reader (see open_regular). */
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return rcr_error_set(RCR_E_MISSING, "'%s' is missing", path);
		return io_error(errno, "open", path);
	}
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
		return errno == ENOENT ? rcr_error_set(RCR_E_MISSING, "'%s' is missing", path)
				       : io_error(errno, "open", path);
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
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
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
	if (fd < 0) {
		if (errno == ENOENT)
			return rcr_error_set(RCR_E_MISSING, "'%s' is missing", path);
		if (errno == ELOOP)
			return rcr_error_set(RCR_E_FORMAT, "'%s' is a symbolic link; archives never contain links", path);
		return io_error(errno, "open", path);
	}
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
