/* text.c: see text.h. */
#include "rcr/text.h"

#include <string.h>

/* The canonical names of PostgreSQL's encodings (pg_enc2name_tbl in PostgreSQL's
 * src/common/encnames.c): the server encodings, then the client-only ones. */
static const char *const encodings[] = {
	"SQL_ASCII", "EUC_JP", "EUC_CN", "EUC_KR", "EUC_TW", "EUC_JIS_2004", "UTF8", "MULE_INTERNAL",
	"LATIN1", "LATIN2", "LATIN3", "LATIN4", "LATIN5", "LATIN6", "LATIN7", "LATIN8", "LATIN9",
	"LATIN10", "WIN1256", "WIN1258", "WIN866", "WIN874", "KOI8R", "WIN1251", "WIN1252",
	"ISO_8859_5", "ISO_8859_6", "ISO_8859_7", "ISO_8859_8", "WIN1250", "WIN1253", "WIN1254",
	"WIN1255", "WIN1257", "KOI8U",
	"SJIS", "BIG5", "GBK", "UHC", "GB18030", "JOHAB", "SHIFT_JIS_2004",
};

int rcr_text_encoding_known(const char *name)
{
	for (size_t i = 0; i < sizeof encodings / sizeof encodings[0]; i++)
		if (strcmp(name, encodings[i]) == 0)
			return 1;
	return 0;
}

/* Length of the control character at p: 1 for C0 and DEL, 2 for a C1 control in UTF-8
 * (C2 80..C2 9F: terminals act on them as on ESC sequences), 3 for a Unicode bidirectional
 * control in UTF-8 (U+200E, U+200F, U+202A..U+202E, U+2066..U+2069: they reorder what follows
 * on the screen, so a name could show as another), 0 for anything else. */
static size_t control_len(const unsigned char *p)
{
	if (*p < 0x20 || *p == 0x7f)
		return 1;
	if (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f)
		return 2;
	if (p[0] == 0xe2 && p[1] == 0x80 && (p[2] == 0x8e || p[2] == 0x8f || (p[2] >= 0xaa && p[2] <= 0xae)))
		return 3;
	if (p[0] == 0xe2 && p[1] == 0x81 && p[2] >= 0xa6 && p[2] <= 0xa9)
		return 3;
	return 0;
}

/* The code point of the control character at p (len from control_len). */
static unsigned control_code(const unsigned char *p, size_t len)
{
	if (len == 3)
		return ((unsigned)(p[0] & 0x0f) << 12) | ((unsigned)(p[1] & 0x3f) << 6) | (p[2] & 0x3f);
	return len == 2 ? p[1] : p[0];
}

/* An output buffer that cuts at RCR_SHOWN_SIZE - 4 and then ends in "...". */
typedef struct out {
	rcr_shown *sh;
	size_t n;
	int cut;
} out;

static void put(out *o, const char *s, size_t len)
{
	if (o->cut)
		return;
	if (o->n + len > RCR_SHOWN_SIZE - 4) {
		memcpy(o->sh->s + o->n, "...", 4);
		o->cut = 1;
		return;
	}
	memcpy(o->sh->s + o->n, s, len);
	o->n += len;
	o->sh->s[o->n] = 0;
}

static const char hex[] = "0123456789abcdef";

static void quote_into(out *o, const char *name)
{
	const unsigned char *p = (const unsigned char *)name;
	int simple = (*p >= 'a' && *p <= 'z') || *p == '_', controls = 0;
	for (const unsigned char *c = p; *c; c++) {
		simple &= (*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '_';
		controls |= control_len(c) != 0;
	}
	if (simple) {
		put(o, name, strlen(name));
		return;
	}
	put(o, controls ? "U&\"" : "\"", controls ? 3 : 1);
	for (const unsigned char *c = p; *c;) {
		size_t len = control_len(c);
		if (len) {
			unsigned code = control_code(c, len);
			char e[5] = {'\\', hex[code >> 12], hex[(code >> 8) & 15], hex[(code >> 4) & 15], hex[code & 15]};
			put(o, e, 5);
			c += len;
			continue;
		}
		if (*c == '"')
			put(o, "\"", 1);
		else if (*c == '\\' && controls)
			put(o, "\\", 1);
		put(o, (const char *)c, 1);
		c++;
	}
	put(o, "\"", 1);
}

rcr_shown rcr_name_quote(const char *name)
{
	rcr_shown sh;
	out o = {&sh, 0, 0};
	sh.s[0] = 0;
	quote_into(&o, name);
	return sh;
}

rcr_shown rcr_name_qualify(const char *schema, const char *name)
{
	rcr_shown sh;
	out o = {&sh, 0, 0};
	sh.s[0] = 0;
	quote_into(&o, schema);
	put(&o, ".", 1);
	quote_into(&o, name);
	return sh;
}

/* The escape for the control character at p (len from control_len) into e (at least 6):
 * \n, \r, \t, \xNN up to 0xff, \uNNNN above. */
static size_t escape_control(char *e, const unsigned char *p, size_t len)
{
	unsigned code = control_code(p, len);
	const char *named = code == '\n' ? "\\n" : code == '\r' ? "\\r" : code == '\t' ? "\\t" : NULL;
	if (named) {
		memcpy(e, named, 2);
		return 2;
	}
	if (code > 0xff) {
		e[0] = '\\';
		e[1] = 'u';
		for (int i = 0; i < 4; i++)
			e[2 + i] = hex[(code >> (12 - 4 * i)) & 15];
		return 6;
	}
	e[0] = '\\';
	e[1] = 'x';
	e[2] = hex[code >> 4];
	e[3] = hex[code & 15];
	return 4;
}

rcr_shown rcr_text_escape(const char *text)
{
	rcr_shown sh;
	out o = {&sh, 0, 0};
	sh.s[0] = 0;
	for (const unsigned char *c = (const unsigned char *)text; *c;) {
		size_t len = control_len(c);
		if (!len) {
			put(&o, (const char *)c++, 1);
			continue;
		}
		char e[6];
		put(&o, e, escape_control(e, c, len));
		c += len;
	}
	return sh;
}

void rcr_text_fputs(const char *text, FILE *f)
{
	for (const unsigned char *c = (const unsigned char *)text; *c;) {
		size_t len = control_len(c);
		if (!len) {
			fputc(*c++, f);
			continue;
		}
		char e[6];
		fwrite(e, 1, escape_control(e, c, len), f);
		c += len;
	}
}

int rcr_text_has_control(const char *s)
{
	for (const unsigned char *c = (const unsigned char *)s; *c; c++)
		if (*c < 0x20 || *c == 0x7f)
			return 1;
	return 0;
}
