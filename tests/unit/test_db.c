/*
 * Unit tests for core/db.c against a real SQLite file in a fresh temporary
 * directory per test: connection pragmas, JSON parameters and rows, the
 * one-statement rule, the statement cache, transactions, constraint codes.
 *
 * Invariant: every test opens its own database in its own directory, and
 * the teardown removes the directory with everything SQLite put in it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "db.h"
#include "nachbar/plugin.h"

#define BUSY_MS 200

typedef struct fixture {
  char dir[64];
  char path[128];
  nb_db_t *db;
} fixture_t;

static int setup(void **state) {
  fixture_t *f = calloc(1, sizeof(*f));
  if (!f)
    return -1;
  snprintf(f->dir, sizeof(f->dir), "/tmp/nb-test-db-XXXXXX");
  if (!mkdtemp(f->dir)) {
    free(f);
    return -1;
  }
  snprintf(f->path, sizeof(f->path), "%s/nachbar.db", f->dir);
  if (nb__db_open(&f->db, f->path, "NORMAL", BUSY_MS) != 0) {
    rmdir(f->dir);
    free(f);
    return -1;
  }
  *state = f;
  return 0;
}

/* Close and remove the directory and every file in it (db, -wal, -shm,
 * backups). */
static int teardown(void **state) {
  fixture_t *f = *state;
  nb__db_close(f->db);
  DIR *d = opendir(f->dir);
  if (d) {
    struct dirent *e;
    char p[384];
    while ((e = readdir(d))) {
      if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
        continue;
      snprintf(p, sizeof(p), "%s/%s", f->dir, e->d_name);
      unlink(p);
    }
    closedir(d);
  }
  int rc = rmdir(f->dir);
  free(f);
  return rc;
}

/* Close and open the fixture's database again (what a restart does). */
static void reopen(fixture_t *f) {
  nb__db_close(f->db);
  f->db = NULL;
  assert_int_equal(nb__db_open(&f->db, f->path, "NORMAL", BUSY_MS), 0);
}

static void assert_json(const json_t *j, const char *expect) {
  char *s = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
  assert_non_null(s);
  assert_string_equal(s, expect);
  free(s);
}

/* Rows of `sql` (no parameters) as compact JSON text, compared. */
static void assert_rows(nb_db_t *db, const char *sql, const char *expect) {
  json_t *rows = NULL;
  int rc = nb__db_query(db, sql, NULL, &rows);
  if (rc)
    fail_msg("%s: %d %s", sql, rc, nb__db_errmsg(db));
  assert_json(rows, expect);
  json_decref(rows);
}

/* The one value of a one-row, one-column query. New reference. */
static json_t *scalar(nb_db_t *db, const char *sql) {
  json_t *rows = NULL;
  int rc = nb__db_query(db, sql, NULL, &rows);
  if (rc)
    fail_msg("%s: %d %s", sql, rc, nb__db_errmsg(db));
  assert_int_equal(json_array_size(rows), 1);
  const char *key;
  json_t *v, *out = NULL;
  json_object_foreach(json_array_get(rows, 0), key, v) {
    assert_null(out); /* exactly one column */
    out = json_incref(v);
  }
  assert_non_null(out);
  json_decref(rows);
  return out;
}

static json_int_t scalar_int(nb_db_t *db, const char *sql) {
  json_t *v = scalar(db, sql);
  if (!json_is_integer(v))
    fail_msg("%s: not an integer", sql);
  json_int_t i = json_integer_value(v);
  json_decref(v);
  return i;
}

static void exec_ok(nb_db_t *db, const char *sql) {
  int rc = nb__db_exec(db, sql, NULL, NULL, NULL);
  if (rc)
    fail_msg("%s: %d %s", sql, rc, nb__db_errmsg(db));
}

static void assert_errmsg_has(nb_db_t *db, const char *word) {
  const char *m = nb__db_errmsg(db);
  if (!strstr(m, word))
    fail_msg("errmsg '%s' does not contain '%s'", m, word);
}

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* ---- opening ---- */

static void open_sets_pragmas(void **state) {
  fixture_t *f = *state;
  json_t *mode = scalar(f->db, "PRAGMA journal_mode");
  assert_string_equal(json_string_value(mode), "wal");
  json_decref(mode);
  assert_int_equal(scalar_int(f->db, "PRAGMA foreign_keys"), 1);
  assert_int_equal(scalar_int(f->db, "PRAGMA busy_timeout"), BUSY_MS);
  assert_int_equal(scalar_int(f->db, "PRAGMA trusted_schema"), 0);
  assert_int_equal(scalar_int(f->db, "PRAGMA synchronous"), 1); /* NORMAL */
  assert_int_equal(nb__db_in_tx(f->db), 0);
  assert_string_equal(nb__db_errmsg(NULL), "");

  /* The file exists, is not world-readable, and writes go to the WAL. */
  struct stat st;
  assert_int_equal(stat(f->path, &st), 0);
  assert_int_equal(st.st_mode & 0777, 0640);
  exec_ok(f->db, "CREATE TABLE t (x INTEGER) STRICT");
  char wal[160];
  snprintf(wal, sizeof(wal), "%s-wal", f->path);
  assert_int_equal(stat(wal, &st), 0);
  assert_true(st.st_size > 0);

  /* WAL stays on after reopening; the other levels map as named. */
  nb__db_close(f->db);
  assert_int_equal(nb__db_open(&f->db, f->path, "extra", BUSY_MS * 2), 0);
  mode = scalar(f->db, "PRAGMA journal_mode");
  assert_string_equal(json_string_value(mode), "wal");
  json_decref(mode);
  assert_int_equal(scalar_int(f->db, "PRAGMA synchronous"), 3);
  assert_int_equal(scalar_int(f->db, "PRAGMA busy_timeout"), BUSY_MS * 2);
  assert_int_equal(scalar_int(f->db, "PRAGMA foreign_keys"), 1);
}

