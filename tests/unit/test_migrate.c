/*
 * Unit tests for core/migrate.c and the core schema (core/schema.c) against
 * a real SQLite file in a fresh temporary directory per test: steps run once
 * per owner and are recorded, a failing step leaves no trace, owners do not
 * see each other, and a database newer than the binary is refused.
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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db.h"
#include "migrate.h"
#include "nachbar/plugin.h"

typedef struct fixture {
  char dir[64];
  char path[128];
  nb_db_t *db;
} fixture_t;

static int setup(void **state) {
  fixture_t *f = calloc(1, sizeof(*f));
  if (!f)
    return -1;
  snprintf(f->dir, sizeof(f->dir), "/tmp/nb-test-migrate-XXXXXX");
  if (!mkdtemp(f->dir)) {
    free(f);
    return -1;
  }
  snprintf(f->path, sizeof(f->path), "%s/nachbar.db", f->dir);
  if (nb__db_open(&f->db, f->path, "FULL", 1000) != 0 ||
      nb__migrate_prepare(f->db) != 0) {
    nb__db_close(f->db);
    unlink(f->path);
    rmdir(f->dir);
    free(f);
    return -1;
  }
  *state = f;
  return 0;
}

/* Close and remove the directory and every file in it. */
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
  assert_int_equal(nb__db_open(&f->db, f->path, "FULL", 1000), 0);
  assert_int_equal(nb__migrate_prepare(f->db), 0);
}

/* Rows of `sql` as compact JSON text with sorted keys, compared. */
static void assert_rows(nb_db_t *db, const char *sql, const char *expect) {
  json_t *rows = NULL;
  int rc = nb__db_query(db, sql, NULL, &rows);
  if (rc)
    fail_msg("%s: %d %s", sql, rc, nb__db_errmsg(db));
  char *s = json_dumps(rows, JSON_COMPACT | JSON_SORT_KEYS);
  assert_non_null(s);
  assert_string_equal(s, expect);
  free(s);
  json_decref(rows);
}

/* Whether a table (or index) called `name` exists. */
static int has_object(nb_db_t *db, const char *name) {
  json_t *rows = NULL, *p = json_pack("[s]", name);
  int rc = nb__db_query(db,
                        "SELECT count(*) AS n FROM sqlite_master "
                        "WHERE name = ?1",
                        p, &rows);
  json_decref(p);
  if (rc)
    fail_msg("%d %s", rc, nb__db_errmsg(db));
  int n =
      (int)json_integer_value(json_object_get(json_array_get(rows, 0), "n"));
  json_decref(rows);
  return n;
}

/* Run owner's steps; fail with the message if the result is not `expect`. */
static void migrate_expect(nb_db_t *db, const char *owner,
                           const nb_migration_t *steps, int expect, char *err,
                           size_t len) {
  int rc = nb__migrate(db, owner, steps, err, len);
  if (rc != expect)
    fail_msg("%s: got %d, expected %d: '%s'", owner, rc, expect, err);
}

static void assert_has(const char *text, const char *word) {
  if (!strstr(text, word))
    fail_msg("'%s' does not contain '%s'", text, word);
}

static const nb_migration_t notes_v2[] = {
    {1, "CREATE TABLE notes_items (id INTEGER PRIMARY KEY, body TEXT NOT NULL)"
        " STRICT;"
        "INSERT INTO notes_items(body) VALUES ('seed');"},
    {2, "ALTER TABLE notes_items ADD COLUMN pinned INTEGER NOT NULL DEFAULT 0;"
        "INSERT INTO notes_items(body, pinned) VALUES ('second', 1);"},
    {0, NULL},
};

static const nb_migration_t notes_v3[] = {
    {1, "CREATE TABLE notes_items (id INTEGER PRIMARY KEY, body TEXT NOT NULL)"
        " STRICT;"
        "INSERT INTO notes_items(body) VALUES ('seed');"},
    {2, "ALTER TABLE notes_items ADD COLUMN pinned INTEGER NOT NULL DEFAULT 0;"
        "INSERT INTO notes_items(body, pinned) VALUES ('second', 1);"},
    {3, "CREATE INDEX notes_items_pinned ON notes_items(pinned);"
        "UPDATE notes_items SET body = upper(body);"},
    {0, NULL},
};

/* ---- once per owner, recorded ---- */

