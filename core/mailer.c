/* The outbox and its delivery: rows of the outbox table sent one at a time
 * by SMTP (libcurl, driven by the HTTP client's multi on the loop) or
 * written into a spool folder, with backoff between attempts and a loud
 * give-up. It does not compose messages and never alters their bytes: what
 * the composer stored is what goes on the wire, every time.
 *
 * A pass walks the due rows in id order. One message is in flight at a
 * time: a digest run makes one message per bureau, and a relay that is down
 * is noticed on the first message (the rest of the pass then fails at once
 * with the same error instead of each waiting out its own timeout). */
#include "mailer.h"

#include <ctype.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "secret.h"
#include "text.h"

/* Debian 12 has 7.88, where the option is spelled with three Ls; 8.2
 * renamed it (keeping the old name as an alias). */
#if CURL_AT_LEAST_VERSION(8, 2, 0)
#define PT_CURLOPT_RCPT_ALLOWFAILS CURLOPT_MAIL_RCPT_ALLOWFAILS
#elif CURL_AT_LEAST_VERSION(7, 69, 0)
#define PT_CURLOPT_RCPT_ALLOWFAILS CURLOPT_MAIL_RCPT_ALLLOWFAILS
#else
#error "plantrack's mailer needs libcurl 7.69 or newer (CURLOPT_MAIL_RCPT_ALLLOWFAILS)"
#endif

/* A pass re-checks the outbox at least this often while draining: a clock
 * step or a suspend never delays a retry by more than this. */
#define RECHECK_MS (60 * 1000)
/* Longest spool file name kept from a Message-ID, before the hash. */
#define SPOOL_NAME_MAX 160

/* The message of the pass in flight: a copy of its row, and what the
 * transfer learned. Cleared (msg_clear) before the next one. */
struct outmsg {
    long long id; /* 0 = none */
    char *message_id, *bureau_id, *created_at;
    char *rcpt_text;         /* "a@b, c@d", for messages */
    struct curl_slist *rcpt; /* "<a@b>" each, for CURLOPT_MAIL_RCPT */
    char *bytes;             /* the stored bytes, sent exactly */
    size_t len, off;         /* off: how far the read callback got */
    int attempts;            /* before this one */

    /* SMTP */
    CURL *easy;
    struct pt_http_xfer *xfer; /* until its callback */
    char errbuf[CURL_ERROR_SIZE];
    char cmd_rcpt[320]; /* the RCPT TO awaiting its reply; "" = none */
    char reply[256];    /* the last 4xx/5xx reply line */
    char rejected[512]; /* recipients refused while others were accepted */

    /* file: run on a threadpool thread, which touches only these */
    char *spool_dst, *spool_tmp, *spool_dir;
    int work_rc;
    char work_err[768];
};

struct pt_mailer {
    uv_loop_t *loop;
    struct pt_store *st;
    struct pt_http *http;     /* NULL for the file transport */
    struct pt_mail_conf conf; /* copy */
    int file;                 /* the file transport */
    char mail_from[320];      /* "<addr>" */
    char server[640];         /* the URL without credentials, or the spool */
    char password[512];       /* from the secret; wiped on close */
    int auth;                 /* username + password are set */
    long use_ssl;             /* CURLOPT_USE_SSL */

    uv_timer_t timer;     /* starts passes; its close callback frees m */
    uv_work_t work;       /* a spool write, while busy on the file transport */
    int keep;             /* pt_mailer_drain was called: re-arm after passes */
    int in_pass, again;   /* a pass runs; another was asked for meanwhile */
    int busy;             /* a send (transfer or spool write) is in flight */
    long long cursor;     /* the pass has dealt with every due row up to this id */
    char relay_err[2048]; /* the relay failed this pass: the rest fail with this */
    struct pt_mailer_counts counts;
    struct outmsg cur;

    pt_mailer_pass_cb once_cb; /* pt_mailer_drain_once's callback */
    void *once_data;
    int once_state; /* 0 none, 1 waiting for a pass to start, 2 in this pass */

    int closing, timer_closing;
    void (*closed)(void *data);
    void *closed_data;
    unsigned long long rng; /* xorshift state for retry jitter */
    unsigned seq;           /* temporary spool file names */
};

static void pass_next(struct pt_mailer *m);
static void pass_end(struct pt_mailer *m, int rc);
static void maybe_closed(struct pt_mailer *m);

/* ---- Fault injection (test builds only) --------------------------------- */

#ifdef PT_FAULT_INJECTION
/* PLANTRACK_FAULT=after_send: die between a successful send and marking it
 * sent, as a crash or a kill -9 would, to test at-least-once delivery.
 * Compiled only into tests/' plantrackd-faults and its helpers. */
static void fault_point(const char *name, const struct outmsg *g)
{
    const char *f = getenv("PLANTRACK_FAULT");
    if (f && strcmp(f, name) == 0) {
        pt_log_errorx("fault injection: %s of %s: exiting with status 70", name, g->message_id);
        fflush(NULL);
        _exit(70);
    }
}
#else
#define fault_point(name, g) ((void)0)
#endif

/* ---- Small helpers ------------------------------------------------------- */

