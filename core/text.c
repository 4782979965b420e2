/* Display width of UTF-8 text, for tables that mix Chinese and ASCII. */
#include "text.h"

#include <stdint.h>
#include <string.h>

/* Decodes one UTF-8 sequence at s; returns its length (≥ 1) and the code
 * point in *cp (U+FFFD for an invalid byte). */
static int utf8_next(const unsigned char *s, uint32_t *cp)
{
    int len;
    uint32_t c = s[0];
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    if ((c & 0xe0) == 0xc0)
        len = 2, c &= 0x1f;
    else if ((c & 0xf0) == 0xe0)
        len = 3, c &= 0x0f;
    else if ((c & 0xf8) == 0xf0)
        len = 4, c &= 0x07;
    else {
        *cp = 0xfffd;
        return 1;
    }
    for (int i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80) {
            *cp = 0xfffd;
            return 1;
        }
        c = (c << 6) | (s[i] & 0x3f);
    }
    *cp = c;
    return len;
}

static int cp_width(uint32_t c)
{
    if (c == 0)
        return 0;
    if (c < 0x20 || (c >= 0x7f && c < 0xa0))
        return 0;
    /* combining marks and zero-width characters */
    if ((c >= 0x0300 && c <= 0x036f) || (c >= 0x200b && c <= 0x200f) || c == 0xfeff ||
        (c >= 0xfe00 && c <= 0xfe0f))
        return 0;
    /* East Asian Wide (W) and Fullwidth (F) blocks */
    if ((c >= 0x1100 && c <= 0x115f) || (c >= 0x2e80 && c <= 0x303e) ||
        (c >= 0x3041 && c <= 0x33ff) || (c >= 0x3400 && c <= 0x4dbf) ||
        (c >= 0x4e00 && c <= 0x9fff) || (c >= 0xa000 && c <= 0xa4cf) ||
        (c >= 0xac00 && c <= 0xd7a3) || (c >= 0xf900 && c <= 0xfaff) ||
        (c >= 0xfe30 && c <= 0xfe4f) || (c >= 0xff00 && c <= 0xff60) ||
        (c >= 0xffe0 && c <= 0xffe6) || (c >= 0x1f300 && c <= 0x1f64f) ||
        (c >= 0x20000 && c <= 0x3fffd))
        return 2;
    return 1;
}

int pt_text_width(const char *s)
{
    int w = 0;
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        uint32_t c;
        p += utf8_next(p, &c);
        w += cp_width(c);
    }
    return w;
}

void pt_text_fit(char *dst, size_t cap, const char *s, int width, int right)
{
    static const char ellipsis[] = "\xe2\x80\xa6"; /* …, one column */
    const unsigned char *p = (const unsigned char *)s;
    size_t n = 0;
    int w = 0, full = pt_text_width(s);
    int room = full > width ? width - 1 : width;
    const unsigned char *end = p;
    while (*end) {
        uint32_t c;
        int len = utf8_next(end, &c), cw = cp_width(c);
        if (w + cw > room)
            break;
        w += cw;
        end += len;
    }
    size_t body = (size_t)(end - p);
    int pad = width - w - (full > width ? 1 : 0);
    if (pad < 0)
        pad = 0;
    if (body + (size_t)pad + sizeof ellipsis + 1 > cap) { /* never in our callers */
        if (cap)
            dst[0] = '\0';
        return;
    }
    if (right)
        for (int i = 0; i < pad; i++)
            dst[n++] = ' ';
    memcpy(dst + n, p, body);
    n += body;
    if (full > width) {
        memcpy(dst + n, ellipsis, 3);
        n += 3;
    }
    if (!right)
        for (int i = 0; i < pad; i++)
            dst[n++] = ' ';
    dst[n] = '\0';
}