static void open_refuses(void **state) {
  fixture_t *f = *state;
  nb_db_t *db = (nb_db_t *)1;
  char path[160];
  snprintf(path, sizeof(path), "%s/other.db", f->dir);
  assert_int_equal(nb__db_open(&db, path, "SOMETIMES", BUSY_MS), NB_EINVAL);
  assert_null(db);
  db = (nb_db_t *)1;
  assert_int_equal(nb__db_open(&db, path, NULL, BUSY_MS), NB_EINVAL);
  assert_null(db);
  assert_int_equal(access(path, F_OK), -1); /* nothing created */

  snprintf(path, sizeof(path), "%s/no/such/dir/x.db", f->dir);
  db = (nb_db_t *)1;
  assert_int_equal(nb__db_open(&db, path, "FULL", BUSY_MS), NB_EDB);
  assert_null(db);

  /* Not a database: refused, not overwritten. */
  snprintf(path, sizeof(path), "%s/junk.db", f->dir);
  FILE *fp = fopen(path, "w");
  assert_non_null(fp);
  for (int i = 0; i < 64; i++)
    fputs("this is not an sqlite file ", fp);
  fclose(fp);
  db = (nb_db_t *)1;
  assert_int_equal(nb__db_open(&db, path, "FULL", BUSY_MS), NB_EDB);
  assert_null(db);

  nb__db_close(NULL); /* a no-op */
}

/* A second connection waits busy_timeout for the write lock, then gets
 * NB_EBUSY; WAL lets it read the last committed state meanwhile. */
static void busy_timeout_and_wal_readers(void **state) {
  fixture_t *f = *state;
  nb_db_t *other = NULL;
  exec_ok(f->db, "CREATE TABLE t (x INTEGER) STRICT");
  exec_ok(f->db, "INSERT INTO t VALUES (1)");
  assert_int_equal(nb__db_open(&other, f->path, "NORMAL", BUSY_MS), 0);

  assert_int_equal(nb__db_begin(f->db), 0);
  exec_ok(f->db, "INSERT INTO t VALUES (2)");

  double t0 = now_ms();
  assert_int_equal(nb__db_begin(other), NB_EBUSY);
  double waited = now_ms() - t0;
  if (waited < BUSY_MS * 0.75)
    fail_msg("gave up after %.0f ms, busy timeout is %d ms", waited, BUSY_MS);
  assert_int_equal(nb__db_in_tx(other), 0);
  assert_int_equal(
      nb__db_exec(other, "INSERT INTO t VALUES (3)", NULL, NULL, NULL),
      NB_EBUSY);

  /* Readers are not blocked and do not see uncommitted rows. */
  assert_rows(other, "SELECT x FROM t ORDER BY x", "[{\"x\":1}]");

  assert_int_equal(nb__db_commit(f->db), 0);
  assert_rows(other, "SELECT x FROM t ORDER BY x", "[{\"x\":1},{\"x\":2}]");
  assert_int_equal(nb__db_begin(other), 0);
  exec_ok(other, "INSERT INTO t VALUES (3)");
  assert_int_equal(nb__db_commit(other), 0);
  assert_rows(f->db, "SELECT count(*) AS n FROM t", "[{\"n\":3}]");
  nb__db_close(other);
}

/* ---- values in and out ---- */

static void row_types(void **state) {
  fixture_t *f = *state;
  json_t *rows = NULL;
  assert_int_equal(nb__db_query(f->db,
                                "SELECT 42 AS i, -7 AS neg, 1.5 AS r, "
                                "'Grüße' AS t, NULL AS n, '' AS e, "
                                "9223372036854775807 AS big, 2.0 AS whole",
                                NULL, &rows),
                   0);
  assert_true(json_is_array(rows));
  assert_int_equal(json_array_size(rows), 1);
  json_t *r = json_array_get(rows, 0);
  assert_int_equal(json_object_size(r), 8);
  assert_true(json_is_integer(json_object_get(r, "i")));
  assert_int_equal(json_integer_value(json_object_get(r, "i")), 42);
  assert_int_equal(json_integer_value(json_object_get(r, "neg")), -7);
  assert_true(json_is_real(json_object_get(r, "r")));
  assert_true(json_real_value(json_object_get(r, "r")) == 1.5);
  assert_true(json_is_string(json_object_get(r, "t")));
  assert_string_equal(json_string_value(json_object_get(r, "t")), "Grüße");
  assert_true(json_is_null(json_object_get(r, "n")));
  assert_string_equal(json_string_value(json_object_get(r, "e")), "");
  assert_true(json_integer_value(json_object_get(r, "big")) == INT64_MAX);
  assert_true(json_is_real(json_object_get(r, "whole"))); /* not 2 */
  json_decref(rows);

  /* Several rows keep their order; no rows is an empty array. */
  exec_ok(f->db, "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT) STRICT");
  exec_ok(f->db, "INSERT INTO t(name) VALUES ('a'), ('b'), (NULL)");
  assert_rows(f->db, "SELECT id, name FROM t ORDER BY id DESC",
              "[{\"id\":3,\"name\":null},{\"id\":2,\"name\":\"b\"},"
              "{\"id\":1,\"name\":\"a\"}]");
  assert_rows(f->db, "SELECT * FROM t WHERE id > 10", "[]");

  /* rows may be NULL: the statement still runs. */
  assert_int_equal(
      nb__db_query(f->db, "DELETE FROM t WHERE id = 3", NULL, NULL), 0);
  assert_rows(f->db, "SELECT count(*) AS n FROM t", "[{\"n\":2}]");
}

/* Every JSON type binds: true/false as 1/0, objects and arrays as their
 * compact JSON text (usable by SQLite's JSON functions). */
