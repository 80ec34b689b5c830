/* pgtools.c: finding and running pg_dump and pg_restore (see pg.h). */
#include "rcr/pg.h"
#include "rcr/err.h"
#include "rcr/text.h"

#include <assert.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <locale.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static int is_executable(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 && S_ISREG(st.st_mode) && access(p, X_OK) == 0;
}

int rcr_pg_find_tool(char **out, const char *tool, int server_major)
{
	char path[4096];
	const char *bindir = getenv("RCR_PG_BINDIR");
	if (bindir && bindir[0]) {
		snprintf(path, sizeof path, "%s/%s", bindir, tool);
		if (!is_executable(path))
			return rcr_error_set_hint(RCR_E_TOOL, "RCR_PG_BINDIR must name a PostgreSQL bin directory",
						  "'%s' is not an executable", path);
		*out = strdup(path);
		return *out ? 0 : rcr_error_set(RCR_E_NOMEM, "out of memory");
	}
	/* pg_dump must be at least as new as the server; Debian keeps one bin dir per major. */
	int best = 0;
	DIR *d = opendir("/usr/lib/postgresql");
	if (d) {
		struct dirent *e;
		while ((e = readdir(d))) {
			int v = atoi(e->d_name);
			if (v <= 0 || v < server_major)
				continue;
			snprintf(path, sizeof path, "/usr/lib/postgresql/%d/bin/%s", v, tool);
			if (!is_executable(path))
				continue;
			/* Prefer the exact major, else the oldest newer one. */
			if (best == 0 || (best != server_major && (v == server_major || v < best)))
				best = v;
		}
		closedir(d);
	}
	if (best) {
		snprintf(path, sizeof path, "/usr/lib/postgresql/%d/bin/%s", best, tool);
		*out = strdup(path);
		return *out ? 0 : rcr_error_set(RCR_E_NOMEM, "out of memory");
	}
	*out = strdup(tool); /* execvp searches PATH */
	return *out ? 0 : rcr_error_set(RCR_E_NOMEM, "out of memory");
}

/* The version a PostgreSQL client program prints for --version ("pg_dump (PostgreSQL) 15.20
 * (Debian ...)"): the text from the first digit to the end of that word. 0 when unreadable. */
static int parse_tool_version(char *ver, size_t cap, const char *text)
{
	const char *p = strstr(text, ") ");
	p = p ? p + 2 : text;
	while (*p && !isdigit((unsigned char)*p))
		p++;
	size_t n = strcspn(p, " \t\r\n");
	if (n == 0 || n >= cap)
		return 0;
	memcpy(ver, p, n);
	ver[n] = 0;
	return atoi(ver);
}

int rcr_pg_check_tool_version(const char *path, const char *server_version, int server_major)
{
	char *argv[3] = {(char *)path, "--version", NULL};
	rcr_buf out = RCR_BUF_INIT;
	int rc = rcr_pg_run_tool_capture(argv, NULL, NULL, NULL, &out);
	const char *text = rc == 0 ? rcr_buf_cstr(&out) : NULL;
	if (rc == 0 && !text)
		rc = rcr_buf_check(&out);
	if (rc < 0) {
		rcr_buf_free(&out);
		return rc;
	}
	char ver[64];
	int major = parse_tool_version(ver, sizeof ver, text);
	rcr_buf_free(&out);
	/* From PostgreSQL 10 on the major is the first number; 9.x cannot dump a server rcr
	 * supports anyway. An unreadable answer is left to the tool to judge. */
	if (major == 0 || major >= server_major)
		return 0;
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	char hint[256];
	snprintf(hint, sizeof hint,
		 "install the PostgreSQL %d client programs (%s %d or newer), or set RCR_PG_BINDIR to the bin"
		 " directory that holds them",
		 server_major, base, server_major);
	return rcr_error_set_hint(RCR_E_TOOL, hint, "'%s' is version %s, older than the server (PostgreSQL %s)", path,
				  ver, server_version);
}

int rcr_pg_run_tool(char *const argv[], const char *password, volatile pid_t *pid_slot)
{
	return rcr_pg_run_tool_capture(argv, password, NULL, pid_slot, NULL);
}

/*
 * The child's standard error, read line by line. Until the tool reports an error its lines go
 * straight through (warnings, --verbose progress); from its first "<tool>: error: " line on they
 * are held back, and the first error line becomes the one line rcr reports, so a failure reads
 * "pg_dump failed: <why>" instead of the tool's multi-line report followed by ours.
 */
