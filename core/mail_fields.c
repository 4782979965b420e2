/* The digest as mail templates see it: the fields of pt_mail_schema, their
 * values and the zh/en wording of the store's names. config/mail/README.md
 * lists the fields for people; mail.c renders the templates over them. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "mail.h"
#include "text.h"

#define COUNT(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* ---- Words ---------------------------------------------------------------
 * What people read for the store's names (pt_notice_names,
 * pt_alert_kind_names, pt_verdict_names), indexed by the same enums. */

static const struct {
    const char *zh, *en;
} notice_words[] = {
    [PT_NOTICE_FIRING] = {"新预警", "new alert"},
    [PT_NOTICE_REMINDER] = {"提醒", "reminder"},
    [PT_NOTICE_RESOLVED] = {"已解除", "resolved"},
};

static const struct {
    const char *zh, *en;
} kind_words[] = {
    [PT_ALERT_BEHIND_PATH] = {"落后于规划路径", "behind the plan's path"},
    [PT_ALERT_PROJECTION_MISSES_TARGET] = {"预测达不到目标", "the projection misses the target"},
    [PT_ALERT_TARGET_MISSED] = {"目标年未达标", "the target year missed the target"},
    [PT_ALERT_OVERDUE] = {"数据逾期未发布", "data overdue"},
};
_Static_assert(sizeof kind_words / sizeof kind_words[0] == PT_ALERT_KINDS,
               "a wording for every alert kind");

static const struct {
    const char *zh, *en;
} verdict_words[] = {
    [PT_NO_DATA] = {"无数据", "no data"},
    [PT_ON_TRACK] = {"正常", "on track"},
    [PT_AT_RISK] = {"有风险", "at risk"},
    [PT_OFF_TRACK] = {"偏离目标", "off track"},
};

static const struct {
    const char *name, *zh, *en, *sign;
} qualifier_words[] = {
    {"exactly", "为", "exactly", ""},
    {"at_least", "不低于", "at least", "≥"},
    {"at_most", "不高于", "at most", "≤"},
    {"about", "约", "about", "≈"},
};

static int qualifier_index(const char *q)
{
    for (int i = 0; i < COUNT(qualifier_words); i++)
        if (strcmp(q, qualifier_words[i].name) == 0)
            return i;
    return -1;
}

/* ---- Fields --------------------------------------------------------------
 * Scope 0 is struct pt_mail_root (mail.h), scope 1 one struct
 * pt_digest_item. config/mail/README.md lists them for people. */

enum {
    /* the digest */
    R_PLAN_ID,
    R_PLAN_ZH,
    R_PLAN_EN,
    R_BUREAU_ID,
    R_BUREAU_ZH,
    R_BUREAU_EN,
    R_BUREAU_EMAIL,
    R_NOW,
    R_DATE,
    R_EVENTS,
    R_COUNT,
    R_COUNT_FIRING,
    R_COUNT_REMINDER,
    R_COUNT_RESOLVED,
    R_COUNT_BINDING,
    R_SUMMARY_ZH,
    R_SUMMARY_EN,
    R_HAS_FIRING,
    R_HAS_REMINDER,
    R_HAS_RESOLVED,
    R_HAS_BINDING,
    L_ITEMS,
    L_FIRING,
    L_REMINDER,
    L_RESOLVED,
    L_BINDING,
    L_EXPECTED,
    /* an item: its alert */
    I_NOTICE,
    I_NOTICE_ZH,
    I_NOTICE_EN,
    I_KIND,
    I_KIND_ZH,
    I_KIND_EN,
    I_ALERT_ID,
    I_SINCE,
    I_SINCE_DATE,
    I_OVERDUE_SINCE,
    /* the indicator and what the plan says */
    I_NO,
    I_INDICATOR_ID,
    I_NAME_ZH,
    I_NAME_EN,
    I_UNIT,
    I_BINDING_ZH,
    I_BINDING_EN,
    I_SEVERITY,
    I_SEVERITY_ZH,
    I_QUALIFIER,
    I_QUALIFIER_ZH,
    I_QUALIFIER_EN,
    I_TARGET,
    I_TARGET_TEXT,
    I_TARGET_YEAR,
    /* the verdict */
    I_YEAR,
    I_EXPECTED,
    I_ACTUAL,
    I_ACTUAL_VALUE,
    I_ACTUAL_YEAR,
    I_AS_OF,
    I_PERIOD_ZH,
    I_PERIOD_EN,
    I_COMPARED_WITH,
    I_GAP,
    I_PROJECTION,
    I_REQUIRED,
    I_VERDICT,
    I_VERDICT_ZH,
    I_VERDICT_EN,
    I_REASON,
    I_SOURCE,
    I_RUN_ID,
    I_PROVENANCE,
    /* conditions */
    I_IS_FIRING,
    I_IS_REMINDER,
    I_IS_RESOLVED,
    I_BINDING,
    I_PROVINCE_ASSIGNED,
    I_PROVISIONAL,
    I_HAS_EXPECTED,
    I_HAS_ACTUAL,
    I_HAS_GAP,
    I_HAS_PROJECTION,
    I_HAS_REQUIRED,
    I_ON_PATH,
    I_PROJECTION_REACHES,
    I_TARGET_MISSED,
};