static void params_bind(void **state) {
  fixture_t *f = *state;
  json_t *rows = NULL;
  json_t *p = json_pack("[i, f, s, n, b, b, {s:i}, [i, i], I]", 5, 0.25, "x'y",
                        1, 0, "k", 9, 1, 2, (json_int_t)INT64_MIN);
  assert_int_equal(nb__db_query(f->db,
                                "SELECT ?1 AS i, typeof(?1) AS ti, ?2 AS r, "
                                "typeof(?2) AS tr, ?3 AS s, ?4 AS n, "
                                "?5 AS yes, ?6 AS no, ?7 AS o, "
                                "json_extract(?7, '$.k') AS ok, ?8 AS a, "
                                "json_array_length(?8) AS al, ?9 AS min",
                                p, &rows),
                   0);
  assert_json(rows, "[{\"a\":\"[1,2]\",\"al\":2,\"i\":5,\"min\":"
                    "-9223372036854775808,\"n\":null,\"no\":0,"
                    "\"o\":\"{\\\"k\\\":9}\",\"ok\":9,\"r\":0.25,"
                    "\"s\":\"x'y\",\"ti\":\"integer\",\"tr\":\"real\","
                    "\"yes\":1}]");
  json_decref(rows);
  json_decref(p);

  /* Named parameters come from an object, whatever the prefix. */
  p = json_pack("{s:s, s:i, s:s}", "who", "Ada", "n", 3, "unused", "x");
  assert_int_equal(
      nb__db_query(f->db, "SELECT :who AS w, @n + $n AS n2", p, &rows), 0);
  assert_json(rows, "[{\"n2\":6,\"w\":\"Ada\"}]");
  json_decref(rows);
  json_decref(p);

  /* Strings carry their length: an embedded NUL survives the round trip. */
  p = json_pack("[s%]", "a\0b", (size_t)3);
  assert_int_equal(nb__db_query(f->db,
                                "SELECT ?1 AS s, length(CAST(?1 AS "
                                "BLOB)) AS len",
                                p, &rows),
                   0);
  json_t *s = json_object_get(json_array_get(rows, 0), "s");
  assert_int_equal(json_string_length(s), 3);
  assert_memory_equal(json_string_value(s), "a\0b", 3);
  assert_int_equal(
      json_integer_value(json_object_get(json_array_get(rows, 0), "len")), 3);
  json_decref(rows);
  json_decref(p);

  /* An empty array is fine for a statement without parameters. */
  p = json_array();
  assert_int_equal(nb__db_query(f->db, "SELECT 1 AS one", p, &rows), 0);
  assert_json(rows, "[{\"one\":1}]");
  json_decref(rows);
  json_decref(p);
}

/* BLOBs come back as strings when their bytes are UTF-8; otherwise the
 * query fails with NB_EDB and a message naming the column. */
static void blob_handling(void **state) {
  fixture_t *f = *state;
  assert_rows(f->db, "SELECT x'68c3a9' AS b", "[{\"b\":\"hé\"}]");
  exec_ok(f->db, "CREATE TABLE bin (data BLOB) STRICT");
  exec_ok(f->db, "INSERT INTO bin VALUES (x'6869'), (x'ff00fe')");

  json_t *rows = (json_t *)1;
  assert_int_equal(
      nb__db_query(f->db, "SELECT data FROM bin ORDER BY rowid", NULL, &rows),
      NB_EDB);
  assert_null(rows);
  assert_errmsg_has(f->db, "data");
  assert_errmsg_has(f->db, "UTF-8");

  /* The same cached statement works again afterwards (it was reset). */
  exec_ok(f->db, "DELETE FROM bin WHERE data = x'ff00fe'");
  assert_rows(f->db, "SELECT data FROM bin ORDER BY rowid",
              "[{\"data\":\"hi\"}]");
  /* hex() is the way to read arbitrary bytes. */
  exec_ok(f->db, "INSERT INTO bin VALUES (x'ff00fe')");
  assert_rows(f->db, "SELECT hex(data) AS h FROM bin ORDER BY rowid",
              "[{\"h\":\"6869\"},{\"h\":\"FF00FE\"}]");
}

static void exec_reports_changes(void **state) {
  fixture_t *f = *state;
  int64_t changes = -1, last = -1;
  exec_ok(f->db, "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT) STRICT");
  json_t *p = json_pack("[s]", "a");
  assert_int_equal(
      nb__db_exec(f->db, "INSERT INTO t(v) VALUES (?1)", p, &changes, &last),
      0);
  assert_int_equal(changes, 1);
  assert_int_equal(last, 1);
  assert_int_equal(
      nb__db_exec(f->db, "INSERT INTO t(v) VALUES (?1)", p, &changes, &last),
      0);
  assert_int_equal(last, 2);
  json_decref(p);
  exec_ok(f->db, "INSERT INTO t(id, v) VALUES (10, 'b')");
  assert_int_equal(nb__db_exec(f->db, "UPDATE t SET v = 'z' WHERE id < 100",
                               NULL, &changes, NULL),
                   0);
  assert_int_equal(changes, 3);
  assert_int_equal(
      nb__db_exec(f->db, "DELETE FROM t WHERE id = 99", NULL, &changes, NULL),
      0);
  assert_int_equal(changes, 0);
  assert_rows(f->db, "SELECT group_concat(v, '') AS v FROM t",
              "[{\"v\":\"zzz\"}]");
}

/* ---- refusals ---- */

static void bad_sql(void **state) {
  fixture_t *f = *state;
  json_t *rows = (json_t *)1;
  assert_int_equal(nb__db_query(f->db, "SELEC 1", NULL, &rows), NB_EINVAL);
  assert_null(rows);
  assert_errmsg_has(f->db, "syntax error");
  assert_int_equal(nb__db_query(f->db, "SELECT * FROM nowhere", NULL, &rows),
                   NB_EINVAL);
  assert_errmsg_has(f->db, "no such table: nowhere");
  assert_int_equal(
      nb__db_query(f->db, "SELECT nope FROM sqlite_master", NULL, &rows),
      NB_EINVAL);
  assert_errmsg_has(f->db, "no such column: nope");
  assert_int_equal(
      nb__db_exec(f->db, "INSERT INTO nowhere VALUES (1)", NULL, NULL, NULL),
      NB_EINVAL);
  assert_errmsg_has(f->db, "no such table");
  assert_int_equal(nb__db_query(f->db, "", NULL, &rows), NB_EINVAL);
  assert_int_equal(nb__db_query(f->db, "  ;  ", NULL, &rows), NB_EINVAL);
  assert_errmsg_has(f->db, "empty statement");
  assert_int_equal(nb__db_query(f->db, NULL, NULL, &rows), NB_EINVAL);
  assert_int_equal(nb__db_query(NULL, "SELECT 1", NULL, &rows), NB_EINVAL);
  assert_int_equal(nb__db_exec(NULL, "SELECT 1", NULL, NULL, NULL), NB_EINVAL);

  /* A statement that failed to prepare was not cached: once the table
   * exists the same text works. */
  exec_ok(f->db, "CREATE TABLE nowhere (x INTEGER) STRICT");
  exec_ok(f->db, "INSERT INTO nowhere VALUES (1)");
  assert_rows(f->db, "SELECT * FROM nowhere", "[{\"x\":1}]");
  /* A runtime error is NB_EDB with SQLite's message. */
  assert_int_equal(
      nb__db_query(f->db, "SELECT json_extract('{', '$') AS j", NULL, &rows),
      NB_EDB);
  assert_errmsg_has(f->db, "malformed JSON");
}