static void steps_run_once_and_are_recorded(void **state) {
  fixture_t *f = *state;
  char err[512];
  assert_int_equal(nb__migrate_version(f->db, "notes"), 0);
  migrate_expect(f->db, "notes", notes_v2, 0, err, sizeof(err));
  assert_string_equal(err, "");
  assert_int_equal(nb__migrate_version(f->db, "notes"), 2);
  assert_int_equal(nb__db_in_tx(f->db), 0);
  assert_rows(f->db, "SELECT body, pinned FROM notes_items ORDER BY id",
              "[{\"body\":\"seed\",\"pinned\":0},"
              "{\"body\":\"second\",\"pinned\":1}]");
  /* One row per step, stamped with an ISO-8601 UTC time. */
  assert_rows(f->db,
              "SELECT owner, version, applied_at GLOB "
              "'[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T*Z' AS stamped "
              "FROM nb_migrations ORDER BY owner, version",
              "[{\"owner\":\"notes\",\"stamped\":1,\"version\":1},"
              "{\"owner\":\"notes\",\"stamped\":1,\"version\":2}]");
}

static void rerun_is_a_noop(void **state) {
  fixture_t *f = *state;
  char err[512];
  migrate_expect(f->db, "notes", notes_v2, 0, err, sizeof(err));
  migrate_expect(f->db, "notes", notes_v2, 0, err, sizeof(err));
  reopen(f);
  migrate_expect(f->db, "notes", notes_v2, 0, err, sizeof(err));
  assert_int_equal(nb__migrate_version(f->db, "notes"), 2);
  /* The seed inserts did not run again, nor did ALTER TABLE (which would
   * fail with "duplicate column"). */
  assert_rows(f->db, "SELECT count(*) AS n FROM notes_items", "[{\"n\":2}]");
  assert_rows(f->db, "SELECT count(*) AS n FROM nb_migrations", "[{\"n\":2}]");

  /* A new build with one more step applies only that step. */
  migrate_expect(f->db, "notes", notes_v3, 0, err, sizeof(err));
  assert_int_equal(nb__migrate_version(f->db, "notes"), 3);
  assert_int_equal(has_object(f->db, "notes_items_pinned"), 1);
  assert_rows(f->db, "SELECT body FROM notes_items ORDER BY id",
              "[{\"body\":\"SEED\"},{\"body\":\"SECOND\"}]");
  migrate_expect(f->db, "notes", notes_v3, 0, err, sizeof(err));
  assert_rows(f->db, "SELECT count(*) AS n FROM notes_items", "[{\"n\":2}]");
  assert_rows(f->db, "SELECT count(*) AS n FROM nb_migrations", "[{\"n\":3}]");

  /* Preparing again is harmless and keeps the record. */
  assert_int_equal(nb__migrate_prepare(f->db), 0);
  assert_int_equal(nb__migrate_version(f->db, "notes"), 3);
}

/* No steps (NULL or empty) is fine for an owner with nothing recorded. */
static void no_steps(void **state) {
  fixture_t *f = *state;
  char err[512];
  static const nb_migration_t none[] = {{0, NULL}};
  migrate_expect(f->db, "empty", NULL, 0, err, sizeof(err));
  migrate_expect(f->db, "empty", none, 0, err, sizeof(err));
  assert_int_equal(nb__migrate_version(f->db, "empty"), 0);
  assert_rows(f->db, "SELECT count(*) AS n FROM nb_migrations", "[{\"n\":0}]");
}

/* ---- failure ---- */

/* Step 2 creates a table, changes step 1's data, then hits a syntax error:
 * none of it stays, step 1 does, and the message names owner and step. */
