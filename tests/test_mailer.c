/* The outbox and the mailer on a real uv loop against a real SMTP server on
 * loopback (tests/servers/smtpd.py under /usr/bin/python3 with Debian's
 * aiosmtpd, started and stopped by each test): STARTTLS + AUTH delivery
 * exactly once with the stored bytes, a refused recipient beside accepted
 * ones, a relay down for the first attempts, giving up, implicit TLS, the
 * plain-SMTP policy, and the file transport. Nothing connects anywhere but
 * 127.0.0.1. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mailer.h"
#include "test.h"
#include "test_server.h"

/* ---- The loopback SMTP server ------------------------------------------- */

static int srv_port;
static char srv_cert[512];
static char save_dir[512];

/* Starts smtpd.py saving into save_dir, on port (0 = any), with the extra
 * arguments (NULL-terminated), and reads "PORT CERT" from it. */
static void smtpd_start(int port, const char *const *extra)
{
    /* Debian's aiosmtpd is a package of /usr/bin/python3, not of whatever
     * python3 comes first on PATH. */
    const char *python = getenv("PT_SMTPD_PYTHON") ? getenv("PT_SMTPD_PYTHON") : "/usr/bin/python3";
    char portbuf[16];
    snprintf(portbuf, sizeof portbuf, "%d", port);
    char *argv[32];
    int argc = 0;
    argv[argc++] = (char *)python;
    argv[argc++] = PT_SOURCE_DIR "/tests/servers/smtpd.py";
    argv[argc++] = "--save";
    argv[argc++] = save_dir;
    argv[argc++] = "--cert-dir";
    argv[argc++] = (char *)test_tmpdir();
    argv[argc++] = "--port";
    argv[argc++] = portbuf;
    argv[argc++] = "--exit-on-eof";
    argv[argc++] = "--lifetime";
    argv[argc++] = "120";
    for (int i = 0; extra && extra[i] && argc < 31; i++)
        argv[argc++] = (char *)extra[i];
    argv[argc] = NULL;
    char line[1024];
    test_server_start(argv, line, sizeof line);
    ASSERT(sscanf(line, "%d %511s", &srv_port, srv_cert) == 2);
    ASSERT(srv_port > 0);
}

/* A port on 127.0.0.1 with nothing listening (the kernel's pick, released). */
static int free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    ASSERT(fd >= 0);
    ASSERT(bind(fd, (struct sockaddr *)&a, sizeof a) == 0);
    ASSERT(getsockname(fd, (struct sockaddr *)&a, &len) == 0);
    close(fd);
    return ntohs(a.sin_port);
}

/* ---- Fixtures -------------------------------------------------------------- */

static struct pt_store *store_new(void)
{
    char path[600];
    struct pt_store *st;
    struct pt_err err;
    snprintf(path, sizeof path, "%s/store.db", test_tmpdir());
    if (pt_store_open(path, PT_STORE_CREATE, &st, &err)) {
        fprintf(stderr, "%s\n", err.msg);
        ASSERT(0);
    }
    snprintf(save_dir, sizeof save_dir, "%s/received", test_tmpdir());
    return st;
}

static void conf_smtp(struct pt_mail_conf *c, int port, const char *scheme)
{
    memset(c, 0, sizeof *c);
    snprintf(c->transport, sizeof c->transport, "smtp");
    snprintf(c->url, sizeof c->url, "%s://127.0.0.1:%d", scheme, port);
    snprintf(c->from, sizeof c->from, "Plantrack <alerts@example.org>");
    c->timeout_s = 10;
    c->retry_base_s = 1;
    c->retry_max_s = 1;
    c->give_up_after_s = 3600;
}

/* AUTH as plantrack with a password from a secret file (mode 0600). */
static void conf_auth(struct pt_mail_conf *c, const char *password)
{
    char path[600];
    snprintf(path, sizeof path, "%s/smtp-password", test_tmpdir());
    FILE *f = fopen(path, "w");
    ASSERT(f);
    fprintf(f, "%s\n", password);
    fclose(f);
    ASSERT(chmod(path, 0600) == 0);
    snprintf(c->username, sizeof c->username, "plantrack");
    snprintf(c->password.file, sizeof c->password.file, "%s", path);
}

/* A message whose body has the lines SMTP must dot-stuff: they must arrive
 * exactly as stored. Caller frees. */
static char *message(const char *mid, const char *to, size_t *len)
{
    char *b = malloc(2048);
    ASSERT(b);
    int n = snprintf(b, 2048,
                     "Message-ID: <%s>\r\n"
                     "From: Plantrack <alerts@example.org>\r\n"
                     "To: %s\r\n"
                     "Subject: =?UTF-8?B?5rWL6K+V?= %s\r\n"
                     "MIME-Version: 1.0\r\n"
                     "Content-Type: text/plain; charset=utf-8\r\n"
                     "\r\n"
                     "first line\r\n"
                     ".a line that starts with a dot\r\n"
                     "..two dots\r\n"
                     ".\r\n"
                     "last line of %s\r\n",
                     mid, to, mid, mid);
    *len = (size_t)n;
    return b;
}

