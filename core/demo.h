/*
 * The demo neighbourhood for --demo (see demo.c).
 */
#ifndef NB_CORE_DEMO_H
#define NB_CORE_DEMO_H

#include "app.h"

/* Create the demo neighbourhood unless it exists, then log its logins.
 * Returns 0 or a negative code (logged). */
int nb__demo_seed(nb_app_t *app);

#endif
