/* pgtools.c: running pg_dump and pg_restore, and pg_dump's name patterns (see pg.h). */
#include "rcr/pg.h"
#include "rcr/err.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

int rcr_pg_run_tool(char *const argv[], const char *password, volatile pid_t *pid_slot)
{
	return rcr_pg_run_tool_capture(argv, password, NULL, pid_slot, NULL);
}

int rcr_pg_run_tool_capture(char *const argv[], const char *password, const char *const *env,
			    volatile pid_t *pid_slot, rcr_buf *out)
{
	int pfd[2] = {-1, -1};
	if (out && pipe(pfd) != 0)
		return rcr_error_set(RCR_E_TOOL, "could not create a pipe: %s", strerror(errno));
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		if (out) {
			close(pfd[0]);
			close(pfd[1]);
		}
		return rcr_error_set(RCR_E_TOOL, "could not start %s: %s", argv[0], strerror(errno));
	}
	if (pid == 0) {
		if (out) {
			dup2(pfd[1], 1);
			close(pfd[0]);
			close(pfd[1]);
		}
		/* rcr blocks termination signals in favour of its signal thread; the tool must not
		 * inherit that mask, or it could not be stopped. */
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		if (password)
			setenv("PGPASSWORD", password, 1);
		for (const char *const *e = env; e && *e; e++)
			putenv((char *)*e);
		execvp(argv[0], argv);
		fprintf(stderr, "rcr: could not run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	if (pid_slot)
		*pid_slot = pid;
	int rc = 0;
	if (out) {
		close(pfd[1]);
		char buf[65536];
		for (;;) {
			ssize_t r = read(pfd[0], buf, sizeof buf);
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0)
				break;
			if (rc == 0)
				rc = rcr_buf_append(out, buf, (size_t)r);
		}
		close(pfd[0]);
	}
	int status;
	pid_t w;
	do
		w = waitpid(pid, &status, 0);
	while (w < 0 && errno == EINTR);
	if (pid_slot)
		*pid_slot = 0;
	if (w < 0)
		return rcr_error_set(RCR_E_TOOL, "waiting for %s failed: %s", argv[0], strerror(errno));
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return rc;
	if (WIFSIGNALED(status))
		return rcr_error_set(RCR_E_TOOL, "%s was terminated by signal %d", argv[0], WTERMSIG(status));
	return rcr_error_set(RCR_E_TOOL, "%s failed with exit status %d", argv[0], WEXITSTATUS(status));
}

int rcr_strlist_add(rcr_strlist *l, const char *s)
{
	const char **n = realloc(l->items, (size_t)(l->n + 1) * sizeof *n);
	if (!n)
		return rcr_error_set(RCR_E_NOMEM, "out of memory");
	l->items = n;
	l->items[l->n++] = s;
	return 0;
}

void rcr_strlist_free(rcr_strlist *l)
{
	free(l->items);
	l->items = NULL;
	l->n = 0;
}

/* Mirrors PostgreSQL's patternToSQLRegex (fe_utils/string_utils.c): the same wildcard, quote,
 * case-folding and escaping rules, so `rcr dump -t` selects what `pg_dump -t` selects. */
int rcr_pattern_to_regex(char **schema_re, char **name_re, const char *pattern, int schema_only)
{
	*schema_re = *name_re = NULL;
	size_t plen = strlen(pattern);
	char *parts[3];
	size_t lens[3] = {0, 0, 0};
	int nparts = 1, inquotes = 0;
	for (int i = 0; i < 3; i++) {
		parts[i] = malloc(plen * 2 + 8);
		if (!parts[i]) {
			for (int j = 0; j < i; j++)
				free(parts[j]);
			return rcr_error_set(RCR_E_NOMEM, "out of memory");
		}
	}
	for (int i = 0; i < 3; i++) {
		memcpy(parts[i], "^(", 2);
		lens[i] = 2;
	}
	int rc = 0;
	for (const char *c = pattern; *c; c++) {
		char *b = parts[nparts - 1];
		size_t *l = &lens[nparts - 1];
		char ch = *c;
		if (ch == '"') {
			if (inquotes && c[1] == '"') {
				b[(*l)++] = '"';
				c++;
			} else
				inquotes = !inquotes;
		} else if (!inquotes && isupper((unsigned char)ch))
			b[(*l)++] = (char)tolower((unsigned char)ch);
		else if (!inquotes && ch == '*') {
			b[(*l)++] = '.';
			b[(*l)++] = '*';
		} else if (!inquotes && ch == '?')
			b[(*l)++] = '.';
		else if (!inquotes && ch == '.') {
			if (nparts == 3) {
				rc = rcr_error_set(RCR_E_USAGE, "improper qualified name (too many dotted names): %s", pattern);
				break;
			}
			nparts++;
		} else if (ch == '$') {
			b[(*l)++] = '\\';
			b[(*l)++] = '$';
		} else {
			if (inquotes && strchr("|*+?()[]{}.^\\", ch))
				b[(*l)++] = '\\';
			b[(*l)++] = ch;
		}
	}
	for (int i = 0; i < 3; i++) {
		memcpy(parts[i] + lens[i], ")$", 3);
	}
	int max_parts = schema_only ? 2 : 3;
	if (rc == 0 && nparts > max_parts)
		rc = rcr_error_set(RCR_E_USAGE, "improper qualified name (too many dotted names): %s", pattern);
	if (rc == 0 && nparts == max_parts)
		/* database.schema[.table]: pg_dump refuses cross-database references as well. */
		rc = rcr_error_set(RCR_E_USAGE, "cross-database references are not implemented: %s", pattern);
	if (rc < 0) {
		for (int i = 0; i < 3; i++)
			free(parts[i]);
		return rc;
	}
	if (schema_only || nparts == 1) {
		if (schema_only)
			*schema_re = parts[0];
		else
			*name_re = parts[0];
		free(parts[1]);
	} else {
		*schema_re = parts[0];
		*name_re = parts[1];
	}
	free(parts[2]);
	return 0;
}