static void add(struct pt_store *st, const char *mid, const char *const *to, int nto)
{
    struct pt_err err;
    size_t len;
    char *b = message(mid, to[0], &len);
    if (pt_outbox_add(st, "plan-1", "bureau-env", to, nto, b, len, mid, &err)) {
        fprintf(stderr, "%s\n", err.msg);
        ASSERT(0);
    }
    free(b);
}

static long long q_int(struct pt_store *st, const char *sql)
{
    sqlite3_stmt *s;
    ASSERT(sqlite3_prepare_v2(pt_store_db(st), sql, -1, &s, NULL) == SQLITE_OK);
    ASSERT(sqlite3_step(s) == SQLITE_ROW);
    long long v = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return v;
}

/* The first column of the first row as a string (static, "" for NULL). */
static const char *q_text(struct pt_store *st, const char *sql)
{
    static char buf[4096];
    sqlite3_stmt *s;
    ASSERT(sqlite3_prepare_v2(pt_store_db(st), sql, -1, &s, NULL) == SQLITE_OK);
    buf[0] = '\0';
    if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_text(s, 0))
        snprintf(buf, sizeof buf, "%s", (const char *)sqlite3_column_text(s, 0));
    sqlite3_finalize(s);
    return buf;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *b = malloc(1 << 16);
    ASSERT(b);
    *len = fread(b, 1, (1 << 16) - 1, f);
    b[*len] = '\0';
    fclose(f);
    return b;
}

/* How many files in dir end in suffix; with a non-NULL mid, how many of
 * those contain "Message-ID: <mid>", each checked to be byte for byte the
 * stored message. */
static int count_files(const char *dir, const char *suffix, const char *mid, const char *to)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;
    if (!d)
        return 0;
    while ((e = readdir(d))) {
        size_t l = strlen(e->d_name), sl = strlen(suffix);
        if (l < sl || strcmp(e->d_name + l - sl, suffix))
            continue;
        if (!mid) {
            n++;
            continue;
        }
        char path[1200], want_id[300];
        size_t len, wlen;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        char *got = slurp(path, &len);
        ASSERT(got);
        snprintf(want_id, sizeof want_id, "Message-ID: <%s>\r\n", mid);
        if (strstr(got, want_id)) {
            char *want = message(mid, to, &wlen);
            if (len != wlen || memcmp(got, want, len)) {
                fprintf(stderr, "%s differs from the stored bytes of %s:\n%s\n", path, mid, got);
                ASSERT(0);
            }
            free(want);
            n++;
        }
        free(got);
    }
    closedir(d);
    return n;
}

/* ---- Running the mailer on a loop ---------------------------------------- */

struct env {
    uv_loop_t loop;
    struct pt_http http;
    struct pt_store *st;
    struct pt_mailer *m;
    int done, rc, closed;
    struct pt_mailer_counts c;
};

static void env_open(struct env *e, struct pt_store *st, const struct pt_mail_conf *c)
{
    struct pt_err err;
    memset(e, 0, sizeof *e);
    e->st = st;
    ASSERT(uv_loop_init(&e->loop) == 0);
    ASSERT(pt_http_init(&e->http, &e->loop, NULL, &err) == 0);
    if (pt_mailer_new(&e->loop, st, &e->http, c, NULL, &e->m, &err)) {
        fprintf(stderr, "%s\n", err.msg);
        ASSERT(0);
    }
}

static void on_pass(void *data, int rc, const struct pt_mailer_counts *c)
{
    struct env *e = data;
    e->done++;
    e->rc = rc;
    e->c = *c;
}

/* One pass; its counts in e->c. */
static void pass(struct env *e)
{
    struct pt_err err;
    e->done = 0;
    ASSERT(pt_mailer_drain_once(e->m, on_pass, e, &err) == 0);
    ASSERT(pt_mailer_drain_once(e->m, on_pass, e, &err) == PT_EBUSY);
    while (!e->done)
        uv_run(&e->loop, UV_RUN_ONCE);
    ASSERT_EQ_INT(e->done, 1);
    ASSERT_EQ_INT(e->rc, 0);
}

static void on_mailer_closed(void *data)
{
    ((struct env *)data)->closed++;
}

static void on_http_closed(struct pt_http *h)
{
    (void)h;
}

static void env_close(struct env *e)
{
    pt_mailer_close(e->m, on_mailer_closed, e);
    pt_http_close(&e->http, on_http_closed);
    uv_run(&e->loop, UV_RUN_DEFAULT);
    ASSERT_EQ_INT(e->closed, 1);
    ASSERT(uv_loop_close(&e->loop) == 0);
}

/* ---- Tests ------------------------------------------------------------------ */

/* STARTTLS required, AUTH with the secret: two messages arrive exactly once,
 * byte for byte; the outbox says so; a second pass sends nothing; the same
 * Message-ID queued again is a no-op. */
