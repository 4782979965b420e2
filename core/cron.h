/* Cron schedules: parse a five-field cron expression into bitmasks and find
 * the next fire time in an IANA time zone, DST included. Not a job runner:
 * the scheduler arms its own timer on the instant pt_cron_next returns. */
#ifndef PT_CRON_H
#define PT_CRON_H

#include <stdint.h>
#include <time.h>

#include "error.h"

/* A parsed schedule. Bit n of a mask set means value n matches.
 *
 * Day of month and day of week combine as in Vixie cron and cronie: when
 * both fields are restricted a day matches if EITHER matches; otherwise it
 * must match both masks, which for a plain `*` (all bits set) means only the
 * other field counts. A field is unrestricted when one of its list elements
 * is written with a star, stepped or not. So, as in Vixie cron, a stepped
 * star stays unrestricted: day of month `1-31/2` with day of week `1` fires
 * on odd days OR Mondays, while the star-with-step spelling of the same odd
 * days fires only on odd days that are Mondays.
 */
struct pt_cron {
    uint64_t minute; /* bits 0-59 */
    uint32_t hour;   /* bits 0-23 */
    uint32_t dom;    /* day of month, bits 1-31 */
    uint16_t month;  /* bits 1-12 */
    uint8_t dow;     /* day of week, bits 0-6, 0 = Sunday (a 7 in the text sets bit 0) */
    int dom_restricted, dow_restricted; /* field written without a star element */
};

/* Parses a five-field expression ("minute hour day-of-month month
 * day-of-week", separated by blanks) into *out. Fields take `*`, numbers,
 * ranges a-b, lists, steps (a star or a-b or a followed by /n; a/n runs
 * from a to the field's maximum),
 * month names JAN-DEC and weekday names SUN-SAT in any case; 7 is Sunday.
 * On failure returns PT_EINVAL with a message naming the field and the
 * problem, and leaves *out unchanged. */
int pt_cron_parse(const char *expr, struct pt_cron *out, struct pt_err *err);

/* Sets *next to the first fire time strictly after `after` (both seconds
 * since the epoch), reading the fields as wall-clock time in the IANA zone
 * tz ("Europe/Berlin"; NULL or "" = UTC).
 *
 * DST: a wall time skipped by a spring-forward fires once, at the
 * transition instant; a wall time repeated by a fall-back fires once, at its
 * first occurrence. So `30 2 * * *` in Berlin fires at 01:00Z on the
 * spring-forward Sunday and at 00:30Z (CEST) on the fall-back Sunday.
 *
 * Uses the system zoneinfo through TZ/tzset and restores the caller's TZ
 * before returning: not thread-safe (the daemon is single-threaded).
 * Fails with PT_EINVAL for a zone not in /usr/share/zoneinfo, PT_ERANGE for
 * `after` outside 1900-9000, PT_ENOTFOUND when nothing matches within ten
 * years (`0 0 31 2 *`). *next is set only on success. */
int pt_cron_next(const struct pt_cron *c, const char *tz, time_t after, time_t *next,
                 struct pt_err *err);

/* Makes tz the process's TZ, for a daemon once at start before any thread
 * exists: computations in that zone then never touch the environment, which
 * libcurl's resolver threads read. */
int pt_cron_set_zone(const char *tz, struct pt_err *err);

/* The broken-down local time of t in zone tz, as pt_cron_next reads zones. */
int pt_cron_localtime(const char *tz, time_t t, struct tm *out, struct pt_err *err);

#endif