#define ROOT(name, id)                                                                             \
    {                                                                                              \
        name, 0, PT_TPL_TEXT, 0, id                                                                \
    }
#define ROOT_FLAG(name, id)                                                                        \
    {                                                                                              \
        name, 0, PT_TPL_FLAG, 0, id                                                                \
    }
#define LIST(name, id)                                                                             \
    {                                                                                              \
        name, 0, PT_TPL_LIST, 1, id                                                                \
    }
#define ITEM(name, id)                                                                             \
    {                                                                                              \
        name, 1, PT_TPL_TEXT, 0, id                                                                \
    }
#define ITEM_FLAG(name, id)                                                                        \
    {                                                                                              \
        name, 1, PT_TPL_FLAG, 0, id                                                                \
    }

static const struct pt_tpl_field mail_fields[] = {
    ROOT("plan_id", R_PLAN_ID),
    ROOT("plan_zh", R_PLAN_ZH),
    ROOT("plan_en", R_PLAN_EN),
    ROOT("bureau_id", R_BUREAU_ID),
    ROOT("bureau_zh", R_BUREAU_ZH),
    ROOT("bureau_en", R_BUREAU_EN),
    ROOT("bureau_email", R_BUREAU_EMAIL),
    ROOT("now", R_NOW),
    ROOT("date", R_DATE),
    ROOT("events", R_EVENTS),
    ROOT("count", R_COUNT),
    ROOT("count_firing", R_COUNT_FIRING),
    ROOT("count_reminder", R_COUNT_REMINDER),
    ROOT("count_resolved", R_COUNT_RESOLVED),
    ROOT("count_binding", R_COUNT_BINDING),
    ROOT("summary_zh", R_SUMMARY_ZH),
    ROOT("summary_en", R_SUMMARY_EN),
    ROOT_FLAG("has_firing", R_HAS_FIRING),
    ROOT_FLAG("has_reminder", R_HAS_REMINDER),
    ROOT_FLAG("has_resolved", R_HAS_RESOLVED),
    ROOT_FLAG("has_binding", R_HAS_BINDING),
    LIST("items", L_ITEMS),
    LIST("firing_items", L_FIRING),
    LIST("reminder_items", L_REMINDER),
    LIST("resolved_items", L_RESOLVED),
    LIST("binding_items", L_BINDING),
    LIST("expected_items", L_EXPECTED),

    ITEM("notice", I_NOTICE),
    ITEM("notice_zh", I_NOTICE_ZH),
    ITEM("notice_en", I_NOTICE_EN),
    ITEM("kind", I_KIND),
    ITEM("kind_zh", I_KIND_ZH),
    ITEM("kind_en", I_KIND_EN),
    ITEM("alert_id", I_ALERT_ID),
    ITEM("since", I_SINCE),
    ITEM("since_date", I_SINCE_DATE),
    ITEM("overdue_since", I_OVERDUE_SINCE),
    ITEM("no", I_NO),
    ITEM("indicator_id", I_INDICATOR_ID),
    ITEM("name_zh", I_NAME_ZH),
    ITEM("name_en", I_NAME_EN),
    ITEM("unit", I_UNIT),
    ITEM("binding_zh", I_BINDING_ZH),
    ITEM("binding_en", I_BINDING_EN),
    ITEM("severity", I_SEVERITY),
    ITEM("severity_zh", I_SEVERITY_ZH),
    ITEM("qualifier", I_QUALIFIER),
    ITEM("qualifier_zh", I_QUALIFIER_ZH),
    ITEM("qualifier_en", I_QUALIFIER_EN),
    ITEM("target", I_TARGET),
    ITEM("target_text", I_TARGET_TEXT),
    ITEM("target_year", I_TARGET_YEAR),
    ITEM("year", I_YEAR),
    ITEM("expected", I_EXPECTED),
    ITEM("actual", I_ACTUAL),
    ITEM("actual_value", I_ACTUAL_VALUE),
    ITEM("actual_year", I_ACTUAL_YEAR),
    ITEM("as_of", I_AS_OF),
    ITEM("period_zh", I_PERIOD_ZH),
    ITEM("period_en", I_PERIOD_EN),
    ITEM("compared_with", I_COMPARED_WITH),
    ITEM("gap", I_GAP),
    ITEM("projection", I_PROJECTION),
    ITEM("required", I_REQUIRED),
    ITEM("verdict", I_VERDICT),
    ITEM("verdict_zh", I_VERDICT_ZH),
    ITEM("verdict_en", I_VERDICT_EN),
    ITEM("reason", I_REASON),
    ITEM("source", I_SOURCE),
    ITEM("run_id", I_RUN_ID),
    ITEM("provenance", I_PROVENANCE),
    ITEM_FLAG("is_firing", I_IS_FIRING),
    ITEM_FLAG("is_reminder", I_IS_REMINDER),
    ITEM_FLAG("is_resolved", I_IS_RESOLVED),
    ITEM_FLAG("binding", I_BINDING),
    ITEM_FLAG("province_assigned", I_PROVINCE_ASSIGNED),
    ITEM_FLAG("provisional", I_PROVISIONAL),
    ITEM_FLAG("has_expected", I_HAS_EXPECTED),
    ITEM_FLAG("has_actual", I_HAS_ACTUAL),
    ITEM_FLAG("has_gap", I_HAS_GAP),
    ITEM_FLAG("has_projection", I_HAS_PROJECTION),
    ITEM_FLAG("has_required", I_HAS_REQUIRED),
    ITEM_FLAG("on_path", I_ON_PATH),
    ITEM_FLAG("projection_reaches", I_PROJECTION_REACHES),
    ITEM_FLAG("target_missed", I_TARGET_MISSED),
};