typedef struct tool_stderr {
	char prog[64];          /* "pg_dump: error: " style prefix */
	char line[2048];
	size_t len;
	int in_error;
	char first_error[512];
} tool_stderr;

static void stderr_line(tool_stderr *t)
{
	t->line[t->len] = 0;
	size_t plen = strlen(t->prog);
	/* The server's own last words reach the tool as notices when its connection is idle
	 * (FATAL on termination, a WARNING on immediate shutdown): they start the error too. */
	int tool_err = strncmp(t->line, t->prog, plen) == 0;
	if (!t->in_error && (tool_err || strncmp(t->line, "FATAL:  ", 8) == 0 || strncmp(t->line, "PANIC:  ", 8) == 0 ||
			     strncmp(t->line, "WARNING:  terminating connection", 32) == 0)) {
		t->in_error = 1;
		const char *from = t->line + (tool_err ? plen : 0);
		size_t n = strnlen(from, sizeof t->first_error - 1);
		memcpy(t->first_error, from, n);
		t->first_error[n] = 0;
		/* The tool's line may end in a libpq message with its own newline; keep one line. */
		t->first_error[strcspn(t->first_error, "\r\n")] = 0;
	}
	/* "terminated by user" answers the SIGTERM rcr itself sent on an interrupt, which rcr
	 * reports in its own words. */
	size_t blen = plen - strlen("error: ");
	int our_term = strncmp(t->line, t->prog, blen) == 0 && strcmp(t->line + blen, "terminated by user") == 0;
	/* The tool quotes names and statements from the archive (a forged toc.dat's drop statement
	 * in pg_restore's warning): escaped, as everything rcr shows. */
	if (!t->in_error && !our_term) {
		rcr_text_fputs(t->line, stderr);
		fputc('\n', stderr);
	}
	t->len = 0;
}

static void stderr_feed(tool_stderr *t, const char *buf, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (buf[i] == '\n') {
			stderr_line(t);
			continue;
		}
		if (t->len + 1 < sizeof t->line)
			t->line[t->len++] = buf[i];
	}
}

/*
 * The child's environment: environ, with the "NAME=value" strings of set replacing entries of
 * the same name. envp borrows every string; owned holds those built here (freed with it).
 * Built before fork: rcr has other threads (workers, the signal thread, OpenSSL's and ASan's
 * locks), and a child of a threaded process may only make async-signal-safe calls until it
 * execs; setenv/putenv there (malloc) could deadlock on a lock some other thread held.
 */
typedef struct child_env {
	char **envp;
	char *owned[8];
	int nowned;
} child_env;

static void child_env_free(child_env *e)
{
	free(e->envp);
	for (int i = 0; i < e->nowned; i++)
		free(e->owned[i]);
	*e = (child_env){0};
}

/* Adds "name=value" to set (and to e->owned). */
static int add_owned(child_env *e, const char **set, size_t *n, const char *name, const char *value)
{
	char *s = NULL;
	assert(e->nowned < (int)(sizeof e->owned / sizeof e->owned[0]));
	if (asprintf(&s, "%s=%s", name, value) < 0)
		return rcr_error_set(RCR_E_NOMEM, "out of memory");
	e->owned[e->nowned++] = s;
	set[(*n)++] = s;
	return 0;
}

/*
 * The child's messages in English: rcr reads its report (the "<tool>: error: " prefix, the
 * first error line, a strerror text), and the user's LC_MESSAGES, LANG or LANGUAGE would
 * translate it (LANGUAGE is ignored under LC_MESSAGES=C). LC_ALL would override LC_MESSAGES:
 * it is cleared, and its value given to the other categories, which keep what the user chose.
 * The server's messages that the child passes on are made English by its session's
 * lc_messages (rcr_pg_child_conninfo). The child's output is still shown, in English.
 */
static int locale_environment(child_env *e, const char **set, size_t *n)
{
	static const char *const categories[] = {"LC_CTYPE", "LC_NUMERIC", "LC_TIME", "LC_COLLATE", "LC_MONETARY"};
	set[(*n)++] = "LC_MESSAGES=C";
	const char *all = getenv("LC_ALL");
	if (!all || !all[0])
		return 0;
	set[(*n)++] = "LC_ALL=";
	for (size_t i = 0; i < sizeof categories / sizeof categories[0]; i++)
		RCR_FORWARD(add_owned(e, set, n, categories[i], all));
	return 0;
}

/* environ with PGPASSWORD=password (if any), the locale above and extra (NULL-terminated,
 * may be NULL) replacing entries of the same name. */
