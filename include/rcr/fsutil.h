/*
 * fsutil.h: file-system helpers with rcr's error model. Every function names the file in its
 * error message and maps ENOSPC/EDQUOT to RCR_E_NOSPACE, so a full disk reads as one.
 * Files are created 0600 and directories 0700, as pg_dump does: archives hold table data.
 */
#ifndef RCR_FSUTIL_H
#define RCR_FSUTIL_H

#include "rcr/buf.h"

#include <stdint.h>
#include <stddef.h>

int rcr_fs_write_all(int fd, const void *p, size_t n, const char *path);
int rcr_fs_pread_all(int fd, void *p, size_t n, uint64_t offset, const char *path);
int rcr_fs_fsync(int fd, const char *path);
/* fsyncs a directory so that renames and new entries in it are durable. */
int rcr_fs_fsync_dir(const char *path);
/* Creates path (mode 0700) or accepts an existing empty directory. *created tells which.
 * Refuses a non-empty directory or a non-directory with RCR_E_EXISTS. */
int rcr_fs_prepare_empty_dir(const char *path, int *created);
/* Removes a directory tree (no symlink following). Best effort; returns the first error. */
int rcr_fs_remove_tree(const char *path);
/* Reads a whole file into *out (caller owns), refusing files larger than max. */
int rcr_fs_read_file(rcr_buf *out, const char *path, uint64_t max);
/* Size and XXH3-64 of a regular file, streamed (a FIFO or device is refused, not read). */
int rcr_fs_hash_file(uint64_t *size, uint64_t *hash, const char *path);
/* Size and XXH3-64 of what is left to read from fd; path names it in messages. */
int rcr_fs_hash_fd(uint64_t *size, uint64_t *hash, int fd, const char *path);
/* Writes data to dir/name atomically: dir/name.tmp, fsync, rename, fsync dir. */
int rcr_fs_write_atomic(const char *dir, const char *name, const void *data, size_t n);
/* Opens dir/rel for reading. rel is archive-relative (rcr_archive_path_check): every component
 * is opened with O_NOFOLLOW, so a symbolic link anywhere below dir is refused (RCR_E_FORMAT), as
 * is anything but a regular file at the end (a FIFO is refused, never waited on). path_out gets
 * "dir/rel" for messages. @return fd (caller closes) or negative. */
int rcr_fs_open_in(const char *dir, const char *rel, char *path_out, size_t path_cap);
/* A temporary file that has no name (O_TMPFILE in dir; where the file system cannot, a
 * mkstemp file unlinked at once), so that no way of ending the process, SIGKILL included, can
 * leave it behind. The fd is inheritable: a child reads the file as /dev/fd/<fd>, which on
 * Linux opens it anew at offset 0. @return the fd (caller closes) or negative. */
int rcr_fs_open_unnamed(const char *dir);

#endif