static void failing_step_rolls_back(void **state) {
  fixture_t *f = *state;
  char err[512];
  static const nb_migration_t broken[] = {
      {1, "CREATE TABLE shop_items (id INTEGER PRIMARY KEY, name TEXT) STRICT;"
          "INSERT INTO shop_items(name) VALUES ('a');"},
      {2, "CREATE TABLE shop_half (x INTEGER) STRICT;"
          "INSERT INTO shop_half VALUES (1);"
          "UPDATE shop_items SET name = 'changed';"
          "CREATE TABLE shop_broken (x INTEGER"},
      {3, "CREATE TABLE shop_later (x INTEGER) STRICT;"},
      {0, NULL},
  };
  migrate_expect(f->db, "shop", broken, NB_EDB, err, sizeof(err));
  assert_has(err, "shop migration 2 failed");
  assert_has(err, "incomplete input");
  assert_int_equal(nb__db_in_tx(f->db), 0);
  assert_int_equal(nb__migrate_version(f->db, "shop"), 1);
  assert_int_equal(has_object(f->db, "shop_items"), 1);
  assert_int_equal(has_object(f->db, "shop_half"), 0);
  assert_int_equal(has_object(f->db, "shop_broken"), 0);
  assert_int_equal(has_object(f->db, "shop_later"), 0); /* stopped at 2 */
  assert_rows(f->db, "SELECT name FROM shop_items", "[{\"name\":\"a\"}]");
  assert_rows(f->db, "SELECT version FROM nb_migrations WHERE owner = 'shop'",
              "[{\"version\":1}]");

  /* Nothing half-applied reached the file either. */
  reopen(f);
  assert_int_equal(has_object(f->db, "shop_half"), 0);
  assert_int_equal(nb__migrate_version(f->db, "shop"), 1);

  /* It fails the same way on the next start, and a fixed build goes on
   * from step 2. */
  migrate_expect(f->db, "shop", broken, NB_EDB, err, sizeof(err));
  assert_int_equal(nb__migrate_version(f->db, "shop"), 1);
  static const nb_migration_t fixed[] = {
      {1, "CREATE TABLE shop_items (id INTEGER PRIMARY KEY, name TEXT) STRICT;"
          "INSERT INTO shop_items(name) VALUES ('a');"},
      {2, "CREATE TABLE shop_half (x INTEGER) STRICT;"
          "INSERT INTO shop_half VALUES (1);"
          "UPDATE shop_items SET name = 'changed';"},
      {3, "CREATE TABLE shop_later (x INTEGER) STRICT;"},
      {0, NULL},
  };
  migrate_expect(f->db, "shop", fixed, 0, err, sizeof(err));
  assert_int_equal(nb__migrate_version(f->db, "shop"), 3);
  assert_rows(f->db,
              "SELECT (SELECT name FROM shop_items) AS name, "
              "(SELECT count(*) FROM shop_half) AS half",
              "[{\"half\":1,\"name\":\"changed\"}]");
}

/* A step that fails at run time (a constraint, not the SQL text) also
 * rolls back entirely, and the database stays usable. */
static void failing_step_constraint(void **state) {
  fixture_t *f = *state;
  char err[512];
  static const nb_migration_t steps[] = {
      {1, "CREATE TABLE tags_t (name TEXT NOT NULL UNIQUE) STRICT;"},
      {2, "CREATE TABLE tags_extra (x INTEGER) STRICT;"
          "INSERT INTO tags_t VALUES ('a');"
          "INSERT INTO tags_t VALUES ('a');"},
      {0, NULL},
  };
  migrate_expect(f->db, "tags", steps, NB_EDB, err, sizeof(err));
  assert_has(err, "tags migration 2 failed");
  assert_has(err, "UNIQUE constraint failed");
  assert_int_equal(nb__db_in_tx(f->db), 0);
  assert_int_equal(nb__migrate_version(f->db, "tags"), 1);
  assert_int_equal(has_object(f->db, "tags_extra"), 0);
  assert_rows(f->db, "SELECT count(*) AS n FROM tags_t", "[{\"n\":0}]");
  assert_int_equal(nb__db_begin(f->db), 0);
  assert_int_equal(nb__db_commit(f->db), 0);
}

/* A step cannot end the migration's transaction itself: with COMMIT or
 * ROLLBACK inside it, the step must still fail as a whole, leaving neither
 * tables nor a record. */
static void step_cannot_end_transaction(void **state) {
  fixture_t *f = *state;
  char err[512];
  static const nb_migration_t commits[] = {
      {1, "CREATE TABLE early_x (a INTEGER) STRICT; COMMIT;"
          "CREATE TABLE early_y ("},
      {0, NULL},
  };
  static const nb_migration_t rolls_back[] = {
      {1, "CREATE TABLE early_z (a INTEGER) STRICT; ROLLBACK;"
          "CREATE TABLE early_w (a INTEGER) STRICT;"},
      {0, NULL},
  };
  int rc = nb__migrate(f->db, "early", commits, err, sizeof(err));
  assert_int_equal(nb__db_in_tx(f->db), 0);
  int rc2 = nb__migrate(f->db, "late", rolls_back, err, sizeof(err));
  assert_int_equal(nb__db_in_tx(f->db), 0);
  assert_int_equal(rc, NB_EDB);
  assert_int_equal(rc2, NB_EDB);
  assert_int_equal(nb__migrate_version(f->db, "early"), 0);
  assert_int_equal(nb__migrate_version(f->db, "late"), 0);
  assert_int_equal(has_object(f->db, "early_z"), 0);
}