static int child_environment(child_env *e, const char *password, const char *const *extra)
{
	extern char **environ;
	const char *set[16];
	size_t nset = 0, n = 0;
	*e = (child_env){0};
	int rc = locale_environment(e, set, &nset);
	if (rc == 0 && password)
		rc = add_owned(e, set, &nset, "PGPASSWORD", password);
	for (size_t j = 0; rc == 0 && extra && extra[j]; j++) {
		assert(nset < sizeof set / sizeof set[0]);
		set[nset++] = extra[j];
	}
	while (environ && environ[n])
		n++;
	e->envp = rc == 0 ? calloc(n + nset + 1, sizeof *e->envp) : NULL;
	if (!e->envp) {
		child_env_free(e);
		return rc < 0 ? rc : rcr_error_set(RCR_E_NOMEM, "out of memory");
	}
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		const char *eq = strchr(environ[i], '=');
		size_t nlen = eq ? (size_t)(eq - environ[i]) + 1 : strlen(environ[i]);
		int replaced = 0;
		for (size_t j = 0; j < nset && !replaced; j++)
			replaced = strncmp(environ[i], set[j], nlen) == 0;
		if (!replaced)
			e->envp[k++] = environ[i];
	}
	for (size_t j = 0; j < nset; j++)
		e->envp[k++] = (char *)set[j];
	e->envp[k] = NULL;
	return 0;
}

static void close_pair(int fd[2])
{
	if (fd[0] >= 0)
		close(fd[0]);
	if (fd[1] >= 0)
		close(fd[1]);
	fd[0] = fd[1] = -1;
}

/* In the child, between fork and exec: only async-signal-safe calls (no stdio, no malloc). */
static void exec_child(char *const argv[], char **envp, int pfd[2], int efd[2], pid_t parent)
{
	if (pfd[1] >= 0) {
		dup2(pfd[1], 1);
		close_pair(pfd);
	}
	dup2(efd[1], 2);
	close_pair(efd);
	/* rcr blocks termination signals in favour of its signal thread; the tool must not
	 * inherit that mask, or it could not be stopped. */
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	/* The tool dies with rcr, however rcr ends (SIGKILL included): SIGTERM, which pg_dump and
	 * pg_restore answer by cancelling their server-side statements. The signal follows the
	 * forking thread, which waits for the child below, so it cannot fire early. If rcr died
	 * before the prctl, the child was already reparented: give up at once. */
	if (prctl(PR_SET_PDEATHSIG, SIGTERM) != 0 || getppid() != parent)
		_exit(127);
	execvpe(argv[0], argv, envp);
	static const char msg[] = "rcr: could not run pg_dump/pg_restore: exec failed\n";
	ssize_t w = write(2, msg, sizeof msg - 1);
	(void)w;
	_exit(127);
}

/* Starts argv with its standard output on pfd (when pfd[0] >= 0) and standard error on efd;
 * closes the child's ends here. */
static int spawn_child(pid_t *pid, char *const argv[], const char *password, const char *const *env, int pfd[2],
		       int efd[2])
{
	child_env cenv;
	RCR_FORWARD(child_environment(&cenv, password, env));
	fflush(NULL);
	pid_t parent = getpid();
	*pid = fork();
	if (*pid == 0)
		exec_child(argv, cenv.envp, pfd, efd, parent);
	int e = errno;
	child_env_free(&cenv);
	if (*pid < 0)
		return rcr_error_set(RCR_E_TOOL, "could not start %s: %s", argv[0], strerror(e));
	if (pfd[1] >= 0)
		close(pfd[1]);
	close(efd[1]);
	pfd[1] = efd[1] = -1;
	return 0;
}

/* Reads the child's standard error (through te, or straight to ours without it) and standard
 * output (appended to out) until both close. @return 0 or the first failure appending. */
