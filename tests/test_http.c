/* The HTTP client against a real loopback server (tests/servers/httpd.py,
 * started and stopped by each test): success and conditional GET, retries
 * and Retry-After, failures that must not be retried, caps, timeouts,
 * redirects, TLS verification, concurrency, file:// reads, cancellation and
 * the environment's proxy. Nothing connects anywhere but 127.0.0.1. */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "http.h"
#include "test.h"
#include "test_server.h"

/* ---- The loopback server ------------------------------------------------ */

static int srv_port, srv_tls_port;
static char srv_ca[512];

/* Starts httpd.py (with a TLS port when tls) and reads its ports. The
 * interpreter is $PT_PYTHON, else python3 from PATH. */
static void server_start(int tls)
{
    const char *python = getenv("PT_PYTHON") ? getenv("PT_PYTHON") : "python3";
    char *argv[10];
    int argc = 0;
    argv[argc++] = (char *)python;
    argv[argc++] = PT_SOURCE_DIR "/tests/servers/httpd.py";
    argv[argc++] = "--exit-on-eof";
    argv[argc++] = "--lifetime";
    argv[argc++] = "120";
    if (tls) { /* certificates go to the runner's scratch directory */
        argv[argc++] = "--tls";
        argv[argc++] = "--dir";
        argv[argc++] = (char *)test_tmpdir();
    }
    argv[argc] = NULL;
    char line[1024];
    test_server_start(argv, line, sizeof line);
    ASSERT(sscanf(line, "%d %d %511s", &srv_port, &srv_tls_port, srv_ca) == 3);
    ASSERT(srv_port > 0 && (!tls || srv_tls_port > 0));
}

static const char *url(const char *path)
{
    static char bufs[8][1024];
    static int i;
    char *b = bufs[i++ % 8];
    snprintf(b, sizeof bufs[0], "http://127.0.0.1:%d%s", srv_port, path);
    return b;
}

/* ---- Running fetches on a loop ------------------------------------------ */

struct result {
    int done; /* callback runs: must end at exactly 1 */
    int rc, status, not_modified, attempts;
    char *body; /* copy, NULL when the response had none */
    size_t len;
    char etag[256], lm[256], eff[512], msg[1024];
    uint64_t ms; /* from the fetch to the callback */
    uint64_t t0;
    struct run *run;
};

struct run {
    uv_loop_t loop;
    struct pt_http h;
    int pending, closed;
};

static void on_closed(struct pt_http *h)
{
    struct run *r = (struct run *)((char *)h - offsetof(struct run, h));
    r->closed++;
}

static void copy(char *dst, size_t size, const char *src)
{
    snprintf(dst, size, "%s", src ? src : "");
}

static void on_result(void *data, int rc, const struct pt_http_resp *resp, const struct pt_err *err)
{
    struct result *res = data;
    res->done++;
    res->rc = rc;
    res->ms = (uv_hrtime() - res->t0) / 1000000;
    ASSERT(resp != NULL);
    if (rc) {
        ASSERT(err != NULL && err->code == rc && resp->body == NULL);
        copy(res->msg, sizeof res->msg, err->msg);
    } else {
        ASSERT(err == NULL);
    }
    res->status = resp->status;
    res->not_modified = resp->not_modified;
    res->attempts = resp->attempts;
    res->len = resp->len;
    if (resp->body) {
        ASSERT(resp->body[resp->len] == '\0');
        res->body = malloc(resp->len + 1);
        ASSERT(res->body);
        memcpy(res->body, resp->body, resp->len + 1);
    }
    copy(res->etag, sizeof res->etag, resp->etag);
    copy(res->lm, sizeof res->lm, resp->last_modified);
    copy(res->eff, sizeof res->eff, resp->effective_url);
    /* Closing from inside a callback is allowed: the last one does it. */
    if (--res->run->pending == 0)
        pt_http_close(&res->run->h, on_closed);
}

/* Test options: small timeouts and a 20 ms backoff base so the suite runs
 * in seconds. */
static struct pt_http_opts quick(void)
{
    struct pt_http_opts o;
    pt_http_opts_default(&o);
    o.connect_timeout_ms = 2000;
    o.total_timeout_ms = 5000;
    o.backoff_base_ms = 20;
    o.backoff_max_ms = 200;
    o.retries = 3;
    return o;
}

