/*
 * The audit log: every administrative and moderation action, who did it,
 * when, on which object. Coordinators read their neighbourhood's part.
 */
#ifndef NB_CORE_AUDIT_H
#define NB_CORE_AUDIT_H

#include <stdint.h>
#include <jansson.h>
#include "app.h"

/* Append one entry. `source` is "core" or a plugin name; hood_id and
 * actor_id may be 0 (none); detail (borrowed) may be NULL. Call inside the
 * transaction of the change it records. */
int nb__audit(nb_app_t *app, int64_t hood_id, int64_t actor_id,
              const char *source, const char *action, const char *object_type,
              const char *object_id, const json_t *detail);

int nb__audit_routes(nb_app_t *app);

#endif
