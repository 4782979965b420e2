/* The message composer and its template language: RFC 2047 subjects split
 * on character boundaries, hostile data that must neither add a header nor
 * reach the HTML unescaped, line lengths, byte-identical output and a
 * Message-ID that follows the set of events, template errors that name the
 * file and line. The messages are taken apart here by hand; the test
 * cli.mail_mime parses the ones mail_eml writes with Python's email package. */
#include "mail.h"
#include "template.h"
#include "test.h"
#include "text.h"

#include <stdint.h>
#include <strings.h>

#define NOW "2025-07-15T18:30:00Z"
#define FROM "plantrack@example.org"
#define PLAN_ZH "石家庄市国民经济和社会发展第十四个五年规划和二〇三五年远景目标纲要"
#define PLAN_EN                                                                                    \
    "Outline of the 14th Five-Year Plan for the National Economic and Social Development of "      \
    "Shijiazhuang and the Long-Range Objectives Through the Year 2035"

/* ---- Fixtures ----------------------------------------------------------- */

static struct pt_digest_item item(int notice, int kind, int no, const char *id, const char *zh,
                                  const char *en, const char *unit, int binding, int province,
                                  double target)
{
    struct pt_digest_item it;
    memset(&it, 0, sizeof it);
    it.notice = notice;
    it.kind = kind;
    it.alert_id = no;
    it.no = no;
    snprintf(it.indicator_id, sizeof it.indicator_id, "%s", id);
    snprintf(it.name_zh, sizeof it.name_zh, "%s", zh);
    snprintf(it.name_en, sizeof it.name_en, "%s", en);
    snprintf(it.unit, sizeof it.unit, "%s", unit);
    snprintf(it.qualifier, sizeof it.qualifier, "exactly");
    snprintf(it.since, sizeof it.since, NOW);
    it.binding = binding;
    it.province_assigned = province;
    it.target = target;
    it.target_year = 2025;
    it.eval.year = 2025;
    it.eval.on_path = -1;
    it.eval.projection_reaches = -1;
    return it;
}

static void set_actual(struct pt_digest_item *it, int year, const char *as_of, double value,
                       double compared_with)
{
    struct pt_eval *e = &it->eval;
    e->has_actual = e->has_measure = e->has_compared_with = e->has_gap = 1;
    e->actual.year = year;
    e->actual.provisional = as_of != NULL;
    snprintf(e->actual.as_of, sizeof e->actual.as_of, "%s", as_of ? as_of : "");
    e->actual.value = e->measure = value;
    e->compared_with = compared_with;
    e->gap = value - compared_with;
    e->on_path = 0;
}

static void set_outlook(struct pt_digest_item *it, double expected, double projection,
                        int has_required, double required, enum pt_verdict v, const char *why)
{
    struct pt_eval *e = &it->eval;
    e->has_expected = 1;
    e->expected = expected;
    e->has_projection = 1;
    e->projection = projection;
    e->has_required = has_required;
    e->required = required;
    e->verdict = v;
    snprintf(e->reason, sizeof e->reason, "%s", why);
}

static struct pt_digest_item ecology_items[3];
static long long ecology_events[] = {101, 102, 105};

/* The ecology bureau's digest: three binding indicators, one of each notice,
 * a provisional and two finals, with the numbers the message must show. */
static void ecology_digest(struct pt_digest *d)
{
    memset(d, 0, sizeof *d);
    snprintf(d->plan_id, sizeof d->plan_id, "shijiazhuang-2021-2025");
    snprintf(d->plan_name_zh, sizeof d->plan_name_zh, PLAN_ZH);
    snprintf(d->plan_name_en, sizeof d->plan_name_en, PLAN_EN);
    snprintf(d->bureau_id, sizeof d->bureau_id, "ecology");
    snprintf(d->bureau_name_zh, sizeof d->bureau_name_zh, "石家庄市生态环境局");
    snprintf(d->bureau_name_en, sizeof d->bureau_name_en,
             "Shijiazhuang Municipal Ecology and Environment Bureau");
    snprintf(d->email, sizeof d->email, "ecology@example.org");

    struct pt_digest_item *a = &ecology_items[0];
    *a = item(PT_NOTICE_FIRING, PT_ALERT_BEHIND_PATH, 17, "good-air-days-ratio",
              "地级城市空气质量优良天数比率",
              "Share of days with good or excellent air quality (prefecture-level city)", "%", 1, 1,
              64);
    set_actual(a, 2025, "2025-06-30", 58.25, 61.3);
    set_outlook(a, 64, 64.6, 0, 0, PT_AT_RISK,
                "behind the path; the projection reaches the target");
    snprintf(a->source, sizeof a->source, "ecology-daily");
    a->run_id = 42;
    snprintf(a->provenance, sizeof a->provenance, "{\"stations\":7,\"valid_days\":181}");

    struct pt_digest_item *b = &ecology_items[1];
    *b = item(PT_NOTICE_REMINDER, PT_ALERT_PROJECTION_MISSES_TARGET, 18, "pm25-concentration",
              "地级城市细颗粒物(PM2.5)浓度降低",
              "Fine particulate matter (PM2.5) concentration (prefecture-level city), reduction",
              "µg/m³", 1, 0, 49);
    set_actual(b, 2024, NULL, 52.5, 51.25);
    set_outlook(b, 49, 50.7, 1, -3.5, PT_OFF_TRACK,
                "behind the path; the projection misses the target");
    b->eval.on_path = 0;
    b->eval.projection_reaches = 0;
    snprintf(b->source, sizeof b->source, "ecology-annual");
    b->run_id = 17;
    snprintf(b->since, sizeof b->since, "2025-07-01T18:30:00Z");

    struct pt_digest_item *c = &ecology_items[2];
    *c = item(PT_NOTICE_RESOLVED, PT_ALERT_BEHIND_PATH, 20, "surface-water-class-iii-share",
              "地表水达到或好于Ⅲ类水体比例", "Share of surface water at or better than Class III",
              "%", 1, 1, 55.5);
    set_actual(c, 2024, NULL, 56, 54.9);
    set_outlook(c, 55.5, 57.333333, 1, -0.5, PT_ON_TRACK,
                "on the path; the projection reaches the target");
    c->eval.on_path = 1;
    snprintf(c->source, sizeof c->source, "manual");

    d->items = ecology_items;
    d->nitems = 3;
    d->events = ecology_events;
    d->nevents = 3;
}