static void run_begin(struct run *r, const struct pt_http_opts *o)
{
    struct pt_err err;
    memset(r, 0, sizeof *r);
    ASSERT_EQ_INT(uv_loop_init(&r->loop), 0);
    int rc = pt_http_init(&r->h, &r->loop, o, &err);
    if (rc)
        fprintf(stderr, "%s\n", err.msg);
    ASSERT_EQ_INT(rc, 0);
}

static void run_add(struct run *r, struct result *res, const char *u, const char *etag,
                    const char *lm, const struct pt_http_opts *o)
{
    struct pt_err err;
    struct pt_http_req req = {u, etag, lm, o, NULL};
    memset(res, 0, sizeof *res);
    res->run = r;
    res->t0 = uv_hrtime();
    r->pending++;
    int rc = pt_http_fetch(&r->h, &req, on_result, res, &err);
    if (rc)
        fprintf(stderr, "%s\n", err.msg);
    ASSERT_EQ_INT(rc, 0);
    ASSERT_EQ_INT(res->done, 0); /* never called back from inside fetch */
}

/* Runs the loop until the client has closed; every handle must be gone. */
static void run_end(struct run *r)
{
    if (r->pending == 0)
        pt_http_close(&r->h, on_closed);
    uv_run(&r->loop, UV_RUN_DEFAULT);
    ASSERT_EQ_INT(r->closed, 1);
    ASSERT_EQ_INT(uv_loop_close(&r->loop), 0);
}

/* One fetch on its own loop and client. */
static void fetch(struct result *res, const char *u, const char *etag, const char *lm,
                  const struct pt_http_opts *o)
{
    struct run r;
    run_begin(&r, o);
    run_add(&r, res, u, etag, lm, NULL);
    run_end(&r);
    ASSERT_EQ_INT(res->done, 1);
}

static void result_free(struct result *res)
{
    free(res->body);
    res->body = NULL;
}

/* How many requests the server saw for path (with its query). */
static int server_count(const char *path)
{
    char q[512], enc[400];
    size_t k = 0;
    for (const char *p = path; *p && k + 4 < sizeof enc; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '/' || *p == '-')
            enc[k++] = *p;
        else
            k += (size_t)snprintf(enc + k, sizeof enc - k, "%%%02X", (unsigned char)*p);
    }
    enc[k] = '\0';
    snprintf(q, sizeof q, "/count?p=%s", enc);
    struct pt_http_opts o = quick();
    struct result res;
    fetch(&res, url(q), NULL, NULL, &o);
    ASSERT_EQ_INT(res.rc, 0);
    int n = atoi(res.body);
    result_free(&res);
    return n;
}

/* ---- Tests -------------------------------------------------------------- */

TEST_IMPL(http_ok_conditional)
{
    server_start(0);
    struct pt_http_opts o = quick();
    struct result res;

    fetch(&res, url("/ok"), NULL, NULL, &o);
    ASSERT_EQ_INT(res.rc, 0);
    ASSERT_EQ_INT(res.status, 200);
    ASSERT_EQ_INT(res.attempts, 1);
    ASSERT_EQ_INT(res.not_modified, 0);
    ASSERT(res.body && strcmp(res.body, "hello, plantrack\n") == 0);
    ASSERT_EQ_INT(res.len, 17);
    ASSERT(strcmp(res.etag, "\"v1\"") == 0);
    ASSERT(strcmp(res.lm, "Wed, 21 Oct 2015 07:28:00 GMT") == 0);
    ASSERT(strcmp(res.eff, url("/ok")) == 0);
    result_free(&res);

    /* an unchanged feed costs a 304 and no body */
    fetch(&res, url("/ok"), "\"v1\"", NULL, &o);
    ASSERT_EQ_INT(res.rc, 0);
    ASSERT_EQ_INT(res.status, 304);
    ASSERT_EQ_INT(res.not_modified, 1);
    ASSERT(res.body == NULL && res.len == 0);
    ASSERT(strcmp(res.etag, "\"v1\"") == 0);

    fetch(&res, url("/ok"), NULL, "Wed, 21 Oct 2015 07:28:00 GMT", &o);
    ASSERT_EQ_INT(res.status, 304);
    ASSERT_EQ_INT(res.not_modified, 1);
    ASSERT(strcmp(res.lm, "Wed, 21 Oct 2015 07:28:00 GMT") == 0);

    /* a changed ETag gets the body again */
    fetch(&res, url("/ok"), "\"v0\"", NULL, &o);
    ASSERT_EQ_INT(res.status, 200);
    ASSERT_EQ_INT(res.not_modified, 0);
    ASSERT(res.body && strcmp(res.body, "hello, plantrack\n") == 0);
    result_free(&res);

    /* User-Agent and Accept-Encoding as sent */
    fetch(&res, url("/echo"), NULL, NULL, &o);
    ASSERT_EQ_INT(res.rc, 0);
    ASSERT_STR_CONTAINS(res.body, "User-Agent: plantrack/" PT_VERSION);
    ASSERT_STR_CONTAINS(res.body, "gzip");
    result_free(&res);
    test_server_stop();
    return 0;
}