/* Versions must be 1, 2, 3, ...: anything else is refused before any step
 * runs. */
static void step_numbering_checked(void **state) {
  fixture_t *f = *state;
  char err[512];
  static const nb_migration_t gap[] = {
      {1, "CREATE TABLE gap_a (x INTEGER) STRICT;"},
      {3, "CREATE TABLE gap_b (x INTEGER) STRICT;"},
      {0, NULL},
  };
  static const nb_migration_t twice[] = {
      {1, "CREATE TABLE twice_a (x INTEGER) STRICT;"},
      {1, "CREATE TABLE twice_b (x INTEGER) STRICT;"},
      {0, NULL},
  };
  static const nb_migration_t from_two[] = {
      {2, "CREATE TABLE two_a (x INTEGER) STRICT;"},
      {0, NULL},
  };
  migrate_expect(f->db, "gap", gap, NB_EINVAL, err, sizeof(err));
  assert_has(err, "gap:");
  assert_has(err, "found 3 after 1");
  migrate_expect(f->db, "twice", twice, NB_EINVAL, err, sizeof(err));
  assert_has(err, "found 1 after 1");
  migrate_expect(f->db, "two", from_two, NB_EINVAL, err, sizeof(err));
  assert_has(err, "found 2 after 0");
  assert_int_equal(has_object(f->db, "gap_a"), 0);
  assert_int_equal(has_object(f->db, "twice_a"), 0);
  assert_rows(f->db, "SELECT count(*) AS n FROM nb_migrations", "[{\"n\":0}]");
}

/* ---- owners ---- */

static void owners_are_independent(void **state) {
  fixture_t *f = *state;
  char err[512];
  static const nb_migration_t alpha[] = {
      {1, "CREATE TABLE alpha_t (x INTEGER) STRICT;"},
      {2, "INSERT INTO alpha_t VALUES (2);"},
      {3, "INSERT INTO alpha_t VALUES (3);"},
      {0, NULL},
  };
  static const nb_migration_t beta[] = {
      {1, "CREATE TABLE beta_t (y TEXT) STRICT;"},
      {0, NULL},
  };
  static const nb_migration_t beta_broken[] = {
      {1, "CREATE TABLE beta_t (y TEXT) STRICT;"},
      {2, "DROP TABLE alpha_t; SELECT * FROM nowhere;"},
      {0, NULL},
  };
  migrate_expect(f->db, "alpha", alpha, 0, err, sizeof(err));
  /* beta's step 1 runs although alpha already has versions 1..3. */
  migrate_expect(f->db, "beta", beta, 0, err, sizeof(err));
  assert_int_equal(nb__migrate_version(f->db, "alpha"), 3);
  assert_int_equal(nb__migrate_version(f->db, "beta"), 1);
  assert_int_equal(nb__migrate_version(f->db, "gamma"), 0);
  assert_int_equal(has_object(f->db, "beta_t"), 1);
  assert_rows(f->db,
              "SELECT owner, count(*) AS n, max(version) AS v "
              "FROM nb_migrations GROUP BY owner ORDER BY owner",
              "[{\"n\":3,\"owner\":\"alpha\",\"v\":3},"
              "{\"n\":1,\"owner\":\"beta\",\"v\":1}]");

  /* beta failing leaves alpha (and beta's own step 1) alone. */
  migrate_expect(f->db, "beta", beta_broken, NB_EDB, err, sizeof(err));
  assert_has(err, "beta migration 2 failed");
  assert_has(err, "no such table: nowhere");
  assert_rows(f->db, "SELECT x FROM alpha_t ORDER BY x",
              "[{\"x\":2},{\"x\":3}]");
  assert_int_equal(nb__migrate_version(f->db, "alpha"), 3);
  assert_int_equal(nb__migrate_version(f->db, "beta"), 1);

  /* Owner names are matched exactly. */
  assert_int_equal(nb__migrate_version(f->db, "Alpha"), 0);
  assert_int_equal(nb__migrate_version(f->db, "alph"), 0);
}