static void one_statement_per_call(void **state) {
  fixture_t *f = *state;
  json_t *rows = (json_t *)1;
  exec_ok(f->db, "CREATE TABLE t (x INTEGER) STRICT");
  assert_int_equal(nb__db_query(f->db, "SELECT 1; SELECT 2", NULL, &rows),
                   NB_EINVAL);
  assert_null(rows);
  assert_errmsg_has(f->db, "only one statement");

  /* Neither the first nor the smuggled statement ran. */
  assert_int_equal(nb__db_exec(f->db, "INSERT INTO t VALUES (1); DROP TABLE t",
                               NULL, NULL, NULL),
                   NB_EINVAL);
  assert_errmsg_has(f->db, "only one statement");
  assert_rows(f->db, "SELECT count(*) AS n FROM t", "[{\"n\":0}]");
  json_t *p = json_pack("[i]", 5);
  assert_int_equal(nb__db_exec(f->db, "INSERT INTO t VALUES (?1);DELETE FROM t",
                               p, NULL, NULL),
                   NB_EINVAL);
  json_decref(p);
  assert_rows(f->db, "SELECT count(*) AS n FROM t", "[{\"n\":0}]");

  /* Trailing semicolons and whitespace are not a second statement. */
  exec_ok(f->db, "INSERT INTO t VALUES (7);;\n\t ");
  assert_rows(f->db, "SELECT x FROM t;", "[{\"x\":7}]");
}

static void param_mismatch(void **state) {
  fixture_t *f = *state;
  json_t *rows = (json_t *)1, *p;
  const char *two = "SELECT ?1 + ?2 AS s";

  p = json_pack("[i]", 1);
  assert_int_equal(nb__db_query(f->db, two, p, &rows), NB_EINVAL);
  assert_null(rows);
  assert_errmsg_has(f->db, "2 parameters expected, 1 given");
  json_decref(p);

  p = json_pack("[i, i, i]", 1, 2, 3);
  assert_int_equal(nb__db_query(f->db, two, p, &rows), NB_EINVAL);
  assert_errmsg_has(f->db, "2 parameters expected, 3 given");
  json_decref(p);

  assert_int_equal(nb__db_query(f->db, two, NULL, &rows), NB_EINVAL);
  assert_errmsg_has(f->db, "none given");
  p = json_null();
  assert_int_equal(nb__db_query(f->db, two, p, &rows), NB_EINVAL);
  json_decref(p);

  /* Parameters for a statement that takes none. */
  p = json_pack("[i]", 1);
  assert_int_equal(nb__db_query(f->db, "SELECT 1 AS one", p, &rows), NB_EINVAL);
  assert_errmsg_has(f->db, "0 parameters expected, 1 given");
  json_decref(p);

  /* Parameters must be an array or an object. */
  p = json_integer(1);
  assert_int_equal(nb__db_query(f->db, two, p, &rows), NB_EINVAL);
  assert_errmsg_has(f->db, "array or object");
  json_decref(p);
  p = json_string("1,2");
  assert_int_equal(nb__db_query(f->db, two, p, &rows), NB_EINVAL);
  json_decref(p);

  /* A named parameter missing from the object; positional ones cannot be
   * given by an object. */
  p = json_pack("{s:i}", "a", 1);
  assert_int_equal(nb__db_query(f->db, "SELECT :a + :b AS s", p, &rows),
                   NB_EINVAL);
  assert_errmsg_has(f->db, ":b is missing");
  assert_int_equal(nb__db_query(f->db, "SELECT ? AS s", p, &rows), NB_EINVAL);
  json_decref(p);

  /* After all that the statement binds afresh and works. */
  p = json_pack("[i, i]", 40, 2);
  assert_int_equal(nb__db_query(f->db, two, p, &rows), 0);
  assert_json(rows, "[{\"s\":42}]");
  json_decref(rows);
  json_decref(p);
}

/* ---- the statement cache ---- */

static sqlite3_int64 sqlite_heap(void) {
  sqlite3_int64 cur = 0, hi = 0;
  sqlite3_status64(SQLITE_STATUS_MEMORY_USED, &cur, &hi, 0);
  return cur;
}

static void select_n(nb_db_t *db, int n) {
  char sql[64];
  json_t *rows = NULL;
  snprintf(sql, sizeof(sql), "SELECT %d AS v", n);
  assert_int_equal(nb__db_query(db, sql, NULL, &rows), 0);
  assert_int_equal(
      json_integer_value(json_object_get(json_array_get(rows, 0), "v")), n);
  json_decref(rows);
}

/* Statements are kept prepared by SQL text: running the same text again
 * allocates nothing inside SQLite, a new text keeps one more statement, and
 * the cache is bounded (old statements are evicted, results stay right). */
static void statement_cache_reuses(void **state) {
  fixture_t *f = *state;
  if (sqlite_heap() <= 0)
    fail_msg("SQLite keeps no allocation statistics (see main)");
  select_n(f->db, 1); /* warm up the connection */
  sqlite3_int64 m0 = sqlite_heap();
  select_n(f->db, 2);
  sqlite3_int64 m1 = sqlite_heap();
  if (m1 <= m0)
    fail_msg("a new statement was not kept (%lld -> %lld bytes)", (long long)m0,
             (long long)m1);
  for (int i = 0; i < 200; i++)
    select_n(f->db, 2);
  assert_int_equal(sqlite_heap(), m1);

  /* Far more distinct texts than the cache holds: memory levels off. */
  for (int i = 1000; i < 1600; i++)
    select_n(f->db, i);
  sqlite3_int64 m2 = sqlite_heap();
  for (int i = 10000; i < 12000; i++)
    select_n(f->db, i);
  sqlite3_int64 m3 = sqlite_heap();
  sqlite3_int64 per_stmt = m1 - m0;
  if (m3 - m2 > per_stmt * 20)
    fail_msg("cache grew by %lld bytes over 2000 new statements "
             "(%lld per statement)",
             (long long)(m3 - m2), (long long)per_stmt);
  select_n(f->db, 2); /* evicted long ago: prepared again, still right */
  select_n(f->db, 1001);
}

/* A cached statement follows schema changes instead of serving a stale
 * plan or stale bindings. */
