/*
 * Permission check for routes (enum nb_perm). Until people and sessions
 * exist (identity), only NB_PERM_PUBLIC passes: every other level answers
 * 401 so no protected handler can run unauthenticated.
 */
#ifndef NB_CORE_AUTH_H
#define NB_CORE_AUTH_H

#include "nachbar/plugin.h"

/* Return 0 when `req` may use a route requiring `perm`; otherwise answer
 * the request (401/403/404) and return NB_EPERM. */
int nb__auth_check(nb_req_t *req, int perm);

#endif