#define ECOLOGY_SUBJECT                                                                                       \
    "[plantrack] " PLAN_ZH " — 1 项新预警、1 项提醒、1 项已解除 / 1 new alert, 1 reminder, 1 " \
    "resolved"

static struct pt_digest_item stats_items[1];
static long long stats_events[] = {7};

/* The statistics bureau's: an expected indicator whose release is overdue,
 * with no actual at all. */
static void stats_digest(struct pt_digest *d)
{
    memset(d, 0, sizeof *d);
    snprintf(d->plan_id, sizeof d->plan_id, "shijiazhuang-2021-2025");
    snprintf(d->plan_name_zh, sizeof d->plan_name_zh, PLAN_ZH);
    snprintf(d->plan_name_en, sizeof d->plan_name_en, PLAN_EN);
    snprintf(d->bureau_id, sizeof d->bureau_id, "stats");
    snprintf(d->bureau_name_zh, sizeof d->bureau_name_zh, "石家庄市统计局");
    snprintf(d->bureau_name_en, sizeof d->bureau_name_en,
             "Shijiazhuang Municipal Bureau of Statistics");
    snprintf(d->email, sizeof d->email, "stats@example.org");
    stats_items[0] = item(PT_NOTICE_FIRING, PT_ALERT_OVERDUE, 1, "gdp-growth", "地区生产总值增长",
                          "GDP growth", "%", 0, 0, 6);
    snprintf(stats_items[0].qualifier, sizeof stats_items[0].qualifier, "at_least");
    snprintf(stats_items[0].overdue_since, sizeof stats_items[0].overdue_since, "2025-04-20");
    snprintf(stats_items[0].eval.reason, sizeof stats_items[0].eval.reason, "no actual up to 2025");
    d->items = stats_items;
    d->nitems = 1;
    d->events = stats_events;
    d->nevents = 1;
}

static struct pt_digest_item hostile_items[1];
static long long hostile_events[] = {9};

/* Data that tries to add headers and script: CR/LF in the names that reach
 * the Subject and the To display name, markup in the indicator's name. */
static void hostile_digest(struct pt_digest *d)
{
    ecology_digest(d);
    snprintf(d->plan_name_zh, sizeof d->plan_name_zh, "规划\r\nBcc: y@example.com");
    snprintf(d->bureau_name_zh, sizeof d->bureau_name_zh, "生态环境局\r\nBcc: z@example.com\r\n");
    hostile_items[0] = ecology_items[0];
    snprintf(hostile_items[0].name_zh, sizeof hostile_items[0].name_zh,
             "PM2.5\r\nBcc: x@example.com");
    snprintf(hostile_items[0].name_en, sizeof hostile_items[0].name_en,
             "<script>alert(1)</script>");
    snprintf(hostile_items[0].source, sizeof hostile_items[0].source, "feed\" onmouseover=\"x");
    snprintf(hostile_items[0].provenance, sizeof hostile_items[0].provenance,
             "{\"note\":\"<b>&'\\u0000\",\"nl\":\"a\nb\"}\x1b[31m\x7f\xc2\x85");
    d->items = hostile_items;
    d->nitems = 1;
    d->events = hostile_events;
    d->nevents = 1;
}

/* ---- Taking a message apart -------------------------------------------- */

struct view {
    char *head;    /* the header block, unfolded, lines ending in "\n" */
    char *subject; /* decoded */
    char *to;      /* decoded */
    char *text, *html;
    char text_type[128], html_type[128];
};

static int b64_value(int c)
{
    const char *a = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const char *p = c ? strchr(a, c) : NULL;
    return p ? (int)(p - a) : -1;
}

/* Base64 of s[0, n) (line breaks skipped) into a NUL-terminated string. */
static char *b64_decode(const char *s, size_t n)
{
    char *out = malloc(n + 1), *w = out;
    unsigned v = 0;
    int bits = 0;
    ASSERT(out);
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\r' || s[i] == '\n' || s[i] == '=')
            continue;
        int x = b64_value((unsigned char)s[i]);
        ASSERT(x >= 0);
        v = (v << 6) | (unsigned)x;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            *w++ = (char)((v >> bits) & 0xff);
        }
    }
    *w = '\0';
    return out;
}

/* RFC 2047 decoding as a reader does it: "B" words in UTF-8, the blanks
 * between two encoded-words dropped. Each word must hold whole characters
 * and be at most 75 characters long. */
static char *decode_words(const char *s)
{
    char *out = calloc(1, strlen(s) + 1);
    size_t len = 0, word_end = 0; /* len just after the last encoded-word */
    int after_word = 0;
    ASSERT(out);
    while (*s) {
        if (strncmp(s, "=?UTF-8?B?", 10) == 0) {
            const char *end = strstr(s + 10, "?=");
            ASSERT(end);
            ASSERT(end + 2 - s <= 75);
            if (after_word) /* only blanks since the last word: they go */
                len = word_end;
            char *w = b64_decode(s + 10, (size_t)(end - s - 10));
            ASSERT_EQ_INT(pt_text_utf8_valid(w, strlen(w)), strlen(w));
            memcpy(out + len, w, strlen(w));
            len += strlen(w);
            word_end = len;
            free(w);
            s = end + 2;
            after_word = 1;
        } else {
            if (*s != ' ')
                after_word = 0;
            out[len++] = *s++;
        }
    }
    out[len] = '\0';
    return out;
}

/* The value of header name in an unfolded header block, or NULL. */
static char *header(const char *head, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = head; *p; p = strchr(p, '\n') + 1) {
        if (strncasecmp(p, name, n) == 0 && p[n] == ':') {
            const char *v = p + n + 1 + (p[n + 1] == ' ');
            const char *e = strchr(v, '\n');
            char *out = malloc((size_t)(e - v) + 1);
            memcpy(out, v, (size_t)(e - v));
            out[e - v] = '\0';
            return out;
        }
    }
    return NULL;
}

