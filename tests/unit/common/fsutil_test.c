/* fsutil_test.c: tests the output-directory claim of src/common/fsutil.c: a claim refuses
 * what is not absent or an empty real directory, the second of two claims changes nothing, and
 * a failure removes exactly what was recorded (a file someone else put in the directory stays,
 * and so does the directory); the atomic write never writes through a planted temporary. */
#include "../test.h"

#include "rcr/fsutil.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char root[256];

static const char *at(const char *rel)
{
	static char p[4][512];
	static int n;
	char *s = p[n++ % 4];
	snprintf(s, 512, "%s/%s", root, rel);
	return s;
}

static void touch(const char *rel)
{
	int fd = open(at(rel), O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd >= 0)
		close(fd);
}

static int exists(const char *rel)
{
	struct stat st;
	return lstat(at(rel), &st) == 0;
}

static void fresh(void)
{
	snprintf(root, sizeof root, "/tmp/rcr-fsutil-test.XXXXXX");
	if (!mkdtemp(root))
		abort();
}

static void cleanup(void)
{
	char cmd[512];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", root);
}

static void test_fsutil__claim_refuses_taken_directories(void)
{
	fresh();
	rcr_fs_outdir d;
	mkdir(at("full"), 0700);
	touch("full/mine");
	CHECK_RC(rcr_fs_outdir_claim(&d, at("full"), NULL, "-o"), RCR_E_EXISTS);
	CHECK(exists("full/mine"));
	touch("file");
	CHECK_RC(rcr_fs_outdir_claim(&d, at("file"), NULL, "-o"), RCR_E_EXISTS);
	mkdir(at("target"), 0700);
	CHECK(symlink("target", at("link")) == 0);
	CHECK_RC(rcr_fs_outdir_claim(&d, at("link"), NULL, "-o"), RCR_E_EXISTS);
	CHECK(strstr(rcr_error_message(), "symbolic link") != NULL);
	CHECK(strstr(rcr_error_hint(), "-o") != NULL);
	/* A trailing slash must not make lstat follow the link. */
	char slash[600];
	snprintf(slash, sizeof slash, "%s/", at("link"));
	CHECK_RC(rcr_fs_outdir_claim(&d, slash, NULL, "-o"), RCR_E_EXISTS);
	cleanup();
}

static void test_fsutil__second_claim_changes_nothing(void)
{
	fresh();
	rcr_fs_outdir a, b;
	REQUIRE_OK(rcr_fs_outdir_claim(&a, at("out"), ".m", "-f"));
	CHECK(a.made_dir);
	CHECK_RC(rcr_fs_outdir_claim(&b, at("out"), ".m", "-f"), RCR_E_EXISTS);
	CHECK(exists("out/.m"));
	int fd = open(at("out/.m"), O_RDWR);
	CHECK(fd >= 0 && rcr_fs_marker_held(fd) == 1);
	CHECK(fd >= 0 && rcr_fs_marker_lock(fd) == 1);
	if (fd >= 0)
		close(fd);
	REQUIRE_OK(rcr_fs_outdir_end(&a));
	CHECK(!exists("out/.m"));
	CHECK(exists("out"));
	cleanup();
}

static void test_fsutil__abandon_removes_only_what_was_recorded(void)
{
	fresh();
	rcr_fs_outdir d;
	mkdir(at("out"), 0700);
	REQUIRE_OK(rcr_fs_outdir_claim(&d, at("out"), ".m", "-f"));
	CHECK(!d.made_dir);
	touch("out/ours");
	REQUIRE_OK(rcr_fs_outdir_add(&d, "ours", NULL));
	mkdir(at("out/sub"), 0700);
	REQUIRE_OK(rcr_fs_outdir_add(&d, "sub", NULL));
	touch("out/sub/ours2");
	REQUIRE_OK(rcr_fs_outdir_add(&d, "sub/ours2", NULL));
	touch("out/theirs"); /* appeared while we ran: not ours */
	rcr_fs_outdir_abandon(&d);
	CHECK(!exists("out/ours") && !exists("out/sub") && !exists("out/.m"));
	CHECK(exists("out/theirs"));
	CHECK(exists("out")); /* it existed before the claim */

	REQUIRE_OK(rcr_fs_outdir_claim(&d, at("new"), ".m", "-f"));
	touch("new/ours");
	REQUIRE_OK(rcr_fs_outdir_add(&d, "ours", NULL));
	rcr_fs_outdir_abandon(&d);
	CHECK(!exists("new"));
	cleanup();
}

