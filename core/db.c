/*
 * SQLite behind the backend-neutral query API (see db.h).
 *
 * Invariants: one connection, loop thread only (opened NOMUTEX); pragmas
 * are set per connection before any transaction (foreign_keys is ignored
 * inside one); statements are cached by SQL text and always left reset
 * with bindings cleared; only one statement per call (a tail is refused,
 * so a stray ';' cannot smuggle a second one in).
 */
#include "db.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "nachbar/plugin.h"

#define CACHE_SLOTS 256

typedef struct cached {
  char *sql;
  sqlite3_stmt *stmt;
  uint64_t used; /* last use, for eviction */
} cached_t;

struct nb_db {
  sqlite3 *h;
  cached_t cache[CACHE_SLOTS];
  uint64_t tick;
  int in_tx;
  int allow_tx;   /* begin/commit/rollback below are running */
  int read_scope; /* consecutive reads share one snapshot (nb__db_read_scope) */
  int in_read;    /* that snapshot's deferred transaction is open */
  int version_read; /* data_version read in the open snapshot */
  int64_t seen_data; /* data_version at the last nb__db_version */
  uint64_t version;
  char errmsg[512];
};

const char *nb__db_lib_version(void) { return sqlite3_libversion(); }

const char *nb__db_errmsg(nb_db_t *db) { return db ? db->errmsg : ""; }

static int set_error(nb_db_t *db, int rc) {
  snprintf(db->errmsg, sizeof(db->errmsg), "%s", sqlite3_errmsg(db->h));
  switch (rc & 0xff) {
  case SQLITE_OK:
  case SQLITE_DONE:
  case SQLITE_ROW:
    return 0;
  case SQLITE_CONSTRAINT:
    return NB_ECONSTRAINT;
  case SQLITE_BUSY:
  case SQLITE_LOCKED:
    return NB_EBUSY;
  case SQLITE_RANGE:
  case SQLITE_MISMATCH:
    return NB_EINVAL;
  case SQLITE_NOMEM:
    return NB_ENOMEM;
  default:
    return NB_EDB;
  }
}

static int pragma(nb_db_t *db, const char *sql, const char *expect) {
  sqlite3_stmt *st = NULL;
  int rc = sqlite3_prepare_v2(db->h, sql, -1, &st, NULL);
  if (rc != SQLITE_OK)
    return set_error(db, rc);
  rc = sqlite3_step(st);
  if (rc == SQLITE_ROW && expect) {
    const char *got = (const char *)sqlite3_column_text(st, 0);
    if (!got || strcasecmp(got, expect) != 0) {
      snprintf(db->errmsg, sizeof(db->errmsg), "%s gave %s, expected %s", sql,
               got ? got : "NULL", expect);
      sqlite3_finalize(st);
      return NB_EDB;
    }
  }
  sqlite3_finalize(st);
  return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : set_error(db, rc);
}

/* Transaction statements only from nb__db_begin/commit/rollback: a COMMIT
 * or SAVEPOINT sent through nb__db_exec (a plugin's db_exec) or inside a
 * migration step would end or open a transaction behind the back of the
 * code that owns it. Checked when a statement is prepared. */
static int authorize(void *ud, int action, const char *a, const char *b,
                     const char *c, const char *d) {
  nb_db_t *db = ud;
  (void)a, (void)b, (void)c, (void)d;
  if ((action == SQLITE_TRANSACTION || action == SQLITE_SAVEPOINT) &&
      !db->allow_tx)
    return SQLITE_DENY;
  return SQLITE_OK;
}

