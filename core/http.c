/* The asynchronous HTTP client: libcurl's multi socket API driven by the uv
 * loop (one uv_poll per socket, one uv_timer for libcurl's timeout), retries
 * with backoff on uv timers, and file:// read through libuv's threadpool.
 * It is not a blocking helper and never calls libcurl from inside a libcurl
 * callback; callers' callbacks run only from uv close callbacks, never from
 * inside libcurl or pt_http_fetch, so a callback may fetch or close freely. */
#include "http.h"

#include <curl/curl.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

#include "log.h"

/* 7.85: CURLOPT_PROTOCOLS_STR / CURLOPT_REDIR_PROTOCOLS_STR; 7.84:
 * curl_easy_header outside the experimental flag. Debian 12 has 7.88. */
#if !CURL_AT_LEAST_VERSION(7, 85, 0)
#error "plantrack's HTTP client needs libcurl 7.85 or newer"
#endif

#ifndef PT_VERSION
#define PT_VERSION "0"
#endif

/* A file:// read goes to the threadpool this many bytes at a time: big enough
 * that a 64 MiB feed is 256 round trips, small enough that one read never
 * holds a pool thread (shared with DNS and other fs work) for long. */
#define FILE_CHUNK (256 * 1024)

/* Where a transfer is. Only XS_ATTEMPT has its easy handle in the multi. */
enum xfer_state {
    XS_ATTEMPT, /* easy handle added to the multi */
    XS_BACKOFF, /* sleeping on x->timer before the next attempt */
    XS_FILE,    /* a uv_fs request of a file:// read is in flight */
    XS_DONE     /* x->timer closing; the callback runs from its close callback */
};

struct pt_http_xfer {
    struct pt_http *h;
    struct pt_http_xfer *next, *prev; /* h->xfers, until the close callback */
    enum xfer_state state;
    pt_http_cb cb;
    void *data;
    char *url, *req_etag, *req_lm; /* copies of the request */
    struct pt_http_opts opts;      /* copy; ca_file and user_agent owned */
    int attempts;                  /* started so far, the first is 1 */
    uv_timer_t timer;              /* backoff sleeps; its close callback frees x */

    /* HTTP */
    CURL *easy;                 /* kept across attempts; options persist */
    struct curl_slist *headers; /* If-None-Match / If-Modified-Since */
    char errbuf[CURL_ERROR_SIZE];
    int cur_status;       /* of the response whose headers are arriving */
    long long cur_length; /* its Content-Length, -1 if none */
    int cur_encoded;      /* it has a Content-Encoding: length is not the body's */
    char location[512];   /* its Location, for a refused redirect's message */
    int too_big, nomem;   /* why the body callback refused */

    /* the body being received; reset by every response (redirect, retry) */
    char *body; /* NUL-terminated; NULL until the first byte */
    size_t len; /* bytes held, at most opts.max_body */
    size_t cap; /* allocated, including room for the NUL */

    /* the outcome, handed to the callback */
    int rc;
    struct pt_err err;
    int status, not_modified;
    char *etag, *lm, *eff_url;

    /* A caller's easy handle (pt_http_run_easy): driven, never set up or
     * cleaned up here; its outcome goes to easy_cb instead of cb. */
    int borrowed;
    pt_http_easy_cb easy_cb;
    int curl_code; /* the CURLcode libcurl finished it with */

    /* file:// */
    char *path;     /* percent-decoded */
    uv_fs_t fs;     /* one request at a time */
    uv_file fd;     /* -1 when not open */
    int fs_closing; /* the close request must not be cancelled: the fd would leak */
};

/* A socket libcurl asked us to watch. Its memory outlives the poll handle's
 * close, so it is freed in the close callback (libuv's handle rule). */
struct pt_http_sock {
    struct pt_http *h;
    struct pt_http_sock *next, *prev; /* h->socks, until the close callback */
    curl_socket_t fd;
    int closing;
    uv_poll_t poll;
};

static uv_once_t http_once = UV_ONCE_INIT;
static CURLcode http_global_rc;

/* curl_global_init is not safe to race with other threads' curl calls; a
 * uv_once makes the first client do it, exactly once per process. It is never
 * undone: curl_global_cleanup would break any other user of libcurl. */
