/* The plantrack command-line tool: shared pieces of its commands. Each
 * command lives in a cli_*.c file and has the signature of cli_cmd_fn. */
#ifndef PT_CLI_H
#define PT_CLI_H

#include <jansson.h>
#include <stdio.h>

#include "catalogue.h"
#include "eval.h"
#include "store.h"

/* Exit statuses of every command. */
enum { CLI_OK = 0, CLI_FAIL = 1, CLI_USAGE = 2 };

/* An option of a command. Flags take no argument; the others take one
 * (--name VALUE or --name=VALUE); `multi` options may repeat. */
struct cli_opt {
    const char *name;
    enum { CLI_FLAG, CLI_VALUE, CLI_MULTI } type;
    void *out; /* int * for flags, const char ** for values, struct cli_list * for multi */
};

struct cli_list {
    const char *v[16];
    int n;
};

/* What every command gets: options common to all, parsed first. */
struct cli_ctx {
    const char *prog; /* "plantrack" */
    const char *cmd;  /* the command name */
    const char *db;   /* --db, $PLANTRACK_DB or the default path */
    int color;        /* colour verdicts on the terminal */
};

typedef int (*cli_cmd_fn)(struct cli_ctx *ctx, int argc, char **argv);

/* Parses argv (after the command name) against opts plus --db, --help and
 * --color; positional arguments (including negative numbers) go to pos.
 * Returns 0, 1 when --help was given (help already printed), or CLI_USAGE
 * after printing what was wrong. */
int cli_parse(struct cli_ctx *ctx, int argc, char **argv, const struct cli_opt *opts,
              const char *help, char **pos, int maxpos, int *npos);

/* Prints "plantrack CMD: message" to stderr. */
void cli_error(struct cli_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Exit status for an error code: CLI_USAGE for refused input, else CLI_FAIL. */
int cli_status_of(int code);

/* Prepares sql for a command reading the store: NULL after saying why on
 * stderr and setting *fail. */
sqlite3_stmt *cli_prepare(struct cli_ctx *ctx, struct pt_store *st, const char *sql, int *fail);

/* Opens the store (never creating it) and reads the catalogue. */
int cli_open(struct cli_ctx *ctx, struct pt_store **st, struct pt_catalogue **cat);
/* cli_open, then checks --plan: an unknown plan_id (NULL: none given) is
 * refused with CLI_USAGE and nothing left open. */
int cli_open_plan(struct cli_ctx *ctx, const char *plan_id, struct pt_store **st,
                  struct pt_catalogue **cat);


/* Parses a finite decimal number ("-3", "67.9", "1e3"); 0 when s is not one. */
int cli_number(const char *s, double *out);
/* Parses a whole-number year; 0 when it is not one. */
int cli_year(const char *s);

/* Formats a number for tables: up to two decimals, no trailing zeros. */
void cli_num(char *buf, size_t cap, int has, double v);
/* A JSON number rounded to 6 decimals (hiding binary noise), or null. */
json_t *cli_json_num(int has, double v);
/* Prints a JSON value to stdout with a newline; takes the reference. */
int cli_print_json(json_t *v);

/* The evaluation of one indicator for a year, with its actuals loaded. */
int cli_evaluate(struct pt_store *st, const struct pt_indicator *ind, int year,
                 struct pt_eval *out);
/* The status object of an indicator: the fields of status --json; with ev
 * NULL, only the catalogue fields (for indicators --json). */
json_t *cli_status_json(const struct pt_indicator *ind, const struct pt_eval *ev);

int cli_init(struct cli_ctx *ctx, int argc, char **argv);
int cli_record(struct cli_ctx *ctx, int argc, char **argv);
int cli_status(struct cli_ctx *ctx, int argc, char **argv);
int cli_indicators(struct cli_ctx *ctx, int argc, char **argv);
int cli_show(struct cli_ctx *ctx, int argc, char **argv);
int cli_bureaus(struct cli_ctx *ctx, int argc, char **argv);
int cli_export(struct cli_ctx *ctx, int argc, char **argv);
int cli_alerts(struct cli_ctx *ctx, int argc, char **argv);
int cli_silence(struct cli_ctx *ctx, int argc, char **argv);

#endif