TEST_IMPL(http_retry_5xx)
{
    server_start(0);
    struct pt_http_opts o = quick();
    struct result res;

    /* two 500s then 200: three attempts, backoff of at most 20 + 40 ms */
    fetch(&res, url("/flaky?key=a&n=2"), NULL, NULL, &o);
    ASSERT_EQ_INT(res.rc, 0);
    ASSERT_EQ_INT(res.status, 200);
    ASSERT_EQ_INT(res.attempts, 3);
    ASSERT(strcmp(res.body, "recovered\n") == 0);
    result_free(&res);

    /* more failures than retries: the last status and the URL */
    o.retries = 2;
    fetch(&res, url("/flaky?key=b&n=9"), NULL, NULL, &o);
    ASSERT_EQ_INT(res.rc, PT_EHTTP);
    ASSERT_EQ_INT(res.status, 500);
    ASSERT_EQ_INT(res.attempts, 3);
    ASSERT_STR_CONTAINS(res.msg, "HTTP 500 from ");
    ASSERT_STR_CONTAINS(res.msg, url("/flaky?key=b&n=9"));
    ASSERT_STR_CONTAINS(res.msg, "after 3 attempts");
    ASSERT_EQ_INT(server_count("/flaky?key=b&n=9"), 3);

    /* retries = 0: one attempt */
    o.retries = 0;
    fetch(&res, url("/flaky?key=c&n=9"), NULL, NULL, &o);
    ASSERT_EQ_INT(res.rc, PT_EHTTP);
    ASSERT_EQ_INT(res.attempts, 1);
    test_server_stop();
    return 0;
}

TEST_IMPL(http_retry_after)
{
    server_start(0);
    struct pt_http_opts o = quick();
    struct result res;

    /* 503 with Retry-After: 1 (seconds) waits the second, not 20 ms */
    fetch(&res, url("/busy?key=a"), NULL, NULL, &o);
    ASSERT_EQ_INT(res.rc, 0);
    ASSERT_EQ_INT(res.attempts, 2);
    ASSERT(strcmp(res.body, "not busy\n") == 0);
    ASSERT(res.ms >= 950 && res.ms < 3000);
    result_free(&res);

    /* 429 with Retry-After as an HTTP-date 3 s ahead, capped to 300 ms */
    o.retry_after_max_ms = 300;
    fetch(&res, url("/ratelimit?key=b&date=3"), NULL, NULL, &o);
    ASSERT_EQ_INT(res.rc, 0);
    ASSERT_EQ_INT(res.status, 200);
    ASSERT_EQ_INT(res.attempts, 2);
    ASSERT(res.ms >= 280 && res.ms < 1900); /* uncapped: 2 to 3 s */
    result_free(&res);

    /* 429 with Retry-After: 0 retries at once */
    fetch(&res, url("/ratelimit?key=c&after=0"), NULL, NULL, &o);
    ASSERT_EQ_INT(res.rc, 0);
    ASSERT_EQ_INT(res.attempts, 2);
    ASSERT(res.ms < 1000);
    result_free(&res);
    test_server_stop();
    return 0;
}

TEST_IMPL(http_4xx_not_retried)
{
    server_start(0);
    struct pt_http_opts o = quick();
    struct result res;
    fetch(&res, url("/missing"), NULL, NULL, &o);
    ASSERT_EQ_INT(res.rc, PT_EHTTP);
    ASSERT_EQ_INT(res.status, 404);
    ASSERT_EQ_INT(res.attempts, 1);
    ASSERT_STR_CONTAINS(res.msg, "HTTP 404 from ");
    ASSERT_STR_CONTAINS(res.msg, url("/missing"));
    ASSERT(res.body == NULL);
    ASSERT_EQ_INT(server_count("/missing"), 1);
    test_server_stop();
    return 0;
}

