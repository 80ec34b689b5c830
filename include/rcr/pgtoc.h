/*
 * pgtoc.h: pg_dump's directory-format table of contents (toc.dat), read and written.
 *
 * rcr keeps the schema as a pg_dump directory archive; `rcr convert` reads its toc.dat, adds a
 * TABLE DATA entry per stored table and writes a toc.dat that stock pg_restore reads. Layout
 * (pg_backup_archiver.c WriteHead/WriteToc; doc/pg-archive.md has the byte tables): ints
 * are a sign byte then intSize magnitude bytes, least significant first; strings are an int
 * length (-1 = NULL) then the bytes. Versions 1.14 (PostgreSQL 12-15), 1.15 (16: compression
 * algorithm byte instead of a level int) and 1.16 (17-18: relkind int per entry) are read and
 * written. Input is untrusted: every count and length is checked against the bytes left.
 */
#ifndef RCR_PGTOC_H
#define RCR_PGTOC_H

#include "rcr/buf.h"

#include <stdint.h>
#include <stddef.h>

enum { RCR_TOC_SECTION_NONE = 1, RCR_TOC_SECTION_PRE = 2, RCR_TOC_SECTION_DATA = 3, RCR_TOC_SECTION_POST = 4 };

typedef struct rcr_toc_entry {
	int dump_id;
	int had_dumper;
	char *tableoid, *oid, *tag, *desc;
	int section;
	char *defn, *drop_stmt, *copy_stmt, *namespace_, *tablespace, *tableam;
	int relkind;            /* 1.16 only; 0 elsewhere */
	char *owner, *with_oids;
	int ndeps;
	char **deps;            /* dump ids as decimal strings */
	char *filename;         /* directory format's extra string; NULL when empty */
} rcr_toc_entry;

typedef struct rcr_toc {
	int vmaj, vmin, vrev;
	int int_size, off_size, format;
	int compression;        /* < 1.15: the level int (0 none, -1 default gzip, 1-9); >= 1.15: algorithm */
	int tm[7];              /* sec, min, hour, mday, mon (0-based), year - 1900, isdst */
	char *dbname, *server_version, *pgdump_version;
	int nentries;
	rcr_toc_entry *entries;
} rcr_toc;

/* Parses toc.dat bytes. Accepts versions 1.14 to 1.16 and intSize 4 or 8 (other versions and
 * sizes: RCR_E_VERSION; a bad magic, format byte or structure: RCR_E_FORMAT). *out owned by
 * the caller. */
int rcr_toc_decode(rcr_toc **out, const uint8_t *p, size_t len);
/* Writes toc in its vmin's layout (14, 15 or 16), intSize 4, offSize 8, format 3. */
int rcr_toc_encode(rcr_buf *out, const rcr_toc *toc);
void rcr_toc_free(rcr_toc *toc);
/* Frees the strings of one entry (for callers that build entries). */
void rcr_toc_entry_clear(rcr_toc_entry *e);
/*
 * The relkind pg_dump 17+ records in a 1.16 entry (pg_dump.c dumpTableSchema passes the
 * relation's relkind with every entry it writes, other entries carry 0): 'v' for a VIEW, 'm'
 * for a MATERIALIZED VIEW, 'f' for a FOREIGN TABLE, and for a TABLE 'p' when its CREATE TABLE
 * statement has a top-level PARTITION BY clause, else 'r'; 0 for every other desc. pg_restore
 * 17+ reads it to set a partitioned table's access method with ALTER TABLE rather than SET
 * default_table_access_method (pg_backup_archiver.c _printTocEntry).
 */
int rcr_toc_entry_relkind(const rcr_toc_entry *e);

#endif
