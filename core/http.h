/* The asynchronous HTTP client the daemon's plugins fetch feeds through: one
 * client per uv loop, every transfer driven by the loop (libcurl's multi
 * socket API on uv_poll and one uv_timer; file:// URLs through libuv's
 * threadpool file functions), so nothing ever blocks the loop thread. It is
 * not a general HTTP library: GET only, the body is held in memory under a
 * cap, and TLS verification cannot be turned off. Other protocols' transfers
 * (the mailer's SMTP), set up entirely by their callers, can ride the same
 * loop glue through pt_http_run_easy.
 *
 * The daemon must ignore SIGPIPE (libcurl is told CURLOPT_NOSIGNAL, so it
 * neither installs handlers nor uses alarm()). Proxies come from the
 * environment (http_proxy, https_proxy, no_proxy, all_proxy), as libcurl
 * reads them. */
#ifndef PT_HTTP_H
#define PT_HTTP_H

#include <stddef.h>
#include <uv.h>

#include "error.h"

/* Limits of one fetch. Strings are copied by pt_http_init / pt_http_fetch. */
struct pt_http_opts {
    long connect_timeout_ms; /* TCP + TLS handshake, per attempt */
    long total_timeout_ms;   /* whole attempt, headers and body, redirects included */
    size_t max_body;         /* decoded body bytes; more is PT_ETOOBIG, checked as it arrives */
    int max_redirects;       /* followed only to http/https; 0 = do not follow */
    int retries;             /* further attempts after a retryable failure */
    long backoff_base_ms;    /* retry n sleeps random(0, min(max, base * 2^n)) */
    long backoff_max_ms;
    long retry_after_max_ms; /* a server's Retry-After is obeyed up to this */
    const char *ca_file;     /* PEM bundle to verify servers with; NULL = system store */
    const char *user_agent;  /* NULL = "plantrack/VERSION" */
};

/* 10 s connect, 120 s total, 64 MiB, 5 redirects, 3 retries, backoff 1 s
 * base and 60 s max, Retry-After obeyed up to 120 s, system CA store. */
void pt_http_opts_default(struct pt_http_opts *o);

struct pt_http_req {
    const char *url;                 /* http://, https:// or file:// */
    const char *etag;                /* sent as If-None-Match; NULL = none */
    const char *last_modified;       /* sent as If-Modified-Since; NULL = none */
    const struct pt_http_opts *opts; /* NULL = the client's defaults */
    const char *const *headers;      /* extra request headers, "Name: value",
                                        NULL-terminated; NULL = none (http/https only) */
};

/* What a finished fetch hands its callback. Every pointer belongs to the
 * client and is valid only during the callback: copy what you keep. */
struct pt_http_resp {
    int status;       /* last HTTP status (200, 304, …); 0 for file:// or none */
    int not_modified; /* 1: the validators matched; body is NULL */
    const char *body; /* NUL-terminated (len excludes the NUL); NULL on error/304 */
    size_t len;
    const char *etag;          /* the validators to send next time, or NULL; on a */
    const char *last_modified; /* 304 without them, the request's are repeated */
    const char *effective_url; /* after redirects */
    int attempts;              /* 1 + retries made */
};

/* rc is 0 or a PT_E… code; err is NULL on success, else a message naming the
 * URL. resp is never NULL (on error: status, attempts and effective_url). The
 * callback may call pt_http_fetch and pt_http_close. */
typedef void (*pt_http_cb)(void *data, int rc, const struct pt_http_resp *resp,
                           const struct pt_err *err);

struct pt_http_xfer;
struct pt_http_sock;

/* A client. The caller owns the memory and must keep it until the closed
 * callback of pt_http_close has run. Fields are private. */
struct pt_http {
    uv_loop_t *loop;
    void *multi;                  /* CURLM *, kept out of this header */
    uv_timer_t timer;             /* libcurl's one timeout */
    struct pt_http_opts defaults; /* strings owned (copied) */
    struct pt_http_xfer *xfers;   /* in flight, including backoff sleeps and file reads */
    struct pt_http_sock *socks;   /* polled sockets, including ones closing */
    int live;                     /* transfers whose callback has not returned yet */
    int handles;                  /* uv handles of the client still open (timer, polls) */
    int closing;                  /* pt_http_close was called */
    int torn_down;                /* the multi handle is gone, the timer closing */
    unsigned long long rng;       /* xorshift state for backoff jitter */
    void (*closed)(struct pt_http *h);
};

/* Starts a client on loop with defaults (NULL = pt_http_opts_default). */
int pt_http_init(struct pt_http *h, uv_loop_t *loop, const struct pt_http_opts *defaults,
                 struct pt_err *err);

/* Starts a GET of req->url (req and its strings are copied). cb runs exactly
 * once, later, on the loop — never inside this call. A non-zero return
 * (unsupported scheme, bad URL or options, client closing) runs no callback.
 * Retries: connection errors, timeouts, truncated bodies, 5xx and 429, up to
 * opts->retries more attempts; other 4xx fail at once. */
int pt_http_fetch(struct pt_http *h, const struct pt_http_req *req, pt_http_cb cb, void *data,
                  struct pt_err *err);

/* ---- Driving a caller's own easy handle ----------------------------------
 * For protocols this client does not speak itself (the mailer's SMTP): the
 * caller builds and configures a CURL * easy handle (URL, protocol options,
 * callbacks, timeouts, TLS) and the client only drives it on its multi, on
 * the same sockets-and-timer glue as its GETs. No retries, no option
 * checks, no body handling: the caller's callbacks do all of that. */

/* rc is 0 when libcurl finished the transfer (curl_code is then its
 * CURLcode: 0 = CURLE_OK), or PT_ECANCELED when pt_http_cancel_easy or
 * pt_http_close stopped it first (curl_code is then CURLE_ABORTED_BY_CALLBACK).
 * The easy handle is out of the multi and the caller's again: read its
 * CURLINFO_* and clean it up here or later. Runs from a uv close callback,
 * never inside libcurl or a pt_http_* call, so it may run another transfer
 * or close the client. */
typedef void (*pt_http_easy_cb)(void *data, int rc, int curl_code);

/* Adds easy (a CURL *, kept out of this header) to the client's multi. The
 * client sets CURLOPT_PRIVATE (it finds the transfer by it: do not change it
 * until the callback) and CURLOPT_NOSIGNAL; everything else is the caller's.
 * The caller keeps easy, and whatever its callbacks read, alive until cb has
 * run. cb runs exactly once, later, on the loop. *xfer (if xfer is not NULL)
 * is for pt_http_cancel_easy and is valid until cb runs. A non-zero return
 * (client closing, out of memory, libcurl refusing the handle) runs no
 * callback. */
int pt_http_run_easy(struct pt_http *h, void *easy, pt_http_easy_cb cb, void *data,
                     struct pt_http_xfer **xfer, struct pt_err *err);

/* Stops a transfer of pt_http_run_easy: its callback runs later with
 * PT_ECANCELED, unless libcurl had already finished it (then it runs with
 * that result). Only before the callback has run. */
void pt_http_cancel_easy(struct pt_http_xfer *xfer);

/* Cancels every transfer (each callback runs with PT_ECANCELED), closes the
 * client's handles, then calls closed(h) (may be NULL) from the loop; h may
 * be freed from there. Fetches made after this fail with PT_ECANCELED. */
void pt_http_close(struct pt_http *h, void (*closed)(struct pt_http *h));

#endif