TEST_IMPL(http_connection_refused)
{
    server_start(0);
    /* A TCP socket bound but not listening: connects to it are refused, and
     * nobody else can take the port while we hold it. */
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t alen = sizeof a;
    ASSERT(s >= 0 && bind(s, (struct sockaddr *)&a, sizeof a) == 0);
    ASSERT(getsockname(s, (struct sockaddr *)&a, &alen) == 0);
    char u[128];
    snprintf(u, sizeof u, "http://127.0.0.1:%d/feed", ntohs(a.sin_port));

    struct pt_http_opts o = quick();
    o.retries = 2;
    struct result res;
    fetch(&res, u, NULL, NULL, &o);
    ASSERT_EQ_INT(res.rc, PT_ENET);
    ASSERT_EQ_INT(res.attempts, 3);
    ASSERT_EQ_INT(res.status, 0);
    ASSERT_STR_CONTAINS(res.msg, u);
    ASSERT_STR_CONTAINS(res.msg, "after 3 attempts");
    close(s);
    test_server_stop();
    return 0;
}

TEST_IMPL(http_timeout)
{
    server_start(0);
    struct pt_http_opts o = quick();
    o.total_timeout_ms = 300;
    o.retries = 1;
    struct result res;
    /* accepts, then sends no header for 3 s */
    fetch(&res, url("/slow-headers?ms=3000"), NULL, NULL, &o);
    ASSERT_EQ_INT(res.rc, PT_ETIMEDOUT);
    ASSERT_EQ_INT(res.attempts, 2);
    ASSERT_STR_CONTAINS(res.msg, url("/slow-headers?ms=3000"));
    ASSERT_STR_CONTAINS(res.msg, "timed out");
    ASSERT(res.ms >= 550 && res.ms < 2500); /* two attempts of 300 ms, not 3 s */
    test_server_stop();
    return 0;
}

TEST_IMPL(http_connect_timeout)
{
    test_clear_proxies();
    /* A listener with backlog 0 whose queue is already full: Linux drops
     * further SYNs, so a connect neither succeeds nor is refused. */
    int l = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t alen = sizeof a;
    ASSERT(l >= 0 && bind(l, (struct sockaddr *)&a, sizeof a) == 0 && listen(l, 0) == 0);
    ASSERT(getsockname(l, (struct sockaddr *)&a, &alen) == 0);
    int fill[3];
    for (int i = 0; i < 3; i++) {
        fill[i] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
        ASSERT(fill[i] >= 0);
        connect(fill[i], (struct sockaddr *)&a, sizeof a); /* EINPROGRESS is fine */
    }
    usleep(50 * 1000); /* let the handshakes that can complete, complete */
    char u[128];
    snprintf(u, sizeof u, "http://127.0.0.1:%d/feed", ntohs(a.sin_port));

    struct pt_http_opts o = quick();
    o.connect_timeout_ms = 200;
    o.retries = 0;
    struct result res;
    fetch(&res, u, NULL, NULL, &o);
    ASSERT_EQ_INT(res.rc, PT_ETIMEDOUT);
    ASSERT_EQ_INT(res.attempts, 1);
    ASSERT_STR_CONTAINS(res.msg, u);
    ASSERT_STR_CONTAINS(res.msg, "connect limit 200 ms");
    ASSERT(res.ms >= 180 && res.ms < 3000);
    for (int i = 0; i < 3; i++)
        close(fill[i]);
    close(l);
    return 0;
}

TEST_IMPL(http_body_cap)
{
    server_start(0);
    struct pt_http_opts o = quick();
    o.max_body = 65536;
    struct result res;

    /* chunked: no length to check up front, the cap stops it as it arrives */
    fetch(&res, url("/big-chunked?size=4194304"), NULL, NULL, &o);
    ASSERT_EQ_INT(res.rc, PT_ETOOBIG);
    ASSERT_EQ_INT(res.attempts, 1);
    ASSERT_STR_CONTAINS(res.msg, url("/big-chunked?size=4194304"));
    ASSERT_STR_CONTAINS(res.msg, "cap of 65536 bytes");

    /* a Content-Length over the cap is refused before the body */
    fetch(&res, url("/big-chunked?size=4194304&cl=1"), NULL, NULL, &o);
    ASSERT_EQ_INT(res.rc, PT_ETOOBIG);
    ASSERT_STR_CONTAINS(res.msg, "cap of 65536 bytes");

    /* gzip: a few kB on the wire, 8 MiB decoded */
    o.max_body = 1 << 20;
    fetch(&res, url("/gzip?size=8388608"), NULL, NULL, &o);
    ASSERT_EQ_INT(res.rc, PT_ETOOBIG);
    ASSERT_STR_CONTAINS(res.msg, url("/gzip?size=8388608"));

    /* exactly the cap is allowed */
    o.max_body = 65536;
    fetch(&res, url("/big-chunked?size=65536"), NULL, NULL, &o);
    ASSERT_EQ_INT(res.rc, 0);
    ASSERT_EQ_INT(res.len, 65536);
    result_free(&res);
    test_server_stop();
    return 0;
}