static int is_dat(const char *name)
{
	size_t n = strlen(name);
	return n > 4 && strcmp(name + n - 4, ".dat") == 0;
}

static void test_fsutil__remove_known_keeps_unknown_entries(void)
{
	fresh();
	mkdir(at("s"), 0700);
	touch("s/1.dat");
	touch("s/notes.txt");
	mkdir(at("s/2.dat"), 0700); /* a directory by a known name is not one of the files */
	REQUIRE_OK(rcr_fs_remove_known(at("s"), is_dat));
	CHECK(!exists("s/1.dat") && exists("s/notes.txt") && exists("s/2.dat"));
	mkdir(at("t"), 0700);
	touch("t/3.dat");
	REQUIRE_OK(rcr_fs_remove_known(at("t"), is_dat));
	CHECK(!exists("t"));
	cleanup();
}

static void test_fsutil__check_apart(void)
{
	fresh();
	mkdir(at("arch"), 0700);
	CHECK(symlink("arch", at("alink")) == 0);
	CHECK_RC(rcr_fs_check_apart(at("arch"), at("arch"), "-o"), RCR_E_USAGE);
	CHECK_RC(rcr_fs_check_apart(at("arch"), at("alink"), "-o"), RCR_E_USAGE);
	CHECK_RC(rcr_fs_check_apart(at("arch"), at("arch/x"), "-o"), RCR_E_USAGE);
	CHECK_RC(rcr_fs_check_apart(at("arch"), root, "-o"), RCR_E_USAGE);
	CHECK_RC(rcr_fs_check_apart(at("arch"), at("archive2"), "-o"), 0);
	CHECK_RC(rcr_fs_check_apart(at("arch"), at("no/such/dir"), "-o"), 0);
	cleanup();
}

static int file_is(const char *rel, const char *text)
{
	char buf[64] = "";
	int fd = open(at(rel), O_RDONLY);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof buf - 1) : -1;
	if (fd >= 0)
		close(fd);
	return n >= 0 && strcmp(buf, text) == 0;
}

/* A link (or any file) someone put in the output directory under the temporary name is refused,
 * not written through: the write would truncate its target. */
static void test_fsutil__write_atomic_refuses_a_planted_temporary(void)
{
	fresh();
	mkdir(at("out"), 0700);
	int fd = open(at("victim"), O_WRONLY | O_CREAT | O_TRUNC, 0600);
	CHECK(fd >= 0 && write(fd, "precious", 8) == 8);
	if (fd >= 0)
		close(fd);
	CHECK(symlink("../victim", at("out/m.tmp")) == 0);
	CHECK_RC(rcr_fs_write_atomic(at("out"), "m", "new", 3), RCR_E_IO);
	CHECK(file_is("victim", "precious"));
	CHECK(!exists("out/m"));
	CHECK(exists("out/m.tmp")); /* not ours: it stays */
	REQUIRE_OK(rcr_fs_write_atomic(at("out"), "n", "new", 3));
	CHECK(file_is("out/n", "new") && !exists("out/n.tmp"));
	cleanup();
}

static const test_case cases[] = {
	TEST(test_fsutil__claim_refuses_taken_directories),
	TEST(test_fsutil__second_claim_changes_nothing),
	TEST(test_fsutil__abandon_removes_only_what_was_recorded),
	TEST(test_fsutil__remove_known_keeps_unknown_entries),
	TEST(test_fsutil__check_apart),
	TEST(test_fsutil__write_atomic_refuses_a_planted_temporary),
};

TEST_MAIN(cases)
