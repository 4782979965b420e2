/* Templates: a small logic-less language (a subset of Mustache) for the
 * messages plantrack writes. `{{field}}` substitutes a value, `{{#f}}…{{/f}}`
 * repeats over a list or shows its body when f has a value (a flag: when it
 * is true), `{{^f}}…{{/f}}` when it has none, `{{! … }}` is a comment. A line
 * holding only a section tag or a comment leaves no line behind.
 *
 * The fields a template may name come from a schema the caller hands in;
 * an unknown field, a section left open or a stray tag is an error at parse
 * time that names the file and line, never at render time. What the fields
 * mean is the caller's business (mail.c: config/mail/README.md). */
#ifndef PT_TEMPLATE_H
#define PT_TEMPLATE_H

#include <stddef.h>

#include "error.h"

#define PT_TEMPLATE_MAX (1 << 20) /* bytes of a template file */
#define PT_TEMPLATE_DEPTH 16      /* sections nested in one another */
#define PT_TEMPLATE_VALUE 2048    /* bytes of one value, before escaping */

/* How substituted values are written. Every value first loses its control
 * characters (line breaks and tabs become spaces) and invalid UTF-8. */
enum pt_tpl_mode {
    PT_TPL_PLAIN, /* as is */
    PT_TPL_HTML,  /* & < > " ' as entities */
    PT_TPL_LINE,  /* as is, and the whole output is one line: the template's own
                     line breaks become spaces, leading/trailing blanks go */
};

enum pt_tpl_type {
    PT_TPL_TEXT, /* substituted; a section shows when it has a value */
    PT_TPL_FLAG, /* only a section's condition: true or false */
    PT_TPL_LIST, /* only a section: its body once per element */
};

/* One name a template may use. Scope 0 is the root object handed to
 * pt_template_render; a list's elements open scope elem_scope, inside whose
 * sections the fields of that scope are visible (and the outer ones still). */
struct pt_tpl_field {
    const char *name;
    int scope;
    enum pt_tpl_type type;
    int elem_scope; /* a list: the scope of its elements */
    int id;         /* handed back to the schema's callbacks */
};

struct pt_tpl_schema {
    const struct pt_tpl_field *fields;
    int nfields;
    /* A text field of obj (an object of the field's scope) into buf (cap
     * bytes, NUL-terminated): 1, or 0 when it has no value. A flag: 1 when
     * true, 0 when false (buf unused). */
    int (*value)(const void *obj, int id, char *buf, size_t cap);
    /* A list of obj: how many elements it has... */
    int (*count)(const void *obj, int id);
    /* ...and element k (0 ≤ k < count), or NULL to leave it out. */
    const void *(*elem)(const void *obj, int id, int k);
};

struct pt_template;

/* Parses src (len bytes, UTF-8) into *out. name (a file name, or a word like
 * "built-in text template") prefixes error messages: "name:line: what".
 * The template copies src and keeps pointers to schema and its fields, which
 * must outlive it. Free with pt_template_free. */
int pt_template_parse(const char *src, size_t len, const char *name, enum pt_tpl_mode mode,
                      const struct pt_tpl_schema *schema, struct pt_template **out,
                      struct pt_err *err);

/* Reads the file at path (at most PT_TEMPLATE_MAX bytes) and parses it. */
int pt_template_load(const char *path, enum pt_tpl_mode mode, const struct pt_tpl_schema *schema,
                     struct pt_template **out, struct pt_err *err);

void pt_template_free(struct pt_template *t);

/* Renders t over root (an object of scope 0) into *out, a NUL-terminated
 * string of *len bytes that the caller frees. Fails only for memory. */
int pt_template_render(const struct pt_template *t, const void *root, char **out, size_t *len,
                       struct pt_err *err);

#endif
