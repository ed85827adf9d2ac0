/*
 * Migrations per owner (see migrate.h). A step and its record in
 * nb_migrations commit or roll back together in one BEGIN IMMEDIATE
 * transaction (SQLite rolls back DDL too), so a failed step leaves the
 * database as it was and runs again on the next start.
 */
#include "migrate.h"

#include <stdio.h>

int nb__migrate_prepare(nb_db_t *db) {
  return nb__db_script(
      db, "CREATE TABLE IF NOT EXISTS nb_migrations ("
          "  owner TEXT NOT NULL,"
          "  version INTEGER NOT NULL,"
          "  applied_at TEXT NOT NULL DEFAULT "
          "    (strftime('%Y-%m-%dT%H:%M:%fZ','now')),"
          "  PRIMARY KEY (owner, version)"
          ") STRICT;");
}

int nb__migrate_version(nb_db_t *db, const char *owner) {
  json_t *rows = NULL, *params = json_pack("[s]", owner);
  int rc = params ? nb__db_query(db,
                                 "SELECT coalesce(max(version), 0) AS v "
                                 "FROM nb_migrations WHERE owner = ?1",
                                 params, &rows)
                  : NB_ENOMEM;
  json_decref(params);
  if (rc)
    return rc;
  int v = (int)json_integer_value(
      json_object_get(json_array_get(rows, 0), "v"));
  json_decref(rows);
  return v;
}

int nb__migrate(nb_db_t *db, const char *owner, const nb_migration_t *steps,
                char *err, size_t len) {
  int last = 0, rc;
  if (len)
    err[0] = '\0';
  for (const nb_migration_t *s = steps; s && s->sql; s++) {
    if (s->version != last + 1) {
      snprintf(err, len, "%s: migration versions must count up from 1 "
               "without gaps (found %d after %d)", owner, s->version, last);
      return NB_EINVAL;
    }
    last = s->version;
  }
  int current = nb__migrate_version(db, owner);
  if (current < 0) {
    snprintf(err, len, "%s: cannot read nb_migrations: %s", owner,
             nb__db_errmsg(db));
    return current;
  }
  if (current > last) {
    snprintf(err, len,
             "the database has %s migration %d, this build knows up to %d: "
             "refusing to start (upgrade nachbar or restore a backup)",
             owner, current, last);
    return NB_ESTATE;
  }
  for (const nb_migration_t *s = steps; s && s->sql; s++) {
    if (s->version <= current)
      continue;
    json_t *params = json_pack("[s, i]", owner, s->version);
    if (!params)
      return NB_ENOMEM;
    rc = nb__db_begin(db);
    if (rc == 0)
      rc = nb__db_script(db, s->sql);
    if (rc == 0)
      rc = nb__db_exec(db,
                       "INSERT INTO nb_migrations(owner, version) "
                       "VALUES (?1, ?2)",
                       params, NULL, NULL);
    json_decref(params);
    if (rc == 0)
      rc = nb__db_commit(db);
    if (rc) {
      snprintf(err, len, "%s migration %d failed: %s", owner, s->version,
               nb__db_errmsg(db));
      if (nb__db_in_tx(db))
        nb__db_rollback(db);
      return NB_EDB;
    }
  }
  return 0;
}