/* Text of a value: "" counts as none. */
static int put_str(char *buf, size_t cap, const char *s)
{
    if (!s || !*s)
        return 0;
    snprintf(buf, cap, "%s", s);
    return 1;
}

static int put_num(char *buf, size_t cap, int has, double v)
{
    if (!has || !isfinite(v))
        return 0;
    pt_text_num(buf, cap, 1, v);
    return 1;
}

static int put_int(char *buf, size_t cap, long long v)
{
    snprintf(buf, cap, "%lld", v);
    return 1;
}

static int notice_is(const struct pt_digest_item *it, int notice)
{
    return (int)it->notice == notice;
}

static int count_items(const struct pt_digest *d, int list)
{
    int n = 0;
    for (int i = 0; i < d->nitems; i++)
        n += list == L_ITEMS || (list == L_FIRING && notice_is(&d->items[i], PT_NOTICE_FIRING)) ||
             (list == L_REMINDER && notice_is(&d->items[i], PT_NOTICE_REMINDER)) ||
             (list == L_RESOLVED && notice_is(&d->items[i], PT_NOTICE_RESOLVED)) ||
             (list == L_BINDING && d->items[i].binding) ||
             (list == L_EXPECTED && !d->items[i].binding);
    return n;
}

/* "2 项新预警、1 项提醒" / "2 new alerts, 1 reminder": the counts that are not 0. */
static int summary(const struct pt_digest *d, int en, char *buf, size_t cap)
{
    static const int lists[] = {L_FIRING, L_REMINDER, L_RESOLVED};
    static const char *const zh[] = {"%d 项新预警", "%d 项提醒", "%d 项已解除"};
    static const char *const one[] = {"%d new alert", "%d reminder", "%d resolved"};
    static const char *const many[] = {"%d new alerts", "%d reminders", "%d resolved"};
    size_t len = 0;
    buf[0] = '\0';
    for (int i = 0; i < 3; i++) {
        int n = count_items(d, lists[i]);
        if (n == 0 || len >= cap)
            continue;
        if (len)
            len += (size_t)snprintf(buf + len, cap - len, "%s", en ? ", " : "、");
        if (len < cap)
            len +=
                (size_t)snprintf(buf + len, cap - len, en ? (n == 1 ? one[i] : many[i]) : zh[i], n);
    }
    return buf[0] != '\0';
}

