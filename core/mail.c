/* The composer of mail.h: the templates loaded, rendered over the fields
 * of mail_fields.c and put into a message built by hand (curl_mime would
 * pick random boundaries and leave the Subject unencoded, and a retry must
 * send the very same bytes). RFC 5322 for the message, RFC 2045-2047 for
 * MIME, RFC 3834 for Auto-Submitted. */
#include "mail.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"

/* ---- Templates ---------------------------------------------------------- */

static int template_load(const char *path, const char *builtin, const char *builtin_name,
                         enum pt_tpl_mode mode, struct pt_template **out, struct pt_err *err)
{
    if (path && *path)
        return pt_template_load(path, mode, &pt_mail_schema, out, err);
    return pt_template_parse(builtin, strlen(builtin), builtin_name, mode, &pt_mail_schema, out,
                             err);
}

int pt_mail_templates_load(const struct pt_mail_conf *conf, struct pt_mail_templates *t,
                           struct pt_err *err)
{
    memset(t, 0, sizeof *t);
    int rc = template_load(conf ? conf->template_subject : NULL, pt_mail_default_subject,
                           "config/mail/subject.txt (built in)", PT_TPL_LINE, &t->subject, err);
    if (!rc)
        rc = template_load(conf ? conf->template_text : NULL, pt_mail_default_text,
                           "config/mail/text.txt (built in)", PT_TPL_PLAIN, &t->text, err);
    if (!rc)
        rc = template_load(conf ? conf->template_html : NULL, pt_mail_default_html,
                           "config/mail/html.html (built in)", PT_TPL_HTML, &t->html, err);
    if (rc)
        pt_mail_templates_free(t);
    return rc;
}

void pt_mail_templates_free(struct pt_mail_templates *t)
{
    if (!t)
        return;
    pt_template_free(t->subject);
    pt_template_free(t->text);
    pt_template_free(t->html);
    memset(t, 0, sizeof *t);
}

/* ---- Addresses, date, Message-ID ----------------------------------------- */

struct mail_addr {
    char name[PT_NAME_MAX]; /* display name, "" for none */
    char addr[256];         /* local@domain */
    const char *domain;     /* into addr */
};

/* RFC 5321 §4.5.3.1: an address of at most 254 octets, a local part of at
 * most 64. Plain ASCII dot-atoms only: nothing that could end the header,
 * add a recipient or hide in a quoted string. */
static void trim(char *s)
{
    size_t n = strlen(s), start = 0;
    while (start < n && (s[start] == ' ' || s[start] == '"'))
        start++;
    while (n > start && (s[n - 1] == ' ' || s[n - 1] == '"'))
        n--;
    memmove(s, s + start, n - start);
    s[n - start] = '\0';
}

/* "addr" or "Name <addr>" (mail.from, a bureau's e-mail: under 256 bytes):
 * the address as it is or refused, the name cleaned of control characters. */
static int parse_address(const char *in, struct mail_addr *a)
{
    char buf[sizeof a->addr];
    size_t n = strlen(in);
    if (n >= sizeof buf)
        return -1;
    memcpy(buf, in, n + 1);
    char *lt = strrchr(buf, '<');
    if (lt) {
        char *gt = strchr(lt, '>');
        if (!gt || gt[1 + strspn(gt + 1, " ")] != '\0')
            return -1;
        *gt = '\0';
        *lt = '\0';
    }
    char *addr = lt ? lt + 1 : buf;
    trim(addr);
    if (!pt_text_email_ok(addr))
        return -1;
    memcpy(a->addr, addr, strlen(addr) + 1);
    a->domain = strchr(a->addr, '@') + 1;
    a->name[0] = '\0';
    if (lt) {
        pt_text_clean(buf);
        trim(buf);
        memcpy(a->name, buf, strlen(buf) + 1); /* sizeof buf < sizeof a->name */
    }
    return 0;
}

int pt_mail_address_ok(const char *in)
{
    struct mail_addr a;
    return in && parse_address(in, &a) == 0;
}

static int leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
 * days_from_civil). */
static long days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    long era = (y >= 0 ? y : y - 399) / 400;
    long yoe = y - era * 400;
    long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* RFC 5322 §3.3 date-time, in UTC: "Sat, 28 Nov 2026 22:45:13 +0000". */
