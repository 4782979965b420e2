/* Checking and quoting field text for the parsers that take hostile input
 * (CNEMC station files, the water bureau's releases): UTF-8 without control
 * characters, and a field made safe to put in a message. */
#ifndef PTP_TEXT_H
#define PTP_TEXT_H

#include <stddef.h>

/* Length of the valid UTF-8 sequence at s[0..n-1] (n >= 1), 0 when it is
 * not one (overlong forms, surrogates, code points above U+10FFFF). */
size_t ptp_utf8_seq(const unsigned char *s, size_t n);

/* A C0 or C1 control character or DEL at s (a valid sequence of length k):
 * text that reaches a log line or a terminal must not carry one. */
int ptp_is_control(const unsigned char *s, size_t k);

/* Whether f[0..n-1] is UTF-8 without control characters (C0, DEL, C1). */
int ptp_text_ok(const char *f, size_t n);

/* f for a message: at most ~40 bytes, anything that is not printable UTF-8
 * (and '"', '\\') replaced by '?', so an error cannot forge a log line.
 * Returns out (64 bytes). */
const char *ptp_shown(const char *f, size_t n, char out[64]);

#endif