TEST_IMPL(http_gzip)
{
    server_start(0);
    struct pt_http_opts o = quick();
    struct result res;
    fetch(&res, url("/gzip?size=100000"), NULL, NULL, &o);
    ASSERT_EQ_INT(res.rc, 0);
    ASSERT_EQ_INT(res.len, 100000);
    ASSERT(strncmp(res.body, "plantrack gzip line\nplantrack gzip line\n", 40) == 0);
    result_free(&res);
    test_server_stop();
    return 0;
}

/* Extra request headers (an API key) reach the server; a header that could
 * smuggle another line is refused before anything is sent. */
TEST_IMPL(http_headers)
{
    server_start(0);
    struct pt_http_opts o = quick();
    struct run r;
    struct result res;
    run_begin(&r, &o);
    static const char *const headers[] = {"X-API-Key: s3cret-key", NULL};
    struct pt_http_req req = {url("/echo"), NULL, NULL, &o, headers};
    struct pt_err err;
    memset(&res, 0, sizeof res);
    res.run = &r;
    r.pending++;
    ASSERT_EQ_INT(pt_http_fetch(&r.h, &req, on_result, &res, &err), 0);
    static const char *const evil[] = {"X-API-Key: a\r\nX-Evil: 1", NULL};
    struct pt_http_req bad = {url("/echo"), NULL, NULL, &o, evil};
    struct result unused;
    ASSERT_EQ_INT(pt_http_fetch(&r.h, &bad, on_result, &unused, &err), PT_EINVAL);
    ASSERT_STR_CONTAINS(err.msg, "request header 1");
    static const char *const noname[] = {"no colon here", NULL};
    bad.headers = noname;
    ASSERT_EQ_INT(pt_http_fetch(&r.h, &bad, on_result, &unused, &err), PT_EINVAL);
    run_end(&r);
    ASSERT_EQ_INT(res.rc, 0);
    ASSERT_STR_CONTAINS(res.body, "X-API-Key: s3cret-key");
    result_free(&res);
    test_server_stop();
    return 0;
}

TEST_IMPL(http_truncated)
{
    server_start(0);
    struct pt_http_opts o = quick();
    o.retries = 1;
    struct result res;
    fetch(&res, url("/truncated"), NULL, NULL, &o);
    ASSERT_EQ_INT(res.rc, PT_ENET);
    ASSERT_EQ_INT(res.attempts, 2);
    ASSERT_STR_CONTAINS(res.msg, url("/truncated"));
    ASSERT_STR_CONTAINS(res.msg, "truncated");
    test_server_stop();
    return 0;
}

