/* The template language of template.h: a parser that checks every name
 * against the caller's schema and turns the text into a flat list of nodes,
 * and a renderer that walks it. It knows nothing about mail; mail.c gives it
 * the fields of a digest. */
#include "template.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"

enum node_type { NODE_TEXT, NODE_VALUE, NODE_SECTION, NODE_INVERTED };

struct node {
    enum node_type type;
    const struct pt_tpl_field *field; /* value and sections */
    size_t off, len;                  /* text: bytes of src */
    int end;                          /* sections: the node after the body */
};

struct pt_template {
    char *src;
    size_t len;
    struct node *nodes;
    int n, cap;
    enum pt_tpl_mode mode;
    const struct pt_tpl_schema *schema;
};

/* ---- Parsing ------------------------------------------------------------ */

struct open_section {
    int node;  /* its NODE_SECTION or NODE_INVERTED */
    size_t at; /* offset of its tag, for messages */
};

struct parser {
    struct pt_template *t;
    const char *name; /* for messages */
    size_t text;      /* start of literal text not yet a node */
    struct open_section open[PT_TEMPLATE_DEPTH];
    int depth;
    struct pt_err *err;
};

static int line_at(const struct parser *p, size_t off)
{
    int line = 1;
    for (size_t i = 0; i < off && i < p->t->len; i++)
        line += p->t->src[i] == '\n';
    return line;
}

static int parse_error(struct parser *p, size_t at, const char *what, const char *arg)
{
    return pt_err_set(p->err, PT_ECONFIG, "%s:%d: %s%s", p->name, line_at(p, at), what,
                      arg ? arg : "");
}

static int add_node(struct parser *p, enum node_type type, const struct pt_tpl_field *f, size_t off,
                    size_t len)
{
    struct pt_template *t = p->t;
    if (type == NODE_TEXT && len == 0)
        return 0;
    if (t->n == t->cap) {
        int cap = t->cap ? t->cap * 2 : 32;
        struct node *nodes = realloc(t->nodes, (size_t)cap * sizeof *nodes);
        if (!nodes)
            return pt_err_set(p->err, PT_ENOMEM, "%s: out of memory", p->name);
        t->nodes = nodes;
        t->cap = cap;
    }
    t->nodes[t->n++] = (struct node){type, f, off, len, 0};
    return 0;
}

/* The scopes visible at this point: the root's and those of the lists
 * whose sections are open. */
static int scope_visible(const struct parser *p, int scope)
{
    if (scope == 0)
        return 1;
    for (int i = 0; i < p->depth; i++) {
        const struct pt_tpl_field *f = p->t->nodes[p->open[i].node].field;
        if (f->type == PT_TPL_LIST && p->t->nodes[p->open[i].node].type == NODE_SECTION &&
            f->elem_scope == scope)
            return 1;
    }
    return 0;
}

/* The list whose elements open scope, to say where a field belongs. */
static const struct pt_tpl_field *list_of_scope(const struct pt_tpl_schema *s, int scope)
{
    for (int i = 0; i < s->nfields; i++)
        if (s->fields[i].type == PT_TPL_LIST && s->fields[i].elem_scope == scope)
            return &s->fields[i];
    return NULL;
}

static int find_field(struct parser *p, size_t at, const char *name,
                      const struct pt_tpl_field **out)
{
    const struct pt_tpl_schema *s = p->t->schema;
    const struct pt_tpl_field *hidden = NULL;
    for (int i = 0; i < s->nfields; i++) {
        if (strcmp(s->fields[i].name, name) != 0)
            continue;
        if (scope_visible(p, s->fields[i].scope)) {
            *out = &s->fields[i];
            return 0;
        }
        hidden = &s->fields[i];
    }
    char msg[512];
    if (!hidden) {
        snprintf(msg, sizeof msg, "\"%s\"", name);
        return parse_error(p, at, "unknown field ", msg);
    }
    const struct pt_tpl_field *list = list_of_scope(s, hidden->scope);
    snprintf(msg, sizeof msg,
             "\"%s\" is a field of each element of a list: use it inside {{#%s}}…{{/%s}}", name,
             list ? list->name : "?", list ? list->name : "?");
    return parse_error(p, at, msg, NULL);
}

/* Mustache's standalone lines: a line holding only a section tag or a
 * comment (and blanks) is left out whole, so that the tags that shape a
 * plain-text message leave no empty lines behind. The tag is s[a, b); on
 * success [*cut, *next) is what goes. */
