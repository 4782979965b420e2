/* The water plugin's instance and what its two halves share: water.c
 * (settings, cursor, fetching releases and submissions, the run) and
 * wqderive.c (deriving a year of surface water and the groundwater cut from
 * what the store holds). Internal to the plugin: the ABI is
 * plantrack/plugin.h. */
#ifndef PT_WATER_H
#define PT_WATER_H

#include <stddef.h>
#include <stdint.h>

#include <plantrack/plugin.h>

#include "groundwater.h"
#include "ptp_seen.h"
#include "release.h"

#define MAX_SECTIONS 4096 /* sections a city's year may have */
#define MAX_RETRY 64
#define MAX_DIRTY 64 /* years waiting for derivation */
#define MAX_SKIP 64
#define SEEN_MAX 128             /* groundwater files remembered */
#define FLAG_YTD 0x2u            /* a year series of a year not over (as airquality) */
#define FLAG_BELOW_DL 0x4u       /* the value is a detection limit the result was below */
#define T_MIN INT64_C(631152000) /* the host's plausible times: 1990 … 2100 */
#define T_MAX INT64_C(4102444800)

struct water {
    const struct pt_host *host;
    char name[65];
    char city[REL_SECTION_MAX];
    char plan[65];
    char ind_share[65], ind_gw[65];
    /* monthly releases */
    int surface;      /* a folder or url is configured */
    char where[4096]; /* the folder, or the URL prefix */
    int is_url;
    char template[512];              /* file name: {yyyy} {mm} */
    int json;                        /* the releases' format */
    int start, end;                  /* first and last month, y * 12 + m - 1 */
    int max_files, give_up, recheck; /* releases a run; days; months */
    char **sections;                 /* the assessment sections, sorted; NULL: every one */
    int nsections;
    int lake_tn;
    char *skip[MAX_SKIP + 1]; /* parameter names ignored, NULL-terminated */
    /* groundwater */
    int gw;
    char gw_folder[4096];
    char **gw_urls;
    int ngw_urls;
    enum gw_reading reading;
    int has_base, base_year;
    int64_t base; /* nano-亿立方米 */
    /* the run */
    uint64_t run;
    int fetched;          /* the last month fetched (cursor) */
    int fetched_before;   /* … as the run started */
    int retry[MAX_RETRY]; /* months whose unit failed */
    int nretry;
    int dirty[MAX_DIRTY]; /* years to derive */
    int ndirty;
    int gw_dirty;         /* groundwater to derive */
    struct ptp_seen seen; /* groundwater files by content: SEEN_MAX, most recent first */
    int *queue;           /* months to fetch this run */
    int nqueue, next;
    char **gw_list; /* groundwater URLs this run */
    int ngw, gw_next;
    int failed, ingested, unchanged, gw_ingested, derive_failed, years;
};

/* A preformatted message for the run's log. */
void wq_say(struct water *w, int level, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* One observation of a number, or of a text (unit "1"), into unit u. The
 * host copies them. */
void wq_emit_value(struct water *w, uint64_t u, const char *series, const char *site, int64_t t,
                   double v, const char *unit, uint32_t flags);
void wq_emit_text(struct water *w, uint64_t u, const char *series, const char *site, int64_t t,
                  const char *text, uint32_t flags);

/* The cursor as JSON text for a unit's commit; the caller frees. */
char *wq_cursor_text(const struct water *w);

/* A small set of ints: add (once, up to max) and drop. */
void wq_add_int(int *list, int *n, int max, int v);
void wq_drop_int(int *list, int *n, int v);

/* Months as y * 12 + m - 1: the local midnight starting one, "YYYY-MM". */
int64_t wq_month_start(int mi);
void wq_month_text(int mi, char out[16]);

/* Today's local date, YYYY-MM-DD, and the current local year (or NULL). */
void wq_today(char out[16], int *year);

/* Derive one year of surface water / the groundwater cut from the store,
 * emit the series and the actuals, and commit the cursor without the year
 * (without gw_dirty). 0, or -1 with the work left in the cursor. */
int wq_derive_year(struct water *w, int year);
int wq_derive_groundwater(struct water *w);

#endif