static int rfc5322_date(const char *iso, char *out, size_t cap)
{
    static const char *const wd[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char *const mon[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int y, m, d, hh, mm, ss, n = 0;
    if (strlen(iso) != 20 ||
        sscanf(iso, "%4d-%2d-%2dT%2d:%2d:%2dZ%n", &y, &m, &d, &hh, &mm, &ss, &n) != 6 || n != 20)
        return -1;
    if (y < 1900 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1] + (m == 2 && leap(y)) || hh > 23 ||
        mm > 59 || ss > 60 || hh < 0 || mm < 0 || ss < 0)
        return -1;
    long days = days_from_civil(y, m, d);
    snprintf(out, cap, "%s, %02d %s %04d %02d:%02d:%02d +0000", wd[((days % 7) + 11) % 7], d,
             mon[m - 1], y, hh, mm, ss);
    return 0;
}

/* FNV-1a, 64 bits; salt varies the bytes for a second, independent hash. */
static uint64_t fnv1a(uint64_t h, const void *p, size_t n, unsigned char salt)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)(b[i] ^ salt);
        h *= 0x100000001b3ULL;
    }
    return h;
}

/* splitmix64's finalizer: every input bit reaches every output bit. */
static uint64_t mix(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static int cmp_ll(const void *a, const void *b)
{
    long long x = *(const long long *)a, y = *(const long long *)b;
    return (x > y) - (x < y);
}

/* 128 bits of plan, bureau and the set of events (sorted, each once), so
 * that the same transitions give the same Message-ID and any other set a
 * different one. */
static int digest_hash(const struct pt_digest *d, uint64_t h[2])
{
    long long *ev = malloc((size_t)d->nevents * sizeof *ev);
    if (!ev)
        return -1;
    memcpy(ev, d->events, (size_t)d->nevents * sizeof *ev);
    qsort(ev, (size_t)d->nevents, sizeof *ev, cmp_ll);
    static const char tag[] = "plantrack message v1";
    for (int k = 0; k < 2; k++) {
        unsigned char salt = k ? 0xa5 : 0;
        uint64_t x = fnv1a(0xcbf29ce484222325ULL, tag, sizeof tag, salt);
        x = fnv1a(x, d->plan_id, strlen(d->plan_id) + 1, salt);
        x = fnv1a(x, d->bureau_id, strlen(d->bureau_id) + 1, salt);
        for (int i = 0; i < d->nevents; i++) {
            char num[32];
            if (i && ev[i] == ev[i - 1])
                continue;
            int n = snprintf(num, sizeof num, "%lld,", ev[i]);
            x = fnv1a(x, num, (size_t)n, salt);
        }
        h[k] = mix(x);
    }
    free(ev);
    return 0;
}

/* "plantrack.<bureau>.<32 hex>@<domain>": the bureau's id (a slug) for
 * people reading the outbox, the hash for uniqueness. */
static void message_id(const struct pt_digest *d, const uint64_t h[2], const char *domain,
                       char *out, size_t cap)
{
    char bureau[33];
    size_t n = 0;
    for (const char *p = d->bureau_id; *p && n < sizeof bureau - 1; p++)
        if ((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-' || *p == '_')
            bureau[n++] = *p;
    bureau[n] = '\0';
    snprintf(out, cap, "plantrack.%s%s%016llx%016llx@%s", bureau, n ? "." : "",
             (unsigned long long)h[0], (unsigned long long)h[1], domain);
}

/* ---- Encodings ---------------------------------------------------------- */

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* RFC 2045 §6.8 base64 of n bytes, no line breaks. */
static void put_base64(FILE *f, const unsigned char *s, size_t n)
{
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned)s[i] << 16;
        if (i + 1 < n)
            v |= (unsigned)s[i + 1] << 8;
        if (i + 2 < n)
            v |= s[i + 2];
        fputc(b64[(v >> 18) & 63], f);
        fputc(b64[(v >> 12) & 63], f);
        fputc(i + 1 < n ? b64[(v >> 6) & 63] : '=', f);
        fputc(i + 2 < n ? b64[v & 63] : '=', f);
    }
}

/* A body in base64, RFC 2045 §6.8: lines of 76 characters. */
static void put_base64_body(FILE *f, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i += 57) {
        put_base64(f, (const unsigned char *)s + i, n - i < 57 ? n - i : 57);
        fputs("\r\n", f);
    }
}

/* Bytes in the UTF-8 character that starts with lead byte c. */
static size_t utf8_len(unsigned char c)
{
    return c < 0xc0 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
}

/* How many bytes of s (n left) make whole characters within max bytes. */
static size_t whole_chars(const char *s, size_t n, size_t max)
{
    size_t i = 0;
    while (i < n) {
        size_t len = utf8_len((unsigned char)s[i]);
        if (len > n - i)
            len = n - i;
        if (i + len > max)
            break;
        i += len;
    }
    return i;
}

/* Writes s as RFC 2047 "B" encoded-words starting at column col and
 * returns the column after them. §2: an encoded-word is at most 75
 * characters and a line holding one at most 76; §5(3): each word holds
 * whole characters. Words are folded with CRLF SP, whitespace a decoder
 * drops between encoded-words (§6.2), so the text survives exactly. */
