/* Text for people: the display width of UTF-8 strings (Chinese characters
 * take two columns) and fitting them into columns, numbers as tables and
 * messages show them, and cleaning text from data before it goes into a
 * message. Not a full Unicode width table: East Asian wide and fullwidth
 * ranges, combining marks as zero. */
#ifndef PT_TEXT_H
#define PT_TEXT_H

#include <stddef.h>

/* Columns the UTF-8 string s occupies on a terminal. Invalid bytes count
 * as one column each. */
int pt_text_width(const char *s);

/* Writes s into dst (cap bytes) padded with spaces to exactly `width`
 * columns, cut with "…" if wider; right-aligned when right is set. */
void pt_text_fit(char *dst, size_t cap, const char *s, int width, int right);

/* Formats a number for tables and messages: up to two decimals, no trailing
 * zeros, no "-0"; "—" when !has or v is not finite. */
void pt_text_num(char *buf, size_t cap, int has, double v);

/* How many of the n bytes at s form valid UTF-8 (RFC 3629: no overlong
 * forms, surrogates or code points above U+10FFFF) before the first that
 * does not; n when all do. */
size_t pt_text_utf8_valid(const char *s, size_t n);

/* Makes s (NUL-terminated) safe to put on one line, in place: line breaks
 * and tabs (also U+0085, U+2028, U+2029; CRLF as one) become spaces; other
 * control characters (C0, DEL, C1) and bidirectional overrides go; an
 * invalid UTF-8 byte becomes '?'. Returns the new length, never more. */
size_t pt_text_clean(char *s);

/* Whether a is a bare e-mail address plantrack can put in a header and an
 * SMTP envelope: one @, a local part of printable ASCII without spaces or
 * the specials ()<>[]:;\\,", a domain of letters, digits, hyphens and dots
 * (no IDN: write it in its xn-- form), at most 254 bytes. */
int pt_text_email_ok(const char *a);

#endif