TEST_IMPL(mailer_smtp_starttls_auth)
{
    struct pt_store *st = store_new();
    static const char *const args[] = {"--starttls", "--user",        "plantrack",
                                       "--password", "correct horse", NULL};
    smtpd_start(0, args);
    struct pt_mail_conf c;
    conf_smtp(&c, srv_port, "smtp");
    conf_auth(&c, "correct horse");
    snprintf(c.ca_file, sizeof c.ca_file, "%s", srv_cert);
    struct pt_err err;
    const char *to1[] = {"env@example.com", "chief@example.com"}, *to2[] = {"stats@example.com"};
    ASSERT(pt_store_begin(st, &err) == 0);
    add(st, "d1@example.org", to1, 2);
    add(st, "d2@example.org", to2, 1);
    add(st, "d1@example.org", to1, 2); /* again: no-op */
    ASSERT(pt_store_commit(st, &err) == 0);
    ASSERT_EQ_INT(q_int(st, "SELECT COUNT(*) FROM outbox"), 2);

    struct env e;
    env_open(&e, st, &c);
    pass(&e);
    printf("pass 1: sent %d failed %d given_up %d pending %d\n", e.c.sent, e.c.failed, e.c.given_up,
           e.c.pending);
    ASSERT_EQ_INT(e.c.sent, 2);
    ASSERT_EQ_INT(e.c.failed + e.c.given_up + e.c.pending, 0);
    pass(&e);
    printf("pass 2: sent %d failed %d given_up %d pending %d\n", e.c.sent, e.c.failed, e.c.given_up,
           e.c.pending);
    ASSERT_EQ_INT(e.c.sent, 0);
    env_close(&e);

    int n1 = count_files(save_dir, ".eml", "d1@example.org", to1[0]);
    int n2 = count_files(save_dir, ".eml", "d2@example.org", to2[0]);
    printf("received: %d files; d1 %d time(s), d2 %d time(s), bytes identical\n",
           count_files(save_dir, ".eml", NULL, NULL), n1, n2);
    ASSERT_EQ_INT(count_files(save_dir, ".eml", NULL, NULL), 2);
    ASSERT_EQ_INT(n1, 1);
    ASSERT_EQ_INT(n2, 1);
    /* The envelopes: the From address, both recipients, over TLS, as plantrack. */
    size_t len;
    char path[700];
    snprintf(path, sizeof path, "%s/0001.json", save_dir);
    char *env1 = slurp(path, &len);
    ASSERT_STR_CONTAINS(env1, "\"mail_from\": \"alerts@example.org\"");
    ASSERT_STR_CONTAINS(env1, "\"rcpt_tos\": [\"env@example.com\", \"chief@example.com\"]");
    ASSERT_STR_CONTAINS(env1, "\"tls\": true");
    ASSERT_STR_CONTAINS(env1, "\"auth_login\": \"plantrack\"");
    free(env1);
    ASSERT_EQ_INT(q_int(st, "SELECT COUNT(*) FROM outbox WHERE sent_at IS NOT NULL AND "
                            "attempts = 1 AND last_error IS NULL"),
                  2);
    pt_store_close(st);
    test_server_stop();
    return 0;
}

/* A wrong password fails the attempt with the server's 535, and the
 * password appears nowhere in what is recorded. */
TEST_IMPL(mailer_smtp_auth_refused)
{
    struct pt_store *st = store_new();
    static const char *const args[] = {"--starttls", "--user",        "plantrack",
                                       "--password", "correct horse", NULL};
    smtpd_start(0, args);
    struct pt_mail_conf c;
    conf_smtp(&c, srv_port, "smtp");
    conf_auth(&c, "wrong-battery-staple");
    snprintf(c.ca_file, sizeof c.ca_file, "%s", srv_cert);
    const char *to[] = {"env@example.com"};
    add(st, "auth@example.org", to, 1);
    add(st, "auth2@example.org", to, 1);
    struct env e;
    env_open(&e, st, &c);
    pass(&e);
    env_close(&e);
    const char *why = q_text(st, "SELECT last_error FROM outbox ORDER BY id LIMIT 1");
    printf("failed %d; last_error: %s\n", e.c.failed, why);
    ASSERT_EQ_INT(e.c.failed, 2);
    ASSERT_STR_CONTAINS(why, "535");
    ASSERT_STR_CONTAINS(why, "127.0.0.1");
    ASSERT(!strstr(why, "wrong-battery-staple"));
    ASSERT_EQ_INT(count_files(save_dir, ".eml", NULL, NULL), 0);
    pt_store_close(st);
    test_server_stop();
    return 0;
}

/* One refused recipient does not block the others: the message goes to the
 * accepted one, counts as sent, and the refusal is recorded. A message whose
 * every recipient is refused fails. */
