/*
 * GDPR: a person downloads everything stored about them (core and every
 * plugin, as JSON) and deletes their account.
 */
#ifndef NB_CORE_PRIVACY_H
#define NB_CORE_PRIVACY_H

#include "app.h"

int nb__privacy_routes(nb_app_t *app);

#endif