static int events_text(const struct pt_digest *d, char *buf, size_t cap)
{
    size_t len = 0;
    buf[0] = '\0';
    for (int i = 0; i < d->nevents && len < cap; i++)
        len += (size_t)snprintf(buf + len, cap - len, "%s%lld", i ? ", " : "", d->events[i]);
    return buf[0] != '\0';
}

static int root_value(const struct pt_mail_root *r, int id, char *buf, size_t cap)
{
    const struct pt_digest *d = r->d;
    switch (id) {
    case R_PLAN_ID:
        return put_str(buf, cap, d->plan_id);
    case R_PLAN_ZH:
        return put_str(buf, cap, d->plan_name_zh);
    case R_PLAN_EN:
        return put_str(buf, cap, d->plan_name_en);
    case R_BUREAU_ID:
        return put_str(buf, cap, d->bureau_id);
    case R_BUREAU_ZH:
        return put_str(buf, cap, d->bureau_name_zh);
    case R_BUREAU_EN:
        return put_str(buf, cap, d->bureau_name_en);
    case R_BUREAU_EMAIL:
        return put_str(buf, cap, d->email);
    case R_NOW:
        return put_str(buf, cap, r->now);
    case R_DATE:
        snprintf(buf, cap, "%.10s", r->now);
        return buf[0] != '\0';
    case R_EVENTS:
        return events_text(d, buf, cap);
    case R_COUNT:
        return put_int(buf, cap, count_items(d, L_ITEMS));
    case R_COUNT_FIRING:
        return put_int(buf, cap, count_items(d, L_FIRING));
    case R_COUNT_REMINDER:
        return put_int(buf, cap, count_items(d, L_REMINDER));
    case R_COUNT_RESOLVED:
        return put_int(buf, cap, count_items(d, L_RESOLVED));
    case R_COUNT_BINDING:
        return put_int(buf, cap, count_items(d, L_BINDING));
    case R_SUMMARY_ZH:
        return summary(d, 0, buf, cap);
    case R_SUMMARY_EN:
        return summary(d, 1, buf, cap);
    case R_HAS_FIRING:
        return count_items(d, L_FIRING) > 0;
    case R_HAS_REMINDER:
        return count_items(d, L_REMINDER) > 0;
    case R_HAS_RESOLVED:
        return count_items(d, L_RESOLVED) > 0;
    case R_HAS_BINDING:
        return count_items(d, L_BINDING) > 0;
    }
    return 0;
}

/* "2024年终值" / "2025年初步值，截至 2025-06-30", and in English. */
static int period_text(const struct pt_eval *e, int en, char *buf, size_t cap)
{
    if (!e->has_actual)
        return 0;
    if (!e->actual.provisional)
        snprintf(buf, cap, en ? "%d, final" : "%d年终值", e->actual.year);
    else if (e->actual.as_of[0])
        snprintf(buf, cap, en ? "%d, provisional as of %.10s" : "%d年初步值，截至 %.10s",
                 e->actual.year, e->actual.as_of);
    else
        snprintf(buf, cap, en ? "%d, provisional" : "%d年初步值", e->actual.year);
    return 1;
}

