/* The outbox and its delivery. A message's final bytes enter the outbox in
 * the same transaction as the alert transitions that caused it
 * (pt_outbox_add); a mailer on the daemon's uv loop then sends what is due,
 * by SMTP through libcurl on the HTTP client's multi, or into a spool folder
 * as .eml files, with backoff, and gives up loudly after give_up_after.
 *
 * Delivery is at-least-once: a row is marked sent only after the send
 * succeeded, so a crash in between sends the same bytes (and Message-ID)
 * again. The mailer does not compose messages (mail.h does) and never
 * changes their bytes. */
#ifndef PT_MAILER_H
#define PT_MAILER_H

#include <stddef.h>
#include <uv.h>

#include "config.h"
#include "error.h"
#include "http.h"
#include "store.h"

/* Adds one message to the outbox, due now. Call it inside the caller's
 * write transaction (pt_store_begin), so that the message commits or rolls
 * back with what caused it. bytes are the message exactly as it must go on
 * the wire (CRLF line ends, headers included; the store keeps a copy);
 * recipients are bare addresses ("a@b.cn", no display name, no <>), at
 * least one. The same message_id again is a no-op returning 0: a digest
 * recomputed after a crash is not queued twice. */
int pt_outbox_add(struct pt_store *st, const char *plan_id, const char *bureau_id,
                  const char *const *recipients, int nrecipients, const char *bytes, size_t len,
                  const char *message_id, struct pt_err *err);

/* What one pass did. */
struct pt_mailer_counts {
    int sent;     /* delivered (SMTP) or written to the spool (file) */
    int failed;   /* attempted and failed; each has a retry scheduled */
    int given_up; /* failed past mail.give_up_after: given up (log, runs row) */
    int pending;  /* after the pass: neither sent nor given up (the failed
                     ones and any whose retry is not due yet) */
};

/* rc 0: the pass went through every due row. PT_ECANCELED: pt_mailer_close
 * or the HTTP client's close stopped it (the counts so far; the message in
 * flight stays unsent). Another PT_E…: the outbox could not be read (the
 * error was logged). */
typedef void (*pt_mailer_pass_cb)(void *data, int rc, const struct pt_mailer_counts *c);

struct pt_mailer;

/* A mailer for conf (copied; conf->transport "smtp" or "file") on loop.
 * http is the daemon's HTTP client, whose curl multi carries the SMTP
 * sessions; it may be NULL for the file transport and must outlive the
 * mailer. from is the envelope sender (MAIL FROM); NULL = conf->from;
 * either may be "Name <addr>", the address is taken from inside <>.
 *
 * Checked here, each a PT_ECONFIG naming the setting: smtp:// or smtps://
 * URL; insecure_loopback only with 127.0.0.1, ::1 or localhost; username and
 * password together; the password secret readable (pt_secret_read; it is
 * held in memory, never logged); the spool an existing writable folder.
 * On success *out is the mailer: release it with pt_mailer_close. No
 * network or spool I/O happens before the first pass. */
int pt_mailer_new(uv_loop_t *loop, struct pt_store *st, struct pt_http *http,
                  const struct pt_mail_conf *conf, const char *from, struct pt_mailer **out,
                  struct pt_err *err);

/* The checks of pt_mailer_new alone (settings, the password secret, the
 * spool folder), for --check-config: nothing is kept, nothing is sent. */
int pt_mailer_check(const struct pt_mail_conf *conf, const char *from, struct pt_err *err);

/* Keeps the outbox draining: a pass starts soon (on the loop, never inside
 * this call, or right after the pass running now), and after every pass a
 * uv timer is armed for the earliest retry due (re-checked at least once a
 * minute). Call it again after committing new messages. */
void pt_mailer_drain(struct pt_mailer *m);

/* One pass (for plantrackd --once): sends every due row once, then runs
 * cb(data, rc, counts) on the loop, later, exactly once. Arms no retry
 * timer of its own (unless pt_mailer_drain was called). PT_EBUSY when a
 * drain_once is already waiting for its callback; then cb does not run. */
int pt_mailer_drain_once(struct pt_mailer *m, pt_mailer_pass_cb cb, void *data, struct pt_err *err);

/* Stops the mailer: the send in flight is canceled (it stays unsent and
 * goes again next time: at-least-once), a pending drain_once callback runs
 * with PT_ECANCELED, then closed(data) (may be NULL) runs from the loop and
 * the mailer is freed. Close the mailer before the HTTP client. */
void pt_mailer_close(struct pt_mailer *m, void (*closed)(void *data), void *data);

#endif
