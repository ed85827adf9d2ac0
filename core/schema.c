/*
 * The core's database schema, as migration steps (see migrate.h). Never
 * edit a step that has shipped: add a new one.
 *
 * Invariants: every table is STRICT; everything a plugin stores belongs to
 * one neighbourhood (hood_id); times are ISO-8601 UTC text, except session
 * and token expiry, which are unix seconds for cheap comparisons.
 */
#include "migrate.h"

const nb_migration_t nb__core_migrations[] = {
    {1, "CREATE TABLE nb_meta ("
        "  key TEXT PRIMARY KEY,"
        "  value TEXT NOT NULL"
        ") STRICT;"
        "INSERT INTO nb_meta(key, value) VALUES ('schema', '1');"},
    {0, NULL},
};
