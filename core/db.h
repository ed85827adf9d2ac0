/*
 * Storage: one SQLite connection on the loop thread, behind a small
 * backend-neutral API (SQL text + JSON parameters in, JSON rows out).
 *
 * Invariants: WAL mode, foreign_keys=ON, trusted_schema=OFF, a busy timeout;
 * prepared statements are cached by SQL text and reset after each use; no
 * sqlite3* leaves this file (and migrate.c/backup via the functions below).
 */
#ifndef NB_CORE_DB_H
#define NB_CORE_DB_H

#include <stdint.h>
#include <jansson.h>

typedef struct nb_db nb_db_t;

/* Open (creating if needed) the database at `path`. `synchronous` is one of
 * OFF/NORMAL/FULL/EXTRA. On error returns NB_EDB and *out is NULL (a failed
 * open needs no close). */
int nb__db_open(nb_db_t **out, const char *path, const char *synchronous,
                long busy_timeout_ms);

/* Finalize cached statements and close. NULL is a no-op. */
void nb__db_close(nb_db_t *db);

/* Run one statement (see nb_host_t.db_query for the parameter and row
 * shapes). *rows (may be NULL) receives a new reference. Returns 0,
 * NB_EINVAL (bad SQL or parameters), NB_ECONSTRAINT, NB_EBUSY or NB_EDB. */
int nb__db_query(nb_db_t *db, const char *sql, const json_t *params,
                 json_t **rows);

/* Like nb__db_query for statements that change data. */
int nb__db_exec(nb_db_t *db, const char *sql, const json_t *params,
                int64_t *changes, int64_t *last_id);

/* Run a script of several statements without parameters (migrations). */
int nb__db_script(nb_db_t *db, const char *sql);

/* Transactions (BEGIN IMMEDIATE). They do not nest: NB_ESTATE. */
int nb__db_begin(nb_db_t *db);
int nb__db_commit(nb_db_t *db);
int nb__db_rollback(nb_db_t *db);
int nb__db_in_tx(nb_db_t *db);

/* A read scope (on = 1 until on = 0): the read-only statements run in it
 * share one snapshot, a deferred transaction opened at the first of them,
 * instead of one lock round each. A statement that writes, a script, a
 * checkpoint, a backup or nb__db_begin ends the snapshot first; the next
 * read opens a new one. Off ends it. The HTTP dispatcher puts each
 * handler's synchronous part in one. Not a transaction for the caller:
 * nb__db_in_tx stays 0. */
void nb__db_read_scope(nb_db_t *db, int on);

/* A number that changes whenever the database may have changed since the
 * last call: a row written by this connection or a commit by another
 * process (the sqlite3 tool, a second server). Read it before reading
 * what you keep (nb__memo); in a read scope it is read once per snapshot.
 * Never 0. */
uint64_t nb__db_version(nb_db_t *db);

/* In every row of `rows`, replace the JSON text in column `col` (SQLite
 * hands json() results over as text) by its value; NULL or text that does
 * not parse becomes an empty array (`array`) or object. */
void nb__db_rows_json(json_t *rows, const char *col, int array);

/* The last error message on this connection (for logs). */
const char *nb__db_errmsg(nb_db_t *db);

/* Checkpoint the WAL into the main file and truncate it (clean stop). */
int nb__db_checkpoint(nb_db_t *db);

/* Write a consistent copy of the live database to `out` (VACUUM INTO);
 * `out` must not exist. */
int nb__db_backup(nb_db_t *db, const char *out);

/* Versions for --version. */
const char *nb__db_lib_version(void);

#endif