TEST_IMPL(http_redirects)
{
    server_start(0);
    struct pt_http_opts o = quick();
    o.max_redirects = 3;
    struct result res;

    fetch(&res, url("/redirect?to=/ok"), NULL, NULL, &o);
    ASSERT_EQ_INT(res.rc, 0);
    ASSERT_EQ_INT(res.status, 200);
    ASSERT(strcmp(res.eff, url("/ok")) == 0);
    ASSERT(strcmp(res.body, "hello, plantrack\n") == 0);
    result_free(&res);

    /* a loop stops after max_redirects: the first request and 3 follows */
    fetch(&res, url("/loop"), NULL, NULL, &o);
    ASSERT_EQ_INT(res.rc, PT_EHTTP);
    ASSERT_EQ_INT(res.attempts, 1);
    ASSERT_STR_CONTAINS(res.msg, url("/loop"));
    ASSERT_STR_CONTAINS(res.msg, "more than 3 redirects");
    ASSERT_EQ_INT(server_count("/loop"), 4);

    /* never to file:// (or any scheme but http/https) */
    fetch(&res, url("/to-file"), NULL, NULL, &o);
    ASSERT_EQ_INT(res.rc, PT_EHTTP);
    ASSERT_STR_CONTAINS(res.msg, url("/to-file"));
    ASSERT_STR_CONTAINS(res.msg, "file:///etc/passwd");
    ASSERT_STR_CONTAINS(res.msg, "refused");
    ASSERT(res.body == NULL);

    /* redirects off: the 302 is the answer, an error */
    o.max_redirects = 0;
    fetch(&res, url("/redirect?to=/ok"), NULL, NULL, &o);
    ASSERT_EQ_INT(res.rc, PT_EHTTP);
    ASSERT_EQ_INT(res.status, 302);

    /* schemes refused up front: no callback at all */
    struct run r;
    struct pt_err err;
    run_begin(&r, &o);
    const char *bad[] = {"ftp://127.0.0.1/x", "gopher://127.0.0.1/", "127.0.0.1/ok", "http://",
                         "file://otherhost/etc/passwd"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct pt_http_req req = {bad[i], NULL, NULL, NULL, NULL};
        ASSERT_EQ_INT(pt_http_fetch(&r.h, &req, on_result, &res, &err), PT_EINVAL);
        ASSERT_STR_CONTAINS(err.msg, bad[i]);
    }
    struct pt_http_req req = {url("/ok"), "bad\r\nX-Injected: 1", NULL, NULL, NULL};
    ASSERT_EQ_INT(pt_http_fetch(&r.h, &req, on_result, &res, &err), PT_EINVAL);
    run_end(&r);
    test_server_stop();
    return 0;
}

TEST_IMPL(http_tls_verify)
{
    server_start(1);
    char u[128];
    snprintf(u, sizeof u, "https://127.0.0.1:%d/ok", srv_tls_port);
    struct pt_http_opts o = quick();
    struct result res;

    /* a private CA is refused without the CA file, and not retried */
    fetch(&res, u, NULL, NULL, &o);
    ASSERT_EQ_INT(res.rc, PT_ETLS);
    ASSERT_EQ_INT(res.attempts, 1);
    ASSERT_STR_CONTAINS(res.msg, u);

    o.ca_file = srv_ca;
    fetch(&res, u, NULL, NULL, &o);
    ASSERT_EQ_INT(res.rc, 0);
    ASSERT_EQ_INT(res.status, 200);
    ASSERT(strcmp(res.body, "hello, plantrack\n") == 0);
    result_free(&res);

    /* the CA file also works per request, over the client's defaults */
    struct pt_http_opts def = quick(), per = quick();
    per.ca_file = srv_ca;
    struct run r;
    struct result a, b;
    run_begin(&r, &def);
    run_add(&r, &a, u, NULL, NULL, &per);
    run_add(&r, &b, u, NULL, NULL, NULL);
    run_end(&r);
    ASSERT_EQ_INT(a.rc, 0);
    ASSERT_EQ_INT(b.rc, PT_ETLS);
    result_free(&a);
    test_server_stop();
    return 0;
}

TEST_IMPL(http_concurrent)
{
    enum { N = 50 };
    server_start(0);
    struct pt_http_opts o = quick();
    static struct result res[N];
    struct run r;
    run_begin(&r, &o);
    uint64_t t0 = uv_hrtime();
    for (int i = 0; i < N; i++) {
        char path[64];
        snprintf(path, sizeof path, "/slow-headers?ms=300&i=%d", i);
        run_add(&r, &res[i], url(path), NULL, NULL, NULL);
    }
    run_end(&r);
    uint64_t ms = (uv_hrtime() - t0) / 1000000;
    for (int i = 0; i < N; i++) {
        ASSERT_EQ_INT(res[i].done, 1);
        ASSERT_EQ_INT(res[i].rc, 0);
        ASSERT_EQ_INT(res[i].attempts, 1);
        ASSERT(strcmp(res[i].body, "slow\n") == 0);
        result_free(&res[i]);
    }
    /* one after another this would take 15 s */
    ASSERT(ms < 5000);
    test_server_stop();
    return 0;
}

static void write_file(const char *path, const char *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    ASSERT(f && fwrite(data, 1, len, f) == len && fclose(f) == 0);
}

static int turns;
static void on_turn(uv_check_t *c)
{
    turns++;
}

