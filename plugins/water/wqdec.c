/* Exact decimals (wqdec.h): decimal text to scaled integers and back, and
 * half-even rounding of ratios. Written for hostile input (the feed parsers
 * call it on every value, and they are fuzzed): bounded digit buffers, no
 * strtod on text that has not been checked, no overflow. */
#include "wqdec.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DIGITS 40 /* significant digits read before refusing */
#define MAX_SIG 15    /* significant digits kept (DBL_DIG: see wqdec.h) */

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

int wqd_parse(const char *s, size_t n, int shift, int64_t *out)
{
    char dig[MAX_DIGITS];
    size_t i = 0, nd = 0;
    long exp10 = 0; /* the value is dig[0..nd-1] * 10^exp10 */
    int neg = 0, any = 0;
    if (i < n && (s[i] == '+' || s[i] == '-'))
        neg = s[i++] == '-';
    for (; i < n && is_digit(s[i]); i++) {
        any = 1;
        if (!nd && s[i] == '0')
            continue; /* a leading zero */
        if (nd == MAX_DIGITS) {
            if (s[i] != '0')
                return WQD_EPRECISION;
            exp10++; /* a zero of the integer part dropped: value x 10 */
        } else {
            dig[nd++] = s[i];
        }
    }
    if (i < n && s[i] == '.') {
        for (i++; i < n && is_digit(s[i]); i++) {
            any = 1;
            if (!nd && s[i] == '0') {
                exp10--; /* 0.00x: the zeros move the point */
            } else if (nd == MAX_DIGITS) {
                if (s[i] != '0')
                    return WQD_EPRECISION;
            } else {
                dig[nd++] = s[i];
                exp10--;
            }
        }
    }
    if (!any)
        return WQD_ESYNTAX;
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        int eneg = 0;
        long e = 0;
        size_t ed = 0;
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-'))
            eneg = s[i++] == '-';
        for (; i < n && is_digit(s[i]); i++, ed++)
            if (e < 100000) /* beyond any range or precision: refused below */
                e = e * 10 + (s[i] - '0');
        if (!ed)
            return WQD_ESYNTAX;
        exp10 += eneg ? -e : e;
    }
    if (i != n)
        return WQD_ESYNTAX;
    while (nd && dig[nd - 1] == '0') {
        nd--;
        exp10++;
    }
    if (!nd) {
        *out = 0;
        return WQD_OK;
    }
    if (nd > MAX_SIG)
        return WQD_EPRECISION;
    long k = exp10 + shift + 9; /* the power of ten in nano-units */
    if (k < 0)
        return WQD_EPRECISION;
    if ((long)nd + k > 18)
        return WQD_ERANGE;
    int64_t v = 0;
    for (size_t j = 0; j < nd; j++)
        v = v * 10 + (dig[j] - '0');
    for (long j = 0; j < k; j++)
        v *= 10;
    *out = neg ? -v : v;
    return WQD_OK;
}

const char *wqd_strerror(int rc)
{
    switch (rc) {
    case WQD_OK:
        return "is a number";
    case WQD_EPRECISION:
        return "has more digits than kept (at most 9 decimals of the unit and 15 "
               "significant digits)";
    case WQD_ERANGE:
        return "is out of range (1e9 or more)";
    default:
        return "is not a decimal number";
    }
}

size_t wqd_format(int64_t v, char *out, size_t cap)
{
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    char frac[16];
    snprintf(frac, sizeof frac, "%09llu", (unsigned long long)(u % (uint64_t)WQD_ONE));
    size_t fl = 9;
    while (fl && frac[fl - 1] == '0')
        frac[--fl] = '\0';
    int w = snprintf(out, cap, "%s%llu%s%s", v < 0 ? "-" : "",
                     (unsigned long long)(u / (uint64_t)WQD_ONE), fl ? "." : "", frac);
    return w < 0 ? 0 : (size_t)w < cap ? (size_t)w : cap ? cap - 1 : 0;
}

double wqd_to_double(int64_t v)
{
    char buf[32];
    wqd_format(v, buf, sizeof buf);
    return strtod(buf, NULL);
}

int wqd_shortest(double d, char *out, size_t cap)
{
    if (!isfinite(d))
        return WQD_ESYNTAX;
    /* 17 significant digits always round-trip a double */
    for (int p = 1; p <= 17; p++) {
        snprintf(out, cap, "%.*e", p - 1, d);
        if (strtod(out, NULL) == d)
            break;
    }
    return WQD_OK;
}

int wqd_from_double(double d, int64_t *out)
{
    char buf[40];
    int rc = wqd_shortest(d, buf, sizeof buf);
    return rc ? rc : wqd_parse(buf, strlen(buf), 0, out);
}

wqd_u128 wqd_round_half_even(wqd_u128 num, wqd_u128 den)
{
    wqd_u128 q = num / den, r = num % den;
    /* r > den - r is 2r > den without overflow */
    if (r > den - r || (r == den - r && (q & 1)))
        q++;
    return q;
}

/* The decimal digits of v into out (at least 40 bytes). */
static void u128_text(wqd_u128 v, char *out)
{
    char tmp[48];
    size_t n = 0;
    do {
        tmp[n++] = (char)('0' + (int)(v % 10));
        v /= 10;
    } while (v);
    for (size_t i = 0; i < n; i++)
        out[i] = tmp[n - 1 - i];
    out[n] = '\0';
}

void wqd_format_ratio(wqd_u128 num, wqd_u128 den, int places, char *out, size_t cap)
{
    if (places < 0)
        places = 0;
    if (places > 12)
        places = 12;
    wqd_u128 scale = 1;
    for (int i = 0; i < places; i++)
        scale *= 10;
    wqd_u128 q = wqd_round_half_even(num * scale, den);
    char ip[48], fp[16];
    u128_text(q / scale, ip);
    unsigned long long f = (unsigned long long)(q % scale);
    snprintf(fp, sizeof fp, "%0*llu", places, f);
    size_t fl = (size_t)places;
    while (fl && fp[fl - 1] == '0')
        fp[--fl] = '\0';
    snprintf(out, cap, "%s%s%s", ip, fl ? "." : "", fl ? fp : "");
}
