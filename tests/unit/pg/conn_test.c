/* conn_test.c: tests rcr_pg_error_line (src/pg/conn.c), which makes libpq's multi-line error
 * messages into the one line rcr prints. The connections here fail before reaching any server
 * (a socket directory that does not exist, an unknown option), so no server is needed: the
 * messages are libpq's own. */
#include "../test.h"

#include "rcr/pg.h"

#include <libpq-fe.h>

static void check_one_line(const char *line)
{
	CHECK(strchr(line, '\n') == NULL);
	CHECK(strchr(line, '\t') == NULL);
	CHECK(strstr(line, "  ") == NULL);
	size_t n = strlen(line);
	CHECK(n > 0 && n < 512);
	CHECK(n == 0 || line[n - 1] != ' ');
}

static void test_conn__no_connection(void)
{
	CHECK_STR(rcr_pg_error_line(NULL), "no connection");
}

/* libpq: "connection to server on socket ... failed: No such file or directory\n\tIs the server
 * running locally and accepting connections on that socket?\n". The first line names the
 * server, the second says what to check: both kept, on one line. */
static void test_conn__lines_joined(void)
{
	PGconn *conn = PQconnectdb("host=/nonexistent-rcr-test-dir port=1 sslmode=disable gssencmode=disable");
	REQUIRE(conn != NULL);
	const char *raw = PQerrorMessage(conn);
	CHECK(PQstatus(conn) == CONNECTION_BAD);
	CHECK(strchr(raw, '\n') != NULL && strchr(raw, '\n')[1] != 0); /* libpq gave several lines */
	const char *line = rcr_pg_error_line(conn);
	check_one_line(line);
	CHECK(strstr(line, "/nonexistent-rcr-test-dir/.s.PGSQL.1") != NULL);
	CHECK(strstr(line, "No such file or directory Is the server running") != NULL);
	/* the first line of libpq's message starts ours unchanged */
	size_t first = strcspn(raw, "\n");
	CHECK(strncmp(line, raw, first) == 0);
	PQfinish(conn);
}

/* A message longer than the line buffer is cut, not overrun (ASan checks), and the cut is
 * still one line. */
static void test_conn__long_message_cut(void)
{
	char conninfo[2048];
	memset(conninfo, 'x', 1500);
	memcpy(conninfo + 1500, "=1", 3);
	PGconn *conn = PQconnectdb(conninfo);
	REQUIRE(conn != NULL);
	REQUIRE(strlen(PQerrorMessage(conn)) > 1500);
	const char *line = rcr_pg_error_line(conn);
	check_one_line(line);
	CHECK_EQ_U64(strlen(line), 511);
	CHECK(strncmp(line, "invalid connection option \"xxxx", 31) == 0);
	PQfinish(conn);
}

static const test_case cases[] = {
	TEST(test_conn__no_connection),
	TEST(test_conn__lines_joined),
	TEST(test_conn__long_message_cut),
};

TEST_MAIN(cases)