/* The body of the part of boundary whose Content-Type starts with type. */
static char *part(const char *body, const char *boundary, const char *type, char *ctype, size_t cap)
{
    char delim[128];
    snprintf(delim, sizeof delim, "--%s\r\n", boundary);
    for (const char *p = strstr(body, delim); p; p = strstr(p + 1, delim)) {
        const char *h = p + strlen(delim), *blank = strstr(h, "\r\n\r\n");
        ASSERT(blank);
        if (strncmp(h, "Content-Type: ", 14) || strncmp(h + 14, type, strlen(type)))
            continue;
        snprintf(ctype, cap, "%.*s", (int)(strchr(h, '\r') - h - 14), h + 14);
        ASSERT_STR_CONTAINS(h, "Content-Transfer-Encoding: base64\r\n");
        const char *end = strstr(blank + 4, "\r\n--");
        ASSERT(end);
        return b64_decode(blank + 4, (size_t)(end - blank - 4));
    }
    fprintf(stderr, "no %s part\n", type);
    exit(1);
}

/* Every line ends in CRLF and holds at most 998 octets (RFC 5322 §2.1.1);
 * header lines with encoded-words at most 76 (RFC 2047 §2). */
static void check_lines(const char *m, size_t len)
{
    size_t start = 0;
    int in_head = 1;
    ASSERT(len >= 2 && m[len - 2] == '\r' && m[len - 1] == '\n');
    for (size_t i = 0; i < len; i++) {
        ASSERT(m[i] != '\0');
        if (m[i] == '\r')
            ASSERT(i + 1 < len && m[i + 1] == '\n');
        if (m[i] != '\n')
            continue;
        ASSERT(i > 0 && m[i - 1] == '\r');
        size_t n = i - 1 - start;
        ASSERT(n <= 998);
        for (size_t k = start; in_head && k + 1 < i; k++)
            if (m[k] == '=' && m[k + 1] == '?')
                ASSERT(n <= 76);
        if (n == 0)
            in_head = 0;
        start = i + 1;
    }
}

static void view_message(const char *m, size_t len, struct view *v)
{
    memset(v, 0, sizeof *v);
    check_lines(m, len);
    const char *end = strstr(m, "\r\n\r\n");
    ASSERT(end);
    v->head = malloc((size_t)(end - m) + 2);
    size_t n = 0;
    for (const char *p = m; p < end + 2; p++) {
        if (p[0] == '\r' && p[1] == '\n' && (p[2] == ' ' || p[2] == '\t') && p + 2 < end + 2) {
            p++; /* unfold: CRLF goes, the blank stays */
            continue;
        }
        if (*p != '\r')
            v->head[n++] = *p;
    }
    v->head[n] = '\0';
    char *raw = header(v->head, "Subject"), *to = header(v->head, "To");
    ASSERT(raw && to);
    v->subject = decode_words(raw);
    v->to = decode_words(to);
    free(raw);
    free(to);
    char *ct = header(v->head, "Content-Type"), boundary[100];
    ASSERT(ct && sscanf(ct, "multipart/alternative; boundary=\"%99[^\"]\"", boundary) == 1);
    free(ct);
    v->text = part(end, boundary, "text/plain", v->text_type, sizeof v->text_type);
    v->html = part(end, boundary, "text/html", v->html_type, sizeof v->html_type);
    ASSERT(!strcmp(v->text_type, "text/plain; charset=UTF-8"));
    ASSERT(!strcmp(v->html_type, "text/html; charset=UTF-8"));
}

static void view_free(struct view *v)
{
    free(v->head);
    free(v->subject);
    free(v->to);
    free(v->text);
    free(v->html);
}

/* The header names, in order, as one string "Date,From,…". */
static void header_names(const char *head, char *out, size_t cap)
{
    size_t len = 0;
    out[0] = '\0';
    for (const char *p = head; *p; p = strchr(p, '\n') + 1) {
        const char *colon = strchr(p, ':'), *nl = strchr(p, '\n');
        ASSERT(colon && colon < nl); /* no line without a name: nothing was injected */
        len +=
            (size_t)snprintf(out + len, cap - len, "%s%.*s", len ? "," : "", (int)(colon - p), p);
    }
}

#define HEADERS "Date,From,To,Subject,Message-ID,MIME-Version,Auto-Submitted,Content-Type"

static char *compose(const struct pt_digest *d, const struct pt_mail_templates *t, const char *now,
                     size_t *len, char *id)
{
    char *bytes;
    struct pt_err err = {0};
    int rc = pt_mail_compose(d, t, FROM, now, &bytes, len, id, PT_MAIL_ID_MAX, &err);
    if (rc) {
        fprintf(stderr, "pt_mail_compose: %s\n", err.msg);
        exit(1);
    }
    return bytes;
}

/* The default templates with the subject replaced by src. */
static void templates_with_subject(struct pt_mail_templates *t, const char *src)
{
    struct pt_err err = {0};
    ASSERT_EQ_INT(pt_mail_templates_load(NULL, t, &err), 0);
    pt_template_free(t->subject);
    int rc = pt_template_parse(src, strlen(src), "subject", PT_TPL_LINE, &pt_mail_schema,
                               &t->subject, &err);
    if (rc) {
        fprintf(stderr, "%s\n", err.msg);
        exit(1);
    }
}

/* ---- RFC 2047 ------------------------------------------------------------ */

static void subject_roundtrip(const char *tpl, const char *expect, int encoded)
{
    struct pt_mail_templates t;
    struct pt_digest d;
    struct view v;
    char id[PT_MAIL_ID_MAX];
    size_t len;
    templates_with_subject(&t, tpl);
    ecology_digest(&d);
    char *m = compose(&d, &t, NOW, &len, id);
    view_message(m, len, &v);
    if (strcmp(v.subject, expect) != 0) {
        fprintf(stderr, "subject decodes to\n  %s\nnot\n  %s\n", v.subject, expect);
        exit(1);
    }
    char *raw = header(v.head, "Subject");
    ASSERT(encoded == (strstr(raw, "=?UTF-8?B?") != NULL));
    printf("Subject (%zu bytes of text): %.*s%s\n", strlen(expect), 70, raw,
           strlen(raw) > 70 ? "…" : "");
    free(raw);
    view_free(&v);
    free(m);
    pt_mail_templates_free(&t);
}