TEST_IMPL(mailer_smtp_rejected_recipient)
{
    struct pt_store *st = store_new();
    static const char *const args[] = {"--starttls", "--reject", "gone@example.com", NULL};
    smtpd_start(0, args);
    struct pt_mail_conf c;
    conf_smtp(&c, srv_port, "smtp");
    snprintf(c.ca_file, sizeof c.ca_file, "%s", srv_cert);
    const char *to1[] = {"gone@example.com", "env@example.com"}, *to2[] = {"gone@example.com"};
    add(st, "r1@example.org", to1, 2);
    add(st, "r2@example.org", to2, 1);
    struct env e;
    env_open(&e, st, &c);
    pass(&e);
    env_close(&e);
    const char *why1 =
        q_text(st, "SELECT last_error FROM outbox WHERE message_id = 'r1@example.org'");
    printf("sent %d failed %d\nr1: %s\n", e.c.sent, e.c.failed, why1);
    ASSERT_EQ_INT(e.c.sent, 1);
    ASSERT_EQ_INT(e.c.failed, 1);
    ASSERT_STR_CONTAINS(why1, "gone@example.com");
    ASSERT_STR_CONTAINS(why1, "550");
    ASSERT_EQ_INT(q_int(st, "SELECT sent_at IS NOT NULL FROM outbox WHERE message_id = "
                            "'r1@example.org'"),
                  1);
    const char *why2 =
        q_text(st, "SELECT last_error FROM outbox WHERE message_id = 'r2@example.org'");
    printf("r2: %s\n", why2);
    ASSERT_STR_CONTAINS(why2, "550");
    ASSERT_EQ_INT(count_files(save_dir, ".eml", "r1@example.org", to1[0]), 1);
    ASSERT_EQ_INT(count_files(save_dir, ".eml", NULL, NULL), 1);
    size_t len;
    char path[700];
    snprintf(path, sizeof path, "%s/0001.json", save_dir);
    char *env1 = slurp(path, &len);
    ASSERT_STR_CONTAINS(env1, "\"rcpt_tos\": [\"env@example.com\"]");
    free(env1);
    pt_store_close(st);
    test_server_stop();
    return 0;
}

/* The relay is down (nothing listens on its port) for the first attempts,
 * then starts: the draining mailer retries on its timer and every message
 * arrives exactly once. */
struct down {
    struct env *e;
    uv_timer_t start, poll;
    int port, started, ticks, finished;
};

static void on_start_server(uv_timer_t *t)
{
    struct down *d = t->data;
    static const char *const args[] = {"--starttls", "--user",        "plantrack",
                                       "--password", "correct horse", NULL};
    long long tried = q_int(d->e->st, "SELECT MIN(attempts) FROM outbox");
    printf("starting the server after every message failed %lld time(s)\n", tried);
    ASSERT(tried >= 1);
    smtpd_start(d->port, args);
    d->started = 1;
}

static void on_poll_outbox(uv_timer_t *t)
{
    struct down *d = t->data;
    d->ticks++;
    ASSERT(d->ticks < 300); /* 30 s */
    if (d->started && q_int(d->e->st, "SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL") == 0) {
        d->finished = 1;
        uv_timer_stop(&d->poll);
    }
}

TEST_IMPL(mailer_smtp_server_down)
{
    struct pt_store *st = store_new();
    struct down d;
    memset(&d, 0, sizeof d);
    d.port = free_port();
    struct pt_mail_conf c;
    conf_smtp(&c, d.port, "smtp");
    conf_auth(&c, "correct horse");
    /* The certificate is made when the server starts; its path is known. */
    snprintf(c.ca_file, sizeof c.ca_file, "%s/smtpd.pem", test_tmpdir());
    const char *to[] = {"env@example.com"};
    add(st, "down1@example.org", to, 1);
    add(st, "down2@example.org", to, 1);
    add(st, "down3@example.org", to, 1);
    struct env e;
    env_open(&e, st, &c);
    d.e = &e;
    uv_timer_init(&e.loop, &d.start);
    uv_timer_init(&e.loop, &d.poll);
    d.start.data = d.poll.data = &d;
    pt_mailer_drain(e.m);
    uv_timer_start(&d.start, on_start_server, 1500, 0);
    uv_timer_start(&d.poll, on_poll_outbox, 100, 100);
    while (!d.finished)
        uv_run(&e.loop, UV_RUN_ONCE);
    uv_close((uv_handle_t *)&d.start, NULL);
    uv_close((uv_handle_t *)&d.poll, NULL);
    env_close(&e);
    for (int i = 1; i <= 3; i++) {
        char mid[64], sql[200];
        snprintf(mid, sizeof mid, "down%d@example.org", i);
        snprintf(sql, sizeof sql, "SELECT attempts FROM outbox WHERE message_id = '%s'", mid);
        long long attempts = q_int(st, sql);
        int got = count_files(save_dir, ".eml", mid, to[0]);
        printf("%s: %lld attempts, arrived %d time(s)\n", mid, attempts, got);
        ASSERT(attempts >= 2);
        ASSERT_EQ_INT(got, 1);
    }
    ASSERT_EQ_INT(count_files(save_dir, ".eml", NULL, NULL), 3);
    pt_store_close(st);
    test_server_stop();
    return 0;
}

/* Retries follow the backoff, and give_up_after after queueing the message
 * is given up: gave_up_at, an error, and a failed runs row for the operator.
 * The store's clock (PLANTRACK_NOW) moves instead of the test sleeping. */
