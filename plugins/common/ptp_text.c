/* Field text checks (ptp_text.h). */
#include "ptp_text.h"

#include <string.h>

size_t ptp_utf8_seq(const unsigned char *s, size_t n)
{
    if (s[0] < 0x80)
        return 1;
    size_t k;
    unsigned cp;
    if (s[0] >= 0xc2 && s[0] <= 0xdf)
        k = 2, cp = s[0] & 0x1f;
    else if (s[0] >= 0xe0 && s[0] <= 0xef)
        k = 3, cp = s[0] & 0x0f;
    else if (s[0] >= 0xf0 && s[0] <= 0xf4)
        k = 4, cp = s[0] & 0x07;
    else
        return 0;
    if (n < k)
        return 0;
    for (size_t i = 1; i < k; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3f);
    }
    if ((k == 3 && cp < 0x800) || (k == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
        (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return k;
}

int ptp_is_control(const unsigned char *s, size_t k)
{
    return (k == 1 && (s[0] < 0x20 || s[0] == 0x7f)) || (k == 2 && s[0] == 0xc2 && s[1] < 0xa0);
}

int ptp_text_ok(const char *f, size_t n)
{
    const unsigned char *s = (const unsigned char *)f;
    for (size_t i = 0; i < n;) {
        size_t k = ptp_utf8_seq(s + i, n - i);
        if (!k || ptp_is_control(s + i, k))
            return 0;
        i += k;
    }
    return 1;
}

const char *ptp_shown(const char *f, size_t n, char out[64])
{
    const unsigned char *s = (const unsigned char *)f;
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        if (o > 40) {
            memcpy(out + o, "...", 3);
            o += 3;
            break;
        }
        size_t k = ptp_utf8_seq(s + i, n - i);
        if (!k || ptp_is_control(s + i, k) || s[i] == '"' || s[i] == '\\') {
            out[o++] = '?';
            i += k ? k : 1;
        } else {
            memcpy(out + o, s + i, k);
            o += k;
            i += k;
        }
    }
    out[o] = '\0';
    return out;
}