TEST_IMPL(mail_rfc2047)
{
    /* The default subject: a long Chinese plan name, 3-byte characters. */
    subject_roundtrip(pt_mail_default_subject, ECOLOGY_SUBJECT, 1);
    /* Pure ASCII that fits stays as it is. */
    subject_roundtrip("[plantrack] {{count}} alerts for {{bureau_id}}",
                      "[plantrack] 3 alerts for ecology", 0);
    /* Long ASCII, and ASCII that looks like an encoded-word, are encoded. */
    subject_roundtrip("{{plan_en}}", PLAN_EN, 1);
    subject_roundtrip("=?UTF-8?B?QQ==?= {{bureau_id}}", "=?UTF-8?B?QQ==?= ecology", 1);
    /* 1, 2, 3 and 4-byte characters mixed: no word splits one. */
    subject_roundtrip("aé中😀aé中😀aé中😀aé中😀aé中😀aé中😀aé中😀aé中😀aé中😀aé中😀",
                      "aé中😀aé中😀aé中😀aé中😀aé中😀aé中😀aé中😀aé中😀aé中😀aé中😀", 1);
    /* Every offset of a 4-byte character against the 45-byte word. */
    char tpl[256] = "", expect[256] = "";
    for (int shift = 0; shift < 4; shift++) {
        snprintf(tpl, sizeof tpl, "%.*s😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀", shift, "xyz");
        snprintf(expect, sizeof expect, "%s", tpl);
        subject_roundtrip(tpl, expect, 1);
    }
    /* Line breaks in the template become spaces; blanks at the ends go. */
    subject_roundtrip("\n  {{bureau_id}}\n\tdigest  \n", "ecology  digest", 0);
    return 0;
}

/* ---- Hostile data --------------------------------------------------------- */

TEST_IMPL(mail_header_injection)
{
    struct pt_mail_templates t;
    struct pt_digest d;
    struct view v;
    struct pt_err err = {0};
    char id[PT_MAIL_ID_MAX], names[512];
    size_t len;
    /* The names reach the Subject too. */
    templates_with_subject(&t, "{{plan_zh}} {{#items}}{{name_zh}} {{name_en}}{{/items}}");
    hostile_digest(&d);
    char *m = compose(&d, &t, NOW, &len, id);
    view_message(m, len, &v);
    header_names(v.head, names, sizeof names);
    printf("headers: %s\n", names);
    ASSERT(!strcmp(names, HEADERS));
    printf("subject: %s\nto: %s\n", v.subject, v.to);
    ASSERT(!strcmp(v.subject, "规划 Bcc: y@example.com PM2.5 Bcc: x@example.com "
                              "<script>alert(1)</script>"));
    ASSERT(!strcmp(v.to, "生态环境局 Bcc: z@example.com <ecology@example.org>"));
    /* HTML: markup from data arrives as text. */
    ASSERT(!strstr(v.html, "<script>"));
    ASSERT(!strstr(v.html, "<b>"));
    ASSERT_STR_CONTAINS(v.html, "&lt;script&gt;alert(1)&lt;/script&gt;");
    ASSERT_STR_CONTAINS(v.html, "feed&quot; onmouseover=&quot;x");
    ASSERT_STR_CONTAINS(v.html, "&lt;b&gt;&amp;&#39;");
    /* Text: the name stays on its line; no control character survives. */
    ASSERT_STR_CONTAINS(v.text, "PM2.5 Bcc: x@example.com");
    ASSERT(!strstr(v.text, "\nBcc"));
    for (const unsigned char *p = (const unsigned char *)v.text; *p; p++)
        ASSERT(*p >= 0x20 || *p == '\r' || *p == '\n');
    ASSERT(!strstr(v.text, "\x1b") && !strstr(v.text, "\xc2\x85"));
    view_free(&v);
    free(m);

    /* An address with a line break or a second recipient is refused. */
    char *bytes = NULL;
    snprintf(d.email, sizeof d.email, "ecology@example.org>\r\nBcc: x@example.com");
    ASSERT_EQ_INT(pt_mail_compose(&d, &t, FROM, NOW, &bytes, &len, id, sizeof id, &err), PT_EINVAL);
    printf("refused: %s\n", err.msg);
    ASSERT_STR_CONTAINS(err.msg, "bureau ecology");
    ASSERT(!strpbrk(err.msg, "\r\n")); /* the message goes to a log line */
    ASSERT(bytes == NULL);
    static const char *const bad[] = {"a@example.org, b@example.com",
                                      "x\r\nBcc: y.example.com@example.org",
                                      "a b@example.org",
                                      "a\x01@example.org",
                                      "\"a\"@example.org",
                                      "a@example.org\r\n",
                                      "a@exa mple.org",
                                      "@example.org",
                                      "a@",
                                      "a@.example.org",
                                      "石@example.org"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        snprintf(d.email, sizeof d.email, "%s", bad[i]);
        ASSERT_EQ_INT(pt_mail_compose(&d, &t, FROM, NOW, &bytes, &len, id, sizeof id, &err),
                      PT_EINVAL);
    }
    snprintf(d.email, sizeof d.email, "ecology@example.org");
    ASSERT_EQ_INT(pt_mail_compose(&d, &t, "x@example.org\r\nBcc: y@example.com", NOW, &bytes, &len,
                                  id, sizeof id, &err),
                  PT_EINVAL);
    printf("refused: %s\n", err.msg);
    ASSERT_EQ_INT(
        pt_mail_compose(&d, &t, FROM, "2025-07-15 18:30", &bytes, &len, id, sizeof id, &err),
        PT_EINVAL);
    printf("refused: %s\n", err.msg);
    pt_mail_templates_free(&t);
    return 0;
}

/* ---- Lines, determinism, Message-ID ----------------------------------------- */

