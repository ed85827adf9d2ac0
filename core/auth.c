/*
 * Route permission hook. The identity layer replaces the body of
 * nb__auth_check with session/token lookup and role checks; the contract
 * (answer and return NB_EPERM when refused) stays.
 */
#include "auth.h"

#include "http.h"

int nb__auth_check(nb_req_t *req, int perm) {
  if (perm == NB_PERM_PUBLIC)
    return 0;
  if (perm < NB_PERM_PUBLIC || perm > NB_PERM_OPERATOR) {
    nb__req_error(req, 500, "internal", NULL,
                  "This route declares an unknown permission level.");
    return NB_EPERM;
  }
  nb__req_error(req, 401, "sign_in_required", NULL,
                "Please sign in to use this.");
  return NB_EPERM;
}
