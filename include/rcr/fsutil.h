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
/* Makes everything written to path's file system durable with one syncfs (Linux reports
 * write-back errors from it since 5.8), then fsyncs the directory path itself. One call
 * instead of an fsync per file: with thousands of small files those dominate a dump. */
int rcr_fs_syncfs(const char *path);
/*
 * Output directories. A command that writes a directory claims it before it creates anything
 * in it, records each entry it creates, and on failure removes exactly those: never an entry
 * it did not create (a user's files, another run's archive), never by walking the directory and
 * deleting what it finds. An output must be absent or an empty real directory: a symbolic link
 * is refused, not followed, since emptying "it" would empty its target.
 */
/* Called with an entry name of a directory a child process (pg_dump) filled, whose files this
 * process cannot list as it creates them: 1 if the name is one that program writes. */
typedef int (*rcr_fs_name_pred)(const char *name);
typedef struct rcr_fs_made {
	char *rel;             /* relative to the output directory */
	rcr_fs_name_pred known; /* NULL for a file or an empty directory we made ourselves */
} rcr_fs_made;
typedef struct rcr_fs_outdir {
	char path[4096];      /* as given, without trailing slashes */
	int made_dir;         /* this process created the directory itself */
	const char *marker;   /* the claim marker's name in it, or NULL */
	int marker_fd;        /* the marker, open and locked (flock) while we own it, or -1 */
	rcr_fs_made *made;    /* what this process created in it, oldest first */
	size_t nmade, cap;
} rcr_fs_outdir;
#define RCR_FS_OUTDIR_INIT {.marker_fd = -1}
/* path without its trailing slashes into out (RCR_E_USAGE if empty or too long): "link/"
 * would make lstat() and open() follow a link that the output rules refuse. */
int rcr_fs_strip_slashes(char *out, size_t cap, const char *path);
/* Checks, changing nothing, that path is absent or an empty real directory; opt ("-f", "-o")
 * names the option in the HINT. RCR_E_EXISTS for a link, a non-directory or a non-empty one. */
int rcr_fs_outdir_check(const char *path, const char *opt);
/* Refuses (RCR_E_USAGE) an output that is the input directory, is inside it, or contains it,
 * comparing resolved paths (links followed), so that nothing written can land in the input. */
int rcr_fs_check_apart(const char *input, const char *output, const char *opt);
/* Claims path: creates it (mode 0700) or accepts an existing empty real directory
 * (rcr_fs_outdir_check). With a marker name, also creates that file with O_EXCL and holds an
 * lock on it (rcr_fs_marker_lock) until end or abandon: of two runs that found the directory empty, exactly one
 * succeeds; the other gets RCR_E_EXISTS and has changed nothing (not even a directory it made,
 * which the winner now fills). d needs no initialisation; after a failure nothing is to free. */
int rcr_fs_outdir_claim(rcr_fs_outdir *d, const char *path, const char *marker, const char *opt);
/* Records rel (a file or directory this process just created in d, or a directory a child
 * created and filled with files matching known) for removal on failure. If it cannot be
 * recorded (RCR_E_NOMEM), it is removed at once. */
int rcr_fs_outdir_add(rcr_fs_outdir *d, const char *rel, rcr_fs_name_pred known);
/* After a failure: removes what was recorded (newest first; a directory only once empty), the
 * marker, and the directory if this process made it and it is empty. Best effort; frees d. */
void rcr_fs_outdir_abandon(rcr_fs_outdir *d);
/* After success: removes the marker (the output is complete), fsyncs the directory, frees d. */
int rcr_fs_outdir_end(rcr_fs_outdir *d);
/* Removes the regular files in dir whose names match known, then dir itself if that left it
 * empty. Never follows a link; an unknown entry stays, and so does dir. */
int rcr_fs_remove_known(const char *dir, rcr_fs_name_pred known);
/* Takes the lock a claimant holds on its marker (open at fd): 0 if it is now ours, 1 if the
 * marker's claimant still runs. rcr_fs_marker_held only tests: 1 if another holds it. */
int rcr_fs_marker_lock(int fd);
int rcr_fs_marker_held(int fd);
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