static void http_global_init(void)
{
    http_global_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

static void xfer_finish(struct pt_http_xfer *x, int rc);
static void http_maybe_closed(struct pt_http *h);
static int curl_socket_cb(CURL *e, curl_socket_t fd, int what, void *userp, void *socketp);
static int curl_timer_cb(CURLM *m, long timeout_ms, void *userp);
static void sock_closed(uv_handle_t *hd);

/* ---- Options ------------------------------------------------------------ */

void pt_http_opts_default(struct pt_http_opts *o)
{
    memset(o, 0, sizeof *o);
    o->connect_timeout_ms = 10 * 1000;
    o->total_timeout_ms = 120 * 1000;
    o->max_body = (size_t)64 << 20;
    o->max_redirects = 5;
    o->retries = 3;
    o->backoff_base_ms = 1000;
    o->backoff_max_ms = 60 * 1000;
    o->retry_after_max_ms = 120 * 1000;
}

/* where: the URL, or what is being set up, for the message */
static int opts_check(const struct pt_http_opts *o, const char *where, struct pt_err *err)
{
    const char *bad = NULL;
    if (o->connect_timeout_ms <= 0)
        bad = "connect_timeout_ms must be > 0";
    else if (o->total_timeout_ms <= 0)
        bad = "total_timeout_ms must be > 0";
    else if (o->max_body == 0 || o->max_body > SIZE_MAX / 4)
        bad = "max_body must be > 0 and fit in memory";
    else if (o->max_redirects < 0 || o->max_redirects > 100)
        bad = "max_redirects must be 0 to 100";
    else if (o->retries < 0 || o->retries > 100)
        bad = "retries must be 0 to 100";
    else if (o->backoff_base_ms < 0 || o->backoff_max_ms < 0 || o->retry_after_max_ms < 0)
        bad = "backoff_base_ms, backoff_max_ms and retry_after_max_ms must be >= 0";
    if (bad)
        return pt_err_set(err, PT_EINVAL, "%s: HTTP options: %s", where, bad);
    return 0;
}

/* Copies src into dst with its own strings; undone by opts_free. */
static int opts_copy(struct pt_http_opts *dst, const struct pt_http_opts *src)
{
    *dst = *src;
    dst->ca_file = src->ca_file ? strdup(src->ca_file) : NULL;
    dst->user_agent = src->user_agent ? strdup(src->user_agent) : NULL;
    if ((src->ca_file && !dst->ca_file) || (src->user_agent && !dst->user_agent)) {
        free((char *)dst->ca_file);
        free((char *)dst->user_agent);
        dst->ca_file = dst->user_agent = NULL;
        return PT_ENOMEM;
    }
    return 0;
}

static void opts_free(struct pt_http_opts *o)
{
    free((char *)o->ca_file);
    free((char *)o->user_agent);
    o->ca_file = o->user_agent = NULL;
}

/* ---- The client: init, close -------------------------------------------- */

static void http_timer_closed(uv_handle_t *hd)
{
    struct pt_http *h = hd->data;
    h->handles--;
    http_maybe_closed(h);
}

int pt_http_init(struct pt_http *h, uv_loop_t *loop, const struct pt_http_opts *defaults,
                 struct pt_err *err)
{
    struct pt_http_opts def;
    memset(h, 0, sizeof *h);
    if (!defaults) {
        pt_http_opts_default(&def);
        defaults = &def;
    }
    int rc = opts_check(defaults, "HTTP client", err);
    if (rc)
        return rc;
    uv_once(&http_once, http_global_init);
    if (http_global_rc != CURLE_OK)
        return pt_err_set(err, PT_EIO, "HTTP client: curl_global_init: %s",
                          curl_easy_strerror(http_global_rc));
    if (opts_copy(&h->defaults, defaults))
        return pt_err_set(err, PT_ENOMEM, "HTTP client: out of memory");
    h->multi = curl_multi_init();
    if (!h->multi) {
        opts_free(&h->defaults);
        return pt_err_set(err, PT_ENOMEM, "HTTP client: curl_multi_init failed");
    }
    h->loop = loop;
    uv_timer_init(loop, &h->timer); /* cannot fail */
    h->timer.data = h;
    h->handles = 1;
    /* Jitter only has to differ between processes and clients; it is not a
     * secret. xorshift needs a non-zero state. */
    h->rng = uv_hrtime() ^ ((unsigned long long)(uintptr_t)h * 0x9E3779B97F4A7C15ULL);
    if (!h->rng)
        h->rng = 1;

    curl_multi_setopt(h->multi, CURLMOPT_SOCKETFUNCTION, curl_socket_cb);
    curl_multi_setopt(h->multi, CURLMOPT_SOCKETDATA, h);
    curl_multi_setopt(h->multi, CURLMOPT_TIMERFUNCTION, curl_timer_cb);
    curl_multi_setopt(h->multi, CURLMOPT_TIMERDATA, h);
    return 0;
}

/* Tears the client down once no transfer is left: the multi handle first
 * (it may still report sockets to remove, which then only get closed), then
 * every poll and the timer; closed() runs from the last close callback. */
static void http_maybe_closed(struct pt_http *h)
{
    if (!h->closing)
        return;
    if (h->live == 0 && !h->torn_down) {
        h->torn_down = 1;
        curl_multi_cleanup(h->multi);
        h->multi = NULL;
        for (struct pt_http_sock *s = h->socks; s; s = s->next)
            if (!s->closing) {
                s->closing = 1;
                uv_poll_stop(&s->poll);
                uv_close((uv_handle_t *)&s->poll, sock_closed);
            }
        uv_close((uv_handle_t *)&h->timer, http_timer_closed);
        opts_free(&h->defaults);
    }
    if (h->torn_down && h->handles == 0 && h->closing == 1) {
        h->closing = 2; /* closed() may free h: nothing touches it after */
        if (h->closed)
            h->closed(h);
    }
}

static void xfer_cancel(struct pt_http_xfer *x)
{
    switch (x->state) {
    case XS_ATTEMPT:
        curl_multi_remove_handle(x->h->multi, x->easy);
        /* fall through */
    case XS_BACKOFF:
        pt_err_set(&x->err, PT_ECANCELED, "%s: canceled (the HTTP client is closing)", x->url);
        xfer_finish(x, PT_ECANCELED);
        break;
    case XS_FILE:
        /* Fails if a pool thread already runs it; the callback then sees
         * h->closing and finishes the transfer itself. */
        if (!x->fs_closing)
            uv_cancel((uv_req_t *)&x->fs);
        break;
    case XS_DONE:
        break;
    }
}

void pt_http_close(struct pt_http *h, void (*closed)(struct pt_http *h))
{
    if (h->closing)
        return;
    h->closing = 1;
    h->closed = closed;
    for (struct pt_http_xfer *x = h->xfers, *next; x; x = next) {
        next = x->next;
        xfer_cancel(x);
    }
    http_maybe_closed(h);
}

/* ---- libcurl's sockets and timer on the loop ---------------------------- */

static void http_drain(struct pt_http *h);
static void xfer_attempt_done(struct pt_http_xfer *x, CURLcode res);

static void sock_closed(uv_handle_t *hd)
{
    struct pt_http_sock *s = hd->data;
    struct pt_http *h = s->h;
    if (s->prev)
        s->prev->next = s->next;
    else
        h->socks = s->next;
    if (s->next)
        s->next->prev = s->prev;
    free(s);
    h->handles--;
    http_maybe_closed(h);
}

static void on_poll(uv_poll_t *p, int status, int events)
{
    struct pt_http_sock *s = p->data;
    struct pt_http *h = s->h;
    int flags = 0, running;
    if (status < 0)
        flags = CURL_CSELECT_ERR; /* libcurl reads the socket error and fails the transfer */
    else
        flags = ((events & UV_READABLE) ? CURL_CSELECT_IN : 0) |
                ((events & UV_WRITABLE) ? CURL_CSELECT_OUT : 0);
    curl_multi_socket_action(h->multi, s->fd, flags, &running);
    http_drain(h);
}

/* CURLMOPT_SOCKETFUNCTION: libcurl says which events it wants on a socket.
 * It must not call libcurl back except curl_multi_assign. */
static int curl_socket_cb(CURL *e, curl_socket_t fd, int what, void *userp, void *socketp)
{
    struct pt_http *h = userp;
    struct pt_http_sock *s = socketp;
    if (what == CURL_POLL_REMOVE) {
        /* libcurl closes fd right after this returns; the poll must be off
         * the fd by then, and a new socket may reuse the number at once. */
        if (s && !s->closing) {
            s->closing = 1;
            uv_poll_stop(&s->poll);
            if (!h->torn_down)
                curl_multi_assign(h->multi, fd, NULL);
            uv_close((uv_handle_t *)&s->poll, sock_closed);
        }
        return 0;
    }
    if (h->torn_down)
        return -1;
    if (!s) {
        s = calloc(1, sizeof *s);
        if (!s)
            return -1; /* libcurl fails the transfers on this socket */
        if (uv_poll_init_socket(h->loop, &s->poll, fd) != 0) {
            free(s);
            return -1;
        }
        s->h = h;
        s->fd = fd;
        s->poll.data = s;
        s->next = h->socks;
        if (h->socks)
            h->socks->prev = s;
        h->socks = s;
        h->handles++;
        curl_multi_assign(h->multi, fd, s);
    }
    int events =
        ((what & CURL_POLL_IN) ? UV_READABLE : 0) | ((what & CURL_POLL_OUT) ? UV_WRITABLE : 0);
    if (!events)
        return uv_poll_stop(&s->poll) ? -1 : 0;
    return uv_poll_start(&s->poll, events, on_poll) ? -1 : 0;
}

static void on_curl_timeout(uv_timer_t *t)
{
    struct pt_http *h = t->data;
    int running;
    curl_multi_socket_action(h->multi, CURL_SOCKET_TIMEOUT, 0, &running);
    http_drain(h);
}

/* CURLMOPT_TIMERFUNCTION: only (re)arms or stops the one timer; calling
 * libcurl from here re-enters it. 0 becomes 1 ms: a 0 ms timer armed from
 * the timer path runs again in the same pass and starves the polls. */
static int curl_timer_cb(CURLM *m, long timeout_ms, void *userp)
{
    struct pt_http *h = userp;
    if (h->torn_down)
        return 0;
    if (timeout_ms < 0)
        uv_timer_stop(&h->timer);
    else
        uv_timer_start(&h->timer, on_curl_timeout, timeout_ms ? (uint64_t)timeout_ms : 1, 0);
    return 0;
}

/* Reads every finished transfer. Runs after each curl_multi_socket_action,
 * the timer's included, or a completion can sit unread until the next
 * unrelated socket event — possibly forever. */
static void http_drain(struct pt_http *h)
{
    CURLMsg *m;
    int left;
    while ((m = curl_multi_info_read(h->multi, &left))) {
        if (m->msg != CURLMSG_DONE)
            continue;
        /* m is invalid once the handle is removed: copy first */
        CURL *e = m->easy_handle;
        CURLcode res = m->data.result;
        char *priv = NULL;
        curl_easy_getinfo(e, CURLINFO_PRIVATE, &priv);
        curl_multi_remove_handle(h->multi, e);
        xfer_attempt_done((struct pt_http_xfer *)(void *)priv, res);
    }
}

/* ---- Transfers: completion and the caller's callback -------------------- */

static void xfer_unlink(struct pt_http_xfer *x)
{
    struct pt_http *h = x->h;
    if (x->prev)
        x->prev->next = x->next;
    else
        h->xfers = x->next;
    if (x->next)
        x->next->prev = x->prev;
    x->next = x->prev = NULL;
}

static void xfer_free(struct pt_http_xfer *x)
{
    if (x->easy && !x->borrowed)
        curl_easy_cleanup(x->easy);
    curl_slist_free_all(x->headers);
    opts_free(&x->opts);
    free(x->url);
    free(x->req_etag);
    free(x->req_lm);
    free(x->body);
    free(x->etag);
    free(x->lm);
    free(x->eff_url);
    free(x->path);
    free(x);
}

static void xfer_closed(uv_handle_t *hd)
{
    struct pt_http_xfer *x = hd->data;
    struct pt_http *h = x->h;
    xfer_unlink(x);
    if (x->borrowed) {
        x->easy_cb(x->data, x->rc, x->rc ? CURLE_ABORTED_BY_CALLBACK : x->curl_code);
        xfer_free(x);
        h->live--;
        http_maybe_closed(h);
        return;
    }
    int ok = x->rc == 0;
    struct pt_http_resp resp = {
        .status = x->status,
        .not_modified = ok && x->not_modified,
        .body = ok && !x->not_modified ? (x->body ? x->body : "") : NULL,
        .len = ok && !x->not_modified ? x->len : 0,
        .etag = x->etag,
        .last_modified = x->lm,
        .effective_url = x->eff_url ? x->eff_url : x->url,
        .attempts = x->attempts,
    };
    x->cb(x->data, x->rc, &resp, ok ? NULL : &x->err);
    xfer_free(x);
    h->live--;
    http_maybe_closed(h);
}

/* Ends a transfer whose easy handle is out of the multi and whose fd is
 * closed. The callback is deferred to the close callback so that it never
 * runs inside libcurl or inside the caller's own pt_http_* call. */
static void xfer_finish(struct pt_http_xfer *x, int rc)
{
    x->rc = rc;
    x->state = XS_DONE;
    if (x->easy) {
        if (!x->borrowed)
            curl_easy_cleanup(x->easy);
        x->easy = NULL;
    }
    uv_close((uv_handle_t *)&x->timer, xfer_closed);
}

/* ---- HTTP transfers ----------------------------------------------------- */

/* Resets what one response accumulates, before each attempt. */
static void xfer_reset_response(struct pt_http_xfer *x)
{
    x->len = 0;
    if (x->body)
        x->body[0] = '\0';
    x->cur_status = 0;
    x->cur_length = -1;
    x->cur_encoded = 0;
    x->too_big = x->nomem = 0;
    x->location[0] = '\0';
    x->errbuf[0] = '\0';
}

/* CURLOPT_WRITEFUNCTION: the decoded body. The cap is enforced here because
 * libcurl 7.88's CURLOPT_MAXFILESIZE checks only a Content-Length: chunked
 * bodies and gzip expansion pass it. Returning short aborts the transfer
 * with CURLE_WRITE_ERROR; too_big tells why. */
static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
    struct pt_http_xfer *x = ud;
    size_t len = size * n;
    if (len > x->opts.max_body - x->len) {
        x->too_big = 1;
        return 0;
    }
    if (x->len + len + 1 > x->cap) {
        /* Doubling keeps appends amortised O(1); never above the cap. */
        size_t want = x->cap ? x->cap * 2 : 16384;
        if (want < x->len + len + 1)
            want = x->len + len + 1;
        if (want > x->opts.max_body + 1)
            want = x->opts.max_body + 1;
        char *b = realloc(x->body, want);
        if (!b) {
            x->nomem = 1;
            return 0;
        }
        x->body = b;
        x->cap = want;
    }
    memcpy(x->body + x->len, p, len);
    x->len += len;
    x->body[x->len] = '\0';
    return len;
}