static int iso_parse(const char *s, time_t *t)
{
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    if (!s || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2dZ", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                     &tm.tm_hour, &tm.tm_min, &tm.tm_sec) != 6)
        return -1;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    *t = timegm(&tm);
    return 0;
}

static void iso_format(time_t t, char buf[32])
{
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* The store's clock (PLANTRACK_NOW honoured), as text and as time_t. */
static time_t now_time(char buf[32])
{
    time_t t;
    pt_store_now(buf);
    if (iso_parse(buf, &t))
        t = time(NULL);
    return t;
}

/* A bare address as SMTP and the outbox take it: no controls, spaces,
 * brackets or quotes that could break out of "<addr>", and an @. */
/* The address of "Name <addr>" or of a bare "addr", into out ("" if none). */
static void addr_of(const char *from, char *out, size_t cap)
{
    const char *lt = strrchr(from, '<'), *gt = lt ? strchr(lt, '>') : NULL;
    if (lt && gt)
        snprintf(out, cap, "%.*s", (int)(gt - lt - 1), lt + 1);
    else
        snprintf(out, cap, "%s", from);
}

static unsigned long long mailer_rand(struct pt_mailer *m)
{
    /* xorshift64* (Vigna 2016): jitter, not secrets */
    unsigned long long z = m->rng;
    z ^= z >> 12;
    z ^= z << 25;
    z ^= z >> 27;
    m->rng = z;
    return z * 0x2545F4914F6CDD1DULL;
}

/* Seconds before retry n (0 = after the first failure): retry_base · 2^n
 * capped at retry_max, "equal jitter" — half of it fixed, half random — so
 * a herd of daemons behind one relay spreads out, yet a retry never comes
 * sooner than half the nominal wait. At least one second. */
static long backoff_s(struct pt_mailer *m, int n)
{
    long base = m->conf.retry_base_s, cap = m->conf.retry_max_s;
    long ceiling = cap;
    if (n < 40 && base <= (LONG_MAX >> n) && (base << n) < cap)
        ceiling = base << n;
    unsigned long long half_ms = (unsigned long long)ceiling * 500ULL;
    unsigned long long ms = half_ms + mailer_rand(m) % (half_ms + 1);
    long s = (long)((ms + 999) / 1000);
    return s < 1 ? 1 : s;
}

/* A file name for the spool from a Message-ID: its safe characters, and
 * when any was replaced or cut, a hash of the whole ID so that two IDs never
 * share a file. Never starts with a dot (temporary files do). */
static void spool_name(const char *mid, char *out, size_t cap)
{
    size_t n = 0, len = strlen(mid);
    int changed = 0;
    unsigned long long h = 0xcbf29ce484222325ULL; /* FNV-1a 64 */
    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)mid[i]) * 0x100000001b3ULL;
    if (len >= 2 && mid[0] == '<' && mid[len - 1] == '>') { /* RFC 5322 msg-id brackets */
        mid++;
        len -= 2;
    }
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)mid[i];
        int ok = (isalnum(c) || strchr("@._+=-", c)) && !(n == 0 && c == '.');
        if (!ok)
            changed = 1;
        if (n < SPOOL_NAME_MAX && n + 1 < cap)
            out[n++] = ok ? (char)c : '_';
        else
            changed = 1;
    }
    if (n == 0)
        changed = 1;
    out[n] = '\0';
    if (changed)
        snprintf(out + n, cap - n, "%s%016llx", n ? "-" : "", h);
}

static void msg_clear(struct outmsg *g)
{
    free(g->message_id);
    free(g->bureau_id);
    free(g->created_at);
    free(g->rcpt_text);
    curl_slist_free_all(g->rcpt);
    free(g->bytes);
    free(g->spool_dst);
    free(g->spool_tmp);
    free(g->spool_dir);
    memset(g, 0, sizeof *g);
}

/* ---- The outbox ------------------------------------------------------------ */

static int text_ok(const char *s, size_t max)
{
    if (!s || !*s || strlen(s) > max)
        return 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p < 0x20 || *p == 0x7f)
            return 0;
    return 1;
}

int pt_outbox_add(struct pt_store *st, const char *plan_id, const char *bureau_id,
                  const char *const *recipients, int nrecipients, const char *bytes, size_t len,
                  const char *message_id, struct pt_err *err)
{
    const char *mid = message_id ? message_id : "(no Message-ID)";
    if (!text_ok(message_id, 998))
        return pt_err_set(err, PT_EINVAL,
                          "outbox: message %s: the Message-ID is empty, too long or has control "
                          "characters",
                          mid);
    if (!text_ok(plan_id, 256) || !text_ok(bureau_id, 256))
        return pt_err_set(err, PT_EINVAL, "outbox: message %s: plan and bureau are required", mid);
    if (!bytes || len == 0)
        return pt_err_set(err, PT_EINVAL, "outbox: message %s: no bytes to send", mid);
    if (len > INT_MAX)
        return pt_err_set(err, PT_ETOOBIG, "outbox: message %s: %zu bytes is too large", mid, len);
    if (nrecipients < 1 || !recipients)
        return pt_err_set(err, PT_EINVAL, "outbox: message %s for bureau %s: no recipients", mid,
                          bureau_id);
    json_t *arr = json_array();
    if (!arr)
        return pt_err_set(err, PT_ENOMEM, "outbox: out of memory");
    for (int i = 0; i < nrecipients; i++) {
        if (!recipients[i] || !pt_text_email_ok(recipients[i])) {
            json_decref(arr);
            return pt_err_set(err, PT_EINVAL,
                              "outbox: message %s for bureau %s: recipient %d \"%s\" is not a "
                              "bare e-mail address",
                              mid, bureau_id, i + 1, recipients[i] ? recipients[i] : "(null)");
        }
        if (json_array_append_new(arr, json_string(recipients[i]))) {
            json_decref(arr);
            return pt_err_set(err, PT_EINVAL, "outbox: message %s: recipient %d is not valid UTF-8",
                              mid, i + 1);
        }
    }
    char *rjson = json_dumps(arr, JSON_COMPACT);
    json_decref(arr);
    if (!rjson)
        return pt_err_set(err, PT_ENOMEM, "outbox: out of memory");
    char now[32];
    pt_store_now(now);
    sqlite3_stmt *s;
    int rc = pt_store_prepare(st,
                              "INSERT INTO outbox (message_id, plan_id, bureau_id, recipients, "
                              "bytes, created_at, next_attempt_at) VALUES (?, ?, ?, ?, ?, ?, ?) "
                              "ON CONFLICT (message_id) DO NOTHING",
                              &s, err);
    if (rc) {
        free(rjson);
        return rc;
    }
    sqlite3_bind_text(s, 1, message_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, plan_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, bureau_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 4, rjson, -1, SQLITE_STATIC);
    sqlite3_bind_blob(s, 5, bytes, (int)len, SQLITE_STATIC);
    sqlite3_bind_text(s, 6, now, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 7, now, -1, SQLITE_STATIC);
    if (sqlite3_step(s) != SQLITE_DONE) {
        char doing[1200];
        snprintf(doing, sizeof doing, "adding message %s to the outbox", message_id);
        rc = pt_store_fail(st, err, doing);
    }
    sqlite3_finalize(s);
    free(rjson);
    return rc;
}

