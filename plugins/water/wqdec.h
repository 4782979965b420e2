/* Exact decimals for water-quality values and water volumes. A value is an
 * int64_t count of 10^-9 of its unit ("nano-units"): 0.2 mg/L is 200000000.
 * Decimal text converts to it exactly or is refused, so a class boundary
 * (TP 0.2 mg/L) compares exactly, never as 0.2000000000000000111.
 *
 * The store keeps REAL columns: a value goes in as the double nearest its
 * decimal and comes back through the shortest decimal that round-trips
 * (wqd_from_double). That is exact for every value wqd_parse accepts,
 * because it accepts at most 15 significant digits (DBL_DIG): two decimals
 * of at most 15 digits never share a double.
 *
 * Not here: what a value means (gb3838.h), units (the parsers map a unit to
 * a decimal shift). */
#ifndef PT_WQDEC_H
#define PT_WQDEC_H

#include <stddef.h>
#include <stdint.h>

#define WQD_ONE INT64_C(1000000000)            /* 1 unit */
#define WQD_LIMIT INT64_C(1000000000000000000) /* |value| < 10^9 units */

/* Sums of many values: 128 bits, so a mean's comparison sum <= limit * n
 * never overflows (n < 2^32 values below 10^18 each). GCC and clang on
 * every platform Debian ships have it. */
__extension__ typedef unsigned __int128 wqd_u128;

enum {
    WQD_OK = 0,
    WQD_ESYNTAX = -1,    /* not a decimal number */
    WQD_EPRECISION = -2, /* more than 9 decimals or 15 significant digits */
    WQD_ERANGE = -3,     /* 10^9 units or more */
};

/* Parses s[0..n-1]: [+-]digits[.digits][(e|E)[+-]digits], or .digits; no
 * blanks, no hex, no inf/nan. The value is multiplied by 10^shift first
 * (µg/L to mg/L: shift -3), exactly. Returns WQD_OK and sets *out, or a
 * negative WQD_E… code. -0 reads as 0. */
int wqd_parse(const char *s, size_t n, int shift, int64_t *out);

/* What a WQD_E… code means, for messages ("is not a number"). */
const char *wqd_strerror(int rc);

/* The shortest decimal text of v ("0.2", "-1.5", "40000"); out has room
 * for at least 24 bytes. Returns the length. */
size_t wqd_format(int64_t v, char *out, size_t cap);

/* The double nearest v (correctly rounded through strtod). */
double wqd_to_double(int64_t v);

/* The shortest decimal text that reads back as d ("0.2" for the double
 * nearest 0.2), in out (at least 32 bytes). WQD_ESYNTAX for NaN and
 * infinities. */
int wqd_shortest(double d, char *out, size_t cap);

/* The decimal a stored double came from: its shortest round-trip decimal,
 * parsed by wqd_parse. WQD_ESYNTAX for NaN and infinities. */
int wqd_from_double(double d, int64_t *out);

/* num / den (den > 0) rounded half to even (GB/T 8170) at 10^-places
 * (0 <= places <= 12), written as decimal text without trailing zeros.
 * num * 10^places must fit 128 bits. */
void wqd_format_ratio(wqd_u128 num, wqd_u128 den, int places, char *out, size_t cap);

/* num / den (den > 0) rounded half to even to an integer. */
wqd_u128 wqd_round_half_even(wqd_u128 num, wqd_u128 den);

#endif