/* ---- a database from a newer binary ---- */

static void newer_database_refused(void **state) {
  fixture_t *f = *state;
  char err[512];
  migrate_expect(f->db, "notes", notes_v3, 0, err, sizeof(err));
  reopen(f);
  /* An older build of the plugin knows only two steps. */
  migrate_expect(f->db, "notes", notes_v2, NB_ESTATE, err, sizeof(err));
  assert_has(err, "notes migration 3");
  assert_has(err, "knows up to 2");
  assert_has(err, "refusing to start");
  migrate_expect(f->db, "notes", NULL, NB_ESTATE, err, sizeof(err));
  assert_has(err, "knows up to 0");
  assert_int_equal(nb__migrate_version(f->db, "notes"), 3);
  assert_int_equal(nb__db_in_tx(f->db), 0);
  assert_rows(f->db, "SELECT count(*) AS n FROM nb_migrations", "[{\"n\":3}]");

  /* The newer core is refused too, even with a current plugin. */
  migrate_expect(f->db, "core", nb__core_migrations, 0, err, sizeof(err));
  int core = nb__migrate_version(f->db, "core");
  json_t *p = json_pack("[i]", core + 1);
  assert_int_equal(nb__db_exec(f->db,
                               "INSERT INTO nb_migrations(owner, version) "
                               "VALUES ('core', ?1)",
                               p, NULL, NULL),
                   0);
  json_decref(p);
  migrate_expect(f->db, "core", nb__core_migrations, NB_ESTATE, err,
                 sizeof(err));
  assert_has(err, "core migration");
  migrate_expect(f->db, "notes", notes_v3, 0, err, sizeof(err));
}

/* The message is cut to the buffer, never overrun. */
static void error_message_fits(void **state) {
  fixture_t *f = *state;
  char err[16];
  memset(err, 'X', sizeof(err));
  static const nb_migration_t bad[] = {{1, "THIS IS NOT SQL"}, {0, NULL}};
  migrate_expect(f->db, "a-rather-long-owner-name", bad, NB_EDB, err,
                 sizeof(err) - 4);
  assert_int_equal(strlen(err), sizeof(err) - 5);
  assert_memory_equal(err + sizeof(err) - 4, "XXXX", 4);
}

/* Without nb__migrate_prepare there is nothing to read: an error, not a
 * crash or a silent run. */
static void unprepared_database(void **state) {
  fixture_t *f = *state;
  char err[512], path[160];
  nb_db_t *db = NULL;
  snprintf(path, sizeof(path), "%s/bare.db", f->dir);
  assert_int_equal(nb__db_open(&db, path, "FULL", 1000), 0);
  int rc = nb__migrate(db, "notes", notes_v2, err, sizeof(err));
  assert_true(rc < 0);
  assert_has(err, "cannot read nb_migrations");
  assert_int_equal(has_object(db, "notes_items"), 0);
  nb__db_close(db);
}

/* ---- the core schema ---- */

static int core_last_version(void) {
  int last = 0;
  for (const nb_migration_t *s = nb__core_migrations; s->sql; s++)
    last = s->version;
  return last;
}

