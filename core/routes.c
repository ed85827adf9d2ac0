/*
 * Core routes. /healthz says the process answers; /readyz that the
 * database is open, migrated and answering and the server is not stopping
 * (load balancers stop sending work on 503); /metrics is Prometheus text.
 */
#include "routes.h"

#include <stdlib.h>

#include "account.h"
#include "audit.h"
#include "auth.h"
#include "hood_plugins.h"
#include "invites.h"
#include "privacy.h"
#include "demo.h"
#include "feed.h"
#include "http.h"
#include "log.h"
#include "memo.h"
#include "metrics.h"
#include "migrate.h"
#include "nb_build_config.h"
#include "plugins.h"
#include "profile.h"
#include "tenancy.h"
#include "ws.h"

static int healthz(nb_req_t *req, void *ud) {
  (void)ud;
  json_t *body = json_pack("{s:s}", "status", "ok");
  int rc = nb__req_json(req, 200, body);
  json_decref(body);
  return rc;
}

static int readyz(nb_req_t *req, void *ud) {
  nb_app_t *app = ud;
  if (!app->ready || app->stopping)
    return nb__req_error(req, 503, "not_ready", NULL,
                         app->stopping ? "The server is stopping."
                                       : "The server is starting.");
  json_t *rows = NULL;
  if (nb__db_query(app->db, "SELECT value FROM nb_meta WHERE key = 'schema'",
                   NULL, &rows) != 0 ||
      json_array_size(rows) != 1) {
    json_decref(rows);
    return nb__req_error(req, 503, "database_unavailable", NULL,
                         "The database does not answer.");
  }
  json_decref(rows);
  json_t *body = json_pack("{s:s, s:i, s:i}", "status", "ready", "plugins",
                           app->plugins ? app->plugins->active : 0,
                           "core_schema",
                           nb__migrate_version(app->db, "core"));
  int rc = nb__req_json(req, 200, body);
  json_decref(body);
  return rc;
}

/* nachbar_memo_<name>_hits / _misses of one memo (core/memo.c). */
static void memo_gauges(const char *name, const char *what,
                        const nb_memo_t *m) {
  char metric[64], help[128];
  snprintf(metric, sizeof(metric), "nachbar_memo_%s_hits", name);
  snprintf(help, sizeof(help), "%s answered from memory since start", what);
  nb__metrics_gauge(metric, help, (double)nb__memo_hits(m));
  snprintf(metric, sizeof(metric), "nachbar_memo_%s_misses", name);
  snprintf(help, sizeof(help), "%s read from the database since start", what);
  nb__metrics_gauge(metric, help, (double)nb__memo_misses(m));
}

static int metrics(nb_req_t *req, void *ud) {
  nb_app_t *app = ud;
  nb__metrics_gauge("nachbar_http_inflight_requests",
                    "HTTP requests being handled", (double)app->inflight);
  memo_gauges("auth", "Identities and hood roles", app->auth_memo);
  memo_gauges("directory", "Firm directory pages", app->page_memo);
  size_t len = 0;
  char *text = nb__metrics_render(&len);
  if (!text)
    return NB_ENOMEM;
  return nb__req_respond(req, 200, "text/plain; version=0.0.4; charset=utf-8",
                         text, len);
}

/* Signed in: the plugins enabled in at least one of the person's
 * neighbourhoods, each with `hoods` (the slugs where it is on; an operator
 * sees every hood). Anonymous: every loaded plugin, without `hoods`. */
static int plugins_list(nb_req_t *req, void *ud) {
  nb_app_t *app = ud;
  nb_auth_t *a = nb__auth_of(req);
  json_t *list = nb__plugins_json(app), *hoods = NULL;
  if (a && a->person_id) {
    json_t *p = json_pack("[I, i]", (json_int_t)a->person_id, a->is_operator);
    int rc = nb__db_query(
        app->db,
        "SELECT id, slug FROM nb_hoods WHERE ?2 OR id IN (SELECT hood_id FROM "
        "nb_hood_roles WHERE person_id = ?1 UNION SELECT f.hood_id FROM "
        "nb_memberships m JOIN nb_firms f ON f.id = m.firm_id WHERE "
        "m.person_id = ?1) ORDER BY slug",
        p, &hoods);
    json_decref(p);
    if (rc) {
      json_decref(list);
      return rc;
    }
    json_t *mine = json_array();
    size_t i, j;
    json_t *pl, *h;
    json_array_foreach(list, i, pl) {
      json_t *on = json_array();
      json_array_foreach(hoods, j, h) {
        if (nb__hood_plugin_enabled(
                app, json_integer_value(json_object_get(h, "id")),
                json_string_value(json_object_get(pl, "name"))))
          json_array_append(on, json_object_get(h, "slug"));
      }
      if (json_array_size(on)) {
        json_object_set_new(pl, "hoods", on);
        json_array_append(mine, pl);
      } else {
        json_decref(on);
      }
    }
    json_decref(hoods);
    json_decref(list);
    list = mine;
  }
  json_t *body = json_pack("{s:o}", "plugins", list);
  int rc = body ? nb__req_json(req, 200, body) : NB_ENOMEM;
  json_decref(body);
  return rc;
}

static int version(nb_req_t *req, void *ud) {
  (void)ud;
  json_t *body = json_pack("{s:s, s:s}", "name", "nachbar", "version",
                           NB_VERSION);
  int rc = nb__req_json(req, 200, body);
  json_decref(body);
  return rc;
}

int nb__routes_add(nb_app_t *app) {
  static const struct {
    const char *method, *pattern;
    nb_route_fn fn;
  } routes[] = {
      {"GET", "/healthz", healthz},
      {"GET", "/readyz", readyz},
      {"GET", "/metrics", metrics},
      {"GET", "/api/v1", version},
      {"GET", "/api/v1/plugins", plugins_list},
  };
  for (size_t i = 0; i < sizeof(routes) / sizeof(*routes); i++) {
    int rc = nb__router_add(app->router, routes[i].method, routes[i].pattern,
                            NB_PERM_PUBLIC, routes[i].fn, app, NULL);
    if (rc)
      return rc;
  }
  int rc = nb__account_routes(app);
  rc = rc ? rc : nb__tenancy_routes(app);
  rc = rc ? rc : nb__profile_routes(app);
  rc = rc ? rc : nb__feed_routes(app);
  rc = rc ? rc : nb__audit_routes(app);
  rc = rc ? rc : nb__hood_plugins_routes(app);
  rc = rc ? rc : nb__invites_routes(app);
  return rc ? rc : nb__privacy_routes(app);
}

void nb__routes_demo(nb_app_t *app) { nb__demo_seed(app); }