TEST_IMPL(mailer_give_up)
{
    setenv("PLANTRACK_NOW", "2026-03-01T00:00:00Z", 1);
    struct pt_store *st = store_new();
    int port = free_port(); /* nothing listens there */
    struct pt_mail_conf c;
    conf_smtp(&c, port, "smtp");
    c.retry_base_s = 60;
    c.retry_max_s = 600;
    c.give_up_after_s = 3600;
    const char *to[] = {"env@example.com"};
    add(st, "g1@example.org", to, 1);
    add(st, "g2@example.org", to, 1);
    struct env e;
    env_open(&e, st, &c);
    pass(&e);
    printf("00:00: failed %d given_up %d pending %d; next attempt %s\n", e.c.failed, e.c.given_up,
           e.c.pending, q_text(st, "SELECT next_attempt_at FROM outbox WHERE id = 1"));
    ASSERT_EQ_INT(e.c.failed, 2);
    ASSERT_EQ_INT(e.c.pending, 2);
    const char *next = q_text(st, "SELECT next_attempt_at FROM outbox WHERE id = 1");
    ASSERT(strcmp(next, "2026-03-01T00:00:30Z") >= 0 && strcmp(next, "2026-03-01T00:01:00Z") <= 0);
    char want[64];
    snprintf(want, sizeof want, "smtp://127.0.0.1:%d", port);
    ASSERT_STR_CONTAINS(q_text(st, "SELECT last_error FROM outbox WHERE id = 1"), want);
    /* The relay failed: the second message was failed with the same error. */
    ASSERT_STR_CONTAINS(q_text(st, "SELECT last_error FROM outbox WHERE id = 2"), want);

    pass(&e); /* nothing due yet */
    ASSERT_EQ_INT(e.c.failed + e.c.sent + e.c.given_up, 0);
    ASSERT_EQ_INT(e.c.pending, 2);

    setenv("PLANTRACK_NOW", "2026-03-01T00:30:00Z", 1);
    pass(&e);
    ASSERT_EQ_INT(e.c.failed, 2);
    /* the retry after the second failure: 1 to 2 minutes away */
    next = q_text(st, "SELECT next_attempt_at FROM outbox WHERE id = 1");
    printf("00:30: failed %d; next attempt %s\n", e.c.failed, next);
    ASSERT(strcmp(next, "2026-03-01T00:31:00Z") >= 0 && strcmp(next, "2026-03-01T00:32:00Z") <= 0);

    setenv("PLANTRACK_NOW", "2026-03-01T01:00:00Z", 1);
    pass(&e);
    printf("01:00: failed %d given_up %d pending %d\n", e.c.failed, e.c.given_up, e.c.pending);
    ASSERT_EQ_INT(e.c.given_up, 2);
    ASSERT_EQ_INT(e.c.pending, 0);
    ASSERT_EQ_INT(q_int(st, "SELECT COUNT(*) FROM outbox WHERE gave_up_at = "
                            "'2026-03-01T01:00:00Z' AND sent_at IS NULL AND attempts = 3"),
                  2);
    const char *run = q_text(st, "SELECT error FROM runs WHERE plugin = 'mail' AND instance = "
                                 "'smtp' AND status = 'failed' ORDER BY id LIMIT 1");
    printf("runs: %s\n", run);
    ASSERT_STR_CONTAINS(run, "gave up on message g1@example.org for bureau bureau-env");
    ASSERT_STR_CONTAINS(run, want);
    ASSERT_EQ_INT(q_int(st, "SELECT COUNT(*) FROM runs WHERE plugin = 'mail'"), 2);

    setenv("PLANTRACK_NOW", "2026-03-02T00:00:00Z", 1);
    pass(&e); /* given up is final */
    ASSERT_EQ_INT(e.c.failed + e.c.sent + e.c.given_up + e.c.pending, 0);
    env_close(&e);
    pt_store_close(st);
    unsetenv("PLANTRACK_NOW");
    return 0;
}

/* smtps://: TLS from the first byte. Verification is always on: without the
 * server's certificate as ca_file the attempt fails and says what to set. */
TEST_IMPL(mailer_smtps)
{
    struct pt_store *st = store_new();
    static const char *const args[] = {"--smtps",    "--user",        "plantrack",
                                       "--password", "correct horse", NULL};
    smtpd_start(0, args);
    struct pt_mail_conf c;
    conf_smtp(&c, srv_port, "smtps");
    conf_auth(&c, "correct horse");
    const char *to[] = {"env@example.com"};
    add(st, "tls1@example.org", to, 1);
    struct env e;
    env_open(&e, st, &c);
    pass(&e);
    env_close(&e);
    const char *why = q_text(st, "SELECT last_error FROM outbox");
    printf("without ca_file: failed %d: %s\n", e.c.failed, why);
    ASSERT_EQ_INT(e.c.failed, 1);
    ASSERT_STR_CONTAINS(why, "ca_file");

    ASSERT(sqlite3_exec(pt_store_db(st), "UPDATE outbox SET next_attempt_at = NULL", NULL, NULL,
                        NULL) == SQLITE_OK);
    snprintf(c.ca_file, sizeof c.ca_file, "%s", srv_cert);
    env_open(&e, st, &c);
    pass(&e);
    env_close(&e);
    printf("with ca_file: sent %d\n", e.c.sent);
    ASSERT_EQ_INT(e.c.sent, 1);
    ASSERT_EQ_INT(count_files(save_dir, ".eml", "tls1@example.org", to[0]), 1);
    size_t len;
    char path[700];
    snprintf(path, sizeof path, "%s/0001.json", save_dir);
    char *env1 = slurp(path, &len);
    ASSERT_STR_CONTAINS(env1, "\"tls\": true");
    free(env1);
    pt_store_close(st);
    test_server_stop();
    return 0;
}

