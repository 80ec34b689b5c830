/* mem_sample PID MS: the memory of a PostgreSQL cluster over time, for bench.sh.
 *
 * Every MS milliseconds, one line "EPOCH_SECONDS RSS_KIB PSS_KIB NPROCS": the sums over the
 * postmaster PID and all its children (backends, autovacuum, the parallel workers of an index
 * build, which are the postmaster's children too) of Rss and Pss from /proc/N/smaps_rollup.
 * Pss charges each shared page (shared_buffers, the dynamic shared memory a parallel HNSW build
 * keeps its graph in) once over the processes that map it, so the Pss sum is what the cluster
 * holds; the Rss sum counts such pages once per process. Runs until SIGTERM or SIGINT. Reading
 * another user's smaps_rollup needs root or that user. */
#define _DEFAULT_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* The parent pid of pid, from /proc/pid/stat (the field after the command, which may hold
 * spaces and parentheses: read from the last ')'). -1 if it is gone. */
static long parent_of(const char *pid)
{
	char path[64], buf[1024];
	snprintf(path, sizeof path, "/proc/%s/stat", pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = 0;
	char *p = strrchr(buf, ')');
	long ppid;
	char state;
	return p && sscanf(p + 1, " %c %ld", &state, &ppid) == 2 ? ppid : -1;
}

/* Adds pid's Rss and Pss (kB) to *rss and *pss; 0, or -1 if it is gone. */
static int add_memory(const char *pid, long long *rss, long long *pss)
{
	char path[64], line[256];
	snprintf(path, sizeof path, "/proc/%s/smaps_rollup", pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	long long v;
	while (fgets(line, sizeof line, f)) {
		if (sscanf(line, "Rss: %lld kB", &v) == 1)
			*rss += v;
		else if (sscanf(line, "Pss: %lld kB", &v) == 1)
			*pss += v;
	}
	fclose(f);
	return 0;
}

static void sample(long pm)
{
	long long rss = 0, pss = 0;
	int nprocs = 0;
	DIR *d = opendir("/proc");
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (!isdigit((unsigned char)e->d_name[0]))
			continue;
		if (strtol(e->d_name, NULL, 10) != pm && parent_of(e->d_name) != pm)
			continue;
		if (add_memory(e->d_name, &rss, &pss) == 0)
			nprocs++;
	}
	closedir(d);
	struct timeval tv;
	gettimeofday(&tv, NULL);
	printf("%lld.%06ld %lld %lld %d\n", (long long)tv.tv_sec, (long)tv.tv_usec, rss, pss, nprocs);
	fflush(stdout);
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: mem_sample POSTMASTER_PID INTERVAL_MS\n");
		return 2;
	}
	long pm = strtol(argv[1], NULL, 10), ms = strtol(argv[2], NULL, 10);
	if (pm <= 0 || ms <= 0) {
		fprintf(stderr, "mem_sample: bad arguments\n");
		return 2;
	}
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	struct timespec gap = {ms / 1000, (ms % 1000) * 1000000L};
	while (!stop) {
		sample(pm);
		nanosleep(&gap, NULL);
	}
	sample(pm);
	return 0;
}