TEST_IMPL(http_file)
{
    test_clear_proxies();
    char path[512], u[600];
    snprintf(path, sizeof path, "%s/feed.json", test_tmpdir());
    snprintf(u, sizeof u, "file://%s", path);
    write_file(path, "{\"a\": 1}\n", 9);
    struct pt_http_opts o = quick();
    struct result res;

    fetch(&res, u, NULL, NULL, &o);
    ASSERT_EQ_INT(res.rc, 0);
    ASSERT_EQ_INT(res.status, 0);
    ASSERT_EQ_INT(res.attempts, 1);
    ASSERT(strcmp(res.body, "{\"a\": 1}\n") == 0);
    ASSERT(res.etag[0] == '"' && res.lm[0]);
    ASSERT_STR_CONTAINS(res.lm, " GMT");
    char etag[256], lm[256];
    strcpy(etag, res.etag);
    strcpy(lm, res.lm);
    result_free(&res);

    /* unchanged: not modified, by ETag or by date */
    fetch(&res, u, etag, NULL, &o);
    ASSERT_EQ_INT(res.rc, 0);
    ASSERT_EQ_INT(res.not_modified, 1);
    ASSERT(res.body == NULL);
    ASSERT(strcmp(res.etag, etag) == 0);
    fetch(&res, u, NULL, lm, &o);
    ASSERT_EQ_INT(res.not_modified, 1);

    /* changed: the new body and a new ETag */
    write_file(path, "{\"a\": 22}\n", 10);
    fetch(&res, u, etag, NULL, &o);
    ASSERT_EQ_INT(res.rc, 0);
    ASSERT_EQ_INT(res.not_modified, 0);
    ASSERT(strcmp(res.body, "{\"a\": 22}\n") == 0);
    ASSERT(strcmp(res.etag, etag) != 0);
    result_free(&res);

    /* missing, a directory, over the cap: errors naming the URL */
    char missing[600];
    snprintf(missing, sizeof missing, "file://%s/nope.json", test_tmpdir());
    fetch(&res, missing, NULL, NULL, &o);
    ASSERT_EQ_INT(res.rc, PT_ENOTFOUND);
    ASSERT_STR_CONTAINS(res.msg, missing);
    char dir[600];
    snprintf(dir, sizeof dir, "file://%s", test_tmpdir());
    fetch(&res, dir, NULL, NULL, &o);
    ASSERT(res.rc != 0);
    ASSERT_STR_CONTAINS(res.msg, dir);
    o.max_body = 5;
    fetch(&res, u, NULL, NULL, &o);
    ASSERT_EQ_INT(res.rc, PT_ETOOBIG);
    ASSERT_STR_CONTAINS(res.msg, u);
    ASSERT_STR_CONTAINS(res.msg, "cap of 5 bytes");

    /* percent-encoded path */
    char spaced[512], su[600];
    snprintf(spaced, sizeof spaced, "%s/a feed.txt", test_tmpdir());
    snprintf(su, sizeof su, "file://%s/a%%20feed.txt", test_tmpdir());
    write_file(spaced, "x", 1);
    o = quick();
    fetch(&res, su, NULL, NULL, &o);
    ASSERT_EQ_INT(res.rc, 0);
    ASSERT(strcmp(res.body, "x") == 0);
    result_free(&res);

    /* a large file is read in chunks, the loop turning between them (a
     * uv_check runs once per turn) */
    size_t big = 24u << 20;
    char *data = malloc(big);
    ASSERT(data);
    for (size_t i = 0; i < big; i++)
        data[i] = (char)('a' + i % 26);
    write_file(path, data, big);
    struct run r;
    uv_check_t check;
    run_begin(&r, &o);
    uv_check_init(&r.loop, &check);
    uv_check_start(&check, on_turn);
    uv_unref((uv_handle_t *)&check);
    run_add(&r, &res, u, NULL, NULL, NULL);
    uv_run(&r.loop, UV_RUN_DEFAULT);
    uv_close((uv_handle_t *)&check, NULL);
    run_end(&r);
    ASSERT_EQ_INT(res.rc, 0);
    ASSERT_EQ_INT(res.len, big);
    ASSERT(memcmp(res.body, data, big) == 0);
    ASSERT(turns >= (int)(big / (256 * 1024))); /* FILE_CHUNK in http.c */
    result_free(&res);
    free(data);
    return 0;
}

static void on_cancel_timer(uv_timer_t *t)
{
    struct run *r = t->data;
    pt_http_close(&r->h, on_closed);
    uv_close((uv_handle_t *)t, NULL);
}