TEST_IMPL(mail_line_lengths)
{
    struct pt_mail_templates t;
    struct pt_digest d;
    struct view v;
    char id[PT_MAIL_ID_MAX];
    size_t len;
    /* One line of text far beyond 998 octets: a subject and a text body of
     * the longest values, and a bureau name that needs several words. */
    templates_with_subject(&t, "{{plan_zh}}{{bureau_zh}}{{#items}}{{provenance}}{{/items}}");
    ecology_digest(&d);
    memset(d.items[0].provenance, 'p', sizeof d.items[0].provenance - 1);
    d.items[0].provenance[sizeof d.items[0].provenance - 1] = '\0';
    for (size_t i = 0; i + 3 < sizeof d.bureau_name_zh; i += 3)
        memcpy(d.bureau_name_zh + i, "局", 3);
    char *m = compose(&d, &t, NOW, &len, id);
    view_message(m, len, &v); /* asserts CRLF and ≤ 998 (76 for encoded-words) */
    ASSERT(strlen(v.subject) > 998);
    ASSERT_STR_CONTAINS(v.text, d.items[0].provenance);
    size_t longest = 0, start = 0;
    for (size_t i = 0; i < len; i++)
        if (m[i] == '\n') {
            longest = i - start - 1 > longest ? i - start - 1 : longest;
            start = i + 1;
        }
    printf("%zu bytes, longest line %zu octets, subject %zu bytes of text\n", len, longest,
           strlen(v.subject));
    ASSERT(longest <= 78);
    view_free(&v);
    free(m);
    pt_mail_templates_free(&t);
    return 0;
}

TEST_IMPL(mail_deterministic)
{
    struct pt_mail_templates t;
    struct pt_digest d;
    struct pt_err err = {0};
    char id1[PT_MAIL_ID_MAX], id2[PT_MAIL_ID_MAX];
    size_t n1, n2;
    ASSERT_EQ_INT(pt_mail_templates_load(NULL, &t, &err), 0);
    ecology_digest(&d);
    char *a = compose(&d, &t, NOW, &n1, id1), *b = compose(&d, &t, NOW, &n2, id2);
    ASSERT(n1 == n2 && memcmp(a, b, n1) == 0);
    ASSERT(!strcmp(id1, id2));
    printf("Message-ID: <%s>\n", id1);
    ASSERT(strncmp(id1, "plantrack.ecology.", 18) == 0);
    ASSERT(strlen(id1) > 21 && !strcmp(id1 + strlen(id1) - 12, "@example.org"));
    char line[PT_MAIL_ID_MAX + 20];
    snprintf(line, sizeof line, "\r\nMessage-ID: <%s>\r\n", id1);
    ASSERT(strstr(a, line));
    ASSERT(strncmp(a, "Date: Tue, 15 Jul 2025 18:30:00 +0000\r\n", 39) == 0);
    free(b);

    /* Another time: another Date, the same Message-ID. */
    b = compose(&d, &t, "2024-02-29T00:00:00Z", &n2, id2);
    ASSERT(strncmp(b, "Date: Thu, 29 Feb 2024 00:00:00 +0000\r\n", 39) == 0);
    ASSERT(!strcmp(id1, id2));
    free(b);
    /* The same events in another order, or one twice: the same set. */
    long long shuffled[] = {105, 101, 102, 101};
    d.events = shuffled;
    d.nevents = 4;
    b = compose(&d, &t, NOW, &n2, id2);
    ASSERT(!strcmp(id1, id2));
    free(b);
    /* One more event, or another one: another Message-ID. */
    long long more[] = {101, 102, 105, 106}, other[] = {101, 102, 104};
    d.events = more;
    b = compose(&d, &t, NOW, &n2, id2);
    ASSERT(strcmp(id1, id2) != 0);
    printf("with event 106: <%s>\n", id2);
    free(b);
    d.events = other;
    d.nevents = 3;
    b = compose(&d, &t, NOW, &n2, id2);
    ASSERT(strcmp(id1, id2) != 0);
    free(b);
    /* Another bureau with the same events: another Message-ID. */
    d.events = ecology_events;
    snprintf(d.bureau_id, sizeof d.bureau_id, "water");
    b = compose(&d, &t, NOW, &n2, id2);
    ASSERT(strcmp(id1, id2) != 0);
    free(b);
    /* Nothing to send, or a Message-ID that does not fit: errors, no bytes. */
    d.nevents = 0;
    ASSERT_EQ_INT(pt_mail_compose(&d, &t, FROM, NOW, &b, &n2, id2, sizeof id2, &err), PT_EINVAL);
    printf("refused: %s\n", err.msg);
    d.nevents = 3;
    d.nitems = 0;
    ASSERT_EQ_INT(pt_mail_compose(&d, &t, FROM, NOW, &b, &n2, id2, sizeof id2, &err), PT_EINVAL);
    d.nitems = 3;
    ASSERT_EQ_INT(pt_mail_compose(&d, &t, FROM, NOW, &b, &n2, id2, 20, &err), PT_ERANGE);
    ASSERT(b == NULL);
    free(a);
    pt_mail_templates_free(&t);
    return 0;
}

/* ---- The default templates ---------------------------------------------- */

static size_t pos(const char *hay, const char *needle)
{
    const char *p = strstr(hay, needle);
    if (!p) {
        fprintf(stderr, "\"%s\" not found in:\n%s\n", needle, hay);
        exit(1);
    }
    return (size_t)(p - hay);
}