int nb__db_open(nb_db_t **out, const char *path, const char *synchronous,
                long busy_timeout_ms) {
  static const char *const levels[] = {"OFF", "NORMAL", "FULL", "EXTRA"};
  char sql[64];
  int ok = 0;
  *out = NULL;
  for (size_t i = 0; i < 4; i++)
    ok |= synchronous && strcasecmp(synchronous, levels[i]) == 0;
  if (!ok)
    return NB_EINVAL;
  /* Before SQLite initialises (the first open): no allocation statistics,
   * which would take a global mutex around every malloc and free. Fails
   * harmlessly (SQLITE_MISUSE) once SQLite is initialised. */
  sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
  nb_db_t *db = calloc(1, sizeof(*db));
  if (!db)
    return NB_ENOMEM;
  db->version = 1;
  int rc = sqlite3_open_v2(path, &db->h,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
                               SQLITE_OPEN_NOMUTEX,
                           NULL);
  if (rc != SQLITE_OK)
    goto fail;
  sqlite3_extended_result_codes(db->h, 1);
  sqlite3_busy_timeout(db->h, (int)busy_timeout_ms);
  snprintf(sql, sizeof(sql), "PRAGMA synchronous=%s", synchronous);
  if (pragma(db, "PRAGMA foreign_keys=ON", NULL) ||
      pragma(db, "PRAGMA trusted_schema=OFF", NULL) ||
      pragma(db, "PRAGMA journal_mode=WAL", "wal") || pragma(db, sql, NULL))
    goto fail;
  sqlite3_set_authorizer(db->h, authorize, db);
  chmod(path, 0640);
  *out = db;
  return 0;
fail:
  if (db->h)
    sqlite3_close_v2(db->h);
  free(db);
  return NB_EDB;
}

void nb__db_close(nb_db_t *db) {
  if (!db)
    return;
  for (size_t i = 0; i < CACHE_SLOTS; i++) {
    sqlite3_finalize(db->cache[i].stmt);
    free(db->cache[i].sql);
  }
  sqlite3_close_v2(db->h);
  free(db);
}

static uint64_t hash_sql(const char *s) {
  uint64_t h = 1469598103934665603ull; /* FNV-1a */
  for (; *s; s++)
    h = (h ^ (unsigned char)*s) * 1099511628211ull;
  return h;
}

/* A prepared statement for `sql`, from the cache or newly prepared and
 * cached (evicting the least recently used in its probe window). */
static int prepare(nb_db_t *db, const char *sql, sqlite3_stmt **out) {
  size_t start = hash_sql(sql) % CACHE_SLOTS, victim = start;
  for (size_t i = 0; i < 8; i++) {
    cached_t *c = &db->cache[(start + i) % CACHE_SLOTS];
    if (c->sql && strcmp(c->sql, sql) == 0) {
      c->used = ++db->tick;
      *out = c->stmt;
      return 0;
    }
    if (!c->sql || c->used < db->cache[victim].used)
      victim = (start + i) % CACHE_SLOTS;
    if (!c->sql)
      break;
  }
  const char *tail = NULL;
  sqlite3_stmt *st = NULL;
  int rc = sqlite3_prepare_v3(db->h, sql, -1, SQLITE_PREPARE_PERSISTENT, &st,
                              &tail);
  if (rc != SQLITE_OK) {
    int e = set_error(db, rc);
    return e == NB_EDB ? NB_EINVAL : e; /* a statement that does not prepare */
  }
  if (!st) {
    snprintf(db->errmsg, sizeof(db->errmsg), "empty statement");
    return NB_EINVAL;
  }
  for (; tail && *tail; tail++)
    if (!strchr(" \t\r\n;", *tail)) {
      sqlite3_finalize(st);
      snprintf(db->errmsg, sizeof(db->errmsg),
               "only one statement per call is allowed");
      return NB_EINVAL;
    }
  cached_t *c = &db->cache[victim];
  char *copy = strdup(sql);
  if (!copy) {
    sqlite3_finalize(st);
    return NB_ENOMEM;
  }
  sqlite3_finalize(c->stmt);
  free(c->sql);
  c->sql = copy;
  c->stmt = st;
  c->used = ++db->tick;
  *out = st;
  return 0;
}