static int put_words(FILE *f, const char *s, int col)
{
    size_t n = strlen(s), i = 0;
    if (col > 76 - 20) { /* room for a word of one 4-byte character, at least */
        fputs("\r\n ", f);
        col = 1;
    }
    while (i < n) {
        if (i > 0) {
            fputs("\r\n ", f);
            col = 1;
        }
        int room = 76 - col > 75 ? 75 : 76 - col; /* ≥ 20 */
        size_t take = whole_chars(s + i, n - i, (size_t)(room - 12) / 4 * 3);
        if (take == 0) /* cannot happen: 6 bytes hold any character */
            take = 1;
        fputs("=?UTF-8?B?", f);
        put_base64(f, (const unsigned char *)s + i, take);
        fputs("?=", f);
        col += 12 + (int)((take + 2) / 3 * 4);
        i += take;
    }
    return col;
}

/* Plain ASCII that cannot be taken for an encoded-word and fits the line. */
static int header_plain(const char *s, int col)
{
    for (const char *p = s; *p; p++)
        if (*p < 0x20 || *p > 0x7e)
            return 0;
    return !strstr(s, "=?") && col + (int)strlen(s) <= 78;
}

static void put_subject(FILE *f, const char *subject)
{
    fputs("Subject:", f);
    if (*subject && header_plain(subject, 9))
        fprintf(f, " %s", subject);
    else if (*subject) {
        fputc(' ', f);
        put_words(f, subject, 9);
    }
    fputs("\r\n", f);
}

/* "To: =?UTF-8?B?…?= <addr>", the display name always encoded. */
static void put_address(FILE *f, const char *header, const struct mail_addr *a)
{
    int col = fprintf(f, "%s: ", header);
    if (!a->name[0]) {
        fprintf(f, "%s\r\n", a->addr);
        return;
    }
    col = put_words(f, a->name, col);
    if (col + 3 + (int)strlen(a->addr) > 76)
        fputs("\r\n", f);
    fprintf(f, " <%s>\r\n", a->addr);
}

/* Text with its line ends as CRLF, ending in one (RFC 2046 §4.1.1: the
 * canonical form of text). Caller frees. */
static char *crlf_text(const char *s, size_t n, size_t *out_len)
{
    char *out = malloc(2 * n + 3), *w = out;
    if (!out)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\r' && i + 1 < n && s[i + 1] == '\n')
            continue;
        if (s[i] == '\r' || s[i] == '\n') {
            *w++ = '\r';
            *w++ = '\n';
        } else
            *w++ = s[i];
    }
    if (w == out || w[-1] != '\n') {
        *w++ = '\r';
        *w++ = '\n';
    }
    *w = '\0';
    *out_len = (size_t)(w - out);
    return out;
}

/* ---- The message -------------------------------------------------------- */

struct mail_parts {
    char *subject, *text, *html;
    size_t nsubject, ntext, nhtml;
};

static void parts_free(struct mail_parts *p)
{
    free(p->subject);
    free(p->text);
    free(p->html);
}

static int render_parts(const struct pt_mail_templates *t, const struct pt_mail_root *root,
                        struct mail_parts *p, struct pt_err *err)
{
    char *s;
    size_t n;
    int rc = pt_template_render(t->subject, root, &p->subject, &p->nsubject, err);
    if (!rc && !(rc = pt_template_render(t->text, root, &s, &n, err))) {
        p->text = crlf_text(s, n, &p->ntext);
        free(s);
    }
    if (!rc && !(rc = pt_template_render(t->html, root, &s, &n, err))) {
        p->html = crlf_text(s, n, &p->nhtml);
        free(s);
    }
    if (!rc && (!p->text || !p->html))
        rc = pt_err_set(err, PT_ENOMEM, "composing a message: out of memory");
    return rc;
}

static void put_part(FILE *f, const char *boundary, const char *type, const char *s, size_t n)
{
    fprintf(f,
            "--%s\r\nContent-Type: %s; charset=UTF-8\r\n"
            "Content-Transfer-Encoding: base64\r\n\r\n",
            boundary, type);
    put_base64_body(f, s, n);
}

/* Every line ends in CRLF and holds at most 998 octets (RFC 5322 §2.1.1):
 * true by construction, checked so that a mistake fails here, not at a
 * server. */
static int lines_ok(const char *s, size_t n)
{
    size_t start = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\r' && (i + 1 >= n || s[i + 1] != '\n'))
            return 0;
        if (s[i] == '\n') {
            if (i == 0 || s[i - 1] != '\r' || i - 1 - start > 998)
                return 0;
            start = i + 1;
        }
    }
    return start == n;
}

struct mail_head {
    struct mail_addr from, to;
    char date[64];
    char id[PT_MAIL_ID_MAX];
    char boundary[64];
};

