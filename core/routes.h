/*
 * The core's own HTTP routes: health, readiness, metrics, plugin list.
 */
#ifndef NB_CORE_ROUTES_H
#define NB_CORE_ROUTES_H

#include "app.h"

/* Register the core routes. Returns 0 or a negative code. */
int nb__routes_add(nb_app_t *app);

/* Seed demo content (--demo) from the core and every plugin. */
void nb__routes_demo(nb_app_t *app);

#endif