static int bind_one(nb_db_t *db, sqlite3_stmt *st, int i, const json_t *v) {
  int rc;
  switch (json_typeof(v)) {
  case JSON_STRING:
    rc = sqlite3_bind_text(st, i, json_string_value(v),
                           (int)json_string_length(v), SQLITE_TRANSIENT);
    break;
  case JSON_INTEGER:
    rc = sqlite3_bind_int64(st, i, json_integer_value(v));
    break;
  case JSON_REAL:
    rc = sqlite3_bind_double(st, i, json_real_value(v));
    break;
  case JSON_TRUE:
    rc = sqlite3_bind_int(st, i, 1);
    break;
  case JSON_FALSE:
    rc = sqlite3_bind_int(st, i, 0);
    break;
  case JSON_NULL:
    rc = sqlite3_bind_null(st, i);
    break;
  default: { /* objects and arrays as JSON text for SQLite's JSON functions */
    char *text = json_dumps(v, JSON_COMPACT);
    if (!text)
      return NB_ENOMEM;
    rc = sqlite3_bind_text(st, i, text, -1, free);
    break;
  }
  }
  return rc == SQLITE_OK ? 0 : set_error(db, rc);
}

static int bind_params(nb_db_t *db, sqlite3_stmt *st, const json_t *params) {
  int n = sqlite3_bind_parameter_count(st);
  if (!params || json_is_null(params)) {
    if (n == 0)
      return 0;
    snprintf(db->errmsg, sizeof(db->errmsg), "%d parameters expected, none given", n);
    return NB_EINVAL;
  }
  if (json_is_array(params)) {
    if ((size_t)n != json_array_size(params)) {
      snprintf(db->errmsg, sizeof(db->errmsg),
               "%d parameters expected, %zu given", n, json_array_size(params));
      return NB_EINVAL;
    }
    for (int i = 1; i <= n; i++) {
      int rc = bind_one(db, st, i, json_array_get(params, (size_t)i - 1));
      if (rc)
        return rc;
    }
    return 0;
  }
  if (!json_is_object(params)) {
    snprintf(db->errmsg, sizeof(db->errmsg),
             "parameters must be a JSON array or object");
    return NB_EINVAL;
  }
  for (int i = 1; i <= n; i++) {
    const char *name = sqlite3_bind_parameter_name(st, i);
    const json_t *v = name ? json_object_get(params, name + 1) : NULL;
    if (!v) {
      snprintf(db->errmsg, sizeof(db->errmsg), "parameter %s is missing",
               name ? name : "?");
      return NB_EINVAL;
    }
    int rc = bind_one(db, st, i, v);
    if (rc)
      return rc;
  }
  return 0;
}

static json_t *column_value(sqlite3_stmt *st, int i) {
  switch (sqlite3_column_type(st, i)) {
  case SQLITE_INTEGER:
    return json_integer(sqlite3_column_int64(st, i));
  case SQLITE_FLOAT:
    return json_real(sqlite3_column_double(st, i));
  case SQLITE_NULL:
    return json_null();
  default: /* TEXT, and BLOB as its bytes if they are valid UTF-8 */
    return json_stringn((const char *)sqlite3_column_text(st, i),
                        (size_t)sqlite3_column_bytes(st, i));
  }
}

/* Run a transaction statement (never cached, so the authorizer sees every
 * other use of one). */
static int tx(nb_db_t *db, const char *sql) {
  db->allow_tx = 1;
  int rc = sqlite3_exec(db->h, sql, NULL, NULL, NULL);
  db->allow_tx = 0;
  return rc == SQLITE_OK ? 0 : set_error(db, rc);
}

/* End the read snapshot: a read-only transaction, so COMMIT only lets go
 * of the WAL read lock. */
static void end_read(nb_db_t *db) {
  if (!db->in_read)
    return;
  db->in_read = 0;
  db->version_read = 0;
  if (!sqlite3_get_autocommit(db->h))
    tx(db, "COMMIT");
}

void nb__db_read_scope(nb_db_t *db, int on) {
  if (!db)
    return;
  db->read_scope = on;
  if (!on)
    end_read(db);
}

/* A PRAGMA counts as a write even when SQLite calls it read-only, and ends
 * the read snapshot before it is even prepared: SQLite applies a setting
 * such as foreign_keys while preparing, and ignores it inside a
 * transaction. */
static int is_pragma(const char *sql) {
  sql += strspn(sql, " \t\r\n");
  return strncasecmp(sql, "PRAGMA", 6) == 0;
}

