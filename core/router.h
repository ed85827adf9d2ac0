/*
 * Router: method + path pattern -> handler. Patterns are literal segments
 * and `:name` parameters ("/api/v1/n/:hood/problems/:id"). A literal
 * segment wins over a parameter at the same depth, so "/x/new" and "/x/:id"
 * can coexist. Every route remembers its owner (core or a plugin) so a
 * plugin's routes can be removed together.
 */
#ifndef NB_CORE_ROUTER_H
#define NB_CORE_ROUTER_H

#include <stddef.h>
#include "nachbar/plugin.h"

#define NB_ROUTE_MAX_PARAMS 8
#define NB_ROUTE_MAX_SEGMENTS 16

/* Returned by nb__router_match when the path exists for other methods. */
#define NB__EMETHOD (-100)

typedef struct nb_router nb_router_t;

typedef struct nb_route {
  char *method;
  char *pattern;
  int perm;      /* enum nb_perm */
  nb_route_fn fn;
  void *ud;
  void *owner;   /* NULL for the core, else the nb_plugin_t */
} nb_route_t;

typedef struct nb_match {
  const nb_route_t *route;
  int nparams;
  const char *names[NB_ROUTE_MAX_PARAMS];   /* borrowed from the route */
  char *values[NB_ROUTE_MAX_PARAMS];        /* owned, percent-decoded */
} nb_match_t;

int nb__router_create(nb_router_t **out);
void nb__router_destroy(nb_router_t *r);

/* Add a route. NB_EINVAL for a malformed method or pattern (empty segment,
 * bad parameter name, too many segments/params), NB_EEXIST when the same
 * method and an equivalent pattern (same shape, parameters in the same
 * places) exist already. */
int nb__router_add(nb_router_t *r, const char *method, const char *pattern,
                   int perm, nb_route_fn fn, void *ud, void *owner);

/* One core route of a module's table (see nb__router_add_table). */
typedef struct nb_route_def {
  const char *method, *pattern;
  int perm;
  nb_route_fn fn;
} nb_route_def_t;

/* Add `n` core routes (no owner), all with user data `ud`; stops at the
 * first failure and returns its code. */
int nb__router_add_table(nb_router_t *r, const nb_route_def_t *defs, size_t n,
                         void *ud);

/* Remove every route of `owner`. Returns how many were removed. */
int nb__router_remove_owner(nb_router_t *r, void *owner);

/* Match `path` (no query string). Returns 0 and fills *m (free with
 * nb__match_close); NB_ENOENT when no pattern matches; NB__EMETHOD when
 * some pattern matches for other methods, with `allow` set to the
 * comma-separated methods ("GET, POST"). NB_EINVAL for a path that cannot
 * be decoded (bad %-escape, NUL). HEAD matches GET routes. */
int nb__router_match(const nb_router_t *r, const char *method,
                     const char *path, nb_match_t *m, char *allow,
                     size_t allow_len);

void nb__match_close(nb_match_t *m);

/* Value of parameter `name` in m, or NULL. */
const char *nb__match_param(const nb_match_t *m, const char *name);

/* Calls fn for each route (for listings and metrics). */
void nb__router_each(const nb_router_t *r,
                     void (*fn)(const nb_route_t *route, void *ud), void *ud);

#endif