TEST_IMPL(mail_defaults)
{
    struct pt_mail_templates t;
    struct pt_digest d;
    struct pt_err err = {0};
    struct view v;
    char id[PT_MAIL_ID_MAX];
    size_t len;
    ASSERT_EQ_INT(pt_mail_templates_load(NULL, &t, &err), 0);
    ecology_digest(&d);
    char *m = compose(&d, &t, NOW, &len, id);
    view_message(m, len, &v);
    ASSERT(!strcmp(v.subject, ECOLOGY_SUBJECT));
    ASSERT(!strcmp(v.to, "石家庄市生态环境局 <ecology@example.org>"));
    ASSERT_STR_CONTAINS(v.head, "\nFrom: plantrack@example.org\n");
    ASSERT_STR_CONTAINS(v.head, "\nAuto-Submitted: auto-generated\n");
    /* Chinese first, then English; the digest's order within each. */
    size_t zh = pos(v.text, "石家庄市生态环境局："), en = pos(v.text, "To Shijiazhuang");
    ASSERT(zh < en);
    ASSERT(pos(v.text, "17. 地级城市") < pos(v.text, "18. 地级城市"));
    ASSERT(pos(v.text, "18. 地级城市") < pos(v.text, "20. 地表水"));
    ASSERT(pos(v.text, "20. 地表水") < en);
    ASSERT(pos(v.text + en, "17. Share") < pos(v.text + en, "18. Fine"));
    /* The numbers as the CLI writes them, the period, the plan's words. */
    const char *want[] = {
        "17. 地级城市空气质量优良天数比率 — 新预警：落后于规划路径",
        "规划要求：约束性指标，2025年目标 64 %（省下达目标）",
        "实际：58.25（2025年初步值，截至 2025-06-30）；同期规划路径：61.3；差距：-3.05",
        "2025年预期：64；2025年预测：64.6；此后每年尚需：—",
        "数据来源：ecology-daily（运行 #42）",
        "出处：{\"stations\":7,\"valid_days\":181}",
        "18. 地级城市细颗粒物(PM2.5)浓度降低 — 提醒：预测达不到目标",
        "实际：52.5（2024年终值）；同期规划路径：51.25；差距：1.25",
        "此后每年尚需：-3.5",
        "20. 地表水达到或好于Ⅲ类水体比例 — 已解除：落后于规划路径",
        "同期规划路径：54.9；差距：1.1\r\n",
        "2025年预测：57.33",
        "已于 2025-07-15T18:30:00Z 回到规划路径。",
        "1 new alert, 1 reminder, 1 resolved",
        "The plan: binding indicator, target 64 % in 2025 (assigned by the province)",
        "Actual: 58.25 (2025, provisional as of 2025-06-30); the path for that period: 61.3; gap: "
        "-3.05",
        "Expected for 2025: 49; projection for 2025: 50.7; still required each year: -3.5",
        "Actual: 52.5 (2024, final); the path for that period: 51.25; gap: 1.25",
        "Verdict: off track (behind the path; the projection misses the target)",
        "Source: ecology-daily (run #42)",
        "Alerting since 2025-07-01T18:30:00Z.",
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        ASSERT_STR_CONTAINS(v.text, want[i]);
    ASSERT(!strstr(v.text, "\r\n\r\n\r\n")); /* section tags left no empty lines */
    ASSERT(!strstr(v.text, "{{"));
    ASSERT_STR_CONTAINS(v.html, "<td>-3.05</td>");
    ASSERT_STR_CONTAINS(v.html, "2025年初步值，截至 2025-06-30");
    ASSERT_STR_CONTAINS(v.html, "{&quot;stations&quot;:7,&quot;valid_days&quot;:181}");
    printf("%s", v.text);
    view_free(&v);
    free(m);

    /* mail.from with a display name: encoded like the bureau's. */
    char *bytes;
    ASSERT_EQ_INT(pt_mail_compose(&d, &t, "\"规划跟踪 plantrack\" <alerts@mail.example.org>", NOW,
                                  &bytes, &len, id, sizeof id, &err),
                  0);
    view_message(bytes, len, &v);
    char *from = header(v.head, "From"), *decoded = decode_words(from);
    printf("From: %s\n  decodes to %s\n", from, decoded);
    ASSERT(!strcmp(decoded, "规划跟踪 plantrack <alerts@mail.example.org>"));
    ASSERT(strstr(id, "@mail.example.org") &&
           strlen(strstr(id, "@")) == strlen("@mail.example.org"));
    free(from);
    free(decoded);
    view_free(&v);
    free(bytes);

    /* No actual: "—" in its place, the overdue release named. */
    stats_digest(&d);
    m = compose(&d, &t, NOW, &len, id);
    view_message(m, len, &v);
    ASSERT(!strcmp(v.subject, "[plantrack] " PLAN_ZH " — 1 项新预警 / 1 new alert"));
    ASSERT_STR_CONTAINS(v.text, "规划要求：预期性指标，2025年目标 ≥6 %\r\n");
    ASSERT_STR_CONTAINS(v.text, "实际：—；同期规划路径：—；差距：—\r\n   2025年预期：—；");
    ASSERT_STR_CONTAINS(v.text, "应于 2025-04-20 发布的数据尚未收到。");
    ASSERT_STR_CONTAINS(v.text, "The release due on 2025-04-20 has not arrived.");
    ASSERT_STR_CONTAINS(v.text, "数据来源：—\r\n");
    view_free(&v);
    free(m);
    pt_mail_templates_free(&t);
    return 0;
}

/* ---- The template language ----------------------------------------------- */

static char *render(const char *src, enum pt_tpl_mode mode, const struct pt_digest *d)
{
    struct pt_template *t;
    struct pt_err err = {0};
    struct pt_mail_root root = {d, NOW};
    char *out;
    size_t len;
    if (pt_template_parse(src, strlen(src), "t", mode, &pt_mail_schema, &t, &err)) {
        fprintf(stderr, "%s\n", err.msg);
        exit(1);
    }
    ASSERT_EQ_INT(pt_template_render(t, &root, &out, &len, &err), 0);
    ASSERT_EQ_INT(strlen(out), len);
    pt_template_free(t);
    return out;
}

static void expect_render(const char *src, enum pt_tpl_mode mode, const struct pt_digest *d,
                          const char *want)
{
    char *out = render(src, mode, d);
    if (strcmp(out, want) != 0) {
        fprintf(stderr, "template\n%s\nrendered\n%s\nnot\n%s\n", src, out, want);
        exit(1);
    }
    free(out);
}

TEST_IMPL(mail_template_language)
{
    struct pt_digest d, s;
    ecology_digest(&d);
    stats_digest(&s);
    expect_render("{{#items}}{{no}}:{{gap}};{{/items}}", PT_TPL_PLAIN, &d,
                  "17:-3.05;18:1.25;20:1.1;");
    expect_render("{{#resolved_items}}{{indicator_id}}{{/resolved_items}}"
                  "{{^reminder_items}}none{{/reminder_items}}",
                  PT_TPL_PLAIN, &d, "surface-water-class-iii-share");
    expect_render("{{#expected_items}}x{{/expected_items}}{{^expected_items}}all binding"
                  "{{/expected_items}} {{count_binding}}/{{count}}",
                  PT_TPL_PLAIN, &d, "all binding 3/3");
    /* Conditions, values as conditions, a missing value as "—". */
    expect_render("{{#items}}{{#has_required}}{{required}}{{/has_required}}"
                  "{{^has_required}}n/a{{/has_required}},{{/items}}",
                  PT_TPL_PLAIN, &d, "n/a,-3.5,-0.5,");
    expect_render("{{#items}}[{{#run_id}}#{{run_id}}{{/run_id}}{{^provenance}}-{{/provenance}}]"
                  "{{/items}}",
                  PT_TPL_PLAIN, &d, "[#42][#17-][-]");
    expect_render("{{#items}}{{actual}} {{gap}} {{period_en}} {{as_of}}{{/items}}", PT_TPL_PLAIN,
                  &s, "— — — —");
    /* Root fields stay visible inside a list; words in both languages. */
    expect_render("{{#items}}{{bureau_id}}/{{notice}}/{{kind}}/{{kind_zh}}/{{verdict}}/"
                  "{{qualifier_en}} {{target_text}}/{{severity}}{{/items}}",
                  PT_TPL_PLAIN, &s,
                  "stats/firing/overdue/数据逾期未发布/no_data/at least ≥6/warning");
    expect_render("{{events}} {{date}} {{summary_en}}", PT_TPL_PLAIN, &d,
                  "101, 102, 105 2025-07-15 1 new alert, 1 reminder, 1 resolved");
    /* Standalone section lines and comments leave no line behind; a tag
     * sharing its line with text keeps the line. */
    expect_render("a\n{{#has_firing}}\n  b\n{{/has_firing}}\n{{! note }}\nc {{#has_binding}}d"
                  "{{/has_binding}}\n  {{^has_firing}}  \ne\n  {{/has_firing}}\r\nf",
                  PT_TPL_PLAIN, &d, "a\n  b\nc d\nf");
    /* HTML: values escaped, the template's own markup not. */
    struct pt_digest h;
    hostile_digest(&h);
    expect_render("<b>{{#items}}{{name_en}}{{/items}}</b>", PT_TPL_HTML, &h,
                  "<b>&lt;script&gt;alert(1)&lt;/script&gt;</b>");
    expect_render("{{#items}}{{name_zh}}{{/items}}", PT_TPL_HTML, &h, "PM2.5 Bcc: x@example.com");
    /* Numbers: up to two decimals, no trailing zeros, no -0. */
    char buf[64];
    pt_text_num(buf, sizeof buf, 1, 57.333333);
    ASSERT(!strcmp(buf, "57.33"));
    pt_text_num(buf, sizeof buf, 1, -0.001);
    ASSERT(!strcmp(buf, "0"));
    pt_text_num(buf, sizeof buf, 1, 64.0);
    ASSERT(!strcmp(buf, "64"));
    pt_text_num(buf, sizeof buf, 1, NAN);
    ASSERT(!strcmp(buf, "—"));
    /* Cleaning: breaks become spaces, controls and bidi overrides go. */
    char dirty[] = "a\r\nb\tc\x01\x7f\xc2\x85\xe2\x80\xae"
                   "d\xff";
    pt_text_clean(dirty);
    ASSERT(!strcmp(dirty, "a b c d?"));
    return 0;
}

/* ---- Template errors ----------------------------------------------------- */

static void expect_error(const char *name, const char *src, const char *want)
{
    char path[512];
    struct pt_mail_conf conf;
    struct pt_mail_templates t;
    struct pt_err err = {0};
    snprintf(path, sizeof path, "%s/%s", test_tmpdir(), name);
    FILE *f = fopen(path, "wb");
    ASSERT(f && fwrite(src, 1, strlen(src), f) == strlen(src) && fclose(f) == 0);
    memset(&conf, 0, sizeof conf);
    snprintf(conf.template_text, sizeof conf.template_text, "%s", path);
    memset(&t, 0x55, sizeof t); /* the load must clear it */
    int rc = pt_mail_templates_load(&conf, &t, &err);
    ASSERT(rc != 0);
    ASSERT(!t.subject && !t.text && !t.html);
    char where[600];
    snprintf(where, sizeof where, "%s:%s", path, want);
    printf("%s\n", err.msg + strlen(test_tmpdir()) + 1);
    ASSERT_STR_CONTAINS(err.msg, where);
}

TEST_IMPL(mail_template_errors)
{
    expect_error("unknown.txt", "Hello\n{{bureau_zh}}\n{{#items}}\n{{nmae_zh}}\n{{/items}}\n",
                 "4: unknown field \"nmae_zh\"");
    expect_error("unclosed.txt", "a\n\n{{#items}}\n{{no}}\n", "3: {{#items}} is never closed");
    expect_error("mismatch.txt", "{{#items}}\n{{#binding}}\n{{/items}}\n{{/binding}}\n",
                 "3: {{/items}} does not close {{#binding}} opened at line 2");
    expect_error("stray.txt", "x\n{{/items}}\n", "2: {{/items}} closes no section");
    expect_error("scope.txt", "{{name_zh}}\n",
                 "1: \"name_zh\" is a field of each element of a "
                 "list: use it inside {{#items}}");
    expect_error("flag.txt", "{{#items}}{{binding}}{{/items}}", "1: \"binding\" is a condition");
    expect_error("list.txt", "\n\n{{items}}", "3: \"items\" is a list");
    expect_error("open.txt", "ok\n{{no\n}}", "2: \"{{\" without \"}}\" on its line");
    expect_error("eof.txt", "ok\n\n{{no", "3: \"{{\" without \"}}\"");
    expect_error("name.txt", "{{Plan-ZH}}", "1: \"{{Plan-ZH}}\": not a field name");
    expect_error("triple.txt", "{{{plan_zh}}}", "1: \"{{{plan_zh}}\": not a field name");
    expect_error("utf8.txt", "ok\nbad \xff\n", "2: not valid UTF-8");
    expect_error("nul.txt", "ok\n\x01", "2: control character 0x01");
    char deep[512] = "";
    for (int i = 0; i < PT_TEMPLATE_DEPTH + 1; i++)
        strcat(deep, "{{#has_firing}}");
    expect_error("deep.txt", deep, "1: sections nest too deep");

    struct pt_mail_conf conf;
    struct pt_mail_templates t;
    struct pt_err err = {0};
    memset(&conf, 0, sizeof conf);
    snprintf(conf.template_html, sizeof conf.template_html, "%s/missing.html", test_tmpdir());
    ASSERT_EQ_INT(pt_mail_templates_load(&conf, &t, &err), PT_EIO);
    ASSERT_STR_CONTAINS(err.msg, "missing.html: No such file");
    /* A good file loads, and is what renders. */
    char path[512];
    snprintf(path, sizeof path, "%s/good.txt", test_tmpdir());
    FILE *f = fopen(path, "w");
    ASSERT(f && fputs("{{#items}}{{no}} {{/items}}\n", f) >= 0 && fclose(f) == 0);
    memset(&conf, 0, sizeof conf);
    snprintf(conf.template_subject, sizeof conf.template_subject, "%s", path);
    ASSERT_EQ_INT(pt_mail_templates_load(&conf, &t, &err), 0);
    struct pt_digest d;
    char id[PT_MAIL_ID_MAX];
    size_t len;
    ecology_digest(&d);
    char *m = compose(&d, &t, NOW, &len, id);
    ASSERT_STR_CONTAINS(m, "\r\nSubject: 17 18 20\r\n");
    free(m);
    pt_mail_templates_free(&t);
    pt_mail_templates_free(&t); /* twice is harmless */
    return 0;
}

/* ---- No crash on any input ------------------------------------------------ */

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static unsigned next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (unsigned)(rng >> 11);
}