/* Inside a read scope a statement that only reads (`ro`) joins (or opens)
 * the snapshot; any other statement ends it first, so a write commits
 * exactly as it would without the scope. */
static void read_scope_for(nb_db_t *db, int ro) {
  if (db->in_read && sqlite3_get_autocommit(db->h)) {
    /* SQLite rolled the snapshot back itself (I/O error, out of memory) */
    db->in_read = 0;
    db->version_read = 0;
  }
  if (db->in_read && !ro)
    end_read(db);
  else if (ro && db->read_scope && !db->in_read && !db->in_tx &&
           sqlite3_get_autocommit(db->h) && tx(db, "BEGIN") == 0)
    db->in_read = 1;
}

/* Bind, step to the end, collect rows if wanted, always reset. */
static int run(nb_db_t *db, const char *sql, const json_t *params,
               json_t **rows) {
  sqlite3_stmt *st = NULL;
  json_t *out = NULL;
  int pragma = is_pragma(sql);
  if (pragma)
    end_read(db);
  int rc = prepare(db, sql, &st);
  if (rc)
    return rc;
  int ro = !pragma && sqlite3_stmt_readonly(st);
  read_scope_for(db, ro);
  if (!ro) /* whatever it changes (rows, schema, settings): kept values go */
    db->version++;
  rc = bind_params(db, st, params);
  if (rc)
    goto done;
  if (rows && !(out = json_array())) {
    rc = NB_ENOMEM;
    goto done;
  }
  for (;;) {
    int s = sqlite3_step(st);
    if (s == SQLITE_DONE)
      break;
    if (s != SQLITE_ROW) {
      rc = set_error(db, s);
      /* A cached statement SQLite could not re-prepare after a schema
       * change fails here, not in prepare(): answer as for SQL that does
       * not prepare (NB_EINVAL), the same with or without the cache. */
      if ((s & 0xff) == SQLITE_ERROR) {
        sqlite3_stmt *fresh = NULL;
        if (sqlite3_prepare_v2(db->h, sql, -1, &fresh, NULL) != SQLITE_OK) {
          snprintf(db->errmsg, sizeof(db->errmsg), "%s", sqlite3_errmsg(db->h));
          rc = NB_EINVAL;
        }
        sqlite3_finalize(fresh);
      }
      goto done;
    }
    if (!out)
      continue;
    /* Counted after the step: SQLite re-prepares a cached statement there
     * when the schema changed (SELECT * after ALTER TABLE). */
    int ncol = sqlite3_data_count(st);
    json_t *row = json_object();
    if (!row) {
      rc = NB_ENOMEM;
      goto done;
    }
    for (int i = 0; i < ncol; i++) {
      json_t *v = column_value(st, i);
      if (!v) {
        json_decref(row);
        snprintf(db->errmsg, sizeof(db->errmsg),
                 "column %s is not valid UTF-8 text", sqlite3_column_name(st, i));
        rc = NB_EDB;
        goto done;
      }
      json_object_set_new(row, sqlite3_column_name(st, i), v);
    }
    json_array_append_new(out, row);
  }
done:
  sqlite3_reset(st);
  sqlite3_clear_bindings(st);
  if (rc == 0 && rows) {
    *rows = out;
    out = NULL;
  }
  json_decref(out);
  return rc;
}

int nb__db_query(nb_db_t *db, const char *sql, const json_t *params,
                 json_t **rows) {
  if (rows)
    *rows = NULL;
  if (!db || !sql)
    return NB_EINVAL;
  return run(db, sql, params, rows);
}

int nb__db_exec(nb_db_t *db, const char *sql, const json_t *params,
                int64_t *changes, int64_t *last_id) {
  if (!db || !sql)
    return NB_EINVAL;
  int rc = run(db, sql, params, NULL);
  if (rc)
    return rc;
  if (changes)
    *changes = sqlite3_changes64(db->h);
  if (last_id)
    *last_id = sqlite3_last_insert_rowid(db->h);
  return 0;
}

