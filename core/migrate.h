/*
 * Migrations per owner ("core" and each plugin name). Each step runs in its
 * own BEGIN IMMEDIATE transaction together with its row in nb_migrations,
 * so DDL and record commit or roll back together; a step runs once.
 */
#ifndef NB_CORE_MIGRATE_H
#define NB_CORE_MIGRATE_H

#include <stddef.h>
#include "nachbar/plugin.h"
#include "db.h"

/* Create the bookkeeping table if missing. */
int nb__migrate_prepare(nb_db_t *db);

/* Apply the steps of `owner` not yet applied, in order (`steps` ends with
 * {0, NULL}; may be NULL). Returns 0; NB_EINVAL when the steps are not
 * strictly increasing; NB_ESTATE when the database holds a version newer
 * than the last step (database newer than this binary or plugin); NB_EDB
 * when a step fails (rolled back). err receives a message naming the owner
 * and version. */
int nb__migrate(nb_db_t *db, const char *owner, const nb_migration_t *steps,
                char *err, size_t len);

/* Highest applied version for owner, 0 when none, or a negative code. */
int nb__migrate_version(nb_db_t *db, const char *owner);

/* The core's own steps. */
extern const nb_migration_t nb__core_migrations[];

#endif
