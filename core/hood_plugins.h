/*
 * Plugins per neighbourhood: coordinators switch loaded plugins on and off
 * for their neighbourhood at run time. Off means its routes under
 * /api/v1/n/:hood/ answer 404 there and it is not listed; its data stays.
 * A plugin is on unless switched off.
 */
#ifndef NB_CORE_HOOD_PLUGINS_H
#define NB_CORE_HOOD_PLUGINS_H

#include <stdint.h>
#include "app.h"

/* 1 unless `plugin` is switched off in hood_id. */
int nb__hood_plugin_enabled(nb_app_t *app, int64_t hood_id, const char *plugin);

int nb__hood_plugins_routes(nb_app_t *app);

#endif