/* Loads the next due row after m->cursor into m->cur. *found = 0 when the
 * pass is through. A row whose recipients cannot be read is loaded with
 * none: the caller fails it like an undeliverable message. */
static int load_next(struct pt_mailer *m, int *found, char *bad, size_t badcap, struct pt_err *err)
{
    struct outmsg *g = &m->cur;
    char now[32];
    sqlite3_stmt *s;
    *found = 0;
    bad[0] = '\0';
    now_time(now);
    int rc = pt_store_prepare(m->st,
                              "SELECT id, message_id, bureau_id, recipients, bytes, created_at, "
                              "attempts FROM outbox WHERE sent_at IS NULL AND gave_up_at IS NULL "
                              "AND id > ? AND (next_attempt_at IS NULL OR next_attempt_at <= ?) "
                              "ORDER BY id LIMIT 1",
                              &s, err);
    if (rc)
        return rc;
    sqlite3_bind_int64(s, 1, m->cursor);
    sqlite3_bind_text(s, 2, now, -1, SQLITE_STATIC);
    int step = sqlite3_step(s);
    if (step == SQLITE_DONE) {
        sqlite3_finalize(s);
        return 0;
    }
    if (step != SQLITE_ROW) {
        rc = pt_store_fail(m->st, err, "reading the outbox");
        sqlite3_finalize(s);
        return rc;
    }
    msg_clear(g);
    g->id = sqlite3_column_int64(s, 0);
    m->cursor = g->id;
    const char *mid = (const char *)sqlite3_column_text(s, 1);
    const char *bureau = (const char *)sqlite3_column_text(s, 2);
    const char *rjson = (const char *)sqlite3_column_text(s, 3);
    const void *blob = sqlite3_column_blob(s, 4);
    int blen = sqlite3_column_bytes(s, 4);
    const char *created = (const char *)sqlite3_column_text(s, 5);
    g->attempts = sqlite3_column_int(s, 6);
    g->message_id = strdup(mid ? mid : "");
    g->bureau_id = strdup(bureau ? bureau : "");
    g->created_at = strdup(created ? created : "");
    g->len = blen > 0 ? (size_t)blen : 0;
    g->bytes = malloc(g->len + 1);
    if (!g->message_id || !g->bureau_id || !g->created_at || !g->bytes) {
        sqlite3_finalize(s);
        return pt_err_set(err, PT_ENOMEM, "outbox: out of memory");
    }
    if (g->len)
        memcpy(g->bytes, blob, g->len);
    g->bytes[g->len] = '\0';

    /* Recipients: checked again, the row may have been edited by hand. */
    json_error_t je;
    json_t *arr = json_loads(rjson ? rjson : "", 0, &je);
    size_t textcap = 1, i;
    json_t *v;
    if (!json_is_array(arr) || json_array_size(arr) == 0)
        snprintf(bad, badcap, "recipients are not a non-empty JSON array of addresses");
    json_array_foreach(arr, i, v)
    {
        const char *a = json_string_value(v);
        if (!a || !pt_text_email_ok(a)) {
            snprintf(bad, badcap, "recipient %zu is not a bare e-mail address", i + 1);
            break;
        }
        textcap += strlen(a) + 2;
    }
    if (!bad[0]) {
        g->rcpt_text = calloc(1, textcap);
        if (!g->rcpt_text) {
            json_decref(arr);
            sqlite3_finalize(s);
            return pt_err_set(err, PT_ENOMEM, "outbox: out of memory");
        }
        json_array_foreach(arr, i, v)
        {
            const char *a = json_string_value(v);
            char line[300];
            snprintf(line, sizeof line, "<%s>", a);
            struct curl_slist *l = curl_slist_append(g->rcpt, line);
            if (!l) {
                json_decref(arr);
                sqlite3_finalize(s);
                return pt_err_set(err, PT_ENOMEM, "outbox: out of memory");
            }
            g->rcpt = l;
            if (i)
                strcat(g->rcpt_text, ", ");
            strcat(g->rcpt_text, a);
        }
    }
    json_decref(arr);
    sqlite3_finalize(s);
    if (!g->rcpt_text && !(g->rcpt_text = strdup("(unreadable recipients)")))
        return pt_err_set(err, PT_ENOMEM, "outbox: out of memory");
    *found = 1;
    return 0;
}

/* ---- Outcomes ------------------------------------------------------------- */

/* Marks the message in flight sent. note (may be NULL) goes to last_error:
 * recipients the relay refused while accepting the others. */
static void record_sent(struct pt_mailer *m, const char *note)
{
    struct outmsg *g = &m->cur;
    struct pt_err err;
    char now[32];
    sqlite3_stmt *s = NULL;
    now_time(now);
    m->counts.sent++;
    int rc = pt_store_begin(m->st, &err);
    if (!rc)
        rc = pt_store_prepare(m->st,
                              "UPDATE outbox SET sent_at = ?, attempts = attempts + 1, "
                              "next_attempt_at = NULL, last_error = ? WHERE id = ?",
                              &s, &err);
    if (!rc) {
        sqlite3_bind_text(s, 1, now, -1, SQLITE_STATIC);
        if (note)
            sqlite3_bind_text(s, 2, note, -1, SQLITE_STATIC);
        else
            sqlite3_bind_null(s, 2);
        sqlite3_bind_int64(s, 3, g->id);
        if (sqlite3_step(s) != SQLITE_DONE)
            rc = pt_store_fail(m->st, &err, "marking a message sent");
        sqlite3_finalize(s);
        if (rc)
            pt_store_rollback(m->st);
        else
            rc = pt_store_commit(m->st, &err);
    }
    if (rc) {
        pt_store_rollback(m->st); /* a failed prepare left the BEGIN open */
        /* At-least-once: it goes again next time, same bytes, same ID. */
        pt_log_errorx("mail: %s for bureau %s was delivered via %s but could not be marked "
                      "sent (%s): it will be sent again",
                      g->message_id, g->bureau_id, m->server, err.msg);
        return;
    }
    if (m->file)
        pt_log_info("mail: %s for bureau %s written to %s", g->message_id, g->bureau_id,
                    g->spool_dst);
    else
        pt_log_info("mail: %s for bureau %s sent to %s via %s", g->message_id, g->bureau_id,
                    g->rcpt_text, m->server);
}

