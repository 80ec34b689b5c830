/* progress.c: the progress display, live or as log lines (see progress.h). */
#include "rcr/progress.h"
#include "rcr/buf.h"
#include "rcr/text.h"

#include <stdlib.h>
#include <sys/ioctl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

double rcr_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

const char *rcr_fmt_bytes(char *buf, size_t cap, uint64_t n)
{
	static const char *unit[] = {"B", "kB", "MB", "GB", "TB"};
	double v = (double)n;
	int u = 0;
	while (v >= 1000.0 && u < 4) {
		v /= 1000.0;
		u++;
	}
	snprintf(buf, cap, u ? "%.1f %s" : "%.0f %s", v, unit[u]);
	return buf;
}

static uint64_t now_us(void) { return (uint64_t)(rcr_now() * 1e6); }

/* " 12.3 MB/s" and " ETA 4s" for `done` of `total` bytes after `secs` seconds. */
static void rate_eta(char *rate, size_t rcap, char *eta, size_t ecap, uint64_t done, uint64_t total, double secs)
{
	char b[32];
	double r = secs > 0.05 ? (double)done / secs : 0;
	rate[0] = eta[0] = 0;
	if (r > 0)
		snprintf(rate, rcap, "  %s/s", rcr_fmt_bytes(b, sizeof b, (uint64_t)r));
	if (r > 0 && total > done) {
		double s = (double)(total - done) / r;
		if (s < 60)
			snprintf(eta, ecap, "  ETA %.0fs", s);
		else if (s < 3600)
			snprintf(eta, ecap, "  ETA %dm%02ds", (int)s / 60, (int)s % 60);
		else
			snprintf(eta, ecap, "  ETA %dh%02dm", (int)(s / 3600), (int)s % 3600 / 60);
	}
}

/* ", 12.3 MB/s" for the plain lines; "" when too short to measure. */
static const char *rate_text(char *out, size_t cap, uint64_t bytes, double secs)
{
	char b[32];
	out[0] = 0;
	if (secs > 0.001 && bytes)
		snprintf(out, cap, ", %s/s", rcr_fmt_bytes(b, sizeof b, (uint64_t)((double)bytes / secs)));
	return out;
}

/* "12.3 MB of 61.4 MB (20%)", or "12.3 MB" when the total is unknown. The totals of dump are
 * the server's size estimates, so the share is capped below 100% until the work is done. */
static void amount(char *out, size_t cap, uint64_t done, uint64_t total)
{
	char b1[32], b2[32];
	if (!total) {
		snprintf(out, cap, "%s", rcr_fmt_bytes(b1, sizeof b1, done));
		return;
	}
	double pct = 100.0 * (double)done / (double)total;
	snprintf(out, cap, "%s of %s (%.0f%%)", rcr_fmt_bytes(b1, sizeof b1, done), rcr_fmt_bytes(b2, sizeof b2, total),
		 pct > 99 ? 99 : pct);
}