static void statement_cache_follows_schema(void **state) {
  fixture_t *f = *state;
  json_t *rows = NULL;
  exec_ok(f->db, "CREATE TABLE t (a INTEGER) STRICT");
  exec_ok(f->db, "INSERT INTO t VALUES (1)");
  assert_rows(f->db, "SELECT a FROM t", "[{\"a\":1}]");
  exec_ok(f->db, "DROP TABLE t");
  /* The code is checked in cached_statement_error_code. */
  assert_true(nb__db_query(f->db, "SELECT a FROM t", NULL, &rows) < 0);
  assert_null(rows);
  assert_errmsg_has(f->db, "no such table");
  exec_ok(f->db, "CREATE TABLE t (a TEXT, z TEXT) STRICT");
  exec_ok(f->db, "INSERT INTO t VALUES ('new', 'z')");
  assert_rows(f->db, "SELECT a FROM t", "[{\"a\":\"new\"}]");

  /* Each call binds afresh: a null after a string is null. */
  json_t *p = json_pack("{s:s}", "v", "one");
  assert_int_equal(nb__db_query(f->db, "SELECT :v AS v", p, &rows), 0);
  json_decref(rows);
  json_decref(p);
  p = json_pack("{s:n}", "v");
  assert_int_equal(nb__db_query(f->db, "SELECT :v AS v", p, &rows), 0);
  assert_json(rows, "[{\"v\":null}]");
  json_decref(rows);
  json_decref(p);
}

/* SQL that no longer fits the schema is NB_EINVAL whether or not the
 * statement happens to be in the cache. */
static void cached_statement_error_code(void **state) {
  fixture_t *f = *state;
  json_t *rows = NULL;
  exec_ok(f->db, "CREATE TABLE t (a INTEGER) STRICT");
  assert_rows(f->db, "SELECT a FROM t", "[]");
  exec_ok(f->db, "DROP TABLE t");
  int cached = nb__db_query(f->db, "SELECT a FROM t", NULL, &rows);
  assert_errmsg_has(f->db, "no such table: t");
  int fresh = nb__db_query(f->db, "SELECT a FROM t WHERE 1", NULL, &rows);
  assert_errmsg_has(f->db, "no such table: t");
  assert_int_equal(fresh, NB_EINVAL);
  assert_int_equal(cached, NB_EINVAL);
}

/* A cached "SELECT *" shows the columns the table has now, after ALTER
 * TABLE (what a plugin migration does). */
static void statement_cache_select_star_after_alter(void **state) {
  fixture_t *f = *state;
  json_t *rows = NULL;
  exec_ok(f->db, "CREATE TABLE t (a INTEGER) STRICT");
  exec_ok(f->db, "INSERT INTO t VALUES (1)");
  assert_rows(f->db, "SELECT * FROM t", "[{\"a\":1}]");
  exec_ok(f->db, "ALTER TABLE t ADD COLUMN b TEXT NOT NULL DEFAULT 'x'");
  assert_int_equal(nb__db_query(f->db, "SELECT * FROM t", NULL, &rows), 0);
  assert_json(rows, "[{\"a\":1,\"b\":\"x\"}]");
  json_decref(rows);
  exec_ok(f->db, "ALTER TABLE t DROP COLUMN a");
  assert_rows(f->db, "SELECT * FROM t", "[{\"b\":\"x\"}]");
}

/* ---- transactions ---- */

static void tx_commit_persists(void **state) {
  fixture_t *f = *state;
  exec_ok(f->db, "CREATE TABLE t (x INTEGER) STRICT");
  assert_int_equal(nb__db_begin(f->db), 0);
  assert_int_equal(nb__db_in_tx(f->db), 1);
  exec_ok(f->db, "INSERT INTO t VALUES (1)");
  exec_ok(f->db, "INSERT INTO t VALUES (2)");
  assert_int_equal(nb__db_commit(f->db), 0);
  assert_int_equal(nb__db_in_tx(f->db), 0);
  reopen(f);
  assert_rows(f->db, "SELECT x FROM t ORDER BY x", "[{\"x\":1},{\"x\":2}]");

  /* What was not committed before close is gone after reopening. */
  assert_int_equal(nb__db_begin(f->db), 0);
  exec_ok(f->db, "INSERT INTO t VALUES (3)");
  reopen(f);
  assert_int_equal(nb__db_in_tx(f->db), 0);
  assert_rows(f->db, "SELECT count(*) AS n FROM t", "[{\"n\":2}]");
}

static void tx_rollback_discards(void **state) {
  fixture_t *f = *state;
  exec_ok(f->db, "CREATE TABLE t (x INTEGER) STRICT");
  exec_ok(f->db, "INSERT INTO t VALUES (1)");
  assert_int_equal(nb__db_begin(f->db), 0);
  exec_ok(f->db, "INSERT INTO t VALUES (2)");
  exec_ok(f->db, "UPDATE t SET x = 100 WHERE x = 1");
  exec_ok(f->db, "CREATE TABLE u (y INTEGER) STRICT");
  assert_rows(f->db, "SELECT count(*) AS n FROM t", "[{\"n\":2}]");
  assert_int_equal(nb__db_rollback(f->db), 0);
  assert_int_equal(nb__db_in_tx(f->db), 0);
  assert_rows(f->db, "SELECT x FROM t", "[{\"x\":1}]");
  assert_rows(f->db, "SELECT count(*) AS n FROM sqlite_master WHERE name = 'u'",
              "[{\"n\":0}]");
  reopen(f);
  assert_rows(f->db, "SELECT x FROM t", "[{\"x\":1}]");
}

/* Transactions do not nest: a second begin is NB_ESTATE and leaves the
 * open one alone; commit and rollback outside one are NB_ESTATE. */
static void tx_no_nesting(void **state) {
  fixture_t *f = *state;
  exec_ok(f->db, "CREATE TABLE t (x INTEGER) STRICT");
  assert_int_equal(nb__db_commit(f->db), NB_ESTATE);
  assert_int_equal(nb__db_rollback(f->db), NB_ESTATE);

  assert_int_equal(nb__db_begin(f->db), 0);
  exec_ok(f->db, "INSERT INTO t VALUES (1)");
  assert_int_equal(nb__db_begin(f->db), NB_ESTATE);
  assert_int_equal(nb__db_in_tx(f->db), 1);
  exec_ok(f->db, "INSERT INTO t VALUES (2)");
  assert_int_equal(nb__db_rollback(f->db), 0);
  assert_rows(f->db, "SELECT count(*) AS n FROM t", "[{\"n\":0}]");
  assert_int_equal(nb__db_rollback(f->db), NB_ESTATE);

  assert_int_equal(nb__db_begin(f->db), 0);
  assert_int_equal(nb__db_begin(f->db), NB_ESTATE);
  exec_ok(f->db, "INSERT INTO t VALUES (3)");
  assert_int_equal(nb__db_commit(f->db), 0);
  assert_int_equal(nb__db_commit(f->db), NB_ESTATE);
  assert_rows(f->db, "SELECT x FROM t", "[{\"x\":3}]");
}