/* Plain SMTP: refused by default (STARTTLS is required), allowed with
 * insecure_loopback to 127.0.0.1, and insecure_loopback to any other host
 * is a configuration error before anything connects. */
TEST_IMPL(mailer_smtp_plain_policy)
{
    struct pt_store *st = store_new();
    struct pt_mail_conf c;
    struct pt_err err;
    struct pt_mailer *m = NULL;
    uv_loop_t loop;
    struct pt_http h;
    ASSERT(uv_loop_init(&loop) == 0);
    ASSERT(pt_http_init(&h, &loop, NULL, &err) == 0);
    static const char *const hosts[] = {"mail.example.org:25", "10.0.0.1", "127.0.0.2",
                                        "localhost.example.org"};
    for (size_t i = 0; i < sizeof hosts / sizeof hosts[0]; i++) {
        conf_smtp(&c, 25, "smtp");
        snprintf(c.url, sizeof c.url, "smtp://%s", hosts[i]);
        c.insecure_loopback = 1;
        int rc = pt_mailer_new(&loop, st, &h, &c, NULL, &m, &err);
        printf("%s: %s\n", c.url, err.msg);
        ASSERT_EQ_INT(rc, PT_ECONFIG);
        ASSERT(m == NULL);
        ASSERT_STR_CONTAINS(err.msg, "insecure_loopback");
        ASSERT_STR_CONTAINS(err.msg, "127.0.0.1, ::1 or localhost");
    }
    /* also refused: no URL scheme of ours, user without password */
    conf_smtp(&c, 25, "smtp");
    snprintf(c.url, sizeof c.url, "http://127.0.0.1:25");
    ASSERT_EQ_INT(pt_mailer_new(&loop, st, &h, &c, NULL, &m, &err), PT_ECONFIG);
    conf_smtp(&c, 25, "smtp");
    snprintf(c.username, sizeof c.username, "plantrack");
    ASSERT_EQ_INT(pt_mailer_new(&loop, st, &h, &c, NULL, &m, &err), PT_ECONFIG);
    printf("%s\n", err.msg);
    pt_http_close(&h, on_http_closed);
    uv_run(&loop, UV_RUN_DEFAULT);
    ASSERT(uv_loop_close(&loop) == 0);

    static const char *const args[] = {NULL}; /* no TLS at all */
    smtpd_start(0, args);
    conf_smtp(&c, srv_port, "smtp");
    const char *to[] = {"env@example.com"};
    add(st, "plain@example.org", to, 1);
    struct env e;
    env_open(&e, st, &c);
    pass(&e);
    env_close(&e);
    const char *why = q_text(st, "SELECT last_error FROM outbox");
    printf("plain relay, STARTTLS required: failed %d: %s\n", e.c.failed, why);
    ASSERT_EQ_INT(e.c.failed, 1);
    ASSERT_STR_CONTAINS(why, "STARTTLS");
    ASSERT_EQ_INT(count_files(save_dir, ".eml", NULL, NULL), 0);

    ASSERT(sqlite3_exec(pt_store_db(st), "UPDATE outbox SET next_attempt_at = NULL", NULL, NULL,
                        NULL) == SQLITE_OK);
    c.insecure_loopback = 1;
    env_open(&e, st, &c);
    pass(&e);
    env_close(&e);
    printf("plain relay with insecure_loopback: sent %d\n", e.c.sent);
    ASSERT_EQ_INT(e.c.sent, 1);
    ASSERT_EQ_INT(count_files(save_dir, ".eml", "plain@example.org", to[0]), 1);
    pt_store_close(st);
    test_server_stop();
    return 0;
}

/* The file transport: one .eml per message, named after its Message-ID
 * (safely: no way out of the spool), the stored bytes exactly, no temporary
 * file left; written again, the same file with the same bytes. A spool that
 * does not exist is refused up front. */
/* An authorizer refusing any statement that sets outbox.sent_at. */
static int deny_sent_at(void *ud, int action, const char *a, const char *b, const char *db,
                        const char *trigger)
{
    (void)ud, (void)db, (void)trigger;
    return action == SQLITE_UPDATE && a && b && !strcmp(a, "outbox") && !strcmp(b, "sent_at")
               ? SQLITE_DENY
               : SQLITE_OK;
}