static int target_text(const struct pt_digest_item *it, char *buf, size_t cap)
{
    char num[64];
    int q = qualifier_index(it->qualifier);
    pt_text_num(num, sizeof num, 1, it->target);
    snprintf(buf, cap, "%s%s", q >= 0 ? qualifier_words[q].sign : "", num);
    return isfinite(it->target);
}

/* The alert's fields: why it is in the digest. */
static int item_alert(const struct pt_digest_item *it, int id, char *buf, size_t cap)
{
    int n = (unsigned)it->notice < (unsigned)COUNT(notice_words) ? (int)it->notice : -1;
    int k = (unsigned)it->kind < (unsigned)COUNT(kind_words) ? (int)it->kind : -1;
    switch (id) {
    case I_NOTICE:
        return n >= 0 && put_str(buf, cap, pt_notice_names[n]);
    case I_NOTICE_ZH:
        return n >= 0 && put_str(buf, cap, notice_words[n].zh);
    case I_NOTICE_EN:
        return n >= 0 && put_str(buf, cap, notice_words[n].en);
    case I_KIND:
        return k >= 0 && put_str(buf, cap, pt_alert_kind_names[k]);
    case I_KIND_ZH:
        return k >= 0 && put_str(buf, cap, kind_words[k].zh);
    case I_KIND_EN:
        return k >= 0 && put_str(buf, cap, kind_words[k].en);
    case I_ALERT_ID:
        return put_int(buf, cap, it->alert_id);
    case I_SINCE:
        return put_str(buf, cap, it->since);
    case I_SINCE_DATE:
        snprintf(buf, cap, "%.10s", it->since);
        return buf[0] != '\0';
    case I_OVERDUE_SINCE:
        return put_str(buf, cap, it->overdue_since);
    }
    return 0;
}

/* The indicator's fields and what the plan says about it. */
static int item_plan(const struct pt_digest_item *it, int id, char *buf, size_t cap)
{
    int q = qualifier_index(it->qualifier);
    switch (id) {
    case I_NO:
        return put_int(buf, cap, it->no);
    case I_INDICATOR_ID:
        return put_str(buf, cap, it->indicator_id);
    case I_NAME_ZH:
        return put_str(buf, cap, it->name_zh);
    case I_NAME_EN:
        return put_str(buf, cap, it->name_en);
    case I_UNIT:
        return put_str(buf, cap, it->unit);
    case I_BINDING_ZH:
        return put_str(buf, cap, it->binding ? "约束性" : "预期性");
    case I_BINDING_EN:
        return put_str(buf, cap, it->binding ? "binding" : "expected");
    case I_SEVERITY:
        return put_str(buf, cap, it->binding ? "critical" : "warning");
    case I_SEVERITY_ZH:
        return put_str(buf, cap, it->binding ? "严重" : "警告");
    case I_QUALIFIER:
        return put_str(buf, cap, it->qualifier);
    case I_QUALIFIER_ZH:
        return q >= 0 && put_str(buf, cap, qualifier_words[q].zh);
    case I_QUALIFIER_EN:
        return q >= 0 && put_str(buf, cap, qualifier_words[q].en);
    case I_TARGET:
        return put_num(buf, cap, 1, it->target);
    case I_TARGET_TEXT:
        return target_text(it, buf, cap);
    case I_TARGET_YEAR:
        return it->target_year && put_int(buf, cap, it->target_year);
    }
    return item_alert(it, id, buf, cap);
}

