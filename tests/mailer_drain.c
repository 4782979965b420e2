/* pt-mailer-drain: the mailer outside the daemon, for tests/cli/test_smtp*.sh.
 * Built only against ptcore-faults (tests/CMakeLists.txt), so that
 * PLANTRACK_FAULT=after_send can kill it between a send and its mark, as it
 * would plantrackd-faults. Not installed.
 *
 *   pt-mailer-drain STORE add MESSAGE-ID BUREAU FILE RCPT...
 *       queues FILE's bytes (in one transaction), like the alert job does
 *   pt-mailer-drain STORE drain URL|SPOOL [--user U --password-file F]
 *                   [--ca-file F] [--insecure-loopback]
 *       one pass of pt_mailer_drain_once, as plantrackd --once would run it;
 *       prints "sent N failed N given_up N pending N"; exits 0 when nothing
 *       failed, 1 when something did, 2 on a usage or setup error. A URL
 *       (smtp://, smtps://) uses the SMTP transport, anything else is a
 *       spool folder for the file transport. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mailer.h"

struct pass {
    int done, status;
};

static void on_pass(void *data, int rc, const struct pt_mailer_counts *c)
{
    struct pass *p = data;
    printf("sent %d failed %d given_up %d pending %d\n", c->sent, c->failed, c->given_up,
           c->pending);
    fflush(stdout);
    p->done = 1;
    p->status = rc ? 2 : (c->failed || c->given_up) ? 1 : 0;
}

static void on_http_closed(struct pt_http *h)
{
    (void)h;
}

static int add(struct pt_store *st, int argc, char **argv)
{
    struct pt_err err;
    if (argc < 7) {
        fprintf(stderr, "usage: pt-mailer-drain STORE add MESSAGE-ID BUREAU FILE RCPT...\n");
        return 2;
    }
    FILE *f = fopen(argv[5], "rb");
    if (!f) {
        perror(argv[5]);
        return 2;
    }
    static char buf[1 << 20];
    size_t len = fread(buf, 1, sizeof buf, f);
    fclose(f);
    if (pt_store_begin(st, &err) ||
        pt_outbox_add(st, "plan-test", argv[4], (const char *const *)argv + 6, argc - 6, buf, len,
                      argv[3], &err) ||
        pt_store_commit(st, &err)) {
        fprintf(stderr, "pt-mailer-drain: %s\n", err.msg);
        return 2;
    }
    return 0;
}

int main(int argc, char **argv)
{
    struct pt_err err;
    struct pt_store *st;
    if (argc < 4 || (strcmp(argv[2], "add") && strcmp(argv[2], "drain"))) {
        fprintf(stderr, "usage: pt-mailer-drain STORE add|drain ...\n");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    pt_log_set_progname("pt-mailer-drain");
    if (pt_store_open(argv[1], PT_STORE_CREATE, &st, &err)) {
        fprintf(stderr, "pt-mailer-drain: %s\n", err.msg);
        return 2;
    }
    if (!strcmp(argv[2], "add")) {
        int rc = add(st, argc, argv);
        pt_store_close(st);
        return rc;
    }
    struct pt_mail_conf c;
    memset(&c, 0, sizeof c);
    int smtp = !strncmp(argv[3], "smtp://", 7) || !strncmp(argv[3], "smtps://", 8);
    snprintf(c.transport, sizeof c.transport, "%s", smtp ? "smtp" : "file");
    snprintf(smtp ? c.url : c.spool, smtp ? sizeof c.url : sizeof c.spool, "%s", argv[3]);
    snprintf(c.from, sizeof c.from, "Plantrack <alerts@example.org>");
    c.timeout_s = 10;
    c.retry_base_s = 1;
    c.retry_max_s = 1;
    c.give_up_after_s = 3600;
    for (int i = 4; i < argc; i++) {
        if (!strcmp(argv[i], "--user") && i + 1 < argc)
            snprintf(c.username, sizeof c.username, "%s", argv[++i]);
        else if (!strcmp(argv[i], "--password-file") && i + 1 < argc)
            snprintf(c.password.file, sizeof c.password.file, "%s", argv[++i]);
        else if (!strcmp(argv[i], "--ca-file") && i + 1 < argc)
            snprintf(c.ca_file, sizeof c.ca_file, "%s", argv[++i]);
        else if (!strcmp(argv[i], "--insecure-loopback"))
            c.insecure_loopback = 1;
        else {
            fprintf(stderr, "pt-mailer-drain: unknown option %s\n", argv[i]);
            pt_store_close(st);
            return 2;
        }
    }
    uv_loop_t loop;
    struct pt_http http;
    struct pt_mailer *m = NULL;
    struct pass p = {0, 2};
    uv_loop_init(&loop);
    int http_ok = pt_http_init(&http, &loop, NULL, &err) == 0;
    if (!http_ok || pt_mailer_new(&loop, st, &http, &c, NULL, &m, &err) ||
        pt_mailer_drain_once(m, on_pass, &p, &err))
        fprintf(stderr, "pt-mailer-drain: %s\n", err.msg);
    else
        while (!p.done)
            uv_run(&loop, UV_RUN_ONCE);
    if (m)
        pt_mailer_close(m, NULL, NULL);
    if (http_ok)
        pt_http_close(&http, on_http_closed);
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_loop_close(&loop);
    pt_store_close(st);
    return p.status;
}
