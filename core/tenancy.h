/*
 * Neighbourhoods, firm directory and people list over HTTP.
 */
#ifndef NB_CORE_TENANCY_H
#define NB_CORE_TENANCY_H

#include "app.h"

int nb__tenancy_routes(nb_app_t *app);

/* Answer 200 with firm `id` of the request's hood and its people, or
 * 404. */
int nb__tenancy_firm_answer(nb_req_t *req, nb_app_t *app, int64_t id);

#endif