static void core_schema_fresh_file(void **state) {
  fixture_t *f = *state;
  char err[512];
  int last = core_last_version();
  assert_true(last >= 3);
  assert_int_equal(nb__migrate_version(f->db, "core"), 0);
  migrate_expect(f->db, "core", nb__core_migrations, 0, err, sizeof(err));
  assert_int_equal(nb__migrate_version(f->db, "core"), last);

  /* nb_meta says the same version. */
  char expect[64];
  snprintf(expect, sizeof(expect), "[{\"value\":\"%d\"}]", last);
  assert_rows(f->db, "SELECT value FROM nb_meta WHERE key = 'schema'", expect);

  static const char *const tables[] = {
      "nb_meta",        "nb_hoods",      "nb_people",       "nb_firms",
      "nb_memberships", "nb_hood_roles", "nb_sessions",     "nb_tokens",
      "nb_invites",     "nb_audit",      "nb_hood_plugins", "nb_events",
  };
  for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]); i++)
    if (!has_object(f->db, tables[i]))
      fail_msg("table %s is missing", tables[i]);

  /* Every core table is STRICT (schema.c's invariant). */
  assert_rows(f->db,
              "SELECT name FROM pragma_table_list "
              "WHERE schema = 'main' AND type = 'table' "
              "AND name LIKE 'nb\\_%' ESCAPE '\\' AND strict = 0",
              "[]");
  assert_rows(f->db, "SELECT count(*) AS n FROM pragma_foreign_key_check",
              "[{\"n\":0}]");
  assert_rows(f->db, "PRAGMA integrity_check",
              "[{\"integrity_check\":\"ok\"}]");

  /* The schema works as the code expects: STRICT and constraints bite. */
  assert_int_equal(nb__db_exec(f->db,
                               "INSERT INTO nb_hoods(slug, name) "
                               "VALUES ('lindenhof', 'Lindenhof')",
                               NULL, NULL, NULL),
                   0);
  assert_int_equal(nb__db_exec(f->db,
                               "INSERT INTO nb_hoods(slug, name) "
                               "VALUES ('lindenhof', 'Again')",
                               NULL, NULL, NULL),
                   NB_ECONSTRAINT);
  assert_int_equal(nb__db_exec(f->db,
                               "INSERT INTO nb_firms(hood_id, name) "
                               "VALUES (99, 'Nowhere GmbH')",
                               NULL, NULL, NULL),
                   NB_ECONSTRAINT);
  assert_int_equal(nb__db_exec(f->db,
                               "INSERT INTO nb_sessions(id_hash, person_id, "
                               "csrf, created_at, last_seen, expires_at) "
                               "VALUES ('h', 1, 'c', 'soon', 0, 0)",
                               NULL, NULL, NULL),
                   NB_ECONSTRAINT);
  assert_has(
      nb__db_errmsg(f->db),
      "cannot store TEXT value in INTEGER column nb_sessions.created_at");

  /* Again, and after a restart: nothing to do. */
  migrate_expect(f->db, "core", nb__core_migrations, 0, err, sizeof(err));
  reopen(f);
  migrate_expect(f->db, "core", nb__core_migrations, 0, err, sizeof(err));
  assert_int_equal(nb__migrate_version(f->db, "core"), last);
  snprintf(expect, sizeof(expect), "[{\"n\":%d}]", last);
  assert_rows(f->db,
              "SELECT count(*) AS n FROM nb_migrations WHERE owner = 'core'",
              expect);
  assert_rows(f->db, "SELECT count(*) AS n FROM nb_hoods", "[{\"n\":1}]");
}

/* A file stopped part-way (here after step 1) is brought to the current
 * version by the remaining steps. */
static void core_schema_from_older_file(void **state) {
  fixture_t *f = *state;
  char err[512];
  int last = core_last_version();
  nb_migration_t first[2] = {nb__core_migrations[0], {0, NULL}};
  migrate_expect(f->db, "core", first, 0, err, sizeof(err));
  assert_int_equal(nb__migrate_version(f->db, "core"), 1);
  assert_int_equal(has_object(f->db, "nb_hoods"), 0);
  reopen(f);
  migrate_expect(f->db, "core", nb__core_migrations, 0, err, sizeof(err));
  assert_int_equal(nb__migrate_version(f->db, "core"), last);
  assert_int_equal(has_object(f->db, "nb_hoods"), 1);
  assert_int_equal(has_object(f->db, "nb_events"), 1);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(steps_run_once_and_are_recorded, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(rerun_is_a_noop, setup, teardown),
      cmocka_unit_test_setup_teardown(no_steps, setup, teardown),
      cmocka_unit_test_setup_teardown(failing_step_rolls_back, setup, teardown),
      cmocka_unit_test_setup_teardown(failing_step_constraint, setup, teardown),
      cmocka_unit_test_setup_teardown(step_cannot_end_transaction, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(step_numbering_checked, setup, teardown),
      cmocka_unit_test_setup_teardown(owners_are_independent, setup, teardown),
      cmocka_unit_test_setup_teardown(newer_database_refused, setup, teardown),
      cmocka_unit_test_setup_teardown(error_message_fits, setup, teardown),
      cmocka_unit_test_setup_teardown(unprepared_database, setup, teardown),
      cmocka_unit_test_setup_teardown(core_schema_fresh_file, setup, teardown),
      cmocka_unit_test_setup_teardown(core_schema_from_older_file, setup,
                                      teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
