/* Display width of UTF-8 text, for tables that mix Chinese and ASCII; the
 * number format shared by the CLI and the messages; cleaning text from data. */
#include "text.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
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

void pt_text_num(char *buf, size_t cap, int has, double v)
{
    if (!has || !isfinite(v)) {
        snprintf(buf, cap, "—");
        return;
    }
    snprintf(buf, cap, "%.2f", v);
    char *dot = strchr(buf, '.');
    if (dot) {
        char *e = buf + strlen(buf) - 1;
        while (e > dot && *e == '0')
            *e-- = '\0';
        if (e == dot)
            *e = '\0';
    }
    if (strcmp(buf, "-0") == 0)
        snprintf(buf, cap, "0");
}

/* One strict UTF-8 sequence at s (n bytes left): its length, or 0 when it
 * is not one. */
static int utf8_strict(const unsigned char *s, size_t n, uint32_t *cp)
{
    uint32_t c = s[0], min;
    int len;
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    if (c >= 0xc2 && c <= 0xdf)
        len = 2, c &= 0x1f, min = 0x80;
    else if ((c & 0xf0) == 0xe0)
        len = 3, c &= 0x0f, min = 0x800;
    else if (c >= 0xf0 && c <= 0xf4)
        len = 4, c &= 0x07, min = 0x10000;
    else
        return 0;
    if ((size_t)len > n)
        return 0;
    for (int i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        c = (c << 6) | (s[i] & 0x3f);
    }
    if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
        return 0;
    *cp = c;
    return len;
}

size_t pt_text_utf8_valid(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < n) {
        uint32_t c;
        int len = utf8_strict(p + i, n - i, &c);
        if (!len)
            break;
        i += (size_t)len;
    }
    return i;
}

static int is_line_break(uint32_t c)
{
    return c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f' || c == 0x85 ||
           c == 0x2028 || c == 0x2029;
}

/* C0, DEL, C1, and the bidirectional embeddings, overrides and isolates
 * (U+202A-U+202E, U+2066-U+2069), which can make a line read backwards. */
static int is_control(uint32_t c)
{
    return c < 0x20 || (c >= 0x7f && c < 0xa0) || (c >= 0x202a && c <= 0x202e) ||
           (c >= 0x2066 && c <= 0x2069);
}

size_t pt_text_clean(char *s)
{
    unsigned char *p = (unsigned char *)s;
    size_t n = strlen(s), r = 0, w = 0;
    while (r < n) {
        uint32_t c;
        int len = utf8_strict(p + r, n - r, &c);
        if (!len) {
            p[w++] = '?';
            r++;
            continue;
        }
        if (c == '\r' && p[r + 1] == '\n')
            ; /* CRLF: one break, one space */
        else if (is_line_break(c))
            p[w++] = ' ';
        else if (!is_control(c)) {
            memmove(p + w, p + r, (size_t)len);
            w += (size_t)len;
        }
        r += (size_t)len;
    }
    p[w] = '\0';
    return w;
}

int pt_text_email_ok(const char *a)
{
    const char *at = strchr(a, '@');
    size_t n = strlen(a);
    if (!at || at == a || strchr(at + 1, '@') || n > 254 || (size_t)(at - a) > 64)
        return 0;
    for (const char *p = a; *p; p++)
        if (*p <= ' ' || *p >= 0x7f || strchr("()<>[]:;\\,\"", *p))
            return 0;
    const char *dom = at + 1;
    if (!*dom || *dom == '.' || dom[strlen(dom) - 1] == '.' || strstr(dom, ".."))
        return 0;
    for (const char *p = dom; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '-' || *p == '.'))
            return 0;
    return 1;
}
