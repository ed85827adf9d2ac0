/*
 * Neighbourhoods, firm directory and people list over HTTP.
 */
#ifndef NB_CORE_TENANCY_H
#define NB_CORE_TENANCY_H

#include "app.h"

int nb__tenancy_routes(nb_app_t *app);

#endif