/* Transaction statements sent through exec must not leave nb__db_in_tx()
 * saying something other than SQLite: either they are refused, or the flag
 * follows them. */
static void tx_statements_through_exec(void **state) {
  fixture_t *f = *state;
  exec_ok(f->db, "CREATE TABLE t (x INTEGER) STRICT");
  assert_int_equal(nb__db_begin(f->db), 0);
  exec_ok(f->db, "INSERT INTO t VALUES (1)");
  int rc = nb__db_exec(f->db, "COMMIT", NULL, NULL, NULL);
  if (rc == 0) {
    assert_int_equal(nb__db_in_tx(f->db), 0);
    assert_int_equal(nb__db_begin(f->db), 0);
  } else {
    assert_int_equal(nb__db_in_tx(f->db), 1);
  }
  assert_int_equal(nb__db_commit(f->db), 0);
  assert_int_equal(nb__db_in_tx(f->db), 0);

  rc = nb__db_exec(f->db, "BEGIN", NULL, NULL, NULL);
  assert_int_equal(nb__db_in_tx(f->db), rc == 0);
  if (rc == 0)
    assert_int_equal(nb__db_rollback(f->db), 0);
  assert_int_equal(nb__db_begin(f->db), 0);
  assert_int_equal(nb__db_commit(f->db), 0);
  assert_rows(f->db, "SELECT x FROM t", "[{\"x\":1}]");
}

/* ---- constraints ---- */

static void constraint_violations(void **state) {
  fixture_t *f = *state;
  exec_ok(f->db, "CREATE TABLE parent (id INTEGER PRIMARY KEY, "
                 "  name TEXT NOT NULL UNIQUE, "
                 "  n INTEGER NOT NULL DEFAULT 0 CHECK (n >= 0)) STRICT");
  exec_ok(f->db, "CREATE TABLE child (id INTEGER PRIMARY KEY, "
                 "  parent_id INTEGER NOT NULL REFERENCES parent(id)) STRICT");
  exec_ok(f->db, "INSERT INTO parent(id, name) VALUES (1, 'a')");

  int64_t changes = -1;
  assert_int_equal(nb__db_exec(f->db, "INSERT INTO parent(name) VALUES ('a')",
                               NULL, &changes, NULL),
                   NB_ECONSTRAINT);
  assert_int_equal(changes, -1); /* untouched on error */
  assert_errmsg_has(f->db, "UNIQUE constraint failed: parent.name");
  assert_int_equal(nb__db_exec(f->db, "INSERT INTO parent(name) VALUES (NULL)",
                               NULL, NULL, NULL),
                   NB_ECONSTRAINT);
  assert_errmsg_has(f->db, "NOT NULL constraint failed");
  assert_int_equal(nb__db_exec(f->db,
                               "INSERT INTO parent(name, n) VALUES ('b', -1)",
                               NULL, NULL, NULL),
                   NB_ECONSTRAINT);
  assert_errmsg_has(f->db, "CHECK constraint failed");
  assert_int_equal(nb__db_exec(f->db,
                               "INSERT INTO parent(id, name) VALUES (1, 'c')",
                               NULL, NULL, NULL),
                   NB_ECONSTRAINT);

  /* foreign_keys is on: orphans and deleting a referenced row refused. */
  assert_int_equal(nb__db_exec(f->db,
                               "INSERT INTO child(parent_id) VALUES (99)", NULL,
                               NULL, NULL),
                   NB_ECONSTRAINT);
  assert_errmsg_has(f->db, "FOREIGN KEY constraint failed");
  exec_ok(f->db, "INSERT INTO child(parent_id) VALUES (1)");
  assert_int_equal(
      nb__db_exec(f->db, "DELETE FROM parent WHERE id = 1", NULL, NULL, NULL),
      NB_ECONSTRAINT);

  /* Inside a transaction a refused statement leaves the rest standing. */
  assert_int_equal(nb__db_begin(f->db), 0);
  exec_ok(f->db, "INSERT INTO parent(name) VALUES ('b')");
  assert_int_equal(nb__db_exec(f->db, "INSERT INTO parent(name) VALUES ('b')",
                               NULL, NULL, NULL),
                   NB_ECONSTRAINT);
  assert_int_equal(nb__db_in_tx(f->db), 1);
  assert_int_equal(nb__db_commit(f->db), 0);
  assert_rows(f->db, "SELECT name FROM parent ORDER BY id",
              "[{\"name\":\"a\"},{\"name\":\"b\"}]");
}

/* A deferred foreign key fails at COMMIT: the commit reports the
 * constraint, the whole transaction is gone and the connection is usable. */
static void constraint_at_commit(void **state) {
  fixture_t *f = *state;
  exec_ok(f->db, "CREATE TABLE parent (id INTEGER PRIMARY KEY) STRICT");
  exec_ok(f->db, "CREATE TABLE child (id INTEGER PRIMARY KEY, "
                 "  parent_id INTEGER REFERENCES parent(id) "
                 "  DEFERRABLE INITIALLY DEFERRED) STRICT");
  assert_int_equal(nb__db_begin(f->db), 0);
  exec_ok(f->db, "INSERT INTO parent VALUES (1)");
  exec_ok(f->db, "INSERT INTO child(parent_id) VALUES (42)");
  assert_int_equal(nb__db_commit(f->db), NB_ECONSTRAINT);
  assert_errmsg_has(f->db, "FOREIGN KEY constraint failed");
  assert_int_equal(nb__db_in_tx(f->db), 0);
  assert_rows(f->db,
              "SELECT (SELECT count(*) FROM parent) AS p, "
              "(SELECT count(*) FROM child) AS c",
              "[{\"c\":0,\"p\":0}]");
  assert_int_equal(nb__db_begin(f->db), 0);
  exec_ok(f->db, "INSERT INTO parent VALUES (42)");
  exec_ok(f->db, "INSERT INTO child(parent_id) VALUES (42)");
  assert_int_equal(nb__db_commit(f->db), 0);
  reopen(f);
  assert_rows(f->db, "SELECT parent_id FROM child", "[{\"parent_id\":42}]");
}