static int term_width(void)
{
	struct winsize ws;
	if (ioctl(2, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 10)
		return ws.ws_col;
	return 0;
}

/* Writes one display line, cut to the terminal width so that no line wraps: the redraw moves
 * the cursor up by the number of lines it wrote. */
static void put_line(rcr_buf *o, const char *s, int width)
{
	size_t n = strlen(s);
	if (width > 0 && n > (size_t)width - 1)
		n = (size_t)width - 1;
	rcr_buf_append(o, "\r", 1);
	rcr_buf_append(o, s, n);
	rcr_buf_append(o, "\033[K\n", 4);
}

#define LIVE_MAX_TABLES 8

static void draw_live(rcr_progress *p)
{
	rcr_buf o = RCR_BUF_INIT;
	char line[RCR_SHOWN_SIZE + 256], am[96], rate[48], eta[48];
	int width = term_width(), lines = 0, shown = 0, more = 0;
	if (p->lines > 0) {
		snprintf(line, sizeof line, "\033[%dA", p->lines);
		rcr_buf_append(&o, line, strlen(line));
	}
	double now = rcr_now();
	for (uint32_t i = 0; p->tables && i < p->ntables; i++) {
		rcr_progress_table *t = &p->tables[i];
		uint64_t st = atomic_load(&t->start_us);
		if (!st || !t->parts_total || atomic_load(&t->parts_done) >= t->parts_total)
			continue;
		if (shown == LIVE_MAX_TABLES) {
			more++;
			continue;
		}
		uint64_t b = atomic_load(&t->bytes);
		amount(am, sizeof am, b, t->bytes_total);
		rate_eta(rate, sizeof rate, eta, sizeof eta, b, t->bytes_total, now - (double)st / 1e6);
		snprintf(line, sizeof line, "  %s  %s  %llu rows%s%s", rcr_name_qualify(t->schema, t->name).s, am,
			 (unsigned long long)atomic_load(&t->rows), rate, eta);
		put_line(&o, line, width);
		lines++;
		shown++;
	}
	if (more) {
		snprintf(line, sizeof line, "  ... and %d more table%s", more, more == 1 ? "" : "s");
		put_line(&o, line, width);
		lines++;
	}
	uint64_t b = atomic_load(&p->bytes);
	amount(am, sizeof am, b, p->bytes_total);
	rate_eta(rate, sizeof rate, eta, sizeof eta, b, p->bytes_total, now - p->start);
	snprintf(line, sizeof line, "rcr %s: tables %d/%d  %llu rows  %s%s%s", p->verb, atomic_load(&p->tables_done),
		 p->tables_total, (unsigned long long)atomic_load(&p->rows), am, rate, eta);
	put_line(&o, line, width);
	lines++;
	/* Lines left over from a taller previous frame. */
	rcr_buf_append(&o, "\033[J", 3);
	p->lines = lines;
	fwrite(o.data, 1, o.len, stderr);
	fflush(stderr);
	rcr_buf_free(&o);
}

static void *progress_thread(void *arg)
{
	rcr_progress *p = arg;
	/* A first frame at once: the user sees that work started, even for short runs. */
	draw_live(p);
	while (!atomic_load(&p->stop)) {
		struct timespec ts = {0, 250 * 1000 * 1000};
		nanosleep(&ts, NULL);
		if (!atomic_load(&p->stop))
			draw_live(p);
	}
	return NULL;
}

void rcr_progress_init(rcr_progress *p, const char *verb, const rcr_manifest *m, int mode)
{
	memset(p, 0, sizeof *p);
	p->verb = verb;
	int tty = isatty(2);
	p->live = mode == RCR_PROGRESS_ALWAYS || (mode == RCR_PROGRESS_AUTO && tty);
	p->log = mode == RCR_PROGRESS_AUTO && !tty;
	if ((p->live || p->log) && m && m->ntables) {
		p->tables = calloc(m->ntables, sizeof *p->tables);
		if (p->tables) {
			p->ntables = m->ntables;
			for (uint32_t i = 0; i < m->ntables; i++) {
				p->tables[i].schema = m->tables[i].schema;
				p->tables[i].name = m->tables[i].name;
			}
		}
	}
}

void rcr_progress_expect(rcr_progress *p, uint32_t table, uint64_t bytes)
{
	p->bytes_total += bytes;
	if (!p->tables || table >= p->ntables) {
		p->tables_total++;
		return;
	}
	if (p->tables[table].parts_total++ == 0)
		p->tables_total++;
	p->tables[table].bytes_total += bytes;
}

void rcr_progress_begin(rcr_progress *p)
{
	p->start = rcr_now();
	p->running = p->live && pthread_create(&p->thread, NULL, progress_thread, p) == 0;
}

void rcr_progress_add(rcr_progress *p, uint32_t table, uint64_t rows, uint64_t bytes)
{
	atomic_fetch_add(&p->rows, rows);
	atomic_fetch_add(&p->bytes, bytes);
	if (!p->tables || table >= p->ntables)
		return;
	rcr_progress_table *t = &p->tables[table];
	uint64_t zero = 0;
	if (!atomic_load(&t->start_us))
		atomic_compare_exchange_strong(&t->start_us, &zero, now_us());
	atomic_fetch_add(&t->rows, rows);
	atomic_fetch_add(&t->bytes, bytes);
}

void rcr_progress_part_done(rcr_progress *p, uint32_t table)
{
	if (!p->tables || table >= p->ntables) {
		atomic_fetch_add(&p->tables_done, 1);
		return;
	}
	rcr_progress_table *t = &p->tables[table];
	if (atomic_fetch_add(&t->parts_done, 1) + 1 != t->parts_total)
		return;
	atomic_fetch_add(&p->tables_done, 1);
	if (!p->log)
		return;
	char b[32], rate[48];
	uint64_t st = atomic_load(&t->start_us), bytes = atomic_load(&t->bytes);
	double secs = st ? rcr_now() - (double)st / 1e6 : 0;
	/* One fprintf: stdio locks the stream, so lines of concurrent workers never interleave. */
	fprintf(stderr, "rcr %s: table '%s' done: %llu rows, %s in %.2f s%s\n", p->verb, rcr_name_qualify(t->schema, t->name).s,
		(unsigned long long)atomic_load(&t->rows), rcr_fmt_bytes(b, sizeof b, bytes), secs,
		rate_text(rate, sizeof rate, bytes, secs));
}

void rcr_progress_end(rcr_progress *p)
{
	if (p->running) {
		atomic_store(&p->stop, 1);
		pthread_join(p->thread, NULL);
		p->running = 0;
		/* Clear the display; the summary below replaces it. */
		if (p->lines > 0)
			fprintf(stderr, "\033[%dA\r\033[J", p->lines);
		p->lines = 0;
	}
	if (p->live || p->log) {
		char b[32], rate[48];
		uint64_t bytes = atomic_load(&p->bytes);
		double secs = rcr_now() - p->start;
		fprintf(stderr, "rcr %s: %d/%d tables, %llu rows, %s (%llu bytes) of column data in %.2f s%s\n", p->verb,
			atomic_load(&p->tables_done), p->tables_total, (unsigned long long)atomic_load(&p->rows),
			rcr_fmt_bytes(b, sizeof b, bytes), (unsigned long long)bytes, secs,
			rate_text(rate, sizeof rate, bytes, secs));
		fflush(stderr);
	}
	free(p->tables);
	p->tables = NULL;
	p->live = p->log = 0;
}