static int standalone(const struct parser *p, size_t a, size_t b, size_t *cut, size_t *next)
{
    const char *s = p->t->src;
    size_t len = p->t->len, ls = a, e = b;
    while (ls > p->text && (s[ls - 1] == ' ' || s[ls - 1] == '\t'))
        ls--;
    if (ls > 0 && s[ls - 1] != '\n')
        return 0;
    while (e < len && (s[e] == ' ' || s[e] == '\t'))
        e++;
    if (e + 1 < len && s[e] == '\r' && s[e + 1] == '\n')
        e += 2;
    else if (e < len && s[e] == '\n')
        e++;
    else if (e != len)
        return 0;
    *cut = ls;
    *next = e;
    return 1;
}

static int open_section(struct parser *p, size_t at, enum node_type type, const char *name)
{
    const struct pt_tpl_field *f;
    int rc = find_field(p, at, name, &f);
    if (rc)
        return rc;
    if (p->depth == PT_TEMPLATE_DEPTH)
        return parse_error(p, at, "sections nest too deep", NULL);
    if ((rc = add_node(p, type, f, at, 0)))
        return rc;
    p->open[p->depth++] = (struct open_section){p->t->n - 1, at};
    return 0;
}

static int close_section(struct parser *p, size_t at, const char *name)
{
    char msg[512];
    if (p->depth == 0) {
        snprintf(msg, sizeof msg, "{{/%s}} closes no section", name);
        return parse_error(p, at, msg, NULL);
    }
    struct open_section *o = &p->open[p->depth - 1];
    struct node *nd = &p->t->nodes[o->node];
    if (strcmp(nd->field->name, name) != 0) {
        snprintf(msg, sizeof msg, "{{/%s}} does not close {{%c%s}} opened at line %d", name,
                 nd->type == NODE_SECTION ? '#' : '^', nd->field->name, line_at(p, o->at));
        return parse_error(p, at, msg, NULL);
    }
    nd->end = p->t->n;
    p->depth--;
    return 0;
}

static int value_tag(struct parser *p, size_t at, const char *name)
{
    const struct pt_tpl_field *f;
    int rc = find_field(p, at, name, &f);
    if (rc)
        return rc;
    if (f->type != PT_TPL_TEXT) {
        char msg[512];
        snprintf(msg, sizeof msg, "\"%s\" is %s: use {{#%s}}…{{/%s}}", name,
                 f->type == PT_TPL_LIST ? "a list" : "a condition", name, name);
        return parse_error(p, at, msg, NULL);
    }
    return add_node(p, NODE_VALUE, f, at, 0);
}

/* The name inside a tag: a-z, 0-9 and _, blanks around it allowed. */
static int tag_name(const char *s, size_t n, char *out, size_t cap)
{
    while (n && (*s == ' ' || *s == '\t'))
        s++, n--;
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    if (n == 0 || n >= cap)
        return -1;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
            return -1;
    memcpy(out, s, n);
    out[n] = '\0';
    return 0;
}

/* One tag at src[a]: "{{" is there. Sets *resume to where text goes on. */
static int parse_tag(struct parser *p, size_t a, size_t *resume)
{
    const char *s = p->t->src;
    const char *close = strstr(s + a + 2, "}}");
    if (!close)
        return parse_error(p, a, "\"{{\" without \"}}\"", NULL);
    size_t b = (size_t)(close - s) + 2, cut = a, next = b;
    char sigil = s[a + 2], name[128];
    int section = sigil == '#' || sigil == '^' || sigil == '/' || sigil == '!';
    if (sigil != '!' && memchr(s + a, '\n', b - a))
        return parse_error(p, a, "\"{{\" without \"}}\" on its line", NULL);
    if (section && !standalone(p, a, b, &cut, &next))
        cut = a, next = b;
    int rc = add_node(p, NODE_TEXT, NULL, p->text, cut - p->text);
    if (rc)
        return rc;
    *resume = next;
    if (sigil == '!')
        return 0;
    size_t skip = section ? 3 : 2;
    if (tag_name(s + a + skip, b - 2 - a - skip, name, sizeof name)) {
        char msg[160];
        snprintf(msg, sizeof msg, "\"%.*s\": not a field name (a-z, 0-9, _)",
                 (int)(b - a > 100 ? 100 : b - a), s + a);
        return parse_error(p, a, msg, NULL);
    }
    if (sigil == '#')
        return open_section(p, a, NODE_SECTION, name);
    if (sigil == '^')
        return open_section(p, a, NODE_INVERTED, name);
    if (sigil == '/')
        return close_section(p, a, name);
    return value_tag(p, a, name);
}