/* CURLOPT_HEADERFUNCTION: sees every response of the transfer (redirects,
 * 100 Continue), one line at a time. Each status line starts a new response
 * whose body replaces the previous one's; a 2xx whose unencoded
 * Content-Length is over the cap is refused before its body is read. */
static size_t on_header(char *p, size_t size, size_t n, void *ud)
{
    struct pt_http_xfer *x = ud;
    size_t len = size * n;
    if (len > 5 && memcmp(p, "HTTP/", 5) == 0) {
        x->len = 0;
        x->cur_length = -1;
        x->cur_encoded = 0;
        x->cur_status = 0;
        x->location[0] = '\0';
        size_t i = 5;
        while (i < len && p[i] != ' ')
            i++;
        while (i < len && p[i] == ' ')
            i++;
        for (int k = 0; k < 3 && i < len && p[i] >= '0' && p[i] <= '9'; k++, i++)
            x->cur_status = x->cur_status * 10 + (p[i] - '0');
    } else if (len > 15 && strncasecmp(p, "content-length:", 15) == 0) {
        char *end;
        long long v = strtoll(p + 15, &end, 10);
        x->cur_length = v >= 0 ? v : -1;
    } else if (len > 17 && strncasecmp(p, "content-encoding:", 17) == 0) {
        x->cur_encoded = 1;
    } else if (len > 9 && strncasecmp(p, "location:", 9) == 0) {
        /* curl_easy_header cannot see it once libcurl refused to follow */
        size_t i = 9, j = len;
        while (i < j && (p[i] == ' ' || p[i] == '\t'))
            i++;
        while (j > i && (p[j - 1] == '\r' || p[j - 1] == '\n' || p[j - 1] == ' '))
            j--;
        if (j - i >= sizeof x->location)
            j = i + sizeof x->location - 1;
        memcpy(x->location, p + i, j - i);
        x->location[j - i] = '\0';
    } else if ((len == 2 && p[0] == '\r') || (len == 1 && p[0] == '\n')) {
        if (x->cur_status >= 200 && x->cur_status < 300 && !x->cur_encoded && x->cur_length >= 0 &&
            (unsigned long long)x->cur_length > x->opts.max_body) {
            x->too_big = 1;
            return 0;
        }
    }
    return len;
}

