/* The message composer: renders a digest (digest.h) through the mail
 * templates into the final bytes of one e-mail to one bureau: RFC 5322
 * headers with an RFC 2047 Subject and display names, and a
 * multipart/alternative body with a text and an HTML part, both UTF-8 in
 * base64. It sends nothing (mailer.c does) and reads no store. The fields a
 * template may use are documented in config/mail/README.md. */
#ifndef PT_MAIL_H
#define PT_MAIL_H

#include <stddef.h>

#include "config.h"
#include "digest.h"
#include "error.h"
#include "template.h"

/* A Message-ID, without its angle brackets, and the NUL. */
#define PT_MAIL_ID_MAX 384

struct pt_mail_templates {
    struct pt_template *subject; /* one line (PT_TPL_LINE) */
    struct pt_template *text;    /* the text/plain part */
    struct pt_template *html;    /* the text/html part: every value HTML-escaped */
};

/* What mail templates render over: scope 0 of pt_mail_schema (the digest's
 * items are scope 1). */
struct pt_mail_root {
    const struct pt_digest *d;
    const char *now; /* ISO 8601 UTC, the fields now and date */
};

/* The fields of a digest that mail templates may name
 * (config/mail/README.md), for pt_template_parse. */
extern const struct pt_tpl_schema pt_mail_schema;

/* The built-in templates: config/mail/{subject.txt,text.txt,html.html},
 * compiled in so that an installed binary needs no source tree. */
extern const char pt_mail_default_subject[];
extern const char pt_mail_default_text[];
extern const char pt_mail_default_html[];

/* Loads the templates conf names (conf->template_subject, _text, _html; ""
 * or a NULL conf: the built-in one) into *t. A template that does not parse
 * fails the whole load with "file:line: what" in err and leaves *t empty.
 * Free with pt_mail_templates_free (also safe on a zeroed *t). */
int pt_mail_templates_load(const struct pt_mail_conf *conf, struct pt_mail_templates *t,
                           struct pt_err *err);
void pt_mail_templates_free(struct pt_mail_templates *t);

/* Whether in ("addr@domain" or "Name <addr@domain>") is an address the
 * composer accepts (mail.from; the checks of configuration use it). */
int pt_mail_address_ok(const char *in);

/* Composes the message of digest d to d->email, from `from` (mail.from:
 * "addr@domain" or "Name <addr@domain>"), dated now_iso (ISO 8601 UTC,
 * "2026-11-28T22:45:13Z"). On success *bytes (malloc'd, *len bytes, also
 * NUL-terminated; the caller frees) holds the message exactly as it goes on
 * the wire, and message_id (cap bytes; PT_MAIL_ID_MAX always suffice,
 * PT_ERANGE if it does not fit) its Message-ID without the angle brackets.
 * The Message-ID is a function of plan, bureau and the set of d->events;
 * the whole message of d, t, from and now_iso: the same inputs give the
 * same bytes. Fails with PT_EINVAL (naming the bureau) for a digest without
 * items or events, or an address or time that cannot be used; nothing is
 * allocated then. */
int pt_mail_compose(const struct pt_digest *d, const struct pt_mail_templates *t, const char *from,
                    const char *now_iso, char **bytes, size_t *len, char *message_id, size_t cap,
                    struct pt_err *err);

#endif