static void strict_tables_refuse_wrong_types(void **state) {
  fixture_t *f = *state;
  exec_ok(f->db, "CREATE TABLE s (i INTEGER, r REAL, t TEXT, b BLOB, a ANY) "
                 "STRICT");
  json_t *p = json_pack("[s]", "abc");
  assert_int_equal(
      nb__db_exec(f->db, "INSERT INTO s(i) VALUES (?1)", p, NULL, NULL),
      NB_ECONSTRAINT);
  assert_errmsg_has(f->db, "cannot store TEXT value in INTEGER column s.i");
  json_decref(p);
  p = json_pack("[f]", 1.5);
  assert_int_equal(
      nb__db_exec(f->db, "INSERT INTO s(i) VALUES (?1)", p, NULL, NULL),
      NB_ECONSTRAINT);
  json_decref(p);
  p = json_pack("[i]", 5);
  assert_int_equal(
      nb__db_exec(f->db, "INSERT INTO s(b) VALUES (?1)", p, NULL, NULL),
      NB_ECONSTRAINT);
  assert_errmsg_has(f->db, "cannot store INT value in BLOB column s.b");
  json_decref(p);
  p = json_pack("[s]", "x'00'");
  assert_int_equal(
      nb__db_exec(f->db, "INSERT INTO s(b) VALUES (?1)", p, NULL, NULL),
      NB_ECONSTRAINT);
  json_decref(p);
  p = json_pack("[{s:i}]", "k", 1); /* an object binds as TEXT */
  assert_int_equal(
      nb__db_exec(f->db, "INSERT INTO s(r) VALUES (?1)", p, NULL, NULL),
      NB_ECONSTRAINT);
  json_decref(p);
  assert_rows(f->db, "SELECT count(*) AS n FROM s", "[{\"n\":0}]");

  /* Lossless conversions are accepted and stored in the column's type;
   * ANY keeps what it is given. */
  exec_ok(f->db, "INSERT INTO s(i, r, t, a) VALUES (12, 3, '5', '7')");
  p = json_pack("[s, i, i, s]", "12", 3, 5, "7");
  assert_int_equal(nb__db_exec(f->db,
                               "INSERT INTO s(i, r, t, a) "
                               "VALUES (?1, ?2, ?3, ?4)",
                               p, NULL, NULL),
                   0);
  json_decref(p);
  p = json_pack("[f, i]", 2.0, 8);
  assert_int_equal(
      nb__db_exec(f->db, "INSERT INTO s(i, a) VALUES (?1, ?2)", p, NULL, NULL),
      0);
  json_decref(p);
  assert_rows(f->db,
              "SELECT i, typeof(i) AS ti, r, t, a, typeof(a) AS ta FROM s "
              "ORDER BY rowid",
              "[{\"a\":\"7\",\"i\":12,\"r\":3.0,\"t\":\"5\","
              "\"ta\":\"text\",\"ti\":\"integer\"},"
              "{\"a\":\"7\",\"i\":12,\"r\":3.0,\"t\":\"5\","
              "\"ta\":\"text\",\"ti\":\"integer\"},"
              "{\"a\":8,\"i\":2,\"r\":null,\"t\":null,"
              "\"ta\":\"integer\",\"ti\":\"integer\"}]");
}

/* ---- checkpoint and backup ---- */

static void checkpoint_and_backup(void **state) {
  fixture_t *f = *state;
  exec_ok(f->db, "CREATE TABLE t (x TEXT) STRICT");
  exec_ok(f->db, "INSERT INTO t VALUES ('kept')");
  assert_int_equal(nb__db_checkpoint(f->db), 0);
  char wal[160], out[160];
  struct stat st;
  snprintf(wal, sizeof(wal), "%s-wal", f->path);
  assert_int_equal(stat(wal, &st), 0);
  assert_int_equal(st.st_size, 0); /* truncated */

  snprintf(out, sizeof(out), "%s/backup.db", f->dir);
  assert_int_equal(nb__db_backup(f->db, out), 0);
  assert_int_equal(stat(out, &st), 0);
  assert_int_equal(st.st_mode & 0777, 0640);
  assert_int_equal(nb__db_backup(f->db, out), NB_EEXIST);

  nb_db_t *copy = NULL;
  assert_int_equal(nb__db_open(&copy, out, "FULL", BUSY_MS), 0);
  assert_rows(copy, "SELECT x FROM t", "[{\"x\":\"kept\"}]");
  nb__db_close(copy);
}

/* A read scope: the reads in it share one snapshot (a second connection's
 * commit is not seen until the scope ends); a write in it ends the
 * snapshot and commits at once, as it would outside. */
static void read_scope_snapshot(void **state) {
  fixture_t *f = *state;
  nb_db_t *other = NULL;
  exec_ok(f->db, "CREATE TABLE t(x INTEGER)");
  exec_ok(f->db, "INSERT INTO t VALUES (1)");
  assert_int_equal(nb__db_open(&other, f->path, "NORMAL", BUSY_MS), 0);

  nb__db_read_scope(f->db, 1);
  assert_int_equal(scalar_int(f->db, "SELECT count(*) FROM t"), 1);
  exec_ok(other, "INSERT INTO t VALUES (2)");
  assert_int_equal(scalar_int(f->db, "SELECT count(*) FROM t"), 1);
  assert_int_equal(nb__db_in_tx(f->db), 0);
  /* A write ends the snapshot first: it sees and keeps the other row. */
  exec_ok(f->db, "INSERT INTO t VALUES (3)");
  assert_int_equal(scalar_int(other, "SELECT count(*) FROM t"), 3);
  assert_int_equal(scalar_int(f->db, "SELECT count(*) FROM t"), 3);
  /* A transaction begun in the scope is a normal one. */
  assert_int_equal(nb__db_begin(f->db), 0);
  exec_ok(f->db, "INSERT INTO t VALUES (4)");
  assert_int_equal(nb__db_commit(f->db), 0);
  assert_int_equal(scalar_int(other, "SELECT count(*) FROM t"), 4);
  nb__db_read_scope(f->db, 0);

  /* Outside a scope every read sees the latest commit. */
  assert_int_equal(scalar_int(f->db, "SELECT count(*) FROM t"), 4);
  exec_ok(other, "INSERT INTO t VALUES (5)");
  assert_int_equal(scalar_int(f->db, "SELECT count(*) FROM t"), 5);
  /* Ending a scope that read nothing, or twice, is harmless. */
  nb__db_read_scope(f->db, 1);
  nb__db_read_scope(f->db, 0);
  nb__db_read_scope(f->db, 0);
  nb__db_close(other);
}