/* A response header of the last request as a new string, or NULL. */
static char *header_dup(CURL *e, const char *name)
{
    struct curl_header *hd;
    if (curl_easy_header(e, name, 0, CURLH_HEADER, -1, &hd) != CURLHE_OK)
        return NULL;
    return strdup(hd->value);
}

/* RFC 9110 §10.2.3: Retry-After = HTTP-date / delay-seconds. Returns the
 * wait in ms, or -1 when absent or unreadable. */
static long retry_after_ms(CURL *e)
{
    struct curl_header *hd;
    if (curl_easy_header(e, "Retry-After", 0, CURLH_HEADER, -1, &hd) != CURLHE_OK)
        return -1;
    const char *v = hd->value;
    while (*v == ' ' || *v == '\t')
        v++;
    if (*v >= '0' && *v <= '9') {
        char *end;
        long long s = strtoll(v, &end, 10);
        while (*end == ' ' || *end == '\t')
            end++;
        if (*end)
            return -1;
        return s > LONG_MAX / 1000 ? LONG_MAX : (long)(s * 1000);
    }
    time_t when = curl_getdate(v, NULL); /* parses, no I/O */
    if (when == -1)
        return -1;
    time_t now = time(NULL);
    if (when <= now)
        return 0;
    return when - now > LONG_MAX / 1000 ? LONG_MAX : (long)(when - now) * 1000;
}

static unsigned long long http_rand(struct pt_http *h)
{
    /* xorshift64* (Vigna 2016): enough for jitter */
    unsigned long long z = h->rng;
    z ^= z >> 12;
    z ^= z << 25;
    z ^= z >> 27;
    h->rng = z;
    return z * 0x2545F4914F6CDD1DULL;
}

/* "Full jitter" (AWS Architecture Blog, 2015): retry n (from 0) sleeps
 * random(0, min(max, base * 2^n)), which spreads a herd of clients failing
 * together better than a fixed or equal-jitter backoff. */
static long backoff_ms(struct pt_http *h, const struct pt_http_opts *o, int n)
{
    long ceiling = o->backoff_max_ms;
    if (n < 62 && o->backoff_base_ms <= (LONG_MAX >> n) && (o->backoff_base_ms << n) < ceiling)
        ceiling = o->backoff_base_ms << n;
    if (ceiling <= 0)
        return 0;
    return (long)(http_rand(h) % ((unsigned long long)ceiling + 1));
}

