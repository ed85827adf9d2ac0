/*
 * Editing what a person owns: PATCH /api/v1/me (name, language),
 * PUT /api/v1/me/password, PATCH /api/v1/n/:hood/firms/:id (firm admins of
 * that firm, coordinators).
 */
#ifndef NB_CORE_PROFILE_H
#define NB_CORE_PROFILE_H

#include "app.h"

int nb__profile_routes(nb_app_t *app);

#endif
