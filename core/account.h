/*
 * A person's own account: sign in/out, /me, personal access tokens.
 */
#ifndef NB_CORE_ACCOUNT_H
#define NB_CORE_ACCOUNT_H

#include <stdint.h>
#include <jansson.h>
#include "app.h"

int nb__account_routes(nb_app_t *app);

/* The /me document of a person (new reference), or NULL. */
json_t *nb__account_me_json(nb_app_t *app, int64_t person_id);

#endif