static int http_start_attempt(struct pt_http_xfer *x, struct pt_err *err)
{
    x->attempts++;
    x->state = XS_ATTEMPT;
    xfer_reset_response(x);
    CURLMcode mc = curl_multi_add_handle(x->h->multi, x->easy);
    if (mc != CURLM_OK)
        return pt_err_set(err, mc == CURLM_OUT_OF_MEMORY ? PT_ENOMEM : PT_EIO,
                          "%s: curl_multi_add_handle: %s", x->url, curl_multi_strerror(mc));
    return 0;
}

static void on_backoff(uv_timer_t *t)
{
    struct pt_http_xfer *x = t->data;
    int rc = http_start_attempt(x, &x->err);
    if (rc)
        xfer_finish(x, rc);
}

/* The error text libcurl gave, for messages: the error buffer when filled. */
static const char *curl_why(struct pt_http_xfer *x, CURLcode res)
{
    return x->errbuf[0] ? x->errbuf : curl_easy_strerror(res);
}

/* Classifies a finished attempt: success, a failure to retry, or a final
 * failure. Messages always name the URL asked for. */
static void xfer_attempt_done(struct pt_http_xfer *x, CURLcode res)
{
    if (x->borrowed) { /* the caller judges its own transfer */
        x->curl_code = (int)res;
        xfer_finish(x, 0);
        return;
    }
    CURL *e = x->easy;
    struct pt_err *err = &x->err;
    long status = 0;
    char *eff = NULL;
    curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_getinfo(e, CURLINFO_EFFECTIVE_URL, &eff);
    x->status = (int)status;
    free(x->eff_url);
    x->eff_url = eff ? strdup(eff) : NULL;

    int code = 0, retry = 0;
    long wait = -1; /* a server's Retry-After, ms */
    if (res == CURLE_OK) {
        if (status >= 200 && status < 300) {
            x->etag = header_dup(e, "ETag");
            x->lm = header_dup(e, "Last-Modified");
            xfer_finish(x, 0);
            return;
        }
        if (status == 304) {
            /* RFC 9110 §15.4.5: a 304 should repeat the validators; if it
             * does not, the ones we sent are still the current ones. */
            x->not_modified = 1;
            x->etag = header_dup(e, "ETag");
            x->lm = header_dup(e, "Last-Modified");
            if (!x->etag && x->req_etag)
                x->etag = strdup(x->req_etag);
            if (!x->lm && x->req_lm)
                x->lm = strdup(x->req_lm);
            xfer_finish(x, 0);
            return;
        }
        code = PT_EHTTP;
        if (status == 429 || status >= 500) {
            retry = 1;
            wait = retry_after_ms(e);
            pt_err_set(err, code, "HTTP %ld from %s", status, x->url);
        } else if (status >= 300 && status < 400) {
            pt_err_set(err, code, "HTTP %ld from %s (redirect not followed: %s)", status, x->url,
                       x->opts.max_redirects ? "no usable Location" : "max_redirects is 0");
        } else {
            pt_err_set(err, code, "HTTP %ld from %s", status, x->url);
        }
    } else {
        switch (res) {
        case CURLE_WRITE_ERROR:
            if (x->too_big)
                code = pt_err_set(err, PT_ETOOBIG,
                                  "%s: body larger than the cap of %zu bytes (max_body)", x->url,
                                  x->opts.max_body);
            else if (x->nomem)
                code = pt_err_set(err, PT_ENOMEM, "%s: out of memory holding the body", x->url);
            else
                code = pt_err_set(err, PT_EIO, "%s: %s", x->url, curl_why(x, res));
            break;
        case CURLE_OPERATION_TIMEDOUT:
            retry = 1;
            code = pt_err_set(
                err, PT_ETIMEDOUT, "%s: timed out (connect limit %ld ms, total %ld ms): %s", x->url,
                x->opts.connect_timeout_ms, x->opts.total_timeout_ms, curl_why(x, res));
            break;
        case CURLE_COULDNT_RESOLVE_PROXY:
        case CURLE_COULDNT_RESOLVE_HOST:
        case CURLE_COULDNT_CONNECT:
        case CURLE_SEND_ERROR:
        case CURLE_RECV_ERROR:
        case CURLE_GOT_NOTHING:
        case CURLE_HTTP2:
        case CURLE_HTTP2_STREAM:
            retry = 1;
            code = pt_err_set(err, PT_ENET, "%s: %s", x->url, curl_why(x, res));
            break;
        case CURLE_PARTIAL_FILE:
            retry = 1;
            code = pt_err_set(err, PT_ENET, "%s: body truncated: %s", x->url, curl_why(x, res));
            break;
        case CURLE_PEER_FAILED_VERIFICATION:
        case CURLE_SSL_CACERT_BADFILE:
        case CURLE_SSL_CERTPROBLEM:
        case CURLE_SSL_ISSUER_ERROR:
        case CURLE_SSL_CONNECT_ERROR:
        case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
            code = pt_err_set(err, PT_ETLS,
                              "%s: TLS: %s (verification is always on; "
                              "set ca_file to the server's CA if it is private)",
                              x->url, curl_why(x, res));
            break;
        case CURLE_TOO_MANY_REDIRECTS:
            code = pt_err_set(err, PT_EHTTP, "%s: more than %d redirects (last at %s)", x->url,
                              x->opts.max_redirects, x->eff_url ? x->eff_url : x->url);
            break;
        case CURLE_UNSUPPORTED_PROTOCOL:
            /* The request's own scheme was checked by pt_http_fetch, so
             * this is a redirect to a scheme other than http/https. */
            code = pt_err_set(err, PT_EHTTP,
                              "%s: redirect to %s refused (only http and https are followed)",
                              x->url, x->location[0] ? x->location : "another scheme");
            break;
        case CURLE_OUT_OF_MEMORY:
            code = pt_err_set(err, PT_ENOMEM, "%s: out of memory", x->url);
            break;
        default:
            code = pt_err_set(err, PT_ENET, "%s: %s (curl error %d)", x->url, curl_why(x, res),
                              (int)res);
            break;
        }
    }
    if (x->attempts > 1) {
        size_t l = strlen(err->msg);
        snprintf(err->msg + l, sizeof err->msg - l, " after %d attempts", x->attempts);
    }
    if (retry && x->attempts <= x->opts.retries && !x->h->closing) {
        long ms = wait >= 0
                      ? (wait < x->opts.retry_after_max_ms ? wait : x->opts.retry_after_max_ms)
                      : backoff_ms(x->h, &x->opts, x->attempts - 1);
        pt_log_debug("%s; retrying in %ld ms", err->msg, ms);
        x->state = XS_BACKOFF;
        uv_timer_start(&x->timer, on_backoff, (uint64_t)ms, 0);
        return;
    }
    xfer_finish(x, code);
}