static int assemble(const struct mail_head *h, const struct mail_parts *p, char **bytes,
                    size_t *len, struct pt_err *err)
{
    FILE *f = open_memstream(bytes, len);
    if (!f)
        return pt_err_set(err, PT_ENOMEM, "composing a message: out of memory");
    fprintf(f, "Date: %s\r\n", h->date);
    put_address(f, "From", &h->from);
    put_address(f, "To", &h->to);
    put_subject(f, p->subject);
    fprintf(f, "Message-ID: <%s>\r\n", h->id);
    fputs("MIME-Version: 1.0\r\nAuto-Submitted: auto-generated\r\n", f);
    fprintf(f, "Content-Type: multipart/alternative;\r\n boundary=\"%s\"\r\n\r\n", h->boundary);
    put_part(f, h->boundary, "text/plain", p->text, p->ntext);
    put_part(f, h->boundary, "text/html", p->html, p->nhtml);
    fprintf(f, "--%s--\r\n", h->boundary);
    int bad = ferror(f);
    if (fclose(f) != 0 || bad) {
        free(*bytes);
        *bytes = NULL;
        return pt_err_set(err, PT_ENOMEM, "composing a message: out of memory");
    }
    if (!lines_ok(*bytes, *len)) {
        free(*bytes);
        *bytes = NULL;
        return pt_err_set(err, PT_ERANGE, "composing a message: a line breaks RFC 5322");
    }
    return 0;
}

/* s cleaned into buf, for an error message that goes to a log line. */
static const char *printable(const char *s, char *buf, size_t cap)
{
    snprintf(buf, cap, "%s", s);
    pt_text_clean(buf);
    return buf;
}

/* Everything but the bodies: addresses, date, Message-ID and boundary. */
static int make_head(const struct pt_digest *d, const char *from, const char *now_iso,
                     struct mail_head *h, struct pt_err *err)
{
    if (!d->items || d->nitems <= 0 || !d->events || d->nevents <= 0)
        return pt_err_set(err, PT_EINVAL,
                          "digest for bureau %s carries no %s: there is nothing to send",
                          d->bureau_id, d->nitems <= 0 || !d->items ? "items" : "events");
    if (parse_address(from, &h->from))
        return pt_err_set(err, PT_EINVAL, "mail.from \"%s\": not a usable e-mail address",
                          printable(from, h->id, sizeof h->id));
    if (parse_address(d->email, &h->to))
        return pt_err_set(err, PT_EINVAL, "bureau %s: e-mail address \"%s\" is not usable",
                          d->bureau_id, printable(d->email, h->id, sizeof h->id));
    snprintf(h->to.name, sizeof h->to.name, "%s", d->bureau_name_zh);
    pt_text_clean(h->to.name);
    trim(h->to.name);
    if (rfc5322_date(now_iso, h->date, sizeof h->date))
        return pt_err_set(err, PT_EINVAL, "time \"%s\" is not ISO 8601 UTC (2026-11-28T22:45:13Z)",
                          printable(now_iso, h->id, sizeof h->id));
    uint64_t hash[2];
    if (digest_hash(d, hash))
        return pt_err_set(err, PT_ENOMEM, "composing a message: out of memory");
    message_id(d, hash, h->from.domain, h->id, sizeof h->id);
    /* '_' is no base64 character, so no line of a body can hold it. */
    snprintf(h->boundary, sizeof h->boundary, "=_plantrack_%016llx",
             (unsigned long long)(hash[0] ^ mix(hash[1])));
    return 0;
}

int pt_mail_compose(const struct pt_digest *d, const struct pt_mail_templates *t, const char *from,
                    const char *now_iso, char **bytes, size_t *len, char *message_id_out,
                    size_t cap, struct pt_err *err)
{
    *bytes = NULL;
    *len = 0;
    if (!d || !t || !t->subject || !t->text || !t->html || !from || !now_iso || !message_id_out)
        return pt_err_set(err, PT_EINVAL, "pt_mail_compose: missing argument");
    struct mail_head *h = calloc(1, sizeof *h);
    if (!h)
        return pt_err_set(err, PT_ENOMEM, "composing a message: out of memory");
    struct mail_parts p = {0};
    struct pt_mail_root root = {d, now_iso};
    int rc = make_head(d, from, now_iso, h, err);
    if (!rc && strlen(h->id) >= cap)
        rc = pt_err_set(err, PT_ERANGE, "Message-ID longer than %zu bytes", cap);
    if (!rc)
        rc = render_parts(t, &root, &p, err);
    if (!rc)
        rc = assemble(h, &p, bytes, len, err);
    if (!rc)
        snprintf(message_id_out, cap, "%s", h->id);
    parts_free(&p);
    free(h);
    return rc;
}
