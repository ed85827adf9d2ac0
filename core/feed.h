/*
 * Recent events over HTTP (GET /api/v1/n/:hood/events): history for the
 * dashboard before the live subscription takes over.
 */
#ifndef NB_CORE_FEED_H
#define NB_CORE_FEED_H

#include "app.h"

int nb__feed_routes(nb_app_t *app);

#endif