/* Records a failed attempt of the message in flight: a retry after backoff,
 * or — give_up_after after it was queued — the end, loudly: an error in the
 * log, gave_up_at, and a failed runs row (plugin "mail") for the operator. */
static void record_failure(struct pt_mailer *m, const char *why)
{
    struct outmsg *g = &m->cur;
    struct pt_err err;
    char now[32], next[32];
    time_t t = now_time(now), created;
    if (iso_parse(g->created_at, &created))
        created = t; /* unreadable: give it the full give_up_after from now */
    int attempts = g->attempts + 1;
    int give_up = t - created >= m->conf.give_up_after_s;
    time_t when = t + backoff_s(m, g->attempts);
    if (!give_up && when > created + m->conf.give_up_after_s)
        when = created + m->conf.give_up_after_s; /* a last attempt at the deadline */
    iso_format(when, next);
    char runerr[8192];
    snprintf(runerr, sizeof runerr,
             "gave up on message %s for bureau %s (to %s) after %d attempts since %s: %s",
             g->message_id, g->bureau_id, g->rcpt_text, attempts, g->created_at, why);

    sqlite3_stmt *s = NULL;
    int rc = pt_store_begin(m->st, &err);
    if (!rc)
        rc = pt_store_prepare(m->st,
                              give_up ? "UPDATE outbox SET attempts = attempts + 1, "
                                        "last_error = ?, gave_up_at = ?, next_attempt_at = NULL "
                                        "WHERE id = ?"
                                      : "UPDATE outbox SET attempts = attempts + 1, "
                                        "last_error = ?, next_attempt_at = ? WHERE id = ?",
                              &s, &err);
    if (!rc) {
        sqlite3_bind_text(s, 1, why, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 2, give_up ? now : next, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 3, g->id);
        if (sqlite3_step(s) != SQLITE_DONE)
            rc = pt_store_fail(m->st, &err, "recording a failed delivery");
        sqlite3_finalize(s);
    }
    if (!rc && give_up) {
        rc = pt_store_prepare(m->st,
                              "INSERT INTO runs (plugin, instance, started_at, finished_at, "
                              "status, units_failed, error) VALUES ('mail', ?, ?, ?, 'failed', "
                              "1, ?)",
                              &s, &err);
        if (!rc) {
            sqlite3_bind_text(s, 1, m->conf.transport, -1, SQLITE_STATIC);
            sqlite3_bind_text(s, 2, now, -1, SQLITE_STATIC);
            sqlite3_bind_text(s, 3, now, -1, SQLITE_STATIC);
            sqlite3_bind_text(s, 4, runerr, -1, SQLITE_STATIC);
            if (sqlite3_step(s) != SQLITE_DONE)
                rc = pt_store_fail(m->st, &err, "recording a given-up message");
            sqlite3_finalize(s);
        }
    }
    if (rc) {
        pt_store_rollback(m->st);
        pt_log_errorx("mail: %s for bureau %s: attempt %d failed (%s) and could not be "
                      "recorded: %s",
                      g->message_id, g->bureau_id, attempts, why, err.msg);
    } else if ((rc = pt_store_commit(m->st, &err))) {
        pt_log_errorx("mail: %s for bureau %s: attempt %d failed (%s) and could not be "
                      "recorded: %s",
                      g->message_id, g->bureau_id, attempts, why, err.msg);
    }
    if (give_up) {
        m->counts.given_up++;
        pt_log_errorx("mail: %s", runerr);
    } else {
        m->counts.failed++;
        pt_log_warnx("mail: %s for bureau %s: attempt %d failed, next attempt at %s: %s",
                     g->message_id, g->bureau_id, attempts, next, why);
    }
}

/* ---- SMTP through libcurl ------------------------------------------------- */

/* CURLOPT_READFUNCTION: the stored bytes, exactly (libcurl adds the SMTP
 * dot-stuffing and the final ".\r\n" itself). */
static size_t on_read(char *buf, size_t size, size_t n, void *ud)
{
    struct outmsg *g = ud;
    size_t want = size * n, left = g->len - g->off;
    if (want > left)
        want = left;
    memcpy(buf, g->bytes + g->off, want);
    g->off += want;
    return want;
}

/* CURLOPT_DEBUGFUNCTION, used only to learn which recipient a 4xx/5xx
 * answers (libcurl reports none when ALLOWFAILS lets the others through)
 * and the server's last refusal. Commands other than RCPT TO are never
 * looked at: the AUTH lines carry the password. */
static int on_debug(CURL *e, curl_infotype type, char *data, size_t size, void *ud)
{
    struct outmsg *g = ud;
    (void)e;
    if (type == CURLINFO_HEADER_OUT) {
        g->cmd_rcpt[0] = '\0';
        if (size > 8 && strncasecmp(data, "RCPT TO:", 8) == 0) {
            size_t i = 8, j = size, k = 0;
            while (j > i && (data[j - 1] == '\r' || data[j - 1] == '\n' || data[j - 1] == ' '))
                j--;
            for (; i < j && k + 1 < sizeof g->cmd_rcpt; i++)
                if (data[i] != '<' && data[i] != '>' && (unsigned char)data[i] >= 0x20)
                    g->cmd_rcpt[k++] = data[i];
            g->cmd_rcpt[k] = '\0';
        }
        return 0;
    }
    if (type != CURLINFO_HEADER_IN || size < 3 || !isdigit((unsigned char)data[0]) ||
        !isdigit((unsigned char)data[1]) || !isdigit((unsigned char)data[2]))
        return 0;
    if (size > 3 && data[3] == '-')
        return 0; /* a multi-line reply: its last line decides */
    int code = (data[0] - '0') * 100 + (data[1] - '0') * 10 + (data[2] - '0');
    if (code >= 400) {
        size_t k = 0;
        for (size_t i = 0; i < size && k + 1 < sizeof g->reply; i++)
            if ((unsigned char)data[i] >= 0x20 && data[i] != 0x7f)
                g->reply[k++] = data[i];
        g->reply[k] = '\0';
        if (g->cmd_rcpt[0]) {
            size_t l = strlen(g->rejected);
            snprintf(g->rejected + l, sizeof g->rejected - l, "%s<%s> (%s)", l ? ", " : "",
                     g->cmd_rcpt, g->reply);
        }
    }
    g->cmd_rcpt[0] = '\0';
    return 0;
}

