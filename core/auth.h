/*
 * Who is asking, and may they: identity of a request (session cookie or
 * bearer token), CSRF defence for cookie requests that change state, and
 * the route permission levels (enum nb_perm) within the route's :hood.
 *
 * Invariants: a person of one neighbourhood never learns that another
 * exists (a :hood they do not belong to answers 404, like a missing one);
 * a state-changing request made with a cookie needs a matching Origin (or
 * Referer) and the session's CSRF token in X-CSRF-Token.
 */
#ifndef NB_CORE_AUTH_H
#define NB_CORE_AUTH_H

#include <stdint.h>
#include "nachbar/plugin.h"

#define NB_AUTH_MAX_FIRMS 8
#define NB_SESSION_COOKIE "nb_session"

enum { NB_ROLE_COACH = 1, NB_ROLE_COORDINATOR = 2 };

typedef struct nb_auth {
  int resolved;            /* identity looked up already */
  int64_t person_id;       /* 0: nobody signed in */
  int is_operator;
  int via_token;           /* bearer token rather than cookie */
  int token_write;         /* the token's scope allows changes */
  char session_hash[65];   /* hex hash of the cookie's session id */
  char csrf[48];
  char email[256];
  char display_name[128];
  char locale[4];
  /* the route's :hood, when it has one */
  int64_t hood_id;
  char hood[64];
  int roles;               /* NB_ROLE_* in hood */
  int nfirms;
  int64_t firms[NB_AUTH_MAX_FIRMS];
  int firm_admin[NB_AUTH_MAX_FIRMS];
} nb_auth_t;

/* Return 0 when `req` may use a route requiring `perm`; otherwise answer
 * the request (401/403/404) and return NB_EPERM. Fills req->auth. */
int nb__auth_check(nb_req_t *req, int perm);

/* The identity of `req` (resolving it if needed), never NULL after a
 * successful nb__auth_check. */
nb_auth_t *nb__auth_of(nb_req_t *req);

/* Resolve identity from raw header values (either may be NULL): for
 * WebSocket upgrades, which have no nb_req_t. */
struct nb_app;
void nb__auth_resolve(struct nb_app *app, const char *authorization,
                      const char *cookie, nb_auth_t *a);

/* Load a->hood_id, roles and firms for hood `slug`. NB_ENOENT when the
 * hood does not exist. */
int nb__auth_load_hood(struct nb_app *app, nb_auth_t *a, const char *slug);

/* 1 when `a` holds `perm` (no answer, no side effect). */
int nb__auth_allows(const nb_auth_t *a, int perm);

/* 1 when `a` is an admin of firm `firm_id` (in its hood). */
int nb__auth_is_firm_admin(const nb_auth_t *a, int64_t firm_id);

/* 1 when auth is a member of its hood (a firm there, or a role). */
int nb__auth_is_member(const nb_auth_t *a);

/* Random url-safe token of `bytes` random bytes into out (needs
 * 4/3*bytes+1), and the hex hash of a token into hex (65 bytes). */
void nb__auth_random(char *out, size_t len, size_t bytes);
void nb__auth_hash(const char *token, char hex[65]);

#endif