TEST_IMPL(http_close_cancels)
{
    server_start(0);
    char path[512], fu[600];
    snprintf(path, sizeof path, "%s/f.txt", test_tmpdir());
    snprintf(fu, sizeof fu, "file://%s", path);
    write_file(path, "file", 4);

    struct pt_http_opts o = quick(), sleepy = quick();
    sleepy.backoff_base_ms = sleepy.backoff_max_ms = 10000;
    struct run r;
    struct result slow, backoff, file, ok;
    run_begin(&r, &o);
    run_add(&r, &slow, url("/slow-headers?ms=5000"), NULL, NULL, NULL);
    run_add(&r, &backoff, url("/flaky?key=z&n=9"), NULL, NULL, &sleepy);
    run_add(&r, &file, fu, NULL, NULL, NULL);
    run_add(&r, &ok, url("/ok"), NULL, NULL, NULL);
    r.pending = 1000; /* the timer closes the client, not the last result */
    uint64_t t0 = uv_hrtime();
    /* Let the quick two finish (however loaded the machine), then close from
     * a timer while the slow one waits for headers and the flaky one sleeps
     * 10 s before its retry. */
    while (!(ok.done && file.done) && uv_hrtime() - t0 < 10000000000ULL)
        uv_run(&r.loop, UV_RUN_ONCE);
    uv_timer_t t;
    uv_timer_init(&r.loop, &t);
    t.data = &r;
    uv_timer_start(&t, on_cancel_timer, 200, 0);
    uv_run(&r.loop, UV_RUN_DEFAULT);
    uint64_t ms = (uv_hrtime() - t0) / 1000000;
    ASSERT_EQ_INT(r.closed, 1);
    ASSERT_EQ_INT(uv_loop_close(&r.loop), 0);
    ASSERT(ms < 4000); /* not the 5 s of the slow server, nor the 10 s backoff */

    ASSERT_EQ_INT(slow.done, 1);
    ASSERT_EQ_INT(slow.rc, PT_ECANCELED);
    ASSERT_STR_CONTAINS(slow.msg, url("/slow-headers?ms=5000"));
    ASSERT_EQ_INT(backoff.done, 1);
    ASSERT_EQ_INT(backoff.rc, PT_ECANCELED);
    ASSERT_EQ_INT(backoff.attempts, 1);
    /* these finished before the close */
    ASSERT_EQ_INT(file.done, 1);
    ASSERT_EQ_INT(file.rc, 0);
    ASSERT_EQ_INT(ok.done, 1);
    ASSERT_EQ_INT(ok.rc, 0);
    result_free(&file);
    result_free(&ok);

    /* after close: refused, no callback */
    struct pt_err err;
    struct pt_http_req req = {url("/ok"), NULL, NULL, NULL, NULL};
    ASSERT_EQ_INT(pt_http_fetch(&r.h, &req, on_result, &ok, &err), PT_ECANCELED);
    test_server_stop();
    return 0;
}

TEST_IMPL(http_close_idle)
{
    /* a client that never fetched closes cleanly, and so does one closed
     * twice */
    struct run r;
    run_begin(&r, NULL);
    pt_http_close(&r.h, on_closed);
    pt_http_close(&r.h, on_closed);
    uv_run(&r.loop, UV_RUN_DEFAULT);
    ASSERT_EQ_INT(r.closed, 1);
    ASSERT_EQ_INT(uv_loop_close(&r.loop), 0);

    struct pt_http h;
    struct pt_err err;
    struct pt_http_opts o;
    pt_http_opts_default(&o);
    o.max_body = 0;
    ASSERT_EQ_INT(pt_http_init(&h, uv_default_loop(), &o, &err), PT_EINVAL);
    ASSERT_STR_CONTAINS(err.msg, "max_body");
    return 0;
}

TEST_IMPL(http_proxy_env)
{
    server_start(0);
    /* The environment's proxy is used: the loopback server answers as the
     * proxy for a URL whose own port has nothing listening. */
    char proxy[64];
    snprintf(proxy, sizeof proxy, "http://127.0.0.1:%d", srv_port);
    setenv("http_proxy", proxy, 1);
    struct pt_http_opts o = quick();
    o.retries = 0;
    struct result res;
    fetch(&res, "http://127.0.0.1:1/feed.json", NULL, NULL, &o);
    ASSERT_EQ_INT(res.rc, 0);
    ASSERT(strcmp(res.body, "proxied http://127.0.0.1:1/feed.json") == 0);
    result_free(&res);
    test_clear_proxies();
    fetch(&res, "http://127.0.0.1:1/feed.json", NULL, NULL, &o);
    ASSERT_EQ_INT(res.rc, PT_ENET);
    test_server_stop();
    return 0;
}
