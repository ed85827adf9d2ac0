/*
 * GET /api/v1/n/:hood/plugins and PUT /api/v1/n/:hood/plugins/:name.
 */
#include "hood_plugins.h"

#include <string.h>

#include "audit.h"
#include "auth.h"
#include "http.h"
#include "plugins.h"

int nb__hood_plugin_enabled(nb_app_t *app, int64_t hood_id, const char *plugin) {
  json_t *rows = NULL, *p = json_pack("[I, s]", (json_int_t)hood_id, plugin);
  int rc = nb__db_query(app->db,
                        "SELECT enabled FROM nb_hood_plugins "
                        "WHERE hood_id = ?1 AND plugin = ?2",
                        p, &rows);
  json_decref(p);
  int on = rc != 0 || json_array_size(rows) == 0 ||
           json_integer_value(json_object_get(json_array_get(rows, 0), "enabled"));
  json_decref(rows);
  return on;
}

static int list(nb_req_t *req, void *ud) {
  nb_app_t *app = ud;
  nb_auth_t *a = nb__auth_of(req);
  json_t *all = nb__plugins_json(app), *out = json_array();
  size_t i;
  json_t *pl;
  json_array_foreach(all, i, pl) {
    int on = nb__hood_plugin_enabled(
        app, a->hood_id, json_string_value(json_object_get(pl, "name")));
    if (!on && !(a->roles & NB_ROLE_COORDINATOR))
      continue; /* members see what they can use */
    json_object_set_new(pl, "enabled", json_boolean(on));
    json_array_append(out, pl);
  }
  json_decref(all);
  json_t *body = json_pack("{s:o}", "plugins", out);
  int rc = nb__req_json(req, 200, body);
  json_decref(body);
  return rc;
}

static const nb_param_t set_schema[] = {
    {"enabled", NB_T_BOOL, 1, 0, 0},
    {NULL, 0, 0, 0, 0},
};

static int set(nb_req_t *req, void *ud) {
  nb_app_t *app = ud;
  nb_auth_t *a = nb__auth_of(req);
  const char *name = nb__match_param(&req->match, "name");
  if (nb__req_check(req, set_schema))
    return 0;
  if (!nb__plugins_find(app, name))
    return nb__req_error(req, 404, "not_found", NULL,
                         "No plugin '%s' is loaded on this server.", name);
  int on = json_is_true(json_object_get(req->json, "enabled"));
  int rc = nb__db_begin(app->db);
  if (rc)
    return rc;
  json_t *p = json_pack("[I, s, i]", (json_int_t)a->hood_id, name, on);
  rc = nb__db_exec(app->db,
                   "INSERT INTO nb_hood_plugins(hood_id, plugin, enabled) "
                   "VALUES (?1, ?2, ?3) ON CONFLICT (hood_id, plugin) "
                   "DO UPDATE SET enabled = excluded.enabled",
                   p, NULL, NULL);
  json_decref(p);
  json_t *detail = json_pack("{s:b}", "enabled", on);
  if (rc == 0)
    rc = nb__audit(app, a->hood_id, a->person_id, "core",
                   on ? "plugin.enabled" : "plugin.disabled", "plugin", name,
                   detail);
  json_decref(detail);
  if (rc == 0)
    rc = nb__db_commit(app->db);
  else
    nb__db_rollback(app->db);
  if (rc)
    return rc;
  json_t *body = json_pack("{s:s, s:b}", "name", name, "enabled", on);
  rc = nb__req_json(req, 200, body);
  json_decref(body);
  return rc;
}

int nb__hood_plugins_routes(nb_app_t *app) {
  int rc = nb__router_add(app->router, "GET", "/api/v1/n/:hood/plugins",
                          NB_PERM_MEMBER, list, app, NULL);
  return rc ? rc : nb__router_add(app->router, "PUT",
                                  "/api/v1/n/:hood/plugins/:name",
                                  NB_PERM_COORDINATOR, set, app, NULL);
}