/* Failures that say the relay, not this message, is the problem: the rest
 * of the pass would only wait out the same failure one by one. */
static int relay_failure(CURLcode c)
{
    switch (c) {
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_USE_SSL_FAILED:
    case CURLE_LOGIN_DENIED:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_GOT_NOTHING:
        return 1;
    default:
        return 0;
    }
}

static const char *curl_hint(CURLcode c)
{
    switch (c) {
    case CURLE_USE_SSL_FAILED:
        return " (the relay offers no STARTTLS, which smtp:// requires: use smtps://, or "
               "insecure_loopback for a relay on this machine)";
    case CURLE_LOGIN_DENIED:
        return " (check mail.username and the password secret)";
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_CONNECT_ERROR:
        return " (verification is always on: set mail.ca_file to the relay's CA if it is "
               "private)";
    default:
        return "";
    }
}

static void on_smtp_done(void *data, int rc, int curl_code)
{
    struct pt_mailer *m = data;
    struct outmsg *g = &m->cur;
    CURLcode res = (CURLcode)curl_code;
    long smtp = 0;
    m->busy = 0;
    g->xfer = NULL;
    curl_easy_getinfo(g->easy, CURLINFO_RESPONSE_CODE, &smtp);
    curl_easy_cleanup(g->easy);
    g->easy = NULL;
    if (rc == PT_ECANCELED) {
        /* Not an attempt that failed: the mailer or the client is closing. */
        pt_log_info("mail: %s for bureau %s: sending canceled; it stays in the outbox",
                    g->message_id, g->bureau_id);
        msg_clear(g);
        pass_end(m, PT_ECANCELED);
        return;
    }
    if (res == CURLE_OK) {
        fault_point("after_send", g);
        char note[700];
        if (g->rejected[0]) {
            snprintf(note, sizeof note, "sent; the relay refused %s", g->rejected);
            pt_log_warnx("mail: %s for bureau %s: delivered to the other recipients via %s, "
                         "but the relay refused %s",
                         g->message_id, g->bureau_id, m->server, g->rejected);
        }
        record_sent(m, g->rejected[0] ? note : NULL);
    } else {
        char why[2048], said[300] = "";
        if (g->reply[0])
            snprintf(said, sizeof said, ", server said: %s", g->reply);
        else if (smtp)
            snprintf(said, sizeof said, ", SMTP %ld", smtp);
        snprintf(why, sizeof why, "%s: %s (curl error %d%s)%s", m->server,
                 g->errbuf[0] ? g->errbuf : curl_easy_strerror(res), (int)res, said,
                 curl_hint(res));
        if (relay_failure(res))
            snprintf(m->relay_err, sizeof m->relay_err, "%s", why);
        record_failure(m, why);
    }
    msg_clear(g);
    pass_next(m);
}