/* Templates are UTF-8 text: line breaks and tabs, no other controls (a NUL
 * would also end the scans for tags early). */
static int check_text(struct parser *p)
{
    const char *s = p->t->src;
    size_t n = p->t->len, ok = pt_text_utf8_valid(s, n);
    if (ok < n)
        return parse_error(p, ok, "not valid UTF-8", NULL);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c < 0x20 && c != '\n' && c != '\r' && c != '\t') || c == 0x7f) {
            char msg[64];
            snprintf(msg, sizeof msg, "control character 0x%02x", c);
            return parse_error(p, i, msg, NULL);
        }
    }
    return 0;
}

static int parse_all(struct parser *p)
{
    const char *s = p->t->src;
    int rc = check_text(p);
    if (rc)
        return rc;
    const char *open;
    while ((open = strstr(s + p->text, "{{"))) {
        size_t resume = 0;
        if ((rc = parse_tag(p, (size_t)(open - s), &resume)))
            return rc;
        p->text = resume;
    }
    if ((rc = add_node(p, NODE_TEXT, NULL, p->text, p->t->len - p->text)))
        return rc;
    if (p->depth) {
        const struct open_section *o = &p->open[p->depth - 1];
        const struct node *nd = &p->t->nodes[o->node];
        char msg[512];
        snprintf(msg, sizeof msg, "{{%c%s}} is never closed (add {{/%s}})",
                 nd->type == NODE_SECTION ? '#' : '^', nd->field->name, nd->field->name);
        return parse_error(p, o->at, msg, NULL);
    }
    return 0;
}

int pt_template_parse(const char *src, size_t len, const char *name, enum pt_tpl_mode mode,
                      const struct pt_tpl_schema *schema, struct pt_template **out,
                      struct pt_err *err)
{
    *out = NULL;
    if (!src || !schema || !name)
        return pt_err_set(err, PT_EINVAL, "pt_template_parse: missing argument");
    if (len > PT_TEMPLATE_MAX)
        return pt_err_set(err, PT_ETOOBIG, "%s: longer than %d bytes", name, PT_TEMPLATE_MAX);
    struct pt_template *t = calloc(1, sizeof *t);
    if (!t || !(t->src = malloc(len + 1))) {
        free(t);
        return pt_err_set(err, PT_ENOMEM, "%s: out of memory", name);
    }
    memcpy(t->src, src, len);
    t->src[len] = '\0';
    t->len = len;
    t->mode = mode;
    t->schema = schema;
    struct parser p = {.t = t, .name = name, .err = err};
    int rc = parse_all(&p);
    if (rc) {
        pt_template_free(t);
        return rc;
    }
    *out = t;
    return 0;
}

int pt_template_load(const char *path, enum pt_tpl_mode mode, const struct pt_tpl_schema *schema,
                     struct pt_template **out, struct pt_err *err)
{
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (!f)
        return pt_err_set(err, PT_EIO, "template %s: %s", path, strerror(errno));
    char *buf = malloc(PT_TEMPLATE_MAX + 1);
    if (!buf) {
        fclose(f);
        return pt_err_set(err, PT_ENOMEM, "template %s: out of memory", path);
    }
    size_t n = fread(buf, 1, PT_TEMPLATE_MAX + 1, f);
    int bad = ferror(f);
    fclose(f);
    int rc;
    if (bad)
        rc = pt_err_set(err, PT_EIO, "template %s: read error", path);
    else if (n > PT_TEMPLATE_MAX)
        rc =
            pt_err_set(err, PT_ETOOBIG, "template %s: longer than %d bytes", path, PT_TEMPLATE_MAX);
    else
        rc = pt_template_parse(buf, n, path, mode, schema, out, err);
    free(buf);
    return rc;
}

void pt_template_free(struct pt_template *t)
{
    if (!t)
        return;
    free(t->src);
    free(t->nodes);
    free(t);
}

/* ---- Rendering ---------------------------------------------------------- */

struct frame {
    int scope;
    const void *obj;
};

struct render {
    const struct pt_template *t;
    struct frame frames[PT_TEMPLATE_DEPTH + 1];
    int nframes;
    char *out;
    size_t len, cap;
    int oom;
    char val[PT_TEMPLATE_VALUE];
};

static void put(struct render *r, const char *s, size_t n)
{
    if (r->oom)
        return;
    if (r->len + n + 1 > r->cap) {
        size_t cap = r->cap ? r->cap : 1024;
        while (cap < r->len + n + 1)
            cap *= 2;
        char *out = realloc(r->out, cap);
        if (!out) {
            r->oom = 1;
            return;
        }
        r->out = out;
        r->cap = cap;
    }
    memcpy(r->out + r->len, s, n);
    r->len += n;
    r->out[r->len] = '\0';
}