static void random_text(char *s, size_t cap)
{
    static const char *const bits[] = {"中", "a", " ",  "\r\n",    "\xff", "\xe4\xb8",
                                       "<",  "&", "=?", "?=",      "\x01", "😀",
                                       "@",  ">", "\"", "\xc2\x85"};
    size_t n = 0, want = next_rand() % cap;
    while (n < want) {
        const char *b = bits[next_rand() % 16];
        if (n + strlen(b) >= cap)
            break;
        memcpy(s + n, b, strlen(b));
        n += strlen(b);
    }
    s[n] = '\0';
}

TEST_IMPL(mail_garbage)
{
    static const char *const frags[] = {"{{",
                                        "}}",
                                        "#",
                                        "^",
                                        "/",
                                        "!",
                                        "items",
                                        "no",
                                        "name_zh",
                                        "binding",
                                        "gap",
                                        "plan_zh",
                                        "\n",
                                        " ",
                                        "中",
                                        "\xff",
                                        "{{#items}}",
                                        "{{/items}}",
                                        "{{^has_gap}}",
                                        "{{/has_gap}}",
                                        "{{name_en}}",
                                        "}",
                                        "{"};
    struct pt_mail_templates t;
    struct pt_err err = {0};
    struct pt_digest d;
    int parsed = 0, composed = 0;
    ASSERT_EQ_INT(pt_mail_templates_load(NULL, &t, &err), 0);
    ecology_digest(&d);
    struct pt_mail_root root = {&d, NOW};
    for (int round = 0; round < 3000; round++) {
        char src[512];
        size_t n = 0;
        int parts = (int)(next_rand() % 24);
        for (int i = 0; i < parts; i++) {
            const char *f = frags[next_rand() % (sizeof frags / sizeof frags[0])];
            if (n + strlen(f) >= sizeof src)
                break;
            memcpy(src + n, f, strlen(f));
            n += strlen(f);
        }
        struct pt_template *tp;
        char *out;
        size_t len;
        if (pt_template_parse(src, n, "fuzz", (enum pt_tpl_mode)(round % 3), &pt_mail_schema, &tp,
                              &err) == 0) {
            parsed++;
            ASSERT_EQ_INT(pt_template_render(tp, &root, &out, &len, &err), 0);
            free(out);
            pt_template_free(tp);
        } else {
            ASSERT(strncmp(err.msg, "fuzz:", 5) == 0);
        }
    }
    /* Digests of random text, numbers that are not numbers, enums out of range. */
    for (int round = 0; round < 300; round++) {
        struct pt_digest_item *it = &d.items[round % 3];
        random_text(d.plan_name_zh, sizeof d.plan_name_zh);
        random_text(d.bureau_name_zh, 64);
        random_text(it->name_zh, sizeof it->name_zh);
        random_text(it->name_en, 40);
        random_text(it->unit, sizeof it->unit);
        random_text(it->qualifier, sizeof it->qualifier);
        random_text(it->provenance, sizeof it->provenance);
        random_text(it->eval.actual.as_of, sizeof it->eval.actual.as_of);
        it->eval.gap = round % 2 ? INFINITY : NAN;
        it->target = round % 3 ? -1e300 : 1e300;
        it->notice = (enum pt_notice)(round % 5);
        it->kind = (enum pt_alert_kind)(round % 6);
        it->eval.verdict = (enum pt_verdict)(round % 7);
        char *m, id[PT_MAIL_ID_MAX];
        size_t len;
        if (pt_mail_compose(&d, &t, FROM, NOW, &m, &len, id, sizeof id, &err) == 0) {
            struct view v;
            view_message(m, len, &v);
            view_free(&v);
            free(m);
            composed++;
        }
    }
    printf("%d of 3000 random templates parsed; %d of 300 random digests composed\n", parsed,
           composed);
    ASSERT(parsed > 100 && composed == 300);
    pt_mail_templates_free(&t);
    return 0;
}