static int start_smtp(struct pt_mailer *m, struct pt_err *err)
{
    struct outmsg *g = &m->cur;
    const struct pt_mail_conf *c = &m->conf;
    CURL *e = curl_easy_init();
    if (!e)
        return pt_err_set(err, PT_ENOMEM, "%s: curl_easy_init failed", m->server);
    CURLcode r = CURLE_OK;
#define SET(opt, val)                                                                              \
    do {                                                                                           \
        if (r == CURLE_OK)                                                                         \
            r = curl_easy_setopt(e, opt, val);                                                     \
    } while (0)
    SET(CURLOPT_URL, c->url);
    SET(CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    SET(CURLOPT_ERRORBUFFER, g->errbuf);
    SET(CURLOPT_NOSIGNAL, 1L);
    /* A relay is reached directly, never through http_proxy or all_proxy. */
    SET(CURLOPT_PROXY, "");
    /* traps.md: smtp:// uses no TLS unless told; CURLUSESSL_ALL makes
     * STARTTLS required (and is a no-op for smtps://, TLS from the start). */
    SET(CURLOPT_USE_SSL, m->use_ssl);
    SET(CURLOPT_SSL_VERIFYPEER, 1L);
    SET(CURLOPT_SSL_VERIFYHOST, 2L);
    if (c->ca_file[0])
        SET(CURLOPT_CAINFO, c->ca_file);
    if (m->auth) {
        SET(CURLOPT_USERNAME, c->username);
        SET(CURLOPT_PASSWORD, m->password);
    }
    SET(CURLOPT_MAIL_FROM, m->mail_from);
    SET(CURLOPT_MAIL_RCPT, g->rcpt);
    /* traps.md: otherwise one refused recipient aborts the whole send. */
    SET(PT_CURLOPT_RCPT_ALLOWFAILS, 1L);
    SET(CURLOPT_UPLOAD, 1L);
    SET(CURLOPT_READFUNCTION, on_read);
    SET(CURLOPT_READDATA, (void *)g);
    SET(CURLOPT_INFILESIZE_LARGE, (curl_off_t)g->len);
    SET(CURLOPT_TIMEOUT, c->timeout_s);
    SET(CURLOPT_CONNECTTIMEOUT, c->timeout_s < 30 ? c->timeout_s : 30L);
    /* Also bounds the QUIT libcurl sends, waiting on the loop, when it
     * closes a cached session that is still alive (at the client's close,
     * or evicting it from a full cache); idle ones past CURLOPT_MAXAGE_CONN
     * are dropped without a QUIT. Reusing the session across a pass's
     * messages beats a QUIT after each of them. */
    SET(CURLOPT_SERVER_RESPONSE_TIMEOUT, c->timeout_s);
    SET(CURLOPT_VERBOSE, 1L); /* to on_debug only: nothing reaches stderr */
    SET(CURLOPT_DEBUGFUNCTION, on_debug);
    SET(CURLOPT_DEBUGDATA, (void *)g);
#undef SET
    if (r != CURLE_OK) {
        curl_easy_cleanup(e);
        return pt_err_set(err, r == CURLE_OUT_OF_MEMORY ? PT_ENOMEM : PT_EINVAL,
                          "%s: libcurl refused an option: %s", m->server, curl_easy_strerror(r));
    }
    g->easy = e;
    int rc = pt_http_run_easy(m->http, e, on_smtp_done, m, &g->xfer, err);
    if (rc) {
        curl_easy_cleanup(e);
        g->easy = NULL;
        return rc;
    }
    m->busy = 1;
    return 0;
}

/* ---- The file transport ---------------------------------------------------- */

/* Runs on a threadpool thread (uv_queue_work): the writes are small, but
 * two fsyncs can take tens of milliseconds on a busy disk, which the loop
 * must not wait for. Touches nothing but g's own strings and buffers.
 * Atomic: a temporary file in the spool, fsync, rename over the final name,
 * fsync the folder; a reader never sees a partial .eml, and writing the same
 * message again replaces the file with the same bytes. */
static void spool_work(uv_work_t *w)
{
    struct pt_mailer *m = w->data;
    struct outmsg *g = &m->cur;
    const char *doing = "creating", *what = g->spool_tmp;
    char why[128];
    int saved = 0;
    g->work_rc = PT_EIO;
    int fd = open(g->spool_tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0) {
        saved = errno;
        goto fail;
    }
    doing = "writing";
    for (size_t off = 0; off < g->len;) {
        ssize_t n = write(fd, g->bytes + off, g->len - off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            saved = n < 0 ? errno : EIO;
            break;
        }
        off += (size_t)n;
    }
    if (!saved && fsync(fd) != 0)
        saved = errno;
    if (close(fd) != 0 && !saved)
        saved = errno;
    if (saved)
        goto fail_unlink;
    doing = "renaming into place";
    if (rename(g->spool_tmp, g->spool_dst) != 0) {
        saved = errno;
        goto fail_unlink;
    }
    /* The file is in place; without this its name may not survive a power
     * cut. A failure is reported so that the message is written again. */
    doing = "syncing the folder";
    what = g->spool_dir;
    int dfd = open(g->spool_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0 || fsync(dfd) != 0)
        saved = errno;
    if (dfd >= 0)
        close(dfd);
    if (saved)
        goto fail;
    g->work_rc = 0;
    return;
fail_unlink:
    unlink(g->spool_tmp);
fail:
    if (strerror_r(saved, why, sizeof why) != 0) /* strerror is not for threads */
        snprintf(why, sizeof why, "error %d", saved);
    snprintf(g->work_err, sizeof g->work_err, "%s %s: %s", doing, what, why);
}

static void spool_done(uv_work_t *w, int status)
{
    struct pt_mailer *m = w->data;
    struct outmsg *g = &m->cur;
    m->busy = 0;
    if (status == UV_ECANCELED) {
        msg_clear(g);
        pass_end(m, PT_ECANCELED);
        return;
    }
    if (g->work_rc == 0) {
        fault_point("after_send", g);
        record_sent(m, NULL);
    } else {
        record_failure(m, g->work_err);
    }
    msg_clear(g);
    pass_next(m);
}

static int start_file(struct pt_mailer *m, struct pt_err *err)
{
    struct outmsg *g = &m->cur;
    char name[SPOOL_NAME_MAX + 24], path[PATH_MAX + 64];
    spool_name(g->message_id, name, sizeof name);
    int n = snprintf(path, sizeof path, "%s/%s.eml", m->conf.spool, name);
    g->spool_dst = n > 0 && (size_t)n < sizeof path ? strdup(path) : NULL;
    n = snprintf(path, sizeof path, "%s/.%s.eml.%ld.%u.tmp", m->conf.spool, name, (long)getpid(),
                 m->seq++);
    g->spool_tmp = n > 0 && (size_t)n < sizeof path ? strdup(path) : NULL;
    if ((!g->spool_dst || !g->spool_tmp) && n > 0 && (size_t)n >= sizeof path)
        return pt_err_set(err, PT_ECONFIG, "spool %s: the path of a message file is too long",
                          m->conf.spool);
    g->spool_dir = strdup(m->conf.spool);
    if (!g->spool_dst || !g->spool_tmp || !g->spool_dir)
        return pt_err_set(err, PT_ENOMEM, "spool %s: out of memory", m->conf.spool);
    m->work.data = m;
    int rc = uv_queue_work(m->loop, &m->work, spool_work, spool_done);
    if (rc)
        return pt_err_set(err, PT_EIO, "spool %s: cannot queue the write: %s", m->conf.spool,
                          uv_strerror(rc));
    m->busy = 1;
    return 0;
}

/* ---- Passes ------------------------------------------------------------------ */

static void on_timer(uv_timer_t *t);

/* Arms the next pass: at the earliest retry due (at least a second away,
 * so rows that could not be updated do not spin the loop), at most a
 * minute away. Returns the rows still pending, or -1 on a store error. */
static int schedule_next(struct pt_mailer *m, int arm)
{
    sqlite3_stmt *s;
    struct pt_err err;
    char now[32];
    time_t t = now_time(now), next;
    int pending = -1;
    long long ms = RECHECK_MS;
    if (pt_store_prepare(m->st,
                         "SELECT COUNT(*), MIN(next_attempt_at) FROM outbox WHERE sent_at IS "
                         "NULL AND gave_up_at IS NULL",
                         &s, &err) == 0) {
        if (sqlite3_step(s) == SQLITE_ROW) {
            pending = sqlite3_column_int(s, 0);
            const char *n = (const char *)sqlite3_column_text(s, 1);
            if (pending > 0 && n && iso_parse(n, &next) == 0)
                ms = ((long long)next - (long long)t) * 1000;
            else if (pending > 0)
                ms = 0;
        } else
            pt_store_fail(m->st, &err, "reading the outbox");
        sqlite3_finalize(s);
    }
    if (pending < 0)
        pt_log_errorx("mail: %s", err.msg);
    if (ms < 1000)
        ms = 1000;
    if (ms > RECHECK_MS)
        ms = RECHECK_MS;
    if (arm)
        uv_timer_start(&m->timer, on_timer, (uint64_t)ms, 0);
    return pending;
}

/* Ends the pass with rc (also a canceled send's way out). Runs the
 * drain_once callback of this pass, then arms what comes next unless the
 * mailer is closing. */
static void pass_end(struct pt_mailer *m, int rc)
{
    m->in_pass = 0;
    m->relay_err[0] = '\0';
    int arm = m->keep && !m->again && !m->closing;
    int pending = schedule_next(m, arm);
    m->counts.pending = pending < 0 ? 0 : pending;
    struct pt_mailer_counts c = m->counts;
    if (c.sent || c.failed || c.given_up)
        pt_log_info("mail: %d sent, %d failed, %d given up, %d pending", c.sent, c.failed,
                    c.given_up, c.pending);
    if (m->once_state == 2) {
        m->once_state = 0;
        pt_mailer_pass_cb cb = m->once_cb;
        m->once_cb = NULL;
        cb(m->once_data, rc, &c); /* may close the mailer */
    }
    if (m->closing) {
        maybe_closed(m);
        return;
    }
    if (m->again || m->once_state == 1) {
        m->again = 0;
        uv_timer_start(&m->timer, on_timer, 0, 0);
    }
}

static void pass_next(struct pt_mailer *m)
{
    struct pt_err err;
    char bad[256];
    for (;;) {
        if (m->closing)
            return pass_end(m, PT_ECANCELED);
        int found;
        int rc = load_next(m, &found, bad, sizeof bad, &err);
        if (rc) {
            pt_log_errorx("mail: %s", err.msg);
            msg_clear(&m->cur);
            return pass_end(m, rc);
        }
        if (!found)
            return pass_end(m, 0);
        if (bad[0])
            record_failure(m, bad);
        else if (m->relay_err[0])
            record_failure(m, m->relay_err);
        else {
            rc = m->file ? start_file(m, &err) : start_smtp(m, &err);
            if (rc == 0)
                return; /* its completion continues the pass */
            if (rc == PT_ECANCELED) {
                msg_clear(&m->cur);
                return pass_end(m, rc);
            }
            record_failure(m, err.msg);
        }
        msg_clear(&m->cur);
    }
}

static void on_timer(uv_timer_t *t)
{
    struct pt_mailer *m = t->data;
    if (m->closing || m->in_pass)
        return;
    m->in_pass = 1;
    m->again = 0;
    m->cursor = 0;
    m->relay_err[0] = '\0';
    memset(&m->counts, 0, sizeof m->counts);
    if (m->once_state == 1)
        m->once_state = 2;
    pass_next(m);
}

void pt_mailer_drain(struct pt_mailer *m)
{
    if (m->closing)
        return;
    m->keep = 1;
    if (m->in_pass)
        m->again = 1;
    else
        uv_timer_start(&m->timer, on_timer, 0, 0);
}

int pt_mailer_drain_once(struct pt_mailer *m, pt_mailer_pass_cb cb, void *data, struct pt_err *err)
{
    if (!cb)
        return pt_err_set(err, PT_EINVAL, "mail: drain_once needs a callback");
    if (m->closing)
        return pt_err_set(err, PT_ECANCELED, "mail: the mailer is closing");
    if (m->once_state)
        return pt_err_set(err, PT_EBUSY, "mail: a drain_once is already waiting");
    m->once_cb = cb;
    m->once_data = data;
    m->once_state = 1;
    if (m->in_pass)
        m->again = 1; /* the callback waits for a pass that starts after this call */
    else
        uv_timer_start(&m->timer, on_timer, 0, 0);
    return 0;
}

/* ---- Setup and teardown -------------------------------------------------- */

static void on_timer_closed(uv_handle_t *h)
{
    struct pt_mailer *m = h->data;
    if (m->once_state) { /* accepted but never started */
        struct pt_mailer_counts c;
        memset(&c, 0, sizeof c);
        m->once_state = 0;
        m->once_cb(m->once_data, PT_ECANCELED, &c);
    }
    void (*closed)(void *) = m->closed;
    void *data = m->closed_data;
    msg_clear(&m->cur);
    explicit_bzero(m->password, sizeof m->password);
    free(m);
    if (closed)
        closed(data);
}

static void maybe_closed(struct pt_mailer *m)
{
    if (!m->closing || m->busy || m->in_pass || m->timer_closing)
        return;
    m->timer_closing = 1;
    uv_close((uv_handle_t *)&m->timer, on_timer_closed);
}

void pt_mailer_close(struct pt_mailer *m, void (*closed)(void *data), void *data)
{
    if (m->closing)
        return;
    m->closing = 1;
    m->closed = closed;
    m->closed_data = data;
    uv_timer_stop(&m->timer);
    if (m->busy) {
        if (m->cur.xfer)
            pt_http_cancel_easy(m->cur.xfer);
        else if (m->file)
            uv_cancel((uv_req_t *)&m->work); /* fails once a thread runs it: then it ends */
        return;                              /* the completion ends the pass, which closes */
    }
    maybe_closed(m);
}

/* Reads and checks the SMTP settings: URL, TLS policy, credentials. */
static int setup_smtp(struct pt_mailer *m, struct pt_err *err)
{
    const struct pt_mail_conf *c = &m->conf;
    CURLU *u = curl_url();
    char *scheme = NULL, *host = NULL, *port = NULL;
    int rc = 0;
    if (!u)
        return pt_err_set(err, PT_ENOMEM, "mail: out of memory");
    CURLUcode uc = curl_url_set(u, CURLUPART_URL, c->url, CURLU_NON_SUPPORT_SCHEME);
    if (uc == CURLUE_OK)
        uc = curl_url_get(u, CURLUPART_SCHEME, &scheme, 0);
    if (uc == CURLUE_OK)
        uc = curl_url_get(u, CURLUPART_HOST, &host, 0);
    if (uc != CURLUE_OK) {
        rc = pt_err_set(err, PT_ECONFIG, "mail.url: not a valid URL: %s", curl_url_strerror(uc));
        goto out;
    }
    curl_url_get(u, CURLUPART_PORT, &port, 0); /* none: the scheme's default */
    snprintf(m->server, sizeof m->server, "%.16s://%.500s%s%.8s", scheme, host, port ? ":" : "",
             port ? port : "");
    int smtps = strcasecmp(scheme, "smtps") == 0;
    if (!smtps && strcasecmp(scheme, "smtp") != 0) {
        rc = pt_err_set(err, PT_ECONFIG, "mail.url %s: use smtp:// (STARTTLS) or smtps://",
                        m->server);
        goto out;
    }
    int loopback =
        !strcmp(host, "127.0.0.1") || !strcmp(host, "[::1]") || !strcasecmp(host, "localhost");
    if (c->insecure_loopback && !loopback) {
        rc = pt_err_set(err, PT_ECONFIG,
                        "mail.url %s: insecure_loopback allows plain SMTP only to a relay on "
                        "127.0.0.1, ::1 or localhost, not to %s (remove insecure_loopback: "
                        "smtp:// then requires STARTTLS)",
                        m->server, host);
        goto out;
    }
    m->use_ssl = smtps || !c->insecure_loopback ? (long)CURLUSESSL_ALL : (long)CURLUSESSL_NONE;
    int has_pw = c->password.file[0] || c->password.credential[0];
    if (c->username[0] && !has_pw) {
        rc = pt_err_set(err, PT_ECONFIG,
                        "mail: username is set but password is not (a secret "
                        "file or a systemd credential)");
        goto out;
    }
    if (!c->username[0] && has_pw) {
        rc = pt_err_set(err, PT_ECONFIG, "mail: password is set but username is not");
        goto out;
    }
    if (c->username[0]) {
        struct pt_err serr;
        if (pt_secret_read(c->password.file, c->password.credential, m->password,
                           sizeof m->password, &serr)) {
            rc = pt_err_set(err, PT_ECONFIG, "mail.password: %s", serr.msg);
            goto out;
        }
        m->auth = 1;
    }
out:
    curl_free(scheme);
    curl_free(host);
    curl_free(port);
    curl_url_cleanup(u);
    return rc;
}

static int setup_file(struct pt_mailer *m, struct pt_err *err)
{
    const char *sp = m->conf.spool;
    struct stat sb;
    snprintf(m->server, sizeof m->server, "spool %.600s", sp);
    if (!sp[0])
        return pt_err_set(err, PT_ECONFIG, "mail.spool: required by the file transport");
    if (stat(sp, &sb) != 0)
        return pt_err_set(err, PT_ECONFIG,
                          "mail.spool %s: %s (create the folder, writable by the daemon's user)",
                          sp, strerror(errno));
    if (!S_ISDIR(sb.st_mode))
        return pt_err_set(err, PT_ECONFIG, "mail.spool %s: not a folder", sp);
    if (access(sp, W_OK | X_OK) != 0)
        return pt_err_set(err, PT_ECONFIG, "mail.spool %s: not writable by this user (uid %ld): %s",
                          sp, (long)getuid(), strerror(errno));
    return 0;
}

/* Everything pt_mailer_new checks, into m (conf copied, password read). */
static int mailer_setup(struct pt_mailer *m, const struct pt_mail_conf *conf, const char *from,
                        struct pt_err *err)
{
    int file = !strcmp(conf->transport, "file");
    if (!file && strcmp(conf->transport, "smtp"))
        return pt_err_set(err, PT_ECONFIG, "mail.transport \"%s\": use \"file\" or \"smtp\"",
                          conf->transport);
    if (conf->timeout_s < 1 || conf->retry_base_s < 1 || conf->retry_max_s < 1 ||
        conf->give_up_after_s < 0)
        return pt_err_set(err, PT_ECONFIG,
                          "mail: timeout, retry_base and retry_max must be at "
                          "least a second, give_up_after not negative");
    m->conf = *conf;
    m->file = file;
    char addr[300];
    addr_of(from ? from : conf->from, addr, sizeof addr);
    if (!file && !pt_text_email_ok(addr))
        return pt_err_set(err, PT_ECONFIG, "mail.from \"%s\": no e-mail address in it",
                          from ? from : conf->from);
    snprintf(m->mail_from, sizeof m->mail_from, "<%s>", addr);
    int rc = file ? setup_file(m, err) : setup_smtp(m, err);
    if (rc)
        explicit_bzero(m->password, sizeof m->password);
    return rc;
}

int pt_mailer_check(const struct pt_mail_conf *conf, const char *from, struct pt_err *err)
{
    struct pt_mailer *m = calloc(1, sizeof *m);
    if (!m)
        return pt_err_set(err, PT_ENOMEM, "mail: out of memory");
    int rc = mailer_setup(m, conf, from, err);
    explicit_bzero(m->password, sizeof m->password);
    free(m);
    return rc;
}

int pt_mailer_new(uv_loop_t *loop, struct pt_store *st, struct pt_http *http,
                  const struct pt_mail_conf *conf, const char *from, struct pt_mailer **out,
                  struct pt_err *err)
{
    *out = NULL;
    if (!conf || !st || !loop)
        return pt_err_set(err, PT_EINVAL, "mail: a loop, a store and a configuration are needed");
    if (!http && strcmp(conf->transport, "file") != 0)
        return pt_err_set(err, PT_EINVAL, "mail: the smtp transport needs the HTTP client");
    struct pt_mailer *m = calloc(1, sizeof *m);
    if (!m)
        return pt_err_set(err, PT_ENOMEM, "mail: out of memory");
    int rc = mailer_setup(m, conf, from, err);
    if (rc) {
        free(m);
        return rc;
    }
    m->loop = loop;
    m->st = st;
    m->http = http;
    m->rng = uv_hrtime() ^ ((unsigned long long)(uintptr_t)m * 0x9E3779B97F4A7C15ULL);
    if (!m->rng)
        m->rng = 1;
    uv_timer_init(loop, &m->timer); /* cannot fail */
    m->timer.data = m;
    *out = m;
    return 0;
}
