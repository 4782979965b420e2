/* The schema migrations of db/, compiled in by cmake/embed_sql.cmake. */
#ifndef PT_MIGRATIONS_H
#define PT_MIGRATIONS_H

struct pt_migration {
    int version;      /* the NNN of db/NNN_name.sql; applied in order */
    const char *name; /* file name, for messages */
    const char *sql;
};

extern const struct pt_migration pt_migrations[];
extern const int pt_migrations_count;

#endif