TEST_IMPL(mailer_file_transport)
{
    struct pt_store *st = store_new();
    struct pt_mail_conf c;
    struct pt_err err;
    memset(&c, 0, sizeof c);
    snprintf(c.transport, sizeof c.transport, "file");
    snprintf(c.from, sizeof c.from, "alerts@example.org");
    snprintf(c.spool, sizeof c.spool, "%s/spool", test_tmpdir());
    c.timeout_s = 10;
    c.retry_base_s = 1;
    c.retry_max_s = 1;
    c.give_up_after_s = 3600;

    uv_loop_t loop;
    struct pt_mailer *m = NULL;
    ASSERT(uv_loop_init(&loop) == 0);
    int rc = pt_mailer_new(&loop, st, NULL, &c, NULL, &m, &err);
    printf("missing spool: %s\n", err.msg);
    ASSERT_EQ_INT(rc, PT_ECONFIG);
    ASSERT_STR_CONTAINS(err.msg, c.spool);
    ASSERT(uv_loop_close(&loop) == 0);
    ASSERT(mkdir(c.spool, 0755) == 0);
    if (geteuid() != 0) { /* root writes anywhere */
        ASSERT(chmod(c.spool, 0555) == 0);
        ASSERT(uv_loop_init(&loop) == 0);
        ASSERT_EQ_INT(pt_mailer_new(&loop, st, NULL, &c, NULL, &m, &err), PT_ECONFIG);
        printf("read-only spool: %s\n", err.msg);
        ASSERT_STR_CONTAINS(err.msg, "not writable");
        ASSERT(uv_loop_close(&loop) == 0);
        ASSERT(chmod(c.spool, 0755) == 0);
    }

    const char *to[] = {"env@example.com"};
    add(st, "f1@example.org", to, 1);
    add(st, "../../f2/..@example.org", to, 1);
    struct env e;
    memset(&e, 0, sizeof e);
    e.st = st;
    ASSERT(uv_loop_init(&e.loop) == 0);
    ASSERT(pt_mailer_new(&e.loop, st, NULL, &c, NULL, &e.m, &err) == 0);
    pass(&e);
    printf("pass 1: sent %d failed %d\n", e.c.sent, e.c.failed);
    ASSERT_EQ_INT(e.c.sent, 2);

    char path[PATH_MAX + 64];
    size_t len;
    snprintf(path, sizeof path, "%s/f1@example.org.eml", c.spool);
    char *got = slurp(path, &len);
    ASSERT(got);
    free(got);
    ASSERT_EQ_INT(count_files(c.spool, ".eml", "f1@example.org", to[0]), 1);
    ASSERT_EQ_INT(count_files(c.spool, ".eml", "../../f2/..@example.org", to[0]), 1);
    ASSERT_EQ_INT(count_files(c.spool, ".eml", NULL, NULL), 2);
    ASSERT_EQ_INT(count_files(c.spool, ".tmp", NULL, NULL), 0);
    ASSERT_EQ_INT(count_files(test_tmpdir(), ".eml", NULL, NULL), 0); /* nothing escaped */
    DIR *d = opendir(c.spool);
    struct dirent *de;
    while ((de = readdir(d)))
        if (de->d_name[0] != '.' || strlen(de->d_name) > 2)
            printf("spool: %s\n", de->d_name);
    closedir(d);

    /* written again (as after a crash before marking it sent) */
    ASSERT(sqlite3_exec(pt_store_db(st), "UPDATE outbox SET sent_at = NULL", NULL, NULL, NULL) ==
           SQLITE_OK);
    pass(&e);
    ASSERT_EQ_INT(e.c.sent, 2);
    ASSERT_EQ_INT(count_files(c.spool, ".eml", "f1@example.org", to[0]), 1);
    ASSERT_EQ_INT(count_files(c.spool, ".eml", NULL, NULL), 2);

    /* Marking it sent fails before the UPDATE runs (an authorizer refuses
     * the statement): no transaction is left open behind the mailer's
     * back, the row stays unsent, and the next pass marks it. */
    add(st, "f3@example.org", to, 1);
    sqlite3_set_authorizer(pt_store_db(st), deny_sent_at, NULL);
    pass(&e);
    sqlite3_set_authorizer(pt_store_db(st), NULL, NULL);
    ASSERT(sqlite3_get_autocommit(pt_store_db(st)));
    ASSERT_EQ_INT(q_int(st, "SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL"), 1);
    ASSERT_EQ_INT(e.c.pending, 1);
    pass(&e);
    ASSERT_EQ_INT(e.c.sent, 1);
    ASSERT_EQ_INT(q_int(st, "SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL"), 0);
    pt_mailer_close(e.m, on_mailer_closed, &e);
    uv_run(&e.loop, UV_RUN_DEFAULT);
    ASSERT_EQ_INT(e.closed, 1);
    ASSERT(uv_loop_close(&e.loop) == 0);
    ASSERT_EQ_INT(q_int(st, "SELECT COUNT(*) FROM outbox WHERE sent_at IS NOT NULL AND "
                            "attempts = 2"),
                  2);
    pt_store_close(st);
    return 0;
}

/* What pt_outbox_add refuses: no recipients, an address that could smuggle
 * a second SMTP argument, a Message-ID with a line break. */
