/* Terminal text: the display width of UTF-8 strings (Chinese characters take
 * two columns) and fitting them into columns. Not a full Unicode width
 * table: East Asian wide and fullwidth ranges, combining marks as zero. */
#ifndef PT_TEXT_H
#define PT_TEXT_H

#include <stddef.h>

/* Columns the UTF-8 string s occupies on a terminal. Invalid bytes count
 * as one column each. */
int pt_text_width(const char *s);

/* Writes s into dst (cap bytes) padded with spaces to exactly `width`
 * columns, cut with "…" if wider; right-aligned when right is set. */
void pt_text_fit(char *dst, size_t cap, const char *s, int width, int right);

#endif