/* ---- Messages for the MIME parser ------------------------------------------ */

static void write_eml(const char *dir, const char *name, const struct pt_digest *d,
                      const struct pt_mail_templates *t)
{
    char path[512], id[PT_MAIL_ID_MAX];
    size_t len;
    char *m = compose(d, t, NOW, &len, id);
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    ASSERT(f && fwrite(m, 1, len, f) == len && fclose(f) == 0);
    printf("%s: %zu bytes, Message-ID <%s>\n", path, len, id);
    free(m);
}

/* Writes ecology.eml, stats.eml and hostile.eml with the default templates
 * into $PT_MAIL_EML_DIR (the scratch folder without it) for
 * tests/cli/test_mail_mime.sh. */
TEST_IMPL(mail_eml)
{
    const char *dir = getenv("PT_MAIL_EML_DIR") ? getenv("PT_MAIL_EML_DIR") : test_tmpdir();
    struct pt_mail_templates t;
    struct pt_err err = {0};
    struct pt_digest d;
    ASSERT_EQ_INT(pt_mail_templates_load(NULL, &t, &err), 0);
    ecology_digest(&d);
    write_eml(dir, "ecology.eml", &d, &t);
    stats_digest(&d);
    write_eml(dir, "stats.eml", &d, &t);
    hostile_digest(&d);
    write_eml(dir, "hostile.eml", &d, &t);
    pt_mail_templates_free(&t);
    return 0;
}