int nb__db_script(nb_db_t *db, const char *sql) {
  char *err = NULL;
  end_read(db);
  db->version++;
  int rc = sqlite3_exec(db->h, sql, NULL, NULL, &err);
  if (rc != SQLITE_OK) {
    snprintf(db->errmsg, sizeof(db->errmsg), "%s",
             err ? err : sqlite3_errmsg(db->h));
    sqlite3_free(err);
    int e = set_error(db, rc);
    snprintf(db->errmsg, sizeof(db->errmsg), "%s", sqlite3_errmsg(db->h));
    return e ? e : NB_EDB;
  }
  return 0;
}

int nb__db_begin(nb_db_t *db) {
  if (db->in_tx)
    return NB_ESTATE;
  end_read(db);
  int rc = tx(db, "BEGIN IMMEDIATE");
  if (rc == 0)
    db->in_tx = 1;
  return rc;
}

int nb__db_commit(nb_db_t *db) {
  if (!db->in_tx)
    return NB_ESTATE;
  int rc = tx(db, "COMMIT");
  if (rc && !sqlite3_get_autocommit(db->h))
    tx(db, "ROLLBACK");
  db->in_tx = 0;
  return rc;
}

int nb__db_rollback(nb_db_t *db) {
  if (!db->in_tx)
    return NB_ESTATE;
  db->in_tx = 0;
  return tx(db, "ROLLBACK");
}

int nb__db_in_tx(nb_db_t *db) { return db->in_tx; }

void nb__db_rows_json(json_t *rows, const char *col, int array) {
  size_t i;
  json_t *r;
  json_array_foreach(rows, i, r) {
    const char *text = json_string_value(json_object_get(r, col));
    json_t *v = text ? json_loads(text, 0, NULL) : NULL;
    json_object_set_new(r, col, v ? v : array ? json_array() : json_object());
  }
}

/* Two sources: db->version itself moves with every statement of this
 * connection that may change something (run() and nb__db_script: rows,
 * schema, settings; the only ways to the connection); data_version moves
 * when another connection commits (it is read in a read transaction: the
 * PRAGMA opens one, or joins the read scope's snapshot, in which it
 * cannot move). */
uint64_t nb__db_version(nb_db_t *db) {
  if (!db->version_read) {
    sqlite3_stmt *st = NULL;
    int64_t data = -1;
    if (prepare(db, "PRAGMA data_version", &st) == 0) {
      read_scope_for(db, 1); /* reads a counter: joins the snapshot */
      if (sqlite3_step(st) == SQLITE_ROW)
        data = sqlite3_column_int64(st, 0);
      sqlite3_reset(st);
    }
    if (data < 0 || data != db->seen_data)
      db->version++; /* unknown counts as changed */
    db->seen_data = data;
    db->version_read = db->in_read && data >= 0;
  }
  return db->version;
}

int nb__db_checkpoint(nb_db_t *db) {
  end_read(db);
  int rc = sqlite3_wal_checkpoint_v2(db->h, NULL, SQLITE_CHECKPOINT_TRUNCATE,
                                     NULL, NULL);
  return rc == SQLITE_OK ? 0 : set_error(db, rc);
}

int nb__db_backup(nb_db_t *db, const char *out) {
  struct stat st;
  if (stat(out, &st) == 0)
    return NB_EEXIST;
  end_read(db);
  /* VACUUM INTO reads one consistent snapshot of the live WAL database. */
  sqlite3_stmt *stmt = NULL;
  db->allow_tx = 1; /* VACUUM INTO runs its own transaction */
  int rc = sqlite3_prepare_v2(db->h, "VACUUM INTO ?1", -1, &stmt, NULL);
  if (rc == SQLITE_OK)
    rc = sqlite3_bind_text(stmt, 1, out, -1, SQLITE_TRANSIENT);
  if (rc == SQLITE_OK)
    rc = sqlite3_step(stmt);
  sqlite3_finalize(stmt);
  db->allow_tx = 0;
  if (rc != SQLITE_DONE && rc != SQLITE_OK) {
    int e = set_error(db, rc);
    return e ? e : NB_EDB;
  }
  chmod(out, 0640);
  return 0;
}