/* Builds the easy handle once; it is reused by every attempt. */
static int http_prepare(struct pt_http_xfer *x, struct pt_err *err)
{
    const struct pt_http_opts *o = &x->opts;
    char line[1024];
    x->easy = curl_easy_init();
    if (!x->easy)
        return pt_err_set(err, PT_ENOMEM, "%s: curl_easy_init failed", x->url);
    if (x->req_etag) {
        snprintf(line, sizeof line, "If-None-Match: %s", x->req_etag);
        struct curl_slist *l = curl_slist_append(x->headers, line);
        if (!l)
            return pt_err_set(err, PT_ENOMEM, "%s: out of memory", x->url);
        x->headers = l;
    }
    if (x->req_lm) {
        snprintf(line, sizeof line, "If-Modified-Since: %s", x->req_lm);
        struct curl_slist *l = curl_slist_append(x->headers, line);
        if (!l)
            return pt_err_set(err, PT_ENOMEM, "%s: out of memory", x->url);
        x->headers = l;
    }
    CURL *e = x->easy;
    CURLcode c = CURLE_OK;
#define SET(opt, val)                                                                              \
    do {                                                                                           \
        if (c == CURLE_OK)                                                                         \
            c = curl_easy_setopt(e, opt, val);                                                     \
    } while (0)
    SET(CURLOPT_URL, x->url);
    SET(CURLOPT_PRIVATE, (void *)x);
    SET(CURLOPT_ERRORBUFFER, x->errbuf);
    SET(CURLOPT_NOSIGNAL, 1L); /* no SIGALRM for DNS timeouts, no SIGPIPE handler */
    /* A feed URL or a redirect must never reach file://, ftp://, dict://, … */
    SET(CURLOPT_PROTOCOLS_STR, "http,https");
    SET(CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    SET(CURLOPT_FOLLOWLOCATION, o->max_redirects > 0 ? 1L : 0L);
    SET(CURLOPT_MAXREDIRS, (long)o->max_redirects);
    SET(CURLOPT_ACCEPT_ENCODING, ""); /* every encoding this libcurl decodes */
    SET(CURLOPT_SSL_VERIFYPEER, 1L);
    SET(CURLOPT_SSL_VERIFYHOST, 2L);
    if (o->ca_file)
        SET(CURLOPT_CAINFO, o->ca_file);
    SET(CURLOPT_CONNECTTIMEOUT_MS, o->connect_timeout_ms);
    SET(CURLOPT_TIMEOUT_MS, o->total_timeout_ms);
    SET(CURLOPT_USERAGENT, o->user_agent ? o->user_agent : "plantrack/" PT_VERSION);
    if (x->headers)
        SET(CURLOPT_HTTPHEADER, x->headers);
    SET(CURLOPT_WRITEFUNCTION, on_body);
    SET(CURLOPT_WRITEDATA, (void *)x);
    SET(CURLOPT_HEADERFUNCTION, on_header);
    SET(CURLOPT_HEADERDATA, (void *)x);
#undef SET
    if (c != CURLE_OK)
        return pt_err_set(err, c == CURLE_OUT_OF_MEMORY ? PT_ENOMEM : PT_EINVAL,
                          "%s: libcurl refused an option: %s", x->url, curl_easy_strerror(c));
    return 0;
}

/* ---- file:// through the threadpool ------------------------------------- */

static void file_read_next(struct pt_http_xfer *x);

static void on_file_closed(uv_fs_t *req)
{
    struct pt_http_xfer *x = req->data;
    uv_fs_req_cleanup(req);
    x->fd = -1;
    xfer_finish(x, x->rc);
}

/* Ends a file read with rc (err already set when rc != 0), closing the fd
 * first, asynchronously like every other fs call here. */
static void file_done(struct pt_http_xfer *x, int rc)
{
    x->rc = rc;
    if (x->fd >= 0) {
        x->fs_closing = 1;
        if (uv_fs_close(x->h->loop, &x->fs, x->fd, on_file_closed) == 0)
            return;
        x->fd = -1; /* cannot even queue a close: nothing better to do */
    }
    xfer_finish(x, rc);
}

/* A libuv error (negative errno) of a file:// step as a PT_E… failure. */
static void file_fail(struct pt_http_xfer *x, ssize_t r, const char *doing)
{
    int code;
    if (r == UV_ECANCELED || x->h->closing)
        code =
            pt_err_set(&x->err, PT_ECANCELED, "%s: canceled (the HTTP client is closing)", x->url);
    else
        code = pt_err_set(&x->err, r == UV_ENOENT ? PT_ENOTFOUND : PT_EIO, "%s: %s %s: %s", x->url,
                          doing, x->path, uv_strerror((int)r));
    file_done(x, code);
}

static void on_file_read(uv_fs_t *req)
{
    struct pt_http_xfer *x = req->data;
    ssize_t r = req->result;
    uv_fs_req_cleanup(req);
    if (r < 0 || x->h->closing)
        return file_fail(x, r < 0 ? r : UV_ECANCELED, "reading");
    if (r == 0) {
        x->body[x->len] = '\0';
        return file_done(x, 0);
    }
    x->len += (size_t)r;
    if (x->len > x->opts.max_body) /* the file grew past the cap since fstat */
        return file_done(x, pt_err_set(&x->err, PT_ETOOBIG,
                                       "%s: body larger than the cap of %zu bytes (max_body)",
                                       x->url, x->opts.max_body));
    file_read_next(x);
}

/* Queues the next chunk. The buffer holds up to max_body + 1 bytes so a file
 * that grew past the cap is noticed, plus the NUL. */
static void file_read_next(struct pt_http_xfer *x)
{
    if (x->len + 1 >= x->cap) {
        size_t want = x->cap * 2;
        if (want > x->opts.max_body + 2)
            want = x->opts.max_body + 2;
        char *b = realloc(x->body, want);
        if (!b)
            return file_done(x, pt_err_set(&x->err, PT_ENOMEM, "%s: out of memory", x->url));
        x->body = b;
        x->cap = want;
    }
    size_t room = x->cap - 1 - x->len;
    uv_buf_t buf = uv_buf_init(x->body + x->len, room < FILE_CHUNK ? (unsigned)room : FILE_CHUNK);
    int r = uv_fs_read(x->h->loop, &x->fs, x->fd, &buf, 1, (int64_t)x->len, on_file_read);
    if (r < 0)
        file_fail(x, r, "reading");
}

/* Validators for a local file, so a conditional read of an unchanged file is
 * a not_modified with no read at all. The ETag carries size and mtime in
 * nanoseconds; Last-Modified is the RFC 9110 §5.6.7 IMF-fixdate, built by
 * hand because strftime's names follow the locale. */
static int file_validators(struct pt_http_xfer *x, const uv_stat_t *st)
{
    static const char days[7][4] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char months[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    char buf[128];
    struct tm tm;
    time_t t = (time_t)st->st_mtim.tv_sec;
    snprintf(buf, sizeof buf, "\"%llx-%llx%09lx\"", (unsigned long long)st->st_size,
             (unsigned long long)st->st_mtim.tv_sec, (unsigned long)st->st_mtim.tv_nsec);
    x->etag = strdup(buf);
    if (!gmtime_r(&t, &tm))
        memset(&tm, 0, sizeof tm);
    snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d GMT", days[tm.tm_wday % 7],
             tm.tm_mday, months[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
             tm.tm_sec);
    x->lm = strdup(buf);
    return x->etag && x->lm ? 0 : PT_ENOMEM;
}

static void on_file_stat(uv_fs_t *req)
{
    struct pt_http_xfer *x = req->data;
    ssize_t r = req->result;
    uv_stat_t st = req->statbuf;
    uv_fs_req_cleanup(req);
    if (r < 0 || x->h->closing)
        return file_fail(x, r < 0 ? r : UV_ECANCELED, "reading");
    if (!S_ISREG(st.st_mode))
        return file_done(
            x, pt_err_set(&x->err, PT_EIO, "%s: %s is not a regular file", x->url, x->path));
    if (file_validators(x, &st))
        return file_done(x, pt_err_set(&x->err, PT_ENOMEM, "%s: out of memory", x->url));
    /* RFC 9110 §13.2.2: If-None-Match decides when present, and then
     * If-Modified-Since is not looked at. */
    if (x->req_etag)
        x->not_modified = strcmp(x->req_etag, x->etag) == 0;
    else if (x->req_lm) {
        time_t since = curl_getdate(x->req_lm, NULL);
        x->not_modified = since != -1 && (time_t)st.st_mtim.tv_sec <= since;
    }
    if (x->not_modified)
        return file_done(x, 0);
    if (st.st_size > x->opts.max_body)
        return file_done(x, pt_err_set(&x->err, PT_ETOOBIG,
                                       "%s: body larger than the cap of %zu bytes (max_body): "
                                       "%s is %llu bytes",
                                       x->url, x->opts.max_body, x->path,
                                       (unsigned long long)st.st_size));
    /* Room for the whole file, one byte to notice growth, and the NUL. */
    x->cap = (size_t)st.st_size + 2;
    x->body = malloc(x->cap);
    if (!x->body)
        return file_done(x, pt_err_set(&x->err, PT_ENOMEM, "%s: out of memory", x->url));
    file_read_next(x);
}

static void on_file_open(uv_fs_t *req)
{
    struct pt_http_xfer *x = req->data;
    ssize_t r = req->result;
    uv_fs_req_cleanup(req);
    if (r >= 0)
        x->fd = (uv_file)r;
    if (r < 0 || x->h->closing)
        return file_fail(x, r < 0 ? r : UV_ECANCELED, "opening");
    int rc = uv_fs_fstat(x->h->loop, &x->fs, x->fd, on_file_stat);
    if (rc < 0)
        file_fail(x, rc, "reading");
}

/* ---- Fetch -------------------------------------------------------------- */

/* Only what a header line may carry: no CR, LF or other controls. */
static int header_value_ok(const char *v)
{
    for (; *v; v++)
        if ((unsigned char)*v < 0x20 && *v != '\t')
            return 0;
    return 1;
}

/* Checks the URL and, for file://, extracts the decoded path (caller frees). */
static int url_check(const char *url, char **path, struct pt_err *err)
{
    CURLU *u = curl_url();
    char *scheme = NULL, *p = NULL;
    int rc = 0;
    *path = NULL;
    if (!u)
        return pt_err_set(err, PT_ENOMEM, "%s: out of memory", url);
    CURLUcode uc = curl_url_set(u, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME);
    if (uc != CURLUE_OK) {
        rc = pt_err_set(err, PT_EINVAL, "%s: not a valid URL: %s", url, curl_url_strerror(uc));
        goto out;
    }
    if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK) {
        rc = pt_err_set(err, PT_EINVAL, "%s: not a valid URL: no scheme", url);
        goto out;
    }
    if (strcmp(scheme, "file") == 0) {
        uc = curl_url_get(u, CURLUPART_PATH, &p, CURLU_URLDECODE);
        if (uc != CURLUE_OK || p[0] != '/') {
            rc = pt_err_set(err, PT_EINVAL, "%s: not a valid file URL (use file:///absolute/path)",
                            url);
            goto out;
        }
        *path = strdup(p);
        if (!*path)
            rc = pt_err_set(err, PT_ENOMEM, "%s: out of memory", url);
    } else if (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0) {
        rc = pt_err_set(err, PT_EINVAL, "%s: scheme \"%s\" not supported (use http, https or file)",
                        url, scheme);
    }
out:
    curl_free(scheme);
    curl_free(p);
    curl_url_cleanup(u);
    return rc;
}

int pt_http_fetch(struct pt_http *h, const struct pt_http_req *req, pt_http_cb cb, void *data,
                  struct pt_err *err)
{
    if (!req || !req->url || !cb)
        return pt_err_set(err, PT_EINVAL, "HTTP fetch: a URL and a callback are required");
    if (h->closing)
        return pt_err_set(err, PT_ECANCELED, "%s: the HTTP client is closing", req->url);
    const struct pt_http_opts *o = req->opts ? req->opts : &h->defaults;
    int rc = opts_check(o, req->url, err);
    if (rc)
        return rc;
    if ((req->etag && !header_value_ok(req->etag)) ||
        (req->last_modified && !header_value_ok(req->last_modified)))
        return pt_err_set(err, PT_EINVAL, "%s: ETag or Last-Modified has control characters",
                          req->url);
    if ((req->etag && strlen(req->etag) > 512) ||
        (req->last_modified && strlen(req->last_modified) > 512))
        return pt_err_set(err, PT_EINVAL, "%s: ETag or Last-Modified longer than 512 bytes",
                          req->url);
    /* Extra headers (an API key): whole lines only, nothing that could
     * smuggle a second header or a request line. */
    int nheaders = 0;
    for (; req->headers && req->headers[nheaders]; nheaders++) {
        const char *hv = req->headers[nheaders];
        const char *colon = strchr(hv, ':');
        if (nheaders >= 16 || !colon || colon == hv || strlen(hv) > 1024 || !header_value_ok(hv))
            return pt_err_set(err, PT_EINVAL, "%s: request header %d is not a \"Name: value\" "
                              "line of at most 1024 characters",
                              req->url, nheaders + 1);
    }
    char *path;
    rc = url_check(req->url, &path, err);
    if (rc)
        return rc;

    struct pt_http_xfer *x = calloc(1, sizeof *x);
    if (!x) {
        free(path);
        return pt_err_set(err, PT_ENOMEM, "%s: out of memory", req->url);
    }
    x->h = h;
    x->cb = cb;
    x->data = data;
    x->fd = -1;
    x->path = path;
    x->url = strdup(req->url);
    x->req_etag = req->etag ? strdup(req->etag) : NULL;
    x->req_lm = req->last_modified ? strdup(req->last_modified) : NULL;
    for (int i = 0; i < nheaders && !path; i++) {
        struct curl_slist *l = curl_slist_append(x->headers, req->headers[i]);
        if (!l) {
            rc = pt_err_set(err, PT_ENOMEM, "%s: out of memory", req->url);
            goto fail;
        }
        x->headers = l;
    }
    if (!x->url || (req->etag && !x->req_etag) || (req->last_modified && !x->req_lm) ||
        opts_copy(&x->opts, o)) {
        rc = pt_err_set(err, PT_ENOMEM, "%s: out of memory", req->url);
        goto fail;
    }
    /* Everything that can fail happens before the timer exists, so a
     * failure frees x at once and no callback ever runs for it. */
    if (path) {
        x->attempts = 1;
        x->state = XS_FILE;
        x->fs.data = x;
        rc = uv_fs_open(h->loop, &x->fs, path, O_RDONLY | O_NONBLOCK | O_CLOEXEC, 0, on_file_open);
        /* O_NONBLOCK: a FIFO must not hold a pool thread waiting for a writer */
        if (rc < 0) {
            rc = pt_err_set(err, PT_EIO, "%s: opening %s: %s", req->url, path, uv_strerror(rc));
            goto fail;
        }
    } else {
        rc = http_prepare(x, err);
        if (!rc)
            rc = http_start_attempt(x, err);
        if (rc)
            goto fail;
    }
    uv_timer_init(h->loop, &x->timer); /* cannot fail */
    x->timer.data = x;
    x->next = h->xfers;
    if (h->xfers)
        h->xfers->prev = x;
    h->xfers = x;
    h->live++;
    return 0;
fail:
    xfer_free(x);
    return rc;
}

/* ---- A caller's easy handle --------------------------------------------- */

int pt_http_run_easy(struct pt_http *h, void *easy, pt_http_easy_cb cb, void *data,
                     struct pt_http_xfer **xfer, struct pt_err *err)
{
    if (!easy || !cb)
        return pt_err_set(err, PT_EINVAL,
                          "HTTP client: an easy handle and a callback are required");
    /* Not the URL: a caller's (an SMTP relay's) may carry credentials. */
    const char *what = "libcurl transfer";
    if (h->closing)
        return pt_err_set(err, PT_ECANCELED, "%s: the HTTP client is closing", what);
    struct pt_http_xfer *x = calloc(1, sizeof *x);
    if (!x || !(x->url = strdup(what))) {
        free(x);
        return pt_err_set(err, PT_ENOMEM, "%s: out of memory", what);
    }
    x->h = h;
    x->borrowed = 1;
    x->easy = easy;
    x->easy_cb = cb;
    x->data = data;
    x->fd = -1;
    /* PRIVATE is how http_drain finds the transfer; NOSIGNAL as for GETs. */
    if (curl_easy_setopt(x->easy, CURLOPT_PRIVATE, (void *)x) != CURLE_OK ||
        curl_easy_setopt(x->easy, CURLOPT_NOSIGNAL, 1L) != CURLE_OK) {
        xfer_free(x);
        return pt_err_set(err, PT_EINVAL, "%s: libcurl refused CURLOPT_PRIVATE", what);
    }
    int rc = http_start_attempt(x, err);
    if (rc) {
        xfer_free(x);
        return rc;
    }
    uv_timer_init(h->loop, &x->timer); /* cannot fail */
    x->timer.data = x;
    x->next = h->xfers;
    if (h->xfers)
        h->xfers->prev = x;
    h->xfers = x;
    h->live++;
    if (xfer)
        *xfer = x;
    return 0;
}

void pt_http_cancel_easy(struct pt_http_xfer *x)
{
    if (!x->borrowed || x->state != XS_ATTEMPT)
        return; /* finished: its callback is already on its way */
    curl_multi_remove_handle(x->h->multi, x->easy);
    pt_err_set(&x->err, PT_ECANCELED, "%s: canceled", x->url);
    xfer_finish(x, PT_ECANCELED);
}