TEST_IMPL(mailer_outbox_add_refuses)
{
    struct pt_store *st = store_new();
    struct pt_err err;
    const char *ok[] = {"env@example.com"}, *bad1[] = {"a@example.com> NOTIFY=NEVER"},
               *bad2[] = {"a@example.com\r\nRCPT TO:<x@example.com>"}, *bad3[] = {"no-at-sign"};
    ASSERT_EQ_INT(pt_outbox_add(st, "p", "b", ok, 0, "x\r\n", 3, "m1@x", &err), PT_EINVAL);
    ASSERT_EQ_INT(pt_outbox_add(st, "p", "b", bad1, 1, "x\r\n", 3, "m1@x", &err), PT_EINVAL);
    printf("%s\n", err.msg);
    ASSERT_EQ_INT(pt_outbox_add(st, "p", "b", bad2, 1, "x\r\n", 3, "m1@x", &err), PT_EINVAL);
    ASSERT_EQ_INT(pt_outbox_add(st, "p", "b", bad3, 1, "x\r\n", 3, "m1@x", &err), PT_EINVAL);
    ASSERT_EQ_INT(pt_outbox_add(st, "p", "b", ok, 1, "x\r\n", 3, "m1@x\r\nBcc: y", &err),
                  PT_EINVAL);
    ASSERT_EQ_INT(pt_outbox_add(st, "p", "b", ok, 1, "", 0, "m1@x", &err), PT_EINVAL);
    ASSERT_EQ_INT(q_int(st, "SELECT COUNT(*) FROM outbox"), 0);
    ASSERT_EQ_INT(pt_outbox_add(st, "p", "b", ok, 1, "x\r\n", 3, "m1@x", &err), 0);
    ASSERT_EQ_INT(pt_outbox_add(st, "p", "b", ok, 1, "y\r\n", 3, "m1@x", &err), 0);
    ASSERT_STR_CONTAINS(q_text(st, "SELECT recipients || ' ' || CAST(bytes AS TEXT) FROM outbox"),
                        "[\"env@example.com\"] x");
    ASSERT_EQ_INT(q_int(st, "SELECT COUNT(*) FROM outbox"), 1);
    pt_store_close(st);
    return 0;
}

/* A relay that accepts the connection and never says a word: closing the
 * mailer (or the HTTP client under it) cancels the send in flight, the
 * drain_once callback runs once with PT_ECANCELED, and the message stays
 * queued untouched (not an attempt: it goes again next time). Left alone,
 * the attempt times out after mail.timeout. */
struct cancel {
    struct env *e;
    uv_timer_t t;
    int how; /* 0: close the mailer, 1: close the HTTP client */
};

static void on_cancel_timer(uv_timer_t *t)
{
    struct cancel *k = t->data;
    if (k->how == 0)
        pt_mailer_close(k->e->m, on_mailer_closed, k->e);
    else
        pt_http_close(&k->e->http, on_http_closed);
    uv_close((uv_handle_t *)t, NULL);
}

TEST_IMPL(mailer_close_in_flight)
{
    struct pt_store *st = store_new();
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t alen = sizeof a;
    ASSERT(fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof a) == 0 && listen(fd, 8) == 0);
    ASSERT(getsockname(fd, (struct sockaddr *)&a, &alen) == 0);
    struct pt_mail_conf c;
    conf_smtp(&c, ntohs(a.sin_port), "smtp");
    c.timeout_s = 1;
    const char *to[] = {"env@example.com"};
    add(st, "silent@example.org", to, 1);
    struct pt_err err;

    for (int how = 0; how < 2; how++) {
        struct env e;
        struct cancel k = {&e, {0}, how};
        env_open(&e, st, &c);
        e.done = 0;
        ASSERT(pt_mailer_drain_once(e.m, on_pass, &e, &err) == 0);
        uv_timer_init(&e.loop, &k.t);
        k.t.data = &k;
        uv_timer_start(&k.t, on_cancel_timer, 200, 0);
        while (!e.done)
            uv_run(&e.loop, UV_RUN_ONCE);
        printf("%s closed mid-send: callback rc %s, sent %d failed %d pending %d\n",
               how ? "HTTP client" : "mailer", pt_errname(e.rc), e.c.sent, e.c.failed, e.c.pending);
        ASSERT_EQ_INT(e.rc, PT_ECANCELED);
        ASSERT_EQ_INT(e.c.sent + e.c.failed, 0);
        if (how == 0) {
            pt_http_close(&e.http, on_http_closed);
        } else {
            /* the client is gone: the mailer cannot start another send */
            ASSERT(pt_mailer_drain_once(e.m, on_pass, &e, &err) == 0);
            e.done = 0;
            while (!e.done)
                uv_run(&e.loop, UV_RUN_ONCE);
            ASSERT_EQ_INT(e.rc, PT_ECANCELED);
            pt_mailer_close(e.m, on_mailer_closed, &e);
        }
        uv_run(&e.loop, UV_RUN_DEFAULT);
        ASSERT_EQ_INT(e.closed, 1);
        ASSERT_EQ_INT(e.done, 1);
        ASSERT(uv_loop_close(&e.loop) == 0);
        ASSERT_EQ_INT(q_int(st, "SELECT attempts FROM outbox"), 0);
        ASSERT_EQ_INT(q_int(st, "SELECT sent_at IS NULL AND last_error IS NULL FROM outbox"), 1);
    }

    /* Left alone: a timeout after mail.timeout (1 s), as a failed attempt. */
    struct env e;
    env_open(&e, st, &c);
    pass(&e);
    env_close(&e);
    const char *why = q_text(st, "SELECT last_error FROM outbox");
    printf("silent relay: failed %d: %s\n", e.c.failed, why);
    ASSERT_EQ_INT(e.c.failed, 1);
    ASSERT_STR_CONTAINS(why, "curl error 28");
    close(fd);
    pt_store_close(st);
    return 0;
}
