/*
 * Invitations, password-reset links and role administration over HTTP.
 */
#ifndef NB_CORE_INVITES_H
#define NB_CORE_INVITES_H

#include "app.h"

int nb__invites_routes(nb_app_t *app);

#endif