/* nb__db_version moves with this connection's writes and with another
 * connection's commits, and stays while only reads happen. */
static void version_follows_writes(void **state) {
  fixture_t *f = *state;
  nb_db_t *other = NULL;
  exec_ok(f->db, "CREATE TABLE t(x INTEGER)");
  uint64_t v0 = nb__db_version(f->db);
  assert_true(v0 != 0);
  assert_int_equal(scalar_int(f->db, "SELECT count(*) FROM t"), 0);
  assert_int_equal(nb__db_version(f->db), v0);
  exec_ok(f->db, "INSERT INTO t VALUES (1)");
  uint64_t v1 = nb__db_version(f->db);
  assert_true(v1 != v0);
  /* Every statement that may write moves it, even one that changed no
   * row (kept values are only read again). */
  exec_ok(f->db, "UPDATE t SET x = 2 WHERE x = 99");
  assert_true(nb__db_version(f->db) != v1);
  v1 = nb__db_version(f->db);
  /* A rolled-back write counts (kept values are only read again). */
  assert_int_equal(nb__db_begin(f->db), 0);
  exec_ok(f->db, "INSERT INTO t VALUES (7)");
  assert_int_equal(nb__db_rollback(f->db), 0);
  uint64_t v2 = nb__db_version(f->db);
  assert_true(v2 != v1);

  assert_int_equal(nb__db_open(&other, f->path, "NORMAL", BUSY_MS), 0);
  exec_ok(other, "INSERT INTO t VALUES (3)");
  uint64_t v3 = nb__db_version(f->db);
  assert_true(v3 != v2);
  assert_int_equal(nb__db_version(f->db), v3);
  /* In a read scope: read once per snapshot, and the snapshot's. */
  nb__db_read_scope(f->db, 1);
  assert_int_equal(nb__db_version(f->db), v3);
  exec_ok(other, "INSERT INTO t VALUES (4)");
  assert_int_equal(nb__db_version(f->db), v3);
  nb__db_read_scope(f->db, 0);
  uint64_t v4 = nb__db_version(f->db);
  assert_true(v4 != v3);
  /* Schema changes move it too (they change no row). */
  exec_ok(f->db, "CREATE TABLE u(y INTEGER)");
  uint64_t v5 = nb__db_version(f->db);
  assert_true(v5 != v4);
  exec_ok(f->db, "DROP TABLE u");
  assert_true(nb__db_version(f->db) != v5);
  nb__db_close(other);
}

/* A PRAGMA is not run inside the read snapshot (a setting such as
 * foreign_keys would be ignored there): it ends the snapshot and takes
 * effect. */
static void pragma_in_read_scope(void **state) {
  fixture_t *f = *state;
  exec_ok(f->db, "CREATE TABLE p(id INTEGER PRIMARY KEY)");
  exec_ok(f->db, "CREATE TABLE c(p INTEGER REFERENCES p(id))");
  nb__db_read_scope(f->db, 1);
  assert_int_equal(scalar_int(f->db, "SELECT count(*) FROM p"), 0);
  exec_ok(f->db, "PRAGMA foreign_keys=OFF");
  exec_ok(f->db, "INSERT INTO c VALUES (42)"); /* no parent: allowed now */
  exec_ok(f->db, "PRAGMA foreign_keys=ON");
  assert_int_equal(nb__db_exec(f->db, "INSERT INTO c VALUES (43)", NULL, NULL, NULL),
                   NB_ECONSTRAINT);
  nb__db_read_scope(f->db, 0);
  assert_int_equal(scalar_int(f->db, "SELECT count(*) FROM c"), 1);
}

int main(void) {
  /* The server turns SQLite's allocation statistics off (nb__db_open, before
   * SQLite initialises); statement_cache_reuses measures allocations with
   * them, so switch them on first: the server's call then fails harmlessly. */
  sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 1);
  sqlite3_initialize();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(open_sets_pragmas, setup, teardown),
      cmocka_unit_test_setup_teardown(open_refuses, setup, teardown),
      cmocka_unit_test_setup_teardown(busy_timeout_and_wal_readers, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(row_types, setup, teardown),
      cmocka_unit_test_setup_teardown(params_bind, setup, teardown),
      cmocka_unit_test_setup_teardown(blob_handling, setup, teardown),
      cmocka_unit_test_setup_teardown(exec_reports_changes, setup, teardown),
      cmocka_unit_test_setup_teardown(bad_sql, setup, teardown),
      cmocka_unit_test_setup_teardown(one_statement_per_call, setup, teardown),
      cmocka_unit_test_setup_teardown(param_mismatch, setup, teardown),
      cmocka_unit_test_setup_teardown(statement_cache_reuses, setup, teardown),
      cmocka_unit_test_setup_teardown(statement_cache_follows_schema, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(cached_statement_error_code, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(statement_cache_select_star_after_alter,
                                      setup, teardown),
      cmocka_unit_test_setup_teardown(tx_commit_persists, setup, teardown),
      cmocka_unit_test_setup_teardown(tx_rollback_discards, setup, teardown),
      cmocka_unit_test_setup_teardown(tx_no_nesting, setup, teardown),
      cmocka_unit_test_setup_teardown(tx_statements_through_exec, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(constraint_violations, setup, teardown),
      cmocka_unit_test_setup_teardown(constraint_at_commit, setup, teardown),
      cmocka_unit_test_setup_teardown(strict_tables_refuse_wrong_types, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(checkpoint_and_backup, setup, teardown),
      cmocka_unit_test_setup_teardown(read_scope_snapshot, setup, teardown),
      cmocka_unit_test_setup_teardown(version_follows_writes, setup, teardown),
      cmocka_unit_test_setup_teardown(pragma_in_read_scope, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