static void put_html(struct render *r, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '&':
            put(r, "&amp;", 5);
            break;
        case '<':
            put(r, "&lt;", 4);
            break;
        case '>':
            put(r, "&gt;", 4);
            break;
        case '"':
            put(r, "&quot;", 6);
            break;
        case '\'':
            put(r, "&#39;", 5);
            break;
        default:
            put(r, s, 1);
        }
    }
}

/* The innermost object of scope: the parser saw to it that there is one. */
static const void *frame_obj(const struct render *r, int scope)
{
    for (int i = r->nframes - 1; i >= 0; i--)
        if (r->frames[i].scope == scope)
            return r->frames[i].obj;
    return NULL;
}

static int field_value(struct render *r, const struct pt_tpl_field *f)
{
    const void *obj = frame_obj(r, f->scope);
    r->val[0] = '\0';
    if (!obj)
        return 0;
    int has = r->t->schema->value(obj, f->id, r->val, sizeof r->val);
    r->val[sizeof r->val - 1] = '\0';
    return has;
}

static void render_value(struct render *r, const struct pt_tpl_field *f)
{
    if (!field_value(r, f)) {
        put(r, "—", strlen("—"));
        return;
    }
    pt_text_clean(r->val);
    if (r->t->mode == PT_TPL_HTML)
        put_html(r, r->val);
    else
        put(r, r->val, strlen(r->val));
}

static void render_range(struct render *r, int from, int to);

static void render_list(struct render *r, int i)
{
    const struct node *nd = &r->t->nodes[i];
    const struct pt_tpl_field *f = nd->field;
    const struct pt_tpl_schema *s = r->t->schema;
    const void *obj = frame_obj(r, f->scope);
    int n = obj ? s->count(obj, f->id) : 0, shown = 0;
    for (int k = 0; k < n; k++) {
        const void *e = s->elem(obj, f->id, k);
        if (!e)
            continue;
        shown++;
        if (nd->type != NODE_SECTION)
            break;
        r->frames[r->nframes++] = (struct frame){f->elem_scope, e};
        render_range(r, i + 1, nd->end);
        r->nframes--;
    }
    if (nd->type == NODE_INVERTED && !shown)
        render_range(r, i + 1, nd->end);
}

static void render_section(struct render *r, int i)
{
    const struct node *nd = &r->t->nodes[i];
    if (nd->field->type == PT_TPL_LIST) {
        render_list(r, i);
        return;
    }
    int on = field_value(r, nd->field) != 0;
    if (on == (nd->type == NODE_SECTION))
        render_range(r, i + 1, nd->end);
}

static void render_range(struct render *r, int from, int to)
{
    for (int i = from; i < to && !r->oom;) {
        const struct node *nd = &r->t->nodes[i];
        if (nd->type == NODE_TEXT) {
            put(r, r->t->src + nd->off, nd->len);
            i++;
        } else if (nd->type == NODE_VALUE) {
            render_value(r, nd->field);
            i++;
        } else {
            render_section(r, i);
            i = nd->end;
        }
    }
}

/* PT_TPL_LINE: one line, no blanks at either end. */
static void make_line(struct render *r)
{
    r->len = pt_text_clean(r->out);
    size_t start = 0;
    while (start < r->len && r->out[start] == ' ')
        start++;
    while (r->len > start && r->out[r->len - 1] == ' ')
        r->len--;
    memmove(r->out, r->out + start, r->len - start);
    r->len -= start;
    r->out[r->len] = '\0';
}

int pt_template_render(const struct pt_template *t, const void *root, char **out, size_t *len,
                       struct pt_err *err)
{
    *out = NULL;
    *len = 0;
    struct render *r = calloc(1, sizeof *r);
    if (!r)
        return pt_err_set(err, PT_ENOMEM, "rendering a template: out of memory");
    r->t = t;
    r->frames[r->nframes++] = (struct frame){0, root};
    put(r, "", 0); /* an empty template still gives "" */
    render_range(r, 0, t->n);
    if (r->oom) {
        free(r->out);
        free(r);
        return pt_err_set(err, PT_ENOMEM, "rendering a template: out of memory");
    }
    if (t->mode == PT_TPL_LINE)
        make_line(r);
    *out = r->out;
    *len = r->len;
    free(r);
    return 0;
}