static int read_child(int efd, int pfd, tool_stderr *te, rcr_buf *out)
{
	int rc = 0;
	struct pollfd fds[2] = {{.fd = efd, .events = POLLIN}, {.fd = pfd, .events = POLLIN}};
	while (fds[0].fd >= 0 || fds[1].fd >= 0) {
		if (poll(fds, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		char buf[65536];
		for (int i = 0; i < 2; i++) {
			if (fds[i].fd < 0 || !fds[i].revents)
				continue;
			ssize_t r = read(fds[i].fd, buf, sizeof buf);
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0) {
				close(fds[i].fd);
				fds[i].fd = -1;
			} else if (i == 1 && rc == 0)
				rc = rcr_buf_append(out, buf, (size_t)r);
			else if (i == 0 && te)
				stderr_feed(te, buf, (size_t)r);
			else if (i == 0)
				fwrite(buf, 1, (size_t)r, stderr);
		}
	}
	for (int i = 0; i < 2; i++)
		if (fds[i].fd >= 0)
			close(fds[i].fd);
	if (te && te->len)
		stderr_line(te);
	return rc;
}

/* Whether the child's report is the C library's text for a full disk. The child runs with
 * LC_MESSAGES=C, so that text is the C locale's, whatever locale rcr itself runs in. */
static int reports_no_space(const char *why)
{
	locale_t c = newlocale(LC_ALL_MASK, "C", (locale_t)0);
	int yes = c && strstr(why, strerror_l(ENOSPC, c)) != NULL;
	if (c)
		freelocale(c);
	return yes;
}

/*
 * The SQLSTATE of the server error a child reports, for the errors rcr decides on ("" for
 * others). pg_dump and pg_restore print a server error's text ("could not execute query:
 * ERROR:  ..."), never its SQLSTATE; both halves of that text are English (LC_MESSAGES=C for
 * the tool, lc_messages=C for its session where the role may set it), so the message is
 * matched here, in this one table, and callers decide on rcr_error_sqlstate().
 */
static const char *server_sqlstate(const char *why)
{
	static const struct {
		const char *prefix, *contains, *sqlstate;
	} known[] = {
		{"out of shared memory", "", "53200"},  /* out_of_memory: the lock table is full */
		{"relation \"", "\" already exists", "42P07"},     /* duplicate_table */
		{"schema \"", "\" already exists", "42P06"},       /* duplicate_schema */
		{"function ", " already exists with same argument types", "42723"},  /* duplicate_function */
		{"", " already exists", "42710"},                  /* duplicate_object */
	};
	const char *msg = strstr(why, "ERROR:  ");
	if (!msg)
		return "";
	msg += strlen("ERROR:  ");
	for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
		if (strncmp(msg, known[i].prefix, strlen(known[i].prefix)) == 0 && strstr(msg, known[i].contains))
			return known[i].sqlstate;
	return "";
}

/* The child's end: 0 for exit status 0, else RCR_E_TOOL (RCR_E_NOSPACE for a full disk) with
 * the first error line it reported (why, may be ""). */
static int child_status(pid_t pid, const char *base, const char *why)
{
	int status;
	pid_t w;
	do
		w = waitpid(pid, &status, 0);
	while (w < 0 && errno == EINTR);
	if (w < 0)
		return rcr_error_set(RCR_E_TOOL, "waiting for %s failed: %s", base, strerror(errno));
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (WIFSIGNALED(status))
		return rcr_error_set(RCR_E_TOOL, "%s was terminated by signal %d", base, WTERMSIG(status));
	/* A full disk is the same failure whether our writer or pg_dump's meets it first. */
	if (why[0]) {
		int rc = rcr_error_set(reports_no_space(why) ? RCR_E_NOSPACE : RCR_E_TOOL, "%s failed: %s", base, why);
		rcr_error_set_sqlstate(server_sqlstate(why));
		return rc;
	}
	return rcr_error_set(RCR_E_TOOL, "%s failed with exit status %d", base, WEXITSTATUS(status));
}

int rcr_pg_run_tool_capture(char *const argv[], const char *password, const char *const *env,
			    volatile pid_t *pid_slot, rcr_buf *out)
{
	int pfd[2] = {-1, -1}, efd[2] = {-1, -1};
	if ((out && pipe(pfd) != 0) || pipe(efd) != 0) {
		int e = errno;
		close_pair(pfd);
		return rcr_error_set(RCR_E_TOOL, "could not create a pipe: %s", strerror(e));
	}
	pid_t pid;
	int rc = spawn_child(&pid, argv, password, env, pfd, efd);
	if (rc < 0) {
		close_pair(pfd);
		close_pair(efd);
		return rc;
	}
	if (pid_slot)
		*pid_slot = pid;
	const char *base = strrchr(argv[0], '/');
	base = base ? base + 1 : argv[0];
	tool_stderr *te = calloc(1, sizeof *te);
	if (te)
		snprintf(te->prog, sizeof te->prog, "%s: error: ", base);
	rc = read_child(efd[0], pfd[0], te, out);
	int src = child_status(pid, base, te ? te->first_error : "");
	if (pid_slot)
		*pid_slot = 0;
	free(te);
	return src < 0 ? src : rc;
}