/* The verdict the alert moved on, and where its actual came from. */
static int item_value(const struct pt_digest_item *it, int id, char *buf, size_t cap)
{
    const struct pt_eval *e = &it->eval;
    int v = (unsigned)e->verdict < (unsigned)COUNT(verdict_words) ? (int)e->verdict : -1;
    switch (id) {
    case I_YEAR:
        return e->year && put_int(buf, cap, e->year);
    case I_EXPECTED:
        return put_num(buf, cap, e->has_expected, e->expected);
    case I_ACTUAL:
        return put_num(buf, cap, e->has_actual && e->has_measure, e->measure);
    case I_ACTUAL_VALUE:
        return put_num(buf, cap, e->has_actual, e->actual.value);
    case I_ACTUAL_YEAR:
        return e->has_actual && put_int(buf, cap, e->actual.year);
    case I_AS_OF:
        return e->has_actual && e->actual.provisional && put_str(buf, cap, e->actual.as_of);
    case I_PERIOD_ZH:
        return period_text(e, 0, buf, cap);
    case I_PERIOD_EN:
        return period_text(e, 1, buf, cap);
    case I_COMPARED_WITH:
        return put_num(buf, cap, e->has_compared_with, e->compared_with);
    case I_GAP:
        return put_num(buf, cap, e->has_gap, e->gap);
    case I_PROJECTION:
        return put_num(buf, cap, e->has_projection, e->projection);
    case I_REQUIRED:
        return put_num(buf, cap, e->has_required, e->required);
    case I_VERDICT:
        return v >= 0 && put_str(buf, cap, pt_verdict_names[v]);
    case I_VERDICT_ZH:
        return v >= 0 && put_str(buf, cap, verdict_words[v].zh);
    case I_VERDICT_EN:
        return v >= 0 && put_str(buf, cap, verdict_words[v].en);
    case I_REASON:
        return put_str(buf, cap, e->reason);
    case I_SOURCE:
        return put_str(buf, cap, it->source);
    case I_RUN_ID:
        return it->run_id > 0 && put_int(buf, cap, it->run_id);
    case I_PROVENANCE:
        return put_str(buf, cap, it->provenance);
    }
    return item_plan(it, id, buf, cap);
}

static int item_flag(const struct pt_digest_item *it, int id)
{
    const struct pt_eval *e = &it->eval;
    switch (id) {
    case I_IS_FIRING:
        return notice_is(it, PT_NOTICE_FIRING);
    case I_IS_REMINDER:
        return notice_is(it, PT_NOTICE_REMINDER);
    case I_IS_RESOLVED:
        return notice_is(it, PT_NOTICE_RESOLVED);
    case I_BINDING:
        return it->binding != 0;
    case I_PROVINCE_ASSIGNED:
        return it->province_assigned != 0;
    case I_PROVISIONAL:
        return e->has_actual && e->actual.provisional;
    case I_HAS_EXPECTED:
        return e->has_expected && isfinite(e->expected);
    case I_HAS_ACTUAL:
        return e->has_actual != 0;
    case I_HAS_GAP:
        return e->has_gap && isfinite(e->gap);
    case I_HAS_PROJECTION:
        return e->has_projection && isfinite(e->projection);
    case I_HAS_REQUIRED:
        return e->has_required && isfinite(e->required);
    case I_ON_PATH:
        return e->on_path == 1;
    case I_PROJECTION_REACHES:
        return e->projection_reaches == 1;
    case I_TARGET_MISSED:
        return e->target_missed != 0;
    }
    return -1;
}

static int mail_value(const void *obj, int id, char *buf, size_t cap)
{
    if (id < I_NOTICE)
        return root_value(obj, id, buf, cap);
    int flag = item_flag(obj, id);
    return flag >= 0 ? flag : item_value(obj, id, buf, cap);
}

static int mail_count(const void *obj, int id)
{
    const struct pt_mail_root *r = obj;
    return r->d->items ? r->d->nitems : 0;
}

static const void *mail_elem(const void *obj, int id, int k)
{
    const struct pt_digest_item *it = &((const struct pt_mail_root *)obj)->d->items[k];
    int in = id == L_ITEMS || (id == L_FIRING && notice_is(it, PT_NOTICE_FIRING)) ||
             (id == L_REMINDER && notice_is(it, PT_NOTICE_REMINDER)) ||
             (id == L_RESOLVED && notice_is(it, PT_NOTICE_RESOLVED)) ||
             (id == L_BINDING && it->binding) || (id == L_EXPECTED && !it->binding);
    return in ? it : NULL;
}

const struct pt_tpl_schema pt_mail_schema = {mail_fields, COUNT(mail_fields), mail_value,
                                             mail_count, mail_elem};
